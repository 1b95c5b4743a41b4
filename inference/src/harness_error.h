// Inside the module, errors travel as this exception; module.cc turns it (and any other) into a Failure.
#ifndef FTC_INFERENCE_HARNESS_ERROR_H
#define FTC_INFERENCE_HARNESS_ERROR_H

#include <stdexcept>
#include <string>

#include "ftc_inference/harness.h"

namespace ftc_inference {

class HarnessError : public std::runtime_error {
 public:
  HarnessError(Problem problem, const std::string& message) : std::runtime_error(message), problem_(problem) {}
  Problem problem() const { return problem_; }

 private:
  Problem problem_;
};

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_HARNESS_ERROR_H

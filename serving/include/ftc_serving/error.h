// How the serving libraries report what stops a command: an exception naming the problem as the ftc tool's
// exit statuses do (usage, data, I/O), like the inference harness's Failure.
#ifndef FTC_SERVING_ERROR_H
#define FTC_SERVING_ERROR_H

#include <stdexcept>
#include <string>

#include "ftc_inference/harness.h"

namespace ftc_serving {

using Problem = ftc_inference::Problem;

class Error : public std::runtime_error {
 public:
  Error(Problem problem, const std::string& message) : std::runtime_error(message), problem_(problem) {}
  explicit Error(const ftc_inference::Failure& failure) : Error(failure.problem, failure.message) {}
  Problem problem() const { return problem_; }

 private:
  Problem problem_;
};

}  // namespace ftc_serving

#endif  // FTC_SERVING_ERROR_H

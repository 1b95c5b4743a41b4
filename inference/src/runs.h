// The two runs the module offers (module.cc exports them): the rate–accuracy sweep and the split-point
// analysis. Both throw HarnessError.
#ifndef FTC_INFERENCE_RUNS_H
#define FTC_INFERENCE_RUNS_H

#include "ftc_inference/harness.h"

namespace ftc_inference {

RdResult RunRd(const RdOptions& options);
AnalyzeResult RunAnalyze(const AnalyzeOptions& options);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_RUNS_H

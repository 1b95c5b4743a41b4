// The module's exported symbol for `ftc rd` and `ftc analyze`: the table of the harness's functions
// (harness.h), each of which turns every exception into a Failure (guarded.h). serving_models.cc exports the
// second one, for the serving commands.
#include <torch/version.h>

#include "guarded.h"
#include "runs.h"

namespace ftc_inference {
namespace {

bool Rd(const RdOptions& options, RdResult* result, Failure* failure) {
  return Guarded(failure, [&] { *result = RunRd(options); });
}

bool Analyze(const AnalyzeOptions& options, AnalyzeResult* result, Failure* failure) {
  return Guarded(failure, [&] { *result = RunAnalyze(options); });
}

constexpr Api kApi = {kApiVersion, TORCH_VERSION, Rd, Analyze};

}  // namespace
}  // namespace ftc_inference

extern "C" __attribute__((visibility("default"))) const ftc_inference::Api* ftc_inference_api() {
  return &ftc_inference::kApi;
}

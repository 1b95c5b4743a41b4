// The module's one exported symbol: the table of the harness's functions (harness.h), each of which turns
// every exception into a Failure, since none may cross into the tool.
#include <torch/script.h>
#include <torch/version.h>

#include <new>

#include "ftc/ftc.hpp"
#include "harness_error.h"
#include "runs.h"

namespace ftc_inference {
namespace {

template <typename Fn>
bool Guarded(Failure* failure, Fn&& fn) {
  try {
    // The graph executor's profiling and fusion passes would change the numerics of a scripted model
    // between its first runs and the later ones; run the graphs as they are, as eager PyTorch does.
    torch::jit::setGraphExecutorOptimize(false);
    fn();
    return true;
  } catch (const HarnessError& e) {
    *failure = {e.problem(), e.what()};
  } catch (const ftc::Error& e) {
    *failure = {e.code() == FTC_ERROR_OUT_OF_MEMORY || e.code() == FTC_ERROR_INTERNAL ? Problem::kIo : Problem::kData,
                e.what()};
  } catch (const c10::Error& e) {
    *failure = {Problem::kData, std::string("LibTorch: ") + e.what_without_backtrace()};
  } catch (const std::bad_alloc&) {
    *failure = {Problem::kIo, "out of memory"};
  } catch (const std::exception& e) {
    *failure = {Problem::kIo, std::string("internal error: ") + e.what()};
  }
  return false;
}

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

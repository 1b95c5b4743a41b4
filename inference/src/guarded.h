// Every function of the module's tables (module.cc, serving_models.cc) runs its work through Guarded: no
// exception may cross into the tool, so each becomes a Failure, with the problem the tool's exit status
// names.
#ifndef FTC_INFERENCE_GUARDED_H
#define FTC_INFERENCE_GUARDED_H

#include <torch/script.h>

#include <new>
#include <string>

#include "ftc/ftc.hpp"
#include "harness_error.h"

namespace ftc_inference {

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
    *failure = {
        e.code() == FTC_ERROR_OUT_OF_MEMORY || e.code() == FTC_ERROR_INTERNAL ? Problem::kIo : Problem::kData,
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

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_GUARDED_H

// What `ftc serve`, `ftc edge` and `ftc latency` share on the tool's side: models, codec settings and device
// options from flags, and the serving libraries' errors as the tool's.
#ifndef FTC_TOOLS_SERVING_OPTIONS_H
#define FTC_TOOLS_SERVING_OPTIONS_H

#include <chrono>
#include <string>

#include "args.h"
#include "ftc_serving/device.h"
#include "ftc_serving/error.h"
#include "harness_run.h"

namespace ftc_cli {

struct ServingModels {
  std::string edge, cloud, full;
  std::string name;  // the split's name, or the cloud file's name without "_cloud.pt"
};

// --model DIR [--split S] (the pair, and DIR/full.pt when it exists), or --edge / --cloud / --full; without
// any, the reference model's split mid.
ServingModels ServingModelsFrom(const Args& args);

// The split path's codec settings (the encode flags and --gop); `codec` and `quality` override theirs.
ftc_serving::CodecChoice CodecChoiceFrom(const Args& args);

// Everything of a device but the mode and the models' roles.
ftc_serving::DeviceOptions DeviceOptionsFrom(const Args& args, const ServingModels& models);

// Seconds from a flag as a duration.
std::chrono::milliseconds SecondsFlag(const Args& args, const char* flag, double fallback);

// Runs `fn`, turning ftc_serving::Error into the tool's Failure.
template <typename Fn>
auto Served(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const ftc_serving::Error& e) {
    FailWith({e.problem(), e.what()});
  }
}

}  // namespace ftc_cli

#endif  // FTC_TOOLS_SERVING_OPTIONS_H

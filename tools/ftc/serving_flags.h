// The flags of `ftc serve`, `ftc edge` and `ftc latency`, the serving commands (docs/SERVING.md). Their specs
// are built whether or not this ftc has serving, so that --help always describes them.
#ifndef FTC_TOOLS_SERVING_FLAGS_H
#define FTC_TOOLS_SERVING_FLAGS_H

#include "args.h"

namespace ftc_cli {

// The default address of `ftc serve --listen` and `ftc edge --server`.
inline constexpr const char* kDefaultServer = "127.0.0.1:50051";

}  // namespace ftc_cli

#endif  // FTC_TOOLS_SERVING_FLAGS_H

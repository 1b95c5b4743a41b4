// The flags of `ftc rd` and `ftc analyze`, the two commands of the inference harness. Their specs are built
// whether or not this ftc has the harness, so that --help always describes them.
#ifndef FTC_TOOLS_HARNESS_FLAGS_H
#define FTC_TOOLS_HARNESS_FLAGS_H

#include <vector>

#include "args.h"

namespace ftc_cli {

// --edge, --cloud, --full, --model, --split.
std::vector<Flag> ModelFlags(bool with_split);
// --dataset, --limit, --resize, --crop, --channels, --filter.
std::vector<Flag> DataFlags();
// --device, --threads, --batch, --out, --no-plot, --quiet.
std::vector<Flag> RunFlags(const char* default_out);

// The qualities of the lossy rows when --qualities is not given.
inline constexpr const char* kDefaultQualities = "5,10,20,30,50,70,90";

}  // namespace ftc_cli

#endif  // FTC_TOOLS_HARNESS_FLAGS_H

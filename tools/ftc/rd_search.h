// The quantiser and codec settings `ftc rd` can find for itself (--search) or take ready-made (--preset).
#ifndef FTC_TOOLS_RD_SEARCH_H
#define FTC_TOOLS_RD_SEARCH_H

#include <string>
#include <vector>

#include "ftc_inference/harness.h"
#include "harness_run.h"

namespace ftc_cli {

struct SearchOptions {
  double budget = 0.01;           // the largest top-1 drop, as a fraction
  uint64_t screen_samples = 2000;  // samples of the screening passes
  std::vector<std::string> codecs;
  std::vector<int> qualities;
  std::string options;
};

// Finds, per codec, the settings with the fewest bytes per sample within the budget:
//  1. screens every quantiser (bits 1..8 × clip sigma:2..8, minmax × per tensor / per channel)
//     with a lossless codec on the first screen_samples samples: its top-1 is that of the quantiser
//     itself, the best any codec can do with it;
//  2. sweeps the lossy codecs' qualities over the quantisers within the budget, cheapest first;
//  3. runs the three cheapest quantisers of every codec, each as a curve (over quality, or over bits for a
//     codec without quality), and the baselines, on all samples (`base`'s limit).
// Writes the screening rows to <out_dir>/search.csv and returns the rows of step 3.
ftc_inference::RdResult Search(ftc_inference::RdOptions base, const SearchOptions& search, bool show_progress,
                               const std::string& out_dir);

// The settings of comma-separated presets for the given codecs (seed-jpeg and input-jpeg are not among
// them: they have no settings). An unknown name is a usage error.
//  - standard: 8 bits, sigma:3 per tensor, every quality of a lossy codec: ftc's defaults;
//  - best: what --search found on the reference model (docs/RATE_ACCURACY.md), per codec a quantiser at
//    every quality of a lossy codec, or its clip at 1..8 bits for the others.
std::vector<ftc_inference::CodecSetting> PresetSettings(const std::string& names, const std::vector<std::string>& codecs,
                                                        const std::vector<int>& qualities, const std::string& options);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_RD_SEARCH_H

// Synthetic tensors for the commands that need no input file (demo, bench): the same values on every platform.
#ifndef FTC_TOOLS_SYNTHETIC_H
#define FTC_TOOLS_SYNTHETIC_H

#include <cstdint>
#include <span>
#include <string>

#include "tensor.h"

namespace ftc_cli {

enum class Distribution {
  kFeatures,  // what a mid-network CNN activation looks like after BatchNorm and ReLU (see synthetic.cc)
  kRelu,      // max(0, x), x independent standard normal
  kNormal,    // independent standard normal
  kUniform,   // independent uniform in [0, 1)
};

// "features", "relu", "normal", "uniform"; false for another name.
bool ParseDistribution(const std::string& name, Distribution* distribution);
const char* DistributionName(Distribution distribution);

// A float32 tensor of `shape` (C×H×W or N×C×H×W) drawn from `distribution` with `seed`.
HostTensor SyntheticTensor(std::span<const uint64_t> shape, Distribution distribution, uint64_t seed);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_SYNTHETIC_H

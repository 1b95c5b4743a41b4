#include "synthetic.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ftc_cli {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// SplitMix64: a small generator whose output is the same on every platform (std::normal_distribution's is
// not specified).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {  // Box-Muller
    const double u = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(kTwoPi * Uniform());
  }

 private:
  uint64_t state_;
};

// Each channel a spatially smooth response normalised to zero mean and unit variance, scaled and shifted by
// its own gamma and beta, then rectified, so that some channels are mostly zero and a few are mostly active.
void Features(Random& random, uint64_t channels, uint64_t height, uint64_t width, float* out) {
  std::vector<double> field(height * width);
  for (uint64_t c = 0; c < channels; ++c) {
    struct Wave {
      double fx, fy, phase, amplitude;
    } waves[3];
    for (Wave& w : waves)
      w = {random.Uniform() * 2.0, random.Uniform() * 2.0, random.Uniform() * kTwoPi, 0.5 + random.Uniform()};
    double sum = 0, sum_sq = 0;
    for (uint64_t y = 0; y < height; ++y) {
      for (uint64_t x = 0; x < width; ++x) {
        double v = 0.4 * random.Normal();
        for (const Wave& w : waves)
          v += w.amplitude * std::cos(kTwoPi * (w.fx * x / width + w.fy * y / height) + w.phase);
        field[y * width + x] = v;
        sum += v;
        sum_sq += v * v;
      }
    }
    const double n = static_cast<double>(height * width);
    const double mean = sum / n, sd = std::sqrt(std::max(sum_sq / n - mean * mean, 1e-12));
    const double gamma = 0.5 + random.Uniform(), beta = 0.7 * random.Normal();
    for (uint64_t i = 0; i < height * width; ++i)
      out[c * height * width + i] = static_cast<float>(std::max(0.0, gamma * (field[i] - mean) / sd + beta));
  }
}

constexpr struct {
  Distribution distribution;
  const char* name;
} kNames[] = {{Distribution::kFeatures, "features"},
              {Distribution::kRelu, "relu"},
              {Distribution::kNormal, "normal"},
              {Distribution::kUniform, "uniform"}};

}  // namespace

bool ParseDistribution(const std::string& name, Distribution* distribution) {
  for (const auto& n : kNames)
    if (name == n.name) {
      *distribution = n.distribution;
      return true;
    }
  return false;
}

const char* DistributionName(Distribution distribution) {
  for (const auto& n : kNames)
    if (n.distribution == distribution) return n.name;
  return "unknown";
}

HostTensor SyntheticTensor(std::span<const uint64_t> shape, Distribution distribution, uint64_t seed) {
  HostTensor t;
  t.shape.assign(shape.begin(), shape.end());
  t.bytes.resize(t.elements() * sizeof(float));
  float* out = reinterpret_cast<float*>(t.bytes.data());
  Random random(seed);
  const uint64_t width = shape.back(), height = shape[shape.size() - 2];
  switch (distribution) {
    case Distribution::kFeatures:
      Features(random, t.elements() / (height * width), height, width, out);
      break;
    case Distribution::kRelu:
      for (uint64_t i = 0; i < t.elements(); ++i) out[i] = static_cast<float>(std::max(0.0, random.Normal()));
      break;
    case Distribution::kNormal:
      for (uint64_t i = 0; i < t.elements(); ++i) out[i] = static_cast<float>(random.Normal());
      break;
    case Distribution::kUniform:
      for (uint64_t i = 0; i < t.elements(); ++i) out[i] = static_cast<float>(random.Uniform());
      break;
  }
  return t;
}

}  // namespace ftc_cli

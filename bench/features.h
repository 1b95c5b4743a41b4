// The feature tensors the codec benchmarks code: post-BatchNorm, post-ReLU-like activations with spatially
// correlated channels, on ResNet-34-like split shapes.
#ifndef FTC_BENCH_FEATURES_H
#define FTC_BENCH_FEATURES_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"

namespace ftc_bench {

struct Shape {
  uint64_t c, h, w;

  uint64_t elements() const { return c * h * w; }
  std::vector<uint64_t> dims() const { return {c, h, w}; }
  std::string name() const { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
};

inline std::vector<float> Features(const Shape& s) {
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0f, 0.35f);
  std::uniform_real_distribution<float> phase(0.0f, 6.28f);
  std::vector<float> v(s.elements());
  for (uint64_t c = 0; c < s.c; ++c) {
    const float p = phase(rng), fx = 0.1f + 0.05f * (c % 5), fy = 0.07f + 0.04f * (c % 3);
    for (uint64_t y = 0; y < s.h; ++y)
      for (uint64_t x = 0; x < s.w; ++x)
        v[(c * s.h + y) * s.w + x] = std::max(0.0f, std::sin(fx * x + p) * std::cos(fy * y) + noise(rng));
  }
  return v;
}

}  // namespace ftc_bench

#endif  // FTC_BENCH_FEATURES_H

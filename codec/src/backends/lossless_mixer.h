// Logistic mixing of two adaptive bit estimates, for the `lossless` backend (PAQ's mixer, cut down to the
// two inputs and one bias the model uses).
//
// Probabilities are 12-bit, logits ("stretched" probabilities) are ln(p / (1 - p)) in units of 1/256. The
// tables come from integer interpolation, so they are identical on every machine and encoder and decoder
// stay in step.
#ifndef FTC_BACKENDS_LOSSLESS_MIXER_H
#define FTC_BACKENDS_LOSSLESS_MIXER_H

#include <array>
#include <cstdint>

namespace ftc::lossless {

// 4096 / (1 + e^(-x/256)) for x in [-2047, 2047], interpolated between 33 points; result in [1, 4095].
constexpr int InterpolatedSquash(int x) {
  constexpr int kPoints[33] = {1,    2,    3,    6,    10,   16,   27,   45,   73,   120,  194,
                               310,  488,  747,  1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785,
                               3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094};
  const int frac = x & 127;
  const int i = (x >> 7) + 16;
  return (kPoints[i] * (128 - frac) + kPoints[i + 1] * frac + 64) >> 7;
}

inline constexpr std::array<int16_t, 4095> kSquash = [] {
  std::array<int16_t, 4095> table{};
  for (int x = -2047; x <= 2047; ++x) table[x + 2047] = static_cast<int16_t>(InterpolatedSquash(x));
  return table;
}();

// The logistic function, logits clamped to [-2047, 2047].
constexpr int Squash(int x) {
  return kSquash[x > 2047 ? 4094 : x < -2047 ? 0 : x + 2047];
}

// The inverse of Squash over 12-bit probabilities.
inline constexpr std::array<int16_t, 4096> kStretch = [] {
  std::array<int16_t, 4096> table{};
  int next = 0;
  for (int x = -2047; x <= 2047; ++x) {
    const int p = InterpolatedSquash(x);
    for (; next <= p; ++next) table[next] = static_cast<int16_t>(x);
  }
  for (; next < 4096; ++next) table[next] = 2047;
  return table;
}();

constexpr int Stretch(int p12) {
  return kStretch[p12];
}

// Weights for two logits and a bias, learnt online to minimise coding cost.
class Mixer {
 public:
  // The mixed 12-bit probability of a 0 bit.
  int Mix(int s0, int s1) const {
    const int64_t dot = int64_t{w_[0]} * s0 + int64_t{w_[1]} * s1 + int64_t{w_[2]} * kBias;
    return Squash(static_cast<int>(dot >> 16));
  }
  void Update(int s0, int s1, int p12, int bit) {
    const int err = ((bit == 0) << 12) - p12;
    Learn(0, s0 * err);
    Learn(1, s1 * err);
    Learn(2, kBias * err);
  }

 private:
  static constexpr int kBias = 256;
  static constexpr int kShift = 12;           // learning rate 2^-12
  static constexpr int32_t kLimit = 1 << 22;  // |weight| <= 64: keeps arithmetic bounded on any input
  void Learn(int i, int32_t gradient) {
    int32_t w = w_[i] + (gradient >> kShift);
    w_[i] = w > kLimit ? kLimit : w < -kLimit ? -kLimit : w;
  }
  int32_t w_[3] = {1 << 15, 1 << 15, 0};  // start as the average of the two logits
};

}  // namespace ftc::lossless

#endif  // FTC_BACKENDS_LOSSLESS_MIXER_H

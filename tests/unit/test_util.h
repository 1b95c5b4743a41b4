// Helpers shared by the unit tests: deterministic synthetic tensors and one-call encode/decode.
#ifndef FTC_TESTS_TEST_UTIL_H
#define FTC_TESTS_TEST_UTIL_H

#include <cstdint>
#include <string>
#include <vector>

#include "ftc/ftc.h"
#include "ftc/ftc.hpp"

namespace ftc::test {

enum class Distribution { kGaussian, kRelu, kUniform };

// A tensor of `shape` (rank 3 or 4) in `dtype`, values drawn from `dist` with a fixed seed. Owns its data.
struct HostTensor {
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  std::vector<uint64_t> shape;
  std::vector<uint8_t> bytes;

  uint64_t elements() const;
  ftc_tensor view() const;
  float at(uint64_t i) const;  // element i as float
};

HostTensor MakeTensor(std::vector<uint64_t> shape, ftc_dtype dtype, Distribution dist, uint32_t seed = 1);
// Element i of a decoded tensor as float.
float ElementAt(const ftc_tensor& t, uint64_t i);

ftc_encoder_settings Settings(const char* codec, int bits = 8, int quality = 90);

// The built encoders, one id each: the codec's name, or "codec_implementation" ("h264_x264") when several
// implementations encode the codec.
std::vector<std::string> EncoderIds();
const ftc_backend_info* EncoderInfo(const std::string& id);
// Settings(...) for the codec and implementation of an id of EncoderIds().
ftc_encoder_settings SettingsFor(const std::string& id, int bits = 8, int quality = 90);

// Encodes `t` with `s`; fails the current test on error.
std::vector<uint8_t> EncodeOrDie(const ftc_encoder_settings& s, const HostTensor& t);

}  // namespace ftc::test

#endif  // FTC_TESTS_TEST_UTIL_H

#include "test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "common/float16.h"

namespace ftc::test {

uint64_t HostTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

ftc_tensor HostTensor::view() const { return View(bytes.data(), dtype, shape); }

float ElementAt(const ftc_tensor& t, uint64_t i) {
  switch (t.dtype) {
    case FTC_DTYPE_FLOAT16: return HalfToFloat(static_cast<const uint16_t*>(t.data)[i]);
    case FTC_DTYPE_BFLOAT16: return Bf16ToFloat(static_cast<const uint16_t*>(t.data)[i]);
    default: return static_cast<const float*>(t.data)[i];
  }
}

float HostTensor::at(uint64_t i) const { return ElementAt(view(), i); }

HostTensor MakeTensor(std::vector<uint64_t> shape, ftc_dtype dtype, Distribution dist, uint32_t seed) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  const uint64_t n = t.elements();
  t.bytes.resize(n * ftc_dtype_size(dtype));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.3f, 1.2f);
  std::uniform_real_distribution<float> uniform(-4.0f, 9.0f);
  for (uint64_t i = 0; i < n; ++i) {
    float v = dist == Distribution::kUniform ? uniform(rng) : normal(rng);
    if (dist == Distribution::kRelu) v = std::max(v, 0.0f);
    switch (dtype) {
      case FTC_DTYPE_FLOAT16: reinterpret_cast<uint16_t*>(t.bytes.data())[i] = FloatToHalf(v); break;
      case FTC_DTYPE_BFLOAT16: reinterpret_cast<uint16_t*>(t.bytes.data())[i] = FloatToBf16(v); break;
      default: reinterpret_cast<float*>(t.bytes.data())[i] = v; break;
    }
  }
  return t;
}

ftc_encoder_settings Settings(const char* codec, int bits, int quality) {
  ftc_encoder_settings s = DefaultEncoderSettings();
  s.codec = codec;
  s.bits = bits;
  s.quality = quality;
  return s;
}

std::vector<std::string> EncoderIds() {
  std::vector<std::string> ids;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if (!(b->capabilities & FTC_CAP_ENCODE)) continue;
    size_t encoders = 0;
    for (size_t j = 0; j < ftc_backend_count(); ++j)
      encoders += std::strcmp(ftc_backend_at(j)->name, b->name) == 0 && (ftc_backend_at(j)->capabilities & FTC_CAP_ENCODE);
    ids.push_back(encoders > 1 ? std::string(b->name) + "_" + b->implementation : b->name);
  }
  return ids;
}

const ftc_backend_info* EncoderInfo(const std::string& id) {
  const size_t split = id.find('_');
  const std::string codec = id.substr(0, split);
  const std::string implementation = split == std::string::npos ? "" : id.substr(split + 1);
  return ftc_backend_find_implementation(codec.c_str(), implementation.empty() ? nullptr : implementation.c_str(),
                                         FTC_CAP_ENCODE);
}

ftc_encoder_settings SettingsFor(const std::string& id, int bits, int quality) {
  const ftc_backend_info* b = EncoderInfo(id);
  EXPECT_NE(b, nullptr) << id;
  ftc_encoder_settings s = Settings(b ? b->name : "none", bits, quality);
  if (b) s.implementation = b->implementation;
  return s;
}

std::vector<uint8_t> EncodeOrDie(const ftc_encoder_settings& s, const HostTensor& t) {
  ftc_encoder* e = nullptr;
  const char* message = nullptr;
  EXPECT_EQ(ftc_encoder_create(&s, &e, &message), FTC_OK) << message;
  if (e == nullptr) return {};
  ftc_buffer out{};
  const ftc_tensor view = t.view();
  EXPECT_EQ(ftc_encode(e, &view, &out), FTC_OK) << ftc_encoder_last_error(e);
  std::vector<uint8_t> bytes(out.data, out.data + out.size);
  ftc_buffer_free(&out);
  ftc_encoder_destroy(e);
  return bytes;
}

}  // namespace ftc::test

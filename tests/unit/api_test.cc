// The C API's contract: defaults, validation with messages, NULL handling, versions, result names.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

ftc_result CreateResult(const ftc_encoder_settings& s, std::string* message) {
  ftc_encoder* e = nullptr;
  const char* m = nullptr;
  const ftc_result r = ftc_encoder_create(&s, &e, &m);
  *message = m ? m : "";
  EXPECT_EQ(r == FTC_OK, e != nullptr);
  ftc_encoder_destroy(e);
  return r;
}

TEST(Api, DefaultsAreDocumented) {
  ftc_encoder_settings s;
  ftc_encoder_default_settings(&s);
  EXPECT_STREQ(s.codec, "jpeg");
  EXPECT_EQ(s.quality, 90);
  EXPECT_EQ(s.bits, 8);
  EXPECT_EQ(s.clip, FTC_CLIP_SIGMA);
  EXPECT_EQ(s.sigma_k, 3.0);
  EXPECT_EQ(s.per_channel, 0);
  EXPECT_EQ(s.max_error, 0);
  EXPECT_EQ(s.threads, 0);
  EXPECT_EQ(s.implementation, nullptr);
  EXPECT_EQ(s.lossless, 0);
  EXPECT_EQ(s.target_bytes, 0u);
  EXPECT_EQ(s.stream, nullptr);
  ftc_stream_settings stream;
  ftc_stream_default_settings(&stream);
  EXPECT_EQ(stream.gop, 30);
  EXPECT_EQ(stream.range, FTC_STREAM_RANGE_FIRST);
  EXPECT_EQ(stream.calibration, nullptr);
  ftc_decoder_settings d;
  ftc_decoder_default_settings(&d);
  EXPECT_EQ(d.implementation, nullptr);
  EXPECT_EQ(d.max_elements, 0u);
}

TEST(Api, BadSettingsAreRejectedWithAMessage) {
  std::string m;
  auto s = test::Settings("raw");
  s.quality = 0;
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(m.find("quality"), std::string::npos);
  s = test::Settings("raw", 9);
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(m.find("bits"), std::string::npos);
  s = test::Settings("no-such-codec");
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_UNSUPPORTED);
  EXPECT_NE(m.find("no-such-codec"), std::string::npos);
  s = test::Settings("raw");
  s.max_error = 2;
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  s = test::Settings("raw");
  s.options = "speed=3";
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(m.find("speed"), std::string::npos) << m;
  s = test::Settings("raw");
  s.options = "novalue";
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  s = test::Settings("raw");
  s.clip = FTC_CLIP_RANGE;  // range left at 0, 0
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
  s = test::Settings("raw");
  s.sigma_k = -1;
  EXPECT_EQ(CreateResult(s, &m), FTC_ERROR_INVALID_ARGUMENT);
}

TEST(Api, NullArgumentsAreErrorsNotCrashes) {
  ftc_encoder* e = nullptr;
  EXPECT_EQ(ftc_encoder_create(nullptr, &e, nullptr), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(e, nullptr);
  auto s = test::Settings("raw");
  EXPECT_EQ(ftc_encoder_create(&s, nullptr, nullptr), FTC_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(ftc_encoder_create(&s, &e, nullptr), FTC_OK);
  ftc_buffer out{};
  EXPECT_EQ(ftc_encode(e, nullptr, &out), FTC_ERROR_INVALID_ARGUMENT);
  ftc_tensor t{};
  t.rank = 4;
  EXPECT_EQ(ftc_encode(e, &t, &out), FTC_ERROR_INVALID_ARGUMENT);  // data NULL
  EXPECT_EQ(ftc_encode(nullptr, &t, &out), FTC_ERROR_INVALID_ARGUMENT);
  ftc_encoder_destroy(e);
  ftc_encoder_destroy(nullptr);
  ftc_decoder_destroy(nullptr);
  ftc_buffer_free(nullptr);
  ftc_tensor_free(nullptr);
  ftc_plane_free(nullptr);
  ftc_decoder* d = nullptr;
  ASSERT_EQ(ftc_decoder_create(nullptr, &d, nullptr), FTC_OK);
  ftc_tensor decoded{};
  EXPECT_EQ(ftc_decode(d, nullptr, 5, &decoded), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ftc_decode(d, nullptr, 0, &decoded), FTC_ERROR_TRUNCATED);
  ftc_decoder_destroy(d);
}

TEST(Api, BadTensorsAreRejected) {
  auto s = test::Settings("raw");
  ftc::Encoder e(s);
  float data[4] = {1, 2, 3, 4};
  ftc_tensor t = ftc::View(data, FTC_DTYPE_FLOAT32, std::vector<uint64_t>{1, 2, 2});
  t.rank = 2;
  EXPECT_THROW(e.Encode(t), ftc::Error);
  t.rank = 3;
  t.dtype = static_cast<ftc_dtype>(7);
  EXPECT_THROW(e.Encode(t), ftc::Error);
  t.dtype = FTC_DTYPE_FLOAT32;
  t.shape[1] = 0;
  EXPECT_THROW(e.Encode(t), ftc::Error);
  t.shape[1] = 2;
  data[2] = std::nanf("");
  try {
    e.Encode(t);
    FAIL() << "NaN accepted";
  } catch (const ftc::Error& err) {
    EXPECT_EQ(err.code(), FTC_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.what()).find("NaN"), std::string::npos);
  }
}

TEST(Api, VersionsAndNames) {
  EXPECT_STREQ(ftc_version_string(), "0.1.0");
  EXPECT_EQ(ftc_version(), (0u << 16) | (1u << 8));
  EXPECT_EQ(ftc_format_version(), static_cast<uint32_t>(FTC_FORMAT_VERSION));
  EXPECT_EQ(ftc_abi_version(), static_cast<uint32_t>(FTC_ABI_VERSION));
  for (int r = FTC_OK; r <= FTC_ERROR_NEED_KEY_FRAME; ++r)
    EXPECT_STRNE(ftc_result_to_string(static_cast<ftc_result>(r)), "unknown result code");
  EXPECT_STREQ(ftc_result_to_string(static_cast<ftc_result>(99)), "unknown result code");
  EXPECT_EQ(ftc_dtype_size(FTC_DTYPE_BFLOAT16), 2u);
  EXPECT_STREQ(ftc_dtype_name(FTC_DTYPE_FLOAT16), "float16");
}

TEST(Api, BackendTableListsRawAndFindsByName) {
  ASSERT_GE(ftc_backend_count(), 1u);
  const ftc_backend_info* raw = ftc_backend_find("raw");
  ASSERT_NE(raw, nullptr);
  EXPECT_TRUE(raw->capabilities & FTC_CAP_LOSSLESS);
  EXPECT_EQ(ftc_backend_find("nope"), nullptr);
  EXPECT_EQ(ftc_backend_find(nullptr), nullptr);
  EXPECT_EQ(ftc_backend_at(ftc_backend_count()), nullptr);
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    EXPECT_EQ(ftc_backend_find_implementation(b->name, b->implementation, b->capabilities), b);
    EXPECT_NE(ftc_backend_find(b->name), nullptr);
    EXPECT_NE(b->implementation, nullptr);
    EXPECT_NE(b->library, nullptr);
    EXPECT_GE(b->block_align, 1u);
  }
}

TEST(Api, AutoPicksANearLosslessBackendWhenMaxErrorIsSet) {
  auto s = test::Settings("auto");
  s.max_error = 1;
  ftc_encoder* e = nullptr;
  const ftc_result r = ftc_encoder_create(&s, &e, nullptr);
  bool any = false;
  for (size_t i = 0; i < ftc_backend_count(); ++i) any |= (ftc_backend_at(i)->capabilities & FTC_CAP_NEAR_LOSSLESS) != 0;
  EXPECT_EQ(r == FTC_OK, any);
  ftc_encoder_destroy(e);
}

TEST(Api, ParseClip) {
  ftc_clip_mode mode;
  double k = 0;
  float lo = 0, hi = 0;
  ASSERT_EQ(ftc_parse_clip("range:-2,5", &mode, &k, &lo, &hi), FTC_OK);
  EXPECT_EQ(mode, FTC_CLIP_RANGE);
  EXPECT_EQ(lo, -2.0f);
  EXPECT_EQ(hi, 5.0f);
  EXPECT_EQ(ftc_parse_clip("sigma:2", &mode, &k, &lo, &hi), FTC_OK);
  EXPECT_EQ(k, 2.0);
  EXPECT_EQ(ftc_parse_clip("bogus", &mode, &k, &lo, &hi), FTC_ERROR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace ftc

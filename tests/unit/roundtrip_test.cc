// Round trips over every built backend × dtype × shape: shape and dtype come back, lossless backends are
// bit-exact against the quantiser, lossy ones meet a stated error bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "common/float16.h"

#include "quant/quantizer.h"
#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

std::vector<std::string> BuiltBackends() { return test::EncoderIds(); }

const std::vector<std::vector<uint64_t>> kShapes = {
    {1, 1, 1, 1}, {1, 3, 7, 13}, {2, 37, 5, 9}, {1, 512, 1, 1}, {6, 9, 4}, {1, 64, 14, 14}};

using Param = std::tuple<std::string, ftc_dtype, size_t>;

class RoundTrip : public ::testing::TestWithParam<Param> {};

// The value the quantiser gives element i, from the ranges the file carries.
float Reconstruction(const ftc_info& info, const test::HostTensor& t, uint64_t i, int level_offset = 0) {
  const uint64_t hw = t.shape[t.shape.size() - 1] * t.shape[t.shape.size() - 2];
  const uint64_t c = (i / hw) % t.shape[t.shape.size() - 3];
  const size_t k = info.per_channel ? c : 0;
  const LevelMap lm(info.clip_lo[k], info.clip_hi[k], 1 << info.bits);
  return lm.Value(lm.Quantize(t.at(i)) + level_offset);
}

TEST_P(RoundTrip, ShapeDtypeAndValuesComeBack) {
  const auto& [codec, dtype, shape_index] = GetParam();
  const auto& shape = kShapes[shape_index];
  const ftc_backend_info* backend = test::EncoderInfo(codec);
  ASSERT_NE(backend, nullptr);
  const bool lossless = backend->capabilities & FTC_CAP_LOSSLESS;
  for (bool per_channel : {false, true}) {
    for (int bits : {8, 5, 2}) {
      const auto t = MakeTensor(shape, dtype, Distribution::kRelu, static_cast<uint32_t>(shape_index + bits));
      ftc_encoder_settings s = test::SettingsFor(codec, bits, 95);
      s.per_channel = per_channel;
      const auto file = test::EncodeOrDie(s, t);
      ftc::Decoder d;
      const ftc::Tensor out = d.Decode(file);
      ASSERT_EQ(out.dtype(), dtype);
      ASSERT_EQ(out.shape(), shape);
      const ftc_info info = d.Info(file);
      EXPECT_EQ(info.total_bytes, file.size());
      EXPECT_EQ(info.per_channel, per_channel ? 1 : 0);
      double err2 = 0, range2 = 0;
      for (uint64_t i = 0; i < t.elements(); ++i) {
        const float got = test::ElementAt(out.raw(), i);
        float expected = Reconstruction(info, t, i);
        if (dtype == FTC_DTYPE_FLOAT16) expected = HalfToFloat(FloatToHalf(expected));
        if (dtype == FTC_DTYPE_BFLOAT16) expected = Bf16ToFloat(FloatToBf16(expected));
        if (lossless) {
          ASSERT_EQ(got, expected) << codec << " element " << i << " bits " << bits;
        } else {
          err2 += (got - expected) * (got - expected);
          const size_t k = info.per_channel ? (i / (t.shape.back() * t.shape[t.shape.size() - 2])) % t.shape[t.shape.size() - 3] : 0;
          range2 += (info.clip_hi[k] - info.clip_lo[k]) * (info.clip_hi[k] - info.clip_lo[k]);
        }
      }
      if (!lossless && range2 > 0) {
        // Stated bound for lossy backends at quality 95: the error against the quantiser's own
        // reconstruction has an RMS below 5% of the clip range (PSNR > 26 dB on noise-like content).
        EXPECT_LT(std::sqrt(err2 / range2), 0.05) << codec << " bits " << bits;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllBackends, RoundTrip,
    ::testing::Combine(::testing::ValuesIn(BuiltBackends()),
                       ::testing::Values(FTC_DTYPE_FLOAT32, FTC_DTYPE_FLOAT16, FTC_DTYPE_BFLOAT16),
                       ::testing::Range<size_t>(0, kShapes.size())),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + ftc_dtype_name(std::get<1>(info.param)) + "_shape" +
             std::to_string(std::get<2>(info.param));
    });

TEST(RoundTrip, OutputIsIdenticalWhateverTheThreadCount) {
  const auto t = MakeTensor({7, 16, 8, 8}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  for (const std::string& codec : BuiltBackends()) {
    ftc_encoder_settings one = test::SettingsFor(codec);
    one.threads = 1;
    ftc_encoder_settings four = one;
    four.threads = 4;
    const auto a = test::EncodeOrDie(one, t);
    const auto b = test::EncodeOrDie(four, t);
    EXPECT_EQ(a, b) << codec;
    ftc_decoder_settings ds;
    ftc_decoder_default_settings(&ds);
    ds.threads = 1;
    ftc::Decoder d1(&ds);
    ds.threads = 3;
    ftc::Decoder d3(&ds);
    const ftc::Tensor x = d1.Decode(a), y = d3.Decode(a);
    ASSERT_EQ(x.bytes(), y.bytes());
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.bytes()), 0) << codec;
  }
}

TEST(RoundTrip, RankThreeStaysRankThree) {
  const auto t = MakeTensor({4, 5, 6}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  const auto file = test::EncodeOrDie(test::Settings("raw"), t);
  ftc::Decoder d;
  EXPECT_EQ(d.Decode(file).shape(), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(d.Info(file).rank, 3u);
}

TEST(RoundTrip, MosaicFromTheFileEqualsMosaicFromTheTensor) {
  const auto t = MakeTensor({3, 10, 6, 5}, FTC_DTYPE_FLOAT32, Distribution::kRelu);
  for (const std::string& codec : BuiltBackends()) {
    const ftc_backend_info* b = test::EncoderInfo(codec);
    if (!(b->capabilities & FTC_CAP_LOSSLESS)) continue;
    ftc::Encoder e(test::SettingsFor(codec));
    const ftc_tensor view = t.view();
    const auto file = e.Encode(view);
    ftc::Decoder d;
    for (uint64_t i = 0; i < 3; ++i) {
      const ftc::Plane a = e.Mosaic(view, i), c = d.Mosaic(file.span(), i);
      ASSERT_EQ(a.width(), c.width());
      ASSERT_EQ(a.height(), c.height());
      EXPECT_EQ(std::memcmp(a.data(), c.data(), size_t{a.width()} * a.height()), 0) << codec;
      EXPECT_EQ(a.width() % b->block_align, 0u);
    }
  }
}

// A plane of 2^19 pixels or more is coded in bands (docs/FORMAT.md, "Bands"): values and mosaics come back as
// from a plane coded whole, in a batch too; video codecs (the stream form) code whole planes.
TEST(RoundTrip, LargePlanesAreCodedInBandsAndComeBack) {
  const auto t = MakeTensor({2, 128, 64, 64}, FTC_DTYPE_FLOAT32, Distribution::kRelu);  // 1024×512 each
  for (const std::string& codec : BuiltBackends()) {
    const ftc_backend_info* b = test::EncoderInfo(codec);
    const bool video = b->capabilities & FTC_CAP_VIDEO;
    if (video && codec.find("x265") != std::string::npos) continue;  // slow, and the same form as h264
    ftc::Encoder e(test::SettingsFor(codec, 8, 95));
    const ftc_tensor view = t.view();
    const auto file = e.Encode(view);
    ftc::Decoder d;
    const ftc_info info = d.Info(file.span());
    EXPECT_EQ(info.bands, video ? 1u : 2u) << codec;
    const ftc::Tensor out = d.Decode(file.span());
    ASSERT_EQ(out.shape(), t.shape);
    double err2 = 0;
    for (uint64_t i = 0; i < t.elements(); ++i) {
      const float got = test::ElementAt(out.raw(), i), expected = Reconstruction(info, t, i);
      if (b->capabilities & FTC_CAP_LOSSLESS) {
        ASSERT_EQ(got, expected) << codec << " element " << i;
      }
      err2 += (got - expected) * (got - expected);
    }
    const double range = info.clip_hi[0] - info.clip_lo[0];
    EXPECT_LT(std::sqrt(err2 / static_cast<double>(t.elements())) / range, 0.05) << codec;
    if (b->capabilities & FTC_CAP_LOSSLESS) {
      const ftc::Plane a = e.Mosaic(view, 1), c = d.Mosaic(file.span(), 1);
      ASSERT_EQ(size_t{a.width()} * a.height(), size_t{c.width()} * c.height());
      EXPECT_EQ(std::memcmp(a.data(), c.data(), size_t{a.width()} * a.height()), 0) << codec;
    }
  }
}

}  // namespace
}  // namespace ftc

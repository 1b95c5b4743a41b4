// The quantiser: clip ranges, error bound, NaN/Inf rejection, parameter precision.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/float16.h"
#include "quant/quantizer.h"
#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

TensorView ViewOf(const test::HostTensor& t) {
  TensorView v;
  const ftc_tensor raw = t.view();
  EXPECT_TRUE(ViewTensor(raw, &v).ok());
  return v;
}

TEST(Quantizer, ErrorBoundHoldsForEveryElementInsideTheRange) {
  for (int bits = 1; bits <= 8; ++bits) {
    for (ftc_clip_mode mode : {FTC_CLIP_SIGMA, FTC_CLIP_MINMAX, FTC_CLIP_RANGE}) {
      const auto t = MakeTensor({2, 5, 9, 11}, FTC_DTYPE_FLOAT32, Distribution::kGaussian, bits);
      ClipSpec clip;
      clip.mode = mode;
      clip.sigma_k = 2.0;
      clip.lo = -1.5f;
      clip.hi = 2.25f;
      QuantParams q;
      ASSERT_TRUE(ComputeQuantParams(ViewOf(t), bits, clip, false, &q).ok());
      const LevelMap lm(q.lo[0], q.hi[0], q.levels());
      const float half_step = (q.hi[0] - q.lo[0]) / static_cast<float>(q.levels() - 1) / 2;
      uint64_t inside = 0;
      for (uint64_t i = 0; i < t.elements(); ++i) {
        const float x = t.at(i);
        const int level = lm.Quantize(x);
        ASSERT_GE(level, 0);
        ASSERT_LT(level, q.levels());
        const float y = lm.Value(level);
        if (x >= q.lo[0] && x <= q.hi[0]) {
          ++inside;
          ASSERT_LE(std::fabs(x - y), half_step * (1 + 1e-5f) + 1e-6f) << "bits " << bits << " x " << x;
        } else {
          // Outside values clip to the nearest end of the range.
          ASSERT_EQ(y, x < q.lo[0] ? lm.Value(0) : lm.Value(q.levels() - 1));
        }
      }
      EXPECT_GT(inside, t.elements() / 2);
    }
  }
}

TEST(Quantizer, EndsOfTheRangeAreReconstructedExactly) {
  const LevelMap lm(-2.0f, 6.0f, 256);
  EXPECT_EQ(lm.Value(lm.Quantize(-2.0f)), -2.0f);
  EXPECT_EQ(lm.Value(lm.Quantize(6.0f)), 6.0f);
  EXPECT_EQ(lm.Quantize(-100.0f), 0);
  EXPECT_EQ(lm.Quantize(100.0f), 255);
}

TEST(Quantizer, SigmaRangeIsMeanPlusMinusKSigmaNarrowedToTheData) {
  // Post-ReLU data: mean - 3 sigma is negative but no value is, so lo must be the minimum, 0.
  const auto t = MakeTensor({1, 8, 16, 16}, FTC_DTYPE_FLOAT32, Distribution::kRelu);
  QuantParams q;
  ASSERT_TRUE(ComputeQuantParams(ViewOf(t), 8, {FTC_CLIP_SIGMA, 3.0, 0, 0}, false, &q).ok());
  double sum = 0, sq = 0, mx = 0;
  for (uint64_t i = 0; i < t.elements(); ++i) {
    sum += t.at(i);
    sq += static_cast<double>(t.at(i)) * t.at(i);
    mx = std::max<double>(mx, t.at(i));
  }
  const double mean = sum / t.elements(), sd = std::sqrt(sq / t.elements() - mean * mean);
  EXPECT_EQ(q.lo[0], 0.0f);
  EXPECT_NEAR(q.hi[0], std::min(mean + 3 * sd, mx), 1e-4);
  EXPECT_LT(q.hi[0], mx);  // the tail beyond 3 sigma is clipped
}

TEST(Quantizer, MinmaxIsTheDataRange) {
  const auto t = MakeTensor({3, 4, 5}, FTC_DTYPE_FLOAT32, Distribution::kUniform);
  QuantParams q;
  ASSERT_TRUE(ComputeQuantParams(ViewOf(t), 8, {FTC_CLIP_MINMAX, 3.0, 0, 0}, false, &q).ok());
  float lo = INFINITY, hi = -INFINITY;
  for (uint64_t i = 0; i < t.elements(); ++i) lo = std::min(lo, t.at(i)), hi = std::max(hi, t.at(i));
  EXPECT_EQ(q.lo[0], lo);
  EXPECT_EQ(q.hi[0], hi);
}

TEST(Quantizer, PerChannelRangesAreRoundedOutwardsToHalf) {
  const auto t = MakeTensor({2, 6, 7, 7}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  QuantParams q;
  ASSERT_TRUE(ComputeQuantParams(ViewOf(t), 8, {FTC_CLIP_MINMAX, 3.0, 0, 0}, true, &q).ok());
  ASSERT_EQ(q.lo.size(), 6u);
  EXPECT_TRUE(q.half_precision);
  for (uint64_t c = 0; c < 6; ++c) {
    float lo = INFINITY, hi = -INFINITY;
    for (uint64_t n = 0; n < 2; ++n)
      for (uint64_t i = 0; i < 49; ++i) {
        const float x = t.at((n * 6 + c) * 49 + i);
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    EXPECT_LE(q.lo[c], lo);
    EXPECT_GE(q.hi[c], hi);
    EXPECT_EQ(HalfToFloat(FloatToHalf(q.lo[c])), q.lo[c]);
    EXPECT_EQ(HalfToFloat(FloatToHalf(q.hi[c])), q.hi[c]);
    EXPECT_LT(q.hi[c] - q.lo[c], (hi - lo) * 1.01f);
  }
}

TEST(Quantizer, NanAndInfAreErrors) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    for (ftc_clip_mode mode : {FTC_CLIP_SIGMA, FTC_CLIP_MINMAX, FTC_CLIP_RANGE}) {
      auto t = MakeTensor({1, 2, 3, 3}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
      reinterpret_cast<float*>(t.bytes.data())[7] = bad;
      QuantParams q;
      const Status s = ComputeQuantParams(ViewOf(t), 8, {mode, 3.0, -1, 1}, false, &q);
      EXPECT_EQ(s.code(), FTC_ERROR_INVALID_ARGUMENT);
      EXPECT_NE(s.message().find("NaN or Inf"), std::string::npos);
    }
  }
  // The same in float16 input.
  auto h = MakeTensor({1, 2, 3, 3}, FTC_DTYPE_FLOAT16, Distribution::kGaussian);
  reinterpret_cast<uint16_t*>(h.bytes.data())[4] = 0x7c00;
  QuantParams q;
  EXPECT_FALSE(ComputeQuantParams(ViewOf(h), 8, {}, false, &q).ok());
}

TEST(Quantizer, ConstantTensorReconstructsExactly) {
  test::HostTensor t;
  t.shape = {1, 3, 4, 4};
  t.bytes.resize(48 * 4);
  for (int i = 0; i < 48; ++i) reinterpret_cast<float*>(t.bytes.data())[i] = 1.75f;
  QuantParams q;
  ASSERT_TRUE(ComputeQuantParams(ViewOf(t), 4, {}, false, &q).ok());
  const LevelMap lm(q.lo[0], q.hi[0], q.levels());
  EXPECT_EQ(lm.Value(lm.Quantize(1.75f)), 1.75f);
}

TEST(Quantizer, ParseClipAcceptsTheThreeFormsAndRejectsTheRest) {
  ClipSpec c;
  ASSERT_TRUE(ParseClip("sigma:3", &c).ok());
  EXPECT_EQ(c.mode, FTC_CLIP_SIGMA);
  EXPECT_EQ(c.sigma_k, 3.0);
  ASSERT_TRUE(ParseClip("sigma:2.5", &c).ok());
  EXPECT_EQ(c.sigma_k, 2.5);
  ASSERT_TRUE(ParseClip("minmax", &c).ok());
  EXPECT_EQ(c.mode, FTC_CLIP_MINMAX);
  ASSERT_TRUE(ParseClip("range:-1.5,4", &c).ok());
  EXPECT_EQ(c.mode, FTC_CLIP_RANGE);
  EXPECT_EQ(c.lo, -1.5f);
  EXPECT_EQ(c.hi, 4.0f);
  for (const char* bad : {"", "sigma", "sigma:", "sigma:0", "sigma:-1", "sigma:30", "sigma:2.55", "sigma:x",
                          "range:1", "range:2,1", "range:1,1", "range:nan,1", "range:0,inf", "min", "minmax "}) {
    EXPECT_FALSE(ParseClip(bad, &c).ok()) << bad;
  }
}

TEST(Quantizer, HalfAndBfloat16ConversionsRoundToNearestEven) {
  // Every float16 value survives a round trip through float.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN payloads
    EXPECT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h);
  }
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3c00);            // tie to even (down)
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3c02);            // tie to even (up)
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);                      // overflow to Inf
  EXPECT_EQ(FloatToHalf(5.9604644775390625e-8f), 0x0001);        // smallest subnormal
  EXPECT_EQ(FloatToHalf(2.98023223876953125e-8f), 0x0000);       // half of it: tie to even, zero
  EXPECT_EQ(FloatToBf16(1.0f + 1.0f / 256), 0x3f80);             // tie to even (down)
  EXPECT_EQ(FloatToBf16(1.0f + 3.0f / 256), 0x3f82);             // tie to even (up)
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(-3.5f)), -3.5f);
}

}  // namespace
}  // namespace ftc

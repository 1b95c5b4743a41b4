// The SIMD kernels against the scalar reference, checkasm-style: every level this CPU has, every dtype,
// random inputs, every length up to a few vectors and some long ones, and edge values (signed zeros,
// subnormals, the largest floats, values on and next to clip bounds and level boundaries, NaN and Inf). Bit
// for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/float16.h"
#include "dsp/dsp.h"
#include "dsp/scalar.h"
#include "ftc/ftc.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"

namespace ftc::dsp {
namespace {

constexpr ftc_dtype kDtypes[] = {FTC_DTYPE_FLOAT32, FTC_DTYPE_FLOAT16, FTC_DTYPE_BFLOAT16};

// The levels to compare with the reference: every one this CPU has, but the reference itself.
std::vector<const Kernels*> OptimisedLevels() {
  std::vector<const Kernels*> out;
  for (const Level level : kAllLevels)
    if (level != Level::kScalar && ForLevel(level) != nullptr) out.push_back(ForLevel(level));
  return out;
}

std::string Where(const Kernels& k, ftc_dtype dtype, size_t n) {
  return std::string(LevelName(k.level)) + " " + ftc_dtype_name(dtype) + " n=" + std::to_string(n);
}

// Lengths: every one up to four of the widest vector loops, and some long odd ones.
std::vector<size_t> Lengths() {
  std::vector<size_t> n;
  for (size_t i = 0; i <= 130; ++i) n.push_back(i);
  for (size_t i : {255, 256, 257, 1000, 4095, 4097, 65537}) n.push_back(i);
  return n;
}

float FloatOfBits(uint32_t b) {
  return BitsFloat(b);
}

// Finite float32 values that stress the kernels.
std::vector<float> EdgeValues() {
  const float max = std::numeric_limits<float>::max();
  return {0.0f,
          -0.0f,
          FloatOfBits(1),
          FloatOfBits(0x807fffffu),
          FloatOfBits(0x00800000u),
          -FloatOfBits(0x00800000u),
          max,
          -max,
          1.0f,
          -1.0f,
          0.5f,
          65504.0f,
          65520.0f,
          -65520.0f,
          6.0e-8f,
          3.0e-8f,
          std::nextafter(1.0f, 2.0f),
          1e30f,
          -1e-30f};
}

// n values in `dtype`, as raw bytes: a mix of gaussian values, random finite bit patterns and edge values.
std::vector<uint8_t> RandomInput(ftc_dtype dtype, size_t n, std::mt19937& rng, bool with_non_finite = false) {
  std::vector<uint8_t> bytes(n * ftc_dtype_size(dtype) + 1);  // +1: never empty
  std::normal_distribution<float> gauss(0.3f, 2.0f);
  const std::vector<float> edges = EdgeValues();
  for (size_t i = 0; i < n; ++i) {
    float x;
    const uint32_t pick = rng() % 16;
    if (pick < 9) {
      x = gauss(rng);
    } else if (pick < 13) {
      do x = FloatOfBits(static_cast<uint32_t>(rng()));
      while (!std::isfinite(x));
    } else {
      x = edges[rng() % edges.size()];
    }
    if (with_non_finite && rng() % 64 == 0)
      x = (rng() % 2) ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
    switch (dtype) {
      case FTC_DTYPE_FLOAT32:
        std::memcpy(&bytes[4 * i], &x, 4);
        break;
      case FTC_DTYPE_FLOAT16: {
        uint16_t h = FloatToHalf(x);
        if (!with_non_finite && (h & 0x7c00u) == 0x7c00u) h = static_cast<uint16_t>(h & 0xfc00u) - 0x400u;
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
      case FTC_DTYPE_BFLOAT16: {
        uint16_t h = FloatToBf16(x);
        if (!with_non_finite && (h & 0x7f80u) == 0x7f80u) h = static_cast<uint16_t>(h & 0xff80u) - 0x80u;
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
    }
  }
  return bytes;
}

void ExpectSameStats(const BlockStats& a, const BlockStats& b, const std::string& where) {
  EXPECT_EQ(a.finite, b.finite) << where;
  if (!a.finite) return;  // the sums and extremes of a block with a NaN are never used
  EXPECT_EQ(std::memcmp(&a.sum, &b.sum, sizeof a.sum), 0) << where << ": " << a.sum << " vs " << b.sum;
  EXPECT_EQ(std::memcmp(&a.sum_sq, &b.sum_sq, sizeof a.sum_sq), 0) << where;
  EXPECT_EQ(FloatBits(a.min), FloatBits(b.min)) << where << ": " << a.min << " vs " << b.min;
  EXPECT_EQ(FloatBits(a.max), FloatBits(b.max)) << where << ": " << a.max << " vs " << b.max;
}

TEST(Dsp, TheArchitecturesOwnLevelIsDetected) {
#if defined(__aarch64__)
  EXPECT_EQ(BestLevel(), Level::kNeon);
#elif defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.1")) {
    EXPECT_NE(BestLevel(), Level::kScalar);
  }
  if (__builtin_cpu_supports("avx2")) {
    EXPECT_GE(static_cast<int>(BestLevel()), static_cast<int>(Level::kAvx2));
  }
#endif
  EXPECT_NE(ForLevel(Level::kScalar), nullptr);
  EXPECT_NE(ForLevel(BestLevel()), nullptr);
  std::printf("best level: %s, in use: %s\n", LevelName(BestLevel()), ftc_cpu_level());
}

TEST(Dsp, StatsMatchTheReference) {
  std::mt19937 rng(7);
  for (const Kernels* k : OptimisedLevels())
    for (const ftc_dtype dtype : kDtypes)
      for (const size_t n : Lengths())
        for (const bool non_finite : {false, true}) {
          const auto in = RandomInput(dtype, n, rng, non_finite);
          BlockStats want, got;
          ScalarKernels().stats[dtype](in.data(), n, &want);
          k->stats[dtype](in.data(), n, &got);
          ExpectSameStats(want, got, Where(*k, dtype, n));
        }
}

TEST(Dsp, StatsFindEveryNanAndInf) {
  for (const Kernels* k : OptimisedLevels()) {
    for (const size_t n : {1, 15, 16, 17, 33, 100}) {
      for (size_t at = 0; at < n; at += 7) {
        std::vector<float> x(n, 1.5f);
        for (const float bad :
             {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
              std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN()}) {
          x[at] = bad;
          BlockStats s;
          k->stats[FTC_DTYPE_FLOAT32](x.data(), n, &s);
          EXPECT_FALSE(s.finite) << Where(*k, FTC_DTYPE_FLOAT32, n) << " at " << at;
        }
      }
    }
  }
}

TEST(Dsp, AZeroExtremeIsPositiveWhateverTheSignsOfTheZeros) {
  for (const Kernels* level : {&ScalarKernels(), &Active()}) {
    for (const size_t at : {0, 5, 36}) {
      std::vector<float> x(37, 0.0f), negative(37, -0.0f);
      x[at] = -0.0f;
      negative[at] = 0.0f;
      for (const auto* v : {&x, &negative}) {
        BlockStats s;
        level->stats[FTC_DTYPE_FLOAT32](v->data(), v->size(), &s);
        EXPECT_EQ(FloatBits(s.min), 0u) << LevelName(level->level);
        EXPECT_EQ(FloatBits(s.max), 0u) << LevelName(level->level);
      }
    }
  }
}

// Clip ranges that exercise the quantiser: ordinary, tiny, a single point (step 0), one so wide that hi - lo
// overflows (step Inf, inv_step 0), and ranges whose bounds are in the edge values.
std::vector<std::pair<float, float>> Ranges() {
  const float max = std::numeric_limits<float>::max();
  return {{-1.5f, 2.25f}, {0.0f, 6.0f},     {-1e-6f, 1e-6f},     {3.0f, 3.0f},
          {-max, max},    {0.0f, 65504.0f}, {-3.0e-8f, 6.0e-8f}, {1.0f, std::nextafter(1.0f, 2.0f)}};
}

TEST(Dsp, QuantizeMatchesTheReference) {
  std::mt19937 rng(11);
  for (const Kernels* k : OptimisedLevels())
    for (const ftc_dtype dtype : kDtypes)
      for (const auto& [lo, hi] : Ranges())
        for (const int bits : {1, 4, 8}) {
          const LevelMap lm(lo, hi, 1 << bits);
          const QuantizeArgs args = lm.quantize_args();
          for (const size_t n : Lengths()) {
            auto in = RandomInput(dtype, n, rng, true);
            // Values exactly on and next to the bounds and the level boundaries.
            if (dtype == FTC_DTYPE_FLOAT32 && n > 8) {
              float* x = reinterpret_cast<float*>(in.data());
              x[0] = lo, x[1] = hi, x[2] = std::nextafter(lo, -INFINITY), x[3] = std::nextafter(hi, INFINITY);
              const float boundary = lo + (static_cast<float>(rng() % (1 << bits)) + 0.5f) * lm.step;
              x[4] = boundary, x[5] = std::nextafter(boundary, INFINITY),
              x[6] = std::nextafter(boundary, -INFINITY);
            }
            std::vector<uint8_t> want(n + 1, 0xee), got(n + 1, 0xee);
            ScalarKernels().quantize[dtype](in.data(), n, args, want.data());
            k->quantize[dtype](in.data(), n, args, got.data());
            ASSERT_EQ(want, got) << Where(*k, dtype, n) << " range " << lo << ".." << hi << " bits " << bits;
          }
        }
}

TEST(Dsp, QuantizeMatchesTheReferenceOnEverySixteenBitInput) {
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  for (const Kernels* k : OptimisedLevels())
    for (const ftc_dtype dtype : {FTC_DTYPE_FLOAT16, FTC_DTYPE_BFLOAT16})
      for (const auto& [lo, hi] : Ranges()) {
        const QuantizeArgs args = LevelMap(lo, hi, 256).quantize_args();
        std::vector<uint8_t> want(all.size()), got(all.size());
        ScalarKernels().quantize[dtype](all.data(), all.size(), args, want.data());
        k->quantize[dtype](all.data(), all.size(), args, got.data());
        ASSERT_EQ(want, got) << Where(*k, dtype, all.size()) << " range " << lo << ".." << hi;
      }
}

TEST(Dsp, DequantizeMatchesTheReference) {
  std::mt19937 rng(13);
  for (const Kernels* k : OptimisedLevels())
    for (const ftc_dtype dtype : kDtypes)
      for (const auto& [lo, hi] : Ranges())
        for (const int bits : {1, 5, 8}) {
          const DequantizeArgs args = LevelMap(lo, hi, 1 << bits).dequantize_args();
          for (const size_t n : Lengths()) {
            std::vector<uint8_t> levels(n + 1);
            for (auto& l : levels) l = static_cast<uint8_t>(rng() % (1u << bits));
            const size_t size = ftc_dtype_size(dtype);
            std::vector<uint8_t> want(n * size + 1, 0xee), got(n * size + 1, 0xee);
            ScalarKernels().dequantize[dtype](levels.data(), n, args, want.data());
            k->dequantize[dtype](levels.data(), n, args, got.data());
            ASSERT_EQ(want, got) << Where(*k, dtype, n) << " range " << lo << ".." << hi << " bits " << bits;
          }
        }
}

// With step 0 every level dequantises to lo itself, which tests the conversion to float16 and bfloat16 on
// chosen values: every upper half with lower halves at and around both formats' rounding ties. (lo is finite:
// the container rejects other clip ranges.)
TEST(Dsp, DequantizeRoundsLikeTheReferenceAtEveryTie) {
  const uint32_t lows[] = {0x0000, 0x0fff, 0x1000, 0x1001, 0x3000, 0x7fff, 0x8000, 0x8001, 0xb000, 0xffff};
  const std::vector<uint8_t> levels(32, 0);
  for (const Kernels* k : OptimisedLevels())
    for (const ftc_dtype dtype : {FTC_DTYPE_FLOAT16, FTC_DTYPE_BFLOAT16})
      for (uint32_t high = 0; high < 0x10000; ++high)
        for (const uint32_t low : lows) {
          const float lo = FloatOfBits(high << 16 | low);
          if (std::isnan(lo)) continue;
          const DequantizeArgs args{lo, 0.0f};
          uint16_t want[32], got[32];
          ScalarKernels().dequantize[dtype](levels.data(), 32, args, want);
          k->dequantize[dtype](levels.data(), 32, args, got);
          ASSERT_EQ(std::memcmp(want, got, sizeof want), 0)
              << Where(*k, dtype, 32) << " lo bits " << std::hex << (high << 16 | low);
        }
}

// The fused passes of the mosaic under every level: the same plane and the same tensor as under the scalar
// level, for tiles narrower and wider than a piece, every dtype, both pixel maps and several thread counts.
struct Restore {
  ~Restore() { SetLevel(BestLevel()); }
};

TEST(Dsp, MosaicPassesAreTheSameAtEveryLevelAndThreadCount) {
  Restore restore;
  std::mt19937 rng(17);
  // The last is large enough to be split over threads (common/parallel.h, WorkersFor).
  const TensorShape shapes[] = {{1, 5, 3, 7},    {2, 37, 9, 11}, {1, 3, 2, 5000},
                                {1, 64, 28, 28}, {1, 1, 1, 1},   {1, 24, 120, 101}};
  for (const TensorShape& s : shapes)
    for (const ftc_dtype dtype : kDtypes)
      for (const bool spread : {false, true}) {
        const auto in = RandomInput(dtype, s.elements(), rng);
        const TensorView view{dtype, s, in.data()};
        QuantParams q;
        ASSERT_TRUE(ComputeQuantParams(view, spread ? 5 : 8, {FTC_CLIP_SIGMA, 2.0, 0, 0}, true, &q).ok());
        MosaicGrid g;
        ASSERT_TRUE(ChooseGrid(s, 8, &g).ok());
        const PixelMap map(q.levels(), spread);
        std::vector<uint8_t> want_plane, want_tensor;
        for (const Level level : kAllLevels) {
          if (ForLevel(level) == nullptr) continue;
          ASSERT_TRUE(SetLevel(level));
          for (const int threads : {1, 3}) {
            QuantParams qq;
            ASSERT_TRUE(ComputeQuantParams(view, q.bits, q.clip, true, &qq, threads).ok());
            ASSERT_EQ(qq.lo, q.lo);
            ASSERT_EQ(qq.hi, q.hi);
            std::vector<uint8_t> plane(g.area()), tensor(s.elements() * ftc_dtype_size(dtype));
            for (uint64_t item = 0; item < s.n; ++item) {
              QuantizeToPlane(view, item, q, g, map, plane.data(), threads);
              PlaneToTensor(plane.data(), g, q, map, item, s, dtype, tensor.data(), threads);
              if (item != 0) continue;
              if (want_plane.empty()) want_plane = plane;
              ASSERT_EQ(plane, want_plane) << LevelName(level) << " threads " << threads;
            }
            if (want_tensor.empty()) want_tensor = tensor;
            ASSERT_EQ(tensor, want_tensor) << LevelName(level) << " threads " << threads;
          }
        }
        // And the first item's plane against the definition: the fill level everywhere but in the tiles.
        std::vector<uint8_t> expected(
            g.area(), map.to_pixel[LevelMap(q.lo[0], q.hi[0], q.levels()).FillLevel(q.hi[0])]);
        for (uint64_t c = 0; c < s.c; ++c) {
          const LevelMap lm(q.lo[c], q.hi[c], q.levels());
          for (uint64_t y = 0; y < s.h; ++y)
            for (uint64_t x = 0; x < s.w; ++x) {
              const uint64_t i = (c * s.h + y) * s.w + x;
              float v;
              if (dtype == FTC_DTYPE_FLOAT32) {
                std::memcpy(&v, &in[4 * i], 4);
              } else {
                uint16_t h;
                std::memcpy(&h, &in[2 * i], 2);
                v = dtype == FTC_DTYPE_FLOAT16 ? HalfToFloat(h) : Bf16ToFloat(h);
              }
              expected[(c / g.cols * s.h + y) * g.width + c % g.cols * s.w + x] =
                  map.to_pixel[lm.Quantize(v)];
            }
        }
        ASSERT_EQ(want_plane, expected);
      }
}

TEST(Dsp, LevelsAreForcedByNameThroughTheCApi) {
  Restore restore;
  EXPECT_EQ(ftc_set_cpu_level("scalar"), FTC_OK);
  EXPECT_STREQ(ftc_cpu_level(), "scalar");
  EXPECT_EQ(ftc_set_cpu_level("fastest"), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ftc_set_cpu_level(nullptr), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(ftc_cpu_level(), "scalar");
#if defined(__aarch64__)
  EXPECT_EQ(ftc_set_cpu_level("avx2"), FTC_ERROR_UNSUPPORTED);
  EXPECT_EQ(ftc_set_cpu_level("neon"), FTC_OK);
  EXPECT_STREQ(ftc_cpu_level(), "neon");
#elif defined(__x86_64__)
  EXPECT_EQ(ftc_set_cpu_level("neon"), FTC_ERROR_UNSUPPORTED);
  // Asking for more than the CPU has gives the best it has.
  EXPECT_EQ(ftc_set_cpu_level("avx512"), FTC_OK);
  EXPECT_STREQ(ftc_cpu_level(), LevelName(BestLevel()));
#endif
}

}  // namespace
}  // namespace ftc::dsp

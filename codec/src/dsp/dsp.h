// The codec's three hot loops as a table of function pointers, one table per instruction-set level (dav1d's
// model): the scalar functions are the reference, and every other level replaces the entries it speeds up.
// The table is chosen once, from the CPU's features, lowered by FTC_CPU_LEVEL or ftc_set_cpu_level().
//
// Every level gives the same bits as the scalar reference for every input; CONTRIBUTING.md ("SIMD kernels")
// gives the rules that make this possible, and tests/unit/dsp_test.cc checks it at every level the CPU has.
#ifndef FTC_DSP_DSP_H
#define FTC_DSP_DSP_H

#include <cstddef>
#include <cstdint>

#include "ftc/ftc.h"

namespace ftc::dsp {

enum class Level { kScalar, kSse4, kAvx2, kAvx512, kNeon };
inline constexpr Level kAllLevels[] = {Level::kScalar, Level::kSse4, Level::kAvx2, Level::kAvx512,
                                       Level::kNeon};

// The sums run in kSumLanes interleaved double accumulators (element i of a block goes to lane i %
// kSumLanes), reduced by halving (lane j += lane j + half, for half = 8, 4, 2, 1): the order a vector unit
// follows anyway.
inline constexpr int kSumLanes = 16;

// Where a statistics pass stands: the lanes of the two sums, and the extremes as order keys (OrderKey in
// dsp/scalar.h), in which -0 and +0 are one value so that the result does not depend on the order of the
// elements.
struct StatsState {
  double sum[kSumLanes];
  double sum_sq[kSumLanes];
  int32_t min_key, max_key;
  int32_t max_magnitude;  // of the bits without the sign: at least 0x7f800000 means a NaN or an Inf was seen
};

// The statistics of one contiguous block of elements.
struct BlockStats {
  double sum = 0, sum_sq = 0;  // sum_sq adds x*x computed in double, where it is exact
  float min = 0, max = 0;      // meaningful when n > 0 and finite
  bool finite = true;
};

// level = clamp(trunc((x - lo) * inv_step + 0.5), 0, max_level), as LevelMap::Quantize.
struct QuantizeArgs {
  float lo = 0, inv_step = 0;
  int max_level = 255;
};

// value = lo + level * step, as LevelMap::Value.
struct DequantizeArgs {
  float lo = 0, step = 0;
};

using StatsFn = void (*)(const void* src, size_t n, BlockStats* out);
using QuantizeFn = void (*)(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels);
using DequantizeFn = void (*)(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst);

// Indexed by ftc_dtype.
struct Kernels {
  Level level = Level::kScalar;
  StatsFn stats[3] = {};
  QuantizeFn quantize[3] = {};
  DequantizeFn dequantize[3] = {};
};

// Sets table[dtype] = fn<dtype> for the three dtypes: how a level file fills in its kernels.
#define FTC_DSP_SET_FOR_EVERY_DTYPE(table, fn)                                                             \
  ((table)[FTC_DTYPE_FLOAT32] = fn<FTC_DTYPE_FLOAT32>, (table)[FTC_DTYPE_FLOAT16] = fn<FTC_DTYPE_FLOAT16>, \
   (table)[FTC_DTYPE_BFLOAT16] = fn<FTC_DTYPE_BFLOAT16>)

// The kernels in use (thread-safe; the first call picks them).
const Kernels& Active();
// The kernels of `level`; nullptr when this build or this CPU lacks it.
const Kernels* ForLevel(Level level);
// The best level this CPU and this build have.
Level BestLevel();
// Uses `level`, lowered to BestLevel() when higher; false (and no change) for another architecture's level.
bool SetLevel(Level level);

const char* LevelName(Level level);
// "scalar", "sse4", "avx2", "avx512", "neon"; false for anything else.
bool ParseLevel(const char* name, Level* out);

}  // namespace ftc::dsp

#endif  // FTC_DSP_DSP_H

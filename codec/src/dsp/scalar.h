// The scalar reference: the formulas every level reproduces, and the pieces of the reference that the vector
// levels call for the ends of their loops.
//
// The inline formulas are for the baseline-compiled code (quant, mosaic, dsp_scalar.cc). A file compiled with
// -mavx2 and the like must not call them: the linker keeps one copy of an inline function, and it could be
// that file's, with instructions an older CPU lacks. Those files call the out-of-line functions below
// instead.
#ifndef FTC_DSP_SCALAR_H
#define FTC_DSP_SCALAR_H

#include <cstddef>
#include <cstdint>

#include "common/float16.h"
#include "common/host_device.h"
#include "dsp/dsp.h"

namespace ftc::dsp {

// Floats as int32 keys in the same order (NaNs aside): the magnitude, negated for negative values. -0 and +0
// share the key of +0, so min and max do not depend on the order in which the zeros come, and an extreme that
// is a zero is +0.
FTC_HOST_DEVICE inline int32_t OrderKey(float x) {
  const uint32_t b = FloatBits(x);
  const int32_t magnitude = static_cast<int32_t>(b & 0x7fffffffu);
  return (b >> 31) ? -magnitude : magnitude;
}
FTC_HOST_DEVICE inline float KeyFloat(int32_t key) {
  return key < 0 ? BitsFloat(0x80000000u | (0u - static_cast<uint32_t>(key)))  // INT32_MIN too, without UB
                 : BitsFloat(static_cast<uint32_t>(key));
}
FTC_HOST_DEVICE inline float MinTotal(float a, float b) {
  return OrderKey(b) < OrderKey(a) ? b : a;
}
FTC_HOST_DEVICE inline float MaxTotal(float a, float b) {
  return OrderKey(b) > OrderKey(a) ? b : a;
}

// Compared in float before the conversion to int, so that no value is out of the int range.
FTC_HOST_DEVICE inline int QuantizeOne(float x, const QuantizeArgs& a) {
  const float t = (x - a.lo) * a.inv_step + 0.5f;
  if (!(t > 0.0f)) return 0;  // also t == NaN: (x - lo) overflowed to Inf and inv_step is 0
  return t < static_cast<float>(a.max_level) ? static_cast<int>(t) : a.max_level;
}

FTC_HOST_DEVICE inline float DequantizeOne(int level, const DequantizeArgs& a) {
  return a.lo + static_cast<float>(level) * a.step;
}

// Out of line, for the vector levels.
void StatsBegin(StatsState* s);
// Adds elements [begin, end) of the block at `src` (element i to lane i % kSumLanes).
void StatsAdd(ftc_dtype dtype, const void* src, size_t begin, size_t end, StatsState* s);
// Folds `lanes` vector lanes of order keys and magnitudes into `s`.
void StatsMergeKeys(const int32_t* min_key, const int32_t* max_key, const int32_t* magnitude, int lanes,
                    StatsState* s);
void StatsFinish(const StatsState& s, BlockStats* out);
// The scalar kernels on elements [begin, n): the ends of the vector loops.
void QuantizeTail(ftc_dtype dtype, const void* src, size_t begin, size_t n, const QuantizeArgs& args,
                  uint8_t* levels);
void DequantizeTail(ftc_dtype dtype, const uint8_t* levels, size_t begin, size_t n,
                    const DequantizeArgs& args, void* dst);
// The scalar kernels: the reference.
const Kernels& ScalarKernels();

}  // namespace ftc::dsp

#endif  // FTC_DSP_SCALAR_H

// AArch64 Advanced SIMD kernels: 4 floats per vector, float16 through FCVTL / FCVTN (exact widening;
// narrowing rounds to nearest even under the default FPCR, subnormals included, as FloatToHalf).
#include <arm_neon.h>

#include "dsp/scalar.h"

namespace ftc::dsp {
namespace {

template <ftc_dtype D>
float32x4_t Load4(const void* src, size_t i) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    return vld1q_f32(static_cast<const float*>(src) + i);
  } else {
    const uint16x4_t h = vld1_u16(static_cast<const uint16_t*>(src) + i);
    if constexpr (D == FTC_DTYPE_FLOAT16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
}

template <ftc_dtype D>
void Store4(void* dst, size_t i, float32x4_t v) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    vst1q_f32(static_cast<float*>(dst) + i, v);
  } else {
    uint16x4_t h;
    if constexpr (D == FTC_DTYPE_FLOAT16) {
      h = vreinterpret_u16_f16(vcvt_f16_f32(v));
    } else {
      // Round to nearest even on the bits; a NaN keeps its top bits and becomes quiet, as FloatToBf16.
      const uint32x4_t u = vreinterpretq_u32_f32(v);
      const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
      const uint32x4_t rounded = vaddq_u32(u, vaddq_u32(lsb, vdupq_n_u32(0x7fff)));
      const uint32x4_t quiet = vorrq_u32(u, vdupq_n_u32(0x400000));
      const uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffff)), vdupq_n_u32(0x7f800000));
      h = vshrn_n_u32(vbslq_u32(nan, quiet, rounded), 16);
    }
    vst1_u16(static_cast<uint16_t*>(dst) + i, h);
  }
}

template <ftc_dtype D>
void Stats(const void* src, size_t n, BlockStats* out) {
  StatsState s;
  StatsBegin(&s);
  const size_t n16 = n / kSumLanes * kSumLanes;
  if (n16 > 0) {
    float64x2_t sum[8], sum_sq[8];
    for (int j = 0; j < 8; ++j) sum[j] = sum_sq[j] = vdupq_n_f64(0.0);
    int32x4_t min_key = vdupq_n_s32(s.min_key), max_key = vdupq_n_s32(s.max_key);
    int32x4_t magnitude = vdupq_n_s32(0);
    const int32x4_t abs_mask = vdupq_n_s32(0x7fffffff);
    for (size_t i = 0; i < n16; i += kSumLanes) {
      for (int v = 0; v < 4; ++v) {
        const float32x4_t x = Load4<D>(src, i + 4 * v);
        const float64x2_t lo = vcvt_f64_f32(vget_low_f32(x)), hi = vcvt_high_f64_f32(x);
        sum[2 * v] = vaddq_f64(sum[2 * v], lo);
        sum[2 * v + 1] = vaddq_f64(sum[2 * v + 1], hi);
        sum_sq[2 * v] = vaddq_f64(sum_sq[2 * v], vmulq_f64(lo, lo));
        sum_sq[2 * v + 1] = vaddq_f64(sum_sq[2 * v + 1], vmulq_f64(hi, hi));
        const int32x4_t bits = vreinterpretq_s32_f32(x), sign = vshrq_n_s32(bits, 31);
        const int32x4_t mag = vandq_s32(bits, abs_mask);
        const int32x4_t key = vsubq_s32(veorq_s32(mag, sign), sign);  // OrderKey: -mag when negative
        min_key = vminq_s32(min_key, key);
        max_key = vmaxq_s32(max_key, key);
        magnitude = vmaxq_s32(magnitude, mag);
      }
    }
    for (int j = 0; j < 8; ++j) {
      vst1q_f64(s.sum + 2 * j, sum[j]);
      vst1q_f64(s.sum_sq + 2 * j, sum_sq[j]);
    }
    int32_t lanes[3][4];
    vst1q_s32(lanes[0], min_key);
    vst1q_s32(lanes[1], max_key);
    vst1q_s32(lanes[2], magnitude);
    StatsMergeKeys(lanes[0], lanes[1], lanes[2], 4, &s);
  }
  StatsAdd(D, src, n16, n, &s);
  StatsFinish(s, out);
}

// t > 0 selects t; a NaN fails the comparison and becomes 0, as in the reference.
inline uint32x4_t Levels4(float32x4_t x, float32x4_t lo, float32x4_t inv_step, float32x4_t max_level) {
  float32x4_t t = vaddq_f32(vmulq_f32(vsubq_f32(x, lo), inv_step), vdupq_n_f32(0.5f));
  const float32x4_t zero = vdupq_n_f32(0.0f);
  t = vminq_f32(vbslq_f32(vcgtq_f32(t, zero), t, zero), max_level);
  return vcvtq_u32_f32(t);
}

template <ftc_dtype D>
void Quantize(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels) {
  const float32x4_t lo = vdupq_n_f32(args.lo), inv_step = vdupq_n_f32(args.inv_step);
  const float32x4_t max_level = vdupq_n_f32(static_cast<float>(args.max_level));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint16x8_t ab = vcombine_u16(vmovn_u32(Levels4(Load4<D>(src, i), lo, inv_step, max_level)),
                                       vmovn_u32(Levels4(Load4<D>(src, i + 4), lo, inv_step, max_level)));
    const uint16x8_t cd = vcombine_u16(vmovn_u32(Levels4(Load4<D>(src, i + 8), lo, inv_step, max_level)),
                                       vmovn_u32(Levels4(Load4<D>(src, i + 12), lo, inv_step, max_level)));
    vst1q_u8(levels + i, vcombine_u8(vmovn_u16(ab), vmovn_u16(cd)));
  }
  QuantizeTail(D, src, i, n, args, levels);
}

template <ftc_dtype D>
void Dequantize(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst) {
  const float32x4_t lo = vdupq_n_f32(args.lo), step = vdupq_n_f32(args.step);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t bytes = vld1q_u8(levels + i);
    const uint16x8_t lower = vmovl_u8(vget_low_u8(bytes)), upper = vmovl_u8(vget_high_u8(bytes));
    const uint32x4_t words[4] = {vmovl_u16(vget_low_u16(lower)), vmovl_u16(vget_high_u16(lower)),
                                 vmovl_u16(vget_low_u16(upper)), vmovl_u16(vget_high_u16(upper))};
    for (int v = 0; v < 4; ++v)
      Store4<D>(dst, i + 4 * v, vaddq_f32(lo, vmulq_f32(vcvtq_f32_u32(words[v]), step)));
  }
  DequantizeTail(D, levels, i, n, args, dst);
}

}  // namespace

void InitNeon(Kernels* k) {
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->stats, Stats);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->quantize, Quantize);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->dequantize, Dequantize);
}

}  // namespace ftc::dsp

// SSE4.1 kernels: 4 floats per vector. float16 is read with integer operations (SSE4.1 has no F16C).
#include <smmintrin.h>

#include "dsp/scalar.h"

namespace ftc::dsp {
namespace {

template <ftc_dtype D>
__m128 Load4(const void* src, size_t i) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    return _mm_loadu_ps(static_cast<const float*>(src) + i);
  } else {
    const __m128i h = _mm_cvtepu16_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(src) + i)));
    if constexpr (D == FTC_DTYPE_BFLOAT16) {
      return _mm_castsi128_ps(_mm_slli_epi32(h, 16));
    } else {
      // Exponent and mantissa moved into place and rebiased; Inf/NaN get the top exponent, and zero and
      // subnormals (man * 2^-24) come out exactly as (2^-14 + man * 2^-24) - 2^-14.
      const __m128i sign = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x8000)), 16);
      __m128i o = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x7fff)), 13);
      const __m128i exp = _mm_and_si128(o, _mm_set1_epi32(0x0f800000));
      o = _mm_add_epi32(o, _mm_set1_epi32(112 << 23));
      const __m128i top = _mm_cmpeq_epi32(exp, _mm_set1_epi32(0x0f800000));
      o = _mm_add_epi32(o, _mm_and_si128(top, _mm_set1_epi32(112 << 23)));
      const __m128 sub = _mm_sub_ps(_mm_castsi128_ps(_mm_add_epi32(o, _mm_set1_epi32(1 << 23))),
                                    _mm_castsi128_ps(_mm_set1_epi32(113 << 23)));
      const __m128i zero_exp = _mm_cmpeq_epi32(exp, _mm_setzero_si128());
      o = _mm_blendv_epi8(o, _mm_castps_si128(sub), zero_exp);
      return _mm_castsi128_ps(_mm_or_si128(o, sign));
    }
  }
}

template <ftc_dtype D>
void Stats(const void* src, size_t n, BlockStats* out) {
  StatsState s;
  StatsBegin(&s);
  const size_t n16 = n / kSumLanes * kSumLanes;
  if (n16 > 0) {
    __m128d sum[8], sum_sq[8];
    for (int j = 0; j < 8; ++j) sum[j] = sum_sq[j] = _mm_setzero_pd();
    __m128i min_key = _mm_set1_epi32(s.min_key), max_key = _mm_set1_epi32(s.max_key);
    __m128i magnitude = _mm_setzero_si128();
    const __m128i abs_mask = _mm_set1_epi32(0x7fffffff);
    for (size_t i = 0; i < n16; i += kSumLanes) {
      for (int v = 0; v < 4; ++v) {
        const __m128 x = Load4<D>(src, i + 4 * v);
        const __m128d lo = _mm_cvtps_pd(x), hi = _mm_cvtps_pd(_mm_movehl_ps(x, x));
        sum[2 * v] = _mm_add_pd(sum[2 * v], lo);
        sum[2 * v + 1] = _mm_add_pd(sum[2 * v + 1], hi);
        sum_sq[2 * v] = _mm_add_pd(sum_sq[2 * v], _mm_mul_pd(lo, lo));
        sum_sq[2 * v + 1] = _mm_add_pd(sum_sq[2 * v + 1], _mm_mul_pd(hi, hi));
        const __m128i bits = _mm_castps_si128(x), sign = _mm_srai_epi32(bits, 31);
        const __m128i mag = _mm_and_si128(bits, abs_mask);
        const __m128i key = _mm_sub_epi32(_mm_xor_si128(mag, sign), sign);  // OrderKey: -mag when negative
        min_key = _mm_min_epi32(min_key, key);
        max_key = _mm_max_epi32(max_key, key);
        magnitude = _mm_max_epi32(magnitude, mag);
      }
    }
    for (int j = 0; j < 8; ++j) {
      _mm_storeu_pd(s.sum + 2 * j, sum[j]);
      _mm_storeu_pd(s.sum_sq + 2 * j, sum_sq[j]);
    }
    alignas(16) int32_t lanes[3][4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes[0]), min_key);
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes[1]), max_key);
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes[2]), magnitude);
    StatsMergeKeys(lanes[0], lanes[1], lanes[2], 4, &s);
  }
  StatsAdd(D, src, n16, n, &s);
  StatsFinish(s, out);
}

// max(t, 0) first: it also turns a NaN into 0 (MAXPS returns its second operand then), as the reference does.
inline __m128i Levels4(__m128 x, __m128 lo, __m128 inv_step, __m128 max_level) {
  __m128 t = _mm_add_ps(_mm_mul_ps(_mm_sub_ps(x, lo), inv_step), _mm_set1_ps(0.5f));
  t = _mm_min_ps(_mm_max_ps(t, _mm_setzero_ps()), max_level);
  return _mm_cvttps_epi32(t);
}

template <ftc_dtype D>
void Quantize(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels) {
  const __m128 lo = _mm_set1_ps(args.lo), inv_step = _mm_set1_ps(args.inv_step);
  const __m128 max_level = _mm_set1_ps(static_cast<float>(args.max_level));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i a = Levels4(Load4<D>(src, i), lo, inv_step, max_level);
    const __m128i b = Levels4(Load4<D>(src, i + 4), lo, inv_step, max_level);
    const __m128i c = Levels4(Load4<D>(src, i + 8), lo, inv_step, max_level);
    const __m128i d = Levels4(Load4<D>(src, i + 12), lo, inv_step, max_level);
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(levels + i), bytes);
  }
  QuantizeTail(D, src, i, n, args, levels);
}

// Round to nearest even on the bits; a NaN keeps its top bits and becomes quiet, as FloatToBf16.
void StoreBf16x4(uint16_t* dst, __m128 v) {
  const __m128i u = _mm_castps_si128(v);
  const __m128i lsb = _mm_and_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(1));
  const __m128i rounded = _mm_srli_epi32(_mm_add_epi32(u, _mm_add_epi32(lsb, _mm_set1_epi32(0x7fff))), 16);
  const __m128i quiet = _mm_or_si128(_mm_srli_epi32(u, 16), _mm_set1_epi32(0x40));
  const __m128i nan =
      _mm_cmpgt_epi32(_mm_and_si128(u, _mm_set1_epi32(0x7fffffff)), _mm_set1_epi32(0x7f800000));
  const __m128i h = _mm_blendv_epi8(rounded, quiet, nan);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packus_epi32(h, h));
}

void DequantizeBf16(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst) {
  const __m128 lo = _mm_set1_ps(args.lo), step = _mm_set1_ps(args.step);
  uint16_t* out = static_cast<uint16_t*>(dst);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(levels + i));
    const __m128 a = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(bytes));
    const __m128 b = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_srli_si128(bytes, 4)));
    StoreBf16x4(out + i, _mm_add_ps(lo, _mm_mul_ps(a, step)));
    StoreBf16x4(out + i + 4, _mm_add_ps(lo, _mm_mul_ps(b, step)));
  }
  DequantizeTail(FTC_DTYPE_BFLOAT16, levels, i, n, args, dst);
}

}  // namespace

void InitSse4(Kernels* k) {
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->stats, Stats);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->quantize, Quantize);
  // float32 dequantisation stays with the reference, which g++ vectorises as well by itself; float16 output
  // needs F16C (the AVX2 level).
  k->dequantize[FTC_DTYPE_BFLOAT16] = DequantizeBf16;
}

}  // namespace ftc::dsp

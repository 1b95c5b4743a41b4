// AVX-512 (F) kernels: 16 floats per vector, one vector per kSumLanes block.
#include <immintrin.h>

#include "dsp/scalar.h"

namespace ftc::dsp {
namespace {

template <ftc_dtype D>
__m512 Load16(const void* src, size_t i) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    return _mm512_loadu_ps(static_cast<const float*>(src) + i);
  } else {
    const __m256i h =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(src) + i));
    if constexpr (D == FTC_DTYPE_FLOAT16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <ftc_dtype D>
void Store16(void* dst, size_t i, __m512 v) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    _mm512_storeu_ps(static_cast<float*>(dst) + i, v);
  } else {
    __m256i h;
    if constexpr (D == FTC_DTYPE_FLOAT16) {
      h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    } else {
      // Round to nearest even on the bits; a NaN keeps its top bits and becomes quiet, as FloatToBf16.
      const __m512i u = _mm512_castps_si512(v);
      const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
      const __m512i rounded =
          _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
      const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
      const __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                    _mm512_set1_epi32(0x7f800000));
      h = _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<uint16_t*>(dst) + i), h);
  }
}

template <ftc_dtype D>
void Stats(const void* src, size_t n, BlockStats* out) {
  StatsState s;
  StatsBegin(&s);
  const size_t n16 = n / kSumLanes * kSumLanes;
  if (n16 > 0) {
    __m512d sum[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    __m512d sum_sq[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    __m512i min_key = _mm512_set1_epi32(s.min_key), max_key = _mm512_set1_epi32(s.max_key);
    __m512i magnitude = _mm512_setzero_si512();
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
    for (size_t i = 0; i < n16; i += kSumLanes) {
      const __m512 x = Load16<D>(src, i);
      const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
      const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
      sum[0] = _mm512_add_pd(sum[0], lo);
      sum[1] = _mm512_add_pd(sum[1], hi);
      sum_sq[0] = _mm512_add_pd(sum_sq[0], _mm512_mul_pd(lo, lo));
      sum_sq[1] = _mm512_add_pd(sum_sq[1], _mm512_mul_pd(hi, hi));
      const __m512i bits = _mm512_castps_si512(x), sign = _mm512_srai_epi32(bits, 31);
      const __m512i mag = _mm512_and_si512(bits, abs_mask);
      const __m512i key =
          _mm512_sub_epi32(_mm512_xor_si512(mag, sign), sign);  // OrderKey: -mag when negative
      min_key = _mm512_min_epi32(min_key, key);
      max_key = _mm512_max_epi32(max_key, key);
      magnitude = _mm512_max_epi32(magnitude, mag);
    }
    for (int j = 0; j < 2; ++j) {
      _mm512_storeu_pd(s.sum + 8 * j, sum[j]);
      _mm512_storeu_pd(s.sum_sq + 8 * j, sum_sq[j]);
    }
    alignas(64) int32_t lanes[3][16];
    _mm512_store_si512(lanes[0], min_key);
    _mm512_store_si512(lanes[1], max_key);
    _mm512_store_si512(lanes[2], magnitude);
    StatsMergeKeys(lanes[0], lanes[1], lanes[2], 16, &s);
  }
  StatsAdd(D, src, n16, n, &s);
  StatsFinish(s, out);
}

template <ftc_dtype D>
void Quantize(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels) {
  const __m512 lo = _mm512_set1_ps(args.lo), inv_step = _mm512_set1_ps(args.inv_step);
  const __m512 max_level = _mm512_set1_ps(static_cast<float>(args.max_level));
  const __m512 half = _mm512_set1_ps(0.5f), zero = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 t = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(Load16<D>(src, i), lo), inv_step), half);
    // max(t, 0) first: it also turns a NaN into 0 (VMAXPS returns its second operand then), as the reference.
    t = _mm512_min_ps(_mm512_max_ps(t, zero), max_level);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(levels + i), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(t)));
  }
  QuantizeTail(D, src, i, n, args, levels);
}

template <ftc_dtype D>
void Dequantize(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst) {
  const __m512 lo = _mm512_set1_ps(args.lo), step = _mm512_set1_ps(args.step);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(levels + i));
    const __m512 level = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
    Store16<D>(dst, i, _mm512_add_ps(lo, _mm512_mul_ps(level, step)));
  }
  DequantizeTail(D, levels, i, n, args, dst);
}

}  // namespace

void InitAvx512(Kernels* k) {
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->stats, Stats);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->quantize, Quantize);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->dequantize, Dequantize);
}

}  // namespace ftc::dsp

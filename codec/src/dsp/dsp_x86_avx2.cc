// AVX2 kernels: 8 floats per vector; float16 through F16C (exact both ways: VCVTPH2PS widens exactly and
// VCVTPS2PH rounds to nearest even, subnormals included, as FloatToHalf).
#include <immintrin.h>

#include "dsp/scalar.h"

namespace ftc::dsp {
namespace {

template <ftc_dtype D>
__m256 Load8(const void* src, size_t i) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    return _mm256_loadu_ps(static_cast<const float*>(src) + i);
  } else {
    const __m128i h =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(src) + i));
    if constexpr (D == FTC_DTYPE_FLOAT16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

template <ftc_dtype D>
void Store8(void* dst, size_t i, __m256 v) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    _mm256_storeu_ps(static_cast<float*>(dst) + i, v);
  } else {
    __m128i h;
    if constexpr (D == FTC_DTYPE_FLOAT16) {
      h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    } else {
      // Round to nearest even on the bits; a NaN keeps its top bits and becomes quiet, as FloatToBf16.
      const __m256i u = _mm256_castps_si256(v);
      const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
      const __m256i rounded =
          _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
      const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
      const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                             _mm256_set1_epi32(0x7f800000));
      const __m256i b = _mm256_blendv_epi8(rounded, quiet, nan);
      h = _mm_packus_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint16_t*>(dst) + i), h);
  }
}

template <ftc_dtype D>
void Stats(const void* src, size_t n, BlockStats* out) {
  StatsState s;
  StatsBegin(&s);
  const size_t n16 = n / kSumLanes * kSumLanes;
  if (n16 > 0) {
    __m256d sum[4], sum_sq[4];
    for (int j = 0; j < 4; ++j) sum[j] = sum_sq[j] = _mm256_setzero_pd();
    __m256i min_key = _mm256_set1_epi32(s.min_key), max_key = _mm256_set1_epi32(s.max_key);
    __m256i magnitude = _mm256_setzero_si256();
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
    for (size_t i = 0; i < n16; i += kSumLanes) {
      for (int v = 0; v < 2; ++v) {
        const __m256 x = Load8<D>(src, i + 8 * v);
        const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
        const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
        sum[2 * v] = _mm256_add_pd(sum[2 * v], lo);
        sum[2 * v + 1] = _mm256_add_pd(sum[2 * v + 1], hi);
        sum_sq[2 * v] = _mm256_add_pd(sum_sq[2 * v], _mm256_mul_pd(lo, lo));
        sum_sq[2 * v + 1] = _mm256_add_pd(sum_sq[2 * v + 1], _mm256_mul_pd(hi, hi));
        const __m256i bits = _mm256_castps_si256(x), sign = _mm256_srai_epi32(bits, 31);
        const __m256i mag = _mm256_and_si256(bits, abs_mask);
        const __m256i key =
            _mm256_sub_epi32(_mm256_xor_si256(mag, sign), sign);  // OrderKey: -mag when negative
        min_key = _mm256_min_epi32(min_key, key);
        max_key = _mm256_max_epi32(max_key, key);
        magnitude = _mm256_max_epi32(magnitude, mag);
      }
    }
    for (int j = 0; j < 4; ++j) {
      _mm256_storeu_pd(s.sum + 4 * j, sum[j]);
      _mm256_storeu_pd(s.sum_sq + 4 * j, sum_sq[j]);
    }
    alignas(32) int32_t lanes[3][8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[0]), min_key);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[1]), max_key);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[2]), magnitude);
    StatsMergeKeys(lanes[0], lanes[1], lanes[2], 8, &s);
  }
  StatsAdd(D, src, n16, n, &s);
  StatsFinish(s, out);
}

// max(t, 0) first: it also turns a NaN into 0 (VMAXPS returns its second operand then), as the reference
// does.
inline __m256i Levels8(__m256 x, __m256 lo, __m256 inv_step, __m256 max_level) {
  __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(x, lo), inv_step), _mm256_set1_ps(0.5f));
  t = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), max_level);
  return _mm256_cvttps_epi32(t);
}

template <ftc_dtype D>
void Quantize(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels) {
  const __m256 lo = _mm256_set1_ps(args.lo), inv_step = _mm256_set1_ps(args.inv_step);
  const __m256 max_level = _mm256_set1_ps(static_cast<float>(args.max_level));
  // The packs work within 128-bit halves; this puts the four vectors' bytes back in element order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i a = Levels8(Load8<D>(src, i), lo, inv_step, max_level);
    const __m256i b = Levels8(Load8<D>(src, i + 8), lo, inv_step, max_level);
    const __m256i c = Levels8(Load8<D>(src, i + 16), lo, inv_step, max_level);
    const __m256i d = Levels8(Load8<D>(src, i + 24), lo, inv_step, max_level);
    const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(levels + i), _mm256_permutevar8x32_epi32(bytes, order));
  }
  QuantizeTail(D, src, i, n, args, levels);
}

template <ftc_dtype D>
void Dequantize(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst) {
  const __m256 lo = _mm256_set1_ps(args.lo), step = _mm256_set1_ps(args.step);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(levels + i));
    const __m256 level = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
    Store8<D>(dst, i, _mm256_add_ps(lo, _mm256_mul_ps(level, step)));
  }
  DequantizeTail(D, levels, i, n, args, dst);
}

}  // namespace

void InitAvx2(Kernels* k) {
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->stats, Stats);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->quantize, Quantize);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k->dequantize, Dequantize);
}

}  // namespace ftc::dsp

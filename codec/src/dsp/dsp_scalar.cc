// The scalar reference kernels.
#include <limits>

#include "dsp/load.h"
#include "dsp/scalar.h"

namespace ftc::dsp {

void StatsBegin(StatsState* s) {
  for (int j = 0; j < kSumLanes; ++j) s->sum[j] = s->sum_sq[j] = 0.0;
  s->min_key = std::numeric_limits<int32_t>::max();
  s->max_key = std::numeric_limits<int32_t>::min();
  s->max_magnitude = 0;
}

namespace {

template <ftc_dtype D>
void AddElements(const void* src, size_t begin, size_t end, StatsState* s) {
  for (size_t i = begin; i < end; ++i) {
    const float x = LoadElement<D>(src, i);
    const double d = x;
    s->sum[i % kSumLanes] += d;
    s->sum_sq[i % kSumLanes] += d * d;
    const int32_t key = OrderKey(x);
    if (key < s->min_key) s->min_key = key;
    if (key > s->max_key) s->max_key = key;
    const int32_t magnitude = static_cast<int32_t>(FloatBits(x) & 0x7fffffffu);
    if (magnitude > s->max_magnitude) s->max_magnitude = magnitude;
  }
}

template <ftc_dtype D>
void Stats(const void* src, size_t n, BlockStats* out) {
  StatsState s;
  StatsBegin(&s);
  AddElements<D>(src, 0, n, &s);
  StatsFinish(s, out);
}

template <ftc_dtype D>
void Quantize(const void* src, size_t n, const QuantizeArgs& args, uint8_t* levels) {
  for (size_t i = 0; i < n; ++i) levels[i] = static_cast<uint8_t>(QuantizeOne(LoadElement<D>(src, i), args));
}

template <ftc_dtype D>
void Dequantize(const uint8_t* levels, size_t n, const DequantizeArgs& args, void* dst) {
  for (size_t i = 0; i < n; ++i) StoreElement<D>(dst, i, DequantizeOne(levels[i], args));
}

Kernels MakeScalar() {
  Kernels k;
  k.level = Level::kScalar;
  FTC_DSP_SET_FOR_EVERY_DTYPE(k.stats, Stats);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k.quantize, Quantize);
  FTC_DSP_SET_FOR_EVERY_DTYPE(k.dequantize, Dequantize);
  return k;
}

}  // namespace

void StatsAdd(ftc_dtype dtype, const void* src, size_t begin, size_t end, StatsState* s) {
  switch (dtype) {
    case FTC_DTYPE_FLOAT16:
      return AddElements<FTC_DTYPE_FLOAT16>(src, begin, end, s);
    case FTC_DTYPE_BFLOAT16:
      return AddElements<FTC_DTYPE_BFLOAT16>(src, begin, end, s);
    default:
      return AddElements<FTC_DTYPE_FLOAT32>(src, begin, end, s);
  }
}

void StatsMergeKeys(const int32_t* min_key, const int32_t* max_key, const int32_t* magnitude, int lanes,
                    StatsState* s) {
  for (int j = 0; j < lanes; ++j) {
    if (min_key[j] < s->min_key) s->min_key = min_key[j];
    if (max_key[j] > s->max_key) s->max_key = max_key[j];
    if (magnitude[j] > s->max_magnitude) s->max_magnitude = magnitude[j];
  }
}

void StatsFinish(const StatsState& s, BlockStats* out) {
  double sum[kSumLanes], sum_sq[kSumLanes];
  for (int j = 0; j < kSumLanes; ++j) sum[j] = s.sum[j], sum_sq[j] = s.sum_sq[j];
  for (int half = kSumLanes / 2; half > 0; half /= 2) {
    for (int j = 0; j < half; ++j) {
      sum[j] += sum[j + half];
      sum_sq[j] += sum_sq[j + half];
    }
  }
  out->sum = sum[0];
  out->sum_sq = sum_sq[0];
  out->finite = s.max_magnitude < 0x7f800000;
  out->min = KeyFloat(s.min_key);
  out->max = KeyFloat(s.max_key);
}

void QuantizeTail(ftc_dtype dtype, const void* src, size_t begin, size_t n, const QuantizeArgs& args,
                  uint8_t* levels) {
  if (begin < n)
    ScalarKernels().quantize[dtype](static_cast<const uint8_t*>(src) + begin * ftc_dtype_size(dtype),
                                    n - begin, args, levels + begin);
}

void DequantizeTail(ftc_dtype dtype, const uint8_t* levels, size_t begin, size_t n,
                    const DequantizeArgs& args, void* dst) {
  if (begin < n)
    ScalarKernels().dequantize[dtype](levels + begin, n - begin, args,
                                      static_cast<uint8_t*>(dst) + begin * ftc_dtype_size(dtype));
}

const Kernels& ScalarKernels() {
  static const Kernels k = MakeScalar();
  return k;
}

}  // namespace ftc::dsp

// ftc_convert: element conversions between the tensor dtypes, for bindings whose language lacks one of them.
#include <cstring>

#include "common/float16.h"
#include "ftc/ftc.h"

namespace {

float LoadFloat(ftc_dtype dtype, const void* src, uint64_t i) {
  if (dtype == FTC_DTYPE_FLOAT32) return static_cast<const float*>(src)[i];
  const uint16_t h = static_cast<const uint16_t*>(src)[i];
  return dtype == FTC_DTYPE_FLOAT16 ? ftc::HalfToFloat(h) : ftc::Bf16ToFloat(h);
}

void StoreFloat(ftc_dtype dtype, void* dst, uint64_t i, float v) {
  if (dtype == FTC_DTYPE_FLOAT32) {
    static_cast<float*>(dst)[i] = v;
    return;
  }
  static_cast<uint16_t*>(dst)[i] = dtype == FTC_DTYPE_FLOAT16 ? ftc::FloatToHalf(v) : ftc::FloatToBf16(v);
}

}  // namespace

extern "C" ftc_result ftc_convert(ftc_dtype from, const void* src, ftc_dtype to, void* dst, uint64_t count) {
  if (ftc_dtype_size(from) == 0 || ftc_dtype_size(to) == 0) return FTC_ERROR_INVALID_ARGUMENT;
  if (count == 0) return FTC_OK;
  if (src == nullptr || dst == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  if (from == to) {
    if (src != dst) std::memmove(dst, src, count * ftc_dtype_size(from));
    return FTC_OK;
  }
  // Element by element in index order, so that src == dst works for two dtypes of the same size.
  for (uint64_t i = 0; i < count; ++i) StoreFloat(to, dst, i, LoadFloat(from, src, i));
  return FTC_OK;
}

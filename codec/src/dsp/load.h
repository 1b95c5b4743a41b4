// Element access by dtype: the one place that knows how each dtype is stored.
#ifndef FTC_DSP_LOAD_H
#define FTC_DSP_LOAD_H

#include <cstdint>
#include <cstring>

#include "common/float16.h"
#include "common/host_device.h"
#include "ftc/ftc.h"

namespace ftc {

template <ftc_dtype D>
FTC_HOST_DEVICE inline float LoadElement(const void* data, uint64_t i) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    return static_cast<const float*>(data)[i];
  } else if constexpr (D == FTC_DTYPE_FLOAT16) {
    return HalfToFloat(static_cast<const uint16_t*>(data)[i]);
  } else {
    return Bf16ToFloat(static_cast<const uint16_t*>(data)[i]);
  }
}

template <ftc_dtype D>
FTC_HOST_DEVICE inline void StoreElement(void* data, uint64_t i, float v) {
  if constexpr (D == FTC_DTYPE_FLOAT32) {
    static_cast<float*>(data)[i] = v;
  } else if constexpr (D == FTC_DTYPE_FLOAT16) {
    static_cast<uint16_t*>(data)[i] = FloatToHalf(v);
  } else {
    static_cast<uint16_t*>(data)[i] = FloatToBf16(v);
  }
}

}  // namespace ftc

#endif  // FTC_DSP_LOAD_H

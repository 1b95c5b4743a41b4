// A dense N×C×H×W tensor as seen inside the codec (a rank-3 input is read as N = 1).
#ifndef FTC_QUANT_TENSOR_H
#define FTC_QUANT_TENSOR_H

#include <cstdint>

#include "common/status.h"
#include "ftc/ftc.h"

namespace ftc {

struct TensorShape {
  uint64_t n = 1, c = 1, h = 1, w = 1;
  uint64_t plane() const { return h * w; }
  uint64_t item() const { return c * h * w; }
  uint64_t elements() const { return n * c * h * w; }
};

struct TensorView {
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  TensorShape shape;
  const void* data = nullptr;
};

// Checks rank, dtype, dimensions against the FTC_MAX_* limits and `max_elements`, without overflow.
Status CheckShape(uint32_t rank, const uint64_t* dims, uint64_t max_elements, TensorShape* out);

// Validates a public tensor and views it as N×C×H×W.
Status ViewTensor(const ftc_tensor& t, TensorView* out);

// Batch item `item` of `t` as a tensor of its own (N = 1).
TensorView ItemView(const TensorView& t, uint64_t item);

}  // namespace ftc

#endif  // FTC_QUANT_TENSOR_H

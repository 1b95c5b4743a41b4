#include "quant/tensor.h"

#include <cstring>
#include <string>
#include <type_traits>

namespace ftc {

Status CheckShape(uint32_t rank, const uint64_t* dims, uint64_t max_elements, TensorShape* out) {
  if (rank != 3 && rank != 4) return InvalidArgument("tensor rank must be 3 (C×H×W) or 4 (N×C×H×W), not " +
                                                     std::to_string(rank));
  uint64_t d[4] = {1, 1, 1, 1};
  for (uint32_t i = 0; i < rank; ++i) d[4 - rank + i] = dims[i];
  uint64_t elements = 1;
  for (uint64_t v : d) {
    if (v == 0) return InvalidArgument("tensor has a zero dimension");
    if (v > FTC_MAX_DIM)
      return LimitExceeded("tensor dimension " + std::to_string(v) + " exceeds the limit of " +
                           std::to_string(FTC_MAX_DIM));
    elements *= v;  // each factor <= 2^24 and the running product <= max_elements <= 2^28: no overflow
    if (elements > max_elements)
      return LimitExceeded("tensor has more than " + std::to_string(max_elements) + " elements");
  }
  *out = {d[0], d[1], d[2], d[3]};
  return Status::Ok();
}

Status ViewTensor(const ftc_tensor& t, TensorView* out) {
  // Read the enum as an integer first: a caller's out-of-range value must not be loaded as an ftc_dtype.
  std::underlying_type_t<ftc_dtype> code;
  std::memcpy(&code, &t.dtype, sizeof code);
  if (code < FTC_DTYPE_FLOAT32 || code > FTC_DTYPE_BFLOAT16)
    return InvalidArgument("unknown tensor dtype " + std::to_string(code));
  if (t.data == nullptr) return InvalidArgument("tensor data is NULL");
  FTC_RETURN_IF_ERROR(CheckShape(t.rank, t.shape, FTC_MAX_ELEMENTS, &out->shape));
  out->dtype = t.dtype;
  out->data = t.data;
  return Status::Ok();
}

TensorView ItemView(const TensorView& t, uint64_t item) {
  TensorView v = t;
  v.shape.n = 1;
  v.data = static_cast<const uint8_t*>(t.data) + item * t.shape.item() * ftc_dtype_size(t.dtype);
  return v;
}

}  // namespace ftc

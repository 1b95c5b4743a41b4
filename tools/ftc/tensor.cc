#include "tensor.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "cli.h"
#include "fileio.h"
#include "npy.h"

namespace ftc_cli {
namespace {

float HalfToFloat(uint16_t h) {
  const float sign = (h & 0x8000u) ? -1.0f : 1.0f;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  if (exponent == 0x1f) return mantissa ? std::numeric_limits<float>::quiet_NaN() : sign * INFINITY;
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
  return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

float Bf16ToFloat(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace

uint64_t MaxNpyFileBytes() {
  return 12 + kMaxNpyHeaderBytes + FTC_MAX_ELEMENTS * 4;
}

HostTensor TensorFromNpy(std::vector<uint8_t> file, std::optional<ftc_dtype> declared,
                         const std::string& name) {
  const NpyLayout layout = ParseNpy(file, declared, name);
  const size_t rank = layout.shape.size();
  if (rank != 3 && rank != 4)
    Fail(kExitData,
         Format("%s: the codec takes C×H×W or N×C×H×W tensors (rank 3 or 4), not %s", name.c_str(),
                rank == 0
                    ? "a 0-d array"
                    : ("shape " + ShapeText(layout.shape) + " (rank " + std::to_string(rank) + ")").c_str()));
  if (layout.elements == 0)
    Fail(kExitData, name + ": the array is empty (shape " + ShapeText(layout.shape) + ")");
  HostTensor t;
  t.dtype = layout.dtype;
  t.shape = layout.shape;
  // Moving the data to the front of the buffer aligns it for the dtype without a second copy of the tensor.
  file.erase(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(layout.data_offset));
  t.bytes = std::move(file);
  return t;
}

HostTensor LoadNpyTensor(const std::string& path, std::optional<ftc_dtype> declared) {
  const std::string name = path == "-" ? "stdin" : path;
  return TensorFromNpy(ReadInput(path, MaxNpyFileBytes(), "a .npy file"), declared, name);
}

std::vector<float> ToFloat32(ftc_dtype dtype, const void* data, uint64_t count) {
  std::vector<float> out(count);
  if (dtype == FTC_DTYPE_FLOAT32) {
    std::memcpy(out.data(), data, count * sizeof(float));
    return out;
  }
  const auto* half = static_cast<const uint16_t*>(data);
  for (uint64_t i = 0; i < count; ++i)
    out[i] = dtype == FTC_DTYPE_FLOAT16 ? HalfToFloat(half[i]) : Bf16ToFloat(half[i]);
  return out;
}

}  // namespace ftc_cli

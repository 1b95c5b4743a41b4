#include "tensor.h"

#include <string>

#include "cli.h"
#include "fileio.h"
#include "npy.h"

namespace ftc_cli {
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
  if (ftc_convert(dtype, data, FTC_DTYPE_FLOAT32, out.data(), count) != FTC_OK)
    Fail(kExitIo, "cannot convert " + std::string(ftc_dtype_name(dtype)) + " to float32");
  return out;
}

}  // namespace ftc_cli

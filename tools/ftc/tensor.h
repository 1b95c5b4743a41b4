// Tensors as the tool holds them: read from .npy, handed to the library as an ftc_tensor view.
#ifndef FTC_TOOLS_TENSOR_H
#define FTC_TOOLS_TENSOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"

namespace ftc_cli {

// A C-ordered, little-endian tensor of rank 3 (C×H×W) or 4 (N×C×H×W).
struct HostTensor {
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  std::vector<uint64_t> shape;
  std::vector<uint8_t> bytes;  // starts the allocation, so it is aligned for every dtype

  uint64_t elements() const {
    uint64_t n = 1;
    for (const uint64_t d : shape) n *= d;
    return n;
  }
  ftc_tensor View() const { return ftc::View(bytes.data(), dtype, shape); }
};

// The largest .npy file the tool reads: the codec's element limit in float32 plus the largest header.
uint64_t MaxNpyFileBytes();

// Turns a complete .npy file (read from `name`) into a tensor the codec accepts, reusing the file's buffer.
// `declared` is the --dtype flag. Fails with kExitData.
HostTensor TensorFromNpy(std::vector<uint8_t> file, std::optional<ftc_dtype> declared,
                         const std::string& name);

// Reads `path` ("-": stdin) as a .npy tensor.
HostTensor LoadNpyTensor(const std::string& path, std::optional<ftc_dtype> declared);

// The elements of a tensor of `dtype` as float32 (exact for every dtype).
std::vector<float> ToFloat32(ftc_dtype dtype, const void* data, uint64_t count);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_TENSOR_H

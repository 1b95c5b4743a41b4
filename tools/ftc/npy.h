// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the subset the codec can use, which is C-ordered,
// little-endian float32 ('<f4'), float16 ('<f2') and bfloat16 stored as uint16 ('<u2'). Everything else is
// refused with a message that says what the file holds and what to do about it.
#ifndef FTC_TOOLS_NPY_H
#define FTC_TOOLS_NPY_H

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ftc/ftc.h"

namespace ftc_cli {

// Its header may not be larger than this (numpy itself writes a few hundred bytes at most).
inline constexpr uint64_t kMaxNpyHeaderBytes = 1u << 20;

// The parts of a .npy file: the array's dtype and shape, and where its data starts in the file.
struct NpyLayout {
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  std::vector<uint64_t> shape;  // empty for a 0-d array
  uint64_t data_offset = 0;
  uint64_t elements = 1;
};

// True when `file` starts with the .npy magic string.
bool IsNpy(std::span<const uint8_t> file);

// Parses and checks the header of a complete .npy file, and that the data size matches the shape.
// `declared` is the --dtype the user gave: '<u2' needs FTC_DTYPE_BFLOAT16, and a declared dtype must agree
// with the file's. Fails with kExitData and a message starting with `name`.
NpyLayout ParseNpy(std::span<const uint8_t> file, std::optional<ftc_dtype> declared, const std::string& name);

// Everything of a .npy file that comes before the data: version 1.0 unless the header needs 2.0, and the
// data starting at a multiple of 64 bytes. bfloat16 is written as '<u2'.
std::vector<uint8_t> NpyHeader(ftc_dtype dtype, std::span<const uint64_t> shape);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_NPY_H

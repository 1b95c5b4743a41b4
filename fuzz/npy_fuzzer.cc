// The CLI's .npy reader (tools/ftc/npy.cc): every input is either a layout that fits the file or a Failure
// with a message; once as read, once with --dtype bf16 declared. Input: any bytes (a .npy file).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "cli.h"
#include "npy.h"

namespace {

void Parse(std::span<const uint8_t> file, std::optional<ftc_dtype> declared) {
  try {
    const ftc_cli::NpyLayout layout = ftc_cli::ParseNpy(file, declared, "fuzz.npy");
    if (layout.data_offset > file.size() ||
        (file.size() - layout.data_offset) != layout.elements * ftc_dtype_size(layout.dtype))
      __builtin_trap();  // the reader promised that the data fits the shape exactly
  } catch (const ftc_cli::Failure&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  Parse(file, std::nullopt);
  Parse(file, FTC_DTYPE_BFLOAT16);
  return 0;
}

// Helpers shared by the fuzz targets: reading a fuzzer's bytes as small parameters and length-prefixed
// chunks, so that one input can hold several packets (fuzz/README.md describes each target's input).
#ifndef FTC_FUZZ_FUZZ_INPUT_H
#define FTC_FUZZ_FUZZ_INPUT_H

#include <cstddef>
#include <cstdint>
#include <span>

namespace ftc::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(data, size) {}

  bool empty() const { return rest_.empty(); }

  // The next byte, 0 once the input is exhausted.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = rest_[0];
    rest_ = rest_.subspan(1);
    return b;
  }

  // A chunk: a 16-bit little-endian length, then that many bytes (fewer when the input ends first).
  std::span<const uint8_t> Chunk() {
    const size_t length = Byte() | size_t{Byte()} << 8;
    const std::span<const uint8_t> chunk = rest_.first(length < rest_.size() ? length : rest_.size());
    rest_ = rest_.subspan(chunk.size());
    return chunk;
  }

 private:
  std::span<const uint8_t> rest_;
};

}  // namespace ftc::fuzz

#endif  // FTC_FUZZ_FUZZ_INPUT_H

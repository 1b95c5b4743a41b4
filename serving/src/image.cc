#include "image.h"

#include <algorithm>
#include <array>

namespace ftc_serving {
namespace {

uint32_t BigEndian(std::span<const uint8_t> b, size_t at, size_t bytes) {
  uint32_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = v << 8 | b[at + i];
  return v;
}

// PNG: the signature, then IHDR's width and height (bytes 16..23).
std::optional<std::pair<uint32_t, uint32_t>> PngSize(std::span<const uint8_t> f) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (f.size() < 24 || !std::equal(kSignature, kSignature + 8, f.begin())) return std::nullopt;
  static constexpr uint8_t kIhdr[4] = {'I', 'H', 'D', 'R'};
  if (!std::equal(kIhdr, kIhdr + 4, f.begin() + 12)) return std::nullopt;
  return std::pair(BigEndian(f, 16, 4), BigEndian(f, 20, 4));
}

// JPEG: the markers after SOI up to the first start of frame (SOF0..SOF15 except DHT, JPG and DAC), whose
// fields hold the height and then the width.
std::optional<std::pair<uint32_t, uint32_t>> JpegSize(std::span<const uint8_t> f) {
  if (f.size() < 4 || f[0] != 0xFF || f[1] != 0xD8) return std::nullopt;
  size_t at = 2;
  while (at + 4 <= f.size()) {
    if (f[at] != 0xFF) return std::nullopt;
    const uint8_t marker = f[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const uint32_t length = BigEndian(f, at + 2, 2);
    if (length < 2) return std::nullopt;
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 7 || at + 9 > f.size()) return std::nullopt;
      return std::pair(BigEndian(f, at + 7, 2), BigEndian(f, at + 5, 2));
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan or end before any frame header
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<uint32_t, uint32_t>> DeclaredSize(std::span<const uint8_t> file) {
  if (auto png = PngSize(file)) return png;
  return JpegSize(file);
}

void PixelsToInput(const uint8_t* pixels, size_t count, float* out) {
  static const auto kValue = [] {
    std::array<float, 256> v;
    for (int p = 0; p < 256; ++p) v[p] = static_cast<float>(p) / 255.0f;
    return v;
  }();
  for (size_t i = 0; i < count; ++i) out[i] = kValue[pixels[i]];
}

}  // namespace ftc_serving

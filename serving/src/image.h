// Images as a model's input, for the cloud-only path (the server decodes the file the device sends) and for
// the edge device (its camera's pixels).
#ifndef FTC_SERVING_IMAGE_H
#define FTC_SERVING_IMAGE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace ftc_serving {

// The width and height a PNG or JPEG file declares in its header, read without decoding anything, so that a
// server can refuse a small file that would decode into a huge image; nullopt when it is neither or the
// header is damaged.
std::optional<std::pair<uint32_t, uint32_t>> DeclaredSize(std::span<const uint8_t> file);

// 8-bit pixels to the models' input: p / 255 in float32, correctly rounded, as `ftc rd` computes it.
void PixelsToInput(const uint8_t* pixels, size_t count, float* out);

}  // namespace ftc_serving

#endif  // FTC_SERVING_IMAGE_H

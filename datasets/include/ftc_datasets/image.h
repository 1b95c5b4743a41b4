// Decoding JPEG and PNG files into 8-bit images, and the resize / centre-crop / channel conversions that
// prepare them as a model's input (torchvision's Resize(int) + CenterCrop on PIL images, in C++).
#ifndef FTC_DATASETS_IMAGE_H
#define FTC_DATASETS_IMAGE_H

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ftc_datasets {

// An 8-bit image, interleaved (height × width × channels), channels 1 (grey) or 3 (RGB).
struct Image {
  uint32_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// Decodes a JPEG (baseline, progressive; grey, YCbCr, RGB, CMYK/YCCK) or PNG (any bit depth, palette,
// alpha: dropped, as PIL's convert("RGB") does) by its signature. Grey sources stay grey. Throws Error,
// whose message starts with `name`.
Image DecodeImage(std::span<const uint8_t> file, const std::string& name);

// The image with `channels` channels: grey to RGB by replication, RGB to grey by ITU-R 601 luma with PIL's
// rounding (L = (19595 R + 38470 G + 7471 B + 32768) >> 16).
Image ConvertChannels(const Image& image, uint32_t channels);

enum class ResizeFilter {
  kBilinear,  // triangle filter, widened by the scale factor when shrinking (PIL's BILINEAR: antialiased)
  kArea,      // box filter over the covered source area (PIL's BOX, OpenCV's INTER_AREA when shrinking)
};

// Resamples to width × height with a separable filter (PIL's algorithm, computed in float and rounded).
Image Resize(const Image& image, uint32_t width, uint32_t height, ResizeFilter filter);

// torchvision's Resize(size): the shorter side becomes `size`, the longer one size · long / short
// (truncated); an image whose shorter side already is `size` is returned unchanged.
Image ResizeShorterSide(const Image& image, uint32_t size, ResizeFilter filter);

// torchvision's CenterCrop: the size × size window at ((W − size) / 2, (H − size) / 2) rounded to nearest;
// where the image is smaller the window is padded with zeros.
Image CenterCrop(const Image& image, uint32_t size);

// Interleaved H×W×C to planar C×H×W, into `out` (width · height · channels bytes).
void ToPlanar(const Image& image, uint8_t* out);

}  // namespace ftc_datasets

#endif  // FTC_DATASETS_IMAGE_H

// Resampling, cropping and channel conversion of 8-bit images.
#include <algorithm>
#include <cmath>

#include "ftc_datasets/dataset.h"
#include "ftc_datasets/image.h"

namespace ftc_datasets {
namespace {

struct Filter {
  double support;
  double (*weight)(double);
};

double Triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double Box(double x) {
  return x >= -0.5 && x < 0.5 ? 1.0 : 0.0;
}

Filter FilterOf(ResizeFilter f) {
  return f == ResizeFilter::kArea ? Filter{0.5, Box} : Filter{1.0, Triangle};
}

// For each output position, the first input position and the normalised weights of the inputs it reads
// (PIL's precompute_coeffs: the filter is widened by the scale factor when shrinking, which antialiases).
struct Taps {
  std::vector<uint32_t> first;
  std::vector<std::vector<float>> weights;
};

Taps ComputeTaps(uint32_t in_size, uint32_t out_size, const Filter& filter) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter.support * filter_scale;
  Taps t;
  t.first.resize(out_size);
  t.weights.resize(out_size);
  for (uint32_t o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in_size);
    std::vector<double> w;
    double sum = 0;
    for (int64_t i = lo; i < hi; ++i) {
      w.push_back(filter.weight((i - center + 0.5) / filter_scale));
      sum += w.back();
    }
    t.first[o] = static_cast<uint32_t>(lo);
    for (const double v : w) t.weights[o].push_back(static_cast<float>(sum > 0 ? v / sum : 0.0));
  }
  return t;
}

uint8_t ToByte(float v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0l, 255l));
}

}  // namespace

Image ConvertChannels(const Image& image, uint32_t channels) {
  if (channels != 1 && channels != 3) throw Error("images have 1 or 3 channels, not " + std::to_string(channels));
  if (image.channels == channels) return image;
  Image out{image.width, image.height, channels, {}};
  const size_t n = static_cast<size_t>(image.width) * image.height;
  out.pixels.resize(n * channels);
  for (size_t i = 0; i < n; ++i) {
    if (channels == 3) {
      std::fill_n(&out.pixels[3 * i], 3, image.pixels[i]);
    } else {
      const uint8_t* p = &image.pixels[3 * i];
      out.pixels[i] = static_cast<uint8_t>((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16);
    }
  }
  return out;
}

Image Resize(const Image& image, uint32_t width, uint32_t height, ResizeFilter filter_kind) {
  if (width == 0 || height == 0) throw Error("cannot resize to an empty image");
  const Filter filter = FilterOf(filter_kind);
  const uint32_t c = image.channels;
  // Horizontal pass into floats, then vertical, rounding once at the end.
  const Taps h = ComputeTaps(image.width, width, filter);
  std::vector<float> rows(static_cast<size_t>(image.height) * width * c);
  for (uint32_t y = 0; y < image.height; ++y) {
    const uint8_t* in = &image.pixels[static_cast<size_t>(y) * image.width * c];
    float* out = &rows[static_cast<size_t>(y) * width * c];
    for (uint32_t x = 0; x < width; ++x)
      for (uint32_t k = 0; k < c; ++k) {
        float sum = 0;
        for (size_t j = 0; j < h.weights[x].size(); ++j) sum += h.weights[x][j] * in[(h.first[x] + j) * c + k];
        out[x * c + k] = sum;
      }
  }
  const Taps v = ComputeTaps(image.height, height, filter);
  Image out{width, height, c, std::vector<uint8_t>(static_cast<size_t>(width) * height * c)};
  const size_t row = static_cast<size_t>(width) * c;
  for (uint32_t y = 0; y < height; ++y)
    for (size_t i = 0; i < row; ++i) {
      float sum = 0;
      for (size_t j = 0; j < v.weights[y].size(); ++j) sum += v.weights[y][j] * rows[(v.first[y] + j) * row + i];
      out.pixels[y * row + i] = ToByte(sum);
    }
  return out;
}

Image ResizeShorterSide(const Image& image, uint32_t size, ResizeFilter filter) {
  const uint32_t shorter = std::min(image.width, image.height);
  if (shorter == size) return image;
  const auto scaled = [&](uint32_t side) {
    return static_cast<uint32_t>(std::max<uint64_t>(1, static_cast<uint64_t>(size) * side / shorter));
  };
  return image.width <= image.height ? Resize(image, size, scaled(image.height), filter)
                                     : Resize(image, scaled(image.width), size, filter);
}

Image CenterCrop(const Image& image, uint32_t size) {
  Image out{size, size, image.channels, std::vector<uint8_t>(static_cast<size_t>(size) * size * image.channels)};
  // torchvision: top = int(round((H - size) / 2.0)) (Python rounds halves to even, as nearbyint does), which
  // is negative (padding) when the image is smaller.
  const int64_t top = static_cast<int64_t>(std::nearbyint((static_cast<double>(image.height) - size) / 2.0));
  const int64_t left = static_cast<int64_t>(std::nearbyint((static_cast<double>(image.width) - size) / 2.0));
  const uint32_t c = image.channels;
  for (uint32_t y = 0; y < size; ++y) {
    const int64_t sy = top + y;
    if (sy < 0 || sy >= image.height) continue;
    for (uint32_t x = 0; x < size; ++x) {
      const int64_t sx = left + x;
      if (sx < 0 || sx >= image.width) continue;
      std::copy_n(&image.pixels[(static_cast<size_t>(sy) * image.width + sx) * c], c,
                  &out.pixels[(static_cast<size_t>(y) * size + x) * c]);
    }
  }
  return out;
}

void ToPlanar(const Image& image, uint8_t* out) {
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (uint32_t k = 0; k < image.channels; ++k)
    for (size_t i = 0; i < n; ++i) out[k * n + i] = image.pixels[i * image.channels + k];
}

}  // namespace ftc_datasets

#include "samples.h"

#include <array>
#include <thread>

#include "harness_error.h"
#include "parallel.h"

namespace ftc_inference {

std::unique_ptr<ftc_datasets::Dataset> OpenData(const DataOptions& options) {
  try {
    return ftc_datasets::OpenDataset(options.spec, options.folder);
  } catch (const ftc_datasets::Error& e) {
    throw HarnessError(Problem::kData, e.what());
  }
}

uint64_t SampleCount(const ftc_datasets::Dataset& dataset, const DataOptions& options) {
  const uint64_t n = options.limit ? std::min<uint64_t>(options.limit, dataset.size()) : dataset.size();
  if (n == 0) throw HarnessError(Problem::kData, dataset.description() + ": no samples");
  return n;
}

torch::Tensor PixelsToImages(const torch::Tensor& pixels) {
  static const auto kValue = [] {
    std::array<float, 256> v;
    for (int p = 0; p < 256; ++p) v[p] = static_cast<float>(p) / 255.0f;
    return v;
  }();
  torch::Tensor images = torch::empty(pixels.sizes(), torch::kFloat);
  const uint8_t* p = pixels.data_ptr<uint8_t>();
  float* x = images.data_ptr<float>();
  for (int64_t i = 0, n = pixels.numel(); i < n; ++i) x[i] = kValue[p[i]];
  return images;
}

Batch ReadBatch(const ftc_datasets::Dataset& dataset, uint64_t begin, uint64_t count, size_t workers) {
  const ftc_datasets::ImageShape s = dataset.shape();
  Batch b;
  b.pixels = torch::empty({static_cast<int64_t>(count), s.channels, s.height, s.width}, torch::kUInt8);
  b.labels = torch::empty({static_cast<int64_t>(count)}, torch::kInt64);
  uint8_t* pixels = b.pixels.data_ptr<uint8_t>();
  int64_t* labels = b.labels.data_ptr<int64_t>();
  try {
    ParallelFor(count, workers, [&](size_t, size_t i) { labels[i] = dataset.Read(begin + i, pixels + i * s.bytes()); });
  } catch (const ftc_datasets::Error& e) {
    throw HarnessError(Problem::kData, e.what());
  }
  b.images = PixelsToImages(b.pixels);
  return b;
}

std::vector<uint64_t> CodedShape(const torch::Tensor& features) {
  const auto sizes = features.sizes();
  switch (sizes.size()) {
    case 2:
      return {static_cast<uint64_t>(sizes[1]), 1, 1};
    case 3:
      return {1, static_cast<uint64_t>(sizes[1]), static_cast<uint64_t>(sizes[2])};
    default: {
      uint64_t c = 1;
      for (size_t i = 1; i + 2 < sizes.size(); ++i) c *= static_cast<uint64_t>(sizes[i]);
      return {c, static_cast<uint64_t>(sizes[sizes.size() - 2]), static_cast<uint64_t>(sizes.back())};
    }
  }
}

size_t Workers(int threads) {
  if (threads > 0) return static_cast<size_t>(threads);
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace ftc_inference

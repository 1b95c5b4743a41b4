// Batches of dataset samples as model inputs, and the view of a feature tensor the codec sees.
#ifndef FTC_INFERENCE_SAMPLES_H
#define FTC_INFERENCE_SAMPLES_H

#include <torch/script.h>

#include <memory>
#include <vector>

#include "ftc_datasets/dataset.h"
#include "ftc_inference/harness.h"

namespace ftc_inference {

// Opens the dataset of `options`; its errors become HarnessError (kData).
std::unique_ptr<ftc_datasets::Dataset> OpenData(const DataOptions& options);

// How many samples a run takes: the first `limit`, or all.
uint64_t SampleCount(const ftc_datasets::Dataset& dataset, const DataOptions& options);

struct Batch {
  torch::Tensor pixels;  // uint8 N×C×H×W, as stored
  torch::Tensor images;  // float32 N×C×H×W in [0, 1]: pixels / 255, the model's input
  torch::Tensor labels;  // int64 N
};

// Pixels (uint8) to model inputs: the float32 quotient p / 255, correctly rounded, as Python's
// images.astype(float32) / 255 computes it, so that inputs match a PyTorch evaluation bit for bit.
torch::Tensor PixelsToImages(const torch::Tensor& pixels);

// Reads samples [begin, begin + count), decoding with `workers` threads.
Batch ReadBatch(const ftc_datasets::Dataset& dataset, uint64_t begin, uint64_t count, size_t workers);

// The C×H×W shape under which one sample's feature tensor (features[i]) is coded: N×C×H×W as it is,
// N×L×D as 1×L×D, N×F as F×1×1 (a mosaic of F 1×1 tiles), and higher ranks with their leading dimensions
// merged into C.
std::vector<uint64_t> CodedShape(const torch::Tensor& features);

// Worker threads for `threads` (0: one per core).
size_t Workers(int threads);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_SAMPLES_H

// What the serving commands (`ftc serve`, `ftc edge`, `ftc latency`; serving/, docs/SERVING.md) ask of the
// LibTorch module: TorchScript models loaded once and run on batches as they come, and the input image as a
// JPEG file for the cloud-only path. No LibTorch here.
//
// The module exports this table as a second symbol next to ftc_inference_api(); serving/ finds it in the
// module that LoadHarness (harness.h) loaded, so that there is one module and one way to find it.
#ifndef FTC_INFERENCE_SERVING_H
#define FTC_INFERENCE_SERVING_H

#include <cstdint>
#include <string>
#include <vector>

#include "ftc_inference/harness.h"

namespace ftc_inference {

// A TorchScript model loaded by the module; opaque outside it.
struct LoadedModel;

inline constexpr uint32_t kServingApiVersion = 1;

struct ServingApi {
  uint32_t version;  // kServingApiVersion of the module
  // Loads a TorchScript file in eval mode onto `device` ("cpu", "cuda" or "cuda:N"; a CUDA device without
  // CUDA is kUsage). The model runs as `ftc rd` runs it: no gradients, graph optimisations off, so that a
  // batch computes what eager PyTorch computes. Release it with `release`.
  LoadedModel* (*load)(const std::string& path, const std::string& device, Failure* failure);
  void (*release)(LoadedModel* model);  // accepts nullptr
  // "cpu" or "cuda:0": where the model runs.
  std::string (*device)(const LoadedModel* model);
  // Runs the model on the float32 tensor `input` (C order, `shape`, at least rank 1) and returns its output
  // as float32 on the CPU. Safe to call from several threads at once on one model. A tensor the model
  // rejects (wrong shape) is kData.
  bool (*run)(const LoadedModel* model, const float* input, const std::vector<int64_t>& shape,
              std::vector<float>* output, std::vector<int64_t>* output_shape, Failure* failure);
  // LibTorch's intra-op threads for this process; 0 leaves LibTorch's default (one per core).
  void (*set_threads)(int threads);
  // A planar C×H×W 8-bit image (C = 1 or 3) as a standard JFIF file at `quality` (1..100): the cloud-only
  // path's upload, made as `ftc rd`'s input-jpeg baseline makes it.
  bool (*encode_jpeg)(const uint8_t* planar, uint32_t channels, uint32_t height, uint32_t width, int quality,
                      std::vector<uint8_t>* file, Failure* failure);
};

}  // namespace ftc_inference

// The module's second exported symbol.
extern "C" const ftc_inference::ServingApi* ftc_inference_serving_api();

#endif  // FTC_INFERENCE_SERVING_H

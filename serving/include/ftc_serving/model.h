// A model as the server and the edge client run it: float32 in, float32 out, one batch at a time. The real
// ones are TorchScript files run by the inference module (ftc_inference/serving.h), loaded with dlopen when a
// command first needs one, so that the tool starts without LibTorch; tests give the server models of their
// own.
#ifndef FTC_SERVING_MODEL_H
#define FTC_SERVING_MODEL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ftc_inference/serving.h"

namespace ftc_serving {

class Model {
 public:
  virtual ~Model() = default;
  // Runs the model on `input` of `shape` (C order, the batch first) and returns its output and shape.
  // Throws Error (kData) when the model rejects the input. Safe to call from several threads at once.
  virtual void Run(const float* input, const std::vector<int64_t>& shape, std::vector<float>* output,
                   std::vector<int64_t>* output_shape) const = 0;
  // Where it runs: "cpu", "cuda:0".
  virtual std::string device() const = 0;
};

// The module's serving table; loads the module on first use. Throws Error (kIo) when it cannot.
const ftc_inference::ServingApi& ServingModule();

// A TorchScript file on `device` (cpu, cuda, cuda:N) through the module. Throws Error naming the file, or
// kUsage for a device this LibTorch lacks.
std::unique_ptr<Model> LoadTorchScript(const std::string& path, const std::string& device);

// LibTorch's intra-op threads in this process (0: one per core).
void SetModelThreads(int threads);

}  // namespace ftc_serving

#endif  // FTC_SERVING_MODEL_H

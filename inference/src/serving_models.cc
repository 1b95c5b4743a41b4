// The module's second exported symbol: models and JPEG files for the serving commands
// (ftc_inference/serving.h).
#include <ATen/Parallel.h>

#include <cstring>

#include "ftc_inference/serving.h"
#include "guarded.h"
#include "jfif.h"
#include "split_model.h"

namespace ftc_inference {

struct LoadedModel {
  Stage stage;
};

namespace {

LoadedModel* Load(const std::string& path, const std::string& device, Failure* failure) {
  LoadedModel* model = nullptr;
  Guarded(failure, [&] {
    const torch::Device where = ParseDevice(device);
    model = new LoadedModel{Stage({LoadModule(path, where)}, where, path)};
  });
  return model;
}

void Release(LoadedModel* model) {
  delete model;
}

std::string Device(const LoadedModel* model) {
  return DeviceText(model->stage.device());
}

bool Run(const LoadedModel* model, const float* input, const std::vector<int64_t>& shape,
         std::vector<float>* output, std::vector<int64_t>* output_shape, Failure* failure) {
  return Guarded(failure, [&] {
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(input), shape, torch::kFloat);
    const torch::Tensor y = model->stage(x).to(torch::kCPU, torch::kFloat).contiguous();
    output_shape->assign(y.sizes().begin(), y.sizes().end());
    output->resize(static_cast<size_t>(y.numel()));
    std::memcpy(output->data(), y.data_ptr<float>(), output->size() * sizeof(float));
  });
}

void SetThreads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
}

bool EncodeJpeg(const uint8_t* planar, uint32_t channels, uint32_t height, uint32_t width, int quality,
                std::vector<uint8_t>* file, Failure* failure) {
  return Guarded(failure, [&] {
    if (channels != 1 && channels != 3)
      throw HarnessError(Problem::kUsage,
                         "a JPEG image has 1 or 3 channels, not " + std::to_string(channels));
    thread_local JfifCodec codec;
    *file = codec.Encode(planar, channels, height, width, quality);
  });
}

constexpr ServingApi kServingApi = {kServingApiVersion, Load, Release, Device, Run, SetThreads, EncodeJpeg};

}  // namespace
}  // namespace ftc_inference

extern "C" __attribute__((visibility("default"))) const ftc_inference::ServingApi*
ftc_inference_serving_api() {
  return &ftc_inference::kServingApi;
}

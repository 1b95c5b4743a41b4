#include "ftc_serving/model.h"

#include <dlfcn.h>

#include "ftc_serving/error.h"

namespace ftc_serving {
namespace {

// The serving table lives in the module LoadHarness loaded: dladdr names the file that holds the harness's
// table, and dlopen with RTLD_NOLOAD returns that module's handle without loading anything again.
const ftc_inference::ServingApi* FindServingApi() {
  ftc_inference::Failure failure;
  const ftc_inference::Api* harness = ftc_inference::LoadHarness(&failure);
  if (!harness) throw Error(failure);
  Dl_info info{};
  void* module =
      dladdr(harness, &info) ? dlopen(info.dli_fname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD) : nullptr;
  if (!module)
    throw Error(Problem::kIo, "cannot find the inference module's file: " + std::string(dlerror()));
  using Entry = const ftc_inference::ServingApi* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(module, "ftc_inference_serving_api"));
  const ftc_inference::ServingApi* api = entry ? entry() : nullptr;
  if (!api || api->version != ftc_inference::kServingApiVersion)
    throw Error(Problem::kIo,
                std::string(info.dli_fname) +
                    " lacks the serving functions of this ftc (rebuild the target ftc_inference)");
  return api;
}

class TorchScriptModel : public Model {
 public:
  explicit TorchScriptModel(ftc_inference::LoadedModel* model) : model_(model) {}
  ~TorchScriptModel() override { ServingModule().release(model_); }

  void Run(const float* input, const std::vector<int64_t>& shape, std::vector<float>* output,
           std::vector<int64_t>* output_shape) const override {
    ftc_inference::Failure failure;
    if (!ServingModule().run(model_, input, shape, output, output_shape, &failure)) throw Error(failure);
  }
  std::string device() const override { return ServingModule().device(model_); }

 private:
  ftc_inference::LoadedModel* model_;
};

}  // namespace

const ftc_inference::ServingApi& ServingModule() {
  static const ftc_inference::ServingApi* api = FindServingApi();
  return *api;
}

std::unique_ptr<Model> LoadTorchScript(const std::string& path, const std::string& device) {
  ftc_inference::Failure failure;
  ftc_inference::LoadedModel* model = ServingModule().load(path, device, &failure);
  if (!model) throw Error(failure);
  return std::make_unique<TorchScriptModel>(model);
}

void SetModelThreads(int threads) {
  ServingModule().set_threads(threads);
}

}  // namespace ftc_serving

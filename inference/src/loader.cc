// Finds and loads the harness module (see harness.h for why it is a separate, loadable library).
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>

#include "ftc_inference/harness.h"

namespace ftc_inference {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

const Api* LoadHarness(Failure* failure) {
  static const Api* api = nullptr;
  if (api) return api;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("FTC_INFERENCE_MODULE"); env && *env) candidates.push_back(env);
  candidates.push_back(FTC_INFERENCE_MODULE_BUILD_PATH);
  candidates.push_back(FTC_INFERENCE_MODULE_INSTALL_PATH);
  std::string tried;
  for (const std::string& path : candidates) {
    if (!Exists(path)) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    // OpenMP threads that spin after each LibTorch operation would take the cores from the codec threads
    // that run between them; libgomp reads this when LibTorch loads it, so set it first.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    // RTLD_LOCAL: LibTorch's symbols stay out of the tool's namespace.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      *failure = {Problem::kIo, std::string("cannot load the inference harness: ") + dlerror()};
      return nullptr;
    }
    using Entry = const Api* (*)();
    const auto entry = reinterpret_cast<Entry>(dlsym(handle, "ftc_inference_api"));
    const Api* table = entry ? entry() : nullptr;
    if (!table || table->version != kApiVersion) {
      *failure = {Problem::kIo, path + " is not the inference harness of this ftc (rebuild it with the tool)"};
      return nullptr;
    }
    api = table;
    return api;
  }
  *failure = {Problem::kIo, "the inference harness module is missing (looked for " + tried +
                                "); build the target ftc_inference or set FTC_INFERENCE_MODULE"};
  return nullptr;
}

}  // namespace ftc_inference

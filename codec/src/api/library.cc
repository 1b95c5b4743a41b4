// Library-wide C API functions: versions, names, memory release, the backend list.
#include <cstdlib>
#include <cstring>
#include <string>

#include "backends/backend.h"
#include "quant/quantizer.h"

#define FTC_STR2(x) #x
#define FTC_STR(x) FTC_STR2(x)

extern "C" {

const char* ftc_version_string(void) {
  return FTC_STR(FTC_VERSION_MAJOR) "." FTC_STR(FTC_VERSION_MINOR) "." FTC_STR(FTC_VERSION_PATCH);
}
uint32_t ftc_version(void) { return FTC_VERSION_MAJOR << 16 | FTC_VERSION_MINOR << 8 | FTC_VERSION_PATCH; }
uint32_t ftc_abi_version(void) { return FTC_ABI_VERSION; }
uint32_t ftc_format_version(void) { return FTC_FORMAT_VERSION; }

const char* ftc_result_to_string(ftc_result result) {
  switch (result) {
    case FTC_OK: return "ok";
    case FTC_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case FTC_ERROR_UNSUPPORTED: return "unsupported";
    case FTC_ERROR_CORRUPT: return "corrupt bitstream";
    case FTC_ERROR_TRUNCATED: return "truncated bitstream";
    case FTC_ERROR_CHECKSUM: return "checksum mismatch";
    case FTC_ERROR_LIMIT: return "size limit exceeded";
    case FTC_ERROR_OUT_OF_MEMORY: return "out of memory";
    case FTC_ERROR_BACKEND: return "backend error";
    case FTC_ERROR_INTERNAL: return "internal error";
    case FTC_ERROR_NEED_KEY_FRAME: return "waiting for a key frame";
  }
  return "unknown result code";
}

size_t ftc_dtype_size(ftc_dtype dtype) {
  switch (dtype) {
    case FTC_DTYPE_FLOAT32: return 4;
    case FTC_DTYPE_FLOAT16:
    case FTC_DTYPE_BFLOAT16: return 2;
  }
  return 0;
}

const char* ftc_dtype_name(ftc_dtype dtype) {
  switch (dtype) {
    case FTC_DTYPE_FLOAT32: return "float32";
    case FTC_DTYPE_FLOAT16: return "float16";
    case FTC_DTYPE_BFLOAT16: return "bfloat16";
  }
  return "unknown";
}

void ftc_tensor_free(ftc_tensor* tensor) {
  if (tensor == nullptr) return;
  std::free(tensor->data);
  *tensor = {};
}

void ftc_buffer_free(ftc_buffer* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  *buffer = {};
}

void ftc_plane_free(ftc_plane* plane) {
  if (plane == nullptr) return;
  std::free(plane->data);
  *plane = {};
}

ftc_result ftc_parse_clip(const char* spec, ftc_clip_mode* mode, double* sigma_k, float* lo, float* hi) {
  ftc::ClipSpec clip;
  if (!ftc::ParseClip(spec, &clip).ok()) return FTC_ERROR_INVALID_ARGUMENT;
  if (mode) *mode = clip.mode;
  if (sigma_k && clip.mode == FTC_CLIP_SIGMA) *sigma_k = clip.sigma_k;
  if (lo && clip.mode == FTC_CLIP_RANGE) *lo = clip.lo;
  if (hi && clip.mode == FTC_CLIP_RANGE) *hi = clip.hi;
  return FTC_OK;
}

size_t ftc_backend_count(void) { return ftc::Backends().size(); }

const ftc_backend_info* ftc_backend_at(size_t index) {
  const auto table = ftc::Backends();
  return index < table.size() ? &table[index]->info : nullptr;
}

const ftc_backend_info* ftc_backend_find(const char* name) {
  return ftc_backend_find_implementation(name, nullptr, 0);
}

const ftc_backend_info* ftc_backend_find_implementation(const char* name, const char* implementation,
                                                        uint32_t capabilities) {
  if (name == nullptr) return nullptr;
  const ftc::Backend* b = ftc::FindBackend(name, implementation ? implementation : "", capabilities);
  return b ? &b->info : nullptr;
}

}  // extern "C"

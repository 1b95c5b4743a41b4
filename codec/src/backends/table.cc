// The table of built backends, in preference order. Each entry is guarded by its build option.
#include <cstring>

#include "backends/backend.h"

namespace ftc {

extern const Backend kRawBackend;
#ifdef FTC_HAVE_JPEG
extern const Backend kJpegBackend;
#endif
#ifdef FTC_HAVE_LOSSLESS
extern const Backend kLosslessBackend;
#endif

namespace {
const Backend* const kTable[] = {
#ifdef FTC_HAVE_JPEG
    &kJpegBackend,
#endif
#ifdef FTC_HAVE_LOSSLESS
    &kLosslessBackend,
#endif
    &kRawBackend,
};
}  // namespace

std::span<const Backend* const> Backends() { return kTable; }

const Backend* FindBackend(const char* name) {
  for (const Backend* b : kTable)
    if (std::strcmp(b->info.name, name) == 0) return b;
  return nullptr;
}

const Backend* FindBackendById(uint32_t id) {
  for (const Backend* b : kTable)
    if (b->info.id == id) return b;
  return nullptr;
}

}  // namespace ftc

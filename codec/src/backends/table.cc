// The table of built backends, in preference order. Each entry is guarded by its build option.
#include <string>

#include "backends/backend.h"
#include "backends/video.h"

namespace ftc {

extern const Backend kRawBackend;
#ifdef FTC_HAVE_JPEG
extern const Backend kJpegBackend;
#endif
#ifdef FTC_HAVE_LOSSLESS
extern const Backend kLosslessBackend;
#endif
#ifdef FTC_HAVE_X264
extern const Backend kX264Backend;
#endif
#ifdef FTC_HAVE_AVCODEC
extern const Backend kAvcodecH264Backend;
extern const Backend kAvcodecHevcBackend;
#endif
#ifdef FTC_HAVE_OPENH264
extern const Backend kOpenh264Backend;
#endif
#ifdef FTC_HAVE_X265
extern const Backend kX265Backend;
#endif

namespace {
// Image codecs first, so that "auto" keeps choosing one; within a format, the preferred implementation first.
const Backend* const kTable[] = {
#ifdef FTC_HAVE_JPEG
    &kJpegBackend,
#endif
#ifdef FTC_HAVE_LOSSLESS
    &kLosslessBackend,
#endif
    &kRawBackend,
#ifdef FTC_HAVE_X264
    &kX264Backend,
#endif
#ifdef FTC_HAVE_AVCODEC
    &kAvcodecH264Backend,
#endif
#ifdef FTC_HAVE_OPENH264
    &kOpenh264Backend,
#endif
#ifdef FTC_HAVE_X265
    &kX265Backend,
#endif
#ifdef FTC_HAVE_AVCODEC
    &kAvcodecHevcBackend,
#endif
};

bool Fits(const Backend& b, const std::string& implementation, uint32_t required) {
  return (b.info.capabilities & required) == required &&
         (implementation.empty() || implementation == "auto" || implementation == b.info.implementation);
}

}  // namespace

std::span<const Backend* const> Backends() { return kTable; }

const Backend* FindBackend(const std::string& name, const std::string& implementation, uint32_t required) {
  for (const Backend* b : kTable)
    if (name == b->info.name && Fits(*b, implementation, required)) return b;
  return nullptr;
}

const Backend* FindBackendById(uint32_t id, const std::string& implementation, uint32_t required) {
  for (const Backend* b : kTable)
    if (b->info.id == id && Fits(*b, implementation, required)) return b;
  return nullptr;
}

std::string ImplementationNames(uint32_t id, uint32_t required) {
  std::string names;
  for (const Backend* b : kTable) {
    if (b->info.id != id || !Fits(*b, "", required)) continue;
    if (!names.empty()) names += ", ";
    names += b->info.implementation;
  }
  return names;
}

uint32_t MinPlaneWidth(uint32_t format_id) { return format_id == kBackendHevc ? 2 * kHevcAlign : 0; }

Status CreateBackendState(const Backend& backend, const std::string& options, void** state) {
  Options parsed;
  FTC_RETURN_IF_ERROR(Options::Parse(options.c_str(), &parsed));
  FTC_RETURN_IF_ERROR(backend.create(parsed, state));
  const std::string unused = parsed.Unused();
  if (unused.empty()) return Status::Ok();
  backend.destroy(*state);
  *state = nullptr;
  return InvalidArgument(std::string("backend ") + backend.info.name + " (" + backend.info.implementation +
                         ") has no option " + unused);
}

}  // namespace ftc

// `raw`: the quantised mosaic, one byte per pixel, uncompressed. The reference path.
#include <cstring>
#include <string>

#include "backends/backend.h"

namespace ftc {
namespace {

Status RawCreate(const Options&, void** state) {
  *state = nullptr;
  return Status::Ok();
}

Status RawEncode(void*, const PlaneView& plane, const CodingParams&, std::vector<uint8_t>*,
                 std::vector<uint8_t>* payload) {
  payload->assign(plane.data, plane.data + static_cast<size_t>(plane.width) * plane.height);
  return Status::Ok();
}

Status RawDecode(void*, std::span<const uint8_t> settings, std::span<const uint8_t> payload,
                 const CodingParams& params, MutablePlane plane) {
  if (!settings.empty()) return Corrupt("raw: unexpected backend settings");
  const size_t size = static_cast<size_t>(plane.width) * plane.height;
  if (payload.size() != size)
    return Corrupt("raw: payload has " + std::to_string(payload.size()) + " bytes, the plane " + std::to_string(size));
  const int max_level = (1 << params.bits) - 1;
  for (uint8_t v : payload)
    if (v > max_level) return Corrupt("raw: level " + std::to_string(v) + " exceeds " + std::to_string(max_level));
  std::memcpy(plane.data, payload.data(), size);
  return Status::Ok();
}

void RawDestroy(void*) {}

}  // namespace

extern const Backend kRawBackend = {
    {"raw", kBackendRaw, FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_LOSSLESS, 1, "built-in",
     "quantised mosaic, uncompressed (reference)", "ftc"},
    false, RawCreate, RawEncode, RawDecode, RawDestroy, nullptr, nullptr, nullptr, nullptr};

}  // namespace ftc

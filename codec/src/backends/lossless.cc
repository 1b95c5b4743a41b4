// `lossless`: the quantised mosaic coded without loss, or near-lossless with max_error = E > 0 (every decoded
// level within E of the original). The coder is in lossless_model.h; docs/LOSSLESS.md has the measurements
// that chose it over JPEG-LS, PNG and zstd.
#include <algorithm>
#include <string>

#include "backends/backend.h"
#include "backends/lossless_model.h"

namespace ftc {
namespace {

using lossless::Workspace;

// The coder predicts within tiles (one channel each), so it takes their size from the container.
lossless::PlaneLayout LayoutOf(const CodingParams& params) {
  lossless::PlaneLayout layout;
  layout.tile_width = params.tile_width;
  layout.tile_height = params.tile_height;
  layout.bits = params.bits;
  layout.max_error = params.max_error;
  return layout;
}

Status CheckParams(const CodingParams& params) {
  if (params.bits < 1 || params.bits > 8) return Corrupt("lossless: bits " + std::to_string(params.bits));
  if (params.max_error < 0 || params.max_error > 255)
    return Corrupt("lossless: max_error " + std::to_string(params.max_error));
  return Status::Ok();
}

Status LosslessCreate(const Options&, void** state) {
  *state = new Workspace();
  return Status::Ok();
}

Status LosslessEncode(void* state, const PlaneView& plane, const CodingParams& params, std::vector<uint8_t>*,
                      std::vector<uint8_t>* payload) {
  FTC_RETURN_IF_ERROR(CheckParams(params));
  const uint8_t* end = plane.data + static_cast<size_t>(plane.width) * plane.height;
  if (std::any_of(plane.data, end, [&](uint8_t v) { return v >> params.bits != 0; }))
    return InvalidArgument("lossless: the plane holds a level above 2^" + std::to_string(params.bits) + "-1");
  lossless::EncodePlane(plane, LayoutOf(params), static_cast<Workspace*>(state), payload);
  return Status::Ok();
}

Status LosslessDecode(void* state, std::span<const uint8_t> settings, std::span<const uint8_t> payload,
                      const CodingParams& params, MutablePlane plane) {
  if (!settings.empty()) return Corrupt("lossless: unexpected backend settings");
  FTC_RETURN_IF_ERROR(CheckParams(params));
  return lossless::DecodePlane(payload, LayoutOf(params), static_cast<Workspace*>(state), plane);
}

void LosslessDestroy(void* state) {
  delete static_cast<Workspace*>(state);
}

}  // namespace

extern const Backend kLosslessBackend = {
    {"lossless", kBackendLossless, FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_LOSSLESS | FTC_CAP_NEAR_LOSSLESS,
     1, "built-in", "context-mixing coder of the quantised mosaic; near-lossless with max_error", "ftc"},
    false,
    LosslessCreate,
    LosslessEncode,
    LosslessDecode,
    LosslessDestroy,
    nullptr,
    nullptr,
    nullptr,
    nullptr};

}  // namespace ftc

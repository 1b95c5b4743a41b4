// The backend table (libavif's avifCodec model). A backend sees only 8-bit planes and explicit settings:
// quantisation, tiling, padding and the container are the shared layer's business. Each backend lives in
// one file, exports one `const Backend k<Name>Backend`, and is listed in table.cc under its build option.
#ifndef FTC_BACKENDS_BACKEND_H
#define FTC_BACKENDS_BACKEND_H

#include <cstdint>
#include <span>
#include <vector>

#include "common/options.h"
#include "common/status.h"
#include "ftc/ftc.h"

namespace ftc {

// A packed 8-bit plane (stride == width).
struct PlaneView {
  const uint8_t* data;
  uint32_t width, height;
};
struct MutablePlane {
  uint8_t* data;
  uint32_t width, height;
};

// Everything a backend may use to encode, and the same values again when it decodes (the container carries
// quality, bits and max_error; anything else the backend needs goes into its own settings bytes).
struct CodingParams {
  int quality = 90;   // 1..100
  int bits = 8;       // the plane holds levels 0..2^bits-1, or (spread_levels) those levels spread over 0..255
  int max_error = 0;  // near-lossless bound in levels, for FTC_CAP_NEAR_LOSSLESS backends
};

struct Backend {
  ftc_backend_info info;
  // Lossy backends see levels spread over 0..255, lossless ones the levels themselves (see PixelMap).
  bool spread_levels;
  // Creates per-thread state. Must consume every key of `options` it understands; the caller rejects the rest.
  Status (*create)(const Options& options, void** state);
  // Codes one plane. `settings` receives the backend's own header bytes (at most 255), `payload` the data.
  Status (*encode)(void* state, const PlaneView& plane, const CodingParams& params,
                   std::vector<uint8_t>* settings, std::vector<uint8_t>* payload);
  // Decodes a payload into a plane of exactly the size the container says. Must reject, never overrun,
  // a payload that does not decode to that plane.
  Status (*decode)(void* state, std::span<const uint8_t> settings, std::span<const uint8_t> payload,
                   const CodingParams& params, MutablePlane plane);
  void (*destroy)(void* state);
};

// The table, in preference order ("auto" takes the first that fits).
std::span<const Backend* const> Backends();
const Backend* FindBackend(const char* name);
const Backend* FindBackendById(uint32_t id);

// Backend ids are part of the format: never reuse one.
enum BackendId : uint32_t {
  kBackendRaw = 0,
  kBackendLossless = 1,
  kBackendJpeg = 2,
};

}  // namespace ftc

#endif  // FTC_BACKENDS_BACKEND_H

// The backend table (libavif's avifCodec model). A backend is one implementation of one coding format and
// sees only 8-bit planes and explicit settings: quantisation, tiling, padding and the container are the shared
// layer's business. Each backend lives in one file, exports one `const Backend k<Name>Backend`, and is listed
// in table.cc under its build option.
#ifndef FTC_BACKENDS_BACKEND_H
#define FTC_BACKENDS_BACKEND_H

#include <cstdint>
#include <span>
#include <string>
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
  uint32_t tile_width = 0, tile_height = 0;  // one channel's W × H in the mosaic (from the container)
};

// How a video backend codes a stream; the encoder only, the decoder needs none of it.
struct StreamParams {
  uint32_t gop = 30;          // key-frame interval (the shared layer asks for each key frame itself)
  uint64_t frame_bytes = 0;   // 0: constant quality (CodingParams::quality); else rate control, bytes per frame
  bool lossless = false;      // exact levels (FTC_CAP_LOSSLESS_MODE backends only)
};

struct Backend {
  ftc_backend_info info;
  // Lossy backends see levels spread over 0..255, lossless ones the levels themselves (see PixelMap).
  bool spread_levels;
  // Creates per-thread state. Must consume every key of `options` it understands; the caller rejects the rest.
  Status (*create)(const Options& options, void** state);

  // Image backends (NULL for video backends): every plane on its own.
  // Codes one plane. `settings` receives the backend's own header bytes (at most 255), `payload` the data.
  Status (*encode)(void* state, const PlaneView& plane, const CodingParams& params,
                   std::vector<uint8_t>* settings, std::vector<uint8_t>* payload);
  // Decodes a payload into a plane of exactly the size the container says. Must reject, never overrun,
  // a payload that does not decode to that plane.
  Status (*decode)(void* state, std::span<const uint8_t> settings, std::span<const uint8_t> payload,
                   const CodingParams& params, MutablePlane plane);

  void (*destroy)(void* state);

  // Video backends (FTC_CAP_VIDEO; NULL for image backends): a stream of planes of one size, one packet per
  // frame out as each frame goes in, no reordering delay. The shared layer runs image backends in the stream
  // form too, every frame a key frame (backends/frame_coder.h).
  // Starts a stream (once per state). `settings` receives the backend's own header bytes (at most 255).
  Status (*begin_encode)(void* state, uint32_t width, uint32_t height, const CodingParams& params,
                         const StreamParams& stream, std::vector<uint8_t>* settings);
  // Codes the next frame into one packet. `key`: a key frame, where decoding can start (an IDR with the
  // parameter sets in front of it); otherwise the backend may predict from earlier frames.
  Status (*encode_frame)(void* state, const PlaneView& plane, bool key, std::vector<uint8_t>* packet);
  // (Re)starts decoding, dropping every reference: before the first key frame of a stream, and before the key
  // frame that follows an error.
  Status (*begin_decode)(void* state, uint32_t width, uint32_t height, std::span<const uint8_t> settings,
                         const CodingParams& params);
  // Decodes one packet into exactly one plane. `key`: the container marks the packet as a key frame, which
  // the packet must then be (and must not be otherwise). Must reject, never overrun, a packet that does not
  // decode to exactly one plane of the size given to begin_decode.
  Status (*decode_frame)(void* state, std::span<const uint8_t> packet, bool key, MutablePlane plane);
};

// The table, in preference order ("auto" takes the first that fits).
std::span<const Backend* const> Backends();
// The first implementation of the format `name` that has every capability in `required`, and is
// `implementation` unless that is empty or "auto"; NULL when none is built.
const Backend* FindBackend(const std::string& name, const std::string& implementation = "", uint32_t required = 0);
// The same by format id (what a container names).
const Backend* FindBackendById(uint32_t id, const std::string& implementation = "", uint32_t required = 0);
// "x264, openh264": the built implementations of format `id` that have `required`.
std::string ImplementationNames(uint32_t id, uint32_t required);

// The plane width the grid chooser keeps to when the tensor allows it, 0 for none: hevc planes are kept at
// least two 32-pixel coding tree units wide, because x265 3.5 codes a picture one unit wide and several tall
// differently from one encoder to the next in a process (its output then depends on memory it never wrote).
uint32_t MinPlaneWidth(uint32_t format_id);

// Creates a state with `options` ("key=value,..."), rejecting any key the backend did not consume.
Status CreateBackendState(const Backend& backend, const std::string& options, void** state);

// Format ids are part of the container format: never reuse one.
enum BackendId : uint32_t {
  kBackendRaw = 0,
  kBackendLossless = 1,
  kBackendJpeg = 2,
  kBackendH264 = 3,
  kBackendHevc = 4,
};

}  // namespace ftc

#endif  // FTC_BACKENDS_BACKEND_H

// The stream form for every backend: video backends code frames through their stream interface, image
// backends through encode/decode, every frame on its own (a key frame). The one place that tells the two
// kinds apart.
#ifndef FTC_BACKENDS_FRAME_CODER_H
#define FTC_BACKENDS_FRAME_CODER_H

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace ftc {

// One backend state, destroyed with its owner.
class BackendState {
 public:
  BackendState() = default;
  BackendState(const BackendState&) = delete;
  BackendState& operator=(const BackendState&) = delete;
  ~BackendState() { Reset(); }

  Status Create(const Backend* backend, const std::string& options);
  void Reset();
  const Backend* backend() const { return backend_; }
  void* get() const { return state_; }

 private:
  const Backend* backend_ = nullptr;
  void* state_ = nullptr;
};

class FrameEncoder {
 public:
  // Starts a stream of `width` × `height` planes.
  Status Begin(const Backend* backend, const std::string& options, uint32_t width, uint32_t height,
               const CodingParams& params, const StreamParams& stream);
  // Whether the backend predicts frames from earlier ones; if not, every frame is a key frame.
  bool predicts() const { return state_.backend()->begin_encode != nullptr; }
  // Codes one plane; `key` matters only when predicts().
  Status Encode(const PlaneView& plane, bool key, std::vector<uint8_t>* payload);
  // The backend's settings bytes: known after Begin for video backends, after the first Encode for image
  // backends, whose settings must then stay the same.
  const std::vector<uint8_t>& settings() const { return settings_; }
  // Releases the backend's state (a codec library closes its encoder); Begin starts again.
  void End() { state_.Reset(); }

 private:
  BackendState state_;
  CodingParams params_;
  std::vector<uint8_t> settings_, frame_settings_;
  bool first_ = true;
};

class FrameDecoder {
 public:
  // (Re)starts decoding a stream of `width` × `height` planes, dropping every reference.
  Status Begin(const Backend* backend, uint32_t width, uint32_t height, std::span<const uint8_t> settings,
               const CodingParams& params);
  // Decodes one packet's payload; for an image backend `key` must be set (every frame stands alone).
  Status Decode(std::span<const uint8_t> payload, bool key, MutablePlane plane);
  // Releases the backend's state (a codec library closes its decoder); Begin starts again.
  void End() { state_.Reset(); }

 private:
  BackendState state_;
  CodingParams params_;
  std::vector<uint8_t> settings_;
};

}  // namespace ftc

#endif  // FTC_BACKENDS_FRAME_CODER_H

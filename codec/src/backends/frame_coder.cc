#include "backends/frame_coder.h"

namespace ftc {

Status BackendState::Create(const Backend* backend, const std::string& options) {
  Reset();
  void* state = nullptr;
  FTC_RETURN_IF_ERROR(CreateBackendState(*backend, options, &state));
  backend_ = backend;
  state_ = state;
  return Status::Ok();
}

void BackendState::Reset() {
  if (backend_) backend_->destroy(state_);
  backend_ = nullptr;
  state_ = nullptr;
}

Status FrameEncoder::Begin(const Backend* backend, const std::string& options, uint32_t width,
                           uint32_t height, const CodingParams& params, const StreamParams& stream) {
  FTC_RETURN_IF_ERROR(state_.Create(backend, options));
  params_ = params;
  settings_.clear();
  first_ = true;
  if (!predicts()) return Status::Ok();
  FTC_RETURN_IF_ERROR(backend->begin_encode(state_.get(), width, height, params, stream, &settings_));
  if (settings_.size() > 255)
    return {FTC_ERROR_INTERNAL,
            std::string("backend ") + backend->info.name + " wrote over 255 settings bytes"};
  return Status::Ok();
}

Status FrameEncoder::Encode(const PlaneView& plane, bool key, std::vector<uint8_t>* payload) {
  const Backend& b = *state_.backend();
  if (predicts()) return b.encode_frame(state_.get(), plane, key, payload);
  FTC_RETURN_IF_ERROR(b.encode(state_.get(), plane, params_, &frame_settings_, payload));
  if (first_) {
    settings_ = frame_settings_;
    first_ = false;
  }
  if (frame_settings_ != settings_ || settings_.size() > 255)
    return {FTC_ERROR_INTERNAL, std::string("backend ") + b.info.name + " wrote inconsistent settings"};
  return Status::Ok();
}

Status FrameDecoder::Begin(const Backend* backend, uint32_t width, uint32_t height,
                           std::span<const uint8_t> settings, const CodingParams& params) {
  if (state_.backend() != backend) FTC_RETURN_IF_ERROR(state_.Create(backend, ""));
  params_ = params;
  settings_.assign(settings.begin(), settings.end());
  if (backend->begin_decode == nullptr) return Status::Ok();
  return backend->begin_decode(state_.get(), width, height, settings, params);
}

Status FrameDecoder::Decode(std::span<const uint8_t> payload, bool key, MutablePlane plane) {
  const Backend& b = *state_.backend();
  if (b.decode_frame) return b.decode_frame(state_.get(), payload, key, plane);
  if (!key) return Corrupt(std::string("a ") + b.info.name + " stream has a packet that is not a key frame");
  return b.decode(state_.get(), settings_, payload, params_, plane);
}

}  // namespace ftc

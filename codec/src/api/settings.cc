#include "api/settings.h"

#include <cstring>
#include <string>
#include <type_traits>

namespace ftc {
namespace {

// Why `b` cannot encode with `s`; empty when it can.
std::string Shortfall(const Backend& b, const ftc_encoder_settings& s) {
  const uint32_t caps = b.info.capabilities;
  const std::string name = b.info.name;
  if (!(caps & FTC_CAP_ENCODE)) return name + " (" + b.info.implementation + ") cannot encode";
  if (s.max_error > 0 && !(caps & FTC_CAP_NEAR_LOSSLESS))
    return "codec " + name + " has no near-lossless mode (max_error)";
  if (s.lossless && !(caps & (FTC_CAP_LOSSLESS | FTC_CAP_LOSSLESS_MODE)))
    return "codec " + name + " (" + b.info.implementation + ") has no lossless mode";
  if (s.target_bytes > 0 && !(caps & FTC_CAP_QUALITY))
    return "codec " + name + " has no quality setting to meet target_bytes with";
  return "";
}

// The distinct names of the built formats that can encode, in table order.
std::string EncodingFormats() {
  std::string names;
  for (const Backend* b : Backends()) {
    if (!(b->info.capabilities & FTC_CAP_ENCODE)) continue;
    const std::string name = b->info.name;
    if (FindBackend(name, "", FTC_CAP_ENCODE) != b) continue;  // listed with its first encoder
    names += (names.empty() ? "" : " ") + name;
  }
  return names;
}

Status PickEncoder(const ftc_encoder_settings& s, const Backend** out) {
  const bool any_codec = s.codec == nullptr || std::strcmp(s.codec, "auto") == 0;
  const std::string codec = any_codec ? "auto" : s.codec;
  const std::string implementation = s.implementation ? s.implementation : "";
  const bool any_implementation = implementation.empty() || implementation == "auto";
  const Backend* named = nullptr;  // the first encoder of the format with that implementation
  for (const Backend* b : Backends()) {
    if (!any_codec && codec != b->info.name) continue;
    if (!any_implementation && implementation != b->info.implementation) continue;
    if (!(b->info.capabilities & FTC_CAP_ENCODE)) continue;
    if (named == nullptr) named = b;
    if (Shortfall(*b, s).empty()) {
      *out = b;
      return Status::Ok();
    }
  }
  if (any_codec) return Unsupported("no built backend can encode with these settings");
  if (FindBackend(codec, "", FTC_CAP_ENCODE) == nullptr)
    return Unsupported("unknown or unbuilt codec '" + codec + "' (built: " + EncodingFormats() + ")");
  if (named == nullptr) {
    const uint32_t id = FindBackend(codec, "", FTC_CAP_ENCODE)->info.id;
    return Unsupported("codec " + codec + " has no built encoder '" + implementation +
                       "' (built: " + ImplementationNames(id, FTC_CAP_ENCODE) + ")");
  }
  return InvalidArgument(Shortfall(*named, s));
}

}  // namespace

Status MakeEncoderConfig(const ftc_encoder_settings& s, EncoderConfig* out) {
  if (s.quality < 1 || s.quality > 100)
    return InvalidArgument("quality must be in 1..100, not " + std::to_string(s.quality));
  if (s.bits < 1 || s.bits > 8) return InvalidArgument("bits must be in 1..8, not " + std::to_string(s.bits));
  if (s.max_error < 0 || s.max_error > 255)
    return InvalidArgument("max_error must be in 0..255, not " + std::to_string(s.max_error));
  if (s.threads < 0) return InvalidArgument("threads must be >= 0");
  if (s.lossless && s.max_error > 0) return InvalidArgument("lossless and max_error > 0 exclude each other");
  if (s.lossless && s.target_bytes > 0)
    return InvalidArgument("lossless and target_bytes exclude each other");
  const ClipSpec clip{s.clip, s.sigma_k, s.range_lo, s.range_hi};
  FTC_RETURN_IF_ERROR(ValidateClip(clip));
  EncoderConfig c;
  FTC_RETURN_IF_ERROR(PickEncoder(s, &c.backend));
  c.options = s.options ? s.options : "";
  c.params = {s.quality, s.bits, s.max_error};
  c.clip = clip;
  c.per_channel = s.per_channel != 0;
  c.threads = s.threads;
  c.lossless = s.lossless != 0;
  c.target_bytes = s.target_bytes;
  *out = std::move(c);
  return Status::Ok();
}

Status MakeStreamConfig(const ftc_stream_settings* s, const EncoderConfig& config, StreamConfig* out) {
  ftc_stream_settings d;
  ftc_stream_default_settings(&d);
  if (s) d = *s;
  if (d.gop < 1 || static_cast<uint32_t>(d.gop) > kMaxGop)
    return InvalidArgument("gop must be in 1.." + std::to_string(kMaxGop) + ", not " + std::to_string(d.gop));
  // A C caller may store any int in the enum: read it as one.
  std::underlying_type_t<ftc_stream_range> range;
  std::memcpy(&range, &d.range, sizeof(range));
  if (range != FTC_STREAM_RANGE_FIRST && range != FTC_STREAM_RANGE_FIXED &&
      range != FTC_STREAM_RANGE_KEYFRAME)
    return InvalidArgument("unknown stream range mode " + std::to_string(range));
  StreamConfig c;
  c.gop = static_cast<uint32_t>(d.gop);
  c.range = static_cast<ftc_stream_range>(range);
  if (c.range == FTC_STREAM_RANGE_FIXED) {
    if (d.calibration != nullptr) {
      TensorView view;
      FTC_RETURN_IF_ERROR(ViewTensor(*d.calibration, &view));
      FTC_RETURN_IF_ERROR(
          ComputeQuantParams(view, config.params.bits, config.clip, config.per_channel, &c.calibration));
      c.calibrated = true;
      c.calibration_shape = view.shape;
    } else if (config.clip.mode != FTC_CLIP_RANGE) {
      return InvalidArgument("a fixed stream range needs a calibration tensor or the clip range:LO,HI");
    }
  }
  *out = std::move(c);
  return Status::Ok();
}

Status BatchStreamConfig(const EncoderConfig& config, const TensorView& view, StreamConfig* out) {
  StreamConfig c;
  c.gop = kDefaultGop;
  c.range = FTC_STREAM_RANGE_FIXED;
  FTC_RETURN_IF_ERROR(
      ComputeQuantParams(view, config.params.bits, config.clip, config.per_channel, &c.calibration));
  c.calibrated = true;
  c.calibration_shape = view.shape;
  *out = std::move(c);
  return Status::Ok();
}

Status PickDecoder(const Header& h, const std::string& implementation, const Backend** out) {
  const Backend* b = FindBackendById(h.backend_id, implementation, FTC_CAP_DECODE);
  if (b == nullptr) {
    const Backend* any = FindBackendById(h.backend_id, "", 0);
    if (any == nullptr)
      return Unsupported("codec id " + std::to_string(h.backend_id) + " is not built into this library");
    const std::string decoders = ImplementationNames(h.backend_id, FTC_CAP_DECODE);
    if (decoders.empty())
      return Unsupported(std::string("no built implementation decodes codec ") + any->info.name);
    return Unsupported("codec " + std::string(any->info.name) + " has no built decoder '" + implementation +
                       "' (built: " + decoders + ")");
  }
  const uint32_t caps = b->info.capabilities;
  if (h.grid.align != b->info.block_align)
    return Corrupt("plane alignment " + std::to_string(h.grid.align) + " does not match codec " +
                   b->info.name);
  if (((caps & FTC_CAP_QUALITY) != 0) != (h.quality != 0))
    return Corrupt(std::string("quality ") + std::to_string(h.quality) + " is invalid for codec " +
                   b->info.name);
  if (h.max_error != 0 && !(caps & FTC_CAP_NEAR_LOSSLESS))
    return Corrupt(std::string("codec ") + b->info.name + " has no near-lossless mode");
  if ((caps & FTC_CAP_VIDEO) && h.version != kStreamForm)
    return Corrupt(std::string("codec ") + b->info.name + " is coded in the stream form only");
  *out = b;
  return Status::Ok();
}

}  // namespace ftc

// The public settings structs, validated once and turned into what the encoders and decoders use; and the
// choice of the backend that decodes a header.
#ifndef FTC_API_SETTINGS_H
#define FTC_API_SETTINGS_H

#include <cstdint>
#include <string>

#include "backends/backend.h"
#include "container/container.h"
#include "quant/quantizer.h"

namespace ftc {

struct EncoderConfig {
  const Backend* backend = nullptr;
  std::string options;
  CodingParams params;
  ClipSpec clip;
  bool per_channel = false;
  int threads = 1;
  bool lossless = false;
  uint64_t target_bytes = 0;
};

struct StreamConfig {
  uint32_t gop = 30;
  ftc_stream_range range = FTC_STREAM_RANGE_FIRST;
  bool calibrated = false;        // FIXED with ranges computed in advance (from a calibration tensor)
  QuantParams calibration;        // when calibrated
  TensorShape calibration_shape;  // its C, H and W must be the frames'
};

inline constexpr uint32_t kDefaultGop = 30;

// Validates `s` and picks its backend.
Status MakeEncoderConfig(const ftc_encoder_settings& s, EncoderConfig* out);

// Validates `s` (NULL: the defaults) for `config`; a calibration tensor is read now.
Status MakeStreamConfig(const ftc_stream_settings* s, const EncoderConfig& config, StreamConfig* out);

// The stream ftc_encode codes a batch `view` as when the settings name no stream: the default interval and
// the range of the whole batch, fixed.
Status BatchStreamConfig(const EncoderConfig& config, const TensorView& view, StreamConfig* out);

// The backend (`implementation`, or the first that fits when it is empty or "auto") that decodes `h`, after
// checking the header's fields against it.
Status PickDecoder(const Header& h, const std::string& implementation, const Backend** out);

}  // namespace ftc

#endif  // FTC_API_SETTINGS_H

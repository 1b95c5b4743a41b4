// `h264` encoded by x264: greyscale 4:0:0 in the High profile (High 4:4:4 Predictive when lossless, QP 0),
// tuned for low delay and PSNR (x264's zerolatency and psnr tunes: no B-frames, no lookahead, no psychovisual
// optimisation, which spends bits on what eyes see rather than on the squared error features care about).
// Key frames are IDR frames with the parameter sets in front of them, asked for by the shared layer; x264
// makes none of its own (no scene cuts, an infinite interval). The packets are x264's Annex B NAL units
// without its SEI (the first one holds x264's version and option string, some 600 bytes no decoder needs).
//
// Options: preset=ultrafast..placebo (x264's presets; default medium), threads=N (sliced threads; default 1,
// which keeps the output the same on every machine), and x264's own options by its names (x264_param_parse:
// trellis=0, subme=9, ref=1, 8x8dct=0, ...), applied over the preset, except those ftc sets itself.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

extern "C" {
#include <x264.h>
}

#include "backends/backend.h"
#include "backends/video.h"

namespace ftc {
namespace {

constexpr char kTune[] = "zerolatency,psnr";

struct X264State {
  std::string preset = "medium";
  int threads = 1;
  LibraryOptions library_options;
  x264_t* encoder = nullptr;
  x264_picture_t picture{};
  bool picture_allocated = false;
  int64_t pts = 0;
  uint32_t width = 0, height = 0;

  ~X264State() {
    if (picture_allocated) x264_picture_clean(&picture);
    if (encoder) x264_encoder_close(encoder);
  }
};

bool IsPreset(const std::string& name) {
  for (const char* const* p = x264_preset_names; *p; ++p)
    if (name == *p) return true;
  return false;
}

// What ftc sets itself, which x264's own options may not change: the picture's shape, format and timing,
// the frame types, lookahead, rate control, threads, headers and SEI, interlacing, logging.
// clang-format off
constexpr const char* kFtcsOwn[] = {
    "preset", "tune", "profile", "threads", "sliced-threads", "lookahead-threads", "sync-lookahead",
    "bframes", "b-adapt", "b-pyramid", "b-bias", "keyint", "min-keyint", "scenecut", "intra-refresh",
    "rc-lookahead", "qp", "crf", "crf-max", "bitrate", "vbv-maxrate", "vbv-bufsize", "vbv-init", "pass",
    "stats", "input-csp", "input-res", "input-depth", "fps", "timebase", "annexb", "repeat-headers", "log",
    "psnr", "ssim", "dump-yuv", "opencl", "opencl-clbin", "opencl-device", "open-gop", "interlaced", "tff",
    "bff", "fake-interlaced", "pulldown", "frame-packing", "bluray-compat", "avcintra-class",
    "avcintra-flavor", "stitchable", "aud", "nal-hrd", "filler", "force-cfr"};
// clang-format on

Status X264Create(const Options& options, void** state) {
  auto s = std::make_unique<X264State>();
  if (options.Get("preset", &s->preset) && !IsPreset(s->preset))
    return InvalidArgument("x264: preset=" + s->preset +
                           " is not one of x264's presets (ultrafast .. placebo)");
  FTC_RETURN_IF_ERROR(options.GetInt("threads", 1, 64, &s->threads));
  x264_param_t scratch;
  if (x264_param_default_preset(&scratch, s->preset.c_str(), kTune) < 0)
    return InvalidArgument("x264: unknown preset " + s->preset);
  FTC_RETURN_IF_ERROR(PassThroughOptions(
      options, "x264", kFtcsOwn,
      [&](const char* name, const char* value) { return x264_param_parse(&scratch, name, value); },
      X264_PARAM_BAD_NAME, &s->library_options));
  *state = s.release();
  return Status::Ok();
}

void X264Destroy(void* state) {
  delete static_cast<X264State*>(state);
}

Status X264BeginEncode(void* state, uint32_t width, uint32_t height, const CodingParams& params,
                       const StreamParams& stream, std::vector<uint8_t>* settings) {
  auto* s = static_cast<X264State*>(state);
  if (s->encoder) return {FTC_ERROR_INTERNAL, "x264: the stream has already begun"};
  x264_param_t p;
  if (x264_param_default_preset(&p, s->preset.c_str(), kTune) < 0)
    return InvalidArgument("x264: unknown preset " + s->preset);
  for (const auto& [name, value] : s->library_options) x264_param_parse(&p, name.c_str(), value.c_str());
  p.i_log_level = X264_LOG_NONE;
  p.i_csp = X264_CSP_I400;
  p.i_width = static_cast<int>(width);
  p.i_height = static_cast<int>(height);
  p.i_threads = s->threads;
  p.b_sliced_threads = 1;
  p.i_fps_num = kFramesPerSecond;
  p.i_fps_den = 1;
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
  p.i_scenecut_threshold = 0;
  p.i_bframe = 0;
  p.rc.i_lookahead = 0;
  p.b_repeat_headers = 1;
  p.b_annexb = 1;
  if (stream.lossless) {
    p.rc.i_rc_method = X264_RC_CQP;
    p.rc.i_qp_constant = 0;  // x264 then codes losslessly, in High 4:4:4 Predictive
  } else if (stream.frame_bytes > 0) {
    // Average bitrate at the budget (kbit/s equals bytes per frame at kFramesPerSecond); the VBV keeps a
    // window of one key-frame interval within it.
    const uint64_t kbps = std::min<uint64_t>(stream.frame_bytes * 8 * kFramesPerSecond / 1000, INT32_MAX);
    p.rc.i_rc_method = X264_RC_ABR;
    p.rc.i_bitrate = static_cast<int>(kbps);
    p.rc.i_vbv_max_bitrate = static_cast<int>(kbps);
    p.rc.i_vbv_buffer_size = static_cast<int>(
        std::min<uint64_t>(std::max<uint64_t>(kbps * stream.gop / kFramesPerSecond, 1), INT32_MAX));
  } else {
    p.rc.i_rc_method = X264_RC_CQP;
    p.rc.i_qp_constant = QpOfQuality(params.quality);
  }
  s->encoder = x264_encoder_open(&p);
  if (s->encoder == nullptr) return BackendError("x264: cannot open the encoder with these settings");
  if (x264_picture_alloc(&s->picture, X264_CSP_I400, p.i_width, p.i_height) < 0)
    return {FTC_ERROR_OUT_OF_MEMORY, "x264: cannot allocate a picture"};
  s->picture_allocated = true;
  s->width = width;
  s->height = height;
  settings->clear();
  return Status::Ok();
}

Status X264EncodeFrame(void* state, const PlaneView& plane, bool key, std::vector<uint8_t>* packet) {
  auto* s = static_cast<X264State*>(state);
  x264_image_t& img = s->picture.img;
  for (uint32_t y = 0; y < s->height; ++y)
    std::memcpy(img.plane[0] + static_cast<size_t>(y) * img.i_stride[0],
                plane.data + static_cast<size_t>(y) * plane.width, plane.width);
  s->picture.i_type = key ? X264_TYPE_IDR : X264_TYPE_P;
  s->picture.i_pts = s->pts++;
  x264_nal_t* nals = nullptr;
  int count = 0;
  x264_picture_t out;
  const int size = x264_encoder_encode(s->encoder, &nals, &count, &s->picture, &out);
  if (size < 0) return BackendError("x264: encoding failed");
  if (size == 0 || out.b_keyframe != key)
    return {FTC_ERROR_INTERNAL, "x264 did not code the frame at once as the frame type asked for"};
  packet->clear();
  for (int i = 0; i < count; ++i)
    if (nals[i].i_type != NAL_SEI)
      packet->insert(packet->end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
  return Status::Ok();
}

}  // namespace

extern const Backend kX264Backend = {
    {"h264", kBackendH264, FTC_CAP_ENCODE | FTC_CAP_QUALITY | FTC_CAP_VIDEO | FTC_CAP_LOSSLESS_MODE,
     kH264Align, "x264 " X264_POINTVER,
     "H.264 4:0:0 High by x264, low delay; lossless in High 4:4:4 Predictive; options preset=, threads=, and "
     "x264's own by name",
     "x264"},
    true,
    X264Create,
    nullptr,
    nullptr,
    X264Destroy,
    X264BeginEncode,
    X264EncodeFrame,
    nullptr,
    nullptr};

}  // namespace ftc

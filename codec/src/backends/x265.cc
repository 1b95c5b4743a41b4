// `hevc` encoded by x265: greyscale 4:0:0 (Main profile family), low delay (x265's zerolatency tune: no
// B-frames, no lookahead) and PSNR-oriented (no psychovisual rate-distortion, no adaptive quantisation), one
// thread (no thread pool: the output is the same on every machine). Key frames are closed-GOP IDR frames with
// VPS, SPS and PPS in front of them, asked for by the shared layer; x265 makes none of its own. x265 writes
// no SEI (its version SEI and HRD SEI are off). Lossless with StreamParams::lossless (transquant bypass).
//
// The coding tree unit is 32×32 for every stream: x265 requires one size per process, and a picture of at
// least one unit, which the format's 32-pixel plane alignment guarantees.
//
// Options: preset=ultrafast..placebo (x265's presets; default medium), and x265's own options by its names
// (x265_param_parse: rd=6, rdoq-level=0, tu-intra-depth=4, ...), applied over the preset, except those ftc
// sets itself.
#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include <x265.h>

#include "backends/backend.h"
#include "backends/video.h"

namespace ftc {
namespace {

constexpr char kTune[] = "zerolatency";

struct X265State {
  std::string preset = "medium";
  LibraryOptions library_options;
  x265_param* param = nullptr;
  x265_encoder* encoder = nullptr;
  x265_picture* picture = nullptr;
  int64_t pts = 0;

  ~X265State() {
    if (encoder) x265_encoder_close(encoder);
    if (picture) x265_picture_free(picture);
    if (param) x265_param_free(param);
  }
};

bool IsPreset(const std::string& name) {
  for (const char* const* p = x265_preset_names; *p; ++p)
    if (name == *p) return true;
  return false;
}

// What ftc sets itself, which x265's own options may not change: the picture's shape, format and timing,
// the frame types, lookahead, rate control, threads, headers and SEI, interlacing, logging.
// clang-format off
constexpr const char* kFtcsOwn[] = {
    "preset", "tune", "profile", "pools", "numa-pools", "frame-threads", "lookahead-slices",
    "lookahead-threads", "bframes", "b-adapt", "b-pyramid", "keyint", "min-keyint", "scenecut",
    "scenecut-bias", "hist-scenecut", "radl", "open-gop", "rc-lookahead", "qp", "crf", "crf-max", "crf-min",
    "bitrate", "vbv-maxrate", "vbv-bufsize", "vbv-init", "lossless", "pass", "stats", "input-csp",
    "input-res", "input-depth", "output-depth", "fps", "annexb", "repeat-headers", "log-level", "psnr",
    "ssim", "info", "hrd", "hash", "csv", "csv-log-level", "interlace", "field", "ctu", "aud", "eos",
    "temporal-layers", "dolby-vision-profile", "uhd-bd", "idr-recovery-sei", "frame-dup", "recon",
    "recon-depth", "analysis-save", "analysis-load", "dup-threshold", "max-ausize-factor"};
// clang-format on

Status X265Create(const Options& options, void** state) {
  auto s = std::make_unique<X265State>();
  if (options.Get("preset", &s->preset) && !IsPreset(s->preset))
    return InvalidArgument("x265: preset=" + s->preset +
                           " is not one of x265's presets (ultrafast .. placebo)");
  std::unique_ptr<x265_param, void (*)(x265_param*)> scratch(x265_param_alloc(), x265_param_free);
  if (!scratch) return {FTC_ERROR_OUT_OF_MEMORY, "x265: out of memory"};
  if (x265_param_default_preset(scratch.get(), s->preset.c_str(), kTune) < 0)
    return InvalidArgument("x265: unknown preset " + s->preset);
  FTC_RETURN_IF_ERROR(PassThroughOptions(
      options, "x265", kFtcsOwn,
      [&](const char* name, const char* value) { return x265_param_parse(scratch.get(), name, value); },
      X265_PARAM_BAD_NAME, &s->library_options));
  *state = s.release();
  return Status::Ok();
}

void X265Destroy(void* state) {
  delete static_cast<X265State*>(state);
}

Status X265BeginEncode(void* state, uint32_t width, uint32_t height, const CodingParams& params,
                       const StreamParams& stream, std::vector<uint8_t>* settings) {
  auto* s = static_cast<X265State*>(state);
  if (s->encoder) return {FTC_ERROR_INTERNAL, "x265: the stream has already begun"};
  s->param = x265_param_alloc();
  s->picture = x265_picture_alloc();
  if (s->param == nullptr || s->picture == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "x265: out of memory"};
  x265_param* p = s->param;
  if (x265_param_default_preset(p, s->preset.c_str(), kTune) < 0)
    return InvalidArgument("x265: unknown preset " + s->preset);
  for (const auto& [name, value] : s->library_options) x265_param_parse(p, name.c_str(), value.c_str());
  p->logLevel = X265_LOG_NONE;
  p->internalCsp = X265_CSP_I400;
  p->sourceWidth = static_cast<int>(width);
  p->sourceHeight = static_cast<int>(height);
  p->fpsNum = kFramesPerSecond;
  p->fpsDenom = 1;
  p->numaPools = "none";
  p->frameNumThreads = 1;
  p->lookaheadSlices = 0;
  p->maxCUSize = kHevcAlign;
  p->keyframeMax = -1;  // only the key frames the shared layer asks for
  p->keyframeMin = 0;
  p->scenecutThreshold = 0;
  p->bOpenGOP = 0;
  p->bframes = 0;
  p->lookaheadDepth = 0;
  p->bRepeatHeaders = 1;
  p->bAnnexB = 1;
  p->bEmitInfoSEI = 0;
  p->bEmitHRDSEI = 0;
  p->psyRd = 0;
  p->psyRdoq = 0;
  p->rc.aqMode = X265_AQ_NONE;
  p->rc.aqStrength = 0;
  if (stream.lossless) {
    p->bLossless = 1;
  } else if (stream.frame_bytes > 0) {
    const uint64_t kbps = std::min<uint64_t>(stream.frame_bytes * 8 * kFramesPerSecond / 1000, INT_MAX);
    p->rc.rateControlMode = X265_RC_ABR;
    p->rc.bitrate = static_cast<int>(kbps);
    p->rc.vbvMaxBitrate = static_cast<int>(kbps);
    p->rc.vbvBufferSize = static_cast<int>(
        std::min<uint64_t>(std::max<uint64_t>(kbps * stream.gop / kFramesPerSecond, 1), INT_MAX));
  } else {
    p->rc.rateControlMode = X265_RC_CQP;
    p->rc.qp = QpOfQuality(params.quality);
  }
  s->encoder = x265_encoder_open(p);
  if (s->encoder == nullptr) return BackendError("x265: cannot open the encoder with these settings");
  x265_picture_init(p, s->picture);
  settings->clear();
  return Status::Ok();
}

Status X265EncodeFrame(void* state, const PlaneView& plane, bool key, std::vector<uint8_t>* packet) {
  auto* s = static_cast<X265State*>(state);
  x265_picture* in = s->picture;
  in->planes[0] = const_cast<uint8_t*>(plane.data);  // x265 only reads the input
  in->stride[0] = static_cast<int>(plane.width);
  in->colorSpace = X265_CSP_I400;
  in->bitDepth = 8;
  in->sliceType = key ? X265_TYPE_IDR : X265_TYPE_P;
  in->pts = s->pts++;
  x265_nal* nals = nullptr;
  uint32_t count = 0;
  x265_picture out;
  const int made = x265_encoder_encode(s->encoder, &nals, &count, in, &out);
  if (made < 0) return BackendError("x265: encoding failed");
  if (made != 1 || (out.sliceType == X265_TYPE_IDR) != key)
    return {FTC_ERROR_INTERNAL, "x265 did not code the frame at once as the frame type asked for"};
  packet->clear();
  for (uint32_t i = 0; i < count; ++i)
    packet->insert(packet->end(), nals[i].payload, nals[i].payload + nals[i].sizeBytes);
  return Status::Ok();
}

}  // namespace

extern const Backend kX265Backend = {
    {"hevc", kBackendHevc, FTC_CAP_ENCODE | FTC_CAP_QUALITY | FTC_CAP_VIDEO | FTC_CAP_LOSSLESS_MODE,
     kHevcAlign, "x265 " FTC_X265_VERSION,
     "HEVC 4:0:0 by x265, low delay; lossless with transquant bypass; options preset=, and x265's own by "
     "name",
     "x265"},
    true,
    X265Create,
    nullptr,
    nullptr,
    X265Destroy,
    X265BeginEncode,
    X265EncodeFrame,
    nullptr,
    nullptr};

}  // namespace ftc

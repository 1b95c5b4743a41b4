// `h264` encoded and decoded by OpenH264, the codec mobile apps ship. Its encoder takes 4:2:0 only, so the
// chroma planes carry the constant 128, which costs a few bits per macroblock; its decoder also reads the
// 4:0:0 High profile streams of x264 (but not x264's lossless High 4:4:4 Predictive, which it rejects).
//
// Encoder: real-time camera mode, one spatial and one temporal layer, CABAC, no frame skipping, no
// scene-change detection or background/denoise/adaptive-quantisation preprocessing (they optimise for eyes,
// or insert key frames the shared layer did not ask for); key frames are IDR frames with their parameter
// sets, forced by the shared layer. Constant QP (rate control off) unless a byte budget asks for its bitrate
// mode. Never below QP 20: OpenH264 writes a frame into a buffer of about one byte per pixel, and noise-like
// planes overflow it from QP 12 down (measured on uniform noise: 8.0 bits per pixel at QP 14 with CABAC, 6.3
// at QP 20), which 2.3.1 answers with an error or, for some sizes, a heap corruption. docs/VIDEO.md. Decoder:
// error concealment off, so that damage is an error rather than a guess. OpenH264 holds back one picture of a
// stream that is not in the Baseline profile (for reordering, which these streams never need); FlushFrame
// hands it over at once.
//
// Options: complexity=low|medium|high (OpenH264's speed/quality trade-off; default medium).
#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include <wels/codec_api.h>

#include "backends/backend.h"
#include "backends/video.h"

namespace ftc {
namespace {

constexpr int kOpenh264MinQp = 20;
// OpenH264's rate control takes at most 60 frames per second (it clamps higher rates, and the bits per frame
// with them), so it is told 50: a budget of B bytes per frame is B · 8 · 50 bit/s.
constexpr int kOpenh264FramesPerSecond = 50;

struct Openh264State {
  ECOMPLEXITY_MODE complexity = MEDIUM_COMPLEXITY;
  ISVCEncoder* encoder = nullptr;
  ISVCDecoder* decoder = nullptr;
  std::vector<uint8_t> yuv;  // the encoder's I420 input: the plane, then two chroma planes of 128
  uint32_t width = 0, height = 0;
  long long timestamp = 0;

  void CloseDecoder() {
    if (decoder == nullptr) return;
    decoder->Uninitialize();
    WelsDestroyDecoder(decoder);
    decoder = nullptr;
  }
  ~Openh264State() {
    if (encoder) {
      encoder->Uninitialize();
      WelsDestroySVCEncoder(encoder);
    }
    CloseDecoder();
  }
};

Status Openh264Create(const Options& options, void** state) {
  auto s = std::make_unique<Openh264State>();
  std::string complexity;
  if (options.Get("complexity", &complexity)) {
    if (complexity == "low") {
      s->complexity = LOW_COMPLEXITY;
    } else if (complexity == "medium") {
      s->complexity = MEDIUM_COMPLEXITY;
    } else if (complexity == "high") {
      s->complexity = HIGH_COMPLEXITY;
    } else {
      return InvalidArgument("openh264: complexity=" + complexity + " is not one of low, medium, high");
    }
  }
  *state = s.release();
  return Status::Ok();
}

void Openh264Destroy(void* state) {
  delete static_cast<Openh264State*>(state);
}

Status Openh264BeginEncode(void* state, uint32_t width, uint32_t height, const CodingParams& params,
                           const StreamParams& stream, std::vector<uint8_t>* settings) {
  auto* s = static_cast<Openh264State*>(state);
  if (s->encoder) return {FTC_ERROR_INTERNAL, "openh264: the stream has already begun"};
  if (stream.lossless) return InvalidArgument("openh264 has no lossless mode");
  if (WelsCreateSVCEncoder(&s->encoder) != 0 || s->encoder == nullptr)
    return BackendError("openh264: cannot create an encoder");
  int quiet = WELS_LOG_QUIET;
  s->encoder->SetOption(ENCODER_OPTION_TRACE_LEVEL, &quiet);
  SEncParamExt p;
  s->encoder->GetDefaultParams(&p);
  p.iUsageType = CAMERA_VIDEO_REAL_TIME;
  p.iPicWidth = static_cast<int>(width);
  p.iPicHeight = static_cast<int>(height);
  p.fMaxFrameRate = kOpenh264FramesPerSecond;
  p.iSpatialLayerNum = 1;
  p.iTemporalLayerNum = 1;
  p.iComplexityMode = s->complexity;
  p.uiIntraPeriod = 0;
  p.eSpsPpsIdStrategy = CONSTANT_ID;
  p.iEntropyCodingModeFlag = 1;
  p.bEnableFrameSkip = false;
  p.iMultipleThreadIdc = 1;
  p.bEnableAdaptiveQuant = false;
  p.bEnableBackgroundDetection = false;
  p.bEnableDenoise = false;
  p.bEnableSceneChangeDetect = false;
  p.bEnableLongTermReference = false;
  SSpatialLayerConfig& layer = p.sSpatialLayers[0];
  layer.iVideoWidth = p.iPicWidth;
  layer.iVideoHeight = p.iPicHeight;
  layer.fFrameRate = p.fMaxFrameRate;
  layer.sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
  if (stream.frame_bytes > 0) {
    const int bits_per_second =
        static_cast<int>(std::min<uint64_t>(stream.frame_bytes * 8 * kOpenh264FramesPerSecond, INT_MAX));
    p.iRCMode = RC_BITRATE_MODE;
    p.iMinQp = kOpenh264MinQp;
    p.iMaxQp = kMaxQp;
    p.iTargetBitrate = bits_per_second;
    layer.iSpatialBitrate = bits_per_second;
    layer.iMaxSpatialBitrate = bits_per_second;
  } else {
    const int qp = std::max(QpOfQuality(params.quality), kOpenh264MinQp);
    p.iRCMode = RC_OFF_MODE;
    p.iMinQp = qp;
    p.iMaxQp = qp;
    layer.iDLayerQp = qp;
  }
  if (s->encoder->InitializeExt(&p) != 0)
    return BackendError("openh264: cannot open the encoder with these settings");
  int format = videoFormatI420;
  s->encoder->SetOption(ENCODER_OPTION_DATAFORMAT, &format);
  const size_t luma = static_cast<size_t>(width) * height;
  s->yuv.assign(luma + 2 * (luma / 4), 128);
  s->width = width;
  s->height = height;
  settings->clear();
  return Status::Ok();
}

Status Openh264EncodeFrame(void* state, const PlaneView& plane, bool key, std::vector<uint8_t>* packet) {
  auto* s = static_cast<Openh264State*>(state);
  const size_t luma = static_cast<size_t>(s->width) * s->height;
  std::memcpy(s->yuv.data(), plane.data, luma);
  SSourcePicture picture{};
  picture.iColorFormat = videoFormatI420;
  picture.iPicWidth = static_cast<int>(s->width);
  picture.iPicHeight = static_cast<int>(s->height);
  picture.iStride[0] = picture.iPicWidth;
  picture.iStride[1] = picture.iStride[2] = picture.iPicWidth / 2;
  picture.pData[0] = s->yuv.data();
  picture.pData[1] = s->yuv.data() + luma;
  picture.pData[2] = s->yuv.data() + luma + luma / 4;
  picture.uiTimeStamp = s->timestamp++;
  if (key && s->encoder->ForceIntraFrame(true) != 0)
    return BackendError("openh264: cannot force a key frame");
  SFrameBSInfo info{};
  const int result = s->encoder->EncodeFrame(&picture, &info);
  if (result != cmResultSuccess)
    return BackendError("openh264: encoding failed (error " + std::to_string(result) + ")");
  if ((info.eFrameType == videoFrameTypeIDR) != key || info.eFrameType == videoFrameTypeSkip)
    return {FTC_ERROR_INTERNAL, "openh264 did not code the frame as the frame type asked for"};
  packet->clear();
  for (int l = 0; l < info.iLayerNum; ++l) {
    const SLayerBSInfo& layer = info.sLayerInfo[l];
    size_t size = 0;
    for (int n = 0; n < layer.iNalCount; ++n) size += static_cast<size_t>(layer.pNalLengthInByte[n]);
    packet->insert(packet->end(), layer.pBsBuf, layer.pBsBuf + size);
  }
  return Status::Ok();
}

Status Openh264BeginDecode(void* state, uint32_t, uint32_t, std::span<const uint8_t> settings,
                           const CodingParams&) {
  auto* s = static_cast<Openh264State*>(state);
  if (!settings.empty()) return Corrupt("h264: unexpected backend settings");
  s->CloseDecoder();
  if (WelsCreateDecoder(&s->decoder) != 0 || s->decoder == nullptr)
    return BackendError("openh264: cannot create a decoder");
  int quiet = WELS_LOG_QUIET;
  s->decoder->SetOption(DECODER_OPTION_TRACE_LEVEL, &quiet);
  SDecodingParam p{};
  p.eEcActiveIdc = ERROR_CON_DISABLE;
  p.sVideoProperty.eVideoBsType = VIDEO_BITSTREAM_AVC;
  if (s->decoder->Initialize(&p) != cmResultSuccess) return BackendError("openh264: cannot open the decoder");
  return Status::Ok();
}

Status Openh264DecodeFrame(void* state, std::span<const uint8_t> packet, bool key, MutablePlane plane) {
  auto* s = static_cast<Openh264State*>(state);
  FTC_RETURN_IF_ERROR(CheckAnnexB(NalSyntax::kH264, packet, key));
  if (packet.size() > INT_MAX) return LimitExceeded("openh264: packet too large");
  unsigned char* planes[3] = {};
  SBufferInfo info{};
  DECODING_STATE result =
      s->decoder->DecodeFrameNoDelay(packet.data(), static_cast<int>(packet.size()), planes, &info);
  if (result == dsErrorFree && info.iBufferStatus != 1) result = s->decoder->FlushFrame(planes, &info);
  if (result != dsErrorFree || info.iBufferStatus != 1 || planes[0] == nullptr)
    return Corrupt("openh264: the packet does not decode to a picture (state " + std::to_string(result) +
                   ")");
  const SSysMEMBuffer& picture = info.UsrData.sSystemBuffer;
  if (picture.iWidth != static_cast<int>(plane.width) || picture.iHeight != static_cast<int>(plane.height))
    return Corrupt("openh264: a " + std::to_string(picture.iWidth) + "x" + std::to_string(picture.iHeight) +
                   " picture where the stream has " + std::to_string(plane.width) + "x" +
                   std::to_string(plane.height));
  for (uint32_t y = 0; y < plane.height; ++y)
    std::memcpy(plane.data + static_cast<size_t>(y) * plane.width,
                planes[0] + static_cast<size_t>(y) * picture.iStride[0], plane.width);
  return Status::Ok();
}

}  // namespace

extern const Backend kOpenh264Backend = {
    {"h264", kBackendH264, FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_QUALITY | FTC_CAP_VIDEO, kH264Align,
     "OpenH264 " FTC_OPENH264_VERSION,
     "H.264 by OpenH264 (4:2:0, constant chroma), low delay; option complexity=", "openh264"},
    true,
    Openh264Create,
    nullptr,
    nullptr,
    Openh264Destroy,
    Openh264BeginEncode,
    Openh264EncodeFrame,
    Openh264BeginDecode,
    Openh264DecodeFrame};

}  // namespace ftc

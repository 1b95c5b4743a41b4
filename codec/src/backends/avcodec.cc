// `h264` and `hevc` decoded by libavcodec (FFmpeg's native decoders): two table entries, one implementation.
//
// The decoder runs one thread (frame threads would delay output by a frame each) with
// AV_CODEC_FLAG_LOW_DELAY, so that every packet gives its picture at once, and with AV_EF_EXPLODE and the
// careful checks, so that a damaged packet is an error rather than a concealed picture. max_pixels bounds
// what a hostile parameter set can make it allocate to the plane the container announced. Its log goes
// nowhere (log_level_offset).
#include <cstring>
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>
}

#include "backends/backend.h"
#include "backends/video.h"

namespace ftc {
namespace {

// Added to the level of the decoder's log messages: every one ends beyond AV_LOG_TRACE, the most verbose
// level.
constexpr int kSilent = 100;

// max_pixels is checked against libavcodec's buffers, whose width is padded to its stride alignment and whose
// height can be doubled for field pictures: this much room over the plane's area.
constexpr int64_t kPixelSlack = 4;

struct AvcodecState {
  AVCodecID codec = AV_CODEC_ID_NONE;
  NalSyntax syntax = NalSyntax::kH264;
  AVCodecContext* context = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;

  ~AvcodecState() {
    avcodec_free_context(&context);
    av_packet_free(&packet);
    av_frame_free(&frame);
  }
};

Status Create(AVCodecID codec, NalSyntax syntax, void** state) {
  auto s = std::make_unique<AvcodecState>();
  s->codec = codec;
  s->syntax = syntax;
  s->packet = av_packet_alloc();
  s->frame = av_frame_alloc();
  if (s->packet == nullptr || s->frame == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "avcodec: out of memory"};
  *state = s.release();
  return Status::Ok();
}

Status CreateH264(const Options&, void** state) {
  return Create(AV_CODEC_ID_H264, NalSyntax::kH264, state);
}
Status CreateHevc(const Options&, void** state) {
  return Create(AV_CODEC_ID_HEVC, NalSyntax::kHevc, state);
}

void AvcodecDestroy(void* state) {
  delete static_cast<AvcodecState*>(state);
}

Status AvcodecBeginDecode(void* state, uint32_t width, uint32_t height, std::span<const uint8_t> settings,
                          const CodingParams&) {
  auto* s = static_cast<AvcodecState*>(state);
  if (!settings.empty()) return Corrupt("avcodec: unexpected backend settings");
  avcodec_free_context(&s->context);
  const AVCodec* codec = avcodec_find_decoder(s->codec);
  if (codec == nullptr) return Unsupported("avcodec: this libavcodec has no decoder for the format");
  s->context = avcodec_alloc_context3(codec);
  if (s->context == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "avcodec: out of memory"};
  AVCodecContext* c = s->context;
  c->thread_count = 1;
  c->flags |= AV_CODEC_FLAG_LOW_DELAY;
  c->err_recognition = AV_EF_CRCCHECK | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_EXPLODE | AV_EF_CAREFUL;
  c->max_pixels = kPixelSlack * static_cast<int64_t>(width) * height;
  c->log_level_offset = kSilent;
  if (avcodec_open2(c, codec, nullptr) < 0) return BackendError("avcodec: cannot open the decoder");
  return Status::Ok();
}

// An 8-bit picture whose first plane is luma: what either encoder's streams decode to (4:0:0 comes out as
// GRAY8 or with neutral chroma, depending on the libavcodec build).
bool HasEightBitLuma(const AVFrame& f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
  return d != nullptr &&
         !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL |
                       AV_PIX_FMT_FLAG_BITSTREAM)) &&
         d->comp[0].plane == 0 && d->comp[0].depth == 8 && d->comp[0].step == 1 && d->comp[0].offset == 0;
}

Status AvcodecDecodeFrame(void* state, std::span<const uint8_t> packet, bool key, MutablePlane plane) {
  auto* s = static_cast<AvcodecState*>(state);
  FTC_RETURN_IF_ERROR(CheckAnnexB(s->syntax, packet, key));
  if (packet.size() > INT32_MAX) return LimitExceeded("avcodec: packet too large");
  if (av_new_packet(s->packet, static_cast<int>(packet.size())) < 0)
    return {FTC_ERROR_OUT_OF_MEMORY, "avcodec: out of memory"};
  std::memcpy(s->packet->data, packet.data(), packet.size());  // av_new_packet zeroes the padding after it
  const int sent = avcodec_send_packet(s->context, s->packet);
  av_packet_unref(s->packet);
  if (sent < 0) return Corrupt("avcodec: the packet does not decode");
  const int received = avcodec_receive_frame(s->context, s->frame);
  if (received < 0) return Corrupt("avcodec: the packet does not decode to a picture");
  const AVFrame& f = *s->frame;
  Status result = Status::Ok();
  if (f.width != static_cast<int>(plane.width) || f.height != static_cast<int>(plane.height)) {
    result = Corrupt("avcodec: a " + std::to_string(f.width) + "x" + std::to_string(f.height) +
                     " picture where the stream has " + std::to_string(plane.width) + "x" +
                     std::to_string(plane.height));
  } else if (f.decode_error_flags != 0 || (f.flags & AV_FRAME_FLAG_CORRUPT)) {
    result = Corrupt("avcodec: the picture is damaged");
  } else if (!HasEightBitLuma(f)) {
    result = Corrupt(std::string("avcodec: a picture in ") +
                     av_get_pix_fmt_name(static_cast<AVPixelFormat>(f.format)));
  } else {
    for (uint32_t y = 0; y < plane.height; ++y)
      std::memcpy(plane.data + static_cast<size_t>(y) * plane.width,
                  f.data[0] + static_cast<ptrdiff_t>(y) * f.linesize[0], plane.width);
  }
  av_frame_unref(s->frame);
  FTC_RETURN_IF_ERROR(result);
  if (avcodec_receive_frame(s->context, s->frame) != AVERROR(EAGAIN)) {
    av_frame_unref(s->frame);
    return Corrupt("avcodec: the packet holds more than one picture");
  }
  return Status::Ok();
}

// One entry per format; they differ in the format and its alignment.
constexpr Backend Entry(const char* format, uint32_t id, uint32_t align,
                        Status (*create)(const Options&, void**), const char* description) {
  return {{format, id, FTC_CAP_DECODE | FTC_CAP_QUALITY | FTC_CAP_VIDEO, align,
           "libavcodec " AV_STRINGIFY(LIBAVCODEC_VERSION), description, "avcodec"},
          true,
          create,
          nullptr,
          nullptr,
          AvcodecDestroy,
          nullptr,
          nullptr,
          AvcodecBeginDecode,
          AvcodecDecodeFrame};
}

}  // namespace

extern const Backend kAvcodecH264Backend =
    Entry("h264", kBackendH264, kH264Align, CreateH264, "H.264 decoded by libavcodec");
extern const Backend kAvcodecHevcBackend =
    Entry("hevc", kBackendHevc, kHevcAlign, CreateHevc, "HEVC decoded by libavcodec");

}  // namespace ftc

// Streams: the stream encoder and decoder, and the C API around them (ftc_stream_*).
#include "api/stream.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "api/handle.h"

namespace ftc {
namespace {

// Bytes a packet adds to its payload: the length (two bytes for payloads up to 16 KiB), flags and CRC. Rate
// control aims the payload at what is left of the budget.
constexpr uint64_t kPacketOverhead = 2 + 1 + kCrcBytes;

}  // namespace

StreamEncoder::StreamEncoder(const EncoderConfig& config, const StreamConfig& stream, BackendClock* clock)
    : config_(config), stream_(stream), clock_(clock) {}

Status StreamEncoder::CheckFrame(const TensorView& frame, uint32_t rank) const {
  if (header_bytes_.empty()) {
    const TensorShape& c = stream_.calibration_shape;
    if (stream_.calibrated && (c.c != frame.shape.c || c.h != frame.shape.h || c.w != frame.shape.w))
      return InvalidArgument("the frames' C×H×W differs from the calibration tensor's");
    return Status::Ok();
  }
  const TensorShape& s = header_.shape;
  if (frame.dtype != header_.dtype || rank != header_.rank || frame.shape.c != s.c || frame.shape.h != s.h ||
      frame.shape.w != s.w)
    return InvalidArgument("a frame differs from the stream's first frame in rank, shape or dtype");
  return Status::Ok();
}

// The clip ranges for `frame`: those in force, or new ones at the stream's start and, in keyframe mode, at
// every key frame. Checks the frame for NaN and Inf either way.
Status StreamEncoder::RangesOf(const TensorView& frame, bool key, QuantParams* q) const {
  const bool fresh = header_bytes_.empty() || (stream_.range == FTC_STREAM_RANGE_KEYFRAME && key);
  if (!fresh) {
    *q = quant_;
    return CheckFinite(frame);
  }
  if (stream_.calibrated) {
    *q = stream_.calibration;
    return CheckFinite(frame);
  }
  return ComputeQuantParams(frame, config_.params.bits, config_.clip, config_.per_channel, q);
}

Status StreamEncoder::Start(const TensorView& frame, uint32_t rank, const QuantParams& q) {
  const Backend* b = config_.backend;
  Header h;
  h.version = kStreamForm;
  h.dtype = frame.dtype;
  h.rank = rank;
  h.shape = frame.shape;
  h.backend_id = b->info.id;
  h.quality = (b->info.capabilities & FTC_CAP_QUALITY) ? config_.params.quality : 0;
  h.max_error = config_.params.max_error;
  h.quant = q;
  h.ranges_per_key_frame = stream_.range == FTC_STREAM_RANGE_KEYFRAME;
  // Ranges recomputed later must stay representable: key packets carry them as f32.
  if (h.ranges_per_key_frame) h.quant.half_precision = false;
  FTC_RETURN_IF_ERROR(ChooseGrid(frame.shape, b->info.block_align, &h.grid, MinPlaneWidth(b->info.id)));
  StreamParams sp;
  sp.gop = stream_.gop;
  sp.lossless = config_.lossless;
  if (config_.target_bytes > 0)
    sp.frame_bytes = config_.target_bytes > kPacketOverhead ? config_.target_bytes - kPacketOverhead : 1;
  CodingParams params = config_.params;
  params.tile_width = h.grid.tile_w;
  params.tile_height = h.grid.tile_h;
  FTC_RETURN_IF_ERROR(TimeOn(
      clock_, [&] { return coder_.Begin(b, config_.options, h.grid.width, h.grid.height, params, sp); }));
  h.gop = coder_.predicts() ? stream_.gop : 1;
  header_ = std::move(h);
  plane_.resize(header_.grid.area());
  return Status::Ok();
}

Status StreamEncoder::Encode(const TensorView& view, uint64_t item, uint32_t rank,
                             std::vector<uint8_t>* out) {
  FTC_RETURN_IF_ERROR(failed_);
  const TensorView frame = ItemView(view, item);
  FTC_RETURN_IF_ERROR(CheckFrame(frame, rank));
  const bool started = !header_bytes_.empty();
  const bool key = !started || !coder_.predicts() || frames_ % header_.gop == 0;
  QuantParams q;
  FTC_RETURN_IF_ERROR(RangesOf(frame, key, &q));
  // From here on a failure leaves the stream in an unknown state.
  const size_t appended_at = out->size();
  failed_ = Guarded([&]() -> Status {
    if (!started) FTC_RETURN_IF_ERROR(Start(frame, rank, q));
    const PixelMap map(q.levels(), config_.backend->spread_levels);
    QuantizeToPlane(frame, 0, q, header_.grid, map, plane_.data());
    FTC_RETURN_IF_ERROR(TimeOn(clock_, [&] {
      return coder_.Encode({plane_.data(), header_.grid.width, header_.grid.height}, key, &payload_);
    }));
    if (payload_.empty()) return {FTC_ERROR_INTERNAL, "the backend wrote an empty packet"};
    if (!started) {
      header_.backend_settings = coder_.settings();
      WriteStreamHeader(header_, &header_bytes_);
      out->insert(out->end(), header_bytes_.begin(), header_bytes_.end());
    }
    WritePacket(header_, key, q, payload_, out);
    return Status::Ok();
  });
  if (!failed_.ok()) {
    out->resize(appended_at);
    return failed_;
  }
  quant_ = std::move(q);
  ++frames_;
  return Status::Ok();
}

Status StreamDecoder::Start(const Header& h) {
  started_ = false;
  need_key_ = true;
  FTC_RETURN_IF_ERROR(PickDecoder(h, implementation_, &backend_));
  header_ = h;
  quant_ = h.quant;
  plane_.resize(h.grid.area());
  started_ = true;
  return Status::Ok();
}

Status StreamDecoder::DecodePlane(const Packet& p) {
  if (need_key_ && !p.key)
    return {FTC_ERROR_NEED_KEY_FRAME, "skipped a packet: decoding resumes at a key frame"};
  const Header& h = header_;
  const CodingParams params{h.quality, h.quant.bits, h.max_error, h.grid.tile_w, h.grid.tile_h};
  const MutablePlane plane{plane_.data(), h.grid.width, h.grid.height};
  Status s = Guarded([&]() -> Status {
    if (need_key_)
      FTC_RETURN_IF_ERROR(TimeOn(clock_, [&] {
        return coder_.Begin(backend_, plane.width, plane.height, h.backend_settings, params);
      }));
    return TimeOn(clock_, [&] { return coder_.Decode(p.payload, p.key, plane); });
  });
  if (!s.ok()) {
    need_key_ = true;
    return s;
  }
  need_key_ = false;
  if (h.ranges_per_key_frame && p.key) {
    quant_.lo = p.lo;
    quant_.hi = p.hi;
  }
  return Status::Ok();
}

Status StreamDecoder::Decode(const Packet& p, void* values, uint64_t item) {
  FTC_RETURN_IF_ERROR(DecodePlane(p));
  const Header& h = header_;
  const PixelMap map(quant_.levels(), backend_->spread_levels);
  const TensorShape shape{item + 1, h.shape.c, h.shape.h, h.shape.w};
  PlaneToTensor(plane_.data(), h.grid, quant_, map, item, shape, h.dtype, values);
  return Status::Ok();
}

}  // namespace ftc

struct ftc_stream_encoder {
  std::unique_ptr<ftc::StreamEncoder> stream;
  std::string error;
};

struct ftc_stream_decoder {
  std::unique_ptr<ftc::StreamDecoder> stream;
  std::string error;
};

namespace ftc {
namespace {

thread_local std::string create_error;

Status StreamEncode(ftc_stream_encoder* e, const ftc_tensor* frame, ftc_buffer* out) {
  if (frame == nullptr) return InvalidArgument("frame is NULL");
  TensorView view;
  FTC_RETURN_IF_ERROR(ViewTensor(*frame, &view));
  if (view.shape.n != 1)
    return InvalidArgument("a stream frame is C×H×W or 1×C×H×W, not a batch of " +
                           std::to_string(view.shape.n));
  std::vector<uint8_t> bytes;
  FTC_RETURN_IF_ERROR(e->stream->Encode(view, 0, frame->rank, &bytes));
  return ToBuffer(bytes, out);
}

// A decoded frame: one item of the header's dtype, shaped as the encoder's frames were.
Status NewFrame(const Header& h, ftc_tensor* out) {
  const uint64_t elements = h.shape.c * h.shape.h * h.shape.w;
  out->data = std::malloc(elements * ftc_dtype_size(h.dtype));
  if (out->data == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  out->dtype = h.dtype;
  out->rank = h.rank;
  const uint64_t dims[4] = {1, h.shape.c, h.shape.h, h.shape.w};
  for (uint32_t i = 0; i < h.rank; ++i) out->shape[i] = dims[4 - h.rank + i];
  return Status::Ok();
}

Status DecodeChunk(StreamDecoder& d, std::span<const uint8_t> chunk, ftc_tensor* out) {
  if (StartsWithMagic(chunk)) {
    Header h;
    size_t size = 0;
    FTC_RETURN_IF_ERROR(ParseStreamHeader(chunk, d.max_elements(), &h, &size));
    FTC_RETURN_IF_ERROR(d.Start(h));
    chunk = chunk.subspan(size);
    if (chunk.empty()) return Status::Ok();
  } else if (!d.started()) {
    return Corrupt("the stream has no header yet: the first chunk must begin with one");
  }
  Packet p;
  FTC_RETURN_IF_ERROR(ParsePacket(d.header(), chunk, &p));
  if (p.size != chunk.size())
    return Corrupt(std::to_string(chunk.size() - p.size) + " bytes after the end of the packet");
  ftc_tensor frame{};
  FTC_RETURN_IF_ERROR(NewFrame(d.header(), &frame));
  Status s = d.Decode(p, frame.data, 0);
  if (!s.ok()) {
    ftc_tensor_free(&frame);
    return s;
  }
  *out = frame;
  return Status::Ok();
}

}  // namespace
}  // namespace ftc

extern "C" {

void ftc_stream_default_settings(ftc_stream_settings* s) {
  if (s == nullptr) return;
  *s = {};
  s->gop = static_cast<int>(ftc::kDefaultGop);
  s->range = FTC_STREAM_RANGE_FIRST;
  s->calibration = nullptr;
}

ftc_result ftc_stream_encoder_create(const ftc_encoder_settings* settings, const ftc_stream_settings* stream,
                                     ftc_stream_encoder** encoder, const char** message) {
  using namespace ftc;
  if (message) *message = "";
  if (encoder == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *encoder = nullptr;
  const ftc_result r = Guard(&create_error, [&]() -> Status {
    if (settings == nullptr) return InvalidArgument("settings is NULL");
    EncoderConfig config;
    FTC_RETURN_IF_ERROR(MakeEncoderConfig(*settings, &config));
    if (config.target_bytes > 0 && !(config.backend->info.capabilities & FTC_CAP_VIDEO))
      return Unsupported(std::string("target_bytes in a stream needs a video codec's rate control; ") +
                         config.backend->info.name + " has none (ftc_encode meets it for every frame alone)");
    StreamConfig sc;
    FTC_RETURN_IF_ERROR(MakeStreamConfig(stream, config, &sc));
    // Reject unknown backend options now, not at the first frame.
    BackendState probe;
    FTC_RETURN_IF_ERROR(probe.Create(config.backend, config.options));
    auto e = std::make_unique<ftc_stream_encoder>();
    e->stream = std::make_unique<StreamEncoder>(config, sc);
    *encoder = e.release();
    return Status::Ok();
  });
  if (message) *message = create_error.c_str();
  return r;
}

void ftc_stream_encoder_destroy(ftc_stream_encoder* encoder) {
  delete encoder;
}

const char* ftc_stream_encoder_last_error(const ftc_stream_encoder* encoder) {
  return encoder ? encoder->error.c_str() : "encoder is NULL";
}

ftc_result ftc_stream_encode(ftc_stream_encoder* encoder, const ftc_tensor* frame, ftc_buffer* out) {
  if (encoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&encoder->error, [&] { return ftc::StreamEncode(encoder, frame, out); });
}

ftc_result ftc_stream_encoder_header(ftc_stream_encoder* encoder, ftc_buffer* out) {
  if (encoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&encoder->error, [&]() -> ftc::Status {
    const std::vector<uint8_t>& header = encoder->stream->header();
    if (header.empty()) return ftc::InvalidArgument("the stream header exists once the first frame is coded");
    return ftc::ToBuffer(header, out);
  });
}

ftc_result ftc_stream_decoder_create(const ftc_decoder_settings* settings, ftc_stream_decoder** decoder,
                                     const char** message) {
  using namespace ftc;
  if (message) *message = "";
  if (decoder == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *decoder = nullptr;
  const ftc_result r = Guard(&create_error, [&]() -> Status {
    ftc_decoder_settings s;
    ftc_decoder_default_settings(&s);
    if (settings) s = *settings;
    const uint64_t max =
        (s.max_elements == 0 || s.max_elements > FTC_MAX_ELEMENTS) ? FTC_MAX_ELEMENTS : s.max_elements;
    auto d = std::make_unique<ftc_stream_decoder>();
    d->stream = std::make_unique<StreamDecoder>(s.implementation ? s.implementation : "", max);
    *decoder = d.release();
    return Status::Ok();
  });
  if (message) *message = create_error.c_str();
  return r;
}

void ftc_stream_decoder_destroy(ftc_stream_decoder* decoder) {
  delete decoder;
}

const char* ftc_stream_decoder_last_error(const ftc_stream_decoder* decoder) {
  return decoder ? decoder->error.c_str() : "decoder is NULL";
}

ftc_result ftc_stream_decode(ftc_stream_decoder* decoder, const uint8_t* chunk, size_t size,
                             ftc_tensor* out) {
  if (decoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&decoder->error, [&]() -> ftc::Status {
    if (chunk == nullptr && size != 0) return ftc::InvalidArgument("chunk is NULL");
    ftc::StreamDecoder& d = *decoder->stream;
    ftc::Status s = ftc::Guarded([&] { return ftc::DecodeChunk(d, {chunk, size}, out); });
    if (!s.ok() && s.code() != FTC_ERROR_NEED_KEY_FRAME) d.Lose();
    return s;
  });
}

}  // extern "C"

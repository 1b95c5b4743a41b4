// The decoder: container -> backend -> untile + dequantise (fused) -> tensor. Files in the single form decode
// their items in parallel, files in the stream form frame after frame.
#include "api/decoder.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "api/handle.h"
#include "api/settings.h"
#include "api/stream.h"
#include "common/parallel.h"
#include "container/container.h"
#include "mosaic/mosaic.h"

struct ftc_decoder {
  ftc::BackendStates states;
  int threads = 1;
  ftc::BackendClock clock;  // time inside backend calls (ftc_decoder_stats)
  uint64_t max_elements = FTC_MAX_ELEMENTS;
  std::string implementation;
  std::string error;
  std::vector<float> info_lo, info_hi;  // storage behind ftc_info's arrays
};

namespace ftc {
namespace {

thread_local std::string create_error;

bool IsStream(const Parsed& p) { return p.header.version == kStreamForm; }

CodingParams ParamsOf(const Header& h) {
  return {h.quality, h.quant.bits, h.max_error, h.grid.tile_w, h.grid.tile_h};
}

// Band `band` of item `item` (single form) into its rows of `plane`, with worker `worker`'s backend state.
Status DecodeBand(ftc_decoder* d, const Parsed& p, size_t item, uint32_t band, int worker, uint8_t* plane) {
  const Header& h = p.header;
  const BandRows rows = Band(h.grid, band);
  return d->clock.Time([&] {
    return d->states.backend()->decode(d->states.at(worker), h.backend_settings,
                                       p.payloads[item * h.grid.bands + band], ParamsOf(h),
                                       {plane + size_t{rows.top} * h.grid.width, h.grid.width, rows.rows});
  });
}

// Every band of item `item` (single form), in parallel.
Status DecodePlane(ftc_decoder* d, const Parsed& p, size_t item, uint8_t* plane) {
  const uint32_t bands = p.header.grid.bands;
  const int workers = static_cast<int>(std::min<size_t>(bands, static_cast<size_t>(d->threads)));
  FTC_RETURN_IF_ERROR(d->states.Prepare(static_cast<size_t>(workers)));
  std::vector<Status> results(bands);
  ParallelFor(bands, workers, [&](size_t band, int worker) {
    results[band] =
        Guarded([&] { return DecodeBand(d, p, item, static_cast<uint32_t>(band), worker, plane); });
  });
  for (const Status& s : results) FTC_RETURN_IF_ERROR(s);
  return Status::Ok();
}

Status DecodeItems(ftc_decoder* d, const Parsed& p, void* values) {
  const Header& h = p.header;
  const size_t items = h.shape.n;
  const PixelMap map(h.quant.levels(), d->states.backend()->spread_levels);
  if (h.grid.bands > 1) {  // item after item, its bands in parallel, then untiled on every thread
    FTC_RETURN_IF_ERROR(d->states.Prepare(1));
    for (size_t i = 0; i < items; ++i) {
      uint8_t* plane = d->states.plane(0, h.grid.area());
      FTC_RETURN_IF_ERROR(DecodePlane(d, p, i, plane));
      PlaneToTensor(plane, h.grid, h.quant, map, i, h.shape, h.dtype, values, d->threads);
    }
    return Status::Ok();
  }
  const int workers = static_cast<int>(std::min<size_t>(items, static_cast<size_t>(d->threads)));
  const int threads_per_item = d->threads / std::max(workers, 1);  // a batch smaller than the thread count splits its items
  FTC_RETURN_IF_ERROR(d->states.Prepare(static_cast<size_t>(workers)));
  std::vector<Status> results(items);
  ParallelFor(items, workers, [&](size_t i, int worker) {
    results[i] = Guarded([&]() -> Status {
      uint8_t* plane = d->states.plane(worker, h.grid.area());
      FTC_RETURN_IF_ERROR(DecodeBand(d, p, i, 0, worker, plane));
      PlaneToTensor(plane, h.grid, h.quant, map, i, h.shape, h.dtype, values, threads_per_item);
      return Status::Ok();
    });
  });
  for (const Status& s : results) FTC_RETURN_IF_ERROR(s);
  return Status::Ok();
}

Status DecodeFrames(ftc_decoder* d, const Parsed& p, void* values) {
  StreamDecoder stream(d->implementation, d->max_elements, &d->clock);
  FTC_RETURN_IF_ERROR(stream.Start(p.header));
  for (size_t i = 0; i < p.packets.size(); ++i) FTC_RETURN_IF_ERROR(stream.Decode(p.packets[i], values, i));
  return Status::Ok();
}

Status Decode(ftc_decoder* d, const uint8_t* data, size_t size, ftc_tensor* out) {
  Parsed p;
  FTC_RETURN_IF_ERROR(OpenFile(d, data, size, &p));
  const Header& h = p.header;
  void* values = std::malloc(h.shape.elements() * ftc_dtype_size(h.dtype));
  if (values == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  const Status s = IsStream(p) ? DecodeFrames(d, p, values) : DecodeItems(d, p, values);
  if (!s.ok()) {
    std::free(values);
    return s;
  }
  out->dtype = h.dtype;
  out->rank = h.rank;
  const uint64_t dims[4] = {h.shape.n, h.shape.c, h.shape.h, h.shape.w};
  for (uint32_t i = 0; i < h.rank; ++i) out->shape[i] = dims[4 - h.rank + i];
  out->data = values;
  return Status::Ok();
}

// The plane of stream frame `index`: decoded from the key frame before it.
Status StreamPlane(ftc_decoder* d, const Parsed& p, uint64_t index, uint8_t* plane) {
  uint64_t first = index;
  while (!p.packets[first].key) --first;  // packet 0 is a key frame
  StreamDecoder stream(d->implementation, d->max_elements, &d->clock);
  FTC_RETURN_IF_ERROR(stream.Start(p.header));
  for (uint64_t i = first; i <= index; ++i) FTC_RETURN_IF_ERROR(stream.DecodePlane(p.packets[i]));
  std::memcpy(plane, stream.plane().data(), p.header.grid.area());
  return Status::Ok();
}

Status DecodeMosaic(ftc_decoder* d, const uint8_t* data, size_t size, uint64_t index, ftc_plane* out) {
  Parsed p;
  FTC_RETURN_IF_ERROR(OpenFile(d, data, size, &p));
  if (index >= p.header.shape.n)
    return InvalidArgument("batch index " + std::to_string(index) + " is out of range");
  const MosaicGrid& g = p.header.grid;
  uint8_t* plane = static_cast<uint8_t*>(std::malloc(g.area()));
  if (plane == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  Status s = IsStream(p) ? StreamPlane(d, p, index, plane) : DecodePlane(d, p, index, plane);
  if (!s.ok()) {
    std::free(plane);
    return s;
  }
  *out = {plane, g.width, g.height};
  return Status::Ok();
}

Status Info(ftc_decoder* d, const uint8_t* data, size_t size, ftc_info* info) {
  if (data == nullptr && size != 0) return InvalidArgument("data is NULL");
  Parsed p;
  FTC_RETURN_IF_ERROR(ParseFile({data, size}, d->max_elements, &p));
  const Header& h = p.header;
  const Backend* b = FindBackendById(h.backend_id, "", 0);
  *info = {};
  info->format_version = h.version;
  info->dtype = h.dtype;
  info->rank = h.rank;
  const uint64_t dims[4] = {h.shape.n, h.shape.c, h.shape.h, h.shape.w};
  for (uint32_t i = 0; i < h.rank; ++i) info->shape[i] = dims[4 - h.rank + i];
  info->codec = b ? b->info.name : "unknown";
  info->codec_id = h.backend_id;
  info->quality = h.quality;
  info->bits = h.quant.bits;
  info->clip = h.quant.clip.mode;
  info->sigma_k = h.quant.clip.mode == FTC_CLIP_SIGMA ? h.quant.clip.sigma_k : 0.0;
  info->per_channel = h.quant.per_channel;
  d->info_lo = h.quant.lo;
  d->info_hi = h.quant.hi;
  info->clip_count = static_cast<uint32_t>(d->info_lo.size());
  info->clip_lo = d->info_lo.data();
  info->clip_hi = d->info_hi.data();
  info->max_error = h.max_error;
  info->tile_rows = h.grid.rows;
  info->tile_cols = h.grid.cols;
  info->plane_width = h.grid.width;
  info->plane_height = h.grid.height;
  info->header_bytes = p.header_bytes;
  info->payload_bytes = p.payload_bytes;
  info->total_bytes = size;
  info->bits_per_element = 8.0 * static_cast<double>(size) / static_cast<double>(h.shape.elements());
  info->gop = h.gop;
  info->key_frames = h.shape.n;
  if (IsStream(p)) {
    info->key_frames = 0;
    for (const Packet& packet : p.packets) info->key_frames += packet.key;
  }
  info->ranges_per_key_frame = h.ranges_per_key_frame;
  info->bands = h.grid.bands;
  return Status::Ok();
}

}  // namespace

Status OpenFile(ftc_decoder* d, const uint8_t* data, size_t size, Parsed* parsed) {
  if (data == nullptr && size != 0) return InvalidArgument("data is NULL");
  FTC_RETURN_IF_ERROR(ParseFile({data, size}, d->max_elements, parsed));
  const Backend* b = nullptr;
  FTC_RETURN_IF_ERROR(PickDecoder(parsed->header, d->implementation, &b));
  if (d->states.backend() != b) d->states.Reset(b, "");
  return Status::Ok();
}

Status DecodePlanes(
    ftc_decoder* d, const Parsed& p,
    const std::function<Status(uint64_t item, const uint8_t* plane, const QuantParams& q)>& take) {
  const Header& h = p.header;
  if (IsStream(p)) {
    StreamDecoder stream(d->implementation, d->max_elements, &d->clock);
    FTC_RETURN_IF_ERROR(stream.Start(h));
    for (size_t i = 0; i < p.packets.size(); ++i) {
      FTC_RETURN_IF_ERROR(stream.DecodePlane(p.packets[i]));
      FTC_RETURN_IF_ERROR(take(i, stream.plane().data(), stream.quant()));
    }
    return Status::Ok();
  }
  std::vector<uint8_t> plane(h.grid.area());
  for (uint64_t i = 0; i < h.shape.n; ++i) {
    FTC_RETURN_IF_ERROR(DecodePlane(d, p, i, plane.data()));
    FTC_RETURN_IF_ERROR(take(i, plane.data(), h.quant));
  }
  return Status::Ok();
}

}  // namespace ftc

extern "C" {

void ftc_decoder_default_settings(ftc_decoder_settings* s) {
  if (s == nullptr) return;
  *s = {};
}

ftc_result ftc_decoder_create(const ftc_decoder_settings* settings, ftc_decoder** decoder, const char** message) {
  using namespace ftc;
  if (message) *message = "";
  if (decoder == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *decoder = nullptr;
  ftc_result r = Guard(&create_error, [&]() -> Status {
    ftc_decoder_settings s;
    ftc_decoder_default_settings(&s);
    if (settings) s = *settings;
    if (s.threads < 0) return InvalidArgument("threads must be >= 0");
    auto d = std::make_unique<ftc_decoder>();
    d->threads = ResolveThreads(s.threads);
    d->max_elements = (s.max_elements == 0 || s.max_elements > FTC_MAX_ELEMENTS) ? FTC_MAX_ELEMENTS : s.max_elements;
    d->implementation = s.implementation ? s.implementation : "";
    *decoder = d.release();
    return Status::Ok();
  });
  if (message) *message = create_error.c_str();
  return r;
}

void ftc_decoder_destroy(ftc_decoder* decoder) { delete decoder; }

const char* ftc_decoder_last_error(const ftc_decoder* decoder) {
  return decoder ? decoder->error.c_str() : "decoder is NULL";
}

ftc_result ftc_decode(ftc_decoder* decoder, const uint8_t* data, size_t size, ftc_tensor* out) {
  if (decoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&decoder->error, [&] { return ftc::Decode(decoder, data, size, out); });
}

ftc_result ftc_decode_mosaic(ftc_decoder* decoder, const uint8_t* data, size_t size, uint64_t index,
                             ftc_plane* out) {
  if (decoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&decoder->error, [&] { return ftc::DecodeMosaic(decoder, data, size, index, out); });
}

ftc_result ftc_decoder_info(ftc_decoder* decoder, const uint8_t* data, size_t size, ftc_info* info) {
  if (decoder == nullptr || info == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  return ftc::Guard(&decoder->error, [&] { return ftc::Info(decoder, data, size, info); });
}

ftc_result ftc_decoder_stats(const ftc_decoder* decoder, ftc_backend_stats* stats) {
  if (decoder == nullptr || stats == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *stats = decoder->clock.Read();
  return FTC_OK;
}

}  // extern "C"

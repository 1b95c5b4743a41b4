// The encoder: statistics -> quantise + tile (fused) -> backend -> container. Image codecs code each batch item
// on its own (format version 1), video codecs the batch as the frames of one stream (format version 2).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/encoder.h"
#include "api/handle.h"
#include "api/settings.h"
#include "api/stream.h"
#include "common/parallel.h"
#include "container/container.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"

struct ftc_encoder {
  ftc::EncoderConfig config;
  std::optional<ftc::StreamConfig> stream;  // from the settings, for video codecs
  ftc::BackendStates states;                // image codecs, one per worker
  int threads = 1;
  ftc::BackendClock clock;  // time inside backend calls (ftc_encoder_stats)
  std::string error;
  // Working memory kept between calls (as the planes in `states`): the items' payloads and the file.
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<uint8_t> file;
};

namespace ftc {
namespace {

thread_local std::string create_error;

// Codes the whole tensor at one quality into a complete file.
using FileCoder = std::function<Status(int quality, std::vector<uint8_t>* file)>;

bool IsVideo(const ftc_encoder* e) { return e->config.backend->info.capabilities & FTC_CAP_VIDEO; }

Status Quantise(ftc_encoder* e, const ftc_tensor* tensor, TensorView* view, Header* h) {
  if (tensor == nullptr) return InvalidArgument("tensor is NULL");
  FTC_RETURN_IF_ERROR(ViewTensor(*tensor, view));
  const Backend* b = e->config.backend;
  h->dtype = view->dtype;
  h->rank = tensor->rank;
  h->shape = view->shape;
  h->backend_id = b->info.id;
  h->quality = (b->info.capabilities & FTC_CAP_QUALITY) ? e->config.params.quality : 0;
  h->max_error = e->config.params.max_error;
  FTC_RETURN_IF_ERROR(
      ComputeQuantParams(*view, e->config.params.bits, e->config.clip, e->config.per_channel, &h->quant, e->threads));
  FTC_RETURN_IF_ERROR(ChooseGrid(view->shape, b->info.block_align, &h->grid, MinPlaneWidth(b->info.id)));
  h->grid.bands = ChooseBands(h->grid);
  h->version = h->grid.bands > 1 ? kBandedForm : kSingleForm;
  return Status::Ok();
}

// Format versions 1 and 3: every item coded on its own, in parallel, and the bands of a large item too.
FileCoder SingleFormCoder(ftc_encoder* e, const TensorView& view, const Header& header) {
  return [e, view, header](int quality, std::vector<uint8_t>* file) -> Status {
    const Backend* b = e->config.backend;
    Header h = header;
    if (h.quality != 0) h.quality = quality;
    CodingParams params = e->config.params;
    params.quality = quality;
    params.tile_width = h.grid.tile_w;
    params.tile_height = h.grid.tile_h;
    const PixelMap map(h.quant.levels(), b->spread_levels);
    const size_t items = view.shape.n, bands = h.grid.bands, units = items * bands;
    std::vector<std::vector<uint8_t>>& payloads = e->payloads;
    if (payloads.size() < units) payloads.resize(units);
    std::vector<std::vector<uint8_t>> settings(units);
    std::vector<Status> results(units);
    const auto code_band = [&](size_t i, size_t band, int worker, const uint8_t* plane) {
      const size_t u = i * bands + band;
      const BandRows rows = Band(h.grid, static_cast<uint32_t>(band));
      results[u] = Guarded([&] {
        return e->clock.Time([&] {
          return b->encode(e->states.at(worker),
                           {plane + size_t{rows.top} * h.grid.width, h.grid.width, rows.rows}, params,
                           &settings[u], &payloads[u]);
        });
      });
    };
    if (bands == 1) {  // items in parallel; a batch smaller than the thread count splits its items' tiling
      const int workers = static_cast<int>(std::min<size_t>(items, static_cast<size_t>(e->threads)));
      FTC_RETURN_IF_ERROR(e->states.Prepare(static_cast<size_t>(workers)));
      ParallelFor(items, workers, [&](size_t i, int worker) {
        uint8_t* plane = nullptr;
        results[i] = Guarded([&] {
          plane = e->states.plane(worker, h.grid.area());
          QuantizeToPlane(view, i, h.quant, h.grid, map, plane, e->threads / workers);
          return Status::Ok();
        });
        if (results[i].ok()) code_band(i, 0, worker, plane);
      });
    } else {  // item after item, each tiled on every thread, then its bands in parallel
      const int workers = static_cast<int>(std::min<size_t>(bands, static_cast<size_t>(e->threads)));
      FTC_RETURN_IF_ERROR(e->states.Prepare(static_cast<size_t>(workers)));
      for (size_t i = 0; i < items; ++i) {
        uint8_t* plane = e->states.plane(0, h.grid.area());
        QuantizeToPlane(view, i, h.quant, h.grid, map, plane, e->threads);
        ParallelFor(bands, workers, [&](size_t band, int worker) { code_band(i, band, worker, plane); });
      }
    }
    for (const Status& s : results) FTC_RETURN_IF_ERROR(s);
    for (const auto& s : settings)
      if (s != settings[0] || s.size() > 255)
        return {FTC_ERROR_INTERNAL, std::string("backend ") + b->info.name + " wrote inconsistent settings"};
    h.backend_settings = settings[0];
    file->clear();
    WriteFile(h, {payloads.data(), units}, file);
    return Status::Ok();
  };
}

// Format version 2: the items as the frames of one stream, at a constant quality.
FileCoder StreamFormCoder(ftc_encoder* e, const TensorView& view, uint32_t rank, const StreamConfig& stream) {
  return [e, view, rank, stream](int quality, std::vector<uint8_t>* file) -> Status {
    EncoderConfig config = e->config;
    config.params.quality = quality;
    config.target_bytes = 0;
    StreamEncoder encoder(config, stream, &e->clock);
    file->clear();
    for (uint64_t i = 0; i < view.shape.n; ++i) FTC_RETURN_IF_ERROR(encoder.Encode(view, i, rank, file));
    return Status::Ok();
  };
}

// The largest file of at most `budget` bytes over the qualities 1..100. Size grows with quality only roughly
// (JPEG's tables and the video codecs' decisions make it jump back a little here and there), so a binary
// search finds where the budget is crossed and the qualities around that point are all tried.
Status SearchQuality(const FileCoder& code, uint64_t budget, uint64_t frames, std::vector<uint8_t>* best) {
  constexpr int kBelow = 2, kAbove = 4;  // the neighbourhood tried around the crossing
  std::map<int, uint64_t> sizes;
  std::vector<uint8_t> file;
  bool found = false;
  const auto probe = [&](int quality) -> Status {
    if (quality < 1 || quality > 100 || sizes.count(quality)) return Status::Ok();
    FTC_RETURN_IF_ERROR(code(quality, &file));
    sizes[quality] = file.size();
    if (file.size() <= budget && (!found || file.size() >= best->size())) {
      *best = file;
      found = true;
    }
    return Status::Ok();
  };
  FTC_RETURN_IF_ERROR(probe(1));
  if (sizes[1] > budget)
    return LimitExceeded("target_bytes cannot be met: " + std::to_string(budget / frames) + " bytes per frame (" +
                         std::to_string(budget) + " in all) is less than the " + std::to_string(sizes[1]) +
                         " bytes the lowest quality gives");
  int fits = 1, over = 101;  // sizes[fits] <= budget; quality `over` (101: none tried) is above it
  while (over - fits > 1) {
    const int mid = (fits + over) / 2;
    FTC_RETURN_IF_ERROR(probe(mid));
    (sizes[mid] <= budget ? fits : over) = mid;
  }
  for (int q = fits - kBelow; q <= fits + kAbove; ++q) FTC_RETURN_IF_ERROR(probe(q));
  return Status::Ok();
}

Status Encode(ftc_encoder* e, const ftc_tensor* tensor, ftc_buffer* out) {
  TensorView view;
  FileCoder code;
  if (IsVideo(e)) {
    if (tensor == nullptr) return InvalidArgument("tensor is NULL");
    FTC_RETURN_IF_ERROR(ViewTensor(*tensor, &view));
    StreamConfig stream;
    if (e->stream) {
      stream = *e->stream;
    } else {
      FTC_RETURN_IF_ERROR(BatchStreamConfig(e->config, view, &stream));
    }
    code = StreamFormCoder(e, view, tensor->rank, stream);
  } else {
    Header h;
    FTC_RETURN_IF_ERROR(Quantise(e, tensor, &view, &h));
    code = SingleFormCoder(e, view, h);
  }
  std::vector<uint8_t>& file = e->file;
  if (e->config.target_bytes > 0) {
    const uint64_t frames = view.shape.n;
    if (e->config.target_bytes > UINT64_MAX / frames) return InvalidArgument("target_bytes is too large");
    FTC_RETURN_IF_ERROR(SearchQuality(code, e->config.target_bytes * frames, frames, &file));
  } else {
    FTC_RETURN_IF_ERROR(code(e->config.params.quality, &file));
  }
  return ToBuffer(file, out);
}

Status Mosaic(ftc_encoder* e, const ftc_tensor* tensor, uint64_t index, ftc_plane* out) {
  TensorView view;
  Header h;
  FTC_RETURN_IF_ERROR(Quantise(e, tensor, &view, &h));
  if (index >= view.shape.n) return InvalidArgument("batch index " + std::to_string(index) + " is out of range");
  const PixelMap map(h.quant.levels(), e->config.backend->spread_levels);
  out->data = static_cast<uint8_t*>(std::malloc(h.grid.area()));
  if (out->data == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  QuantizeToPlane(view, index, h.quant, h.grid, map, out->data, e->threads);
  out->width = h.grid.width;
  out->height = h.grid.height;
  return Status::Ok();
}

}  // namespace

const EncoderConfig& ConfigOf(const ftc_encoder* encoder) { return encoder->config; }

}  // namespace ftc

extern "C" {

void ftc_encoder_default_settings(ftc_encoder_settings* s) {
  if (s == nullptr) return;
  *s = {};
  s->codec = "jpeg";
  s->quality = 90;
  s->bits = 8;
  s->clip = FTC_CLIP_SIGMA;
  s->sigma_k = 3.0;
  s->per_channel = 0;
  s->max_error = 0;
  s->options = nullptr;
  s->threads = 0;
  s->implementation = nullptr;
  s->lossless = 0;
  s->target_bytes = 0;
  s->stream = nullptr;
}

ftc_result ftc_encoder_create(const ftc_encoder_settings* settings, ftc_encoder** encoder, const char** message) {
  using namespace ftc;
  if (message) *message = "";
  if (encoder == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *encoder = nullptr;
  ftc_result r = Guard(&create_error, [&]() -> Status {
    if (settings == nullptr) return InvalidArgument("settings is NULL");
    auto e = std::make_unique<ftc_encoder>();
    FTC_RETURN_IF_ERROR(MakeEncoderConfig(*settings, &e->config));
    if (settings->stream != nullptr && IsVideo(e.get())) {
      StreamConfig stream;
      FTC_RETURN_IF_ERROR(MakeStreamConfig(settings->stream, e->config, &stream));
      e->stream = std::move(stream);
    }
    e->states.Reset(e->config.backend, e->config.options);
    FTC_RETURN_IF_ERROR(e->states.Prepare(1));  // rejects unknown backend options now, not at the first encode
    e->threads = ResolveThreads(settings->threads);
    *encoder = e.release();
    return Status::Ok();
  });
  if (message) *message = create_error.c_str();
  return r;
}

void ftc_encoder_destroy(ftc_encoder* encoder) { delete encoder; }

const char* ftc_encoder_last_error(const ftc_encoder* encoder) {
  return encoder ? encoder->error.c_str() : "encoder is NULL";
}

ftc_result ftc_encode(ftc_encoder* encoder, const ftc_tensor* tensor, ftc_buffer* out) {
  if (encoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&encoder->error, [&] { return ftc::Encode(encoder, tensor, out); });
}

ftc_result ftc_encoder_mosaic(ftc_encoder* encoder, const ftc_tensor* tensor, uint64_t index, ftc_plane* out) {
  if (encoder == nullptr || out == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *out = {};
  return ftc::Guard(&encoder->error, [&] { return ftc::Mosaic(encoder, tensor, index, out); });
}

ftc_result ftc_encoder_stats(const ftc_encoder* encoder, ftc_backend_stats* stats) {
  if (encoder == nullptr || stats == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *stats = encoder->clock.Read();
  return FTC_OK;
}

}  // extern "C"

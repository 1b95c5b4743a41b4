// The encoder: statistics -> quantise + tile (fused) -> backend -> container.
#include <cstring>
#include <string>
#include <vector>

#include "api/handle.h"
#include "common/parallel.h"
#include "container/container.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"

struct ftc_encoder {
  ftc::BackendStates states;
  ftc::CodingParams params;
  ftc::ClipSpec clip;
  bool per_channel = false;
  int threads = 1;
  std::string error;
};

namespace ftc {
namespace {

thread_local std::string create_error;

const Backend* PickBackend(const char* name, int max_error, std::string* error) {
  if (name == nullptr || std::strcmp(name, "auto") == 0) {
    for (const Backend* b : Backends()) {
      const uint32_t caps = b->info.capabilities;
      if ((caps & FTC_CAP_ENCODE) && (max_error == 0 || (caps & FTC_CAP_NEAR_LOSSLESS))) return b;
    }
    *error = "no built backend can encode with these settings";
    return nullptr;
  }
  const Backend* b = FindBackend(name);
  if (b == nullptr) {
    *error = std::string("unknown or unbuilt codec '") + name + "' (built:";
    for (const Backend* x : Backends()) *error += std::string(" ") + x->info.name;
    *error += ")";
  }
  return b;
}

Status Validate(const ftc_encoder_settings& s, const Backend** backend) {
  std::string error;
  *backend = PickBackend(s.codec, s.max_error, &error);
  if (*backend == nullptr) return Unsupported(error);
  const uint32_t caps = (*backend)->info.capabilities;
  if (!(caps & FTC_CAP_ENCODE)) return Unsupported(std::string("backend ") + s.codec + " cannot encode");
  if (s.quality < 1 || s.quality > 100) return InvalidArgument("quality must be in 1..100, not " + std::to_string(s.quality));
  if (s.bits < 1 || s.bits > 8) return InvalidArgument("bits must be in 1..8, not " + std::to_string(s.bits));
  if (s.max_error < 0 || s.max_error > 255)
    return InvalidArgument("max_error must be in 0..255, not " + std::to_string(s.max_error));
  if (s.max_error > 0 && !(caps & FTC_CAP_NEAR_LOSSLESS))
    return InvalidArgument(std::string("backend ") + (*backend)->info.name + " has no near-lossless mode (max_error)");
  if (s.threads < 0) return InvalidArgument("threads must be >= 0");
  ClipSpec clip{s.clip, s.sigma_k, s.range_lo, s.range_hi};
  return ValidateClip(clip);
}

Status Quantise(ftc_encoder* e, const ftc_tensor* tensor, TensorView* view, Header* h) {
  if (tensor == nullptr) return InvalidArgument("tensor is NULL");
  FTC_RETURN_IF_ERROR(ViewTensor(*tensor, view));
  const Backend* b = e->states.backend();
  h->dtype = view->dtype;
  h->rank = tensor->rank;
  h->shape = view->shape;
  h->backend_id = b->info.id;
  h->quality = (b->info.capabilities & FTC_CAP_QUALITY) ? e->params.quality : 0;
  h->max_error = e->params.max_error;
  FTC_RETURN_IF_ERROR(ComputeQuantParams(*view, e->params.bits, e->clip, e->per_channel, &h->quant));
  return ChooseGrid(view->shape, b->info.block_align, &h->grid);
}

Status Encode(ftc_encoder* e, const ftc_tensor* tensor, ftc_buffer* out) {
  TensorView view;
  Header h;
  FTC_RETURN_IF_ERROR(Quantise(e, tensor, &view, &h));
  const Backend* b = e->states.backend();
  const PixelMap map(h.quant.levels(), b->spread_levels);
  const size_t items = view.shape.n;
  const int workers = static_cast<int>(std::min<size_t>(items, static_cast<size_t>(e->threads)));
  FTC_RETURN_IF_ERROR(e->states.Prepare(static_cast<size_t>(workers)));

  std::vector<std::vector<uint8_t>> payloads(items), settings(items);
  std::vector<Status> results(items);
  ParallelFor(items, workers, [&](size_t i, int worker) {
    results[i] = Guarded([&] {
      std::vector<uint8_t> plane(h.grid.area());
      QuantizeToPlane(view, i, h.quant, h.grid, map, plane.data());
      return b->encode(e->states.at(worker), {plane.data(), h.grid.width, h.grid.height}, e->params,
                       &settings[i], &payloads[i]);
    });
  });
  for (const Status& s : results) FTC_RETURN_IF_ERROR(s);
  for (const auto& s : settings)
    if (s != settings[0] || s.size() > 255)
      return {FTC_ERROR_INTERNAL, std::string("backend ") + b->info.name + " wrote inconsistent settings"};
  h.backend_settings = settings[0];
  std::vector<uint8_t> file;
  WriteFile(h, payloads, &file);
  return ToBuffer(file, out);
}

Status Mosaic(ftc_encoder* e, const ftc_tensor* tensor, uint64_t index, ftc_plane* out) {
  TensorView view;
  Header h;
  FTC_RETURN_IF_ERROR(Quantise(e, tensor, &view, &h));
  if (index >= view.shape.n) return InvalidArgument("batch index " + std::to_string(index) + " is out of range");
  const PixelMap map(h.quant.levels(), e->states.backend()->spread_levels);
  out->data = static_cast<uint8_t*>(std::malloc(h.grid.area()));
  if (out->data == nullptr) return {FTC_ERROR_OUT_OF_MEMORY, "out of memory"};
  QuantizeToPlane(view, index, h.quant, h.grid, map, out->data);
  out->width = h.grid.width;
  out->height = h.grid.height;
  return Status::Ok();
}

}  // namespace
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
}

ftc_result ftc_encoder_create(const ftc_encoder_settings* settings, ftc_encoder** encoder, const char** message) {
  using namespace ftc;
  if (message) *message = "";
  if (encoder == nullptr) return FTC_ERROR_INVALID_ARGUMENT;
  *encoder = nullptr;
  ftc_result r = Guard(&create_error, [&]() -> Status {
    if (settings == nullptr) return InvalidArgument("settings is NULL");
    const Backend* backend = nullptr;
    FTC_RETURN_IF_ERROR(Validate(*settings, &backend));
    auto e = std::make_unique<ftc_encoder>();
    e->states.Reset(backend, settings->options ? settings->options : "");
    FTC_RETURN_IF_ERROR(e->states.Prepare(1));  // rejects unknown backend options now, not at the first encode
    e->params = {settings->quality, settings->bits, settings->max_error};
    e->clip = {settings->clip, settings->sigma_k, settings->range_lo, settings->range_hi};
    e->per_channel = settings->per_channel != 0;
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

}  // extern "C"

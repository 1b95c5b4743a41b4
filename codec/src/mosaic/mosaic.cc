#include "mosaic/mosaic.h"

#include <cstring>
#include <string>

#include "quant/load.h"

namespace ftc {

uint32_t AlignUp(uint64_t v, uint32_t align) {
  const uint64_t r = (v + align - 1) / align * align;
  return r > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(r);
}

Status CompleteGrid(MosaicGrid* g) {
  g->width = AlignUp(static_cast<uint64_t>(g->cols) * g->tile_w, g->align);
  g->height = AlignUp(static_cast<uint64_t>(g->rows) * g->tile_h, g->align);
  if (g->width > FTC_MAX_PLANE_SIDE || g->height > FTC_MAX_PLANE_SIDE)
    return LimitExceeded("mosaic plane " + std::to_string(g->width) + "×" + std::to_string(g->height) +
                         " exceeds the limit of " + std::to_string(FTC_MAX_PLANE_SIDE) + " per side");
  return Status::Ok();
}

Status ChooseGrid(const TensorShape& s, uint32_t align, MosaicGrid* out, uint32_t min_width) {
  if (s.h > FTC_MAX_PLANE_SIDE || s.w > FTC_MAX_PLANE_SIDE)
    return LimitExceeded("a channel of " + std::to_string(s.h) + "×" + std::to_string(s.w) +
                         " does not fit in a mosaic plane");
  bool found = false;
  MosaicGrid best;
  uint64_t best_area = 0, best_skew = 0;
  bool best_wide = false;
  for (uint64_t cols = 1; cols <= s.c; ++cols) {
    const uint64_t rows = (s.c + cols - 1) / cols;
    if (cols * s.w > FTC_MAX_PLANE_SIDE) break;
    if (rows * s.h > FTC_MAX_PLANE_SIDE) continue;
    MosaicGrid g;
    g.rows = static_cast<uint32_t>(rows);
    g.cols = static_cast<uint32_t>(cols);
    g.tile_h = static_cast<uint32_t>(s.h);
    g.tile_w = static_cast<uint32_t>(s.w);
    g.align = align;
    if (!CompleteGrid(&g).ok()) continue;
    const uint64_t area = g.area();
    const uint64_t skew = g.width > g.height ? g.width - g.height : g.height - g.width;
    const bool wide = g.width >= min_width;
    if (!found || (wide && !best_wide) ||
        (wide == best_wide && (area < best_area || (area == best_area && skew < best_skew)))) {
      found = true;
      best = g;
      best_area = area;
      best_skew = skew;
      best_wide = wide;
    }
  }
  if (!found)
    return LimitExceeded(std::to_string(s.c) + " channels of " + std::to_string(s.h) + "×" +
                         std::to_string(s.w) + " do not fit in a mosaic plane of at most " +
                         std::to_string(FTC_MAX_PLANE_SIDE) + " per side");
  *out = best;
  return Status::Ok();
}

PixelMap::PixelMap(int levels, bool spread) {
  const int max_level = levels - 1;
  for (int i = 0; i < 256; ++i) {
    const int level = i > max_level ? max_level : i;
    to_pixel[i] = static_cast<uint8_t>(spread ? (level * 255 + max_level / 2) / max_level : level);
    // Nearest level to pixel value i (spread), or the value clamped to the alphabet (as is).
    to_level[i] = static_cast<uint8_t>(spread ? (i * max_level + 127) / 255 : level);
  }
}

namespace {

template <ftc_dtype D>
void QuantizeItem(const TensorView& t, uint64_t item, const QuantParams& q, const MosaicGrid& g,
                  const PixelMap& map, uint8_t* plane) {
  const TensorShape& s = t.shape;
  const LevelMap first(q.lo[0], q.hi[0], q.levels());
  std::memset(plane, map.to_pixel[first.FillLevel(q.hi[0])], g.area());
  for (uint64_t c = 0; c < s.c; ++c) {
    const size_t k = q.channel_index(c);
    const LevelMap lm(q.lo[k], q.hi[k], q.levels());
    const uint64_t base = (item * s.c + c) * s.plane();
    uint8_t* tile = plane + static_cast<uint64_t>(c / g.cols) * g.tile_h * g.width + (c % g.cols) * g.tile_w;
    for (uint64_t y = 0; y < s.h; ++y) {
      uint8_t* row = tile + y * g.width;
      for (uint64_t x = 0; x < s.w; ++x) row[x] = map.to_pixel[lm.Quantize(LoadElement<D>(t.data, base + y * s.w + x))];
    }
  }
}

template <ftc_dtype D>
void DequantizeItem(const uint8_t* plane, const MosaicGrid& g, const QuantParams& q, const PixelMap& map,
                    uint64_t item, const TensorShape& s, void* out) {
  for (uint64_t c = 0; c < s.c; ++c) {
    const size_t k = q.channel_index(c);
    const LevelMap lm(q.lo[k], q.hi[k], q.levels());
    float value[256];
    for (int p = 0; p < 256; ++p) value[p] = lm.Value(map.to_level[p]);
    const uint64_t base = (item * s.c + c) * s.plane();
    const uint8_t* tile = plane + static_cast<uint64_t>(c / g.cols) * g.tile_h * g.width + (c % g.cols) * g.tile_w;
    for (uint64_t y = 0; y < s.h; ++y) {
      const uint8_t* row = tile + y * g.width;
      for (uint64_t x = 0; x < s.w; ++x) StoreElement<D>(out, base + y * s.w + x, value[row[x]]);
    }
  }
}

}  // namespace

void QuantizeToPlane(const TensorView& t, uint64_t item, const QuantParams& q, const MosaicGrid& g,
                     const PixelMap& map, uint8_t* plane) {
  switch (t.dtype) {
    case FTC_DTYPE_FLOAT16: return QuantizeItem<FTC_DTYPE_FLOAT16>(t, item, q, g, map, plane);
    case FTC_DTYPE_BFLOAT16: return QuantizeItem<FTC_DTYPE_BFLOAT16>(t, item, q, g, map, plane);
    default: return QuantizeItem<FTC_DTYPE_FLOAT32>(t, item, q, g, map, plane);
  }
}

void PlaneToTensor(const uint8_t* plane, const MosaicGrid& g, const QuantParams& q, const PixelMap& map,
                   uint64_t item, const TensorShape& shape, ftc_dtype dtype, void* out) {
  switch (dtype) {
    case FTC_DTYPE_FLOAT16: return DequantizeItem<FTC_DTYPE_FLOAT16>(plane, g, q, map, item, shape, out);
    case FTC_DTYPE_BFLOAT16: return DequantizeItem<FTC_DTYPE_BFLOAT16>(plane, g, q, map, item, shape, out);
    default: return DequantizeItem<FTC_DTYPE_FLOAT32>(plane, g, q, map, item, shape, out);
  }
}

}  // namespace ftc

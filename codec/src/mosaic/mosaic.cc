#include "mosaic/mosaic.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <string>

#include "common/parallel.h"
#include "dsp/dsp.h"

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

uint64_t BandUnit(const MosaicGrid& g) {
  return std::lcm(static_cast<uint64_t>(g.tile_h), static_cast<uint64_t>(g.align));
}

uint32_t MaxBands(const MosaicGrid& g) {
  return static_cast<uint32_t>((g.height + BandUnit(g) - 1) / BandUnit(g));
}

uint32_t ChooseBands(const MosaicGrid& g) {
  const uint64_t wanted = std::min<uint64_t>({g.area() / kBandPixels, kMaxBands, MaxBands(g)});
  return wanted <= 1 ? 1 : std::bit_floor(static_cast<uint32_t>(wanted));
}

BandRows Band(const MosaicGrid& g, uint32_t b) {
  const uint64_t unit = BandUnit(g), units = MaxBands(g);
  const auto edge = [&](uint64_t i) {
    return static_cast<uint32_t>(std::min<uint64_t>(i * units / g.bands * unit, g.height));
  };
  const uint32_t top = edge(b), bottom = edge(b + 1);
  return {top, bottom - top};
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

// Tiles are moved between the tensor and the plane in pieces of at most kPiece elements: several whole rows
// of a narrow tile, or a part of one row of a wide one. A piece goes through a small packed buffer, so that
// the kernels see one contiguous run however narrow the tile.
constexpr size_t kPiece = 4096;

template <typename Fn>
void ForEachPiece(size_t h, size_t w, Fn&& fn) {  // fn(y, x, rows, cols)
  if (w >= kPiece) {
    for (size_t y = 0; y < h; ++y)
      for (size_t x = 0; x < w; x += kPiece) fn(y, x, size_t{1}, std::min(kPiece, w - x));
    return;
  }
  const size_t rows = kPiece / w;
  for (size_t y = 0; y < h; y += rows) fn(y, size_t{0}, std::min(rows, h - y), w);
}

// Copies `rows` rows of `cols` bytes from `src` (row stride src_stride) to `dst` (dst_stride), through `lut`
// unless it is null.
void CopyRows(const uint8_t* src, size_t src_stride, size_t rows, size_t cols, const uint8_t* lut,
              uint8_t* dst, size_t dst_stride) {
  for (size_t y = 0; y < rows; ++y, src += src_stride, dst += dst_stride) {
    if (lut != nullptr) {
      for (size_t x = 0; x < cols; ++x) dst[x] = lut[src[x]];
    } else if (cols >= 8) {
      // Eight bytes at a time, the last eight overlapping: rows are short and a memcpy call would cost more.
      for (size_t x = 0; x + 8 <= cols; x += 8) std::memcpy(dst + x, src + x, 8);
      std::memcpy(dst + cols - 8, src + cols - 8, 8);
    } else {
      for (size_t x = 0; x < cols; ++x) dst[x] = src[x];
    }
  }
}

// `table` when it maps some of 0..last elsewhere, else null (the kernels then need no table pass).
const uint8_t* UnlessIdentity(const uint8_t* table, int last) {
  for (int i = 0; i <= last; ++i)
    if (table[i] != i) return table;
  return nullptr;
}

// Where the tile of channel c starts in the plane.
uint64_t TileOffset(const MosaicGrid& g, uint64_t c) {
  return static_cast<uint64_t>(c / g.cols) * g.tile_h * g.width + (c % g.cols) * g.tile_w;
}

}  // namespace

void QuantizeToPlane(const TensorView& t, uint64_t item, const QuantParams& q, const MosaicGrid& g,
                     const PixelMap& map, uint8_t* plane, int threads) {
  const TensorShape& s = t.shape;
  const LevelMap first(q.lo[0], q.hi[0], q.levels());
  std::memset(plane, map.to_pixel[first.FillLevel(q.hi[0])], g.area());
  const dsp::QuantizeFn quantize = dsp::Active().quantize[t.dtype];
  const size_t size = ftc_dtype_size(t.dtype), w = s.w, stride = g.width;
  const uint8_t* to_pixel = UnlessIdentity(map.to_pixel, q.levels() - 1);
  ParallelFor(s.c, WorkersFor(s.item(), threads), [&](size_t c, int) {
    const size_t k = q.channel_index(c);
    const dsp::QuantizeArgs args = LevelMap(q.lo[k], q.hi[k], q.levels()).quantize_args();
    const uint8_t* src = static_cast<const uint8_t*>(t.data) + (item * s.c + c) * s.plane() * size;
    uint8_t* tile = plane + TileOffset(g, c);
    if (stride == w) {  // the tile is one contiguous run of the plane
      quantize(src, s.plane(), args, tile);
      if (to_pixel != nullptr) CopyRows(tile, 0, 1, s.plane(), to_pixel, tile, 0);
      return;
    }
    uint8_t piece[kPiece];
    ForEachPiece(s.h, w, [&](size_t y, size_t x, size_t rows, size_t cols) {
      quantize(src + (y * w + x) * size, rows * cols, args, piece);
      CopyRows(piece, cols, rows, cols, to_pixel, tile + y * stride + x, stride);
    });
  });
}

void PlaneToTensor(const uint8_t* plane, const MosaicGrid& g, const QuantParams& q, const PixelMap& map,
                   uint64_t item, const TensorShape& s, ftc_dtype dtype, void* out, int threads) {
  const dsp::DequantizeFn dequantize = dsp::Active().dequantize[dtype];
  const size_t size = ftc_dtype_size(dtype), w = s.w, stride = g.width;
  const uint8_t* to_level = UnlessIdentity(map.to_level, 255);
  ParallelFor(s.c, WorkersFor(s.item(), threads), [&](size_t c, int) {
    const size_t k = q.channel_index(c);
    const dsp::DequantizeArgs args = LevelMap(q.lo[k], q.hi[k], q.levels()).dequantize_args();
    uint8_t* dst = static_cast<uint8_t*>(out) + (item * s.c + c) * s.plane() * size;
    const uint8_t* tile = plane + TileOffset(g, c);
    if (stride == w && to_level == nullptr) {
      dequantize(tile, s.plane(), args, dst);
      return;
    }
    uint8_t piece[kPiece];
    ForEachPiece(s.h, w, [&](size_t y, size_t x, size_t rows, size_t cols) {
      CopyRows(tile + y * stride + x, stride, rows, cols, to_level, piece, cols);
      dequantize(piece, rows * cols, args, dst + (y * w + x) * size);
    });
  });
}

}  // namespace ftc

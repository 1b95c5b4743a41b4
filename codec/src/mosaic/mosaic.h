// The mosaic: the C channels of one tensor item laid out as rows × cols tiles of H × W in one 8-bit plane,
// padded to the backend's block alignment; and the fused kernels that go between a float tensor and it.
#ifndef FTC_MOSAIC_MOSAIC_H
#define FTC_MOSAIC_MOSAIC_H

#include <cstdint>

#include "common/status.h"
#include "quant/quantizer.h"
#include "quant/tensor.h"

namespace ftc {

struct MosaicGrid {
  uint32_t rows = 1, cols = 1;      // tiles; rows == ceil(C / cols)
  uint32_t tile_h = 1, tile_w = 1;  // H, W of the tensor
  uint32_t align = 1;               // block alignment of the plane (a power of two, 1..32)
  uint32_t width = 1, height = 1;   // plane size: cols*W and rows*H rounded up to `align`
  uint32_t bands = 1;               // single form: horizontal bands, each coded as a plane of its own

  uint64_t area() const { return static_cast<uint64_t>(width) * height; }
};

uint32_t AlignUp(uint64_t v, uint32_t align);

// Bands (docs/FORMAT.md, "Bands"): a large plane is cut into horizontal bands that the backend codes as
// planes of their own, so that one item is coded and decoded on several threads with the same bytes whatever
// the thread count. Band edges fall on multiples of lcm(tile height, align) rows (a band is whole tile rows
// and keeps the backend's alignment); the last band ends at the plane's bottom.
uint64_t BandUnit(const MosaicGrid& g);
// The most bands the plane can be cut into: one per unit.
uint32_t MaxBands(const MosaicGrid& g);
// The encoder's choice, from the plane alone: one band per kBandPixels (2^18) pixels, rounded down to a power
// of two, at most kMaxBands and MaxBands(g).
inline constexpr uint64_t kBandPixels = uint64_t{1} << 18;
inline constexpr uint32_t kMaxBands = 64;
uint32_t ChooseBands(const MosaicGrid& g);
struct BandRows {
  uint32_t top, rows;
};
// Band b of g.bands: units b*U/bands up to (b+1)*U/bands of the U units.
BandRows Band(const MosaicGrid& g, uint32_t b);

// Fills width and height from rows, cols, tile size and align; checks them against FTC_MAX_PLANE_SIDE.
Status CompleteGrid(MosaicGrid* g);

// The grid with the smallest padded plane area for C tiles of H × W; ties go to the squarer plane, then to
// fewer columns. With `min_width`, only grids whose plane is at least that wide compete, unless none is.
Status ChooseGrid(const TensorShape& s, uint32_t align, MosaicGrid* out, uint32_t min_width = 0);

// How levels sit in the plane: as they are (lossless backends: the smallest alphabet), or spread over
// 0..255 (lossy backends: the codec's error then stays below half a level more often, and decoding
// snaps back to the nearest level).
struct PixelMap {
  uint8_t to_pixel[256];
  uint8_t to_level[256];
  PixelMap(int levels, bool spread);
};

// Quantises batch item `item` of `t` straight into `plane` (grid.width × grid.height bytes); margins and
// unused tiles get the fill level. A large item is split by channel over up to `threads` threads; the plane
// does not depend on their number.
void QuantizeToPlane(const TensorView& t, uint64_t item, const QuantParams& q, const MosaicGrid& g,
                     const PixelMap& map, uint8_t* plane, int threads = 1);

// The inverse: writes batch item `item` of `out` (its dtype) from `plane`, on up to `threads` threads.
void PlaneToTensor(const uint8_t* plane, const MosaicGrid& g, const QuantParams& q, const PixelMap& map,
                   uint64_t item, const TensorShape& shape, ftc_dtype dtype, void* out, int threads = 1);

}  // namespace ftc

#endif  // FTC_MOSAIC_MOSAIC_H

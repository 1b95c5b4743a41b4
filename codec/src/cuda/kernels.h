// The CUDA kernels and their launchers: statistics per plane, quantise-and-tile, untile-and-dequantise. They
// run the CPU reference's own formulas (dsp/scalar.h, dsp/load.h) and are built with --fmad=false, so their
// results are the CPU's bit for bit.
#ifndef FTC_CUDA_KERNELS_H
#define FTC_CUDA_KERNELS_H

#include <cuda_runtime.h>

#include <cstdint>

#include "common/host_device.h"
#include "dsp/dsp.h"

namespace ftc::cuda {

// Where a tile sits: the tensor's C×H×W and the mosaic's columns and plane size.
struct Layout {
  uint64_t c = 1, h = 1, w = 1;
  uint32_t cols = 1, rows = 1, width = 1, height = 1;

  FTC_HOST_DEVICE uint64_t plane() const { return h * w; }
  FTC_HOST_DEVICE uint64_t area() const { return static_cast<uint64_t>(width) * height; }
};

// One channel's quantiser (LevelMap's numbers).
struct Channel {
  dsp::QuantizeArgs quantize;
  dsp::DequantizeArgs dequantize;
};

// The kSumLanes lanes of one plane's statistics, in the reference's order: lane j sums elements j, j + 16,
// ...
struct Lane {
  double sum, sum_sq;
  int32_t min_key, max_key, magnitude, unused;
};

// Statistics of the `planes` planes of `plane` elements at `tensor`: lanes[p * kSumLanes + j].
cudaError_t LaunchStats(const void* tensor, ftc_dtype dtype, uint64_t planes, uint64_t plane, Lane* lanes,
                        cudaStream_t stream);

// Item `item` of `tensor` into `plane` (layout.area() bytes): channel c through channels[c] (one entry when
// per_channel is false) and to_pixel, the rest of the plane `fill`.
cudaError_t LaunchQuantize(const void* tensor, ftc_dtype dtype, uint64_t item, const Layout& layout,
                           const Channel* channels, bool per_channel, const uint8_t* to_pixel, uint8_t fill,
                           uint8_t* plane, cudaStream_t stream);

// `items` planes (layout.area() bytes each, one after the other) into items × C×H×W elements of `dtype`.
cudaError_t LaunchDequantize(const uint8_t* planes, uint64_t items, const Layout& layout,
                             const Channel* channels, bool per_channel, const uint8_t* to_level,
                             ftc_dtype dtype, void* out, cudaStream_t stream);

}  // namespace ftc::cuda

#endif  // FTC_CUDA_KERNELS_H

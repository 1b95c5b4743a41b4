#include "cuda/kernels.h"

#include <climits>

#include "dsp/load.h"
#include "dsp/scalar.h"

namespace ftc::cuda {
namespace {

constexpr unsigned kThreads = 256;

unsigned BlocksFor(uint64_t threads) {
  return static_cast<unsigned>((threads + kThreads - 1) / kThreads);
}

template <ftc_dtype D>
__global__ void Stats(const void* tensor, uint64_t planes, uint64_t plane, Lane* lanes) {
  const uint64_t t = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= planes * dsp::kSumLanes) return;
  const uint64_t p = t / dsp::kSumLanes, lane = t % dsp::kSumLanes;
  Lane out{0.0, 0.0, INT_MAX, INT_MIN, 0, 0};
  for (uint64_t i = lane; i < plane; i += dsp::kSumLanes) {
    const float x = LoadElement<D>(tensor, p * plane + i);
    const double d = x;
    out.sum += d;
    out.sum_sq += d * d;
    const int32_t key = dsp::OrderKey(x);
    out.min_key = min(out.min_key, key);
    out.max_key = max(out.max_key, key);
    out.magnitude = max(out.magnitude, static_cast<int32_t>(FloatBits(x) & 0x7fffffffu));
  }
  lanes[t] = out;
}

template <ftc_dtype D>
__global__ void Quantize(const void* tensor, uint64_t item, Layout l, const Channel* channels,
                         bool per_channel, const uint8_t* to_pixel, uint8_t fill, uint8_t* plane) {
  const uint64_t p = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= l.area()) return;
  const uint64_t y = p / l.width, x = p % l.width;
  const uint64_t tile_row = y / l.h, tile_col = x / l.w, c = tile_row * l.cols + tile_col;
  if (tile_col >= l.cols || tile_row >= l.rows || c >= l.c) {
    plane[p] = fill;
    return;
  }
  const float v = LoadElement<D>(tensor, (item * l.c + c) * l.plane() + (y % l.h) * l.w + x % l.w);
  plane[p] = to_pixel[dsp::QuantizeOne(v, channels[per_channel ? c : 0].quantize)];
}

template <ftc_dtype D>
__global__ void Dequantize(const uint8_t* planes, uint64_t items, Layout l, const Channel* channels,
                           bool per_channel, const uint8_t* to_level, void* out) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= items * l.c * l.plane()) return;
  const uint64_t x = i % l.w, y = i / l.w % l.h, c = i / l.plane() % l.c, item = i / (l.c * l.plane());
  const uint64_t at = item * l.area() + ((c / l.cols) * l.h + y) * l.width + (c % l.cols) * l.w + x;
  StoreElement<D>(out, i, dsp::DequantizeOne(to_level[planes[at]], channels[per_channel ? c : 0].dequantize));
}

}  // namespace

cudaError_t LaunchStats(const void* tensor, ftc_dtype dtype, uint64_t planes, uint64_t plane, Lane* lanes,
                        cudaStream_t stream) {
  const unsigned blocks = BlocksFor(planes * dsp::kSumLanes);
  switch (dtype) {
    case FTC_DTYPE_FLOAT16:
      Stats<FTC_DTYPE_FLOAT16><<<blocks, kThreads, 0, stream>>>(tensor, planes, plane, lanes);
      break;
    case FTC_DTYPE_BFLOAT16:
      Stats<FTC_DTYPE_BFLOAT16><<<blocks, kThreads, 0, stream>>>(tensor, planes, plane, lanes);
      break;
    default:
      Stats<FTC_DTYPE_FLOAT32><<<blocks, kThreads, 0, stream>>>(tensor, planes, plane, lanes);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchQuantize(const void* tensor, ftc_dtype dtype, uint64_t item, const Layout& layout,
                           const Channel* channels, bool per_channel, const uint8_t* to_pixel, uint8_t fill,
                           uint8_t* plane, cudaStream_t stream) {
  const unsigned blocks = BlocksFor(layout.area());
  switch (dtype) {
    case FTC_DTYPE_FLOAT16:
      Quantize<FTC_DTYPE_FLOAT16><<<blocks, kThreads, 0, stream>>>(tensor, item, layout, channels,
                                                                   per_channel, to_pixel, fill, plane);
      break;
    case FTC_DTYPE_BFLOAT16:
      Quantize<FTC_DTYPE_BFLOAT16><<<blocks, kThreads, 0, stream>>>(tensor, item, layout, channels,
                                                                    per_channel, to_pixel, fill, plane);
      break;
    default:
      Quantize<FTC_DTYPE_FLOAT32><<<blocks, kThreads, 0, stream>>>(tensor, item, layout, channels,
                                                                   per_channel, to_pixel, fill, plane);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchDequantize(const uint8_t* planes, uint64_t items, const Layout& layout,
                             const Channel* channels, bool per_channel, const uint8_t* to_level,
                             ftc_dtype dtype, void* out, cudaStream_t stream) {
  const unsigned blocks = BlocksFor(items * layout.c * layout.plane());
  switch (dtype) {
    case FTC_DTYPE_FLOAT16:
      Dequantize<FTC_DTYPE_FLOAT16>
          <<<blocks, kThreads, 0, stream>>>(planes, items, layout, channels, per_channel, to_level, out);
      break;
    case FTC_DTYPE_BFLOAT16:
      Dequantize<FTC_DTYPE_BFLOAT16>
          <<<blocks, kThreads, 0, stream>>>(planes, items, layout, channels, per_channel, to_level, out);
      break;
    default:
      Dequantize<FTC_DTYPE_FLOAT32>
          <<<blocks, kThreads, 0, stream>>>(planes, items, layout, channels, per_channel, to_level, out);
      break;
  }
  return cudaGetLastError();
}

}  // namespace ftc::cuda

// The C API of ftc/ftc_cuda.h. In a library built without FTC_WITH_CUDA every entry point says so
// (FTC_ERROR_UNSUPPORTED), so that callers can ask at run time instead of at build time.
#include <cstring>
#include <string>
#include <vector>

#include "api/decoder.h"
#include "api/encoder.h"
#include "api/handle.h"
#include "api/settings.h"
#include "container/container.h"
#include "ftc/ftc_cuda.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"

#if defined(FTC_HAVE_CUDA)
#include "cuda/kernels.h"
#endif

namespace ftc {
namespace {

thread_local std::string cuda_error;

#if defined(FTC_HAVE_CUDA)

Status CudaStatus(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return Status::Ok();
  return {FTC_ERROR_BACKEND, std::string("CUDA: ") + what + ": " + cudaGetErrorString(e)};
}
#define FTC_CUDA(call, what) FTC_RETURN_IF_ERROR(CudaStatus((call), (what)))

// Device memory for one call, allocated and released in stream order.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(cudaStream_t stream) : stream_(stream) {}
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFreeAsync(data_, stream_);
  }
  Status Allocate(size_t bytes) {
    FTC_CUDA(cudaMallocAsync(&data_, bytes == 0 ? 1 : bytes, stream_), "cudaMallocAsync");
    return Status::Ok();
  }
  // Copies `bytes` from the host to `offset` in the buffer.
  Status Upload(size_t offset, const void* host, size_t bytes) {
    FTC_CUDA(
        cudaMemcpyAsync(static_cast<uint8_t*>(data_) + offset, host, bytes, cudaMemcpyHostToDevice, stream_),
        "cudaMemcpyAsync");
    return Status::Ok();
  }
  template <typename T>
  T* at(size_t offset) const {
    return reinterpret_cast<T*>(static_cast<uint8_t*>(data_) + offset);
  }

 private:
  cudaStream_t stream_;
  void* data_ = nullptr;
};

cuda::Layout LayoutOf(const TensorShape& s, const MosaicGrid& g) {
  cuda::Layout l;
  l.c = s.c;
  l.h = s.h;
  l.w = s.w;
  l.cols = g.cols;
  l.rows = g.rows;
  l.width = g.width;
  l.height = g.height;
  return l;
}

std::vector<cuda::Channel> ChannelsOf(const QuantParams& q) {
  std::vector<cuda::Channel> out;
  for (size_t k = 0; k < q.lo.size(); ++k) {
    const LevelMap lm(q.lo[k], q.hi[k], q.levels());
    out.push_back({lm.quantize_args(), lm.dequantize_args()});
  }
  return out;
}

// Items quantised with the same ranges: every item of a file in the single form; in a stream, the frames
// from one key frame that brings its own ranges to the next.
struct Run {
  uint64_t first = 0, count = 0;
  QuantParams quant;
  size_t channels = 0;  // where its channel table starts in the device's tables
};

Status Decode(ftc_decoder* d, const uint8_t* data, size_t size, void* device_out, size_t capacity,
              cudaStream_t stream) {
  if (device_out == nullptr) return InvalidArgument("device_out is NULL");
  Parsed p;
  FTC_RETURN_IF_ERROR(OpenFile(d, data, size, &p));
  const Header& h = p.header;
  const uint64_t item_bytes = h.shape.c * h.shape.h * h.shape.w * ftc_dtype_size(h.dtype);
  if (capacity < h.shape.n * item_bytes)
    return InvalidArgument("the device buffer holds " + std::to_string(capacity) +
                           " bytes; the tensor needs " + std::to_string(h.shape.n * item_bytes));
  const Backend* b = nullptr;
  FTC_RETURN_IF_ERROR(PickDecoder(h, "", &b));

  // The planes, decoded on the host.
  const uint64_t area = h.grid.area();
  std::vector<uint8_t> planes(h.shape.n * area);
  std::vector<Run> runs;
  std::vector<cuda::Channel> channels;  // every run's table
  FTC_RETURN_IF_ERROR(DecodePlanes(d, p, [&](uint64_t item, const uint8_t* plane, const QuantParams& q) {
    std::memcpy(planes.data() + item * area, plane, area);
    if (runs.empty() || runs.back().quant.lo != q.lo || runs.back().quant.hi != q.hi) {
      runs.push_back({item, 0, q, channels.size()});
      const std::vector<cuda::Channel> table = ChannelsOf(q);
      channels.insert(channels.end(), table.begin(), table.end());
    }
    ++runs.back().count;
    return Status::Ok();
  }));

  // Device memory: the channel tables, the level map, the planes; then a kernel per run.
  const PixelMap map(h.quant.levels(), b->spread_levels);
  const size_t channel_bytes = channels.size() * sizeof(cuda::Channel);
  const size_t map_at = channel_bytes, planes_at = channel_bytes + 256;
  DeviceBuffer buffer(stream);
  FTC_RETURN_IF_ERROR(buffer.Allocate(planes_at + planes.size()));
  FTC_RETURN_IF_ERROR(buffer.Upload(0, channels.data(), channel_bytes));
  FTC_RETURN_IF_ERROR(buffer.Upload(map_at, map.to_level, 256));
  FTC_RETURN_IF_ERROR(buffer.Upload(planes_at, planes.data(), planes.size()));
  for (const Run& r : runs) {
    FTC_CUDA(cuda::LaunchDequantize(buffer.at<uint8_t>(planes_at + r.first * area), r.count,
                                    LayoutOf(h.shape, h.grid), buffer.at<cuda::Channel>(0) + r.channels,
                                    r.quant.per_channel, buffer.at<uint8_t>(map_at), h.dtype,
                                    static_cast<uint8_t*>(device_out) + r.first * item_bytes, stream),
             "untile and dequantise");
  }
  return Status::Ok();
}

Status Mosaic(ftc_encoder* e, const ftc_tensor* tensor, uint64_t index, uint8_t* device_plane,
              size_t capacity, uint32_t* width, uint32_t* height, cudaStream_t stream) {
  if (tensor == nullptr || device_plane == nullptr || width == nullptr || height == nullptr)
    return InvalidArgument("tensor, device_plane, width and height must not be NULL");
  TensorView view;
  FTC_RETURN_IF_ERROR(ViewTensor(*tensor, &view));
  const TensorShape& s = view.shape;
  if (index >= s.n) return InvalidArgument("batch index " + std::to_string(index) + " is out of range");
  const EncoderConfig& config = ConfigOf(e);
  const Backend* b = config.backend;

  // Statistics: per plane and lane on the device, finished on the host exactly as the CPU kernels finish
  // them.
  const uint64_t planes = s.n * s.c;
  std::vector<cuda::Lane> lanes(planes * dsp::kSumLanes);
  {
    DeviceBuffer buffer(stream);
    FTC_RETURN_IF_ERROR(buffer.Allocate(lanes.size() * sizeof(cuda::Lane)));
    FTC_CUDA(cuda::LaunchStats(view.data, view.dtype, planes, s.plane(), buffer.at<cuda::Lane>(0), stream),
             "statistics");
    FTC_CUDA(cudaMemcpyAsync(lanes.data(), buffer.at<cuda::Lane>(0), lanes.size() * sizeof(cuda::Lane),
                             cudaMemcpyDeviceToHost, stream),
             "cudaMemcpyAsync");
    FTC_CUDA(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  }
  std::vector<dsp::BlockStats> blocks(planes);
  for (uint64_t p = 0; p < planes; ++p) {
    dsp::StatsState state;
    dsp::StatsBegin(&state);
    for (int j = 0; j < dsp::kSumLanes; ++j) {
      const cuda::Lane& lane = lanes[p * dsp::kSumLanes + j];
      state.sum[j] = lane.sum;
      state.sum_sq[j] = lane.sum_sq;
      dsp::StatsMergeKeys(&lane.min_key, &lane.max_key, &lane.magnitude, 1, &state);
    }
    dsp::StatsFinish(state, &blocks[p]);
  }
  QuantParams q;
  FTC_RETURN_IF_ERROR(
      QuantParamsFromBlocks(blocks, s, config.params.bits, config.clip, config.per_channel, &q));
  MosaicGrid g;
  FTC_RETURN_IF_ERROR(ChooseGrid(s, b->info.block_align, &g, MinPlaneWidth(b->info.id)));
  if (capacity < g.area())
    return InvalidArgument("the device plane holds " + std::to_string(capacity) +
                           " bytes; the mosaic needs " + std::to_string(g.area()));

  const PixelMap map(q.levels(), b->spread_levels);
  const uint8_t fill = map.to_pixel[LevelMap(q.lo[0], q.hi[0], q.levels()).FillLevel(q.hi[0])];
  const std::vector<cuda::Channel> channels = ChannelsOf(q);
  const size_t channel_bytes = channels.size() * sizeof(cuda::Channel);
  DeviceBuffer buffer(stream);
  FTC_RETURN_IF_ERROR(buffer.Allocate(channel_bytes + 256));
  FTC_RETURN_IF_ERROR(buffer.Upload(0, channels.data(), channel_bytes));
  FTC_RETURN_IF_ERROR(buffer.Upload(channel_bytes, map.to_pixel, 256));
  FTC_CUDA(cuda::LaunchQuantize(view.data, view.dtype, index, LayoutOf(s, g), buffer.at<cuda::Channel>(0),
                                q.per_channel, buffer.at<uint8_t>(channel_bytes), fill, device_plane, stream),
           "quantise and tile");
  *width = g.width;
  *height = g.height;
  return Status::Ok();
}

#else

Status NotBuilt() {
  return {FTC_ERROR_UNSUPPORTED, "this ftc library was built without FTC_WITH_CUDA"};
}

#endif  // FTC_HAVE_CUDA

ftc_result Finish(const Status& s, const char** message) {
  const ftc_result r = Report(s, &cuda_error);
  if (message) *message = cuda_error.c_str();
  return r;
}

}  // namespace
}  // namespace ftc

extern "C" {

int ftc_cuda_available(void) {
#if defined(FTC_HAVE_CUDA)
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
#else
  return 0;
#endif
}

ftc_result ftc_cuda_decode(ftc_decoder* decoder, const uint8_t* data, size_t size, void* device_out,
                           size_t capacity, struct CUstream_st* stream, const char** message) {
  using namespace ftc;
  if (decoder == nullptr) return Finish(InvalidArgument("decoder is NULL"), message);
#if defined(FTC_HAVE_CUDA)
  return Finish(Guarded([&] { return Decode(decoder, data, size, device_out, capacity, stream); }), message);
#else
  (void)data, (void)size, (void)device_out, (void)capacity, (void)stream;
  return Finish(NotBuilt(), message);
#endif
}

ftc_result ftc_cuda_mosaic(ftc_encoder* encoder, const ftc_tensor* device_tensor, uint64_t index,
                           uint8_t* device_plane, size_t capacity, uint32_t* width, uint32_t* height,
                           struct CUstream_st* stream, const char** message) {
  using namespace ftc;
  if (encoder == nullptr) return Finish(InvalidArgument("encoder is NULL"), message);
#if defined(FTC_HAVE_CUDA)
  return Finish(Guarded([&] {
                  return Mosaic(encoder, device_tensor, index, device_plane, capacity, width, height, stream);
                }),
                message);
#else
  (void)device_tensor, (void)index, (void)device_plane, (void)capacity, (void)width, (void)height,
      (void)stream;
  return Finish(NotBuilt(), message);
#endif
}

}  // extern "C"

// The CUDA entry points (ftc/ftc_cuda.h) against the CPU: decoding into device memory gives ftc_decode's
// bytes, and the device mosaic gives ftc_encoder_mosaic's plane, for every dtype, both pixel maps and both
// clip granularities. Without a GPU the device tests skip; without FTC_WITH_CUDA the entry points must say
// so.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"
#include "ftc/ftc_cuda.h"
#include "test_util.h"

#if defined(FTC_HAVE_CUDA)
#include <cuda_runtime.h>
#endif

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

#if !defined(FTC_HAVE_CUDA)

TEST(Cuda, EntryPointsSayTheLibraryWasBuiltWithoutCuda) {
  EXPECT_EQ(ftc_cuda_available(), 0);
  ftc::Decoder decoder;
  const auto file = test::EncodeOrDie(test::Settings("raw"),
                                      MakeTensor({1, 2, 3, 4}, FTC_DTYPE_FLOAT32, Distribution::kGaussian));
  const char* message = nullptr;
  EXPECT_EQ(ftc_cuda_decode(decoder.get(), file.data(), file.size(), nullptr, 0, nullptr, &message),
            FTC_ERROR_UNSUPPORTED);
  EXPECT_NE(std::string(message).find("FTC_WITH_CUDA"), std::string::npos);
}

#else

// Device memory that frees itself.
struct DeviceMemory {
  void* ptr = nullptr;
  explicit DeviceMemory(size_t bytes) { EXPECT_EQ(cudaMalloc(&ptr, bytes), cudaSuccess); }
  ~DeviceMemory() { cudaFree(ptr); }
  std::vector<uint8_t> Read(size_t bytes) const {
    std::vector<uint8_t> host(bytes);
    EXPECT_EQ(cudaMemcpy(host.data(), ptr, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
  }
};

bool HaveGpu() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

#define SKIP_WITHOUT_GPU() \
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device"

struct Case {
  const char* codec;
  ftc_dtype dtype;
  bool per_channel;
};

const Case kCases[] = {{"raw", FTC_DTYPE_FLOAT32, false},
                       {"raw", FTC_DTYPE_FLOAT16, true},
                       {"lossless", FTC_DTYPE_BFLOAT16, true},
                       {"jpeg", FTC_DTYPE_FLOAT32, false},
                       {"jpeg", FTC_DTYPE_FLOAT16, true}};

// Decodes `file` into device memory and expects ftc_decode's bytes; then refuses a buffer one byte short.
void ExpectDeviceDecodeIsTheHosts(const std::vector<uint8_t>& file, const std::string& what) {
  ftc::Decoder decoder;
  const ftc::Tensor host = decoder.Decode(file);
  DeviceMemory device(host.bytes());
  const char* message = nullptr;
  ASSERT_EQ(
      ftc_cuda_decode(decoder.get(), file.data(), file.size(), device.ptr, host.bytes(), nullptr, &message),
      FTC_OK)
      << what << ": " << message;
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const auto back = device.Read(host.bytes());
  EXPECT_EQ(std::memcmp(back.data(), host.data(), host.bytes()), 0) << what;
  EXPECT_EQ(ftc_cuda_decode(decoder.get(), file.data(), file.size(), device.ptr, host.bytes() - 1, nullptr,
                            &message),
            FTC_ERROR_INVALID_ARGUMENT)
      << what;
}

TEST(Cuda, AvailableWhenADeviceIsPresent) {
  EXPECT_EQ(ftc_cuda_available(), HaveGpu() ? 1 : 0);
}

TEST(Cuda, DecodeIntoDeviceMemoryGivesTheHostsBytes) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : kCases) {
    if (ftc_backend_find(c.codec) == nullptr) continue;
    const auto t = MakeTensor({3, 37, 9, 11}, c.dtype, Distribution::kRelu);
    ftc_encoder_settings s = test::Settings(c.codec, 6);
    s.per_channel = c.per_channel;
    ExpectDeviceDecodeIsTheHosts(test::EncodeOrDie(s, t),
                                 std::string(c.codec) + " " + ftc_dtype_name(c.dtype));
  }
}

TEST(Cuda, DeviceMosaicIsTheHostsMosaic) {
  SKIP_WITHOUT_GPU();
  for (const Case& c : kCases) {
    if (ftc_backend_find(c.codec) == nullptr) continue;
    const auto t = MakeTensor({2, 21, 13, 7}, c.dtype, Distribution::kGaussian);
    ftc_encoder_settings s = test::Settings(c.codec, 5);
    s.per_channel = c.per_channel;
    ftc::Encoder encoder(s);
    DeviceMemory tensor(t.bytes.size());
    ASSERT_EQ(cudaMemcpy(tensor.ptr, t.bytes.data(), t.bytes.size(), cudaMemcpyHostToDevice), cudaSuccess);
    ftc_tensor device_view = t.view();
    device_view.data = tensor.ptr;
    for (uint64_t item = 0; item < 2; ++item) {
      const ftc_tensor host_view = t.view();
      const ftc::Plane want = encoder.Mosaic(host_view, item);
      const size_t area = static_cast<size_t>(want.width()) * want.height();
      DeviceMemory plane(area);
      uint32_t width = 0, height = 0;
      const char* message = nullptr;
      ASSERT_EQ(ftc_cuda_mosaic(encoder.get(), &device_view, item, static_cast<uint8_t*>(plane.ptr), area,
                                &width, &height, nullptr, &message),
                FTC_OK)
          << message;
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      EXPECT_EQ(width, want.width());
      EXPECT_EQ(height, want.height());
      const auto got = plane.Read(area);
      EXPECT_EQ(std::memcmp(got.data(), want.data(), area), 0) << c.codec << " " << ftc_dtype_name(c.dtype);
    }
  }
}

// A video stream whose key frames bring their own ranges decodes to the host's bytes too: one kernel per run
// of frames with the same ranges.
TEST(Cuda, StreamFormDecodesLikeTheHost) {
  SKIP_WITHOUT_GPU();
  for (const char* codec : {"h264", "hevc", "jpeg"}) {
    if (ftc_backend_find(codec) == nullptr) continue;
    const auto t = MakeTensor({5, 6, 16, 16}, FTC_DTYPE_FLOAT16, Distribution::kRelu);
    ftc_encoder_settings s = test::Settings(codec, 6, 70);
    ftc_stream_settings stream;
    ftc_stream_default_settings(&stream);
    stream.gop = 2;
    stream.range = FTC_STREAM_RANGE_KEYFRAME;
    s.stream = &stream;
    ExpectDeviceDecodeIsTheHosts(test::EncodeOrDie(s, t), codec);
  }
}

#endif  // FTC_HAVE_CUDA

}  // namespace
}  // namespace ftc

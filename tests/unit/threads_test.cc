// Threads: a batch is coded item by item in parallel, and a large item is split by channel (statistics,
// quantise-and-tile, untile-and-dequantise). The bytes must not depend on the thread count, in either
// direction.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/parallel.h"
#include "ftc/ftc.hpp"
#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

TEST(Threads, WorkersGetEnoughWorkEach) {
  EXPECT_EQ(WorkersFor(1000, 8), 1);
  EXPECT_EQ(WorkersFor(uint64_t{1} << 20, 0), 1);  // 0 threads asks for none: the caller runs alone
  EXPECT_EQ(WorkersFor(uint64_t{1} << 20, 3), 3);
  EXPECT_EQ(WorkersFor(uint64_t{1} << 18, 16), 2);
}

TEST(Threads, ParallelForVisitsEveryIndexOnce) {
  for (const int threads : {1, 2, 5}) {
    std::vector<int> seen(1001, 0);
    ParallelFor(seen.size(), threads, [&](size_t i, int worker) {
      EXPECT_LT(worker, threads);
      ++seen[i];
    });
    for (const int s : seen) ASSERT_EQ(s, 1);
  }
}

// Encodes with 1, 2, 3 and 8 threads and decodes each file with as many: every file and every tensor must be
// the single-threaded one. The shapes are a batch of small items and one item large enough to be split.
TEST(Threads, FilesAndTensorsAreTheSameWhateverTheThreadCount) {
  struct Shape {
    std::vector<uint64_t> dims;
    ftc_dtype dtype;
  };
  const Shape shapes[] = {{{6, 32, 14, 14}, FTC_DTYPE_FLOAT32},
                          {{1, 96, 64, 60}, FTC_DTYPE_FLOAT32},
                          {{2, 48, 80, 80}, FTC_DTYPE_FLOAT16},
                          {{1, 40, 90, 90}, FTC_DTYPE_BFLOAT16},
                          {{1, 128, 64, 64}, FTC_DTYPE_FLOAT32}};  // 2^19 pixels: two bands
  for (const char* codec : {"raw", "lossless", "jpeg"}) {
    if (ftc_backend_find(codec) == nullptr) continue;
    for (const Shape& shape : shapes) {
      const auto t = MakeTensor(shape.dims, shape.dtype, Distribution::kRelu);
      for (const int per_channel : {0, 1}) {
        std::vector<uint8_t> first_file, first_tensor;
        for (const int threads : {1, 2, 3, 8}) {
          ftc_encoder_settings s = test::Settings(codec);
          s.per_channel = per_channel;
          s.threads = threads;
          const auto file = test::EncodeOrDie(s, t);
          if (shape.dims[1] == 128) {
            ASSERT_EQ(ftc::Decoder().Info(file).bands, 2u) << codec;
          }
          ftc_decoder_settings ds;
          ftc_decoder_default_settings(&ds);
          ds.threads = threads;
          ftc::Decoder d(&ds);
          const ftc::Tensor x = d.Decode(file);
          const auto* bytes = static_cast<const uint8_t*>(x.data());
          if (threads == 1) {
            first_file = file;
            first_tensor.assign(bytes, bytes + x.bytes());
            continue;
          }
          const std::string where = std::string(codec) + " " + ftc_dtype_name(shape.dtype) +
                                    " N=" + std::to_string(shape.dims[0]) + " threads " +
                                    std::to_string(threads);
          EXPECT_EQ(file, first_file) << where;
          ASSERT_EQ(x.bytes(), first_tensor.size());
          EXPECT_EQ(std::memcmp(bytes, first_tensor.data(), x.bytes()), 0) << where;
        }
      }
    }
  }
}

// Encoders and decoders keep their working buffers (planes, payloads, the file) between calls: a handle used
// for batches of different sizes and shapes, larger first, must give what fresh handles give.
TEST(Threads, HandlesReusedAcrossShapesGiveWhatFreshOnesGive) {
  const std::vector<std::vector<uint64_t>> shapes = {
      {5, 32, 14, 14}, {2, 32, 14, 14}, {1, 96, 64, 60}, {3, 8, 7, 9}, {1, 32, 14, 14}};
  for (const char* codec : {"raw", "lossless", "jpeg"}) {
    if (ftc_backend_find(codec) == nullptr) continue;
    for (const int threads : {1, 2}) {
      ftc_encoder_settings s = test::Settings(codec);
      s.threads = threads;
      ftc_decoder_settings ds;
      ftc_decoder_default_settings(&ds);
      ds.threads = threads;
      ftc::Encoder reused(s);
      ftc::Decoder reused_decoder(&ds);
      uint32_t seed = 1;
      for (const auto& shape : shapes) {
        const auto t = MakeTensor(shape, FTC_DTYPE_FLOAT32, Distribution::kRelu, seed++);
        const std::string where = std::string(codec) + " threads " + std::to_string(threads) +
                                  " N=" + std::to_string(shape[0]) + " C=" + std::to_string(shape[1]);
        const ftc::Bytes file = reused.Encode(t.view());
        const std::vector<uint8_t> got(file.data(), file.data() + file.size());
        ASSERT_EQ(got, test::EncodeOrDie(s, t)) << where;
        const ftc::Tensor x = reused_decoder.Decode(got);
        const ftc::Tensor fresh = ftc::Decoder(&ds).Decode(got);
        ASSERT_EQ(x.bytes(), fresh.bytes()) << where;
        EXPECT_EQ(std::memcmp(x.data(), fresh.data(), x.bytes()), 0) << where;
      }
    }
  }
}

}  // namespace
}  // namespace ftc

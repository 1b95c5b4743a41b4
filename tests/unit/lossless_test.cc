// The lossless backend: bit-exact round trips at every bit depth and awkward sizes, the near-lossless bound,
// rejection of truncated, padded and damaged payloads without ever writing outside the plane, and
// compression that beats zstd -19 on a post-ReLU feature mosaic.
#include <gtest/gtest.h>

#include "backends/backend.h"

#ifndef FTC_HAVE_LOSSLESS
TEST(Lossless, NotBuilt) {
  GTEST_SKIP() << "built without FTC_WITH_LOSSLESS";
}
#else

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#ifdef FTC_TEST_WITH_ZSTD
#include <zstd.h>
#endif

#include "backends/lossless_model.h"
#include "common/options.h"
#include "ftc/ftc.h"
#include "test_util.h"

namespace ftc {
namespace {

struct Plane {
  uint32_t width = 0, height = 0;
  int bits = 8;
  std::vector<uint8_t> levels;
  PlaneView view() const { return {levels.data(), width, height}; }
};

Plane UniformPlane(uint32_t width, uint32_t height, int bits, uint32_t seed) {
  Plane p{width, height, bits, std::vector<uint8_t>(static_cast<size_t>(width) * height)};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(0, (1 << bits) - 1);
  for (uint8_t& v : p.levels) v = static_cast<uint8_t>(level(rng));
  return p;
}

// A mosaic of `tile_w` × `tile_h` channels like a CNN's: per tile a few smooth bumps, noise, and (relu)
// a negative bias cut at zero, quantised over [min, max] of the plane to `bits`.
Plane FeaturePlane(uint32_t width, uint32_t height, uint32_t tile_w, uint32_t tile_h, int bits, bool relu,
                   uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> v(static_cast<size_t>(width) * height);
  for (uint32_t ty = 0; ty < height; ty += tile_h) {
    for (uint32_t tx = 0; tx < width; tx += tile_w) {
      double bx[3], by[3], spread[3], amplitude[3];
      for (int k = 0; k < 3; ++k) {
        bx[k] = uniform(rng) * tile_w;
        by[k] = uniform(rng) * tile_h;
        spread[k] = (tile_w + tile_h) * (0.08 + 0.2 * uniform(rng));
        amplitude[k] = 2 * gauss(rng);
      }
      const double bias = relu ? 0.8 * uniform(rng) : 0.0;
      for (uint32_t y = ty; y < std::min(height, ty + tile_h); ++y) {
        for (uint32_t x = tx; x < std::min(width, tx + tile_w); ++x) {
          double s = 0.2 * gauss(rng) - bias;
          for (int k = 0; k < 3; ++k) {
            const double dx = x - tx - bx[k], dy = y - ty - by[k];
            s += amplitude[k] * std::exp(-(dx * dx + dy * dy) / (2 * spread[k] * spread[k]));
          }
          v[static_cast<size_t>(y) * width + x] = relu ? std::max(s, 0.0) : s;
        }
      }
    }
  }
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const double scale = *hi > *lo ? ((1 << bits) - 1) / (*hi - *lo) : 0;
  Plane p{width, height, bits, std::vector<uint8_t>(v.size())};
  for (size_t i = 0; i < v.size(); ++i) p.levels[i] = static_cast<uint8_t>(std::lround((v[i] - *lo) * scale));
  return p;
}

class LosslessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = FindBackend("lossless");
    ASSERT_NE(backend_, nullptr);
    Options options;
    ASSERT_TRUE(Options::Parse("", &options).ok());
    ASSERT_TRUE(backend_->create(options, &state_).ok());
  }
  void TearDown() override {
    if (backend_ != nullptr) backend_->destroy(state_);
  }

  static CodingParams Params(int bits, int max_error = 0) { return {90, bits, max_error}; }

  std::vector<uint8_t> Encode(const Plane& p, int max_error = 0) {
    std::vector<uint8_t> settings, payload;
    const Status s = backend_->encode(state_, p.view(), Params(p.bits, max_error), &settings, &payload);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(settings.empty());
    return payload;
  }
  Status Decode(std::span<const uint8_t> payload, const Plane& like, std::vector<uint8_t>* out,
                int max_error = 0) {
    out->assign(like.levels.size(), 0);
    return backend_->decode(state_, {}, payload, Params(like.bits, max_error),
                            {out->data(), like.width, like.height});
  }

  const Backend* backend_ = nullptr;
  void* state_ = nullptr;
};

TEST_F(LosslessTest, IsRegisteredAsLosslessAndNearLossless) {
  EXPECT_EQ(backend_->info.id, kBackendLossless);
  EXPECT_EQ(FindBackendById(kBackendLossless), backend_);
  EXPECT_EQ(backend_->info.capabilities,
            FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_LOSSLESS | FTC_CAP_NEAR_LOSSLESS);
  EXPECT_EQ(backend_->info.block_align, 1u);
  EXPECT_FALSE(backend_->spread_levels);
}

TEST_F(LosslessTest, RejectsUnknownOptions) {
  Options options;
  ASSERT_TRUE(Options::Parse("speed=3", &options).ok());
  void* state = nullptr;
  ASSERT_TRUE(backend_->create(options, &state).ok());
  EXPECT_EQ(options.Unused(), "speed");
  backend_->destroy(state);
}

TEST_F(LosslessTest, RoundTripIsBitExactAtEveryBitDepthAndSize) {
  const std::pair<uint32_t, uint32_t> sizes[] = {{1, 1}, {1, 7}, {7, 1}, {13, 5}, {64, 64}, {513, 3}};
  for (int bits = 1; bits <= 8; ++bits) {
    for (const auto& [w, h] : sizes) {
      for (const Plane& p : {UniformPlane(w, h, bits, 7u * bits + w),
                             FeaturePlane(w, h, std::min(w, 7u), std::min(h, 7u), bits, true, bits + h)}) {
        SCOPED_TRACE("bits " + std::to_string(bits) + ", " + std::to_string(w) + "x" + std::to_string(h));
        const std::vector<uint8_t> payload = Encode(p);
        std::vector<uint8_t> out;
        const Status s = Decode(payload, p, &out);
        ASSERT_TRUE(s.ok()) << s.message();
        ASSERT_EQ(out, p.levels);
      }
    }
  }
}

// Extremes everywhere: every predictor is far off at every pixel, which must not starve the blend of weight.
TEST_F(LosslessTest, RoundTripsPlanesOfExtremes) {
  for (uint32_t period : {1u, 2u, 3u}) {
    Plane p{64, 48, 8, std::vector<uint8_t>(64 * 48)};
    for (uint32_t y = 0; y < p.height; ++y)
      for (uint32_t x = 0; x < p.width; ++x)
        p.levels[y * p.width + x] = ((x / period + y) % 2 == 0) ? 255 : 0;
    std::vector<uint8_t> out;
    ASSERT_TRUE(Decode(Encode(p), p, &out).ok());
    EXPECT_EQ(out, p.levels) << "period " << period;
  }
}

TEST_F(LosslessTest, ConstantPlanesCostAlmostNothing) {
  for (int bits : {1, 4, 8}) {
    for (int level : {0, (1 << bits) - 1}) {
      Plane p{256, 256, bits, std::vector<uint8_t>(256 * 256, static_cast<uint8_t>(level))};
      const std::vector<uint8_t> payload = Encode(p);
      EXPECT_LT(payload.size(), 64u) << "bits " << bits << ", level " << level;
      std::vector<uint8_t> out;
      ASSERT_TRUE(Decode(payload, p, &out).ok());
      EXPECT_EQ(out, p.levels);
    }
  }
}

// The model itself, given the tile size (the shared layer's mosaic grid).
TEST(LosslessModel, TiledRoundTripIsBitExactAndTilesPay) {
  struct Case {
    uint32_t width, height, tile_w, tile_h;
  };
  const Case cases[] = {{112, 112, 14, 14}, {56, 112, 7, 7}, {64, 32, 4, 4}, {513, 3, 19, 3},
                        {13, 5, 13, 5},     {30, 30, 7, 7} /* 7 does not divide 30: coded as one tile */};
  lossless::Workspace work;
  for (const Case& c : cases) {
    for (int bits : {2, 5, 8}) {
      SCOPED_TRACE(std::to_string(c.width) + "x" + std::to_string(c.height) + " tiles " +
                   std::to_string(c.tile_w) + "x" + std::to_string(c.tile_h) + ", bits " +
                   std::to_string(bits));
      const Plane p = FeaturePlane(c.width, c.height, c.tile_w, c.tile_h, bits, true, c.width + bits);
      lossless::PlaneLayout tiled{c.tile_w, c.tile_h, bits, 0};
      std::vector<uint8_t> payload;
      lossless::EncodePlane(p.view(), tiled, &work, &payload);
      std::vector<uint8_t> out(p.levels.size());
      const Status s = lossless::DecodePlane(payload, tiled, &work, {out.data(), p.width, p.height});
      ASSERT_TRUE(s.ok()) << s.message();
      ASSERT_EQ(out, p.levels);
      // The same payload read as one tile decodes to something else, or fails: the layout matters.
      const lossless::PlaneLayout whole{0, 0, bits, 0};
      std::vector<uint8_t> other(p.levels.size());
      const bool divides = c.width % c.tile_w == 0 && c.height % c.tile_h == 0;
      if (divides && c.tile_w < c.width) {
        const Status t = lossless::DecodePlane(payload, whole, &work, {other.data(), p.width, p.height});
        EXPECT_TRUE(!t.ok() || other != p.levels);
      }
    }
  }
  // Predicting across tile borders costs: on a 14x14-tile mosaic the tiled coder is smaller.
  const Plane p = FeaturePlane(112, 112, 14, 14, 8, true, 99);
  std::vector<uint8_t> tiled, whole;
  lossless::EncodePlane(p.view(), {14, 14, 8, 0}, &work, &tiled);
  lossless::EncodePlane(p.view(), {0, 0, 8, 0}, &work, &whole);
  EXPECT_LT(tiled.size(), whole.size());
}

TEST_F(LosslessTest, NearLosslessKeepsEveryLevelWithinMaxError) {
  for (int bits = 1; bits <= 8; ++bits) {
    const Plane planes[] = {UniformPlane(61, 37, bits, bits),
                            FeaturePlane(70, 49, 7, 7, bits, true, 3 * bits),
                            FeaturePlane(64, 64, 16, 16, bits, false, 5 * bits)};
    for (const Plane& p : planes) {
      for (int e = 0; e <= 4; ++e) {
        SCOPED_TRACE("bits " + std::to_string(bits) + ", max_error " + std::to_string(e));
        const std::vector<uint8_t> payload = Encode(p, e);
        std::vector<uint8_t> out;
        const Status s = Decode(payload, p, &out, e);
        ASSERT_TRUE(s.ok()) << s.message();
        int worst = 0;
        for (size_t i = 0; i < out.size(); ++i) {
          ASSERT_LE(out[i], (1 << bits) - 1);
          worst = std::max(worst, std::abs(out[i] - p.levels[i]));
        }
        EXPECT_LE(worst, e);
      }
    }
  }
  // Noisy 8-bit features shrink by more than a third at max_error 2.
  const Plane p = FeaturePlane(112, 112, 14, 14, 8, true, 11);
  EXPECT_LT(Encode(p, 2).size() * 3, Encode(p, 0).size() * 2);
}

TEST_F(LosslessTest, MaxErrorAtLeastTheTopLevelDecodesAllZero) {
  const Plane p = UniformPlane(40, 40, 2, 5);
  const std::vector<uint8_t> payload = Encode(p, 3);
  EXPECT_LE(payload.size(), 3u);  // the 16-bit check and the flush
  std::vector<uint8_t> out;
  ASSERT_TRUE(Decode(payload, p, &out, 3).ok());
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](uint8_t v) { return v == 0; }));
}

TEST_F(LosslessTest, EncoderRejectsLevelsAboveTheBitDepth) {
  Plane p = UniformPlane(9, 9, 4, 1);
  p.levels[40] = 16;
  std::vector<uint8_t> settings, payload;
  const Status s = backend_->encode(state_, p.view(), Params(4), &settings, &payload);
  EXPECT_EQ(s.code(), FTC_ERROR_INVALID_ARGUMENT);
}

TEST_F(LosslessTest, DecoderRejectsSettingsBytesAndBadParameters) {
  const Plane p = FeaturePlane(14, 14, 14, 14, 8, true, 2);
  const std::vector<uint8_t> payload = Encode(p);
  std::vector<uint8_t> out(p.levels.size());
  const std::vector<uint8_t> settings = {0};
  EXPECT_EQ(backend_->decode(state_, settings, payload, Params(8), {out.data(), 14, 14}).code(),
            FTC_ERROR_CORRUPT);
  EXPECT_EQ(backend_->decode(state_, {}, payload, Params(9), {out.data(), 14, 14}).code(), FTC_ERROR_CORRUPT);
  EXPECT_EQ(backend_->decode(state_, {}, payload, Params(8, -1), {out.data(), 14, 14}).code(),
            FTC_ERROR_CORRUPT);
}

TEST_F(LosslessTest, EveryTruncationIsRejected) {
  for (int bits : {2, 8}) {
    const Plane p = FeaturePlane(56, 56, 7, 7, bits, true, 21);
    const std::vector<uint8_t> payload = Encode(p);
    ASSERT_GT(payload.size(), 100u);
    for (size_t size = 0; size < payload.size(); ++size) {
      std::vector<uint8_t> out;
      const Status s = Decode(std::span(payload).first(size), p, &out);
      ASSERT_FALSE(s.ok()) << "bits " << bits << ", " << size << " of " << payload.size() << " bytes decoded";
      EXPECT_TRUE(s.code() == FTC_ERROR_TRUNCATED || s.code() == FTC_ERROR_CORRUPT) << s.message();
    }
  }
}

TEST_F(LosslessTest, BytesLeftOverAreRejected) {
  const Plane p = FeaturePlane(56, 56, 7, 7, 6, true, 4);
  const std::vector<uint8_t> payload = Encode(p);
  for (const std::vector<uint8_t>& extra : {std::vector<uint8_t>{0}, {0xFF}, {0, 0, 0, 0}, {0x80, 0x01}}) {
    std::vector<uint8_t> padded = payload;
    padded.insert(padded.end(), extra.begin(), extra.end());
    std::vector<uint8_t> out;
    EXPECT_EQ(Decode(padded, p, &out).code(), FTC_ERROR_CORRUPT) << extra.size() << " extra bytes";
  }
}

// Damaged payloads: the decoder must fail, or (when the damage only moved the final code value within its
// range) produce the original plane, and never touch memory outside the plane: checked with guard bytes
// here, and by AddressSanitizer in a sanitizer build.
TEST_F(LosslessTest, DamagedPayloadsAreRejectedAndNeverEscapeThePlane) {
  for (int bits : {3, 8}) {
    const Plane p = FeaturePlane(49, 49, 7, 7, bits, true, 8);
    const std::vector<uint8_t> payload = Encode(p);
    constexpr size_t kGuard = 64;
    std::vector<uint8_t> buffer(kGuard + p.levels.size() + kGuard, 0xA5);
    int damaged = 0, accepted = 0;
    for (size_t i = 0; i < payload.size(); ++i) {
      for (uint8_t flip : {0x01, 0x80, 0xFF, 0x5A}) {
        std::vector<uint8_t> bad = payload;
        bad[i] ^= flip;
        const Status s =
            backend_->decode(state_, {}, bad, Params(bits), {buffer.data() + kGuard, p.width, p.height});
        ++damaged;
        if (s.ok()) {
          ++accepted;
          EXPECT_TRUE(std::equal(p.levels.begin(), p.levels.end(), buffer.begin() + kGuard)) << "byte " << i;
        } else {
          EXPECT_TRUE(s.code() == FTC_ERROR_CORRUPT || s.code() == FTC_ERROR_TRUNCATED) << s.message();
        }
        for (size_t g = 0; g < kGuard; ++g) {
          ASSERT_EQ(buffer[g], 0xA5);
          ASSERT_EQ(buffer[buffer.size() - 1 - g], 0xA5);
        }
      }
    }
    EXPECT_LT(accepted * 100, damaged) << accepted << " of " << damaged << " damaged payloads accepted";
  }
}

TEST_F(LosslessTest, RandomBytesNeverEscapeThePlane) {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int bits : {1, 3, 8}) {
    const Plane like{33, 17, bits, {}};
    for (size_t size : {0, 1, 2, 5, 40, 600, 5000}) {
      std::vector<uint8_t> junk(size);
      for (uint8_t& b : junk) b = static_cast<uint8_t>(byte(rng));
      for (int max_error : {0, 2}) {
        std::vector<uint8_t> out(like.width * like.height);
        const Status s = backend_->decode(state_, {}, junk, Params(bits, max_error),
                                          {out.data(), like.width, like.height});
        if (s.ok()) {
          EXPECT_TRUE(std::all_of(out.begin(), out.end(), [&](uint8_t v) { return v < (1 << bits); }));
        } else {
          EXPECT_TRUE(s.code() == FTC_ERROR_CORRUPT || s.code() == FTC_ERROR_TRUNCATED) << s.message();
        }
      }
    }
  }
}

#ifdef FTC_TEST_WITH_ZSTD
TEST_F(LosslessTest, BeatsZstd19OnPostReluMosaics) {
  for (int bits : {8, 4, 2}) {
    const Plane p = FeaturePlane(112, 112, 14, 14, bits, true, 40 + bits);
    std::vector<uint8_t> zstd(ZSTD_compressBound(p.levels.size()));
    const size_t zstd_size = ZSTD_compress(zstd.data(), zstd.size(), p.levels.data(), p.levels.size(), 19);
    ASSERT_FALSE(ZSTD_isError(zstd_size));
    const size_t ours = Encode(p).size();
    EXPECT_LT(ours, zstd_size) << "bits " << bits;
    RecordProperty("bits" + std::to_string(bits),
                   std::to_string(ours) + " vs zstd " + std::to_string(zstd_size));
  }
}
#else
TEST_F(LosslessTest, BeatsZstd19OnPostReluMosaics) {
  GTEST_SKIP() << "lossless_test is not linked with libzstd";
}
#endif

// Through the public API: the decoded mosaic is the encoder's, bit for bit, or within max_error.
TEST(LosslessApi, DecodedMosaicMatchesTheEncodersWithinMaxError) {
  const test::HostTensor t =
      test::MakeTensor({2, 24, 9, 11}, FTC_DTYPE_FLOAT32, test::Distribution::kRelu, 3);
  for (int max_error : {0, 1, 3}) {
    ftc_encoder_settings s = test::Settings("lossless", 6);
    s.max_error = max_error;
    ftc_encoder* encoder = nullptr;
    ASSERT_EQ(ftc_encoder_create(&s, &encoder, nullptr), FTC_OK);
    const ftc_tensor view = t.view();
    ftc_buffer file{};
    ASSERT_EQ(ftc_encode(encoder, &view, &file), FTC_OK) << ftc_encoder_last_error(encoder);
    ftc_decoder* decoder = nullptr;
    ASSERT_EQ(ftc_decoder_create(nullptr, &decoder, nullptr), FTC_OK);
    for (uint64_t item = 0; item < 2; ++item) {
      ftc_plane original{}, decoded{};
      ASSERT_EQ(ftc_encoder_mosaic(encoder, &view, item, &original), FTC_OK);
      ASSERT_EQ(ftc_decode_mosaic(decoder, file.data, file.size, item, &decoded), FTC_OK)
          << ftc_decoder_last_error(decoder);
      ASSERT_EQ(decoded.width, original.width);
      ASSERT_EQ(decoded.height, original.height);
      int worst = 0;
      for (size_t i = 0; i < static_cast<size_t>(original.width) * original.height; ++i)
        worst = std::max(worst, std::abs(decoded.data[i] - original.data[i]));
      EXPECT_LE(worst, max_error);
      ftc_plane_free(&original);
      ftc_plane_free(&decoded);
    }
    ftc_decoder_destroy(decoder);
    ftc_buffer_free(&file);
    ftc_encoder_destroy(encoder);
  }
}

}  // namespace
}  // namespace ftc

#endif  // FTC_HAVE_LOSSLESS

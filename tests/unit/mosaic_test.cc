// The mosaic tiler: grid choice, alignment, padding fill, and the fused kernels' inverse property.
#include <gtest/gtest.h>

#include <algorithm>

#include "mosaic/mosaic.h"
#include "test_util.h"

namespace ftc {
namespace {

TEST(Mosaic, GridHasTheSmallestPaddedAreaOfAllGrids) {
  for (uint32_t align : {1u, 8u, 16u}) {
    for (uint64_t c : {1, 2, 3, 5, 7, 16, 37, 64, 100, 256, 512}) {
      for (uint64_t hw : {1, 3, 4, 7, 14, 28}) {
        const TensorShape s{1, c, hw, hw + 1};
        MosaicGrid g;
        ASSERT_TRUE(ChooseGrid(s, align, &g).ok());
        EXPECT_GE(static_cast<uint64_t>(g.rows) * g.cols, c);
        EXPECT_EQ(g.rows, (c + g.cols - 1) / g.cols);
        EXPECT_EQ(g.width % align, 0u);
        EXPECT_EQ(g.height % align, 0u);
        EXPECT_GE(g.width, g.cols * s.w);
        EXPECT_GE(g.height, g.rows * s.h);
        for (uint64_t cols = 1; cols <= c; ++cols) {
          const uint64_t rows = (c + cols - 1) / cols;
          const uint64_t area = static_cast<uint64_t>(AlignUp(cols * s.w, align)) * AlignUp(rows * s.h, align);
          EXPECT_LE(g.area(), area) << "C=" << c << " cols=" << cols;
        }
      }
    }
  }
}

TEST(Mosaic, ChannelsThatCannotFitAreALimitError) {
  MosaicGrid g;
  EXPECT_EQ(ChooseGrid({1, 1, 70000, 1}, 1, &g).code(), FTC_ERROR_LIMIT);
  EXPECT_EQ(ChooseGrid({1, 4096, 2048, 2048}, 1, &g).code(), FTC_ERROR_LIMIT);
}

// Bands tile the plane from top to bottom without gaps, each whole units (tile rows that keep the alignment)
// but the last, which ends at the plane's bottom; the encoder's count follows the plane's area only.
TEST(Mosaic, BandsCoverThePlaneInWholeUnits) {
  for (uint32_t align : {1u, 8u, 16u, 32u}) {
    for (uint64_t c : {1, 7, 64, 128, 500, 2048}) {
      for (uint64_t hw : {5, 14, 28, 56, 100}) {
        MosaicGrid g;
        if (!ChooseGrid({1, c, hw, hw}, align, &g).ok()) continue;
        const uint64_t unit = BandUnit(g);
        EXPECT_EQ(unit % g.tile_h, 0u);
        EXPECT_EQ(unit % align, 0u);
        const uint32_t most = MaxBands(g);
        ASSERT_GE(most, 1u);
        const uint32_t chosen = ChooseBands(g);
        EXPECT_GE(chosen, 1u);
        EXPECT_LE(chosen, std::min(most, kMaxBands));
        EXPECT_EQ(chosen & (chosen - 1), 0u) << "a power of two";
        EXPECT_EQ(chosen > 1, g.area() >= 2 * kBandPixels && most >= 2) << g.width << "x" << g.height;
        for (uint32_t bands : {1u, 2u, 3u, 5u, most}) {
          if (bands > most) continue;
          g.bands = bands;
          uint32_t next = 0;
          for (uint32_t b = 0; b < bands; ++b) {
            const BandRows r = Band(g, b);
            ASSERT_EQ(r.top, next) << "band " << b << " of " << bands;
            ASSERT_GT(r.rows, 0u);
            if (b + 1 < bands) {
              EXPECT_EQ(r.rows % unit, 0u);
            }
            EXPECT_EQ(r.top % unit, 0u);
            next = r.top + r.rows;
          }
          EXPECT_EQ(next, g.height);
        }
      }
    }
  }
  MosaicGrid g;  // 128 channels of 56×56 as JPEG lays them out: 896×448 pixels, under 2^19
  ASSERT_TRUE(ChooseGrid({1, 128, 56, 56}, 8, &g).ok());
  EXPECT_EQ(ChooseBands(g), 1u);
  ASSERT_TRUE(ChooseGrid({1, 256, 56, 56}, 8, &g).ok());  // 896×896: 3 × 2^18 pixels, rounded down to 2
  EXPECT_EQ(ChooseBands(g), 2u);
  ASSERT_TRUE(ChooseGrid({1, 2048, 64, 64}, 8, &g).ok());  // 2^23 pixels: 32 bands
  EXPECT_EQ(ChooseBands(g), 32u);
}

TEST(Mosaic, PixelMapSpreadsAndSnapsBack) {
  for (int bits = 1; bits <= 8; ++bits) {
    const int levels = 1 << bits;
    const PixelMap spread(levels, true), plain(levels, false);
    EXPECT_EQ(spread.to_pixel[0], 0);
    EXPECT_EQ(spread.to_pixel[levels - 1], 255);
    for (int l = 0; l < levels; ++l) {
      EXPECT_EQ(spread.to_level[spread.to_pixel[l]], l);
      EXPECT_EQ(plain.to_pixel[l], l);
      EXPECT_EQ(plain.to_level[l], l);
      // Each pixel value snaps to the nearest level.
      for (int p = 0; p < 256; ++p) {
        const double exact = p * (levels - 1) / 255.0;
        EXPECT_LE(std::abs(spread.to_level[p] - exact), 0.5 + 1e-9);
      }
    }
  }
}

TEST(Mosaic, PaddingHoldsTheLevelOfZeroAndTilesTheirChannels) {
  // Channel c is the constant c - 2 so that each tile is recognisable and 0 lies inside the range.
  const uint64_t C = 5, H = 3, W = 4;
  test::HostTensor t;
  t.shape = {1, C, H, W};
  t.bytes.resize(C * H * W * 4);
  for (uint64_t i = 0; i < C * H * W; ++i)
    reinterpret_cast<float*>(t.bytes.data())[i] = static_cast<float>(i / (H * W)) - 2.0f;
  TensorView v;
  const ftc_tensor raw = t.view();
  ASSERT_TRUE(ViewTensor(raw, &v).ok());
  QuantParams q;
  ASSERT_TRUE(ComputeQuantParams(v, 8, {FTC_CLIP_MINMAX, 3, 0, 0}, false, &q).ok());
  MosaicGrid g;
  ASSERT_TRUE(ChooseGrid(v.shape, 8, &g).ok());
  const PixelMap map(256, false);
  std::vector<uint8_t> plane(g.area());
  QuantizeToPlane(v, 0, q, g, map, plane.data());
  const LevelMap lm(q.lo[0], q.hi[0], 256);
  const int zero = lm.Quantize(0.0f);
  for (uint32_t y = 0; y < g.height; ++y) {
    for (uint32_t x = 0; x < g.width; ++x) {
      const uint64_t c = static_cast<uint64_t>(y / H) * g.cols + x / W;
      const bool in_tile = y < g.rows * H && x < g.cols * W && c < C;
      const int expected = in_tile ? lm.Quantize(static_cast<float>(c) - 2.0f) : zero;
      ASSERT_EQ(plane[y * g.width + x], expected) << x << "," << y;
    }
  }
  // And the inverse gives back every channel's value.
  std::vector<float> back(C * H * W);
  PlaneToTensor(plane.data(), g, q, map, 0, v.shape, FTC_DTYPE_FLOAT32, back.data());
  const float half_step = (q.hi[0] - q.lo[0]) / 255 / 2;
  for (uint64_t i = 0; i < back.size(); ++i)
    EXPECT_NEAR(back[i], static_cast<float>(i / (H * W)) - 2.0f, half_step * 1.0001f);
}

TEST(Mosaic, FillIsTheMiddleLevelWhenZeroIsOutsideTheRange) {
  const LevelMap lm(2.0f, 5.0f, 16);
  EXPECT_EQ(lm.FillLevel(5.0f), 8);
  const LevelMap lm0(-1.0f, 1.0f, 16);
  EXPECT_EQ(lm0.FillLevel(1.0f), lm0.Quantize(0.0f));
}

}  // namespace
}  // namespace ftc

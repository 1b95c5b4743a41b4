// The jpeg backend: round trips against libjpeg-turbo's own decode of a standard JFIF file, the payload
// holding nothing but the scan (and tables when they pay), and rejection of damaged payloads.
#include <gtest/gtest.h>

#include "backends/backend.h"

#ifndef FTC_HAVE_JPEG
TEST(Jpeg, NotBuilt) {
  GTEST_SKIP() << "built without FTC_WITH_JPEG";
}
#else

#include <algorithm>
#include <cmath>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "common/options.h"
#include "ftc/ftc.h"

namespace ftc {
namespace {

struct Plane {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> pixels;
  PlaneView view() const { return {pixels.data(), width, height}; }
};

// A mosaic like the shared layer makes: tiles of `tile` × `tile`, each channel a few smooth bumps plus
// noise (post-ReLU when `relu`), clipped at mean ± 3 sigma, quantised to `bits` and spread over 0..255.
Plane FeaturePlane(uint32_t width, uint32_t height, uint32_t tile, bool relu, uint32_t seed, int bits = 8,
                   double noise = 0.3) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> v(static_cast<size_t>(width) * height);
  for (uint32_t ty = 0; ty < height; ty += tile) {
    for (uint32_t tx = 0; tx < width; tx += tile) {
      double bx[4], by[4], spread[4], amplitude[4];
      for (int k = 0; k < 4; ++k) {
        bx[k] = uniform(rng) * tile;
        by[k] = uniform(rng) * tile;
        spread[k] = tile * (0.15 + 0.35 * uniform(rng));
        amplitude[k] = gauss(rng);
      }
      const double bias = relu ? 0.5 * uniform(rng) : 0.0;
      for (uint32_t y = ty; y < std::min(height, ty + tile); ++y) {
        for (uint32_t x = tx; x < std::min(width, tx + tile); ++x) {
          double s = noise * gauss(rng) - bias;
          for (int k = 0; k < 4; ++k) {
            const double dx = x - tx - bx[k], dy = y - ty - by[k];
            s += amplitude[k] * std::exp(-(dx * dx + dy * dy) / (2 * spread[k] * spread[k]));
          }
          v[static_cast<size_t>(y) * width + x] = relu ? std::max(0.0, s) : s;
        }
      }
    }
  }
  double sum = 0, squares = 0, lo = v[0], hi = v[0];
  for (double x : v) {
    sum += x;
    squares += x * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const double mean = sum / v.size(), sd = std::sqrt(std::max(0.0, squares / v.size() - mean * mean));
  const double a = std::max(lo, mean - 3 * sd), b = std::max(std::min(hi, mean + 3 * sd), a + 1e-9);
  const int top = (1 << bits) - 1;
  Plane p{width, height, std::vector<uint8_t>(v.size())};
  for (size_t i = 0; i < v.size(); ++i) {
    const long level = std::lround(top * std::clamp((v[i] - a) / (b - a), 0.0, 1.0));
    p.pixels[i] = static_cast<uint8_t>(level * 255 / top);
  }
  return p;
}

Plane SmoothPlane(uint32_t width, uint32_t height, uint32_t seed) {
  return FeaturePlane(width, height, 28, false, seed, 8, 0.0);
}

double Psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double squares = 0;
  for (size_t i = 0; i < a.size(); ++i) squares += (a[i] - b[i]) * (a[i] - b[i]);
  if (squares == 0) return 99.0;
  return 10 * std::log10(255.0 * 255.0 * a.size() / squares);
}

// One backend state, as a worker thread holds it.
class JpegCodec {
 public:
  explicit JpegCodec(const char* options = "") {
    backend_ = FindBackend("jpeg");
    EXPECT_NE(backend_, nullptr);
    Options parsed;
    EXPECT_TRUE(Options::Parse(options, &parsed).ok());
    const Status s = backend_->create(parsed, &state_);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(parsed.Unused(), "");
  }
  ~JpegCodec() { backend_->destroy(state_); }
  JpegCodec(const JpegCodec&) = delete;
  JpegCodec& operator=(const JpegCodec&) = delete;

  std::vector<uint8_t> Encode(const Plane& p, int quality) {
    std::vector<uint8_t> settings, payload;
    const Status s = backend_->encode(state_, p.view(), Params(quality), &settings, &payload);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(settings.empty());
    return payload;
  }
  Status Decode(std::span<const uint8_t> payload, int quality, uint32_t width, uint32_t height,
                std::vector<uint8_t>* out, std::span<const uint8_t> settings = {}) {
    out->assign(static_cast<size_t>(width) * height, 0);
    return backend_->decode(state_, settings, payload, Params(quality), {out->data(), width, height});
  }

 private:
  static CodingParams Params(int quality) { return {quality, 8, 0}; }
  const Backend* backend_ = nullptr;
  void* state_ = nullptr;
};

// libjpeg-turbo on its own: a standard JFIF file of the plane, and its decode.
std::vector<uint8_t> JfifEncode(const Plane& p, int quality) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = p.width;
  c.image_height = p.height;
  c.input_components = 1;
  c.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  c.dct_method = JDCT_ISLOW;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(&p.pixels[static_cast<size_t>(c.next_scanline) * p.width]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<uint8_t> file(buffer, buffer + size);
  std::free(buffer);
  return file;
}

std::vector<uint8_t> JfifDecode(const std::vector<uint8_t>& file) {
  jpeg_decompress_struct d;
  jpeg_error_mgr err;
  d.err = jpeg_std_error(&err);
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, file.data(), file.size());
  jpeg_read_header(&d, TRUE);
  d.dct_method = JDCT_ISLOW;
  jpeg_start_decompress(&d);
  std::vector<uint8_t> pixels(static_cast<size_t>(d.output_width) * d.output_height);
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = &pixels[static_cast<size_t>(d.output_scanline) * d.output_width];
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return pixels;
}

// The entropy-coded segment of a JFIF file: between the SOS segment and EOI.
std::vector<uint8_t> ScanOfJfif(const std::vector<uint8_t>& file) {
  size_t at = 2;
  while (file[at + 1] != 0xDA) at += 2 + (file[at + 2] << 8 | file[at + 3]);
  const size_t begin = at + 2 + (file[at + 2] << 8 | file[at + 3]);
  return {file.begin() + static_cast<long>(begin), file.end() - 2};
}

bool CarriesTables(const std::vector<uint8_t>& payload) {
  return payload.size() >= 2 && payload[0] == 0xFF && payload[1] != 0x00;
}

const char* const kModes[] = {"huffman=standard", "huffman=optimized", "huffman=auto"};

TEST(Jpeg, Info) {
  const Backend* b = FindBackend("jpeg");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->info.id, kBackendJpeg);
  EXPECT_EQ(b->info.capabilities, FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_QUALITY);
  EXPECT_EQ(b->info.block_align, 8u);
  EXPECT_TRUE(b->spread_levels);
  EXPECT_EQ(std::string(b->info.library).rfind("libjpeg-turbo ", 0), 0u) << b->info.library;
  EXPECT_EQ(FindBackendById(kBackendJpeg), b);
}

// The synthesised headers are right: every mode decodes to exactly what libjpeg-turbo decodes from a
// standard JFIF file of the same plane and quality.
TEST(Jpeg, DecodesLikeLibjpegTurboOnAJfifFile) {
  const std::pair<uint32_t, uint32_t> sizes[] = {{8, 8},     {16, 8},    {8, 64},    {56, 56},  {64, 24},
                                                 {112, 112}, {224, 224}, {448, 448}, {1024, 16}};
  for (const char* mode : kModes) {
    JpegCodec codec(mode);
    for (const auto& [w, h] : sizes) {
      for (int quality : {1, 50, 90, 100}) {
        SCOPED_TRACE(std::string(mode) + " " + std::to_string(w) + "x" + std::to_string(h) + " q" +
                     std::to_string(quality));
        const Plane p = FeaturePlane(w, h, 14, (w + quality) % 2 == 0, w * 1000 + h + quality);
        const std::vector<uint8_t> payload = codec.Encode(p, quality);
        std::vector<uint8_t> decoded;
        const Status s = codec.Decode(payload, quality, w, h, &decoded);
        ASSERT_TRUE(s.ok()) << s.message();
        EXPECT_EQ(decoded, JfifDecode(JfifEncode(p, quality)));
      }
    }
  }
}

// With the standard tables the payload is the JFIF file's scan, byte for byte: nothing else is stored.
TEST(Jpeg, StandardPayloadIsTheScanAlone) {
  JpegCodec codec("huffman=standard");
  for (int quality : {10, 50, 90}) {
    const Plane p = FeaturePlane(56, 56, 7, true, 7u + quality);
    EXPECT_EQ(codec.Encode(p, quality), ScanOfJfif(JfifEncode(p, quality)));
  }
}

TEST(Jpeg, PsnrAbove40dBAtQuality95OnSmoothContent) {
  JpegCodec codec;
  for (uint32_t side : {56u, 224u}) {
    const Plane p = SmoothPlane(side, side, side);
    std::vector<uint8_t> decoded;
    ASSERT_TRUE(codec.Decode(codec.Encode(p, 95), 95, side, side, &decoded).ok());
    EXPECT_GE(Psnr(p.pixels, decoded), 40.0) << side;
  }
}

TEST(Jpeg, BytesAndPsnrGrowWithQuality) {
  for (const char* mode : kModes) {
    JpegCodec codec(mode);
    const Plane p = FeaturePlane(112, 112, 14, false, 3);
    size_t last_bytes = 0;
    double last_psnr = 0;
    for (int quality : {5, 20, 40, 60, 80, 95, 100}) {
      const std::vector<uint8_t> payload = codec.Encode(p, quality);
      std::vector<uint8_t> decoded;
      ASSERT_TRUE(codec.Decode(payload, quality, p.width, p.height, &decoded).ok());
      const double psnr = Psnr(p.pixels, decoded);
      EXPECT_GT(payload.size(), last_bytes) << mode << " q" << quality;
      EXPECT_GT(psnr, last_psnr) << mode << " q" << quality;
      last_bytes = payload.size();
      last_psnr = psnr;
    }
  }
}

// auto keeps whichever of the standard and the optimised payload is smaller; tables win on large planes.
TEST(Jpeg, AutoKeepsTheSmallerPayload) {
  JpegCodec standard("huffman=standard"), optimized("huffman=optimized"), automatic("huffman=auto");
  for (uint32_t side : {56u, 112u, 448u}) {
    for (int bits : {8, 2}) {
      for (int quality : {10, 50, 95}) {
        SCOPED_TRACE(std::to_string(side) + " bits " + std::to_string(bits) + " q" + std::to_string(quality));
        const Plane p = FeaturePlane(side, side, side / 8, true, side + bits + quality, bits);
        const auto s = standard.Encode(p, quality), o = optimized.Encode(p, quality),
                   a = automatic.Encode(p, quality);
        EXPECT_FALSE(CarriesTables(s));
        EXPECT_TRUE(CarriesTables(o));
        EXPECT_EQ(a.size(), std::min(s.size(), o.size()));
        EXPECT_EQ(a, CarriesTables(a) ? o : s);
        std::vector<uint8_t> decoded;
        ASSERT_TRUE(optimized.Decode(o, quality, side, side, &decoded).ok());
        EXPECT_EQ(decoded, JfifDecode(JfifEncode(p, quality)));
      }
    }
  }
  const Plane large = FeaturePlane(448, 448, 28, true, 11);
  EXPECT_TRUE(CarriesTables(automatic.Encode(large, 50)));
  EXPECT_LT(automatic.Encode(large, 50).size(), standard.Encode(large, 50).size());
}

// Over many small planes, where what the tables save is close to what they cost, auto's payload is one of the
// other two modes' and never the larger. Some of these (16 of the 1200 when this was written) are the close
// calls in which the encoder codes the standard scan as well, because padding and byte stuffing decide.
TEST(Jpeg, AutoOnCloseCalls) {
  JpegCodec standard("huffman=standard"), optimized("huffman=optimized"), automatic("huffman=auto");
  int with_tables = 0, without = 0;
  for (uint32_t side : {8u, 16u, 24u, 32u, 40u, 56u}) {
    for (uint32_t seed = 0; seed < 200; ++seed) {
      const int quality = 5 + static_cast<int>(seed * 7 % 95);
      SCOPED_TRACE(std::to_string(side) + " seed " + std::to_string(seed));
      const Plane p = FeaturePlane(side, side, std::max(side / 4, 2u), seed % 2 == 0, 1000 + seed, 8);
      const auto s = standard.Encode(p, quality), o = optimized.Encode(p, quality),
                 a = automatic.Encode(p, quality);
      ASSERT_TRUE(a == s || a == o);
      EXPECT_LE(a.size(), s.size());
      if (a == o) {
        EXPECT_LT(o.size(), s.size());
      }
      (CarriesTables(a) ? with_tables : without) += 1;
      std::vector<uint8_t> from_auto, from_standard;
      ASSERT_TRUE(automatic.Decode(a, quality, side, side, &from_auto).ok());
      ASSERT_TRUE(standard.Decode(s, quality, side, side, &from_standard).ok());
      EXPECT_EQ(from_auto, from_standard);  // the same coefficients, whatever the tables
    }
  }
  EXPECT_GT(with_tables, 0);
  EXPECT_GT(without, 0);
}

void ExpectEveryTruncationRejected(JpegCodec& codec, const std::vector<uint8_t>& payload, int quality,
                                   uint32_t w, uint32_t h) {
  std::vector<uint8_t> decoded;
  for (size_t n = 0; n < payload.size(); ++n)
    EXPECT_FALSE(codec.Decode(std::span(payload.data(), n), quality, w, h, &decoded).ok()) << n << " bytes";
}

TEST(Jpeg, EveryTruncationIsRejected) {
  for (const char* mode : kModes) {
    JpegCodec codec(mode);
    for (int quality : {10, 90}) {
      const Plane p = FeaturePlane(56, 56, 7, true, 5u + quality);
      ExpectEveryTruncationRejected(codec, codec.Encode(p, quality), quality, 56, 56);
    }
  }
}

TEST(Jpeg, AppendedBytesAreRejected) {
  using Bytes = std::vector<uint8_t>;
  const Bytes tails[] = {{0x00},         {0x01},         {0x7F},         {0xFF},       {0xFF, 0x00},
                         {0xFF, 0xD9},   {0xFF, 0xD0},   {0xFF, 0xFF},   {0x00, 0x00}, {0x12, 0x34, 0x56},
                         Bytes(7, 0xAB), Bytes(8, 0x00), Bytes(64, 0x55)};
  // 224x224: scans of kilobytes, most of which libjpeg-turbo reads with its fast Huffman decoder.
  for (const char* mode : kModes) {
    JpegCodec codec(mode);
    for (const uint32_t side : {56u, 224u}) {
      for (int quality : {10, 90}) {
        const Plane p = FeaturePlane(side, side, 7, false, 9u + quality);
        const std::vector<uint8_t> payload = codec.Encode(p, quality);
        std::vector<uint8_t> decoded;
        ASSERT_TRUE(codec.Decode(payload, quality, side, side, &decoded).ok());
        for (const auto& tail : tails) {
          std::vector<uint8_t> longer = payload;
          longer.insert(longer.end(), tail.begin(), tail.end());
          EXPECT_FALSE(codec.Decode(longer, quality, side, side, &decoded).ok())
              << mode << " " << side << " q" << quality << ": " << tail.size() << " bytes from 0x" << std::hex
              << int(tail[0]);
        }
        // The payload's own last bytes, repeated: bytes libjpeg would have read as valid data.
        for (size_t n = 1; n <= 8 && n <= payload.size(); ++n) {
          std::vector<uint8_t> longer = payload;
          longer.insert(longer.end(), payload.end() - static_cast<long>(n), payload.end());
          EXPECT_FALSE(codec.Decode(longer, quality, side, side, &decoded).ok())
              << mode << " " << side << " +" << n;
        }
      }
    }
  }
}

// Every single-byte change either fails cleanly or decodes to some plane; none crashes or reads outside the
// payload (run under ASan/UBSan to see it).
TEST(Jpeg, SingleByteCorruptionIsSafe) {
  for (const char* mode : {"huffman=standard", "huffman=optimized"}) {
    JpegCodec codec(mode);
    const Plane p = FeaturePlane(56, 56, 7, true, 21);
    const std::vector<uint8_t> payload = codec.Encode(p, 75);
    std::vector<uint8_t> decoded;
    size_t rejected = 0, trials = 0;
    for (size_t i = 0; i < payload.size(); ++i) {
      for (int change : {0x01, 0x10, 0x80, 0xFF, -1, -2}) {
        std::vector<uint8_t> damaged = payload;
        damaged[i] = change == -1 ? 0x00 : change == -2 ? 0xFF : static_cast<uint8_t>(damaged[i] ^ change);
        if (damaged == payload) continue;
        ++trials;
        rejected += !codec.Decode(damaged, 75, 56, 56, &decoded).ok();
      }
    }
    EXPECT_GT(rejected, trials / 4) << mode << ": " << rejected << " of " << trials;
    ASSERT_TRUE(codec.Decode(payload, 75, 56, 56, &decoded).ok());  // the state survives every failure
    EXPECT_EQ(decoded, JfifDecode(JfifEncode(p, 75)));
  }
}

// Garbage of every length, some of it claiming optimised tables, at random plane sizes and qualities.
TEST(Jpeg, RandomPayloadsAreSafe) {
  JpegCodec codec;
  std::mt19937 rng(7);
  std::vector<uint8_t> decoded;
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> junk(rng() % 300);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    if (i % 2 == 0 && junk.size() >= 2) {
      junk[0] = 0xFF;
      junk[1] |= 0x10;
    }
    const uint32_t w = 8 * (1 + rng() % 8), h = 8 * (1 + rng() % 8);
    accepted += codec.Decode(junk, static_cast<int>(1 + rng() % 100), w, h, &decoded).ok();
  }
  EXPECT_LT(accepted, 30);
  const Plane p = FeaturePlane(64, 64, 8, true, 1);
  ASSERT_TRUE(codec.Decode(codec.Encode(p, 60), 60, 64, 64, &decoded).ok());
  EXPECT_EQ(decoded, JfifDecode(JfifEncode(p, 60)));
}

TEST(Jpeg, RejectsWhatItCannotHaveWritten) {
  JpegCodec codec;
  const Plane p = FeaturePlane(56, 56, 7, false, 2);
  const std::vector<uint8_t> payload = codec.Encode(p, 80);
  std::vector<uint8_t> decoded;
  const uint8_t settings[] = {0};
  EXPECT_EQ(codec.Decode(payload, 80, 56, 56, &decoded, settings).code(), FTC_ERROR_CORRUPT);
  EXPECT_FALSE(codec.Decode(payload, 80, 56, 48, &decoded).ok());  // another plane size
  EXPECT_FALSE(codec.Decode(payload, 80, 60, 56, &decoded).ok());  // not a multiple of 8
  EXPECT_FALSE(codec.Decode(payload, 0, 56, 56, &decoded).ok());
  EXPECT_FALSE(codec.Decode({}, 80, 56, 56, &decoded).ok());
  const uint8_t tables_only[] = {0xFF, 0x10};
  EXPECT_FALSE(codec.Decode(tables_only, 80, 56, 56, &decoded).ok());

  std::vector<uint8_t> settings_out, payload_out;
  const Backend* b = FindBackend("jpeg");
  Options none;
  void* state = nullptr;
  ASSERT_TRUE(b->create(none, &state).ok());
  const Plane odd = FeaturePlane(20, 16, 4, false, 1);
  EXPECT_EQ(b->encode(state, odd.view(), {90, 8, 0}, &settings_out, &payload_out).code(),
            FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(b->encode(state, p.view(), {101, 8, 0}, &settings_out, &payload_out).code(),
            FTC_ERROR_INVALID_ARGUMENT);
  b->destroy(state);
}

TEST(Jpeg, HuffmanOption) {
  const Backend* b = FindBackend("jpeg");
  Options options;
  ASSERT_TRUE(Options::Parse("huffman=fastest", &options).ok());
  void* state = nullptr;
  EXPECT_EQ(b->create(options, &state).code(), FTC_ERROR_INVALID_ARGUMENT);
  ASSERT_TRUE(Options::Parse("huffman=optimized,colour=red", &options).ok());
  ASSERT_TRUE(b->create(options, &state).ok());
  EXPECT_EQ(options.Unused(), "colour");  // left for the caller to reject
  b->destroy(state);
}

// One state serves any sequence of sizes, qualities and table choices (tables and quantisation reload).
TEST(Jpeg, StateIsReusable) {
  JpegCodec shared;
  std::vector<uint8_t> decoded;
  for (int round = 0; round < 2; ++round) {
    for (int quality : {90, 20, 90, 55}) {
      for (uint32_t side : {448u, 56u, 112u}) {
        const Plane p = FeaturePlane(side, side + 8, 7, true, side + quality);
        JpegCodec fresh;
        const std::vector<uint8_t> payload = shared.Encode(p, quality);
        EXPECT_EQ(payload, fresh.Encode(p, quality));
        ASSERT_TRUE(shared.Decode(payload, quality, side, side + 8, &decoded).ok());
        EXPECT_EQ(decoded, JfifDecode(JfifEncode(p, quality)));
      }
    }
  }
}

// Past 65535 blocks the payload carries restart markers (the decoder's restart interval must divide it).
TEST(Jpeg, PlanesOfManyBlocks) {
  const Plane p = FeaturePlane(2048, 2056, 28, true, 4);
  const std::vector<uint8_t> reference = JfifDecode(JfifEncode(p, 60));
  for (const char* mode : {"huffman=standard", "huffman=optimized"}) {
    JpegCodec codec(mode);
    const std::vector<uint8_t> payload = codec.Encode(p, 60);
    std::vector<uint8_t> decoded;
    const Status s = codec.Decode(payload, 60, p.width, p.height, &decoded);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(decoded, reference);
    EXPECT_FALSE(
        codec.Decode(std::span(payload.data(), payload.size() - 1), 60, p.width, p.height, &decoded).ok());
    std::vector<uint8_t> longer = payload;
    longer.push_back(0x00);
    EXPECT_FALSE(codec.Decode(longer, 60, p.width, p.height, &decoded).ok());
  }
}

// Through the public API: the backend is listed, takes its option and rejects unknown ones.
TEST(Jpeg, PublicApi) {
  const ftc_backend_info* info = ftc_backend_find("jpeg");
  ASSERT_NE(info, nullptr);
  ftc_encoder_settings settings;
  ftc_encoder_default_settings(&settings);
  settings.codec = "jpeg";
  settings.options = "huffman=bogus";
  ftc_encoder* encoder = nullptr;
  EXPECT_EQ(ftc_encoder_create(&settings, &encoder, nullptr), FTC_ERROR_INVALID_ARGUMENT);
  settings.options = "quant=9";
  EXPECT_EQ(ftc_encoder_create(&settings, &encoder, nullptr), FTC_ERROR_INVALID_ARGUMENT);
  settings.options = "huffman=optimized";
  ASSERT_EQ(ftc_encoder_create(&settings, &encoder, nullptr), FTC_OK);

  std::vector<float> values(64 * 7 * 7);
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss(0, 1);
  for (float& v : values) v = std::max(0.0f, gauss(rng));
  ftc_tensor tensor{FTC_DTYPE_FLOAT32, 3, {64, 7, 7, 0}, values.data()};
  ftc_buffer file{};
  ASSERT_EQ(ftc_encode(encoder, &tensor, &file), FTC_OK) << ftc_encoder_last_error(encoder);
  ftc_decoder* decoder = nullptr;
  ASSERT_EQ(ftc_decoder_create(nullptr, &decoder, nullptr), FTC_OK);
  ftc_tensor out{};
  ASSERT_EQ(ftc_decode(decoder, file.data, file.size, &out), FTC_OK) << ftc_decoder_last_error(decoder);
  EXPECT_EQ(out.rank, 3u);
  EXPECT_EQ(out.shape[0], 64u);
  ftc_tensor_free(&out);
  ftc_buffer_free(&file);
  ftc_decoder_destroy(decoder);
  ftc_encoder_destroy(encoder);
}

// The numbers behind docs/JPEG.md: payload bytes against a standard JFIF file of the same plane, per size,
// content and quality, averaged over four planes. Asserts what the document claims.
TEST(Jpeg, SizesAgainstJfif) {
  struct Size {
    uint32_t side, tile;
  };
  const Size sizes[] = {{56, 7}, {112, 14}, {224, 28}, {448, 28}};
  JpegCodec standard("huffman=standard"), optimized("huffman=optimized"), automatic("huffman=auto");
  std::cout << "content  plane    q    JFIF  scan(std)  optimised   auto  saved vs JFIF\n";
  for (bool relu : {false, true}) {
    for (const Size& size : sizes) {
      for (int quality : {10, 50, 90}) {
        double jfif = 0, scan = 0, opt = 0, aut = 0;
        constexpr int kPlanes = 4;
        for (int seed = 0; seed < kPlanes; ++seed) {
          const Plane p = FeaturePlane(size.side, size.side, size.tile, relu, 100u * seed + quality);
          const size_t j = JfifEncode(p, quality).size(), s = standard.Encode(p, quality).size();
          const size_t o = optimized.Encode(p, quality).size(), a = automatic.Encode(p, quality).size();
          EXPECT_LE(a, s);
          EXPECT_GE(j - s, 300u);  // every header byte the decoder rebuilds
          jfif += j;
          scan += s;
          opt += o;
          aut += a;
        }
        std::cout << std::setw(7) << (relu ? "relu" : "gauss") << std::setw(5) << size.side << "x"
                  << std::setw(3) << size.side << std::setw(4) << quality << std::fixed
                  << std::setprecision(0) << std::setw(8) << jfif / kPlanes << std::setw(11) << scan / kPlanes
                  << std::setw(11) << opt / kPlanes << std::setw(7) << aut / kPlanes << std::setprecision(1)
                  << std::setw(9) << 100 * (1 - aut / jfif) << "%\n";
      }
    }
  }
}

}  // namespace
}  // namespace ftc

#endif  // FTC_HAVE_JPEG

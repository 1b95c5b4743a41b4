// The measurement behind docs/LOSSLESS.md: the `lossless` backend against what one would use instead on
// the same quantised mosaics: zstd -19 of the raw level bytes, the smallest PNG libpng makes (optipng-style
// search over filters, zlib strategies and bit depths), and JPEG-LS (CharLS), lossless and near-lossless.
// Uses the public API only; the competitors are called directly.
//
//   lossless_study [--features DIR] [--items N]
//
// DIR holds {early,mid,late}_16.npy (N×C×H×W float32 from inference/train/export_features.py); without it
// only the synthetic tensors are measured. Prints Markdown tables. Sizes are per batch item (payload bytes,
// container header excluded), summed over items; speeds are medians of repeated runs, in Mpixel/s of mosaic,
// for the backend alone (the `raw` codec's time for the same call is subtracted).
#include <charls/charls.h>
#include <png.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "ftc/ftc.h"

namespace {

// ---- inputs ---------------------------------------------------------------------------------------------

struct Tensor {
  std::string name;
  std::vector<uint64_t> shape;  // N, C, H, W
  std::vector<float> data;
};

// A little-endian float32 C-order .npy; the header is a Python dict literal.
bool ReadNpy(const std::string& path, Tensor* t) {
  std::ifstream f(path, std::ios::binary);
  const std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (b.size() < 12 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) return false;
  const auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<uint8_t>(b[i])); };
  const bool v1 = b[6] == 1;
  const size_t header_len =
      v1 ? byte(8) | byte(9) << 8 : byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
  const size_t offset = v1 ? 10 : 12;
  if (offset + header_len > b.size()) return false;
  const std::string header(b.data() + offset, header_len);
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    return false;
  const size_t open = header.find("'shape': ("), close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) return false;
  t->shape.clear();
  for (const char* p = header.c_str() + open + 10; p < header.c_str() + close;) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    t->shape.push_back(v);
    p = end;
  }
  if (t->shape.size() != 4) return false;
  const uint64_t count = t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3];
  if (b.size() - offset - header_len != count * 4) return false;
  t->data.resize(count);
  std::memcpy(t->data.data(), b.data() + offset + header_len, count * 4);
  return true;
}

// splitmix64 and Box-Muller: the same synthetic tensors on every machine.
struct Random {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {
    return std::sqrt(-2 * std::log(1 - Uniform())) * std::cos(6.283185307179586 * Uniform());
  }
};

// A Gaussian random field of unit variance: white noise blurred with `sigma`, borders reflected.
std::vector<double> Field(Random& r, int h, int w, double sigma) {
  std::vector<double> a(static_cast<size_t>(h) * w);
  for (double& v : a) v = r.Normal();
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  for (int i = -radius; i <= radius; ++i) kernel[i + radius] = std::exp(-0.5 * i * i / (sigma * sigma));
  const auto reflect = [](int i, int n) {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
  };
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> b(a.size());
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        double s = 0;
        for (int i = -radius; i <= radius; ++i)
          s += kernel[i + radius] * (pass == 0 ? a[static_cast<size_t>(y) * w + reflect(x + i, w)]
                                               : a[static_cast<size_t>(reflect(y + i, h)) * w + x]);
        b[static_cast<size_t>(y) * w + x] = s;
      }
    }
    a.swap(b);
  }
  double mean = 0, var = 0;
  for (double v : a) mean += v;
  mean /= a.size();
  for (double v : a) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / a.size());
  for (double& v : a) v = sd > 0 ? (v - mean) / sd : 0;
  return a;
}

// C channels like a BatchNorm output (per channel scale and shift of a smooth field plus noise; the channels
// share part of their field, as the feature maps of one image do), or the ReLU after it.
Tensor Synthetic(const std::string& name, uint64_t seed, int c, int h, int w, bool relu) {
  Random r{seed};
  Tensor t{name, {1, static_cast<uint64_t>(c), static_cast<uint64_t>(h), static_cast<uint64_t>(w)}, {}};
  const std::vector<double> shared = Field(r, h, w, std::max(0.8, h / 8.0));
  for (int ch = 0; ch < c; ++ch) {
    const double share = 0.8 * r.Uniform();
    const std::vector<double> own = Field(r, h, w, 0.5 + 1.5 * r.Uniform() * std::min(1.0, h / 14.0));
    const double noise = 0.1 + 0.4 * r.Uniform();
    const double gamma = std::exp(0.5 * r.Normal());
    const double beta = relu ? -0.5 + 0.7 * r.Normal() : 0.5 * r.Normal();
    const bool dead = relu && r.Uniform() < 0.05;
    for (size_t i = 0; i < own.size(); ++i) {
      double f = share * shared[i] + std::sqrt(1 - share * share) * own[i];
      f = std::sqrt(1 - noise * noise) * f + noise * r.Normal();
      const double v = beta + gamma * f;
      t.data.push_back(static_cast<float>(relu ? (dead ? 0 : std::max(0.0, v)) : v));
    }
  }
  return t;
}

// ---- the alternatives -------------------------------------------------------------------------------------

struct Mosaic {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> levels;
};

size_t ZstdSize(const Mosaic& m) {
  std::vector<uint8_t> out(ZSTD_compressBound(m.levels.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), m.levels.data(), m.levels.size(), 19);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  return n;
}

void PngWrite(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void PngFlush(png_structp) {}

size_t PngSize(const Mosaic& m, int depth, int filters, int strategy) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("libpng failed");
  }
  png_set_write_fn(png, &out, PngWrite, PngFlush);
  png_set_IHDR(png, info, m.width, m.height, depth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  png_set_compression_mem_level(png, 9);
  png_set_compression_strategy(png, strategy);
  png_set_filter(png, 0, filters);
  png_write_info(png, info);
  const int per_byte = 8 / depth;
  std::vector<uint8_t> row((m.width * depth + 7) / 8);
  for (uint32_t y = 0; y < m.height; ++y) {
    std::fill(row.begin(), row.end(), 0);
    for (uint32_t x = 0; x < m.width; ++x) {
      const uint8_t v = m.levels[static_cast<size_t>(y) * m.width + x];
      row[x / per_byte] |= static_cast<uint8_t>(v << (8 - depth * (x % per_byte + 1)));
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out.size();
}

// The smallest PNG over bit depth (8, and the packed depth when the levels fit), the five filters and
// adaptive filtering, and zlib's strategies, at level 9.
size_t PngBest(const Mosaic& m, int bits) {
  std::vector<int> depths = {8};
  if (bits <= 4) depths.push_back(bits == 3 ? 4 : bits);
  size_t best = SIZE_MAX;
  for (int depth : depths)
    for (int filters :
         {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH, PNG_ALL_FILTERS})
      for (int strategy : {0, 1, 2, 3})  // default, filtered, Huffman only, RLE
        best = std::min(best, PngSize(m, depth, filters, strategy));
  return best;
}

std::vector<uint8_t> JlsEncode(const Mosaic& m, int bits, int near) {
  charls::jpegls_encoder encoder;
  encoder.frame_info({m.width, m.height, std::max(2, bits), 1}).near_lossless(near);
  std::vector<uint8_t> out(encoder.estimated_destination_size());
  encoder.destination(out);
  out.resize(encoder.encode(m.levels));
  return out;
}

void JlsDecode(const std::vector<uint8_t>& in, Mosaic* m) {
  charls::jpegls_decoder(in, true).decode(m->levels);
}

// ---- ftc --------------------------------------------------------------------------------------------------

ftc_tensor ItemView(const Tensor& t, uint64_t item) {
  const uint64_t size = t.shape[1] * t.shape[2] * t.shape[3];
  return {FTC_DTYPE_FLOAT32,
          3,
          {t.shape[1], t.shape[2], t.shape[3], 0},
          const_cast<float*>(t.data.data() + item * size)};
}

ftc_encoder* Encoder(const char* codec, int bits, int max_error) {
  ftc_encoder_settings s;
  ftc_encoder_default_settings(&s);
  s.codec = codec;
  s.bits = bits;
  s.max_error = max_error;
  s.threads = 1;
  ftc_encoder* e = nullptr;
  const char* message = "";
  if (ftc_encoder_create(&s, &e, &message) != FTC_OK) throw std::runtime_error(message);
  return e;
}

void Check(ftc_result r, const char* what) {
  if (r != FTC_OK) throw std::runtime_error(std::string(what) + ": " + ftc_result_to_string(r));
}

// Median of `runs` timings of `f`, in seconds.
double Median(int runs, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Row {
  double pixels = 0, raw = 0, zstd = 0, png = 0, jls = 0, ours = 0;
  double jls_near[3] = {0, 0, 0}, ours_near[3] = {0, 0, 0};
  double ours_enc_s = 0, ours_dec_s = 0, jls_enc_s = 0, jls_dec_s = 0;
};

// Measures item `item` of `t` at `bits` into `row`.
void Measure(const Tensor& t, uint64_t item, int bits, bool time, Row* row) {
  const ftc_tensor view = ItemView(t, item);
  ftc_encoder* raw = Encoder("raw", bits, 0);
  ftc_plane plane{};
  Check(ftc_encoder_mosaic(raw, &view, 0, &plane), "mosaic");
  Mosaic m{plane.width, plane.height,
           std::vector<uint8_t>(plane.data, plane.data + size_t{plane.width} * plane.height)};
  ftc_plane_free(&plane);
  ftc_decoder* decoder = nullptr;
  Check(ftc_decoder_create(nullptr, &decoder, nullptr), "decoder");
  ftc_decoder_settings ds;
  ftc_decoder_default_settings(&ds);
  ds.threads = 1;

  row->pixels += static_cast<double>(m.levels.size());
  row->raw += static_cast<double>(m.levels.size());
  row->zstd += static_cast<double>(ZstdSize(m));
  row->png += static_cast<double>(PngBest(m, bits));
  for (int e = 0; e <= (bits >= 4 ? 2 : 0); ++e) {  // CharLS allows NEAR up to (2^bits - 1) / 2
    const std::vector<uint8_t> jls = JlsEncode(m, bits, e);
    (e == 0 ? row->jls : row->jls_near[e]) += static_cast<double>(jls.size());
    ftc_encoder* ours = Encoder("lossless", bits, e);
    ftc_buffer file{};
    Check(ftc_encode(ours, &view, &file), "encode");
    ftc_info info;
    Check(ftc_decoder_info(decoder, file.data, file.size, &info), "info");
    (e == 0 ? row->ours : row->ours_near[e]) += static_cast<double>(info.payload_bytes);
    ftc_plane decoded{};
    Check(ftc_decode_mosaic(decoder, file.data, file.size, 0, &decoded), "decode");
    for (size_t i = 0; i < m.levels.size(); ++i)
      if (std::abs(decoded.data[i] - m.levels[i]) > e) throw std::runtime_error("decoded level out of bound");
    ftc_plane_free(&decoded);
    if (time && e == 0) {
      constexpr int kRuns = 7;
      ftc_buffer raw_file{};
      Check(ftc_encode(raw, &view, &raw_file), "encode raw");
      const auto encode = [&](ftc_encoder* enc) {
        return Median(kRuns, [&] {
          ftc_buffer b{};
          Check(ftc_encode(enc, &view, &b), "encode");
          ftc_buffer_free(&b);
        });
      };
      const auto decode = [&](const ftc_buffer& f) {
        return Median(kRuns, [&] {
          ftc_plane p{};
          Check(ftc_decode_mosaic(decoder, f.data, f.size, 0, &p), "decode");
          ftc_plane_free(&p);
        });
      };
      row->ours_enc_s += std::max(0.0, encode(ours) - encode(raw));
      row->ours_dec_s += std::max(0.0, decode(file) - decode(raw_file));
      ftc_buffer_free(&raw_file);
      row->jls_enc_s += Median(kRuns, [&] { JlsEncode(m, bits, 0); });
      Mosaic out = m;
      row->jls_dec_s += Median(kRuns, [&] { JlsDecode(jls, &out); });
    }
    ftc_buffer_free(&file);
    ftc_encoder_destroy(ours);
  }
  ftc_decoder_destroy(decoder);
  ftc_encoder_destroy(raw);
}

std::string Shape(const Tensor& t) {
  return std::to_string(t.shape[1]) + "×" + std::to_string(t.shape[2]) + "×" + std::to_string(t.shape[3]);
}

}  // namespace

int main(int argc, char** argv) {
  std::string features;
  uint64_t max_items = 16;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--features" && i + 1 < argc) {
      features = argv[++i];
    } else if (a == "--items" && i + 1 < argc) {
      max_items = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--features DIR] [--items N]\n", argv[0]);
      return 2;
    }
  }
  std::vector<Tensor> tensors;
  if (!features.empty()) {
    for (const char* split : {"early", "mid", "late"}) {
      Tensor t;
      t.name = std::string("model ") + split;
      if (!ReadNpy(features + "/" + split + "_16.npy", &t)) {
        std::fprintf(stderr, "cannot read %s/%s_16.npy\n", features.c_str(), split);
        return 1;
      }
      tensors.push_back(std::move(t));
    }
  }
  const int shapes[3][3] = {{32, 28, 28}, {64, 14, 14}, {128, 7, 7}};
  uint64_t seed = 1;
  for (const bool relu : {true, false})
    for (const auto& s : shapes)
      tensors.push_back(Synthetic(relu ? "post-ReLU" : "BatchNorm", seed++, s[0], s[1], s[2], relu));

  try {
    std::map<std::pair<size_t, int>, Row> rows;
    for (size_t k = 0; k < tensors.size(); ++k)
      for (const int bits : {8, 6, 4, 2})
        for (uint64_t item = 0; item < std::min(max_items, tensors[k].shape[0]); ++item)
          Measure(tensors[k], item, bits, bits == 8 || bits == 4, &rows[{k, bits}]);

    std::printf("### Lossless: payload bytes (per item, summed over items)\n\n");
    std::printf(
        "| tensor | shape | items | bits | raw | zstd -19 | PNG (best) | JPEG-LS | ftc lossless | vs best "
        "other |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    std::map<std::string, Row> totals;
    for (const auto& [key, r] : rows) {
      const Tensor& t = tensors[key.first];
      const double best = std::min({r.zstd, r.png, r.jls});
      std::printf("| %s | %s | %llu | %d | %.0f | %.0f | %.0f | %.0f | **%.0f** | %+.1f%% |\n",
                  t.name.c_str(), Shape(t).c_str(),
                  static_cast<unsigned long long>(std::min(max_items, t.shape[0])), key.second, r.raw, r.zstd,
                  r.png, r.jls, r.ours, 100 * (r.ours / best - 1));
    }
    std::printf("\n### Near-lossless: payload bytes with every level within E of the original\n\n");
    std::printf(
        "| tensor | shape | bits | JPEG-LS E=0 | ftc E=0 | JPEG-LS E=1 | ftc E=1 | JPEG-LS E=2 | ftc E=2 "
        "|\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& [key, r] : rows) {
      if (key.second < 4) continue;
      const Tensor& t = tensors[key.first];
      std::printf("| %s | %s | %d | %.0f | **%.0f** | %.0f | **%.0f** | %.0f | **%.0f** |\n", t.name.c_str(),
                  Shape(t).c_str(), key.second, r.jls, r.ours, r.jls_near[1], r.ours_near[1], r.jls_near[2],
                  r.ours_near[2]);
    }
    std::printf("\n### Speed: Mpixel/s of mosaic, one thread (backend only for ftc)\n\n");
    std::printf("| tensor | shape | bits | ftc encode | ftc decode | JPEG-LS encode | JPEG-LS decode |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|\n");
    for (const auto& [key, r] : rows) {
      if (r.ours_enc_s <= 0) continue;
      const Tensor& t = tensors[key.first];
      const double mp = r.pixels / 1e6;
      std::printf("| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |\n", t.name.c_str(), Shape(t).c_str(),
                  key.second, mp / r.ours_enc_s, mp / r.ours_dec_s, mp / r.jls_enc_s, mp / r.jls_dec_s);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lossless_study: %s\n", e.what());
    return 1;
  }
  return 0;
}

// The JPEG overhead target (docs/PERFORMANCE.md): ftc's whole JPEG encode of a feature tensor (statistics,
// quantise and tile, the backend, the container) and its whole decode (container, backend, untile and
// dequantise) against libjpeg-turbo alone coding the same 8-bit mosaic plane, like with like: the same
// quality, the islow DCT both ways, and Huffman tables made the same way: ftc's huffman=standard against
// libjpeg's standard tables, ftc's optimised tables (huffman=optimized, and auto, which takes them when they
// pay) against libjpeg's optimize_coding. libjpeg-turbo gets its best case: objects made once, a preallocated
// output buffer, every row in one call; it writes and reads a complete JFIF file.
//
// Each iteration times both sides back to back, in alternating order, on the calling thread's CPU clock
// (threads = 1 on ftc's side, so all its work is on that thread; the machines are shared, and the CPU clock
// leaves out the time other processes take). Counters: the median time of each side and their ratio,
// ftc / libjpeg-turbo; the target is at most 1.15 for 128x28x28.
//
//   jpeg_overhead_bench --benchmark_filter=128x28x28
#include <benchmark/benchmark.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "features.h"
#include "ftc/ftc.hpp"

namespace {

using ftc_bench::Shape;

constexpr Shape kShapes[] = {{128, 28, 28}, {64, 56, 56}, {256, 14, 14}};
constexpr int kQualities[] = {50, 90};
constexpr const char* kHuffmanModes[] = {"standard", "optimized", "auto"};

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

[[noreturn]] void ErrorExit(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<ErrorManager*>(cinfo->err)->jump, 1);
}

// libjpeg-turbo on its own: one compress and one decompress object, reused; a JFIF file in memory.
class Libjpeg {
 public:
  Libjpeg(const uint8_t* plane, uint32_t width, uint32_t height, int quality, bool optimize)
      : width_(width),
        height_(height),
        quality_(quality),
        optimize_(optimize),
        buffer_(2 * width * height + 65536) {
    c_.err = jpeg_std_error(&error_.pub);
    d_.err = &error_.pub;
    error_.pub.error_exit = ErrorExit;
    if (setjmp(error_.jump)) Abort();
    jpeg_create_compress(&c_);
    jpeg_create_decompress(&d_);
    for (uint32_t y = 0; y < height; ++y) in_rows_.push_back(const_cast<JSAMPROW>(plane + size_t{y} * width));
    out_.resize(size_t{width} * height);
    for (uint32_t y = 0; y < height; ++y) out_rows_.push_back(out_.data() + size_t{y} * width);
  }
  ~Libjpeg() {
    jpeg_destroy_compress(&c_);
    jpeg_destroy_decompress(&d_);
  }

  // Writes the file into the preallocated buffer; returns its size.
  size_t Encode() {
    if (setjmp(error_.jump)) Abort();
    unsigned char* data = buffer_.data();
    unsigned long size = buffer_.size();
    jpeg_mem_dest(&c_, &data, &size);
    c_.image_width = width_;
    c_.image_height = height_;
    c_.input_components = 1;
    c_.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c_);
    jpeg_set_quality(&c_, quality_, TRUE);
    c_.dct_method = JDCT_ISLOW;
    c_.optimize_coding = optimize_ ? TRUE : FALSE;
    jpeg_start_compress(&c_, TRUE);
    jpeg_write_scanlines(&c_, in_rows_.data(), height_);
    jpeg_finish_compress(&c_);
    if (data != buffer_.data()) Abort();  // the buffer was too small: libjpeg allocated another
    return size;
  }

  // Reads the first `size` bytes of the buffer back into a plane.
  void Decode(size_t size) {
    if (setjmp(error_.jump)) Abort();
    jpeg_mem_src(&d_, buffer_.data(), size);
    jpeg_read_header(&d_, TRUE);
    d_.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d_);
    while (d_.output_scanline < height_)
      jpeg_read_scanlines(&d_, out_rows_.data() + d_.output_scanline, height_ - d_.output_scanline);
    jpeg_finish_decompress(&d_);
  }

 private:
  [[noreturn]] void Abort() {
    char text[JMSG_LENGTH_MAX];
    (*error_.pub.format_message)(reinterpret_cast<j_common_ptr>(&c_), text);
    std::fprintf(stderr, "libjpeg: %s\n", text);
    std::abort();
  }

  uint32_t width_, height_;
  int quality_;
  bool optimize_;
  ErrorManager error_{};
  jpeg_compress_struct c_{};
  jpeg_decompress_struct d_{};
  std::vector<unsigned char> buffer_;
  std::vector<JSAMPROW> in_rows_, out_rows_;
  std::vector<uint8_t> out_;
};

double ThreadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <typename Fn>
double Timed(Fn&& fn) {
  const double start = ThreadSeconds();
  fn();
  return ThreadSeconds() - start;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Times `libjpeg` and `ftc` once per iteration, taking turns at going first.
template <typename Peer, typename Ours>
void Race(benchmark::State& state, Peer&& libjpeg, Ours&& ftc) {
  std::vector<double> peer_times, our_times;
  bool peer_first = true;
  for (auto _ : state) {
    if (peer_first) peer_times.push_back(Timed(libjpeg));
    our_times.push_back(Timed(ftc));
    if (!peer_first) peer_times.push_back(Timed(libjpeg));
    peer_first = !peer_first;
    state.SetIterationTime(our_times.back());
  }
  const double peer = Median(peer_times), ours = Median(our_times);
  state.counters["libjpeg_us"] = 1e6 * peer;
  state.counters["ftc_us"] = 1e6 * ours;
  state.counters["ratio"] = ours / peer;
}

struct Case {
  Shape shape;
  int quality;
  std::string huffman;
};

// The features, ftc's file of them, the mosaic plane that file codes, and libjpeg-turbo set up on that plane.
struct Setup {
  std::string options;  // the encoder's backend options, "huffman=..."
  std::vector<float> features;
  ftc_tensor tensor;
  ftc::Encoder encoder;
  ftc::Decoder decoder;
  ftc::Bytes file;
  ftc::Plane plane;
  Libjpeg libjpeg;
  size_t jfif_bytes;

  explicit Setup(const Case& c)
      : options("huffman=" + c.huffman),
        features(ftc_bench::Features(c.shape)),
        tensor(ftc::View(features.data(), FTC_DTYPE_FLOAT32, c.shape.dims())),
        encoder(Settings(c.quality, options)),
        decoder(DecoderSettings()),
        file(encoder.Encode(tensor)),
        plane(encoder.Mosaic(tensor)),
        libjpeg(plane.data(), plane.width(), plane.height(), c.quality, c.huffman != "standard"),
        jfif_bytes(libjpeg.Encode()) {}

  static ftc_encoder_settings Settings(int quality, const std::string& options) {
    ftc_encoder_settings s = ftc::DefaultEncoderSettings();
    s.codec = "jpeg";
    s.quality = quality;
    s.options = options.c_str();
    s.threads = 1;
    return s;
  }
  static const ftc_decoder_settings* DecoderSettings() {
    static ftc_decoder_settings s = [] {
      ftc_decoder_settings d;
      ftc_decoder_default_settings(&d);
      d.threads = 1;
      return d;
    }();
    return &s;
  }
};

void SetBytes(benchmark::State& state, const Setup& s) {
  state.counters["ftc_bytes"] = static_cast<double>(s.file.size());
  state.counters["jfif_bytes"] = static_cast<double>(s.jfif_bytes);
}

void Register(const Case& c) {
  const std::string suffix = c.shape.name() + "/q" + std::to_string(c.quality) + "/huffman=" + c.huffman;
  benchmark::RegisterBenchmark(("Encode/" + suffix).c_str(), [c](benchmark::State& state) {
    Setup s(c);
    Race(
        state, [&] { benchmark::DoNotOptimize(s.libjpeg.Encode()); },
        [&] { benchmark::DoNotOptimize(s.encoder.Encode(s.tensor).data()); });
    SetBytes(state, s);
  })->UseManualTime();
  benchmark::RegisterBenchmark(("Decode/" + suffix).c_str(), [c](benchmark::State& state) {
    Setup s(c);
    Race(
        state, [&] { s.libjpeg.Decode(s.jfif_bytes); },
        [&] { benchmark::DoNotOptimize(s.decoder.Decode(s.file.span()).data()); });
    SetBytes(state, s);
  })->UseManualTime();
}

}  // namespace

int main(int argc, char** argv) {
  if (ftc_backend_find_implementation("jpeg", nullptr, FTC_CAP_ENCODE) == nullptr) {
    std::fprintf(stderr, "jpeg_overhead_bench: this build has no jpeg backend\n");
    return 1;
  }
  for (const Shape& shape : kShapes)
    for (const int quality : kQualities)
      for (const char* huffman : kHuffmanModes) Register({shape, quality, huffman});
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

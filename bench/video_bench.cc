// Google Benchmark: the video backends (and JPEG, frame by frame, for reference) on a sequence of feature
// tensors, at a few quality points.
//
//   Encode/<codec>_<encoder>/q<Q>   ftc_encode of the whole sequence (one stream, key frame every 30 frames)
//   Decode/<codec>_<decoder>/q<Q>   ftc_decode of that file
//
// Times are wall-clock (x265 works in threads of its own). Counters: frame_time (seconds per frame),
// bits_per_element of the file, psnr_db of the decoded sequence
// against the original (the sequence's value range as the peak), and for video codecs inter_over_intra: the
// file's bytes over those of the same frames coded one by one (every frame a key frame) at the same quality.
//
// Run: build/bin/ftc_video_bench [--sequence=SEQ.npy] [--benchmark_filter=x264]
// SEQ.npy is an N×C×H×W float32 .npy (bench/make_sequence.py writes real ones); without it the benchmark
// synthesises 30 frames of 64×14×14 panning features. Compare ratios within one run, never times across runs.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"

namespace {

struct Sequence {
  std::vector<uint64_t> shape;  // N, C, H, W
  std::vector<float> values;
  ftc_tensor view() const { return ftc::View(values.data(), FTC_DTYPE_FLOAT32, shape); }
  uint64_t frames() const { return shape[0]; }
};

// Features of a scene panning a third of a feature pixel per frame, post-ReLU.
Sequence Synthetic() {
  Sequence s{{30, 64, 14, 14}, {}};
  s.values.resize(30 * 64 * 14 * 14);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> phase(0.0f, 6.28f);
  for (uint64_t c = 0; c < 64; ++c) {
    const float p = phase(rng), q = phase(rng);
    for (uint64_t t = 0; t < 30; ++t)
      for (uint64_t y = 0; y < 14; ++y)
        for (uint64_t x = 0; x < 14; ++x)
          s.values[((t * 64 + c) * 14 + y) * 14 + x] =
              std::max(0.0f, 1.5f * std::sin(0.45f * (x + 0.35f * t) + p) * std::cos(0.38f * y + q) - 0.2f);
  }
  return s;
}

// A C-ordered little-endian float32 .npy of rank 4 (what bench/make_sequence.py writes).
Sequence LoadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.size() < 10 || std::memcmp(file.data(), "\x93NUMPY", 6) != 0)
    throw std::runtime_error(path + ": not a .npy file");
  const size_t header_size =
      static_cast<uint8_t>(file[8]) | static_cast<size_t>(static_cast<uint8_t>(file[9])) << 8;
  const std::string header(file.data() + 10, header_size);
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw std::runtime_error(path + ": not a C-ordered float32 array");
  Sequence s;
  for (size_t at = header.find('(') + 1; at < header.size() && header[at] != ')';) {
    size_t used = 0;
    s.shape.push_back(std::stoull(header.substr(at), &used));
    at = header.find_first_of(",)", at + used);
    if (header[at] == ',') ++at;
    while (header[at] == ' ') ++at;
  }
  if (s.shape.size() != 4) throw std::runtime_error(path + ": not an N×C×H×W array");
  const size_t count = s.shape[0] * s.shape[1] * s.shape[2] * s.shape[3];
  if (file.size() != 10 + header_size + 4 * count)
    throw std::runtime_error(path + ": size does not match the shape");
  s.values.resize(count);
  std::memcpy(s.values.data(), file.data() + 10 + header_size, 4 * count);
  return s;
}

double Psnr(const Sequence& s, const ftc::Tensor& decoded) {
  const auto [lo, hi] = std::minmax_element(s.values.begin(), s.values.end());
  const float* d = static_cast<const float*>(decoded.data());
  double sum = 0;
  for (size_t i = 0; i < s.values.size(); ++i) sum += (d[i] - s.values[i]) * double(d[i] - s.values[i]);
  return 10.0 * std::log10(double(*hi - *lo) * (*hi - *lo) * s.values.size() / sum);
}

ftc::Bytes EncodeAt(const Sequence& s, const ftc_backend_info& b, int quality, int gop) {
  ftc_encoder_settings settings = ftc::DefaultEncoderSettings();
  settings.codec = b.name;
  settings.implementation = b.implementation;
  settings.quality = quality;
  settings.threads = 1;
  const ftc_tensor view = s.view();
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = gop;
  stream.range = FTC_STREAM_RANGE_FIXED;
  stream.calibration = &view;
  settings.stream = &stream;
  ftc::Encoder e(settings);
  return e.Encode(view);
}

ftc::Decoder DecoderOf(const char* implementation) {
  ftc_decoder_settings d;
  ftc_decoder_default_settings(&d);
  d.threads = 1;
  d.implementation = implementation;
  return ftc::Decoder(&d);
}

void SetCounters(benchmark::State& state, const Sequence& s, size_t file_bytes, double psnr,
                 double inter_over_intra) {
  state.counters["frame_time"] =
      benchmark::Counter(static_cast<double>(s.frames()),
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["bits_per_element"] =
      8.0 * static_cast<double>(file_bytes) / static_cast<double>(s.values.size());
  state.counters["psnr_db"] = psnr;
  if (inter_over_intra > 0) state.counters["inter_over_intra"] = inter_over_intra;
}

void Register(const Sequence* s, const ftc_backend_info* encoder, int quality) {
  const bool video = encoder->capabilities & FTC_CAP_VIDEO;
  const std::string name =
      std::string(encoder->name) + "_" + encoder->implementation + "/q" + std::to_string(quality);
  benchmark::RegisterBenchmark(("Encode/" + name).c_str(), [=](benchmark::State& state) {
    size_t bytes = 0;
    for (auto _ : state) bytes = EncodeAt(*s, *encoder, quality, 30).size();
    const ftc::Bytes file = EncodeAt(*s, *encoder, quality, 30);
    ftc::Decoder d = DecoderOf(nullptr);
    const double ratio = video ? double(bytes) / double(EncodeAt(*s, *encoder, quality, 1).size()) : 0;
    SetCounters(state, *s, bytes, Psnr(*s, d.Decode(file.span())), ratio);
  })->UseRealTime();
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* decoder = ftc_backend_at(i);
    if (decoder->id != encoder->id || !(decoder->capabilities & FTC_CAP_DECODE)) continue;
    const std::string decode_name = std::string("Decode/") + encoder->name + "_" + encoder->implementation +
                                    "_to_" + decoder->implementation + "/q" + std::to_string(quality);
    benchmark::RegisterBenchmark(decode_name.c_str(), [=](benchmark::State& state) {
      const ftc::Bytes file = EncodeAt(*s, *encoder, quality, 30);
      ftc::Decoder d = DecoderOf(decoder->implementation);
      double psnr = 0;
      for (auto _ : state) {
        const ftc::Tensor t = d.Decode(file.span());
        state.PauseTiming();
        psnr = Psnr(*s, t);
        state.ResumeTiming();
      }
      SetCounters(state, *s, file.size(), psnr, 0);
    })->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sequence=", 11) == 0) {
      path = argv[i] + 11;
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  static const Sequence sequence = path.empty() ? Synthetic() : LoadNpy(path);
  std::printf(
      "sequence: %s, %llu frames of %llux%llux%llu\n", path.empty() ? "synthetic" : path.c_str(),
      static_cast<unsigned long long>(sequence.shape[0]), static_cast<unsigned long long>(sequence.shape[1]),
      static_cast<unsigned long long>(sequence.shape[2]), static_cast<unsigned long long>(sequence.shape[3]));
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if ((b->capabilities & FTC_CAP_ENCODE) && (b->capabilities & FTC_CAP_QUALITY))
      for (const int quality : {30, 50, 70, 90}) Register(&sequence, b, quality);
  }
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

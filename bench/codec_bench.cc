// Google Benchmark: the codec's stages for each backend on ResNet-34-like feature shapes.
//
//   QuantiseTile  statistics + the fused quantise-and-tile pass (ftc_encoder_mosaic)
//   Encode        the whole encoder: QuantiseTile + backend + container (ftc_encode)
//   DecodePlane   container + backend decode only (ftc_decode_mosaic)
//   Decode        the whole decoder: DecodePlane + the fused untile-and-dequantise pass (ftc_decode)
//
// Counters: bytes_per_second of float32 input (or output), bits_per_element of the file.
// Run: build/bin/ftc_bench [--benchmark_filter=jpeg]. Compare ratios within one run, never across runs.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"

namespace {

struct Shape {
  uint64_t c, h, w;
};
constexpr Shape kShapes[] = {{64, 56, 56}, {128, 28, 28}, {256, 14, 14}};

// A post-BatchNorm, post-ReLU-like feature tensor with spatially correlated channels.
std::vector<float> Features(const Shape& s) {
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0f, 0.35f);
  std::uniform_real_distribution<float> phase(0.0f, 6.28f);
  std::vector<float> v(s.c * s.h * s.w);
  for (uint64_t c = 0; c < s.c; ++c) {
    const float p = phase(rng), fx = 0.1f + 0.05f * (c % 5), fy = 0.07f + 0.04f * (c % 3);
    for (uint64_t y = 0; y < s.h; ++y)
      for (uint64_t x = 0; x < s.w; ++x)
        v[(c * s.h + y) * s.w + x] = std::max(0.0f, std::sin(fx * x + p) * std::cos(fy * y) + noise(rng));
  }
  return v;
}

ftc_encoder_settings SettingsFor(const ftc_backend_info* b) {
  ftc_encoder_settings s = ftc::DefaultEncoderSettings();
  s.codec = b->name;
  s.implementation = b->implementation;
  s.threads = 1;
  return s;
}

void SetCounters(benchmark::State& state, const Shape& s, size_t file_bytes) {
  const double elements = static_cast<double>(s.c * s.h * s.w);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * elements * sizeof(float)));
  if (file_bytes) state.counters["bits_per_element"] = 8.0 * static_cast<double>(file_bytes) / elements;
}

void Register(const ftc_backend_info* codec, const Shape& s) {
  const std::string suffix = std::string(codec->name) + "_" + codec->implementation + "/" + std::to_string(s.c) + "x" +
                             std::to_string(s.h) + "x" + std::to_string(s.w);
  const std::vector<uint64_t> shape = {s.c, s.h, s.w};

  benchmark::RegisterBenchmark(("QuantiseTile/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc_tensor t = ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape);
    for (auto _ : state) benchmark::DoNotOptimize(e.Mosaic(t).data());
    SetCounters(state, s, 0);
  });
  benchmark::RegisterBenchmark(("Encode/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc_tensor t = ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape);
    size_t bytes = 0;
    for (auto _ : state) bytes = e.Encode(t).size();
    SetCounters(state, s, bytes);
  });
  benchmark::RegisterBenchmark(("DecodePlane/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc::Bytes file = e.Encode(ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape));
    ftc_decoder_settings ds;
    ftc_decoder_default_settings(&ds);
    ds.threads = 1;
    ftc::Decoder d(&ds);
    for (auto _ : state) benchmark::DoNotOptimize(d.Mosaic(file.span()).data());
    SetCounters(state, s, file.size());
  });
  benchmark::RegisterBenchmark(("Decode/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc::Bytes file = e.Encode(ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape));
    ftc_decoder_settings ds;
    ftc_decoder_default_settings(&ds);
    ds.threads = 1;
    ftc::Decoder d(&ds);
    for (auto _ : state) benchmark::DoNotOptimize(d.Decode(file.span()).data());
    SetCounters(state, s, file.size());
  });
}

}  // namespace

int main(int argc, char** argv) {
  for (size_t i = 0; i < ftc_backend_count(); ++i)
    if (ftc_backend_at(i)->capabilities & FTC_CAP_ENCODE)
      for (const Shape& s : kShapes) Register(ftc_backend_at(i), s);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

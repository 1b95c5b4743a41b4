// Google Benchmark: the codec's stages for each backend on ResNet-34-like feature shapes.
//
//   QuantiseTile  statistics + the fused quantise-and-tile pass (ftc_encoder_mosaic)
//   Encode        the whole encoder: QuantiseTile + backend + container (ftc_encode)
//   DecodePlane   container + backend decode only (ftc_decode_mosaic)
//   Decode        the whole decoder: DecodePlane + the fused untile-and-dequantise pass (ftc_decode)
//
// Counters: bytes_per_second of float32 input (or output), bits_per_element of the file.
// Run: build/bin/ftc_bench [--benchmark_filter=jpeg]. Compare ratios within one run, never across runs.
// bench/jpeg_overhead_bench.cc sets the JPEG encoder and decoder against libjpeg-turbo alone.
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "features.h"
#include "ftc/ftc.hpp"

namespace {

using ftc_bench::Shape;

constexpr Shape kShapes[] = {{64, 56, 56}, {128, 28, 28}, {256, 14, 14}};

ftc_encoder_settings SettingsFor(const ftc_backend_info* b) {
  ftc_encoder_settings s = ftc::DefaultEncoderSettings();
  s.codec = b->name;
  s.implementation = b->implementation;
  s.threads = 1;
  return s;
}

void SetCounters(benchmark::State& state, const Shape& s, size_t file_bytes) {
  const double elements = static_cast<double>(s.elements());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * elements * sizeof(float)));
  if (file_bytes) state.counters["bits_per_element"] = 8.0 * static_cast<double>(file_bytes) / elements;
}

// A decoder benchmark: `step` runs once per iteration on the file of the features of `s`.
using DecodeStep = std::function<void(ftc::Decoder&, const ftc::Bytes&)>;

void RegisterDecode(const std::string& name, const ftc_backend_info* codec, const Shape& s, DecodeStep step) {
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const auto data = ftc_bench::Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc::Bytes file = e.Encode(ftc::View(data.data(), FTC_DTYPE_FLOAT32, s.dims()));
    ftc_decoder_settings ds;
    ftc_decoder_default_settings(&ds);
    ds.threads = 1;
    ftc::Decoder d(&ds);
    for (auto _ : state) step(d, file);
    SetCounters(state, s, file.size());
  });
}

void Register(const ftc_backend_info* codec, const Shape& s) {
  const std::string suffix = std::string(codec->name) + "_" + codec->implementation + "/" + s.name();
  const std::vector<uint64_t> shape = s.dims();

  benchmark::RegisterBenchmark(("QuantiseTile/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = ftc_bench::Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc_tensor t = ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape);
    for (auto _ : state) benchmark::DoNotOptimize(e.Mosaic(t).data());
    SetCounters(state, s, 0);
  });
  benchmark::RegisterBenchmark(("Encode/" + suffix).c_str(), [=](benchmark::State& state) {
    const auto data = ftc_bench::Features(s);
    ftc::Encoder e(SettingsFor(codec));
    const ftc_tensor t = ftc::View(data.data(), FTC_DTYPE_FLOAT32, shape);
    size_t bytes = 0;
    for (auto _ : state) bytes = e.Encode(t).size();
    SetCounters(state, s, bytes);
  });
  RegisterDecode("DecodePlane/" + suffix, codec, s, [](ftc::Decoder& d, const ftc::Bytes& file) {
    benchmark::DoNotOptimize(d.Mosaic(file.span()).data());
  });
  RegisterDecode("Decode/" + suffix, codec, s, [](ftc::Decoder& d, const ftc::Bytes& file) {
    benchmark::DoNotOptimize(d.Decode(file.span()).data());
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

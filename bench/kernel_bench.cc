// The SIMD kernels at every level this CPU has (codec/src/dsp), and memcpy of the same bytes as the bound:
// bytes/s count the tensor's bytes (float input of the statistics and quantise passes, float output of the
// dequantise pass). Like the unit tests, and unlike the other benchmarks, this one reaches the codec's
// internals: it times the kernels themselves, which the public API only reaches wrapped in the rest of the
// codec.
//
//   kernel_bench --benchmark_filter='quantize_tile/float32' --benchmark_min_time=0.5s
//
// Shapes: 128×28×28 (a ResNet-style split point; 392 KiB of float32, in L2) and 256×56×56 (3 MiB, beyond L2).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/float16.h"
#include "dsp/dsp.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"

namespace ftc::dsp {
namespace {

constexpr ftc_dtype kDtypes[] = {FTC_DTYPE_FLOAT32, FTC_DTYPE_FLOAT16, FTC_DTYPE_BFLOAT16};
const TensorShape kShapes[] = {{1, 128, 28, 28}, {1, 256, 56, 56}};

std::string ShapeName(const TensorShape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

// Gaussian features in `dtype`.
std::vector<uint8_t> Features(const TensorShape& s, ftc_dtype dtype) {
  std::mt19937 rng(3);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<uint8_t> bytes(s.elements() * ftc_dtype_size(dtype));
  for (uint64_t i = 0; i < s.elements(); ++i) {
    const float x = gauss(rng);
    if (dtype == FTC_DTYPE_FLOAT32) {
      std::memcpy(&bytes[4 * i], &x, 4);
    } else {
      const uint16_t h = dtype == FTC_DTYPE_FLOAT16 ? FloatToHalf(x) : FloatToBf16(x);
      std::memcpy(&bytes[2 * i], &h, 2);
    }
  }
  return bytes;
}

struct Setup {
  TensorShape shape;
  ftc_dtype dtype;
  std::vector<uint8_t> input;
  TensorView view;
  QuantParams quant;
  MosaicGrid grid;

  Setup(const TensorShape& s, ftc_dtype d) : shape(s), dtype(d), input(Features(s, d)) {
    view = {dtype, shape, input.data()};
    if (!ComputeQuantParams(view, 8, {}, false, &quant).ok() || !ChooseGrid(shape, 8, &grid).ok())
      std::abort();
  }
  int64_t bytes() const { return static_cast<int64_t>(input.size()); }
};

void Memcpy(benchmark::State& state, const TensorShape& s) {
  const Setup setup(s, FTC_DTYPE_FLOAT32);
  std::vector<uint8_t> copy(setup.input.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), setup.input.data(), copy.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

void Stats(benchmark::State& state, const Kernels* k, const TensorShape& s, ftc_dtype dtype) {
  const Setup setup(s, dtype);
  for (auto _ : state) {
    BlockStats b;
    k->stats[dtype](setup.input.data(), s.elements(), &b);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

void Quantize(benchmark::State& state, const Kernels* k, const TensorShape& s, ftc_dtype dtype) {
  const Setup setup(s, dtype);
  const QuantizeArgs args = LevelMap(setup.quant.lo[0], setup.quant.hi[0], 256).quantize_args();
  std::vector<uint8_t> levels(s.elements());
  for (auto _ : state) {
    k->quantize[dtype](setup.input.data(), s.elements(), args, levels.data());
    benchmark::DoNotOptimize(levels.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

void Dequantize(benchmark::State& state, const Kernels* k, const TensorShape& s, ftc_dtype dtype) {
  const Setup setup(s, dtype);
  const DequantizeArgs args = LevelMap(setup.quant.lo[0], setup.quant.hi[0], 256).dequantize_args();
  std::vector<uint8_t> levels(s.elements()), out(setup.input.size());
  for (size_t i = 0; i < levels.size(); ++i) levels[i] = static_cast<uint8_t>(i * 131 >> 3);
  for (auto _ : state) {
    k->dequantize[dtype](levels.data(), s.elements(), args, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

// The fused passes as the encoder and decoder run them: statistics excluded, tiling and the fill included.
void QuantizeTile(benchmark::State& state, const Kernels* k, const TensorShape& s, ftc_dtype dtype) {
  const Setup setup(s, dtype);
  const PixelMap map(256, true);
  std::vector<uint8_t> plane(setup.grid.area());
  SetLevel(k->level);
  for (auto _ : state) {
    QuantizeToPlane(setup.view, 0, setup.quant, setup.grid, map, plane.data());
    benchmark::DoNotOptimize(plane.data());
    benchmark::ClobberMemory();
  }
  SetLevel(BestLevel());
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

void UntileDequantize(benchmark::State& state, const Kernels* k, const TensorShape& s, ftc_dtype dtype) {
  const Setup setup(s, dtype);
  const PixelMap map(256, true);
  std::vector<uint8_t> plane(setup.grid.area()), out(setup.input.size());
  QuantizeToPlane(setup.view, 0, setup.quant, setup.grid, map, plane.data());
  SetLevel(k->level);
  for (auto _ : state) {
    PlaneToTensor(plane.data(), setup.grid, setup.quant, map, 0, s, dtype, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  SetLevel(BestLevel());
  state.SetBytesProcessed(state.iterations() * setup.bytes());
}

void RegisterAll() {
  using Fn = void (*)(benchmark::State&, const Kernels*, const TensorShape&, ftc_dtype);
  const std::pair<const char*, Fn> kernels[] = {{"stats", Stats},
                                                {"quantize", Quantize},
                                                {"dequantize", Dequantize},
                                                {"quantize_tile", QuantizeTile},
                                                {"untile_dequantize", UntileDequantize}};
  for (const TensorShape& s : kShapes) {
    benchmark::RegisterBenchmark(("memcpy/" + ShapeName(s)).c_str(), Memcpy, s);
    for (const auto& [name, fn] : kernels)
      for (const ftc_dtype dtype : kDtypes)
        for (const Level level : kAllLevels)
          if (const Kernels* k = ForLevel(level))
            benchmark::RegisterBenchmark((std::string(name) + "/" + ftc_dtype_name(dtype) + "/" +
                                          LevelName(level) + "/" + ShapeName(s))
                                             .c_str(),
                                         fn, k, s, dtype);
  }
}

}  // namespace
}  // namespace ftc::dsp

int main(int argc, char** argv) {
  ftc::dsp::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// ftc demo: encodes one tensor with every built codec at its default settings, decodes it again and prints
// a table of rate and accuracy. Without an input it synthesises a realistic feature tensor, so it needs no
// files; apart from the times its output is deterministic.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "synthetic.h"
#include "tensor.h"

namespace ftc_cli {
namespace {

constexpr uint64_t kSeed = 20240501;
constexpr uint64_t kSampleShape[4] = {1, 64, 14, 14};

struct Row {
  std::string codec;
  std::string quality;
  uint64_t bytes = 0, header_bytes = 0;
  double bits_per_element = 0, ratio = 0, max_error = 0, rmse = 0, psnr = 0;
  double encode_ms = 0, decode_ms = 0;
};

double Milliseconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

Row Measure(const HostTensor& tensor, const std::vector<float>& original, double peak,
            ftc_encoder_settings settings, const std::string& label) {
  using Clock = std::chrono::steady_clock;
  Encoder encoder = CreateEncoder(settings);
  Decoder decoder = Checked("decoder", [&] { return NewDecoder(settings.threads); });
  const auto t0 = Clock::now();
  const ftc::Bytes file = Checked(label, [&] { return encoder.Encode(tensor.View()); });
  const auto t1 = Clock::now();
  const ftc::Tensor decoded = Checked(label, [&] { return decoder.Decode(file.span()); });
  const auto t2 = Clock::now();
  const ftc_info info = Checked(label, [&] { return decoder.Info(file.span()); });

  Row row;
  row.codec = label;
  row.quality = info.quality ? std::to_string(info.quality) : "-";
  row.bytes = info.total_bytes;
  row.header_bytes = info.header_bytes;
  row.bits_per_element = info.bits_per_element;
  row.ratio = static_cast<double>(original.size() * sizeof(float)) / static_cast<double>(info.total_bytes);
  const std::vector<float> values = ToFloat32(decoded.dtype(), decoded.data(), decoded.elements());
  double sum_sq = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double e = std::fabs(static_cast<double>(values[i]) - original[i]);
    row.max_error = std::max(row.max_error, e);
    sum_sq += e * e;
  }
  row.rmse = std::sqrt(sum_sq / static_cast<double>(values.size()));
  row.psnr = row.rmse > 0 ? 20.0 * std::log10(peak / row.rmse) : INFINITY;
  row.encode_ms = Milliseconds(t1 - t0);
  row.decode_ms = Milliseconds(t2 - t1);
  return row;
}

void PrintTable(const std::vector<Row>& rows) {
  size_t codec_width = 5;
  for (const Row& r : rows) codec_width = std::max(codec_width, r.codec.size());
  const int w = static_cast<int>(codec_width);
  std::printf("%-*s  %7s  %9s  %6s  %9s  %8s  %11s  %11s  %8s  %8s  %8s\n", w, "codec", "quality", "bytes",
              "header", "bits/elem", "ratio", "max |err|", "RMSE", "PSNR dB", "enc ms", "dec ms");
  for (const Row& r : rows) {
    const std::string psnr = std::isfinite(r.psnr) ? Format("%8.2f", r.psnr) : "     inf";
    std::printf("%-*s  %7s  %9llu  %6llu  %9.4f  %7.2f:1  %11.4g  %11.4g  %8s  %8.3f  %8.3f\n", w,
                r.codec.c_str(), r.quality.c_str(), static_cast<unsigned long long>(r.bytes),
                static_cast<unsigned long long>(r.header_bytes), r.bits_per_element, r.ratio, r.max_error,
                r.rmse, psnr.c_str(), r.encode_ms, r.decode_ms);
  }
}

}  // namespace

CommandSpec DemoSpec() {
  CommandSpec spec;
  spec.operands = "[IN.npy] [options]";
  spec.description =
      "Encodes a tensor with every built codec and encoder at its default settings (and, for a\n"
      "near-lossless codec, with --max-error 1 too), decodes it, and prints bytes, bits per element, ratio\n"
      "against float32, the largest absolute error, RMSE and PSNR (peak: the tensor's value range) of\n"
      "the decoded tensor, and encode and decode times. Without IN.npy it synthesises a 1x64x14x14\n"
      "post-ReLU, BatchNorm-like activation from a fixed seed.\n";
  spec.positional = {"IN.npy"};
  spec.required_positional = 0;
  spec.flags = {DtypeFlag(), ThreadsFlag()};
  return spec;
}

int RunDemo(const Args& args) {
  HostTensor tensor;
  std::string source;
  if (args.positional().empty()) {
    if (args.Has("dtype")) Fail(kExitUsage, "--dtype applies to an input file, and none is given");
    tensor = SyntheticTensor(kSampleShape, Distribution::kFeatures, kSeed);
    source = Format("synthetic post-ReLU BatchNorm-like activation (seed %llu)",
                    static_cast<unsigned long long>(kSeed));
  } else {
    const std::string& in = args.positional()[0];
    tensor = LoadNpyTensor(in, DtypeFrom(args));
    source = in == "-" ? "stdin" : in;
  }
  const std::vector<float> original = ToFloat32(tensor.dtype, tensor.bytes.data(), tensor.elements());
  const auto [lo, hi] = std::minmax_element(original.begin(), original.end());
  const double peak = std::isfinite(*hi - *lo) && *hi > *lo ? static_cast<double>(*hi) - *lo : 1.0;
  const auto zeros = std::count(original.begin(), original.end(), 0.0f);
  std::printf("tensor: %s %s, %s\n", ShapeText(tensor.shape).c_str(), ftc_dtype_name(tensor.dtype),
              source.c_str());
  std::printf("        %llu elements, %llu bytes as float32, values in [%.6g, %.6g], %.1f%% zeros\n\n",
              static_cast<unsigned long long>(original.size()),
              static_cast<unsigned long long>(original.size() * sizeof(float)), *lo, *hi,
              100.0 * static_cast<double>(zeros) / static_cast<double>(original.size()));

  std::vector<Row> rows;
  const int threads = ThreadsFrom(args);
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if (!(b->capabilities & FTC_CAP_ENCODE) || !ftc_backend_find_implementation(b->name, nullptr, FTC_CAP_DECODE))
      continue;
    ftc_encoder_settings settings = ftc::DefaultEncoderSettings();
    settings.codec = b->name;
    settings.implementation = b->implementation;
    settings.threads = threads;
    const bool several = ImplementationNames(b->name, FTC_CAP_ENCODE) != b->implementation;
    rows.push_back(Measure(tensor, original, peak, settings,
                           several ? std::string(b->name) + " --encoder " + b->implementation : b->name));
    if (b->capabilities & FTC_CAP_NEAR_LOSSLESS) {
      settings.max_error = 1;
      rows.push_back(Measure(tensor, original, peak, settings, std::string(b->name) + " --max-error 1"));
    }
  }
  PrintTable(rows);
  const ftc_encoder_settings d = ftc::DefaultEncoderSettings();
  std::printf(
      "\ndefaults: %d bits, clip %s; ratio: float32 bytes / .ftc bytes (header included);\n"
      "times: one run on this machine, not a benchmark.\n",
      d.bits, ClipText(d.clip, d.sigma_k, d.range_lo, d.range_hi).c_str());
  return kExitOk;
}

}  // namespace ftc_cli

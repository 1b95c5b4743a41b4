// ftc analyze: the properties the paper asks of a split point (Ulhaq & Bajić, section 2), per candidate
// split: tensor size, edge compute, the distribution of the values, and how well they compress.
#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <optional>

#include "ftc/ftc.hpp"
#include "harness_error.h"
#include "parallel.h"
#include "runs.h"
#include "samples.h"
#include "split_model.h"

namespace ftc_inference {
namespace {

using Clock = std::chrono::steady_clock;

struct Accumulator {
  double sum = 0, sum_sq = 0, min = INFINITY, max = -INFINITY, zeros = 0, within = 0, edge_seconds = 0;
  double lossless_bytes = 0;
  std::vector<double> histogram;
};

ftc_encoder_settings LosslessSettings(const std::string& codec) {
  ftc_encoder_settings s = ftc::DefaultEncoderSettings();
  s.codec = codec.c_str();
  s.bits = 8;
  s.clip = FTC_CLIP_SIGMA;
  s.sigma_k = 3.0;
  s.threads = 1;
  return s;
}

}  // namespace

AnalyzeResult RunAnalyze(const AnalyzeOptions& o) {
  torch::NoGradGuard no_grad;
  if (o.threads > 0) at::set_num_threads(o.threads);
  const torch::Device device = ParseDevice(o.device);
  const std::unique_ptr<ftc_datasets::Dataset> dataset = OpenData(o.data);
  const uint64_t samples = SampleCount(*dataset, o.data);
  std::vector<SplitModel> splits = OpenAllSplits(o.model, device);
  const size_t workers = Workers(o.threads);
  if (o.bins < 1 || o.bins > 100000) throw HarnessError(Problem::kUsage, "histogram bins must be 1..100000");

  AnalyzeResult result;
  result.dataset = dataset->description();
  result.torch = TORCH_VERSION;
  result.samples = samples;
  const bool lossless = ftc_backend_find_implementation(o.lossless.c_str(), nullptr, FTC_CAP_ENCODE) &&
                        ftc_backend_find_implementation(o.lossless.c_str(), nullptr, FTC_CAP_DECODE);
  result.lossless_codec = lossless ? o.lossless : o.lossless + " (not built)";

  const Batch probe = ReadBatch(*dataset, 0, std::min<uint64_t>(samples, 2), 1);
  std::vector<SplitStats> stats(splits.size());
  for (size_t k = 0; k < splits.size(); ++k) {
    const torch::Tensor features = CheckSplit(splits[k], probe.images);
    SplitStats& s = stats[k];
    s.name = splits[k].name;
    s.shape = CodedShape(features);
    s.elements = static_cast<uint64_t>(features[0].numel());
    bool partial = false;
    if (const std::optional<double> macs = CountMacs(splits[k].edge, probe.images.slice(0, 0, 1), &partial)) {
      s.macs = *macs;
      s.macs_partial = partial;
    }
  }
  // Splits of a directory in the order data flows through them: by edge compute, then by name.
  std::vector<size_t> order(splits.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return stats[a].macs != stats[b].macs ? stats[a].macs < stats[b].macs : stats[a].name < stats[b].name;
  });
  {
    std::vector<SplitModel> sorted_splits;
    std::vector<SplitStats> sorted_stats;
    for (const size_t k : order) {
      sorted_splits.push_back(std::move(splits[k]));
      sorted_stats.push_back(std::move(stats[k]));
    }
    splits = std::move(sorted_splits);
    stats = std::move(sorted_stats);
  }
  result.model = splits.size() == 1 ? splits[0].description : o.model.dir.empty() ? o.model.full : o.model.dir;

  std::deque<ftc::Encoder> encoders;  // one per worker
  if (lossless)
    for (size_t w = 0; w < workers; ++w) encoders.emplace_back(LosslessSettings(o.lossless));
  const size_t batch = static_cast<size_t>(std::max(1, o.batch));
  const uint64_t total_steps = 2 * samples;
  std::vector<Accumulator> acc(splits.size());

  // Pass 1: moments, extremes, zeros, edge time and lossless size. Pass 2, which needs the mean and σ:
  // the fraction within mean ± 3σ and the histogram.
  for (int pass = 1; pass <= 2; ++pass) {
    if (pass == 2)
      for (size_t k = 0; k < splits.size(); ++k) {
        SplitStats& s = stats[k];
        const double n = static_cast<double>(samples * s.elements);
        s.mean = acc[k].sum / n;
        s.stddev = std::sqrt(std::max(0.0, acc[k].sum_sq / n - s.mean * s.mean));
        s.min = acc[k].min;
        s.max = acc[k].max;
        s.hist_lo = std::max(s.min, s.mean - 5 * s.stddev);
        s.hist_hi = std::min(s.max, s.mean + 5 * s.stddev);
        if (!(s.hist_hi > s.hist_lo)) s.hist_hi = s.hist_lo + 1;
        acc[k].histogram.assign(static_cast<size_t>(o.bins), 0.0);
      }
    for (uint64_t begin = 0; begin < samples; begin += batch) {
      const uint64_t count = std::min<uint64_t>(batch, samples - begin);
      const Batch b = ReadBatch(*dataset, begin, count, workers);
      for (size_t k = 0; k < splits.size(); ++k) {
        const auto t0 = Clock::now();
        const torch::Tensor f = splits[k].edge(b.images).contiguous();
        Accumulator& a = acc[k];
        SplitStats& s = stats[k];
        if (pass == 1) {
          a.edge_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
          a.sum += f.sum(torch::kDouble).item<double>();
          a.sum_sq += f.to(torch::kDouble).square().sum().item<double>();
          a.min = std::min(a.min, f.min().item<double>());
          a.max = std::max(a.max, f.max().item<double>());
          a.zeros += f.eq(0).sum().item<double>();
          if (!lossless) continue;
          std::vector<double> bytes(count);
          const uint64_t shape[4] = {1, s.shape[0], s.shape[1], s.shape[2]};
          ParallelFor(count, workers, [&](size_t w, size_t i) {
            const ftc_tensor view = ftc::View(f.data_ptr<float>() + i * s.elements, FTC_DTYPE_FLOAT32, shape);
            bytes[i] = static_cast<double>(encoders[w].Encode(view).size());
          });
          for (const double v : bytes) a.lossless_bytes += v;
        } else {
          a.within += f.ge(s.mean - 3 * s.stddev).logical_and(f.le(s.mean + 3 * s.stddev)).sum().item<double>();
          const torch::Tensor h = torch::histc(f, o.bins, s.hist_lo, s.hist_hi).to(torch::kDouble);
          const double* counts = h.data_ptr<double>();
          for (int i = 0; i < o.bins; ++i) a.histogram[i] += counts[i];
        }
      }
      if (o.progress) o.progress((pass - 1) * samples + begin + count, total_steps);
    }
  }
  for (size_t k = 0; k < splits.size(); ++k) {
    SplitStats& s = stats[k];
    const double n = static_cast<double>(samples);
    s.edge_ms = 1000.0 * acc[k].edge_seconds / n;
    s.zero_fraction = acc[k].zeros / (n * static_cast<double>(s.elements));
    s.within_3sigma = acc[k].within / (n * static_cast<double>(s.elements));
    s.lossless_bytes = acc[k].lossless_bytes / n;
    s.lossless_bpe = 8.0 * s.lossless_bytes / static_cast<double>(s.elements);
    for (const double c : acc[k].histogram) s.histogram.push_back(static_cast<uint64_t>(c));
  }
  result.splits = std::move(stats);
  return result;
}

}  // namespace ftc_inference

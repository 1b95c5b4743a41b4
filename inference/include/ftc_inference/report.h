// What `ftc rd` and `ftc analyze` print and write: the tables, CSV and JSON of a harness result, and the
// summary of a rate–accuracy run (curves, BD-rates, the smallest rate within an accuracy budget). No
// LibTorch here.
#ifndef FTC_INFERENCE_REPORT_H
#define FTC_INFERENCE_REPORT_H

#include <optional>
#include <string>
#include <vector>

#include "ftc_inference/harness.h"

namespace ftc_inference {

// The rows that differ only in their rate setting form a curve: the quality of a lossy codec ("jpeg 8b
// sigma:3", "input-jpeg"), the bits of a codec without quality ("lossless minmax").
struct Curve {
  std::string label;
  std::string codec;
  std::vector<size_t> rows;  // indices into RdResult::rows, by increasing bytes per sample
};

// The cheapest row of a codec whose top-1 drop is within the budget.
struct Cheapest {
  std::string codec;
  size_t row = 0;
  std::optional<double> vs_input;  // bytes relative to input-jpeg's cheapest row within the budget
  std::optional<double> vs_seed;   // ... and to seed-jpeg's
};

struct BdRateEntry {
  std::string curve, anchor;
  // BD-rate in percent by each method of bd_rate.h; nullopt: not computable (too few points, no shared
  // accuracy range).
  std::optional<double> cubic, pchip;
};

struct RdSummary {
  double max_drop = 0.01;  // the accuracy budget, as a fraction (0.01: one percentage point of top-1)
  double bd_window = 0.05;  // BD-rates use the points within this much of the float top-1
  std::vector<Curve> curves;
  std::vector<Cheapest> cheapest;  // one per codec that has a row within the budget
  std::vector<BdRateEntry> bd_rates;
};

// The label of a row's curve.
std::string CurveLabel(const RdRow& row);
// The quantiser part of the label: "8b sigma:3 per-channel".
std::string SettingText(const RdRow& row);

// BD-rates are taken on each curve's Pareto points (those more accurate than every cheaper point of the
// curve: log-rate must be a function of accuracy) within summary.bd_window of the float top-1 (the region
// where a split model is used: far below it the curves bend sharply and a fit through them says nothing
// about the operating region); every curve is compared with input-jpeg and seed-jpeg.
RdSummary Summarize(const RdResult& result, double max_drop);

// The table printed by `ftc rd` (rows, then the summary).
std::string RdTable(const RdResult& result, const RdSummary& summary);
// rd.csv: one line per row; columns codec, quality, bits, samples, bytes_per_sample, bits_per_element,
// top1, top1_float, top1_drop, encode_ms, decode_ms, clip, per_channel, max_error, options, correct, stream.
std::string RdCsv(const RdResult& result);
// rd.json: the run, its rows, curves, BD-rates and cheapest rows (the input of inference/plot_rd.py).
std::string RdJson(const RdResult& result, const RdSummary& summary);

std::string AnalyzeTable(const AnalyzeResult& result);
std::string AnalyzeCsv(const AnalyzeResult& result);
std::string AnalyzeJson(const AnalyzeResult& result);  // with the histograms (inference/plot_analyze.py)

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_REPORT_H

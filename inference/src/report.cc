#include "ftc_inference/report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>

#include "ftc_inference/bd_rate.h"

namespace ftc_inference {
namespace {

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  char buffer[512];
  const int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  return n < 0 ? std::string() : std::string(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof(buffer) - 1));
}

std::string Percent(double fraction) {
  return Format("%.2f%%", 100.0 * fraction);
}

std::string ShapeText(const std::vector<uint64_t>& shape) {
  std::string text;
  for (const uint64_t d : shape) {
    if (!text.empty()) text += 'x';
    text += std::to_string(d);
  }
  return text;
}

bool IsBaseline(const std::string& codec) {
  return codec == "float" || codec == "input-jpeg" || codec == "seed-jpeg";
}

// A fixed-width text table: columns right-aligned except the first `left` ones.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, size_t left = 1) : left_(left) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const {
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (const auto& r : rows_) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i) {
        const std::string pad(width[i] - r[i].size(), ' ');
        line += (i ? "  " : "") + (i < left_ ? r[i] + pad : pad + r[i]);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

// JSON text, written by hand: the harness needs objects, arrays, strings and numbers only.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += Format("\\u%04x", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Number(double v) {
  return std::isfinite(v) ? Format("%.10g", v) : "null";
}

std::string Optional(const std::optional<double>& v) {
  return v ? Number(*v) : "null";
}

std::string Shape(const std::vector<uint64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// CSV field: quoted when it holds a comma or a quote.
std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool WithinBudget(const RdRow& r, double max_drop) {
  // In counts, so that a drop of exactly the budget is inside it whatever the rounding of fractions.
  return static_cast<double>(r.float_correct) - static_cast<double>(r.correct) <=
         max_drop * static_cast<double>(r.samples) + 1e-9;
}

std::vector<RdPoint> ParetoPoints(const RdResult& result, const Curve& curve, double window) {
  std::vector<RdPoint> points;
  double best = -1;
  for (const size_t i : curve.rows) {  // by increasing rate
    const RdRow& r = result.rows[i];
    if (r.top1 > best && r.top1 >= r.top1_float - window - 1e-12) {
      points.push_back({r.bytes_per_sample, 100.0 * r.top1});
      best = r.top1;
    }
  }
  return points;
}

}  // namespace

namespace {

std::string QuantiserText(const RdRow& row, bool with_bits) {
  std::string text = (with_bits ? std::to_string(row.bits) + "b " : "") + row.clip;
  if (row.per_channel) text += " per-channel";
  if (row.max_error) text += " max-error " + std::to_string(row.max_error);
  if (!row.options.empty()) text += " " + row.options;
  if (row.stream) text += " stream";
  return text;
}

}  // namespace

std::string SettingText(const RdRow& row) {
  if (row.codec == "float" || row.codec == "input-jpeg") return "";
  return QuantiserText(row, true);
}

std::string CurveLabel(const RdRow& row) {
  if (IsBaseline(row.codec)) return row.codec;
  // A lossy codec's curve runs over its quality; a codec without one (lossless, raw) over the bits.
  return row.codec + " " + QuantiserText(row, row.quality > 0);
}

RdSummary Summarize(const RdResult& result, double max_drop) {
  RdSummary s;
  s.max_drop = max_drop;
  std::map<std::string, size_t> by_label;
  for (size_t i = 0; i < result.rows.size(); ++i) {
    const RdRow& r = result.rows[i];
    if (r.codec == "float") continue;
    const std::string label = CurveLabel(r);
    auto [it, added] = by_label.emplace(label, s.curves.size());
    if (added) s.curves.push_back({label, r.codec, {}});
    s.curves[it->second].rows.push_back(i);
  }
  for (Curve& c : s.curves)
    std::stable_sort(c.rows.begin(), c.rows.end(), [&](size_t a, size_t b) {
      return result.rows[a].bytes_per_sample < result.rows[b].bytes_per_sample;
    });

  // The cheapest row within the budget, per codec, in the order codecs first appear.
  std::map<std::string, size_t> cheapest;
  std::vector<std::string> order;
  for (size_t i = 0; i < result.rows.size(); ++i) {
    const RdRow& r = result.rows[i];
    if (r.codec == "float" || !WithinBudget(r, max_drop)) continue;
    const auto it = cheapest.find(r.codec);
    if (it == cheapest.end()) {
      cheapest.emplace(r.codec, i);
      order.push_back(r.codec);
    } else if (r.bytes_per_sample < result.rows[it->second].bytes_per_sample) {
      it->second = i;
    }
  }
  const auto bytes_of = [&](const char* codec) -> std::optional<double> {
    const auto it = cheapest.find(codec);
    if (it == cheapest.end()) return std::nullopt;
    return result.rows[it->second].bytes_per_sample;
  };
  const std::optional<double> input = bytes_of("input-jpeg"), seed = bytes_of("seed-jpeg");
  for (const std::string& codec : order) {
    Cheapest c{codec, cheapest[codec], {}, {}};
    const double bytes = result.rows[c.row].bytes_per_sample;
    if (input && codec != "input-jpeg") c.vs_input = bytes / *input;
    if (seed && codec != "seed-jpeg") c.vs_seed = bytes / *seed;
    s.cheapest.push_back(c);
  }

  for (const char* anchor : {"input-jpeg", "seed-jpeg"}) {
    const auto a = by_label.find(anchor);
    if (a == by_label.end()) continue;
    const std::vector<RdPoint> anchor_points = ParetoPoints(result, s.curves[a->second], s.bd_window);
    for (const Curve& c : s.curves) {
      if (c.label == anchor || (c.codec == "input-jpeg" && std::string(anchor) == "seed-jpeg")) continue;
      const std::vector<RdPoint> points = ParetoPoints(result, c, s.bd_window);
      s.bd_rates.push_back({c.label, anchor, BdRate(anchor_points, points, BdMethod::kCubic),
                            BdRate(anchor_points, points, BdMethod::kPchip)});
    }
  }
  return s;
}

std::string RdTable(const RdResult& result, const RdSummary& summary) {
  std::string out = Format("model:    %s\n", result.model.c_str());
  out += Format("dataset:  %s; first %llu samples\n", result.dataset.c_str(),
                static_cast<unsigned long long>(result.samples));
  out += Format("features: %s = %llu elements (float32: %llu bytes); input %s; %s, LibTorch %s; %.1f s\n\n",
                ShapeText(result.feature_shape).c_str(), static_cast<unsigned long long>(result.feature_elements),
                static_cast<unsigned long long>(4 * result.feature_elements), ShapeText(result.input_shape).c_str(),
                result.device.c_str(), result.torch.c_str(), result.seconds);
  TextTable t({"codec", "quality", "bits", "clip", "per-ch", "samples", "bytes/sample", "bits/elem", "top-1",
               "drop", "enc ms", "dec ms"},
              1);
  for (const RdRow& r : result.rows) {
    const bool timed = r.codec != "float";
    t.Add({r.codec, r.quality ? std::to_string(r.quality) : "-", std::to_string(r.bits), r.clip.empty() ? "-" : r.clip,
           r.codec == "float" || r.codec == "input-jpeg" ? "-" : (r.per_channel ? "yes" : "no"),
           std::to_string(r.samples), Format("%.1f", r.bytes_per_sample), Format("%.3f", r.bits_per_element),
           Percent(r.top1), Percent(r.top1_drop), timed ? Format("%.3f", r.encode_ms) : "-",
           timed ? Format("%.3f", r.decode_ms) : "-"});
  }
  out += t.Render();

  out += Format("\nsmallest bytes per sample with a top-1 drop of at most %.2f points:\n", 100.0 * summary.max_drop);
  if (summary.cheapest.empty()) out += "  (no row is within the budget)\n";
  TextTable c({"codec", "bytes/sample", "setting", "quality", "top-1", "drop", "vs input-jpeg", "vs seed-jpeg"}, 1);
  const auto ratio = [](const std::optional<double>& v) { return v ? Format("%.3fx", *v) : std::string("-"); };
  for (const Cheapest& ch : summary.cheapest) {
    const RdRow& r = result.rows[ch.row];
    const std::string setting = SettingText(r);
    c.Add({ch.codec, Format("%.1f", r.bytes_per_sample), setting.empty() ? "-" : setting,
           r.quality ? std::to_string(r.quality) : "-", Percent(r.top1), Percent(r.top1_drop), ratio(ch.vs_input),
           ratio(ch.vs_seed)});
  }
  if (!summary.cheapest.empty()) out += c.Render();

  if (!summary.bd_rates.empty()) {
    out += Format(
        "\nBD-rate: the mean change in bytes per sample at equal top-1 (negative: fewer bytes than the anchor),\n"
        "over the Pareto points within %.0f points of the float top-1; cubic fit (VCEG-M33) | PCHIP (JCT-VC):\n",
        100.0 * summary.bd_window);
    std::vector<std::string> curves, anchors;
    std::map<std::pair<std::string, std::string>, const BdRateEntry*> value;
    for (const BdRateEntry& e : summary.bd_rates) {
      if (std::find(curves.begin(), curves.end(), e.curve) == curves.end()) curves.push_back(e.curve);
      if (std::find(anchors.begin(), anchors.end(), e.anchor) == anchors.end()) anchors.push_back(e.anchor);
      value[{e.curve, e.anchor}] = &e;
    }
    std::vector<std::string> header{"curve"};
    for (const std::string& a : anchors) header.push_back("vs " + a);
    TextTable b(header, 1);
    const auto percent = [](const std::optional<double>& v) { return v ? Format("%+.1f%%", *v) : std::string("n/a"); };
    for (const std::string& curve : curves) {
      std::vector<std::string> row{curve};
      for (const std::string& a : anchors) {
        const auto it = value.find({curve, a});
        row.push_back(it == value.end() ? "-" : percent(it->second->cubic) + " | " + percent(it->second->pchip));
      }
      b.Add(row);
    }
    out += b.Render();
    out += "(curves of lossy codecs run over quality, those of the others over bits; n/a: too few points in the\n"
           "window (cubic: 4, PCHIP: 2) or no shared top-1 range; where the two methods disagree, the cubic fit\n"
           "is swinging between points and PCHIP is the one to read)\n";
  }
  return out;
}

std::string RdCsv(const RdResult& result) {
  std::string out =
      "codec,quality,bits,samples,bytes_per_sample,bits_per_element,top1,top1_float,top1_drop,encode_ms,decode_ms,"
      "clip,per_channel,max_error,options,correct,stream\n";
  for (const RdRow& r : result.rows)
    out += Field(r.codec) + "," + std::to_string(r.quality) + "," + std::to_string(r.bits) + "," +
           std::to_string(r.samples) + "," + Number(r.bytes_per_sample) + "," + Number(r.bits_per_element) + "," +
           Number(r.top1) + "," + Number(r.top1_float) + "," + Number(r.top1_drop) + "," + Number(r.encode_ms) + "," +
           Number(r.decode_ms) + "," + Field(r.clip) + "," + (r.per_channel ? "1" : "0") + "," +
           std::to_string(r.max_error) + "," + Field(r.options) + "," + std::to_string(r.correct) + "," +
           (r.stream ? "1" : "0") + "\n";
  return out;
}

std::string RdJson(const RdResult& result, const RdSummary& summary) {
  std::string out = "{\n";
  out += "  \"model\": " + Quote(result.model) + ",\n";
  out += "  \"dataset\": " + Quote(result.dataset) + ",\n";
  out += "  \"device\": " + Quote(result.device) + ",\n";
  out += "  \"torch\": " + Quote(result.torch) + ",\n";
  out += "  \"samples\": " + std::to_string(result.samples) + ",\n";
  out += "  \"input_shape\": " + Shape(result.input_shape) + ",\n";
  out += "  \"feature_shape\": " + Shape(result.feature_shape) + ",\n";
  out += "  \"feature_elements\": " + std::to_string(result.feature_elements) + ",\n";
  out += "  \"seconds\": " + Number(result.seconds) + ",\n";
  out += "  \"max_drop\": " + Number(summary.max_drop) + ",\n";
  out += "  \"bd_window\": " + Number(summary.bd_window) + ",\n";
  out += "  \"rows\": [\n";
  for (size_t i = 0; i < result.rows.size(); ++i) {
    const RdRow& r = result.rows[i];
    out += "    {\"codec\": " + Quote(r.codec) + ", \"curve\": " + Quote(r.codec == "float" ? "float" : CurveLabel(r)) +
           ", \"quality\": " + std::to_string(r.quality) + ", \"bits\": " + std::to_string(r.bits) +
           ", \"clip\": " + Quote(r.clip) + ", \"per_channel\": " + (r.per_channel ? "true" : "false") +
           ", \"max_error\": " + std::to_string(r.max_error) + ", \"options\": " + Quote(r.options) + ", \"stream\": " + (r.stream ? "true" : "false") +
           ", \"samples\": " + std::to_string(r.samples) + ", \"correct\": " + std::to_string(r.correct) +
           ", \"bytes_per_sample\": " + Number(r.bytes_per_sample) + ", \"bits_per_element\": " +
           Number(r.bits_per_element) + ", \"top1\": " + Number(r.top1) + ", \"top1_float\": " + Number(r.top1_float) +
           ", \"top1_drop\": " + Number(r.top1_drop) + ", \"encode_ms\": " + Number(r.encode_ms) +
           ", \"decode_ms\": " + Number(r.decode_ms) + "}" + (i + 1 < result.rows.size() ? "," : "") + "\n";
  }
  out += "  ],\n  \"curves\": [\n";
  for (size_t i = 0; i < summary.curves.size(); ++i) {
    const Curve& c = summary.curves[i];
    std::string rows;
    for (const size_t k : c.rows) rows += (rows.empty() ? "" : ", ") + std::to_string(k);
    out += "    {\"label\": " + Quote(c.label) + ", \"codec\": " + Quote(c.codec) + ", \"rows\": [" + rows + "]}" +
           (i + 1 < summary.curves.size() ? "," : "") + "\n";
  }
  out += "  ],\n  \"cheapest_within_budget\": [\n";
  for (size_t i = 0; i < summary.cheapest.size(); ++i) {
    const Cheapest& c = summary.cheapest[i];
    out += "    {\"codec\": " + Quote(c.codec) + ", \"row\": " + std::to_string(c.row) +
           ", \"bytes_per_sample\": " + Number(result.rows[c.row].bytes_per_sample) +
           ", \"vs_input_jpeg\": " + Optional(c.vs_input) + ", \"vs_seed_jpeg\": " + Optional(c.vs_seed) + "}" +
           (i + 1 < summary.cheapest.size() ? "," : "") + "\n";
  }
  out += "  ],\n  \"bd_rate_percent\": [\n";
  for (size_t i = 0; i < summary.bd_rates.size(); ++i) {
    const BdRateEntry& e = summary.bd_rates[i];
    out += "    {\"curve\": " + Quote(e.curve) + ", \"anchor\": " + Quote(e.anchor) + ", \"cubic\": " +
           Optional(e.cubic) + ", \"pchip\": " + Optional(e.pchip) + "}" + (i + 1 < summary.bd_rates.size() ? "," : "") +
           "\n";
  }
  out += "  ]\n}\n";
  return out;
}

std::string AnalyzeTable(const AnalyzeResult& result) {
  std::string out = Format("model:    %s\n", result.model.c_str());
  out += Format("dataset:  %s; first %llu samples; LibTorch %s\n\n", result.dataset.c_str(),
                static_cast<unsigned long long>(result.samples), result.torch.c_str());
  TextTable t({"split", "shape", "elements", "float32 B", "8-bit B", "edge MMAC", "edge ms", "mean", "std",
               "in mean±3σ", "zeros", "min", "max", result.lossless_codec + " B", "bits/elem"},
              2);
  for (const SplitStats& s : result.splits) {
    t.Add({s.name, ShapeText(s.shape), std::to_string(s.elements), std::to_string(4 * s.elements),
           std::to_string(s.elements), s.macs < 0 ? "-" : Format("%.3f%s", s.macs / 1e6, s.macs_partial ? "+" : ""),
           Format("%.4f", s.edge_ms), Format("%.4f", s.mean), Format("%.4f", s.stddev), Percent(s.within_3sigma),
           Percent(s.zero_fraction), Format("%.3f", s.min), Format("%.3f", s.max),
           s.lossless_bytes > 0 ? Format("%.1f", s.lossless_bytes) : "-",
           s.lossless_bytes > 0 ? Format("%.3f", s.lossless_bpe) : "-"});
  }
  out += t.Render();
  out += "\nedge MMAC: million multiply-accumulates per sample in convolutions, linear layers and matrix products\n"
         "('+': some sit in control flow and were not counted); edge ms: measured per sample on this machine's CPU;\n" +
         result.lossless_codec + " B, bits/elem: mean .ftc bytes per sample at 8 bits, sigma:3 per tensor.\n";
  return out;
}

std::string AnalyzeCsv(const AnalyzeResult& result) {
  std::string out =
      "split,shape,elements,bytes_float32,bytes_8bit,edge_macs,edge_ms,mean,std,within_3sigma,zero_fraction,min,max,"
      "lossless_bytes,lossless_bits_per_element\n";
  for (const SplitStats& s : result.splits)
    out += Field(s.name) + "," + ShapeText(s.shape) + "," + std::to_string(s.elements) + "," +
           std::to_string(4 * s.elements) + "," + std::to_string(s.elements) + "," + (s.macs < 0 ? "" : Number(s.macs)) +
           "," + Number(s.edge_ms) + "," + Number(s.mean) + "," + Number(s.stddev) + "," + Number(s.within_3sigma) + "," +
           Number(s.zero_fraction) + "," + Number(s.min) + "," + Number(s.max) + "," + Number(s.lossless_bytes) + "," +
           Number(s.lossless_bpe) + "\n";
  return out;
}

std::string AnalyzeJson(const AnalyzeResult& result) {
  std::string out = "{\n";
  out += "  \"model\": " + Quote(result.model) + ",\n";
  out += "  \"dataset\": " + Quote(result.dataset) + ",\n";
  out += "  \"torch\": " + Quote(result.torch) + ",\n";
  out += "  \"samples\": " + std::to_string(result.samples) + ",\n";
  out += "  \"lossless_codec\": " + Quote(result.lossless_codec) + ",\n";
  out += "  \"splits\": [\n";
  for (size_t i = 0; i < result.splits.size(); ++i) {
    const SplitStats& s = result.splits[i];
    std::string hist;
    for (const uint64_t h : s.histogram) hist += (hist.empty() ? "" : ", ") + std::to_string(h);
    out += "    {\"name\": " + Quote(s.name) + ", \"shape\": " + Shape(s.shape) +
           ", \"elements\": " + std::to_string(s.elements) + ", \"edge_macs\": " + (s.macs < 0 ? "null" : Number(s.macs)) +
           ", \"edge_macs_partial\": " + (s.macs_partial ? "true" : "false") + ", \"edge_ms\": " + Number(s.edge_ms) +
           ", \"mean\": " + Number(s.mean) + ", \"std\": " + Number(s.stddev) + ", \"min\": " + Number(s.min) +
           ", \"max\": " + Number(s.max) + ", \"within_3sigma\": " + Number(s.within_3sigma) +
           ", \"zero_fraction\": " + Number(s.zero_fraction) + ", \"lossless_bytes\": " + Number(s.lossless_bytes) +
           ", \"lossless_bits_per_element\": " + Number(s.lossless_bpe) + ", \"hist_lo\": " + Number(s.hist_lo) +
           ", \"hist_hi\": " + Number(s.hist_hi) + ", \"histogram\": [" + hist + "]}" +
           (i + 1 < result.splits.size() ? "," : "") + "\n";
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace ftc_inference

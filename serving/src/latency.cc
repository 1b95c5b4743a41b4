#include "ftc_serving/latency.h"

#include <sys/stat.h>

#include <cstdio>

#include "json_text.h"

namespace ftc_serving {
namespace {

LatencyCurve Measure(const LatencyOptions& o, Mode mode, const CodecChoice* codec, std::string* model_id) {
  DeviceOptions d = o.device;
  d.mode = mode;
  d.clients = 1;
  d.window = 1;
  d.duration_s = 0;
  d.verify = false;
  d.link = LinkOptions{};
  if (codec) d.codec = *codec;
  const DeviceReport report = RunDevices(d);
  if (model_id->empty()) *model_id = report.model_id;
  const DeviceSummary s = Summarize(report);
  LatencyCurve c;
  c.mode = mode;
  c.label = mode == Mode::kSplit   ? "split " + report.setting
            : mode == Mode::kCloud ? "cloud-only (" + report.setting + ")"
                                   : "edge-only";
  c.frames = s.frames;
  c.top1 = s.top1;
  c.wire_bytes = mode == Mode::kEdge ? 0 : s.wire_bytes_per_frame;
  c.device_ms = (s.edge.mean + s.encode.mean) * o.edge_factor;
  c.server_ms = s.server.mean;
  c.network_ms = s.download.mean;
  for (const double rate : o.rates_kbps) {
    const double total = mode == Mode::kEdge
                             ? c.device_ms
                             : c.device_ms + c.wire_bytes * 8 / rate + o.rtt_ms + c.server_ms + c.network_ms;
    c.total_ms.push_back(total);
  }
  return c;
}

// "[3]": a curve's column in the table.
std::string Tag(size_t i) {
  std::string tag = "[";
  tag += std::to_string(i);
  return tag += "]";
}

const char* ModeLabel(Mode mode) {
  return mode == Mode::kSplit ? "split" : mode == Mode::kCloud ? "cloud-only" : "edge-only";
}

}  // namespace

LatencyResult RunLatency(const LatencyOptions& o, const std::function<void(const std::string&)>& progress) {
  LatencyResult r;
  r.rates_kbps = o.rates_kbps;
  r.rtt_ms = o.rtt_ms;
  r.edge_factor = o.edge_factor;
  const auto add = [&](Mode mode, const CodecChoice* codec) {
    r.curves.push_back(Measure(o, mode, codec, &r.model));
    const LatencyCurve& c = r.curves.back();
    if (progress)
      progress(c.label + ": " + std::to_string(c.frames) + " frames, " + Number(c.wire_bytes) +
               " bytes, device " + Number(c.device_ms) + " ms, server " + Number(c.server_ms) +
               " ms, top-1 " + Number(100 * c.top1) + "%");
  };
  if (o.edge_only) add(Mode::kEdge, nullptr);
  if (o.cloud_only) add(Mode::kCloud, nullptr);
  for (const CodecChoice& c : o.settings) add(Mode::kSplit, &c);
  return r;
}

std::string LatencyTable(const LatencyResult& r) {
  std::string text;
  char line[512];
  text +=
      "measured per frame (device times x" + Number(r.edge_factor) + ", rtt " + Number(r.rtt_ms) + " ms):\n";
  std::snprintf(line, sizeof line, "  %-44s %8s %10s %10s %10s %10s\n", "curve", "top-1", "bytes",
                "device ms", "server ms", "network ms");
  text += line;
  for (const LatencyCurve& c : r.curves) {
    std::snprintf(line, sizeof line, "  %-44s %7.2f%% %10.1f %10.3f %10.3f %10.3f\n", c.label.c_str(),
                  100 * c.top1, c.wire_bytes, c.device_ms, c.server_ms, c.network_ms);
    text += line;
  }
  text += "\ntotal inference time in ms against the upload rate:\n";
  std::snprintf(line, sizeof line, "  %10s", "kbit/s");
  text += line;
  for (size_t i = 0; i < r.curves.size(); ++i) {
    std::snprintf(line, sizeof line, " %10s", Tag(i).c_str());
    text += line;
  }
  text += "  fastest\n";
  for (size_t k = 0; k < r.rates_kbps.size(); ++k) {
    std::snprintf(line, sizeof line, "  %10g", r.rates_kbps[k]);
    text += line;
    size_t best = 0;
    for (size_t i = 0; i < r.curves.size(); ++i) {
      std::snprintf(line, sizeof line, " %10.2f", r.curves[i].total_ms[k]);
      text += line;
      if (r.curves[i].total_ms[k] < r.curves[best].total_ms[k]) best = i;
    }
    text += "  " + Tag(best) + " " + ModeLabel(r.curves[best].mode) + "\n";
  }
  for (size_t i = 0; i < r.curves.size(); ++i) text += "  " + Tag(i) + " " + r.curves[i].label + "\n";
  return text;
}

std::string LatencyCsv(const LatencyResult& r) {
  std::string csv = "mode,curve,upload_kbps,total_ms,top1,wire_bytes,device_ms,server_ms,network_ms,rtt_ms\n";
  for (const LatencyCurve& c : r.curves)
    for (size_t k = 0; k < r.rates_kbps.size(); ++k)
      csv += std::string(ModeLabel(c.mode)) + ",\"" + c.label + "\"," + Number(r.rates_kbps[k]) + "," +
             Number(c.total_ms[k]) + "," + Number(c.top1) + "," + Number(c.wire_bytes) + "," +
             Number(c.device_ms) + "," + Number(c.server_ms) + "," + Number(c.network_ms) + "," +
             Number(r.rtt_ms) + "\n";
  return csv;
}

std::string LatencyJson(const LatencyResult& r) {
  const auto list = [](const std::vector<double>& v) {
    std::string text = "[";
    for (size_t i = 0; i < v.size(); ++i) text += (i ? ", " : "") + Number(v[i]);
    return text + "]";
  };
  std::string j = "{\"model\": " + Quoted(r.model) + ", \"rtt_ms\": " + Number(r.rtt_ms) +
                  ", \"edge_factor\": " + Number(r.edge_factor) + ", \"rates_kbps\": " + list(r.rates_kbps) +
                  ", \"curves\": [";
  for (size_t i = 0; i < r.curves.size(); ++i) {
    const LatencyCurve& c = r.curves[i];
    j += std::string(i ? ", " : "") + "{\"mode\": " + Quoted(ModeLabel(c.mode)) + ", \"label\": " + Quoted(c.label) +
         ", \"frames\": " + std::to_string(c.frames) + ", \"top1\": " + Number(c.top1) +
         ", \"wire_bytes\": " + Number(c.wire_bytes) + ", \"device_ms\": " + Number(c.device_ms) +
         ", \"server_ms\": " + Number(c.server_ms) + ", \"network_ms\": " + Number(c.network_ms) +
         ", \"total_ms\": " + list(c.total_ms) + "}";
  }
  return j + "]}\n";
}

std::string LatencyPlotScript() {
  struct stat st;
  if (stat(FTC_SERVING_PLOT_SCRIPT_BUILD, &st) == 0) return FTC_SERVING_PLOT_SCRIPT_BUILD;
  return FTC_SERVING_PLOT_SCRIPT_INSTALL;
}

}  // namespace ftc_serving

// The latency report (`ftc latency`, the paper's Figure 2): total inference time against the upload rate for
// edge-only, cloud-only and split inference at each codec setting, from times and sizes measured against a
// running server and the emulated link's arithmetic (docs/SERVING.md).
#ifndef FTC_SERVING_LATENCY_H
#define FTC_SERVING_LATENCY_H

#include <functional>
#include <string>
#include <vector>

#include "ftc_serving/device.h"

namespace ftc_serving {

struct LatencyOptions {
  DeviceOptions device;  // server, models, data, frames, image quality; one device, one frame at a time
  std::vector<CodecChoice> settings;  // the split curves
  std::vector<double> rates_kbps;     // the upload rates of the sweep
  double rtt_ms = 0;                  // added to every frame that crosses the network
  double edge_factor = 1;             // the device computes this many times slower than this machine
  bool edge_only = true, cloud_only = true;
};

struct LatencyCurve {
  Mode mode = Mode::kSplit;
  std::string label;
  uint64_t frames = 0;
  double top1 = 0;
  double wire_bytes = 0;  // mean message bytes per frame (0 for edge-only)
  double device_ms = 0;   // edge compute and encoding, measured here, times edge_factor
  double server_ms = 0;   // decode, queue and compute on the server
  double network_ms =
      0;  // the rest of a round trip on loopback (gRPC, the answer), without the emulated delay
  std::vector<double> total_ms;  // per rate: device + bytes · 8 / rate + rtt + server + network
};

struct LatencyResult {
  std::string model, dataset;
  std::vector<double> rates_kbps;
  double rtt_ms = 0, edge_factor = 1;
  std::vector<LatencyCurve> curves;
};

// Measures each mode and setting on options.device.frames frames and computes the sweep. `progress` gets a
// line per measurement (may be empty). Throws Error.
LatencyResult RunLatency(const LatencyOptions& options,
                         const std::function<void(const std::string&)>& progress);

std::string LatencyTable(const LatencyResult& result);
std::string LatencyCsv(const LatencyResult& result);   // one line per curve and rate
std::string LatencyJson(const LatencyResult& result);  // the input of serving/plot_latency.py

// serving/plot_latency.py of this source tree, else where `cmake --install` puts it.
std::string LatencyPlotScript();

}  // namespace ftc_serving

#endif  // FTC_SERVING_LATENCY_H

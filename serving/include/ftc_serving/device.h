// Edge devices (`ftc edge`, docs/SERVING.md): each reads images from a dataset as its camera, runs the edge
// part of the model, codes the features with an ftc stream encoder and sends them to the server (split),
// or sends the image as JPEG (cloud), or runs the whole model itself (edge); and records where every
// frame's time went.
#ifndef FTC_SERVING_DEVICE_H
#define FTC_SERVING_DEVICE_H

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ftc/ftc.hpp"
#include "ftc_inference/harness.h"
#include "ftc_serving/link.h"
#include "ftc_serving/stats.h"

namespace ftc_serving {

enum class Mode { kSplit, kCloud, kEdge };
const char* ModeName(Mode mode);

// The codec settings of the split path, as strings that outlive the encoder settings made from them.
struct CodecChoice {
  std::string codec = "jpeg";
  std::string implementation;  // empty: the first built
  int quality = 90;
  int bits = 8;
  std::string clip = "sigma:3";
  bool per_channel = false;
  int max_error = 0;
  bool lossless = false;
  std::string options;
  int gop = 1;  // key-frame interval of video codecs; every key frame carries its clip range
  // "jpeg q90 8b sigma:3": for reports.
  std::string Label() const;
};

struct DeviceOptions {
  Mode mode = Mode::kSplit;
  std::string server;               // ADDR:PORT (not for kEdge)
  std::string edge, cloud, full;    // TorchScript: edge part; cloud part and whole model (see RunDevices)
  ftc_inference::DataOptions data;  // the camera: a dataset, from sample `offset` on
  uint64_t offset = 0;
  uint64_t frames = 0;    // per device; 0: every sample of the dataset (from offset)
  double duration_s = 0;  // > 0: keep sending, looping over the frames, for this long
  CodecChoice codec;
  int image_quality = 90;  // kCloud: the JPEG quality of the image
  int clients = 1;         // devices, each with its own connection and stream
  int window = 1;          // frames in flight per device: 1 is one at a time; more pipelines
  bool verify = false;     // recompute each answer locally and compare
  LinkOptions link;
  std::string model_id;  // empty: the server's (Describe)
  uint32_t top_k = 5;
  uint32_t deadline_ms = 0;
  int threads = 1;  // LibTorch threads for the device's models
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{0};  // the whole stream's deadline; 0: none
};

// One frame of one device.
struct FrameRecord {
  int client = 0;
  uint64_t frame = 0, sample = 0;
  int label = -1;
  bool answered = false;
  int code = 0;  // the answer's Code (0: OK)
  std::string message;
  int predicted = -1;       // the answer's top-1 class
  int local = -1;           // --verify: the top-1 class computed on the device from the same bytes
  bool agrees = true;       // --verify: the server's top-1 is the local one (or ties with it)
  uint64_t bytes = 0;       // the packet or image file
  uint64_t wire_bytes = 0;  // the message as the link counts it
  uint32_t batch = 0;
  double edge_ms = 0, encode_ms = 0, upload_ms = 0, decode_ms = 0, queue_ms = 0, compute_ms = 0,
         server_ms = 0, download_ms = 0, total_ms = 0;
};

struct DeviceReport {
  Mode mode = Mode::kSplit;
  std::string model_id, setting, dataset;
  int clients = 1, window = 1;
  LinkOptions link;
  double seconds = 0;                      // wall time of the whole run
  std::vector<FrameRecord> frames;         // every frame sent (or computed, kEdge)
  std::vector<std::string> stream_errors;  // streams that ended with an error status
};

// Runs the devices. kSplit needs `edge` (and `cloud` to verify), kCloud needs nothing (`full` to verify),
// kEdge needs `full`. Throws Error for bad options, a missing server, unloadable models or data.
DeviceReport RunDevices(const DeviceOptions& options);

struct DeviceSummary {
  uint64_t frames = 0, answered = 0, errors = 0, correct = 0, disagreements = 0;
  double top1 = 0;  // correct / frames answered without error
  double bytes_per_frame = 0, wire_bytes_per_frame = 0;
  double fps = 0;             // frames answered per second of wall time
  double sequential_fps = 0;  // 1000 / mean of the per-frame stage times: one frame at a time
  double mean_batch = 0;
  Summary edge, encode, upload, decode, queue, compute, server, download, total;  // ms
};

DeviceSummary Summarize(const DeviceReport& report);
// One JSON object: the run and its summary (`ftc edge --json`).
std::string SummaryJson(const DeviceReport& report, const DeviceSummary& summary);
// The human-readable report of `ftc edge`.
std::string SummaryText(const DeviceReport& report, const DeviceSummary& summary);

}  // namespace ftc_serving

#endif  // FTC_SERVING_DEVICE_H

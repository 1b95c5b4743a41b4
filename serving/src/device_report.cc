// The summary of a run of edge devices: counts, accuracy, sizes, throughput and where the time went.
#include <cstdio>
#include <map>

#include "ftc_serving.pb.h"
#include "ftc_serving/device.h"
#include "json_text.h"

namespace ftc_serving {
namespace {

struct Stage {
  const char* name;
  Summary DeviceSummary::*summary;
  double FrameRecord::*value;
};

constexpr Stage kStages[] = {
    {"edge_ms", &DeviceSummary::edge, &FrameRecord::edge_ms},
    {"encode_ms", &DeviceSummary::encode, &FrameRecord::encode_ms},
    {"upload_ms", &DeviceSummary::upload, &FrameRecord::upload_ms},
    {"server_decode_ms", &DeviceSummary::decode, &FrameRecord::decode_ms},
    {"server_queue_ms", &DeviceSummary::queue, &FrameRecord::queue_ms},
    {"server_compute_ms", &DeviceSummary::compute, &FrameRecord::compute_ms},
    {"server_ms", &DeviceSummary::server, &FrameRecord::server_ms},
    {"download_ms", &DeviceSummary::download, &FrameRecord::download_ms},
    {"total_ms", &DeviceSummary::total, &FrameRecord::total_ms},
};

std::map<std::string, uint64_t> ErrorCodes(const DeviceReport& r) {
  std::map<std::string, uint64_t> codes;
  for (const FrameRecord& f : r.frames)
    if (f.answered && f.code != 0) ++codes[::ftc::serving::v1::Code_Name(f.code)];
  return codes;
}

}  // namespace

DeviceSummary Summarize(const DeviceReport& r) {
  DeviceSummary s;
  std::vector<const FrameRecord*> ok;
  double bytes = 0, wire = 0, batch = 0;
  for (const FrameRecord& f : r.frames) {
    ++s.frames;
    bytes += static_cast<double>(f.bytes);
    wire += static_cast<double>(f.wire_bytes);
    if (!f.answered) continue;
    ++s.answered;
    if (f.code != 0) {
      ++s.errors;
      continue;
    }
    ok.push_back(&f);
    batch += f.batch;
    if (f.predicted == f.label) ++s.correct;
    if (!f.agrees) ++s.disagreements;
  }
  if (s.frames) {
    s.bytes_per_frame = bytes / static_cast<double>(s.frames);
    s.wire_bytes_per_frame = wire / static_cast<double>(s.frames);
  }
  if (!ok.empty()) {
    s.top1 = static_cast<double>(s.correct) / static_cast<double>(ok.size());
    s.mean_batch = batch / static_cast<double>(ok.size());
  }
  if (r.seconds > 0) s.fps = static_cast<double>(s.answered) / r.seconds;
  for (const Stage& stage : kStages) {
    std::vector<double> values;
    for (const FrameRecord* f : ok) values.push_back(f->*stage.value);
    s.*stage.summary = Summarize(std::move(values));
  }
  // One frame at a time, a frame takes its stages one after the other; its upload is then the bare
  // transmission time (in a pipeline, frames may also wait behind earlier ones on the link).
  const double transmission =
      r.link.upload_kbps > 0 ? s.wire_bytes_per_frame * 8 / r.link.upload_kbps : s.upload.mean;
  const double sequential =
      r.mode == Mode::kEdge ? s.edge.mean
                            : s.edge.mean + s.encode.mean + transmission + s.server.mean + s.download.mean;
  if (sequential > 0) s.sequential_fps = 1000 * static_cast<double>(r.clients) / sequential;
  return s;
}

std::string SummaryJson(const DeviceReport& r, const DeviceSummary& s) {
  std::string j =
      "{\"mode\": " + Quoted(ModeName(r.mode)) + ", \"model\": " + Quoted(r.model_id) +
      ", \"setting\": " + Quoted(r.setting) + ", \"dataset\": " + Quoted(r.dataset) +
      ", \"clients\": " + std::to_string(r.clients) + ", \"window\": " + std::to_string(r.window) +
      ", \"upload_kbps\": " + Number(r.link.upload_kbps) + ", \"rtt_ms\": " + Number(r.link.rtt_ms) +
      ", \"frames\": " + std::to_string(s.frames) + ", \"answered\": " + std::to_string(s.answered) +
      ", \"unanswered\": " + std::to_string(s.frames - s.answered) +
      ", \"errors\": " + std::to_string(s.errors) + ", \"correct\": " + std::to_string(s.correct) +
      ", \"top1\": " + Number(s.top1) + ", \"disagreements\": " + std::to_string(s.disagreements) +
      ", \"bytes_per_frame\": " + Number(s.bytes_per_frame) +
      ", \"wire_bytes_per_frame\": " + Number(s.wire_bytes_per_frame) +
      ", \"seconds\": " + Number(r.seconds) + ", \"fps\": " + Number(s.fps) +
      ", \"sequential_fps\": " + Number(s.sequential_fps) +
      ", \"pipeline_gain\": " + Number(s.sequential_fps > 0 ? s.fps / s.sequential_fps : 0) +
      ", \"mean_batch\": " + Number(s.mean_batch);
  for (const Stage& stage : kStages) {
    const Summary& v = s.*stage.summary;
    j += ", \"" + std::string(stage.name) + "\": {\"mean\": " + Number(v.mean) +
         ", \"p50\": " + Number(v.p50) + ", \"p95\": " + Number(v.p95) + ", \"p99\": " + Number(v.p99) + "}";
  }
  j += ", \"error_codes\": {";
  bool first = true;
  for (const auto& [code, n] : ErrorCodes(r)) {
    j += (first ? "" : ", ") + Quoted(code) + ": " + std::to_string(n);
    first = false;
  }
  j += "}, \"stream_errors\": [";
  for (size_t i = 0; i < r.stream_errors.size(); ++i) j += (i ? ", " : "") + Quoted(r.stream_errors[i]);
  return j + "]}\n";
}

std::string SummaryText(const DeviceReport& r, const DeviceSummary& s) {
  char line[512];
  std::string text;
  std::snprintf(line, sizeof line, "%s mode, model '%s', %s; %s\n", ModeName(r.mode), r.model_id.c_str(),
                r.setting.c_str(), r.dataset.c_str());
  text += line;
  std::snprintf(line, sizeof line, "%d device(s), %d frame(s) in flight each, link %s, rtt %g ms\n",
                r.clients, r.window,
                r.link.upload_kbps > 0 ? (Number(r.link.upload_kbps) + " kbit/s").c_str() : "unlimited",
                r.link.rtt_ms);
  text += line;
  std::snprintf(
      line, sizeof line,
      "frames %llu, answered %llu, errors %llu, top-1 %.2f%% (%llu correct), %.1f bytes/frame (%.1f on the "
      "wire)\n",
      static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.answered),
      static_cast<unsigned long long>(s.errors), 100 * s.top1, static_cast<unsigned long long>(s.correct),
      s.bytes_per_frame, s.wire_bytes_per_frame);
  text += line;
  std::snprintf(line, sizeof line,
                "%.2f s, %.1f frames/s (one frame at a time: %.1f; gain %.2fx), mean batch %.2f\n", r.seconds,
                s.fps, s.sequential_fps, s.sequential_fps > 0 ? s.fps / s.sequential_fps : 0, s.mean_batch);
  text += line;
  text += "time per frame, ms       mean      p50      p95      p99\n";
  for (const Stage& stage : kStages) {
    const Summary& v = s.*stage.summary;
    std::snprintf(line, sizeof line, "  %-18s %8.3f %8.3f %8.3f %8.3f\n", stage.name, v.mean, v.p50, v.p95,
                  v.p99);
    text += line;
  }
  for (const auto& [code, n] : ErrorCodes(r)) {
    std::snprintf(line, sizeof line, "  %llu frame(s) answered %s\n", static_cast<unsigned long long>(n),
                  code.c_str());
    text += line;
  }
  if (s.disagreements)
    text += "  " + std::to_string(s.disagreements) + " answer(s) differ from the device's own computation\n";
  for (const std::string& e : r.stream_errors) text += "  stream ended: " + e + "\n";
  return text;
}

}  // namespace ftc_serving

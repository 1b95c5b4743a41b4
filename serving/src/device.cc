#include "ftc_serving/device.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "ftc_datasets/dataset.h"
#include "ftc_serving/error.h"
#include "ftc_serving/model.h"
#include "ftc_serving/session.h"
#include "image.h"

namespace ftc_serving {
namespace {

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The class with the largest logit (the first of equals, as argmax).
int Top1(const float* logits, size_t k) {
  return static_cast<int>(std::max_element(logits, logits + k) - logits);
}

// The C×H×W shape under which one sample's features are coded, as `ftc rd` codes them: N×C×H×W as it is,
// N×L×D as 1×L×D, N×F as F×1×1, higher ranks with their leading dimensions merged into C.
std::vector<uint64_t> CodedShape(const std::vector<int64_t>& s) {
  if (s.size() == 2) return {static_cast<uint64_t>(s[1]), 1, 1};
  if (s.size() == 3) return {1, static_cast<uint64_t>(s[1]), static_cast<uint64_t>(s[2])};
  uint64_t c = 1;
  for (size_t i = 1; i + 2 < s.size(); ++i) c *= static_cast<uint64_t>(s[i]);
  return {c, static_cast<uint64_t>(s[s.size() - 2]), static_cast<uint64_t>(s.back())};
}

ftc_encoder_settings EncoderSettings(const CodecChoice& c) {
  ftc_encoder_settings s = ftc::DefaultEncoderSettings();
  s.codec = c.codec.c_str();
  s.implementation = c.implementation.empty() ? nullptr : c.implementation.c_str();
  s.quality = c.quality;
  s.bits = c.bits;
  if (ftc_parse_clip(c.clip.c_str(), &s.clip, &s.sigma_k, &s.range_lo, &s.range_hi) != FTC_OK)
    throw Error(Problem::kUsage, "bad clip '" + c.clip + "': expected sigma:K, minmax or range:LO,HI");
  s.per_channel = c.per_channel;
  s.max_error = c.max_error;
  s.lossless = c.lossless;
  s.options = c.options.empty() ? nullptr : c.options.c_str();
  s.threads = 1;
  return s;
}

// A device session as `ftc rd --stream` codes it: every key frame carries its own clip range, so an image
// codec (every frame a key frame) quantises each frame as a file of its own would.
ftc_stream_settings StreamSettings(const CodecChoice& c) {
  ftc_stream_settings s = ftc::DefaultStreamSettings();
  s.gop = c.gop;
  s.range = FTC_STREAM_RANGE_KEYFRAME;
  return s;
}

struct Pending {
  FrameRecord record;
  Clock::time_point start;
  std::vector<float> local_logits;  // --verify
  bool checked = false;             // --verify: local_logits are there
};

// What the devices share: the camera, the models, the settings, and the records.
class Devices {
 public:
  explicit Devices(const DeviceOptions& o)
      : o_(o), encoder_(EncoderSettings(o.codec)), stream_(StreamSettings(o.codec)) {
    if (o.clients < 1 || o.window < 1) throw Error(Problem::kUsage, "clients and window must be at least 1");
    try {
      dataset_ = ftc_datasets::OpenDataset(o.data.spec, o.data.folder);
    } catch (const ftc_datasets::Error& e) {
      throw Error(Problem::kData, e.what());
    }
    if (o.offset >= dataset_->size())
      throw Error(Problem::kUsage, "--offset " + std::to_string(o.offset) + " is past the dataset's " +
                                       std::to_string(dataset_->size()) + " samples");
    count_ = dataset_->size() - o.offset;
    if (o.frames) count_ = std::min(count_, o.frames);
    if (o.data.limit) count_ = std::min(count_, o.data.limit);
    SetModelThreads(o.threads);
    const auto require = [](const std::string& path, const char* what) {
      if (path.empty()) throw Error(Problem::kUsage, what);
      return LoadTorchScript(path, "cpu");
    };
    if (o.mode == Mode::kSplit) {
      edge_ = require(o.edge, "split mode needs the edge part (--edge, or --model DIR)");
      if (o.verify)
        cloud_ = require(o.cloud, "--verify in split mode needs the cloud part (--cloud, or --model DIR)");
      try {
        ftc::StreamEncoder check(encoder_, stream_);
      } catch (const ftc::Error& e) {
        throw Error(Problem::kUsage, o.codec.Label() + ": " + e.what());
      }
    } else if (o.mode == Mode::kEdge || o.verify) {
      full_ =
          require(o.full, o.mode == Mode::kEdge ? "edge mode needs the whole model (--full, or --model DIR)"
                                                : "--verify in cloud mode needs the whole model (--full)");
    }
    if (o.mode != Mode::kEdge) {
      if (o.server.empty()) throw Error(Problem::kUsage, "give the server with --server ADDR:PORT");
      const auto channel = Connect(o.server, o.connect_timeout);
      const pb::ServerDescription d = Describe(*channel, o.connect_timeout);
      model_id_ = o.model_id.empty() ? d.model() : o.model_id;
      if (o.mode == Mode::kCloud && !d.cloud())
        throw Error(Problem::kUsage,
                    "the server at " + o.server + " does not serve cloud-only frames (start it with --full)");
    }
  }

  DeviceReport Run() {
    DeviceReport report;
    report.mode = o_.mode;
    report.model_id = model_id_;
    report.setting = o_.mode == Mode::kSplit   ? o_.codec.Label()
                     : o_.mode == Mode::kCloud ? "image jpeg q" + std::to_string(o_.image_quality)
                                               : "whole model on the device";
    report.dataset = dataset_->description();
    report.clients = o_.clients;
    report.window = o_.window;
    report.link = o_.link;
    const auto start = Clock::now();
    stop_at_ =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.duration_s));
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(static_cast<size_t>(o_.clients));
    for (int c = 0; c < o_.clients; ++c)
      threads.emplace_back([&, c] {
        try {
          RunDevice(c);
        } catch (...) {
          errors[static_cast<size_t>(c)] = std::current_exception();
          failed_ = true;
        }
      });
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.frames = std::move(records_);
    std::sort(report.frames.begin(), report.frames.end(), [](const FrameRecord& a, const FrameRecord& b) {
      return std::tie(a.client, a.frame) < std::tie(b.client, b.frame);
    });
    report.stream_errors = std::move(stream_errors_);
    return report;
  }

 private:
  bool More(uint64_t k) const {
    if (failed_) return false;
    if (o_.duration_s > 0) return Clock::now() < stop_at_;
    return k < count_;
  }

  std::vector<float> RunModel(const Model& model, const std::vector<float>& input,
                              const std::vector<int64_t>& shape, std::vector<int64_t>* out_shape) const {
    std::vector<float> out;
    model.Run(input.data(), shape, &out, out_shape);
    return out;
  }

  void Keep(FrameRecord record) {
    const std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(std::move(record));
  }

  void RunDevice(int client) {
    const ftc_datasets::ImageShape shape = dataset_->shape();
    const std::vector<int64_t> image_shape = {1, shape.channels, shape.height, shape.width};
    std::vector<uint8_t> pixels(shape.bytes());
    std::vector<float> image(shape.bytes());
    std::mutex pending_mu;
    std::map<uint64_t, Pending> pending;
    std::unique_ptr<Session> session;
    if (o_.mode != Mode::kEdge) {
      session = std::make_unique<Session>(Connect(o_.server, o_.connect_timeout), o_.link, o_.window,
                                          o_.timeout, [&](const pb::Answer& answer, const FrameTimes& times) {
                                            const std::lock_guard<std::mutex> lock(pending_mu);
                                            const auto it = pending.find(answer.frame());
                                            if (it == pending.end()) return;
                                            Answered(answer, times, &it->second);
                                            // With --verify, the device thread keeps the record once it has
                                            // computed the local answer.
                                            if (!o_.verify || it->second.checked) {
                                              Keep(std::move(it->second.record));
                                              pending.erase(it);
                                            }
                                          });
    }
    std::optional<ftc::StreamEncoder> encoder;
    std::optional<ftc::StreamDecoder> verifier;
    if (o_.mode == Mode::kSplit) encoder.emplace(encoder_, stream_);
    if (o_.mode == Mode::kSplit && o_.verify) verifier.emplace(nullptr);

    for (uint64_t k = 0; More(k); ++k) {
      if (session && !session->WaitForSlot()) break;
      Pending p;
      FrameRecord& r = p.record;
      r.client = client;
      r.frame = k;
      r.sample = o_.offset + k % count_;
      try {
        r.label = dataset_->Read(r.sample, pixels.data());
      } catch (const ftc_datasets::Error& e) {
        throw Error(Problem::kData, e.what());
      }
      p.start = Clock::now();
      PixelsToInput(pixels.data(), pixels.size(), image.data());
      pb::Frame frame;
      frame.set_frame(k);
      frame.set_model(model_id_);
      frame.set_top_k(o_.top_k);
      frame.set_deadline_ms(o_.deadline_ms);
      std::vector<int64_t> out_shape;
      if (o_.mode == Mode::kEdge) {
        const std::vector<float> logits = RunModel(*full_, image, image_shape, &out_shape);
        r.edge_ms = r.total_ms = Ms(Clock::now() - p.start);
        r.answered = true;
        r.predicted = Top1(logits.data(), logits.size());
        Keep(std::move(p.record));
        continue;
      }
      std::vector<float> local_input;
      std::vector<int64_t> local_shape;
      if (o_.mode == Mode::kSplit) {
        const std::vector<float> features = RunModel(*edge_, image, image_shape, &out_shape);
        const auto t1 = Clock::now();
        r.edge_ms = Ms(t1 - p.start);
        const std::vector<uint64_t> coded = CodedShape(out_shape);
        const ftc::Bytes packet = encoder->Encode(ftc::View(features.data(), FTC_DTYPE_FLOAT32, coded));
        r.encode_ms = Ms(Clock::now() - t1);
        frame.set_kind(pb::KIND_SPLIT);
        frame.set_data(packet.data(), packet.size());
        for (size_t i = 1; i < out_shape.size(); ++i)
          frame.add_feature_shape(static_cast<uint64_t>(out_shape[i]));
        if (verifier) {
          const ftc::Tensor decoded = verifier->Decode(packet.span());
          local_input.assign(static_cast<const float*>(decoded.data()),
                             static_cast<const float*>(decoded.data()) + decoded.elements());
          local_shape = out_shape;
        }
      } else {
        std::vector<uint8_t> jpeg;
        ftc_inference::Failure failure;
        if (!ServingModule().encode_jpeg(pixels.data(), shape.channels, shape.height, shape.width,
                                         o_.image_quality, &jpeg, &failure))
          throw Error(failure);
        r.encode_ms = Ms(Clock::now() - p.start);
        frame.set_kind(pb::KIND_CLOUD);
        frame.set_data(jpeg.data(), jpeg.size());
        if (o_.verify) {
          ftc_datasets::Image decoded = ftc_datasets::DecodeImage(jpeg, "the device's own JPEG");
          std::vector<uint8_t> planar(decoded.pixels.size());
          ftc_datasets::ToPlanar(decoded, planar.data());
          local_input.resize(planar.size());
          PixelsToInput(planar.data(), planar.size(), local_input.data());
          local_shape = image_shape;
        }
      }
      r.bytes = frame.data().size();
      {
        const std::lock_guard<std::mutex> lock(pending_mu);
        pending.emplace(k, std::move(p));
      }
      session->Send(std::move(frame));
      // Verification runs after the frame has left, outside its measured times.
      if (!local_input.empty()) {
        std::vector<float> logits =
            RunModel(o_.mode == Mode::kSplit ? *cloud_ : *full_, local_input, local_shape, &out_shape);
        const std::lock_guard<std::mutex> lock(pending_mu);
        Pending& waiting = pending.at(k);
        waiting.local_logits = std::move(logits);
        waiting.checked = true;
        if (waiting.record.answered) {
          Verify(waiting.local_logits, &waiting.record);
          Keep(std::move(waiting.record));
          pending.erase(k);
        }
      }
    }
    if (!session) return;
    const grpc::Status status = session->Finish();
    if (!status.ok()) {
      const std::lock_guard<std::mutex> lock(mu_);
      stream_errors_.push_back("device " + std::to_string(client) + ": " + status.error_message());
    }
    const std::lock_guard<std::mutex> lock(pending_mu);
    for (auto& [frame, p] : pending) Keep(std::move(p.record));  // never answered
  }

  // The server's top-1 agrees with the local one when they are the same class or the local logits tie
  // them (batches of other sizes may round the last bits differently).
  static void Verify(const std::vector<float>& logits, FrameRecord* r) {
    r->local = Top1(logits.data(), logits.size());
    if (r->predicted < 0 || r->code != 0) return;
    const float a = logits[static_cast<size_t>(r->local)], b = logits[static_cast<size_t>(r->predicted)];
    r->agrees = r->predicted == r->local || std::abs(a - b) <= 1e-4f * (1 + std::abs(a));
  }

  void Answered(const pb::Answer& answer, const FrameTimes& times, Pending* p) {
    FrameRecord& r = p->record;
    r.answered = true;
    r.code = answer.code();
    r.message = answer.message();
    if (!answer.top().empty()) r.predicted = static_cast<int>(answer.top(0).class_index());
    const pb::ServerTimings& t = answer.timings();
    r.wire_bytes = times.wire_bytes;
    r.batch = t.batch_size();
    r.upload_ms = Ms(times.transmitted - times.handed);
    r.decode_ms = t.decode_us() / 1000.0;
    r.queue_ms = t.queue_us() / 1000.0;
    r.compute_ms = t.compute_us() / 1000.0;
    r.server_ms = t.total_us() / 1000.0;
    r.download_ms = std::max(0.0, Ms(times.delivered - times.transmitted) - r.server_ms);
    r.total_ms = Ms(times.delivered - p->start);
    if (!p->local_logits.empty()) Verify(p->local_logits, &r);
  }

  const DeviceOptions& o_;
  const ftc_encoder_settings encoder_;
  const ftc_stream_settings stream_;
  std::unique_ptr<ftc_datasets::Dataset> dataset_;
  uint64_t count_ = 0;
  std::unique_ptr<Model> edge_, cloud_, full_;
  std::string model_id_;
  Clock::time_point stop_at_;
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::vector<FrameRecord> records_;
  std::vector<std::string> stream_errors_;
};

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kSplit:
      return "split";
    case Mode::kCloud:
      return "cloud";
    case Mode::kEdge:
      return "edge";
  }
  return "?";
}

std::string CodecChoice::Label() const {
  const ftc_backend_info* b = ftc_backend_find(codec.c_str());
  std::string text = codec;
  // Appended piece by piece: g++ 12 warns (-Wrestrict) about `"literal" + std::to_string(...)` here.
  const auto add = [&](const char* what, const std::string& value) {
    text += what;
    text += value;
  };
  if (!implementation.empty()) add(" ", "(" + implementation + ")");
  if (b && (b->capabilities & FTC_CAP_QUALITY) && !lossless) add(" q", std::to_string(quality));
  add(" ", std::to_string(bits));
  add("b ", clip);
  if (per_channel) text += " per-channel";
  if (max_error) add(" max-error ", std::to_string(max_error));
  if (lossless) text += " lossless";
  if (!options.empty()) add(" ", options);
  if (gop > 1) add(" gop ", std::to_string(gop));
  return text;
}

DeviceReport RunDevices(const DeviceOptions& options) {
  return Devices(options).Run();
}

}  // namespace ftc_serving

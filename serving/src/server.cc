#include "ftc_serving/server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>

#include "ftc/ftc.hpp"
#include "ftc_datasets/dataset.h"
#include "ftc_serving.grpc.pb.h"
#include "ftc_serving/error.h"
#include "ftc_serving/stats.h"
#include "image.h"

namespace ftc_serving {
namespace {

namespace pb = ftc::serving::v1;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kDefaultTopK = 5;
constexpr const char* kServiceName = "ftc.serving.v1.CloudInference";
// gRPC's own limit on a message sits above the packet limit, so that an oversized packet is one frame's
// error (CODE_TOO_LARGE) and not the end of its stream.
constexpr uint64_t kMessageOverhead = 64 * 1024;
// Per-frame latencies kept for the periodic log line; beyond this many in one interval the line uses the
// first ones (memory stays bounded at any rate).
constexpr size_t kMaxLoggedLatencies = size_t{1} << 20;

uint32_t Micros(Clock::duration d) {
  return static_cast<uint32_t>(
      std::clamp<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), 0, UINT32_MAX));
}

pb::Code CodeOf(ftc_result r) {
  switch (r) {
    case FTC_ERROR_NEED_KEY_FRAME:
      return pb::CODE_NEED_KEY_FRAME;
    case FTC_ERROR_LIMIT:
      return pb::CODE_TOO_LARGE;
    case FTC_ERROR_UNSUPPORTED:
      return pb::CODE_UNSUPPORTED;
    case FTC_ERROR_OUT_OF_MEMORY:
    case FTC_ERROR_INTERNAL:
      return pb::CODE_INTERNAL;
    default:
      return pb::CODE_CORRUPT;
  }
}

// binary16 and bfloat16 to binary32 (exact: every value of both is a binary32 value).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FFu, bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | mantissa << 13;
  } else if (exponent != 0) {
    bits = sign | (exponent + 112) << 23 | mantissa << 13;
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exponent = 113;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | exponent << 23 | (mantissa & 0x3FFu) << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::vector<float> ToFloat32(const ftc::Tensor& t) {
  std::vector<float> out(t.elements());
  if (t.dtype() == FTC_DTYPE_FLOAT32) {
    std::memcpy(out.data(), t.data(), out.size() * sizeof(float));
    return out;
  }
  const auto* in = static_cast<const uint16_t*>(t.data());
  for (size_t i = 0; i < out.size(); ++i) {
    if (t.dtype() == FTC_DTYPE_FLOAT16) {
      out[i] = HalfToFloat(in[i]);
    } else {
      const uint32_t bits = uint32_t{in[i]} << 16;
      std::memcpy(&out[i], &bits, 4);
    }
  }
  return out;
}

class Stream;

// A decoded frame waiting for its batch.
struct Item {
  std::shared_ptr<Stream> stream;
  uint64_t frame = 0;
  pb::Kind kind = pb::KIND_SPLIT;
  std::vector<float> input;
  std::vector<int64_t> shape;  // of one sample, without the batch dimension
  uint32_t top_k = kDefaultTopK;
  uint32_t deadline_ms = 0;
  uint32_t decode_us = 0;
  Clock::time_point received, ready;
};

// What a frame cannot get past: an Answer with an error code.
struct FrameError {
  pb::Code code;
  std::string message;
  int ftc_result = 0;
};

// The server: the gRPC service, the open streams, the batch queue and thread, the counters and the log.
class Service : public pb::CloudInference::CallbackService {
 public:
  Service(ServerOptions options, std::unique_ptr<Model> split, std::unique_ptr<Model> whole)
      : o_(std::move(options)), split_(std::move(split)), whole_(std::move(whole)) {}

  void Start();
  int port() const { return port_; }
  void Shutdown(std::chrono::milliseconds grace);
  ServerCounters counters() const;

  // Called by the streams.
  const ServerOptions& options() const { return o_; }
  bool draining() const { return draining_; }
  std::variant<Item, FrameError> Prepare(const pb::Frame& frame, ftc::StreamDecoder& decoder) const;
  void Enqueue(Item item);
  void Forget(Stream* stream);
  void Received();
  void Answered(const pb::Answer& answer);
  void Dropped();

 private:
  grpc::ServerBidiReactor<pb::Frame, pb::Answer>* Infer(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Describe(grpc::CallbackServerContext* context, const pb::DescribeRequest* request,
                                     pb::ServerDescription* description) override;

  void BatchLoop();
  std::vector<Item> NextBatch();
  void RunBatch(std::vector<Item> batch);
  void LogLoop();

  const ServerOptions o_;
  const std::unique_ptr<Model> split_, whole_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> draining_{false};

  // Open streams (for draining and counting).
  mutable std::mutex streams_mu_;
  std::condition_variable streams_cv_;
  std::unordered_map<Stream*, std::weak_ptr<Stream>> streams_;

  // Frames waiting for a batch.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::list<Item> queue_;
  bool flush_ = false, stop_batches_ = false;
  std::thread batch_thread_;

  // Counters and the current log interval's latencies.
  mutable std::mutex stats_mu_;
  ServerCounters counters_;
  std::vector<double> interval_ms_;
  uint64_t interval_frames_ = 0, interval_errors_ = 0, interval_batches_ = 0, interval_batched_ = 0;
  std::mutex log_mu_;
  std::condition_variable log_cv_;
  bool stop_log_ = false;
  std::thread log_thread_;
  bool stopped_ = false;
};

// One device's stream (the reactor of one Infer call). Reads a frame, decodes it and queues it for a batch,
// and reads the next while fewer than max_in_flight frames are unanswered; answers are written in the order
// they are ready, one write at a time. Owned by itself (self_) until gRPC is done with it, and by the queued
// frames that will answer on it. gRPC's operations (StartRead, StartWrite, Finish) are started outside mu_:
// gRPC may run a reaction on the calling thread.
class Stream : public grpc::ServerBidiReactor<pb::Frame, pb::Answer> {
 public:
  Stream(Service& server, const ftc_decoder_settings& decoder)
      : server_(server), decoder_(&decoder), max_in_flight_(server.options().max_in_flight) {}

  // Owns itself until gRPC is done with it, and counts its first read as started; Start() starts it once the
  // server has registered the stream (so that a shutdown drains it).
  void Adopt(std::shared_ptr<Stream> self) {
    const std::lock_guard<std::mutex> lock(mu_);
    self_ = std::move(self);
    reading_ = true;
  }
  void Start() { StartRead(&request_); }

  // Answers a frame of this stream (from the batch thread or a reaction); dropped when the stream is over.
  void Deliver(pb::Answer answer) {
    const pb::Answer* write = nullptr;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      if (finish_called_) return server_.Dropped();
      server_.Answered(answer);
      answers_.push_back(std::move(answer));
      if (!writing_) {
        writing_ = true;
        write = &answers_.front();
      }
    }
    if (write) StartWrite(write);
  }

  // The server is shutting down: read nothing more, finish once every frame read is answered.
  void Drain() {
    Act(Decide([&] { draining_ = true; }));
  }

  // Whether answering this stream still matters (its client is there).
  bool live() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return !finish_called_ && !cancelled_;
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Act(Decide([&] {
        reading_ = false;
        reads_done_ = true;
      }));
      return;
    }
    const auto received = Clock::now();
    server_.Received();
    std::variant<Item, FrameError> prepared =
        server_.draining() ? FrameError{pb::CODE_SHUTTING_DOWN, "the server is shutting down"}
                           : server_.Prepare(request_, decoder_);
    const uint64_t frame = request_.frame();
    bool read_next = false;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      ++in_flight_;
      read_next = !draining_ && !cancelled_ && !finish_called_ && in_flight_ < max_in_flight_;
      reading_ = read_next;
    }
    if (Item* item = std::get_if<Item>(&prepared)) {
      item->stream = self_;
      item->received = received;
      server_.Enqueue(std::move(*item));
    } else {
      const FrameError& e = std::get<FrameError>(prepared);
      pb::Answer answer;
      answer.set_frame(frame);
      answer.set_code(e.code);
      answer.set_message(e.message);
      answer.set_ftc_result(e.ftc_result);
      answer.mutable_timings()->set_total_us(Micros(Clock::now() - received));
      Deliver(std::move(answer));
    }
    if (read_next) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    const pb::Answer* write = nullptr;
    const Action action = Decide([&] {
      answers_.pop_front();
      --in_flight_;
      if (!ok) {  // the client is gone: nothing more will be written
        cancelled_ = true;
        in_flight_ -= static_cast<int>(answers_.size());
        answers_.clear();
      }
      writing_ = !answers_.empty();
      if (writing_) write = &answers_.front();
    });
    if (write) StartWrite(write);
    Act(action);
  }

  void OnCancel() override {
    Act(Decide([&] { cancelled_ = true; }));
  }

  void OnDone() override {
    server_.Forget(this);
    std::shared_ptr<Stream> last;  // may be the last owner: released after the lock below
    const std::lock_guard<std::mutex> lock(mu_);
    last = std::move(self_);
  }

 private:
  struct Action {
    bool read = false;
    std::optional<grpc::Status> finish;
  };

  // Runs `change` under the lock, then decides what to start: the next read when a slot is free, or the end
  // of the stream when nothing is left to write.
  template <typename Change>
  Action Decide(Change&& change) {
    const std::lock_guard<std::mutex> lock(mu_);
    change();
    Action a;
    if (finish_called_) return a;
    if (!reading_ && !reads_done_ && !draining_ && !cancelled_ && in_flight_ < max_in_flight_) {
      reading_ = a.read = true;
    }
    if (writing_) return a;
    if (cancelled_) {
      a.finish = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    } else if (in_flight_ == 0 && reads_done_) {
      a.finish = grpc::Status::OK;
    } else if (in_flight_ == 0 && draining_) {
      a.finish = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    }
    if (a.finish) {
      finish_called_ = true;
      a.read = false;
    }
    return a;
  }

  void Act(const Action& a) {
    if (a.read) StartRead(&request_);
    if (a.finish) Finish(*a.finish);
  }

  Service& server_;
  std::shared_ptr<Stream> self_;
  pb::Frame request_;
  ftc::StreamDecoder decoder_;  // used by the reactions only, which gRPC runs one read at a time
  const int max_in_flight_;

  mutable std::mutex mu_;
  std::deque<pb::Answer> answers_;  // the front is being written while writing_
  int in_flight_ = 0;               // frames read and not yet written
  bool reading_ = false, writing_ = false, reads_done_ = false, draining_ = false, cancelled_ = false;
  bool finish_called_ = false;
};

// Refuses a stream (too many open, or shutting down).
class Refusal : public grpc::ServerBidiReactor<pb::Frame, pb::Answer> {
 public:
  explicit Refusal(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

class Server::Impl : public Service {
 public:
  using Service::Service;
};

void Service::Start() {
  if (o_.max_batch < 1 || o_.max_in_flight < 1 || o_.max_streams < 1 || !(o_.max_delay_ms >= 0) ||
      o_.max_packet_bytes < 1 || o_.max_elements < 1)
    throw Error(Problem::kUsage, "server limits must be positive");
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<uint64_t>(o_.max_packet_bytes + kMessageOverhead, INT32_MAX)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, o_.max_streams);
  // gRPC shares ports by default: a second server on a port in use would start and silently take half of
  // its connections. Only when asked.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, o_.reuse_port ? 1 : 0);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    throw Error(Problem::kIo,
                "cannot listen on " + o_.listen + " (in use, or not an address of this machine)");
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  server_->GetHealthCheckService()->SetServingStatus(kServiceName, true);
  batch_thread_ = std::thread([this] { BatchLoop(); });
  if (o_.log_interval_s > 0 && o_.log) log_thread_ = std::thread([this] { LogLoop(); });
}

grpc::ServerBidiReactor<pb::Frame, pb::Answer>* Service::Infer(grpc::CallbackServerContext*) {
  ftc_decoder_settings settings;
  ftc_decoder_default_settings(&settings);
  settings.threads = 1;
  settings.max_elements = o_.max_elements;
  std::shared_ptr<Stream> stream;
  {
    const std::lock_guard<std::mutex> lock(streams_mu_);
    if (draining_)
      return new Refusal(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    if (streams_.size() >= static_cast<size_t>(o_.max_streams)) {
      const std::lock_guard<std::mutex> stats(stats_mu_);
      ++counters_.streams_refused;
      return new Refusal(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                      "the server has " + std::to_string(o_.max_streams) + " open streams"));
    }
    stream = std::make_shared<Stream>(*this, settings);
    streams_.emplace(stream.get(), stream);
    stream->Adopt(stream);
  }
  {
    const std::lock_guard<std::mutex> stats(stats_mu_);
    ++counters_.streams_total;
  }
  stream->Start();
  return stream.get();
}

grpc::ServerUnaryReactor* Service::Describe(grpc::CallbackServerContext* context, const pb::DescribeRequest*,
                                            pb::ServerDescription* d) {
  d->set_model(o_.model_id);
  d->set_split(true);
  d->set_cloud(whole_ != nullptr);
  d->set_device(split_->device());
  d->set_ftc_version(ftc_version_string());
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    const bool listed = std::find(d->codecs().begin(), d->codecs().end(), b->name) != d->codecs().end();
    if ((b->capabilities & FTC_CAP_DECODE) && !listed) d->add_codecs(b->name);
  }
  d->set_max_batch(static_cast<uint32_t>(o_.max_batch));
  d->set_max_delay_us(static_cast<uint32_t>(o_.max_delay_ms * 1000));
  d->set_max_in_flight(static_cast<uint32_t>(o_.max_in_flight));
  d->set_max_packet_bytes(o_.max_packet_bytes);
  d->set_max_message_bytes(std::min<uint64_t>(o_.max_packet_bytes + kMessageOverhead, INT32_MAX));
  d->set_max_elements(o_.max_elements);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

std::variant<Item, FrameError> Service::Prepare(const pb::Frame& f, ftc::StreamDecoder& decoder) const {
  const auto start = Clock::now();
  if (f.model() != o_.model_id)
    return FrameError{pb::CODE_UNKNOWN_MODEL,
                      "this server serves model '" + o_.model_id + "', not '" + f.model() + "'"};
  if (f.data().empty()) return FrameError{pb::CODE_BAD_REQUEST, "the frame carries no data"};
  if (f.data().size() > o_.max_packet_bytes)
    return FrameError{pb::CODE_TOO_LARGE, std::to_string(f.data().size()) + " bytes of data; the limit is " +
                                              std::to_string(o_.max_packet_bytes)};
  if (f.top_k() > 1000) return FrameError{pb::CODE_BAD_REQUEST, "top_k above 1000"};
  const std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(f.data().data()), f.data().size());
  Item item;
  item.frame = f.frame();
  item.kind = f.kind();
  item.top_k = f.top_k() ? f.top_k() : kDefaultTopK;
  item.deadline_ms = f.deadline_ms();
  if (f.kind() == pb::KIND_SPLIT) {
    ftc::Tensor tensor;
    try {
      tensor = decoder.Decode(data);
    } catch (const ftc::Error& e) {
      return FrameError{CodeOf(e.code()), e.what(), e.code()};
    }
    if (!tensor.data())
      return FrameError{pb::CODE_BAD_REQUEST,
                        "a stream header without a packet (it is kept for the next packet)"};
    const std::vector<uint64_t> decoded = tensor.shape();
    uint64_t elements = 1;
    for (const uint64_t d : f.feature_shape()) {
      if (d == 0 || d > FTC_MAX_DIM || f.feature_shape().size() > 7)
        return FrameError{pb::CODE_BAD_REQUEST, "feature_shape must have 1 to 7 dimensions, none of them 0"};
      elements *= d;
      item.shape.push_back(static_cast<int64_t>(d));
    }
    if (item.shape.empty()) {
      for (size_t i = decoded.size() - 3; i < decoded.size(); ++i)
        item.shape.push_back(static_cast<int64_t>(decoded[i]));
    } else if (elements != tensor.elements()) {
      return FrameError{pb::CODE_BAD_REQUEST, "feature_shape holds " + std::to_string(elements) +
                                                  " values, the decoded tensor " +
                                                  std::to_string(tensor.elements())};
    }
    item.input = ToFloat32(tensor);
  } else if (f.kind() == pb::KIND_CLOUD) {
    if (!whole_)
      return FrameError{pb::CODE_UNSUPPORTED, "this server does not serve cloud-only frames (no --full)"};
    const auto size = DeclaredSize(data);
    if (!size) return FrameError{pb::CODE_CORRUPT, "the data is not a JPEG or PNG file"};
    if (uint64_t{size->first} * size->second * 3 > o_.max_elements)
      return FrameError{pb::CODE_TOO_LARGE, "an image of " + std::to_string(size->first) + "x" +
                                                std::to_string(size->second) +
                                                " pixels is over the element limit"};
    ftc_datasets::Image image;
    try {
      image = ftc_datasets::DecodeImage(data, "frame " + std::to_string(f.frame()));
    } catch (const ftc_datasets::Error& e) {
      return FrameError{pb::CODE_CORRUPT, e.what()};
    }
    std::vector<uint8_t> planar(image.pixels.size());
    ftc_datasets::ToPlanar(image, planar.data());
    item.input.resize(planar.size());
    PixelsToInput(planar.data(), planar.size(), item.input.data());
    item.shape = {image.channels, image.height, image.width};
  } else {
    return FrameError{pb::CODE_BAD_REQUEST, "unknown frame kind " + std::to_string(f.kind())};
  }
  item.decode_us = Micros(Clock::now() - start);
  return item;
}

void Service::Enqueue(Item item) {
  item.ready = Clock::now();
  {
    const std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(std::move(item));
  }
  queue_cv_.notify_all();
}

void Service::Forget(Stream* stream) {
  {
    const std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.erase(stream);
  }
  streams_cv_.notify_all();
}

void Service::Received() {
  const std::lock_guard<std::mutex> lock(stats_mu_);
  ++counters_.received;
}

void Service::Dropped() {
  const std::lock_guard<std::mutex> lock(stats_mu_);
  ++counters_.dropped;
}

void Service::Answered(const pb::Answer& answer) {
  const std::lock_guard<std::mutex> lock(stats_mu_);
  ++counters_.frames;
  ++interval_frames_;
  if (answer.code() != pb::CODE_OK) {
    ++counters_.errors;
    ++interval_errors_;
  }
  if (interval_ms_.size() < kMaxLoggedLatencies) interval_ms_.push_back(answer.timings().total_us() / 1000.0);
}

// The oldest frame decides the batch: frames of its kind and shape, in the order they came, until there are
// max_batch of them or its max_delay has passed (at once while draining).
std::vector<Item> Service::NextBatch() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_cv_.wait(lock, [&] { return !queue_.empty() || stop_batches_; });
  if (queue_.empty()) return {};
  const auto fits = [&](const Item& a) {
    return a.kind == queue_.front().kind && a.shape == queue_.front().shape;
  };
  const auto deadline =
      queue_.front().ready +
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(o_.max_delay_ms));
  while (!flush_ && Clock::now() < deadline &&
         std::count_if(queue_.begin(), queue_.end(), fits) < o_.max_batch)
    queue_cv_.wait_until(lock, deadline);
  std::vector<Item> batch;
  for (auto it = queue_.begin(); it != queue_.end() && batch.size() < static_cast<size_t>(o_.max_batch);) {
    if (fits(*it)) {
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

void Service::BatchLoop() {
  for (std::vector<Item> batch; !(batch = NextBatch()).empty();) RunBatch(std::move(batch));
}

void Service::RunBatch(std::vector<Item> batch) {
  const auto start = Clock::now();
  std::vector<Item> run;
  for (Item& item : batch) {
    if (!item.stream->live()) {  // its client left: no answer is wanted
      Dropped();
      continue;
    }
    if (item.deadline_ms && start - item.received > std::chrono::milliseconds(item.deadline_ms)) {
      pb::Answer a;
      a.set_frame(item.frame);
      a.set_code(pb::CODE_DEADLINE_EXCEEDED);
      a.set_message("its batch could not start within " + std::to_string(item.deadline_ms) +
                    " ms of its receipt");
      a.mutable_timings()->set_decode_us(item.decode_us);
      a.mutable_timings()->set_queue_us(Micros(start - item.ready));
      a.mutable_timings()->set_total_us(Micros(Clock::now() - item.received));
      item.stream->Deliver(std::move(a));
      continue;
    }
    run.push_back(std::move(item));
  }
  if (run.empty()) return;
  const Model& model = run.front().kind == pb::KIND_SPLIT ? *split_ : *whole_;
  const size_t values = run.front().input.size();

  // Runs items [begin, begin + n) as one batch and answers them; a batch the model rejects is run again one
  // frame at a time, so that one bad frame fails alone.
  const auto answer = [&](size_t begin, size_t n, const auto& self) -> void {
    std::vector<float> input(n * values), logits;
    for (size_t i = 0; i < n; ++i)
      std::copy(run[begin + i].input.begin(), run[begin + i].input.end(), input.begin() + i * values);
    std::vector<int64_t> shape = {static_cast<int64_t>(n)}, out_shape;
    shape.insert(shape.end(), run[begin].shape.begin(), run[begin].shape.end());
    const auto t0 = Clock::now();
    std::string failure;
    try {
      model.Run(input.data(), shape, &logits, &out_shape);
      if (out_shape.size() != 2 || out_shape[0] != static_cast<int64_t>(n) || out_shape[1] < 1)
        failure = "the model returns a tensor that is not logits N×K";
    } catch (const std::exception& e) {  // Error from the model, or out of memory
      failure = e.what();
    }
    if (!failure.empty() && n > 1) {
      for (size_t i = 0; i < n; ++i) self(begin + i, 1, self);
      return;
    }
    const uint32_t compute_us = Micros(Clock::now() - t0);
    {
      const std::lock_guard<std::mutex> lock(stats_mu_);
      ++counters_.batches;
      ++interval_batches_;
      interval_batched_ += n;
    }
    for (size_t i = 0; i < n; ++i) {
      Item& item = run[begin + i];
      pb::Answer a;
      a.set_frame(item.frame);
      pb::ServerTimings* t = a.mutable_timings();
      t->set_decode_us(item.decode_us);
      t->set_queue_us(Micros(t0 - item.ready));
      t->set_compute_us(compute_us);
      t->set_batch_size(static_cast<uint32_t>(n));
      if (!failure.empty()) {
        a.set_code(pb::CODE_MODEL_FAILED);
        a.set_message(failure);
      } else {
        const size_t k = static_cast<size_t>(out_shape[1]);
        const float* row = logits.data() + i * k;
        const float top = *std::max_element(row, row + k);
        double sum = 0;
        for (size_t c = 0; c < k; ++c) sum += std::exp(static_cast<double>(row[c]) - top);
        std::vector<uint32_t> order(k);
        for (uint32_t c = 0; c < k; ++c) order[c] = c;
        const size_t top_k = std::min<size_t>(item.top_k, k);
        std::partial_sort(order.begin(), order.begin() + top_k, order.end(), [&](uint32_t x, uint32_t y) {
          return row[x] > row[y] || (row[x] == row[y] && x < y);
        });
        for (size_t j = 0; j < top_k; ++j) {
          pb::Prediction* p = a.add_top();
          p->set_class_index(order[j]);
          p->set_logit(row[order[j]]);
          p->set_probability(static_cast<float>(std::exp(static_cast<double>(row[order[j]]) - top) / sum));
        }
      }
      t->set_total_us(Micros(Clock::now() - item.received));
      item.stream->Deliver(std::move(a));
    }
  };
  answer(0, run.size(), answer);
}

void Service::LogLoop() {
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.log_interval_s));
  std::unique_lock<std::mutex> lock(log_mu_);
  for (auto next = Clock::now() + interval; !log_cv_.wait_until(lock, next, [&] { return stop_log_; });
       next += interval) {
    std::vector<double> latencies;
    uint64_t frames, errors, batches, batched, open, in_flight;
    {
      const std::lock_guard<std::mutex> stats(stats_mu_);
      in_flight = counters_.in_flight();
      latencies.swap(interval_ms_);
      frames = std::exchange(interval_frames_, 0);
      errors = std::exchange(interval_errors_, 0);
      batches = std::exchange(interval_batches_, 0);
      batched = std::exchange(interval_batched_, 0);
    }
    {
      const std::lock_guard<std::mutex> streams(streams_mu_);
      open = streams_.size();
    }
    const Summary s = Summarize(std::move(latencies));
    char line[512];
    std::snprintf(
        line, sizeof line,
        "last %g s: %llu frames (%.1f/s), %llu errors, %llu streams open, %llu frames in flight, %.2f "
        "frames per batch; ms from receipt to answer: p50 %.2f p95 %.2f p99 %.2f max %.2f",
        o_.log_interval_s, static_cast<unsigned long long>(frames), frames / o_.log_interval_s,
        static_cast<unsigned long long>(errors), static_cast<unsigned long long>(open),
        static_cast<unsigned long long>(in_flight), batches ? static_cast<double>(batched) / batches : 0.0,
        s.p50, s.p95, s.p99, s.max);
    o_.log(line);
  }
}

void Service::Shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  if (server_) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    {
      const std::lock_guard<std::mutex> lock(queue_mu_);
      flush_ = true;
    }
    queue_cv_.notify_all();
    std::vector<std::shared_ptr<Stream>> open;
    {
      const std::lock_guard<std::mutex> lock(streams_mu_);
      draining_ = true;  // under the lock: a stream is either refused or in this list
      for (const auto& [raw, weak] : streams_)
        if (auto s = weak.lock()) open.push_back(std::move(s));
    }
    for (const auto& s : open) s->Drain();
    open.clear();
    {
      std::unique_lock<std::mutex> lock(streams_mu_);
      streams_cv_.wait_for(lock, grace, [&] { return streams_.empty(); });
    }
    server_->Shutdown(std::chrono::system_clock::now());
  }
  {
    const std::lock_guard<std::mutex> lock(queue_mu_);
    stop_batches_ = flush_ = true;
  }
  queue_cv_.notify_all();
  if (batch_thread_.joinable()) batch_thread_.join();
  {
    const std::lock_guard<std::mutex> lock(log_mu_);
    stop_log_ = true;
  }
  log_cv_.notify_all();
  if (log_thread_.joinable()) log_thread_.join();
  if (server_) server_->Wait();
}

ServerCounters Service::counters() const {
  ServerCounters c;
  {
    const std::lock_guard<std::mutex> lock(stats_mu_);
    c = counters_;
  }
  const std::lock_guard<std::mutex> lock(streams_mu_);
  c.streams_open = streams_.size();
  return c;
}

Server::Server(ServerOptions options, std::unique_ptr<Model> split, std::unique_ptr<Model> whole)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(split), std::move(whole))) {}

Server::~Server() {
  impl_->Shutdown(std::chrono::milliseconds(0));
}

void Server::Start() {
  impl_->Start();
}

int Server::port() const {
  return impl_->port();
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  impl_->Shutdown(grace);
}

ServerCounters Server::counters() const {
  return impl_->counters();
}

}  // namespace ftc_serving

#include "ftc_serving/session.h"

#include <algorithm>

#include "ftc_serving/error.h"
#include "health.grpc.pb.h"

namespace ftc_serving {
namespace {

// gRPC frames every message with 5 bytes (a compression flag and a 32-bit length); the link counts them.
constexpr uint64_t kGrpcMessagePrefix = 5;

std::chrono::system_clock::time_point After(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

}  // namespace

std::shared_ptr<grpc::Channel> Connect(const std::string& address, std::chrono::milliseconds timeout) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own, as another device has
  args.SetMaxSendMessageSize(-1);                      // the server enforces its limits
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  const auto stub = grpc::health::v1::Health::NewStub(channel);
  const auto deadline = Clock::now() + timeout;
  std::string last = "no answer";
  do {
    grpc::ClientContext context;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    context.set_deadline(
        After(std::clamp(left, std::chrono::milliseconds(50), std::chrono::milliseconds(1000))));
    context.set_wait_for_ready(true);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("ftc.serving.v1.CloudInference");
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) return channel;
    last = status.ok() ? "the health service says NOT_SERVING" : status.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (Clock::now() < deadline);
  throw Error(Problem::kIo, "no ftc server is serving at " + address + " (waited " +
                                std::to_string(timeout.count() / 1000.0).substr(0, 4) + " s; " + last + ")");
}

pb::ServerDescription Describe(grpc::Channel& channel, std::chrono::milliseconds timeout) {
  const auto stub =
      pb::CloudInference::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(After(timeout));
  pb::ServerDescription description;
  const grpc::Status status = stub->Describe(&context, pb::DescribeRequest(), &description);
  if (!status.ok())
    throw Error(Problem::kIo, "the server does not describe itself: " + status.error_message());
  return description;
}

Session::Session(std::shared_ptr<grpc::Channel> channel, const LinkOptions& link, int window,
                 std::chrono::milliseconds timeout, OnAnswer on_answer)
    : channel_(std::move(channel)),
      stub_(pb::CloudInference::NewStub(channel_)),
      link_(link),
      window_(std::max(1, window)),
      on_answer_(std::move(on_answer)) {
  if (timeout.count() > 0) context_.set_deadline(After(timeout));
  stream_ = stub_->Infer(&context_);
  sender_ = std::thread([this] { SendLoop(); });
  reader_ = std::thread([this] { ReadLoop(); });
}

Session::~Session() {
  if (!finished_) Cancel();
}

bool Session::WaitForSlot() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock,
           [&] { return ended_ || outgoing_.size() + in_flight_.size() < static_cast<size_t>(window_); });
  return !ended_;
}

void Session::Send(pb::Frame frame) {
  FrameTimes t;
  t.handed = Clock::now();
  t.wire_bytes = frame.ByteSizeLong() + kGrpcMessagePrefix;
  t.transmitted = link_.Transmit(t.handed, t.wire_bytes);
  {
    const std::lock_guard<std::mutex> lock(mu_);
    outgoing_.emplace_back(std::move(frame), t);
  }
  cv_.notify_all();
}

// Writes each frame when it has crossed the link: its last byte out, plus half the round trip.
void Session::SendLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !outgoing_.empty() || closing_ || ended_; });
    if (ended_) return;
    if (outgoing_.empty()) {
      lock.unlock();
      stream_->WritesDone();
      return;
    }
    auto [frame, times] = std::move(outgoing_.front());
    outgoing_.pop_front();
    in_flight_.emplace(frame.frame(), times);
    lock.unlock();
    std::this_thread::sleep_until(times.transmitted + link_.one_way());
    if (!stream_->Write(frame)) return;  // the stream is over: the reader sees why
  }
}

void Session::ReadLoop() {
  pb::Answer answer;
  while (stream_->Read(&answer)) {
    // Answers that gRPC has already buffered are delivered one after another, each half a round trip after
    // it was read: the way down has no rate limit, so only the delay matters.
    std::this_thread::sleep_until(Clock::now() + link_.one_way());
    FrameTimes times;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      const auto it = in_flight_.find(answer.frame());
      if (it == in_flight_.end()) continue;  // not a frame of ours: nothing to match it with
      times = it->second;
      in_flight_.erase(it);
    }
    times.delivered = Clock::now();
    on_answer_(answer, times);
    cv_.notify_all();
  }
  {
    const std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
  }
  cv_.notify_all();
}

grpc::Status Session::Finish() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  sender_.join();
  reader_.join();
  finished_ = true;
  return stream_->Finish();
}

void Session::Cancel() {
  context_.TryCancel();
  {
    const std::lock_guard<std::mutex> lock(mu_);
    closing_ = ended_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
  if (reader_.joinable()) reader_.join();
  if (!finished_) {
    finished_ = true;
    stream_->Finish();
  }
}

}  // namespace ftc_serving

// One edge device's side of the protocol: a channel to the server, its Infer stream, and the emulated upload
// link in front of it. Frames go out through the link in the order they are sent; answers come back, after
// the link's delay, to a callback on the session's reader thread.
#ifndef FTC_SERVING_SESSION_H
#define FTC_SERVING_SESSION_H

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ftc_serving.grpc.pb.h"
#include "ftc_serving/link.h"

namespace ftc_serving {

namespace pb = ::ftc::serving::v1;

// A channel of its own (its own connection, as a separate device has) to `address`, once the server's health
// service reports SERVING; waits up to `timeout` for it. Throws Error (kIo) when it does not come.
std::shared_ptr<grpc::Channel> Connect(const std::string& address, std::chrono::milliseconds timeout);

// The server's Describe answer. Throws Error (kIo).
pb::ServerDescription Describe(grpc::Channel& channel, std::chrono::milliseconds timeout);

// The times of one frame on its way, for its record.
struct FrameTimes {
  Clock::time_point handed;       // given to the link
  Clock::time_point transmitted;  // its last byte left the device (the link's rate)
  Clock::time_point delivered;    // its answer arrived back (the link's delay after gRPC gave it)
  uint64_t wire_bytes = 0;        // the message's bytes as the link counts them
};

class Session {
 public:
  using OnAnswer = std::function<void(const pb::Answer& answer, const FrameTimes& times)>;

  // Opens the stream. `window`: frames sent and not yet answered at most; `timeout` (0: none) bounds the
  // whole stream (its gRPC deadline).
  Session(std::shared_ptr<grpc::Channel> channel, const LinkOptions& link, int window,
          std::chrono::milliseconds timeout, OnAnswer on_answer);
  ~Session();  // cancels the stream if Finish was not called
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Waits for a free place in the window; false when the stream has ended (the server closed it).
  bool WaitForSlot();
  // Hands a frame to the link (frame numbers unique within the session).
  void Send(pb::Frame frame);
  // Closes the sending side once everything sent has left, waits for every answer, and returns the stream's
  // status; frames never answered are those sent minus those answered.
  grpc::Status Finish();
  // Ends the stream at once, as a device that goes away does.
  void Cancel();

 private:
  void SendLoop();
  void ReadLoop();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::CloudInference::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::Frame, pb::Answer>> stream_;
  Link link_;
  const int window_;
  OnAnswer on_answer_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<pb::Frame, FrameTimes>> outgoing_;
  std::map<uint64_t, FrameTimes> in_flight_;
  bool closing_ = false, ended_ = false, finished_ = false;
  std::thread sender_, reader_;
};

}  // namespace ftc_serving

#endif  // FTC_SERVING_SESSION_H

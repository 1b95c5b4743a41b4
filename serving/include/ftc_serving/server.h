// The cloud server of split inference (docs/SERVING.md): a gRPC service (serving/proto/ftc_serving.proto)
// that decodes each device's ftc stream, batches the frames of all devices together (dynamic batching: up to
// max_batch frames, or what arrived within max_delay of the oldest), runs the cloud part of the model and
// answers every frame on its own stream.
//
// Memory is bounded by the limits below: a stream reads no further frame while max_in_flight of its frames
// are unanswered (HTTP/2 flow control then holds the client back), a frame's data and decoded tensor are
// bounded, and the number of open streams is. The only state kept per client is its open stream.
#ifndef FTC_SERVING_SERVER_H
#define FTC_SERVING_SERVER_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ftc_serving/model.h"

namespace ftc_serving {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // ADDR:PORT; port 0 picks a free one (see Server::port)
  bool reuse_port = false;                 // share the port with other servers that do (SO_REUSEPORT): the
                                           // kernel spreads new connections among them
  std::string model_id;                    // what Frame.model must be
  int max_batch = 8;                       // frames per batch, from any streams
  double max_delay_ms = 2;                 // the longest the oldest queued frame waits for a batch to fill
  int max_in_flight = 16;                  // frames of one stream received and not yet answered
  int max_streams = 1024;                  // open streams; more are refused with RESOURCE_EXHAUSTED
  uint64_t max_packet_bytes = uint64_t{4} << 20;     // Frame.data; larger frames get CODE_TOO_LARGE
  uint64_t max_elements = uint64_t{1} << 24;         // a frame's decoded tensor or image (values)
  double log_interval_s = 60;                        // one log line per interval; 0: none
  std::function<void(const std::string& line)> log;  // where log lines go; empty: nowhere
};

// Counts since the server started.
struct ServerCounters {
  uint64_t received = 0;  // frames read from the streams
  uint64_t frames = 0;    // answered, including errors
  uint64_t errors = 0;    // answered with an error code
  uint64_t dropped = 0;   // not answered: their stream had ended
  uint64_t in_flight() const { return received - frames - dropped; }
  uint64_t batches = 0;
  uint64_t streams_open = 0;
  uint64_t streams_total = 0;
  uint64_t streams_refused = 0;
};

class Server {
 public:
  // `split` runs the cloud part (features -> logits); `whole` the whole model (images -> logits), or nullptr
  // when cloud-only frames are not served.
  Server(ServerOptions options, std::unique_ptr<Model> split, std::unique_ptr<Model> whole);
  ~Server();  // Shutdown() with no grace period
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. Throws Error (kIo) when the address cannot be bound, kUsage for bad options.
  void Start();
  // The port bound by Start().
  int port() const;
  // Stops taking new streams and frames, answers every frame already received (its batch runs at once),
  // ends each stream with UNAVAILABLE once its frames are answered, and stops; streams still open after
  // `grace` are cancelled. The health service reports NOT_SERVING from the first moment. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);
  ServerCounters counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ftc_serving

#endif  // FTC_SERVING_SERVER_H

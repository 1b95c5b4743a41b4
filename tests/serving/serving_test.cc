// The server and the client of serving/ in one process, on loopback, with models of the test's own (no
// LibTorch): answers, per-frame errors among good frames, dynamic batching, the in-flight bound, clients that
// go away, shutdown with frames in flight, deadlines, the stream limit, and the emulated link's arithmetic.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "ftc/ftc.hpp"
#include "ftc_serving/error.h"
#include "ftc_serving/link.h"
#include "ftc_serving/server.h"
#include "ftc_serving/session.h"

namespace ftc_serving {
namespace {

using std::chrono::milliseconds;

constexpr uint64_t kC = 8, kH = 4, kW = 4;
constexpr size_t kClasses = 10;

// Logit k of a sample is the mean of its channel k % C (any shape: the values split into C equal runs), so
// that the answer depends on every decoded value and the test can recompute it. Optionally waits for a
// gate to open before each batch, and rejects samples of other than C·H·W values.
class ChannelMeans : public Model {
 public:
  void Run(const float* input, const std::vector<int64_t>& shape, std::vector<float>* output,
           std::vector<int64_t>* output_shape) const override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return open_; });
    }
    int64_t per_sample = 1;
    for (size_t i = 1; i < shape.size(); ++i) per_sample *= shape[i];
    if (per_sample != static_cast<int64_t>(kC * kH * kW)) throw Error(Problem::kData, "wrong shape");
    const int64_t n = shape[0];
    *output_shape = {n, static_cast<int64_t>(kClasses)};
    *output = Logits(input, static_cast<size_t>(n));
  }
  std::string device() const override { return "test"; }

  static std::vector<float> Logits(const float* input, size_t n) {
    std::vector<float> out(n * kClasses);
    const size_t run = kH * kW;
    for (size_t s = 0; s < n; ++s)
      for (size_t k = 0; k < kClasses; ++k) {
        float sum = 0;
        for (size_t i = 0; i < run; ++i) sum += input[s * kC * run + (k % kC) * run + i];
        out[s * kClasses + k] = sum / static_cast<float>(run) + 0.001f * static_cast<float>(k);
      }
    return out;
  }

  void Close() {
    const std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool open_ = true;
};

template <typename Pred>
bool WaitFor(Pred&& pred, milliseconds limit = milliseconds(10000)) {
  const auto end = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// A device's frames: random C×H×W tensors coded as a raw stream (every packet a key frame).
class Camera {
 public:
  explicit Camera(uint32_t seed) : rng_(seed), encoder_(Settings(), Stream()), decoder_(nullptr) {}

  // The next frame's packet (the first with the stream header), and what the test's model answers to it.
  std::vector<uint8_t> Next(std::vector<float>* logits = nullptr) {
    std::vector<float> values(kC * kH * kW);
    std::uniform_real_distribution<float> u(0, 1);
    for (float& v : values) v = u(rng_);
    const uint64_t shape[3] = {kC, kH, kW};
    const ftc::Bytes packet = encoder_.Encode(ftc::View(values.data(), FTC_DTYPE_FLOAT32, shape));
    std::vector<uint8_t> bytes(packet.data(), packet.data() + packet.size());
    const ftc::Tensor decoded = decoder_.Decode(packet.span());
    if (logits) *logits = ChannelMeans::Logits(static_cast<const float*>(decoded.data()), 1);
    return bytes;
  }
  std::vector<uint8_t> Header() {
    const ftc::Bytes h = encoder_.Header();
    return {h.data(), h.data() + h.size()};
  }

 private:
  static ftc_encoder_settings Settings() {
    ftc_encoder_settings s = ftc::DefaultEncoderSettings();
    s.codec = "raw";
    return s;
  }
  static ftc_stream_settings Stream() {
    ftc_stream_settings s = ftc::DefaultStreamSettings();
    s.gop = 1;
    s.range = FTC_STREAM_RANGE_KEYFRAME;
    return s;
  }
  std::mt19937 rng_;
  ftc::StreamEncoder encoder_;
  ftc::StreamDecoder decoder_;
};

pb::Frame MakeFrame(uint64_t number, const std::vector<uint8_t>& data, const std::string& model = "test") {
  pb::Frame f;
  f.set_frame(number);
  f.set_model(model);
  f.set_data(data.data(), data.size());
  f.set_top_k(3);
  return f;
}

// A server on a free loopback port with a ChannelMeans model.
struct TestServer {
  explicit TestServer(ServerOptions o = {}, bool whole = false) {
    o.listen = "127.0.0.1:0";
    o.model_id = "test";
    o.log_interval_s = 0;
    auto m = std::make_unique<ChannelMeans>();
    model = m.get();
    server = std::make_unique<Server>(o, std::move(m), whole ? std::make_unique<ChannelMeans>() : nullptr);
    server->Start();
    address = "127.0.0.1:" + std::to_string(server->port());
  }
  ChannelMeans* model;
  std::unique_ptr<Server> server;
  std::string address;
};

// A client session that collects its answers.
struct Client {
  Client(const std::string& address, int window, LinkOptions link = {})
      : session(Connect(address, milliseconds(5000)), link, window, milliseconds(0),
                [this](const pb::Answer& a, const FrameTimes& t) {
                  const std::lock_guard<std::mutex> lock(mu);
                  answers[a.frame()] = a;
                  times[a.frame()] = t;
                }) {}
  size_t count() {
    const std::lock_guard<std::mutex> lock(mu);
    return answers.size();
  }
  std::mutex mu;
  std::map<uint64_t, pb::Answer> answers;
  std::map<uint64_t, FrameTimes> times;
  Session session;
};

TEST(Serving, AnswersEveryFrameWithTheModelsTopK) {
  TestServer s;
  Client c(s.address, 4);
  Camera camera(1);
  std::vector<std::vector<float>> expected(20);
  for (uint64_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(c.session.WaitForSlot());
    c.session.Send(MakeFrame(i, camera.Next(&expected[i])));
  }
  ASSERT_TRUE(c.session.Finish().ok());
  ASSERT_EQ(c.answers.size(), expected.size());
  for (uint64_t i = 0; i < expected.size(); ++i) {
    const pb::Answer& a = c.answers[i];
    ASSERT_EQ(a.code(), pb::CODE_OK) << a.message();
    ASSERT_EQ(a.top_size(), 3);
    std::vector<uint32_t> order(kClasses);
    for (uint32_t k = 0; k < kClasses; ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](uint32_t x, uint32_t y) { return expected[i][x] > expected[i][y]; });
    float probability = 0;
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(a.top(j).class_index(), order[static_cast<size_t>(j)]);
      EXPECT_EQ(a.top(j).logit(), expected[i][order[static_cast<size_t>(j)]]);
      probability += a.top(j).probability();
    }
    EXPECT_GT(probability, 0.3f);
    EXPECT_LE(probability, 1.0001f);
    EXPECT_GE(a.timings().batch_size(), 1u);
  }
  EXPECT_EQ(s.server->counters().frames, expected.size());
}

TEST(Serving, BadFramesGetAnErrorEachAndTheOthersAreServed) {
  ServerOptions o;
  o.max_packet_bytes = 4096;
  TestServer s(o);
  Client c(s.address, 1);
  Camera camera(2), other(3);
  std::vector<float> logits;
  std::vector<std::pair<pb::Frame, pb::Code>> plan;
  plan.emplace_back(MakeFrame(0, camera.Next()), pb::CODE_OK);
  std::vector<uint8_t> corrupt = camera.Next();
  corrupt[corrupt.size() / 2] ^= 0x40;
  plan.emplace_back(MakeFrame(1, corrupt), pb::CODE_CORRUPT);
  std::vector<uint8_t> truncated = camera.Next();
  truncated.resize(truncated.size() - 3);
  plan.emplace_back(MakeFrame(2, truncated), pb::CODE_CORRUPT);
  plan.emplace_back(MakeFrame(3, std::vector<uint8_t>(5000, 7)), pb::CODE_TOO_LARGE);
  plan.emplace_back(MakeFrame(4, camera.Next(), "another"), pb::CODE_UNKNOWN_MODEL);
  plan.emplace_back(MakeFrame(5, {}), pb::CODE_BAD_REQUEST);
  plan.emplace_back(MakeFrame(6, {'h', 'e', 'l', 'l', 'o'}), pb::CODE_CORRUPT);
  plan.emplace_back(MakeFrame(7, camera.Header()), pb::CODE_BAD_REQUEST);  // kept: the next packet decodes
  plan.emplace_back(MakeFrame(8, camera.Next(&logits)), pb::CODE_OK);
  pb::Frame cloud = MakeFrame(9, camera.Next());
  cloud.set_kind(pb::KIND_CLOUD);
  plan.emplace_back(cloud, pb::CODE_UNSUPPORTED);
  pb::Frame kind = MakeFrame(10, camera.Next());
  kind.set_kind(static_cast<pb::Kind>(7));
  plan.emplace_back(kind, pb::CODE_BAD_REQUEST);
  pb::Frame shape = MakeFrame(11, camera.Next());
  shape.add_feature_shape(3);
  plan.emplace_back(shape, pb::CODE_BAD_REQUEST);
  pb::Frame top_k = MakeFrame(12, camera.Next());
  top_k.set_top_k(5000);
  plan.emplace_back(top_k, pb::CODE_BAD_REQUEST);
  plan.emplace_back(MakeFrame(13, camera.Next()), pb::CODE_OK);
  // A header of another stream restarts the decoder: its 2×2×2 frames decode, and the model rejects them.
  {
    ftc_encoder_settings es = ftc::DefaultEncoderSettings();
    es.codec = "raw";
    ftc::StreamEncoder e(es);
    const float values[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const uint64_t dims[3] = {2, 2, 2};
    const ftc::Bytes b = e.Encode(ftc::View(values, FTC_DTYPE_FLOAT32, dims));
    plan.emplace_back(MakeFrame(14, {b.data(), b.data() + b.size()}), pb::CODE_MODEL_FAILED);
  }
  // ... and this stream's header with its next packet brings its frames back.
  std::vector<uint8_t> again = camera.Header();
  const std::vector<uint8_t> packet = camera.Next(&logits);
  again.insert(again.end(), packet.begin(), packet.end());
  plan.emplace_back(MakeFrame(15, again), pb::CODE_OK);

  for (const auto& [frame, code] : plan) {
    ASSERT_TRUE(c.session.WaitForSlot());
    c.session.Send(frame);
  }
  ASSERT_TRUE(c.session.Finish().ok());
  ASSERT_EQ(c.answers.size(), plan.size());
  for (const auto& [frame, code] : plan) {
    const pb::Answer& a = c.answers[frame.frame()];
    EXPECT_EQ(a.code(), code) << "frame " << frame.frame() << ": " << a.message();
    EXPECT_EQ(a.code() == pb::CODE_OK, a.top_size() == 3) << frame.frame();
    if (code != pb::CODE_OK) {
      EXPECT_FALSE(a.message().empty()) << frame.frame();
    }
  }
  EXPECT_EQ(c.answers[15].top(0).logit(), *std::max_element(logits.begin(), logits.end()));
  EXPECT_EQ(c.answers[1].ftc_result(), FTC_ERROR_CHECKSUM);
}

TEST(Serving, BatchesTheFramesOfDifferentStreamsTogether) {
  ServerOptions o;
  o.max_batch = 4;
  o.max_delay_ms = 60000;  // the batch starts when it is full
  TestServer s(o);
  std::vector<std::unique_ptr<Client>> clients;
  for (uint32_t i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(s.address, 1));
    Camera camera(10 + i);
    clients.back()->session.Send(MakeFrame(0, camera.Next()));
  }
  for (auto& c : clients) {
    ASSERT_TRUE(c->session.Finish().ok());
    ASSERT_EQ(c->answers.size(), 1u);
    EXPECT_EQ(c->answers[0].code(), pb::CODE_OK);
    EXPECT_EQ(c->answers[0].timings().batch_size(), 4u);
  }
  EXPECT_EQ(s.server->counters().batches, 1u);
}

TEST(Serving, AStreamReadsNoMoreThanItsInFlightLimit) {
  ServerOptions o;
  o.max_in_flight = 3;
  o.max_batch = 1;
  o.max_delay_ms = 0;
  TestServer s(o);
  s.model->Close();
  Client c(s.address, 10);
  Camera camera(5);
  for (uint64_t i = 0; i < 10; ++i) c.session.Send(MakeFrame(i, camera.Next()));
  ASSERT_TRUE(WaitFor([&] { return s.server->counters().received == 3; }));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(s.server->counters().received, 3u);  // the rest wait in the transport
  s.model->Open();
  ASSERT_TRUE(c.session.Finish().ok());
  EXPECT_EQ(c.answers.size(), 10u);
  for (const auto& [frame, a] : c.answers) EXPECT_EQ(a.code(), pb::CODE_OK);
}

TEST(Serving, AClientThatGoesAwayMidStreamLeavesTheServerServing) {
  ServerOptions o;
  o.max_delay_ms = 0;
  TestServer s(o);
  s.model->Close();
  {
    Client gone(s.address, 8);
    Camera camera(6);
    for (uint64_t i = 0; i < 8; ++i) gone.session.Send(MakeFrame(i, camera.Next()));
    ASSERT_TRUE(WaitFor([&] { return s.server->counters().received >= 1; }));
    gone.session.Cancel();
  }
  s.model->Open();
  ASSERT_TRUE(WaitFor([&] {
    const ServerCounters k = s.server->counters();
    return k.streams_open == 0 && k.in_flight() == 0;
  }));
  Client next(s.address, 2);
  Camera camera(7);
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(next.session.WaitForSlot());
    next.session.Send(MakeFrame(i, camera.Next()));
  }
  ASSERT_TRUE(next.session.Finish().ok());
  EXPECT_EQ(next.answers.size(), 5u);
}

TEST(Serving, ShutdownAnswersTheFramesInFlightThenClosesTheStreams) {
  ServerOptions o;
  o.max_batch = 64;
  o.max_delay_ms = 60000;  // the frames wait in the queue until the shutdown flushes it
  TestServer s(o);
  Client c(s.address, 5);
  Camera camera(8);
  std::vector<std::vector<float>> expected(5);
  for (uint64_t i = 0; i < 5; ++i) c.session.Send(MakeFrame(i, camera.Next(&expected[i])));
  ASSERT_TRUE(WaitFor([&] { return s.server->counters().received == 5; }));
  std::thread stop([&] { s.server->Shutdown(milliseconds(10000)); });
  // The server ends the stream itself once the frames are answered (the client does not half-close first).
  ASSERT_TRUE(WaitFor([&] { return s.server->counters().streams_open == 0; }));
  const grpc::Status status = c.session.Finish();
  stop.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  ASSERT_EQ(c.answers.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_EQ(c.answers[i].code(), pb::CODE_OK);
    EXPECT_EQ(c.answers[i].top(0).logit(), *std::max_element(expected[i].begin(), expected[i].end()));
  }
  EXPECT_EQ(s.server->counters().streams_open, 0u);
  EXPECT_THROW(Connect(s.address, milliseconds(300)), Error);
}

TEST(Serving, AFramePastItsDeadlineIsAnsweredWithoutRunning) {
  ServerOptions o;
  o.max_batch = 1;
  o.max_delay_ms = 0;
  TestServer s(o);
  s.model->Close();
  Client c(s.address, 2);
  Camera camera(9);
  c.session.Send(MakeFrame(0, camera.Next()));
  pb::Frame late = MakeFrame(1, camera.Next());
  late.set_deadline_ms(1);
  c.session.Send(late);
  ASSERT_TRUE(WaitFor([&] { return s.server->counters().received == 2; }));
  std::this_thread::sleep_for(milliseconds(20));
  s.model->Open();
  ASSERT_TRUE(c.session.Finish().ok());
  EXPECT_EQ(c.answers[0].code(), pb::CODE_OK);
  EXPECT_EQ(c.answers[1].code(), pb::CODE_DEADLINE_EXCEEDED);
  EXPECT_EQ(c.answers[1].top_size(), 0);
}

TEST(Serving, RefusesStreamsBeyondItsLimit) {
  ServerOptions o;
  o.max_streams = 1;
  TestServer s(o);
  Client first(s.address, 1);
  Camera camera(10);
  first.session.Send(MakeFrame(0, camera.Next()));
  ASSERT_TRUE(WaitFor([&] { return first.count() == 1; }));
  Client second(s.address, 1);
  const grpc::Status refused = second.session.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(first.session.Finish().ok());
  EXPECT_EQ(s.server->counters().streams_refused, 1u);
}

TEST(Serving, CloudOnlyFramesAreCheckedBeforeTheImageIsDecoded) {
  ServerOptions o;
  o.max_elements = 1 << 20;
  TestServer s(o, /*whole=*/true);
  Client c(s.address, 1);
  // A PNG signature and IHDR declaring 100000 × 100000 pixels, and nothing else.
  std::vector<uint8_t> png = {0x89, 'P',  'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0,
                              13,   'I',  'H', 'D', 'R',  0,    1,    0x86, 0xa0, 0, 1,
                              0x86, 0xa0, 8,   0,   0,    0,    0,    0,    0,    0, 0};
  pb::Frame huge = MakeFrame(0, png);
  huge.set_kind(pb::KIND_CLOUD);
  pb::Frame garbage = MakeFrame(1, {1, 2, 3, 4, 5, 6});
  garbage.set_kind(pb::KIND_CLOUD);
  pb::Frame jpeg = MakeFrame(2, {0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0});
  jpeg.set_kind(pb::KIND_CLOUD);  // a frame header of 16×16 and no image data
  for (const pb::Frame& f : {huge, garbage, jpeg}) c.session.Send(f);
  ASSERT_TRUE(c.session.Finish().ok());
  EXPECT_EQ(c.answers[0].code(), pb::CODE_TOO_LARGE);
  EXPECT_EQ(c.answers[1].code(), pb::CODE_CORRUPT);
  EXPECT_EQ(c.answers[2].code(), pb::CODE_CORRUPT);
}

TEST(Serving, DescribesTheModelAndItsLimits) {
  ServerOptions o;
  o.max_batch = 3;
  o.max_packet_bytes = 1000;
  TestServer s(o);
  const pb::ServerDescription d = Describe(*Connect(s.address, milliseconds(5000)), milliseconds(5000));
  EXPECT_EQ(d.model(), "test");
  EXPECT_TRUE(d.split());
  EXPECT_FALSE(d.cloud());
  EXPECT_EQ(d.max_batch(), 3u);
  EXPECT_EQ(d.max_packet_bytes(), 1000u);
  EXPECT_GT(d.max_message_bytes(), d.max_packet_bytes());
  EXPECT_NE(std::find(d.codecs().begin(), d.codecs().end(), "raw"), d.codecs().end());
}

TEST(Serving, RefusesAPortInUseUnlessToldToShareIt) {
  TestServer first;
  ServerOptions o;
  o.listen = first.address;
  o.model_id = "test";
  Server second(o, std::make_unique<ChannelMeans>(), nullptr);
  EXPECT_THROW(second.Start(), Error);
  o.reuse_port = true;
  Server third(o, std::make_unique<ChannelMeans>(), nullptr);
  EXPECT_THROW(third.Start(), Error);  // the first did not offer to share
}

TEST(Link, TransmitsAtTheRateAfterEarlierMessages) {
  Link link({/*upload_kbps=*/80, /*rtt_ms=*/30, /*burst_bytes=*/0});
  const Clock::time_point t0 = Clock::now();
  const auto ms = [&](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - t0).count();
  };
  EXPECT_NEAR(ms(link.Transmit(t0, 1000)), 100.0, 1e-6);  // 8000 bits at 80 kbit/s
  EXPECT_NEAR(ms(link.Transmit(t0, 1000)), 200.0, 1e-6);  // behind the first
  EXPECT_NEAR(ms(link.Transmit(t0 + milliseconds(500), 500)), 550.0, 1e-6);
  EXPECT_EQ(link.one_way(), milliseconds(15));
}

TEST(Link, ABucketSendsItsBurstAtOnce) {
  Link link({80, 0, 500});
  const Clock::time_point t0 = Clock::now();
  const auto ms = [&](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - t0).count();
  };
  EXPECT_NEAR(ms(link.Transmit(t0, 400)), 0.0, 1e-6);    // within the burst
  EXPECT_NEAR(ms(link.Transmit(t0, 1000)), 90.0, 1e-6);  // 100 bytes left in the bucket, 900 at the rate
  EXPECT_NEAR(ms(link.Transmit(t0 + milliseconds(10000), 500)), 10000.0, 1e-6);  // refilled while idle
}

TEST(Link, UnlimitedSendsAtOnce) {
  Link link({});
  const Clock::time_point t0 = Clock::now();
  EXPECT_EQ(link.Transmit(t0, 1 << 20), t0);
  EXPECT_EQ(link.one_way(), Clock::duration::zero());
}

TEST(Session, TheLinkDelaysEachFrameByItsBytesOverTheRate) {
  TestServer s;
  Client c(s.address, 1, {/*upload_kbps=*/400, /*rtt_ms=*/0, 0});
  Camera camera(11);
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.session.WaitForSlot());
    c.session.Send(MakeFrame(i, camera.Next()));
  }
  ASSERT_TRUE(c.session.Finish().ok());
  for (const auto& [frame, t] : c.times) {
    const double upload_ms = std::chrono::duration<double, std::milli>(t.transmitted - t.handed).count();
    EXPECT_NEAR(upload_ms, static_cast<double>(t.wire_bytes) * 8 / 400, 1e-3);
    EXPECT_GE(t.delivered, t.transmitted);  // the answer comes after the frame has left
  }
}

}  // namespace
}  // namespace ftc_serving

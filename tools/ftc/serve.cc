// ftc serve: the cloud server of split inference (docs/SERVING.md).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <ctime>

#include "cli.h"
#include "commands.h"
#include "ftc_serving/server.h"
#include "serving_flags.h"
#include "serving_options.h"

namespace ftc_cli {
namespace {

void Log(const std::string& line) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::fprintf(stderr, "%s ftc serve: %s\n", stamp, line.c_str());
  std::fflush(stderr);
}

}  // namespace

int RunServe(const Args& args) {
  if (!args.positional().empty()) Fail(kExitUsage, "unexpected argument '" + args.positional()[0] + "'");
  // SIGINT and SIGTERM are taken by sigwait below; blocked first, so that no thread started from here on
  // (gRPC's, LibTorch's) receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  const ServingModels models = ServingModelsFrom(args);
  if (models.cloud.empty()) Fail(kExitUsage, "give the cloud part with --cloud C.pt, or --model DIR");
  ftc_serving::ServerOptions o;
  o.listen = args.Value("listen") ? *args.Value("listen") : kDefaultServer;
  o.reuse_port = args.Has("reuse-port");
  o.model_id = args.Value("name") ? *args.Value("name") : models.name;
  o.max_batch = static_cast<int>(args.Int("max-batch", 1, 65536, o.max_batch));
  o.max_delay_ms = DoubleFlag(args, "max-delay-ms", 0, 60000, o.max_delay_ms);
  o.max_in_flight = static_cast<int>(args.Int("max-in-flight", 1, 65536, o.max_in_flight));
  o.max_streams = static_cast<int>(args.Int("max-streams", 1, 1 << 20, o.max_streams));
  o.max_packet_bytes = static_cast<uint64_t>(
      args.Int("max-packet-bytes", 1, INT32_MAX - (1 << 20), static_cast<int64_t>(o.max_packet_bytes)));
  o.max_elements = static_cast<uint64_t>(
      args.Int("max-elements", 1, FTC_MAX_ELEMENTS, static_cast<int64_t>(o.max_elements)));
  o.log_interval_s = DoubleFlag(args, "log-interval", 0, 86400, o.log_interval_s);
  o.log = Log;
  const std::chrono::milliseconds grace = SecondsFlag(args, "grace", 10);
  const std::string device = args.Value("device") ? *args.Value("device") : "cpu";
  const int threads = static_cast<int>(args.Int("threads", 0, 4096, 0));

  return Served([&] {
    ftc_serving::SetModelThreads(threads);
    std::unique_ptr<ftc_serving::Model> split = ftc_serving::LoadTorchScript(models.cloud, device);
    std::unique_ptr<ftc_serving::Model> whole =
        models.full.empty() ? nullptr : ftc_serving::LoadTorchScript(models.full, device);
    const std::string where = split->device();
    ftc_serving::Server server(o, std::move(split), std::move(whole));
    server.Start();
    const std::string host = o.listen.substr(0, o.listen.rfind(':'));
    std::printf(
        "ftc serve: listening on %s:%d, model '%s' (%s%s) on %s, batches of up to %d frames or %g ms\n",
        host.c_str(), server.port(), o.model_id.c_str(), models.cloud.c_str(),
        models.full.empty() ? "" : (", cloud-only " + models.full).c_str(), where.c_str(), o.max_batch,
        o.max_delay_ms);
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop, &signal);
    Log(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
        ": answering the frames in flight, then closing every stream");
    server.Shutdown(grace);
    const ftc_serving::ServerCounters c = server.counters();
    Log("stopped after " + std::to_string(c.frames) + " frames (" + std::to_string(c.errors) +
        " errors) in " + std::to_string(c.batches) + " batches on " + std::to_string(c.streams_total) +
        " streams");
    return kExitOk;
  });
}

}  // namespace ftc_cli

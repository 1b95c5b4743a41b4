// ftc edge: edge devices talking to ftc serve, timing every frame (docs/SERVING.md).
#include <cstdio>

#include "cli.h"
#include "commands.h"
#include "serving_options.h"

namespace ftc_cli {

int RunEdge(const Args& args) {
  if (!args.positional().empty()) Fail(kExitUsage, "unexpected argument '" + args.positional()[0] + "'");
  const ServingModels models = ServingModelsFrom(args);
  ftc_serving::DeviceOptions o = DeviceOptionsFrom(args, models);
  const std::string mode = args.Value("mode") ? *args.Value("mode") : "split";
  if (mode == "split")
    o.mode = ftc_serving::Mode::kSplit;
  else if (mode == "cloud")
    o.mode = ftc_serving::Mode::kCloud;
  else if (mode == "edge")
    o.mode = ftc_serving::Mode::kEdge;
  else
    Fail(kExitUsage, "bad --mode '" + mode + "': expected split, cloud or edge");
  o.codec = CodecChoiceFrom(args);
  o.clients = static_cast<int>(args.Int("clients", 1, 4096, 1));
  if (args.Has("in-flight") && !args.Has("pipeline")) Fail(kExitUsage, "--in-flight applies to --pipeline");
  o.window = args.Has("pipeline") ? static_cast<int>(args.Int("in-flight", 2, 4096, 2)) : 1;
  o.duration_s = DoubleFlag(args, "duration", 0, 1e6, 0);
  o.verify = args.Has("verify");
  o.link.upload_kbps = DoubleFlag(args, "upload-kbps", 0, 1e9, 0);
  o.link.rtt_ms = DoubleFlag(args, "rtt-ms", 0, 1e6, 0);
  o.link.burst_bytes = static_cast<uint64_t>(args.Int("upload-burst", 0, INT64_MAX, 0));
  if (args.Has("upload-kbps") && o.link.upload_kbps <= 0) Fail(kExitUsage, "--upload-kbps must be above 0");
  if (o.mode == ftc_serving::Mode::kEdge &&
      (args.Has("upload-kbps") || args.Has("rtt-ms") || args.Has("server")))
    Fail(kExitUsage, "--mode edge uses no network: --server, --upload-kbps and --rtt-ms do not apply");
  if (args.Has("model-id")) o.model_id = *args.Value("model-id");
  o.deadline_ms = static_cast<uint32_t>(args.Int("deadline-ms", 0, UINT32_MAX, 0));
  o.timeout = SecondsFlag(args, "timeout", 0);
  o.threads = static_cast<int>(args.Int("threads", 1, 4096, 1));

  const ftc_serving::DeviceReport report = Served([&] { return ftc_serving::RunDevices(o); });
  const ftc_serving::DeviceSummary summary = ftc_serving::Summarize(report);
  const std::string text = args.Has("json") ? ftc_serving::SummaryJson(report, summary)
                                            : ftc_serving::SummaryText(report, summary);
  std::fputs(text.c_str(), stdout);
  // A stream the server ends (UNAVAILABLE while it shuts down) after answering every frame is complete.
  const bool complete = summary.answered == summary.frames && summary.errors == 0;
  if (!complete)
    Fail(kExitData, std::to_string(summary.frames - summary.answered) + " frame(s) not answered, " +
                        std::to_string(summary.errors) + " answered with an error");
  if (summary.disagreements)
    Fail(kExitData,
         std::to_string(summary.disagreements) + " answer(s) differ from the device's own computation");
  return kExitOk;
}

}  // namespace ftc_cli

// ftc latency: total inference time against upload rate, the seed paper's Figure 2 (docs/SERVING.md).
#include <cstdio>

#include "cli.h"
#include "commands.h"
#include "ftc_inference/resources.h"
#include "ftc_serving/latency.h"
#include "serving_options.h"

namespace ftc_cli {
namespace {

std::vector<std::string> List(const Args& args, const char* flag, const char* fallback) {
  const std::string text = args.Value(flag) ? *args.Value(flag) : fallback;
  std::vector<std::string> items;
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

std::vector<double> Rates(const Args& args) {
  std::vector<double> rates;
  for (const std::string& item :
       List(args, "rates", "10,20,50,100,200,500,1000,2000,5000,10000,20000,50000")) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v > 0 && v <= 1e9))
      Fail(kExitUsage, "--rates must list rates in kbit/s above 0, not '" + item + "'");
    rates.push_back(v);
  }
  return rates;
}

}  // namespace

int RunLatency(const Args& args) {
  if (!args.positional().empty()) Fail(kExitUsage, "unexpected argument '" + args.positional()[0] + "'");
  const ServingModels models = ServingModelsFrom(args);
  ftc_serving::LatencyOptions o;
  o.device = DeviceOptionsFrom(args, models);
  if (!args.Has("frames")) o.device.frames = 200;
  o.rates_kbps = Rates(args);
  o.rtt_ms = DoubleFlag(args, "rtt-ms", 0, 1e6, 0);
  o.edge_factor = DoubleFlag(args, "edge-factor", 0.001, 1000, 1);
  o.edge_only = !args.Has("no-edge-only");
  o.cloud_only = !args.Has("no-cloud-only");
  if (o.edge_only && models.full.empty())
    Fail(
        kExitUsage,
        "the edge-only curve needs the whole model (--full, or --model DIR with full.pt); or --no-edge-only");
  // The quantiser and quality come as lists; the other encode flags hold for every curve.
  ftc_serving::CodecChoice base;
  base.implementation = args.Value("encoder") ? *args.Value("encoder") : "";
  base.per_channel = args.Has("per-channel");
  base.max_error = static_cast<int>(args.Int("max-error", 0, 255, 0));
  base.lossless = args.Has("lossless");
  base.options = args.Value("options") ? *args.Value("options") : "";
  base.gop = static_cast<int>(args.Int("gop", 1, 65535, 1));
  const std::vector<int> qualities =
      IntList(args.Value("qualities") ? *args.Value("qualities") : "50", "qualities", 1, 100);
  const std::vector<int> bits = IntList(args.Value("bits") ? *args.Value("bits") : "8", "bits", 1, 8);
  const std::vector<std::string> clips = ClipList(args.Value("clip") ? *args.Value("clip") : "sigma:3");
  for (const std::string& codec : List(args, "codecs", "jpeg,lossless")) {
    const ftc_backend_info* b = ftc_backend_find_implementation(codec.c_str(), nullptr, FTC_CAP_ENCODE);
    if (!b) Fail(kExitUsage, "unknown codec '" + codec + "' in --codecs");
    const bool lossy = (b->capabilities & FTC_CAP_QUALITY) && !base.lossless;
    for (const int quality : lossy ? qualities : std::vector<int>{base.quality})
      for (const int bit : bits)
        for (const std::string& clip : clips) {
          ftc_serving::CodecChoice c = base;
          c.codec = codec;
          c.quality = quality;
          c.bits = bit;
          c.clip = clip;
          o.settings.push_back(c);
        }
  }
  const std::string out_dir = args.Value("out") ? *args.Value("out") : "ftc-latency";
  MakeDirectories(out_dir);

  const ftc_serving::LatencyResult result = Served([&] {
    return ftc_serving::RunLatency(
        o, [](const std::string& line) { std::fprintf(stderr, "ftc latency: %s\n", line.c_str()); });
  });
  std::fputs(ftc_serving::LatencyTable(result).c_str(), stdout);
  WriteTextFile(out_dir + "/latency.csv", ftc_serving::LatencyCsv(result));
  WriteTextFile(out_dir + "/latency.json", ftc_serving::LatencyJson(result));
  std::printf("\nwrote %s/latency.csv, %s/latency.json", out_dir.c_str(), out_dir.c_str());
  if (!args.Has("no-plot")) {
    const int status =
        ftc_inference::RunPython(ftc_serving::LatencyPlotScript(), {out_dir + "/latency.json", out_dir});
    if (status == 0)
      std::printf(", %s/latency.png, %s/latency.svg", out_dir.c_str(), out_dir.c_str());
    else if (status != 3)
      std::fprintf(stderr, "ftc: warning: %s failed (exit status %d); no plots\n",
                   ftc_serving::LatencyPlotScript().c_str(), status);
  }
  std::printf("\n");
  return kExitOk;
}

}  // namespace ftc_cli

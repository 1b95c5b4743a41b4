// ftc rd: the rate–accuracy sweep of the inference harness (docs/HARNESS.md).
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli.h"
#include "commands.h"
#include "ftc_inference/report.h"
#include "harness_flags.h"
#include "harness_run.h"
#include "rd_search.h"

namespace ftc_cli {
namespace {

// A format is usable when one implementation encodes it and one (maybe another) decodes it.
bool Codes(const char* name) {
  return ftc_backend_find_implementation(name, nullptr, FTC_CAP_ENCODE) &&
         ftc_backend_find_implementation(name, nullptr, FTC_CAP_DECODE);
}

std::vector<std::string> AllCodecs() {
  std::vector<std::string> names;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const char* name = ftc_backend_at(i)->name;
    if (Codes(name) && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  names.push_back("seed-jpeg");
  names.push_back("input-jpeg");
  return names;
}

std::vector<std::string> CodecList(const Args& args) {
  const std::string* text = args.Value("codecs");
  if (!text) return AllCodecs();
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text->size()) {
    const size_t comma = std::min(text->find(',', start), text->size());
    const std::string name = text->substr(start, comma - start);
    if (name != "seed-jpeg" && name != "input-jpeg" && !Codes(name.c_str())) {
      std::string built;
      for (const std::string& n : AllCodecs()) built += (built.empty() ? "" : ", ") + n;
      Fail(kExitUsage, "unknown codec '" + name + "' in --codecs (built: " + built + ")");
    }
    names.push_back(name);
    start = comma + 1;
  }
  return names;
}

// The settings the quantiser flags ask for, crossed with codecs and qualities; without them, those of
// --preset (default standard,best).
void AddSettings(const Args& args, const std::vector<std::string>& codecs, const std::vector<int>& qualities,
                 ftc_inference::RdOptions* o) {
  const std::string options = args.Value("options") ? *args.Value("options") : "";
  bool explicit_quantiser = false;
  for (const char* flag : {"bits", "clip", "per-channel", "max-error"}) explicit_quantiser |= args.Has(flag);
  if (!explicit_quantiser) {
    o->settings = PresetSettings(args.Value("preset") ? *args.Value("preset") : "standard,best", codecs, qualities, options);
    return;
  }
  if (args.Has("preset")) Fail(kExitUsage, "--preset sets the quantiser: give either it or --bits/--clip/--per-channel/--max-error");
  const std::vector<int> bits = IntList(args.Value("bits") ? *args.Value("bits") : "8", "bits", 1, 8);
  const std::vector<std::string> clips = ClipList(args.Value("clip") ? *args.Value("clip") : "sigma:3");
  const std::vector<int> max_errors = IntList(args.Value("max-error") ? *args.Value("max-error") : "0", "max-error", 0, 255);
  for (const std::string& codec : codecs) {
    const ftc_backend_info* b = ftc_backend_find(codec.c_str());
    if (!b) continue;  // seed-jpeg, input-jpeg
    const bool lossy = b->capabilities & FTC_CAP_QUALITY;
    const bool near_lossless = ftc_backend_find_implementation(codec.c_str(), nullptr, FTC_CAP_NEAR_LOSSLESS);
    for (const int bit : bits)
      for (const std::string& clip : clips)
        for (const int max_error : max_errors) {
          if (max_error && !near_lossless) continue;
          for (const int quality : lossy ? qualities : std::vector<int>{0})
            o->settings.push_back({codec, quality, bit, clip, args.Has("per-channel"), max_error, options});
        }
  }
}

}  // namespace

int RunRd(const Args& args) {
  if (!args.positional().empty()) Fail(kExitUsage, "unexpected argument '" + args.positional()[0] + "'");
  ftc_inference::RdOptions o;
  o.model = ModelOptionsFrom(args);
  o.data = DataOptionsFrom(args);
  o.device = args.Value("device") ? *args.Value("device") : "cpu";
  o.threads = static_cast<int>(args.Int("threads", 0, 4096, 0));
  o.batch = static_cast<int>(args.Int("batch", 1, 65536, 256));
  const double budget = DoubleFlag(args, "budget", 0, 100, 1) / 100.0;
  const std::vector<std::string> codecs = CodecList(args);
  const std::vector<int> qualities = IntList(args.Value("qualities") ? *args.Value("qualities") : kDefaultQualities,
                                             "qualities", 1, 100);
  for (const std::string& codec : codecs) {
    if (codec == "seed-jpeg") o.seed_qualities = qualities;
    if (codec == "input-jpeg") o.input_qualities = qualities;
  }
  const std::string out_dir = args.Value("out") ? *args.Value("out") : "ftc-rd";
  MakeDirectories(out_dir);

  Progress progress("ftc rd", !args.Has("quiet"));
  ftc_inference::RdResult result;
  if (args.Has("search")) {
    for (const char* flag : {"preset", "bits", "clip", "per-channel", "max-error", "stream"})
      if (args.Has(flag)) Fail(kExitUsage, std::string("--search chooses the settings; --") + flag + " does not apply");
    SearchOptions search;
    search.budget = budget;
    search.screen_samples = static_cast<uint64_t>(args.Int("search-limit", 1, INT64_MAX, 2000));
    search.codecs = codecs;
    search.qualities = qualities;
    search.options = args.Value("options") ? *args.Value("options") : "";
    result = Search(o, search, !args.Has("quiet"), out_dir);
  } else {
    AddSettings(args, codecs, qualities, &o);
    if (args.Has("stream"))
      for (ftc_inference::CodecSetting& s : o.settings) s.stream = true;
    o.progress = progress.Callback();
    ftc_inference::Failure failure;
    if (!Harness().rd(o, &result, &failure)) FailWith(failure);
  }
  progress.Finish();

  const ftc_inference::RdSummary summary = ftc_inference::Summarize(result, budget);
  const std::string table = ftc_inference::RdTable(result, summary);
  std::fputs(table.c_str(), stdout);
  WriteTextFile(out_dir + "/rd.csv", ftc_inference::RdCsv(result));
  WriteTextFile(out_dir + "/rd.json", ftc_inference::RdJson(result, summary));
  std::printf("\nwrote %s/rd.csv, %s/rd.json", out_dir.c_str(), out_dir.c_str());
  if (!args.Has("no-plot") && DrawPlots("plot_rd.py", {out_dir + "/rd.json", out_dir}))
    std::printf(", %s/rd.png, %s/rd.svg", out_dir.c_str(), out_dir.c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace ftc_cli

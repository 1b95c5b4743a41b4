#include "rd_search.h"

#include <algorithm>
#include <map>

#include "cli.h"
#include "ftc_inference/report.h"

namespace ftc_cli {
namespace {

using ftc_inference::CodecSetting;
using ftc_inference::RdOptions;
using ftc_inference::RdResult;
using ftc_inference::RdRow;

constexpr int kSearchBits[] = {1, 2, 3, 4, 5, 6, 7, 8};
// Post-ReLU features have a long upper tail: K well above 3 keeps the large activations the cloud part
// relies on, and with few bits leaves the many small values at level 0, which codes cheaply.
constexpr const char* kSearchClips[] = {"sigma:2", "sigma:3", "sigma:4", "sigma:5", "sigma:6", "sigma:8", "minmax"};
// Screening on a subset is noisy (±0.5 points of top-1 at 2000 samples); the final pass gets the
// candidates within the budget plus this margin.
constexpr double kScreenMargin = 0.005;
// Curves per codec in the final pass, and quantisers whose qualities the lossy codecs sweep.
constexpr size_t kFinalCurves = 3;
constexpr size_t kSweptQuantisers = 6;
// The bits a curve of a codec without quality runs over.
constexpr int kCurveBits[] = {1, 2, 3, 4, 5, 6, 8};

bool HasCap(const std::string& codec, uint32_t cap) {
  const ftc_backend_info* b = ftc_backend_find(codec.c_str());
  return b && (b->capabilities & cap);
}

RdResult RunHarness(const RdOptions& o, bool show_progress, const std::string& stage) {
  Progress stage_progress("ftc rd --search: " + stage, show_progress);
  RdOptions with_progress = o;
  with_progress.progress = stage_progress.Callback();
  RdResult result;
  ftc_inference::Failure failure;
  if (!Harness().rd(with_progress, &result, &failure)) FailWith(failure);
  return result;
}

CodecSetting SettingOf(const RdRow& r) {
  return {r.codec, r.quality, r.bits, r.clip, r.per_channel, r.max_error, r.options, r.stream};
}

bool Within(const RdRow& r, double budget) {
  return static_cast<double>(r.float_correct) - static_cast<double>(r.correct) <=
         budget * static_cast<double>(r.samples) + 1e-9;
}

// What --search found on the reference model (models/fashion_resnet, split mid, all 10000 test samples;
// docs/RATE_ACCURACY.md) for the foundation's coders: per codec, the quantiser of its cheapest setting within
// one point of top-1, each expanded into a curve by PresetSettings. The lossless coder's also comes as a
// stream, where the header goes once per session.
std::vector<CodecSetting> BestPreset() {
  return {
      {"lossless", 0, 1, "sigma:4", false, 0, "", false},
      {"lossless", 0, 1, "sigma:4", false, 0, "", true},
      {"jpeg", 0, 2, "sigma:8", false, 0, "", false},
  };
}

// The curve through `setting`: its quantiser at every quality for a lossy codec, its clip at every
// bits of kCurveBits otherwise.
void AddCurve(const CodecSetting& setting, const std::vector<int>& qualities, std::vector<CodecSetting>* out) {
  CodecSetting s = setting;
  if (HasCap(s.codec, FTC_CAP_QUALITY)) {
    for (const int q : qualities) {
      s.quality = q;
      out->push_back(s);
    }
  } else {
    s.quality = 0;
    for (const int bits : kCurveBits) {
      s.bits = bits;
      out->push_back(s);
    }
  }
}

}  // namespace

RdResult Search(RdOptions base, const SearchOptions& search, bool show_progress, const std::string& out_dir) {
  std::string lossless;  // the codec that screens the quantisers: the first lossless one asked for
  std::vector<std::string> lossy;
  for (const std::string& codec : search.codecs) {
    if (HasCap(codec, FTC_CAP_LOSSLESS) && lossless.empty()) lossless = codec;
    if (HasCap(codec, FTC_CAP_QUALITY)) lossy.push_back(codec);
  }
  if (lossless.empty()) lossless = ftc_backend_find("lossless") ? "lossless" : "raw";

  RdOptions screen = base;
  screen.data.limit = base.data.limit ? std::min(base.data.limit, search.screen_samples) : search.screen_samples;
  screen.seed_qualities.clear();
  screen.input_qualities.clear();
  for (const bool per_channel : {false, true})
    for (const int bits : kSearchBits)
      for (const char* clip : kSearchClips) screen.settings.push_back({lossless, 0, bits, clip, per_channel, 0, search.options});
  const RdResult quantisers = RunHarness(screen, show_progress, "quantisers (1/3)");

  // The quantisers within the budget (plus the margin), cheapest first.
  std::vector<const RdRow*> good;
  for (const RdRow& r : quantisers.rows)
    if (r.codec != "float" && Within(r, search.budget + kScreenMargin)) good.push_back(&r);
  std::sort(good.begin(), good.end(), [](const RdRow* a, const RdRow* b) { return a->bytes_per_sample < b->bytes_per_sample; });
  if (good.size() > kSweptQuantisers) good.resize(kSweptQuantisers);

  screen.settings.clear();
  for (const std::string& codec : lossy)
    for (const RdRow* q : good)
      for (const int quality : search.qualities)
        screen.settings.push_back({codec, quality, q->bits, q->clip, q->per_channel, 0, search.options});
  RdResult sweep;
  if (!screen.settings.empty()) sweep = RunHarness(screen, show_progress, "qualities (2/3)");

  // Screening rows, for the record.
  RdResult screened = quantisers;
  for (const RdRow& r : sweep.rows)
    if (r.codec != "float") screened.rows.push_back(r);
  WriteTextFile(out_dir + "/search.csv", ftc_inference::RdCsv(screened));

  // Final candidates: per codec, the three cheapest quantisers within budget + margin (of distinct clips for
  // a codec without quality), each as a whole curve (a lossy codec's qualities, another codec's bits), so
  // that the final table also gives BD-rates. A codec without quality that did not screen (raw, when
  // lossless did) takes the screening codec's quantisers: the same accuracy, its own sizes.
  RdOptions final_run = base;
  for (const std::string& codec : search.codecs) {
    if (!ftc_backend_find(codec.c_str())) continue;
    const bool has_quality = HasCap(codec, FTC_CAP_QUALITY);
    const std::string screened_as = has_quality ? codec : lossless;
    std::vector<const RdRow*> rows;
    for (const RdRow& r : screened.rows)
      if (r.codec == screened_as && Within(r, search.budget + kScreenMargin)) rows.push_back(&r);
    std::sort(rows.begin(), rows.end(), [](const RdRow* a, const RdRow* b) { return a->bytes_per_sample < b->bytes_per_sample; });
    std::vector<CodecSetting> picked;
    for (const RdRow* r : rows) {
      CodecSetting s = SettingOf(*r);
      s.codec = codec;
      const bool seen = std::any_of(picked.begin(), picked.end(), [&](const CodecSetting& p) {
        return p.clip == s.clip && p.per_channel == s.per_channel && (!has_quality || p.bits == s.bits);
      });
      if (!seen) picked.push_back(s);
      if (picked.size() == kFinalCurves) break;
    }
    for (const CodecSetting& p : picked) AddCurve(p, search.qualities, &final_run.settings);
  }
  return RunHarness(final_run, show_progress, "candidates on all samples (3/3)");
}

std::vector<CodecSetting> PresetSettings(const std::string& names, const std::vector<std::string>& codecs,
                                         const std::vector<int>& qualities, const std::string& options) {
  std::vector<CodecSetting> settings;
  size_t start = 0;
  while (start <= names.size()) {
    const size_t comma = std::min(names.find(',', start), names.size());
    const std::string name = names.substr(start, comma - start);
    std::vector<CodecSetting> quantisers;
    if (name == "standard") {
      for (const std::string& codec : codecs) quantisers.push_back({codec, 0, 8, "sigma:3", false, 0, ""});
    } else if (name == "best") {
      quantisers = BestPreset();
    } else {
      Fail(kExitUsage, "unknown --preset '" + name + "' (known: standard, best)");
    }
    for (CodecSetting q : quantisers) {
      if (std::find(codecs.begin(), codecs.end(), q.codec) == codecs.end() || !ftc_backend_find(q.codec.c_str()))
        continue;
      q.options = options;
      if (name == "standard")
        for (const int quality : HasCap(q.codec, FTC_CAP_QUALITY) ? qualities : std::vector<int>{0}) {
          q.quality = quality;
          settings.push_back(q);
        }
      else
        AddCurve(q, qualities, &settings);
    }
    start = comma + 1;
  }
  return settings;
}

}  // namespace ftc_cli

// ftc bench: encode and decode speed, size and the backend's share of the time, per codec and setting, like
// `zstd -b`. Every setting is run a few times to warm up, then timed over repeated runs; the table gives the
// median per run. The backend's share comes from the library's own count of the time spent inside backend
// calls (ftc_encoder_stats, ftc_decoder_stats).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "json.h"
#include "synthetic.h"
#include "tensor.h"

namespace ftc_cli {
namespace {

constexpr const char* kDefaultShape = "1x128x28x28";
constexpr int kDefaultRepeats = 20;
constexpr int kDefaultWarmup = 3;

// The flags that take a comma-separated list: one setting per combination of their values.
constexpr const char* kListFlags[] = {"codec", "quality", "bits"};

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> items;
  for (size_t start = 0;;) {
    const size_t at = text.find(separator, start);
    items.push_back(text.substr(start, at - start));
    if (at == std::string::npos) return items;
    start = at + 1;
  }
}

// The values of list flag `name`, or {""} (the default) when it is not given.
std::vector<std::string> ListOf(const Args& args, const char* name) {
  const std::string* text = args.Value(name);
  if (text == nullptr) return {""};
  std::vector<std::string> items = Split(*text, ',');
  for (const std::string& item : items)
    if (item.empty()) Fail(kExitUsage, "--" + std::string(name) + " '" + *text + "' has an empty item");
  return items;
}

// "1x128x28x28" (N×C×H×W) or "128x28x28" (C×H×W).
std::vector<uint64_t> ParseShape(const std::string& text) {
  std::vector<uint64_t> shape;
  for (const std::string& dim : Split(text, 'x')) {
    int64_t v = 0;
    if (!ParseInt(dim, 1, FTC_MAX_DIM, &v))
      Fail(kExitUsage, "bad --shape '" + text + Format("': expected CxHxW or NxCxHxW, each 1..%u", FTC_MAX_DIM));
    shape.push_back(static_cast<uint64_t>(v));
  }
  if (shape.size() != 3 && shape.size() != 4)
    Fail(kExitUsage, "bad --shape '" + text + "': expected CxHxW or NxCxHxW");
  uint64_t elements = 1;
  for (const uint64_t d : shape) elements *= d;  // each d <= 2^24, so four of them cannot overflow
  if (elements > FTC_MAX_ELEMENTS)
    Fail(kExitUsage, Format("--shape %s has more than %llu elements", text.c_str(),
                            static_cast<unsigned long long>(FTC_MAX_ELEMENTS)));
  return shape;
}

struct Input {
  HostTensor tensor;
  std::string source;  // the file, or the distribution and seed
};

Input InputFrom(const Args& args) {
  Input in;
  if (!args.positional().empty()) {
    for (const char* flag : {"shape", "dist", "seed"})
      if (args.Has(flag)) Fail(kExitUsage, std::string("--") + flag + " describes a synthetic input: not with IN.npy");
    const std::string& path = args.positional()[0];
    in.tensor = LoadNpyTensor(path, DtypeFrom(args));
    in.source = path == "-" ? "stdin" : path;
    return in;
  }
  if (args.Has("dtype")) Fail(kExitUsage, "--dtype applies to an input file, and none is given");
  const std::string* shape_text = args.Value("shape");
  const std::vector<uint64_t> shape = ParseShape(shape_text ? *shape_text : kDefaultShape);
  Distribution distribution = Distribution::kFeatures;
  if (const std::string* name = args.Value("dist"); name && !ParseDistribution(*name, &distribution))
    Fail(kExitUsage, "bad --dist '" + *name + "': expected features, relu, normal or uniform");
  const auto seed = static_cast<uint64_t>(args.Int("seed", 0, INT64_MAX, 1));
  in.tensor = SyntheticTensor(shape, distribution, seed);
  in.source = Format("synthetic %s, seed %llu", DistributionName(distribution), static_cast<unsigned long long>(seed));
  return in;
}

// One setting: the encoder flags as `ftc encode` takes them, parsed and checked by the same code.
struct Setting {
  Args flags;
  std::string text;  // "q90 8b --clip minmax": what sets it apart, for the table
  ftc_encoder_settings settings{};
  bool video = false;
};

CommandSpec SettingSpec() {
  CommandSpec spec;
  spec.flags = EncoderFlags();
  spec.flags.push_back(ThreadsFlag());
  return spec;
}

bool IsListFlag(const std::string& name) {
  return std::find(std::begin(kListFlags), std::end(kListFlags), name) != std::end(kListFlags);
}

bool HasQuality(const std::string& codec) {
  const ftc_backend_info* b = ftc_backend_find(codec.c_str());
  return b == nullptr || (b->capabilities & FTC_CAP_QUALITY);  // "auto" may pick a lossy codec
}

// Every combination of the list flags' values, with the other encoder flags as given. A codec without a
// quality runs once, at the first quality listed.
std::vector<Setting> SettingsFrom(const Args& args) {
  std::vector<std::string> common;  // the other flags, as given
  std::string common_text;
  for (const Flag& f : SettingSpec().flags) {
    const std::string* value = args.Value(f.name);
    if (value == nullptr || IsListFlag(f.name)) continue;
    common.push_back("--" + f.name);
    if (!f.value.empty()) common.push_back(*value);
    if (f.name != "threads" && f.name != "encoder")
      common_text += " --" + f.name + (f.value.empty() ? "" : " " + *value);
  }
  const std::vector<std::string> qualities = ListOf(args, "quality");
  std::vector<Setting> out;
  for (const std::string& codec : ListOf(args, "codec")) {
    for (const std::string& bits : ListOf(args, "bits")) {
      for (const std::string& quality : qualities) {
        const bool has_quality = HasQuality(codec.empty() ? ftc::DefaultEncoderSettings().codec : codec);
        if (!has_quality && quality != qualities[0]) continue;
        std::vector<std::string> argv = common;
        if (!codec.empty()) argv.insert(argv.end(), {"--codec", codec});
        if (!bits.empty()) argv.insert(argv.end(), {"--bits", bits});
        if (!quality.empty()) argv.insert(argv.end(), {"--quality", quality});
        Setting s;
        s.flags = ParseArgs(SettingSpec(), argv);
        out.push_back(std::move(s));
      }
    }
  }
  for (Setting& s : out) {  // the settings point into s.flags, which stay where they are from now on
    s.settings = EncoderSettingsFrom(s.flags);
    s.video = ftc_backend_find_implementation(s.settings.codec, s.settings.implementation,
                                              FTC_CAP_ENCODE | FTC_CAP_VIDEO) != nullptr;
    const bool has_quality = HasQuality(s.settings.codec);
    s.text = (has_quality ? Format("q%d ", s.settings.quality) : "") + Format("%db", s.settings.bits) + common_text;
  }
  return out;
}

struct Plan {
  int repeats = kDefaultRepeats, warmup = kDefaultWarmup;
  double min_time_s = 0;
  int threads = 1;  // resolved: never 0
};

struct Result {
  std::string codec, encoder, setting;
  int quality = 0;  // 0: the codec has none
  int bits = 0;
  uint64_t bytes = 0;
  uint32_t bands = 1;  // of each item's plane (docs/FORMAT.md, "Bands")
  size_t runs = 0;
  double encode_ms = 0, decode_ms = 0, encode_mb_s = 0, decode_mb_s = 0;
  double bits_per_element = 0, ratio = 0;
  double encode_backend_share = 0, decode_backend_share = 0, backend_share = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

uint64_t BackendNs(const Encoder& e) {
  ftc_backend_stats s{};
  ftc_encoder_stats(e.get(), &s);
  return s.backend_ns;
}

uint64_t BackendNs(const Decoder& d) {
  ftc_backend_stats s{};
  ftc_decoder_stats(d.get(), &s);
  return s.backend_ns;
}

// Seconds of wall time and of backend time that a run of `step` takes on `handle`.
template <typename Handle, typename Step>
std::pair<double, double> Timed(const Handle& handle, Step&& step) {
  using Clock = std::chrono::steady_clock;
  const uint64_t backend_before = BackendNs(handle);
  const auto start = Clock::now();
  step();
  const auto wall = Clock::now() - start;
  return {std::chrono::duration<double>(wall).count(), 1e-9 * static_cast<double>(BackendNs(handle) - backend_before)};
}

// The timed runs of one phase (encode or decode): wall seconds of each, and in all, inside the backend too.
struct Phase {
  std::vector<double> wall_s;
  double total_s = 0, backend_s = 0;
};

// Timed runs of `step` after `warmup` untimed ones, until there are `repeats` of them and `min_time_s` has
// passed.
template <typename Handle, typename Step>
Phase Runs(const Handle& handle, Step&& step, const Plan& plan) {
  for (int i = 0; i < plan.warmup; ++i) step();
  Phase phase;
  while (static_cast<int>(phase.wall_s.size()) < plan.repeats || phase.total_s < plan.min_time_s) {
    const auto [wall, inside] = Timed(handle, step);
    phase.wall_s.push_back(wall);
    phase.total_s += wall;
    phase.backend_s += inside;
  }
  return phase;
}

// Runs the setting as zstd -b does: the encodes, then the decodes of the file, each phase with its own
// warm-up runs. A device encodes tensor after tensor and a server decodes them, so each phase is timed as
// the same call repeated (interleaving them would also time the allocator handing memory back and forth).
Result Measure(const Input& in, Setting& setting, const Plan& plan) {
  const ftc_tensor view = in.tensor.View();
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  if (setting.video) {  // as `ftc encode` codes a batch: one clip range for the whole input
    stream.range = FTC_STREAM_RANGE_FIXED;
    stream.calibration = &view;
    setting.settings.stream = &stream;
  }
  Encoder encoder = CreateEncoder(setting.settings);
  Decoder decoder = Checked("decoder", [&] { return NewDecoder(plan.threads); });
  ftc::Bytes file;
  const Phase encode = Runs(
      encoder, [&] { file = Checked(in.source, [&] { return encoder.Encode(view); }); }, plan);
  const Phase decode = Runs(
      decoder, [&] { Checked(in.source, [&] { return decoder.Decode(file.span()); }); }, plan);

  const ftc_info info = Checked(in.source, [&] { return decoder.Info(file.span()); });
  Result r;
  r.codec = info.codec;
  r.encoder = setting.settings.implementation
                  ? setting.settings.implementation
                  : ftc_backend_find_implementation(info.codec, nullptr, FTC_CAP_ENCODE)->implementation;
  r.setting = setting.text;
  r.quality = info.quality;
  r.bits = info.bits;
  r.bytes = info.total_bytes;
  r.runs = encode.wall_s.size();
  r.bands = info.bands;
  r.bits_per_element = info.bits_per_element;
  const double input_bytes = static_cast<double>(in.tensor.bytes.size());
  r.ratio = input_bytes / static_cast<double>(r.bytes);
  r.encode_ms = 1e3 * Median(encode.wall_s);
  r.decode_ms = 1e3 * Median(decode.wall_s);
  r.encode_mb_s = input_bytes / (1e3 * r.encode_ms);
  r.decode_mb_s = input_bytes / (1e3 * r.decode_ms);
  // Image codecs code the items of a batch, or the bands of a large item, on up to `threads` workers at
  // once, at best each busy for the whole call; a video codec codes the frames one after another.
  const uint64_t items = in.tensor.shape.size() == 4 ? in.tensor.shape[0] : 1;
  const uint64_t units = info.bands > 1 ? info.bands : items;
  const double workers =
      setting.video ? 1.0
                    : static_cast<double>(std::min<uint64_t>(units, static_cast<uint64_t>(plan.threads)));
  r.encode_backend_share = encode.backend_s / (workers * encode.total_s);
  r.decode_backend_share = decode.backend_s / (workers * decode.total_s);
  r.backend_share = (encode.backend_s + decode.backend_s) / (workers * (encode.total_s + decode.total_s));
  return r;
}

std::string ResultFields(const Result& r, std::vector<JsonField>* fields) {
  const auto number = [](double v) { return JsonNumber(v, 6); };
  const auto count = [](uint64_t v) { return std::to_string(v); };
  const JsonField row[] = {
      {"codec", JsonString(r.codec)},
      {"encoder", JsonString(r.encoder)},
      {"setting", JsonString(r.setting)},
      {"quality", r.quality ? std::to_string(r.quality) : "null"},
      {"bits", std::to_string(r.bits)},
      {"bytes", count(r.bytes)},
      {"bits_per_element", JsonNumber(r.bits_per_element, 17)},
      {"bands", count(r.bands)},
      {"ratio", number(r.ratio)},
      {"encode_ms", number(r.encode_ms)},
      {"decode_ms", number(r.decode_ms)},
      {"encode_mb_s", number(r.encode_mb_s)},
      {"decode_mb_s", number(r.decode_mb_s)},
      {"backend_share", number(r.backend_share)},
      {"encode_backend_share", number(r.encode_backend_share)},
      {"decode_backend_share", number(r.decode_backend_share)},
      {"runs", count(r.runs)},
  };
  fields->insert(fields->end(), std::begin(row), std::end(row));
  return JsonObject(std::span<const JsonField>(std::begin(row), std::end(row)));
}

void PrintJson(const Input& in, const Plan& plan, const std::vector<Result>& results) {
  std::vector<std::string> shape, rows;
  for (const uint64_t d : in.tensor.shape) shape.push_back(std::to_string(d));
  const JsonField input[] = {
      {"source", JsonString(in.source)},
      {"shape", JsonArray(shape)},
      {"dtype", JsonString(ftc_dtype_name(in.tensor.dtype))},
      {"elements", std::to_string(in.tensor.elements())},
      {"bytes", std::to_string(in.tensor.bytes.size())},
  };
  std::vector<JsonField> top = {{"input", JsonObject(input)},
                                {"threads", std::to_string(plan.threads)},
                                {"cpu_level", JsonString(ftc_cpu_level())},
                                {"warmup", std::to_string(plan.warmup)}};
  std::vector<JsonField> single;
  for (const Result& r : results) rows.push_back(ResultFields(r, &single));
  if (results.size() == 1) top.insert(top.end(), single.begin(), single.end());
  top.push_back({"results", JsonArray(rows)});
  std::printf("%s\n", JsonObject(top).c_str());
}

void PrintTable(const Input& in, const Plan& plan, const std::vector<Result>& results) {
  std::printf("input: %s %s, %s; %llu bytes\n", ShapeText(in.tensor.shape).c_str(), ftc_dtype_name(in.tensor.dtype),
              in.source.c_str(), static_cast<unsigned long long>(in.tensor.bytes.size()));
  std::printf(
      "times: median of the timed runs after %d warm-up runs, per call on the whole input; threads %d; SIMD "
      "%s\n\n",
      plan.warmup, plan.threads, ftc_cpu_level());
  size_t codec_width = 5, setting_width = 7;
  for (const Result& r : results) {
    codec_width = std::max(codec_width, r.codec.size() + 1 + r.encoder.size());
    setting_width = std::max(setting_width, r.setting.size());
  }
  const int cw = static_cast<int>(codec_width), sw = static_cast<int>(setting_width);
  std::printf("%-*s  %-*s  %9s  %9s  %8s  %9s  %9s  %9s  %9s  %7s  %4s\n", cw, "codec", sw, "setting", "bytes",
              "bits/elem", "ratio", "enc ms", "enc MB/s", "dec ms", "dec MB/s", "backend", "runs");
  for (const Result& r : results) {
    const std::string codec = r.codec + " " + r.encoder;
    std::printf("%-*s  %-*s  %9llu  %9.4f  %7.2f:1  %9.3f  %9.1f  %9.3f  %9.1f  %6.1f%%  %4zu\n", cw, codec.c_str(),
                sw, r.setting.c_str(), static_cast<unsigned long long>(r.bytes), r.bits_per_element, r.ratio,
                r.encode_ms, r.encode_mb_s, r.decode_ms, r.decode_mb_s, 100.0 * r.backend_share, r.runs);
  }
  std::printf(
      "\nMB/s: the input's bytes (1 MB = 10^6 bytes) per second; backend: the share of encode and decode time\n"
      "spent inside the codec library's own calls. Compare ratios measured in one run, not times across runs.\n");
}

}  // namespace

CommandSpec BenchSpec() {
  CommandSpec spec;
  spec.operands = "[IN.npy] [options]";
  spec.description =
      "Measures each codec and setting on one tensor, like zstd -b: encodes, then decodes, each a few\n"
      "warm-up runs and then timed runs; prints the median time per run, MB/s of the input, bytes, bits\n"
      "per element and the share of the time spent inside the codec library's own calls (the rest is\n"
      "ftc's: statistics, quantise and tile, container, and their inverses). --codec, --quality and\n"
      "--bits take comma-separated lists: every combination is one setting. Without IN.npy the input is\n"
      "synthetic (--shape, --dist, --seed).\n"
      "--json prints one JSON object: input, threads, cpu_level, warmup and a \"results\" array with one\n"
      "object per setting (codec, encoder, setting, quality, bits, bytes, bits_per_element, bands, ratio,\n"
      "encode_ms, decode_ms, encode_mb_s, decode_mb_s, backend_share, encode_backend_share,\n"
      "decode_backend_share, runs); with exactly one setting its keys are also at the top level.\n";
  spec.positional = {"IN.npy"};
  spec.required_positional = 0;
  for (Flag& f : EncoderFlags()) {
    if (IsListFlag(f.name)) f.help += "; a comma-separated list runs each";
    spec.flags.push_back(std::move(f));
  }
  spec.flags.push_back({"shape", 0, "SHAPE",
                        std::string("without IN.npy: the synthetic tensor's CxHxW or NxCxHxW (default ") +
                            kDefaultShape + ")"});
  spec.flags.push_back({"dist", 0, "D",
                        "without IN.npy: features (smooth post-ReLU BatchNorm-like activations, as ftc demo; "
                        "default), relu, normal or uniform"});
  spec.flags.push_back({"seed", 0, "S", "without IN.npy: the generator's seed (default 1)"});
  spec.flags.push_back(
      {"repeats", 'r', "R", Format("timed runs of each setting, at least 1 (default %d)", kDefaultRepeats)});
  spec.flags.push_back({"warmup", 0, "W", Format("untimed runs before them (default %d)", kDefaultWarmup)});
  spec.flags.push_back({"min-time", 0, "SEC",
                        "keep running until the timed runs of each phase (encode, decode) add up to at least "
                        "SEC seconds (default 0)"});
  spec.flags.push_back(DtypeFlag());
  spec.flags.push_back(ThreadsFlag());
  spec.flags.push_back({"json", 0, "", "print one JSON object instead of the table"});
  return spec;
}

int RunBench(const Args& args) {
  Plan plan;
  plan.repeats = static_cast<int>(args.Int("repeats", 1, 1000000, kDefaultRepeats));
  plan.warmup = static_cast<int>(args.Int("warmup", 0, 1000000, kDefaultWarmup));
  if (const std::string* text = args.Value("min-time")) {
    char* end = nullptr;
    plan.min_time_s = std::strtod(text->c_str(), &end);
    if (text->empty() || *end != '\0' || !(plan.min_time_s >= 0 && plan.min_time_s <= 3600))
      Fail(kExitUsage, "--min-time must be a number of seconds in 0..3600, not '" + *text + "'");
  }
  const int threads = ThreadsFrom(args);
  plan.threads = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<Setting> settings = SettingsFrom(args);  // usage errors before any input is read
  const Input in = InputFrom(args);
  std::vector<Result> results;
  for (Setting& s : settings) results.push_back(Measure(in, s, plan));
  if (args.Has("json"))
    PrintJson(in, plan, results);
  else
    PrintTable(in, plan, results);
  return kExitOk;
}

}  // namespace ftc_cli

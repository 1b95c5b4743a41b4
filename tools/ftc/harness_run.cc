#include "harness_run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "cli.h"
#include "fileio.h"
#include "ftc_inference/resources.h"

namespace ftc_cli {

ftc_inference::ModelOptions ModelOptionsFrom(const Args& args) {
  ftc_inference::ModelOptions m;
  const auto text = [&](const char* flag) { return args.Value(flag) ? *args.Value(flag) : std::string(); };
  m.edge = text("edge");
  m.cloud = text("cloud");
  m.full = text("full");
  m.dir = text("model");
  m.split = text("split");
  if (m.edge.empty() && m.cloud.empty() && m.full.empty() && m.dir.empty()) {
    m.dir = ftc_inference::ReferenceModelDir();
    struct stat st;
    if (stat(m.dir.c_str(), &st) != 0)
      Fail(kExitIo, "the reference model is not at " + m.dir +
                        ": train it with /usr/bin/python3 inference/train/train_reference.py (see README.md), or "
                        "give a model with --edge/--cloud or --model");
  }
  return m;
}

ftc_inference::DataOptions DataOptionsFrom(const Args& args) {
  ftc_inference::DataOptions d;
  if (const std::string* spec = args.Value("dataset")) d.spec = *spec;
  d.limit = static_cast<uint64_t>(args.Int("limit", 0, INT64_MAX, 0));
  const bool folder = d.spec.rfind("imagefolder:", 0) == 0;
  for (const char* flag : {"resize", "crop", "channels", "filter"})
    if (args.Has(flag) && !folder) Fail(kExitUsage, std::string("--") + flag + " applies to imagefolder datasets only");
  d.folder.resize = static_cast<uint32_t>(args.Int("resize", 0, 16384, d.folder.resize));
  d.folder.crop = static_cast<uint32_t>(args.Int("crop", 0, 16384, d.folder.crop));
  d.folder.channels = static_cast<uint32_t>(args.Int("channels", 1, 3, d.folder.channels));
  if (d.folder.channels == 2) Fail(kExitUsage, "--channels must be 1 or 3");
  if (const std::string* filter = args.Value("filter")) {
    if (*filter == "bilinear")
      d.folder.filter = ftc_datasets::ResizeFilter::kBilinear;
    else if (*filter == "area")
      d.folder.filter = ftc_datasets::ResizeFilter::kArea;
    else
      Fail(kExitUsage, "bad --filter '" + *filter + "': expected bilinear or area");
  }
  return d;
}

double DoubleFlag(const Args& args, const char* flag, double lo, double hi, double fallback) {
  const std::string* text = args.Value(flag);
  if (!text) return fallback;
  char* end = nullptr;
  const double v = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || !(v >= lo && v <= hi))
    Fail(kExitUsage, Format("--%s must be a number in %g..%g, not '%s'", flag, lo, hi, text->c_str()));
  return v;
}

std::vector<int> IntList(const std::string& text, const char* flag, int lo, int hi) {
  std::vector<int> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    int64_t v = 0;
    if (!ParseInt(std::string_view(text).substr(start, comma - start), lo, hi, &v))
      Fail(kExitUsage, Format("--%s must list integers in %d..%d, not '%s'", flag, lo, hi, text.c_str()));
    values.push_back(static_cast<int>(v));
    start = comma + 1;
  }
  return values;
}

std::vector<std::string> ClipList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string token = text.substr(start, comma - start);
    const bool continues = !token.empty() && (std::isdigit(static_cast<unsigned char>(token[0])) ||
                                              token[0] == '-' || token[0] == '+' || token[0] == '.');
    if (continues && !items.empty())
      items.back() += "," + token;
    else
      items.push_back(token);
    start = comma + 1;
  }
  for (const std::string& clip : items) {
    ftc_clip_mode mode;
    double k;
    float lo, hi;
    if (ftc_parse_clip(clip.c_str(), &mode, &k, &lo, &hi) != FTC_OK)
      Fail(kExitUsage, "bad --clip item '" + clip +
                           "': expected sigma:K (0 < K <= 25.5, in steps of 0.1), minmax, or range:LO,HI");
  }
  return items;
}

Progress::Progress(std::string what, bool enabled)
    : what_(std::move(what)), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() {
  Finish();
}

void Progress::Finish() {
  if (drawn_ && tty_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
  enabled_ = false;
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double since_last = std::chrono::duration<double>(now - last_).count();
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  if (tty_) {
    if (since_last < 0.1 && done < total) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::fprintf(stderr, "\r%s [%s%s] %3.0f%% %llu/%llu  %.0f s, ~%.0f s left\033[K", what_.c_str(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), 100 * fraction,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), elapsed, eta);
  } else {
    if (since_last < 15 || done == total) return;
    std::fprintf(stderr, "%s: %.0f%% (%llu/%llu), %.0f s, ~%.0f s left\n", what_.c_str(), 100 * fraction,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), elapsed, eta);
  }
  std::fflush(stderr);
  drawn_ = true;
  last_ = now;
}

std::function<void(uint64_t, uint64_t)> Progress::Callback() {
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

const ftc_inference::Api& Harness() {
  ftc_inference::Failure failure;
  const ftc_inference::Api* api = ftc_inference::LoadHarness(&failure);
  if (!api) FailWith(failure);
  return *api;
}

void FailWith(const ftc_inference::Failure& failure) {
  switch (failure.problem) {
    case ftc_inference::Problem::kUsage:
      Fail(kExitUsage, failure.message);
    case ftc_inference::Problem::kData:
      Fail(kExitData, failure.message);
    case ftc_inference::Problem::kIo:
      break;
  }
  Fail(kExitIo, failure.message);
}

void MakeDirectories(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      Fail(kExitIo, prefix + ": cannot create the folder: " + std::strerror(errno));
    if (slash == std::string::npos) break;
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) Fail(kExitIo, dir + ": not a folder");
  if (access(dir.c_str(), W_OK | X_OK) != 0) Fail(kExitIo, dir + ": cannot write in it: " + std::strerror(errno));
}

void WriteTextFile(const std::string& path, const std::string& text) {
  OutputFile out(path);
  out.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  out.Commit();
}

bool DrawPlots(const std::string& script, const std::vector<std::string>& args) {
  const std::string path = ftc_inference::ScriptPath(script);
  const int status = ftc_inference::RunPython(path, args);
  if (status == 0) return true;
  // plot scripts exit with 3 when matplotlib is missing, after saying so.
  if (status != 3)
    std::fprintf(stderr, "ftc: warning: %s %s failed (exit status %d); no plots\n",
                 ftc_inference::PythonExecutable().c_str(), path.c_str(), status);
  return false;
}

}  // namespace ftc_cli

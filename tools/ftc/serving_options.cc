#include "serving_options.h"

#include <sys/stat.h>

#include "cli.h"
#include "encode_options.h"
#include "ftc_inference/resources.h"
#include "serving_flags.h"

namespace ftc_cli {
namespace {

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Text(const Args& args, const char* flag) {
  return args.Value(flag) ? *args.Value(flag) : std::string();
}

// "models/x/mid_cloud.pt" -> "mid"; "c.pt" -> "c".
std::string NameOf(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (const std::string suffix : {"_cloud.pt", ".pt"})
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return name.substr(0, name.size() - suffix.size());
  return name;
}

}  // namespace

ServingModels ServingModelsFrom(const Args& args) {
  ServingModels m;
  m.edge = Text(args, "edge");
  m.cloud = Text(args, "cloud");
  m.full = Text(args, "full");
  std::string dir = Text(args, "model");
  const bool files = !m.edge.empty() || !m.cloud.empty() || !m.full.empty();
  if (!dir.empty() && files) Fail(kExitUsage, "give either --model DIR or --edge/--cloud/--full, not both");
  if (args.Has("split") && files) Fail(kExitUsage, "--split applies to --model DIR");
  if (dir.empty() && !files) {
    dir = ftc_inference::ReferenceModelDir();
    if (!IsFile(dir + "/mid_edge.pt"))
      Fail(kExitIo,
           "the reference model is not at " + dir +
               ": train it with /usr/bin/python3 inference/train/train_reference.py, or give a model");
  }
  if (!dir.empty()) {
    m.name = args.Has("split") ? *args.Value("split") : "mid";
    m.edge = dir + "/" + m.name + "_edge.pt";
    m.cloud = dir + "/" + m.name + "_cloud.pt";
    if (!IsFile(m.edge) || !IsFile(m.cloud))
      Fail(kExitIo,
           "no split '" + m.name + "' in " + dir + " (" + m.name + "_edge.pt and " + m.name + "_cloud.pt)");
    if (IsFile(dir + "/full.pt")) m.full = dir + "/full.pt";
  } else {
    m.name = NameOf(!m.cloud.empty() ? m.cloud : !m.full.empty() ? m.full : m.edge);
  }
  return m;
}

ftc_serving::CodecChoice CodecChoiceFrom(const Args& args) {
  const ftc_encoder_settings s = EncoderSettingsFrom(args);
  ftc_serving::CodecChoice c;
  c.codec = s.codec;
  if (c.codec == "auto") c.codec = ftc_backend_at(0)->name;
  c.implementation = s.implementation ? s.implementation : "";
  c.quality = s.quality;
  c.bits = s.bits;
  c.clip = Text(args, "clip").empty() ? "sigma:3" : Text(args, "clip");
  c.per_channel = s.per_channel;
  c.max_error = s.max_error;
  c.lossless = s.lossless;
  c.options = Text(args, "options");
  c.gop = static_cast<int>(args.Int("gop", 1, 65535, 1));
  return c;
}

std::chrono::milliseconds SecondsFlag(const Args& args, const char* flag, double fallback) {
  return std::chrono::milliseconds(static_cast<int64_t>(DoubleFlag(args, flag, 0, 1e6, fallback) * 1000));
}

ftc_serving::DeviceOptions DeviceOptionsFrom(const Args& args, const ServingModels& models) {
  ftc_serving::DeviceOptions o;
  o.server = args.Value("server") ? *args.Value("server") : kDefaultServer;
  o.edge = models.edge;
  o.cloud = models.cloud;
  o.full = models.full;
  o.data = DataOptionsFrom(args);
  o.offset = static_cast<uint64_t>(args.Int("offset", 0, INT64_MAX, 0));
  o.frames = static_cast<uint64_t>(args.Int("frames", 0, INT64_MAX, 0));
  o.image_quality = static_cast<int>(args.Int("image-quality", 1, 100, 90));
  o.top_k = static_cast<uint32_t>(args.Int("top-k", 1, 1000, 5));
  o.connect_timeout = SecondsFlag(args, "connect-timeout", 10);
  return o;
}

}  // namespace ftc_cli

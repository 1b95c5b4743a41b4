#include "encode_options.h"

#include <cstring>

#include "cli.h"

namespace ftc_cli {
namespace {

constexpr const char* kEncoderFlagNames[] = {"codec",     "quality", "bits",    "clip",    "per-channel",
                                             "max-error", "options", "encoder", "lossless"};

bool IsEncodingCodec(const std::string& name) {
  return ftc_backend_find_implementation(name.c_str(), nullptr, FTC_CAP_ENCODE) != nullptr;
}

}  // namespace

std::string EncodingCodecNames() {
  std::string names;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if (ftc_backend_find_implementation(b->name, nullptr, FTC_CAP_ENCODE) != b) continue;  // its first encoder
    if (!names.empty()) names += ", ";
    names += b->name;
  }
  return names;
}

std::string ImplementationNames(const std::string& codec, uint32_t capability) {
  std::string names;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if (codec != b->name || !(b->capabilities & capability)) continue;
    if (!names.empty()) names += ", ";
    names += b->implementation;
  }
  return names;
}

std::string ClipText(ftc_clip_mode mode, double sigma_k, float lo, float hi) {
  switch (mode) {
    case FTC_CLIP_SIGMA:
      return Format("sigma:%g", sigma_k);
    case FTC_CLIP_MINMAX:
      return "minmax";
    case FTC_CLIP_RANGE:
      return Format("range:%.9g,%.9g", lo, hi);
  }
  return "unknown";
}

std::vector<Flag> EncoderFlags() {
  const ftc_encoder_settings d = ftc::DefaultEncoderSettings();
  return {
      {"codec", 0, "NAME",
       "codec: " + EncodingCodecNames() + ", or auto (default " + d.codec +
           (IsEncodingCodec(d.codec) ? ")" : ", which this build lacks)")},
      {"quality", 0, "Q",
       Format("quality 1..100 for lossy codecs, higher is better (default %d)", d.quality)},
      {"bits", 0, "B", Format("quantiser bits 1..8 (default %d)", d.bits)},
      {"clip", 0, "SPEC",
       "clip range: sigma:K, minmax or range:LO,HI (default " +
           ClipText(d.clip, d.sigma_k, d.range_lo, d.range_hi) + ")"},
      {"per-channel", 0, "", "one clip range per channel instead of one per tensor"},
      {"max-error", 0, "E",
       Format("near-lossless bound in quantisation levels, for codecs that have one (default %d)",
              d.max_error)},
      {"options", 0, "K=V,...",
       "codec-specific options, passed to the codec (an unknown key is an error), e.g. huffman=standard for "
       "jpeg, preset=fast for x264 and x265, or their own options by name (trellis=0)"},
      {"encoder", 0, "IMPL",
       "which library encodes the codec when several can (h264: x264 or openh264; default: the first built)"},
      {"lossless", 0, "", "code the quantised levels exactly (raw, lossless; h264 by x264, hevc by x265)"},
  };
}

bool HasEncoderFlags(const Args& args) {
  for (const char* name : kEncoderFlagNames)
    if (args.Has(name)) return true;
  return false;
}

ftc_encoder_settings EncoderSettingsFrom(const Args& args) {
  ftc_encoder_settings s = ftc::DefaultEncoderSettings();
  if (const std::string* codec = args.Value("codec")) {
    if (*codec != "auto" && !IsEncodingCodec(*codec))
      Fail(kExitUsage, "unknown codec '" + *codec + "' (built: " + EncodingCodecNames() + ", auto)");
    s.codec = codec->c_str();
  }
  if (const std::string* encoder = args.Value("encoder")) {
    const std::string codec = s.codec;
    if (codec == "auto") Fail(kExitUsage, "--encoder needs --codec");
    if (ftc_backend_find_implementation(s.codec, encoder->c_str(), FTC_CAP_ENCODE) == nullptr)
      Fail(kExitUsage, "--encoder " + *encoder + ": codec " + codec + " is encoded by " +
                           ImplementationNames(codec, FTC_CAP_ENCODE) + " in this build");
    s.implementation = encoder->c_str();
  }
  s.lossless = args.Has("lossless") ? 1 : 0;
  s.quality = static_cast<int>(args.Int("quality", 1, 100, s.quality));
  s.bits = static_cast<int>(args.Int("bits", 1, 8, s.bits));
  if (const std::string* clip = args.Value("clip")) {
    if (ftc_parse_clip(clip->c_str(), &s.clip, &s.sigma_k, &s.range_lo, &s.range_hi) != FTC_OK)
      Fail(kExitUsage, "bad --clip '" + *clip +
                           "': expected sigma:K (0 < K <= 25.5, in steps of 0.1), minmax, or range:LO,HI "
                           "(finite LO < HI)");
  }
  s.per_channel = args.Has("per-channel") ? 1 : 0;
  s.max_error = static_cast<int>(args.Int("max-error", 0, 255, s.max_error));
  if (const std::string* options = args.Value("options")) s.options = options->c_str();
  s.threads = ThreadsFrom(args);
  return s;
}

Encoder CreateEncoder(const ftc_encoder_settings& settings) {
  try {
    return Encoder(settings);
  } catch (const ftc::Error& e) {
    Fail(e.code() == FTC_ERROR_OUT_OF_MEMORY || e.code() == FTC_ERROR_INTERNAL ? kExitIo : kExitUsage,
         e.what());
  }
}

Flag DtypeFlag() {
  return {"dtype", 0, "T",
          "element type of the input: f32, f16 or bf16 (needed for bfloat16 stored as '<u2')"};
}

std::optional<ftc_dtype> DtypeFrom(const Args& args) {
  const std::string* text = args.Value("dtype");
  if (text == nullptr) return std::nullopt;
  if (*text == "f32" || *text == "float32") return FTC_DTYPE_FLOAT32;
  if (*text == "f16" || *text == "float16") return FTC_DTYPE_FLOAT16;
  if (*text == "bf16" || *text == "bfloat16") return FTC_DTYPE_BFLOAT16;
  Fail(kExitUsage, "bad --dtype '" + *text + "': expected f32, f16 or bf16");
}

Flag ThreadsFlag() {
  return {"threads", 0, "T", "worker threads for a batch; 0 is one per core (default 0)"};
}

int ThreadsFrom(const Args& args) {
  return static_cast<int>(args.Int("threads", 0, 4096, 0));
}

}  // namespace ftc_cli

// ftc encode: .npy -> .ftc. A batch coded by a video codec becomes the frames of one stream.
#include <cstdio>
#include <optional>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "tensor.h"

namespace ftc_cli {
namespace {

constexpr const char* kStreamFlags[] = {"gop", "stream-range", "calibration"};

bool IsVideoCodec(const ftc_encoder_settings& s) {
  return ftc_backend_find_implementation(s.codec, s.implementation, FTC_CAP_ENCODE | FTC_CAP_VIDEO) != nullptr;
}

// --stream-range as the library's mode; "batch" is a fixed range calibrated on the input itself.
ftc_stream_range StreamRangeFrom(const Args& args, bool* batch) {
  const std::string* text = args.Value("stream-range");
  const std::string mode = text ? *text : (args.Has("calibration") ? "fixed" : "batch");
  *batch = mode == "batch";
  if (args.Has("calibration") && mode != "fixed")
    Fail(kExitUsage, "--calibration fixes the range: it goes with --stream-range fixed, not " + mode);
  if (mode == "batch" || mode == "fixed") return FTC_STREAM_RANGE_FIXED;
  if (mode == "first") return FTC_STREAM_RANGE_FIRST;
  if (mode == "keyframe") return FTC_STREAM_RANGE_KEYFRAME;
  Fail(kExitUsage, "bad --stream-range '" + mode + "': expected batch, first, keyframe or fixed");
}

}  // namespace

CommandSpec EncodeSpec() {
  CommandSpec spec;
  spec.operands = "IN.npy -o OUT.ftc [options]";
  spec.description =
      "Quantises the tensor in IN.npy (C×H×W or N×C×H×W; float32 '<f4', float16 '<f2', or bfloat16\n"
      "stored as '<u2' with --dtype bf16) to at most 8 bits, tiles each item into an 8-bit mosaic\n"
      "plane, codes the plane and writes a .ftc file. Prints nothing on success unless --verbose.\n"
      "With a video codec (h264, hevc) the N items are the frames of one stream, coded with inter\n"
      "prediction; the clip range is then the same for every frame (or changes only at key frames).\n";
  spec.positional = {"IN.npy"};
  spec.required_positional = 1;
  spec.flags = {{"output", 'o', "OUT.ftc", "the .ftc file to write ('-': stdout)", true}};
  for (Flag& f : EncoderFlags()) spec.flags.push_back(std::move(f));
  spec.flags.push_back({"target-bytes", 0, "B",
                        "instead of --quality: the largest file of at most B bytes per item (frame), found by a "
                        "search over the quality (jpeg, h264, hevc); an error when even quality 1 is larger"});
  spec.flags.push_back({"gop", 0, "N", "video codecs: a key frame every N frames, 1..65535 (default 30)"});
  spec.flags.push_back({"stream-range", 0, "MODE",
                        "video codecs: the clip range of the stream: batch (of the whole input; default), "
                        "first (of the first frame), keyframe (recomputed at each key frame), or fixed "
                        "(--clip range:LO,HI or --calibration)"});
  spec.flags.push_back({"calibration", 0, "FILE.npy",
                        "video codecs: sample tensors (C×H×W or N×C×H×W) whose clip range, computed with "
                        "--clip and --per-channel, is fixed for the stream"});
  spec.flags.push_back(DtypeFlag());
  spec.flags.push_back(ThreadsFlag());
  spec.flags.push_back(
      {"verbose", 'v', "", "print one line to stderr: codec, shape, bytes, bits per element"});
  return spec;
}

int RunEncode(const Args& args) {
  ftc_encoder_settings settings = EncoderSettingsFrom(args);
  settings.target_bytes = static_cast<uint64_t>(args.Int("target-bytes", 1, INT64_MAX, 0));
  const bool video = IsVideoCodec(settings);
  for (const char* flag : kStreamFlags)
    if (args.Has(flag) && !video) Fail(kExitUsage, std::string("--") + flag + " applies to video codecs (h264, hevc)");
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = static_cast<int>(args.Int("gop", 1, 65535, stream.gop));
  bool batch = false;
  stream.range = StreamRangeFrom(args, &batch);
  const std::optional<ftc_dtype> dtype = DtypeFrom(args);
  // Bad settings are usage errors before any input is read; a video encoder may need the input to calibrate.
  std::optional<Encoder> encoder;
  if (!video) encoder.emplace(CreateEncoder(settings));
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  OutputFile out(*args.Value("output"));
  const HostTensor tensor = LoadNpyTensor(in, dtype);
  const ftc_tensor view = tensor.View();
  HostTensor calibration;
  ftc_tensor calibration_view{};
  if (const std::string* path = args.Value("calibration")) {
    calibration = LoadNpyTensor(*path, dtype);
    calibration_view = calibration.View();
    stream.calibration = &calibration_view;
  } else if (batch) {
    stream.calibration = &view;
  }
  if (video) {
    settings.stream = &stream;
    encoder.emplace(CreateEncoder(settings));
  }
  const ftc::Bytes file = Checked(in_name, [&] { return encoder->Encode(view); });
  out.Write(file.span());
  out.Commit();
  if (args.Has("verbose")) {
    Decoder decoder = Checked("decoder", [] { return NewDecoder(); });
    const ftc_info info = Checked("the encoded file", [&] { return decoder.Info(file.span()); });
    const std::string quality = info.quality ? Format(", quality %d", info.quality) : "";
    std::fprintf(stderr, "%s: %s%s, %s %s, %llu bytes, %.4f bits per element\n", out.path().c_str(), info.codec,
                 quality.c_str(), ShapeText(tensor.shape).c_str(), ftc_dtype_name(tensor.dtype),
                 static_cast<unsigned long long>(info.total_bytes), info.bits_per_element);
  }
  return kExitOk;
}

}  // namespace ftc_cli

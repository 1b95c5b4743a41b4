// ftc decode: .ftc -> .npy of the original dtype and shape.
#include <set>
#include <string>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "library.h"
#include "npy.h"

namespace ftc_cli {
namespace {

bool IsDecoder(const std::string& implementation) {
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if ((b->capabilities & FTC_CAP_DECODE) && implementation == b->implementation) return true;
  }
  return implementation == "auto";
}

// "libjpeg-turbo, ftc, avcodec, openh264": the distinct decoding implementations.
std::string DecoderNames() {
  std::set<std::string> seen;
  std::string names;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    if (!(b->capabilities & FTC_CAP_DECODE) || !seen.insert(b->implementation).second) continue;
    names += (names.empty() ? "" : ", ") + std::string(b->implementation);
  }
  return names;
}

}  // namespace

CommandSpec DecodeSpec() {
  CommandSpec spec;
  spec.operands = "IN.ftc -o OUT.npy [options]";
  spec.description =
      "Decodes IN.ftc and writes the tensor with its original shape and dtype: '<f4' for float32, '<f2'\n"
      "for float16, '<u2' for bfloat16 (read it back with --dtype bf16), as a .npy file of version 1.0.\n"
      "A stream (h264, hevc) of N frames decodes to N×C×H×W.\n";
  spec.positional = {"IN.ftc"};
  spec.required_positional = 1;
  spec.flags = {{"output", 'o', "OUT.npy", "the .npy file to write ('-': stdout)", true},
                {"decoder", 0, "IMPL",
                 "which library decodes the file's codec when several can (h264: avcodec or openh264; default: "
                 "the first built)"},
                ThreadsFlag()};
  return spec;
}

int RunDecode(const Args& args) {
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  const std::string* implementation = args.Value("decoder");
  if (implementation && !IsDecoder(*implementation))
    Fail(kExitUsage, "--decoder " + *implementation + " is not a decoder of this build (" + DecoderNames() + ")");
  Decoder decoder =
      Checked("decoder", [&] { return NewDecoder(ThreadsFrom(args), implementation ? *implementation : ""); });
  OutputFile out(*args.Value("output"));
  const std::vector<uint8_t> file = ReadInput(in, kMaxFtcFileBytes, "a .ftc file");
  const ftc::Tensor tensor = Checked(in_name, [&] { return decoder.Decode(file); });
  const std::vector<uint64_t> shape = tensor.shape();
  out.Write(NpyHeader(tensor.dtype(), shape));
  out.Write({static_cast<const uint8_t*>(tensor.data()), tensor.bytes()});
  out.Commit();
  return kExitOk;
}

}  // namespace ftc_cli

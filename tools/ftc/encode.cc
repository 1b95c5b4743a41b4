// ftc encode: .npy -> .ftc.
#include <cstdio>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "tensor.h"

namespace ftc_cli {

CommandSpec EncodeSpec() {
  CommandSpec spec;
  spec.operands = "IN.npy -o OUT.ftc [options]";
  spec.description =
      "Quantises the tensor in IN.npy (C×H×W or N×C×H×W; float32 '<f4', float16 '<f2', or bfloat16\n"
      "stored as '<u2' with --dtype bf16) to at most 8 bits, tiles each item into an 8-bit mosaic\n"
      "plane, codes the plane and writes a .ftc file. Prints nothing on success unless --verbose.\n";
  spec.positional = {"IN.npy"};
  spec.required_positional = 1;
  spec.flags = {{"output", 'o', "OUT.ftc", "the .ftc file to write ('-': stdout)", true}};
  for (Flag& f : EncoderFlags()) spec.flags.push_back(std::move(f));
  spec.flags.push_back(DtypeFlag());
  spec.flags.push_back(ThreadsFlag());
  spec.flags.push_back(
      {"verbose", 'v', "", "print one line to stderr: codec, shape, bytes, bits per element"});
  return spec;
}

int RunEncode(const Args& args) {
  const ftc_encoder_settings settings = EncoderSettingsFrom(args);
  const std::optional<ftc_dtype> dtype = DtypeFrom(args);
  Encoder encoder = CreateEncoder(settings);
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  OutputFile out(*args.Value("output"));
  const HostTensor tensor = LoadNpyTensor(in, dtype);
  const ftc::Bytes file = Checked(in_name, [&] { return encoder.Encode(tensor.View()); });
  out.Write(file.span());
  out.Commit();
  if (args.Has("verbose")) {
    Decoder decoder = Checked("decoder", [] { return NewDecoder(); });
    const ftc_info info = Checked("the encoded file", [&] { return decoder.Info(file.span()); });
    std::fprintf(stderr, "%s: %s, %s %s, %llu bytes, %.4f bits per element\n", out.path().c_str(), info.codec,
                 ShapeText(tensor.shape).c_str(), ftc_dtype_name(tensor.dtype),
                 static_cast<unsigned long long>(info.total_bytes), info.bits_per_element);
  }
  return kExitOk;
}

}  // namespace ftc_cli

// ftc decode: .ftc -> .npy of the original dtype and shape.
#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "library.h"
#include "npy.h"

namespace ftc_cli {

CommandSpec DecodeSpec() {
  CommandSpec spec;
  spec.operands = "IN.ftc -o OUT.npy [options]";
  spec.description =
      "Decodes IN.ftc and writes the tensor with its original shape and dtype: '<f4' for float32, '<f2'\n"
      "for float16, '<u2' for bfloat16 (read it back with --dtype bf16), as a .npy file of version 1.0.\n";
  spec.positional = {"IN.ftc"};
  spec.required_positional = 1;
  spec.flags = {{"output", 'o', "OUT.npy", "the .npy file to write ('-': stdout)", true}, ThreadsFlag()};
  return spec;
}

int RunDecode(const Args& args) {
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  Decoder decoder = Checked("decoder", [&] { return NewDecoder(ThreadsFrom(args)); });
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

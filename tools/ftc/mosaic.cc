// ftc mosaic: the 8-bit plane a codec codes, as a greyscale PNG, pixel for pixel.
#include <algorithm>
#include <cstring>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "library.h"
#include "npy.h"
#include "png.h"
#include "tensor.h"

namespace ftc_cli {
namespace {

bool IsFtc(std::span<const uint8_t> file) {
  return file.size() >= 3 && std::memcmp(file.data(), "FTC", 3) == 0;
}

void CheckIndex(uint64_t index, uint64_t batch) {
  if (index >= batch)
    Fail(kExitUsage, Format("--index %llu is out of range: the tensor holds %llu item%s",
                            static_cast<unsigned long long>(index), static_cast<unsigned long long>(batch),
                            batch == 1 ? "" : "s"));
}

// The plane of a .npy tensor, quantised and tiled by an encoder with the given settings.
ftc::Plane PlaneOfTensor(std::vector<uint8_t> file, const std::string& name, const Args& args,
                         uint64_t index) {
  const ftc_encoder_settings settings = EncoderSettingsFrom(args);
  Encoder encoder = CreateEncoder(settings);
  const HostTensor tensor = TensorFromNpy(std::move(file), DtypeFrom(args), name);
  CheckIndex(index, tensor.shape.size() == 4 ? tensor.shape[0] : 1);
  return Checked(name, [&] { return encoder.Mosaic(tensor.View(), index); });
}

// The plane of a .ftc file, as its backend decodes it.
ftc::Plane PlaneOfFile(const std::vector<uint8_t>& file, const std::string& name, const Args& args,
                       uint64_t index) {
  if (HasEncoderFlags(args) || args.Has("dtype"))
    Fail(kExitUsage, "encoder options and --dtype apply to a .npy input, and " + name + " is a .ftc file");
  Decoder decoder = Checked("decoder", [] { return NewDecoder(); });
  const ftc_info info = Checked(name, [&] { return decoder.Info(file); });
  CheckIndex(index, info.rank == 4 ? info.shape[0] : 1);
  return Checked(name, [&] { return decoder.Mosaic(file, index); });
}

}  // namespace

CommandSpec MosaicSpec() {
  CommandSpec spec;
  spec.operands = "IN.npy|IN.ftc -o OUT.png [options]";
  spec.description =
      "Writes the 8-bit plane exactly as the backend codes it, one pixel per byte, as a greyscale PNG:\n"
      "from a .npy tensor as the encoder would quantise and tile it with the given options (so alignment\n"
      "and level spreading match the codec), or from a .ftc file as its backend decodes it. The kind of\n"
      "input is told by its content. For a batch, the plane of item --index (default 0).\n";
  spec.positional = {"IN"};
  spec.required_positional = 1;
  spec.flags = {{"output", 'o', "OUT.png", "the PNG file to write ('-': stdout)", true},
                {"index", 0, "I", "batch item to show (default 0)"}};
  for (Flag& f : EncoderFlags()) spec.flags.push_back(std::move(f));
  spec.flags.push_back(DtypeFlag());
  return spec;
}

int RunMosaic(const Args& args) {
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  const uint64_t index = static_cast<uint64_t>(args.Int("index", 0, INT64_MAX, 0));
  OutputFile out(*args.Value("output"));
  std::vector<uint8_t> file =
      ReadInput(in, std::max(MaxNpyFileBytes(), kMaxFtcFileBytes), "a .npy or .ftc file");
  ftc::Plane plane;
  if (IsNpy(file)) {
    plane = PlaneOfTensor(std::move(file), in_name, args, index);
  } else if (IsFtc(file)) {
    plane = PlaneOfFile(file, in_name, args, index);
  } else {
    Fail(kExitData, in_name + ": neither a .npy file nor a .ftc file");
  }
  std::vector<uint8_t> png;
  std::string error;
  if (!EncodeGreyPng(plane.data(), plane.width(), plane.height(), &png, &error)) Fail(kExitIo, error);
  out.Write(png);
  out.Commit();
  return kExitOk;
}

}  // namespace ftc_cli

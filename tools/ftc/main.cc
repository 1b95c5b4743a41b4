// ftc — the command-line tool of the feature-tensor codec. It uses only the public API (ftc/ftc.hpp).
//
// The commands are listed in one table below; each lives in its own file and is declared in commands.h.
// Adding a command takes a file, a line in the table and a line in tools/CMakeLists.txt.
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "args.h"
#include "cli.h"
#include "commands.h"
#include "fileio.h"
#include "png.h"

namespace ftc_cli {
namespace {

struct Command {
  const char* name;
  const char* summary;  // one line for `ftc --help`
  CommandSpec (*spec)();
  int (*run)(const Args& args);
};

constexpr Command kCommands[] = {
    {"encode", "quantise and code a .npy tensor into a .ftc file", EncodeSpec, RunEncode},
    {"decode", "decode a .ftc file into a .npy tensor of the original dtype and shape", DecodeSpec,
     RunDecode},
    {"info", "describe a .ftc file: tensor, codec, quantiser, mosaic and sizes", InfoSpec, RunInfo},
    {"mosaic", "write the 8-bit plane a codec codes, as a greyscale PNG", MosaicSpec, RunMosaic},
    {"demo", "encode a sample tensor with every built codec and compare them", DemoSpec, RunDemo},
    {"bench", "encode and decode speed, size and the codec library's share of the time, per codec and setting",
     BenchSpec, RunBench},
    {"rd", "rate–accuracy of every codec on a split model and a dataset, with baselines and plots", RdSpec,
     RunRd},
    {"analyze", "split-point properties of a model: sizes, edge compute, value statistics, compressibility",
     AnalyzeSpec, RunAnalyze},
    {"serve", "the cloud server of split inference: features from edge devices over gRPC, batched, answered",
     ServeSpec, RunServe},
    {"edge", "edge devices: run the edge part, code and send the features to ftc serve, time every frame",
     EdgeSpec, RunEdge},
    {"latency", "total inference time against upload rate: edge-only, cloud-only and split (the paper's Figure 2)",
     LatencySpec, RunLatency},
};

CommandSpec SpecOf(const Command& c) {
  CommandSpec spec = c.spec();
  spec.name = c.name;
  return spec;
}

std::string Capabilities(uint32_t caps) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {FTC_CAP_ENCODE, "encode"},     {FTC_CAP_DECODE, "decode"},
      {FTC_CAP_LOSSLESS, "lossless"}, {FTC_CAP_NEAR_LOSSLESS, "near-lossless"},
      {FTC_CAP_QUALITY, "quality"},   {FTC_CAP_VIDEO, "video"},
      {FTC_CAP_LOSSLESS_MODE, "lossless-mode"}};
  std::string text;
  for (const auto& [bit, name] : kNames) {
    if (!(caps & bit)) continue;
    if (!text.empty()) text += ',';
    text += name;
  }
  return text;
}

void PrintVersion() {
  std::printf("ftc %d.%d.%d (library %s, ABI %u, container format %u)\n", FTC_VERSION_MAJOR,
              FTC_VERSION_MINOR, FTC_VERSION_PATCH, ftc_version_string(), ftc_abi_version(),
              ftc_format_version());
  std::printf("%s\n", PngLibraryVersion().c_str());
  std::printf("SIMD kernels: %s (FTC_CPU_LEVEL=scalar|sse4|avx2|avx512|neon sets a lower level)\n",
              ftc_cpu_level());
  std::printf("backends (codec, implementation), in preference order:\n");
  size_t name_width = 4, caps_width = 12, implementation_width = 4;
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    name_width = std::max(name_width, std::string(ftc_backend_at(i)->name).size());
    caps_width = std::max(caps_width, Capabilities(ftc_backend_at(i)->capabilities).size());
    implementation_width = std::max(implementation_width, std::string(ftc_backend_at(i)->implementation).size());
  }
  for (size_t i = 0; i < ftc_backend_count(); ++i) {
    const ftc_backend_info* b = ftc_backend_at(i);
    std::printf("  %-*s  id %-2u  align %-2u  %-*s  %-*s  %s\n", static_cast<int>(name_width), b->name, b->id,
                b->block_align, static_cast<int>(caps_width), Capabilities(b->capabilities).c_str(),
                static_cast<int>(implementation_width), b->implementation, b->library);
  }
}

std::string MainHelp() {
  std::string text =
      "usage: ftc COMMAND [arguments] [options]\n"
      "       ftc COMMAND --help     (the options of one command)\n"
      "       ftc --version          (library, format and backend versions: include it in bug reports)\n"
      "\n"
      "Feature-tensor codec: quantises float feature tensors to at most 8 bits, tiles them into an 8-bit\n"
      "mosaic plane and codes it with an image codec into a self-describing .ftc file. In file arguments,\n"
      "'-' is stdin or stdout.\n"
      "\n"
      "commands:\n";
  for (const Command& c : kCommands) {
    const CommandSpec spec = SpecOf(c);
    text += "  ftc " + spec.name + " " + spec.operands + "\n      " + c.summary + "\n";
  }
  return text + "\n" + kExitStatusHelp;
}

// The message with control characters (which can come from a damaged file's header) written as \xNN, so
// that an error is always one line.
std::string OneLine(const std::string& message) {
  std::string line;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    line += byte < 0x20 || byte == 0x7f ? Format("\\x%02x", byte) : std::string(1, c);
  }
  return line;
}

int Run(const std::vector<std::string>& argv, const Command** current) {
  if (argv.empty()) Fail(kExitUsage, "missing command");
  const std::string& first = argv[0];
  if (first == "--help" || first == "-h") {
    std::fputs(MainHelp().c_str(), stdout);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    PrintVersion();
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (first != c.name) continue;
    *current = &c;
    const CommandSpec spec = SpecOf(c);
    const Args args = ParseArgs(spec, std::span(argv).subspan(1));
    if (args.help()) {
      std::fputs(HelpText(spec).c_str(), stdout);
      return kExitOk;
    }
    return c.run(args);
  }
  Fail(kExitUsage, (first[0] == '-' ? "unknown flag " : "unknown command ") + first);
}

}  // namespace
}  // namespace ftc_cli

int main(int argc, char** argv) {
  using namespace ftc_cli;
  InstallSignalHandlers();
  const Command* current = nullptr;
  int status = kExitIo;
  std::string message;
  try {
    status = Run(std::vector<std::string>(argv + 1, argv + argc), &current);
  } catch (const Failure& f) {
    status = f.status();
    message = f.what();
    if (status == kExitUsage)
      message += current ? std::string(" (see 'ftc ") + current->name + " --help')" : " (see 'ftc --help')";
  } catch (const ftc::Error& e) {
    status = StatusOfResult(e.code());
    message = e.what();
  } catch (const std::bad_alloc&) {
    message = "out of memory";
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
  }
  if (!message.empty()) std::fprintf(stderr, "ftc: error: %s\n", OneLine(message).c_str());
  if (std::fflush(stdout) != 0 && status == kExitOk) {
    std::fprintf(stderr, "ftc: error: cannot write to stdout\n");
    status = kExitIo;
  }
  return status;
}

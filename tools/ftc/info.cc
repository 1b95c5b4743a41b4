// ftc info: what a .ftc file holds, as readable text or as one JSON object (--json).
#include <cmath>
#include <cstdio>
#include <span>

#include "cli.h"
#include "commands.h"
#include "encode_options.h"
#include "fileio.h"
#include "json.h"
#include "library.h"

namespace ftc_cli {
namespace {

// clip_lo / clip_hi: one number per tensor, an array of C numbers per channel.
std::string JsonClipBounds(const ftc_info& info, const float* values) {
  if (!info.per_channel) return JsonNumber(values[0], 9);
  std::string out = "[";
  for (uint32_t i = 0; i < info.clip_count; ++i) out += (i ? ", " : "") + JsonNumber(values[i], 9);
  return out + "]";
}

std::string InfoClipText(const ftc_info& info) {
  return ClipText(info.clip, info.sigma_k, info.clip_lo[0], info.clip_hi[0]);
}

uint64_t Elements(const ftc_info& info) {
  uint64_t n = 1;
  for (uint32_t i = 0; i < info.rank; ++i) n *= info.shape[i];
  return n;
}

void PrintJson(const ftc_info& info) {
  std::string shape = "[";
  for (uint32_t i = 0; i < info.rank; ++i) shape += (i ? ", " : "") + std::to_string(info.shape[i]);
  shape += "]";
  const auto u = [](uint64_t v) { return std::to_string(v); };
  const JsonField fields[] = {
      {"format_version", u(info.format_version)},
      {"shape", shape},
      {"dtype", JsonString(ftc_dtype_name(info.dtype))},
      {"codec", JsonString(info.codec)},
      {"codec_id", u(info.codec_id)},
      {"quality", std::to_string(info.quality)},
      {"bits", std::to_string(info.bits)},
      {"clip", JsonString(InfoClipText(info))},
      {"per_channel", info.per_channel ? "true" : "false"},
      {"clip_lo", JsonClipBounds(info, info.clip_lo)},
      {"clip_hi", JsonClipBounds(info, info.clip_hi)},
      {"max_error", std::to_string(info.max_error)},
      {"tile_grid", "[" + u(info.tile_rows) + ", " + u(info.tile_cols) + "]"},
      {"plane", "[" + u(info.plane_width) + ", " + u(info.plane_height) + "]"},
      {"bands", u(info.bands)},
      {"elements", u(Elements(info))},
      {"header_bytes", u(info.header_bytes)},
      {"payload_bytes", u(info.payload_bytes)},
      {"total_bytes", u(info.total_bytes)},
      {"bits_per_element", JsonNumber(info.bits_per_element, 17)},
      {"frames", u(info.rank == 4 ? info.shape[0] : 1)},
      {"key_frames", u(info.key_frames)},
      {"gop", u(info.gop)},
      {"ranges_per_key_frame", info.ranges_per_key_frame ? "true" : "false"},
  };
  std::printf("%s\n", JsonObject(fields).c_str());
}

void PrintText(const std::string& name, const ftc_info& info) {
  const uint64_t elements = Elements(info);
  const std::vector<uint64_t> shape(info.shape, info.shape + info.rank);
  const auto row = [](const char* label, const std::string& value) {
    std::printf("%-12s %s\n", label, value.c_str());
  };
  row("file", name);
  row("format", Format("version %u", info.format_version));
  row("tensor", Format("%s %s, %llu elements", ShapeText(shape).c_str(), ftc_dtype_name(info.dtype),
                       static_cast<unsigned long long>(elements)));
  if (info.format_version == 2)  // the stream form
    row("stream", Format("%llu frames, %llu key frames, key-frame interval %u, clip ranges %s",
                         static_cast<unsigned long long>(info.rank == 4 ? info.shape[0] : 1),
                         static_cast<unsigned long long>(info.key_frames), info.gop,
                         info.ranges_per_key_frame ? "in every key frame (the first's below)" : "in the header"));
  row("codec", Format("%s (id %u)", info.codec, info.codec_id) +
                   (info.quality ? Format(", quality %d", info.quality) : std::string()) +
                   (info.max_error ? Format(", max error %d levels", info.max_error) : std::string()));
  row("quantiser", Format("%d bits, clip %s, %s", info.bits, InfoClipText(info).c_str(),
                          info.per_channel ? "one range per channel" : "one range per tensor"));
  constexpr uint32_t kShown = 8;
  for (uint32_t i = 0; i < info.clip_count && i < kShown; ++i) {
    const std::string label = info.per_channel ? Format("channel %u", i) : std::string("range");
    row("", Format("%-10s [%.6g, %.6g]", label.c_str(), info.clip_lo[i], info.clip_hi[i]));
  }
  if (info.clip_count > kShown) row("", Format("... and %u more channels", info.clip_count - kShown));
  row("mosaic",
      Format("%u x %u tiles (rows x columns) of %llux%llu, plane %u x %u (width x height)", info.tile_rows,
             info.tile_cols, static_cast<unsigned long long>(shape[shape.size() - 2]),
             static_cast<unsigned long long>(shape.back()), info.plane_width, info.plane_height) +
          (info.bands > 1 ? Format(", %u bands coded on their own", info.bands) : std::string()));
  const double original = static_cast<double>(elements) * static_cast<double>(ftc_dtype_size(info.dtype));
  row("size",
      Format("%llu bytes = %llu header + %llu payload", static_cast<unsigned long long>(info.total_bytes),
             static_cast<unsigned long long>(info.header_bytes),
             static_cast<unsigned long long>(info.payload_bytes)));
  row("rate", Format("%.4f bits per element, %.2f:1 against %s", info.bits_per_element,
                     original / static_cast<double>(info.total_bytes), ftc_dtype_name(info.dtype)));
}

}  // namespace

CommandSpec InfoSpec() {
  CommandSpec spec;
  spec.operands = "IN.ftc [--json]";
  spec.description =
      "Describes a .ftc file without decoding its payload (the header and checksum are verified).\n"
      "--json prints one JSON object with the keys format_version, shape, dtype, codec, codec_id,\n"
      "quality, bits, clip, per_channel, clip_lo, clip_hi (arrays when per channel), max_error,\n"
      "tile_grid [rows, cols], plane [width, height], bands, elements, header_bytes, payload_bytes,\n"
      "total_bytes, bits_per_element, frames, key_frames, gop, ranges_per_key_frame (the last four\n"
      "describe a stream; in a file of format 1 every item is a key frame and gop is 1).\n";
  spec.positional = {"IN.ftc"};
  spec.required_positional = 1;
  spec.flags = {{"json", 0, "", "print one JSON object instead of text"}};
  return spec;
}

int RunInfo(const Args& args) {
  const std::string& in = args.positional()[0];
  const std::string in_name = in == "-" ? "stdin" : in;
  const std::vector<uint8_t> file = ReadInput(in, kMaxFtcFileBytes, "a .ftc file");
  Decoder decoder = Checked("decoder", [] { return NewDecoder(); });
  const ftc_info info = Checked(in_name, [&] { return decoder.Info(file); });
  if (args.Has("json")) {
    PrintJson(info);
  } else {
    PrintText(in_name, info);
  }
  return kExitOk;
}

}  // namespace ftc_cli

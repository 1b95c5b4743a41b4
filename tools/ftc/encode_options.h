// The flags that choose how a tensor is encoded, shared by every command that encodes (encode, mosaic), and
// the input flags --dtype and --threads. Defaults come from ftc_encoder_default_settings().
#ifndef FTC_TOOLS_ENCODE_OPTIONS_H
#define FTC_TOOLS_ENCODE_OPTIONS_H

#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "ftc/ftc.hpp"
#include "library.h"

namespace ftc_cli {

// --codec, --quality, --bits, --clip, --per-channel, --max-error, --options, --encoder, --lossless.
std::vector<Flag> EncoderFlags();
bool HasEncoderFlags(const Args& args);

// Settings from the flags; its strings point into `args`, which must outlive them. Fails with kExitUsage.
ftc_encoder_settings EncoderSettingsFrom(const Args& args);

// An encoder for `settings`; the library's objections to them are usage errors.
Encoder CreateEncoder(const ftc_encoder_settings& settings);

// --dtype f32|f16|bf16: what the input .npy holds ('<u2' needs bf16).
Flag DtypeFlag();
std::optional<ftc_dtype> DtypeFrom(const Args& args);

// --threads T (0: one per core).
Flag ThreadsFlag();
int ThreadsFrom(const Args& args);

// Names of the built codecs (formats) that can encode, in preference order: "jpeg, lossless, raw, h264, hevc".
std::string EncodingCodecNames();

// The built implementations of `codec` that have `capability` (FTC_CAP_ENCODE or _DECODE): "x264, openh264".
std::string ImplementationNames(const std::string& codec, uint32_t capability);

// The clip mode as it is written on the command line: "sigma:3", "minmax", "range:-1,2".
std::string ClipText(ftc_clip_mode mode, double sigma_k, float lo, float hi);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_ENCODE_OPTIONS_H

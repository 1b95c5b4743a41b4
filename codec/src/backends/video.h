// What the H.264 and HEVC backends share: the quality scale, the frame rate their rate control assumes, and
// a check of the Annex B packets a decoder is given.
#ifndef FTC_BACKENDS_VIDEO_H
#define FTC_BACKENDS_VIDEO_H

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/options.h"
#include "common/status.h"

namespace ftc {

// quality 1..100 (higher is better) -> QP of H.264 and HEVC, following JPEG's quality scale: libjpeg scales
// its quantisation tables by s = 50 / q below 50 and by s = (200 - 2 q) / 100 from 50 up, and a QP step of 6
// doubles the H.264 / HEVC quantiser step, so QP = round(kQpAtQuality50 + 6 log2 s), clamped to
// kMinQp..kMaxQp. Monotonic, and the same change of quality changes both codecs' quantiser step by the same
// factor. QP 0 is left out: x264 codes it losslessly, which only StreamParams::lossless asks for.
// docs/VIDEO.md.
inline constexpr int kQpAtQuality50 = 41;
inline constexpr int kMinQp = 1, kMaxQp = 51;
int QpOfQuality(int quality);

// The frame rate given to x264 and x265 (OpenH264 takes at most 60, see openh264.cc). Only their rate control
// uses it: at 125 frames per second a budget of B bytes per frame is exactly B kbit/s.
inline constexpr int kFramesPerSecond = 125;

// The plane alignment of each format, the same for all its implementations: H.264's 16×16 macroblock, and
// HEVC's 32×32 coding tree unit, x265's (see x265.cc).
inline constexpr uint32_t kH264Align = 16;
inline constexpr uint32_t kHevcAlign = 32;

// Options of an encoder library (x264's and x265's own names, as their *_param_parse take them), passed
// through by its backend.
using LibraryOptions = std::vector<std::pair<std::string, std::string>>;

// The options `options` holds that the backend did not take itself, for `library`'s parser: each is tried
// with `parse` (the library's *_param_parse on a scratch copy of its settings: 0 when accepted, `bad_name`
// for a name it does not know, anything else for a bad value). Names in `reserved` (what ftc sets itself,
// compared without a "no-" prefix) are refused, as are unknown names and bad values, with a message.
Status PassThroughOptions(const Options& options, const char* library, std::span<const char* const> reserved,
                          const std::function<int(const char* name, const char* value)>& parse, int bad_name,
                          LibraryOptions* out);

enum class NalSyntax { kH264, kHevc };

// Checks that `packet` is an Annex B byte stream (NAL units, each after a 00 00 01 start code, the first at
// the very start) with valid NAL unit headers, and that it holds an IDR picture and the parameter sets in
// front of it exactly when `key`: a key packet is one where decoding can start.
Status CheckAnnexB(NalSyntax syntax, std::span<const uint8_t> packet, bool key);

}  // namespace ftc

#endif  // FTC_BACKENDS_VIDEO_H

// Encodes an 8-bit greyscale plane as a PNG file (libpng), pixel for pixel.
#ifndef FTC_TOOLS_PNG_H
#define FTC_TOOLS_PNG_H

#include <cstdint>
#include <string>
#include <vector>

namespace ftc_cli {

// The complete PNG file of a `width` × `height` plane whose rows are packed without stride. On a libpng
// error returns false and sets `error`.
bool EncodeGreyPng(const uint8_t* pixels, uint32_t width, uint32_t height, std::vector<uint8_t>* out,
                   std::string* error);

// "libpng 1.6.39", for --version.
std::string PngLibraryVersion();

}  // namespace ftc_cli

#endif  // FTC_TOOLS_PNG_H

// The library handles the tool uses: the C++ layer of the public API (ftc/ftc.hpp).
#ifndef FTC_TOOLS_LIBRARY_H
#define FTC_TOOLS_LIBRARY_H

#include <string>

#include "ftc/ftc.hpp"

namespace ftc_cli {

using Encoder = ftc::Encoder;
using Decoder = ftc::Decoder;

// threads: 0 is one per core; implementation: the library that decodes ("" or "auto": the first built).
ftc::Decoder NewDecoder(int threads = 0, const std::string& implementation = "");

}  // namespace ftc_cli

#endif  // FTC_TOOLS_LIBRARY_H

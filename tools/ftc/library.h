// The library handles the tool uses: the C++ layer of the public API (ftc/ftc.hpp).
#ifndef FTC_TOOLS_LIBRARY_H
#define FTC_TOOLS_LIBRARY_H

#include "ftc/ftc.hpp"

namespace ftc_cli {

using Encoder = ftc::Encoder;
using Decoder = ftc::Decoder;

// threads: 0 is one per core.
ftc::Decoder NewDecoder(int threads = 0);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_LIBRARY_H

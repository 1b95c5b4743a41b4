#include "library.h"

namespace ftc_cli {

ftc::Decoder NewDecoder(int threads, const std::string& implementation) {
  ftc_decoder_settings settings;
  ftc_decoder_default_settings(&settings);
  settings.threads = threads;
  settings.implementation = implementation.c_str();
  return ftc::Decoder(&settings);
}

}  // namespace ftc_cli

#include "library.h"

namespace ftc_cli {

ftc::Decoder NewDecoder(int threads) {
  ftc_decoder_settings settings;
  ftc_decoder_default_settings(&settings);
  settings.threads = threads;
  return ftc::Decoder(&settings);
}

}  // namespace ftc_cli

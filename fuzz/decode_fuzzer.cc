// The whole public decoding path (ftc_decoder_info, ftc_decode, ftc_decode_mosaic): container, backend,
// untile and dequantise. Input: any bytes (a .ftc file).
#include <cstddef>
#include <cstdint>

#include "ftc/ftc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftc_decoder_settings settings;
  ftc_decoder_default_settings(&settings);
  settings.threads = 1;
  settings.max_elements = 1u << 20;  // larger tensors are refused before anything is allocated
  ftc_decoder* decoder = nullptr;
  if (ftc_decoder_create(&settings, &decoder, nullptr) != FTC_OK) __builtin_trap();
  ftc_info info;
  if (ftc_decoder_info(decoder, data, size, &info) == FTC_OK) {
    ftc_tensor tensor{};
    (void)ftc_decode(decoder, data, size, &tensor);
    ftc_tensor_free(&tensor);
    ftc_plane plane{};
    (void)ftc_decode_mosaic(decoder, data, size, 0, &plane);
    ftc_plane_free(&plane);
  }
  ftc_decoder_destroy(decoder);
  return 0;
}

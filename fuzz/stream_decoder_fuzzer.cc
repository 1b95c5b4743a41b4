// The stream decoder (ftc_stream_decode): chunks pushed one after another into one decoder, as a receiver
// gets them (a stream header with its first packet, then packets; headers again to restart). Input: chunks,
// each a 16-bit little-endian length and its bytes.
#include <cstddef>
#include <cstdint>

#include "ftc/ftc.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftc_decoder_settings settings;
  ftc_decoder_default_settings(&settings);
  settings.max_elements = 1u << 20;
  ftc_stream_decoder* decoder = nullptr;
  if (ftc_stream_decoder_create(&settings, &decoder, nullptr) != FTC_OK) __builtin_trap();
  ftc::fuzz::Input input(data, size);
  while (!input.empty()) {
    const auto chunk = input.Chunk();
    ftc_tensor frame{};
    const ftc_result r = ftc_stream_decode(decoder, chunk.data(), chunk.size(), &frame);
    if (r != FTC_OK && frame.data != nullptr) __builtin_trap();  // on error the output stays empty
    ftc_tensor_free(&frame);
  }
  ftc_stream_decoder_destroy(decoder);
  return 0;
}

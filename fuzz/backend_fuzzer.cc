// One decoder backend (FTC_FUZZ_CODEC decoded by FTC_FUZZ_IMPLEMENTATION), fed payloads directly, below the
// container, through the frame decoder the shared layer uses (backends/frame_coder.h). Input: 7 parameter
// bytes (bits - 1, quality - 1, max_error, tile width - 1, tile height - 1, grid columns - 1, grid rows - 1,
// each taken modulo its range), then packets: a flags byte (bit 0: key frame) and a chunk (16-bit
// little-endian length, bytes). Image backends take every packet on its own; video backends decode them as
// one stream and restart at the next key packet after an error, as the stream decoder does.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backends/backend.h"
#include "backends/frame_coder.h"
#include "fuzz_input.h"

#if !defined(FTC_FUZZ_CODEC) || !defined(FTC_FUZZ_IMPLEMENTATION)
#error "fuzz/CMakeLists.txt defines FTC_FUZZ_CODEC and FTC_FUZZ_IMPLEMENTATION"
#endif

namespace {

uint32_t AlignUp(uint32_t v, uint32_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ftc::Backend* backend = ftc::FindBackend(FTC_FUZZ_CODEC, FTC_FUZZ_IMPLEMENTATION, FTC_CAP_DECODE);
  if (backend == nullptr) __builtin_trap();
  ftc::fuzz::Input input(data, size);
  ftc::CodingParams params;
  params.bits = 1 + input.Byte() % 8;
  params.quality = 1 + input.Byte() % 100;
  params.max_error = input.Byte() % 8;
  params.tile_width = 1 + input.Byte() % 32;
  params.tile_height = 1 + input.Byte() % 32;
  const uint32_t cols = 1 + input.Byte() % 8, rows = 1 + input.Byte() % 8;
  const uint32_t align = backend->info.block_align;
  const uint32_t width = AlignUp(cols * params.tile_width, align),
                 height = AlignUp(rows * params.tile_height, align);
  std::vector<uint8_t> plane(size_t{width} * height);

  ftc::FrameDecoder decoder;
  bool started = decoder.Begin(backend, width, height, {}, params).ok();
  while (!input.empty()) {
    const bool key = input.Byte() & 1;
    const auto payload = input.Chunk();
    if (!started) {
      if (!key) continue;
      started = decoder.Begin(backend, width, height, {}, params).ok();
      if (!started) continue;
    }
    if (!decoder.Decode(payload, key, {plane.data(), width, height}).ok()) started = false;
  }
  return 0;
}

// The container parser (codec/src/container): a whole file of either form, then the stream form's header and
// packets one by one, as the stream decoder reads them. Input: any bytes (a .ftc file).
#include <cstddef>
#include <cstdint>
#include <span>

#include "container/container.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  constexpr uint64_t kMaxElements = 1u << 22;
  ftc::Parsed parsed;
  (void)ftc::ParseFile(bytes, kMaxElements, &parsed);

  ftc::Header header;
  size_t offset = 0;
  if (!ftc::ParseStreamHeader(bytes, kMaxElements, &header, &offset).ok()) return 0;
  while (offset < size) {
    ftc::Packet packet;
    if (!ftc::ParsePacket(header, bytes.subspan(offset), &packet).ok()) break;
    offset += packet.size;
  }
  return 0;
}

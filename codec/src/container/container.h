// The .ftc container, format version 1 (docs/FORMAT.md is the specification; keep the two in step).
#ifndef FTC_CONTAINER_CONTAINER_H
#define FTC_CONTAINER_CONTAINER_H

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "mosaic/mosaic.h"
#include "quant/quantizer.h"
#include "quant/tensor.h"

namespace ftc {

inline constexpr uint8_t kMagic[3] = {'F', 'T', 'C'};
inline constexpr uint32_t kCrcBytes = 4;

struct Header {
  uint32_t version = 1;
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  uint32_t rank = 4;
  TensorShape shape;
  uint32_t backend_id = 0;
  int quality = 0;    // 0..100, 0 when the backend has none
  int max_error = 0;  // near-lossless bound in levels
  QuantParams quant;
  MosaicGrid grid;
  std::vector<uint8_t> backend_settings;  // opaque to the container
};

// A parsed file: the header plus a view of each item's payload inside the input buffer.
struct Parsed {
  Header header;
  std::vector<std::span<const uint8_t>> payloads;
  uint64_t header_bytes = 0;   // everything except the payloads
  uint64_t payload_bytes = 0;
};

// Appends a complete file (header, payload lengths, payloads, CRC-32C) to `out`.
void WriteFile(const Header& h, const std::vector<std::vector<uint8_t>>& payloads, std::vector<uint8_t>* out);

// Validates everything a decoder can check without decoding the payloads: magic, version, reserved bits,
// every field's range, the element count against `max_elements` (before any allocation), the exact total
// length (truncation and trailing bytes) and the checksum.
Status ParseFile(std::span<const uint8_t> data, uint64_t max_elements, Parsed* out);

}  // namespace ftc

#endif  // FTC_CONTAINER_CONTAINER_H

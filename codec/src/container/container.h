// The .ftc container (docs/FORMAT.md is the specification; keep the two in step): format version 1, the
// single form (a header, then N payloads, one CRC-32C); version 3, the single form in bands (N × B payloads);
// and format version 2, the stream form (a stream header with its CRC-32C, then one packet per frame, each
// with its own length and CRC-32C).
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
inline constexpr uint32_t kSingleForm = 1;  // format version of the single form
inline constexpr uint32_t kStreamForm = 2;  // format version of the stream form
inline constexpr uint32_t kBandedForm = 3;  // format version of the single form with bands (grid.bands > 1)
inline constexpr uint32_t kMaxGop = 65535;

struct Header {
  uint32_t version = kSingleForm;  // kBandedForm for the single form when grid.bands > 1
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  uint32_t rank = 4;  // stream form: the rank of each frame (4: 1×C×H×W)
  TensorShape shape;  // stream form: n is the number of packets (1 in a stream header)
  uint32_t backend_id = 0;
  int quality = 0;    // 0..100, 0 when the backend has none
  int max_error = 0;  // near-lossless bound in levels
  QuantParams quant;  // stream form with ranges_per_key_frame: lo and hi are empty in the header
  MosaicGrid grid;
  std::vector<uint8_t> backend_settings;  // opaque to the container
  uint32_t gop = 1;                  // stream form: the encoder's key-frame interval, 1..kMaxGop
  bool ranges_per_key_frame = false;  // stream form: every key packet carries the clip ranges
};

// A parsed stream packet, viewing the input buffer.
struct Packet {
  bool key = false;
  std::vector<float> lo, hi;  // the clip ranges, when the header says they travel in key frames and this is one
  std::span<const uint8_t> payload;
  size_t size = 0;  // bytes of the packet in the input, length field and CRC included
};

// A parsed file: the header plus a view of each item's payload inside the input buffer.
struct Parsed {
  Header header;
  std::vector<std::span<const uint8_t>> payloads;  // single form: N × grid.bands, item 0's bands first
  std::vector<Packet> packets;                     // stream form
  uint64_t header_bytes = 0;   // everything except the payloads
  uint64_t payload_bytes = 0;
};

// Single form: appends a complete file (header, payload lengths, payloads, CRC-32C) to `out`; `payloads`
// holds N × h.grid.bands, item 0's bands first.
void WriteFile(const Header& h, std::span<const std::vector<uint8_t>> payloads, std::vector<uint8_t>* out);

// Stream form: appends the stream header of `h` (its shape's n is not written) to `out`.
void WriteStreamHeader(const Header& h, std::vector<uint8_t>* out);
// Appends one packet; `ranges` supplies the clip ranges when the header says key packets carry them.
void WritePacket(const Header& h, bool key, const QuantParams& ranges, std::span<const uint8_t> payload,
                 std::vector<uint8_t>* out);

// Validates a stream header at the start of `data` (which may go on with packets): magic, version, reserved
// bits, every field's range, one frame's element count against `max_elements`, and its CRC. `size` receives
// its length in bytes.
Status ParseStreamHeader(std::span<const uint8_t> data, uint64_t max_elements, Header* out, size_t* size);
// Validates the packet at the start of `data` (which may go on with more) against header `h`: its length, its
// CRC, its flags and, when it carries them, its clip ranges.
Status ParsePacket(const Header& h, std::span<const uint8_t> data, Packet* out);

// True when `data` begins like a header of either form ("FTC"); no packet does.
bool StartsWithMagic(std::span<const uint8_t> data);

// Validates everything a decoder can check without decoding the payloads: magic, version, reserved bits,
// every field's range, the element count against `max_elements` (before any allocation), the exact total
// length (truncation and trailing bytes) and the checksum(s). A file in the stream form is a stream header
// followed by at least one packet, the first a key frame; its header's shape.n becomes the packet count.
Status ParseFile(std::span<const uint8_t> data, uint64_t max_elements, Parsed* out);

}  // namespace ftc

#endif  // FTC_CONTAINER_CONTAINER_H

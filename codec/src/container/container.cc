#include "container/container.h"

#include <cmath>
#include <string>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/float16.h"

namespace ftc {
namespace {

// flags byte 0
constexpr uint8_t kDtypeMask = 0x03;
constexpr uint8_t kRank4 = 0x04;
constexpr uint8_t kPerChannel = 0x08;
constexpr uint8_t kHalfParams = 0x10;
constexpr int kClipShift = 5;  // 2 bits
constexpr uint8_t kReserved0 = 0x80;
// flags byte 1: bits-1 in 0..2, log2(align) in 3..5
constexpr int kAlignShift = 3;
constexpr uint8_t kReserved1 = 0xC0;

int Log2(uint32_t v) {
  int l = 0;
  while ((1u << l) < v) ++l;
  return l;
}

}  // namespace

void WriteFile(const Header& h, const std::vector<std::vector<uint8_t>>& payloads, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  w.bytes(kMagic);
  w.u8(static_cast<uint8_t>(h.version));
  const QuantParams& q = h.quant;
  w.u8(static_cast<uint8_t>(h.dtype | (h.rank == 4 ? kRank4 : 0) | (q.per_channel ? kPerChannel : 0) |
                            (q.half_precision ? kHalfParams : 0) | (q.clip.mode << kClipShift)));
  w.u8(static_cast<uint8_t>((q.bits - 1) | Log2(h.grid.align) << kAlignShift));
  w.u8(static_cast<uint8_t>(h.backend_id));
  w.u8(static_cast<uint8_t>(h.quality));
  if (q.clip.mode == FTC_CLIP_SIGMA) w.u8(static_cast<uint8_t>(std::lround(q.clip.sigma_k * 10)));
  w.varint(static_cast<uint64_t>(h.max_error));
  if (h.rank == 4) w.varint(h.shape.n);
  w.varint(h.shape.c);
  w.varint(h.shape.h);
  w.varint(h.shape.w);
  w.varint(h.grid.cols);
  w.varint(h.backend_settings.size());
  w.bytes(h.backend_settings);
  for (size_t i = 0; i < q.lo.size(); ++i) {
    if (q.half_precision) {
      w.u16(FloatToHalf(q.lo[i]));
      w.u16(FloatToHalf(q.hi[i]));
    } else {
      w.f32(q.lo[i]);
      w.f32(q.hi[i]);
    }
  }
  for (const auto& p : payloads) w.varint(p.size());
  for (const auto& p : payloads) w.bytes(p);
  w.u32(Crc32c(0, out->data() + start, out->size() - start));
}

Status ParseFile(std::span<const uint8_t> data, uint64_t max_elements, Parsed* out) {
  ByteReader r(data, "header");
  Header h;
  std::span<const uint8_t> magic;
  FTC_RETURN_IF_ERROR(r.bytes(3, &magic));
  if (magic[0] != kMagic[0] || magic[1] != kMagic[1] || magic[2] != kMagic[2])
    return Corrupt("not an .ftc file (bad magic number)");
  uint8_t version, f0, f1, backend, quality;
  FTC_RETURN_IF_ERROR(r.u8(&version));
  if (version == 0 || version > FTC_FORMAT_VERSION)
    return Unsupported("format version " + std::to_string(version) + " is not supported (this library reads 1.." +
                       std::to_string(FTC_FORMAT_VERSION) + ")");
  h.version = version;
  FTC_RETURN_IF_ERROR(r.u8(&f0));
  FTC_RETURN_IF_ERROR(r.u8(&f1));
  if ((f0 & kReserved0) || (f1 & kReserved1)) return Corrupt("reserved header bits are set");
  if ((f0 & kDtypeMask) > FTC_DTYPE_BFLOAT16) return Corrupt("unknown dtype code 3");
  h.dtype = static_cast<ftc_dtype>(f0 & kDtypeMask);
  h.rank = (f0 & kRank4) ? 4 : 3;
  QuantParams& q = h.quant;
  q.per_channel = f0 & kPerChannel;
  q.half_precision = f0 & kHalfParams;
  const int clip = (f0 >> kClipShift) & 3;
  if (clip > FTC_CLIP_RANGE) return Corrupt("unknown clip mode 3");
  q.clip.mode = static_cast<ftc_clip_mode>(clip);
  q.bits = (f1 & 7) + 1;
  const int align_log2 = (f1 >> kAlignShift) & 7;
  if (align_log2 > 5) return Corrupt("plane alignment 2^" + std::to_string(align_log2) + " is out of range");
  h.grid.align = 1u << align_log2;
  FTC_RETURN_IF_ERROR(r.u8(&backend));
  FTC_RETURN_IF_ERROR(r.u8(&quality));
  h.backend_id = backend;
  if (quality > 100) return Corrupt("quality " + std::to_string(quality) + " is out of range");
  h.quality = quality;
  if (q.clip.mode == FTC_CLIP_SIGMA) {
    uint8_t tenths;
    FTC_RETURN_IF_ERROR(r.u8(&tenths));
    if (tenths == 0) return Corrupt("sigma clip with K = 0");
    q.clip.sigma_k = tenths / 10.0;
  }
  uint64_t max_error, dims[4] = {1, 1, 1, 1}, cols, settings_size;
  FTC_RETURN_IF_ERROR(r.varint(&max_error));
  if (max_error > 255) return Corrupt("max_error " + std::to_string(max_error) + " is out of range");
  h.max_error = static_cast<int>(max_error);
  for (uint32_t i = 4 - h.rank; i < 4; ++i) FTC_RETURN_IF_ERROR(r.varint(&dims[i]));
  Status shape = CheckShape(h.rank, dims + (4 - h.rank), max_elements, &h.shape);
  if (!shape.ok()) return {shape.code() == FTC_ERROR_LIMIT ? FTC_ERROR_LIMIT : FTC_ERROR_CORRUPT, shape.message()};

  FTC_RETURN_IF_ERROR(r.varint(&cols));
  if (cols == 0 || cols > h.shape.c) return Corrupt("mosaic grid has " + std::to_string(cols) + " columns for " +
                                                   std::to_string(h.shape.c) + " channels");
  h.grid.cols = static_cast<uint32_t>(cols);
  h.grid.rows = static_cast<uint32_t>((h.shape.c + cols - 1) / cols);
  if (h.shape.h > FTC_MAX_PLANE_SIDE || h.shape.w > FTC_MAX_PLANE_SIDE)
    return Corrupt("channel size exceeds the plane limit");
  h.grid.tile_h = static_cast<uint32_t>(h.shape.h);
  h.grid.tile_w = static_cast<uint32_t>(h.shape.w);
  Status grid = CompleteGrid(&h.grid);
  if (!grid.ok()) return Corrupt(grid.message());

  FTC_RETURN_IF_ERROR(r.varint(&settings_size));
  std::span<const uint8_t> settings;
  if (settings_size > 255) return Corrupt("backend settings of " + std::to_string(settings_size) + " bytes");
  FTC_RETURN_IF_ERROR(r.bytes(settings_size, &settings));
  h.backend_settings.assign(settings.begin(), settings.end());

  const size_t ranges = q.per_channel ? h.shape.c : 1;
  if (r.remaining() < ranges * (q.half_precision ? 4 : 8)) return Truncated("header is truncated");
  q.lo.resize(ranges);
  q.hi.resize(ranges);
  for (size_t i = 0; i < ranges; ++i) {
    if (q.half_precision) {
      uint16_t lo, hi;
      FTC_RETURN_IF_ERROR(r.u16(&lo));
      FTC_RETURN_IF_ERROR(r.u16(&hi));
      q.lo[i] = HalfToFloat(lo);
      q.hi[i] = HalfToFloat(hi);
    } else {
      FTC_RETURN_IF_ERROR(r.f32(&q.lo[i]));
      FTC_RETURN_IF_ERROR(r.f32(&q.hi[i]));
    }
    if (!std::isfinite(q.lo[i]) || !std::isfinite(q.hi[i]) || q.lo[i] > q.hi[i])
      return Corrupt("clip range " + std::to_string(i) + " is not a finite lo <= hi");
  }

  // Payload lengths: their count is N, bounded by the element limit; each length by the remaining bytes.
  if (h.shape.n > r.remaining()) return Truncated("header is truncated");  // one byte per length at least
  std::vector<uint64_t> lengths(h.shape.n);
  uint64_t total = 0;
  for (uint64_t& len : lengths) {
    FTC_RETURN_IF_ERROR(r.varint(&len));
    if (len > data.size()) return Truncated("payload length " + std::to_string(len) + " exceeds the file size");
    total += len;
  }
  const uint64_t header_end = r.position();
  const uint64_t expected = header_end + total + kCrcBytes;
  if (data.size() < expected)
    return Truncated("file is truncated: " + std::to_string(data.size()) + " of " + std::to_string(expected) +
                     " bytes");
  if (data.size() > expected)
    return Corrupt(std::to_string(data.size() - expected) + " trailing bytes after the end of the file");
  const uint32_t crc = Crc32c(0, data.data(), expected - kCrcBytes);
  const uint8_t* c = data.data() + expected - kCrcBytes;
  const uint32_t stored = c[0] | c[1] << 8 | c[2] << 16 | static_cast<uint32_t>(c[3]) << 24;
  if (crc != stored) return {FTC_ERROR_CHECKSUM, "checksum mismatch: the file is damaged"};

  out->payloads.clear();
  uint64_t pos = header_end;
  for (uint64_t len : lengths) {
    out->payloads.push_back(data.subspan(pos, len));
    pos += len;
  }
  out->header = std::move(h);
  out->payload_bytes = total;
  out->header_bytes = data.size() - total;
  return Status::Ok();
}

}  // namespace ftc

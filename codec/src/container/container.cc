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
// stream flags (stream header)
constexpr uint8_t kRangesPerKeyFrame = 0x01;
constexpr uint8_t kReservedStream = 0xFE;
// packet flags
constexpr uint8_t kKeyFrame = 0x01;
constexpr uint8_t kReservedPacket = 0xFE;

int Log2(uint32_t v) {
  int l = 0;
  while ((1u << l) < v) ++l;
  return l;
}

uint32_t LoadU32(const uint8_t* c) {
  return c[0] | c[1] << 8 | c[2] << 16 | static_cast<uint32_t>(c[3]) << 24;
}

size_t RangeCount(const Header& h) { return h.quant.per_channel ? h.shape.c : 1; }
size_t RangeBytes(const Header& h) { return RangeCount(h) * (h.quant.half_precision ? 4 : 8); }

// Everything both forms share, from the magic to the backend settings: the single form stores N (when rank
// 4), the stream form the key-frame interval and its stream flags instead.
void WriteFields(const Header& h, ByteWriter& w) {
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
  if (h.version != kStreamForm && h.rank == 4) w.varint(h.shape.n);
  w.varint(h.shape.c);
  w.varint(h.shape.h);
  w.varint(h.shape.w);
  w.varint(h.grid.cols);
  if (h.version == kBandedForm) w.varint(h.grid.bands);
  if (h.version == kStreamForm) {
    w.varint(h.gop);
    w.u8(h.ranges_per_key_frame ? kRangesPerKeyFrame : 0);
  }
  w.varint(h.backend_settings.size());
  w.bytes(h.backend_settings);
}

void WriteRanges(bool half, const std::vector<float>& lo, const std::vector<float>& hi, ByteWriter& w) {
  for (size_t i = 0; i < lo.size(); ++i) {
    if (half) {
      w.u16(FloatToHalf(lo[i]));
      w.u16(FloatToHalf(hi[i]));
    } else {
      w.f32(lo[i]);
      w.f32(hi[i]);
    }
  }
}

Status ReadRanges(ByteReader& r, const Header& h, std::vector<float>* lo, std::vector<float>* hi) {
  const size_t count = RangeCount(h);
  if (r.remaining() < RangeBytes(h)) return Truncated("the clip ranges are truncated");
  lo->resize(count);
  hi->resize(count);
  for (size_t i = 0; i < count; ++i) {
    float& l = (*lo)[i];
    float& u = (*hi)[i];
    if (h.quant.half_precision) {
      uint16_t a, b;
      FTC_RETURN_IF_ERROR(r.u16(&a));
      FTC_RETURN_IF_ERROR(r.u16(&b));
      l = HalfToFloat(a);
      u = HalfToFloat(b);
    } else {
      FTC_RETURN_IF_ERROR(r.f32(&l));
      FTC_RETURN_IF_ERROR(r.f32(&u));
    }
    if (!std::isfinite(l) || !std::isfinite(u) || l > u)
      return Corrupt("clip range " + std::to_string(i) + " is not a finite lo <= hi");
  }
  return Status::Ok();
}

// Reads what WriteFields wrote, after the magic and version. The single form checks N×C×H×W against
// `max_elements`, the stream form one frame, C×H×W.
Status ReadFields(ByteReader& r, uint64_t max_elements, Header* out) {
  Header& h = *out;
  uint8_t f0, f1, backend, quality;
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
  const bool stream = h.version == kStreamForm;
  const uint32_t stored = stream ? 3 : h.rank;  // the stream form stores C, H, W only
  for (uint32_t i = 4 - stored; i < 4; ++i) FTC_RETURN_IF_ERROR(r.varint(&dims[i]));
  Status shape = CheckShape(stored, dims + (4 - stored), max_elements, &h.shape);
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
  if (h.version == kBandedForm) {
    uint64_t bands;
    FTC_RETURN_IF_ERROR(r.varint(&bands));
    if (bands < 2 || bands > MaxBands(h.grid))
      return Corrupt(std::to_string(bands) + " bands in a plane of " + std::to_string(h.grid.height) +
                     " rows (2.." + std::to_string(MaxBands(h.grid)) + ")");
    h.grid.bands = static_cast<uint32_t>(bands);
  }

  if (stream) {
    uint64_t gop;
    uint8_t flags;
    FTC_RETURN_IF_ERROR(r.varint(&gop));
    if (gop == 0 || gop > kMaxGop) return Corrupt("key-frame interval " + std::to_string(gop) + " is out of range");
    h.gop = static_cast<uint32_t>(gop);
    FTC_RETURN_IF_ERROR(r.u8(&flags));
    if (flags & kReservedStream) return Corrupt("reserved stream flag bits are set");
    h.ranges_per_key_frame = flags & kRangesPerKeyFrame;
  }

  FTC_RETURN_IF_ERROR(r.varint(&settings_size));
  std::span<const uint8_t> settings;
  if (settings_size > 255) return Corrupt("backend settings of " + std::to_string(settings_size) + " bytes");
  FTC_RETURN_IF_ERROR(r.bytes(settings_size, &settings));
  h.backend_settings.assign(settings.begin(), settings.end());
  return Status::Ok();
}

// The magic and the version, which decides the form.
Status ReadVersion(ByteReader& r, uint32_t* version) {
  std::span<const uint8_t> magic;
  FTC_RETURN_IF_ERROR(r.bytes(3, &magic));
  if (magic[0] != kMagic[0] || magic[1] != kMagic[1] || magic[2] != kMagic[2])
    return Corrupt("not an .ftc file (bad magic number)");
  uint8_t v;
  FTC_RETURN_IF_ERROR(r.u8(&v));
  if (v == 0 || v > FTC_FORMAT_VERSION)
    return Unsupported("format version " + std::to_string(v) + " is not supported (this library reads 1.." +
                       std::to_string(FTC_FORMAT_VERSION) + ")");
  *version = v;
  return Status::Ok();
}

Status CheckCrc(std::span<const uint8_t> data, size_t covered, const char* what) {
  const uint32_t crc = Crc32c(0, data.data(), covered);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // Fuzzing builds only (fuzz/instrument.cmake): any checksum passes, so that mutated inputs reach the fields
  // and decoders behind it instead of all stopping here.
  (void)crc;
  (void)what;
#else
  if (crc != LoadU32(data.data() + covered))
    return {FTC_ERROR_CHECKSUM, std::string("checksum mismatch: the ") + what + " is damaged"};
#endif
  return Status::Ok();
}

// Versions 1 and 3 (with bands).
Status ParseSingleForm(std::span<const uint8_t> data, ByteReader& r, uint32_t version, uint64_t max_elements,
                       Parsed* out) {
  Header h;
  h.version = version;
  FTC_RETURN_IF_ERROR(ReadFields(r, max_elements, &h));
  FTC_RETURN_IF_ERROR(ReadRanges(r, h, &h.quant.lo, &h.quant.hi));

  // Payload lengths: their count is N times the bands, bounded by the element limit and the bands by the
  // plane height; each length by the remaining bytes.
  const uint64_t count = h.shape.n * h.grid.bands;
  if (count > r.remaining()) return Truncated("header is truncated");  // one byte per length at least
  std::vector<uint64_t> lengths(count);
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
  FTC_RETURN_IF_ERROR(CheckCrc(data, expected - kCrcBytes, "file"));

  out->payloads.clear();
  out->packets.clear();
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

Status ParseStreamForm(std::span<const uint8_t> data, uint64_t max_elements, Parsed* out) {
  Header h;
  size_t pos = 0;
  FTC_RETURN_IF_ERROR(ParseStreamHeader(data, max_elements, &h, &pos));
  std::vector<Packet> packets;
  uint64_t payload_bytes = 0;
  while (pos < data.size()) {
    Packet p;
    const Status s = ParsePacket(h, data.subspan(pos), &p);
    if (!s.ok())
      return {s.code(), "the " + std::to_string(data.size() - pos) + " bytes after frame " +
                            std::to_string(packets.size()) + " are not a packet (damage or trailing data): " +
                            s.message()};
    pos += p.size;
    payload_bytes += p.payload.size();
    packets.push_back(std::move(p));
  }
  if (packets.empty()) return Truncated("the stream has a header but no packet");
  if (!packets[0].key) return Corrupt("the first packet of a stream file is not a key frame");
  const uint64_t dims[4] = {packets.size(), h.shape.c, h.shape.h, h.shape.w};
  Status shape = CheckShape(4, dims, max_elements, &h.shape);
  if (!shape.ok()) return {shape.code() == FTC_ERROR_LIMIT ? FTC_ERROR_LIMIT : FTC_ERROR_CORRUPT, shape.message()};
  if (h.rank == 3 && packets.size() > 1) h.rank = 4;  // frames of C×H×W make an N×C×H×W tensor
  if (h.ranges_per_key_frame) {
    h.quant.lo = packets[0].lo;
    h.quant.hi = packets[0].hi;
  }
  out->header = std::move(h);
  out->payloads.clear();
  for (const Packet& p : packets) out->payloads.push_back(p.payload);
  out->packets = std::move(packets);
  out->payload_bytes = payload_bytes;
  out->header_bytes = data.size() - payload_bytes;
  return Status::Ok();
}

}  // namespace

void WriteFile(const Header& h, std::span<const std::vector<uint8_t>> payloads, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  WriteFields(h, w);
  WriteRanges(h.quant.half_precision, h.quant.lo, h.quant.hi, w);
  // One allocation for the payloads: growing the vector as they go in would copy them again and again, and
  // fresh pages of a large buffer each cost a page fault.
  size_t rest = sizeof(uint32_t);
  for (const auto& p : payloads) rest += p.size() + 10;  // a varint takes at most 10 bytes
  out->reserve(out->size() + rest);
  for (const auto& p : payloads) w.varint(p.size());
  for (const auto& p : payloads) w.bytes(p);
  w.u32(Crc32c(0, out->data() + start, out->size() - start));
}

void WriteStreamHeader(const Header& h, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  WriteFields(h, w);
  if (!h.ranges_per_key_frame) WriteRanges(h.quant.half_precision, h.quant.lo, h.quant.hi, w);
  w.u32(Crc32c(0, out->data() + start, out->size() - start));
}

void WritePacket(const Header& h, bool key, const QuantParams& ranges, std::span<const uint8_t> payload,
                 std::vector<uint8_t>* out) {
  const bool with_ranges = h.ranges_per_key_frame && key;
  const size_t start = out->size();
  ByteWriter w(out);
  w.varint(1 + (with_ranges ? RangeBytes(h) : 0) + payload.size());
  w.u8(key ? kKeyFrame : 0);
  if (with_ranges) WriteRanges(h.quant.half_precision, ranges.lo, ranges.hi, w);
  w.bytes(payload);
  w.u32(Crc32c(0, out->data() + start, out->size() - start));
}

bool StartsWithMagic(std::span<const uint8_t> data) {
  return data.size() >= 3 && data[0] == kMagic[0] && data[1] == kMagic[1] && data[2] == kMagic[2];
}

Status ParseStreamHeader(std::span<const uint8_t> data, uint64_t max_elements, Header* out, size_t* size) {
  ByteReader r(data, "stream header");
  Header h;
  FTC_RETURN_IF_ERROR(ReadVersion(r, &h.version));
  if (h.version != kStreamForm)
    return Corrupt("format version " + std::to_string(h.version) + " has no stream header");
  FTC_RETURN_IF_ERROR(ReadFields(r, max_elements, &h));
  if (!h.ranges_per_key_frame) FTC_RETURN_IF_ERROR(ReadRanges(r, h, &h.quant.lo, &h.quant.hi));
  if (r.remaining() < kCrcBytes) return Truncated("stream header is truncated");
  FTC_RETURN_IF_ERROR(CheckCrc(data, r.position(), "stream header"));
  *size = r.position() + kCrcBytes;
  *out = std::move(h);
  return Status::Ok();
}

Status ParsePacket(const Header& h, std::span<const uint8_t> data, Packet* out) {
  ByteReader r(data, "packet");
  uint64_t length;
  FTC_RETURN_IF_ERROR(r.varint(&length));
  if (length < 2) return Corrupt("a packet of " + std::to_string(length) + " bytes has no payload");
  if (r.remaining() < kCrcBytes || length > r.remaining() - kCrcBytes)
    return Truncated("packet is truncated: it needs " + std::to_string(length + kCrcBytes) + " bytes, " +
                     std::to_string(r.remaining()) + " are left");
  const size_t body = r.position();
  FTC_RETURN_IF_ERROR(CheckCrc(data, body + length, "packet"));
  ByteReader b(data.subspan(body, length), "packet");
  uint8_t flags;
  FTC_RETURN_IF_ERROR(b.u8(&flags));
  if (flags & kReservedPacket) return Corrupt("reserved packet flag bits are set");
  Packet p;
  p.key = flags & kKeyFrame;
  if (h.ranges_per_key_frame && p.key) {
    if (b.remaining() <= RangeBytes(h)) return Corrupt("a key packet too short for its clip ranges and payload");
    FTC_RETURN_IF_ERROR(ReadRanges(b, h, &p.lo, &p.hi));
  }
  p.payload = data.subspan(body + b.position(), length - b.position());
  p.size = body + length + kCrcBytes;
  *out = std::move(p);
  return Status::Ok();
}

Status ParseFile(std::span<const uint8_t> data, uint64_t max_elements, Parsed* out) {
  ByteReader r(data, "header");
  uint32_t version;
  FTC_RETURN_IF_ERROR(ReadVersion(r, &version));
  if (version == kStreamForm) return ParseStreamForm(data, max_elements, out);
  return ParseSingleForm(data, r, version, max_elements, out);
}

}  // namespace ftc

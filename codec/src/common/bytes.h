// Little-endian byte writer and a bounds-checked reader; every read reports truncation instead of overrunning.
#ifndef FTC_COMMON_BYTES_H
#define FTC_COMMON_BYTES_H

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace ftc {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}

  void u8(uint8_t v) { out_->push_back(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v));
    u8(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v));
    u16(static_cast<uint16_t>(v >> 16));
  }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  // Unsigned LEB128: 7 bits per byte, low group first, high bit set on all but the last byte.
  void varint(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void bytes(std::span<const uint8_t> b) { out_->insert(out_->end(), b.begin(), b.end()); }
  size_t size() const { return out_->size(); }

 private:
  std::vector<uint8_t>* out_;
};

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> data, const char* what) : data_(data), what_(what) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  Status u8(uint8_t* v) {
    FTC_RETURN_IF_ERROR(need(1));
    *v = data_[pos_++];
    return Status::Ok();
  }
  Status u16(uint16_t* v) {
    FTC_RETURN_IF_ERROR(need(2));
    *v = static_cast<uint16_t>(data_[pos_] | data_[pos_ + 1] << 8);
    pos_ += 2;
    return Status::Ok();
  }
  Status u32(uint32_t* v) {
    FTC_RETURN_IF_ERROR(need(4));
    *v = static_cast<uint32_t>(data_[pos_]) | static_cast<uint32_t>(data_[pos_ + 1]) << 8 |
         static_cast<uint32_t>(data_[pos_ + 2]) << 16 | static_cast<uint32_t>(data_[pos_ + 3]) << 24;
    pos_ += 4;
    return Status::Ok();
  }
  Status f32(float* v) {
    uint32_t bits;
    FTC_RETURN_IF_ERROR(u32(&bits));
    std::memcpy(v, &bits, 4);
    return Status::Ok();
  }
  // LEB128 of at most 10 bytes; a non-minimal encoding (a trailing zero group) is rejected so that every
  // value has exactly one representation.
  Status varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      FTC_RETURN_IF_ERROR(u8(&b));
      if (shift == 63 && b > 1) return Corrupt(std::string(what_) + ": varint overflows 64 bits");
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift != 0) return Corrupt(std::string(what_) + ": non-minimal varint");
        *v = result;
        return Status::Ok();
      }
    }
    return Corrupt(std::string(what_) + ": varint longer than 10 bytes");
  }
  Status bytes(size_t n, std::span<const uint8_t>* out) {
    FTC_RETURN_IF_ERROR(need(n));
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return Status::Ok();
  }

 private:
  Status need(size_t n) const {
    if (remaining() < n) return Truncated(std::string(what_) + " is truncated");
    return Status::Ok();
  }

  std::span<const uint8_t> data_;
  const char* what_;
  size_t pos_ = 0;
};

}  // namespace ftc

#endif  // FTC_COMMON_BYTES_H

// The binary adaptive range coder of the `lossless` backend.
//
// A carry-propagating range coder in the style of LZMA's (32-bit range, 16-bit probabilities), with two
// departures: the byte LZMA always writes first (0) is not written, and the flush writes only as many bytes
// as the decoder needs, the decoder reading a fixed pseudo-random tail past the end. Each stream therefore
// has exactly one valid length, which the decoder checks: bytes left over read as Corrupt, a short payload as
// Truncated. The tail is random rather than zeros so that a truncated stream decodes into noise that keeps
// consuming bytes (and is caught) instead of into the cheapest symbols, which would consume none.
//
// Everything is integer arithmetic, so that an encoder and a decoder on different machines agree bit for bit.
#ifndef FTC_BACKENDS_LOSSLESS_RANGE_CODER_H
#define FTC_BACKENDS_LOSSLESS_RANGE_CODER_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace ftc::lossless {

// An adaptive estimate of P(bit == 0) in units of 2^-16. After its n-th bit it moves by 1/(n + 1.5) of the
// error, a running average while it is young, and it settles at 1/(kSettled + 1.5): quick to learn in a small
// plane, steady in a large one.
class BitModel {
 public:
  uint32_t p0() const { return p0_; }
  void Update(int bit) {
    const uint32_t rate = kRates[count_];
    uint32_t p = p0_;
    p = bit ? p - ((p * rate) >> 16) : p + (((65536 - p) * rate) >> 16);  // products < 2^32
    p0_ = static_cast<uint16_t>(p < kMin ? kMin : p > 65536 - kMin ? 65536 - kMin : p);
    if (count_ < kSettled) ++count_;
  }

 private:
  static constexpr int kSettled = 60;
  static constexpr uint32_t kMin = 48;  // neither symbol costs more than about 10.4 bits
  static constexpr std::array<uint16_t, kSettled + 1> kRates = [] {
    std::array<uint16_t, kSettled + 1> r{};
    for (int n = 0; n <= kSettled; ++n) r[n] = static_cast<uint16_t>(131072 / (2 * n + 3));  // 2^16/(n+1.5)
    return r;
  }();

  uint16_t p0_ = 32768;
  uint8_t count_ = 0;
};

// Byte j of the tail that the decoder reads past the end of a stream.
inline uint8_t TailByte(size_t j) {
  uint32_t x = static_cast<uint32_t>(j + 1) * 0x9E3779B9u;
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  return static_cast<uint8_t>(x >> 24);
}

// The flush: `low` (modulo 2^32) is raised to the nearest value whose low 32 - 8k bits are the tail's first
// 4 - k bytes, for the smallest k that keeps it inside the final range, and the window's top k bytes are
// written. k <= 3, since the range is at least 2^24.
inline uint32_t PadToFlush(uint32_t low, int k) {
  uint32_t tail = 0;
  for (int i = 0; i < 4 - k; ++i) tail = (tail << 8) | TailByte(static_cast<size_t>(i));
  return (tail - low) & (0xFFFFFFFFu >> (8 * k));
}
inline int FlushBytes(uint32_t low, uint32_t range) {
  int k = 0;
  while (PadToFlush(low, k) >= range) ++k;
  return k;
}

class RangeEncoder {
 public:
  static constexpr bool kDecoding = false;

  explicit RangeEncoder(std::vector<uint8_t>* out) : out_(out) {}

  // Codes `bit` given P(0) = p0 / 2^16, 0 < p0 < 2^16; returns `bit`.
  int Code(uint32_t p0, int bit) {
    const uint32_t bound = (range_ >> 16) * p0;
    if (bit) {
      low_ += bound;
      range_ -= bound;
    } else {
      range_ = bound;
    }
    Normalize();
    return bit;
  }
  // Codes `bit` with the model's estimate and updates the model.
  int Code(BitModel& model, int bit) {
    Code(model.p0(), bit);
    model.Update(bit);
    return bit;
  }

  // Writes the fewest bytes that make the decoder, reading the tail past the end, land inside the final
  // range.
  void Finish() {
    const int k = FlushBytes(static_cast<uint32_t>(low_), range_);
    low_ += PadToFlush(static_cast<uint32_t>(low_), k);
    for (int i = 0; i <= k; ++i) ShiftLow();
  }

 private:
  void Normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      ShiftLow();
    }
  }
  // Moves the top byte of `low_` out, holding back 0xFF bytes until a carry can no longer reach them.
  void ShiftLow() {
    if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const uint8_t carry = static_cast<uint8_t>(low_ >> 32);
      if (started_) out_->push_back(static_cast<uint8_t>(cache_ + carry));
      started_ = true;
      for (; pending_ > 0; --pending_) out_->push_back(static_cast<uint8_t>(0xFF + carry));
      cache_ = static_cast<uint8_t>(low_ >> 24);
    } else {
      ++pending_;
    }
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }

  std::vector<uint8_t>* out_;
  uint64_t low_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint64_t pending_ = 0;
  uint8_t cache_ = 0;
  bool started_ = false;  // the first byte out of ShiftLow is always 0 and is not written
};

class RangeDecoder {
 public:
  static constexpr bool kDecoding = true;

  explicit RangeDecoder(std::span<const uint8_t> data) : data_(data) {
    for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | Next();
  }

  // The decoding counterparts of RangeEncoder's: they return the decoded bit and ignore the argument.
  int Code(uint32_t p0, int /*bit*/) {
    const uint32_t bound = (range_ >> 16) * p0;
    int bit;
    if (code_ < bound) {
      range_ = bound;
      bit = 0;
    } else {
      code_ -= bound;
      range_ -= bound;
      bit = 1;
    }
    Normalize();
    return bit;
  }
  int Code(BitModel& model, int /*bit*/) {
    const int bit = Code(model.p0(), 0);
    model.Update(bit);
    return bit;
  }

  // True once the decoder has read further past the end than any valid stream leaves implicit: the payload
  // is short, and what it decodes from here on is noise.
  bool Overran() const { return pos_ > data_.size() + 4; }

  // Checks that the payload ends exactly where the encoder's Finish() would have ended it.
  Status Finish() const {
    const uint32_t window = Window();
    const uint32_t low = window - code_;  // the encoder's low, modulo 2^32
    const size_t expected = pos_ - 4 + static_cast<size_t>(FlushBytes(low, range_));
    if (data_.size() < expected)
      return Truncated("lossless: payload ends after " + std::to_string(data_.size()) + " of " +
                       std::to_string(expected) + " bytes");
    if (data_.size() > expected)
      return Corrupt("lossless: " + std::to_string(data_.size() - expected) +
                     " bytes left over after the plane");
    return Status::Ok();
  }

 private:
  uint8_t Next() {
    const size_t p = pos_++;
    return p < data_.size() ? data_[p] : TailByte(p - data_.size());
  }
  void Normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | Next();
    }
  }
  // The last four bytes read, the tail's included.
  uint32_t Window() const {
    uint32_t w = 0;
    for (size_t i = pos_ - 4; i < pos_; ++i)
      w = (w << 8) | (i < data_.size() ? data_[i] : TailByte(i - data_.size()));
    return w;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  uint32_t code_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace ftc::lossless

#endif  // FTC_BACKENDS_LOSSLESS_RANGE_CODER_H

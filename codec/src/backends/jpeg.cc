// `jpeg`: the mosaic plane as a baseline greyscale JPEG (libjpeg-turbo's libjpeg API), stored as nothing but
// what the decoder cannot rebuild: the entropy-coded scan, and, when they pay for themselves, the optimised
// Huffman tables. docs/JPEG.md gives the payload layout and the measurements behind each choice.
//
// Quality 1..100 is libjpeg's own scale, passed through unchanged: jpeg_set_quality(quality, force_baseline =
// TRUE) scales the Annex K luminance table by 5000 / quality percent below 50 and by 200 - 2 * quality
// percent from 50 up, each entry rounded and clamped to 1..255.
//
// What the decoder rebuilds: the quantisation table (from the quality the container carries), the standard
// Huffman tables, SOI, SOF0 (from the plane size the container carries), SOS and EOI. It feeds libjpeg that
// synthesised stream with the payload's scan spliced in, read in place.
//
// Where the scan ends: libjpeg drops what is left in its bit buffer when a scan ends, so a few bytes appended
// to a scan would go unnoticed. The decoder therefore declares one more row of blocks than the plane has and
// a restart interval that ends with the payload's last block, and follows the payload with that restart
// marker and a synthesised row of flat blocks. At a restart libjpeg counts every whole byte left over as
// extraneous data, a warning, and a short scan makes it read past the marker, another; this backend treats
// every libjpeg warning as an error. The cost: libjpeg-turbo decodes with its slower Huffman path when a
// restart interval is set (docs/JPEG.md has the numbers).
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <jerror.h>
#include <jpeglib.h>
// The entropy encoder's interface (struct jpeg_entropy_encoder), which the optimising encoder stands in
// for; Debian's libjpeg62-turbo-dev installs it, and its three members are libjpeg's since version 6.
#include <jpegint.h>

#include "backends/backend.h"

namespace ftc {
namespace {

#define FTC_JPEG_STRINGIFY2(x) #x
#define FTC_JPEG_STRINGIFY(x) FTC_JPEG_STRINGIFY2(x)
#ifdef LIBJPEG_TURBO_VERSION
constexpr char kImplementation[] = "libjpeg-turbo";
constexpr char kLibrary[] = "libjpeg-turbo " FTC_JPEG_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
constexpr char kImplementation[] = "libjpeg";
constexpr char kLibrary[] = "libjpeg " FTC_JPEG_STRINGIFY(JPEG_LIB_VERSION);
#endif

constexpr int kBlock = 8;
constexpr int kDcSymbols = 12;  // DC difference categories of 8-bit samples
constexpr int kMaxCodeLength = 16;
constexpr uint8_t kTablesFlag = 0xFF;  // a payload opening with 0xFF and a non-zero byte carries tables
// Markers jpeglib.h does not name.
constexpr uint8_t kSoi = 0xD8, kSof0 = 0xC0, kDri = 0xDD, kSos = 0xDA, kTem = 0x01;

// ---------------------------------------------------------------------------------------------------------
// Plane geometry

struct Layout {
  uint32_t blocks_wide = 0, blocks_high = 0;
  uint64_t blocks = 0;
  uint32_t interval = 0;  // restart interval of the synthesised stream, in blocks (JPEG allows up to 65535)
  uint64_t restarts = 0;  // restart markers inside the payload: blocks / interval - 1

  // The encoder codes restart markers itself only on planes of more than 65535 blocks.
  unsigned encoder_interval() const { return interval == blocks ? 0 : interval; }
  uint8_t tail_marker() const { return static_cast<uint8_t>(JPEG_RST0 + (restarts & 7)); }
};

// The interval is every block when they fit in one; otherwise the longest run of whole block rows that fits
// and divides the plane, so that the payload's last block ends an interval.
Layout LayoutOf(uint32_t width, uint32_t height) {
  constexpr uint32_t kMaxInterval = 65535;
  Layout l;
  l.blocks_wide = width / kBlock;
  l.blocks_high = height / kBlock;
  l.blocks = static_cast<uint64_t>(l.blocks_wide) * l.blocks_high;
  if (l.blocks <= kMaxInterval) {
    l.interval = static_cast<uint32_t>(l.blocks);
  } else {
    uint32_t rows = kMaxInterval / l.blocks_wide;
    while (l.blocks_high % rows != 0) --rows;
    l.interval = rows * l.blocks_wide;
  }
  l.restarts = l.blocks / l.interval - 1;
  return l;
}

// How the decoder has libjpeg read a payload. libjpeg-turbo uses its fast Huffman decoder only while no
// restart interval is set, and counts blocks towards the next restart only while one is. Of restarts the
// decoder needs only the one after the payload's last block, which catches data after the scan. So when the
// payload has no restart markers of its own, the synthesised DRI declares one row of blocks, the interval is
// turned off for every row of the payload but the last and back on for that one, which the synthesised
// restart marker then ends. Other libjpegs count blocks whether an interval is on or not: they read with
// the payload's interval throughout.
struct DecoderRestarts {
  uint32_t interval;  // the synthesised DRI, in blocks
  uint32_t rows_off;  // leading rows of blocks decoded with the interval off
};

DecoderRestarts DecoderRestartsOf(const Layout& l) {
#ifdef LIBJPEG_TURBO_VERSION
  if (l.restarts == 0) return {l.blocks_wide, l.blocks_high - 1};
#endif
  return {l.interval, 0};
}

bool IsCodable(uint32_t width, uint32_t height) {
  return width > 0 && height > 0 && width % kBlock == 0 && height % kBlock == 0 &&
         width <= FTC_MAX_PLANE_SIDE && height <= FTC_MAX_PLANE_SIDE;
}

// ---------------------------------------------------------------------------------------------------------
// Huffman tables. JHUFF_TBL is libjpeg's form (counts of each length, then the symbols in code order);
// CodeLengths is the per-symbol form that optimisation produces and the payload stores, canonical: within a
// length, symbols are in increasing order.

using CodeLengths = std::array<uint8_t, 256>;  // 0: the symbol has no code
using SymbolCounts = std::array<uint64_t, 256>;

void TableFromLengths(const CodeLengths& lengths, JHUFF_TBL* table) {
  uint8_t coded[256];  // the symbols with a code, in increasing order
  int n = 0;
  for (int symbol = 0; symbol < 256; ++symbol) {
    coded[n] = static_cast<uint8_t>(symbol);
    n += lengths[symbol] != 0;
  }
  int count[kMaxCodeLength + 1] = {};
  for (int i = 0; i < n; ++i) ++count[lengths[coded[i]]];
  int next[kMaxCodeLength + 1];
  table->bits[0] = 0;
  for (int len = 1, position = 0; len <= kMaxCodeLength; ++len) {
    table->bits[len] = static_cast<UINT8>(count[len]);
    next[len] = position;
    position += count[len];
  }
  for (int i = 0; i < n; ++i) table->huffval[next[lengths[coded[i]]]++] = coded[i];
}

CodeLengths LengthsFromTable(const JHUFF_TBL& table) {
  CodeLengths lengths{};
  int k = 0;
  for (int len = 1; len <= kMaxCodeLength; ++len)
    for (int i = 0; i < table.bits[len]; ++i) lengths[table.huffval[k++]] = static_cast<uint8_t>(len);
  return lengths;
}

struct Code {
  uint32_t bits = 0;
  int length = 0;  // 0: the table has no code for the symbol
};

Code CodeOf(const JHUFF_TBL& table, int symbol) {
  uint32_t code = 0;
  int k = 0;
  for (int len = 1; len <= kMaxCodeLength; ++len, code <<= 1)
    for (int i = 0; i < table.bits[len]; ++i, ++code)
      if (table.huffval[k++] == symbol) return {code, len};
  return {};
}

// A prefix code must leave room for the all-ones codeword, which JPEG forbids (it would look like padding).
bool LeavesAllOnesFree(const JHUFF_TBL& table) {
  uint32_t kraft = 0;  // in units of 2^-16
  for (int len = 1; len <= kMaxCodeLength; ++len)
    kraft += static_cast<uint32_t>(table.bits[len]) << (kMaxCodeLength - len);
  return kraft < (1u << kMaxCodeLength);
}

// Code lengths of an optimal prefix code for `freq`, at most 16 bits long, that never uses the all-ones
// codeword: the method of JPEG Annex K.2 (a pseudo-symbol of frequency 1 takes that codeword, then goes).
CodeLengths OptimalLengths(const SymbolCounts& freq) {
  constexpr int kPseudo = 256;
  constexpr int kMaxLeaves = 257;
  struct Leaf {
    uint64_t freq;
    int symbol;
  };
  Leaf leaves[kMaxLeaves];
  int n = 0;
  for (int s = 0; s < 256; ++s)
    if (freq[s]) leaves[n++] = {freq[s], s};
  leaves[n++] = {1, kPseudo};
  // Ascending frequency; among equals the pseudo-symbol first, so that it tends to sit deepest.
  std::sort(leaves, leaves + n, [](const Leaf& a, const Leaf& b) {
    return a.freq != b.freq ? a.freq < b.freq : a.symbol > b.symbol;
  });

  // Huffman's construction with two queues: leaves in order, and internal nodes, which are made in
  // non-decreasing weight. Nodes 0..n-1 are the leaves, n..2n-2 the internal nodes; a parent's index is
  // always higher than its children's.
  uint64_t weight[2 * kMaxLeaves];
  int parent[2 * kMaxLeaves];
  int depth[2 * kMaxLeaves];
  for (int i = 0; i < n; ++i) weight[i] = leaves[i].freq;
  int next_leaf = 0, next_internal = n, made = n;
  auto take = [&] {
    if (next_leaf < n && (next_internal == made || weight[next_leaf] <= weight[next_internal]))
      return next_leaf++;
    return next_internal++;
  };
  while (made < 2 * n - 1) {
    const int a = take(), b = take();
    weight[made] = weight[a] + weight[b];
    parent[a] = parent[b] = made;
    ++made;
  }
  depth[2 * n - 2] = 0;
  for (int i = 2 * n - 3; i >= 0; --i) depth[i] = depth[parent[i]] + 1;

  // Limit the lengths to 16 bits (Annex K.2, Figure K.3): each step keeps the code complete.
  int count[kMaxLeaves + 1] = {};
  int longest = 0;
  for (int i = 0; i < n; ++i) {
    ++count[depth[i]];
    longest = std::max(longest, depth[i]);
  }
  for (int len = longest; len > kMaxCodeLength; --len) {
    while (count[len] > 0) {
      int shorter = len - 2;
      while (count[shorter] == 0) --shorter;
      count[len] -= 2;
      count[len - 1] += 1;
      count[shorter + 1] += 2;
      count[shorter] -= 1;
    }
  }

  // Hand the lengths out shortest first, to the leaves in order of their Huffman depth (most frequent
  // first among equals): leaves in reverse are nearly in that order already.
  int order[kMaxLeaves];
  for (int i = 0; i < n; ++i) order[i] = n - 1 - i;
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && depth[order[j - 1]] > depth[order[j]]; --j) std::swap(order[j - 1], order[j]);
  int final_length[kMaxLeaves];
  for (int i = 0, len = 1; i < n; ++i) {
    while (count[len] == 0) ++len;
    --count[len];
    final_length[i] = len;
  }
  // The pseudo-symbol must hold a longest code: being the highest symbol, it then takes the last codeword
  // of the complete code, the all-ones one. Trading lengths with the last leaf never lengthens a real code.
  for (int i = 0; i < n - 1; ++i)
    if (leaves[order[i]].symbol == kPseudo) std::swap(order[i], order[n - 1]);

  CodeLengths lengths{};
  for (int i = 0; i < n - 1; ++i) lengths[leaves[order[i]].symbol] = static_cast<uint8_t>(final_length[i]);
  return lengths;
}

// ---------------------------------------------------------------------------------------------------------
// Bits, most significant first.

class BitWriter {
 public:
  // `jpeg_stuffing`: write 0xFF as 0xFF 0x00, as an entropy-coded segment must.
  BitWriter(std::vector<uint8_t>* out, bool jpeg_stuffing) : out_(out), stuffing_(jpeg_stuffing) {}

  // Writes the low `count` bits of `value` (no higher bit set), 0 <= count <= 32.
  void Write(uint32_t value, int count) {
    if (count == 0) return;
    acc_ |= uint64_t{value} << (64 - filled_ - count);
    filled_ += count;
    if (filled_ >= 32) Spill(4);
  }
  // Pads the last byte with `pad_bit` and writes out everything.
  void Finish(int pad_bit) {
    const int pad = (8 - filled_ % 8) % 8;
    Write(pad_bit ? (1u << pad) - 1 : 0, pad);
    Spill(filled_ / 8);
  }

 private:
  void Spill(int bytes) {
    for (int i = 0; i < bytes; ++i, acc_ <<= 8) {
      const auto b = static_cast<uint8_t>(acc_ >> 56);
      out_->push_back(b);
      if (stuffing_ && b == 0xFF) out_->push_back(0x00);
    }
    filled_ -= 8 * bytes;
  }
  std::vector<uint8_t>* out_;
  bool stuffing_;
  uint64_t acc_ = 0;  // left-aligned: the next bit out is bit 63
  int filled_ = 0;    // < 32 between calls
};

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  // The next `count` bits, 1 <= count <= 24, zero-padded past the end.
  uint32_t Peek(int count) const {
    uint32_t window = 0;
    for (size_t i = position_ / 8; i < position_ / 8 + 4; ++i)
      window = window << 8 | (i < data_.size() ? data_[i] : 0);
    return (window << (position_ % 8)) >> (32 - count);
  }
  bool Skip(int count) {
    if (position_ + static_cast<size_t>(count) > data_.size() * 8) return false;
    position_ += static_cast<size_t>(count);
    return true;
  }
  // Whole bytes read so far, once the rest of the current byte is checked to be zero padding.
  bool FinishByte(size_t* bytes) {
    const int pad = static_cast<int>((8 - position_ % 8) % 8);
    if (pad > 0 && (Peek(pad) != 0 || !Skip(pad))) return false;
    *bytes = position_ / 8;
    return true;
  }

 private:
  std::span<const uint8_t> data_;
  size_t position_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// The compact description of optimised tables (docs/JPEG.md, "Optimised Huffman tables"): code lengths per
// symbol, each a signed Exp-Golomb difference from a neighbour's. One traversal serves writing and reading.

class TableWriter {
 public:
  explicit TableWriter(std::vector<uint8_t>* out) : bits_(out, false) {}
  bool Bits(int* value, int count) {
    bits_.Write(static_cast<uint32_t>(*value), count);
    return true;
  }
  bool Delta(int* value, int predicted, int, int) {
    const int d = *value - predicted;
    const uint32_t u = static_cast<uint32_t>(d > 0 ? 2 * d - 1 : -2 * d) + 1;  // signed to unsigned, plus 1
    const int width = std::bit_width(u);
    bits_.Write(0, width - 1);
    bits_.Write(u, width);
    return true;
  }
  void Finish() { bits_.Finish(0); }

 private:
  BitWriter bits_;
};

class TableReader {
 public:
  explicit TableReader(std::span<const uint8_t> data) : bits_(data) {}
  bool Bits(int* value, int count) {
    *value = static_cast<int>(bits_.Peek(count));
    return bits_.Skip(count);
  }
  bool Delta(int* value, int predicted, int lo, int hi) {
    const int zeros = std::countl_zero(static_cast<uint16_t>(bits_.Peek(16)));
    if (zeros > 8) return false;  // no length difference needs more
    const int u = static_cast<int>(bits_.Peek(2 * zeros + 1)) - 1;
    *value = predicted + ((u & 1) ? (u + 1) / 2 : -(u / 2));
    return bits_.Skip(2 * zeros + 1) && *value >= lo && *value <= hi;
  }
  bool Finish(size_t* bytes) { return bits_.FinishByte(bytes); }

 private:
  BitReader bits_;
};

// DC: how many categories are described (1..12), then each length as a difference from the last present
// one. AC: EOB, whether ZRL is present and its length, then for each run 0..15 the largest size present
// (a difference from the previous run's) and the lengths of sizes 1..that, each a difference from the last
// present length in the run, starting from the previous run's size-1 length (else EOB's). DC category 0
// and EOB must be present (the decoder's closing row of blocks uses them).
template <typename Coder>
bool CodeTables(Coder& c, CodeLengths& dc, CodeLengths& ac) {
  int categories = 0;
  for (int s = 0; s < kDcSymbols; ++s)
    if (dc[s]) categories = s + 1;
  if (!c.Bits(&categories, 4) || categories < 1 || categories > kDcSymbols) return false;
  for (int s = 0, predicted = 3; s < categories; ++s) {
    int len = dc[s];
    if (!c.Delta(&len, predicted, 0, kMaxCodeLength)) return false;
    dc[s] = static_cast<uint8_t>(len);
    if (len) predicted = len;
  }
  if (dc[0] == 0 || dc[categories - 1] == 0) return false;

  int eob = ac[0x00];
  if (!c.Delta(&eob, 4, 1, kMaxCodeLength)) return false;
  ac[0x00] = static_cast<uint8_t>(eob);
  int has_zrl = ac[0xF0] != 0;
  if (!c.Bits(&has_zrl, 1)) return false;
  if (has_zrl) {
    int len = ac[0xF0];
    if (!c.Delta(&len, 11, 1, kMaxCodeLength)) return false;
    ac[0xF0] = static_cast<uint8_t>(len);
  }
  for (int run = 0, previous_largest = 10; run < 16; ++run) {
    uint8_t* lengths = &ac[run << 4];  // lengths[size], size 1..10
    int largest = 0;
    for (int size = 1; size <= 10; ++size)
      if (lengths[size]) largest = size;
    if (!c.Delta(&largest, previous_largest, 0, 10)) return false;
    previous_largest = largest;
    int predicted = (run > 0 && ac[(run - 1) << 4 | 1]) ? ac[(run - 1) << 4 | 1] : eob;
    for (int size = 1; size <= largest; ++size) {
      int len = lengths[size];
      if (!c.Delta(&len, predicted, 0, kMaxCodeLength)) return false;
      lengths[size] = static_cast<uint8_t>(len);
      if (len) predicted = len;
    }
    if (largest > 0 && lengths[largest] == 0) return false;
  }
  return true;
}

void WriteTables(CodeLengths dc, CodeLengths ac, std::vector<uint8_t>* out) {
  out->assign(1, kTablesFlag);
  TableWriter writer(out);
  [[maybe_unused]] const bool ok = CodeTables(writer, dc, ac);
  assert(ok);
  writer.Finish();
}

// Reads the tables after the flag byte into `dc` and `ac`; `bytes` receives the size of flag and tables.
Status ReadTables(std::span<const uint8_t> payload, JHUFF_TBL* dc, JHUFF_TBL* ac, size_t* bytes) {
  CodeLengths dc_lengths{}, ac_lengths{};
  TableReader reader(payload.subspan(1));
  size_t table_bytes = 0;
  if (!CodeTables(reader, dc_lengths, ac_lengths) || !reader.Finish(&table_bytes))
    return Corrupt("jpeg: malformed Huffman tables");
  TableFromLengths(dc_lengths, dc);
  TableFromLengths(ac_lengths, ac);
  if (!LeavesAllOnesFree(*dc) || !LeavesAllOnesFree(*ac)) return Corrupt("jpeg: Huffman tables overflow");
  *bytes = 1 + table_bytes;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------------
// The quantised blocks libjpeg's DCT pass produces, kept for the entropy coding pass, with the Huffman
// symbols they will be coded as counted.

// Zig-zag order: the natural (row-major) index of the k-th coefficient coded (T.81 Figure A.6).
constexpr uint8_t kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// Bits of the magnitude of a non-zero coefficient or difference: its size category (T.81 F.1.2).
int SizeOf(int v) {
  return std::bit_width(static_cast<unsigned>(v < 0 ? -v : v));
}

// Bit k set when the k-th coefficient in zig-zag order, k >= 1, is not zero.
uint64_t NonZeroAc(const int16_t (&zz)[64]) {
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  uint64_t zeros = 0;
  for (int i = 0; i < 4; ++i) {  // 16 coefficients at a time; packing saturates, so non-zero stays so
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(zz + 16 * i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(zz + 16 * i + 8));
    const auto bits = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_packs_epi16(a, b), zero)));
    zeros |= uint64_t{bits} << (16 * i);
  }
  return ~zeros & ~uint64_t{1};
#else
  uint64_t mask = 0;
  for (int k = 1; k < 64; ++k) mask |= uint64_t{zz[k] != 0} << k;
  return mask;
#endif
}

class KeptBlocks {
 public:
  // Room for the plane's `blocks` blocks; the DC prediction restarts every `interval` of them. False when
  // out of memory.
  bool Begin(uint64_t blocks, uint32_t interval) {
    if (blocks > capacity_) {
      coefficients_.reset(new (std::nothrow) JCOEF[blocks * DCTSIZE2]);
      capacity_ = coefficients_ ? blocks : 0;
      if (!coefficients_) return false;
    }
    blocks_ = blocks;
    count_ = 0;
    interval_ = interval;
    dc_.fill(0);
    ac_.fill(0);
    return true;
  }

  // Keeps a block (in natural order, as libjpeg's entropy encoder receives it) and counts its symbols the
  // way that encoder codes them (T.81 F.1.2): the DC difference's category; each non-zero AC coefficient
  // as (run of zeros before it, size), runs of 16 zeros within as ZRL; EOB when zeros end the block.
  // Blocks beyond the plane's are only counted, which complete() then shows.
  void Keep(const JCOEF* block) {
    const uint64_t i = count_++;
    if (i >= blocks_) return;
    std::memcpy(coefficients_.get() + i * DCTSIZE2, block, sizeof(JCOEF) * DCTSIZE2);
    const int previous_dc = i % interval_ == 0 ? 0 : last_dc_;
    last_dc_ = block[0];
    ++dc_[SizeOf(block[0] - previous_dc)];
    int16_t zz[64];
    for (int k = 0; k < 64; ++k) zz[k] = block[kZigzag[k]];
    int last = 0;  // the last coefficient coded
    for (uint64_t nonzero = NonZeroAc(zz); nonzero != 0; nonzero &= nonzero - 1) {
      const int k = std::countr_zero(nonzero);
      const int run = k - last - 1;
      ac_[0xF0] += static_cast<unsigned>(run >> 4);
      ++ac_[(run & 15) << 4 | SizeOf(zz[k])];
      last = k;
    }
    if (last != 63) ++ac_[0x00];
  }

  // Whether libjpeg handed over each block of the plane, once.
  bool complete() const { return count_ == blocks_; }
  uint64_t blocks() const { return blocks_; }
  JBLOCKROW block(uint64_t i) { return reinterpret_cast<JBLOCKROW>(coefficients_.get() + i * DCTSIZE2); }
  const SymbolCounts& dc() const { return dc_; }
  const SymbolCounts& ac() const { return ac_; }

 private:
  std::unique_ptr<JCOEF[]> coefficients_;
  uint64_t capacity_ = 0, blocks_ = 0, count_ = 0;
  uint32_t interval_ = 1;
  int last_dc_ = 0;
  SymbolCounts dc_{}, ac_{};
};

// ---------------------------------------------------------------------------------------------------------
// libjpeg glue: an error manager that turns every error and warning into a longjmp, a destination that
// grows a buffer, and a source that reads a synthesised header, the payload's scan and a synthesised
// trailer in place. Functions that call setjmp hold no objects with destructors.

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

[[noreturn]] void ErrorExit(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<ErrorManager*>(cinfo->err)->jump, 1);
}

// Level -1 is a warning: corrupt data that libjpeg would paper over. Higher levels are trace messages.
void EmitMessage(j_common_ptr cinfo, int level) {
  if (level < 0) ErrorExit(cinfo);
}

void OutputMessage(j_common_ptr) {}

class Buffer {
 public:
  uint8_t* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }
  // Grows to at least `capacity` bytes keeping the first `keep`; false when out of memory.
  bool Grow(size_t capacity, size_t keep) {
    if (capacity <= capacity_) return true;
    std::unique_ptr<uint8_t[]> bigger(new (std::nothrow) uint8_t[capacity]);
    if (!bigger) return false;
    if (keep) std::memcpy(bigger.get(), data_.get(), keep);
    data_ = std::move(bigger);
    capacity_ = capacity;
    return true;
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

struct Sink {
  jpeg_destination_mgr pub;
  Buffer* buffer;
  size_t first_capacity;  // what the buffer needs at least to start with
  size_t size;            // bytes written, after term_destination
};

Sink* SinkOf(j_compress_ptr c) {
  return reinterpret_cast<Sink*>(c->dest);
}

void SinkInit(j_compress_ptr c) {
  Sink* s = SinkOf(c);
  if (!s->buffer->Grow(s->first_capacity, 0)) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
  s->pub.next_output_byte = s->buffer->data();
  s->pub.free_in_buffer = s->buffer->capacity();
}

boolean SinkGrow(j_compress_ptr c) {
  Sink* s = SinkOf(c);
  const size_t used = s->buffer->capacity();
  if (!s->buffer->Grow(std::max<size_t>(2 * used, 4096), used)) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
  s->pub.next_output_byte = s->buffer->data() + used;
  s->pub.free_in_buffer = s->buffer->capacity() - used;
  return TRUE;
}

void SinkTerm(j_compress_ptr c) {
  Sink* s = SinkOf(c);
  s->size = s->buffer->capacity() - s->pub.free_in_buffer;
}

struct Source {
  jpeg_source_mgr pub;
  std::span<const uint8_t> segments[3];  // header, scan, trailer
  int next;                              // the segment fill_input_buffer hands out next

  void Reset() {
    pub.bytes_in_buffer = 0;
    pub.next_input_byte = nullptr;
    next = 0;
  }
  bool Exhausted() const {
    for (int i = next; i < 3; ++i)
      if (!segments[i].empty()) return false;
    return pub.bytes_in_buffer == 0;
  }
};

Source* SourceOf(j_decompress_ptr d) {
  return reinterpret_cast<Source*>(d->src);
}

void SourceInit(j_decompress_ptr) {}

boolean SourceFill(j_decompress_ptr d) {
  Source* s = SourceOf(d);
  while (s->next < 3 && s->segments[s->next].empty()) ++s->next;
  if (s->next == 3) {
    static const JOCTET kEoi[2] = {0xFF, JPEG_EOI};
    WARNMS(d, JWRN_JPEG_EOF);  // does not return (EmitMessage)
    s->pub.next_input_byte = kEoi;
    s->pub.bytes_in_buffer = 2;
    return TRUE;
  }
  s->pub.next_input_byte = s->segments[s->next].data();
  s->pub.bytes_in_buffer = s->segments[s->next].size();
  ++s->next;
  return TRUE;
}

void SourceSkip(j_decompress_ptr d, long count) {
  Source* s = SourceOf(d);
  while (count > static_cast<long>(s->pub.bytes_in_buffer)) {
    count -= static_cast<long>(s->pub.bytes_in_buffer);
    SourceFill(d);
  }
  if (count > 0) {
    s->pub.next_input_byte += count;
    s->pub.bytes_in_buffer -= static_cast<size_t>(count);
  }
}

void SourceTerm(j_decompress_ptr) {}

enum class HuffmanMode { kStandard, kOptimized, kAuto };

struct JpegState {
  ErrorManager error{};
  jpeg_compress_struct compress{};
  jpeg_decompress_struct decompress{};
  Sink sink{};
  Source source{};
  HuffmanMode mode = HuffmanMode::kAuto;
  JHUFF_TBL standard_dc{}, standard_ac{};
  CodeLengths standard_dc_lengths{}, standard_ac_lengths{};
  Buffer encoded;               // what libjpeg writes
  KeptBlocks kept;              // the plane's quantised blocks, when optimising
  std::vector<uint8_t> tables;  // flag byte and optimised tables
  std::vector<uint8_t> scan;    // an optimised scan, while the standard one is coded to compare
  int decoder_quality = 0;      // quality of the quantisation table loaded into `decompress`
  std::vector<uint8_t> header, trailer, spare_rows;  // spare_rows: the closing row of blocks
};

bool InitLibjpeg(JpegState* s) {
  if (setjmp(s->error.jump)) return false;
  s->compress.err = &s->error.pub;
  jpeg_create_compress(&s->compress);
  s->compress.client_data = s;
  s->decompress.err = &s->error.pub;
  jpeg_create_decompress(&s->decompress);
  s->compress.in_color_space = JCS_GRAYSCALE;
  s->compress.input_components = 1;
  jpeg_set_defaults(&s->compress);
  s->decompress.quant_tbl_ptrs[0] = jpeg_alloc_quant_table(reinterpret_cast<j_common_ptr>(&s->decompress));
  s->decompress.dc_huff_tbl_ptrs[0] = jpeg_alloc_huff_table(reinterpret_cast<j_common_ptr>(&s->decompress));
  s->decompress.ac_huff_tbl_ptrs[0] = jpeg_alloc_huff_table(reinterpret_cast<j_common_ptr>(&s->decompress));
  return true;
}

void DestroyLibjpeg(JpegState* s) {
  jpeg_destroy_compress(&s->compress);  // both accept a struct whose creation failed part way
  jpeg_destroy_decompress(&s->decompress);
}

Status LibjpegFailure(JpegState* s, ftc_result code, const char* doing) {
  char text[JMSG_LENGTH_MAX];
  (*s->error.pub.format_message)(reinterpret_cast<j_common_ptr>(&s->compress), text);
  if (s->error.pub.msg_code == JERR_OUT_OF_MEMORY) code = FTC_ERROR_OUT_OF_MEMORY;
  return {code, std::string("jpeg: ") + doing + ": " + text};
}

void CopyTable(const JHUFF_TBL& from, JHUFF_TBL* to) {
  std::memcpy(to->bits, from.bits, sizeof(to->bits));
  std::memcpy(to->huffval, from.huffval, sizeof(to->huffval));
}

// libjpeg's entropy encoder while the DCT pass runs for optimised tables: it keeps each quantised block (an
// MCU is one block: one component, one scan) and counts its symbols.
boolean KeepBlock(j_compress_ptr c, JBLOCKROW* mcu) {
  static_cast<JpegState*>(c->client_data)->kept.Keep(mcu[0][0]);
  return TRUE;
}

// Bits the optimised tables save on `counts` against the standard ones.
int64_t SavedBits(const SymbolCounts& counts, const CodeLengths& standard, const CodeLengths& optimised) {
  int64_t saved = 0;
  for (int s = 0; s < 256; ++s)
    if (counts[s]) saved += static_cast<int64_t>(counts[s]) * (standard[s] - optimised[s]);
  return saved;
}

// Bits of the codes and extra bits of `counts` (`size_mask`: what of a symbol is the extra bits' count).
uint64_t CodedBits(const SymbolCounts& counts, const CodeLengths& lengths, int size_mask) {
  uint64_t bits = 0;
  for (int s = 0; s < 256; ++s) bits += counts[s] * static_cast<uint64_t>(lengths[s] + (s & size_mask));
  return bits;
}

// Picks the tables for the kept blocks: the optimal ones for their symbols (written to s->tables, and to
// `dc` and `ac` in libjpeg's form), except in auto mode when they would cost at least what they save.
// `standard_bytes`: a lower bound on the scan with the standard tables (it leaves out padding and stuffing).
bool ChooseOptimisedTables(JpegState* s, JHUFF_TBL* dc_table, JHUFF_TBL* ac_table, uint64_t* standard_bytes) {
  const SymbolCounts& dc_counts = s->kept.dc();
  const SymbolCounts& ac_counts = s->kept.ac();
  *standard_bytes = (CodedBits(dc_counts, s->standard_dc_lengths, 0xFF) +
                     CodedBits(ac_counts, s->standard_ac_lengths, 0x0F)) /
                    8;
  // DC category 0 and EOB must have codes (the decoder's closing row uses them), even when unused.
  SymbolCounts dc_weights = dc_counts, ac_weights = ac_counts;
  dc_weights[0] = std::max<uint64_t>(dc_weights[0], 1);
  ac_weights[0x00] = std::max<uint64_t>(ac_weights[0x00], 1);
  const CodeLengths dc = OptimalLengths(dc_weights), ac = OptimalLengths(ac_weights);
  WriteTables(dc, ac, &s->tables);
  const int64_t saved_bits =
      SavedBits(dc_counts, s->standard_dc_lengths, dc) + SavedBits(ac_counts, s->standard_ac_lengths, ac);
  if (s->mode == HuffmanMode::kAuto && saved_bits / 8 <= static_cast<int64_t>(s->tables.size())) return false;
  TableFromLengths(dc, dc_table);
  TableFromLengths(ac, ac_table);
  return true;
}

struct Compressed {
  size_t size = 0;              // bytes of the stream libjpeg wrote to s->encoded
  bool optimised = false;       // its scan uses s->tables
  uint64_t standard_bytes = 0;  // when optimised: a lower bound on the scan with the standard tables
};

// Codes `plane` as a complete JPEG stream, less the tables, into s->encoded: with the standard tables, or,
// when `optimise`, with the tables ChooseOptimisedTables picks. Optimising runs the DCT once, as libjpeg's
// own optimize_coding does: libjpeg's entropy encoder sits out the DCT pass while the blocks are kept and
// counted, then codes the kept blocks with the tables chosen (start_pass derives them and resets its state),
// so the scan is the one libjpeg would write with those tables from the plane. Should libjpeg not hand over
// each block once (s->kept.complete()), the scan is left empty.
bool Compress(JpegState* s, const PlaneView& plane, int quality, unsigned restart_interval, bool optimise,
              Compressed* out) {
  jpeg_compress_struct* c = &s->compress;
  if (setjmp(s->error.jump)) {
    jpeg_abort_compress(c);
    return false;
  }
  s->sink.buffer = &s->encoded;
  s->sink.first_capacity = static_cast<size_t>(plane.width) * plane.height / 2 + 4096;
  c->dest = &s->sink.pub;
  c->image_width = plane.width;
  c->image_height = plane.height;
  c->input_components = 1;
  c->in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(c);
  jpeg_set_quality(c, quality, TRUE);
  c->dct_method = JDCT_ISLOW;
  c->write_JFIF_header = FALSE;
  c->restart_interval = restart_interval;
  // Always: jpeg_set_defaults leaves Huffman tables that exist as they are, the last optimised ones too.
  CopyTable(s->standard_dc, c->dc_huff_tbl_ptrs[0]);
  CopyTable(s->standard_ac, c->ac_huff_tbl_ptrs[0]);
  jpeg_suppress_tables(c, TRUE);  // the tables would be stripped anyway
  // The plane is the component as the DCT takes it: raw data skips libjpeg's colour conversion and
  // downsampling, two copies of the plane that change nothing for one 8-bit component.
  c->raw_data_in = TRUE;
  jpeg_start_compress(c, FALSE);
  const jpeg_entropy_encoder entropy = *c->entropy;
  if (optimise) c->entropy->encode_mcu = KeepBlock;
  JSAMPROW rows[kBlock];
  JSAMPARRAY component = rows;
  while (c->next_scanline < c->image_height) {  // one row of blocks per call; libjpeg only reads the rows
    for (unsigned i = 0; i < kBlock; ++i)
      rows[i] = const_cast<JSAMPROW>(plane.data + static_cast<size_t>(c->next_scanline + i) * plane.width);
    jpeg_write_raw_data(c, &component, kBlock);
  }
  if (optimise && s->kept.complete()) {
    JHUFF_TBL dc{}, ac{};
    out->optimised = ChooseOptimisedTables(s, &dc, &ac, &out->standard_bytes);
    if (out->optimised) {
      CopyTable(dc, c->dc_huff_tbl_ptrs[0]);
      CopyTable(ac, c->ac_huff_tbl_ptrs[0]);
    }
    c->entropy->encode_mcu = entropy.encode_mcu;
    entropy.start_pass(c, FALSE);
    for (uint64_t i = 0; i < s->kept.blocks(); ++i) {
      JBLOCKROW block = s->kept.block(i);
      if (!c->entropy->encode_mcu(c, &block)) ERREXIT(c, JERR_CANT_SUSPEND);
    }
  }
  jpeg_finish_compress(c);
  out->size = s->sink.size;
  return true;
}

// The entropy-coded data of a stream libjpeg wrote: what lies between the SOS segment and EOI.
std::span<const uint8_t> ScanOf(const Buffer& stream, size_t size) {
  const uint8_t* b = stream.data();
  if (size < 4 || b[0] != 0xFF || b[1] != kSoi || b[size - 2] != 0xFF || b[size - 1] != JPEG_EOI) return {};
  for (size_t at = 2; at + 4 <= size;) {
    if (b[at] != 0xFF) return {};
    const size_t end = at + 2 + (static_cast<size_t>(b[at + 2]) << 8 | b[at + 3]);
    if (b[at + 1] == kSos)
      return end <= size - 2 ? std::span<const uint8_t>(b + end, size - 2 - end) : std::span<const uint8_t>();
    at = end;
  }
  return {};
}

enum class Decoded { kOk, kLibjpegError, kWrongSize, kTrailingData };

// Decodes the stream the source holds into `plane`; the extra closing row of blocks goes to spare_rows.
Decoded Decompress(JpegState* s, MutablePlane plane, const DecoderRestarts& restarts) {
  jpeg_decompress_struct* d = &s->decompress;
  if (setjmp(s->error.jump)) {
    jpeg_abort_decompress(d);
    return Decoded::kLibjpegError;
  }
  d->src = &s->source.pub;
  s->source.Reset();
  jpeg_read_header(d, TRUE);
  d->out_color_space = JCS_GRAYSCALE;
  d->dct_method = JDCT_ISLOW;
  // Raw data: the inverse DCT writes straight into the plane, without the copy that colour conversion makes
  // of one 8-bit component.
  d->raw_data_out = TRUE;
  jpeg_start_decompress(d);
  const JDIMENSION rows_total = plane.height + 1;
  if (d->output_width != plane.width || d->output_height != rows_total || d->output_components != 1) {
    jpeg_abort_decompress(d);
    return Decoded::kWrongSize;
  }
  JSAMPROW rows[kBlock];
  JSAMPARRAY component = rows;
  if (restarts.rows_off > 0) d->restart_interval = 0;
  while (d->output_scanline < rows_total) {  // one row of blocks per call
    const JDIMENSION first = d->output_scanline;
    if (first == restarts.rows_off * kBlock) d->restart_interval = restarts.interval;
    for (JDIMENSION i = 0; i < kBlock; ++i)
      rows[i] = first < plane.height ? plane.data + static_cast<size_t>(first + i) * plane.width
                                     : s->spare_rows.data() + static_cast<size_t>(i) * plane.width;
    if (jpeg_read_raw_data(d, &component, kBlock) == 0) {
      jpeg_abort_decompress(d);
      return Decoded::kWrongSize;
    }
  }
  jpeg_finish_decompress(d);
  return s->source.Exhausted() ? Decoded::kOk : Decoded::kTrailingData;
}

// Loads the quantisation table of `quality` into the decoder: libjpeg computes it, as when encoding.
bool LoadQuantTable(JpegState* s, int quality) {
  if (quality == s->decoder_quality) return true;
  if (setjmp(s->error.jump)) return false;
  jpeg_set_quality(&s->compress, quality, TRUE);
  std::memcpy(s->decompress.quant_tbl_ptrs[0]->quantval, s->compress.quant_tbl_ptrs[0]->quantval,
              sizeof(s->compress.quant_tbl_ptrs[0]->quantval));
  s->decoder_quality = quality;
  return true;
}

void AppendMarker(std::vector<uint8_t>* out, uint8_t marker, std::initializer_list<uint8_t> body) {
  const size_t length = body.size() + 2;
  out->insert(out->end(), {0xFF, marker, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)});
  out->insert(out->end(), body);
}

uint8_t Hi(uint32_t v) {
  return static_cast<uint8_t>(v >> 8);
}
uint8_t Lo(uint32_t v) {
  return static_cast<uint8_t>(v);
}

// SOI, SOF0 (one more row than the plane: the closing row of blocks), DRI, SOS.
void BuildHeader(uint32_t width, uint32_t height, uint32_t restart_interval, std::vector<uint8_t>* out) {
  out->assign({0xFF, kSoi});
  const uint32_t rows = height + 1;
  AppendMarker(out, kSof0, {8, Hi(rows), Lo(rows), Hi(width), Lo(width), 1, 1, 0x11, 0});
  AppendMarker(out, kDri, {Hi(restart_interval), Lo(restart_interval)});
  AppendMarker(out, kSos, {1, 1, 0x00, 0, 63, 0});
}

// The restart marker that closes the payload's last interval, a row of flat blocks (DC difference 0, EOB),
// TEM and EOI. libjpeg reports the bytes it skipped at a restart only when it next looks for a marker byte
// by byte; its bit reader stops at TEM, which it ignores, so EOI is looked for that way.
void BuildTrailer(const JHUFF_TBL& dc, const JHUFF_TBL& ac, const Layout& l, std::vector<uint8_t>* out) {
  out->assign({0xFF, l.tail_marker()});
  const Code dc0 = CodeOf(dc, 0), eob = CodeOf(ac, 0x00);
  assert(dc0.length > 0 && eob.length > 0);
  BitWriter bits(out, true);
  for (uint32_t i = 0; i < l.blocks_wide; ++i) {
    bits.Write(dc0.bits, dc0.length);
    bits.Write(eob.bits, eob.length);
  }
  bits.Finish(1);
  out->insert(out->end(), {0xFF, kTem, 0xFF, JPEG_EOI});
}

// The scan's bytes as libjpeg's encoder writes them: 0xFF only as 0xFF 0x00 or as the expected restart
// markers, in sequence. Anything else (EOI, fill bytes, a lone 0xFF at the end) is not a scan of ours.
Status CheckScanBytes(std::span<const uint8_t> scan, const Layout& l) {
  if (scan.empty()) return Corrupt("jpeg: empty scan");
  const uint8_t* p = scan.data();
  const uint8_t* const end = p + scan.size();
  uint64_t restarts = 0;
  while ((p = static_cast<const uint8_t*>(std::memchr(p, 0xFF, static_cast<size_t>(end - p)))) != nullptr) {
    if (end - p < 2) return Corrupt("jpeg: the scan ends with 0xFF");
    if (p[1] != 0x00) {
      if (p[1] != JPEG_RST0 + (restarts & 7) || restarts == l.restarts) {
        char marker[8];
        std::snprintf(marker, sizeof(marker), "0xFF%02X", p[1]);
        return Corrupt(std::string("jpeg: unexpected marker ") + marker + " in the scan");
      }
      ++restarts;
    }
    p += 2;
  }
  if (restarts != l.restarts)
    return Corrupt("jpeg: the scan has " + std::to_string(restarts) + " restart markers, not " +
                   std::to_string(l.restarts));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------------
// The backend

Status JpegCreate(const Options& options, void** state) {
  auto s = std::make_unique<JpegState>();
  std::string huffman;
  if (options.Get("huffman", &huffman)) {
    if (huffman == "standard")
      s->mode = HuffmanMode::kStandard;
    else if (huffman == "optimized")
      s->mode = HuffmanMode::kOptimized;
    else if (huffman != "auto")
      return InvalidArgument("jpeg: huffman=" + huffman + " is not one of standard, optimized, auto");
  }
  jpeg_std_error(&s->error.pub);
  s->error.pub.error_exit = ErrorExit;
  s->error.pub.emit_message = EmitMessage;
  s->error.pub.output_message = OutputMessage;
  s->sink.pub.init_destination = SinkInit;
  s->sink.pub.empty_output_buffer = SinkGrow;
  s->sink.pub.term_destination = SinkTerm;
  s->source.pub.init_source = SourceInit;
  s->source.pub.fill_input_buffer = SourceFill;
  s->source.pub.skip_input_data = SourceSkip;
  s->source.pub.resync_to_restart = jpeg_resync_to_restart;
  s->source.pub.term_source = SourceTerm;
  if (!InitLibjpeg(s.get())) {
    const Status failure = LibjpegFailure(s.get(), FTC_ERROR_BACKEND, "initialising libjpeg");
    DestroyLibjpeg(s.get());
    return failure;
  }
  CopyTable(*s->compress.dc_huff_tbl_ptrs[0], &s->standard_dc);
  CopyTable(*s->compress.ac_huff_tbl_ptrs[0], &s->standard_ac);
  s->standard_dc_lengths = LengthsFromTable(s->standard_dc);
  s->standard_ac_lengths = LengthsFromTable(s->standard_ac);
  s->tables.reserve(1024);  // more than the longest description: no allocation inside the libjpeg calls
  *state = s.release();
  return Status::Ok();
}

void JpegDestroy(void* state) {
  auto* s = static_cast<JpegState*>(state);
  if (s == nullptr) return;
  DestroyLibjpeg(s);
  delete s;
}

Status JpegEncode(void* state, const PlaneView& plane, const CodingParams& params,
                  std::vector<uint8_t>* settings, std::vector<uint8_t>* payload) {
  auto* s = static_cast<JpegState*>(state);
  settings->clear();
  if (!IsCodable(plane.width, plane.height))
    return InvalidArgument("jpeg: the plane must be a non-empty multiple of 8 on each side, not " +
                           std::to_string(plane.width) + "x" + std::to_string(plane.height));
  if (params.quality < 1 || params.quality > 100)
    return InvalidArgument("jpeg: quality must be in 1..100, not " + std::to_string(params.quality));
  const Layout layout = LayoutOf(plane.width, plane.height);

  const bool optimise = s->mode != HuffmanMode::kStandard;
  if (optimise && !s->kept.Begin(layout.blocks, layout.interval))
    return {FTC_ERROR_OUT_OF_MEMORY, "jpeg: cannot keep the plane's blocks"};
  Compressed coded;
  if (!Compress(s, plane, params.quality, layout.encoder_interval(), optimise, &coded))
    return LibjpegFailure(s, FTC_ERROR_BACKEND, "encoding");
  if (optimise && !s->kept.complete())
    return {FTC_ERROR_INTERNAL, "jpeg: libjpeg handed over an unexpected number of blocks"};
  std::span<const uint8_t> scan = ScanOf(s->encoded, coded.size);
  if (scan.empty()) return {FTC_ERROR_INTERNAL, "jpeg: libjpeg wrote an unexpected stream"};

  if (coded.optimised && s->mode == HuffmanMode::kAuto &&
      s->tables.size() + scan.size() >= coded.standard_bytes) {
    // A close call, which padding and byte stuffing decide: code the standard scan too and keep the smaller.
    s->scan.assign(scan.begin(), scan.end());
    if (!Compress(s, plane, params.quality, layout.encoder_interval(), false, &coded))
      return LibjpegFailure(s, FTC_ERROR_BACKEND, "encoding");
    scan = ScanOf(s->encoded, coded.size);
    if (scan.empty()) return {FTC_ERROR_INTERNAL, "jpeg: libjpeg wrote an unexpected stream"};
    coded.optimised = s->tables.size() + s->scan.size() < scan.size();
    if (coded.optimised) scan = s->scan;
  }
  if (!coded.optimised) {
    payload->assign(scan.begin(), scan.end());
    return Status::Ok();
  }
  payload->resize(s->tables.size() + scan.size());
  std::memcpy(payload->data(), s->tables.data(), s->tables.size());
  std::memcpy(payload->data() + s->tables.size(), scan.data(), scan.size());
  return Status::Ok();
}

Status JpegDecode(void* state, std::span<const uint8_t> settings, std::span<const uint8_t> payload,
                  const CodingParams& params, MutablePlane plane) {
  auto* s = static_cast<JpegState*>(state);
  if (!settings.empty()) return Corrupt("jpeg: unexpected backend settings");
  if (!IsCodable(plane.width, plane.height))
    return Corrupt("jpeg: a " + std::to_string(plane.width) + "x" + std::to_string(plane.height) +
                   " plane is not a multiple of 8 on each side");
  if (params.quality < 1 || params.quality > 100)
    return Corrupt("jpeg: quality " + std::to_string(params.quality) + " is outside 1..100");
  const Layout layout = LayoutOf(plane.width, plane.height);

  JHUFF_TBL* dc = s->decompress.dc_huff_tbl_ptrs[0];
  JHUFF_TBL* ac = s->decompress.ac_huff_tbl_ptrs[0];
  std::span<const uint8_t> scan = payload;
  if (payload.size() >= 2 && payload[0] == kTablesFlag && payload[1] != 0x00) {
    size_t table_bytes = 0;
    FTC_RETURN_IF_ERROR(ReadTables(payload, dc, ac, &table_bytes));
    scan = payload.subspan(table_bytes);
  } else {
    CopyTable(s->standard_dc, dc);
    CopyTable(s->standard_ac, ac);
  }
  FTC_RETURN_IF_ERROR(CheckScanBytes(scan, layout));
  if (!LoadQuantTable(s, params.quality)) return LibjpegFailure(s, FTC_ERROR_BACKEND, "quantisation table");

  const DecoderRestarts restarts = DecoderRestartsOf(layout);
  BuildHeader(plane.width, plane.height, restarts.interval, &s->header);
  BuildTrailer(*dc, *ac, layout, &s->trailer);
  s->spare_rows.resize(static_cast<size_t>(kBlock) * plane.width);
  s->source.segments[0] = s->header;
  s->source.segments[1] = scan;
  s->source.segments[2] = s->trailer;
  switch (Decompress(s, plane, restarts)) {
    case Decoded::kOk:
      return Status::Ok();
    case Decoded::kLibjpegError:
      return LibjpegFailure(s, FTC_ERROR_CORRUPT, "decoding");
    case Decoded::kWrongSize:
      return Corrupt("jpeg: the payload does not decode to a " + std::to_string(plane.width) + "x" +
                     std::to_string(plane.height) + " plane");
    case Decoded::kTrailingData:
      return Corrupt("jpeg: data after the end of the scan");
  }
  return {FTC_ERROR_INTERNAL, "jpeg: unreachable"};
}

}  // namespace

extern const Backend kJpegBackend = {
    {"jpeg", kBackendJpeg, FTC_CAP_ENCODE | FTC_CAP_DECODE | FTC_CAP_QUALITY, kBlock, kLibrary,
     "baseline greyscale JPEG, scan data only; options huffman=auto|standard|optimized", kImplementation},
    true,
    JpegCreate,
    JpegEncode,
    JpegDecode,
    JpegDestroy,
    nullptr,
    nullptr,
    nullptr,
    nullptr};

}  // namespace ftc

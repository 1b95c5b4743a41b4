// The .ftc container: every damaged, truncated, extended or hostile file is rejected with the right error.
#include <gtest/gtest.h>

#include <set>

#include "backends/backend.h"
#include "common/bytes.h"
#include "common/crc32c.h"
#include "container/container.h"
#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::EncodeOrDie;
using test::MakeTensor;
using test::Settings;

ftc_result DecodeResult(const std::vector<uint8_t>& bytes, std::string* message = nullptr) {
  ftc_decoder* d = nullptr;
  EXPECT_EQ(ftc_decoder_create(nullptr, &d, nullptr), FTC_OK);
  ftc_tensor out{};
  const ftc_result r = ftc_decode(d, bytes.data(), bytes.size(), &out);
  if (message) *message = ftc_decoder_last_error(d);
  EXPECT_EQ(r == FTC_OK, out.data != nullptr);
  ftc_tensor_free(&out);
  ftc_decoder_destroy(d);
  return r;
}

// Rewrites the CRC so that a deliberately edited header reaches the field checks.
void FixCrc(std::vector<uint8_t>* f) {
  const uint32_t crc = Crc32c(0, f->data(), f->size() - 4);
  for (int i = 0; i < 4; ++i) (*f)[f->size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

class ContainerPerBackend : public ::testing::TestWithParam<std::string> {};

TEST_P(ContainerPerBackend, EverySingleByteChangeIsRejected) {
  const auto t = MakeTensor({1, 3, 5, 7}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  const auto file = EncodeOrDie(test::SettingsFor(GetParam(), 6, 50), t);
  ASSERT_EQ(DecodeResult(file), FTC_OK);
  for (size_t pos = 0; pos < file.size(); ++pos) {
    for (int delta = 1; delta < 256; ++delta) {
      auto bad = file;
      bad[pos] = static_cast<uint8_t>(bad[pos] ^ delta);
      ASSERT_NE(DecodeResult(bad), FTC_OK) << "byte " << pos << " xor " << delta;
    }
  }
}

// Where a file in the stream form may end: after each packet but the last (packets run to the end of the file,
// so a stream cut between two packets is a shorter stream). Empty for the single form.
std::set<size_t> PacketEnds(const std::vector<uint8_t>& file) {
  Parsed p;
  EXPECT_TRUE(ParseFile(file, FTC_MAX_ELEMENTS, &p).ok());
  std::set<size_t> ends;
  size_t end = file.size();
  for (size_t i = p.packets.size(); i-- > 1;) ends.insert(end -= p.packets[i].size);
  return ends;
}

TEST_P(ContainerPerBackend, EveryTruncationAndAnyTrailingByteIsRejected) {
  const auto t = MakeTensor({2, 4, 3, 3}, FTC_DTYPE_FLOAT16, Distribution::kRelu);
  const auto file = EncodeOrDie(test::SettingsFor(GetParam()), t);
  const std::set<size_t> packet_ends = PacketEnds(file);
  for (size_t len = 0; len < file.size(); ++len) {
    std::string message;
    const std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(len));
    const ftc_result r = DecodeResult(cut, &message);
    if (packet_ends.count(len)) {
      EXPECT_EQ(r, FTC_OK) << "a stream cut after a packet, length " << len << ": " << message;
      continue;
    }
    ASSERT_NE(r, FTC_OK) << "length " << len;
    EXPECT_FALSE(message.empty());
  }
  auto longer = file;
  longer.push_back(0);
  std::string message;
  EXPECT_EQ(DecodeResult(longer, &message), FTC_ERROR_CORRUPT);
  EXPECT_NE(message.find("trailing"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ContainerPerBackend, ::testing::ValuesIn(test::EncoderIds()),
                         [](const auto& info) { return info.param; });

std::vector<uint8_t> SmallRawFile() {
  const auto t = MakeTensor({1, 2, 2, 2}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  return EncodeOrDie(Settings("raw"), t);
}

TEST(Container, ErrorsNameTheProblem) {
  auto f = SmallRawFile();
  std::string m;
  auto bad = f;
  bad[0] = 'X';
  EXPECT_EQ(DecodeResult(bad, &m), FTC_ERROR_CORRUPT);
  EXPECT_NE(m.find("magic"), std::string::npos) << m;

  bad = f;
  bad[3] = 9;  // a future format version
  EXPECT_EQ(DecodeResult(bad, &m), FTC_ERROR_UNSUPPORTED);
  EXPECT_NE(m.find("version 9"), std::string::npos) << m;

  bad = f;
  bad[4] |= 0x80;  // reserved flag bit
  FixCrc(&bad);
  EXPECT_EQ(DecodeResult(bad, &m), FTC_ERROR_CORRUPT);
  EXPECT_NE(m.find("reserved"), std::string::npos) << m;

  bad = f;
  bad[5] |= 0x40;
  FixCrc(&bad);
  EXPECT_EQ(DecodeResult(bad, &m), FTC_ERROR_CORRUPT);
  EXPECT_NE(m.find("reserved"), std::string::npos) << m;

  bad = f;
  bad[bad.size() - 1] ^= 1;
  EXPECT_EQ(DecodeResult(bad, &m), FTC_ERROR_CHECKSUM);
  EXPECT_NE(m.find("checksum"), std::string::npos) << m;

  EXPECT_EQ(DecodeResult({}, &m), FTC_ERROR_TRUNCATED);
}

// Builds a header by hand: magic, version, flags, backend raw, quality 0, K, max_error, then `dims` as given.
std::vector<uint8_t> HostileHeader(const std::vector<uint64_t>& dims, uint64_t cols, uint8_t flags0 = 0x04) {
  std::vector<uint8_t> f;
  f.reserve(64);  // also keeps GCC 12 from a false -Wstringop-overflow on the first insert
  ByteWriter w(&f);
  w.bytes(kMagic);
  w.u8(1);
  w.u8(flags0);  // float32, rank 4, per-tensor, sigma clip
  w.u8(7);       // 8 bits, align 1
  w.u8(kBackendRaw);
  w.u8(0);
  w.u8(30);  // K = 3.0
  w.varint(0);
  for (uint64_t d : dims) w.varint(d);
  w.varint(cols);
  w.varint(0);
  w.f32(-1);
  w.f32(1);
  w.varint(1);
  w.u8(0);
  w.u32(0);
  FixCrc(&f);
  return f;
}

TEST(Container, HostileShapesAreRejectedBeforeAllocation) {
  std::string m;
  // Each dimension at the limit: the product overflows 64 bits.
  const uint64_t big = FTC_MAX_DIM;
  EXPECT_EQ(DecodeResult(HostileHeader({big, big, big, big}, 1), &m), FTC_ERROR_LIMIT) << m;
  // A dimension beyond the limit, and the 64-bit maximum.
  EXPECT_EQ(DecodeResult(HostileHeader({1, big + 1, 1, 1}, 1), &m), FTC_ERROR_LIMIT) << m;
  EXPECT_EQ(DecodeResult(HostileHeader({UINT64_MAX, 1, 1, 1}, 1), &m), FTC_ERROR_LIMIT) << m;
  // Within each dimension's limit but over the element limit.
  EXPECT_EQ(DecodeResult(HostileHeader({1, 1 << 16, 1 << 8, 1 << 8}, 1 << 8), &m), FTC_ERROR_LIMIT) << m;
  // A zero dimension.
  EXPECT_EQ(DecodeResult(HostileHeader({1, 0, 4, 4}, 1), &m), FTC_ERROR_CORRUPT) << m;
  // A batch of 2^24 items claimed by a 40-byte file: caught by the length table, not allocated.
  EXPECT_EQ(DecodeResult(HostileHeader({1u << 24, 1, 1, 1}, 1), &m), FTC_ERROR_TRUNCATED) << m;
  // A grid with more columns than channels, and one too wide for a plane.
  EXPECT_EQ(DecodeResult(HostileHeader({1, 2, 2, 2}, 3), &m), FTC_ERROR_CORRUPT) << m;
  EXPECT_EQ(DecodeResult(HostileHeader({1, 70000, 1, 1}, 70000), &m), FTC_ERROR_CORRUPT) << m;
  // Per-channel parameters for 2^20 channels in a tiny file.
  EXPECT_EQ(DecodeResult(HostileHeader({1, 1 << 20, 1, 1}, 1024, 0x0c), &m), FTC_ERROR_TRUNCATED) << m;
}

TEST(Container, DecoderLimitIsConfigurable) {
  const auto t = MakeTensor({1, 4, 8, 8}, FTC_DTYPE_FLOAT32, Distribution::kGaussian);
  const auto file = EncodeOrDie(Settings("raw"), t);
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.max_elements = 255;
  ftc_decoder* d = nullptr;
  ASSERT_EQ(ftc_decoder_create(&s, &d, nullptr), FTC_OK);
  ftc_tensor out{};
  EXPECT_EQ(ftc_decode(d, file.data(), file.size(), &out), FTC_ERROR_LIMIT);
  ftc_decoder_destroy(d);
}

TEST(Container, HeaderIsSmall) {
  // 1×64×7×7 per-tensor: magic+version 4, flags 2, codec 1, quality 1, K 1, max_error 1, shape 4, grid 1,
  // settings length 1, range 8, one payload length (2), CRC 4.
  const auto t = MakeTensor({1, 64, 7, 7}, FTC_DTYPE_FLOAT32, Distribution::kRelu);
  const auto file = EncodeOrDie(Settings("raw"), t);
  ftc::Decoder d;
  const ftc_info info = d.Info(file);
  EXPECT_LE(info.header_bytes, 32u);
  EXPECT_EQ(info.header_bytes + info.payload_bytes, file.size());
}

TEST(Container, Crc32cMatchesTheStandardCheckValue) {
  const char* check = "123456789";
  EXPECT_EQ(Crc32c(0, reinterpret_cast<const uint8_t*>(check), 9), 0xE3069283u);
  // Chunked computation equals one pass, across the 8-byte fast path's boundaries.
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  const uint32_t whole = Crc32c(0, data.data(), data.size());
  EXPECT_EQ(Crc32c(Crc32c(0, data.data(), 13), data.data() + 13, data.size() - 13), whole);
}

// A raw file in format version 3 (bands): 4 channels of 2×2 in a 2×2 grid (a 4×4 plane, two tile rows), with
// `bands` bands of `band_bytes` each.
std::vector<uint8_t> BandedRawFile(uint64_t bands, const std::vector<uint64_t>& band_bytes) {
  std::vector<uint8_t> f;
  f.reserve(128);
  ByteWriter w(&f);
  w.bytes(kMagic);
  w.u8(3);     // the single form with bands
  w.u8(0x00);  // float32, rank 3, per-tensor, sigma clip
  w.u8(7);     // 8 bits, align 1
  w.u8(kBackendRaw);
  w.u8(0);
  w.u8(30);
  w.varint(0);
  for (uint64_t d : {4, 2, 2}) w.varint(d);
  w.varint(2);  // cols
  w.varint(bands);
  w.varint(0);  // no settings
  w.f32(0);
  w.f32(1);
  for (uint64_t n : band_bytes) w.varint(n);
  for (size_t b = 0; b < band_bytes.size(); ++b)
    for (uint64_t i = 0; i < band_bytes[b]; ++i) w.u8(static_cast<uint8_t>(b * 100 + i * 10));
  w.u32(0);
  FixCrc(&f);
  return f;
}

TEST(Container, BandsAreCheckedAndDecodeIntoTheirRows) {
  ftc::Decoder d;
  const auto good = BandedRawFile(2, {8, 8});
  EXPECT_EQ(d.Info(good).bands, 2u);
  const ftc::Plane plane = d.Mosaic(good, 0);
  ASSERT_EQ(plane.width(), 4u);
  ASSERT_EQ(plane.height(), 4u);
  for (uint32_t b = 0; b < 2; ++b)
    for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(plane.data()[b * 8 + i], b * 100 + i * 10) << b << " " << i;

  std::string m;
  EXPECT_EQ(DecodeResult(BandedRawFile(1, {16}), &m), FTC_ERROR_CORRUPT);  // one band is version 1
  EXPECT_NE(m.find("1 bands"), std::string::npos) << m;
  EXPECT_EQ(DecodeResult(BandedRawFile(3, {8, 8, 0}), &m), FTC_ERROR_CORRUPT);  // more bands than tile rows
  EXPECT_NE(m.find("3 bands"), std::string::npos) << m;
  EXPECT_EQ(DecodeResult(BandedRawFile(2, {16}), &m), FTC_ERROR_TRUNCATED);   // a length per band
  EXPECT_EQ(DecodeResult(BandedRawFile(2, {12, 4}), &m), FTC_ERROR_CORRUPT);  // each band is its own plane
  auto unbanded = good;  // version 1 has no band count: the same bytes read as a corrupt version-1 file
  unbanded[3] = 1;
  FixCrc(&unbanded);
  EXPECT_NE(DecodeResult(unbanded, &m), FTC_OK);
}

TEST(Container, VarintsMustBeMinimal) {
  const uint8_t padded[] = {0x80, 0x00};
  ByteReader r(padded, "test");
  uint64_t v;
  EXPECT_EQ(r.varint(&v).code(), FTC_ERROR_CORRUPT);
  const uint8_t ok[] = {0xe5, 0x8e, 0x26};
  ByteReader r2(ok, "test");
  ASSERT_TRUE(r2.varint(&v).ok());
  EXPECT_EQ(v, 624485u);
}

}  // namespace
}  // namespace ftc

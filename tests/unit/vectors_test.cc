// Conformance vectors (tests/vectors/README.md): every .ftc file there must decode, with every built
// implementation that the manifest lists for it, at every SIMD level the CPU has, and through the stream
// decoder packet by packet for the stream form, to bytes whose SHA-256 is the manifest's. Vectors whose codec
// this build lacks are skipped with a message (the aarch64 build has only raw and lossless).
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "container/container.h"
#include "ftc/ftc.h"
#include "ftc/ftc.hpp"

#ifndef FTC_VECTORS_DIR
#error "FTC_VECTORS_DIR must name tests/vectors (tests/CMakeLists.txt defines it)"
#endif

namespace ftc {
namespace {

// SHA-256 (FIPS 180-4), enough for the test: the whole message in memory.
std::string Sha256Hex(std::span<const uint8_t> message) {
  static constexpr uint32_t kK[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  // Padding: a 1 bit, zeros, and the length in bits as a big-endian 64-bit number, to a multiple of 64 bytes.
  std::vector<uint8_t> m(message.begin(), message.end());
  const uint64_t bit_length = static_cast<uint64_t>(message.size()) * 8;
  m.push_back(0x80);
  while (m.size() % 64 != 56) m.push_back(0);
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<uint8_t>(bit_length >> (8 * i)));

  const auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (size_t block = 0; block < m.size(); block += 64) {
    uint32_t w[64];
    for (int t = 0; t < 16; ++t)
      w[t] = uint32_t{m[block + 4 * t]} << 24 | uint32_t{m[block + 4 * t + 1]} << 16 |
             uint32_t{m[block + 4 * t + 2]} << 8 | uint32_t{m[block + 4 * t + 3]};
    for (int t = 16; t < 64; ++t) {
      const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; ++t) {
      const uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[t] + w[t];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const uint32_t add[8] = {a, b, c, d, e, f, g, k};
    for (int i = 0; i < 8; ++i) h[i] += add[i];
  }
  std::string hex;
  for (const uint32_t word : h) {
    char text[9];
    std::snprintf(text, sizeof(text), "%08x", word);
    hex += text;
  }
  return hex;
}

std::string Sha256Hex(const std::string& text) {
  return Sha256Hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

TEST(Sha256, KnownAnswers) {  // FIPS 180-4 examples, and a message that needs a second padding block
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

const std::filesystem::path kVectorsDir = FTC_VECTORS_DIR;

// One line of manifest.txt.
struct Vector {
  std::string file, codec, dtype, shape, sha256, covers;
  std::vector<std::string> implementations;  // the decoders that must give these bytes
};

void PrintTo(const Vector& v, std::ostream* os) {
  *os << v.file;
}

std::vector<Vector> LoadManifest() {
  std::ifstream in(kVectorsDir / "manifest.txt");
  std::vector<Vector> vectors;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Vector v;
    std::string implementations;
    fields >> v.file >> v.codec >> implementations >> v.dtype >> v.shape >> v.sha256;
    std::getline(fields >> std::ws, v.covers);
    std::istringstream names(implementations);
    for (std::string name; std::getline(names, name, ',');) v.implementations.push_back(name);
    vectors.push_back(std::move(v));
  }
  return vectors;
}

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ShapeText(const std::vector<uint64_t>& shape) {
  std::string text;
  for (const uint64_t d : shape) {
    if (!text.empty()) text += 'x';
    text += std::to_string(d);
  }
  return text;
}

// What a decoded tensor is, in the manifest's terms.
struct Decoded {
  std::string dtype, shape, sha256;
  bool operator==(const Decoded&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  return os << d.dtype << " " << d.shape << " " << d.sha256;
}

Decoded Describe(const Tensor& t) {
  return {ftc_dtype_name(t.dtype()), ShapeText(t.shape()),
          Sha256Hex(std::span(static_cast<const uint8_t*>(t.data()), t.bytes()))};
}

Decoded DecodeFile(const std::vector<uint8_t>& file, const std::string& implementation) {
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.implementation = implementation.c_str();
  return Describe(Decoder(&s).Decode(file));
}

// The stream form through the stream decoder: the header with the first packet, then each packet alone, as a
// receiver gets them. The frames, concatenated, must be the file's tensor: N×C×H×W, or the frame itself when
// there is one.
Decoded DecodeStreamByPackets(const std::vector<uint8_t>& file, const std::string& implementation) {
  Header header;
  size_t offset = 0;
  const Status parsed = ParseStreamHeader(file, FTC_MAX_ELEMENTS, &header, &offset);
  if (!parsed.ok()) return {"stream header: " + parsed.message(), "", ""};
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.implementation = implementation.c_str();
  StreamDecoder decoder(&s);
  std::vector<uint8_t> all;
  std::vector<uint64_t> frame_shape;
  ftc_dtype dtype = FTC_DTYPE_FLOAT32;
  uint64_t frames = 0;
  for (size_t chunk_start = 0; offset < file.size(); ++frames) {
    Packet packet;
    const Status p = ParsePacket(header, std::span(file).subspan(offset), &packet);
    if (!p.ok()) return {"packet: " + p.message(), "", ""};
    offset += packet.size;
    const Tensor frame = decoder.Decode(std::span(file).subspan(chunk_start, offset - chunk_start));
    chunk_start = offset;
    const auto* bytes = static_cast<const uint8_t*>(frame.data());
    all.insert(all.end(), bytes, bytes + frame.bytes());
    frame_shape = frame.shape();
    dtype = frame.dtype();
  }
  std::vector<uint64_t> shape = frame_shape;
  if (frames > 1) {
    shape.assign(frame_shape.end() - 3, frame_shape.end());
    shape.insert(shape.begin(), frames);
  }
  return {ftc_dtype_name(dtype), ShapeText(shape), Sha256Hex(all)};
}

// The levels of this architecture that the CPU has, each named once (a level above the CPU's best is lowered
// to it, and then it is that one).
std::vector<std::string> CpuLevels() {
  const std::string best = ftc_cpu_level();
  std::vector<std::string> levels;
  for (const char* level : {"scalar", "sse4", "avx2", "avx512", "neon"}) {
    if (ftc_set_cpu_level(level) == FTC_OK && ftc_cpu_level() == std::string(level)) levels.push_back(level);
  }
  EXPECT_EQ(ftc_set_cpu_level(best.c_str()), FTC_OK);
  return levels;
}

class VectorTest : public testing::TestWithParam<Vector> {};

TEST_P(VectorTest, DecodesToTheManifestsBytes) {
  const Vector& v = GetParam();
  const std::vector<uint8_t> file = ReadFile(kVectorsDir / v.file);
  ASSERT_FALSE(file.empty()) << v.file << " is missing or empty";
  const Decoded expected{v.dtype, v.shape, v.sha256};
  const bool stream_form = file.size() > 3 && file[3] == kStreamForm;

  std::vector<std::string> built, missing;
  for (const std::string& impl : v.implementations)
    (ftc_backend_find_implementation(v.codec.c_str(), impl.c_str(), FTC_CAP_DECODE) ? built : missing)
        .push_back(impl);
  if (built.empty())
    GTEST_SKIP() << v.file << ": no decoder of " << v.codec << " built here (the vector lists "
                 << testing::PrintToString(v.implementations) << ")";
  for (const std::string& impl : missing)
    std::printf("%s: %s decoder %s not built here, not checked\n", v.file.c_str(), v.codec.c_str(),
                impl.c_str());

  const std::string best = ftc_cpu_level();
  for (const std::string& level : CpuLevels()) {
    ASSERT_EQ(ftc_set_cpu_level(level.c_str()), FTC_OK);
    for (const std::string& impl : built) {
      SCOPED_TRACE(v.file + " (" + v.covers + "), decoder " + impl + ", cpu level " + level);
      try {
        EXPECT_EQ(DecodeFile(file, impl), expected);
        if (stream_form) {
          EXPECT_EQ(DecodeStreamByPackets(file, impl), expected) << "decoded packet by packet";
        }
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  ASSERT_EQ(ftc_set_cpu_level(best.c_str()), FTC_OK);
}

std::string TestName(const testing::TestParamInfo<Vector>& info) {
  std::string name = std::filesystem::path(info.param.file).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Manifest, VectorTest, testing::ValuesIn(LoadManifest()), TestName);

// Every vector is in the manifest and every manifest line has its file: a vector cannot be forgotten.
TEST(Vectors, ManifestAndDirectoryAgree) {
  std::set<std::string> listed, present;
  for (const Vector& v : LoadManifest()) {
    EXPECT_TRUE(listed.insert(v.file).second) << v.file << " is listed twice";
    EXPECT_EQ(v.sha256.size(), 64u) << v.file;
    EXPECT_FALSE(v.covers.empty()) << v.file << " does not say what it covers";
  }
  for (const auto& entry : std::filesystem::directory_iterator(kVectorsDir))
    if (entry.path().extension() == ".ftc") present.insert(entry.path().filename().string());
  EXPECT_FALSE(listed.empty()) << "no vectors in " << kVectorsDir;
  EXPECT_EQ(listed, present);
}

}  // namespace
}  // namespace ftc

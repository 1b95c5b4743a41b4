// The stream form (format version 2) and the streaming API, with every built encoder: outputs that
// concatenate into files, headers sent apart, the clip-range modes, frames the stream refuses, damaged and
// hostile bytes, and decoding that skips to the next key frame after an error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "container/container.h"
#include "test_util.h"

namespace ftc {
namespace {

using test::Distribution;
using test::MakeTensor;

// Frame i of a slowly changing sequence of C×H×W post-ReLU features, scaled by `gain`.
test::HostTensor Frame(uint64_t c, uint64_t h, uint64_t w, int i, float gain = 1.0f, uint32_t rank = 4) {
  test::HostTensor t;
  t.shape = rank == 4 ? std::vector<uint64_t>{1, c, h, w} : std::vector<uint64_t>{c, h, w};
  t.bytes.resize(c * h * w * sizeof(float));
  float* v = reinterpret_cast<float*>(t.bytes.data());
  for (uint64_t k = 0; k < c; ++k)
    for (uint64_t y = 0; y < h; ++y)
      for (uint64_t x = 0; x < w; ++x)
        v[(k * h + y) * w + x] =
            gain * std::max(0.0f, std::sin(0.5f * x + 0.15f * i + k) * std::cos(0.4f * y + 0.3f * k) + 0.2f);
  return t;
}

// The outputs of one stream encoder for `frames` frames.
std::vector<std::vector<uint8_t>> EncodeStream(const ftc_encoder_settings& s,
                                               const ftc_stream_settings& stream, int frames,
                                               uint32_t rank = 4) {
  ftc::StreamEncoder e(s, stream);
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < frames; ++i) {
    const test::HostTensor f = Frame(5, 6, 7, i, 1.0f, rank);
    const ftc::Bytes b = e.Encode(f.view());
    chunks.emplace_back(b.data(), b.data() + b.size());
  }
  return chunks;
}

std::vector<uint8_t> Concatenate(const std::vector<std::vector<uint8_t>>& chunks) {
  std::vector<uint8_t> all;
  for (const auto& c : chunks) all.insert(all.end(), c.begin(), c.end());
  return all;
}

ftc_result StreamDecodeResult(ftc_stream_decoder* d, const std::vector<uint8_t>& chunk, ftc_tensor* out) {
  const ftc_result r = ftc_stream_decode(d, chunk.data(), chunk.size(), out);
  EXPECT_EQ(r == FTC_OK, out->data != nullptr) << ftc_stream_decoder_last_error(d);
  return r;
}

ftc_result FileDecodeResult(const std::vector<uint8_t>& file, uint64_t max_elements = 0) {
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.max_elements = max_elements;
  ftc_decoder* d = nullptr;
  EXPECT_EQ(ftc_decoder_create(&s, &d, nullptr), FTC_OK);
  ftc_tensor out{};
  const ftc_result r = ftc_decode(d, file.data(), file.size(), &out);
  EXPECT_EQ(r == FTC_OK, out.data != nullptr);
  ftc_tensor_free(&out);
  ftc_decoder_destroy(d);
  return r;
}

bool SameBytes(const ftc::Tensor& a, const ftc::Tensor& b, uint64_t item_a = 0) {
  const size_t frame = b.bytes();
  return std::memcmp(static_cast<const uint8_t*>(a.data()) + item_a * frame, b.data(), frame) == 0;
}

class StreamPerEncoder : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamPerEncoder, OutputsMakeAFileThatDecodesLikeTheStream) {
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = 4;
  const auto chunks = EncodeStream(test::SettingsFor(GetParam(), 8, 80), stream, 9);
  const auto file = Concatenate(chunks);
  ftc::Decoder files;
  const ftc::Tensor all = files.Decode(file);
  EXPECT_EQ(all.shape(), (std::vector<uint64_t>{9, 5, 6, 7}));
  const ftc_info info = files.Info(file);
  EXPECT_EQ(info.format_version, 2u);
  const bool predicts = test::EncoderInfo(GetParam())->capabilities & FTC_CAP_VIDEO;
  EXPECT_EQ(info.key_frames, predicts ? 3u : 9u);
  EXPECT_EQ(info.gop, predicts ? 4u : 1u);
  ftc::StreamDecoder d;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ftc::Tensor frame = d.Decode(chunks[i]);
    ASSERT_EQ(frame.shape(), (std::vector<uint64_t>{1, 5, 6, 7}));
    EXPECT_TRUE(SameBytes(all, frame, i)) << "frame " << i;
  }
}

TEST_P(StreamPerEncoder, DecodingCanStartAtAnyKeyFrame) {
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = 3;
  ftc::StreamEncoder e(test::SettingsFor(GetParam(), 8, 80), stream);
  std::vector<std::vector<uint8_t>> packets;
  for (int i = 0; i < 8; ++i) {
    const ftc::Bytes b = e.Encode(Frame(5, 6, 7, i).view());
    packets.emplace_back(b.data(), b.data() + b.size());
  }
  const ftc::Bytes header = e.Header();
  ASSERT_EQ(std::memcmp(header.data(), packets[0].data(), header.size()), 0);
  packets[0].erase(packets[0].begin(), packets[0].begin() + static_cast<long>(header.size()));
  ftc::StreamDecoder reference;
  std::vector<ftc::Tensor> frames;
  EXPECT_EQ(reference.Decode(header.span()).data(), nullptr);  // a header alone gives no frame
  for (const auto& p : packets) frames.push_back(reference.Decode(p));
  const bool predicts = test::EncoderInfo(GetParam())->capabilities & FTC_CAP_VIDEO;
  for (size_t start = 0; start < packets.size(); ++start) {
    ftc::StreamDecoder late;
    late.Decode(header.span());
    for (size_t i = start; i < packets.size(); ++i) {
      if (predicts && i < (start + 2) / 3 * 3) {  // before the first key frame at or after `start`
        try {
          late.Decode(packets[i]);
          FAIL() << "frame " << i << " decoded without its key frame";
        } catch (const ftc::Error& err) {
          EXPECT_EQ(err.code(), FTC_ERROR_NEED_KEY_FRAME);
        }
        continue;
      }
      EXPECT_TRUE(SameBytes(late.Decode(packets[i]), frames[i])) << "start " << start << " frame " << i;
    }
  }
}

TEST_P(StreamPerEncoder, EveryByteChangeAndTruncationOfAStreamFileIsRejected) {
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = 2;
  const auto chunks = EncodeStream(test::SettingsFor(GetParam(), 6, 50), stream, 3);
  const auto file = Concatenate(chunks);
  ASSERT_EQ(FileDecodeResult(file), FTC_OK);
  for (size_t pos = 0; pos < file.size(); ++pos)
    for (int delta = 1; delta < 256; ++delta) {
      auto bad = file;
      bad[pos] = static_cast<uint8_t>(bad[pos] ^ delta);
      ASSERT_NE(FileDecodeResult(bad), FTC_OK) << "byte " << pos << " xor " << delta;
    }
  // Packets run to the end of the file: a file cut between two packets is a shorter stream, cut anywhere
  // else it is rejected.
  const size_t two_frames = file.size() - chunks[2].size(), one_frame = two_frames - chunks[1].size();
  for (size_t len = 0; len < file.size(); ++len) {
    const std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(len));
    EXPECT_EQ(FileDecodeResult(cut) == FTC_OK, len == one_frame || len == two_frames) << "length " << len;
  }
}

TEST_P(StreamPerEncoder, RankThreeFramesComeBackAsRankThree) {
  const auto chunks = EncodeStream(test::SettingsFor(GetParam()), ftc::DefaultStreamSettings(), 2, 3);
  ftc::StreamDecoder d;
  EXPECT_EQ(d.Decode(chunks[0]).shape(), (std::vector<uint64_t>{5, 6, 7}));
  ftc::Decoder files;
  EXPECT_EQ(files.Decode(chunks[0]).shape(), (std::vector<uint64_t>{5, 6, 7}));  // one C×H×W frame
  EXPECT_EQ(files.Decode(Concatenate(chunks)).shape(), (std::vector<uint64_t>{2, 5, 6, 7}));
}

INSTANTIATE_TEST_SUITE_P(AllEncoders, StreamPerEncoder, ::testing::ValuesIn(test::EncoderIds()),
                         [](const auto& info) { return info.param; });

// --------------------------------------------------------------------------------------------------------
// The clip range

float MaxOf(const ftc::Tensor& t) {
  float m = -INFINITY;
  for (uint64_t i = 0; i < t.elements(); ++i) m = std::max(m, test::ElementAt(t.raw(), i));
  return m;
}

TEST(StreamRange, FirstKeepsTheFirstFramesRangeKeyframeFollowsTheData) {
  ftc_encoder_settings s = test::Settings("raw");
  s.clip = FTC_CLIP_MINMAX;
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  for (const ftc_stream_range mode : {FTC_STREAM_RANGE_FIRST, FTC_STREAM_RANGE_KEYFRAME}) {
    stream.range = mode;
    ftc::StreamEncoder e(s, stream);
    ftc::StreamDecoder d;
    const float first = MaxOf(d.Decode(e.Encode(Frame(4, 5, 6, 0, 1.0f).view()).span()));
    const float second = MaxOf(d.Decode(e.Encode(Frame(4, 5, 6, 1, 3.0f).view()).span()));
    if (mode == FTC_STREAM_RANGE_FIRST) {
      EXPECT_EQ(second, first) << "clipped to the first frame's range";
    } else {
      EXPECT_NEAR(second, 3.0f * first, 0.1f) << "raw makes every frame a key frame, with its own range";
    }
  }
}

TEST(StreamRange, KeyframeModeCarriesRangesInKeyPackets) {
  ftc_encoder_settings s = test::Settings("raw");
  s.per_channel = 1;
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.range = FTC_STREAM_RANGE_KEYFRAME;
  const auto file = Concatenate(EncodeStream(s, stream, 3));
  ftc::Decoder d;
  const ftc_info info = d.Info(file);
  EXPECT_EQ(info.ranges_per_key_frame, 1);
  EXPECT_EQ(info.clip_count, 5u);
  Parsed p;
  ASSERT_TRUE(ParseFile(file, FTC_MAX_ELEMENTS, &p).ok());
  for (const Packet& packet : p.packets) EXPECT_EQ(packet.lo.size(), 5u);
}

TEST(StreamRange, FixedComesFromTheCalibrationOrTheClipRange) {
  const test::HostTensor calibration = MakeTensor({3, 4, 5, 6}, FTC_DTYPE_FLOAT32, Distribution::kUniform);
  const ftc_tensor calibration_view = calibration.view();
  ftc_encoder_settings s = test::Settings("raw");
  s.clip = FTC_CLIP_MINMAX;
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.range = FTC_STREAM_RANGE_FIXED;
  stream.calibration = &calibration_view;
  ftc::StreamEncoder e(s, stream);
  const test::HostTensor frame = Frame(4, 5, 6, 0);
  const ftc::Bytes first = e.Encode(frame.view());
  ftc::Decoder d;
  const ftc_info info = d.Info(first.span());
  float lo = INFINITY, hi = -INFINITY;
  for (uint64_t i = 0; i < calibration.elements(); ++i) {
    lo = std::min(lo, calibration.at(i));
    hi = std::max(hi, calibration.at(i));
  }
  EXPECT_EQ(info.clip_lo[0], lo);
  EXPECT_EQ(info.clip_hi[0], hi);

  // A calibration of other C, H, W than the frames' is refused at the first frame.
  const test::HostTensor other = Frame(4, 5, 7, 0);
  ftc::StreamEncoder mismatched(s, stream);
  EXPECT_THROW(mismatched.Encode(other.view()), ftc::Error);

  // Without a calibration the clip must be range:LO,HI.
  stream.calibration = nullptr;
  ftc_stream_encoder* bad = nullptr;
  const char* message = nullptr;
  EXPECT_EQ(ftc_stream_encoder_create(&s, &stream, &bad, &message), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(message).find("calibration"), std::string::npos) << message;
  s.clip = FTC_CLIP_RANGE;
  s.range_lo = -1;
  s.range_hi = 2;
  ftc::StreamEncoder ranged(s, stream);
  const ftc_info fixed = d.Info(ranged.Encode(frame.view()).span());
  EXPECT_EQ(fixed.clip_lo[0], -1.0f);
  EXPECT_EQ(fixed.clip_hi[0], 2.0f);
}

// --------------------------------------------------------------------------------------------------------
// What the encoder refuses, and what the decoder does with bad bytes

TEST(StreamEncoder, RefusedFramesLeaveTheStreamAsItWas) {
  ftc::StreamEncoder e(test::Settings("raw"));
  ftc::StreamDecoder d;
  d.Decode(e.Encode(Frame(4, 5, 6, 0).view()).span());
  EXPECT_THROW(e.Encode(Frame(4, 5, 7, 1).view()), ftc::Error);           // another shape
  EXPECT_THROW(e.Encode(Frame(4, 5, 6, 1, 1.0f, 3).view()), ftc::Error);  // another rank
  test::HostTensor nan = Frame(4, 5, 6, 1);
  reinterpret_cast<float*>(nan.bytes.data())[7] = std::nanf("");
  EXPECT_THROW(e.Encode(nan.view()), ftc::Error);
  const test::HostTensor batch = MakeTensor({2, 4, 5, 6}, FTC_DTYPE_FLOAT32, Distribution::kRelu);
  EXPECT_THROW(e.Encode(batch.view()), ftc::Error);
  EXPECT_EQ(d.Decode(e.Encode(Frame(4, 5, 6, 1).view()).span()).shape(), (std::vector<uint64_t>{1, 4, 5, 6}));
}

TEST(StreamEncoder, SettingsAreChecked) {
  ftc_stream_encoder* e = nullptr;
  const char* message = nullptr;
  ftc_encoder_settings s = test::Settings("raw");
  ftc_stream_settings stream = ftc::DefaultStreamSettings();
  stream.gop = 0;
  EXPECT_EQ(ftc_stream_encoder_create(&s, &stream, &e, &message), FTC_ERROR_INVALID_ARGUMENT);
  stream.gop = 65536;
  EXPECT_EQ(ftc_stream_encoder_create(&s, &stream, &e, &message), FTC_ERROR_INVALID_ARGUMENT);
  stream.gop = 30;
  stream.range = static_cast<ftc_stream_range>(7);
  EXPECT_EQ(ftc_stream_encoder_create(&s, &stream, &e, &message), FTC_ERROR_INVALID_ARGUMENT);
  s = test::Settings("jpeg");
  s.target_bytes = 1000;  // image codecs meet a budget per file only
  if (ftc_backend_find("jpeg")) {
    EXPECT_EQ(ftc_stream_encoder_create(&s, nullptr, &e, &message), FTC_ERROR_UNSUPPORTED);
    EXPECT_NE(std::string(message).find("target_bytes"), std::string::npos) << message;
  }
  s = test::Settings("raw");
  s.options = "nosuchkey=1";
  EXPECT_EQ(ftc_stream_encoder_create(&s, nullptr, &e, &message), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(e, nullptr);
  EXPECT_EQ(ftc_stream_encoder_create(nullptr, nullptr, &e, &message), FTC_ERROR_INVALID_ARGUMENT);
  ftc_stream_encoder_destroy(nullptr);
  ftc_stream_decoder_destroy(nullptr);

  s = test::Settings("raw");
  ASSERT_EQ(ftc_stream_encoder_create(&s, nullptr, &e, &message), FTC_OK);
  ftc_buffer out{};
  EXPECT_EQ(ftc_stream_encoder_header(e, &out), FTC_ERROR_INVALID_ARGUMENT);  // no frame yet
  EXPECT_EQ(ftc_stream_encode(e, nullptr, &out), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ftc_stream_encode(nullptr, nullptr, &out), FTC_ERROR_INVALID_ARGUMENT);
  ftc_stream_encoder_destroy(e);
}

TEST(StreamDecoder, NeedsAHeaderFirstAndRecoversAtTheNextKeyFrame) {
  ftc_stream_decoder* d = nullptr;
  ASSERT_EQ(ftc_stream_decoder_create(nullptr, &d, nullptr), FTC_OK);
  const auto chunks = EncodeStream(test::Settings("raw"), ftc::DefaultStreamSettings(), 4);
  ftc_tensor out{};
  EXPECT_EQ(StreamDecodeResult(d, chunks[1], &out), FTC_ERROR_CORRUPT);  // a packet before any header
  EXPECT_NE(std::string(ftc_stream_decoder_last_error(d)).find("header"), std::string::npos);
  EXPECT_EQ(StreamDecodeResult(d, chunks[0], &out), FTC_OK);
  ftc_tensor_free(&out);
  auto damaged = chunks[1];
  damaged[damaged.size() / 2] ^= 0x10;
  EXPECT_EQ(StreamDecodeResult(d, damaged, &out), FTC_ERROR_CHECKSUM);
  auto longer = chunks[2];
  longer.push_back(0);
  EXPECT_EQ(StreamDecodeResult(d, longer, &out), FTC_ERROR_CORRUPT);  // one chunk, one packet
  EXPECT_EQ(StreamDecodeResult(d, chunks[3], &out), FTC_OK);          // raw: every packet is a key frame
  ftc_tensor_free(&out);
  EXPECT_EQ(ftc_stream_decode(d, nullptr, 3, &out), FTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ftc_stream_decode(d, nullptr, 0, &out), FTC_ERROR_TRUNCATED);
  ftc_stream_decoder_destroy(d);
}

TEST(StreamDecoder, FrameLimitIsCheckedBeforeDecoding) {
  const auto chunks = EncodeStream(test::Settings("raw"), ftc::DefaultStreamSettings(), 3);
  ftc_decoder_settings s;
  ftc_decoder_default_settings(&s);
  s.max_elements = 5 * 6 * 7 - 1;
  ftc_stream_decoder* d = nullptr;
  ASSERT_EQ(ftc_stream_decoder_create(&s, &d, nullptr), FTC_OK);
  ftc_tensor out{};
  EXPECT_EQ(StreamDecodeResult(d, chunks[0], &out), FTC_ERROR_LIMIT);
  ftc_stream_decoder_destroy(d);
  // A file: N·C·H·W counts, before any allocation.
  const auto file = Concatenate(chunks);
  EXPECT_EQ(FileDecodeResult(file, 3 * 5 * 6 * 7), FTC_OK);
  EXPECT_EQ(FileDecodeResult(file, 3 * 5 * 6 * 7 - 1), FTC_ERROR_LIMIT);
}

// A stream header written field by field: C×H×W, gop, stream flags, then a packet of `payload` (key).
std::vector<uint8_t> HandMadeStream(uint64_t c, uint64_t h, uint64_t w, uint64_t gop, uint8_t stream_flags,
                                    uint8_t packet_flags, size_t payload) {
  std::vector<uint8_t> f;
  f.reserve(64);
  ByteWriter b(&f);
  b.bytes(kMagic);
  b.u8(2);
  b.u8(0x04);  // float32, frames of rank 4, per tensor, sigma
  b.u8(7);     // 8 bits, align 1
  b.u8(0);     // raw
  b.u8(0);
  b.u8(30);
  b.varint(0);
  b.varint(c);
  b.varint(h);
  b.varint(w);
  b.varint(1);
  b.varint(gop);
  b.u8(stream_flags);
  b.varint(0);
  if (!(stream_flags & 1)) {
    b.f32(0);
    b.f32(1);
  }
  b.u32(Crc32c(0, f.data(), f.size()));
  const size_t start = f.size();
  b.varint(1 + payload);
  b.u8(packet_flags);
  for (size_t i = 0; i < payload; ++i) b.u8(0);
  b.u32(Crc32c(0, f.data() + start, f.size() - start));
  return f;
}

TEST(StreamDecoder, HostileHeadersAndPacketsAreRejected) {
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 0, 1, 6)), FTC_OK);  // the well-formed baseline
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 0, 0, 1, 6)), FTC_ERROR_CORRUPT);      // gop 0
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 65536, 0, 1, 6)), FTC_ERROR_CORRUPT);  // gop too long
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 2, 1, 6)), FTC_ERROR_CORRUPT);  // reserved stream bit
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 0, 3, 6)), FTC_ERROR_CORRUPT);  // reserved packet bit
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 0, 0, 6)),
            FTC_ERROR_CORRUPT);  // first not a key frame
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 0, 1, 5)), FTC_ERROR_CORRUPT);  // payload too short
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 2, 3, 1, 1, 1, 6)),
            FTC_ERROR_CORRUPT);  // no ranges in the key
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1u << 24, 1u << 24, 1, 1, 0, 1, 6)), FTC_ERROR_LIMIT);
  EXPECT_EQ(FileDecodeResult(HandMadeStream(1, 1u << 25, 1, 1, 0, 1, 6)), FTC_ERROR_LIMIT);
  // A header without a packet is not a file; a packet whose length runs past the end is truncated.
  auto header_only = HandMadeStream(1, 2, 3, 1, 0, 1, 6);
  header_only.resize(header_only.size() - 12);
  EXPECT_EQ(FileDecodeResult(header_only), FTC_ERROR_TRUNCATED);
  auto long_packet = HandMadeStream(1, 2, 3, 1, 0, 1, 6);
  long_packet[long_packet.size() - 12] = 0x7F;
  EXPECT_EQ(FileDecodeResult(long_packet), FTC_ERROR_TRUNCATED);
}

TEST(StreamDecoder, APacketWithAValidChecksumButABadPayloadIsAnErrorThenTheStreamGoesOn) {
  const auto chunks = EncodeStream(test::Settings("raw"), ftc::DefaultStreamSettings(), 3);
  Header h;
  size_t header_size = 0;
  ASSERT_TRUE(ParseStreamHeader(chunks[0], FTC_MAX_ELEMENTS, &h, &header_size).ok());
  std::vector<uint8_t> bad;
  const std::vector<uint8_t> short_payload(5 * 6 * 7 - 1, 0);  // one level short of the plane
  WritePacket(h, true, h.quant, short_payload, &bad);
  ftc::StreamDecoder d;
  d.Decode(chunks[0]);
  EXPECT_THROW(d.Decode(bad), ftc::Error);
  EXPECT_EQ(d.Decode(chunks[2]).shape(), (std::vector<uint64_t>{1, 5, 6, 7}));
}

}  // namespace
}  // namespace ftc

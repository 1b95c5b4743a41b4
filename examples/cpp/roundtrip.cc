// Round-trips a batch of feature tensors through ftc with the C++ layer (ftc/ftc.hpp): one file for the
// batch, then the same tensors as a stream, one packet per frame.
//
//   cmake -S examples/cpp -B build-example -DCMAKE_PREFIX_PATH=/where/ftc/is/installed
//   cmake --build build-example && build-example/roundtrip [CODEC]      (default: lossless)
//
// Exits 0 when both round trips give back the shape and dtype with an RMS error under 2% of the value range,
// 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include <ftc/ftc.hpp>

namespace {

constexpr uint64_t kBatch = 4, kChannels = 16, kHeight = 8, kWidth = 8;
constexpr uint64_t kFrame = kChannels * kHeight * kWidth;

std::vector<float> MakeFeatures() {
  std::vector<float> x(kBatch * kFrame);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::max(0.0f, std::sin(0.05f * static_cast<float>(i)) * 3.0f);
  return x;
}

// The root-mean-square difference between `decoded` (float32) and `original`.
double RmsError(const ftc::Tensor& decoded, std::span<const float> original) {
  const auto* values = static_cast<const float*>(decoded.data());
  double squares = 0;
  for (size_t i = 0; i < original.size(); ++i) squares += std::pow(values[i] - original[i], 2);
  return std::sqrt(squares / static_cast<double>(original.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<float> input = MakeFeatures();
  ftc_encoder_settings settings = ftc::DefaultEncoderSettings();
  settings.codec = argc > 1 ? argv[1] : "lossless";
  settings.clip = FTC_CLIP_MINMAX;
  const auto [lo, hi] = std::minmax_element(input.begin(), input.end());
  const double bound = 0.02 * (*hi - *lo);
  try {
    ftc::Encoder encoder(settings);
    ftc::Decoder decoder;
    const uint64_t shape[] = {kBatch, kChannels, kHeight, kWidth};
    const ftc::Bytes file = encoder.Encode(ftc::View(input.data(), FTC_DTYPE_FLOAT32, shape));
    const ftc::Tensor batch = decoder.Decode(file.span());
    const double batch_error = RmsError(batch, input);
    std::printf("ftc %s, %s: batch of %llu in %zu bytes, RMS error %.5f\n", ftc_version_string(),
                settings.codec, static_cast<unsigned long long>(kBatch), file.size(), batch_error);

    ftc::StreamEncoder stream_encoder(settings);
    ftc::StreamDecoder stream_decoder;
    double stream_error = 0;
    for (uint64_t n = 0; n < kBatch; ++n) {
      const std::span<const float> frame(input.data() + n * kFrame, kFrame);
      const uint64_t frame_shape[] = {kChannels, kHeight, kWidth};
      const ftc::Bytes packet =
          stream_encoder.Encode(ftc::View(frame.data(), FTC_DTYPE_FLOAT32, frame_shape));
      const ftc::Tensor decoded = stream_decoder.Decode(packet.span());
      if (decoded.shape() != std::vector<uint64_t>(frame_shape, frame_shape + 3)) {
        std::fprintf(stderr, "roundtrip: frame %llu came back with another shape\n",
                     static_cast<unsigned long long>(n));
        return 1;
      }
      stream_error = std::max(stream_error, RmsError(decoded, frame));
      std::printf("frame %llu: %zu bytes\n", static_cast<unsigned long long>(n), packet.size());
    }
    const bool ok = batch.shape() == std::vector<uint64_t>(shape, shape + 4) &&
                    batch.dtype() == FTC_DTYPE_FLOAT32 && batch_error <= bound && stream_error <= bound;
    std::printf("stream RMS error %.5f (bound %.5f): %s\n", stream_error, bound,
                ok ? "round trip ok" : "round trip FAILED");
    return ok ? 0 : 1;
  } catch (const ftc::Error& e) {
    std::fprintf(stderr, "roundtrip: %s (%s)\n", e.what(), ftc_result_to_string(e.code()));
    return 1;
  }
}

// ftc rd: every sample's feature tensor coded on its own, as a device sends it, decoded, and classified by
// the cloud part in batches; plus the float row (no coding) and the two baselines.
#include <ATen/Parallel.h>

#include <chrono>
#include <deque>
#include <cstring>
#include <optional>

#include "ftc/ftc.hpp"
#include "harness_error.h"
#include "jfif.h"
#include "parallel.h"
#include "runs.h"
#include "samples.h"
#include "split_model.h"

namespace ftc_inference {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The seed design's side information besides the JFIF file: its clip range, two float32.
constexpr double kSeedSideBytes = 8;

struct Tally {
  uint64_t correct = 0;
  double bytes = 0, encode_ms = 0, decode_ms = 0;
  void Add(const Tally& o) {
    correct += o.correct;
    bytes += o.bytes;
    encode_ms += o.encode_ms;
    decode_ms += o.decode_ms;
  }
};

ftc_encoder_settings EncoderSettings(const CodecSetting& s) {
  ftc_encoder_settings e = ftc::DefaultEncoderSettings();
  e.codec = s.codec.c_str();
  e.quality = s.quality ? s.quality : e.quality;
  e.bits = s.bits;
  if (ftc_parse_clip(s.clip.c_str(), &e.clip, &e.sigma_k, &e.range_lo, &e.range_hi) != FTC_OK)
    throw HarnessError(Problem::kUsage, "bad clip '" + s.clip + "': expected sigma:K, minmax or range:LO,HI");
  e.per_channel = s.per_channel;
  e.max_error = s.max_error;
  e.options = s.options.empty() ? nullptr : s.options.c_str();
  e.threads = 1;  // one sample per call; the harness runs samples in parallel
  return e;
}

// The seed design's quantiser and mosaic: 8 bits, mean ± 3σ per tensor, in the grid ftc's jpeg backend
// lays out (the smallest plane aligned to 8, near square; margins and unused tiles at the level of 0.0,
// which is level 0, black, for post-ReLU features).
ftc_encoder_settings SeedSettings() {
  ftc_encoder_settings e = ftc::DefaultEncoderSettings();
  e.codec = ftc_backend_find("jpeg") ? "jpeg" : "raw";
  e.bits = 8;
  e.clip = FTC_CLIP_SIGMA;
  e.sigma_k = 3.0;
  e.per_channel = 0;
  e.threads = 1;
  return e;
}

// Runs `create`, turning the library's objection to a setting into a usage error that names it.
template <typename Fn>
void Create(const std::string& what, Fn&& create) {
  try {
    create();
  } catch (const ftc::Error& e) {
    throw HarnessError(Problem::kUsage, what + ": " + e.what());
  }
}

std::string SettingName(const CodecSetting& s) {
  std::string text = s.codec + " quality " + std::to_string(s.quality) + " bits " + std::to_string(s.bits) + " clip " + s.clip;
  if (s.per_channel) text += " per-channel";
  if (s.max_error) text += " max-error " + std::to_string(s.max_error);
  if (!s.options.empty()) text += " options " + s.options;
  if (s.stream) text += " stream";
  return text;
}

// One sample's seed mosaic: the plane, its clip range and grid.
struct SeedPlane {
  std::vector<uint8_t> plane;
  uint32_t width = 0, height = 0, cols = 1;
  float lo = 0, hi = 0;
  double mosaic_ms = 0;
};

// A stream per setting and worker: gop 1 and a clip range in every packet, so every sample is coded as it
// would be in a file of its own, less the file's header.
ftc_stream_settings SessionSettings() {
  ftc_stream_settings s = ftc::DefaultStreamSettings();
  s.gop = 1;
  s.range = FTC_STREAM_RANGE_KEYFRAME;
  return s;
}

// A setting's coder in one worker: a file encoder, or a stream encoder and decoder (one device session).
struct SettingCoder {
  std::optional<ftc::Encoder> file;
  std::optional<ftc::StreamEncoder> stream;
  std::optional<ftc::StreamDecoder> stream_decoder;
};

// What one worker thread owns.
struct Worker {
  std::vector<SettingCoder> coders;  // one per setting
  std::optional<ftc::Encoder> seed_encoder;
  ftc::Decoder decoder;
  JfifCodec jfif;
  std::vector<Tally> tallies;  // one per row
  std::vector<uint8_t> scratch;

  static ftc::Decoder NewDecoder() {
    ftc_decoder_settings s;
    ftc_decoder_default_settings(&s);
    s.threads = 1;
    return ftc::Decoder(&s);
  }
  Worker() : decoder(NewDecoder()) {}
};

class RdRun {
 public:
  explicit RdRun(const RdOptions& o) : o_(o), device_(ParseDevice(o.device)) {
    dataset_ = OpenData(o.data);
    samples_ = SampleCount(*dataset_, o.data);
    model_ = OpenSplitModel(o.model, device_);
    const ftc_datasets::ImageShape s = dataset_->shape();
    input_shape_ = {s.channels, s.height, s.width};
    if (!o.input_qualities.empty() && s.channels != 1 && s.channels != 3)
      throw HarnessError(Problem::kUsage, "input-jpeg needs images of 1 or 3 channels, not " + std::to_string(s.channels));
    workers_ = Workers(o.threads);
    const Batch probe = ReadBatch(*dataset_, 0, std::min<uint64_t>(samples_, 2), 1);
    const torch::Tensor features = CheckSplit(model_, probe.images);
    const int64_t logits = model_.cloud(features).size(1);
    if (static_cast<int64_t>(dataset_->classes().size()) > logits)
      throw HarnessError(Problem::kData, dataset_->description() + " has " + std::to_string(dataset_->classes().size()) +
                                             " classes, but the model returns " + std::to_string(logits) + " logits");
    feature_shape_ = CodedShape(features);
    feature_elements_ = static_cast<uint64_t>(features[0].numel());
    for (const CodecSetting& setting : o.settings) encoder_settings_.push_back(EncoderSettings(setting));
    for (size_t w = 0; w < workers_; ++w) {
      Worker& worker = workers_state_.emplace_back();
      for (size_t i = 0; i < o.settings.size(); ++i) {
        SettingCoder& c = worker.coders.emplace_back();
        Create(SettingName(o.settings[i]), [&] {
          if (o.settings[i].stream) {
            c.stream.emplace(encoder_settings_[i], SessionSettings());
            c.stream_decoder.emplace(nullptr);
          } else {
            c.file.emplace(encoder_settings_[i]);
          }
        });
      }
      if (!o.seed_qualities.empty()) Create("seed-jpeg", [&] { worker.seed_encoder.emplace(SeedSettings()); });
      worker.tallies.resize(RowCount());
    }
  }

  RdResult Run() {
    const auto start = Clock::now();
    const size_t batch = static_cast<size_t>(std::max(1, o_.batch));
    uint64_t float_correct = 0;
    for (uint64_t begin = 0; begin < samples_; begin += batch) {
      const uint64_t count = std::min<uint64_t>(batch, samples_ - begin);
      const Batch b = ReadBatch(*dataset_, begin, count, workers_);
      const torch::Tensor features = model_.edge(b.images).contiguous();
      float_correct += Correct(model_.cloud(features), b.labels);
      for (size_t i = 0; i < o_.settings.size(); ++i) CodeFeatures(i, features, b.labels);
      if (!o_.seed_qualities.empty()) CodeSeed(features, b.labels);
      for (size_t q = 0; q < o_.input_qualities.size(); ++q) CodeInput(q, b);
      if (o_.progress) o_.progress(begin + count, samples_);
    }
    return Result(float_correct, std::chrono::duration<double>(Clock::now() - start).count());
  }

 private:
  size_t RowCount() const { return 1 + o_.settings.size() + o_.seed_qualities.size() + o_.input_qualities.size(); }
  size_t SeedRow(size_t q) const { return 1 + o_.settings.size() + q; }
  size_t InputRow(size_t q) const { return 1 + o_.settings.size() + o_.seed_qualities.size() + q; }

  static uint64_t Correct(const torch::Tensor& logits, const torch::Tensor& labels) {
    return static_cast<uint64_t>(logits.to(torch::kCPU).argmax(1).eq(labels).sum().item<int64_t>());
  }

  ftc_tensor SampleView(const torch::Tensor& features, size_t i) const {
    const uint64_t shape[4] = {1, feature_shape_[0], feature_shape_[1], feature_shape_[2]};
    return ftc::View(features.data_ptr<float>() + i * feature_elements_, FTC_DTYPE_FLOAT32, shape);
  }

  // Codes every sample of the batch with setting `s`, then classifies the decoded tensors.
  void CodeFeatures(size_t s, const torch::Tensor& features, const torch::Tensor& labels) {
    torch::Tensor decoded = torch::empty(features.sizes(), torch::kFloat);
    float* out = decoded.data_ptr<float>();
    const size_t row = 1 + s;
    ParallelFor(static_cast<size_t>(features.size(0)), workers_, [&](size_t w, size_t i) {
      Worker& worker = workers_state_[w];
      SettingCoder& coder = worker.coders[s];
      const auto t0 = Clock::now();
      // A stream's first packet comes with the stream header: it is counted once per session.
      const ftc::Bytes file = coder.file ? coder.file->Encode(SampleView(features, i)) : coder.stream->Encode(SampleView(features, i));
      const auto t1 = Clock::now();
      const ftc::Tensor tensor = coder.file ? worker.decoder.Decode(file.span()) : coder.stream_decoder->Decode(file.span());
      const auto t2 = Clock::now();
      if (tensor.elements() != feature_elements_ || tensor.dtype() != FTC_DTYPE_FLOAT32)
        throw HarnessError(Problem::kIo, "decoded tensor does not match the encoded one");
      std::memcpy(out + i * feature_elements_, tensor.data(), feature_elements_ * sizeof(float));
      Tally& t = worker.tallies[row];
      t.bytes += static_cast<double>(file.size());
      t.encode_ms += Ms(t1 - t0);
      t.decode_ms += Ms(t2 - t1);
    });
    workers_state_[0].tallies[row].correct += Correct(model_.cloud(decoded), labels);
  }

  SeedPlane MakeSeedPlane(Worker& worker, const torch::Tensor& features, size_t i) {
    SeedPlane p;
    const ftc_tensor view = SampleView(features, i);
    const auto t0 = Clock::now();
    const ftc::Plane plane = worker.seed_encoder->Mosaic(view);
    p.mosaic_ms = Ms(Clock::now() - t0);
    p.plane.assign(plane.data(), plane.data() + size_t{plane.width()} * plane.height());
    p.width = plane.width();
    p.height = plane.height();
    // The clip range and grid the quantiser chose, read from the header of the same encoding.
    const ftc::Bytes file = worker.seed_encoder->Encode(view);
    const ftc_info info = worker.decoder.Info(file.span());
    p.lo = info.clip_lo[0];
    p.hi = info.clip_hi[0];
    p.cols = info.tile_cols;
    return p;
  }

  // Each level back to lo + level · step, the tiles read in the mosaic's order (channel c at row c / cols,
  // column c % cols).
  void DequantiseSeed(const SeedPlane& p, const uint8_t* plane, float* out) const {
    const float step = (p.hi - p.lo) / 255.0f;
    const uint64_t c_count = feature_shape_[0], h = feature_shape_[1], w = feature_shape_[2];
    for (uint64_t c = 0; c < c_count; ++c) {
      const uint8_t* tile = plane + (c / p.cols) * h * p.width + (c % p.cols) * w;
      for (uint64_t y = 0; y < h; ++y)
        for (uint64_t x = 0; x < w; ++x) out[(c * h + y) * w + x] = p.lo + static_cast<float>(tile[y * p.width + x]) * step;
    }
  }

  void CodeSeed(const torch::Tensor& features, const torch::Tensor& labels) {
    const size_t n = static_cast<size_t>(features.size(0));
    std::vector<SeedPlane> planes(n);
    ParallelFor(n, workers_, [&](size_t w, size_t i) { planes[i] = MakeSeedPlane(workers_state_[w], features, i); });
    for (size_t q = 0; q < o_.seed_qualities.size(); ++q) {
      torch::Tensor decoded = torch::empty(features.sizes(), torch::kFloat);
      float* out = decoded.data_ptr<float>();
      const size_t row = SeedRow(q);
      ParallelFor(n, workers_, [&](size_t w, size_t i) {
        Worker& worker = workers_state_[w];
        const SeedPlane& p = planes[i];
        const auto t0 = Clock::now();
        const std::vector<uint8_t> file = worker.jfif.Encode(p.plane.data(), 1, p.height, p.width, o_.seed_qualities[q]);
        const auto t1 = Clock::now();
        worker.scratch.resize(p.plane.size());
        worker.jfif.Decode(file, 1, p.height, p.width, worker.scratch.data());
        DequantiseSeed(p, worker.scratch.data(), out + i * feature_elements_);
        const auto t2 = Clock::now();
        Tally& t = worker.tallies[row];
        t.bytes += static_cast<double>(file.size()) + kSeedSideBytes;
        t.encode_ms += p.mosaic_ms + Ms(t1 - t0);
        t.decode_ms += Ms(t2 - t1);
      });
      workers_state_[0].tallies[row].correct += Correct(model_.cloud(decoded), labels);
    }
  }

  // The input image as a JPEG file, decoded and classified by the whole model on the server.
  void CodeInput(size_t q, const Batch& b) {
    const size_t n = static_cast<size_t>(b.pixels.size(0));
    const uint32_t c = input_shape_[0], h = input_shape_[1], w = input_shape_[2];
    const size_t bytes = size_t{c} * h * w;
    Batch decoded;
    decoded.pixels = torch::empty_like(b.pixels);
    const uint8_t* in = b.pixels.data_ptr<uint8_t>();
    uint8_t* out = decoded.pixels.data_ptr<uint8_t>();
    const size_t row = InputRow(q);
    ParallelFor(n, workers_, [&](size_t wk, size_t i) {
      Worker& worker = workers_state_[wk];
      const auto t0 = Clock::now();
      const std::vector<uint8_t> file = worker.jfif.Encode(in + i * bytes, c, h, w, o_.input_qualities[q]);
      const auto t1 = Clock::now();
      worker.jfif.Decode(file, c, h, w, out + i * bytes);
      const auto t2 = Clock::now();
      Tally& t = worker.tallies[row];
      t.bytes += static_cast<double>(file.size());
      t.encode_ms += Ms(t1 - t0);
      t.decode_ms += Ms(t2 - t1);
    });
    const torch::Tensor images = PixelsToImages(decoded.pixels);
    const torch::Tensor logits = model_.full.empty() ? model_.cloud(model_.edge(images)) : model_.full(images);
    workers_state_[0].tallies[row].correct += Correct(logits, b.labels);
  }

  static RdRow Row(const CodecSetting& s) {
    RdRow row;
    row.codec = s.codec;
    row.quality = s.quality;
    row.bits = s.bits;
    row.clip = s.clip;
    row.per_channel = s.per_channel;
    row.max_error = s.max_error;
    row.options = s.options;
    row.stream = s.stream;
    return row;
  }

  RdResult Result(uint64_t float_correct, double seconds) const {
    std::vector<Tally> total(RowCount());
    for (const Worker& w : workers_state_)
      for (size_t r = 0; r < total.size(); ++r) total[r].Add(w.tallies[r]);
    total[0].correct = float_correct;
    total[0].bytes = 4.0 * static_cast<double>(feature_elements_) * static_cast<double>(samples_);

    RdResult result;
    result.model = model_.description;
    result.dataset = dataset_->description();
    result.device = DeviceText(device_);
    result.torch = TORCH_VERSION;
    result.input_shape = input_shape_;
    result.feature_shape = feature_shape_;
    result.feature_elements = feature_elements_;
    result.samples = samples_;
    result.seconds = seconds;
    const auto add = [&](RdRow row, const Tally& t) {
      const double n = static_cast<double>(samples_);
      row.samples = samples_;
      row.correct = t.correct;
      row.float_correct = float_correct;
      row.bytes_per_sample = t.bytes / n;
      row.bits_per_element = 8.0 * row.bytes_per_sample / static_cast<double>(feature_elements_);
      row.top1 = static_cast<double>(t.correct) / n;
      row.top1_float = static_cast<double>(float_correct) / n;
      row.top1_drop = row.top1_float - row.top1;
      row.encode_ms = t.encode_ms / n;
      row.decode_ms = t.decode_ms / n;
      result.rows.push_back(row);
    };
    add(Row({"float", 0, 32, "", false, 0, ""}), total[0]);
    for (size_t i = 0; i < o_.settings.size(); ++i) {
      CodecSetting s = o_.settings[i];
      s.quality = ftc_backend_find(s.codec.c_str())->capabilities & FTC_CAP_QUALITY ? encoder_settings_[i].quality : 0;
      add(Row(s), total[1 + i]);
    }
    for (size_t q = 0; q < o_.seed_qualities.size(); ++q)
      add(Row({"seed-jpeg", o_.seed_qualities[q], 8, "sigma:3", false, 0, ""}), total[SeedRow(q)]);
    for (size_t q = 0; q < o_.input_qualities.size(); ++q)
      add(Row({"input-jpeg", o_.input_qualities[q], 8, "", false, 0, ""}), total[InputRow(q)]);
    return result;
  }

  const RdOptions& o_;
  torch::Device device_;
  std::unique_ptr<ftc_datasets::Dataset> dataset_;
  uint64_t samples_ = 0;
  SplitModel model_;
  std::vector<uint64_t> input_shape_, feature_shape_;
  uint64_t feature_elements_ = 0;
  size_t workers_ = 1;
  std::vector<ftc_encoder_settings> encoder_settings_;
  std::deque<Worker> workers_state_;  // a deque: workers are neither copied nor moved
};

}  // namespace

RdResult RunRd(const RdOptions& options) {
  torch::NoGradGuard no_grad;
  if (options.threads > 0) at::set_num_threads(options.threads);
  return RdRun(options).Run();
}

}  // namespace ftc_inference

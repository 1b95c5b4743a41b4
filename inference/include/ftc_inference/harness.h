// The inference harness: what `ftc rd` and `ftc analyze` ask of it and what it answers. No LibTorch here.
//
// LibTorch lives in one loadable module (libftc_inference.so, built from inference/src): linking it into
// the ftc executable would cost every `ftc encode` the ~0.5 s it takes to load and initialise LibTorch.
// The tool loads the module only for these two commands (LoadHarness below) and talks to it through the
// table of functions in `Api`, whose structs are plain data built by the same compiler in the same build.
#ifndef FTC_INFERENCE_HARNESS_H
#define FTC_INFERENCE_HARNESS_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ftc_datasets/dataset.h"

namespace ftc_inference {

// What went wrong, as the ftc tool's exit statuses name it.
enum class Problem { kUsage = 1, kData = 2, kIo = 3 };

struct Failure {
  Problem problem = Problem::kIo;
  std::string message;
};

// The model. A split model is a pair of TorchScript files: `edge` maps float32 images N×C×H×W in [0, 1]
// to the feature tensor, `cloud` maps that tensor to logits N×K. Either
//  - edge and cloud (and optionally full: the whole model, for the input-jpeg baseline; without it the
//    pair is composed), or
//  - dir and split: the pair <dir>/<split>_edge.pt, <dir>/<split>_cloud.pt, with <dir>/full.pt when it
//    exists (the layout of models/fashion_resnet), or
//  - full and split: a whole model cut after its top-level child named `split` (only for a model whose
//    forward runs its top-level children one after the other, as nn.Sequential does).
struct ModelOptions {
  std::string edge, cloud, full;
  std::string dir, split;
};

struct DataOptions {
  std::string spec = "fashion-mnist";  // ftc_datasets::OpenDataset
  ftc_datasets::ImageFolderOptions folder;
  uint64_t limit = 0;  // the first `limit` samples; 0: all
};

// One configuration of an ftc encoder, as the ftc tool's encode flags give it.
struct CodecSetting {
  std::string codec;  // a backend name
  int quality = 0;    // for backends with FTC_CAP_QUALITY; 0 otherwise
  int bits = 8;
  std::string clip = "sigma:3";
  bool per_channel = false;
  int max_error = 0;
  std::string options;
  // false: every sample is a complete .ftc file. true: a device session: every sample is one packet of a
  // stream (ftc_stream_*), whose header goes once per session; each packet is a key frame carrying its
  // own clip range, so the quantiser is the same as a file's.
  bool stream = false;
};

struct RdOptions {
  ModelOptions model;
  DataOptions data;
  std::vector<CodecSetting> settings;  // one row each
  std::vector<int> seed_qualities;     // seed-jpeg rows (the paper's design), one per quality
  std::vector<int> input_qualities;    // input-jpeg rows (the image as JPEG, whole model on the server)
  std::string device = "cpu";          // where the cloud part runs: cpu or cuda
  int batch = 256;                     // samples per cloud batch
  int threads = 0;                     // CPU threads for LibTorch and the codecs; 0: one per core
  std::function<void(uint64_t done, uint64_t total)> progress;  // after each batch; may be empty
};

// One row of the rate–accuracy table. Rates are per sample, as a device sends one sample at a time.
struct RdRow {
  std::string codec;        // "float", "input-jpeg", "seed-jpeg" or a backend name
  int quality = 0;          // 0 where it does not apply
  int bits = 0;             // quantiser bits; 32 for float, 8 for the two JPEG baselines
  std::string clip;         // clip of the quantiser; empty for float and input-jpeg
  bool per_channel = false;
  int max_error = 0;
  std::string options;
  bool stream = false;
  uint64_t samples = 0;
  uint64_t correct = 0;     // top-1 hits
  uint64_t float_correct = 0;
  double bytes_per_sample = 0;  // mean size of what is sent: .ftc file or packet (with the stream header
                                // once per session), JFIF file (+ side info), float32
  double bits_per_element = 0;  // 8 · bytes_per_sample / elements of the feature tensor
  double top1 = 0, top1_float = 0, top1_drop = 0;  // fractions; drop = top1_float − top1
  double encode_ms = 0, decode_ms = 0;             // mean per sample
};

struct RdResult {
  std::string model;    // what was loaded, one line
  std::string dataset;  // ftc_datasets::Dataset::description()
  std::string device;   // "cpu" or "cuda:0 (NVIDIA ...)"
  std::string torch;    // LibTorch version
  std::vector<uint64_t> input_shape;    // C, H, W of one image
  std::vector<uint64_t> feature_shape;  // C, H, W of one feature tensor, as coded
  uint64_t feature_elements = 0;
  uint64_t samples = 0;
  double seconds = 0;
  std::vector<RdRow> rows;
};

struct AnalyzeOptions {
  // dir: every pair in it; edge + cloud: that pair; full alone: after each top-level child but the last.
  ModelOptions model;
  DataOptions data;
  std::string device = "cpu";
  int threads = 0;
  int batch = 256;
  int bins = 200;                     // histogram bins over [mean − 5σ, mean + 5σ] ∩ [min, max]
  std::string lossless = "lossless";  // the backend whose size is reported (8 bits, sigma:3 per tensor)
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct SplitStats {
  std::string name;                 // "mid", or the child's name
  std::vector<uint64_t> shape;      // C, H, W
  uint64_t elements = 0;
  double macs = -1;                 // edge multiply–accumulates per sample (conv, linear, matmul); −1: unknown
  bool macs_partial = false;        // some operations sit inside control flow and were not counted
  double edge_ms = 0;               // measured edge time per sample (CPU, batched)
  double mean = 0, stddev = 0, min = 0, max = 0;
  double within_3sigma = 0;         // fraction of values in [mean − 3σ, mean + 3σ]
  double zero_fraction = 0;         // fraction of values exactly 0
  double lossless_bytes = 0;        // mean .ftc bytes per sample (8 bits, sigma:3 per tensor), 0 if unavailable
  double lossless_bpe = 0;          // the same as bits per element
  double hist_lo = 0, hist_hi = 0;  // histogram range
  std::vector<uint64_t> histogram;
};

struct AnalyzeResult {
  std::string model, dataset, torch, lossless_codec;
  uint64_t samples = 0;
  std::vector<SplitStats> splits;
};

// The module's table of functions. Each returns false and fills the Failure instead of throwing.
inline constexpr uint32_t kApiVersion = 1;

struct Api {
  uint32_t version;  // kApiVersion of the module
  const char* torch_version;
  bool (*rd)(const RdOptions& options, RdResult* result, Failure* failure);
  bool (*analyze)(const AnalyzeOptions& options, AnalyzeResult* result, Failure* failure);
};

// Loads the module once (dlopen) and returns its table; nullptr with `failure` filled when it cannot. The
// module is looked for at $FTC_INFERENCE_MODULE, then where this build put it, then where it installs.
const Api* LoadHarness(Failure* failure);

}  // namespace ftc_inference

// The one symbol the module exports.
extern "C" const ftc_inference::Api* ftc_inference_api();

#endif  // FTC_INFERENCE_HARNESS_H

// A model cut in two, as TorchScript: the edge part on the CPU (the device), the cloud part on the chosen
// device (the server), and the whole model for the cloud-only baseline.
#ifndef FTC_INFERENCE_SPLIT_MODEL_H
#define FTC_INFERENCE_SPLIT_MODEL_H

#include <torch/script.h>
#include <torch/version.h>

#include <optional>
#include <string>
#include <vector>

#include "ftc_inference/harness.h"

namespace ftc_inference {

// Parses "cpu", "cuda" or "cuda:N"; a CUDA device needs a CUDA-enabled LibTorch and a GPU (else kUsage).
torch::Device ParseDevice(const std::string& name);
std::string DeviceText(const torch::Device& device);

// Loads a TorchScript file in eval mode onto `device`. A missing or malformed file is an error naming it.
torch::jit::Module LoadModule(const std::string& path, const torch::Device& device);

// A chain of modules applied in order (one module, or several top-level children of a model).
class Stage {
 public:
  Stage() = default;
  Stage(std::vector<torch::jit::Module> modules, torch::Device device, std::string what);
  // Runs on the stage's device and returns the result there. Errors name the stage (kData).
  torch::Tensor operator()(const torch::Tensor& x) const;
  const torch::Device& device() const { return device_; }
  const std::vector<torch::jit::Module>& modules() const { return modules_; }
  bool empty() const { return modules_.empty(); }

 private:
  std::vector<torch::jit::Module> modules_;
  torch::Device device_ = torch::kCPU;
  std::string what_;
};

struct SplitModel {
  std::string name;         // the split: "mid", a child name, or "pair"
  std::string description;  // one line: the files and the cut
  Stage edge, cloud;
  Stage full;               // empty: compose edge and cloud
  bool cut_from_whole = false;  // edge and cloud are top-level children of `full`
};

// The split that `options` names (ModelOptions in harness.h), with the cloud and whole model on `device`.
SplitModel OpenSplitModel(const ModelOptions& options, const torch::Device& device);

// Every split the options describe: each pair of a directory (in order of edge compute), the one pair
// given, or a whole model cut after each top-level child but the last.
std::vector<SplitModel> OpenAllSplits(const ModelOptions& options, const torch::Device& device);

// Runs `probe` (a small batch of real inputs) through the split and checks that the cloud part takes the
// edge part's output and returns logits N×K, and that the whole model, when there is one, computes what
// cloud(edge(x)) does. Returns the feature tensor of the probe. Throws HarnessError (kData).
torch::Tensor CheckSplit(const SplitModel& model, const torch::Tensor& probe);

// Multiply–accumulates per sample of `stage` for one input shaped like `probe` (a batch of 1), counted
// from the inlined graph of each module: convolutions, linear layers and matrix products. Sets *partial
// when some operation sits in control flow and was not counted; nullopt when the graph cannot be run.
std::optional<double> CountMacs(const Stage& stage, const torch::Tensor& probe, bool* partial);

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_SPLIT_MODEL_H

#include "split_model.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>

#include "harness_error.h"

namespace ftc_inference {
namespace {

namespace fs = std::filesystem;

// c10::Error's first line, without the C++ backtrace LibTorch appends.
std::string Brief(const c10::Error& e) {
  std::string text = e.what_without_backtrace();
  const size_t newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

// Errors raised inside a TorchScript graph carry the script's traceback; their last line is the cause.
std::string Brief(const std::exception& e) {
  std::string text = e.what();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

std::string ShapeText(c10::IntArrayRef sizes) {
  std::string text;
  for (const int64_t d : sizes) {
    if (!text.empty()) text += 'x';
    text += std::to_string(d);
  }
  return text;
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The pairs <name>_edge.pt / <name>_cloud.pt in `dir`, by name.
std::vector<std::string> PairsIn(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string file = e.path().filename().string();
    const std::string suffix = "_edge.pt";
    if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string name = file.substr(0, file.size() - suffix.size());
    if (IsFile(dir + "/" + name + "_cloud.pt")) names.push_back(name);
  }
  if (ec) throw HarnessError(Problem::kIo, dir + ": cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::string Join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) {
    if (!text.empty()) text += ", ";
    text += n;
  }
  return text;
}

SplitModel FromPair(const std::string& name, const std::string& edge, const std::string& cloud,
                    const std::string& full, const torch::Device& device) {
  SplitModel m;
  m.name = name;
  m.description = "edge " + edge + ", cloud " + cloud + (full.empty() ? "" : ", whole " + full);
  m.edge = Stage({LoadModule(edge, torch::kCPU)}, torch::kCPU, edge);
  m.cloud = Stage({LoadModule(cloud, device)}, device, cloud);
  if (!full.empty()) m.full = Stage({LoadModule(full, device)}, device, full);
  return m;
}

SplitModel FromDirectory(const std::string& dir, const std::string& name, const torch::Device& device) {
  const std::string full = dir + "/full.pt";
  return FromPair(name, dir + "/" + name + "_edge.pt", dir + "/" + name + "_cloud.pt", IsFile(full) ? full : "",
                  device);
}

// A whole model's top-level children, with a check that running them in order is what its forward does.
std::vector<std::pair<std::string, torch::jit::Module>> Children(const std::string& path) {
  const torch::jit::Module whole = LoadModule(path, torch::kCPU);
  std::vector<std::pair<std::string, torch::jit::Module>> children;
  for (const auto& child : whole.named_children()) children.emplace_back(child.name, child.value);
  if (children.size() < 2)
    throw HarnessError(Problem::kUsage, path + " has " + std::to_string(children.size()) +
                                            " top-level children: nothing to cut; give an edge/cloud pair");
  return children;
}

SplitModel FromChildren(const std::string& path, const std::vector<std::pair<std::string, torch::jit::Module>>& children,
                        size_t cut, const torch::Device& device) {
  SplitModel m;
  m.name = children[cut].first;
  m.cut_from_whole = true;
  m.description = path + " cut after its child '" + m.name + "'";
  std::vector<torch::jit::Module> edge, cloud;
  for (size_t i = 0; i < children.size(); ++i) {
    torch::jit::Module copy = children[i].second.deepcopy();
    if (i > cut) copy.to(device);
    (i <= cut ? edge : cloud).push_back(copy);
  }
  m.edge = Stage(edge, torch::kCPU, path + " up to '" + m.name + "'");
  m.cloud = Stage(cloud, device, path + " after '" + m.name + "'");
  m.full = Stage({LoadModule(path, device)}, device, path);
  return m;
}

void CheckUsage(bool ok, const std::string& message) {
  if (!ok) throw HarnessError(Problem::kUsage, message);
}

}  // namespace

torch::Device ParseDevice(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw HarnessError(Problem::kUsage, "--device " + name + ": CUDA is not available (this LibTorch " +
                                              std::string(TORCH_VERSION) +
                                              " is CPU-only or no GPU is present); use --device cpu");
    try {
      const torch::Device device(name);
      if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
        throw HarnessError(Problem::kUsage, "--device " + name + ": there are only " +
                                                std::to_string(torch::cuda::device_count()) + " CUDA devices");
      return device;
    } catch (const c10::Error& e) {
      throw HarnessError(Problem::kUsage, "--device " + name + ": " + Brief(e));
    }
  }
  throw HarnessError(Problem::kUsage, "--device " + name + ": expected cpu, cuda or cuda:N");
}

std::string DeviceText(const torch::Device& device) {
  return device.str();
}

torch::jit::Module LoadModule(const std::string& path, const torch::Device& device) {
  if (!IsFile(path)) throw HarnessError(Problem::kIo, path + ": no such file");
  try {
    torch::jit::Module m = torch::jit::load(path, device);
    m.eval();
    return m;
  } catch (const c10::Error& e) {
    throw HarnessError(Problem::kData, path + ": not a TorchScript model LibTorch " + std::string(TORCH_VERSION) +
                                           " can load: " + Brief(e));
  }
}

Stage::Stage(std::vector<torch::jit::Module> modules, torch::Device device, std::string what)
    : modules_(std::move(modules)), device_(device), what_(std::move(what)) {}

torch::Tensor Stage::operator()(const torch::Tensor& x) const {
  torch::Tensor y = x.to(device_);
  for (const torch::jit::Module& m : modules_) {
    c10::IValue out;
    try {
      out = const_cast<torch::jit::Module&>(m).forward({y});
    } catch (const c10::Error& e) {
      throw HarnessError(Problem::kData, what_ + " fails on input " + ShapeText(y.sizes()) + ": " + Brief(e));
    } catch (const std::exception& e) {
      throw HarnessError(Problem::kData, what_ + " fails on input " + ShapeText(y.sizes()) + ": " + Brief(e));
    }
    if (!out.isTensor())
      throw HarnessError(Problem::kData, what_ + " returns a " + out.tagKind() + ", not a tensor");
    y = out.toTensor();
  }
  return y;
}

SplitModel OpenSplitModel(const ModelOptions& o, const torch::Device& device) {
  CheckUsage(o.edge.empty() == o.cloud.empty(), "give both --edge and --cloud, or neither");
  if (!o.edge.empty()) {
    CheckUsage(o.dir.empty(), "give either --model DIR or --edge/--cloud, not both");
    CheckUsage(o.split.empty(), "--split applies to --model DIR or a whole model (--full), not to a pair");
    return FromPair("pair", o.edge, o.cloud, o.full, device);
  }
  if (!o.dir.empty()) {
    CheckUsage(o.full.empty(), "give either --model DIR or --full, not both");
    std::error_code ec;
    if (!fs::is_directory(o.dir, ec)) throw HarnessError(Problem::kIo, o.dir + ": no such directory");
    const std::vector<std::string> pairs = PairsIn(o.dir);
    if (pairs.empty()) throw HarnessError(Problem::kData, o.dir + ": no <name>_edge.pt / <name>_cloud.pt pair");
    std::string split = o.split;
    if (split.empty()) {
      CheckUsage(pairs.size() == 1 || std::find(pairs.begin(), pairs.end(), "mid") != pairs.end(),
                 o.dir + " holds several splits (" + Join(pairs) + "): choose one with --split");
      split = pairs.size() == 1 ? pairs[0] : "mid";
    }
    CheckUsage(std::find(pairs.begin(), pairs.end(), split) != pairs.end(),
               "no split '" + split + "' in " + o.dir + " (it has " + Join(pairs) + ")");
    return FromDirectory(o.dir, split, device);
  }
  CheckUsage(!o.full.empty(), "no model: give --edge and --cloud, --model DIR, or --full with --split");
  const auto children = Children(o.full);
  std::vector<std::string> names;
  for (size_t i = 0; i + 1 < children.size(); ++i) names.push_back(children[i].first);
  CheckUsage(!o.split.empty(), "--full alone needs --split CHILD, one of its top-level children: " + Join(names));
  const auto it = std::find(names.begin(), names.end(), o.split);
  CheckUsage(it != names.end(), "no top-level child '" + o.split + "' to cut after in " + o.full + " (it has " +
                                    Join(names) + ")");
  return FromChildren(o.full, children, static_cast<size_t>(it - names.begin()), device);
}

std::vector<SplitModel> OpenAllSplits(const ModelOptions& o, const torch::Device& device) {
  CheckUsage(o.split.empty(), "ftc analyze looks at every split; --split does not apply");
  if (!o.dir.empty() && o.edge.empty()) {
    CheckUsage(o.full.empty(), "give either --model DIR or --full, not both");
    std::error_code ec;
    if (!fs::is_directory(o.dir, ec)) throw HarnessError(Problem::kIo, o.dir + ": no such directory");
    std::vector<SplitModel> splits;
    for (const std::string& name : PairsIn(o.dir)) splits.push_back(FromDirectory(o.dir, name, device));
    if (splits.empty()) throw HarnessError(Problem::kData, o.dir + ": no <name>_edge.pt / <name>_cloud.pt pair");
    return splits;
  }
  if (!o.edge.empty() || !o.cloud.empty()) return {OpenSplitModel(o, device)};
  CheckUsage(!o.full.empty(), "no model: give --model DIR, --edge and --cloud, or --full");
  const auto children = Children(o.full);
  std::vector<SplitModel> splits;
  for (size_t cut = 0; cut + 1 < children.size(); ++cut) splits.push_back(FromChildren(o.full, children, cut, device));
  return splits;
}

torch::Tensor CheckSplit(const SplitModel& model, const torch::Tensor& probe) {
  torch::NoGradGuard no_grad;
  const torch::Tensor features = model.edge(probe);
  if (features.dim() < 2 || features.size(0) != probe.size(0) || features.scalar_type() != torch::kFloat)
    throw HarnessError(Problem::kData, "the edge part of " + model.description + " returns " +
                                           std::string(c10::toString(features.scalar_type())) + " " +
                                           ShapeText(features.sizes()) + " for " + ShapeText(probe.sizes()) +
                                           " images; a float32 tensor N×... is needed");
  const torch::Tensor logits = model.cloud(features).to(torch::kCPU);
  if (logits.dim() != 2 || logits.size(0) != probe.size(0))
    throw HarnessError(Problem::kData, "the cloud part of " + model.description + " returns " +
                                           ShapeText(logits.sizes()) + ", not logits " +
                                           std::to_string(probe.size(0)) + "xK");
  if (!model.full.empty()) {
    const torch::Tensor whole = model.full(probe).to(torch::kCPU);
    const double scale = 1.0 + logits.abs().max().item<double>();
    if (whole.sizes() != logits.sizes() || (whole - logits).abs().max().item<double>() > 1e-4 * scale)
      throw HarnessError(Problem::kData, "the whole model of " + model.description +
                                             " does not compute what cloud(edge(x)) does" +
                                             (!model.cut_from_whole ? "" : " (its forward is not the sequence of its "
                                                                          "top-level children)"));
  }
  return features;
}

namespace {

bool IsCounted(const torch::jit::Node* n) {
  static const std::vector<std::string> kinds = {
      "aten::conv1d", "aten::conv2d",     "aten::conv3d",           "aten::_convolution", "aten::conv_transpose1d",
      "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::linear", "aten::matmul", "aten::mm", "aten::bmm",
      "aten::addmm"};
  return std::find(kinds.begin(), kinds.end(), n->kind().toQualString()) != kinds.end();
}

bool HasCountedInside(const torch::jit::Node* n) {
  for (const torch::jit::Block* b : n->blocks())
    for (const torch::jit::Node* inner : b->nodes())
      if (IsCounted(inner) || HasCountedInside(inner)) return true;
  return false;
}

// MACs of one module for input `x` (batch of 1); the module's output goes to *out.
double ModuleMacs(const torch::jit::Module& module, const torch::Tensor& x, torch::Tensor* out, bool* partial) {
  // Frozen, the weights are constants and the branches on attributes (BatchNorm's `training`, Conv2d's
  // padding mode) are folded away; inlined, the submodules' calls become the operations themselves.
  torch::jit::Module frozen = torch::jit::freeze_module(module);
  std::shared_ptr<torch::jit::Graph> graph = frozen.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  // Make every counted node's operands and result extra outputs of the graph, then run it once.
  std::vector<torch::jit::Value*> probes;
  std::vector<const torch::jit::Node*> counted;
  for (torch::jit::Node* n : graph->nodes()) {
    if (HasCountedInside(n)) *partial = true;
    if (!IsCounted(n) || n->inputs().size() < 2) continue;
    const bool addmm = n->kind().toQualString() == std::string("aten::addmm");
    probes.push_back(n->input(addmm ? 1 : 0));
    probes.push_back(n->input(addmm ? 2 : 1));
    probes.push_back(n->output());
    counted.push_back(n);
  }
  probes.push_back(graph->outputs()[0]);
  torch::jit::Node* tuple = graph->insertNode(graph->createTuple(probes));
  graph->eraseOutput(0);
  graph->registerOutput(tuple->output());
  torch::jit::GraphFunction fn("count_macs", graph, nullptr);
  std::vector<c10::IValue> stack{frozen._ivalue(), x};
  fn.run(stack);
  const auto values = stack.back().toTuple()->elements();
  double macs = 0;
  for (size_t i = 0; i < counted.size(); ++i) {
    const torch::Tensor a = values[3 * i].toTensor(), w = values[3 * i + 1].toTensor(), y = values[3 * i + 2].toTensor();
    const std::string kind = counted[i]->kind().toQualString();
    if (kind.find("conv_transpose") != std::string::npos) {
      macs += static_cast<double>(a.numel()) * static_cast<double>(w.numel() / std::max<int64_t>(w.size(0), 1));
    } else if (kind.find("conv") != std::string::npos || kind == "aten::linear") {
      macs += static_cast<double>(y.numel()) * static_cast<double>(w.numel() / std::max<int64_t>(w.size(0), 1));
    } else {
      macs += static_cast<double>(y.numel()) * static_cast<double>(a.size(-1));
    }
  }
  *out = values.back().toTensor();
  return macs;
}

}  // namespace

std::optional<double> CountMacs(const Stage& stage, const torch::Tensor& probe, bool* partial) {
  *partial = false;
  // Freezing and inlining are graph optimisations, off while the harness runs (module.cc); on for this.
  struct Optimize {
    bool before = torch::jit::getGraphExecutorOptimize();
    Optimize() { torch::jit::setGraphExecutorOptimize(true); }
    ~Optimize() { torch::jit::setGraphExecutorOptimize(before); }
  } optimize;
  try {
    torch::NoGradGuard no_grad;
    torch::Tensor x = probe.to(stage.device());
    double macs = 0;
    for (const torch::jit::Module& m : stage.modules()) macs += ModuleMacs(m, x, &x, partial);
    return macs;
  } catch (const std::exception&) {
    return std::nullopt;  // an unusual graph: the table shows the measured time only
  }
}

}  // namespace ftc_inference

#include "harness_flags.h"

#include "cli.h"
#include "commands.h"

namespace ftc_cli {

std::vector<Flag> ModelFlags(bool with_split) {
  std::vector<Flag> flags = {
      {"edge", 0, "E.pt", "TorchScript edge part: float32 images N×C×H×W in [0,1] -> feature tensor"},
      {"cloud", 0, "C.pt", "TorchScript cloud part: feature tensor -> logits N×K"},
      {"full", 0, "F.pt",
       "TorchScript whole model: the input-jpeg baseline's model (default: cloud(edge(x))); alone, with "
       "--split, the model cut after a top-level child"},
      {"model", 0, "DIR",
       "a folder of <split>_edge.pt / <split>_cloud.pt pairs and full.pt (default, without --edge/--cloud/"
       "--full: the reference model models/fashion_resnet)"},
  };
  if (with_split)
    flags.push_back({"split", 0, "NAME", "which pair of --model (default mid), or the child of --full to cut after"});
  return flags;
}

std::vector<Flag> DataFlags() {
  return {
      {"dataset", 0, "SPEC",
       "fashion-mnist (Debian's dataset-fashion-mnist, the test split; the default), fashion-mnist:DIR, or "
       "imagefolder:DIR (one sub-folder of JPEG/PNG images per class)"},
      {"limit", 0, "N", "use the first N samples of the test split (default: all)"},
      {"resize", 0, "N", "imagefolder: scale the shorter side to N pixels, 0 for none (default 256)"},
      {"crop", 0, "N", "imagefolder: centre crop N×N, 0 for none (default 224)"},
      {"channels", 0, "N", "imagefolder: 3 for RGB, 1 for greyscale (default 3)"},
      {"filter", 0, "NAME", "imagefolder: resize filter, bilinear (antialiased) or area (default bilinear)"},
  };
}

std::vector<Flag> RunFlags(const char* default_out) {
  return {
      {"device", 0, "DEV", "where the cloud part runs: cpu, cuda or cuda:N (default cpu; the edge part always "
                           "runs on the CPU)"},
      {"threads", 0, "T", "CPU threads for LibTorch and the codecs; 0 is one per core (default 0)"},
      {"batch", 0, "N", "samples per model batch (default 256)"},
      {"out", 'o', "DIR", std::string("folder for the results (default ") + default_out + "; created if missing)"},
      {"no-plot", 0, "", "write the CSV and JSON only, no plots"},
      {"quiet", 'q', "", "no progress on stderr"},
  };
}

CommandSpec RdSpec() {
  CommandSpec spec;
  spec.operands = "[--edge E.pt --cloud C.pt | --model DIR [--split S]] [--dataset SPEC] [options]";
  spec.description =
      "Rate–accuracy of feature coding on a split model. Takes the first N samples of the dataset's test\n"
      "split (all without --limit), runs the edge part, codes every sample's feature tensor on its own with\n"
      "each codec and setting (as a device sends it), decodes it, runs the cloud part, and records bytes\n"
      "per sample, bits per element, top-1 and its drop against the uncoded (float) features, and coding\n"
      "times. Adds the baselines input-jpeg (the image as a standard JPEG file, whole model on the server)\n"
      "and seed-jpeg (the seed design: 8 bits, mean ± 3σ per tensor, the mosaic as a standard JPEG file).\n"
      "Prints the table, the smallest bytes per sample within the accuracy budget per codec, and BD-rates;\n"
      "writes rd.csv, rd.json, rd.png and rd.svg into --out. Without model arguments it runs the reference\n"
      "model (models/fashion_resnet, split mid) on all of Fashion-MNIST's test split with every built codec,\n"
      "at ftc's defaults and at the settings that beat the baselines (--preset standard,best).\n";
  spec.flags = ModelFlags(true);
  for (Flag& f : DataFlags()) spec.flags.push_back(std::move(f));
  const std::vector<Flag> codec_flags = {
      {"codecs", 0, "LIST",
       "comma-separated codecs: built backends, seed-jpeg, input-jpeg (default: all of them)"},
      {"qualities", 0, "LIST", std::string("qualities of the lossy codecs and baselines (default ") +
                                   kDefaultQualities + ")"},
      {"bits", 0, "LIST", "quantiser bits, 1..8, e.g. 4,6,8 (default 8)"},
      {"clip", 0, "LIST", "clip ranges: sigma:K, minmax, range:LO,HI, e.g. sigma:3,minmax (default sigma:3)"},
      {"per-channel", 0, "", "one clip range per channel instead of one per tensor"},
      {"max-error", 0, "LIST", "near-lossless bounds for codecs that have one (default 0)"},
      {"options", 0, "K=V,...", "codec-specific options, passed to every codec"},
      {"stream", 0, "",
       "send the samples as the packets of one stream per session (ftc_stream_*: the header once, a clip "
       "range in every packet) instead of one .ftc file each"},
      {"preset", 0, "LIST",
       "quantiser presets when --bits/--clip/--per-channel/--max-error are not given: standard (8 bits, "
       "sigma:3 per tensor), best (what --search found for jpeg and lossless on the reference model, "
       "docs/RATE_ACCURACY.md); default standard,best"},
      {"search", 0, "",
       "search bits, clip, per-channel and quality per codec for the fewest bytes within the budget "
       "(a screening pass on --search-limit samples, then the candidates on all)"},
      {"search-limit", 0, "N", "samples of the search's screening pass (default 2000)"},
      {"budget", 0, "P", "accuracy budget: the largest top-1 drop in percentage points (default 1)"},
  };
  spec.flags.insert(spec.flags.end(), codec_flags.begin(), codec_flags.end());
  for (Flag& f : RunFlags("ftc-rd")) spec.flags.push_back(std::move(f));
  return spec;
}

CommandSpec AnalyzeSpec() {
  CommandSpec spec;
  spec.operands = "[--model DIR | --full F.pt | --edge E.pt --cloud C.pt] [--dataset SPEC] [options]";
  spec.description =
      "The split-point properties the seed paper lists, per candidate split: each pair of --model DIR, the\n"
      "pair given, or a whole model (--full) cut after each of its top-level children. For each: the\n"
      "feature tensor's shape and size (float32 and 8-bit), the edge compute (multiply-accumulates counted\n"
      "from the TorchScript graph, and measured time), mean, standard deviation, the fraction of values\n"
      "within mean ± 3σ, and the lossless codec's bits per element. Prints the table and writes\n"
      "analyze.csv, analyze.json, and the histograms (analyze_hist.png/.svg, like the paper's Figure 3) and\n"
      "a summary plot (analyze_splits.png/.svg) into --out. Without model arguments: the reference model.\n";
  spec.flags = ModelFlags(false);
  for (Flag& f : DataFlags()) spec.flags.push_back(std::move(f));
  spec.flags.push_back({"bins", 0, "N", "histogram bins (default 200)"});
  for (Flag& f : RunFlags("ftc-analyze")) spec.flags.push_back(std::move(f));
  return spec;
}

}  // namespace ftc_cli

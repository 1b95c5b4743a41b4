#include "serving_flags.h"

#include "commands.h"
#include "encode_options.h"
#include "harness_flags.h"

namespace ftc_cli {
namespace {

std::vector<Flag> ServingModelFlags() {
  return {
      {"model", 0, "DIR",
       "a folder of <split>_edge.pt / <split>_cloud.pt pairs and full.pt (default, without "
       "--edge/--cloud/--full: "
       "the reference model models/fashion_resnet)"},
      {"split", 0, "NAME", "which pair of --model (default mid)"},
      {"edge", 0, "E.pt", "TorchScript edge part: float32 images N×C×H×W in [0,1] -> feature tensor"},
      {"cloud", 0, "C.pt", "TorchScript cloud part: feature tensor -> logits N×K"},
      {"full", 0, "F.pt", "TorchScript whole model: images -> logits"},
  };
}

std::vector<Flag> DeviceFlags() {
  std::vector<Flag> flags = {
      {"server", 0, "ADDR:PORT", std::string("the ftc serve to talk to (default ") + kDefaultServer + ")"},
      {"frames", 0, "N",
       "frames per device: the first N samples from --offset (default: all of the dataset)"},
      {"offset", 0, "K", "the first sample (default 0)"},
      {"image-quality", 0, "Q", "cloud-only: JPEG quality of the input image (default 90)"},
      {"gop", 0, "N", "video codecs: a key frame every N frames (default 1)"},
      {"top-k", 0, "K", "classes in each answer (default 5)"},
      {"connect-timeout", 0, "S", "seconds to wait for the server to be serving (default 10)"},
  };
  for (Flag& f : EncoderFlags())
    if (f.name != "max-error" && f.name != "options") flags.push_back(std::move(f));
  flags.push_back(
      {"max-error", 0, "E", "near-lossless bound in quantisation levels, for codecs that have one"});
  flags.push_back({"options", 0, "K=V,...", "codec-specific options, passed to the codec"});
  for (Flag& f : DataFlags())
    if (f.name != "limit") flags.push_back(std::move(f));
  return flags;
}

}  // namespace

CommandSpec ServeSpec() {
  CommandSpec spec;
  spec.operands = "[--cloud C.pt [--full F.pt] | --model DIR [--split S]] [--listen ADDR:PORT] [options]";
  spec.description =
      "The cloud server of split inference (docs/SERVING.md). Edge devices open a gRPC stream each and send\n"
      "their features as packets of an ftc stream (or, cloud-only, the input image as a JPEG or PNG file); "
      "the\n"
      "server decodes them, batches frames of all devices together (up to --max-batch frames, or what came\n"
      "within --max-delay-ms of the oldest), runs the cloud part (or the whole model) and answers every "
      "frame\n"
      "with its top-k classes, the server's timings and a status of that frame alone: a bad frame gets an\n"
      "error answer and everything else goes on. Also serves the standard gRPC health service. Prints the\n"
      "address it listens on, then one log line per --log-interval on stderr. SIGINT or SIGTERM: stops "
      "taking\n"
      "frames, answers those already received, closes every stream and exits 0.\n";
  spec.flags = ServingModelFlags();
  const std::vector<Flag> flags = {
      {"listen", 0, "ADDR:PORT",
       std::string("where to listen (default ") + kDefaultServer +
           "; port 0 picks a free one; 0.0.0.0:PORT for every "
           "interface)"},
      {"reuse-port", 0, "",
       "share the port with other ftc serve processes started with it (the kernel spreads connections among "
       "them)"},
      {"name", 0, "ID", "the model id frames must carry (default: the split's name, or C.pt's name)"},
      {"device", 0, "DEV", "where the models run: cpu, cuda or cuda:N (default cpu)"},
      {"max-batch", 0, "B", "frames per batch, from any devices (default 8)"},
      {"max-delay-ms", 0, "D", "the longest a frame waits for its batch to fill, in ms (default 2)"},
      {"threads", 0, "T", "LibTorch threads; 0 is one per core (default 0)"},
      {"max-in-flight", 0, "N", "frames of one stream received and not yet answered (default 16)"},
      {"max-streams", 0, "N", "open streams; more are refused (default 1024)"},
      {"max-packet-bytes", 0, "N",
       "the largest frame data; larger frames get an error answer (default 4194304)"},
      {"max-elements", 0, "N", "the largest decoded tensor or image, in values (default 16777216)"},
      {"log-interval", 0, "S", "seconds between log lines (default 60; 0: none)"},
      {"grace", 0, "S", "at shutdown, seconds to wait for streams to close (default 10)"},
  };
  spec.flags.insert(spec.flags.end(), flags.begin(), flags.end());
  return spec;
}

CommandSpec EdgeSpec() {
  CommandSpec spec;
  spec.operands = "[--edge E.pt | --model DIR [--split S]] --server ADDR:PORT [--dataset SPEC] [options]";
  spec.description =
      "An edge device talking to ftc serve (docs/SERVING.md). For every frame (a sample of the dataset) it "
      "runs\n"
      "the edge part, codes the features with an ftc stream encoder and sends the packet (--mode split), or\n"
      "sends the image as JPEG (cloud), or runs the whole model itself (edge); and records per frame the "
      "edge\n"
      "compute, encode, upload, server (decode, queue, compute), download and total time, the bytes sent "
      "and\n"
      "whether the top-1 answer is right. --upload-kbps and --rtt-ms emulate the link on the sender (a "
      "token\n"
      "bucket and a delay). --pipeline computes the next frame while earlier ones are in flight; --clients "
      "runs\n"
      "several devices at once, each with its own connection; --verify recomputes every answer on the "
      "device\n"
      "from the same bytes and counts disagreements. Prints a summary, or one JSON object with --json.\n"
      "Exit status 2 when a frame was not answered, was answered with an error, or (--verify) differs.\n";
  spec.flags = ServingModelFlags();
  spec.flags.push_back(
      {"mode", 0, "M", "split (the default), cloud (the image to the whole model) or edge (no server)"});
  for (Flag& f : DeviceFlags()) spec.flags.push_back(std::move(f));
  const std::vector<Flag> flags = {
      {"upload-kbps", 0, "R", "emulated upload rate in kbit/s (default: unlimited)"},
      {"upload-burst", 0, "B", "bytes the emulated link sends at once after idling (default 0)"},
      {"rtt-ms", 0, "T", "emulated round-trip time in ms (default 0)"},
      {"pipeline", 0, "",
       "compute the next frame while earlier ones are in flight, and report the throughput gain"},
      {"in-flight", 0, "N", "frames in flight per device with --pipeline (default 2)"},
      {"clients", 0, "N", "devices at once, each with its own connection and stream (default 1)"},
      {"duration", 0, "S", "keep sending for S seconds, looping over the frames (default: each frame once)"},
      {"verify", 0, "", "recompute each answer on the device (needs the cloud part or the whole model)"},
      {"model-id", 0, "ID", "the model id to send (default: the server's)"},
      {"deadline-ms", 0, "D",
       "the server gives up on a frame whose batch cannot start within D ms (default: never)"},
      {"timeout", 0, "S", "seconds the whole stream may take (default: no limit)"},
      {"threads", 0, "T", "LibTorch threads on the device (default 1)"},
      {"json", 0, "",
       "print one JSON object: frames, top1, bytes_per_frame, and mean, p50, p95, p99 of each time"},
  };
  spec.flags.insert(spec.flags.end(), flags.begin(), flags.end());
  return spec;
}

CommandSpec LatencySpec() {
  CommandSpec spec;
  spec.operands = "[--model DIR [--split S] | --edge E.pt --full F.pt] --server ADDR:PORT [options]";
  spec.description =
      "Total inference time against the upload rate for edge-only, cloud-only and split inference at each\n"
      "codec setting: the seed paper's Figure 2 for your model. Measures, one frame at a time against a "
      "running\n"
      "ftc serve (started with --full for the cloud-only curve), the device's compute and encoding time, "
      "the\n"
      "bytes of each frame, the server's time and the rest of the round trip; then computes the total at "
      "every\n"
      "rate of --rates as device + bytes · 8 / rate + rtt + server + network. Prints the table with the "
      "fastest\n"
      "mode at each rate and writes latency.csv, latency.json, latency.png and latency.svg into --out.\n";
  spec.flags = ServingModelFlags();
  for (Flag& f : DeviceFlags())
    if (f.name != "codec" && f.name != "quality" && f.name != "bits" && f.name != "clip")
      spec.flags.push_back(std::move(f));
  const std::vector<Flag> flags = {
      {"codecs", 0, "LIST", "codecs of the split curves (default jpeg,lossless)"},
      {"qualities", 0, "LIST", "qualities of the lossy codecs (default 50)"},
      {"bits", 0, "LIST", "quantiser bits (default 8)"},
      {"clip", 0, "LIST", "clip ranges (default sigma:3)"},
      {"rates", 0, "LIST",
       "upload rates in kbit/s (default 10,20,50,100,200,500,1000,2000,5000,10000,20000,50000)"},
      {"rtt-ms", 0, "T", "round-trip time added to every network frame, in ms (default 0)"},
      {"edge-factor", 0, "F", "the device is F times slower than this machine (default 1)"},
      {"no-edge-only", 0, "", "leave the edge-only curve out (it needs the whole model)"},
      {"no-cloud-only", 0, "", "leave the cloud-only curve out (it needs a server started with --full)"},
      {"out", 'o', "DIR", "folder for the results (default ftc-latency; created if missing)"},
      {"no-plot", 0, "", "write the CSV and JSON only"},
  };
  spec.flags.insert(spec.flags.end(), flags.begin(), flags.end());
  return spec;
}

}  // namespace ftc_cli

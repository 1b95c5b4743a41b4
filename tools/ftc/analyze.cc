// ftc analyze: the split-point properties of the inference harness (docs/HARNESS.md).
#include <cstdio>

#include "cli.h"
#include "commands.h"
#include "ftc_inference/report.h"
#include "harness_run.h"

namespace ftc_cli {

int RunAnalyze(const Args& args) {
  if (!args.positional().empty()) Fail(kExitUsage, "unexpected argument '" + args.positional()[0] + "'");
  ftc_inference::AnalyzeOptions o;
  o.model = ModelOptionsFrom(args);
  o.data = DataOptionsFrom(args);
  o.device = args.Value("device") ? *args.Value("device") : "cpu";
  o.threads = static_cast<int>(args.Int("threads", 0, 4096, 0));
  o.batch = static_cast<int>(args.Int("batch", 1, 65536, 256));
  o.bins = static_cast<int>(args.Int("bins", 1, 100000, 200));
  const std::string out_dir = args.Value("out") ? *args.Value("out") : "ftc-analyze";
  MakeDirectories(out_dir);

  Progress progress("ftc analyze", !args.Has("quiet"));
  o.progress = progress.Callback();
  ftc_inference::AnalyzeResult result;
  ftc_inference::Failure failure;
  if (!Harness().analyze(o, &result, &failure)) FailWith(failure);
  progress.Finish();

  std::fputs(ftc_inference::AnalyzeTable(result).c_str(), stdout);
  WriteTextFile(out_dir + "/analyze.csv", ftc_inference::AnalyzeCsv(result));
  WriteTextFile(out_dir + "/analyze.json", ftc_inference::AnalyzeJson(result));
  std::printf("\nwrote %s/analyze.csv, %s/analyze.json", out_dir.c_str(), out_dir.c_str());
  if (!args.Has("no-plot") && DrawPlots("plot_analyze.py", {out_dir + "/analyze.json", out_dir}))
    std::printf(", %s/analyze_hist.png/.svg, %s/analyze_splits.png/.svg", out_dir.c_str(), out_dir.c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace ftc_cli

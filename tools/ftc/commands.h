// The subcommands of `ftc`. Each lives in its own file and exports two functions: its CommandSpec (operands
// and flags, for parsing and --help) and the function that runs it on parsed arguments, returning the exit
// status (errors are thrown as ftc_cli::Failure). main.cc lists them in its command table.
#ifndef FTC_TOOLS_COMMANDS_H
#define FTC_TOOLS_COMMANDS_H

#include "args.h"

namespace ftc_cli {

CommandSpec EncodeSpec();
int RunEncode(const Args& args);

CommandSpec DecodeSpec();
int RunDecode(const Args& args);

CommandSpec InfoSpec();
int RunInfo(const Args& args);

CommandSpec MosaicSpec();
int RunMosaic(const Args& args);

CommandSpec DemoSpec();
int RunDemo(const Args& args);

CommandSpec BenchSpec();
int RunBench(const Args& args);

// The inference harness (harness_flags.cc; rd.cc and analyze.cc, or no_harness.cc without LibTorch).
CommandSpec RdSpec();
int RunRd(const Args& args);

CommandSpec AnalyzeSpec();
int RunAnalyze(const Args& args);

// Serving (serving_flags.cc; serve.cc, edge.cc and latency.cc, or serving_none.cc without serving).
CommandSpec ServeSpec();
int RunServe(const Args& args);

CommandSpec EdgeSpec();
int RunEdge(const Args& args);

CommandSpec LatencySpec();
int RunLatency(const Args& args);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_COMMANDS_H

// What `ftc rd` and `ftc analyze` share on the tool's side: options from flags, the progress bar, the
// output folder, the plots, and the call into the harness module.
#ifndef FTC_TOOLS_HARNESS_RUN_H
#define FTC_TOOLS_HARNESS_RUN_H

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "args.h"
#include "ftc_inference/harness.h"

namespace ftc_cli {

// The model flags; without any, the reference model's folder (and split mid for rd).
ftc_inference::ModelOptions ModelOptionsFrom(const Args& args);
// The dataset flags (--limit: the first N samples; absent or 0: all).
ftc_inference::DataOptions DataOptionsFrom(const Args& args);

// A flag's value as a number in [lo, hi], or `fallback` when it is not given.
double DoubleFlag(const Args& args, const char* flag, double lo, double hi, double fallback);

// "5,10,20" as integers in [lo, hi]; `flag` names the flag in errors.
std::vector<int> IntList(const std::string& text, const char* flag, int lo, int hi);
// A comma-separated list whose items may themselves hold commas ("sigma:3,range:0,4" is two clip specs):
// an item starts at a token that does not begin like a number.
std::vector<std::string> ClipList(const std::string& text);

// Progress on stderr: a bar redrawn in place when stderr is a terminal; otherwise a line every 15 s, so a
// long run in a log shows it is alive and a short one prints nothing.
class Progress {
 public:
  Progress(std::string what, bool enabled);
  ~Progress();
  void Update(uint64_t done, uint64_t total);
  // Clears the bar; nothing more is drawn.
  void Finish();
  std::function<void(uint64_t, uint64_t)> Callback();

 private:
  std::string what_;
  bool enabled_, tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// The harness module's table; a module that cannot be loaded is an I/O failure (kExitIo).
const ftc_inference::Api& Harness();
// Turns a Failure from the module into the tool's error.
[[noreturn]] void FailWith(const ftc_inference::Failure& failure);

// Creates `dir` and its parents when missing, and checks that files can be created in it, so that a long
// run does not end in an unwritable folder (kExitIo on failure).
void MakeDirectories(const std::string& dir);
// Writes `text` to `path`, all or nothing.
void WriteTextFile(const std::string& path, const std::string& text);
// Runs a plot script (inference/<script>) on `args`; reports on stderr when plots could not be drawn.
// Returns whether they were.
bool DrawPlots(const std::string& script, const std::vector<std::string>& args);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_HARNESS_RUN_H

// A small command-line parser: positional arguments plus flags that are switches or take one value, given
// as `--flag value`, `--flag=value`, `-f value` or `-fvalue`. Unknown flags, a flag given twice, a missing
// value or a wrong number of positional arguments are usage errors (ftc_cli::Failure with kExitUsage).
// `-` is a positional argument (stdin or stdout) and `--` ends the flags.
#ifndef FTC_TOOLS_ARGS_H
#define FTC_TOOLS_ARGS_H

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ftc_cli {

struct Flag {
  std::string name;     // long name without the dashes: "codec"
  char short_name = 0;  // 'o' for -o, or 0
  std::string value;    // placeholder for its value in --help ("NAME"); empty for a switch
  std::string help;     // one line
  bool required = false;
};

// What a command accepts, for parsing and for its --help.
struct CommandSpec {
  std::string name;                     // "encode"
  std::string operands;                 // "IN.npy -o OUT.ftc [options]"
  std::string description;              // a few lines for --help, ending in '\n' (may be empty)
  std::vector<std::string> positional;  // names of the positional arguments, in order ("IN.npy")
  size_t required_positional = 0;       // the first this many must be given
  std::vector<Flag> flags;              // -h/--help is implicit
};

class Args {
 public:
  bool help() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view flag) const { return values_.count(std::string(flag)) != 0; }
  // The value of a flag, or nullptr when it was not given.
  const std::string* Value(std::string_view flag) const;
  // The value as an integer in [lo, hi], or `fallback` when the flag was not given.
  int64_t Int(std::string_view flag, int64_t lo, int64_t hi, int64_t fallback) const;

 private:
  friend Args ParseArgs(const CommandSpec& spec, std::span<const std::string> args);
  bool help_ = false;
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;  // switches map to ""
};

Args ParseArgs(const CommandSpec& spec, std::span<const std::string> args);

// The text of `ftc NAME --help`.
std::string HelpText(const CommandSpec& spec);

// Parses a whole string as a decimal integer in [lo, hi]; false when it is not one.
bool ParseInt(std::string_view text, int64_t lo, int64_t hi, int64_t* value);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_ARGS_H

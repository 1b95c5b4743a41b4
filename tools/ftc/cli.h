// What every command of the ftc tool shares: exit statuses, the one way to fail, and the mapping from the
// library's result codes to exit statuses.
#ifndef FTC_TOOLS_CLI_H
#define FTC_TOOLS_CLI_H

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "ftc/ftc.hpp"

namespace ftc_cli {

// The exit statuses are part of the interface (scripts test them); `ftc --help` prints this table.
enum ExitStatus : int {
  kExitOk = 0,
  kExitUsage = 1,  // bad flag, missing argument, bad value
  kExitData = 2,   // the input data is unreadable, corrupt or unsupported
  kExitIo = 3,     // a file cannot be opened, read or written; out of memory; internal error
};

inline constexpr const char* kExitStatusHelp =
    "exit status:\n"
    "  0  success\n"
    "  1  usage error: unknown flag, missing argument, bad value\n"
    "  2  bad input data: unreadable, corrupt or unsupported .npy or .ftc, NaN or Inf in the tensor\n"
    "  3  I/O failure (cannot open, read or write a file), out of memory, or internal error\n";

// The largest .ftc file the tool reads; anything larger is refused before it is read.
inline constexpr uint64_t kMaxFtcFileBytes = uint64_t{4} << 30;

// Thrown by the commands and caught once, in main(), which prints "ftc: error: <message>" and exits with
// `status`. A usage error also points at the command's --help.
class Failure : public std::runtime_error {
 public:
  Failure(ExitStatus status, const std::string& message) : std::runtime_error(message), status_(status) {}
  ExitStatus status() const { return status_; }

 private:
  ExitStatus status_;
};

[[noreturn]] inline void Fail(ExitStatus status, const std::string& message) {
  throw Failure(status, message);
}

// A library error about the data is kExitData; running out of memory and internal errors are kExitIo.
ExitStatus StatusOfResult(ftc_result result);

// Runs `fn` and turns an ftc::Error from the library into a Failure whose message starts with `context`
// (usually the file name) and whose exit status follows StatusOfResult.
template <typename Fn>
auto Checked(const std::string& context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const ftc::Error& e) {
    Fail(StatusOfResult(e.code()), context + ": " + e.what());
  }
}

// "1x64x14x14"
std::string ShapeText(std::span<const uint64_t> shape);

// printf-style formatting into a std::string.
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace ftc_cli

#endif  // FTC_TOOLS_CLI_H

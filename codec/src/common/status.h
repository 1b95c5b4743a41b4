// Status: an ftc_result plus a message, the error type of every internal function.
#ifndef FTC_COMMON_STATUS_H
#define FTC_COMMON_STATUS_H

#include <string>
#include <utility>

#include "ftc/ftc.h"

namespace ftc {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ftc_result code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == FTC_OK; }
  ftc_result code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ftc_result code_ = FTC_OK;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {FTC_ERROR_INVALID_ARGUMENT, std::move(m)}; }
inline Status Unsupported(std::string m) { return {FTC_ERROR_UNSUPPORTED, std::move(m)}; }
inline Status Corrupt(std::string m) { return {FTC_ERROR_CORRUPT, std::move(m)}; }
inline Status Truncated(std::string m) { return {FTC_ERROR_TRUNCATED, std::move(m)}; }
inline Status LimitExceeded(std::string m) { return {FTC_ERROR_LIMIT, std::move(m)}; }
inline Status BackendError(std::string m) { return {FTC_ERROR_BACKEND, std::move(m)}; }

}  // namespace ftc

#define FTC_RETURN_IF_ERROR(expr)         \
  do {                                    \
    ::ftc::Status ftc_status_ = (expr);   \
    if (!ftc_status_.ok()) return ftc_status_; \
  } while (0)

#endif  // FTC_COMMON_STATUS_H

#include "cli.h"

#include <cstdarg>
#include <cstdio>

namespace ftc_cli {

ExitStatus StatusOfResult(ftc_result result) {
  switch (result) {
    case FTC_OK:
      return kExitOk;
    case FTC_ERROR_OUT_OF_MEMORY:
    case FTC_ERROR_INTERNAL:
      return kExitIo;
    default:
      return kExitData;
  }
}

std::string ShapeText(std::span<const uint64_t> shape) {
  std::string text;
  for (const uint64_t d : shape) {
    if (!text.empty()) text += 'x';
    text += std::to_string(d);
  }
  return text;
}

std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string text(length > 0 ? static_cast<size_t>(length) : 0, '\0');
  if (length > 0) std::vsnprintf(text.data(), text.size() + 1, format, args);
  va_end(args);
  return text;
}

}  // namespace ftc_cli

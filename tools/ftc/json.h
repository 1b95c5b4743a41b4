// JSON text for the commands that print it (info, bench).
#ifndef FTC_TOOLS_JSON_H
#define FTC_TOOLS_JSON_H

#include <span>
#include <string>
#include <utility>

namespace ftc_cli {

// A JSON number: shortest text that reads back as the same float (digits 9) or double (17); JSON has no NaN
// or Inf, so those become null.
std::string JsonNumber(double v, int digits);

std::string JsonString(const std::string& s);

// {"key": value, ...} from values that are JSON text already, in the order given.
using JsonField = std::pair<std::string, std::string>;
std::string JsonObject(std::span<const JsonField> fields);

// [value, ...] from values that are JSON text already.
std::string JsonArray(std::span<const std::string> values);

}  // namespace ftc_cli

#endif  // FTC_TOOLS_JSON_H

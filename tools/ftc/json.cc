#include "json.h"

#include <cmath>

#include "cli.h"

namespace ftc_cli {

std::string JsonNumber(double v, int digits) {
  if (!std::isfinite(v)) return "null";
  return Format("%.*g", digits, v);
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += Format("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JsonObject(std::span<const JsonField> fields) {
  std::string out = "{";
  for (const auto& [key, value] : fields) out += (out.size() > 1 ? ", " : "") + JsonString(key) + ": " + value;
  return out + "}";
}

std::string JsonArray(std::span<const std::string> values) {
  std::string out = "[";
  for (const std::string& v : values) out += (out.size() > 1 ? ", " : "") + v;
  return out + "]";
}

}  // namespace ftc_cli

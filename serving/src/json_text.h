// JSON text for the reports of the serving library (device_report.cc, latency.cc).
#ifndef FTC_SERVING_JSON_TEXT_H
#define FTC_SERVING_JSON_TEXT_H

#include <cstdio>
#include <string>

namespace ftc_serving {

// A number with 6 significant digits (measured times and means need no more).
inline std::string Number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// A JSON string: quotes, backslashes and control characters escaped.
inline std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace ftc_serving

#endif  // FTC_SERVING_JSON_TEXT_H

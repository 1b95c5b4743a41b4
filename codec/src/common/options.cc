#include "common/options.h"

#include <charconv>

namespace ftc {

Status Options::Parse(const char* text, Options* out) {
  out->values_.clear();
  out->used_.clear();
  if (text == nullptr) return Status::Ok();
  const std::string s(text);
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("backend option '" + item + "' is not of the form key=value");
    const std::string key = item.substr(0, eq);
    if (!out->values_.emplace(key, item.substr(eq + 1)).second)
      return InvalidArgument("backend option '" + key + "' is given twice");
    start = end + 1;
  }
  return Status::Ok();
}

bool Options::Get(const std::string& key, std::string* value) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return false;
  used_.insert(key);
  *value = it->second;
  return true;
}

Status Options::GetInt(const std::string& key, int lo, int hi, int* value) const {
  std::string text;
  if (!Get(key, &text)) return Status::Ok();
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    return InvalidArgument("backend option " + key + "=" + text + " must be an integer in [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "]");
  *value = v;
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> Options::TakeUnused() const {
  std::vector<std::pair<std::string, std::string>> rest;
  for (const auto& [key, value] : values_) {
    if (used_.insert(key).second) rest.emplace_back(key, value);
  }
  return rest;
}

std::string Options::Unused() const {
  std::string names;
  for (const auto& [key, value] : values_) {
    if (used_.count(key)) continue;
    if (!names.empty()) names += ", ";
    names += key;
  }
  return names;
}

}  // namespace ftc

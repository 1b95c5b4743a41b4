#include "args.h"

#include <algorithm>
#include <charconv>

#include "cli.h"

namespace ftc_cli {
namespace {

const Flag* FindLong(const CommandSpec& spec, std::string_view name) {
  for (const Flag& f : spec.flags)
    if (f.name == name) return &f;
  return nullptr;
}

const Flag* FindShort(const CommandSpec& spec, char name) {
  for (const Flag& f : spec.flags)
    if (f.short_name != 0 && f.short_name == name) return &f;
  return nullptr;
}

std::string Spelling(const Flag& f) {
  return "--" + f.name;
}

bool IsHelp(const std::string& arg) {
  return arg == "--help" || arg == "-h";
}

}  // namespace

const std::string* Args::Value(std::string_view flag) const {
  const auto it = values_.find(std::string(flag));
  return it == values_.end() ? nullptr : &it->second;
}

int64_t Args::Int(std::string_view flag, int64_t lo, int64_t hi, int64_t fallback) const {
  const std::string* text = Value(flag);
  if (text == nullptr) return fallback;
  int64_t v = 0;
  if (!ParseInt(*text, lo, hi, &v))
    Fail(kExitUsage,
         Format("--%.*s must be an integer in %lld..%lld, not '%s'", static_cast<int>(flag.size()),
                flag.data(), static_cast<long long>(lo), static_cast<long long>(hi), text->c_str()));
  return v;
}

bool ParseInt(std::string_view text, int64_t lo, int64_t hi, int64_t* value) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi) return false;
  *value = v;
  return true;
}

Args ParseArgs(const CommandSpec& spec, std::span<const std::string> args) {
  Args out;
  // --help wins over everything else, so that `ftc encode --bogus --help` still shows the help.
  for (const std::string& arg : args) {
    if (arg == "--") break;
    if (IsHelp(arg)) {
      out.help_ = true;
      return out;
    }
  }
  auto set = [&](const Flag& f, std::string value) {
    if (!out.values_.emplace(f.name, std::move(value)).second)
      Fail(kExitUsage, Spelling(f) + " is given twice");
  };
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg == "-" || arg.size() < 2 || arg[0] != '-') {
      out.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    const Flag* flag = nullptr;
    std::string value;
    bool has_value = false;
    if (arg[1] == '-') {
      const size_t eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      flag = FindLong(spec, name);
      if (flag == nullptr) Fail(kExitUsage, "unknown flag --" + name);
      if (eq != std::string::npos) {
        if (flag->value.empty()) Fail(kExitUsage, Spelling(*flag) + " takes no value");
        value = arg.substr(eq + 1);
        has_value = true;
      }
    } else {
      flag = FindShort(spec, arg[1]);
      if (flag == nullptr) Fail(kExitUsage, "unknown flag " + arg.substr(0, 2));
      if (arg.size() > 2) {
        if (flag->value.empty()) Fail(kExitUsage, arg.substr(0, 2) + " takes no value");
        value = arg.substr(2);
        has_value = true;
      }
    }
    if (!flag->value.empty() && !has_value) {
      if (i + 1 >= args.size()) Fail(kExitUsage, Spelling(*flag) + " needs a value (" + flag->value + ")");
      value = args[++i];
    }
    set(*flag, std::move(value));
  }
  if (out.positional_.size() < spec.required_positional)
    Fail(kExitUsage, "missing argument " + spec.positional[out.positional_.size()]);
  if (out.positional_.size() > spec.positional.size())
    Fail(kExitUsage, "unexpected argument '" + out.positional_[spec.positional.size()] + "'");
  for (const Flag& f : spec.flags)
    if (f.required && !out.Has(f.name))
      Fail(kExitUsage,
           "missing " + (f.short_name ? std::string("-") + f.short_name : Spelling(f)) + " " + f.value);
  return out;
}

std::string HelpText(const CommandSpec& spec) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Flag& f : spec.flags) {
    std::string left = f.short_name ? std::string("-") + f.short_name + ", " : "    ";
    left += "--" + f.name;
    if (!f.value.empty()) left += " " + f.value;
    rows.emplace_back(std::move(left), f.help);
  }
  rows.emplace_back("-h, --help", "show this help");
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string text = "usage: ftc " + spec.name + " " + spec.operands + "\n\n" + spec.description;
  if (!spec.description.empty()) text += "\n";
  text += "options:\n";
  for (const auto& [left, help] : rows)
    text += "  " + left + std::string(width + 2 - left.size(), ' ') + help + "\n";
  return text + "\n" + kExitStatusHelp;
}

}  // namespace ftc_cli

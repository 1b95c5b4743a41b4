// Backend-specific knobs, passed as "key=value,key=value". Every backend must take every key it is given;
// Options::Unused() names the ones it did not, so that a misspelt key is an error rather than ignored.
#ifndef FTC_COMMON_OPTIONS_H
#define FTC_COMMON_OPTIONS_H

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ftc {

class Options {
 public:
  static Status Parse(const char* text, Options* out);

  // Looks a key up and marks it used. Returns false when absent.
  bool Get(const std::string& key, std::string* value) const;
  Status GetInt(const std::string& key, int lo, int hi, int* value) const;
  // Comma-separated names of keys that no Get() asked for; empty when all were used.
  std::string Unused() const;
  // The keys that no Get() asked for, with their values, in key order; marks them used. For a backend that
  // passes what it does not take itself on to its codec library.
  std::vector<std::pair<std::string, std::string>> TakeUnused() const;

 private:
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

}  // namespace ftc

#endif  // FTC_COMMON_OPTIONS_H

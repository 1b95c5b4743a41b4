// Time spent inside a backend's own calls (the codec library behind it), for ftc_encoder_stats and
// ftc_decoder_stats: what `ftc bench` reports as the backend's share. Worker threads add to one clock at
// once.
#ifndef FTC_API_BACKEND_CLOCK_H
#define FTC_API_BACKEND_CLOCK_H

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/status.h"
#include "ftc/ftc.h"

namespace ftc {

class BackendClock {
 public:
  // Runs `call`, a backend call returning Status, and adds the time it takes.
  template <typename Call>
  Status Time(Call&& call) {
    const auto start = std::chrono::steady_clock::now();
    Status s = call();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ns_.fetch_add(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
        std::memory_order_relaxed);
    calls_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  ftc_backend_stats Read() const {
    return {calls_.load(std::memory_order_relaxed), ns_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> calls_{0}, ns_{0};
};

// Runs `call` timed on `clock`, or untimed when `clock` is null.
template <typename Call>
Status TimeOn(BackendClock* clock, Call&& call) {
  return clock ? clock->Time(call) : call();
}

}  // namespace ftc

#endif  // FTC_API_BACKEND_CLOCK_H

// The emulated upload link of an edge device (docs/SERVING.md): a token bucket that lets bytes out at the
// upload rate, and a propagation delay of half the round-trip time each way, applied by the sender, so that
// the paper's latency-against-bandwidth curves can be measured on one machine.
#ifndef FTC_SERVING_LINK_H
#define FTC_SERVING_LINK_H

#include <chrono>
#include <cstdint>

namespace ftc_serving {

using Clock = std::chrono::steady_clock;

struct LinkOptions {
  double upload_kbps = 0;    // upload rate in kbit/s (1000 bit/s); 0: unlimited
  double rtt_ms = 0;         // round-trip time: rtt / 2 on the way up, rtt / 2 on the way down
  uint64_t burst_bytes = 0;  // the bucket's depth: bytes an idle link may send at once
};

// Messages leave in the order they are handed over; one thread uses a Link.
class Link {
 public:
  explicit Link(const LinkOptions& options);
  // When the last byte of a message of `bytes`, handed over at `handed`, has left the device: after the
  // messages before it, once the bucket has held its bytes (bytes · 8 / rate on an idle link without burst).
  Clock::time_point Transmit(Clock::time_point handed, uint64_t bytes);
  // Half the round-trip time.
  Clock::duration one_way() const { return one_way_; }

 private:
  double bytes_per_second_;  // 0: unlimited
  double burst_;
  Clock::duration one_way_;
  double tokens_;
  Clock::time_point free_at_{};  // when the previous message has left; tokens_ is counted at that time
};

}  // namespace ftc_serving

#endif  // FTC_SERVING_LINK_H

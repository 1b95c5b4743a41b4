#include "ftc_serving/link.h"

#include <algorithm>

namespace ftc_serving {

Link::Link(const LinkOptions& o)
    : bytes_per_second_(o.upload_kbps * 1000.0 / 8.0),
      burst_(static_cast<double>(o.burst_bytes)),
      one_way_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double, std::milli>(o.rtt_ms / 2))),
      tokens_(static_cast<double>(o.burst_bytes)) {}

Clock::time_point Link::Transmit(Clock::time_point handed, uint64_t bytes) {
  const Clock::time_point start = std::max(handed, free_at_);
  if (bytes_per_second_ <= 0) return free_at_ = start;
  const double idle = std::chrono::duration<double>(start - free_at_).count();
  double tokens = std::min(burst_, tokens_ + idle * bytes_per_second_);
  const double missing = static_cast<double>(bytes) - tokens;
  if (missing <= 0) {
    tokens_ = tokens - static_cast<double>(bytes);
    return free_at_ = start;
  }
  tokens_ = 0;
  return free_at_ = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(missing / bytes_per_second_));
}

}  // namespace ftc_serving

// Summaries of measured times: what the server logs and the edge client reports.
#ifndef FTC_SERVING_STATS_H
#define FTC_SERVING_STATS_H

#include <cstddef>
#include <vector>

namespace ftc_serving {

struct Summary {
  size_t count = 0;
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
};

// Mean, maximum and the nearest-rank percentiles (the smallest value with at least p % of the values at or
// below it); all zero for no values.
Summary Summarize(std::vector<double> values);

}  // namespace ftc_serving

#endif  // FTC_SERVING_STATS_H

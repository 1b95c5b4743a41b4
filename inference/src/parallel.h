// Splits a loop over samples among worker threads: the codecs code one sample per call, single-threaded,
// so the harness runs several samples at once. Each worker has an index, to use its own encoder.
#ifndef FTC_INFERENCE_PARALLEL_H
#define FTC_INFERENCE_PARALLEL_H

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ftc_inference {

// Calls fn(worker, i) for every i in [0, n), with workers in [0, workers); rethrows the first exception.
template <typename Fn>
void ParallelFor(size_t n, size_t workers, Fn&& fn) {
  workers = std::max<size_t>(1, std::min(workers, n));
  if (workers == 1) {
    for (size_t i = 0; i < n; ++i) fn(size_t{0}, i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto work = [&](size_t worker) {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(worker, i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace ftc_inference

#endif  // FTC_INFERENCE_PARALLEL_H

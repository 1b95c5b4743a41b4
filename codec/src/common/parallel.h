// A minimal fork-join loop: runs fn(index, worker) for every index in [0, count) on up to `threads` threads.
// Output must not depend on the thread count, so callers write each index's result to its own slot.
#ifndef FTC_COMMON_PARALLEL_H
#define FTC_COMMON_PARALLEL_H

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace ftc {

// 0 means one thread per core.
inline int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// The threads worth starting for a pass over `elements` tensor elements: each should get enough work to pay
// for starting it (about 128K elements, some tens of microseconds).
inline int WorkersFor(uint64_t elements, int threads) {
  constexpr uint64_t kMinElementsPerThread = uint64_t{1} << 17;
  const uint64_t useful = std::max<uint64_t>(1, elements / kMinElementsPerThread);
  return static_cast<int>(std::min<uint64_t>(useful, static_cast<uint64_t>(std::max(threads, 1))));
}

template <typename Fn>
void ParallelFor(size_t count, int threads, Fn&& fn) {
  const size_t workers = std::min<size_t>(count, static_cast<size_t>(std::max(threads, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  auto run = [&](int worker) {
    for (size_t i; (i = next.fetch_add(1)) < count;) fn(i, worker);
  };
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(run, static_cast<int>(w));
  run(0);
  for (auto& t : pool) t.join();
}

}  // namespace ftc

#endif  // FTC_COMMON_PARALLEL_H

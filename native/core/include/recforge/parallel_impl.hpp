#pragma once
#include <atomic>

namespace rf {

template <class Fn>
void parallelTasks(int64_t tasks, int workers, Fn&& fn) {
  std::atomic<int64_t> next{0};
  parallelChunks(workers, workers, [&](int64_t, int64_t, int worker) {
    for (int64_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) fn(t, worker);
  });
}

}  // namespace rf

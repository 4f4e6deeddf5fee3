// Deterministic data-parallel loops. Work is split into `threads` contiguous chunks whose
// boundaries depend only on (n, threads), so a kernel that derives its random streams from the
// chunk index gives the same bits on every run with the same thread count.
#pragma once
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace rf {

// Number of worker threads to use when the caller asks for 0 ("all cores").
int defaultThreads();

// Resolves a user-supplied thread count (0 = all cores) and caps it at the amount of work.
inline int resolveThreads(int requested, int64_t work) {
  int t = requested > 0 ? requested : defaultThreads();
  if (work < t) t = static_cast<int>(work > 0 ? work : 1);
  return t;
}

// Calls fn(begin, end, chunk) for `chunks` contiguous ranges covering [0, n). The calling thread
// runs chunk 0. Exceptions thrown by any chunk are rethrown (the first one) after all chunks end.
template <class Fn>
void parallelChunks(int64_t n, int chunks, Fn&& fn) {
  if (chunks <= 1 || n <= 1) {
    fn(int64_t{0}, n, 0);
    return;
  }
  std::vector<std::exception_ptr> errors(chunks);
  std::vector<std::thread> pool;
  pool.reserve(chunks - 1);
  auto bound = [&](int c) { return n * c / chunks; };
  for (int c = 1; c < chunks; ++c) {
    pool.emplace_back([&, c] {
      try {
        fn(bound(c), bound(c + 1), c);
      } catch (...) {
        errors[c] = std::current_exception();
      }
    });
  }
  try {
    fn(bound(0), bound(1), 0);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Dynamic scheduling for uneven work (e.g. users with very different activity): tasks are taken
// from a shared counter, fn(task, worker). Results must not depend on which worker ran a task.
template <class Fn>
void parallelTasks(int64_t tasks, int workers, Fn&& fn);

}  // namespace rf

#include "recforge/parallel_impl.hpp"

// Deterministic data-parallel loops. Work is split into `threads` contiguous chunks whose
// boundaries depend only on (n, threads), so a kernel that derives its random streams from the
// chunk index gives the same bits on every run with the same thread count.
//
// Chunks run on a process-wide pool of persistent worker threads (a training step makes a dozen
// parallel calls; spawning threads for each cost more than some of the calls themselves). The
// calling thread takes part: it runs chunk 0 and then claims chunks nobody has started, so a call
// never waits for a busy pool. Several host threads may call concurrently (their jobs queue up),
// and a call made from inside a chunk runs its chunks inline, in order, on that thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <type_traits>
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

namespace detail {

// One parallelChunks call as the pool sees it (lives on the caller's stack until every chunk ran).
struct ChunkJob {
  void (*call)(void* fn, int64_t begin, int64_t end, int chunk) = nullptr;
  void* fn = nullptr;
  int64_t n = 0;
  int chunks = 0;
  std::atomic<int> next{1};  // next unclaimed chunk (chunk 0 is the caller's)
  std::atomic<int> done{0};  // chunks finished
  std::exception_ptr* errors = nullptr;
};

// Runs every chunk of `job` (the caller runs chunk 0 and helps with the rest); returns when all
// chunks have finished. Defined in parallel.cpp.
void runChunkJob(ChunkJob& job);

}  // namespace detail

// Calls fn(begin, end, chunk) for `chunks` contiguous ranges covering [0, n). The calling thread
// runs chunk 0. Exceptions thrown by any chunk are rethrown (the first one) after all chunks end.
template <class Fn>
void parallelChunks(int64_t n, int chunks, Fn&& fn) {
  if (chunks <= 1 || n <= 1) {
    fn(int64_t{0}, n, 0);
    return;
  }
  std::vector<std::exception_ptr> errors(chunks);
  using F = std::remove_reference_t<Fn>;
  detail::ChunkJob job;
  job.call = [](void* f, int64_t b, int64_t e, int c) { (*static_cast<F*>(f))(b, e, c); };
  job.fn = const_cast<void*>(static_cast<const void*>(&fn));
  job.n = n;
  job.chunks = chunks;
  job.errors = errors.data();
  detail::runChunkJob(job);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Dynamic scheduling for uneven work (e.g. users with very different activity): tasks are taken
// from a shared counter, fn(task, worker). Results must not depend on which worker ran a task.
template <class Fn>
void parallelTasks(int64_t tasks, int workers, Fn&& fn);

}  // namespace rf

#include "recforge/parallel_impl.hpp"

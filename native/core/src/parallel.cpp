#include "recforge/parallel.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace rf {

int defaultThreads() {
  // RECFORGE_THREADS lets deployments cap the engine without touching code.
  if (const char* env = std::getenv("RECFORGE_THREADS")) {
    int v = std::atoi(env);
    if (v > 0) return v;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

namespace detail {

namespace {

thread_local bool tInsideChunk = false;  // set while this thread runs a chunk

void runOne(ChunkJob& job, int c) {
  const int64_t b = job.n * c / job.chunks, e = job.n * (c + 1) / job.chunks;
  const bool outer = tInsideChunk;
  tInsideChunk = true;
  try {
    job.call(job.fn, b, e, c);
  } catch (...) {
    job.errors[c] = std::current_exception();
  }
  tInsideChunk = outer;
}

// Workers sleep on `work` until a job is queued, claim chunks of the oldest job (claims happen
// under the lock, so a job the caller has withdrawn is never touched again), and signal `finished`
// when they complete a job's last chunk. The pool grows on demand (a call asking for more chunks
// than there are workers + the caller) and is never destroyed: its threads outlive static
// destructors, so a call during process teardown cannot find it gone.
class Pool {
 public:
  void run(ChunkJob& job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      const int want = std::min(job.chunks - 1, kMaxWorkers);
      while (workers_ < want) {
        std::thread(&Pool::loop, this).detach();
        ++workers_;
      }
      queue_.push_back(&job);
    }
    work_.notify_all();
    runOne(job, 0);
    int done = 1;
    for (int c; (c = job.next.fetch_add(1, std::memory_order_relaxed)) < job.chunks;) {
      runOne(job, c);
      ++done;
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto it = std::find(queue_.begin(), queue_.end(), &job);
      if (it != queue_.end()) queue_.erase(it);
      const int total = job.done.fetch_add(done, std::memory_order_acq_rel) + done;
      if (total < job.chunks)
        finished_.wait(lock, [&] { return job.done.load(std::memory_order_acquire) == job.chunks; });
    }
  }

 private:
  static constexpr int kMaxWorkers = 255;

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_.wait(lock, [&] { return !queue_.empty(); });
      ChunkJob* job = queue_.front();
      const int c = job->next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job->chunks) {  // all claimed: withdraw it so the others look at the next job
        queue_.pop_front();
        continue;
      }
      lock.unlock();
      runOne(*job, c);
      lock.lock();
      if (job->done.fetch_add(1, std::memory_order_acq_rel) + 1 == job->chunks) finished_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_, finished_;
  std::deque<ChunkJob*> queue_;
  int workers_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool;  // intentionally leaked (see Pool)
  return *p;
}

}  // namespace

void runChunkJob(ChunkJob& job) {
  if (tInsideChunk) {  // nested call: run inline, in chunk order
    for (int c = 0; c < job.chunks; ++c) runOne(job, c);
    return;
  }
  pool().run(job);
}

}  // namespace detail

}  // namespace rf

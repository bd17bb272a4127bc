#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#if defined(__EMSCRIPTEN__) || defined(__wasm__)
#define NG_NO_THREADS 1
#else
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace ng {
namespace {

int default_threads() {
  if (const char* env = std::getenv("NODEGRAD_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return std::min(n, 256);
  }
#ifdef NG_NO_THREADS
  return 1;
#else
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(std::min(hw, 256u)) : 1;
#endif
}

std::atomic<int> g_threads{default_threads()};

// True on a pool worker, and on a caller while it runs a parallel region: a parallel_for
// issued from inside a task then runs serially on its own thread (a kernel may run whole
// GEMMs inside its tasks) instead of re-entering the pool it is already part of.
thread_local bool t_in_region = false;

#ifndef NG_NO_THREADS
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// Waking a thread blocked on a condition variable costs tens of microseconds, as much as a
// whole small GEMM. So workers spin on the job counter for a while after each job (and the
// caller spins for completion) before they block. Long enough to bridge the JavaScript
// between the kernels of one training step, short enough not to steal a shared core
// from the main thread for long (20,000 was measured to do so under load).
constexpr int kSpinIterations = 4000;  // about 100 microseconds with Zen 3's PAUSE

class Pool {
 public:
  // Returns false when another caller holds the pool; the caller then runs serially.
  bool run(int64_t n_tasks, int threads, TaskFn fn) {
    std::unique_lock<std::mutex> region(region_mu_, std::try_to_lock);
    if (!region.owns_lock()) return false;
    ensure_workers(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
      n_tasks_ = n_tasks;
      next_.store(0, std::memory_order_relaxed);
      participants_ = threads - 1;
      closed_ = false;
      generation_.fetch_add(1);
    }
    if (sleepers_.load() > 0) wake_.notify_all();
    drain(fn, n_tasks);
    // Every task is taken. Workers that have not joined yet (not scheduled, or still
    // waking) must not join any more; wait only for those still running a task.
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    for (int i = 0; i < kSpinIterations && active_.load() != 0; ++i) cpu_relax();
    if (active_.load() != 0) {
      std::unique_lock<std::mutex> lock(mu_);
      caller_waiting_.store(true);
      done_.wait(lock, [&] { return active_.load() == 0; });
      caller_waiting_.store(false);
    }
    return true;
  }

 private:
  void drain(TaskFn fn, int64_t n_tasks) {
    for (int64_t t; (t = next_.fetch_add(1, std::memory_order_relaxed)) < n_tasks;) fn(t);
  }

  void ensure_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      const int id = static_cast<int>(workers_.size());
      const uint64_t start = generation_.load();  // before the job it is created for is published
      std::thread(&Pool::loop, this, id, start).detach();
      workers_.push_back(id);
    }
  }

  void loop(int id, uint64_t seen) {
    t_in_region = true;
    for (;;) {
      for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      TaskFn* job;
      int64_t n_tasks;
      {
        // The job's fields are read under the lock, so they always belong to one generation.
        std::unique_lock<std::mutex> lock(mu_);
        if (generation_.load() == seen) {
          sleepers_.fetch_add(1);
          wake_.wait(lock, [&] { return generation_.load() != seen; });
          sleepers_.fetch_sub(1);
        }
        seen = generation_.load();
        if (closed_ || id >= participants_) continue;
        active_.fetch_add(1);
        job = job_;
        n_tasks = n_tasks_;
      }
      drain(*job, n_tasks);
      if (active_.fetch_sub(1) == 1 && caller_waiting_.load()) {
        std::lock_guard<std::mutex> lock(mu_);
        done_.notify_one();
      }
    }
  }

  std::mutex region_mu_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<int> workers_;
  TaskFn* job_ = nullptr;
  int64_t n_tasks_ = 0;
  int participants_ = 0;
  bool closed_ = true;
  std::atomic<int64_t> next_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_waiting_{false};
};

Pool& pool() {
  // Leaked on purpose: joining threads from static destructors at process exit can
  // deadlock when a worker_thread's environment is torn down concurrently.
  static Pool* p = new Pool();
  return *p;
}
#endif

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_num_threads(int n) { g_threads.store(std::max(1, std::min(n, 256)), std::memory_order_relaxed); }

void parallel_for(int64_t n_tasks, TaskFn fn) {
  if (n_tasks <= 0) return;
#ifndef NG_NO_THREADS
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), n_tasks));
  if (threads > 1 && !t_in_region) {
    t_in_region = true;
    const bool ran = pool().run(n_tasks, threads, fn);
    t_in_region = false;
    if (ran) return;
  }
#endif
  for (int64_t t = 0; t < n_tasks; ++t) fn(t);
}

}  // namespace ng

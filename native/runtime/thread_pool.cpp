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

#ifndef NG_NO_THREADS
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

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
      pending_ = threads - 1;
      ++generation_;
    }
    wake_.notify_all();
    drain(fn, n_tasks);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  void drain(TaskFn fn, int64_t n_tasks) {
    for (int64_t t; (t = next_.fetch_add(1, std::memory_order_relaxed)) < n_tasks;) fn(t);
  }

  void ensure_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      const int id = static_cast<int>(workers_.size());
      workers_.emplace_back([this, id] { loop(id); });
    }
  }

  void loop(int id) {
    uint64_t seen = 0;
    for (;;) {
      TaskFn* job;
      int64_t n_tasks;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || (generation_ != seen && id < participants_); });
        if (stop_) return;
        seen = generation_;
        job = job_;
        n_tasks = n_tasks_;
      }
      drain(*job, n_tasks);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex region_mu_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  TaskFn* job_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_{0};
  int participants_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
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
  if (threads > 1 && pool().run(n_tasks, threads, fn)) return;
#endif
  for (int64_t t = 0; t < n_tasks; ++t) fn(t);
}

}  // namespace ng

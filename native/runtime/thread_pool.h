// The process-wide worker pool shared by every kernel and every Node environment
// (main thread and worker_threads). It holds no JS state.
//
// Determinism rule: callers split work into tasks whose boundaries do not depend on
// the thread count; the pool only decides which thread runs which task.
#pragma once

#include <cstdint>
#include <utility>

namespace ng {

// A non-owning reference to a callable `void(int64_t task)`.
class TaskFn {
 public:
  template <typename F>
  TaskFn(const F& f)  // NOLINT: implicit on purpose
      : obj_(&f), call_([](const void* o, int64_t t) { (*static_cast<const F*>(o))(t); }) {}
  void operator()(int64_t task) const { call_(obj_, task); }

 private:
  const void* obj_;
  void (*call_)(const void*, int64_t);
};

// Threads a parallel region may use (>= 1). Defaults to NODEGRAD_NUM_THREADS or the
// number of hardware threads.
int num_threads();
void set_num_threads(int n);

// Runs fn(0) .. fn(n_tasks - 1), each exactly once, and returns when all are done.
// The calling thread takes part. When the pool is busy with another caller (another
// worker_thread), or when n_tasks < 2 or the pool has one thread, all tasks run on the
// calling thread. Callers keep tiny problems serial by passing few tasks.
void parallel_for(int64_t n_tasks, TaskFn fn);

}  // namespace ng

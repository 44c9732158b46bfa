// ThreadSanitizer builds only (cmake/Sanitizers.cmake links this into every program): POSIX
// timers that notify on a thread (SIGEV_THREAD) run their callback on a std::thread, which
// ThreadSanitizer sees being created. Other timers go to glibc unchanged.
//
// Why: glibc runs SIGEV_THREAD timers from a helper thread that it starts inside libc, past
// ThreadSanitizer's pthread_create interceptor. When a timer fires, that helper calls malloc;
// ThreadSanitizer's malloc finds no state for the thread and the process dies with SIGSEGV and
// no report (GCC 12's libtsan, glibc 2.36: a C program that arms one such timer under
// -fsanitize=thread and lets it fire dies the same way).
// Xapian's Enquire::set_time_limit (search.time_limit_ms) uses such a timer, so any search that
// ran past the limit in a ThreadSanitizer build crashed.
#include <dlfcn.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

std::chrono::nanoseconds to_duration(const timespec& t) {
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

timespec to_timespec(std::chrono::nanoseconds d) {
  if (d.count() < 0) d = std::chrono::nanoseconds(0);
  timespec t{};
  t.tv_sec = static_cast<time_t>(d.count() / 1000000000);
  t.tv_nsec = static_cast<long>(d.count() % 1000000000);
  return t;
}

// One SIGEV_THREAD timer: a thread that sleeps until the timer is due, calls the callback, and
// re-arms itself when the timer has an interval.
class ThreadTimer {
 public:
  ThreadTimer(clockid_t clock, void (*notify)(union sigval), union sigval value)
      : clock_(clock), notify_(notify), value_(value), thread_([this] { run(); }) {}

  ~ThreadTimer() {
    stop();
    thread_.join();
  }

  /// True on the timer's own thread, that is, in its callback.
  bool in_callback() const { return thread_.get_id() == std::this_thread::get_id(); }

  /// For a callback that deletes its own timer: the thread ends once the callback returns, and
  /// the timer is never freed (the thread still uses it).
  void stop_and_leak() {
    stop();
    thread_.detach();
  }

  int set(int flags, const itimerspec& spec, itimerspec* old) {
    if (spec.it_value.tv_nsec < 0 || spec.it_value.tv_nsec >= 1000000000 || spec.it_interval.tv_nsec < 0 ||
        spec.it_interval.tv_nsec >= 1000000000) {
      errno = EINVAL;
      return -1;
    }
    std::lock_guard lock(mu_);
    if (old != nullptr) get_locked(old);
    interval_ = to_duration(spec.it_interval);
    armed_ = spec.it_value.tv_sec != 0 || spec.it_value.tv_nsec != 0;
    if (armed_) {
      std::chrono::nanoseconds delay = to_duration(spec.it_value);
      if (flags & TIMER_ABSTIME) {
        timespec now{};
        clock_gettime(clock_, &now);
        delay -= to_duration(now);
      }
      due_ = Clock::now() + delay;
    }
    ++generation_;
    changed_.notify_all();
    return 0;
  }

  void get(itimerspec* out) {
    std::lock_guard lock(mu_);
    get_locked(out);
  }

 private:
  void stop() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    changed_.notify_all();
  }

  void get_locked(itimerspec* out) const {
    out->it_interval = to_timespec(interval_);
    out->it_value = armed_ ? to_timespec(std::max(due_ - Clock::now(), Clock::duration(1))) : timespec{};
  }

  void run() {
    std::unique_lock lock(mu_);
    while (!quit_) {
      if (!armed_) {
        changed_.wait(lock);
        continue;
      }
      const unsigned long generation = generation_;
      changed_.wait_until(lock, due_, [&] { return quit_ || generation_ != generation; });
      if (quit_ || generation_ != generation || Clock::now() < due_) continue;
      if (interval_.count() > 0) {
        due_ += interval_;
      } else {
        armed_ = false;
      }
      lock.unlock();
      notify_(value_);
      lock.lock();
    }
  }

  const clockid_t clock_;
  void (*const notify_)(union sigval);
  const union sigval value_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool quit_ = false;
  bool armed_ = false;
  unsigned long generation_ = 0;  // bumped by every set(), so that a waiting run() starts over
  Clock::time_point due_;
  std::chrono::nanoseconds interval_{0};
  std::thread thread_;  // last: started once the rest is set up
};

// The timers made here; any other timer_t is glibc's.
std::mutex g_registry_mu;
std::set<timer_t>& registry() {
  static std::set<timer_t>* timers = new std::set<timer_t>;  // never destroyed: timers may outlive exit
  return *timers;
}

ThreadTimer* find(timer_t id) {
  std::lock_guard lock(g_registry_mu);
  return registry().count(id) ? static_cast<ThreadTimer*>(id) : nullptr;
}

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int timer_create(clockid_t clock, struct sigevent* event, timer_t* id) {
  if (event == nullptr || event->sigev_notify != SIGEV_THREAD) {
    static const auto real = next<int (*)(clockid_t, struct sigevent*, timer_t*)>("timer_create");
    return real(clock, event, id);
  }
  timespec probe{};
  if (clock_gettime(clock, &probe) != 0 || event->sigev_notify_function == nullptr) {
    errno = EINVAL;
    return -1;
  }
  auto* timer = new ThreadTimer(clock, event->sigev_notify_function, event->sigev_value);
  std::lock_guard lock(g_registry_mu);
  registry().insert(timer);
  *id = timer;
  return 0;
}

int timer_settime(timer_t id, int flags, const struct itimerspec* spec, struct itimerspec* old) {
  if (ThreadTimer* timer = find(id)) return timer->set(flags, *spec, old);
  static const auto real = next<int (*)(timer_t, int, const struct itimerspec*, struct itimerspec*)>("timer_settime");
  return real(id, flags, spec, old);
}

int timer_gettime(timer_t id, struct itimerspec* out) {
  if (ThreadTimer* timer = find(id)) {
    timer->get(out);
    return 0;
  }
  static const auto real = next<int (*)(timer_t, struct itimerspec*)>("timer_gettime");
  return real(id, out);
}

int timer_getoverrun(timer_t id) {
  if (find(id) != nullptr) return 0;
  static const auto real = next<int (*)(timer_t)>("timer_getoverrun");
  return real(id);
}

int timer_delete(timer_t id) {
  ThreadTimer* timer = nullptr;
  {
    std::lock_guard lock(g_registry_mu);
    if (registry().erase(id) != 0) timer = static_cast<ThreadTimer*>(id);
  }
  if (timer != nullptr) {
    if (timer->in_callback()) {
      timer->stop_and_leak();
    } else {
      delete timer;
    }
    return 0;
  }
  static const auto real = next<int (*)(timer_t)>("timer_delete");
  return real(id);
}

}  // extern "C"

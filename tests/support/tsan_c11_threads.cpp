// Linked into ThreadSanitizer builds only (cmake/sanitizers.cmake). librdkafka starts its threads
// and takes its locks with C11 threads (thrd_create, mtx_lock, cnd_wait), which glibc implements
// without going through the pthread calls TSan intercepts: GCC 12's TSan runtime never hears of
// those threads and crashes at their first malloc (confluentinc/librdkafka#4929), and it cannot see
// librdkafka hand a message from its threads to ours. Defined here, in the executable, these take
// precedence over glibc's for librdkafka and call the pthread functions TSan intercepts. glibc's
// mtx_t and cnd_t hold a pthread_mutex_t and a pthread_cond_t, as its own C11 threads use them.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* run(void* p) {
  const Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.func(s.arg)));
}

int result_of(int pthread_error) {
  return pthread_error == 0 ? thrd_success : pthread_error == ENOMEM ? thrd_nomem : thrd_error;
}

}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* s = new (std::nothrow) Start{func, arg};
  if (s == nullptr) return thrd_nomem;
  const int rc = pthread_create(thr, nullptr, run, s);
  if (rc != 0) delete s;
  return result_of(rc);
}

extern "C" int thrd_join(thrd_t thr, int* res) {
  void* value = nullptr;
  const int rc = pthread_join(thr, &value);
  if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return result_of(rc);
}

extern "C" int thrd_detach(thrd_t thr) { return result_of(pthread_detach(thr)); }

extern "C" int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(reinterpret_cast<pthread_mutex_t*>(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return result_of(rc);
}
extern "C" int mtx_lock(mtx_t* m) { return result_of(pthread_mutex_lock(reinterpret_cast<pthread_mutex_t*>(m))); }
extern "C" int mtx_trylock(mtx_t* m) {
  const int rc = pthread_mutex_trylock(reinterpret_cast<pthread_mutex_t*>(m));
  return rc == EBUSY ? thrd_busy : result_of(rc);
}
extern "C" int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict at) {
  const int rc = pthread_mutex_timedlock(reinterpret_cast<pthread_mutex_t*>(m), at);
  return rc == ETIMEDOUT ? thrd_timedout : result_of(rc);
}
extern "C" int mtx_unlock(mtx_t* m) { return result_of(pthread_mutex_unlock(reinterpret_cast<pthread_mutex_t*>(m))); }
extern "C" void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(reinterpret_cast<pthread_mutex_t*>(m)); }

extern "C" int cnd_init(cnd_t* c) { return result_of(pthread_cond_init(reinterpret_cast<pthread_cond_t*>(c), nullptr)); }
extern "C" int cnd_signal(cnd_t* c) { return result_of(pthread_cond_signal(reinterpret_cast<pthread_cond_t*>(c))); }
extern "C" int cnd_broadcast(cnd_t* c) { return result_of(pthread_cond_broadcast(reinterpret_cast<pthread_cond_t*>(c))); }
extern "C" int cnd_wait(cnd_t* c, mtx_t* m) {
  return result_of(pthread_cond_wait(reinterpret_cast<pthread_cond_t*>(c), reinterpret_cast<pthread_mutex_t*>(m)));
}
extern "C" int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const struct timespec* __restrict at) {
  const int rc = pthread_cond_timedwait(reinterpret_cast<pthread_cond_t*>(c), reinterpret_cast<pthread_mutex_t*>(m), at);
  return rc == ETIMEDOUT ? thrd_timedout : result_of(rc);
}
extern "C" void cnd_destroy(cnd_t* c) { pthread_cond_destroy(reinterpret_cast<pthread_cond_t*>(c)); }

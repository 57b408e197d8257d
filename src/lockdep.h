/*
 * lockdep.h - kmm_lock() and kmm_unlock(), and the lock order that
 * --enable-debug builds check at each of them (lockdep.c).  The order
 * itself is in internal.h's top comment.
 */
#ifndef KMM_LOCKDEP_H
#define KMM_LOCKDEP_H

#include "compiler.h"
#include "os.h"

#include <pthread.h>

/*
 * The lock order of internal.h's top comment, checked in --enable-debug builds
 * before each lock is taken (lockdep.c); release builds check nothing.
 */
#ifdef KMM_DEBUG_BUILD
void kmm_lock_acquire(pthread_mutex_t *m);
void kmm_lock_release(pthread_mutex_t *m);
void kmm_lock_forget_all(void);
#else
static inline void kmm_lock_acquire(pthread_mutex_t *m) { (void)m; }
static inline void kmm_lock_release(pthread_mutex_t *m) { (void)m; }
static inline void kmm_lock_forget_all(void) {}
#endif

/* A pthread mutex that is re-initialized in the child after fork. */
static inline void kmm_lock(pthread_mutex_t *m)
{
	kmm_lock_acquire(m);
	pthread_mutex_lock(m);
}

static inline void kmm_unlock(pthread_mutex_t *m)
{
	kmm_lock_release(m);
	pthread_mutex_unlock(m);
}

/*
 * The locks a report takes (kmm_dump, and the counts it asks each layer
 * for).  A report that a signal handler writes (KMM_STATS_SIGNAL) may
 * have interrupted its own thread inside any lock, so in that thread
 * (kmm_report_nowait_tid) a report takes a lock only if it is free, and
 * leaves out what the lock guards when it is not; kmm_report_busy counts
 * the locks so passed over.  No lockdep there: the interrupted code's
 * record is the same thread's.  Other threads wait as usual.
 */
extern _Atomic pid_t kmm_report_nowait_tid;
extern _Atomic unsigned int kmm_report_busy;

static inline bool kmm_report_nowait(void)
{
	pid_t tid = atomic_load_explicit(&kmm_report_nowait_tid,
					 memory_order_relaxed);

	return unlikely(tid != 0) && tid == kmm_os_gettid();
}

/* Takes m for a report: true, or false (and nothing taken) if busy. */
static inline bool kmm_lock_report(pthread_mutex_t *m)
{
	if (likely(!kmm_report_nowait())) {
		kmm_lock(m);
		return true;
	}
	if (pthread_mutex_trylock(m) == 0)
		return true;
	atomic_fetch_add_explicit(&kmm_report_busy, 1, memory_order_relaxed);
	return false;
}

static inline void kmm_unlock_report(pthread_mutex_t *m)
{
	if (likely(!kmm_report_nowait()))
		kmm_unlock(m);
	else
		pthread_mutex_unlock(m);
}

#endif /* KMM_LOCKDEP_H */

/*
 * lockdep.h - kmm_lock() and kmm_unlock(), and the lock order that
 * --enable-debug builds check at each of them (lockdep.c).  The order
 * itself is in internal.h's top comment.
 */
#ifndef KMM_LOCKDEP_H
#define KMM_LOCKDEP_H

#include "compiler.h"

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

#endif /* KMM_LOCKDEP_H */

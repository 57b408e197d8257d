/*
 * thread.h - the per-thread state every layer keeps its lists in
 * (struct kmm_thread, kmm_current) and what thread.c offers: a thread's
 * state made on first use.  The operations on each list are in the
 * header of the layer that owns it: slab.h, page_alloc.h, page_runs.h.
 */
#ifndef KMM_THREAD_H
#define KMM_THREAD_H

#include "internal.h"
#include "page_alloc.h"
#include "page_runs.h"

/* A thread's free objects of one cache: see slab.c. */
struct kmm_objlist {
	void *freelist;
	unsigned int count;	/* on freelist; UINT_MAX in kmm_boot_thread */
	/*
	 * A free past it takes the slow path.  The cache's cpu_limit when
	 * the thread's state is made, adapted by the slow paths (slab.c,
	 * list_grow); 0 (list full) until the thread's state is made.
	 */
	unsigned int limit;
};

/* How a list's limit adapts to its use (slab.c): slow paths only. */
struct kmm_objlist_tune {
	uint16_t last_count;	/* count at the last idle check */
	uint8_t overflows;	/* since the limit last changed */
	uint8_t unused;
};

struct kmm_thread {
	struct kmm_objlist objs[KMM_MAX_CACHES];
	struct kmm_objlist_tune tune[KMM_MAX_CACHES];
	size_t objs_grown;	/* bytes the limits grew past cpu_limit */
	unsigned int objs_slow;	/* list overflows: the idle check's clock */
	struct kmm_pcp pcp[PCP_ORDERS];
	struct kmm_run_list runs[NR_PAGE_ORDERS];
	size_t runs_pages;	/* on runs[], all orders: see page_runs.c */
	struct list_head node;	/* kmm.threads, under kmm.thread_lock */
	_Atomic int pcp_lock;	/* guards pcp[]: see page_alloc.c */
	_Atomic int runs_lock;	/* guards runs[]: see page_runs.c */
	pid_t tid;
	unsigned int order;	/* order of the block this struct lives in */
};

extern __thread struct kmm_thread *kmm_current
	__attribute__((tls_model("initial-exec")));

/* The state of a thread whose own state has already been torn down. */
extern struct kmm_thread kmm_dead_thread;

/*
 * kmm_current is never NULL: a thread without state of its own (not yet
 * made, torn down, or every thread when kmm.layout.on is set)
 * points at this one,
 * whose lists are empty and count as full and are never written, so the
 * fast paths need no test: they fail over to the slow paths, which check.
 */
extern struct kmm_thread kmm_boot_thread;

static inline struct kmm_thread *kmm_thread_or_null(void)
{
	struct kmm_thread *t = kmm_current;

	return t == &kmm_boot_thread ? NULL : t;
}

struct kmm_thread *kmm_thread_slow(void);

#endif /* KMM_THREAD_H */

/*
 * thread.c - initialization, the per-thread pointer, thread exit and fork.
 *
 * Each thread's state (struct kmm_thread: its object list per cache and
 * its page lists) is carved from the page allocator on the thread's first
 * allocation and reached through one initial-exec __thread pointer,
 * kmm_current.  Each layer owns its part: at thread exit and in the child
 * after fork, slab.c gives the object lists back to their slabs,
 * page_runs.c empties the run cache and page_alloc.c drains the page
 * lists.
 *
 * A thread whose state is gone (its pthread key destructor ran, and other
 * destructors or the dynamic loader still allocate) uses kmm_dead_thread,
 * shared, under kmm.dead_lock.
 *
 * Initialization is lazy and runs once, from whichever entry point comes
 * first in whichever thread; it calls nothing that allocates.
 *
 * Fork: see fork_prepare and fork_child below.
 *
 * Locking: kmm.thread_lock guards kmm.threads.  The fork handlers take
 * the stdio list lock (glibc) before every lock of kmm.
 */
#include "internal.h"
#include "kmalloc.h"
#include "list.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "page_runs.h"
#include "slab.h"
#include "thread.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>	/* glibc 2.32+ */
#define HAVE_SINGLE_THREADED 1
#endif

struct kmm_thread kmm_boot_thread = {
	.objs = { [0 ... KMM_MAX_CACHES - 1] = { .count = UINT_MAX } },
};
__thread struct kmm_thread *kmm_current
	__attribute__((tls_model("initial-exec"))) = &kmm_boot_thread;
/* 0: no state yet, 1: has state, 2: state torn down. */
static __thread int kmm_thread_phase __attribute__((tls_model("initial-exec")));

struct kmm_thread kmm_dead_thread;

struct kmm_global kmm = {
	.opt.harden = 1,
	.zone_lock = PTHREAD_MUTEX_INITIALIZER,
	.cache_lock = PTHREAD_MUTEX_INITIALIZER,
	.thread_lock = PTHREAD_MUTEX_INITIALIZER,
	.dead_lock = PTHREAD_MUTEX_INITIALIZER,
	.vmap_lock = PTHREAD_MUTEX_INITIALIZER,
	.threads = LIST_HEAD_INIT(kmm.threads),
};

static void thread_exit(void *arg);

void kmm_init_slow(void)
{
	int expected = 0;

	if (atomic_compare_exchange_strong(&kmm.init_state, &expected, 1)) {
		kmm.init_tid = kmm_os_gettid();
		kmm_track_init();
		kmm_parse_options();
		kmm_stats_init();
		kmm_free_cookie = (uintptr_t)kmm_os_random() | 1;
		kmm_freelist_secret = (uintptr_t)kmm_os_random();
		/* The leak scan tells free objects by their mark. */
		kmm_harden = kmm.opt.harden || kmm.opt.leaks;
		pthread_key_create(&kmm.thread_key, thread_exit);
		kmm_vmalloc_init();
		kmm_page_class_init();
		kmm_slab_init();
		kmm_page_alloc_init();
		kmm_runs_init();
		kmm_kmalloc_init();
		atomic_store_explicit(&kmm.init_state, 2, memory_order_release);
		return;
	}
	/* Re-entered from our own initialization: the options are set. */
	if (kmm.init_tid == kmm_os_gettid())
		return;
	while (atomic_load_explicit(&kmm.init_state, memory_order_acquire) != 2)
		kmm_os_yield();
}

static unsigned int thread_order(void)
{
	return order_for_size(sizeof(struct kmm_thread));
}

/*
 * First allocation of a thread: its state, or NULL when it has none any
 * more (then the caller takes the kmm_dead_thread path).
 */
struct kmm_thread *kmm_thread_slow(void)
{
	struct kmm_page *page;
	struct kmm_thread *t;

	if (kmm_current != &kmm_boot_thread)
		return kmm_current;
	/*
	 * When every call must take the slow paths (under memcheck: see
	 * track.c), threads share kmm_dead_thread.
	 */
	if (kmm_thread_phase == 2 || kmm.layout.on)
		return NULL;
	page = __kmm_alloc_pages(KMM_GFP_KERNEL | KMM___GFP_ZERO |
					 KMM___GFP_NOWARN,
				 thread_order());
	if (!page)
		return NULL;
	t = __page_address(page);
	/* kmm's own metadata, as mem_map: not counted by KMM_MEMORY_LIMIT. */
	kmm_mem_uncharge(PAGE_SIZE << thread_order());
	kmm_track_defined(t, PAGE_SIZE << thread_order());
	t->tid = kmm_os_gettid();
	t->order = thread_order();
	kmm_slab_thread_init(t);
	kmm_lock(&kmm.thread_lock);
	list_add(&t->node, &kmm.threads);
	kmm_unlock(&kmm.thread_lock);
	kmm_current = t;
	kmm_thread_phase = 1;
	/* May allocate (keys past the first 32): kmm_current is set. */
	pthread_setspecific(kmm.thread_key, t);
	return t;
}

/* Hands a thread's slabs and pages back; t is not in use by anyone. */
static void thread_release(struct kmm_thread *t)
{
	kmm_slab_flush_thread(t);
	kmm_runs_drain(t);
	kmm_pcp_drain(t);
}

static void thread_free(struct kmm_thread *t)
{
	struct kmm_page *page = kmm_virt_to_page(t);

	kmm_lock(&kmm.thread_lock);
	list_del(&t->node);
	kmm_unlock(&kmm.thread_lock);
	kmm_track_noaccess(t, PAGE_SIZE << t->order);
	kmm_mem_charge_force(PAGE_SIZE << thread_order());
	__kmm_free_pages(page, thread_order());
}

static void thread_exit(void *arg)
{
	struct kmm_thread *t = arg;
	int saved = errno;

	if (!t || t != kmm_current)
		return;
	kmm_track_enter();
	thread_release(t);
	kmm_current = &kmm_boot_thread;
	kmm_thread_phase = 2;
	thread_free(t);
	kmm_track_leave();
	errno = saved;
}

/* ----------------------------------------------------------------- fork */

/*
 * glibc exports these for allocators' fork handlers and declares them in
 * no header.  Its fork() takes the stdio list lock before its own malloc
 * locks; kmm's prepare handler does the same, so a thread that holds a
 * FILE lock and allocates while another waits in fflush(NULL), holding
 * the list lock, cannot deadlock with a fork.  A C library without them
 * leaves that order to chance (see kmm(7)).
 */
extern void _IO_list_lock(void) __attribute__((weak));
extern void _IO_list_unlock(void) __attribute__((weak));
extern void _IO_list_resetlock(void) __attribute__((weak));

/*
 * Whether the process has one thread.  __libc_single_threaded (glibc
 * 2.32+) is true only while no thread was ever created; without it every
 * fork counts as a multi-threaded one.
 */
#if HAVE_SINGLE_THREADED
static inline bool process_single_threaded(void)
{
	return __libc_single_threaded;
}
#else
static inline bool process_single_threaded(void)
{
	return false;
}
#endif

/* What prepare did, for parent and child (forks run one at a time). */
static enum { FORK_NOTHING, FORK_SINGLE, FORK_LOCKED } fork_mode;

/*
 * A single-threaded process may fork from a signal handler that
 * interrupted the allocator: the interrupted frame may hold any of kmm's
 * locks and will not run before the handler returns, so prepare takes
 * none, as glibc takes no malloc lock at such a fork.  Only the forking
 * thread could take them, so there is nothing to exclude.  The child
 * sorts out what the interrupted frame left behind (fork_child).
 */
static void fork_prepare(void)
{
	if (atomic_load_explicit(&kmm.init_state, memory_order_acquire) != 2) {
		fork_mode = FORK_NOTHING;
		return;
	}
	if (process_single_threaded()) {
		fork_mode = FORK_SINGLE;
		return;
	}
	if (_IO_list_lock)
		_IO_list_lock();
	kmm_lock(&kmm.dead_lock);
	kmm_lock(&kmm.thread_lock);
	kmm_slab_fork_prepare();
	kmm_vmalloc_fork_prepare();
	kmm_runs_fork_prepare();
	kmm_page_alloc_fork_prepare();
	kmm_quarantine_fork_prepare();
	fork_mode = FORK_LOCKED;
}

static void fork_parent(void)
{
	if (fork_mode != FORK_LOCKED)
		return;
	kmm_quarantine_fork_parent();
	kmm_page_alloc_fork_parent();
	kmm_runs_fork_parent();
	kmm_vmalloc_fork_parent();
	kmm_slab_fork_parent();
	kmm_unlock(&kmm.thread_lock);
	kmm_unlock(&kmm.dead_lock);
	if (_IO_list_unlock)
		_IO_list_unlock();
}

/* Empties the shared state of torn-down threads (its objects leak). */
static void dead_thread_reset(void)
{
	memset(&kmm_dead_thread, 0, sizeof(kmm_dead_thread));
}

/*
 * In the child only the forking thread survives, and every lock is made
 * new.
 *
 * After a multi-threaded fork, prepare held every lock, so the data the
 * locks guard is consistent: the state of the threads that did not
 * survive is taken over (their slabs go back to the caches, their pages
 * to the zones).  Their object lists take no lock and may have been
 * stopped mid-update: they go back only as far as they are sound
 * (kmm_slab_flush_stopped).
 *
 * After a single-threaded fork, the fork may have come from a signal
 * handler that interrupted the allocator halfway through a change.  A
 * lock still held in the child (a try-lock fails) names the data such a
 * change may have left half done; each layer rebuilds or drops it
 * (single = true).  The lists of the thread itself are pushed and popped
 * without a lock, so none tells whether they were mid-update: the child
 * leaves them (and the objects and pages on them) behind and gets a fresh
 * state at its next allocation.  kmm.threads held only that thread.
 */
static void fork_child(void)
{
	bool single = fork_mode == FORK_SINGLE;
	struct list_head *pos, *n;

	kmm_lock_forget_all();	/* debug builds: what prepare took */
	if (fork_mode == FORK_NOTHING)
		return;
	kmm_track_enter();
	if (fork_mode == FORK_LOCKED && _IO_list_resetlock)
		_IO_list_resetlock();
	kmm_quarantine_fork_child(single);
	kmm_page_alloc_fork_child(single);
	kmm_runs_fork_child();
	kmm_vmalloc_fork_child(single);
	kmm_slab_fork_child(single);
	if (single && pthread_mutex_trylock(&kmm.dead_lock) != 0)
		dead_thread_reset();
	pthread_mutex_init(&kmm.thread_lock, NULL);
	pthread_mutex_init(&kmm.dead_lock, NULL);
	kmm.init_tid = kmm_os_gettid();

	if (single) {
		INIT_LIST_HEAD(&kmm.threads);
		if (kmm_thread_phase == 1) {
			kmm_current = &kmm_boot_thread;
			kmm_thread_phase = 0;
		}
		kmm_track_leave();
		return;
	}
	list_for_each_safe(pos, n, &kmm.threads) {
		struct kmm_thread *t = list_entry(pos, struct kmm_thread, node);

		if (t == kmm_current)
			continue;
		kmm_slab_flush_stopped(t);
		kmm_runs_drain(t);
		kmm_pcp_drain(t);
		thread_free(t);
	}
	if (kmm_current != &kmm_boot_thread)
		kmm_current->tid = kmm_os_gettid();
	kmm_track_leave();
}

/*
 * Registered from an ELF constructor, not lazily: handlers registered
 * later run earlier in prepare, and another library's prepare handler
 * that allocates must find kmm's locks free.
 */
__attribute__((constructor)) static void kmm_constructor(void)
{
	kmm_init();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((destructor)) static void kmm_destructor(void)
{
	kmm_stats_at_exit();
	kmm_leak_at_exit();
}

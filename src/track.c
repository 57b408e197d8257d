/*
 * track.c - the hooks of track.h as memcheck client requests, the layout
 * policy memcheck calls for, and the quarantine.
 *
 * Under memcheck (decided once, at initialization) kmm's blocks look to
 * memcheck as glibc's do:
 *
 *  - kmm's own work runs with error reporting off (kmm_track_enter): it
 *    reads and writes free objects and slack that are NOACCESS to the
 *    program;
 *  - a block handed out is a VALGRIND_MALLOCLIKE_BLOCK (undefined, or
 *    defined when zeroed or constructed), so leaks come with the
 *    allocation's stack and uninitialized reads are caught;
 *  - a free is VALGRIND_FREELIKE_BLOCK first: if memcheck reports it (a
 *    double or invalid free, counted with VALGRIND_COUNT_ERRORS), kmm
 *    leaves the pointer alone, as memcheck's own free does.
 *
 * The layout memcheck calls for (struct kmm_layout): every kmalloc block
 * has LAYOUT_REDZONE bytes of NOACCESS slack after it, so a one-byte
 * overflow is caught whatever the size; freed blocks wait in the
 * quarantine before kmm reuses them, so a use after free is caught even
 * where kmm would have handed the memory out again at once; and threads
 * keep no lists of their own, so every call reaches the hooks on the
 * slow paths.
 *
 * The quarantine is a FIFO of at most QUARANTINE_SLOTS blocks and
 * QUARANTINE_BYTES bytes; each entry carries the function of the layer
 * that frees it for real, so calls still go down only.  The blocks in it
 * stay charged to KMM_MEMORY_LIMIT: the quarantine registers a reclaimer
 * (mm_account.c), asked first, that lets them all go.
 *
 * Locking: quarantine_lock guards the quarantine.  It is the innermost
 * lock: nothing else is taken under it (release functions run after it
 * is dropped), so it may be taken with any other held, as a reclaimer
 * under kmm.dead_lock does, and the fork handlers take it last.
 */
#include "internal.h"
#include "lockdep.h"
#include "mm_account.h"
#include "track.h"

#define LAYOUT_REDZONE 16
#define QUARANTINE_SLOTS 4096
#define QUARANTINE_BYTES (32UL << 20)

struct qentry {
	void *p;
	size_t bytes;
	void (*release)(void *);
};

static struct qentry quarantine[QUARANTINE_SLOTS];
static size_t q_head, q_count, q_bytes;
static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;

#ifdef KMM_VALGRIND
#include <valgrind/memcheck.h>

bool kmm_track_active;

/*
 * Each client request puts its own argument block on the stack; one
 * small function per request keeps the callers' frames small (the 1 KiB
 * stack budget holds under Valgrind too).
 */
__noinline void kmm_track_quiet_(void)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
}

__noinline void kmm_track_loud_(void)
{
	VALGRIND_ENABLE_ERROR_REPORTING;
}

__noinline void kmm_track_alloc_(void *p, size_t size, bool defined)
{
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (p)
		VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, defined);
}

/* Frees a block for memcheck; false if memcheck reported the free. */
__noinline bool kmm_track_free_(const void *p)
{
	unsigned long before = VALGRIND_COUNT_ERRORS;

	VALGRIND_FREELIKE_BLOCK(p, 0);
	if (VALGRIND_COUNT_ERRORS != before)
		return false;
	VALGRIND_DISABLE_ERROR_REPORTING;
	return true;
}

__noinline void kmm_track_resize_(void *p, size_t old, size_t new)
{
	VALGRIND_RESIZEINPLACE_BLOCK(p, old, new, 0);
}

__noinline void kmm_track_noaccess_(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
}

__noinline void kmm_track_undefined_(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

__noinline void kmm_track_defined_(const void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
}

/*
 * Only memcheck: callgrind and the other tools must measure kmm as it
 * runs without Valgrind.  A memcheck request answers -1 under memcheck
 * and 0 under tools that do not know it.
 */
static void layout_init(void)
{
	int probe = 0;

	kmm_track_active = RUNNING_ON_VALGRIND &&
		(long)VALGRIND_MAKE_MEM_DEFINED(&probe, sizeof(probe)) == -1;
	if (kmm_track_active) {
		kmm.layout.on = true;
		kmm.layout.redzone = LAYOUT_REDZONE;
		kmm.layout.quarantine = true;
	}
}

#else /* !KMM_VALGRIND */

static void layout_init(void)
{
}

#endif /* KMM_VALGRIND */

/* Frees for real what leaves the quarantine, as kmm's own work. */
static void release(const struct qentry *e)
{
	kmm_track_enter();
	e->release(e->p);
	kmm_track_leave();
}

/* Takes the oldest block out of the quarantine; quarantine_lock held. */
static bool __quarantine_pop(struct qentry *out)
{
	if (!q_count)
		return false;
	*out = quarantine[q_head];
	q_bytes -= out->bytes;
	q_head = (q_head + 1) % QUARANTINE_SLOTS;
	q_count--;
	return true;
}

/*
 * Puts a freed block in the quarantine and frees for real what falls out
 * of it, outside the lock.  One block in, at most a few out.
 */
void kmm_quarantine_add(void *p, size_t bytes, void (*fn)(void *))
{
	struct qentry e = { p, bytes, fn }, victim;
	bool out;
	int i;

	if (bytes > QUARANTINE_BYTES) {
		release(&e);
		return;
	}
	for (i = 0; i < 4; i++) {
		kmm_lock(&quarantine_lock);
		out = false;
		if (q_count < QUARANTINE_SLOTS &&
		    q_bytes + bytes <= QUARANTINE_BYTES) {
			quarantine[(q_head + q_count) % QUARANTINE_SLOTS] = e;
			q_count++;
			q_bytes += bytes;
			kmm_unlock(&quarantine_lock);
			return;
		}
		out = __quarantine_pop(&victim);
		kmm_unlock(&quarantine_lock);
		if (out)
			release(&victim);
	}
	release(&e);
}

/* Frees every block in the quarantine; returns their bytes. */
static size_t quarantine_drain(void)
{
	size_t bytes = 0;
	struct qentry e;
	bool out;

	/* A racy peek: natively the quarantine is always empty. */
	if (!q_count)
		return 0;
	for (;;) {
		kmm_lock(&quarantine_lock);
		out = __quarantine_pop(&e);
		kmm_unlock(&quarantine_lock);
		if (!out)
			return bytes;
		release(&e);
		bytes += e.bytes;
	}
}

/* For kmem_cache_shrink and kmem_cache_destroy. */
void kmm_quarantine_flush(void)
{
	quarantine_drain();
}

static size_t quarantine_count(void)
{
	size_t bytes;

	kmm_lock(&quarantine_lock);
	bytes = q_bytes;
	kmm_unlock(&quarantine_lock);
	return bytes;
}

/*
 * All of it, whatever is asked: the blocks are scattered over slabs and
 * runs, and only whole ones free memory the reclaimers after this one
 * can give back.  The blocks go to their layers, which stay charged.
 */
static size_t quarantine_reclaim(size_t want)
{
	(void)want;
	return quarantine_drain();
}

/* Freed blocks kept for checking are the cheapest memory to lose. */
static const struct kmm_reclaimer quarantine_reclaimer = {
	.name = "quarantine",
	.count = quarantine_count,
	.reclaim = quarantine_reclaim,
	.priority = 5,
	.flags = KMM_RECLAIM_CHARGED,
};

/* For KMM_DEBUG's page runs (kmalloc.c): the quarantine without the layout. */
void kmm_quarantine_enable(void)
{
	if (!kmm.layout.quarantine)
		kmm_register_reclaimer(&quarantine_reclaimer);
}

/* Sets the layout; a quarantine, if the layout has one, is a reclaimer. */
void kmm_track_init(void)
{
	layout_init();
	if (kmm.layout.quarantine)
		kmm_register_reclaimer(&quarantine_reclaimer);
}

/*
 * Fork: the quarantine lock, like the others, is free in the child.  A
 * child of a single-threaded fork that finds it held forked from a signal
 * handler that interrupted a change of the quarantine: the blocks in it
 * are left behind (never reused) rather than trusted.
 */
void kmm_quarantine_fork_prepare(void)
{
	kmm_lock(&quarantine_lock);
}

void kmm_quarantine_fork_parent(void)
{
	kmm_unlock(&quarantine_lock);
}

void kmm_quarantine_fork_child(bool single)
{
	if (single && pthread_mutex_trylock(&quarantine_lock) != 0)
		q_head = q_count = q_bytes = 0;
	pthread_mutex_init(&quarantine_lock, NULL);
}

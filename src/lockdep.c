/*
 * lockdep.c - the lock order, checked in --enable-debug builds.
 *
 * internal.h's top comment gives the order in which kmm's locks nest.
 * kmm_lock() calls kmm_lock_acquire() before it blocks, so a thread that
 * takes a lock out of order is stopped at the inversion, with a report,
 * instead of deadlocking one day against a thread that keeps the order.
 * The check is the kernel's lockdep reduced to a fixed order: each lock
 * has a rank, and a thread may take a lock only if every lock it holds
 * ranks lower.  The kmem_cache locks share one rank and the zone locks
 * another; within a rank they nest in increasing index.
 *
 * A lock is ranked by its address: the locks of struct kmm_global by
 * name, a cache's or a zone's lock by being that of an entry of
 * kmm.caches[] or kmm.zones[] (found by a scan: this is a debug build).
 * A lock it does not know is not checked: track.c's quarantine lock, a
 * leaf under which no other lock is taken, and a new zone's lock before
 * the zone is published.
 *
 * Release builds compile none of this: kmm_lock() is pthread_mutex_lock().
 *
 * Locking: each thread's record (held) is its own.  kmm.caches[] and
 * kmm.zones[] are read without their locks; an entry being created is
 * not locked by anyone yet.
 */
#include "internal.h"
#include "lockdep.h"
#include "mm_types.h"
#include "printk.h"
#include "slab.h"

_Atomic pid_t kmm_report_nowait_tid;
_Atomic unsigned int kmm_report_busy;

#ifdef KMM_DEBUG_BUILD

#include <stddef.h>
#include <string.h>

enum lock_rank {
	RANK_DEAD,		/* kmm.dead_lock */
	RANK_THREAD,		/* kmm.thread_lock */
	RANK_CACHE_LIST,	/* kmm.cache_lock */
	RANK_CACHE,		/* kmem_cache->lock, by cache index */
	RANK_VMAP,		/* kmm.vmap_lock */
	RANK_ZONE_LIST,		/* kmm.zone_lock */
	RANK_ZONE,		/* zone->lock, by zone index */
	NR_RANKS
};

static const char *const rank_name[NR_RANKS] = {
	"kmm.dead_lock", "kmm.thread_lock", "kmm.cache_lock",
	"kmem_cache->lock", "kmm.vmap_lock", "kmm.zone_lock", "zone->lock",
};

#define MAP_WORDS(n) (((n) + 63) / 64)

struct held_locks {
	unsigned int ranks;	/* bit r: a lock of rank r is held */
	uint64_t cache[MAP_WORDS(KMM_MAX_CACHES)];	/* by cache index */
	uint64_t zone[MAP_WORDS(KMM_MAX_ZONES)];	/* by zone index */
};

static __thread struct held_locks held
	__attribute__((tls_model("initial-exec")));

/* The rank of lock m and its index within the rank; -1 if unknown. */
static int lock_rank(const pthread_mutex_t *m, int *index)
{
	int i, n;

	*index = 0;
	if (m == &kmm.dead_lock)
		return RANK_DEAD;
	if (m == &kmm.thread_lock)
		return RANK_THREAD;
	if (m == &kmm.cache_lock)
		return RANK_CACHE_LIST;
	if (m == &kmm.vmap_lock)
		return RANK_VMAP;
	if (m == &kmm.zone_lock)
		return RANK_ZONE_LIST;
	/* A zone's header, and its lock, start its ZONE_SIZE slot. */
	if (((uintptr_t)m & (ZONE_SIZE - 1)) ==
	    offsetof(struct kmm_zone, lock)) {
		n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
		for (i = 0; i < n; i++) {
			if (kmm.zones[i] && m == &kmm.zones[i]->lock) {
				*index = i;
				return RANK_ZONE;
			}
		}
		return -1;
	}
	n = kmm.nr_caches;
	for (i = 0; i < n && i < KMM_MAX_CACHES; i++) {
		struct kmm_cache *s = kmm.caches[i];

		if (s && m == &s->lock) {
			*index = i;
			return RANK_CACHE;
		}
	}
	return -1;
}

static uint64_t *rank_map(int rank, int *words)
{
	if (rank == RANK_CACHE) {
		*words = (int)ARRAY_SIZE(held.cache);
		return held.cache;
	}
	if (rank == RANK_ZONE) {
		*words = (int)ARRAY_SIZE(held.zone);
		return held.zone;
	}
	*words = 0;
	return NULL;
}

/* The highest index held in an indexed rank, or -1. */
static int highest_index(const uint64_t *map, int words)
{
	int w;

	for (w = words - 1; w >= 0; w--)
		if (map[w])
			return w * 64 + 63 - __builtin_clzll(map[w]);
	return -1;
}

/* Writes "<name>" or "<name> <index>" to stderr. */
static __always_inline void put_lock(int rank, int index)
{
	const char *name = rank_name[rank];
	unsigned int v = (unsigned int)index;
	char d[4];
	int i = 4;

	kmm_write_all(2, name, strlen(name));
	if (rank != RANK_CACHE && rank != RANK_ZONE)
		return;
	/* Indexes are below KMM_MAX_ZONES: three digits at most. */
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 1);
	d[--i] = ' ';
	kmm_write_all(2, d + i, (size_t)(4 - i));
}

/*
 * "kmm: lock order: <lock> taken while holding <lock>", naming the last
 * rank held; the caller then calls kmm_bug().  Piece by piece, without a
 * buffer, and not calling kmm_bug() itself: this sits at the bottom of
 * the deepest call chains (test/stack/callgraph.sh).
 */
static __cold void order_report(int rank, int index)
{
	int r = 31 - __builtin_clz(held.ranks), words, last = 0;
	uint64_t *map = rank_map(r, &words);

	if (map)
		last = highest_index(map, words);
	kmm_write_all(2, "kmm: lock order: ", 17);
	put_lock(rank, index);
	kmm_write_all(2, " taken while holding ", 21);
	put_lock(r, last);
	kmm_write_all(2, "\n", 1);
}

void kmm_lock_acquire(pthread_mutex_t *m)
{
	int index, words, rank = lock_rank(m, &index);
	uint64_t *map;

	if (rank < 0)
		return;
	map = rank_map(rank, &words);
	/* A later rank held, or this one unless it nests by index. */
	if ((held.ranks >> rank) > 1 ||
	    ((held.ranks >> rank & 1) &&
	     (!map || highest_index(map, words) >= index))) {
		order_report(rank, index);
		kmm_bug(__FILE__, __LINE__, "lock taken out of order");
	}
	held.ranks |= 1u << rank;
	if (map)
		map[index / 64] |= 1ull << (index % 64);
}

void kmm_lock_release(pthread_mutex_t *m)
{
	int index, words, rank = lock_rank(m, &index);
	uint64_t *map;

	if (rank < 0)
		return;
	KMM_BUG_ON(!(held.ranks & (1u << rank)));	/* not held */
	map = rank_map(rank, &words);
	if (map) {
		KMM_BUG_ON(!(map[index / 64] & (1ull << (index % 64))));
		map[index / 64] &= ~(1ull << (index % 64));
		if (highest_index(map, words) >= 0)
			return;
	}
	held.ranks &= ~(1u << rank);
}

/* In the child after fork: every lock is made new, none is held. */
void kmm_lock_forget_all(void)
{
	memset(&held, 0, sizeof(held));
}

#endif /* KMM_DEBUG_BUILD */

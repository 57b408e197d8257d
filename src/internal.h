/*
 * internal.h - the one global (struct kmm_global kmm: options, layout
 * policy, the zone, cache and thread registries and their locks),
 * kmm_init(), and the few calls of debug.c, stats.c and malloc.c.  Each
 * layer's types and calls are in its own header (DESIGN.md lists them),
 * which includes only the headers below it.  Nothing under src/ is
 * visible outside libkmm.
 *
 * Layers, each calling only those below it:
 *
 *   malloc.c, new.c     C and C++ semantics
 *   kmalloc.c           size -> slab cache | exact pages | vmalloc
 *   slab.c  vmalloc.c   object caches; dedicated mappings
 *   page_runs.c         kmalloc's page runs, the threads' run caches
 *   page_alloc.c        buddy allocator, per-thread page lists
 *   zone.c              reservations, mem_map[], zone table, virt_to_page
 *   os.c  mm_account.c  every system call; KMM_MEMORY_LIMIT's charge and
 *                       the reclaimers
 *
 * Beside them: thread.c (the per-thread pointer), stats.c (/proc formats),
 * debug.c (options), printk.c (formatting without stdio), lockdep.c (the
 * lock order, checked in --enable-debug builds), and at the bottom
 * track.c (the hooks of track.h that tell a checking tool what happens to
 * memory, and the quarantine).  A layer that holds free memory registers
 * a reclaimer (mm_account.c); a charge that would fail, and malloc_trim(),
 * go up through those callbacks, never by name.
 *
 * Lock order, outermost first: kmm.dead_lock, kmm.thread_lock,
 * kmm.cache_lock, kmem_cache->lock (in cache index order), kmm.vmap_lock,
 * kmm_thread.runs_lock, kmm_thread.pcp_lock (each in kmm.threads order),
 * kmm.zone_lock, zone->lock (in zone index order), and innermost track.c's
 * quarantine lock, under which no other is taken.  The fork handlers take
 * them in this order, after glibc's stdio list lock (see thread.c).
 * --enable-debug builds check the order at every kmm_lock() (lockdep.c).
 */
#ifndef KMM_INTERNAL_H
#define KMM_INTERNAL_H

#include "compiler.h"
#include "list.h"

#include <pthread.h>

struct kmm_cache;
struct kmm_zone;

#define KMM_MAX_ZONES 512
#define KMM_MAX_CACHES 256

/* ------------------------------------------------------------- options */

struct kmm_options {
	size_t memory_limit;	   /* KMM_MEMORY_LIMIT, 0 = none */
	size_t vmalloc_threshold;  /* KMM_VMALLOC_THRESHOLD */
	size_t dirty_max;	   /* KMM_RETAIN: free pages kept mapped */
	long decay_ms;		   /* KMM_DECAY_MS: -1 never, 0 at once */
	int stats;		   /* KMM_STATS */
	const char *stats_file;	   /* KMM_STATS_FILE */
	int stats_format;	   /* KMM_STATS_FORMAT: KMM_STATS_TEXT, _JSON */
	int stats_signal;	   /* KMM_STATS_SIGNAL, 0 = none */
	unsigned int debug;	   /* KMM_DEBUG: KMM_SLAB_* debug flags */
	/* KMM_DEBUG's caches, NUL-separated, "" ending; NULL: every cache. */
	const char *debug_caches;
	int debug_continue;	   /* KMM_DEBUG_CONTINUE */
	/*
	 * KMM_DEBUG has F or P for every cache: freed page runs wait in
	 * the quarantine with no access, vmalloc areas are not kept.
	 */
	bool debug_blocks;
	int leaks;		   /* KMM_LEAKS: leak report at exit */
	int harden;		   /* KMM_HARDEN: encoded, checked free lists */
};

/*
 * The layout policy, set once at initialization (track.c, under memcheck):
 * what a block looks like beyond what the program asked for, and what the
 * free path does with it.  All zero natively.
 */
struct kmm_layout {
	/*
	 * The entry points take the way that applies this policy and
	 * calls the tracking hooks (natively they skip it: one test), and
	 * threads keep no lists of their own, so every call gets there.
	 */
	bool on;
	/* Freed kmalloc and kmem_cache blocks wait in the quarantine. */
	bool quarantine;
	/*
	 * Bytes of slack after every kmalloc block (a word at least, when
	 * on): it is served from the class for kmalloc_size_roundup(size)
	 * plus the red zone, so the red zone survives ksize()'s growth; the
	 * size asked for is recorded in the block's last word (slab
	 * objects), in its head page (page runs) or in the vmalloc registry
	 * (areas).
	 */
	unsigned int redzone;
};

enum { KMM_STATS_TEXT, KMM_STATS_JSON };

/* -------------------------------------------------------------- global */

struct kmm_global {
	struct kmm_options opt;
	struct kmm_layout layout;
	_Atomic int init_state;	/* 0 none, 1 running, 2 done */
	pid_t init_tid;

	/* Zones: creation under zone_lock; zone_table read without locks. */
	pthread_mutex_t zone_lock;
	struct kmm_zone *zones[KMM_MAX_ZONES];
	_Atomic int nr_zones;
	uintptr_t dma32_next_hint;

	/* Pages and vmalloc bytes handed out, for KMM_MEMORY_LIMIT. */
	_Atomic size_t mem_used;
	/* The most mem_used has been (mallinfo, malloc_info, reports). */
	_Atomic size_t mem_peak;

	/* Caches: creation and destruction under cache_lock. */
	pthread_mutex_t cache_lock;
	struct kmm_cache *caches[KMM_MAX_CACHES];
	int nr_caches;

	/* Threads. */
	pthread_mutex_t thread_lock;
	struct list_head threads;
	pthread_key_t thread_key;
	/* Used by threads whose state is gone; under dead_lock. */
	pthread_mutex_t dead_lock;

	/* vmalloc registry: see vmalloc.c. */
	pthread_mutex_t vmap_lock;
};

extern struct kmm_global kmm;

void kmm_init_slow(void);
static __always_inline void kmm_init(void)
{
	if (unlikely(atomic_load_explicit(&kmm.init_state,
					  memory_order_acquire) != 2))
		kmm_init_slow();
}

/* ------------------------------------------------------------ malloc.c */

/* For new.c: NULL on failure, errno untouched. */
void *kmm_new(size_t size, size_t align);
void kmm_delete(void *p);

/* ------------------------------------------------------------- stats.c */

/*
 * The heap as mallinfo2(), malloc_stats() and malloc_info() show it, in
 * bytes: arena, the zones' memory mapped and not given back; aspace,
 * their address space; in_use, what the page allocator has handed out
 * (slabs, page runs) less what is kept free for reuse; free, the zones'
 * free pages not given back; mmap, the vmalloc areas; peak, the most
 * that pages and vmalloc areas handed out ever came to.
 */
struct kmm_heap_info {
	size_t arena, aspace, in_use, free;
	size_t mmap_count, mmap_bytes, peak;
};
void kmm_heap_info(struct kmm_heap_info *hi);
/* Free objects of each kmalloc cache, in slabs and threads' lists. */
void kmm_kmalloc_free_objects(unsigned long *nr);
/* At initialization, after the options: where reports will go. */
void kmm_stats_init(void);
void kmm_stats_at_exit(void);

/* -------------------------------------------------------------- leak.c */

void kmm_leak_at_exit(void);

/* ------------------------------------------------------------- debug.c */

void kmm_parse_options(void);
/*
 * The KMM_SLAB_* debug flags KMM_DEBUG gives the cache of this name (0
 * for none), at its creation.
 */
unsigned int kmm_debug_cache_flags(const char *name);
/*
 * Every option's effective value: one "<prefix>KMM_NAME=value (source)"
 * line each, source being default, kmm_conf or environment; 0, or -1 if
 * a write failed.  No lock, no allocation.
 */
int kmm_options_print(int fd, const char *prefix);
/* "SIGUSR2" for 12, "SIGRTMIN+1"...; returns the text, in buf or static. */
const char *kmm_signal_name(char buf[24], int sig);
/* The same, one call of fn per option; value is never NULL. */
void kmm_options_foreach(void (*fn)(void *arg, const char *name,
				    const char *value, const char *source),
			 void *arg);

#endif /* KMM_INTERNAL_H */

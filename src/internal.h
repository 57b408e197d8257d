/*
 * internal.h - kmm's shared types, the one global, and the prototypes the
 * layers call across files.  Nothing here is visible outside libkmm.
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

#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KMM_NO_KERNEL_NAMES
#include "kmm.h"
#include "list.h"

#define KMM_EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define __cold __attribute__((cold, noinline))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uintptr_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a) - 1))
#define IS_POWER_OF_2(x) ((x) != 0 && ((x) & ((x) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define PAGE_SHIFT KMM_PAGE_SHIFT
#define PAGE_SIZE KMM_PAGE_SIZE
#define MAX_PAGE_ORDER KMM_MAX_PAGE_ORDER
#define NR_PAGE_ORDERS KMM_NR_PAGE_ORDERS
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
#define CACHE_LINE 64

/* ------------------------------------------------------------- checks */

void kmm_bug(const char *file, int line, const char *cond)
	__attribute__((noreturn, cold));

#ifdef KMM_DEBUG_BUILD
#define KMM_BUG_ON(cond)                                        \
	do {                                                    \
		if (unlikely(cond))                             \
			kmm_bug(__FILE__, __LINE__, #cond);     \
	} while (0)
#else
#define KMM_BUG_ON(cond) ((void)sizeof(!(cond)))
#endif

/*
 * Full walks (a zone's free lists, a cache's partial list, the vmalloc
 * registry): --enable-debug=expensive, and at slow paths only.
 */
#ifdef KMM_DEBUG_EXPENSIVE
#define KMM_BUG_ON_EXPENSIVE(cond) KMM_BUG_ON(cond)
#else
#define KMM_BUG_ON_EXPENSIVE(cond) ((void)sizeof(!(cond)))
#endif

/* ------------------------------------------------------------ printk.c */

int kmm_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void kmm_report(const char *fmt, ...) __printf(1, 2) __cold;
void kmm_fatal(const char *fmt, ...) __printf(1, 2)
	__attribute__((noreturn, cold));
struct kmm_msg {
	char buf[128];
	size_t len;
};
void kmm_msg_str(struct kmm_msg *m, const char *s);
void kmm_msg_num(struct kmm_msg *m, unsigned long v, unsigned int base);
void kmm_msg_send(struct kmm_msg *m);
void kmm_die(const char *fn, const char *what, const void *p,
	     const char *cache) __attribute__((noreturn, cold));
void kmm_invalid_free(const void *obj, const char *fn)
	__attribute__((noreturn, cold));
/* Writes a whole buffer to fd; 0 or -1 with errno. */
int kmm_write_all(int fd, const char *buf, size_t len);

/* ---------------------------------------------------------------- os.c */

void *kmm_os_map(void *hint, size_t size, bool fixed_noreplace);
void *kmm_os_map_area(size_t size);
int kmm_os_unmap(void *addr, size_t size);
int kmm_os_release(void *addr, size_t size);	/* MADV_DONTNEED */
void kmm_os_nohugepage(void *addr, size_t size);
void kmm_os_hugepage(void *addr, size_t size);
void *kmm_os_remap(void *old, size_t old_size, size_t new_size);
int kmm_os_protect_none(void *addr, size_t size);
ssize_t kmm_os_write(int fd, const void *buf, size_t len);
int kmm_os_open_append(const char *path);
void kmm_os_close(int fd);
uint64_t kmm_os_random(void);
pid_t kmm_os_gettid(void);
void kmm_os_yield(void);
const char *kmm_os_getenv(const char *name);	/* secure_getenv */
void kmm_os_abort(void) __attribute__((noreturn));

/* ---------------------------------------------------------- mm_account.c */

/* Charges bytes to KMM_MEMORY_LIMIT, asking the reclaimers if it must. */
bool kmm_mem_charge(size_t bytes);
void kmm_mem_uncharge(size_t bytes);
/* Charges bytes whatever the limit: memory kmm's metadata gives back. */
void kmm_mem_charge_force(size_t bytes);
/* Charged bytes the reclaimers hold free: not in MemUsed. */
size_t kmm_mem_cached(void);
/* Asks every reclaimer for all it holds beyond keep bytes; returns the
 * bytes given back to the system. */
size_t kmm_mem_reclaim_all(size_t keep);

/* What a reclaimer gives back. */
enum {
	KMM_RECLAIM_CHARGED = 1u << 0,	/* charged memory: lowers mem_used */
	KMM_RECLAIM_RESIDENT = 1u << 1,	/* resident memory, to the system */
};

/*
 * struct kmm_reclaimer - a layer that holds free memory, as the kernel's
 * struct shrinker.  count() says how many bytes it holds free (charged
 * bytes if KMM_RECLAIM_CHARGED); reclaim(want) frees about want bytes or
 * all it can, and returns the bytes freed.  Lower priority is asked first.
 * Both are called with no kmm lock held but, at most, kmm.dead_lock.
 */
struct kmm_reclaimer {
	const char *name;
	size_t (*count)(void);
	size_t (*reclaim)(size_t want);
	int priority;
	unsigned int flags;
};

/* At initialization only; r must live for good. */
void kmm_register_reclaimer(const struct kmm_reclaimer *r);

/* ------------------------------------------------------ struct kmm_page */

/* Page flags (struct kmm_page.flags). */
enum {
	PG_buddy = 1u << 0,	   /* head of a free block on free_area[] */
	PG_head = 1u << 1,	   /* head of an allocated block of order > 0 */
	PG_tail = 1u << 2,	   /* other page of such a block */
	PG_slab = 1u << 3,	   /* head of a slab */
	PG_released = 1u << 5,	   /* given back with madvise: reads zero */
	PG_some_released = 1u << 6, /* free block head: some page released */
	PG_cached = 1u << 7,	   /* head of a run in a thread's run cache */
	PG_large = 1u << 8,	   /* head of a kmalloc page run */
	PG_clean = 1u << 9,	   /* free block head: every page released */
};

struct kmm_cache;
struct kmm_thread;

/*
 * struct kmm_page - one per page of a zone, in the zone's mem_map[].
 * As in the kernel, the slab fields overlay the buddy fields: a page is
 * either free (lru on free_area[]), a tail (compound_head), a slab head,
 * or a page run handed out.  64 bytes at most; 48 today.
 */
struct kmm_page {
	uint16_t flags;
	uint8_t order;	  /* free block, compound block or slab */
	uint8_t zone_type;
	_Atomic int32_t refcount;
	union {
		/* Free block (PG_buddy), per-thread list or run cache. */
		struct list_head lru;
		/* PG_tail. */
		struct kmm_page *compound_head;
		/* PG_large: a kmalloc run of nr_pages pages. */
		struct {
			size_t nr_pages;
			/* With red zones (kmm.layout): the size asked for. */
			size_t req_size;
		};
		/* PG_slab. */
		struct {
			struct list_head slab_list; /* cache partial list */
			struct kmm_cache *slab_cache;
			/*
			 * Free objects not in the owner's hands, with the
			 * owner bit and their count: see slab.c.
			 */
			_Atomic uint64_t remote;
			uint16_t objects;
			uint16_t on_partial;
		};
	};
};

enum zone_type { ZONE_NORMAL, ZONE_DMA32, NR_ZONE_TYPES };

/*
 * A zone is one reservation, aligned to ZONE_SIZE, which starts with this
 * header (one page) followed by mem_map[].  The zone table maps the
 * address bits above ZONE_SHIFT to it.
 */
#define ZONE_SHIFT 30
#define ZONE_SIZE (1UL << ZONE_SHIFT)
#define ZONE_TABLE_BITS (47 - ZONE_SHIFT)
#define KMM_MAX_ZONES 512

struct kmm_zone {
	pthread_mutex_t lock;
	struct list_head free_area[NR_PAGE_ORDERS];
	unsigned long nr_free[NR_PAGE_ORDERS];
	unsigned long free_pages;   /* on free_area[] or not yet added */
	unsigned long dirty_pages;  /* free and not released */
	unsigned long released_pages;
	unsigned long fresh_pfn;    /* max-order blocks from here: unused */
	unsigned long nr_pages;	    /* pages spanned */
	unsigned long first_pfn;    /* first page after mem_map */
	unsigned long min_pages;    /* atomic reserve (min watermark) */
	enum zone_type type;
	int index;
};

#define ZONE_HDR_SIZE PAGE_SIZE

static inline struct kmm_page *zone_mem_map(const struct kmm_zone *z)
{
	return (struct kmm_page *)((char *)z + ZONE_HDR_SIZE);
}

static inline uintptr_t zone_base(const struct kmm_zone *z)
{
	return (uintptr_t)z;
}

/* ------------------------------------------------------ per-thread state */

#define KMM_MAX_CACHES 256
#define PCP_ORDERS 4		/* per-thread page lists: orders 0..3 */

/* A thread's free objects of one cache: see slab.c. */
struct kmm_cpu_slab {
	void *freelist;
	unsigned int count;	/* on freelist; UINT_MAX in kmm_boot_thread */
	unsigned int unused;
};

struct kmm_pcp {
	struct kmm_page *head;	/* singly linked through lru.next */
	unsigned int count;
};

/* kmalloc page runs cut from blocks of one order: see page_runs.c. */
struct kmm_run_list {
	struct kmm_page *head;	/* singly linked through lru.next */
	unsigned int pages;
};

struct kmm_thread {
	struct kmm_cpu_slab slab[KMM_MAX_CACHES];
	struct kmm_pcp pcp[PCP_ORDERS];
	struct kmm_run_list runs[NR_PAGE_ORDERS];
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

/* ------------------------------------------------------------- options */

struct kmm_options {
	size_t memory_limit;	   /* KMM_MEMORY_LIMIT, 0 = none */
	size_t vmalloc_threshold;  /* KMM_VMALLOC_THRESHOLD */
	size_t dirty_max;	   /* KMM_RETAIN: free pages kept mapped */
	int stats;		   /* KMM_STATS */
	const char *stats_file;	   /* KMM_STATS_FILE */
	unsigned int debug;	   /* KMM_DEBUG flags */
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
extern _Atomic(struct kmm_zone *) kmm_zone_table[1UL << ZONE_TABLE_BITS];

void kmm_init_slow(void);
static __always_inline void kmm_init(void)
{
	if (unlikely(atomic_load_explicit(&kmm.init_state,
					  memory_order_acquire) != 2))
		kmm_init_slow();
}

/* -------------------------------------------------------------- zone.c */

struct kmm_zone *kmm_zone_grow(enum zone_type type);
/* Puts a never-used block on the free lists (zone lock held or zone new). */
void kmm_zone_add_fresh(struct kmm_zone *z, unsigned long pfn,
			unsigned int order);

/*
 * virt_to_page without locks: the zone table gives the zone, the offset
 * the page.  NULL for an address in no zone, which is never touched.
 */
static __always_inline struct kmm_zone *kmm_addr_zone(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	if (unlikely(a >> (ZONE_SHIFT + ZONE_TABLE_BITS)))
		return NULL;
	return atomic_load_explicit(&kmm_zone_table[a >> ZONE_SHIFT],
				    memory_order_acquire);
}

static __always_inline struct kmm_page *__virt_to_page(const void *addr)
{
	struct kmm_zone *z = kmm_addr_zone(addr);
	uintptr_t pfn;

	if (unlikely(!z))
		return NULL;
	pfn = ((uintptr_t)addr - zone_base(z)) >> PAGE_SHIFT;
	if (unlikely(pfn >= z->nr_pages))
		return NULL;
	return zone_mem_map(z) + pfn;
}

static inline struct kmm_zone *page_zone(const struct kmm_page *page)
{
	return (struct kmm_zone *)ALIGN_DOWN((uintptr_t)page, ZONE_SIZE);
}

static inline unsigned long page_to_pfn(const struct kmm_page *page)
{
	return (unsigned long)(page - zone_mem_map(page_zone(page)));
}

static inline void *__page_address(const struct kmm_page *page)
{
	return (void *)(zone_base(page_zone(page)) +
			(page_to_pfn(page) << PAGE_SHIFT));
}

static inline struct kmm_page *compound_head(struct kmm_page *page)
{
	if (page->flags & PG_tail)
		return page->compound_head;
	return page;
}

/* --------------------------------------------------------- page_alloc.c */

struct kmm_page *__kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order);
void __kmm_free_pages(struct kmm_page *page, unsigned int order);
/* A run of nr pages (not a power of two): the tail of the block is freed. */
struct kmm_page *kmm_alloc_run(kmm_gfp_t gfp, size_t nr, unsigned int align_order);
void kmm_free_run(struct kmm_page *page, size_t nr);
/*
 * Takes the free pages after a run so it grows from nr to want pages; on
 * failure *in_way is the allocated block in the way, if any.
 */
bool kmm_grow_run(struct kmm_page *page, size_t nr, size_t want,
		  struct kmm_page **in_way);
void kmm_pcp_drain(struct kmm_thread *t);
void kmm_page_alloc_fork_prepare(void);
void kmm_page_alloc_fork_parent(void);
void kmm_page_alloc_fork_child(bool single);
/* Registers the page lists' and the free pages' reclaimers. */
void kmm_page_alloc_init(void);
int kmm_buddy_check(void);	/* 0, or -1 after reporting a broken invariant */
void kmm_buddy_counts(enum zone_type type, unsigned long nr[NR_PAGE_ORDERS]);
struct kmm_page_stats {
	size_t zones, spanned_pages, free_pages, released_pages, reserved_pages;
};
void kmm_page_stats(struct kmm_page_stats *st);
void kmm_prep_compound(struct kmm_page *page, unsigned int order);
void kmm_clear_compound(struct kmm_page *page, unsigned int order);

static inline unsigned int order_for_size(size_t size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return (unsigned int)(64 - __builtin_clzl((size - 1) >> PAGE_SHIFT));
}

/* ---------------------------------------------------------- page_runs.c */

/* kmalloc's page runs, through the thread's run cache. */
struct kmm_page *kmm_runs_alloc(kmm_gfp_t gfp, size_t nr,
				unsigned int align_order);
void kmm_runs_free(struct kmm_page *page, size_t nr);
bool kmm_runs_grow(struct kmm_page *page, size_t nr, size_t want);
void kmm_runs_drain(struct kmm_thread *t);
void kmm_runs_init(void);
void kmm_runs_fork_prepare(void);
void kmm_runs_fork_parent(void);
void kmm_runs_fork_child(void);

/* -------------------------------------------------------------- slab.c */

struct kmm_cache {
	/* Read on every allocation and free. */
	unsigned int index;	/* in kmm.caches[] and kmm_thread.slab[] */
	unsigned int size;	/* object stride */
	unsigned int offset;	/* free pointer offset in an object */
	unsigned int object_size; /* what the user asked for */
	unsigned int order;	/* slab order */
	unsigned int objects;	/* per slab */
	unsigned int align;
	uint64_t reciprocal;	/* ceil(2^44 / size): exact for slabs up to 1 MiB */
	uintptr_t slab_mask;	/* (PAGE_SIZE << order) - 1 */
	unsigned int cpu_limit;	/* objects a thread keeps on its list */
	kmm_slab_flags_t flags;
	void (*ctor)(void *);

	/* Partial and empty unowned slabs: under lock. */
	pthread_mutex_t lock;
	struct list_head partial;
	unsigned long nr_partial;
	unsigned long nr_empty;
	unsigned long min_partial;

	_Atomic long nr_slabs;
	char name[48];
};

struct kmm_cache *kmm_cache_create_internal(const char *name,
					    unsigned int size,
					    unsigned int align,
					    kmm_slab_flags_t flags,
					    void (*ctor)(void *),
					    unsigned int redzone);
void *__kmm_slab_alloc(struct kmm_cache *s, kmm_gfp_t gfp,
		       struct kmm_cpu_slab *c);
void *__kmm_slab_alloc_nothread(struct kmm_cache *s, kmm_gfp_t gfp);
void *__kmm_slab_alloc_slow(struct kmm_cache *s, kmm_gfp_t gfp);
void __kmm_slab_free(struct kmm_cache *s, struct kmm_page *page, void *obj,
		     const char *fn);
void kmm_slab_flush_thread(struct kmm_thread *t);
/* The same for a thread that fork stopped anywhere, in the child. */
void kmm_slab_flush_stopped(struct kmm_thread *t);
/* Registers the reclaimer of empty slabs and free objects on lists. */
void kmm_slab_init(void);
void kmm_slab_fork_prepare(void);
void kmm_slab_fork_parent(void);
void kmm_slab_fork_child(bool single);
struct kmm_slab_stats {
	unsigned long active_objs, num_objs, num_slabs;
};
void kmm_slab_stats(struct kmm_cache *s, struct kmm_slab_stats *st);
void kmm_slab_double_free(const struct kmm_cache *s, const void *obj,
			  const char *fn) __attribute__((noreturn, cold));

/*
 * Free lists run through the free objects: at s->offset a free object
 * holds its free pointer, and in the next word its mark, the xor of a
 * secret chosen at start-up, its address and its free pointer.  The mark
 * has two jobs.  A free that finds it is a double free, as glibc's
 * tcache key: a live object holds it only if the program wrote that
 * exact value there.  And a pop checks it before it trusts the pointer,
 * so a free pointer that a program overwrote (an overflow from a live
 * neighbour, a write after free) is reported, never followed: only what
 * kmm put on a list comes off it, each object once, since a pop clears
 * the mark and a list that loops back to an object handed out finds it
 * gone.  Two xors and a compare per pop, and no page lookup: a link
 * kmm did not write passes only with the secret.
 * Each list knows its length too (c->count, the slab's remote count):
 * a list that ends early is corrupt as well.
 */
extern uintptr_t kmm_free_cookie __attribute__((visibility("hidden")));

/* c's list holds object, whose mark does not match fp: abort. */
void kmm_freelist_corrupted(const struct kmm_cpu_slab *c, const void *object,
			    uintptr_t fp) __attribute__((noreturn, cold));

static __always_inline uintptr_t free_mark(const void *object, uintptr_t fp)
{
	return kmm_free_cookie ^ (uintptr_t)object ^ fp;
}

static __always_inline uintptr_t *free_words(unsigned int offset,
					     void *object)
{
	return (uintptr_t *)((char *)object + offset);
}

/* object's free pointer, after its mark is checked; object is on c. */
static __always_inline void *__get_freepointer(const struct kmm_cpu_slab *c,
					       unsigned int offset,
					       void *object)
{
	uintptr_t *w = free_words(offset, object);
	uintptr_t fp = w[0];

	if (unlikely(w[1] != free_mark(object, fp)))
		kmm_freelist_corrupted(c, object, fp);
	return (void *)fp;
}

/* Links object to fp and marks it free. */
static __always_inline void set_freepointer(const struct kmm_cache *s,
					    void *object, void *fp)
{
	uintptr_t *w = free_words(s->offset, object);

	w[0] = (uintptr_t)fp;
	w[1] = free_mark(object, (uintptr_t)fp);
}

/*
 * A free of an object that is free already: its mark says so, or it is
 * the head of the thread's list c, whose mark a write after free may
 * have cleared (glibc's fastbin check, "double free or corruption
 * (fasttop)").  c is NULL when the object goes straight to its slab.
 */
static __always_inline void check_double_free(const struct kmm_cache *s,
					      const struct kmm_cpu_slab *c,
					      void *object, const char *fn)
{
	uintptr_t *w = free_words(s->offset, object);

	if (unlikely(w[1] == free_mark(object, w[0]) ||
		     (c && object == c->freelist)))
		kmm_slab_double_free(s, object, fn);
}

/*
 * The thread's list c of a cache: pop and push, no lock, no atomic.  The
 * pop needs only the free pointer offset (0 in kmalloc caches), so
 * kmalloc_fast() loads nothing of the cache.
 */
static __always_inline void *cpu_slab_pop(struct kmm_cpu_slab *c,
					  unsigned int offset, void *object)
{
	c->freelist = __get_freepointer(c, offset, object);
	c->count--;
	free_words(offset, object)[1] = 0;
	return object;
}

static __always_inline void cpu_slab_push(const struct kmm_cache *s,
					  struct kmm_cpu_slab *c, void *object,
					  const char *fn)
{
	uintptr_t *w = free_words(s->offset, object);
	uintptr_t key = kmm_free_cookie ^ (uintptr_t)object;
	void *head = c->freelist;

	/* check_double_free(), with the secret loaded once. */
	if (unlikely(w[1] == (key ^ w[0]) || object == head))
		kmm_slab_double_free(s, object, fn);
	w[1] = key ^ (uintptr_t)head;
	c->freelist = object;
	w[0] = (uintptr_t)head;
	c->count++;
}

/*
 * The fast paths: allocation pops the thread's list of the cache, a free
 * pushes onto it while it has room.
 */
static __always_inline void *kmm_slab_alloc(struct kmm_cache *s,
					    kmm_gfp_t gfp)
{
	struct kmm_cpu_slab *c = &kmm_current->slab[s->index];
	void *object = c->freelist;

	if (unlikely(!object))
		return __kmm_slab_alloc_slow(s, gfp);
	return cpu_slab_pop(c, s->offset, object);
}

static __always_inline void kmm_slab_free(struct kmm_cache *s,
					  struct kmm_page *page, void *object,
					  const char *fn)
{
	struct kmm_cpu_slab *c = &kmm_current->slab[s->index];

	if (likely(c->count < s->cpu_limit)) {
		cpu_slab_push(s, c, object, fn);
		return;
	}
	__kmm_slab_free(s, page, object, fn);
}

/*
 * Is p the start of an object of the slab at page?  Multiplication by a
 * reciprocal, not division: this runs on every free.
 */
static __always_inline bool slab_object_ok(const struct kmm_cache *s,
					   const struct kmm_page *page,
					   const void *p)
{
	/* Slabs are naturally aligned buddy blocks. */
	uint64_t off = (uintptr_t)p & s->slab_mask;
	uint64_t idx = (off * s->reciprocal) >> 44;

	(void)page;
	return idx * s->size == off && idx < s->objects;
}

/* ----------------------------------------------------------- kmalloc.c */

#define KMALLOC_MAX_CACHE_SIZE (32UL << 10)
#define KMALLOC_NR_CACHES 40

extern struct kmm_cache *kmalloc_caches[KMALLOC_NR_CACHES];
extern uint8_t kmalloc_size_index[KMALLOC_MAX_CACHE_SIZE / 16 + 1];
extern const unsigned int kmalloc_sizes[KMALLOC_NR_CACHES];

void kmm_kmalloc_init(void);
void *__kmm_kmalloc(size_t size, kmm_gfp_t gfp, size_t align);
void __kmm_kfree(void *p, const char *fn);
size_t __kmm_ksize(const void *p);
void *__kmm_krealloc(void *p, size_t size, kmm_gfp_t gfp, const char *fn);
/*
 * The entry points' ways into the routing above once their fast paths
 * failed (or they have none): with kmm.layout.on through the layout
 * policy and the tracking hooks (kmm_*_layout), natively straight on.
 */
void *kmm_kmalloc_layout(size_t size, kmm_gfp_t gfp, size_t align);
void kmm_kfree_layout(void *p, const char *fn);
void *kmm_krealloc_layout(void *p, size_t size, kmm_gfp_t gfp,
			  const char *fn);
size_t kmm_usable_size_layout(const void *p);
size_t kmm_ksize_layout(const void *p);

static __always_inline void *kmm_kmalloc_slow(size_t size, kmm_gfp_t gfp,
					      size_t align)
{
	if (unlikely(kmm.layout.on))
		return kmm_kmalloc_layout(size, gfp, align);
	return __kmm_kmalloc(size, gfp, align);
}

/* kfree_fast's way out: the layout, other owners, other routes, errors. */
static __always_inline void __kmm_kfree_slow(void *p, const char *fn)
{
	if (unlikely(kmm.layout.on))
		kmm_kfree_layout(p, fn);
	else
		__kmm_kfree(p, fn);
}

static __always_inline void *kmm_krealloc_slow(void *p, size_t size,
					       kmm_gfp_t gfp, const char *fn)
{
	if (unlikely(kmm.layout.on))
		return kmm_krealloc_layout(p, size, gfp, fn);
	return __kmm_krealloc(p, size, gfp, fn);
}

/* malloc_usable_size(): the class size, or with red zones the size asked. */
static __always_inline size_t kmm_usable_size(const void *p)
{
	if (unlikely(kmm.layout.on))
		return kmm_usable_size_layout(p);
	return __kmm_ksize(p);
}

/* ksize(): the class size; with red zones the block grows to it. */
static __always_inline size_t kmm_ksize_grow(const void *p)
{
	if (unlikely(kmm.layout.on))
		return kmm_ksize_layout(p);
	return __kmm_ksize(p);
}
size_t kmm_vmalloc_threshold(void);

static __always_inline unsigned int kmalloc_index(size_t size)
{
	return kmalloc_size_index[(size + 15) >> 4];
}

/*
 * The malloc fast path: kmalloc caches are the first KMALLOC_NR_CACHES
 * in kmm.caches[], so the class index is the cpu slab index, and their
 * free pointer is at offset 0.  NULL sends the caller to the slow path.
 */
static __always_inline void *kmalloc_fast(size_t size)
{
	struct kmm_cpu_slab *c = &kmm_current->slab[kmalloc_index(size)];
	void *object = c->freelist;

	if (unlikely(!object))
		return NULL;
	return cpu_slab_pop(c, 0, object);
}

/*
 * The free fast path shared by kfree() and free(): a slab object goes to
 * the slab layer after the cheap checks that stay on in release builds;
 * everything else to __kmm_kfree.
 */
static __always_inline void kfree_fast(void *p, const char *fn)
{
	struct kmm_page *page = __virt_to_page(p);

	if (likely(page)) {
		page = compound_head(page);
		if (likely(page->flags & PG_slab)) {
			struct kmm_cache *s = page->slab_cache;
			struct kmm_cpu_slab *c = &kmm_current->slab[s->index];

			if (likely(c->count < s->cpu_limit &&
				   slab_object_ok(s, page, p))) {
				cpu_slab_push(s, c, p, fn);
				return;
			}
		}
	}
	__kmm_kfree_slow(p, fn);
}

/* ----------------------------------------------------------- vmalloc.c */

void *__kmm_vmalloc(size_t size, size_t align, kmm_gfp_t gfp, bool huge,
		    const void *caller);
/* Size of the area starting at p, or 0 if p starts none. */
size_t kmm_vmalloc_size(const void *p);
/* The size a layer above asked for, when it records one; 0 if none. */
void kmm_vmalloc_set_asked(const void *p, size_t n);
size_t kmm_vmalloc_asked(const void *p);
bool __kmm_vfree(const void *p);
void *__kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp);
/* Registers the reclaimer of the areas vfree() keeps for reuse. */
void kmm_vmalloc_init(void);
void kmm_vmalloc_fork_prepare(void);
void kmm_vmalloc_fork_parent(void);
void kmm_vmalloc_fork_child(bool single);
struct kmm_vmalloc_stats {
	size_t nr_areas, bytes;
};
void kmm_vmalloc_stats(struct kmm_vmalloc_stats *st);
int kmm_vmallocinfo(int fd);

/* ------------------------------------------------------------ malloc.c */

/* For new.c: NULL on failure, errno untouched. */
void *kmm_new(size_t size, size_t align);
void kmm_delete(void *p);

/* ------------------------------------------------------------- stats.c */

void kmm_stats_at_exit(void);

/* ------------------------------------------------------------- debug.c */

void kmm_parse_options(void);

/* ----------------------------------------------------------- lockdep.c */

/*
 * The lock order of the top comment, checked in --enable-debug builds
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

#endif /* KMM_INTERNAL_H */

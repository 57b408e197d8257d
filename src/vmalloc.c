/*
 * vmalloc.c - huge requests, each a mapping of its own.
 *
 * An area is size bytes rounded up to pages, followed by a guard page so
 * a run past its end faults.  The guard costs no mapping where it can:
 * the area's mapping takes one more page, made a guard region with
 * madvise(MADV_GUARD_INSTALL) (Linux 6.13), a marker in the page table
 * that splits no mapping, so areas side by side merge as glibc's mmap'd
 * chunks do, and a program may hold as many as it can address.  On older
 * kernels the guard is a PROT_NONE page, a mapping of its own that keeps
 * the area from merging too: two mappings per area, and the system's
 * limit (vm.max_map_count, 65530 by default) would stop a program at
 * about 32,000 areas.  Such guards are made while they number at most an
 * eighth of that limit (read once, at start-up); past it, areas get no
 * guard page.  The registry (vmap_area)
 * is an open-addressing hash table keyed by the area's start, so free()
 * can tell a vmalloc pointer from a foreign one without reading it, and
 * vmallocinfo can list the areas.  The table lives in its own mapping and
 * doubles when half full; deletion shifts entries back (no tombstones).
 * After the table, in the same mapping, the index keeps the areas' starts
 * sorted (cap / 2 of them: the table's bound), so is_vmalloc_addr() finds
 * the area around any address by binary search, as the kernel's
 * find_vmap_area() walks its tree.
 *
 * Freed areas are kept for reuse, as the kernel purges freed vmap areas
 * lazily (lazy_max_pages): a program that allocates and frees a 16 MiB
 * buffer in a loop would otherwise pay mmap, munmap and a page fault per
 * touched page at every turn.  vfree() moves the area, still mapped with
 * its guard page and its pages as they are, to vmap_cache[]; it is no
 * longer registered, so vmallocinfo, is_vmalloc_addr() and free() do not
 * see it.  It stays charged to KMM_MEMORY_LIMIT (a reuse of the same
 * size then costs no atomic operation); the cache registers the first
 * reclaimer asked (mm_account.c), so a charge that would fail unmaps the
 * kept areas before anything else.  An allocation takes a cached area of
 * the same size, or the smallest larger one cut down (what is left past a
 * new guard page stays cached, resident, if 1 MiB or more), or the
 * largest smaller one of at least half the size, grown by mremap (its
 * resident pages move along, only the growth is new); __GFP_ZERO
 * (vzalloc, calloc) gives its pages back with madvise(MADV_DONTNEED)
 * first, so they read as zero as a new mapping's do.  A program that
 * replaces large blocks of varied sizes thus faults in only what its use
 * grows by.  The cache holds at most VMAP_CACHE_SLOTS areas and 4 x
 * KMM_RETAIN bytes (32 MiB at most and by default, the size up to which
 * glibc's malloc raises its mmap threshold; KMM_RETAIN=0 turns it off) or
 * half of the most bytes in use over the decay time, whichever is more;
 * the oldest areas are unmapped first, and so are areas kept unused
 * longer than KMM_DECAY_MS (vmap_decay).  KMM_DECAY_MS=0 keeps the bounds
 * of before the decay: 8 areas, 4 x KMM_RETAIN, excess unmapped, no
 * growing.  malloc_trim() and a failing mmap unmap them all.  Not with a
 * quarantine (kmm.layout): an area vfree()d is unmapped at once, so a
 * use after free faults.
 *
 * Under an address-space limit (RLIMIT_AS) a mapping that fails (mmap of
 * an area, mremap of one growing) frees what kmm holds mapped and free
 * (kmm_mem_reclaim_space: kept areas, empty zones) and is tried again.
 *
 * Locking: kmm.vmap_lock guards the table, the index and the cache
 * (vmap_cache_nr is atomic only for the racy peeks that spare an empty
 * cache the lock).  Mapping and unmapping happen outside it.
 */
#include "internal.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "printk.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <string.h>

#define HUGE_SIZE (2UL << 20)

struct vmap_area {
	uintptr_t start;	/* 0: empty slot */
	size_t size;		/* bytes usable, page multiple */
	const void *caller;
	size_t map_size;	/* whole mapping, guard page included */
	uintptr_t map_start;
	bool huge;		/* made with MADV_HUGEPAGE */
	uint8_t guard;		/* enum vmap_guard */
	size_t asked;		/* kmm_vmalloc_set_asked(), or 0 */
	uint64_t seen;		/* cached: first decay period that saw it */
};

/* ------------------------------------------------------- guard pages */

enum vmap_guard {
	VMAP_GUARD_MARKER,	/* guard region in the mapping: no split */
	VMAP_GUARD_VMA,		/* PROT_NONE page: a mapping of its own */
	VMAP_GUARD_NONE,	/* none: map_size ends with the area */
};

/* Does the kernel know MADV_GUARD_INSTALL?  Cleared at its first no. */
static _Atomic bool guard_markers = true;
/* PROT_NONE guard pages mapped, and how many may be. */
static _Atomic size_t guard_vmas;
static size_t guard_budget;

/*
 * Makes the page at addr, the last of an area's mapping, its guard.
 * VMAP_GUARD_NONE: the caller unmaps the page.
 */
static uint8_t vmap_guard(void *addr)
{
	int err;

	if (atomic_load_explicit(&guard_markers, memory_order_relaxed)) {
		err = kmm_os_guard(addr, PAGE_SIZE);
		if (!err)
			return VMAP_GUARD_MARKER;
		if (err == EINVAL)
			atomic_store_explicit(&guard_markers, false,
					      memory_order_relaxed);
	}
	if (atomic_fetch_add_explicit(&guard_vmas, 1, memory_order_relaxed) <
	    guard_budget) {
		kmm_os_protect_none(addr, PAGE_SIZE);
		return VMAP_GUARD_VMA;
	}
	atomic_fetch_sub_explicit(&guard_vmas, 1, memory_order_relaxed);
	return VMAP_GUARD_NONE;
}

/* The guard of the area went with its mapping: count it gone. */
static void vmap_guard_gone(uint8_t guard)
{
	if (guard == VMAP_GUARD_VMA)
		atomic_fetch_sub_explicit(&guard_vmas, 1, memory_order_relaxed);
}

/*
 * Gives the area a guard page at start + size, in the page of its
 * mapping there: unmapped if no guard can be had.  Sets guard and
 * map_size (map_start == start).
 */
static void vmap_set_guard(struct vmap_area *va)
{
	va->guard = vmap_guard((void *)(va->start + va->size));
	va->map_size = va->size + PAGE_SIZE;
	if (va->guard == VMAP_GUARD_NONE) {
		kmm_os_unmap((void *)(va->start + va->size), PAGE_SIZE);
		va->map_size = va->size;
	}
}

/* For tests: use guard markers or not, and the budget of guard mappings. */
void kmm_vmalloc_set_guards(bool markers, size_t budget)
{
	atomic_store_explicit(&guard_markers, markers, memory_order_relaxed);
	guard_budget = budget;
}

/* The guard mappings there are now. */
size_t kmm_vmalloc_guard_vmas(void)
{
	return atomic_load_explicit(&guard_vmas, memory_order_relaxed);
}

static struct vmap_area *vmap_table;
static size_t vmap_cap;		/* power of two */
static size_t vmap_count;
static size_t vmap_bytes;
/* While the table is replaced: the old one, still mapped. */
static struct vmap_area *vmap_prev;
static size_t vmap_prev_cap;

/* The slot of start in a table of cap slots (a power of two). */
static inline size_t vmap_hash(uintptr_t start, size_t cap)
{
	return (size_t)(((start >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull) >>
			(64 - __builtin_ctzl(cap)));
}

/* A table of cap slots and its index of cap / 2 starts: one mapping. */
static inline size_t vmap_map_bytes(size_t cap)
{
	return cap * sizeof(struct vmap_area) + cap / 2 * sizeof(uintptr_t);
}

/* The sorted starts of the vmap_count registered areas. */
static inline uintptr_t *vmap_index(void)
{
	return (uintptr_t *)(vmap_table + vmap_cap);
}

/* How many of the first n entries of the index are <= a. */
static size_t vmap_index_rank(uintptr_t a, size_t n)
{
	const uintptr_t *idx = vmap_index();
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (idx[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds start to the index of n entries (room checked by the caller). */
static void vmap_index_insert(uintptr_t start, size_t n)
{
	uintptr_t *idx = vmap_index();
	size_t i = vmap_index_rank(start, n);

	memmove(&idx[i + 1], &idx[i], (n - i) * sizeof(*idx));
	idx[i] = start;
}

/* Removes start from the index of n entries. */
static void vmap_index_remove(uintptr_t start, size_t n)
{
	uintptr_t *idx = vmap_index();
	size_t i = vmap_index_rank(start, n);

	KMM_BUG_ON(!i || idx[i - 1] != start);
	memmove(&idx[i - 1], &idx[i], (n - i) * sizeof(*idx));
}

static struct vmap_area *__vmap_find(uintptr_t start)
{
	size_t i;

	if (!vmap_table)
		return NULL;
	for (i = vmap_hash(start, vmap_cap);; i = (i + 1) & (vmap_cap - 1)) {
		if (vmap_table[i].start == start)
			return &vmap_table[i];
		if (!vmap_table[i].start)
			return NULL;
	}
}

/*
 * Stores an entry in an empty slot, its start last (compiler barrier): a
 * signal handler in this thread may fork, and the child trusts a slot
 * whose start is set (vmap_rebuild).
 */
static void vmap_store(struct vmap_area *slot, const struct vmap_area *va)
{
	struct vmap_area tmp = *va;

	tmp.start = 0;
	*slot = tmp;
	atomic_signal_fence(memory_order_seq_cst);
	slot->start = va->start;
}

static void __vmap_put(struct vmap_area *tab, size_t cap,
		       const struct vmap_area *va)
{
	size_t i;

	KMM_BUG_ON(!va->start || (va->start & (PAGE_SIZE - 1)) ||
		   (va->size & (PAGE_SIZE - 1)));
	/* An area is registered once. */
	KMM_BUG_ON(tab == vmap_table && __vmap_find(va->start));
	for (i = vmap_hash(va->start, cap); tab[i].start;
	     i = (i + 1) & (cap - 1))
		;
	vmap_store(&tab[i], va);
	/* Half full at most, so every probe ends at an empty slot. */
	KMM_BUG_ON(tab == vmap_table && (vmap_count + 1) * 2 > cap);
}

/*
 * Is the registry broken?  Its entries against vmap_count and
 * vmap_bytes, each found by its own key.  A walk of the table:
 * --enable-debug=expensive, when the table grows.
 */
static __attribute__((unused)) bool registry_broken(void)
{
	size_t i, n = 0, bytes = 0;

	for (i = 0; i < vmap_cap; i++) {
		if (!vmap_table[i].start)
			continue;
		if (__vmap_find(vmap_table[i].start) != &vmap_table[i])
			return true;
		n++;
		bytes += vmap_table[i].size;
	}
	/* The index: increasing, each start registered. */
	for (i = 0; i < vmap_count; i++)
		if ((i && vmap_index()[i - 1] >= vmap_index()[i]) ||
		    !__vmap_find(vmap_index()[i]))
			return true;
	return n != vmap_count || bytes != vmap_bytes;
}

/* Makes room for one more entry; vmap_lock held. */
static bool __vmap_reserve(void)
{
	size_t cap = vmap_cap ? vmap_cap * 2 : 256, i, old_cap;
	struct vmap_area *tab, *old;

	if (vmap_table && (vmap_count + 1) * 2 <= vmap_cap)
		return true;
	KMM_BUG_ON_EXPENSIVE(registry_broken());
	tab = kmm_os_map(NULL, vmap_map_bytes(cap), false);
	if (!tab)
		return false;
	/* Block addresses here must not make leaks look reachable. */
	kmm_track_noaccess(tab, vmap_map_bytes(cap));
	for (i = 0; i < vmap_cap; i++)
		if (vmap_table[i].start)
			__vmap_put(tab, cap, &vmap_table[i]);
	if (vmap_table)
		memcpy(tab + cap, vmap_index(), vmap_count * sizeof(uintptr_t));
	/*
	 * Table and capacity change together: a child forked from a signal
	 * handler between the two stores goes back to the old table, which
	 * is unmapped only after (see vmap_rebuild).
	 */
	old = vmap_table;
	old_cap = vmap_cap;
	vmap_prev_cap = old_cap;
	atomic_signal_fence(memory_order_seq_cst);
	vmap_prev = old;
	atomic_signal_fence(memory_order_seq_cst);
	vmap_table = tab;
	vmap_cap = cap;
	atomic_signal_fence(memory_order_seq_cst);
	vmap_prev = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	if (old)
		kmm_os_unmap(old, vmap_map_bytes(old_cap));
	return true;
}

/* Removes an entry, shifting the following cluster back. */
static void __vmap_remove(struct vmap_area *va)
{
	size_t i = (size_t)(va - vmap_table), j = i, k;

	for (;;) {
		vmap_table[i].start = 0;
		for (;;) {
			j = (j + 1) & (vmap_cap - 1);
			if (!vmap_table[j].start)
				return;
			k = vmap_hash(vmap_table[j].start, vmap_cap);
			/* Can entry j move to hole i? */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		vmap_store(&vmap_table[i], &vmap_table[j]);
		i = j;
	}
}

/* ------------------------------------------------------- area cache */

static void *vmap_resize(struct vmap_area *copy, size_t len);

#define VMAP_CACHE_SLOTS 32
/* What is left of a cached area cut down is kept if at least this big. */
#define VMAP_SPLIT_MIN (1UL << 20)

static struct vmap_area vmap_cache[VMAP_CACHE_SLOTS]; /* oldest first */
/* Written under vmap_lock; atomic for the peeks without it. */
static _Atomic size_t vmap_cache_nr;
static size_t vmap_cache_bytes;
/*
 * The most bytes registered in each of the last decay periods, and in
 * this one; vmap_peak_max is the most of vmap_peak[].
 */
static size_t vmap_peak[KMM_DECAY_SLOTS];
static size_t vmap_peak_cur, vmap_peak_max;

static inline size_t cache_nr(void)
{
	return atomic_load_explicit(&vmap_cache_nr, memory_order_relaxed);
}

static inline void cache_nr_set(size_t n)
{
	atomic_store_explicit(&vmap_cache_nr, n, memory_order_relaxed);
}

/*
 * The cache's bounds.  With KMM_DECAY_MS=0, as before the decay: 8 areas
 * and 4 x KMM_RETAIN bytes (32 MiB at most).  Otherwise 32 areas and
 * that much or half of the most bytes in use over the last decay time,
 * whichever is more: a program that replaces large blocks keeps what it
 * will take again, and the decay gives back what it does not.
 */
static inline size_t vmap_cache_slots(void)
{
	return kmm.opt.decay_ms ? VMAP_CACHE_SLOTS : 8;
}

static inline size_t vmap_cache_max(void)
{
	size_t retain = kmm.opt.dirty_max, max;

	max = retain > (8UL << 20) ? 32UL << 20 : retain * 4;
	if (!retain || !kmm.opt.decay_ms)
		return max;
	return MAX(max, MAX(vmap_peak_cur, vmap_peak_max) / 2);
}

static void vmap_cache_del(size_t i)
{
	size_t nr = cache_nr();

	KMM_BUG_ON(i >= nr || vmap_cache_bytes < vmap_cache[i].map_size);
	vmap_cache_bytes -= vmap_cache[i].map_size;
	memmove(&vmap_cache[i], &vmap_cache[i + 1],
		(nr - i - 1) * sizeof(vmap_cache[0]));
	cache_nr_set(nr - 1);
}

/* Unmaps an area taken out of the cache, and uncharges it. */
static void vmap_release(const struct vmap_area *va)
{
	kmm_os_unmap((void *)va->map_start, va->map_size);
	vmap_guard_gone(va->guard);
	kmm_mem_uncharge(va->size);
}

enum { VMAP_NOT_KEPT, VMAP_KEPT, VMAP_EVICTED };

/*
 * Keeps a freed area (out of the registry, still charged) for reuse.
 * VMAP_EVICTED: the oldest area had to make room and is in *victim; the
 * caller releases it with the lock dropped and tries again (one area at
 * a time: the stack stays small).  vmap_lock held.
 */
static int __vmap_cache_put(const struct vmap_area *va,
			    struct vmap_area *victim)
{
	size_t max = vmap_cache_max(), nr = cache_nr();

	/* KMM_DEBUG: a use after free of an unmapped area faults. */
	if (va->map_size > max || kmm.layout.quarantine ||
	    kmm.opt.debug_blocks)
		return VMAP_NOT_KEPT;
	if (nr && (nr >= vmap_cache_slots() ||
		   vmap_cache_bytes + va->map_size > max)) {
		*victim = vmap_cache[0];
		vmap_cache_del(0);
		return VMAP_EVICTED;
	}
	vmap_cache[nr] = *va;
	vmap_cache[nr].seen = 0;
	cache_nr_set(nr + 1);
	vmap_cache_bytes += va->map_size;
	return VMAP_KEPT;
}

/*
 * Keeps a freed area for reuse, or unmaps it; the oldest kept areas make
 * room.  No lock held.
 */
static void vmap_cache_keep(struct vmap_area *va)
{
	struct vmap_area victim;
	int kept;

	kmm_lock(&kmm.vmap_lock);
	while ((kept = __vmap_cache_put(va, &victim)) == VMAP_EVICTED) {
		kmm_unlock(&kmm.vmap_lock);
		vmap_release(&victim);
		kmm_lock(&kmm.vmap_lock);
	}
	kmm_unlock(&kmm.vmap_lock);
	if (kept == VMAP_NOT_KEPT)
		vmap_release(va);
}

/*
 * Takes the cached area for len bytes at the alignment asked for: one of
 * that size, else the smallest larger one, else (page alignment, no huge
 * pages, KMM_DECAY_MS not 0) the largest smaller one of at least half of
 * len, which the caller grows: its pages, resident, move along.
 * vmap_lock held.
 */
static bool __vmap_cache_take(size_t len, size_t align, bool huge,
			      struct vmap_area *out)
{
	size_t i, best = SIZE_MAX, small = SIZE_MAX;

	for (i = cache_nr(); i-- > 0;) {
		struct vmap_area *c = &vmap_cache[i];

		if (c->huge != huge || (c->start & (align - 1)))
			continue;
		if (c->size < len) {
			if (c->size >= len / 2 &&
			    (small == SIZE_MAX ||
			     c->size > vmap_cache[small].size))
				small = i;
			continue;
		}
		if (best == SIZE_MAX || c->size < vmap_cache[best].size)
			best = i;
		if (c->size == len)
			break;
	}
	if (best == SIZE_MAX && !huge && align == PAGE_SIZE &&
	    kmm.opt.decay_ms)
		best = small;
	if (best == SIZE_MAX)
		return false;
	*out = vmap_cache[best];
	vmap_cache_del(best);
	return true;
}

/*
 * Cuts a cached area down to len bytes and a new guard page.  What lies
 * past the guard, if VMAP_SPLIT_MIN or more (and KMM_DECAY_MS is not 0),
 * stays in the cache as an area of its own, its pages as they were, with
 * the old guard: no system call but the new guard.  Else it is unmapped.
 */
static void vmap_trim(struct vmap_area *va, size_t len)
{
	if (va->map_start == va->start && !va->huge && kmm.opt.decay_ms &&
	    va->size >= len + PAGE_SIZE + VMAP_SPLIT_MIN) {
		struct vmap_area rest = *va;

		rest.start = rest.map_start = va->start + len + PAGE_SIZE;
		rest.size = va->size - len - PAGE_SIZE;
		rest.map_size = va->map_size - len - PAGE_SIZE;
		rest.caller = NULL;
		/* The new guard's page leaves the charge. */
		kmm_mem_uncharge(PAGE_SIZE);
		va->size = len;
		vmap_set_guard(va);
		vmap_cache_keep(&rest);
		return;
	}
	if (va->map_start != va->start) {
		kmm_os_unmap((void *)va->map_start, va->start - va->map_start);
		va->map_size -= va->start - va->map_start;
		va->map_start = va->start;
	}
	if (va->size > len) {
		/* The excess and the old guard go; a new guard is made. */
		if (va->map_size > len + PAGE_SIZE)
			kmm_os_unmap((void *)(va->start + len + PAGE_SIZE),
				     va->map_size - len - PAGE_SIZE);
		vmap_guard_gone(va->guard);
		kmm_mem_uncharge(va->size - len);
		va->size = len;
		vmap_set_guard(va);
	}
}

/* Unmaps the cached areas, newest first, until want bytes went. */
static size_t vmap_purge(size_t want)
{
	struct vmap_area victim;
	size_t bytes = 0;

	/* A peek without the lock, as in vmap_reuse(). */
	while (cache_nr() && bytes < want) {
		size_t nr;

		kmm_lock(&kmm.vmap_lock);
		nr = cache_nr();
		if (!nr) {
			kmm_unlock(&kmm.vmap_lock);
			break;
		}
		victim = vmap_cache[nr - 1];
		vmap_cache_del(nr - 1);
		kmm_unlock(&kmm.vmap_lock);
		vmap_release(&victim);
		bytes += victim.map_size;
	}
	return bytes;
}

/* Bytes the cached areas keep charged (their guard pages are not). */
static size_t vmap_cached(void)
{
	size_t bytes;

	if (!kmm_lock_report(&kmm.vmap_lock))
		return 0;
	bytes = vmap_cache_bytes - cache_nr() * PAGE_SIZE;
	kmm_unlock_report(&kmm.vmap_lock);
	return bytes;
}

/*
 * The decay hook: unmaps the areas kept longer than the decay time,
 * oldest first, and those past the bound the recent peak of use sets
 * now, and moves the peak's window.  vfree() reads no clock (a 16 MiB
 * malloc+free pair would pay for it): an area is stamped with the first
 * period whose hook sees it kept, and goes once KMM_DECAY_SLOTS whole
 * periods have passed since, so it was kept at least the decay time.
 * Called from slow paths that may hold other kmm locks, some ranked
 * after vmap_lock: only tried, the next period does what this one could
 * not.
 */
static void vmap_decay(uint64_t period)
{
	struct vmap_area victim;
	unsigned int i;

	if (pthread_mutex_trylock(&kmm.vmap_lock) != 0)
		return;
	vmap_peak_max = vmap_peak_cur;
	for (i = KMM_DECAY_SLOTS - 1; i > 0; i--) {
		vmap_peak[i] = vmap_peak[i - 1];
		vmap_peak_max = MAX(vmap_peak_max, vmap_peak[i]);
	}
	vmap_peak[0] = vmap_peak_cur;
	vmap_peak_cur = vmap_bytes;
	for (i = 0; i < cache_nr(); i++)
		if (!vmap_cache[i].seen)
			vmap_cache[i].seen = period;
	while (cache_nr() && (vmap_cache[0].seen + KMM_DECAY_SLOTS < period ||
			      vmap_cache_bytes > vmap_cache_max())) {
		victim = vmap_cache[0];
		vmap_cache_del(0);
		pthread_mutex_unlock(&kmm.vmap_lock);
		vmap_release(&victim);
		if (pthread_mutex_trylock(&kmm.vmap_lock) != 0)
			return;
	}
	pthread_mutex_unlock(&kmm.vmap_lock);
}

/* Kept areas are the cheapest memory to lose: asked first. */
static const struct kmm_reclaimer vmap_reclaimer = {
	.name = "vmalloc areas",
	.count = vmap_cached,
	.reclaim = vmap_purge,
	.decay = vmap_decay,
	.priority = 10,
	.flags = KMM_RECLAIM_CHARGED | KMM_RECLAIM_RESIDENT |
		 KMM_RECLAIM_SPACE,
};

void kmm_vmalloc_init(void)
{
	/* PROT_NONE guards may take an eighth of the process's mappings. */
	guard_budget = kmm_os_max_map_count() / 8;
	kmm_register_reclaimer(&vmap_reclaimer);
}

/* Enters an area in the table and the index; vmap_lock held, room made. */
static void __vmap_insert(const struct vmap_area *va)
{
	__vmap_put(vmap_table, vmap_cap, va);
	vmap_index_insert(va->start, vmap_count);
	vmap_count++;
	vmap_bytes += va->size;
	vmap_peak_cur = MAX(vmap_peak_cur, vmap_bytes);
}

/* Registers an area made or reused; false (nothing changed) on failure. */
static bool vmap_register(const struct vmap_area *va)
{
	kmm_lock(&kmm.vmap_lock);
	if (!__vmap_reserve()) {
		kmm_unlock(&kmm.vmap_lock);
		return false;
	}
	__vmap_insert(va);
	kmm_unlock(&kmm.vmap_lock);
	return true;
}

/*
 * A cached area made ready for len bytes, or false.  It comes charged:
 * areas stay charged to KMM_MEMORY_LIMIT while cached (so a reuse of the
 * same size costs no atomic operation); a charge that would fail purges
 * the cache (vmap_reclaimer).
 */
static bool vmap_reuse(size_t len, size_t align, kmm_gfp_t gfp, bool huge,
		       const void *caller, struct vmap_area *va)
{
	bool hit;

	/*
	 * A racy peek, so an empty cache costs no lock: a stale zero only
	 * costs an mmap, a stale non-zero a lock.
	 */
	if (!cache_nr())
		return false;
	kmm_lock(&kmm.vmap_lock);
	hit = __vmap_cache_take(len, align, huge, va);
	va->caller = caller;
	va->asked = 0;
	/* The same size and no clearing: done under the one lock. */
	if (hit && va->size == len && va->map_start == va->start &&
	    !(gfp & KMM___GFP_ZERO) && __vmap_reserve()) {
		__vmap_insert(va);
		kmm_unlock(&kmm.vmap_lock);
		return true;
	}
	kmm_unlock(&kmm.vmap_lock);
	if (!hit)
		return false;
	if (va->size < len && !vmap_resize(va, len)) {
		vmap_cache_keep(va);
		return false;
	}
	vmap_trim(va, len);
	/* Reads as zero again, as a new mapping would. */
	if (gfp & KMM___GFP_ZERO)
		kmm_os_release((void *)va->start, len);
	if (!vmap_register(va)) {
		vmap_release(va);
		return false;
	}
	return true;
}

void *__kmm_vmalloc(size_t size, size_t align, kmm_gfp_t gfp, bool huge,
		    const void *caller)
{
	struct vmap_area va = { 0 };
	size_t len, map_len;
	uintptr_t p, a;

	if (!size || size > (size_t)PTRDIFF_MAX - (64UL << 20))
		return NULL;
	len = ALIGN_UP(size, PAGE_SIZE);
	if (huge && len >= HUGE_SIZE)
		align = MAX(align, HUGE_SIZE);
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (vmap_reuse(len, align, gfp, huge, caller, &va))
		return (void *)va.start;
	if (!kmm_mem_charge(len))
		return NULL;
	map_len = len + PAGE_SIZE + (align > PAGE_SIZE ? align : 0);
	p = (uintptr_t)kmm_os_map_area(map_len);
	if (!p && kmm_mem_reclaim_space())
		p = (uintptr_t)kmm_os_map_area(map_len);
	if (!p) {
		kmm_mem_uncharge(len);
		return NULL;
	}
	a = ALIGN_UP(p, align);
	if (a > p) {
		kmm_os_unmap((void *)p, a - p);
		map_len -= a - p;
	}
	if (map_len > len + PAGE_SIZE) {
		kmm_os_unmap((void *)(a + len + PAGE_SIZE),
			     map_len - len - PAGE_SIZE);
		map_len = len + PAGE_SIZE;
	}
	if (huge)
		kmm_os_hugepage((void *)a, len);

	va.start = a;
	va.size = len;
	va.caller = caller;
	va.map_start = a;
	va.huge = huge;
	vmap_set_guard(&va);
	if (!vmap_register(&va)) {
		vmap_release(&va);
		return NULL;
	}
	/* A new mapping: a slow path, where the decay runs. */
	kmm_mem_decay();
	return (void *)a;
}

/* Takes the area that starts at p out of the registry; vmap_lock held. */
static bool __vmap_take(const void *p, struct vmap_area *out)
{
	struct vmap_area *va = __vmap_find((uintptr_t)p);

	if (!va)
		return false;
	*out = *va;
	KMM_BUG_ON(!vmap_count || vmap_bytes < out->size);
	__vmap_remove(va);
	vmap_index_remove(out->start, vmap_count);
	vmap_count--;
	vmap_bytes -= out->size;
	KMM_BUG_ON(__vmap_find((uintptr_t)p));	/* registered once */
	return true;
}

/* A copy of the area that starts at p; false if none does. */
static bool vmap_lookup(const void *p, struct vmap_area *out)
{
	struct vmap_area *va;

	kmm_lock(&kmm.vmap_lock);
	va = __vmap_find((uintptr_t)p);
	if (va)
		*out = *va;
	kmm_unlock(&kmm.vmap_lock);
	return va != NULL;
}

size_t kmm_vmalloc_size(const void *p)
{
	struct vmap_area va;

	return vmap_lookup(p, &va) ? va.size : 0;
}

/*
 * The size a layer above asked for (kmalloc's layout with red zones
 * records it), kept with the area until it is freed.
 */
void kmm_vmalloc_set_asked(const void *p, size_t n)
{
	struct vmap_area *va;

	kmm_lock(&kmm.vmap_lock);
	va = __vmap_find((uintptr_t)p);
	if (va)
		va->asked = n;
	kmm_unlock(&kmm.vmap_lock);
}

/* The size recorded, else the area's; 0 if p starts no area. */
size_t kmm_vmalloc_asked(const void *p)
{
	struct vmap_area va;

	if (!vmap_lookup(p, &va))
		return 0;
	return va.asked ? va.asked : va.size;
}

bool __kmm_vfree(const void *p)
{
	struct vmap_area copy;
	struct vmap_area victim;
	int kept;

	if (!p || ((uintptr_t)p & (PAGE_SIZE - 1)))
		return false;
	kmm_lock(&kmm.vmap_lock);
	if (!__vmap_take(p, &copy)) {
		kmm_unlock(&kmm.vmap_lock);
		return false;
	}
	/* The common case, under the one lock. */
	kept = __vmap_cache_put(&copy, &victim);
	kmm_unlock(&kmm.vmap_lock);
	if (kept == VMAP_EVICTED) {
		vmap_release(&victim);
		vmap_cache_keep(&copy);
	} else if (kept == VMAP_NOT_KEPT) {
		vmap_release(&copy);
	}
	if (kept != VMAP_KEPT)
		kmm_mem_decay();
	return true;
}

/*
 * Resizes an area taken out of the registry to len bytes with mremap; on
 * failure it stays as it was (a guard page made again) and NULL is
 * returned.  The charge follows the size.
 */
static void *vmap_resize(struct vmap_area *copy, size_t len)
{
	size_t old_len;
	void *p = (void *)copy->start, *q, *guard;

	if (len > copy->size && !kmm_mem_charge(len - copy->size))
		return NULL;
	/* Only the area and its guard page move; drop what precedes. */
	if (copy->map_start != copy->start) {
		kmm_os_unmap((void *)copy->map_start,
			     copy->start - copy->map_start);
		copy->map_size -= copy->start - copy->map_start;
		copy->map_start = copy->start;
	}
	guard = (void *)(copy->start + copy->size);
	old_len = copy->size;
	if (copy->guard == VMAP_GUARD_MARKER) {
		/* An ordinary page of the mapping again: it moves along. */
		kmm_os_unguard(guard, PAGE_SIZE);
		old_len += PAGE_SIZE;
	} else if (copy->guard == VMAP_GUARD_VMA) {
		kmm_os_unmap(guard, PAGE_SIZE);
		vmap_guard_gone(copy->guard);
	}
	q = kmm_os_remap(p, old_len, len + PAGE_SIZE);
	if (!q && kmm_mem_reclaim_space())
		q = kmm_os_remap(p, old_len, len + PAGE_SIZE);
	if (!q) {
		if (len > copy->size)
			kmm_mem_uncharge(len - copy->size);
		/* Put a guard back and keep the old area. */
		if (copy->guard == VMAP_GUARD_MARKER ||
		    kmm_os_map_fixed(guard, PAGE_SIZE) == 0) {
			vmap_set_guard(copy);
		} else {
			copy->guard = VMAP_GUARD_NONE;
			copy->map_size = copy->size;
		}
		return NULL;
	}
	if (len < copy->size)
		kmm_mem_uncharge(copy->size - len);
	copy->start = copy->map_start = (uintptr_t)q;
	copy->size = len;
	vmap_set_guard(copy);
	return q;
}

/*
 * Resizes an area with mremap: the pages move, nothing is copied.  The
 * guard page goes first (a PROT_NONE page is a mapping of its own, and
 * mremap cannot span two; a guard region would move along) and is made
 * again at the new end.  Under an address-space limit a failed mremap is
 * tried again once kmm has given back what it holds free.
 */
void *__kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp)
{
	struct vmap_area copy;
	void *q;

	(void)gfp;
	kmm_lock(&kmm.vmap_lock);
	if (!__vmap_take(p, &copy)) {
		kmm_unlock(&kmm.vmap_lock);
		return NULL;
	}
	kmm_unlock(&kmm.vmap_lock);
	q = vmap_resize(&copy, ALIGN_UP(size, PAGE_SIZE));
	/* Cannot fail: taking the area out left its slot free. */
	vmap_register(&copy);
	return q;
}

void kmm_vmalloc_stats(struct kmm_vmalloc_stats *st)
{
	st->nr_areas = 0;
	st->bytes = 0;
	if (!kmm_lock_report(&kmm.vmap_lock))
		return;
	st->nr_areas = vmap_count;
	st->bytes = vmap_bytes;
	kmm_unlock_report(&kmm.vmap_lock);
}

/* /proc/vmallocinfo: range, size (guard page included), caller. */
int kmm_vmallocinfo(int fd)
{
	char line[200], caller[72];
	size_t i;
	int n, ret = 0;

	if (!kmm_lock_report(&kmm.vmap_lock))
		return 0;
	for (i = 0; i < vmap_cap && ret == 0; i++) {
		struct vmap_area *va = &vmap_table[i];

		if (!va->start)
			continue;
		kmm_format_caller(caller, sizeof(caller), va->caller,
				  kmm_report_nowait());
		n = kmm_snprintf(line, sizeof(line),
				 "%p-%p %8zu %s pages=%zu vmalloc\n",
				 (void *)va->start,
				 (void *)(va->start + va->size + PAGE_SIZE),
				 va->size + PAGE_SIZE, caller,
				 va->size >> PAGE_SHIFT);
		if (n >= (int)sizeof(line))
			n = (int)sizeof(line) - 1;
		ret = kmm_write_all(fd, line, (size_t)n);
	}
	kmm_unlock_report(&kmm.vmap_lock);
	return ret;
}

/* ------------------------------------------------- for the leak scan */

size_t __kmm_vmalloc_count(void)
{
	return vmap_count;
}

/* The i-th registered area in address order: its start and size. */
uintptr_t __kmm_vmalloc_nth(size_t i, size_t *size, const void **caller)
{
	struct vmap_area *va = __vmap_find(vmap_index()[i]);

	*size = va->size;
	*caller = va->caller;
	return va->start;
}

/* The index of the registered area that a lies in, or -1. */
long __kmm_vmalloc_find(uintptr_t a, uintptr_t *start, size_t *size)
{
	size_t i = vmap_table ? vmap_index_rank(a, vmap_count) : 0;
	struct vmap_area *va;

	if (!i)
		return -1;
	va = __vmap_find(vmap_index()[i - 1]);
	if (a >= va->start + va->size)
		return -1;
	*start = va->start;
	*size = va->size;
	return (long)(i - 1);
}

/* Keeps in [*lo, *hi) the lowest of the two ranges that end after a. */
static void nearest(uintptr_t a, uintptr_t start, uintptr_t end,
		    uintptr_t *lo, uintptr_t *hi)
{
	if (end > a && start < *lo) {
		*lo = start;
		*hi = end;
	}
}

/*
 * The first mapping vmalloc.c made that ends after a: a registered area
 * with its guard page, a cached area, the registry.  Returns its start
 * and sets *end; UINTPTR_MAX if there is none.  Areas that are moving
 * (vrealloc, a reuse being trimmed) are in none of them.
 */
uintptr_t __kmm_vmalloc_next_mapping(uintptr_t a, uintptr_t *end)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	size_t i, r;

	if (vmap_table) {
		nearest(a, (uintptr_t)vmap_table,
			(uintptr_t)vmap_table + vmap_map_bytes(vmap_cap), &lo,
			&hi);
		/* The area starting at or before a, then the next one. */
		r = vmap_index_rank(a, vmap_count);
		for (i = r ? r - 1 : 0; i < vmap_count && i <= r; i++) {
			struct vmap_area *va = __vmap_find(vmap_index()[i]);

			nearest(a, va->map_start, va->map_start + va->map_size,
				&lo, &hi);
		}
	}
	for (i = 0; i < cache_nr(); i++)
		nearest(a, vmap_cache[i].map_start,
			vmap_cache[i].map_start + vmap_cache[i].map_size, &lo,
			&hi);
	*end = hi;
	return lo;
}

/*
 * Calls fn for each area, under vmap_lock, with its range and size (the
 * guard page included, as vmallocinfo shows them), its caller and its
 * pages; stops at the first nonzero return, and returns it.
 */
int kmm_vmalloc_foreach(int (*fn)(void *arg, uintptr_t start, size_t size,
				  const void *caller, size_t pages),
			void *arg)
{
	size_t i;
	int ret = 0;

	if (!kmm_lock_report(&kmm.vmap_lock))
		return 0;
	for (i = 0; i < vmap_cap && ret == 0; i++) {
		struct vmap_area *va = &vmap_table[i];

		if (va->start)
			ret = fn(arg, va->start, va->size + PAGE_SIZE,
				 va->caller, va->size >> PAGE_SHIFT);
	}
	kmm_unlock_report(&kmm.vmap_lock);
	return ret;
}

void kmm_vmalloc_fork_prepare(void)
{
	kmm_lock(&kmm.vmap_lock);
}

void kmm_vmalloc_fork_parent(void)
{
	kmm_unlock(&kmm.vmap_lock);
}

/*
 * The child of a single-threaded fork found vmap_lock held: the fork came
 * from a signal handler that interrupted a change of the registry or of
 * the cache.  The registry is rehashed into a new table from the slots
 * whose start is set (each complete: vmap_store), a duplicate left by a
 * removal in progress counted once; the cache, whose entries shift, is
 * dropped (its areas stay mapped, never reused).  An area the frame was
 * registering or taking out is left as the frame left it: no pointer to
 * it was handed out.
 */
static void vmap_rebuild(void)
{
	struct vmap_area *old = vmap_table, *tab;
	size_t old_cap = vmap_cap, i;

	if (vmap_prev) {
		old = vmap_prev;
		old_cap = vmap_prev_cap;
	}
	vmap_prev = NULL;
	cache_nr_set(0);
	vmap_cache_bytes = 0;
	vmap_count = 0;
	vmap_bytes = 0;
	if (!old || !old_cap) {
		/* The first table was being set up: no area was in it. */
		vmap_table = NULL;
		vmap_cap = 0;
		return;
	}
	tab = kmm_os_map(NULL, vmap_map_bytes(old_cap), false);
	if (!tab) {
		/*
		 * Keep the old table, as it is: lookups may miss.  Its index
		 * is made again from it (a duplicate counted once).
		 */
		vmap_table = old;
		vmap_cap = old_cap;
		for (i = 0; i < old_cap; i++)
			if (old[i].start && __vmap_find(old[i].start) == &old[i]) {
				vmap_index_insert(old[i].start, vmap_count);
				vmap_count++;
				vmap_bytes += old[i].size;
			}
		return;
	}
	kmm_track_noaccess(tab, vmap_map_bytes(old_cap));
	vmap_table = tab;
	vmap_cap = old_cap;
	for (i = 0; i < old_cap; i++) {
		if (!old[i].start || __vmap_find(old[i].start))
			continue;
		__vmap_insert(&old[i]);
	}
	kmm_os_unmap(old, vmap_map_bytes(old_cap));
}

/* single: the parent had one thread and prepare took no lock (thread.c). */
void kmm_vmalloc_fork_child(bool single)
{
	if (single && pthread_mutex_trylock(&kmm.vmap_lock) != 0)
		vmap_rebuild();
	pthread_mutex_init(&kmm.vmap_lock, NULL);
}

/* ---------------------------------------------------------- public API */

/*
 * An area for the vmalloc API, described to the tool as whole pages up
 * to its guard page, as the page API's blocks are.  A fresh mapping reads
 * as zero (cached areas are cleared for __GFP_ZERO): vzalloc needs no
 * clearing.
 */
static void *vmalloc_api(size_t size, kmm_gfp_t gfp, bool huge,
			 const void *caller)
{
	void *p;

	kmm_init();
	kmm_track_enter();
	p = __kmm_vmalloc(size, 0, gfp, huge, caller);
	kmm_track_alloc(p, ALIGN_UP(size, PAGE_SIZE), gfp & KMM___GFP_ZERO);
	return p;
}

KMM_EXPORT void *kmm_vmalloc(size_t size)
{
	return vmalloc_api(size, KMM_GFP_KERNEL, false,
			   __builtin_return_address(0));
}

KMM_EXPORT void *kmm_vzalloc(size_t size)
{
	return vmalloc_api(size, KMM_GFP_KERNEL | KMM___GFP_ZERO, false,
			   __builtin_return_address(0));
}

KMM_EXPORT void *kmm_vmalloc_huge(size_t size, kmm_gfp_t gfp)
{
	return vmalloc_api(size, gfp, true, __builtin_return_address(0));
}

/* vrealloc as a new area, a copy and a vfree: see kmm_track_can_remap(). */
static void *vrealloc_copy(void *p, size_t size, kmm_gfp_t gfp)
{
	size_t old;
	void *q;

	kmm_track_enter();
	old = kmm_vmalloc_size(p);
	kmm_track_leave();
	if (!old)
		return NULL;	/* as __kmm_vrealloc: no area there */
	q = vmalloc_api(size, gfp, false, __builtin_return_address(0));
	if (!q)
		return NULL;
	/* The area's size is page-rounded; copy what is addressable. */
	memcpy(q, p, MIN(old, ALIGN_UP(size, PAGE_SIZE)));
	kmm_vfree(p);
	return q;
}

KMM_EXPORT void *kmm_vrealloc(void *p, size_t size, kmm_gfp_t gfp)
{
	if (!p)
		return vmalloc_api(size, gfp, false,
				   __builtin_return_address(0));
	if (!size) {
		kmm_vfree(p);
		return NULL;
	}
	if (!kmm_track_can_remap())
		return vrealloc_copy(p, size, gfp);
	return __kmm_vrealloc(p, size, gfp);
}

KMM_EXPORT void kmm_vfree(const void *p)
{
	bool ok;

	if (!p)
		return;
	if (!kmm_track_free(p))
		return;		/* the tool reported the free */
	ok = __kmm_vfree(p);
	kmm_track_leave();
	if (!ok)
		kmm_invalid_free(p, "vfree");
}

KMM_EXPORT int kmm_is_vmalloc_addr(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct vmap_area *va;
	size_t i;
	int found = 0;

	kmm_track_enter();
	kmm_lock(&kmm.vmap_lock);
	/* The area that starts last at or before a, if a is in it. */
	i = vmap_table ? vmap_index_rank(a, vmap_count) : 0;
	if (i) {
		va = __vmap_find(vmap_index()[i - 1]);
		found = va && a < va->start + va->size;
	}
	kmm_unlock(&kmm.vmap_lock);
	kmm_track_leave();
	return found;
}

/*
 * vmalloc areas are mappings of their own, not pages of a zone: there is
 * no struct page for them, so this returns NULL (documented).
 */
KMM_EXPORT struct kmm_page *kmm_vmalloc_to_page(const void *p)
{
	(void)p;
	return NULL;
}

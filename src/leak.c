/*
 * leak.c - leak reports, after the kernel's kmemleak.
 *
 * A scan (kmm_leak_scan(), and at exit with KMM_LEAKS=1) finds the
 * objects kmm handed out that nothing points to any more.  Objects are
 * the blocks of the heap: slab objects in use (kmalloc and kmem_cache),
 * kmalloc page runs (PG_large) and registered vmalloc areas.  Pages of
 * the page API and of alloc_pages_exact are neither reported nor scanned,
 * as kmemleak leaves the page allocator alone.
 *
 * Colouring, as kmemleak's: every object starts white; a value found in
 * a root that points anywhere inside an object (interior pointers count)
 * makes it gray and puts it on the gray stack; a gray object's words are
 * scanned in turn (it is then black).  What is white when the stack is
 * empty is unreferenced: it is reported, grouped by allocation site when
 * one is known, else by cache (slab objects) or by kind and size (runs
 * and areas), with counts and bytes, the largest group first.  A second
 * phase marks what white objects reach (spread()): those are reported
 * last, as indirect, as LeakSanitizer does.
 *
 * Roots: every readable, writable, private mapping of /proc/self/maps
 * (the data and bss of every loaded object, the heap of brk, every
 * thread's stack, static TLS blocks and the program's own mappings) but
 * kmm's: the zones and vmalloc's mappings (areas, areas kept for reuse,
 * the registry), which hold the heap and kmm's own lists, not roots, and
 * the page class map (mm_types.h), bytes only.
 * Anonymous shared mappings count too.  The calling thread's stack is
 * scanned from its stack pointer up, after the entry point has spilled
 * the callee-saved registers into its frame (__builtin_unwind_init);
 * other threads' stacks are scanned whole, their registers are not seen.
 * Roots are read through the kernel (kmm_os_peek: process_vm_readv on
 * this process), so a page that cannot be read (a guard page, a guard
 * region, a file mapping past its end) is skipped, never faulted on.
 * Pages that are neither in memory nor in swap (/proc/self/pagemap) are
 * skipped unread: never touched, they hold no pointer, and the unused
 * megabytes of every thread's stack cost nothing.
 *
 * In use or free: a free slab object carries its free mark (slab.h),
 * which an object handed out has cleared, so the scan reads the state of
 * every object from the object itself, without the threads' lists.  With
 * KMM_HARDEN=0 there is no mark: the lists are walked (find_free).  The
 * quarantine (track.c) is emptied first.
 *
 * Bookkeeping comes from the page allocator, before any lock is taken:
 * per zone, four bits (struct bits) per 16 bytes of the pages in use
 * and, per page, the distance back to the head of the kmalloc run it
 * belongs to (runs are not compound pages); four bits per vmalloc area;
 * the gray stack (on overflow, the scan goes over the marked objects
 * again until nothing new is marked); the table of groups.  None of it
 * lies in a root: it is zone memory.
 *
 * Locking: from the walk of the heap to the end of the sweep the scan
 * holds kmm.vmap_lock (registered areas stay registered and mapped) and
 * kmm.zone_lock (no part of a zone is unmapped: zone shrinking takes it);
 * it allocates nothing meanwhile and writes the report after dropping
 * them.  Other threads run on.  An object another thread allocates or
 * frees during the scan may be missed or, held only in that thread's
 * registers at that instant, reported.  Objects made after the walk are
 * neither scanned nor reported.
 *
 * Stack: no recursion, small frames (test/stack bounds the chain from
 * kmm_leak_scan like any entry point's).
 */
#include "internal.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "printk.h"
#include "slab.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <string.h>

/* One mark bit per 16 bytes: slab objects are at least 16 bytes apart. */
#define GRAIN_SHIFT 4
#define PAGE_MARK_WORDS (PAGE_SIZE >> GRAIN_SHIFT >> 6)
/* Zone pages per piece of bookkeeping: a zone has four at most. */
#define CHUNK_SHIFT 16
#define CHUNK_PAGES (1UL << CHUNK_SHIFT)
#define ZONE_PAGES (ZONE_SIZE >> PAGE_SHIFT)
#define ZONE_CHUNKS (ZONE_PAGES / CHUNK_PAGES)
/* Per chunk page: its bits of each 64 grains, its run head distance. */
#define CHUNK_BYTES_PER_PAGE \
	(PAGE_MARK_WORDS * sizeof(struct bits) + sizeof(uint16_t))

#define STACK_BYTES (256UL << 10)
#define GROUP_SLOTS 1024	/* a power of two */
#define SAMPLES 3		/* objects shown per group */
#define DUMP_BYTES 32		/* first bytes shown per object */
#define PEEK_BYTES (16 * PAGE_SIZE)
#define MAPS_BYTES (2 * PAGE_SIZE)

enum leak_kind { KIND_SLAB, KIND_RUN, KIND_AREA };

/* Colours of 64 objects (one bit each; a bit per 16 bytes in zones). */
struct bits {
	uint64_t mark;		/* reached from a root */
	uint64_t seen;		/* in use at the walk: may be reported */
	uint64_t ind;		/* reached from an unreferenced object */
	uint64_t free;		/* on a free list (KMM_HARDEN=0 only) */
};

struct leak_chunk {
	struct bits *bits;	/* PAGE_MARK_WORDS per page */
	uint16_t *heads;	/* 0, or pages back to the run head + 1 */
	size_t bytes;
};

struct leak_zone {
	struct kmm_zone *z;
	unsigned long end;	/* pages from first_pfn to end are tracked */
	struct leak_chunk chunk[ZONE_CHUNKS];
};

struct gray {
	uintptr_t start;
	size_t len;
};

struct leak_group {
	const void *site;	/* allocation site, or NULL */
	const struct kmm_cache *cache;	/* slab objects */
	size_t size;		/* of each object */
	unsigned char kind;	/* enum leak_kind */
	bool used;
	bool indirect;		/* reached from unreferenced objects */
	unsigned long count;
	size_t bytes;
	uintptr_t sample[SAMPLES];
	unsigned char head[SAMPLES][DUMP_BYTES];
};

/* A line of the report, built in the bookkeeping: the stack stays small. */
struct out {
	int fd;
	int err;
	char buf[256];
};

struct leak_state {
	struct out out;
	struct leak_zone zones[KMM_MAX_ZONES];
	unsigned int nr_zones;
	uintptr_t lo, hi;		/* no object outside [lo, hi) */

	struct bits *area_marks;
	size_t area_bits;		/* areas tracked */
	size_t nr_areas;		/* registered at the walk */

	struct gray *stack;
	size_t depth;
	bool overflow;
	uintptr_t from;		/* second phase: the object scanned */

	struct leak_group *groups;
	size_t nr_groups;
	bool groups_full;

	char *peek;			/* PEEK_BYTES */
	char *maps;			/* MAPS_BYTES */
	bool peek_refused;		/* read roots directly */
	int pagemap;			/* /proc/self/pagemap, or -1 */
	uint64_t pm[PEEK_BYTES / PAGE_SIZE];
	uintptr_t sp;			/* the calling thread's */

	unsigned long in_use, leaked, indirect;
	size_t leaked_bytes, root_bytes;
};

/* ------------------------------------------------------- bookkeeping */

/* Zeroed zone memory; kmm's own, as mem_map: not charged to the limit. */
static void *book_alloc(size_t bytes)
{
	size_t nr = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct kmm_page *page;

	page = kmm_alloc_run(KMM_GFP_KERNEL | KMM___GFP_ZERO |
				     KMM___GFP_NOWARN,
			     nr, 0);
	if (!page)
		return NULL;
	kmm_mem_uncharge(nr << PAGE_SHIFT);
	return __page_address(page);
}

static void book_free(void *p, size_t bytes)
{
	size_t nr = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;

	if (!p)
		return;
	kmm_mem_charge_force(nr << PAGE_SHIFT);
	kmm_free_run(__virt_to_page(p), nr);
}

static void book_free_all(struct leak_state *st, size_t area_bytes)
{
	unsigned int i, c;

	for (i = 0; i < st->nr_zones; i++)
		for (c = 0; c < ZONE_CHUNKS; c++)
			book_free(st->zones[i].chunk[c].bits,
				  st->zones[i].chunk[c].bytes);
	book_free(st->area_marks, area_bytes);
	book_free(st->stack, STACK_BYTES);
	book_free(st->groups, GROUP_SLOTS * sizeof(struct leak_group));
	book_free(st->peek, PEEK_BYTES);
	book_free(st->maps, MAPS_BYTES);
}

/*
 * Bookkeeping for the zones as they are now: pages up to fresh_pfn, read
 * without the zone's lock (pages a zone adds later hold objects made
 * after the walk: not tracked).  -1 if memory ran out.
 */
static int book_zones(struct leak_state *st)
{
	unsigned int i, c, n = (unsigned int)atomic_load_explicit(
				   &kmm.nr_zones, memory_order_acquire);

	for (i = 0; i < n; i++) {
		struct leak_zone *lz = &st->zones[i];
		struct kmm_zone *z = kmm.zones[i];
		unsigned long end;

		st->nr_zones = i + 1;
		lz->z = z;
		end = __atomic_load_n(&z->fresh_pfn, __ATOMIC_RELAXED);
		end = MIN(end, __atomic_load_n(&z->nr_pages, __ATOMIC_RELAXED));
		lz->end = end;
		for (c = 0; c < ZONE_CHUNKS && c * CHUNK_PAGES < end; c++) {
			struct leak_chunk *ch = &lz->chunk[c];
			size_t pages = MIN(CHUNK_PAGES, end - c * CHUNK_PAGES);

			ch->bytes = pages * CHUNK_BYTES_PER_PAGE;
			ch->bits = book_alloc(ch->bytes);
			if (!ch->bits)
				return -1;
			ch->heads = (uint16_t *)(ch->bits +
						 pages * PAGE_MARK_WORDS);
		}
	}
	return 0;
}

/* ------------------------------------------------------------- marks */

static struct leak_zone *leak_zone_of(struct leak_state *st,
				      const struct kmm_zone *z)
{
	unsigned int i = (unsigned int)z->index;

	if (i >= st->nr_zones || st->zones[i].z != z)
		return NULL;
	return &st->zones[i];
}

/* The bits and the bit of the object starting at a, of zone lz. */
static struct bits *zone_mark(struct leak_zone *lz, uintptr_t a,
			      uint64_t *bit)
{
	unsigned long pfn = (a - zone_base(lz->z)) >> PAGE_SHIFT;
	struct leak_chunk *ch = &lz->chunk[pfn >> CHUNK_SHIFT];
	size_t grain = ((pfn & (CHUNK_PAGES - 1)) << (PAGE_SHIFT - GRAIN_SHIFT)) +
		       ((a & (PAGE_SIZE - 1)) >> GRAIN_SHIFT);

	*bit = 1ull << (grain & 63);
	return &ch->bits[grain >> 6];
}

static uint16_t *run_head(struct leak_zone *lz, unsigned long pfn)
{
	return &lz->chunk[pfn >> CHUNK_SHIFT].heads[pfn & (CHUNK_PAGES - 1)];
}

/*
 * Is the slab object at obj free?  Its free mark says so (slab.h); with
 * KMM_HARDEN=0 there is none, and the free lists were walked first.
 */
static bool object_free(struct leak_zone *lz, const struct kmm_cache *s,
			uintptr_t obj)
{
	const uintptr_t *w = (const uintptr_t *)(obj + s->offset);
	struct bits *b;
	uint64_t bit;

	if (kmm_hardened())
		return w[1] == free_mark((const void *)obj, w[0]);
	b = zone_mark(lz, obj, &bit);
	return (b->free & bit) != 0;
}

/*
 * The object of a zone that a lies in, if it is one the walk found in
 * use (or a slab object in use now): its start and length, and its mark.
 * Read without locks: flags and links may change under the scan, so each
 * is checked before it is followed.
 */
static struct bits *find_zone_object(struct leak_state *st,
				     struct kmm_zone *z, uintptr_t a,
				     struct gray *obj, uint64_t *bit)
{
	struct leak_zone *lz = leak_zone_of(st, z);
	struct kmm_page *map = zone_mem_map(z), *page;
	unsigned long pfn = (a - zone_base(z)) >> PAGE_SHIFT;
	uint16_t flags, back;

	if (!lz || pfn < z->first_pfn || pfn >= lz->end)
		return NULL;
	page = map + pfn;
	flags = page->flags;
	if (flags & PG_tail) {
		page = page->compound_head;
		if (page < map + z->first_pfn || page > map + pfn)
			return NULL;
		flags = page->flags;
	}
	if (flags & PG_slab) {
		const struct kmm_cache *s = page->slab_cache;
		uintptr_t base = (uintptr_t)__page_address(page);
		uint64_t off, idx;

		if (!s || page->objects != s->objects)
			return NULL;
		/* A debug cache's objects start red_left into the stride. */
		base += s->red_left;
		off = a - base;
		if (a < base || off >= (PAGE_SIZE << page->order))
			return NULL;
		idx = (off * s->reciprocal) >> 44;
		if (idx * s->size > off)	/* rounding: the one before */
			idx--;
		if (idx >= s->objects)
			return NULL;
		obj->start = base + idx * s->size;
		if (object_free(lz, s, obj->start))
			return NULL;
		obj->len = s->object_size;
		return zone_mark(lz, obj->start, bit);
	}
	back = *run_head(lz, pfn);
	if (!back || back - 1u > pfn - z->first_pfn)
		return NULL;
	page = map + pfn - (back - 1u);
	if (!(page->flags & PG_large))
		return NULL;
	obj->start = (uintptr_t)__page_address(page);
	obj->len = page->nr_pages << PAGE_SHIFT;
	if (a >= obj->start + obj->len)
		return NULL;
	return zone_mark(lz, obj->start, bit);
}

/* The object a points into, and its bits; NULL if none. */
static struct bits *find_object(struct leak_state *st, uintptr_t a,
				struct gray *obj, uint64_t *bit)
{
	struct kmm_zone *z = kmm_addr_zone((void *)a);
	long i;

	if (z)
		return find_zone_object(st, z, a, obj, bit);
	i = __kmm_vmalloc_find(a, &obj->start, &obj->len);
	if (i < 0 || (size_t)i >= st->area_bits)
		return NULL;
	*bit = 1ull << (i & 63);
	return &st->area_marks[i >> 6];
}

static void push(struct leak_state *st, const struct gray *obj)
{
	if (st->depth == STACK_BYTES / sizeof(struct gray)) {
		st->overflow = true;	/* found again by rescan() */
		return;
	}
	st->stack[st->depth++] = *obj;
}

/*
 * Marks what each word of [p, end) points into; grays what was white.
 * In the second phase (st->from set) it marks what an unreferenced
 * object reaches, other than itself, as reached only so (ind).
 */
static void scan_words(struct leak_state *st, const uintptr_t *p,
		       const uintptr_t *end)
{
	struct gray obj;
	struct bits *b;
	uint64_t bit;

	for (; p < end; p++) {
		uintptr_t v = *p;

		if (v < st->lo || v >= st->hi)
			continue;
		b = find_object(st, v, &obj, &bit);
		if (!b || (b->mark & bit))
			continue;
		if (st->from) {
			if ((b->ind & bit) || obj.start == st->from)
				continue;
			b->ind |= bit;
		} else {
			b->mark |= bit;
		}
		push(st, &obj);
	}
}

/* Scans every gray object: their contents are heap, read directly. */
static void drain(struct leak_state *st)
{
	while (st->depth) {
		struct gray obj = st->stack[--st->depth];

		scan_words(st, (const uintptr_t *)obj.start,
			   (const uintptr_t *)(obj.start + obj.len));
	}
}

/* ------------------------------------------------------ free lists */

/*
 * With KMM_HARDEN=0 a free object carries no mark: the objects on every
 * free list are marked free first, each link checked before it is
 * followed (an object of the cache, no more than the list's count), as
 * other threads change their own lists meanwhile: a link caught mid-
 * update ends that walk, and what lies behind it counts as in use.
 * kmm.dead_lock and kmm.thread_lock held, then the scan's locks.
 */
static void free_chain(struct leak_state *st, const struct kmm_cache *s,
		       uintptr_t obj, unsigned long max)
{
	for (; obj && max; max--) {
		struct kmm_zone *z = kmm_addr_zone((void *)obj);
		struct leak_zone *lz = z ? leak_zone_of(st, z) : NULL;
		struct kmm_page *map, *page;
		unsigned long pfn;
		struct bits *b;
		uint64_t bit;

		if (!lz)
			return;
		map = zone_mem_map(z);
		pfn = (obj - zone_base(z)) >> PAGE_SHIFT;
		if (pfn < z->first_pfn || pfn >= lz->end)
			return;
		page = map + pfn;
		if (page->flags & PG_tail) {
			page = page->compound_head;
			if (page < map + z->first_pfn || page > map + pfn)
				return;
		}
		if (!(page->flags & PG_slab) || page->slab_cache != s ||
		    !slab_object_ok(s, page, (void *)obj))
			return;
		b = zone_mark(lz, obj, &bit);
		b->free |= bit;
		obj = *(const uintptr_t *)(obj + s->offset);
	}
}

static void free_lists_of(struct leak_state *st, const struct kmm_thread *t)
{
	int i;

	for (i = 0; i < kmm.nr_caches; i++)
		if (kmm.caches[i] && t->objs[i].freelist)
			free_chain(st, kmm.caches[i],
				   (uintptr_t)t->objs[i].freelist,
				   (unsigned long)t->objs[i].count + 1);
}

static void find_free(struct leak_state *st)
{
	struct list_head *pos;
	unsigned int z;

	list_for_each(pos, &kmm.threads)
		free_lists_of(st, list_entry(pos, struct kmm_thread, node));
	free_lists_of(st, &kmm_dead_thread);
	for (z = 0; z < st->nr_zones; z++) {
		struct leak_zone *lz = &st->zones[z];
		struct kmm_page *map = zone_mem_map(lz->z);
		unsigned long pfn = lz->z->first_pfn;

		while (pfn < lz->end) {
			struct kmm_page *page = map + pfn;
			unsigned long n = 1;
			unsigned int count;
			void *head;

			if (page->flags & (PG_buddy | PG_slab | PG_head))
				n = 1UL << page->order;
			if (page->flags & PG_slab) {
				head = __kmm_slab_freelist(page, &count);
				free_chain(st, page->slab_cache,
					   (uintptr_t)head, count);
			}
			pfn += MAX(n, 1UL);
		}
	}
}

/* ------------------------------------------------------------- walks */

/*
 * Calls fn for every object the walk tracks: each slab object in use,
 * each run, each area.  kmm.zone_lock and kmm.vmap_lock held.
 */
struct leak_obj {
	enum leak_kind kind;
	const struct kmm_cache *s;	/* KIND_SLAB */
	uintptr_t start;
	size_t len;
	struct bits *b;
	uint64_t bit;
	const void *caller;		/* KIND_AREA */
};

typedef void (*object_fn)(struct leak_state *st, struct leak_obj *o);

static void zone_obj(struct leak_obj *o, struct leak_zone *lz)
{
	o->b = zone_mark(lz, o->start, &o->bit);
}

static void walk_zone(struct leak_state *st, struct leak_zone *lz,
		      object_fn fn)
{
	struct kmm_zone *z = lz->z;
	struct kmm_page *map = zone_mem_map(z);
	unsigned long pfn = z->first_pfn, n, i;
	struct leak_obj o = { 0 };

	while (pfn < lz->end) {
		struct kmm_page *page = map + pfn;
		uint16_t flags = page->flags;

		n = 1;
		if (flags & PG_buddy) {
			n = 1UL << page->order;
		} else if (flags & PG_slab) {
			const struct kmm_cache *s = page->slab_cache;
			uintptr_t base = (uintptr_t)__page_address(page);

			n = 1UL << page->order;
			if (s)
				base += s->red_left;
			for (i = 0; s && i < page->objects; i++) {
				o.start = base + i * s->size;
				if (object_free(lz, s, o.start))
					continue;
				o.kind = KIND_SLAB;
				o.s = s;
				o.len = s->object_size;
				zone_obj(&o, lz);
				fn(st, &o);
			}
		} else if (flags & PG_large) {
			n = page->nr_pages;
			o.kind = KIND_RUN;
			o.s = NULL;
			o.start = (uintptr_t)__page_address(page);
			o.len = n << PAGE_SHIFT;
			zone_obj(&o, lz);
			fn(st, &o);
		} else if (flags & PG_cached) {
			n = page[1].nr_pages;
		} else if (flags & PG_head) {
			n = 1UL << page->order;
		}
		pfn += MAX(n, 1UL);
	}
}

static void walk(struct leak_state *st, object_fn fn)
{
	struct leak_obj o = { .kind = KIND_AREA };
	unsigned int z;
	size_t i;

	for (z = 0; z < st->nr_zones; z++)
		walk_zone(st, &st->zones[z], fn);
	for (i = 0; i < st->area_bits && i < st->nr_areas; i++) {
		o.start = __kmm_vmalloc_nth(i, &o.len, &o.caller);
		o.b = &st->area_marks[i >> 6];
		o.bit = 1ull << (i & 63);
		fn(st, &o);
	}
}

/* First walk: run heads for interior pointers, the bounds, the count. */
static void note_object(struct leak_state *st, struct leak_obj *o)
{
	st->in_use++;
	st->lo = MIN(st->lo, o->start);
	st->hi = MAX(st->hi, o->start + o->len);
	o->b->seen |= o->bit;
	if (o->kind == KIND_RUN) {
		struct kmm_zone *z = kmm_addr_zone((void *)o->start);
		struct leak_zone *lz = leak_zone_of(st, z);
		unsigned long pfn = (o->start - zone_base(z)) >> PAGE_SHIFT, i;

		for (i = 0; i < o->len >> PAGE_SHIFT && pfn + i < lz->end; i++)
			*run_head(lz, pfn + i) = (uint16_t)(i + 1);
	}
}

/* A marked object is scanned again (the gray stack had overflowed). */
static void rescan_object(struct leak_state *st, struct leak_obj *o)
{
	if (!(o->b->mark & o->bit))
		return;
	scan_words(st, (const uintptr_t *)o->start,
		   (const uintptr_t *)(o->start + o->len));
	drain(st);
}

static void rescan(struct leak_state *st)
{
	while (st->overflow) {
		st->overflow = false;
		walk(st, rescan_object);
	}
}

/*
 * Second phase, as LeakSanitizer tells direct from indirect leaks: what
 * an unreferenced object reaches is marked ind, so that the report puts
 * first the objects nothing reaches at all (a lost list shows as its
 * head, its nodes as indirect).  Objects of a lost cycle are all ind.
 */
static void spread_from(struct leak_state *st, struct leak_obj *o)
{
	if ((o->b->mark & o->bit) || !(o->b->seen & o->bit) ||
	    (o->b->ind & o->bit))
		return;
	st->from = o->start;
	scan_words(st, (const uintptr_t *)o->start,
		   (const uintptr_t *)(o->start + o->len));
	drain(st);
}

/* On overflow, what is marked ind is scanned again, until stable. */
static void respread_object(struct leak_state *st, struct leak_obj *o)
{
	if (!(o->b->ind & o->bit) || (o->b->mark & o->bit))
		return;
	st->from = o->start;
	scan_words(st, (const uintptr_t *)o->start,
		   (const uintptr_t *)(o->start + o->len));
	drain(st);
}

static void spread(struct leak_state *st)
{
	walk(st, spread_from);
	while (st->overflow) {
		st->overflow = false;
		walk(st, respread_object);
	}
	st->from = 0;
}

/* ------------------------------------------------------------- roots */

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

/*
 * Of the len bytes at a (within one buffer's worth of pages), how many
 * to read, skipping first the pages never touched (neither present nor
 * swapped): *a moves past those.  0 when all of them are.
 */
static size_t touched(struct leak_state *st, uintptr_t *a, uintptr_t b,
		      size_t len)
{
	uintptr_t first = *a >> PAGE_SHIFT;
	size_t pages = ((*a + len - 1) >> PAGE_SHIFT) - first + 1, i, j;
	ssize_t n;

	if (st->pagemap < 0)
		return len;
	n = kmm_os_pread(st->pagemap, st->pm, pages * sizeof(uint64_t),
			 (off_t)(first * sizeof(uint64_t)));
	if (n != (ssize_t)(pages * sizeof(uint64_t)))
		return len;
	for (i = 0; i < pages && !(st->pm[i] & (PM_PRESENT | PM_SWAPPED)); i++)
		;
	if (i == pages) {
		*a = MIN(b, (first + pages) << PAGE_SHIFT);
		return 0;
	}
	if (i)
		*a = (first + i) << PAGE_SHIFT;
	for (j = i; j < pages && (st->pm[j] & (PM_PRESENT | PM_SWAPPED)); j++)
		;
	return MIN(b, (first + j) << PAGE_SHIFT) - *a;
}

/*
 * Scans [a, b) of a root through the kernel, a buffer at a time; a page
 * that cannot be read is skipped.
 */
static void scan_root_range(struct leak_state *st, uintptr_t a, uintptr_t b)
{
	a = ALIGN_UP(a, sizeof(uintptr_t));
	while (a + sizeof(uintptr_t) <= b) {
		size_t len = MIN(b - a, PEEK_BYTES - (a & (PAGE_SIZE - 1)));
		ssize_t n;

		len = touched(st, &a, b, len);
		if (!len)
			continue;

		if (st->peek_refused) {
			st->root_bytes += b - a;
			scan_words(st, (const uintptr_t *)a,
				   (const uintptr_t *)ALIGN_DOWN(b, 8));
			drain(st);
			return;
		}
		n = kmm_os_peek(st->peek, (const void *)a, len);
		if (n < 0) {
			st->peek_refused = true;
			continue;
		}
		if (n == 0 && len > PAGE_SIZE - (a & (PAGE_SIZE - 1))) {
			/* One page at a time up to the one that fails. */
			len = PAGE_SIZE - (a & (PAGE_SIZE - 1));
			n = kmm_os_peek(st->peek, (const void *)a, len);
		}
		if (n <= 0) {
			a = ALIGN_DOWN(a, PAGE_SIZE) + PAGE_SIZE;
			continue;
		}
		st->root_bytes += (size_t)n;
		scan_words(st, (const uintptr_t *)st->peek,
			   (const uintptr_t *)(st->peek +
					       ALIGN_DOWN((size_t)n, 8)));
		drain(st);
		a += ALIGN_DOWN((size_t)n, 8) ? ALIGN_DOWN((size_t)n, 8) : 8;
	}
}

/* Scans a mapping of the program, less what kmm mapped inside it. */
static void scan_mapping(struct leak_state *st, uintptr_t a, uintptr_t b)
{
	uintptr_t pc = (uintptr_t)kmm_page_class_map;
	uintptr_t pc_end = pc + kmm_page_class_end;

	while (a < b) {
		uintptr_t slot_end = ALIGN_DOWN(a, ZONE_SIZE) + ZONE_SIZE;
		struct kmm_zone *z = kmm_addr_zone((void *)a);
		uintptr_t next, next_end, to;

		/* A zone reserves max_pages from its base (less under
		 * RLIMIT_AS than its slot: the rest may be the program's). */
		if (z && a < zone_base(z) + (z->max_pages << PAGE_SHIFT)) {
			a = zone_base(z) + (z->max_pages << PAGE_SHIFT);
			continue;
		}
		/* The page class map: 32 GiB of bytes, no pointers. */
		if (a >= pc && a < pc_end) {
			a = pc_end;
			continue;
		}
		next = __kmm_vmalloc_next_mapping(a, &next_end);
		if (next <= a) {
			a = next_end;
			continue;
		}
		to = MIN(MIN(b, next), slot_end);
		if (a < pc && to > pc)
			to = pc;
		scan_root_range(st, a, to);
		a = to;
	}
}

static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;
	const char *p = *s;

	for (;; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else
			break;
		v = v << 4 | d;
	}
	*s = p;
	return v;
}

/*
 * One line of /proc/self/maps: "start-end perms offset dev inode [path]".
 * Readable and writable, private or anonymous shared: a root.
 */
static void maps_line(struct leak_state *st, const char *s, const char *end)
{
	uintptr_t a, b;
	const char *path;

	a = parse_hex(&s);
	if (*s++ != '-')
		return;
	b = parse_hex(&s);
	if (end - s < 5 || s[1] != 'r' || s[2] != 'w')
		return;
	if (s[4] == 's') {
		/*
		 * Shared: anonymous memory only ("/dev/zero (deleted)", or
		 * System V segments); a file may be cut short under us.
		 */
		path = memchr(s, '/', (size_t)(end - s));
		if (path && (end - path < 5 ||
			     (memcmp(path, "/dev/zero", 9) != 0 &&
			      memcmp(path, "/SYSV", 5) != 0)))
			return;
	}
	if (st->sp >= a && st->sp < b)
		a = st->sp;	/* below it: dead frames of this thread */
	scan_mapping(st, a, b);
}

/* Every root; -1 if /proc/self/maps cannot be read. */
static int scan_roots(struct leak_state *st)
{
	int fd = kmm_os_open_read("/proc/self/maps");
	size_t have = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	st->pagemap = kmm_os_open_read("/proc/self/pagemap");
	for (;;) {
		char *line = st->maps, *nl;

		n = kmm_os_read(fd, st->maps + have, MAPS_BYTES - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		while ((nl = memchr(line, '\n', have - (size_t)(line - st->maps)))) {
			maps_line(st, line, nl);
			line = nl + 1;
		}
		have -= (size_t)(line - st->maps);
		if (have == MAPS_BYTES)
			have = 0;	/* a path too long: not a root we need */
		memmove(st->maps, line, have);
	}
	kmm_os_close(fd);
	if (st->pagemap >= 0)
		kmm_os_close(st->pagemap);
	return n < 0 ? -1 : 0;
}

/* ------------------------------------------------------------- report */

/*
 * The allocation site of an object, when one is recorded: none yet.
 * (vmalloc's caller is not one: for kmalloc's areas it lies inside kmm.)
 */
static const void *object_site(enum leak_kind kind, const void *caller)
{
	(void)kind, (void)caller;
	return NULL;
}

static struct leak_group *group_of(struct leak_state *st, enum leak_kind kind,
				   const struct kmm_cache *s, size_t len,
				   const void *site, bool indirect)
{
	uintptr_t h = ((uintptr_t)site ^ (uintptr_t)s ^ len ^ kind ^
		       (uintptr_t)indirect << 8) * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 54) & (GROUP_SLOTS - 1), probes;

	for (probes = 0; probes < GROUP_SLOTS - 1;
	     probes++, i = (i + 1) & (GROUP_SLOTS - 1)) {
		struct leak_group *g = &st->groups[i];

		if (!g->used) {
			/* The last slot stays for what does not fit. */
			if (st->nr_groups == GROUP_SLOTS - 1)
				break;
			g->used = true;
			g->kind = (unsigned char)kind;
			g->cache = s;
			g->size = len;
			g->site = site;
			g->indirect = indirect;
			st->nr_groups++;
			return g;
		}
		if (g->kind == kind && g->cache == s && g->size == len &&
		    g->site == site && g->indirect == indirect)
			return g;
	}
	st->groups_full = true;
	return NULL;
}

/* Sweep: each white object goes to its group. */
static void note_leak(struct leak_state *st, struct leak_obj *o)
{
	struct leak_group *g;
	bool ind;

	/* Reached, or made after the walk: not reported. */
	if ((o->b->mark & o->bit) || !(o->b->seen & o->bit))
		return;
	ind = (o->b->ind & o->bit) != 0;
	st->leaked++;
	st->indirect += ind;
	st->leaked_bytes += o->len;
	g = group_of(st, o->kind, o->s, o->len,
		     object_site(o->kind, o->caller), ind);
	if (!g)
		return;
	if (g->count < SAMPLES) {
		g->sample[g->count] = o->start;
		memcpy(g->head[g->count], (const void *)o->start,
		       MIN(o->len, (size_t)DUMP_BYTES));
	}
	g->count++;
	g->bytes += o->len;
}

/* Before a: direct before indirect, then more bytes first. */
static bool group_before(const struct leak_group *a,
			 const struct leak_group *b)
{
	if (a->indirect != b->indirect)
		return !a->indirect;
	return a->bytes > b->bytes;
}

/*
 * Direct groups first, each kind largest first: the groups are packed at
 * the front, then sorted.
 */
static void sort_groups(struct leak_state *st)
{
	struct leak_group *g = st->groups, tmp;
	size_t i, j, n = 0;

	for (i = 0; i < GROUP_SLOTS; i++)
		if (g[i].used)
			g[n++] = g[i];
	for (i = 1; i < n; i++) {
		tmp = g[i];
		for (j = i; j > 0 && group_before(&tmp, &g[j - 1]); j--)
			g[j] = g[j - 1];
		g[j] = tmp;
	}
	st->nr_groups = n;
}

static void out_send(struct out *o, int n)
{
	if (n > (int)sizeof(o->buf) - 1)
		n = (int)sizeof(o->buf) - 1;
	o->buf[n++] = '\n';
	if (!o->err && kmm_write_all(o->fd, o->buf, (size_t)n) < 0)
		o->err = errno;
}

static const char *kind_name(const struct leak_group *g)
{
	if (g->kind == KIND_SLAB)
		return g->cache->name;
	return g->kind == KIND_RUN ? "kmalloc page run" : "vmalloc area";
}

static __noinline void print_group(struct out *o, const struct leak_group *g)
{
	int n;

	n = kmm_snprintf(o->buf, sizeof(o->buf),
			 "kmm: %zu bytes in %lu unreferenced object%s of %zu bytes, %s",
			 g->bytes, g->count, g->count == 1 ? "" : "s",
			 g->size, kind_name(g));
	n = MIN(n, (int)sizeof(o->buf) - 1);
	if (g->site)
		n += kmm_snprintf(o->buf + n, sizeof(o->buf) - (size_t)n,
				  ", allocated at %p", g->site);
	n = MIN(n, (int)sizeof(o->buf) - 1);
	if (g->indirect)
		n += kmm_snprintf(o->buf + n, sizeof(o->buf) - (size_t)n,
				  " (indirect: reached only from unreferenced objects)");
	out_send(o, n);
}

static __noinline void print_sample(struct out *o, const struct leak_group *g,
				    unsigned int k)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = MIN(g->size, (size_t)DUMP_BYTES), row, i;
	const unsigned char *b = g->head[k];
	int n;

	n = kmm_snprintf(o->buf, sizeof(o->buf),
			 "  unreferenced object %p (size %zu):",
			 (void *)g->sample[k], g->size);
	out_send(o, n);
	n = kmm_snprintf(o->buf, sizeof(o->buf),
			 "    hex dump (first %zu bytes):", len);
	out_send(o, n);
	for (row = 0; row < len; row += 16) {
		size_t m = MIN(len - row, (size_t)16);

		n = 0;
		for (i = 0; i < 5; i++)
			o->buf[n++] = ' ';
		for (i = 0; i < 16; i++) {
			o->buf[n++] = ' ';
			o->buf[n++] = i < m ? hex[b[row + i] >> 4] : ' ';
			o->buf[n++] = i < m ? hex[b[row + i] & 15] : ' ';
		}
		o->buf[n++] = ' ';
		o->buf[n++] = ' ';
		for (i = 0; i < m; i++) {
			unsigned char c = b[row + i];

			o->buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		out_send(o, n);
	}
}

static __noinline int print_report(struct leak_state *st, int fd)
{
	struct out *o = &st->out;
	unsigned int k;
	size_t i;
	int n;

	o->fd = fd;
	o->err = 0;
	for (i = 0; i < st->nr_groups && !o->err; i++) {
		const struct leak_group *g = &st->groups[i];

		print_group(o, g);
		for (k = 0; k < SAMPLES && k < g->count; k++)
			print_sample(o, g, k);
	}
	if (st->leaked)
		n = kmm_snprintf(o->buf, sizeof(o->buf),
				 "kmm: leak summary: %lu unreferenced object%s (%lu indirect), %zu bytes, in %zu group%s%s",
				 st->leaked, st->leaked == 1 ? "" : "s",
				 st->indirect, st->leaked_bytes, st->nr_groups,
				 st->nr_groups == 1 ? "" : "s",
				 st->groups_full ? " (and more)" : "");
	else
		n = kmm_snprintf(o->buf, sizeof(o->buf),
				 "kmm: leak summary: no unreferenced objects");
	n = MIN(n, (int)sizeof(o->buf) - 1);
	n += kmm_snprintf(o->buf + n, sizeof(o->buf) - (size_t)n,
			  " (%lu in use, %zu bytes of roots)", st->in_use,
			  st->root_bytes);
	out_send(o, n);
	if (o->err) {
		errno = o->err;
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- scan */

/*
 * Everything between the walk and the sweep, under kmm.vmap_lock and
 * kmm.zone_lock; the bookkeeping is allocated.  -1: no roots.
 */
static __noinline int scan_locked(struct leak_state *st)
{
	st->nr_areas = __kmm_vmalloc_count();
	st->lo = UINTPTR_MAX;
	st->hi = 0;
	if (!kmm_hardened())
		find_free(st);
	walk(st, note_object);
	if (scan_roots(st) < 0)
		return -1;
	rescan(st);
	spread(st);
	walk(st, note_leak);
	sort_groups(st);
	return 0;
}

/*
 * The scan; the caller's frame holds its callee-saved registers.  The
 * calling thread's stack is scanned from this frame up.
 */
static __noinline long leak_scan(int fd)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	struct leak_state *st;
	size_t area_bytes;
	long ret = -1;
	int err = ENOMEM;

	kmm_init();
	kmm_track_enter();
	/* Blocks waiting there are free. */
	kmm_quarantine_flush();
	st = book_alloc(sizeof(*st));
	if (!st)
		goto out;
	st->sp = sp;
	/* Room for the areas now and some made before the lock is taken. */
	st->area_bits = ALIGN_UP(__kmm_vmalloc_count() + 4096, 64);
	area_bytes = st->area_bits / 64 * sizeof(struct bits);
	st->area_marks = book_alloc(area_bytes);
	st->stack = book_alloc(STACK_BYTES);
	st->groups = book_alloc(GROUP_SLOTS * sizeof(struct leak_group));
	st->peek = book_alloc(PEEK_BYTES);
	st->maps = book_alloc(MAPS_BYTES);
	if (book_zones(st) < 0 || !st->area_marks || !st->stack ||
	    !st->groups || !st->peek || !st->maps)
		goto out_free;

	/* Unhardened: the threads' lists are walked (find_free). */
	if (!kmm_hardened()) {
		kmm_lock(&kmm.dead_lock);
		kmm_lock(&kmm.thread_lock);
	}
	kmm_lock(&kmm.vmap_lock);
	kmm_lock(&kmm.zone_lock);
	ret = scan_locked(st);
	kmm_unlock(&kmm.zone_lock);
	kmm_unlock(&kmm.vmap_lock);
	if (!kmm_hardened()) {
		kmm_unlock(&kmm.thread_lock);
		kmm_unlock(&kmm.dead_lock);
	}
	err = EIO;
	if (ret < 0)
		goto out_free;
	ret = (long)st->leaked;
	if (fd >= 0 && print_report(st, fd) < 0) {
		err = errno;
		ret = -1;
	}
out_free:
	book_free_all(st, area_bytes);
	book_free(st, sizeof(*st));
out:
	kmm_track_leave();
	if (ret < 0)
		errno = err;
	return ret;
}

/*
 * The entry points spill the callee-saved registers into their frame
 * (__builtin_unwind_init), which lies above the stack pointer the scan
 * starts from: a pointer held only in a register is seen.
 */
KMM_EXPORT long kmm_leak_scan(int fd)
{
	__builtin_unwind_init();
	return leak_scan(fd);
}

void kmm_leak_at_exit(void)
{
	int saved = errno;

	__builtin_unwind_init();
	if (!kmm.opt.leaks ||
	    atomic_load_explicit(&kmm.init_state, memory_order_acquire) != 2)
		return;
	leak_scan(2);
	errno = saved;
}

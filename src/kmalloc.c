/*
 * kmalloc.c - size classes and routing.
 *
 * A size goes to one of three places:
 *   size <= 32 KiB            a kmalloc cache (slab.c)
 *   size <= vmalloc threshold a run of pages (page_runs.c: the thread's
 *                             run cache, else the buddy allocator, with
 *                             alloc_pages_exact semantics) (PG_large)
 *   larger                    vmalloc.c, a mapping of its own
 * The threshold is the largest buddy block (4 MiB) unless
 * KMM_VMALLOC_THRESHOLD lowers it.
 *
 * Classes are multiples of 16 (every malloc pointer is 16-byte aligned):
 * 16 bytes apart up to 128, then four per power of two, so no size wastes
 * more than 25% and the average is 12.5%.  A power-of-two class holds
 * objects at multiples of their size in a naturally aligned slab, so
 * power-of-two sizes are naturally aligned, as the kernel guarantees.
 * Size to class is one table load.
 *
 * With kmm.layout.on the entry points' slow paths (kmm_kmalloc_slow and
 * its kin, kmalloc.h) go through kmm_*_layout (at the end), which apply
 * the layout policy (red zones, quarantine) and call the tracking hooks
 * (track.h); the routing below them knows neither.
 */
#include "internal.h"
#include "kmalloc.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "page_runs.h"
#include "printk.h"
#include "slab.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <string.h>

__thread const void *kmm_alloc_caller
	__attribute__((tls_model("initial-exec")));

const unsigned int kmalloc_sizes[KMALLOC_NR_CACHES] = {
	16,    32,    48,    64,    80,    96,    112,   128,
	160,   192,   224,   256,   320,   384,   448,   512,
	640,   768,   896,   1024,  1280,  1536,  1792,  2048,
	2560,  3072,  3584,  4096,  5120,  6144,  7168,  8192,
	10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
};

struct kmm_cache *kmalloc_caches[KMALLOC_NR_CACHES];
struct kmalloc_geom kmalloc_geom;

static void kmalloc_geom_init(unsigned int i, const struct kmm_cache *s)
{
	uint64_t magic = UINT64_MAX / s->size + 1;
	uint64_t e = magic * s->size;	/* mod 2^64 */

	kmalloc_geom.slab_mask[i] = s->slab_mask;
	kmalloc_geom.magic[i] = magic;
	kmalloc_geom.limit[i] = e ? MIN(magic, (uint64_t)s->objects * e)
				  : magic;
}
uint8_t kmalloc_size_index[KMALLOC_MAX_CACHE_SIZE / 16 + 1];

static void kmalloc_name(char *buf, size_t n, unsigned int size)
{
	if (size >= 1024 && size % 1024 == 0)
		kmm_snprintf(buf, n, "kmalloc-%uk", size / 1024);
	else
		kmm_snprintf(buf, n, "kmalloc-%u", size);
}

void kmm_kmalloc_init(void)
{
	unsigned int i, c = 0;
	char name[32];

	for (i = 0; i < ARRAY_SIZE(kmalloc_size_index); i++) {
		while (kmalloc_sizes[c] < i * 16)
			c++;
		kmalloc_size_index[i] = (uint8_t)c;
		KMM_BUG_ON(c >= KMALLOC_NR_CACHES || kmalloc_sizes[c] < i * 16);
	}
	for (i = 0; i < KMALLOC_NR_CACHES; i++) {
		unsigned int size = kmalloc_sizes[i];
		unsigned int align = IS_POWER_OF_2(size) ? MIN(size, PAGE_SIZE)
							 : 16;

		kmalloc_name(name, sizeof(name), size);
		kmalloc_caches[i] = kmm_cache_create_internal(name, size, align,
							      0, NULL, 0);
		/* kmalloc_fast() relies on class index == cache index. */
		if (!kmalloc_caches[i] || kmalloc_caches[i]->index != i)
			kmm_die("kmalloc_init", "cannot create", NULL, name);
		kmalloc_geom_init(i, kmalloc_caches[i]);
	}
	if (kmm.opt.debug_blocks)
		kmm_quarantine_enable();
}

size_t kmm_vmalloc_threshold(void)
{
	return kmm.opt.vmalloc_threshold;
}

/* A run of pages for a large kmalloc; the head records its length. */
static void *kmalloc_large(size_t size, kmm_gfp_t gfp, unsigned int align_order)
{
	size_t nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct kmm_page *page = kmm_runs_alloc(gfp, nr, align_order);

	if (!page)
		return NULL;
	page->flags = PG_large;
	page->nr_pages = nr;
	/* KMM_DEBUG: a run never hands on what the last one held. */
	if (unlikely(kmm.opt.debug_blocks) && !(gfp & KMM___GFP_ZERO))
		memset(__page_address(page), 0x5a, nr << PAGE_SHIFT);
	return __page_address(page);
}

/* A run leaves the quarantine: accessible again, back to the zone. */
static void debug_run_release(void *p)
{
	struct kmm_page *page = __virt_to_page(p);

	kmm_os_protect_rw(p, page->nr_pages << PAGE_SHIFT);
	kmm_free_run(page, page->nr_pages);
}

/*
 * KMM_DEBUG with F or P: a freed run waits in the quarantine with no
 * access, so a use after free faults, instead of reaching the next run
 * of its size (the thread's run cache hands it out at once otherwise).
 * Its head is no run any more: a second free of it is an invalid one.
 */
static __noinline void debug_run_free(struct kmm_page *page)
{
	void *p = __page_address(page);
	size_t bytes = page->nr_pages << PAGE_SHIFT;

	page->flags &= (uint16_t)~PG_large;
	if (kmm_os_protect_none(p, bytes) != 0) {
		kmm_free_run(page, page->nr_pages);
		return;
	}
	kmm_quarantine_add(p, bytes, debug_run_release);
}

/* The class index that serves size at the given alignment, or -1. */
static int aligned_class(size_t size, size_t align)
{
	unsigned int i;

	if (align > PAGE_SIZE)
		return -1;
	if (size < align)
		size = align;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return -1;
	for (i = kmalloc_index(size); i < KMALLOC_NR_CACHES; i++)
		if (kmalloc_sizes[i] % align == 0)
			return (int)i;
	return -1;
}

/*
 * __kmm_kmalloc - the routing every size-based allocation ends in.
 * Entry points have called kmm_init(): it is not called this deep, where
 * its warnings would add to the deepest stack.
 * @align: 0 or a power of two; any alignment up to the largest buddy
 * block costs no more than the alignment itself.
 */
void *__kmm_kmalloc(size_t size, kmm_gfp_t gfp, size_t align)
{
	void *p;
	int idx;

	if (likely(size <= KMALLOC_MAX_CACHE_SIZE && align <= 16 &&
		   !(gfp & KMM___GFP_DMA32))) {
		struct kmm_cache *s = kmalloc_caches[kmalloc_index(size)];

		/* The class serves the size. */
		KMM_BUG_ON(kmalloc_index(size) >= KMALLOC_NR_CACHES ||
			   size > s->object_size);
		p = kmm_slab_alloc(s, gfp);
		if (p && (gfp & KMM___GFP_ZERO))
			memset(p, 0, s->object_size);
		return p;
	}
	if (align > 16 && !(gfp & KMM___GFP_DMA32)) {
		idx = aligned_class(size, align);
		if (idx >= 0) {
			struct kmm_cache *s = kmalloc_caches[idx];

			KMM_BUG_ON(idx >= KMALLOC_NR_CACHES ||
				   size > s->object_size ||
				   s->object_size % align);
			p = kmm_slab_alloc(s, gfp);
			if (p && (gfp & KMM___GFP_ZERO))
				memset(p, 0, s->object_size);
			return p;
		}
	}
	if (align > (PAGE_SIZE << MAX_PAGE_ORDER) ||
	    (size > kmm_vmalloc_threshold() && !(gfp & KMM___GFP_DMA32))) {
		/* A mapping of its own is a system call: not for GFP_ATOMIC. */
		if (!(gfp & KMM___GFP_DIRECT_RECLAIM))
			return NULL;
		/* Size 0 (memalign) is a unique pointer, as on every route. */
		return __kmm_vmalloc(size ? size : 1, align, gfp, false,
				     kmm_alloc_caller ? kmm_alloc_caller :
				     __builtin_return_address(0));
	}
	if (size > (PAGE_SIZE << MAX_PAGE_ORDER))
		return NULL;
	return kmalloc_large(size ? size : 1, gfp,
			     align > PAGE_SIZE ? order_for_size(align) : 0);
}

/*
 * __kmm_kfree - frees what any route gave.  Reads nothing at p before it
 * knows kmm owns p: the zone table and the vmalloc registry decide.
 */
void __kmm_kfree(void *p, const char *fn)
{
	struct kmm_page *page = __virt_to_page(p);

	if (unlikely(!page)) {
		if (__kmm_vfree(p))
			return;
		kmm_invalid_free(p, fn);
	}
	page = compound_head(page);
	if (likely(page->flags & PG_slab)) {
		struct kmm_cache *s = page->slab_cache;

		/* A debug cache checks its pointers itself, with a report. */
		if (unlikely(!slab_object_ok(s, page, p)) && !s->debug)
			kmm_invalid_free(p, fn);
		kmm_slab_free(s, page, p, fn);
		return;
	}
	if ((page->flags & PG_large) && __page_address(page) == p) {
		if (unlikely(kmm.opt.debug_blocks))
			debug_run_free(page);
		else
			kmm_runs_free(page, page->nr_pages);
		return;
	}
	kmm_invalid_free(p, fn);
}

size_t __kmm_ksize(const void *p)
{
	struct kmm_page *page = __virt_to_page(p);

	if (!page)
		return kmm_vmalloc_size(p);
	page = compound_head(page);
	if (page->flags & PG_slab)
		return page->slab_cache->object_size;
	if (page->flags & PG_large)
		return page->nr_pages << PAGE_SHIFT;
	return 0;
}

/* Orders of free pages left after a run that realloc moves. */
#define REALLOC_HEADROOM 2
/*
 * From this size on a growing block moves to a page run, not to a larger
 * slab class: a run wastes under a page, at most 25% here, the bound the
 * classes keep, and it can grow in place.
 */
#define REALLOC_RUN_MIN (16UL << 10)
/*
 * A block that realloc grows past this size moves to a page run: runs
 * grow in place over free pages (and within their capacity without a
 * lock), where a slab object copies at every class it leaves.  Only
 * blocks being grown go there, so the page's waste is paid by buffers
 * that are on their way to larger sizes.
 */
#define REALLOC_RUN_GROW (4UL << 10)

/*
 * The size a slab object that must move is given: at least twice the old
 * class, up to REALLOC_RUN_GROW (past it runs take over, with headroom of
 * their own), so a buffer grown in small steps moves once per doubling
 * (amortized O(1) per step, as kvrealloc users expect) and not once per
 * class.  Not with __GFP_ZERO, whose callers expect the bytes past the
 * size asked for to read as zero: those get the class of the size.
 */
static inline size_t realloc_grow_size(size_t old, size_t size, kmm_gfp_t gfp)
{
	if (size <= old || (gfp & KMM___GFP_ZERO) || size > REALLOC_RUN_GROW)
		return size;
	return MAX(size, MIN(2 * old, REALLOC_RUN_GROW));
}

/*
 * Moves a block of old bytes at p to a new one of size bytes: allocates,
 * copies, clears the growth for __GFP_ZERO and frees p.  page: p's run
 * (PG_large), or NULL for a slab object or a vmalloc area.
 */
static void *krealloc_move(void *p, struct kmm_page *page, size_t old,
			   size_t size, kmm_gfp_t gfp, const char *fn)
{
	void *q;

	/*
	 * Growth past REALLOC_RUN_GROW moves to a page run of twice the old
	 * size (its capacity: growths up to it stay in place with no lock),
	 * cut from a block four times that (or from the largest run the
	 * thread has cached): the rest goes back to the free lists at once,
	 * but it is where the next growths of a realloc chain land in place
	 * (kmm_runs_grow): the chain copies once per quadrupling at most,
	 * not at every step.
	 */
	if (size > old && size > REALLOC_RUN_GROW &&
	    size <= kmm_vmalloc_threshold() && !(gfp & KMM___GFP_DMA32)) {
		size_t cap = size;

		if (!(gfp & KMM___GFP_ZERO))
			cap = MAX(size, MIN(2 * old, kmm_vmalloc_threshold()));
		q = kmalloc_large(cap, gfp & ~KMM___GFP_ZERO,
				  MIN(order_for_size(cap) + REALLOC_HEADROOM,
				      MAX_PAGE_ORDER));
	} else
		q = __kmm_kmalloc(realloc_grow_size(old, size, gfp),
				  gfp & ~KMM___GFP_ZERO, 0);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(old, size));
	if ((gfp & KMM___GFP_ZERO) && size > old)
		memset((char *)q + old, 0, size - old);
	if (page && unlikely(kmm.opt.debug_blocks)) {
		debug_run_free(page);
	} else if (page) {
		/*
		 * Not into the thread's run cache: a realloc chain does not
		 * come back to this size, and these pages, free in the zone,
		 * are where its next growth may land in place.
		 */
		page->flags &= (uint16_t)~PG_large;
		kmm_free_run(page, page->nr_pages);
	} else {
		__kmm_kfree(p, fn);
	}
	return q;
}

/*
 * A vmalloc area stays one, resized by mremap (no copy), unless it
 * shrinks to half or less and below the threshold, where it moves to a
 * smaller route.
 */
static void *krealloc_vmalloc(void *p, size_t old, size_t size,
			      kmm_gfp_t gfp)
{
	void *q = __kmm_vrealloc(p, size, gfp);

	if (q && (gfp & KMM___GFP_ZERO) && size > old)
		memset((char *)q + old, 0, size - old);
	return q;
}

/*
 * A slab object keeps its class (of old bytes) unless that would waste
 * over half; false: it moves.  Shrinking with __GFP_ZERO clears the
 * tail, as the kernel does, so that growing back reads zeros.
 */
static bool krealloc_slab_in_place(void *p, size_t old, size_t size,
				   kmm_gfp_t gfp)
{
	if (size > old || (size <= old / 2 && old > 16))
		return false;
	if (gfp & KMM___GFP_ZERO)
		memset((char *)p + size, 0, old - size);
	return true;
}

/*
 * A page run (PG_large, p its start) keeps its pages as capacity while
 * the size stays above half of them (a realloc within them takes no
 * lock); shrinking to half or less gives the tail back above
 * REALLOC_RUN_MIN and moves to a slab class below it.  It grows in place
 * over the free pages that follow, by at least twice its pages when
 * they are free, so a realloc chain copies only when a neighbour is in
 * the way, not at every step; false: it moves.
 */
static bool krealloc_run_in_place(struct kmm_page *page, void *p,
				  size_t size, kmm_gfp_t gfp)
{
	size_t nr = page->nr_pages, old = nr << PAGE_SHIFT;
	size_t want = (size + PAGE_SIZE - 1) >> PAGE_SHIFT, more;

	if (size <= old) {
		if (want <= nr / 2) {
			if (size <= REALLOC_RUN_MIN)
				return false;
			page->nr_pages = want;
			kmm_free_run(page + want, nr - want);
		}
		/* As for slabs: growing back reads zeros. */
		if (gfp & KMM___GFP_ZERO)
			memset((char *)p + size, 0,
			       (page->nr_pages << PAGE_SHIFT) - size);
		return true;
	}
	if (size > kmm_vmalloc_threshold() || (gfp & KMM___GFP_DMA32))
		return false;
	more = MIN(MAX(want, 2 * nr), kmm_vmalloc_threshold() >> PAGE_SHIFT);
	if (!(gfp & KMM___GFP_ZERO) && more > want &&
	    kmm_runs_grow(page, nr, more))
		want = more;
	else if (!kmm_runs_grow(page, nr, want))
		return false;
	page->nr_pages = want;
	if (gfp & KMM___GFP_ZERO)
		memset((char *)p + old, 0, size - old);
	return true;
}

/* __kmm_krealloc past a slab object that stays in its class. */
static __noinline void *krealloc_slow(void *p, struct kmm_page *page,
				      size_t size, kmm_gfp_t gfp,
				      const char *fn)
{
	struct kmm_page *run = NULL;
	size_t old;

	/* Callers leave this check to here, off the in-place path. */
	if (unlikely(size > (size_t)PTRDIFF_MAX))
		return NULL;
	if (!page) {
		old = kmm_vmalloc_size(p);
		if (!old)
			kmm_invalid_free(p, fn);
		if (size > kmm_vmalloc_threshold() || size > old / 2)
			return krealloc_vmalloc(p, old, size, gfp);
	} else if (page->flags & PG_slab) {
		old = page->slab_cache->object_size;
		if (krealloc_slab_in_place(p, old, size, gfp))
			return p;
	} else if ((page->flags & PG_large) && __page_address(page) == p) {
		run = page;
		old = page->nr_pages << PAGE_SHIFT;
		if (krealloc_run_in_place(page, p, size, gfp))
			return p;
	} else {
		kmm_invalid_free(p, fn);
	}
	return krealloc_move(p, run, old, size, gfp, fn);
}

/*
 * Resizes in place when the route p is on allows it: the slab class, the
 * page run or the mapping; otherwise moves it (krealloc_move).  A slab
 * object that stays in its class or a run within its capacity, the common
 * step of a buffer grown a little at a time, returns here without a frame
 * of registers to save.
 */
void *__kmm_krealloc(void *p, size_t size, kmm_gfp_t gfp, const char *fn)
{
	struct kmm_page *page = __virt_to_page(p);

	if (page) {
		page = compound_head(page);
		if (page->flags & PG_slab) {
			const struct kmm_cache *s = page->slab_cache;

			if (unlikely(!slab_object_valid(s, page, p)))
				kmm_invalid_free(p, fn);
			if (size <= s->object_size &&
			    size > s->object_size / 2 && !(gfp & KMM___GFP_ZERO))
				return p;
		} else if ((page->flags & PG_large) &&
			   __page_address(page) == p) {
			size_t cap = page->nr_pages << PAGE_SHIFT;

			/* Within the run's capacity (krealloc_run_in_place). */
			if (size <= cap && size > cap / 2 &&
			    !(gfp & KMM___GFP_ZERO))
				return p;
		}
	}
	return krealloc_slow(p, page, size, gfp, fn);
}


/* ------------------------------------------------ layout and tracking */

/* With red zones: a slab object records the size asked for here. */
static size_t *size_word(const void *p, size_t cap)
{
	return (size_t *)((char *)p + cap - sizeof(size_t));
}

/*
 * With red zones: the size the program asked for at p, or (size_t)-1 if
 * p starts no block of kmm's; *grows says whether ksize() may grow it to
 * its class.  Blocks of kmem_cache_create()'d caches and of the vmalloc
 * API are whole: their size is what kmm gave.  Reads free memory: kmm's
 * work, between kmm_track_enter() and kmm_track_leave().
 */
static size_t requested(const void *p, bool *grows)
{
	struct kmm_page *page = __virt_to_page(p);
	struct kmm_cache *s;
	size_t n;

	*grows = true;
	if (!page) {
		n = kmm_vmalloc_asked(p);
		return n ? n : (size_t)-1;
	}
	page = compound_head(page);
	if (page->flags & PG_slab) {
		s = page->slab_cache;
		if (!slab_object_valid(s, page, p))
			return (size_t)-1;
		if (s->index < KMALLOC_NR_CACHES)
			return *size_word(p, s->object_size);
		*grows = false;
		return s->object_size;
	}
	if ((page->flags & PG_large) && __page_address(page) == p)
		return page->req_size;
	return (size_t)-1;
}

/* With red zones: n is now the size asked for at p, a live block. */
static void set_requested(void *p, size_t n)
{
	struct kmm_page *page = __virt_to_page(p);

	if (!page) {
		kmm_vmalloc_set_asked(p, n);
		return;
	}
	page = compound_head(page);
	if (page->flags & PG_large)
		page->req_size = n;
	else
		*size_word(p, page->slab_cache->object_size) = n;
}

/*
 * kmalloc with the layout policy: the block comes from the class for
 * what ksize() may grow it to plus the red zone, and records the size
 * asked for.  GFP_DMA32 runs cannot grow past the largest block: no red
 * zone for those.  Power-of-two sizes stay naturally aligned.
 */
void *kmm_kmalloc_layout(size_t size, kmm_gfp_t gfp, size_t align)
{
	size_t want, max = PAGE_SIZE << MAX_PAGE_ORDER;
	void *p;

	if (size > (size_t)PTRDIFF_MAX - 2 * PAGE_SIZE)
		return NULL;
	want = kmm_kmalloc_size_roundup(size ? size : 1) + kmm.layout.redzone;
	if ((gfp & KMM___GFP_DMA32) && want > max && size <= max)
		want = size;
	if (IS_POWER_OF_2(size) && size <= max && size > align)
		align = size;
	kmm_track_enter();
	p = __kmm_kmalloc(want, gfp, align);
	if (p)
		set_requested(p, size);
	kmm_track_alloc(p, size, gfp & KMM___GFP_ZERO);
	return p;
}

/* Frees for real a block the quarantine lets go. */
static void kfree_release(void *p)
{
	__kmm_kfree(p, "free");
}

/*
 * kfree with the layout policy: the tool may report the free; with a
 * quarantine the block waits there first.
 */
void kmm_kfree_layout(void *p, const char *fn)
{
	bool grows;
	size_t n;

	if (!kmm_track_free(p))
		return;		/* the tool reported the free */
	if (kmm.layout.quarantine) {
		n = requested(p, &grows);
		kmm_track_leave();
		kmm_quarantine_add(p, n == (size_t)-1 ? 0 : n, kfree_release);
		return;
	}
	__kmm_kfree(p, fn);
	kmm_track_leave();
}

/* malloc_usable_size() with red zones: the size asked for, as glibc's. */
size_t kmm_usable_size_layout(const void *p)
{
	bool grows;
	size_t n;

	kmm_track_enter();
	n = requested(p, &grows);
	kmm_track_leave();
	return n == (size_t)-1 ? 0 : n;
}

/*
 * ksize() with red zones: as under the kernel's KASAN, the block grows to
 * its class size (the red zone stays after it), which the caller may now
 * use.
 */
size_t kmm_ksize_layout(const void *p)
{
	size_t n, r;
	bool grows;

	kmm_track_enter();
	n = requested(p, &grows);
	kmm_track_leave();
	if (n == (size_t)-1)
		return 0;
	r = kmm_kmalloc_size_roundup(n ? n : 1);
	if (!grows || r <= n)
		return n;
	kmm_track_resize((void *)p, n, r);
	kmm_track_defined((char *)p + n, r - n);
	kmm_track_enter();
	set_requested((void *)p, r);
	kmm_track_leave();
	return r;
}

/*
 * krealloc with red zones: in place while the size stays in the block's
 * class (as without them), else a new block, a copy and a free that
 * goes through the quarantine.
 */
void *kmm_krealloc_layout(void *p, size_t size, kmm_gfp_t gfp, const char *fn)
{
	size_t old, cap;
	bool grows;
	void *q;

	kmm_track_enter();
	old = requested(p, &grows);
	kmm_track_leave();
	if (old == (size_t)-1) {
		/* The tool says what it says of a bad realloc. */
		if (kmm_track_free(p))
			kmm_invalid_free(p, fn);
		return NULL;
	}
	cap = kmm_kmalloc_size_roundup(old ? old : 1);
	if (size <= cap && size > cap / 2) {
		kmm_track_resize(p, old, size);
		kmm_track_enter();
		set_requested(p, size);
		kmm_track_leave();
		if ((gfp & KMM___GFP_ZERO) && size > old)
			memset((char *)p + old, 0, size - old);
		return p;
	}
	q = kmm_kmalloc_layout(size, gfp, 0);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(old, size));
	kmm_kfree_layout(p, fn);
	return q;
}

/* ---------------------------------------------------------- public API */

KMM_EXPORT void *kmm_kmalloc(size_t size, kmm_gfp_t gfp)
{
	void *p;

	if (likely(size - 1 < KMALLOC_MAX_CACHE_SIZE &&
		   !(gfp & (KMM___GFP_ZERO | KMM___GFP_DMA32)))) {
		p = kmalloc_fast(size);
		if (likely(p))
			return p;
	}
	if (unlikely(!size))
		return KMM_ZERO_SIZE_PTR;
	if (unlikely(size > (size_t)PTRDIFF_MAX))
		return NULL;
	kmm_init();
	p = kmm_kmalloc_slow(size, gfp, 0);
	if (unlikely(!p) && (gfp & KMM___GFP_NOFAIL))
		kmm_nofail("kmalloc", size);
	if (unlikely(!p) && !(gfp & KMM___GFP_NOWARN))
		kmm_report("kmalloc: out of memory for %zu bytes", size);
	return p;
}

KMM_EXPORT void *kmm_kmalloc_array(size_t n, size_t size, kmm_gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmm_kmalloc(bytes, gfp);
}

KMM_EXPORT void kmm_kfree(const void *p)
{
	if (unlikely(KMM_ZERO_OR_NULL_PTR(p)))
		return;
	kfree_fast((void *)p, "kfree");
}

KMM_EXPORT void kmm_kfree_sensitive(const void *p)
{
	size_t n;

	if (KMM_ZERO_OR_NULL_PTR(p))
		return;
	/* 0 for a pointer kmm does not own: the free below says so. */
	n = kmm_ksize_grow(p);
	/* A volatile-qualified clear the compiler may not drop. */
	memset((void *)p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
	kmm_kfree_slow((void *)p, "kfree_sensitive");
}

KMM_EXPORT size_t kmm_ksize(const void *p)
{
	if (KMM_ZERO_OR_NULL_PTR(p))
		return 0;
	return kmm_ksize_grow(p);
}

KMM_EXPORT void *kmm_krealloc(const void *p, size_t new_size, kmm_gfp_t gfp)
{
	if (KMM_ZERO_OR_NULL_PTR(p))
		return kmm_kmalloc(new_size, gfp);
	if (!new_size) {
		kmm_kfree(p);
		return KMM_ZERO_SIZE_PTR;
	}
	if (new_size > (size_t)PTRDIFF_MAX)
		return NULL;
	return kmm_krealloc_slow((void *)p, new_size, gfp, "krealloc");
}

KMM_EXPORT size_t kmm_kmalloc_size_roundup(size_t size)
{
	if (!size)
		return 0;
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_sizes[kmalloc_index(size)];
	if (size > (size_t)PTRDIFF_MAX - PAGE_SIZE)
		return size;
	if (size <= kmm_vmalloc_threshold())
		return ALIGN_UP(size, PAGE_SIZE);
	return ALIGN_UP(size, PAGE_SIZE);
}

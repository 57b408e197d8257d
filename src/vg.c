/*
 * vg.c - kmm under memcheck.
 *
 * When the program runs under Valgrind (decided once, at initialization),
 * every public entry point comes here instead of its fast path.  Memcheck
 * then sees kmm's blocks as it sees glibc's:
 *
 *  - kmm's own work runs with error reporting off: it reads and writes
 *    free objects and slack that are NOACCESS to the program;
 *  - a block handed out is described with VALGRIND_MALLOCLIKE_BLOCK
 *    (undefined, or defined when zeroed or constructed), so leaks come
 *    with the allocation's stack and uninitialized reads are caught;
 *  - every kmalloc or malloc block gets at least VG_RZ bytes of NOACCESS
 *    slack after it, so a one-byte overflow is caught whatever the size;
 *    the requested size is kept in the last word of that slack;
 *  - a free is VALGRIND_FREELIKE_BLOCK first: if memcheck reports it (a
 *    double or invalid free, counted with VALGRIND_COUNT_ERRORS), kmm
 *    leaves the pointer alone, as memcheck's own free does;
 *  - freed blocks wait in a bounded quarantine (VG_QUARANTINE_SLOTS
 *    blocks, VG_QUARANTINE_BYTES bytes), NOACCESS, before kmm reuses
 *    them, so a use after free is caught even where kmm would have
 *    handed the memory out again at once.
 *
 * Free zone memory is NOACCESS from the start, and the vmalloc registry
 * is NOACCESS too, so memcheck's leak scan finds no stale pointers in
 * kmm's free memory and no block addresses in its metadata.
 *
 * Locking: vg_lock guards the quarantine.
 */
#include "internal.h"
#include "valgrind.h"

#include <string.h>

bool kmm_vg_active;

#ifdef KMM_VALGRIND

#define VG_RZ 16
#define VG_QUARANTINE_SLOTS 4096
#define VG_QUARANTINE_BYTES (32UL << 20)

struct vg_qentry {
	void *p;
	size_t bytes;
};

static struct vg_qentry quarantine[VG_QUARANTINE_SLOTS];
static size_t q_head, q_count, q_bytes;
static pthread_mutex_t vg_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Each client request puts its own argument block on the stack; one
 * small function per request keeps the callers' frames small (the 1 KiB
 * stack budget holds under Valgrind too).
 */
static __noinline void vg_quiet(void)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
}

static __noinline void vg_loud(void)
{
	VALGRIND_ENABLE_ERROR_REPORTING;
}

/* Frees a block for memcheck; false if memcheck reported the free. */
static __noinline bool vg_freelike(const void *p)
{
	unsigned long before = VALGRIND_COUNT_ERRORS;

	VALGRIND_FREELIKE_BLOCK(p, 0);
	return VALGRIND_COUNT_ERRORS == before;
}

static __noinline void vg_malloclike(void *p, size_t size, bool zeroed)
{
	VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, zeroed);
}

static __noinline void vg_resize(void *p, size_t old, size_t new)
{
	VALGRIND_RESIZEINPLACE_BLOCK(p, old, new, 0);
}

static __noinline void vg_mark(void *p, size_t n, int how)
{
	if (how == 0)
		VALGRIND_MAKE_MEM_NOACCESS(p, n);
	else if (how == 1)
		VALGRIND_MAKE_MEM_UNDEFINED(p, n);
	else
		VALGRIND_MAKE_MEM_DEFINED(p, n);
}

/*
 * Only memcheck: callgrind and the other tools must measure kmm as it
 * runs without Valgrind.  A memcheck request answers -1 under memcheck
 * and 0 under tools that do not know it.
 */
void kmm_vg_init(void)
{
	int probe = 0;

	kmm_vg_active = RUNNING_ON_VALGRIND &&
			(long)VALGRIND_MAKE_MEM_DEFINED(&probe, sizeof(probe)) == -1;
}

static bool is_kmalloc_cache(const struct kmm_cache *s)
{
	return s->index < KMALLOC_NR_CACHES;
}

static size_t requested(const void *p);

static size_t *size_slot(void *p, size_t cap)
{
	return (size_t *)((char *)p + cap - sizeof(size_t));
}

/* Frees for real: called on eviction from the quarantine. */
static void release(void *p)
{
	vg_quiet();
	__kmm_kfree(p, "free");
	vg_loud();
}

/* Takes the oldest block out of the quarantine, or NULL; vg_lock held. */
static void *__quarantine_pop(void)
{
	struct vg_qentry *e = &quarantine[q_head];

	if (!q_count)
		return NULL;
	q_bytes -= e->bytes;
	q_head = (q_head + 1) % VG_QUARANTINE_SLOTS;
	q_count--;
	return e->p;
}

/*
 * Puts a freed block in the quarantine and frees for real what falls out
 * of it, outside the lock.  One block in, at most a few out.
 */
static void quarantine_add(void *p, size_t bytes)
{
	void *victim;
	int i;

	if (bytes > VG_QUARANTINE_BYTES) {
		release(p);
		return;
	}
	for (i = 0; i < 4; i++) {
		kmm_lock(&vg_lock);
		if (q_count < VG_QUARANTINE_SLOTS &&
		    q_bytes + bytes <= VG_QUARANTINE_BYTES) {
			struct vg_qentry *e = &quarantine[(q_head + q_count) %
							  VG_QUARANTINE_SLOTS];

			e->p = p;
			e->bytes = bytes;
			q_count++;
			q_bytes += bytes;
			p = NULL;
			victim = NULL;
		} else {
			victim = __quarantine_pop();
		}
		kmm_unlock(&vg_lock);
		if (!p)
			return;
		if (victim)
			release(victim);
	}
	release(p);
}

/*
 * Fork: the quarantine lock, like the others, is free in the child.  A
 * child of a single-threaded fork that finds it held forked from a signal
 * handler that interrupted a change of the quarantine: the blocks in it
 * are left behind (never reused) rather than trusted.
 */
void kmm_vg_fork_prepare(void)
{
	kmm_lock(&vg_lock);
}

void kmm_vg_fork_parent(void)
{
	kmm_unlock(&vg_lock);
}

void kmm_vg_fork_child(bool single)
{
	if (single && pthread_mutex_trylock(&vg_lock) != 0)
		q_head = q_count = q_bytes = 0;
	pthread_mutex_init(&vg_lock, NULL);
}

void kmm_vg_quarantine_flush(void)
{
	for (;;) {
		void *p;

		kmm_lock(&vg_lock);
		p = __quarantine_pop();
		kmm_unlock(&vg_lock);
		if (!p)
			return;
		release(p);
	}
}

/* Describes a block of cap bytes as size bytes to the program. */
static void describe(void *p, size_t cap, size_t size, bool zeroed)
{
	vg_mark(p, cap, 0);
	vg_malloclike(p, size, zeroed);
}

void *kmm_vg_kmalloc(size_t size, kmm_gfp_t gfp, size_t align)
{
	size_t cap, want, max = PAGE_SIZE << MAX_PAGE_ORDER;
	struct kmm_page *page;
	void *p;

	if (size > (size_t)PTRDIFF_MAX - 2 * PAGE_SIZE)
		return NULL;
	/*
	 * Room for what ksize() may return, and VG_RZ of slack after it.
	 * GFP_DMA32 pages cannot grow past the largest block: no slack.
	 */
	want = kmm_kmalloc_size_roundup(size ? size : 1) + VG_RZ;
	if ((gfp & KMM___GFP_DMA32) && want > max && size <= max)
		want = size;
	/* Power-of-two sizes stay naturally aligned. */
	if (IS_POWER_OF_2(size) && size <= max && size > align)
		align = size;
	vg_quiet();
	p = __kmm_kmalloc(want, gfp & ~KMM___GFP_ZERO, align);
	if (!p) {
		/* The quarantine holds memory KMM_MEMORY_LIMIT counts. */
		vg_loud();
		kmm_vg_quarantine_flush();
		vg_quiet();
		p = __kmm_kmalloc(want, gfp & ~KMM___GFP_ZERO, align);
	}
	if (p) {
		cap = __kmm_ksize(p);
		page = __virt_to_page(p);
		if (page && (compound_head(page)->flags & PG_large))
			compound_head(page)->vg_size = size;
		else
			*size_slot(p, cap) = size;
	}
	vg_loud();
	if (!p)
		return NULL;
	describe(p, cap, size, false);
	if (gfp & KMM___GFP_ZERO)
		memset(p, 0, size);
	return p;
}

/* Records a new size for a live block; reporting off. */
static void set_requested(void *p, size_t size)
{
	struct kmm_page *page;

	vg_quiet();
	page = __virt_to_page(p);
	if (page && (compound_head(page)->flags & PG_large))
		compound_head(page)->vg_size = size;
	else
		*size_slot(p, __kmm_ksize(p)) = size;
	vg_loud();
}

/*
 * The size the program asked for, or (size_t)-1 if p is not the start of
 * a block kmm handed out.  Reporting off.
 */
static size_t requested(const void *p)
{
	struct kmm_page *page;
	size_t n = (size_t)-1, cap = 0;

	vg_quiet();
	page = __virt_to_page(p);
	if (!page) {
		n = kmm_vmalloc_vg_size(p);
		if (!n) {
			n = (size_t)-1;
			cap = kmm_vmalloc_size(p);
		}
	} else {
		page = compound_head(page);
		if ((page->flags & PG_slab) &&
		    slab_object_ok(page->slab_cache, page, p)) {
			if (is_kmalloc_cache(page->slab_cache))
				cap = page->slab_cache->object_size;
			else
				n = page->slab_cache->object_size;
		} else if ((page->flags & PG_large) &&
			   __page_address(page) == p) {
			n = page->vg_size;
		}
	}
	if (cap >= sizeof(size_t))
		n = *size_slot((void *)p, cap);
	vg_loud();
	return n;
}

void kmm_vg_kfree(void *p, const char *fn)
{
	size_t n;

	(void)fn;
	if (!vg_freelike(p))
		return;		/* memcheck reported an invalid free */
	n = requested(p);
	quarantine_add(p, n == (size_t)-1 ? 0 : n);
}

size_t kmm_vg_usable_size(const void *p)
{
	size_t n = requested(p);

	return n == (size_t)-1 ? 0 : n;
}

/*
 * ksize() under memcheck, as under the kernel's KASAN: the block grows to
 * its class size, which the caller may now use.
 */
size_t kmm_vg_ksize(const void *p)
{
	size_t n = requested(p), r;
	struct kmm_page *page;

	if (n == (size_t)-1)
		return 0;
	vg_quiet();
	page = __virt_to_page(p);
	vg_loud();
	if (page && !(compound_head(page)->flags & PG_slab) &&
	    !(compound_head(page)->flags & PG_large))
		return n;
	if (page && (compound_head(page)->flags & PG_slab) &&
	    !is_kmalloc_cache(compound_head(page)->slab_cache))
		return n;
	r = kmm_kmalloc_size_roundup(n ? n : 1);
	if (r > n) {
		vg_resize((void *)p, n, r);
		vg_mark((char *)p + n, r - n, 2);
		set_requested((void *)p, r);
	}
	return r;
}

void *kmm_vg_krealloc(void *p, size_t size, kmm_gfp_t gfp, const char *fn)
{
	size_t old = requested(p);
	void *q;

	if (old == (size_t)-1) {
		/* Let memcheck say what it says of a bad realloc. */
		vg_freelike(p);
		return NULL;
	}
	/* In place within the class, as without Valgrind. */
	if (size <= kmm_kmalloc_size_roundup(old ? old : 1) &&
	    size > kmm_kmalloc_size_roundup(old ? old : 1) / 2) {
		vg_resize(p, old, size);
		set_requested(p, size);
		if ((gfp & KMM___GFP_ZERO) && size > old)
			memset((char *)p + old, 0, size - old);
		return p;
	}
	q = kmm_vg_kmalloc(size, gfp & ~KMM___GFP_ZERO, 0);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(old, size));
	if ((gfp & KMM___GFP_ZERO) && size > old)
		memset((char *)q + old, 0, size - old);
	kmm_vg_kfree(p, fn);
	return q;
}

void *kmm_vg_cache_alloc(struct kmm_cache *s, kmm_gfp_t gfp)
{
	void *p;

	vg_quiet();
	p = kmm_slab_alloc(s, gfp);
	vg_loud();
	if (!p)
		return NULL;
	describe(p, s->size, s->object_size, false);
	/* Constructed state is defined, as the constructor left it. */
	if (s->ctor)
		vg_mark(p, s->object_size, 2);
	if (gfp & KMM___GFP_ZERO)
		memset(p, 0, s->object_size);
	return p;
}

void kmm_vg_cache_free(struct kmm_cache *s, void *obj)
{
	(void)s;
	kmm_vg_kfree(obj, "kmem_cache_free");
}

struct kmm_page *kmm_vg_alloc_pages(kmm_gfp_t gfp, unsigned int order)
{
	struct kmm_page *page;

	vg_quiet();
	page = __kmm_alloc_pages(gfp, order);
	if (page)
		kmm_prep_compound(page, order);
	vg_loud();
	if (page)
		describe(__page_address(page), PAGE_SIZE << order,
			 PAGE_SIZE << order, gfp & KMM___GFP_ZERO);
	return page;
}

/* The last reference to a block of the page API went away. */
void kmm_vg_free_pages(struct kmm_page *page)
{
	unsigned int order = page->order;

	vg_freelike(__page_address(page));
	vg_quiet();
	kmm_clear_compound(page, order);
	__kmm_free_pages(page, order);
	vg_loud();
}

void *kmm_vg_alloc_exact(size_t size, kmm_gfp_t gfp)
{
	size_t nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct kmm_page *page;
	void *p;

	vg_quiet();
	page = kmm_alloc_run(gfp, nr, 0);
	vg_loud();
	if (!page)
		return NULL;
	p = __page_address(page);
	/* The program owns whole pages, as in the kernel. */
	describe(p, nr << PAGE_SHIFT, nr << PAGE_SHIFT, gfp & KMM___GFP_ZERO);
	return p;
}

void kmm_vg_free_exact(void *virt, size_t size)
{
	if (!vg_freelike(virt))
		return;
	vg_quiet();
	kmm_free_run(kmm_virt_to_page(virt),
		     (size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	vg_loud();
}

void *kmm_vg_vmalloc(size_t size, kmm_gfp_t gfp, bool huge,
		     const void *caller)
{
	void *p;

	vg_quiet();
	p = __kmm_vmalloc(size, 0, gfp, huge, caller);
	vg_loud();
	if (!p)
		return NULL;
	/*
	 * The area is whole pages up to its guard page, as for the page
	 * API.  A fresh mapping reads as zero: vzalloc needs no clearing.
	 */
	size = ALIGN_UP(size, PAGE_SIZE);
	vg_quiet();
	kmm_vmalloc_set_vg_size(p, size);
	vg_loud();
	describe(p, size, size, true);
	if (!(gfp & KMM___GFP_ZERO))
		vg_mark(p, size, 1);
	return p;
}

void kmm_vg_vfree(const void *p)
{
	if (!vg_freelike(p))
		return;
	vg_quiet();
	__kmm_vfree(p);
	vg_loud();
}

void *kmm_vg_vrealloc(void *p, size_t size, kmm_gfp_t gfp)
{
	size_t old;
	void *q;

	vg_quiet();
	old = kmm_vmalloc_size(p);
	vg_loud();
	if (!old)
		return NULL;	/* as without Valgrind: no area there */
	q = kmm_vg_vmalloc(size, gfp, false, __builtin_return_address(0));
	if (!q)
		return NULL;
	/* The area's size is page-rounded; copy what is addressable. */
	vg_quiet();
	memcpy(q, p, MIN(old, size));
	vg_loud();
	kmm_vg_vfree(p);
	return q;
}

#else /* !KMM_VALGRIND */

void kmm_vg_init(void)
{
}

void kmm_vg_fork_prepare(void)
{
}

void kmm_vg_fork_parent(void)
{
}

void kmm_vg_fork_child(bool single)
{
	(void)single;
}

void kmm_vg_quarantine_flush(void)
{
}

#endif

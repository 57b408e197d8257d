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

#include <stdlib.h>
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
 * Only memcheck: callgrind and the other tools must measure kmm as it
 * runs without Valgrind.  Valgrind preloads its tool's library, and the
 * name says which tool runs.
 */
void kmm_vg_init(void)
{
	const char *pre = getenv("LD_PRELOAD");

	kmm_vg_active = RUNNING_ON_VALGRIND && pre &&
			strstr(pre, "vgpreload_memcheck");
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
	VALGRIND_DISABLE_ERROR_REPORTING;
	__kmm_kfree(p, "free");
	VALGRIND_ENABLE_ERROR_REPORTING;
}

static void quarantine_add(void *p, size_t bytes)
{
	struct vg_qentry victims[2];
	int nv = 0, i;

	kmm_lock(&vg_lock);
	while ((q_count == VG_QUARANTINE_SLOTS ||
		q_bytes + bytes > VG_QUARANTINE_BYTES) && q_count &&
	       nv < (int)ARRAY_SIZE(victims)) {
		struct vg_qentry *e = &quarantine[q_head];

		victims[nv++] = *e;
		q_bytes -= e->bytes;
		q_head = (q_head + 1) % VG_QUARANTINE_SLOTS;
		q_count--;
	}
	if (q_count < VG_QUARANTINE_SLOTS && bytes <= VG_QUARANTINE_BYTES) {
		struct vg_qentry *e =
			&quarantine[(q_head + q_count) % VG_QUARANTINE_SLOTS];

		e->p = p;
		e->bytes = bytes;
		q_count++;
		q_bytes += bytes;
		p = NULL;
	}
	kmm_unlock(&vg_lock);
	for (i = 0; i < nv; i++)
		release(victims[i].p);
	if (p)
		release(p);
}

void kmm_vg_quarantine_flush(void)
{
	for (;;) {
		void *p;

		kmm_lock(&vg_lock);
		if (!q_count) {
			kmm_unlock(&vg_lock);
			return;
		}
		p = quarantine[q_head].p;
		q_bytes -= quarantine[q_head].bytes;
		q_head = (q_head + 1) % VG_QUARANTINE_SLOTS;
		q_count--;
		kmm_unlock(&vg_lock);
		release(p);
	}
}

/* Describes a block of cap bytes as size bytes to the program. */
static void describe(void *p, size_t cap, size_t size, bool zeroed)
{
	VALGRIND_MAKE_MEM_NOACCESS(p, cap);
	VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, zeroed);
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
	VALGRIND_DISABLE_ERROR_REPORTING;
	p = __kmm_kmalloc(want, gfp & ~KMM___GFP_ZERO, align);
	if (p) {
		cap = __kmm_ksize(p);
		page = __virt_to_page(p);
		if (page && (compound_head(page)->flags & PG_large))
			compound_head(page)->vg_size = size;
		else
			*size_slot(p, cap) = size;
	}
	VALGRIND_ENABLE_ERROR_REPORTING;
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

	VALGRIND_DISABLE_ERROR_REPORTING;
	page = __virt_to_page(p);
	if (page && (compound_head(page)->flags & PG_large))
		compound_head(page)->vg_size = size;
	else
		*size_slot(p, __kmm_ksize(p)) = size;
	VALGRIND_ENABLE_ERROR_REPORTING;
}

/*
 * The size the program asked for, or (size_t)-1 if p is not the start of
 * a block kmm handed out.  Reporting off.
 */
static size_t requested(const void *p)
{
	struct kmm_page *page;
	size_t n = (size_t)-1, cap = 0;

	VALGRIND_DISABLE_ERROR_REPORTING;
	page = __virt_to_page(p);
	if (!page) {
		cap = kmm_vmalloc_size(p);
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
	VALGRIND_ENABLE_ERROR_REPORTING;
	return n;
}

void kmm_vg_kfree(void *p, const char *fn)
{
	unsigned long before = VALGRIND_COUNT_ERRORS;
	size_t n;

	(void)fn;
	VALGRIND_FREELIKE_BLOCK(p, 0);
	if (VALGRIND_COUNT_ERRORS != before)
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
	VALGRIND_DISABLE_ERROR_REPORTING;
	page = __virt_to_page(p);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (page && !(compound_head(page)->flags & PG_slab) &&
	    !(compound_head(page)->flags & PG_large))
		return n;
	if (page && (compound_head(page)->flags & PG_slab) &&
	    !is_kmalloc_cache(compound_head(page)->slab_cache))
		return n;
	r = kmm_kmalloc_size_roundup(n ? n : 1);
	if (r > n) {
		VALGRIND_RESIZEINPLACE_BLOCK(p, n, r, 0);
		VALGRIND_MAKE_MEM_DEFINED((char *)p + n, r - n);
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
		VALGRIND_FREELIKE_BLOCK(p, 0);
		return NULL;
	}
	/* In place within the class, as without Valgrind. */
	if (size <= kmm_kmalloc_size_roundup(old ? old : 1) &&
	    size > kmm_kmalloc_size_roundup(old ? old : 1) / 2) {
		VALGRIND_RESIZEINPLACE_BLOCK(p, old, size, 0);
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

	VALGRIND_DISABLE_ERROR_REPORTING;
	p = kmm_slab_alloc(s, gfp);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (!p)
		return NULL;
	describe(p, s->size, s->object_size, false);
	/* Constructed state is defined, as the constructor left it. */
	if (s->ctor)
		VALGRIND_MAKE_MEM_DEFINED(p, s->object_size);
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

	VALGRIND_DISABLE_ERROR_REPORTING;
	page = __kmm_alloc_pages(gfp, order);
	if (page)
		kmm_prep_compound(page, order);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (page)
		describe(__page_address(page), PAGE_SIZE << order,
			 PAGE_SIZE << order, gfp & KMM___GFP_ZERO);
	return page;
}

/* The last reference to a block of the page API went away. */
void kmm_vg_free_pages(struct kmm_page *page)
{
	unsigned int order = page->order;

	VALGRIND_FREELIKE_BLOCK(__page_address(page), 0);
	VALGRIND_DISABLE_ERROR_REPORTING;
	kmm_clear_compound(page, order);
	__kmm_free_pages(page, order);
	VALGRIND_ENABLE_ERROR_REPORTING;
}

void *kmm_vg_alloc_exact(size_t size, kmm_gfp_t gfp)
{
	size_t nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct kmm_page *page;
	void *p;

	VALGRIND_DISABLE_ERROR_REPORTING;
	page = kmm_alloc_run(gfp, nr, 0);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (!page)
		return NULL;
	p = __page_address(page);
	/* The program owns whole pages, as in the kernel. */
	describe(p, nr << PAGE_SHIFT, nr << PAGE_SHIFT, gfp & KMM___GFP_ZERO);
	return p;
}

void kmm_vg_free_exact(void *virt, size_t size)
{
	unsigned long before = VALGRIND_COUNT_ERRORS;

	VALGRIND_FREELIKE_BLOCK(virt, 0);
	if (VALGRIND_COUNT_ERRORS != before)
		return;
	VALGRIND_DISABLE_ERROR_REPORTING;
	kmm_free_run(kmm_virt_to_page(virt),
		     (size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	VALGRIND_ENABLE_ERROR_REPORTING;
}

void *kmm_vg_vmalloc(size_t size, kmm_gfp_t gfp, bool huge,
		     const void *caller)
{
	void *p;

	VALGRIND_DISABLE_ERROR_REPORTING;
	p = __kmm_vmalloc(size, 0, gfp, huge, caller);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (!p)
		return NULL;
	/*
	 * The area is whole pages up to its guard page, as for the page
	 * API.  A fresh mapping reads as zero: vzalloc needs no clearing.
	 */
	size = ALIGN_UP(size, PAGE_SIZE);
	describe(p, size, size, true);
	if (!(gfp & KMM___GFP_ZERO))
		VALGRIND_MAKE_MEM_UNDEFINED(p, size);
	return p;
}

void kmm_vg_vfree(const void *p)
{
	unsigned long before = VALGRIND_COUNT_ERRORS;

	VALGRIND_FREELIKE_BLOCK(p, 0);
	if (VALGRIND_COUNT_ERRORS != before)
		return;
	VALGRIND_DISABLE_ERROR_REPORTING;
	__kmm_vfree(p);
	VALGRIND_ENABLE_ERROR_REPORTING;
}

void *kmm_vg_vrealloc(void *p, size_t size, kmm_gfp_t gfp)
{
	size_t old;
	void *q;

	VALGRIND_DISABLE_ERROR_REPORTING;
	old = kmm_vmalloc_size(p);
	VALGRIND_ENABLE_ERROR_REPORTING;
	if (!old) {
		VALGRIND_FREELIKE_BLOCK(p, 0);
		return NULL;
	}
	q = kmm_vg_vmalloc(size, gfp, false, __builtin_return_address(0));
	if (!q)
		return NULL;
	/* The area's size is page-rounded; copy what is addressable. */
	VALGRIND_DISABLE_ERROR_REPORTING;
	memcpy(q, p, MIN(old, size));
	VALGRIND_ENABLE_ERROR_REPORTING;
	kmm_vg_vfree(p);
	return q;
}

#else /* !KMM_VALGRIND */

void kmm_vg_init(void)
{
}

void kmm_vg_quarantine_flush(void)
{
}

#endif

/*
 * zone.c - reservations, mem_map[] and the zone table.
 *
 * A zone is one anonymous mapping that starts at a ZONE_SIZE (1 GiB)
 * boundary: its first page holds struct kmm_zone, then comes mem_map[],
 * one struct kmm_page per page of the zone, then the pages the buddy
 * allocator hands out.  Pages are touched only when used; the mapping
 * reserves no swap and has transparent huge pages off, so a host with THP
 * set to "always" does not inflate RSS.
 *
 * kmm_zone_table[addr >> ZONE_SHIFT] gives the zone of any user-space
 * address, or NULL: virt_to_page() is two loads and never reads the
 * address itself.  A slot is written once, with release order, after the
 * zone is initialized, and never cleared: zones are not unmapped.
 *
 * Where the system refuses a 1 GiB reservation (ulimit -v, strict
 * overcommit), smaller ones are tried, down to MIN_ZONE_SIZE; a smaller
 * zone still starts at a slot boundary and owns its slot alone.
 *
 * ZONE_DMA32 zones are placed below 4 GiB with MAP_FIXED_NOREPLACE at
 * slot boundaries (MAP_32BIT covers only 1-2 GiB and Valgrind does not
 * support it).  There is no highmem: a 64-bit address space maps it all.
 *
 * Locking: kmm.zone_lock serializes zone creation; readers of the table
 * take no lock.
 */
#include "internal.h"
#include "list.h"
#include "lockdep.h"
#include "mm_types.h"
#include "os.h"
#include "track.h"

#include <string.h>

#define MIN_ZONE_SIZE (16UL << 20)
#define DMA32_LIMIT (4UL << 30)

_Atomic(struct kmm_zone *) kmm_zone_table[1UL << ZONE_TABLE_BITS];

static bool slot_free(uintptr_t addr)
{
	return !atomic_load_explicit(&kmm_zone_table[addr >> ZONE_SHIFT],
				     memory_order_relaxed);
}

/* Places size bytes at the slot boundary hint, or fails. */
static void *map_at(uintptr_t hint, size_t size)
{
	void *p;

	if (!slot_free(hint))
		return NULL;
	p = kmm_os_map((void *)hint, size, true);
	if (p && (uintptr_t)p != hint) {
		/* An old kernel took the flag as a hint. */
		kmm_os_unmap(p, size);
		return NULL;
	}
	return p;
}

/* A reservation of size bytes at a free slot boundary, anywhere. */
static void *map_normal(size_t size)
{
	uintptr_t p, a;
	int i;

	/* Over-reserve by a slot and trim to the boundary. */
	p = (uintptr_t)kmm_os_map(NULL, size + ZONE_SIZE, false);
	if (p) {
		a = ALIGN_UP(p, ZONE_SIZE);
		if (a > p)
			kmm_os_unmap((void *)p, a - p);
		if (p + ZONE_SIZE > a)
			kmm_os_unmap((void *)(a + size), p + ZONE_SIZE - a);
		if (slot_free(a))
			return (void *)a;
		kmm_os_unmap((void *)a, size);
	}
	/*
	 * Under ulimit -v the over-reservation may not fit: find where the
	 * kernel puts a mapping of this size and try the slots around it.
	 */
	p = (uintptr_t)kmm_os_map(NULL, size, false);
	if (!p)
		return NULL;
	kmm_os_unmap((void *)p, size);
	a = ALIGN_DOWN(p, ZONE_SIZE);
	for (i = 0; i < 16; i++) {
		uintptr_t hint = i & 1 ? a - (uintptr_t)(i + 1) / 2 * ZONE_SIZE
				       : a + (uintptr_t)i / 2 * ZONE_SIZE;
		void *z;

		if (hint == 0 || hint >> (ZONE_SHIFT + ZONE_TABLE_BITS))
			continue;
		z = map_at(hint, size);
		if (z)
			return z;
	}
	return NULL;
}

/* A reservation below 4 GiB; slot 0 is left to the program's image. */
static void *map_dma32(size_t size)
{
	uintptr_t hint;

	for (hint = ZONE_SIZE; hint + size <= DMA32_LIMIT; hint += ZONE_SIZE) {
		void *z = map_at(hint, size);

		if (z)
			return z;
	}
	return NULL;
}

static void zone_setup(struct kmm_zone *z, size_t size, enum zone_type type)
{
	unsigned long pfn, end, n;
	pthread_mutexattr_t attr;
	int o;

	pthread_mutexattr_init(&attr);
	pthread_mutex_init(&z->lock, &attr);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		INIT_LIST_HEAD(&z->free_area[o]);
	z->nr_pages = size >> PAGE_SHIFT;
	z->first_pfn = (ZONE_HDR_SIZE + z->nr_pages * sizeof(struct kmm_page) +
			PAGE_SIZE - 1) >> PAGE_SHIFT;
	z->type = type;
	/* The atomic reserve: 1/256 of the zone, at least 64 pages. */
	z->min_pages = MAX(z->nr_pages >> 8, 64);

	/*
	 * The pages between mem_map and the first max-order boundary go on
	 * the free lists now, in the largest aligned blocks that fit; whole
	 * max-order blocks are added only when first needed (fresh_pfn), so
	 * a small program touches little of mem_map.
	 */
	end = ALIGN_UP(z->first_pfn, MAX_ORDER_NR_PAGES);
	if (end > z->nr_pages)
		end = z->nr_pages;
	z->fresh_pfn = end;
	for (pfn = z->first_pfn; pfn < end;) {
		unsigned int order = pfn ? (unsigned int)__builtin_ctzl(pfn)
					 : MAX_PAGE_ORDER;

		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		while (pfn + (1UL << order) > end)
			order--;
		KMM_BUG_ON(pfn & ((1UL << order) - 1));
		kmm_zone_add_fresh(z, pfn, order);
		pfn += 1UL << order;
	}
	/* Blocks not yet used are free, and released: never touched. */
	n = ((z->nr_pages - z->fresh_pfn) >> MAX_PAGE_ORDER) << MAX_PAGE_ORDER;
	z->free_pages += n;
	z->released_pages += n;
}

/*
 * Is a new zone, about to be entry n, broken?  It must start a slot no
 * zone has (the table is written once), its usable pages must lie past
 * mem_map[], all free and released.  Out of line: kmm_zone_grow is on
 * the deepest call chain (test/stack/callgraph.sh).
 */
static __noinline __attribute__((unused)) bool
zone_broken(const struct kmm_zone *z, int n)
{
	return ((uintptr_t)z & (ZONE_SIZE - 1)) || !slot_free((uintptr_t)z) ||
	       kmm.zones[n] || z->first_pfn > z->fresh_pfn ||
	       z->fresh_pfn > z->nr_pages ||
	       z->free_pages != z->released_pages || z->dirty_pages;
}

/*
 * Adds a zone of the given type.  Called with no zone lock held; takes
 * kmm.zone_lock.  Returns the new zone, or NULL if no memory of that kind
 * can be had.
 */
struct kmm_zone *kmm_zone_grow(enum zone_type type)
{
	struct kmm_zone *z = NULL;
	size_t size;
	int n;

	kmm_lock(&kmm.zone_lock);
	n = atomic_load_explicit(&kmm.nr_zones, memory_order_relaxed);
	if (n >= KMM_MAX_ZONES)
		goto out;
	for (size = ZONE_SIZE; size >= MIN_ZONE_SIZE; size >>= 2) {
		z = type == ZONE_DMA32 ? map_dma32(size) : map_normal(size);
		if (z)
			break;
	}
	if (!z)
		goto out;
	kmm_os_nohugepage(z, size);
	zone_setup(z, size, type);
	KMM_BUG_ON(zone_broken(z, n));
	/* Free memory is nobody's: memcheck reports any access to it. */
	kmm_track_noaccess((char *)z + (z->first_pfn << PAGE_SHIFT),
			size - (z->first_pfn << PAGE_SHIFT));
	z->index = n;
	kmm.zones[n] = z;
	atomic_store_explicit(&kmm_zone_table[(uintptr_t)z >> ZONE_SHIFT], z,
			      memory_order_release);
	atomic_store_explicit(&kmm.nr_zones, n + 1, memory_order_release);
out:
	kmm_unlock(&kmm.zone_lock);
	return z;
}

KMM_EXPORT struct kmm_page *kmm_virt_to_page(const void *addr)
{
	struct kmm_page *page = __virt_to_page(addr);

	if (!page || page_to_pfn(page) < page_zone(page)->first_pfn)
		return NULL;
	return page;
}

KMM_EXPORT void *kmm_page_address(const struct kmm_page *page)
{
	return page ? __page_address(page) : NULL;
}

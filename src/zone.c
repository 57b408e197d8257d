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
 * address itself.  A slot is written with release order once the zone is
 * initialized.  It is cleared when the zone is unmapped, which happens
 * only to an empty zone: no pointer into it is live, so only an invalid
 * one can race with the unmapping.  The zone's header page stays mapped,
 * so kmm.zones[] and a reader that loaded the slot just before still
 * find a struct kmm_zone there, whose nr_pages is 0; the zone, dead,
 * keeps its slot (the header holds it) and kmm_zone_grow brings it back
 * before it makes a new one.
 *
 * Address space.  Without a limit a zone is one 1 GiB reservation, mapped
 * at once (MAP_NORESERVE: untouched pages cost nothing).  Under an
 * address-space limit (RLIMIT_AS, ulimit -v) every byte mapped counts,
 * so a zone's mem_map is sized for a quarter of the limit (16 MiB to
 * 1 GiB), only its first megabyte or so is mapped, and it grows in place,
 * up to a max-order boundary at a time (kmm_zone_extend), while the
 * address space after it is free.  When a mapping fails with ENOMEM the
 * page allocator's reclaimer unmaps the free tails of zones and empty
 * zones (kmm_zone_shrink).  Where the system refuses a reservation (a
 * limit lowered after start-up, strict overcommit), smaller ones are
 * tried, down to MIN_ZONE_SIZE; a smaller zone still starts at a slot
 * boundary and owns its slot alone.
 *
 * ZONE_DMA32 zones are placed below 4 GiB with MAP_FIXED_NOREPLACE at
 * slot boundaries (MAP_32BIT covers only 1-2 GiB and Valgrind does not
 * support it).  There is no highmem: a 64-bit address space maps it all.
 *
 * Locking: kmm.zone_lock serializes zone creation, revival and
 * unmapping; z->lock guards nr_pages and max_pages (growing and
 * shrinking); readers of the table take no lock.
 */
#include "internal.h"
#include "list.h"
#include "lockdep.h"
#include "mm_types.h"
#include "os.h"
#include "track.h"

#include <errno.h>
#include <string.h>

#define MIN_ZONE_SIZE (16UL << 20)
#define DMA32_LIMIT (4UL << 30)

_Atomic(struct kmm_zone *) kmm_zone_table[1UL << ZONE_TABLE_BITS];
uint8_t *kmm_page_class_map;
uintptr_t kmm_page_class_end;

/* Pages of the user address space (47 bits), a byte each. */
#define PAGE_CLASS_PAGES (1UL << (47 - PAGE_SHIFT))

/*
 * The page class map (mm_types.h).  Under an address-space limit its
 * 32 GiB would count against it, and under memcheck the fast paths that
 * read it are never taken: none there.
 */
void kmm_page_class_init(void)
{
	uint8_t *map;

	if (kmm.layout.on || kmm_os_as_limit() != SIZE_MAX)
		return;
	map = kmm_os_map(NULL, PAGE_CLASS_PAGES, false);
	if (!map)
		return;
	kmm_os_nohugepage(map, PAGE_CLASS_PAGES);
	kmm_page_class_map = map;
	kmm_page_class_end = PAGE_CLASS_PAGES;
}

void kmm_set_page_class(const void *addr, size_t nr_pages, unsigned int cls)
{
	uintptr_t pfn = (uintptr_t)addr >> PAGE_SHIFT;

	if (pfn + nr_pages <= kmm_page_class_end)
		memset(kmm_page_class_map + pfn, (int)cls, nr_pages);
}

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

/* First page after mem_map[] for a zone of max_pages. */
static unsigned long zone_first_pfn(unsigned long max_pages)
{
	return (ZONE_HDR_SIZE + max_pages * sizeof(struct kmm_page) +
		PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/*
 * Pages a zone growing in place maps first: its header, mem_map and at
 * least 256 KiB of pages, to a megabyte boundary.
 */
static unsigned long zone_first_pages(unsigned long max_pages)
{
	return MIN(ALIGN_UP(zone_first_pfn(max_pages) + 64, 256), max_pages);
}

/* Sets up a zone of nr_pages mapped, max_pages in all; lock not touched. */
static void zone_setup(struct kmm_zone *z, unsigned long nr_pages,
		       unsigned long max_pages, enum zone_type type)
{
	unsigned long pfn, end, n;
	int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		INIT_LIST_HEAD(&z->free_area[o]);
		z->nr_free[o] = 0;
	}
	z->free_pages = z->dirty_pages = z->released_pages = 0;
	__atomic_store_n(&z->nr_pages, nr_pages, __ATOMIC_RELAXED);
	z->max_pages = max_pages;
	z->first_pfn = zone_first_pfn(max_pages);
	z->type = type;
	/* The atomic reserve: 1/256 of the zone, at least 64 pages. */
	z->min_pages = MAX(max_pages >> 8, 64);

	/*
	 * The pages between mem_map and the first max-order boundary go on
	 * the free lists now, in the largest aligned blocks that fit; whole
	 * max-order blocks are added only when first needed (fresh_pfn), so
	 * a small program touches little of mem_map.
	 */
	end = ALIGN_UP(z->first_pfn, MAX_ORDER_NR_PAGES);
	if (end > nr_pages)
		end = nr_pages;
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
	n = ((nr_pages - z->fresh_pfn) >> MAX_PAGE_ORDER) << MAX_PAGE_ORDER;
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
	       (n >= 0 && kmm.zones[n]) || z->first_pfn > z->fresh_pfn ||
	       z->fresh_pfn > z->nr_pages || z->nr_pages > z->max_pages ||
	       z->free_pages != z->released_pages || z->dirty_pages;
}

/* Free memory is nobody's: memcheck reports any access to it. */
static void zone_publish(struct kmm_zone *z)
{
	kmm_track_noaccess((char *)z + (z->first_pfn << PAGE_SHIFT),
			   (z->nr_pages - z->first_pfn) << PAGE_SHIFT);
	atomic_store_explicit(&kmm_zone_table[(uintptr_t)z >> ZONE_SHIFT], z,
			      memory_order_release);
}

/*
 * Brings back a dead zone of the type: its pages mapped again where they
 * were, behind the header it kept.  kmm.zone_lock held.
 */
static struct kmm_zone *zone_revive(enum zone_type type)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_relaxed);

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];
		unsigned long nr;

		if (z->type != type ||
		    __atomic_load_n(&z->nr_pages, __ATOMIC_RELAXED))
			continue;
		kmm_lock(&z->lock);
		nr = zone_first_pages(z->max_pages);
		if (z->nr_pages ||
		    kmm_os_map_fixed((char *)z + ZONE_HDR_SIZE,
				     (nr << PAGE_SHIFT) - ZONE_HDR_SIZE)) {
			kmm_unlock(&z->lock);
			continue;
		}
		kmm_os_nohugepage((char *)z + ZONE_HDR_SIZE,
				  (nr << PAGE_SHIFT) - ZONE_HDR_SIZE);
		zone_setup(z, nr, z->max_pages, type);
		KMM_BUG_ON(zone_broken(z, -1));
		zone_publish(z);
		kmm_unlock(&z->lock);
		return z;
	}
	return NULL;
}

/*
 * Adds a zone of the given type, or brings a dead one back.  Called with
 * no zone lock held; takes kmm.zone_lock.  Returns the zone, or NULL if
 * no memory of that kind can be had.
 */
struct kmm_zone *kmm_zone_grow(enum zone_type type)
{
	struct kmm_zone *z = NULL;
	size_t size, max, limit;
	int n;

	kmm_lock(&kmm.zone_lock);
	z = zone_revive(type);
	if (z)
		goto out;
	n = atomic_load_explicit(&kmm.nr_zones, memory_order_relaxed);
	if (n >= KMM_MAX_ZONES)
		goto out;
	limit = kmm_os_as_limit();
	/* Under a limit: mem_map for a quarter of it, a power of two. */
	max = ZONE_SIZE;
	while (limit != SIZE_MAX && max > MIN_ZONE_SIZE && max > limit / 4)
		max >>= 1;
	for (; max >= MIN_ZONE_SIZE; max >>= 2) {
		size = limit == SIZE_MAX ? max
			: zone_first_pages(max >> PAGE_SHIFT) << PAGE_SHIFT;
		z = type == ZONE_DMA32 ? map_dma32(size) : map_normal(size);
		if (z)
			break;
	}
	if (!z)
		goto out;
	kmm_os_nohugepage(z, size);
	pthread_mutex_init(&z->lock, NULL);
	zone_setup(z, size >> PAGE_SHIFT, max >> PAGE_SHIFT, type);
	KMM_BUG_ON(zone_broken(z, n));
	z->index = n;
	kmm.zones[n] = z;
	zone_publish(z);
	atomic_store_explicit(&kmm.nr_zones, n + 1, memory_order_release);
out:
	kmm_unlock(&kmm.zone_lock);
	return z;
}

/*
 * Maps the zone on to the next max-order boundary (4 MiB at most), if
 * mem_map has room and the address space after it is free.  A mapping
 * of someone else's there ends the zone for good; ENOMEM (the limit)
 * only for now.
 */
bool kmm_zone_extend(struct kmm_zone *z, unsigned long *from,
		     unsigned long *to)
{
	unsigned long end = z->nr_pages, want;
	int err;

	if (!end || end >= z->max_pages)
		return false;
	want = MIN(ALIGN_DOWN(end, MAX_ORDER_NR_PAGES) + MAX_ORDER_NR_PAGES,
		   z->max_pages);
	err = kmm_os_map_fixed((char *)z + (end << PAGE_SHIFT),
			       (want - end) << PAGE_SHIFT);
	if (err) {
		if (err != ENOMEM)
			z->max_pages = end;
		return false;
	}
	kmm_os_nohugepage((char *)z + (end << PAGE_SHIFT),
			  (want - end) << PAGE_SHIFT);
	kmm_track_noaccess((char *)z + (end << PAGE_SHIFT),
			   (want - end) << PAGE_SHIFT);
	__atomic_store_n(&z->nr_pages, want, __ATOMIC_RELEASE);
	*from = end;
	*to = want;
	return true;
}

size_t kmm_zone_shrink(struct kmm_zone *z, unsigned long end)
{
	unsigned long nr = z->nr_pages;
	char *base = (char *)z;

	KMM_BUG_ON(end < z->first_pfn || end > nr);
	if (end == nr)
		return 0;
	if (end > z->first_pfn) {
		__atomic_store_n(&z->nr_pages, end, __ATOMIC_RELAXED);
		kmm_os_unmap(base + (end << PAGE_SHIFT),
			     (nr - end) << PAGE_SHIFT);
		return (nr - end) << PAGE_SHIFT;
	}
	/* Empty: gone from the table first, then unmapped. */
	KMM_BUG_ON(z->free_pages || z->dirty_pages || z->released_pages);
	atomic_store_explicit(&kmm_zone_table[(uintptr_t)z >> ZONE_SHIFT],
			      NULL, memory_order_release);
	__atomic_store_n(&z->nr_pages, 0, __ATOMIC_RELAXED);
	z->fresh_pfn = 0;
	kmm_os_unmap(base + ZONE_HDR_SIZE, (nr << PAGE_SHIFT) - ZONE_HDR_SIZE);
	return (nr << PAGE_SHIFT) - ZONE_HDR_SIZE;
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

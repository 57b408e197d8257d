/*
 * mm_types.h - the memory map: struct kmm_page and its flags, the zone
 * (one reservation and its mem_map[]), and what zone.c offers the
 * layers above: growing a zone, and virt_to_page, page_address and
 * compound_head without locks (the kernel's mm_types.h, mmzone.h and
 * the page helpers of mm.h).
 */
#ifndef KMM_MM_TYPES_H
#define KMM_MM_TYPES_H

#include "compiler.h"
#include "list.h"

#include <pthread.h>

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
			 * Every free object of the slab that no thread's
			 * list holds, whichever thread freed it, and their
			 * count: [count:16 | pointer:48], see slab.c.
			 */
			_Atomic uint64_t freelist;
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

#define ZONE_DECAY_SLOTS 4

struct kmm_zone {
	pthread_mutex_t lock;
	struct list_head free_area[NR_PAGE_ORDERS];
	unsigned long nr_free[NR_PAGE_ORDERS];
	unsigned long free_pages;   /* on free_area[] or not yet added */
	unsigned long dirty_pages;  /* free and not released */
	unsigned long released_pages;
	unsigned long fresh_pfn;    /* max-order blocks from here: unused */
	/*
	 * Decay (page_alloc.c): the fewest dirty pages of each of the last
	 * periods of KMM_DECAY_MS / ZONE_DECAY_SLOTS, and of the current
	 * one, decay_period.
	 */
	unsigned long decay_min[ZONE_DECAY_SLOTS];
	unsigned long decay_cur;
	uint64_t decay_period;
	/*
	 * Pages mapped, from the header on; read without the lock by
	 * virt_to_page (__atomic_load_n).  0: the zone was unmapped but for
	 * its header (a dead zone, which kmm_zone_grow may bring back).
	 */
	unsigned long nr_pages;
	unsigned long max_pages;    /* what mem_map has room for */
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

extern _Atomic(struct kmm_zone *) kmm_zone_table[1UL << ZONE_TABLE_BITS];

/* ---------------------------------------------------------------- zone.c */

struct kmm_zone *kmm_zone_grow(enum zone_type type);
/*
 * Maps more of a zone that has room in mem_map (zones grow in place under
 * an address-space limit): [*from, *to) is new.  z->lock held.
 */
bool kmm_zone_extend(struct kmm_zone *z, unsigned long *from,
		     unsigned long *to);
/*
 * Unmaps a zone's pages from end on (its free tail, taken off the free
 * lists), or all but its header if end is first_pfn: its table slot is
 * cleared.  kmm.zone_lock and z->lock held.  Returns the bytes unmapped.
 */
size_t kmm_zone_shrink(struct kmm_zone *z, unsigned long end);
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
	if (unlikely(pfn >= __atomic_load_n(&z->nr_pages, __ATOMIC_RELAXED)))
		return NULL;
	return zone_mem_map(z) + pfn;
}

/*
 * page_class: one byte per 4 KiB page of the user address space (a
 * mapping of 32 GiB without swap reserved, touched only where slabs
 * are: a byte map page per 16 MiB of them), 1 + the index of the cache
 * whose slab holds the page, 0 for anything else.  It lets free() go
 * from a pointer to its kmalloc class in one load, instead of zone table
 * -> struct page -> head page -> cache.  A byte is set before the slab's
 * first object is handed out and cleared before its pages are freed,
 * so a pointer into a live object always finds it.  Without the map
 * (under an address-space limit, or memcheck, where every call takes
 * the slow paths anyway) every byte reads 0: the slow paths decide.
 */
extern uint8_t *kmm_page_class_map __attribute__((visibility("hidden")));
/* Pfns covered, 0 without a map. */
extern uintptr_t kmm_page_class_end __attribute__((visibility("hidden")));

static __always_inline uintptr_t page_class(const void *p)
{
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT;

	if (unlikely(pfn >= kmm_page_class_end))
		return 0;
	return kmm_page_class_map[pfn];
}

void kmm_page_class_init(void);
void kmm_set_page_class(const void *addr, size_t nr_pages, unsigned int cls);

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

#endif /* KMM_MM_TYPES_H */

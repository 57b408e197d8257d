/*
 * page_alloc.c - buddy allocator over each zone's mem_map, and per-thread
 * page lists.
 *
 * Invariants: a free block of order n starts at a pfn aligned to 2^n; its
 * head alone has PG_buddy and records n; it is on free_area[n] exactly
 * while PG_buddy is set.  Every other page of a free block has no flag but
 * PG_released.  PG_released is per page: the page was given back with
 * madvise(MADV_DONTNEED) (or never touched) and reads as zero.  The head
 * of a free block carries PG_some_released when any page of the block may
 * have PG_released, so blocks without it need no scan, and PG_clean when
 * all of them have it.  Clean blocks sit at the tail of their free list,
 * the others at the head: allocation reuses resident memory first, and
 * release walks only the blocks that hold some.
 *
 * Accounting per zone: free_pages counts pages on free_area[] plus the
 * max-order blocks not yet used (from fresh_pfn); dirty_pages counts free
 * pages that are resident, released_pages free pages that are not.
 *
 * Release by time (KMM_DECAY_MS, 1000 by default): free pages that stayed
 * resident and unused for the decay time go back to the system, whatever
 * their amount, so memory freed and allocated back within it stays
 * mapped and memory freed for good goes back (see __zone_decay).  With
 * KMM_DECAY_MS=0, the rule is a byte threshold instead: when dirty_pages
 * passes KMM_RETAIN, the largest free blocks are released until half of
 * it is left (hysteresis).  With -1, only malloc_trim() and the other
 * reclaimers release.
 *
 * Per-thread page lists (struct kmm_pcp, orders 0..PCP_ORDERS-1)
 * take and give blocks in batches, so slab refills rarely take a zone
 * lock, as the kernel's per-cpu lists do.  Pages on them stay charged to
 * KMM_MEMORY_LIMIT (mm_account.c); a reclaimer gives them back, the
 * calling thread's first, then other threads', when a charge would fail,
 * and another gives free resident pages to the system for malloc_trim().
 *
 * Page runs (kmm_alloc_run): a run of any number of pages, cut from a
 * buddy block whose tail goes back, as the kernel's alloc_pages_exact.
 * kmalloc's cache of runs sits above, in page_runs.c.
 *
 * Locking: zone->lock guards free_area[], PG_buddy, PG_released of free
 * pages and the counters.  __functions expect it held.  A thread's
 * pcp_lock guards its pcp[] (taken by the owner in slow paths, tried by
 * reclaimers); zone locks nest inside it.
 */
#include "internal.h"
#include "list.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "printk.h"
#include "thread.h"
#include "track.h"

#include <errno.h>
#include <string.h>

/* Blocks below this order are not worth a system call to release. */
#define RELEASE_MIN_ORDER 3

static const unsigned int pcp_batch[PCP_ORDERS] = { 16, 8, 4, 2 };
static const unsigned int pcp_high[PCP_ORDERS] = { 48, 24, 12, 6 };

/* ------------------------------------------------------ page list lock */

/*
 * A thread's page lists are its own, but a reclaimer may
 * drain them from another thread: each list operation holds t->pcp_lock,
 * a spinlock that costs its owner an exchange and a store, in the slow
 * paths only (the malloc fast path never reaches pcp[]).  Reclaimers only
 * try it.  Taken with no other lock held but dead_lock, thread_lock (a
 * reclaimer) or a cache lock; zone locks nest inside it.
 */
static inline void pcp_lock(struct kmm_thread *t)
{
	while (unlikely(atomic_exchange_explicit(&t->pcp_lock, 1,
						 memory_order_acquire)))
		kmm_os_yield();
}

static inline bool pcp_trylock(struct kmm_thread *t)
{
	return !atomic_exchange_explicit(&t->pcp_lock, 1,
					 memory_order_acquire);
}

static inline void pcp_unlock(struct kmm_thread *t)
{
	atomic_store_explicit(&t->pcp_lock, 0, memory_order_release);
}

/* ----------------------------------------------------------- buddy core */

static inline struct kmm_page *pfn_to_page(struct kmm_zone *z,
					   unsigned long pfn)
{
	return zone_mem_map(z) + pfn;
}

/*
 * page_is_buddy - may the block at buddy merge with ours of order n?
 * (a) the buddy lies inside the zone's usable pages,
 * (b) it is free (PG_buddy),
 * (c) it is of the same order n,
 * (d) it is in the same zone: implied by (a), a zone owns its slot.
 */
static inline bool page_is_buddy(struct kmm_zone *z, unsigned long buddy_pfn,
				 unsigned int order)
{
	struct kmm_page *buddy;

	if (buddy_pfn < z->first_pfn || buddy_pfn >= z->fresh_pfn)
		return false;
	buddy = pfn_to_page(z, buddy_pfn);
	return (buddy->flags & PG_buddy) && buddy->order == order;
}

/*
 * state: 0, PG_some_released, or PG_some_released | PG_clean.
 *
 * The order is stored before PG_buddy, and PG_buddy cleared before the
 * order changes (compiler barriers: a signal handler in this thread may
 * fork), so a page with PG_buddy always records its block's order: the
 * child of such a fork rebuilds free_area[] from the flags (zone_rebuild).
 */
static inline void add_to_free_area(struct kmm_zone *z, struct kmm_page *page,
				    unsigned int order, uint16_t state)
{
	KMM_BUG_ON(order > MAX_PAGE_ORDER);
	KMM_BUG_ON(page_to_pfn(page) & ((1UL << order) - 1));
	page->order = (uint8_t)order;
	atomic_signal_fence(memory_order_seq_cst);
	page->flags = (uint16_t)((page->flags & PG_released) | PG_buddy |
				 state);
	if (state & PG_clean)
		list_add_tail(&page->lru, &z->free_area[order]);
	else
		list_add(&page->lru, &z->free_area[order]);
	z->nr_free[order]++;
}

static inline void del_from_free_area(struct kmm_zone *z,
				      struct kmm_page *page,
				      unsigned int order)
{
	KMM_BUG_ON(!(page->flags & PG_buddy) || page->order != order);
	KMM_BUG_ON(!z->nr_free[order]);
	list_del(&page->lru);
	z->nr_free[order]--;
	page->flags &= (uint16_t)~(PG_buddy | PG_some_released | PG_clean);
	atomic_signal_fence(memory_order_seq_cst);
}

/*
 * Debug checks: is pfn inside a free block (a head of any order whose
 * block covers it)?  Eleven loads.  Does a free block start anywhere in
 * [pfn, pfn + 2^order)?  A walk: --enable-debug=expensive.
 */
static __attribute__((unused)) bool in_free_block(struct kmm_zone *z,
						  unsigned long pfn)
{
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);
		struct kmm_page *page = pfn_to_page(z, head);

		if (head < z->first_pfn)
			break;
		if ((page->flags & PG_buddy) && page->order >= o)
			return true;
	}
	return false;
}

static __attribute__((unused)) bool free_block_inside(struct kmm_zone *z,
						      unsigned long pfn,
						      unsigned int order)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++)
		if (pfn_to_page(z, pfn + i)->flags & (PG_buddy | PG_cached))
			return true;
	return false;
}

/*
 * Merges the block at pfn with its buddies and puts the result on
 * free_area[].  Caller holds zone->lock and has done the accounting.
 */
static void __free_one_page(struct kmm_zone *z, unsigned long pfn,
			    unsigned int order, uint16_t state)
{
	KMM_BUG_ON(pfn < z->first_pfn || pfn + (1UL << order) > z->fresh_pfn);
	KMM_BUG_ON(in_free_block(z, pfn));
	KMM_BUG_ON_EXPENSIVE(free_block_inside(z, pfn, order));
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct kmm_page *buddy;
		uint16_t bs;

		if (!page_is_buddy(z, buddy_pfn, order))
			break;
		buddy = pfn_to_page(z, buddy_pfn);
		/* Both halves free, of one order, the pair aligned to it. */
		KMM_BUG_ON(buddy->order != order ||
			   (buddy_pfn & ((1UL << order) - 1)));
		bs = buddy->flags & (PG_some_released | PG_clean);
		/* Clean only if both halves are; released if either has some. */
		state = (uint16_t)((state | bs) & (PG_some_released |
						    (state & bs & PG_clean)));
		del_from_free_area(z, buddy, order);
		pfn &= ~(1UL << order);
		order++;
	}
	add_to_free_area(z, pfn_to_page(z, pfn), order, state);
}

/* Used by zone.c when a zone is set up. */
void kmm_zone_add_fresh(struct kmm_zone *z, unsigned long pfn,
			unsigned int order)
{
	struct kmm_page *page = pfn_to_page(z, pfn);
	unsigned long i, n = 1UL << order;

	KMM_BUG_ON(pfn < z->first_pfn || pfn + n > z->nr_pages);
	/* Never touched: reads as zero and is not resident. */
	for (i = 0; i < n; i++)
		page[i].flags = PG_released;
	add_to_free_area(z, page, order, PG_some_released | PG_clean);
	z->free_pages += n;
	z->released_pages += n;
}

/*
 * Puts [pfn, end), pages never used, on the free lists, merged with the
 * free blocks around them.  Caller holds zone->lock.
 */
static void __zone_add_range(struct kmm_zone *z, unsigned long pfn,
			     unsigned long end)
{
	while (pfn < end) {
		unsigned int order = (unsigned int)__builtin_ctzl(pfn);
		struct kmm_page *page = pfn_to_page(z, pfn);
		unsigned long i, n;

		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		while (pfn + (1UL << order) > end)
			order--;
		n = 1UL << order;
		for (i = 0; i < n; i++)
			page[i].flags = PG_released;
		z->free_pages += n;
		z->released_pages += n;
		__free_one_page(z, pfn, order, PG_some_released | PG_clean);
		pfn += n;
	}
}

/*
 * A zone growing in place (under an address-space limit) maps its next
 * pages and puts them on the free lists.  Caller holds zone->lock: the
 * mmap runs under it, once per 4 MiB at most.
 */
static bool zone_extend(struct kmm_zone *z)
{
	unsigned long from, to;

	KMM_BUG_ON(z->fresh_pfn + MAX_ORDER_NR_PAGES <= z->nr_pages);
	if (!kmm_zone_extend(z, &from, &to))
		return false;
	z->fresh_pfn = to;
	__zone_add_range(z, from, to);
	return true;
}

/* Splits the upper halves of a block of order high off down to low. */
static inline void expand(struct kmm_zone *z, struct kmm_page *page,
			  unsigned int low, unsigned int high, uint16_t state)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_area(z, page + size, high, state);
	}
}

/*
 * Takes the smallest block of at least the order wanted, splitting it.
 * Returns the head with flags cleared but PG_released bits of its pages
 * still to be dealt with (*some_released says whether to look).
 */
static struct kmm_page *__rmqueue_smallest(struct kmm_zone *z,
					   unsigned int order,
					   uint16_t *some_released)
{
	uint16_t state;
	unsigned int o;

	for (o = order; o < NR_PAGE_ORDERS; o++) {
		struct kmm_page *page;

		KMM_BUG_ON(list_empty(&z->free_area[o]) != !z->nr_free[o]);
		if (list_empty(&z->free_area[o]))
			continue;
		page = list_first_entry(&z->free_area[o], struct kmm_page, lru);
		state = page->flags & (PG_some_released | PG_clean);
		*some_released = state & PG_some_released;
		del_from_free_area(z, page, o);
		expand(z, page, order, o, state);
		return page;
	}
	if (z->fresh_pfn + MAX_ORDER_NR_PAGES <= z->nr_pages) {
		unsigned long pfn = z->fresh_pfn;

		KMM_BUG_ON(z->free_pages < MAX_ORDER_NR_PAGES ||
			   z->released_pages < MAX_ORDER_NR_PAGES);
		z->fresh_pfn += MAX_ORDER_NR_PAGES;
		/* The block was counted free and released already. */
		z->free_pages -= MAX_ORDER_NR_PAGES;
		z->released_pages -= MAX_ORDER_NR_PAGES;
		kmm_zone_add_fresh(z, pfn, MAX_PAGE_ORDER);
		return __rmqueue_smallest(z, order, some_released);
	}
	if (z->nr_pages < z->max_pages && zone_extend(z))
		return __rmqueue_smallest(z, order, some_released);
	return NULL;
}

/*
 * Clears PG_released on the pages of an allocated block and updates the
 * counters.  Returns how many pages were released (they read as zero).
 */
static unsigned long claim_block(struct kmm_zone *z, struct kmm_page *page,
				 unsigned long n, uint16_t some_released)
{
	unsigned long i, released = 0;

	if (some_released) {
		for (i = 0; i < n; i++) {
			if (page[i].flags & PG_released) {
				page[i].flags &= (uint16_t)~PG_released;
				released++;
			}
		}
	}
	KMM_BUG_ON(z->free_pages < n || z->released_pages < released ||
		   z->dirty_pages < n - released);
	z->free_pages -= n;
	z->released_pages -= released;
	z->dirty_pages -= n - released;
	z->decay_cur = MIN(z->decay_cur, z->dirty_pages);
	return released;
}

static bool zone_watermark_ok(struct kmm_zone *z, unsigned int order,
			      kmm_gfp_t gfp)
{
	unsigned long need = 1UL << order, avail = z->free_pages;

	/* A zone growing in place has the rest of its mem_map to come. */
	if (z->nr_pages)
		avail += z->max_pages - z->nr_pages;
	if (avail < need)
		return false;
	if (gfp & KMM___GFP_HIGH)
		return true;
	return avail - need >= z->min_pages;
}

/*
 * Releases free blocks of order >= min_order, largest first, until the
 * zone keeps at most keep dirty pages: of one order, the blocks freed
 * last first, or, oldest, those freed first (the free lists take freed
 * blocks at their head and clean ones at their tail: a walk back from
 * the tail passes the clean ones first).  Caller holds zone->lock.  The
 * madvise calls run under the lock; they are rare by construction.
 */
static unsigned long __zone_release(struct kmm_zone *z, unsigned long keep,
				    unsigned int min_order, bool oldest)
{
	unsigned long total = 0;
	int o;

	for (o = MAX_PAGE_ORDER; o >= (int)min_order && z->dirty_pages > keep;
	     o--) {
		struct list_head *head = &z->free_area[o], *pos, *next;

		for (pos = oldest ? head->prev : head->next; pos != head;
		     pos = next) {
			struct kmm_page *page =
				list_entry(pos, struct kmm_page, lru);
			unsigned long i, n = 1UL << o, run = 0, done = 0;
			char *base = __page_address(page);

			next = oldest ? pos->prev : pos->next;
			/* Clean blocks are at the tail: nothing left here. */
			if (page->flags & PG_clean) {
				if (oldest)
					continue;
				break;
			}
			for (i = 0; i <= n; i++) {
				if (i < n && !(page[i].flags & PG_released)) {
					run++;
					continue;
				}
				if (run) {
					kmm_os_release(base + ((i - run)
							       << PAGE_SHIFT),
						       run << PAGE_SHIFT);
					done += run;
					run = 0;
				}
			}
			for (i = 0; i < n && done; i++)
				page[i].flags |= PG_released;
			/* Now clean: move it to the tail. */
			del_from_free_area(z, page, (unsigned int)o);
			add_to_free_area(z, page, (unsigned int)o,
					 PG_some_released | PG_clean);
			KMM_BUG_ON(z->dirty_pages < done);
			z->dirty_pages -= done;
			z->released_pages += done;
			total += done;
			if (z->dirty_pages <= keep)
				break;
		}
	}
	return total;
}

static inline unsigned long retain_pages(void)
{
	return kmm.opt.dirty_max >> PAGE_SHIFT;
}

/*
 * The decay of free resident pages, zone->lock held: the free pages
 * reclaimer's decay hook, once per period of KMM_DECAY_MS /
 * ZONE_DECAY_SLOTS (mm_account.c).  The zone records the fewest dirty
 * pages it had in each period (claim_block lowers decay_cur).  At the
 * first call of a new period, the fewest of the last ZONE_DECAY_SLOTS
 * periods is how many free pages stayed resident and unused for the
 * whole decay time at least, and that many go back to the system, the
 * oldest of each order first (an allocation takes the blocks freed
 * last): memory freed for good goes back between one and 1.25 decay
 * times later, in steps, and memory reused within the decay time stays
 * resident whatever its amount, as jemalloc's dirty decay and mimalloc's
 * purge delay keep it.
 * Blocks below RELEASE_MIN_ORDER stay: not worth a system call each.
 *
 * There is no thread of its own: a program that goes idle keeps its free
 * memory until its next call into a slow path (or malloc_trim()).  The
 * slow paths that took a zone lock call kmm_mem_decay() once out of it:
 * one coarse clock read (vDSO).
 */
static void __zone_decay(struct kmm_zone *z, uint64_t period)
{
	unsigned long stale, done;
	unsigned int i;
	uint64_t p;

	if (!period || likely(period == z->decay_period))
		return;
	/* The period that ended, then those without a call: no change. */
	z->decay_min[z->decay_period % ZONE_DECAY_SLOTS] = z->decay_cur;
	p = period - MIN(period - z->decay_period - 1, ZONE_DECAY_SLOTS);
	for (; p < period; p++)
		z->decay_min[p % ZONE_DECAY_SLOTS] = z->dirty_pages;
	z->decay_period = period;
	stale = z->dirty_pages;
	for (i = 0; i < ZONE_DECAY_SLOTS; i++)
		stale = MIN(stale, z->decay_min[i]);
	done = stale ? __zone_release(z, z->dirty_pages - stale,
				      RELEASE_MIN_ORDER, true) : 0;
	for (i = 0; i < ZONE_DECAY_SLOTS; i++)
		z->decay_min[i] -= MIN(z->decay_min[i], done);
	z->decay_cur = z->dirty_pages;
}

/* The threshold rule of KMM_DECAY_MS=0, after a free; zone->lock held. */
static inline void __zone_release_excess(struct kmm_zone *z)
{
	if (!kmm.opt.decay_ms && z->dirty_pages > retain_pages())
		__zone_release(z, retain_pages() / 2, RELEASE_MIN_ORDER,
			       false);
}

/* Frees a block of the zone; caller holds zone->lock. */
static void __free_block(struct kmm_zone *z, struct kmm_page *page,
			 unsigned int order)
{
	unsigned long n = 1UL << order;

	KMM_BUG_ON(page->flags & (PG_buddy | PG_tail | PG_slab));
	page->flags = 0;
	atomic_store_explicit(&page->refcount, 0, memory_order_relaxed);
	z->free_pages += n;
	z->dirty_pages += n;
	__free_one_page(z, page_to_pfn(page), order, 0);
	KMM_BUG_ON(z->free_pages != z->dirty_pages + z->released_pages);
}

static void free_block(struct kmm_page *page, unsigned int order)
{
	struct kmm_zone *z = page_zone(page);

	kmm_lock(&z->lock);
	__free_block(z, page, order);
	__zone_release_excess(z);
	kmm_unlock(&z->lock);
	kmm_mem_uncharge(PAGE_SIZE << order);
}

static inline enum zone_type gfp_zone(kmm_gfp_t gfp)
{
	return gfp & KMM___GFP_DMA32 ? ZONE_DMA32 : ZONE_NORMAL;
}

/*
 * Takes up to count blocks of one order from the zones of a type, under
 * one lock per zone tried.  Blocks are chained through lru.next.  *zeroed
 * (if given, count 1) tells whether the block reads as zero.
 */
static unsigned int rmqueue_bulk(kmm_gfp_t gfp, unsigned int order,
				 unsigned int count, struct kmm_page **list,
				 bool *zeroed)
{
	enum zone_type type = gfp_zone(gfp);
	unsigned int got = 0;
	int i, n;

	for (;;) {
		n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
		for (i = 0; i < n && got < count; i++) {
			struct kmm_zone *z = kmm.zones[i];

			if (z->type != type)
				continue;
			kmm_lock(&z->lock);
			while (got < count && zone_watermark_ok(z, order, gfp)) {
				uint16_t some = 0;
				unsigned long rel;
				struct kmm_page *page =
					__rmqueue_smallest(z, order, &some);

				if (!page)
					break;
				rel = claim_block(z, page, 1UL << order, some);
				page->order = (uint8_t)order;
				page->flags = rel == 1UL << order ? PG_released
								 : 0;
				page->lru.next = (struct list_head *)*list;
				*list = page;
				got++;
				if (zeroed)
					*zeroed = rel == 1UL << order;
			}
			kmm_unlock(&z->lock);
		}
		if (got || !(gfp & KMM___GFP_DIRECT_RECLAIM))
			return got;
		if (!kmm_zone_grow(type))
			return 0;
	}
}

/*
 * No zone had the block nor could grow: under an address-space limit the
 * reclaimers may free some (kmm_mem_reclaim_space).  Says whether to try
 * again.  t's page lists, if t is given, are locked by the caller and
 * unlocked meanwhile: the reclaimers drain them.
 */
static __cold bool space_reclaimed(kmm_gfp_t gfp, struct kmm_thread *t)
{
	bool again;

	if (!(gfp & KMM___GFP_DIRECT_RECLAIM))
		return false;
	if (t)
		pcp_unlock(t);
	again = kmm_mem_reclaim_space() != 0;
	if (t)
		pcp_lock(t);
	return again;
}

/*
 * The allocation every path ends in: a block of 2^order pages, head
 * refcount 1, no compound marking.  Memory limit charged.  The block's
 * pages read as zero if *zeroed; *from_zones says a zone lock was taken
 * (the caller then lets the decay run, at a shallow frame).
 */
static struct kmm_page *alloc_block(kmm_gfp_t gfp, unsigned int order,
				    bool *zeroed, bool *from_zones)
{
	struct kmm_page *page = NULL;
	bool refilled = false;
	struct kmm_thread *t;
	struct kmm_pcp *pcp;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	t = kmm_thread_or_null();
	if (order < PCP_ORDERS && !(gfp & KMM___GFP_DMA32) && t) {
		pcp = &t->pcp[order];
		pcp_lock(t);
		if (unlikely(!pcp->head)) {
			unsigned int want = pcp_batch[order];

			/* A charge may call reclaimers, which drain lists. */
			pcp_unlock(t);
			if (!kmm_mem_charge((PAGE_SIZE << order) * want)) {
				want = 1;
				if (!kmm_mem_charge(PAGE_SIZE << order))
					return NULL;
			}
			/* Only the owner adds to its lists: still empty. */
			pcp_lock(t);
			pcp->count += rmqueue_bulk(gfp, order, want,
						   &pcp->head, NULL);
			if (!pcp->count && space_reclaimed(gfp, t))
				pcp->count += rmqueue_bulk(gfp, order, want,
							   &pcp->head, NULL);
			if (pcp->count < want)
				kmm_mem_uncharge((PAGE_SIZE << order) *
						 (want - pcp->count));
			refilled = true;
		}
		page = pcp->head;
		if (page) {
			KMM_BUG_ON(!pcp->count);
			pcp->head = (struct kmm_page *)page->lru.next;
			pcp->count--;
			*zeroed = page->flags & PG_released;
		}
		pcp_unlock(t);
		if (!page)
			return NULL;
	} else {
		if (!kmm_mem_charge(PAGE_SIZE << order))
			return NULL;
		if (!rmqueue_bulk(gfp, order, 1, &page, zeroed) &&
		    !(space_reclaimed(gfp, NULL) &&
		      rmqueue_bulk(gfp, order, 1, &page, zeroed))) {
			kmm_mem_uncharge(PAGE_SIZE << order);
			return NULL;
		}
		refilled = true;
	}
	*from_zones = refilled;
	page->flags = 0;
	page->lru.next = page->lru.prev = NULL;
	atomic_store_explicit(&page->refcount, 1, memory_order_relaxed);
	return page;
}

static __attribute__((unused)) bool pcp_holds(const struct kmm_pcp *pcp,
					      const struct kmm_page *page)
{
	const struct kmm_page *p;

	for (p = pcp->head; p; p = (const struct kmm_page *)p->lru.next)
		if (p == page)
			return true;
	return false;
}

static void free_block_pcp(struct kmm_page *page, unsigned int order)
{
	struct kmm_thread *t = kmm_thread_or_null();
	struct kmm_pcp *pcp;

	if (order >= PCP_ORDERS || !t ||
	    page_zone(page)->type != ZONE_NORMAL) {
		free_block(page, order);
		kmm_mem_decay();
		return;
	}
	pcp = &t->pcp[order];
	KMM_BUG_ON(page->flags & (PG_buddy | PG_cached | PG_tail | PG_slab));
	KMM_BUG_ON(pcp_holds(pcp, page));	/* at most pcp_high long */
	page->flags = 0;
	page->order = (uint8_t)order;
	pcp_lock(t);
	page->lru.next = (struct list_head *)pcp->head;
	pcp->head = page;
	if (++pcp->count > pcp_high[order]) {
		unsigned int i;

		for (i = 0; i < pcp_batch[order]; i++) {
			page = pcp->head;
			pcp->head = (struct kmm_page *)page->lru.next;
			pcp->count--;
			free_block(page, order);
		}
		pcp_unlock(t);
		kmm_mem_decay();
		return;
	}
	pcp_unlock(t);
}

/* Gives a thread's page lists back; pcp_lock held. */
static size_t __pcp_drain(struct kmm_thread *t)
{
	size_t pages = 0;
	unsigned int o;

	for (o = 0; o < PCP_ORDERS; o++) {
		struct kmm_pcp *pcp = &t->pcp[o];
		unsigned int seen = 0;

		while (pcp->head) {
			struct kmm_page *page = pcp->head;

			pcp->head = (struct kmm_page *)page->lru.next;
			free_block(page, o);
			pages += 1UL << o;
			seen++;
		}
		/* The count is the list's (both change under pcp_lock). */
		KMM_BUG_ON(seen != pcp->count);
		pcp->count = 0;
	}
	return pages;
}

static size_t pcp_reclaim_self(struct kmm_thread *t)
{
	size_t pages;

	pcp_lock(t);
	pages = __pcp_drain(t);
	pcp_unlock(t);
	return pages;
}

void kmm_pcp_drain(struct kmm_thread *t)
{
	pcp_reclaim_self(t);
}

static __cold void alloc_warn(kmm_gfp_t gfp, unsigned int order)
{
	struct kmm_msg m = { .len = 0 };

	if (gfp & KMM___GFP_NOWARN)
		return;
	kmm_msg_str(&m, "kmm: page allocation failure: order:");
	kmm_msg_num(&m, order, 10);
	kmm_msg_str(&m, ", mode:");
	kmm_msg_num(&m, gfp, 16);
	kmm_msg_send(&m);
}

struct kmm_page *__kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order)
{
	bool zeroed = false, slow = false;
	struct kmm_page *page;

	page = alloc_block(gfp, order, &zeroed, &slow);
	if (slow)
		kmm_mem_decay();
	if (unlikely(!page)) {
		alloc_warn(gfp, order);
		return NULL;
	}
	if ((gfp & KMM___GFP_ZERO) && !zeroed)
		memset(__page_address(page), 0, PAGE_SIZE << order);
	page->order = (uint8_t)order;
	return page;
}

void __kmm_free_pages(struct kmm_page *page, unsigned int order)
{
	/* Freed with the order it was allocated with, and not free. */
	KMM_BUG_ON(page->order != order);
	KMM_BUG_ON(in_free_block(page_zone(page), page_to_pfn(page)));
	free_block_pcp(page, order);
}

/* --------------------------------------------------------------- compound */

void kmm_prep_compound(struct kmm_page *page, unsigned int order)
{
	unsigned long i, n = 1UL << order;

	page->order = (uint8_t)order;
	if (!order)
		return;
	page->flags |= PG_head;
	for (i = 1; i < n; i++) {
		page[i].flags = PG_tail;
		page[i].compound_head = page;
	}
}

void kmm_clear_compound(struct kmm_page *page, unsigned int order)
{
	unsigned long i, n = 1UL << order;

	for (i = 1; i < n; i++) {
		page[i].flags = 0;
		page[i].compound_head = NULL;
	}
	page->flags = 0;
}

/* ------------------------------------------------------------ page runs */

/* Frees [pfn, pfn + nr) of a zone as aligned blocks; lock held. */
static void __free_range(struct kmm_zone *z, unsigned long pfn,
			 unsigned long nr)
{
	while (nr) {
		unsigned int order = (unsigned int)__builtin_ctzl(pfn);

		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		while ((1UL << order) > nr)
			order--;
		__free_block(z, pfn_to_page(z, pfn), order);
		pfn += 1UL << order;
		nr -= 1UL << order;
	}
}

/* Frees a run of nr pages (or the tail of one) to its zone. */
void kmm_free_run(struct kmm_page *page, size_t nr)
{
	struct kmm_zone *z = page_zone(page);

	page->flags = 0;
	atomic_store_explicit(&page->refcount, 0, memory_order_relaxed);
	kmm_lock(&z->lock);
	__free_range(z, page_to_pfn(page), nr);
	__zone_release_excess(z);
	kmm_unlock(&z->lock);
	kmm_mem_uncharge(nr << PAGE_SHIFT);
	kmm_mem_decay();
}

/*
 * A run of nr pages aligned to 2^align_order pages, with the kernel's
 * alloc_pages_exact semantics: the unused tail of the buddy block goes
 * back to the free lists, so 33 KiB costs 9 pages.
 */
struct kmm_page *kmm_alloc_run(kmm_gfp_t gfp, size_t nr,
			       unsigned int align_order)
{
	unsigned int order = order_for_size(nr << PAGE_SHIFT);
	unsigned long n;
	struct kmm_page *page;
	struct kmm_zone *z;
	bool zeroed = false, slow = false;

	if (align_order > order)
		order = align_order;
	if (order > MAX_PAGE_ORDER)
		return NULL;
	page = alloc_block(gfp | KMM___GFP_NOWARN, order, &zeroed, &slow);
	if (slow)
		kmm_mem_decay();
	if (!page) {
		alloc_warn(gfp, order);
		return NULL;
	}
	n = 1UL << order;
	if (nr < n) {
		z = page_zone(page);
		kmm_lock(&z->lock);
		__free_range(z, page_to_pfn(page) + nr, n - nr);
		kmm_unlock(&z->lock);
		kmm_mem_uncharge((n - nr) << PAGE_SHIFT);
	}
	if ((gfp & KMM___GFP_ZERO) && !zeroed)
		memset(__page_address(page), 0, nr << PAGE_SHIFT);
	page->flags = 0;
	page->order = 0;
	return page;
}

/*
 * Grows the run at page from nr to want pages in place when the pages
 * after it are free blocks, so a realloc chain does not copy at every
 * step: those blocks leave the free lists, the last one split so what
 * lies past the run stays free.  The new pages are not cleared.  On
 * failure *in_way is the head of an allocated block in the way (NULL if
 * the way is out of the zone): its owner may give it back and try again.
 */
bool kmm_grow_run(struct kmm_page *page, size_t nr, size_t want,
		  struct kmm_page **in_way)
{
	struct kmm_zone *z = page_zone(page);
	unsigned long pfn = page_to_pfn(page), p, end = pfn + want;

	*in_way = NULL;
	if (want <= nr || want > MAX_ORDER_NR_PAGES)
		return false;
	if (!kmm_mem_charge((want - nr) << PAGE_SHIFT))
		return false;
	kmm_lock(&z->lock);
	for (p = pfn + nr; p < end;) {
		struct kmm_page *b = pfn_to_page(z, p);

		if (p >= z->fresh_pfn || !(b->flags & PG_buddy)) {
			if (p < z->fresh_pfn)
				*in_way = b;
			kmm_unlock(&z->lock);
			kmm_mem_uncharge((want - nr) << PAGE_SHIFT);
			return false;
		}
		p += 1UL << b->order;
	}
	for (p = pfn + nr; p < end;) {
		struct kmm_page *b = pfn_to_page(z, p);
		unsigned int o = b->order;
		uint16_t state = b->flags & (PG_some_released | PG_clean);

		del_from_free_area(z, b, o);
		/* Upper halves past the end go back, as expand() does. */
		while (p + (1UL << o) > end) {
			o--;
			add_to_free_area(z, b + (1UL << o), o, state);
		}
		claim_block(z, b, 1UL << o, state & PG_some_released);
		b->flags = 0;
		b->order = 0;
		p += 1UL << o;
	}
	kmm_unlock(&z->lock);
	return true;
}

/* ---------------------------------------------------------- reclaimers */

/*
 * Charged pages not handed out: what the threads keep on their page
 * lists.  Other threads' counts are read without their owners'
 * consent: a statistic, exact when they are idle.
 */
static size_t pcp_count(void)
{
	struct list_head *pos;
	size_t pages = 0;
	unsigned int o;

	if (!kmm_lock_report(&kmm.thread_lock))
		return 0;
	list_for_each(pos, &kmm.threads) {
		const struct kmm_thread *t =
			list_entry(pos, struct kmm_thread, node);

		for (o = 0; o < PCP_ORDERS; o++)
			pages += (size_t)t->pcp[o].count << o;
	}
	kmm_unlock_report(&kmm.thread_lock);
	return pages << PAGE_SHIFT;
}

/*
 * Drains the calling thread's page lists, then other threads' until want
 * bytes went back: an idle thread's lists (up to 768 KiB) are as good as
 * free.  A thread busy with its lists is passed
 * over.
 */
static size_t pcp_reclaim(size_t want)
{
	struct kmm_thread *self = kmm_thread_or_null();
	struct list_head *pos;
	size_t pages = 0;

	if (self)
		pages += pcp_reclaim_self(self);
	kmm_lock(&kmm.thread_lock);
	list_for_each(pos, &kmm.threads) {
		struct kmm_thread *t = list_entry(pos, struct kmm_thread, node);

		if ((pages << PAGE_SHIFT) >= want)
			break;
		if (t == self || !pcp_trylock(t))
			continue;
		pages += __pcp_drain(t);
		pcp_unlock(t);
	}
	kmm_unlock(&kmm.thread_lock);
	return pages << PAGE_SHIFT;
}

/* Free resident pages of the zones: they go back with MADV_DONTNEED. */
static size_t buddy_count(void)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	size_t pages = 0;

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		if (!kmm_lock_report(&z->lock))
			continue;
		pages += z->dirty_pages;
		kmm_unlock_report(&z->lock);
	}
	return pages << PAGE_SHIFT;
}

/* Releases the largest free blocks first until want bytes went back. */
static size_t buddy_reclaim(size_t want)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	size_t pages = 0, left = want >> PAGE_SHIFT;

	for (i = 0; i < n && pages < left; i++) {
		struct kmm_zone *z = kmm.zones[i];
		unsigned long keep;

		kmm_lock(&z->lock);
		keep = z->dirty_pages > left - pages ?
			       z->dirty_pages - (left - pages) : 0;
		pages += __zone_release(z, keep, 0, false);
		kmm_unlock(&z->lock);
	}
	return pages << PAGE_SHIFT;
}

/*
 * Takes the free blocks that end a zone's pages off the free lists, and
 * the max-order blocks never used, and returns where the zone may end
 * now: first_pfn if it is wholly free.  zone->lock held.
 */
static unsigned long __zone_trim(struct kmm_zone *z)
{
	unsigned long end = z->fresh_pfn;
	unsigned long unused = ((z->nr_pages - z->fresh_pfn) >> MAX_PAGE_ORDER)
			       << MAX_PAGE_ORDER;

	z->free_pages -= unused;
	z->released_pages -= unused;
	for (;;) {
		struct kmm_page *page = NULL;
		unsigned long i, n, rel = 0;
		unsigned int o;

		/* The free block that ends at end, if any: aligned to it. */
		for (o = 0; o <= MAX_PAGE_ORDER && !(end & ((1UL << o) - 1));
		     o++) {
			struct kmm_page *p;

			if (end < z->first_pfn + (1UL << o))
				break;
			p = pfn_to_page(z, end - (1UL << o));
			if ((p->flags & PG_buddy) && p->order == o) {
				page = p;
				break;
			}
		}
		if (!page)
			break;
		n = 1UL << o;
		for (i = 0; i < n; i++)
			rel += !!(page[i].flags & PG_released);
		del_from_free_area(z, page, o);
		KMM_BUG_ON(z->free_pages < n || z->released_pages < rel ||
			   z->dirty_pages < n - rel);
		z->free_pages -= n;
		z->released_pages -= rel;
		z->dirty_pages -= n - rel;
		end -= n;
	}
	z->fresh_pfn = end;
	return end;
}

/* Free pages of the zones: what unmapping could give back, at most. */
static size_t zone_space_count(void)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	size_t pages = 0;

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		kmm_lock(&z->lock);
		pages += z->free_pages;
		kmm_unlock(&z->lock);
	}
	return pages << PAGE_SHIFT;
}

/*
 * Unmaps the free tail of every zone, and every empty zone but its
 * header: a mapping failed for want of address space.  The first
 * reclaimers gave what they held back to the zones already.
 */
static size_t zone_space_reclaim(size_t want)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	size_t bytes = 0;

	(void)want;
	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		kmm_lock(&kmm.zone_lock);
		kmm_lock(&z->lock);
		if (z->nr_pages)
			bytes += kmm_zone_shrink(z, __zone_trim(z));
		kmm_unlock(&z->lock);
		kmm_unlock(&kmm.zone_lock);
	}
	return bytes;
}

static const struct kmm_reclaimer pcp_reclaimer = {
	.name = "page lists",
	.count = pcp_count,
	.reclaim = pcp_reclaim,
	.priority = 30,
	.flags = KMM_RECLAIM_CHARGED,
};

/* Releases, in every zone, the free pages unused for the decay time. */
static void buddy_decay(uint64_t period)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		kmm_lock(&z->lock);
		__zone_decay(z, period);
		kmm_unlock(&z->lock);
	}
}

static const struct kmm_reclaimer buddy_reclaimer = {
	.name = "free pages",
	.count = buddy_count,
	.reclaim = buddy_reclaim,
	.decay = buddy_decay,
	.priority = 90,
	.flags = KMM_RECLAIM_RESIDENT,
};

/* Address space, asked last and only when a mapping failed. */
static const struct kmm_reclaimer zone_space_reclaimer = {
	.name = "zone space",
	.count = zone_space_count,
	.reclaim = zone_space_reclaim,
	.priority = 95,
	.flags = KMM_RECLAIM_SPACE,
};

void kmm_page_alloc_init(void)
{
	kmm_register_reclaimer(&pcp_reclaimer);
	kmm_register_reclaimer(&buddy_reclaimer);
	kmm_register_reclaimer(&zone_space_reclaimer);
}

/* ---------------------------------------------------------- public API */

KMM_EXPORT struct kmm_page *kmm_alloc_pages(kmm_gfp_t gfp, unsigned int order)
{
	struct kmm_page *page;

	kmm_init();
	kmm_track_enter();
	page = __kmm_alloc_pages(gfp, order);
	if (page)
		kmm_prep_compound(page, order);
	else if (gfp & KMM___GFP_NOFAIL)
		kmm_nofail("alloc_pages", PAGE_SIZE << order);
	kmm_track_alloc(page ? __page_address(page) : NULL, PAGE_SIZE << order,
			gfp & KMM___GFP_ZERO);
	return page;
}

/* The last reference to a block of the page API went away. */
static void free_compound(struct kmm_page *page)
{
	unsigned int order = page->order;

	if (!kmm_track_free(__page_address(page)))
		return;		/* the tool reported the free */
	kmm_clear_compound(page, order);
	__kmm_free_pages(page, order);
	kmm_track_leave();
}

static __cold void bad_page(const struct kmm_page *page, const char *fn,
			    const char *why)
{
	kmm_die(fn, why, page, NULL);
}

KMM_EXPORT void kmm_free_pages_page(struct kmm_page *page, unsigned int order)
{
	if (!page)
		return;
	if (page->flags & (PG_tail | PG_slab | PG_buddy | PG_large) ||
	    page->order != order)
		bad_page(page, "__free_pages",
			 "not the head of a block of that order: page");
	if (atomic_fetch_sub_explicit(&page->refcount, 1,
				      memory_order_acq_rel) == 1)
		free_compound(page);
}

KMM_EXPORT unsigned long kmm_get_free_pages(kmm_gfp_t gfp, unsigned int order)
{
	struct kmm_page *page = kmm_alloc_pages(gfp, order);

	return page ? (unsigned long)__page_address(page) : 0;
}

KMM_EXPORT void kmm_free_pages(unsigned long addr, unsigned int order)
{
	struct kmm_page *page;

	if (!addr)
		return;
	page = kmm_virt_to_page((const void *)addr);
	if (!page || (addr & (PAGE_SIZE - 1)))
		kmm_die("free_pages", "invalid pointer", (void *)addr, NULL);
	kmm_free_pages_page(page, order);
}

KMM_EXPORT void *kmm_alloc_pages_exact(size_t size, kmm_gfp_t gfp)
{
	size_t nr = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct kmm_page *page;

	if (!size || size > (PAGE_SIZE << MAX_PAGE_ORDER))
		return NULL;
	kmm_init();
	kmm_track_enter();
	page = kmm_alloc_run(gfp, nr, 0);
	if (!page && (gfp & KMM___GFP_NOFAIL))
		kmm_nofail("alloc_pages_exact", size);
	/* The program owns whole pages, as in the kernel. */
	kmm_track_alloc(page ? __page_address(page) : NULL, nr << PAGE_SHIFT,
			gfp & KMM___GFP_ZERO);
	return page ? __page_address(page) : NULL;
}

KMM_EXPORT void kmm_free_pages_exact(void *virt, size_t size)
{
	struct kmm_page *page;

	if (!virt)
		return;
	page = kmm_virt_to_page(virt);
	if (!page || ((uintptr_t)virt & (PAGE_SIZE - 1)))
		kmm_die("free_pages_exact", "invalid pointer", virt, NULL);
	if (!kmm_track_free(virt))
		return;		/* the tool reported the free */
	kmm_free_run(page, (size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	kmm_track_leave();
}

KMM_EXPORT int kmm_page_count(const struct kmm_page *page)
{
	const struct kmm_page *head = page;

	if (page->flags & PG_tail)
		head = page->compound_head;
	return atomic_load_explicit(&head->refcount, memory_order_relaxed);
}

KMM_EXPORT void kmm_get_page(struct kmm_page *page)
{
	atomic_fetch_add_explicit(&compound_head(page)->refcount, 1,
				  memory_order_relaxed);
}

KMM_EXPORT void kmm_put_page(struct kmm_page *page)
{
	struct kmm_page *head = compound_head(page);

	if (atomic_fetch_sub_explicit(&head->refcount, 1,
				      memory_order_acq_rel) == 1)
		free_compound(head);
}

/* ----------------------------------------------------- introspection */

void kmm_buddy_counts(enum zone_type type, unsigned long nr[NR_PAGE_ORDERS])
{
	int i, o, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	for (o = 0; o < NR_PAGE_ORDERS; o++)
		nr[o] = 0;
	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		if (z->type != type || !kmm_lock_report(&z->lock))
			continue;
		for (o = 0; o < NR_PAGE_ORDERS; o++)
			nr[o] += z->nr_free[o];
		/* Max-order blocks not yet used are free blocks too. */
		nr[MAX_PAGE_ORDER] += (z->nr_pages - z->fresh_pfn) >>
				      MAX_PAGE_ORDER;
		kmm_unlock_report(&z->lock);
	}
}

/* Of those, the max-order blocks of the zones of type never used yet. */
unsigned long kmm_buddy_fresh_blocks(enum zone_type type)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	unsigned long nr = 0;

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		if (z->type != type || !kmm_lock_report(&z->lock))
			continue;
		nr += (z->nr_pages - z->fresh_pfn) >> MAX_PAGE_ORDER;
		kmm_unlock_report(&z->lock);
	}
	return nr;
}

void kmm_page_stats(struct kmm_page_stats *st)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	memset(st, 0, sizeof(*st));
	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		if (!kmm_lock_report(&z->lock))
			continue;
		if (!z->nr_pages) {	/* unmapped: see zone.c */
			kmm_unlock_report(&z->lock);
			continue;
		}
		st->zones++;
		st->spanned_pages += z->nr_pages;
		st->free_pages += z->free_pages;
		st->released_pages += z->released_pages;
		st->reserved_pages += z->first_pfn;
		kmm_unlock_report(&z->lock);
	}
}

static int zone_check(struct kmm_zone *z)
{
	unsigned long free = 0, released = 0, pfn;
	int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long count = 0;
		bool seen_clean = false;
		struct list_head *pos;

		list_for_each(pos, &z->free_area[o]) {
			struct kmm_page *page =
				list_entry(pos, struct kmm_page, lru);
			unsigned long i, p = page_to_pfn(page);

			if (!(page->flags & PG_buddy) || page->order != o ||
			    (p & ((1UL << o) - 1)) || p < z->first_pfn ||
			    p + (1UL << o) > z->fresh_pfn) {
				kmm_report("zone %d: bad free block pfn %lu order %d",
					   z->index, p, o);
				return -1;
			}
			if (!(page->flags & PG_clean) && seen_clean) {
				kmm_report("zone %d: order %d: dirty block pfn %lu after a clean one",
					   z->index, o, p);
				return -1;
			}
			seen_clean |= !!(page->flags & PG_clean);
			for (i = 0; i < (1UL << o); i++) {
				if (!(page[i].flags & PG_released) &&
				    (page->flags & PG_clean)) {
					kmm_report("zone %d: clean block pfn %lu has a resident page",
						   z->index, p);
					return -1;
				}
				if (page[i].flags & PG_released)
					released++;
				if (i && (page[i].flags & ~PG_released)) {
					kmm_report("zone %d: pfn %lu inside a free block has flags %#x",
						   z->index, p + i,
						   page[i].flags);
					return -1;
				}
			}
			if (o < MAX_PAGE_ORDER &&
			    page_is_buddy(z, p ^ (1UL << o), (unsigned int)o)) {
				kmm_report("zone %d: unmerged buddies at pfn %lu order %d",
					   z->index, p, o);
				return -1;
			}
			count++;
			free += 1UL << o;
		}
		if (count != z->nr_free[o]) {
			kmm_report("zone %d: nr_free[%d] is %lu, list has %lu",
				   z->index, o, z->nr_free[o], count);
			return -1;
		}
	}
	pfn = z->fresh_pfn;
	while (pfn + MAX_ORDER_NR_PAGES <= z->nr_pages) {
		free += MAX_ORDER_NR_PAGES;
		released += MAX_ORDER_NR_PAGES;
		pfn += MAX_ORDER_NR_PAGES;
	}
	if (free != z->free_pages || released != z->released_pages ||
	    free - released != z->dirty_pages) {
		kmm_report("zone %d: counted free %lu released %lu; zone says free %lu released %lu dirty %lu",
			   z->index, free, released, z->free_pages,
			   z->released_pages, z->dirty_pages);
		return -1;
	}
	return 0;
}

int kmm_buddy_check(void)
{
	int i, ret = 0,
	       n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	for (i = 0; i < n && !ret; i++) {
		struct kmm_zone *z = kmm.zones[i];

		kmm_lock(&z->lock);
		ret = zone_check(z);
		kmm_unlock(&z->lock);
	}
	return ret;
}

/* ----------------------------------------------------------------- fork */

/* kmm.thread_lock is held: the thread list stands still. */
void kmm_page_alloc_fork_prepare(void)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	struct list_head *pos;

	list_for_each(pos, &kmm.threads)
		pcp_lock(list_entry(pos, struct kmm_thread, node));
	kmm_lock(&kmm.zone_lock);
	for (i = 0; i < n; i++)
		kmm_lock(&kmm.zones[i]->lock);
}

void kmm_page_alloc_fork_parent(void)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	struct list_head *pos;

	for (i = n - 1; i >= 0; i--)
		kmm_unlock(&kmm.zones[i]->lock);
	kmm_unlock(&kmm.zone_lock);
	list_for_each(pos, &kmm.threads)
		pcp_unlock(list_entry(pos, struct kmm_thread, node));
}

/* Is [page, page + n) a free block by its tail pages' flags? */
static bool free_block_tails_ok(const struct kmm_page *page, unsigned long n)
{
	unsigned long i;

	for (i = 1; i < n; i++)
		if (page[i].flags & (uint16_t)~PG_released)
			return false;
	return true;
}

/*
 * The child of a single-threaded fork found z->lock held: the fork came
 * from a signal handler that interrupted a change of the zone, whose
 * lists and counters may be half updated.  They are rebuilt from mem_map:
 * each page with PG_buddy heads a free block of its recorded order (see
 * add_to_free_area) if the block is aligned, inside the used part of the
 * zone, and its other pages carry no flag but PG_released.  A block the
 * interrupted frame had taken off the lists but not yet handed out is
 * free again; one it had not yet put back (a merge in progress, a block
 * on its way to the thread's page list) is left behind, never reused.
 */
static void zone_rebuild(struct kmm_zone *z)
{
	unsigned long pfn = z->first_pfn, end = z->fresh_pfn;
	unsigned long free = 0, released = 0, unused;
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		INIT_LIST_HEAD(&z->free_area[o]);
		z->nr_free[o] = 0;
	}
	while (pfn < end) {
		struct kmm_page *page = pfn_to_page(z, pfn);
		unsigned long i, n, rel = 0;
		uint16_t state = 0;

		if (!(page->flags & PG_buddy)) {
			pfn++;
			continue;
		}
		o = page->order;
		n = 1UL << (o <= MAX_PAGE_ORDER ? o : 0);
		if (o > MAX_PAGE_ORDER || (pfn & (n - 1)) || pfn + n > end ||
		    !free_block_tails_ok(page, n)) {
			page->flags &= (uint16_t)~(PG_buddy | PG_some_released |
						   PG_clean);
			pfn++;
			continue;
		}
		for (i = 0; i < n; i++)
			rel += !!(page[i].flags & PG_released);
		if (rel)
			state = PG_some_released | (rel == n ? PG_clean : 0);
		add_to_free_area(z, page, o, state);
		free += n;
		released += rel;
		pfn += n;
	}
	/* As zone_setup counts them: whole max-order blocks not yet used. */
	unused = ((z->nr_pages - z->fresh_pfn) >> MAX_PAGE_ORDER)
		 << MAX_PAGE_ORDER;
	z->free_pages = free + unused;
	z->released_pages = released + unused;
	z->dirty_pages = free - released;
}

/*
 * single: the parent had one thread and prepare took no lock; a lock
 * held here was held by a frame a signal handler interrupted (see
 * thread.c).  kmm.zone_lock needs no repair: a zone is counted in
 * nr_zones only once it is set up, and one half made is left behind.
 */
void kmm_page_alloc_fork_child(bool single)
{
	int i, n = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);
	struct list_head *pos;

	for (i = 0; i < n; i++) {
		struct kmm_zone *z = kmm.zones[i];

		if (single && pthread_mutex_trylock(&z->lock) != 0)
			zone_rebuild(z);
		pthread_mutex_init(&z->lock, NULL);
	}
	pthread_mutex_init(&kmm.zone_lock, NULL);
	list_for_each(pos, &kmm.threads)
		pcp_unlock(list_entry(pos, struct kmm_thread, node));
}

/*
 * page_runs.c - kmalloc's page runs and the threads' run caches.
 *
 * A kmalloc page run (33 KiB .. 4 MiB) costs two zone lock round trips,
 * a split and a merge per malloc+free pair; programs free and allocate
 * the same large sizes over and over (buffers, vectors), so a run freed
 * by kfree() (PG_large) stays on its thread's list runs[o], o being the
 * order of the block it was cut from, and an allocation of the same
 * number of pages takes it back without a zone lock.  A run is never
 * rounded up: a cached run of more pages of the same order is trimmed
 * (one zone lock), so the waste stays under one page.
 *
 * A run on runs[o] starts on a 2^o-page boundary, as a block of order o
 * does: kmm_runs_alloc hands it out for requests aligned to its order
 * (memalign, power-of-two kmalloc sizes) without looking.  A run grown in
 * place (kmm_grow_run) keeps the start of the smaller block it was cut
 * from, so it may be less aligned than the order of its new length: such
 * a run goes back to the zone when freed, not into the cache.
 *
 * Bounds: a thread keeps at most RUN_CACHE_PAGES pages (4 MiB) and no
 * more than half of KMM_RETAIN (KMM_RETAIN=0 turns the cache off), and
 * per order at most 4 blocks' worth, so a list stays a handful of runs
 * long.  Cached runs stay charged to KMM_MEMORY_LIMIT; the cache's
 * reclaimer (mm_account.c) gives them back, the calling thread's first,
 * then other threads', when a charge would fail, and malloc_trim() all of
 * them.  kmm_drain_local_pages() empties the calling thread's cache;
 * thread exit empties the thread's.
 *
 * A cached run's head has PG_cached and is linked through lru.next; its
 * length is kept in the second page (nr_pages), a run having at least 9.
 *
 * Locking: a thread's runs_lock guards its runs[], as pcp_lock guards its
 * page lists (page_alloc.c): a spinlock its owner takes in these slow
 * paths, which reclaimers only try.  Zone locks nest inside it.
 */
#include "internal.h"
#include "list.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "page_runs.h"
#include "thread.h"
#include "track.h"

#include <string.h>

/* Runs cut from blocks below this order are not cached. */
#define RUN_CACHE_MIN_ORDER PCP_ORDERS
#define RUN_CACHE_PAGES (4UL << (20 - PAGE_SHIFT))

static inline void runs_lock(struct kmm_thread *t)
{
	while (unlikely(atomic_exchange_explicit(&t->runs_lock, 1,
						 memory_order_acquire)))
		kmm_os_yield();
}

static inline bool runs_trylock(struct kmm_thread *t)
{
	return !atomic_exchange_explicit(&t->runs_lock, 1,
					 memory_order_acquire);
}

static inline void runs_unlock(struct kmm_thread *t)
{
	atomic_store_explicit(&t->runs_lock, 0, memory_order_release);
}

static inline size_t run_cache_cap(void)
{
	return MIN(RUN_CACHE_PAGES, kmm.opt.dirty_max >> (PAGE_SHIFT + 1));
}

static inline size_t run_cache_order_cap(unsigned int o)
{
	return MIN(RUN_CACHE_PAGES, 4UL << o);
}

/* A sum kept, not walked: every free of a run reads it. */
static size_t run_cache_pages(const struct kmm_thread *t)
{
	return t->runs_pages;
}

/* Frees the cached runs of orders [from, to); runs_lock held. */
static size_t __run_cache_drain(struct kmm_thread *t, unsigned int from,
				unsigned int to)
{
	size_t pages = 0;
	unsigned int o;

	for (o = from; o < to; o++) {
		struct kmm_run_list *l = &t->runs[o];

		while (l->head) {
			struct kmm_page *page = l->head;
			size_t nr = page[1].nr_pages;

			l->head = (struct kmm_page *)page->lru.next;
			page[1].nr_pages = 0;
			kmm_free_run(page, nr);
			pages += nr;
		}
		t->runs_pages -= l->pages;
		l->pages = 0;
	}
	return pages;
}

static size_t run_cache_drain_all(struct kmm_thread *t)
{
	size_t pages;

	runs_lock(t);
	pages = __run_cache_drain(t, RUN_CACHE_MIN_ORDER, NR_PAGE_ORDERS);
	runs_unlock(t);
	return pages;
}

/* Keeps a run freed by kfree() on the thread's list, if it fits. */
static bool run_cache_put(struct kmm_page *page, size_t nr)
{
	struct kmm_thread *t = kmm_thread_or_null();
	unsigned int o = order_for_size(nr << PAGE_SHIFT);
	size_t cap = run_cache_cap();
	struct kmm_run_list *l;

	/*
	 * A thread without state of its own (one that never allocated a
	 * small block) keeps nothing: making it here would deepen the stack
	 * of every free (stack/callgraph.sh).
	 */
	if (!t || o < RUN_CACHE_MIN_ORDER || o >= NR_PAGE_ORDERS ||
	    nr > cap || page_zone(page)->type != ZONE_NORMAL)
		return false;
	/* Grown in place from a smaller block: less aligned than runs[o]. */
	if (page_to_pfn(page) & ((1UL << o) - 1))
		return false;
	l = &t->runs[o];
	runs_lock(t);
	/* Over a bound: the older runs go, the one just freed stays. */
	if (l->pages + nr > run_cache_order_cap(o))
		__run_cache_drain(t, o, o + 1);
	if (run_cache_pages(t) + nr > cap)
		__run_cache_drain(t, RUN_CACHE_MIN_ORDER, NR_PAGE_ORDERS);
	page->flags = PG_cached;
	atomic_store_explicit(&page->refcount, 0, memory_order_relaxed);
	page[1].nr_pages = nr;
	page->lru.next = (struct list_head *)l->head;
	l->head = page;
	l->pages += (unsigned int)nr;
	t->runs_pages += nr;
	runs_unlock(t);
	return true;
}

/* Frees page to the zone if it heads a run in this thread's cache. */
static bool run_cache_release(struct kmm_page *page)
{
	struct kmm_thread *t = kmm_thread_or_null();
	struct kmm_page **link;
	unsigned int o;

	if (!t)
		return false;
	runs_lock(t);
	for (o = RUN_CACHE_MIN_ORDER; o < NR_PAGE_ORDERS; o++) {
		for (link = &t->runs[o].head; *link;
		     link = (struct kmm_page **)&(*link)->lru.next) {
			size_t nr = page[1].nr_pages;

			if (*link != page)
				continue;
			*link = (struct kmm_page *)page->lru.next;
			t->runs[o].pages -= (unsigned int)nr;
			t->runs_pages -= nr;
			page[1].nr_pages = 0;
			kmm_free_run(page, nr);
			runs_unlock(t);
			return true;
		}
	}
	runs_unlock(t);
	return false;
}

/*
 * A cached run of nr pages, or of more pages of the same order with its
 * tail given back; NULL if the thread has none.  Its pages are dirty.
 */
static struct kmm_page *run_cache_get(kmm_gfp_t gfp, size_t nr,
				      unsigned int order)
{
	struct kmm_thread *t = kmm_thread_or_null();
	struct kmm_page **link, **best = NULL, *page;
	struct kmm_run_list *l;
	unsigned int o;
	size_t have;

	if (!t || order >= NR_PAGE_ORDERS || (gfp & KMM___GFP_DMA32))
		return NULL;
	l = &t->runs[order];
	runs_lock(t);
	for (link = &l->head; *link;
	     link = (struct kmm_page **)&(*link)->lru.next) {
		have = (*link)[1].nr_pages;
		if (have == nr) {
			best = link;
			break;
		}
		if (have > nr && !best)
			best = link;
	}
	/*
	 * Asked for more alignment than the size needs (realloc moving a
	 * run asks for headroom): a larger cached run serves too, cut at
	 * its start, and its freed tail is where the run will grow.
	 */
	for (o = NR_PAGE_ORDERS - 1;
	     !best && o > order && order > order_for_size(nr << PAGE_SHIFT);
	     o--) {
		if (t->runs[o].head) {
			l = &t->runs[o];
			best = &l->head;
		}
	}
	if (!best) {
		runs_unlock(t);
		return NULL;
	}
	page = *best;
	have = page[1].nr_pages;
	*best = (struct kmm_page *)page->lru.next;
	l->pages -= (unsigned int)have;
	t->runs_pages -= have;
	runs_unlock(t);
	page->flags = 0;
	page->lru.next = page->lru.prev = NULL;
	page[1].nr_pages = 0;
	page[1].req_size = 0;
	atomic_store_explicit(&page->refcount, 1, memory_order_relaxed);
	if (have > nr)
		kmm_free_run(page + nr, have - nr);
	return page;
}

/*
 * kmm_runs_alloc - a run of nr pages aligned to 2^align_order pages for
 * kmalloc: a cached one if the thread has it, else one from the page
 * allocator (kmm_alloc_run).
 */
struct kmm_page *kmm_runs_alloc(kmm_gfp_t gfp, size_t nr,
				unsigned int align_order)
{
	unsigned int order = order_for_size(nr << PAGE_SHIFT);
	struct kmm_page *page;

	if (align_order > order)
		order = align_order;
	/* A cached run starts on a block of its own order: aligned enough. */
	if (order >= RUN_CACHE_MIN_ORDER && order <= MAX_PAGE_ORDER) {
		/*
		 * A thread whose first allocations are runs gets its state
		 * here, or its frees would keep nothing (run_cache_put):
		 * every malloc+free pair of a large buffer would take the
		 * zone lock twice, split and merge.
		 */
		if (unlikely(kmm_current == &kmm_boot_thread))
			kmm_thread_slow();
		page = run_cache_get(gfp, nr, order);
		if (page) {
			if (gfp & KMM___GFP_ZERO)
				memset(__page_address(page), 0,
				       nr << PAGE_SHIFT);
			page->order = 0;
			return page;
		}
	}
	return kmm_alloc_run(gfp, nr, align_order);
}

/* Runs freed by kfree() (PG_large) may stay in the thread's cache. */
void kmm_runs_free(struct kmm_page *page, size_t nr)
{
	if ((page->flags & PG_large) && run_cache_put(page, nr))
		return;
	kmm_free_run(page, nr);
}

/*
 * Grows a run in place (kmm_grow_run).  A run this thread cached in the
 * way (often a realloc chain's own last block) goes back to the zone,
 * and the growth is tried again.
 */
bool kmm_runs_grow(struct kmm_page *page, size_t nr, size_t want)
{
	struct kmm_page *in_way;

	if (kmm_grow_run(page, nr, want, &in_way))
		return true;
	/* A hint read without the zone lock: the release checks. */
	if (!in_way || !(in_way->flags & PG_cached) ||
	    !run_cache_release(in_way))
		return false;
	return kmm_grow_run(page, nr, want, &in_way);
}

/* At thread exit or in a fork child: t is not in use by anyone. */
void kmm_runs_drain(struct kmm_thread *t)
{
	run_cache_drain_all(t);
}

KMM_EXPORT void kmm_drain_local_pages(void)
{
	struct kmm_thread *t = kmm_thread_or_null();

	if (t) {
		kmm_track_enter();
		run_cache_drain_all(t);
		kmm_pcp_drain(t);
		kmm_track_leave();
	}
}

/* ----------------------------------------------------------- reclaimer */

/* Pages the threads' run caches keep charged; read without their leave. */
static size_t runs_count(void)
{
	struct list_head *pos;
	size_t pages = 0;

	if (!kmm_lock_report(&kmm.thread_lock))
		return 0;
	list_for_each(pos, &kmm.threads)
		pages += run_cache_pages(list_entry(pos, struct kmm_thread,
						    node));
	kmm_unlock_report(&kmm.thread_lock);
	return pages << PAGE_SHIFT;
}

/*
 * Empties the calling thread's run cache, then other threads' until want
 * bytes went back: an idle thread's cache (up to 4 MiB) is as good as
 * free.  A thread busy with its cache is passed over.
 */
static size_t runs_reclaim(size_t want)
{
	struct kmm_thread *self = kmm_thread_or_null();
	struct list_head *pos;
	size_t pages = 0;

	if (self)
		pages += run_cache_drain_all(self);
	kmm_lock(&kmm.thread_lock);
	list_for_each(pos, &kmm.threads) {
		struct kmm_thread *t = list_entry(pos, struct kmm_thread, node);

		if ((pages << PAGE_SHIFT) >= want)
			break;
		if (t == self || !runs_trylock(t))
			continue;
		pages += __run_cache_drain(t, RUN_CACHE_MIN_ORDER,
					   NR_PAGE_ORDERS);
		runs_unlock(t);
	}
	kmm_unlock(&kmm.thread_lock);
	return pages << PAGE_SHIFT;
}

static const struct kmm_reclaimer runs_reclaimer = {
	.name = "page runs",
	.count = runs_count,
	.reclaim = runs_reclaim,
	.priority = 25,
	.flags = KMM_RECLAIM_CHARGED,
};

void kmm_runs_init(void)
{
	kmm_register_reclaimer(&runs_reclaimer);
}

/* ----------------------------------------------------------------- fork */

/* kmm.thread_lock is held: the thread list stands still. */
void kmm_runs_fork_prepare(void)
{
	struct list_head *pos;

	list_for_each(pos, &kmm.threads)
		runs_lock(list_entry(pos, struct kmm_thread, node));
}

void kmm_runs_fork_parent(void)
{
	struct list_head *pos;

	list_for_each(pos, &kmm.threads)
		runs_unlock(list_entry(pos, struct kmm_thread, node));
}

void kmm_runs_fork_child(void)
{
	kmm_runs_fork_parent();
}

/*
 * slab.c - SLUB-style object caches.
 *
 * A slab is a block of 2^order pages from the buddy allocator; its head
 * struct kmm_page carries the slab fields.  The free pointer of a free
 * object lives inside it, at s->offset (0, or past the object for caches
 * with a constructor, whose objects must keep their constructed state).
 *
 * Per-thread object caches.  Each thread keeps, per cache, a list of free
 * objects (struct kmm_objlist: c->freelist, c->count), as the kernel's
 * per-cpu array caches (SLAB) and sheaves (SLUB since 6.18) do: allocation
 * pops it and every free pushes onto it, with no lock and no atomic
 * instruction, whichever thread's slab the object came from.  The list is
 * bounded (c->limit: it starts at s->cpu_limit, 64 KiB of objects, at most
 * 1024, at least one slab's worth, and adapts to the thread's use: see
 * list_grow); past the bound the older half goes back to its slabs.  An
 * empty list is refilled with all the free objects of one slab at once, so
 * objects handed out together come from the same pages.
 *
 * Slabs.  Every slab's free objects that are in no thread's list sit on
 * its freelist word, with their count, updated by compare-and-swap:
 *
 *   page->freelist = [ count:16 | pointer:48 ]
 *
 * Every object that comes back to a slab comes through it, freed by the
 * thread that allocated it or by another (flushed from a full list, or
 * from a thread's lists at its exit): there is no separate list of
 * remote frees.
 *
 * A refill takes the whole list with one exchange (the slab is then full,
 * on no list).  A flush pushes objects back one compare-and-swap each;
 * count says when a slab stops being full (it joins the cache's partial
 * list) and when it becomes entirely free (it is kept as an empty slab,
 * as many as the cache recently had in use (empty_limit), or goes back
 * to the buddy allocator).  So an
 * object freed by another thread is reused by that thread at once, and a
 * slab all of whose objects came back is the cache's again, whichever
 * thread took them.  At thread exit the thread's lists go back to the
 * slabs.
 *
 * Corruption.  The lists run through the objects, where a program's
 * overflow or write after free can reach them.  Every link carries a mark
 * (slab.h) that each pop and each walk (flush, refill) checks before
 * it follows the link, and a thread's list that ends before its count
 * does is corrupt too: kmm aborts with "freelist corrupted in <cache>",
 * never handing out what it did not put on a list.  A slab's freelist
 * is made of the same links, so a refill from it is checked as it is
 * popped.
 *
 * Free memory.  A cache keeps empty slabs (empty_limit) and the
 * threads' lists hold free objects.  The slab reclaimer (mm_account.c)
 * frees the empty slabs and the calling thread's lists when a charge
 * would fail or malloc_trim() runs.  Another thread's lists cannot be
 * taken (its fast paths take no lock): the reclaimer counts them, and
 * the memory limit does not count what stays there as in use.
 *
 * Locking: s->lock guards s->partial, nr_partial, nr_empty, on_partial
 * and the window of recent use (peak_used, peak_prev, window_events).
 * A push that moves a slab between lists (full -> partial, partial ->
 * empty) takes s->lock before its compare-and-swap, as SLUB takes
 * list_lock, so list moves are serialized; refills take it too.  Pushes
 * that move nothing take no lock.
 */
#include "internal.h"
#include "list.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "printk.h"
#include "slab.h"
#include "thread.h"
#include "track.h"

#include <string.h>

#define FREELIST_PTR_MASK 0x0000fffffffffff8ull
#define FREELIST_COUNT_SHIFT 48
#define SLAB_MAX_ORDER 5
#define SLAB_MIN_OBJECTS 8
#define SLAB_MIN_PARTIAL 2
#define SLAB_WINDOW_EVENTS 4096
#define OBJS_MAX_BYTES (1u << 20)
#define OBJS_GROW_MAX (4u << 20)
#define OBJS_SHRINK_AFTER 3
#define OBJS_IDLE_CHECK 4096

static struct kmm_cache cache_store[KMM_MAX_CACHES];
uintptr_t kmm_free_cookie;
uintptr_t kmm_freelist_secret;
bool kmm_harden = true;

static inline void *freelist_ptr(uint64_t w)
{
	return (void *)(uintptr_t)(w & FREELIST_PTR_MASK);
}

static inline unsigned int freelist_count(uint64_t w)
{
	return (unsigned int)(w >> FREELIST_COUNT_SHIFT);
}

/* For the leak scan: a slab's free objects no thread holds, and count. */
void *__kmm_slab_freelist(struct kmm_page *page, unsigned int *count)
{
	uint64_t w = atomic_load_explicit(&page->freelist,
					  memory_order_acquire);

	*count = freelist_count(w);
	return freelist_ptr(w);
}

static inline uint64_t freelist_word(void *p, unsigned int count)
{
	return (uint64_t)count << FREELIST_COUNT_SHIFT | (uintptr_t)p;
}

static void freelist_corrupted(const struct kmm_cache *s, const void *object,
			       uintptr_t fp) __attribute__((noreturn, cold));
static void list_ends_early(const struct kmm_cache *s, unsigned int count)
	__attribute__((noreturn, cold));

/* object's free pointer, after its mark is checked (see slab.h). */
static inline void *get_freepointer(const struct kmm_cache *s, void *object)
{
	uintptr_t *w = free_words(s->offset, object);

	if (unlikely(kmm_hardened() && w[1] != free_mark(object, w[0])))
		freelist_corrupted(s, object, w[0]);
	return freeptr_decode(w, w[0]);
}

static inline void *slab_base(const struct kmm_page *page)
{
	return __page_address(page);
}

/* ------------------------------------------------------- cache creation */

/*
 * The slab order, as SLUB's calculate_order: the smallest order that
 * holds SLAB_MIN_OBJECTS objects with at most 1/16 of the slab wasted at
 * its end, relaxing to 1/8 and 1/4, then fewer objects.
 */
static unsigned int calculate_order(unsigned int size)
{
	unsigned int fraction, order, min_objects;

	for (min_objects = SLAB_MIN_OBJECTS; min_objects; min_objects /= 2) {
		for (fraction = 16; fraction >= 4; fraction /= 2) {
			for (order = 0; order <= SLAB_MAX_ORDER; order++) {
				unsigned long bytes = PAGE_SIZE << order;
				unsigned long n = bytes / size;

				if (n < min_objects)
					continue;
				if (bytes % size <= bytes / fraction)
					return order;
			}
		}
	}
	return SLAB_MAX_ORDER;
}

static int cache_setup(struct kmm_cache *s, const char *name,
		       unsigned int size, unsigned int align,
		       kmm_slab_flags_t flags, void (*ctor)(void *),
		       unsigned int redzone)
{
	unsigned int stride;
	size_t n = strlen(name);

	if (n >= sizeof(s->name))
		n = sizeof(s->name) - 1;
	memcpy(s->name, name, n);
	s->name[n] = '\0';
	/* The kernel rounds a bad alignment; a clear error serves better. */
	if ((align && !IS_POWER_OF_2(align)) || align > PAGE_SIZE)
		return -1;
	if (flags & KMM_SLAB_HWCACHE_ALIGN) {
		/* As the kernel: small objects share a line, aligned halves. */
		unsigned int ralign = CACHE_LINE;

		while (size <= ralign / 2)
			ralign /= 2;
		align = MAX(align, ralign);
	}
	align = MAX(align, (unsigned int)sizeof(void *));
	s->object_size = size;
	s->flags = flags;
	s->ctor = ctor;
	s->align = align;
	s->debug = (flags | kmm_debug_cache_flags(s->name)) &
		   KMM_SLAB_DEBUG_FLAGS;
	stride = (unsigned int)ALIGN_UP(MAX(size, 16u), 8);
	/* Red zones, free pointer and records: slab_debug.c. */
	if (s->debug && kmm_slab_debug_setup(s, PAGE_SIZE << SLAB_MAX_ORDER)) {
		stride = s->size;
		align = s->align;
	} else if (ctor) {
		/*
		 * Free pointer and mark must not clobber constructed state;
		 * they are slack the program does not own, a red zone too.
		 */
		s->offset = stride;
		stride += 2 * sizeof(void *);
	} else {
		s->offset = 0;
		if (stride + redzone <= (PAGE_SIZE << SLAB_MAX_ORDER))
			stride += redzone;
	}
	stride = (unsigned int)ALIGN_UP(stride, align);
	if (stride > (PAGE_SIZE << SLAB_MAX_ORDER))
		return -1;
	s->size = stride;
	s->reciprocal = ((1ull << 44) + stride - 1) / stride;
	s->order = calculate_order(stride);
	s->objects = (unsigned int)((PAGE_SIZE << s->order) / stride);
	s->slab_mask = (PAGE_SIZE << s->order) - 1;
	/* 64 KiB of objects per thread, at most 1024, at least one slab. */
	s->cpu_limit = MAX(MIN((64u << 10) / stride, 1024u), s->objects);
	/* A list grows to 1 MiB of objects, at most 1024 (list_grow). */
	s->cpu_max = MAX(MIN(OBJS_MAX_BYTES / stride, 1024u), s->cpu_limit);
	/* Every call of a debug cache takes the slow path (slab.h). */
	if (s->debug)
		s->cpu_limit = s->cpu_max = 0;
	s->min_partial = SLAB_MIN_PARTIAL;
	pthread_mutex_init(&s->lock, NULL);
	INIT_LIST_HEAD(&s->partial);
	s->nr_partial = s->nr_empty = 0;
	atomic_store(&s->nr_slabs, 0);
	return 0;
}

/*
 * Creates a cache.  No memory is allocated: caches live in a static table,
 * and their slabs come from the buddy allocator on first use.  @redzone:
 * bytes of slack after each object (kmm.layout); kmalloc's caches, whose
 * classes are their strides, get theirs from kmalloc.
 */
struct kmm_cache *kmm_cache_create_internal(const char *name,
					    unsigned int size,
					    unsigned int align,
					    kmm_slab_flags_t flags,
					    void (*ctor)(void *),
					    unsigned int redzone)
{
	struct kmm_cache *s = NULL;
	int i;

	kmm_lock(&kmm.cache_lock);
	for (i = 0; i < KMM_MAX_CACHES; i++) {
		if (!kmm.caches[i]) {
			s = &cache_store[i];
			break;
		}
	}
	if (s) {
		memset(s, 0, sizeof(*s));
		s->index = (unsigned int)i;
		if (cache_setup(s, name, size, align, flags, ctor,
				redzone) == 0) {
			kmm.caches[i] = s;
			if (i >= kmm.nr_caches)
				kmm.nr_caches = i + 1;
		} else {
			s = NULL;
		}
	}
	kmm_unlock(&kmm.cache_lock);
	return s;
}

/* ------------------------------------------------------------- slabs */

/* Inlined in both callers: the slow path's frame is the deepest. */
static __always_inline struct kmm_page *new_slab(struct kmm_cache *s,
						 kmm_gfp_t gfp,
						 void **freelist)
{
	struct kmm_page *page;
	char *base, *p;
	unsigned int i;

	page = __kmm_alloc_pages((gfp & ~(KMM___GFP_ZERO | KMM___GFP_DMA32)) |
					 KMM___GFP_NOWARN,
				 s->order);
	if (!page)
		return NULL;
	kmm_prep_compound(page, s->order);
	page->flags |= PG_slab;
	page->slab_cache = s;
	page->objects = (uint16_t)s->objects;
	page->on_partial = 0;
	/* Every object goes to the caller: the slab is born full. */
	atomic_store_explicit(&page->freelist, 0, memory_order_relaxed);

	base = slab_base(page);
	/* Class bytes up to 255; a cache past that is found by mem_map. */
	if (s->index < 255)
		kmm_set_page_class(base, 1UL << s->order, s->index + 1);
	base += s->red_left;
	for (i = 0, p = base; i < s->objects; i++, p += s->size) {
		if (s->ctor)
			s->ctor(p);
		set_freepointer(s, p, i + 1 < s->objects ? p + s->size : NULL);
	}
	if (unlikely(s->debug))
		kmm_slab_debug_init_slab(s, base);
	*freelist = base;
	atomic_fetch_add_explicit(&s->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->alloc_slab, 1, memory_order_relaxed);
	return page;
}

static void discard_slab(struct kmm_cache *s, struct kmm_page *page)
{
	/* Every object back, on no list. */
	KMM_BUG_ON(freelist_count(atomic_load_explicit(&page->freelist,
						     memory_order_relaxed)) !=
		   page->objects);
	KMM_BUG_ON(page->on_partial || page->slab_cache != s);
	atomic_fetch_sub_explicit(&s->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->free_slab, 1, memory_order_relaxed);
	if (s->index < 255)
		kmm_set_page_class(slab_base(page), 1UL << s->order, 0);
	kmm_clear_compound(page, s->order);
	__kmm_free_pages(page, s->order);
}

/* Puts an unowned slab on the partial list; s->lock held. */
static void __add_partial(struct kmm_cache *s, struct kmm_page *page,
			  bool empty)
{
	KMM_BUG_ON(page->on_partial);
	if (empty) {
		list_add_tail(&page->slab_list, &s->partial);
		s->nr_empty++;
	} else {
		list_add(&page->slab_list, &s->partial);
	}
	page->on_partial = 1;
	s->nr_partial++;
}

static void __remove_partial(struct kmm_cache *s, struct kmm_page *page,
			     bool empty)
{
	KMM_BUG_ON(!page->on_partial || !s->nr_partial ||
		   (empty && !s->nr_empty));
	list_del(&page->slab_list);
	page->on_partial = 0;
	s->nr_partial--;
	if (empty)
		s->nr_empty--;
	KMM_BUG_ON(s->nr_empty > s->nr_partial);
}

/*
 * Empty slabs kept.  A cache that cycles through a working set (a round
 * of a thousand objects made and freed, a batch of big blocks) empties
 * the slabs of its peak and fills them again soon after: with a fixed
 * few kept, each round made and discarded nearly all of them, each one
 * through the buddy allocator and a free list built anew.  So a cache
 * keeps as many empty slabs as it recently had in use: the peak of slabs
 * in use over a window of SLAB_WINDOW_EVENTS list moves, or over the
 * window before, whichever is higher; at least min_partial, and at most
 * a quarter of KMM_RETAIN in bytes, since empty slabs are free memory
 * held as the page allocator holds its free pages (KMM_RETAIN=0 keeps
 * min_partial).  A window that ends with more empty slabs than the new
 * limit frees the surplus; the reclaimers and malloc_trim() free them all.
 */
static unsigned long empty_limit(const struct kmm_cache *s)
{
	unsigned long peak = MAX(s->peak_used, s->peak_prev);
	unsigned long cap = (kmm.opt.dirty_max / 4) >> (PAGE_SHIFT + s->order);

	return MAX(s->min_partial, MIN(peak, cap));
}

/*
 * Notes a list move in the window of recent use; made: a slab is about
 * to be made.  Returns true when a window ended with more empty slabs
 * than the limit now allows.  s->lock held.
 */
static bool __note_use(struct kmm_cache *s, unsigned long made)
{
	unsigned long slabs = (unsigned long)atomic_load_explicit(
		&s->nr_slabs, memory_order_relaxed) + made;
	unsigned long used = slabs > s->nr_empty ? slabs - s->nr_empty : 0;

	if (used > s->peak_used)
		s->peak_used = used;
	if (++s->window_events < SLAB_WINDOW_EVENTS)
		return false;
	s->window_events = 0;
	s->peak_prev = s->peak_used;
	s->peak_used = used;
	return s->nr_empty > empty_limit(s);
}

static void discard_slab(struct kmm_cache *s, struct kmm_page *page);

/* Frees the slabs of victims (taken off the lists); returns their bytes. */
static size_t discard_list(struct kmm_cache *s, struct list_head *victims)
{
	struct list_head *pos, *n;
	size_t bytes = 0;

	list_for_each_safe(pos, n, victims) {
		struct kmm_page *page =
			list_entry(pos, struct kmm_page, slab_list);

		list_del(&page->slab_list);
		discard_slab(s, page);
		bytes += PAGE_SIZE << s->order;
	}
	return bytes;
}

/*
 * Frees the empty slabs past empty_limit(), from the tail of the partial
 * list, where empty slabs are added.  Called with s->lock held; drops it.
 */
static __noinline __cold void __discard_surplus(struct kmm_cache *s)
{
	unsigned long limit = empty_limit(s);
	struct list_head victims;

	INIT_LIST_HEAD(&victims);
	while (s->nr_empty > limit) {
		struct kmm_page *page =
			list_entry(s->partial.prev, struct kmm_page, slab_list);
		uint64_t w = atomic_load_explicit(&page->freelist,
						  memory_order_relaxed);

		if (freelist_count(w) != page->objects)
			break;
		__remove_partial(s, page, true);
		list_add(&page->slab_list, &victims);
	}
	kmm_unlock(&s->lock);
	discard_list(s, &victims);
}

/*
 * Takes a slab from the partial list with all its free objects, returned
 * in *freelist; *count says how many.  The slab is then full.  s->lock held.
 */
static struct kmm_page *__take_partial(struct kmm_cache *s, void **freelist,
				       unsigned int *count)
{
	struct kmm_page *page;
	uint64_t w;

	if (list_empty(&s->partial))
		return NULL;
	page = list_first_entry(&s->partial, struct kmm_page, slab_list);
	KMM_BUG_ON(page->slab_cache != s);
	w = atomic_exchange_explicit(&page->freelist, 0, memory_order_acquire);
	/* A partial slab has free objects, no more than it holds. */
	KMM_BUG_ON(!freelist_count(w) || freelist_count(w) > page->objects);
	__remove_partial(s, page, freelist_count(w) == page->objects);
	*freelist = freelist_ptr(w);
	*count = freelist_count(w);
	return page;
}

/*
 * slab_put - gives a chain of n free objects of one slab back to it: one
 * compare-and-swap on its freelist word, and the list move its count calls
 * for.  The chain runs from head to tail through the free pointers.
 */
static void slab_put(struct kmm_cache *s, struct kmm_page *page, void *head,
		     void *tail, unsigned int n)
{
	uint64_t old, new;
	bool locked = false, was_full, now_empty;
	unsigned int count;

	KMM_BUG_ON(page->slab_cache != s || !(page->flags & PG_slab) || !n);
	old = atomic_load_explicit(&page->freelist, memory_order_relaxed);
	for (;;) {
		count = freelist_count(old);
		KMM_BUG_ON(count > page->objects);
		was_full = count == 0;
		now_empty = count + n == page->objects;
		if ((was_full || now_empty) && !locked) {
			kmm_lock(&s->lock);
			locked = true;
			old = atomic_load_explicit(&page->freelist,
						   memory_order_relaxed);
			continue;
		}
		if (unlikely(count + n > page->objects))
			kmm_slab_double_free(s, head, "free");
		set_freepointer(s, tail, freelist_ptr(old));
		new = freelist_word(head, count + n);
		if (atomic_compare_exchange_weak_explicit(
			    &page->freelist, &old, new, memory_order_release,
			    memory_order_relaxed))
			break;
	}
	if (!locked)
		return;
	if (now_empty) {
		if (page->on_partial)
			__remove_partial(s, page, false);
		if (s->nr_empty >= empty_limit(s)) {
			kmm_unlock(&s->lock);
			discard_slab(s, page);
			return;
		}
		__add_partial(s, page, true);
	} else if (was_full) {
		__add_partial(s, page, false);
	}
	if (__note_use(s, 0))
		__discard_surplus(s);
	else
		kmm_unlock(&s->lock);
}

static inline struct kmm_page *object_page(const void *object)
{
	return compound_head(__virt_to_page(object));
}

/* Gives all but the first keep objects of a thread's list back. */
static void flush_objects(struct kmm_cache *s, struct kmm_objlist *c,
			  unsigned int keep)
{
	void *object = c->freelist, *next;
	unsigned int i, seen = keep, count = c->count;

	KMM_BUG_ON(keep > count);
	if (!keep) {
		c->freelist = NULL;
	} else {
		for (i = 1; i < keep && object; i++)
			object = get_freepointer(s, object);
		if (!object)
			return;
		next = get_freepointer(s, object);
		set_freepointer(s, object, NULL);
		object = next;
	}
	c->count = keep;
	/*
	 * Objects freed together mostly share slabs: each run of objects of
	 * one slab goes back with one compare-and-swap.
	 */
	while (object) {
		struct kmm_page *page = object_page(object);
		void *head = object, *tail = object;
		unsigned int n = 1;

		for (next = get_freepointer(s, object);
		     next && object_page(next) == page;
		     next = get_freepointer(s, next)) {
			tail = next;
			n++;
		}
		slab_put(s, page, head, tail, n);
		object = next;
		seen += n;
	}
	/*
	 * The list held as many objects as its count says; unless it is
	 * that of a thread a fork child takes over, caught mid-push.
	 */
	KMM_BUG_ON(seen != count && c == &kmm_current->objs[s->index]);
}

/*
 * List limits.  A thread's list of a cache starts at cpu_limit and
 * adapts, as tcmalloc adapts its per-class list lengths.  A refill (the
 * list ran empty) raises the limit by a slab's worth of objects, up to
 * cpu_max (1 MiB of objects, at most 1024), while the thread's lists have
 * grown by no more than OBJS_GROW_MAX in all: a thread that allocates and
 * frees a working set of big blocks in rounds then keeps it on its list
 * after a round or two, where a 16-object list of 4 KiB blocks refilled
 * and flushed a slab's worth every eight.  Every OBJS_SHRINK_AFTER-th
 * overflow with no refill in between lowers the limit by as much: a
 * thread that frees more than it allocates (a consumer) gains nothing
 * from a long list.  And at every OBJS_IDLE_CHECK-th overflow of any of
 * the thread's lists (the free slow path: a refill is on the way to the
 * page allocator, whose stack is deep enough), a list that grew and whose
 * count has not moved since the last check gives back what it holds past
 * cpu_limit and starts again there.  (A thread that makes no call keeps
 * its lists: the reclaimer takes only the calling thread's.)
 */
static void list_grow(struct kmm_cache *s, struct kmm_thread *t,
		      struct kmm_objlist *c)
{
	unsigned int step;
	size_t bytes;

	t->tune[s->index].overflows = 0;
	if (!c->limit)
		c->limit = s->cpu_limit;
	if (c->limit >= s->cpu_max)
		return;
	step = MIN(s->objects, s->cpu_max - c->limit);
	bytes = (size_t)step * s->size;
	if (t->objs_grown + bytes > OBJS_GROW_MAX)
		return;
	t->objs_grown += bytes;
	c->limit += step;
}

/* Lowers c's limit to limit (0: unset, cpu_limit at its next use). */
static void list_shrink(struct kmm_cache *s, struct kmm_thread *t,
			struct kmm_objlist *c, unsigned int limit)
{
	unsigned int floor = MAX(limit, s->cpu_limit);

	if (c->limit > floor) {
		size_t bytes = (size_t)(c->limit - floor) * s->size;

		t->objs_grown -= MIN(bytes, t->objs_grown);
	}
	if (c->limit > limit)
		c->limit = limit;
	t->tune[s->index].overflows = 0;
}

/* A free found c full. */
static void list_overflow(struct kmm_cache *s, struct kmm_thread *t,
			  struct kmm_objlist *c)
{
	struct kmm_objlist_tune *u = &t->tune[s->index];

	if (!c->limit) {
		c->limit = s->cpu_limit;
		return;
	}
	if (++u->overflows >= OBJS_SHRINK_AFTER && c->limit > s->cpu_limit)
		list_shrink(s, t, c, MAX(c->limit - MIN(c->limit, s->objects),
					 s->cpu_limit));
}

/* The idle check: see list_grow.  Cold: once per 4096 slow paths. */
static __noinline __cold void lists_idle_check(struct kmm_thread *t)
{
	int i;

	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];
		struct kmm_objlist *c = &t->objs[i];
		struct kmm_objlist_tune *u = &t->tune[i];

		if (!s)
			continue;
		if (c->limit > s->cpu_limit && c->count == u->last_count) {
			if (c->count > s->cpu_limit)
				flush_objects(s, c, s->cpu_limit);
			list_shrink(s, t, c, s->cpu_limit);
		}
		u->last_count = (uint16_t)MIN(c->count, 0xffffu);
	}
}

static inline void slow_tick(struct kmm_thread *t)
{
	if (unlikely(++t->objs_slow % OBJS_IDLE_CHECK == 0))
		lists_idle_check(t);
}

/*
 * A refill of c is due: c's limit adapts, if c is the calling thread's
 * (not kmm_dead_thread's), then __take_partial under s->lock, with the
 * list move noted.  Not inlined, so that the frame of __kmm_slab_alloc,
 * on the way to the page allocator, stays small (stack/callgraph.sh).
 */
static __noinline struct kmm_page *take_partial(struct kmm_cache *s,
						struct kmm_objlist *c,
						void **freelist,
						unsigned int *count)
{
	struct kmm_thread *t = kmm_thread_or_null();
	struct kmm_page *page;

	if (t && c == &t->objs[s->index])
		list_grow(s, t, c);
	kmm_lock(&s->lock);
	page = __take_partial(s, freelist, count);
	if (__note_use(s, !page))
		__discard_surplus(s);
	else
		kmm_unlock(&s->lock);
	return page;
}

/*
 * One object of a debug cache, whose threads keep no lists: off the first
 * partial slab's free list, or off a new slab, whose other objects go on
 * the partial list.  The pop is a compare-and-swap, as pushes to the slab
 * (slab_put) take no lock unless they move it; pops take s->lock, so the
 * head the pop read can come back only by a push of an object this pop
 * did not take: no ABA.
 */
static void *take_one(struct kmm_cache *s, kmm_gfp_t gfp,
		      struct kmm_page **pagep)
{
	struct kmm_page *page;
	unsigned int count;
	uint64_t old, new;
	void *object, *rest;

	kmm_lock(&s->lock);
	if (!list_empty(&s->partial)) {
		page = list_first_entry(&s->partial, struct kmm_page,
					slab_list);
		old = atomic_load_explicit(&page->freelist,
					   memory_order_acquire);
		do {
			count = freelist_count(old);
			object = freelist_ptr(old);
			KMM_BUG_ON(!count || !object);
			new = freelist_word(get_freepointer(s, object),
					    count - 1);
		} while (!atomic_compare_exchange_weak_explicit(
				 &page->freelist, &old, new,
				 memory_order_acquire, memory_order_acquire));
		/* An empty slab cannot take a push: count is exact. */
		if (count == page->objects) {
			__remove_partial(s, page, true);
			if (count > 1)
				__add_partial(s, page, false);
		} else if (count == 1) {
			__remove_partial(s, page, false);
		}
		kmm_unlock(&s->lock);
	} else {
		kmm_unlock(&s->lock);
		page = new_slab(s, gfp, &object);
		if (!page)
			return NULL;
		rest = get_freepointer(s, object);
		if (rest) {
			kmm_lock(&s->lock);
			atomic_store_explicit(&page->freelist,
					      freelist_word(rest,
							    s->objects - 1),
					      memory_order_release);
			__add_partial(s, page, false);
			kmm_unlock(&s->lock);
		}
	}
	free_words(s->offset, object)[1] = 0;
	*pagep = page;
	return object;
}

/* Allocation from a debug cache: one object, checked (slab_debug.c). */
static __noinline void *debug_alloc(struct kmm_cache *s, kmm_gfp_t gfp)
{
	struct kmm_page *page;
	void *object;

	do {
		object = take_one(s, gfp, &page);
	} while (object && !kmm_slab_debug_alloc(s, page, object));
	return object;
}

/*
 * __kmm_slab_alloc - the allocation slow path: the thread's list is empty.
 * It refills the list with all the free objects of a partial slab, or of
 * a new slab from the buddy allocator, and pops one.
 */
void *__kmm_slab_alloc(struct kmm_cache *s, kmm_gfp_t gfp,
		       struct kmm_objlist *c)
{
	void *object = c->freelist;
	unsigned int count = 0;
	struct kmm_page *page;

	if (!object) {
		/* The list ended before its count did: a pointer was spoilt. */
		if (unlikely(c->count))
			list_ends_early(s, c->count);
		page = take_partial(s, c, &object, &count);
		if (!page) {
			page = new_slab(s, gfp, &object);
			if (!page)
				return NULL;
			count = s->objects;
		}
		KMM_BUG_ON(c->count || !count || count > s->objects);
		c->count = count;
	}
	return objlist_pop(c, s->offset, object);
}


/* The thread's list is empty, or the thread has no state yet. */
/*
 * The thread's list is empty, or the thread has no state yet.  A debug
 * cache's lists are always empty: its objects come one at a time,
 * checked, whatever the thread.
 */
void *kmm_slab_alloc_slow(struct kmm_cache *s, kmm_gfp_t gfp)
{
	struct kmm_thread *t = kmm_thread_or_null();

	if (unlikely(s->debug))
		return debug_alloc(s, gfp);
	if (unlikely(!t))
		return kmm_slab_alloc_nothread(s, gfp);
	return __kmm_slab_alloc(s, gfp, &t->objs[s->index]);
}

/* A thread without state (torn down, or none could be made). */
void *kmm_slab_alloc_nothread(struct kmm_cache *s, kmm_gfp_t gfp)
{
	struct kmm_thread *t = kmm_thread_slow();
	void *object;

	if (t)
		return __kmm_slab_alloc(s, gfp, &t->objs[s->index]);
	kmm_lock(&kmm.dead_lock);
	object = __kmm_slab_alloc(s, gfp, &kmm_dead_thread.objs[s->index]);
	kmm_unlock(&kmm.dead_lock);
	return object;
}

/*
 * kmm_slab_free_slow - the free slow path: the thread's list is full (its
 * older half goes back to the slabs first), or the thread has no list
 * (the object goes straight back to its slab).
 */
void kmm_slab_free_slow(struct kmm_cache *s, struct kmm_page *page, void *object,
		     const char *fn)
{
	struct kmm_thread *t = kmm_thread_or_null();
	struct kmm_objlist *c;

	/* A debug cache: checked and poisoned, then back to its slab. */
	if (unlikely(s->debug)) {
		if (kmm_slab_debug_free(s, page, object, fn))
			slab_put(s, page, object, object, 1);
		return;
	}
	if (!t) {
		check_double_free(s, NULL, object, fn);
		slab_put(s, page, object, object, 1);
		return;
	}
	c = &t->objs[s->index];
	check_double_free(s, c, object, fn);
	if (c->count >= c->limit) {
		slow_tick(t);
		list_overflow(s, t, c);
	}
	if (c->count >= c->limit)
		flush_objects(s, c, c->limit / 2);
	set_freepointer(s, object, c->freelist);
	c->freelist = object;
	c->count++;
}

/*
 * Gives every list of a thread back, and their limits start again at
 * cpu_limit; the thread is not running, or is the caller.
 */
void kmm_slab_flush_thread(struct kmm_thread *t)
{
	int i;

	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];

		if (!s)
			continue;
		if (t->objs[i].freelist)
			flush_objects(s, &t->objs[i], 0);
		list_shrink(s, t, &t->objs[i], 0);
	}
}

/*
 * Cuts a list that its thread, stopped by fork in another thread, may
 * have left half updated (see kmm_slab_flush_stopped) before its first
 * object that is not one of s with a sound mark.  A list holds at most
 * cpu_max objects, one more mid-push: a longer walk is cut too.
 */
static void cut_unsound(struct kmm_cache *s, struct kmm_objlist *c)
{
	void *object = c->freelist, *prev = NULL;
	unsigned int n = 0;

	while (object) {
		struct kmm_page *page = __virt_to_page(object);
		uintptr_t *w = free_words(s->offset, object);

		if (!page || n > s->cpu_max)
			break;
		page = compound_head(page);
		if (!(page->flags & PG_slab) || page->slab_cache != s ||
		    !slab_object_ok(s, page, object) ||
		    (kmm_hardened() && w[1] != free_mark(object, w[0])))
			break;
		prev = object;
		object = freeptr_decode(w, w[0]);
		n++;
	}
	if (!object)
		return;
	if (prev)
		set_freepointer(s, prev, NULL);
	else
		c->freelist = NULL;
	c->count = n;
}

/*
 * Gives back the lists of a thread that did not survive a fork, in the
 * child.  Its lists take no lock, so the fork may have stopped it
 * anywhere in a push, a pop or a cut of one, their stores made in
 * whatever order the compiler chose: the head may already name an
 * object whose free pointer is still the program's data.  Each list
 * goes back up to its first unsound link; what follows is left behind,
 * never reused.  (A pop or a cut never leaves an object in use
 * reachable: the head moves past an object before the object is handed
 * out, and a cut is written before the objects it cuts off are pushed
 * to their slabs, with release order.)
 */
void kmm_slab_flush_stopped(struct kmm_thread *t)
{
	int i;

	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];

		if (s && t->objs[i].freelist) {
			cut_unsound(s, &t->objs[i]);
			flush_objects(s, &t->objs[i], 0);
		}
	}
}

/* For a cache shrunk or destroyed: the list's limit starts again too. */
static void flush_cache_list(struct kmm_cache *s, struct kmm_thread *t)
{
	flush_objects(s, &t->objs[s->index], 0);
	list_shrink(s, t, &t->objs[s->index], 0);
}

/*
 * Is the partial list broken?  Its length and empty slabs against the
 * counts, each slab's owner and free count.  A walk, under s->lock:
 * --enable-debug=expensive, at slow paths.
 */
static __attribute__((unused)) bool partial_broken(struct kmm_cache *s)
{
	unsigned long nr = 0, empty = 0;
	struct list_head *pos;

	list_for_each(pos, &s->partial) {
		struct kmm_page *page =
			list_entry(pos, struct kmm_page, slab_list);
		unsigned int free = freelist_count(atomic_load(&page->freelist));

		if (page->slab_cache != s || !page->on_partial ||
		    !(page->flags & PG_slab) || free > page->objects)
			return true;
		nr++;
		empty += free == page->objects;
	}
	/* Slabs become empty under s->lock only (slab_put). */
	return nr != s->nr_partial || empty != s->nr_empty;
}

/* Frees the empty slabs on the partial list; returns their bytes. */
static size_t discard_empty(struct kmm_cache *s)
{
	struct list_head *pos, *n;
	struct list_head victims;

	INIT_LIST_HEAD(&victims);
	kmm_lock(&s->lock);
	KMM_BUG_ON_EXPENSIVE(partial_broken(s));
	list_for_each_safe(pos, n, &s->partial) {
		struct kmm_page *page =
			list_entry(pos, struct kmm_page, slab_list);
		uint64_t w = atomic_load(&page->freelist);

		if (freelist_count(w) == page->objects) {
			__remove_partial(s, page, true);
			list_add(&page->slab_list, &victims);
		}
	}
	kmm_unlock(&s->lock);
	return discard_list(s, &victims);
}

/* ----------------------------------------------------------- reclaimer */

/*
 * Free slab memory: empty slabs the caches keep, and the objects on the
 * threads' lists.  Another thread's lists are its own (its fast paths
 * take no lock), so they are counted here but never taken: the limit
 * lets a charge pass by what is still counted once every reclaimer was
 * asked (mm_account.c).  Counts are read without their owners' leave.
 */
static size_t slab_count(void)
{
	struct list_head *pos;
	size_t bytes = 0;
	int i;

	if (!kmm_lock_report(&kmm.thread_lock))
		return 0;
	if (!kmm_lock_report(&kmm.cache_lock)) {
		kmm_unlock_report(&kmm.thread_lock);
		return 0;
	}
	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];
		size_t objects = 0;

		if (!s)
			continue;
		list_for_each(pos, &kmm.threads)
			objects += list_entry(pos, struct kmm_thread, node)
					   ->objs[i].count;
		bytes += objects * s->size +
			 (size_t)s->nr_empty * (PAGE_SIZE << s->order);
	}
	kmm_unlock_report(&kmm.cache_lock);
	kmm_unlock_report(&kmm.thread_lock);
	return bytes;
}

/*
 * Gives the calling thread's lists back to their slabs, then frees every
 * empty slab; returns the bytes of slabs freed.  The pages go to the
 * calling thread's page lists, which the next reclaimer drains.
 */
static size_t slab_reclaim(size_t want)
{
	struct kmm_thread *t = kmm_thread_or_null();
	size_t bytes = 0;
	int i;

	(void)want;
	if (t)
		kmm_slab_flush_thread(t);
	kmm_lock(&kmm.cache_lock);
	for (i = 0; i < kmm.nr_caches; i++)
		if (kmm.caches[i])
			bytes += discard_empty(kmm.caches[i]);
	kmm_unlock(&kmm.cache_lock);
	return bytes;
}

static const struct kmm_reclaimer slab_reclaimer = {
	.name = "slabs",
	.count = slab_count,
	.reclaim = slab_reclaim,
	.priority = 20,
	.flags = KMM_RECLAIM_CHARGED,
};

void kmm_slab_init(void)
{
	kmm_register_reclaimer(&slab_reclaimer);
}

/* ---------------------------------------------------------- statistics */

/*
 * Objects in use: all but those free in slabs and those on threads'
 * lists.  The lists' counts are read without their threads' leave: a
 * snapshot, exact when the threads are quiet.  Caller holds
 * kmm.thread_lock.
 */
void kmm_slab_stats(struct kmm_cache *s, struct kmm_slab_stats *st)
{
	unsigned long free = 0;
	struct list_head *pos;

	list_for_each(pos, &kmm.threads)
		free += list_entry(pos, struct kmm_thread, node)
				->objs[s->index].count;
	free += kmm_dead_thread.objs[s->index].count;
	/* Busy (a report at a signal): partial slabs' free objects count as used. */
	if (kmm_lock_report(&s->lock)) {
		list_for_each(pos, &s->partial) {
			struct kmm_page *page =
				list_entry(pos, struct kmm_page, slab_list);

			free += freelist_count(atomic_load(&page->freelist));
		}
		kmm_unlock_report(&s->lock);
	}
	st->num_slabs = (unsigned long)atomic_load(&s->nr_slabs);
	st->num_objs = st->num_slabs * s->objects;
	st->active_objs = st->num_objs > free ? st->num_objs - free : 0;
}

unsigned long kmm_slab_empty_limit(struct kmm_cache *s)
{
	unsigned long limit;

	kmm_lock(&s->lock);
	limit = empty_limit(s);
	kmm_unlock(&s->lock);
	return limit;
}

/* --------------------------------------------------------------- errors */

void kmm_slab_double_free(const struct kmm_cache *s, const void *obj,
			  const char *fn)
{
	kmm_die(fn, "double free of", obj, s->name);
}

void kmm_slab_double_free_nr(unsigned int index, const void *obj,
			     const char *fn)
{
	kmm_slab_double_free(&cache_store[index], obj, fn);
}

/*
 * Caches made later keep 0 in the threads made before them: their frees
 * through kfree take the slow path (kmem_cache_free reads the cache's).
 */
void kmm_slab_thread_init(struct kmm_thread *t)
{
	int i;

	kmm_lock(&kmm.cache_lock);
	for (i = 0; i < kmm.nr_caches; i++)
		if (kmm.caches[i])
			t->objs[i].limit = kmm.caches[i]->cpu_limit;
	kmm_unlock(&kmm.cache_lock);
}

/*
 * A free object's mark does not match its free pointer (see slab.h):
 * "kmm: freelist corrupted in <cache> at <object> (free pointer <fp>)",
 * fp as stored (encoded): the program's bytes when it overwrote it.
 * No function name: the pop is inlined in every allocation entry point.
 * The cache is found from c's place in its thread's array, so that the
 * inlined pops need not keep it at hand.
 */
static void freelist_corrupted(const struct kmm_cache *s, const void *object,
			       uintptr_t fp)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: freelist corrupted in ");
	kmm_msg_str(&m, s->name);
	kmm_msg_str(&m, " at ");
	kmm_msg_num(&m, (uintptr_t)object, 16);
	kmm_msg_str(&m, " (free pointer ");
	kmm_msg_num(&m, fp, 16);
	kmm_msg_str(&m, ")");
	kmm_msg_send(&m);
	kmm_os_abort();
}

void kmm_freelist_corrupted(const struct kmm_objlist *c, const void *object,
			    uintptr_t fp)
{
	const struct kmm_objlist *base = kmm_dead_thread.objs;

	if (c < base || c >= base + KMM_MAX_CACHES)
		base = kmm_current->objs;
	freelist_corrupted(&cache_store[c - base], object, fp);
}

static void list_ends_early(const struct kmm_cache *s, unsigned int count)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: freelist corrupted in ");
	kmm_msg_str(&m, s->name);
	kmm_msg_str(&m, ": list ends ");
	kmm_msg_num(&m, count, 10);
	kmm_msg_str(&m, " objects early");
	kmm_msg_send(&m);
	kmm_os_abort();
}

/* --------------------------------------------------------------- fork */

void kmm_slab_fork_prepare(void)
{
	int i;

	kmm_lock(&kmm.cache_lock);
	for (i = 0; i < kmm.nr_caches; i++)
		if (kmm.caches[i])
			kmm_lock(&kmm.caches[i]->lock);
}

void kmm_slab_fork_parent(void)
{
	int i;

	for (i = kmm.nr_caches - 1; i >= 0; i--)
		if (kmm.caches[i])
			kmm_unlock(&kmm.caches[i]->lock);
	kmm_unlock(&kmm.cache_lock);
}

/*
 * Does the freelist word of a slab found by cache_rebuild hold a chain of
 * count objects of that slab?  (Pushes write the chain before the
 * compare-and-swap that publishes it, so it should; a slab left half
 * made or half torn down by an earlier such fork might not.)
 */
static bool freelist_ok(struct kmm_cache *s, struct kmm_page *page, uint64_t w)
{
	unsigned int i, count = freelist_count(w);
	uintptr_t base = (uintptr_t)slab_base(page);
	void *object = freelist_ptr(w);
	unsigned long j;

	if (count > page->objects)
		return false;
	for (j = 1; j < 1UL << s->order; j++)
		if (!(page[j].flags & PG_tail) || page[j].compound_head != page)
			return false;
	for (i = 0; i < count; i++) {
		if ((uintptr_t)object - base >= PAGE_SIZE << s->order ||
		    !slab_object_valid(s, page, object))
			return false;
		object = get_freepointer(s, object);
	}
	return !object;
}

/*
 * The child of a single-threaded fork found s->lock held: the fork came
 * from a signal handler that interrupted a change of the partial list
 * (a refill taking a slab, a push moving one).  The list is rebuilt from
 * the slabs themselves, found in mem_map: a slab is on it exactly when
 * its freelist word holds free objects.  A slab whose word is not a sound
 * chain is left full, its free objects never reused.
 */
static void cache_rebuild(struct kmm_cache *s)
{
	int z, nz = atomic_load_explicit(&kmm.nr_zones, memory_order_acquire);

	INIT_LIST_HEAD(&s->partial);
	s->nr_partial = 0;
	s->nr_empty = 0;
	for (z = 0; z < nz; z++) {
		struct kmm_zone *zone = kmm.zones[z];
		struct kmm_page *map = zone_mem_map(zone);
		unsigned long pfn;

		for (pfn = zone->first_pfn; pfn < zone->fresh_pfn; pfn++) {
			struct kmm_page *page = &map[pfn];
			uint64_t w;

			if (!(page->flags & PG_slab) || page->slab_cache != s)
				continue;
			page->on_partial = 0;
			w = atomic_load_explicit(&page->freelist,
						 memory_order_relaxed);
			if (!freelist_count(w))
				continue;
			if (!freelist_ok(s, page, w)) {
				atomic_store_explicit(&page->freelist, 0,
						      memory_order_relaxed);
				continue;
			}
			__add_partial(s, page,
				      freelist_count(w) == page->objects);
		}
	}
}

/*
 * single: the parent had one thread and prepare took no lock (thread.c).
 * kmm.cache_lock needs no repair: a cache is set up before it is put in
 * kmm.caches[], and one half made is set up again by the next creation.
 */
void kmm_slab_fork_child(bool single)
{
	int i;

	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];

		if (!s)
			continue;
		if (single && pthread_mutex_trylock(&s->lock) != 0)
			cache_rebuild(s);
		pthread_mutex_init(&s->lock, NULL);
	}
	pthread_mutex_init(&kmm.cache_lock, NULL);
}

/* ---------------------------------------------------------- public API */

KMM_EXPORT struct kmm_cache *kmm_cache_create(const char *name,
					      unsigned int size,
					      unsigned int align,
					      kmm_slab_flags_t flags,
					      void (*ctor)(void *))
{
	struct kmm_cache *s = NULL;

	kmm_init();
	if (name && size)
		s = kmm_cache_create_internal(name, size, align, flags, ctor,
					      kmm.layout.redzone);
	if (!s) {
		if (flags & KMM_SLAB_PANIC)
			kmm_fatal("kmem_cache_create: cannot create cache %s",
				  name ? name : "(null)");
		kmm_report("kmem_cache_create(%s) failed: size %u, align %u",
			   name ? name : "(null)", size, align);
	}
	return s;
}

/*
 * The thread's list is empty, the object must be zeroed, or every call
 * takes this path (kmm.layout.on).  A constructed object is
 * defined to the tool, as the constructor left it.
 */
static __noinline void *cache_alloc_slow(struct kmm_cache *s, kmm_gfp_t gfp)
{
	void *object;

	kmm_track_enter();
	object = kmm_slab_alloc(s, gfp);
	kmm_track_alloc(object, s->object_size, s->ctor != NULL);
	if (unlikely(!object)) {
		if (gfp & KMM___GFP_NOFAIL)
			kmm_nofail("kmem_cache_alloc", s->object_size);
		if (!(gfp & KMM___GFP_NOWARN))
			kmm_report("kmem_cache_alloc: cache %s: out of memory",
				   s->name);
		return NULL;
	}
	if (gfp & KMM___GFP_ZERO)
		memset(object, 0, s->object_size);
	return object;
}

KMM_EXPORT void *kmm_cache_alloc(struct kmm_cache *s, kmm_gfp_t gfp)
{
	struct kmm_objlist *c = &kmm_current->objs[s->index];
	void *object = c->freelist;

	if (unlikely(!object || (gfp & KMM___GFP_ZERO)))
		return cache_alloc_slow(s, gfp);
	return objlist_pop(c, s->offset, object);
}

static __cold __attribute__((noreturn)) void
wrong_cache(const char *fn, const void *obj, const struct kmm_cache *owner,
	    const struct kmm_cache *s)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: ");
	kmm_msg_str(&m, fn);
	kmm_msg_str(&m, "(): ");
	kmm_msg_num(&m, (uintptr_t)obj, 16);
	kmm_msg_str(&m, " belongs to cache ");
	kmm_msg_str(&m, owner->name);
	kmm_msg_str(&m, ", not ");
	kmm_msg_str(&m, s->name);
	kmm_msg_send(&m);
	kmm_os_abort();
}

static struct kmm_page *object_slab(struct kmm_cache *s, const void *obj,
				    const char *fn)
{
	struct kmm_page *page = __virt_to_page(obj);

	if (unlikely(!page))
		kmm_invalid_free(obj, fn);
	page = compound_head(page);
	if (unlikely(!(page->flags & PG_slab)))
		kmm_invalid_free(obj, fn);
	/* A debug cache checks its pointers itself, with a report. */
	if (unlikely(!slab_object_ok(page->slab_cache, page, obj)) &&
	    !page->slab_cache->debug)
		kmm_invalid_free(obj, fn);
	if (unlikely(s && page->slab_cache != s))
		wrong_cache(fn, obj, page->slab_cache, s);
	return page;
}

/* Frees for real an object the quarantine lets go. */
static void cache_release(void *obj)
{
	struct kmm_page *page = object_page(obj);

	kmm_slab_free(page->slab_cache, page, obj, "kmem_cache_free");
}

/*
 * The thread's list is full, or every call takes this path: the tool may
 * report the free; with a quarantine the object waits there first.
 */
static __noinline void cache_free_slow(struct kmm_cache *s, void *obj)
{
	struct kmm_page *page;

	if (!kmm_track_free(obj))
		return;		/* the tool reported the free */
	page = object_slab(s, obj, "kmem_cache_free");
	if (unlikely(kmm.layout.quarantine)) {
		kmm_track_leave();
		kmm_quarantine_add(obj, s->object_size, cache_release);
		return;
	}
	kmm_slab_free(page->slab_cache, page, obj, "kmem_cache_free");
	kmm_track_leave();
}

KMM_EXPORT void kmm_cache_free(struct kmm_cache *s, void *obj)
{
	struct kmm_objlist *c = &kmm_current->objs[s->index];

	/* The page's class byte says the slab is s's (mm_types.h). */
	if (likely(page_class(obj) == s->index + 1 &&
		   c->count < c->limit && slab_object_ok(s, NULL, obj))) {
		objlist_push(s, c, obj, "kmem_cache_free");
		return;
	}
	if (obj)
		cache_free_slow(s, obj);
}

KMM_EXPORT int kmm_cache_alloc_bulk(struct kmm_cache *s, kmm_gfp_t gfp,
				    size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		p[i] = kmm_cache_alloc(s, gfp);
		if (!p[i]) {
			kmm_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return (int)nr;
}

KMM_EXPORT void kmm_cache_free_bulk(struct kmm_cache *s, size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++)
		kmm_cache_free(s, p[i]);
}

KMM_EXPORT int kmm_cache_shrink(struct kmm_cache *s)
{
	struct kmm_thread *t = kmm_thread_or_null();

	kmm_quarantine_flush();
	kmm_track_enter();
	if (t)
		flush_cache_list(s, t);
	discard_empty(s);
	kmm_drain_local_pages();
	kmm_track_leave();
	return 0;
}

KMM_EXPORT unsigned int kmm_cache_size(const struct kmm_cache *s)
{
	return s->object_size;
}

/*
 * Destroys a cache.  Every thread's list of it is given back first
 * (destroying a cache still in use by another thread is the caller's
 * bug, as in the kernel), so objects free on those lists are not counted
 * as leaks.  Live objects are reported and the cache and its memory are
 * kept, as the kernel does.
 */
KMM_EXPORT void kmm_cache_destroy(struct kmm_cache *s)
{
	struct kmm_slab_stats st;
	struct list_head *pos;

	if (!s)
		return;
	kmm_quarantine_flush();
	kmm_track_enter();
	kmm_lock(&kmm.thread_lock);
	list_for_each(pos, &kmm.threads)
		flush_cache_list(s, list_entry(pos, struct kmm_thread, node));
	kmm_unlock(&kmm.thread_lock);
	kmm_lock(&kmm.dead_lock);
	flush_cache_list(s, &kmm_dead_thread);
	kmm_unlock(&kmm.dead_lock);

	kmm_lock(&kmm.thread_lock);
	kmm_slab_stats(s, &st);
	kmm_unlock(&kmm.thread_lock);
	if (st.active_objs) {
		kmm_track_leave();
		kmm_report("kmem_cache_destroy %s: Slab cache still has objects (%lu)",
			   s->name, st.active_objs);
		return;
	}
	discard_empty(s);
	kmm_lock(&kmm.cache_lock);
	kmm.caches[s->index] = NULL;
	kmm_unlock(&kmm.cache_lock);
	kmm_track_leave();
}

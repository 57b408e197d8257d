/*
 * fork_single - the child of a single-threaded fork does not trust what a
 * signal handler may have interrupted.  Each case leaves the state as a
 * frame stopped halfway would (the frame's lock held, a list half
 * updated, counters off), forks, and checks in the child, under alarm():
 *  - a zone lock held, a free block unlinked from its free list but still
 *    flagged free, the zone's counters wrong: the child's buddy check
 *    passes, the block is on its free list again, pages of every order
 *    can be allocated and freed;
 *  - a cache lock held, a partial slab unlinked but still marked, the
 *    partial count wrong: the child's partial list holds exactly the
 *    slabs with free objects, the cache allocates and frees;
 *  - the thread's object list of a kmalloc cache pointing at garbage (a
 *    push or pop cut short): the child allocates from that cache with a
 *    new thread state and never follows the garbage.
 * The parent, whose locks this fork did not take, puts its state back,
 * and its checks pass too.  kmm's handlers tell a single-threaded process
 * by __libc_single_threaded (glibc 2.32): without it the test skips.
 */
#include "ut.h"

#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define UT_SINGLE_THREADED() (__libc_single_threaded != 0)
#else
#define UT_SINGLE_THREADED() 0
#endif

static void run(const char *what, void (*fn)(void *), void *arg)
{
	char *err;
	int st = ut_run_child(fn, arg, &err);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		test_fail("%s: child expected to exit 0, got %s %d%s; its "
			  "stderr: %s", what,
			  WIFEXITED(st) ? "status" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			  !WIFEXITED(st) && WTERMSIG(st) == SIGALRM ?
				  " (deadlock: killed by its alarm)" : "",
			  err);
	free(err);
}

/* ----------------------------------------------------------------- zone */

static bool on_list(const struct list_head *h, const struct list_head *e)
{
	const struct list_head *pos;

	for (pos = h->next; pos != h; pos = pos->next)
		if (pos == e)
			return true;
	return false;
}

struct zone_case {
	struct kmm_zone *z;
	struct kmm_page *page;
	unsigned int order;
};

static void zone_child(void *arg)
{
	struct zone_case *c = arg;
	unsigned long blocks[NR_PAGE_ORDERS];
	unsigned int o;

	alarm(UT_ON_VALGRIND() ? 120 : 10);
	expect_eq_i(kmm_buddy_check(), 0);
	expect(on_list(&c->z->free_area[c->order], &c->page->lru),
	       "the unlinked free block back on free_area[%u]", c->order);
	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		blocks[o] = __get_free_pages(GFP_KERNEL, o);
		expect_nonnull((void *)blocks[o]);
		memset((void *)blocks[o], 0x5a, PAGE_SIZE);
	}
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		free_pages(blocks[o], o);
	kmm_drain_local_pages();
	expect_eq_i(kmm_buddy_check(), 0);
}

static void test_zone(void)
{
	unsigned long blocks[64];
	struct zone_case c = { NULL, NULL, 0 };
	unsigned int i, o;

	for (i = 0; i < 64; i++) {
		blocks[i] = __get_free_pages(GFP_KERNEL, 1);
		expect_nonnull((void *)blocks[i]);
	}
	for (i = 0; i < 64; i += 2)
		free_pages(blocks[i], 1);
	kmm_drain_local_pages();

	c.z = page_zone((struct kmm_page *)virt_to_page((void *)blocks[1]));
	for (o = 0; o < NR_PAGE_ORDERS && !c.page; o++)
		if (!list_empty(&c.z->free_area[o])) {
			c.page = list_first_entry(&c.z->free_area[o],
						  struct kmm_page, lru);
			c.order = o;
		}
	expect_nonnull(c.page);

	/* A removal cut short: unlinked, counted, still PG_buddy. */
	kmm_lock(&c.z->lock);
	list_del(&c.page->lru);
	c.z->nr_free[c.order]--;
	c.z->free_pages += 1000;
	run("zone lock held", zone_child, &c);
	list_add(&c.page->lru, &c.z->free_area[c.order]);
	c.z->nr_free[c.order]++;
	c.z->free_pages -= 1000;
	kmm_unlock(&c.z->lock);

	expect_eq_i(kmm_buddy_check(), 0);
	for (i = 1; i < 64; i += 2)
		free_pages(blocks[i], 1);
}

/* ---------------------------------------------------------------- cache */

struct cache_case {
	struct kmm_cache *s;
	struct kmm_page *page;
};

static void cache_child(void *arg)
{
	struct cache_case *c = arg;
	struct list_head *pos;
	unsigned long n = 0;
	void *objs[512];
	unsigned int i;

	alarm(UT_ON_VALGRIND() ? 120 : 10);
	for (pos = c->s->partial.next; pos != &c->s->partial;
	     pos = pos->next) {
		struct kmm_page *page =
			list_entry(pos, struct kmm_page, slab_list);

		expect_eq(page->on_partial, 1);
		expect_gt(atomic_load(&page->freelist) >> 48, 0);
		n++;
	}
	expect_eq(n, c->s->nr_partial);
	expect(on_list(&c->s->partial, &c->page->slab_list),
	       "the unlinked partial slab back on the partial list");
	for (i = 0; i < 512; i++) {
		objs[i] = kmem_cache_alloc((struct kmem_cache *)c->s,
					   GFP_KERNEL);
		expect_nonnull(objs[i]);
		memset(objs[i], 0x6b, 200);
	}
	for (i = 0; i < 512; i++)
		kmem_cache_free((struct kmem_cache *)c->s, objs[i]);
	kmem_cache_shrink((struct kmem_cache *)c->s);
}

static void test_cache(void)
{
	struct kmem_cache *cache = kmem_cache_create("fork_single", 200, 0, 0,
						     NULL);
	struct cache_case c;
	static void *objs[1024];
	unsigned int i;

	expect_nonnull(cache);
	c.s = (struct kmm_cache *)cache;
	for (i = 0; i < 1024; i++) {
		objs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		expect_nonnull(objs[i]);
	}
	for (i = 0; i < 1024; i += 2)
		kmem_cache_free(cache, objs[i]);
	/* The thread's list goes back to the slabs: they become partial. */
	kmem_cache_shrink(cache);
	if (list_empty(&c.s->partial))
		test_error("no partial slab to work with");
	c.page = list_first_entry(&c.s->partial, struct kmm_page, slab_list);

	/* A list move cut short: unlinked, still marked, count off. */
	kmm_lock(&c.s->lock);
	list_del(&c.page->slab_list);
	c.s->nr_partial += 7;
	run("cache lock held", cache_child, &c);
	list_add(&c.page->slab_list, &c.s->partial);
	c.s->nr_partial -= 7;
	kmm_unlock(&c.s->lock);

	for (i = 1; i < 1024; i += 2)
		kmem_cache_free(cache, objs[i]);
	kmem_cache_destroy(cache);
}

/* ------------------------------------------------------ thread's lists */

static void list_child(void *arg)
{
	struct kmm_thread *old = arg;
	void *p;

	alarm(UT_ON_VALGRIND() ? 120 : 10);
	p = kmalloc(64, GFP_KERNEL);
	expect_nonnull(p);
	memset(p, 0x11, 64);
	expect_ptr_ne(kmm_current, old);
	expect_ptr_ne(kmm_current, &kmm_boot_thread);
	kfree(p);
}

static void test_thread_lists(void)
{
	struct kmm_objlist *c, saved;
	struct kmm_thread *t;
	void *p = kmalloc(64, GFP_KERNEL);

	expect_nonnull(p);
	t = kmm_thread_or_null();
	expect_nonnull(t);
	c = &t->objs[kmalloc_index(64)];
	saved = *c;
	/* What a pop cut short can leave, at worst: not a valid object. */
	c->freelist = (void *)(uintptr_t)0x1000;
	c->count = 5;
	run("thread's list mid-update", list_child, t);
	*c = saved;
	kfree(p);
}

static void on_alarm(int sig)
{
	static const char msg[] = "fork_single: expected fork and the child "
				  "to finish, got a hang (deadlock)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	test_init();
	/* A prepare handler that takes a held lock hangs the parent. */
	signal(SIGALRM, on_alarm);
	alarm(UT_ON_VALGRIND() ? 300 : 30);
	if (!UT_SINGLE_THREADED())
		test_skip("no __libc_single_threaded, or not single-threaded");
	test_zone();
	test_cache();
	/* Under memcheck every thread uses the shared dead-thread state. */
	if (ut_native())
		test_thread_lists();
	printf("fork_single: the child rebuilt a zone and a cache, and left "
	       "the thread's lists\n");
	return 0;
}

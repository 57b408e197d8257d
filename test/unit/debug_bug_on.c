/*
 * debug_bug_on - an --enable-debug build stops at a broken invariant of
 * any layer with "kmm: BUG at <file>:<line>: <condition>" and abort:
 * a buddy block freed twice (order 4, straight to the zone; order 0,
 * through the thread's page list), a block freed with another order
 * than it was allocated with, a page list count that is not its list's
 * length, a thread's object list count that is not its list's length, a
 * kmalloc class too small for the size, and the lock order of
 * src/internal.h: a lock taken while one of a later rank is held, a
 * lock taken twice, two cache locks in decreasing index.  Cache locks
 * in increasing index and a fork with locks held are fine.  Each case
 * runs in a child (fork, alarm): a check that is missing shows as a
 * clean exit or, for the locks, as a hang cut by SIGALRM.  A release
 * build compiles KMM_BUG_ON out: the test skips.
 */
#include "ut.h"

#include <ctype.h>

#define CHILD_TIMEOUT 10	/* seconds */

struct bug_case {
	const char *what;
	void (*fn)(void);
	const char *file;	/* "kmm: BUG at <file>:<line>: "; NULL: no BUG */
	const char *also;	/* must be in the message too, or NULL */
};

static struct kmem_cache *cache_a, *cache_b;

static void buddy_double_free(void)
{
	struct kmm_page *page = __kmm_alloc_pages(GFP_KERNEL, 4);

	__kmm_free_pages(page, 4);
	__kmm_free_pages(page, 4);
}

static void pcp_double_free(void)
{
	struct kmm_page *page = __kmm_alloc_pages(GFP_KERNEL, 0);

	__kmm_free_pages(page, 0);
	__kmm_free_pages(page, 0);
}

static void wrong_order(void)
{
	struct kmm_page *page = __kmm_alloc_pages(GFP_KERNEL, 2);

	__kmm_free_pages(page, 3);
}

static void pcp_count(void)
{
	struct kmm_page *page = __kmm_alloc_pages(GFP_KERNEL, 0);

	/* The thread's order-0 list now holds the rest of a batch. */
	__kmm_free_pages(page, 0);
	kmm_current->pcp[0].count++;
	kmm_drain_local_pages();
}

static void slab_list_count(void)
{
	const struct kmm_cache *s = (const void *)cache_a;
	void *p = kmem_cache_alloc(cache_a, GFP_KERNEL);

	kmem_cache_free(cache_a, p);
	kmm_current->objs[s->index].count += 2;
	kmm_slab_flush_thread(kmm_current);
}

static void kmalloc_class(void)
{
	/* 100 bytes mapped to the 16-byte class. */
	kmalloc_size_index[(100 + 15) >> 4] = 0;
	__kmm_kmalloc(100, GFP_KERNEL, 0);
}

static void lock_rank_inverted(void)
{
	kmm_lock(&kmm.vmap_lock);
	kmm_lock(&kmm.thread_lock);
}

static void lock_twice(void)
{
	kmm_lock(&kmm.cache_lock);
	kmm_lock(&kmm.cache_lock);
}

static void cache_locks_decreasing(void)
{
	struct kmm_cache *a = (void *)cache_a, *b = (void *)cache_b;

	kmm_lock(&b->lock);
	kmm_lock(&a->lock);
}

static void cache_locks_increasing(void)
{
	struct kmm_cache *a = (void *)cache_a, *b = (void *)cache_b;

	kmm_lock(&kmm.cache_lock);
	kmm_lock(&a->lock);
	kmm_lock(&b->lock);
	kmm_lock(&kmm.vmap_lock);
	kmm_lock(&kmm.zone_lock);
	kmm_lock(&kmm.zones[0]->lock);
	kmm_unlock(&kmm.zones[0]->lock);
	kmm_unlock(&kmm.zone_lock);
	kmm_unlock(&kmm.vmap_lock);
	kmm_unlock(&a->lock);
	kmm_unlock(&b->lock);
	kmm_unlock(&kmm.cache_lock);
	/* All released: any order may start again. */
	kmm_lock(&kmm.dead_lock);
	kmm_unlock(&kmm.dead_lock);
}

/*
 * fork() takes every lock in the prepare handler; the child makes them
 * new and must hold none, or its first allocation of a slab would be
 * out of order.
 */
static void fork_then_lock(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		kmem_cache_free(cache_a, kmem_cache_alloc(cache_a, GFP_KERNEL));
		kmm_lock(&kmm.dead_lock);
		kmm_unlock(&kmm.dead_lock);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		abort();
}

static void in_child(void *arg)
{
	const struct bug_case *c = arg;

	signal(SIGALRM, SIG_DFL);
	alarm(CHILD_TIMEOUT);
	/*
	 * The child of a one-thread fork starts without per-thread state:
	 * its first small allocation makes it (page and object lists).
	 */
	kfree(kmalloc(64, GFP_KERNEL));
	c->fn();
}

/* text starts a line with "kmm: BUG at <file>:<digits>: " */
static int has_bug_line(const char *text, const char *file)
{
	char want[64];
	const char *p = text;

	snprintf(want, sizeof(want), "kmm: BUG at %s:", file);
	while ((p = strstr(p, want))) {
		const char *q = p + strlen(want);

		if ((p == text || p[-1] == '\n') && isdigit((unsigned char)*q)) {
			while (isdigit((unsigned char)*q))
				q++;
			if (q[0] == ':' && q[1] == ' ' && q[2] && q[2] != '\n')
				return 1;
		}
		p++;
	}
	return 0;
}

static void run_case(const struct bug_case *c)
{
	char *err;
	int st = ut_run_child(in_child, (void *)c, &err);

	if (!c->file) {
		expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "%s: expected a clean exit, got %s %d; stderr \"%s\"",
		       c->what, WIFSIGNALED(st) ? "signal" : "exit status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), err);
		free(err);
		return;
	}
	expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	       "%s: expected death by SIGABRT, got %s %d; stderr \"%s\"",
	       c->what, WIFSIGNALED(st) ? "signal" : "exit status",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), err);
	expect(has_bug_line(err, c->file),
	       "%s: expected \"kmm: BUG at %s:<line>: <condition>\", got \"%s\"",
	       c->what, c->file, err);
	if (c->also)
		expect(strstr(err, c->also) != NULL,
		       "%s: expected \"%s\" in the message, got \"%s\"",
		       c->what, c->also, err);
	free(err);
}

int main(void)
{
	static const struct bug_case cases[] = {
		{ "buddy block freed twice", buddy_double_free,
		  "page_alloc.c", NULL },
		{ "page list block freed twice", pcp_double_free,
		  "page_alloc.c", NULL },
		{ "block freed with another order", wrong_order,
		  "page_alloc.c", "page->order != order" },
		{ "page list count off by one", pcp_count,
		  "page_alloc.c", "seen != pcp->count" },
		{ "object list count off by two", slab_list_count,
		  "slab.c", "seen != count" },
		{ "kmalloc class too small", kmalloc_class,
		  "kmalloc.c", "object_size" },
		{ "kmm.thread_lock under kmm.vmap_lock", lock_rank_inverted,
		  "lockdep.c", "kmm: lock order: kmm.thread_lock taken while "
			       "holding kmm.vmap_lock" },
		{ "kmm.cache_lock taken twice", lock_twice,
		  "lockdep.c", "kmm.cache_lock taken while holding "
			       "kmm.cache_lock" },
		{ "cache locks in decreasing index", cache_locks_decreasing,
		  "lockdep.c", "lock taken out of order" },
		{ "the whole order, cache locks increasing",
		  cache_locks_increasing, NULL, NULL },
		{ "fork with every lock held", fork_then_lock, NULL, NULL },
	};
	unsigned int i;

	test_init();
#ifndef KMM_DEBUG_BUILD
	test_skip("KMM_BUG_ON is compiled in by --enable-debug only");
#endif
	if (!ut_native())
		test_skip("under memcheck kmm runs its Valgrind mode");
	cache_a = kmem_cache_create("ut_bug_a", 64, 0, 0, NULL);
	cache_b = kmem_cache_create("ut_bug_b", 64, 0, 0, NULL);
	expect(cache_a && cache_b, "two caches");
	expect(((struct kmm_cache *)(void *)cache_a)->index <
	       ((struct kmm_cache *)(void *)cache_b)->index,
	       "caches made in order have increasing indexes");
	/* The children inherit a thread with state and a zone. */
	kfree(kmalloc(64, GFP_KERNEL));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	/* None of it touched the parent. */
	expect(kmm_buddy_check() == 0, "the zones are consistent");
	kmem_cache_destroy(cache_a);
	kmem_cache_destroy(cache_b);
	return TEST_PASS;
}

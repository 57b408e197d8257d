/*
 * slab_leak - kmem_cache_destroy() of a cache with allocated objects
 * writes "Slab cache still has objects" to stderr with the cache's name
 * and the number of objects still allocated (counted across threads),
 * and keeps their memory usable; objects that are free, whether cached
 * in the destroying thread's slab, in the slab of another (idle or
 * exited) thread, or freed remotely into a slab another thread owns,
 * are not reported: destroying such a cache writes nothing.
 */
#include "ut.h"

#include <ctype.h>
#include <pthread.h>

#define LEAK_MSG "Slab cache still has objects"

struct destroy_arg {
	struct kmem_cache *c;
};

static void do_destroy(void *arg)
{
	struct destroy_arg *d = arg;

	kmem_cache_destroy(d->c);
}

static char *destroy_capture(struct kmem_cache *c)
{
	struct destroy_arg d = { c };

	return ut_capture_stderr(do_destroy, &d);
}

/* The report names the cache and gives count as a number of its own. */
static void expect_report(const char *out, const char *name,
			  unsigned long count)
{
	const char *line = strstr(out, LEAK_MSG);
	const char *end, *p;
	int found = 0;

	expect(line != NULL, "destroying %s with %lu objects: expected \""
	       LEAK_MSG "\" on stderr, got \"%s\"", name, count, out);
	while (line > out && line[-1] != '\n')
		line--;
	end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	expect(memmem(line, (size_t)(end - line), name, strlen(name)) != NULL,
	       "leak report: expected the name %s, got \"%.*s\"", name,
	       (int)(end - line), line);
	/* A run of digits that is a word of its own, not part of a name
	 * or an address. */
	for (p = line; p < end; p++) {
		char *q;
		unsigned long v;

		if (!isdigit((unsigned char)*p) ||
		    (p > line && (isalnum((unsigned char)p[-1]) ||
				  p[-1] == '_' || p[-1] == '-')))
			continue;
		v = strtoul(p, &q, 10);
		if (v == count && q <= end &&
		    !(isalnum((unsigned char)*q) || *q == '_'))
			found = 1;
		p = q - 1;
	}
	expect(found, "leak report for %s: expected the count %lu, got \"%.*s\"",
	       name, count, (int)(end - line), line);
}

static void expect_silent(const char *out, const char *what)
{
	expect(out[0] == '\0', "%s: expected nothing on stderr, got \"%s\"",
	       what, out);
}

/*
 * Objects leaked on purpose stay reachable from here, so memcheck's leak
 * check does not count them.
 */
static void *leaked[50], *leaked_thread[10], *leaked_mine[5];

static void test_leak(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_leaky", 120, 0, 0, NULL);
	void **v = leaked;
	char *out;
	int i;

	expect_nonnull(c);
	for (i = 0; i < 50; i++) {
		v[i] = kmem_cache_alloc(c, GFP_KERNEL);
		expect_nonnull(v[i]);
		ut_fill(v[i], 120, (uint64_t)i);
	}
	for (i = 0; i < 13; i++)
		kmem_cache_free(c, v[i]);
	out = destroy_capture(c);
	expect_report(out, "ut_leaky", 37);
	free(out);
	/* The leaked objects stay valid. */
	for (i = 13; i < 50; i++) {
		expect_eq_i(ut_check(v[i], 120, (uint64_t)i), -1);
		memset(v[i], 0x5c, 120);
	}
	expect_eq(kmm_buddy_check(), 0);
}

static void test_clean(void)
{
	struct kmem_cache *c = kmem_cache_create("ut_clean", 64, 0, 0, NULL);
	void *v[1000];
	char *out;
	int i;

	expect_nonnull(c);
	for (i = 0; i < 1000; i++)
		expect_nonnull(v[i] = kmem_cache_alloc(c, GFP_KERNEL));
	for (i = 0; i < 1000; i++)
		kmem_cache_free(c, v[i]);
	/* Some free objects sit in this thread's active slab. */
	out = destroy_capture(c);
	expect_silent(out, "destroying ut_clean with every object freed");
	free(out);
}

/* ------------------------------------------------------ other threads */

struct helper {
	struct kmem_cache *c;
	void **v;
	int n, nfree;		/* allocates n, frees the first nfree */
	int idle;		/* then waits for go before exiting */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready, go;
};

static void *helper_run(void *arg)
{
	struct helper *h = arg;
	int i;

	for (i = 0; i < h->n; i++) {
		h->v[i] = kmem_cache_alloc(h->c, GFP_KERNEL);
		expect_nonnull(h->v[i]);
		*(int *)h->v[i] = i;
	}
	for (i = 0; i < h->nfree; i++)
		kmem_cache_free(h->c, h->v[i]);
	pthread_mutex_lock(&h->lock);
	h->ready = 1;
	pthread_cond_broadcast(&h->cond);
	while (h->idle && !h->go)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void helper_start(struct helper *h, pthread_t *tid)
{
	h->ready = h->go = 0;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (pthread_create(tid, NULL, helper_run, h))
		test_error("pthread_create");
	pthread_mutex_lock(&h->lock);
	while (!h->ready)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

static void helper_release(struct helper *h, pthread_t tid)
{
	pthread_mutex_lock(&h->lock);
	h->go = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(tid, NULL);
}

/* Objects freed by their thread, which stays alive and idle. */
static void test_idle_thread_cache(void)
{
	void *v[300];
	struct helper h = { .v = v, .n = 300, .nfree = 300, .idle = 1 };
	pthread_t tid;
	char *out;

	h.c = kmem_cache_create("ut_idle_cached", 48, 0, 0, NULL);
	expect_nonnull(h.c);
	helper_start(&h, &tid);
	out = destroy_capture(h.c);
	expect_silent(out, "destroying a cache whose free objects sit in an "
		      "idle thread's slab");
	free(out);
	helper_release(&h, tid);
}

/* Objects freed by their thread, which has exited. */
static void test_exited_thread_cache(void)
{
	void *v[300];
	struct helper h = { .v = v, .n = 300, .nfree = 300, .idle = 0 };
	pthread_t tid;
	char *out;

	h.c = kmem_cache_create("ut_exited_cached", 48, 0, 0, NULL);
	expect_nonnull(h.c);
	helper_start(&h, &tid);
	pthread_join(tid, NULL);
	out = destroy_capture(h.c);
	expect_silent(out, "destroying a cache whose objects were freed by "
		      "a thread that exited");
	free(out);
}

/* Objects freed here, remotely, while their owner is alive or gone. */
static void test_remote_freed(int owner_alive)
{
	void *v[500];
	struct helper h = { .v = v, .n = 500, .nfree = 0,
			    .idle = owner_alive };
	pthread_t tid;
	char *out;
	int i;

	h.c = kmem_cache_create(owner_alive ? "ut_remote_alive" :
					      "ut_remote_gone",
				200, 0, 0, NULL);
	expect_nonnull(h.c);
	helper_start(&h, &tid);
	if (!owner_alive)
		pthread_join(tid, NULL);
	for (i = 0; i < 500; i++) {
		expect_eq_i(*(int *)v[i], i);
		kmem_cache_free(h.c, v[i]);
	}
	out = destroy_capture(h.c);
	expect_silent(out, owner_alive ?
		      "destroying a cache whose objects were freed remotely "
		      "while their owner idles" :
		      "destroying a cache whose objects were freed after "
		      "their owner exited");
	free(out);
	if (owner_alive)
		helper_release(&h, tid);
}

/* Live objects of an exited thread count with this thread's. */
static void test_leak_across_threads(void)
{
	void **v = leaked_thread, **mine = leaked_mine;
	struct helper h = { .v = v, .n = 10, .nfree = 0, .idle = 0 };
	pthread_t tid;
	char *out;
	int i;

	h.c = kmem_cache_create("ut_leak_threads", 32, 0, 0, NULL);
	expect_nonnull(h.c);
	helper_start(&h, &tid);
	pthread_join(tid, NULL);
	for (i = 0; i < 5; i++)
		expect_nonnull(mine[i] = kmem_cache_alloc(h.c, GFP_KERNEL));
	/* Allocated and freed again: not a leak. */
	kmem_cache_free(h.c, kmem_cache_alloc(h.c, GFP_KERNEL));
	out = destroy_capture(h.c);
	expect_report(out, "ut_leak_threads", 15);
	free(out);
	for (i = 0; i < 10; i++)
		expect_eq_i(*(int *)v[i], i);
}

int main(void)
{
	struct kmem_cache *c;
	void *o;

	test_init();
	test_clean();
	test_idle_thread_cache();
	test_exited_thread_cache();
	test_remote_freed(1);
	test_remote_freed(0);
	test_leak();
	test_leak_across_threads();

	/* Caches can still be made and used. */
	c = kmem_cache_create("ut_after", 100, 0, 0, NULL);
	expect_nonnull(c);
	o = kmem_cache_alloc(c, GFP_KERNEL);
	expect_nonnull(o);
	kmem_cache_free(c, o);
	kmem_cache_destroy(c);
	expect_eq(kmm_buddy_check(), 0);
	return 0;
}

/*
 * slab_threads - object caches and kmalloc stay correct under threads
 * freeing each other's objects: 4 threads (millions of operations in
 * all; fewer with KMM_TEST_QUICK=1) allocate from a shared cache, from
 * the kmalloc caches and in bulk, fill each object with a pattern of its
 * own, and free it themselves or hand it to another thread, which checks
 * the pattern before freeing it (an object handed out twice, or a free
 * pointer written into a live object, changes a pattern).  Afterwards
 * the buddy invariants hold and destroying the cache reports no leak.
 */
#include "ut.h"

#include <pthread.h>

#define NTHREADS 4
#define MAX_LIVE 256
#define MAILBOX 1024
#define CACHE_SIZE 72

enum kind { K_CACHE, K_KMALLOC };

struct obj {
	void *p;
	uint32_t size;
	uint32_t kind;
	uint64_t tag;
};

struct worker {
	pthread_t tid;
	unsigned int id;
	struct obj live[MAX_LIVE];
	size_t nlive;
	pthread_mutex_t lock;
	struct obj mail[MAILBOX];
	size_t nmail;
	unsigned long allocs, remote;
};

static struct worker workers[NTHREADS];
static struct kmem_cache *cache;
static unsigned long nops;

static void check_free(struct worker *w, const struct obj *o)
{
	long bad = ut_check(o->p, o->size, o->tag);

	expect(bad < 0, "thread %u: %s object %p of %u bytes (tag %#jx): "
	       "expected its pattern, got a change at offset %ld", w->id,
	       o->kind == K_CACHE ? "cache" : "kmalloc", o->p, o->size,
	       (uintmax_t)o->tag, bad);
	if (o->kind == K_CACHE)
		kmem_cache_free(cache, o->p);
	else
		kfree(o->p);
}

static void drain_mail(struct worker *w)
{
	static __thread struct obj local[MAILBOX];
	size_t n, i;

	pthread_mutex_lock(&w->lock);
	n = w->nmail;
	memcpy(local, w->mail, n * sizeof(local[0]));
	w->nmail = 0;
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < n; i++)
		check_free(w, &local[i]);
}

static int post(struct worker *to, const struct obj *o)
{
	int ok;

	pthread_mutex_lock(&to->lock);
	ok = to->nmail < MAILBOX;
	if (ok)
		to->mail[to->nmail++] = *o;
	pthread_mutex_unlock(&to->lock);
	return ok;
}

static void add_live(struct worker *w, void *p, uint32_t size, uint32_t kind,
		     struct ut_rng *rng)
{
	struct obj *o = &w->live[w->nlive++];

	o->p = p;
	o->size = size;
	o->kind = kind;
	o->tag = ((uint64_t)w->id << 60) ^ ut_next(rng);
	ut_fill(p, size, o->tag);
	w->allocs++;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct ut_rng rng;
	unsigned long i;

	ut_rng_init(&rng, 1000 + w->id);
	for (i = 0; i < nops; i++) {
		uint64_t r = ut_next(&rng);

		if (w->nlive + 8 <= MAX_LIVE && (w->nlive < 16 || (r & 1))) {
			switch ((r >> 1) % 8) {
			case 0: {
				/* Bulk: 8 objects at once. */
				void *b[8];
				int k;

				expect_eq_i(kmem_cache_alloc_bulk(cache,
								  GFP_KERNEL,
								  8, b), 8);
				for (k = 0; k < 8; k++)
					add_live(w, b[k], CACHE_SIZE, K_CACHE,
						 &rng);
				break;
			}
			case 1:
			case 2:
			case 3: {
				void *p = kmem_cache_alloc(cache, GFP_KERNEL);

				expect_nonnull(p);
				add_live(w, p, CACHE_SIZE, K_CACHE, &rng);
				break;
			}
			default: {
				/* Sizes spread over the small classes. */
				uint32_t size = (uint32_t)(1 + (r >> 8) %
							   ((r >> 40) % 4 ? 256
									  : 2048));
				void *p = kmalloc(size, GFP_KERNEL);

				expect_nonnull(p);
				expect_ge(ksize(p), size);
				add_live(w, p, size, K_KMALLOC, &rng);
				break;
			}
			}
		} else {
			size_t k = (size_t)ut_below(&rng, w->nlive);
			struct obj o = w->live[k];
			struct worker *to = &workers[(w->id + 1 + (r >> 20) %
						      (NTHREADS - 1)) % NTHREADS];

			w->live[k] = w->live[--w->nlive];
			/* Half the frees are remote. */
			if ((r >> 4) % 2 == 0 && post(to, &o))
				w->remote++;
			else
				check_free(w, &o);
		}
		if (i % 16 == 0)
			drain_mail(w);
	}
	while (w->nlive)
		check_free(w, &w->live[--w->nlive]);
	drain_mail(w);
	return NULL;
}

static void do_destroy(void *arg)
{
	kmem_cache_destroy(arg);
}

int main(void)
{
	unsigned long allocs = 0, remote = 0;
	unsigned int i;
	char *out;

	test_init();
	nops = test_quick() ? 20000 : 1000000;
	cache = kmem_cache_create("ut_stress", CACHE_SIZE, 0, 0, NULL);
	expect_nonnull(cache);

	for (i = 0; i < NTHREADS; i++) {
		workers[i].id = i;
		pthread_mutex_init(&workers[i].lock, NULL);
	}
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&workers[i].tid, NULL, run, &workers[i]))
			test_error("pthread_create");
	for (i = 0; i < NTHREADS; i++)
		pthread_join(workers[i].tid, NULL);
	/* Objects posted after their receiver's last look. */
	for (i = 0; i < NTHREADS; i++) {
		drain_mail(&workers[i]);
		allocs += workers[i].allocs;
		remote += workers[i].remote;
	}
	printf("slab_threads: %lu objects, %lu freed by another thread\n",
	       allocs, remote);
	/* The run did exercise remote frees. */
	expect_gt(remote, allocs / 100);
	expect_eq(kmm_buddy_check(), 0);

	out = ut_capture_stderr(do_destroy, cache);
	expect(out[0] == '\0', "destroying ut_stress after every object was "
	       "freed: expected nothing on stderr, got \"%s\"", out);
	free(out);
	return 0;
}

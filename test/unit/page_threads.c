/*
 * page_threads - the page allocator is thread-safe: 4 threads allocate
 * and free blocks of random orders at once, each writing its own
 * pattern over its blocks and checking it just before the free (a block
 * handed to two threads at once shows as a changed pattern), and some
 * blocks freed by another thread than the one that allocated them.
 * Afterwards the buddy invariants hold and, once the threads have
 * exited (their page lists drained at exit), a second round ends with
 * exactly the free page count of the first: nothing leaks per thread.
 */
#include "ut.h"

#include <pthread.h>

#define NTHREADS 4
#define MAX_LIVE 48
#define MAILBOX 64

struct block {
	unsigned long addr;
	unsigned int order;
	uint64_t tag;
};

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long ops;
	struct block live[MAX_LIVE];
	size_t nlive;
	/* Blocks handed over by other threads, freed by this one. */
	pthread_mutex_t lock;
	struct block mail[MAILBOX];
	size_t nmail;
};

static struct worker workers[NTHREADS];
static unsigned long nops;

static void check_and_free(struct worker *w, struct block *b)
{
	long bad = ut_check_sparse((void *)b->addr, PAGE_SIZE << b->order,
				   b->tag);

	expect(bad < 0, "thread %u: block 0x%lx (order %u, tag %#jx): "
		   "expected its pattern, got a change at offset %ld", w->id,
		   b->addr, b->order, (uintmax_t)b->tag, bad);
	free_pages(b->addr, b->order);
}

static void drain_mail(struct worker *w)
{
	struct block local[MAILBOX];
	size_t n, i;

	pthread_mutex_lock(&w->lock);
	n = w->nmail;
	memcpy(local, w->mail, n * sizeof(local[0]));
	w->nmail = 0;
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < n; i++)
		check_and_free(w, &local[i]);
}

/* Hands b to another thread; false if its mailbox is full. */
static int post(struct worker *to, const struct block *b)
{
	int ok;

	pthread_mutex_lock(&to->lock);
	ok = to->nmail < MAILBOX;
	if (ok)
		to->mail[to->nmail++] = *b;
	pthread_mutex_unlock(&to->lock);
	return ok;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct ut_rng rng;
	unsigned long i;

	ut_rng_init(&rng, 100 + w->id);
	for (i = 0; i < nops; i++) {
		uint64_t r = ut_next(&rng);

		if (w->nlive < MAX_LIVE && (w->nlive == 0 || (r & 1))) {
			unsigned int o = (unsigned int)__builtin_ctzll(
				(r >> 8) | (1ULL << 7));
			struct block *b = &w->live[w->nlive];

			b->addr = __get_free_pages(GFP_KERNEL, o);
			expect_nonnull((void *)b->addr);
			expect_eq(b->addr % (PAGE_SIZE << o), 0);
			b->order = o;
			b->tag = ((uint64_t)w->id << 56) ^ ut_next(&rng);
			ut_fill_sparse((void *)b->addr, PAGE_SIZE << o, b->tag);
			w->nlive++;
		} else {
			size_t k = (size_t)ut_below(&rng, w->nlive);
			struct block b = w->live[k];
			struct worker *to = &workers[(w->id + 1 + (r >> 20) %
						      (NTHREADS - 1)) % NTHREADS];

			w->live[k] = w->live[--w->nlive];
			if ((r >> 4) % 4 != 0 || !post(to, &b))
				check_and_free(w, &b);
		}
		if (i % 32 == 0)
			drain_mail(w);
	}
	while (w->nlive)
		check_and_free(w, &w->live[--w->nlive]);
	drain_mail(w);
	return NULL;
}

static void round_of_threads(void)
{
	unsigned int i;

	/* All set up before any starts: they post to each other at once. */
	for (i = 0; i < NTHREADS; i++) {
		workers[i].id = i;
		workers[i].nlive = 0;
		workers[i].nmail = 0;
		pthread_mutex_init(&workers[i].lock, NULL);
	}
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&workers[i].tid, NULL, run, &workers[i]))
			test_error("pthread_create");
	for (i = 0; i < NTHREADS; i++)
		pthread_join(workers[i].tid, NULL);
	/* Mail posted after its owner's last drain. */
	for (i = 0; i < NTHREADS; i++)
		drain_mail(&workers[i]);
}

int main(void)
{
	size_t free0, free1, free2;
	unsigned long a;

	test_init();
	nops = test_quick() ? 4000 : 200000;
	a = __get_free_page(GFP_KERNEL);
	expect_nonnull((void *)a);
	free_page(a);
	free0 = ut_free_pages();

	round_of_threads();
	expect_eq(kmm_buddy_check(), 0);
	free1 = ut_free_pages();
	/* Exited threads may leave their own state to be reused, no more. */
	expect(free0 - free1 <= 16 * NTHREADS,
		   "after threads exited: expected at most %d pages kept, "
		   "got %zd", 16 * NTHREADS, (ssize_t)(free0 - free1));

	round_of_threads();
	expect_eq(kmm_buddy_check(), 0);
	free2 = ut_free_pages();
	expect(free2 == free1,
		   "second round: expected %zu free pages as after the first, "
		   "got %zu", free1, free2);
	return 0;
}

/*
 * malloc_bench.c - time of the malloc family, written once and run under
 * every allocator: this binary does not link kmm; bench/compare starts it
 * with no preload (glibc) and with each allocator in LD_PRELOAD.
 *
 * One iteration is one operation (one malloc+free pair, one realloc, one
 * replacement of a live object), so times are per operation.  Thread
 * benchmarks use wall-clock time: their time per iteration is wall time
 * over the iterations of one thread.
 *
 *   micro/malloc_free/S     hot pair of size S, 8 B to 16 MiB; one byte
 *                           written so that fresh mappings are faulted in
 *   micro/malloc_batch/S    256 allocations of size S, then their frees
 *   micro/calloc/S          calloc+free
 *   micro/realloc_chain/M   a block grown by half plus 16 bytes up to M
 *   micro/aligned/A/S       posix_memalign(A, S)+free
 *   threads/churn           each thread replaces objects of a private
 *                           window of 512, sizes 16..1024 log-uniform
 *   threads/prodcons        thread pairs: the producer allocates, the
 *                           consumer frees (every free is remote)
 *   threads/larson          a shared array of live objects; each thread
 *                           puts a new object of random size in a random
 *                           slot and frees what was there (larson's
 *                           server: objects outlive and change threads)
 *   threads/falseshare      cache-scratch: thread 0 allocates one small
 *                           object per thread; each thread frees its own,
 *                           then allocates, writes and frees small objects;
 *                           an allocator that hands a thread memory on a
 *                           cache line another thread writes makes the
 *                           writes bounce between cores
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "shim.h"

#define MAX_THREADS 8

/* ------------------------------------------------------------- micro */

static void bm_malloc_free(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);

	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = malloc(size);

			*(volatile char *)p = 1;
			free(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

#define BATCH_OBJS 256

static void bm_malloc_batch(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);
	void *objs[BATCH_OBJS];

	while (kb_keep_running_batch(st, BATCH_OBJS)) {
		for (int i = 0; i < BATCH_OBJS; i++) {
			objs[i] = malloc(size);
			*(volatile char *)objs[i] = 1;
		}
		for (int i = 0; i < BATCH_OBJS; i++)
			free(objs[i]);
	}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_calloc(struct kb_state *st, void *udata)
{
	size_t size = (size_t)kb_arg(st, 0);
	/* Large blocks: fewer per batch, or the batch takes seconds. */
	int batch = size >= 65536 ? 10 : KB_BATCH;

	while (kb_keep_running_batch(st, batch))
		for (int i = 0; i < batch; i++) {
			char *p = calloc(1, size);

			kb_escape(p);
			free(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_realloc_chain(struct kb_state *st, void *udata)
{
	size_t max = (size_t)kb_arg(st, 0);
	size_t steps = 0;

	for (size_t s = 16; s < max; s += s / 2 + 16)
		steps++;
	while (kb_keep_running_batch(st, (int64_t)steps)) {
		char *p = malloc(16);

		for (size_t s = 16; s < max;) {
			s += s / 2 + 16;
			p = realloc(p, s);
			p[s - 1] = 1;
		}
		free(p);
	}
	kb_set_items_processed(st, kb_iterations(st));
}

static void bm_aligned(struct kb_state *st, void *udata)
{
	size_t align = (size_t)kb_arg(st, 0);
	size_t size = (size_t)kb_arg(st, 1);

	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			void *p;

			if (posix_memalign(&p, align, size)) {
				kb_skip_with_error(st, "posix_memalign failed");
				return;
			}
			*(volatile char *)p = 1;
			free(p);
		}
	kb_set_items_processed(st, kb_iterations(st));
}

/* ----------------------------------------------------------- threads */

#define CHURN_WINDOW 512

static void bm_churn(struct kb_state *st, void *udata)
{
	struct kb_rng rng;
	char *win[CHURN_WINDOW];
	unsigned int next = 0;

	kb_rng_seed(&rng, 1 + kb_thread_index(st));
	for (int i = 0; i < CHURN_WINDOW; i++) {
		win[i] = malloc(kb_rng_logsize(&rng, 16, 1024));
		win[i][0] = 1;
	}
	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			unsigned int k = next++ % CHURN_WINDOW;

			free(win[k]);
			win[k] = malloc(kb_rng_logsize(&rng, 16, 1024));
			win[k][0] = 1;
		}
	for (int i = 0; i < CHURN_WINDOW; i++)
		free(win[i]);
	kb_set_items_processed(st, kb_iterations(st));
}

/*
 * Single-producer single-consumer ring.  Indices are published in
 * groups so the ring's own cache traffic stays small next to the
 * allocator's remote frees, which are what is measured.
 */
#define RING_SIZE 4096
#define RING_PUBLISH 32

struct ring {
	_Alignas(64) _Atomic uint64_t head;	/* written by the producer */
	_Alignas(64) _Atomic uint64_t tail;	/* written by the consumer */
	_Alignas(64) void *slot[RING_SIZE];
};

static struct ring rings[MAX_THREADS / 2];

static void relax(unsigned int *spins)
{
	if (++*spins > 64) {
		sched_yield();
		*spins = 0;
	} else {
		__builtin_ia32_pause();
	}
}

static void produce(struct kb_state *st, struct ring *r, struct kb_rng *rng)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	while (kb_keep_running_batch(st, KB_BATCH)) {
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = malloc(kb_rng_logsize(rng, 16, 512));
			unsigned int spins = 0;

			p[0] = 1;
			while (head - tail == RING_SIZE) {
				atomic_store_explicit(&r->head, head,
						      memory_order_release);
				relax(&spins);
				tail = atomic_load_explicit(
					&r->tail, memory_order_acquire);
			}
			r->slot[head % RING_SIZE] = p;
			head++;
			if (head % RING_PUBLISH == 0)
				atomic_store_explicit(&r->head, head,
						      memory_order_release);
		}
		atomic_store_explicit(&r->head, head, memory_order_release);
	}
}

static void consume(struct kb_state *st, struct ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	while (kb_keep_running_batch(st, KB_BATCH)) {
		for (int i = 0; i < KB_BATCH; i++) {
			unsigned int spins = 0;

			while (tail == head) {
				atomic_store_explicit(&r->tail, tail,
						      memory_order_release);
				relax(&spins);
				head = atomic_load_explicit(
					&r->head, memory_order_acquire);
			}
			free(r->slot[tail % RING_SIZE]);
			tail++;
			if (tail % RING_PUBLISH == 0)
				atomic_store_explicit(&r->tail, tail,
						      memory_order_release);
		}
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
}

static void bm_prodcons(struct kb_state *st, void *udata)
{
	int t = kb_thread_index(st);
	struct kb_rng rng;

	if (kb_nthreads(st) % 2) {
		kb_skip_with_error(st, "needs an even number of threads");
		return;
	}
	/*
	 * No reset: every run ends with each ring empty (head == tail), and
	 * its threads have been joined, so the next run starts from there.
	 */
	kb_rng_seed(&rng, 1 + t);
	if (t % 2 == 0)
		produce(st, &rings[t / 2], &rng);
	else
		consume(st, &rings[t / 2]);
	kb_set_items_processed(st, kb_iterations(st));
}

#define LARSON_SLOTS 8192

static _Atomic(char *) larson_slot[LARSON_SLOTS];

static void bm_larson(struct kb_state *st, void *udata)
{
	int t = kb_thread_index(st);
	struct kb_rng rng;

	kb_rng_seed(&rng, 1 + t);
	if (t == 0)
		for (int i = 0; i < LARSON_SLOTS; i++) {
			char *p = malloc(kb_rng_logsize(&rng, 16, 1024));

			p[0] = 1;
			atomic_store_explicit(&larson_slot[i], p,
					      memory_order_relaxed);
		}
	while (kb_keep_running_batch(st, KB_BATCH))
		for (int i = 0; i < KB_BATCH; i++) {
			char *p = malloc(kb_rng_logsize(&rng, 16, 1024));
			size_t k = kb_rng_below(&rng, LARSON_SLOTS);

			p[0] = 1;
			free(atomic_exchange_explicit(&larson_slot[k], p,
						      memory_order_acq_rel));
		}
	/* The end barrier is behind us: no thread touches the slots now. */
	if (t == 0)
		for (int i = 0; i < LARSON_SLOTS; i++)
			free(atomic_exchange(&larson_slot[i], NULL));
	kb_set_items_processed(st, kb_iterations(st));
}

#define SCRATCH_SIZE 8
#define SCRATCH_WRITES 64

static char *scratch_obj[MAX_THREADS];

static void bm_falseshare(struct kb_state *st, void *udata)
{
	int t = kb_thread_index(st);
	int first = 1;

	/* Objects side by side, as one thread allocates them. */
	if (t == 0)
		for (int i = 0; i < kb_nthreads(st); i++)
			scratch_obj[i] = malloc(SCRATCH_SIZE);
	while (kb_keep_running_batch(st, KB_BATCH)) {
		if (first) {
			free(scratch_obj[t]);
			first = 0;
		}
		for (int i = 0; i < KB_BATCH; i++) {
			volatile char *p = malloc(SCRATCH_SIZE);

			for (int w = 0; w < SCRATCH_WRITES; w++)
				p[w % SCRATCH_SIZE]++;
			free((void *)p);
		}
	}
	kb_set_items_processed(st, kb_iterations(st));
}

int main(int argc, char **argv)
{
	static const int64_t pair_sizes[] = {
		8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536,
		262144, 1048576, 4194304, 16777216,
	};
	static const int64_t batch_sizes[] = { 16, 64, 256, 1024, 4096 };
	static const int64_t calloc_sizes[] = { 64, 4096, 1048576 };
	struct kb_bench *b;

	b = kb_register("micro/malloc_free", bm_malloc_free, NULL);
	for (size_t i = 0; i < sizeof(pair_sizes) / sizeof(*pair_sizes); i++)
		kb_add_arg(b, pair_sizes[i]);
	b = kb_register("micro/malloc_batch", bm_malloc_batch, NULL);
	for (size_t i = 0; i < sizeof(batch_sizes) / sizeof(*batch_sizes); i++)
		kb_add_arg(b, batch_sizes[i]);
	b = kb_register("micro/calloc", bm_calloc, NULL);
	for (size_t i = 0; i < sizeof(calloc_sizes) / sizeof(*calloc_sizes);
	     i++)
		kb_add_arg(b, calloc_sizes[i]);
	b = kb_register("micro/realloc_chain", bm_realloc_chain, NULL);
	kb_add_arg(b, 4096);
	kb_add_arg(b, 1048576);
	b = kb_register("micro/aligned", bm_aligned, NULL);
	kb_add_args2(b, 64, 64);
	kb_add_args2(b, 64, 1000);
	kb_add_args2(b, 4096, 4096);

	b = kb_use_real_time(kb_register("threads/churn", bm_churn, NULL));
	for (int n = 1; n <= MAX_THREADS; n *= 2)
		kb_threads(b, n);
	b = kb_use_real_time(kb_register("threads/prodcons", bm_prodcons,
					 NULL));
	kb_threads(kb_threads(b, 2), 4);
	b = kb_use_real_time(kb_register("threads/larson", bm_larson, NULL));
	for (int n = 1; n <= MAX_THREADS; n *= 2)
		kb_threads(b, n);
	b = kb_use_real_time(kb_register("threads/falseshare", bm_falseshare,
					 NULL));
	kb_threads(kb_threads(b, 2), 4);
	return kb_run(argc, argv);
}

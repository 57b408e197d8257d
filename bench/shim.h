/*
 * shim.h - C interface to Google Benchmark (shim.cc).
 *
 * Benchmarks are C functions.  Each is registered with a name, its
 * arguments, thread counts and options, then kb_run() hands control to
 * Google Benchmark, whose command-line flags (--benchmark_filter,
 * --benchmark_format=json, --benchmark_out, ...) all work.
 *
 * The timed loop runs in batches, so that one call through the shim per
 * batch, not per operation, is all the loop costs:
 *
 *	static void bm_pair(struct kb_state *st, void *udata)
 *	{
 *		size_t size = kb_arg(st, 0);
 *
 *		while (kb_keep_running_batch(st, KB_BATCH))
 *			for (int i = 0; i < KB_BATCH; i++) {
 *				void *p = malloc(size);
 *				kb_escape(p);
 *				free(p);
 *			}
 *		kb_set_items_processed(st, kb_iterations(st));
 *	}
 *
 * One iteration is one operation (here one malloc+free pair): the batch
 * counts KB_BATCH iterations, so times per iteration are per operation.
 * Never pause the timer per operation: pausing costs hundreds of
 * nanoseconds, more than most operations measured here.
 *
 * With threads, every thread runs the function with its own state; code
 * before the first kb_keep_running_batch() runs before a barrier that all
 * threads pass together, and the loop ends with a barrier too.
 *
 * A fixed iteration count for every benchmark, for smoke runs that only
 * check that a benchmark still works, comes from the environment variable
 * KB_ITERATIONS or the flag --kb_iterations=N.
 */
#ifndef KB_SHIM_H
#define KB_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operations per batch: large enough that the shim call is noise. */
#define KB_BATCH 1000

struct kb_state;	/* a benchmark::State */
struct kb_bench;	/* a registered benchmark */

typedef void (*kb_fn)(struct kb_state *st, void *udata);

/* Registration (before kb_run). */
struct kb_bench *kb_register(const char *name, kb_fn fn, void *udata);
struct kb_bench *kb_add_arg(struct kb_bench *b, int64_t arg);
struct kb_bench *kb_add_args2(struct kb_bench *b, int64_t a0, int64_t a1);
struct kb_bench *kb_arg_names(struct kb_bench *b, const char *n0,
			      const char *n1);
struct kb_bench *kb_threads(struct kb_bench *b, int nthreads);
struct kb_bench *kb_iterations_fixed(struct kb_bench *b, int64_t n);
struct kb_bench *kb_use_real_time(struct kb_bench *b);
/* Time reported in nanoseconds (default), or milliseconds. */
struct kb_bench *kb_unit_ms(struct kb_bench *b);

/*
 * Run the benchmarks selected by the command line; returns the exit
 * status for main.  Adds "malloc_from" (the file defining the malloc in
 * use, so a preload that did not take is visible) to the JSON context.
 */
int kb_run(int argc, char **argv);

/* The fixed iteration count asked for (KB_ITERATIONS), or 0. */
int64_t kb_fixed_iterations(void);

/* Inside a benchmark. */
int kb_keep_running_batch(struct kb_state *st, int64_t n);
int64_t kb_arg(struct kb_state *st, int i);
int kb_thread_index(struct kb_state *st);
int kb_nthreads(struct kb_state *st);
int64_t kb_iterations(struct kb_state *st);
int64_t kb_max_iterations(struct kb_state *st);
void kb_set_items_processed(struct kb_state *st, int64_t items);
void kb_set_bytes_processed(struct kb_state *st, int64_t bytes);
void kb_set_label(struct kb_state *st, const char *label);
void kb_skip_with_error(struct kb_state *st, const char *msg);

/* Counter flags, as benchmark::Counter::Flags. */
#define KB_COUNTER_PLAIN 0	/* summed over threads */
#define KB_COUNTER_RATE 1	/* divided by the run's duration */
#define KB_COUNTER_AVG_THREADS 2	/* averaged over threads */
#define KB_COUNTER_AVG_ITERATIONS 8	/* divided by the iterations */
void kb_counter(struct kb_state *st, const char *name, double value,
		int flags);

/* Keep the compiler from dropping or merging an allocation. */
static inline void kb_escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static inline void kb_clobber(void)
{
	__asm__ __volatile__("" : : : "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* KB_SHIM_H */

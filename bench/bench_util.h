/*
 * bench_util.h - small helpers shared by the C benchmarks: a fast
 * per-thread random generator and size distributions.
 */
#ifndef KB_BENCH_UTIL_H
#define KB_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* xorshift64*: cheap enough not to weigh on a 20 ns malloc. */
struct kb_rng {
	uint64_t s;
};

static inline void kb_rng_seed(struct kb_rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
	if (!r->s)
		r->s = 1;
}

static inline uint64_t kb_rng_next(struct kb_rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0 (multiply-shift, no division). */
static inline uint64_t kb_rng_below(struct kb_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)kb_rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi]. */
static inline size_t kb_rng_range(struct kb_rng *r, size_t lo, size_t hi)
{
	return lo + (size_t)kb_rng_below(r, hi - lo + 1);
}

/*
 * Log-uniform in [lo, hi]: as many sizes between 16 and 32 as between
 * 512 and 1024, the rough shape of real programs' requests.
 */
static inline size_t kb_rng_logsize(struct kb_rng *r, size_t lo, size_t hi)
{
	unsigned int lb = 63 - __builtin_clzll(lo);
	unsigned int hb = 63 - __builtin_clzll(hi);
	unsigned int b = lb + (unsigned int)kb_rng_below(r, hb - lb + 1);
	size_t s = ((size_t)1 << b) + kb_rng_below(r, (size_t)1 << b);

	return s < lo ? lo : s > hi ? hi : s;
}

#endif /* KB_BENCH_UTIL_H */

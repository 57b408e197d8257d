/*
 * test.h - what every kmm test program shares: exit codes as Automake's
 * harness reads them, a seeded random generator, quick and Valgrind modes,
 * and expectations that print what was expected, what came and the seed.
 *
 * A failed expectation ends the test at once (exit 1): after a wrong
 * result the heap may be in any state, and later checks would only add
 * noise.  Rerun with KMM_TEST_SEED=<seed> to replay the same choices.
 *
 * Usable from C and C++.  Header only: every function is static.
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEST_PASS 0
#define TEST_FAIL 1
#define TEST_SKIP 77
#define TEST_ERROR 99

#if defined(__GNUC__)
#define TEST_UNUSED __attribute__((unused))
#define TEST_NORETURN __attribute__((noreturn))
#define TEST_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TEST_UNUSED
#define TEST_NORETURN
#define TEST_PRINTF(a, b)
#endif

/* The seed of this run: set by test_init(), printed by every failure. */
static uint64_t test_seed TEST_UNUSED;
static uint64_t test_rng_state TEST_UNUSED;

static TEST_UNUSED int test_env_on(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* KMM_TEST_QUICK=1: CI and Valgrind runs; heavy tests do less. */
static TEST_UNUSED int test_quick(void)
{
	return test_env_on("KMM_TEST_QUICK");
}

/* KMM_TEST_VALGRIND=1: the suite runs under memcheck (make check-valgrind). */
static TEST_UNUSED int test_valgrind(void)
{
	return test_env_on("KMM_TEST_VALGRIND");
}

/* Picks n or, in quick mode, quick_n: iterations, threads, sizes. */
static TEST_UNUSED unsigned long test_scale(unsigned long n,
					    unsigned long quick_n)
{
	return test_quick() ? quick_n : n;
}

/* splitmix64: small, good enough, and the same on every machine. */
static TEST_UNUSED uint64_t test_rand(void)
{
	uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n); n > 0. */
static TEST_UNUSED uint64_t test_rand_below(uint64_t n)
{
	return test_rand() % n;
}

/* A number in [lo, hi]. */
static TEST_UNUSED uint64_t test_rand_range(uint64_t lo, uint64_t hi)
{
	return lo + test_rand() % (hi - lo + 1);
}

/*
 * Seeds the generator from KMM_TEST_SEED, or from the clock and the pid,
 * and remembers the seed for failure messages.  Call first in main().
 */
static TEST_UNUSED void test_init(void)
{
	const char *s = getenv("KMM_TEST_SEED");

	if (s != NULL && *s != '\0') {
		test_seed = strtoull(s, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		test_seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			    ((uint64_t)getpid() << 40);
	}
	test_rng_state = test_seed;
}

/*
 * Reports where and what failed, with the seed, then ends the test.
 * stderr is unbuffered; _exit leaves other threads and atexit handlers
 * alone, so a broken heap cannot turn a failure into a hang.
 */
static TEST_UNUSED TEST_NORETURN TEST_PRINTF(4, 5) void
test_fail_at(int code, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (file != NULL)
		fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (seed %" PRIu64 "; rerun with KMM_TEST_SEED=%" PRIu64
			")\n", test_seed, test_seed);
	fflush(stdout);
	_exit(code);
}

/* Failure, skip and hard error, each with a printf-style message. */
#define test_fail(...) test_fail_at(TEST_FAIL, __FILE__, __LINE__, __VA_ARGS__)
#define test_error(...) \
	test_fail_at(TEST_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define test_skip(...)                                            \
	do {                                                      \
		fprintf(stderr, "SKIP: " __VA_ARGS__);            \
		fputc('\n', stderr);                              \
		exit(TEST_SKIP);                                  \
	} while (0)

/* expect(cond, "what it means", ...): a condition with a message. */
#define expect(cond, ...)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: expected %s: ", __FILE__,  \
				__LINE__, #cond);                          \
			test_fail_at(TEST_FAIL, NULL, 0, __VA_ARGS__);     \
		}                                                          \
	} while (0)

/*
 * Integer comparisons print both sides in decimal and hex.  Operands are
 * converted to uintmax_t (or intmax_t for the _i forms), evaluated once.
 */
#define expect_cmp_u(got, op, want)                                         \
	do {                                                                \
		uintmax_t got_ = (uintmax_t)(got);                          \
		uintmax_t want_ = (uintmax_t)(want);                        \
		if (!(got_ op want_))                                       \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,         \
				     "%s %s %s: expected %s %ju (0x%jx), got " \
				     "%ju (0x%jx)",                         \
				     #got, #op, #want, #op, want_, want_,   \
				     got_, got_);                           \
	} while (0)

#define expect_cmp_i(got, op, want)                                    \
	do {                                                           \
		intmax_t got_ = (intmax_t)(got);                       \
		intmax_t want_ = (intmax_t)(want);                     \
		if (!(got_ op want_))                                  \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,    \
				     "%s %s %s: expected %s %jd, got %jd", \
				     #got, #op, #want, #op, want_, got_); \
	} while (0)

#define expect_eq(got, want) expect_cmp_u(got, ==, want)
#define expect_ne(got, want) expect_cmp_u(got, !=, want)
#define expect_lt(got, want) expect_cmp_u(got, <, want)
#define expect_le(got, want) expect_cmp_u(got, <=, want)
#define expect_gt(got, want) expect_cmp_u(got, >, want)
#define expect_ge(got, want) expect_cmp_u(got, >=, want)
#define expect_eq_i(got, want) expect_cmp_i(got, ==, want)
#define expect_lt_i(got, want) expect_cmp_i(got, <, want)
#define expect_ge_i(got, want) expect_cmp_i(got, >=, want)

#define expect_ptr_eq(got, want)                                         \
	do {                                                             \
		const void *got_ = (const void *)(got);                  \
		const void *want_ = (const void *)(want);                \
		if (got_ != want_)                                       \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,      \
				     "%s == %s: expected %p, got %p", #got, \
				     #want, want_, got_);                \
	} while (0)

#define expect_ptr_ne(got, want)                                         \
	do {                                                             \
		const void *got_ = (const void *)(got);                  \
		const void *want_ = (const void *)(want);                \
		if (got_ == want_)                                       \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,      \
				     "%s != %s: expected anything but %p", \
				     #got, #want, want_);                \
	} while (0)

#define expect_null(got) expect_ptr_eq(got, NULL)

#define expect_nonnull(got)                                              \
	do {                                                             \
		if ((const void *)(got) == NULL)                         \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,      \
				     "%s: expected a pointer, got NULL " \
				     "(errno %d)", #got, errno);         \
	} while (0)

/* p is a multiple of align (a power of two). */
#define expect_aligned(p, align)                                             \
	do {                                                                 \
		uintptr_t p_ = (uintptr_t)(const void *)(p);                 \
		uintptr_t a_ = (uintptr_t)(align);                           \
		if (p_ & (a_ - 1))                                           \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,          \
				     "%s aligned to %ju: got %p (offset %ju)", \
				     #p, (uintmax_t)a_, (const void *)p_,    \
				     (uintmax_t)(p_ & (a_ - 1)));            \
	} while (0)

#define expect_str_eq(got, want)                                          \
	do {                                                              \
		const char *got_ = (got);                                 \
		const char *want_ = (want);                               \
		if (got_ == NULL || strcmp(got_, want_) != 0)             \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,       \
				     "%s: expected \"%s\", got \"%s\"", #got, \
				     want_, got_ ? got_ : "(null)");      \
	} while (0)

/* errno equals want (a name such as ENOMEM). */
#define expect_errno(want)                                                \
	do {                                                              \
		int got_ = errno;                                         \
		if (got_ != (want))                                       \
			test_fail_at(TEST_FAIL, __FILE__, __LINE__,       \
				     "errno: expected %s (%d), got %d (%s)", \
				     #want, (want), got_, strerror(got_)); \
	} while (0)

/* Every byte of [p, p + n) equals c; reports the first that does not. */
#define expect_bytes(p, c, n)                                               \
	do {                                                                \
		const unsigned char *b_ = (const unsigned char *)(p);       \
		size_t n_ = (n), i_;                                        \
		for (i_ = 0; i_ < n_; i_++)                                 \
			if (b_[i_] != (unsigned char)(c))                   \
				test_fail_at(TEST_FAIL, __FILE__, __LINE__, \
					     "%s[%zu] of %zu: expected 0x%02x, " \
					     "got 0x%02x", #p, i_, n_,      \
					     (unsigned char)(c), b_[i_]);   \
	} while (0)

#endif /* KMM_TEST_H */

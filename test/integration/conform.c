/*
 * conform.c - the malloc family behaves as glibc documents it.
 *
 * Property checked: malloc, free, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size, the mallinfo family, free_sized and
 * free_aligned_sized keep their documented contracts (errno, overflow,
 * alignment, zero sizes, content preserved by realloc on every route from
 * 16 bytes to 64 MiB), on whichever allocator serves the process.
 *
 * The same source is run three ways by conform.sh: on glibc, with
 * LD_PRELOAD=libkmm.so, and linked with -lkmm.  The first argument names
 * the allocator the run must be on ("glibc" or "kmm"); on kmm the program
 * also checks that kmm really served it (kmm_dump is resolvable and its
 * slabinfo shows the objects this program holds).  The binary is never
 * linked with kmm directly: kmm's API is reached with dlsym.
 *
 * Where glibc 2.36 and kmm legitimately differ (aligned_alloc with an
 * alignment that is not a power of two: glibc rounds it up, kmm fails with
 * EINVAL as C11 and later glibc do), each allocator is held to its own
 * documented behaviour.
 *
 * KMM_TEST_QUICK=1 caps the realloc matrix at 8 MiB (one 64 MiB chain
 * still runs); KMM_TEST_SEED replays a run's random choices.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test.h"

/* mallinfo is deprecated; failed reallocs leave the old block valid. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif

/* Sizes the compiler must not see through (they overflow on purpose). */
static size_t opaque(size_t n)
{
	volatile size_t v = n;

	return v;
}

static int on_kmm;

#define CHECK(cond, ...) expect(cond, __VA_ARGS__)
#define rnd() test_rand()

static int aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

static size_t next_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * The pattern: word i of a block holds (i ^ tag) * K; a block whose size is
 * not a multiple of 8 ends with the first bytes of the next word, so any
 * prefix of a filled block verifies against the same tag.
 */
static uint64_t pattern_word(size_t i, uint64_t tag)
{
	return (i ^ tag) * 0x9e3779b97f4a7c15ULL;
}

/* Fill @n bytes at @p with the pattern of @tag. */
static void fill(void *p, size_t n, uint64_t tag)
{
	uint64_t *w = p, last;
	size_t words = n / 8, i;

	for (i = 0; i < words; i++)
		w[i] = pattern_word(i, tag);
	last = pattern_word(words, tag);
	memcpy((char *)p + words * 8, &last, n % 8);
}

/* Return the offset of the first byte that differs, or SIZE_MAX. */
static size_t verify(const void *p, size_t n, uint64_t tag)
{
	const uint64_t *w = p;
	size_t words = n / 8, i;
	uint64_t last;

	for (i = 0; i < words; i++)
		if (w[i] != pattern_word(i, tag))
			return i * 8;
	last = pattern_word(words, tag);
	if (memcmp((const char *)p + words * 8, &last, n % 8))
		return words * 8;
	return SIZE_MAX;
}

static void test_malloc_basic(void)
{
	size_t n;
	void *p;

	/* Every size up to 2 KiB, then larger steps: 16-byte alignment. */
	for (n = 1; n <= 2048; n++) {
		p = malloc(n);
		CHECK(p != NULL, "malloc(%zu) expected non-NULL, got NULL", n);
		CHECK(aligned(p, 16), "malloc(%zu) expected 16-aligned, got %p",
		      n, p);
		CHECK(malloc_usable_size(p) >= n,
		      "malloc_usable_size expected >= %zu, got %zu", n,
		      malloc_usable_size(p));
		if (p)
			memset(p, 0xa5, n);
		free(p);
	}
	for (n = 2048; n <= ((size_t)64 << 20); n = n * 3 / 2 + 7) {
		p = malloc(n);
		CHECK(p != NULL, "malloc(%zu) expected non-NULL, got NULL", n);
		CHECK(aligned(p, 16), "malloc(%zu) expected 16-aligned, got %p",
		      n, p);
		CHECK(malloc_usable_size(p) >= n,
		      "malloc_usable_size(malloc(%zu)) expected >= %zu, got %zu",
		      n, n, malloc_usable_size(p));
		if (p) {
			((char *)p)[0] = 1;
			((char *)p)[n - 1] = 2;
		}
		free(p);
	}
	CHECK(malloc_usable_size(NULL) == 0,
	      "malloc_usable_size(NULL) expected 0, got %zu",
	      malloc_usable_size(NULL));
	free(NULL);
}

/* malloc(0): a unique, freeable, 16-aligned pointer, as glibc gives. */
static void test_malloc_zero(void)
{
	void *p[64];
	int i, j;

	for (i = 0; i < 64; i++) {
		p[i] = malloc(0);
		CHECK(p[i] != NULL, "malloc(0) #%d expected non-NULL, got NULL",
		      i);
		CHECK(aligned(p[i], 16), "malloc(0) expected 16-aligned, got %p",
		      p[i]);
	}
	for (i = 0; i < 64; i++)
		for (j = i + 1; j < 64; j++)
			CHECK(p[i] != p[j] || !p[i],
			      "malloc(0) #%d and #%d expected distinct, got %p",
			      i, j, p[i]);
	for (i = 0; i < 64; i++)
		free(p[i]);
}

static void test_huge_sizes(void)
{
	static const size_t bad[] = {
		SIZE_MAX, SIZE_MAX - 4095, (size_t)PTRDIFF_MAX + 1,
		(size_t)PTRDIFF_MAX,
	};
	unsigned int i;
	void *p;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		p = malloc(opaque(bad[i]));
		CHECK(p == NULL && errno == ENOMEM,
		      "malloc(%#zx) expected NULL/ENOMEM, got %p/errno %d",
		      bad[i], p, errno);
		free(p);
		errno = 0;
		p = calloc(1, opaque(bad[i]));
		CHECK(p == NULL && errno == ENOMEM,
		      "calloc(1, %#zx) expected NULL/ENOMEM, got %p/errno %d",
		      bad[i], p, errno);
		free(p);
	}
}

static void test_calloc(void)
{
	static const size_t sizes[] = {
		1, 16, 100, 256, 1000, 4096, 32768, 40000, 1 << 20,
		(4 << 20) + 1, 64 << 20,
	};
	unsigned int i;
	size_t j, n;
	unsigned char *p;

	/* Overflow of n * size. */
	errno = 0;
	p = calloc(opaque(SIZE_MAX / 2), 3);
	CHECK(p == NULL && errno == ENOMEM,
	      "calloc(SIZE_MAX/2, 3) expected NULL/ENOMEM, got %p/errno %d",
	      (void *)p, errno);
	errno = 0;
	p = calloc(opaque((size_t)1 << 33), (size_t)1 << 31);
	CHECK(p == NULL && errno == ENOMEM,
	      "calloc(2^33, 2^31) expected NULL/ENOMEM, got %p/errno %d",
	      (void *)p, errno);
	p = calloc(0, 0);
	CHECK(p != NULL, "calloc(0, 0) expected non-NULL, got NULL");
	free(p);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		/* Dirty memory of that size first, so reuse is exercised. */
		p = malloc(n);
		if (p)
			memset(p, 0xff, n);
		free(p);
		p = calloc(n, 1);
		CHECK(p != NULL, "calloc(%zu, 1) expected non-NULL, got NULL",
		      n);
		if (!p)
			continue;
		CHECK(aligned(p, 16), "calloc(%zu) expected 16-aligned, got %p",
		      n, (void *)p);
		for (j = 0; j < n; j++)
			if (p[j])
				break;
		CHECK(j == n, "calloc(%zu, 1) expected zeros, got %#x at %zu",
		      n, j < n ? p[j] : 0, j);
		memset(p, 0x5a, n);
		free(p);
	}
	/* n * size split the other way, many small objects. */
	for (i = 0; i < 200; i++) {
		size_t cnt = 1 + rnd() % 64, sz = 1 + rnd() % 96;

		p = calloc(cnt, sz);
		CHECK(p != NULL, "calloc(%zu, %zu) expected non-NULL", cnt, sz);
		if (!p)
			continue;
		for (j = 0; j < cnt * sz; j++)
			if (p[j])
				break;
		CHECK(j == cnt * sz,
		      "calloc(%zu, %zu) expected zeros, got byte %zu nonzero",
		      cnt, sz, j);
		memset(p, 0xee, cnt * sz);
		free(p);
	}
}

static const size_t route_sizes[] = {
	16, 24, 100, 128, 1000, 1024, 4096, 5000, 32768, 32769,
	33 * 1024, 65536, 1 << 20, (4 << 20) - 1, 4 << 20, (4 << 20) + 1,
	8 << 20, 64 << 20,
};

/* realloc from every route to every route, content checked. */
static void test_realloc_matrix(int quick)
{
	unsigned int i, j, k = 0;
	size_t cap = quick ? (8 << 20) : (64 << 20);
	size_t nr = sizeof(route_sizes) / sizeof(route_sizes[0]);

	for (i = 0; i < nr; i++) {
		for (j = 0; j < nr; j++) {
			size_t a = route_sizes[i], b = route_sizes[j], off;
			size_t keep = a < b ? a : b;
			uint64_t tag = rnd();
			char *p, *q;

			if (a > cap || b > cap)
				continue;
			p = malloc(a);
			CHECK(p != NULL, "malloc(%zu) expected non-NULL", a);
			if (!p)
				continue;
			fill(p, a, tag);
			q = realloc(p, b);
			CHECK(q != NULL, "realloc(%zu -> %zu) expected non-NULL",
			      a, b);
			if (!q) {
				free(p);
				continue;
			}
			CHECK(aligned(q, 16),
			      "realloc(%zu -> %zu) expected 16-aligned, got %p",
			      a, b, (void *)q);
			CHECK(malloc_usable_size(q) >= b,
			      "realloc(%zu -> %zu): usable expected >= %zu, got %zu",
			      a, b, b, malloc_usable_size(q));
			off = verify(q, keep, tag);
			CHECK(off == SIZE_MAX,
			      "realloc(%zu -> %zu) expected content kept, got a difference at byte %zu",
			      a, b, off);
			/* The whole new size must be writable. */
			fill(q, b, tag + 1);
			off = verify(q, b, tag + 1);
			CHECK(off == SIZE_MAX,
			      "after realloc(%zu -> %zu) expected %zu writable bytes, got a difference at %zu",
			      a, b, b, off);
			free(q);
			k++;
		}
	}
	CHECK(k > 100, "expected > 100 realloc pairs, got %u", k);
}

/* A growing then shrinking chain through 64 MiB, in steps of 1.5. */
static void test_realloc_chain(void)
{
	size_t n = 1, prev = 0, off;
	char *p = NULL, *q;
	uint64_t tag = rnd();

	for (;;) {
		q = realloc(p, n);
		CHECK(q != NULL, "realloc(%zu -> %zu) expected non-NULL", prev,
		      n);
		if (!q)
			break;
		p = q;
		off = verify(p, prev < n ? prev : n, tag);
		CHECK(off == SIZE_MAX,
		      "chain realloc(%zu -> %zu): content differs at %zu", prev,
		      n, off);
		fill(p, n, tag);
		prev = n;
		if (n >= ((size_t)64 << 20))
			break;
		n = n * 3 / 2 + 1;
		if (n > ((size_t)64 << 20))
			n = (size_t)64 << 20;
	}
	while (p && n > 1) {
		n = n * 2 / 3;
		if (!n)
			n = 1;
		q = realloc(p, n);
		CHECK(q != NULL, "shrinking realloc(%zu -> %zu) expected non-NULL",
		      prev, n);
		if (!q)
			break;
		p = q;
		off = verify(p, n, tag);
		CHECK(off == SIZE_MAX,
		      "shrinking realloc(%zu -> %zu): content differs at %zu",
		      prev, n, off);
		prev = n;
	}
	free(p);
}

static void test_realloc_edges(void)
{
	char *p, *q;
	size_t off;

	/* realloc(NULL, n) is malloc(n). */
	p = realloc(NULL, 100);
	CHECK(p != NULL && aligned(p, 16),
	      "realloc(NULL, 100) expected aligned non-NULL, got %p", (void *)p);
	free(p);
	p = realloc(NULL, 0);
	CHECK(p != NULL, "realloc(NULL, 0) expected non-NULL (as glibc), got NULL");
	free(p);

	/* realloc(p, 0) frees p and returns NULL, as glibc does. */
	p = malloc(100);
	q = realloc(p, 0);
	CHECK(q == NULL, "realloc(p, 0) expected NULL (as glibc), got %p",
	      (void *)q);
	p = malloc(1 << 20);
	q = realloc(p, 0);
	CHECK(q == NULL, "realloc(1 MiB block, 0) expected NULL, got %p",
	      (void *)q);

	/* A failed realloc leaves the block intact. */
	p = malloc(300);
	if (p) {
		fill(p, 300, 77);
		errno = 0;
		q = realloc(p, opaque(SIZE_MAX - 100));
		CHECK(q == NULL && errno == ENOMEM,
		      "realloc(p, SIZE_MAX-100) expected NULL/ENOMEM, got %p/%d",
		      (void *)q, errno);
		errno = 0;
		q = realloc(p, opaque((size_t)PTRDIFF_MAX + 1));
		CHECK(q == NULL && errno == ENOMEM,
		      "realloc(p, PTRDIFF_MAX+1) expected NULL/ENOMEM, got %p/%d",
		      (void *)q, errno);
		off = verify(p, 300, 77);
		CHECK(off == SIZE_MAX,
		      "block after failed realloc expected intact, differs at %zu",
		      off);
		free(p);
	}

	/* reallocarray: overflow detected, block intact. */
	p = reallocarray(NULL, 10, 10);
	CHECK(p != NULL, "reallocarray(NULL, 10, 10) expected non-NULL");
	if (p) {
		fill(p, 100, 5);
		errno = 0;
		q = reallocarray(p, opaque(SIZE_MAX / 2), 3);
		CHECK(q == NULL && errno == ENOMEM,
		      "reallocarray overflow expected NULL/ENOMEM, got %p/%d",
		      (void *)q, errno);
		off = verify(p, 100, 5);
		CHECK(off == SIZE_MAX,
		      "block after failed reallocarray expected intact, differs at %zu",
		      off);
		q = reallocarray(p, 1000, 20);
		CHECK(q != NULL, "reallocarray(p, 1000, 20) expected non-NULL");
		if (q) {
			off = verify(q, 100, 5);
			CHECK(off == SIZE_MAX,
			      "reallocarray grow expected content kept, differs at %zu",
			      off);
			free(q);
		} else {
			free(p);
		}
	}
}

static void test_posix_memalign(void)
{
	static const size_t bad[] = { 0, 1, 3, 24, sizeof(void *) / 2, 48,
				      4097, SIZE_MAX };
	unsigned int i, k;
	size_t a;
	void *p;
	int r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = (void *)0x1234;
		r = posix_memalign(&p, bad[i], 64);
		CHECK(r == EINVAL, "posix_memalign(align %zu) expected EINVAL, got %d",
		      bad[i], r);
		CHECK(p == (void *)0x1234,
		      "posix_memalign(align %zu) failed but changed *memptr to %p",
		      bad[i], p);
	}
	for (a = sizeof(void *); a <= ((size_t)1 << 26); a <<= 1) {
		size_t sizes[3] = { 1, a, 3 * a };

		for (k = 0; k < 3; k++) {
			errno = 4321;
			p = NULL;
			r = posix_memalign(&p, a, sizes[k]);
			CHECK(r == 0 && p != NULL,
			      "posix_memalign(align %zu, size %zu) expected 0, got %d",
			      a, sizes[k], r);
			if (r || !p)
				continue;
			CHECK(aligned(p, a) && aligned(p, 16),
			      "posix_memalign(align %zu) expected aligned, got %p",
			      a, p);
			CHECK(malloc_usable_size(p) >= sizes[k],
			      "posix_memalign usable expected >= %zu, got %zu",
			      sizes[k], malloc_usable_size(p));
			((char *)p)[0] = 1;
			((char *)p)[sizes[k] - 1] = 2;
			free(p);
		}
	}
	/* Too large a size with a valid alignment. */
	p = NULL;
	r = posix_memalign(&p, 64, opaque(SIZE_MAX - 10));
	CHECK(r == ENOMEM, "posix_memalign(64, SIZE_MAX-10) expected ENOMEM, got %d",
	      r);
}

static void test_aligned_alloc(void)
{
	static const size_t npot[] = { 3, 24, 48, 100, 3000, 12288 };
	unsigned int i, k;
	size_t a;
	void *p;

	for (a = 1; a <= ((size_t)1 << 26); a <<= 1) {
		size_t sizes[3] = { 1, a, 3 * a };

		for (k = 0; k < 3; k++) {
			p = aligned_alloc(a, sizes[k]);
			CHECK(p != NULL,
			      "aligned_alloc(%zu, %zu) expected non-NULL", a,
			      sizes[k]);
			if (!p)
				continue;
			CHECK(aligned(p, a) && aligned(p, 16),
			      "aligned_alloc(%zu) expected aligned, got %p", a, p);
			CHECK(malloc_usable_size(p) >= sizes[k],
			      "aligned_alloc usable expected >= %zu, got %zu",
			      sizes[k], malloc_usable_size(p));
			memset(p, 0x11, sizes[k] < 4096 ? sizes[k] : 4096);
			((char *)p)[sizes[k] - 1] = 2;
			free(p);
		}
	}
	for (i = 0; i < sizeof(npot) / sizeof(npot[0]); i++) {
		errno = 0;
		p = aligned_alloc(npot[i], 2 * npot[i]);
		if (on_kmm) {
			/* kmm: not a power of two is EINVAL (C17, glibc 2.38). */
			CHECK(p == NULL && errno == EINVAL,
			      "kmm aligned_alloc(%zu) expected NULL/EINVAL, got %p/%d",
			      npot[i], p, errno);
		} else if (p == NULL) {
			CHECK(errno == EINVAL,
			      "aligned_alloc(%zu) failed: expected EINVAL, got %d",
			      npot[i], errno);
		} else {
			/* glibc 2.36 rounds the alignment up. */
			CHECK(aligned(p, next_pow2(npot[i])),
			      "aligned_alloc(%zu) expected rounded-up alignment, got %p",
			      npot[i], p);
		}
		free(p);
	}
	errno = 0;
	p = aligned_alloc(64, opaque(SIZE_MAX - 10));
	CHECK(p == NULL && errno == ENOMEM,
	      "aligned_alloc(64, SIZE_MAX-10) expected NULL/ENOMEM, got %p/%d",
	      p, errno);
}

static void test_memalign_valloc(void)
{
	static const size_t npot[] = { 3, 24, 48, 100, 3000 };
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	size_t a, n;
	void *p;

	for (a = 1; a <= ((size_t)1 << 26); a <<= 1) {
		p = memalign(a, a + 5);
		CHECK(p != NULL && aligned(p, a) && aligned(p, 16),
		      "memalign(%zu) expected aligned non-NULL, got %p", a, p);
		if (p)
			CHECK(malloc_usable_size(p) >= a + 5,
			      "memalign usable expected >= %zu, got %zu", a + 5,
			      malloc_usable_size(p));
		free(p);
	}
	for (i = 0; i < sizeof(npot) / sizeof(npot[0]); i++) {
		errno = 0;
		p = memalign(npot[i], 64);
		/* glibc rounds up; failing with EINVAL is also documented. */
		if (p)
			CHECK(aligned(p, next_pow2(npot[i])),
			      "memalign(%zu) expected rounded-up alignment, got %p",
			      npot[i], p);
		else
			CHECK(errno == EINVAL,
			      "memalign(%zu) failed: expected EINVAL, got %d",
			      npot[i], errno);
		free(p);
	}
	errno = 0;
	p = memalign(64, opaque(SIZE_MAX - 10));
	CHECK(p == NULL && errno == ENOMEM,
	      "memalign(64, SIZE_MAX-10) expected NULL/ENOMEM, got %p/%d", p,
	      errno);

	for (n = 1; n < (size_t)(3 << 20); n = n * 5 + 3) {
		p = valloc(n);
		CHECK(p != NULL && aligned(p, (size_t)page),
		      "valloc(%zu) expected page-aligned, got %p", n, p);
		if (p) {
			CHECK(malloc_usable_size(p) >= n,
			      "valloc usable expected >= %zu, got %zu", n,
			      malloc_usable_size(p));
			memset(p, 1, n);
		}
		free(p);
		p = pvalloc(n);
		CHECK(p != NULL && aligned(p, (size_t)page),
		      "pvalloc(%zu) expected page-aligned, got %p", n, p);
		if (p) {
			CHECK(malloc_usable_size(p) >= n,
			      "pvalloc usable expected >= %zu, got %zu", n,
			      malloc_usable_size(p));
			memset(p, 1, n);
		}
		free(p);
	}
	errno = 0;
	p = pvalloc(opaque(SIZE_MAX - 100));
	CHECK(p == NULL && errno == ENOMEM,
	      "pvalloc(SIZE_MAX-100) expected NULL/ENOMEM, got %p/%d", p, errno);
	errno = 0;
	p = valloc(opaque(SIZE_MAX - 100));
	CHECK(p == NULL && errno == ENOMEM,
	      "valloc(SIZE_MAX-100) expected NULL/ENOMEM, got %p/%d", p, errno);
}

/* free keeps errno, whatever the route of the block freed. */
static void test_free_errno(void)
{
	unsigned int i;
	void *p;

	for (i = 0; i < sizeof(route_sizes) / sizeof(route_sizes[0]); i++) {
		p = malloc(route_sizes[i]);
		CHECK(p != NULL, "malloc(%zu) expected non-NULL", route_sizes[i]);
		if (p)
			memset(p, 3, route_sizes[i]);
		errno = 12345;
		free(p);
		CHECK(errno == 12345, "free(%zu-byte block) expected errno 12345, got %d",
		      route_sizes[i], errno);
	}
	errno = 777;
	free(NULL);
	CHECK(errno == 777, "free(NULL) expected errno 777, got %d", errno);
}

/*
 * Many live blocks of random sizes: none overlaps another, each keeps its
 * content, and each can be written up to malloc_usable_size().
 */
static void test_no_overlap(void)
{
	enum { N = 3000 };
	static char *blk[N];
	static size_t len[N];
	unsigned int i, r;
	size_t off;

	for (i = 0; i < N; i++) {
		r = rnd() % 100;
		if (r < 70)
			len[i] = rnd() % 512;
		else if (r < 95)
			len[i] = rnd() % 40000;
		else if (r < 99)
			len[i] = rnd() % (1 << 20);
		else
			len[i] = rnd() % (6 << 20);
		blk[i] = malloc(len[i]);
		CHECK(blk[i] != NULL, "malloc(%zu) expected non-NULL", len[i]);
		if (!blk[i])
			continue;
		len[i] = malloc_usable_size(blk[i]);
		fill(blk[i], len[i], i);
	}
	for (i = 0; i < N; i++) {
		if (!blk[i])
			continue;
		off = verify(blk[i], len[i], i);
		CHECK(off == SIZE_MAX,
		      "block %u (%zu usable bytes) overwritten at %zu", i, len[i],
		      off);
		if (i % 2) {
			free(blk[i]);
			blk[i] = NULL;
		}
	}
	for (i = 0; i < N; i += 2) {
		if (!blk[i])
			continue;
		off = verify(blk[i], len[i], i);
		CHECK(off == SIZE_MAX,
		      "block %u overwritten at %zu after frees of others", i,
		      off);
		free(blk[i]);
	}
}

static void test_introspection(void)
{
	struct mallinfo2 mi2;
	struct mallinfo mi;
	void *big = malloc(1 << 20);

	memset(big, 1, 1 << 20);
	mi2 = mallinfo2();
	CHECK(mi2.uordblks + mi2.hblkhd >= (size_t)(1 << 20),
	      "mallinfo2 uordblks+hblkhd expected >= 1 MiB while 1 MiB is live, got %zu",
	      mi2.uordblks + mi2.hblkhd);
	mi = mallinfo();
	(void)mi;
	free(big);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 20);
	malloc_trim(0);
	malloc_stats();
}

static void test_free_sized(void)
{
	void (*fs)(void *, size_t) =
		(void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
	void (*fas)(void *, size_t, size_t) = (void (*)(void *, size_t, size_t))
		dlsym(RTLD_DEFAULT, "free_aligned_sized");
	unsigned int i;
	size_t a;

	if (on_kmm)
		CHECK(fs && fas, "kmm expected to export free_sized (%p) and free_aligned_sized (%p)",
		      (void *)fs, (void *)fas);
	if (fs) {
		for (i = 0; i < sizeof(route_sizes) / sizeof(route_sizes[0]);
		     i++) {
			void *p = malloc(route_sizes[i]);
			int e;

			errno = 999;
			fs(p, route_sizes[i]);
			e = errno;
			CHECK(e == 999, "free_sized expected errno kept, got %d", e);
		}
		fs(NULL, 0);
	} else {
		printf("free_sized: not provided by this libc, skipped\n");
	}
	if (fas) {
		for (a = 16; a <= ((size_t)1 << 24); a <<= 2) {
			void *p = aligned_alloc(a, 3 * a);

			fas(p, a, 3 * a);
		}
		fas(NULL, 64, 0);
	} else {
		printf("free_aligned_sized: not provided by this libc, skipped\n");
	}
}

/*
 * glibc's __libc_* entry points: on kmm they are kmm's, so a block from
 * either spelling can be freed by the other and no block of glibc's own
 * heap ever reaches kmm's free.
 */
static void test_libc_aliases(void)
{
	static const char *const names[] = {
		"__libc_malloc", "__libc_free", "__libc_calloc",
		"__libc_realloc", "__libc_memalign",
	};
	void *(*lmalloc)(size_t) =
		(void *(*)(size_t))dlsym(RTLD_DEFAULT, "__libc_malloc");
	void (*lfree)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "__libc_free");
	void *(*lcalloc)(size_t, size_t) =
		(void *(*)(size_t, size_t))dlsym(RTLD_DEFAULT, "__libc_calloc");
	void *(*lrealloc)(void *, size_t) = (void *(*)(void *, size_t))dlsym(
		RTLD_DEFAULT, "__libc_realloc");
	void *(*lmemalign)(size_t, size_t) = (void *(*)(size_t, size_t))dlsym(
		RTLD_DEFAULT, "__libc_memalign");
	unsigned int i, k;
	Dl_info info;

	if (!lmalloc || !lfree || !lcalloc || !lrealloc || !lmemalign) {
		CHECK(!on_kmm, "kmm expected to provide the __libc_* aliases");
		printf("__libc_* aliases: not all present, skipped\n");
		return;
	}
	if (on_kmm) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			void *sym = dlsym(RTLD_DEFAULT, names[i]);

			CHECK(dladdr(sym, &info) && info.dli_fname &&
				      strstr(info.dli_fname, "libc.so") == NULL,
			      "%s expected from kmm, got it from %s", names[i],
			      info.dli_fname ? info.dli_fname : "?");
		}
	}
	for (k = 0; k < sizeof(route_sizes) / sizeof(route_sizes[0]); k++) {
		size_t n = route_sizes[k];
		char *p = lmalloc(n), *q;

		CHECK(p != NULL, "__libc_malloc(%zu) expected non-NULL", n);
		fill(p, n, n);
		q = lrealloc(p, n + 100);
		CHECK(q != NULL && verify(q, n, n) == SIZE_MAX,
		      "__libc_realloc(%zu -> %zu) expected content kept", n,
		      n + 100);
		free(q);		/* __libc_* block, standard free */
		p = malloc(n);
		lfree(p);		/* standard block, __libc_free */
		p = lcalloc(1, n);
		CHECK(p != NULL && p[n - 1] == 0,
		      "__libc_calloc(1, %zu) expected zeroed memory", n);
		free(p);
		p = lmemalign(4096, n);
		CHECK(p != NULL && aligned(p, 4096),
		      "__libc_memalign(4096, %zu) expected aligned, got %p", n,
		      (void *)p);
		q = realloc(p, 2 * n);
		CHECK(q != NULL, "realloc of a __libc_memalign block expected non-NULL");
		lfree(q);
	}
}

/* A block from any aligned entry point can be resized, content kept. */
static void test_realloc_aligned(void)
{
	size_t a, off;

	for (a = 16; a <= ((size_t)1 << 24); a <<= 2) {
		char *p = aligned_alloc(a, a + 100), *q;

		CHECK(p != NULL, "aligned_alloc(%zu, %zu) expected non-NULL", a,
		      a + 100);
		if (!p)
			continue;
		fill(p, a + 100, a);
		q = realloc(p, 3 * a + 200);
		CHECK(q != NULL, "realloc of an aligned block expected non-NULL");
		if (!q) {
			free(p);
			continue;
		}
		off = verify(q, a + 100, a);
		CHECK(off == SIZE_MAX,
		      "realloc(aligned_alloc(%zu)) grow: content differs at %zu",
		      a, off);
		p = realloc(q, 10);
		CHECK(p != NULL && verify(p, 10, a) == SIZE_MAX,
		      "realloc(aligned_alloc(%zu)) shrink to 10: content kept", a);
		free(p);
	}
}

/* On kmm, the blocks this program holds show in kmm's slabinfo. */
static void test_served_by_kmm(const char *want)
{
	int (*dump)(int, const char *) =
		(int (*)(int, const char *))dlsym(RTLD_DEFAULT, "kmm_dump");
	void *(*vtp)(const void *) =
		(void *(*)(const void *))dlsym(RTLD_DEFAULT, "kmm_virt_to_page");
	enum { HELD = 1000 };
	void *held[HELD];
	char *buf, *line;
	long active = -1;
	ssize_t r, len = 0;
	int fd, i;

	if (!on_kmm) {
		CHECK(strcmp(want, "glibc") == 0,
		      "expected to run on %s, got glibc (kmm_dump not resolvable)",
		      want);
		return;
	}
	CHECK(strcmp(want, "kmm") == 0,
	      "expected to run on %s, got kmm (kmm_dump resolvable)", want);
	for (i = 0; i < HELD; i++)
		held[i] = malloc(64);
	CHECK(vtp && vtp(held[0]) != NULL,
	      "kmm_virt_to_page(malloc(64)) expected a page, got %p",
	      vtp ? vtp(held[0]) : NULL);
	fd = memfd_create("slabinfo", 0);
	CHECK(fd >= 0, "memfd_create expected fd, got errno %d", errno);
	if (fd < 0)
		return;
	CHECK(dump(fd, "slabinfo") == 0, "kmm_dump(slabinfo) expected 0");
	CHECK(dump(fd, "nosuchreport") == -1 && errno == EINVAL,
	      "kmm_dump(nosuchreport) expected -1/EINVAL, got errno %d", errno);
	buf = malloc(1 << 20);
	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, buf + len, (1 << 20) - 1 - len)) > 0)
		len += r;
	buf[len] = '\0';
	close(fd);
	CHECK(strncmp(buf, "slabinfo - version: 2.1", 23) == 0,
	      "slabinfo expected to start with its version line, got \"%.40s\"",
	      buf);
	/*
	 * The objects sit in kmalloc-64, or in a larger cache when kmm runs
	 * under Valgrind with red zones: count every kmalloc cache.
	 */
	active = 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		long act;

		if (sscanf(line, "%63s %ld", name, &act) == 2 &&
		    strncmp(name, "kmalloc-", 8) == 0)
			active += act;
	}
	CHECK(active >= HELD,
	      "slabinfo: active objects of the kmalloc caches expected >= %d, got %ld",
	      HELD, active);
	free(buf);
	for (i = 0; i < HELD; i++)
		free(held[i]);
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "glibc";

	test_init();
	on_kmm = dlsym(RTLD_DEFAULT, "kmm_dump") != NULL;

	test_served_by_kmm(want);
	test_malloc_basic();
	test_malloc_zero();
	test_huge_sizes();
	test_calloc();
	test_realloc_edges();
	test_realloc_matrix(test_quick());
	test_realloc_chain();
	test_posix_memalign();
	test_aligned_alloc();
	test_memalign_valloc();
	test_free_errno();
	test_no_overlap();
	test_realloc_aligned();
	test_libc_aliases();
	test_introspection();
	test_free_sized();
	printf("conform (%s): all checks passed\n", want);
	return 0;
}

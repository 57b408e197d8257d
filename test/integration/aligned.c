/*
 * aligned.c - every pointer of the memalign family is aligned as asked,
 * whatever the heap went through before.
 *
 * Property checked: random rounds of malloc, realloc growing a block (by
 * up to four times, to at most 4 MiB: page runs that grow in place),
 * free, and posix_memalign, memalign and aligned_alloc of every power of
 * two alignment from 16 bytes to 4 MiB, with sizes from 0 to 4 MiB, give
 * pointers aligned as asked (malloc and realloc: 16 bytes; valloc and
 * pvalloc: a page), and blocks keep their contents until freed.  Every
 * 32nd round replays the sequence that once gave misaligned blocks:
 * malloc(40960), realloc to 102400, free, then posix_memalign of
 * 128 KiB.  A size of 0 gives a unique, aligned pointer at every
 * alignment up to 16 MiB, as glibc does.
 *
 * Run three ways by aligned.sh (glibc, libkmm.so preloaded, linked with
 * -lkmm); argv[1] names the allocator the run must be on.  KMM_TEST_SEED
 * replays a run; KMM_TEST_QUICK=1 runs fewer rounds.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define MAX_LIVE 32
#define MAX_SIZE ((size_t)4 << 20)

struct blk {
	unsigned char *p;
	size_t size;
	uint64_t tag;
};

static struct blk live[MAX_LIVE];
static size_t nlive;
static unsigned long round_no;

/*
 * The address as a number the compiler cannot derive: it knows what
 * posix_memalign and aligned_alloc promise and would fold the checks.
 */
static uintptr_t addr(const void *p)
{
	volatile uintptr_t v = (uintptr_t)p;

	return v;
}

static void check_aligned(const void *p, size_t align, const char *what,
			  size_t size)
{
	uintptr_t off = addr(p) & (align - 1);

	expect(p != NULL, "round %lu: %s(align %zu, size %zu): expected "
	       "memory (errno %d)", round_no, what, align, size, errno);
	expect(off == 0, "round %lu: %s(align %zu, size %zu): expected an "
	       "aligned pointer, got %p (offset %#lx)", round_no, what, align,
	       size, p, (unsigned long)off);
}

/* Contents: a tag in the first and the last 8 bytes (if it has them). */
static void mark(struct blk *b)
{
	b->tag = test_rand();
	if (b->size >= 8)
		memcpy(b->p, &b->tag, 8);
	if (b->size >= 16)
		memcpy(b->p + b->size - 8, &b->tag, 8);
}

static void check_mark(const struct blk *b, size_t size, const char *what)
{
	uint64_t head = b->tag, tail = b->tag;

	if (size < b->size)
		return;
	if (b->size >= 8)
		memcpy(&head, b->p, 8);
	if (b->size >= 16)
		memcpy(&tail, b->p + b->size - 8, 8);
	expect(head == b->tag && tail == b->tag, "round %lu: %s of a %zu-byte "
	       "block at %p: expected its contents kept", round_no, what,
	       b->size, (void *)b->p);
}

static void keep(unsigned char *p, size_t size)
{
	struct blk b = { p, size, 0 };

	mark(&b);
	live[nlive++] = b;
}

static void drop(size_t i)
{
	check_mark(&live[i], live[i].size, "free");
	free(live[i].p);
	live[i] = live[--nlive];
}

static size_t rand_size(void)
{
	switch (test_rand_below(4)) {
	case 0:
		return test_rand_below(512);
	case 1:
		return test_rand_below(32 << 10);
	case 2:
		return (32 << 10) + test_rand_below(1 << 20);
	default:
		return test_rand_below(MAX_SIZE + 1);
	}
}

static void do_malloc(void)
{
	size_t n = rand_size();
	void *p = malloc(n);

	check_aligned(p, 16, "malloc", n);
	keep(p, n);
}

static void do_grow(size_t i)
{
	struct blk *b = &live[i];
	size_t n;
	void *q;

	if (b->size >= MAX_SIZE / 2)
		return;
	n = b->size + 1 + test_rand_below(3 * b->size + 1);
	q = realloc(b->p, n);
	check_aligned(q, 16, "realloc", n);
	b->p = q;
	check_mark(b, n, "realloc");
	b->size = n;
	mark(b);
}

static void do_aligned(void)
{
	size_t align = (size_t)16 << test_rand_below(19);
	size_t n;
	void *p = NULL;
	int r;

	switch (test_rand_below(4)) {
	case 0:
		n = 0;
		break;
	case 1:
		n = 1 + test_rand_below(1024);
		break;
	case 2:
		n = align;
		break;
	default:
		n = rand_size();
		break;
	}
	switch (test_rand_below(7)) {
	case 0:
	case 1:
		r = posix_memalign(&p, align, n);
		expect(r == 0, "round %lu: posix_memalign(align %zu, size %zu): "
		       "expected 0, got %d", round_no, align, n, r);
		check_aligned(p, align, "posix_memalign", n);
		break;
	case 2:
	case 3:
		p = memalign(align, n);
		check_aligned(p, align, "memalign", n);
		break;
	case 4:
	case 5:
		p = aligned_alloc(align, n);
		check_aligned(p, align, "aligned_alloc", n);
		break;
	default:
		if (test_rand_below(2)) {
			p = valloc(n);
			check_aligned(p, 4096, "valloc", n);
		} else {
			p = pvalloc(n);
			check_aligned(p, 4096, "pvalloc", n);
		}
		break;
	}
	keep(p, n);
}

/* The sequence of the report: a run grown in place, freed, reused. */
static void replay(void)
{
	void *p = malloc(40960), *q;
	int r;

	expect_nonnull(p);
	q = realloc(p, 102400);
	expect_nonnull(q);
	free(q);
	p = NULL;
	r = posix_memalign(&p, 128 << 10, 1000);
	expect_eq_i(r, 0);
	check_aligned(p, 128 << 10, "replay: posix_memalign", 1000);
	free(p);
}

/* Size 0: a unique pointer at any alignment, from each function. */
static void zero_sizes(void)
{
	size_t a;

	for (a = 16; a <= ((size_t)16 << 20); a <<= 1) {
		void *p[4] = { NULL, NULL, NULL, NULL };
		int r, i, j;

		errno = 0;
		r = posix_memalign(&p[0], a, 0);
		expect(r == 0, "posix_memalign(align %zu, size 0): expected 0, "
		       "got %d", a, r);
		check_aligned(p[0], a, "posix_memalign", 0);
		p[1] = memalign(a, 0);
		check_aligned(p[1], a, "memalign", 0);
		p[2] = aligned_alloc(a, 0);
		check_aligned(p[2], a, "aligned_alloc", 0);
		p[3] = aligned_alloc(a, 0);
		check_aligned(p[3], a, "aligned_alloc", 0);
		for (i = 0; i < 4; i++)
			for (j = i + 1; j < 4; j++)
				expect(p[i] != p[j], "size 0 at align %zu: "
				       "expected unique pointers, got %p twice",
				       a, p[i]);
		for (i = 0; i < 4; i++)
			free(p[i]);
	}
}

/* On kmm, kmm_virt_to_page knows the blocks malloc gives. */
static void check_allocator(const char *want)
{
	void *(*vtp)(const void *) =
		(void *(*)(const void *))dlsym(RTLD_DEFAULT, "kmm_virt_to_page");
	void *p = malloc(64);
	const char *got = vtp && vtp(p) ? "kmm" : "glibc";

	expect(strcmp(want, got) == 0, "expected to run on %s, got %s", want,
	       got);
	free(p);
}

int main(int argc, char **argv)
{
	unsigned long rounds = test_scale(40000, 4000);

	test_init();
	if (argc < 2)
		test_error("usage: aligned glibc|kmm");
	if (test_valgrind())
		rounds = 400;
	check_allocator(argv[1]);
	zero_sizes();
	for (round_no = 0; round_no < rounds; round_no++) {
		uint64_t r = test_rand_below(16);
		int alloc = nlive < MAX_LIVE / 2 ? r < 11 : r < 5;

		if (nlive == MAX_LIVE)
			alloc = 0;
		if (!nlive)
			alloc = 1;
		if (round_no % 32 == 0)
			replay();
		else if (alloc && r < 4)
			do_malloc();
		else if (alloc)
			do_aligned();
		else if (r < 11)
			do_grow(test_rand_below(nlive));
		else
			drop(test_rand_below(nlive));
	}
	while (nlive)
		drop(nlive - 1);
	return 0;
}

/*
 * freelist.c - helper of freelist.sh: corrupts a free list through
 * malloc's blocks, as buggy programs do, then keeps allocating.
 *
 * argv[1] names the case:
 *   "nul"       a live 64-byte block overflows one NUL byte into its
 *               free neighbour, the head of the list;
 *   "x41"       the same with 8 bytes of 0x41;
 *   "zero"      the same with 8 zero bytes;
 *   "uaf16", "uaf2048"
 *               a write after free clears bytes 8..15 of a freed block
 *               of that size, the head of the list, freed again;
 *   "loop"      the same for a 64-byte block behind the head: the list
 *               loops;
 *   "chosen"    a write after free puts the address of a live 64-byte
 *               block in the free pointer of the head of the list: only
 *               two allocations follow, and neither may return it;
 *   "word"      no bug: prints "stored clear" when a freed 64-byte block
 *               holds the address of the block freed before it (its
 *               free pointer, KMM_HARDEN=0), else "stored encoded", and
 *               exits 0.
 * The program prints the block whose free pointer or mark it spoils as
 * "victim <pointer>" on stdout, then allocates blocks of the size.  It
 * must not return: kmm aborts.  Every block it gets must be neither a
 * live block nor misaligned (exit 2 if one is), and it exits 3 if the
 * allocations all succeed; an alarm ends a list served forever.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NR 256

/* Through volatile pointers, so the compiler cannot see the bugs. */
static void *(*volatile malloc_fn)(size_t) = malloc;
static void (*volatile free_fn)(void *) = free;

static char *live[2 * NR];
static int nr_live;

static void given(char *p, size_t size)
{
	int i;

	if (!p || ((uintptr_t)p & 15) ||
	    (size == 64 && ((uintptr_t)p & 63))) {
		fprintf(stderr, "BAD: got %p for %zu bytes\n", (void *)p, size);
		exit(2);
	}
	for (i = 0; i < nr_live; i++) {
		if (live[i] == p) {
			fprintf(stderr, "BAD: live block %p given again\n",
				(void *)p);
			exit(2);
		}
	}
	if (nr_live < 2 * NR)
		live[nr_live++] = p;
}

static void put(char *p)
{
	int i;

	for (i = 0; i < nr_live; i++)
		if (live[i] == p)
			live[i] = NULL;
	free_fn(p);
}

static void take(size_t size, int n)
{
	while (n--)
		given(malloc_fn(size), size);
}

static void announce(const void *p)
{
	printf("victim %p\n", p);
	fflush(stdout);
}

static int is_live(const char *p)
{
	int i;

	for (i = 0; i < nr_live; i++)
		if (live[i] == p)
			return 1;
	return 0;
}

/*
 * Finds live 64-byte blocks a, a + 64, a + 128 with a on a 256-byte
 * boundary, frees the last two: a + 64 heads the list, its free pointer
 * a + 128, which a NUL in its low byte turns into a.
 */
static char *two_free(void)
{
	int i;

	for (i = 0; i < NR; i++) {
		char *p = malloc_fn(64);

		given(p, 64);
		memset(p, 0x5a, 64);
	}
	for (i = 0; i < NR; i++) {
		char *a = live[i];

		if (!((uintptr_t)a & 255) && is_live(a + 64) &&
		    is_live(a + 128)) {
			put(a + 128);
			put(a + 64);
			announce(a + 64);
			return a;
		}
	}
	fprintf(stderr, "SETUP: no three blocks in a row\n");
	exit(99);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	char *a, *b;

	alarm(10);
	if (strcmp(what, "nul") == 0) {
		a = two_free();
		a[64] = 0;
		take(64, NR);
	} else if (strcmp(what, "x41") == 0) {
		a = two_free();
		memset(a + 64, 0x41, 8);
		take(64, NR);
	} else if (strcmp(what, "zero") == 0) {
		a = two_free();
		memset(a + 64, 0, 8);
		take(64, NR);
	} else if (strcmp(what, "uaf16") == 0 || strcmp(what, "uaf2048") == 0) {
		size_t size = what[3] == '1' ? 16 : 2048;

		a = malloc_fn(size);
		given(a, size);
		put(a);
		memset(a + 8, 0, 8);
		announce(a);
		free_fn(a);
		take(size, NR);
	} else if (strcmp(what, "loop") == 0) {
		a = malloc_fn(64);
		given(a, 64);
		b = malloc_fn(64);
		given(b, 64);
		put(a);
		put(b);
		memset(a + 8, 0, 8);
		announce(a);
		free_fn(a);	/* a -> b -> a -> ... */
		take(64, NR);
	} else if (strcmp(what, "chosen") == 0) {
		a = two_free();
		memcpy(a + 64, &a, sizeof(a));
		take(64, 2);
	} else if (strcmp(what, "word") == 0) {
		uintptr_t w;

		a = malloc_fn(64);
		b = malloc_fn(64);
		given(a, 64);
		given(b, 64);
		announce(a);
		put(b);
		put(a);		/* a -> b */
		memcpy(&w, a, sizeof(w));
		printf("stored %s\n", w == (uintptr_t)b ? "clear" : "encoded");
		return 0;
	} else {
		fprintf(stderr, "freelist: unknown case \"%s\"\n", what);
		return 99;
	}
	return 3;
}

/*
 * aslimit.c - what a program can get under an address-space limit
 * (RLIMIT_AS, set by aslimit.sh with ulimit -v before the program starts,
 * so kmm sees it at initialization).
 *
 * aslimit WHAT LIMIT_BYTES prints one line "WHAT BYTES HALF":
 *   largest  the largest single malloc, by binary search to the page;
 *   fill64, fill64k, fill8m
 *            the bytes reachable in blocks of 64 B, 64 KiB or 8 MiB,
 *            taken until malloc fails (each block holds the link to the
 *            previous one, so the program keeps no array of its own);
 * and, after everything is freed, whether one malloc of half the limit
 * succeeds (HALF is 1 or 0).  Before it measures, the program makes what
 * a program that started up has: a thousand small blocks (about 250 KiB)
 * it keeps to the end, and a buffered stdout.  It measures and does not judge: aslimit.sh
 * runs it on glibc and on kmm and compares.  A failed malloc must set
 * errno to ENOMEM (exit 1 otherwise).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096UL
#define KEEP 1000

static void *keep[KEEP];

static size_t opaque(size_t n)
{
	volatile size_t v = n;

	return v;
}

static int enomem_or_die(const char *what, size_t n)
{
	if (errno != ENOMEM) {
		fprintf(stderr, "aslimit: malloc(%zu) in %s failed with errno %d, expected ENOMEM\n",
			n, what, errno);
		exit(1);
	}
	return 0;
}

static int half_ok(size_t limit)
{
	void *p = malloc(opaque(limit / 2));

	if (!p)
		return enomem_or_die("half", limit / 2);
	/* The first page of it is usable. */
	memset(p, 1, PAGE);
	free(p);
	return 1;
}

static size_t largest(size_t limit)
{
	size_t lo = 0, hi = limit / PAGE + 1;	/* pages: lo fits, hi not */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		void *p = malloc(opaque(mid * PAGE));

		if (p) {
			*(volatile char *)p = 1;
			free(p);
			lo = mid;
		} else {
			enomem_or_die("largest", mid * PAGE);
			hi = mid;
		}
	}
	return lo * PAGE;
}

static size_t fill(size_t size)
{
	void **head = NULL, **p;
	size_t n = 0;

	while ((p = malloc(opaque(size))) != NULL) {
		*p = head;
		head = p;
		n++;
	}
	enomem_or_die("fill", size);
	while (head) {
		p = *head;
		free(head);
		head = p;
	}
	return n * size;
}

int main(int argc, char **argv)
{
	size_t limit, got, i;

	if (argc != 3) {
		fprintf(stderr, "usage: aslimit largest|fill64|fill64k|fill8m LIMIT_BYTES\n");
		return 99;
	}
	limit = strtoull(argv[2], NULL, 0);
	for (i = 0; i < KEEP; i++) {
		keep[i] = malloc(opaque(16 + (i * 37) % 480));
		if (!keep[i])
			return 99;
	}
	fputs("", stdout);
	if (!strcmp(argv[1], "largest"))
		got = largest(limit);
	else if (!strcmp(argv[1], "fill64"))
		got = fill(64);
	else if (!strcmp(argv[1], "fill64k"))
		got = fill(64UL << 10);
	else if (!strcmp(argv[1], "fill8m"))
		got = fill(8UL << 20);
	else
		return 99;
	printf("%s %zu %d\n", argv[1], got, half_ok(limit));
	return 0;
}

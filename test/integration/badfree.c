/*
 * badfree.c - helper of badfree.sh: frees what must not be freed.
 *
 * argv[1] names the case: "stack" (a pointer into the stack), "interior"
 * (16 bytes into a 64-byte block), "interior-page" (4 KiB into a 100 KiB
 * block), "never" (an aligned address no allocator handed out),
 * "double" (a 64-byte block twice), "double-page" (a 100 KiB block
 * twice), "double-vmalloc" (an 8 MiB block twice).  The program prints the
 * pointer it is about to free wrongly as "bad <pointer>" on stdout, then
 * frees it; it must not return from that free (exit 3 if it does).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void announce(const void *p)
{
	printf("bad %p\n", p);
	fflush(stdout);
}

/* Through a volatile pointer, so the compiler cannot see the bug. */
static void (*volatile free_fn)(void *) = free;

int main(int argc, char **argv)
{
	char local[256];
	char *p;
	size_t n = 64;
	const char *what = argc > 1 ? argv[1] : "";

	memset(local, 1, sizeof(local));
	if (strncmp(what, "double", 6) == 0 || strncmp(what, "interior", 8) == 0) {
		if (strcmp(what, "double-page") == 0 ||
		    strcmp(what, "interior-page") == 0)
			n = 100 * 1024;
		else if (strcmp(what, "double-vmalloc") == 0)
			n = 8 << 20;
		p = malloc(n);
		if (!p)
			return 99;
		memset(p, 2, n);
		if (strncmp(what, "double", 6) == 0) {
			free_fn(p);
			announce(p);
			free_fn(p);
		} else {
			announce(p + (n == 64 ? 16 : 4096));
			free_fn(p + (n == 64 ? 16 : 4096));
		}
	} else if (strcmp(what, "stack") == 0) {
		announce(local + 64);
		free_fn(local + 64);
	} else if (strcmp(what, "never") == 0) {
		announce((void *)(uintptr_t)0x12345670);
		free_fn((void *)(uintptr_t)0x12345670);
	} else {
		fprintf(stderr, "badfree: unknown case \"%s\"\n", what);
		return 99;
	}
	return 3;
}

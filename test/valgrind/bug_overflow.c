/*
 * bug_overflow.c - a heap overflow by one byte: a write just past the end of a
 * 100-byte block (a size kmm rounds up to a larger class) and of a 64-byte
 * block (a size that is exactly a class).
 *
 * A deliberately buggy program for memcheck: the bug sits in bug_in_here()
 * so that memcheck's report can be checked for a stack through it.  The
 * memcheck scripts run it on glibc, with libkmm.so preloaded and linked
 * statically with libkmm.a, and compare the kinds of errors reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Through volatile objects, so the compiler keeps the bug as written. */
static char *volatile sink;
static volatile int sink_int;
static void (*volatile free_fn)(void *) = free;

__attribute__((noinline)) static void bug_in_here(char *a, size_t na, char *b,
						  size_t nb)
{
	sink = a;
	sink[na] = 'x';
	sink = b;
	sink[nb] = 'y';
}

int main(void)
{
	char *a = malloc(100), *b = malloc(64);

	memset(a, 0, 100);
	memset(b, 0, 64);
	bug_in_here(a, 100, b, 64);
	free_fn(a);
	free_fn(b);
	return 0;
}

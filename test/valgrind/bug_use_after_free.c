/*
 * bug_use_after_free.c - a use after free: a block is read after free().
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

__attribute__((noinline)) static void bug_in_here(void)
{
	char *p = malloc(64);

	memset(p, 3, 64);
	sink = p;
	free_fn(p);
	sink_int = sink[10];
}

int main(void)
{
	bug_in_here();
	return 0;
}

/*
 * bug_uninit.c - a read of uninitialized heap memory decides a branch.
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
	char *p = malloc(32);

	sink = p;
	if (sink[5] == 42)
		puts("forty-two");
	free_fn(p);
}

int main(void)
{
	/* A block freed first, so the read may land on reused memory. */
	char *old = malloc(32);

	memset(old, 42, 32);
	free_fn(old);
	bug_in_here();
	return 0;
}

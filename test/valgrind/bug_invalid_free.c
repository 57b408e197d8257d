/*
 * bug_invalid_free.c - an invalid free: a pointer 16 bytes into a block.
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

__attribute__((noinline)) static void bug_in_here(char *p)
{
	free_fn(p + 16);
	sink_int = 1;	/* no tail call: keep this frame on the stack */
}

int main(void)
{
	char *p = malloc(64);

	memset(p, 5, 64);
	bug_in_here(p);
	free_fn(p);
	return 0;
}

/*
 * bug_double_free.c - a double free: the same block is freed twice.
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
	free_fn(p);
	free_fn(p);
	sink_int = 1;	/* no tail call: keep this frame on the stack */
}

int main(void)
{
	char *p = malloc(48);

	memset(p, 4, 48);
	bug_in_here(p);
	return 0;
}

/*
 * bug_leak.c - a leak: a block's last pointer is dropped.
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
	sink = malloc(200);
	memset(sink, 1, 200);
	sink = NULL;
}

int main(void)
{
	char *kept = malloc(50);

	bug_in_here();
	memset(kept, 2, 50);
	free_fn(kept);
	return 0;
}

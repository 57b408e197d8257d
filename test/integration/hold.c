/*
 * hold.c - helper of stats.sh: exits holding one block of each route
 * (a 100-byte slab object, a 100 KiB page run, an 8 MiB vmalloc area),
 * so the statistics printed at exit list something in every report.
 * Prints "held" on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *held[3];

int main(void)
{
	static const size_t n[3] = { 100, 100 * 1024, 8 << 20 };
	int i;

	for (i = 0; i < 3; i++) {
		held[i] = malloc(n[i]);
		if (!held[i])
			return 99;
		memset(held[i], 1, n[i]);
	}
	puts("held");
	return 0;
}

/*
 * mallinfo.c - malloc_info(), mallinfo2(), malloc_stats() and mallopt()
 * on kmm (run preloaded by mallinfo.sh) report kmm's own heap:
 * malloc_info() writes glibc's XML with the free 100-byte objects in a
 * <size> of their class and the live 8 MiB block as one "mmap" block;
 * mallinfo2() counts the block in hblkhd and the objects in uordblks;
 * malloc_stats() writes glibc's lines on stderr; mallopt(M_MMAP_THRESHOLD)
 * sends a 2 MiB block to a mapping of its own, M_TRIM_THRESHOLD=0 gives
 * freed pages back at once (arena shrinks), M_ARENA_MAX succeeds and
 * changes nothing, unknown parameters return 0, malloc_info(1, ...)
 * fails with EINVAL.  Writes the XML to argv[1]; "ok" on stdout.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 10000

static void *volatile keep[N];

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "mallinfo: %s:%d: expected %s\n", \
				__FILE__, __LINE__, #cond);               \
			exit(1);                                          \
		}                                                         \
	} while (0)

int main(int argc, char **argv)
{
	struct mallinfo2 a, b;
	void *volatile big, *volatile run;
	FILE *fp;
	int i;

	if (argc != 2)
		return 99;
	a = mallinfo2();
	for (i = 0; i < N; i++)
		keep[i] = malloc(100);
	big = malloc(8 << 20);
	CHECK(big != NULL);
	memset(big, 1, 8 << 20);
	b = mallinfo2();
	CHECK(b.hblks >= a.hblks + 1);
	CHECK(b.hblkhd >= a.hblkhd + (8 << 20));
	CHECK(b.uordblks >= a.uordblks + N * 100);
	CHECK(b.arena >= b.uordblks);
	for (i = 0; i < N; i++)
		free(keep[i]);

	fp = fopen(argv[1], "w");
	CHECK(fp != NULL);
	CHECK(malloc_info(0, fp) == 0);
	fclose(fp);
	errno = 0;
	CHECK(malloc_info(1, stdout) == -1 && errno == EINVAL);
	malloc_stats();
	free(big);

	/* M_TRIM_THRESHOLD 0: freed pages go back to the system at once. */
	CHECK(mallopt(M_TRIM_THRESHOLD, 0) == 1);
	run = malloc(3 << 20);
	CHECK(run != NULL);
	memset(run, 1, 3 << 20);
	a = mallinfo2();
	free(run);
	b = mallinfo2();
	CHECK(b.arena + (2 << 20) <= a.arena);

	/* M_MMAP_THRESHOLD 1 MiB: 2 MiB gets a mapping of its own. */
	a = mallinfo2();
	CHECK(mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1);
	run = malloc(2 << 20);
	CHECK(run != NULL);
	b = mallinfo2();
	CHECK(b.hblks == a.hblks + 1);
	free(run);
	CHECK(mallopt(M_MMAP_THRESHOLD, -1) == 0);

	CHECK(mallopt(M_ARENA_MAX, 4) == 1);
	CHECK(mallopt(M_MXFAST, 64) == 0);
	CHECK(mallopt(12345, 1) == 0);
	printf("ok\n");
	return 0;
}

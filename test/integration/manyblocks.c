/*
 * manyblocks.c - a program may hold as many large blocks as on glibc:
 * 100,000 blocks of 5 MiB (above kmm's vmalloc threshold, so each is a
 * mapping of its own), never touched, are all had, distinct, and freed.
 * Each used to cost kmm two mappings (the area and its PROT_NONE guard
 * page), and the system's limit on mappings (vm.max_map_count, 65530 by
 * default) stopped it at about 32,770; glibc's mmap'd chunks merge, as
 * kmm's areas with guard regions do now.  The mappings the process has
 * at the peak (/proc/self/maps) are printed.
 *
 * Needs overcommit (500 GB of address space): skipped under strict
 * overcommit (vm.overcommit_memory = 2) and below the default
 * vm.max_map_count.  Run three ways by manyblocks.sh; argv[1] names the
 * allocator the run must be on, argv[2] (optional) another count, and
 * "until" as argv[3] takes blocks until malloc fails, up to that count,
 * and prints how many it got (for measurements; not in the suite).  In a
 * child with an alarm.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define BLOCK ((size_t)5 << 20)

static long read_proc_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static size_t count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static void child(size_t want, int until)
{
	void **blocks = malloc(want * sizeof(*blocks));
	uintptr_t *sorted;
	size_t n, i;

	alarm(240);
	expect_nonnull(blocks);
	for (n = 0; n < want; n++) {
		blocks[n] = malloc(BLOCK);
		if (!blocks[n])
			break;
	}
	if (until) {
		printf("%zu blocks of 5 MiB, %zu mappings\n", n, count_maps());
		while (n)
			free(blocks[--n]);
		free(blocks);
		return;
	}
	expect(n == want, "malloc(5 MiB) x %zu, untouched: expected all, "
	       "failed at block %zu (errno %d, %zu mappings)", want, n, errno,
	       count_maps());
	printf("%zu blocks of 5 MiB: %zu mappings in the process\n", n,
	       count_maps());
	sorted = malloc(n * sizeof(*sorted));
	expect_nonnull(sorted);
	memcpy(sorted, blocks, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (i = 1; i < n; i++)
		expect(sorted[i] - sorted[i - 1] >= BLOCK,
		       "blocks at %#lx and %#lx: expected 5 MiB apart at least",
		       (unsigned long)sorted[i - 1], (unsigned long)sorted[i]);
	free(sorted);
	/* Freed in an order that is not the reverse of allocation. */
	for (i = 0; i < n; i += 2)
		free(blocks[i]);
	for (i = 1; i < n; i += 2)
		free(blocks[i]);
	free(blocks);
}

/* On kmm, kmm_virt_to_page knows the blocks malloc gives. */
static void check_allocator(const char *want)
{
	void *(*vtp)(const void *) =
		(void *(*)(const void *))dlsym(RTLD_DEFAULT, "kmm_virt_to_page");
	void *p = malloc(64);
	const char *got = vtp && vtp(p) ? "kmm" : "glibc";

	expect(strcmp(want, got) == 0, "expected to run on %s, got %s", want,
	       got);
	free(p);
}

int main(int argc, char **argv)
{
	size_t want = 100000;
	int status;
	pid_t pid;

	test_init();
	if (argc < 2)
		test_error("usage: manyblocks glibc|kmm [count [until]]");
	if (argc > 2)
		want = strtoul(argv[2], NULL, 0);
	if (read_proc_long("/proc/sys/vm/overcommit_memory") == 2)
		test_skip("strict overcommit (vm.overcommit_memory = 2): "
			  "500 GB of untouched blocks cannot be had");
	if (read_proc_long("/proc/sys/vm/max_map_count") < 65530)
		test_skip("vm.max_map_count is below the default 65530");
	check_allocator(argv[1]);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		test_error("fork: %s", strerror(errno));
	if (!pid) {
		child(want, argc > 3 && !strcmp(argv[3], "until"));
		fflush(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		test_fail("the child was killed by signal %d",
			  WTERMSIG(status));
	return WEXITSTATUS(status);
}

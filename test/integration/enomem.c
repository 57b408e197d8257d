/*
 * enomem.c - under an address-space limit (RLIMIT_AS), every entry point
 * of the malloc family that fails says so with errno = ENOMEM.
 *
 * Property checked, in a child process under setrlimit(RLIMIT_AS) with
 * 64 MiB of room above what the process maps: malloc, calloc, realloc
 * (of NULL, of a small block, of a page run), reallocarray,
 * posix_memalign (which also returns ENOMEM), memalign, aligned_alloc,
 * valloc and pvalloc, each asked for 2 GiB, 3 GiB and 8 GiB, fail
 * and set errno to ENOMEM; a realloc that fails leaves its block as it
 * was.  Then 1 MiB blocks are taken until malloc fails (with ENOMEM),
 * and the same table, asked for 64 KiB to 16 MiB, either succeeds or
 * fails with ENOMEM (16 MiB must fail).  After everything is freed, a
 * 1 MiB block can be had again.
 *
 * Run three ways by enomem.sh (glibc, libkmm.so preloaded, linked with
 * -lkmm); argv[1] names the allocator the run must be on.  The child has
 * an alarm: a hang is a failure, not a stalled suite.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define MIB ((size_t)1 << 20)
#define ROOM (64 * MIB)
#define MAX_BLOCKS 8192	/* 8 GiB of 1 MiB blocks: beyond any limit set */

/* Blocks realloc is given: it must leave them as they were on failure. */
static unsigned char *small_blk, *run_blk;
#define SMALL_SIZE 100
#define RUN_SIZE (100 << 10)

/* Sizes the compiler must not see through. */
static size_t opaque(size_t n)
{
	volatile size_t v = n;

	return v;
}

/*
 * One entry point: returns the block or NULL; *ret is the error number
 * posix_memalign returned (0 for the others).
 */
struct entry {
	const char *name;
	void *(*call)(size_t n, int *ret);
	/* realloc of a block of ours: on failure the block must be intact */
	unsigned char **old;
	size_t old_size;
};

static void *e_malloc(size_t n, int *ret)
{
	(void)ret;
	return malloc(opaque(n));
}

static void *e_calloc(size_t n, int *ret)
{
	(void)ret;
	return calloc(1, opaque(n));
}

static void *e_calloc_n(size_t n, int *ret)
{
	(void)ret;
	return calloc(opaque(n / 16), 16);
}

static void *e_realloc_null(size_t n, int *ret)
{
	(void)ret;
	return realloc(NULL, opaque(n));
}

static void *e_realloc_small(size_t n, int *ret)
{
	(void)ret;
	return realloc(small_blk, opaque(n));
}

static void *e_realloc_run(size_t n, int *ret)
{
	(void)ret;
	return realloc(run_blk, opaque(n));
}

static void *e_reallocarray(size_t n, int *ret)
{
	(void)ret;
	return reallocarray(small_blk, opaque(n / 8), 8);
}

static void *e_posix_memalign_64(size_t n, int *ret)
{
	void *p = NULL;

	*ret = posix_memalign(&p, 64, opaque(n));
	return *ret ? NULL : p;
}

static void *e_posix_memalign_2m(size_t n, int *ret)
{
	void *p = NULL;

	*ret = posix_memalign(&p, 2 * MIB, opaque(n));
	return *ret ? NULL : p;
}

static void *e_posix_memalign_8m(size_t n, int *ret)
{
	void *p = NULL;

	*ret = posix_memalign(&p, 8 * MIB, opaque(n));
	return *ret ? NULL : p;
}

static void *e_memalign(size_t n, int *ret)
{
	(void)ret;
	return memalign(4096, opaque(n));
}

static void *e_memalign_2m(size_t n, int *ret)
{
	(void)ret;
	return memalign(2 * MIB, opaque(n));
}

static void *e_aligned_alloc(size_t n, int *ret)
{
	(void)ret;
	return aligned_alloc(64, opaque(n));
}

static void *e_aligned_alloc_8m(size_t n, int *ret)
{
	(void)ret;
	return aligned_alloc(8 * MIB, opaque(n));
}

static void *e_valloc(size_t n, int *ret)
{
	(void)ret;
	return valloc(opaque(n));
}

static void *e_pvalloc(size_t n, int *ret)
{
	(void)ret;
	return pvalloc(opaque(n));
}

static const struct entry table[] = {
	{ "malloc", e_malloc, NULL, 0 },
	{ "calloc(1, n)", e_calloc, NULL, 0 },
	{ "calloc(n / 16, 16)", e_calloc_n, NULL, 0 },
	{ "realloc(NULL, n)", e_realloc_null, NULL, 0 },
	{ "realloc(100 B block, n)", e_realloc_small, &small_blk, SMALL_SIZE },
	{ "realloc(100 KiB block, n)", e_realloc_run, &run_blk, RUN_SIZE },
	{ "reallocarray(100 B block, n / 8, 8)", e_reallocarray, &small_blk,
	  SMALL_SIZE },
	{ "posix_memalign(64)", e_posix_memalign_64, NULL, 0 },
	{ "posix_memalign(2 MiB)", e_posix_memalign_2m, NULL, 0 },
	{ "posix_memalign(8 MiB)", e_posix_memalign_8m, NULL, 0 },
	{ "memalign(4096)", e_memalign, NULL, 0 },
	{ "memalign(2 MiB)", e_memalign_2m, NULL, 0 },
	{ "aligned_alloc(64)", e_aligned_alloc, NULL, 0 },
	{ "aligned_alloc(8 MiB)", e_aligned_alloc_8m, NULL, 0 },
	{ "valloc", e_valloc, NULL, 0 },
	{ "pvalloc", e_pvalloc, NULL, 0 },
};

#define NENTRIES (sizeof(table) / sizeof(table[0]))

static unsigned char *new_block(size_t n, unsigned char c)
{
	unsigned char *p = malloc(n);

	expect_nonnull(p);
	memset(p, c, n);
	return p;
}

/*
 * Calls entry e for n bytes.  must_fail: the call has to fail.  A call
 * that fails must set errno to ENOMEM (and posix_memalign return it);
 * one that succeeds is freed (a realloc'd block of ours is replaced).
 */
static void try_entry(const struct entry *e, size_t n, int must_fail)
{
	int ret = 0, err;
	void *p;

	errno = 0;
	p = e->call(n, &ret);
	err = errno;
	if (!p) {
		expect(err == ENOMEM, "%s of %zu bytes failed: expected errno "
		       "ENOMEM (%d), got %d (%s)", e->name, n, ENOMEM, err,
		       strerror(err));
		if (e->call == e_posix_memalign_64 ||
		    e->call == e_posix_memalign_2m ||
		    e->call == e_posix_memalign_8m)
			expect(ret == ENOMEM, "%s of %zu bytes failed: expected "
			       "to return ENOMEM, got %d", e->name, n, ret);
		if (e->old) {
			unsigned char c = e->old_size == SMALL_SIZE ? 0x5a : 0xa5;
			size_t i;

			for (i = 0; i < e->old_size; i++)
				expect((*e->old)[i] == c, "%s of %zu bytes "
				       "failed: expected the block kept, byte "
				       "%zu changed", e->name, n, i);
		}
		return;
	}
	expect(!must_fail, "%s of %zu bytes under RLIMIT_AS: expected "
	       "failure, got %p", e->name, n, p);
	if (e->old) {
		/* The block moved or grew: free it, take a new one. */
		free(p);
		*e->old = new_block(e->old_size,
				    e->old_size == SMALL_SIZE ? 0x5a : 0xa5);
	} else {
		free(p);
	}
}

/* Bytes the process maps now, from /proc/self/statm. */
static size_t mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (!f)
		test_skip("no /proc/self/statm");
	if (fscanf(f, "%lu", &pages) != 1)
		test_error("cannot read /proc/self/statm");
	fclose(f);
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void *blocks[MAX_BLOCKS];

static void child(void)
{
	/*
	 * More than the room and all kmm maps before the limit is set (a
	 * 1 GiB zone, whose unused part it unmaps when a mapping fails).
	 */
	static const size_t too_big[] = { 2048 * MIB, 3072 * MIB,
					  8192 * MIB };
	static const size_t sizes[] = { 64 << 10, MIB, 4 * MIB, 16 * MIB };
	struct rlimit rl;
	size_t i, k, n;
	void *p;

	alarm(120);
	small_blk = new_block(SMALL_SIZE, 0x5a);
	run_blk = new_block(RUN_SIZE, 0xa5);
	rl.rlim_cur = rl.rlim_max = mapped_bytes() + ROOM;
	if (setrlimit(RLIMIT_AS, &rl))
		test_error("setrlimit(RLIMIT_AS): %s", strerror(errno));

	for (k = 0; k < sizeof(too_big) / sizeof(too_big[0]); k++)
		for (i = 0; i < NENTRIES; i++)
			try_entry(&table[i], too_big[k], 1);

	for (n = 0; n < MAX_BLOCKS; n++) {
		errno = 0;
		blocks[n] = malloc(MIB);
		if (!blocks[n])
			break;
	}
	expect(n < MAX_BLOCKS, "malloc(1 MiB) x %d under RLIMIT_AS: expected "
	       "to fail at last", MAX_BLOCKS);
	expect_errno(ENOMEM);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (i = 0; i < NENTRIES; i++)
			try_entry(&table[i], sizes[k], sizes[k] >= 16 * MIB);
	while (n)
		free(blocks[--n]);
	p = malloc(MIB);
	expect(p != NULL, "malloc(1 MiB) after freeing everything under "
	       "RLIMIT_AS: expected memory, got NULL (errno %d)", errno);
	free(p);
	free(small_blk);
	free(run_blk);
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
	int status;
	pid_t pid;

	test_init();
	if (argc < 2)
		test_error("usage: enomem glibc|kmm");
	check_allocator(argv[1]);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		test_error("fork: %s", strerror(errno));
	if (!pid) {
		child();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		test_fail("the child under RLIMIT_AS: expected exit 0, got "
			  "signal %d%s", WTERMSIG(status),
			  WTERMSIG(status) == SIGALRM ? " (a hang)" : "");
	return WEXITSTATUS(status);
}

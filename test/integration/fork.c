/*
 * fork.c - a child forked from a multi-threaded process can allocate.
 *
 * Property checked: while WORKERS threads allocate and free as fast as
 * they can across every route (so one of them is often inside the
 * allocator, holding a lock, at the moment of fork), the main thread forks
 * many times; each child allocates, reallocates and frees across routes
 * (16 bytes to 8 MiB), starts a thread that does the same, frees the
 * blocks the workers (threads that do not exist in the child) held at
 * the moment of fork, after checking their content, and exits 0.
 * A child that deadlocks is killed by its alarm (30 s, 600 s under
 * memcheck) and counts as a failure.
 *
 * fork.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define WORKERS 4

static atomic_int stop;

static const size_t sizes[] = {
	16, 24, 64, 100, 256, 1000, 2048, 4096, 10000, 32768, 40000,
	100000, 1 << 20, (4 << 20) + 1, 8 << 20,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/*
 * The workers' blocks hang off static data, not their stacks, so a child
 * (which has only the forking thread) can free them; memcheck would
 * otherwise also count them as lost.  A slot is cleared before its block
 * is freed and set after the block is filled, so whenever fork happens
 * a child sees in blocks[][] only live, filled blocks.
 */
#define FILL 0x77
#define FILLED 512
static void *volatile blocks[WORKERS][64];

/*
 * Under memcheck only: a block between malloc's return and its slot is
 * held by a register of a thread the child does not have, and memcheck's
 * leak check in the child calls it lost.  There the workers hold this
 * lock (shared) from malloc to the store, and fork takes it; natively
 * fork lands anywhere, inside malloc included.
 */
static pthread_rwlock_t window = PTHREAD_RWLOCK_INITIALIZER;
static int careful;

static void *hammer(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	void *volatile *live = blocks[s % WORKERS];
	unsigned i;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned k;
		void *p;

		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (unsigned)(s >> 33) % 64;
		p = live[k];
		if (p) {
			live[k] = NULL;
			atomic_signal_fence(memory_order_seq_cst);
			free(p);
		} else {
			/* Large sizes rarely: they cost syscalls. */
			size_t n = sizes[(s >> 40) % (NR_SIZES - 3)];

			if ((s >> 20) % 50 == 0)
				n = sizes[NR_SIZES - 1 - (s >> 24) % 3];
			if (careful)
				pthread_rwlock_rdlock(&window);
			p = malloc(n);
			if (p) {
				memset(p, FILL, n < FILLED ? n : FILLED);
				atomic_signal_fence(memory_order_seq_cst);
				live[k] = p;
			}
			if (careful)
				pthread_rwlock_unlock(&window);
		}
	}
	for (i = 0; i < 64; i++) {
		free(live[i]);
		live[i] = NULL;
	}
	return NULL;
}

/* What a child does: every route, and realloc across them. */
static int child_work(void)
{
	void *p[NR_SIZES];
	unsigned char *r = NULL;
	unsigned i;
	size_t j;

	for (i = 0; i < NR_SIZES; i++) {
		p[i] = malloc(sizes[i]);
		if (!p[i])
			return 1;
		memset(p[i], (int)i, sizes[i]);
	}
	for (i = 0; i < NR_SIZES; i++) {
		unsigned char *b = p[i];

		for (j = 0; j < sizes[i]; j += 61)
			if (b[j] != (unsigned char)i)
				return 2;
		free(p[i]);
	}
	for (i = 0; i < NR_SIZES; i++) {
		unsigned char *q = realloc(r, sizes[i]);

		if (!q)
			return 3;
		if (i > 0 && q[0] != (unsigned char)(i - 1))
			return 4;
		r = q;
		memset(r, (int)i, sizes[i]);
	}
	free(r);
	r = calloc(1000, 100);
	if (!r || r[99999] != 0)
		return 5;
	free(r);
	return 0;
}

static void *child_thread(void *arg)
{
	return (void *)(intptr_t)child_work();
}

/* Free what the workers held at fork; their threads are gone. */
static int free_workers_blocks(void)
{
	unsigned w, k, j;

	for (w = 0; w < WORKERS; w++)
		for (k = 0; k < 64; k++) {
			unsigned char *p = blocks[w][k];

			if (!p)
				continue;
			for (j = 0; j < 16; j++)	/* every size is >= 16 */
				if (p[j] != FILL)
					return 30;
			blocks[w][k] = NULL;
			free(p);
		}
	return 0;
}

static int child(void)
{
	pthread_t t;
	void *ret;
	int rc;

	/* Memcheck makes a child a hundred times slower. */
	alarm(test_valgrind() ? 600 : 30);
	rc = child_work();
	if (rc)
		return rc;
	rc = free_workers_blocks();
	if (rc)
		return rc;
	if (pthread_create(&t, NULL, child_thread, NULL))
		return 10;
	pthread_join(t, &ret);
	if (ret)
		return 20 + (int)(intptr_t)ret;
	return child_work();
}

int main(void)
{
	unsigned forks = (unsigned)test_scale(150, 30), i;
	pthread_t th[WORKERS];

	test_init();
	careful = test_valgrind();
	for (i = 0; i < WORKERS; i++)
		if (pthread_create(&th[i], NULL, hammer,
				   (void *)(uintptr_t)(test_seed / WORKERS * WORKERS + i)))
			test_error("pthread_create failed");
	for (i = 0; i < forks; i++) {
		int status;
		pid_t pid;

		/* Allocate in the forking thread as well, around each fork. */
		void *mine = malloc(100 + i);

		if (careful)
			pthread_rwlock_wrlock(&window);
		pid = fork();
		if (careful)
			pthread_rwlock_unlock(&window);
		if (pid < 0)
			test_error("fork failed: %s", strerror(errno));
		if (pid == 0)
			_exit(child());
		free(mine);
		if (waitpid(pid, &status, 0) != pid)
			test_error("waitpid failed: %s", strerror(errno));
		if (WIFSIGNALED(status))
			test_fail("fork %u: child expected to exit 0, got signal %d%s",
				  i, WTERMSIG(status),
				  WTERMSIG(status) == SIGALRM ?
					  " (deadlock: killed by its alarm)" : "");
		if (WEXITSTATUS(status) != 0)
			test_fail("fork %u: child expected to exit 0, got %d", i,
				  WEXITSTATUS(status));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	printf("fork: %u children allocated and exited 0\n", forks);
	return 0;
}

/*
 * forkstdio.c - fork() while other threads hold stdio locks.
 *
 * Property checked: three threads, in a loop, do not deadlock.
 *  - the reader holds a FILE's lock (flockfile) and, inside it, allocates
 *    and frees (a block large enough that every allocation takes a lock
 *    of the allocator) and calls getline(), which allocates too;
 *  - the flusher calls fflush(NULL), which takes the stdio list lock and
 *    then waits for each FILE's lock, the reader's included;
 *  - the main thread forks; each child allocates, frees and exits 0.
 * glibc's fork takes the stdio list lock before the allocator's locks; an
 * allocator whose fork handler takes its own locks first waits, holding
 * them, for the flusher, which waits for the reader, which waits for the
 * allocator.  A hang is caught by alarm(), re-armed at each fork: no
 * fork done for 20 s (each child has its own).
 *
 * forkstdio.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* Above kmm's vmalloc threshold (4 MiB): a lock at each malloc and free. */
#define BIG ((5 << 20) + 123)

static atomic_int stop;
static FILE *in;
static char text[64 * 100];

/*
 * The reader's blocks hang off static data, so memcheck's leak check in
 * a child, which has no reader thread, finds them reachable.  Under
 * memcheck the reader also holds this lock (shared) while a block may be
 * in a register only (getline included), and fork takes it: there the
 * test checks memory errors, not the lock order.
 */
static char *line;
static void *volatile big;
static pthread_rwlock_t window = PTHREAD_RWLOCK_INITIALIZER;
static int careful;

static void *reader(void *arg)
{
	size_t n = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (careful)
			pthread_rwlock_rdlock(&window);
		flockfile(in);
		big = malloc(BIG);
		if (!big)
			test_error("malloc(%d) failed", BIG);
		((char *)big)[0] = 1;
		free(big);
		big = NULL;
		/* A new line buffer each time: getline allocates. */
		free(line);
		line = NULL;
		n = 0;
		if (getline(&line, &n, in) < 0)
			rewind(in);
		funlockfile(in);
		if (careful)
			pthread_rwlock_unlock(&window);
	}
	free(line);
	line = NULL;
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		fflush(NULL);
	return NULL;
}

static void on_alarm(int sig)
{
	static const char msg[] =
		"forkstdio: expected the fork loop to finish, got a hang "
		"(deadlock between fork, the stdio locks and the allocator)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	unsigned forks = (unsigned)test_scale(3000, 1000), i, limit = 20;
	pthread_t r, f;

	test_init();
	if (test_valgrind()) {
		forks = 20;
		limit = 600;
		careful = 1;
	}
	for (i = 0; i < 100; i++)
		snprintf(text + 64 * i, 64, "%*u\n", 40 + (int)(i % 20), i);
	in = fmemopen(text, strlen(text), "r");
	if (!in)
		test_error("fmemopen failed: %s", strerror(errno));
	signal(SIGALRM, on_alarm);
	if (pthread_create(&r, NULL, reader, NULL) ||
	    pthread_create(&f, NULL, flusher, NULL))
		test_error("pthread_create failed");
	for (i = 0; i < forks; i++) {
		int status;
		pid_t pid;

		alarm(limit);
		if (careful)
			pthread_rwlock_wrlock(&window);
		pid = fork();
		if (careful && pid != 0)
			pthread_rwlock_unlock(&window);

		if (pid < 0)
			test_error("fork failed: %s", strerror(errno));
		if (pid == 0) {
			void *p;

			signal(SIGALRM, SIG_DFL);
			alarm(limit / 2);
			p = malloc(100 + i % 1000);
			if (!p)
				_exit(3);
			memset(p, 1, 100);
			free(p);
			_exit(0);
		}
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
	pthread_join(r, NULL);
	pthread_join(f, NULL);
	alarm(0);
	fclose(in);
	printf("forkstdio: %u forks beside getline and fflush(NULL)\n", forks);
	return 0;
}

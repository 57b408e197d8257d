/*
 * forkloop.c - fork, vfork and posix_spawn in a loop beside busy threads.
 *
 * Property checked: while WORKERS threads allocate and free small and
 * large blocks without pause, the main thread
 *  - forks N times; each child allocates, checks and frees blocks of each
 *    route (slab, page run, vmalloc) and exits 0;
 *  - vforks N times; each child execs /bin/true (vfork runs no fork
 *    handler: the child shares the parent's heap and must leave it alone);
 *  - posix_spawns /bin/true N times;
 * and none of it hangs or fails.  N is 1000 in quick mode.  alarm(),
 * re-armed at each step, catches a step that takes 20 s; each forked
 * child has its own.
 *
 * forkloop.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define WORKERS 2
#define TRUE_PATH "/bin/true"

extern char **environ;

static atomic_int stop;

static const size_t sizes[] = {
	16, 48, 200, 1000, 4096, 20000, 40000, 200000, (4 << 20) + 1,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/*
 * The workers' blocks hang off static data, so memcheck's leak check in
 * a child (which has only the forking thread) finds them reachable.  A
 * block between malloc's return and its slot (or between its slot and
 * free) is held by a register of a thread the child does not have: under
 * memcheck the workers hold this lock (shared) around both, and fork
 * takes it.
 */
static void *volatile blocks[WORKERS][64];
static pthread_rwlock_t window = PTHREAD_RWLOCK_INITIALIZER;
static int careful;

static void *hammer(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	void *volatile *live = blocks[s % WORKERS];
	unsigned i;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned k;

		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (unsigned)(s >> 33) % 64;
		/*
		 * Busy, but leaving the forking thread and its children a
		 * share of a two-core machine.
		 */
		if ((s >> 50) % 64 == 0)
			sched_yield();
		if (live[k]) {
			void *p = live[k];

			if (careful)
				pthread_rwlock_rdlock(&window);
			live[k] = NULL;
			free(p);
			if (careful)
				pthread_rwlock_unlock(&window);
		} else {
			size_t n = sizes[(s >> 40) % (NR_SIZES - 1)];
			void *p;

			if ((s >> 20) % 100 == 0)
				n = sizes[NR_SIZES - 1];
			if (careful)
				pthread_rwlock_rdlock(&window);
			p = malloc(n);
			if (p) {
				memset(p, 0x33, n < 256 ? n : 256);
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

static int child_work(void)
{
	void *p[NR_SIZES];
	unsigned i;

	for (i = 0; i < NR_SIZES; i++) {
		p[i] = malloc(sizes[i]);
		if (!p[i])
			return 1;
		memset(p[i], (int)i, 16);
	}
	for (i = 0; i < NR_SIZES; i++) {
		if (((unsigned char *)p[i])[15] != i)
			return 2;
		free(p[i]);
	}
	return 0;
}

static void check_status(const char *what, unsigned i, int status)
{
	if (WIFSIGNALED(status))
		test_fail("%s %u: child expected to exit 0, got signal %d%s",
			  what, i, WTERMSIG(status),
			  WTERMSIG(status) == SIGALRM ?
				  " (deadlock: killed by its alarm)" : "");
	if (WEXITSTATUS(status) != 0)
		test_fail("%s %u: child expected to exit 0, got %d", what, i,
			  WEXITSTATUS(status));
}

static void on_alarm(int sig)
{
	static const char msg[] =
		"forkloop: expected the loops to finish, got a hang\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	unsigned n = (unsigned)test_scale(3000, 1000), i, limit = 20;
	char *const argv_true[] = { (char *)TRUE_PATH, NULL };
	pthread_t th[WORKERS];
	int status;
	pid_t pid;

	test_init();
	if (test_valgrind()) {
		n = 10;
		limit = 600;
		careful = 1;
	}
	if (access(TRUE_PATH, X_OK) != 0)
		test_skip("no %s", TRUE_PATH);
	signal(SIGALRM, on_alarm);
	alarm(limit);
	for (i = 0; i < WORKERS; i++)
		if (pthread_create(&th[i], NULL, hammer,
				   (void *)(uintptr_t)(test_seed / WORKERS *
						       WORKERS + i)))
			test_error("pthread_create failed");

	for (i = 0; i < n; i++) {
		alarm(limit);
		if (careful)
			pthread_rwlock_wrlock(&window);
		pid = fork();
		if (careful && pid != 0)
			pthread_rwlock_unlock(&window);
		if (pid < 0)
			test_error("fork failed: %s", strerror(errno));
		if (pid == 0) {
			signal(SIGALRM, SIG_DFL);
			alarm(limit / 2);
			_exit(child_work());
		}
		if (waitpid(pid, &status, 0) != pid)
			test_error("waitpid failed: %s", strerror(errno));
		check_status("fork", i, status);
	}
	for (i = 0; i < n; i++) {
		alarm(limit);
		pid = vfork();
		if (pid < 0)
			test_error("vfork failed: %s", strerror(errno));
		if (pid == 0) {
			execve(TRUE_PATH, argv_true, environ);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			test_error("waitpid failed: %s", strerror(errno));
		check_status("vfork", i, status);
	}
	for (i = 0; i < n; i++) {
		int err;

		alarm(limit);
		err = posix_spawn(&pid, TRUE_PATH, NULL, NULL, argv_true,
				      environ);

		if (err)
			test_error("posix_spawn failed: %s", strerror(err));
		if (waitpid(pid, &status, 0) != pid)
			test_error("waitpid failed: %s", strerror(errno));
		check_status("posix_spawn", i, status);
	}

	atomic_store(&stop, 1);
	for (i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	alarm(0);
	printf("forkloop: %u forks, vforks and posix_spawns beside %d "
	       "allocating threads\n", n, WORKERS);
	return 0;
}

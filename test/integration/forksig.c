/*
 * forksig.c - fork() from a signal handler of a single-threaded program.
 *
 * Property checked: a program with one thread whose SIGALRM handler
 * forks while the main loop is inside malloc, realloc or free (an
 * interval timer fires every few hundred microseconds while the loop
 * allocates and frees across every route, so the handler often lands
 * inside the allocator, holding a lock or halfway through a list update)
 * does not hang, and each child can allocate, check and free blocks of
 * every route, then exits 0.  glibc takes no malloc lock at such a fork;
 * kmm must not either, and its child must not trust what the interrupted
 * frame was changing.
 *
 * The forking process runs in a child of the test, which reports each
 * fork through a pipe; a watchdog (alarm()) kills and reports it when no
 * fork completes for 20 s.  Each grandchild has its
 * own alarm.  On glibc the grandchildren exit without allocating: glibc's
 * malloc gives the child of such a fork no guarantee (its heap may be
 * mid-update), kmm does.
 *
 * forksig.sh runs it on glibc, preloaded and linked with -lkmm.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static const size_t sizes[] = {
	16, 24, 64, 100, 256, 1000, 2048, 4096, 10000, 32768, 40000,
	100000, 300000, 1 << 20, (4 << 20) + 1, 8 << 20,
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))
#define TOUCH 4096
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int on_kmm, child_alarm = 10, progress_fd = -1;
static volatile sig_atomic_t forks, failed;
static volatile int fail_status;

/* What a grandchild does: every route, content checked, then exit. */
static int child_work(void)
{
	void *p[NR_SIZES];
	unsigned char *r = NULL;
	unsigned i;
	size_t j;

	/* A thousand children: each touches a page per block at most. */
	for (i = 0; i < NR_SIZES; i++) {
		p[i] = malloc(sizes[i]);
		if (!p[i])
			return 1;
		memset(p[i], (int)i, MIN(sizes[i], TOUCH));
	}
	for (i = 0; i < NR_SIZES; i++) {
		unsigned char *b = p[i];

		for (j = 0; j < MIN(sizes[i], TOUCH); j += 61)
			if (b[j] != (unsigned char)i)
				return 2;
		free(p[i]);
	}
	/* Up to page runs: a realloc to vmalloc sizes copies megabytes. */
	for (i = 0; i < NR_SIZES - 3; i++) {
		unsigned char *q = realloc(r, sizes[i]);

		if (!q)
			return 3;
		if (i > 0 && q[0] != (unsigned char)(i - 1))
			return 4;
		r = q;
		memset(r, (int)i, MIN(sizes[i], TOUCH));
	}
	free(r);
	/* Many small blocks: the per-thread lists fill and spill. */
	for (i = 0; i < 2; i++) {
		void *v[2000];
		unsigned k;

		for (k = 0; k < 2000; k++) {
			v[k] = malloc(16 + 8 * (k % 40));
			if (!v[k])
				return 5;
			memset(v[k], 0x5a, 16);
		}
		for (k = 0; k < 2000; k++)
			free(v[k]);
	}
	return 0;
}

/*
 * The next signal comes 50 to 800 us after this one is handled, so the
 * main loop runs between forks and they land all over it.
 */
static void arm_timer(void)
{
	static uint64_t s = 88172645463325252ULL;
	struct itimerval it = { .it_interval = { 0, 0 } };

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	it.it_value.tv_usec = 50 + (long)(s % 750);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Only async-signal-safe calls here (and allocation in the child). */
static void on_alarm(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm((unsigned)child_alarm);
		_exit(on_kmm ? child_work() : 0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fail_status = status;
			failed = 1;
		}
	} else {
		failed = 2;
	}
	forks++;
	/* One byte per fork tells the watchdog the process is alive. */
	if (write(progress_fd, "f", 1) < 0)
		failed = 2;
	arm_timer();
	errno = saved;
}

/* The single-threaded program: allocates and frees until enough forks. */
static int worker(unsigned want)
{
	static void *slot[256];
	struct sigaction sa;
	struct itimerval it;
	uint64_t s = test_seed;
	unsigned i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return 90;
	arm_timer();
	while (forks < (sig_atomic_t)want && !failed) {
		unsigned k;

		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (unsigned)(s >> 33) % 256;
		if (slot[k] && (s >> 20) % 4 == 0) {
			size_t n = sizes[(s >> 40) % (NR_SIZES - 2)];
			void *q = realloc(slot[k], n);

			if (q)
				slot[k] = q;
		} else if (slot[k]) {
			free(slot[k]);
			slot[k] = NULL;
		} else {
			/* Large sizes rarely: they cost system calls. */
			size_t n = sizes[(s >> 40) % (NR_SIZES - 3)];

			if ((s >> 24) % 64 == 0)
				n = sizes[NR_SIZES - 1 - (s >> 28) % 3];
			slot[k] = malloc(n);
			if (slot[k])
				memset(slot[k], 1, n < 64 ? n : 64);
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < 256; i++)
		free(slot[i]);
	if (failed == 2)
		return 91;
	if (failed) {
		if (WIFSIGNALED(fail_status))
			fprintf(stderr, "fork %d: child expected to exit 0, got signal %d%s\n",
				(int)forks, WTERMSIG(fail_status),
				WTERMSIG(fail_status) == SIGALRM ?
					" (deadlock: killed by its alarm)" : "");
		else
			fprintf(stderr, "fork %d: child expected to exit 0, got %d\n",
				(int)forks, WEXITSTATUS(fail_status));
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t timed_out;

static void on_watchdog(int sig)
{
	(void)sig;
	timed_out = 1;
}

int main(int argc, char **argv)
{
	unsigned want = (unsigned)test_scale(3000, 1000);
	unsigned limit = 20;
	struct sigaction sa;
	int status, fds[2];
	char buf[256];
	pid_t pid;

	test_init();
	on_kmm = argc > 1 && strcmp(argv[1], "kmm") == 0;
	if (test_valgrind()) {
		want = 20;
		limit = 600;
		child_alarm = 300;
	}
	if (pipe(fds))
		test_error("pipe failed: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		test_error("fork failed: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		progress_fd = fds[1];
		_exit(worker(want));
	}
	close(fds[1]);
	/*
	 * The watchdog: a hang is no fork done for limit seconds (a slow
	 * machine only makes the run longer).  No SA_RESTART: the alarm
	 * must interrupt read.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	for (;;) {
		ssize_t n;

		alarm(limit);
		n = read(fds[0], buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == 0)
			break;
		if (errno != EINTR)
			test_error("read failed: %s", strerror(errno));
		if (timed_out) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			test_fail("expected %u forks from the signal handler, "
				  "got none for %u s: a hang (deadlock)", want,
				  limit);
		}
	}
	alarm(0);
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid failed: %s", strerror(errno));
	if (WIFSIGNALED(status))
		test_fail("forking process: expected exit 0, got signal %d",
			  WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		test_fail("forking process: expected exit 0, got %d",
			  WEXITSTATUS(status));
	printf("forksig: %u forks from a signal handler, children exited 0\n",
	       want);
	return 0;
}

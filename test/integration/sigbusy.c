/*
 * sigbusy.c - helper of sigstats.sh: two threads allocate and free
 * without pause (slab objects, page runs, a vmalloc area now and then)
 * until the file argv[1] exists, so that signals land inside malloc and
 * free.  Prints "ready" once both threads run; exits 0.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *stop;
static volatile int running;

static void *churn(void *arg)
{
	static const size_t sizes[] = { 24, 100, 700, 5000, 70000, 5 << 20 };
	void *held[64] = { 0 };
	unsigned int seed = (unsigned int)(uintptr_t)arg, i = 0;

	__atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	while (access(stop, F_OK) != 0) {
		unsigned int k;

		for (k = 0; k < 1000; k++, i++) {
			unsigned int slot = (unsigned int)rand_r(&seed) % 64;
			size_t n = sizes[i % 97 == 0 ? 5 : (unsigned int)rand_r(&seed) % 5];

			free(held[slot]);
			held[slot] = malloc(n);
			if (!held[slot])
				abort();
			memset(held[slot], 1, n < 4096 ? n : 4096);
		}
	}
	for (i = 0; i < 64; i++)
		free(held[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 2)
		return 99;
	stop = argv[1];
	if (pthread_create(&t, NULL, churn, (void *)1))
		return 99;
	while (!__atomic_load_n(&running, __ATOMIC_SEQ_CST))
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	churn((void *)2);
	pthread_join(t, NULL);
	return 0;
}

/*
 * reusefd.c - helper of stats.sh: a program that takes over descriptors
 * as programs do, then allocates and exits normally.
 *
 *   reusefd stderr FILE   closes fd 2 and opens FILE, which gets fd 2
 *   reusefd all FILE      opens FILE and puts it, with dup2, on every
 *                         other descriptor from 3 to 4095 that is open
 *
 * Either way it writes "data" to fd 2 (and to every reused descriptor),
 * so FILE must hold exactly one "data" line per descriptor at the end.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *p[64];
	int fd, i, reused = 0;

	if (argc != 3)
		return 99;
	if (!strcmp(argv[1], "stderr")) {
		close(2);
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd != 2)
			return 99;
		if (write(2, "data\n", 5) != 5)
			return 99;
	} else if (!strcmp(argv[1], "all")) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
			  0644);
		if (fd < 0)
			return 99;
		for (i = 3; i < 4096; i++) {
			if (i == fd || fcntl(i, F_GETFD) < 0)
				continue;
			if (dup2(fd, i) != i || write(i, "data\n", 5) != 5)
				return 99;
			reused++;
		}
		if (!reused)
			return 99;
	} else {
		return 99;
	}
	for (i = 0; i < 64; i++)
		p[i] = malloc((size_t)(i + 1) * 100);
	for (i = 0; i < 64; i++)
		free(p[i]);
	return 0;
}

/*
 * kmalloc_threshold - KMM_VMALLOC_THRESHOLD moves the line between page
 * runs and vmalloc: with 1M, kmalloc(1 MiB) is a page run and one byte
 * more a vmalloc area, power-of-two sizes up to it stay naturally
 * aligned, and krealloc across it keeps contents; "2M" and "2097152"
 * mean the same; a value above 4 MiB is clamped to 4 MiB and one below
 * the largest slab class (32 KiB) to 32 KiB, each with a one-line
 * "kmm: warning:" naming the variable; a value that is not a size gets a
 * warning and the default.  Each setting runs in a fresh process (the
 * options are read once), which this program starts with itself.
 */
#include "ut.h"

/* -------------------------------------------------------- child side */

static void expect_route(size_t size, int vm)
{
	unsigned char *p = kmalloc(size, GFP_KERNEL);
	int is_vm;

	expect(p != NULL, "kmalloc(%zu): expected a block", size);
	is_vm = is_vmalloc_addr(p);
	expect(is_vm == vm && (vm || virt_to_page(p) != NULL),
	       "kmalloc(%zu) with KMM_VMALLOC_THRESHOLD=%s: expected %s, got "
	       "%s", size, getenv("KMM_VMALLOC_THRESHOLD"),
	       vm ? "a vmalloc area" : "a page run or slab object",
	       is_vm ? "a vmalloc area" : "no vmalloc area");
	p[0] = 1;
	p[size - 1] = 2;
	kfree(p);
}

static int child(size_t threshold)
{
	size_t s;
	unsigned char *p;
	size_t i;

	expect_route(threshold, 0);
	expect_route(threshold + 1, 1);
	expect_route(threshold + PAGE_SIZE, 1);
	expect_route(32768, 0);
	/* Natural alignment holds up to the threshold. */
	for (s = 4096; s <= threshold; s *= 2) {
		void *q = kmalloc(s, GFP_KERNEL);

		expect(q != NULL && (uintptr_t)q % s == 0,
		       "kmalloc(%zu) = %p below the threshold: expected "
		       "natural alignment", s, q);
		kfree(q);
	}
	/* krealloc across the line and back keeps contents. */
	p = kmalloc(threshold, GFP_KERNEL);
	expect_nonnull(p);
	for (i = 0; i < threshold; i += 997)
		p[i] = (unsigned char)(i >> 3);
	p = krealloc(p, threshold * 2, GFP_KERNEL);
	expect(p != NULL && is_vmalloc_addr(p), "krealloc past the threshold");
	for (i = 0; i < threshold; i += 997)
		expect(p[i] == (unsigned char)(i >> 3), "byte %zu kept", i);
	p = krealloc(p, threshold / 2, GFP_KERNEL);
	expect_nonnull(p);
	for (i = 0; i < threshold / 2; i += 997)
		expect(p[i] == (unsigned char)(i >> 3), "byte %zu kept", i);
	kfree(p);
	return 0;
}

/* ------------------------------------------------------- parent side */

struct setting {
	const char *value;	/* KMM_VMALLOC_THRESHOLD */
	size_t threshold;	/* what it must act as */
	int warns;
};

static void run_setting(const char *self, const struct setting *st)
{
	char tmpl[] = "/tmp/kmm-ut-thr-XXXXXX", arg[32], *err;
	int fd = mkstemp(tmpl), status;
	off_t len;
	pid_t pid;

	if (fd < 0)
		test_error("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	snprintf(arg, sizeof(arg), "%zu", st->threshold);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		test_error("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd, 2);
		setenv("KMM_VMALLOC_THRESHOLD", st->value, 1);
		execl(self, self, "child", arg, (char *)NULL);
		_exit(99);
	}
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid: %s", strerror(errno));
	len = lseek(fd, 0, SEEK_END);
	err = calloc(1, (size_t)len + 1);
	if (!err || pread(fd, err, (size_t)len, 0) != len)
		test_error("reading the child's stderr");
	close(fd);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "KMM_VMALLOC_THRESHOLD=%s: expected the child to pass, got "
	       "status %#x; its stderr:\n%s", st->value, status, err);
	if (st->warns)
		expect(strstr(err, "kmm: warning:") != NULL &&
			       strstr(err, "KMM_VMALLOC_THRESHOLD") != NULL &&
			       strchr(err, '\n') == strrchr(err, '\n'),
		       "KMM_VMALLOC_THRESHOLD=%s: expected one \"kmm: warning:"
		       "\" line naming it, got \"%s\"", st->value, err);
	else
		expect(err[0] == '\0', "KMM_VMALLOC_THRESHOLD=%s: expected "
		       "nothing on stderr, got \"%s\"", st->value, err);
	free(err);
}

int main(int argc, char **argv)
{
	static const struct setting settings[] = {
		{ "1M", 1 << 20, 0 },
		{ "2M", 2 << 20, 0 },
		{ "2097152", 2 << 20, 0 },
		{ "256K", 256 << 10, 0 },
		{ "16M", 4 << 20, 1 },
		{ "1K", 32 << 10, 1 },
		{ "banana", 4 << 20, 1 },
		{ "12Q", 4 << 20, 1 },
	};
	char self[4096];
	ssize_t n;
	size_t i;

	test_init();
	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(strtoul(argv[2], NULL, 0));

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		test_error("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	/* Under memcheck, /proc/self/exe may be Valgrind: use argv[0]. */
	if (UT_ON_VALGRIND() && strchr(argv[0], '/'))
		snprintf(self, sizeof(self), "%s", argv[0]);
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		run_setting(self, &settings[i]);
	return 0;
}

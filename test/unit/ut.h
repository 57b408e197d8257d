/*
 * ut.h - helpers of the unit tests of the layers, on top of test.h (its
 * expectations, seed and modes): per-thread random streams, patterns
 * written into blocks and checked before they are freed, kmm_dump()
 * captured as text and slabinfo parsed, stderr captured, and the page
 * allocator's counters.
 *
 * The unit tests link libkmm_core.la, which does not replace malloc, so
 * the helpers use stdio and malloc freely; they may also call the hidden
 * helpers of src/internal.h (kmm_buddy_check(), kmm_page_stats(), ...).
 */
#ifndef KMM_UT_H
#define KMM_UT_H

#include "config.h"	/* first: _GNU_SOURCE */

#include <sys/cdefs.h>
#undef __always_inline	/* compiler.h gives its own, same meaning */
#include "kmm.h"
#include "internal.h"
#include "kmalloc.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "page_runs.h"
#include "printk.h"
#include "slab.h"
#include "thread.h"
#include "vmalloc.h"
#include "test.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

/*
 * Under memcheck kmm takes its memcheck layout (src/track.c): red zones after
 * blocks, a quarantine of freed blocks, ksize() the size asked for.  The
 * tests then check what the API promises (contents, alignment, errors)
 * but not the native layout (slab counts, page costs, in-place moves):
 * those checks are under ut_native(), which is false under KMM_DEBUG too.
 */
#ifdef KMM_VALGRIND
#include <valgrind/valgrind.h>
#define UT_ON_VALGRIND() (test_valgrind() || RUNNING_ON_VALGRIND != 0)
/* Runs stmt with memcheck's error reports off, as kmm's entry points do. */
#define UT_VG_QUIET(stmt)                               \
	do {                                            \
		VALGRIND_DISABLE_ERROR_REPORTING;       \
		stmt;                                   \
		VALGRIND_ENABLE_ERROR_REPORTING;        \
	} while (0)
#else
#define UT_ON_VALGRIND() test_valgrind()
#define UT_VG_QUIET(stmt) \
	do {              \
		stmt;     \
	} while (0)
#endif

/*
 * KMM_TEST_DEBUG (test/Makefile.am) runs the suite with KMM_DEBUG set: the
 * debug caches' layout is not the native one either, and their threads
 * keep no lists.
 */
static inline int ut_kmm_debug(void)
{
	const char *d = getenv("KMM_TEST_DEBUG");

	return d && *d;
}

static inline int ut_native(void)
{
	return !UT_ON_VALGRIND() && !ut_kmm_debug();
}

/* Skips a test whose subject KMM_DEBUG's checks change (why says what). */
#define ut_skip_under_kmm_debug(why)                                      \
	do {                                                              \
		if (ut_kmm_debug())                                       \
			test_skip("KMM_DEBUG is set: %s", why);           \
	} while (0)

/*
 * Slabs that the objects the calling thread keeps on its list for a cache
 * may hold: at most its list's limit (cpu_limit, or more once the list
 * grew), freed in order, over whole slabs and one more.
 */
static inline unsigned long ut_list_slabs(const void *cache)
{
	const struct kmm_cache *s = cache;
	unsigned int limit = kmm_current->objs[s->index].limit;

	if (limit < s->cpu_limit)
		limit = s->cpu_limit;
	return (limit + s->objects - 1) / s->objects + 1;
}

/*
 * Empty slabs a cache may keep once its objects are freed: as many as it
 * recently had in use, within a quarter of KMM_RETAIN (slab.c).
 */
static inline unsigned long ut_empty_slabs(void *cache)
{
	return kmm_slab_empty_limit(cache);
}

/* ------------------------------------------------------- random numbers */

struct ut_rng {
	uint64_t s;
};

/* splitmix64: small, fast, good enough to pick sizes and orders. */
static inline uint64_t ut_next(struct ut_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint64_t ut_below(struct ut_rng *r, uint64_t n)
{
	return n ? ut_next(r) % n : 0;
}

/* Stream number stream of this run's seed, one per thread. */
static inline void ut_rng_init(struct ut_rng *r, uint64_t stream)
{
	r->s = test_seed * 0x100000001b3ULL + stream * 0x9e3779b97f4a7c15ULL;
	ut_next(r);
}

/* ------------------------------------------------------------ patterns */

/* The word stored at index i of a block tagged tag. */
static inline uint64_t ut_pattern_word(uint64_t tag, size_t i)
{
	uint64_t z = tag * 0x9e3779b97f4a7c15ULL + i;

	return z ^ (z >> 29);
}

/* Fills len bytes (any length, any alignment) with tag's pattern. */
static inline void ut_fill(void *p, size_t len, uint64_t tag)
{
	unsigned char *c = p;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++) {
		uint64_t w = ut_pattern_word(tag, i);

		memcpy(c + i * 8, &w, 8);
	}
	for (i = 0; i < len % 8; i++)
		c[n * 8 + i] = (unsigned char)(tag + i);
}

/* Index of the first byte that differs from tag's pattern, or -1. */
static inline long ut_check(const void *p, size_t len, uint64_t tag)
{
	const unsigned char *c = p;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++) {
		uint64_t w;

		memcpy(&w, c + i * 8, 8);
		if (w != ut_pattern_word(tag, i))
			return (long)(i * 8);
	}
	for (i = 0; i < len % 8; i++)
		if (c[n * 8 + i] != (unsigned char)(tag + i))
			return (long)(n * 8 + i);
	return -1;
}

/*
 * Pattern on a large block: only the first and last 64 bytes of every
 * page, so blocks of megabytes stay cheap (and untouched pages stay out
 * of RSS) while overlapping blocks are still caught.
 */
static inline void ut_fill_sparse(void *p, size_t len, uint64_t tag)
{
	size_t off;

	for (off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;

		if (n <= 128) {
			ut_fill((char *)p + off, n, tag + off);
		} else {
			ut_fill((char *)p + off, 64, tag + off);
			ut_fill((char *)p + off + n - 64, 64, tag + off + 1);
		}
	}
}

static inline long ut_check_sparse(const void *p, size_t len, uint64_t tag)
{
	size_t off;
	long r;

	for (off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;

		if (n <= 128) {
			r = ut_check((const char *)p + off, n, tag + off);
			if (r >= 0)
				return (long)off + r;
		} else {
			r = ut_check((const char *)p + off, 64, tag + off);
			if (r >= 0)
				return (long)off + r;
			r = ut_check((const char *)p + off + n - 64, 64,
				     tag + off + 1);
			if (r >= 0)
				return (long)(off + n - 64) + r;
		}
	}
	return -1;
}

/* Index of the first non-zero byte of p[0..len), or -1. */
static inline long ut_nonzero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i = 0;

	for (; i < len && ((uintptr_t)(c + i) & 7); i++)
		if (c[i])
			return (long)i;
	for (; i + 8 <= len; i += 8)
		if (*(const uint64_t *)(c + i))
			break;
	for (; i < len; i++)
		if (c[i])
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------- kmm_dump */

/*
 * Runs kmm_dump(what) into an anonymous file and returns its text
 * (malloc'd, NUL-terminated), or NULL with the dump's errno.
 */
static inline char *ut_dump(const char *what)
{
	char tmpl[] = "/tmp/kmm-ut-XXXXXX";
	int fd = mkstemp(tmpl);
	char *buf;
	off_t len;
	int r, err;

	if (fd < 0)
		test_error("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	r = kmm_dump(fd, what);
	err = errno;
	if (r != 0) {
		close(fd);
		errno = err;
		return NULL;
	}
	len = lseek(fd, 0, SEEK_END);
	if (len < 0)
		test_error("lseek: %s", strerror(errno));
	buf = malloc((size_t)len + 1);
	if (!buf)
		test_error("out of memory");
	if (pread(fd, buf, (size_t)len, 0) != len)
		test_error("pread: %s", strerror(errno));
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* One cache's line of /proc/slabinfo version 2.1. */
struct ut_slabinfo {
	char name[64];
	unsigned long active_objs, num_objs;
	unsigned int objsize, objperslab, pagesperslab;
	unsigned int limit, batchcount, sharedfactor;
	unsigned long active_slabs, num_slabs, sharedavail;
};

/* Parses one cache line; 0 on success, -1 if it is not one. */
static inline int ut_parse_slabinfo_line(const char *line,
					 struct ut_slabinfo *si)
{
	int n = 0;

	memset(si, 0, sizeof(*si));
	if (sscanf(line,
		   "%63s %lu %lu %u %u %u : tunables %u %u %u : slabdata "
		   "%lu %lu %lu%n",
		   si->name, &si->active_objs, &si->num_objs, &si->objsize,
		   &si->objperslab, &si->pagesperslab, &si->limit,
		   &si->batchcount, &si->sharedfactor, &si->active_slabs,
		   &si->num_slabs, &si->sharedavail, &n) != 12)
		return -1;
	while (line[n] == ' ')
		n++;
	return line[n] == '\0' || line[n] == '\n' ? 0 : -1;
}

/* Finds cache @name in a fresh slabinfo dump: 0, or -1 if absent. */
static inline int ut_slabinfo(const char *name, struct ut_slabinfo *out)
{
	char *text = ut_dump("slabinfo");
	char *line, *save = NULL;
	int found = -1;

	if (!text)
		test_error("kmm_dump(slabinfo): %s", strerror(errno));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ut_slabinfo si;

		if (ut_parse_slabinfo_line(line, &si) == 0 &&
		    strcmp(si.name, name) == 0) {
			*out = si;
			found = 0;
			break;
		}
	}
	free(text);
	return found;
}

/* ------------------------------------------------------------- helpers */

/*
 * Free pages of the page allocator, with this thread's lists drained.
 * The thread's own state (taken from the page allocator on its first
 * allocation) is made first, so that it never counts as a difference.
 */
static inline size_t ut_free_pages(void)
{
	struct kmm_page_stats st;

	/* Internal: kmm's own memory, which memcheck sees as NOACCESS. */
	UT_VG_QUIET((void)kmm_thread_slow());
	kmm_drain_local_pages();
	kmm_page_stats(&st);
	return st.free_pages;
}

static inline size_t ut_zones(void)
{
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	return st.zones;
}

/*
 * Captures what a function writes to stderr (fd 2) while it runs.
 * Returns the text, malloc'd.
 */
static inline char *ut_capture_stderr(void (*fn)(void *), void *arg)
{
	char tmpl[] = "/tmp/kmm-ut-err-XXXXXX";
	int fd = mkstemp(tmpl), saved;
	off_t len;
	char *buf;

	if (fd < 0)
		test_error("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(fd, 2) < 0)
		test_error("dup2: %s", strerror(errno));
	fn(arg);
	fflush(stderr);
	if (dup2(saved, 2) < 0)
		test_error("dup2: %s", strerror(errno));
	close(saved);
	len = lseek(fd, 0, SEEK_END);
	buf = malloc((size_t)len + 1);
	if (!buf)
		test_error("out of memory");
	if (pread(fd, buf, (size_t)len, 0) != len)
		test_error("pread: %s", strerror(errno));
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * Runs fn(arg) in a child process with the default action for SIGSEGV,
 * SIGBUS and SIGABRT (whatever a sanitizer installed), its stderr
 * captured.  Returns the wait status; *err gets the text (malloc'd).
 */
static inline int ut_run_child(void (*fn)(void *), void *arg, char **err)
{
	char tmpl[] = "/tmp/kmm-ut-child-XXXXXX";
	int fd = mkstemp(tmpl), status;
	off_t len;
	pid_t pid;

	if (fd < 0)
		test_error("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		test_error("fork: %s", strerror(errno));
	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		sigaction(SIGABRT, &sa, NULL);
		dup2(fd, 2);
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		test_error("waitpid: %s", strerror(errno));
	len = lseek(fd, 0, SEEK_END);
	*err = malloc((size_t)len + 1);
	if (!*err)
		test_error("out of memory");
	if (pread(fd, *err, (size_t)len, 0) != len)
		test_error("pread: %s", strerror(errno));
	(*err)[len] = '\0';
	close(fd);
	return status;
}

/* ------------------------------------------------------------- options */

/*
 * Makes sure this run has each "NAME=VALUE" of env in its environment
 * from the start, running the program again with them if not: kmm reads
 * its KMM_* options once, when it initializes, and that may be before
 * main() (an ELF constructor).  Under make check-valgrind the new run is
 * under memcheck too, with valgrind-wrap.sh's options.
 */
static inline void ut_reexec_with_env(char **argv, const char *const *env)
{
	const char *vg_opts[] = {
		"--quiet", "--error-exitcode=1", "--leak-check=full",
		"--errors-for-leak-kinds=definite",
		"--show-leak-kinds=definite", "--num-callers=30",
	};
	char self[4096], supp[4200], *args[64];
	const char *srcdir = getenv("srcdir");
	int i, n = 0, all_set = 1;
	ssize_t len;

	for (i = 0; env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char name[64];
		const char *cur;

		if (!eq || (size_t)(eq - env[i]) >= sizeof(name))
			test_error("bad environment setting %s", env[i]);
		memcpy(name, env[i], (size_t)(eq - env[i]));
		name[eq - env[i]] = '\0';
		cur = getenv(name);
		if (!cur || strcmp(cur, eq + 1) != 0) {
			all_set = 0;
			if (setenv(name, eq + 1, 1) != 0)
				test_error("setenv %s", env[i]);
		}
	}
	if (all_set)
		return;

	if (strchr(argv[0], '/')) {
		snprintf(self, sizeof(self), "%s", argv[0]);
	} else {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len < 0)
			test_error("readlink /proc/self/exe: %s",
				   strerror(errno));
		self[len] = '\0';
	}
	if (test_valgrind()) {
		const char *vg = getenv("VALGRIND");

		args[n++] = (char *)(vg && *vg ? vg : "valgrind");
		for (i = 0; i < (int)ARRAY_SIZE(vg_opts); i++)
			args[n++] = (char *)vg_opts[i];
		if (srcdir) {
			snprintf(supp, sizeof(supp), "%s/valgrind.supp", srcdir);
			if (access(supp, R_OK) == 0) {
				memmove(supp + 15, supp, strlen(supp) + 1);
				memcpy(supp, "--suppressions=", 15);
				args[n++] = supp;
			}
		}
	}
	args[n++] = self;
	for (i = 1; argv[i] && n < (int)ARRAY_SIZE(args) - 1; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	execvp(args[0], args);
	test_error("exec %s: %s", args[0], strerror(errno));
}

#endif /* KMM_UT_H */

/*
 * os.c - every system call kmm makes.
 *
 * The only includer of <sys/mman.h>.  Each wrapper keeps errno as it was:
 * only the malloc front sets errno, and free() must preserve it.
 */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <stdio.h>	/* rename(2) only: kmm writes with write(2) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

/*
 * Maps anonymous memory without reserving swap; pages are touched only
 * when used.  With fixed_noreplace the mapping is placed at hint or not
 * at all (kernels before 4.17 take the flag as a hint: the caller checks
 * the address it gets).
 */
void *kmm_os_map(void *hint, size_t size, bool fixed_noreplace)
{
	int saved = errno;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	if (fixed_noreplace)
		flags |= MAP_FIXED_NOREPLACE;
	p = mmap(hint, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Maps memory for one vmalloc area.  Unlike zones (large reservations of
 * which a small part is used), an area is what the program asked for: the
 * kernel's overcommit check must see it, so malloc() of more than memory
 * and swap fails with ENOMEM, as on glibc, instead of faulting later.
 */
void *kmm_os_map_area(size_t size)
{
	int saved = errno;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Maps size bytes exactly at addr, next to a mapping of kmm's (a zone
 * growing in place).  Returns 0 or the error: EEXIST when something else
 * is there already, ENOMEM when the address space is full (RLIMIT_AS).
 */
int kmm_os_map_fixed(void *addr, size_t size)
{
	int saved = errno, err = 0;
	void *p = mmap(addr, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED) {
		err = errno;
	} else if (p != addr) {
		/* An old kernel took the flag as a hint. */
		munmap(p, size);
		err = EEXIST;
	}
	errno = saved;
	return err;
}

/*
 * The address-space limit (RLIMIT_AS, ulimit -v) in bytes, SIZE_MAX if
 * there is none.  Read where a zone is made: a program may lower it.
 */
size_t kmm_os_as_limit(void)
{
	int saved = errno;
	struct rlimit rl;
	size_t limit = SIZE_MAX;

	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (size_t)rl.rlim_cur;
	errno = saved;
	return limit;
}

int kmm_os_unmap(void *addr, size_t size)
{
	int saved = errno;
	int ret = munmap(addr, size);

	errno = saved;
	return ret;
}

/*
 * Gives pages back.  MADV_DONTNEED, not MADV_FREE: RSS drops at once,
 * and the pages read as zero afterwards, which __GFP_ZERO relies on.
 */
int kmm_os_release(void *addr, size_t size)
{
	int saved = errno;
	int ret = madvise(addr, size, MADV_DONTNEED);

	errno = saved;
	return ret;
}

void kmm_os_nohugepage(void *addr, size_t size)
{
	int saved = errno;

	madvise(addr, size, MADV_NOHUGEPAGE);
	errno = saved;
}

void kmm_os_hugepage(void *addr, size_t size)
{
	int saved = errno;

	madvise(addr, size, MADV_HUGEPAGE);
	errno = saved;
}

void *kmm_os_remap(void *old, size_t old_size, size_t new_size)
{
	int saved = errno;
	void *p = mremap(old, old_size, new_size, MREMAP_MAYMOVE);

	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

int kmm_os_protect_none(void *addr, size_t size)
{
	int saved = errno;
	int ret = mprotect(addr, size, PROT_NONE);

	errno = saved;
	return ret;
}

int kmm_os_protect_rw(void *addr, size_t size)
{
	int saved = errno;
	int ret = mprotect(addr, size, PROT_READ | PROT_WRITE);

	errno = saved;
	return ret;
}

/*
 * A guard region that costs no mapping (Linux 6.13, MADV_GUARD_INSTALL):
 * a marker in the page table makes an access fault, and the mapping is
 * not split, so it still merges with its neighbours.  Returns 0 or the
 * error: EINVAL where the kernel does not know the advice.
 */
int kmm_os_guard(void *addr, size_t size)
{
	int saved = errno;
	int err = madvise(addr, size, MADV_GUARD_INSTALL) ? errno : 0;

	errno = saved;
	return err;
}

int kmm_os_unguard(void *addr, size_t size)
{
	int saved = errno;
	int ret = madvise(addr, size, MADV_GUARD_REMOVE);

	errno = saved;
	return ret;
}

/*
 * vm.max_map_count, the most mappings a process may have, read without
 * stdio; 65530 (the kernel's default) if it cannot be read.
 */
unsigned long kmm_os_max_map_count(void)
{
	int saved = errno;
	unsigned long v = 0;
	char buf[32];
	ssize_t n, i;
	int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
			v = v * 10 + (unsigned long)(buf[i] - '0');
		close(fd);
	}
	errno = saved;
	return v ? v : 65530;
}

ssize_t kmm_os_write(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* Opens path to append to, created 0644 if need be: a descriptor or -errno. */
int kmm_os_open_append(const char *path)
{
	int saved = errno;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		fd = -errno;
	errno = saved;
	return fd;
}

int kmm_os_open_read(const char *path)
{
	int saved = errno;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	errno = saved;
	return fd;
}

ssize_t kmm_os_read(int fd, void *buf, size_t len)
{
	int saved = errno;
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		errno = saved;
	return n;
}

ssize_t kmm_os_pread(int fd, void *buf, size_t len, off_t off)
{
	int saved = errno;
	ssize_t n;

	do {
		n = pread(fd, buf, len, off);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		errno = saved;
	return n;
}

/*
 * Copies len bytes of this process at src to dst through the kernel
 * (process_vm_readv on itself), so a page that cannot be read (PROT_NONE,
 * a guard region, unmapped meanwhile, a file mapping past its end) gives
 * a short count instead of a fault.  Returns the bytes copied before the
 * first page that could not be read, or -1 when the kernel refuses the
 * call itself (ENOSYS, EPERM under a seccomp filter).
 */
ssize_t kmm_os_peek(void *dst, const void *src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	int saved = errno;
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	if (n < 0 && errno != ENOSYS && errno != EPERM)
		n = 0;
	errno = saved;
	return n;
}

/*
 * A copy of fd, close-on-exec, at a number programs do not pick: 1000 or
 * above, or 100, or 10 where RLIMIT_NOFILE is lower.  A program that
 * closes or reuses fd 2 leaves the copy alone.  -1 if fd is not open.
 */
int kmm_os_dup_high(int fd)
{
	static const int floor[] = { 1000, 100, 10 };
	int saved = errno, copy = -1;
	unsigned int i;

	for (i = 0; i < sizeof(floor) / sizeof(floor[0]) && copy < 0; i++) {
		copy = fcntl(fd, F_DUPFD_CLOEXEC, floor[i]);
		if (copy < 0 && errno != EINVAL && errno != EMFILE)
			break;
	}
	errno = saved;
	return copy;
}

/*
 * The identity of the file open on fd (device and inode), to tell later
 * whether fd still names it: 0, or -1 if fd is not open.
 */
int kmm_os_file_id(int fd, uint64_t id[2])
{
	int saved = errno;
	struct stat st;
	int ret = fstat(fd, &st);

	errno = saved;
	if (ret < 0)
		return -1;
	id[0] = (uint64_t)st.st_dev;
	id[1] = (uint64_t)st.st_ino;
	return 0;
}

/* Nanoseconds of CLOCK_MONOTONIC (the vDSO: no system call). */
uint64_t kmm_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Opens path for a new file of the owner's alone (0600), never through a
 * symbolic link nor over a file already there: a descriptor or -errno.
 */
int kmm_os_open_private(const char *path)
{
	int saved = errno;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC, 0600);

	if (fd < 0)
		fd = -errno;
	errno = saved;
	return fd;
}

int kmm_os_rename(const char *from, const char *to)
{
	int saved = errno, ret = rename(from, to);

	errno = saved;
	return ret;
}

void kmm_os_unlink(const char *path)
{
	int saved = errno;

	unlink(path);
	errno = saved;
}

/* Installs fn for sig, restarting interrupted system calls: 0 or -1. */
int kmm_os_sigaction(int sig, void (*fn)(int))
{
	struct sigaction sa;
	int saved = errno, ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ret = sigaction(sig, &sa, NULL);
	errno = saved;
	return ret;
}

int kmm_os_sigrtmin(void)
{
	return SIGRTMIN;
}

int kmm_os_sigmax(void)
{
	return SIGRTMAX;
}

pid_t kmm_os_getpid(void)
{
	return getpid();
}

struct module_find {
	uintptr_t addr;
	const char *name;
	uintptr_t offset;
};

static int module_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct module_find *f = arg;
	unsigned int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && f->addr >= start &&
		    f->addr - start < ph->p_memsz) {
			f->name = info->dlpi_name;
			f->offset = f->addr - info->dlpi_addr;
			return 1;
		}
	}
	return 0;
}

/*
 * The loaded object that holds addr: its file name ("" for the program
 * itself) in *name and addr less its load bias in *offset, the address
 * addr2line(1) takes for that file.  -1 if no object holds addr.
 * dl_iterate_phdr allocates nothing but takes the loader's lock: not
 * from a signal handler.
 */
int kmm_os_addr_module(const void *addr, const char **name,
		       uintptr_t *offset)
{
	struct module_find f = { (uintptr_t)addr, NULL, 0 };
	int saved = errno;

	dl_iterate_phdr(module_of, &f);
	errno = saved;
	if (!f.name)
		return -1;
	*name = f.name;
	*offset = f.offset;
	return 0;
}

/* The program's name as run (argv[0] without its directory). */
const char *kmm_os_program(void)
{
	return program_invocation_short_name;
}

void kmm_os_close(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

uint64_t kmm_os_random(void)
{
	int saved = errno;
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)(uintptr_t)&v;
	}
	errno = saved;
	return v;
}

/*
 * Milliseconds of a clock that only goes forward, for the decay of free
 * memory: the coarse clock is read from the vDSO without a system call
 * and is as fine as the decay needs (a few milliseconds).
 */
uint64_t kmm_os_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kmm_os_yield(void)
{
	int saved = errno;

	sched_yield();
	errno = saved;
}

/* readlink(2): the bytes written (no NUL added), or -1; errno kept. */
ssize_t kmm_os_readlink(const char *path, char *buf, size_t len)
{
	int saved = errno;
	ssize_t n = readlink(path, buf, len);

	errno = saved;
	return n;
}

pid_t kmm_os_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * An environment variable, or NULL in a set-user-ID or set-group-ID
 * program, whose environment the user chose (glibc's secure_getenv).
 */
const char *kmm_os_getenv(const char *name)
{
	return secure_getenv(name);
}

/*
 * The environment, for a walk over its names; NULL in a set-user-ID or
 * set-group-ID program, as kmm_os_getenv() answers there.
 */
char *const *kmm_os_environ(void)
{
	if (getauxval(AT_SECURE))
		return NULL;
	return environ;
}

void kmm_os_abort(void)
{
	abort();
}

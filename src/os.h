/*
 * os.h - what os.c offers every layer: each system call kmm makes.
 */
#ifndef KMM_OS_H
#define KMM_OS_H

#include "compiler.h"

void *kmm_os_map(void *hint, size_t size, bool fixed_noreplace);
void *kmm_os_map_area(size_t size);
int kmm_os_map_fixed(void *addr, size_t size);	/* 0 or an errno */
size_t kmm_os_as_limit(void);	/* RLIMIT_AS, SIZE_MAX if none */
int kmm_os_unmap(void *addr, size_t size);
int kmm_os_release(void *addr, size_t size);	/* MADV_DONTNEED */
void kmm_os_nohugepage(void *addr, size_t size);
void kmm_os_hugepage(void *addr, size_t size);
void *kmm_os_remap(void *old, size_t old_size, size_t new_size);
int kmm_os_protect_none(void *addr, size_t size);
int kmm_os_protect_rw(void *addr, size_t size);
int kmm_os_guard(void *addr, size_t size);	/* 0 or an errno */
int kmm_os_unguard(void *addr, size_t size);	/* MADV_GUARD_REMOVE */
unsigned long kmm_os_max_map_count(void);
ssize_t kmm_os_write(int fd, const void *buf, size_t len);
int kmm_os_open_append(const char *path);	/* fd or -errno */
int kmm_os_dup_high(int fd);
int kmm_os_open_private(const char *path);	/* 0600, O_EXCL; or -errno */
int kmm_os_rename(const char *from, const char *to);
void kmm_os_unlink(const char *path);
int kmm_os_sigaction(int sig, void (*fn)(int));
int kmm_os_file_id(int fd, uint64_t id[2]);
uint64_t kmm_os_now_ns(void);
pid_t kmm_os_getpid(void);
int kmm_os_sigrtmin(void);	/* SIGRTMIN, as the C library has it */
int kmm_os_sigmax(void);	/* SIGRTMAX */
const char *kmm_os_program(void);
int kmm_os_addr_module(const void *addr, const char **name,
		       uintptr_t *offset);
void kmm_os_close(int fd);
int kmm_os_open_read(const char *path);
ssize_t kmm_os_read(int fd, void *buf, size_t len);	/* -1 with errno */
ssize_t kmm_os_pread(int fd, void *buf, size_t len, off_t off);
ssize_t kmm_os_peek(void *dst, const void *src, size_t len);
uint64_t kmm_os_random(void);
uint64_t kmm_os_now_ms(void);	/* CLOCK_MONOTONIC_COARSE */
pid_t kmm_os_gettid(void);
ssize_t kmm_os_readlink(const char *path, char *buf, size_t len);
void kmm_os_yield(void);
const char *kmm_os_getenv(const char *name);	/* secure_getenv */
char *const *kmm_os_environ(void);		/* NULL when secure */
void kmm_os_abort(void) __attribute__((noreturn));

#endif /* KMM_OS_H */

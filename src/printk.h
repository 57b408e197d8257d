/*
 * printk.h - what printk.c offers every layer: formatting without stdio
 * or allocation, reports, and the fatal errors of a bad call.
 */
#ifndef KMM_PRINTK_H
#define KMM_PRINTK_H

#include "compiler.h"

int kmm_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void kmm_report(const char *fmt, ...) __printf(1, 2) __cold;
void kmm_fatal(const char *fmt, ...) __printf(1, 2)
	__attribute__((noreturn, cold));
struct kmm_msg {
	char buf[128];
	size_t len;
};
void kmm_msg_str(struct kmm_msg *m, const char *s);
void kmm_msg_num(struct kmm_msg *m, unsigned long v, unsigned int base);
void kmm_msg_send(struct kmm_msg *m);
void kmm_die(const char *fn, const char *what, const void *p,
	     const char *cache) __attribute__((noreturn, cold));
void kmm_invalid_free(const void *obj, const char *fn)
	__attribute__((noreturn, cold));
void kmm_nofail(const char *fn, size_t size) __attribute__((noreturn, cold));
/* addr as "module+0xoffset" (the bare address if nowait); returns buf. */
const char *kmm_format_caller(char *buf, size_t size, const void *addr,
			      bool nowait);
/* strerror's text for the errors of open(2), NULL for others. */
const char *kmm_errno_text(int err);
/* Writes a whole buffer to fd; 0 or -1 with errno. */
int kmm_write_all(int fd, const char *buf, size_t len);

#endif /* KMM_PRINTK_H */

/*
 * printk.c - formatting and reporting without stdio or allocation.
 *
 * kmm_snprintf() knows the conversions kmm uses: %s %c %d %i %u %x %p
 * and %%, with the l, z and ll length modifiers, a field width, '-' to
 * left-align, '0' to pad and '#' for 0x.  Reports are built in a buffer on the stack
 * (256 bytes: the 1 KiB stack budget holds) and written with one write(2).
 */
#include "internal.h"
#include "os.h"
#include "printk.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

struct outbuf {
	char *buf;
	size_t size, len;
};

static void out_char(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_field(struct outbuf *o, const char *s, size_t n, int width,
		      bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			out_char(o, pad);
	while (n--)
		out_char(o, *s++);
	if (left)
		while (fill-- > 0)
			out_char(o, ' ');
}

static size_t utoa(char *end, unsigned long long v, unsigned int base)
{
	static const char digits[] = "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return (size_t)(end - p);
}

static int kmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };
	char num[24];

	for (; *fmt; fmt++) {
		bool left = false, neg = false, alt = false;
		char pad = ' ';
		int width = 0, lng = 0;
		unsigned long long v;
		size_t n;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			out_field(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			num[0] = (char)va_arg(ap, int);
			out_field(&o, num, 1, width, left, ' ');
			break;
		case 'd':
		case 'i': {
			long long sv = lng ? va_arg(ap, long) : va_arg(ap, int);

			neg = sv < 0;
			v = neg ? -(unsigned long long)sv : (unsigned long long)sv;
			n = utoa(num + sizeof(num), v, 10);
			if (neg) {
				num[sizeof(num) - ++n] = '-';
			}
			out_field(&o, num + sizeof(num) - n, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, unsigned long)
				: va_arg(ap, unsigned int);
			n = utoa(num + sizeof(num), v, *fmt == 'u' ? 10 : 16);
			if (alt && *fmt == 'x' && v) {
				num[sizeof(num) - ++n] = 'x';
				num[sizeof(num) - ++n] = '0';
			}
			out_field(&o, num + sizeof(num) - n, n, width, left, pad);
			break;
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			n = utoa(num + sizeof(num), v, 16);
			num[sizeof(num) - ++n] = 'x';
			num[sizeof(num) - ++n] = '0';
			out_field(&o, num + sizeof(num) - n, n, width, left, ' ');
			break;
		case '%':
			out_char(&o, '%');
			break;
		default:
			return -1;
		}
		if (!*fmt)
			break;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int kmm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kmm_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kmm_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = kmm_os_write(fd, buf, len);

		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void vreport(const char *fmt, va_list ap)
{
	char buf[160];
	int n;

	memcpy(buf, "kmm: ", 5);
	n = kmm_vsnprintf(buf + 5, sizeof(buf) - 6, fmt, ap);
	if (n < 0)
		n = 0;
	n += 5;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	kmm_write_all(2, buf, (size_t)n);
}

void kmm_report(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	errno = saved;
}

void kmm_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	kmm_os_abort();
}

/*
 * Messages built piece by piece, for the paths that must stay shallow:
 * no variadic call (its register save area alone is 176 bytes) and no
 * formatting engine.  The buffer lives in the caller's frame.
 */
void kmm_msg_str(struct kmm_msg *m, const char *s)
{
	while (*s && m->len < sizeof(m->buf) - 1)
		m->buf[m->len++] = *s++;
}

void kmm_msg_num(struct kmm_msg *m, unsigned long v, unsigned int base)
{
	char num[24];
	size_t n = utoa(num + sizeof(num), v, base);

	if (base == 16)
		kmm_msg_str(m, "0x");
	if (m->len + n < sizeof(m->buf) - 1) {
		memcpy(m->buf + m->len, num + sizeof(num) - n, n);
		m->len += n;
	}
}

void kmm_msg_send(struct kmm_msg *m)
{
	int saved = errno;

	m->buf[m->len++] = '\n';
	kmm_write_all(2, m->buf, m->len);
	errno = saved;
}

/* "kmm: <fn>(): <what> <p> (cache <cache>)", then abort. */
void kmm_die(const char *fn, const char *what, const void *p,
	     const char *cache)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: ");
	kmm_msg_str(&m, fn);
	kmm_msg_str(&m, "(): ");
	kmm_msg_str(&m, what);
	if (p) {
		kmm_msg_str(&m, " ");
		kmm_msg_num(&m, (uintptr_t)p, 16);
	}
	if (cache) {
		kmm_msg_str(&m, " (cache ");
		kmm_msg_str(&m, cache);
		kmm_msg_str(&m, ")");
	}
	kmm_msg_send(&m);
	kmm_os_abort();
}

/*
 * An allocation with __GFP_NOFAIL failed, which its caller cannot handle:
 * "kmm: <fn>: __GFP_NOFAIL allocation of <size> bytes failed", then
 * abort.  The kernel would retry forever; a process that cannot have the
 * memory (KMM_MEMORY_LIMIT, or the system refuses it) would hang.
 */
void kmm_nofail(const char *fn, size_t size)
{
	struct kmm_msg m = { .len = 0 };

	kmm_msg_str(&m, "kmm: ");
	kmm_msg_str(&m, fn);
	kmm_msg_str(&m, ": __GFP_NOFAIL allocation of ");
	kmm_msg_num(&m, size, 10);
	kmm_msg_str(&m, " bytes failed");
	kmm_msg_send(&m);
	kmm_os_abort();
}

/*
 * A pointer kmm did not hand out, or not at this address: "kmm: <fn>():
 * invalid pointer <p>", then abort.  Slab, kmalloc and vmalloc frees
 * all end here; no cache is named since none owns the pointer.
 */
void kmm_invalid_free(const void *obj, const char *fn)
{
	kmm_die(fn, "invalid pointer", obj, NULL);
}

/*
 * "kmm: BUG at <file>:<line>: <condition>", then abort.  Written piece by
 * piece without a buffer: a KMM_BUG_ON may sit at the bottom of the
 * deepest call chain (test/stack/callgraph.sh).
 */
void kmm_bug(const char *file, int line, const char *cond)
{
	const char *base = strrchr(file, '/');
	char num[12];
	size_t n = utoa(num + sizeof(num), (unsigned int)line, 10);

	file = base ? base + 1 : file;
	kmm_write_all(2, "kmm: BUG at ", 12);
	kmm_write_all(2, file, strlen(file));
	kmm_write_all(2, ":", 1);
	kmm_write_all(2, num + sizeof(num) - n, n);
	kmm_write_all(2, ": ", 2);
	kmm_write_all(2, cond, strlen(cond));
	kmm_write_all(2, "\n", 1);
	kmm_os_abort();
}

/*
 * The text of the errors opening a file can give, as strerror(3) has
 * them; strerror itself may allocate (a message for an unknown number,
 * a translation).  NULL for others: the caller prints the number.
 */
const char *kmm_errno_text(int err)
{
	switch (err) {
	case ENOENT: return "No such file or directory";
	case EACCES: return "Permission denied";
	case EPERM: return "Operation not permitted";
	case ENOTDIR: return "Not a directory";
	case EISDIR: return "Is a directory";
	case EROFS: return "Read-only file system";
	case ENOSPC: return "No space left on device";
	case EDQUOT: return "Disk quota exceeded";
	case EMFILE: return "Too many open files";
	case ENFILE: return "Too many open files in system";
	case ENAMETOOLONG: return "File name too long";
	case ELOOP: return "Too many levels of symbolic links";
	case ETXTBSY: return "Text file busy";
	case EINVAL: return "Invalid argument";
	case ENOMEM: return "Cannot allocate memory";
	}
	return NULL;
}

/*
 * addr as "module+0xoffset" ("python3+0x1a2b3c", "libc.so.6+0x2a1ca"),
 * the module named without its directory, the program by the name it
 * was run as; offset is what addr2line(1) takes for that file.  In a
 * report written at a signal the loader's lock may be held: the bare
 * address then.  buf has at least 64 bytes; returns buf.
 */
const char *kmm_format_caller(char *buf, size_t size, const void *addr,
			      bool nowait)
{
	const char *name, *base;
	uintptr_t off;

	if (!addr || nowait || kmm_os_addr_module(addr, &name, &off) < 0) {
		kmm_snprintf(buf, size, "%p", addr);
		return buf;
	}
	base = strrchr(name, '/');
	name = base ? base + 1 : name;
	if (!*name)
		name = kmm_os_program();
	kmm_snprintf(buf, size, "%s+%#lx", name, (unsigned long)off);
	return buf;
}

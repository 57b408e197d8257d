/*
 * stats.c - the kernel's /proc formats: slabinfo (version 2.1),
 * buddyinfo, vmallocinfo and meminfo, written line by line with write(2)
 * from a buffer on the stack; and the report that KMM_STATS writes at
 * exit, which starts with a header (program, pid, version, elapsed time,
 * every option in force).
 *
 * Where the report goes is settled at initialization, while the
 * program's descriptors are still those it was started with: a copy of
 * fd 2, or the file KMM_STATS_FILE names, at a high descriptor number
 * that is kmm's alone (kmm_stats_init).  Programs close their standard
 * error before exit (coreutils' close_stdout) or open a data file as fd
 * 2; the report still reaches the standard error the program was
 * started with, and never that data file.  Before writing, the copy is
 * checked to still name the file it was made for (a program may close
 * every descriptor it did not open, and open others).
 */
#include "internal.h"
#include "kmalloc.h"
#include "lockdep.h"
#include "mm_account.h"
#include "mm_types.h"
#include "os.h"
#include "page_alloc.h"
#include "printk.h"
#include "slab.h"
#include "track.h"
#include "vmalloc.h"

#include <errno.h>
#include <string.h>

static const char *const zone_names[NR_ZONE_TYPES] = { "Normal", "DMA32" };

static __noinline int buddyinfo(int fd)
{
	unsigned long nr[NR_PAGE_ORDERS];
	char line[160];
	int t, o, n, ret = 0;

	for (t = 0; t < NR_ZONE_TYPES && !ret; t++) {
		kmm_buddy_counts((enum zone_type)t, nr);
		n = kmm_snprintf(line, sizeof(line), "Node 0, zone %8s",
				 zone_names[t]);
		for (o = 0; o < NR_PAGE_ORDERS; o++)
			n += kmm_snprintf(line + n, sizeof(line) - (size_t)n,
					  " %6lu", nr[o]);
		line[n++] = '\n';
		ret = kmm_write_all(fd, line, (size_t)n);
	}
	return ret;
}

/*
 * thread_lock and cache_lock, for a walk of the caches; false, holding
 * neither, when a report at a signal finds one busy.
 */
static bool lock_caches(void)
{
	if (!kmm_lock_report(&kmm.thread_lock))
		return false;
	if (kmm_lock_report(&kmm.cache_lock))
		return true;
	kmm_unlock_report(&kmm.thread_lock);
	return false;
}

static void unlock_caches(void)
{
	kmm_unlock_report(&kmm.cache_lock);
	kmm_unlock_report(&kmm.thread_lock);
}

static __noinline int slabinfo(int fd)
{
	static const char head[] =
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> "
		"<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
		"<sharedfactor> : slabdata <active_slabs> <num_slabs> "
		"<sharedavail>\n";
	char line[160];
	int i, n, ret;

	ret = kmm_write_all(fd, head, sizeof(head) - 1);
	/* Caches come and go: their slots are reused under cache_lock. */
	if (!lock_caches())
		return ret;
	for (i = 0; i < kmm.nr_caches && !ret; i++) {
		struct kmm_cache *s = kmm.caches[i];
		struct kmm_slab_stats st;

		if (!s)
			continue;
		kmm_slab_stats(s, &st);
		n = kmm_snprintf(line, sizeof(line),
				 "%-17s %6lu %6lu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6lu %6lu %6u\n",
				 s->name, st.active_objs, st.num_objs, s->size,
				 s->objects, 1u << s->order, 0u, 0u, 0u,
				 st.num_slabs, st.num_slabs, 0u);
		ret = kmm_write_all(fd, line, (size_t)n);
	}
	unlock_caches();
	return ret;
}

static __noinline int meminfo_line(int fd, const char *name, size_t bytes)
{
	char line[64];

	int n = kmm_snprintf(line, sizeof(line), "%-16s%8zu kB\n", name,
			     bytes >> 10);

	return kmm_write_all(fd, line, (size_t)n);
}

/* The lines of meminfo, in order; meminfo_values() fills their bytes. */
/*
 * The lines of meminfo, in order; meminfo_values() fills their bytes.
 * MemTotal + MemReleased + MemMap = AddressSpace, the zones' reservation.
 */
enum {
	MI_TOTAL, MI_FREE, MI_RELEASED, MI_USED, MI_SLAB, MI_MEMMAP,
	MI_VMALLOC, MI_SPACE, NR_MEMINFO
};
static const char *const meminfo_names[NR_MEMINFO] = {
	"MemTotal", "MemFree", "MemReleased", "MemUsed", "Slab",
	"MemMap", "VmallocUsed", "AddressSpace",
};

static __noinline void meminfo_values(size_t v[NR_MEMINFO])
{
	struct kmm_page_stats ps;
	struct kmm_vmalloc_stats vs;
	size_t slab = 0, used, cached;
	int i;

	kmm_page_stats(&ps);
	kmm_vmalloc_stats(&vs);
	if (kmm_lock_report(&kmm.cache_lock)) {
		for (i = 0; i < kmm.nr_caches; i++) {
			struct kmm_cache *s = kmm.caches[i];

			if (s)
				slab += (size_t)atomic_load(&s->nr_slabs) *
					(PAGE_SIZE << s->order);
		}
		kmm_unlock_report(&kmm.cache_lock);
	}
	/* Pages that are, or may be, resident: used, or free and kept. */
	v[MI_TOTAL] = (ps.spanned_pages - ps.reserved_pages -
		       ps.released_pages) << PAGE_SHIFT;
	v[MI_FREE] = (ps.free_pages - ps.released_pages) << PAGE_SHIFT;
	v[MI_RELEASED] = ps.released_pages << PAGE_SHIFT;
	/* Counts read one after the other: the difference may dip below 0. */
	used = atomic_load(&kmm.mem_used);
	cached = kmm_mem_cached();
	v[MI_USED] = used > cached ? used - cached : 0;
	v[MI_SLAB] = slab;
	v[MI_MEMMAP] = ps.reserved_pages << PAGE_SHIFT;
	v[MI_VMALLOC] = vs.bytes;
	v[MI_SPACE] = ps.spanned_pages << PAGE_SHIFT;
}

static __noinline int meminfo(int fd)
{
	size_t v[NR_MEMINFO];
	char name[24];
	int i, ret = 0;

	meminfo_values(v);
	for (i = 0; i < NR_MEMINFO; i++) {
		kmm_snprintf(name, sizeof(name), "%s:", meminfo_names[i]);
		ret |= meminfo_line(fd, name, v[i]);
	}
	return ret ? -1 : 0;
}

void kmm_heap_info(struct kmm_heap_info *hi)
{
	struct kmm_page_stats ps;
	struct kmm_vmalloc_stats vs;
	size_t used, cached;

	kmm_page_stats(&ps);
	kmm_vmalloc_stats(&vs);
	/* Runs and areas kept for reuse are charged but not in use. */
	cached = kmm_mem_cached();
	used = atomic_load(&kmm.mem_used);
	used = used > cached ? used - cached : 0;
	hi->arena = (ps.spanned_pages - ps.reserved_pages -
		     ps.released_pages) << PAGE_SHIFT;
	hi->aspace = ps.spanned_pages << PAGE_SHIFT;
	hi->mmap_count = vs.nr_areas;
	hi->mmap_bytes = vs.bytes;
	hi->in_use = used > vs.bytes ? used - vs.bytes : 0;
	hi->free = (ps.free_pages - ps.released_pages) << PAGE_SHIFT;
	hi->peak = atomic_load(&kmm.mem_peak);
}

void kmm_kmalloc_free_objects(unsigned long *nr)
{
	struct kmm_slab_stats st;
	int i;

	kmm_lock(&kmm.thread_lock);
	for (i = 0; i < KMALLOC_NR_CACHES; i++) {
		kmm_slab_stats(kmalloc_caches[i], &st);
		nr[i] = st.num_objs - st.active_objs;
	}
	kmm_unlock(&kmm.thread_lock);
}

/* One of the four /proc formats; -1 with EINVAL for another name. */
static int dump_proc(int fd, const char *what)
{
	if (!strcmp(what, "buddyinfo"))
		return buddyinfo(fd);
	if (!strcmp(what, "slabinfo"))
		return slabinfo(fd);
	if (!strcmp(what, "vmallocinfo"))
		return kmm_vmallocinfo(fd);
	if (!strcmp(what, "meminfo"))
		return meminfo(fd);
	errno = EINVAL;
	return -1;
}

/*
 * Where reports go, set by kmm_stats_init() and read-only after: kmm's
 * own descriptor and the identity of its file, the expanded
 * KMM_STATS_FILE (to open it again if the descriptor is lost), fd 2's
 * identity at start-up, and the time kmm started.
 */
static struct {
	int fd;
	bool err_open;
	uint64_t id[2];
	uint64_t err_id[2];
	uint64_t start_ns;
	char path[4096];
	/* KMM_STATS_SIGNAL: the directory of the per-process file. */
	char sigdir[240];
} dest = { .fd = -1 };

/*
 * A report is being written by a signal handler, or the exit report has
 * begun (then signals write nothing more).  The pid that last wrote the
 * per-process file, to remove it at exit (a child of fork has its own).
 */
static _Atomic int report_busy;
static _Atomic pid_t sigfile_pid;

static __noinline int header_line(int fd, const char *name, const char *value)
{
	char line[200];
	int n = kmm_snprintf(line, sizeof(line), "%-10s%s\n", name, value);

	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	return kmm_write_all(fd, line, (size_t)n);
}

/*
 * The header: program, pid, version, elapsed time, why the report was
 * written (exit, dump, a signal's name), then every option in force.
 */
static __noinline int header_text(int fd, const char *reason)
{
	uint64_t ns = kmm_os_now_ns() - dest.start_ns;
	char num[48];
	int ret = 0;

	ret |= kmm_write_all(fd, "== kmm ==\n", 10);
	ret |= header_line(fd, "Program:", kmm_os_program());
	kmm_snprintf(num, sizeof(num), "%d", (int)kmm_os_getpid());
	ret |= header_line(fd, "Pid:", num);
	ret |= header_line(fd, "Version:", PACKAGE_VERSION);
	kmm_snprintf(num, sizeof(num), "%lu.%06lu s",
		     (unsigned long)(ns / 1000000000u),
		     (unsigned long)(ns / 1000u % 1000000u));
	ret |= header_line(fd, "Elapsed:", num);
	ret |= header_line(fd, "Reason:", reason);
	ret |= kmm_options_print(fd, "");
	return ret ? -1 : 0;
}

static __noinline int busy_line(int fd, unsigned int busy)
{
	char line[48];
	int n = kmm_snprintf(line, sizeof(line),
			     "== incomplete: %u locks busy ==\n", busy);

	return kmm_write_all(fd, line, (size_t)n);
}

/* The whole report as text: the header, then the four /proc formats. */
static __noinline int report_text(int fd, const char *reason)
{
	static const char *const what[] = { "meminfo", "slabinfo",
					    "buddyinfo", "vmallocinfo" };
	unsigned int i, busy;
	int ret;

	ret = header_text(fd, reason);
	for (i = 0; i < ARRAY_SIZE(what); i++) {
		ret |= kmm_write_all(fd, "== ", 3);
		ret |= kmm_write_all(fd, what[i], strlen(what[i]));
		ret |= kmm_write_all(fd, " ==\n", 4);
		ret |= dump_proc(fd, what[i]);
	}
	busy = atomic_load(&kmm_report_busy);
	if (busy && kmm_report_nowait())
		ret |= busy_line(fd, busy);
	return ret ? -1 : 0;
}

/* ---------------------------------------------------------------- JSON */

/*
 * A JSON document being written, through a buffer on the stack flushed
 * with write(2) when full; err keeps the first failure.  comma: a value
 * came before at this level, so the next one needs a comma.
 */
struct jout {
	int fd;
	int err;
	bool comma;
	size_t len;
	char buf[160];
};

static __noinline void j_flush(struct jout *o)
{
	if (o->len && kmm_write_all(o->fd, o->buf, o->len) < 0)
		o->err = -1;
	o->len = 0;
}

static void j_raw(struct jout *o, const char *s, size_t n)
{
	while (n) {
		size_t room = sizeof(o->buf) - o->len, k = MIN(n, room);

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			j_flush(o);
	}
}

static void j_puts(struct jout *o, const char *s)
{
	j_raw(o, s, strlen(s));
}

/* s as a JSON string: quotes, backslashes and control bytes escaped. */
static __noinline void j_string(struct jout *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	j_raw(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			j_raw(o, esc, 2);
			esc[1] = 'u';
		} else if (c < 0x20) {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			j_raw(o, esc, 6);
		} else {
			j_raw(o, s, 1);
		}
	}
	j_raw(o, "\"", 1);
}

static void j_sep(struct jout *o)
{
	if (o->comma)
		j_raw(o, ",", 1);
	o->comma = true;
}

/* "key": at this level, ready for the value. */
static void j_key(struct jout *o, const char *key)
{
	j_sep(o);
	j_string(o, key);
	j_raw(o, ":", 1);
	o->comma = false;
}

/* { or [ as the value of key, or as the next element when key is NULL. */
static void j_open(struct jout *o, const char *key, const char *brace)
{
	if (key)
		j_key(o, key);
	else
		j_sep(o);
	j_puts(o, brace);
	o->comma = false;
}

static void j_close(struct jout *o, const char *brace)
{
	j_puts(o, brace);
	o->comma = true;
}

static __noinline void j_unum(struct jout *o, const char *key,
			      unsigned long long v)
{
	char num[24], *p = num + sizeof(num);

	if (key)
		j_key(o, key);
	else
		j_sep(o);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	j_raw(o, p, (size_t)(num + sizeof(num) - p));
	o->comma = true;
}

static void j_text(struct jout *o, const char *key, const char *v)
{
	j_key(o, key);
	j_string(o, v);
	o->comma = true;
}

static __noinline void j_hex(struct jout *o, const char *key, uintptr_t v)
{
	char num[24];

	kmm_snprintf(num, sizeof(num), "%p", (void *)v);
	j_text(o, key, num);
}

static void json_option(void *arg, const char *name, const char *value,
			const char *source)
{
	struct jout *o = arg;

	j_open(o, name, "{");
	j_text(o, "value", value);
	j_text(o, "source", source);
	j_close(o, "}");
}

static __noinline void json_header(struct jout *o, const char *reason)
{
	uint64_t ns = kmm_os_now_ns() - dest.start_ns;
	char num[32];

	j_text(o, "program", kmm_os_program());
	j_unum(o, "pid", (unsigned long long)kmm_os_getpid());
	j_text(o, "version", PACKAGE_VERSION);
	kmm_snprintf(num, sizeof(num), "%lu.%06lu",
		     (unsigned long)(ns / 1000000000u),
		     (unsigned long)(ns / 1000u % 1000000u));
	j_key(o, "elapsed_s");
	j_puts(o, num);
	o->comma = true;
	j_text(o, "reason", reason);
	j_open(o, "options", "{");
	kmm_options_foreach(json_option, o);
	j_close(o, "}");
}

static __noinline void json_meminfo(struct jout *o)
{
	size_t v[NR_MEMINFO];
	int i;

	meminfo_values(v);
	j_open(o, "meminfo", "{");
	for (i = 0; i < NR_MEMINFO; i++)
		j_unum(o, meminfo_names[i], v[i]);
	j_close(o, "}");
}

static __noinline void json_slabinfo(struct jout *o)
{
	int i;

	j_open(o, "slabinfo", "[");
	if (!lock_caches()) {
		j_close(o, "]");
		return;
	}
	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];
		struct kmm_slab_stats st;

		if (!s)
			continue;
		kmm_slab_stats(s, &st);
		j_open(o, NULL, "{");
		j_text(o, "name", s->name);
		j_unum(o, "active_objs", st.active_objs);
		j_unum(o, "num_objs", st.num_objs);
		j_unum(o, "objsize", s->size);
		j_unum(o, "objperslab", s->objects);
		j_unum(o, "pagesperslab", 1u << s->order);
		j_unum(o, "num_slabs", st.num_slabs);
		j_close(o, "}");
	}
	unlock_caches();
	j_close(o, "]");
}

static __noinline void json_buddyinfo(struct jout *o)
{
	unsigned long nr[NR_PAGE_ORDERS];
	int t, i;

	j_open(o, "buddyinfo", "{");
	for (t = 0; t < NR_ZONE_TYPES; t++) {
		kmm_buddy_counts((enum zone_type)t, nr);
		j_open(o, zone_names[t], "[");
		for (i = 0; i < NR_PAGE_ORDERS; i++)
			j_unum(o, NULL, nr[i]);
		j_close(o, "]");
	}
	j_close(o, "}");
}

static int json_area(void *arg, uintptr_t start, size_t size,
		     const void *caller, size_t pages)
{
	struct jout *o = arg;
	char buf[72];

	j_open(o, NULL, "{");
	j_hex(o, "start", start);
	j_hex(o, "end", start + size);
	j_unum(o, "size", size);
	j_text(o, "caller", kmm_format_caller(buf, sizeof(buf), caller,
					       kmm_report_nowait()));
	j_unum(o, "pages", pages);
	j_close(o, "}");
	return 0;
}

/* The whole report as one JSON document; kmm_dump(3) has the schema. */
static __noinline int report_json(int fd, const char *reason)
{
	struct jout o = { .fd = fd };

	j_puts(&o, "{");
	json_header(&o, reason);
	json_meminfo(&o);
	json_slabinfo(&o);
	json_buddyinfo(&o);
	j_open(&o, "vmallocinfo", "[");
	kmm_vmalloc_foreach(json_area, &o);
	j_close(&o, "]");
	j_unum(&o, "locks_busy", kmm_report_nowait() ?
					 atomic_load(&kmm_report_busy) : 0);
	j_puts(&o, "}\n");
	j_flush(&o);
	return o.err;
}

static int report(int fd, const char *reason)
{
	if (kmm.opt.stats_format == KMM_STATS_JSON)
		return report_json(fd, reason);
	return report_text(fd, reason);
}

static int dump(int fd, const char *what)
{
	if (!what) {
		errno = EINVAL;
		return -1;
	}
	if (!strcmp(what, "report"))
		return report(fd, "dump");
	if (!strcmp(what, "json"))
		return report_json(fd, "dump");
	return dump_proc(fd, what);
}

KMM_EXPORT int kmm_dump(int fd, const char *what)
{
	int ret;

	kmm_init();
	kmm_track_enter();
	ret = dump(fd, what);
	kmm_track_leave();
	return ret;
}

/* v in decimal, at the end of buf (24 bytes); returns the text. */
static const char *decimal(char *buf, unsigned long v)
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static bool same_file(const uint64_t a[2], const uint64_t b[2])
{
	return a[0] == b[0] && a[1] == b[1];
}

/*
 * The descriptor to write a report to now, or -1.  *opened is set when
 * it was opened for this report and must be closed after.
 */
static int report_fd(bool *opened)
{
	uint64_t id[2];
	int fd;

	*opened = false;
	if (dest.fd >= 0 && !kmm_os_file_id(dest.fd, id) &&
	    same_file(id, dest.id))
		return dest.fd;
	/* Our copy was closed, or its number reused by the program. */
	if (dest.path[0]) {
		fd = kmm_os_open_append(dest.path);
		*opened = fd >= 0;
		return fd >= 0 ? fd : -1;
	}
	if (dest.err_open && !kmm_os_file_id(2, id) &&
	    same_file(id, dest.err_id))
		return 2;
	return -1;
}

/*
 * The per-process file of KMM_STATS_SIGNAL reports, for this pid, in
 * buf (300 bytes): "<dir>/kmm-<pid>.stats", and ".tmp" after when tmp.
 */
static void sigfile_path(char *buf, bool tmp)
{
	kmm_snprintf(buf, 300, "%s/kmm-%d.stats%s", dest.sigdir,
		     (int)kmm_os_getpid(), tmp ? ".tmp" : "");
}

/*
 * The handler of KMM_STATS_SIGNAL.  It takes no lock the interrupted
 * code may hold (kmm_lock_report: the parts under a busy lock are left
 * out, and the report says how many), allocates nothing and keeps errno.
 * The report goes to the destination of KMM_STATS, and to the
 * per-process file, written under a temporary name and renamed so that
 * a reader never sees half of it.  A signal that comes while a report
 * is being written, in any thread, is dropped.
 */
static void stats_signal(int sig)
{
	/* Static, to keep the frame small: one report at a time. */
	static char path[300], tmp[300], name[24];
	int saved = errno, fd;
	bool opened;

	if (atomic_exchange(&report_busy, 1))
		return;
	atomic_store(&kmm_report_busy, 0);
	atomic_store(&kmm_report_nowait_tid, kmm_os_gettid());
	kmm_signal_name(name, sig);
	fd = report_fd(&opened);
	if (fd >= 0) {
		report(fd, name);
		if (opened)
			kmm_os_close(fd);
	}
	sigfile_path(path, false);
	sigfile_path(tmp, true);
	kmm_os_unlink(tmp);
	fd = kmm_os_open_private(tmp);
	if (fd >= 0) {
		report(fd, name);
		kmm_os_close(fd);
		if (!kmm_os_rename(tmp, path))
			atomic_store(&sigfile_pid, kmm_os_getpid());
		else
			kmm_os_unlink(tmp);
	}
	atomic_store(&kmm_report_nowait_tid, 0);
	atomic_store(&report_busy, 0);
	errno = saved;
}

/* KMM_STATS=1: the whole report, at exit, where kmm_stats_init chose. */
void kmm_stats_at_exit(void)
{
	static char path[300];
	bool opened;
	int fd, i;

	if (atomic_load_explicit(&kmm.init_state, memory_order_acquire) != 2)
		return;
	/*
	 * Signals write nothing from here on (a report another thread is
	 * writing is waited for, a while); the file goes.
	 */
	for (i = 0; i < 1000 && atomic_exchange(&report_busy, 1); i++)
		kmm_os_yield();
	if (atomic_load(&sigfile_pid) == kmm_os_getpid()) {
		sigfile_path(path, false);
		kmm_os_unlink(path);
	}
	if (!kmm.opt.stats)
		return;
	fd = report_fd(&opened);
	if (fd < 0)
		return;
	kmm_track_enter();
	report(fd, "exit");
	kmm_track_leave();
	if (opened)
		kmm_os_close(fd);
}

/*
 * Expands KMM_STATS_FILE's %p (pid), %e (program) and %% into
 * dest.path; -1 if the result is too long.
 */
static __noinline int expand_path(const char *s)
{
	char *p = dest.path, *end = dest.path + sizeof(dest.path) - 1;
	char num[24];
	const char *add;

	for (; *s; s++) {
		add = NULL;
		if (*s == '%' && s[1] == 'p') {
			add = decimal(num, (unsigned long)kmm_os_getpid());
		} else if (*s == '%' && s[1] == 'e') {
			add = kmm_os_program();
		} else if (*s == '%' && s[1] == '%') {
			add = "%";
		}
		if (add) {
			s++;
			while (*add && p < end)
				*p++ = *add++;
			if (*add)
				return -1;
		} else if (p < end) {
			*p++ = *s;
		} else {
			return -1;
		}
	}
	*p = '\0';
	return 0;
}

/*
 * "kmm: warning: cannot open KMM_STATS_FILE <path>: <why>; reports go to
 * standard error", from inside the first allocation: no variadic call,
 * one write.  A long path is cut.
 */
static __noinline void warn_open(const char *path, int err)
{
	const char *part[5] = { "kmm: warning: cannot open KMM_STATS_FILE ",
				path, ": ", kmm_errno_text(err),
				"; reports go to standard error" };
	char line[200], num[24];
	size_t len = 0, n;
	unsigned int i;
	int saved = errno;

	if (!part[3])
		part[3] = decimal(num, (unsigned long)err);
	for (i = 0; i < ARRAY_SIZE(part); i++) {
		n = MIN(strlen(part[i]), sizeof(line) - 1 - len);
		memcpy(line + len, part[i], n);
		len += n;
	}
	line[len++] = '\n';
	kmm_write_all(2, line, len);
	errno = saved;
}

/*
 * KMM_STATS_SIGNAL: the per-process file goes to $XDG_RUNTIME_DIR (a
 * directory of the user's alone), or /tmp when it is unset, not an
 * absolute path, or too long; then the handler is installed.
 */
static __noinline void signal_init(void)
{
	const char *dir = kmm_os_getenv("XDG_RUNTIME_DIR");

	if (!dir || dir[0] != '/' || strlen(dir) >= sizeof(dest.sigdir))
		dir = "/tmp";
	memcpy(dest.sigdir, dir, strlen(dir) + 1);
	if (kmm_os_sigaction(kmm.opt.stats_signal, stats_signal) < 0) {
		struct kmm_msg m = { .len = 0 };

		kmm_msg_str(&m, "kmm: warning: cannot catch KMM_STATS_SIGNAL ");
		kmm_msg_num(&m, (unsigned long)kmm.opt.stats_signal, 10);
		kmm_msg_send(&m);
	}
}

/*
 * At initialization, with the options set: notes the time, and when
 * reports are asked for, opens their destination as a descriptor of
 * kmm's own (see the top of this file).
 */
void kmm_stats_init(void)
{
	int fd;

	dest.start_ns = kmm_os_now_ns();
	dest.fd = -1;
	if (kmm.opt.stats_signal)
		signal_init();
	if (!kmm.opt.stats && !kmm.opt.stats_signal)
		return;
	dest.err_open = !kmm_os_file_id(2, dest.err_id);
	if (kmm.opt.stats_file) {
		if (expand_path(kmm.opt.stats_file) < 0) {
			dest.path[0] = '\0';
			warn_open(kmm.opt.stats_file, ENAMETOOLONG);
		} else if ((fd = kmm_os_open_append(dest.path)) < 0) {
			warn_open(dest.path, -fd);
			dest.path[0] = '\0';
		} else {
			dest.fd = kmm_os_dup_high(fd);
			if (dest.fd < 0)
				dest.fd = fd;
			else
				kmm_os_close(fd);
		}
	}
	if (dest.fd < 0 && dest.err_open)
		dest.fd = kmm_os_dup_high(2);
	if (dest.fd >= 0 && kmm_os_file_id(dest.fd, dest.id) < 0)
		dest.fd = -1;
}

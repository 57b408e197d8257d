/*
 * stats.c - the kernel's /proc formats: slabinfo (version 2.1),
 * buddyinfo, vmallocinfo and meminfo, written line by line with write(2)
 * from a buffer on the stack.
 */
#include "internal.h"
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
	kmm_lock(&kmm.thread_lock);
	kmm_lock(&kmm.cache_lock);
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
	kmm_unlock(&kmm.cache_lock);
	kmm_unlock(&kmm.thread_lock);
	return ret;
}

static __noinline int meminfo_line(int fd, const char *name, size_t bytes)
{
	char line[64];
	int n = kmm_snprintf(line, sizeof(line), "%-16s%8zu kB\n", name,
			     bytes >> 10);

	return kmm_write_all(fd, line, (size_t)n);
}

static __noinline int meminfo(int fd)
{
	struct kmm_page_stats ps;
	struct kmm_vmalloc_stats vs;
	size_t slab = 0, used, cached;
	int i, ret = 0;

	kmm_page_stats(&ps);
	kmm_vmalloc_stats(&vs);
	kmm_lock(&kmm.cache_lock);
	for (i = 0; i < kmm.nr_caches; i++) {
		struct kmm_cache *s = kmm.caches[i];

		if (s)
			slab += (size_t)atomic_load(&s->nr_slabs) *
				(PAGE_SIZE << s->order);
	}
	kmm_unlock(&kmm.cache_lock);
	ret |= meminfo_line(fd, "MemTotal:",
			    (ps.spanned_pages - ps.reserved_pages) << PAGE_SHIFT);
	ret |= meminfo_line(fd, "MemFree:", ps.free_pages << PAGE_SHIFT);
	ret |= meminfo_line(fd, "MemReleased:",
			    ps.released_pages << PAGE_SHIFT);
	/* Counts read one after the other: the difference may dip below 0. */
	used = atomic_load(&kmm.mem_used);
	cached = kmm_mem_cached();
	ret |= meminfo_line(fd, "MemUsed:", used > cached ? used - cached : 0);
	ret |= meminfo_line(fd, "Slab:", slab);
	ret |= meminfo_line(fd, "PageTables:",
			    ps.reserved_pages << PAGE_SHIFT);
	ret |= meminfo_line(fd, "VmallocUsed:", vs.bytes);
	return ret ? -1 : 0;
}

static int dump(int fd, const char *what)
{
	if (!what) {
		errno = EINVAL;
		return -1;
	}
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

KMM_EXPORT int kmm_dump(int fd, const char *what)
{
	int ret;

	kmm_init();
	kmm_track_enter();
	ret = dump(fd, what);
	kmm_track_leave();
	return ret;
}

/* KMM_STATS=1: every report, at exit, to stderr or KMM_STATS_FILE. */
void kmm_stats_at_exit(void)
{
	static const char *const what[] = { "meminfo", "slabinfo",
					    "buddyinfo", "vmallocinfo" };
	char title[48];
	unsigned int i;
	int fd = 2, n;

	if (!kmm.opt.stats ||
	    atomic_load_explicit(&kmm.init_state, memory_order_acquire) != 2)
		return;
	if (kmm.opt.stats_file) {
		fd = kmm_os_open_append(kmm.opt.stats_file);
		if (fd < 0) {
			kmm_report("warning: cannot open KMM_STATS_FILE %s",
				   kmm.opt.stats_file);
			fd = 2;
		}
	}
	for (i = 0; i < ARRAY_SIZE(what); i++) {
		n = kmm_snprintf(title, sizeof(title), "== %s ==\n", what[i]);
		kmm_write_all(fd, title, (size_t)n);
		kmm_dump(fd, what[i]);
	}
	if (fd != 2)
		kmm_os_close(fd);
}

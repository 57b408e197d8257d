/*
 * dump_format - kmm_dump() writes the kernel's /proc formats: buddyinfo
 * lines "Node 0, zone   Normal" followed by 11 counts of width 6 that equal
 * kmm_buddy_counts(); slabinfo version 2.1 with its two header lines and one
 * well-formed, self-consistent line per cache, covering all 40 kmalloc
 * caches (kmalloc-16 ... kmalloc-1k ... kmalloc-32k, each wasting at most
 * 1/8 of a slab at its end) and user caches; meminfo "Key:   <n> kB" lines
 * with MemTotal, whose values mean what kmm_dump(3) says (MemTotal, MemFree,
 * MemReleased and PageTables from the zones, Slab the sum of slabinfo,
 * VmallocUsed and MemUsed following vmalloc and kmalloc exactly);
 * vmallocinfo "0x<start>-0x<end> <size> <caller> ... vmalloc" lines;
 * "report" has the header (Program, Pid, Version, Elapsed, Reason "dump",
 * one KMM_* line per option) and the four reports after their titles;
 * "json" is one object on one line, header first; an
 * unknown report fails with EINVAL and a bad descriptor with EBADF, writing
 * nothing.
 */
#include "ut.h"

#include <fcntl.h>
#include <regex.h>

/* Splits text into lines in place; returns the count. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text;

	while (*p && n < max) {
		char *nl = strchr(p, '\n');

		lines[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

static void check_buddy_line(const char *line, enum zone_type type)
{
	unsigned long want[NR_PAGE_ORDERS];
	const char *prefix = type == ZONE_NORMAL ? "Node 0, zone   Normal" :
						   "Node 0, zone    DMA32";
	const char *p = line + strlen(prefix);
	size_t rest = strlen(p), i;

	kmm_buddy_counts(type, want);
	expect(rest == 7 * NR_PAGE_ORDERS ||
			   (rest == 7 * NR_PAGE_ORDERS + 1 &&
			    p[rest - 1] == ' '),
		   "buddyinfo line: expected \"%s\" and 11 \" %%6lu\" fields, "
		   "got \"%s\"", prefix, line);
	for (i = 0; i < NR_PAGE_ORDERS && (size_t)(p - line) < strlen(line);
	     i++) {
		char field[8], *end;
		unsigned long v;

		memcpy(field, p, 7);
		field[7] = '\0';
		v = strtoul(field, &end, 10);
		expect(field[0] == ' ' && *end == '\0' && end != field,
			   "buddyinfo order %zu: expected \" %%6lu\", got \"%s\" "
			   "in \"%s\"", i, field, line);
		expect(v == want[i],
			   "buddyinfo %s order %zu: expected %lu (as "
			   "kmm_buddy_counts), got %lu", prefix, i, want[i], v);
		p += 7;
	}
}

static void test_buddyinfo(void)
{
	unsigned long a = __get_free_pages(GFP_KERNEL, 3);
	unsigned long b = __get_free_page(GFP_KERNEL);
	char *text, *lines[16];
	size_t n, i, normal = 0;

	expect(a && b, "two blocks, got 0x%lx and 0x%lx", a, b);
	kmm_drain_local_pages();
	text = ut_dump("buddyinfo");
	expect_nonnull(text);
	expect(strlen(text) > 0 && text[strlen(text) - 1] == '\n',
		   "buddyinfo: expected text ending in a newline, got \"%s\"",
		   text);
	n = split_lines(text, lines, ARRAY_SIZE(lines));
	for (i = 0; i < n; i++) {
		if (lines[i][0] == '\0' && i == n - 1)
			continue;
		if (strncmp(lines[i], "Node 0, zone   Normal", 21) == 0) {
			normal++;
			check_buddy_line(lines[i], ZONE_NORMAL);
		} else if (strncmp(lines[i], "Node 0, zone    DMA32", 21) == 0) {
			check_buddy_line(lines[i], ZONE_DMA32);
		} else {
			expect(0, "buddyinfo: expected \"Node 0, zone ...\","
				   " got \"%s\"", lines[i]);
		}
	}
	expect_eq(normal, 1);
	free(text);
	free_pages(a, 3);
	free_page(b);
}

static unsigned int class_sizes[KMALLOC_NR_CACHES];

static void class_name(unsigned int size, char *buf, size_t len)
{
	if (size % 1024 == 0)
		snprintf(buf, len, "kmalloc-%uk", size / 1024);
	else
		snprintf(buf, len, "kmalloc-%u", size);
}

static void test_slabinfo(void)
{
	static const char hdr2[] =
		"# name <active_objs> <num_objs> <objsize> <objperslab> "
		"<pagesperslab> : tunables <limit> <batchcount> "
		"<sharedfactor> : slabdata <active_slabs> <num_slabs> "
		"<sharedavail>";
	struct kmem_cache *c = kmem_cache_create("ut_dump_cache", 200, 0, 0,
						 NULL);
	void *objs[10], *k[KMALLOC_NR_CACHES];
	char *text, **lines, norm[512], name[32];
	size_t n, i, j, ncls = 0, found_cls = 0;
	int found_user = 0;
	unsigned int s;

	expect_nonnull(c);
	for (i = 0; i < 10; i++)
		expect_nonnull(objs[i] = kmem_cache_alloc(c, GFP_KERNEL));
	/* The classes, as kmalloc_size_roundup reports them. */
	for (s = 1; s <= 32768 && ncls < KMALLOC_NR_CACHES; s++) {
		unsigned int r = (unsigned int)kmalloc_size_roundup(s);

		if (ncls == 0 || class_sizes[ncls - 1] != r)
			class_sizes[ncls++] = r;
	}
	expect_eq(ncls, KMALLOC_NR_CACHES);
	for (i = 0; i < ncls; i++)
		k[i] = kmalloc(class_sizes[i], GFP_KERNEL);

	text = ut_dump("slabinfo");
	expect_nonnull(text);
	lines = calloc(4096, sizeof(*lines));
	n = split_lines(text, lines, 4096);
	expect(n >= 3, "two header lines and caches, got %zu lines", n);
	expect(strcmp(lines[0], "slabinfo - version: 2.1") == 0,
		   "slabinfo line 1: expected \"slabinfo - version: 2.1\", "
		   "got \"%s\"", lines[0]);
	/* Header 2, with runs of spaces folded. */
	for (i = j = 0; lines[1][i] && j < sizeof(norm) - 1; i++)
		if (lines[1][i] != ' ' || (j && norm[j - 1] != ' '))
			norm[j++] = lines[1][i];
	norm[j] = '\0';
	expect(strcmp(norm, hdr2) == 0,
		   "slabinfo line 2: expected \"%s\", got \"%s\"", hdr2,
		   lines[1]);

	for (i = 2; i < n; i++) {
		struct ut_slabinfo si;

		if (lines[i][0] == '\0' && i == n - 1)
			continue;
		expect(ut_parse_slabinfo_line(lines[i], &si) == 0,
				"slabinfo: expected a cache line, got \"%s\"",
				lines[i]);
		expect(si.active_objs <= si.num_objs &&
				   si.num_objs == si.num_slabs * si.objperslab &&
				   si.active_slabs <= si.num_slabs &&
				   si.pagesperslab >= 1 &&
				   IS_POWER_OF_2(si.pagesperslab) &&
				   si.objperslab >= 1 &&
				   (size_t)si.objperslab * si.objsize <=
					   (size_t)si.pagesperslab * PAGE_SIZE,
			   "slabinfo: expected consistent counts, got \"%s\"",
			   lines[i]);
		if (strcmp(si.name, "ut_dump_cache") == 0) {
			found_user++;
			expect_ge(si.objsize, 200);
			expect_ge(si.active_objs, 10);
			expect_ge(si.num_slabs, 1);
		}
		for (j = 0; j < ncls; j++) {
			class_name(class_sizes[j], name, sizeof(name));
			if (strcmp(si.name, name) == 0) {
				found_cls++;
				/* Memcheck mode's red zones move blocks
				 * to the next class. */
				/* The slab order keeps the waste at the
				 * slab's end small, as SLUB's
				 * calculate_order does: 1/8 at most. */
				expect(!ut_native() ||
				       ((size_t)si.pagesperslab * PAGE_SIZE -
					(size_t)si.objperslab * si.objsize) * 8 <=
					       (size_t)si.pagesperslab * PAGE_SIZE,
				       "slabinfo %s: expected at most 1/8 of "
				       "the slab wasted at its end, got \"%s\"",
				       name, lines[i]);
				expect(si.objsize >= class_sizes[j] &&
						   (si.active_objs >= 1 ||
						    !ut_native()),
					   "slabinfo %s: expected objsize >= %u "
					   "and an active object, got \"%s\"",
					   name, class_sizes[j], lines[i]);
			}
		}
	}
	expect_eq(found_user, 1);
	expect_eq(found_cls, KMALLOC_NR_CACHES);
	free(lines);
	free(text);
	for (i = 0; i < ncls; i++)
		kfree(k[i]);
	for (i = 0; i < 10; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);

	/* A destroyed cache is gone from the report. */
	text = ut_dump("slabinfo");
	expect_nonnull(text);
	expect(strstr(text, "ut_dump_cache") == NULL,
		   "slabinfo after kmem_cache_destroy: expected no "
		   "ut_dump_cache line, got:\n%s", text);
	free(text);
}

static void test_meminfo(void)
{
	void *p = kmalloc(100000, GFP_KERNEL);
	char *text, *lines[256];
	size_t n, i;
	int total = 0;
	regex_t re;

	if (regcomp(&re, "^[A-Za-z][A-Za-z0-9_()]*: +[0-9]+( kB)?$",
		    REG_EXTENDED | REG_NOSUB))
		test_error("regcomp");
	text = ut_dump("meminfo");
	expect_nonnull(text);
	n = split_lines(text, lines, ARRAY_SIZE(lines));
	expect_ge(n, 2);
	for (i = 0; i < n; i++) {
		if (lines[i][0] == '\0' && i == n - 1)
			continue;
		expect(regexec(&re, lines[i], 0, NULL, 0) == 0,
			   "meminfo: expected \"Key:   <n> kB\", got \"%s\"",
			   lines[i]);
		if (strncmp(lines[i], "MemTotal:", 9) == 0) {
			size_t len = strlen(lines[i]);

			total++;
			expect(len > 3 && strcmp(lines[i] + len - 3,
						     " kB") == 0,
				   "meminfo: expected MemTotal in kB, got "
				   "\"%s\"", lines[i]);
		}
	}
	expect_eq(total, 1);
	regfree(&re);
	free(text);
	kfree(p);
}

/* Value of a meminfo field, in kB; -1 if absent. */
static long meminfo_kb(const char *field)
{
	char *text = ut_dump("meminfo"), *p;
	size_t len = strlen(field);
	long v = -1;

	expect_nonnull(text);
	for (p = text; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, field, len) == 0 && p[len] == ':') {
			v = strtol(p + len + 1, NULL, 10);
			break;
		}
	}
	free(text);
	return v;
}

/* Sum of the slabs in slabinfo, in kB. */
static long slabinfo_kb(void)
{
	char *text = ut_dump("slabinfo"), *line, *save = NULL;
	long kb = 0;

	expect_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ut_slabinfo si;

		if (ut_parse_slabinfo_line(line, &si) == 0)
			kb += (long)(si.num_slabs * si.pagesperslab * 4);
	}
	free(text);
	return kb;
}

/* The meminfo fields mean what kmm_dump(3) says. */
static void test_meminfo_values(void)
{
	struct kmm_page_stats st;
	long total, mfree, rel, used0, used1, vm0, vm1;
	void *k, *v;

	kmm_drain_local_pages();
	kmm_page_stats(&st);
	total = meminfo_kb("MemTotal");
	mfree = meminfo_kb("MemFree");
	rel = meminfo_kb("MemReleased");
	/* MemTotal: resident or may be; not the reserved address space. */
	expect_eq_i(total, (long)((st.spanned_pages - st.reserved_pages -
				   st.released_pages) * 4));
	expect_eq_i(mfree, (long)((st.free_pages - st.released_pages) * 4));
	expect_eq_i(rel, (long)(st.released_pages * 4));
	expect(mfree <= total, "meminfo: expected MemFree <= MemTotal, got "
	       "%ld, %ld", mfree, total);
	expect_eq_i(meminfo_kb("PageTables"), -1);
	expect_eq_i(meminfo_kb("MemMap"), (long)(st.reserved_pages * 4));
	expect_eq_i(meminfo_kb("AddressSpace"), (long)(st.spanned_pages * 4));
	expect_eq_i(total + rel + meminfo_kb("MemMap"),
		    meminfo_kb("AddressSpace"));
	expect(meminfo_kb("Slab") == slabinfo_kb(),
	       "meminfo: expected Slab as the slabs of slabinfo, %ld kB, got "
	       "%ld kB", slabinfo_kb(), meminfo_kb("Slab"));

	used0 = meminfo_kb("MemUsed");
	vm0 = meminfo_kb("VmallocUsed");
	v = vmalloc((10 << 20) + 1);
	expect_nonnull(v);
	used1 = meminfo_kb("MemUsed");
	vm1 = meminfo_kb("VmallocUsed");
	expect(vm1 - vm0 == 10244, "vmalloc(10 MiB + 1): expected VmallocUsed "
	       "to grow by 10244 kB, got %ld", vm1 - vm0);
	expect(used1 - used0 == 10244, "vmalloc(10 MiB + 1): expected MemUsed "
	       "to grow by 10244 kB, got %ld", used1 - used0);
	vfree(v);
	expect_eq_i(meminfo_kb("VmallocUsed"), vm0);
	expect_eq_i(meminfo_kb("MemUsed"), used0);

	/* A page run of 25 pages is 100 kB handed out. */
	if (ut_native()) {
		k = kmalloc(100000, GFP_KERNEL);
		expect_nonnull(k);
		expect(meminfo_kb("MemUsed") - used0 == 100,
		       "kmalloc(100000): expected MemUsed to grow by 100 kB, "
		       "got %ld", meminfo_kb("MemUsed") - used0);
		kfree(k);
		expect_eq_i(meminfo_kb("MemUsed"), used0);
	}
}

static void test_vmallocinfo(void)
{
	size_t size = 5UL << 20;
	char *v = vmalloc(size);
	char *text, *lines[1024];
	size_t n, i;
	int found = 0;

	expect_nonnull(v);
	text = ut_dump("vmallocinfo");
	expect_nonnull(text);
	n = split_lines(text, lines, ARRAY_SIZE(lines));
	for (i = 0; i < n; i++) {
		unsigned long start, end, sz;
		int pos = 0;

		if (lines[i][0] == '\0' && i == n - 1)
			continue;
		expect(sscanf(lines[i], "0x%lx-0x%lx %lu%n", &start,
				       &end, &sz, &pos) == 3,
				"vmallocinfo: expected \"0x<start>-0x<end> "
				"<size> ...\", got \"%s\"", lines[i]);
		expect(end - start == sz && strstr(lines[i] + pos,
						       " vmalloc") != NULL,
			   "vmallocinfo: expected size end-start and "
			   "\"vmalloc\", got \"%s\"", lines[i]);
		if (start == (unsigned long)v) {
			found++;
			expect_ge(sz, size);
			/* A caller field between size and "vmalloc". */
			expect(lines[i][pos] == ' ' &&
					   lines[i][pos + 1] != ' ' &&
					   strncmp(lines[i] + pos, " vmalloc",
						   8) != 0,
				   "vmallocinfo: expected a caller after the "
				   "size, got \"%s\"", lines[i]);
		}
	}
	expect(found == 1, "vmallocinfo: expected one line starting at "
		   "%p, got %d in:\n%s", (void *)v, found, text);
	free(text);
	vfree(v);
}

static void test_errors(void)
{
	static const char *bad[] = { "nonsense", "", "buddy", "buddyinfox",
				     "SLABINFO", "meminfo " };
	char tmpl[] = "/tmp/kmm-ut-XXXXXX";
	int fd = mkstemp(tmpl), closed;
	size_t i;

	if (fd < 0)
		test_error("mkstemp");
	unlink(tmpl);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r;

		errno = 0;
		r = kmm_dump(fd, bad[i]);
		expect(r == -1 && errno == EINVAL,
			   "kmm_dump(fd, \"%s\"): expected -1 with EINVAL, got "
			   "%d with errno %d", bad[i], r, errno);
	}
	expect_eq(lseek(fd, 0, SEEK_END), 0);
	close(fd);

	closed = open("/dev/null", O_WRONLY);
	close(closed);
	errno = 0;
	expect_eq(kmm_dump(-1, "meminfo"), -1);
	expect_eq(errno, EBADF);
	errno = 0;
	expect_eq(kmm_dump(closed, "buddyinfo"), -1);
	expect_eq(errno, EBADF);
	/* A good report keeps errno as it was. */
	fd = open("/dev/null", O_WRONLY);
	errno = 1234;
	expect_eq(kmm_dump(fd, "slabinfo"), 0);
	expect_eq(errno, 1234);
	close(fd);
}

static void test_report(void)
{
	static const char *const titles[] = {
		"== kmm ==", "== meminfo ==", "== slabinfo ==",
		"== buddyinfo ==", "== vmallocinfo ==",
	};
	char *text = ut_dump("report"), *lines[1024], pid[32];
	size_t n, i, t = 0, opts = 0;

	expect_nonnull(text);
	n = split_lines(text, lines, ARRAY_SIZE(lines));
	expect_ge(n, 20);
	snprintf(pid, sizeof(pid), "Pid:      %d", (int)getpid());
	expect_str_eq(lines[0], "== kmm ==");
	expect_str_eq(lines[1], "Program:  dump_format");
	expect_str_eq(lines[2], pid);
	expect_str_eq(lines[3], "Version:  " PACKAGE_VERSION);
	expect(!strncmp(lines[4], "Elapsed:  ", 10) &&
		       strstr(lines[4], " s") != NULL,
	       "report: expected \"Elapsed:  <seconds> s\", got \"%s\"",
	       lines[4]);
	expect_str_eq(lines[5], "Reason:   dump");
	for (i = 6; i < n && !strncmp(lines[i], "KMM_", 4); i++)
		opts++;
	/* KMM_MEMORY_LIMIT ... KMM_DEBUG: every option of kmm(7). */
	expect_ge(opts, 8);
	for (i = 0; i < n && t < ARRAY_SIZE(titles); i++)
		if (!strcmp(lines[i], titles[t]))
			t++;
	expect_eq(t, ARRAY_SIZE(titles));
	free(text);
}

/* "json": one object from the header to the areas, ending the line. */
static void test_json(void)
{
	char *text = ut_dump("json");
	size_t n;

	expect_nonnull(text);
	n = strlen(text);
	expect(!strncmp(text, "{\"program\":\"dump_format\",\"pid\":", 31),
	       "json: expected {\"program\":\"dump_format\",\"pid\": first, "
	       "got \"%.60s\"", text);
	expect(n > 2 && !strcmp(text + n - 2, "}\n"),
	       "json: expected to end with }\\n, got \"%s\"",
	       n > 20 ? text + n - 20 : text);
	expect(strstr(text, "\"reason\":\"dump\"") != NULL,
	       "json: expected \"reason\":\"dump\" in \"%.200s\"", text);
	expect(strstr(text, "\"slabinfo\":[{\"name\":\"kmalloc-") != NULL,
	       "json: expected the kmalloc caches in \"%.200s\"", text);
	free(text);
}

int main(void)
{
	test_init();
	test_report();
	test_json();
	test_buddyinfo();
	test_slabinfo();
	test_meminfo();
	test_meminfo_values();
	test_vmallocinfo();
	test_errors();
	return 0;
}

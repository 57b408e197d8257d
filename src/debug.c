/*
 * debug.c - options and run-time checks.
 *
 * Options come from KMM_* environment variables, read once at
 * initialization with kmm_os_getenv (ignored in set-user-ID programs) and
 * never written again.  A bad value gets a one-line warning and the
 * default.
 */
#include "internal.h"
#include "kmalloc.h"
#include "os.h"
#include "printk.h"

#include <string.h>

#define DEFAULT_RETAIN (8UL << 20)

/* Parses bytes with an optional K, M, G or T suffix; -1 if malformed. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v = 0, mul = 1;

	if (!*s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	switch (*s) {
	case 'k': case 'K': mul = 1ULL << 10; s++; break;
	case 'm': case 'M': mul = 1ULL << 20; s++; break;
	case 'g': case 'G': mul = 1ULL << 30; s++; break;
	case 't': case 'T': mul = 1ULL << 40; s++; break;
	}
	if (*s == 'b' || *s == 'B')
		s++;
	if (*s || (v && mul > ~0ULL / v))
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

static void size_option(const char *name, size_t *val, size_t def)
{
	const char *s = kmm_os_getenv(name);

	*val = def;
	if (!s)
		return;
	if (parse_size(s, val) < 0) {
		kmm_report("warning: %s=%s is not a size; using the default",
			   name, s);
		*val = def;
	}
}

static void bool_option(const char *name, int *val)
{
	const char *s = kmm_os_getenv(name);

	*val = 0;
	if (!s || !*s || !strcmp(s, "0"))
		return;
	if (!strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "true")) {
		*val = 1;
		return;
	}
	kmm_report("warning: %s=%s is not 0 or 1; using 0", name, s);
}

void kmm_parse_options(void)
{
	struct kmm_options *o = &kmm.opt;
	size_t max_block = PAGE_SIZE << MAX_PAGE_ORDER;
	const char *s;

	size_option("KMM_MEMORY_LIMIT", &o->memory_limit, 0);
	size_option("KMM_RETAIN", &o->dirty_max, DEFAULT_RETAIN);
	size_option("KMM_VMALLOC_THRESHOLD", &o->vmalloc_threshold, max_block);
	if (o->vmalloc_threshold > max_block) {
		kmm_report("warning: KMM_VMALLOC_THRESHOLD above the largest buddy block; using %zu",
			   max_block);
		o->vmalloc_threshold = max_block;
	}
	if (o->vmalloc_threshold < KMALLOC_MAX_CACHE_SIZE) {
		kmm_report("warning: KMM_VMALLOC_THRESHOLD below the largest slab class; using %lu",
			   KMALLOC_MAX_CACHE_SIZE);
		o->vmalloc_threshold = KMALLOC_MAX_CACHE_SIZE;
	}
	bool_option("KMM_STATS", &o->stats);
	o->stats_file = kmm_os_getenv("KMM_STATS_FILE");
	if (o->stats_file && !*o->stats_file)
		o->stats_file = NULL;
	s = kmm_os_getenv("KMM_DEBUG");
	o->debug = s && *s && strcmp(s, "0") != 0;
}

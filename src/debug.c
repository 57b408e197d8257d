/*
 * debug.c - options and run-time checks.
 *
 * Every option has one line in options[] below: its name, its kind (a
 * boolean, a size, a string), its default and the field of struct
 * kmm_options it sets.  Values come from three places, later ones
 * winning: the default, the program's own kmm_conf string
 * ("stats=1,retain=1M", as jemalloc's malloc_conf), and the KMM_*
 * environment variables.  All are read once, at initialization, with
 * kmm_os_getenv (the environment is ignored in set-user-ID programs), and
 * never written again.
 *
 * A value that cannot be used gets a one-line warning naming the
 * variable, the value and what is used instead (the value kmm_conf gave,
 * or the default); a KMM_* name of the environment that no option has
 * gets a warning too, with the closest name when one is near.
 *
 * Runs inside the first allocation: no malloc, no stdio, and small
 * frames (test/stack/callgraph.sh bounds every chain from an entry point
 * to 1 KiB).
 */
#include "internal.h"
#include "kmalloc.h"
#include "os.h"
#include "printk.h"

#include <errno.h>
#include <string.h>

#define DEFAULT_RETAIN (8UL << 20)
#define DEFAULT_DECAY_MS 1000

/*
 * The program's defaults, if it defines this (kmm.h declares it).  A weak
 * reference: NULL when nothing defines it.  A program linked with -lkmm
 * exports its definition to libkmm.so; one that kmm is preloaded into
 * must export it itself (-rdynamic), as dlsym() would need as well.
 */
extern const char *kmm_conf __attribute__((weak, visibility("default")));

enum opt_kind {
	OPT_BOOL,	/* int: 0/1, no/yes, false/true, off/on */
	OPT_SIZE,	/* size_t: bytes with an optional K, M, G, T suffix */
	OPT_STRING,	/* const char *: any text, NULL when unset */
	OPT_DEBUG,	/* KMM_DEBUG: flag letters and caches (parse_debug) */
	OPT_WORD,	/* int: one of the option's words, in any case */
	OPT_SIGNAL,	/* int: a signal, "SIGUSR2", "usr2" or "12"; 0 none */
	OPT_MSEC,	/* long: milliseconds, or -1 for never */
};

enum opt_source { SRC_DEFAULT, SRC_CONF, SRC_ENV };

struct kmm_option {
	const char *name;		/* the variable, "KMM_STATS" */
	unsigned char kind;		/* enum opt_kind */
	unsigned char offset;		/* of the field in struct kmm_options */
	size_t def;			/* default of a bool, size or flags */
	/* NULL, or why a well-formed value cannot be used. */
	const char *(*refuse)(size_t value);
	/* OPT_WORD: the words, NULL-terminated; the value is the index. */
	const char *const *words;
};

static const char *refuse_limit(size_t v)
{
	/* Not one page could be handed out: every allocation would fail. */
	if (v && v < PAGE_SIZE)
		return "is below one page (4096 bytes)";
	return NULL;
}

#define OPT(name, kind, field, def, refuse)                              \
	{ name, kind, offsetof(struct kmm_options, field), def, refuse, NULL }
#define OPT_WORDS(name, field, def, words)                               \
	{ name, OPT_WORD, offsetof(struct kmm_options, field), def, NULL, \
	  words }

static const char *const format_words[] = { "text", "json", NULL };

/*
 * The signals of Linux by name, at their numbers; "RTMIN+n" besides.
 * KILL and STOP cannot be caught: refused.
 */
static const char *const signal_names[] = {
	NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
	"KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
	"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

/*
 * One line per option; kmm(7) documents each.  A new option gets its
 * line here, a field in struct kmm_options and an entry in kmm(7).
 */
static const struct kmm_option options[] = {
	OPT("KMM_MEMORY_LIMIT", OPT_SIZE, memory_limit, 0, refuse_limit),
	OPT("KMM_RETAIN", OPT_SIZE, dirty_max, DEFAULT_RETAIN, NULL),
	OPT("KMM_DECAY_MS", OPT_MSEC, decay_ms, DEFAULT_DECAY_MS, NULL),
	OPT("KMM_VMALLOC_THRESHOLD", OPT_SIZE, vmalloc_threshold,
	    PAGE_SIZE << MAX_PAGE_ORDER, NULL),
	OPT("KMM_STATS", OPT_BOOL, stats, 0, NULL),
	OPT("KMM_STATS_FILE", OPT_STRING, stats_file, 0, NULL),
	OPT_WORDS("KMM_STATS_FORMAT", stats_format, KMM_STATS_TEXT,
		  format_words),
	OPT("KMM_STATS_SIGNAL", OPT_SIGNAL, stats_signal, 0, NULL),
	OPT("KMM_DEBUG", OPT_DEBUG, debug, 0, NULL),
	OPT("KMM_LEAKS", OPT_BOOL, leaks, 0, NULL),
	OPT("KMM_HARDEN", OPT_BOOL, harden, 1, NULL),
	OPT("KMM_DEBUG_CONTINUE", OPT_BOOL, debug_continue, 0, NULL),
};

#define NR_OPTIONS ARRAY_SIZE(options)

/* Where each option's value came from, for kmm_options_print(). */
static unsigned char option_source[NR_OPTIONS];

/*
 * KMM_* names that are not options: kmm's own build and test scripts
 * pass them down to the programs they run.  Not warned about.
 */
static const char *const not_options[] = {
	"KMM_LIB", "KMM_STATIC_LIB", "KMM_BUILD_ROOT", "KMM_STEP_TIMEOUT",
	"KMM_FUZZ_TIME",
};
#define NOT_OPTION_PREFIX "KMM_TEST_"

/* Values of kmm_conf, copied to be NUL-terminated. */
static char conf_pool[512];
static size_t conf_pool_used;

/* KMM_DEBUG's cache names, each NUL-terminated, then an empty one. */
static char debug_names[256];
/* KMM_DEBUG as kmm_options_print() shows it: "FZPU,kmalloc-64" or "-". */
static char debug_shown[sizeof(debug_names) + 8];

static void *opt_field(const struct kmm_option *opt)
{
	return (char *)&kmm.opt + opt->offset;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Do the n bytes at a equal the string b, ignoring ASCII case? */
static bool name_eq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!b[i] || ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return !b[n];
}

/* 1 or 0 for the words of a boolean, in any case; -1 for anything else. */
static int parse_bool(const char *s)
{
	static const char *const words[] = {
		"0", "no", "false", "off", "1", "yes", "true", "on",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (name_eq(s, strlen(s), words[i]))
			return i >= 4;
	return -1;
}

/* Parses bytes with an optional K, M, G or T suffix; -1 if malformed. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v = 0, mul = 1;

	if (*s < '0' || *s > '9')
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
	if (*s || (v && mul > ~0ULL / v) || v * mul > SIZE_MAX)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* Milliseconds, up to a day, or -1; -2 if malformed. */
static long parse_msec(const char *s)
{
	long v = 0;

	if (!strcmp(s, "-1"))
		return -1;
	if (*s < '0' || *s > '9')
		return -2;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > 86400000L)
			return -2;
	}
	if (s[0] == 'm' && s[1] == 's')
		s += 2;
	return *s ? -2 : v;
}

/* The index of s among words, in any case; -1 if none. */
static int parse_word(const char *s, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (name_eq(s, strlen(s), words[i]))
			return i;
	return -1;
}

/* A number of at most four digits, nothing after; -1 otherwise. */
static int parse_small(const char *s)
{
	int v = 0, n = 0;

	for (; *s >= '0' && *s <= '9' && n < 5; s++, n++)
		v = v * 10 + (*s - '0');
	return n && n < 5 && !*s ? v : -1;
}

/*
 * A signal by name ("SIGUSR2", "USR2", any case, "SIGRTMIN+3") or
 * number, 0 for "none" or "0"; -1 if none of these.  KILL and STOP are
 * not refused here.
 */
static int parse_signal(const char *s)
{
	int i, v;

	if (*s >= '0' && *s <= '9') {
		v = parse_small(s);
		return v >= 0 && v <= kmm_os_sigmax() ? v : -1;
	}
	if (name_eq(s, strlen(s), "none"))
		return 0;
	if (name_eq(s, 3, "sig"))
		s += 3;
	for (i = 1; i < (int)ARRAY_SIZE(signal_names); i++)
		if (name_eq(s, strlen(s), signal_names[i]))
			return i;
	if (name_eq(s, strlen(s), "rtmin"))
		return kmm_os_sigrtmin();
	if (strlen(s) > 6 && name_eq(s, 6, "rtmin+")) {
		v = parse_small(s + 6);
		if (v >= 0 && v <= kmm_os_sigmax() - kmm_os_sigrtmin())
			return kmm_os_sigrtmin() + v;
	}
	return -1;
}

/* "SIGUSR2", "SIGRTMIN+3"; buf has 24 bytes.  "none" for 0. */
static const char *format_signal(char *buf, int sig)
{
	char *p = buf + 23;
	int v;

	if (!sig)
		return "none";
	if (sig < (int)ARRAY_SIZE(signal_names)) {
		memcpy(buf, "SIG", 3);
		memcpy(buf + 3, signal_names[sig],
		       strlen(signal_names[sig]) + 1);
		return buf;
	}
	v = sig - kmm_os_sigrtmin();
	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	p -= 9;
	memcpy(p, "SIGRTMIN+", 9);
	return p;
}

const char *kmm_signal_name(char buf[24], int sig)
{
	return format_signal(buf, sig);
}

/*
 * A line of text built piece by piece: warnings are written from inside
 * the first allocation, where a variadic kmm_report() would pass the
 * stack bound (its register save area alone is 176 bytes).
 */
struct line {
	size_t len;
	char buf[200];
};

static void line_addn(struct line *l, const char *s, size_t n)
{
	n = MIN(n, sizeof(l->buf) - 1 - l->len);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_add(struct line *l, const char *s)
{
	line_addn(l, s, strlen(s));
}

/* Ends the line and writes it to fd with one write(2); errno is kept. */
static int line_send(struct line *l, int fd)
{
	int saved = errno, ret;

	l->buf[l->len++] = '\n';
	ret = kmm_write_all(fd, l->buf, l->len);
	errno = saved;
	return ret;
}

/*
 * "8M" for 8 MiB, "4097" for 4097: the largest exact suffix.  buf has
 * 24 bytes; returns the text, which ends buf.
 */
static const char *format_size(char *buf, size_t v)
{
	static const char suffix[] = "KMGT";
	char *p = buf + 23;
	int i = -1;

	while (v && i < 3 && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	*p = '\0';
	if (i >= 0)
		*--p = suffix[i];
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* "1024" for 1024; buf has 24 bytes; returns the text, which ends buf. */
static const char *format_decimal(char *buf, size_t v)
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* The value of opt as kmm_options_print() shows it; buf has 24 bytes. */
static const char *format_value(const struct kmm_option *opt, char *buf)
{
	const void *field = opt_field(opt);
	const char *s;

	switch (opt->kind) {
	case OPT_BOOL:
		return *(const int *)field ? "1" : "0";
	case OPT_SIZE:
		return format_size(buf, *(const size_t *)field);
	case OPT_DEBUG:
		return debug_shown;
	case OPT_WORD:
		return opt->words[*(const int *)field];
	case OPT_SIGNAL:
		return format_signal(buf, *(const int *)field);
	case OPT_MSEC:
		if (*(const long *)field < 0)
			return "-1";
		return format_decimal(buf, (size_t)*(const long *)field);
	default:
		s = *(const char *const *)field;
		return s ? s : "";
	}
}

static const char *const kind_word[] = {
	[OPT_BOOL] = "is not a boolean (0/1, no/yes, false/true, off/on)",
	[OPT_SIZE] = "is not a size",
	[OPT_WORD] = "is not one of its words",
	[OPT_SIGNAL] = "is not a signal that can be caught",
	[OPT_MSEC] = "is not a time in milliseconds (0 to 86400000, or -1)",
};

/* l = "kmm: warning: [kmm_conf: ]KEY=VALUE", the start of an option's warning. */
static void warn_head(struct line *l, enum opt_source from, const char *key,
		      size_t klen, const char *value)
{
	line_add(l, "kmm: warning: ");
	if (from == SRC_CONF)
		line_add(l, "kmm_conf: ");
	line_addn(l, key, klen);
	line_add(l, "=");
	line_add(l, value);
}

/* "kmm: warning: <a><n bytes of b><c>". */
static __noinline void warn3(const char *a, const char *b, size_t n,
			     const char *c)
{
	struct line l = { 0 };

	line_add(&l, "kmm: warning: ");
	line_add(&l, a);
	line_addn(&l, b, n);
	line_add(&l, c);
	line_send(&l, 2);
}

/*
 * "kmm: warning: [kmm_conf: ]NAME=VALUE <why>; using <what stays>",
 * the value kept being kmm_conf's or the default.
 */
static __noinline void warn_bad(const struct kmm_option *opt, const char *s,
				enum opt_source from, const char *key,
				size_t klen, const char *why)
{
	bool conf_kept = option_source[opt - options] == SRC_CONF;
	struct line l = { 0 };
	char now[24];

	warn_head(&l, from, key, klen, s);
	line_add(&l, " ");
	line_add(&l, why);
	line_add(&l, conf_kept ? "; using " : "; using the default ");
	line_add(&l, format_value(opt, now));
	if (conf_kept)
		line_add(&l, " from kmm_conf");
	line_send(&l, 2);
}

/* ------------------------------------------------------------ KMM_DEBUG */

/*
 * KMM_DEBUG=<letters>[,<cache>...], after the kernel's slub_debug: the
 * letters say which checks, the caches which caches get them (every cache
 * when none is named; a name ending in '*' matches every name it starts).
 * "-" is off; no letters before the list is FZPU.  kmm_conf separates
 * its options with commas, so there the names are separated by ':'
 * ("debug=FZ:kmalloc-64"), which KMM_DEBUG takes as well.
 */
static const struct {
	char letter;
	unsigned int flag;
} debug_letters[] = {
	{ 'F', KMM_SLAB_CONSISTENCY_CHECKS },
	{ 'Z', KMM_SLAB_RED_ZONE },
	{ 'P', KMM_SLAB_POISON },
	{ 'U', KMM_SLAB_STORE_USER },
	{ 'T', KMM_SLAB_TRACE },
};

#define DEBUG_DEFAULT (KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_RED_ZONE | \
		       KMM_SLAB_POISON | KMM_SLAB_STORE_USER)

static void set_debug(unsigned int flags, size_t names_len)
{
	size_t n = 0, i;

	kmm.opt.debug = flags;
	kmm.opt.debug_caches = names_len ? debug_names : NULL;
	for (i = 0; i < ARRAY_SIZE(debug_letters); i++)
		if (flags & debug_letters[i].flag)
			debug_shown[n++] = debug_letters[i].letter;
	if (!n)
		debug_shown[n++] = '-';
	for (i = 0; flags && i < names_len; i += strlen(debug_names + i) + 1) {
		debug_shown[n++] = ',';
		memcpy(debug_shown + n, debug_names + i,
		       strlen(debug_names + i));
		n += strlen(debug_names + i);
	}
	debug_shown[n] = '\0';
}

/* "kmm: warning: [kmm_conf: ]NAME=VALUE: <a><n bytes of b><c>". */
static __noinline void warn_debug(const char *s, enum opt_source from,
				  const char *key, size_t klen, const char *a,
				  const char *b, size_t n, const char *c)
{
	struct line l = { 0 };

	warn_head(&l, from, key, klen, s);
	line_add(&l, ": ");
	line_add(&l, a);
	line_addn(&l, b, n);
	line_add(&l, c);
	line_send(&l, 2);
}

/* Copies the names after the letters; returns the bytes used, 0: none. */
static size_t debug_copy_names(const char *s, enum opt_source from,
			       const char *key, size_t klen, const char *list)
{
	size_t used = 0, n;

	while (*list) {
		list++;		/* the separator */
		n = strcspn(list, ",:");
		if (!n)
			continue;
		if (used + n + 2 > sizeof(debug_names)) {
			warn_debug(s, from, key, klen, "more cache names than fit in 255 bytes; ignored from ",
				   list, n, " on");
			break;
		}
		memcpy(debug_names + used, list, n);
		debug_names[used + n] = '\0';
		used += n + 1;
		list += n;
	}
	if (used)
		debug_names[used] = '\0';
	return used;
}

static void parse_debug(const char *s, enum opt_source from,
			const char *key, size_t klen)
{
	const char *list = s + strcspn(s, ",:"), *p;
	unsigned int flags = 0;
	size_t i, names;

	if (s[0] == '-' && list == s + 1) {
		set_debug(0, 0);
		return;
	}
	for (p = s; p < list; p++) {
		for (i = 0; i < ARRAY_SIZE(debug_letters); i++)
			if (debug_letters[i].letter == (*p & ~0x20))
				break;
		if (i < ARRAY_SIZE(debug_letters))
			flags |= debug_letters[i].flag;
		else
			warn_debug(s, from, key, klen, "'", p, 1,
				   "' is not a debug flag (F, Z, P, U, T); ignored");
	}
	if (list == s)
		flags = DEBUG_DEFAULT;
	names = debug_copy_names(s, from, key, klen, list);
	/* As slub_debug: tracing every cache would bury the program. */
	if ((flags & KMM_SLAB_TRACE) && !names) {
		warn_debug(s, from, key, klen, "T traces named caches only (",
			   "T,kmalloc-64", 12, "); ignored");
		flags &= ~KMM_SLAB_TRACE;
	}
	set_debug(flags, names);
}

/* Does name match the pattern pat (a trailing '*' matches any tail)? */
static bool debug_name_match(const char *pat, const char *name)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return !strncmp(pat, name, n - 1);
	return !strcmp(pat, name);
}

unsigned int kmm_debug_cache_flags(const char *name)
{
	const char *p = kmm.opt.debug_caches;

	if (!kmm.opt.debug || !p)
		return kmm.opt.debug;
	for (; *p; p += strlen(p) + 1)
		if (debug_name_match(p, name))
			return kmm.opt.debug;
	return 0;
}

/*
 * Sets opt from the text s (NUL-terminated, not empty), found under the
 * name key (klen bytes) in from.  A value that cannot be used leaves the
 * field as it was, with a warning that says what stays.
 */
static __noinline void set_option(const struct kmm_option *opt,
				  const char *s, enum opt_source from,
				  const char *key, size_t klen)
{
	void *field = opt_field(opt);
	unsigned int i = (unsigned int)(opt - options);
	const char *why = NULL;
	size_t v = 0;
	int b;

	switch (opt->kind) {
	case OPT_BOOL:
		b = parse_bool(s);
		if (b < 0)
			why = kind_word[OPT_BOOL];
		else
			*(int *)field = b;
		break;
	case OPT_SIZE:
		if (parse_size(s, &v) < 0)
			why = kind_word[OPT_SIZE];
		else if (opt->refuse)
			why = opt->refuse(v);
		if (!why)
			*(size_t *)field = v;
		break;
	case OPT_STRING:
		*(const char **)field = s;
		break;
	case OPT_DEBUG:
		parse_debug(s, from, key, klen);
		break;
	case OPT_WORD:
		b = parse_word(s, opt->words);
		if (b < 0)
			why = opt->words == format_words ?
				"is not text or json" : kind_word[OPT_WORD];
		else
			*(int *)field = b;
		break;
	case OPT_SIGNAL:
		b = parse_signal(s);
		/* SIGKILL and SIGSTOP cannot be caught. */
		if (b < 0 || b == 9 || b == 19)
			why = kind_word[OPT_SIGNAL];
		else
			*(int *)field = b;
		break;
	case OPT_MSEC:
		if (parse_msec(s) < -1)
			why = kind_word[OPT_MSEC];
		else
			*(long *)field = parse_msec(s);
		break;
	default:
		return;
	}
	if (!why) {
		option_source[i] = (unsigned char)from;
		return;
	}
	warn_bad(opt, s, from, key, klen, why);
}

/* Levenshtein distance of two names, ignoring ASCII case; 99 if long. */
static unsigned int edit_distance(const char *a, size_t la, const char *b)
{
	unsigned char row[2][40];
	size_t lb = strlen(b), i, j;

	if (la >= sizeof(row[0]) || lb >= sizeof(row[0]))
		return 99;
	for (j = 0; j <= lb; j++)
		row[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++) {
		unsigned char *prev = row[(i - 1) & 1], *cur = row[i & 1];

		cur[0] = (unsigned char)i;
		for (j = 1; j <= lb; j++) {
			unsigned int d = prev[j - 1] +
				(ascii_lower(a[i - 1]) != ascii_lower(b[j - 1]));

			d = MIN(d, (unsigned int)prev[j] + 1);
			d = MIN(d, (unsigned int)cur[j - 1] + 1);
			cur[j] = (unsigned char)d;
		}
	}
	return row[la & 1][lb];
}

/*
 * The option whose name (skip bytes of it left out) is nearest to the n
 * bytes at name: within 2 edits, and fewer than a third of the name's
 * length, so that short names are not matched to anything.  NULL if none.
 */
static __noinline const char *closest(const char *name, size_t n, size_t skip)
{
	const char *best = NULL;
	unsigned int best_d = 3, d;
	size_t i;

	for (i = 0; i < NR_OPTIONS; i++) {
		d = edit_distance(name, n, options[i].name + skip);
		if (d < best_d && 3 * d < n) {
			best_d = d;
			best = options[i].name + skip;
		}
	}
	return best;
}

/*
 * "kmm: warning: [kmm_conf: ]NAME is not a kmm option[ (did you mean
 * NEAR?)]; ignored".  kmm_conf's names are shown as it writes them.
 */
static __noinline void warn_unknown(const char *where, const char *name,
				    size_t n, size_t skip)
{
	const char *near = closest(name, n, skip);
	struct line l = { 0 };

	line_add(&l, "kmm: warning: ");
	line_add(&l, where);
	line_addn(&l, name, n);
	line_add(&l, " is not a kmm option");
	if (near) {
		line_add(&l, " (did you mean ");
		for (; *near; near++) {
			char c = skip ? ascii_lower(*near) : *near;

			line_addn(&l, &c, 1);
		}
		line_add(&l, "?)");
	}
	line_add(&l, "; ignored");
	line_send(&l, 2);
}

static const struct kmm_option *find_option(const char *name, size_t n,
					    size_t skip)
{
	size_t i;

	for (i = 0; i < NR_OPTIONS; i++)
		if (name_eq(name, n, options[i].name + skip))
			return &options[i];
	return NULL;
}

/*
 * kmm_conf: "name=value" pairs separated by commas, names as the
 * variables' without "KMM_", in any case ("stats=1,retain=1M").
 */
static void parse_conf(const char *conf)
{
	while (*conf) {
		const char *end = strchr(conf, ','), *eq;
		const struct kmm_option *opt;
		size_t len, vlen;

		len = end ? (size_t)(end - conf) : strlen(conf);
		eq = memchr(conf, '=', len);
		if (!eq) {
			if (len)
				warn3("kmm_conf: '", conf, len,
				      "' is not name=value; ignored");
		} else if (!(opt = find_option(conf, (size_t)(eq - conf), 4))) {
			warn_unknown("kmm_conf: ", conf, (size_t)(eq - conf), 4);
		} else if ((vlen = len - (size_t)(eq - conf) - 1) != 0) {
			if (conf_pool_used + vlen + 1 > sizeof(conf_pool)) {
				warn3("kmm_conf: ", conf, len,
				      ": no room left (kmm_conf holds 512 bytes of values); ignored with the rest");
				return;
			}
			memcpy(conf_pool + conf_pool_used, eq + 1, vlen);
			conf_pool[conf_pool_used + vlen] = '\0';
			set_option(opt, conf_pool + conf_pool_used, SRC_CONF,
				   conf, (size_t)(eq - conf));
			conf_pool_used += vlen + 1;
		}
		conf += len;
		if (*conf)
			conf++;
	}
}

static bool is_not_option(const char *name, size_t n)
{
	size_t i;

	if (n >= strlen(NOT_OPTION_PREFIX) &&
	    !memcmp(name, NOT_OPTION_PREFIX, strlen(NOT_OPTION_PREFIX)))
		return true;
	for (i = 0; i < ARRAY_SIZE(not_options); i++)
		if (strlen(not_options[i]) == n &&
		    !memcmp(name, not_options[i], n))
			return true;
	return false;
}

/* Every KMM_* name of the environment must be an option's. */
static void check_environment(void)
{
	char *const *env = kmm_os_environ();
	size_t i;

	for (; env && *env; env++) {
		const char *e = *env, *eq = strchr(e, '=');
		size_t n = eq ? (size_t)(eq - e) : strlen(e);
		bool known = false;

		if (strncmp(e, "KMM_", 4) != 0 || is_not_option(e, n))
			continue;
		for (i = 0; i < NR_OPTIONS && !known; i++)
			known = strlen(options[i].name) == n &&
				!memcmp(e, options[i].name, n);
		if (!known)
			warn_unknown("", e, n, 0);
	}
}

static void set_defaults(void)
{
	size_t i;

	conf_pool_used = 0;	/* a parse starts over (the fuzz target) */

	for (i = 0; i < NR_OPTIONS; i++) {
		const struct kmm_option *opt = &options[i];
		void *field = opt_field(opt);

		option_source[i] = SRC_DEFAULT;
		switch (opt->kind) {
		case OPT_BOOL:
			*(int *)field = (int)opt->def;
			break;
		case OPT_SIZE:
			*(size_t *)field = opt->def;
			break;
		case OPT_STRING:
			*(const char **)field = NULL;
			break;
		case OPT_DEBUG:
			set_debug(0, 0);
			break;
		case OPT_WORD:
		case OPT_SIGNAL:
			*(int *)field = (int)opt->def;
			break;
		case OPT_MSEC:
			*(long *)field = (long)opt->def;
			break;
		}
	}
}

void kmm_parse_options(void)
{
	struct kmm_options *o = &kmm.opt;
	size_t max_block = PAGE_SIZE << MAX_PAGE_ORDER;
	char num[24];
	const char *conf = &kmm_conf ? kmm_conf : NULL;
	size_t i;

	set_defaults();
	if (conf)
		parse_conf(conf);
	for (i = 0; i < NR_OPTIONS; i++) {
		const char *s = kmm_os_getenv(options[i].name);

		/* An empty value is no value: "KMM_STATS= prog". */
		if (s && *s)
			set_option(&options[i], s, SRC_ENV, options[i].name,
				   strlen(options[i].name));
	}
	check_environment();
	o->debug_blocks = !o->debug_caches &&
		(o->debug & (KMM_SLAB_CONSISTENCY_CHECKS | KMM_SLAB_POISON));

	if (o->vmalloc_threshold > max_block) {
		const char *v = format_size(num, max_block);

		warn3("KMM_VMALLOC_THRESHOLD above the largest buddy block; using ",
		      v, strlen(v), "");
		o->vmalloc_threshold = max_block;
	}
	if (o->vmalloc_threshold < KMALLOC_MAX_CACHE_SIZE) {
		const char *v = format_size(num, KMALLOC_MAX_CACHE_SIZE);

		warn3("KMM_VMALLOC_THRESHOLD below the largest slab class; using ",
		      v, strlen(v), "");
		o->vmalloc_threshold = KMALLOC_MAX_CACHE_SIZE;
	}
}

static const char *const source_word[] = {
	[SRC_DEFAULT] = "default",
	[SRC_CONF] = "kmm_conf",
	[SRC_ENV] = "environment",
};

void kmm_options_foreach(void (*fn)(void *arg, const char *name,
				    const char *value, const char *source),
			 void *arg)
{
	char buf[24];
	size_t i;

	for (i = 0; i < NR_OPTIONS; i++) {
		const struct kmm_option *opt = &options[i];

		fn(arg, opt->name, format_value(opt, buf),
		   source_word[option_source[i]]);
	}
}

struct print_arg {
	int fd;
	const char *prefix;
	int err;
};

static void print_one(void *arg, const char *name, const char *value,
		      const char *source)
{
	struct print_arg *p = arg;
	struct line l = { 0 };

	/* A path too long for the line is cut; the line still ends. */
	line_add(&l, p->prefix);
	line_add(&l, name);
	line_add(&l, "=");
	line_add(&l, value);
	line_add(&l, " (");
	line_add(&l, source);
	line_add(&l, ")");
	if (line_send(&l, p->fd) < 0)
		p->err = -1;
}

int kmm_options_print(int fd, const char *prefix)
{
	struct print_arg p = { fd, prefix ? prefix : "", 0 };

	kmm_options_foreach(print_one, &p);
	return p.err;
}

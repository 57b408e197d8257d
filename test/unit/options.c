/*
 * options - the rules of kmm's one option parser (src/debug.c), each
 * checked on the parsed value and on the exact text of the warning:
 * booleans take 0/1, no/yes, false/true, off/on in any case; sizes take
 * K, M, G, T suffixes; a bad value gets one warning naming the variable,
 * the value and what is used instead, and the field keeps that value; a
 * memory limit below one page is refused; an unknown KMM_* name is
 * warned about, with the closest option's name when one is near, while
 * the names of kmm's own scripts (KMM_TEST_*, KMM_LIB) are not; the
 * program's kmm_conf string sets defaults that the environment
 * overrides; kmm_options_print() shows every option and where its value
 * came from; KMM_STATS_FORMAT takes text or json in any case;
 * KMM_STATS_SIGNAL takes a signal by name (with or without SIG, any
 * case, RTMIN+n) or number, and refuses KILL, STOP and nonsense;
 * KMM_DEBUG takes the letters F, Z, P, U, T in either case
 * and a list of caches (',' or ':' between names, a trailing '*'
 * matching a prefix), "-" is off, no letters before a list is FZPU, a
 * bad letter is warned about by name and ignored, and T without a list
 * is refused.
 *
 * kmm_parse_options() is called again for each case, with the
 * environment and kmm_conf set for it (this program defines kmm_conf:
 * the core library is linked statically, so its weak reference finds
 * it); the allocator itself is not used in between.
 */
#include "ut.h"

#include <signal.h>

const char *kmm_conf;

static const char *const option_vars[] = {
	"KMM_MEMORY_LIMIT", "KMM_RETAIN", "KMM_VMALLOC_THRESHOLD",
	"KMM_STATS", "KMM_STATS_FILE", "KMM_STATS_FORMAT", "KMM_STATS_SIGNAL",
	"KMM_DEBUG", "KMM_LEAKS", "KMM_HARDEN", "KMM_DECAY_MS",
};

static void parse(void *arg)
{
	(void)arg;
	kmm_parse_options();
}

/* Parses with conf and the one setting env ("NAME=VALUE" or NULL). */
static char *parse_with(const char *conf, const char *env)
{
	char name[64];
	const char *eq;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(option_vars); i++)
		unsetenv(option_vars[i]);
	if (env) {
		eq = strchr(env, '=');
		if (!eq || (size_t)(eq - env) >= sizeof(name))
			test_error("bad setting %s", env);
		memcpy(name, env, (size_t)(eq - env));
		name[eq - env] = '\0';
		if (setenv(name, eq + 1, 1) != 0)
			test_error("setenv %s", env);
	}
	kmm_conf = conf;
	return ut_capture_stderr(parse, NULL);
}

static void unset(const char *env)
{
	char name[64];
	const char *eq = strchr(env, '=');

	memcpy(name, env, (size_t)(eq - env));
	name[eq - env] = '\0';
	unsetenv(name);
}

/* The setting gives no warning; returns nothing (checks are the caller's). */
static void quiet(const char *conf, const char *env)
{
	char *err = parse_with(conf, env);

	expect(err[0] == '\0', "%s%s%s: expected no warning, got \"%s\"",
	       conf ? "kmm_conf=" : "", conf ? conf : "", env ? env : "", err);
	free(err);
}

/* The setting gives exactly the warning want (one line). */
static void warns(const char *conf, const char *env, const char *want)
{
	char *err = parse_with(conf, env);
	char line[512];

	snprintf(line, sizeof(line), "kmm: warning: %s\n", want);
	expect(strcmp(err, line) == 0, "%s%s %s: expected \"%s\", got \"%s\"",
	       conf ? "kmm_conf=" : "", conf ? conf : "", env ? env : "",
	       line, err);
	free(err);
}

static void test_booleans(void)
{
	static const char *const yes[] = { "1", "yes", "YES", "true", "True",
					   "on", "On", "oN" };
	static const char *const no[] = { "0", "no", "No", "false", "FALSE",
					  "off", "OFF" };
	char env[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		snprintf(env, sizeof(env), "KMM_STATS=%s", yes[i]);
		quiet(NULL, env);
		expect(kmm.opt.stats == 1, "%s: expected stats on", env);
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		snprintf(env, sizeof(env), "KMM_STATS=%s", no[i]);
		quiet("stats=1", env);
		expect(kmm.opt.stats == 0, "%s over kmm_conf stats=1: expected "
		       "stats off", env);
	}
	warns(NULL, "KMM_STATS=maybe",
	      "KMM_STATS=maybe is not a boolean (0/1, no/yes, false/true, "
	      "off/on); using the default 0");
	expect_eq(kmm.opt.stats, 0);
	warns(NULL, "KMM_STATS=2",
	      "KMM_STATS=2 is not a boolean (0/1, no/yes, false/true, "
	      "off/on); using the default 0");
	/* An empty value is no value. */
	quiet(NULL, "KMM_STATS=");
	expect_eq(kmm.opt.stats, 0);
	/* KMM_LEAKS: a boolean as well, off by default. */
	quiet(NULL, NULL);
	expect_eq(kmm.opt.leaks, 0);
	quiet(NULL, "KMM_LEAKS=yes");
	expect_eq(kmm.opt.leaks, 1);
	quiet("leaks=1", "KMM_LEAKS=off");
	expect_eq(kmm.opt.leaks, 0);
	warns(NULL, "KMM_LEAKS=all",
	      "KMM_LEAKS=all is not a boolean (0/1, no/yes, false/true, "
	      "off/on); using the default 0");
	expect_eq(kmm.opt.leaks, 0);
}

static void test_sizes(void)
{
	static const struct {
		const char *env;
		size_t want;
	} ok[] = {
		{ "KMM_RETAIN=0", 0 },
		{ "KMM_RETAIN=4097", 4097 },
		{ "KMM_RETAIN=64K", 64 << 10 },
		{ "KMM_RETAIN=64kb", 64 << 10 },
		{ "KMM_RETAIN=3m", 3 << 20 },
		{ "KMM_RETAIN=2G", 2UL << 30 },
		{ "KMM_RETAIN=1T", 1UL << 40 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		quiet(NULL, ok[i].env);
		expect(kmm.opt.dirty_max == ok[i].want, "%s: expected %zu, got "
		       "%zu", ok[i].env, ok[i].want, kmm.opt.dirty_max);
	}
	warns(NULL, "KMM_RETAIN=lots",
	      "KMM_RETAIN=lots is not a size; using the default 8M");
	expect_eq(kmm.opt.dirty_max, 8 << 20);
	warns(NULL, "KMM_RETAIN=12Q",
	      "KMM_RETAIN=12Q is not a size; using the default 8M");
	warns(NULL, "KMM_RETAIN=-1",
	      "KMM_RETAIN=-1 is not a size; using the default 8M");
	warns(NULL, "KMM_RETAIN=99999999999999999999",
	      "KMM_RETAIN=99999999999999999999 is not a size; using the "
	      "default 8M");
	warns(NULL, "KMM_RETAIN=20000000T",
	      "KMM_RETAIN=20000000T is not a size; using the default 8M");
	expect_eq(kmm.opt.dirty_max, 8 << 20);
}

/* Milliseconds, or -1 for never. */
static void test_msec(void)
{
	static const struct {
		const char *env;
		long want;
	} ok[] = {
		{ "KMM_DECAY_MS=0", 0 },
		{ "KMM_DECAY_MS=1", 1 },
		{ "KMM_DECAY_MS=250ms", 250 },
		{ "KMM_DECAY_MS=-1", -1 },
		{ "KMM_DECAY_MS=86400000", 86400000 },
	};
	static const char *const bad[] = {
		"-2", "1s", "lots", "86400001", "99999999999999999999", "-",
	};
	char env[64], want[160];
	size_t i;

	quiet(NULL, NULL);
	expect(kmm.opt.decay_ms == 1000, "KMM_DECAY_MS unset: expected "
	       "1000, got %ld", kmm.opt.decay_ms);
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		quiet(NULL, ok[i].env);
		expect(kmm.opt.decay_ms == ok[i].want, "%s: expected %ld, got "
		       "%ld", ok[i].env, ok[i].want, kmm.opt.decay_ms);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(env, sizeof(env), "KMM_DECAY_MS=%s", bad[i]);
		snprintf(want, sizeof(want), "KMM_DECAY_MS=%s is not a time in "
			 "milliseconds (0 to 86400000, or -1); using the "
			 "default 1000", bad[i]);
		warns(NULL, env, want);
		expect(kmm.opt.decay_ms == 1000, "%s: expected 1000, got %ld",
		       env, kmm.opt.decay_ms);
	}
}

static void test_memory_limit(void)
{
	quiet(NULL, "KMM_MEMORY_LIMIT=4096");
	expect_eq(kmm.opt.memory_limit, 4096);
	quiet(NULL, "KMM_MEMORY_LIMIT=0");
	expect_eq(kmm.opt.memory_limit, 0);
	warns(NULL, "KMM_MEMORY_LIMIT=100",
	      "KMM_MEMORY_LIMIT=100 is below one page (4096 bytes); using "
	      "the default 0");
	expect_eq(kmm.opt.memory_limit, 0);
	warns(NULL, "KMM_MEMORY_LIMIT=1K",
	      "KMM_MEMORY_LIMIT=1K is below one page (4096 bytes); using "
	      "the default 0");
	expect_eq(kmm.opt.memory_limit, 0);
	warns("memory_limit=1M", "KMM_MEMORY_LIMIT=4095",
	      "KMM_MEMORY_LIMIT=4095 is below one page (4096 bytes); using "
	      "1M from kmm_conf");
	expect_eq(kmm.opt.memory_limit, 1 << 20);
}

static void test_names(void)
{
	warns(NULL, "KMM_STAST=1",
	      "KMM_STAST is not a kmm option (did you mean KMM_STATS?); "
	      "ignored");
	unset("KMM_STAST=1");
	warns(NULL, "KMM_VMALLOC_THRESHHOLD=1M",
	      "KMM_VMALLOC_THRESHHOLD is not a kmm option (did you mean "
	      "KMM_VMALLOC_THRESHOLD?); ignored");
	unset("KMM_VMALLOC_THRESHHOLD=1M");
	expect_eq(kmm.opt.vmalloc_threshold, 4 << 20);
	warns(NULL, "KMM_retain=1M",
	      "KMM_retain is not a kmm option (did you mean KMM_RETAIN?); "
	      "ignored");
	unset("KMM_retain=1M");
	expect_eq(kmm.opt.dirty_max, 8 << 20);
	warns(NULL, "KMM_COLOUR=1", "KMM_COLOUR is not a kmm option; ignored");
	unset("KMM_COLOUR=1");
	/* The names of kmm's scripts are not options and not warned about. */
	quiet(NULL, "KMM_TEST_ANYTHING=1");
	unset("KMM_TEST_ANYTHING=1");
	quiet(NULL, "KMM_LIB=/nowhere/libkmm.so");
	unset("KMM_LIB=x");
	/* Names that are only near KMM_ are not kmm's. */
	quiet(NULL, "KMMSTATS=1");
	unset("KMMSTATS=1");
}

static void test_conf(void)
{
	quiet("stats=1,retain=1M,MEMORY_LIMIT=64M,stats_file=/dev/null",
	      NULL);
	expect_eq(kmm.opt.stats, 1);
	expect_eq(kmm.opt.dirty_max, 1 << 20);
	expect_eq(kmm.opt.memory_limit, 64 << 20);
	expect(kmm.opt.stats_file && !strcmp(kmm.opt.stats_file, "/dev/null"),
	       "kmm_conf stats_file=/dev/null: got %s", kmm.opt.stats_file);
	/* The environment wins. */
	quiet("stats=1,retain=1M", "KMM_RETAIN=2M");
	expect_eq(kmm.opt.dirty_max, 2 << 20);
	expect_eq(kmm.opt.stats, 1);
	warns("retain=lots", NULL,
	      "kmm_conf: retain=lots is not a size; using the default 8M");
	expect_eq(kmm.opt.dirty_max, 8 << 20);
	warns("retain=1M", "KMM_RETAIN=lots",
	      "KMM_RETAIN=lots is not a size; using 1M from kmm_conf");
	expect_eq(kmm.opt.dirty_max, 1 << 20);
	warns("stats=1,decay=500", NULL,
	      "kmm_conf: decay is not a kmm option; ignored");
	expect_eq(kmm.opt.stats, 1);
	quiet("decay_ms=-1", NULL);
	expect(kmm.opt.decay_ms == -1, "kmm_conf decay_ms=-1: got %ld",
	       kmm.opt.decay_ms);
	warns("stat=1", NULL,
	      "kmm_conf: stat is not a kmm option (did you mean stats?); "
	      "ignored");
	warns("retain", NULL, "kmm_conf: 'retain' is not name=value; ignored");
	/* Empty pairs and values are nothing. */
	quiet(",,stats=,", NULL);
	expect_eq(kmm.opt.stats, 0);
	quiet("", NULL);
}

static void test_words(void)
{
	static const struct {
		const char *env;
		int sig;
	} sigs[] = {
		{ "KMM_STATS_SIGNAL=SIGUSR2", SIGUSR2 },
		{ "KMM_STATS_SIGNAL=usr1", SIGUSR1 },
		{ "KMM_STATS_SIGNAL=SigHup", SIGHUP },
		{ "KMM_STATS_SIGNAL=12", 12 },
		{ "KMM_STATS_SIGNAL=none", 0 },
		{ "KMM_STATS_SIGNAL=SIGWINCH", SIGWINCH },
	};
	char env[64], buf[24];
	size_t i;

	quiet(NULL, "KMM_STATS_FORMAT=json");
	expect_eq_i(kmm.opt.stats_format, KMM_STATS_JSON);
	quiet(NULL, "KMM_STATS_FORMAT=JSON");
	expect_eq_i(kmm.opt.stats_format, KMM_STATS_JSON);
	quiet(NULL, "KMM_STATS_FORMAT=Text");
	expect_eq_i(kmm.opt.stats_format, KMM_STATS_TEXT);
	warns("stats_format=json", "KMM_STATS_FORMAT=xml",
	      "KMM_STATS_FORMAT=xml is not text or json; using json from "
	      "kmm_conf");
	expect_eq_i(kmm.opt.stats_format, KMM_STATS_JSON);

	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		quiet(NULL, sigs[i].env);
		expect(kmm.opt.stats_signal == sigs[i].sig,
		       "%s: expected signal %d, got %d", sigs[i].env,
		       sigs[i].sig, kmm.opt.stats_signal);
	}
	snprintf(env, sizeof(env), "KMM_STATS_SIGNAL=RTMIN+2");
	quiet(NULL, env);
	expect_eq_i(kmm.opt.stats_signal, SIGRTMIN + 2);
	expect_str_eq(kmm_signal_name(buf, SIGRTMIN + 2), "SIGRTMIN+2");
	expect_str_eq(kmm_signal_name(buf, SIGUSR2), "SIGUSR2");
	expect_str_eq(kmm_signal_name(buf, 0), "none");
	warns(NULL, "KMM_STATS_SIGNAL=KILL",
	      "KMM_STATS_SIGNAL=KILL is not a signal that can be caught; "
	      "using the default none");
	warns(NULL, "KMM_STATS_SIGNAL=SIGSTOP",
	      "KMM_STATS_SIGNAL=SIGSTOP is not a signal that can be caught; "
	      "using the default none");
	warns(NULL, "KMM_STATS_SIGNAL=USR3",
	      "KMM_STATS_SIGNAL=USR3 is not a signal that can be caught; "
	      "using the default none");
	warns(NULL, "KMM_STATS_SIGNAL=999",
	      "KMM_STATS_SIGNAL=999 is not a signal that can be caught; "
	      "using the default none");
	expect_eq_i(kmm.opt.stats_signal, 0);
}

#define DBG_F KMM_SLAB_CONSISTENCY_CHECKS
#define DBG_Z KMM_SLAB_RED_ZONE
#define DBG_P KMM_SLAB_POISON
#define DBG_U KMM_SLAB_STORE_USER
#define DBG_T KMM_SLAB_TRACE

static void test_debug(void)
{
	quiet(NULL, "KMM_DEBUG=FZPU");
	expect_eq(kmm.opt.debug, DBG_F | DBG_Z | DBG_P | DBG_U);
	expect(kmm.opt.debug_caches == NULL, "FZPU: expected every cache");
	expect_eq(kmm_debug_cache_flags("kmalloc-64"),
		  DBG_F | DBG_Z | DBG_P | DBG_U);
	expect_eq(kmm_debug_cache_flags("mine"), DBG_F | DBG_Z | DBG_P | DBG_U);

	quiet(NULL, "KMM_DEBUG=fz,kmalloc-64,kmalloc-1k");
	expect_eq(kmm.opt.debug, DBG_F | DBG_Z);
	expect_eq(kmm_debug_cache_flags("kmalloc-64"), DBG_F | DBG_Z);
	expect_eq(kmm_debug_cache_flags("kmalloc-1k"), DBG_F | DBG_Z);
	expect_eq(kmm_debug_cache_flags("kmalloc-640"), 0);
	expect_eq(kmm_debug_cache_flags("kmalloc-6"), 0);

	quiet(NULL, "KMM_DEBUG=PT:kmalloc-*");
	expect_eq(kmm.opt.debug, DBG_P | DBG_T);
	expect_eq(kmm_debug_cache_flags("kmalloc-16"), DBG_P | DBG_T);
	expect_eq(kmm_debug_cache_flags("kmalloc-"), DBG_P | DBG_T);
	expect_eq(kmm_debug_cache_flags("kmallo"), 0);

	quiet(NULL, "KMM_DEBUG=,inode");
	expect_eq(kmm_debug_cache_flags("inode"), DBG_F | DBG_Z | DBG_P | DBG_U);
	expect_eq(kmm_debug_cache_flags("dentry"), 0);

	quiet("debug=FZPU", "KMM_DEBUG=-");
	expect_eq(kmm.opt.debug, 0);
	expect_eq(kmm_debug_cache_flags("kmalloc-64"), 0);

	warns(NULL, "KMM_DEBUG=FQZ",
	      "KMM_DEBUG=FQZ: 'Q' is not a debug flag (F, Z, P, U, T); ignored");
	expect_eq(kmm.opt.debug, DBG_F | DBG_Z);
	warns(NULL, "KMM_DEBUG=1",
	      "KMM_DEBUG=1: '1' is not a debug flag (F, Z, P, U, T); ignored");
	expect_eq(kmm.opt.debug, 0);
	warns(NULL, "KMM_DEBUG=FT",
	      "KMM_DEBUG=FT: T traces named caches only (T,kmalloc-64); "
	      "ignored");
	expect_eq(kmm.opt.debug, DBG_F);
	warns("debug=Zx:kmalloc-64", NULL,
	      "kmm_conf: debug=Zx:kmalloc-64: 'x' is not a debug flag (F, Z, "
	      "P, U, T); ignored");
	expect_eq(kmm_debug_cache_flags("kmalloc-64"), DBG_Z);
	expect_eq(kmm_debug_cache_flags("kmalloc-32"), 0);

	quiet(NULL, NULL);
	expect_eq(kmm.opt.debug, 0);
}

static void test_print(void)
{
	char tmpl[] = "/tmp/kmm-ut-opt-XXXXXX";
	int fd = mkstemp(tmpl);
	char buf[2048];
	ssize_t n;
	size_t i;
	static const char *const want[] = {
		"> KMM_MEMORY_LIMIT=0 (default)\n",
		"> KMM_RETAIN=1M (kmm_conf)\n",
		"> KMM_VMALLOC_THRESHOLD=64K (environment)\n",
		"> KMM_STATS=1 (kmm_conf)\n",
		"> KMM_STATS_FILE= (default)\n",
		"> KMM_STATS_FORMAT=text (default)\n",
		"> KMM_STATS_SIGNAL=none (default)\n",
		"> KMM_DEBUG=- (default)\n",
		"> KMM_LEAKS=0 (default)\n",
		"> KMM_DECAY_MS=1024 (environment)\n",
		"> KMM_DEBUG=FZ,kmalloc-64,kmalloc-96 (environment)\n",
	};

	if (fd < 0)
		test_error("mkstemp: %s", strerror(errno));
	unlink(tmpl);
	quiet("retain=1m,stats=yes", "KMM_VMALLOC_THRESHOLD=65536");
	setenv("KMM_DECAY_MS", "1024", 1);
	kmm_parse_options();
	unsetenv("KMM_DECAY_MS");
	expect_eq_i(kmm_options_print(fd, "> "), 0);
	quiet(NULL, "KMM_DEBUG=zf:kmalloc-64:kmalloc-96");
	expect_eq_i(kmm_options_print(fd, "> "), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	expect(n > 0, "kmm_options_print wrote nothing");
	buf[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(want); i++)
		expect(strstr(buf, want[i]) != NULL,
		       "kmm_options_print: expected the line \"%s\", got:\n%s",
		       want[i], buf);
	close(fd);
}

int main(void)
{
	test_init();
	test_booleans();
	test_sizes();
	test_msec();
	test_memory_limit();
	test_names();
	test_conf();
	test_words();
	test_debug();
	test_print();
	/* Back to the defaults of an empty environment. */
	quiet(NULL, NULL);
	printf("options: all rules hold\n");
	return 0;
}

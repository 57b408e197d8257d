/*
 * options.c - libFuzzer target: random option strings to the parser.
 *
 * Property: whatever kmm_conf and the KMM_* variables hold, the parser
 * (kmm_parse_options, src/debug.c) reads no byte outside them (the
 * target runs under AddressSanitizer), never crashes, and leaves every
 * option with a value kmm can use: a memory limit of 0 or at least a
 * page, a vmalloc threshold between the largest slab class and the
 * largest buddy block, booleans 0 or 1, a decay time from -1 to a day
 * in milliseconds; kmm_options_print() then prints
 * one line per option.
 *
 * The input is split at its first two NUL bytes: kmm_conf, the value of
 * one KMM_* variable picked by the first byte of the rest, and the value
 * of KMM_DEBUG.  Warnings go to /dev/null.  Built by "make fuzz" with the
 * core library, which does not replace malloc.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "kmalloc.h"

const char *kmm_conf;

static const char *const vars[] = {
	"KMM_MEMORY_LIMIT", "KMM_RETAIN", "KMM_VMALLOC_THRESHOLD",
	"KMM_STATS", "KMM_STATS_FILE", "KMM_DEBUG", "KMM_LEAKS",
	"KMM_STATS_FORMAT", "KMM_NOT_AN_OPTION", "KMM_STATS_FIL",
	"KMM_DECAY_MS",
};

static int devnull = -1;

static void option_line(void *arg, const char *name, const char *value,
			const char *source)
{
	int *n = arg;

	if (!name || !value || !source || strncmp(name, "KMM_", 4) != 0)
		abort();
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2), *conf, *value, *debug, *end;
	size_t i, var;
	int saved, lines = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	end = buf + size;
	conf = buf;
	value = conf + strlen(conf) + 1;
	if (value > end)
		value = end;
	debug = value + strlen(value) + (value < end);
	if (debug > end)
		debug = end;
	var = *value ? (unsigned char)*value++ % (sizeof(vars) / sizeof(*vars)) : 0;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
	if (*value)
		setenv(vars[var], value, 1);
	if (*debug)
		setenv("KMM_DEBUG", debug, 1);
	kmm_conf = size ? conf : NULL;

	saved = dup(2);
	dup2(devnull, 2);
	kmm_parse_options();
	kmm_options_print(devnull, "> ");
	dup2(saved, 2);
	close(saved);

	if (kmm.opt.memory_limit && kmm.opt.memory_limit < 4096)
		abort();
	if (kmm.opt.vmalloc_threshold < KMALLOC_MAX_CACHE_SIZE ||
	    kmm.opt.vmalloc_threshold > (4096UL << KMM_MAX_PAGE_ORDER))
		abort();
	if ((kmm.opt.stats | kmm.opt.leaks) & ~1)
		abort();
	if (kmm.opt.decay_ms < -1 || kmm.opt.decay_ms > 86400000L)
		abort();
	if (kmm.opt.stats_file)
		(void)strlen(kmm.opt.stats_file);
	kmm_options_foreach(option_line, &lines);
	if (lines < 8)
		abort();
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
	kmm_conf = NULL;
	free(buf);
	return 0;
}

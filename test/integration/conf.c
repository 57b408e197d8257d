/*
 * conf - a program that carries kmm settings in itself: kmm_conf asks
 * for the statistics at exit.  integration/options.sh runs it linked
 * with -lkmm (conf_kmm) and preloaded (conf, linked -rdynamic so that
 * libkmm.so can see the definition).
 */
#include <stdio.h>
#include <stdlib.h>

#include "kmm.h"

const char *kmm_conf = "stats=1";

int main(void)
{
	char *p = malloc(100);

	if (!p)
		return 1;
	snprintf(p, 100, "conf ran");
	puts(p);
	free(p);
	return 0;
}

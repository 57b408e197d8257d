/*
 * tlsmod.c - a module for tlsdyn: thread-local variables in a library
 * loaded with dlopen use the general-dynamic TLS model, so glibc's loader
 * allocates each thread's copy with malloc on first use and frees it with
 * free when the thread exits, after every TLS destructor, kmm's included.
 * Built by tlsdyn.sh with $CC -shared -fPIC.
 */
#include <string.h>

static __thread unsigned char small[64];
static __thread unsigned char large[70000];

unsigned long tlsmod_touch(unsigned char v);

unsigned long tlsmod_touch(unsigned char v)
{
	unsigned long s = 0;
	size_t i;

	for (i = 0; i < sizeof(small); i++)
		s += small[i];
	for (i = 0; i < sizeof(large); i += 4096)
		s += large[i];
	memset(small, v, sizeof(small));
	memset(large, v, sizeof(large));
	return s;
}

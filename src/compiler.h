/*
 * compiler.h - what every file of kmm starts from: config.h, the public
 * header without its kernel names, the compiler's attributes under the
 * kernel's names, small arithmetic macros, the page geometry, and
 * KMM_BUG_ON (the kernel's compiler.h, page.h and bug.h in one).
 * Nothing declared under src/ is visible outside libkmm.
 */
#ifndef KMM_COMPILER_H
#define KMM_COMPILER_H

#include "config.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KMM_NO_KERNEL_NAMES
#include "kmm.h"

#define KMM_EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define __cold __attribute__((cold, noinline))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uintptr_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a) - 1))
#define IS_POWER_OF_2(x) ((x) != 0 && ((x) & ((x) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define PAGE_SHIFT KMM_PAGE_SHIFT
#define PAGE_SIZE KMM_PAGE_SIZE
#define MAX_PAGE_ORDER KMM_MAX_PAGE_ORDER
#define NR_PAGE_ORDERS KMM_NR_PAGE_ORDERS
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
#define CACHE_LINE 64

/* ------------------------------------------------------------- checks */

void kmm_bug(const char *file, int line, const char *cond)
	__attribute__((noreturn, cold));

#ifdef KMM_DEBUG_BUILD
#define KMM_BUG_ON(cond)                                        \
	do {                                                    \
		if (unlikely(cond))                             \
			kmm_bug(__FILE__, __LINE__, #cond);     \
	} while (0)
#else
#define KMM_BUG_ON(cond) ((void)sizeof(!(cond)))
#endif

/*
 * Full walks (a zone's free lists, a cache's partial list, the vmalloc
 * registry): --enable-debug=expensive, and at slow paths only.
 */
#ifdef KMM_DEBUG_EXPENSIVE
#define KMM_BUG_ON_EXPENSIVE(cond) KMM_BUG_ON(cond)
#else
#define KMM_BUG_ON_EXPENSIVE(cond) ((void)sizeof(!(cond)))
#endif

#endif /* KMM_COMPILER_H */

/*
 * new.c - the C++ allocation operators, written in C.
 *
 * A C program run with kmm preloaded must not load the C++ runtime, so
 * the operators reach it only through weak references: when a C++
 * program has loaded libstdc++, operator new calls the installed
 * new-handler until it succeeds or there is none, then throws
 * std::bad_alloc, as the standard says; without libstdc++ (no C++ code
 * that could catch it) a failure aborts with a message.  The nothrow
 * forms return NULL.  This file is built with -fexceptions so the throw
 * unwinds through it.
 */
#include "internal.h"
#include "printk.h"

#include <stdlib.h>

#define NOTHROW_T const void *

void *_Znwm(size_t n);
void *_Znam(size_t n);
void *_ZnwmRKSt9nothrow_t(size_t n, NOTHROW_T t);
void *_ZnamRKSt9nothrow_t(size_t n, NOTHROW_T t);
void *_ZnwmSt11align_val_t(size_t n, size_t a);
void *_ZnamSt11align_val_t(size_t n, size_t a);
void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, NOTHROW_T t);
void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, NOTHROW_T t);
void _ZdlPv(void *p);
void _ZdaPv(void *p);
void _ZdlPvm(void *p, size_t n);
void _ZdaPvm(void *p, size_t n);
void _ZdlPvRKSt9nothrow_t(void *p, NOTHROW_T t);
void _ZdaPvRKSt9nothrow_t(void *p, NOTHROW_T t);
void _ZdlPvSt11align_val_t(void *p, size_t a);
void _ZdaPvSt11align_val_t(void *p, size_t a);
void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t a);
void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t a);
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, NOTHROW_T t);
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, NOTHROW_T t);

typedef void (*new_handler_t)(void);
/* std::get_new_handler() and std::__throw_bad_alloc(), from libstdc++. */
extern new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));

static __noinline void *new_slow(size_t size, size_t align, bool nothrow)
{
	for (;;) {
		new_handler_t h;
		void *p = kmm_new(size, align);

		if (p)
			return p;
		h = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
		if (!h)
			break;
		h();
	}
	if (nothrow)
		return NULL;
	if (_ZSt17__throw_bad_allocv)
		_ZSt17__throw_bad_allocv();
	kmm_die("operator new", "out of memory and no C++ runtime to throw",
		NULL, NULL);
}

static __always_inline void *op_new(size_t size, size_t align, bool nothrow)
{
	void *p = kmm_new(size, align);

	if (likely(p))
		return p;
	return new_slow(size, align, nothrow);
}

/* operator new(size_t), new[](size_t) */
KMM_EXPORT void *_Znwm(size_t n) { return op_new(n, 0, false); }
KMM_EXPORT void *_Znam(size_t n) { return op_new(n, 0, false); }
/* nothrow */
KMM_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, NOTHROW_T t)
{ (void)t; return op_new(n, 0, true); }
KMM_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, NOTHROW_T t)
{ (void)t; return op_new(n, 0, true); }
/* aligned */
KMM_EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t a)
{ return op_new(n, a, false); }
KMM_EXPORT void *_ZnamSt11align_val_t(size_t n, size_t a)
{ return op_new(n, a, false); }
KMM_EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t a,
						      NOTHROW_T t)
{ (void)t; return op_new(n, a, true); }
KMM_EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t a,
						      NOTHROW_T t)
{ (void)t; return op_new(n, a, true); }

/* operator delete in all its forms: the size and alignment are not needed */
KMM_EXPORT void _ZdlPv(void *p) { kmm_delete(p); }
KMM_EXPORT void _ZdaPv(void *p) { kmm_delete(p); }
KMM_EXPORT void _ZdlPvm(void *p, size_t n) { (void)n; kmm_delete(p); }
KMM_EXPORT void _ZdaPvm(void *p, size_t n) { (void)n; kmm_delete(p); }
KMM_EXPORT void _ZdlPvRKSt9nothrow_t(void *p, NOTHROW_T t)
{ (void)t; kmm_delete(p); }
KMM_EXPORT void _ZdaPvRKSt9nothrow_t(void *p, NOTHROW_T t)
{ (void)t; kmm_delete(p); }
KMM_EXPORT void _ZdlPvSt11align_val_t(void *p, size_t a)
{ (void)a; kmm_delete(p); }
KMM_EXPORT void _ZdaPvSt11align_val_t(void *p, size_t a)
{ (void)a; kmm_delete(p); }
KMM_EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t a)
{ (void)n; (void)a; kmm_delete(p); }
KMM_EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t a)
{ (void)n; (void)a; kmm_delete(p); }
KMM_EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a,
						     NOTHROW_T t)
{ (void)a; (void)t; kmm_delete(p); }
KMM_EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a,
						     NOTHROW_T t)
{ (void)a; (void)t; kmm_delete(p); }

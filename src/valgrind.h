/*
 * valgrind.h - memcheck annotations.  They compile to nothing unless
 * configured with --enable-valgrind.
 */
#ifndef KMM_VALGRIND_H
#define KMM_VALGRIND_H

#endif

#!/bin/bash
# aligned.sh - posix_memalign, memalign and aligned_alloc give blocks
# aligned as asked after any mix of malloc, realloc growth and free, and
# a unique pointer for size 0 at any alignment (see aligned.c), on glibc,
# with libkmm.so preloaded and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three aligned 300

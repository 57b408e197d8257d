#!/bin/bash
# forksig.sh - a single-threaded program forks from its SIGALRM handler
# while its main loop allocates; no hang, and the children can allocate
# (see forksig.c), on glibc, with libkmm.so preloaded, and linked.
. "$(dirname "$0")/common.sh"

run_three forksig 120

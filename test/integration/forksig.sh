#!/bin/bash
# forksig.sh - a single-threaded program forks from its SIGALRM handler
# while its main loop allocates; no hang, and the children can allocate
# (see forksig.c), on glibc, with libkmm.so preloaded, and linked.
. "$(dirname "$0")/common.sh"

# Every allocation of the children takes the checked slow path under
# KMM_DEBUG: more time.
run_three forksig "$([ -n "${KMM_TEST_DEBUG:-}" ] && echo 300 || echo 120)"

#!/bin/bash
# forkstdio.sh - fork while one thread holds a FILE lock and allocates and
# another flushes every FILE: no deadlock (see forkstdio.c), on glibc,
# with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three forkstdio 120

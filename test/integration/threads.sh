#!/bin/bash
# threads.sh - many threads allocate and free across routes, free each
# other's blocks and exit with live memory (see threads.c),
# on glibc, with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three threads 600

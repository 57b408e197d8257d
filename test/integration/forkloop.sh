#!/bin/bash
# forkloop.sh - fork, vfork and posix_spawn loops beside allocating
# threads never hang (see forkloop.c), on glibc, with libkmm.so
# preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three forkloop 180

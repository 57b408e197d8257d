#!/bin/bash
# fork.sh - children forked while other threads allocate hard can
# allocate and exit 0 (see fork.c),
# on glibc, with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three fork 600

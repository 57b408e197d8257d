#!/bin/bash
# stack.sh - threads with 16 KiB stacks allocate across routes
# (see stack.c),
# on glibc, with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three stack 300

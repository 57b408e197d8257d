#!/bin/bash
# manyblocks.sh - 100,000 live blocks of 5 MiB, untouched, on glibc, with
# libkmm.so preloaded and linked with -lkmm (see manyblocks.c): kmm's
# large blocks cost no mapping each beyond what glibc's do.
. "$(dirname "$0")/common.sh"

# memcheck keeps a table of the process's mappings, far smaller.
if under_valgrind; then
	skip "memcheck cannot follow 100,000 mappings"
fi
run_three manyblocks 300

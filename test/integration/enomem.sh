#!/bin/bash
# enomem.sh - under an address-space limit (RLIMIT_AS, set by the program
# in a child), every failing entry point of the malloc family sets errno
# to ENOMEM (see enomem.c), on glibc, with libkmm.so preloaded and linked
# with -lkmm.
. "$(dirname "$0")/common.sh"

# Valgrind maps its own memory in the process: the limit would hit it.
if under_valgrind; then
	skip "RLIMIT_AS would limit memcheck's own mappings too"
fi
run_three enomem 300

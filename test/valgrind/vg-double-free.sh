#!/bin/bash
# vg-double-free.sh - memcheck reports the bug of bug_double_free.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "Invalid free" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_double_free "Invalid free"

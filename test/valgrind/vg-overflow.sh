#!/bin/bash
# vg-overflow.sh - memcheck reports the bug of bug_overflow.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "Invalid write" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_overflow "Invalid write"

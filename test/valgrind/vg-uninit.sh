#!/bin/bash
# vg-uninit.sh - memcheck reports the bug of bug_uninit.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "Conditional jump or move depends on uninitialised value" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_uninit "Conditional jump or move depends on uninitialised value"

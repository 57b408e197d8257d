#!/bin/bash
# vg-leak.sh - memcheck reports the bug of bug_leak.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "definitely lost" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_leak "definitely lost"

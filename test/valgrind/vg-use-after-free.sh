#!/bin/bash
# vg-use-after-free.sh - memcheck reports the bug of bug_use_after_free.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "Invalid read" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_use_after_free "Invalid read"

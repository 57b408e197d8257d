#!/bin/bash
# vg-invalid-free.sh - memcheck reports the bug of bug_invalid_free.c on kmm, preloaded
# and linked statically with libkmm.a, as it does on glibc: among them
# "Invalid free" with a stack through bug_in_here().
. "$(dirname "$0")/memcheck.sh"

check_bug bug_invalid_free "Invalid free"

#!/bin/bash
# vg-clean-cxx.sh - a correct program (clean_cxx.cc) reports no error and no leak under
# memcheck on kmm, preloaded and linked statically with libkmm.a, as on
# glibc.
. "$(dirname "$0")/memcheck.sh"

check_clean clean_cxx

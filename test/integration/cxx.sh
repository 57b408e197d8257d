#!/bin/bash
# cxx.sh - the C++ operators new and delete in every form, the
# new-handler, and containers shared between threads (see cxx.cc),
# on glibc, with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three cxx 300

#!/bin/bash
# tls.sh - pthread_key and C++ thread_local destructors allocate and
# free at thread exit (see tls.cc),
# on glibc, with libkmm.so preloaded, and linked with -lkmm.
. "$(dirname "$0")/common.sh"

run_three tls 300

#!/bin/bash
# beyond.sh - a single request larger than memory and swap fails with
# ENOMEM on glibc, with libkmm.so preloaded and linked with -lkmm (see
# beyond.c).
. "$(dirname "$0")/common.sh"

run_three beyond 120

#!/bin/bash
# conform.sh - the malloc family keeps glibc's documented contracts three
# ways: on glibc itself (so the test is not written for kmm alone), with
# libkmm.so preloaded into a program not linked with it, and in a program
# linked with -lkmm.  The program checks, through kmm_dump's slabinfo,
# that the preloaded and the linked runs were really served by kmm.
# Under make check-valgrind the two kmm runs are under memcheck.
. "$(dirname "$0")/common.sh"

run_three conform 600

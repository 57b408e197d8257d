#!/bin/bash
# tlsdyn.sh - the dynamic loader's allocations for the thread-local
# variables of a dlopened module (malloc on first use, free at thread
# exit after kmm's own per-thread cleanup) work on glibc, with libkmm.so
# preloaded and linked with -lkmm (see tlsdyn.c).
. "$(dirname "$0")/common.sh"

need_lib
make_tmpdir
"${CC:-cc}" -shared -fPIC -O2 -o "$TEST_TMPDIR/tlsmod.so" \
	"$srcdir/integration/tlsmod.c" || hard_error "cannot build tlsmod.so"
export KMM_TEST_TLSMOD=$TEST_TMPDIR/tlsmod.so
run_three tlsdyn 300

#!/bin/bash
# real-perl.sh - perl building big hashes, matching and rewriting with
# regular expressions, sorting and joining, prints the same with
# libkmm.so preloaded as on glibc.
. "$(dirname "$0")/common.sh"

need_lib
need_cmd perl
skip_slow_under_valgrind perl
make_tmpdir
n=300000
quick && n=30000

# Hash order is randomised per process; everything printed is sorted.
# shellcheck disable=SC2016 # perl code, not shell
prog='
my %h; my @a;
for my $i (1 .. $ARGV[0]) {
	my $k = sprintf("key%07d-%s", ($i * 7919) % 1000003, "x" x ($i % 37));
	$h{$k} .= chr(65 + $i % 26) x (1 + $i % 13);
	push @a, $k if $i % 3 == 0;
}
my ($n, $len) = (0, 0);
for my $k (keys %h) {
	(my $v = $h{$k}) =~ s/([A-M])\1+/lc($1) . length($&)/ge;
	$n++ if $k =~ /^key(\d+)7-x*$/;
	$len += length $v;
}
my @s = sort { $h{$a} cmp $h{$b} or $a cmp $b } @a;
my %inv; push @{$inv{length $h{$_}}}, $_ for keys %h;
my $j = join ",", map { scalar @{$inv{$_}} } sort { $a <=> $b } keys %inv;
delete $h{$_} for @a;
printf "keys %d matched %d len %d first %s last %s left %d\n%s\n",
	scalar(@a), $n, $len, $s[0], $s[-1], scalar(keys %h), $j;
'
run_on glibc 600 perl -e "$prog" "$n" >"$TEST_TMPDIR/glibc.out" ||
	hard_error "perl failed on glibc"
stats_file=$TEST_TMPDIR/stats run_on preload 600 perl -e "$prog" "$n" >"$TEST_TMPDIR/kmm.out"
rc=$?
expect_eq "perl exit status on kmm" 0 "$rc"
check_served_by_kmm "$TEST_TMPDIR/stats" perl
compare_runs perl "$TEST_TMPDIR/glibc.out" "$TEST_TMPDIR/kmm.out"
head -1 "$TEST_TMPDIR/kmm.out"

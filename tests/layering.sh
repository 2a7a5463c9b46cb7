#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# libstun is I/O-free: no libevent header, and no call to a
# socket, clock, sleep, exit or printing function.  Comments and string
# literals are stripped first so that prose cannot trip the check.

srcdir=${top_srcdir:-$(dirname "$0")/..}
dir="$srcdir/libstun"

if ! command -v perl >/dev/null 2>&1; then
	echo "SKIP: perl not found (needed to strip comments)"
	exit 77
fi

FUNCS='socket|socketpair|bind|listen|accept|accept4|connect|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|select|poll|epoll_wait|getaddrinfo|clock_gettime|gettimeofday|time|clock|sleep|usleep|nanosleep|exit|_exit|_Exit|abort|printf|fprintf|vfprintf|puts|fputs|perror|syslog|vsyslog|err|errx|warn|warnx'

# Print "file:line: text" for each violation in the named files.
scan() {
	perl -e '
		my $funcs = shift @ARGV;
		for my $f (@ARGV) {
			open(my $fh, "<", $f) or die "$f: $!\n";
			local $/; my $src = <$fh>; close($fh);
			# Blank comments and literals, keeping newlines.
			$src =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"')}{
				my $m = $1; $m =~ s/[^\n]/ /g; $m }gse;
			my $n = 0;
			for my $line (split(/\n/, $src, -1)) {
				$n++;
				print "$f:$n: libevent header\n"
				    if $line =~ /^\s*#\s*include\s*[<"]event2?[\/.]/;
				print "$f:$n: calls $1()\n"
				    while $line =~ /(?<![\w.>])($funcs)\s*\(/g;
			}
		}' "$FUNCS" "$@"
}

# The checker must catch what it looks for.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/bad.c" <<'EOS'
#include <event2/event.h>
/* exit(1) in a comment is fine */
static const char *s = "printf(";
int f(void) { int r = x.time(1) + p->bind(2) + stun_time(3); return sendto(0) + time (NULL); }
EOS
got=$(scan "$tmp/bad.c" | sed 's/.*: //' | tr '\n' ' ')
want="libevent header calls sendto() calls time() "
if [ "$got" != "$want" ]; then
	echo "FAIL: self-test: got '$got', want '$want'"
	exit 1
fi

files=$(ls "$dir"/*.c "$dir"/*.h 2>/dev/null)
if [ -z "$files" ]; then
	echo "FAIL: no sources under $dir"
	exit 1
fi
out=$(scan $files)
if [ -n "$out" ]; then
	echo "$out"
	echo "FAIL: libstun must do no I/O (protocol code is I/O-free)"
	exit 1
fi
echo "PASS: $(echo "$files" | wc -l) libstun files are I/O-free"
exit 0

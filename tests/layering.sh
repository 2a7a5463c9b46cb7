#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The I/O-free libraries stay I/O-free: libstun, stund's libstund.la and
# the chat's libchat.la include no libevent header and call no socket,
# clock, sleep, exit or printing function; and none of them includes a
# program's header or calls a function that a program file defines.
# The library sources and the program sources are read from the
# Makefile fragments, so new files are checked without an edit here.
# Comments and string literals are stripped first so that prose cannot
# trip the check.

srcdir=${top_srcdir:-$(dirname "$0")/..}

if ! command -v perl >/dev/null 2>&1; then
	echo "SKIP: perl not found (needed to strip comments)"
	exit 77
fi

FUNCS='socket|socketpair|bind|listen|accept|accept4|connect|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|select|poll|epoll_wait|getaddrinfo|clock_gettime|gettimeofday|time|clock|sleep|usleep|nanosleep|exit|_exit|_Exit|abort|printf|fprintf|vfprintf|puts|fputs|perror|syslog|vsyslog|err|errx|warn|warnx'

# sources VAR: the files automake variable VAR lists (= and +=), across
# Makefile.am and every fragment, one per line.
sources() {
	for f in "$srcdir"/Makefile.am "$srcdir"/*/*.mk; do
		[ -f "$f" ] && cat "$f"
	done | awk -v var="$1" '
		{ line = line $0 }
		/\\$/ { sub(/\\$/, " ", line); next }
		{
			if (line ~ ("^" var "[ \t]*\\+?=")) {
				sub(/^[^=]*=/, "", line)
				n = split(line, w, /[ \t]+/)
				for (i = 1; i <= n; i++)
					if (w[i] ~ /\.[ch]$/)
						print w[i]
			}
			line = ""
		}'
}

# Print "file:line: text" for each violation in the named files.
# BANNED_CALLS: names a library may not call; BANNED_HEADERS: headers
# (paths from the top) it may not include.
scan() {
	perl -e '
		my ($srcdir, $funcs, $calls, $hdrs) = splice(@ARGV, 0, 4);
		my %hdr = map { $_ => 1 } split(" ", $hdrs);
		my @calls = split(" ", $calls);
		my $callre = @calls ? join("|", map { quotemeta } @calls) : undef;
		for my $f (@ARGV) {
			open(my $fh, "<", "$srcdir/$f") or die "$f: $!\n";
			local $/; my $src = <$fh>; close($fh);
			(my $dir = $f) =~ s{/[^/]*$}{};
			my $n = 0;
			for my $line (split(/\n/, $src, -1)) {
				$n++;
				next unless $line =~ /^\s*#\s*include\s*"([^"]+)"/;
				my $inc = -e "$srcdir/$dir/$1" ? "$dir/$1" : $1;
				print "$f:$n: includes the program header $inc\n"
				    if $hdr{$inc};
			}
			# Blank comments and literals, keeping newlines.
			$src =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"')}{
				my $m = $1; $m =~ s/[^\n]/ /g; $m }gse;
			$n = 0;
			for my $line (split(/\n/, $src, -1)) {
				$n++;
				print "$f:$n: libevent header\n"
				    if $line =~ /^\s*#\s*include\s*[<"]event2?[\/.]/;
				print "$f:$n: calls $1()\n"
				    while $line =~ /(?<![\w.>])($funcs)\s*\(/g;
				next unless defined $callre;
				print "$f:$n: calls $1() of a program\n"
				    while $line =~ /(?<![\w.>])($callre)\s*\(/g;
			}
		}' "$srcdir" "$FUNCS" "$BANNED_CALLS" "$BANNED_HEADERS" "$@"
}

# The functions the named program files define with external linkage:
# a name in column 0 followed by "(", its return type on the line before
# not static.
program_funcs() {
	for f in "$@"; do
		case $f in *.c) cat "$srcdir/$f" ;; esac
	done | awk '
		/^[a-z_][a-z0-9_]*\(/ && prev !~ /^static/ {
			sub(/\(.*/, "")
			print
		}
		{ prev = $0 }' | sort -u | tr '\n' ' '
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# The checker must catch what it looks for.
mkdir "$tmp/lib"
cat >"$tmp/lib/bad.c" <<'EOS'
#include <event2/event.h>
#include "prog.h"
/* exit(1) and prog_run(2) in a comment are fine */
static const char *s = "printf(";
int f(void) { int r = x.time(1) + p->bind(2) + stun_time(3); return sendto(0) + time (NULL) + prog_run(); }
EOS
: >"$tmp/lib/prog.h"
got=$(BANNED_CALLS="prog_run" BANNED_HEADERS="lib/prog.h" srcdir=$tmp \
    scan lib/bad.c | sed 's/.*: //' | tr '\n' ' ')
want="includes the program header lib/prog.h libevent header calls sendto() calls time() calls prog_run() of a program "
if [ "$got" != "$want" ]; then
	echo "FAIL: self-test: got '$got', want '$want'"
	exit 1
fi
printf 'int\nprog_run(void)\n{\n}\nstatic int\nprog_helper(void)\n{\n}\n' \
    >"$tmp/lib/prog.c"
got=$(srcdir=$tmp program_funcs lib/prog.c)
if [ "$got" != "prog_run " ]; then
	echo "FAIL: self-test: program functions '$got', want 'prog_run '"
	exit 1
fi

fail=0
stund_prog=$(sources stund_stund_SOURCES)
chat_prog=$(sources chat_p2pchat_SOURCES)
probe_prog=$(sources natprobe_natprobe_SOURCES)
if [ -z "$stund_prog" ] || [ -z "$chat_prog" ] || [ -z "$probe_prog" ]; then
	echo "FAIL: cannot read the program sources from the Makefile fragments"
	exit 1
fi

# check NAME FILES PROGRAM-FILES: one library against the programs.
check() {
	name=$1
	files=$2
	if [ -z "$files" ]; then
		echo "FAIL: $name: no sources found"
		fail=1
		return
	fi
	out=$(BANNED_CALLS=$(program_funcs $3) \
	    BANNED_HEADERS=$(printf '%s\n' $3 | grep '\.h$' | tr '\n' ' ') \
	    scan $files)
	if [ -n "$out" ]; then
		echo "$out"
		echo "FAIL: $name must do no I/O and call no program code"
		fail=1
		return
	fi
	echo "PASS: $(echo $files | wc -w) $name files are I/O-free and" \
	    "call no program"
}

libstun=$(cd "$srcdir" && ls libstun/*.c libstun/*.h 2>/dev/null)
check libstun "$libstun" "$stund_prog $chat_prog $probe_prog"
check libstund "$(sources stund_libstund_la_SOURCES)" "$stund_prog"
check libchat "$(sources chat_libchat_la_SOURCES)" "$chat_prog"
exit $fail

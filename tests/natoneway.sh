#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The NAT machine's two files call one way: nat.c (the machine) calls
# natverdict.c (what its observations mean), never the reverse.  Fails
# when natverdict.c calls a function that nat.c defines.  The checker is
# first run on a pair that breaks the rule, so it cannot pass by accident.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=
cleanup()
{
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# calls MACHINE VERDICT: each function MACHINE defines that VERDICT calls.
calls()
{
	for f in $(sed -n 's/^\([a-z_][a-z0-9_]*\)(.*/\1/p' "$1" | sort -u); do
		# Comments and strings cannot mention a call by accident.
		sed -e 's|/\*.*\*/||g' -e 's/"[^"]*"//g' "$2" |
		    grep -q "[^a-z0-9_]$f[ 	]*(" && echo "$f"
	done
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/natoneway.XXXXXX") || exit 1
printf 'int\nnat_a(void)\n{\n\treturn (0);\n}\n' >"$tmp/m.c"
printf 'int\nnat_b(void)\n{\n\treturn (nat_a());\n}\n' >"$tmp/v.c"
if [ "$(calls "$tmp/m.c" "$tmp/v.c")" != nat_a ]; then
	echo "FAIL: natoneway: the checker missed a call back" >&2
	exit 1
fi

back=$(calls "$top_srcdir/libstun/nat.c" "$top_srcdir/libstun/natverdict.c")
if [ -n "$back" ]; then
	echo "FAIL: natoneway: natverdict.c calls back into nat.c:" $back
	exit 1
fi
fwd=$(calls "$top_srcdir/libstun/natverdict.c" "$top_srcdir/libstun/nat.c" |
    wc -l)
echo "PASS: natoneway: nat.c calls $fwd natverdict.c functions, none back"
exit 0

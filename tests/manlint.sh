#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Lint every manual page in man/ with mandoc(1): any message of level
# WARNING or above fails the test.  Style notes (such as references to
# pages that are not installed yet) are printed but do not fail.  A page
# that is known to be broken is linted first, so a mandoc that stays
# silent on everything cannot pass the test.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=

cleanup()
{
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

if ! command -v mandoc >/dev/null 2>&1; then
	echo "manlint: SKIP: mandoc not installed (apt-get install mandoc)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/manlint.XXXXXX") || exit 1

# lint FILE: prints what mandoc reports at WARNING and above; 0 when silent.
lint()
{
	out=$(timeout 30 mandoc -Tlint -W warning "$1" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	[ $rc -eq 0 ] && [ -z "$out" ]
}

# A missing -width and a section break inside a list: a WARNING and an ERROR.
cat >"$tmp/bad.1" <<'BAD'
.Dd $Mdocdate$
.Dt BAD 1
.Os
.Sh NAME
.Nm bad
.Nd broken on purpose
.Sh DESCRIPTION
.Bl -tag
.It x
y
.Sh SEE ALSO
BAD
if lint "$tmp/bad.1" >/dev/null; then
	echo "manlint: mandoc accepted a broken page; cannot trust it" >&2
	exit 1
fi

n=0
fail=0
for f in "$top_srcdir"/man/*.[1-9]; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if lint "$f"; then
		echo "manlint: ok: ${f#"$top_srcdir"/}"
	else
		echo "manlint: FAIL: ${f#"$top_srcdir"/}" >&2
		fail=1
	fi
	# Style notes are worth reading but do not fail the test.
	timeout 30 mandoc -Tlint -W style "$f" 2>&1 | grep ' STYLE: ' |
	    grep -v 'referenced manual not found' | sed 's/^/manlint: note: /'
done
if [ $n -eq 0 ]; then
	echo "manlint: no manual pages in $top_srcdir/man" >&2
	exit 1
fi
exit $fail

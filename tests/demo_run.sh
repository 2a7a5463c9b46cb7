#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The README's first command ends with make demo: run its script as the
# make target does and require that it says so (stund started, natprobe
# answered, both peers' lines delivered), so the newcomer's command stays
# true whatever the log or event formats become.
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM
top_builddir=$top_builddir timeout 120 sh "$top_srcdir/demo.sh" >"$out" 2>&1
rc=$?
if [ $rc -ne 0 ] || ! tail -n 1 "$out" | grep -qx 'demo: ok'; then
	echo "FAIL: demo.sh exit $rc:"
	cat "$out"
	exit 1
fi
grep -q '^== natprobe' "$out" || { echo "FAIL: no natprobe section"; exit 1; }
echo "ok: make demo: stund, natprobe and two p2pchat peers"

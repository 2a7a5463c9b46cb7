#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Replays every seed corpus through its fuzz target: the plain driver
# build (fuzz/driver.c, exact-size buffers) or, with --enable-fuzzing, the
# libFuzzer binary, which runs each file named on its command line once.

srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}
status=0

for t in msg attr stream rdv rooms proxy relay chat xfer; do
	bin="$builddir/fuzz/fuzz_$t"
	dir="$srcdir/fuzz/corpus/$t"
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin not built"
		exit 1
	fi
	n=$(ls "$dir" 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "FAIL: no seeds in $dir"
		exit 1
	fi
	log=$(timeout 300 "$bin" "$dir"/* 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$log" | tail -n 40
		echo "FAIL: fuzz_$t exited $rc on $dir"
		status=1
		continue
	fi
	# The plain driver says how many inputs it ran: all of them.
	if echo "$log" | grep -q 'inputs replayed'; then
		ran=$(echo "$log" | sed -n 's/.*: \([0-9]*\) inputs replayed/\1/p')
		if [ "$ran" != "$n" ]; then
			echo "FAIL: fuzz_$t replayed $ran of $n seeds"
			status=1
			continue
		fi
	fi
	echo "PASS: fuzz_$t replayed $n seeds"
done
exit $status

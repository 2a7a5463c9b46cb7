#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Print the C code of a manual page's EXAMPLES section: every .Bd -literal
# block, in order, with mandoc's \e turned back into a backslash and a
# #line directive so that a compiler error names the page and its line.
# tests/manex.c includes the result, so the examples cannot rot.

page=${1:?usage: manex.sh page}
[ -r "$page" ] || { echo "manex.sh: $page: cannot read" >&2; exit 1; }
awk '
/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); next }
ex && /^\.Bd -literal/ {
	on = 1
	n++
	printf "#line %d \"%s\"\n", NR + 1, FILENAME
	next
}
on && /^\.Ed/ { on = 0; print ""; next }
on { gsub(/\\e/, "\\"); gsub(/\\&/, ""); print }
END {
	if (n == 0) {
		print "manex.sh: no examples in " FILENAME > "/dev/stderr"
		exit 1
	}
}' "$page"

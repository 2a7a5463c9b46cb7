#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# mlinks.sh PAGE: the names a manual page documents besides its own, one a
# line: each .Nm of its NAME section (libstun(3) names every public
# function there).  make install gives each one a small page that sources
# PAGE (".so man3/libstun.3"), so that "man stun_msg_decode" finds it.

page=${1:?usage: mlinks.sh page}
[ -r "$page" ] || { echo "mlinks.sh: $page: cannot read" >&2; exit 1; }
self=$(basename "$page")
self=${self%.*}
awk -v self="$self" '
/^\.Sh / { nm = ($0 == ".Sh NAME"); next }
nm && /^\.Nm / {
	n = $2
	sub(/,$/, "", n)
	if (n != self && n ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && !seen[n]++)
		print n
}' "$page"

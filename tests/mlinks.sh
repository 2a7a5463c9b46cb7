#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# One manual link per public function: run the build's own install rules
# (install-man3 and install-mlinks) into a temporary DESTDIR, then check
# that every function libstun(3) names got a page, that "man stun_msg_decode"
# (or mandoc, when man is missing) shows libstun(3) through it, and that
# uninstall-mlinks removes every link again.

: "${top_builddir:=.}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=
fails=0

cleanup()
{
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail()
{
	echo "FAIL: mlinks: $*"
	fails=$((fails + 1))
}

[ -f "$top_builddir/Makefile" ] || { echo "SKIP: mlinks: no Makefile"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlinks.XXXXXX") || exit 1
names=$(sh "$top_srcdir/man/mlinks.sh" "$top_srcdir/man/libstun.3") || exit 1
want=$(echo "$names" | wc -l)
# The functions the page's NAME lists, which apidoc.sh holds to the headers.
[ "$want" -gt 100 ] || fail "only $want names from mlinks.sh"
echo "$names" | grep -qx stun_msg_decode || fail "stun_msg_decode not listed"
echo "$names" | grep -qx libstun && fail "the page links to itself"

# The build's own rules, nothing copied: mandir moved under DESTDIR.
if ! MAKEFLAGS= timeout 120 ${MAKE:-make} -s -C "$top_builddir" \
    DESTDIR="$tmp" mandir=/man install-man3 install-mlinks \
    >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: mlinks: make install-man3 install-mlinks"
	exit 1
fi
m3="$tmp/man/man3"
got=0
for n in $names; do
	if [ "$(cat "$m3/$n.3" 2>/dev/null)" = ".so man3/libstun.3" ]; then
		got=$((got + 1))
	else
		fail "$n.3: missing or wrong"
	fi
done
[ -f "$m3/libstun.3" ] || fail "libstun.3 itself not installed"
echo "ok: mlinks: $got of $want functions have a page"

# The link leads to the page.
if command -v man >/dev/null 2>&1 &&
    man -M "$tmp/man" -w stun_msg_decode >/dev/null 2>&1; then
	out=$(MANPAGER=cat MANWIDTH=80 timeout 30 man -M "$tmp/man" \
	    stun_msg_decode 2>/dev/null | sed 's/.\x08//g')
	how="man -M"
elif command -v mandoc >/dev/null 2>&1; then
	out=$(cd "$tmp/man" && timeout 30 mandoc -Tascii \
	    man3/stun_msg_decode.3 2>/dev/null | sed 's/.\x08//g')
	how="mandoc"
else
	echo "SKIP: mlinks: neither man nor mandoc to read a page"
	exit 77
fi
if echo "$out" | grep -q '^LIBSTUN(3)' &&
    echo "$out" | grep -q 'stun_msg_decode'; then
	echo "ok: mlinks: $how stun_msg_decode shows libstun(3)"
else
	fail "$how stun_msg_decode does not show libstun(3)"
	echo "$out" | head -5
fi

if ! MAKEFLAGS= timeout 120 ${MAKE:-make} -s -C "$top_builddir" \
    DESTDIR="$tmp" mandir=/man uninstall-mlinks >/dev/null 2>&1; then
	fail "make uninstall-mlinks"
fi
left=$(ls "$m3" | grep -vx libstun.3 | wc -l)
[ "$left" -eq 0 ] || fail "$left links left after uninstall-mlinks"

if [ $fails -ne 0 ]; then
	echo "mlinks: $fails failure(s)"
	exit 1
fi
echo "mlinks: all passed"
exit 0

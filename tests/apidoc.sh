#!/bin/sh
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Keep libstun(3) in step with the public headers.  Every STUN_API function
# in libstun/stun.h, libstun/txn.h and any other header the page's SYNOPSIS
# names with .In must appear in the SYNOPSIS with the same return type and
# parameters, be listed in NAME, and be mentioned again (described) below
# the SYNOPSIS; the SYNOPSIS may not show functions the headers lack; and
# every STUN_ERR_* value must be explained with .Dv.  The checker is first
# run on broken copies of the page, so a check that cannot fail is noticed.

LC_ALL=C
export LC_ALL
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
page=$top_srcdir/man/libstun.3
tmp=
tab=$(printf '\t')

cleanup()
{
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

if [ ! -r "$page" ]; then
	echo "apidoc: $page: missing" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apidoc.XXXXXX") || exit 1

# name TAB return type TAB parameters joined by "|", for each STUN_API
# declaration (which may span lines, up to its ";").
header_protos()
{
	awk '
	function trim(s) {
		gsub(/[ \t]+/, " ", s)
		sub(/^ /, "", s)
		sub(/ $/, "", s)
		return s
	}
	function emit(d,    pre, args, name, type, n, i, a, out) {
		sub(/^STUN_API[ \t]+/, "", d)
		i = index(d, "(")
		pre = substr(d, 1, i - 1)
		args = substr(d, i + 1)
		sub(/\)[ \t]*;.*$/, "", args)
		if (!match(pre, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/))
			return
		name = trim(substr(pre, RSTART))
		type = trim(substr(pre, 1, RSTART - 1))
		n = split(args, a, ",")
		out = ""
		for (i = 1; i <= n; i++)
			out = out (i > 1 ? "|" : "") trim(a[i])
		printf "%s\t%s\t%s\n", name, type, out
	}
	/^STUN_API[ \t]/ { d = ""; on = 1 }
	on { d = d " " $0 }
	on && /;/ { emit(trim(d)); on = 0 }
	' "$@"
}

# The same triples from the SYNOPSIS: .Ft then .Fn name "arg" ... or
# .Fo name, .Fa "arg" ..., .Fc.
page_protos()
{
	awk '
	function trim(s) {
		gsub(/[ \t]+/, " ", s)
		sub(/^ /, "", s)
		sub(/ $/, "", s)
		return s
	}
	function quoted(s, out,    n, i, a, r) {
		r = ""
		n = split(s, a, "\"")
		if (n == 1)
			return trim(s)
		for (i = 2; i <= n; i += 2)
			r = r (r == "" ? "" : "|") trim(a[i])
		return r
	}
	/^\.Sh / { syn = ($0 == ".Sh SYNOPSIS"); next }
	!syn { next }
	/^\.Ft / { ft = $0; sub(/^\.Ft[ \t]+/, "", ft); gsub(/"/, "", ft)
		ft = trim(ft); next }
	/^\.Fn / { s = $0; sub(/^\.Fn[ \t]+/, "", s)
		name = s; sub(/[ \t].*$/, "", name)
		rest = substr(s, length(name) + 1)
		printf "%s\t%s\t%s\n", name, ft, quoted(rest); next }
	/^\.Fo / { fo = $0; sub(/^\.Fo[ \t]+/, "", fo); fo = trim(fo)
		fa = ""; next }
	/^\.Fa / && fo != "" { s = $0; sub(/^\.Fa[ \t]+/, "", s)
		fa = fa (fa == "" ? "" : "|") quoted(s); next }
	/^\.Fc/ && fo != "" { printf "%s\t%s\t%s\n", fo, ft, fa; fo = "" }
	' "$1"
}

# The headers the page promises to cover.
headers()
{
	printf '%s\n' "$top_srcdir/libstun/stun.h" "$top_srcdir/libstun/txn.h"
	awk '/^\.Sh / { syn = ($0 == ".Sh SYNOPSIS"); next }
	    syn && /^\.In libstun\// { print $2 }' "$1" |
	    while read -r h; do
		printf '%s\n' "$top_srcdir/$h"
	    done
}

# check PAGE: 0 when the page documents the API, else 1 with reasons.
check()
{
	p=$1
	fail=0
	hdrs=$(headers "$p" | sort -u)
	for h in $hdrs; do
		if [ ! -r "$h" ]; then
			echo "apidoc: $h: named in SYNOPSIS but missing"
			fail=1
		fi
	done
	# shellcheck disable=SC2086
	header_protos $hdrs | sort >"$tmp/h" || return 1
	page_protos "$p" | sort >"$tmp/p" || return 1
	if [ ! -s "$tmp/h" ]; then
		echo "apidoc: no STUN_API declarations found in $hdrs"
		return 1
	fi

	cut -f1 "$tmp/h" | sort -u >"$tmp/hn"
	cut -f1 "$tmp/p" | sort -u >"$tmp/pn"
	for f in $(comm -23 "$tmp/hn" "$tmp/pn"); do
		echo "apidoc: $f: not in the SYNOPSIS"
		fail=1
	done
	for f in $(comm -13 "$tmp/hn" "$tmp/pn"); do
		echo "apidoc: $f: in the SYNOPSIS but not declared STUN_API"
		fail=1
	done
	if [ "$(cut -f1 "$tmp/p" | sort | uniq -d)" != "" ]; then
		echo "apidoc: SYNOPSIS lists a function twice:" \
		    $(cut -f1 "$tmp/p" | sort | uniq -d)
		fail=1
	fi
	# Same name on both sides but a different type or parameter list.
	join -t "$tab" "$tmp/h" "$tmp/p" | awk -F "$tab" '
	    $2 != $4 || $3 != $5 {
		gsub(/\|/, ", ", $3); gsub(/\|/, ", ", $5)
		printf "apidoc: %s: header has \"%s %s(%s)\", page has " \
		    "\"%s %s(%s)\"\n", $1, $2, $1, $3, $4, $1, $5
		bad = 1 }
	    END { exit bad }' || fail=1

	# NAME lists each function; the text below SYNOPSIS describes it.
	awk '/^\.Sh / { nm = ($0 == ".Sh NAME"); next }
	    nm && /^\.Nm / { sub(/,$/, "", $2); print $2 }' "$p" |
	    sort -u >"$tmp/nm"
	awk '/^\.Sh / { body = ($0 != ".Sh NAME" && $0 != ".Sh SYNOPSIS")
		next }
	    body { for (i = 1; i < NF; i++)
		if ($i == ".Fn" || $i == "Fn" || $i == ".Fo")
			print $(i + 1) }' "$p" | sort -u >"$tmp/body"
	for f in $(comm -23 "$tmp/hn" "$tmp/nm"); do
		echo "apidoc: $f: not listed in NAME"
		fail=1
	done
	for f in $(comm -23 "$tmp/hn" "$tmp/body"); do
		echo "apidoc: $f: never described outside the SYNOPSIS"
		fail=1
	done

	# Every error value is explained.
	sed -n 's/^#define[ 	]*\(STUN_ERR_[A-Z0-9_]*\).*/\1/p' \
	    "$top_srcdir/libstun/stun.h" | sort -u >"$tmp/errs"
	awk '{ for (i = 1; i < NF; i++)
		if ($i == ".Dv" || $i == "Dv") print $(i + 1) }' "$p" |
	    sort -u >"$tmp/dv"
	for e in $(comm -23 "$tmp/errs" "$tmp/dv"); do
		echo "apidoc: $e: not explained (.Dv) in the page"
		fail=1
	done
	return $fail
}

# The checker must notice breakage: a function dropped from the SYNOPSIS,
# a parameter changed, an error value left out.
first=$(header_protos "$top_srcdir/libstun/stun.h" | head -n 1 | cut -f1)
if [ -z "$first" ]; then
	echo "apidoc: cannot read STUN_API declarations" >&2
	exit 1
fi
sed "/^\\.F[no] $first\$/d; /^\\.F[no] $first /d" "$page" >"$tmp/drop.3"
sed 's/"struct stun_msg \*m"/"struct stun_msg *msg"/' "$page" >"$tmp/arg.3"
sed '/^\.It Dv STUN_ERR_TIMEOUT/d; s/Dv STUN_ERR_TIMEOUT//g' "$page" \
    >"$tmp/err.3"
for bad in drop arg err; do
	if check "$tmp/$bad.3" >/dev/null; then
		echo "apidoc: self-test: broken page ($bad) passed" >&2
		exit 1
	fi
done

if ! check "$page"; then
	echo "apidoc: man/libstun.3 does not match the headers" >&2
	exit 1
fi
echo "apidoc: $(wc -l <"$tmp/h") functions documented"
exit 0

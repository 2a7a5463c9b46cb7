#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund's options come from one table: --help (and -h) prints one line per
# option on stdout and exits 0; stund.8 and stund.conf.5 document exactly
# the options --help lists, with the same argument names and defaults,
# stund.conf.5 names exactly the options that need a restart, and the
# sample config shows them all.  Usage errors are one line on stderr that
# names the bad value, and exit 2.  No network: stund never gets as far
# as binding.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
[ -x "$STUND" ] || st_skip "$STUND not built"
st_need timeout awk sort comm
MAN8="$top_srcdir/man/stund.8"
MAN5="$top_srcdir/man/stund.conf.5"
T=$ST_TMP

# --help and -h: stdout only, exit 0.
timeout 10 "$STUND" --help >"$T/help" 2>"$T/help.err"
rc=$?
[ $rc -eq 0 ] && st_ok "--help exits 0" || st_fail "--help exits $rc"
[ -s "$T/help" ] && [ ! -s "$T/help.err" ] &&
    st_ok "--help writes to stdout only" ||
    st_fail "--help: stdout $(wc -c <"$T/help") bytes," \
    "stderr: $(cat "$T/help.err")"
timeout 10 "$STUND" -h >"$T/h" 2>&1
cmp -s "$T/help" "$T/h" && st_ok "-h prints the same help" ||
    st_fail "-h differs from --help"

# The table as --help shows it: name TAB arg TAB default TAB restart.
awk '
	/^  --(version|help)/ { next }
	/^  --[a-z]/ {
		opt = $1; sub(/^--/, "", opt)
		arg = "-"
		if (opt ~ /\[=yes\|no\]$/) {
			sub(/\[.*/, "", opt)
			arg = "yes|no"
		} else
			arg = $2
		dflt = "-"
		if (match($0, /\(default [^;)]*/))
			dflt = substr($0, RSTART + 9, RLENGTH - 9)
		restart = ($0 ~ /[(; ]restart\)$/) ? "restart" : "-"
		print opt "\t" arg "\t" dflt "\t" restart
	}' "$T/help" >"$T/table"
n=$(wc -l <"$T/table")
if [ "$n" -lt 40 ]; then
	st_fail "--help lists only $n options"
fi
lines=$(grep -c '^  -' "$T/help")
[ "$lines" -eq $((n + 3)) ] &&
    st_ok "--help: one line for each of $n options, -c, --version, --help" ||
    st_fail "--help: $lines option lines for $n options"
grep -q '^  --version ' "$T/help" && grep -q '^  -h, --help ' "$T/help" &&
    grep -q '^  -c file ' "$T/help" ||
    st_fail "--help lacks -c, --version or -h"
cut -f1 "$T/table" | sort >"$T/names"

# man_entries PAGE MACRO: "name TAB arg TAB text" for each ".It MACRO name"
# of DESCRIPTION (MACRO Fl or Ic), its text joined, mdoc macros removed.
man_entries()
{
	awk -v pre="$2" '
	function flush() {
		if (name != "") {
			gsub(/\\-/, "-", text)
			gsub(/(^| )[A-Z][a-z](  *|$)/, " ", text)
			gsub(/  +/, " ", text)
			print name "\t" arg "\t" text
		}
		name = ""
	}
	/^\.Sh / { flush(); insec = ($2 == "DESCRIPTION") }
	/^\.It / && insec {
		flush()
		line = $0
		sub(/^\.It /, "", line)
		if (index(line, pre " ") != 1)
			next
		line = substr(line, length(pre) + 2)
		n = split(line, w, " ")
		name = w[1]
		gsub(/\\-/, "-", name)
		sub(/^-/, "", name)
		arg = "-"
		for (i = 2; i <= n; i++) {
			if (w[i] == "Ar") { arg = w[i + 1]; break }
			if (w[i] == "yes") { arg = "yes|no"; break }
		}
		text = ""
		next
	}
	/^\.(El|Bl)/ { flush(); next }
	name != "" { l = $0; sub(/^\./, "", l); text = text " " l }
	END { flush() }' "$1"
}

# page_mismatch PAGE MACRO: what in PAGE's entries disagrees with the
# table's argument names and defaults; nothing when all agree.
page_mismatch()
{
	man_entries "$1" "$2" >"$T/entries"
	awk -F '\t' '
	    NR == FNR { arg[$1] = $2; dflt[$1] = $3; next }
	    !($1 in arg) { next }
	    {
		want = arg[$1]
		if (want != "yes|no")
			sub(/[^a-z].*/, "", want)
		if ($2 != want)
			printf "%s: argument %s, not %s; ", $1, $2, want
		d = "default " dflt[$1]
		t = $3 " "
		if (dflt[$1] != "-" && index(t, d " ") == 0 &&
		    index(t, d ". ") == 0 && index(t, d ", ") == 0 &&
		    index(t, d "; ") == 0)
			printf "%s: no \"%s\"; ", $1, d
	    }' "$T/table" "$T/entries"
}

# check_page PAGE MACRO EXTRA: the page lists exactly the table's options
# (plus the EXTRA names), each with its argument name and default.
check_page()
{
	page=$1
	base=${page##*/}
	man_entries "$page" "$2" | cut -f1 | sort -u >"$T/$base.names"
	{ cat "$T/names"; for e in $3; do echo "$e"; done; } | sort \
	    >"$T/$base.want"
	missing=$(comm -13 "$T/$base.names" "$T/$base.want" | tr '\n' ' ')
	extra=$(comm -23 "$T/$base.names" "$T/$base.want" | tr '\n' ' ')
	[ -z "$missing" ] && st_ok "$base documents every option" ||
	    st_fail "$base lacks: $missing"
	[ -z "$extra" ] && st_ok "$base documents no other option" ||
	    st_fail "$base documents options stund lacks: $extra"
	bad=$(page_mismatch "$page" "$2")
	[ -z "$bad" ] && st_ok "$base: arguments and defaults match" ||
	    st_fail "$base: $bad"
}

check_page "$MAN8" Fl "c h version"

# The SYNOPSIS of stund.8 shows every option too.
awk '/^\.Sh / { on = ($2 == "SYNOPSIS") } on' "$MAN8" |
    grep -o 'Fl \\-[a-z0-9\\-]*\|Fl [a-z]' |
    sed 's/^Fl //; s/\\-/-/g; s/^-//' | sort -u >"$T/synopsis"
{ cat "$T/names"; printf 'c\nh\nversion\n'; } | sort >"$T/synopsis.want"
cmp -s "$T/synopsis" "$T/synopsis.want" &&
    st_ok "stund.8 SYNOPSIS shows every option" ||
    st_fail "stund.8 SYNOPSIS differs:" "$(diff "$T/synopsis.want" \
    "$T/synopsis" | grep '^[<>]' | tr '\n' ' ')"

check_page "$MAN5" Ic ""

# stund.conf.5 names the restart options in the first .Ic lines after
# its "need a restart" sentence, up to the one that ends with " .".
awk '
	/need a restart/ { on = 1; next }
	on && /^\.Ic / {
		l = $0; sub(/^\.Ic /, "", l)
		n = split(l, w, " ")
		for (i = 1; i <= n; i++)
			if (w[i] != "," && w[i] != ".")
				print w[i]
		if (l ~ / \.$/)
			exit
		list = 1
		next
	}
	list { exit }' "$MAN5" | sort >"$T/restart.man"
awk -F '\t' '$4 == "restart" { print $1 }' "$T/table" | sort \
    >"$T/restart.want"
if [ ! -s "$T/restart.man" ]; then
	st_fail "stund.conf.5 has no restart list after \"need a restart\""
elif cmp -s "$T/restart.man" "$T/restart.want"; then
	st_ok "stund.conf.5 names the" \
	    "$(wc -l <"$T/restart.want") restart options"
else
	st_fail "stund.conf.5 restart list differs:" \
	    "$(diff "$T/restart.want" "$T/restart.man" | grep '^[<>]' |
	    tr '\n' ' ')"
fi

# The checkers must see a difference: a page without the first option,
# and one with another default for port.
first=$(head -n 1 "$T/table" | cut -f1)
sed "/^\.It Ic $first /d" "$MAN5" >"$T/broken.5"
man_entries "$T/broken.5" Ic | cut -f1 | sort >"$T/broken.names"
if comm -13 "$T/broken.names" "$T/names" | grep -qx "$first"; then
	st_ok "self-test: a page without '$first' is caught"
else
	st_fail "self-test: a page without '$first' passes"
fi
sed 's/default 3478/default 3479/' "$MAN5" >"$T/broken.5"
case $(page_mismatch "$T/broken.5" Ic) in
*'port: no "default 3478"'*)
	st_ok "self-test: a wrong default is caught" ;;
*)
	st_fail "self-test: a wrong default for port passes" ;;
esac

# The sample config shows every keyword, commented out or not.
missing=$(while read -r o; do
	grep -Eq "^#?$o[[:space:]]" "$top_srcdir/stund/stund.conf.sample" ||
	    printf '%s ' "$o"
done <"$T/names")
[ -z "$missing" ] && st_ok "stund.conf.sample shows every keyword" ||
    st_fail "stund.conf.sample lacks: $missing"

# --version: one line on stdout, exit 0.
out=$(timeout 10 "$STUND" --version 2>&1)
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^stund (.*) [0-9]' &&
    [ "$(echo "$out" | wc -l)" -eq 1 ] &&
    st_ok "--version: $out" || st_fail "--version: rc $rc: $out"

# usage ARGS... : exit 2, nothing on stdout, one line on stderr.
usage()
{
	timeout 10 "$STUND" "$@" >"$T/u.out" 2>"$T/u.err"
	rc=$?
	if [ $rc -ne 2 ] || [ -s "$T/u.out" ] ||
	    [ "$(wc -l <"$T/u.err")" -ne 1 ]; then
		st_fail "stund $*: rc $rc, stdout $(wc -c <"$T/u.out") bytes," \
		    "stderr: $(head -c 300 "$T/u.err" | tr '\n' '|')"
		return 1
	fi
	return 0
}

# usage_names VALUE ARGS...: a usage error whose line names VALUE.
usage_names()
{
	v=$1
	shift
	usage "$@" || return
	grep -qF -- "$v" "$T/u.err" && st_ok "usage error: $(cat "$T/u.err")" ||
	    st_fail "'$(cat "$T/u.err")' does not name $v"
}

usage_names 70000 --port 70000
usage_names 0 --workers 0
usage_names maybe --foreground=maybe
usage_names 300.1.2.3 --primary 300.1.2.3
usage_names 5000-4000 --relay-ports 5000-4000
usage_names loud --log-level loud
usage_names --bogus --bogus
usage_names -x -x
usage_names stray --primary 127.0.0.1 stray
usage_names --port --port
usage_names aaaa --software "$(printf '%0600d' 0 | tr 0 a)"

st_done

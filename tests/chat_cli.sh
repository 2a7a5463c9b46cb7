#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat's command line: -h and --help on stdout with a line per option
# (exit 0), --version, usage errors that name the bad value in one line
# (exit 2), --name from $USER, and the room code from --code-file FILE,
# from the first line of stdin (--code-file -) and from $P2PCHAT_CODE:
# each peer joins the room and its code is never in its command line (ps);
# a code given as an argument is wiped from it.  Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
PIDS_CHAT=""

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout mkfifo ps
st_setup
T=$ST_TMP

# run ARGS...: p2pchat with stdin from /dev/null; sets RC, OUT, ERR.
run()
{
	timeout 20 "$CHAT" "$@" </dev/null >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# usage_error WHAT FIXED ARGS...: exit 2, nothing on stdout, one line on
# stderr that contains FIXED.
usage_error()
{
	_what=$1
	_fixed=$2
	shift 2
	run "$@"
	if [ $RC -eq 2 ] && [ -z "$OUT" ] &&
	    [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    grep -qF -- "$_fixed" "$T/err"; then
		st_ok "$_what: exit 2, one line naming '$_fixed'"
	else
		st_fail "$_what: exit $RC, stderr: $ERR"
	fi
}

# --- Help and version. ---
for h in -h --help; do
	run $h
	if [ $RC -eq 0 ] && [ -z "$ERR" ] &&
	    echo "$OUT" | head -n 1 | grep -q '^usage: p2pchat '; then
		st_ok "$h: usage on stdout, exit 0"
	else
		st_fail "$h: exit $RC, stderr: $ERR"
	fi
	missing=""
	for o in server name join code-file batch port linger relay \
	    force-relay no-relay verbose help version; do
		echo "$OUT" | grep -Eq "^ +(-[a-z], )?--$o( |\$)" ||
		    missing="$missing --$o"
	done
	[ -z "$missing" ] && st_ok "$h: a line for every option" ||
	    st_fail "$h: no line for$missing"
done
run --version
if [ $RC -eq 0 ] && echo "$OUT" | grep -Eq '^p2pchat [0-9]+\.[0-9]+'; then
	st_ok "--version: '$OUT', exit 0"
else
	st_fail "--version: exit $RC, '$OUT'"
fi

# --- Usage errors: one line that names the bad value, exit 2. ---
usage_error "--port 99999" "99999" --server 127.0.0.1 --name x --port 99999
usage_error "--linger abc" "abc" --server 127.0.0.1 --name x --linger abc
usage_error "an unknown option" "--bogus" --bogus
usage_error "an option without its value" "--server" --server
usage_error "no --server" "--server" --name x
usage_error "a bad server port" "127.0.0.1:70000" \
    --server 127.0.0.1:70000 --name x
usage_error "two codes" "second-code" --server 127.0.0.1 --name x \
    first-code second-code
usage_error "--no-relay with --force-relay" "--force-relay" \
    --server 127.0.0.1 --name x --no-relay --force-relay
usage_error "a name with a tab" "'a?b'" --server 127.0.0.1 \
    --name "$(printf 'a\tb')"
usage_error "--join without a terminal" "--join" --server 127.0.0.1 \
    --name x --join
usage_error "a code and --code-file" "--code-file" --server 127.0.0.1 \
    --name x --code-file /dev/null some-code
usage_error "a bad --relay" "--relay" --server 127.0.0.1 --name x \
    --relay turn:user:hunter2
if grep -q hunter2 "$T/err"; then
	st_fail "a bad --relay: the password is on stderr"
else
	st_ok "a bad --relay: the password is not echoed"
fi
env -u USER -u LOGNAME timeout 20 "$CHAT" --server 127.0.0.1 </dev/null \
    >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q USER "$T/err"
[ $? -eq 0 ] && st_ok "no --name and no \$USER: one line, exit 2" ||
    st_fail "no --name and no \$USER: exit $rc, $(cat "$T/err")"

# --- Code files that cannot be used: one line, exit 1. ---
run --server 127.0.0.1 --name x --code-file "$T/none"
[ $RC -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
    grep -qF "$T/none" "$T/err"
[ $? -eq 0 ] && st_ok "a missing --code-file: one line naming it, exit 1" ||
    st_fail "a missing --code-file: exit $RC, $ERR"
: >"$T/empty"
run --server 127.0.0.1 --name x --code-file "$T/empty"
[ $RC -eq 1 ] && grep -q "no room code" "$T/err"
[ $? -eq 0 ] && st_ok "an empty --code-file: 'no room code', exit 1" ||
    st_fail "an empty --code-file: exit $RC, $ERR"
echo "zzzz-zzzz-not-a-code" >"$T/bad"
run --server 127.0.0.1 --name x --code-file "$T/bad"
[ $RC -eq 1 ] && grep -q "not valid" "$T/err" &&
    ! grep -q "zzzz" "$T/err"
[ $? -eq 0 ] && st_ok "a bad code in a file: exit 1, not echoed" ||
    st_fail "a bad code in a file: exit $RC, $ERR"

# --- The code from a file, stdin and the environment. ---
if ! st_stund_start --primary "$ST_IP1" --port 0; then
	st_fail "stund did not start"
	st_done
fi
SRV="127.0.0.1:$P1"
for n in alice file stdin env arg; do
	mkfifo "$T/$n.in" || exit 99
done
exec 3<>"$T/alice.in" 4<>"$T/file.in" 5<>"$T/stdin.in" 6<>"$T/env.in" \
    7<>"$T/arg.in"

# peer NAME ARGS...: a --batch peer reading $T/NAME.in; sets PID_NAME to
# p2pchat's own pid.
peer()
{
	_n=$1
	shift
	timeout 60 "$@" <"$T/$_n.in" >"$T/$_n.out" 2>"$T/$_n.err" \
	    3>&- 4>&- 5>&- 6>&- 7>&- &
	ST_PIDS="$ST_PIDS $!"
	_i=0
	while [ -z "$(st_child $!)" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	eval "PID_$_n=$(st_child $!)"
}

# joined NAME: until NAME's peer is up with alice (10 s).
joined()
{
	st_wait_log "$T/$1.out" '"event":"joined","peer":"alice"' 100
}

# hidden NAME WHAT: the code is not in the command line of NAME's p2pchat.
hidden()
{
	eval "_p=\$PID_$1"
	if [ -n "$_p" ] && [ -r "/proc/$_p/cmdline" ] &&
	    ! tr '\0' ' ' <"/proc/$_p/cmdline" | grep -q "$CODE" &&
	    ! ps -o args= -p "$_p" | grep -q "$CODE"; then
		st_ok "$2: the code is not in its command line (ps)"
	else
		st_fail "$2: pid '$_p', command line: $(ps -o args= -p "$_p")"
	fi
}

peer alice "$CHAT" --batch --server "$SRV" --name alice
if ! st_wait_log "$T/alice.out" '"event":"room"' 100; then
	st_fail "alice printed no room event"
	st_done
fi
CODE=$(sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p' "$T/alice.out")

echo "$CODE" >"$T/code"
peer file "$CHAT" --batch --server "$SRV" --name file --code-file "$T/code"
joined file && st_ok "--code-file FILE: joined alice" ||
    st_fail "--code-file FILE: $(cat "$T/file.err")"
hidden file "--code-file FILE"

peer stdin "$CHAT" --batch --server "$SRV" --name stdin --code-file -
printf '%s\nhello after the code\n' "$CODE" >&5
joined stdin && st_ok "--code-file -: joined alice" ||
    st_fail "--code-file -: $(cat "$T/stdin.err")"
st_wait_log "$T/alice.out" '"from":"stdin".*"text":"hello after the code"' \
    100 && st_ok "--code-file -: the next line of stdin is a message" ||
    st_fail "--code-file -: alice did not get the line after the code"
hidden stdin "--code-file -"

peer env env P2PCHAT_CODE="$CODE" "$CHAT" --batch --server "$SRV" \
    --name env
joined env && st_ok "\$P2PCHAT_CODE: joined alice" ||
    st_fail "\$P2PCHAT_CODE: $(cat "$T/env.err")"
hidden env "\$P2PCHAT_CODE"

peer arg env USER=argus "$CHAT" --batch --server "$SRV" "$CODE"
joined arg && st_ok "the code as an argument: joined alice" ||
    st_fail "the code as an argument: $(cat "$T/arg.err")"
hidden arg "the code as an argument, once started"
st_wait_log "$T/alice.out" '"event":"joined","peer":"argus"' 50 &&
    st_ok "--name defaults to \$USER (argus)" ||
    st_fail "alice saw no peer named argus"

# Every peer leaves at the end of its input.
exec 3>&- 4>&- 5>&- 6>&- 7>&-
for n in alice file stdin env arg; do
	eval "_p=\$PID_$n"
	_i=0
	while [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q '"event":"bye"' "$T/$n.out" && st_ok "$n: left the room" ||
	    st_fail "$n: no bye event"
	if grep -Eq 'Sanitizer|runtime error' "$T/$n.err"; then
		st_fail "$n: sanitizer report"
		sed 's/^/  | /' "$T/$n.err" | head -n 30
	fi
done
st_done

# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Shared helpers for the stund shell tests: find the binaries, start our
# stund on loopback with --port 0 and read its ports from stderr, run
# stunpoke, start other processes and clean every one of them up on exit.
# Everything goes to loopback only.  Sourced, never run.

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
STUND="$top_builddir/stund/stund"
POKE="$top_builddir/tests/stunpoke"
ST_IP1=127.0.0.1
ST_IP2=127.0.0.2
ST_PIDS=""
ST_FAILS=0
ST_NAME=${0##*/}
ST_NAME=${ST_NAME%.sh}

st_cleanup()
{
	for p in $ST_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $ST_PIDS; do
		# Bounded: give each a second, then SIGKILL.
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 10 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ST_PIDS=""
	if [ -n "$ST_TMP" ] && [ -d "$ST_TMP" ]; then
		if [ "$ST_FAILS" -ne 0 ] && [ -n "$ST_KEEP" ]; then
			echo "$ST_NAME: logs kept in $ST_TMP"
		else
			rm -rf "$ST_TMP"
		fi
	fi
}

# st_setup: temporary directory and the cleanup trap.
st_setup()
{
	ST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$ST_NAME.XXXXXX") || exit 99
	trap 'st_cleanup' EXIT
	trap 'exit 99' INT TERM HUP
}

st_skip()
{
	echo "SKIP: $ST_NAME: $*"
	exit 77
}

st_ok()
{
	echo "ok: $*"
}

# st_fail MSG: note a failure and go on (st_done decides the exit code).
st_fail()
{
	echo "FAIL: $*"
	ST_FAILS=$((ST_FAILS + 1))
}

st_done()
{
	# Any stund of this run that reported to ASan/UBSan fails it.
	for _f in "$ST_TMP"/stund.*.log; do
		[ -f "$_f" ] || continue
		if st_san_report "$_f"; then
			st_fail "sanitizer report in ${_f##*/}:"
			grep -E -A12 'Sanitizer|runtime error' "$_f" |
			    head -n 40 | sed 's/^/  | /'
		fi
	done
	if [ "$ST_FAILS" -ne 0 ]; then
		echo "$ST_NAME: $ST_FAILS failure(s)"
		exit 1
	fi
	echo "$ST_NAME: all passed"
	exit 0
}

# st_need CMD...: skip unless every command exists.
st_need()
{
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    st_skip "$c not installed"
	done
}

# st_need_bins: our stund and stunpoke must have been built.
st_need_bins()
{
	[ -x "$STUND" ] || st_skip "$STUND not built"
	[ -x "$POKE" ] || st_skip "$POKE not built"
}

# st_have_ipv6: ::1 usable?
st_have_ipv6()
{
	[ -r /proc/net/if_inet6 ] &&
	    grep -q '^00000000000000000000000000000001' /proc/net/if_inet6
}

# st_bg LOG CMD...: start CMD in the background (stdout+stderr to LOG)
# and remember its pid for cleanup; sets ST_LASTPID.
st_bg()
{
	_log=$1
	shift
	"$@" >"$_log" 2>&1 &
	ST_LASTPID=$!
	ST_PIDS="$ST_PIDS $ST_LASTPID"
}

# st_stop PID: stop one process we started (SIGTERM, then SIGKILL).
st_stop()
{
	_p=$1
	kill "$_p" 2>/dev/null
	i=0
	while kill -0 "$_p" 2>/dev/null && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	st_forget "$_p"
}

# st_forget PID: PID was waited for; never signal it (it may be reused).
st_forget()
{
	_rest=""
	for q in $ST_PIDS; do
		[ "$q" = "$1" ] || _rest="$_rest $q"
	done
	ST_PIDS=$_rest
}

# st_child PID: the (first) child process of PID.
st_child()
{
	_c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	[ -n "$_c" ] || _c=$(ps -o pid= --ppid "$1" 2>/dev/null)
	set -- $_c
	echo "$1"
}

# st_wait_log FILE REGEX [TENTHS]: wait until FILE matches (default 10 s).
st_wait_log()
{
	i=0
	while [ $i -lt "${3:-100}" ]; do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# st_free_port: a port P with P and P+1 unused by any TCP or UDP socket
# right now, outside the ephemeral range (the caller binds it at once).
st_free_port()
{
	_i=0
	while [ $_i -lt 50 ]; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((20000 + _r % 12000))
		if ! ss -Hantu 2>/dev/null | awk '{ print $5 }' |
		    grep -Eq "[:.]($_p|$((_p + 1)))\$"; then
			echo "$_p"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

# st_listen_parse LOG: print "proto addr:port" for each "listening on"
# line of our stund.
st_listen_parse()
{
	_a='(\[[0-9a-fA-F:.]+\]:[0-9]+|[0-9.]+:[0-9]+)'
	grep 'listening on' "$1" | sed -E \
	    -e 's/.*listening on[: ]*//' \
	    -e "s/^([a-z]+)[: ]+$_a.*/\\1 \\2/" |
	    awk 'NF == 2 { print tolower($1), $2 }'
}

# st_port_of LOG PROTO IP N: the Nth distinct port (1-based) of PROTO
# sockets on IP, in the order stund printed them.
st_port_of()
{
	st_listen_parse "$1" | awk -v p="$2" -v ip="$3" -v n="$4" '
	    $1 == p {
		a = $2; sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a)
		port = $2; sub(/.*:/, "", port)
		if (a == ip && !(port in seen)) {
			seen[port] = 1; k++
			if (k == n) { print port; exit }
		}
	    }'
}

# st_stund_start [ARGS...]: start our stund in the foreground on loopback
# with --port 0 (and --alt-port 0) plus ARGS.  Sets ST_PID, ST_LOG, P1, P2
# (UDP ports of IP1; P2 empty in one-address mode), TP1 (TCP port) and
# ST_SELFTEST (passed/failed/none), ST_PID (stop it with st_stop) and
# ST_SPID (the stund process itself).  Returns non-zero if it did not start.
ST_RUN=0
st_stund_start()
{
	ST_RUN=$((ST_RUN + 1))
	ST_LOG="$ST_TMP/stund.$ST_RUN.log"
	st_bg "$ST_LOG" timeout 600 "$STUND" --foreground \
	    --log-level "${ST_LOGLEVEL:-info}" "$@"
	ST_PID=$ST_LASTPID
	ST_SPID=""
	_two=${ST_EXPECT_SELFTEST:-0}
	case " $* " in *" --alternate "*) _two=1 ;; esac
	if [ $_two -eq 1 ]; then
		_re='self-test|selftest'
	else
		_re='listening on'
	fi
	if ! st_wait_log "$ST_LOG" "$_re" 150; then
		echo "stund did not start; its log:"
		sed 's/^/  | /' "$ST_LOG"
		return 1
	fi
	# Let the rest of the start-up lines arrive.
	sleep 0.2
	# ST_PID is timeout(1); ST_SPID is stund itself (for RSS).
	ST_SPID=$(st_child "$ST_PID")
	_ip=$(st_listen_parse "$ST_LOG" | awk '$1 == "udp" {
	    a = $2; sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a); print a; exit }')
	ST_PRIMARY=$_ip
	P1=$(st_port_of "$ST_LOG" udp "$_ip" 1)
	P2=$(st_port_of "$ST_LOG" udp "$_ip" 2)
	TP1=$(st_port_of "$ST_LOG" tcp "$_ip" 1)
	TLSP=$(st_port_of "$ST_LOG" tls "$_ip" 1)
	ST_SELFTEST=none
	grep -Eqi 'self-?test passed' "$ST_LOG" && ST_SELFTEST=passed
	grep -Eqi 'self-?test failed' "$ST_LOG" && ST_SELFTEST=failed
	if [ -z "$P1" ]; then
		echo "no UDP port found in the stund log:"
		sed 's/^/  | /' "$ST_LOG"
		return 1
	fi
	return 0
}

# st_stund_term: SIGTERM to stund itself; returns its exit status (125
# when it had to be killed).  It must be gone within 5 seconds.
st_stund_term()
{
	kill -TERM "$ST_SPID" 2>/dev/null
	_i=0
	while kill -0 "$ST_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$ST_PID" 2>/dev/null; then
		st_stop "$ST_PID"
		return 125
	fi
	wait "$ST_PID"
	_rc=$?
	st_forget "$ST_PID"
	return $_rc
}

# st_stund_two [ARGS...]: the usual two-address server on 127.0.0.1/2.
st_stund_two()
{
	st_stund_start --primary "$ST_IP1" --alternate "$ST_IP2" \
	    --port 0 --alt-port 0 "$@"
}

# st_poke ARGS...: run stunpoke under a timeout; output on stdout.
st_poke()
{
	timeout 60 "$POKE" "$@"
}

# st_field LINE KEY: the value of key=value in a stunpoke line.
st_field()
{
	case " $1 " in
	*" $2="*)
		_f=" $1 "
		_f=${_f#*" $2="}
		echo "${_f%% *}"
		;;
	esac
}

# st_check DESC LINE KEY VALUE: KEY must equal VALUE ("" = absent).
st_check()
{
	_v=$(st_field "$2" "$3")
	if [ "$_v" = "$4" ]; then
		st_ok "$1: $3=${4:-(absent)}"
	else
		st_fail "$1: $3 is '${_v:-(absent)}', want '${4:-(absent)}'" \
		    "[$2]"
	fi
}

# st_alive DESC ADDR: our stund still answers a good request.
st_alive()
{
	_l=$(st_poke --timeout 500 --retries 4 "$2")
	if [ "$(st_field "$_l" class)" = success ]; then
		st_ok "$1: still answers"
	else
		st_fail "$1: no answer to a good request [$_l]"
	fi
}

# st_http_get URL: the body, with curl or wget; fails when neither exists.
st_http_get()
{
	if command -v curl >/dev/null 2>&1; then
		timeout 10 curl -s "$1"
	elif command -v wget >/dev/null 2>&1; then
		timeout 10 wget -q -O - "$1"
	else
		return 1
	fi
}

# st_have_http: can st_http_get fetch?
st_have_http()
{
	command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1
}

# st_rss PID: resident set size in kB.
st_rss()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# st_sanitizer_builddir: a build of this tree configured with
# --enable-sanitizers (STUND_SAN_BUILDDIR, or a sibling "<builddir>-san").
st_sanitizer_builddir()
{
	for _d in "$STUND_SAN_BUILDDIR" "${top_builddir%/}-san"; do
		[ -n "$_d" ] && [ -x "$_d/stund/stund" ] &&
		    grep -q -- '--enable-sanitizers' "$_d/config.log" \
		    2>/dev/null && { echo "$_d"; return 0; }
	done
	return 1
}

# st_is_sanitizer_build DIR: was DIR configured with --enable-sanitizers?
st_is_sanitizer_build()
{
	grep -q -- '--enable-sanitizers' "$1/config.log" 2>/dev/null
}

# st_san_report LOG: any ASan/UBSan/LSan report in LOG?
st_san_report()
{
	grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
	    "$1"
}

# st_hex FILE HEX...: write hex digits to FILE for stunpoke --raw.
st_hex()
{
	_f=$1
	shift
	echo "$*" >"$_f"
}

#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# natprobe over loopback: against our stund on 127.0.0.1 + 127.0.0.2 (no
# NAT: open, endpoint-independent mapping and filtering, in every mode),
# against coturn's turnserver and Vovida's server, and the error cases
# (unknown host, a server that never answers, bad ports).  Loopback only;
# every process is ours and is stopped on exit.

: "${top_builddir:=.}"
NP="$top_builddir/natprobe/natprobe"
STUND="$top_builddir/stund/stund"
NAME=natprobe_loopback
FAILS=0
PIDS=""

cleanup()
{
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}

skip()
{
	echo "SKIP: $NAME: $*"
	exit 77
}

ok()
{
	echo "ok: $*"
}

fail()
{
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# Waiting for a log line and picking a free port: the stund tests' helpers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

# jcheck FILE LABEL JQ-EXPR: the JSON in FILE satisfies the expression.
jcheck()
{
	if jq -e "$3" "$1" >/dev/null 2>&1; then
		ok "$2"
	else
		fail "$2: $3"
		head -c 2000 "$1"
		echo
	fi
}

[ -x "$NP" ] || skip "$NP not built"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX") || exit 99
trap cleanup EXIT
trap 'exit 99' INT TERM HUP

# The verdict every loopback run must give: no NAT at all.
OPEN='.nat_type == "open" and .nat == false and
    .mapping == "endpoint-independent" and
    .filtering == "endpoint-independent" and .hairpinning == true and
    .local_address == .mapped_address and (.tests | length) > 0 and
    all(.tests[]; has("name") and has("result") and has("rtt_ms"))'

# --- our stund ---------------------------------------------------------
if [ -x "$STUND" ]; then
	timeout 120 "$STUND" --primary 127.0.0.1 --alternate 127.0.0.2 \
	    --port 0 --foreground >"$TMP/stund.log" 2>&1 &
	PIDS="$PIDS $!"
	if st_wait_log "$TMP/stund.log" 'listening on udp 127\.0\.0\.2:'; then
		P=$(grep -oE 'listening on udp 127\.0\.0\.1:[0-9]+' \
		    "$TMP/stund.log" | head -1 | sed 's/.*://')
		sleep 0.3	# the rfc5780 self-test
		t0=$(now_ms)
		timeout 20 "$NP" --json "127.0.0.1:$P" >"$TMP/np.json" \
		    2>"$TMP/np.err"
		rc=$? ms=$(($(now_ms) - t0))
		[ $rc -eq 0 ] || fail "stund: exit $rc: $(cat "$TMP/np.err")"
		jcheck "$TMP/np.json" "stund: open, EIM, EIF, hairpin" "$OPEN"
		jcheck "$TMP/np.json" "stund: server and other address" \
		    ".server == \"127.0.0.1:$P\" and
		    (.other_address | startswith(\"127.0.0.2:\")) and
		    .mapping_agree == 3 and .filtering_agree == 3 and
		    .port_preservation == true"
		jcheck "$TMP/np.json" "stund: every test answered" \
		    'all(.tests[]; .result == "ok")'
		if [ $ms -lt 3000 ]; then
			ok "stund: full run in $ms ms"
		else
			fail "stund: full run took $ms ms"
		fi

		timeout 20 "$NP" "127.0.0.1:$P" >"$TMP/np.txt" 2>&1
		if grep -q '^  NAT type      open' "$TMP/np.txt" &&
		    grep -q 'mapping       endpoint-independent' "$TMP/np.txt" &&
		    grep -q -- '-> (no NAT) ->' "$TMP/np.txt" &&
		    grep -q '^Peer-to-peer: direct' "$TMP/np.txt"; then
			ok "stund: human report"
		else
			fail "stund: human report"
			cat "$TMP/np.txt"
		fi

		# A name from /etc/hosts, through evdns.
		timeout 20 "$NP" -4 --json "localhost:$P" >"$TMP/lh.json" 2>&1
		jcheck "$TMP/lh.json" "stund: by name (localhost)" \
		    ".server == \"127.0.0.1:$P\" and .nat_type == \"open\""

		timeout 20 "$NP" --json --classic "127.0.0.1:$P" \
		    >"$TMP/cl.json" 2>&1
		jcheck "$TMP/cl.json" "stund: --classic says open" \
		    '.mode == "rfc3489" and .nat_type == "open" and
		    (.tests | length) == 4 and
		    all(.tests[]; .result == "ok")'

		timeout 20 "$NP" --json --tcp "127.0.0.1:$P" \
		    >"$TMP/tcp.json" 2>&1
		jcheck "$TMP/tcp.json" "stund: --tcp mapping" \
		    '.tcp_mapping == "endpoint-independent"'

		timeout 20 "$NP" --json --lifetime --lifetime-max 2 \
		    "127.0.0.1:$P" >"$TMP/lt.json" 2>&1
		jcheck "$TMP/lt.json" "stund: --lifetime (2 s, never expires)" \
		    '.lifetime.alive_s == 2 and .lifetime.expired_s == null'

		timeout 20 "$NP" --lint "127.0.0.1:$P" >"$TMP/lint.txt" 2>&1
		if [ $? -eq 0 ] && grep -q ' 0 failed$' "$TMP/lint.txt"; then
			ok "stund: --lint passes"
		else
			fail "stund: --lint"
			cat "$TMP/lint.txt"
		fi
	else
		fail "stund did not start: $(tail -3 "$TMP/stund.log")"
	fi
else
	echo "note: $STUND not built; our server not tested"
fi

# --- IPv6: one address per server, so mapping needs a second server -------
if [ -x "$STUND" ] && [ -r /proc/net/if_inet6 ] &&
    grep -q '^00000000000000000000000000000001' /proc/net/if_inet6; then
	for s in a b; do
		timeout 120 "$STUND" --primary ::1 --port 0 --foreground \
		    >"$TMP/stund6$s.log" 2>&1 &
		PIDS="$PIDS $!"
	done
	if st_wait_log "$TMP/stund6a.log" 'listening on udp \[::1\]:' &&
	    st_wait_log "$TMP/stund6b.log" 'listening on udp \[::1\]:'; then
		A=$(grep -oE 'listening on udp \[::1\]:[0-9]+' \
		    "$TMP/stund6a.log" | head -1 | sed 's/.*://')
		B=$(grep -oE 'listening on udp \[::1\]:[0-9]+' \
		    "$TMP/stund6b.log" | head -1 | sed 's/.*://')
		timeout 20 "$NP" -6 --json "[::1]:$A" >"$TMP/v6.json" 2>&1
		jcheck "$TMP/v6.json" "IPv6, no OTHER-ADDRESS: no NAT, filtering unknown" \
		    '.nat == false and .other_address == null and
		    .mapping == "endpoint-independent" and .filtering == null and
		    (.local_address | startswith("[::1]:"))'
		timeout 20 "$NP" -6 --json --second-server "[::1]:$B" \
		    "[::1]:$A" >"$TMP/v6b.json" 2>&1
		jcheck "$TMP/v6b.json" "IPv6 --second-server: mapping measured" \
		    'any(.tests[]; .name == "mapping-second-server" and
		    .result == "ok") and .mapping == "endpoint-independent"'
		timeout 20 "$NP" -4 "[::1]:$A" >/dev/null 2>"$TMP/e"
		[ $? -eq 1 ] && grep -q 'not an IPv4' "$TMP/e" &&
		    ok "-4 with an IPv6 server: one-line error" ||
		    fail "-4 with an IPv6 server"
	else
		fail "stund on ::1 did not start"
	fi
fi

# --- coturn --------------------------------------------------------------
if command -v turnserver >/dev/null 2>&1 && CP=$(st_free_port); then
	: >"$TMP/turnserver.conf"
	timeout 120 turnserver -c "$TMP/turnserver.conf" -L 127.0.0.1 \
	    -L 127.0.0.2 -p "$CP" --stun-only -z --no-tcp --no-tls \
	    --no-dtls --no-cli --simple-log --log-file "$TMP/turn.log" \
	    >"$TMP/turn.out" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ $i -lt 50 ] && ! ss -Hunl 2>/dev/null |
	    grep -q "127.0.0.2:$((CP + 1)) "; do
		sleep 0.1
		i=$((i + 1))
	done
	timeout 20 "$NP" --json "127.0.0.1:$CP" >"$TMP/ct.json" 2>"$TMP/ct.err"
	rc=$?
	[ $rc -eq 0 ] || fail "coturn: exit $rc: $(cat "$TMP/ct.err")"
	jcheck "$TMP/ct.json" "coturn: open, EIM, EIF, hairpin" "$OPEN"
	timeout 20 "$NP" --json --classic "127.0.0.1:$CP" >"$TMP/ctc.json" 2>&1
	jcheck "$TMP/ctc.json" "coturn: --classic says open" \
	    '.nat_type == "open"'
else
	echo "note: turnserver not installed; coturn not tested"
fi

# --- Vovida's RFC 3489 server (Debian's stun-server, also named stund) -----
VOVIDA=/usr/sbin/stund
if [ -x "$VOVIDA" ] && VP=$(st_free_port); then
	timeout 120 "$VOVIDA" -h 127.0.0.1 -a 127.0.0.2 -p "$VP" \
	    -o $((VP + 1)) >"$TMP/vovida.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ $i -lt 50 ] && ! ss -Hunl 2>/dev/null |
	    grep -q "127.0.0.2:$((VP + 1)) "; do
		sleep 0.1
		i=$((i + 1))
	done
	timeout 20 "$NP" --json --classic "127.0.0.1:$VP" >"$TMP/vv.json" 2>&1
	jcheck "$TMP/vv.json" "Vovida: --classic says open" \
	    '.nat_type == "open" and .local_address == .mapped_address and
	    (.other_address | startswith("127.0.0.2:"))'
else
	echo "note: $VOVIDA not installed; Vovida's server not tested"
fi

# --- errors ----------------------------------------------------------------
timeout 20 "$NP" nosuch.invalid >"$TMP/o" 2>"$TMP/e"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] &&
    grep -q 'unknown host' "$TMP/e" && [ ! -s "$TMP/o" ]; then
	ok "unknown host: exit $rc, $(cat "$TMP/e")"
else
	fail "unknown host: exit $rc"
	cat "$TMP/e"
fi

# A port where nothing answers (bound by nobody: nothing comes back).
if SP=$(st_free_port); then
	t0=$(now_ms)
	timeout 20 "$NP" --timeout 300 "127.0.0.1:$SP" >"$TMP/o" 2>"$TMP/e"
	rc=$? ms=$(($(now_ms) - t0))
	if [ $rc -ne 0 ] && [ $rc -ne 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] &&
	    grep -q 'no answer' "$TMP/e" && [ $ms -lt 2000 ]; then
		ok "silent server: exit $rc in $ms ms: $(cat "$TMP/e")"
	else
		fail "silent server: exit $rc in $ms ms"
		cat "$TMP/e"
	fi
	timeout 20 "$NP" --json --timeout 300 "127.0.0.1:$SP" \
	    >"$TMP/b.json" 2>"$TMP/e"
	rc=$?
	[ $rc -ne 0 ] || fail "silent server --json: exit 0"
	jcheck "$TMP/b.json" "silent server --json: blocked" \
	    '.nat_type == "blocked" and .mapped_address == null'
fi

for bad in 127.0.0.1:99999 127.0.0.1:0 127.0.0.1:abc "[::1]:x" ""; do
	timeout 20 "$NP" "$bad" >/dev/null 2>"$TMP/e"
	rc=$?
	if [ $rc -eq 2 ] && grep -q '^usage:' "$TMP/e"; then
		ok "bad server '$bad': usage, exit 2"
	else
		fail "bad server '$bad': exit $rc"
	fi
done
timeout 20 "$NP" --no-such-option 127.0.0.1 >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown option: exit 2" || fail "unknown option"
timeout 20 "$NP" --timeout 10 127.0.0.1 >/dev/null 2>&1
[ $? -eq 2 ] && ok "timeout below 50 ms: exit 2" || fail "--timeout 10"

if [ $FAILS -ne 0 ]; then
	echo "$NAME: $FAILS failure(s)"
	exit 1
fi
echo "$NAME: all passed"
exit 0

#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# natprobe over loopback: against our stund on 127.0.0.1 + 127.0.0.2 (no
# NAT: open, endpoint-independent mapping and filtering, in every mode,
# with sub-millisecond round trips), against a stund with one address (no
# NAT, filtering not tested, no contradictions), a closed port (server not
# answering, never "blocked"), a server whose UDP is silent (blocked, and
# how sure), the lint against conformant servers and tests/badstund's
# broken ones, coturn's turnserver and Vovida's server, and the command
# line (help, version, usage errors).  Loopback only; every process is ours
# and is stopped on exit.

: "${top_builddir:=.}"
NP="$top_builddir/natprobe/natprobe"
STUND="$top_builddir/stund/stund"
BAD="$top_builddir/tests/badstund"
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

# lint_ok LABEL SERVER WORDS: --lint exits 0 with no failed check.
lint_ok()
{
	timeout 20 "$NP" --lint "$2" >"$TMP/lint.txt" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q ' 0 failed$' "$TMP/lint.txt" &&
	    grep -q "$3" "$TMP/lint.txt" && ! grep -q '^  FAIL' "$TMP/lint.txt"
	then
		ok "$1: --lint passes, exit 0"
	else
		fail "$1: --lint: exit $rc"
		cat "$TMP/lint.txt"
	fi
}

# lint_same LABEL SERVER: the JSON lists every check with pass, warn or
# fail and a reason, with the counts the human output prints.
lint_same()
{
	timeout 20 "$NP" --lint "$2" >"$TMP/ls.txt" 2>/dev/null
	timeout 20 "$NP" --json --lint "$2" >"$TMP/ls.json" 2>/dev/null
	_h=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) warnings, \([0-9]*\) failed$/\1 \2 \3/p' \
	    "$TMP/ls.txt")
	_j=$(jq -r '"\(.lint.pass) \(.lint.warn) \(.lint.fail)"' \
	    "$TMP/ls.json" 2>/dev/null)
	_n=$(grep -cE '^  (PASS|WARN|FAIL) ' "$TMP/ls.txt")
	if [ -n "$_h" ] && [ "$_h" = "$_j" ] && jq -e --argjson n "$_n" '
	    (.checks | length) == $n and
	    (.checks | length) == .lint.pass + .lint.warn + .lint.fail and
	    ([.checks[] | select(.result == "fail")] | length) == .lint.fail and
	    all(.checks[]; (.result | IN("pass", "warn", "fail")) and
	    (.reason | length) > 0)' "$TMP/ls.json" >/dev/null; then
		ok "$1: --lint JSON and text agree ($_h)"
	else
		fail "$1: --lint counts: text '$_h', JSON '$_j', $_n lines"
		cat "$TMP/ls.txt"
		head -c 3000 "$TMP/ls.json"
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

		jcheck "$TMP/np.json" "stund: two addresses, all tested" \
		    '.server_status == "answering" and
		    .server_addresses == 2 and .not_tested == {} and
		    .error == null and .blocked == null and .icmp == null and
		    (.verdict | startswith("open"))'
		# Each RTT is from the send that got the answer: on loopback
		# at least the best one is well below a millisecond.
		jcheck "$TMP/np.json" "stund: loopback RTT below 1 ms" \
		    '[.tests[] | select(.result == "ok") | .rtt_us] |
		    length > 0 and min < 1000 and
		    all(.[]; . >= 0)'
		jcheck "$TMP/np.json" "stund: answered by the first send" \
		    'all(.tests[] | select(.result == "ok");
		    .answered_send >= 1 and .answered_send <= .sent)'

		timeout 20 "$NP" "127.0.0.1:$P" >"$TMP/np.txt" 2>&1
		if grep -q '^  NAT type      open (no NAT' "$TMP/np.txt" &&
		    grep -q '^  mapping       endpoint-independent (3 of 3 rounds agreed)$' "$TMP/np.txt" &&
		    grep -q '^  filtering     endpoint-independent (3 of 3 rounds agreed)$' "$TMP/np.txt" &&
		    grep -q '^  ports         kept' "$TMP/np.txt" &&
		    grep -q -- '-> (no NAT) ->' "$TMP/np.txt" &&
		    grep -q '^Peer-to-peer: direct connection possible with any peer' "$TMP/np.txt" &&
		    ! grep -q '^Tests:' "$TMP/np.txt" &&
		    ! grep -qi 'not tested\|unknown' "$TMP/np.txt"; then
			ok "stund: compact human report"
		else
			fail "stund: compact human report"
			cat "$TMP/np.txt"
		fi
		# -v adds the test table, RTTs with 0.1 ms resolution.
		timeout 20 "$NP" -v "127.0.0.1:$P" >"$TMP/npv.txt" 2>/dev/null
		if grep -q '^Tests:' "$TMP/npv.txt" &&
		    [ "$(grep -c ' ok  *[0-9<.]* ms  ' "$TMP/npv.txt")" -ge 20 ] &&
		    grep -Eq '^  [a-z0-9-]+ +[0-9] +ok +(<0\.1|0\.[0-9]) ms ' \
		    "$TMP/npv.txt"; then
			ok "stund: -v lists the tests with sub-ms RTTs"
		else
			fail "stund: -v test table"
			cat "$TMP/npv.txt"
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
		    '.tcp_mapping == "endpoint-independent" and
		    .tcp_hole_punching == "possible"'
		timeout 20 "$NP" --tcp "127.0.0.1:$P" >"$TMP/tcp.txt" 2>&1
		if grep -q '^  TCP punching  possible: ' "$TMP/tcp.txt"; then
			ok "stund: --tcp says TCP punching is possible"
		else
			fail "stund: --tcp text without 'TCP punching'"
			sed 's/^/  | /' "$TMP/tcp.txt"
		fi

		timeout 20 "$NP" --json --lifetime --lifetime-max 2 \
		    "127.0.0.1:$P" >"$TMP/lt.json" 2>&1
		jcheck "$TMP/lt.json" "stund: --lifetime (2 s, never expires)" \
		    '.lifetime.alive_s == 2 and .lifetime.expired_s == null'

		lint_ok "stund (two addresses)" "127.0.0.1:$P" \
		    'a server with two addresses'
		lint_same "stund (two addresses)" "127.0.0.1:$P"
	else
		fail "stund did not start: $(tail -3 "$TMP/stund.log")"
	fi
else
	echo "note: $STUND not built; our server not tested"
fi

# --- our stund with one address: the common public case ----------------
if [ -x "$STUND" ]; then
	for s in a b; do
		timeout 120 "$STUND" --primary 127.0.0.1 --port 0 --foreground \
		    >"$TMP/stund1$s.log" 2>&1 &
		PIDS="$PIDS $!"
	done
	if st_wait_log "$TMP/stund1a.log" 'started:' &&
	    st_wait_log "$TMP/stund1b.log" 'started:'; then
		A=$(grep -oE 'listening on udp 127\.0\.0\.1:[0-9]+' \
		    "$TMP/stund1a.log" | head -1 | sed 's/.*://')
		B=$(grep -oE 'listening on udp 127\.0\.0\.1:[0-9]+' \
		    "$TMP/stund1b.log" | head -1 | sed 's/.*://')
		timeout 20 "$NP" --json "127.0.0.1:$A" >"$TMP/one.json" \
		    2>"$TMP/one.err"
		rc=$?
		[ $rc -eq 0 ] || fail "one address: exit $rc: $(cat "$TMP/one.err")"
		jcheck "$TMP/one.json" "one address: no NAT, filtering not tested" \
		    '.nat == false and .nat_type == null and
		    .mapping == "endpoint-independent" and .filtering == null and
		    .server_addresses == 1 and .server_status == "answering" and
		    .other_address == null and
		    .not_tested.filtering == "the server has one address" and
		    (.not_tested | has("hairpinning") | not) and
		    (.verdict | startswith("no NAT")) and
		    (.p2p | startswith("direct connection possible")) and
		    any(.tests[]; .name == "filtering-change-port" and
		    .error_code == 420)'
		timeout 20 "$NP" "127.0.0.1:$A" >"$TMP/one.txt" 2>&1
		if grep -q '^  NAT type      no NAT (open, or a firewall that lets in only replies)$' "$TMP/one.txt" &&
		    grep -q '^  mapping       none: nothing translates$' "$TMP/one.txt" &&
		    grep -q '^  filtering     not tested: the server has one address$' "$TMP/one.txt" &&
		    grep -q '^Peer-to-peer: direct connection possible' "$TMP/one.txt" &&
		    ! grep -q 'NAT type.*unknown' "$TMP/one.txt" &&
		    ! grep -q 'endpoint-independent' "$TMP/one.txt" &&
		    ! grep -q 'second-server' "$TMP/one.txt" &&
		    ! grep -q 'not enough answers' "$TMP/one.txt" &&
		    ! grep -q '^Tests:' "$TMP/one.txt"; then
			ok "one address: the report does not contradict itself"
		else
			fail "one address: human report"
			cat "$TMP/one.txt"
		fi
		# Given --second-server, the hint to give it is not printed.
		timeout 20 "$NP" --second-server "127.0.0.1:$B" \
		    "127.0.0.1:$A" >"$TMP/one2.txt" 2>&1
		if [ $? -eq 0 ] && ! grep -q 'second-server' "$TMP/one2.txt" &&
		    grep -q '^  filtering     not tested: the server has one address$' "$TMP/one2.txt"; then
			ok "one address + --second-server: no hint to give it"
		else
			fail "one address + --second-server"
			cat "$TMP/one2.txt"
		fi
		timeout 20 "$NP" --json --second-server "127.0.0.1:$B" \
		    "127.0.0.1:$A" >"$TMP/one2.json" 2>&1
		jcheck "$TMP/one2.json" "one address + --second-server: both answer" \
		    '.server2_status == "answering" and
		    any(.tests[]; .name == "mapping-second-server" and
		    .result == "ok")'
		lint_ok "stund (one address)" "127.0.0.1:$A" \
		    'a server with one address'
		lint_same "stund (one address)" "127.0.0.1:$A"
		timeout 20 "$NP" --json --lint "127.0.0.1:$A" >"$TMP/l1.json" 2>&1
		jcheck "$TMP/l1.json" "one address: 420 to CHANGE-REQUEST is a pass" \
		    'any(.checks[]; .name == "change-ip-port" and
		    .result == "pass" and (.reason | test("420"))) and
		    any(.checks[]; .name == "other-address" and
		    .result == "pass")'
	else
		fail "stund with one address did not start"
	fi
fi

# --- a closed port: ICMP port unreachable, never "UDP blocked" -----------
if CP=$(st_free_port); then
	t0=$(now_ms)
	timeout 20 "$NP" "127.0.0.1:$CP" >"$TMP/o" 2>"$TMP/e"
	rc=$? ms=$(($(now_ms) - t0))
	if [ $rc -eq 1 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && [ ! -s "$TMP/o" ] &&
	    grep -q "^natprobe: 127.0.0.1:$CP: server not answering: ICMP port unreachable from 127.0.0.1" "$TMP/e" &&
	    ! grep -qi 'blocked' "$TMP/e" && [ $ms -lt 2000 ]; then
		ok "closed port: exit 1 in $ms ms: $(cat "$TMP/e")"
	else
		fail "closed port: exit $rc in $ms ms"
		cat "$TMP/e" "$TMP/o"
	fi
	timeout 20 "$NP" --json "127.0.0.1:$CP" >"$TMP/cp.json" 2>"$TMP/e"
	rc=$?
	[ $rc -eq 1 ] || fail "closed port --json: exit $rc"
	jcheck "$TMP/cp.json" "closed port --json: not answering, not blocked" \
	    '.nat_type == null and .server_status == "unreachable" and
	    .icmp.kind == "port-unreachable" and .icmp.from == "127.0.0.1" and
	    .blocked == null and .mapped_address == null and
	    (.error | test("server not answering")) and
	    all(.tests[]; .result != "ok")'
	timeout 20 "$NP" --lint "127.0.0.1:$CP" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] &&
	    grep -q 'server not answering' "$TMP/e"; then
		ok "closed port --lint: exit 1, server not answering"
	else
		fail "closed port --lint: exit $rc"
		cat "$TMP/e"
	fi
fi

# --- tests/badstund: silent UDP, and servers that break the rules -------
# bad_start VAR ARGS...: start badstund, its port in VAR.
bad_start()
{
	_v=$1
	shift
	timeout 120 "$BAD" -t 110 "$@" >"$TMP/bad.out" 2>&1 &
	PIDS="$PIDS $!"
	st_wait_log "$TMP/bad.out" '^listening on [0-9]+' || return 1
	eval "$_v=\$(sed -n 's/^listening on //p' \"\$TMP/bad.out\")"
}

if [ -x "$BAD" ]; then
	# UDP gets nothing back while TCP answers: blocked, and sure of it.
	if bad_start SP --silent; then
		timeout 20 "$NP" --timeout 300 "127.0.0.1:$SP" >"$TMP/o" \
		    2>"$TMP/e"
		rc=$?
		if [ $rc -eq 1 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] &&
		    grep -q "127.0.0.1:$SP: no answer to [0-9]* UDP requests in 300 ms: UDP is blocked (sure: the server answers over TCP)" "$TMP/e"; then
			ok "silent UDP, TCP answers: $(cat "$TMP/e")"
		else
			fail "silent UDP: exit $rc"
			cat "$TMP/e"
		fi
		timeout 20 "$NP" --json --timeout 300 "127.0.0.1:$SP" \
		    >"$TMP/b.json" 2>/dev/null
		jcheck "$TMP/b.json" "silent UDP --json: blocked, certainty high" \
		    '.nat_type == "blocked" and .server_status == "silent" and
		    .blocked.certainty == "high" and .blocked.tcp == "answers" and
		    .icmp == null and .mapped_address == null'
	else
		fail "badstund --silent did not start"
	fi
	# Nothing on TCP either, but the host refuses it: less sure.
	if bad_start SP --silent --no-tcp; then
		timeout 20 "$NP" --json --timeout 300 "127.0.0.1:$SP" \
		    >"$TMP/b2.json" 2>/dev/null
		jcheck "$TMP/b2.json" "silent UDP, TCP refused: certainty medium" \
		    '.nat_type == "blocked" and .blocked.certainty == "medium" and
		    .blocked.tcp == "refused"'
	fi
	# Conformant by default: the lint passes.
	if bad_start BP; then
		lint_ok "badstund (conformant)" "127.0.0.1:$BP" \
		    'a server with one address'
	fi
	# Every rule broken at once: the lint fails, exit 1.
	if bad_start BP --ignore-change --accept-unknown --accept-bad-fp \
	    --no-xor; then
		timeout 20 "$NP" --lint "127.0.0.1:$BP" >"$TMP/bl.txt" 2>&1
		rc=$?
		if [ $rc -eq 1 ] &&
		    grep -q '^  FAIL  binding  *no XOR-MAPPED-ADDRESS' "$TMP/bl.txt" &&
		    grep -q '^  FAIL  unknown-attribute  *answered success' "$TMP/bl.txt" &&
		    grep -q '^  FAIL  change-ip-port  *answered from 127.0.0.1:' "$TMP/bl.txt" &&
		    grep -q '^  FAIL  change-port  *answered from' "$TMP/bl.txt" &&
		    grep -q '^  FAIL  bad-fingerprint  *answered a request' "$TMP/bl.txt" &&
		    grep -q '^  FAIL  binding-tcp  *takes TCP connections but: no XOR-MAPPED-ADDRESS' "$TMP/bl.txt" &&
		    grep -q '^  PASS  rfc3489-request ' "$TMP/bl.txt" &&
		    grep -q '^3 passed, 0 warnings, 6 failed$' "$TMP/bl.txt"
		then
			ok "badstund (broken): --lint names 6 failures, exit 1"
		else
			fail "badstund (broken): --lint exit $rc"
			cat "$TMP/bl.txt"
		fi
		lint_same "badstund (broken)" "127.0.0.1:$BP"
		timeout 20 "$NP" --json --lint "127.0.0.1:$BP" >"$TMP/bl.json" \
		    2>/dev/null
		[ $? -eq 1 ] && ok "badstund (broken): --json --lint exit 1" ||
		    fail "badstund (broken): --json --lint exit status"
	fi
	if bad_start BP --no-unknown-list; then
		timeout 20 "$NP" --json --lint "127.0.0.1:$BP" >"$TMP/bu.json" \
		    2>/dev/null
		rc=$?
		[ $rc -eq 1 ] || fail "420 without UNKNOWN-ATTRIBUTES: exit $rc"
		jcheck "$TMP/bu.json" "420 without UNKNOWN-ATTRIBUTES fails" \
		    '.lint.fail == 1 and any(.checks[];
		    .name == "unknown-attribute" and .result == "fail" and
		    (.reason | test("UNKNOWN-ATTRIBUTES")))'
	fi
else
	fail "$BAD not built"
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

# --- the command line -------------------------------------------------------
for h in -h --help; do
	timeout 20 "$NP" $h >"$TMP/o" 2>"$TMP/e"
	rc=$?
	missing=
	for opt in -4 -6 --json --verbose --classic --lint --tcp --lifetime \
	    --lifetime-max --timeout --rounds --second-server --source --help \
	    --version; do
		grep -q -- "$opt\\b" "$TMP/o" || missing="$missing $opt"
	done
	if [ $rc -eq 0 ] && [ ! -s "$TMP/e" ] && [ -z "$missing" ] &&
	    head -1 "$TMP/o" | grep -q '^usage: natprobe ' &&
	    ! awk 'length($0) > 79 { bad = 1 } END { exit !bad }' "$TMP/o"
	then
		ok "$h: on stdout, exit 0, a line per option"
	else
		fail "$h: exit $rc, missing:$missing"
		cat "$TMP/o" "$TMP/e"
	fi
done
want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/config.h" 2>/dev/null)
timeout 20 "$NP" --version >"$TMP/o" 2>"$TMP/e"
rc=$?
if [ $rc -eq 0 ] && [ -n "$want" ] && [ "$(cat "$TMP/o")" = "natprobe $want" ] &&
    [ ! -s "$TMP/e" ]; then
	ok "--version: natprobe $want"
else
	fail "--version: exit $rc: $(cat "$TMP/o" "$TMP/e")"
fi

# usage_err LABEL TEXT ARGS...: exit 2, one line on stderr containing
# TEXT (which names the bad value), nothing on stdout.
usage_err()
{
	_l=$1 _p=$2
	shift 2
	timeout 20 "$NP" "$@" >"$TMP/o" 2>"$TMP/e"
	_rc=$?
	if [ $_rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] &&
	    [ ! -s "$TMP/o" ] && grep -qF -- "$_p" "$TMP/e"; then
		ok "$_l: exit 2: $(cat "$TMP/e")"
	else
		fail "$_l: exit $_rc: $(cat "$TMP/e")"
	fi
}

for bad in 127.0.0.1:99999 127.0.0.1:0 127.0.0.1:abc "[::1]:x" ""; do
	usage_err "bad server '$bad'" "'$bad': not host[:port]" "$bad"
done
usage_err "bad --second-server" "--second-server '1.2.3.4:0'" \
    --second-server 1.2.3.4:0 127.0.0.1
usage_err "unknown option" "unknown option --no-such-option" \
    --no-such-option 127.0.0.1
usage_err "unknown short option" "unknown option -q" -q 127.0.0.1
usage_err "--timeout below 50 ms" "--timeout: bad value '10'" \
    --timeout 10 127.0.0.1
usage_err "--rounds 9" "--rounds: bad value '9' (a number from 1 to 5)" \
    --rounds 9 127.0.0.1
usage_err "--lifetime-max x" "--lifetime-max: bad value 'x'" \
    --lifetime-max x 127.0.0.1
usage_err "--timeout without a value" "--timeout needs a value" --timeout
usage_err "--json=1" "--json takes no value" --json=1 127.0.0.1
usage_err "no server" "no server given"
usage_err "two servers" "not also 'b'" a b
usage_err "--classic with --lint" "exclude each other" --classic --lint a

if [ $FAILS -ne 0 ]; then
	echo "$NAME: $FAILS failure(s)"
	exit 1
fi
echo "$NAME: all passed"
exit 0

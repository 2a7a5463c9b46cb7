#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Bad input against stund on loopback: truncated headers, lying lengths,
# bad padding, attributes past the end, duplicate attributes, a wrong
# FINGERPRINT, garbage, zero-length and maximum-size datagrams, half-open
# and slow TCP clients, a flood from one source; then the TCP and TLS
# admission caps and deadlines (a per-source cap, reserved slots, a client
# trickling a byte every 4 s closed in time).  After each, stund must
# still answer a good request; its RSS stays bounded; when a build with
# ASan/UBSan exists (this one, or STUND_SAN_BUILDDIR, or <builddir>-san)
# the battery runs against it too and its log must hold no report.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
st_need_bins
st_need timeout od head

RSS_GROWTH_MAX=${RSS_GROWTH_MAX:-32768}	# kB
TID=000102030405060708090a0b
MC=2112a442				# magic cookie

# hdr TYPE LEN: a header with the cookie and a fixed id.
hdr()
{
	echo "$1$2$MC$TID"
}

# raw DESC EXPECT HEX: send HEX from a fresh socket; EXPECT is drop (no
# answer), err (no answer or a 400), ok (a success) or any.  Then a good
# request must still be answered.
raw()
{
	_d=$1 _e=$2
	echo "$3" >"$ST_TMP/raw.hex"
	# A drop is a timeout: keep it short, retry only what must answer.
	_r=0
	[ "$_e" = ok ] && _r=3
	_l=$(st_poke --timeout 200 --retries $_r --raw "$ST_TMP/raw.hex" "$S")
	_rc=$?
	_c=$(st_field "$_l" class)
	case "$_e" in
	drop)	[ $_rc -eq 1 ] ;;
	err)	[ $_rc -eq 1 ] || { [ "$_c" = error ] &&
		    [ "$(st_field "$_l" code)" = 400 ]; } ;;
	ok)	[ "$_c" = success ] ;;
	any)	[ $_rc -le 1 ] ;;
	esac
	if [ $? -eq 0 ]; then
		st_ok "$_d: ${_l:-no answer}"
	else
		st_fail "$_d: expected $_e, got rc $_rc [$_l]"
	fi
	st_alive "$_d" "$S"
}

# rawfile DESC EXPECT FILE: like raw, the hex already in FILE.
rawfile()
{
	_l=$(st_poke --timeout 300 --raw "$3" "$S")
	_rc=$?
	if [ "$2" = any ] || [ $_rc -eq 1 ]; then
		st_ok "$1: rc $_rc ${_l%% *}"
	else
		st_fail "$1: expected $2, got rc $_rc [$_l]"
	fi
	st_alive "$1" "$S"
}

# randhex N: N random bytes as hex.
randhex()
{
	head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

# repeat N STR
repeat()
{
	_i=0
	_s=""
	while [ $_i -lt "$1" ]; do
		_s="$_s$2"
		_i=$((_i + 1))
	done
	echo "$_s"
}

battery()
{
	S="$ST_IP1:$P1"
	T="$ST_IP1:$TP1"
	rss0=$(st_rss "$ST_SPID")
	echo "stund pid $ST_SPID, udp $S, tcp $T, RSS ${rss0} kB"

	# --- headers
	raw "zero-length datagram" drop ""
	raw "1 byte" drop "00"
	raw "truncated header (8 bytes)" drop "0001000c$MC"
	raw "truncated header (19 bytes)" drop "$(hdr 0001 0000 | cut -c1-38)"
	raw "top bits set" drop "$(hdr c001 0000)"
	raw "length says 16, has 8" drop "$(hdr 0001 0010)80220004616263ff"
	raw "length says 4, has 8" drop "$(hdr 0001 0004)80220004616263ff"
	raw "length not a multiple of 4" drop "$(hdr 0001 0005)8022000161"
	raw "length 0xfffc, nothing follows" drop "$(hdr 0001 fffc)"
	raw "legacy header, lying length" drop \
	    "00010010deadbeef${TID}80220004"
	raw "success response to the server" drop "$(hdr 0101 0000)"
	raw "error response to the server" drop \
	    "$(hdr 0111 0008)0009000400000400"
	raw "indication" drop "$(hdr 0011 0000)"
	raw "channeldata" drop "40000004deadbeef"

	# --- attributes
	raw "attribute past the end" err "$(hdr 0001 0008)80220010616263ff"
	raw "attribute length 0xffff" err "$(hdr 0001 0008)8022ffff61626364"
	raw "CHANGE-REQUEST of 0 bytes" err "$(hdr 0001 0004)00030000"
	raw "padding bytes not zero" any "$(hdr 0001 0008)80220003616263ff"
	raw "unpadded attribute" drop "$(hdr 0001 0007)80220003616263"
	raw "duplicate CHANGE-REQUEST (first wins)" ok \
	    "$(hdr 0001 0010)00030004000000000003000400000006"
	l=$(st_poke --timeout 300 --retries 3 --raw "$ST_TMP/raw.hex" "$S")
	st_check "duplicate CHANGE-REQUEST" "$l" from "$S"
	raw "CHANGE-REQUEST of 2 bytes" err "$(hdr 0001 0008)0003000200000000"
	raw "RESPONSE-PORT of 2 bytes" err "$(hdr 0001 0008)0027000212340000"
	raw "PADDING + RESPONSE-PORT" err \
	    "$(hdr 0001 0010)00270004123400000026000400000000"
	raw "attribute after FINGERPRINT" err \
	    "$(hdr 0001 0010)80280004000000008022000461626364"
	raw "two FINGERPRINTs" drop \
	    "$(hdr 0001 0010)80280004000000008028000400000000"
	raw "MESSAGE-INTEGRITY of 3 bytes" any \
	    "$(hdr 0001 0008)0008000361626300"
	raw "bogus MESSAGE-INTEGRITY" any \
	    "$(hdr 0001 0018)00080014$(repeat 20 ab)"
	raw "USERNAME not UTF-8" any "$(hdr 0001 0008)00060004fffefdfc"
	raw "XOR-MAPPED-ADDRESS family 9" any \
	    "$(hdr 0001 000c)0020000800090000ffffffff"
	raw "60 SOFTWARE attributes" any \
	    "$(hdr 0001 01e0)$(repeat 60 8022000461626364)"
	raw "unknown method 0x0002" any "$(hdr 0002 0000)"
	raw "allocate without credentials" any \
	    "$(hdr 0003 0008)0019000411000000"
	L=$(st_poke --timeout 300 --bad-fingerprint "$S")
	[ $? -eq 1 ] && st_ok "wrong FINGERPRINT: dropped" ||
	    st_fail "wrong FINGERPRINT answered [$L]"
	st_alive "wrong FINGERPRINT" "$S"
	# RFC 8489 7.3: FINGERPRINT is checked before the attributes, so a
	# bit flipped in an attribute header of a FINGERPRINT-protected
	# request is dropped, never answered 400 or 420.
	FPB="$(hdr 0001 0018)8022000461626364000300040000000080280004"
	raw "FINGERPRINT-protected request, intact" ok "${FPB}5111c3e9"
	raw "FINGERPRINT-protected, SOFTWARE length flipped" drop \
	    "$(hdr 0001 0018)80220014616263640003000400000000802800045111c3e9"
	raw "FINGERPRINT-protected, SOFTWARE type flipped" drop \
	    "$(hdr 0001 0018)00220004616263640003000400000000802800045111c3e9"
	raw "FINGERPRINT-protected, CHANGE-REQUEST length flipped" drop \
	    "$(hdr 0001 0018)80220004616263640003000000000000802800045111c3e9"
	raw "FINGERPRINT-protected, FINGERPRINT type flipped" drop \
	    "$(hdr 0001 0018)80220004616263640003000400000000802900045111c3e9"

	# --- garbage and sizes
	L=$(st_poke --from 127.0.0.5 --garbage 2000 --timeout 300 "$S")
	echo "  garbage| $L"
	case "$L" in
	"garbage sent=2000 received=0 "*)
		st_ok "2000 random datagrams (1..1500 bytes): none answered" ;;
	*)	st_fail "random datagrams: $L" ;;
	esac
	st_alive "2000 garbage datagrams" "$S"
	randhex 65507 >"$ST_TMP/max.hex"
	rawfile "65507 random bytes" drop "$ST_TMP/max.hex"
	L=$(st_poke --timeout 300 --padding 65480 "$S")
	st_ok "65504-byte Binding request with PADDING: ${L%% *}"
	st_alive "65504-byte request" "$S"
	raw "2048-byte request" any \
	    "$(hdr 0001 07ec)002607e8$(repeat 2024 00)"

	# --- TCP
	echo "deadbeef$(randhex 60)" >"$ST_TMP/tcpg.hex"
	L=$(st_poke --tcp --timeout 2000 --raw "$ST_TMP/tcpg.hex" "$T")
	[ $? -ne 0 ] && st_ok "tcp garbage: no answer" ||
	    st_fail "tcp garbage answered [$L]"
	L=$(st_poke --tcp --shut-wr --timeout 2000 "$T")
	st_check "half-closed tcp client (FIN after the request)" "$L" \
	    class success
	L=$(st_poke --tcp --slow 30 --timeout 5000 "$T")
	st_check "slow tcp client (one byte per 30 ms)" "$L" class success
	# Half-open: 40 connections from one source each holding half a
	# header (the first 32, --tcp-source-max, are let in).
	echo "00010000$MC" >"$ST_TMP/half.hex"
	hp=""
	i=0
	while [ $i -lt 40 ]; do
		timeout 20 "$POKE" --tcp --from 127.0.0.6 --timeout 4000 \
		    --raw "$ST_TMP/half.hex" "$T" >/dev/null 2>&1 &
		hp="$hp $!"
		ST_PIDS="$ST_PIDS $!"
		i=$((i + 1))
	done
	echo "$(hdr 0001 fffc)" >"$ST_TMP/huge.hex"
	timeout 20 "$POKE" --tcp --from 127.0.0.6 --timeout 4000 \
	    --raw "$ST_TMP/huge.hex" "$T" >/dev/null 2>&1 &
	hp="$hp $!"
	ST_PIDS="$ST_PIDS $!"
	sleep 1
	L=$(st_poke --tcp --timeout 2000 "$T")
	st_check "tcp while 41 half-open connections wait" "$L" class success
	st_alive "41 half-open tcp connections" "$S"
	for p in $hp; do
		wait "$p"
		st_forget "$p"
	done
	L=$(st_poke --tcp --count 3 --quiet --timeout 2000 "$T")
	[ "$L" = "summary sent=3 answered=3" ] &&
	    st_ok "tcp after half-open clients left" ||
	    st_fail "tcp after half-open clients left: $L"

	# A client that pipelines requests and never reads the answers:
	# stund writes what the kernel takes, keeps at most 64 KiB more, then
	# closes the connection (the writer sees EPIPE/ECONNRESET; rc 0
	# would mean stund buffered everything, 124 that it stalled).
	if command -v perl >/dev/null 2>&1 && command -v bash >/dev/null; then
		perl -e 'print "\x00\x01\x00\x00\x21\x12\xa4\x42",
		    pack("N3", $_, 0, 7) for 1 .. 600000' >"$ST_TMP/pipe.bin"
		timeout 60 bash -c 'exec 3<>"/dev/tcp/$1/$2" &&
		    cat "$3" >&3' sh "$ST_IP1" "$TP1" "$ST_TMP/pipe.bin" \
		    >/dev/null 2>&1
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
			st_ok "tcp client that never reads: closed (rc $rc)"
		else
			st_fail "tcp client that never reads: rc $rc"
		fi
		L=$(st_poke --tcp --timeout 2000 "$T")
		st_check "tcp after the client that never reads" "$L" \
		    class success
	else
		echo "note: never-reading tcp client skipped: no perl or bash"
	fi

	# --- flood from 127.0.0.3; the good request comes from 127.0.0.1
	L=$(st_poke --from 127.0.0.3 --flood 20000 --timeout 300 "$S")
	echo "  flood| $L"
	st_alive "flood of 20000 requests from 127.0.0.3" "$S"

	# --- the process
	if kill -0 "$ST_SPID" 2>/dev/null; then
		st_ok "stund (pid $ST_SPID) still running"
	else
		st_fail "stund (pid $ST_SPID) died"
	fi
	rss1=$(st_rss "$ST_SPID")
	if [ -n "$rss0" ] && [ -n "$rss1" ] &&
	    [ $((rss1 - rss0)) -le "$RSS_GROWTH_MAX" ]; then
		st_ok "RSS ${rss0} kB -> ${rss1} kB (bound +$RSS_GROWTH_MAX kB)"
	else
		st_fail "RSS ${rss0} kB -> ${rss1} kB exceeds" \
		    "+$RSS_GROWTH_MAX kB"
	fi
}

# drops REASON: stund_drops_total{reason=REASON} from the metrics, summed.
drops()
{
	st_http_get "http://$MADDR/metrics" | awk -v r="reason=\"$1\"" '
	    index($0, "stund_drops_total{") == 1 && index($0, r) { s += $NF }
	    END { printf "%d\n", s }'
}

# hold FROM N: N TCP connections from FROM, each holding half a header
# for 6 s (or until stund closes it), in the background, 50 ms apart.
hold()
{
	_i=0
	while [ $_i -lt "$2" ]; do
		timeout 20 "$POKE" --tcp --from "$1" --timeout 6000 \
		    --raw "$ST_TMP/half.hex" "$T" >/dev/null 2>&1 &
		HOLD="$HOLD $!"
		ST_PIDS="$ST_PIDS $!"
		sleep 0.05
		_i=$((_i + 1))
	done
}

# TCP and TLS admission and deadlines: a per-source cap, slots kept for
# sources that hold none, a deadline for the TLS handshake and for a
# request once begun (a client trickling a byte every 4 s, plain or as
# a TLS ClientHello, is closed within 30 s), each counted in metrics.
tcp_limits()
{
	st_have_http || { echo "note: no curl or wget: tcp limits not run"
	    return; }
	TLSOPT=""
	if command -v openssl >/dev/null 2>&1 &&
	    timeout 60 openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	    -subj /CN=localhost -keyout "$ST_TMP/key.pem" \
	    -out "$ST_TMP/cert.pem" >/dev/null 2>&1; then
		TLSOPT="--tls-port 0 --cert $ST_TMP/cert.pem --key $ST_TMP/key.pem"
	else
		echo "note: no openssl certificate: TLS deadlines not run"
	fi
	# shellcheck disable=SC2086
	if ! st_stund_start --primary "$ST_IP1" --port 0 --tcp-max 20 \
	    --tcp-source-max 8 --tcp-reserved 5 --metrics 127.0.0.1:0 \
	    $TLSOPT; then
		st_fail "stund with tcp limits did not start"
		return
	fi
	T="$ST_IP1:$TP1"
	MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' \
	    "$ST_LOG" | head -n 1)
	echo "00010000$MC" >"$ST_TMP/half.hex"
	HOLD=""
	# 127.0.0.7 holds its 8, a 9th is refused; 127.0.0.8 takes the
	# table to 15, where the last 5 slots are kept for new sources:
	# 127.0.0.9 gets one and no second, 127.0.0.1 is still served.
	hold 127.0.0.7 9
	hold 127.0.0.8 7
	hold 127.0.0.9 3
	sleep 0.5
	L=$(st_poke --tcp --timeout 2000 "$T")
	st_check "tcp from a new source beside 17 held connections" "$L" \
	    class success
	n=$(drops tcp_source)
	[ "$n" -eq 3 ] &&
	    st_ok "tcp-source-max 8, tcp-reserved 5: 3 connections refused" ||
	    st_fail "tcp-source-max 8, tcp-reserved 5: $n refused, want 3"
	for p in $HOLD; do
		wait "$p"
		st_forget "$p"
	done

	# One byte every 4 s, plain: closed by the request deadline (10 s).
	t0=$(date +%s)
	timeout 60 "$POKE" --tcp --slow 4000 --timeout 40000 "$T" \
	    >/dev/null 2>&1 &
	SLOW=$!
	ST_PIDS="$ST_PIDS $SLOW"
	TSLOW=""
	if [ -n "$TLSOPT" ] && [ -n "$TLSP" ]; then
		# The start of a ClientHello, one byte every 4 s.
		echo "16030100c8010000c40303$(randhex 32)" >"$ST_TMP/hello.hex"
		timeout 60 "$POKE" --tcp --slow 4000 --timeout 40000 \
		    --raw "$ST_TMP/hello.hex" "$ST_IP1:$TLSP" \
		    >/dev/null 2>&1 &
		TSLOW=$!
		ST_PIDS="$ST_PIDS $TSLOW"
		# A handshake done, then a pause longer than its deadline.
		L=$(timeout 60 "$POKE" --tls --count 2 --interval 12000 \
		    --quiet --timeout 3000 "$ST_IP1:$TLSP")
		[ "$L" = "summary sent=2 answered=2" ] &&
		    st_ok "tls: an idle connection outlives the handshake" \
		    "deadline" ||
		    st_fail "tls: requests 12 s apart on one connection: $L"
	fi
	wait "$SLOW"
	t=$(($(date +%s) - t0))
	st_forget "$SLOW"
	[ $t -ge 8 ] && [ $t -le 30 ] &&
	    st_ok "tcp: a byte every 4 s, closed after $t s" ||
	    st_fail "tcp: a byte every 4 s lasted $t s"
	if [ -n "$TSLOW" ]; then
		wait "$TSLOW"
		t=$(($(date +%s) - t0))
		st_forget "$TSLOW"
		[ $t -ge 8 ] && [ $t -le 30 ] &&
		    st_ok "tls: a ClientHello byte every 4 s, closed after $t s" ||
		    st_fail "tls: a ClientHello byte every 4 s lasted $t s"
	fi
	n=$(drops tcp_deadline)
	want=1
	[ -n "$TSLOW" ] && want=2
	[ "$n" -eq $want ] &&
	    st_ok "metrics: $n connections closed by a deadline" ||
	    st_fail "metrics: tcp_deadline $n, want $want"
	L=$(st_poke --tcp --timeout 2000 "$T")
	st_check "tcp after the slow clients" "$L" class success
	st_stop "$ST_PID"

	# Behind a load balancer (PROXY v2) the cap counts the client the
	# header names, not the balancer every connection comes from.
	if ! st_stund_start --primary "$ST_IP1" --port 0 --tcp-source-max 4 \
	    --proxy-protocol tcp --metrics 127.0.0.1:0; then
		st_fail "stund with --proxy-protocol tcp did not start"
		return
	fi
	T="$ST_IP1:$TP1"
	MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' \
	    "$ST_LOG" | head -n 1)
	HOLD=""
	i=0
	while [ $i -lt 6 ]; do
		timeout 20 "$POKE" --tcp --proxy 198.51.100.77:4000 \
		    --timeout 6000 --raw "$ST_TMP/half.hex" "$T" \
		    >/dev/null 2>&1 &
		HOLD="$HOLD $!"
		ST_PIDS="$ST_PIDS $!"
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.5
	L=$(st_poke --tcp --proxy 198.51.100.78:4000 --timeout 2000 "$T")
	st_check "proxy: another client beside 4 held" "$L" xor_mapped \
	    198.51.100.78:4000
	n=$(drops tcp_source)
	[ "$n" -eq 2 ] &&
	    st_ok "proxy, tcp-source-max 4: 2 of the named client's 6 refused" ||
	    st_fail "proxy, tcp-source-max 4: $n refused, want 2"
	for p in $HOLD; do
		wait "$p"
		st_forget "$p"
	done
	st_stop "$ST_PID"
}

# run_against BUILDDIR LABEL
run_against()
{
	STUND="$1/stund/stund"
	echo "=== $2: $STUND"
	if ! st_stund_two; then
		st_fail "$2: stund did not start"
		return
	fi
	battery
	st_stop "$ST_PID"
	LOG1=$ST_LOG
	tcp_limits
	if st_san_report "$ST_LOG"; then
		st_fail "$2: sanitizer report in the tcp limits stund log:"
		grep -E -A12 'Sanitizer|runtime error' "$ST_LOG" | head -40 |
		    sed 's/^/  | /'
	fi
	ST_LOG=$LOG1
	if st_san_report "$ST_LOG"; then
		st_fail "$2: sanitizer report in the stund log:"
		grep -E -A12 'Sanitizer|runtime error' "$ST_LOG" | head -40 |
		    sed 's/^/  | /'
	elif st_is_sanitizer_build "$1"; then
		st_ok "$2: ASan/UBSan build silent"
	fi
}

run_against "$top_builddir" "this build"
if ! st_is_sanitizer_build "$top_builddir"; then
	if SAN=$(st_sanitizer_builddir); then
		run_against "$SAN" "sanitizer build"
	else
		echo "note: no --enable-sanitizers build found" \
		    "(set STUND_SAN_BUILDDIR); sanitizer pass not run"
	fi
fi
st_done

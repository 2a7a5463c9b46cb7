#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Amplification: the bytes-out/bytes-in factor of every answer stund gives
# to unauthenticated UDP, printed as a table and checked against stund's own
# bound: no answer larger than the smallest one the RFCs allow for that
# request (RFC 5780 answers carry RESPONSE-ORIGIN and OTHER-ADDRESS only on
# a two-address server, MAPPED-ADDRESS only for RFC 3489 clients, PADDING
# no larger than the request, no SOFTWARE unless configured).  Then every
# TURN answer: the challenges a spoofed source can draw, and each answer
# to an authenticated client, measured on the wire.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
st_need_bins
st_need timeout awk

# Attribute sizes on the wire (type + length + value), IPv4.
HDR=20
ADDR4=12		# (XOR-)MAPPED, RESPONSE-ORIGIN, OTHER-ADDRESS, ...
FP=8			# FINGERPRINT

# pad4 N: N rounded up to 4.
pad4()
{
	echo $(( ($1 + 3) / 4 * 4 ))
}

# errsize REASON NUNKNOWN: ERROR-CODE with the RFC's reason phrase, plus
# UNKNOWN-ATTRIBUTES with NUNKNOWN types when NUNKNOWN > 0.
errsize()
{
	_e=$((4 + $(pad4 $((4 + ${#1})))))
	[ "$2" -gt 0 ] && _e=$((_e + 4 + $(pad4 $((2 * $2)))))
	echo "$_e"
}

TABLE="$ST_TMP/table"
printf '%-34s %7s %8s %7s %7s  %s\n' "request (server)" "in" "out" \
    "factor" "bound" "" >"$TABLE"

# measure NAME BOUND ARGS...: one request; its answer must exist and be at
# most BOUND bytes (BOUND adds PADDING when the answer has it).
measure()
{
	_n=$1 _b=$2
	shift 2
	L=$(st_poke --timeout 500 --retries 3 "$@")
	_in=$(st_field "$L" bytes_out)
	_out=$(st_field "$L" bytes_in)
	_pad=$(st_field "$L" padding)
	if [ -z "$_out" ]; then
		st_fail "$_n: no answer [$L]"
		return
	fi
	if [ -n "$_pad" ]; then
		_b=$((_b + 4 + $(pad4 "$_pad")))
		[ "$_pad" -le "$_in" ] && [ "$_out" -le "$_in" ] ||
		    st_fail "$_n: padded answer ($_out) larger than the" \
		    "request ($_in)"
	fi
	[ -z "$(st_field "$L" software)" ] ||
	    st_fail "$_n: SOFTWARE sent though not configured"
	if [ "$_out" -le "$_b" ]; then
		_v=ok
		st_ok "$_n: $_out bytes for $_in (bound $_b)"
	else
		_v=OVER
		st_fail "$_n: $_out bytes for $_in exceeds the bound $_b [$L]"
	fi
	SUM_IN=$((SUM_IN + _in))
	SUM_OUT=$((SUM_OUT + _out))
	awk -v n="$_n" -v i="$_in" -v o="$_out" -v b="$_b" -v v="$_v" \
	    'BEGIN { printf "%-34s %7d %8d %7.2f %7d  %s\n", n, i, o, o / i,
	    b, v }' >>"$TABLE"
}

# metric_sum NAME: the sum of NAME{method="binding",...} over classes.
metric_sum()
{
	[ -n "$MADDR" ] || { echo 0; return; }
	st_http_get "http://$MADDR/metrics" | awk -v k="$1" '
	    index($0, k "{method=\"binding\"") == 1 { s += $NF }
	    END { printf "%d\n", s }'
}

# ------------------------------------------------------------ two addresses
MOPT=""
st_have_http && MOPT="--metrics 127.0.0.1:0"
# shellcheck disable=SC2086
st_stund_two $MOPT || { st_fail "stund did not start"; st_done; }
MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' "$ST_LOG" |
    head -n 1)
[ -n "$MOPT" ] && [ -z "$MADDR" ] && st_fail "no metrics address in the log"
min0=$(metric_sum stund_bytes_in_total)
mout0=$(metric_sum stund_bytes_out_total)
SUM_IN=0
SUM_OUT=0
S="$ST_IP1:$P1"
[ "$ST_SELFTEST" = passed ] || st_fail "self-test: $ST_SELFTEST"
B5780=$((HDR + 3 * ADDR4))	# XOR-MAPPED, RESPONSE-ORIGIN, OTHER-ADDRESS
B3489=$((HDR + 3 * ADDR4))	# MAPPED, SOURCE, CHANGED
E400=$((HDR + $(errsize "Bad Request" 0)))
E420=$((HDR + $(errsize "Unknown Attribute" 1)))

measure "binding (2 addr)" $B5780 "$S"
measure "binding+fingerprint (2 addr)" $((B5780 + FP)) --fingerprint "$S"
measure "change ip+port (2 addr)" $B5780 --change-ip --change-port "$S"
measure "change port (2 addr)" $B5780 --change-port "$S"
measure "response-port (2 addr)" $B5780 --response-port 0 "$S"
measure "padding 8 (2 addr)" $B5780 --padding 8 "$S"
measure "padding 512 (2 addr)" $B5780 --padding 512 "$S"
measure "padding 1400 (2 addr)" $B5780 --padding 1400 "$S"
measure "rfc3489 binding (2 addr)" $B3489 --legacy "$S"
measure "rfc3489 change ip (2 addr)" $B3489 --legacy --change-ip "$S"
measure "420 unknown attribute (2 addr)" $E420 --unknown-attr 0x7777 "$S"
measure "400 padding+response-port" $E400 --padding 4 --response-port 0 "$S"
# The published counters show the same factor as the measurements.
if [ -n "$MADDR" ]; then
	min=$(($(metric_sum stund_bytes_in_total) - min0))
	mout=$(($(metric_sum stund_bytes_out_total) - mout0))
	if awk -v a="$min" -v b="$mout" -v c="$SUM_IN" -v d="$SUM_OUT" '
	    BEGIN { if (a <= 0 || c <= 0) exit 1
		f = (b / a) / (d / c); exit !(f > 0.95 && f < 1.05) }'; then
		st_ok "metrics: binding bytes in $min, out $mout, as measured" \
		    "($SUM_IN in, $SUM_OUT out)"
	else
		st_fail "metrics: binding bytes in $min, out $mout; measured" \
		    "$SUM_IN in, $SUM_OUT out"
	fi
fi
st_stop "$ST_PID"

# ------------------------------------------------------------- one address
st_stund_start --primary "$ST_IP1" --port 0 ||
    { st_fail "one-address stund did not start"; st_done; }
S="$ST_IP1:$P1"
B1=$((HDR + ADDR4))		# XOR-MAPPED-ADDRESS alone
measure "binding (1 addr)" $B1 "$S"
measure "binding+fingerprint (1 addr)" $((B1 + FP)) --fingerprint "$S"
measure "rfc3489 binding (1 addr)" $((HDR + 2 * ADDR4)) --legacy "$S"
measure "padding 512 (1 addr)" $B1 --padding 512 "$S"
measure "420 change-request (1 addr)" $E420 --change-ip "$S"
st_stop "$ST_PID"

# ---------------------------------------------------------- IPv6, 1 addr
if st_have_ipv6; then
	if st_stund_start --primary ::1 --port 0; then
		ADDR6=24	# the address attributes with an IPv6 address
		measure "binding (1 addr, IPv6)" $((HDR + ADDR6)) "[::1]:$P1"
		measure "rfc3489 binding (1 addr, IPv6)" \
		    $((HDR + 2 * ADDR6)) --legacy "[::1]:$P1"
		st_stop "$ST_PID"
	else
		st_fail "stund on ::1 did not start"
	fi
else
	echo "SKIP part: ::1 is not available, no IPv6 rows"
fi

# ------------------------------------------------------------------- TURN
# What a spoofed source can draw: a 401 (or 438) challenge with REALM,
# NONCE and PASSWORD-ALGORITHMS and no reason phrase, a 400 with nothing
# but ERROR-CODE; Send indications without an allocation draw nothing.
# Then every answer to an authenticated client, from a turnpoke run with
# its wire log (-v): none larger than its request.
TPOKE="$top_builddir/tests/turnpoke"
REALM=stunkit.test
# ERROR-CODE (no phrase), REALM, NONCE (37 bytes), PASSWORD-ALGORITHMS (2)
B401=$((HDR + 8 + 4 + $(pad4 ${#REALM}) + 4 + $(pad4 37) + 4 + 8))
E400T=$((HDR + 8))
printf '# test users\nalice:s3cret\n' >"$ST_TMP/users"
RP=$(st_free_port) || st_skip "no free port"
R_LO=$(( (RP + 300) / 2 * 2 ))
if st_stund_start --primary "$ST_IP1" --port 0 --realm "$REALM" \
    --user-file "$ST_TMP/users" --relay-ports "$R_LO-$((R_LO + 100))" \
    --allow-peer 127.0.0.0/8; then
	S="$ST_IP1:$P1"
	# rawreq NAME HEX: the request in a file for --raw.
	rawreq()
	{
		echo "$2" >"$ST_TMP/$1.hex"
		echo "$ST_TMP/$1.hex"
	}
	MC=2112a442
	T_TID=000102030405060708090a0b
	measure "turn allocate, no credentials" $B401 --raw \
	    "$(rawreq alloc "00030008$MC${T_TID}0019000411000000")" "$S"
	measure "turn refresh, no credentials" $B401 --raw \
	    "$(rawreq refresh "00040008$MC${T_TID}000d000400000258")" \
	    "$S"
	measure "turn createpermission, no creds" $B401 --raw \
	    "$(rawreq perm "0008000c$MC${T_TID}001200080001211b5e12a443")" \
	    "$S"
	measure "turn channelbind, no credentials" $B401 --raw \
	    "$(rawreq chan "00090014$MC${T_TID}000c000440000000001200080001211b5e12a443")" \
	    "$S"
	# USERNAME, REALM, a forged NONCE and MESSAGE-INTEGRITY: 438/401.
	NONCE=$(printf 'obMatJos2AAAA%024d' 0 | od -An -v -tx1 | tr -d ' \n')
	measure "turn allocate, forged nonce" $B401 --raw \
	    "$(rawreq stale "00030068$MC${T_TID}0019000411000000\
00060005616c696365000000\
0014000c7374756e6b69742e74657374\
00150025${NONCE}000000\
00080014$(printf '%040d' 0)")" "$S"
	measure "turn allocate, malformed (400)" $E400T --raw \
	    "$(rawreq bad "00030008$MC${T_TID}0019001011000000")" "$S"
	L=$(st_poke --timeout 300 --raw "$(rawreq send \
	    "00160014$MC${T_TID}001200080001211b5e12a4430013000461626364")" \
	    "$S")
	[ $? -eq 1 ] && st_ok "turn send indication, no allocation: no answer" ||
	    st_fail "turn send indication without an allocation answered [$L]"

	# The authenticated exchange, on the wire.
	PEERARGS="-n 0"
	if command -v turnutils_peer >/dev/null 2>&1; then
		PP=$(st_free_port) || st_skip "no free port"
		st_bg "$ST_TMP/peer.log" timeout 60 turnutils_peer \
		    -L 127.0.0.1 -p "$PP"
		PEER_PID=$ST_LASTPID
		PEERARGS="-n 4 -p 127.0.0.1:$PP"
		sleep 0.3
	else
		echo "note: no turnutils_peer: no permission or channel rows"
	fi
	W="$ST_TMP/wire.out"
	# shellcheck disable=SC2086
	timeout 60 "$TPOKE" -v -s "$S" -u alice -w s3cret -t 20000 \
	    $PEERARGS >"$W" 2>&1
	# A peer the default policy refuses: 403 to CreatePermission.
	timeout 60 "$TPOKE" -v -s "$S" -u alice -w s3cret -t 20000 -n 1 \
	    -p 10.0.0.1:9 >>"$W" 2>&1
	[ -n "${PEER_PID:-}" ] && st_stop "$PEER_PID"
	# One line per answer: "method class code in out".
	awk '$1 == "wire" {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "="); f[kv[1]] = kv[2]
		}
		if (f["dir"] == "out") { req[f["tid"]] = f["len"]; next }
		if (f["class"] != "success" && f["class"] != "error") next
		if (!(f["tid"] in req)) next
		k = f["method"] " " f["class"] " " f["code"]
		if (k in seen) next
		seen[k] = 1
		print k, req[f["tid"]], f["len"]
	    }' "$W" >"$ST_TMP/wire.rows"
	for want in "Allocate error 401" "Allocate success 0" \
	    "Refresh success 0" "CreatePermission error 403"; do
		grep -q "^$want " "$ST_TMP/wire.rows" ||
		    st_fail "turn: no $want answer on the wire"
	done
	if [ "$PEERARGS" != "-n 0" ]; then
		for want in "CreatePermission success 0" \
		    "ChannelBind success 0"; do
			grep -q "^$want " "$ST_TMP/wire.rows" ||
			    st_fail "turn: no $want answer on the wire"
		done
	fi
	while read -r meth cls code in out; do
		name="turn $meth $cls"
		[ "$code" != 0 ] && name="turn $meth $code"
		b=$in
		# The challenge to libstun's first Allocate, which carries
		# FINGERPRINT and so gets one back.
		[ "$code" = 401 ] && [ "$in" -lt "$B401" ] && b=$((B401 + FP))
		if [ "$out" -le "$b" ]; then
			st_ok "$name: $out bytes for $in (bound $b)"
			v=ok
		else
			st_fail "$name: $out bytes for $in exceeds the bound $b"
			v=OVER
		fi
		awk -v n="$name" -v i="$in" -v o="$out" -v b="$b" -v v="$v" \
		    'BEGIN { printf "%-34s %7d %8d %7.2f %7d  %s\n", n, i, o,
		    o / i, b, v }' >>"$TABLE"
	done <"$ST_TMP/wire.rows"
	st_stop "$ST_PID"
else
	st_fail "stund with TURN did not start"
fi

echo
echo "amplification (bytes out / bytes in), unauthenticated UDP:"
cat "$TABLE"
echo
st_done

#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Amplification: the bytes-out/bytes-in factor of every answer stund gives
# to unauthenticated UDP, printed as a table and checked against the spec's
# bound: no answer larger than the smallest one the RFCs allow for that
# request (RFC 5780 answers carry RESPONSE-ORIGIN and OTHER-ADDRESS only on
# a two-address server, MAPPED-ADDRESS only for RFC 3489 clients, PADDING
# no larger than the request, no SOFTWARE unless configured).

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

echo
echo "amplification (bytes out / bytes in), unauthenticated UDP:"
cat "$TABLE"
echo
st_done

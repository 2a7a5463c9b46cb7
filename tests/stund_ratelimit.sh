#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The per-source rate limiter: while 127.0.0.3 floods stund, requests from
# 127.0.0.1 and 127.0.0.4 are all answered, the flooder gets only a small
# share of answers, the metrics count the rate-limited drops, and the
# flooder is served again once it stops.

. "${top_srcdir:-.}/tests/stund-lib.sh"

st_setup
st_need_bins
st_need timeout

RATE=50
FLOOD=20000

st_stund_two --rate "$RATE" --metrics 127.0.0.1:0 ||
    { st_fail "stund did not start"; st_done; }
S="$ST_IP1:$P1"
MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' "$ST_LOG" |
    head -n 1)
[ -n "$MADDR" ] || st_fail "no 'metrics on http://...' line in the log"

metric()
{
	st_http_get "http://$MADDR/metrics" | awk -v k="$1" '
	    index($0, k) == 1 { print $NF; found = 1; exit }
	    END { if (!found) print 0 }'
}

before=$(metric 'stund_drops_total{reason="ratelimit"}')

# The flood runs in the background, in rounds, while others ask.
(
	i=0
	while [ $i -lt 3 ]; do
		timeout 30 "$POKE" --from 127.0.0.3 --flood "$FLOOD" \
		    --timeout 200 "$S"
		i=$((i + 1))
	done
) >"$ST_TMP/flood.out" 2>&1 &
FPID=$!
ST_PIDS="$ST_PIDS $FPID"
sleep 0.2
for src in 127.0.0.1 127.0.0.4; do
	L=$(st_poke --from "$src" --count 20 --quiet --timeout 500 \
	    --retries 2 "$S")
	[ "$L" = "summary sent=20 answered=20" ] &&
	    st_ok "$src during the flood: 20 of 20 answered" ||
	    st_fail "$src during the flood: $L"
done
wait "$FPID"
st_forget "$FPID"
cat "$ST_TMP/flood.out" | sed 's/^/  flood| /'

# Each round may see at most the burst plus RATE per second of answers.
sent=0
got=0
for l in $(sed -n 's/^flood sent=\([0-9]*\) received=\([0-9]*\).*/\1:\2/p' \
    "$ST_TMP/flood.out"); do
	sent=$((sent + ${l%:*}))
	got=$((got + ${l#*:}))
done
if [ "$sent" -gt 0 ] && [ "$got" -lt $((sent / 4)) ]; then
	st_ok "flooder got $got answers for $sent requests"
else
	st_fail "flooder got $got answers for $sent requests (no limit?)"
fi

# Some of the flood never reaches stund (the kernel drops what overflows
# its socket buffer), so the counter sits between a clear share of the
# unanswered requests and all of them.
after=$(metric 'stund_drops_total{reason="ratelimit"}')
drops=$((after - before))
if ! st_have_http; then
	echo "SKIP part: neither curl nor wget, metrics not read"
elif [ "$drops" -ge $(((sent - got) / 10)) ] && [ "$drops" -ge 1000 ] &&
    [ "$drops" -le $((sent - got)) ]; then
	st_ok "metrics: $drops rate-limited drops counted" \
	    "($((sent - got)) unanswered)"
else
	st_fail "metrics: ratelimit drops went $before -> $after" \
	    "for $((sent - got)) unanswered requests"
fi
st_http_get "http://$MADDR/metrics" | grep -E '^stund_drops_total' |
    sed 's/^/  metrics| /'

# The limiter forgives: after a pause the flooder is served again.
sleep 1.2
L=$(st_poke --from 127.0.0.3 --timeout 500 --retries 2 "$S")
st_check "127.0.0.3 after the flood" "$L" class success

st_stop "$ST_PID"
st_done

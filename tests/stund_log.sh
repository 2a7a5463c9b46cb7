#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund's session log on loopback: turnpoke allocates and relays through
# turnutils_peer with long-term and TURN REST credentials, and fails a
# login; rdvpoke members join a room, leave it and time out.  Each event
# must be one key=value line with its fields (user, realm, the client's
# 5-tuple, the relayed address, lifetime, traffic each way, duration,
# reason; room and member ids, source).  A flood of failed logins stays
# within log-rate lines a second and the held-back lines are counted and
# said.  No password, shared secret or room key appears anywhere in the
# log.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
TPOKE="$top_builddir/tests/turnpoke"
SECRET=log-test-rest-secret-1f2e
PASSWORD=log-test-pass-9c8b
ROOM=5ec7e75ec7e75ec7e75ec7e75ec7e75e5ec7e75ec7e75ec7e75ec7e75ec7e75e
COUNT=10
RATE=5

st_setup
st_need_bins
[ -x "$TPOKE" ] || st_skip "$TPOKE not built"
st_need turnutils_peer ss openssl base64

P_PEER=$(st_free_port) || st_skip "no free port"
MPORT=$(st_free_port) || st_skip "no free port for metrics"
R_LO=$(( (P_PEER + 300) / 2 * 2 ))

wait_udp()
{
	i=0
	while [ $i -lt 50 ]; do
		ss -Hanu 2>/dev/null | awk '{ print $4 }' |
		    grep -Fxq "127.0.0.1:$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# event NAME [FILTER]: the last line of event NAME (matching FILTER).
event()
{
	grep "event=$1 " "$ST_LOG" | grep -e "${2:-.}" | tail -n 1
}

# has DESC LINE KEY REGEX: LINE's KEY must match REGEX (whole value).
has()
{
	_v=$(st_field "$2" "$3")
	if [ -n "$_v" ] && echo "$_v" | grep -Eqx -e "$4"; then
		st_ok "$1: $3=$_v"
	else
		st_fail "$1: $3 is '$_v', want /$4/ [$2]"
	fi
}

st_bg "$ST_TMP/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 \
    -p "$P_PEER"
wait_udp "$P_PEER" || { st_fail "turnutils_peer did not start"; st_done; }

printf 'alice:%s\n' "$PASSWORD" >"$ST_TMP/users"
st_stund_start --primary 127.0.0.1 --port 0 --realm log.test \
    --user-file "$ST_TMP/users" --static-auth-secret "$SECRET" \
    --relay-ports "$R_LO-$((R_LO + 100))" --allow-peer 127.0.0.0/8 \
    --metrics "127.0.0.1:$MPORT" --log-rate $RATE \
    --member-timeout 3 --keepalive 1 ||
    { st_fail "stund did not start"; st_done; }
A4='127\.0\.0\.1:[0-9]+'

# --------------------------------------------- one allocation, its life
timeout 60 "$TPOKE" -s "127.0.0.1:$P1" -u alice -w "$PASSWORD" \
    -p "127.0.0.1:$P_PEER" -n $COUNT -t 30000 >"$ST_TMP/alice.out" 2>&1 ||
    st_fail "turnpoke as alice failed: $(tail -n 3 "$ST_TMP/alice.out")"
RELAYED=$(sed -n 's/^allocated relayed=\([^ ]*\).*/\1/p' "$ST_TMP/alice.out")
LOCAL=$(sed -n 's/.* local=\([^ ]*\).*/\1/p' "$ST_TMP/alice.out" | head -n 1)
st_wait_log "$ST_LOG" 'event=alloc-end user=alice ' 50
L=$(event alloc-create 'user=alice ')
has "alloc-create" "$L" realm 'log\.test'
has "alloc-create" "$L" proto udp
has "alloc-create" "$L" client "$A4"
has "alloc-create" "$L" server "127\.0\.0\.1:$P1"
has "alloc-create" "$L" relayed "${RELAYED:-$A4}"
has "alloc-create" "$L" lifetime '[0-9]+'
[ -n "$LOCAL" ] && has "alloc-create" "$L" client "$LOCAL"
L=$(event alloc-end 'user=alice ')
has "alloc-end" "$L" relayed "${RELAYED:-$A4}"
has "alloc-end" "$L" reason client
has "alloc-end" "$L" duration_ms '[0-9]+'
# Both phases: COUNT Send indications and COUNT ChannelData each way.
has "alloc-end" "$L" to_peer_pkts "$((2 * COUNT))"
has "alloc-end" "$L" to_client_pkts "$((2 * COUNT))"
has "alloc-end" "$L" to_peer_bytes '[1-9][0-9]*'
has "alloc-end" "$L" to_client_bytes '[1-9][0-9]*'

# ------------------------------------------------------- TURN REST name
RUSER="$(( $(date +%s) + 600 )):rest-logtest"
RPASS=$(printf '%s' "$RUSER" | openssl dgst -sha1 -hmac "$SECRET" -binary |
    base64)
timeout 60 "$TPOKE" -s "127.0.0.1:$P1" -u "$RUSER" -w "$RPASS" -n 0 \
    -t 20000 >"$ST_TMP/rest.out" 2>&1 ||
    st_fail "turnpoke with a REST credential failed"
st_wait_log "$ST_LOG" "event=alloc-end user=$RUSER " 50
L=$(event alloc-create "user=$RUSER ")
has "REST alloc-create" "$L" user "$RUSER"

# ---------------------------------------------------------- failed login
timeout 30 "$TPOKE" -s "127.0.0.1:$P1" -u alice -w "wrong-$PASSWORD" -n 0 \
    -t 20000 >"$ST_TMP/denied.out" 2>&1
st_wait_log "$ST_LOG" 'event=auth-fail user=alice ' 50
L=$(event auth-fail 'user=alice ')
case $L in
*' reason="wrong message integrity" '*)
	st_ok "auth-fail: reason=\"wrong message integrity\"" ;;
*)	st_fail "auth-fail: no quoted reason [$L]" ;;
esac
has "auth-fail" "$L" code 401
has "auth-fail" "$L" client "$A4"
has "auth-fail" "$L" realm 'log\.test'

# ------------------------------------------------------------- rooms
if [ -x "$RDVPOKE" ]; then
	# A second of its own, so that log-rate lets every line through.
	sleep 1.1
	timeout 30 "$RDVPOKE" -r $ROOM -n bob -l 2 -t 6 "127.0.0.1:$P1" \
	    >"$ST_TMP/bob" 2>&1 &
	BOB=$!
	sleep 0.5
	timeout 30 "$RDVPOKE" -r $ROOM -n carol -l 1 -t 6 "127.0.0.1:$P1" \
	    >"$ST_TMP/carol" 2>&1
	wait $BOB
	st_wait_log "$ST_LOG" 'event=member-leave ' 50
	L=$(event room-create)
	has "room-create" "$L" room '[0-9a-f]{16}'
	has "room-create" "$L" source "$A4"
	ROOMID=$(st_field "$L" room)
	L=$(event member-join 'name=carol')
	has "member-join" "$L" room "$ROOMID"
	CID=$(sed -n 's/^joined id=\([0-9]*\).*/\1/p' "$ST_TMP/carol" |
	    head -n 1)
	has "member-join" "$L" member "${CID:-[0-9]+}"
	has "member-join" "$L" name carol
	has "member-join" "$L" source "$A4"
	has "member-join" "$L" members 2
	L=$(event member-leave)
	has "member-leave" "$L" room "$ROOMID"
	has "member-leave" "$L" member '[0-9]+'
	has "member-leave" "$L" reason leave
	# A member that is killed stops its keepalives: it times out.  No
	# timeout(1) around it, so that the kill reaches it (-t bounds it).
	sleep 1.1
	"$RDVPOKE" -r $ROOM -n dave -t 20 "127.0.0.1:$P1" \
	    >"$ST_TMP/dave" 2>&1 &
	DAVE=$!
	ST_PIDS="$ST_PIDS $DAVE"
	st_wait_log "$ST_TMP/dave" '^joined ' 50
	kill -9 "$DAVE" 2>/dev/null
	wait "$DAVE" 2>/dev/null
	st_forget "$DAVE"
	if st_wait_log "$ST_LOG" 'event=member-timeout ' 80; then
		L=$(event member-timeout)
		has "member-timeout" "$L" room "$ROOMID"
		has "member-timeout" "$L" reason timeout
		has "member-timeout" "$L" name dave
		has "member-timeout" "$L" members 0
	else
		st_fail "no member-timeout line after 8 s"
	fi
else
	echo "note: $RDVPOKE not built: rooms not logged"
fi

# -------------------------------------------------------- the rate limit
sleep 1.1
before=$(grep -c 'event=auth-fail ' "$ST_LOG")
t0=$(date +%s)
i=0
while [ $i -lt 40 ]; do
	timeout 10 "$TPOKE" -s "127.0.0.1:$P1" -u alice -w "flood-$i" -n 0 \
	    -t 5000 >/dev/null 2>&1
	i=$((i + 1))
done
t1=$(date +%s)
sleep 1.1
# One more after the flood: it tells how many were held back.
timeout 10 "$TPOKE" -s "127.0.0.1:$P1" -u alice -w "after-flood" -n 0 \
    -t 5000 >/dev/null 2>&1
st_wait_log "$ST_LOG" 'event=log-suppressed count=[1-9]' 30
after=$(grep -c 'event=auth-fail ' "$ST_LOG")
lines=$((after - before))
cap=$(( (t1 - t0 + 3) * RATE ))
if [ $lines -le $cap ] && [ $lines -ge $RATE ]; then
	st_ok "flood: $lines auth-fail lines for 41 failures in" \
	    "$((t1 - t0 + 1)) s (cap $cap)"
else
	st_fail "flood: $lines auth-fail lines, want $RATE..$cap"
fi
held=$(sed -n 's/.*event=log-suppressed count=\([0-9]*\).*/\1/p' "$ST_LOG" |
    awk '{ s += $1 } END { print s + 0 }')
[ $((held + lines)) -ge 41 ] &&
    st_ok "log-suppressed lines account for $held held-back lines" ||
    st_fail "held back $held + written $lines < 41 failures"
if st_have_http; then
	m=$(st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk '$1 == "stund_log_suppressed_total" { print $2 }')
	[ "${m:-0}" -ge 1 ] && st_ok "stund_log_suppressed_total $m" ||
	    st_fail "stund_log_suppressed_total is '$m'"
fi

# ---------------------------------------------------- no secret, anywhere
st_stund_term
for s in password:"$PASSWORD" rest-secret:"$SECRET" \
    rest-password:"$RPASS" room-key:"$ROOM"; do
	if grep -qiF -e "${s#*:}" "$ST_LOG"; then
		st_fail "the log holds the ${s%%:*}"
	else
		st_ok "the log never holds the ${s%%:*}"
	fi
done
grep -c 'event=' "$ST_LOG" | sed 's/^/note: event lines: /'

st_done

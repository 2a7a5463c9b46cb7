#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# A fleet of three stund (127.0.0.1, .2, .3) sharing one redis-server on
# loopback (started and stopped here, nothing saved): members registered
# on different instances meet, three in one room across three; p2pchat
# peers on two instances chat on a direct path and, forced to, through
# the relays with the credentials their own instances hand out; a relay
# credential minted by A allocates on C; one instance killed with -9 mid
# chat: its peer fails over and nothing is lost or duplicated, while a
# member that cannot fail over times out at the others; Redis stopped mid
# chat: chats and local rooms go on, cross-instance joins wait, and meet
# once Redis is back; an instance at --max-allocations sends the next
# Allocate elsewhere with 300 ALTERNATE-SERVER and the client follows.

. "${top_srcdir:-.}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
TPOKE="$top_builddir/tests/turnpoke"
CHAT="$top_builddir/chat/p2pchat"
SECRET=fleet-rest-secret
key() { printf "$1%.0s" $(seq 32); }

st_setup
st_need_bins
st_need redis-server ss timeout mkfifo
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
[ -x "$TPOKE" ] || st_skip "$TPOKE not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_have_http || st_skip "neither curl nor wget installed"
grep -q '^#define HAVE_HIREDIS 1' "$top_builddir/config.h" 2>/dev/null ||
    st_skip "stund built without hiredis: no --cluster"
T=$ST_TMP

# redis_start: redis-server on 127.0.0.1:$RPORT, nothing on disk.
redis_start()
{
	st_bg "$T/redis.log" timeout 600 redis-server --port "$RPORT" \
	    --bind 127.0.0.1 --save '' --appendonly no --dir "$T" \
	    --protected-mode yes
	RPID=$ST_LASTPID
	_i=0
	while [ $_i -lt 50 ]; do
		ss -Hantl 2>/dev/null | awk '{ print $4 }' |
		    grep -Fxq "127.0.0.1:$RPORT" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

RPORT=$(st_free_port) || st_skip "no free port for redis"
redis_start || { st_fail "redis-server did not start"; st_done; }

# fleet_start N [OPTIONS]: stund N on 127.0.0.N in the fleet; its UDP
# port in P_N, its pid in SPID_N, its log in LOG_N, metrics in M_N.
fleet_start()
{
	_n=$1
	shift
	_m=$(st_free_port) || return 1
	st_stund_start --primary "127.0.0.$_n" --port 0 \
	    --metrics "127.0.0.1:$_m" --keepalive 2 --member-timeout 20 \
	    --static-auth-secret "$SECRET" --register-rate 6000 \
	    --register-burst 100 --allow-peer 127.0.0.0/8 \
	    --cluster "redis://127.0.0.1:$RPORT" \
	    "$@" || return 1
	eval "P_$_n=\$P1 SPID_$_n=\$ST_SPID LOG_$_n=\$ST_LOG M_$_n=\$_m"
	st_wait_log "$ST_LOG" 'cluster: connected to Redis' 50
}

for n in 1 2 3; do
	extra=""
	[ $n -eq 2 ] && extra="--max-allocations 2"
	if ! fleet_start $n $extra; then
		st_fail "stund $n did not join the fleet"
		st_done
	fi
done
st_ok "three stund in the fleet of redis 127.0.0.1:$RPORT"
A="127.0.0.1:$P_1"
B="127.0.0.2:$P_2"
C="127.0.0.3:$P_3"

metric()
{
	eval "_m=\$M_$1"
	st_http_get "http://127.0.0.1:$_m/metrics" |
	    awk -v n="$2" '$1 == n { print $2 }'
}

# The registry: each instance sees three live ones.
i=0
while [ $i -lt 50 ] && [ "$(metric 1 stund_cluster_instances)" != 3 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(metric 1 stund_cluster_instances)" = 3 ] &&
    st_ok "the registry lists three live instances" ||
    st_fail "registry: $(metric 1 stund_cluster_instances) instances"

# rp NAME SERVER ARGS...: rdvpoke in the background, output in $T/NAME.
rp()
{
	_n=$1
	_s=$2
	shift 2
	st_bg "$T/$_n" timeout 120 "$RDVPOKE" -n "$_n" "$@" "$_s"
	eval "PID_$_n=\$ST_LASTPID"
}

expect()
{
	if st_wait_log "$T/$2" "$3" "${4:-50}"; then
		st_ok "$1"
	else
		st_fail "$1: no '$3' in $2:"
		sed 's/^/  | /' "$T/$2"
	fi
}

# --- 1. Three members of one room on three instances. ---
ROOM1=$(key a1)
rp ann "$A" -r "$ROOM1" -t 100
expect "ann joined on A" ann '^joined '
rp ben "$B" -r "$ROOM1" -t 100
expect "ben joined on B" ben '^joined '
expect "ben sees ann (registered on A)" ben '^members .*=ann,'
expect "ann hears ben join (registered on B)" ann \
    '^members event=join .*=ben,srflx=127\.0\.0\.1:'
expect "ann gets a Go for ben" ann '^go peer=[0-9]+ delay=' 60
expect "ben gets a Go for ann" ben '^go peer=[0-9]+ delay=' 60
rp cat "$C" -r "$ROOM1" -t 100
expect "cat (on C) sees ann and ben" cat '^members .*n=2 .*=(ann|ben),.*=(ann|ben),'
expect "ann hears cat join" ann '^members event=join .*=cat,'
expect "ben hears cat join" ben '^members event=join .*=cat,'
# Go delays: both sides of a pair wait so that both punches leave together
# (a pair's delays differ by the RTT difference, here ~0).
dann=$(sed -n 's/^go peer=[0-9]* delay=\([0-9]*\).*/\1/p' "$T/ann" | head -n 1)
dben=$(sed -n 's/^go peer=[0-9]* delay=\([0-9]*\).*/\1/p' "$T/ben" | head -n 1)
if [ -n "$dann" ] && [ -n "$dben" ] && [ $((dann - dben)) -le 20 ] &&
    [ $((dben - dann)) -le 20 ]; then
	st_ok "the Go of a pair across instances: delays $dann and $dben ms"
else
	st_fail "Go delays across instances: '$dann' and '$dben'"
fi

# --- 2. p2pchat across instances: direct path, then through relays. ---
for n in alice bob carol dave eve; do
	mkfifo "$T/$n.in" || exit 99
done
exec 3<>"$T/alice.in" 4<>"$T/bob.in" 5<>"$T/carol.in" 6<>"$T/dave.in" \
    7<>"$T/eve.in"

# chat NAME SERVERS [ARGS]: a --batch peer reading the fifo $T/NAME.in.
chat()
{
	_n=$1
	_s=$2
	shift 2
	timeout 300 "$CHAT" --server "$_s" --name "$_n" --batch --linger 5 \
	    "$@" <"$T/$_n.in" >"$T/$_n.out" 2>"$T/$_n.err" 3>&- 4>&- 5>&- \
	    6>&- 7>&- &
	ST_PIDS="$ST_PIDS $!"
	eval "CPID_$_n=\$!"
}

count()
{
	grep "^{\"event\":\"$2\"" "$T/$1.out" 2>/dev/null | grep -cF -- "${3:-}"
}

wait_count()
{
	_i=0
	while [ "$_i" -lt "$5" ]; do
		[ "$(count "$1" "$2" "$4")" -ge "$3" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

code_of()
{
	wait_count "$1" room 1 '' 100 || return 1
	grep '^{"event":"room"' "$T/$1.out" |
	    sed -n 's/.*"code":"\([^"]*\)".*/\1/p' | head -n 1
}

# texts NAME FROM: the texts NAME received from FROM, in order.
texts()
{
	grep '^{"event":"message"' "$T/$1.out" | grep -F "\"from\":\"$2\"" |
	    sed -n 's/.*"text":"\(.*\)","ms".*/\1/p'
}

chat alice "$A,$B,$C"
CODE=$(code_of alice) || { st_fail "alice made no room"; st_done; }
chat bob "$B" "$CODE"
for p in alice bob; do
	o=bob
	[ $p = bob ] && o=alice
	wait_count $p joined 1 "\"peer\":\"$o\"" 150 &&
	    st_ok "$p: $o joined across instances" ||
	    { st_fail "$p: $o never joined"; sed 's/^/  | /' "$T/$p.err"; }
done
grep '^{"event":"path"' "$T/bob.out" | grep -q '"kind":"direct"' &&
    st_ok "alice (A) and bob (B): a direct path" ||
    st_fail "no direct path between alice and bob"
i=1
while [ $i -le 10 ]; do
	echo "a2b $i" >&3
	echo "b2a $i" >&4
	i=$((i + 1))
done
wait_count alice delivered 10 '' 150 && wait_count bob delivered 10 '' 150 &&
    st_ok "10 messages each way delivered" ||
    st_fail "delivered: alice $(count alice delivered), bob $(count bob delivered)"

# A fleet list whose first server is silent: eve registers on the next.
chat eve "127.0.0.1:9,$C" "$CODE"
wait_count alice joined 1 '"peer":"eve"' 300 &&
    wait_count eve joined 1 '"peer":"bob"' 100 &&
    st_ok "eve (--server with a silent first one) met alice and bob" ||
    { st_fail "eve never joined"; sed 's/^/  | /' "$T/eve.err" | tail -n 5; }
exec 7>&-

# natprobe with the same kind of list.
NATPROBE="$top_builddir/natprobe/natprobe"
if [ -x "$NATPROBE" ]; then
	timeout 120 "$NATPROBE" --json "127.0.0.1:9,$B" >"$T/np.json" \
	    2>"$T/np.err"
	grep -q "\"server\":\"$B\"" "$T/np.json" &&
	    grep -q '"server_status":"answering"' "$T/np.json" &&
	    grep -q 'trying 127\.0\.0\.2' "$T/np.err" &&
	    st_ok "natprobe: 127.0.0.1:9 silent, the report is of B" ||
	    { st_fail "natprobe with a list:"; head -c 300 "$T/np.json";
	    cat "$T/np.err"; }
fi

# Forced to relay: each peer allocates on its own instance with the
# credential that instance handed out; the relays talk to each other.
chat carol "$A" --force-relay
CODE2=$(code_of carol) || st_fail "carol made no room"
chat dave "$C" --force-relay "$CODE2"
if wait_count dave joined 1 '"peer":"carol"' 200 &&
    wait_count carol joined 1 '"peer":"dave"' 200; then
	st_ok "carol (A) and dave (C), relay only: joined"
	echo "via relays" >&5
	wait_count dave message 1 'via relays' 100 &&
	    st_ok "a message through A's and C's relays" ||
	    st_fail "no message through the relays"
	grep '^{"event":"path"' "$T/dave.out" | grep -q '"kind":"relay' &&
	    st_ok "dave's path is relayed" ||
	    st_fail "dave's path: $(grep '"event":"path"' "$T/dave.out")"
else
	st_fail "carol and dave (relay only) never joined"
	sed 's/^/  | /' "$T/carol.err" "$T/dave.err" | tail -n 20
fi
exec 5>&- 6>&-	# EOF: carol and dave leave

# A credential minted by A allocates on C, from its member's own socket
# (tests/rdvturn), once C follows the room (a member of it on C); from
# another socket it is refused there as it is at home.
RDVTURN="$top_builddir/tests/rdvturn"
if command -v turnutils_peer >/dev/null 2>&1 && [ -x "$RDVTURN" ]; then
	PP=$(st_free_port)
	st_bg "$T/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 -p "$PP"
	rp credc "$C" -r "$(key c5)" -t 60
	st_wait_log "$T/credc" '^joined ' 50
	mkfifo "$T/cred.in" || exit 99
	timeout 60 "$RDVTURN" -r "$(key c5)" -n cred -b 127.0.0.1 -T "$C" \
	    -t 50 "$A" <"$T/cred.in" >"$T/cred" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	exec 9>"$T/cred.in"
	if st_wait_log "$T/cred" '^member id=[0-9]* name=credc' 100; then
		echo alloc >&9
		st_wait_log "$T/cred" '^allocated relayed=127\.0\.0\.3:' 50 &&
		    st_ok "a relay credential from A allocates on C" ||
		    { st_fail "A's credential on C:"; sed 's/^/  | /' \
		    "$T/cred"; }
		echo alloc2 >&9
		st_wait_log "$T/cred" '^alloc2 alloc-failed code=403' 50 &&
		    st_ok "C refuses it from another socket (403)" ||
		    { st_fail "A's credential from elsewhere on C:"; sed \
		    's/^/  | /' "$T/cred"; }
	else
		st_fail "cred (A) never saw credc (C):"
		sed 's/^/  | /' "$T/cred"
	fi
	echo quit >&9
	exec 9>&-
else
	echo "note: A's credential on another instance not tried:" \
	    "turnutils_peer or rdvturn missing"
fi

# --- 3. Overload: B (--max-allocations 2) sends the third Allocate away.
if [ -n "${PP:-}" ]; then
	user="$(( $(date +%s) + 600 )):overload"
	pass=$(printf '%s' "$user" | openssl dgst -sha1 -hmac "$SECRET" \
	    -binary | base64)
	# Fill B to its cap (p2pchat peers on B may hold one already).
	k=0
	while [ $k -lt 2 ] &&
	    [ "$(metric 2 stund_turn_allocations)" -lt 2 ] 2>/dev/null; do
		k=$((k + 1))
		st_bg "$T/hold.$k" timeout 60 "$TPOKE" -s "$B" -u "$user" \
		    -w "$pass" -p 127.0.0.1:9 -n 1 -t 30000
		st_wait_log "$T/hold.$k" '^allocated relayed=127\.0\.0\.2:' 50
	done
	[ "$(metric 2 stund_turn_allocations)" = 2 ] &&
	    st_ok "B holds two allocations, its cap" ||
	    st_fail "B has $(metric 2 stund_turn_allocations) allocations"
	sleep 1.5	# B's load reaches the registry
	timeout 20 "$TPOKE" -s "$B" -u "$user" -w "$pass" -p "127.0.0.1:$PP" \
	    -n 3 >"$T/tpoke.over" 2>&1
	if grep -q '^allocated relayed=127\.0\.0\.[13]:' "$T/tpoke.over" &&
	    grep -q '^echoes phase=permission count=3/3' "$T/tpoke.over"; then
		st_ok "the third Allocate on B: 300, allocated on" \
		    "$(sed -n 's/^allocated relayed=\([0-9.]*\):.*/\1/p' \
		    "$T/tpoke.over")"
	else
		st_fail "the third Allocate on B:"
		sed 's/^/  | /' "$T/tpoke.over"
	fi
	[ "$(metric 2 stund_cluster_redirects_total)" -ge 1 ] 2>/dev/null &&
	    st_ok "B counted the redirect" ||
	    st_fail "stund_cluster_redirects_total on B:" \
	    "$(metric 2 stund_cluster_redirects_total)"
fi

# --- 4. kill -9 A mid-chat. ---
rp orphan "$A" -r "$ROOM1" -t 100	# cannot fail over: rdvpoke has one
expect "orphan (on A) joined room 1" orphan '^joined '
expect "ben hears orphan join" ben '^members event=join .*=orphan,'
# alice sends one message every 0.2 s throughout the failover.
(
	i=1
	while [ $i -le 100 ]; do
		echo "over $i"
		sleep 0.2
		i=$((i + 1))
	done
) >&3 &
SENDER=$!
sleep 2
kill -9 "$SPID_1" 2>/dev/null
st_ok "stund A killed with -9 mid-chat"
if st_wait_log "$T/alice.err" 'rendezvous server now 127\.0\.0\.2' 300; then
	st_ok "alice failed over from A to B"
else
	st_fail "alice did not fail over:"
	sed 's/^/  | /' "$T/alice.err" | tail -n 10
fi
st_wait_log "$LOG_2" 'member-join .*name=alice' 50 &&
    st_ok "B took alice over (same member, now local)" ||
    st_fail "B never logged alice joining"
wait "$SENDER"
want=100
if wait_count bob message $((10 + want)) '' 300; then
	st_ok "bob got all $want messages sent across the failover"
else
	st_fail "bob got $(count bob message) of $((10 + want)) messages"
fi
dups=$(texts bob alice | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && st_ok "none duplicated" ||
    st_fail "$dups messages duplicated"
got=$(texts bob alice | grep -c '^over ')
[ "$got" -eq $want ] && st_ok "none lost ($got)" ||
    st_fail "bob has $got of $want"
[ "$(count alice undelivered)" -eq 0 ] && st_ok "alice: nothing undelivered" ||
    st_fail "alice: $(count alice undelivered) undelivered"
expect "ben: orphan (left behind on A) times out" ben \
    '^members event=timeout .*n=' 300
expect "cat (on C) sees it time out too" cat '^members event=timeout ' 50

# --- 5. Redis stopped mid-chat. ---
st_stop "$RPID"
st_wait_log "$LOG_2" 'Redis .* unreachable' 50 &&
    st_ok "B says Redis is unreachable" ||
    st_fail "B did not notice Redis going"
[ "$(metric 2 stund_cluster_connected)" = 0 ] &&
    st_ok "B's metrics: stund_cluster_connected 0" ||
    st_fail "stund_cluster_connected: $(metric 2 stund_cluster_connected)"
echo "redis down 1" >&3
echo "redis down 2" >&4
wait_count bob message 1 'redis down 1' 100 &&
    wait_count alice message 1 'redis down 2' 100 &&
    st_ok "the chat goes on without Redis" ||
    st_fail "no message without Redis"
ROOM2=$(key d2)
rp loc1 "$C" -r "$ROOM2" -t 60
rp loc2 "$C" -r "$ROOM2" -t 60
expect "a room on C alone works without Redis" loc2 '^members .*=loc1,'
ROOM3=$(key e3)
rp far1 "$B" -r "$ROOM3" -t 60
rp far2 "$C" -r "$ROOM3" -t 60
expect "far1 joined on B" far1 '^joined '
expect "far2 joined on C" far2 '^joined '
sleep 2
grep -q 'far1' "$T/far2" && st_fail "far2 met far1 without Redis" ||
    st_ok "a join across instances waits for Redis"
redis_start || st_fail "redis-server did not start again"
t0=$(date +%s)
expect "Redis back: far2 (C) meets far1 (B)" far2 '^members .*=far1,' 150
expect "Redis back: far1 meets far2" far1 '^members .*=far2,' 150
echo "re-converged in $(( $(date +%s) - t0 )) s"
st_wait_log "$LOG_2" 'Redis .* is back' 50 &&
    st_ok "B says Redis is back" || st_fail "B did not log Redis back"
wait_count bob message 1 'redis down 1' 10 &&
    [ "$(count bob message 'redis down 1')" -eq 1 ] &&
    st_ok "still no duplicate after Redis came back" ||
    st_fail "duplicates after Redis came back"

exec 3>&- 4>&-
st_done

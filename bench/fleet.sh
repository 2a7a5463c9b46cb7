#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# bench/fleet.sh: stund as a fleet (--cluster) on loopback.  One
# redis-server (nothing saved), stund A on 127.0.0.1 and B on 127.0.0.2
# sharing it, and stund S on 127.0.0.3 alone.  It measures
#  - joins a second and register / meet / Go latencies (bench/rdvload),
#    every room on A ("same") against every pair split over A and B
#    ("cross");
#  - Redis commands and bytes per join and per member keepalive, from
#    Redis's own INFO (commandstats, total_net_input_bytes);
#  - RSS of stund and Redis memory per 10,000 members;
#  - Binding responses a second of A (in the fleet) against S (alone);
#  - p2pchat join-to-first-message, peers on one instance or on two.
# Not part of `make check`; prints a markdown table.  See bench/README.
#
# Knobs: FLEET_REPS (3); FLEET_JOINS (4000 members) started at
# FLEET_RATE (20000 a second) for joins a second; FLEET_LJOINS (400) at
# FLEET_LRATE (100 a second) for the latencies and Redis costs per join;
# FLEET_RSS (10000 members), FLEET_KA_SECS (30), FLEET_CHAT (10 pairs each
# way), FLEET_SECS (3, Binding seconds).

set -u

top_builddir=${top_builddir:-.}
REPS=${FLEET_REPS:-3}
JOINS=${FLEET_JOINS:-4000}
RATE=${FLEET_RATE:-20000}
LJOINS=${FLEET_LJOINS:-400}
LRATE=${FLEET_LRATE:-100}
RSSN=${FLEET_RSS:-10000}
KASECS=${FLEET_KA_SECS:-30}
CHATN=${FLEET_CHAT:-10}
SECS=${FLEET_SECS:-3}
STUND=$top_builddir/stund/stund
RDVLOAD=$top_builddir/bench/rdvload
STUNLOAD=$top_builddir/bench/stunload
CHAT=$top_builddir/chat/p2pchat

for p in "$STUND" "$RDVLOAD" "$STUNLOAD" "$CHAT"; do
	[ -x "$p" ] || { echo "fleet.sh: $p not built" >&2; exit 2; }
done
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    { echo "fleet.sh: redis-server and redis-cli needed" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench.XXXXXX") || exit 2
PIDS=""
cleanup()
{
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${FLEET_KEEP:-}" ] && echo "results kept in $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say() { echo "$*" >&2; }
median()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else print v[int((NR + 1) / 2)] }'
}
field() { sed -n "s/.*[ ^]$1=\\([^ ]*\\).*/\\1/p" | head -n 1; }

RPORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 10000))
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$T" >"$T/redis.log" 2>&1 &
PIDS="$PIDS $!"
RCLI="redis-cli -p $RPORT"
i=0
until $RCLI ping >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 50 ] || { say "redis-server did not start"; exit 1; }
	sleep 0.1
done

CAPS="--room-max 100000 --member-max 100000 --register-rate 60000
    --register-burst 1000 --room-prefix-max 1000000
    --member-prefix-max 1000000 --rate 0 --keepalive 10
    --member-timeout 30 --log-level warn"
# start NAME IP [OPTIONS]: stund in the background; port in P_NAME.
start()
{
	_n=$1
	_ip=$2
	shift 2
	"$STUND" --foreground --primary "$_ip" --port 0 $CAPS "$@" \
	    >"$T/$_n.log" 2>&1 &
	eval "PID_$_n=\$!"
	PIDS="$PIDS $!"
	i=0
	until grep -q "listening on udp" "$T/$_n.log"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { say "stund $_n did not start"; exit 1; }
		sleep 0.1
	done
	eval "P_$_n=$(sed -n "s/.*listening on udp $_ip:\\([0-9]*\\).*/\\1/p" \
	    "$T/$_n.log" | head -n 1)"
}
start A 127.0.0.1 --cluster "redis://127.0.0.1:$RPORT"
start B 127.0.0.2 --cluster "redis://127.0.0.1:$RPORT"
start S 127.0.0.3
sleep 1.5
A=127.0.0.1:$P_A
B=127.0.0.2:$P_B
S=127.0.0.3:$P_S

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
redis_calls()
{
	$RCLI info commandstats | tr -d '\r' |
	    awk -F'[=,:]' '/^cmdstat_/ && $1 != "cmdstat_info" { n += $3 }
	    END { print n + 0 }'
}
redis_in() { $RCLI info stats | tr -d '\r' |
    awk -F: '$1 == "total_net_input_bytes" { print $2 }'; }
redis_mem() { $RCLI info memory | tr -d '\r' |
    awk -F: '$1 == "used_memory" { print $2 }'; }

# Background: the registry, per second with no member (both instances).
c0=$(redis_calls); b0=$(redis_in); sleep 5
c1=$(redis_calls); b1=$(redis_in)
BG_CALLS=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 5 }')
BG_BYTES=$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.0f", (b - a) / 5 }')
say "registry background: $BG_CALLS Redis commands/s, $BG_BYTES bytes/s"

# --- Joins: capacity (offered far above it), then latency (at LRATE). ---
seed=10
for r in $(seq "$REPS"); do
	for mode in same cross; do
		seed=$((seed + 1))
		srv=$A
		[ $mode = cross ] && srv=$A,$B
		timeout 120 "$RDVLOAD" -k "$seed" -n "$JOINS" -R "$RATE" "$srv" \
		    >>"$T/cap.$mode" 2>&1
		sleep 1
		seed=$((seed + 1))
		c0=$(redis_calls); b0=$(redis_in); t0=$(date +%s.%N)
		timeout 120 "$RDVLOAD" -k "$seed" -n "$LJOINS" -R "$LRATE" \
		    "$srv" >>"$T/join.$mode" 2>&1
		sleep 1	# the Leaves reach Redis
		c1=$(redis_calls); b1=$(redis_in); t1=$(date +%s.%N)
		awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" \
		    -v bg="$BG_CALLS" -v n="$LJOINS" \
		    'BEGIN { printf "%.2f\n", (b - a - bg * (t1 - t0)) / n }' \
		    >>"$T/cpj.$mode"
		awk -v a="$b0" -v b="$b1" -v t0="$t0" -v t1="$t1" \
		    -v bg="$BG_BYTES" -v n="$LJOINS" \
		    'BEGIN { printf "%.0f\n", (b - a - bg * (t1 - t0)) / n }' \
		    >>"$T/bpj.$mode"
		sleep 1
	done
done
jrow()
{
	printf '| %s | %s | %s / %s | %s / %s | %s / %s | %s | %s |\n' "$1" \
	    "$(grep '^members' "$T/cap.$1" | field joins_per_s | median)" \
	    "$(grep '^members' "$T/join.$1" | field join_p50_ms | median)" \
	    "$(grep '^members' "$T/join.$1" | field join_p99_ms | median)" \
	    "$(grep '^members' "$T/join.$1" | field meet_p50_ms | median)" \
	    "$(grep '^members' "$T/join.$1" | field meet_p99_ms | median)" \
	    "$(grep '^members' "$T/join.$1" | field go_p50_ms | median)" \
	    "$(grep '^members' "$T/join.$1" | field go_p99_ms | median)" \
	    "$(median <"$T/cpj.$1")" "$(median <"$T/bpj.$1")"
}

# --- Keepalives and memory: RSSN members held, pairs split over A, B. ---
ra0=$(rss_kb "$PID_A"); m0=$(redis_mem)
timeout 600 "$RDVLOAD" -k 999 -n "$RSSN" -R "$RATE" -d $((KASECS + 10)) \
    -T 120 "$A,$B" >"$T/rss" 2>&1 &
LOADPID=$!
PIDS="$PIDS $LOADPID"
i=0
until grep -q '^ready' "$T/rss"; do
	i=$((i + 1))
	[ $i -lt 1200 ] || { say "rdvload did not get ready"; break; }
	sleep 0.1
done
sleep 3
ra1=$(rss_kb "$PID_A"); m1=$(redis_mem)
c0=$(redis_calls); b0=$(redis_in); sleep "$KASECS"
c1=$(redis_calls); b1=$(redis_in)
wait "$LOADPID"
met=$(field met <"$T/rss")
# Each member sends a keepalive every 10 s.
KA=$(awk -v a="$c0" -v b="$c1" -v bg="$BG_CALLS" -v s="$KASECS" \
    -v n="$RSSN" 'BEGIN { printf "%.4f", (b - a - bg * s) / (n * s / 10) }')
KAB=$(awk -v a="$b0" -v b="$b1" -v bg="$BG_BYTES" -v s="$KASECS" \
    -v n="$RSSN" 'BEGIN { printf "%.2f", (b - a - bg * s) / (n * s / 10) }')
RSS_A=$(awk -v a="$ra0" -v b="$ra1" -v n="$RSSN" \
    'BEGIN { printf "%.1f", (b - a) / 1024 * 10000 / n }')
RMEM=$(awk -v a="$m0" -v b="$m1" -v n="$RSSN" \
    'BEGIN { printf "%.1f", (b - a) / 1048576 * 10000 / n }')

# --- Binding: A (in the fleet, idle) against S (alone), interleaved. ---
for r in $(seq "$REPS"); do
	for s in A S; do
		eval "t=\$$s"
		timeout 60 "$STUNLOAD" -d "$SECS" -W 0.5 -n 64 -w 4 "$t" \
		    2>/dev/null | field rps >>"$T/bind.$s"
	done
done
BA=$(median <"$T/bind.A")
BS=$(median <"$T/bind.S")

# --- p2pchat: join to first message, one instance or two. ---
# trial SERVER_OF_BOB: ms from bob's start to his first line delivered.
trial()
{
	rm -f "$T/a.in" "$T/b.in"
	mkfifo "$T/a.in" "$T/b.in"
	exec 7<>"$T/a.in" 8<>"$T/b.in"
	timeout 30 "$CHAT" --server "$A" --name alice --batch --linger 1 \
	    <"$T/a.in" >"$T/a.out" 2>/dev/null 7>&- 8>&- &
	pa=$!
	i=0
	until grep -q '"event":"room"' "$T/a.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || break
		sleep 0.05
	done
	code=$(sed -n 's/.*"event":"room".*"code":"\([^"]*\)".*/\1/p' \
	    "$T/a.out" | head -n 1)
	echo "first" >&8
	timeout 30 "$CHAT" --server "$1" --name bob --batch --linger 1 \
	    "$code" <"$T/b.in" >"$T/b.out" 2>/dev/null 7>&- 8>&- &
	pb=$!
	i=0
	until grep -q '"event":"delivered"' "$T/b.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || break
		sleep 0.05
	done
	grep '"event":"delivered"' "$T/b.out" | head -n 1 |
	    sed -n 's/.*"ms":\([0-9]*\).*/\1/p'
	exec 7>&- 8>&-
	kill "$pa" "$pb" 2>/dev/null
	wait "$pa" "$pb" 2>/dev/null
}
for r in $(seq "$CHATN"); do
	trial "$A" >>"$T/chat.same"
	trial "$B" >>"$T/chat.cross"
done
CS=$(median <"$T/chat.same")
CC=$(median <"$T/chat.cross")
p99()
{
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else print v[int(NR * 0.99 + 0.999)] }'
}

echo
echo "stund fleet on loopback ($(nproc) CPUs): redis-server $($RCLI info server |
    tr -d '\r' | sed -n 's/^redis_version://p'), $REPS repetitions, medians"
echo
echo "| rooms | joins/s | register ms p50 / p99 | meet ms p50 / p99 |" \
    "Go ms p50 / p99 | Redis commands / join | Redis bytes in / join |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
jrow same
jrow cross
echo
echo "| measure | value |"
echo "| --- | --- |"
echo "| Redis commands per member keepalive ($RSSN members, ${KASECS} s) | $KA |"
echo "| Redis bytes in per member keepalive | $KAB |"
echo "| registry background, both instances | $BG_CALLS commands/s, $BG_BYTES bytes/s |"
echo "| stund A RSS per 10,000 members in its table ($met of $RSSN met) | $RSS_A MiB |"
echo "| Redis used_memory per 10,000 members | $RMEM MiB |"
echo "| Binding responses/s, A in the fleet / S alone | $BA / $BS ($(awk -v a="$BA" -v b="$BS" 'BEGIN { printf "%.3f", a / b }')x, target >= 0.95) |"
echo "| p2pchat join to first message, ms p50 (p99): one instance | $CS ($(p99 <"$T/chat.same")) |"
echo "| p2pchat join to first message, ms p50 (p99): two instances | $CC ($(p99 <"$T/chat.cross")) |"
echo "| cross / same | $(awk -v a="$CC" -v b="$CS" 'BEGIN { printf "%.2f", a / b }')x (target <= 1.2) |"

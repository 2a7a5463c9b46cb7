#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# bench/run.sh: stund against coturn (turnserver --stun-only) and a bare
# recvmmsg/sendmmsg echo (the ceiling), on loopback only.  Each server is
# pinned to one core and bench/stunload to the other; servers are
# interleaved A B C A B C over BENCH_REPS repetitions; the table shows
# medians with min..max and server-core microseconds per response.
# Not part of `make check`.  See bench/README.
#
# Knobs (environment): BENCH_REPS (5), BENCH_SECS (3, measured seconds per
# run), BENCH_WARMUP (0.5), BENCH_SOURCES (256), BENCH_WINDOW (2),
# BENCH_TCP_CONNS (64), BENCH_TCP_WINDOW (8), BENCH_RSS_CONNS (1000),
# BENCH_WORKERS (all CPUs), BENCH_NICE (-10 as root, empty: off),
# BENCH_RT (1: SCHED_RR instead of nice), BENCH_TURN_ALLOCS (100),
# BENCH_STUND_TURN_ARGS (stund's TURN options), BENCH_PACED_* (the paced
# TURN rows), BENCH_NETNS (1: the TURN rows again over a veth pair between
# two namespaces, see turn_veth), BENCH_SECTIONS (which sections),
# BENCH_KEEP (keep results).

set -u

top_builddir=${top_builddir:-.}
REPS=${BENCH_REPS:-5}
SECS=${BENCH_SECS:-3}
WARMUP=${BENCH_WARMUP:-0.5}
SOURCES=${BENCH_SOURCES:-256}
WINDOW=${BENCH_WINDOW:-2}
SAT_SOURCES=${BENCH_SAT_SOURCES:-16}
SAT_WINDOW=${BENCH_SAT_WINDOW:-32}
TCP_CONNS=${BENCH_TCP_CONNS:-64}
TCP_WINDOW=${BENCH_TCP_WINDOW:-8}
RSS_CONNS=${BENCH_RSS_CONNS:-1000}
TURN_ALLOCS=${BENCH_TURN_ALLOCS:-100}
TURN_PAYLOAD=100
# Paced TURN: clients that send at a fixed rate, below saturation.
PACED_SECS=${BENCH_PACED_SECS:-4}
PACED_ALLOCS=${BENCH_PACED_ALLOCS:-100}
PACED_RATE=${BENCH_PACED_RATE:-50}
PACED_ONE_RATE=${BENCH_PACED_ONE_RATE:-2000}
PACED_TCP=${BENCH_PACED_TCP:-20}
PACED_TCP_RATE=${BENCH_PACED_TCP_RATE:-100}
SECTIONS=${BENCH_SECTIONS:-udp ping tcp rss turn workers nat}
NETNS=${BENCH_NETNS:-0}
# A second stund in the TURN rows with --relay-coalesce this many us
# (0: no such row).
COALESCE=${BENCH_COALESCE:-1000}
STUND_TURN_ARGS=${BENCH_STUND_TURN_ARGS:-}
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
WORKERS=${BENCH_WORKERS:-$NCPU}
CLK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# A higher priority than the builds that share this machine: nice by
# default; BENCH_RT=1 uses SCHED_RR instead (steadier, but it leaves other
# work on these cores only the kernel's 5% RT reserve while loaded).
NICE=""
if [ "$(id -u)" = 0 ] && [ "${BENCH_RT:-0}" = 1 ] &&
    command -v chrt >/dev/null 2>&1; then
	NICE="chrt -r 1"
elif [ "$(id -u)" = 0 ] && [ -n "${BENCH_NICE--10}" ]; then
	NICE="nice -n ${BENCH_NICE--10}"
fi

STUNLOAD=$top_builddir/bench/stunload
TURNLOAD=$top_builddir/bench/turnload
ECHO=$top_builddir/bench/echo
STUND=$top_builddir/stund/stund
NATPROBE=$top_builddir/natprobe/natprobe
IP1=127.0.0.1
IP2=127.0.0.2

for v in "$REPS" "$SOURCES" "$WINDOW" "$SAT_SOURCES" "$SAT_WINDOW" \
    "$TCP_CONNS" "$TCP_WINDOW" \
    "$RSS_CONNS" "$WORKERS" "$TURN_ALLOCS" "$PACED_ALLOCS" "$PACED_RATE" \
    "$PACED_ONE_RATE" "$PACED_TCP" "$PACED_TCP_RATE" "$COALESCE" \
    "$NETNS"; do
	case $v in
	''|*[!0-9]*) echo "run.sh: bad numeric setting '$v'" >&2; exit 2;;
	esac
done
if [ "$REPS" -lt 1 ] || [ "$REPS" -gt 50 ]; then
	echo "run.sh: BENCH_REPS must be 1..50" >&2
	exit 2
fi
for p in "$STUNLOAD" "$ECHO"; do
	if [ ! -x "$p" ]; then
		echo "run.sh: $p missing: run 'make bench'" >&2
		exit 2
	fi
done
for t in taskset timeout ss awk; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "run.sh: SKIP: $t not installed" >&2
		exit 77
	fi
done
HAVE_STUND=0; [ -x "$STUND" ] && HAVE_STUND=1
HAVE_COTURN=0; command -v turnserver >/dev/null 2>&1 && HAVE_COTURN=1

# Server on one core, load generator on another.
if [ "$NCPU" -ge 2 ]; then
	SRV_CPU=0
	LOAD_CPU=1
	ALL_CPUS=0-$((NCPU - 1))
else
	SRV_CPU=0
	LOAD_CPU=0
	ALL_CPUS=0
fi

WORK=$(mktemp -d /tmp/stunkit-bench.XXXXXX) || exit 1
RES=$WORK/res
mkdir -p "$RES"
PIDS=""
# The veth rows' namespaces (server side, client side) once made.
NS_S=""
NS_C=""

# Stop every process this script started, by pid; remove the work dir.
cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 30 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in $NS_S $NS_C; do
		timeout 10 ip netns delete "$ns" 2>/dev/null
	done
	if [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$WORK"
	else
		echo "run.sh: results kept in $WORK" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true

say() {
	printf '%s\n' "$*"
}

# A port free for UDP and TCP on both loopback addresses, with port+1 too.
free_port() {
	i=0
	while [ $i -lt 200 ]; do
		PORT_SEQ=$((PORT_SEQ + 1))
		# Below 40000: coturn relays from 40000-49999.
		p=$(awk -v s="$$" -v n="$PORT_SEQ" 'BEGIN {
			srand(s * 1000 + n)
			print 20000 + int(rand() * 19000) }')
		busy=$(ss -Htuan "( sport = :$p or sport = :$((p + 1)) )" \
		    2>/dev/null | wc -l)
		case " $USED_PORTS " in *" $p "*|*" $((p + 1)) "*) busy=1;; esac
		if [ "$busy" -eq 0 ]; then
			USED_PORTS="${USED_PORTS:-} $p $((p + 1))"
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}
USED_PORTS=""
PORT_SEQ=0

# The pid of the program that timeout(1) runs (its only child).
child_of() {
	i=0
	while [ $i -lt 50 ]; do
		c=$(awk '{ print $1 }' "/proc/$1/task/$1/children" \
		    2>/dev/null)
		if [ -n "$c" ]; then
			echo "$c"
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }'
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# Wait until a valid Binding answer comes back from target (bounded).
wait_ready() {
	i=0
	while [ $i -lt 50 ]; do
		if timeout 5 "$STUNLOAD" -p -W 0 -d 0.1 -T 200 "$1" \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start NAME CPUS PORT [two]: start a server, set SPID (the server) and
# record it for cleanup.  Returns 1 when it does not answer.
start() {
	name=$1 cpus=$2 port=$3 two=${4:-}
	log=$WORK/$name.log
	case $name in
	echo*)
		timeout 3600 $NICE taskset -c "$cpus" "$ECHO" -l "$IP1:$port" \
		    -w "$nw" >"$log" 2>&1 &
		;;
	stund*)
		alt=""
		[ -n "$two" ] && alt="--alternate $IP2"
		# --rate 0: every source here is 127.0.0.1, so the per-IP
		# limiter would measure itself (and --tcp-source-max would
		# cap the held connections); see bench/README.
		timeout 3600 $NICE taskset -c "$cpus" "$STUND" \
		    --primary "$IP1" $alt --port "$port" --foreground \
		    --workers "$nw" --rate 0 --tcp-max $((RSS_CONNS + 1000)) \
		    --tcp-source-max $((RSS_CONNS + 1000)) --log-level warn \
		    >"$log" 2>&1 &
		;;
	coturn*)
		ips="--listening-ip $IP1 --no-rfc5780"
		[ -n "$two" ] && ips="--listening-ip $IP1 --listening-ip $IP2"
		# -m N: N relay threads, each with its own SO_REUSEPORT socket.
		timeout 3600 $NICE taskset -c "$cpus" turnserver -n \
		    --stun-only --no-cli $ips --listening-port "$port" \
		    -m "$nw" --no-tls --no-dtls --no-software-attribute \
		    --log-file stdout --simple-log \
		    --pidfile "$WORK/$name.pid" --userdb "$WORK/$name.db" \
		    >"$log" 2>&1 &
		;;
	esac
	tpid=$!
	PIDS="$PIDS $tpid"
	SPID=$(child_of $tpid) || SPID=""
	if [ -z "$SPID" ] || ! wait_ready "$IP1:$port"; then
		say "run.sh: $name did not answer on $IP1:$port; log:" >&2
		tail -5 "$log" >&2
		return 1
	fi
	eval "PID_$name=$SPID PORT_$name=$port TPID_$name=$tpid"
	return 0
}

stop() {
	eval "tp=\${TPID_$1:-}"
	[ -n "$tp" ] || return 0
	kill -TERM "$tp" 2>/dev/null
	i=0
	while kill -0 "$tp" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$tp" 2>/dev/null
	eval "TPID_$1="
}

# measure TEST NAME stunload-args...: one run, appended to $RES/TEST.NAME
# as stunload's key=value line plus cpu_us (server-core us per response).
measure() {
	test=$1 name=$2
	shift 2
	eval "pid=\$PID_$name port=\$PORT_$name"
	t0=$(cpu_ticks "$pid")
	out=$(timeout 600 $NICE taskset -c "$LOAD_CPU" "$STUNLOAD" "$@" \
	    "$IP1:$port" 2>>"$WORK/stunload.err")
	t1=$(cpu_ticks "$pid")
	[ -n "$out" ] || out="responses=0 total=0 rps=0"
	total=$(say "$out" | sed -n 's/.* total=\([0-9]*\).*/\1/p')
	cpu=$(awk -v a="${t0:-0}" -v b="${t1:-0}" -v n="${total:-0}" \
	    -v clk="$CLK" 'BEGIN {
		if (n > 0) printf "%.2f", (b - a) * 1000000 / clk / n;
		else print "nan" }')
	say "$out cpu_us=$cpu rss_kb=$(rss_kb "$pid")" >>"$RES/$test.$name"
}

# mstat FILE KEY: "median (min..max)" of KEY over the runs in FILE.
mstat() {
	[ -f "$1" ] || { echo "-"; return; }
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | sort -g | awk '
	    { v[NR] = $1 }
	    END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = (v[NR] >= 100) ? "%.0f" : "%.1f"
		printf f " (" f ".." f ")\n", m, v[1], v[NR] }'
}

# med FILE KEY: the median alone.
med() {
	mstat "$1" "$2" | awk '{ print $1 }'
}

# sum FILE KEY: the sum over the runs.
sum() {
	[ -f "$1" ] || { echo "-"; return; }
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" |
	    awk '{ s += $1 } END { printf "%d\n", s }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b;
		else print "n/a" }'
}

row() {
	printf '  %-12s %-24s %-20s %-22s %-18s %s\n' "$@"
}

udp_table() {
	t=$1
	row server "responses/s" "p50 us" "p99 us" "core us/resp" \
	    "lost/invalid"
	for s in $2; do
		f=$RES/$t.$s
		[ -f "$f" ] || continue
		row "$s" "$(mstat "$f" rps)" "$(mstat "$f" p50_us)" \
		    "$(mstat "$f" p99_us)" "$(mstat "$f" cpu_us)" \
		    "$(sum "$f" lost)/$(sum "$f" invalid)"
	done
}

udp_ratios() {
	t=$1 st=$2 co=$3 ce=$4
	fs=$RES/$t.$st fc=$RES/$t.$co fe=$RES/$t.$ce
	rr=$(ratio "$(med "$fs" rps)" "$(med "$fc" rps)")
	cr=$(ratio "$(med "$fc" cpu_us)" "$(med "$fs" cpu_us)")
	say "  stund/coturn: rate ${rr}x, core time per response ${cr}x less" \
	    "(target >= 3.5x)"
	rr=$(ratio "$(med "$fs" rps)" "$(med "$fe" rps)")
	cr=$(ratio "$(med "$fe" cpu_us)" "$(med "$fs" cpu_us)")
	say "  stund/ceiling: rate $rr, core efficiency $cr" \
	    "(target >= 0.70; about 3.5 core us/resp or less)"
}

# Servers of one section: ids and their start arguments.
udp_section() {
	t=$1 nw=$2 cpus=$3
	list=""
	for s in echo stund coturn; do
		[ $s = stund ] && [ $HAVE_STUND = 0 ] && continue
		[ $s = coturn ] && [ $HAVE_COTURN = 0 ] && continue
		port=$(free_port) || { say "run.sh: no free port" >&2; exit 1; }
		if start "${s}_$t" "$cpus" "$port"; then
			list="$list ${s}_$t"
			say "idle_rss_kb=$(rss_kb "$SPID")" >"$RES/idle.${s}_$t"
		fi
	done
	LIST=$list
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $list; do
			measure "${t}sat" "$s" -n "$SAT_SOURCES" \
			    -w "$SAT_WINDOW" -d "$SECS" -W "$WARMUP"
			measure "$t" "$s" -n "$SOURCES" -w "$WINDOW" \
			    -d "$SECS" -W "$WARMUP"
		done
		r=$((r + 1))
	done
}

ping_section() {
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $LIST; do
			measure ping "$s" -p -d 1 -W 0.2
		done
		r=$((r + 1))
	done
}

tcp_section() {
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $LIST; do
			case $s in echo*) continue;; esac
			measure tcp "$s" -P -n "$TCP_CONNS" -w "$TCP_WINDOW" \
			    -d "$SECS" -W "$WARMUP"
		done
		r=$((r + 1))
	done
}

# RSS while many TCP connections are held open, and after many sources.
rss_section() {
	for s in $LIST; do
		case $s in echo*) continue;; esac
		eval "pid=\$PID_$s port=\$PORT_$s"
		before=$(rss_kb "$pid")
		err=$WORK/hold.$s.err
		timeout 120 $NICE taskset -c "$LOAD_CPU" "$STUNLOAD" -P \
		    -n "$RSS_CONNS" -w 1 -H 3 -T 5000 "$IP1:$port" \
		    >"$WORK/hold.$s.out" 2>"$err" &
		hp=$!
		PIDS="$PIDS $hp"
		i=0
		while ! grep -q holding "$err" 2>/dev/null && [ $i -lt 150 ]; do
			kill -0 $hp 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		held=$(sed -n 's/.*holding \([0-9]*\).*/\1/p' "$err")
		after=$(rss_kb "$pid")
		wait $hp
		say "rss_before=$before rss_held=$after held=${held:-0}" \
		    >"$RES/rsstcp.$s"
		# After the held connections are gone (stund trims its heap a
		# second after the last one): then the sources alone.
		sleep 1.5
		pre=$(rss_kb "$pid")
		timeout 60 $NICE taskset -c "$LOAD_CPU" "$STUNLOAD" -n 4096 \
		    -w 1 -d 1 -W 0 "$IP1:$port" >/dev/null 2>&1
		say "rss_pre=$pre rss_4096=$(rss_kb "$pid")" >"$RES/rssudp.$s"
	done
}

kv() {
	tr ' ' '\n' <"$1" 2>/dev/null | sed -n "s/^$2=//p" | head -1
}

rss_table() {
	row server "idle RSS kB" "+ per 1000 TCP conns" "(held/asked)" \
	    "after 4096 sources" "(their growth)"
	for s in $LIST; do
		case $s in echo*) continue;; esac
		b=$(kv "$RES/rsstcp.$s" rss_before)
		a=$(kv "$RES/rsstcp.$s" rss_held)
		h=$(kv "$RES/rsstcp.$s" held)
		per=$(awk -v a="${a:-0}" -v b="${b:-0}" -v h="${h:-0}" \
		    'BEGIN { if (h > 0) printf "%.0f kB", (a - b) * 1000 / h;
		    else print "n/a" }')
		u0=$(kv "$RES/rssudp.$s" rss_pre)
		u1=$(kv "$RES/rssudp.$s" rss_4096)
		row "$s" "$(kv "$RES/idle.$s" idle_rss_kb)" "$per" \
		    "$h/$RSS_CONNS" "${u1:-?} kB" \
		    "($(awk -v a="${u1:-0}" -v b="${u0:-0}" \
		    'BEGIN { printf "%+d", a - b }') kB)"
	done
}

# natprobe full report vs turnutils_natdiscovery, wall time in ms.
nat_section() {
	if [ ! -x "$NATPROBE" ]; then
		say "  skipped: $NATPROBE not built"
		return
	fi
	if ! ip -o addr show lo 2>/dev/null | grep -q "$IP2/\|127.0.0.1/8"; then
		say "  skipped: $IP2 is not on lo"
		return
	fi
	nw=1
	for s in stund coturn; do
		[ $s = stund ] && [ $HAVE_STUND = 0 ] && continue
		[ $s = coturn ] && [ $HAVE_COTURN = 0 ] && continue
		port=$(free_port) || return
		start "${s}_nat" "$SRV_CPU" "$port" two || continue
		r=1
		while [ $r -le "$REPS" ]; do
			t0=$(date +%s%N)
			timeout 60 $NICE taskset -c "$LOAD_CPU" "$NATPROBE" \
			    --json "$IP1:$port" >"$WORK/np.out" 2>&1
			rc=$?
			t1=$(date +%s%N)
			say "ms=$(( (t1 - t0) / 1000000 )) rc=$rc" \
			    >>"$RES/nat.natprobe.$s"
			if command -v turnutils_natdiscovery >/dev/null; then
				t0=$(date +%s%N)
				timeout 60 $NICE taskset -c "$LOAD_CPU" \
				    turnutils_natdiscovery -m -f -H -p "$port" \
				    "$IP1" >"$WORK/nd.out" 2>&1
				rc=$?
				t1=$(date +%s%N)
				say "ms=$(( (t1 - t0) / 1000000 )) rc=$rc" \
				    >>"$RES/nat.natdiscovery.$s"
			fi
			r=$((r + 1))
		done
		stop "${s}_nat"
	done
	row client "server" "wall ms" "exit codes" "" ""
	for c in natprobe natdiscovery; do
		for s in stund coturn; do
			f=$RES/nat.$c.$s
			[ -f "$f" ] || continue
			row "$c" "$s" "$(mstat "$f" ms)" \
			    "$(sed -n 's/.*rc=//p' "$f" | sort -u |
			    tr '\n' ' ')" \
			    "" ""
		done
	done
}

# The TURN rows' addresses and where their programs run: the server's
# address, the peer's (clients share it), and the commands that enter the
# server's and the clients' namespaces (none on loopback; see turn_veth).
T_SRV=$IP1
T_PEER=$IP1
EXS=""
EXC=""
# Results of the veth rows are kept apart by this prefix ("v").
TP=""

# Wait until something listens on UDP port $1 in the server's namespace
# (the veth rows: stunload works on loopback only).
wait_listen() {
	i=0
	while [ $i -lt 50 ]; do
		if $EXS ss -Hlun "( sport = :$1 )" 2>/dev/null |
		    grep -q .; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# One TURN server in relay mode, the reflecting peer on the load core.
turn_start() {
	name=$1 port=$2
	log=$WORK/$name.log
	ready="wait_ready $T_SRV:$port"
	[ -n "$EXS" ] && ready="wait_listen $port"
	case $name in
	coturn*)
		lp="--allow-loopback-peers"
		[ -n "$EXS" ] && lp=""
		# shellcheck disable=SC2086
		timeout 3600 $EXS $NICE taskset -c "$SRV_CPU" turnserver -n \
		    --no-cli --listening-ip "$T_SRV" --relay-ip "$T_SRV" \
		    --listening-port "$port" -m 1 --no-tls --no-dtls \
		    --no-rfc5780 --lt-cred-mech --user bench:bench \
		    --realm bench $lp \
		    --min-port 40000 --max-port 49999 \
		    --no-software-attribute --log-file stdout --simple-log \
		    --pidfile "$WORK/$name.pid" --userdb "$WORK/$name.db" \
		    >"$log" 2>&1 &
		;;
	stund*)
		# The same user, realm and port range as coturn's.
		if [ -z "$STUND_TURN_ARGS" ]; then
			printf 'bench:bench\n' >"$WORK/users"
			STUND_TURN_ARGS="--user-file $WORK/users --realm bench
			    --relay-ports 50000-59999
			    --max-allocations 100000 --user-quota 100000
			    --source-quota 0"
		fi
		# Loopback peers are refused unless allowed; the veth rows'
		# peer (a documentation address) is relayable as it is.
		ap=""
		[ -z "$EXS" ] && [ -z "${BENCH_STUND_TURN_ARGS:-}" ] &&
		    ap="--allow-peer $IP1/32"
		co=""
		case $name in stundc*) co="--relay-coalesce $COALESCE";; esac
		# shellcheck disable=SC2086
		timeout 3600 $EXS $NICE taskset -c "$SRV_CPU" "$STUND" \
		    --primary "$T_SRV" --port "$port" --foreground --workers 1 \
		    --rate 0 --log-level warn $STUND_TURN_ARGS $ap $co \
		    >"$log" 2>&1 &
		;;
	esac
	tpid=$!
	PIDS="$PIDS $tpid"
	SPID=$(child_of $tpid) || SPID=""
	if [ -z "$SPID" ] || ! $ready; then
		say "  $name did not start; log:"
		tail -3 "$log" | sed 's/^/    /'
		return 1
	fi
	eval "PID_$name=$SPID PORT_$name=$port TPID_$name=$tpid"
}

# turn_measure TEST NAME turnload-args...
turn_measure() {
	test=$1 name=$2
	shift 2
	eval "pid=\$PID_$name port=\$PORT_$name"
	t0=$(cpu_ticks "$pid")
	out=$(timeout 600 $EXC $NICE taskset -c "$LOAD_CPU" "$TURNLOAD" "$@" \
	    -e "$T_PEER:$PEER_PORT" "$T_SRV:$port" 2>>"$WORK/turnload.err")
	t1=$(cpu_ticks "$pid")
	[ -n "$out" ] || out="roundtrips=0 total=0 rtps=0"
	total=$(say "$out" | sed -n 's/.* total=\([0-9]*\).*/\1/p')
	cpu=$(awk -v a="${t0:-0}" -v b="${t1:-0}" -v n="${total:-0}" \
	    -v clk="$CLK" 'BEGIN {
		if (n > 0) printf "%.2f", (b - a) * 1000000 / clk / n;
		else print "nan" }')
	say "$out cpu_us=$cpu" >>"$RES/$test.$name"
}

# paced_measure TEST NAME turnload-args...: turnload reads the server's
# thread times (/proc/PID/task/*/schedstat, ns) as its measured window
# opens and closes, so set-up and drain are not counted.
paced_measure() {
	test=$1 name=$2
	shift 2
	eval "pid=\$PID_$name port=\$PORT_$name"
	out=$(timeout 600 $EXC $NICE taskset -c "$LOAD_CPU" "$TURNLOAD" \
	    -p "$pid" "$@" -d "$PACED_SECS" -W 1 -e "$T_PEER:$PEER_PORT" \
	    "$T_SRV:$port" 2>>"$WORK/turnload.err")
	[ -n "$out" ] || out="roundtrips=0 total=0 rtps=0"
	say "$out" >>"$RES/$test.$name"
}

# The paced rows: many allocations, one, and clients over TCP.
paced_rows() {
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $started; do
			paced_measure "${TP}pacedN" "$s" -n "$PACED_ALLOCS" \
			    -r "$PACED_RATE" -w 8
			paced_measure "${TP}paced1" "$s" -n 1 \
			    -r "$PACED_ONE_RATE" -w 64
			paced_measure "${TP}pacedT" "$s" -t -n "$PACED_TCP" \
			    -r "$PACED_TCP_RATE" -w 8
		done
		r=$((r + 1))
	done
	paced_table
}

# turn_table RESULT...: the saturating TURN tables (loopback results
# turn*, veth results vturn*), a row per server in $started.
turn_table() {
	for t in "$@"; do
		case $t in
		*turn1) say "  one allocation, 8 ChannelData round trips in" \
		    "flight, ${TURN_PAYLOAD} B payload";;
		*turnN) say "  $TURN_ALLOCS allocations x 2 in flight";;
		*turnP) say "  ping-pong: one allocation, one round trip in" \
		    "flight (each answer awaited)";;
		esac
		row server "round trips/s" "relayed Mbit/s" "p50 us" \
		    "core us/rtt" "lost/invalid"
		for s in $started; do
			f=$RES/$t.$s
			[ -f "$f" ] || continue
			row "$s" "$(mstat "$f" rtps)" "$(mstat "$f" mbps)" \
			    "$(mstat "$f" p50_us)" "$(mstat "$f" cpu_us)" \
			    "$(sum "$f" lost)/$(sum "$f" invalid)"
		done
	done
}

# The paced rows' table, from the results of paced_rows.
paced_table() {
	for t in pacedN paced1 pacedT; do
		case $t in
		pacedN) say "  paced: $PACED_ALLOCS allocations x" \
		    "$PACED_RATE round trips/s each (UDP)";;
		paced1) say "  paced: one allocation x $PACED_ONE_RATE" \
		    "round trips/s (UDP)";;
		pacedT) say "  paced: $PACED_TCP TCP clients x" \
		    "$PACED_TCP_RATE round trips/s each (UDP to the peer)";;
		esac
		row server "round trips/s" "p50 us" "p99 us" \
		    "core us/rtt" "lost/invalid/skipped"
		for s in $started; do
			f=$RES/$TP$t.$s
			[ -f "$f" ] || continue
			row "$s" "$(mstat "$f" rtps)" "$(mstat "$f" p50_us)" \
			    "$(mstat "$f" p99_us)" "$(mstat "$f" srv_us)" \
			    "$(sum "$f" lost)/$(sum "$f" invalid)/$(sum "$f" skipped)"
		done
		[ $HAVE_COTURN = 1 ] || continue
		for s in $started; do
			case $s in stund*) ;; *) continue;; esac
			say "  $s/coturn core time per round trip:" \
			    "$(ratio "$(med "$RES/$TP$t.$s" srv_us)" \
			    "$(med "$RES/$TP$t.coturn_turn" srv_us)")" \
			    "(target <= 0.5), lost $(sum "$RES/$TP$t.$s" lost)" \
			    "against $(sum "$RES/$TP$t.coturn_turn" lost)"
		done
	done
}

turn_section() {
	# stund relays with the same user, realm and peer as coturn.
	STUND_TURN=$HAVE_STUND
	if [ ! -x "$TURNLOAD" ]; then
		say "  skipped: $TURNLOAD not built"
		return
	fi
	list=""
	[ $STUND_TURN = 1 ] && list="stund_turn"
	[ $STUND_TURN = 1 ] && [ "$COALESCE" -gt 0 ] &&
	    list="$list stundc_turn"
	[ $HAVE_COTURN = 1 ] && list="$list coturn_turn"
	[ -n "$list" ] || return
	PEER_PORT=$(free_port) || return
	timeout 3600 $NICE taskset -c "$LOAD_CPU" "$ECHO" -r \
	    -l "$IP1:$PEER_PORT" >"$WORK/peer.log" 2>&1 &
	PIDS="$PIDS $!"
	started=""
	for s in $list; do
		# Twice: another program on this machine may take the port.
		for try in 1 2; do
			port=$(free_port) || return
			if turn_start "$s" "$port"; then
				started="$started $s"
				break
			fi
		done
	done
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $started; do
			turn_measure turn1 "$s" -n 1 -w 8 -d "$SECS" \
			    -W "$WARMUP"
			turn_measure turnN "$s" -n "$TURN_ALLOCS" -w 2 \
			    -d "$SECS" -W "$WARMUP"
			turn_measure turnP "$s" -n 1 -w 1 -d "$SECS" \
			    -W "$WARMUP"
		done
		r=$((r + 1))
	done
	for s in $started; do
		eval "pid=\$PID_$s"
		b=$(rss_kb "$pid")
		timeout 120 $NICE taskset -c "$LOAD_CPU" "$TURNLOAD" \
		    -n "$RSS_CONNS" -w 1 -d 0.2 -W 0 -e "$IP1:$PEER_PORT" \
		    "$IP1:$(eval echo \$PORT_$s)" >"$WORK/talloc.$s" 2>&1
		say "rss_before=$b rss_after=$(rss_kb "$pid")" \
		    "$(cat "$WORK/talloc.$s")" >"$RES/rssturn.$s"
	done
	turn_table turn1 turnN turnP
	for s in $started; do
		f=$RES/rssturn.$s
		b=$(kv "$f" rss_before)
		a=$(kv "$f" rss_after)
		n=$(kv "$f" allocations)
		per=$(awk -v a="${a:-0}" -v b="${b:-0}" -v n="${n:-0}" 'BEGIN {
		    if (n > 0) printf "%.0f", (a - b) * 1000 / n;
		    else print "n/a" }')
		say "  $s: RSS $b kB, +$per kB per 1000 allocations" \
		    "(${n:-0} made)"
	done
	for s in $started; do
		case $s in stund*) ;; *) continue;; esac
		[ $HAVE_COTURN = 1 ] || break
		say "  $s/coturn core time per round trip:" \
		    "$TURN_ALLOCS allocations" \
		    "$(ratio "$(med "$RES/turnN.$s" cpu_us)" \
		    "$(med "$RES/turnN.coturn_turn" cpu_us)"), one allocation" \
		    "$(ratio "$(med "$RES/turn1.$s" cpu_us)" \
		    "$(med "$RES/turn1.coturn_turn" cpu_us)") (target <= 0.5)"
	done
	SN0=$(softnet)
	paced_rows
	SN_LO=$(softnet_delta "$SN0" "$(softnet)")
	for s in $started; do stop "$s"; done
	[ "$NETNS" = 1 ] && turn_veth
}

# Packets each CPU's receive processing handled so far (the first column
# of /proc/net/softnet_stat, hexadecimal, one line a CPU).
softnet() {
	while read -r n _; do
		printf '%d ' "0x$n"
	done </proc/net/softnet_stat 2>/dev/null
}

# softnet_delta BEFORE AFTER: "cpu0 N, cpu1 M" (32-bit counters).
softnet_delta() {
	say "$1 | $2" | awk '{
		for (i = 1; $i != "|"; i++)
			a[i - 1] = $i
		n = i - 1
		for (j = 0; j < n; j++) {
			d = $(i + 1 + j) - a[j]
			if (d < 0)
				d += 4294967296
			printf "%scpu%d %d", j ? ", " : "", j, d
		}
	}'
}

# The veth rows (BENCH_NETNS=1): the TURN servers in a namespace of their
# own, the clients and the peer in a second one, linked by a veth pair
# with documentation addresses.  RPS on the clients' end of the pair
# moves the receive processing of every datagram the server sends
# (delivery into the socket, the receiver's wake-up) to the load CPU, the
# way a NIC ends the server's part of a send at the wire.  On loopback
# that work runs on the sender's CPU in its context, so it counts as the
# server's.  The datagrams towards the server are processed on the load
# CPU in both setups (the sender's context), which no real NIC does.
turn_veth() {
	say ""
	say "TURN relay over veth (clients and peer in a namespace of their" \
	    "own, RPS)"
	if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
		say "  skipped: needs root and ip(8)"
		return
	fi
	if [ "$NCPU" -lt 2 ]; then
		say "  skipped: RPS needs a second CPU"
		return
	fi
	ns=skb$$
	if ! timeout 10 ip netns add "$ns-s"; then
		say "  skipped: cannot make a network namespace"
		return
	fi
	NS_S=$ns-s
	if ! timeout 10 ip netns add "$ns-c"; then
		say "  skipped: cannot make a network namespace"
		return
	fi
	NS_C=$ns-c
	mask=$(printf '%x' $((1 << LOAD_CPU)))
	if ! timeout 10 ip link add vs netns "$NS_S" type veth \
	    peer name vc netns "$NS_C" ||
	    ! timeout 10 ip -n "$NS_S" addr add 198.51.100.1/24 dev vs ||
	    ! timeout 10 ip -n "$NS_C" addr add 198.51.100.2/24 dev vc ||
	    ! timeout 10 ip -n "$NS_S" link set lo up ||
	    ! timeout 10 ip -n "$NS_C" link set lo up ||
	    ! timeout 10 ip -n "$NS_S" link set vs up ||
	    ! timeout 10 ip -n "$NS_C" link set vc up ||
	    ! timeout 10 ip netns exec "$NS_C" sh -c \
	    "echo $mask >/sys/class/net/vc/queues/rx-0/rps_cpus"; then
		say "  skipped: veth pair or RPS set-up failed"
		return
	fi
	say "  server in $NS_S (198.51.100.1, cpu $SRV_CPU), turnload and" \
	    "the peer in $NS_C (198.51.100.2, cpu $LOAD_CPU);" \
	    "rps_cpus=$mask on $NS_C's end"
	T_SRV=198.51.100.1
	T_PEER=198.51.100.2
	EXS="ip netns exec $NS_S"
	EXC="ip netns exec $NS_C"
	TP=v
	# shellcheck disable=SC2086
	PEER_PORT=30000
	timeout 3600 $EXC $NICE taskset -c "$LOAD_CPU" "$ECHO" -r \
	    -l "$T_PEER:$PEER_PORT" >"$WORK/vpeer.log" 2>&1 &
	PIDS="$PIDS $!"
	vpeer=$!
	# The namespaces are the bench's own: any port is free there
	# (free_port looks at the host's).
	started=""
	port=30000
	for s in $list; do
		port=$((port + 2))
		turn_start "$s" "$port" && started="$started $s"
	done
	SN0=$(softnet)
	r=1
	while [ $r -le "$REPS" ]; do
		for s in $started; do
			turn_measure vturn1 "$s" -n 1 -w 8 -d "$SECS" \
			    -W "$WARMUP"
			turn_measure vturnN "$s" -n "$TURN_ALLOCS" -w 2 \
			    -d "$SECS" -W "$WARMUP"
		done
		r=$((r + 1))
	done
	turn_table vturn1 vturnN
	for s in $started; do
		case $s in stund*) ;; *) continue;; esac
		[ $HAVE_COTURN = 1 ] || break
		say "  $s/coturn core time per round trip:" \
		    "$TURN_ALLOCS allocations" \
		    "$(ratio "$(med "$RES/vturnN.$s" cpu_us)" \
		    "$(med "$RES/vturnN.coturn_turn" cpu_us)"), one allocation" \
		    "$(ratio "$(med "$RES/vturn1.$s" cpu_us)" \
		    "$(med "$RES/vturn1.coturn_turn" cpu_us)") (target <= 0.5)"
	done
	SN1=$(softnet)
	paced_rows
	say "  receive processing (packets per CPU, /proc/net/softnet_stat," \
	    "every source on the machine):"
	say "    paced rows on veth: $(softnet_delta "$SN1" "$(softnet)")"
	say "    saturating rows on veth: $(softnet_delta "$SN0" "$SN1")"
	say "    paced rows on loopback above: ${SN_LO:-n/a}"
	for s in $started; do stop "$s"; done
	kill -TERM "$vpeer" 2>/dev/null
	T_SRV=$IP1 T_PEER=$IP1 EXS="" EXC="" TP=""
	for n in $NS_S $NS_C; do
		timeout 10 ip netns delete "$n" 2>/dev/null
	done
	NS_S="" NS_C=""
}

# --- the run ---------------------------------------------------------------

START=$(date +%s)
say "stunkit bench $(date -u '+%Y-%m-%d %H:%M UTC'), $NCPU CPUs" \
    "($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "server on cpu $SRV_CPU, stunload on cpu $LOAD_CPU; $REPS reps," \
    "$SECS s each after $WARMUP s warm-up; median (min..max)" \
    "${NICE:+(under $NICE)}"
[ $HAVE_STUND = 1 ] || say "NOTE: $STUND not built: stund rows missing"
[ $HAVE_COTURN = 1 ] ||
    say "NOTE: turnserver not installed: coturn rows missing"
[ "$NCPU" -ge 2 ] || say "NOTE: one CPU: server and load share it"

# in_sections NAME: was NAME asked for (BENCH_SECTIONS)?
in_sections() {
	case " $SECTIONS " in *" $1 "*) return 0;; esac
	return 1
}
# The one-worker Binding servers serve the udp, ping, tcp and rss sections.
LIST=""
LIST1=""
if in_sections udp || in_sections ping || in_sections tcp ||
    in_sections rss; then
	say ""
	say "UDP Binding, 1 worker, $SAT_SOURCES sources x $SAT_WINDOW" \
	    "outstanding: the server core saturated"
	nw=1
	udp_section 1w 1 "$SRV_CPU"
	LIST1=$LIST
	udp_table 1wsat "$LIST"
	[ $HAVE_STUND = 1 ] && [ $HAVE_COTURN = 1 ] &&
	    udp_ratios 1wsat stund_1w coturn_1w echo_1w
	say ""
	say "UDP Binding, 1 worker, $SOURCES sources x $WINDOW outstanding" \
	    "(the same runs, interleaved): many sources, no loss allowed"
	udp_table 1w "$LIST"
	[ $HAVE_STUND = 1 ] && [ $HAVE_COTURN = 1 ] &&
	    udp_ratios 1w stund_1w coturn_1w echo_1w
fi

if in_sections ping && [ -n "$LIST" ]; then
	say ""
	say "UDP ping-pong (1 outstanding), 1 worker: unloaded latency"
	ping_section
	udp_table ping "$LIST"
	[ $HAVE_STUND = 1 ] && say "  stund/ceiling p50:" \
	    "$(ratio "$(med "$RES/ping.stund_1w" p50_us)" \
	    "$(med "$RES/ping.echo_1w" p50_us)") (target <= 1.10)"
fi

if in_sections tcp && [ -n "$LIST" ]; then
	say ""
	say "STUN over TCP, 1 worker, $TCP_CONNS connections x" \
	    "$TCP_WINDOW pipelined"
	tcp_section
	row server "responses/s" "p50 us" "p99 us" "core us/resp" \
	    "closed busy/lost"
	for s in $LIST; do
		f=$RES/tcp.$s
		[ -f "$f" ] || continue
		row "$s" "$(mstat "$f" rps)" "$(mstat "$f" p50_us)" \
		    "$(mstat "$f" p99_us)" "$(mstat "$f" cpu_us)" \
		    "$(sum "$f" closed_busy)/$(sum "$f" lost)"
	done
	[ $HAVE_STUND = 1 ] && [ $HAVE_COTURN = 1 ] &&
	    say "  stund/coturn: rate" \
	    "$(ratio "$(med "$RES/tcp.stund_1w" rps)" \
	    "$(med "$RES/tcp.coturn_1w" rps)")x (target >= 2)"
fi

if in_sections rss && [ -n "$LIST" ]; then
	say ""
	say "Memory, 1 worker: RSS idle, per $RSS_CONNS TCP connections," \
	    "after 4096 UDP sources"
	rss_section
	rss_table
	say "  (target: RSS flat at 8 MB or less whatever the number of" \
	    "sources)"
fi

if in_sections turn; then
	say ""
	say "TURN relay (ChannelData through one and many allocations," \
	    "saturating, then paced)"
	turn_section
fi
for s in $LIST1; do stop "$s"; done

say ""
if ! in_sections workers; then
	:
elif [ "$WORKERS" -gt 1 ]; then
	say "UDP Binding, $WORKERS workers (servers on cpus $ALL_CPUS," \
	    "stunload on $LOAD_CPU), $SAT_SOURCES sources x $SAT_WINDOW" \
	    "outstanding"
	nw=$WORKERS
	udp_section "${WORKERS}w" "$WORKERS" "$ALL_CPUS"
	udp_table "${WORKERS}wsat" "$LIST"
	[ $HAVE_STUND = 1 ] && [ $HAVE_COTURN = 1 ] &&
	    udp_ratios "${WORKERS}wsat" "stund_${WORKERS}w" \
	    "coturn_${WORKERS}w" "echo_${WORKERS}w"
	say "  and $SOURCES sources x $WINDOW outstanding:"
	udp_table "${WORKERS}w" "$LIST"
	for s in $LIST; do stop "$s"; done
else
	say "UDP Binding, all workers: skipped, one worker is all there is"
fi

if in_sections nat; then
	say ""
	say "NAT discovery wall time (servers on $IP1 + $IP2)"
	nat_section
fi

say ""
say "total bench time: $(( $(date +%s) - START )) s"
exit 0

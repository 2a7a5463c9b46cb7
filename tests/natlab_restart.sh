#!/bin/sh
# natlab_restart.sh: p2pchat outlives its server and its NATs' state,
# across real kernel NATs.  Our stund (rendezvous and TURN relay) runs
# on the lab's public address; two p2pchat --batch peers chat behind the
# lab's NATs while:
#   prc	    stund is killed (SIGKILL) and started again 2 s later, between
#	    port-restricted NATs: every line once, in order, both ways; no
#	    "left"; the path stays direct;
#   sym	    the same between symmetric NATs, relayed through stund: the
#	    relay restarts with it, the peers allocate again and go on;
#	    every line is delivered or reported undelivered, never lost,
#	    never twice, in order, and every line typed after the restart
#	    arrives;
#   remap   one router flushes its conntrack table and maps anew (new
#	    outside ports) mid-chat: the pair finds the new mapping within
#	    a few seconds (the relay may carry the chat meanwhile), every
#	    line once, in order, and the path ends direct;
#   loss    10% loss in both routers, 500 lines each way, stund killed
#	    and started again in the middle: every line once, in order;
#   cgnat   two hosts behind one hairpinning NAT with a relay on offer,
#	    20 times: both sides end on the same kind of path every time.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# NATLAB_RESTART_CASES picks cases (default: all), NATLAB_RESTART_RUNS the
# cgnat runs (20), NATLAB_RESTART_LOSS_MSGS the loss lines each way (500).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"
. "$top_srcdir/tests/chat-lib.sh"

P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}

[ -x "$P2PCHAT" ] || lab_skip "natlab_restart: p2pchat not built ($P2PCHAT)"
[ -x "$STUND" ] || lab_skip "natlab_restart: stund not built ($STUND)"
for c in jq mkfifo; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_restart: '$c' not found (apt-get install jq)"
done
lab_require

P_SRV=3478
CASES=${NATLAB_RESTART_CASES:-"prc sym remap loss cgnat"}
RUNS=${NATLAB_RESTART_RUNS:-20}
NLOSS=${NATLAB_RESTART_LOSS_MSGS:-500}
SECRET=lab$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
fails=0
nstund=0

ok()
{
	echo "ok: $*"
}

fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# wait_count FILE EVENT N FIXED TENTHS
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

jqr()
{
	jq -Rr "fromjson? | objects | $2" "$1" 2>/dev/null
}

stund_start()
{
	nstund=$((nstund + 1))
	lab_bg pub "stund.$nstund" "$STUND" --foreground \
	    --primary "$LAB_SRV1" --port $P_SRV --realm natlab.test \
	    --static-auth-secret "$SECRET" --relay-ports 49200-49400 \
	    --allow-peer 203.0.113.0/24 --allow-peer "$LAB_SRV1/32"
	STUND_PID=$LAB_BGPID
	lab_wait_udp pub $P_SRV "$LAB_SRV1" ||
	    lab_fail "natlab_restart: stund did not start"
}

# SIGKILL to stund itself (the child of timeout(1)), then reap.
stund_kill()
{
	_c=$(cat "/proc/$STUND_PID/task/$STUND_PID/children" 2>/dev/null)
	for _p in $_c; do
		kill -9 "$_p" 2>/dev/null
	done
	lab_stop "$STUND_PID"
}

# feed R SIDE CHUNK: write the lines appended to R.SIDE.sent to stdout,
# at most CHUNK unconfirmed at a time, until R.SIDE.close exists.
feed()
{
	_sent=0 _i=0
	while [ ! -e "$1.$2.close" ] && [ $_i -lt 6000 ]; do
		_tot=$(wc -l <"$1.$2.sent")
		if [ "$_sent" -lt "$_tot" ]; then
			_done=$(ev "$1.$2.out" delivered | wc -l)
			_done=$((_done + $(ev "$1.$2.out" undelivered |
			    wc -l)))
			if [ $((_sent - _done)) -lt "$3" ]; then
				_k=$((_tot - _sent))
				[ "$_k" -le "$3" ] || _k=$3
				sed -n "$((_sent + 1)),$((_sent + _k))p" \
				    "$1.$2.sent"
				_sent=$((_sent + _k))
				continue
			fi
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
}

# peer R SIDE NS NAME CHUNK [CODE]: start a peer fed by feed().
peer()
{
	_r=$1 _s=$2 _ns=$3 _nm=$4 _ch=$5
	shift 5
	: >"$_r.$_s.sent"
	: >"$_r.$_s.out"
	mkfifo "$_r.$_s.in" || lab_fail "natlab_restart: mkfifo"
	feed "$_r" "$_s" "$_ch" >"$_r.$_s.in" &
	LAB_PIDS="$LAB_PIDS $!:$_ns"
	lab_bgio "$_ns" "${_r##*/}.$_s" "$_r.$_s.in" "$P2PCHAT" \
	    --server "$LAB_SRV1:$P_SRV" --name "$_nm" --batch "$@"
	PEER_PID=$LAB_BGPID
}

# pair R CHUNK: alice in cli, bob in clib; wait until they meet.
pair()
{
	peer "$1" a cli alice "$2"
	PA=$PEER_PID
	wait_count "$1.a.out" room 1 '' 100 ||
	    { fail "${1##*/}: alice printed no room event"; return 1; }
	_code=$(jqr "$1.a.out" 'select(.event == "room") | .code' | head -1)
	peer "$1" b clib bob "$2" "$_code"
	PB=$PEER_PID
	wait_count "$1.a.out" joined 1 bob 300 &&
	    wait_count "$1.b.out" joined 1 alice 300 ||
	    { fail "${1##*/}: alice and bob never met"; return 1; }
	return 0
}

# type R PHASE N: each side types N lines of PHASE, 50 ms apart.
type_lines()
{
	_k=1
	while [ "$_k" -le "$3" ]; do
		echo "A $2 $_k from alice" >>"$1.a.sent"
		echo "B $2 $_k from bob" >>"$1.b.sent"
		_k=$((_k + 1))
		sleep 0.05
	done
}

# settle R TENTHS: until every line typed is delivered or undelivered.
settle()
{
	_i=0
	while [ $_i -lt "$2" ]; do
		_na=$(wc -l <"$1.a.sent") _nb=$(wc -l <"$1.b.sent")
		_sa=$(($(count "$1.a.out" delivered) +
		    $(count "$1.a.out" undelivered)))
		_sb=$(($(count "$1.b.out" delivered) +
		    $(count "$1.b.out" undelivered)))
		[ "$_sa" -ge "$_na" ] && [ "$_sb" -ge "$_nb" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# judge LABEL R SIDE ME PEER MODE: MODE exact (every line once, in
# order, delivered) or accounted (each line delivered or reported, the
# delivered ones received once, in order).
judge()
{
	_l=$1 _r=$2 _s=$3 _me=$4 _peer=$5 _os=a
	[ "$_s" = a ] && _os=b
	_o=$_r.$_s.out _po=$_r.$_os.out
	jqr "$_o" "select(.event == \"message\" and .from == \"$_peer\") |
	    .text" >"$_r.$_s.got"
	_n=$(wc -l <"$_r.$_os.sent")
	_d=$(jqr "$_po" "select(.event == \"delivered\" and
	    .to == \"$_me\") | .id" | sort -n | tee "$_r.$_os.dids" | wc -l)
	_u=$(jqr "$_po" "select(.event == \"undelivered\") | .id" | wc -l)
	jqr "$_o" "select(.event == \"message\" and .from == \"$_peer\") |
	    .id" | sort -n >"$_r.$_s.mids"
	if [ "$6" = exact ]; then
		if cmp -s "$_r.$_s.got" "$_r.$_os.sent" && [ "$_d" -eq "$_n" ] &&
		    [ "$_u" -eq 0 ]; then
			ok "$_l: $_me got all $_n of $_peer's lines once," \
			    "in order; all delivered"
		else
			fail "$_l: $_me got $(wc -l <"$_r.$_s.got")/$_n of" \
			    "$_peer's lines ($_d delivered, $_u undelivered)"
			diff "$_r.$_os.sent" "$_r.$_s.got" | head -6 |
			    sed 's/^/  diff| /'
		fi
	else
		# In order, no duplicate: a subsequence of what was typed.
		_sub=$(awk 'NR == FNR { want[++n] = $0; next }
		    { while (i < n && want[++i] != $0) ; if (want[i] != $0)
		    bad = 1 } END { print bad ? "no" : "yes" }' \
		    "$_r.$_os.sent" "$_r.$_s.got")
		if [ "$_sub" = yes ] && [ $((_d + _u)) -eq "$_n" ] &&
		    cmp -s "$_r.$_os.dids" "$_r.$_s.mids"; then
			ok "$_l: $_me: of $_peer's $_n lines $_d arrived" \
			    "(once, in order), $_u reported undelivered"
		else
			fail "$_l: $_me: of $_peer's $_n lines: $_d" \
			    "delivered, $_u undelivered, $(wc -l \
			    <"$_r.$_s.got") received (in order: $_sub)"
		fi
	fi
	[ "$(count "$_o" left)" -eq 0 ] && ok "$_l: $_me saw nobody leave" ||
	    fail "$_l: $_me: $(ev "$_o" left | head -2)"
	grep -Eq 'Sanitizer|runtime error' "$_r.$_s.err" &&
	    fail "$_l: $_me: sanitizer report on stderr"
	return 0
}

# paths R SIDE KIND: every path event of the side is of KIND.
paths()
{
	_all=$(jqr "$1.$2.out" 'select(.event == "path") | .kind' |
	    sort -u | tr '\n' ' ')
	if [ "$_all" = "$3 " ]; then
		ok "${1##*/}: $2: every path $3"
	else
		fail "${1##*/}: $2: paths: $_all, want $3 only"
	fi
}

# paths_direct R SIDE: under loss the relay's check can win the first
# round (the NATs drop the first direct checks); the path may start
# relayed, but once direct it stays direct, and it ends direct.
paths_direct()
{
	_all=$(jqr "$1.$2.out" 'select(.event == "path") | .kind' |
	    tr '\n' ' ')
	if echo "$_all" | grep -Eq '^(relay )*direct (direct )*$'; then
		ok "${1##*/}: $2: direct, never back ($_all)"
	else
		fail "${1##*/}: $2: paths: $_all, want direct for good"
	fi
}

# finish R: close the peers' input and reap them.
finish()
{
	touch "$1.a.close" "$1.b.close"
	for _p in $PA $PB; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 200 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -0 "$_p" 2>/dev/null &&
		    fail "${1##*/}: a peer did not quit within 20 s"
	done
	lab_sites_down
}

# restart: the stund restart cases (prc direct, sym relayed).
case_restart()
{
	_l=$1 _r=$LAB_TMP/$1
	lab_up "$2" "$2"
	pair "$_r" 1000 || { finish "$_r"; return; }
	type_lines "$_r" before 10
	sleep 1
	stund_kill
	type_lines "$_r" during 10
	sleep 2
	stund_start
	type_lines "$_r" after 10
	settle "$_r" 600 || fail "$_l: not every line settled in 60 s"
	if [ "$3" = direct ]; then
		judge "$_l" "$_r" a alice bob exact
		judge "$_l" "$_r" b bob alice exact
	else
		judge "$_l" "$_r" a alice bob accounted
		judge "$_l" "$_r" b bob alice accounted
		# The relay was lost and made again on both sides, and
		# every line typed after the restart arrived.
		for _s in a b; do
			_up=$(jqr "$_r.$_s.out" 'select(.event == "relay" and
			    .addr != null) | .addr' | wc -l)
			_lost=$(jqr "$_r.$_s.out" 'select(.event == "relay"
			    and .reason != null) | .reason' | wc -l)
			[ "$_up" -ge 2 ] && [ "$_lost" -ge 1 ] &&
			    ok "$_l: $_s: relay lost and allocated again" ||
			    fail "$_l: $_s: relay events: up $_up, lost $_lost"
		done
		for _s in a:b b:a; do
			_from=${_s%:*} _at=${_s#*:}
			grep ' after ' "$_r.$_from.sent" >"$_r.$_from.after"
			grep ' after ' "$_r.$_at.got" |
			    cmp -s - "$_r.$_from.after" &&
			    ok "$_l: every line typed after the restart" \
			    "arrived at $_at" ||
			    fail "$_l: lines typed after the restart" \
			    "missing at $_at"
		done
	fi
	paths "$_r" a "$3"
	paths "$_r" b "$3"
	finish "$_r"
}

case_remap()
{
	_l=remap _r=$LAB_TMP/remap
	lab_up port-restricted-cone port-restricted-cone
	pair "$_r" 1000 || { finish "$_r"; return; }
	type_lines "$_r" before 10
	settle "$_r" 100
	_na=$(wc -l <"$_r.a.sent")
	if ! lab_remap nat; then
		echo "INFO: remap: conntrack(8) not found" \
		    "(apt-get install conntrack): case skipped"
		finish "$_r"
		return
	fi
	_t0=$(lab_ms)
	type_lines "$_r" during 10
	# Recovered: alice's lines typed after the remap are delivered.
	_i=0
	while [ $_i -lt 300 ] &&
	    [ "$(count "$_r.a.out" delivered)" -lt $((_na + 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_ms=$(($(lab_ms) - _t0))
	if [ $_i -lt 100 ]; then
		ok "remap: alice's lines delivered again within $_ms ms"
	else
		fail "remap: alice's lines not delivered within 10 s ($_ms ms)"
	fi
	type_lines "$_r" after 10
	settle "$_r" 300 || fail "remap: not every line settled"
	judge remap "$_r" a alice bob exact
	judge remap "$_r" b bob alice exact
	# Bob now reaches alice at her new outside port.
	_pa=$(jqr "$_r.b.out" 'select(.event == "path") | .addr' | tail -1)
	case ${_pa##*:} in
	2[0-9][0-9][0-9][0-9])
		ok "remap: bob's path moved to alice's new mapping $_pa" ;;
	*)	fail "remap: bob's path is $_pa, not the new mapping" ;;
	esac
	# While the direct path was looked for, the relay may have carried
	# the chat for a moment; it ends direct.
	for _s in a b; do
		_k=$(jqr "$_r.$_s.out" 'select(.event == "path") | .kind' |
		    tail -1)
		[ "$_k" = direct ] && ok "remap: $_s: the path ends direct" \
		    "($(jqr "$_r.$_s.out" 'select(.event == "path") |
		    .kind' | tr '\n' ' '))" ||
		    fail "remap: $_s: the path ends $_k"
	done
	finish "$_r"
}

case_loss()
{
	_l=loss _r=$LAB_TMP/loss
	lab_up port-restricted-cone port-restricted-cone
	lab_loss nat 10
	lab_loss natb 10
	pair "$_r" 64 || { finish "$_r"; return; }
	type_lines "$_r" x "$NLOSS" &
	_tp=$!
	# In the middle: when alice has 200 settled.
	_i=0
	while [ $_i -lt 1200 ] &&
	    [ "$(count "$_r.a.out" delivered)" -lt $((NLOSS * 2 / 5)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	stund_kill
	sleep 2
	stund_start
	wait $_tp
	settle "$_r" 2400 || fail "loss: not every line settled in 240 s"
	judge loss "$_r" a alice bob exact
	judge loss "$_r" b bob alice exact
	paths_direct "$_r" a
	paths_direct "$_r" b
	echo "INFO: loss: the routers dropped $(lab_loss_count nat) and" \
	    "$(lab_loss_count natb) UDP packets"
	finish "$_r"
}

case_cgnat()
{
	lab_up_lan hairpin
	_run=1 _same=0
	while [ $_run -le "$RUNS" ]; do
		_r=$LAB_TMP/cgnat$_run
		if pair "$_r" 1000; then
			# Late nominations come within the first second.
			sleep 1.5
			type_lines "$_r" x 1
			settle "$_r" 100
			_ka=$(jqr "$_r.a.out" 'select(.event == "path") |
			    "\(.kind)"' | tail -1)
			_kb=$(jqr "$_r.b.out" 'select(.event == "path") |
			    "\(.kind)"' | tail -1)
			if [ -n "$_ka" ] && [ "$_ka" = "$_kb" ] &&
			    [ "$(count "$_r.a.out" delivered)" -eq 1 ] &&
			    [ "$(count "$_r.b.out" delivered)" -eq 1 ]; then
				_same=$((_same + 1))
			else
				fail "cgnat run $_run: alice $_ka, bob $_kb"
			fi
		fi
		touch "$_r.a.close" "$_r.b.close"
		for _p in $PA $PB; do
			_i=0
			while kill -0 "$_p" 2>/dev/null && [ $_i -lt 100 ]; do
				sleep 0.1
				_i=$((_i + 1))
			done
		done
		_run=$((_run + 1))
	done
	[ "$_same" -eq "$RUNS" ] &&
	    ok "cgnat: the same path on both sides in $_same/$RUNS runs" ||
	    fail "cgnat: the same path on both sides in $_same/$RUNS runs"
	lab_sites_down
}

tstart=$(lab_ms)
lab_pub_up
stund_start
for c in $CASES; do
	echo "natlab_restart: case $c"
	case $c in
	prc)	case_restart prc port-restricted-cone direct ;;
	sym)	case_restart sym symmetric relay ;;
	remap)	case_remap ;;
	loss)	case_loss ;;
	cgnat)	case_cgnat ;;
	*)	fail "$c: unknown case" ;;
	esac
done
lab_down
for _f in "$LAB_TMP"/stund.*.log; do
	grep -qE 'Sanitizer|runtime error:' "$_f" 2>/dev/null &&
	    fail "sanitizer report in ${_f##*/}"
done
echo "natlab_restart: run time $(( ($(lab_ms) - tstart) / 1000 )) s"
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_restart: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_restart: chats outlived restarts and remapping"
exit 0

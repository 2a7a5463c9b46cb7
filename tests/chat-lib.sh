# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Shell helpers shared by the tests that read p2pchat's batch output: one
# JSON event per line, in the order p2pchat printed them.  Sourced after
# stund-lib.sh or natlab-lib.sh; chat_writer and chat_pair need
# stund-lib.sh's st_ok/st_fail and the caller's $CHAT, $T, $N and $MARK.

# ev FILE EVENT: lines of that event.
ev()
{
	grep "^{\"event\":\"$2\"" "$1" 2>/dev/null
}

# count FILE EVENT [FIXED]: how many such events (containing FIXED).
count()
{
	ev "$1" "$2" | grep -cF -- "${3:-}"
}

# texts FILE FROM: the texts of the messages from FROM, in order.
texts()
{
	ev "$1" message | grep -F "\"from\":\"$2\"" |
	    sed -n 's/.*"text":"\(.*\)","ms".*/\1/p'
}

# chat_writer OUT PEER TEXT: once PEER joined in OUT (15 s at most), $N
# lines "$MARK TEXT i" on stdout, for a p2pchat --batch to read.
chat_writer()
{
	_i=0
	while [ $_i -lt 150 ] &&
	    ! grep -q "^{\"event\":\"joined\",\"peer\":\"$2\"" "$1" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_i=1
	while [ $_i -le $N ]; do
		echo "$MARK $3 $_i"
		_i=$((_i + 1))
	done
}

# chat_pair LABEL SERVER ARGS...: alice and bob in one room on SERVER
# (host:port) with ARGS, each sending $N lines once the other joined;
# outputs in $T/LABEL.{a,b}.{out,err}.  Both must exit 0.
chat_pair()
{
	_l=$1
	_sv=$2
	shift 2
	chat_writer "$T/$_l.a.out" bob "alice to bob" |
	    timeout 60 "$CHAT" --server "$_sv" --name alice \
	    --batch --linger 5 "$@" >"$T/$_l.a.out" 2>"$T/$_l.a.err" &
	_pa=$!
	_i=0
	while [ $_i -lt 100 ] && [ "$(count "$T/$_l.a.out" room)" -eq 0 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_code=$(ev "$T/$_l.a.out" room |
	    sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
	chat_writer "$T/$_l.b.out" alice "bob to alice" |
	    timeout 60 "$CHAT" --server "$_sv" --name bob \
	    --batch --linger 5 "$@" "$_code" >"$T/$_l.b.out" \
	    2>"$T/$_l.b.err"
	_rb=$?
	wait $_pa
	_ra=$?
	[ $_ra -eq 0 ] && [ $_rb -eq 0 ] &&
	    st_ok "$_l: both exited 0" ||
	    st_fail "$_l: exit alice $_ra bob $_rb:" \
	    "$(cat "$T/$_l.a.err" "$T/$_l.b.err")"
}

# chat_cap_start FILTER SECONDS: when root with tshark, capture FILTER on
# lo into $T/lo.pcap for at most SECONDS, and set CAP to the file (else
# leave CAP empty and say why).
chat_cap_start()
{
	CAP=""
	if [ "$(id -u)" -ne 0 ] || ! command -v tshark >/dev/null 2>&1; then
		echo "note: not root or no tshark: no capture"
		return
	fi
	st_bg "$T/tshark.log" timeout "$2" tshark -n -i lo -f "$1" \
	    -w "$T/lo.pcap"
	CAP_PID=$ST_LASTPID
	_i=0
	while [ $_i -lt 50 ] && ! grep -q 'Capturing on' "$T/tshark.log"; do
		sleep 0.1
		_i=$((_i + 1))
	done
	CAP="$T/lo.pcap"
}

# chat_cap_check MIN WHAT: stop the capture; it must hold at least MIN
# packets and a TURN username "alice" in clear (the control that it saw
# the traffic), and $MARK in none of them.  WHAT names the packets.
chat_cap_check()
{
	[ -n "$CAP" ] || return 0
	sleep 0.5
	st_stop "$CAP_PID"
	_np=$(timeout 60 tshark -n -r "$CAP" 2>/dev/null | wc -l)
	if [ "$_np" -gt "$1" ] && grep -aq 'alice' "$CAP"; then
		st_ok "capture: $_np $2 on lo, a TURN username in clear"
		if grep -aq "$MARK" "$CAP"; then
			st_fail "the marker text crossed lo in clear"
		else
			st_ok "the marker text is in none of the $_np packets"
		fi
	else
		st_fail "capture saw $_np packets, no TURN username"
	fi
}

# chat_wait_line FILE RE TENTHS: until FILE has a line matching RE, at
# most TENTHS tenths of a second.  0 when it came.
chat_wait_line()
{
	_k=0
	while [ $_k -lt "$3" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_k=$((_k + 1))
	done
	return 1
}

# chat_hardnat_path FILE: the last path event of FILE as "kind hard_nat
# probes probe_ms ms" (needs jq).
chat_hardnat_path()
{
	jq -Rr 'fromjson? | objects | select(.event == "path") |
	    "\(.kind) \(.hard_nat) \(.probes) \(.probe_ms) \(.ms)"' "$1" \
	    2>/dev/null | tail -1
}

# For the NAT lab's chat tests (after natlab-lib.sh):

# r_ok TEXT / r_fail TEXT: one check's verdict; failures count in $fails.
r_ok()
{
	echo "ok: $*"
}

r_fail()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# field LINE KEY: a string or number field of one JSON line.
field()
{
	echo "$1" | sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"
}

# lab_feed OUT ME PEER: once PEER joined in OUT (60 s at most), $N lines
# "$MARK ME to PEER i", then stdin stays open until PEER's $N messages
# arrived (60 s at most); both waits end when OUT.done appears (the
# p2pchat is gone).
lab_feed()
{
	_i=0
	while [ $_i -lt 600 ] && [ ! -e "$1.done" ] &&
	    [ "$(count "$1" joined "\"peer\":\"$3\"")" -eq 0 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_i=1
	while [ $_i -le "$N" ]; do
		echo "$MARK $2 to $3 $_i"
		_i=$((_i + 1))
	done
	_i=0
	while [ $_i -lt 600 ] && [ ! -e "$1.done" ] &&
	    [ "$(count "$1" message "\"from\":\"$3\"")" -lt "$N" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# lab_peer NS NAME OUT [ARGS]: alice or bob's p2pchat in namespace NS,
# fed by lab_feed, on $LAB_SRV1:$P_SRV with $LAB_PEER_OPTS and ARGS;
# sets peer_pid.
lab_peer()
{
	_ns=$1 _nm=$2 _o=$3
	shift 3
	_other=bob
	[ "$_nm" = bob ] && _other=alice
	# shellcheck disable=SC2086
	lab_feed "$_o" "$_nm" "$_other" |
	    ip netns exec "$(lab_ns "$_ns")" timeout -k 2 120 "$P2PCHAT" \
	    --server "$LAB_SRV1:$P_SRV" $LAB_PEER_OPTS --name "$_nm" \
	    --batch --linger 10 "$@" >"$_o" 2>"${_o%.out}.err" &
	peer_pid=$!
	LAB_PIDS="$LAB_PIDS $peer_pid:$_ns"
}

# lab_reap PID [OUT]: wait (90 s at most) and set rc; OUT.done stops
# OUT's feed.
lab_reap()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 900 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -z "${2:-}" ] || : >"$2.done"
	if kill -0 "$1" 2>/dev/null; then
		lab_stop "$1"
		rc=running
	else
		wait "$1"
		rc=$?
		_np=
		for _e in $LAB_PIDS; do
			[ "${_e%%:*}" = "$1" ] || _np="$_np $_e"
		done
		LAB_PIDS=$_np
	fi
}

# lab_cap_start LABEL: tshark on both uplinks of the public namespace
# into $LAB_TMP/LABEL.pcapng (when installed; sets cap_pid, empty
# without a capture).
lab_cap_start()
{
	cap_pid=
	command -v tshark >/dev/null 2>&1 || {
		echo "INFO: $1: tshark not found: no capture"
		return
	}
	lab_bg pub "$1-tshark" tshark -n -q -i up0 -i up1 \
	    -w "$LAB_TMP/$1.pcapng"
	cap_pid=$LAB_BGPID
	_i=0
	while [ $_i -lt 150 ] &&
	    ! grep -q "Capturing on" "$LAB_TMP/$1-tshark.log"; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# chat_in_order LABEL OUT ME OTHER: in ME's output OUT, all $N messages
# to OTHER delivered, OTHER's $N ("$MARK OTHER to ME i") received intact
# and in order, and no sanitizer report in ME's stderr (st_ok/st_fail).
chat_in_order()
{
	_n=$(count "$2" delivered "\"to\":\"$4\"")
	[ "$_n" -eq "$N" ] && st_ok "$1: $3: $_n/$N delivered to $4" ||
	    st_fail "$1: $3: $_n/$N delivered to $4"
	_want=$(_i=1; while [ $_i -le "$N" ]; do
		echo "$MARK $4 to $3 $_i"; _i=$((_i + 1)); done)
	_got=$(texts "$2" "$4")
	[ "$_got" = "$_want" ] &&
	    st_ok "$1: $3 got $4's $N messages intact, in order" ||
	    st_fail "$1: $3: messages from $4 differ: $_got"
	grep -Eq 'Sanitizer|runtime error' "${2%.out}.err" &&
	    st_fail "$1: $3: sanitizer report"
	return 0
}

# lab_delivered LABEL OUT ME PEER: in ME's output OUT, all $N messages
# to PEER delivered and none undelivered, PEER's $N received, and no
# sanitizer report in ME's stderr.
lab_delivered()
{
	_d=$(count "$2" delivered "\"to\":\"$4\"")
	_u=$(count "$2" undelivered)
	[ "$_d" -eq "$N" ] && [ "$_u" -eq 0 ] &&
	    r_ok "$1: $3: $_d/$N delivered to $4, none undelivered" ||
	    r_fail "$1: $3: $_d/$N delivered to $4, $_u undelivered"
	_m=$(ev "$2" message | grep -F "\"from\":\"$4\"" |
	    grep -cF "$MARK $4 to $3 ")
	[ "$_m" -eq "$N" ] && r_ok "$1: $3: $_m/$N received from $4" ||
	    r_fail "$1: $3: $_m/$N received from $4"
	grep -qE 'Sanitizer|runtime error:' "${2%.out}.err" &&
	    r_fail "$1: $3: sanitizer report"
}

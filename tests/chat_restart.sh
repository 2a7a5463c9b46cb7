#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat outlives its rendezvous server, over loopback.  Two peers chat
# on a direct path while our stund is killed with SIGKILL and started
# again on the same port: after 2 s (default timers), and after 20 s
# with stund --keepalive 2 --member-timeout 6: ten keepalive intervals
# and three member timeouts, the same path as a 60 s outage with the
# default 10 s and 30 s (the peers' Register times out, they report the
# server unreachable, retry with backoff and find it back), in a third
# of the time; and a third time never to come back.  Every message typed
# before, during and after arrives exactly once, in order, on both sides;
# nobody is seen leaving;
# the path stays the one direct path; the server events say
# "unreachable" and "back"; a newcomer after the restart meets both (the
# room was rebuilt without anyone typing); with the server gone for
# good the chat goes on and quitting is quick.  Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout mkfifo
st_setup
T=$ST_TMP

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

# chat_start TAG NAME [CODE]: a --batch peer reading $T/TAG.NAME.in.
chat_start()
{
	_f="$T/$1.$2"
	shift
	_n=$1
	shift
	timeout 300 "$CHAT" --server "127.0.0.1:$P1" --name "$_n" --batch \
	    --linger 5 "$@" <"$_f.in" >"$_f.out" 2>"$_f.err" \
	    3>&- 4>&- 5>&- &
	CHAT_LAST=$!
	ST_PIDS="$ST_PIDS $!"
}

# say PHASE N: alice and bob each type N lines of PHASE, 0.1 s apart.
say()
{
	_k=1
	while [ "$_k" -le "$2" ]; do
		echo "a-$1-$_k" >&3
		echo "b-$1-$_k" >&4
		_k=$((_k + 1))
		sleep 0.1
	done
}

# expected WHO PHASES...: the lines WHO typed, in order.
expected()
{
	_w=$1
	shift
	for _p in "$@"; do
		for _k in 1 2 3 4 5; do
			echo "$_w-$_p-$_k"
		done
	done
}

# scenario TAG GAP(s; "never") STUND-OPTIONS...
scenario()
{
	_tag=$1
	_gap=$2
	shift 2
	if ! st_stund_start --primary 127.0.0.1 --port 0 "$@"; then
		st_fail "$_tag: stund did not start"
		return
	fi
	_port=$P1
	for _n in alice bob carol; do
		rm -f "$T/$_tag.$_n.in"
		mkfifo "$T/$_tag.$_n.in" || exit 99
	done
	exec 3<>"$T/$_tag.alice.in" 4<>"$T/$_tag.bob.in" \
	    5<>"$T/$_tag.carol.in"
	chat_start "$_tag" alice
	_pa=$CHAT_LAST
	if ! wait_count "$T/$_tag.alice.out" registered 1 '' 100; then
		st_fail "$_tag: alice did not register"
		exec 3>&- 4>&- 5>&-
		return
	fi
	_code=$(ev "$T/$_tag.alice.out" room |
	    sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
	chat_start "$_tag" bob "$_code"
	_pb=$CHAT_LAST
	if ! wait_count "$T/$_tag.alice.out" joined 1 bob 100 ||
	    ! wait_count "$T/$_tag.bob.out" joined 1 alice 100; then
		st_fail "$_tag: alice and bob never met"
		exec 3>&- 4>&- 5>&-
		return
	fi
	say before 5
	sleep 0.5
	kill -9 "$ST_SPID" 2>/dev/null
	st_stop "$ST_PID"
	if [ "$_gap" = never ]; then
		# Until both say the server is unreachable, then chat on.
		wait_count "$T/$_tag.alice.out" server 1 unreachable 400 &&
		    wait_count "$T/$_tag.bob.out" server 1 unreachable 100 ||
		    st_fail "$_tag: no unreachable server event"
		say during 5
		say after 5
	else
		say during 5
		sleep "$_gap"
		# (stund must not hold the peers' input open.)
		if ! st_stund_start --primary 127.0.0.1 --port "$_port" \
		    "$@" 3>&- 4>&- 5>&-; then
			st_fail "$_tag: stund did not start again"
			exec 3>&- 4>&- 5>&-
			return
		fi
		# A newcomer meets both: the room is rebuilt.
		chat_start "$_tag" carol "$_code"
		wait_count "$T/$_tag.carol.out" joined 2 '' 300 ||
		    st_fail "$_tag: carol did not meet alice and bob"
		say after 5
	fi
	# Every message settled before anyone quits.
	wait_count "$T/$_tag.alice.out" delivered 15 '"to":"bob"' 300
	wait_count "$T/$_tag.bob.out" delivered 15 '"to":"alice"' 300
	for _s in alice:bob bob:alice; do
		_me=${_s%:*}
		_it=${_s#*:}
		_o="$T/$_tag.$_me.out"
		_w=$(echo "$_it" | cut -c1)
		if texts "$_o" "$_it" >"$T/$_tag.$_me.got" &&
		    expected "$_w" before during after >"$T/$_tag.$_me.want" &&
		    cmp -s "$T/$_tag.$_me.got" "$T/$_tag.$_me.want"; then
			st_ok "$_tag: $_me got all 15 of $_it's lines" \
			    "once, in order"
		else
			st_fail "$_tag: $_me got from $_it:" \
			    "$(tr '\n' ' ' <"$T/$_tag.$_me.got")"
		fi
		[ "$(count "$_o" delivered "\"to\":\"$_it\"")" -eq 15 ] &&
		    [ "$(count "$_o" undelivered)" -eq 0 ] &&
		    st_ok "$_tag: $_me: 15 delivered to $_it, none undelivered" ||
		    st_fail "$_tag: $_me: $(count "$_o" delivered \
		    "\"to\":\"$_it\"") delivered, $(count "$_o" undelivered) \
		    undelivered"
		[ "$(count "$_o" left)" -eq 0 ] &&
		    st_ok "$_tag: $_me saw nobody leave" ||
		    st_fail "$_tag: $_me: $(ev "$_o" left)"
		# One path to the other, direct, never changed.
		[ "$(count "$_o" path "\"peer\":\"$_it\"")" -eq 1 ] &&
		    [ "$(count "$_o" path '"kind":"direct"')" -eq \
		    "$(count "$_o" path)" ] &&
		    st_ok "$_tag: $_me: the path to $_it stayed direct" ||
		    st_fail "$_tag: $_me: paths: $(ev "$_o" path)"
		[ "$(count "$_o" joined "\"peer\":\"$_it\"")" -eq 1 ] ||
		    st_fail "$_tag: $_me: joined again: $(ev "$_o" joined)"
		case $_gap in
		2)
			# Noticed by a keepalive answered 437: no outage seen.
			;;
		never)
			[ "$(count "$_o" server unreachable)" -eq 1 ] &&
			    [ "$(count "$_o" server back)" -eq 0 ] &&
			    st_ok "$_tag: $_me: server unreachable, once" ||
			    st_fail "$_tag: $_me: $(ev "$_o" server)"
			;;
		*)
			[ "$(count "$_o" server unreachable)" -eq 1 ] &&
			    [ "$(count "$_o" server back)" -eq 1 ] &&
			    st_ok "$_tag: $_me: server unreachable, then back" ||
			    st_fail "$_tag: $_me: $(ev "$_o" server)"
			;;
		esac
	done
	# Quitting: quick, also with no server to tell.
	_t0=$(date +%s)
	exec 3>&- 4>&- 5>&-
	for _p in $_pa $_pb; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 200 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done
	_t1=$(date +%s)
	if kill -0 "$_pa" 2>/dev/null || kill -0 "$_pb" 2>/dev/null; then
		st_fail "$_tag: a peer did not exit within 20 s of quitting"
	else
		st_ok "$_tag: both quit in $((_t1 - _t0)) s"
	fi
	for _n in alice bob carol; do
		if grep -Eq 'Sanitizer|runtime error' \
		    "$T/$_tag.$_n.err" 2>/dev/null; then
			st_fail "$_tag: sanitizer report from $_n"
			sed 's/^/  | /' "$T/$_tag.$_n.err" | head -n 30
		fi
	done
	[ "$_gap" = never ] || st_stop "$ST_PID"
	st_cleanup_pids
}

# Only the processes of a scenario: the next one starts clean.
st_cleanup_pids()
{
	for _p in $ST_PIDS; do
		kill "$_p" 2>/dev/null
	done
	for _p in $ST_PIDS; do
		wait "$_p" 2>/dev/null
	done
	ST_PIDS=""
}

scenario short 2
scenario long 20 --keepalive 2 --member-timeout 6
scenario never never --keepalive 2 --member-timeout 6
st_done

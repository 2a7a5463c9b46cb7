#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat through a TURN relay, on loopback (where a direct path always
# works, so the peers use --force-relay): (a) coturn's turnserver with a
# user given by --relay, our stund for the rendezvous; (b) our stund's
# own TURN with a user file; (c) no --relay at all: the credential a
# stund with no TURN option hands out with the rendezvous.
# Each pair gets path kind "relay" both ways and 20 messages each way
# delivered intact and in order.  (e) A TURN server that knows only
# RFC 5766 (tests/turn5766, which answers 420 to REQUESTED-ADDRESS-FAMILY)
# relays a pair the same way, its credential read from --relay-file;
# $P2PCHAT_RELAY works too, and a --relay password is wiped from argv.  (d) A capture on lo shows the marker
# text in no packet: the relay carries only ciphertext.  Also: --relay
# without --force-relay still prefers the direct path, and a wrong TURN
# password makes --force-relay fail with one line.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
N=20

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout ss od
st_setup
T=$ST_TMP
MARK="rly$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')mark"

# wait_udp PORT: until a UDP socket listens on 127.0.0.1:PORT (5 s).
wait_udp()
{
	_i=0
	while [ $_i -lt 50 ]; do
		ss -Hanu 2>/dev/null | awk '{ print $4 }' |
		    grep -Fxq "127.0.0.1:$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# check_relayed LABEL SERVER: both paths relayed through a relayed
# address on SERVER's host, every message delivered intact.
check_relayed()
{
	for p in a b; do
		o=bob
		me=alice
		[ $p = b ] && o=alice && me=bob
		f="$T/$1.$p.out"
		if ev "$f" relay | grep -q "\"server\":\"$2\""; then
			st_ok "$1: $me allocated $(ev "$f" relay |
			    sed -n 's/.*"addr":"\([^"]*\)".*/\1/p') on $2"
		else
			st_fail "$1: $me: no relay on $2"
		fi
		if ev "$f" path | grep '"kind":"relay"' |
		    grep -q '"local":"relay"'; then
			st_ok "$1: $me: path to $o kind relay: $(ev "$f" path |
			    tail -n 1 | sed -n 's/.*"kind":"relay",//p' |
			    cut -d, -f1-4)"
		else
			st_fail "$1: $me: no relay path: $(ev "$f" path)"
		fi
		ev "$f" path | grep -q '"kind":"direct"' &&
		    st_fail "$1: $me: a direct path was used"
		n=$(count "$f" undelivered)
		[ "$n" -eq 0 ] || st_fail "$1: $me: $n undelivered"
		chat_in_order "$1" "$f" "$me" "$o"
	done
}

# --- (d) Capture everything on lo while the relayed runs go. ---
chat_cap_start udp 300

# --- (a) coturn. ---
if command -v turnserver >/dev/null 2>&1; then
	P_TURN=$(st_free_port) || st_skip "no free port"
	R_MIN=$((P_TURN + 100))
	: >"$T/turnserver.conf"
	st_bg "$T/turnserver.log" timeout 300 turnserver \
	    -c "$T/turnserver.conf" --db "$T/turndb" \
	    --pidfile "$T/turnserver.pid" -n --no-tls --no-dtls \
	    --no-tcp --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 \
	    --listening-port "$P_TURN" \
	    --min-port "$R_MIN" --max-port $((R_MIN + 200)) \
	    -u alice:s3cret -r stunkit.test --lt-cred-mech \
	    --allow-loopback-peers --no-cli --log-file stdout --simple-log
	if ! wait_udp "$P_TURN"; then
		st_fail "turnserver did not start"
	elif ! st_stund_start --primary 127.0.0.1 --port 0; then
		st_fail "stund did not start"
	else
		chat_pair coturn "127.0.0.1:$P1" --force-relay \
		    --relay "turn:alice:s3cret@127.0.0.1:$P_TURN"
		check_relayed coturn "127.0.0.1:$P_TURN"
		# Wrong password: one line, exit 1, nothing registered.
		timeout 20 "$CHAT" --server "127.0.0.1:$P1" --name eve \
		    --batch --force-relay \
		    --relay "turn:alice:wrong@127.0.0.1:$P_TURN" </dev/null \
		    >"$T/wrong.out" 2>"$T/wrong.err"
		rc=$?
		if [ $rc -eq 1 ] && [ "$(wc -l <"$T/wrong.err")" -eq 1 ] &&
		    grep -q '^p2pchat: relay 127.0.0.1' "$T/wrong.err" &&
		    [ "$(count "$T/wrong.out" registered)" -eq 0 ]; then
			st_ok "wrong TURN password: exit 1:" \
			    "$(cat "$T/wrong.err")"
		else
			st_fail "wrong TURN password: exit $rc:" \
			    "$(cat "$T/wrong.err")"
		fi
		st_stund_term
	fi
else
	echo "note: turnserver not installed: coturn case (a) not run"
fi

# --- (b) our stund's TURN, a user file; rendezvous on the same port. ---
printf '# test users\nalice:s3cret\n' >"$T/users"
P_R=$(st_free_port) || st_skip "no free port"
R_LO=$(( (P_R + 300) / 2 * 2 ))
if st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --user-file "$T/users" --relay-ports "$R_LO-$((R_LO + 200))" \
    --allow-peer 127.0.0.0/8; then
	chat_pair stund "127.0.0.1:$P1" --force-relay --relay "turn:alice:s3cret@127.0.0.1:$P1"
	check_relayed stund "127.0.0.1:$P1"
	# With a relay but no --force-relay, loopback still goes direct.
	# The relay from the environment this time.
	P2PCHAT_RELAY="turn:alice:s3cret@127.0.0.1:$P1"
	export P2PCHAT_RELAY
	chat_pair mixed "127.0.0.1:$P1"
	unset P2PCHAT_RELAY
	for p in a b; do
		ev "$T/mixed.$p.out" relay |
		    grep -q "\"server\":\"127.0.0.1:$P1\"" &&
		    st_ok "mixed: $p: relay from \$P2PCHAT_RELAY allocated" ||
		    st_fail "mixed: $p: no relay from \$P2PCHAT_RELAY"
	done
	# A password given on the command line is gone from argv at once.
	sleep 4 | timeout 20 "$CHAT" --server "127.0.0.1:$P1" --name carol \
	    --batch --linger 0 --relay "turn:alice:s3cret@127.0.0.1:$P1" \
	    >"$T/argv.out" 2>&1 &
	AP=$!
	i=0
	while [ $i -lt 50 ] && [ "$(count "$T/argv.out" room)" -eq 0 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	CP=$(st_child "$AP")
	if [ -n "$CP" ] && [ -r "/proc/$CP/cmdline" ]; then
		if tr '\0' ' ' <"/proc/$CP/cmdline" | grep -q s3cret; then
			st_fail "--relay: the password is still in argv:" \
			    "$(tr '\0' ' ' <"/proc/$CP/cmdline")"
		else
			st_ok "--relay: the password is wiped from argv:" \
			    "$(tr '\0' ' ' <"/proc/$CP/cmdline")"
		fi
	else
		st_fail "--relay: no p2pchat process to look at"
	fi
	wait $AP
	for p in a b; do
		ev "$T/mixed.$p.out" path | tail -n 1 |
		    grep -q '"kind":"direct"' &&
		    st_ok "mixed: $p: relay gathered, direct path preferred" ||
		    st_fail "mixed: $p: $(ev "$T/mixed.$p.out" path)"
		[ "$(count "$T/mixed.$p.out" delivered)" -eq $N ] ||
		    st_fail "mixed: $p: not all delivered"
	done
	st_stund_term
else
	st_fail "stund did not start with TURN"
fi

# --- (c) no --relay: the credential from the rendezvous, with no TURN
# option but the port range; its peers are the other member only. ---
if st_stund_start --primary 127.0.0.1 --port 0 \
    --relay-ports "$R_LO-$((R_LO + 200))"; then
	chat_pair issued "127.0.0.1:$P1" --force-relay
	if grep -q 'offers no relay' "$T/issued.a.err"; then
		echo "note: this stund hands out no relay credential:" \
		    "(c) not run"
	else
		check_relayed issued "127.0.0.1:$P1"
	fi
	st_stund_term
else
	st_fail "stund did not start for the rendezvous relay"
fi

# --- (e) a TURN server that knows only RFC 5766 (tests/turn5766): it
# answers 420 to REQUESTED-ADDRESS-FAMILY, which p2pchat must not need. ---
T5766="$top_builddir/tests/turn5766"
if [ ! -x "$T5766" ]; then
	st_fail "$T5766 not built"
else
	st_bg "$T/t5766.log" timeout 300 "$T5766" -l 127.0.0.1:0 \
	    -r 127.0.0.1 -u alice:s3cret -R stunkit.test
	T5766_PID=$ST_LASTPID
	if ! st_wait_log "$T/t5766.log" '^listening '; then
		st_fail "turn5766 did not start"
	elif ! st_stund_start --primary 127.0.0.1 --port 0; then
		st_fail "stund did not start"
	else
		P5=$(sed -n 's/^listening 127\.0\.0\.1://p' "$T/t5766.log")
		# The credential from a file, not the command line.
		echo "turn:alice:s3cret@127.0.0.1:$P5" >"$T/relay.url"
		chat_pair rfc5766 "127.0.0.1:$P1" --force-relay --relay-file "$T/relay.url"
		check_relayed rfc5766 "127.0.0.1:$P5"
		if grep -q '^420 ' "$T/t5766.log"; then
			st_fail "rfc5766: p2pchat sent what RFC 5766 lacks:" \
			    "$(grep '^420 ' "$T/t5766.log" | sort -u)"
		else
			st_ok "rfc5766: no attribute refused with 420"
		fi
		st_stund_term
	fi
	st_stop "$T5766_PID"
fi

# --- (d) the marker never crossed lo in clear. ---
chat_cap_check 100 "packets"
st_done

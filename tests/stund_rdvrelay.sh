#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The rendezvous hands out relay credentials (doc/rendezvous.md 7) and the
# relay binds them to their room.  A bare stund (no TURN option) serves
# TURN; its answer to RDV-Register carries "expiry:rdv-<member id><room
# tag>" (both 8 hex digits), sealed, whose password is
# base64(HMAC-SHA1(rendezvous secret, username)) with or without a REST
# secret.  Two tests/rdvturn members allocate with theirs from their own
# sockets and reach each other relay to relay with no --allow-peer (the
# host's own addresses give way to live relayed ones); the credential
# from another socket (rdvturn's second one, turnpoke) gets 403, a wrong
# password 401; a member's allocation ends when it leaves.
# rendezvous-relay no, turn no and a wildcard primary without relay-ip
# hand out none; SIGHUP applies rendezvous-relay and a new lifetime.
# Loopback only.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
RDVTURN="$top_builddir/tests/rdvturn"
TPOKE="$top_builddir/tests/turnpoke"
ROOM=$(printf "c1%.0s" $(seq 32))	# the room key
KEY=$(printf "5e%.0s" $(seq 32))	# the rendezvous secret, hex
SECRET=rest-secret

st_setup
st_need_bins
for b in "$RDVPOKE" "$RDVTURN" "$TPOKE"; do
	[ -x "$b" ] || st_skip "$b not built"
done
st_need openssl base64 mkfifo
st_have_http || st_skip "neither curl nor wget installed"

MPORT=$(st_free_port) || st_skip "no free port for metrics"
R_LO=$(( (MPORT + 300) / 2 * 2 ))
printf '%s\n' "$KEY" >"$ST_TMP/rdv.key"

# join NAME: rdvpoke registers in ROOM, leaves after 1 s; output in
# $ST_TMP/NAME.  Sets JOINED to its "joined" line, USER and PASS.
join()
{
	timeout 30 "$RDVPOKE" -r $ROOM -n "$1" -l 1 -t 5 "127.0.0.1:$P1" \
	    >"$ST_TMP/$1" 2>&1
	JOINED=$(grep '^joined ' "$ST_TMP/$1" | head -n 1)
	USER=$(st_field "$JOINED" relay-user)
	PASS=$(st_field "$JOINED" relay-pass)
	if [ -z "$JOINED" ]; then
		st_fail "$1: did not join"
		sed 's/^/  | /' "$ST_TMP/$1"
	fi
}

# pass_ok DESC: $PASS is the password of $USER under the rendezvous key.
pass_ok()
{
	_want=$(printf '%s' "$USER" | openssl dgst -sha1 -mac HMAC \
	    -macopt "hexkey:$KEY" -binary | base64)
	if [ -n "$PASS" ] && [ "$PASS" = "$_want" ]; then
		st_ok "$1"
	else
		st_fail "$1: '$PASS', want '$_want'"
	fi
}

# expiry_ok DESC SECONDS: $USER expires now + SECONDS.
expiry_ok()
{
	_e=${USER%%:*}
	case "$_e" in
	*[!0-9]*|'') _e=0 ;;
	esac
	if [ "$_e" -ge $((NOW + $2 - 5)) ] && [ "$_e" -le $((NOW + $2 + 30)) ]
	then
		st_ok "$1"
	else
		st_fail "$1: expiry $_e, now $NOW + $2"
	fi
}

metric()
{
	st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# wait_line FILE ERE: until a line of FILE matches (5 s).
wait_line()
{
	_i=0
	while [ $_i -lt 50 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_metric NAME VALUE: until the metric has that value (5 s).
wait_metric()
{
	_i=0
	while [ $_i -lt 25 ]; do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# member NAME FD ARGS...: rdvturn in ROOM on 127.0.0.1, reading commands
# from a fifo this shell holds open on FD; output in $ST_TMP/NAME.out.
member()
{
	_n=$1 _fd=$2
	shift 2
	mkfifo "$ST_TMP/$_n.in" || st_fail "mkfifo"
	timeout 60 "$RDVTURN" -r $ROOM -b 127.0.0.1 -t 50 "$@" \
	    "127.0.0.1:$P1" <"$ST_TMP/$_n.in" >"$ST_TMP/$_n.out" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	eval "exec $_fd>\"\$ST_TMP/\$_n.in\""
}

# no_cred DESC: the last join carried no credential.
no_cred()
{
	case "$JOINED" in
	*relay-user=*) st_fail "$1: a credential came" ;;
	joined*) st_ok "$1: no credential" ;;
	esac
}

# 1. A bare stund: TURN for the rendezvous, nothing configured for it.
if ! st_stund_start --primary 127.0.0.1 --port 0 \
    --rendezvous-secret-file "$ST_TMP/rdv.key" \
    --relay-ports "$R_LO-$((R_LO + 100))" --metrics "127.0.0.1:$MPORT"; then
	st_fail "a bare stund did not start"
	st_done
fi
st_wait_log "$ST_LOG" 'started:' 50 && grep -q 'turn on' "$ST_LOG" &&
    st_ok "a bare stund serves TURN" ||
    st_fail "a bare stund: $(grep 'started:' "$ST_LOG")"
NOW=$(date +%s)
join alice
echo "  | $JOINED"
ID=$(st_field "$JOINED" id)
RID=$(sed -n 's/^room //p' "$ST_TMP/alice" | head -n 1)
NAME=$(printf 'rdv-%08x%s' "$ID" "$(echo "$RID" | cut -c1-8)")
if [ -n "$USER" ] && [ -n "$RID" ] && [ "${USER#*:}" = "$NAME" ]; then
	st_ok "joined line carries relay-user expiry:$NAME"
else
	st_fail "no relay-user of the form expiry:$NAME: '$USER'"
fi
expiry_ok "the credential expires in 3600 s by default" 3600
pass_ok "relay-pass is HMAC-SHA1 under the rendezvous secret"

# Two members on their own sockets, relay to relay.
member b 4 -n bob -e
member a 3 -n carol
AO=$ST_TMP/a.out
BO=$ST_TMP/b.out
if wait_line "$AO" '^joined .*relay-user=[0-9]' &&
    wait_line "$BO" '^joined .*relay-user=[0-9]'; then
	echo alloc >&3
	echo alloc >&4
fi
if wait_line "$AO" '^allocated relayed=127\.0\.0\.1:' &&
    wait_line "$BO" '^allocated relayed=127\.0\.0\.1:'; then
	st_ok "both members allocated from their own sockets"
else
	st_fail "no allocations"
	sed 's/^/  | /' "$AO" "$BO"
fi
AR=$(grep '^allocated' "$AO" | sed -n 's/.*relayed=\([^ ]*\).*/\1/p')
BR=$(grep '^allocated' "$BO" | sed -n 's/.*relayed=\([^ ]*\).*/\1/p')
echo "perm $AR" >&4
echo "chan $BR" >&3
wait_line "$BO" "^perm-ok peer=$AR" || st_fail "bob: no permission"
if wait_line "$AO" "^chan-ok peer=$BR"; then
	echo "send $BR 3" >&3
	wait_line "$AO" "^data from=$BR channel=0x4.*text=rdvturn-carol-2" &&
	    st_ok "relay to relay on loopback, no --allow-peer: echoed" ||
	    st_fail "relay to relay: no echo"
else
	st_fail "no channel to bob's relayed address $BR"
fi
echo "perm 127.0.0.2:9" >&3
wait_line "$AO" '^perm-failed peer=127\.0\.0\.2:9 code=403' &&
    st_ok "another address: 403" || st_fail "127.0.0.2: no 403"
echo alloc2 >&3
wait_line "$AO" '^alloc2 alloc-failed code=403' &&
    st_ok "the credential from another socket: 403" ||
    st_fail "alloc2 was not refused"
USER=$(grep '^joined' "$AO" | sed -n 's/.*relay-user=\([^ ]*\).*/\1/p')
timeout 30 "$TPOKE" -s "127.0.0.1:$P1" -u "$USER" -w nothing -n 0 \
    -t 20000 >"$ST_TMP/denied.out" 2>&1
grep -q '^failed code=401$' "$ST_TMP/denied.out" &&
    st_ok "a wrong password: 401" || st_fail "wrong password: no 401"
wait_metric stund_turn_allocations 2 &&
    st_ok "two allocations before anyone leaves" ||
    st_fail "stund_turn_allocations $(metric stund_turn_allocations)"
echo leave >&4
wait_line "$BO" '^left$' || st_fail "bob did not leave"
wait_metric stund_turn_allocations 1 &&
    st_ok "bob left: his allocation ended" ||
    st_fail "after bob left: stund_turn_allocations" \
    "$(metric stund_turn_allocations)"
v=$(metric stund_rdv_relay_credentials_total)
[ "${v:-0}" -ge 3 ] && st_ok "metrics count $v relay credentials" ||
    st_fail "stund_rdv_relay_credentials_total is '$v'"
echo quit >&3
echo quit >&4
exec 3>&- 4>&-
st_stund_term

# 2. A users file and a REST secret, rendezvous-relay no; SIGHUP turns it
# on with a lifetime of 120 s.  The key stays the rendezvous secret.
printf 'carol:c4rol\n' >"$ST_TMP/users"
printf 'static-auth-secret %s\nrendezvous-relay no\n' "$SECRET" \
    >"$ST_TMP/rdv.conf"
if st_stund_start -c "$ST_TMP/rdv.conf" --primary 127.0.0.1 --port 0 \
    --realm stunkit.test --user-file "$ST_TMP/users" \
    --rendezvous-secret-file "$ST_TMP/rdv.key" \
    --relay-ports "$R_LO-$((R_LO + 100))"; then
	join bob
	no_cred "rendezvous-relay no"
	printf 'static-auth-secret %s\nrendezvous-relay yes\n%s\n' \
	    "$SECRET" "rendezvous-relay-lifetime 120" >"$ST_TMP/rdv.conf"
	kill -HUP "$ST_SPID"
	if st_wait_log "$ST_LOG" 'configuration reloaded' 50; then
		NOW=$(date +%s)
		join erin
		expiry_ok "after SIGHUP: a credential, expiry now + 120" 120
		pass_ok "with a REST secret: still the rendezvous secret's"
	else
		st_fail "stund did not reload"
		sed 's/^/  | /' "$ST_LOG"
	fi
	st_stund_term
else
	st_fail "stund did not start with rendezvous-relay no"
fi

# 3. turn no; a wildcard primary without relay-ip: no credential.
if st_stund_start --primary 127.0.0.1 --port 0 --turn=no; then
	join dave
	no_cred "turn no"
	st_stund_term
else
	st_fail "stund did not start with turn no"
fi
if st_stund_start --primary 0.0.0.0 --port 0; then
	st_wait_log "$ST_LOG" 'started:' 50
	grep -q 'turn off' "$ST_LOG" &&
	    st_ok "a wildcard primary without relay-ip: turn off" ||
	    st_fail "wildcard primary: $(grep 'started:' "$ST_LOG")"
	join frank
	no_cred "a wildcard primary without relay-ip"
	st_stund_term
else
	st_fail "stund did not start on 0.0.0.0"
fi
st_done

#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# The rendezvous hands out relay credentials (doc/rendezvous.md 4.4): with
# TURN on and a REST shared secret, stund's answer to RDV-Register carries
# "expiry:rdv-<member id><room tag>" (both 8 hex digits) and its password,
# sealed; turnpoke then allocates on the
# same stund with exactly that pair and relays through turnutils_peer.  A
# changed password gets 401; with rendezvous-relay no, or without a
# shared secret, the answer carries no credential; SIGHUP applies a new
# secret, lifetime and rendezvous-relay.  Loopback only.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
TPOKE="$top_builddir/tests/turnpoke"
ROOM=$(printf "c1%.0s" $(seq 32))	# the room key
SECRET=rdv-relay-secret
COUNT=10

st_setup
st_need_bins
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
[ -x "$TPOKE" ] || st_skip "$TPOKE not built"
st_need turnutils_peer ss openssl base64
st_have_http || st_skip "neither curl nor wget installed"

P_PEER=$(st_free_port) || st_skip "no free port"
MPORT=$(st_free_port) || st_skip "no free port for metrics"
R_LO=$(( (P_PEER + 300) / 2 * 2 ))

# wait_udp PORT: until a UDP socket listens on 127.0.0.1:PORT (5 s).
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

# join NAME: rdvpoke registers in ROOM, leaves after 1 s; output in
# $ST_TMP/NAME.  Sets JOINED to its "joined" line.
join()
{
	timeout 30 "$RDVPOKE" -r $ROOM -n "$1" -l 1 -t 5 "127.0.0.1:$P1" \
	    >"$ST_TMP/$1" 2>&1
	JOINED=$(grep '^joined ' "$ST_TMP/$1" | head -n 1)
	if [ -z "$JOINED" ]; then
		st_fail "$1: did not join"
		sed 's/^/  | /' "$ST_TMP/$1"
	fi
}

# rest_ok DESC SECRET: $PASS is the REST password of $USER under SECRET.
rest_ok()
{
	_want=$(printf '%s' "$USER" | openssl dgst -sha1 -hmac "$2" -binary |
	    base64)
	if [ -n "$PASS" ] && [ "$PASS" = "$_want" ]; then
		st_ok "$1"
	else
		st_fail "$1: '$PASS', want '$_want'"
	fi
}

metric()
{
	st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

st_bg "$ST_TMP/peer.log" timeout 120 turnutils_peer -L 127.0.0.1 \
    -p "$P_PEER"
wait_udp "$P_PEER" || { st_fail "turnutils_peer did not start"; st_done; }

# 1. TURN with a shared secret: the credential comes with the answer.
# A users file beside it: its users may not make the nonces ask for
# USERHASH, which no REST name could match (our client would send one).
printf 'carol:c4rol\n' >"$ST_TMP/users1"
if ! st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --static-auth-secret "$SECRET" --user-file "$ST_TMP/users1" \
    --relay-ports "$R_LO-$((R_LO + 100))" \
    --allow-peer 127.0.0.0/8 --metrics "127.0.0.1:$MPORT"; then
	st_fail "stund did not start with TURN"
	st_done
fi
NOW=$(date +%s)
join alice
echo "  | $JOINED"
ID=$(st_field "$JOINED" id)
USER=$(st_field "$JOINED" relay-user)
PASS=$(st_field "$JOINED" relay-pass)
EXP=${USER%%:*}
RID=$(sed -n 's/^room //p' "$ST_TMP/alice" | head -n 1)
NAME=$(printf 'rdv-%08x%s' "$ID" "$(echo "$RID" | cut -c1-8)")
if [ -n "$USER" ] && [ -n "$RID" ] && [ "${USER#*:}" = "$NAME" ]; then
	st_ok "joined line carries relay-user expiry:$NAME"
else
	st_fail "no relay-user of the form expiry:$NAME: '$USER'"
fi
case "$EXP" in
*[!0-9]*|'') EXP=0 ;;
esac
if [ "$EXP" -ge $((NOW + 3600 - 5)) ] && [ "$EXP" -le $((NOW + 3600 + 30)) ]
then
	st_ok "the credential expires in 3600 s by default"
else
	st_fail "expiry $EXP is not now ($NOW) + 3600"
fi
rest_ok "relay-pass is base64(HMAC-SHA1(secret, relay-user))" "$SECRET"

out="$ST_TMP/turn.out"
timeout 60 "$TPOKE" -s "127.0.0.1:$P1" -u "$USER" -w "$PASS" \
    -p "127.0.0.1:$P_PEER" -n $COUNT -t 30000 >"$out" 2>&1
rc=$?
sed 's/^/  | /' "$out"
if [ $rc -eq 0 ] && grep -Eq '^allocated relayed=127\.0\.0\.1:[0-9]+ ' \
    "$out" && grep -q "^echoes phase=channel count=$COUNT/$COUNT\$" "$out"
then
	st_ok "turnpoke allocated and relayed with the rendezvous credential"
else
	st_fail "turnpoke with the rendezvous credential exited $rc"
fi

# The same user with another password is refused.
timeout 30 "$TPOKE" -s "127.0.0.1:$P1" -u "$USER" -w "x$PASS" -n 0 \
    -t 20000 >"$ST_TMP/denied.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^failed code=401$' "$ST_TMP/denied.out"; then
	st_ok "a wrong password for that user gets 401"
else
	st_fail "wrong password: exit $rc, no 401"
	sed 's/^/  | /' "$ST_TMP/denied.out"
fi

v=$(metric stund_rdv_relay_credentials_total)
[ "${v:-0}" -ge 1 ] && st_ok "metrics count $v relay credential(s)" ||
    st_fail "stund_rdv_relay_credentials_total is '$v'"
st_stund_term

# 2. rendezvous-relay no in the config file; then SIGHUP turns it on
# with another secret and a lifetime of 120 s.
printf 'static-auth-secret %s\nrendezvous-relay no\n' "$SECRET" \
    >"$ST_TMP/rdv.conf"
if st_stund_start -c "$ST_TMP/rdv.conf" --primary 127.0.0.1 --port 0 \
    --realm stunkit.test --relay-ports "$R_LO-$((R_LO + 100))"; then
	join bob
	echo "  | $JOINED"
	case "$JOINED" in
	*relay-user=*) st_fail "rendezvous-relay no: a credential came" ;;
	joined*) st_ok "rendezvous-relay no: no credential" ;;
	esac
	printf 'static-auth-secret %s\nrendezvous-relay yes\n%s\n' \
	    "x$SECRET" "rendezvous-relay-lifetime 120" >"$ST_TMP/rdv.conf"
	kill -HUP "$ST_SPID"
	if st_wait_log "$ST_LOG" 'configuration reloaded' 50; then
		NOW=$(date +%s)
		join erin
		echo "  | $JOINED"
		USER=$(st_field "$JOINED" relay-user)
		PASS=$(st_field "$JOINED" relay-pass)
		EXP=${USER%%:*}
		case "$EXP" in
		*[!0-9]*|'') EXP=0 ;;
		esac
		if [ "$EXP" -ge $((NOW + 120 - 5)) ] &&
		    [ "$EXP" -le $((NOW + 120 + 30)) ]; then
			st_ok "after SIGHUP: a credential, expiry now + 120"
		else
			st_fail "after SIGHUP: expiry '$EXP', now $NOW"
		fi
		rest_ok "after SIGHUP: the password is under the new secret" \
		    "x$SECRET"
	else
		st_fail "stund did not reload"
		sed 's/^/  | /' "$ST_LOG"
	fi
	st_stund_term
else
	st_fail "stund did not start with rendezvous-relay no"
fi

# 3. TURN with a users file only: no shared secret, no credential.
printf 'alice:s3cret\n' >"$ST_TMP/users"
if st_stund_start --primary 127.0.0.1 --port 0 --realm stunkit.test \
    --user-file "$ST_TMP/users" --relay-ports "$R_LO-$((R_LO + 100))" \
    --rendezvous-relay=yes --rendezvous-relay-lifetime 60; then
	join dave
	echo "  | $JOINED"
	case "$JOINED" in
	*relay-user=*) st_fail "no shared secret: a credential came" ;;
	joined*) st_ok "no shared secret: no credential" ;;
	esac
	st_stund_term
else
	st_fail "stund did not start with a users file"
fi
st_done

#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund applies the rendezvous limits and timers on SIGHUP, without a
# restart and without losing its rooms: with member-timeout 30 s (and
# keepalive 1 s), a silent member of a room (tests/rdvpoke -k) is still
# there after 5 s; the file then says 3 s and stund gets SIGHUP: the
# other member hears the silent one time out within a few seconds, and a
# member that registers afterwards still finds the room.  room-max, which sizes the
# table, is refused with its reason in the log and the running value
# kept.  Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
st_setup
CONF=$ST_TMP/stund.conf
KEY=6b6579206f6620746865207264762068757020746573742c2033322062797465

printf 'primary 127.0.0.1\nport 0\nkeepalive 1\n%s\n%s\n' \
    'member-timeout 30' 'room-max 64' >"$CONF"
if ! st_stund_start -c "$CONF"; then
	st_fail "stund did not start"
	st_done
fi
grep -q 'rendezvous on' "$ST_LOG" ||
    st_skip "this stund does not serve the rendezvous"
SRV=127.0.0.1:$P1

st_bg "$ST_TMP/ann" timeout 40 "$RDVPOKE" -r $KEY -n ann -t 30 "$SRV"
st_wait_log "$ST_TMP/ann" '^joined ' 50 || st_fail "ann did not join"
st_bg "$ST_TMP/sid" timeout 40 "$RDVPOKE" -r $KEY -n sid -k -t 30 "$SRV"
st_wait_log "$ST_TMP/sid" '^joined ' 50 || st_fail "sid did not join"
SID=$(sed -n 's/^joined id=\([0-9]*\) .*/\1/p' "$ST_TMP/sid")
st_wait_log "$ST_TMP/ann" "^members event=join who=$SID " 50 ||
    st_fail "ann did not hear sid join"
sleep 5
if grep -q 'event=timeout' "$ST_TMP/ann"; then
	st_fail "sid timed out before the reload (member-timeout 30)"
else
	st_ok "silent sid still a member after 5 s (member-timeout 30)"
fi

printf 'primary 127.0.0.1\nport %s\nkeepalive 1\nmember-timeout 3\n%s\n' \
    "$P1" 'room-max 5' >"$CONF"
kill -HUP "$ST_SPID"
if st_wait_log "$ST_LOG" 'configuration reloaded' 50; then
	st_ok "SIGHUP: configuration reloaded"
else
	st_fail "no reload in the log"
fi
if st_wait_log "$ST_TMP/ann" "^members event=timeout who=$SID " 60; then
	st_ok "after SIGHUP, sid timed out under member-timeout 3"
else
	st_fail "sid did not time out within 6 s of the reload:"
	sed 's/^/  | /' "$ST_TMP/ann"
fi
if grep -q 'reload: room-max needs a restart (the room table is' "$ST_LOG"
then
	st_ok "room-max: needs a restart, said with its reason"
else
	st_fail "no restart notice for room-max:"
	grep 'reload' "$ST_LOG" | sed 's/^/  | /'
fi
LIVE='member-timeout|keepalive|room-members|register-|room-prefix'
if grep -Eq "reload: ($LIVE|member-prefix)" "$ST_LOG"; then
	st_fail "a live rendezvous option was refused:"
	grep 'reload' "$ST_LOG" | sed 's/^/  | /'
else
	st_ok "no live rendezvous option asks for a restart"
fi
# The table lives on: a newcomer meets ann in her room.
st_bg "$ST_TMP/ned" timeout 20 "$RDVPOKE" -r $KEY -n ned -t 3 "$SRV"
if st_wait_log "$ST_TMP/ned" '^members .*=ann' 50; then
	st_ok "a newcomer after the reload meets ann"
else
	st_fail "the newcomer did not meet ann:"
	sed 's/^/  | /' "$ST_TMP/ned"
fi
for f in ann sid ned; do
	grep -Eq 'Sanitizer|runtime error' "$ST_TMP/$f" &&
	    st_fail "sanitizer report from rdvpoke $f"
done
st_done

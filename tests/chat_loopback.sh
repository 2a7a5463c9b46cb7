#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat over loopback against our stund's rendezvous: two peers meet and
# exchange 20 messages each way (delivered, intact, in order), a third
# makes a full mesh, one that quits is seen leaving, a message to one that
# was killed ends "undelivered", a wrong code never meets the room, and bad
# codes or an unreachable server fail with one line.  Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
CHAT_PIDS=""

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout mkfifo
st_setup
T=$ST_TMP

# chat_start NAME [CODE]: a --batch peer reading the fifo $T/NAME.in (kept
# open on a numbered fd by the caller) and writing $T/NAME.out.
chat_start()
{
	_n=$1
	shift
	timeout 120 "$CHAT" --server "127.0.0.1:$P1" --name "$_n" --batch \
	    --linger 5 "$@" <"$T/$_n.in" >"$T/$_n.out" 2>"$T/$_n.err" \
	    3>&- 4>&- 5>&- 6>&- &
	eval "PID_$_n=\$!"
	ST_PIDS="$ST_PIDS $!"
}

# wait_count FILE EVENT N FIXED TENTHS: until at least N such events.
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

# ms FILE EVENT FIXED: the "ms" of the first such event.
ms()
{
	ev "$1" "$2" | grep -F -- "$3" | head -n 1 |
	    sed -n 's/.*"ms":\([0-9]*\).*/\1/p'
}

# san FILE: did a sanitizer report anything?
san()
{
	grep -Eq 'Sanitizer|runtime error' "$1" 2>/dev/null
}

if ! st_stund_start --primary "$ST_IP1" --port 0; then
	st_fail "stund did not start"
	st_done
fi
grep -q 'rendezvous on' "$ST_LOG" ||
    st_skip "this stund does not serve the rendezvous"

for n in alice bob carol dave; do
	mkfifo "$T/$n.in" || exit 99
done
# Hold each fifo open read-write so that the peers see EOF only when the
# test closes its end.
exec 3<>"$T/alice.in" 4<>"$T/bob.in" 5<>"$T/carol.in" 6<>"$T/dave.in"

# --- Usage errors: one line, non-zero. ---
timeout 10 "$CHAT" --server "127.0.0.1:$P1" --name x \
    0000-0000-0000-0000-0000-0000-0001 </dev/null >"$T/bad.out" \
    2>"$T/bad.err"
rc=$?
if [ $rc -ne 0 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] &&
    grep -q 'not a valid room code' "$T/bad.err"; then
	st_ok "a mistyped code: exit $rc, one line"
else
	st_fail "a mistyped code: exit $rc, stderr: $(cat "$T/bad.err")"
fi
timeout 10 "$CHAT" --name x </dev/null >/dev/null 2>"$T/usage.err"
rc=$?
[ $rc -eq 2 ] && st_ok "no --server: usage, exit 2" ||
    st_fail "no --server: exit $rc"

# An unreachable server takes its 10 s in the background meanwhile.
timeout 30 "$CHAT" --server 127.0.0.1:9 --name x </dev/null \
    >/dev/null 2>"$T/unreach.err" 3>&- 4>&- 5>&- 6>&- &
PID_unreach=$!
ST_PIDS="$ST_PIDS $PID_unreach"

# --- Two peers. ---
chat_start alice
if ! wait_count "$T/alice.out" room 1 '' 50; then
	st_fail "alice printed no room event"
	st_done
fi
CODE=$(ev "$T/alice.out" room | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
ev "$T/alice.out" room | grep -q '"created":true' &&
    st_ok "alice created room $CODE" || st_fail "room event: not created"
# Typed before bob is even in the room: it leaves once the session is up,
# so its "delivered" measures joining -> first delivered message.
echo "first" >&4
chat_start bob "$CODE"
for p in alice bob; do
	o=bob
	[ $p = bob ] && o=alice
	if wait_count "$T/$p.out" joined 1 "\"peer\":\"$o\"" 100; then
		st_ok "$p: $o joined"
	else
		st_fail "$p: $o never joined"
	fi
	if ev "$T/$p.out" path | grep -F "\"peer\":\"$o\"" |
	    grep -q '"kind":"direct"'; then
		st_ok "$p: direct path to $o: $(ev "$T/$p.out" path |
		    sed -n 's/.*"addr":"\([^"]*\)".*/\1/p' | head -n 1)"
	else
		st_fail "$p: no direct path to $o"
	fi
done

i=1
while [ $i -le 20 ]; do
	echo "alice to bob $i" >&3
	echo "bob to alice $i" >&4
	i=$((i + 1))
done
printf '%s\n' 'quote " backslash \ tab	unicode é 漢字 end' >&3
for p in alice bob; do
	want=21
	if wait_count "$T/$p.out" delivered $want '' 150; then
		st_ok "$p: all $want messages delivered"
	else
		st_fail "$p: $(count "$T/$p.out" delivered) delivered," \
		    "$(count "$T/$p.out" undelivered) undelivered"
	fi
done
wait_count "$T/bob.out" message 21 '' 50
wait_count "$T/alice.out" message 21 '' 50
[ "$(texts "$T/alice.out" bob | head -n 1)" = first ] &&
    st_ok "a line typed before joining went out once the session was up" ||
    st_fail "the early line was lost"

want=$(i=1; while [ $i -le 20 ]; do echo "alice to bob $i"; i=$((i + 1)); done)
got=$(texts "$T/bob.out" alice | head -n 20)
[ "$got" = "$want" ] && st_ok "bob got alice's 20 messages intact, in order" ||
    st_fail "bob's messages from alice differ: $got"
want=$(i=1; while [ $i -le 20 ]; do echo "bob to alice $i"; i=$((i + 1)); done)
got=$(texts "$T/alice.out" bob | sed 1d)
[ "$got" = "$want" ] && st_ok "alice got bob's 20 messages intact, in order" ||
    st_fail "alice's messages from bob differ: $got"
if texts "$T/bob.out" alice | tail -n 1 | grep -qF \
    'quote \" backslash \\ tab\tunicode é 漢字 end'; then
	st_ok "quotes, backslash, tab and UTF-8 survive as JSON"
else
	st_fail "special text mangled: $(texts "$T/bob.out" alice | tail -n 1)"
fi
nu=$(count "$T/alice.out" undelivered)
nu=$((nu + $(count "$T/bob.out" undelivered)))
[ "$nu" -eq 0 ] && st_ok "no undelivered message" ||
    st_fail "$nu undelivered messages"
t_first=$(ms "$T/bob.out" delivered '"to":"alice"')
t_join=$(ms "$T/bob.out" joined '"peer":"alice"')
t_path=$(ms "$T/bob.out" path '"peer":"alice"')
t_reg=$(ms "$T/bob.out" registered '')
echo "connect: bob registered at ${t_reg} ms, path at ${t_path} ms," \
    "session at ${t_join} ms, first delivered at ${t_first} ms after its start"

# --- A third peer: full mesh. ---
chat_start carol "$CODE"
for p in alice bob; do
	wait_count "$T/$p.out" joined 1 '"peer":"carol"' 100 &&
	    st_ok "$p: carol joined" || st_fail "$p: carol never joined"
done
for o in alice bob; do
	wait_count "$T/carol.out" joined 1 "\"peer\":\"$o\"" 100 &&
	    st_ok "carol: $o joined" || st_fail "carol: $o never joined"
done
i=1
while [ $i -le 5 ]; do
	echo "mesh alice $i" >&3
	echo "mesh bob $i" >&4
	echo "mesh carol $i" >&5
	i=$((i + 1))
done
for p in alice bob carol; do
	if wait_count "$T/$p.out" message 10 '"text":"mesh ' 100; then
		st_ok "$p got the 10 mesh messages from the two others"
	else
		st_fail "$p got $(count "$T/$p.out" message '"text":"mesh ')" \
		    "mesh messages, not 10"
	fi
	[ "$(count "$T/$p.out" message "\"text\":\"mesh $p ")" -eq 0 ] ||
	    st_fail "$p received its own message"
done

# --- Carol quits (EOF): the others see her leave; she exits 0. ---
exec 5>&-
for p in alice bob; do
	wait_count "$T/$p.out" left 1 '"peer":"carol"' 100 &&
	    st_ok "$p: carol left" || st_fail "$p: carol's leaving not seen"
done
wait "$PID_carol"
rc=$?
st_forget "$PID_carol"
[ $rc -eq 0 ] && st_ok "carol exited 0 after EOF" ||
    st_fail "carol exited $rc"

# --- A wrong code (valid checksum, other secret) meets nobody. ---
timeout 20 "$CHAT" --server "127.0.0.1:$P1" --name other --batch \
    --linger 0 </dev/null >"$T/other.out" 2>&1
OTHER=$(ev "$T/other.out" room | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
chat_start dave "$OTHER"
wait_count "$T/dave.out" registered 1 '' 50
sleep 2
# dave is in other's room, so other may still show as its member for a
# moment; what must not happen is meeting anyone of alice's room.
if [ -n "$OTHER" ] && [ "$OTHER" != "$CODE" ] &&
    [ "$(ev "$T/dave.out" member | grep -cE '"peer":"(alice|bob|carol)"')" \
    -eq 0 ] &&
    [ "$(count "$T/alice.out" member '"peer":"dave"')" -eq 0 ] &&
    [ "$(count "$T/bob.out" member '"peer":"dave"')" -eq 0 ]; then
	st_ok "dave with another room's code meets nobody of this room"
else
	st_fail "dave's wrong code: dave or the room saw the other side"
fi
exec 6>&-

# --- Bob vanishes (kill -9): alice's message to him ends undelivered. ---
bobpid=$(st_child "$PID_bob")
[ -n "$bobpid" ] && kill -9 "$bobpid"
sleep 0.5
echo "into the void" >&3
if wait_count "$T/alice.out" undelivered 1 '"to":"bob"' 450; then
	st_ok "alice: the message to the killed bob is reported undelivered" \
	    "($(ev "$T/alice.out" undelivered | grep -F '"to":"bob"' |
	    sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' | head -n 1))"
else
	st_fail "alice: no undelivered event for bob"
fi
did=$(ev "$T/alice.out" undelivered | grep -F '"to":"bob"' | head -n 1 |
    sed -n 's/.*"id":\([0-9]*\).*/\1/p')
[ -n "$did" ] && [ "$(ev "$T/alice.out" delivered | grep -F '"to":"bob"' |
    grep -c "\"id\":$did,")" -eq 0 ] &&
    st_ok "and never also delivered" || st_fail "delivered and undelivered"

# --- Alice ends with EOF: exit 0. ---
exec 3>&- 4>&-
wait "$PID_alice"
rc=$?
st_forget "$PID_alice"
[ $rc -eq 0 ] && st_ok "alice exited 0 after EOF" || st_fail "alice exited $rc"
ev "$T/alice.out" bye >/dev/null && st_ok "alice said bye" ||
    st_fail "alice never left the room"

# --- 300 lines each way from regular files, piped at once: input waits
# for the peers, nothing is refused, and both leave only when done. ---
i=1
while [ $i -le 300 ]; do
	echo "bulk eve $i" >>"$T/eve.txt"
	echo "bulk frank $i" >>"$T/frank.txt"
	i=$((i + 1))
done
timeout 60 "$CHAT" --server "127.0.0.1:$P1" --name eve <"$T/eve.txt" \
    >"$T/eve.out" 2>"$T/eve.err" 3>&- 4>&- 5>&- 6>&- &
PID_eve=$!
ST_PIDS="$ST_PIDS $PID_eve"
wait_count "$T/eve.out" room 1 '' 50
BULK=$(ev "$T/eve.out" room | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
timeout 60 "$CHAT" --server "127.0.0.1:$P1" --name frank "$BULK" \
    <"$T/frank.txt" >"$T/frank.out" 2>"$T/frank.err" 3>&- 4>&- 5>&- 6>&- &
PID_frank=$!
ST_PIDS="$ST_PIDS $PID_frank"
wait "$PID_eve"
rc1=$?
wait "$PID_frank"
rc2=$?
st_forget "$PID_eve"
st_forget "$PID_frank"
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] &&
    [ "$(count "$T/eve.out" delivered)" -eq 300 ] &&
    [ "$(count "$T/frank.out" delivered)" -eq 300 ] &&
    [ "$(texts "$T/frank.out" eve)" = "$(cat "$T/eve.txt")" ] &&
    [ "$(texts "$T/eve.out" frank)" = "$(cat "$T/frank.txt")" ]; then
	st_ok "300 lines each way from files: all delivered, in order"
else
	st_fail "bulk: exit $rc1/$rc2, delivered" \
	    "$(count "$T/eve.out" delivered)/$(count "$T/frank.out" \
	    delivered), undelivered $(count "$T/eve.out" undelivered)/$(count \
	    "$T/frank.out" undelivered)"
fi

# --- An unreachable server: one line, non-zero, bounded. ---
wait "$PID_unreach"
rc=$?
st_forget "$PID_unreach"
if [ $rc -ne 0 ] && [ $rc -ne 124 ] &&
    [ "$(wc -l <"$T/unreach.err")" -eq 1 ]; then
	st_ok "unreachable server: exit $rc: $(cat "$T/unreach.err")"
else
	st_fail "unreachable server: exit $rc: $(cat "$T/unreach.err")"
fi

for f in "$T"/*.err; do
	if san "$f"; then
		st_fail "sanitizer report in ${f##*/}"
		head -n 30 "$f" | sed 's/^/  | /'
	fi
done
if [ "$ST_FAILS" -ne 0 ]; then
	for f in "$T"/*.out "$T"/*.err; do
		echo "== ${f##*/}"
		tail -n 15 "$f"
	done
fi
st_done

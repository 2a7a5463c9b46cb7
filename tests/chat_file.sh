#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat file transfer over loopback against our stund's rendezvous:
# files of 0 bytes, 1 byte and 1 MiB arrive byte-identical in the
# receiver's --accept-dir; a second file of the same name lands beside
# the first, a dot file lands visible, neither over anything; a batch peer
# without --accept-dir refuses and no data is sent to it; 64 KiB go
# through the relay the rendezvous server hands out; and a 200 MiB
# transfer whose receiver is killed with SIGKILL resumes, after a restart,
# from the partial file rather than from 0, and arrives intact, while a
# line the sender types meanwhile is delivered within 5 s (loopback: it
# takes milliseconds; the bound allows for a loaded machine).  The
# names a hostile sender could offer are checked in tests/chat_file.c.
# Loopback only; as root also a namespace made here, whose loopback's
# MTU is below p2pchat's datagram: 1 MiB still arrives intact, the
# datagrams sent one by one once the kernel refused segmentation offload.

. "${top_srcdir:-.}/tests/stund-lib.sh"
. "${top_srcdir:-.}/tests/chat-lib.sh"

CHAT="$top_builddir/chat/p2pchat"
BIG_MB=${CHAT_FILE_BIG_MB:-200}

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout mkfifo cmp dd head
st_setup
T=$ST_TMP

# wait_for FILE EVENT FIXED TENTHS: until such an event shows.
wait_for()
{
	_i=0
	while [ "$_i" -lt "$4" ]; do
		ev "$1" "$2" | grep -qF -- "$3" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# field LINE KEY: a number or string field of a JSON line.
field()
{
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# peer NAME [ARGS]: a --batch peer reading the fifo $T/NAME.in.
peer()
{
	_n=$1
	shift
	[ -p "$T/$_n.in" ] || mkfifo "$T/$_n.in" || exit 99
	timeout 300 "$CHAT" --server "127.0.0.1:$P1" --name "$_n" --batch \
	    "$@" <"$T/$_n.in" >"$T/$_n.out" 2>"$T/$_n.err" 3>&- 4>&- 5>&- \
	    6>&- 7>&- &
	eval "PID_$_n=\$!"
	ST_PIDS="$ST_PIDS $!"
}

# send NAME FILE: a sender of FILE that ends once its transfers did.
send()
{
	timeout 120 "$CHAT" --server "127.0.0.1:$P1" --name "$1" --batch \
	    --linger 10 --send "$2" "$CODE" </dev/null >"$T/$1.out" \
	    2>"$T/$1.err" 3>&- 4>&- 5>&- 6>&-
}

# Every peer here comes from 127.0.0.1: the per-source register limit
# (10 at once, then one a second) would hold the later ones back.
if ! st_stund_start --primary "$ST_IP1" --port 0 --register-rate 6000 \
    --register-burst 100; then
	st_fail "stund did not start"
	st_done
fi
grep -q 'rendezvous on' "$ST_LOG" ||
    st_skip "this stund does not serve the rendezvous"

mkdir "$T/in" "$T/in2" || exit 99
mkfifo "$T/bob.in" "$T/carol.in" "$T/eve.in" "$T/dave.in" || exit 99
exec 3<>"$T/bob.in" 4<>"$T/carol.in" 5<>"$T/eve.in" 6<>"$T/dave.in"

# --- bob accepts into $T/in, carol refuses (batch, no --accept-dir). ---
peer bob --accept-dir "$T/in"
if ! wait_for "$T/bob.out" room '' 50; then
	st_fail "bob printed no room event"
	st_done
fi
CODE=$(field "$(ev "$T/bob.out" room)" code)
peer carol "$CODE"
wait_for "$T/carol.out" joined '"peer":"bob"' 100 ||
    st_fail "carol did not join bob"

: >"$T/zero"
printf x >"$T/one"
head -c 1048576 /dev/urandom >"$T/data.bin" || exit 99
cp "$T/data.bin" "$T/.profile" || exit 99

# sent WHO FILE LANDED: WHO sent FILE; bob has it as LANDED, carol refused.
sent()
{
	_who=$1 _f=$2 _as=$3
	_s=$(ev "$T/$_who.out" file | grep -F '"to":"bob"')
	_r=$(ev "$T/bob.out" file | grep -F "\"from\":\"$_who\"")
	if [ "$(field "$_s" result)" = done ] &&
	    [ "$(field "$_r" result)" = done ] &&
	    [ "$(field "$_r" path)" = "$T/in/$_as" ] &&
	    cmp -s "$_f" "$T/in/$_as"; then
		st_ok "$_who: ${_f##*/} ($(wc -c <"$_f") bytes) landed" \
		    "byte-identical as $_as"
	else
		st_fail "$_who: ${_f##*/}: sender '$_s', receiver '$_r'"
	fi
	_c=$(ev "$T/$_who.out" file | grep -F '"to":"carol"')
	if [ "$(field "$_c" result)" = refused ] &&
	    [ "$(field "$_c" bytes)" = 0 ] &&
	    ! ev "$T/$_who.out" transfer | grep -qF '"to":"carol"'; then
		st_ok "$_who: carol refused, nothing was sent to her"
	else
		st_fail "$_who: carol's answer: '$_c'"
	fi
}

send s0 "$T/zero"
sent s0 "$T/zero" zero
send s1 "$T/one"
sent s1 "$T/one" one
send s2 "$T/data.bin"
sent s2 "$T/data.bin" data.bin
send s3 "$T/data.bin"
sent s3 "$T/data.bin" "data (1).bin"
send s4 "$T/.profile"
sent s4 "$T/.profile" _profile
if ev "$T/carol.out" transfer | grep -q . ||
    ev "$T/carol.out" progress | grep -q .; then
	st_fail "carol, who refused, saw a transfer start"
else
	st_ok "carol saw offers only: $(ev "$T/carol.out" offer | wc -l)"
fi
if ls -A "$T/in" | grep -q '^\.'; then
	st_fail "partial files left in the accept directory: $(ls -A "$T/in")"
else
	st_ok "no partial file left after complete transfers"
fi

# --- Through the relay stund hands out with the rendezvous. ---
mkdir "$T/in3" || exit 99
head -c 65536 /dev/urandom >"$T/small" || exit 99
mkfifo "$T/frank.in" || exit 99
exec 7<>"$T/frank.in"
peer frank --force-relay --accept-dir "$T/in3"
if wait_for "$T/frank.out" room '' 50; then
	RCODE=$(field "$(ev "$T/frank.out" room)" code)
	timeout 120 "$CHAT" --server "127.0.0.1:$P1" --name grace --batch \
	    --force-relay --linger 30 --send "$T/small" "$RCODE" </dev/null \
	    >"$T/grace.out" 2>"$T/grace.err" 3>&- 4>&- 5>&- 6>&- 7>&-
	r=$(ev "$T/frank.out" file | head -n 1)
	if ev "$T/frank.out" path | grep -qF '"kind":"relay"' &&
	    [ "$(field "$r" result)" = done ] &&
	    cmp -s "$T/small" "$T/in3/small"; then
		st_ok "64 KiB through the relay, byte-identical"
	else
		st_fail "through the relay: path" \
		    "'$(ev "$T/frank.out" path)', file '$r'"
	fi
else
	st_fail "frank printed no room event"
fi
exec 7>&-

# --- Resume: dave is killed mid-way and started again. ---
dd if=/dev/urandom of="$T/big" bs=1048576 count="$BIG_MB" 2>/dev/null ||
    exit 99
peer eve --send "$T/big"
if ! wait_for "$T/eve.out" room '' 50; then
	st_fail "eve printed no room event"
	st_done
fi
CODE=$(field "$(ev "$T/eve.out" room)" code)
# Without timeout(1) in between: SIGKILL must reach p2pchat itself.
"$CHAT" --server "127.0.0.1:$P1" --name dave --batch --accept-dir "$T/in2" \
    "$CODE" <"$T/dave.in" >"$T/dave.out" 2>"$T/dave.err" 3>&- 4>&- 5>&- \
    6>&- &
PID_dave=$!
ST_PIDS="$ST_PIDS $PID_dave"
# Until some data came, but far from all of it.
i=0
part=""
while [ $i -lt 600 ]; do
	part=$(ls "$T/in2"/.p2pchat-*.part 2>/dev/null | head -n 1)
	[ -n "$part" ] && [ "$(wc -c <"$part")" -gt 4194304 ] && break
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$PID_dave" 2>/dev/null
wait "$PID_dave" 2>/dev/null
# The sender learns of it (left, or no progress) or not: either way the
# new dave is a new member, offered the file anew.
held=0
[ -n "$part" ] && held=$(wc -c <"$part")
if [ "$held" -gt 0 ] && [ "$held" -lt $((BIG_MB * 1048576)) ]; then
	st_ok "dave killed with $held of $((BIG_MB * 1048576)) bytes held"
else
	st_fail "dave held $held bytes when killed"
	st_done
fi
mv "$T/dave.out" "$T/dave1.out"
peer dave --accept-dir "$T/in2" "$CODE"
# Lines from eve while her file flows: they go before the file's data.
# One every 20 ms from the moment eve knows the new dave until the file
# is done, so that some are typed while data flows however fast it runs
# (a resumed 200 MiB takes well under a second on a fast loopback; at
# most 60 s).  Lines typed before would go to the killed dave alone.
i=0
while [ $i -lt 1500 ] && [ "$(ev "$T/eve.out" member | grep -cF \
    '"peer":"dave"')" -lt 2 ]; do
	sleep 0.02
	i=$((i + 1))
done
i=0
while [ $i -lt 3000 ] && [ "$(ev "$T/dave.out" file | grep -cF \
    '"from":"eve"')" -eq 0 ]; do
	echo "a line during the transfer $i" >&5
	sleep 0.02
	i=$((i + 1))
done
if wait_for "$T/dave.out" file '"from":"eve"' 1200; then
	tr=$(ev "$T/dave.out" transfer | head -n 1)
	off=$(field "$tr" offset)
	r=$(ev "$T/dave.out" file | head -n 1)
	if [ "${off:-0}" -ge "$held" ] && [ "$(field "$r" result)" = done ] &&
	    cmp -s "$T/big" "$T/in2/big"; then
		st_ok "the restarted dave resumed at $off (held $held) and" \
		    "$BIG_MB MiB arrived byte-identical"
	else
		st_fail "resume: transfer '$tr', file '$r'"
	fi
else
	st_fail "the restarted dave got no file: $(tail -n 3 "$T/dave.out")"
fi
if ev "$T/eve.out" file | grep -F '"result":"done"' | grep -qF \
    "\"offset\":$off"; then
	st_ok "eve saw the transfer done from $off"
else
	st_fail "eve: $(ev "$T/eve.out" file)"
fi

# The lines' delivery times, from eve's own events: every line typed
# before the file was done must be delivered within 5 s, and at least
# one was typed while data flowed (after eve's transfer event for the
# new dave, before her file event).
tf=$(field "$(ev "$T/eve.out" file | grep -F '"result":"done"' |
    head -n 1)" ms)
t0=$(field "$(ev "$T/eve.out" transfer | grep -F "\"offset\":$off" |
    head -n 1)" ms)
before=0
during=0
worst=0
late=
for l in $(ev "$T/eve.out" sent | sed -n 's/.*"line":\([0-9]*\).*/\1/p'); do
	ts=$(field "$(ev "$T/eve.out" sent | grep -F "\"line\":$l," |
	    head -n 1)" ms)
	[ -n "$tf" ] && [ "$ts" -lt "$tf" ] || continue
	before=$((before + 1))
	[ -n "$t0" ] && [ "$ts" -ge "$t0" ] && during=$((during + 1))
	td=$(field "$(ev "$T/eve.out" delivered | grep -F "\"line\":$l," |
	    head -n 1)" ms)
	if [ -z "$td" ] || [ $((td - ts)) -ge 5000 ]; then
		late="$late $l"
	elif [ $((td - ts)) -gt "$worst" ]; then
		worst=$((td - ts))
	fi
done
if [ "$during" -gt 0 ] && [ -z "$late" ]; then
	st_ok "eve's $before lines before the file was done ($during while" \
	    "it flowed) were delivered in at most $worst ms"
else
	st_fail "eve's lines: $before typed before the file was done" \
	    "(at ${tf:-?} ms), $during after it started (at ${t0:-?} ms)," \
	    "late or lost:${late:- none}"
fi

# --- A path below the datagram: segmentation offload refused. ---
# As root, in a namespace of its own whose loopback has an MTU of 1220:
# a 1200-byte datagram does not fit whole, the kernel refuses a UDP GSO
# run of them, and p2pchat must send them one by one (fragmented) instead.
NS=p2pfile$$
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 &&
    ip netns add "$NS" 2>/dev/null; then
	trap 'st_cleanup; ip netns del "$NS" 2>/dev/null' EXIT
	ip -n "$NS" link set lo mtu 1220 up
	N="ip netns exec $NS"
	mkdir "$T/in4" || exit 99
	$N timeout 60 "$STUND" --primary 127.0.0.1 --port 0 --foreground \
	    >"$T/ns-stund.log" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	i=0
	while ! grep -q 'rendezvous on' "$T/ns-stund.log" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	NP=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$T/ns-stund.log" |
	    head -n 1)
	mkfifo "$T/hal.in" || exit 99
	exec 7<>"$T/hal.in"
	$N timeout 60 "$CHAT" --server "127.0.0.1:$NP" --name hal --batch \
	    --accept-dir "$T/in4" <"$T/hal.in" >"$T/hal.out" \
	    2>"$T/hal.err" 3>&- 4>&- 5>&- 6>&- 7>&- &
	ST_PIDS="$ST_PIDS $!"
	if [ -n "$NP" ] && wait_for "$T/hal.out" room '' 50; then
		NCODE=$(field "$(ev "$T/hal.out" room)" code)
		$N timeout 60 "$CHAT" --server "127.0.0.1:$NP" --name ida \
		    --batch -v --linger 10 --send "$T/data.bin" "$NCODE" \
		    </dev/null >"$T/ida.out" 2>"$T/ida.err" 3>&- 4>&- 5>&- \
		    6>&- 7>&-
		r=$(ev "$T/hal.out" file | head -n 1)
		if [ "$(field "$r" result)" = done ] &&
		    cmp -s "$T/data.bin" "$T/in4/data.bin" &&
		    grep -q 'no segmentation offload' "$T/ida.err"; then
			st_ok "1 MiB over a 1220-byte MTU, one datagram at a time"
		else
			st_fail "MTU 1220: file '$r'," \
			    "$(grep -c 'segmentation' "$T/ida.err") fallbacks"
		fi
	else
		st_fail "no rendezvous in the namespace"
	fi
	exec 7>&-
else
	echo "note: not root or no ip(8): the MTU case did not run"
fi

for f in "$T"/*.err; do
	if grep -Eq 'Sanitizer|runtime error' "$f"; then
		st_fail "sanitizer report in ${f##*/}"
	fi
done
st_done

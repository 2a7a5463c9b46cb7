#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund serves the rendezvous extension, version 2, on UDP
# (doc/rendezvous.md): members of one room see each other with their real
# loopback address as the server-reflexive candidate, other rooms stay
# apart, leave and timeout events reach the others, pairs get Go.  Against
# attacks: a first step from a source that never echoes its cookie gets
# one answer no larger than it and nothing more, a version 1 Register a
# small error, a forged Leave moves nobody, a keepalive from a new port is
# challenged before the member moves, one source cannot take every room,
# a member paused past the timeout comes back with the same id, one that
# lost an indication fetches the list with Resync, and every answer's
# size next to its request is measured on the wire against the
# amplification table of stund(8).  Loopback only (127.0.0.1, 127.0.0.2).

. "${top_srcdir:-.}/tests/stund-lib.sh"

RDVPOKE="$top_builddir/tests/rdvpoke"
# Room keys (32 bytes); the room id is their hash.
key() { printf "$1%.0s" $(seq 32); }
ROOM_A=$(key a1)
ROOM_B=$(key b2)
ROOM_C=$(key c3)
ROOM_D=$(key d4)
ROOM_E=$(key e5)
ROOM_F=$(key f6)
TIMEOUT_S=3	# member-timeout given to stund

st_setup
st_need_bins
[ -x "$RDVPOKE" ] || st_skip "$RDVPOKE not built"
st_need ss
st_have_http || st_skip "neither curl nor wget installed"

MPORT=$(st_free_port) || st_skip "no free port for metrics"
if ! st_stund_two --workers 2 --metrics "127.0.0.1:$MPORT" --keepalive 1 \
    --member-timeout $TIMEOUT_S --room-max 5 --room-prefix-max 3 \
    --room-members 3 --register-rate 6000 --register-burst 100; then
	st_fail "stund did not start"
	st_done
fi
SRV="$ST_IP1:$P1"
N=0

# rp_bg NAME ARGS...: rdvpoke in the background, output in $ST_TMP/NAME;
# the server is $TO (default $SRV).
rp_bg()
{
	_n=$1
	shift
	st_bg "$ST_TMP/$_n" timeout 60 "$RDVPOKE" "$@" "${TO:-$SRV}"
	eval "PID_$_n=\$ST_LASTPID"
}

# rp_local NAME: the 127.0.0.1:port rdvpoke NAME bound.
rp_local()
{
	st_wait_log "$ST_TMP/$1" '^local ' 50 || return 1
	sed -n 's/^local //p' "$ST_TMP/$1" | head -n 1
}

# rp_expect DESC NAME REGEX [TENTHS]: NAME's output matches within time.
rp_expect()
{
	if st_wait_log "$ST_TMP/$2" "$3" "${4:-50}"; then
		st_ok "$1"
	else
		st_fail "$1: no line matching '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	fi
}

# rp_never DESC NAME REGEX: NAME's output does not match.
rp_never()
{
	if grep -Eq "$3" "$ST_TMP/$2"; then
		st_fail "$1: unexpected '$3' in $2:"
		sed 's/^/  | /' "$ST_TMP/$2"
	else
		st_ok "$1"
	fi
}

# rp_wait NAME [TENTHS]: wait for rdvpoke NAME to exit.
rp_wait()
{
	eval "_p=\$PID_$1"
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt "${2:-100}" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	st_stop "$_p"
}

metric()
{
	st_http_get "http://127.0.0.1:$MPORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# 1. Two members of room A, then a third; one of room B.
rp_bg alice -r $ROOM_A -n alice -H 10.9.9.1:4000 -t 40 -v
A=$(rp_local alice)
rp_expect "alice joined with mapped = her socket" alice \
    "^joined id=[0-9]+ mapped=$A( relay-user=.*)?\$"
rp_bg bob -r $ROOM_A -n bob -t 40 -v
B=$(rp_local bob)
rp_expect "bob joined" bob "^joined id=[0-9]+ mapped=$B( relay-user=.*)?\$"
rp_expect "bob sees alice, srflx = her real address" bob \
    "^members .*=alice,host=10\.9\.9\.1:4000,srflx=$A( |\$)"
rp_expect "alice hears bob join, srflx = his real address" alice \
    "^members event=join .*=bob,srflx=$B( |\$)"
rp_expect "alice gets go" alice '^go peer=[0-9]+ delay=' 60
rp_expect "bob gets go" bob '^go peer=[0-9]+ delay=' 60
rp_bg carol -r $ROOM_A -n carol -t 40 -v
C=$(rp_local carol)
rp_expect "carol sees alice and bob" carol \
    "^members .*n=2 .*srflx=($A|$B) .*srflx=($A|$B)"
rp_expect "alice hears carol join" alice \
    "^members event=join .*n=2 .*=carol,srflx=$C"
rp_expect "bob hears carol join" bob "^members event=join .*=carol,srflx=$C"
rp_bg dave -r $ROOM_B -n dave -t 40 -v
rp_expect "dave joined room B" dave '^joined '
rp_expect "dave alone in room B" dave '^members .*n=0'
sleep 0.5
rp_never "room A does not see dave" alice 'dave'
rp_never "room B does not see room A" dave 'alice|bob|carol'

# 2. Explicit leave: erin leaves room B, dave hears it.
rp_bg erin -r $ROOM_B -n erin -l 1 -t 5 -v
rp_expect "erin joined room B" erin '^joined '
rp_expect "erin left" erin '^done' 40
rp_expect "dave hears erin leave" dave '^members event=leave .*n=0'

# 3. Caps: three rooms per source address (A, B, C from 127.0.0.1), five
# in all, three members per room.
rp_bg frank -r $ROOM_C -n frank -t 40
rp_expect "frank opened a third room" frank '^joined '
# Members registered on the other three sockets are told from the one
# they used (the client ignores anything else, as a NAT would).
if [ "$ST_SELFTEST" = passed ] && [ -n "$P2" ]; then
	Q1=$(st_port_of "$ST_LOG" udp "$ST_IP2" 1)
	TO="$ST_IP1:$P2" rp_bg lee -r $ROOM_C -n lee -t 30
	rp_expect "lee joined via $ST_IP1:$P2" lee '^joined '
	TO="$ST_IP2:$Q1" rp_bg mia -r $ROOM_C -n mia -t 30
	rp_expect "mia joined via $ST_IP2:$Q1" mia \
	    '^joined .*mapped=127\.0\.0\.1:'
	rp_expect "lee hears mia join from $ST_IP1:$P2" lee \
	    '^members event=join .*=mia,'
	rp_expect "frank hears lee and mia" frank '^members .*n=2 .*=mia,'
	rp_expect "lee and mia get go" mia '^go peer=' 60
	rp_expect "lee gets go" lee '^go peer=' 60
	st_stop "$PID_lee"
	st_stop "$PID_mia"
	rp_expect "frank hears lee or mia time out" frank \
	    '^members event=timeout' $(( (TIMEOUT_S + 3) * 10 ))
else
	st_fail "rfc5780 self-test $ST_SELFTEST: the four sockets are not up"
fi
rp_bg gina -r $ROOM_D -n gina -t 3
rp_expect "a fourth room from one address is refused with 508" gina \
    '^failed .*code=508' 40
rp_bg olga -r $ROOM_D -n olga -b 127.0.0.2 -t 40
rp_expect "another address still opens a room" olga '^joined '
rp_bg pia -r $ROOM_E -n pia -b 127.0.0.2 -t 40
rp_expect "and a fifth" pia '^joined '
rp_bg quinn -r $ROOM_F -n quinn -b 127.0.0.2 -t 3
rp_expect "a sixth room (table full) is refused with 508" quinn \
    '^failed .*code=508' 40
rp_bg hank -r $ROOM_A -n hank -t 3
rp_expect "a fourth member of A is refused with 508" hank \
    '^failed .*code=508' 40
v=$(metric stund_rdv_refused_prefix_total)
[ "${v:-0}" -ge 1 ] && st_ok "refused_prefix $v" ||
    st_fail "refused_prefix is '$v'"

# 4. A source that never echoes its cookie (a spoofed one) gets one
# answer no larger than its request, and nothing more; a version 1
# Register a small error.
before=$(metric stund_rdv_members)
rp_bg ivan -r $ROOM_B -n ivan -s -t 2
rp_wait ivan 40
rp_expect "first step answered" ivan '^hello answered code=0 '
l=$(sed -n 's/^hello answered code=0 len=\([0-9]*\) sent=\([0-9]*\)$/\1 \2/p' \
    "$ST_TMP/ivan")
set -- $l
if [ -n "$2" ] && [ "$1" -le "$2" ]; then
	st_ok "cookie answer $1 bytes for a $2-byte request"
else
	st_fail "cookie answer: '$l'"
fi
rp_expect "nothing more to that source" ivan '^after-hello no-answer'
after=$(metric stund_rdv_members)
[ -n "$before" ] && [ "$before" = "$after" ] &&
    st_ok "no member for it ($after)" ||
    st_fail "members $before -> $after"
rp_bg jane -r $ROOM_B -n jane -w -t 1
rp_wait jane 30
l=$(sed -n 's/^v1 answered code=400 len=\([0-9]*\) sent=\([0-9]*\)$/\1 \2/p' \
    "$ST_TMP/jane")
set -- $l
if [ -n "$2" ] && [ "$1" -le "$2" ]; then
	st_ok "version 1 Register: 400 in $1 bytes for $2"
else
	st_fail "version 1 Register: $(cat "$ST_TMP/jane")"
fi
rp_never "dave not told of ivan or jane" dave 'ivan|jane'

# 5. A Leave sealed under a made-up key moves nobody.
leaves0=$(metric stund_rdv_leaves_total)
rp_bg kira -r $ROOM_B -n kira -L -t 6
rp_expect "kira joined" kira '^joined '
rp_expect "forged leave sent" kira '^forged-leave sent'
sleep 1
leaves1=$(metric stund_rdv_leaves_total)
[ "$leaves0" = "$leaves1" ] && st_ok "forged leave: leaves $leaves1" ||
    st_fail "forged leave: leaves $leaves0 -> $leaves1"
rp_never "kira did not leave" kira '^done'
[ "$(grep -c 'event=leave' "$ST_TMP/dave")" = 1 ] &&
    st_ok "dave heard only erin leave" ||
    st_fail "dave heard a leave from the forgery"
rp_wait kira 80

# 6. A keepalive from a new port is challenged, then the member moves.
ch0=$(metric stund_rdv_challenges_total)
rp_bg lou -r $ROOM_B -n lou -M 2.5 -t 5
rp_expect "lou joined" lou '^joined '
rp_expect "lou's NAT gave a new port" lou '^rebound local ' 40
NEW=$(sed -n 's/^rebound local //p' "$ST_TMP/lou" | head -n 1)
rp_expect "lou is seen at the new port" lou "^mapped $NEW\$" 40
rp_expect "dave hears lou move" dave "^members event=move .*=lou,srflx=$NEW" 40
ch1=$(metric stund_rdv_challenges_total)
[ "${ch1:-0}" -gt "${ch0:-0}" ] && st_ok "challenges $ch0 -> $ch1" ||
    st_fail "no challenge before the move ($ch0 -> $ch1)"
rp_wait lou 80

# 7. A member paused past the timeout comes back with the same id.
rp_bg kim -r $ROOM_B -n kim -p 1:$((TIMEOUT_S + 3)) -t $((TIMEOUT_S + 10))
rp_expect "kim joined room B" kim '^joined '
KID=$(sed -n 's/^joined id=\([0-9]*\) .*/\1/p' "$ST_TMP/kim")
rp_expect "dave hears kim join" dave "^members event=join who=$KID "
rp_expect "dave hears kim time out" dave "^members event=timeout who=$KID " \
    $(( (TIMEOUT_S + 3) * 10 ))
rp_expect "kim registered again, same id" kim "^reregistered id=$KID\$" \
    $(( (TIMEOUT_S + 6) * 10 ))
rp_expect "dave hears kim join again, same id" dave \
    "^members event=join who=$KID .*=kim" 40
[ "$(grep -c '^joined ' "$ST_TMP/kim")" = 1 ] &&
    st_ok "kim kept its id: JOINED once" || st_fail "kim joined twice"

# 8. A silent member times out; the others hear it within the timeout.
rp_bg nina -r $ROOM_B -n nina -k -t 20
rp_expect "nina joined room B (silent)" nina '^joined '
t0=$(date +%s)
rp_expect "dave hears nina join" dave '^members event=join .*=nina'
rp_expect "dave hears nina time out" dave '^members event=timeout .*n=[0-9]+$' \
    $(( (TIMEOUT_S + 3) * 10 ))
t1=$(date +%s)
if [ $((t1 - t0)) -le $((TIMEOUT_S + 2)) ]; then
	st_ok "timeout after $((t1 - t0)) s (member-timeout $TIMEOUT_S s)"
else
	st_fail "timeout took $((t1 - t0)) s (member-timeout $TIMEOUT_S s)"
fi
rp_never "alice did not time out" bob 'event=timeout'

# 9. A member that lost a Members indication sees the epoch move in its
# next keepalive answer and fetches the list with Resync (room D, where
# olga is).
rs0=$(metric stund_rdv_resyncs_total)
rp_bg omar -r $ROOM_D -n omar -b 127.0.0.2 -D -t 8 -v
rp_expect "omar joined room D" omar '^joined '
rp_expect "omar sees olga" omar '^members .*=olga,'
rp_bg pat -r $ROOM_D -n pat -b 127.0.0.2 -t 8
rp_expect "pat joined room D" pat '^joined '
rp_expect "omar lost the indication of pat's join" omar '^lost members '
rp_expect "omar's Resync is answered" omar \
    '^amp RDV-Resync success in=[0-9]+ out=[0-9]+$' 40
rp_expect "omar has pat from the list" omar \
    '^members event=none .*n=2 .*=pat,srflx=127\.0\.0\.2:' 40
rs1=$(metric stund_rdv_resyncs_total)
[ "${rs1:-0}" -gt "${rs0:-0}" ] && st_ok "resyncs $rs0 -> $rs1" ||
    st_fail "no Resync answered ($rs0 -> $rs1)"
st_stop "$PID_pat"

# 10. An attacker member alternating new ports and Registers: what the
# other members of its room receive, against what the attacker sends
# (room E, where pia is too).
rp_bg victor -r $ROOM_E -n victor -b 127.0.0.2 -t 9 -v
rp_expect "victor joined" victor '^joined '
rp_bg mallory -r $ROOM_E -n mallory -b 127.0.0.2 -H 10.1.1.1:1 -M 0.2 \
    -t 7 -v
rp_wait mallory 90
rp_wait victor 40
vin=$(sed -n 's/^end .*rx_bytes=\([0-9]*\) .*/\1/p' "$ST_TMP/victor")
vout=$(sed -n 's/^end .*tx_bytes=\([0-9]*\) .*/\1/p' "$ST_TMP/victor")
mout=$(sed -n 's/^end .*tx_bytes=\([0-9]*\) .*/\1/p' "$ST_TMP/mallory")
moves=$(grep -c '^rebound' "$ST_TMP/mallory")
# Victor's own keepalives draw their answers; the rest came of mallory.
ind=$(awk '$1 == "amp" && $3 == "indication" { split($4, a, "=");
    s += a[2] } END { print s + 0 }' "$ST_TMP/victor")
if [ -n "$mout" ] && [ "$mout" -gt 0 ] &&
    awk -v i="$ind" -v o="$mout" 'BEGIN { exit !(i <= 4.6 * o) }'; then
	st_ok "attacker: $moves new ports, $mout bytes sent; victim got" \
	    "$ind bytes of indications ($(awk -v i="$ind" -v o="$mout" \
	    'BEGIN { printf "%.2f", i / o }')x), $vin in all for $vout"
else
	st_fail "attacker $mout bytes, victim indications $ind"
fi

# 11. Every answer on the wire against its request: at most 1.0x to an
# unverified source (cookie, errors), within stund(8)'s 4.6x otherwise.
cat "$ST_TMP"/alice "$ST_TMP"/bob "$ST_TMP"/carol "$ST_TMP"/dave \
    "$ST_TMP"/erin "$ST_TMP"/victor "$ST_TMP"/mallory "$ST_TMP"/omar \
    2>/dev/null |
    awk '$1 == "amp" && $4 ~ /^in=/ {
	split($4, a, "="); split($5, b, "=");
	if (a[2] == 0) next;
	k = $2 " " $3; r = b[2] / a[2];
	if (!(k in max) || r > max[k]) {
		max[k] = r; in_[k] = a[2]; out[k] = b[2]
	}
    } END { for (k in max) printf "%s %d %d %.2f\n", k, in_[k], out[k], max[k] }' |
    sort >"$ST_TMP/amp"
if [ ! -s "$ST_TMP/amp" ]; then
	st_fail "no amp lines"
fi
while read -r meth cls in out r; do
	lim=4.6
	case "$meth $cls" in
	*-cookie*|*error*) lim=1.0 ;;
	esac
	if awk -v r="$r" -v l="$lim" 'BEGIN { exit !(r <= l) }'; then
		st_ok "amplification $meth $cls: $in -> $out bytes," \
		    "${r}x <= $lim"
	else
		st_fail "amplification $meth $cls: $in -> $out bytes," \
		    "${r}x > $lim"
	fi
done <"$ST_TMP/amp"

# 12. Metrics.
body=$(st_http_get "http://127.0.0.1:$MPORT/metrics")
for m in stund_rdv_enabled stund_rdv_rooms stund_rdv_members \
    stund_rdv_joins_total stund_rdv_leaves_total stund_rdv_timeouts_total \
    stund_rdv_refused_rooms_total stund_rdv_refused_room_full_total \
    stund_rdv_members_sent_total stund_rdv_cookies_total \
    stund_rdv_challenges_total stund_rdv_moves_total \
    stund_rdv_unknown_member_total stund_rdv_v1_refused_total \
    stund_rdv_go_sent_total stund_rdv_send_errors_total; do
	v=$(echo "$body" | awk -v n="$m" '$1 == n { print $2 }')
	case "$m=$v" in
	stund_rdv_send_errors_total=0 | *_enabled=1) ;;
	*_total=0 | *=) st_fail "metric $m is '$v'"; continue ;;
	esac
	st_ok "metric $m = $v"
done

# 13. Over TCP the rendezvous is served as over UDP
# (tests/stund_rdvstream.sh): an empty RDV-Register header is smaller
# than any error, so it gets no answer there either; Binding is still
# answered over UDP.
st_hex "$ST_TMP/reg.hex" "02a00000 2112a442 010203040506070809101112"
l=$(st_poke --tcp --timeout 2000 --raw "$ST_TMP/reg.hex" "$ST_IP1:$TP1")
case "$l" in
timeout*) st_ok "rdv register over tcp: no answer larger than it" ;;
*) st_fail "rdv register over tcp: answered [$l]" ;;
esac
st_alive "binding" "$SRV"
for n in alice bob carol dave frank olga pia kim nina omar; do
	eval "st_stop \$PID_$n"
done
for n in alice bob carol dave erin frank lee mia gina hank ivan jane kira \
    lou kim nina olga pia quinn victor mallory omar pat; do
	[ -f "$ST_TMP/$n" ] && st_san_report "$ST_TMP/$n" &&
	    st_fail "sanitizer report from rdvpoke $n"
done
st_stund_term
rc=$?
[ $rc -eq 0 ] && st_ok "stund exits 0 on SIGTERM" ||
    st_fail "stund exit status $rc"
st_done

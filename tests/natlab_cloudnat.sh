#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund behind a 1:1 NAT, as on a cloud VM: its namespace ("cloud") holds
# only the private addresses 10.9.0.10 and 10.9.0.11, and a gateway
# namespace maps them one to one to 198.51.100.20 and 198.51.100.21 on
# the lab's public side.  With external-ip and alt-external-ip, natprobe
# behind a port-restricted cone NAT sees the public OTHER-ADDRESS and
# classifies the NAT as the lab says; turnpoke allocates through the
# public address, is told the public relayed address, and relays data to
# a peer on the public side.  Without external-ip the self-test reports
# the mismatch.  Built from tests/natlab-lib.sh; nothing leaves the lab.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
. "$top_srcdir/tests/natlab-lib.sh"

STUND="$top_builddir/stund/stund"
NATPROBE="$top_builddir/natprobe/natprobe"
TPOKE="$top_builddir/tests/turnpoke"
PRIV1=10.9.0.10
PRIV2=10.9.0.11
PUB1=198.51.100.20
PUB2=198.51.100.21
P=3478
PEERPORT=4000
COUNT=10
PASSWORD=cloud-pass-77
CLOUD=$LAB_TAG-cloud
CGW=$LAB_TAG-cgw
fails=0

for b in "$STUND" "$NATPROBE" "$TPOKE"; do
	[ -x "$b" ] || lab_skip "natlab_cloudnat: $b not built"
done
command -v jq >/dev/null 2>&1 || lab_skip "natlab_cloudnat: jq not installed"
command -v turnutils_peer >/dev/null 2>&1 ||
    lab_skip "natlab_cloudnat: turnutils_peer not installed (coturn)"
lab_require

ok()
{
	echo "ok: $*"
}

bad()
{
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# The cloud namespaces go with the lab's (lab_cleanup runs on exit).
CLOUD_PID=
cloud_down()
{
	[ -n "$CLOUD_PID" ] && lab_kill "$CLOUD_PID"
	ip netns del "$CLOUD" 2>/dev/null
	ip netns del "$CGW" 2>/dev/null
}
# lab_cleanup exits with the status it finds: keep the test's.
trap '_crc=$?; cloud_down; (exit $_crc); lab_cleanup' EXIT

lab_up port-restricted-cone

# The gateway: 1:1 NAT between the private and the public addresses.
lab_mkns "$CGW" 1
lab_mkns "$CLOUD" 0
ip -n "$LAB_PUB" link add cgw0 type veth peer name up0 netns "$CGW" ||
    lab_fail "natlab_cloudnat: veth to the gateway"
ip -n "$LAB_PUB" link set cgw0 master br0
ip -n "$LAB_PUB" link set cgw0 up
ip -n "$CGW" link set up0 up
ip -n "$CGW" addr add "$PUB1/24" dev up0
ip -n "$CGW" addr add "$PUB2/24" dev up0
ip -n "$CGW" route add 203.0.113.0/24 via "$LAB_SRV1"
ip -n "$CGW" link add lan0 type veth peer name eth0 netns "$CLOUD" ||
    lab_fail "natlab_cloudnat: veth to the cloud host"
ip -n "$CGW" link set lan0 up
ip -n "$CGW" addr add 10.9.0.1/24 dev lan0
ip -n "$CLOUD" link set eth0 up
ip -n "$CLOUD" addr add "$PRIV1/24" dev eth0
ip -n "$CLOUD" addr add "$PRIV2/24" dev eth0
ip -n "$CLOUD" route add 198.51.100.0/24 via 10.9.0.1
ip -n "$CLOUD" route add 203.0.113.0/24 via 10.9.0.1
# The public addresses belong to the gateway only as NAT targets: it
# must not answer them itself, so they are translated before routing.
lab_nft "$CGW" <<EOF
table ip cloudnat {
	chain pre {
		type nat hook prerouting priority -100;
		ip daddr $PUB1 dnat to $PRIV1
		ip daddr $PUB2 dnat to $PRIV2
	}
	chain post {
		type nat hook postrouting priority 100;
		ip saddr $PRIV1 snat to $PUB1
		ip saddr $PRIV2 snat to $PUB2
	}
}
EOF
for n in "$CLOUD" "$CGW"; do
	[ -z "$(ip -n "$n" route show default)" ] ||
	    lab_fail "natlab_cloudnat: $n has a default route"
done

printf 'carol:%s\n' "$PASSWORD" >"$LAB_TMP/users"

# cloud_stund NAME ARGS...: our stund in the cloud namespace on both
# private addresses; its log is $LAB_TMP/NAME.log.
cloud_stund()
{
	_name=$1
	shift
	ip netns exec "$CLOUD" timeout -k 2 300 "$STUND" --foreground \
	    --primary "$PRIV1" --alternate "$PRIV2" --port $P \
	    --alt-port $((P + 1)) --user-file "$LAB_TMP/users" \
	    --realm cloud.test --relay-ports 50000-50100 \
	    --allow-peer 198.51.100.0/24 "$@" >"$LAB_TMP/$_name.log" 2>&1 &
	CLOUD_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q 'self-test' "$LAB_TMP/$_name.log" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

cloud_stop()
{
	lab_kill "$CLOUD_PID"
	CLOUD_PID=
}

# ------------------------------------------------------------- with it
cloud_stund adv --external-ip "$PUB1/$PRIV1" --alt-external-ip "$PUB2" ||
    lab_fail "natlab_cloudnat: stund did not start:" \
    "$(tail -5 "$LAB_TMP/adv.log")"
sed 's/^/  stund| /' "$LAB_TMP/adv.log"
grep -q 'self-test passed' "$LAB_TMP/adv.log" &&
    ok "self-test passed with the advertised pair" ||
    bad "self-test did not pass with external-ip"
grep -q "advertising $PUB1:$P for $PRIV1:$P" "$LAB_TMP/adv.log" &&
    ok "stund says what it advertises" ||
    bad "no 'advertising $PUB1' line"
grep -q 'advertised-address check failed' "$LAB_TMP/adv.log" &&
    bad "a mismatch was reported although external-ip is given"

lab_run cli 60 "$NATPROBE" --json --source "$LAB_CLIENT" "$PUB1:$P" \
    >"$LAB_TMP/np.json" 2>"$LAB_TMP/np.err"
set -- $(lab_expect port-restricted-cone)
want_t=$1 want_m=$2 want_f=$3
got=$(jq -r '[.other_address, .nat_type, .mapping, .filtering] |
    map(tostring) | join(" ")' "$LAB_TMP/np.json" 2>/dev/null)
echo "  natprobe: $got"
set -- $got
case $1 in
"$PUB2:$((P + 1))"|"$PUB2:$P") ok "natprobe sees OTHER-ADDRESS $1" ;;
*) bad "natprobe sees OTHER-ADDRESS '$1', want $PUB2"
   sed 's/^/  np| /' "$LAB_TMP/np.err" | head -10 ;;
esac
[ "$2" = "$want_t" ] && [ "$3" = "$want_m" ] && [ "$4" = "$want_f" ] &&
    ok "natprobe classifies $2 ($3, $4)" ||
    bad "natprobe says $2 $3 $4, want $want_t $want_m $want_f"

lab_bg pub peer turnutils_peer -L "$LAB_SRV1" -p $PEERPORT
lab_wait_udp pub $PEERPORT "$LAB_SRV1" ||
    bad "turnutils_peer did not start"
lab_run cli 60 "$TPOKE" -b "$LAB_CLIENT" -s "$PUB1:$P" -u carol -w "$PASSWORD" \
    -p "$LAB_SRV1:$PEERPORT" -n $COUNT -t 30000 >"$LAB_TMP/turn.out" 2>&1
rc=$?
sed 's/^/  turnpoke| /' "$LAB_TMP/turn.out"
relayed=$(sed -n 's/^allocated relayed=\([^ ]*\).*/\1/p' "$LAB_TMP/turn.out")
case $relayed in
"$PUB1":*) ok "XOR-RELAYED-ADDRESS is public: $relayed" ;;
*) bad "relayed address '$relayed', want $PUB1:port" ;;
esac
[ $rc -eq 0 ] &&
    grep -q "^echoes phase=channel count=$COUNT/$COUNT\$" "$LAB_TMP/turn.out" &&
    ok "TURN through the 1:1 NAT relayed every datagram both ways" ||
    bad "turnpoke exited $rc"
grep -q "event=alloc-create user=carol .*relayed=$PUB1:" "$LAB_TMP/adv.log" &&
    ok "the session log names the public relayed address" ||
    bad "no alloc-create line with relayed=$PUB1"
cloud_stop

# ---------------------------------------------------------- without it
cloud_stund noadv ||
    lab_fail "natlab_cloudnat: stund did not start:" \
    "$(tail -5 "$LAB_TMP/noadv.log")"
sed 's/^/  stund| /' "$LAB_TMP/noadv.log"
MISMATCH="advertised-address check failed: primary $PRIV1 is a private"
if grep -q "$MISMATCH address.*external-ip" "$LAB_TMP/noadv.log"; then
	ok "without external-ip the self-test reports the private address"
else
	bad "no mismatch report without external-ip"
fi
lab_run cli 60 "$NATPROBE" --json --source "$LAB_CLIENT" "$PUB1:$P" \
    >"$LAB_TMP/np2.json" 2>"$LAB_TMP/np2.err"
o=$(jq -r '.other_address | tostring' "$LAB_TMP/np2.json" 2>/dev/null)
case $o in
"$PRIV2":*) ok "without it, clients are told the private $o (as reported)" ;;
*) echo "note: without external-ip natprobe saw other_address '$o'" ;;
esac
cloud_stop

if grep -qF "$PASSWORD" "$LAB_TMP/adv.log" "$LAB_TMP/noadv.log"; then
	bad "the password is in the log"
fi
if [ $fails -ne 0 ]; then
	echo "natlab_cloudnat: $fails failure(s)"
	exit 1
fi
echo "natlab_cloudnat: all passed"
exit 0

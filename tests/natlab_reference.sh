#!/bin/sh
# natlab_reference.sh: prove the NAT lab with classifiers we did not write.
# For every lab type, coturn's turnutils_natdiscovery (RFC 5780, against
# coturn's turnserver) and Vovida's stun client (RFC 3489, against Vovida's
# server) must both give the verdict the lab was built to produce, so that
# natlab_natprobe.sh can trust the lab when it judges natprobe.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/natlab-lib.sh"

for c in turnserver turnutils_natdiscovery turnutils_stunclient stun; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_reference: '$c' not found (apt-get install coturn stun-client)"
done
[ -x "$LAB_VOVIDA" ] ||
    lab_skip "natlab_reference: $LAB_VOVIDA not found (apt-get install stun-server)"
lab_require

TYPES=${NATLAB_TYPES:-$LAB_TYPES}
fails=0
table=

# One coturn and one Vovida server serve every lab type.
lab_pub_up
lab_start_coturn 3478
lab_start_vovida 3480

for t in $TYPES; do
	lab_up "$t"
	set -- $(lab_expect "$t")
	e_type=$1 e_map=$2 e_flt=$3 e_hp=$4
	e_pp=$(lab_expect_ports "$t")

	t0=$(lab_ms)
	set -- $(lab_natdiscovery "$LAB_SRV1" 3478)
	t1=$(lab_ms)
	n_type=$1 n_map=$2 n_flt=$3 n_hp=$4
	ok=ok
	lab_match "$e_type" "$n_type" || ok=FAIL
	lab_match "$e_map" "$n_map" || ok=FAIL
	lab_match "$e_flt" "$n_flt" || ok=FAIL
	lab_match "$e_hp" "$n_hp" || ok=FAIL
	if [ $ok != ok ]; then
		fails=$((fails + 1))
		echo "FAIL: $t: natdiscovery said '$n_type $n_map $n_flt" \
		    "hairpin=$n_hp', expected '$e_type $e_map $e_flt" \
		    "hairpin=$e_hp'"
		sed 's/^/  natdiscovery| /' "$LAB_TMP/natdiscovery.out"
	fi
	nd="$ok $n_type/$(lab_short "$n_map")/$(lab_short "$n_flt")"
	nd="$nd/hp=$n_hp $((t1 - t0))ms"

	t0=$(lab_ms)
	set -- $(lab_vovida "$LAB_SRV1" 3480)
	t1=$(lab_ms)
	v_type=$1 v_hp=$2 v_pp=$3
	ok=ok
	lab_match "$e_type" "$v_type" || ok=FAIL
	lab_match "$e_hp" "$v_hp" || ok=FAIL
	lab_match "$e_pp" "$v_pp" || ok=FAIL
	if [ $ok != ok ]; then
		fails=$((fails + 1))
		echo "FAIL: $t: Vovida's stun said '$v_type hairpin=$v_hp" \
		    "ports=$v_pp', expected '$e_type hairpin=$e_hp ports=$e_pp'"
		sed 's/^/  stun| /' "$LAB_TMP/vovida.out"
	fi
	vv="$ok $v_type/hp=$v_hp/$v_pp $((t1 - t0))ms"

	echo "natlab_reference: $t: natdiscovery: $nd; stun: $vv"
	table="$table$(printf '%-21s %-48s %s' "$t" "$nd" "$vv")
"
done

# Two sites at once (what p2pchat's tests need): each client sees its own
# NAT; a STUN server on site b's client is reachable from site a through
# b's full cone and sees a's mapped address; the way back, into a's
# symmetric NAT, is shut.
if [ -z "$NATLAB_TYPES" ] || [ -n "$NATLAB_PAIR" ]; then
	lab_up symmetric full-cone
	ok=ok
	a=$(lab_natdiscovery "$LAB_SRV1" 3478)
	[ "$a" = "symmetric address-and-port-dependent address-and-port-dependent false" ] ||
	    ok=FAIL
	b=$(lab_natdiscovery "$LAB_SRV1" 3478 clib "$LAB_CLIENT_B")
	[ "$b" = "full-cone endpoint-independent endpoint-independent false" ] ||
	    ok=FAIL
	: >"$LAB_TMP/peer.conf"
	for s in clib cli; do
		_a=$LAB_CLIENT
		[ "$s" = clib ] && _a=$LAB_CLIENT_B
		lab_bg "$s" "peer-$s" turnserver -c "$LAB_TMP/peer.conf" \
		    -L "$_a" -p 3478 --stun-only -z --no-tcp --no-tls \
		    --no-dtls --no-cli --simple-log \
		    --log-file "$LAB_TMP/peer-$s-file.log"
		lab_wait_udp "$s" 3478 "$_a" ||
		    lab_fail "natlab_reference: peer server in $s did not start"
	done
	lab_run cli 10 turnutils_stunclient -p 3478 -L "$LAB_CLIENT" \
	    "$LAB_WAN_B" >"$LAB_TMP/ab.out" 2>&1
	grep -q "reflexive addr: $LAB_WAN:" "$LAB_TMP/ab.out" || ok=FAIL
	ab=$(grep -c "reflexive addr: $LAB_WAN:" "$LAB_TMP/ab.out")
	lab_run clib 5 turnutils_stunclient -p 3478 -L "$LAB_CLIENT_B" \
	    "$LAB_WAN" >"$LAB_TMP/ba.out" 2>&1
	ba=$(grep -c "reflexive addr" "$LAB_TMP/ba.out")
	[ "$ba" = 0 ] || ok=FAIL
	echo "natlab_reference: two sites: $ok: a: $a; b: $b;" \
	    "a->b answers: $ab; b->a answers: $ba"
	if [ $ok != ok ]; then
		fails=$((fails + 1))
		echo "FAIL: two sites (symmetric + full-cone) misbehave"
		sed 's/^/  a->b| /' "$LAB_TMP/ab.out"
		sed 's/^/  b->a| /' "$LAB_TMP/ba.out"
	fi
fi
lab_down

echo
printf '%-21s %-48s %s\n' "lab type" "coturn natdiscovery -m -f -H" \
    "Vovida stun (RFC 3489)"
printf '%s' "$table"
echo
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_reference: $fails verdict(s) differ from the lab's design"
	exit 1
fi
echo "PASS: natlab_reference: both reference classifiers agree with every lab type"
exit 0

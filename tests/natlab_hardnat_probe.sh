#!/bin/sh
# natlab_hardnat_probe.sh: natprobe behind the lab's predictable symmetric
# NATs.  A sequential NAT (one new outside port per new flow, from a
# counter) must read as address-and-port-dependent mapping with pattern
# "sequential" and its delta; a port-preserving symmetric NAT (a socket's
# first flow keeps its port, later ones get random ports) as
# address-and-port-dependent mapping with pattern "preserving"; the plain
# symmetric type stays "random".  The ports the port-pattern tests saw are
# checked against the rule too, so the lab itself is proven, not only
# natprobe's reading of it.  p2pchat, which runs the same test at start
# for the rendezvous, must report the same essentials in its "nat" event.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

NATPROBE=${NATPROBE:-$top_builddir/natprobe/natprobe}
P2PCHAT=${P2PCHAT:-$top_builddir/chat/p2pchat}
STUND=${STUND:-$top_builddir/stund/stund}
RUNS=${NATLAB_RUNS:-3}

[ -x "$NATPROBE" ] ||
    lab_skip "natlab_hardnat_probe: natprobe not built ($NATPROBE)"
[ -x "$STUND" ] || lab_skip "natlab_hardnat_probe: stund not built ($STUND)"
[ -x "$P2PCHAT" ] ||
    lab_skip "natlab_hardnat_probe: p2pchat not built ($P2PCHAT)"
command -v jq >/dev/null 2>&1 ||
    lab_skip "natlab_hardnat_probe: jq not found (apt-get install jq)"
lab_require

P=3478
fails=0

lab_pub_up
lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
    --alternate "$LAB_SRV2" --port $P --alt-port $((P + 1))
lab_wait_udp pub $P "$LAB_SRV1" "$LAB_SRV2" &&
    lab_wait_udp pub $((P + 1)) "$LAB_SRV1" "$LAB_SRV2" ||
    lab_fail "natlab_hardnat_probe: stund did not start: $(tail -3 "$LAB_TMP/stund.log")"

# Print "nat_type mapping pattern delta preserve local p1 p2 p3 p4": local
# is the port-pattern socket's port, p1..p4 the mapped ports its four tests
# saw ("-" when absent).
NP_JQ='
def s: if . == null then "-" else tostring end;
def port: if . == null then "-" else tostring | sub(".*:"; "") end;
def pt($k): [ .tests[] | select(.name == "port-pattern-\($k)") ] | .[0];
[ (.nat_type | s), (.mapping | s), (.port_pattern | s), (.port_delta | s),
  (.port_preservation | s), (pt(1).local | port) ] +
[ range(1; 5) as $k | pt($k).mapped | port ] | join(" ")'

# Is every argument a decimal number?
numbers()
{
	for _n in "$@"; do
		case $_n in
		''|*[!0-9]*) return 1 ;;
		esac
	done
	return 0
}

# p2pchat learns the same essentials at start, with the same machine, and
# says so in its "nat" event: chat_nat TYPE.  It creates a room, keeps
# stdin open for 4 s and leaves.
chat_nat()
{
	_ep=$(lab_expect_ports "$1") _ed=$(lab_expect_delta "$1")
	set -- $(lab_expect "$1")
	_em=$2 _ef=$3
	sleep 4 | lab_run cli 20 "$P2PCHAT" --server "$LAB_SRV1:$P" \
	    --name alice --batch >"$LAB_TMP/chat.out" 2>"$LAB_TMP/chat.err"
	_line=$(jq -Rr 'fromjson? | objects | select(.event == "nat") |
	    "\(.mapping) \(.filtering) \(.port_pattern) \(.port_delta)
	    \(.test_ms)"' "$LAB_TMP/chat.out" 2>/dev/null | tr '\n' ' ')
	set -- $_line
	_why=
	[ "$1" = "$_em" ] || _why="$_why mapping=$1 (want $_em)"
	[ "$2" = "$_ef" ] || _why="$_why filtering=$2 (want $_ef)"
	[ "$3" = "$_ep" ] || _why="$_why port_pattern=$3 (want $_ep)"
	[ -z "$_ed" ] || [ "$4" = "$_ed" ] ||
	    _why="$_why port_delta=$4 (want $_ed)"
	if [ -n "$_why" ]; then
		echo "FAIL: $t: p2pchat's nat event:$_why"
		sed 's/^/  out| /' "$LAB_TMP/chat.out" | head -20
		sed 's/^/  err| /' "$LAB_TMP/chat.err" | head -10
		fails=$((fails + 1))
	else
		echo "ok: $t: p2pchat learnt $(lab_short "$1")/$(lab_short "$2")" \
		    "ports $3 delta $4 in $5 ms"
	fi
}

for t in port-restricted-cone symmetric $LAB_HARD_TYPES; do
	lab_up "$t"
	set -- $(lab_expect "$t")
	e_type=$1 e_map=$2
	e_pat=$(lab_expect_ports "$t")
	e_delta=$(lab_expect_delta "$t")
	i=1 ok=0
	while [ $i -le "$RUNS" ]; do
		lab_run cli 60 "$NATPROBE" --json --source "$LAB_CLIENT" \
		    "$LAB_SRV1" >"$LAB_TMP/np.json" 2>"$LAB_TMP/np.err"
		rc=$?
		line=$(jq -r "$NP_JQ" "$LAB_TMP/np.json" 2>/dev/null)
		set -- $line
		why=
		[ $rc -eq 0 ] || why="$why exit=$rc"
		[ "$1" = "$e_type" ] || why="$why nat_type=$1 (want $e_type)"
		[ "$2" = "$e_map" ] || why="$why mapping=$2 (want $e_map)"
		[ "$3" = "$e_pat" ] ||
		    why="$why port_pattern=$3 (want $e_pat)"
		if [ -n "$e_delta" ] && [ "$4" != "$e_delta" ]; then
			why="$why port_delta=$4 (want $e_delta)"
		fi
		# What the rule does, seen in the raw observations.
		numbers "$6" "$7" "$8" "$9" "${10}" ||
		    why="$why port-pattern ports missing: $6 / $7 $8 $9 ${10}"
		[ -n "$why" ] || case $t in
		symmetric-sequential)
			# Three steps, two of them of exactly +1 at least
			# (other flows of the probe may take a port
			# between two tests).
			steps=0
			[ $(($8 - $7)) -eq 1 ] && steps=$((steps + 1))
			[ $(($9 - $8)) -eq 1 ] && steps=$((steps + 1))
			[ $((${10} - $9)) -eq 1 ] && steps=$((steps + 1))
			[ $steps -ge 2 ] ||
			    why="$why ports $7 $8 $9 ${10} not sequential"
			;;
		symmetric-preserving)
			[ "$5" = true ] ||
			    why="$why port_preservation=$5 (want true)"
			# The first destination keeps the socket's port,
			# the next ones do not.
			[ "$7" = "$6" ] ||
			    why="$why first mapping $7, socket port $6"
			[ "$8" != "$6" ] && [ "$9" != "$6" ] ||
			    why="$why a later destination kept port $6"
			;;
		symmetric)
			[ "$5" = false ] ||
			    why="$why port_preservation=$5 (want false)"
			[ "$7" != "$6" ] ||
			    why="$why first mapping kept port $6"
			;;
		esac
		if [ -n "$why" ]; then
			echo "FAIL: $t: run $i:$why"
			sed 's/^/  json| /' "$LAB_TMP/np.json" | head -60
			sed 's/^/  stderr| /' "$LAB_TMP/np.err" | head -10
			fails=$((fails + 1))
		else
			echo "ok: $t: run $i: $1/$(lab_short "$2") pattern $3" \
			    "delta $4, socket $6 mapped to $7 $8 $9 ${10}"
			ok=$((ok + 1))
		fi
		i=$((i + 1))
	done
	echo "$t: $ok/$RUNS classified"
	chat_nat "$t"
done

if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_hardnat_probe: $fails run(s) misclassified"
	exit 1
fi
echo "PASS: natlab_hardnat_probe: every predictable symmetric NAT classified"
exit 0

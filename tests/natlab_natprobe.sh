#!/bin/sh
# natlab_natprobe.sh: natprobe behind every kind of NAT in the lab.  For each
# lab type, natprobe --json must give the designed verdict (nat_type,
# mapping, filtering, hairpinning, addresses) against our stund and against
# coturn, and natprobe --classic must name the type against Vovida's RFC 3489
# server.  coturn's natdiscovery runs against our stund on the same lab, for
# interop and for the wall-time table printed at the end.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/natlab-lib.sh"

NATPROBE=${NATPROBE:-$top_builddir/natprobe/natprobe}
STUND=${STUND:-$top_builddir/stund/stund}

[ -x "$NATPROBE" ] || lab_skip "natlab_natprobe: natprobe not built ($NATPROBE)"
[ -x "$STUND" ] || lab_skip "natlab_natprobe: stund not built ($STUND)"
command -v jq >/dev/null 2>&1 ||
    lab_skip "natlab_natprobe: jq not found (apt-get install jq)"
for c in turnserver turnutils_natdiscovery; do
	command -v "$c" >/dev/null 2>&1 ||
	    lab_skip "natlab_natprobe: '$c' not found (apt-get install coturn)"
done
[ -x "$LAB_VOVIDA" ] ||
    lab_skip "natlab_natprobe: $LAB_VOVIDA not found (apt-get install stun-server)"
lab_require

P_OURS=3478	# our stund, alternate port 3479
P_VOVIDA=3480	# Vovida's server, 3481
P_COTURN=3490	# coturn, 3491

TYPES=${NATLAB_TYPES:-$LAB_TYPES}
fails=0
table=

start_stund()
{
	lab_bg pub stund "$STUND" --foreground --primary "$LAB_SRV1" \
	    --alternate "$LAB_SRV2" --port $P_OURS --alt-port $((P_OURS + 1))
	lab_wait_udp pub $P_OURS "$LAB_SRV1" "$LAB_SRV2" &&
	    lab_wait_udp pub $((P_OURS + 1)) "$LAB_SRV1" "$LAB_SRV2" ||
	    lab_fail "natlab_natprobe: stund did not start: $(tail -3 "$LAB_TMP/stund.log")"
}

# Run natprobe in the client namespace: np_run LABEL SERVER [options].
# Leaves the JSON in $LAB_TMP/np.json, np_rc and np_ms.
np_run()
{
	_label=$1 _srv=$2; shift 2
	_t0=$(lab_ms)
	lab_run cli 60 "$NATPROBE" --json --source "$LAB_CLIENT" "$@" "$_srv" \
	    >"$LAB_TMP/np.json" 2>"$LAB_TMP/np.err"
	np_rc=$?
	np_ms=$(($(lab_ms) - _t0))
	cp "$LAB_TMP/np.json" "$LAB_TMP/$LAB_TYPE-$_label.json"
}

# One jq run per report (jq starts slowly on a loaded machine): print the
# fields np_judge needs, tab-separated, "-" for null, or nothing when the
# output is not a JSON object.  $1 client, $2 mapped, $3 server address.
NP_JQ='
def s: if . == null then "-" else tostring end;
def addr_is($a):
	if type == "string" then
		(. == $a or startswith($a + ":") or startswith("[" + $a + "]:"))
	elif type == "object" then ([.[] | tostring] | index($a) != null)
	else false end;
if type != "object" then empty else
. as $j |
[ (.nat_type | s), (.mapping | s), (.filtering | s), (.hairpinning | s),
  (.local_address | addr_is($cl) | tostring), (.local_address | s),
  (.mapped_address | addr_is($ma) | tostring), (.mapped_address | s),
  (.server | addr_is($sv) | tostring), (.server | s),
  (if (.tests | type) == "array" then .tests | length else 0 end
      | tostring),
  (if (.tests | type) == "array" then .tests |
      all(has("result") and (has("rtt_ms") or has("rtt")))
      else false end | tostring),
  (if has("port_pattern") then .port_pattern | s else "absent" end),
  (["nat_type", "mapping", "filtering", "hairpinning", "local_address",
    "mapped_address", "server", "tests"] |
      map(select(. as $k | $j | has($k) | not)) |
      if length == 0 then "-" else join(",") end)
] | join("\t") end'

# Judge the last natprobe run against the expectations of this lab type.
# np_judge LABEL MODE (full or classic).  Prints one line and sets np_v.
np_judge()
{
	_label=$1 _mode=$2 _why=
	set -- $(lab_expect "$LAB_TYPE")
	_et=$1 _em=$2 _ef=$3 _eh=$4
	_ma=$(lab_expect_mapped "$LAB_TYPE")
	_line=$(jq -r --arg cl "$LAB_CLIENT" --arg ma "$_ma" \
	    --arg sv "$LAB_SRV1" "$NP_JQ" "$LAB_TMP/np.json" 2>/dev/null)
	if [ -z "$_line" ]; then
		# Only a blocked path may end without a report, and then
		# with a one-line reason on stderr.
		if [ "$LAB_TYPE" = blocked ] && [ $np_rc -ne 0 ] &&
		    [ "$(wc -l <"$LAB_TMP/np.err")" -eq 1 ]; then
			np_v="blocked(rc=$np_rc)"
			echo "ok: $LAB_TYPE: $_label: no report, exit $np_rc:" \
			    "$(cat "$LAB_TMP/np.err")"
			return 0
		fi
		np_v="FAIL(no json)"
		echo "FAIL: $LAB_TYPE: $_label: no JSON object (exit $np_rc)"
		sed 's/^/  stdout| /' "$LAB_TMP/np.json" | head -20
		sed 's/^/  stderr| /' "$LAB_TMP/np.err" | head -20
		return 1
	fi
	_IFS=$IFS; IFS=$(printf '\t')
	set -- $_line
	IFS=$_IFS
	_t=$1 _m=$2 _f=$3 _h=$4 _lok=$5 _l=$6 _mok=$7 _mv=$8 _sok=$9
	shift 9
	_s=$1 _nt=$2 _trtt=$3 _pp=$4 _miss=$5
	lab_match "$_et" "$_t" || _why="$_why nat_type=$_t (want $_et)"
	if [ "$_mode" = full ]; then
		lab_match "$_em" "$_m" || _why="$_why mapping=$_m (want $_em)"
		lab_match "$_ef" "$_f" ||
		    _why="$_why filtering=$_f (want $_ef)"
		lab_match "$_eh" "$_h" ||
		    _why="$_why hairpinning=$_h (want $_eh)"
		[ "$_miss" = - ] || _why="$_why missing fields: $_miss"
	fi
	if [ "$LAB_TYPE" != blocked ]; then
		[ $np_rc -eq 0 ] || _why="$_why exit=$np_rc"
		[ "$_lok" = true ] ||
		    _why="$_why local_address=$_l (want $LAB_CLIENT)"
		[ "$_mok" = true ] ||
		    _why="$_why mapped_address=$_mv (want $_ma)"
		[ "$_sok" = true ] || _why="$_why server=$_s (want $LAB_SRV1)"
		[ "$_nt" -gt 0 ] || _why="$_why tests[] empty"
		# Each test carries its result and its round-trip time.
		[ "$_trtt" = true ] ||
		    _why="$_why a test without result or rtt"
		# Port allocation, when natprobe reports it.
		_ep=$(lab_expect_ports "$LAB_TYPE")
		if [ "$_mode" = full ] && [ "$_ep" != - ] &&
		    [ "$_pp" != absent ]; then
			[ "$_pp" = "$_ep" ] ||
			    _why="$_why port_pattern=$_pp (want $_ep)"
		fi
	else
		[ "$_mv" = - ] ||
		    _why="$_why mapped_address=$_mv on a blocked path"
	fi
	if [ "$_mode" = full ]; then
		np_v="$_t/$(lab_short "$_m")/$(lab_short "$_f")/hp=$_h"
	else
		np_v="$_t"
	fi
	if grep -qE 'Sanitizer|runtime error:' "$LAB_TMP/np.err"; then
		_why="$_why sanitizer report on stderr"
	fi
	if [ -n "$_why" ]; then
		np_v="FAIL:$np_v"
		echo "FAIL: $LAB_TYPE: $_label:$_why"
		sed 's/^/  json| /' "$LAB_TMP/np.json" | head -40
		sed 's/^/  stderr| /' "$LAB_TMP/np.err" | head -10
		return 1
	fi
	echo "ok: $LAB_TYPE: $_label: $np_v (${np_ms} ms)"
	return 0
}

# One server of each kind serves every lab type.
lab_pub_up
start_stund
lab_start_coturn $P_COTURN
lab_start_vovida $P_VOVIDA

for t in $TYPES; do
	lab_up "$t"

	np_run stund "$LAB_SRV1"
	np_judge "natprobe vs stund" full || fails=$((fails + 1))
	c_ours="$np_v"; ms_np=$np_ms
	# Blocked UDP is told from a dead server: stund answers over TCP.
	if [ "$t" = blocked ]; then
		if jq -e '.server_status == "silent" and
		    .blocked.certainty == "high" and .icmp == null' \
		    "$LAB_TMP/np.json" >/dev/null 2>&1; then
			echo "ok: blocked: sure of it (stund answers over TCP)"
		else
			fails=$((fails + 1))
			echo "FAIL: blocked: certainty not high"
			sed 's/^/  json| /' "$LAB_TMP/np.json" | head -20
		fi
	fi

	# TCP hole punching as --tcp judges it: masquerade keeps a TCP port
	# (endpoint-independent), the symmetric type randomises TCP too.
	case $t in
	port-restricted-cone)	want=possible ;;
	symmetric)		want=unlikely ;;
	*)			want= ;;
	esac
	if [ -n "$want" ]; then
		np_run tcp "$LAB_SRV1" --tcp
		if jq -e --arg w "$want" '.tcp_hole_punching == $w' \
		    "$LAB_TMP/np.json" >/dev/null 2>&1; then
			echo "ok: $t: --tcp says TCP hole punching is $want"
		else
			fails=$((fails + 1))
			echo "FAIL: $t: --tcp does not say '$want'"
			jq -c '{tcp_mapping, tcp_hole_punching}' \
			    "$LAB_TMP/np.json" 2>&1 | sed 's/^/  json| /'
		fi
	fi

	np_run coturn "$LAB_SRV1:$P_COTURN"
	np_judge "natprobe vs coturn" full || fails=$((fails + 1))
	c_coturn="$np_v"; ms_npc=$np_ms

	np_run classic "$LAB_SRV1:$P_VOVIDA" --classic
	np_judge "natprobe --classic vs Vovida" classic ||
	    fails=$((fails + 1))
	c_classic="$np_v"

	# coturn's classifier against our server: interop, and the time to
	# compare natprobe with.
	_t0=$(lab_ms)
	set -- $(lab_natdiscovery "$LAB_SRV1" $P_OURS)
	ms_nd=$(($(lab_ms) - _t0))
	n1=$1 n2=$2 n3=$3 n4=$4
	set -- $(lab_expect "$t")
	e_v="$1/$(lab_short "$2")/$(lab_short "$3")/hp=$4"
	c_nd="$n1/$(lab_short "$n2")/$(lab_short "$n3")/hp=$n4"
	ok=1
	lab_match "$1" "$n1" && lab_match "$2" "$n2" &&
	    lab_match "$3" "$n3" && lab_match "$4" "$n4" || ok=0
	if [ $ok = 1 ]; then
		echo "ok: $t: natdiscovery vs stund: $c_nd (${ms_nd} ms)"
	else
		fails=$((fails + 1))
		c_nd="FAIL:$c_nd"
		echo "FAIL: $t: natdiscovery vs stund: $c_nd, want $e_v"
		sed 's/^/  natdiscovery| /' "$LAB_TMP/natdiscovery.out"
	fi

	table="$table$(printf '%-21s %-34s %-34s %-34s %-21s %-34s %7s %7s %7s' \
	    "$t" "$e_v" "$c_ours" "$c_coturn" "$c_classic" "$c_nd" \
	    "$ms_np" "$ms_npc" "$ms_nd")
"
done

# A sanitizer build of stund must stay silent, through its exit.
lab_down
if grep -qE 'Sanitizer|runtime error:' "$LAB_TMP/stund.log"; then
	fails=$((fails + 1))
	echo "FAIL: stund reported a sanitizer error"
	grep -A20 -E 'Sanitizer|runtime error:' "$LAB_TMP/stund.log" |
	    head -40 | sed 's/^/  stund| /'
fi

echo
echo "Verdicts (nat_type/mapping/filtering/hp=hairpinning; - = null) and wall" \
    "times in ms"
printf '%-21s %-34s %-34s %-34s %-21s %-34s %7s %7s %7s\n' "lab type" \
    "expected" "natprobe vs stund" "natprobe vs coturn" \
    "--classic vs Vovida" "natdiscovery vs stund" "np/ours" "np/cot" \
    "nd/ours"
printf '%s' "$table"
echo
if [ $fails -ne 0 ]; then
	echo "FAIL: natlab_natprobe: $fails check(s) failed"
	exit 1
fi
echo "PASS: natlab_natprobe: natprobe classified every lab type"
exit 0

# natlab-lib.sh: a NAT lab made of network namespaces, veth pairs and
# nftables, sourced by the natlab_*.sh tests.  It owns the topology, the
# rules that give each NAT type its mapping and filtering behaviour, the
# expected verdicts, and the cleanup of every namespace and process it made.
#
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Topology (all names carry the pid of the test, so runs never collide):
#
#   client ns -- lan0 [router ns] wan0 -- up0 [public ns: bridge br0]
#   10.0.1.100     10.0.1.1   203.0.113.2     203.0.113.1/25
#   (203.0.113.130 on 203.0.113.128/26       198.51.100.10, 198.51.100.11
#    when the type has no NAT)
#
# "double" puts a second router (nat2) between the client and the router:
# client 192.168.1.100 -- 192.168.1.1 [nat2] 10.0.1.100 -- 10.0.1.1 [router].
# "lab_up A B" builds a second site (natb, clib, nat2b) behind up1 with WAN
# 203.0.113.3, LAN 10.0.2.0/24 (192.168.2.0/24 inside a double NAT) or
# 203.0.113.192/26 without NAT, so two peers can meet across two NATs; the
# public namespace routes between the sites.  No namespace is connected to
# the host's interfaces, and no route leads out of the lab: every route
# names a lab subnet, there is no default route.  "lab_up_lan TYPE" instead
# puts two clients on one router's LAN (a bridge named lan0): cli
# 10.0.1.100 and clib 10.0.1.101, behind the same NAT.
#
# Usage:
#	. "$top_srcdir/tests/natlab-lib.sh"
#	lab_require			# exit 77 with a reason unless we can run
#	lab_up port-restricted-cone	# build the lab for one type
#	lab_up symmetric full-cone	# or two sites (cli and clib)
#	lab_up_lan hairpin		# or two clients behind one NAT
#	lab_bg pub turnserver ...	# a process in a namespace, killed later
#	lab_run cli 10 stun ...		# a command in a namespace, with timeout
#	lab_bgio cli p1 in p2pchat ...	# stdin from a file, stdout/stderr apart
#	lab_loss nat 10			# drop 1 in 10 forwarded UDP packets
#	lab_remap nat			# the NAT forgets, and maps anew
#	lab_firewall cli no-udp		# the host drops all UDP (or tcp443:
#					# only TCP to port 443 goes out)
#	lab_tcp_quiet nat		# no reset for unsolicited TCP
#	lab_down			# remove the lab (also done on exit)

LAB_SRV1=198.51.100.10
LAB_SRV2=198.51.100.11
LAB_PUBGW=203.0.113.1
LAB_WAN=203.0.113.2
LAB_WAN_B=203.0.113.3
LAB_TYPES="open full-cone restricted-cone port-restricted-cone symmetric
symmetric-firewall blocked hairpin double"
# Symmetric NATs whose next port can be predicted, for the hard-NAT tests;
# apart from LAB_TYPES so that the tests that walk every classic type keep
# their length.
LAB_HARD_TYPES="symmetric-sequential symmetric-preserving"

LAB_TAG=${LAB_TAG:-sk$$}
LAB_PUB=$LAB_TAG-pub
LAB_NAT=$LAB_TAG-nat
LAB_NAT2=$LAB_TAG-nat2
LAB_CLI=$LAB_TAG-cli
LAB_NAT_B=$LAB_TAG-natb
LAB_NAT2_B=$LAB_TAG-nat2b
LAB_CLI_B=$LAB_TAG-clib
LAB_TYPE_B=
LAB_CLIENT_B=
LAB_TMP=
LAB_PIDS=
LAB_TYPE=
LAB_CLIENT=
LAB_LAN2=

lab_log()
{
	echo "natlab: $*" >&2
}

lab_skip()
{
	echo "SKIP: $*"
	exit 77
}

lab_fail()
{
	echo "FAIL: $*"
	exit 1
}

# Exit 77 with a reason unless the lab can be built here.
lab_require()
{
	for c in ip nft timeout; do
		command -v "$c" >/dev/null 2>&1 ||
		    lab_skip "natlab: '$c' not found (install iproute2, nftables, coreutils)"
	done
	[ "$(id -u)" = 0 ] || lab_skip "natlab: needs root for network namespaces"
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/natlab.XXXXXX") ||
	    lab_fail "natlab: mktemp"
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	ip netns add "$LAB_TAG-probe" 2>/dev/null ||
	    lab_skip "natlab: cannot create a network namespace here"
	_nat=0 _dev=0
	ip netns exec "$LAB_TAG-probe" timeout 10 nft -f - 2>/dev/null <<EOF && _nat=1
table ip probe {
	chain c { type nat hook postrouting priority 100; masquerade random; }
}
EOF
	ip -n "$LAB_TAG-probe" link add p0 type veth peer name p1 2>/dev/null &&
	    ip -n "$LAB_TAG-probe" link add b0 type bridge 2>/dev/null &&
	    _dev=1
	ip netns del "$LAB_TAG-probe"
	[ $_nat = 1 ] ||
	    lab_skip "natlab: nftables NAT does not work in a namespace here"
	[ $_dev = 1 ] ||
	    lab_skip "natlab: no veth or bridge devices here (kernel modules?)"
}

# Run a command in a lab namespace (pub, nat, nat2, cli) under a timeout.
lab_run()
{
	_ns=$(lab_ns "$1"); _t=$2; shift 2
	ip netns exec "$_ns" timeout -k 2 "$_t" "$@"
}

# Start a background process in a namespace; its pid goes in LAB_BGPID and
# it is killed by lab_down.  Output goes to $LAB_TMP/<name>.log.
lab_bg()
{
	_ns=$(lab_ns "$1"); _alias=$1 _name=$2; shift 2
	ip netns exec "$_ns" timeout -k 2 600 "$@" \
	    >"$LAB_TMP/$_name.log" 2>&1 </dev/null &
	LAB_BGPID=$!
	LAB_PIDS="$LAB_PIDS $LAB_BGPID:$_alias"
}

# Like lab_bg, with stdin from file $3 (a fifo is fine: the open waits for
# its writer) and stdout and stderr apart, in $LAB_TMP/<name>.out and .err.
lab_bgio()
{
	_ns=$(lab_ns "$1"); _alias=$1 _name=$2 _in=$3; shift 3
	ip netns exec "$_ns" timeout -k 2 600 "$@" <"$_in" \
	    >"$LAB_TMP/$_name.out" 2>"$LAB_TMP/$_name.err" &
	LAB_BGPID=$!
	LAB_PIDS="$LAB_PIDS $LAB_BGPID:$_alias"
}

# Stop the processes whose pids are given: TERM, a bounded wait, KILL.
lab_kill()
{
	for _p in "$@"; do
		kill "$_p" 2>/dev/null
	done
	for _p in "$@"; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	return 0
}

# Stop one background process started by lab_bg.
lab_stop()
{
	lab_kill "$1"
	_np=
	for _e in $LAB_PIDS; do
		[ "${_e%%:*}" = "$1" ] || _np="$_np $_e"
	done
	LAB_PIDS=$_np
	return 0
}

lab_ns()
{
	case $1 in
	pub) echo "$LAB_PUB" ;;
	nat) echo "$LAB_NAT" ;;
	nat2) echo "$LAB_NAT2" ;;
	cli) echo "$LAB_CLI" ;;
	natb) echo "$LAB_NAT_B" ;;
	nat2b) echo "$LAB_NAT2_B" ;;
	clib) echo "$LAB_CLI_B" ;;
	*) lab_fail "natlab: unknown namespace $1" ;;
	esac
}

# Wait (bounded) until UDP port $2 is bound in namespace $1 on each address
# given after it.
lab_wait_udp()
{
	_ns=$(lab_ns "$1"); _port=$2; shift 2
	_i=0
	while [ $_i -lt 50 ]; do
		_all=1
		for _a in "$@"; do
			ip netns exec "$_ns" ss -Hlun "src $_a:$_port" 2>/dev/null |
			    grep -q . || _all=0
		done
		[ $_all = 1 ] && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

# Load the rules on stdin into namespace $1 (a full name).
lab_nft()
{
	ip netns exec "$1" timeout 10 nft -f - ||
	    lab_fail "natlab: nft rules for $LAB_TYPE rejected in $1"
}

# Print the expected verdict of a type: nat_type mapping filtering hairpin,
# where "-" means null (not measurable) and "a|b" means either.  Hairpinning
# without a NAT is delivery to one's own address and always works; a tool
# may report it as true or as not applicable (null).
lab_expect()
{
	case $1 in
	open)		echo "open endpoint-independent|- endpoint-independent true|-" ;;
	full-cone)	echo "full-cone endpoint-independent endpoint-independent false" ;;
	restricted-cone) echo "restricted-cone endpoint-independent address-dependent false" ;;
	port-restricted-cone) echo "port-restricted-cone endpoint-independent address-and-port-dependent false" ;;
	symmetric|symmetric-sequential|symmetric-preserving)
		echo "symmetric address-and-port-dependent address-and-port-dependent false" ;;
	symmetric-firewall) echo "symmetric-firewall endpoint-independent|- address-and-port-dependent true|-" ;;
	blocked)	echo "blocked - - -" ;;
	hairpin)	echo "port-restricted-cone endpoint-independent address-and-port-dependent true" ;;
	double)		echo "port-restricted-cone endpoint-independent address-and-port-dependent false" ;;
	*)		return 1 ;;
	esac
}

# Make namespace $1 with loopback up and forwarding as asked ($2 = 1/0).
lab_mkns()
{
	ip netns add "$1" || lab_fail "natlab: ip netns add $1"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward="$2"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

# A veth pair from $1:$2 to $3:$4, both up.
lab_link()
{
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" ||
	    lab_fail "natlab: veth $1:$2 - $3:$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# Build the lab: one site of type $1, and a second one of type $2 if given.
# Sets LAB_TYPE, LAB_CLIENT (the client's address), LAB_TYPE_B and
# LAB_CLIENT_B.
lab_up()
{
	lab_expect "$1" >/dev/null || lab_fail "natlab: unknown lab type $1"
	[ -z "$2" ] || lab_expect "$2" >/dev/null ||
	    lab_fail "natlab: unknown lab type $2"
	[ -n "$LAB_TMP" ] || lab_fail "natlab: call lab_require first"
	lab_sites_down
	LAB_TYPE=$1
	LAB_TYPE_B=$2
	[ -e "/run/netns/$LAB_PUB" ] || lab_pub_up

	lab_site a "$1"
	[ -z "$2" ] || lab_site b "$2"

	# Nothing may leave the lab: no default route anywhere in it.
	for _ns in "$LAB_PUB" "$LAB_NAT" "$LAB_NAT2" "$LAB_CLI" \
	    "$LAB_NAT_B" "$LAB_NAT2_B" "$LAB_CLI_B"; do
		[ -e "/run/netns/$_ns" ] || continue
		[ -z "$(ip -n "$_ns" route show default)" ] ||
		    lab_fail "natlab: $_ns has a default route"
	done
	lab_log "lab up: $1 (client $LAB_CLIENT${2:+; site b: $2, client $LAB_CLIENT_B}, tag $LAB_TAG)"
}

# Build one router of type $1 with two clients on its LAN: cli (LAB_CLIENT,
# 10.0.1.100) and clib (LAB_CLIENT_B, 10.0.1.101), both behind the same
# outside address.  The LAN is a bridge, and bridged frames bypass the
# router's nftables, as on a real home switch.  Types: port-restricted-cone,
# symmetric, and hairpin, which here loops a packet sent to the outside
# address back to whichever client owns the mapped port.
lab_up_lan()
{
	case $1 in
	port-restricted-cone|symmetric|hairpin) ;;
	*) lab_fail "natlab: lab_up_lan: type $1 has no two-client LAN" ;;
	esac
	LAB_LAN2=1
	lab_up "$1"
	LAB_LAN2=
	LAB_TYPE_B=$1
	lab_log "lan: second client $LAB_CLIENT_B behind the same NAT"
}

# The public side: the servers' two addresses and the routers' subnet on a
# bridge; it routes between the sites.  It outlives lab_up/lab_sites_down,
# so servers started in it serve every lab type of a run.
lab_pub_up()
{
	[ -n "$LAB_TMP" ] || lab_fail "natlab: call lab_require first"
	lab_mkns "$LAB_PUB" 1
	ip -n "$LAB_PUB" link add br0 type bridge ||
	    lab_fail "natlab: bridge in $LAB_PUB"
	ip -n "$LAB_PUB" link set br0 up
	ip -n "$LAB_PUB" addr add "$LAB_SRV1/24" dev br0
	ip -n "$LAB_PUB" addr add "$LAB_SRV2/24" dev br0
	ip -n "$LAB_PUB" addr add "$LAB_PUBGW/25" dev br0
}

# One site: lab_site a|b TYPE.
lab_site()
{
	if [ "$1" = a ]; then
		_nat=$LAB_NAT _nat2=$LAB_NAT2 _cli=$LAB_CLI _wan=$LAB_WAN
		_n=1 _up=up0 _pnet=203.0.113.128/26 _pgw=203.0.113.129
		_pcl=203.0.113.130
	else
		_nat=$LAB_NAT_B _nat2=$LAB_NAT2_B _cli=$LAB_CLI_B
		_wan=$LAB_WAN_B _n=2 _up=up1 _pnet=203.0.113.192/26
		_pgw=203.0.113.193 _pcl=203.0.113.194
	fi
	lab_mkns "$_nat" 1
	lab_mkns "$_cli" 0
	lab_link "$LAB_PUB" "$_up" "$_nat" wan0
	ip -n "$LAB_PUB" link set "$_up" master br0
	ip -n "$_nat" addr add "$_wan/25" dev wan0
	ip -n "$_nat" route add 198.51.100.0/24 via "$LAB_PUBGW"
	ip -n "$_nat" route add 203.0.113.128/25 via "$LAB_PUBGW"

	case $2 in
	open|symmetric-firewall)
		# No translation: the client has a public address.
		lab_link "$_nat" lan0 "$_cli" eth0
		ip -n "$_nat" addr add "$_pgw/26" dev lan0
		_client=$_pcl _gw=$_pgw
		ip -n "$_cli" addr add "$_client/26" dev eth0
		ip -n "$LAB_PUB" route replace "$_pnet" via "$_wan"
		_lan=$_pnet
		;;
	double)
		lab_mkns "$_nat2" 1
		lab_link "$_nat" lan0 "$_nat2" wan0
		ip -n "$_nat" addr add "10.0.$_n.1/24" dev lan0
		ip -n "$_nat2" addr add "10.0.$_n.100/24" dev wan0
		ip -n "$_nat2" route add 198.51.100.0/24 via "10.0.$_n.1"
		ip -n "$_nat2" route add 203.0.113.0/24 via "10.0.$_n.1"
		lab_link "$_nat2" lan0 "$_cli" eth0
		ip -n "$_nat2" addr add "192.168.$_n.1/24" dev lan0
		_client=192.168.$_n.100 _gw=192.168.$_n.1
		ip -n "$_cli" addr add "$_client/24" dev eth0
		_lan=10.0.$_n.0/24
		;;
	*)
		if [ -n "$LAB_LAN2" ]; then
			lab_lan2 "$_nat" "$_cli" "$LAB_CLI_B" "$_n"
		else
			lab_link "$_nat" lan0 "$_cli" eth0
		fi
		ip -n "$_nat" addr add "10.0.$_n.1/24" dev lan0
		_client=10.0.$_n.100 _gw=10.0.$_n.1
		ip -n "$_cli" addr add "$_client/24" dev eth0
		_lan=10.0.$_n.0/24
		;;
	esac
	ip -n "$_cli" route add 198.51.100.0/24 via "$_gw"
	ip -n "$_cli" route add 203.0.113.0/24 via "$_gw"
	if [ "$1" = a ]; then
		LAB_CLIENT=$_client
	else
		LAB_CLIENT_B=$_client
	fi
	if [ -n "$LAB_LAN2" ] && [ "$2" = hairpin ]; then
		lab_rules hairpin-lan "$_nat" "$_wan" "$_client" "$_lan"
	elif [ "$2" = double ]; then
		# The inner router: a home NAT behind the outer one.
		_client=10.0.$_n.100
		lab_rules port-restricted-cone "$_nat2" 10.0.$_n.100 \
		    "192.168.$_n.100" "192.168.$_n.0/24"
		lab_rules port-restricted-cone "$_nat" "$_wan" "$_client" \
		    "$_lan"
	else
		lab_rules "$2" "$_nat" "$_wan" "$_client" "$_lan"
	fi
}

# The LAN of lab_up_lan: bridge lan0 in router $1 with client $2 and client
# $3 (10.0.$4.101) as its ports.
lab_lan2()
{
	ip -n "$1" link add lan0 type bridge ||
	    lab_fail "natlab: bridge lan0 in $1"
	ip -n "$1" link set lan0 up
	# With br_netfilter loaded, bridged frames would go through the
	# router's NAT rules; a switch does not translate.
	ip netns exec "$1" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
	    2>/dev/null
	lab_link "$1" lan0a "$2" eth0
	ip -n "$1" link set lan0a master lan0
	lab_mkns "$3" 0
	lab_link "$1" lan0b "$3" eth0
	ip -n "$1" link set lan0b master lan0
	ip -n "$3" addr add "10.0.$4.101/24" dev eth0
	ip -n "$3" route add 198.51.100.0/24 via "10.0.$4.1"
	ip -n "$3" route add 203.0.113.0/24 via "10.0.$4.1"
	LAB_CLIENT_B=10.0.$4.101
}

# A firewall on host $1 (cli, clib), in its own namespace, whatever its
# NAT: "no-udp" drops every UDP packet in and out (TCP and the rest
# pass), "tcp443" lets out only TCP to port 443 and lets in only the
# replies.  Loopback is left alone.  lab_firewall_drops prints how many
# packets it dropped so far.
lab_firewall()
{
	_fns=$(lab_ns "$1")
	case $2 in
	no-udp)
		lab_nft "$_fns" <<EOF
table inet labfw {
	chain out { type filter hook output priority 0; policy accept;
		oifname "lo" accept;
		meta l4proto udp counter drop; }
	chain in { type filter hook input priority 0; policy accept;
		iifname "lo" accept;
		meta l4proto udp counter drop; }
}
EOF
		;;
	tcp443)
		lab_nft "$_fns" <<EOF
table inet labfw {
	chain out { type filter hook output priority 0; policy drop;
		oifname "lo" accept;
		ct state established,related accept;
		tcp dport 443 accept;
		counter drop; }
	chain in { type filter hook input priority 0; policy drop;
		iifname "lo" accept;
		ct state established,related accept;
		counter drop; }
}
EOF
		;;
	*)
		lab_fail "natlab: lab_firewall: unknown kind $2" ;;
	esac
	lab_log "firewall on $1: $2"
}

lab_firewall_drops()
{
	ip netns exec "$(lab_ns "$1")" nft list table inet labfw 2>/dev/null |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
	    awk '{ n += $1 } END { print n + 0 }'
}

# Router $1 (nat, natb) drops TCP from outside that no mapping of its
# own claims, where the kernel would answer with a reset: a NAT must not
# answer an unsolicited SYN (RFC 5382 REQ-4), so that a peer's SYN that
# comes early is lost and the simultaneous open of TCP hole punching
# works.  The mapping stays what the type makes it (masquerade keeps the
# port: endpoint-independent; symmetric: a random port per connection).
# lab_tcp_quiet_drops prints how many it dropped so far.
lab_tcp_quiet()
{
	lab_nft "$(lab_ns "$1")" <<EOF
table inet labtcp {
	chain in { type filter hook input priority 0; policy accept;
		iifname "wan0" meta l4proto tcp counter drop; }
}
EOF
	lab_log "router $1: unsolicited TCP from outside dropped"
}

lab_tcp_quiet_drops()
{
	ip netns exec "$(lab_ns "$1")" nft list table inet labtcp 2>/dev/null |
	    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
	    awk '{ n += $1 } END { print n + 0 }'
}

# Drop one in $2 (default 10) of the UDP packets that router $1 (nat, natb,
# nat2, nat2b) forwards, both ways, at random.  lab_loss_count prints how
# many it dropped so far.
lab_loss()
{
	lab_nft "$(lab_ns "$1")" <<EOF
table ip loss {
	chain drop1 { type filter hook forward priority -10; policy accept;
		meta l4proto udp numgen random mod ${2:-10} 0 counter drop; }
}
EOF
}

lab_loss_count()
{
	ip netns exec "$(lab_ns "$1")" timeout 10 nft list chain ip loss drop1 \
	    2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# Router $1 (nat, natb) loses its mappings, as a NAT that reboots or
# runs out of state: its conntrack table is flushed and its masquerade
# takes ports from $2 (default 20000-29999) from now on, so that every
# flow gets a new outside port.  Needs conntrack(8); returns 1 without.
lab_remap()
{
	command -v conntrack >/dev/null 2>&1 || return 1
	_ns=$(lab_ns "$1")
	lab_nft "$_ns" <<EOF
flush chain ip lab post
add rule ip lab post oifname "wan0" meta l4proto udp \
    masquerade to :${2:-20000-29999}
add rule ip lab post oifname "wan0" masquerade
EOF
	ip netns exec "$_ns" timeout 10 conntrack -F >/dev/null 2>&1
}

# The mapped address a client of this type should see ("-": none).
lab_expect_mapped()
{
	case $1 in
	open|symmetric-firewall) echo "$LAB_CLIENT" ;;
	blocked) echo - ;;
	*) echo "$LAB_WAN" ;;
	esac
}

# The port allocation a client of this type should see: "preserving",
# "sequential" (delta lab_expect_delta), "random", or "-" when there is no
# translation to judge.
lab_expect_ports()
{
	case $1 in
	open|symmetric-firewall|blocked) echo - ;;
	symmetric) echo random ;;
	symmetric-sequential) echo sequential ;;
	*) echo preserving ;;
	esac
}

# The port delta of a sequential type (nothing for the others).
lab_expect_delta()
{
	case $1 in
	symmetric-sequential) echo 1 ;;
	esac
}

# Start coturn's turnserver in the public namespace on both server
# addresses, STUN only, RFC 5780 (alternate port = port + 1).
lab_start_coturn()
{
	: >"$LAB_TMP/turnserver.conf"
	lab_bg pub turnserver turnserver -c "$LAB_TMP/turnserver.conf" \
	    -L "$LAB_SRV1" -L "$LAB_SRV2" -p "$1" --stun-only -z \
	    --no-tcp --no-tls --no-dtls --no-cli --simple-log \
	    --log-file "$LAB_TMP/turnserver-file.log"
	lab_wait_udp pub "$1" "$LAB_SRV1" "$LAB_SRV2" &&
	    lab_wait_udp pub $(($1 + 1)) "$LAB_SRV1" "$LAB_SRV2" ||
	    lab_fail "natlab: turnserver did not start: $(tail -3 "$LAB_TMP/turnserver.log")"
}

# Start Vovida's server (Debian's stun-server, also named stund: always by
# its full path) on both addresses, ports $1 and $1 + 1.
LAB_VOVIDA=/usr/sbin/stund
lab_start_vovida()
{
	lab_bg pub vovida "$LAB_VOVIDA" -h "$LAB_SRV1" -a "$LAB_SRV2" \
	    -p "$1" -o $(($1 + 1))
	lab_wait_udp pub "$1" "$LAB_SRV1" "$LAB_SRV2" &&
	    lab_wait_udp pub $(($1 + 1)) "$LAB_SRV1" "$LAB_SRV2" ||
	    lab_fail "natlab: Vovida's server did not start: $(tail -3 "$LAB_TMP/vovida.log")"
}

# Run coturn's natdiscovery against server $1 port $2 from namespace $3
# (default cli) and address $4 (default LAB_CLIENT); print "nat_type
# mapping filtering hairpin" in our vocabulary.  The raw output is kept in
# $LAB_TMP/natdiscovery.out.
lab_natdiscovery()
{
	lab_run "${3:-cli}" 60 turnutils_natdiscovery -m -f -H -p "$2" \
	    -L "${4:-$LAB_CLIENT}" "$1" >"$LAB_TMP/natdiscovery.out" 2>&1
	lab_natdiscovery_parse <"$LAB_TMP/natdiscovery.out"
}

lab_natdiscovery_parse()
{
	_map=- _flt=- _hp=false _nonat=0
	while IFS= read -r _l; do
		case $_l in
		"No NAT!"*) _nonat=1 ;;
		*"Endpoint Independent Mapping!"*)
			_map=endpoint-independent ;;
		*"Address Dependent Mapping!"*) _map=address-dependent ;;
		*"Address and Port Dependent Mapping!"*)
			_map=address-and-port-dependent ;;
		*"Endpoint Independent Filtering!"*)
			_flt=endpoint-independent ;;
		*"Address Dependent Filtering!"*) _flt=address-dependent ;;
		*"Address and Port Dependent Filtering!"*)
			_flt=address-and-port-dependent ;;
		*"maybe a successful hairpinning"*) _hp=true ;;
		esac
	done
	if [ "$_map" = - ]; then
		_type=blocked _hp=-
	elif [ $_nonat = 1 ]; then
		if [ "$_flt" = endpoint-independent ]; then
			_type=open
		else
			_type=symmetric-firewall
		fi
	elif [ "$_map" != endpoint-independent ]; then
		_type=symmetric
	else
		case $_flt in
		endpoint-independent) _type=full-cone ;;
		address-dependent) _type=restricted-cone ;;
		address-and-port-dependent) _type=port-restricted-cone ;;
		*) _type=- ;;
		esac
	fi
	echo "$_type $_map $_flt $_hp"
}

# Run Vovida's stun client against server $1 port $2 from namespace $3
# (default cli) and address $4 (default LAB_CLIENT); print "nat_type
# hairpin ports" in our vocabulary.  Raw output in $LAB_TMP/vovida.out.
lab_vovida()
{
	lab_run "${3:-cli}" 30 stun "$1:$2" -i "${4:-$LAB_CLIENT}" \
	    >"$LAB_TMP/vovida.out" 2>&1
	_l=$(grep '^Primary:' "$LAB_TMP/vovida.out")
	case $_l in
	*"Primary: Open"*) _type=open ;;
	*"Independent Mapping, Independent Filter"*) _type=full-cone ;;
	*"Independent Mapping, Address Dependent Filter"*)
		_type=restricted-cone ;;
	*"Independent Mapping, Port Dependent Filter"*)
		_type=port-restricted-cone ;;
	*"Dependent Mapping"*) _type=symmetric ;;
	*"Firewall"*) _type=symmetric-firewall ;;
	*"Blocked"*) _type=blocked ;;
	*) _type=- ;;
	esac
	case $_l in
	*"will hairpin"*) _hp=true ;;
	*"no hairpin"*) _hp=false ;;
	*) _hp=- ;;
	esac
	case $_l in
	*"preserves ports"*) _pp=preserving ;;
	*"random port"*) _pp=random ;;
	*) _pp=- ;;
	esac
	echo "$_type $_hp $_pp"
}

# The nftables rules of the router for each type.  Linux NAT keeps the
# source port when it is free and keeps one mapping per inside socket when
# the port is kept, so plain masquerade is endpoint-independent mapping;
# conntrack lets in only replies from the exact remote address and port,
# which is address-and-port-dependent filtering.  The other types add to
# that.  Unsolicited UDP to the router itself is dropped, not answered with
# ICMP.
lab_rules()
{
	# type, router namespace, its outside address, the inside host,
	# the inside subnet
	_rns=$2 _rwan=$3 _rcli=$4 _rlan=$5
	_base="table ip lab {
	chain input { type filter hook input priority 0; policy accept;
		meta l4proto udp drop; }"
	_masq="chain post { type nat hook postrouting priority 100;
		oifname \"wan0\" masquerade; }"
	case $1 in
	open)
		lab_nft "$_rns" <<EOF
$_base
}
EOF
		;;
	symmetric-firewall)
		# No translation; a stateful filter that lets in replies only.
		lab_nft "$_rns" <<EOF
$_base
	chain forward { type filter hook forward priority 0; policy accept;
		iifname "wan0" ct state established,related accept;
		iifname "wan0" drop; }
}
EOF
		;;
	blocked)
		lab_nft "$_rns" <<EOF
$_base
	chain forward { type filter hook forward priority 0; policy accept;
		meta l4proto udp drop; }
	$_masq
}
EOF
		;;
	port-restricted-cone)
		lab_nft "$_rns" <<EOF
$_base
	$_masq
}
EOF
		;;
	full-cone)
		# Endpoint-independent filtering: anything sent to a mapped
		# port goes in.  The mapping keeps the port, so the inside
		# port is the outside one.
		lab_nft "$_rns" <<EOF
$_base
	$_masq
	chain pre { type nat hook prerouting priority -100;
		iifname "wan0" ip daddr $_rwan udp dport 1024-65535 \
		    dnat to $_rcli; }
}
EOF
		;;
	restricted-cone)
		# Address-dependent filtering: remember (remote address,
		# mapped port) for every packet that left, after the
		# translation (priority above srcnat), and let in new flows
		# only from a remembered address to that mapped port.
		lab_nft "$_rns" <<EOF
$_base
	set seen { type ipv4_addr . inet_service; flags dynamic,timeout;
		timeout 120s; size 4096; }
	$_masq
	chain remember { type filter hook postrouting priority 300;
		oifname "wan0" meta l4proto udp \
		    update @seen { ip daddr . udp sport }; }
	chain pre { type nat hook prerouting priority -100;
		iifname "wan0" ip daddr $_rwan ip saddr . udp dport @seen \
		    dnat to $_rcli; }
}
EOF
		;;
	symmetric)
		# A fresh random port for every new flow (each remote
		# address and port): address-and-port-dependent mapping.
		lab_nft "$_rns" <<EOF
$_base
	chain post { type nat hook postrouting priority 100;
		oifname "wan0" masquerade fully-random; }
}
EOF
		;;
	symmetric-sequential)
		# One new outside port per new flow, from a counter that
		# every flow of every inside host advances: the next port
		# is the last one plus one, so it can be predicted.  NAT
		# rules see only the first packet of a flow.  The counter
		# goes through a map because nftables hands a bare numgen
		# to the port in host byte order (steps of 256 here).
		_ports=$(seq 0 1023 | awk '{ printf "%s%d : %d",
		    (NR > 1 ? ", " : ""), $1, 30000 + $1 }')
		lab_nft "$_rns" <<EOF
$_base
	chain post { type nat hook postrouting priority 100;
		oifname "wan0" meta l4proto udp snat ip to $_rwan : \
		    numgen inc mod 1024 map { $_ports };
		oifname "wan0" masquerade; }
}
EOF
		;;
	symmetric-preserving)
		# The first flow of an inside socket keeps its port; every
		# later flow of that socket (another remote address or
		# port) gets a random one.  A fresh socket's first mapping
		# is therefore its own port.
		lab_nft "$_rns" <<EOF
$_base
	set used { type ipv4_addr . inet_service; flags dynamic,timeout;
		timeout 120s; size 65535; }
	chain post { type nat hook postrouting priority 100;
		oifname "wan0" meta l4proto udp ip saddr . udp sport @used \
		    masquerade fully-random;
		oifname "wan0" meta l4proto udp \
		    update @used { ip saddr . udp sport } masquerade;
		oifname "wan0" masquerade; }
}
EOF
		;;
	hairpin)
		# Port-restricted cone that loops packets sent from inside
		# to the outside address back in, with the outside address
		# as their source (RFC 4787 REQ-9).
		lab_nft "$_rns" <<EOF
$_base
	chain pre { type nat hook prerouting priority -100;
		iifname "lan0" ip daddr $_rwan meta l4proto udp \
		    dnat to $_rcli; }
	chain post { type nat hook postrouting priority 100;
		oifname "wan0" masquerade;
		oifname "lan0" ip saddr $_rlan snat to $_rwan; }
}
EOF
		;;
	hairpin-lan)
		# Hairpinning for several inside hosts: remember which
		# inside address owns each mapped port (the mapping keeps
		# the port) and loop packets sent from inside to the
		# outside address and that port back to its owner, with
		# the outside address as their source.
		lab_nft "$_rns" <<EOF
$_base
	map owner { type inet_service : ipv4_addr;
		flags dynamic,timeout; timeout 120s; size 4096; }
	chain remember { type filter hook postrouting priority 300;
		oifname "wan0" meta l4proto udp \
		    update @owner { udp sport : ct original ip saddr }; }
	chain pre { type nat hook prerouting priority -100;
		iifname "lan0" ip daddr $_rwan meta l4proto udp \
		    dnat to udp dport map @owner; }
	chain post { type nat hook postrouting priority 100;
		oifname "wan0" masquerade;
		oifname "lan0" ip saddr $_rlan snat to $_rwan; }
}
EOF
		;;
	esac
}

# Delete lab namespaces (full names), killing what still runs inside:
# everything in them was started by this lab.
lab_delns()
{
	for _ns in "$@"; do
		[ -e "/run/netns/$_ns" ] || [ -e "/var/run/netns/$_ns" ] ||
		    continue
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -9 "$_p" 2>/dev/null
		done
		ip netns del "$_ns" 2>/dev/null
	done
	return 0
}

# Remove the sites (routers and clients) and their processes; the public
# namespace and its servers stay.
lab_sites_down()
{
	_kill= _keep=
	for _e in $LAB_PIDS; do
		case $_e in
		*:pub) _keep="$_keep $_e" ;;
		*) _kill="$_kill ${_e%%:*}" ;;
		esac
	done
	lab_kill $_kill
	LAB_PIDS=$_keep
	if [ -e "/run/netns/$LAB_PUB" ]; then
		# The next site reuses the names and addresses: forget the
		# old links and the old routers' MAC addresses now.
		ip -n "$LAB_PUB" link del up0 2>/dev/null
		ip -n "$LAB_PUB" link del up1 2>/dev/null
		ip -n "$LAB_PUB" neigh flush all 2>/dev/null
	fi
	lab_delns "$LAB_CLI" "$LAB_NAT2" "$LAB_NAT" "$LAB_CLI_B" \
	    "$LAB_NAT2_B" "$LAB_NAT_B"
	LAB_TYPE='' LAB_TYPE_B='' LAB_CLIENT='' LAB_CLIENT_B=''
	return 0
}

# Kill this lab's processes and delete all its namespaces.
lab_down()
{
	lab_sites_down
	_kill=
	for _e in $LAB_PIDS; do
		_kill="$_kill ${_e%%:*}"
	done
	lab_kill $_kill
	LAB_PIDS=
	lab_delns "$LAB_PUB" "$LAB_TAG-probe"
	return 0
}

lab_cleanup()
{
	_rc=$?
	trap - EXIT INT TERM HUP
	lab_down
	[ -n "$LAB_TMP" ] && [ -z "$LAB_KEEP" ] && rm -rf "$LAB_TMP"
	[ -n "$LAB_KEEP" ] && echo "natlab: logs kept in $LAB_TMP" >&2
	exit $_rc
}

# Does "$2" match the expectation "$1" (alternatives separated by |,
# "-" for null)?
lab_match()
{
	_got=${2:--}
	[ "$_got" = null ] && _got=-
	_IFS=$IFS; IFS='|'
	for _e in $1; do
		if [ "$_e" = "$_got" ]; then
			IFS=$_IFS
			return 0
		fi
	done
	IFS=$_IFS
	return 1
}

# Milliseconds since the epoch, for wall times.
lab_ms()
{
	date +%s%3N
}

# Short names of the RFC 4787 behaviours, for tables.
lab_short()
{
	echo "$1" | sed 's/address-and-port-dependent/APD/g;
	    s/address-dependent/AD/g; s/endpoint-independent/EI/g'
}

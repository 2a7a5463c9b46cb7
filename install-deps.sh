#!/bin/sh
# Install what stunkit needs to build and test on Debian 12, as root or
# through sudo.  The test peers (coturn, Vovida's stun client and server,
# tshark) and the NAT lab tools (iproute2, nftables, conntrack) are
# included, with the components some tests start themselves: redis-server
# (the stund fleet), chromium (the web UI), iperf3 (the transfer
# benchmark), tmux (the terminal UI), strace (system calls per relayed
# frame).
set -eu
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "install-deps.sh: run as root (sudo not found)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libssl-dev libevent-dev check mandoc \
	coturn stun-client stun-server tshark \
	iproute2 nftables conntrack procps psmisc jq openssl curl strace \
	clang libclang-rt-14-dev ca-certificates \
	libncurses-dev tmux redis-server libhiredis-dev iperf3 \
	chromium chromium-driver python3-selenium
# The test peers are programs the tests start, not services: Debian enables
# the daemons it installs, so stop and disable them where systemd runs and
# nothing holds :3478 or :6379 on a booted machine.  Vovida's server
# (stun-server) comes with an init script named stun, and its
# /usr/sbin/stund is only ever called by that full path in the tests.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	# One at a time: a unit that is missing must not keep the others.
	for u in coturn.service redis-server.service stun.service; do
		$SUDO systemctl disable --now "$u" >/dev/null 2>&1 || true
	done
fi

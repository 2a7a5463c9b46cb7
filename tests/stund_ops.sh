#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# stund for operators, on loopback: PROXY protocol v2 on TCP (and TLS) gives
# the header's client back in XOR-MAPPED-ADDRESS and a connection without
# the header gets nothing; start-up failures (unknown user, unreadable
# certificate, port in use, metrics address in use, a pid file in use) exit
# 1 with the reason on stderr before detaching, leaving no daemon; a
# daemon writes its pid file and its log file (stamped lines, reopened on
# SIGHUP after a rename) and removes the pid file when it stops; no-udp and
# no-tcp; the warnings about root and about files SIGHUP cannot re-read;
# JSON log lines.

. "${top_srcdir:-$(dirname "$0")/..}/tests/stund-lib.sh"

st_setup
st_need_bins
st_need timeout ss
T=$ST_TMP

# ----------------------------------------------------------- PROXY / TCP
if st_stund_start --primary 127.0.0.1 --port 0 --proxy-protocol tcp \
    --metrics 127.0.0.1:0; then
	L=$(st_poke --proxy 198.51.100.77:4242 "127.0.0.1:$TP1")
	st_check "proxy tcp" "$L" class success
	st_check "proxy tcp" "$L" xor_mapped 198.51.100.77:4242
	L=$(st_poke --proxy '[2001:db8::77]:4243' "127.0.0.1:$TP1" 2>&1)
	case $L in
	*"another family"*) st_ok "stunpoke refuses a mixed-family header" ;;
	*) st_fail "stunpoke --proxy v6 to a v4 server: $L" ;;
	esac
	L=$(st_poke --tcp --timeout 1500 "127.0.0.1:$TP1")
	case $L in
	*class=success*)
		st_fail "a connection without the header was answered: $L" ;;
	*) st_ok "a connection without the PROXY header gets no answer" ;;
	esac
	L=$(st_poke "127.0.0.1:$P1")
	st_check "udp beside a proxy listener" "$L" xor_mapped \
	    "$(st_field "$L" local)"
	MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' \
	    "$ST_LOG" | head -n 1)
	if st_have_http && [ -n "$MADDR" ]; then
		D=$(st_http_get "http://$MADDR/metrics" |
		    awk '/^stund_drops_total.*reason="proxy_header"/ { s += $2 }
		    END { print s + 0 }')
		[ "$D" -ge 1 ] && st_ok "metrics count $D refused header(s)" ||
		    st_fail "no proxy_header drop counted"
	fi
	st_stund_term
else
	st_fail "stund --proxy-protocol tcp did not start"
fi

# ----------------------------------------------------------- PROXY / TLS
if command -v openssl >/dev/null 2>&1 &&
    timeout 60 openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -keyout "$T/key.pem" -out "$T/cert.pem" \
    >/dev/null 2>&1; then
	if st_stund_start --primary 127.0.0.1 --port 0 --tls-port 0 \
	    --cert "$T/cert.pem" --key "$T/key.pem" \
	    --proxy-protocol tcp,tls; then
		L=$(st_poke --tls --proxy 203.0.113.9:5000 \
		    "127.0.0.1:$TLSP" 2>&1)
		st_check "proxy tls" "$L" proto tls
		st_check "proxy tls" "$L" xor_mapped 203.0.113.9:5000
		L=$(st_poke --tls --timeout 1500 "127.0.0.1:$TLSP" 2>&1)
		case $L in
		*class=success*)
			st_fail "TLS without the header was answered: $L" ;;
		*) st_ok "TLS without the PROXY header gets no answer" ;;
		esac
		st_stund_term
	else
		st_fail "stund --proxy-protocol tcp,tls did not start"
	fi
else
	echo "note: no openssl: PROXY over TLS not tried"
fi

# ------------------------------------------- start-up failures, daemon
# fails NAME PATTERN ARGS...: stund in daemon mode (no --foreground) must
# exit 1 with PATTERN on stderr and leave no daemon (its pid file, which
# a started daemon would write, stays empty).
fails()
{
	_n=$1
	_re=$2
	shift 2
	rm -f "$T/fail.pid"
	timeout 20 "$STUND" --pidfile "$T/fail.pid" "$@" >"$T/$_n.out" \
	    2>"$T/$_n.err"
	_rc=$?
	_pid=$(cat "$T/fail.pid" 2>/dev/null)
	if [ -n "$_pid" ]; then
		kill "$_pid" 2>/dev/null
		st_fail "$_n: a daemon (pid $_pid) was left"
	fi
	if [ $_rc -eq 1 ] && grep -Eq "$_re" "$T/$_n.err"; then
		st_ok "$_n: exit 1 before detaching: $(grep -E "$_re" \
		    "$T/$_n.err" | head -n 1)"
	else
		st_fail "$_n: rc $_rc, stderr: $(tr '\n' '|' <"$T/$_n.err")"
	fi
}

fails unknown-user "user: no such user 'nosuchuser-stunkit'" \
    --primary 127.0.0.1 --port 0 --user nosuchuser-stunkit
fails unknown-group "group: no such group 'nosuchgroup-stunkit'" \
    --primary 127.0.0.1 --port 0 --user nobody --group nosuchgroup-stunkit
fails missing-cert "tls: cert: /nonexist-stunkit.pem: No such file" \
    --primary 127.0.0.1 --port 0 --cert /nonexist-stunkit.pem \
    --key /nonexist-stunkit.pem
if [ -f "$T/cert.pem" ]; then
	cp "$T/cert.pem" "$T/unreadable.pem"
	chmod 000 "$T/unreadable.pem"
	# root reads any file: a certificate that is not one stands in.
	if [ "$(id -u)" -eq 0 ]; then
		printf 'not a certificate\n' >"$T/unreadable.pem"
		fails bad-cert "tls: cert .*unreadable.pem" \
		    --primary 127.0.0.1 --port 0 --tls-port 0 \
		    --cert "$T/unreadable.pem" --key "$T/key.pem"
	else
		fails unreadable-cert "unreadable.pem: Permission denied" \
		    --primary 127.0.0.1 --port 0 --cert "$T/unreadable.pem" \
		    --key "$T/key.pem"
	fi
fi

# A port in use, and a metrics address in use, named in the message.
if st_stund_start --primary 127.0.0.1 --port 0 --metrics 127.0.0.1:0; then
	MADDR=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics.*,\1,p' \
	    "$ST_LOG" | head -n 1)
	fails port-in-use "cannot bind udp 127.0.0.1:$P1: Address already" \
	    --primary 127.0.0.1 --port "$P1"
	[ -n "$MADDR" ] && fails metrics-in-use \
	    "metrics: cannot bind $MADDR: Address already in use" \
	    --primary 127.0.0.1 --port 0 --metrics "$MADDR"
	st_stund_term
else
	st_fail "stund for the port-in-use test did not start"
fi

# --------------------------------------- a daemon: pid file, log file
rm -f "$T/d.pid"
timeout 20 "$STUND" --primary 127.0.0.1 --port 0 --pidfile "$T/d.pid" \
    --log-file "$T/d.log" --log-level debug >"$T/d.out" 2>&1
rc=$?
DPID=$(cat "$T/d.pid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
	ST_PIDS="$ST_PIDS $DPID"
	st_ok "daemon started, pid file names live pid $DPID"
	st_wait_log "$T/d.log" 'started: ' 50 &&
	    grep -Eq '^20[0-9-]{8}T[0-9:.]{12}Z stund: started: ' "$T/d.log" &&
	    st_ok "log-file: stamped lines" ||
	    st_fail "log-file: no stamped start line: $(head -c 300 "$T/d.log")"
	fails pid-locked "pidfile: .*d.pid is locked by a running stund" \
	    --primary 127.0.0.1 --port 0 --pidfile "$T/d.pid"
	[ "$(cat "$T/d.pid")" = "$DPID" ] &&
	    st_ok "the pid file still names the running daemon" ||
	    st_fail "the pid file was changed by the refused start"
	mv "$T/d.log" "$T/d.log.1"
	kill -HUP "$DPID"
	if st_wait_log "$T/d.log" 'configuration reloaded' 50; then
		st_ok "SIGHUP reopened the log file after a rename"
	else
		st_fail "no new log file after SIGHUP"
	fi
	kill -TERM "$DPID"
	i=0
	while kill -0 "$DPID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	st_forget "$DPID"
	[ ! -e "$T/d.pid" ] && st_ok "the pid file is gone after SIGTERM" ||
	    st_fail "the pid file is left after SIGTERM"
else
	st_fail "daemon: rc $rc, pid '$DPID': $(cat "$T/d.out")"
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
fi

# ------------------------------------------------------ no-udp, no-tcp
if st_stund_start --primary 127.0.0.1 --port 0 --no-udp; then
	grep -q 'listening on udp' "$ST_LOG" &&
	    st_fail "no-udp: a UDP socket was bound" ||
	    st_ok "no-udp: no UDP socket"
	L=$(st_poke --tcp "127.0.0.1:$P1")
	st_check "no-udp, tcp" "$L" class success
	st_stund_term
else
	# With no UDP line st_stund_start finds no port.
	TPO=$(st_port_of "$ST_LOG" tcp 127.0.0.1 1)
	if [ -n "$TPO" ] && ! grep -q 'listening on udp' "$ST_LOG"; then
		st_ok "no-udp: TCP only, on port $TPO"
		L=$(st_poke --tcp "127.0.0.1:$TPO")
		st_check "no-udp, tcp" "$L" class success
	else
		st_fail "no-udp: $(tr '\n' '|' <"$ST_LOG")"
	fi
	st_stop "$ST_PID"
fi
if st_stund_start --primary 127.0.0.1 --port 0 --no-tcp; then
	grep -q 'listening on tcp' "$ST_LOG" &&
	    st_fail "no-tcp: a TCP socket was bound" ||
	    st_ok "no-tcp: no TCP socket"
	L=$(st_poke "127.0.0.1:$P1")
	st_check "no-tcp, udp" "$L" class success
	st_stund_term
else
	st_fail "stund --no-tcp did not start"
fi

# ----------------------------------------- root, user and reload warnings
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	if st_stund_start --primary 127.0.0.1 --port 0; then
		grep -q 'running as root: set user' "$ST_LOG" &&
		    st_ok "root without user is warned about" ||
		    st_fail "no warning about running as root"
		st_stund_term
	fi
	printf 'static-auth-secret not-for-anyone\nrealm ops.test\n' \
	    >"$T/secret.conf"
	chmod 600 "$T/secret.conf"
	if st_stund_start -c "$T/secret.conf" --primary 127.0.0.1 --port 0 \
	    --user nobody; then
		W="secret.conf is not readable by user nobody: SIGHUP will not"
		grep -q "config file .*$W" "$ST_LOG" &&
		    st_ok "a 0600 config with user nobody is warned about" ||
		    st_fail "no warning about the config SIGHUP cannot read:" \
		    "$(tr '\n' '|' <"$ST_LOG")"
		grep -q 'running as root' "$ST_LOG" &&
		    st_fail "root warning although user is given"
		grep -q 'running as nobody' "$ST_LOG" &&
		    st_ok "privileges dropped to nobody" ||
		    st_fail "no 'running as nobody' line"
		st_stund_term
	else
		st_fail "stund with user nobody did not start"
	fi
else
	echo "note: not root or no user nobody: privilege tests skipped"
fi

# ------------------------------------------------------------ dual stack
NATPROBE="$top_builddir/natprobe/natprobe"
if ! st_have_ipv6; then
	echo "note: no ::1: dual stack not tried"
elif st_stund_two --primary6 ::1 --workers 2; then
	P6=$(st_port_of "$ST_LOG" udp ::1 1)
	T6=$(st_port_of "$ST_LOG" tcp ::1 1)
	[ "$ST_SELFTEST" = passed ] &&
	    st_ok "dual stack: ipv4 self-test passed" ||
	    st_fail "dual stack: ipv4 self-test $ST_SELFTEST"
	L=$(st_poke "[::1]:$P6")
	st_check "dual stack, udp ::1" "$L" xor_mapped "$(st_field "$L" local)"
	L=$(st_poke --tcp "[::1]:$T6")
	st_check "dual stack, tcp ::1" "$L" xor_mapped "$(st_field "$L" local)"
	L=$(st_poke "127.0.0.1:$P1")
	st_check "dual stack, udp ipv4" "$L" other "127.0.0.2:$P2"
	if [ -x "$NATPROBE" ]; then
		timeout 60 "$NATPROBE" --json "127.0.0.1:$P1" >"$T/np4.json" \
		    2>"$T/np4.err" &
		N4=$!
		timeout 60 "$NATPROBE" --json "[::1]:$P6" >"$T/np6.json" \
		    2>"$T/np6.err"
		r6=$?
		wait $N4
		r4=$?
		grep -q '"other_address": *"127.0.0.2:' "$T/np4.json" &&
		    [ $r4 -eq 0 ] &&
		    st_ok "natprobe on 127.0.0.1 at once: RFC 5780 too" ||
		    st_fail "natprobe ipv4: rc $r4: $(head -c 300 "$T/np4.json" \
		    "$T/np4.err")"
		grep -q '"mapped_address": *"\[::1\]:' "$T/np6.json" &&
		    [ $r6 -eq 0 ] &&
		    st_ok "natprobe on ::1 at once: mapped [::1]" ||
		    st_fail "natprobe ipv6: rc $r6: $(head -c 300 "$T/np6.json" \
		    "$T/np6.err")"
	fi
	st_stund_term
else
	st_fail "stund with --primary6 ::1 did not start"
fi

# ------------------------------------------------------------ JSON lines
if st_stund_start --primary 127.0.0.1 --port 0 --log-format json; then
	kill -HUP "$ST_SPID"
	J='^\{"ts":"20[0-9-]{8}T[0-9:.]{12}Z","level":"info","prog":"stund",'
	if st_wait_log "$ST_LOG" '"msg":"configuration reloaded"' 50 &&
	    grep '"msg":"configuration reloaded"' "$ST_LOG" | grep -Eq "$J"
	then
		st_ok "log-format json: one JSON object a line"
	else
		st_fail "no JSON reload line: $(tail -n 3 "$ST_LOG")"
	fi
	st_stund_term
else
	st_fail "stund --log-format json did not start"
fi

st_done

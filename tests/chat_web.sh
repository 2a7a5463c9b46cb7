#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat's web UI (--web) on loopback: two p2pchat --web and our stund,
# two pages in a real headless Chromium through selenium (chat_web.py):
# a room created in one page and joined in the other by its code, lines
# both ways with their delivered marks, member lists, path pictures, a
# reload, leaving; a screenshot of each page is kept next to this test's
# log.  Then, with curl, what must be refused (403): no token, a wrong
# token, a foreign Origin, a cross-site fetch, a Host that DNS could rebind
# to us; and no CORS.  Skips without chromium, chromedriver,
# python3-selenium or curl.

. "${top_srcdir:-.}/tests/stund-lib.sh"

CHAT="$top_builddir/chat/p2pchat"

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
st_need timeout curl

# The browser itself, not Debian's wrapper script (which adds flags).
CHROMIUM=${CHROMIUM:-}
for c in /usr/lib/chromium/chromium "$(command -v chromium 2>/dev/null)" \
    "$(command -v chromium-browser 2>/dev/null)"; do
	[ -z "$CHROMIUM" ] && [ -n "$c" ] && [ -x "$c" ] && CHROMIUM=$c
done
[ -n "$CHROMIUM" ] ||
    st_skip "chromium not installed (apt-get install chromium)"
CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver 2>/dev/null)}
[ -n "$CHROMEDRIVER" ] ||
    st_skip "chromedriver not installed (apt-get install chromium-driver)"
PY=""
for p in python3 /usr/bin/python3; do
	if [ -z "$PY" ] && timeout 20 "$p" -c 'import selenium' \
	    >/dev/null 2>&1; then
		PY=$p
	fi
done
[ -n "$PY" ] ||
    st_skip "python3 selenium not installed (apt-get install python3-selenium)"

st_setup
T=$ST_TMP

# san FILE: did a sanitizer report anything?
san()
{
	grep -Eq 'Sanitizer|runtime error' "$1" 2>/dev/null
}

# web_start NAME: p2pchat --web on a port the system picks; sets
# URL_NAME, PORT_NAME and PID_NAME.
web_start()
{
	timeout 300 "$CHAT" --server "127.0.0.1:$P1" --name "$1" --web 0 \
	    --linger 3 </dev/null >"$T/$1.out" 2>"$T/$1.err" &
	eval "PID_$1=\$!"
	ST_PIDS="$ST_PIDS $!"
	if ! st_wait_log "$T/$1.out" 'http://' 100; then
		st_fail "$1: p2pchat --web printed no URL"
		sed 's/^/  | /' "$T/$1.err"
		st_done
	fi
	_u=$(sed -n 's/.*\(http:[^ ]*\).*/\1/p' "$T/$1.out" | head -n 1)
	eval "URL_$1=\$_u"
	_p=${_u#http://127.0.0.1:}
	eval "PORT_$1=\${_p%%/*}"
}

# --- The command line. ---
for bad in nonsense 1.2.3.4.5:80 ::1:80 127.0.0.1:70000 example.org:80; do
	timeout 10 "$CHAT" --server 127.0.0.1 --name x --web "$bad" \
	    </dev/null >/dev/null 2>"$T/usage.err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/usage.err")" -eq 1 ] &&
	    grep -q -- '--web' "$T/usage.err" &&
	    st_ok "--web $bad: one line, exit 2" ||
	    st_fail "--web $bad: exit $rc: $(cat "$T/usage.err")"
done
timeout 10 "$CHAT" --server 127.0.0.1 --name x --web 0 --batch \
    </dev/null >/dev/null 2>"$T/usage.err"
rc=$?
[ $rc -eq 2 ] && st_ok "--web with --batch: exit 2" ||
    st_fail "--web with --batch: exit $rc"

if ! st_stund_start --primary "$ST_IP1" --port 0; then
	st_fail "stund did not start"
	st_done
fi
grep -q 'rendezvous on' "$ST_LOG" ||
    st_skip "this stund does not serve the rendezvous"

web_start alice
web_start bob
st_ok "alice at $URL_alice, bob at port $PORT_bob"
A=http://127.0.0.1:$PORT_alice
TOK=${URL_alice##*token=}
COOKIE="p2pchat_$PORT_alice=$TOK"

# A port that is taken: one line, exit 1.
timeout 10 "$CHAT" --server "127.0.0.1:$P1" --name x \
    --web "127.0.0.1:$PORT_alice" </dev/null >/dev/null 2>"$T/busy.err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/busy.err")" -eq 1 ] &&
    st_ok "--web on a port in use: $(cat "$T/busy.err")" ||
    st_fail "--web on a port in use: exit $rc: $(cat "$T/busy.err")"

# http CODE DESC CURL-ARGS...: the status must be CODE.
http()
{
	_want=$1
	_d=$2
	shift 2
	_got=$(timeout 10 curl -s -o "$T/body" -D "$T/head" \
	    -w '%{http_code}' "$@")
	if [ "$_got" = "$_want" ]; then
		st_ok "$_d: $_got $(head -c 80 "$T/body" | tr '\n' ' ')"
	else
		st_fail "$_d: status $_got, want $_want"
	fi
}

# --- What must be refused. ---
http 403 "no token" "$A/"
http 403 "no token, the event stream" "$A/events"
http 403 "no token, a POST from the page's origin" -H "Origin: $A" \
    --data-binary '' "$A/room"
http 403 "a wrong token" "$A/?token=00000000000000000000000000000000"
http 403 "a wrong token in the cookie" \
    -b "p2pchat_$PORT_alice=00000000000000000000000000000000" "$A/"
http 403 "a rebinding Host (evil.example)" -b "$COOKIE" \
    -H "Host: evil.example:$PORT_alice" "$A/"
http 403 "a rebinding Host without port" -b "$COOKIE" \
    -H "Host: evil.example" "$A/"
http 403 "the right token, a rebinding Host" \
    -H "Host: evil.example:$PORT_alice" "$A/?token=$TOK"
http 403 "another address as Host" -b "$COOKIE" \
    -H "Host: 127.0.0.2:$PORT_alice" "$A/"
http 403 "a foreign Origin on POST" -b "$COOKIE" \
    -H "Origin: http://evil.example" --data-binary '' "$A/room"
http 403 "no Origin on POST" -b "$COOKIE" --data-binary '' "$A/room"
http 403 "an Origin on another port" -b "$COOKIE" \
    -H "Origin: http://127.0.0.1:1" --data-binary 'x' "$A/send"
http 403 "a cross-site fetch" -b "$COOKIE" -H "Origin: $A" \
    -H "Sec-Fetch-Site: cross-site" --data-binary '' "$A/quit"
http 403 "a foreign Origin on the event stream" -b "$COOKIE" \
    -H "Origin: http://evil.example" "$A/events"
http 501 "OPTIONS (no CORS preflight)" -b "$COOKIE" -X OPTIONS \
    -H "Origin: http://evil.example" \
    -H "Access-Control-Request-Method: POST" "$A/send"
# Nothing refused may have acted: no room yet, alice still there.
timeout 5 curl -s -N -m 2 -b "$COOKIE" "$A/events" >"$T/events.0"
if grep -q '^event: ready' "$T/events.0" &&
    ! grep -q '"event":"room"' "$T/events.0" &&
    kill -0 "$PID_alice" 2>/dev/null; then
	st_ok "the refused requests did nothing (no room, still running)"
else
	st_fail "a refused request acted: $(cat "$T/events.0")"
fi

# --- What must work. ---
http 303 "the URL printed: to a cookie" "$URL_alice"
SETC="Set-Cookie: p2pchat_$PORT_alice=$TOK; Path=/; HttpOnly; SameSite=Strict"
if grep -qi "^$SETC" "$T/head" && grep -qi '^Location: /' "$T/head"; then
	st_ok "Set-Cookie is HttpOnly and SameSite=Strict, Location: /"
else
	st_fail "the first load: $(tr '\r\n' '  ' <"$T/head")"
fi
http 200 "the cookie" -b "$COOKIE" "$A/"
if grep -qi '^Access-Control' "$T/head"; then
	st_fail "a CORS header: $(grep -i '^Access-Control' "$T/head")"
else
	st_ok "no CORS header"
fi
grep -qi "^Content-Security-Policy: default-src 'none'" "$T/head" &&
    st_ok "a Content-Security-Policy" || st_fail "no Content-Security-Policy"
http 200 "Host: localhost" -b "$COOKIE" -H "Host: localhost:$PORT_alice" \
    "$A/app.js"
http 404 "an unknown page" -b "$COOKIE" "$A/nothing"
http 409 "a line before any room" -b "$COOKIE" -H "Origin: $A" \
    --data-binary 'hi' "$A/send"
http 400 "a mistyped code" -b "$COOKIE" -H "Origin: $A" \
    --data-binary '0000-0000-0000-0000-0000-0000-0001' "$A/room"

# --- Two pages in Chromium. ---
timeout 240 "$PY" "${top_srcdir:-.}/tests/chat_web.py" \
    --alice "$URL_alice" --bob "$URL_bob" --out "$T" \
    --chromium "$CHROMIUM" --chromedriver "$CHROMEDRIVER" --timeout 30 \
    >"$T/selenium.log" 2>&1
rc=$?
cat "$T/selenium.log"
grep -q '^FAIL' "$T/selenium.log" && ST_FAILS=$((ST_FAILS + 1))
[ $rc -eq 0 ] && st_ok "the browser test passed" ||
    st_fail "the browser test: exit $rc"
for n in alice bob; do
	if [ -s "$T/$n.png" ]; then
		cp "$T/$n.png" "$top_builddir/tests/chat_web-$n.png" &&
		    st_ok "$n's page: tests/chat_web-$n.png"
	else
		st_fail "no screenshot of $n's page"
	fi
done

# Alice left from her page: p2pchat ends by itself, status 0.
_i=0
while kill -0 "$PID_alice" 2>/dev/null && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if kill -0 "$PID_alice" 2>/dev/null; then
	st_fail "alice's p2pchat still runs after leaving from the page"
else
	wait "$PID_alice"
	rc=$?
	st_forget "$PID_alice"
	[ $rc -eq 0 ] && st_ok "alice's p2pchat exited 0 after Leave" ||
	    st_fail "alice's p2pchat exited $rc: $(cat "$T/alice.err")"
fi
# Bob ends on SIGTERM as on a terminal.
kill -TERM "$(st_child "$PID_bob")" 2>/dev/null
_i=0
while kill -0 "$PID_bob" 2>/dev/null && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
wait "$PID_bob"
rc=$?
st_forget "$PID_bob"
[ $rc -eq 0 ] && st_ok "bob's p2pchat exited 0 on SIGTERM" ||
    st_fail "bob's p2pchat exited $rc: $(cat "$T/bob.err")"

for n in alice bob; do
	if san "$T/$n.err"; then
		st_fail "sanitizer report from $n's p2pchat:"
		sed 's/^/  | /' "$T/$n.err" | head -n 60
	fi
done
st_done

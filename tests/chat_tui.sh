#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# p2pchat's terminal UI, driven through tmux: real terminals, keys typed
# with send-keys, screens read with capture-pane and compared row by row
# with what they must show.  Two peers chat through a loopback stund while
# one has half a line typed with the cursor moved left; wide characters
# (CJK, emoji) and a combining accent take the columns they should; a
# resize re-lays the screen; Control-Z and fg give the terminal back and
# take it again in raw mode; a paste of five lines sends five messages;
# /who, /invite, unknown commands, Tab, history; /quit with a message
# pending says it waits and for how long, and what was not delivered is
# quoted on the terminal after the UI is gone; the code is shown only once
# the room exists, never when the server does not answer (the UI says it
# does not); --join asks for the code and an empty room says so.
# Loopback only.

. "${top_srcdir:-.}/tests/stund-lib.sh"

CHAT="$top_builddir/chat/p2pchat"

[ -x "$STUND" ] || st_skip "$STUND not built"
[ -x "$CHAT" ] || st_skip "$CHAT not built"
command -v tmux >/dev/null 2>&1 ||
    st_skip "tmux not installed (install-deps.sh installs it)"
st_need bash timeout locale
UTF8=$(locale -a 2>/dev/null | grep -Eix 'c\.utf-?8' | head -n 1)
[ -n "$UTF8" ] || st_skip "no C.UTF-8 locale"
tmux -V | grep -Eq 'tmux (3\.[2-9]|[4-9])' ||
    st_skip "tmux 3.2 or later needed (-D, resize-window)"
st_setup
T=$ST_TMP
SOCK="$T/tmux.sock"
CHAT=$(cd "${CHAT%/*}" && pwd)/p2pchat

tm()
{
	timeout 10 tmux -S "$SOCK" -f /dev/null "$@"
}

tui_cleanup()
{
	tm kill-server >/dev/null 2>&1
	st_cleanup
}
trap 'tui_cleanup' EXIT

# The tmux server in the foreground (-D) under a timeout: it and every
# pane go away even if this script is killed.
timeout 300 tmux -S "$SOCK" -f /dev/null -D >"$T/tmux.log" 2>&1 &
ST_PIDS="$ST_PIDS $!"
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S "$SOCK" ] || st_skip "the tmux server did not start"

# Sanitizer reports go to files, not into the UI.
SAN="$T/san"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN"
UBSAN_OPTIONS="$UBSAN_OPTIONS:print_stacktrace=1"

# session NAME COLS ROWS: an interactive bash (job control) in a new
# terminal of that size, with a plain prompt and a UTF-8 locale.
session()
{
	tm new-session -d -s "$1" -x "$2" -y "$3" \
	    "env -i PATH='$PATH' HOME='$T' TERM=tmux-256color \
	    LANG=$UTF8 LC_ALL=$UTF8 USER=$1 PS1='$ ' \
	    ASAN_OPTIONS='$ASAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS' \
	    bash --norc --noprofile -i" || return 1
	wait_screen "$1" '$' 50
}

# cap NAME: the screen, one line per row.
cap()
{
	tm capture-pane -p -t "$1" 2>/dev/null
}

# rows NAME: the screen with times as hh:mm:ss.
rows()
{
	cap "$1" | sed 's/^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] /hh:mm:ss /'
}

# row NAME N: row N (from 0) of the screen.
row()
{
	rows "$1" | sed -n "$(($2 + 1))p"
}

# wait_screen NAME FIXED [TENTHS]: until the screen shows FIXED.
wait_screen()
{
	_i=0
	while [ $_i -lt "${3:-100}" ]; do
		cap "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_row NAME N TEXT [TENTHS]: until row N is exactly TEXT.
wait_row()
{
	_i=0
	while [ $_i -lt "${4:-50}" ]; do
		[ "$(row "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

cursor()
{
	tm display -p -t "$1" '#{cursor_x},#{cursor_y}'
}

# until TENTHS CMD...: until CMD succeeds (the program may not have
# drawn what it was just sent yet); CMD's status.
until_ok()
{
	_j=0
	_n=$1
	shift
	while ! "$@"; do
		[ $_j -ge "$_n" ] && return 1
		sleep 0.1
		_j=$((_j + 1))
	done
	return 0
}

# at NAME X,Y: the cursor is there.
at()
{
	[ "$(cursor "$1")" = "$2" ]
}

# keys NAME TEXT: type TEXT literally.
keys()
{
	tm send-keys -t "$1" -l -- "$2"
}

# check WHAT: note the result of the test just run ($?), with a screen.
check()
{
	if [ $? -eq 0 ]; then
		st_ok "$1"
	else
		st_fail "$1"
		[ -n "${2:-}" ] && rows "$2" | sed 's/^/  | /'
	fi
}

# expect_row NAME N TEXT WHAT
expect_row()
{
	wait_row "$1" "$2" "$3"
	_rc=$?
	if [ $_rc -ne 0 ]; then
		echo "  row $2 of $1: '$(row "$1" "$2")'"
		echo "  expected:   '$3'"
	fi
	[ $_rc -eq 0 ]
	check "$4" "$1"
}

# pane_pid NAME: the process the terminal started (bash, or what it
# became with exec).
pane_pid()
{
	tm display -p -t "$1" '#{pane_pid}'
}

if ! st_stund_start --primary "$ST_IP1" --port 0; then
	st_fail "stund did not start"
	st_done
fi
SRV="127.0.0.1:$P1"
CLOSED=$(st_free_port) || st_skip "no free port"

# --- Nobody answers: no code is shown, the UI says it is connecting. ---
session carol 100 12 || st_skip "tmux cannot start bash"
keys carol "$CHAT --server 127.0.0.1:$CLOSED"
tm send-keys -t carol Enter
wait_screen carol "connecting to the rendezvous server 127.0.0.1:$CLOSED" 50
check "an unreachable server: 'connecting to the rendezvous server'" carol
expect_row carol 10 " carol | connecting to 127.0.0.1:$CLOSED..." \
    "an unreachable server: the status line says 'connecting'"
wait_screen carol "-- no answer from the rendezvous server \
127.0.0.1:$CLOSED yet; still trying" 50
check "an unreachable server: after 2 s the UI says it does not answer" carol
expect_row carol 10 " carol | server 127.0.0.1:$CLOSED not answering" \
    "an unreachable server: so does the status line"

# --- Alice creates a room: the code once the server registered her. ---
session alice 80 24 || st_skip "tmux cannot start bash"
keys alice "exec $CHAT --server $SRV --linger 30"
tm send-keys -t alice Enter
wait_screen alice "share this code:" 100
check "alice: 'room created; share this code'" alice
CODE=$(cap alice | sed -n 's/.*share this code: \([0-9a-z-]*\).*/\1/p')
[ -n "$CODE" ] || { st_fail "no code on alice's screen"; st_done; }
rows alice | grep -Fq "hh:mm:ss -- connecting to the rendezvous server $SRV"
check "alice: 'connecting' came first"
expect_row alice 22 " alice @ $CODE | nobody else here | server ok" \
    "alice: the status line (name, code, nobody, server)"
expect_row alice 23 ">" "alice: an empty input line"

# --- Bob joins with the code from the environment. ---
session bob 60 20 || st_skip "tmux cannot start bash"
keys bob "P2PCHAT_CODE=$CODE $CHAT --server $SRV --linger 30"
tm send-keys -t bob Enter
wait_screen bob "alice joined (end-to-end encrypted)" 100
check "bob: 'alice joined'" bob
wait_screen alice "bob joined (end-to-end encrypted)" 50
check "alice: 'bob joined'" alice
rows bob | grep -Fxq "hh:mm:ss -- joined room $CODE"
check "bob: 'joined room CODE'" bob
ALICE=$(pane_pid alice)
BOB=$(st_child "$(pane_pid bob)")
if [ -n "$BOB" ] && ! tr '\0' ' ' <"/proc/$BOB/cmdline" | grep -q "$CODE"
then
	st_ok "bob: the code is not on his command line"
else
	st_fail "bob: pid '$BOB', code in his command line?"
fi
status_direct()
{
	rows bob | sed -n 19p | grep -q "^ bob @ $CODE | alice direct/udp"
}
until_ok 50 status_direct
check "bob: the status line shows alice's path: direct/udp" bob
rows bob | grep -Eq \
    '^hh:mm:ss -- path to alice: direct/udp 127\.0\.0\.1:[0-9]+ '
check "bob: the path line says direct/udp" bob

# --- Half a line typed, cursor moved left; messages arrive meanwhile. ---
keys bob "abc def"
tm send-keys -t bob Left Left Left
for m in one two three; do
	keys alice "$m"
	tm send-keys -t alice Enter
done
wait_screen bob "<alice> three" 50
check "bob: alice's three messages arrived" bob
expect_row bob 19 "> abc def" "bob: the half line stays as typed"
until_ok 30 at bob 6,19
check "bob: the cursor stays left, before 'def' (6,19: $(cursor bob))"
keys bob "XYZ "
tm send-keys -t bob Enter
wait_screen alice "<bob> abc XYZ def" 50
check "alice: Enter sent the whole line, typed at the cursor" alice
expect_row bob 19 ">" "bob: the input line is empty again"

# --- Wide and combining characters, by display width. ---
# Forty CJK characters: 80 columns.  Alice's row holds hh:mm:ss <bob>
# (15 columns) and 32 of them (64); the rest follows under the text.
CJK8="漢字漢字漢字漢字"
CJK32="$CJK8$CJK8$CJK8$CJK8"
CJK="$CJK32$CJK8"
keys bob "$CJK"
tm send-keys -t bob Enter
wait_screen alice "<bob> 漢字" 50
R=$(rows alice | grep -n "<bob> 漢字" | cut -d: -f1)
FIRST="hh:mm:ss <bob> $CJK32"
NEXT="         $CJK8"
[ -n "$R" ] && [ "$(row alice $((R - 1)))" = "$FIRST" ] &&
    [ "$(row alice "$R")" = "$NEXT" ]
check "alice: 40 CJK characters wrap after 32 (two columns each)" alice
ACUTE=$(printf 'e\314\201')		# e + U+0301 COMBINING ACUTE ACCENT
keys bob "😀 caf$ACUTE!"
until_ok 30 at bob 10,19
check "bob: emoji (2 columns), e+acute (1): the cursor at 10 ($(cursor bob))"
tm send-keys -t bob Left Left
keys bob "X"
expect_row bob 19 "> 😀 cafX$ACUTE!" \
    "bob: Left moves over e+acute as one cell"
tm send-keys -t bob BSpace End
tm send-keys -t bob Enter
wait_screen alice "<bob> 😀 caf$ACUTE!" 50
check "alice: the emoji and the combining accent arrive and show" alice

# --- Resize: the screen is laid out again, the half line kept. ---
keys bob "kept"
tm resize-window -t bob -x 50 -y 15
expect_row bob 14 "> kept" "bob, resized to 50x15: the input line on row 14"
rows bob | sed -n 14p | grep -q "^ bob @ $CODE | alice"
check "bob, resized: the status line on row 13" bob
[ "$(cap bob | wc -l)" -eq 15 ] &&
    [ "$(cap bob | LC_ALL=$UTF8 wc -L)" -le 50 ]
check "bob, resized: 15 rows of at most 50 columns" bob
tm send-keys -t bob End C-u

# --- Control-Z and fg: the terminal back in raw mode, no echo. ---
tm send-keys -t bob C-z
wait_screen bob "Stopped" 50
check "bob: Control-Z stops p2pchat (the shell says Stopped)" bob
keys bob "fg"
tm send-keys -t bob Enter
wait_screen bob " bob @ $CODE" 50
check "bob: fg brings the screen back" bob
TTY=$(tm display -p -t bob '#{pane_tty}')
raw()
{
	stty -F "$TTY" -a 2>/dev/null | grep -q -- '-icanon' &&
	    stty -F "$TTY" -a 2>/dev/null | grep -q -- '-echo '
}
until_ok 30 raw
check "bob: after fg the terminal is raw again (-icanon -echo)"
keys bob "hello"
tm send-keys -t bob Left Left
keys bob "X"
expect_row bob 14 "> helXlo" "bob: after fg keys edit the line, no echo"
tm send-keys -t bob End C-u

# --- A paste of five lines: five messages, in order. ---
printf 'paste 1\npaste 2\npaste 3\npaste 4\npaste 5\n' >"$T/paste"
tm load-buffer -b p "$T/paste"
tm paste-buffer -b p -t bob
wait_screen alice "<bob> paste 5" 50
[ "$(rows alice | grep -o '<bob> paste [0-9]' | tr '\n' ' ')" = \
    "<bob> paste 1 <bob> paste 2 <bob> paste 3 <bob> paste 4 <bob> paste 5 " ]
check "alice: the pasted lines arrive as five messages in order" alice

# --- Commands. ---
tm resize-window -t bob -x 120 -y 30
keys bob "/who"
tm send-keys -t bob Enter
ADDR='127\.0\.0\.1:[0-9]+'
# The relay is gathered up front: the rendezvous server hands it out.
RLY="(, relayed $ADDR)?"
who_shows()
{
	rows bob | grep -Eq \
	    "^hh:mm:ss +bob \(you, #[0-9]+\): seen by the server as $ADDR$RLY\$" &&
	    rows bob | grep -Eq \
	    "^hh:mm:ss +alice \(#[0-9]+\): connected, direct/udp $ADDR, rtt [0-9]+ ms\$"
}
wait_screen bob "-- room $CODE: 2 here" 50 && until_ok 30 who_shows
check "bob: /who lists the code, bob and alice (direct/udp, RTT)" bob
# 120 columns: the status line has room for the RTT after the path.
rows bob | grep -Eq "^ bob @ $CODE \| alice direct/udp [0-9]+ms \|"
check "bob: the status line shows alice's path, direct/udp, and RTT" bob
keys bob "/invite"
tm send-keys -t bob Enter
wait_screen bob "-- share this code: $CODE" 50
check "bob: /invite shows the code again" bob
keys bob "/nick bobby"
tm send-keys -t bob Enter
wait_screen bob "-- unknown command /nick (try /help)" 50
check "bob: /nick is an unknown command" bob
tm send-keys -t bob Up
expect_row bob 29 "> /nick bobby" "bob: Up recalls the last line"
tm send-keys -t bob End C-u
keys bob "hi al"
tm send-keys -t bob Tab
expect_row bob 29 "> hi alice" "bob: Tab completes a name" &&
    until_ok 30 at bob 11,29
check "bob: Tab adds a space after the name ($(cursor bob))"
tm send-keys -t bob End C-u

# --- /quit while a message is pending: says so; quotes what was lost. ---
# Dave, a --batch peer with the code on the first line of its stdin, is
# stopped so that he cannot acknowledge (tmux would continue a stopped
# process it started itself, such as alice).
mkfifo "$T/dave.in" || exit 99
exec 3<>"$T/dave.in"
timeout 120 "$CHAT" --batch --server "$SRV" --name dave --code-file - \
    <"$T/dave.in" >"$T/dave.out" 2>"$T/dave.err" 3>&- &
ST_PIDS="$ST_PIDS $!"
i=0
while [ -z "$(st_child $!)" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
DAVE=$(st_child $!)
echo "$CODE" >&3
wait_screen bob "-- dave joined (end-to-end encrypted)" 100
check "bob: dave joined with the code from his stdin" bob
if ! tr '\0' ' ' <"/proc/$DAVE/cmdline" | grep -q "$CODE"; then
	st_ok "dave: the code is not on his command line"
else
	st_fail "dave: the code is on his command line"
fi
if [ -n "$DAVE" ] && kill -STOP "$DAVE" 2>/dev/null; then
	keys bob "this one waits for dave"
	tm send-keys -t bob Enter
	wait_screen alice "<bob> this one waits for dave" 50
	check "alice: got the message dave cannot acknowledge" alice
	keys bob "/quit"
	tm send-keys -t bob Enter
	wait_screen bob "-- waiting up to 30 s for 1 message to be delivered; \
/quit again or Control-C leaves now" 50
	check "bob: /quit says it waits, how long, and how to leave now" bob
	keys bob "/quit"
	tm send-keys -t bob Enter
	wait_screen bob "-- not delivered to dave: \"this one waits for dave\" \
(gave up at exit)" 100
	check "bob: after the UI, the message not delivered is quoted" bob
	wait_screen bob "-- left the room" 50
	check "bob: after the UI, 'left the room'" bob
	kill -CONT "$DAVE"
else
	st_fail "cannot stop dave's p2pchat"
fi
exec 3>&-
wait_screen bob '$ ' 50
rows bob | grep -q "^p2pchat:"
[ $? -ne 0 ]
check "bob: p2pchat exited without an error line" bob

# --- The unreachable server: its error, never a code. ---
wait_screen carol \
    "p2pchat: 127.0.0.1:$CLOSED: no answer from the rendezvous server" 200
check "carol: 'no answer from the rendezvous server' after the UI" carol
cap carol | grep -q "share this code"
[ $? -ne 0 ]
check "carol: no 'share this code' without a server" carol

# --- An empty room joined with --join: the prompt, then 'nobody'. ---
CODE2=$(timeout 30 "$CHAT" --batch --server "$SRV" --name tmp </dev/null |
    sed -n 's/.*"event":"room","code":"\([^"]*\)".*/\1/p')
if [ -n "$CODE2" ]; then
	keys carol "$CHAT --server $SRV --join"
	tm send-keys -t carol Enter
	wait_screen carol "room code:" 50
	check "carol: --join asks for the room code" carol
	keys carol "$CODE2"
	tm send-keys -t carol Enter
	wait_screen carol "-- nobody else here yet; share the code" 100
	check "carol: an empty room says 'nobody else here yet'" carol
	rows carol | grep -Fxq "hh:mm:ss -- joined room $CODE2"
	check "carol: joined the room of the code typed" carol
	tm send-keys -t carol C-c
	wait_screen carol "-- left the room" 100
	check "carol: Control-C leaves" carol
else
	st_fail "no code from a batch p2pchat"
fi

# --- Alice leaves cleanly; nothing for the sanitizers. ---
# running PID: not gone, nor a zombie tmux has not reaped yet.
running()
{
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	''|Z*)	return 1 ;;
	esac
	return 0
}
keys alice "/quit"
tm send-keys -t alice Enter
i=0
while [ -n "$ALICE" ] && running "$ALICE" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -n "$ALICE" ] && ! running "$ALICE"
check "alice: /quit ends p2pchat" alice
for f in "$SAN".*; do
	[ -f "$f" ] || continue
	st_fail "sanitizer report ${f##*/}:"
	head -n 30 "$f" | sed 's/^/  | /'
done
st_done

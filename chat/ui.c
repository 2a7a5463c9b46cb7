/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's terminal front end: the screen.  A message pane that scrolls,
 * a status line and an input line, drawn with ncursesw once per turn of
 * the event loop; keys, resize, suspend and resume; what p2pchat logs
 * while the screen is ours goes into the pane.  uimsg.c says what is
 * shown, uiedit.c edits the input line, uitext.c measures text.
 *
 * Why ncursesw: Debian ships it (libncurses-dev) and it is maintained; it
 * decodes every terminal's keys from terminfo (arrows, Home, End, Page
 * Up/Down, Control-arrows), lays out wide and combining characters in
 * cells, redraws only what changed, and gives the terminal back with
 * endwin() and takes it again on the next refresh, as suspend and resume
 * need.  libedit's readline interface edits one line well, but it owns
 * the bottom of a plain terminal: every message arriving while a line is
 * half typed would mean erasing and redrawing its prompt by hand, which
 * is what this replaces, and it has no place for a status line.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#define NCURSES_WIDECHAR	1
#include <curses.h>
#include <event2/event.h>

#include "chat/crypto.h"
#include "chat/reliable.h"
#include "chat/p2pchat.h"
#include "chat/uitext.h"
#include "chat/uiedit.h"
#include "chat/ui.h"

#define UI_PANE_LINES	2000		/* lines kept for scrolling back */
#define UI_PANE_CHARS	(1 << 20)	/* and characters in them */
#define UI_STAMP	9		/* "hh:mm:ss " */
#define UI_LOG_LINE	512		/* a logged line longer is split */
#define UI_KEYS_MAX	(1 << 20)	/* keys taken per wake-up */
#define UI_AFTER_MAX	200		/* lines shown again at the end */
#define UI_ESCDELAY	25		/* ms: ESC alone, or a key's start */
#define UI_STATUS_MAX	1024
#define UI_SLOW		2		/* s without the room: say so */

struct ui_line {
	int		 kind;
	size_t		 len;
	wchar_t		 text[];
};

/* The terminal is one per process: so is this state. */
static struct {
	int		 on;
	SCREEN		*scr;
	struct event	*ev_draw, *ev_winch, *ev_tstp, *ev_cont, *ev_log;
	struct event	*ev_slow;
	int		 logfd;		/* the read end of our stderr */
	int		 errfd;		/* the terminal, stderr before us */
	char		 log[UI_LOG_LINE];
	size_t		 loglen;
	struct ui_edit	 ed;
	int		 esc;		/* 1 after ESC, 2 in an unknown CSI */
	int		 full;		/* said that the line is full */
	/* The pane: a ring of lines, oldest at head. */
	struct ui_line	*pane[UI_PANE_LINES];
	unsigned	 head, n;
	size_t		 chars;
	uint64_t	 seq;		/* lines ever added */
	uint64_t	 leave_seq;	/* seq + 1 once the user began leaving */
	unsigned	 scroll;	/* rows scrolled back */
	/* The line being built: UTF-8, up to a whole message. */
	char		 lb[CHAT_REL_MSG_MAX + 1024];
	size_t		 lblen;
	int		 lbkind;
} ui = { .logfd = -1, .errfd = -1 };

static attr_t
ui_attr(int kind)
{
	static const short pair[] = { 1, 0, 0, 2, 3 };

	if (kind == UI_L_SELF)
		return (A_BOLD);
	if (has_colors() && kind >= 0 && kind <= UI_L_LOG && pair[kind] != 0)
		return (COLOR_PAIR(pair[kind]) |
		    (kind == UI_L_WARN ? A_BOLD : 0));
	return (kind == UI_L_WARN ? A_BOLD : A_NORMAL);
}

void
ui_dirty(void)
{
	if (ui.on && ui.ev_draw != NULL)
		event_active(ui.ev_draw, EV_TIMEOUT, 0);
}

void
ui_leaving(void)
{
	if (ui.leave_seq == 0)
		ui.leave_seq = ui.seq + 1;
}

/*
 * Building pane lines.
 */

void
ui_begin(int kind)
{
	struct tm	tm;
	time_t		t = time(NULL);

	ui.lbkind = kind;
	ui.lblen = 0;
	if (localtime_r(&t, &tm) != NULL)
		ui.lblen = strftime(ui.lb, sizeof(ui.lb), "%H:%M:%S ", &tm);
}

void
ui_add(const char *fmt, ...)
{
	size_t	room = sizeof(ui.lb) - ui.lblen;
	va_list	ap;
	int	n;

	if (room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ui.lb + ui.lblen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		ui.lblen += (size_t)n < room ? (size_t)n : room - 1;
}

void
ui_addn(const void *buf, size_t len)
{
	if (len > sizeof(ui.lb) - ui.lblen)
		len = sizeof(ui.lb) - ui.lblen;
	memcpy(ui.lb + ui.lblen, buf, len);
	ui.lblen += len;
}

void
ui_addaddr(const struct stun_addr *a)
{
	char	buf[64];

	if (a->family != 0 && stun_addr_format(a, buf, sizeof(buf)) == 0)
		ui_add("%s", buf);
	else
		ui_add("-");
}

/*
 * Rows l takes in cols columns; with draw set, draws them from screen row
 * y on, leaving out those outside rows 0 to ymax - 1.
 */
static unsigned
ui_rows(const struct ui_line *l, size_t cols, int draw, int y, int ymax);

void
ui_end(void)
{
	struct ui_line	*l, *old;
	size_t		 n;

	if (!ui.on)
		return;
	if ((l = malloc(sizeof(*l) + ui.lblen * sizeof(wchar_t))) == NULL)
		return;
	l->kind = ui.lbkind;
	l->len = ui_text_decode((const uint8_t *)ui.lb, ui.lblen, l->text,
	    ui.lblen);
	while (ui.n > 0 && (ui.n == UI_PANE_LINES ||
	    ui.chars + l->len > UI_PANE_CHARS)) {
		old = ui.pane[ui.head];
		ui.chars -= old->len;
		free(old);
		ui.head = (ui.head + 1) % UI_PANE_LINES;
		ui.n--;
	}
	ui.pane[(ui.head + ui.n) % UI_PANE_LINES] = l;
	ui.n++;
	ui.chars += l->len;
	ui.seq++;
	/* Scrolled back: what is on the screen stays there. */
	n = COLS > 0 ? (size_t)COLS : 80;
	if (ui.scroll > 0)
		ui.scroll += ui_rows(l, n, 0, 0, 0);
	ui_dirty();
}

/*
 * Drawing.
 */

/* Draw the cells of s[from..to) at the cursor. */
static void
ui_cells(const wchar_t *s, size_t from, size_t to, attr_t attr)
{
	cchar_t	cc;
	wchar_t	wc[UI_TEXT_MARKS + 2];
	size_t	i, next, k;

	for (i = from; i < to; i = next) {
		next = ui_text_next(s, to, i);
		wc[0] = s[i] == L'\t' ? L' ' : wcwidth(s[i]) < 0 ? L'?' : s[i];
		for (k = 1; k <= UI_TEXT_MARKS && i + k < next; k++)
			wc[k] = s[i + k];
		wc[k] = L'\0';
		if (getcurx(stdscr) + ui_text_wcw(s[i]) > COLS)
			break;
		if (setcchar(&cc, wc, attr, 0, NULL) == OK)
			(void)add_wch(&cc);
	}
}

static unsigned
ui_rows(const struct ui_line *l, size_t cols, int draw, int y, int ymax)
{
	size_t		i = 0, end, w, ind = cols > 30 ? UI_STAMP : 0;
	unsigned	r = 0;

	if (cols == 0)
		return (1);
	do {
		end = ui_text_fit(l->text, l->len, i, r == 0 ? cols :
		    cols - ind, 1, &w);
		if (draw && y + (int)r >= 0 && y + (int)r < ymax) {
			move(y + (int)r, r == 0 ? 0 : (int)ind);
			ui_cells(l->text, i, end, ui_attr(l->kind));
		}
		r++;
		i = end;
		/* A row does not start with the space it was broken at. */
		while (i < l->len && l->text[i] == L' ')
			i++;
	} while (i < l->len);
	return (r);
}

/* Keep the scroll within the lines there are. */
static void
ui_scroll_clamp(int rows, size_t cols)
{
	uint64_t	total = 0;
	unsigned	k;

	if (ui.scroll == 0)
		return;
	for (k = 0; k < ui.n && total < (uint64_t)ui.scroll + (unsigned)rows;
	    k++)
		total += ui_rows(ui.pane[(ui.head + ui.n - 1 - k) %
		    UI_PANE_LINES], cols, 0, 0, 0);
	if (total <= (uint64_t)rows)
		ui.scroll = 0;
	else if (total - (uint64_t)rows < ui.scroll)
		ui.scroll = (unsigned)(total - (uint64_t)rows);
}

static void
ui_draw_pane(int rows, size_t cols)
{
	struct ui_line	*l;
	unsigned	 skip, r, k;
	int		 y = rows;

	ui_scroll_clamp(rows, cols);
	skip = ui.scroll;
	for (k = ui.n; k > 0 && y > 0; k--) {
		l = ui.pane[(ui.head + k - 1) % UI_PANE_LINES];
		r = ui_rows(l, cols, 0, 0, 0);
		if (skip >= r) {
			skip -= r;
			continue;
		}
		y -= (int)(r - skip);
		(void)ui_rows(l, cols, 1, y, y + (int)(r - skip));
		skip = 0;
	}
}

static void
ui_draw_status(int y, size_t cols)
{
	static char	 buf[UI_STATUS_MAX];
	static wchar_t	 ws[UI_STATUS_MAX];
	size_t		 n, end, w;

	ui_msg_status(buf, sizeof(buf), ui.scroll > 0);
	n = ui_text_decode((const uint8_t *)buf, strlen(buf), ws,
	    UI_STATUS_MAX);
	attrset(A_REVERSE);
	mvhline(y, 0, ' ' | A_REVERSE, (int)cols);
	move(y, 0);
	end = ui_text_fit(ws, n, 0, cols, 0, &w);
	ui_cells(ws, 0, end, A_REVERSE);
	attrset(A_NORMAL);
}

static void
ui_draw(void)
{
	size_t	cols, from, to, curcol;
	int	rows, prompt;

	if (!ui.on)
		return;
	rows = LINES;
	cols = COLS > 0 ? (size_t)COLS : 0;
	erase();
	if (rows >= 3)
		ui_draw_pane(rows - 2, cols);
	if (rows >= 2)
		ui_draw_status(rows - 2, cols);
	prompt = cols > 4 ? 2 : 0;
	if (prompt)
		mvaddstr(rows - 1, 0, "> ");
	ui_edit_view(&ui.ed, cols - (size_t)prompt, &from, &to, &curcol);
	move(rows - 1, prompt);
	ui_cells(ui.ed.buf, from, to, A_NORMAL);
	move(rows - 1, prompt + (int)curcol);
	refresh();
}

static void
ui_draw_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ui_msg_settle();
	ui_draw();
}

static void
ui_slow_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ui_msg_slow();
}

/*
 * The terminal: size, suspend, resume.
 */

static void
ui_resize(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		(void)resizeterm(ws.ws_row, ws.ws_col);
}

/* Back from a stop: the terminal may have changed size and modes. */
static void
ui_resume(void)
{
	reset_prog_mode();
	ui_resize();
	clearok(curscr, TRUE);
	ui_draw();
}

/*
 * Control-Z (a key: the terminal is raw) or SIGTSTP: give the terminal
 * back and stop the whole job, as the terminal's own Control-Z would.
 * Without job control (an orphaned process group) the kernel drops the
 * signal and we go on.
 */
static void
ui_suspend(void)
{
	struct sigaction	sa, old;

	endwin();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTSTP, &sa, &old) == 0) {
		(void)kill(0, SIGTSTP);	/* the job stops here until fg */
		(void)sigaction(SIGTSTP, &old, NULL);
	}
	ui_resume();
}

static void
ui_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (!ui.on)
		return;
	if (sig == SIGTSTP)
		ui_suspend();
	else if (sig == SIGCONT)
		ui_resume();
	else {
		ui_resize();
		clearok(curscr, TRUE);
		ui_draw();
	}
}

/* What p2pchat logs while the screen is ours: a line each in the pane. */
static void
ui_log_flush(void)
{
	if (ui.loglen == 0)
		return;
	ui_begin(UI_L_LOG);
	ui_addn(ui.log, ui.loglen);
	ui_end();
	ui.loglen = 0;
}

static void
ui_log_cb(evutil_socket_t fd, short what, void *arg)
{
	char		buf[1024];
	ssize_t		n, i;
	unsigned	k;

	(void)what;
	(void)arg;
	for (k = 0; k < 64; k++) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || ui.loglen == sizeof(ui.log)) {
				ui_log_flush();
				if (buf[i] == '\n')
					continue;
			}
			ui.log[ui.loglen++] = buf[i];
		}
	}
}

/* Our stderr becomes a pipe into the pane; writes never block. */
static int
ui_log_start(struct event_base *base)
{
	int	p[2];

	if (pipe(p) == -1)
		return (-1);
	if ((ui.errfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(p[1], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    dup2(p[1], STDERR_FILENO) == -1) {
		close(p[0]);
		close(p[1]);
		if (ui.errfd != -1)
			close(ui.errfd);
		ui.errfd = -1;
		return (-1);
	}
	close(p[1]);
	ui.logfd = p[0];
	ui.ev_log = event_new(base, ui.logfd, EV_READ | EV_PERSIST, ui_log_cb,
	    NULL);
	if (ui.ev_log == NULL || event_add(ui.ev_log, NULL) != 0)
		return (-1);
	return (0);
}

static void
ui_write_err(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0 && (n = write(STDERR_FILENO, buf, len)) > 0) {
		buf += n;
		len -= (size_t)n;
	}
}

/* The terminal's stderr back, with what was logged and not yet shown. */
static void
ui_log_stop(void)
{
	char	buf[1024];
	ssize_t	n;

	if (ui.errfd == -1)
		return;
	fflush(stderr);
	(void)dup2(ui.errfd, STDERR_FILENO);
	close(ui.errfd);
	ui.errfd = -1;
	clearerr(stderr);
	ui_write_err(ui.log, ui.loglen);
	ui.loglen = 0;
	while ((n = read(ui.logfd, buf, sizeof(buf))) > 0)
		ui_write_err(buf, (size_t)n);
	close(ui.logfd);
	ui.logfd = -1;
}

/*
 * Keys.
 */

static void
ui_submit(void)
{
	static wchar_t	line[UI_EDIT_MAX];
	static uint8_t	utf8[UI_EDIT_MAX * 4];
	size_t		n, len;

	ui_edit_take(&ui.ed, line, UI_EDIT_MAX, &n);
	ui.full = 0;
	ui.scroll = 0;
	len = ui_text_encode(line, n, utf8, sizeof(utf8));
	ui_msg_line(utf8, len);
}

static void
ui_complete(void)
{
	const char	*names[16];
	wchar_t		 wn[16][CHAT_NAME_MAX + 1];
	const wchar_t	*wp[16];
	size_t		 wl[16];
	unsigned	 n, i;

	n = ui_msg_names(names, 16);
	for (i = 0; i < n; i++) {
		wl[i] = ui_text_decode((const uint8_t *)names[i],
		    strlen(names[i]), wn[i], CHAT_NAME_MAX);
		wp[i] = wn[i];
	}
	if (!ui_edit_complete(&ui.ed, wp, wl, n))
		(void)ui_edit_insert(&ui.ed, L'\t');
}

static void
ui_page(int up)
{
	unsigned	page = LINES > 4 ? (unsigned)LINES - 3 : 1;

	if (up)
		ui.scroll += page;
	else
		ui.scroll = ui.scroll > page ? ui.scroll - page : 0;
}

/* A key curses decoded (KEY_*). */
static void
ui_keycode(wint_t k)
{
	const char	*name;

	ui.esc = 0;
	switch (k) {
	case KEY_LEFT:
		(void)ui_edit_key(&ui.ed, UI_K_LEFT);
		break;
	case KEY_RIGHT:
		(void)ui_edit_key(&ui.ed, UI_K_RIGHT);
		break;
	case KEY_HOME:
		(void)ui_edit_key(&ui.ed, UI_K_HOME);
		break;
	case KEY_END:
		(void)ui_edit_key(&ui.ed, UI_K_END);
		break;
	case KEY_UP:
		(void)ui_edit_key(&ui.ed, UI_K_UP);
		break;
	case KEY_DOWN:
		(void)ui_edit_key(&ui.ed, UI_K_DOWN);
		break;
	case KEY_BACKSPACE:
		(void)ui_edit_key(&ui.ed, UI_K_BS);
		break;
	case KEY_DC:
		(void)ui_edit_key(&ui.ed, UI_K_DEL);
		break;
	case KEY_ENTER:
		ui_submit();
		break;
	case KEY_PPAGE:
	case KEY_NPAGE:
		ui_page(k == KEY_PPAGE);
		break;
	case KEY_RESIZE:
		ui_resize();
		break;
	default:
		/* Control- and Alt-arrows have no KEY_* of their own. */
		if ((name = keyname((int)k)) == NULL)
			break;
		if (strcmp(name, "kLFT5") == 0 || strcmp(name, "kLFT3") == 0)
			(void)ui_edit_key(&ui.ed, UI_K_WLEFT);
		else if (strcmp(name, "kRIT5") == 0 ||
		    strcmp(name, "kRIT3") == 0)
			(void)ui_edit_key(&ui.ed, UI_K_WRIGHT);
		break;
	}
}

/* After ESC: Alt-b, Alt-f, Alt-d, Alt-Backspace; other sequences
 * curses did not know are skipped, never typed. */
static int
ui_meta(wint_t c)
{
	if (ui.esc == 2) {
		if (c >= 0x40 && c <= 0x7e)
			ui.esc = 0;
		return (1);
	}
	if (ui.esc != 1)
		return (0);
	ui.esc = 0;
	switch (c) {
	case L'b':
		(void)ui_edit_key(&ui.ed, UI_K_WLEFT);
		break;
	case L'f':
		(void)ui_edit_key(&ui.ed, UI_K_WRIGHT);
		break;
	case L'd':
		(void)ui_edit_key(&ui.ed, UI_K_WDEL);
		break;
	case 0x7f:
	case 0x08:
		(void)ui_edit_key(&ui.ed, UI_K_WBS);
		break;
	case L'[':
	case L'O':
		ui.esc = 2;
		break;
	case 0x1b:
		ui.esc = 1;
		break;
	}
	return (1);
}

static void
ui_char(wint_t c)
{
	static const int ctl[32] = {
		[0x01] = UI_K_HOME, [0x02] = UI_K_LEFT, [0x05] = UI_K_END,
		[0x06] = UI_K_RIGHT, [0x08] = UI_K_BS, [0x0b] = UI_K_KILL_EOL,
		[0x0e] = UI_K_DOWN, [0x10] = UI_K_UP, [0x14] = UI_K_TRANSPOSE,
		[0x15] = UI_K_KILL_BOL, [0x17] = UI_K_WBS, [0x19] = UI_K_YANK,
	};

	if (ui_meta(c))
		return;
	if (c < 0x20 && ctl[c] != 0) {
		(void)ui_edit_key(&ui.ed, ctl[c]);
		return;
	}
	switch (c) {
	case 0x03:			/* ^C */
		ui_msg_quit();
		break;
	case 0x04:			/* ^D */
		if (ui.ed.len == 0)
			ui_msg_quit();
		else
			(void)ui_edit_key(&ui.ed, UI_K_DEL);
		break;
	case L'\t':
		ui_complete();
		break;
	case L'\r':
	case L'\n':
		ui_submit();
		break;
	case 0x0c:			/* ^L */
		clearok(curscr, TRUE);
		break;
	case 0x1a:			/* ^Z */
		ui_suspend();
		break;
	case 0x1b:
		ui.esc = 1;
		break;
	case 0x7f:
		(void)ui_edit_key(&ui.ed, UI_K_BS);
		break;
	default:
		if (c < 0x20)
			break;
		if (ui_edit_insert(&ui.ed, (wchar_t)c) != 0 &&
		    ui.ed.len == UI_EDIT_MAX && !ui.full) {
			ui.full = 1;
			beep();
			ui_begin(UI_L_WARN);
			ui_add("-- the line is full (%u characters): Enter "
			    "sends it", UI_EDIT_MAX);
			ui_end();
		}
		break;
	}
}

static int
ui_read(struct chat_ctx *ctx)
{
	wint_t		c;
	unsigned	k;
	int		r, avail = 0;

	(void)ctx;
	/* Readable with nothing to read: the terminal hung up. */
	if (ioctl(STDIN_FILENO, FIONREAD, &avail) == 0 && avail == 0)
		return (-1);
	for (k = 0; k < UI_KEYS_MAX && ui.on; k++) {
		if ((r = get_wch(&c)) == ERR)
			break;
		if (r == KEY_CODE_YES)
			ui_keycode(c);
		else
			ui_char(c);
	}
	ui_dirty();
	return (0);
}

/*
 * Start and stop.
 */

static void
ui_free_events(void)
{
	struct event	**ev[] = { &ui.ev_draw, &ui.ev_winch, &ui.ev_tstp,
	    &ui.ev_cont, &ui.ev_log, &ui.ev_slow };
	size_t		  i;

	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if (*ev[i] != NULL) {
			event_free(*ev[i]);
			*ev[i] = NULL;
		}
}

static void
ui_colors(void)
{
	if (!has_colors() || start_color() == ERR)
		return;
	(void)use_default_colors();
	(void)init_pair(1, COLOR_CYAN, -1);	/* notices */
	(void)init_pair(2, COLOR_RED, -1);	/* warnings */
	(void)init_pair(3, COLOR_YELLOW, -1);	/* the log */
}

static int
ui_start(struct chat_ctx *ctx, struct event_base *base)
{
	const char	*term = getenv("TERM");
	struct timeval	 slow = { UI_SLOW, 0 };

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return (-1);
	(void)setlocale(LC_CTYPE, "");
	if ((ui.scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "p2pchat: cannot use the terminal (TERM=%s): "
		    "JSON lines instead\n", term != NULL ? term : "");
		return (-1);
	}
	(void)set_term(ui.scr);
	raw();
	noecho();
	nonl();
	(void)intrflush(stdscr, FALSE);
	(void)keypad(stdscr, TRUE);
	(void)nodelay(stdscr, TRUE);
	(void)set_escdelay(UI_ESCDELAY);
	ui_colors();
	ui.ev_draw = event_new(base, -1, 0, ui_draw_cb, NULL);
	ui.ev_winch = evsignal_new(base, SIGWINCH, ui_signal_cb, NULL);
	ui.ev_tstp = evsignal_new(base, SIGTSTP, ui_signal_cb, NULL);
	ui.ev_cont = evsignal_new(base, SIGCONT, ui_signal_cb, NULL);
	ui.ev_slow = evtimer_new(base, ui_slow_cb, NULL);
	if (ui.ev_draw == NULL || ui.ev_winch == NULL || ui.ev_tstp == NULL ||
	    ui.ev_cont == NULL || ui.ev_slow == NULL ||
	    evtimer_add(ui.ev_slow, &slow) != 0 ||
	    event_add(ui.ev_winch, NULL) != 0 ||
	    event_add(ui.ev_tstp, NULL) != 0 ||
	    event_add(ui.ev_cont, NULL) != 0 || ui_log_start(base) != 0) {
		ui_free_events();
		ui_log_stop();
		endwin();
		delscreen(ui.scr);
		ui.scr = NULL;
		return (-1);
	}
	ui_edit_init(&ui.ed);
	ui.on = 1;
	ui_msg_start(ctx);
	ui_dirty();
	return (0);
}

/* After the screen: what happened since the user began to leave. */
static void
ui_after(void)
{
	static uint8_t	 buf[CHAT_REL_MSG_MAX * 4 + 1024];
	struct ui_line	*l;
	uint64_t	 first;
	unsigned	 k, skip;
	size_t		 n;

	if (ui.leave_seq == 0)
		return;
	first = ui.leave_seq - 1;
	if (ui.seq - first > UI_AFTER_MAX)
		first = ui.seq - UI_AFTER_MAX;
	skip = (unsigned)(ui.n - (ui.seq - first < ui.n ? ui.seq - first :
	    ui.n));
	for (k = skip; k < ui.n; k++) {
		l = ui.pane[(ui.head + k) % UI_PANE_LINES];
		n = ui_text_encode(l->text, l->len, buf, sizeof(buf) - 1);
		buf[n++] = '\n';
		fwrite(buf, 1, n, stdout);
	}
	fflush(stdout);
}

static void
ui_stop(void)
{
	unsigned	k;

	if (!ui.on)
		return;
	ui_log_cb(ui.logfd, EV_READ, NULL);
	ui_log_flush();
	ui.on = 0;
	ui_free_events();
	endwin();
	delscreen(ui.scr);
	ui.scr = NULL;
	ui_log_stop();
	ui_after();
	for (k = 0; k < ui.n; k++)
		free(ui.pane[(ui.head + k) % UI_PANE_LINES]);
	ui.n = 0;
	ui_edit_free(&ui.ed);
}

const struct chat_fe chat_fe_ui = {
	.start = ui_start,
	.stop = ui_stop,
	.event = ui_msg_event,
	.input = NULL,
	.read = ui_read,
};

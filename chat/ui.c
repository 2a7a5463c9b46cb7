/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's terminal front end: plain termios line editing with ANSI
 * escapes, no curses.  History scrolls in the terminal's own scrollback
 * (so it can be searched and copied as usual); the bottom line is the
 * input line, redrawn after every event.  Commands: /who, /path, /quit,
 * /help.  Anything from the network is sanitised before it reaches the
 * terminal: no control characters, no escape sequences.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "chat/peer.h"
#include "chat/p2pchat.h"

#define UI_LINE_MAX	4096
#define UI_PEERS	16

/* The terminal is one per process: so is this state. */
static struct {
	int		 on;
	struct termios	 saved;
	char		 line[UI_LINE_MAX];
	size_t		 len;
	int		 esc;		/* 0, 1 after ESC, 2 inside CSI */
} ui;

/* Print untrusted bytes: valid UTF-8 except controls; '?' for the rest. */
static void
ui_put(const void *s, size_t len)
{
	const uint8_t	*p = s;
	size_t		 i = 0, n;

	while (i < len) {
		n = json_utf8_len(p + i, len - i);
		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			putchar(p[i] == '\t' ? ' ' : '?');
			i++;
			continue;
		}
		fwrite(p + i, 1, n, stdout);
		i += n;
	}
}

static void
ui_puts(const char *s)
{
	ui_put(s, strlen(s));
}

static unsigned
ui_cols(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 8)
		return (ws.ws_col);
	return (80);
}

static void
ui_redraw(void)
{
	size_t		 start, chars = 0, room;

	room = ui_cols() - 3;
	/* Show the tail that fits; count characters, not bytes. */
	for (start = ui.len; start > 0; start--) {
		if (((unsigned char)ui.line[start - 1] & 0xc0) != 0x80 &&
		    ++chars > room)
			break;
	}
	fputs("\r\033[K> ", stdout);
	fwrite(ui.line + start, 1, ui.len - start, stdout);
	fflush(stdout);
}

/* Start a notice or message line (clearing the input line). */
static void
ui_begin(void)
{
	struct timespec	 ts;
	struct tm	 tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("\r\033[K%02d:%02d:%02d ", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
ui_end(void)
{
	putchar('\n');
	ui_redraw();
}

static void
ui_addr(const struct stun_addr *a)
{
	char	buf[64];

	if (stun_addr_format(a, buf, sizeof(buf)) == 0)
		fputs(buf, stdout);
	else
		fputs("-", stdout);
}

static int
ui_start(void)
{
	struct termios	t;

	if (tcgetattr(STDIN_FILENO, &ui.saved) != 0)
		return (-1);
	t = ui.saved;
	t.c_lflag &= ~(ICANON | ECHO | IEXTEN);
	t.c_iflag &= ~(IXON | ICRNL | INLCR);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
		return (-1);
	ui.on = 1;
	fputs("type a message and press Enter; /help for commands\n",
	    stdout);
	ui_redraw();
	return (0);
}

static void
ui_stop(void)
{
	if (!ui.on)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &ui.saved);
	ui.on = 0;
}

static void
ui_event(const struct chat_event *e)
{
	if (e->kind == EV_DELIVERED || e->kind == EV_MEMBER)
		return;		/* quiet: only failures are news */
	ui_begin();
	switch (e->kind) {
	case EV_ROOM:
		if (e->created)
			printf("-- room created; share this code: %s", e->code);
		else
			printf("-- joining room %s", e->code);
		break;
	case EV_REGISTERED:
		fputs("-- registered with the server; seen as ", stdout);
		ui_addr(&e->addr);
		break;
	case EV_PATH:
		fputs("-- path to ", stdout);
		ui_puts(e->peer);
		printf(": %s ", chat_path_kind_name(e->path_kind));
		ui_addr(&e->addr);
		printf(" (%s -> %s, %u ms)", e->local_type, e->remote_type,
		    (unsigned)e->rtt);
		break;
	case EV_JOINED:
		fputs("-- ", stdout);
		ui_puts(e->peer);
		fputs(" joined (end-to-end encrypted)", stdout);
		break;
	case EV_MESSAGE:
		putchar('<');
		ui_puts(e->peer);
		fputs("> ", stdout);
		ui_put(e->text, e->len);
		break;
	case EV_UNDELIVERED:
		if (e->peer == NULL)
			printf("-- message not sent: nobody is in the room");
		else {
			printf("-- message %u was NOT delivered to ",
			    (unsigned)e->id);
			ui_puts(e->peer);
		}
		if (e->reason != NULL)
			printf(" (%s)", e->reason);
		break;
	case EV_LEFT:
		fputs("-- ", stdout);
		ui_puts(e->peer);
		printf(" left (%s)", e->reason != NULL ? e->reason : "left");
		break;
	case EV_FAILED:
		fputs("-- cannot reach ", stdout);
		ui_puts(e->peer);
		printf(" (%s)", e->reason != NULL ? e->reason : "failed");
		break;
	case EV_BYE:
		fputs("-- left the room", stdout);
		break;
	case EV_RELAY:
		if (e->reason != NULL) {
			printf("-- relay on ");
			ui_addr(&e->addr2);
			printf(" unusable (%s)", e->reason);
		} else {
			fputs("-- relayed address ", stdout);
			ui_addr(&e->addr);
			fputs(" on ", stdout);
			ui_addr(&e->addr2);
		}
		break;
	default:
		printf("-- %s", e->reason != NULL ? e->reason : "error");
		break;
	}
	ui_end();
}

/* What was typed could not be taken: said once, not offered again. */
static void
ui_notice(const char *reason)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_ERROR;
	e.reason = reason;
	ui_event(&e);
}

static void
ui_list(struct chat_ctx *ctx, int paths)
{
	struct chat_peer_info	 pi[UI_PEERS];
	unsigned		 n, i;

	n = chat_peers(ctx, pi, UI_PEERS);
	ui_begin();
	printf("-- %u peer%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		printf("\n   ");
		ui_puts(pi[i].name);
		printf(" (#%u) %s", (unsigned)pi[i].id, pi[i].state);
		if (!paths)
			continue;
		printf(", %s", chat_path_kind_name(pi[i].path_kind));
		if (pi[i].path_kind != CHAT_PATH_NONE) {
			putchar(' ');
			ui_addr(&pi[i].addr);
			printf(", rtt %u ms", (unsigned)pi[i].rtt);
		}
		if (pi[i].pending > 0)
			printf(", %u unacknowledged", pi[i].pending);
	}
	ui_end();
}

static void
ui_submit(struct chat_ctx *ctx)
{
	char	line[UI_LINE_MAX + 1];
	size_t	len = ui.len;

	memcpy(line, ui.line, len);
	line[len] = '\0';
	ui.len = 0;
	if (len == 0) {
		ui_redraw();
		return;
	}
	if (strcmp(line, "/quit") == 0 || strcmp(line, "/q") == 0) {
		chat_quit(ctx);
		ui_redraw();
	} else if (strcmp(line, "/who") == 0)
		ui_list(ctx, 0);
	else if (strcmp(line, "/path") == 0)
		ui_list(ctx, 1);
	else if (line[0] == '/' && line[1] != '/') {
		ui_begin();
		fputs("-- commands: /who  /path  /quit  (//text sends /text)",
		    stdout);
		ui_end();
	} else {
		ui_begin();
		fputs("<me> ", stdout);
		ui_put(line + (line[0] == '/'), len - (line[0] == '/'));
		ui_end();
		switch (chat_send_line(ctx, (const uint8_t *)line +
		    (line[0] == '/'), len - (line[0] == '/'))) {
		case CHAT_LINE_BUSY:
			ui_notice("too many messages waiting: not sent");
			break;
		case CHAT_LINE_FULL:
			ui_notice("nobody in the room yet: not sent");
			break;
		}
	}
}

static size_t
ui_input(struct chat_ctx *ctx, const uint8_t *buf, size_t len, int eof)
{
	size_t	i;
	uint8_t	c;

	(void)eof;
	for (i = 0; i < len; i++) {
		c = buf[i];
		if (ui.esc == 1) {
			ui.esc = c == '[' || c == 'O' ? 2 : 0;
			continue;
		}
		if (ui.esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				ui.esc = 0;
			continue;
		}
		switch (c) {
		case 0x1b:
			ui.esc = 1;
			break;
		case '\r':
		case '\n':
			ui_submit(ctx);
			break;
		case 0x7f:
		case 0x08:
			while (ui.len > 0 && ((unsigned char)ui.line[--ui.len] &
			    0xc0) == 0x80)
				;
			break;
		case 0x15:	/* ^U */
			ui.len = 0;
			break;
		case 0x17:	/* ^W */
			while (ui.len > 0 && ui.line[ui.len - 1] == ' ')
				ui.len--;
			while (ui.len > 0 && ui.line[ui.len - 1] != ' ')
				ui.len--;
			break;
		case 0x04:	/* ^D on an empty line */
			if (ui.len == 0)
				chat_quit(ctx);
			break;
		default:
			if (c >= 0x20 && ui.len < sizeof(ui.line))
				ui.line[ui.len++] = (char)c;
			break;
		}
	}
	ui_redraw();
	return (len);
}

const struct chat_fe chat_fe_ui = {
	.start = ui_start,
	.stop = ui_stop,
	.event = ui_event,
	.input = ui_input,
};

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What p2pchat's terminal shows: a line for each event worth seeing, the
 * commands (/who, /invite, /quit, /help), the status line (us, the room
 * code once the room exists, each peer's path and round-trip time, the
 * server), and the lines typed, sent to the room.  ui.c draws it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chat/peer.h"
#include "chat/p2pchat.h"
#include "chat/ui.h"
#include "chat/xfer.h"

#define UM_PEERS	16

static struct {
	struct chat_ctx	*ctx;
	int		 registered;
	int		 check_empty;	/* after this turn: anybody here? */
	int		 quits;		/* /quit, ^C, ^D so far */
	int		 slow;		/* the server has not answered yet */
	struct stun_addr mapped;	/* as the server saw us */
	struct stun_addr relayed;	/* our relayed address */
	uint64_t	 prog_at;	/* last progress bar shown */
} um;

void
ui_msg_start(struct chat_ctx *ctx)
{
	memset(&um, 0, sizeof(um));
	um.ctx = ctx;
}

static void
um_note(int kind, const char *s)
{
	ui_begin(kind);
	ui_add("-- %s", s);
	ui_end();
}

static void
um_name(const char *name)
{
	ui_addn(name, strlen(name));
}

/* A quote of a line we could not send: "text..." */
static void
um_quote(const uint8_t *buf, size_t len)
{
	uint8_t	q[CHAT_QUOTE_MAX + 3];

	ui_add("\"");
	ui_addn(q, chat_quote(q, buf, len));
	ui_add("\"");
}

static void
um_undelivered(const struct chat_event *e)
{
	ui_begin(UI_L_WARN);
	if (e->peer == NULL)
		ui_add("-- not sent, nobody is in the room: ");
	else {
		ui_add("-- not delivered to ");
		um_name(e->peer);
		ui_add(": ");
	}
	if (e->text != NULL) {
		ui_add("\"");
		ui_addn(e->text, e->len);
		ui_add("\"");
	} else
		ui_add("message %u", (unsigned)e->id);
	if (e->reason != NULL)
		ui_add(" (%s)", e->reason);
	ui_end();
}

/* "1.5 MB": a size for people. */
static void
um_size(uint64_t n)
{
	if (n < 10000)
		ui_add("%llu bytes", (unsigned long long)n);
	else if (n < 10000000)
		ui_add("%.1f kB", (double)n / 1e3);
	else if (n < 10000000000ULL)
		ui_add("%.1f MB", (double)n / 1e6);
	else
		ui_add("%.1f GB", (double)n / 1e9);
}

/* A file transfer's events; the bar at most every 2 s. */
static void
um_file(const struct chat_event *e)
{
	unsigned	pct, i;

	if (e->kind == EV_PROGRESS && e->bytes < e->size &&
	    e->ms < um.prog_at + 2000)
		return;
	ui_begin(e->kind == EV_FILE && strcmp(e->result, "done") != 0 ?
	    UI_L_WARN : UI_L_NOTE);
	ui_add("-- ");
	ui_addn(e->file, strlen(e->file));
	ui_add(e->sending ? " to " : " from ");
	um_name(e->peer);
	switch (e->kind) {
	case EV_OFFER:
		ui_add(": offered (");
		um_size(e->size);
		ui_add(e->sending ? ")" : "); /accept or /refuse");
		break;
	case EV_TRANSFER:
		ui_add(": accepted");
		if (e->offset > 0) {
			ui_add(", resuming after ");
			um_size(e->offset);
		}
		break;
	case EV_PROGRESS:
		um.prog_at = e->ms;
		pct = e->size > 0 ? (unsigned)(e->bytes * 100 / e->size) : 100;
		ui_add(" [");
		for (i = 0; i < 20; i++)
			ui_add(i < pct / 5 ? "#" : ".");
		ui_add("] %u%% ", pct);
		um_size(e->rate);
		ui_add("/s");
		if (e->eta >= 0 && e->bytes < e->size)
			ui_add(", %lld s left", (long long)e->eta);
		break;
	case EV_FILE:
		ui_add(": %s", e->result);
		if (e->path != NULL && !e->sending) {
			ui_add(", saved as ");
			ui_addn(e->path, strlen(e->path));
		}
		if (e->reason != NULL)
			ui_add(" (%s)", e->reason);
		break;
	}
	ui_end();
}

/* /send [@name] PATH, /accept, /refuse. */
static void
um_xfer(const uint8_t *buf, size_t len, size_t n)
{
	char	arg[1024], err[512], *to = NULL, *path;
	size_t	k;

	if (n == 7 && memcmp(buf, "/accept", 7) == 0) {
		if (chat_xfer_answer(um.ctx, 1, err, sizeof(err)) != 0)
			um_note(UI_L_WARN, err);
		return;
	}
	if (n == 7 && memcmp(buf, "/refuse", 7) == 0) {
		if (chat_xfer_answer(um.ctx, 0, err, sizeof(err)) != 0)
			um_note(UI_L_WARN, err);
		return;
	}
	while (n < len && buf[n] == ' ')
		n++;
	k = len - n;
	if (k == 0 || k >= sizeof(arg)) {
		um_note(UI_L_WARN, "usage: /send [@name] path");
		return;
	}
	memcpy(arg, buf + n, k);
	arg[k] = '\0';
	path = arg;
	if (arg[0] == '@') {
		to = arg + 1;
		if ((path = strchr(arg, ' ')) == NULL) {
			um_note(UI_L_WARN, "usage: /send [@name] path");
			return;
		}
		*path++ = '\0';
		while (*path == ' ')
			path++;
	}
	if (chat_xfer_send(um.ctx, to, path, err, sizeof(err)) != 0)
		um_note(UI_L_WARN, err);
}

static void
um_relay(const struct chat_event *e)
{
	ui_begin(e->reason != NULL ? UI_L_WARN : UI_L_NOTE);
	if (e->reason != NULL) {
		ui_add("-- relay on ");
		ui_addaddr(&e->addr2);
		ui_add(" unusable (%s)", e->reason);
	} else {
		um.relayed = e->addr;
		ui_add("-- relayed address ");
		ui_addaddr(&e->addr);
		ui_add(" on ");
		ui_addaddr(&e->addr2);
	}
	ui_end();
}

static void
um_registered(const struct chat_event *e)
{
	struct chat_self	s;

	chat_self(um.ctx, &s);
	um.registered = 1;
	um.mapped = e->addr;
	ui_begin(UI_L_NOTE);
	if (s.created)
		ui_add("-- room created; share this code: %s", s.code);
	else {
		ui_add("-- joined room %s", s.code);
		um.check_empty = 1;
	}
	ui_end();
}

void
ui_msg_event(const struct chat_event *e)
{
	struct chat_self	s;

	chat_self(um.ctx, &s);
	if (s.quitting)
		ui_leaving();
	switch (e->kind) {
	case EV_ROOM:
		ui_begin(UI_L_NOTE);
		ui_add("-- connecting to the rendezvous server ");
		um_name(s.server);
		ui_end();
		break;
	case EV_REGISTERED:
		um_registered(e);
		break;
	case EV_MEMBER:
	case EV_DELIVERED:
	case EV_SENT:		/* the line typed is shown as typed */
		ui_dirty();	/* the status line */
		break;
	case EV_PATH:
		ui_begin(UI_L_NOTE);
		ui_add("-- path to ");
		um_name(e->peer);
		ui_add(": %s/%s ", chat_path_kind_name(e->path_kind),
		    e->transport != NULL ? e->transport : "udp");
		ui_addaddr(&e->addr);
		ui_add(" (%s -> %s, %u ms)", e->local_type, e->remote_type,
		    (unsigned)e->rtt);
		ui_end();
		break;
	case EV_JOINED:
		ui_begin(UI_L_NOTE);
		ui_add("-- ");
		um_name(e->peer);
		ui_add(" joined (end-to-end encrypted)");
		ui_end();
		break;
	case EV_MESSAGE:
		ui_begin(UI_L_MSG);
		ui_add("<");
		um_name(e->peer);
		ui_add("> ");
		ui_addn(e->text, e->len);
		ui_end();
		break;
	case EV_UNDELIVERED:
		um_undelivered(e);
		break;
	case EV_LEFT:
		ui_begin(UI_L_NOTE);
		ui_add("-- ");
		um_name(e->peer);
		ui_add(" left (%s)", e->reason != NULL ? e->reason : "left");
		ui_end();
		break;
	case EV_FAILED:
		ui_begin(UI_L_WARN);
		ui_add("-- cannot reach ");
		um_name(e->peer);
		ui_add(" (%s)", e->reason != NULL ? e->reason : "failed");
		ui_end();
		break;
	case EV_BYE:
		um_note(UI_L_NOTE, "left the room");
		break;
	case EV_RELAY:
		um_relay(e);
		break;
	case EV_OFFER:
	case EV_TRANSFER:
	case EV_PROGRESS:
	case EV_FILE:
		um_file(e);
		break;
	case EV_SERVER:
		ui_begin(e->up ? UI_L_NOTE : UI_L_WARN);
		ui_add("-- the rendezvous server ");
		um_name(s.server);
		if (e->up)
			ui_add(" is back");
		else
			ui_add(" is unreachable; the chat goes on with the "
			    "peers you have, and newcomers wait until it is "
			    "back (retrying)");
		ui_end();
		break;
	case EV_TRANSPORT:
		ui_begin(UI_L_NOTE);
		ui_add("-- the %s server ", e->role);
		ui_addaddr(&e->addr2);
		ui_add(" is reached over %s now (was %s)", e->transport,
		    e->was);
		ui_end();
		break;
	case EV_NAT:
		/* For the hard-NAT planning; /path shows what came of it. */
		break;
	default:
		um_note(UI_L_WARN, e->reason != NULL ? e->reason : "error");
		break;
	}
}

void
ui_msg_settle(void)
{
	struct chat_peer_info	pi[1];

	if (!um.check_empty)
		return;
	um.check_empty = 0;
	if (chat_peers(um.ctx, pi, 1) == 0)
		um_note(UI_L_NOTE, "nobody else here yet; share the code");
}

void
ui_msg_slow(void)
{
	struct chat_self	s;

	if (um.registered)
		return;
	chat_self(um.ctx, &s);
	um.slow = 1;
	ui_begin(UI_L_WARN);
	ui_add("-- no answer from the rendezvous server ");
	um_name(s.server);
	ui_add(" yet; still trying");
	ui_end();
}

static const char *
um_state(const struct chat_peer_info *p)
{
	if (strcmp(p->state, "up") == 0)
		return ("connected");
	if (strcmp(p->state, "failed") == 0)
		return ("unreachable");
	if (strcmp(p->state, "closed") == 0)
		return ("left");
	return ("connecting");
}

static void
um_who(void)
{
	struct chat_peer_info	pi[UM_PEERS];
	struct chat_self	s;
	unsigned		n, i;

	chat_self(um.ctx, &s);
	if (!um.registered) {
		ui_begin(UI_L_NOTE);
		ui_add("-- not in a room yet: connecting to ");
		um_name(s.server);
		ui_end();
		return;
	}
	n = chat_peers(um.ctx, pi, UM_PEERS);
	ui_begin(UI_L_NOTE);
	ui_add("-- room %s: %u here", s.code, n + 1);
	ui_end();
	ui_begin(UI_L_NOTE);
	ui_add("   ");
	um_name(s.name);
	ui_add(" (you, #%u): seen by the server as ", (unsigned)s.id);
	ui_addaddr(&um.mapped);
	if (um.relayed.family != 0) {
		ui_add(", relayed ");
		ui_addaddr(&um.relayed);
	}
	ui_end();
	for (i = 0; i < n; i++) {
		ui_begin(UI_L_NOTE);
		ui_add("   ");
		um_name(pi[i].name);
		ui_add(" (#%u): %s", (unsigned)pi[i].id, um_state(&pi[i]));
		if (pi[i].path_kind != CHAT_PATH_NONE) {
			ui_add(", %s/%s ", chat_path_kind_name(pi[i].path_kind),
			    pi[i].transport);
			ui_addaddr(&pi[i].addr);
			ui_add(", rtt %u ms", (unsigned)pi[i].rtt);
		}
		if (pi[i].pending > 0)
			ui_add(", %u unacknowledged", pi[i].pending);
		ui_end();
	}
}

static void
um_invite(void)
{
	struct chat_self	s;

	chat_self(um.ctx, &s);
	ui_begin(UI_L_NOTE);
	if (!um.registered) {
		ui_add("-- no room yet: connecting to ");
		um_name(s.server);
	} else {
		ui_add("-- share this code: %s (others join with "
		    "p2pchat --server ", s.code);
		um_name(s.server);
		ui_add(" --join)");
	}
	ui_end();
}

static void
um_help(void)
{
	um_note(UI_L_NOTE, "commands: /who (who is here, their paths, the "
	    "code), /invite (the code again), /send [@name] path (offer a "
	    "file), /accept or /refuse (the file offered), /quit (leave; "
	    "again: at once), /help; //text sends /text");
	um_note(UI_L_NOTE, "keys: Left, Right, Home, End, C-a, C-e, M-b, "
	    "M-f (words), Up, Down (history), Tab (a name), PgUp, PgDn "
	    "(scroll), C-u, C-k, C-w (cut), C-y (paste), C-z (suspend), C-c "
	    "(quit)");
}

void
ui_msg_quit(void)
{
	struct chat_self	s;

	chat_self(um.ctx, &s);
	ui_leaving();
	ui_begin(UI_L_NOTE);
	if (um.quits++ > 0)
		ui_add("-- leaving now");
	else if (!s.registered)
		ui_add("-- leaving once the rendezvous server answers or "
		    "gives up");
	else if (s.pending + s.kept > 0)
		ui_add("-- waiting up to %u s for %u message%s to be "
		    "delivered; /quit again or Control-C leaves now", s.linger,
		    s.pending + s.kept, s.pending + s.kept == 1 ? "" : "s");
	else
		ui_add("-- leaving the room");
	ui_end();
	chat_quit(um.ctx);
}

static void
um_command(const uint8_t *buf, size_t len)
{
	size_t	n;

	for (n = 0; n < len && buf[n] != ' '; n++)
		;
#define IS(c)	(n == sizeof(c) - 1 && memcmp(buf, c, n) == 0)
	if (IS("/quit") || IS("/q") || IS("/exit"))
		ui_msg_quit();
	else if (IS("/who") || IS("/path"))
		um_who();
	else if (IS("/invite") || IS("/code"))
		um_invite();
	else if (IS("/help") || IS("/h") || IS("/?"))
		um_help();
	else if (IS("/send") || IS("/accept") || IS("/refuse"))
		um_xfer(buf, len, n);
	else {
		ui_begin(UI_L_WARN);
		ui_add("-- unknown command ");
		ui_addn(buf, n > 32 ? 32 : n);
		ui_add(" (try /help)");
		ui_end();
	}
#undef IS
}

void
ui_msg_line(const uint8_t *buf, size_t len)
{
	struct chat_self	s;
	int			r;

	if (len == 0)
		return;
	if (buf[0] == '/' && (len == 1 || buf[1] != '/')) {
		um_command(buf, len);
		return;
	}
	if (buf[0] == '/') {		/* "//text" sends "/text" */
		buf++;
		len--;
	}
	chat_self(um.ctx, &s);
	if (um.quits > 0) {
		ui_begin(UI_L_WARN);
		ui_add("-- leaving: not sent: ");
		um_quote(buf, len);
		ui_add(" (/quit again or Control-C leaves now)");
		ui_end();
		return;
	}
	ui_begin(UI_L_SELF);
	ui_add("<");
	um_name(s.name);
	ui_add("> ");
	ui_addn(buf, len);
	ui_end();
	r = chat_send_line(um.ctx, len > CHAT_REL_MSG_MAX ? NULL : buf, len);
	if (r == CHAT_LINE_TAKEN)
		return;
	ui_begin(UI_L_WARN);
	ui_add(r == CHAT_LINE_BUSY ? "-- not sent, too many messages "
	    "waiting: " : "-- not sent, nobody is in the room yet and too "
	    "many lines wait for them: ");
	um_quote(buf, len);
	ui_end();
}

unsigned
ui_msg_names(const char **names, unsigned max)
{
	struct chat_peer_info	pi[UM_PEERS];
	unsigned		n, i;

	n = chat_peers(um.ctx, pi, UM_PEERS < max ? UM_PEERS : max);
	for (i = 0; i < n; i++)
		names[i] = pi[i].name;
	return (n);
}

/* Append to buf (cap) as far as it goes. */
static void __attribute__((format(printf, 3, 4)))
um_cat(char *buf, size_t cap, const char *fmt, ...)
{
	size_t	len = strlen(buf);
	va_list	ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

void
ui_msg_status(char *buf, size_t cap, int scrolled)
{
	struct chat_peer_info	pi[UM_PEERS];
	struct chat_self	s;
	unsigned		n, i;

	chat_self(um.ctx, &s);
	buf[0] = '\0';
	if (scrolled)
		um_cat(buf, cap, " [scrolled back: PgDn]");
	if (!um.registered) {
		um_cat(buf, cap, um.slow ? " %s | server %s not answering" :
		    " %s | connecting to %s...", s.name, s.server);
		return;
	}
	um_cat(buf, cap, " %s @ %s", s.name, s.code);
	n = chat_peers(um.ctx, pi, UM_PEERS);
	if (n == 0)
		um_cat(buf, cap, " | nobody else here");
	for (i = 0; i < n; i++) {
		um_cat(buf, cap, " | %s ", pi[i].name);
		if (strcmp(pi[i].state, "up") == 0)
			um_cat(buf, cap, "%s/%s %ums",
			    chat_path_kind_name(pi[i].path_kind),
			    pi[i].transport, (unsigned)pi[i].rtt);
		else
			um_cat(buf, cap, "%s", um_state(&pi[i]));
	}
	if (s.quitting)
		um_cat(buf, cap, " | leaving");
	um_cat(buf, cap, s.server_down ? " | server unreachable, retrying" :
	    " | server ok");
}

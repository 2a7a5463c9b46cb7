/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's outgoing lines: each line the user types goes to every live
 * peer, or waits (up to CHAT_BACKLOG lines) for the first peer, or is
 * reported undelivered with a quote of its start; the front ends learn
 * who is in the room and how we stand.
 */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/json.h"
#include "chat/p2pchat.h"
#include "chat/ctx.h"

#define CHAT_PAUSE_PENDING	192	/* stop reading stdin above this */

size_t
chat_quote(uint8_t *out, const uint8_t *buf, size_t len)
{
	size_t	n = 0, k;

	while (n < len) {
		if ((k = json_utf8_len(buf + n, len - n)) == 0)
			k = 1;
		if (k > CHAT_QUOTE_MAX - n)
			break;
		n += k;
	}
	memcpy(out, buf, n);
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	return (n);
}

/* An event with a reason only: EV_ERROR, or EV_UNDELIVERED to nobody. */
static void
chat_notice(struct chat_ctx *ctx, int kind, const char *reason)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.reason = reason;
	chat_emit(ctx, &e);
}

/* A line that reached nobody, quoted. */
static void
chat_unsent(struct chat_ctx *ctx, const char *reason, const uint8_t *buf,
    size_t len, uint32_t line)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_UNDELIVERED;
	e.reason = reason;
	e.line = line;
	e.len = chat_quote(ctx->quote.quote, buf, len);
	e.text = ctx->quote.quote;
	chat_emit(ctx, &e);
}

static void
chat_sent_note(struct chat_ctx *ctx, uint32_t peer_id, uint32_t id,
    uint32_t line, const uint8_t *buf, size_t len)
{
	struct chat_sent	*s;

	s = &ctx->sent[ctx->sent_next++ % CHAT_SENT_MAX];
	s->peer_id = peer_id;
	s->id = id;
	s->line = line;
	s->len = (uint8_t)chat_quote(s->quote, buf, len);
}

const uint8_t *
chat_sent_take(struct chat_ctx *ctx, uint32_t peer_id, uint32_t id,
    size_t *len, uint32_t *line)
{
	unsigned	i;

	*len = 0;
	*line = 0;
	for (i = 0; i < CHAT_SENT_MAX; i++) {
		if (ctx->sent[i].id != id || ctx->sent[i].peer_id != peer_id ||
		    id == 0)
			continue;
		ctx->quote = ctx->sent[i];
		ctx->sent[i].id = 0;
		*len = ctx->quote.len;
		*line = ctx->quote.line;
		return (ctx->quote.quote);
	}
	return (NULL);
}

void
chat_sent_forget(struct chat_ctx *ctx, uint32_t peer_id)
{
	unsigned	i;

	for (i = 0; i < CHAT_SENT_MAX; i++)
		if (ctx->sent[i].peer_id == peer_id)
			ctx->sent[i].id = 0;
}

void
chat_path_addr(struct chat_ctx *ctx, const struct chat_path *path,
    struct stun_addr *out)
{
	if (path->kind == CHAT_PATH_RELAY &&
	    path->local_type == STUN_CAND_RELAY)
		*out = ctx->relay.relayed;
	else
		*out = path->addr;
}

int
chat_local_addr(struct chat_ctx *ctx, const struct stun_addr *mapped,
    struct stun_addr *local)
{
	unsigned	i;

	memset(local, 0, sizeof(*local));
	if (ctx->rc.ncand == 0 || ctx->rc.cand[0].kind != STUN_RDV_CAND_HOST)
		return (-1);
	for (i = 0; i < ctx->rc.ncand; i++) {
		if (ctx->rc.cand[i].kind == STUN_RDV_CAND_HOST &&
		    stun_addr_equal(&ctx->rc.cand[i].addr, mapped)) {
			*local = ctx->rc.cand[i].addr;
			return (0);
		}
	}
	*local = ctx->rc.cand[0].addr;
	return (1);
}

static struct chat_peer *
chat_live_peer(struct chat_ctx *ctx, unsigned i)
{
	struct chat_peer	*p;

	p = chat_room_peer(&ctx->room, i);
	if (p == NULL || p->state == CHAT_PEER_S_FAILED ||
	    p->state == CHAT_PEER_S_CLOSED)
		return (NULL);
	return (p);
}

/* Queue one message to every live peer; 0 when there is none. */
static unsigned
chat_send_all(struct chat_ctx *ctx, const uint8_t *buf, size_t len,
    uint32_t line)
{
	struct chat_event	 e;
	struct chat_peer	*p;
	uint32_t		 id;
	unsigned		 i, n = 0;
	int			 r;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = chat_live_peer(ctx, i)) == NULL)
			continue;
		n++;
		if ((r = chat_peer_send(p, buf, len, clock_ms(), &id)) == 0) {
			chat_sent_note(ctx, p->id, id, line, buf, len);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.kind = EV_UNDELIVERED;
		e.peer = p->name;
		e.peer_id = p->id;
		e.line = line;
		e.reason = r == STUN_ERR_NOSPACE ? "queue full" :
		    stun_strerror(r);
		e.len = chat_quote(ctx->quote.quote, buf, len);
		e.text = ctx->quote.quote;
		chat_emit(ctx, &e);
	}
	return (n);
}

void
chat_backlog_flush(struct chat_ctx *ctx)
{
	unsigned	i;

	if (ctx->nbacklog == 0)
		return;
	for (i = 0; i < ctx->nbacklog; i++) {
		if (ctx->end.giving_up || chat_send_all(ctx,
		    ctx->backlog[i].buf, ctx->backlog[i].len,
		    ctx->backlog[i].line) == 0)
			chat_unsent(ctx, ctx->end.giving_up ?
			    "gave up at exit" : "nobody in the room",
			    ctx->backlog[i].buf, ctx->backlog[i].len,
			    ctx->backlog[i].line);
		free(ctx->backlog[i].buf);
	}
	ctx->nbacklog = 0;
}

int
chat_any_live(struct chat_ctx *ctx)
{
	unsigned	i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (chat_live_peer(ctx, i) != NULL)
			return (1);
	return (0);
}

/* May every live peer take len more bytes now? */
static int
chat_room_busy(struct chat_ctx *ctx, size_t len)
{
	struct chat_peer	*p;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_live_peer(ctx, i)) != NULL &&
		    (chat_peer_pending(p) >= CHAT_PAUSE_PENDING ||
		    len > p->rel.c.max_tx - p->rel.tx_bytes))
			return (1);
	return (0);
}

/* A line of ours is taken: its number, and the event that says so. */
static uint32_t
chat_line_taken(struct chat_ctx *ctx, const uint8_t *buf, size_t len)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_SENT;
	e.line = ++ctx->lines;
	e.text = buf;
	e.len = len;
	chat_emit(ctx, &e);
	return (e.line);
}

int
chat_send_line(struct chat_ctx *ctx, const uint8_t *buf, size_t len)
{
	struct chat_line	*l;
	uint32_t		 line;

	chat_end_progress(&ctx->end, clock_ms());
	if (buf == NULL) {
		chat_notice(ctx, EV_ERROR, "line too long: not sent");
		return (CHAT_LINE_TAKEN);
	}
	if (ctx->end.giving_up) {
		chat_unsent(ctx, "gave up at exit", buf, len, 0);
		return (CHAT_LINE_TAKEN);
	}
	if (chat_room_busy(ctx, len))
		return (CHAT_LINE_BUSY);
	if (ctx->nbacklog == 0 && chat_any_live(ctx)) {
		line = chat_line_taken(ctx, buf, len);
		(void)chat_send_all(ctx, buf, len, line);
		return (CHAT_LINE_TAKEN);
	}
	/* Nobody here yet: keep it for the first peer. */
	if (ctx->nbacklog == CHAT_BACKLOG)
		return (CHAT_LINE_FULL);
	l = &ctx->backlog[ctx->nbacklog];
	if ((l->buf = malloc(len)) == NULL) {
		chat_notice(ctx, EV_ERROR, "out of memory: line not sent");
		return (CHAT_LINE_TAKEN);
	}
	memcpy(l->buf, buf, len);
	l->len = len;
	l->line = chat_line_taken(ctx, buf, len);
	ctx->nbacklog++;
	return (CHAT_LINE_TAKEN);
}

unsigned
chat_peers(struct chat_ctx *ctx, struct chat_peer_info *pi, unsigned max)
{
	struct chat_peer	*p;
	unsigned		 i, n = 0;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS && n < max; i++) {
		if ((p = chat_room_peer(&ctx->room, i)) == NULL)
			continue;
		memset(&pi[n], 0, sizeof(pi[n]));
		pi[n].name = p->name;
		pi[n].id = p->id;
		pi[n].state = chat_peer_state_name(p->state);
		pi[n].path_kind = p->path.kind;
		pi[n].transport = chat_path_transport(ctx, &p->path);
		chat_path_addr(ctx, &p->path, &pi[n].addr);
		pi[n].rtt = p->path.rtt;
		pi[n].pending = chat_peer_pending(p);
		n++;
	}
	return (n);
}

void
chat_self(struct chat_ctx *ctx, struct chat_self *s)
{
	memset(s, 0, sizeof(*s));
	s->name = ctx->name;
	s->code = ctx->code;
	s->server = ctx->server_arg;
	s->created = ctx->code_arg == NULL;
	s->registered = ctx->end.joined;
	s->id = ctx->self_id;
	s->pending = chat_room_pending(&ctx->room);
	s->kept = ctx->nbacklog;
	s->linger = ctx->linger;
	s->quitting = ctx->end.quitting;
	s->server_down = ctx->server_down;
	if (ctx->end.status != 0)
		s->err = ctx->err;
}

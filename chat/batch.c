/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's batch front end (--batch, or stdin not a terminal): each line
 * on stdin is a message to every peer, and each event is one JSON object
 * on a line of stdout.  Field names are a contract (p2pchat(1)); the web
 * front end sends the page the same objects.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "libstun/nat.h"
#include "chat/peer.h"
#include "chat/p2pchat.h"

static const char *
batch_kind(int kind)
{
	switch (kind) {
	case EV_ROOM:
		return ("room");
	case EV_REGISTERED:
		return ("registered");
	case EV_MEMBER:
		return ("member");
	case EV_PATH:
		return ("path");
	case EV_JOINED:
		return ("joined");
	case EV_MESSAGE:
		return ("message");
	case EV_DELIVERED:
		return ("delivered");
	case EV_UNDELIVERED:
		return ("undelivered");
	case EV_LEFT:
		return ("left");
	case EV_FAILED:
		return ("failed");
	case EV_BYE:
		return ("bye");
	case EV_RELAY:
		return ("relay");
	case EV_SENT:
		return ("sent");
	case EV_OFFER:
		return ("offer");
	case EV_TRANSFER:
		return ("transfer");
	case EV_PROGRESS:
		return ("progress");
	case EV_FILE:
		return ("file");
	case EV_SERVER:
		return ("server");
	case EV_NAT:
		return ("nat");
	case EV_TRANSPORT:
		return ("transport");
	}
	return ("error");
}

static void
batch_addr(struct json *j, const char *key, const struct stun_addr *a)
{
	char	buf[64];

	if (a->family == 0 || stun_addr_format(a, buf, sizeof(buf)) != 0)
		json_null(j, key);
	else
		json_str(j, key, buf);
}

/* A file transfer's fields: who, which, how far. */
static void
batch_file(struct json *j, const struct chat_event *e)
{
	json_str(j, e->sending ? "to" : "from", e->peer);
	json_int(j, "peer_id", e->peer_id);
	json_int(j, "id", e->id);
	json_str(j, "dir", e->sending ? "send" : "recv");
	json_str(j, "name", e->file);
	json_int(j, "size", (int64_t)e->size);
	switch (e->kind) {
	case EV_TRANSFER:
		json_int(j, "offset", (int64_t)e->offset);
		break;
	case EV_PROGRESS:
		json_int(j, "bytes", (int64_t)e->bytes);
		json_int(j, "rate", (int64_t)e->rate);
		if (e->eta < 0)
			json_null(j, "eta");
		else
			json_int(j, "eta", e->eta);
		break;
	case EV_FILE:
		json_str(j, "result", e->result);
		json_int(j, "bytes", (int64_t)e->bytes);
		json_int(j, "offset", (int64_t)e->offset);
		if (e->path != NULL)
			json_str(j, "path", e->path);
		break;
	}
}

/* The NAT essentials, in natprobe's words; null for what is unknown. */
static void
batch_nat(struct json *j, const struct chat_event *e)
{
	const struct stun_hardnat_ess	*n = e->ess;

	if (n->mapping == STUN_NAT_UNKNOWN)
		json_null(j, "mapping");
	else
		json_str(j, "mapping", stun_nat_behaviour_name(n->mapping));
	if (n->filtering == STUN_NAT_UNKNOWN)
		json_null(j, "filtering");
	else
		json_str(j, "filtering",
		    stun_nat_behaviour_name(n->filtering));
	if (n->pattern == STUN_NAT_PAT_UNKNOWN)
		json_null(j, "port_pattern");
	else
		json_str(j, "port_pattern", stun_nat_pattern_name(n->pattern));
	if (n->pattern == STUN_NAT_PAT_SEQUENTIAL)
		json_int(j, "port_delta", n->delta);
	else
		json_null(j, "port_delta");
	json_int(j, "test_ms", e->rtt);
}

void
chat_event_json(FILE *f, const struct chat_event *e)
{
	struct json	 j;
	const char	*who = "peer";

	json_begin(&j, f);
	json_str(&j, "event", batch_kind(e->kind));
	switch (e->kind) {
	case EV_ROOM:
		json_str(&j, "code", e->code);
		json_bool(&j, "created", e->created);
		json_str(&j, "name", e->peer);
		batch_addr(&j, "server", &e->addr2);
		break;
	case EV_REGISTERED:
		json_int(&j, "member", e->peer_id);
		batch_addr(&j, "mapped", &e->addr);
		batch_addr(&j, "local_addr", &e->addr2);
		if (e->nat < 0)
			json_null(&j, "nat");
		else
			json_bool(&j, "nat", e->nat);
		break;
	case EV_SENT:
		json_int(&j, "line", e->line);
		json_strn(&j, "text", e->text, e->len);
		break;
	case EV_MESSAGE:
		who = "from";
		/* FALLTHROUGH */
	case EV_DELIVERED:
	case EV_UNDELIVERED:
		if (e->kind != EV_MESSAGE)
			who = "to";
		/* FALLTHROUGH */
	case EV_MEMBER:
	case EV_PATH:
	case EV_JOINED:
	case EV_LEFT:
	case EV_FAILED:
		json_str(&j, who, e->peer);
		json_int(&j, "peer_id", e->peer_id);
		break;
	}
	switch (e->kind) {
	case EV_PATH:
		json_str(&j, "kind", chat_path_kind_name(e->path_kind));
		batch_addr(&j, "addr", &e->addr);
		batch_addr(&j, "peer_addr", &e->addr2);
		json_str(&j, "local", e->local_type);
		json_str(&j, "remote", e->remote_type);
		json_int(&j, "rtt", e->rtt);
		if (e->hard_nat != NULL) {
			json_str(&j, "hard_nat", e->hard_nat);
			json_int(&j, "probes", e->probes);
			json_int(&j, "probe_ms", e->probe_ms);
		}
		break;
	case EV_RELAY:
		batch_addr(&j, "addr", &e->addr);
		batch_addr(&j, "server", &e->addr2);
		break;
	case EV_SERVER:
		json_str(&j, "state", e->up ? "back" : "unreachable");
		break;
	case EV_NAT:
		batch_nat(&j, e);
		break;
	case EV_TRANSPORT:
		json_str(&j, "role", e->role);
		batch_addr(&j, "server", &e->addr2);
		json_str(&j, "from", e->was);
		break;
	case EV_MESSAGE:
		json_int(&j, "id", e->id);
		json_strn(&j, "text", e->text, e->len);
		break;
	case EV_DELIVERED:
	case EV_UNDELIVERED:
		json_int(&j, "id", e->id);
		json_int(&j, "line", e->line);
		break;
	case EV_OFFER:
	case EV_TRANSFER:
	case EV_PROGRESS:
	case EV_FILE:
		batch_file(&j, e);
		break;
	}
	if (e->transport != NULL)
		json_str(&j, "transport", e->transport);
	if (e->reason != NULL)
		json_str(&j, "reason", e->reason);
	json_int(&j, "ms", (int64_t)e->ms);
	json_end(&j);
}

static void
batch_event(const struct chat_event *e)
{
	chat_event_json(stdout, e);
}

/*
 * Split buffered stdin into lines, each a message; returns the bytes
 * used.  A line the peers cannot take yet stops the split: it is offered
 * again later, so stdin is read only as fast as the peers take it.
 */
static size_t
batch_input(struct chat_ctx *ctx, const uint8_t *buf, size_t len, int eof)
{
	static int	 skip;	/* inside the tail of a line too long */
	const uint8_t	*nl;
	size_t		 off = 0, l, n;

	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if (nl == NULL && !eof && len - off <= CHAT_REL_MSG_MAX)
			break;	/* wait for the rest */
		l = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		n = l;
		if (n > 0 && n <= CHAT_REL_MSG_MAX && buf[off + n - 1] == '\r')
			n--;
		if (skip || n == 0)
			;	/* the tail of a line that was too long */
		else if (chat_send_line(ctx, n > CHAT_REL_MSG_MAX ? NULL :
		    buf + off, n) != CHAT_LINE_TAKEN)
			break;	/* the peers are busy: later */
		skip = nl == NULL && !eof;
		off = nl != NULL ? (size_t)(nl - buf) + 1 : len;
	}
	return (off);
}

const struct chat_fe chat_fe_batch = {
	.start = NULL,
	.stop = NULL,
	.event = batch_event,
	.input = batch_input,
};

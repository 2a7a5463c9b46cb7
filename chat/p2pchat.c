/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat: end-to-end encrypted chat straight from peer to peer through
 * NATs.  This file is the thin libevent layer: the command line, one UDP
 * socket for the rendezvous, the punching and the chat, the rendezvous
 * client machine and the room (chat/room.h) driven on it, the TURN relay
 * (relay.c) on the same socket, and stdin.  batch.c and ui.c show the
 * events.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "common/sock.h"
#include "libstun/rdv.h"
#include "chat/crypto.h"
#include "chat/room.h"
#include "chat/p2pchat.h"

#define CHAT_RECV_BURST		64
#define CHAT_PUMP_MAX		4096	/* actions per wake-up */
#define CHAT_LINGER		10	/* s to wait for acks at the end */
#define CHAT_LEAVE_WAIT		2000	/* ms for the Leave answer */
#define CHAT_QUIET		1000	/* ms without messages before leaving */
#define CHAT_BACKLOG		64	/* lines typed before any peer */
#define CHAT_PAUSE_PENDING	192	/* stop reading stdin above this */
#define CHAT_STDIN_BUF		(2 * CHAT_REL_MSG_MAX + 2)

struct chat_line {
	uint8_t		*buf;
	size_t		 len;
};

struct chat_ctx {
	/* Options. */
	const char	*server_arg;
	const char	*name;
	const char	*code_arg;
	const char	*relay_arg;
	int		 force_relay;
	int		 no_relay;
	int		 batch;
	unsigned	 linger;	/* s */
	uint16_t	 port;
	/* State. */
	uint8_t		 secret[CHAT_SECRET_LEN];
	char		 code[CHAT_CODE_LEN + 1];
	struct stun_addr server;
	int		 fd;
	struct event_base *base;
	struct event	*ev_sock, *ev_in, *ev_timer, *ev_int, *ev_term;
	int		 in_poll;	/* stdin is a file: read on a timer */
	int		 in_paused;
	struct stun_rdv_config rc;
	struct stun_rdv_client rdv;
	int		 relay_on;	/* a relay was configured */
	struct chat_relay relay;
	int		 registering;	/* the rendezvous client started */
	struct chat_room room;
	uint32_t	 self_id;
	int		 joined;
	uint64_t	 start;
	/* Stdin. */
	uint8_t		*inbuf;
	size_t		 inlen;
	int		 inskip;
	int		 eof;
	struct chat_line backlog[CHAT_BACKLOG];
	unsigned	 nbacklog;
	/* Ending. */
	int		 quitting;	/* no more input: drain, then leave */
	int		 giving_up;	/* lines left are reported, not sent */
	uint64_t	 progress_at;	/* last line taken or message settled */
	uint64_t	 rx_at;		/* last message received */
	int		 leaving;
	uint64_t	 leave_at;
	int		 done;
	int		 status;
	char		 err[256];
};

static void	chat_pump(struct chat_ctx *);
static uint64_t	chat_pump_relay(struct chat_ctx *, uint64_t);

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: p2pchat --server host[:port] --name name [--batch]"
	    " [--port port]\n"
	    "\t[--linger seconds] [--relay turn:user:pass@host[:port]]"
	    " [--force-relay]\n\t[--no-relay] [-v] [code]\n");
	exit(2);
}

static uint64_t
chat_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
chat_emit(struct chat_ctx *ctx, struct chat_event *e)
{
	e->ms = chat_now() - ctx->start;
	if (ctx->batch)
		batch_event(e);
	else
		ui_event(e);
}

static void
chat_error(struct chat_ctx *ctx, const char *reason)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_ERROR;
	e.reason = reason;
	chat_emit(ctx, &e);
}

static int
chat_setup(struct chat_ctx *ctx)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_punch_cand	 pc;
	struct stun_addr	 any, local;
	uint8_t			 roomid[CHAT_ROOMID_LEN];

	memset(&any, 0, sizeof(any));
	any.family = ctx->server.family;
	any.port = ctx->port;
	if ((ctx->fd = sock_bind(&any, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(ctx->fd, &local) == -1) {
		snprintf(ctx->err, sizeof(ctx->err), "socket: %s",
		    strerror(errno));
		return (-1);
	}
	ctx->port = local.port;
	memset(rc, 0, sizeof(*rc));
	rc->server = ctx->server;
	/* Sends at 0, 0.25, 0.75, 1.75, 3.75, 7.75 s; no answer at 9.75 s. */
	rc->txn.rto = 250;
	rc->txn.rc = 6;
	rc->txn.rm = 8;
	if (chat_room_id(ctx->secret, roomid) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot derive the room");
		return (-1);
	}
	memcpy(rc->room, roomid, sizeof(roomid));
	rc->roomlen = sizeof(roomid);
	snprintf(rc->name, sizeof(rc->name), "%s", ctx->name);
	/* Relay only: the peer learns no address of ours from us. */
	if (!ctx->force_relay)
		rc->ncand = chat_host_cands(&ctx->server, ctx->port, rc->cand,
		    STUN_RDV_MAX_CANDS);
	if (chat_room_init(&ctx->room, ctx->secret, ctx->name) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot set up the room");
		return (-1);
	}
	/*
	 * One socket bound to the wildcard: one local candidate is enough,
	 * the kernel picks the source address for each remote one.
	 */
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.sock = CHAT_SOCK_MAIN;
	pc.addr = rc->ncand > 0 ? rc->cand[0].addr : local;
	if (!ctx->force_relay)
		(void)chat_room_add_local(&ctx->room, &pc);
	log_debug("socket port %u, %u host candidates", ctx->port, rc->ncand);
	return (0);
}

/* The relayed address becomes a candidate: ours to pair, theirs to know. */
static void
chat_relay_cand(struct chat_ctx *ctx)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_punch_cand	 pc;
	unsigned		 i;

	i = rc->ncand < STUN_RDV_MAX_CANDS ? rc->ncand++ :
	    STUN_RDV_MAX_CANDS - 1;
	rc->cand[i].kind = STUN_RDV_CAND_RELAY;
	rc->cand[i].addr = ctx->relay.relayed;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_RELAY;
	pc.sock = CHAT_SOCK_RELAY;
	pc.addr = ctx->relay.relayed;
	(void)chat_room_add_local(&ctx->room, &pc);
}

/*
 * Register again with the relayed candidate added.  The server knows a
 * member again by its nonce, keeps its id and tells the others the new
 * candidates (STUN_RDV_EV_MOVE).
 */
static int
chat_reregister(struct chat_ctx *ctx, uint64_t now)
{
	return (stun_rdv_client_set_cands(&ctx->rdv, ctx->rc.cand,
	    ctx->rc.ncand, now) == 0 ? 0 : -1);
}

static void
chat_no_relay(struct chat_ctx *ctx, const char *reason)
{
	char	buf[64];

	if (stun_addr_format(&ctx->relay.server, buf, sizeof(buf)) != 0)
		buf[0] = '\0';
	snprintf(ctx->err, sizeof(ctx->err), "relay %s: %s", buf, reason);
	ctx->status = 1;
	ctx->done = 1;
}

/*
 * Register in the room, with the relayed candidate when there is one:
 * gathered before the first peer, so that the first message never waits
 * for a failed punch.  Called again once a relay allocated late (from
 * the rendezvous server's credential) is up.
 */
static int
chat_register(struct chat_ctx *ctx, uint64_t now)
{
	if (ctx->registering) {
		if (!chat_relay_up(&ctx->relay))
			return (0);
		chat_relay_cand(ctx);
		if (chat_reregister(ctx, now) != 0)
			log_warnx("cannot announce the relayed address");
		return (0);
	}
	ctx->registering = 1;
	if (chat_relay_up(&ctx->relay))
		chat_relay_cand(ctx);
	if (stun_rdv_client_init(&ctx->rdv, &ctx->rc) != 0 ||
	    stun_rdv_client_start(&ctx->rdv, now) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot register");
		ctx->status = 1;
		ctx->done = 1;
		return (-1);
	}
	return (0);
}

/*
 * The rendezvous server offers a TURN credential for its own address:
 * the relay "on stund by default" when none was given.
 */
static void
chat_relay_offered(struct chat_ctx *ctx, const struct stun_rdv_action *a,
    uint64_t now)
{
	struct stun_turn_config	tc;
	int			r;

	if (ctx->relay_on || ctx->no_relay)
		return;
	if (a->relay_user[0] == '\0') {
		if (ctx->force_relay) {
			snprintf(ctx->err, sizeof(ctx->err), "%s offers no "
			    "relay: give --relay", ctx->server_arg);
			ctx->status = 1;
			ctx->done = 1;
		}
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.server = ctx->server;
	snprintf(tc.username, sizeof(tc.username), "%s", a->relay_user);
	snprintf(tc.password, sizeof(tc.password), "%s", a->relay_pass);
	r = chat_relay_init(&ctx->relay, &tc, ctx->force_relay);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r == 0)
		r = chat_relay_start(&ctx->relay, now);
	if (r != 0) {
		log_warnx("relay offered by the server: %s", stun_strerror(r));
		if (ctx->force_relay)
			chat_no_relay(ctx, stun_strerror(r));
		return;
	}
	ctx->relay_on = 1;
	log_debug("relay offered by the server, user %s", a->relay_user);
}

static void
chat_log_pkt(const char *what, const struct stun_addr *a, const uint8_t *buf,
    size_t len)
{
	char	addr[64];

	if (stun_addr_format(a, addr, sizeof(addr)) != 0)
		addr[0] = '\0';
	log_debug("%s %s 0x%02x %zu bytes", what, addr, buf[0], len);
}

static void
chat_sendto(struct chat_ctx *ctx, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	if (log_getlevel() >= LOG_LEVEL_DEBUG && len > 0)
		chat_log_pkt("send", to, buf, len);
	sl = sock_from_stun(to, &ss);
	if (sendto(ctx->fd, buf, len, 0, (struct sockaddr *)&ss, sl) == -1)
		log_debug("sendto: %s", strerror(errno));
}

/* What a peer sends from the relay goes to the TURN server, wrapped. */
static void
chat_relay_sendto(struct chat_ctx *ctx, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	int	n;

	n = chat_relay_wrap(&ctx->relay, to, buf, len, chat_now());
	if (n < 0) {
		log_debug("relay: cannot wrap: %s", stun_strerror(n));
		return;
	}
	chat_sendto(ctx, &ctx->relay.server, ctx->relay.out, (size_t)n);
	/* A permission request may be due before the data is of use. */
	chat_pump_relay(ctx, chat_now());
}

/*
 * The address a path is shown with: the relayed address it runs through
 * (ours, else the peer's), or the peer's address for a direct path.
 */
static void
chat_path_addr(struct chat_ctx *ctx, const struct chat_path *path,
    struct stun_addr *out)
{
	if (path->kind == CHAT_PATH_RELAY &&
	    path->local_type == STUN_CAND_RELAY)
		*out = ctx->relay.relayed;
	else
		*out = path->addr;
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
chat_send_all(struct chat_ctx *ctx, const uint8_t *buf, size_t len)
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
		if ((r = chat_peer_send(p, buf, len, chat_now(), &id)) == 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = EV_UNDELIVERED;
		e.peer = p->name;
		e.peer_id = p->id;
		e.reason = r == STUN_ERR_NOSPACE ? "queue full" :
		    stun_strerror(r);
		chat_emit(ctx, &e);
	}
	return (n);
}

static void
chat_no_peer(struct chat_ctx *ctx, const char *reason)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_UNDELIVERED;
	e.reason = reason;
	chat_emit(ctx, &e);
}

static void
chat_backlog_flush(struct chat_ctx *ctx)
{
	unsigned	i;

	if (ctx->nbacklog == 0)
		return;
	for (i = 0; i < ctx->nbacklog; i++) {
		if (ctx->giving_up || chat_send_all(ctx, ctx->backlog[i].buf,
		    ctx->backlog[i].len) == 0)
			chat_no_peer(ctx, ctx->giving_up ? "gave up at exit" :
			    "nobody in the room");
		free(ctx->backlog[i].buf);
	}
	ctx->nbacklog = 0;
}

static int
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

int
chat_send_line(struct chat_ctx *ctx, const uint8_t *buf, size_t len)
{
	struct chat_line	*l;

	ctx->progress_at = chat_now();
	if (buf == NULL) {
		chat_error(ctx, "line too long: not sent");
		return (0);
	}
	if (ctx->giving_up) {
		chat_no_peer(ctx, "gave up at exit");
		return (0);
	}
	if (chat_room_busy(ctx, len)) {
		if (!ctx->batch)
			chat_error(ctx, "too many messages waiting: not sent");
		return (ctx->batch ? -1 : 0);
	}
	if (ctx->nbacklog == 0 && chat_send_all(ctx, buf, len) > 0)
		return (0);
	/* Nobody here yet: keep it for the first peer. */
	if (ctx->nbacklog == CHAT_BACKLOG) {
		if (!ctx->batch)
			chat_error(ctx, "nobody in the room yet: not sent");
		return (ctx->batch ? -1 : 0);
	}
	l = &ctx->backlog[ctx->nbacklog];
	if ((l->buf = malloc(len)) == NULL) {
		chat_error(ctx, "out of memory: line not sent");
		return (0);
	}
	memcpy(l->buf, buf, len);
	l->len = len;
	ctx->nbacklog++;
	return (0);
}

/* No more input: deliver what is queued, then leave. */
static void
chat_quitting(struct chat_ctx *ctx)
{
	if (ctx->quitting)
		return;
	ctx->quitting = 1;
	ctx->progress_at = chat_now();
}

void
chat_quit(struct chat_ctx *ctx)
{
	chat_quitting(ctx);
	ctx->eof = 1;
	chat_pump(ctx);
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
		chat_path_addr(ctx, &p->path, &pi[n].addr);
		pi[n].rtt = p->path.rtt;
		pi[n].pending = chat_peer_pending(p);
		n++;
	}
	return (n);
}

static void
chat_peer_event(struct chat_ctx *ctx, struct chat_peer *p,
    const struct chat_peer_action *pa)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.peer = p->name;
	e.peer_id = p->id;
	e.id = pa->id;
	e.reason = pa->reason;
	switch (pa->kind) {
	case CHAT_PEER_A_SEND:
		if (pa->sock == CHAT_SOCK_RELAY)
			chat_relay_sendto(ctx, &pa->to, pa->buf, pa->len);
		else if (!ctx->force_relay)
			chat_sendto(ctx, &pa->to, pa->buf, pa->len);
		return;
	case CHAT_PEER_A_PATH:
		e.kind = EV_PATH;
		e.path_kind = p->path.kind;
		chat_path_addr(ctx, &p->path, &e.addr);
		e.addr2 = p->path.addr;
		if (p->path.sock == CHAT_SOCK_RELAY)
			chat_relay_path(&ctx->relay, &p->path.addr,
			    chat_now());
		e.local_type = stun_punch_cand_name(p->path.local_type);
		e.remote_type = stun_punch_cand_name(p->path.remote_type);
		e.rtt = p->path.rtt;
		break;
	case CHAT_PEER_A_UP:
		e.kind = EV_JOINED;
		ctx->progress_at = chat_now();
		break;
	case CHAT_PEER_A_MESSAGE:
		e.kind = EV_MESSAGE;
		ctx->rx_at = chat_now();
		e.text = pa->buf;
		e.len = pa->len;
		break;
	case CHAT_PEER_A_DELIVERED:
		e.kind = EV_DELIVERED;
		e.reason = NULL;
		ctx->progress_at = chat_now();
		break;
	case CHAT_PEER_A_UNDELIVERED:
		e.kind = EV_UNDELIVERED;
		ctx->progress_at = chat_now();
		break;
	case CHAT_PEER_A_FAILED:
		e.kind = EV_FAILED;
		break;
	default:
		return;
	}
	chat_emit(ctx, &e);
}

/* Drain the room; returns its next wake-up. */
static uint64_t
chat_pump_room(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_room_action	 a;
	struct chat_event	 e;
	unsigned		 k;

	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		chat_room_next(&ctx->room, now, &a);
		if (a.kind == CHAT_ROOM_A_WAIT)
			return (a.wake);
		memset(&e, 0, sizeof(e));
		if (a.kind == CHAT_ROOM_A_PEER) {
			chat_peer_event(ctx, a.peer, &a.pa);
			continue;
		}
		if (a.kind == CHAT_ROOM_A_MEMBER) {
			e.kind = EV_MEMBER;
			e.peer = a.peer->name;
			e.peer_id = a.peer->id;
		} else {
			e.kind = EV_LEFT;
			e.peer = a.name;
			e.peer_id = a.id;
			e.reason = a.reason;
		}
		chat_emit(ctx, &e);
	}
	return (now + 1);
}

static void
chat_rdv_action(struct chat_ctx *ctx, const struct stun_rdv_action *a,
    uint64_t now)
{
	struct chat_event	e;
	char			buf[64];

	memset(&e, 0, sizeof(e));
	switch (a->kind) {
	case STUN_RDV_A_SEND:
		chat_sendto(ctx, &a->to, a->buf, a->len);
		break;
	case STUN_RDV_A_JOINED:
		if (ctx->joined && a->member_id != ctx->self_id) {
			/* Pair keys and roles hang on the id: start over. */
			log_warnx("registered again as member %u",
			    a->member_id);
			ctx->self_id = a->member_id;
			chat_room_reset(&ctx->room, "we registered again");
		}
		chat_relay_offered(ctx, a, now);
		if (!ctx->joined) {
			ctx->joined = 1;
			ctx->self_id = a->member_id;
			e.kind = EV_REGISTERED;
			e.peer_id = a->member_id;
			e.addr = a->mapped;
			chat_emit(ctx, &e);
			if (stun_addr_format(&a->mapped, buf,
			    sizeof(buf)) == 0)
				log_debug("member %u, mapped %s",
				    a->member_id, buf);
		}
		break;
	case STUN_RDV_A_MEMBERS:
		chat_room_members(&ctx->room, ctx->self_id, a->members,
		    a->nmembers, a->event, a->event_member, now);
		break;
	case STUN_RDV_A_GO:
		chat_room_go(&ctx->room, a->peer_id, a->go_at);
		break;
	case STUN_RDV_A_DONE:
		ctx->done = 1;
		break;
	case STUN_RDV_A_FAILED:
		if (!ctx->joined) {
			snprintf(ctx->err, sizeof(ctx->err),
			    "%s: %s", ctx->server_arg, a->code != 0 ?
			    stun_reason_phrase(a->code) :
			    a->err == STUN_ERR_TIMEOUT ?
			    "no answer from the rendezvous server" :
			    stun_strerror(a->err));
			ctx->status = 1;
		} else if (!ctx->leaving)
			log_warnx("lost the rendezvous server: %s",
			    stun_strerror(a->err));
		ctx->done = 1;
		break;
	}
}

static uint64_t
chat_pump_rdv(struct chat_ctx *ctx, uint64_t now)
{
	struct stun_rdv_action	a;
	unsigned		k;

	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		stun_rdv_client_next(&ctx->rdv, &a);
		if (a.kind == STUN_RDV_A_WAIT)
			return (a.wake);
		chat_rdv_action(ctx, &a, now);
	}
	return (now + 1);
}

/* No allocation: go on without it, unless only the relay will do. */
static void
chat_relay_gone(struct chat_ctx *ctx, const char *reason, uint64_t now)
{
	ctx->relay.state = CHAT_RELAY_S_FAILED;
	if (ctx->force_relay) {
		chat_no_relay(ctx, reason);
		return;
	}
	log_warnx("no relay: %s", reason);
	(void)chat_register(ctx, now);
}

static void
chat_relay_action(struct chat_ctx *ctx, const struct stun_turn_action *a,
    uint64_t now)
{
	struct chat_relay	*rl = &ctx->relay;
	struct chat_event	 e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_RELAY;
	e.addr2 = rl->server;
	switch (a->kind) {
	case STUN_TURN_A_SEND:
		chat_sendto(ctx, &a->to, a->buf, a->len);
		return;
	case STUN_TURN_A_ALLOCATED:
		if (rl->state != CHAT_RELAY_S_ALLOCATING)
			return;
		rl->state = CHAT_RELAY_S_UP;
		rl->relayed = a->relayed;
		e.addr = a->relayed;
		chat_emit(ctx, &e);
		(void)chat_register(ctx, now);
		return;
	case STUN_TURN_A_DATA:
		/* From the peer at a->peer, as if on the relay socket. */
		if (a->datalen > 0 && chat_room_input(&ctx->room,
		    CHAT_SOCK_RELAY, &a->peer, a->data, a->datalen,
		    now) == 0 && a->data[0] == CHAT_PKT_DATA)
			ctx->rx_at = now;
		return;
	case STUN_TURN_A_PERM_FAILED:
	case STUN_TURN_A_CHAN_FAILED:
		log_debug("relay: %s: %s", stun_turn_action_name(a->kind),
		    a->code != 0 ? stun_reason_phrase(a->code) :
		    stun_strerror(a->err));
		return;
	case STUN_TURN_A_FAILED:
	case STUN_TURN_A_CLOSED:
		if (rl->state == CHAT_RELAY_S_CLOSED ||
		    rl->state == CHAT_RELAY_S_FAILED)
			return;
		e.reason = a->code != 0 ? stun_reason_phrase(a->code) :
		    stun_strerror(a->err);
		if (rl->state == CHAT_RELAY_S_UP) {
			/*
			 * Sends on relayed paths now go nowhere: their
			 * messages end undelivered when unacknowledged.
			 */
			rl->state = CHAT_RELAY_S_FAILED;
			log_warnx("relay lost: %s", e.reason);
			chat_emit(ctx, &e);
			return;
		}
		if (!ctx->force_relay)
			chat_emit(ctx, &e);
		chat_relay_gone(ctx, e.reason, now);
		return;
	}
}

static uint64_t
chat_pump_relay(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_relay	*rl = &ctx->relay;
	struct stun_turn_action	 a;
	uint64_t		 w = 0;
	unsigned		 k;

	if (!ctx->relay_on || rl->state == CHAT_RELAY_S_IDLE)
		return (0);
	/* Bounded: without an allocation in time, register without it. */
	if (rl->state == CHAT_RELAY_S_ALLOCATING && now >= rl->deadline) {
		(void)stun_turn_close(&rl->turn, now);
		chat_relay_gone(ctx, "no allocation in time", now);
	}
	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		stun_turn_next(&rl->turn, &a);
		if (a.kind == STUN_TURN_A_WAIT) {
			w = a.wake;
			break;
		}
		chat_relay_action(ctx, &a, now);
	}
	if (k == CHAT_PUMP_MAX)
		w = now + 1;
	if (rl->state == CHAT_RELAY_S_ALLOCATING &&
	    (w == 0 || rl->deadline < w))
		w = rl->deadline;
	return (w);
}

/* Hand buffered lines to the peers as far as they take them. */
static void
chat_input_drain(struct chat_ctx *ctx)
{
	size_t	used;

	if (ctx->batch && ctx->inlen > 0) {
		used = batch_lines(ctx, ctx->inbuf, ctx->inlen, ctx->eof,
		    &ctx->inskip);
		memmove(ctx->inbuf, ctx->inbuf + used, ctx->inlen - used);
		ctx->inlen -= used;
	}
	if (ctx->eof && ctx->inlen == 0)
		chat_quitting(ctx);
}

/* Read stdin only while there is room to buffer it. */
static void
chat_flow(struct chat_ctx *ctx)
{
	struct timeval	tv = { 0, 0 };
	int		pause;

	pause = ctx->eof || ctx->quitting || ctx->inlen == CHAT_STDIN_BUF;
	if (ctx->ev_in == NULL || pause == ctx->in_paused)
		return;
	ctx->in_paused = pause;
	if (pause)
		event_del(ctx->ev_in);
	else if (ctx->in_poll)
		event_add(ctx->ev_in, &tv);
	else
		event_add(ctx->ev_in, NULL);
}

static void
chat_leave(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_event	e;

	if (ctx->leaving)
		return;
	ctx->leaving = 1;
	ctx->leave_at = now + CHAT_LEAVE_WAIT;
	chat_room_close(&ctx->room, "leaving");
	(void)chat_pump_room(ctx, now);
	if (ctx->relay_on) {
		chat_relay_close(&ctx->relay, now);
		(void)chat_pump_relay(ctx, now);
	}
	if (!ctx->joined || stun_rdv_client_leave(&ctx->rdv, now) != 0)
		ctx->done = 1;
	memset(&e, 0, sizeof(e));
	e.kind = EV_BYE;
	chat_emit(ctx, &e);
}

static void
chat_pump(struct chat_ctx *ctx)
{
	struct timeval	 tv;
	uint64_t	 now, w1, w2, w3, w, d, linger_at, quiet_at;

	now = chat_now();
	w3 = chat_pump_relay(ctx, now);
	w1 = ctx->registering ? chat_pump_rdv(ctx, now) : 0;
	chat_input_drain(ctx);
	w2 = chat_pump_room(ctx, now);
	/* Lines kept while nobody could take them go to the first taker. */
	if (ctx->nbacklog > 0 && !ctx->giving_up && chat_any_live(ctx))
		chat_backlog_flush(ctx);
	/*
	 * At the end of input, wait while things move: lines taken, messages
	 * settled.  After --linger seconds without progress, what is left
	 * is reported, not lost.  Registered first, so that an unreachable
	 * server still fails.
	 */
	linger_at = ctx->progress_at + (uint64_t)ctx->linger * 1000;
	if (ctx->eof && !ctx->leaving && ctx->joined && now >= linger_at &&
	    !ctx->giving_up) {
		ctx->giving_up = 1;
		chat_room_close(&ctx->room, "gave up at exit");
		(void)chat_pump_room(ctx, now);
		chat_backlog_flush(ctx);
		chat_input_drain(ctx);
	}
	/* Others may still be talking to us: leave in a quiet moment. */
	quiet_at = ctx->rx_at + CHAT_QUIET;
	if (ctx->quitting && !ctx->leaving && ctx->joined &&
	    chat_room_pending(&ctx->room) == 0 && (ctx->giving_up ||
	    (now >= quiet_at && ctx->nbacklog == 0))) {
		chat_backlog_flush(ctx);
		chat_leave(ctx, now);
		w1 = chat_pump_rdv(ctx, now);
	}
	if (ctx->leaving && now >= ctx->leave_at)
		ctx->done = 1;
	if (ctx->done) {
		event_base_loopexit(ctx->base, NULL);
		return;
	}
	chat_flow(ctx);
	w = w1;
	if (w2 != 0 && (w == 0 || w2 < w))
		w = w2;
	w3 = chat_pump_relay(ctx, now);
	if (w3 != 0 && (w == 0 || w3 < w))
		w = w3;
	if (ctx->eof && !ctx->leaving && ctx->joined &&
	    (w == 0 || linger_at < w))
		w = linger_at;
	if (ctx->quitting && !ctx->leaving && now < quiet_at &&
	    (w == 0 || quiet_at < w))
		w = quiet_at;
	if (ctx->leaving && (w == 0 || ctx->leave_at < w))
		w = ctx->leave_at;
	if (w == 0)
		w = now + 1000;
	d = w > now ? w - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(ctx->ev_timer, &tv);
}

static void
chat_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx		*ctx = arg;
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	uint8_t			 buf[2048];
	socklen_t		 sl;
	ssize_t			 n;
	unsigned		 k;
	uint64_t		 now;

	(void)what;
	for (k = 0; k < CHAT_RECV_BURST; k++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &sl);
		if (n == -1)
			break;
		if (n == 0 || sock_to_stun((struct sockaddr *)&ss, &from) != 0)
			continue;
		now = chat_now();
		if (log_getlevel() >= LOG_LEVEL_DEBUG)
			chat_log_pkt("recv", &from, buf, (size_t)n);
		/*
		 * doc/p2pchat-wire.md: demultiplex on source and first byte.
		 * The TURN machine answers NOT_FOUND for what is not its
		 * own, such as the rendezvous on the same server.
		 */
		if (ctx->relay_on &&
		    stun_addr_equal(&from, &ctx->relay.server) &&
		    stun_turn_input(&ctx->relay.turn, &from, buf, (size_t)n,
		    now) != STUN_ERR_NOT_FOUND)
			(void)chat_pump_relay(ctx, now);
		else if (stun_addr_equal(&from, &ctx->server) &&
		    buf[0] <= 3) {
			if (ctx->registering)
				stun_rdv_client_input(&ctx->rdv, &from, buf,
				    (size_t)n, now);
		} else if (ctx->force_relay)
			continue;	/* relay only: nothing direct */
		else if (chat_room_input(&ctx->room, CHAT_SOCK_MAIN, &from,
		    buf, (size_t)n, now) == 0 && buf[0] == CHAT_PKT_DATA)
			ctx->rx_at = now;	/* someone is still talking */
	}
	chat_pump(ctx);
}

static void
chat_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;
	uint64_t	 now = chat_now();

	(void)fd;
	(void)what;
	if (ctx->relay_on)
		stun_turn_timer(&ctx->relay.turn, now);
	if (ctx->registering)
		stun_rdv_client_timer(&ctx->rdv, now);
	chat_room_timer(&ctx->room, now);
	chat_pump(ctx);
}

static void
chat_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;
	struct timeval	 tv = { 0, 0 };
	ssize_t		 n;

	(void)what;
	if (ctx->eof || ctx->inlen == CHAT_STDIN_BUF)
		return;
	/* fd is -1 when a timer polls a regular file. */
	(void)fd;
	n = read(STDIN_FILENO, ctx->inbuf + ctx->inlen,
	    CHAT_STDIN_BUF - ctx->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		ctx->eof = 1;
	else if (!ctx->batch)
		ui_input(ctx, ctx->inbuf, (size_t)n);
	else
		ctx->inlen += (size_t)n;
	if (ctx->in_poll && !ctx->eof)
		event_add(ctx->ev_in, &tv);
	chat_pump(ctx);
}

static void
chat_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;

	(void)what;
	if (ctx->quitting) {
		/* A second signal: leave without waiting for acks. */
		ctx->progress_at = 0;
		chat_pump(ctx);
		return;
	}
	log_debug("signal %d: leaving", (int)sig);
	chat_quit(ctx);
}

static int
chat_events(struct chat_ctx *ctx)
{
	struct timeval	 tv = { 0, 0 };
	struct stat	 st;

	if ((ctx->base = event_base_new()) == NULL)
		return (-1);
	ctx->ev_sock = event_new(ctx->base, ctx->fd, EV_READ | EV_PERSIST,
	    chat_sock_cb, ctx);
	ctx->ev_timer = evtimer_new(ctx->base, chat_timer_cb, ctx);
	ctx->ev_int = evsignal_new(ctx->base, SIGINT, chat_signal_cb, ctx);
	ctx->ev_term = evsignal_new(ctx->base, SIGTERM, chat_signal_cb, ctx);
	if (ctx->ev_sock == NULL || ctx->ev_timer == NULL ||
	    ctx->ev_int == NULL || ctx->ev_term == NULL ||
	    event_add(ctx->ev_sock, NULL) != 0 ||
	    event_add(ctx->ev_int, NULL) != 0 ||
	    event_add(ctx->ev_term, NULL) != 0)
		return (-1);
	/* epoll refuses regular files and /dev/null: they are always
	 * readable, so a timer polls them. */
	if (fstat(STDIN_FILENO, &st) == 0 && (S_ISREG(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))))
		ctx->in_poll = 1;
	if (ctx->in_poll) {
		ctx->ev_in = evtimer_new(ctx->base, chat_stdin_cb, ctx);
		if (ctx->ev_in == NULL || event_add(ctx->ev_in, &tv) != 0)
			return (-1);
	} else {
		ctx->ev_in = event_new(ctx->base, STDIN_FILENO,
		    EV_READ | EV_PERSIST, chat_stdin_cb, ctx);
		if (ctx->ev_in == NULL || event_add(ctx->ev_in, NULL) != 0)
			return (-1);
	}
	return (0);
}

static void
chat_free(struct chat_ctx *ctx)
{
	unsigned	i;

	for (i = 0; i < ctx->nbacklog; i++)
		free(ctx->backlog[i].buf);
	if (ctx->ev_sock != NULL)
		event_free(ctx->ev_sock);
	if (ctx->ev_in != NULL)
		event_free(ctx->ev_in);
	if (ctx->ev_timer != NULL)
		event_free(ctx->ev_timer);
	if (ctx->ev_int != NULL)
		event_free(ctx->ev_int);
	if (ctx->ev_term != NULL)
		event_free(ctx->ev_term);
	if (ctx->base != NULL)
		event_base_free(ctx->base);
	if (ctx->fd != -1)
		close(ctx->fd);
	chat_room_free(&ctx->room);
	chat_relay_clear(&ctx->relay);
	free(ctx->inbuf);
	OPENSSL_cleanse(ctx->secret, sizeof(ctx->secret));
}

/* --relay: 0, or the exit status after saying what is wrong. */
static int
chat_relay_setup(struct chat_ctx *ctx)
{
	struct stun_turn_config	tc;
	int			r;

	if ((r = chat_relay_parse(ctx->relay_arg, &tc, ctx->err,
	    sizeof(ctx->err))) != 0) {
		if (r == -1)
			fprintf(stderr, "p2pchat: --relay: expected "
			    "turn:user:pass@host[:port]\n");
		else
			fprintf(stderr, "p2pchat: --relay: %s\n", ctx->err);
		return (r == -1 ? 2 : 1);
	}
	r = chat_relay_init(&ctx->relay, &tc, ctx->force_relay);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r != 0) {
		fprintf(stderr, "p2pchat: --relay: %s\n", stun_strerror(r));
		return (2);
	}
	ctx->relay_on = 1;
	ctx->err[0] = '\0';
	return (0);
}

static int
chat_name_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > CHAT_NAME_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (1);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "batch",	no_argument,		NULL, 'b' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "linger",	required_argument,	NULL, 'l' },
		{ "relay",	required_argument,	NULL, 'r' },
		{ "force-relay", no_argument,		NULL, 'f' },
		{ "no-relay",	no_argument,		NULL, 'N' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct chat_ctx		*ctx;
	struct chat_event	 e;
	char			*end;
	unsigned long		 v;
	int			 ch, verbose = 0, rv;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		fprintf(stderr, "p2pchat: out of memory\n");
		return (1);
	}
	ctx->fd = -1;
	ctx->linger = CHAT_LINGER;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctx->server_arg = optarg;
			break;
		case 'n':
			ctx->name = optarg;
			break;
		case 'b':
			ctx->batch = 1;
			break;
		case 'r':
			ctx->relay_arg = optarg;
			break;
		case 'f':
			ctx->force_relay = 1;
			break;
		case 'N':
			ctx->no_relay = 1;
			break;
		case 'p':
		case 'l':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || v > (ch == 'p' ? 65535 : 3600))
				usage();
			if (ch == 'p')
				ctx->port = (uint16_t)v;
			else
				ctx->linger = (unsigned)v;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || ctx->server_arg == NULL || ctx->name == NULL)
		usage();
	ctx->code_arg = argc == 1 ? argv[0] : NULL;
	if ((ctx->force_relay && ctx->no_relay) ||
	    (ctx->relay_arg != NULL && ctx->no_relay))
		usage();
	log_init("p2pchat", 0, verbose > 0 ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if (!chat_name_ok(ctx->name)) {
		fprintf(stderr, "p2pchat: %s: a name is 1 to %d bytes without "
		    "control characters\n", ctx->name, CHAT_NAME_MAX);
		return (2);
	}
	if (!isatty(STDIN_FILENO))
		ctx->batch = 1;
	rv = 1;
	if (ctx->code_arg != NULL) {
		if (chat_code_parse(ctx->code_arg, ctx->secret) != 0) {
			fprintf(stderr, "p2pchat: %s: not a valid room code "
			    "(mistyped?)\n", ctx->code_arg);
			goto out;
		}
		(void)chat_code_format(ctx->secret, ctx->code,
		    sizeof(ctx->code));
	} else if (chat_code_make(NULL, NULL, ctx->secret, ctx->code,
	    sizeof(ctx->code)) != 0) {
		fprintf(stderr, "p2pchat: no random bytes for a room code\n");
		goto out;
	}
	if ((rv = chat_resolve(ctx->server_arg, &ctx->server, ctx->err,
	    sizeof(ctx->err))) != 0) {
		if (rv == -1)
			fprintf(stderr, "p2pchat: %s: bad server address or "
			    "port\n", ctx->server_arg);
		else
			fprintf(stderr, "p2pchat: %s\n", ctx->err);
		rv = rv == -1 ? 2 : 1;
		goto out;
	}
	if (ctx->relay_arg != NULL && (rv = chat_relay_setup(ctx)) != 0)
		goto out;
	rv = 1;
	ctx->start = chat_now();
	if ((ctx->inbuf = malloc(CHAT_STDIN_BUF)) == NULL ||
	    chat_setup(ctx) != 0 || chat_events(ctx) != 0) {
		fprintf(stderr, "p2pchat: %s\n", ctx->err[0] != '\0' ?
		    ctx->err : "cannot set up the event loop");
		goto out;
	}
	if (!ctx->batch && ui_start() != 0)
		ctx->batch = 1;
	memset(&e, 0, sizeof(e));
	e.kind = EV_ROOM;
	e.code = ctx->code;
	e.created = ctx->code_arg == NULL;
	chat_emit(ctx, &e);
	if (ctx->relay_on && chat_relay_start(&ctx->relay, chat_now()) != 0)
		ctx->relay.state = CHAT_RELAY_S_FAILED;
	if (!ctx->relay_on || ctx->relay.state == CHAT_RELAY_S_FAILED)
		(void)chat_register(ctx, chat_now());
	if (!ctx->done) {
		chat_pump(ctx);
		event_base_dispatch(ctx->base);
	}
	ui_stop();
	rv = ctx->status;
	if (rv != 0)
		fprintf(stderr, "p2pchat: %s\n", ctx->err);
 out:
	chat_free(ctx);
	free(ctx);
	return (rv);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat: end-to-end encrypted chat straight from peer to peer through
 * NATs.  This file is the thin libevent layer: the command line, one UDP
 * socket for the rendezvous, the punching and the chat, the rendezvous
 * client machine and the room (chat/room.h) driven on it, and stdin.
 * relay.c runs the TURN relay on the same socket, lines.c takes the lines
 * typed, batch.c and ui.c show the events.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "libstun/rdv.h"
#include "chat/crypto.h"
#include "chat/room.h"
#include "chat/p2pchat.h"
#include "chat/relay.h"
#include "chat/ctx.h"

#define CHAT_RECV_BURST		64
#define CHAT_PUMP_MAX		4096	/* actions per wake-up */
#define CHAT_LINGER		10	/* s to wait for acks at the end */
#define CHAT_LEAVE_WAIT		2000	/* ms for the Leave answer */
#define CHAT_QUIET		1000	/* ms without messages before leaving */
#define CHAT_STDIN_BUF		(2 * CHAT_REL_MSG_MAX + 2)

static void	chat_pump(struct chat_ctx *);

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

void
chat_emit(struct chat_ctx *ctx, struct chat_event *e)
{
	e->ms = clock_ms() - ctx->start;
	if (ctx->batch)
		batch_event(e);
	else
		ui_event(e);
}

void
chat_fail(struct chat_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	ctx->status = 1;
	ctx->done = 1;
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
	if (chat_room_key(ctx->secret, rc->room_key) != 0 ||
	    chat_room_id(ctx->secret, roomid) != 0) {
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

/*
 * Register again with the relayed candidate added.  The server knows a
 * member again by its member token, keeps its id and tells the others the
 * new candidates (STUN_RDV_EV_MOVE).
 */
static int
chat_reregister(struct chat_ctx *ctx, uint64_t now)
{
	return (stun_rdv_client_set_cands(&ctx->rdv, ctx->rc.cand,
	    ctx->rc.ncand, now) == 0 ? 0 : -1);
}

/*
 * Register in the room, with the relayed candidate when there is one:
 * gathered before the first peer, so that the first message never waits
 * for a failed punch.  Called again once a relay allocated late (from
 * the rendezvous server's credential) is up.
 */
int
chat_register(struct chat_ctx *ctx, uint64_t now)
{
	if (ctx->registering) {
		if (!chat_relay_up(&ctx->relay))
			return (0);
		chat_relay_cand(&ctx->relay, &ctx->rc, &ctx->room, now);
		if (chat_reregister(ctx, now) != 0)
			log_warnx("cannot announce the relayed address");
		return (0);
	}
	ctx->registering = 1;
	if (chat_relay_up(&ctx->relay))
		chat_relay_cand(&ctx->relay, &ctx->rc, &ctx->room, now);
	if (stun_rdv_client_init(&ctx->rdv, &ctx->rc) != 0 ||
	    stun_rdv_client_start(&ctx->rdv, now) != 0) {
		chat_fail(ctx, "cannot register");
		return (-1);
	}
	return (0);
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

void
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

void
chat_quit(struct chat_ctx *ctx)
{
	chat_quitting(ctx);
	ctx->eof = 1;
	chat_pump(ctx);
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
			chat_relay_sendto(&ctx->relay, &pa->to, pa->buf,
			    pa->len);
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
			    clock_ms());
		e.local_type = stun_punch_cand_name(p->path.local_type);
		e.remote_type = stun_punch_cand_name(p->path.remote_type);
		e.rtt = p->path.rtt;
		break;
	case CHAT_PEER_A_UP:
		e.kind = EV_JOINED;
		ctx->progress_at = clock_ms();
		break;
	case CHAT_PEER_A_MESSAGE:
		e.kind = EV_MESSAGE;
		ctx->rx_at = clock_ms();
		e.text = pa->buf;
		e.len = pa->len;
		break;
	case CHAT_PEER_A_DELIVERED:
		e.kind = EV_DELIVERED;
		e.reason = NULL;
		ctx->progress_at = clock_ms();
		break;
	case CHAT_PEER_A_UNDELIVERED:
		e.kind = EV_UNDELIVERED;
		ctx->progress_at = clock_ms();
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
		chat_relay_offered(&ctx->relay, &ctx->server,
		    ctx->server_arg, a, now);
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
		/*
		 * A go for a member we have not heard of: the Members
		 * indication naming it was lost.  Register again (at most
		 * once a second) for the list; the room keeps the go.
		 */
		if (chat_room_go(&ctx->room, a->peer_id, a->go_at) ==
		    STUN_ERR_STATE && now >= ctx->relist_at + 1000) {
			ctx->relist_at = now;
			if (chat_reregister(ctx, now) != 0)
				log_warnx("cannot ask for the member list");
		}
		break;
	case STUN_RDV_A_DONE:
		ctx->done = 1;
		break;
	case STUN_RDV_A_SERVER:
		/* Existing paths go on; the machine registers again. */
		if (a->server_up)
			log_info("the rendezvous server is back");
		else
			log_warnx("the rendezvous server is unreachable; "
			    "retrying");
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
	chat_relay_leave(&ctx->relay, now);
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

	now = clock_ms();
	w3 = chat_relay_pump(&ctx->relay, now);
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
	w3 = chat_relay_pump(&ctx->relay, now);
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
		now = clock_ms();
		if (log_getlevel() >= LOG_LEVEL_DEBUG)
			chat_log_pkt("recv", &from, buf, (size_t)n);
		/* doc/p2pchat-wire.md: demultiplex on source, first byte. */
		if (chat_relay_input(&ctx->relay, &from, buf, (size_t)n,
		    now) == 0)
			continue;	/* the TURN server's */
		if (stun_addr_equal(&from, &ctx->server) &&
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

void
chat_relayed(struct chat_ctx *ctx, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	if (chat_room_input(&ctx->room, CHAT_SOCK_RELAY, from, buf, len,
	    now) == 0 && buf[0] == CHAT_PKT_DATA)
		ctx->rx_at = now;	/* someone is still talking */
}

static void
chat_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	chat_relay_timer(&ctx->relay, now);
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
	ctx->relay.ctx = ctx;
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
			ctx->relay.force = 1;
			break;
		case 'N':
			ctx->relay.off = 1;
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
	if ((ctx->force_relay && ctx->relay.off) ||
	    (ctx->relay_arg != NULL && ctx->relay.off))
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
	if (ctx->relay_arg != NULL &&
	    (rv = chat_relay_setup(&ctx->relay, ctx->relay_arg)) != 0)
		goto out;
	rv = 1;
	ctx->start = clock_ms();
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
	if (!chat_relay_begin(&ctx->relay, clock_ms()))
		(void)chat_register(ctx, clock_ms());
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

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * TCP hole punching, the sockets (see tcppunch.h): one listening socket
 * and every connect bound to its port with SO_REUSEADDR and SO_REUSEPORT,
 * a bufferevent per stream, frames cut by libstun's stream reader and
 * handed to the room as datagrams from the stream's peer on CHAT_SOCK_TCP.
 * When and where to connect is chat/tcpplan.c's to say.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "chat/ctx.h"
#include "chat/srv.h"
#include "chat/tcpplan.h"
#include "chat/tcppunch.h"

struct tcp_stream {
	struct bufferevent *bev;	/* NULL: free */
	struct stun_addr peer;
	int		 up;
	int		 taken;		/* a frame of it was the room's */
	uint64_t	 last;		/* last frame taken, or the start */
	struct stun_stream rx;
	uint8_t		 rxbuf[CHAT_TCP_RX_MAX];
};

struct tcp_gone {
	uint32_t	 peer_id;
	unsigned	 round;		/* the punching round it went for */
};

/* One program, one chat: the state is the program's. */
static struct chat_tcp {
	struct chat_ctx	*ctx;
	int		 lfd;		/* -1: not listening */
	struct event	*ev;
	struct stun_addr local;		/* the listener's, port included */
	struct stun_addr cand;		/* declared: a host address, port */
	int		 declared;	/* in the rendezvous candidates */
	int		 in_room;	/* in the room's local candidates */
	struct chat_tcpp plan;
	struct tcp_stream s[CHAT_TCP_STREAMS];
	struct tcp_gone	 gone[CHAT_ROOM_MAX_PEERS];
} tcp = { .lfd = -1 };

static const char *
tcp_fmt(const struct stun_addr *a, char *buf, size_t len)
{
	if (stun_addr_format(a, buf, len) != 0)
		(void)snprintf(buf, len, "?");
	return (buf);
}

static void
tcp_close(struct tcp_stream *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = NULL;
	s->up = 0;
}

/* The stream ended (or never began): the plan may try again. */
static void
tcp_lost(struct tcp_stream *s, uint64_t now)
{
	chat_tcpp_result(&tcp.plan, &s->peer, 0, now);
	tcp_close(s);
}

static struct tcp_stream *
tcp_find(const struct stun_addr *a)
{
	unsigned	i;

	for (i = 0; i < CHAT_TCP_STREAMS; i++)
		if (tcp.s[i].bev != NULL && stun_addr_equal(&tcp.s[i].peer, a))
			return (&tcp.s[i]);
	return (NULL);
}

/*
 * A free slot; when none is, the oldest stream that never carried a
 * frame the room took makes way (a stranger's connection, or a connect
 * still waiting for its SYN-ACK), so that strangers cannot hold them all.
 */
static struct tcp_stream *
tcp_slot(uint64_t now)
{
	struct tcp_stream	*old = NULL;
	unsigned		 i;

	for (i = 0; i < CHAT_TCP_STREAMS; i++) {
		if (tcp.s[i].bev == NULL)
			return (&tcp.s[i]);
		if (!tcp.s[i].taken && (old == NULL ||
		    tcp.s[i].last < old->last))
			old = &tcp.s[i];
	}
	if (old != NULL)
		tcp_lost(old, now);
	return (old);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_stream	*s = arg;
	struct chat_ctx		*ctx = tcp.ctx;
	struct evbuffer		*in = bufferevent_get_input(bev);
	const uint8_t		*frame, *d;
	uint64_t		 now = clock_ms();
	size_t			 dlen;
	int			 n;

	/* An input may close the stream: s->bev says so. */
	while (s->bev != NULL &&
	    (n = chat_stream_next(in, &s->rx, &frame)) != STUN_ERR_NEED_MORE) {
		if (n < 0 || chat_tcpp_unframe(frame, (size_t)n, &d,
		    &dlen) != 0) {
			log_debug("peer stream: not a frame of ours: closing");
			tcp_lost(s, now);
			break;
		}
		if (chat_room_input(&ctx->room, CHAT_SOCK_TCP, &s->peer, d,
		    dlen, now) == 0) {
			s->last = now;
			s->taken = 1;
			if (d[0] == CHAT_PKT_DATA)
				chat_end_rx(&ctx->end, now);
		}
	}
	chat_poke(ctx);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_stream	*s = arg;
	char			 buf[64];
	uint64_t		 now = clock_ms();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		log_info("TCP to %s connected",
		    tcp_fmt(&s->peer, buf, sizeof(buf)));
		s->up = 1;
		s->last = now;
		chat_tcpp_result(&tcp.plan, &s->peer, 1, now);
		chat_poke(tcp.ctx);
		return;
	}
	log_debug("TCP to %s: %s", tcp_fmt(&s->peer, buf, sizeof(buf)),
	    (what & BEV_EVENT_EOF) ? "closed" : s->up ? "failed" : "refused");
	tcp_lost(s, now);
	chat_poke(tcp.ctx);
}

/* A stream on fd (connected, or to connect when to is set). */
static int
tcp_stream(int fd, const struct stun_addr *peer, const struct stun_addr *to,
    uint64_t now)
{
	struct tcp_stream	*s;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	if ((s = tcp_find(peer)) != NULL)
		tcp_close(s);	/* the newer stream wins */
	if ((s = tcp_slot(now)) == NULL) {
		close(fd);
		return (-1);
	}
	if ((s->bev = bufferevent_socket_new(tcp.ctx->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return (-1);
	}
	s->peer = *peer;
	s->up = to == NULL;
	s->taken = 0;
	s->last = now;
	stun_stream_init(&s->rx, s->rxbuf, sizeof(s->rxbuf));
	bufferevent_setcb(s->bev, tcp_read_cb, NULL, tcp_event_cb, s);
	if (bufferevent_enable(s->bev, EV_READ | EV_WRITE) != 0) {
		tcp_close(s);
		return (-1);
	}
	if (to != NULL) {
		sl = sock_from_stun(to, &ss);
		if (bufferevent_socket_connect(s->bev, (struct sockaddr *)&ss,
		    (int)sl) != 0) {
			/* The event callback may have run: s may be free. */
			if (s->bev != NULL)
				tcp_close(s);
			return (-1);
		}
	}
	return (0);
}

static void
tcp_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	socklen_t		 sl = sizeof(ss);
	uint64_t		 now = clock_ms();
	char			 buf[64];
	int			 fd;

	(void)what;
	(void)arg;
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	if (sock_to_stun((struct sockaddr *)&ss, &from) != 0) {
		close(fd);
		return;
	}
	/* tcp_stream() closes fd when it refuses it. */
	if (tcp_stream(fd, &from, NULL, now) != 0) {
		log_debug("TCP: an incoming connection refused");
		return;
	}
	log_info("TCP from %s accepted", tcp_fmt(&from, buf, sizeof(buf)));
	chat_tcpp_result(&tcp.plan, &from, 1, now);
	chat_poke(tcp.ctx);
}

/* A stream socket bound to the listener's port, not yet connected. */
static int
tcp_bound(void)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 any;
	socklen_t		 sl;
	int			 fd, on = 1;

	memset(&any, 0, sizeof(any));
	any.family = tcp.local.family;
	any.port = tcp.local.port;
	sl = sock_from_stun(&any, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		log_debug("TCP: cannot bind port %u: %s", any.port,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

static void	tcp_declare(struct chat_ctx *, uint64_t);

int
chat_tcp_listen(struct chat_ctx *ctx)
{
	struct stun_addr	any;
	unsigned		i;

	if (tcp.lfd != -1)
		return (0);
	tcp.ctx = ctx;
	/* Relay only, or no address of ours to declare: nothing direct. */
	for (i = 0; i < ctx->rc.ncand &&
	    ctx->rc.cand[i].kind != STUN_RDV_CAND_HOST; i++)
		;
	if (ctx->force_relay || i == ctx->rc.ncand)
		return (-1);
	memset(&any, 0, sizeof(any));
	any.family = ctx->server.family;
	if ((tcp.lfd = sock_bind(&any, SOCK_STREAM, 1)) == -1 ||
	    sock_local(tcp.lfd, &tcp.local) == -1) {
		log_warnx("TCP: cannot listen: %s", strerror(errno));
		if (tcp.lfd != -1)
			close(tcp.lfd);
		tcp.lfd = -1;
		return (-1);
	}
	tcp.cand = ctx->rc.cand[i].addr;
	tcp.cand.port = tcp.local.port;
	chat_tcpp_init(&tcp.plan);
	log_info("TCP: listening on port %u", tcp.local.port);
	tcp_declare(ctx, clock_ms());
	return (0);
}

int
chat_tcp_srv_socket(struct chat_ctx *ctx, const struct stun_addr *to)
{
	if (to->family != ctx->server.family || chat_tcp_listen(ctx) != 0)
		return (-1);
	return (tcp_bound());
}

void
chat_tcp_send(struct chat_ctx *ctx, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	struct tcp_stream	*s;
	uint8_t			 frame[CHAT_TCPP_DGRAM_MAX + 8];
	int			 n;

	(void)ctx;
	/* No stream to to: lost, as a datagram would be. */
	if ((s = tcp_find(to)) == NULL)
		return;
	if ((n = chat_tcpp_frame(frame, sizeof(frame), buf, len)) < 0 ||
	    evbuffer_get_length(bufferevent_get_output(s->bev)) +
	    (size_t)n > CHAT_TCP_OUT_MAX)
		return;
	(void)bufferevent_write(s->bev, frame, (size_t)n);
}

/* Our candidate, to the rendezvous (the server lists the others' then). */
static void
tcp_declare(struct chat_ctx *ctx, uint64_t now)
{
	struct stun_rdv_config	*rc = &ctx->rc;

	if (tcp.declared)
		return;
	tcp.declared = 1;
	if (rc->ncand == STUN_RDV_MAX_CANDS) {
		log_warnx("TCP: no room for a TCP candidate");
		return;
	}
	rc->cand[rc->ncand].kind = STUN_RDV_CAND_TCP;
	rc->cand[rc->ncand].addr = tcp.cand;
	rc->ncand++;
	if (ctx->registering && stun_rdv_client_set_cands(&ctx->rdv,
	    rc->cand, rc->ncand, now) != 0)
		log_debug("TCP: cannot declare the candidate now");
}

/* Our candidate, to the punch machines. */
static void
tcp_room(struct chat_ctx *ctx)
{
	struct stun_punch_cand	pc;

	if (tcp.in_room || !ctx->registering)
		return;
	tcp.in_room = 1;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.addr = tcp.cand;
	pc.sock = CHAT_SOCK_TCP;
	pc.priority = chat_tcpp_priority(0);
	if (chat_room_add_local(&ctx->room, &pc) != 0)
		log_warnx("TCP: no room for a TCP candidate");
}

/* The peers whose punching started since we last looked: connect. */
static void
tcp_go(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_peer	*p;
	struct tcp_gone		*g;
	unsigned		 i, k;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		g = &tcp.gone[i];
		if (g->peer_id != 0 && ((p = chat_room_peer(&ctx->room,
		    i)) == NULL || p->id != g->peer_id)) {
			chat_tcpp_forget(&tcp.plan, g->peer_id);
			g->peer_id = 0;
		}
		if ((p = chat_room_peer(&ctx->room, i)) == NULL)
			continue;
		/* Punching, or relayed at once: a direct path may come. */
		if ((p->state != CHAT_PEER_S_PUNCHING &&
		    p->path.kind != CHAT_PATH_RELAY) ||
		    (p->state != CHAT_PEER_S_PUNCHING &&
		    p->state != CHAT_PEER_S_HANDSHAKE &&
		    p->state != CHAT_PEER_S_UP) ||
		    (g->peer_id == p->id && g->round == p->retries + 1))
			continue;
		g->peer_id = p->id;
		g->round = p->retries + 1;
		for (k = 0; k < p->punch.nremote; k++)
			if (chat_tcpp_is_tcp(p->punch.remote[k].priority))
				(void)chat_tcpp_go(&tcp.plan, p->id,
				    &p->punch.remote[k].addr, now);
	}
}

void
chat_tcp_pump(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct tcp_stream	*s;
	struct stun_addr	 to;
	char			 buf[64];
	unsigned		 i, k;
	int			 fd;

	*wake = 0;
	if (tcp.lfd == -1 || ctx->base == NULL)
		return;
	if (tcp.ev == NULL) {
		if ((tcp.ev = event_new(ctx->base, tcp.lfd,
		    EV_READ | EV_PERSIST, tcp_accept_cb, NULL)) == NULL ||
		    event_add(tcp.ev, NULL) != 0)
			log_warnx("TCP: cannot take connections");
	}
	tcp_declare(ctx, now);
	tcp_room(ctx);
	tcp_go(ctx, now);
	for (i = 0; i < CHAT_TCP_STREAMS; i++) {
		s = &tcp.s[i];
		if (s->bev == NULL)
			continue;
		if ((!s->up && chat_tcpp_overdue(&tcp.plan, &s->peer, now)) ||
		    (s->up && now >= s->last + CHAT_TCP_IDLE)) {
			log_debug("TCP to %s: %s", tcp_fmt(&s->peer, buf,
			    sizeof(buf)), s->up ? "idle" : "no answer");
			tcp_lost(s, now);
		}
	}
	for (k = 0; k < CHAT_TCPP_MAX &&
	    chat_tcpp_next(&tcp.plan, now, &to, wake); k++) {
		log_debug("TCP: connecting to %s from port %u",
		    tcp_fmt(&to, buf, sizeof(buf)), tcp.local.port);
		if ((fd = tcp_bound()) == -1 ||
		    tcp_stream(fd, &to, &to, now) != 0)
			chat_tcpp_result(&tcp.plan, &to, 0, now);
	}
	/* Idle streams are looked at every few seconds. */
	for (i = 0; i < CHAT_TCP_STREAMS; i++)
		if (tcp.s[i].bev != NULL && (*wake == 0 ||
		    tcp.s[i].last + CHAT_TCP_IDLE < *wake))
			*wake = tcp.s[i].last + CHAT_TCP_IDLE;
}

void
chat_tcp_free(struct chat_ctx *ctx)
{
	unsigned	i;

	(void)ctx;
	for (i = 0; i < CHAT_TCP_STREAMS; i++)
		tcp_close(&tcp.s[i]);
	if (tcp.ev != NULL)
		event_free(tcp.ev);
	tcp.ev = NULL;
	if (tcp.lfd != -1)
		close(tcp.lfd);
	tcp.lfd = -1;
}

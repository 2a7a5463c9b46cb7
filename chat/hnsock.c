/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The extra sockets of a hard-NAT attempt (see hnsock.h).  Only plumbing:
 * the peer's machine (peer.c, over libstun/hardnat.c) decides how many,
 * what they send and when they close; this file opens them within the
 * descriptor budget and hands what they read to the peer and the room.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "chat/end.h"
#include "chat/room.h"
#include "chat/p2pchat.h"
#include "chat/relay.h"
#include "chat/ctx.h"
#include "chat/hnsock.h"

struct chat_hnslot {
	int		 fd;		/* -1: free */
	struct event	*ev;
	uint32_t	 peer;
	struct stun_addr local;
};

/* One program, one chat: the slots are the program's. */
static struct chat_hnsocks {
	int		 init;
	struct chat_ctx	*ctx;
	struct chat_hnslot s[CHAT_HNSOCK_MAX];
} hns;

static void
hnsock_init(struct chat_ctx *ctx)
{
	unsigned	i;

	if (hns.init)
		return;
	for (i = 0; i < CHAT_HNSOCK_MAX; i++)
		hns.s[i].fd = -1;
	hns.ctx = ctx;
	hns.init = 1;
}

static void
hnsock_shut(struct chat_hnslot *s)
{
	if (s->fd == -1)
		return;
	if (s->ev != NULL)
		event_free(s->ev);
	close(s->fd);
	s->fd = -1;
	s->ev = NULL;
}

static struct chat_peer *
hnsock_peer(struct chat_ctx *ctx, uint32_t id)
{
	struct chat_peer	*p;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_room_peer(&ctx->room, i)) != NULL &&
		    p->id == id)
			return (p);
	return (NULL);
}

static void
hnsock_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_hnslot	*s = arg;
	struct chat_ctx		*ctx = hns.ctx;
	struct chat_peer	*p;
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	uint8_t			 buf[2048];
	socklen_t		 sl;
	ssize_t			 n;
	unsigned		 k, sock = CHAT_PEER_SOCK_EXTRA +
				     (unsigned)(s - hns.s);
	uint64_t		 now;

	(void)what;
	for (k = 0; k < 16 && s->fd != -1; k++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &sl);
		if (n == -1)
			break;
		if (sock_to_stun((struct sockaddr *)&ss, &from) != 0)
			continue;
		now = clock_ms();
		if ((p = hnsock_peer(ctx, s->peer)) == NULL) {
			/* Its peer is gone: so is the socket. */
			hnsock_shut(s);
			break;
		}
		(void)chat_peer_hn_input(p, sock, &from, &s->local, now);
		if (n == 0 || ctx->force_relay)
			continue;
		if (chat_room_input(&ctx->room, sock, &from, buf, (size_t)n,
		    now) == 0 && buf[0] == CHAT_PKT_DATA)
			chat_end_rx(&ctx->end, now);
	}
	chat_poke(ctx);
}

/* The longest run of free slots: its start, and *len. */
static unsigned
hnsock_run(unsigned *len)
{
	unsigned	i, start = 0, best = 0, blen = 0, n = 0;

	for (i = 0; i < CHAT_HNSOCK_MAX; i++) {
		if (hns.s[i].fd != -1) {
			n = 0;
			continue;
		}
		if (n++ == 0)
			start = i;
		if (n > blen) {
			blen = n;
			best = start;
		}
	}
	*len = blen;
	return (best);
}

unsigned
chat_hnsock_open(struct chat_ctx *ctx, uint32_t peer, unsigned want,
    uint16_t port, unsigned *base)
{
	struct stun_addr	 a;
	struct rlimit		 rl;
	struct chat_hnslot	*s;
	unsigned		 i, first, run, n = 0;

	hnsock_init(ctx);
	*base = CHAT_PEER_SOCK_EXTRA;
	/* Sockets of peers that are gone, then the budget. */
	for (i = 0; i < CHAT_HNSOCK_MAX; i++)
		if (hns.s[i].fd != -1 && hnsock_peer(ctx, hns.s[i].peer) ==
		    NULL)
			hnsock_shut(&hns.s[i]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur !=
	    RLIM_INFINITY) {
		if (rl.rlim_cur <= CHAT_HNSOCK_SPARE)
			want = 0;
		else if (want > rl.rlim_cur - CHAT_HNSOCK_SPARE)
			want = (unsigned)(rl.rlim_cur - CHAT_HNSOCK_SPARE);
	}
	first = hnsock_run(&run);
	if (want > run)
		want = run;
	a = ctx->local;
	a.port = port;
	for (i = first; n < want; i++, n++) {
		s = &hns.s[i];
		if ((s->fd = sock_bind(&a, SOCK_DGRAM, 0)) == -1)
			break;
		s->ev = event_new(ctx->base, s->fd, EV_READ | EV_PERSIST,
		    hnsock_read_cb, s);
		if (s->ev == NULL || event_add(s->ev, NULL) != 0 ||
		    sock_local(s->fd, &s->local) == -1) {
			hnsock_shut(s);
			break;
		}
		s->peer = peer;
	}
	if (n < want)
		log_info("hard NAT: %u of %u sockets: %s", n, want,
		    strerror(errno));
	*base = CHAT_PEER_SOCK_EXTRA + first;
	log_debug("hard NAT: %u sockets open", n);
	return (n);
}

void
chat_hnsock_close(struct chat_ctx *ctx, uint32_t peer, unsigned keep)
{
	unsigned	i;

	(void)ctx;
	for (i = 0; i < CHAT_HNSOCK_MAX; i++)
		if (hns.init && hns.s[i].fd != -1 && hns.s[i].peer == peer &&
		    CHAT_PEER_SOCK_EXTRA + i != keep)
			hnsock_shut(&hns.s[i]);
}

int
chat_hnsock_send(struct chat_ctx *ctx, unsigned sock,
    const struct stun_addr *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	unsigned		 i = sock - CHAT_PEER_SOCK_EXTRA;

	(void)ctx;
	if (!hns.init || sock < CHAT_PEER_SOCK_EXTRA ||
	    i >= CHAT_HNSOCK_MAX || hns.s[i].fd == -1)
		return (-1);
	if ((sl = sock_from_stun(to, &ss)) == 0)
		return (-1);
	if (sendto(hns.s[i].fd, buf, len, 0, (struct sockaddr *)&ss,
	    sl) == -1)
		log_debug("sendto: %s", strerror(errno));
	return (0);
}

void
chat_hnsock_empty(struct chat_ctx *ctx, const struct stun_addr *from,
    uint64_t now)
{
	struct chat_peer	*p;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_room_peer(&ctx->room, i)) != NULL &&
		    chat_peer_hn_input(p, 0, from, &ctx->local, now) == 0)
			return;
}

void
chat_hnsock_free(struct chat_ctx *ctx)
{
	unsigned	i;

	(void)ctx;
	for (i = 0; hns.init && i < CHAT_HNSOCK_MAX; i++)
		hnsock_shut(&hns.s[i]);
}

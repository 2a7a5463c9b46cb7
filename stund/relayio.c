/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's TURN relay on libevent: each worker owns an allocation table
 * (relay.c) and the relay UDP sockets of its allocations, added to its own
 * event_base, so the relay path takes no lock.  A client's 5-tuple always
 * lands on one worker (SO_REUSEPORT hashes it); TCP and TLS clients live
 * in the main thread, which is worker 0.  Quotas across workers are
 * atomics in struct relay_quota.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "auth.h"
#include "evlog.h"
#include "relay.h"
#include "cluster.h"
#include "relayio.h"
#include "relaynap.h"
#include "stund.h"

#define RELAYIO_READS		32	/* datagrams per recvmmsg */
#define RELAYIO_ROUNDS		4	/* recvmmsg per wake-up at most */
#define RELAYIO_DGRAM		2048	/* larger peer datagrams: counted */
#define RELAYIO_OUTSZ		(RELAYIO_DGRAM + 64)	/* + TURN framing */
#define RELAYIO_QUEUE		64	/* sends held until a batch ends */
#define RELAYIO_BIND_TRIES	256	/* ports tried per Allocate */
#define RELAYIO_HELD		64	/* streams written at the flush */

struct rsock {
	struct relayio	*rio;
	unsigned	 slot;
	int		 used;
	int		 fd;
	struct event	*ev;
};

/* A datagram waiting for the end of the batch, to leave by sendmmsg. */
struct rout {
	int			 fd;
	socklen_t		 salen;
	size_t			 len;
	struct sockaddr_storage	 sa;
	uint8_t			 buf[RELAYIO_OUTSZ];
};

struct relayio {
	struct worker	*w;
	struct relay	 relay;
	struct rsock	*socks;		/* one per allocation slot */
	unsigned	 nsocks;
	struct event	*timer;
	struct event	*flush_ev;	/* end of a loop pass: send out */
	struct stun_addr ip;		/* relay address */
	struct stun_addr adv;		/* ... as clients are told it */
	uint16_t	 lo, hi;	/* relay port range */
	char		 realm[STUN_MAX_STRING_SEND + 1];	/* the log's */
	unsigned	 nout;
	struct rout	 out[RELAYIO_QUEUE];
	/*
	 * Plain TCP clients with relayed data in their output: written at
	 * the flush, so that a batch of datagrams costs one write and no
	 * epoll_ctl (tcp_flush() arms EV_WRITE only when the kernel is full).
	 */
	unsigned	 nheld;
	struct tcp_conn	*held[RELAYIO_HELD];
	/* Coalescing (relayio_nap()). */
	struct relaynap	 nap;
	unsigned	 pass_out;	/* datagrams and writes this pass */
	uint8_t		 rbuf[RELAYIO_READS][RELAYIO_DGRAM];
	struct sockaddr_storage rsa[RELAYIO_READS];
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	struct iovec	 riov[RELAYIO_READS];
	struct mmsghdr	 rmsg[RELAYIO_READS];
	struct iovec	 oiov[RELAYIO_QUEUE];
	struct mmsghdr	 omsg[RELAYIO_QUEUE];
#endif
};

int
relayio_enabled(const struct conf *c)
{
	return (c != NULL && c->turn && c->auth != NULL &&
	    auth_enabled(c->auth));
}

static void	relayio_peer_read(evutil_socket_t, short, void *);

/* The table's counters have one writer: this thread. */
static void
relayio_add(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

/* Write out the streams that relayed data went to since the last flush. */
static void
relayio_flush_held(struct relayio *rio)
{
	struct tcp_conn	*c;
	unsigned	 i;

	for (i = 0; i < rio->nheld; i++) {
		c = rio->held[i];
		c->reading = 0;
		tcp_flush(c);
	}
	rio->nheld = 0;
}

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
/*
 * Send every queued datagram: one sendmmsg per socket, in queue order
 * within each socket.  A failed datagram is counted and skipped.  Then
 * the held streams.
 */
static void
relayio_flush_rio(struct relayio *rio)
{
	struct rout	*o;
	unsigned	 i, j, n, skipped;
	int		 fd;

	if (rio->nheld != 0)
		relayio_flush_held(rio);

	for (i = 0; i < rio->nout; i++) {
		if ((fd = rio->out[i].fd) == -1)
			continue;
		for (n = 0, j = i; j < rio->nout; j++) {
			o = &rio->out[j];
			if (o->fd != fd)
				continue;
			sock_mmsg_out(&rio->omsg[n], &rio->oiov[n], o->buf,
			    o->len, &o->sa, o->salen);
			o->fd = -1;
			n++;
		}
		if ((skipped = sock_mmsg_send(fd, rio->omsg, n)) != 0)
			relayio_add(&rio->relay.m.send_fail, skipped);
	}
	rio->nout = 0;
}
#else
static void
relayio_flush_rio(struct relayio *rio)
{
	struct rout	*o;
	unsigned	 i;

	if (rio->nheld != 0)
		relayio_flush_held(rio);
	for (i = 0; i < rio->nout; i++) {
		o = &rio->out[i];
		if (sendto(o->fd, o->buf, o->len, MSG_DONTWAIT,
		    (struct sockaddr *)&o->sa, o->salen) == -1)
			relayio_add(&rio->relay.m.send_fail, 1);
	}
	rio->nout = 0;
}
#endif

/*
 * Coalescing: at the end of a loop pass that relayed a few datagrams,
 * while datagrams come fast enough that a nap of nap_us is expected to
 * gather RELAYNAP_GAIN of them or more, and while the naps pay (they
 * gather datagrams and do not slow them down), sleep nap_us before the
 * loop waits again (relaynap.c decides).  Each pass otherwise costs a
 * wake-up of this thread and one of each receiver (a large share of the
 * CPU per relayed datagram when clients send at a steady pace); after
 * the nap one pass handles what arrived meanwhile, and its datagrams
 * leave together.  The price is up to nap_us of latency per relayed
 * datagram, and only while the relay is that busy.  A full pass never
 * naps.
 */
static void
relayio_nap(struct relayio *rio)
{
	struct timespec	 ts;
	unsigned	 n = rio->pass_out;

	rio->pass_out = 0;
	if (rio->nap.nap_us == 0 || !relaynap_pass(&rio->nap, clock_ms(), n))
		return;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)rio->nap.nap_us * 1000;
	(void)nanosleep(&ts, NULL);
}

static void
relayio_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	relayio_flush_rio(arg);
	relayio_nap(arg);
}

void
relayio_flush(struct worker *w)
{
	if (w->rio != NULL && (w->rio->nout != 0 || w->rio->nheld != 0))
		relayio_flush_rio(w->rio);
}

/*
 * Relayed data for a plain TCP client: into its output now, written at
 * the end of this loop pass (flush_ev) with whatever else came for it.
 * The connection is marked as if inside tcp_read(), so tcp_send() leaves
 * EV_WRITE alone; relayio_stream_gone() forgets it.  0 or -1.
 */
static int
relayio_hold(struct relayio *rio, struct tcp_conn *c, const uint8_t *buf,
    size_t len)
{
	unsigned	 i;

	if (c->tls)
		return (tcp_send(c, buf, len));
	for (i = 0; i < rio->nheld; i++)
		if (rio->held[i] == c)
			break;
	if (i == rio->nheld) {
		if (rio->nheld == RELAYIO_HELD)
			relayio_flush_held(rio);
		/* Inside tcp_read() it is flushed there, and again here. */
		rio->held[rio->nheld++] = c;
		c->reading = 1;
	}
	if (rio->pass_out++ == 0)
		event_active(rio->flush_ev, 0, 0);
	return (tcp_send(c, buf, len));
}

/*
 * Send buf from fd to addr at the end of this batch, or now when it does
 * not fit a queue slot.  0 or -1.
 */
static int
relayio_queue(struct relayio *rio, int fd, const struct stun_addr *addr,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct rout		*o;
	socklen_t		 sl;

	if (len > RELAYIO_OUTSZ) {
		if ((sl = sock_from_stun(addr, &ss)) == 0 ||
		    sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
		    sl) == -1)
			return (-1);
		return (0);
	}
	if (rio->nout == RELAYIO_QUEUE)
		relayio_flush_rio(rio);
	o = &rio->out[rio->nout];
	if ((o->salen = sock_from_stun(addr, &o->sa)) == 0)
		return (-1);
	o->fd = fd;
	o->len = len;
	memcpy(o->buf, buf, len);
	/* Whoever queued it, it leaves by the end of this loop pass. */
	rio->nout++;
	/* Coalescing needs the end of every pass that relayed something. */
	if (rio->nap.nap_us != 0 && rio->pass_out++ == 0)
		event_active(rio->flush_ev, 0, 0);
	return (0);
}

static int
relayio_open(void *arg, unsigned slot, uint8_t family, int even,
    struct stun_addr *relayed)
{
	struct relayio	*rio = arg;
	struct rsock	*rs;
	struct stun_addr a;
	uint32_t	 r, n, i, tries;
	uint16_t	 port;
	int		 fd = -1;

	if (family != rio->ip.family)
		return (STUN_ERR_FAMILY);
	if (slot >= rio->nsocks || rio->socks[slot].used)
		return (STUN_ERR_STATE);
	rs = &rio->socks[slot];
	if (stun_random(NULL, NULL, (uint8_t *)&r, sizeof(r)) != 0)
		return (STUN_ERR_RANDOM);
	n = (uint32_t)rio->hi - rio->lo + 1;
	tries = n < RELAYIO_BIND_TRIES ? n : RELAYIO_BIND_TRIES;
	a = rio->ip;
	for (i = 0; i < tries && fd == -1; i++) {
		port = (uint16_t)(rio->lo + (r + i * (even ? 2 : 1)) % n);
		if (even && (port & 1) != 0)
			port = port == rio->hi ? (uint16_t)(port - 1) :
			    (uint16_t)(port + 1);
		if (even && (port & 1) != 0)
			continue;
		a.port = port;
		fd = sock_bind(&a, SOCK_DGRAM, 0);
		if (fd == -1 && errno != EADDRINUSE && errno != EACCES)
			break;
	}
	if (fd == -1)
		return (STUN_ERR_NOSPACE);
	rs->ev = event_new(rio->w->base, fd, EV_READ | EV_PERSIST,
	    relayio_peer_read, rs);
	if (rs->ev == NULL || event_add(rs->ev, NULL) == -1) {
		if (rs->ev != NULL)
			event_free(rs->ev);
		rs->ev = NULL;
		close(fd);
		return (STUN_ERR_NOSPACE);
	}
	rs->rio = rio;
	rs->slot = slot;
	rs->fd = fd;
	rs->used = 1;
	*relayed = a;
	/* Behind 1:1 NAT the client is told the public address. */
	relayed->family = rio->adv.family;
	memcpy(relayed->ip, rio->adv.ip, sizeof(relayed->ip));
	return ((int)slot);
}

static void
relayio_close(void *arg, int h)
{
	struct relayio	*rio = arg;
	struct rsock	*rs;

	if (h < 0 || (unsigned)h >= rio->nsocks || !rio->socks[h].used)
		return;
	rs = &rio->socks[h];
	/* Queued datagrams leave first: the fd number may come back. */
	relayio_flush_rio(rio);
	event_free(rs->ev);
	close(rs->fd);
	rs->ev = NULL;
	rs->fd = -1;
	rs->used = 0;
}

/*
 * DONT-FRAGMENT: DF on every datagram of this socket.  A datagram larger
 * than the path MTU then fails (counted in send_fail) instead of leaving
 * in fragments.
 */
static int
relayio_dont_fragment(void *arg, int h)
{
	struct relayio	*rio = arg;
	int		 fd, v;

	if (h < 0 || (unsigned)h >= rio->nsocks || !rio->socks[h].used)
		return (-1);
	fd = rio->socks[h].fd;
	if (rio->ip.family == STUN_AF_INET6) {
#if defined(IPV6_DONTFRAG)
		v = 1;
		return (setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &v,
		    sizeof(v)) == 0 ? 0 : -1);
#endif
	} else {
#if defined(IP_MTU_DISCOVER) && defined(IP_PMTUDISC_DO)
		v = IP_PMTUDISC_DO;
		return (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v,
		    sizeof(v)) == 0 ? 0 : -1);
#elif defined(IP_DONTFRAG)
		v = 1;
		return (setsockopt(fd, IPPROTO_IP, IP_DONTFRAG, &v,
		    sizeof(v)) == 0 ? 0 : -1);
#endif
	}
	(void)v;
	(void)fd;
	return (-1);
}

static int
relayio_send_peer(void *arg, int h, const struct stun_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct relayio		*rio = arg;

	if (h < 0 || (unsigned)h >= rio->nsocks || !rio->socks[h].used)
		return (-1);
	return (relayio_queue(rio, rio->socks[h].fd, peer, buf, len));
}

/*
 * Answers and Data indications are counted with the other methods, so the
 * amplification figures include TURN; ChannelData is not STUN.
 */
static int
relayio_send_client(void *arg, const struct relay_client *cl,
    const struct relay_pkt *p)
{
	struct relayio		*rio = arg;
	struct worker		*w = rio->w;
	struct counters		*cnt = &w->cnt;

	if (cl->conn != 0) {
		/* Stream clients are worker 0's; the pointer is live. */
		if (relayio_hold(rio, (struct tcp_conn *)(uintptr_t)cl->conn,
		    p->buf, p->len) == -1)
			return (-1);
		cnt = &w->sd->tcp_cnt;
	} else if (cl->sock < 0 || cl->sock >= STUND_NSOCK ||
	    w->fd[cl->sock] == -1 ||
	    relayio_queue(rio, w->fd[cl->sock], &cl->addr, p->buf,
	    p->len) == -1)
		return (-1);
	if (p->stun)
		counters_count_out(cnt, CNT_METH_OTHER, p->cls, p->code,
		    p->len);
	return (0);
}

/* Session lines: evlog.c writes them. */
static void
relayio_event(void *arg, const struct relay_event *ev)
{
	struct relayio	*rio = arg;

	evlog_turn(rio->w->sd, rio->realm, ev);
}

/* Fleet: the least-loaded other instance, for an Allocate over the cap. */
static int
relayio_alternate(void *arg, uint8_t family, struct stun_addr *alt)
{
	struct relayio	*rio = arg;
	struct stund	*sd = rio->w->sd;

	if (!__atomic_load_n(&sd->conf, __ATOMIC_SEQ_CST)->cluster_redirect)
		return (-1);
	return (cluster_alternate(sd->cluster, family, alt));
}

static int64_t
relayio_wall(void *arg)
{
	(void)arg;
	return ((int64_t)time(NULL));
}

/* One datagram from a peer; len is its real length (MSG_TRUNC). */
static void
relayio_peer_one(struct relayio *rio, struct rsock *rs, const uint8_t *buf,
    size_t len, const struct sockaddr_storage *ss, uint64_t now)
{
	struct stun_addr	 peer;

	if (len > RELAYIO_DGRAM) {
		relayio_add(&rio->relay.m.peer_truncated, 1);
		return;
	}
	if (sock_to_stun((const struct sockaddr *)ss, &peer) == -1)
		return;
	/* This may end the allocation and close the socket: rs->used. */
	relay_peer_input(&rio->relay, rs->slot, &peer, buf, len, now);
}

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
/*
 * Read a batch per recvmmsg, relay it into the queue, and send the queue
 * at the end of the batch: one sendmmsg per client socket.
 */
static void
relayio_peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct rsock	*rs = arg;
	struct relayio	*rio = rs->rio;
	uint64_t	 now;
	size_t		 len;
	int		 round, i, n;

	(void)what;
	for (round = 0; round < RELAYIO_ROUNDS && rs->used; round++) {
		n = recvmmsg(fd, rio->rmsg, RELAYIO_READS, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		now = clock_ms();
		for (i = 0; i < n && rs->used; i++) {
			len = rio->rmsg[i].msg_len;
			if (rio->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = RELAYIO_DGRAM + 1;
			relayio_peer_one(rio, rs, rio->rbuf[i], len,
			    &rio->rsa[i], now);
		}
		sock_mmsg_rearm(rio->rmsg, (unsigned)n);
		/*
		 * A short batch drained the socket: what we just sent cannot
		 * draw more onto it before a whole round trip through the
		 * client and the peer, so another recvmmsg now would only
		 * say EAGAIN.  A full batch may have left more.
		 */
		if (n < RELAYIO_READS)
			break;
		relayio_flush_rio(rio);
	}
	/*
	 * The answers to clients leave together once every relay socket
	 * that epoll reported ready this pass has been read: flush_ev, made
	 * active now, runs after the events already active.  With many
	 * allocations that is one sendmmsg for dozens of sockets' reads.
	 */
	if (rio->nout != 0)
		event_active(rio->flush_ev, 0, 0);
}
#else
static void
relayio_peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct rsock	*rs = arg;
	struct relayio	*rio = rs->rio;
	socklen_t	 sl;
	ssize_t		 n;
	int		 i;

	(void)what;
	for (i = 0; i < RELAYIO_READS * RELAYIO_ROUNDS && rs->used; i++) {
		sl = sizeof(rio->rsa[0]);
		n = recvfrom(fd, rio->rbuf[0], sizeof(rio->rbuf[0]),
		    MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&rio->rsa[0],
		    &sl);
		if (n < 0)
			break;
		relayio_peer_one(rio, rs, rio->rbuf[0], (size_t)n,
		    &rio->rsa[0], clock_ms());
	}
	relayio_flush_rio(rio);
}
#endif

static void
relayio_tick(evutil_socket_t fd, short what, void *arg)
{
	struct relayio	*rio = arg;

	(void)fd;
	(void)what;
	relay_timer(&rio->relay, clock_ms());
	relayio_flush_rio(rio);
}

/* The relay address, and as clients are told it (behind 1:1 NAT). */
static void
relayio_addrs(const struct conf *c, struct stun_addr *ip,
    struct stun_addr *adv)
{
	*ip = c->has_relay_ip ? c->relay_ip : c->primary;
	ip->port = 0;
	*adv = *ip;
	if (c->ext.set && stun_addr_equal(ip, &c->primary))
		*adv = c->ext.pub;
	else if (c->alt_ext.set && c->has_alternate &&
	    stun_addr_equal(ip, &c->alternate))
		*adv = c->alt_ext.pub;
}

/*
 * The shared caps of snapshot c: rendezvous members may hold their share
 * of max-allocations when there are other users to keep room for.
 */
static void
relayio_limits(struct stund *sd, const struct conf *c)
{
	unsigned	rdv = 0;

	if (c->auth != NULL && (c->auth->nusers > 0 ||
	    c->auth->secretlen > 0)) {
		rdv = (unsigned)((uint64_t)c->max_allocations *
		    c->rdv_relay_share / 100);
		if (rdv == 0)
			rdv = 1;
	}
	relaypol_quota_limits(sd->relay_quota, c->max_allocations,
	    c->user_quota, c->source_quota, rdv);
}

int
relayio_global_init(struct stund *sd, char *err, size_t errlen)
{
	const struct conf	*c = sd->conf;
	struct stun_addr	 ip, adv;

	if (!relayio_enabled(c))
		return (0);
	if ((sd->relay_quota = calloc(1, sizeof(*sd->relay_quota))) == NULL ||
	    relaypol_quota_init(sd->relay_quota, c->max_allocations) == -1) {
		free(sd->relay_quota);
		sd->relay_quota = NULL;
		snprintf(err, errlen, "turn: cannot allocate the quota table");
		return (-1);
	}
	relayio_limits(sd, c);
	/* Relayed addresses as clients (and peers) know them. */
	relayio_addrs(c, &ip, &adv);
	relaypol_live_ip(sd->relay_quota, &adv);
	return (0);
}

void
relayio_global_free(struct stund *sd)
{
	if (sd->relay_quota == NULL)
		return;
	relaypol_quota_free(sd->relay_quota);
	free(sd->relay_quota);
	sd->relay_quota = NULL;
}

void
relayio_reload(struct stund *sd)
{
	const struct conf	*c = sd->conf;

	if (sd->relay_quota != NULL)
		relayio_limits(sd, c);
}

int
relayio_init(struct worker *w, char *err, size_t errlen)
{
	const struct conf	*c = w->sd->conf;
	struct relayio		*rio;
	struct relay_config	 rc;
	struct relay_ops	 ops;
	struct timeval		 tv = { 1, 0 };
	unsigned		 i;

	w->rio = NULL;
	if (!relayio_enabled(c) || w->sd->relay_quota == NULL)
		return (0);
	if ((rio = calloc(1, sizeof(*rio))) == NULL)
		goto nomem;
	rio->w = w;
	relayio_addrs(c, &rio->ip, &rio->adv);
	rio->lo = c->relay_ports.lo;
	rio->hi = c->relay_ports.hi;
	relaynap_init(&rio->nap, c->relay_coalesce, RELAYIO_QUEUE / 2,
	    clock_ms());
	memset(&rc, 0, sizeof(rc));
	rc.max_allocs = c->max_allocations;
	rc.max_alloc_time = c->max_alloc_time;
	rc.max_alloc_bytes = c->max_alloc_bytes;
	memset(&ops, 0, sizeof(ops));
	ops.arg = rio;
	ops.open = relayio_open;
	ops.close = relayio_close;
	ops.dont_fragment = relayio_dont_fragment;
	ops.send_peer = relayio_send_peer;
	ops.send_client = relayio_send_client;
	ops.wall = relayio_wall;
	ops.event = relayio_event;
	ops.alternate = relayio_alternate;
	rio->nsocks = c->max_allocations;
	if ((rio->socks = calloc(rio->nsocks, sizeof(*rio->socks))) == NULL ||
	    relay_init(&rio->relay, &rc, &ops, w->sd->relay_quota) == -1) {
		free(rio->socks);
		free(rio);
		goto nomem;
	}
	for (i = 0; i < rio->nsocks; i++)
		rio->socks[i].fd = -1;
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	sock_mmsg_in(rio->rmsg, rio->riov, &rio->rbuf[0][0],
	    sizeof(rio->rbuf[0]), rio->rsa, RELAYIO_READS);
#endif
	w->rio = rio;
	if ((rio->flush_ev = event_new(w->base, -1, 0, relayio_flush_cb,
	    rio)) == NULL) {
		snprintf(err, errlen, "turn: cannot add the flush event");
		return (-1);
	}
	if ((rio->timer = event_new(w->base, -1, EV_PERSIST, relayio_tick,
	    rio)) == NULL || event_add(rio->timer, &tv) == -1) {
		snprintf(err, errlen, "turn: cannot add the timer");
		return (-1);
	}
	return (0);
nomem:
	snprintf(err, errlen, "turn: cannot allocate the relay table");
	return (-1);
}

void
relayio_free(struct worker *w)
{
	struct relayio	*rio = w->rio;

	if (rio == NULL)
		return;
	if (rio->timer != NULL)
		event_free(rio->timer);
	relay_free(&rio->relay);	/* closes every relay socket */
	if (rio->flush_ev != NULL)
		event_free(rio->flush_ev);
	free(rio->socks);
	free(rio);
	w->rio = NULL;
}

struct relay *
relayio_enter(struct worker *w, const struct conf *c)
{
	struct relayio	*rio = w->rio;

	if (rio == NULL)
		return (NULL);
	rio->relay.auth = c->auth;
	rio->relay.acl = &c->acl;
	rio->relay.c.software = c->software[0] != '\0' ? c->software : NULL;
	relaynap_set(&rio->nap, c->relay_coalesce);
	/* SIGHUP may change the caps; allocations made keep their end. */
	rio->relay.c.max_alloc_time = c->max_alloc_time;
	rio->relay.c.max_alloc_bytes = c->max_alloc_bytes;
	rio->relay.c.max_alloc_rate = c->max_alloc_rate;
	rio->relay.c.rdv_alloc_rate = c->rdv_relay_rate;
	rio->relay.c.rdv_alloc_bytes = c->rdv_relay_bytes;
	/*
	 * The room table behind rendezvous credentials (rdvio.c), for good:
	 * timers and peer data check those allocations outside of calls.
	 */
	rio->relay.rdv = w->sd->rdv_relay;
	/* For the session lines of relay_timer(), outside this call. */
	if (strcmp(rio->realm, c->realm) != 0)
		snprintf(rio->realm, sizeof(rio->realm), "%s", c->realm);
	return (&rio->relay);
}

void
relayio_leave(struct worker *w)
{
	struct relayio	*rio = w->rio;

	rio->relay.auth = NULL;
	rio->relay.acl = NULL;
	rio->relay.c.software = NULL;
}

void
relayio_stream_gone(struct tcp_conn *tc)
{
	struct relayio		*rio = tc->sd->workers[0].rio;
	struct relay_client	 cl;
	unsigned		 i;

	if (rio == NULL)
		return;
	for (i = 0; i < rio->nheld; i++)
		if (rio->held[i] == tc) {
			rio->held[i] = rio->held[--rio->nheld];
			break;
		}
	memset(&cl, 0, sizeof(cl));
	cl.addr = tc->peer;
	cl.sock = tc->sock;
	cl.conn = (uint64_t)(uintptr_t)tc;
	relay_client_gone(&rio->relay, &cl);
	relayio_flush_rio(rio);
}

int
relayio_metrics(struct stund *sd, struct relay_metrics *sum)
{
	unsigned	 i;

	memset(sum, 0, sizeof(*sum));
	if (sd->workers == NULL || sd->workers[0].rio == NULL)
		return (-1);
	for (i = 0; i < sd->nworkers; i++)
		if (sd->workers[i].rio != NULL)
			counters_add((uint64_t *)sum,
			    (const uint64_t *)&sd->workers[i].rio->relay.m,
			    sizeof(*sum) / sizeof(uint64_t));
	return (0);
}

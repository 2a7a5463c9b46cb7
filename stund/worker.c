/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * UDP workers: one event_base per thread over its own SO_REUSEPORT set of
 * sockets.  Datagrams are read in batches (recvmmsg where the system has
 * it), handed to the route, and the answers it returns leave together
 * (sendmmsg).  Nothing on the Binding path allocates or takes a lock.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "ratelimit.h"
#include "relayio.h"
#include "route.h"
#include "stund.h"

#define WORKER_ROUNDS	8	/* batches per wake-up, read to EAGAIN */
#define WORKER_LOG_PPS	10	/* debug lines about drops per second */

struct wslot {
	struct worker	*w;
	int		 sock;
	int		 busy;	/* out of epoll, read from busy_ev */
};

struct wio {
	struct wslot		slot[STUND_NSOCK];
	uint64_t		view_gen;	/* view built in; 0 none */
	struct stun_server_conf	view;
	struct stun_server_conf	view6;	/* sockets 4-7 (dual stack) */
	struct route		rt;	/* this worker's side of the route */
	struct stun_msg		m;
	uint8_t			rbuf[WORKER_BATCH][WORKER_BUFSZ];
	struct sockaddr_storage	rsa[WORKER_BATCH];
	uint8_t			obuf[WORKER_BATCH][STUN_SRV_MIN_CAP];
	struct sockaddr_storage	osa[WORKER_BATCH];
	socklen_t		osalen[WORKER_BATCH];
	size_t			olen[WORKER_BATCH];
	int			osock[WORKER_BATCH];
	int			nout;
	struct event		*busy_ev;	/* 0 s timer while busy */
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	struct iovec		riov[WORKER_BATCH];
	struct mmsghdr		rmsg[WORKER_BATCH];
	struct iovec		oiov[WORKER_BATCH];
	struct mmsghdr		omsg[WORKER_BATCH];
#endif
};

/*
 * Begin a batch: take the snapshot (stund_conf_enter(); the caller calls
 * stund_conf_leave() after the batch) and give the route its server view,
 * rebuilt only when the snapshot changed.
 */
static void
worker_enter(struct worker *w)
{
	struct wio		*io = w->io;
	const struct conf	*c;
	uint64_t		 gen;

	/* By generation: a freed snapshot's address may come back. */
	c = stund_conf_enter(w->sd, w, &gen);
	io->rt.c = c;
	if (gen == io->view_gen)
		return;
	io->view = w->sd->srv;
	io->view.software = c->software[0] != '\0' ? c->software : NULL;
	io->view6 = w->sd->srv6;
	io->view6.software = io->view.software;
	io->view_gen = gen;
	if (w->rl_rate != c->rate || w->rl_burst != c->burst) {
		ratelimit_set(w->rl, c->rate, c->burst);
		w->rl_rate = c->rate;
		w->rl_burst = c->burst;
	}
}

/* Debug lines that a peer can trigger: at most WORKER_LOG_PPS a second. */
static void
worker_log_drop(struct worker *w, const struct stun_addr *src, uint64_t now,
    const char *why)
{
	char	 s[64];

	if (log_getlevel() < LOG_LEVEL_DEBUG)
		return;
	if (now / 1000 != w->log_sec) {
		w->log_sec = now / 1000;
		w->log_n = 0;
	}
	if (w->log_n++ >= WORKER_LOG_PPS)
		return;
	if (stun_addr_format(src, s, sizeof(s)) != 0)
		snprintf(s, sizeof(s), "?");
	log_debug("worker %d: dropped udp from %s: %s", w->id, s, why);
}

/* One received datagram: route it, and queue the answer if there is one. */
static void
worker_one(struct worker *w, int sock, const uint8_t *buf, size_t len,
    const struct sockaddr *sa, uint64_t now)
{
	struct wio		*io = w->io;
	struct route_pkt	 pkt;
	int			 k = io->nout;

	memset(&pkt.in, 0, sizeof(pkt.in));
	if (sock_to_stun(sa, &pkt.in.src) == -1) {
		CNT_ADD(&w->cnt.drops[DROP_SOURCE], 1);
		return;
	}
	pkt.in.sock = sock;
	pkt.buf = buf;
	pkt.len = len;
	pkt.now = now;
	pkt.m = &io->m;
	memset(&pkt.out, 0, sizeof(pkt.out));
	pkt.out.buf = io->obuf[k];
	pkt.out.cap = sizeof(io->obuf[k]);
	switch (route_packet(&io->rt, &pkt)) {
	case ROUTE_SEND:
		break;
	case ROUTE_DROP:
		worker_log_drop(w, &pkt.in.src, now,
		    counters_drop_name(pkt.drop));
		return;
	default:
		return;
	}
	if (pkt.out.sock < 0 || pkt.out.sock >= STUND_NSOCK ||
	    w->fd[pkt.out.sock] == -1) {
		CNT_ADD(&w->cnt.drops[DROP_SOURCE], 1);
		return;
	}
	io->osalen[k] = sock_from_stun(&pkt.out.dst, &io->osa[k]);
	io->olen[k] = pkt.out.len;
	io->osock[k] = pkt.out.sock;
	io->nout++;
}

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
static void
worker_flush(struct worker *w)
{
	struct wio	*io = w->io;
	unsigned	 n, skipped;
	int		 s, k;

	for (s = 0; s < STUND_NSOCK; s++) {
		if (w->fd[s] == -1)
			continue;
		n = 0;
		for (k = 0; k < io->nout; k++) {
			if (io->osock[k] != s)
				continue;
			sock_mmsg_out(&io->omsg[n], &io->oiov[n], io->obuf[k],
			    io->olen[k], &io->osa[k], io->osalen[k]);
			n++;
		}
		if (n > 0 && (skipped = sock_mmsg_send(w->fd[s], io->omsg,
		    n)) != 0)
			CNT_ADD(&w->cnt.drops[DROP_SEND], skipped);
	}
	io->nout = 0;
}

/*
 * Read and answer up to WORKER_ROUNDS batches from one socket.  Returns 1
 * when the socket still had datagrams after the last round, 0 at EAGAIN.
 */
static int
worker_drain(struct wslot *slot)
{
	struct worker		*w = slot->w;
	struct wio		*io = w->io;
	uint64_t		 now;
	int			 fd = w->fd[slot->sock];
	int			 round, i, n, answered;

	for (round = 0; round < WORKER_ROUNDS; round++) {
		n = recvmmsg(fd, io->rmsg, WORKER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return (0);
		now = clock_ms();
		worker_enter(w);
		io->nout = 0;
		for (i = 0; i < n; i++) {
			if (io->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				CNT_ADD(&w->cnt.rx_bytes, io->rmsg[i].msg_len);
				CNT_ADD(&w->cnt.drops[DROP_NOT_STUN], 1);
				continue;
			}
			worker_one(w, slot->sock, io->rbuf[i],
			    io->rmsg[i].msg_len,
			    (struct sockaddr *)&io->rsa[i], now);
		}
		stund_conf_leave(w);
		answered = io->nout;
		worker_flush(w);
		relayio_flush(w);
		sock_mmsg_rearm(io->rmsg, (unsigned)n);
		/*
		 * A short batch is no sign the queue is empty: the answers
		 * just sent draw new requests.  Read again until EAGAIN or
		 * WORKER_ROUNDS, which saves an epoll_wait per batch.  A
		 * short batch that answered nothing (relayed data, whose
		 * replies come back on relay sockets) drew nothing here:
		 * another read would only say EAGAIN, a system call per
		 * wake-up of a relay that clients feed at their own pace.
		 */
		if (n < WORKER_BATCH && answered == 0)
			return (0);
	}
	return (1);
}

/*
 * A socket that is still busy after WORKER_ROUNDS leaves epoll and is read
 * from a zero-second timer instead, once per loop, until it drains.  While
 * a socket sits in an epoll set, the kernel walks its wait queue for every
 * datagram it sends (sock_wfree wakes writers): out of the set that walk
 * is skipped, which is a measurable share of the cost of an answer.  The
 * timer keeps the loop turning, so TCP, timers and other sockets still get
 * their turn between rounds.
 */
static void
worker_busy(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };
	struct worker	*w = arg;
	struct wio	*io = w->io;
	int		 i, again = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < STUND_NSOCK; i++) {
		if (!io->slot[i].busy)
			continue;
		if (worker_drain(&io->slot[i])) {
			again = 1;
			continue;
		}
		if (event_add(w->ev[i], NULL) == -1) {
			/* Cannot wait on it: keep polling it instead. */
			again = 1;
			continue;
		}
		io->slot[i].busy = 0;
	}
	if (again)
		(void)event_add(io->busy_ev, &zero);
}

static void
worker_read(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };
	struct wslot	*slot = arg;
	struct worker	*w = slot->w;
	struct wio	*io = w->io;

	(void)fd;
	(void)what;
	if (!worker_drain(slot))
		return;
	if (event_add(io->busy_ev, &zero) == -1)
		return;		/* stay in epoll */
	(void)event_del(w->ev[slot->sock]);
	slot->busy = 1;
}
#else
static void
worker_read(evutil_socket_t fd, short what, void *arg)
{
	struct wslot		*slot = arg;
	struct worker		*w = slot->w;
	struct wio		*io = w->io;
	socklen_t		 salen;
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < WORKER_BATCH * WORKER_ROUNDS; i++) {
		salen = sizeof(io->rsa[0]);
		n = recvfrom(fd, io->rbuf[0], sizeof(io->rbuf[0]), MSG_TRUNC,
		    (struct sockaddr *)&io->rsa[0], &salen);
		if (n < 0)
			break;
		if ((size_t)n > sizeof(io->rbuf[0])) {
			CNT_ADD(&w->cnt.drops[DROP_NOT_STUN], 1);
			continue;
		}
		worker_enter(w);
		io->nout = 0;
		worker_one(w, slot->sock, io->rbuf[0], (size_t)n,
		    (struct sockaddr *)&io->rsa[0], clock_ms());
		stund_conf_leave(w);
		if (io->nout == 1 && sendto(w->fd[io->osock[0]], io->obuf[0],
		    io->olen[0], MSG_DONTWAIT, (struct sockaddr *)&io->osa[0],
		    io->osalen[0]) == -1)
			CNT_ADD(&w->cnt.drops[DROP_SEND], 1);
		relayio_flush(w);
	}
}
#endif

static void
worker_stopped(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

int
worker_init(struct worker *w)
{
	struct wio	*io;
	int		 i;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		return (-1);
	w->io = io;
	if (w->base == NULL && (w->base = event_base_new()) == NULL)
		return (-1);
	if ((w->rl = ratelimit_new(w->sd->conf->table, w->sd->seed +
	    (uint64_t)w->id)) == NULL)
		return (-1);
	io->rt.t = &w->sd->route_udp;
	io->rt.sd = w->sd;
	io->rt.w = w;
	io->rt.cnt = &w->cnt;
	io->rt.rl = w->rl;
	io->rt.sc = &io->view;
	io->rt.sc6 = &io->view6;
	w->rl_rate = w->sd->conf->rate;
	w->rl_burst = w->sd->conf->burst;
	ratelimit_set(w->rl, w->rl_rate, w->rl_burst);
	w->stop_ev = event_new(w->base, -1, 0, worker_stopped, w);
	if (w->stop_ev == NULL)
		return (-1);
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	if ((io->busy_ev = evtimer_new(w->base, worker_busy, w)) == NULL)
		return (-1);
	sock_mmsg_in(io->rmsg, io->riov, &io->rbuf[0][0], sizeof(io->rbuf[0]),
	    io->rsa, WORKER_BATCH);
#endif
	for (i = 0; i < STUND_NSOCK; i++) {
		io->slot[i].w = w;
		io->slot[i].sock = i;
		if (w->fd[i] == -1)	/* no-udp, or not bound */
			continue;
		w->ev[i] = event_new(w->base, w->fd[i], EV_READ | EV_PERSIST,
		    worker_read, &io->slot[i]);
		if (w->ev[i] == NULL || event_add(w->ev[i], NULL) == -1)
			return (-1);
	}
	return (0);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	event_base_dispatch(w->base);
	return (NULL);
}

int
worker_start(struct worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return (-1);
	w->started = 1;
	return (0);
}

void
worker_stop(struct worker *w)
{
	/* An active event survives until dispatch runs; loopbreak not. */
	if (w->stop_ev != NULL)
		event_active(w->stop_ev, 0, 0);
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
}

void
worker_free(struct worker *w)
{
	int	 i;

	for (i = 0; i < STUND_NSOCK; i++) {
		if (w->ev[i] != NULL)
			event_free(w->ev[i]);
		w->ev[i] = NULL;
		if (w->fd[i] != -1)
			close(w->fd[i]);
		w->fd[i] = -1;
	}
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	w->stop_ev = NULL;
	ratelimit_free(w->rl);
	w->rl = NULL;
	if (w->io != NULL && ((struct wio *)w->io)->busy_ev != NULL)
		event_free(((struct wio *)w->io)->busy_ev);
	free(w->io);
	w->io = NULL;
}

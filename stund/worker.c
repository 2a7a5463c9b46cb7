/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * UDP workers: one event_base per thread over its own SO_REUSEPORT set of
 * sockets.  Datagrams are read and answered in batches (recvmmsg/sendmmsg
 * where the system has them), rate-limited per source, dispatched by
 * method, and counted.  Nothing on this path allocates.
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

#include "common/log.h"
#include "common/sock.h"
#include "ratelimit.h"
#include "stund.h"

#define WORKER_ROUNDS	8	/* batches per wake-up, read to EAGAIN */
#define WORKER_LOG_PPS	10	/* debug lines about drops per second */

struct wslot {
	struct worker	*w;
	int		 sock;
};

struct wio {
	struct wslot		slot[STUN_SRV_NSOCK];
	uint64_t		view_gen;	/* view built in; 0 none */
	struct stun_server_conf	view;
	struct stun_msg		m;
	uint8_t			rbuf[WORKER_BATCH][WORKER_BUFSZ];
	struct sockaddr_storage	rsa[WORKER_BATCH];
	uint8_t			obuf[WORKER_BATCH][STUN_SRV_MIN_CAP];
	struct sockaddr_storage	osa[WORKER_BATCH];
	socklen_t		osalen[WORKER_BATCH];
	size_t			olen[WORKER_BATCH];
	int			osock[WORKER_BATCH];
	int			nout;
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	struct iovec		riov[WORKER_BATCH];
	struct mmsghdr		rmsg[WORKER_BATCH];
	struct iovec		oiov[WORKER_BATCH];
	struct mmsghdr		omsg[WORKER_BATCH];
#endif
};

uint64_t
worker_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

const char *
counters_drop_name(int d)
{
	static const char *names[DROP_NDROPS] = {
		"not_stun", "class", "fingerprint", "malformed", "method",
		"source", "nospace", "ratelimit", "send_error", "tcp_frame",
		"tcp_cap", "tcp_output"
	};

	if (d < 0 || d >= DROP_NDROPS)
		return ("unknown");
	return (names[d]);
}

void
counters_count_out(struct counters *c, int meth, uint8_t cls, int code,
    size_t len)
{
	CNT_ADD(&c->out_pkts[meth][cls & 3], 1);
	CNT_ADD(&c->out_bytes[meth][cls & 3], len);
	if (code >= 300 && code < 700)
		CNT_ADD(&c->err_codes[code / 100], 1);
}

static int
worker_drop_reason(int rv)
{
	switch (rv) {
	case STUN_SRV_DROP_CLASS:
		return (DROP_CLASS);
	case STUN_SRV_DROP_FP:
		return (DROP_FINGERPRINT);
	case STUN_SRV_DROP_METHOD:
		return (DROP_METHOD);
	case STUN_SRV_DROP_SOURCE:
		return (DROP_SOURCE);
	case STUN_SRV_DROP_NOSPACE:
		return (DROP_NOSPACE);
	}
	return (DROP_MALFORMED);
}

/*
 * Decode once, count, and hand the message to its method's handler.  New
 * methods (TURN, rendezvous) get their own case here.
 */
int
worker_answer(const struct stun_server_conf *sc, struct counters *cnt,
    struct stun_msg *m, const uint8_t *buf, size_t len,
    struct stun_server_in *in, struct stun_server_out *out)
{
	int	 derr, meth, rv;

	CNT_ADD(&cnt->rx_bytes, len);
	m->hdr_ok = 0;
	derr = stun_msg_decode(m, buf, len);
	if (!m->hdr_ok) {
		CNT_ADD(&cnt->drops[DROP_NOT_STUN], 1);
		return (STUN_SRV_DROP_MALFORMED);
	}
	meth = (m->method == STUN_METHOD_BINDING) ? CNT_METH_BINDING :
	    CNT_METH_OTHER;
	CNT_ADD(&cnt->in_pkts[meth][m->cls & 3], 1);
	CNT_ADD(&cnt->in_bytes[meth][m->cls & 3], len);
	in->msg = m;
	in->derr = derr;
	in->len = len;
	switch (m->method) {
	case STUN_METHOD_BINDING:
		rv = stun_server_binding(sc, in, out);
		break;
	default:
		/* RFC 8489 6.3.1: a method we do not serve. */
		rv = stun_server_reject(sc, in, 400, out);
		break;
	}
	if (rv != STUN_SRV_SEND) {
		CNT_ADD(&cnt->drops[worker_drop_reason(rv)], 1);
		return (rv);
	}
	counters_count_out(cnt, meth, out->cls, out->code, out->len);
	return (rv);
}

/*
 * The server view for this batch, rebuilt only when the snapshot changed.
 * The caller is between stund_conf_enter() and stund_conf_leave().
 */
static const struct stun_server_conf *
worker_view(struct worker *w)
{
	struct wio		*io = w->io;
	const struct conf	*c;
	uint64_t		 gen;

	/* By generation: a freed snapshot's address may come back. */
	c = stund_conf_enter(w->sd, w, &gen);
	if (gen == io->view_gen)
		return (&io->view);
	io->view = w->sd->srv;
	io->view.software = c->software[0] != '\0' ? c->software : NULL;
	io->view_gen = gen;
	if (w->rl_rate != c->rate || w->rl_burst != c->burst) {
		ratelimit_set(w->rl, c->rate, c->burst);
		w->rl_rate = c->rate;
		w->rl_burst = c->burst;
	}
	return (&io->view);
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

/* One received datagram: rate limit, answer, queue the answer. */
static void
worker_one(struct worker *w, const struct stun_server_conf *sc, int sock,
    const uint8_t *buf, size_t len, const struct sockaddr *sa, uint64_t now)
{
	struct wio		*io = w->io;
	struct stun_server_in	 in;
	struct stun_server_out	 out;
	int			 k = io->nout, rv;

	memset(&in, 0, sizeof(in));
	if (sock_to_stun(sa, &in.src) == -1) {
		CNT_ADD(&w->cnt.drops[DROP_SOURCE], 1);
		return;
	}
	if (!ratelimit_allow(w->rl, &in.src, now)) {
		CNT_ADD(&w->cnt.rx_bytes, len);
		CNT_ADD(&w->cnt.drops[DROP_RATELIMIT], 1);
		worker_log_drop(w, &in.src, now, "rate limit");
		return;
	}
	in.sock = sock;
	memset(&out, 0, sizeof(out));
	out.buf = io->obuf[k];
	out.cap = sizeof(io->obuf[k]);
	if ((rv = worker_answer(sc, &w->cnt, &io->m, buf, len, &in,
	    &out)) != STUN_SRV_SEND) {
		worker_log_drop(w, &in.src, now, stun_server_drop_name(rv));
		return;
	}
	if (out.sock < 0 || out.sock >= w->sd->nsock || w->fd[out.sock] == -1) {
		CNT_ADD(&w->cnt.drops[DROP_SOURCE], 1);
		return;
	}
	io->osalen[k] = sock_from_stun(&out.dst, &io->osa[k]);
	io->olen[k] = out.len;
	io->osock[k] = out.sock;
	io->nout++;
}

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
static void
worker_flush(struct worker *w)
{
	struct wio	*io = w->io;
	int		 s, k, n, sent, rv;

	for (s = 0; s < w->sd->nsock; s++) {
		n = 0;
		for (k = 0; k < io->nout; k++) {
			if (io->osock[k] != s)
				continue;
			io->oiov[n].iov_base = io->obuf[k];
			io->oiov[n].iov_len = io->olen[k];
			memset(&io->omsg[n], 0, sizeof(io->omsg[n]));
			io->omsg[n].msg_hdr.msg_name = &io->osa[k];
			io->omsg[n].msg_hdr.msg_namelen = io->osalen[k];
			io->omsg[n].msg_hdr.msg_iov = &io->oiov[n];
			io->omsg[n].msg_hdr.msg_iovlen = 1;
			n++;
		}
		/* Each round sends at least one or gives up: bounded. */
		for (sent = 0; sent < n; ) {
			rv = sendmmsg(w->fd[s], io->omsg + sent,
			    (unsigned)(n - sent), MSG_DONTWAIT);
			if (rv <= 0) {
				/* Skip the one that failed (e.g. EACCES). */
				CNT_ADD(&w->cnt.drops[DROP_SEND], 1);
				sent++;
				continue;
			}
			sent += rv;
		}
	}
	io->nout = 0;
}

static void
worker_read(evutil_socket_t fd, short what, void *arg)
{
	struct wslot		*slot = arg;
	struct worker		*w = slot->w;
	struct wio		*io = w->io;
	const struct stun_server_conf *sc;
	uint64_t		 now;
	int			 round, i, n;

	(void)what;
	for (round = 0; round < WORKER_ROUNDS; round++) {
		for (i = 0; i < WORKER_BATCH; i++) {
			io->riov[i].iov_base = io->rbuf[i];
			io->riov[i].iov_len = sizeof(io->rbuf[i]);
			memset(&io->rmsg[i], 0, sizeof(io->rmsg[i]));
			io->rmsg[i].msg_hdr.msg_name = &io->rsa[i];
			io->rmsg[i].msg_hdr.msg_namelen = sizeof(io->rsa[i]);
			io->rmsg[i].msg_hdr.msg_iov = &io->riov[i];
			io->rmsg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, io->rmsg, WORKER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		now = worker_now_ms();
		sc = worker_view(w);
		io->nout = 0;
		for (i = 0; i < n; i++) {
			if (io->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				CNT_ADD(&w->cnt.rx_bytes, io->rmsg[i].msg_len);
				CNT_ADD(&w->cnt.drops[DROP_NOT_STUN], 1);
				continue;
			}
			worker_one(w, sc, slot->sock, io->rbuf[i],
			    io->rmsg[i].msg_len,
			    (struct sockaddr *)&io->rsa[i], now);
		}
		stund_conf_leave(w);
		worker_flush(w);
		/*
		 * A short batch is no sign the queue is empty: the answers
		 * just sent draw new requests.  Read again until EAGAIN or
		 * WORKER_ROUNDS, which saves an epoll_wait per batch.
		 */
	}
}
#else
static void
worker_read(evutil_socket_t fd, short what, void *arg)
{
	struct wslot		*slot = arg;
	struct worker		*w = slot->w;
	struct wio		*io = w->io;
	const struct stun_server_conf *sc;
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
		sc = worker_view(w);
		io->nout = 0;
		worker_one(w, sc, slot->sock, io->rbuf[0], (size_t)n,
		    (struct sockaddr *)&io->rsa[0], worker_now_ms());
		stund_conf_leave(w);
		if (io->nout == 1 && sendto(w->fd[io->osock[0]], io->obuf[0],
		    io->olen[0], MSG_DONTWAIT, (struct sockaddr *)&io->osa[0],
		    io->osalen[0]) == -1)
			CNT_ADD(&w->cnt.drops[DROP_SEND], 1);
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
	w->rl_rate = w->sd->conf->rate;
	w->rl_burst = w->sd->conf->burst;
	ratelimit_set(w->rl, w->rl_rate, w->rl_burst);
	w->stop_ev = event_new(w->base, -1, 0, worker_stopped, w);
	if (w->stop_ev == NULL)
		return (-1);
	for (i = 0; i < w->sd->nsock; i++) {
		io->slot[i].w = w;
		io->slot[i].sock = i;
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

	for (i = 0; i < STUN_SRV_NSOCK; i++) {
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
	free(w->io);
	w->io = NULL;
}

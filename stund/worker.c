/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * UDP workers: one event_base per thread over its own SO_REUSEPORT set of
 * sockets.  Datagrams are read and answered in batches (recvmmsg/sendmmsg
 * where the system has them), rate-limited per source, dispatched by
 * method, and counted.  Nothing on this path allocates.  Rendezvous
 * requests go to the one room table in struct stund, under its mutex.
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
#include <openssl/crypto.h>

#include <libstun/rdv.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "auth.h"
#include "ratelimit.h"
#include "relayio.h"
#include "rooms.h"
#include "stund.h"

#define WORKER_ROUNDS	8	/* batches per wake-up, read to EAGAIN */
#define WORKER_LOG_PPS	10	/* debug lines about drops per second */
#define WORKER_RDV_IDLE_MS 1000	/* room timer: longest sleep */
#define WORKER_RDV_MIN_MS 10	/* ... and shortest */

struct wslot {
	struct worker	*w;
	int		 sock;
	int		 busy;	/* out of epoll, read from busy_ev */
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
	struct event		*busy_ev;	/* 0 s timer while busy */
#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
	struct iovec		riov[WORKER_BATCH];
	struct mmsghdr		rmsg[WORKER_BATCH];
	struct iovec		oiov[WORKER_BATCH];
	struct mmsghdr		omsg[WORKER_BATCH];
#endif
};

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

/* Decode once and count; returns the method slot, or -1 if not STUN. */
static int
worker_decode(struct counters *cnt, struct stun_msg *m, const uint8_t *buf,
    size_t len, int *derr)
{
	int	 meth;

	CNT_ADD(&cnt->rx_bytes, len);
	m->hdr_ok = 0;
	*derr = stun_msg_decode(m, buf, len);
	if (!m->hdr_ok) {
		CNT_ADD(&cnt->drops[DROP_NOT_STUN], 1);
		return (-1);
	}
	meth = (m->method == STUN_METHOD_BINDING) ? CNT_METH_BINDING :
	    CNT_METH_OTHER;
	CNT_ADD(&cnt->in_pkts[meth][m->cls & 3], 1);
	CNT_ADD(&cnt->in_bytes[meth][m->cls & 3], len);
	return (meth);
}

/*
 * Hand a decoded message (in->msg) to its method's handler.  New methods
 * (TURN) get their own case here; rendezvous is served before this on
 * UDP only.
 */
static int
worker_dispatch(const struct stun_server_conf *sc, struct counters *cnt,
    int meth, struct stun_server_in *in, struct stun_server_out *out)
{
	int	 rv;

	switch (in->msg->method) {
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

int
worker_answer(const struct stun_server_conf *sc, struct counters *cnt,
    struct stun_msg *m, const uint8_t *buf, size_t len,
    struct stun_server_in *in, struct stun_server_out *out)
{
	int	 derr, meth;

	if ((meth = worker_decode(cnt, m, buf, len, &derr)) == -1)
		return (STUN_SRV_DROP_MALFORMED);
	in->msg = m;
	in->derr = derr;
	in->len = len;
	return (worker_dispatch(sc, cnt, meth, in, out));
}

/*
 * Send the room table's datagrams from w's sockets, each from the socket
 * index its member registered on (every worker's socket of one index is
 * bound to the same address).  The caller holds rdv_lock.
 */
static void
worker_rdv_send(struct worker *w, const struct rooms_out *o)
{
	const struct rooms_pkt	*p;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	unsigned		 i;

	for (i = 0; i < o->n; i++) {
		p = &o->pkt[i];
		if (p->sock >= (unsigned)w->sd->nsock || w->fd[p->sock] == -1 ||
		    (salen = sock_from_stun(&p->to, &sa)) == 0 ||
		    sendto(w->fd[p->sock], p->buf, p->len, MSG_DONTWAIT,
		    (struct sockaddr *)&sa, salen) == -1) {
			CNT_ADD(&w->cnt.drops[DROP_SEND], 1);
			CNT_ADD(&w->sd->rdv_send_errors, 1);
			continue;
		}
		counters_count_out(&w->cnt, CNT_METH_OTHER, p->cls, p->code,
		    p->len);
	}
}

/*
 * The relay a Register answer hands a TURN REST credential for: ours,
 * when TURN is on with a shared secret and rendezvous-relay is yes.  The
 * caller is in a batch, so the snapshot stays while the table runs.
 */
static const struct rooms_relay *
worker_rdv_relay(struct worker *w, struct rooms_relay *rl)
{
	const struct conf	*c;

	c = __atomic_load_n(&w->sd->conf, __ATOMIC_SEQ_CST);
	if (w->rio == NULL || !c->rdv_relay || !relayio_enabled(c) ||
	    c->auth->secretlen == 0)
		return (NULL);
	rl->secret = c->auth->secret;
	rl->secretlen = c->auth->secretlen;
	rl->lifetime = c->rdv_relay_life;
	rl->wall = (int64_t)time(NULL);
	return (rl);
}

/* A verified-or-not rendezvous message: the room table decides. */
static void
worker_rdv(struct worker *w, int sock, const struct stun_msg *m,
    const struct stun_addr *from, uint64_t now)
{
	struct stund		*sd = w->sd;
	struct rooms_src	 src;
	struct rooms_relay	 rl;

	src.addr = *from;
	src.sock = (unsigned)sock;
	src.relay = worker_rdv_relay(w, &rl);
	pthread_mutex_lock(&sd->rdv_lock);
	rooms_input(sd->rooms, m, &src, now, sd->rdv_out);
	worker_rdv_send(w, sd->rdv_out);
	pthread_mutex_unlock(&sd->rdv_lock);
}

/* Expire silent members; datagrams leave from worker 0 (this thread). */
static void
worker_rdv_timer(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;
	struct timeval	 tv;
	uint64_t	 now, next, ms = WORKER_RDV_IDLE_MS;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&sd->rdv_lock);
	now = clock_ms();
	rooms_timer(sd->rooms, now, sd->rdv_out);
	worker_rdv_send(&sd->workers[0], sd->rdv_out);
	next = rooms_next(sd->rooms);
	pthread_mutex_unlock(&sd->rdv_lock);
	if (next != 0)
		ms = next > now ? next - now : 0;
	if (ms > WORKER_RDV_IDLE_MS)
		ms = WORKER_RDV_IDLE_MS;
	if (ms < WORKER_RDV_MIN_MS)
		ms = WORKER_RDV_MIN_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(sd->rdv_timer, &tv);
}

static int
worker_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * The rendezvous secret from path: 64 hex digits (servers that share it
 * accept each other's cookies and relay credentials).  0 or -1.
 */
static int
worker_rdv_secret(const char *path, uint8_t *out, char *err, size_t errlen)
{
	FILE	*f;
	char	 line[160];
	size_t	 n, i;
	int	 hi, lo;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    line[n - 1] == ' '))
		line[--n] = '\0';
	if (n != 2 * ROOMS_SECRET_LEN)
		goto bad;
	for (i = 0; i < ROOMS_SECRET_LEN; i++) {
		hi = worker_hexval(line[2 * i]);
		lo = worker_hexval(line[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	OPENSSL_cleanse(line, sizeof(line));
	return (0);
bad:
	OPENSSL_cleanse(line, sizeof(line));
	snprintf(err, errlen, "%s: the rendezvous secret must be %d hex "
	    "digits", path, 2 * ROOMS_SECRET_LEN);
	return (-1);
}

int
worker_rdv_init(struct stund *sd, char *err, size_t errlen)
{
	const struct conf	*c = sd->conf;
	struct rooms_config	 rc;
	struct timeval		 tv = { 1, 0 };

	if (!c->rendezvous)
		return (0);
	memset(&rc, 0, sizeof(rc));
	rc.max_rooms = c->room_max;
	rc.max_room_members = c->room_members;
	rc.max_members = c->member_max;
	rc.keepalive_ms = c->keepalive * 1000;
	rc.timeout_ms = c->member_timeout * 1000;
	rc.rate_burst = c->register_burst;
	rc.rate_ms = 60000 / c->register_rate;
	if (rc.rate_ms == 0)
		rc.rate_ms = 1;
	rc.prefix_rooms = c->room_prefix_max;
	rc.prefix_members = c->member_prefix_max;
	/* No file: rooms_init() draws a secret for this process. */
	if (c->rdv_secret_file[0] != '\0' &&
	    worker_rdv_secret(c->rdv_secret_file, rc.secret, err,
	    errlen) == -1)
		return (-1);
	if (pthread_mutex_init(&sd->rdv_lock, NULL) != 0) {
		snprintf(err, errlen, "rendezvous: cannot create a mutex");
		return (-1);
	}
	if ((sd->rooms = calloc(1, sizeof(*sd->rooms))) == NULL ||
	    (sd->rdv_out = calloc(1, sizeof(*sd->rdv_out))) == NULL ||
	    rooms_init(sd->rooms, &rc) == -1) {
		OPENSSL_cleanse(&rc, sizeof(rc));
		free(sd->rooms);
		free(sd->rdv_out);
		sd->rooms = NULL;
		sd->rdv_out = NULL;
		pthread_mutex_destroy(&sd->rdv_lock);
		snprintf(err, errlen, "rendezvous: cannot allocate the room "
		    "table");
		return (-1);
	}
	if ((sd->rdv_timer = evtimer_new(sd->base, worker_rdv_timer,
	    sd)) == NULL || evtimer_add(sd->rdv_timer, &tv) == -1) {
		snprintf(err, errlen, "rendezvous: cannot add the timer");
		return (-1);
	}
	return (0);
}

void
worker_rdv_free(struct stund *sd)
{
	if (sd->rdv_timer != NULL)
		event_free(sd->rdv_timer);
	sd->rdv_timer = NULL;
	if (sd->rooms == NULL)
		return;
	rooms_free(sd->rooms);
	free(sd->rooms);
	free(sd->rdv_out);
	sd->rooms = NULL;
	sd->rdv_out = NULL;
	pthread_mutex_destroy(&sd->rdv_lock);
}

int
worker_rdv_metrics(struct stund *sd, struct rooms_metrics *m)
{
	memset(m, 0, sizeof(*m));
	if (sd->rooms == NULL)
		return (-1);
	pthread_mutex_lock(&sd->rdv_lock);
	*m = sd->rooms->m;
	pthread_mutex_unlock(&sd->rdv_lock);
	return (0);
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
	int			 k = io->nout, rv, meth, derr;

	memset(&in, 0, sizeof(in));
	if (sock_to_stun(sa, &in.src) == -1) {
		CNT_ADD(&w->cnt.drops[DROP_SOURCE], 1);
		return;
	}
	/*
	 * Relayed data (ChannelData, Send indications) is never answered,
	 * so it skips the per-source limiter that guards the answers.
	 */
	if (w->rio != NULL && relayio_is_chdata(buf, len)) {
		CNT_ADD(&w->cnt.rx_bytes, len);
		(void)relayio_udp(w, sock, &in.src, NULL, 0, buf, len, now);
		return;
	}
	if ((w->rio == NULL || len < 2 || buf[0] != 0x00 || buf[1] != 0x16) &&
	    !ratelimit_allow(w->rl, &in.src, now)) {
		CNT_ADD(&w->cnt.rx_bytes, len);
		CNT_ADD(&w->cnt.drops[DROP_RATELIMIT], 1);
		worker_log_drop(w, &in.src, now, "rate limit");
		return;
	}
	in.sock = sock;
	if ((meth = worker_decode(&w->cnt, &io->m, buf, len, &derr)) == -1) {
		worker_log_drop(w, &in.src, now, "not stun");
		return;
	}
	if (w->sd->rooms != NULL && stun_rdv_is_rdv(&io->m)) {
		if (derr != 0) {
			CNT_ADD(&w->cnt.drops[DROP_MALFORMED], 1);
			return;
		}
		worker_rdv(w, sock, &io->m, &in.src, now);
		return;
	}
	if (w->rio != NULL && relayio_udp(w, sock, &in.src, &io->m, derr, buf,
	    len, now))
		return;
	in.msg = &io->m;
	in.derr = derr;
	in.len = len;
	memset(&out, 0, sizeof(out));
	out.buf = io->obuf[k];
	out.cap = sizeof(io->obuf[k]);
	if ((rv = worker_dispatch(sc, &w->cnt, meth, &in, &out)) !=
	    STUN_SRV_SEND) {
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
	unsigned	 n, skipped;
	int		 s, k;

	for (s = 0; s < w->sd->nsock; s++) {
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
	const struct stun_server_conf *sc;
	uint64_t		 now;
	int			 fd = w->fd[slot->sock];
	int			 round, i, n;

	for (round = 0; round < WORKER_ROUNDS; round++) {
		n = recvmmsg(fd, io->rmsg, WORKER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return (0);
		now = clock_ms();
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
		relayio_flush(w);
		sock_mmsg_rearm(io->rmsg, (unsigned)n);
		/*
		 * A short batch is no sign the queue is empty: the answers
		 * just sent draw new requests.  Read again until EAGAIN or
		 * WORKER_ROUNDS, which saves an epoll_wait per batch.
		 */
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
	for (i = 0; i < w->sd->nsock; i++) {
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
	if (w->io != NULL && ((struct wio *)w->io)->busy_ev != NULL)
		event_free(((struct wio *)w->io)->busy_ev);
	free(w->io);
	w->io = NULL;
}

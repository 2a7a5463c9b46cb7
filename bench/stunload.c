/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stunload: a Binding load generator for loopback benchmarks.  Many UDP
 * sockets (sources) or persistent TCP connections each keep a bounded
 * window of requests outstanding; every response is validated (known
 * transaction id, success class, XOR-MAPPED-ADDRESS equal to the source's
 * own address).  It runs for a bounded time and prints one line of
 * key=value results.  Targets must be loopback addresses.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libstun/stun.h>

#include "common/sock.h"
#include "benchlib.h"

#define LOAD_MAXSRC	(65536)
#define LOAD_MAXWIN	(64)
#define LOAD_BATCH	(64)		/* datagrams per recvmmsg */
#define LOAD_BUFSZ	(2048)		/* larger answers are invalid */
#define LOAD_REQLEN	(STUN_HDR_LEN)
#define LOAD_EVENTS	(256)
#define LOAD_MAXLOG	(5)		/* invalid responses described */
#define LOAD_NS		BENCH_NS
#define LOAD_MAXRECONN	(100000)	/* TCP reopens per run */

enum load_phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_DRAIN, PHASE_DONE };

/* One request in flight: slot = source * window + i. */
struct slot {
	uint8_t		 tid[STUN_TID_LEN];
	uint8_t		 oldtid[STUN_TID_LEN];	/* last given up */
	uint64_t	 sent;		/* ns; 0 when free */
	uint32_t	 seq;
};

/* A UDP socket or a TCP connection. */
struct src {
	int		 fd;
	struct stun_addr local;
	int		 up;		/* TCP: connected and usable */
	int		 want_out;	/* TCP: EPOLLOUT armed */
	size_t		 rlen;
	size_t		 wlen, woff;
	uint8_t		*rbuf;		/* TCP: LOAD_BUFSZ */
	uint8_t		*wbuf;		/* TCP: window requests */
};

struct load {
	/* Options. */
	struct stun_addr target;
	struct stun_addr bind;
	unsigned	 nsrc;
	unsigned	 window;
	unsigned	 naddr;		/* source addresses */
	int		 tcp;
	uint64_t	 duration;	/* ns */
	uint64_t	 warmup;	/* ns */
	uint64_t	 timeout;	/* ns */
	unsigned	 hold;		/* s; TCP: hold idle */
	int		 probe;		/* -A: Allocate probe only */

	int		 ep;
	struct src	*src;
	struct slot	*slot;
	uint8_t		 salt[4];
	enum load_phase	 phase;
	uint64_t	 t_measure, t_end, t_drain;
	uint64_t	 last_scan;

	/* Results; "measured" means sent or received inside the window. */
	uint64_t	 sent;
	uint64_t	 responses;
	uint64_t	 warm_responses;
	uint64_t	 invalid;
	uint64_t	 errors;	/* error-class responses */
	uint64_t	 lost;
	uint64_t	 late;
	uint64_t	 closed;	/* TCP: closed by the peer */
	uint64_t	 closed_busy;	/* ... with requests outstanding */
	uint64_t	 connfail;
	uint64_t	 reconnects;
	struct bench_hist hist;
	uint8_t		(*rx)[LOAD_BUFSZ];	/* LOAD_BATCH */
	unsigned	 logged;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: stunload [-APp] [-a naddr] [-b addr] [-d seconds] "
	    "[-H seconds]\n"
	    "                [-n sources] [-T timeout-ms] [-W warmup] "
	    "[-w window] target\n");
	exit(2);
}

static void
load_log_invalid(struct load *l, const char *why)
{
	l->invalid++;
	if (l->logged < LOAD_MAXLOG) {
		fprintf(stderr, "stunload: invalid response: %s\n", why);
		l->logged++;
	}
}

/* Fill the slot with a fresh transaction id and write the request. */
static void
load_request(struct load *l, unsigned idx, uint8_t *out)
{
	struct slot	*s = &l->slot[idx];
	struct stun_builder b;

	s->seq++;
	s->tid[0] = idx >> 24;
	s->tid[1] = idx >> 16;
	s->tid[2] = idx >> 8;
	s->tid[3] = idx;
	s->tid[4] = s->seq >> 24;
	s->tid[5] = s->seq >> 16;
	s->tid[6] = s->seq >> 8;
	s->tid[7] = s->seq;
	memcpy(s->tid + 8, l->salt, sizeof(l->salt));
	stun_build_init(&b, out, LOAD_REQLEN, STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, s->tid);
	(void)stun_build_finish(&b);
}

static void
load_record(struct load *l, uint64_t sent, uint64_t now)
{
	if (now < l->t_measure || now >= l->t_end) {
		l->warm_responses++;
		return;
	}
	l->responses++;
	bench_hist_add(&l->hist, now - sent);
}

/*
 * Check one response from source si.  Returns the slot index answered, or
 * -1 when the response is invalid or late (counted here).
 */
static long
load_check(struct load *l, unsigned si, const uint8_t *buf, size_t len,
    uint64_t now)
{
	struct stun_msg	 m;
	struct stun_addr mapped;
	struct slot	*s;
	uint32_t	 idx;
	int		 ret;

	if ((ret = stun_msg_decode(&m, buf, len)) != 0) {
		load_log_invalid(l, stun_strerror(ret));
		return (-1);
	}
	idx = (uint32_t)m.tid[0] << 24 | (uint32_t)m.tid[1] << 16 |
	    (uint32_t)m.tid[2] << 8 | m.tid[3];
	if (idx / l->window != si || memcmp(m.tid + 8, l->salt, 4) != 0) {
		load_log_invalid(l, "unknown transaction id");
		return (-1);
	}
	s = &l->slot[idx];
	if (s->sent == 0 || memcmp(s->tid, m.tid, STUN_TID_LEN) != 0) {
		if (memcmp(s->oldtid, m.tid, STUN_TID_LEN) == 0)
			l->late++;
		else
			load_log_invalid(l, "unknown transaction id");
		return (-1);
	}
	if (m.method != STUN_METHOD_BINDING || m.legacy) {
		load_log_invalid(l, "not a Binding response");
		return (-1);
	}
	if (m.cls != STUN_CLASS_SUCCESS) {
		l->errors++;
		load_log_invalid(l, "error class");
		return (-1);
	}
	if (m.fp >= 0 && stun_msg_check_fingerprint(&m) != 0) {
		load_log_invalid(l, "bad FINGERPRINT");
		return (-1);
	}
	if (stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS,
	    &mapped) != 0) {
		load_log_invalid(l, "no XOR-MAPPED-ADDRESS");
		return (-1);
	}
	if (!stun_addr_equal(&mapped, &l->src[si].local)) {
		load_log_invalid(l, "XOR-MAPPED-ADDRESS is not the source");
		return (-1);
	}
	load_record(l, s->sent, now);
	s->sent = 0;
	return (idx);
}

static int
load_sending(const struct load *l)
{
	return (l->phase == PHASE_WARMUP || l->phase == PHASE_MEASURE);
}

/* UDP: (re)send the given slots of source si in one sendmmsg. */
static void
load_udp_send(struct load *l, unsigned si, const unsigned *idx, unsigned n)
{
	uint8_t		 req[LOAD_MAXWIN][LOAD_REQLEN];
	struct iovec	 iov[LOAD_MAXWIN];
	struct mmsghdr	 msg[LOAD_MAXWIN];
	uint64_t	 now;
	unsigned	 i;
	int		 ret;

	if (n == 0 || !load_sending(l))
		return;
	memset(msg, 0, sizeof(msg[0]) * n);
	for (i = 0; i < n; i++) {
		load_request(l, idx[i], req[i]);
		iov[i].iov_base = req[i];
		iov[i].iov_len = LOAD_REQLEN;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	now = bench_now();
	ret = sendmmsg(l->src[si].fd, msg, n, 0);
	/* Unsent requests stay free and are retried on the next scan. */
	for (i = 0; ret > 0 && i < (unsigned)ret; i++) {
		l->slot[idx[i]].sent = now;
		l->sent++;
	}
}

/* UDP: read what source si has, refill its window. */
static void
load_udp_input(struct load *l, unsigned si)
{
	struct iovec	 iov[LOAD_BATCH];
	struct mmsghdr	 msg[LOAD_BATCH];
	unsigned	 refill[LOAD_MAXWIN], nrefill = 0;
	uint64_t	 now;
	long		 idx;
	int		 i, n;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < LOAD_BATCH; i++) {
		iov[i].iov_base = l->rx[i];
		iov[i].iov_len = LOAD_BUFSZ;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(l->src[si].fd, msg, LOAD_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	now = bench_now();
	for (i = 0; i < n; i++) {
		if (msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
			load_log_invalid(l, "oversized datagram");
			continue;
		}
		idx = load_check(l, si, l->rx[i], msg[i].msg_len, now);
		if (idx >= 0 && nrefill < LOAD_MAXWIN)
			refill[nrefill++] = idx;
	}
	load_udp_send(l, si, refill, nrefill);
}

static int	load_open(struct load *, unsigned);

/*
 * Close a TCP source.  One the peer closed while the run goes on is opened
 * again (a bounded number of times) so the offered load stays the same.
 */
static void
load_tcp_close(struct load *l, unsigned si, int by_peer)
{
	struct src	*s = &l->src[si];
	unsigned	 i, busy = 0;

	if (s->fd == -1)
		return;
	for (i = 0; i < l->window; i++) {
		if (l->slot[si * l->window + i].sent != 0) {
			busy = 1;
			if (l->slot[si * l->window + i].sent >= l->t_measure)
				l->lost++;
			l->slot[si * l->window + i].sent = 0;
		}
	}
	if (by_peer) {
		l->closed++;
		if (busy || load_sending(l))
			l->closed_busy++;
	}
	close(s->fd);
	s->fd = -1;
	s->up = 0;
	s->rlen = s->wlen = s->woff = 0;
	if (by_peer && load_sending(l) && l->reconnects < LOAD_MAXRECONN) {
		l->reconnects++;
		if (load_open(l, si) == -1) {
			l->connfail++;
			if (s->fd != -1)
				close(s->fd);
			s->fd = -1;
		}
	}
}

static void
load_tcp_arm(struct load *l, unsigned si, int want_out)
{
	struct epoll_event	ev;
	struct src		*s = &l->src[si];

	if (s->want_out == want_out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
	ev.data.u32 = si;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, s->fd, &ev) == 0)
		s->want_out = want_out;
}

static void
load_tcp_flush(struct load *l, unsigned si)
{
	struct src	*s = &l->src[si];
	ssize_t		 n;

	if (s->wlen > s->woff) {
		n = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			s->woff += n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			load_tcp_close(l, si, 1);
			return;
		}
	}
	if (s->woff == s->wlen)
		s->woff = s->wlen = 0;
	load_tcp_arm(l, si, s->wlen != 0);
}

/* TCP: queue requests for the given slots; sent on the next flush. */
static void
load_tcp_queue(struct load *l, unsigned si, const unsigned *idx, unsigned n)
{
	struct src	*s = &l->src[si];
	uint64_t	 now;
	unsigned	 i;

	if (!load_sending(l) || !s->up)
		return;
	now = bench_now();
	for (i = 0; i < n; i++) {
		/* The buffer holds a full window, so this cannot overflow. */
		if (l->window * LOAD_REQLEN - s->wlen < LOAD_REQLEN)
			break;
		/* Holding: each slot is asked once. */
		if (l->hold && l->slot[idx[i]].seq != 0)
			continue;
		load_request(l, idx[i], s->wbuf + s->wlen);
		s->wlen += LOAD_REQLEN;
		l->slot[idx[i]].sent = now;
		l->sent++;
	}
}

static void
load_tcp_input(struct load *l, unsigned si)
{
	struct src	*s = &l->src[si];
	unsigned	 refill[LOAD_MAXWIN], nrefill = 0;
	uint64_t	 now;
	size_t		 off = 0;
	ssize_t		 n;
	long		 idx;
	int		 flen, kind;

	n = recv(s->fd, s->rbuf + s->rlen, LOAD_BUFSZ - s->rlen, MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		load_tcp_close(l, si, 1);
		return;
	}
	if (n < 0)
		return;
	s->rlen += n;
	now = bench_now();
	for (;;) {
		flen = stun_frame_len(s->rbuf + off, s->rlen - off, LOAD_BUFSZ,
		    &kind);
		if (flen == STUN_ERR_NEED_MORE)
			break;
		if (flen < 0 || kind != STUN_FRAME_STUN) {
			load_log_invalid(l, "bad stream framing");
			load_tcp_close(l, si, 0);
			return;
		}
		idx = load_check(l, si, s->rbuf + off, flen, now);
		if (idx >= 0 && nrefill < LOAD_MAXWIN)
			refill[nrefill++] = idx;
		off += flen;
	}
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
	load_tcp_queue(l, si, refill, nrefill);
	load_tcp_flush(l, si);
}

static void
load_tcp_connected(struct load *l, unsigned si)
{
	struct src	*s = &l->src[si];
	unsigned	 idx[LOAD_MAXWIN], i;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0 || sock_local(s->fd, &s->local) != 0) {
		l->connfail++;
		load_tcp_close(l, si, 0);
		return;
	}
	s->up = 1;
	for (i = 0; i < l->window; i++)
		idx[i] = si * l->window + i;
	load_tcp_queue(l, si, idx, l->window);
	load_tcp_flush(l, si);
}

/* Give up on requests older than the timeout; resend on UDP. */
static void
load_scan(struct load *l, uint64_t now)
{
	unsigned	 si, i, idx[LOAD_MAXWIN], n;
	struct slot	*s;

	for (si = 0; si < l->nsrc; si++) {
		if (l->src[si].fd == -1 || (l->tcp && !l->src[si].up))
			continue;
		n = 0;
		for (i = 0; i < l->window; i++) {
			s = &l->slot[si * l->window + i];
			if (s->sent != 0 && now - s->sent < l->timeout)
				continue;
			if (s->sent != 0) {
				if (s->sent >= l->t_measure)
					l->lost++;
				memcpy(s->oldtid, s->tid, STUN_TID_LEN);
				s->sent = 0;
			}
			idx[n++] = si * l->window + i;
		}
		if (l->tcp) {
			load_tcp_queue(l, si, idx, n);
			load_tcp_flush(l, si);
		} else
			load_udp_send(l, si, idx, n);
	}
}

static int
load_outstanding(const struct load *l)
{
	unsigned	i;

	for (i = 0; i < l->nsrc * l->window; i++)
		if (l->slot[i].sent != 0)
			return (1);
	return (0);
}

static int
load_open(struct load *l, unsigned si)
{
	struct sockaddr_storage	 ss;
	struct epoll_event	 ev;
	struct stun_addr	 a = l->bind;
	struct src		*s = &l->src[si];
	socklen_t		 sslen;
	int			 on = 1, bufsz = 256 << 10;

	a.port = 0;
	if (a.family == STUN_AF_INET)
		a.ip[3] += si % l->naddr;
	s->fd = socket(a.family == STUN_AF_INET ? AF_INET : AF_INET6,
	    (l->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->fd == -1)
		return (-1);
	sslen = sock_from_stun(&a, &ss);
	if (bind(s->fd, (struct sockaddr *)&ss, sslen) == -1)
		return (-1);
	if (l->tcp) {
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (s->rbuf == NULL && (s->rbuf = malloc(LOAD_BUFSZ)) == NULL)
			return (-1);
		if (s->wbuf == NULL &&
		    (s->wbuf = malloc(l->window * LOAD_REQLEN)) == NULL)
			return (-1);
	} else
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	sslen = sock_from_stun(&l->target, &ss);
	if (connect(s->fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS)
		return (-1);
	if (!l->tcp && sock_local(s->fd, &s->local) != 0)
		return (-1);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (l->tcp ? EPOLLOUT : 0);
	ev.data.u32 = si;
	s->want_out = l->tcp;
	return (epoll_ctl(l->ep, EPOLL_CTL_ADD, s->fd, &ev));
}

static void
load_event(struct load *l, const struct epoll_event *ev)
{
	unsigned	 si = ev->data.u32;
	struct src	*s = &l->src[si];

	if (si >= l->nsrc || s->fd == -1)
		return;
	if (!l->tcp) {
		load_udp_input(l, si);
		return;
	}
	if (!s->up) {
		if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			load_tcp_connected(l, si);
		return;
	}
	if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		load_tcp_input(l, si);
	/* Input may have closed (and reopened) the connection. */
	if (s->fd != -1 && s->up && (ev->events & EPOLLOUT))
		load_tcp_flush(l, si);
}

/* Move between phases; returns the epoll timeout in ms. */
static int
load_tick(struct load *l, uint64_t now)
{
	uint64_t	next;

	if (l->phase == PHASE_WARMUP && now >= l->t_measure)
		l->phase = PHASE_MEASURE;
	if (l->phase == PHASE_MEASURE && now >= l->t_end) {
		l->phase = PHASE_DRAIN;
		l->t_drain = now + l->timeout;
	}
	if (l->phase == PHASE_DRAIN &&
	    (now >= l->t_drain || !load_outstanding(l)))
		l->phase = PHASE_DONE;
	if (now - l->last_scan >= 10 * 1000000ULL) {
		load_scan(l, now);
		l->last_scan = now;
	}
	next = l->phase == PHASE_WARMUP ? l->t_measure :
	    l->phase == PHASE_MEASURE ? l->t_end : l->t_drain;
	if (next <= now)
		return (0);
	next = (next - now + 999999) / 1000000;
	return (next > 10 ? 10 : (int)next);
}

static void
load_report(const struct load *l, uint64_t measured)
{
	char	target[64];
	double	secs = (double)measured / (double)LOAD_NS;

	stun_addr_format(&l->target, target, sizeof(target));
	printf("mode=%s target=%s sources=%u window=%u seconds=%.3f "
	    "sent=%llu responses=%llu total=%llu rps=%.0f p50_us=%llu "
	    "p99_us=%llu "
	    "lost=%llu invalid=%llu errors=%llu late=%llu closed=%llu "
	    "closed_busy=%llu connfail=%llu reconnects=%llu\n",
	    l->tcp ? "tcp" : "udp", target, l->nsrc, l->window, secs,
	    (unsigned long long)l->sent, (unsigned long long)l->responses,
	    (unsigned long long)(l->responses + l->warm_responses),
	    secs > 0 ? (double)l->responses / secs : 0.0,
	    (unsigned long long)bench_hist_pct(&l->hist, 0.50),
	    (unsigned long long)bench_hist_pct(&l->hist, 0.99),
	    (unsigned long long)l->lost, (unsigned long long)l->invalid,
	    (unsigned long long)l->errors, (unsigned long long)l->late,
	    (unsigned long long)l->closed,
	    (unsigned long long)l->closed_busy,
	    (unsigned long long)l->connfail,
	    (unsigned long long)l->reconnects);
	fflush(stdout);
}

/* Hold the TCP connections idle for l->hold seconds (RSS sampling). */
static void
load_hold(struct load *l)
{
	struct timespec	ts = { 0, 0 };
	unsigned	si, up = 0;

	for (si = 0; si < l->nsrc; si++)
		up += l->src[si].up;
	fprintf(stderr, "stunload: holding %u connections\n", up);
	ts.tv_sec = l->hold;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && ts.tv_sec > 0)
		;
}

/*
 * Probe: does the target answer an unauthenticated Allocate?  Prints
 * allocate=success, allocate=<error code> or allocate=none.
 */
static int
load_probe_allocate(struct load *l)
{
	struct sockaddr_storage	 ss;
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct timeval		 tv;
	uint8_t			 tid[STUN_TID_LEN], req[64];
	uint8_t			 buf[LOAD_BUFSZ];
	const char		*reason;
	size_t			 rlen;
	ssize_t			 n;
	socklen_t		 sslen;
	int			 fd, i, code, len;

	sslen = sock_from_stun(&l->target, &ss);
	if (stun_tid_new(NULL, NULL, tid) != 0 ||
	    (fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (1);
	tv.tv_sec = l->timeout / LOAD_NS;
	tv.tv_usec = (l->timeout % LOAD_NS) / 1000;
	stun_build_init(&b, req, sizeof(req), STUN_METHOD_ALLOCATE,
	    STUN_CLASS_REQUEST, tid);
	stun_build_transport(&b, 17);
	if ((len = stun_build_finish(&b)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    send(fd, req, len, 0) != len) {
		close(fd);
		return (1);
	}
	for (i = 0; i < 16; i++) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		if (stun_msg_decode(&m, buf, n) != 0 ||
		    memcmp(m.tid, tid, STUN_TID_LEN) != 0 ||
		    m.method != STUN_METHOD_ALLOCATE)
			continue;
		if (m.cls == STUN_CLASS_SUCCESS)
			printf("allocate=success\n");
		else if (stun_msg_get_error(&m, &code, &reason, &rlen) == 0)
			printf("allocate=%d\n", code);
		else
			continue;
		close(fd);
		return (0);
	}
	printf("allocate=none\n");
	close(fd);
	return (0);
}

static void
load_options(struct load *l, int argc, char **argv)
{
	long long	 v;
	int		 ch, pingpong = 0;

	l->nsrc = 256;
	l->window = 2;
	l->naddr = 1;
	l->duration = 3 * LOAD_NS;
	l->warmup = LOAD_NS / 2;
	l->timeout = LOAD_NS;
	while ((ch = getopt(argc, argv, "Aa:b:d:H:n:PpT:W:w:")) != -1) {
		v = 0;
		switch (ch) {
		case 'A':
			l->probe = 1;
			break;
		case 'a':
			if ((v = bench_milli(optarg, 1, 250)) == -1)
				usage();
			l->naddr = v / 1000;
			break;
		case 'b':
			if (stun_addr_parse(optarg, 0, &l->bind) != 0)
				usage();
			break;
		case 'd':
			if ((v = bench_milli(optarg, 0.1, 600)) == -1)
				usage();
			l->duration = v * 1000000ULL;
			break;
		case 'H':
			if ((v = bench_milli(optarg, 1, 600)) == -1)
				usage();
			l->hold = v / 1000;
			break;
		case 'n':
			if ((v = bench_milli(optarg, 1, LOAD_MAXSRC)) == -1)
				usage();
			l->nsrc = v / 1000;
			break;
		case 'P':
			l->tcp = 1;
			break;
		case 'p':
			pingpong = 1;
			break;
		case 'T':
			if ((v = bench_milli(optarg, 10, 60000)) == -1)
				usage();
			l->timeout = v * 1000ULL;
			break;
		case 'W':
			if ((v = bench_milli(optarg, 0, 60)) == -1)
				usage();
			l->warmup = v * 1000000ULL;
			break;
		case 'w':
			if ((v = bench_milli(optarg, 1, LOAD_MAXWIN)) == -1)
				usage();
			l->window = v / 1000;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 ||
	    stun_addr_parse(argv[optind], 3478, &l->target) != 0)
		usage();
	if (pingpong)
		l->nsrc = l->window = 1;
	if (l->hold && !l->tcp)
		usage();
	if (l->bind.family == 0)
		(void)stun_addr_parse(l->target.family == STUN_AF_INET ?
		    "127.0.0.1" : "[::1]", 0, &l->bind);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev[LOAD_EVENTS];
	struct rlimit		 rl;
	struct load		 l;
	uint64_t		 now, t0;
	unsigned		 si;
	int			 i, n, wait;

	memset(&l, 0, sizeof(l));
	load_options(&l, argc, argv);
	/* Loopback only: this tool floods its target. */
	if (stun_addr_class(&l.target) != STUN_ADDR_LOOPBACK ||
	    stun_addr_class(&l.bind) != STUN_ADDR_LOOPBACK ||
	    l.bind.family != l.target.family ||
	    (l.bind.family == STUN_AF_INET6 && l.naddr > 1) ||
	    (l.bind.family == STUN_AF_INET && l.bind.ip[3] + l.naddr > 255)) {
		fprintf(stderr, "stunload: target and sources must be "
		    "loopback addresses of one family\n");
		return (2);
	}
	if (l.probe)
		return (load_probe_allocate(&l));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (stun_random(NULL, NULL, l.salt, sizeof(l.salt)) != 0 ||
	    (l.ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (l.src = calloc(l.nsrc, sizeof(*l.src))) == NULL ||
	    (l.slot = calloc((size_t)l.nsrc * l.window,
	    sizeof(*l.slot))) == NULL ||
	    bench_hist_init(&l.hist) == -1 ||
	    (l.rx = calloc(LOAD_BATCH, sizeof(*l.rx))) == NULL) {
		fprintf(stderr, "stunload: setup failed\n");
		return (1);
	}
	for (si = 0; si < l.nsrc; si++)
		l.src[si].fd = -1;
	for (si = 0; si < l.nsrc; si++) {
		if (load_open(&l, si) == -1) {
			fprintf(stderr, "stunload: source %u: %s\n", si,
			    strerror(errno));
			goto out;
		}
	}

	t0 = bench_now();
	l.t_measure = t0 + l.warmup;
	l.t_end = l.t_measure + l.duration;
	if (l.hold) {
		/* One window per connection, then idle. */
		l.t_measure = t0;
		l.t_end = t0 + l.timeout;
	}
	l.phase = l.warmup > 0 ? PHASE_WARMUP : PHASE_MEASURE;
	/* The scan sends the first window of every UDP source. */
	l.last_scan = t0 - 10 * 1000000ULL;
	while (l.phase != PHASE_DONE) {
		now = bench_now();
		if (l.hold && l.phase == PHASE_MEASURE && now > t0 &&
		    l.sent >= (uint64_t)l.nsrc * l.window &&
		    !load_outstanding(&l))
			break;
		/* Bounded: the phases end with the clock. */
		wait = load_tick(&l, now);
		if (l.phase == PHASE_DONE)
			break;
		n = epoll_wait(l.ep, ev, LOAD_EVENTS, wait);
		for (i = 0; i < n; i++)
			load_event(&l, &ev[i]);
	}
	if (l.hold)
		l.phase = PHASE_DONE;
	for (si = 0; si < l.nsrc; si++)
		if (l.tcp && l.src[si].fd != -1 && !l.src[si].up)
			l.connfail++;
	/* What never came back was lost. */
	for (si = 0; si < l.nsrc * l.window; si++)
		if (l.slot[si].sent != 0 && l.slot[si].sent >= l.t_measure &&
		    l.slot[si].sent < l.t_end)
			l.lost++;
	load_report(&l, l.hold ? bench_now() - t0 : l.duration);
	if (l.hold)
		load_hold(&l);
out:
	for (si = 0; si < l.nsrc; si++) {
		if (l.src[si].fd != -1)
			close(l.src[si].fd);
		free(l.src[si].rbuf);
		free(l.src[si].wbuf);
	}
	free(l.src);
	free(l.slot);
	bench_hist_free(&l.hist);
	free(l.rx);
	close(l.ep);
	return (l.responses > 0 ? 0 : 1);
}

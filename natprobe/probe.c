/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Runs the NAT classification machine on libevent: resolves the servers
 * (evdns for A/AAAA, the _stun._udp SRV record through the system resolver
 * when no port is given), binds the machine's sockets on one local address,
 * carries its datagrams, timers and the ICMP errors that come back
 * (IP_RECVERR), stamps sends and arrivals to the microsecond, and does the
 * TCP Binding checks, including the one that tells how sure "UDP blocked"
 * is.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/dns.h>
#include <event2/util.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "natprobe.h"

#define PROBE_RECV_BURST	64
#define PROBE_PUMP_MAX		(4 * STUN_NAT_MAX_TESTS)

struct probe_sock {
	struct probe_io	*io;
	unsigned	 idx;
	int		 fd;
	struct event	*ev;
};

struct probe_io {
	struct probe	*p;
	struct event_base *base;
	struct event	*timer;
	struct event	*guard;
	struct probe_sock s[STUN_NAT_MAX_SOCKS];
	unsigned	 nsock;
	int		 expired;
	/* Resolution. */
	int		 res_done;
	int		 res_wait;	/* dispatching for the answer */
	int		 res_err;
	struct stun_addr res_addr;
};

static int
probe_literal(const char *host, uint16_t port, struct stun_addr *out)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &a4) == 1) {
		out->family = STUN_AF_INET;
		memcpy(out->ip, &a4, 4);
	} else if (inet_pton(AF_INET6, host, &a6) == 1) {
		out->family = STUN_AF_INET6;
		memcpy(out->ip, &a6, 16);
	} else
		return (-1);
	out->port = port;
	return (0);
}

/* RFC 6761 6.4: .invalid never resolves; answer without a query. */
static int
probe_invalid_name(const char *host)
{
	size_t	 l = strlen(host);

	if (l > 0 && host[l - 1] == '.')
		l--;
	return ((l == 7 && strncasecmp(host, "invalid", 7) == 0) ||
	    (l > 8 && strncasecmp(host + l - 8, ".invalid", 8) == 0));
}

/*
 * RFC 5389 9 / RFC 8489 8: with no port, look up _stun._udp.host.  The
 * lowest priority target wins; its name replaces host.
 */
static void
probe_srv(char *host, size_t cap, uint16_t *port)
{
	unsigned char	 ans[2048];
	char		 q[NATPROBE_HOST_MAX + 16], target[NS_MAXDNAME];
	ns_msg		 msg;
	ns_rr		 rr;
	int		 len, i, count, best = 65536, prio;
	const unsigned char *rd;

	if (snprintf(q, sizeof(q), "_stun._udp.%s", host) >= (int)sizeof(q))
		return;
	/* A start-up lookup: wait seconds, not the resolver's default. */
	if ((_res.options & RES_INIT) == 0 && res_init() != 0)
		return;
	_res.retrans = 2;
	_res.retry = 1;
	if ((len = res_query(q, ns_c_in, ns_t_srv, ans, sizeof(ans))) <= 0)
		return;
	if (ns_initparse(ans, len, &msg) != 0)
		return;
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && i < 32; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		prio = rd[0] << 8 | rd[1];
		if (prio >= best || ns_name_uncompress(ns_msg_base(msg),
		    ns_msg_end(msg), rd + 6, target, sizeof(target)) < 0 ||
		    strlen(target) >= cap || target[0] == '\0')
			continue;
		best = prio;
		*port = (uint16_t)(rd[4] << 8 | rd[5]);
		snprintf(host, cap, "%s", target);
	}
	if (best != 65536)
		log_debug("srv %s -> %s port %u", q, host, *port);
}

static void
probe_gai_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct probe_io		*io = arg;
	struct evutil_addrinfo	*ai;

	io->res_done = 1;
	io->res_err = result;
	if (result == 0) {
		/* IPv4 first unless -6: that is where the NATs are. */
		io->res_err = EVUTIL_EAI_NONAME;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (io->res_err == 0 && ai->ai_family != AF_INET)
				continue;
			if (sock_to_stun(ai->ai_addr, &io->res_addr) == 0) {
				io->res_err = 0;
				if (ai->ai_family == AF_INET)
					break;
			}
		}
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	/* A loopexit outside the loop would end the next one at once. */
	if (io->res_wait)
		event_base_loopexit(io->base, NULL);
}

static int
probe_resolve(struct probe_io *io, char *host, size_t cap, uint16_t port,
    int given, struct stun_addr *out)
{
	struct probe		*p = io->p;
	struct evdns_base	*dns;
	struct evutil_addrinfo	 hints;
	char			 portstr[8];

	if (probe_literal(host, port, out) == 0) {
		if ((p->o.family == 4 && out->family != STUN_AF_INET) ||
		    (p->o.family == 6 && out->family != STUN_AF_INET6)) {
			snprintf(p->err, sizeof(p->err),
			    "%s: not an IPv%d address", host, p->o.family);
			return (-1);
		}
		return (0);
	}
	if (probe_invalid_name(host)) {
		snprintf(p->err, sizeof(p->err), "%s: unknown host", host);
		return (-1);
	}
	if (!given)
		probe_srv(host, cap, &port);
	if ((dns = evdns_base_new(io->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dns = evdns_base_new(io->base, 0)) == NULL) {
		snprintf(p->err, sizeof(p->err), "%s: no resolver", host);
		return (-1);
	}
	evdns_base_set_option(dns, "timeout:", "2");
	evdns_base_set_option(dns, "attempts:", "2");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = p->o.family == 4 ? AF_INET :
	    p->o.family == 6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	io->res_done = 0;
	io->res_wait = 0;
	if (evdns_getaddrinfo(dns, host, portstr, &hints, probe_gai_cb,
	    io) != NULL && !io->res_done) {
		io->res_wait = 1;
		event_base_dispatch(io->base);
		io->res_wait = 0;
	}
	evdns_base_free(dns, 0);
	if (!io->res_done || io->res_err != 0) {
		snprintf(p->err, sizeof(p->err), "%s: %s", host,
		    io->res_done ? evutil_gai_strerror(io->res_err) :
		    "resolver failed");
		return (-1);
	}
	*out = io->res_addr;
	out->port = port;
	return (0);
}

/* The address the kernel would send from towards dst. */
static int
probe_source(struct probe *p)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	if (p->o.source != NULL) {
		if (probe_literal(p->o.source, 0, &p->local) != 0 ||
		    p->local.family != p->server.family) {
			snprintf(p->err, sizeof(p->err),
			    "%s: source must be an IPv%d address",
			    p->o.source, p->server.family);
			return (-1);
		}
		return (0);
	}
	sl = sock_from_stun(&p->server, &ss);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    sock_local(fd, &p->local) == -1) {
		snprintf(p->err, sizeof(p->err), "%s: no route: %s",
		    p->o.server, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	p->local.port = 0;
	return (0);
}

static void
probe_pump(struct probe_io *io)
{
	struct probe		*p = io->p;
	struct stun_nat_action	 a;
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	socklen_t		 sl;
	uint64_t		 now, d, us;
	unsigned		 k;

	for (k = 0; k < PROBE_PUMP_MAX; k++) {
		stun_nat_next(&p->nat, &a);
		if (a.kind == STUN_NAT_SEND) {
			sl = sock_from_stun(&a.to, &ss);
			/* Before: on loopback sendto() carries the datagram. */
			us = clock_us();
			if (sendto(io->s[a.sock].fd, a.buf, a.len, 0,
			    (struct sockaddr *)&ss, sl) == -1)
				log_debug("send %s: %s",
				    p->nat.t[a.test].name, strerror(errno));
			else
				stun_nat_sent(&p->nat, &a, us);
			continue;
		}
		if (a.kind == STUN_NAT_DONE) {
			event_base_loopexit(io->base, NULL);
			break;
		}
		now = clock_ms();
		d = a.wake > now ? a.wake - now : 0;
		tv.tv_sec = (time_t)(d / 1000);
		tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
		evtimer_add(io->timer, &tv);
		break;
	}
	report_progress(p, 0);
}

/*
 * What an ICMP error from the queue means for the machine: port or host
 * unreachable and administratively prohibited are answers ("nobody is
 * there"); anything else (time exceeded, too big) is not.  0: ignore.
 */
static int
probe_icmp_kind(const struct sock_extended_err *ee)
{
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP &&
	    ee->ee_type == ICMP_DEST_UNREACH) {
		if (ee->ee_code == ICMP_PORT_UNREACH)
			return (STUN_NAT_ICMP_PORT);
		if (ee->ee_code == ICMP_NET_ANO ||
		    ee->ee_code == ICMP_HOST_ANO ||
		    ee->ee_code == ICMP_PKT_FILTERED)
			return (STUN_NAT_ICMP_PROHIBITED);
		return (STUN_NAT_ICMP_HOST);
	}
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 &&
	    ee->ee_type == ICMP6_DST_UNREACH) {
		if (ee->ee_code == ICMP6_DST_UNREACH_NOPORT)
			return (STUN_NAT_ICMP_PORT);
		if (ee->ee_code == ICMP6_DST_UNREACH_ADMIN)
			return (STUN_NAT_ICMP_PROHIBITED);
		return (STUN_NAT_ICMP_HOST);
	}
	return (0);
}

/* Hand the ICMP errors queued on socket s to the machine. */
static void
probe_errqueue(struct probe_sock *s)
{
	struct sock_extended_err	*ee;
	struct stun_nat_icmp		 e;
	struct sockaddr_storage		 dst;
	struct cmsghdr			*cm;
	struct msghdr			 mh;
	struct iovec			 iov;
	uint8_t				 buf[512], ctl[512];
	unsigned			 k;

	for (k = 0; k < PROBE_RECV_BURST; k++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_name = &dst;
		mh.msg_namelen = sizeof(dst);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return;
		memset(&e, 0, sizeof(e));
		e.sock = s->idx;
		if (sock_to_stun((struct sockaddr *)&dst, &e.dst) != 0)
			continue;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if ((e.kind = probe_icmp_kind(ee)) == 0)
				continue;
			if (sock_to_stun(SO_EE_OFFENDER(ee), &e.from) != 0)
				memset(&e.from, 0, sizeof(e.from));
			log_debug("icmp %d about a datagram to socket %u",
			    e.kind, s->idx);
			stun_nat_input_icmp(&s->io->p->nat, &e, clock_ms());
		}
	}
}

/*
 * When the kernel took the datagram in (SO_TIMESTAMPNS, wall clock), on
 * clock_us()'s monotonic clock; the event loop may read it much later.
 */
static uint64_t
probe_rx_us(struct msghdr *mh)
{
	struct timespec	 ts, real, mono;
	struct cmsghdr	*cm;
	int64_t		 us;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		us = ((int64_t)mono.tv_sec - real.tv_sec + ts.tv_sec) *
		    1000000 + ((int64_t)mono.tv_nsec - real.tv_nsec +
		    ts.tv_nsec) / 1000;
		return (us > 0 ? (uint64_t)us : clock_us());
	}
	return (clock_us());
}

static void
probe_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_sock	*s = arg;
	struct probe		*p = s->io->p;
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	struct msghdr		 mh;
	struct iovec		 iov;
	uint8_t			 buf[2048], ctl[256];
	ssize_t			 n;
	unsigned		 k;

	(void)what;
	probe_errqueue(s);
	for (k = 0; k < PROBE_RECV_BURST; k++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(fd, &mh, 0);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1) {
			/* The error an ICMP message left: read the queue. */
			probe_errqueue(s);
			continue;
		}
		if (sock_to_stun((struct sockaddr *)&ss, &from) != 0)
			continue;
		stun_nat_arrived(&p->nat, probe_rx_us(&mh));
		stun_nat_input(&p->nat, s->idx, &from, buf, (size_t)n,
		    clock_ms());
	}
	probe_pump(s->io);
}

static void
probe_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_io	*io = arg;

	(void)fd;
	(void)what;
	stun_nat_timer(&io->p->nat, clock_ms());
	probe_pump(io);
}

static void
probe_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_io	*io = arg;

	(void)fd;
	(void)what;
	io->expired = 1;
	event_base_loopexit(io->base, NULL);
}

static int
probe_udp(struct probe_io *io)
{
	struct probe		*p = io->p;
	struct stun_nat_config	 c;
	struct stun_addr	 locals[STUN_NAT_MAX_SOCKS];
	struct timeval		 tv;
	uint64_t		 budget;
	unsigned		 i;
	int			 on = 1;
	int			 v6 = p->local.family == STUN_AF_INET6;

	memset(&c, 0, sizeof(c));
	c.mode = p->o.lint ? STUN_NAT_MODE_LINT : p->o.classic ?
	    STUN_NAT_MODE_CLASSIC : STUN_NAT_MODE_5780;
	c.flags = p->o.lifetime ? STUN_NAT_F_LIFETIME : 0;
	c.server = p->server;
	c.server2 = p->server2;
	/* Three sends: at 0, T/5 and 3T/5; give up at T. */
	c.txn.rto = p->o.timeout / 5;
	c.txn.rc = 3;
	c.txn.rm = 2;
	c.rounds = p->o.rounds;
	c.lifetime_max = p->o.lifetime_max;
	if (stun_nat_init(&p->nat, &c) != 0) {
		snprintf(p->err, sizeof(p->err), "cannot plan the tests");
		return (-1);
	}
	for (i = 0; i < p->nat.nsocks; i++) {
		io->s[i].fd = sock_bind(&p->local, SOCK_DGRAM, 0);
		if (io->s[i].fd == -1 ||
		    setsockopt(io->s[i].fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		    v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof(on)) == -1 ||
		    setsockopt(io->s[i].fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
		    sizeof(on)) == -1 ||
		    sock_local(io->s[i].fd, &locals[i]) == -1) {
			snprintf(p->err, sizeof(p->err), "socket: %s",
			    strerror(errno));
			return (-1);
		}
		io->nsock = i + 1;
		io->s[i].io = io;
		io->s[i].idx = i;
		io->s[i].ev = event_new(io->base, io->s[i].fd,
		    EV_READ | EV_PERSIST, probe_read_cb, &io->s[i]);
		if (io->s[i].ev == NULL || event_add(io->s[i].ev, NULL) == -1) {
			snprintf(p->err, sizeof(p->err), "event_new failed");
			return (-1);
		}
	}
	io->timer = evtimer_new(io->base, probe_timer_cb, io);
	io->guard = evtimer_new(io->base, probe_guard_cb, io);
	if (io->timer == NULL || io->guard == NULL) {
		snprintf(p->err, sizeof(p->err), "evtimer_new failed");
		return (-1);
	}
	/* Every test is bounded; this only catches a broken invariant. */
	budget = (uint64_t)p->o.timeout * 12 + 2000;
	if (p->o.lifetime)
		budget += (uint64_t)p->o.lifetime_max * 1000 + 5000;
	tv.tv_sec = (time_t)(budget / 1000);
	tv.tv_usec = (suseconds_t)(budget % 1000) * 1000;
	evtimer_add(io->guard, &tv);
	if (stun_nat_start(&p->nat, locals, p->nat.nsocks, clock_ms()) != 0) {
		snprintf(p->err, sizeof(p->err), "cannot start the tests");
		return (-1);
	}
	probe_pump(io);
	event_base_dispatch(io->base);
	report_progress(p, 1);
	if (io->expired || !p->nat.r.done) {
		snprintf(p->err, sizeof(p->err), "%s: tests did not finish",
		    p->o.server);
		return (-1);
	}
	return (0);
}

/* Wait for fd to be ready until deadline; 0, or -1 on timeout. */
static int
probe_poll(int fd, short ev, uint64_t deadline)
{
	struct pollfd	 pfd;
	uint64_t	 now;
	int		 rv;

	for (;;) {
		now = clock_ms();
		if (now >= deadline)
			return (-1);
		pfd.fd = fd;
		pfd.events = ev;
		rv = poll(&pfd, 1, (int)(deadline - now));
		if (rv > 0)
			return (0);
		if (rv == 0 || errno != EINTR)
			return (-1);
	}
}

/*
 * One Binding over TCP from local port lport (0: any) to dst; the socket
 * is left open in *keep so that the next test can reuse the port.
 */
static void
probe_tcp_one(struct probe *p, struct probe_tcp *t, uint16_t lport,
    int *keep)
{
	struct sockaddr_storage	 ss;
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct stun_addr	 a;
	uint8_t			 req[64], buf[1024], tid[STUN_TID_LEN];
	socklen_t		 sl;
	uint64_t		 t0, deadline, us0;
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd, on = 1, len, kind, rv;

	t->ok = -1;
	*keep = -1;
	fd = socket(p->local.family == STUN_AF_INET ? AF_INET : AF_INET6,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(t->note, sizeof(t->note), "socket: %s",
		    strerror(errno));
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	a = p->local;
	a.port = lport;
	sl = sock_from_stun(&a, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		snprintf(t->note, sizeof(t->note), "bind: %s",
		    strerror(errno));
		goto out;
	}
	sock_local(fd, &t->local);
	t0 = clock_ms();
	deadline = t0 + p->o.timeout * 2;
	sl = sock_from_stun(&t->dst, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		t->refused = errno == ECONNREFUSED;
		snprintf(t->note, sizeof(t->note), "connect: %s",
		    strerror(errno));
		goto out;
	}
	if (probe_poll(fd, POLLOUT, deadline) != 0) {
		snprintf(t->note, sizeof(t->note), "connect timed out");
		goto out;
	}
	sl = sizeof(rv);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &rv, &sl) == -1 || rv != 0) {
		t->refused = rv == ECONNREFUSED;
		snprintf(t->note, sizeof(t->note), "connect: %s",
		    strerror(rv));
		goto out;
	}
	t->connected = 1;
	if (stun_tid_new(NULL, NULL, tid) != 0)
		goto out;
	stun_build_init(&b, req, sizeof(req), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_fingerprint(&b);
	us0 = clock_us();
	if ((len = stun_build_finish(&b)) < 0 ||
	    write(fd, req, (size_t)len) != len) {
		snprintf(t->note, sizeof(t->note), "write failed");
		goto out;
	}
	for (;;) {
		if (probe_poll(fd, POLLIN, deadline) != 0) {
			snprintf(t->note, sizeof(t->note), "no answer");
			goto out;
		}
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0) {
			snprintf(t->note, sizeof(t->note), "closed");
			goto out;
		}
		got += (size_t)n;
		len = stun_frame_len(buf, got, sizeof(buf), &kind);
		if (len == STUN_ERR_NEED_MORE)
			continue;
		if (len < 0 || kind != STUN_FRAME_STUN ||
		    stun_msg_decode(&m, buf, (size_t)len) != 0 ||
		    memcmp(m.tid, tid, STUN_TID_LEN) != 0) {
			snprintf(t->note, sizeof(t->note), "bad answer");
			goto out;
		}
		if (stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS,
		    &a) != 0) {
			snprintf(t->note, sizeof(t->note),
			    "no XOR-MAPPED-ADDRESS in the answer");
			goto out;
		}
		break;
	}
	stun_addr_canon(&a, &t->mapped);
	/* From the request's write: the connection set-up is not in it. */
	t->rtt_us = (uint32_t)(clock_us() - us0);
	t->ok = 1;
	*keep = fd;
	return;
out:
	close(fd);
}

/* RFC 5780 4.3 over TCP: one local port, three destinations. */
static void
probe_tcp(struct probe *p)
{
	static const char *names[] = { "tcp-mapping-primary",
	    "tcp-mapping-other-ip", "tcp-mapping-other-ip-port" };
	const struct stun_nat_result *r = &p->nat.r;
	struct probe_tcp	*t;
	int			 fds[PROBE_TCP_MAX], k, n;
	uint16_t		 lport = 0;

	n = p->o.lint || !r->has_other ? 1 : 3;
	for (k = 0; k < n; k++) {
		t = &p->tcp[k];
		snprintf(t->name, sizeof(t->name), "%s", p->o.lint ?
		    "binding-tcp" : names[k]);
		t->dst = k == 0 ? p->server : r->other;
		if (k == 1)
			t->dst.port = p->server.port;
		probe_tcp_one(p, t, lport, &fds[k]);
		if (k == 0 && t->ok == 1)
			lport = t->local.port;
		if (k == 0 && t->ok != 1)
			n = 1;
	}
	p->ntcp = (unsigned)n;
	for (k = 0; k < n; k++)
		if (fds[k] != -1)
			close(fds[k]);
	p->tcp_mapping = STUN_NAT_UNKNOWN;
	if (n == 3 && p->tcp[1].ok == 1) {
		if (stun_addr_equal(&p->tcp[1].mapped, &p->tcp[0].mapped))
			p->tcp_mapping = STUN_NAT_EI;
		else if (p->tcp[2].ok != 1)
			p->tcp_mapping = STUN_NAT_DEP;
		else if (stun_addr_equal(&p->tcp[2].mapped,
		    &p->tcp[1].mapped))
			p->tcp_mapping = STUN_NAT_AD;
		else
			p->tcp_mapping = STUN_NAT_APD;
	}
}

/* Record one ICMP error from fd's error queue as hop k. */
static void
probe_path_err(struct probe *p, int fd, int k)
{
	struct sock_extended_err	*ee;
	struct cmsghdr			*cm;
	struct msghdr			 mh;
	struct iovec			 iov;
	uint8_t				 buf[512], ctl[512];

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	if (recvmsg(fd, &mh, MSG_ERRQUEUE) == -1)
		return;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (!((cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_RECVERR) ||
		    (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		if ((ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		    ee->ee_origin != SO_EE_ORIGIN_ICMP6) ||
		    sock_to_stun(SO_EE_OFFENDER(ee), &p->hop[k]) != 0)
			continue;
		p->hop_state[k] = 1;
	}
}

/*
 * Which routers lie between us and the server: requests with TTL 1 to
 * PROBE_HOPS, all at once from one socket each, and the ICMP time exceeded
 * errors that come back (IP_RECVERR).  Private router addresses on the way
 * hint at a second NAT; they prove nothing, so the report says "possible".
 */
static void
probe_path(struct probe *p)
{
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd[PROBE_HOPS];
	struct stun_builder	 b;
	struct stun_addr	 a;
	uint8_t			 req[64], tid[STUN_TID_LEN], buf[512];
	socklen_t		 sl;
	uint64_t		 deadline;
	int			 k, on = 1, ttl, len, left = 0, c;
	int			 v6 = p->local.family == STUN_AF_INET6;

	for (k = 0; k < PROBE_HOPS; k++)
		pfd[k].fd = -1;
	if (stun_tid_new(NULL, NULL, tid) != 0)
		return;
	stun_build_init(&b, req, sizeof(req), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_fingerprint(&b);
	if ((len = stun_build_finish(&b)) < 0)
		return;
	a = p->local;
	a.port = 0;
	for (k = 0; k < PROBE_HOPS; k++) {
		if ((pfd[k].fd = sock_bind(&a, SOCK_DGRAM, 0)) == -1)
			goto out;
		ttl = k + 1;
		if (setsockopt(pfd[k].fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		    v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof(on)) == -1 ||
		    setsockopt(pfd[k].fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		    v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl, sizeof(ttl)) == -1)
			goto out;
		sl = sock_from_stun(&p->server, &ss);
		if (sendto(pfd[k].fd, req, (size_t)len, 0,
		    (struct sockaddr *)&ss, sl) == len)
			left++;
		pfd[k].events = POLLIN;
	}
	deadline = clock_ms() + p->o.timeout / 2;
	while (left > 0 && clock_ms() < deadline) {
		c = poll(pfd, PROBE_HOPS, (int)(deadline - clock_ms()));
		if (c <= 0)
			break;
		for (k = 0; k < PROBE_HOPS; k++) {
			if (pfd[k].revents == 0 || p->hop_state[k] != 0)
				continue;
			if (pfd[k].revents & POLLERR)
				probe_path_err(p, pfd[k].fd, k);
			else if (recv(pfd[k].fd, buf, sizeof(buf), 0) > 0)
				p->hop_state[k] = 2;
			if (p->hop_state[k] != 0) {
				left--;
				pfd[k].fd = -pfd[k].fd - 1;	/* poll skips */
			}
		}
	}
	p->path_done = 1;
	for (k = 0; k < PROBE_HOPS && p->hop_state[k] != 2; k++) {
		if (p->hop_state[k] != 1)
			continue;
		c = stun_addr_class(&p->hop[k]);
		if (c == STUN_ADDR_PRIVATE || c == STUN_ADDR_CGNAT)
			p->private_hops++;
		else
			break;
	}
out:
	for (k = 0; k < PROBE_HOPS; k++) {
		if (pfd[k].fd < -1)
			pfd[k].fd = -pfd[k].fd - 1;
		if (pfd[k].fd != -1)
			close(pfd[k].fd);
	}
}

/*
 * Nothing came back over UDP, not even an ICMP error.  How sure is
 * "blocked"?  A server that answers over TCP (or at least accepts or
 * refuses a connection: its host is up) while its UDP stays silent
 * points at the path; two silent servers point at the path too; one
 * silent server alone may just be down.
 */
static void
probe_blocked(struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	struct probe_tcp		 t;
	int				 fd, two;

	memset(&t, 0, sizeof(t));
	t.dst = p->server;
	probe_tcp_one(p, &t, 0, &fd);
	if (fd != -1)
		close(fd);
	two = r->server2 == STUN_NAT_SRV_SILENT;
	if (t.ok == 1)
		p->blocked_tcp = PROBE_BT_ANSWERS;
	else if (t.connected)
		p->blocked_tcp = PROBE_BT_CONNECTS;
	else if (t.refused)
		p->blocked_tcp = PROBE_BT_REFUSED;
	else
		p->blocked_tcp = PROBE_BT_SILENT;
	if (p->blocked_tcp == PROBE_BT_ANSWERS ||
	    p->blocked_tcp == PROBE_BT_CONNECTS)
		p->certainty = PROBE_SURE_HIGH;
	else if (two || p->blocked_tcp == PROBE_BT_REFUSED)
		p->certainty = PROBE_SURE_MEDIUM;
	else
		p->certainty = PROBE_SURE_LOW;
}

/* The one line that says why there is no report. */
static void
probe_why_not(struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	const char			*icmp;
	char				 from[64];
	unsigned			 i;

	p->requests = 0;
	for (i = 0; i < p->nat.ntests; i++)
		p->requests += p->nat.t[i].txn.sent;
	if (r->server == STUN_NAT_SRV_UNREACH) {
		icmp = r->icmp == STUN_NAT_ICMP_PORT ? "port unreachable" :
		    r->icmp == STUN_NAT_ICMP_PROHIBITED ?
		    "administratively prohibited" : "host unreachable";
		report_ip(&r->icmp_from, from, sizeof(from));
		snprintf(p->err, sizeof(p->err), "%s: server not answering: "
		    "ICMP %s%s%s (no STUN server there?)", p->o.server, icmp,
		    r->icmp_from.family != 0 ? " from " : "",
		    r->icmp_from.family != 0 ? from : "");
		return;
	}
	if (r->server == STUN_NAT_SRV_ANSWERING) {
		for (i = 0; i < p->nat.ntests; i++)
			if (p->nat.t[i].state == STUN_NAT_T_ERROR)
				break;
		snprintf(p->err, sizeof(p->err), "%s: no usable answer from "
		    "the server (%s)", p->o.server, i < p->nat.ntests ?
		    p->nat.t[i].note : "no mapped address");
		return;
	}
	if (r->nat_type != STUN_NAT_TYPE_BLOCKED) {
		snprintf(p->err, sizeof(p->err), "%s: server not answering: "
		    "no answer to %u requests in %u ms%s", p->o.server,
		    p->requests, p->o.timeout, r->server2 ==
		    STUN_NAT_SRV_ANSWERING ? ", though the second server "
		    "answered" : "");
		return;
	}
	probe_blocked(p);
	snprintf(p->err, sizeof(p->err), "%s: no answer to %u UDP requests "
	    "in %u ms: %s", p->o.server, p->requests, p->o.timeout,
	    report_blocked(p));
}

int
probe_run(struct probe *p)
{
	struct probe_io	*io;
	unsigned	 i;
	int		 rv = -1;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		return (-1);
	}
	io->p = p;
	if ((io->base = event_base_new()) == NULL) {
		snprintf(p->err, sizeof(p->err), "event_base_new failed");
		goto out;
	}
	if (probe_resolve(io, p->host, sizeof(p->host), p->port,
	    p->port_given, &p->server) != 0)
		goto out;
	if (p->o.server2 != NULL) {
		if (probe_resolve(io, p->host2, sizeof(p->host2), p->port2,
		    p->port2_given, &p->server2) != 0)
			goto out;
		if (p->server2.family != p->server.family) {
			snprintf(p->err, sizeof(p->err),
			    "%s: not the family of %s", p->o.server2,
			    p->o.server);
			goto out;
		}
	}
	if (probe_source(p) != 0)
		goto out;
	p->t0 = clock_ms();
	if (probe_udp(io) != 0)
		goto out;
	if ((p->o.tcp || p->o.lint) && p->nat.r.server_ok)
		probe_tcp(p);
	if (!p->o.lint && p->nat.r.nat == 1)
		probe_path(p);
	p->t1 = clock_ms();
	if (!p->nat.r.server_ok) {
		probe_why_not(p);
		goto out;
	}
	rv = 0;
out:
	p->t1 = clock_ms();
	for (i = 0; i < io->nsock; i++) {
		if (io->s[i].ev != NULL)
			event_free(io->s[i].ev);
		close(io->s[i].fd);
	}
	if (io->timer != NULL)
		event_free(io->timer);
	if (io->guard != NULL)
		event_free(io->guard);
	if (io->base != NULL)
		event_base_free(io->base);
	free(io);
	return (rv);
}

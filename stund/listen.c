/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's sockets: the 2x2 UDP set (per worker, SO_REUSEPORT), the TCP and
 * TLS listeners, the "listening on" lines, and the RFC 5780 start-up
 * self-test that must pass before OTHER-ADDRESS is advertised.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "common/log.h"
#include "common/sock.h"
#include "stund.h"

#define LISTEN_TRIES		16	/* port-0 retries */
#define SELFTEST_WAIT_MS	500
#define LISTEN_SNDBUF_MAX	(1024U * 1024)	/* bytes */

/* The last address that failed to bind, for the error message. */
static struct stun_addr	listen_failed;
static int		listen_failed_type;
/* The set the self-test probes: 0, or STUN_SRV_NSOCK (IPv6). */
static int		listen_base;

static const char *listen_sock_names[STUN_SRV_NSOCK] = {
	"(ip1,p1)", "(ip1,p2)", "(ip2,p1)", "(ip2,p2)"
};

/*
 * Larger UDP buffers, so a burst from many sources queues instead of being
 * dropped.  SO_RCVBUFFORCE passes rmem_max when we may (root); otherwise
 * the kernel caps SO_RCVBUF quietly.  0 keeps the system default.
 */
static void
listen_udp_buffers(int fd, unsigned bytes)
{
	int	 rcv, snd;

	if (bytes == 0)
		return;
	rcv = (int)bytes;
	/* Answers are no larger than requests and leave at once. */
	snd = (int)(bytes < LISTEN_SNDBUF_MAX ? bytes : LISTEN_SNDBUF_MAX);
#ifdef SO_RCVBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
	    sizeof(rcv)) == 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE,
	    &snd, sizeof(snd)) == 0)
		return;
#endif
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
}

static void
listen_close(int *fd, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		if (fd[i] != -1)
			close(fd[i]);
		fd[i] = -1;
	}
}

/* Bind a UDP set for one worker on the addresses in sd->bound. */
int
listen_udp(struct stund *sd, struct worker *w, int reuseport)
{
	int	 i;

	if (sd->conf->no_udp)
		return (0);
	for (i = 0; i < STUND_NSOCK; i++) {
		/* The sockets worker 0 has, at the same addresses. */
		if (sd->workers[0].fd[i] == -1)
			continue;
		w->fd[i] = sock_bind(&sd->bound[i], SOCK_DGRAM, reuseport);
		if (w->fd[i] == -1) {
			listen_close(w->fd, i);
			return (-1);
		}
		listen_udp_buffers(w->fd[i], sd->conf->udp_buffer);
	}
	return (0);
}

/* Binds fd to a; when a->port is 0 learns the port the kernel picked. */
static int
listen_one(struct stun_addr *a, int type, int reuseport, int *fd)
{
	struct stun_addr	 got;

	if ((*fd = sock_bind(a, type, reuseport)) == -1) {
		listen_failed = *a;
		listen_failed_type = type;
		return (-1);
	}
	if (sock_local(*fd, &got) == -1) {
		close(*fd);
		*fd = -1;
		return (-1);
	}
	a->port = got.port;
	return (0);
}

/*
 * The UDP and TCP sockets of one of the 2x2 addresses (those not turned
 * off); the first to bind learns the port when it is 0.
 */
static int
listen_pair(struct stund *sd, const struct conf *c, int i, int reuseport)
{
	struct stun_addr	*a = &sd->bound[i];

	if (!c->no_udp) {
		if (listen_one(a, SOCK_DGRAM, reuseport, &sd->workers[0].fd[i]))
			return (-1);
		listen_udp_buffers(sd->workers[0].fd[i], c->udp_buffer);
	}
	if (!c->no_tcp && listen_one(a, SOCK_STREAM, 0, &sd->tcp_fd[i]))
		return (-1);
	return (0);
}

/*
 * One 2x2 set from base (0, or 4 for the IPv6 set of a dual-stack
 * server): nsock sockets on ip1 and ip2.
 */
static int
listen_set(struct stund *sd, const struct conf *c, int base, int nsock,
    const struct stun_addr *ip1, const struct stun_addr *ip2, int reuseport)
{
	struct stun_addr	*l = sd->bound + base, tls;

	l[STUN_SRV_PP] = *ip1;
	l[STUN_SRV_PP].port = c->port;
	if (listen_pair(sd, c, base + STUN_SRV_PP, reuseport))
		return (-1);
	if (nsock == STUN_SRV_NSOCK) {
		l[STUN_SRV_PA] = *ip1;
		l[STUN_SRV_PA].port = c->alt_port;
		if (listen_pair(sd, c, base + STUN_SRV_PA, reuseport))
			return (-1);
		l[STUN_SRV_AP] = *ip2;
		l[STUN_SRV_AP].port = l[STUN_SRV_PP].port;
		l[STUN_SRV_AA] = *ip2;
		l[STUN_SRV_AA].port = l[STUN_SRV_PA].port;
		if (listen_pair(sd, c, base + STUN_SRV_AP, reuseport) ||
		    listen_pair(sd, c, base + STUN_SRV_AA, reuseport))
			return (-1);
	}
	if (!c->has_tls)
		return (0);
	/* TLS on each IP at the TLS port. */
	tls = l[STUN_SRV_PP];
	tls.port = c->tls_port;
	if (listen_one(&tls, SOCK_STREAM, 0,
	    &sd->tls_fd[base + STUN_SRV_PP]))
		return (-1);
	if (nsock == STUN_SRV_NSOCK) {
		tls.family = l[STUN_SRV_AP].family;
		memcpy(tls.ip, l[STUN_SRV_AP].ip, sizeof(tls.ip));
		if (listen_one(&tls, SOCK_STREAM, 0,
		    &sd->tls_fd[base + STUN_SRV_AP]))
			return (-1);
	}
	return (0);
}

static int
listen_try(struct stund *sd, const struct conf *c, int reuseport)
{
	if (listen_set(sd, c, 0, sd->nsock, &c->primary, &c->alternate,
	    reuseport) == -1)
		return (-1);
	if (sd->nsock6 == 0)
		return (0);
	return (listen_set(sd, c, STUN_SRV_NSOCK, sd->nsock6, &c->primary6,
	    &c->alternate6, reuseport));
}

static int
listen_attempt(struct stund *sd, char *err, size_t errlen)
{
	const struct conf	*c = sd->conf;
	char			 a[64];
	int			 tries, reuseport, saved, anyzero;

	reuseport = sd->nworkers > 1;
	anyzero = (c->port == 0 || c->alt_port == 0 ||
	    (c->has_tls && c->tls_port == 0));
	for (tries = 0; tries < LISTEN_TRIES; tries++) {
		if (listen_try(sd, c, reuseport) == 0)
			return (0);
		saved = errno;
		listen_close(sd->workers[0].fd, STUND_NSOCK);
		listen_close(sd->tcp_fd, STUND_NSOCK);
		listen_close(sd->tls_fd, STUND_NSOCK);
		errno = saved;
		/* A picked port may be busy on the other IP: pick again. */
		if (!anyzero || errno != EADDRINUSE)
			break;
	}
	saved = errno;
	if (stun_addr_format(&listen_failed, a, sizeof(a)) != 0)
		snprintf(a, sizeof(a), "?");
	snprintf(err, errlen, "cannot bind %s %s: %s",
	    listen_failed_type == SOCK_STREAM ? "tcp" : "udp", a,
	    strerror(saved));
	return (-1);
}

/*
 * What clients are told: the bound addresses, or behind 1:1 NAT the
 * public ones of external-ip and alt-external-ip, with the bound ports.
 * The Binding answers and the self-test use sd->srv.local; sockets are
 * bound and probed on sd->bound.
 */
static void
listen_advertise(struct stund *sd)
{
	const struct conf	*c = sd->conf;
	const struct conf_ext	*e;
	int			 i;

	for (i = 0; i < STUN_SRV_NSOCK; i++) {
		/* The IPv6 set advertises what it binds. */
		sd->srv6.local[i] = sd->bound[STUN_SRV_NSOCK + i];
		sd->srv.local[i] = sd->bound[i];
		e = (i & STUN_SRV_AP) ? &c->alt_ext : &c->ext;
		if (!e->set)
			continue;
		sd->srv.local[i].family = e->pub.family;
		memcpy(sd->srv.local[i].ip, e->pub.ip, sizeof(e->pub.ip));
	}
}

/* Is a an address clients on the Internet cannot reach? */
static int
listen_private(const struct stun_addr *a)
{
	int	 k = stun_addr_class(a);

	return (k == STUN_ADDR_PRIVATE || k == STUN_ADDR_CGNAT ||
	    k == STUN_ADDR_LINKLOCAL);
}

int
listen_adv_check(struct stund *sd, char *why, size_t whylen)
{
	const struct conf	*c = sd->conf;
	char			 a[64], b[64];

	why[0] = '\0';
	if (inet_ntop(sd->bound[STUN_SRV_PP].family == STUN_AF_INET ?
	    AF_INET : AF_INET6, sd->bound[STUN_SRV_PP].ip, a,
	    sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	if (!c->ext.set) {
		if (!listen_private(&sd->bound[STUN_SRV_PP]))
			return (0);
		snprintf(why, whylen, "primary %s is a private address and "
		    "no external-ip is given: clients elsewhere would be "
		    "told this address%s; behind 1:1 NAT give "
		    "external-ip PUBLIC/%s%s", a, c->has_alternate ?
		    " in OTHER-ADDRESS and RESPONSE-ORIGIN" : "",
		    a, c->has_alternate ? " and alt-external-ip" : "");
		return (-1);
	}
	if (inet_ntop(c->ext.pub.family == STUN_AF_INET ? AF_INET : AF_INET6,
	    c->ext.pub.ip, b, sizeof(b)) == NULL)
		snprintf(b, sizeof(b), "?");
	if (listen_private(&c->ext.pub) ||
	    stun_addr_class(&c->ext.pub) == STUN_ADDR_LOOPBACK) {
		snprintf(why, whylen, "external-ip %s is not a public "
		    "address", b);
		return (-1);
	}
	return (0);
}

/*
 * Binds every socket.  When the alternate address cannot be bound at all
 * (not on this host, say), stund still serves on the primary one; the
 * reason goes into sd->alt_why for the self-test line.
 */
int
listen_bind_all(struct stund *sd, char *err, size_t errlen)
{
	sd->alt_why[0] = '\0';
	sd->nsock = sd->conf->has_alternate ? STUN_SRV_NSOCK : 1;
	sd->nsock6 = !sd->conf->has_primary6 ? 0 :
	    sd->conf->has_alternate6 ? STUN_SRV_NSOCK : 1;
	if (listen_attempt(sd, err, errlen) == 0)
		goto out;
	if (sd->nsock == 1)
		return (-1);
	snprintf(sd->alt_why, sizeof(sd->alt_why), "%s", err);
	sd->nsock = 1;
	if (listen_attempt(sd, err, errlen) == -1)
		return (-1);
out:
	listen_advertise(sd);
	return (0);
}

static void
listen_line(const struct conf *c, const char *proto, const struct stun_addr *a)
{
	char	 s[64];

	if (stun_addr_format(a, s, sizeof(s)) != 0)
		snprintf(s, sizeof(s), "?");
	if (c->foreground)
		log_console("listening on %s %s", proto, s);
	else
		log_info("listening on %s %s", proto, s);
}

void
listen_print(struct stund *sd)
{
	struct stun_addr	 a;
	int			 i;

	for (i = 0; i < STUND_NSOCK; i++)
		if (sd->workers[0].fd[i] != -1)
			listen_line(sd->conf, "udp", &sd->bound[i]);
	for (i = 0; i < STUND_NSOCK; i++)
		if (sd->tcp_fd[i] != -1)
			listen_line(sd->conf, "tcp", &sd->bound[i]);
	for (i = 0; i < STUND_NSOCK; i++) {
		if (sd->tls_fd[i] == -1 || sock_local(sd->tls_fd[i], &a) == -1)
			continue;
		listen_line(sd->conf, "tls", &a);
	}
	fflush(stderr);
}

static int
listen_wait(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return (poll(&pfd, 1, SELFTEST_WAIT_MS) == 1);
}

/*
 * One exchange: the probe socket sends a request (with CHANGE-REQUEST
 * flags when change != 0) to socket `to'; the server code answers through
 * the real sockets; the answer must come from socket `from', carry the
 * probe's address, RESPONSE-ORIGIN = from and OTHER-ADDRESS = to ^ 3.
 */
static int
listen_exchange(struct stund *sd, const struct stun_server_conf *sc, int probe,
    int to, uint32_t change, int from, char *why, size_t whylen)
{
	struct worker		*w = &sd->workers[0];
	uint8_t			 req[64], buf[STUN_SRV_MIN_CAP];
	uint8_t			 ans[STUN_SRV_MIN_CAP];
	uint8_t			 tid[STUN_TID_LEN];
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct stun_server_in	 in;
	struct stun_server_out	 out;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct stun_addr	 me, src, got;
	ssize_t			 n;
	int			 len;

	if (RAND_bytes(tid, sizeof(tid)) != 1 || sock_local(probe, &me) == -1) {
		snprintf(why, whylen, "no random bytes or probe address");
		return (-1);
	}
	stun_build_init(&b, req, sizeof(req), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	if (change != 0)
		stun_build_u32(&b, STUN_ATTR_CHANGE_REQUEST, change);
	if ((len = stun_build_finish(&b)) < 0) {
		snprintf(why, whylen, "cannot build a request");
		return (-1);
	}
	sslen = sock_from_stun(&sd->bound[listen_base + to], &ss);
	if (sendto(probe, req, (size_t)len, 0, (struct sockaddr *)&ss,
	    sslen) != len) {
		snprintf(why, whylen, "cannot send to %s: %s",
		    listen_sock_names[to], strerror(errno));
		return (-1);
	}
	if (!listen_wait(w->fd[listen_base + to])) {
		snprintf(why, whylen, "socket %s got no request",
		    listen_sock_names[to]);
		return (-1);
	}
	sslen = sizeof(ss);
	n = recvfrom(w->fd[listen_base + to], buf, sizeof(buf), 0,
	    (struct sockaddr *)&ss, &sslen);
	memset(&m, 0, sizeof(m));
	if (n <= 0 || sock_to_stun((struct sockaddr *)&ss, &src) == -1 ||
	    stun_msg_decode(&m, buf, (size_t)n) != 0) {
		snprintf(why, whylen, "socket %s got a bad request",
		    listen_sock_names[to]);
		return (-1);
	}
	memset(&in, 0, sizeof(in));
	in.msg = &m;
	in.len = (size_t)n;
	in.sock = to;
	in.src = src;
	memset(&out, 0, sizeof(out));
	out.buf = ans;
	out.cap = sizeof(ans);
	if (stun_server_binding(sc, &in, &out) != STUN_SRV_SEND ||
	    out.cls != STUN_CLASS_SUCCESS) {
		snprintf(why, whylen, "no answer built on %s",
		    listen_sock_names[to]);
		return (-1);
	}
	sslen = sock_from_stun(&out.dst, &ss);
	if (sendto(w->fd[listen_base + out.sock], ans, out.len, 0,
	    (struct sockaddr *)&ss, sslen) != (ssize_t)out.len) {
		snprintf(why, whylen, "socket %s cannot send: %s",
		    listen_sock_names[out.sock], strerror(errno));
		return (-1);
	}
	if (!listen_wait(probe)) {
		snprintf(why, whylen, "no answer from %s",
		    listen_sock_names[from]);
		return (-1);
	}
	sslen = sizeof(ss);
	n = recvfrom(probe, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
	    &sslen);
	memset(&m, 0, sizeof(m));
	if (n <= 0 || sock_to_stun((struct sockaddr *)&ss, &src) == -1 ||
	    stun_msg_decode(&m, buf, (size_t)n) != 0 ||
	    memcmp(m.tid, tid, sizeof(tid)) != 0) {
		snprintf(why, whylen, "bad answer from %s",
		    listen_sock_names[from]);
		return (-1);
	}
	if (!stun_addr_equal(&src, &sd->bound[listen_base + from])) {
		snprintf(why, whylen, "answer for %s came from the wrong "
		    "address", listen_sock_names[from]);
		return (-1);
	}
	if (stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got) != 0 ||
	    !stun_addr_equal(&got, &me) ||
	    stun_msg_get_addr(&m, STUN_ATTR_RESPONSE_ORIGIN, &got) != 0 ||
	    !stun_addr_equal(&got, &sc->local[from]) ||
	    stun_msg_get_addr(&m, STUN_ATTR_OTHER_ADDRESS, &got) != 0 ||
	    !stun_addr_equal(&got, &sc->local[to ^ STUN_SRV_AA])) {
		snprintf(why, whylen, "wrong addresses in the answer from %s",
		    listen_sock_names[from]);
		return (-1);
	}
	return (0);
}

static int
listen_unspec(const struct stun_addr *a)
{
	static const uint8_t	 zero[16];

	return (memcmp(a->ip, zero, a->family == STUN_AF_INET ? 4 : 16) == 0);
}

/*
 * RFC 5780 6: OTHER-ADDRESS only when all four sockets work.  Each socket
 * answers a plain request sent to it, and (IP1,P1) is asked for every
 * change so each answer must come from the changed socket.  Returns 0 when
 * passed; -1 with the reason otherwise.
 */
int
listen_selftest(struct stund *sd, int base, char *why, size_t whylen)
{
	struct stun_server_conf	 sc;
	struct stun_addr	 pa;
	uint32_t		 flags;
	int			 probe, i, rv = -1;

	listen_base = base;
	if ((base != 0 ? sd->nsock6 : sd->nsock) != STUN_SRV_NSOCK) {
		snprintf(why, whylen, "no alternate address");
		return (-1);
	}
	if (listen_unspec(&sd->bound[base + STUN_SRV_PP]) ||
	    listen_unspec(&sd->bound[base + STUN_SRV_AP])) {
		snprintf(why, whylen, "a wildcard address cannot be "
		    "advertised");
		return (-1);
	}
	sc = base != 0 ? sd->srv6 : sd->srv;
	sc.two_addr = 1;
	sc.software = NULL;
	pa = sd->bound[base + STUN_SRV_PP];
	pa.port = 0;
	if ((probe = sock_bind(&pa, SOCK_DGRAM, 0)) == -1) {
		snprintf(why, whylen, "cannot bind a probe socket: %s",
		    strerror(errno));
		return (-1);
	}
	for (i = 0; i < STUN_SRV_NSOCK; i++)
		if (listen_exchange(sd, &sc, probe, i, 0, i, why, whylen))
			goto out;
	for (i = 1; i < STUN_SRV_NSOCK; i++) {
		flags = ((i & 2) ? STUN_CHANGE_IP : 0) |
		    ((i & 1) ? STUN_CHANGE_PORT : 0);
		if (listen_exchange(sd, &sc, probe, STUN_SRV_PP, flags, i,
		    why, whylen))
			goto out;
	}
	rv = 0;
out:
	close(probe);
	return (rv);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stunpoke: a test client for the stund integration tests.  It builds one
 * Binding request from its options (or sends raw bytes), sends it over UDP,
 * TCP or TLS, and prints every response as one line of key=value pairs so
 * shell tests can grep them.  Exit status: 0 when every request got an
 * answer, 1 on a timeout, 2 for usage, 3 for other errors.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/sock.h"
#include "libstun/stun.h"

#define POKE_MAX	65535
#define POKE_EXIT_TIMEOUT 1
#define POKE_EXIT_USAGE	2
#define POKE_EXIT_ERR	3

struct poke_opts {
	struct stun_addr server;
	struct stun_addr from;
	int		 have_from;
	int		 change;
	int		 response_port;	/* -1: none, 0: pick one */
	long		 padding;		/* -1: none */
	int		 fingerprint;
	int		 bad_fingerprint;
	int		 legacy;
	long		 unknown_attr;		/* -1: none */
	const char	*raw;
	int		 tcp;
	int		 tls;
	long		 count;
	long		 flood;
	int		 garbage;		/* flood random bytes */
	long		 timeout;		/* ms */
	long		 retries;
	long		 interval;		/* ms between requests */
	int		 shut_wr;		/* TCP: FIN after sending */
	int		 proxy;			/* PROXY v2 header first */
	struct stun_addr proxy_src;		/* ... naming this client */
};

struct poke_conn {
	int		 fd;		/* UDP socket, or the stream */
	int		 rpfd;		/* RESPONSE-PORT socket, -1 */
	SSL_CTX		*ctx;
	SSL		*ssl;
	struct stun_addr local;
	struct stun_addr rplocal;
	uint8_t		 rbuf[POKE_MAX * 2];
	size_t		 rlen;
};

static uint8_t	poke_zero[POKE_MAX];
static int	poke_quiet;		/* --quiet: summary line only */
static int	poke_hex;		/* --hex: dump each response */
static long	poke_slow;		/* --slow: ms between bytes */

/*
 * --proxy: a PROXY protocol v2 header as a load balancer sends it, before
 * anything else (TLS included), naming proxy_src as the client.
 */
static int
poke_proxy_header(const struct poke_opts *o, const struct poke_conn *c)
{
	static const uint8_t	 sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00,
				    0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	uint8_t			 h[16 + 36];
	size_t			 iplen, n;
	int			 v6 = o->proxy_src.family == STUN_AF_INET6;

	if (o->proxy_src.family != o->server.family) {
		fprintf(stderr, "stunpoke: --proxy: another family than "
		    "the server's\n");
		return (-1);
	}
	iplen = v6 ? 16 : 4;
	memcpy(h, sig, sizeof(sig));
	h[12] = 0x21;			/* version 2, PROXY */
	h[13] = v6 ? 0x21 : 0x11;	/* INET or INET6, STREAM */
	h[14] = 0;
	h[15] = (uint8_t)(2 * iplen + 4);
	memcpy(h + 16, o->proxy_src.ip, iplen);
	memcpy(h + 16 + iplen, o->server.ip, iplen);
	n = 16 + 2 * iplen;
	h[n++] = (uint8_t)(o->proxy_src.port >> 8);
	h[n++] = (uint8_t)o->proxy_src.port;
	h[n++] = (uint8_t)(o->server.port >> 8);
	h[n++] = (uint8_t)o->server.port;
	if (write(c->fd, h, n) != (ssize_t)n) {
		fprintf(stderr, "stunpoke: --proxy: %s\n", strerror(errno));
		return (-1);
	}
	return (0);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: stunpoke [--change-ip] [--change-port] "
	    "[--response-port N] [--padding N]\n"
	    "\t[--fingerprint] [--bad-fingerprint] [--legacy] "
	    "[--unknown-attr 0xNNNN]\n"
	    "\t[--raw HEXFILE|-] [--tcp] [--tls] [--count N] [--flood N]\n"
	    "\t[--garbage N] [--from ADDR] [--timeout MS] [--retries N] "
	    "[--quiet]\n"
	    "\t[--hex] [--slow MS] [--interval MS] [--shut-wr] "
	    "[--proxy ADDR:PORT] SERVER:PORT\n");
	exit(POKE_EXIT_USAGE);
}

static long
poke_num(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "stunpoke: %s: bad number\n", s);
		exit(POKE_EXIT_USAGE);
	}
	return (v);
}

static uint64_t
poke_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
poke_fmt(const struct stun_addr *a, char *out, size_t cap)
{
	if (stun_addr_format(a, out, cap) != 0)
		snprintf(out, cap, "?");
}

/* Read hex digits (whitespace ignored) from path or stdin. */
static int
poke_read_hex(const char *path, uint8_t *out, size_t cap, size_t *outlen)
{
	FILE	*f;
	int	 c, hi = -1, v, ret = -1;
	size_t	 n = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "stunpoke: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while ((c = fgetc(f)) != EOF) {
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else {
			fprintf(stderr, "stunpoke: %s: not hex\n", path);
			goto out;
		}
		if (hi == -1) {
			hi = v;
			continue;
		}
		if (n == cap) {
			fprintf(stderr, "stunpoke: %s: too long\n", path);
			goto out;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi != -1) {
		fprintf(stderr, "stunpoke: %s: odd number of digits\n", path);
		goto out;
	}
	*outlen = n;
	ret = 0;
out:
	if (f != stdin)
		fclose(f);
	return (ret);
}

/* Build the request; returns its length or -1. */
static int
poke_build(const struct poke_opts *o, uint8_t *buf, size_t cap,
    uint8_t tid[STUN_TID_LEN], uint32_t *cookie)
{
	struct stun_builder	 b;
	uint8_t			 unk[4] = { 0, 0, 0, 0 };
	int			 len;

	if (stun_tid_new(NULL, NULL, tid) != 0)
		return (-1);
	if (o->legacy) {
		/* RFC 3489: 128-bit id, the first 32 bits are no cookie. */
		if (stun_random(NULL, NULL, (uint8_t *)cookie,
		    sizeof(*cookie)) != 0)
			return (-1);
		if (*cookie == STUN_MAGIC_COOKIE)
			*cookie ^= 1;
		stun_build_init_legacy(&b, buf, cap, STUN_METHOD_BINDING,
		    STUN_CLASS_REQUEST, *cookie, tid);
	} else {
		*cookie = STUN_MAGIC_COOKIE;
		stun_build_init(&b, buf, cap, STUN_METHOD_BINDING,
		    STUN_CLASS_REQUEST, tid);
	}
	if (o->change != 0)
		stun_build_u32(&b, STUN_ATTR_CHANGE_REQUEST, o->change);
	if (o->response_port >= 0)
		stun_build_response_port(&b, (uint16_t)o->response_port);
	if (o->padding >= 0)
		stun_build_attr(&b, STUN_ATTR_PADDING, poke_zero,
		    (size_t)o->padding);
	if (o->unknown_attr >= 0)
		stun_build_attr(&b, (uint16_t)o->unknown_attr, unk,
		    sizeof(unk));
	if (o->fingerprint || o->bad_fingerprint)
		stun_build_fingerprint(&b);
	if ((len = stun_build_finish(&b)) < 0) {
		fprintf(stderr, "stunpoke: build: %s\n", stun_strerror(len));
		return (-1);
	}
	if (o->bad_fingerprint)
		buf[len - 1] ^= 0x01;
	return (len);
}

static void
poke_print_addr(const struct stun_msg *m, uint16_t type, const char *key)
{
	struct stun_addr	a;
	char			s[64];
	int			r;

	r = stun_msg_get_addr(m, type, &a);
	if (r == STUN_ERR_NOT_FOUND)
		return;
	if (r != 0) {
		printf(" %s=bad", key);
		return;
	}
	poke_fmt(&a, s, sizeof(s));
	printf(" %s=%s", key, s);
}

/*
 * Print one response line; req is the request (outlen bytes) when it has a
 * whole header, else NULL.  Returns 0 for a decodable STUN message, -1
 * otherwise (still printed).
 */
static int
poke_print(const uint8_t *buf, size_t len, const uint8_t *req, size_t outlen,
    const struct stun_addr *src, const struct stun_addr *local,
    const char *proto)
{
	struct stun_msg		 m;
	const struct stun_attr_ref *pad;
	const char		*reason;
	size_t			 rlen, n, i;
	uint16_t		 unk[STUN_MAX_UNKNOWN];
	int			 r, code;
	char			 s[64], l[64];

	poke_fmt(src, s, sizeof(s));
	poke_fmt(local, l, sizeof(l));
	r = stun_msg_decode(&m, buf, len);
	if (poke_quiet)
		return (r == 0 ? 0 : -1);
	if (r != 0) {
		printf("class=undecodable err=\"%s\" proto=%s from=%s local=%s"
		    " bytes_out=%zu bytes_in=%zu\n", stun_strerror(r), proto,
		    s, l, outlen, len);
		return (-1);
	}
	printf("class=%s method=%s", stun_class_name(m.cls),
	    stun_method_name(m.method));
	if (m.cls == STUN_CLASS_ERROR) {
		if ((r = stun_msg_get_error(&m, &code, &reason, &rlen)) == 0)
			printf(" code=%d", code);
		else
			printf(" code=bad");
	}
	if (stun_msg_get_unknown(&m, unk, STUN_MAX_UNKNOWN, &n) == 0) {
		printf(" unknown=");
		for (i = 0; i < n; i++)
			printf("%s0x%04X", i ? "," : "", unk[i]);
	}
	/* RFC 3489 10.1: the whole 128-bit id is echoed, cookie field too. */
	printf(" legacy=%d tid_ok=%d cookie_ok=%d proto=%s from=%s local=%s",
	    m.legacy, req != NULL && memcmp(m.tid, req + 8, STUN_TID_LEN) == 0,
	    req != NULL && memcmp(buf + 4, req + 4, 4) == 0, proto, s, l);
	poke_print_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, "xor_mapped");
	poke_print_addr(&m, STUN_ATTR_MAPPED_ADDRESS, "mapped");
	poke_print_addr(&m, STUN_ATTR_SOURCE_ADDRESS, "source");
	poke_print_addr(&m, STUN_ATTR_CHANGED_ADDRESS, "changed");
	poke_print_addr(&m, STUN_ATTR_RESPONSE_ORIGIN, "response_origin");
	poke_print_addr(&m, STUN_ATTR_OTHER_ADDRESS, "other");
	if ((pad = stun_msg_find(&m, STUN_ATTR_PADDING)) != NULL)
		printf(" padding=%u", pad->len);
	if (stun_msg_find(&m, STUN_ATTR_SOFTWARE) != NULL)
		printf(" software=1");
	r = stun_msg_check_fingerprint(&m);
	printf(" fingerprint=%s", r == 0 ? "ok" :
	    r == STUN_ERR_NOT_FOUND ? "none" : "bad");
	printf(" attrs=%u bytes_out=%zu bytes_in=%zu", m.nattrs, outlen, len);
	if (poke_hex) {
		printf(" hex=");
		for (i = 0; i < len; i++)
			printf("%02x", buf[i]);
	}
	printf("\n");
	return (0);
}

static int
poke_socket(int type, const struct stun_addr *at)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd, on = 1;

	sslen = sock_from_stun(at, &ss);
	if ((fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * The --from address, or the one the kernel would pick to reach the server
 * (so that local= in the output is exact), with port 0.
 */
static int
poke_local_addr(const struct poke_opts *o, struct stun_addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd, ret = -1;

	if (o->have_from) {
		*a = o->from;
		return (0);
	}
	sslen = sock_from_stun(&o->server, &ss);
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&ss, sslen) == 0 &&
	    sock_local(fd, a) == 0) {
		a->port = 0;
		ret = 0;
	}
	close(fd);
	return (ret);
}

static int
poke_open_udp(const struct poke_opts *o, struct poke_conn *c)
{
	struct stun_addr	a;
	int			sz = 4 * 1024 * 1024;

	if (poke_local_addr(o, &a) != 0 ||
	    (c->fd = poke_socket(SOCK_DGRAM, &a)) == -1) {
		fprintf(stderr, "stunpoke: bind: %s\n", strerror(errno));
		return (-1);
	}
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sock_local(c->fd, &c->local);
	if (o->response_port < 0)
		return (0);
	/* RFC 5780 7.5: the answer goes to our IP at RESPONSE-PORT. */
	a = c->local;
	a.port = (uint16_t)o->response_port;
	if ((c->rpfd = poke_socket(SOCK_DGRAM, &a)) == -1) {
		fprintf(stderr, "stunpoke: bind response port: %s\n",
		    strerror(errno));
		return (-1);
	}
	sock_local(c->rpfd, &c->rplocal);
	return (0);
}

static int
poke_open_stream(const struct poke_opts *o, struct poke_conn *c)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 a;
	struct timeval		 tv;
	socklen_t		 sslen;
	int			 on = 1;

	if (poke_local_addr(o, &a) != 0 ||
	    (c->fd = poke_socket(SOCK_STREAM, &a)) == -1) {
		fprintf(stderr, "stunpoke: socket: %s\n", strerror(errno));
		return (-1);
	}
	tv.tv_sec = o->timeout / 1000;
	tv.tv_usec = (o->timeout % 1000) * 1000;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	sslen = sock_from_stun(&o->server, &ss);
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) == -1) {
		fprintf(stderr, "stunpoke: connect: %s\n", strerror(errno));
		return (-1);
	}
	sock_local(c->fd, &c->local);
	if (o->proxy && poke_proxy_header(o, c) != 0)
		return (-1);
	if (!o->tls)
		return (0);
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		fprintf(stderr, "stunpoke: tls setup failed\n");
		return (-1);
	}
	/* Throwaway self-signed test certificates: no verification. */
	SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
	if (SSL_connect(c->ssl) != 1) {
		fprintf(stderr, "stunpoke: tls handshake failed: %s\n",
		    ERR_reason_error_string(ERR_get_error()));
		return (-1);
	}
	return (0);
}

static void
poke_close(struct poke_conn *c)
{
	if (c->ssl != NULL) {
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd != -1)
		close(c->fd);
	if (c->rpfd != -1)
		close(c->rpfd);
}

static int
poke_send_udp(const struct poke_opts *o, struct poke_conn *c,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;

	sslen = sock_from_stun(&o->server, &ss);
	if (sendto(c->fd, buf, len, 0, (struct sockaddr *)&ss, sslen) == -1) {
		fprintf(stderr, "stunpoke: sendto: %s\n", strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Wait up to ms for one datagram on either socket.  Returns its length,
 * 0 on timeout, -1 on error.
 */
static ssize_t
poke_recv_udp(struct poke_conn *c, long ms, uint8_t *buf, size_t cap,
    struct stun_addr *src, struct stun_addr *local)
{
	struct pollfd		 pfd[2];
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint64_t		 end;
	ssize_t			 n;
	int			 i, np, left;

	end = poke_now() + (uint64_t)ms;
	for (;;) {
		left = (int)(end > poke_now() ? end - poke_now() : 0);
		np = 0;
		pfd[np].fd = c->fd;
		pfd[np++].events = POLLIN;
		if (c->rpfd != -1) {
			pfd[np].fd = c->rpfd;
			pfd[np++].events = POLLIN;
		}
		if ((i = poll(pfd, np, left)) == -1 && errno != EINTR)
			return (-1);
		if (i == 0)
			return (0);
		for (i = 0; i < np; i++) {
			if ((pfd[i].revents & POLLIN) == 0)
				continue;
			sslen = sizeof(ss);
			n = recvfrom(pfd[i].fd, buf, cap, MSG_TRUNC,
			    (struct sockaddr *)&ss, &sslen);
			if (n == -1)
				continue;
			if ((size_t)n > cap)
				n = (ssize_t)cap;
			sock_to_stun((struct sockaddr *)&ss, src);
			*local = pfd[i].fd == c->fd ? c->local : c->rplocal;
			return (n);
		}
		if (left == 0)
			return (0);
	}
}

static int
poke_write_stream(struct poke_conn *c, const uint8_t *buf, size_t len)
{
	struct timespec	ts;
	size_t		off = 0;
	ssize_t		n;
	int		r;

	ts.tv_sec = poke_slow / 1000;
	ts.tv_nsec = (poke_slow % 1000) * 1000000;
	while (off < len) {
		if (c->ssl != NULL) {
			r = SSL_write(c->ssl, buf + off, (int)(len - off));
			n = r > 0 ? r : -1;
		} else if (poke_slow > 0) {
			/* A slow client: one byte at a time. */
			if (off > 0)
				nanosleep(&ts, NULL);
			n = write(c->fd, buf + off, 1);
		} else
			n = write(c->fd, buf + off, len - off);
		if (n <= 0) {
			fprintf(stderr, "stunpoke: write failed\n");
			return (-1);
		}
		off += (size_t)n;
	}
	return (0);
}

/*
 * Read one whole frame from the stream into c->rbuf.  Returns its length,
 * 0 on timeout or EOF, -1 on error.
 */
static ssize_t
poke_read_frame(struct poke_conn *c)
{
	ssize_t	n;
	int	kind, len, r;

	for (;;) {
		len = stun_frame_len(c->rbuf, c->rlen, POKE_MAX, &kind);
		if (len > 0 && (size_t)len <= c->rlen)
			return (len);
		if (len != STUN_ERR_NEED_MORE) {
			fprintf(stderr, "stunpoke: bad frame: %s\n",
			    stun_strerror(len));
			return (-1);
		}
		if (c->rlen == sizeof(c->rbuf))
			return (-1);
		if (c->ssl != NULL) {
			r = SSL_read(c->ssl, c->rbuf + c->rlen,
			    (int)(sizeof(c->rbuf) - c->rlen));
			n = r > 0 ? r : 0;
		} else
			n = read(c->fd, c->rbuf + c->rlen,
			    sizeof(c->rbuf) - c->rlen);
		if (n <= 0)
			return (0);
		c->rlen += (size_t)n;
	}
}

static void
poke_consume(struct poke_conn *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

/* One request over a stream: returns 0, or a POKE_EXIT_* value. */
static int
poke_stream_one(const struct poke_opts *o, struct poke_conn *c,
    const uint8_t *req, size_t len, const uint8_t *tid)
{
	const char	*proto = o->tls ? "tls" : "tcp";
	ssize_t		 n;
	int		 ret;

	if (poke_write_stream(c, req, len) != 0)
		return (POKE_EXIT_ERR);
	/* A half-closing client: FIN after the request, then read. */
	if (o->shut_wr && c->ssl == NULL && shutdown(c->fd, SHUT_WR) == -1)
		return (POKE_EXIT_ERR);
	if ((n = poke_read_frame(c)) == -1)
		return (POKE_EXIT_ERR);
	if (n == 0) {
		printf("timeout proto=%s bytes_out=%zu\n", proto, len);
		return (POKE_EXIT_TIMEOUT);
	}
	ret = poke_print(c->rbuf, (size_t)n, tid != NULL ? req : NULL, len,
	    &o->server, &c->local, proto) == 0 ? 0 : POKE_EXIT_ERR;
	poke_consume(c, (size_t)n);
	return (ret);
}

/* One request over UDP with retries: returns 0 or a POKE_EXIT_* value. */
static int
poke_udp_one(const struct poke_opts *o, struct poke_conn *c,
    const uint8_t *req, size_t len, const uint8_t *tid)
{
	static uint8_t		 buf[POKE_MAX];
	struct stun_addr	 src, local;
	struct stun_msg		 m;
	long			 try;
	ssize_t			 n;

	for (try = 0; try <= o->retries; try++) {
		if (poke_send_udp(o, c, req, len) != 0)
			return (POKE_EXIT_ERR);
		for (;;) {
			n = poke_recv_udp(c, o->timeout, buf, sizeof(buf),
			    &src, &local);
			if (n == -1)
				return (POKE_EXIT_ERR);
			if (n == 0)
				break;
			/* Skip late answers to earlier transactions. */
			if (tid != NULL &&
			    stun_msg_decode(&m, buf, (size_t)n) == 0 &&
			    memcmp(m.tid, tid, STUN_TID_LEN) != 0)
				continue;
			return (poke_print(buf, (size_t)n,
			    tid != NULL ? req : NULL, len, &src, &local,
			    "udp") == 0 ? 0 : POKE_EXIT_ERR);
		}
	}
	printf("timeout proto=udp bytes_out=%zu\n", len);
	return (POKE_EXIT_TIMEOUT);
}

/* Random bytes of a random length in 1..1500. */
static int
poke_garbage(uint8_t *buf, size_t cap)
{
	uint16_t	n;

	if (stun_random(NULL, NULL, (uint8_t *)&n, sizeof(n)) != 0)
		return (-1);
	n = n % 1500 + 1;
	if (n > cap || stun_random(NULL, NULL, buf, n) != 0)
		return (-1);
	return (n);
}

/*
 * Flood: send n requests (or random datagrams) back to back from one
 * socket, then count the answers until the timeout passes without one.
 */
static int
poke_flood(const struct poke_opts *o, struct poke_conn *c)
{
	static uint8_t		 req[POKE_MAX], buf[POKE_MAX];
	uint8_t			 tid[STUN_TID_LEN];
	struct stun_addr	 src, local;
	uint32_t		 cookie;
	uint64_t		 bin = 0, bout = 0;
	long			 i, got = 0;
	ssize_t			 n;
	int			 len;

	for (i = 0; i < o->flood; i++) {
		if (o->garbage)
			len = poke_garbage(req, sizeof(req));
		else
			len = poke_build(o, req, sizeof(req), tid, &cookie);
		if (len < 0)
			return (POKE_EXIT_ERR);
		bout += (uint64_t)len;
		if (poke_send_udp(o, c, req, (size_t)len) != 0)
			return (POKE_EXIT_ERR);
		while ((n = poke_recv_udp(c, 0, buf, sizeof(buf), &src,
		    &local)) > 0) {
			got++;
			bin += (uint64_t)n;
		}
	}
	while ((n = poke_recv_udp(c, o->timeout, buf, sizeof(buf), &src,
	    &local)) > 0) {
		got++;
		bin += (uint64_t)n;
	}
	printf("%s sent=%ld received=%ld bytes_out=%llu bytes_in=%llu\n",
	    o->garbage ? "garbage" : "flood", o->flood, got,
	    (unsigned long long)bout, (unsigned long long)bin);
	return (got > 0 ? 0 : POKE_EXIT_TIMEOUT);
}

static int
poke_run(struct poke_opts *o)
{
	static uint8_t		 req[POKE_MAX];
	static struct poke_conn	 c;
	struct timespec		 ts;
	uint8_t			 tid[STUN_TID_LEN];
	const uint8_t		*tidp;
	uint32_t		 cookie;
	size_t			 rawlen = 0;
	long			 i, sent = 0, answered = 0;
	int			 len, r, ret = 0;

	c.fd = c.rpfd = -1;
	if (o->raw != NULL &&
	    poke_read_hex(o->raw, req, sizeof(req), &rawlen) != 0)
		return (POKE_EXIT_ERR);
	if ((o->tcp ? poke_open_stream(o, &c) : poke_open_udp(o, &c)) != 0) {
		poke_close(&c);
		return (POKE_EXIT_ERR);
	}
	/* --response-port 0: ask for the port the kernel gave us. */
	if (c.rpfd != -1)
		o->response_port = c.rplocal.port;
	if (o->flood > 0) {
		ret = poke_flood(o, &c);
		poke_close(&c);
		return (ret);
	}
	for (i = 0; i < o->count; i++) {
		if (i > 0 && o->interval > 0) {
			ts.tv_sec = o->interval / 1000;
			ts.tv_nsec = (o->interval % 1000) * 1000000;
			nanosleep(&ts, NULL);
		}
		if (o->raw != NULL) {
			len = (int)rawlen;
			/* Match answers on the raw bytes' id, if any. */
			tidp = rawlen >= STUN_HDR_LEN ? req + 8 : NULL;
		} else {
			len = poke_build(o, req, sizeof(req), tid, &cookie);
			if (len < 0) {
				ret = POKE_EXIT_ERR;
				break;
			}
			tidp = tid;
		}
		sent++;
		if (o->tcp)
			r = poke_stream_one(o, &c, req, (size_t)len, tidp);
		else
			r = poke_udp_one(o, &c, req, (size_t)len, tidp);
		if (r == 0)
			answered++;
		if (r > ret)
			ret = r;
		if (r == POKE_EXIT_ERR || (o->tcp && r != 0))
			break;
	}
	if (o->count > 1)
		printf("summary sent=%ld answered=%ld\n", sent,
		    answered);
	fflush(stdout);
	poke_close(&c);
	return (ret);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "change-ip", no_argument, NULL, 'I' },
		{ "change-port", no_argument, NULL, 'P' },
		{ "response-port", required_argument, NULL, 'R' },
		{ "padding", required_argument, NULL, 'p' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "bad-fingerprint", no_argument, NULL, 'F' },
		{ "legacy", no_argument, NULL, 'l' },
		{ "unknown-attr", required_argument, NULL, 'u' },
		{ "raw", required_argument, NULL, 'r' },
		{ "tcp", no_argument, NULL, 't' },
		{ "tls", no_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'c' },
		{ "flood", required_argument, NULL, 'n' },
		{ "garbage", required_argument, NULL, 'g' },
		{ "from", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "retries", required_argument, NULL, 'x' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "hex", no_argument, NULL, 'h' },
		{ "slow", required_argument, NULL, 'S' },
		{ "interval", required_argument, NULL, 'i' },
		{ "shut-wr", no_argument, NULL, 'W' },
		{ "proxy", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 }
	};
	struct poke_opts	o;
	int			ch;

	memset(&o, 0, sizeof(o));
	o.response_port = -1;
	o.padding = -1;
	o.unknown_attr = -1;
	o.count = 1;
	o.timeout = 1000;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'I':
			o.change |= STUN_CHANGE_IP;
			break;
		case 'P':
			o.change |= STUN_CHANGE_PORT;
			break;
		case 'R':
			o.response_port = (int)poke_num(optarg, 0, 65535);
			break;
		case 'p':
			/* 20 + 4 + 65480: the largest IPv4 datagram. */
			o.padding = poke_num(optarg, 0, 65480);
			break;
		case 'f':
			o.fingerprint = 1;
			break;
		case 'F':
			o.bad_fingerprint = 1;
			break;
		case 'l':
			o.legacy = 1;
			break;
		case 'u':
			o.unknown_attr = poke_num(optarg, 0, 0xFFFF);
			break;
		case 'r':
			o.raw = optarg;
			break;
		case 'T':
			o.tls = 1;
			/* FALLTHROUGH */
		case 't':
			o.tcp = 1;
			break;
		case 'c':
			o.count = poke_num(optarg, 1, 100000);
			break;
		case 'n':
			o.flood = poke_num(optarg, 1, 10000000);
			break;
		case 'g':
			o.flood = poke_num(optarg, 1, 10000000);
			o.garbage = 1;
			break;
		case 'X':
			if (stun_addr_parse(optarg, 0, &o.proxy_src) != 0) {
				fprintf(stderr, "stunpoke: %s: bad address\n",
				    optarg);
				return (POKE_EXIT_USAGE);
			}
			o.proxy = 1;
			o.tcp = 1;
			break;
		case 's':
			if (stun_addr_parse(optarg, 0, &o.from) != 0) {
				fprintf(stderr, "stunpoke: %s: bad address\n",
				    optarg);
				return (POKE_EXIT_USAGE);
			}
			o.have_from = 1;
			break;
		case 'w':
			o.timeout = poke_num(optarg, 1, 600000);
			break;
		case 'x':
			o.retries = poke_num(optarg, 0, 100);
			break;
		case 'q':
			poke_quiet = 1;
			break;
		case 'h':
			poke_hex = 1;
			break;
		case 'S':
			poke_slow = poke_num(optarg, 0, 10000);
			break;
		case 'i':
			o.interval = poke_num(optarg, 0, 60000);
			break;
		case 'W':
			o.shut_wr = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (stun_addr_parse(argv[0], 3478, &o.server) != 0) {
		fprintf(stderr, "stunpoke: %s: bad address\n", argv[0]);
		return (POKE_EXIT_USAGE);
	}
	if (o.have_from && o.from.family != o.server.family) {
		fprintf(stderr, "stunpoke: --from and server differ in "
		    "family\n");
		return (POKE_EXIT_USAGE);
	}
	if (o.shut_wr && (!o.tcp || o.tls || o.count > 1)) {
		fprintf(stderr, "stunpoke: --shut-wr is for one request over "
		    "TCP\n");
		return (POKE_EXIT_USAGE);
	}
	if (o.tcp && (o.response_port >= 0 || o.flood > 0)) {
		fprintf(stderr, "stunpoke: --response-port and --flood are "
		    "UDP only\n");
		return (POKE_EXIT_USAGE);
	}
	return (poke_run(&o));
}

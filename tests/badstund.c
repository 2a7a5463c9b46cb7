/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * badstund: a small STUN server with one address for natprobe's tests,
 * conformant by default (RFC 8489 Binding over UDP and TCP, 420 with
 * UNKNOWN-ATTRIBUTES, RFC 5780 6's 420 to CHANGE-REQUEST, RESPONSE-PORT,
 * MAPPED-ADDRESS for RFC 3489 requests, requests with a bad FINGERPRINT
 * dropped), each option breaking one rule so that the lint's failures can
 * be proven; --silent drops all UDP, as a path that blocks it would.
 * It binds 127.0.0.1 port 0 (or -p) and prints "listening on PORT" on
 * stdout.  Loopback only; it stops after -t seconds.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libstun/stun.h"

struct bad {
	int		 ignore_change;	/* CHANGE-REQUEST: success from here */
	int		 accept_unknown; /* success despite unknown attributes */
	int		 no_unknown_list; /* 420 without UNKNOWN-ATTRIBUTES */
	int		 accept_bad_fp;	/* answer a bad FINGERPRINT */
	int		 no_xor;	/* MAPPED-ADDRESS only */
	int		 silent;	/* UDP: answer nothing */
	int		 no_tcp;	/* no TCP listener */
};

static void __attribute__((noreturn))
badstund_usage(void)
{
	fprintf(stderr, "usage: badstund [-p port] [-t seconds] "
	    "[--ignore-change] [--accept-unknown]\n\t[--no-unknown-list] "
	    "[--accept-bad-fp] [--no-xor] [--silent] [--no-tcp]\n");
	exit(2);
}

/* The answer to req from src, or 0 for none; RESPONSE-PORT in *to. */
static int
badstund_answer(const struct bad *o, const uint8_t *buf, size_t len,
    const struct stun_addr *src, struct stun_addr *to, uint8_t *out,
    size_t cap)
{
	struct stun_msg		 m;
	struct stun_builder	 b;
	uint16_t		 port, cr = STUN_ATTR_CHANGE_REQUEST;
	int			 n, rc;

	*to = *src;
	/* A wrong FINGERPRINT still leaves the whole message indexed. */
	rc = stun_msg_decode(&m, buf, len);
	if (rc == STUN_ERR_FINGERPRINT && o->accept_bad_fp)
		rc = 0;
	if (rc != 0 ||
	    m.cls != STUN_CLASS_REQUEST || m.method != STUN_METHOD_BINDING)
		return (0);
	if ((m.nunknown > 0 && !o->accept_unknown) || (!o->ignore_change &&
	    stun_msg_find(&m, STUN_ATTR_CHANGE_REQUEST) != NULL)) {
		stun_build_reply(&b, out, cap, &m, STUN_CLASS_ERROR);
		stun_build_error(&b, 420, NULL);
		if (!o->no_unknown_list)
			stun_build_unknown(&b, m.nunknown > 0 ? m.unknown :
			    &cr, m.nunknown > 0 ? m.nunknown : 1);
	} else {
		if (stun_msg_get_response_port(&m, &port) == 0)
			to->port = port;
		stun_build_reply(&b, out, cap, &m, STUN_CLASS_SUCCESS);
		if (m.legacy || o->no_xor)
			stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, src);
		else
			stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
	}
	if (m.fp >= 0)
		stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	return (n < 0 ? 0 : n);
}

static void
badstund_udp(const struct bad *o, int fd)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 src, to;
	uint8_t			 buf[2048], out[512];
	socklen_t		 sl = sizeof(ss);
	ssize_t			 n;
	int			 len;

	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
	if (n <= 0 || o->silent ||
	    stun_addr_from_sockaddr((struct sockaddr *)&ss, sl, &src) != 0)
		return;
	len = badstund_answer(o, buf, (size_t)n, &src, &to, out, sizeof(out));
	if (len <= 0 || (sl = (socklen_t)stun_addr_to_sockaddr(&to,
	    &ss)) == 0)
		return;
	sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&ss, sl);
}

/* One request per connection, read within a second, then close. */
static void
badstund_tcp(const struct bad *o, int lfd)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 src, to;
	struct pollfd		 pfd;
	uint8_t			 buf[2048], out[512];
	socklen_t		 sl = sizeof(ss);
	size_t			 got = 0;
	ssize_t			 n;
	int			 fd, len, kind;

	if ((fd = accept(lfd, (struct sockaddr *)&ss, &sl)) == -1)
		return;
	if (stun_addr_from_sockaddr((struct sockaddr *)&ss, sl, &src) != 0)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < sizeof(buf) && poll(&pfd, 1, 1000) == 1) {
		if ((n = read(fd, buf + got, sizeof(buf) - got)) <= 0)
			goto out;
		got += (size_t)n;
		len = stun_frame_len(buf, got, sizeof(buf), &kind);
		if (len == STUN_ERR_NEED_MORE)
			continue;
		if (len < 0 || kind != STUN_FRAME_STUN)
			goto out;
		len = badstund_answer(o, buf, (size_t)len, &src, &to, out,
		    sizeof(out));
		if (len > 0 && write(fd, out, (size_t)len) != len)
			goto out;
		break;
	}
out:
	close(fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ignore-change",	no_argument,	NULL, 'c' },
		{ "accept-unknown",	no_argument,	NULL, 'u' },
		{ "no-unknown-list",	no_argument,	NULL, 'l' },
		{ "accept-bad-fp",	no_argument,	NULL, 'f' },
		{ "no-xor",		no_argument,	NULL, 'x' },
		{ "silent",		no_argument,	NULL, 's' },
		{ "no-tcp",		no_argument,	NULL, 'n' },
		{ NULL,			0,		NULL, 0 }
	};
	struct bad		 o;
	struct stun_addr	 a;
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd[2];
	socklen_t		 sl;
	time_t			 end;
	long			 secs = 60, port = 0;
	int			 ch, on = 1, nfd = 1;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "p:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 't':
			secs = strtol(optarg, NULL, 10);
			break;
		case 'c':
			o.ignore_change = 1;
			break;
		case 'u':
			o.accept_unknown = 1;
			break;
		case 'l':
			o.no_unknown_list = 1;
			break;
		case 'f':
			o.accept_bad_fp = 1;
			break;
		case 'x':
			o.no_xor = 1;
			break;
		case 's':
			o.silent = 1;
			break;
		case 'n':
			o.no_tcp = 1;
			break;
		default:
			badstund_usage();
		}
	}
	if (optind != argc || port < 0 || port > 65535 || secs < 1 ||
	    secs > 600)
		badstund_usage();
	if (stun_addr_parse("127.0.0.1", (uint16_t)port, &a) != 0)
		return (1);
	sl = (socklen_t)stun_addr_to_sockaddr(&a, &ss);
	pfd[0].fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (pfd[0].fd == -1 || bind(pfd[0].fd, (struct sockaddr *)&ss,
	    sl) == -1) {
		perror("badstund: udp");
		return (1);
	}
	sl = sizeof(ss);
	if (getsockname(pfd[0].fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    stun_addr_from_sockaddr((struct sockaddr *)&ss, sl, &a) != 0)
		return (1);
	if (!o.no_tcp) {
		sl = (socklen_t)stun_addr_to_sockaddr(&a, &ss);
		pfd[1].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (pfd[1].fd == -1 || setsockopt(pfd[1].fd, SOL_SOCKET,
		    SO_REUSEADDR, &on, sizeof(on)) == -1 ||
		    bind(pfd[1].fd, (struct sockaddr *)&ss, sl) == -1 ||
		    listen(pfd[1].fd, 16) == -1) {
			perror("badstund: tcp");
			return (1);
		}
		nfd = 2;
	}
	printf("listening on %u\n", a.port);
	fflush(stdout);
	pfd[0].events = pfd[1].events = POLLIN;
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		if (poll(pfd, (nfds_t)nfd, 200) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			badstund_udp(&o, pfd[0].fd);
		if (nfd == 2 && (pfd[1].revents & POLLIN))
			badstund_tcp(&o, pfd[1].fd);
	}
	return (0);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The benchmark's ceiling: a bare UDP server that answers every Binding
 * request with the smallest valid success (XOR-MAPPED-ADDRESS only), using
 * recvmmsg/sendmmsg, poll(2) without a timeout when idle (no timer to arm)
 * and no other work.  With -r it reflects every
 * datagram unchanged instead (the peer behind a TURN relay).  Loopback
 * addresses only, or documentation addresses inside a network namespace
 * the benchmark made; it stops on SIGTERM/SIGINT or after its lifetime.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libstun/stun.h>

#include "common/sock.h"
#include "benchlib.h"

#define ECHO_BATCH	64
#define ECHO_BUFSZ	2048
#define ECHO_MAXWORKERS	(64)
#define ECHO_RESPSZ	(STUN_HDR_LEN + 4 + 20)	/* + XOR-MAPPED v6 */

struct echo_worker {
	pthread_t		 thread;
	int			 stopfd;	/* readable once stopping */
	int			 reflect;
	int			 fd;
	uint64_t		 answered;
	uint64_t		 ignored;
	uint8_t			 in[ECHO_BATCH][ECHO_BUFSZ];
	uint8_t			 out[ECHO_BATCH][ECHO_RESPSZ];
	struct iovec		 riov[ECHO_BATCH];
};

static int	echo_stop;

static long long
echo_number(const char *s, long long min, long long max)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return (-1);
	return (v);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: echo [-r] [-b rcvbuf] [-l addr:port] "
	    "[-t seconds] [-w workers]\n");
	exit(2);
}

/*
 * Answer one datagram into out; returns the reply length or 0 when the
 * datagram is not a magic-cookie Binding request.
 */
static size_t
echo_answer(const uint8_t *in, size_t len, const struct sockaddr *from,
    uint8_t *out, size_t cap)
{
	struct stun_builder	 b;
	struct stun_addr	 src;
	uint32_t		 cookie;
	int			 n;

	if (len < STUN_HDR_LEN || !stun_msg_is_stun(in, len))
		return (0);
	if (((uint16_t)in[0] << 8 | in[1]) !=
	    stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST))
		return (0);
	cookie = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 |
	    (uint32_t)in[6] << 8 | in[7];
	if (cookie != STUN_MAGIC_COOKIE || sock_to_stun(from, &src) != 0)
		return (0);
	stun_build_init(&b, out, cap, STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, in + 8);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &src);
	if ((n = stun_build_finish(&b)) < 0)
		return (0);
	return ((size_t)n);
}

static void *
echo_run(void *arg)
{
	struct echo_worker	*w = arg;
	struct sockaddr_storage	 from[ECHO_BATCH];
	struct iovec		 iov[ECHO_BATCH], oiov[ECHO_BATCH];
	struct mmsghdr		 msg[ECHO_BATCH], omsg[ECHO_BATCH];
	struct pollfd		 pfd[2];
	size_t			 rlen;
	int			 i, n, nout, sent;

	while (!__atomic_load_n(&echo_stop, __ATOMIC_RELAXED)) {
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < ECHO_BATCH; i++) {
			iov[i].iov_base = w->in[i];
			iov[i].iov_len = sizeof(w->in[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(w->fd, msg, ECHO_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			/* Idle: sleep until a datagram or the stop byte. */
			pfd[0].fd = w->fd;
			pfd[0].events = POLLIN;
			pfd[1].fd = w->stopfd;
			pfd[1].events = POLLIN;
			(void)poll(pfd, 2, -1);
			continue;
		}
		memset(omsg, 0, sizeof(omsg));
		nout = 0;
		for (i = 0; i < n && w->reflect; i++) {
			w->riov[i].iov_base = w->in[i];
			w->riov[i].iov_len = msg[i].msg_len;
			omsg[i].msg_hdr.msg_iov = &w->riov[i];
			omsg[i].msg_hdr.msg_iovlen = 1;
			omsg[i].msg_hdr.msg_name = &from[i];
			omsg[i].msg_hdr.msg_namelen =
			    msg[i].msg_hdr.msg_namelen;
			nout++;
		}
		for (i = 0; i < n && !w->reflect; i++) {
			rlen = echo_answer(w->in[i], msg[i].msg_len,
			    (struct sockaddr *)&from[i], w->out[nout],
			    sizeof(w->out[nout]));
			if (rlen == 0) {
				w->ignored++;
				continue;
			}
			oiov[nout].iov_base = w->out[nout];
			oiov[nout].iov_len = rlen;
			omsg[nout].msg_hdr.msg_iov = &oiov[nout];
			omsg[nout].msg_hdr.msg_iovlen = 1;
			omsg[nout].msg_hdr.msg_name = &from[i];
			omsg[nout].msg_hdr.msg_namelen =
			    msg[i].msg_hdr.msg_namelen;
			nout++;
		}
		/* A full socket buffer drops the rest, as a server would. */
		sent = nout > 0 ? sendmmsg(w->fd, omsg, nout, 0) : 0;
		if (sent > 0)
			w->answered += sent;
	}
	return (NULL);
}

int
main(int argc, char **argv)
{
	struct echo_worker	*workers;
	struct stun_addr	 addr, bound;
	struct timespec		 life;
	sigset_t		 set;
	siginfo_t		 si;
	char			 text[64];
	long long		 lifetime = 3600;
	uint64_t		 answered = 0, ignored = 0;
	int			 ch, i, nworkers = 1, bufsz;
	long long		 rcvbuf = 4 << 20;
	int			 reflect = 0, stop[2];

	if (stun_addr_parse("127.0.0.1:0", 0, &addr) != 0)
		return (1);
	while ((ch = getopt(argc, argv, "b:l:rt:w:")) != -1) {
		switch (ch) {
		case 'b':
			/* 0: the system's default receive buffer. */
			if ((rcvbuf = echo_number(optarg, 0, 64 << 20)) == -1)
				usage();
			break;
		case 'l':
			if (stun_addr_parse(optarg, 0, &addr) != 0) {
				fprintf(stderr, "echo: %s: bad address\n",
				    optarg);
				return (2);
			}
			break;
		case 'r':
			reflect = 1;
			break;
		case 't':
			if ((lifetime = echo_number(optarg, 1, 86400)) == -1)
				usage();
			break;
		case 'w':
			nworkers = echo_number(optarg, 1, ECHO_MAXWORKERS);
			if (nworkers == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!bench_lab_addr(&addr)) {
		fprintf(stderr, "echo: refusing a non-loopback, "
		    "non-documentation address\n");
		return (2);
	}

	/* Block the stop signals everywhere; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (pipe2(stop, O_CLOEXEC) == -1 ||
	    (workers = calloc(nworkers, sizeof(*workers))) == NULL) {
		fprintf(stderr, "echo: out of memory\n");
		return (1);
	}
	for (i = 0; i < nworkers; i++) {
		workers[i].reflect = reflect;
		if ((workers[i].fd = sock_bind(&addr, SOCK_DGRAM, 1)) == -1) {
			fprintf(stderr, "echo: bind: %s\n", strerror(errno));
			return (1);
		}
		workers[i].stopfd = stop[0];
		bufsz = (int)rcvbuf;
		if (bufsz > 0)
			setsockopt(workers[i].fd, SOL_SOCKET, SO_RCVBUF,
			    &bufsz, sizeof(bufsz));
		if (i == 0) {
			if (sock_local(workers[0].fd, &bound) != 0)
				return (1);
			addr.port = bound.port;
		}
	}
	stun_addr_format(&bound, text, sizeof(text));
	fprintf(stderr, "echo: listening on %s\n", text);
	for (i = 0; i < nworkers; i++) {
		if (pthread_create(&workers[i].thread, NULL, echo_run,
		    &workers[i]) != 0) {
			fprintf(stderr, "echo: pthread_create failed\n");
			return (1);
		}
	}

	life.tv_sec = lifetime;
	life.tv_nsec = 0;
	/* Other signals may interrupt the wait; a few retries suffice. */
	for (i = 0; i < 100; i++) {
		if (sigtimedwait(&set, &si, &life) != -1 || errno != EINTR)
			break;
	}
	__atomic_store_n(&echo_stop, 1, __ATOMIC_RELAXED);
	if (write(stop[1], "x", 1) != 1)
		fprintf(stderr, "echo: cannot wake the workers\n");
	for (i = 0; i < nworkers; i++) {
		pthread_join(workers[i].thread, NULL);
		answered += workers[i].answered;
		ignored += workers[i].ignored;
		close(workers[i].fd);
	}
	free(workers);
	fprintf(stderr, "echo: answered %llu ignored %llu\n",
	    (unsigned long long)answered, (unsigned long long)ignored);
	return (0);
}

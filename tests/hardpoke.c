/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * hardpoke: runs one side of libstun's hard-NAT machine with real sockets,
 * for the NAT lab.  It learns its mapping from a STUN server, writes it to
 * a file, reads the peer's from another, then sends the machine's probes
 * (4 bytes each) and reports on one line whether a probe got through (a
 * datagram from the peer's address on any of its sockets), how many it
 * sent and how long it took.  Exit status: 0 when it ran, 1 on errors, 2
 * for usage.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/sock.h"
#include "libstun/stun.h"
#include "libstun/hardnat.h"

#define HP_SOCKS	(1 + STUN_HARDNAT_MAX_SOCKS)
#define HP_LINGER	500	/* ms to answer after the machine is done */

struct hp {
	int		 fd[HP_SOCKS];
	unsigned	 n;
	struct stun_addr server, mapped, peer;
	struct stun_hardnat h;
	int		 got;		/* something came from the peer */
	unsigned	 got_sock;
	uint64_t	 got_at;
	unsigned	 answers;
};

static void
usage(void)
{
	fprintf(stderr, "usage: hardpoke --server ADDR --self M,F,P,D "
	    "--peer M,F,P,D --out FILE --in FILE [--reserve]\n");
	exit(2);
}

static int
hp_ess(const char *s, struct stun_hardnat_ess *e)
{
	int	m, f, p, d;

	memset(e, 0, sizeof(*e));
	if (sscanf(s, "%d,%d,%d,%d", &m, &f, &p, &d) != 4 || m < 0 ||
	    m > STUN_NAT_DEP || f < 0 || f > STUN_NAT_DEP || p < 0 ||
	    p > STUN_NAT_PAT_RANDOM || d < -STUN_HARDNAT_DELTA_MAX ||
	    d > STUN_HARDNAT_DELTA_MAX)
		return (-1);
	e->mapping = (uint8_t)m;
	e->filtering = (uint8_t)f;
	e->pattern = (uint8_t)p;
	e->delta = (int8_t)d;
	return (0);
}

static void
hp_send(int fd, const struct stun_addr *to, char kind)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 b[4] = { 'H', 'P', 'K', kind };

	sl = sock_from_stun(to, &ss);
	(void)sendto(fd, b, sizeof(b), 0, (struct sockaddr *)&ss, sl);
}

/* Our mapping, from a Binding request on socket 0 (a few tries). */
static int
hp_mapped(struct hp *hp)
{
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct pollfd		 pfd;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	uint8_t			 req[64], tid[STUN_TID_LEN], buf[1500];
	ssize_t			 n;
	int			 len, i;

	if (stun_tid_new(NULL, NULL, tid) != 0)
		return (-1);
	stun_build_init(&b, req, sizeof(req), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_fingerprint(&b);
	if ((len = stun_build_finish(&b)) < 0)
		return (-1);
	for (i = 0; i < 10; i++) {
		sl = sock_from_stun(&hp->server, &ss);
		(void)sendto(hp->fd[0], req, (size_t)len, 0,
		    (struct sockaddr *)&ss, sl);
		pfd.fd = hp->fd[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(hp->fd[0], buf, sizeof(buf), 0);
		if (n > 0 && stun_msg_decode(&m, buf, (size_t)n) == 0 &&
		    memcmp(m.tid, tid, STUN_TID_LEN) == 0 &&
		    stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS,
		    &hp->mapped) == 0)
			return (0);
	}
	return (-1);
}

/* Write ours, then wait (10 s at most) for the peer's: "ADDR PORT". */
static int
hp_swap(struct hp *hp, const char *out, const char *in, uint16_t reserved,
    uint16_t *peer_reserved)
{
	char		 a[80], tmp[512];
	FILE		*f;
	unsigned	 port, i;

	if (stun_addr_format(&hp->mapped, a, sizeof(a)) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return (-1);
	fprintf(f, "%s %u\n", a, reserved);
	if (fclose(f) != 0 || rename(tmp, out) != 0)
		return (-1);
	for (i = 0; i < 500; i++) {
		if ((f = fopen(in, "r")) != NULL) {
			if (fscanf(f, "%79s %u", a, &port) == 2 &&
			    port <= 65535 &&
			    stun_addr_parse(a, 0, &hp->peer) == 0) {
				fclose(f);
				*peer_reserved = (uint16_t)port;
				return (0);
			}
			fclose(f);
		}
		usleep(20000);
	}
	return (-1);
}

/* A datagram on socket i. */
static void
hp_input(struct hp *hp, unsigned i, uint64_t now)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	socklen_t		 sl;
	uint8_t			 b[64];
	ssize_t			 n;
	unsigned		 k;

	for (k = 0; k < 64; k++) {
		sl = sizeof(ss);
		n = recvfrom(hp->fd[i], b, sizeof(b), 0,
		    (struct sockaddr *)&ss, &sl);
		if (n == -1)
			return;
		if (n != 4 || memcmp(b, "HPK", 3) != 0 ||
		    sock_to_stun((struct sockaddr *)&ss, &from) != 0 ||
		    from.family != hp->peer.family ||
		    memcmp(from.ip, hp->peer.ip, 4) != 0)
			continue;
		if (!hp->got) {
			hp->got = 1;
			hp->got_sock = i;
			hp->got_at = now;
			(void)stun_hardnat_found(&hp->h, i, &from, now);
		}
		/* Answer each probe a few times: the other side finds too. */
		if (b[3] == 'p' && hp->answers < 16) {
			hp_send(hp->fd[i], &from, 'a');
			hp->answers++;
		}
	}
}

int
main(int argc, char *argv[])
{
	static const struct option	 lo[] = {
		{ "server", required_argument, NULL, 's' },
		{ "self", required_argument, NULL, 'm' },
		{ "peer", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "in", required_argument, NULL, 'i' },
		{ "reserve", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	static struct hp		 hp;
	static struct pollfd		 pfd[HP_SOCKS];
	struct stun_hardnat_config	 c;
	struct stun_hardnat_action	 a;
	struct stun_addr		 any, loc;
	const char			*out = NULL, *in = NULL;
	uint64_t			 now, t0, end = 0;
	uint16_t			 reserved = 0, peer_res = 0;
	unsigned			 i, want;
	int				 ch, reserve = 0, to;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (stun_addr_parse(optarg, 3478, &hp.server) != 0)
				usage();
			break;
		case 'm':
			if (hp_ess(optarg, &c.self) != 0)
				usage();
			break;
		case 'p':
			if (hp_ess(optarg, &c.peer) != 0)
				usage();
			break;
		case 'o':
			out = optarg;
			break;
		case 'i':
			in = optarg;
			break;
		case 'r':
			reserve = 1;
			break;
		default:
			usage();
		}
	}
	if (hp.server.family == 0 || out == NULL || in == NULL)
		usage();
	memset(&any, 0, sizeof(any));
	any.family = hp.server.family;
	if ((hp.fd[0] = sock_bind(&any, SOCK_DGRAM, 0)) == -1) {
		fprintf(stderr, "hardpoke: socket: %s\n", strerror(errno));
		return (1);
	}
	hp.n = 1;
	/* A port-preserving hard side keeps a socket unused for the punch. */
	if (reserve) {
		if ((hp.fd[1] = sock_bind(&any, SOCK_DGRAM, 0)) == -1 ||
		    sock_local(hp.fd[1], &loc) == -1) {
			fprintf(stderr, "hardpoke: socket: %s\n",
			    strerror(errno));
			return (1);
		}
		reserved = loc.port;
		c.self.port = reserved;
		hp.n = 2;
	}
	if (hp_mapped(&hp) != 0) {
		fprintf(stderr, "hardpoke: no mapping from the server\n");
		return (1);
	}
	if (hp_swap(&hp, out, in, reserved, &peer_res) != 0) {
		fprintf(stderr, "hardpoke: no address from the peer\n");
		return (1);
	}
	c.peer.port = c.peer.pattern == STUN_NAT_PAT_PRESERVE ? peer_res : 0;
	c.peer_addr = hp.peer;
	if (stun_hardnat_init(&hp.h, &c) != 0) {
		fprintf(stderr, "hardpoke: bad plan\n");
		return (1);
	}
	/* The birthday's many sockets (the reserved one is socket 1). */
	want = hp.h.p.nsocks;
	while (hp.n < 1 + want && hp.n < HP_SOCKS) {
		if ((hp.fd[hp.n] = sock_bind(&any, SOCK_DGRAM, 0)) == -1)
			break;
		hp.n++;
	}
	t0 = now = clock_ms();
	if (stun_hardnat_start(&hp.h, hp.n - 1, now) != 0) {
		fprintf(stderr, "hardpoke: cannot start\n");
		return (1);
	}
	for (;;) {
		now = clock_ms();
		to = 50;
		for (;;) {
			stun_hardnat_next(&hp.h, now, &a);
			if (a.kind != STUN_HARDNAT_A_SEND)
				break;
			if (a.sock < hp.n)
				hp_send(hp.fd[a.sock], &a.to, 'p');
		}
		if (a.kind == STUN_HARDNAT_A_DONE) {
			if (end == 0)
				end = now + HP_LINGER;
			if (now >= end)
				break;
		} else if (a.wake > now && a.wake - now < 50)
			to = (int)(a.wake - now);
		for (i = 0; i < hp.n; i++) {
			pfd[i].fd = hp.fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, hp.n, to) > 0)
			for (i = 0; i < hp.n; i++)
				if (pfd[i].revents & POLLIN)
					hp_input(&hp, i, clock_ms());
	}
	printf("plan=%s role=%s found=%d probes=%u socks=%u ms=%llu sock=%u\n",
	    stun_hardnat_plan_name(hp.h.p.kind),
	    hp.h.p.role == STUN_HARDNAT_HARD ? "hard" :
	    hp.h.p.role == STUN_HARDNAT_EASY ? "easy" : "-", hp.got,
	    hp.h.probes, hp.n - 1,
	    (unsigned long long)(hp.got ? hp.got_at - t0 : 0), hp.got_sock);
	for (i = 0; i < hp.n; i++)
		close(hp.fd[i]);
	return (0);
}

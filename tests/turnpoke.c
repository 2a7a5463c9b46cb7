/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * turnpoke: a test client that drives libstun's TURN machine over one UDP
 * socket with poll().  It allocates, creates a permission for the peer,
 * sends N datagrams through it (Send indications), binds a channel, sends
 * N more (ChannelData), counts the echoes of each phase and deallocates.
 * One line per event on stdout; with -v also one "wire" line per STUN
 * message sent or received (method, class, code, length, transaction id),
 * from which the amplification test reads the size of every answer.  Exit
 * status: 0 when every datagram of both phases came back, 1 otherwise, 2
 * for usage, 3 for other errors.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sock.h"
#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/turn.h"

#define POKE_MAX_COUNT	10000
#define POKE_WINDOW	16	/* datagrams in flight */
#define POKE_RESEND_MS	300	/* resend what did not come back */
#define POKE_PAYLOAD	64

enum poke_phase {
	PHASE_ALLOC, PHASE_PERM, PHASE_CHAN_WAIT, PHASE_CHAN, PHASE_CLOSE,
	PHASE_DONE
};

struct poke {
	int		 fd;
	struct stun_turn t;
	struct stun_addr peer;
	long		 count;
	enum poke_phase	 phase;
	long		 next;		/* next sequence number to send */
	long		 echoes;
	long		 sent;
	uint8_t		*seen;		/* echoes by sequence number */
	uint64_t	 last_progress;
	long		 perm_echoes, chan_echoes;
	int		 failed;
};

static uint64_t
poke_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
usage(void)
{
	fprintf(stderr, "usage: turnpoke -s server:port -u user -w password "
	    "[-f 4|6] [-p peer:port] [-n count] [-t timeout-ms] "
	    "[-b addr] [-v]\n");
	exit(2);
}

static const char *
poke_fmt(const struct stun_addr *a)
{
	static char	buf[64];

	if (stun_addr_format(a, buf, sizeof(buf)) != 0)
		strcpy(buf, "?");
	return (buf);
}

/* "code=401" when the server refused, else the local reason. */
static const char *
poke_why(const struct stun_turn_action *a)
{
	static char	buf[96];

	if (a->code != 0)
		snprintf(buf, sizeof(buf), "code=%d", a->code);
	else
		snprintf(buf, sizeof(buf), "err=\"%s\"", stun_strerror(a->err));
	return (buf);
}

static int	poke_wire;	/* -v */

/* -v: one line for a STUN message (not ChannelData) on the wire. */
static void
poke_wire_log(const char *dir, const uint8_t *buf, size_t len)
{
	struct stun_msg	 m;
	const char	*reason;
	size_t		 rlen, i;
	int		 code = 0;

	if (!poke_wire || stun_msg_decode(&m, buf, len) != 0)
		return;
	if (m.cls == STUN_CLASS_ERROR)
		(void)stun_msg_get_error(&m, &code, &reason, &rlen);
	printf("wire dir=%s method=%s class=%s code=%d len=%zu tid=", dir,
	    stun_method_name(m.method), stun_class_name(m.cls), code, len);
	for (i = 0; i < STUN_TID_LEN; i++)
		printf("%02x", m.tid[i]);
	printf("\n");
}

static void
poke_send(struct poke *p, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;

	poke_wire_log("out", buf, len);
	sslen = sock_from_stun(&p->t.c.server, &ss);
	if (sendto(p->fd, buf, len, 0, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
		fprintf(stderr, "turnpoke: sendto: %s\n", strerror(errno));
}

/* Send datagram seq of this phase to the peer through the relay. */
static void
poke_data(struct poke *p, long seq)
{
	uint8_t	payload[POKE_PAYLOAD], out[POKE_PAYLOAD + 64];
	int	n;

	memset(payload, 0, sizeof(payload));
	n = snprintf((char *)payload, sizeof(payload), "%c%ld",
	    p->phase == PHASE_PERM ? 'P' : 'C', seq);
	n = stun_turn_wrap(&p->t, &p->peer, payload, (size_t)n, out,
	    sizeof(out));
	if (n < 0) {
		printf("wrap-failed err=%s\n", stun_strerror(n));
		p->failed = 1;
		return;
	}
	poke_send(p, out, (size_t)n);
	p->sent++;
}

static void
poke_phase_start(struct poke *p, enum poke_phase ph, uint64_t now)
{
	p->phase = ph;
	p->next = 0;
	p->echoes = 0;
	memset(p->seen, 0, (size_t)p->count);
	p->last_progress = now;
}

/* Keep POKE_WINDOW datagrams in flight; resend lost ones when stuck. */
static void
poke_pump(struct poke *p, uint64_t now)
{
	long	i;

	if (p->phase != PHASE_PERM && p->phase != PHASE_CHAN)
		return;
	while (p->next < p->count && p->next - p->echoes < POKE_WINDOW)
		poke_data(p, p->next++);
	if (now - p->last_progress >= POKE_RESEND_MS) {
		for (i = 0; i < p->next; i++)
			if (!p->seen[i])
				poke_data(p, i);
		p->last_progress = now;
	}
}

static void
poke_phase_end(struct poke *p, uint64_t now)
{
	int	r;

	if (p->phase == PHASE_PERM) {
		p->perm_echoes = p->echoes;
		printf("echoes phase=permission count=%ld/%ld\n", p->echoes,
		    p->count);
		p->phase = PHASE_CHAN_WAIT;
		if ((r = stun_turn_channel(&p->t, &p->peer, now)) != 0) {
			printf("channel-refused err=%s\n", stun_strerror(r));
			p->failed = 1;
			p->phase = PHASE_CLOSE;
			(void)stun_turn_close(&p->t, now);
		}
	} else {
		p->chan_echoes = p->echoes;
		printf("echoes phase=channel count=%ld/%ld\n", p->echoes,
		    p->count);
		p->phase = PHASE_CLOSE;
		(void)stun_turn_close(&p->t, now);
	}
}

static void
poke_echo(struct poke *p, const struct stun_turn_action *a, uint64_t now)
{
	char	buf[POKE_PAYLOAD + 1];
	char	*end;
	long	seq;
	size_t	n;

	if (p->phase != PHASE_PERM && p->phase != PHASE_CHAN)
		return;
	/* Echoes in the channel phase must come back as ChannelData. */
	if ((p->phase == PHASE_CHAN) != (a->channel != 0))
		return;
	n = a->datalen < POKE_PAYLOAD ? a->datalen : POKE_PAYLOAD;
	memcpy(buf, a->data, n);
	buf[n] = '\0';
	if (n < 2 || buf[0] != (p->phase == PHASE_PERM ? 'P' : 'C'))
		return;
	errno = 0;
	seq = strtol(buf + 1, &end, 10);
	if (errno != 0 || *end != '\0' || seq < 0 || seq >= p->next ||
	    p->seen[seq])
		return;
	p->seen[seq] = 1;
	p->echoes++;
	p->last_progress = now;
	if (p->echoes == p->count)
		poke_phase_end(p, now);
}

/* Act on everything the machine has to say; 1 when it has stopped. */
static int
poke_actions(struct poke *p, uint64_t now, uint64_t *wake)
{
	struct stun_turn_action	a;
	int			r;

	for (;;) {
		stun_turn_next(&p->t, &a);
		switch (a.kind) {
		case STUN_TURN_A_WAIT:
			*wake = a.wake;
			return (p->phase == PHASE_DONE);
		case STUN_TURN_A_SEND:
			poke_send(p, a.buf, a.len);
			break;
		case STUN_TURN_A_ALLOCATED:
			printf("allocated relayed=%s", poke_fmt(&a.relayed));
			printf(" mapped=%s lifetime=%u alg=%s\n",
			    poke_fmt(&a.mapped), a.lifetime,
			    p->t.keylen == 0 ? "none" :
			    p->t.alg == STUN_PWALG_SHA256 ? "sha256" : "md5");
			if (p->count == 0) {
				p->phase = PHASE_CLOSE;
				(void)stun_turn_close(&p->t, now);
				break;
			}
			if ((r = stun_turn_permit(&p->t, &p->peer, now)) != 0) {
				printf("permission-refused err=%s\n",
				    stun_strerror(r));
				p->failed = 1;
				p->phase = PHASE_CLOSE;
				(void)stun_turn_close(&p->t, now);
			}
			break;
		case STUN_TURN_A_PERM_OK:
			printf("permission-ok peer=%s\n", poke_fmt(&a.peer));
			if (p->phase == PHASE_ALLOC)
				poke_phase_start(p, PHASE_PERM, now);
			break;
		case STUN_TURN_A_CHAN_OK:
			printf("channel-ok peer=%s channel=0x%04x\n",
			    poke_fmt(&a.peer), a.channel);
			if (p->phase == PHASE_CHAN_WAIT)
				poke_phase_start(p, PHASE_CHAN, now);
			break;
		case STUN_TURN_A_PERM_FAILED:
		case STUN_TURN_A_CHAN_FAILED:
			printf("%s peer=%s %s\n",
			    stun_turn_action_name(a.kind), poke_fmt(&a.peer),
			    poke_why(&a));
			p->failed = 1;
			p->phase = PHASE_CLOSE;
			(void)stun_turn_close(&p->t, now);
			break;
		case STUN_TURN_A_DATA:
			poke_echo(p, &a, now);
			break;
		case STUN_TURN_A_FAILED:
			printf("failed %s\n", poke_why(&a));
			p->failed = 1;
			p->phase = PHASE_DONE;
			break;
		case STUN_TURN_A_CLOSED:
			if (a.err == 0)
				printf("closed\n");
			else
				printf("closed unconfirmed %s\n",
				    poke_why(&a));
			p->phase = PHASE_DONE;
			break;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct stun_turn_config	 c;
	struct poke		 p;
	struct stun_addr	 local, from;
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	socklen_t		 sslen;
	uint8_t			 buf[65536];
	uint64_t		 now, wake = 0, deadline, until;
	long			 timeout = 20000;
	ssize_t			 n;
	struct stun_addr	 bind_to;
	int			 ch, r, have_peer = 0, have_bind = 0, ms;

	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	p.count = 100;
	while ((ch = getopt(argc, argv, "b:f:n:p:s:t:u:vw:")) != -1) {
		switch (ch) {
		case 'b':
			/* A NAT lab client binds its own address. */
			if (stun_addr_parse(optarg, 0, &bind_to) != 0)
				usage();
			have_bind = 1;
			break;
		case 'f':
			c.family = (uint8_t)strtol(optarg, NULL, 10);
			if (c.family != STUN_AF_INET &&
			    c.family != STUN_AF_INET6)
				usage();
			break;
		case 'n':
			p.count = strtol(optarg, NULL, 10);
			if (p.count < 0 || p.count > POKE_MAX_COUNT)
				usage();
			break;
		case 'p':
			if (stun_addr_parse(optarg, 0, &p.peer) != 0)
				usage();
			have_peer = 1;
			break;
		case 's':
			if (stun_addr_parse(optarg, 3478, &c.server) != 0)
				usage();
			break;
		case 't':
			timeout = strtol(optarg, NULL, 10);
			if (timeout <= 0 || timeout > 600000)
				usage();
			break;
		case 'u':
			if (strlen(optarg) >= sizeof(c.username))
				usage();
			strcpy(c.username, optarg);
			break;
		case 'v':
			poke_wire = 1;
			break;
		case 'w':
			if (strlen(optarg) >= sizeof(c.password))
				usage();
			strcpy(c.password, optarg);
			break;
		default:
			usage();
		}
	}
	if (c.server.family == 0 || c.username[0] == '\0' ||
	    (!have_peer && p.count > 0))
		usage();
	if ((p.seen = calloc(1, (size_t)p.count + 1)) == NULL) {
		fprintf(stderr, "turnpoke: out of memory\n");
		return (3);
	}
	/* Loopback, next to the server, unless -b says where. */
	if (have_bind)
		local = bind_to;
	else if (stun_addr_parse(c.server.family == STUN_AF_INET ?
	    "127.0.0.1" : "[::1]", 0, &local) != 0)
		usage();
	if ((p.fd = sock_bind(&local, SOCK_DGRAM, 0)) == -1) {
		fprintf(stderr, "turnpoke: socket: %s\n", strerror(errno));
		return (3);
	}
	if ((r = stun_turn_init(&p.t, &c)) != 0 ||
	    (r = stun_turn_start(&p.t, poke_now())) != 0) {
		fprintf(stderr, "turnpoke: %s\n", stun_strerror(r));
		return (3);
	}
	deadline = poke_now() + (uint64_t)timeout;
	for (;;) {
		now = poke_now();
		poke_pump(&p, now);
		if (poke_actions(&p, now, &wake))
			break;
		if (now >= deadline) {
			printf("timeout phase=%d\n", (int)p.phase);
			p.failed = 1;
			break;
		}
		until = deadline;
		if (wake != 0 && wake < until)
			until = wake;
		if ((p.phase == PHASE_PERM || p.phase == PHASE_CHAN) &&
		    now + 10 < until)
			until = now + 10;
		ms = until > now ? (int)(until - now) : 0;
		pfd.fd = p.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR) {
			fprintf(stderr, "turnpoke: poll: %s\n",
			    strerror(errno));
			return (3);
		}
		now = poke_now();
		/* Read until EAGAIN, acting after each datagram. */
		for (;;) {
			sslen = sizeof(ss);
			n = recvfrom(p.fd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&ss, &sslen);
			if (n < 0)
				break;
			if (sock_to_stun((struct sockaddr *)&ss, &from) != 0)
				continue;
			poke_wire_log("in", buf, (size_t)n);
			(void)stun_turn_input(&p.t, &from, buf, (size_t)n,
			    now);
			(void)poke_actions(&p, now, &wake);
		}
		stun_turn_timer(&p.t, now);
	}
	printf("summary sent=%ld permission=%ld/%ld channel=%ld/%ld "
	    "ignored=%u rejected=%u\n", p.sent, p.perm_echoes, p.count,
	    p.chan_echoes, p.count, p.t.ignored, p.t.rejected);
	close(p.fd);
	free(p.seen);
	if (p.failed || p.perm_echoes != p.count || p.chan_echoes != p.count)
		return (1);
	return (0);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * rdvturn: a test client that joins a rendezvous room and uses the relay
 * credential the server hands out, on the same UDP socket, as p2pchat
 * does; shell tests drive it with commands on stdin and read one line
 * per event on stdout.  It drives libstun's rendezvous and TURN machines
 * with poll().  With -u and -w instead of -r it uses that credential and
 * joins no room.  With -T it allocates on that server instead of the
 * rendezvous server (a fleet's credential on another instance).  With -S
 * it is a stand-in peer instead: it prints and echoes every datagram it
 * gets.  With -A it allocates N times with one
 * user's credential from N sockets, prints "flood ok=.. q486=.. q508=..
 * other=.." once every Allocate has its answer, and holds them.
 *
 * Commands: alloc (allocate with the credential, on the joined socket),
 * alloc2 (the same from a second socket), perm ADDR, chan ADDR,
 * send ADDR N (N datagrams through the relay), direct ADDR N (from the
 * socket, not relayed), refresh (keep the allocation), close
 * (Refresh 0), leave, quit.  Events: local, joined, members, allocated,
 * alloc-failed, perm-ok, perm-failed, chan-ok, chan-failed, data (from
 * the relay), direct (from elsewhere), closed, left, failed, end.
 * Exit status: 0 at quit or the time limit, 1 when a machine failed on
 * its own, 2 for usage, 3 for other errors.
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

#include <openssl/crypto.h>

#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/stun.h"
#include "libstun/turn.h"

#define RT_EXIT_FAILED	1
#define RT_EXIT_USAGE	2
#define RT_EXIT_ERR	3
#define RT_ACTIONS	256	/* actions drained per round */
#define RT_READS	64	/* datagrams read per wake-up */
#define RT_LINE		256
#define RT_SEND_MAX	1000	/* datagrams per send command */
#define RT_FLOOD_MAX	512	/* allocations of -A */

/* One TURN machine on one socket. */
struct rt_turn {
	const char		*tag;	/* "" or "alloc2 " */
	int			 fd;
	int			 on;
	struct stun_turn	 t;
};

struct rt {
	struct stun_addr	 server, bind;
	struct stun_addr	 turn;		/* -T, else server */
	int			 is_sink;
	int			 has_room;
	int			 echo;
	long			 run_ms;
	struct stun_rdv_config	 c;
	struct stun_rdv_client	 rc;
	int			 joined, left, quit, failed;
	char			 user[STUN_RDV_RELAY_USER_MAX + 1];
	char			 pass[STUN_RDV_RELAY_PASS_MAX + 1];
	struct rt_turn		 tn[2];
	int			 fd;
	char			 line[RT_LINE];
	size_t			 linelen;
	int			 stdin_open;
	unsigned long		 sink_n;
	unsigned		 flood;		/* -A */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rdvturn -r room-key-hex | -u user -w password "
	    "[-n name] [-b addr]\n"
	    "               [-e] [-T turn-server:port] [-t seconds] "
	    "server:port\n"
	    "       rdvturn -S addr:port [-t seconds]\n"
	    "       rdvturn -A count -u user -w password [-b addr] "
	    "[-t seconds] server:port\n");
	exit(RT_EXIT_USAGE);
}

static uint64_t
rt_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static const char *
rt_fmt(const struct stun_addr *a)
{
	static char	s[4][64];
	static int	k;

	k = (k + 1) % 4;
	if (stun_addr_format(a, s[k], sizeof(s[k])) != 0)
		snprintf(s[k], sizeof(s[k]), "?");
	return (s[k]);
}

static void
rt_sendto(int fd, const struct stun_addr *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	sl = sock_from_stun(to, &ss);
	if (sl == 0 || sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
	    sl) == -1)
		printf("send-error %s\n", strerror(errno));
}

static const char *
rt_why(const struct stun_turn_action *a)
{
	static char	buf[96];

	if (a->code != 0)
		snprintf(buf, sizeof(buf), "code=%d", a->code);
	else
		snprintf(buf, sizeof(buf), "err=\"%s\"", stun_strerror(a->err));
	return (buf);
}

/* "data from=ADDR channel=0x4000 len=N text=..." and the echo. */
static void
rt_data(struct rt *r, struct rt_turn *tn, const struct stun_turn_action *a)
{
	char	text[65];
	size_t	i, n = a->datalen < 64 ? a->datalen : 64;
	uint8_t	out[STUN_TURN_MSG_MAX];
	int	k;

	for (i = 0; i < n; i++)
		text[i] = a->data[i] >= 0x21 && a->data[i] < 0x7f ?
		    (char)a->data[i] : '.';
	text[n] = '\0';
	printf("%sdata from=%s channel=0x%04x len=%zu text=%s\n", tn->tag,
	    rt_fmt(&a->peer), a->channel, a->datalen, text);
	if (!r->echo || a->datalen == 0)
		return;
	k = stun_turn_wrap(&tn->t, &a->peer, a->data, a->datalen, out,
	    sizeof(out));
	if (k > 0)
		rt_sendto(tn->fd, &tn->t.c.server, out, (size_t)k);
}

/* Act on what one TURN machine has to say. */
static void
rt_turn_drain(struct rt *r, struct rt_turn *tn, uint64_t *wake)
{
	struct stun_turn_action	a;
	int			i;

	for (i = 0; i < RT_ACTIONS; i++) {
		stun_turn_next(&tn->t, &a);
		switch (a.kind) {
		case STUN_TURN_A_WAIT:
			if (a.wake != 0 && (*wake == 0 || a.wake < *wake))
				*wake = a.wake;
			return;
		case STUN_TURN_A_SEND:
			rt_sendto(tn->fd, &a.to, a.buf, a.len);
			break;
		case STUN_TURN_A_ALLOCATED:
			printf("%sallocated relayed=%s mapped=%s\n", tn->tag,
			    rt_fmt(&a.relayed), rt_fmt(&a.mapped));
			break;
		case STUN_TURN_A_PERM_OK:
			printf("%sperm-ok peer=%s\n", tn->tag,
			    rt_fmt(&a.peer));
			break;
		case STUN_TURN_A_PERM_FAILED:
			printf("%sperm-failed peer=%s %s\n", tn->tag,
			    rt_fmt(&a.peer), rt_why(&a));
			break;
		case STUN_TURN_A_CHAN_OK:
			printf("%schan-ok peer=%s channel=0x%04x\n", tn->tag,
			    rt_fmt(&a.peer), a.channel);
			break;
		case STUN_TURN_A_CHAN_FAILED:
			printf("%schan-failed peer=%s %s\n", tn->tag,
			    rt_fmt(&a.peer), rt_why(&a));
			break;
		case STUN_TURN_A_DATA:
			rt_data(r, tn, &a);
			break;
		case STUN_TURN_A_FAILED:
			printf("%salloc-failed %s\n", tn->tag, rt_why(&a));
			tn->on = 0;
			break;
		case STUN_TURN_A_CLOSED:
			printf("%sclosed %s\n", tn->tag, a.err == 0 ?
			    "confirmed" : rt_why(&a));
			tn->on = 0;
			break;
		}
	}
}

static void
rt_members(const struct stun_rdv_action *a)
{
	const struct stun_rdv_member	*mb;
	unsigned			 i, k;

	for (i = 0; i < a->nmembers; i++) {
		mb = &a->members[i];
		printf("member id=%u name=%s", mb->id, mb->name);
		for (k = 0; k < mb->ncand; k++)
			printf(" %s=%s", mb->cand[k].kind ==
			    STUN_RDV_CAND_SRFLX ? "srflx" : mb->cand[k].kind ==
			    STUN_RDV_CAND_RELAY ? "relay" : "host",
			    rt_fmt(&mb->cand[k].addr));
		printf("\n");
	}
}

static void
rt_rdv_drain(struct rt *r, uint64_t *wake)
{
	struct stun_rdv_action	a;
	int			i;

	for (i = 0; i < RT_ACTIONS; i++) {
		stun_rdv_client_next(&r->rc, &a);
		switch (a.kind) {
		case STUN_RDV_A_WAIT:
			if (a.wake != 0 && (*wake == 0 || a.wake < *wake))
				*wake = a.wake;
			return;
		case STUN_RDV_A_SEND:
			rt_sendto(r->fd, &a.to, a.buf, a.len);
			break;
		case STUN_RDV_A_JOINED:
			r->joined = 1;
			memcpy(r->user, a.relay_user, sizeof(r->user));
			memcpy(r->pass, a.relay_pass, sizeof(r->pass));
			printf("joined id=%u mapped=%s relay-user=%s\n",
			    a.member_id, rt_fmt(&a.mapped),
			    a.relay_user[0] != '\0' ? a.relay_user : "-");
			break;
		case STUN_RDV_A_MEMBERS:
			rt_members(&a);
			break;
		case STUN_RDV_A_DONE:
			printf("left\n");
			r->left = 1;
			break;
		case STUN_RDV_A_FAILED:
			printf("failed err=\"%s\" code=%d\n",
			    stun_strerror(a.err), a.code);
			r->failed = 1;
			break;
		default:
			break;
		}
	}
}

/* Start TURN machine k with the credential, on fd. */
static void
rt_alloc(struct rt *r, int k, uint64_t now)
{
	struct stun_turn_config	 c;
	struct rt_turn		*tn = &r->tn[k];
	struct stun_addr	 me;
	int			 rv;

	if (tn->on || r->user[0] == '\0') {
		printf("%salloc-failed err=\"no credential or busy\"\n",
		    tn->tag);
		return;
	}
	if (k == 1) {
		if (tn->fd == -1 && ((tn->fd = sock_bind(&r->bind, SOCK_DGRAM,
		    0)) == -1 || sock_local(tn->fd, &me) == -1)) {
			printf("alloc2 alloc-failed err=\"bind\"\n");
			return;
		}
		printf("alloc2 local %s\n", rt_fmt(&me));
	} else
		tn->fd = r->fd;
	memset(&c, 0, sizeof(c));
	c.server = r->turn;
	memcpy(c.username, r->user, strlen(r->user));
	memcpy(c.password, r->pass, strlen(r->pass));
	if ((rv = stun_turn_init(&tn->t, &c)) != 0 ||
	    (rv = stun_turn_start(&tn->t, now)) != 0) {
		printf("%salloc-failed err=\"%s\"\n", tn->tag,
		    stun_strerror(rv));
		return;
	}
	tn->on = 1;
}

/* "send ADDR N" through the relay, or "direct ADDR N" from the socket. */
static void
rt_send(struct rt *r, const char *addr, const char *count, int direct)
{
	struct stun_addr	 to;
	uint8_t			 out[STUN_TURN_MSG_MAX];
	char			 payload[64];
	long			 n, i;
	int			 k;

	n = count != NULL ? strtol(count, NULL, 10) : 1;
	if (addr == NULL || stun_addr_parse(addr, 0, &to) != 0 || n < 1 ||
	    n > RT_SEND_MAX || (!direct && !r->tn[0].on)) {
		printf("send-failed %s\n", addr != NULL ? addr : "-");
		return;
	}
	for (i = 0; i < n; i++) {
		k = snprintf(payload, sizeof(payload), "rdvturn-%s-%ld",
		    r->c.name, i);
		if (direct) {
			rt_sendto(r->fd, &to, (const uint8_t *)payload,
			    (size_t)k);
			continue;
		}
		k = stun_turn_wrap(&r->tn[0].t, &to, (const uint8_t *)payload,
		    (size_t)k, out, sizeof(out));
		if (k < 0) {
			printf("send-failed %s err=\"%s\"\n", addr,
			    stun_strerror(k));
			return;
		}
		rt_sendto(r->fd, &r->turn, out, (size_t)k);
	}
	printf("%s %s %ld\n", direct ? "direct-sent" : "sent", addr, n);
}

/* One command line. */
static void
rt_command(struct rt *r, char *line, uint64_t now)
{
	struct stun_addr	 a;
	char			*cmd, *arg, *arg2;
	int			 rv;

	cmd = strtok(line, " \t");
	arg = strtok(NULL, " \t");
	arg2 = strtok(NULL, " \t");
	if (cmd == NULL)
		return;
	if (strcmp(cmd, "alloc") == 0)
		rt_alloc(r, 0, now);
	else if (strcmp(cmd, "alloc2") == 0)
		rt_alloc(r, 1, now);
	else if (strcmp(cmd, "perm") == 0 || strcmp(cmd, "chan") == 0) {
		if (arg == NULL || stun_addr_parse(arg, 0, &a) != 0 ||
		    !r->tn[0].on) {
			printf("%s-failed peer=%s err=\"usage\"\n", cmd,
			    arg != NULL ? arg : "-");
			return;
		}
		rv = cmd[0] == 'p' ? stun_turn_permit(&r->tn[0].t, &a, now) :
		    stun_turn_channel(&r->tn[0].t, &a, now);
		if (rv != 0)
			printf("%s-failed peer=%s err=\"%s\"\n", cmd,
			    rt_fmt(&a), stun_strerror(rv));
	} else if (strcmp(cmd, "send") == 0)
		rt_send(r, arg, arg2, 0);
	else if (strcmp(cmd, "direct") == 0)
		rt_send(r, arg, arg2, 1);
	else if (strcmp(cmd, "close") == 0 && r->tn[0].on)
		(void)stun_turn_close(&r->tn[0].t, now);
	else if (strcmp(cmd, "leave") == 0 && r->has_room)
		(void)stun_rdv_client_leave(&r->rc, now);
	else if (strcmp(cmd, "quit") == 0)
		r->quit = 1;
	else
		printf("unknown-command %s\n", cmd);
}

/* Complete lines from stdin become commands. */
static void
rt_stdin(struct rt *r, uint64_t now)
{
	char	 c;
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, &c, 1)) == 1) {
		if (c == '\n') {
			r->line[r->linelen] = '\0';
			r->linelen = 0;
			rt_command(r, r->line, now);
			return;
		}
		if (r->linelen < sizeof(r->line) - 1)
			r->line[r->linelen++] = c;
	}
	if (n == 0)
		r->stdin_open = 0;
}

/* A datagram on socket fd from from. */
static void
rt_input(struct rt *r, int fd, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	char		text[65];
	size_t		i, n;
	uint64_t	wake = 0;
	int		k;

	/* DATA points into buf: drain before the next datagram. */
	for (k = 0; k < 2; k++)
		if (r->tn[k].on && r->tn[k].fd == fd &&
		    stun_turn_input(&r->tn[k].t, from, buf, len, now) !=
		    STUN_ERR_NOT_FOUND) {
			rt_turn_drain(r, &r->tn[k], &wake);
			return;
		}
	if (r->has_room && fd == r->fd && stun_addr_equal(from, &r->server)) {
		stun_rdv_client_input(&r->rc, from, buf, len, now);
		return;
	}
	n = len < 64 ? len : 64;
	for (i = 0; i < n; i++)
		text[i] = buf[i] >= 0x21 && buf[i] < 0x7f ? (char)buf[i] : '.';
	text[n] = '\0';
	printf("%s from=%s len=%zu text=%s\n", r->is_sink ? "sink" : "direct",
	    rt_fmt(from), len, text);
	r->sink_n++;
	if (r->echo || r->is_sink)
		rt_sendto(fd, from, buf, len);
}

static void
rt_read(struct rt *r, int fd, uint64_t now)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	uint8_t			 buf[65536];
	socklen_t		 sl;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < RT_READS; i++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		if (sock_to_stun((struct sockaddr *)&ss, &from) == 0)
			rt_input(r, fd, &from, buf, (size_t)n, now);
	}
}

static void
rt_args(int argc, char **argv, struct rt *r)
{
	char	*end;
	double	 d;
	size_t	 klen;
	int	 ch;

	memset(r, 0, sizeof(*r));
	snprintf(r->c.name, sizeof(r->c.name), "rdvturn");
	r->run_ms = 60000;
	(void)stun_addr_parse("0.0.0.0", 0, &r->bind);
	while ((ch = getopt(argc, argv, "A:b:en:r:S:T:t:u:w:")) != -1) {
		switch (ch) {
		case 'A':
			r->flood = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || r->flood == 0 ||
			    r->flood > RT_FLOOD_MAX)
				usage();
			break;
		case 'u':
			if (strlen(optarg) >= sizeof(r->user))
				usage();
			snprintf(r->user, sizeof(r->user), "%s", optarg);
			break;
		case 'w':
			if (strlen(optarg) >= sizeof(r->pass))
				usage();
			snprintf(r->pass, sizeof(r->pass), "%s", optarg);
			break;
		case 'b':
			if (stun_addr_parse(optarg, 0, &r->bind) != 0)
				usage();
			break;
		case 'e':
			r->echo = 1;
			break;
		case 'n':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) > STUN_RDV_NAME_MAX)
				usage();
			snprintf(r->c.name, sizeof(r->c.name), "%s", optarg);
			break;
		case 'r':
			if (OPENSSL_hexstr2buf_ex(r->c.room_key,
			    sizeof(r->c.room_key), &klen, optarg, '\0') != 1 ||
			    klen != sizeof(r->c.room_key))
				usage();
			r->has_room = 1;
			break;
		case 'S':
			if (stun_addr_parse(optarg, 0, &r->bind) != 0)
				usage();
			r->is_sink = 1;
			break;
		case 'T':
			if (stun_addr_parse(optarg, 3478, &r->turn) != 0)
				usage();
			break;
		case 't':
			d = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || d <= 0 ||
			    d > 3600)
				usage();
			r->run_ms = (long)(d * 1000);
			break;
		default:
			usage();
		}
	}
	if (r->is_sink) {
		if (optind != argc)
			usage();
		return;
	}
	if (optind != argc - 1 || (r->has_room == (r->user[0] != '\0')) ||
	    (r->user[0] != '\0') != (r->pass[0] != '\0') ||
	    (r->flood != 0 && r->has_room) ||
	    stun_addr_parse(argv[optind], 3478, &r->server) != 0)
		usage();
	r->c.server = r->server;
	if (r->turn.family == 0)
		r->turn = r->server;
}

/* -A: count allocations from as many sockets, and hold them. */
static int
rt_flood(struct rt *r)
{
	struct stun_turn_config	 c;
	struct stun_turn_action	 a;
	struct stun_turn	*t;
	struct pollfd		*pfd;
	struct stun_addr	 from;
	struct sockaddr_storage	 ss;
	uint8_t			 buf[4096];
	socklen_t		 sl;
	ssize_t			 n;
	uint64_t		 now, end, wake;
	unsigned		 i, ok = 0, q486 = 0, q508 = 0, other = 0;
	int			*done, printed = 0, rv = RT_EXIT_ERR;

	t = calloc(r->flood, sizeof(*t));
	pfd = calloc(r->flood, sizeof(*pfd));
	done = calloc(r->flood, sizeof(*done));
	if (t == NULL || pfd == NULL || done == NULL)
		goto out;
	memset(&c, 0, sizeof(c));
	c.server = r->server;
	memcpy(c.username, r->user, strlen(r->user));
	memcpy(c.password, r->pass, strlen(r->pass));
	now = rt_now();
	end = now + (uint64_t)r->run_ms;
	for (i = 0; i < r->flood; i++) {
		pfd[i].events = POLLIN;
		if ((pfd[i].fd = sock_bind(&r->bind, SOCK_DGRAM, 0)) == -1 ||
		    stun_turn_init(&t[i], &c) != 0 ||
		    stun_turn_start(&t[i], now) != 0) {
			fprintf(stderr, "rdvturn: socket %u: %s\n", i,
			    strerror(errno));
			goto out;
		}
	}
	/* Bounded by end; each round sleeps until input or a timer. */
	while ((now = rt_now()) < end) {
		wake = end;
		for (i = 0; i < r->flood; i++)
			for (;;) {
				stun_turn_next(&t[i], &a);
				if (a.kind == STUN_TURN_A_WAIT) {
					if (a.wake != 0 && a.wake < wake)
						wake = a.wake;
					break;
				}
				if (a.kind == STUN_TURN_A_SEND)
					rt_sendto(pfd[i].fd, &a.to, a.buf,
					    a.len);
				else if (a.kind == STUN_TURN_A_ALLOCATED &&
				    !done[i]) {
					done[i] = 1;
					ok++;
				} else if (a.kind == STUN_TURN_A_FAILED &&
				    !done[i]) {
					done[i] = 1;
					if (a.code == 486)
						q486++;
					else if (a.code == 508)
						q508++;
					else
						other++;
				}
			}
		if (!printed && ok + q486 + q508 + other == r->flood) {
			printf("flood ok=%u q486=%u q508=%u other=%u\n", ok,
			    q486, q508, other);
			printed = 1;
		}
		if (poll(pfd, r->flood, wake > now ? (int)(wake - now) : 0) ==
		    -1 && errno != EINTR)
			break;
		now = rt_now();
		for (i = 0; i < r->flood; i++) {
			if (pfd[i].revents & POLLIN) {
				sl = sizeof(ss);
				n = recvfrom(pfd[i].fd, buf, sizeof(buf),
				    MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
				if (n >= 0 && sock_to_stun(
				    (struct sockaddr *)&ss, &from) == 0)
					(void)stun_turn_input(&t[i], &from,
					    buf, (size_t)n, now);
			}
			stun_turn_timer(&t[i], now);
		}
	}
	if (!printed)
		printf("flood ok=%u q486=%u q508=%u other=%u unanswered=%u\n",
		    ok, q486, q508, other, r->flood - ok - q486 - q508 - other);
	rv = 0;
out:
	for (i = 0; pfd != NULL && i < r->flood; i++)
		if (pfd[i].fd > 0)
			close(pfd[i].fd);
	free(t);
	free(pfd);
	free(done);
	return (rv);
}

int
main(int argc, char **argv)
{
	static struct rt	 r;
	struct pollfd		 pfd[3];
	struct stun_addr	 me;
	uint64_t		 now, end, wake;
	int			 k, rv, np;

	rt_args(argc, argv, &r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (r.flood != 0)
		return (rt_flood(&r));
	r.tn[0].tag = "";
	r.tn[1].tag = "alloc2 ";
	r.tn[0].fd = r.tn[1].fd = -1;
	if ((r.fd = sock_bind(&r.bind, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(r.fd, &me) == -1) {
		fprintf(stderr, "rdvturn: bind: %s\n", strerror(errno));
		return (RT_EXIT_ERR);
	}
	printf("local %s\n", rt_fmt(&me));
	now = rt_now();
	end = now + (uint64_t)r.run_ms;
	r.stdin_open = !r.is_sink;
	if (r.has_room && ((rv = stun_rdv_client_init(&r.rc, &r.c)) != 0 ||
	    (rv = stun_rdv_client_start(&r.rc, now)) != 0)) {
		fprintf(stderr, "rdvturn: %s\n", stun_strerror(rv));
		return (RT_EXIT_ERR);
	}
	/* Bounded by end: each round sleeps until input or a timer. */
	while (!r.quit && (now = rt_now()) < end) {
		wake = 0;
		if (r.has_room)
			rt_rdv_drain(&r, &wake);
		for (k = 0; k < 2; k++)
			if (r.tn[k].on)
				rt_turn_drain(&r, &r.tn[k], &wake);
		if (wake == 0 || wake > end)
			wake = end;
		np = 0;
		pfd[np].fd = r.fd;
		pfd[np++].events = POLLIN;
		pfd[np].fd = r.tn[1].fd;
		pfd[np++].events = POLLIN;
		pfd[np].fd = r.stdin_open ? STDIN_FILENO : -1;
		pfd[np++].events = POLLIN;
		if (poll(pfd, (nfds_t)np, wake > now ? (int)(wake - now) :
		    0) == -1 && errno != EINTR)
			break;
		now = rt_now();
		if (pfd[0].revents & POLLIN)
			rt_read(&r, r.fd, now);
		if (r.tn[1].fd != -1 && (pfd[1].revents & POLLIN))
			rt_read(&r, r.tn[1].fd, now);
		if (pfd[2].revents & (POLLIN | POLLHUP))
			rt_stdin(&r, now);
		if (r.has_room)
			stun_rdv_client_timer(&r.rc, now);
		for (k = 0; k < 2; k++)
			if (r.tn[k].on)
				stun_turn_timer(&r.tn[k].t, now);
	}
	printf("end received=%lu\n", r.sink_n);
	close(r.fd);
	if (r.tn[1].fd != -1)
		close(r.tn[1].fd);
	return (r.failed ? RT_EXIT_FAILED : 0);
}

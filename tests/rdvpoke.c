/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * rdvpoke: a rendezvous test client for tests/stund_rooms.sh.  It drives
 * libstun's client machine (stun_rdv_client_*) over one UDP socket with
 * poll() and prints one line per event, so shell tests can grep them.
 * Exit status: 0 when the run ended without a failure, 1 when the machine
 * failed, 2 for usage, 3 for other errors.
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
#include "libstun/rdv.h"
#include "libstun/stun.h"

#define RP_EXIT_FAILED	1
#define RP_EXIT_USAGE	2
#define RP_EXIT_ERR	3
#define RP_ACTIONS	64	/* actions drained per round */
#define RP_READS	64	/* datagrams read per wake-up */

struct rp_opts {
	struct stun_rdv_config	 c;
	struct stun_addr	 bind;
	int			 silent;	/* no keepalives */
	long			 leave_ms;	/* -1: never */
	long			 run_ms;
	int			 forge;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rdvpoke -r room-hex [-n name] [-H addr:port]"
	    " [-b addr] [-k]\n"
	    "               [-l seconds] [-t seconds] [-w] server:port\n");
	exit(RP_EXIT_USAGE);
}

static uint64_t
rp_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
rp_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t		 i, n = strlen(s);
	unsigned	 v;

	if (n % 2 != 0 || n / 2 > cap)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", s[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[2 * i + 1]) == NULL)
			return (-1);
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return (0);
}

static long
rp_seconds(const char *s)
{
	char	*end;
	double	 d;

	d = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || d < 0 || d > 86400)
		usage();
	return ((long)(d * 1000));
}

static const char *
rp_event(uint8_t ev)
{
	switch (ev) {
	case STUN_RDV_EV_JOIN:
		return ("join");
	case STUN_RDV_EV_LEAVE:
		return ("leave");
	case STUN_RDV_EV_TIMEOUT:
		return ("timeout");
	case STUN_RDV_EV_MOVE:
		return ("move");
	}
	return ("none");
}

static const char *
rp_kind(uint8_t k)
{
	switch (k) {
	case STUN_RDV_CAND_HOST:
		return ("host");
	case STUN_RDV_CAND_SRFLX:
		return ("srflx");
	case STUN_RDV_CAND_RELAY:
		return ("relay");
	}
	return ("other");
}

static const char *
rp_fmt(const struct stun_addr *a, char *s, size_t cap)
{
	if (stun_addr_format(a, s, cap) != 0)
		snprintf(s, cap, "?");
	return (s);
}

/* "members event=E who=ID n=N m<id>=name,kind=addr,..." */
static void
rp_members(const struct stun_rdv_action *a)
{
	const struct stun_rdv_member	*mb;
	char				 s[64];
	unsigned			 i, k;

	printf("members event=%s who=%u n=%u", rp_event(a->event),
	    a->event_member, a->nmembers);
	for (i = 0; i < a->nmembers; i++) {
		mb = &a->members[i];
		printf(" m%u=%s", mb->id, mb->name);
		for (k = 0; k < mb->ncand; k++)
			printf(",%s=%s", rp_kind(mb->cand[k].kind),
			    rp_fmt(&mb->cand[k].addr, s, sizeof(s)));
	}
	printf("\n");
}

/*
 * Drain the machine's actions; returns 1 when it is done or failed.
 * Silent mode drops what the machine sends while joined (keepalives).
 */
static int
rp_drain(struct stun_rdv_client *rc, int fd, const struct rp_opts *o,
    uint64_t now, uint64_t *wake, int *failed)
{
	struct stun_rdv_action	 a;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 s[64];
	int			 i, end = 0;

	for (i = 0; i < RP_ACTIONS; i++) {
		stun_rdv_client_next(rc, &a);
		switch (a.kind) {
		case STUN_RDV_A_WAIT:
			*wake = a.wake;
			return (end);
		case STUN_RDV_A_SEND:
			if (o->silent && rc->state == STUN_RDV_S_JOINED)
				break;
			sl = sock_from_stun(&a.to, &ss);
			if (sl == 0 || sendto(fd, a.buf, a.len, 0,
			    (struct sockaddr *)&ss, sl) == -1)
				printf("send-error %s\n", strerror(errno));
			break;
		case STUN_RDV_A_JOINED:
			printf("joined id=%u mapped=%s", a.member_id,
			    rp_fmt(&a.mapped, s, sizeof(s)));
			/* The relay credential, when the server gave one. */
			if (a.relay_user[0] != '\0')
				printf(" relay-user=%s relay-pass=%s",
				    a.relay_user, a.relay_pass);
			printf("\n");
			break;
		case STUN_RDV_A_MEMBERS:
			rp_members(&a);
			break;
		case STUN_RDV_A_GO:
			printf("go peer=%u delay=%lld\n", a.peer_id,
			    (long long)a.go_at - (long long)now);
			break;
		case STUN_RDV_A_DONE:
			printf("done\n");
			end = 1;
			break;
		case STUN_RDV_A_FAILED:
			printf("failed err=\"%s\" code=%d\n",
			    stun_strerror(a.err), a.code);
			*failed = 1;
			end = 1;
			break;
		}
	}
	*wake = now + 10;
	return (end);
}

/* A Register whose MESSAGE-INTEGRITY-SHA256 uses a wrong key. */
static int
rp_forge(int fd, const struct rp_opts *o)
{
	struct stun_builder	 b;
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	uint8_t			 buf[512], key[STUN_RDV_KEY_LEN];
	uint8_t			 tid[STUN_TID_LEN];
	uint8_t			 nonce[STUN_RDV_NONCE_LEN];
	socklen_t		 sl;
	int			 n;

	if (stun_random(NULL, NULL, tid, sizeof(tid)) != 0 ||
	    stun_random(NULL, NULL, nonce, sizeof(nonce)) != 0 ||
	    stun_random(NULL, NULL, key, sizeof(key)) != 0)
		return (RP_EXIT_ERR);
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, o->c.room, o->c.roomlen);
	stun_build_string(&b, STUN_RDV_ATTR_NAME, o->c.name);
	stun_build_attr(&b, STUN_RDV_ATTR_NONCE, nonce, sizeof(nonce));
	stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (RP_EXIT_ERR);
	sl = sock_from_stun(&o->c.server, &ss);
	if (sl == 0 || sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
	    sl) == -1)
		return (RP_EXIT_ERR);
	printf("forged sent len=%d\n", n);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)(o->run_ms < 1000 ? o->run_ms : 1000)) > 0 &&
	    recv(fd, buf, sizeof(buf), 0) >= 0)
		printf("forged answered\n");
	else
		printf("forged no-answer\n");
	return (0);
}

static void
rp_args(int argc, char **argv, struct rp_opts *o)
{
	struct stun_addr	 a;
	int			 ch, have_room = 0;

	memset(o, 0, sizeof(*o));
	strncpy(o->c.name, "poke", sizeof(o->c.name) - 1);
	o->leave_ms = -1;
	o->run_ms = 10000;
	stun_addr_parse("127.0.0.1", 0, &o->bind);
	while ((ch = getopt(argc, argv, "b:H:kl:n:r:t:w")) != -1) {
		switch (ch) {
		case 'b':
			if (stun_addr_parse(optarg, 0, &o->bind) != 0)
				usage();
			break;
		case 'H':
			if (o->c.ncand >= STUN_RDV_MAX_CANDS ||
			    stun_addr_parse(optarg, 0, &a) != 0)
				usage();
			o->c.cand[o->c.ncand].kind = STUN_RDV_CAND_HOST;
			o->c.cand[o->c.ncand++].addr = a;
			break;
		case 'k':
			o->silent = 1;
			break;
		case 'l':
			o->leave_ms = rp_seconds(optarg);
			break;
		case 'n':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) > STUN_RDV_NAME_MAX)
				usage();
			memset(o->c.name, 0, sizeof(o->c.name));
			memcpy(o->c.name, optarg, strlen(optarg));
			break;
		case 'r':
			if (rp_hex(optarg, o->c.room, sizeof(o->c.room),
			    &o->c.roomlen) != 0 ||
			    o->c.roomlen < STUN_RDV_ROOM_MIN)
				usage();
			have_room = 1;
			break;
		case 't':
			o->run_ms = rp_seconds(optarg);
			break;
		case 'w':
			o->forge = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || !have_room ||
	    stun_addr_parse(argv[optind], 3478, &o->c.server) != 0)
		usage();
}

int
main(int argc, char **argv)
{
	struct rp_opts		 o;
	struct stun_rdv_client	 rc;
	struct stun_addr	 me, from;
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	uint8_t			 buf[STUN_RDV_MSG_MAX];
	socklen_t		 sl;
	uint64_t		 now, end, wake = 0, leave_at = 0, t;
	ssize_t			 n;
	char			 s[64];
	int			 fd, i, rv, failed = 0, left = 0;

	rp_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((fd = sock_bind(&o.bind, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(fd, &me) == -1) {
		fprintf(stderr, "rdvpoke: bind: %s\n", strerror(errno));
		return (RP_EXIT_ERR);
	}
	printf("local %s\n", rp_fmt(&me, s, sizeof(s)));
	if (o.forge) {
		rv = rp_forge(fd, &o);
		close(fd);
		return (rv);
	}
	if ((rv = stun_rdv_client_init(&rc, &o.c)) != 0) {
		fprintf(stderr, "rdvpoke: %s\n", stun_strerror(rv));
		close(fd);
		return (RP_EXIT_ERR);
	}
	now = rp_now();
	end = now + (uint64_t)o.run_ms;
	if (o.leave_ms >= 0)
		leave_at = now + (uint64_t)o.leave_ms;
	if ((rv = stun_rdv_client_start(&rc, now)) != 0) {
		fprintf(stderr, "rdvpoke: %s\n", stun_strerror(rv));
		close(fd);
		return (RP_EXIT_ERR);
	}
	if (rp_drain(&rc, fd, &o, now, &wake, &failed))
		goto out;
	/* Bounded by end: every round either sleeps or moves now on. */
	while ((now = rp_now()) < end) {
		t = wake > now ? wake : now;
		if (t > end)
			t = end;
		if (leave_at != 0 && !left && leave_at < t &&
		    rc.state == STUN_RDV_S_JOINED)
			t = leave_at > now ? leave_at : now;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(t - now)) == -1 && errno != EINTR)
			break;
		now = rp_now();
		for (i = 0; i < RP_READS && (pfd.revents & POLLIN); i++) {
			sl = sizeof(ss);
			n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			    (struct sockaddr *)&ss, &sl);
			if (n < 0)
				break;
			if (sock_to_stun((struct sockaddr *)&ss, &from) == 0)
				stun_rdv_client_input(&rc, &from, buf,
				    (size_t)n, now);
		}
		if (now >= wake)
			stun_rdv_client_timer(&rc, now);
		if (leave_at != 0 && !left && now >= leave_at &&
		    rc.state == STUN_RDV_S_JOINED) {
			left = 1;
			printf("leaving\n");
			stun_rdv_client_leave(&rc, now);
		}
		if (rp_drain(&rc, fd, &o, now, &wake, &failed))
			break;
	}
out:
	printf("end ignored=%u rejected=%u\n", rc.ignored, rc.rejected);
	close(fd);
	return (failed ? RP_EXIT_FAILED : 0);
}

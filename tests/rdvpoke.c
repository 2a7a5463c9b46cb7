/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * rdvpoke: a rendezvous test client for tests/stund_rooms.sh.  It drives
 * libstun's client machine (stun_rdv_client_*) over one UDP socket with
 * poll() and prints one line per event, so shell tests can grep them.  It
 * can also act as an attacker or a troubled client: a first step that is
 * never followed (a spoofed source), a version 1 Register, a forged Leave,
 * a pause past the member timeout, new source ports, a lost Members
 * indication, and "amp" lines with the size of each answer next to the
 * request that drew it.
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

#include <openssl/crypto.h>

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
	int			 forge;		/* -w: a version 1 Register */
	int			 hello;		/* -s: first step only */
	int			 fake_leave;	/* -L: forged Leave */
	long			 pause_at, pause_ms;	/* -p at:secs */
	long			 move_every;	/* -M: new port each, ms */
	int			 amp;		/* -v: amp lines */
	int			 lose_ind;	/* -D: lose one Members */
};

/* Sizes on the wire, for the amplification lines. */
static uint64_t	rp_tx_bytes, rp_rx_bytes;
static size_t	rp_last_req[8];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rdvpoke -r room-key-hex [-n name] "
	    "[-H addr:port] [-b addr] [-k]\n"
	    "               [-l seconds] [-t seconds] [-w] [-s] [-L] [-D] "
	    "[-v]\n"
	    "               [-p at:seconds] [-M seconds] server:port\n");
	exit(RP_EXIT_USAGE);
}

static uint64_t
rp_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
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

static const char *
rp_cls(uint8_t c)
{
	switch (c) {
	case STUN_CLASS_REQUEST:
		return ("request");
	case STUN_CLASS_INDICATION:
		return ("indication");
	case STUN_CLASS_SUCCESS:
		return ("success");
	}
	return ("error");
}

/* Send len bytes to the server; remember the request size. */
static void
rp_send(int fd, const struct stun_addr *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct stun_msg		 m;
	socklen_t		 sl;

	sl = sock_from_stun(to, &ss);
	if (sl == 0 || sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
	    sl) == -1) {
		printf("send-error %s\n", strerror(errno));
		return;
	}
	rp_tx_bytes += len;
	if (stun_msg_decode(&m, buf, len) == 0 && stun_rdv_is_rdv(&m))
		rp_last_req[m.method & 7] = len;
}

/* An answer arrived: "amp Method class in=request out=answer". */
static void
rp_received(const struct rp_opts *o, const uint8_t *buf, size_t len)
{
	struct stun_msg	m;
	const char	*step = "";

	rp_rx_bytes += len;
	if (!o->amp || stun_msg_decode(&m, buf, len) != 0 ||
	    !stun_rdv_is_rdv(&m))
		return;
	if (m.method == STUN_RDV_REGISTER && m.cls == STUN_CLASS_SUCCESS)
		step = stun_msg_find(&m, STUN_RDV_ATTR_COOKIE) != NULL ?
		    "-cookie" : "-sealed";
	if (m.cls == STUN_CLASS_INDICATION)
		printf("amp %s%s %s out=%zu\n",
		    stun_rdv_method_name(m.method), step, rp_cls(m.cls), len);
	else
		printf("amp %s%s %s in=%zu out=%zu\n",
		    stun_rdv_method_name(m.method), step, rp_cls(m.cls),
		    rp_last_req[m.method & 7], len);
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
			rp_send(fd, &a.to, a.buf, a.len);
			break;
		case STUN_RDV_A_SERVER:
			printf("server %s\n", a.server_up ? "back" :
			    "unreachable");
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

/* Wait up to ms for one datagram; print what came and its size. */
static void
rp_listen(int fd, const char *what, long ms, size_t sent)
{
	struct pollfd	 pfd;
	struct stun_msg	 m;
	uint8_t		 buf[STUN_RDV_MSG_MAX];
	ssize_t		 n;
	int		 code = 0;
	const char	*reason;
	size_t		 rlen;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)ms) > 0 &&
	    (n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (stun_msg_decode(&m, buf, (size_t)n) == 0 &&
		    m.cls == STUN_CLASS_ERROR)
			(void)stun_msg_get_error(&m, &code, &reason, &rlen);
		printf("%s answered code=%d len=%zd sent=%zu\n", what, code, n,
		    sent);
	} else
		printf("%s no-answer\n", what);
}

/* A version 1 Register (MESSAGE-INTEGRITY-SHA256, RDV-NONCE). */
static int
rp_forge(int fd, const struct rp_opts *o, const uint8_t *room)
{
	struct stun_builder	 b;
	uint8_t			 buf[512], key[STUN_RDV_KEY_LEN];
	uint8_t			 tid[STUN_TID_LEN];
	uint8_t			 nonce[STUN_RDV_NONCE_LEN];
	int			 n;

	if (stun_random(NULL, NULL, tid, sizeof(tid)) != 0 ||
	    stun_random(NULL, NULL, nonce, sizeof(nonce)) != 0 ||
	    stun_random(NULL, NULL, key, sizeof(key)) != 0)
		return (RP_EXIT_ERR);
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room, STUN_RDV_ROOM_ID_LEN);
	stun_build_string(&b, STUN_RDV_ATTR_NAME, o->c.name);
	stun_build_attr(&b, STUN_RDV_ATTR_NONCE, nonce, sizeof(nonce));
	stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (RP_EXIT_ERR);
	rp_send(fd, &o->c.server, buf, (size_t)n);
	printf("v1 sent len=%d\n", n);
	rp_listen(fd, "v1", 1000, (size_t)n);
	return (0);
}

/*
 * The first step of Register and nothing more, as when the source was
 * spoofed: one answer at most, never larger, and then silence.
 */
static int
rp_hello(int fd, struct stun_rdv_client *rc, const struct rp_opts *o,
    uint64_t now)
{
	struct stun_rdv_action	a;

	if (stun_rdv_client_start(rc, now) != 0)
		return (RP_EXIT_ERR);
	stun_rdv_client_next(rc, &a);
	if (a.kind != STUN_RDV_A_SEND)
		return (RP_EXIT_ERR);
	rp_send(fd, &a.to, a.buf, a.len);
	printf("hello sent len=%zu\n", a.len);
	rp_listen(fd, "hello", 1000, a.len);
	/* Never echo the cookie; anything more would be unsolicited. */
	rp_listen(fd, "after-hello", o->run_ms > 1000 ? o->run_ms - 1000 :
	    0, 0);
	return (0);
}

/* A Leave with our routing key, sealed under a key we made up. */
static void
rp_fake_leave(int fd, const struct stun_rdv_client *rc)
{
	struct stun_rdv_msg	q;
	uint8_t			key[STUN_RDV_KEY_LEN];
	uint8_t			buf[STUN_RDV_MSG_MAX];
	int			n;

	memset(&q, 0, sizeof(q));
	q.method = STUN_RDV_LEAVE;
	q.cls = STUN_CLASS_REQUEST;
	if (stun_random(NULL, NULL, q.tid, sizeof(q.tid)) != 0 ||
	    stun_random(NULL, NULL, key, sizeof(key)) != 0)
		return;
	q.flags = STUN_RDV_F_ROOM | STUN_RDV_F_MEMBER_ID;
	memcpy(q.room, rc->c.room, rc->c.roomlen);
	q.roomlen = rc->c.roomlen;
	q.member_id = rc->member_id;
	q.seq = rc->tx_seq + 1;
	if ((n = stun_rdv_build(&q, key, buf, sizeof(buf))) < 0)
		return;
	rp_send(fd, &rc->c.server, buf, (size_t)n);
	printf("forged-leave sent len=%d\n", n);
}

static void
rp_args(int argc, char **argv, struct rp_opts *o)
{
	struct stun_addr	 a;
	char			*p;
	size_t			 n;
	int			 ch, have_room = 0;

	memset(o, 0, sizeof(*o));
	strncpy(o->c.name, "poke", sizeof(o->c.name) - 1);
	o->leave_ms = -1;
	o->run_ms = 10000;
	stun_addr_parse("127.0.0.1", 0, &o->bind);
	o->pause_at = -1;
	while ((ch = getopt(argc, argv, "b:DH:kl:LM:n:p:r:st:vw")) != -1) {
		switch (ch) {
		case 'D':
			o->lose_ind = 1;
			break;
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
			if (OPENSSL_hexstr2buf_ex(o->c.room_key,
			    sizeof(o->c.room_key), &n, optarg, '\0') != 1 ||
			    n != sizeof(o->c.room_key))
				usage();
			have_room = 1;
			break;
		case 's':
			o->hello = 1;
			break;
		case 'L':
			o->fake_leave = 1;
			break;
		case 'M':
			o->move_every = rp_seconds(optarg);
			if (o->move_every == 0)
				usage();
			break;
		case 'p':
			if ((p = strchr(optarg, ':')) == NULL)
				usage();
			*p = '\0';
			o->pause_at = rp_seconds(optarg);
			o->pause_ms = rp_seconds(p + 1);
			break;
		case 'v':
			o->amp = 1;
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

/* A new socket on the same address: the NAT gave us a new port. */
static int
rp_rebind(int fd, const struct rp_opts *o)
{
	struct stun_addr	me;
	char			s[64];
	int			nfd;

	if ((nfd = sock_bind(&o->bind, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(nfd, &me) == -1) {
		if (nfd != -1)
			close(nfd);
		return (fd);
	}
	close(fd);
	printf("rebound local %s\n", rp_fmt(&me, s, sizeof(s)));
	return (nfd);
}

/*
 * -D: the first Members indication after joining is lost on the way, as
 * a datagram may be; 1 when buf is that one.
 */
static int
rp_lose(struct rp_opts *o, const struct stun_rdv_client *rc,
    const uint8_t *buf, size_t len)
{
	struct stun_msg	m;

	if (!o->lose_ind || rc->state != STUN_RDV_S_JOINED ||
	    stun_msg_decode(&m, buf, len) != 0 ||
	    m.method != STUN_RDV_MEMBERS || m.cls != STUN_CLASS_INDICATION)
		return (0);
	o->lose_ind = 0;
	printf("lost members len=%zu\n", len);
	return (1);
}

/* Things to print when the machine's state moved. */
static void
rp_watch(const struct stun_rdv_client *rc, struct stun_addr *mapped,
    unsigned *rereg)
{
	char	s[64];

	if (rc->state != STUN_RDV_S_JOINED)
		return;
	if (rc->reregisters != *rereg) {
		*rereg = rc->reregisters;
		printf("reregistered id=%u\n", rc->member_id);
	}
	if (!stun_addr_equal(&rc->mapped, mapped)) {
		if (mapped->family != 0)
			printf("mapped %s\n", rp_fmt(&rc->mapped, s,
			    sizeof(s)));
		*mapped = rc->mapped;
	}
}

int
main(int argc, char **argv)
{
	struct rp_opts		 o;
	struct stun_rdv_client	 rc;
	struct stun_addr	 me, from, mapped;
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	uint8_t			 buf[STUN_RDV_MSG_MAX];
	uint8_t			 room[STUN_RDV_ROOM_ID_LEN];
	socklen_t		 sl;
	uint64_t		 now, start, end, wake = 0, leave_at = 0, t;
	uint64_t		 pause_from = 0, pause_to = 0, move_at = 0;
	ssize_t			 n;
	char			 s[64];
	unsigned		 rereg = 0, moves = 0;
	int			 fd, i, rv, failed = 0, left = 0, faked = 0;

	rp_args(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((fd = sock_bind(&o.bind, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(fd, &me) == -1) {
		fprintf(stderr, "rdvpoke: bind: %s\n", strerror(errno));
		return (RP_EXIT_ERR);
	}
	printf("local %s\n", rp_fmt(&me, s, sizeof(s)));
	if (stun_rdv_room_id(o.c.room_key, room) != 0)
		return (RP_EXIT_ERR);
	printf("room ");
	for (i = 0; i < (int)sizeof(room); i++)
		printf("%02x", room[i]);
	printf("\n");
	if (o.forge) {
		rv = rp_forge(fd, &o, room);
		close(fd);
		return (rv);
	}
	if ((rv = stun_rdv_client_init(&rc, &o.c)) != 0) {
		fprintf(stderr, "rdvpoke: %s\n", stun_strerror(rv));
		close(fd);
		return (RP_EXIT_ERR);
	}
	now = start = rp_now();
	if (o.hello) {
		rv = rp_hello(fd, &rc, &o, now);
		close(fd);
		return (rv);
	}
	memset(&mapped, 0, sizeof(mapped));
	end = now + (uint64_t)o.run_ms;
	if (o.leave_ms >= 0)
		leave_at = now + (uint64_t)o.leave_ms;
	if (o.pause_at >= 0) {
		pause_from = now + (uint64_t)o.pause_at;
		pause_to = pause_from + (uint64_t)o.pause_ms;
	}
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
		if (pause_from != 0 && now < pause_to && pause_from < t)
			t = pause_from > now ? pause_from : now;
		if (move_at != 0 && move_at < t)
			t = move_at > now ? move_at : now;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(t - now)) == -1 && errno != EINTR)
			break;
		now = rp_now();
		if (pause_from != 0 && now >= pause_from && now < pause_to) {
			/* Asleep: nothing in, nothing out, no timers. */
			printf("paused\n");
			while ((now = rp_now()) < pause_to && now < end) {
				pfd.revents = 0;
				if (poll(&pfd, 1, (int)(pause_to - now)) > 0)
					(void)recv(fd, buf, sizeof(buf), 0);
			}
			printf("resumed\n");
			pause_from = 0;
			continue;
		}
		for (i = 0; i < RP_READS && (pfd.revents & POLLIN); i++) {
			sl = sizeof(ss);
			n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			    (struct sockaddr *)&ss, &sl);
			if (n < 0)
				break;
			rp_received(&o, buf, (size_t)n);
			if (rp_lose(&o, &rc, buf, (size_t)n))
				continue;
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
		if (o.fake_leave && !faked && rc.state == STUN_RDV_S_JOINED) {
			faked = 1;
			rp_fake_leave(fd, &rc);
		}
		if (o.move_every > 0 && rc.state == STUN_RDV_S_JOINED &&
		    move_at == 0)
			move_at = now + (uint64_t)o.move_every;
		if (move_at != 0 && now >= move_at) {
			/* A new port; every other time a new candidate too. */
			fd = rp_rebind(fd, &o);
			if (++moves % 2 == 0 && rc.c.ncand > 0) {
				rc.c.cand[0].addr.port++;
				(void)stun_rdv_client_set_cands(&rc, rc.c.cand,
				    rc.c.ncand, now);
			}
			move_at = now + (uint64_t)o.move_every;
		}
		if (rp_drain(&rc, fd, &o, now, &wake, &failed))
			break;
		rp_watch(&rc, &mapped, &rereg);
	}
out:
	printf("end ignored=%u rejected=%u tx_bytes=%llu rx_bytes=%llu "
	    "secs=%llu\n", rc.ignored, rc.rejected,
	    (unsigned long long)rp_tx_bytes, (unsigned long long)rp_rx_bytes,
	    (unsigned long long)((rp_now() - start) / 1000));
	close(fd);
	return (failed ? RP_EXIT_FAILED : 0);
}

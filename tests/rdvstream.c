/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * rdvstream: a rendezvous test client over one TCP or TLS connection, for
 * tests/stund_rdvstream.sh.  It drives libstun's client machine
 * (stun_rdv_client_*) with reliable transactions, cuts what the server
 * sends with stun_frame_len(), and prints one line per event like rdvpoke.
 * It can also close its connection without a Leave, send bytes that are
 * no STUN frame, or allocate on the server's relay with the credential
 * of its Register answer, through the same connection.  Exit status: 0
 * when the run ended without a failure, 1 when the machine failed, 2 for
 * usage, 3 for other errors.
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
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/stun.h"
#include "libstun/turn.h"

#define RS_EXIT_FAILED	1
#define RS_EXIT_USAGE	2
#define RS_EXIT_ERR	3
#define RS_ACTIONS	64
#define RS_IN_MAX	(4 * STUN_RDV_MSG_MAX)

struct rs {
	int		 fd;
	SSL		*ssl;
	uint8_t		 in[RS_IN_MAX];
	size_t		 nin;
	int		 closed;
	/* -A: TURN through the connection, with the Register's credential. */
	int		 alloc;
	int		 turn_on;
	struct stun_turn turn;
	struct stun_addr srv;
};

static int		 rs_write(struct rs *, const uint8_t *, size_t);
static const char	*rs_fmt(const struct stun_addr *, char *, size_t);

static void
rs_turn_drain(struct rs *c, uint64_t *wake)
{
	struct stun_turn_action	 a;
	char			 s[64];
	int			 i;

	if (!c->turn_on)
		return;
	for (i = 0; i < RS_ACTIONS; i++) {
		stun_turn_next(&c->turn, &a);
		switch (a.kind) {
		case STUN_TURN_A_WAIT:
			if (a.wake != 0 && a.wake < *wake)
				*wake = a.wake;
			return;
		case STUN_TURN_A_SEND:
			if (!c->closed && rs_write(c, a.buf, a.len) == -1)
				printf("send-error\n");
			break;
		case STUN_TURN_A_ALLOCATED:
			printf("allocated relayed=%s\n",
			    rs_fmt(&a.relayed, s, sizeof(s)));
			break;
		case STUN_TURN_A_FAILED:
			printf("turn-failed code=%d\n", a.code);
			c->turn_on = 0;
			return;
		}
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rdvstream [-AT] -r room-key-hex [-n name] "
	    "[-H addr:port] [-C addr:port]\n"
	    "                 [-t seconds] [-l seconds] [-c seconds] "
	    "[-g hex | -i] server:port\n");
	exit(RS_EXIT_USAGE);
}

static uint64_t
rs_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static long
rs_ms(const char *s)
{
	char	*end;
	double	 d;

	d = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || d < 0 || d > 86400)
		usage();
	return ((long)(d * 1000));
}

static const char *
rs_fmt(const struct stun_addr *a, char *s, size_t cap)
{
	if (stun_addr_format(a, s, cap) != 0)
		snprintf(s, cap, "?");
	return (s);
}

/* "members event=E who=ID n=N m<id>=name,kind=addr,..." */
static void
rs_members(const struct stun_rdv_action *a)
{
	static const char	*ev[] = { "none", "join", "leave", "timeout",
				    "move" };
	static const char	*kind[] = { "other", "host", "srflx", "relay",
				    "tcp" };
	const struct stun_rdv_member *mb;
	char			 s[64];
	unsigned		 i, k;

	printf("members event=%s who=%u n=%u", ev[a->event <= 4 ? a->event :
	    0], a->event_member, a->nmembers);
	for (i = 0; i < a->nmembers; i++) {
		mb = &a->members[i];
		printf(" m%u=%s", mb->id, mb->name);
		for (k = 0; k < mb->ncand; k++)
			printf(",%s=%s", kind[mb->cand[k].kind <= 4 ?
			    mb->cand[k].kind : 0],
			    rs_fmt(&mb->cand[k].addr, s, sizeof(s)));
	}
	printf("\n");
}

/* Write all of buf (a blocking socket).  0 or -1. */
static int
rs_write(struct rs *c, const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = c->ssl != NULL ? SSL_write(c->ssl, buf, (int)len) :
		    write(c->fd, buf, len);
		if (n <= 0) {
			if (c->ssl == NULL && n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Read what is there; 0 or -1 (closed, error or a frame too big). */
static int
rs_read(struct rs *c)
{
	ssize_t	n;

	if (c->nin == sizeof(c->in))
		return (-1);
	n = c->ssl != NULL ? SSL_read(c->ssl, c->in + c->nin,
	    (int)(sizeof(c->in) - c->nin)) :
	    read(c->fd, c->in + c->nin, sizeof(c->in) - c->nin);
	if (n <= 0)
		return (-1);
	c->nin += (size_t)n;
	return (0);
}

/* Allocate with the Register answer's credential. */
static void
rs_turn_start(struct rs *c, const struct stun_rdv_action *a, uint64_t now)
{
	struct stun_turn_config	tc;

	memset(&tc, 0, sizeof(tc));
	tc.server = c->srv;
	snprintf(tc.username, sizeof(tc.username), "%s", a->relay_user);
	snprintf(tc.password, sizeof(tc.password), "%s", a->relay_pass);
	tc.txn.reliable = 1;
	tc.txn.ti = 5000;
	if (stun_turn_init(&c->turn, &tc) != 0 ||
	    stun_turn_start(&c->turn, now) != 0) {
		printf("turn-failed code=0\n");
		return;
	}
	c->turn_on = 1;
}

static int
rs_drain(struct stun_rdv_client *rc, struct rs *c, uint64_t now,
    uint64_t *wake, int *failed)
{
	struct stun_rdv_action	 a;
	char			 s[64];
	int			 i;

	for (i = 0; i < RS_ACTIONS; i++) {
		stun_rdv_client_next(rc, &a);
		switch (a.kind) {
		case STUN_RDV_A_WAIT:
			*wake = a.wake;
			rs_turn_drain(c, wake);
			return (0);
		case STUN_RDV_A_SEND:
			if (!c->closed && rs_write(c, a.buf, a.len) == -1)
				printf("send-error\n");
			break;
		case STUN_RDV_A_SERVER:
			printf("server %s\n", a.server_up ? "back" :
			    "unreachable");
			break;
		case STUN_RDV_A_JOINED:
			printf("joined id=%u mapped=%s%s\n", a.member_id,
			    rs_fmt(&a.mapped, s, sizeof(s)),
			    a.relay_user[0] != '\0' ? " relay-user" : "");
			if (c->alloc && !c->turn_on && a.relay_user[0] != '\0')
				rs_turn_start(c, &a, now);
			break;
		case STUN_RDV_A_MEMBERS:
			rs_members(&a);
			break;
		case STUN_RDV_A_GO:
			printf("go peer=%u delay=%lld\n", a.peer_id,
			    (long long)a.go_at - (long long)now);
			break;
		case STUN_RDV_A_DONE:
			printf("done\n");
			return (1);
		case STUN_RDV_A_FAILED:
			printf("failed err=\"%s\" code=%d\n",
			    stun_strerror(a.err), a.code);
			*failed = 1;
			return (1);
		}
	}
	*wake = now + 10;
	return (0);
}

/*
 * Hand every whole frame in c->in to the machine, draining its actions
 * after each: one read may hold several deltas, and the machine keeps
 * only the last list change for the next MEMBERS action.  0, 1 when the
 * machine ended, -1 for a bad frame.
 */
static int
rs_frames(struct stun_rdv_client *rc, struct rs *c,
    const struct stun_addr *srv, uint64_t now, uint64_t *wake, int *failed)
{
	int	r;

	while (c->nin > 0) {
		r = stun_frame_len(c->in, c->nin, sizeof(c->in), NULL);
		if (r == STUN_ERR_NEED_MORE)
			return (0);
		if (r <= 0)
			return (-1);
		stun_rdv_client_input(rc, srv, c->in, (size_t)r, now);
		if (c->turn_on)
			(void)stun_turn_input(&c->turn, srv, c->in, (size_t)r,
			    now);
		memmove(c->in, c->in + r, c->nin - (size_t)r);
		c->nin -= (size_t)r;
		if (rs_drain(rc, c, now, wake, failed))
			return (1);
	}
	return (0);
}

static int
rs_connect(struct rs *c, const struct stun_addr *srv, int tls,
    SSL_CTX **ctx)
{
	struct sockaddr_storage	 ss;
	struct stun_addr	 me;
	socklen_t		 sl;
	char			 s[64];

	if ((sl = sock_from_stun(srv, &ss)) == 0 ||
	    (c->fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&ss, sl) == -1 ||
	    sock_local(c->fd, &me) == -1) {
		fprintf(stderr, "rdvstream: connect: %s\n", strerror(errno));
		return (-1);
	}
	if (tls) {
		/* A throwaway test certificate: not verified. */
		if ((*ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    (c->ssl = SSL_new(*ctx)) == NULL ||
		    SSL_set_fd(c->ssl, c->fd) != 1 ||
		    SSL_connect(c->ssl) != 1) {
			fprintf(stderr, "rdvstream: tls handshake failed\n");
			return (-1);
		}
	}
	printf("local %s\n", rs_fmt(&me, s, sizeof(s)));
	return (0);
}

int
main(int argc, char **argv)
{
	struct stun_rdv_config	 cf;
	struct stun_rdv_client	 rc;
	struct rs		 c;
	struct pollfd		 pfd;
	SSL_CTX			*ctx = NULL;
	uint8_t			 junk[256];
	size_t			 klen, njunk = 0;
	uint64_t		 now, end, wake = 0, leave_at = 0, close_at = 0;
	long			 run_ms = 30000;
	int			 ch, tls = 0, failed = 0, left = 0, rv, tmo;
	int			 raw = 0;

	memset(&cf, 0, sizeof(cf));
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	snprintf(cf.name, sizeof(cf.name), "rdvstream");
	while ((ch = getopt(argc, argv, "AC:c:g:H:il:n:r:Tt:")) != -1) {
		switch (ch) {
		case 'A':
			c.alloc = 1;
			break;
		case 'C':
		case 'H':
			if (cf.ncand == STUN_RDV_MAX_CANDS ||
			    stun_addr_parse(optarg, 0,
			    &cf.cand[cf.ncand].addr) != 0)
				usage();
			cf.cand[cf.ncand++].kind = ch == 'C' ?
			    STUN_RDV_CAND_TCP : STUN_RDV_CAND_HOST;
			break;
		case 'c':
			close_at = (uint64_t)rs_ms(optarg);
			break;
		case 'g':
			if (OPENSSL_hexstr2buf_ex(junk, sizeof(junk), &njunk,
			    optarg, '\0') != 1)
				usage();
			raw = 1;
			break;
		case 'i':
			raw = 1;
			break;
		case 'l':
			leave_at = (uint64_t)rs_ms(optarg);
			break;
		case 'n':
			if (strlen(optarg) >= sizeof(cf.name))
				usage();
			snprintf(cf.name, sizeof(cf.name), "%s", optarg);
			break;
		case 'r':
			if (OPENSSL_hexstr2buf_ex(cf.room_key,
			    sizeof(cf.room_key), &klen, optarg, '\0') != 1 ||
			    klen != sizeof(cf.room_key))
				usage();
			break;
		case 'T':
			tls = 1;
			break;
		case 't':
			run_ms = rs_ms(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || stun_addr_parse(argv[optind], 0,
	    &cf.server) != 0 || cf.server.port == 0)
		usage();
	c.srv = cf.server;
	/* A reliable transport: one send per transaction, no retries. */
	cf.txn.reliable = 1;
	cf.txn.ti = 5000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (rs_connect(&c, &cf.server, tls, &ctx) == -1)
		return (RS_EXIT_ERR);
	now = rs_now();
	end = now + (uint64_t)run_ms;
	if (leave_at != 0)
		leave_at += now;
	if (close_at != 0)
		close_at += now;
	if (raw) {
		/* Not a frame (or nothing): the server answers or closes. */
		(void)rs_write(&c, junk, njunk);
		leave_at = close_at = 0;
	} else if ((rv = stun_rdv_client_init(&rc, &cf)) != 0 ||
	    (rv = stun_rdv_client_start(&rc, now)) != 0) {
		fprintf(stderr, "rdvstream: %s\n", stun_strerror(rv));
		return (RS_EXIT_ERR);
	} else if (rs_drain(&rc, &c, now, &wake, &failed))
		goto out;
	while ((now = rs_now()) < end && !c.closed) {
		tmo = (int)(end - now);
		if (!raw && wake > now && wake - now < (uint64_t)tmo)
			tmo = (int)(wake - now);
		if (!raw && wake <= now)
			tmo = 0;
		if (close_at != 0 && close_at <= now + (uint64_t)tmo)
			tmo = close_at > now ? (int)(close_at - now) : 0;
		pfd.fd = c.fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((c.ssl == NULL || SSL_pending(c.ssl) == 0) &&
		    poll(&pfd, 1, tmo) == -1 && errno != EINTR)
			break;
		now = rs_now();
		if ((pfd.revents != 0 || (c.ssl != NULL &&
		    SSL_pending(c.ssl) > 0)) && rs_read(&c) == -1) {
			printf("closed by server\n");
			c.closed = 1;
		}
		if (raw) {
			/* Print the answer's type, if any. */
			if (c.nin >= 20)
				printf("answer type=0x%02x%02x\n", c.in[0],
				    c.in[1]);
			c.nin = 0;
			continue;
		}
		if ((rv = rs_frames(&rc, &c, &cf.server, now, &wake,
		    &failed)) != 0) {
			if (rv == -1)
				printf("bad frame from server\n");
			break;
		}
		if (close_at != 0 && now >= close_at) {
			/* Gone without a Leave. */
			printf("closing\n");
			close_at = 0;
			c.closed = 1;
			break;
		}
		if (now >= wake) {
			stun_rdv_client_timer(&rc, now);
			if (c.turn_on)
				stun_turn_timer(&c.turn, now);
		}
		if (leave_at != 0 && !left && now >= leave_at &&
		    rc.state == STUN_RDV_S_JOINED) {
			left = 1;
			printf("leaving\n");
			stun_rdv_client_leave(&rc, now);
		}
		if (rs_drain(&rc, &c, now, &wake, &failed))
			break;
	}
out:
	printf("end ignored=%u rejected=%u\n", raw ? 0 : rc.ignored,
	    raw ? 0 : rc.rejected);
	if (c.ssl != NULL) {
		if (!c.closed)
			(void)SSL_shutdown(c.ssl);
		SSL_free(c.ssl);
	}
	SSL_CTX_free(ctx);
	close(c.fd);
	return (failed ? RS_EXIT_FAILED : 0);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * turnload: a TURN relay load generator for loopback benchmarks.  Each
 * source (a UDP socket, or a TCP connection with -t) makes one allocation
 * (long-term credentials), binds a channel to a peer that reflects
 * datagrams (bench/echo -r), then either keeps a bounded window of
 * ChannelData round trips in flight, or with -r sends at a fixed rate the
 * way real clients do, for a bounded time.  Every packet back is checked
 * (channel, length, payload tag).  It prints one line of key=value
 * results.  Server and peer must be loopback addresses, or documentation
 * addresses inside network namespaces the benchmark made (bench/run.sh
 * with BENCH_NETNS=1); with those the sources bind the wildcard address.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libstun/stun.h>

#include "common/sock.h"
#include "benchlib.h"

#define TL_MAXSRC	(4096)
#define TL_MAXWIN	(64)
#define TL_BATCH	(64)
#define TL_BUFSZ	(2048)
#define TL_MAXPAYLOAD	(1200)
#define TL_TAG		(12)		/* slot, seq, salt first */
#define TL_EVENTS	(256)
#define TL_NS		BENCH_NS
#define TL_CHANNEL	(STUN_CHANNEL_MIN)
#define TL_TRIES	(4)		/* sends per setup request */
#define TL_STREAM	(65536)		/* TCP input buffer per source */

struct tl_slot {
	uint64_t	 sent;		/* ns; 0 when free */
	uint32_t	 seq;
};

struct tl_src {
	int		 fd;
	int		 up;		/* allocated, channel bound */
	uint8_t		 key[STUN_KEY_MAX];
	size_t		 keylen;
	char		 realm[STUN_MAX_STRING_PARSE + 1];
	char		 nonce[STUN_MAX_STRING_PARSE + 1];
	struct stun_addr relayed;
	uint64_t	 next;		/* paced: ns of the next send */
	struct stun_stream st;		/* TCP: frames being cut */
};

struct tl {
	struct stun_addr target, peer, bind;
	char		 user[64], pass[64];
	unsigned	 nsrc, window, payload;
	uint64_t	 duration, warmup, timeout;
	int		 tcp;		/* -t: TURN over TCP to the server */
	int		 rcvbuf;	/* -b: SO_RCVBUF; 0: the default */
	long		 pid;		/* -p: the server, for its CPU time */
	uint64_t	 cpu0, cpu1;	/* its ns at t_measure and t_end */
	int		 cpu_state;	/* 0, 1 started, 2 done, -1 failed */
	uint64_t	 interval;	/* -r: ns between sends; 0: window */

	int		 ep;
	struct tl_src	*src;
	struct tl_slot	*slot;
	uint8_t		 salt[4];
	uint64_t	 t_measure, t_end;

	uint64_t	 sent, rtts, warm, lost, invalid, setupfail, skipped;
	struct bench_hist hist;
	uint8_t		(*rx)[TL_BUFSZ];
	int		 lasterr;	/* last setup error code seen */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: turnload [-t] [-b rcvbuf] [-d seconds] [-n allocations] "
	    "[-p pid] [-r rate]\n"
	    "                [-s payload] [-T timeout-ms] [-u user:pass] "
	    "[-W warmup]\n"
	    "                [-w window] -e peer target\n");
	exit(2);
}

/* Add USERNAME, REALM, NONCE and MESSAGE-INTEGRITY once a nonce is known. */
static void
tl_auth(struct tl *t, struct tl_src *s, struct stun_builder *b)
{
	if (s->nonce[0] == '\0')
		return;
	stun_build_string(b, STUN_ATTR_USERNAME, t->user);
	stun_build_string(b, STUN_ATTR_REALM, s->realm);
	stun_build_string(b, STUN_ATTR_NONCE, s->nonce);
	stun_build_integrity(b, s->key, s->keylen);
}

/*
 * One message from the server on a blocking socket: a datagram, or over
 * TCP the next whole frame (copied to buf).  Its length, or -1.
 */
static ssize_t
tl_recv(struct tl *t, struct tl_src *s, uint8_t *buf, size_t cap)
{
	const uint8_t	*f;
	ssize_t		 n;
	int		 r, i;

	if (!t->tcp)
		return (recv(s->fd, buf, cap, 0));
	/* Bounded: each round reads at least one byte or gives up. */
	for (i = 0; i < 64; i++) {
		if ((r = stun_stream_pull(&s->st, &f, NULL)) > 0) {
			if ((size_t)r > cap)
				return (-1);
			memcpy(buf, f, (size_t)r);
			return (r);
		}
		if (r != STUN_ERR_NEED_MORE)
			return (-1);
		if ((n = recv(s->fd, buf, cap, 0)) <= 0 ||
		    stun_stream_push(&s->st, buf, (size_t)n) != (size_t)n)
			return (-1);
	}
	return (-1);
}

/*
 * One authenticated request/response on source s (blocking, bounded).
 * Handles 401 and 438 by taking the realm and nonce and asking again.
 * Returns 0 on success with the response decoded into m (over buf).
 */
static int
tl_transact(struct tl *t, struct tl_src *s, uint16_t method,
    struct stun_msg *m, uint8_t *buf, size_t cap)
{
	struct stun_builder	 b;
	uint8_t			 tid[STUN_TID_LEN], req[512];
	const char		*reason;
	size_t			 rlen;
	ssize_t			 n;
	int			 try, len, code, round;

	for (round = 0; round < 3; round++) {
		if (stun_tid_new(NULL, NULL, tid) != 0)
			return (-1);
		stun_build_init(&b, req, sizeof(req), method,
		    STUN_CLASS_REQUEST, tid);
		if (method == STUN_METHOD_ALLOCATE)
			stun_build_transport(&b, 17);
		else {
			stun_build_channel(&b, TL_CHANNEL);
			stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS,
			    &t->peer);
		}
		tl_auth(t, s, &b);
		if ((len = stun_build_finish(&b)) < 0)
			return (-1);
		for (try = 0; try < (t->tcp ? 1 : TL_TRIES); try++) {
			if (send(s->fd, req, len, MSG_NOSIGNAL) != len)
				return (-1);
			n = tl_recv(t, s, buf, cap);
			if (n > 0 && stun_msg_decode(m, buf, n) == 0 &&
			    memcmp(m->tid, tid, STUN_TID_LEN) == 0)
				break;
			n = -1;
		}
		if (n <= 0)
			return (-1);
		if (m->cls == STUN_CLASS_SUCCESS)
			return (0);
		if (stun_msg_get_error(m, &code, &reason, &rlen) != 0)
			return (-1);
		t->lasterr = code;
		if (code != 401 && code != 438)
			return (-1);
		if (stun_msg_get_string(m, STUN_ATTR_NONCE, s->nonce,
		    sizeof(s->nonce)) != 0)
			return (-1);
		if (code == 401 && (stun_msg_get_string(m, STUN_ATTR_REALM,
		    s->realm, sizeof(s->realm)) != 0 ||
		    stun_key_long_term(STUN_PWALG_MD5, t->user, s->realm,
		    t->pass, s->key, &s->keylen) != 0))
			return (-1);
	}
	return (-1);
}

/* Allocation and channel for source si over a blocking socket. */
static int
tl_setup(struct tl *t, unsigned si)
{
	struct tl_src		*s = &t->src[si];
	struct sockaddr_storage	 ss;
	struct stun_msg		 m;
	struct stun_addr	 a = t->bind;
	struct timeval		 tv;
	uint8_t			 buf[TL_BUFSZ];
	socklen_t		 sslen;
	int			 bufsz, one = 1;

	a.port = 0;
	sslen = sock_from_stun(&a, &ss);
	if ((s->fd = socket(ss.ss_family, (t->tcp ? SOCK_STREAM :
	    SOCK_DGRAM) | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s->fd, (struct sockaddr *)&ss, sslen) == -1)
		return (-1);
	if (t->tcp) {
		if ((s->st.buf = malloc(TL_STREAM)) == NULL)
			return (-1);
		stun_stream_init(&s->st, s->st.buf, TL_STREAM);
		(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	sslen = sock_from_stun(&t->target, &ss);
	tv.tv_sec = t->tcp ? 2 : 0;
	tv.tv_usec = t->tcp ? 0 : 250000;
	bufsz = t->rcvbuf;
	if (bufsz > 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ==
	    -1 || connect(s->fd, (struct sockaddr *)&ss, sslen) == -1)
		return (-1);
	if (tl_transact(t, s, STUN_METHOD_ALLOCATE, &m, buf,
	    sizeof(buf)) != 0 ||
	    stun_msg_get_addr(&m, STUN_ATTR_XOR_RELAYED_ADDRESS,
	    &s->relayed) != 0)
		return (-1);
	if (tl_transact(t, s, STUN_METHOD_CHANNEL_BIND, &m, buf,
	    sizeof(buf)) != 0)
		return (-1);
	s->up = 1;
	return (0);
}

/*
 * The CPU time of every thread of process pid so far, in ns, from the
 * scheduler's own account (/proc/PID/task/TID/schedstat, first field):
 * exact where /proc/PID/stat counts clock ticks.  0 or -1.
 */
static int
tl_cpu_ns(long pid, uint64_t *ns)
{
	char		 path[64];
	DIR		*d;
	FILE		*f;
	struct dirent	*de;
	unsigned long long v;
	int		 n = 0;

	*ns = 0;
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 20)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat",
		    pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu", &v) == 1) {
			*ns += v;
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return (n > 0 ? 0 : -1);
}

/* Sample the server's CPU time as the measured window opens and closes. */
static void
tl_cpu_mark(struct tl *t, uint64_t now)
{
	if (t->pid == 0 || t->cpu_state < 0 || t->cpu_state == 2)
		return;
	if (t->cpu_state == 0 && now >= t->t_measure) {
		t->cpu_state = tl_cpu_ns(t->pid, &t->cpu0) == 0 ? 1 : -1;
	} else if (t->cpu_state == 1 && now >= t->t_end) {
		t->cpu_state = tl_cpu_ns(t->pid, &t->cpu1) == 0 ? 2 : -1;
	}
}

static void
tl_record(struct tl *t, uint64_t sent, uint64_t now)
{
	if (now < t->t_measure || now >= t->t_end) {
		t->warm++;
		return;
	}
	t->rtts++;
	bench_hist_add(&t->hist, now - sent);
}

/* Send ChannelData for the given slots of source si in one sendmmsg. */
static void
tl_send(struct tl *t, unsigned si, const unsigned *idx, unsigned n,
    uint64_t now)
{
	static const uint8_t	 zero[TL_MAXPAYLOAD];
	static uint8_t		 pkt[TL_MAXWIN][4 + TL_MAXPAYLOAD + 3];
	uint8_t			 data[TL_MAXPAYLOAD];
	struct iovec		 iov[TL_MAXWIN];
	struct mmsghdr		 msg[TL_MAXWIN];
	struct tl_slot		*sl;
	unsigned		 i, ok = 0;
	int			 len, ret;

	if (n == 0 || now >= t->t_end)
		return;
	memset(msg, 0, sizeof(msg[0]) * n);
	memcpy(data, zero, t->payload);
	for (i = 0; i < n; i++) {
		sl = &t->slot[idx[i]];
		sl->seq++;
		data[0] = idx[i] >> 24;
		data[1] = idx[i] >> 16;
		data[2] = idx[i] >> 8;
		data[3] = idx[i];
		data[4] = sl->seq >> 24;
		data[5] = sl->seq >> 16;
		data[6] = sl->seq >> 8;
		data[7] = sl->seq;
		memcpy(data + 8, t->salt, 4);
		len = stun_chdata_encode(pkt[ok], sizeof(pkt[ok]), TL_CHANNEL,
		    data, t->payload, t->tcp);
		if (len < 0)
			continue;
		iov[ok].iov_base = pkt[ok];
		iov[ok].iov_len = len;
		msg[ok].msg_hdr.msg_iov = &iov[ok];
		msg[ok].msg_hdr.msg_iovlen = 1;
		ok++;
	}
	if (t->tcp) {
		/* One write for the frames due, as a client would. */
		ret = writev(t->src[si].fd, iov, (int)ok) > 0 ? (int)ok : -1;
	} else
		ret = sendmmsg(t->src[si].fd, msg, ok, 0);
	for (i = 0; ret > 0 && i < (unsigned)ret; i++) {
		t->slot[idx[i]].sent = now;
		t->sent++;
	}
}

/* Check one datagram from the relay; returns the slot answered or -1. */
static long
tl_check(struct tl *t, unsigned si, const uint8_t *buf, size_t len)
{
	const uint8_t	*data;
	size_t		 dlen;
	uint32_t	 idx, seq;
	uint16_t	 ch;

	if (stun_chdata_decode(buf, len, &ch, &data, &dlen) != 0 ||
	    ch != TL_CHANNEL || dlen != t->payload ||
	    memcmp(data + 8, t->salt, 4) != 0) {
		t->invalid++;
		return (-1);
	}
	idx = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	seq = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
	    (uint32_t)data[6] << 8 | data[7];
	if (idx / t->window != si || t->slot[idx].sent == 0 ||
	    t->slot[idx].seq != seq) {
		t->invalid++;
		return (-1);
	}
	return (idx);
}

/* One checked packet back: record it; refill the window unless paced. */
static void
tl_back(struct tl *t, unsigned si, const uint8_t *buf, size_t len,
    unsigned *refill, unsigned *nrefill, uint64_t now)
{
	long	 idx;

	/* STUN (a Data indication, say) is not what we sent. */
	if (stun_msg_is_stun(buf, len)) {
		t->invalid++;
		return;
	}
	if ((idx = tl_check(t, si, buf, len)) < 0)
		return;
	tl_record(t, t->slot[idx].sent, now);
	t->slot[idx].sent = 0;
	if (t->interval == 0 && *nrefill < TL_MAXWIN)
		refill[(*nrefill)++] = idx;
}

/* TCP: read what the stream has, cut it into frames. */
static void
tl_input_tcp(struct tl *t, unsigned si)
{
	struct tl_src	*s = &t->src[si];
	unsigned	 refill[TL_MAXWIN], nrefill = 0;
	const uint8_t	*f;
	uint64_t	 now;
	ssize_t		 n;
	size_t		 room;
	int		 r;

	room = s->st.cap - s->st.len;
	if (room > TL_BUFSZ)
		room = TL_BUFSZ;
	n = recv(s->fd, t->rx[0], room, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* The server closed it: its window is lost at the scan. */
		s->up = 0;
		(void)epoll_ctl(t->ep, EPOLL_CTL_DEL, s->fd, NULL);
		return;
	}
	if (n < 0)
		return;
	(void)stun_stream_push(&s->st, t->rx[0], (size_t)n);
	now = bench_now();
	while ((r = stun_stream_pull(&s->st, &f, NULL)) > 0)
		tl_back(t, si, f, (size_t)r, refill, &nrefill, now);
	if (r != STUN_ERR_NEED_MORE) {
		t->invalid++;
		s->up = 0;
		(void)epoll_ctl(t->ep, EPOLL_CTL_DEL, s->fd, NULL);
		return;
	}
	tl_send(t, si, refill, nrefill, now);
}

static void
tl_input(struct tl *t, unsigned si)
{
	struct iovec	 iov[TL_BATCH];
	struct mmsghdr	 msg[TL_BATCH];
	unsigned	 refill[TL_MAXWIN], nrefill = 0;
	uint64_t	 now;
	int		 i, n;

	if (t->tcp) {
		tl_input_tcp(t, si);
		return;
	}
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < TL_BATCH; i++) {
		iov[i].iov_base = t->rx[i];
		iov[i].iov_len = TL_BUFSZ;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(t->src[si].fd, msg, TL_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	now = bench_now();
	for (i = 0; i < n; i++)
		tl_back(t, si, t->rx[i], msg[i].msg_len, refill, &nrefill,
		    now);
	tl_send(t, si, refill, nrefill, now);
}

/* Give up on round trips older than the timeout and send new ones. */
static void
tl_scan(struct tl *t, uint64_t now)
{
	unsigned	 si, i, idx[TL_MAXWIN], n;
	struct tl_slot	*s;

	for (si = 0; si < t->nsrc; si++) {
		if (!t->src[si].up)
			continue;
		n = 0;
		for (i = 0; i < t->window; i++) {
			s = &t->slot[si * t->window + i];
			if (s->sent != 0 && now - s->sent < t->timeout)
				continue;
			if (s->sent != 0 && s->sent >= t->t_measure)
				t->lost++;
			s->sent = 0;
			idx[n++] = si * t->window + i;
		}
		if (t->interval == 0)
			tl_send(t, si, idx, n, now);
	}
}

/*
 * Paced: each source sends one packet every interval, its first at a
 * phase of its own so that the sources spread over the interval.  A send
 * that finds the whole window in flight is skipped (counted).  A source
 * more than a window behind (this process was not scheduled) starts
 * again from now.  Returns the ns of the next send due, at t_end at most.
 */
static uint64_t
tl_pace(struct tl *t, uint64_t now)
{
	unsigned	 si, i, idx[TL_MAXWIN], n;
	struct tl_src	*s;
	uint64_t	 next = t->t_end;

	for (si = 0; si < t->nsrc; si++) {
		s = &t->src[si];
		if (!s->up)
			continue;
		n = 0;
		i = 0;
		while (s->next <= now && s->next < t->t_end) {
			for (; i < t->window; i++)
				if (t->slot[si * t->window + i].sent == 0)
					break;
			if (i < t->window && n < TL_MAXWIN)
				idx[n++] = si * t->window + i++;
			else
				t->skipped++;
			s->next += t->interval;
			if (s->next + t->window * t->interval < now)
				s->next = now + t->interval;
		}
		tl_send(t, si, idx, n, now);
		if (s->next < next)
			next = s->next;
	}
	return (next);
}

static void
tl_options(struct tl *t, int argc, char **argv)
{
	long long	 v;
	char		*colon;
	int		 ch, have_peer = 0;
	double		 rate;

	t->nsrc = 1;
	t->rcvbuf = 1 << 20;
	t->window = 8;
	t->payload = 100;
	t->duration = 3 * TL_NS;
	t->warmup = TL_NS / 2;
	t->timeout = TL_NS;
	snprintf(t->user, sizeof(t->user), "bench");
	snprintf(t->pass, sizeof(t->pass), "bench");
	while ((ch = getopt(argc, argv, "b:d:e:n:p:r:s:tT:u:W:w:")) != -1) {
		switch (ch) {
		case 'b':
			if ((v = bench_milli(optarg, 0, 64 << 20)) == -1)
				usage();
			t->rcvbuf = (int)(v / 1000);
			break;
		case 'd':
			if ((v = bench_milli(optarg, 0.1, 600)) == -1)
				usage();
			t->duration = v * 1000000ULL;
			break;
		case 'e':
			if (stun_addr_parse(optarg, 0, &t->peer) != 0)
				usage();
			have_peer = 1;
			break;
		case 'n':
			if ((v = bench_milli(optarg, 1, TL_MAXSRC)) == -1)
				usage();
			t->nsrc = v / 1000;
			break;
		case 'p':
			if ((v = bench_milli(optarg, 1, 4194304)) == -1)
				usage();
			t->pid = (long)(v / 1000);
			break;
		case 'r':
			if ((v = bench_milli(optarg, 1, 100000)) == -1)
				usage();
			rate = (double)v / 1000.0;
			t->interval = (uint64_t)((double)TL_NS / rate);
			break;
		case 't':
			t->tcp = 1;
			break;
		case 's':
			if ((v = bench_milli(optarg, TL_TAG, TL_MAXPAYLOAD)) == -1)
				usage();
			t->payload = v / 1000;
			break;
		case 'T':
			if ((v = bench_milli(optarg, 10, 60000)) == -1)
				usage();
			t->timeout = v * 1000ULL;
			break;
		case 'u':
			if ((colon = strchr(optarg, ':')) == NULL ||
			    (size_t)(colon - optarg) >= sizeof(t->user) ||
			    strlen(colon + 1) >= sizeof(t->pass))
				usage();
			memcpy(t->user, optarg, colon - optarg);
			t->user[colon - optarg] = '\0';
			snprintf(t->pass, sizeof(t->pass), "%s", colon + 1);
			break;
		case 'W':
			if ((v = bench_milli(optarg, 0, 60)) == -1)
				usage();
			t->warmup = v * 1000000ULL;
			break;
		case 'w':
			if ((v = bench_milli(optarg, 1, TL_MAXWIN)) == -1)
				usage();
			t->window = v / 1000;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || !have_peer ||
	    stun_addr_parse(argv[optind], 3478, &t->target) != 0)
		usage();
	if (stun_addr_class(&t->target) == STUN_ADDR_LOOPBACK)
		(void)stun_addr_parse(t->target.family == STUN_AF_INET ?
		    "127.0.0.1" : "[::1]", 0, &t->bind);
	else
		(void)stun_addr_parse(t->target.family == STUN_AF_INET ?
		    "0.0.0.0" : "[::]", 0, &t->bind);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev[TL_EVENTS], e;
	struct rlimit		 rl;
	struct tl		 t;
	uint64_t		 now, t0, last_scan, next;
	unsigned		 si, up = 0;
	double			 secs, srv_us;
	int			 i, n, wait;

	memset(&t, 0, sizeof(t));
	tl_options(&t, argc, argv);
	if (!bench_lab_addr(&t.target) || !bench_lab_addr(&t.peer)) {
		fprintf(stderr, "turnload: server and peer must be loopback "
		    "or documentation addresses\n");
		return (2);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (stun_random(NULL, NULL, t.salt, sizeof(t.salt)) != 0 ||
	    (t.ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (t.src = calloc(t.nsrc, sizeof(*t.src))) == NULL ||
	    (t.slot = calloc((size_t)t.nsrc * t.window,
	    sizeof(*t.slot))) == NULL ||
	    bench_hist_init(&t.hist) == -1 ||
	    (t.rx = calloc(TL_BATCH, sizeof(*t.rx))) == NULL) {
		fprintf(stderr, "turnload: setup failed\n");
		return (1);
	}
	for (si = 0; si < t.nsrc; si++)
		t.src[si].fd = -1;
	for (si = 0; si < t.nsrc; si++) {
		if (tl_setup(&t, si) != 0) {
			t.setupfail++;
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN;
		e.data.u32 = si;
		/* TCP writes block (whole frames); reads never do. */
		if ((!t.tcp && fcntl(t.src[si].fd, F_SETFL, O_NONBLOCK) ==
		    -1) ||
		    epoll_ctl(t.ep, EPOLL_CTL_ADD, t.src[si].fd, &e) == -1) {
			t.src[si].up = 0;
			t.setupfail++;
			continue;
		}
		up++;
	}
	if (up == 0) {
		fprintf(stderr, "turnload: no allocation (last error %d)\n",
		    t.lasterr);
		printf("mode=turn allocations=0 setupfail=%llu lasterr=%d\n",
		    (unsigned long long)t.setupfail, t.lasterr);
		goto out;
	}

	t0 = bench_now();
	t.t_measure = t0 + t.warmup;
	t.t_end = t.t_measure + t.duration;
	last_scan = 0;
	for (si = 0; si < t.nsrc; si++)
		t.src[si].next = t0 + t.interval * si / t.nsrc;
	next = t0;
	/* Bounded: sending stops at t_end, then one timeout of drain. */
	for (;;) {
		now = bench_now();
		tl_cpu_mark(&t, now);
		if (now >= t.t_end + t.timeout)
			break;
		if (now - last_scan >= 10 * 1000000ULL) {
			tl_scan(&t, now);
			last_scan = now;
		}
		wait = now < t.t_end ? 10 : 1;
		if (t.interval != 0 && now < t.t_end) {
			if (next <= now)
				next = tl_pace(&t, now);
			wait = next > now ? (int)((next - now) / 1000000) : 0;
		}
		n = epoll_wait(t.ep, ev, TL_EVENTS, wait);
		for (i = 0; i < n; i++)
			if (ev[i].data.u32 < t.nsrc)
				tl_input(&t, ev[i].data.u32);
		if (now >= t.t_end) {
			for (si = 0; si < t.nsrc * t.window; si++)
				if (t.slot[si].sent != 0)
					break;
			if (si == t.nsrc * t.window)
				break;
		}
	}
	for (si = 0; si < t.nsrc * t.window; si++)
		if (t.slot[si].sent >= t.t_measure)
			t.lost++;

	secs = (double)t.duration / (double)TL_NS;
	srv_us = -1;
	if (t.cpu_state == 2 && t.rtts > 0)
		srv_us = (double)(t.cpu1 - t.cpu0) / 1000.0 / (double)t.rtts;
	printf("mode=turn transport=%s allocations=%u window=%u payload=%u "
	    "seconds=%.3f rate=%.0f "
	    "sent=%llu roundtrips=%llu total=%llu rtps=%.0f pps=%.0f "
	    "mbps=%.1f p50_us=%llu p99_us=%llu lost=%llu invalid=%llu "
	    "skipped=%llu setupfail=%llu", t.tcp ? "tcp" : "udp", up,
	    t.window, t.payload, secs,
	    t.interval != 0 ? (double)TL_NS / (double)t.interval : 0.0,
	    (unsigned long long)t.sent, (unsigned long long)t.rtts,
	    (unsigned long long)(t.rtts + t.warm), (double)t.rtts / secs,
	    2.0 * (double)t.rtts / secs,
	    2.0 * (double)t.rtts * t.payload * 8 / secs / 1e6,
	    (unsigned long long)bench_hist_pct(&t.hist, 0.50),
	    (unsigned long long)bench_hist_pct(&t.hist, 0.99),
	    (unsigned long long)t.lost, (unsigned long long)t.invalid,
	    (unsigned long long)t.skipped, (unsigned long long)t.setupfail);
	/* Server CPU per round trip of the measured window, when -p. */
	if (srv_us >= 0)
		printf(" srv_us=%.2f", srv_us);
	printf("\n");
out:
	for (si = 0; si < t.nsrc; si++) {
		if (t.src[si].fd != -1)
			close(t.src[si].fd);
		free(t.src[si].st.buf);
	}
	free(t.src);
	free(t.slot);
	bench_hist_free(&t.hist);
	free(t.rx);
	close(t.ep);
	return (t.rtts > 0 ? 0 : 1);
}

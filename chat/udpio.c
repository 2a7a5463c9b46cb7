/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's batched datagram I/O (see udpio.h).  Sending, datagrams in a
 * row to one address, each as long as the first but for a shorter last
 * one, share one message with a UDP_SEGMENT control message: the kernel
 * takes the run through its stack once and cuts it into datagrams as late
 * as it can.  A kernel or a path that refuses one gets its datagrams one
 * by one, and no more runs.  Receiving, UDP_GRO hands such a run up whole
 * with its segment size, and it is cut here.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sock.h"
#include "chat/udpio.h"

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
#define UDPIO_MMSG	1
#endif
#if defined(UDPIO_MMSG) && defined(UDP_SEGMENT) && defined(UDP_GRO)
#define UDPIO_GSO	1
#endif

#define UDPIO_BATCH	64		/* messages per sendmmsg(2) */
#define UDPIO_ARENA	(256 * 1024)	/* bytes queued at most */
#define UDPIO_SEGS	64		/* datagrams per GSO message */
#define UDPIO_RUN	65000		/* bytes per GSO message */
#define UDPIO_SEG_MIN	1000		/* smaller datagrams start no run */
#define UDPIO_BURST	64		/* messages per recvmmsg(2) */
#define UDPIO_DGRAM	2048		/* bytes per datagram read */
#define UDPIO_GBURST	32		/* the same, with GRO */
#define UDPIO_GDGRAM	65536

struct udpio_msg {
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	size_t			 off, len;	/* in the arena */
	size_t			 seg;		/* the first datagram's size */
	unsigned		 nseg;
	int			 closed;	/* no more in this run */
};

#ifdef UDPIO_MMSG
union udpio_cmsg {
	char		buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr	align;
};

static struct {
	struct udpio_msg	 q[UDPIO_BATCH];
	unsigned		 n;
	uint8_t			 arena[UDPIO_ARENA];
	size_t			 used;
	int			 gso;
	struct mmsghdr		 m[UDPIO_BATCH];
	struct iovec		 iov[UDPIO_BATCH];
	union udpio_cmsg	 cm[UDPIO_BATCH];
	/* Receiving. */
	struct mmsghdr		 rm[UDPIO_BURST];
	struct iovec		 riov[UDPIO_BURST];
	struct sockaddr_storage	 rss[UDPIO_BURST];
	union udpio_cmsg	 rcm[UDPIO_BURST];
	uint8_t			*rbuf;
	unsigned		 rn;
	size_t			 rsize;
	int			 gro;
	/* Read, not yet handed on: messages [hi, hn), hoff into hi. */
	size_t			 hseg[UDPIO_BURST];
	unsigned		 hi, hn;
	size_t			 hoff;
} udpio;

int
chat_udpio_init(int fd)
{
	unsigned	i;
#ifdef UDPIO_GSO
	int		one = 1;

	udpio.gso = 1;
	udpio.gro = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one,
	    sizeof(one)) == 0;
#else
	(void)fd;
#endif
	udpio.rn = udpio.gro ? UDPIO_GBURST : UDPIO_BURST;
	udpio.rsize = udpio.gro ? UDPIO_GDGRAM : UDPIO_DGRAM;
	if ((udpio.rbuf = malloc(udpio.rn * udpio.rsize)) == NULL)
		return (-1);
	sock_mmsg_in(udpio.rm, udpio.riov, udpio.rbuf, udpio.rsize, udpio.rss,
	    udpio.rn);
	for (i = 0; i < udpio.rn; i++) {
		udpio.rm[i].msg_hdr.msg_control = udpio.rcm[i].buf;
		udpio.rm[i].msg_hdr.msg_controllen = sizeof(udpio.rcm[i].buf);
	}
	return (0);
}

void
chat_udpio_free(void)
{
	free(udpio.rbuf);
	udpio.rbuf = NULL;
}

/* A message the kernel refused: its datagrams one by one. */
static unsigned
udpio_split(int fd, const struct udpio_msg *q, int err)
{
	size_t		off, len;
	unsigned	skipped = 0;

	if (err == EIO || err == EINVAL || err == EMSGSIZE ||
	    err == EOPNOTSUPP || err == ENOPROTOOPT) {
		if (udpio.gso)
			log_debug("udp: no segmentation offload: %s",
			    strerror(err));
		udpio.gso = 0;
	}
	for (off = 0; off < q->len; off += len) {
		len = q->len - off < q->seg ? q->len - off : q->seg;
		if (sendto(fd, udpio.arena + q->off + off, len, MSG_DONTWAIT,
		    (const struct sockaddr *)&q->ss, q->sl) == -1)
			skipped++;
	}
	return (skipped);
}

/* A GSO message: its datagrams are seg bytes long, the last maybe less. */
static void
udpio_set_seg(struct msghdr *h, union udpio_cmsg *cm, size_t seg)
{
#ifdef UDPIO_GSO
	struct cmsghdr	*c;
	uint16_t	 v = (uint16_t)seg;

	memset(cm, 0, sizeof(*cm));
	h->msg_control = cm->buf;
	h->msg_controllen = CMSG_SPACE(sizeof(v));
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(v));
	memcpy(CMSG_DATA(c), &v, sizeof(v));
#else
	(void)h;
	(void)cm;
	(void)seg;
#endif
}

void
chat_udpio_flush(int fd)
{
	struct udpio_msg	*q;
	unsigned		 i, sent = 0, skipped = 0;
	int			 rv;

	for (i = 0; i < udpio.n; i++) {
		q = &udpio.q[i];
		sock_mmsg_out(&udpio.m[i], &udpio.iov[i], udpio.arena + q->off,
		    q->len, &q->ss, q->sl);
		if (q->nseg > 1)
			udpio_set_seg(&udpio.m[i].msg_hdr, &udpio.cm[i],
			    q->seg);
	}
	/* Bounded: each call sends or refuses at least one message. */
	while (sent < udpio.n) {
		rv = sendmmsg(fd, udpio.m + sent, udpio.n - sent,
		    MSG_DONTWAIT);
		if (rv > 0) {
			sent += (unsigned)rv;
			continue;
		}
		if (udpio.q[sent].nseg > 1)
			skipped += udpio_split(fd, &udpio.q[sent], errno);
		else
			skipped++;
		sent++;
	}
	/* A datagram refused is lost, as with sendto(2). */
	if (skipped > 0)
		log_debug("sendmmsg: %u datagrams not sent", skipped);
	udpio.n = 0;
	udpio.used = 0;
}

void
chat_udpio_send(int fd, const struct sockaddr_storage *ss, socklen_t sl,
    const uint8_t *buf, size_t len, int run)
{
	struct udpio_msg	*q;

	if (len > UDPIO_RUN) {
		chat_udpio_flush(fd);
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)ss,
		    sl) == -1)
			log_debug("sendto: %s", strerror(errno));
		return;
	}
	q = udpio.n > 0 ? &udpio.q[udpio.n - 1] : NULL;
	if (q != NULL && udpio.gso && run && !q->closed && len > 0 &&
	    len <= q->seg && q->nseg < UDPIO_SEGS &&
	    len <= UDPIO_RUN - q->len && len <= UDPIO_ARENA - udpio.used &&
	    q->sl == sl && memcmp(&q->ss, ss, sl) == 0) {
		memcpy(udpio.arena + udpio.used, buf, len);
		udpio.used += len;
		q->len += len;
		q->nseg++;
		if (len < q->seg)
			q->closed = 1;
		return;
	}
	if (udpio.n == UDPIO_BATCH || len > UDPIO_ARENA - udpio.used)
		chat_udpio_flush(fd);
	q = &udpio.q[udpio.n++];
	memcpy(&q->ss, ss, sl);
	q->sl = sl;
	q->off = udpio.used;
	q->len = q->seg = len;
	q->nseg = 1;
	/*
	 * Runs are for bulk records, all of the full datagram size.  A chat
	 * line, a check or an ACK goes in a datagram of its own, which a
	 * capture anywhere on the path sees as it is.
	 */
	q->closed = len < UDPIO_SEG_MIN || !run;
	memcpy(udpio.arena + udpio.used, buf, len);
	udpio.used += len;
}

/* The segment size UDP_GRO gave a message, or 0. */
static size_t
udpio_gro_size(struct msghdr *h)
{
#ifdef UDPIO_GSO
	struct cmsghdr	*c;
	int		 v;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == IPPROTO_UDP &&
		    c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return (v > 0 ? (size_t)v : 0);
		}
#else
	(void)h;
#endif
	return (0);
}

/* Rearm message i for the next recvmmsg(2). */
static void
udpio_rearm(unsigned i)
{
	struct msghdr	*h = &udpio.rm[i].msg_hdr;

	h->msg_namelen = sizeof(udpio.rss[i]);
	h->msg_controllen = sizeof(udpio.rcm[i].buf);
	h->msg_flags = 0;
}

int
chat_udpio_recv(int fd, chat_udpio_cb cb, void *arg, unsigned max)
{
	struct msghdr	*h;
	uint8_t		*p;
	size_t		 len, k;
	unsigned	 done = 0;
	int		 n;

	if (udpio.hi == udpio.hn) {
		udpio.hi = udpio.hn = 0;
		udpio.hoff = 0;
		n = recvmmsg(fd, udpio.rm, udpio.rn, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return (0);
		udpio.hn = (unsigned)n;
		for (; udpio.hi < udpio.hn; udpio.hi++)
			udpio.hseg[udpio.hi] =
			    udpio_gro_size(&udpio.rm[udpio.hi].msg_hdr);
		udpio.hi = 0;
	}
	while (udpio.hi < udpio.hn && done < max) {
		h = &udpio.rm[udpio.hi].msg_hdr;
		p = udpio.rbuf + (size_t)udpio.hi * udpio.rsize;
		len = udpio.rm[udpio.hi].msg_len;
		/* A run from GRO is cut at its segment size. */
		k = len - udpio.hoff;
		if (udpio.hseg[udpio.hi] > 0 && udpio.hseg[udpio.hi] < k)
			k = udpio.hseg[udpio.hi];
		cb(arg, (const struct sockaddr_storage *)h->msg_name,
		    p + udpio.hoff, k);
		done++;
		udpio.hoff += k;
		if (udpio.hoff >= len) {
			udpio_rearm(udpio.hi);
			udpio.hi++;
			udpio.hoff = 0;
		}
	}
	return (udpio.hi < udpio.hn);
}
#else /* !UDPIO_MMSG */
int
chat_udpio_init(int fd)
{
	(void)fd;
	return (0);
}

void
chat_udpio_free(void)
{
}

void
chat_udpio_send(int fd, const struct sockaddr_storage *ss, socklen_t sl,
    const uint8_t *buf, size_t len, int run)
{
	(void)run;
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)ss, sl) == -1)
		log_debug("sendto: %s", strerror(errno));
}

void
chat_udpio_flush(int fd)
{
	(void)fd;
}

int
chat_udpio_recv(int fd, chat_udpio_cb cb, void *arg, unsigned max)
{
	struct sockaddr_storage	 ss;
	uint8_t			 buf[UDPIO_DGRAM];
	socklen_t		 sl;
	ssize_t			 n;
	unsigned		 k;

	for (k = 0; k < max; k++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &sl);
		if (n == -1)
			break;
		cb(arg, &ss, buf, (size_t)n);
	}
	return (0);
}
#endif

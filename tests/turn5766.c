/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * turn5766: a small TURN server that knows only RFC 5766 (with RFC 5389's
 * long-term credentials, MD5 keys, no PASSWORD-ALGORITHMS), for tests of
 * clients against servers older than RFC 8656.  Any comprehension-required
 * attribute RFC 5766 does not define, REQUESTED-ADDRESS-FAMILY included,
 * gets 420 with UNKNOWN-ATTRIBUTES; otherwise it allocates IPv4 relayed
 * addresses and relays Send/Data and ChannelData.  Loopback only, one
 * poll() loop, fixed tables.  Prints "listening ADDR" once bound and one
 * line per 420; exits on SIGTERM or SIGINT or after -T seconds.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sock.h"
#include "libstun/stun.h"

#define T_MAX_ALLOC	16
#define T_MAX_PERM	16
#define T_MAX_CHAN	16
#define T_NONCE		"rfc5766-test-nonce"
#define T_LIFETIME	600	/* s, RFC 5766 6.2 default */
#define T_LIFETIME_MAX	3600
#define T_PERM_LIFE	300	/* s, RFC 5766 8 */
#define T_CHAN_LIFE	600	/* s, RFC 5766 11 */
#define T_BUF		65536

struct t_perm {
	int		 on;
	struct stun_addr peer;		/* port ignored */
	uint64_t	 until;
};

struct t_chan {
	int		 on;
	uint16_t	 ch;
	struct stun_addr peer;
	uint64_t	 until;
};

struct t_alloc {
	int		 fd;		/* -1: free */
	struct stun_addr client;
	struct stun_addr relayed;
	uint8_t		 tid[STUN_TID_LEN];	/* of the Allocate */
	uint64_t	 until;
	struct t_perm	 perm[T_MAX_PERM];
	struct t_chan	 chan[T_MAX_CHAN];
};

struct t_srv {
	int		 fd;
	struct stun_addr relay_ip;
	char		 user[256];
	char		 realm[256];
	uint8_t		 key[STUN_KEY_MAX];
	size_t		 keylen;
	struct t_alloc	 a[T_MAX_ALLOC];
	uint8_t		 out[T_BUF];
};

static volatile sig_atomic_t t_quit;

static void
t_signal(int sig)
{
	(void)sig;
	t_quit = 1;
}

static uint64_t
t_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
usage(void)
{
	fprintf(stderr, "usage: turn5766 -l addr:port -r relay-ip "
	    "-u user:password [-R realm] [-T seconds]\n");
	exit(2);
}

static void
t_send(int fd, const struct stun_addr *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	ss;
	socklen_t		sl;

	if ((sl = sock_from_stun(to, &ss)) != 0)
		(void)sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
}

/* Is type one of the attributes of RFC 5389 and RFC 5766? */
static int
t_known(uint16_t type)
{
	switch (type) {
	case STUN_ATTR_MAPPED_ADDRESS:
	case STUN_ATTR_USERNAME:
	case STUN_ATTR_MESSAGE_INTEGRITY:
	case STUN_ATTR_ERROR_CODE:
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case STUN_ATTR_CHANNEL_NUMBER:
	case STUN_ATTR_LIFETIME:
	case STUN_ATTR_XOR_PEER_ADDRESS:
	case STUN_ATTR_DATA:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
	case STUN_ATTR_XOR_RELAYED_ADDRESS:
	case STUN_ATTR_EVEN_PORT:
	case STUN_ATTR_REQUESTED_TRANSPORT:
	case STUN_ATTR_DONT_FRAGMENT:
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
	case STUN_ATTR_RESERVATION_TOKEN:
		return (1);
	}
	return (0);
}

/* Finish b: signed (MI, then FINGERPRINT) when sign, and send it. */
static void
t_reply(struct t_srv *s, struct stun_builder *b, const struct stun_addr *to,
    int sign)
{
	int	n;

	if (sign)
		stun_build_integrity(b, s->key, s->keylen);
	stun_build_fingerprint(b);
	if ((n = stun_build_finish(b)) > 0)
		t_send(s->fd, to, s->out, (size_t)n);
}

static void
t_error(struct t_srv *s, const struct stun_msg *m, const struct stun_addr *to,
    int code, int sign)
{
	struct stun_builder	b;

	stun_build_reply(&b, s->out, sizeof(s->out), m, STUN_CLASS_ERROR);
	stun_build_error(&b, code, NULL);
	if (code == 401 || code == 438) {
		stun_build_string(&b, STUN_ATTR_REALM, s->realm);
		stun_build_string(&b, STUN_ATTR_NONCE, T_NONCE);
	}
	t_reply(s, &b, to, sign);
}

/* RFC 5389 10.2.2: 0 when the request is authentic, else answered. */
static int
t_auth(struct t_srv *s, const struct stun_msg *m, const struct stun_addr *src)
{
	char	user[256], realm[256], nonce[256];

	if (m->mi == -1 ||
	    stun_msg_get_string(m, STUN_ATTR_USERNAME, user,
	    sizeof(user)) != 0 ||
	    stun_msg_get_string(m, STUN_ATTR_REALM, realm,
	    sizeof(realm)) != 0 ||
	    stun_msg_get_string(m, STUN_ATTR_NONCE, nonce,
	    sizeof(nonce)) != 0) {
		t_error(s, m, src, m->mi == -1 ? 401 : 400, 0);
		return (-1);
	}
	if (strcmp(nonce, T_NONCE) != 0) {
		t_error(s, m, src, 438, 0);
		return (-1);
	}
	if (strcmp(user, s->user) != 0 || strcmp(realm, s->realm) != 0 ||
	    stun_msg_check_integrity(m, s->key, s->keylen) != 0) {
		t_error(s, m, src, 401, 0);
		return (-1);
	}
	return (0);
}

/* RFC 5389 7.3.1: 420 for what RFC 5766 does not define. */
static int
t_unknown(struct t_srv *s, const struct stun_msg *m,
    const struct stun_addr *src)
{
	struct stun_builder	b;
	uint16_t		types[STUN_MAX_ATTRS];
	size_t			n = 0, i;

	for (i = 0; i < m->nattrs; i++)
		if (STUN_ATTR_IS_REQUIRED(m->attrs[i].type) &&
		    !t_known(m->attrs[i].type))
			types[n++] = m->attrs[i].type;
	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		printf("420 type=0x%04x\n", types[i]);
	fflush(stdout);
	stun_build_reply(&b, s->out, sizeof(s->out), m, STUN_CLASS_ERROR);
	stun_build_error(&b, 420, NULL);
	stun_build_unknown(&b, types, n);
	t_reply(s, &b, src, 1);
	return (-1);
}

static struct t_alloc *
t_find(struct t_srv *s, const struct stun_addr *client)
{
	unsigned	i;

	for (i = 0; i < T_MAX_ALLOC; i++)
		if (s->a[i].fd != -1 && stun_addr_equal(&s->a[i].client,
		    client))
			return (&s->a[i]);
	return (NULL);
}

static void
t_free(struct t_alloc *a)
{
	if (a->fd != -1)
		close(a->fd);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}

static int
t_same_ip(const struct stun_addr *x, const struct stun_addr *y)
{
	return (x->family == y->family &&
	    memcmp(x->ip, y->ip, x->family == STUN_AF_INET ? 4 : 16) == 0);
}

static struct t_perm *
t_perm(struct t_alloc *a, const struct stun_addr *peer, uint64_t now)
{
	unsigned	i;

	for (i = 0; i < T_MAX_PERM; i++)
		if (a->perm[i].on && a->perm[i].until > now &&
		    t_same_ip(&a->perm[i].peer, peer))
			return (&a->perm[i]);
	return (NULL);
}

static int
t_permit(struct t_alloc *a, const struct stun_addr *peer, uint64_t now)
{
	struct t_perm	*p;
	unsigned	 i;

	if ((p = t_perm(a, peer, now)) == NULL) {
		for (i = 0; i < T_MAX_PERM; i++)
			if (!a->perm[i].on || a->perm[i].until <= now)
				break;
		if (i == T_MAX_PERM)
			return (-1);
		p = &a->perm[i];
		p->on = 1;
		p->peer = *peer;
	}
	p->until = now + T_PERM_LIFE * 1000;
	return (0);
}

static void
t_allocate(struct t_srv *s, const struct stun_msg *m,
    const struct stun_addr *src, uint64_t now)
{
	struct stun_builder	 b;
	struct t_alloc		*a;
	uint32_t		 lt = T_LIFETIME;
	uint8_t			 proto;
	unsigned		 i;

	if ((a = t_find(s, src)) != NULL) {
		/* A retransmission gets the same answer, else 437. */
		if (memcmp(a->tid, m->tid, STUN_TID_LEN) != 0) {
			t_error(s, m, src, 437, 1);
			return;
		}
	} else {
		if (stun_msg_get_transport(m, &proto) != 0) {
			t_error(s, m, src, 400, 1);
			return;
		}
		if (proto != 17) {
			t_error(s, m, src, 442, 1);
			return;
		}
		for (i = 0; i < T_MAX_ALLOC; i++)
			if (s->a[i].fd == -1)
				break;
		if (i == T_MAX_ALLOC) {
			t_error(s, m, src, 486, 1);
			return;
		}
		a = &s->a[i];
		a->relayed = s->relay_ip;
		a->relayed.port = 0;
		if ((a->fd = sock_bind(&a->relayed, SOCK_DGRAM, 0)) == -1 ||
		    sock_local(a->fd, &a->relayed) != 0) {
			t_free(a);
			t_error(s, m, src, 508, 1);
			return;
		}
		a->client = *src;
		memcpy(a->tid, m->tid, STUN_TID_LEN);
		if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &lt) != 0 ||
		    lt < T_LIFETIME)
			lt = T_LIFETIME;
		if (lt > T_LIFETIME_MAX)
			lt = T_LIFETIME_MAX;
		a->until = now + (uint64_t)lt * 1000;
	}
	stun_build_reply(&b, s->out, sizeof(s->out), m, STUN_CLASS_SUCCESS);
	stun_build_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relayed);
	stun_build_u32(&b, STUN_ATTR_LIFETIME,
	    (uint32_t)((a->until - now) / 1000));
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
	t_reply(s, &b, src, 1);
}

static void
t_request(struct t_srv *s, const struct stun_msg *m,
    const struct stun_addr *src, uint64_t now)
{
	struct stun_builder	 b;
	struct t_alloc		*a;
	struct stun_addr	 peer;
	uint32_t		 lt;
	uint16_t		 ch;
	unsigned		 i, k = T_MAX_CHAN;

	if (m->method == STUN_METHOD_BINDING) {
		stun_build_reply(&b, s->out, sizeof(s->out), m,
		    STUN_CLASS_SUCCESS);
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
		t_reply(s, &b, src, 0);
		return;
	}
	if (t_auth(s, m, src) != 0 || t_unknown(s, m, src) != 0)
		return;
	if (m->method == STUN_METHOD_ALLOCATE) {
		t_allocate(s, m, src, now);
		return;
	}
	if ((a = t_find(s, src)) == NULL) {
		t_error(s, m, src, 437, 1);
		return;
	}
	stun_build_reply(&b, s->out, sizeof(s->out), m, STUN_CLASS_SUCCESS);
	switch (m->method) {
	case STUN_METHOD_REFRESH:
		if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &lt) != 0)
			lt = T_LIFETIME;
		if (lt > T_LIFETIME_MAX)
			lt = T_LIFETIME_MAX;
		if (lt == 0)
			t_free(a);
		else
			a->until = now + (uint64_t)lt * 1000;
		stun_build_u32(&b, STUN_ATTR_LIFETIME, lt);
		break;
	case STUN_METHOD_CREATE_PERMISSION:
		if (stun_msg_get_addr(m, STUN_ATTR_XOR_PEER_ADDRESS,
		    &peer) != 0) {
			t_error(s, m, src, 400, 1);
			return;
		}
		/* RFC 5766 relays IPv4 only. */
		if (peer.family != STUN_AF_INET) {
			t_error(s, m, src, 443, 1);
			return;
		}
		if (t_permit(a, &peer, now) != 0) {
			t_error(s, m, src, 508, 1);
			return;
		}
		break;
	case STUN_METHOD_CHANNEL_BIND:
		if (stun_msg_get_channel(m, &ch) != 0 ||
		    stun_msg_get_addr(m, STUN_ATTR_XOR_PEER_ADDRESS,
		    &peer) != 0 || ch < 0x4000 || ch > 0x7FFE) {
			t_error(s, m, src, 400, 1);
			return;
		}
		if (peer.family != STUN_AF_INET) {
			t_error(s, m, src, 443, 1);
			return;
		}
		for (i = 0; i < T_MAX_CHAN; i++) {
			if (!a->chan[i].on || a->chan[i].until <= now) {
				if (k == T_MAX_CHAN)
					k = i;
				continue;
			}
			/* RFC 5766 11.2: one peer per channel and back. */
			if ((a->chan[i].ch == ch) !=
			    stun_addr_equal(&a->chan[i].peer, &peer)) {
				t_error(s, m, src, 400, 1);
				return;
			}
			if (a->chan[i].ch == ch)
				k = i;
		}
		if (k == T_MAX_CHAN || t_permit(a, &peer, now) != 0) {
			t_error(s, m, src, 508, 1);
			return;
		}
		a->chan[k].on = 1;
		a->chan[k].ch = ch;
		a->chan[k].peer = peer;
		a->chan[k].until = now + T_CHAN_LIFE * 1000;
		break;
	default:
		t_error(s, m, src, 400, 1);
		return;
	}
	t_reply(s, &b, src, 1);
}

/* A datagram on the server socket. */
static void
t_client(struct t_srv *s, const uint8_t *buf, size_t len,
    const struct stun_addr *src, uint64_t now)
{
	struct stun_msg	 m;
	struct t_alloc	*a;
	struct stun_addr peer;
	const uint8_t	*data;
	size_t		 n;
	uint16_t	 ch;
	unsigned	 i;
	int		 rc;

	if (stun_chdata_decode(buf, len, &ch, &data, &n) == 0) {
		if ((a = t_find(s, src)) == NULL)
			return;
		for (i = 0; i < T_MAX_CHAN; i++)
			if (a->chan[i].on && a->chan[i].until > now &&
			    a->chan[i].ch == ch)
				t_send(a->fd, &a->chan[i].peer, data, n);
		return;
	}
	rc = stun_msg_decode(&m, buf, len);
	if (!m.hdr_ok || (m.fp != -1 && stun_msg_check_fingerprint(&m) != 0))
		return;
	if (m.cls == STUN_CLASS_INDICATION && m.method == STUN_METHOD_SEND) {
		if (rc != 0 || (a = t_find(s, src)) == NULL ||
		    stun_msg_get_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS,
		    &peer) != 0 ||
		    stun_msg_get_bytes(&m, STUN_ATTR_DATA, &data, &n) != 0 ||
		    t_perm(a, &peer, now) == NULL)
			return;
		t_send(a->fd, &peer, data, n);
		return;
	}
	if (m.cls != STUN_CLASS_REQUEST)
		return;
	if (rc != 0) {
		t_error(s, &m, src, 400, 0);
		return;
	}
	t_request(s, &m, src, now);
}

/* A datagram from a peer on a relayed address. */
static void
t_peer(struct t_srv *s, struct t_alloc *a, const uint8_t *buf, size_t len,
    const struct stun_addr *from, uint64_t now)
{
	struct stun_builder	b;
	uint8_t			tid[STUN_TID_LEN];
	unsigned		i;
	int			n;

	if (t_perm(a, from, now) == NULL)
		return;
	for (i = 0; i < T_MAX_CHAN; i++) {
		if (a->chan[i].on && a->chan[i].until > now &&
		    stun_addr_equal(&a->chan[i].peer, from)) {
			n = stun_chdata_encode(s->out, sizeof(s->out),
			    a->chan[i].ch, buf, len, 0);
			if (n > 0)
				t_send(s->fd, &a->client, s->out, (size_t)n);
			return;
		}
	}
	if (stun_tid_new(NULL, NULL, tid) != 0)
		return;
	stun_build_init(&b, s->out, sizeof(s->out), STUN_METHOD_DATA,
	    STUN_CLASS_INDICATION, tid);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, from);
	stun_build_attr(&b, STUN_ATTR_DATA, buf, len);
	t_reply(s, &b, &a->client, 0);
}

static void
t_recv(struct t_srv *s, int fd, struct t_alloc *a, uint8_t *buf,
    uint64_t now)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof(ss);
	struct stun_addr	from;
	ssize_t			n;

	n = recvfrom(fd, buf, T_BUF, 0, (struct sockaddr *)&ss, &sl);
	if (n < 0 || sock_to_stun((struct sockaddr *)&ss, &from) != 0)
		return;
	if (a == NULL)
		t_client(s, buf, (size_t)n, &from, now);
	else
		t_peer(s, a, buf, (size_t)n, &from, now);
}

int
main(int argc, char **argv)
{
	static struct t_srv	 s;
	static uint8_t		 buf[T_BUF];
	struct pollfd		 pfd[1 + T_MAX_ALLOC];
	struct t_alloc		*pa[1 + T_MAX_ALLOC];
	struct stun_addr	 listen = { 0 };
	char			*cred = NULL, *colon, str[64];
	uint64_t		 now, end = 0;
	long			 secs = 0;
	unsigned		 i, n;
	int			 ch;

	memset(&s.relay_ip, 0, sizeof(s.relay_ip));
	strcpy(s.realm, "stunkit.test");
	while ((ch = getopt(argc, argv, "l:r:u:R:T:")) != -1) {
		switch (ch) {
		case 'l':
			if (stun_addr_parse(optarg, 0, &listen) != 0)
				usage();
			break;
		case 'r':
			if (stun_addr_parse(optarg, 0, &s.relay_ip) != 0 ||
			    s.relay_ip.family != STUN_AF_INET)
				usage();
			break;
		case 'u':
			cred = optarg;
			break;
		case 'R':
			if (strlen(optarg) >= sizeof(s.realm))
				usage();
			strcpy(s.realm, optarg);
			break;
		case 'T':
			secs = strtol(optarg, NULL, 10);
			if (secs <= 0 || secs > 3600)
				usage();
			break;
		default:
			usage();
		}
	}
	if (listen.family == 0 || s.relay_ip.family == 0 || cred == NULL ||
	    (colon = strchr(cred, ':')) == NULL ||
	    (size_t)(colon - cred) >= sizeof(s.user))
		usage();
	memcpy(s.user, cred, (size_t)(colon - cred));
	if (stun_key_long_term(STUN_PWALG_MD5, s.user, s.realm, colon + 1,
	    s.key, &s.keylen) != 0)
		usage();
	for (i = 0; i < T_MAX_ALLOC; i++)
		s.a[i].fd = -1;
	if ((s.fd = sock_bind(&listen, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(s.fd, &listen) != 0 ||
	    stun_addr_format(&listen, str, sizeof(str)) != 0) {
		fprintf(stderr, "turn5766: bind: %s\n", strerror(errno));
		return (1);
	}
	signal(SIGTERM, t_signal);
	signal(SIGINT, t_signal);
	printf("listening %s\n", str);
	fflush(stdout);
	if (secs != 0)
		end = t_now() + (uint64_t)secs * 1000;

	while (!t_quit && (end == 0 || t_now() < end)) {
		now = t_now();
		n = 0;
		pfd[n].fd = s.fd;
		pfd[n].events = POLLIN;
		pa[n++] = NULL;
		for (i = 0; i < T_MAX_ALLOC; i++) {
			if (s.a[i].fd == -1)
				continue;
			if (s.a[i].until <= now) {
				t_free(&s.a[i]);
				continue;
			}
			pfd[n].fd = s.a[i].fd;
			pfd[n].events = POLLIN;
			pa[n++] = &s.a[i];
		}
		if (poll(pfd, n, 200) <= 0)
			continue;
		now = t_now();
		for (i = 0; i < n; i++)
			/* An allocation freed by an earlier datagram. */
			if ((pfd[i].revents & POLLIN) &&
			    (pa[i] == NULL || pa[i]->fd == pfd[i].fd))
				t_recv(&s, pfd[i].fd, pa[i], buf, now);
	}
	for (i = 0; i < T_MAX_ALLOC; i++)
		t_free(&s.a[i]);
	close(s.fd);
	return (0);
}

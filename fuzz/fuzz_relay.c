/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for stund's TURN relay table.  The input is a script of
 * four clients with real credentials (a users file, SHA-256 and MD5, a
 * REST secret; one of them on a stream), four peers (two the policy
 * refuses) and the clock.  Each step sends a well-formed request
 * (Allocate, Refresh, CreatePermission, ChannelBind, with or without
 * credentials, some asking for DONT-FRAGMENT, which some relay sockets
 * refuse), a Send indication or ChannelData, a datagram from a peer
 * to a relayed address, a request with one bit flipped, raw bytes, or
 * ends the stream client, or moves the clock.  After every step the
 * gauges match the sockets open, the quota and the allocations; nothing
 * goes to a peer the policy refuses or from a socket not open; every
 * answer decodes; a request without valid credentials is never answered
 * with success.  At the end, past every lifetime, nothing is left.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libstun/stun.h"
#include "stund/auth.h"
#include "stund/relay.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_REALM	"fuzz.test"
#define FZ_SECRET	"fuzz-rest-secret"
#define FZ_WALL		1700000000
#define FZ_CLIENTS	4
#define FZ_PEERS	4
#define FZ_ALLOCS	6
#define FZ_HANDLES	64

struct fz_client {
	struct relay_client cl;
	char		 user[64];
	char		 pass[64];
	int		 sha256;	/* PASSWORD-ALGORITHM SHA-256, MI-256 */
	char		 nonce[STUN_MAX_NONCE + 1];
	uint8_t		 key[STUN_KEY_MAX];
	size_t		 keylen;
};

static struct auth		 A;
static struct relay_acl		 ACL;
static struct relay_quota	 Q;
static struct relay		 R;
static struct fz_client		 C[FZ_CLIENTS];
static struct stun_addr		 P[FZ_PEERS];
static int			 hopen[FZ_HANDLES];
static int			 slot_handle[FZ_ALLOCS];
static unsigned			 nopen;
static uint64_t			 now;
static uint32_t			 rnd_ctr, tid_ctr;
static int			 cur_unauth;	/* the request in flight */
static int			 ready;
static uint8_t			 qbuf[4096];

static int
fz_rand(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	while (len-- > 0)
		*buf++ = (uint8_t)(++rnd_ctr * 131);
	return (0);
}

static int
fz_open(void *arg, unsigned slot, uint8_t family, int even,
    struct stun_addr *relayed)
{
	int	h;

	(void)arg;
	FUZZ_ASSERT(slot < FZ_ALLOCS);
	if (family != STUN_AF_INET)
		return (STUN_ERR_FAMILY);
	for (h = 0; h < FZ_HANDLES && hopen[h]; h++)
		;
	if (h == FZ_HANDLES)
		return (-1);
	hopen[h] = 1;
	nopen++;
	slot_handle[slot] = h;
	FUZZ_ASSERT(stun_addr_parse("203.0.113.100", 0, relayed) == 0);
	relayed->port = (uint16_t)(40000 + 2 * slot + (even ? 0 : 1));
	return (h);
}

static void
fz_close(void *arg, int h)
{
	unsigned	s;

	(void)arg;
	FUZZ_ASSERT(h >= 0 && h < FZ_HANDLES && hopen[h]);
	hopen[h] = 0;
	nopen--;
	for (s = 0; s < FZ_ALLOCS; s++)
		if (slot_handle[s] == h)
			slot_handle[s] = -1;
}

static int
fz_send_peer(void *arg, int h, const struct stun_addr *peer,
    const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)buf;
	FUZZ_ASSERT(h >= 0 && h < FZ_HANDLES && hopen[h]);
	FUZZ_ASSERT(relaypol_peer_ok(&ACL, peer));
	FUZZ_ASSERT(len <= STUN_MAX_MSG);
	return (0);
}

static int
fz_send_client(void *arg, const struct relay_client *cl,
    const struct relay_pkt *p)
{
	struct stun_msg	 m;
	const char	*why;
	size_t		 whylen;
	unsigned	 k;
	int		 code = 0;

	(void)arg;
	FUZZ_ASSERT(p->len <= RELAY_BUF);
	if (!p->stun) {
		FUZZ_ASSERT(stun_chdata_decode(p->buf, p->len, NULL, NULL,
		    NULL) == 0);
		return (0);
	}
	FUZZ_ASSERT(stun_msg_decode(&m, p->buf, p->len) == 0);
	FUZZ_ASSERT(m.cls == p->cls);
	if (m.cls == STUN_CLASS_ERROR) {
		FUZZ_ASSERT(stun_msg_get_error(&m, &code, &why, &whylen) == 0);
		/* Error answers carry no reason phrase. */
		FUZZ_ASSERT(whylen == 0);
	}
	FUZZ_ASSERT(code == p->code);
	if (m.cls == STUN_CLASS_SUCCESS)
		FUZZ_ASSERT(!cur_unauth);
	/* A challenge: the client learns its nonce. */
	if (code == 401 || code == 438)
		for (k = 0; k < FZ_CLIENTS; k++)
			if (stun_addr_equal(&C[k].cl.addr, &cl->addr))
				(void)stun_msg_get_string(&m, STUN_ATTR_NONCE,
				    C[k].nonce, sizeof(C[k].nonce));
	return (0);
}

static int64_t
fz_wall(void *arg)
{
	(void)arg;
	return (FZ_WALL);
}

/* DF on an open socket; some handles refuse it, as a system may. */
static int
fz_dont_fragment(void *arg, int h)
{
	(void)arg;
	FUZZ_ASSERT(h >= 0 && h < FZ_HANDLES && hopen[h]);
	return ((h & 3) == 3 ? -1 : 0);
}

/* Session events: known kinds, and no password in them. */
static void
fz_event(void *arg, const struct relay_event *ev)
{
	unsigned	k;

	(void)arg;
	FUZZ_ASSERT(ev->type >= RELAY_EV_CREATE &&
	    ev->type <= RELAY_EV_AUTH_FAIL);
	FUZZ_ASSERT(ev->user != NULL && ev->cl != NULL);
	for (k = 0; k < FZ_CLIENTS; k++)
		FUZZ_ASSERT(strstr(ev->user, C[k].pass) == NULL);
}

static const struct relay_ops fz_ops = {
	.arg = NULL,
	.open = fz_open,
	.close = fz_close,
	.send_peer = fz_send_peer,
	.send_client = fz_send_client,
	.wall = fz_wall,
	.random = fz_rand,
	.event = fz_event,
	.dont_fragment = fz_dont_fragment
};

static void
fz_client(struct fz_client *c, const char *ip, uint16_t port, uint64_t conn,
    const char *user, const char *pass, int sha256)
{
	memset(c, 0, sizeof(*c));
	FUZZ_ASSERT(stun_addr_parse(ip, port, &c->cl.addr) == 0);
	c->cl.conn = conn;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->pass, sizeof(c->pass), "%s", pass);
	c->sha256 = sha256;
	FUZZ_ASSERT(stun_key_long_term(sha256 ? STUN_PWALG_SHA256 :
	    STUN_PWALG_MD5, c->user, FZ_REALM, c->pass, c->key,
	    &c->keylen) == 0);
}

/* Once: the credentials, the policy, the clients and peers. */
static void
fz_once(void)
{
	static const char	users[] = "alice:wonderland\nbob:builder\n";
	uint8_t			nkey[AUTH_NONCE_SECRET];
	char			err[256], rest[64], pw[32];

	memset(nkey, 0x5c, sizeof(nkey));
	FUZZ_ASSERT(auth_init(&A, FZ_REALM, nkey, err, sizeof(err)) == 0);
	FUZZ_ASSERT(auth_load_users(&A, users, sizeof(users) - 1, "users",
	    err, sizeof(err)) == 0);
	FUZZ_ASSERT(auth_set_secret(&A, FZ_SECRET) == 0);
	memset(&ACL, 0, sizeof(ACL));
	FUZZ_ASSERT(relaypol_acl_add(&ACL, 0, "198.51.100.0/24") == 0);
	FUZZ_ASSERT(relaypol_acl_add(&ACL, 0, "203.0.113.0/24") == 0);
	snprintf(rest, sizeof(rest), "%lld:carol", (long long)FZ_WALL + 3600);
	FUZZ_ASSERT(auth_rest_password((const uint8_t *)FZ_SECRET,
	    strlen(FZ_SECRET), rest, pw, sizeof(pw)) == 0);
	fz_client(&C[0], "192.0.2.10", 40000, 0, "alice", "wonderland", 1);
	fz_client(&C[1], "192.0.2.11", 40001, 0, "bob", "builder", 0);
	fz_client(&C[2], "192.0.2.12", 40002, 7, rest, pw, 1);
	fz_client(&C[3], "192.0.2.10", 40003, 0, "alice", "wonderland", 0);
	FUZZ_ASSERT(stun_addr_parse("198.51.100.20", 9000, &P[0]) == 0);
	FUZZ_ASSERT(stun_addr_parse("203.0.113.5", 9001, &P[1]) == 0);
	FUZZ_ASSERT(stun_addr_parse("10.0.0.1", 53, &P[2]) == 0);
	FUZZ_ASSERT(stun_addr_parse("127.0.0.1", 3478, &P[3]) == 0);
	ready = 1;
}

static void
fz_setup(void)
{
	struct relay_config	rc;
	unsigned		i;

	if (!ready)
		fz_once();
	memset(&rc, 0, sizeof(rc));
	rc.max_allocs = FZ_ALLOCS;
	rc.max_perms = 3;
	rc.max_chans = 3;
	memset(hopen, 0, sizeof(hopen));
	for (i = 0; i < FZ_ALLOCS; i++)
		slot_handle[i] = -1;
	nopen = 0;
	rnd_ctr = tid_ctr = 0;
	now = 5000000;
	for (i = 0; i < FZ_CLIENTS; i++)
		C[i].nonce[0] = '\0';
	FUZZ_ASSERT(relaypol_quota_init(&Q, 16) == 0);
	relaypol_quota_limits(&Q, FZ_ALLOCS - 1, 3, 2, 0);
	FUZZ_ASSERT(relay_init(&R, &rc, &fz_ops, &Q) == 0);
	R.auth = &A;
	R.acl = &ACL;
}

/* Counts agree after every step. */
static void
fz_check(void)
{
	FUZZ_ASSERT(R.m.allocs == relay_count(&R));
	FUZZ_ASSERT(relay_count(&R) == nopen);
	FUZZ_ASSERT(Q.total == nopen);
	FUZZ_ASSERT(R.m.perms <= (uint64_t)FZ_ALLOCS * 3);
	FUZZ_ASSERT(R.m.chans <= (uint64_t)FZ_ALLOCS * 3);
}

static void
fz_begin(struct stun_builder *b, uint16_t method, uint8_t cls)
{
	uint8_t	tid[STUN_TID_LEN];

	tid_ctr++;
	memset(tid, 0xa5, sizeof(tid));
	memcpy(tid, &tid_ctr, sizeof(tid_ctr));
	stun_build_init(b, qbuf, sizeof(qbuf), method, cls, tid);
}

/* Credentials (unless unauth or no nonce yet) and FINGERPRINT. */
static int
fz_finish(struct stun_builder *b, const struct fz_client *c, int unauth,
    int fp)
{
	static const uint16_t	algs[] = { STUN_PWALG_SHA256,
	    STUN_PWALG_MD5 };

	if (!unauth && c->nonce[0] != '\0') {
		stun_build_string(b, STUN_ATTR_USERNAME, c->user);
		stun_build_string(b, STUN_ATTR_REALM, FZ_REALM);
		stun_build_string(b, STUN_ATTR_NONCE, c->nonce);
		if (c->sha256) {
			stun_build_pwalgs(b, algs, 2);
			stun_build_pwalg(b, STUN_PWALG_SHA256);
			stun_build_integrity_sha256(b, c->key, c->keylen, 32);
		} else
			stun_build_integrity(b, c->key, c->keylen);
	}
	if (fp)
		stun_build_fingerprint(b);
	return (stun_build_finish(b));
}

/* Decode qbuf[0..n) and hand it to the table, as the route would. */
static void
fz_input(const struct fz_client *c, size_t n)
{
	struct stun_msg	m;

	if (stun_msg_decode(&m, qbuf, n) != 0 || !relay_is_turn(&m))
		return;
	/* Without a MESSAGE-INTEGRITY nothing may succeed. */
	cur_unauth = m.mi == -1 && m.mi256 == -1;
	(void)relay_input(&R, &c->cl, &m, now);
	cur_unauth = 0;
}

/* A request of kind op for client c from the script bytes x, y. */
static int
fz_request(struct fz_client *c, unsigned op, uint8_t x, uint8_t y)
{
	struct stun_builder	b;
	uint16_t		ch, unknown = 0x7f01;
	int			unauth = (x & 0x80) != 0, fp = (x & 0x40) != 0;

	switch (op % 4) {
	case 0:
		fz_begin(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
		if (!(y & 0x01))
			stun_build_transport(&b, (y & 0x02) ? 6 :
			    RELAY_PROTO_UDP);
		if (y & 0x04)
			stun_build_u32(&b, STUN_ATTR_LIFETIME,
			    (uint32_t)(x & 0x3f) * 100);
		if (y & 0x08)
			stun_build_even_port(&b, (y & 0x10) != 0);
		if (y & 0x20)
			stun_build_family(&b,
			    STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
			    (y & 0x10) ? STUN_AF_INET6 : STUN_AF_INET);
		if (y & 0x40)
			stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
		if (y & 0x80)
			stun_build_attr(&b, unknown, "x", 1);
		break;
	case 1:
		fz_begin(&b, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST);
		if (y & 0x01)
			stun_build_u32(&b, STUN_ATTR_LIFETIME,
			    (y & 0x02) ? 0 : (uint32_t)(x & 0x3f) * 100);
		break;
	case 2:
		fz_begin(&b, STUN_METHOD_CREATE_PERMISSION,
		    STUN_CLASS_REQUEST);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS,
		    &P[y % FZ_PEERS]);
		if (y & 0x10)
			stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS,
			    &P[(y >> 2) % FZ_PEERS]);
		break;
	default:
		fz_begin(&b, STUN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST);
		/* Mostly valid numbers, some outside the range. */
		ch = (uint16_t)((y & 0x80) ? 0x3ff0 + (y & 0x1f) :
		    0x4000 + (y & 0x07));
		stun_build_channel(&b, ch);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS,
		    &P[(y >> 3) % FZ_PEERS]);
		break;
	}
	return (fz_finish(&b, c, unauth, fp));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_builder	 b;
	struct fz_client	*c;
	size_t			 off = 0, len;
	uint8_t			 op, arg, x, y, pay[256];
	int			 n, i, h;

	fz_setup();
	while (off + 4 <= size) {
		op = data[off] % 11;
		arg = data[off + 1];
		x = data[off + 2];
		y = data[off + 3];
		off += 4;
		c = &C[arg % FZ_CLIENTS];
		memset(pay, arg, sizeof(pay));
		switch (op) {
		case 0:
		case 1:
		case 2:
		case 3:
			if ((n = fz_request(c, op, x, y)) > 0)
				fz_input(c, (size_t)n);
			break;
		case 4:
			fz_begin(&b, STUN_METHOD_SEND, STUN_CLASS_INDICATION);
			stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS,
			    &P[x % FZ_PEERS]);
			stun_build_attr(&b, STUN_ATTR_DATA, pay, y);
			if (x & 0x20)
				stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT,
				    NULL, 0);
			if ((n = fz_finish(&b, c, 1, x & 0x40)) > 0)
				fz_input(c, (size_t)n);
			break;
		case 5:
			n = stun_chdata_encode(qbuf, sizeof(qbuf),
			    (uint16_t)(0x4000 + (x & 0x07)), pay, y, x & 0x80);
			if (n > 0)
				(void)relay_chdata_input(&R, &c->cl, qbuf,
				    (size_t)n, now);
			break;
		case 6:
			h = slot_handle[x % FZ_ALLOCS];
			if (h != -1)
				relay_peer_input(&R, x % FZ_ALLOCS,
				    &P[y % FZ_PEERS], pay, (size_t)arg, now);
			break;
		case 7:
			now += (uint64_t)x * 1000 + y;
			relay_timer(&R, now);
			break;
		case 8:
			/* A request with one bit flipped anywhere. */
			if ((n = fz_request(c, x, x, y)) > 0) {
				i = (arg * 8 + y) % (n * 8);
				qbuf[i / 8] ^= (uint8_t)(1 << (i % 8));
				fz_input(c, (size_t)n);
			}
			break;
		case 9:
			len = x;
			if (len > size - off)
				len = size - off;
			memcpy(qbuf, data + off, len);
			off += len;
			fz_input(c, len);
			break;
		case 10:
			relay_client_gone(&R, &C[2].cl);
			break;
		}
		fz_check();
	}
	/* Past every lifetime: everything ends, nothing leaks. */
	for (i = 0; i < 8; i++) {
		now += 3600 * 1000;
		relay_timer(&R, now);
	}
	fz_check();
	FUZZ_ASSERT(relay_count(&R) == 0 && nopen == 0 && Q.total == 0);
	FUZZ_ASSERT(R.m.perms == 0 && R.m.chans == 0);
	relay_free(&R);
	relaypol_quota_free(&Q);
	return (0);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_relay: stund's TURN allocation table on a fake clock with fake
 * sockets: the long-term credential round trips (MD5, SHA-256, REST,
 * USERHASH), nonces and their binding to an allocation, every error
 * code, lifetimes and expiry, quotas and caps, the data paths both ways,
 * DONT-FRAGMENT, the peer policy on all four paths, and rendezvous
 * credentials bound to their room through a fake room table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "stund/auth.h"
#include "stund/conf.h"
#include "stund/relay.h"

Suite	*suite_relay(void);

#define REALM		"stunkit.test"
#define SECRET		"rest-secret"
#define NOUT		16
#define OUTMAX		4096

/* Fake sockets. */
struct sent {
	size_t		 len;
	uint8_t		 buf[OUTMAX];
	struct stun_addr to;		/* peer, for send_peer */
	int		 handle;
	struct relay_client cl;
};
static struct {
	int		 next_handle;
	int		 opened, closed, last_even;
	uint8_t		 last_family;
	int		 no_v6, no_ports;
	int		 df_calls, df_handle, df_fail;
	int64_t		 wall;
	unsigned	 nclient, npeer;
	struct sent	 client[NOUT];
	struct sent	 peer[NOUT];
	/* Session events (ops.event): the last one and counts by type. */
	unsigned	 nev[RELAY_EV_AUTH_FAIL + 1];
	struct relay_event last_ev;
	char		 ev_user[STUN_MAX_USERNAME + 1];
	const char	*ev_reason;
	/* ops.alternate: a fleet server to send Allocates to when full. */
	int		 has_alt;
	struct stun_addr alt;
} F;

static struct relay		 R;
static struct auth		 A;
static struct relay_acl		 ACL;
static struct relay_quota	 Q;
static uint64_t			 now;

/*
 * The host's own addresses in the tests: a listener, an IPv6 address, and
 * the relay address the fake sockets hand out.
 */
static const char *const host_addrs[] = {
	"198.51.100.10", "2001:db8::10", "203.0.113.1", "2001:db8::1",
};

/* An empty peer policy with the host's own addresses. */
static void
acl_reset(void)
{
	struct stun_addr	a;
	size_t			i;

	memset(&ACL, 0, sizeof(ACL));
	for (i = 0; i < sizeof(host_addrs) / sizeof(host_addrs[0]); i++) {
		ck_assert_int_eq(stun_addr_parse(host_addrs[i], 0, &a), 0);
		relaypol_self_add(&ACL, &a);
	}
	/* Twice is once. */
	relaypol_self_add(&ACL, &a);
	ck_assert_uint_eq(ACL.nself, 4);
}

static int
f_open(void *arg, unsigned slot, uint8_t family, int even,
    struct stun_addr *relayed)
{
	(void)arg;
	F.last_family = family;
	F.last_even = even;
	if (family == STUN_AF_INET6 && F.no_v6)
		return (STUN_ERR_FAMILY);
	if (F.no_ports)
		return (-1);
	memset(relayed, 0, sizeof(*relayed));
	relayed->family = family;
	if (family == STUN_AF_INET) {
		relayed->ip[0] = 203;
		relayed->ip[1] = 0;
		relayed->ip[2] = 113;
		relayed->ip[3] = 1;
	} else {
		relayed->ip[0] = 0x20;
		relayed->ip[1] = 0x01;
		relayed->ip[2] = 0x0d;
		relayed->ip[3] = 0xb8;
		relayed->ip[15] = 1;
	}
	relayed->port = (uint16_t)(50000 + 2 * slot);
	F.opened++;
	return (F.next_handle++);
}

static void
f_close(void *arg, int h)
{
	(void)arg;
	(void)h;
	F.closed++;
}

static int
f_send_peer(void *arg, int h, const struct stun_addr *peer,
    const uint8_t *buf, size_t len)
{
	struct sent	*s;

	(void)arg;
	ck_assert_uint_lt(F.npeer, NOUT);
	ck_assert_uint_le(len, OUTMAX);
	s = &F.peer[F.npeer++];
	s->handle = h;
	s->to = *peer;
	s->len = len;
	memcpy(s->buf, buf, len);
	return (0);
}

/* Also checks that the class and code the table reports are the bytes'. */
static int
f_send_client(void *arg, const struct relay_client *cl,
    const struct relay_pkt *p)
{
	struct sent	*s;
	struct stun_msg	 m;
	const char	*why;
	size_t		 whylen;
	int		 code = 0;

	(void)arg;
	ck_assert_uint_lt(F.nclient, NOUT);
	ck_assert_uint_le(p->len, OUTMAX);
	if (p->stun) {
		ck_assert_int_eq(stun_msg_decode(&m, p->buf, p->len), 0);
		ck_assert_uint_eq(p->cls, m.cls);
		if (m.cls == STUN_CLASS_ERROR)
			ck_assert_int_eq(stun_msg_get_error(&m, &code, &why,
			    &whylen), 0);
		ck_assert_int_eq(p->code, code);
	} else
		ck_assert_int_eq(stun_chdata_decode(p->buf, p->len, NULL,
		    NULL, NULL), 0);
	s = &F.client[F.nclient++];
	s->cl = *cl;
	s->len = p->len;
	memcpy(s->buf, p->buf, p->len);
	return (0);
}

/* DONT-FRAGMENT on a fake socket: counted, or refused when df_fail. */
static int
f_dont_fragment(void *arg, int h)
{
	(void)arg;
	F.df_calls++;
	F.df_handle = h;
	return (F.df_fail ? -1 : 0);
}

static int64_t
f_wall(void *arg)
{
	(void)arg;
	return (F.wall);
}

static void
f_event(void *arg, const struct relay_event *ev)
{
	(void)arg;
	ck_assert_int_ge(ev->type, 0);
	ck_assert_int_le(ev->type, RELAY_EV_AUTH_FAIL);
	F.nev[ev->type]++;
	F.last_ev = *ev;
	snprintf(F.ev_user, sizeof(F.ev_user), "%s", ev->user);
	F.ev_reason = ev->reason;
}

static int
f_alternate(void *arg, uint8_t family, struct stun_addr *alt)
{
	(void)arg;
	if (!F.has_alt || family != F.alt.family)
		return (-1);
	*alt = F.alt;
	return (0);
}

static const struct relay_ops fops = {
	NULL, f_open, f_close, f_send_peer, f_send_client, f_wall, NULL,
	f_event, f_alternate, NULL
};

static const char users_txt[] =
    "# test users\n"
    "alice:wonderland\n"
    "\n"
    "bob:builder\n"
    /* MD5(keyonly:stunkit.test:pw), coturn's hex key form */
    "keyonly:0xKEYHEX\n";

static void
setup_with(const struct relay_config *c)
{
	char		err[256], txt[512], hex[33];
	uint8_t		key[STUN_KEY_MAX];
	size_t		klen, i;
	char		*p;
	struct stun_addr relay_ip;

	memset(&F, 0, sizeof(F));
	acl_reset();
	F.wall = 1700000000;
	F.next_handle = 100;
	now = 1000000;
	ck_assert_int_eq(auth_init(&A, REALM, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "keyonly", REALM,
	    "pw", key, &klen), 0);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(txt, sizeof(txt), "%s", users_txt);
	p = strstr(txt, "KEYHEX");
	ck_assert_ptr_nonnull(p);
	memmove(p + 32, p + 6, strlen(p + 6) + 1);
	memcpy(p, hex, 32);
	ck_assert_int_eq(auth_load_users(&A, txt, strlen(txt), "users", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(auth_set_secret(&A, SECRET), 0);
	ck_assert_int_eq(relaypol_quota_init(&Q, 64), 0);
	ck_assert_int_eq(stun_addr_parse("203.0.113.1", 0, &relay_ip), 0);
	relaypol_live_ip(&Q, &relay_ip);
	ck_assert_int_eq(relay_init(&R, c, &fops, &Q), 0);
	R.auth = &A;
	R.acl = &ACL;
}

static void
setup(void)
{
	setup_with(NULL);
}

/* The users file alone: no REST secret, so nonces offer USERHASH. */
static void
setup_users_only(void)
{
	setup_with(NULL);
	memset(A.secret, 0, sizeof(A.secret));
	A.secretlen = 0;
}

static void
teardown(void)
{
	relay_free(&R);
	relaypol_quota_free(&Q);
	auth_free(&A);
}

/* The client side. */
static struct {
	char		user[128];
	char		pass[128];
	uint16_t	alg;		/* 0: no algorithm attributes */
	int		sha256;		/* MI-SHA256 instead of MI */
	int		hash;		/* UH_* */
	uint8_t		uh[32];		/* USERHASH sent */
	char		nonce[STUN_MAX_NONCE + 1];
	uint8_t		key[STUN_KEY_MAX];
	size_t		keylen;
} C;
static uint8_t		qbuf[2048];
static struct stun_msg	qm;
static unsigned		tidn;
static struct relay_client CL;

static void
client(const char *ip, uint16_t port, uint64_t conn)
{
	memset(&CL, 0, sizeof(CL));
	CL.addr = (struct stun_addr){ 0 };
	ck_assert_int_eq(stun_addr_parse(ip, port, &CL.addr), 0);
	CL.sock = 0;
	CL.conn = conn;
}

/* What names the user: USERNAME, USERHASH, or both. */
#define UH_NONE		0
#define UH_ONLY		1
#define UH_AND_NAME	2

static void
creds(const char *user, const char *pass, uint16_t alg, int sha256)
{
	C.hash = UH_NONE;
	snprintf(C.user, sizeof(C.user), "%s", user);
	snprintf(C.pass, sizeof(C.pass), "%s", pass);
	C.alg = alg;
	C.sha256 = sha256;
	ck_assert_int_eq(stun_key_long_term(alg == 0 ? STUN_PWALG_MD5 : alg,
	    C.user, REALM, C.pass, C.key, &C.keylen), 0);
}

static void
q_begin_tid(struct stun_builder *b, uint16_t method, uint8_t cls,
    unsigned id)
{
	uint8_t	tid[STUN_TID_LEN];

	memset(tid, 0x5a, sizeof(tid));
	tid[0] = (uint8_t)id;
	tid[1] = (uint8_t)(id >> 8);
	stun_build_init(b, qbuf, sizeof(qbuf), method, cls, tid);
}

static void
q_begin(struct stun_builder *b, uint16_t method, uint8_t cls)
{
	q_begin_tid(b, method, cls, ++tidn);
}

static void
q_auth(struct stun_builder *b)
{
	static const uint16_t algs[] = { STUN_PWALG_SHA256, STUN_PWALG_MD5 };

	if (C.hash != UH_ONLY)
		stun_build_string(b, STUN_ATTR_USERNAME, C.user);
	if (C.hash != UH_NONE)
		stun_build_attr(b, STUN_ATTR_USERHASH, C.uh, sizeof(C.uh));
	stun_build_string(b, STUN_ATTR_REALM, REALM);
	stun_build_string(b, STUN_ATTR_NONCE, C.nonce);
	if (C.alg != 0) {
		stun_build_pwalgs(b, algs, 2);
		stun_build_pwalg(b, C.alg);
	}
	if (C.sha256)
		stun_build_integrity_sha256(b, C.key, C.keylen, 32);
	else
		stun_build_integrity(b, C.key, C.keylen);
}

/* Finish, fingerprint, decode and feed the request to the table. */
static void
q_send(struct stun_builder *b)
{
	int	n;

	stun_build_fingerprint(b);
	n = stun_build_finish(b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&qm, qbuf, (size_t)n), 0);
	ck_assert_int_eq(relay_input(&R, &CL, &qm, now), 1);
}

/* Last message to the client, decoded into m. */
static struct stun_msg	rm;
static const struct stun_msg *
last(void)
{
	struct sent	*s;

	ck_assert_uint_gt(F.nclient, 0);
	s = &F.client[F.nclient - 1];
	ck_assert_int_eq(stun_msg_decode(&rm, s->buf, s->len), 0);
	return (&rm);
}

static int
last_code(void)
{
	const struct stun_msg	*m = last();
	const char		*reason;
	size_t			 rlen;
	int			 code = 0;

	if (m->cls == STUN_CLASS_SUCCESS)
		return (0);
	ck_assert_int_eq(m->cls, STUN_CLASS_ERROR);
	ck_assert_int_eq(stun_msg_get_error(m, &code, &reason, &rlen), 0);
	return (code);
}

/* The answer verifies with the client's key, in the request's MI kind. */
static void
last_signed(void)
{
	const struct stun_msg	*m = last();

	if (C.sha256) {
		ck_assert_int_ge(m->mi256, 0);
		ck_assert_int_eq(stun_msg_check_integrity_sha256(m, C.key,
		    C.keylen), 0);
	} else {
		ck_assert_int_ge(m->mi, 0);
		ck_assert_int_eq(stun_msg_check_integrity(m, C.key,
		    C.keylen), 0);
	}
	ck_assert_int_eq(stun_msg_check_fingerprint(m), 0);
}

/* Take the NONCE from a 401/438 answer. */
static void
learn_nonce(void)
{
	const struct stun_msg	*m = last();
	char			 realm[STUN_MAX_REALM + 1];
	uint16_t		 algs[4];
	size_t			 n = 0;

	ck_assert_int_eq(stun_msg_get_string(m, STUN_ATTR_NONCE, C.nonce,
	    sizeof(C.nonce)), 0);
	ck_assert_int_eq(stun_msg_get_string(m, STUN_ATTR_REALM, realm,
	    sizeof(realm)), 0);
	ck_assert_str_eq(realm, REALM);
	ck_assert_int_eq(stun_msg_get_pwalgs(m, algs, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(m->mi, -1);
	ck_assert_int_eq(m->mi256, -1);
}

/* Send USERHASH of name:realm from now on, as mode says. */
static void
userhash(int mode, const char *name, const char *realm)
{
	C.hash = mode;
	ck_assert_int_eq(stun_userhash(name, realm, C.uh), 0);
}

/* The security feature bits of the nonce in hand. */
static uint32_t
nonce_bits(void)
{
	uint32_t	f = 0;

	ck_assert_int_eq(stun_nonce_features(C.nonce, strlen(C.nonce), &f),
	    0);
	return (f);
}

/* Unauthenticated Allocate: 401 with a challenge. */
static void
challenge(void)
{
	struct stun_builder	b;

	q_begin(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	stun_build_transport(&b, RELAY_PROTO_UDP);
	q_send(&b);
	ck_assert_int_eq(last_code(), 401);
	learn_nonce();
}

/* Extra attributes for an Allocate. */
#define AX_NONE		0
#define AX_V6		0x01
#define AX_DF		0x02
#define AX_EVEN		0x04
#define AX_RESERVE	0x08
#define AX_TOKEN	0x10
#define AX_TCP		0x20
#define AX_NOTRANS	0x40
#define AX_ADD6		0x80
#define AX_UNKNOWN	0x100
#define AX_ADD4		0x200
#define AX_LIFE		0x400

static uint32_t	ax_life;

static int
allocate_x(int ax)
{
	struct stun_builder	b;

	q_begin(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	if (!(ax & AX_NOTRANS))
		stun_build_transport(&b, (ax & AX_TCP) ? 6 : RELAY_PROTO_UDP);
	if (ax & AX_V6)
		stun_build_family(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
		    STUN_AF_INET6);
	if (ax & AX_ADD6)
		stun_build_family(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
		    STUN_AF_INET6);
	if (ax & AX_ADD4)
		stun_build_family(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
		    STUN_AF_INET);
	if (ax & AX_DF)
		stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	if (ax & (AX_EVEN | AX_RESERVE))
		stun_build_even_port(&b, (ax & AX_RESERVE) != 0);
	if (ax & AX_TOKEN)
		stun_build_u64(&b, STUN_ATTR_RESERVATION_TOKEN,
		    0x1122334455667788ULL);
	if (ax & AX_UNKNOWN)
		stun_build_attr(&b, 0x7f01, "abcd", 4);
	if (ax & AX_LIFE)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, ax_life);
	q_auth(&b);
	q_send(&b);
	return (last_code());
}

/* A full Allocate round trip as user: 401, then success. */
static void
allocate_as(const char *user, const char *pass, uint16_t alg, int sha256)
{
	creds(user, pass, alg, sha256);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	last_signed();
}

/* The same, expecting the error code. */
static void
allocate_as_code(const char *user, const char *pass, int code)
{
	creds(user, pass, 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), code);
}

static uint32_t
last_lifetime(void)
{
	uint32_t	v = 0;

	ck_assert_int_eq(stun_msg_get_u32(last(), STUN_ATTR_LIFETIME, &v), 0);
	return (v);
}

/* Requests other than Allocate retry once on 438, as clients do. */
static int
refresh(int with_life, uint32_t life)
{
	struct stun_builder	b;
	int			try;

	for (try = 0; try < 2; try++) {
		q_begin(&b, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST);
		if (with_life)
			stun_build_u32(&b, STUN_ATTR_LIFETIME, life);
		q_auth(&b);
		q_send(&b);
		if (last_code() != 438)
			break;
		learn_nonce();
	}
	return (last_code());
}

static int
permit(const char *peer)
{
	struct stun_builder	b;
	struct stun_addr	a;

	int			try;

	ck_assert_int_eq(stun_addr_parse(peer, 9, &a), 0);
	for (try = 0; try < 2; try++) {
		q_begin(&b, STUN_METHOD_CREATE_PERMISSION,
		    STUN_CLASS_REQUEST);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
		q_auth(&b);
		q_send(&b);
		if (last_code() != 438)
			break;
		learn_nonce();
	}
	return (last_code());
}

static int
bind_chan(uint16_t ch, const char *peer, uint16_t port)
{
	struct stun_builder	b;
	struct stun_addr	a;

	int			try;

	ck_assert_int_eq(stun_addr_parse(peer, port, &a), 0);
	for (try = 0; try < 2; try++) {
		q_begin(&b, STUN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST);
		stun_build_channel(&b, ch);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
		q_auth(&b);
		q_send(&b);
		if (last_code() != 438)
			break;
		learn_nonce();
	}
	return (last_code());
}

/*
 * A Send indication, with DONT-FRAGMENT when df; returns how many
 * datagrams reached peers.
 */
static unsigned
send_ind_df(const char *peer, uint16_t port, const char *data, int df)
{
	struct stun_builder	b;
	struct stun_addr	a;
	unsigned		before = F.npeer;

	ck_assert_int_eq(stun_addr_parse(peer, port, &a), 0);
	q_begin(&b, STUN_METHOD_SEND, STUN_CLASS_INDICATION);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	stun_build_attr(&b, STUN_ATTR_DATA, data, strlen(data));
	if (df)
		stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	q_send(&b);
	return (F.npeer - before);
}

static unsigned
send_ind(const char *peer, uint16_t port, const char *data)
{
	return (send_ind_df(peer, port, data, 0));
}

static unsigned
send_chdata(uint16_t ch, const char *data)
{
	uint8_t		buf[256];
	unsigned	before = F.npeer;
	int		n;

	n = stun_chdata_encode(buf, sizeof(buf), ch, (const uint8_t *)data,
	    strlen(data), CL.conn != 0);
	ck_assert_int_gt(n, 0);
	(void)relay_chdata_input(&R, &CL, buf, (size_t)n, now);
	return (F.npeer - before);
}

static unsigned
from_peer(const char *peer, uint16_t port, const char *data)
{
	struct stun_addr	a;
	unsigned		before = F.nclient;

	ck_assert_int_eq(stun_addr_parse(peer, port, &a), 0);
	relay_peer_input(&R, 0, &a, (const uint8_t *)data, strlen(data), now);
	return (F.nclient - before);
}

#define SEC(n)	((uint64_t)(n) * 1000)

/* Credentials. */

START_TEST(allocate_md5_round_trip)
{
	struct stun_addr	a;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(stun_msg_get_addr(last(),
	    STUN_ATTR_XOR_RELAYED_ADDRESS, &a), 0);
	ck_assert_uint_eq(a.port, 50000);
	ck_assert_int_eq(stun_msg_get_addr(last(),
	    STUN_ATTR_XOR_MAPPED_ADDRESS, &a), 0);
	ck_assert(stun_addr_equal(&a, &CL.addr));
	ck_assert_uint_eq(last_lifetime(), 600);
	ck_assert_uint_eq(R.m.allocs, 1);
	ck_assert_uint_eq(R.m.created, 1);
	ck_assert_uint_eq(R.m.errors[RELAY_E401], 1);
	ck_assert_int_eq(F.opened, 1);
	ck_assert_int_eq(F.last_family, STUN_AF_INET);
	/* With PASSWORD-ALGORITHM MD5 named explicitly too. */
	client("192.0.2.10", 40001, 0);
	allocate_as("bob", "builder", STUN_PWALG_MD5, 0);
	ck_assert_uint_eq(R.m.allocs, 2);
}
END_TEST

START_TEST(allocate_sha256_round_trip)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", STUN_PWALG_SHA256, 1);
	ck_assert_int_ge(last()->mi256, 0);
	ck_assert_int_eq(last()->mi, -1);
	/* SHA-256 key with a SHA-1 MESSAGE-INTEGRITY works as well. */
	client("192.0.2.10", 40001, 0);
	allocate_as("bob", "builder", STUN_PWALG_SHA256, 0);
	ck_assert_int_ge(last()->mi, 0);
}
END_TEST

START_TEST(hex_key_user_md5_only)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("keyonly", "pw", 0, 0);
	client("192.0.2.10", 40001, 0);
	creds("keyonly", "pw", STUN_PWALG_SHA256, 1);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
}
END_TEST

START_TEST(rest_credentials)
{
	char	user[64], pw[32];

	/* Good: expiry in the future. */
	snprintf(user, sizeof(user), "%lld:carol", (long long)F.wall + 3600);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)SECRET,
	    strlen(SECRET), user, pw, sizeof(pw)), 0);
	ck_assert_uint_eq(strlen(pw), 28);
	client("192.0.2.10", 40000, 0);
	allocate_as(user, pw, 0, 0);
	client("192.0.2.10", 40001, 0);
	allocate_as(user, pw, STUN_PWALG_SHA256, 1);
	ck_assert_uint_eq(R.m.allocs, 2);

	/* Expired. */
	snprintf(user, sizeof(user), "%lld:carol", (long long)F.wall - 1);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)SECRET,
	    strlen(SECRET), user, pw, sizeof(pw)), 0);
	client("192.0.2.10", 40002, 0);
	creds(user, pw, 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 401);

	/* Wrong password (another secret). */
	snprintf(user, sizeof(user), "%lld:carol", (long long)F.wall + 3600);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)"other", 5,
	    user, pw, sizeof(pw)), 0);
	creds(user, pw, 0, 0);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	ck_assert_uint_eq(R.m.allocs, 2);
	ck_assert_uint_eq(R.m.auth_fail, 2);
}
END_TEST

START_TEST(wrong_password_and_unknown_user_401)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "nope", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* The 401 carries a fresh challenge and no integrity. */
	learn_nonce();
	creds("mallory", "x", STUN_PWALG_SHA256, 1);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	ck_assert_uint_eq(R.m.auth_fail, 2);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_int_eq(F.opened, 0);
	/* Each failure is told to the log, with the name but no password. */
	ck_assert_uint_eq(F.nev[RELAY_EV_AUTH_FAIL], 2);
	ck_assert_uint_eq(F.nev[RELAY_EV_CREATE], 0);
	ck_assert_str_eq(F.ev_user, "mallory");
	ck_assert_int_eq(F.last_ev.code, 401);
	ck_assert_ptr_null(F.last_ev.relayed);
}
END_TEST

START_TEST(stale_nonce_438_then_retry)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	now += SEC(AUTH_DEFAULT_NONCE_LIFE + 1);
	ck_assert_int_eq(allocate_x(AX_NONE), 438);
	ck_assert_uint_eq(R.m.stale_nonce, 1);
	learn_nonce();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	last_signed();
}
END_TEST

START_TEST(nonce_bound_to_client_address)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	client("192.0.2.10", 40001, 0);
	ck_assert_int_eq(allocate_x(AX_NONE), 438);
	/* A forged nonce is not ours either. */
	snprintf(C.nonce, sizeof(C.nonce), "%s",
	    "obMatJos2AAABxxxxxxxxxxxxxxxxxxxxxxxx");
	ck_assert_int_eq(allocate_x(AX_NONE), 438);
}
END_TEST

START_TEST(auth_400s)
{
	struct stun_builder	b;

	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	/* MESSAGE-INTEGRITY without USERNAME. */
	q_begin(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	stun_build_transport(&b, RELAY_PROTO_UDP);
	stun_build_string(&b, STUN_ATTR_REALM, REALM);
	stun_build_string(&b, STUN_ATTR_NONCE, C.nonce);
	stun_build_integrity(&b, C.key, C.keylen);
	q_send(&b);
	ck_assert_int_eq(last_code(), 400);
	/* PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS. */
	q_begin(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	stun_build_transport(&b, RELAY_PROTO_UDP);
	stun_build_string(&b, STUN_ATTR_USERNAME, C.user);
	stun_build_string(&b, STUN_ATTR_REALM, REALM);
	stun_build_string(&b, STUN_ATTR_NONCE, C.nonce);
	stun_build_pwalg(&b, STUN_PWALG_MD5);
	stun_build_integrity(&b, C.key, C.keylen);
	q_send(&b);
	ck_assert_int_eq(last_code(), 400);
	ck_assert_uint_eq(R.m.allocs, 0);
}
END_TEST

/* USERHASH (RFC 8489 14.4). */

START_TEST(userhash_round_trip)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_uint_ne(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	ck_assert_uint_ne(nonce_bits() & STUN_SECF_PASSWORD_ALGORITHMS, 0);
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	last_signed();
	ck_assert_uint_eq(R.m.allocs, 1);
	/* The allocation is alice's: Refresh by name or by hash is hers. */
	ck_assert_int_eq(refresh(0, 0), 0);
	C.hash = UH_NONE;
	ck_assert_int_eq(refresh(0, 0), 0);
	creds("bob", "builder", 0, 0);
	userhash(UH_ONLY, "bob", REALM);
	ck_assert_int_eq(refresh(0, 0), 441);
	/* SHA-256 key and MESSAGE-INTEGRITY-SHA256 by hash. */
	client("192.0.2.10", 40001, 0);
	creds("bob", "builder", STUN_PWALG_SHA256, 1);
	challenge();
	userhash(UH_ONLY, "bob", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	last_signed();
	ck_assert_int_ge(last()->mi256, 0);
	/* The hex-key user has an MD5 key, found by hash as by name. */
	client("192.0.2.10", 40002, 0);
	creds("keyonly", "pw", 0, 0);
	challenge();
	userhash(UH_ONLY, "keyonly", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 3);
	ck_assert_uint_eq(R.m.auth_fail, 0);
}
END_TEST

START_TEST(userhash_counts_in_the_user_quota)
{
	relaypol_quota_limits(&Q, 10, 1, 0, 0);
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	client("192.0.2.10", 40001, 0);
	allocate_as("bob", "builder", 0, 0);
	/* alice by name is the same user: over her quota of one. */
	client("192.0.2.10", 40002, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 486);
	ck_assert_uint_eq(R.m.allocs, 2);
}
END_TEST

START_TEST(userhash_wrong_realm_or_user_401)
{
	size_t	i;

	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	userhash(UH_ONLY, "alice", "other.test");
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* A 401 with a fresh challenge, no integrity. */
	learn_nonce();
	ck_assert_uint_ne(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	userhash(UH_ONLY, "mallory", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* A REST name is not in the table, whatever the hash. */
	userhash(UH_ONLY, "1800000000:carol", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* The right hash with the wrong password. */
	creds("alice", "nope", 0, 0);
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* Just below alice's hash, with her key: a near miss is a miss. */
	creds("alice", "wonderland", 0, 0);
	userhash(UH_ONLY, "alice", REALM);
	for (i = sizeof(C.uh); i-- > 0 && C.uh[i] == 0; )
		continue;
	C.uh[i]--;
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	ck_assert_uint_eq(R.m.auth_fail, 5);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_int_eq(F.opened, 0);
	/* The same nonce still takes the right one. */
	creds("alice", "wonderland", 0, 0);
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
}
END_TEST

START_TEST(userhash_wins_over_username_under_the_bit)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	/* RFC 8489 9.2.5: USERHASH names the user; USERNAME is ignored. */
	userhash(UH_AND_NAME, "mallory", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	learn_nonce();
	snprintf(C.user, sizeof(C.user), "mallory");
	userhash(UH_AND_NAME, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 1);
}
END_TEST

START_TEST(userhash_needs_the_nonce_bit)
{
	char	err[128];

	/* A nonce of ours without the bit, as older configs issued. */
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	ck_assert_int_eq(stun_nonce_make(C.nonce, sizeof(C.nonce),
	    STUN_SECF_PASSWORD_ALGORITHMS, A.nonce_key, sizeof(A.nonce_key),
	    &CL.addr, now / 1000), 0);
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* The answer offers the bit now. */
	ck_assert_int_eq(stun_msg_get_string(last(), STUN_ATTR_NONCE,
	    C.nonce, sizeof(C.nonce)), 0);
	ck_assert_uint_ne(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	/* Without the bit USERNAME counts and USERHASH is ignored. */
	ck_assert_int_eq(stun_nonce_make(C.nonce, sizeof(C.nonce),
	    STUN_SECF_PASSWORD_ALGORITHMS, A.nonce_key, sizeof(A.nonce_key),
	    &CL.addr, now / 1000), 0);
	userhash(UH_AND_NAME, "mallory", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 1);

	/* A secret only: the server cannot list names, so no bit. */
	auth_free(&A);
	ck_assert_int_eq(auth_init(&A, REALM, NULL, NULL, 0), 0);
	ck_assert_int_eq(auth_set_secret(&A, SECRET), 0);
	client("192.0.2.10", 40001, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_uint_eq(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	ck_assert_uint_ne(nonce_bits() & STUN_SECF_PASSWORD_ALGORITHMS, 0);
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	ck_assert_uint_eq(R.m.allocs, 1);

	/*
	 * Users and a secret: a REST client would have to send a USERHASH
	 * nobody can find, so no bit either; file users go by USERNAME.
	 */
	ck_assert_int_eq(auth_load_users(&A, "alice:wonderland\n", 17,
	    "users", err, sizeof(err)), 0);
	client("192.0.2.10", 40002, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_uint_eq(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 2);
}
END_TEST

START_TEST(userhash_finds_every_user_of_many)
{
	struct auth		 b;
	struct auth_result	 r;
	struct auth_req		 aq;
	struct stun_builder	 qb;
	struct stun_msg		 m;
	struct stun_addr	 from;
	char			*txt, name[32], pw[32], err[256];
	char			 nonce[STUN_NONCE_LEN + 1];
	uint8_t			 key[STUN_KEY_MAX], uh[32];
	size_t			 klen, len = 0, i;
	int			 n;
	const size_t		 nusers = 300;

	ck_assert_ptr_nonnull(txt = malloc(nusers * 32));
	for (i = 0; i < nusers; i++)
		len += (size_t)snprintf(txt + len, nusers * 32 - len,
		    "user%zu:pw%zu\n", i, i);
	ck_assert_int_eq(auth_init(&b, REALM, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_load_users(&b, txt, len, "users", err,
	    sizeof(err)), 0);
	free(txt);
	ck_assert_int_eq(stun_addr_parse("192.0.2.10", 40000, &from), 0);
	ck_assert_int_eq(stun_nonce_make(nonce, sizeof(nonce),
	    STUN_SECF_USERNAME_ANONYMITY, b.nonce_key, sizeof(b.nonce_key),
	    &from, 1000), 0);
	for (i = 0; i <= nusers; i++) {
		/* The last round is user0's hash with another's key. */
		snprintf(name, sizeof(name), "user%zu", i % nusers);
		snprintf(pw, sizeof(pw), "pw%zu", i == nusers ? 1 : i);
		ck_assert_int_eq(stun_userhash(name, REALM, uh), 0);
		ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, name, REALM,
		    pw, key, &klen), 0);
		q_begin(&qb, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
		stun_build_attr(&qb, STUN_ATTR_USERHASH, uh, sizeof(uh));
		stun_build_string(&qb, STUN_ATTR_REALM, REALM);
		stun_build_string(&qb, STUN_ATTR_NONCE, nonce);
		stun_build_integrity(&qb, key, klen);
		ck_assert_int_gt(n = stun_build_finish(&qb), 0);
		ck_assert_int_eq(stun_msg_decode(&m, qbuf, (size_t)n), 0);
		memset(&aq, 0, sizeof(aq));
		aq.from = &from;
		aq.now_s = 1000;
		auth_check(&b, &m, &aq, &r);
		if (i == nusers) {
			ck_assert_int_eq(r.code, 401);
			break;
		}
		ck_assert_msg(r.code == 0, "%s: %d %s", name, r.code, r.why);
		ck_assert_int_eq(r.userhash, 1);
		ck_assert_str_eq(r.user, name);
	}
	auth_free(&b);
}
END_TEST

START_TEST(userhash_reload_drops_removed_user)
{
	struct auth	b;
	char		err[256];
	static const char txt[] = "bob:builder\n";

	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	userhash(UH_ONLY, "alice", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	/* SIGHUP: a new set with the old nonce secret, alice gone. */
	ck_assert_int_eq(auth_init(&b, REALM, A.nonce_key, err, sizeof(err)),
	    0);
	ck_assert_int_eq(auth_load_users(&b, txt, strlen(txt), "users", err,
	    sizeof(err)), 0);
	R.auth = &b;
	/* Her nonce is still good; her hash is not. */
	ck_assert_int_eq(refresh(0, 0), 401);
	client("192.0.2.10", 40001, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* bob, in both sets, still works by hash. */
	learn_nonce();
	creds("bob", "builder", 0, 0);
	userhash(UH_ONLY, "bob", REALM);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 2);
	R.auth = &A;
	auth_free(&b);
}
END_TEST

/* Allocate errors. */

START_TEST(allocate_errors)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_TCP), 442);
	ck_assert_int_eq(allocate_x(AX_NOTRANS), 400);
	ck_assert_int_eq(allocate_x(AX_DF), 420);
	ck_assert_int_eq(allocate_x(AX_UNKNOWN), 420);
	last_signed();
	ck_assert_int_eq(allocate_x(AX_TOKEN), 508);
	ck_assert_int_eq(allocate_x(AX_TOKEN | AX_EVEN), 400);
	ck_assert_int_eq(allocate_x(AX_TOKEN | AX_V6), 400);
	ck_assert_int_eq(allocate_x(AX_RESERVE), 508);
	ck_assert_int_eq(allocate_x(AX_V6 | AX_ADD6), 400);
	ck_assert_int_eq(allocate_x(AX_ADD4), 400);
	F.no_v6 = 1;
	ck_assert_int_eq(allocate_x(AX_V6), 440);
	F.no_ports = 1;
	ck_assert_int_eq(allocate_x(AX_NONE), 508);
	ck_assert_uint_eq(R.m.errors[RELAY_E442], 1);
	ck_assert_uint_eq(R.m.errors[RELAY_E420], 2);
	ck_assert_uint_eq(R.m.errors[RELAY_E440], 1);
	ck_assert_uint_eq(R.m.allocs, 0);
	/* Every refusal gave its quota back. */
	ck_assert_uint_eq(Q.total, 0);
}
END_TEST

START_TEST(allocate_unknown_attr_lists_it)
{
	uint16_t	types[4];
	size_t		n = 0;

	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_DF), 420);
	ck_assert_int_eq(stun_msg_get_unknown(last(), types, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(types[0], STUN_ATTR_DONT_FRAGMENT);
}
END_TEST

/* With a caller that can set DF, DONT-FRAGMENT is granted. */
START_TEST(allocate_dont_fragment)
{
	uint16_t	types[4];
	size_t		n = 0;

	R.ops.dont_fragment = f_dont_fragment;
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_DF), 0);
	last_signed();
	ck_assert_int_eq(F.df_calls, 1);
	ck_assert_int_eq(F.df_handle, 100);
	ck_assert_uint_eq(R.m.allocs, 1);
	ck_assert_uint_eq(R.m.errors[RELAY_E420], 0);
	/* The data path is the usual one; DF is not asked for again. */
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_uint_eq(send_ind_df("198.51.100.20", 7000, "df", 1), 1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "x"), 1);
	ck_assert_int_eq(F.df_calls, 1);
	/* Unknown attributes still win: 420 without DONT-FRAGMENT listed. */
	client("192.0.2.10", 40001, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_DF | AX_UNKNOWN), 420);
	ck_assert_int_eq(stun_msg_get_unknown(last(), types, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(types[0], 0x7f01);
	ck_assert_int_eq(F.df_calls, 1);
}
END_TEST

/* The system refuses DF: 420 naming it, the socket and quota given back. */
START_TEST(allocate_dont_fragment_refused)
{
	uint16_t	types[4];
	size_t		n = 0;

	R.ops.dont_fragment = f_dont_fragment;
	F.df_fail = 1;
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_DF), 420);
	last_signed();
	ck_assert_int_eq(stun_msg_get_unknown(last(), types, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(types[0], STUN_ATTR_DONT_FRAGMENT);
	ck_assert_int_eq(F.df_calls, 1);
	ck_assert_int_eq(F.opened, 1);
	ck_assert_int_eq(F.closed, 1);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(Q.total, 0);
	/* The same client allocates without it, in the same slot. */
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 1);
}
END_TEST

/*
 * RFC 8656 11.2: DONT-FRAGMENT in a Send indication sets DF for the
 * allocation (once); where DF cannot be set the indication is dropped.
 */
START_TEST(send_indication_dont_fragment)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	/* No way to set DF: dropped, counted as a bad indication. */
	ck_assert_uint_eq(send_ind_df("198.51.100.20", 7000, "a", 1), 0);
	ck_assert_uint_eq(R.m.bad_indication, 1);
	R.ops.dont_fragment = f_dont_fragment;
	F.df_fail = 1;
	ck_assert_uint_eq(send_ind_df("198.51.100.20", 7000, "b", 1), 0);
	ck_assert_uint_eq(R.m.bad_indication, 2);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "c"), 1);
	F.df_fail = 0;
	ck_assert_uint_eq(send_ind_df("198.51.100.20", 7000, "d", 1), 1);
	ck_assert_uint_eq(send_ind_df("198.51.100.20", 7000, "e", 1), 1);
	ck_assert_int_eq(F.df_calls, 2);
	ck_assert_int_eq(F.df_handle, 100);
	ck_assert_uint_eq(R.m.pkts_to_peer, 3);
}
END_TEST

START_TEST(allocate_even_v6_dual)
{
	struct stun_addr	a;
	uint8_t			fam;
	int			code;
	const char		*reason;
	size_t			rlen;

	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_EVEN), 0);
	ck_assert_int_eq(F.last_even, 1);
	client("192.0.2.10", 40001, 0);
	ck_assert_int_eq(allocate_x(AX_V6), 438);	/* new address */
	learn_nonce();
	ck_assert_int_eq(allocate_x(AX_V6), 0);
	ck_assert_int_eq(stun_msg_get_addr(last(),
	    STUN_ATTR_XOR_RELAYED_ADDRESS, &a), 0);
	ck_assert_int_eq(a.family, STUN_AF_INET6);
	client("192.0.2.10", 40002, 0);
	ck_assert_int_eq(allocate_x(AX_ADD6), 438);
	learn_nonce();
	ck_assert_int_eq(allocate_x(AX_ADD6), 0);
	ck_assert_int_eq(F.last_family, STUN_AF_INET);
	ck_assert_int_eq(stun_msg_get_addr_error(last(), &fam, &code, &reason,
	    &rlen), 0);
	ck_assert_int_eq(fam, STUN_AF_INET6);
	ck_assert_int_eq(code, 440);
}
END_TEST

START_TEST(allocate_437_and_retransmission)
{
	struct stun_builder	b;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	/* The same transaction again: the same success. */
	q_begin_tid(&b, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, tidn);
	stun_build_transport(&b, RELAY_PROTO_UDP);
	q_auth(&b);
	q_send(&b);
	ck_assert_int_eq(last_code(), 0);
	ck_assert_int_eq(F.opened, 1);
	/* A new one on the same 5-tuple: 437. */
	ck_assert_int_eq(allocate_x(AX_NONE), 437);
	last_signed();
	/* Refresh, CreatePermission, ChannelBind without an allocation. */
	client("192.0.2.10", 40001, 0);
	ck_assert_int_eq(refresh(0, 0), 437);	/* after a 438 */
	ck_assert_uint_eq(R.m.stale_nonce, 1);
	ck_assert_int_eq(permit("198.51.100.20"), 437);
	ck_assert_int_eq(bind_chan(0x4000, "198.51.100.20", 9), 437);
	ck_assert_uint_eq(R.m.errors[RELAY_E437], 4);
}
END_TEST

START_TEST(other_user_441)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	creds("bob", "builder", 0, 0);
	ck_assert_int_eq(refresh(0, 0), 441);
	ck_assert_int_eq(permit("198.51.100.20"), 441);
}
END_TEST

START_TEST(user_quota_486_total_508)
{
	teardown();
	setup();
	relaypol_quota_limits(&Q, 3, 2, 0, 0);
	creds("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40001, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40002, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 486);
	/* bob may have one: the total is 3. */
	client("192.0.2.10", 40003, 0);
	allocate_as("bob", "builder", 0, 0);
	client("192.0.2.10", 40004, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 508);
	ck_assert_uint_eq(R.m.errors[RELAY_E486], 1);
	ck_assert_uint_eq(R.m.errors[RELAY_E508], 1);
	/* Deleting one of alice's gives her room again. */
	creds("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40000, 0);
	challenge();
	ck_assert_int_eq(refresh(1, 0), 0);
	client("192.0.2.10", 40002, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
}
END_TEST

START_TEST(table_full_508)
{
	struct relay_config	c;

	teardown();
	memset(&c, 0, sizeof(c));
	c.max_allocs = 2;
	setup_with(&c);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40001, 0);
	allocate_as("bob", "builder", 0, 0);
	client("192.0.2.10", 40002, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 508);
	ck_assert_uint_eq(Q.total, 2);
}
END_TEST

/* Full, in a fleet: 300 naming the alternate, signed like any answer. */
START_TEST(table_full_300_alternate)
{
	struct relay_config	c;
	struct stun_addr	got;

	teardown();
	memset(&c, 0, sizeof(c));
	c.max_allocs = 1;
	setup_with(&c);
	F.has_alt = 1;
	ck_assert_int_eq(stun_addr_parse("192.0.2.77:3478", 0, &F.alt), 0);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.10", 40001, 0);
	allocate_as_code("bob", "builder", 300);
	ck_assert_int_eq(stun_msg_get_addr(last(), STUN_ATTR_ALTERNATE_SERVER,
	    &got), 0);
	ck_assert(stun_addr_equal(&got, &F.alt));
	last_signed();
	ck_assert_uint_eq(Q.total, 1);
	/* No alternate with room: the cap's own answer. */
	F.has_alt = 0;
	client("192.0.2.10", 40002, 0);
	allocate_as_code("bob", "builder", 508);
}
END_TEST

/* Lifetimes. */

START_TEST(lifetime_bounds_and_refresh)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ax_life = 60;
	ck_assert_int_eq(allocate_x(AX_LIFE), 0);
	ck_assert_uint_eq(last_lifetime(), 600);
	ck_assert_int_eq(refresh(1, 99999), 0);
	ck_assert_uint_eq(last_lifetime(), 3600);
	last_signed();
	ck_assert_int_eq(refresh(1, 1200), 0);
	ck_assert_uint_eq(last_lifetime(), 1200);
	ck_assert_int_eq(refresh(0, 0), 0);
	ck_assert_uint_eq(last_lifetime(), 600);
	ck_assert_uint_eq(R.m.refreshed, 3);
	ck_assert_uint_eq(F.nev[RELAY_EV_REFRESH], 3);
	ck_assert_uint_eq(F.last_ev.lifetime, 600);
	/* Lifetime 0 deletes. */
	ck_assert_int_eq(refresh(1, 0), 0);
	ck_assert_uint_eq(F.nev[RELAY_EV_END], 1);
	ck_assert_str_eq(F.ev_reason, "client");
	ck_assert_uint_eq(last_lifetime(), 0);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.deleted, 1);
	ck_assert_int_eq(F.closed, 1);
	ck_assert_int_eq(refresh(1, 0), 437);
}
END_TEST

START_TEST(allocation_expires)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	now += SEC(599);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 1);
	ck_assert_int_eq(refresh(0, 0), 0);	/* another 600 s */
	now += SEC(599);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 1);
	now += SEC(2);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.expired, 1);
	ck_assert_int_eq(F.closed, 1);
	ck_assert_uint_eq(Q.total, 0);
}
END_TEST

START_TEST(permission_expires)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	last_signed();
	ck_assert_uint_eq(R.m.perms, 1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "hi"), 1);
	/* Any port of the permitted IP. */
	ck_assert_uint_eq(from_peer("198.51.100.20", 1234, "yo"), 1);
	ck_assert_uint_eq(send_ind("198.51.100.21", 7, "hi"), 0);
	ck_assert_uint_eq(R.m.no_perm, 1);
	now += SEC(299);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "hi"), 1);
	ck_assert_int_eq(refresh(0, 0), 0);
	now += SEC(2);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "hi"), 0);
	ck_assert_uint_eq(from_peer("198.51.100.20", 1234, "yo"), 0);
}
END_TEST

START_TEST(channel_expires_and_cools_down)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.20", 7), 0);
	ck_assert_uint_eq(R.m.chans, 1);
	ck_assert_uint_eq(send_chdata(0x4001, "abc"), 1);
	/* Keep the permission (and allocation) but not the channel. */
	now += SEC(290);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_int_eq(refresh(0, 0), 0);
	now += SEC(290);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_int_eq(refresh(0, 0), 0);
	now += SEC(21);
	relay_timer(&R, now);
	ck_assert_uint_eq(send_chdata(0x4001, "abc"), 0);
	/* Peer data now comes as a Data indication. */
	ck_assert_uint_eq(from_peer("198.51.100.20", 7, "x"), 1);
	ck_assert_int_eq(last()->method, STUN_METHOD_DATA);
	/* The number stays reserved for its peer for 5 more minutes. */
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.21", 7), 400);
	now += SEC(300);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.chans, 0);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.21", 7), 0);
}
END_TEST

/* Data paths. */

START_TEST(send_and_data_indication)
{
	struct stun_addr	a;
	const uint8_t		*d;
	size_t			 n;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "hello"), 1);
	ck_assert_int_eq(F.peer[0].handle, 100);
	ck_assert_uint_eq(F.peer[0].to.port, 7000);
	ck_assert_uint_eq(F.peer[0].len, 5);
	ck_assert_mem_eq(F.peer[0].buf, "hello", 5);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "world!"), 1);
	ck_assert_int_eq(last()->method, STUN_METHOD_DATA);
	ck_assert_int_eq(last()->cls, STUN_CLASS_INDICATION);
	ck_assert_int_eq(stun_msg_get_addr(last(), STUN_ATTR_XOR_PEER_ADDRESS,
	    &a), 0);
	ck_assert_uint_eq(a.port, 7000);
	ck_assert_int_eq(stun_msg_get_bytes(last(), STUN_ATTR_DATA, &d, &n),
	    0);
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(d, "world!", 6);
	ck_assert_uint_eq(R.m.pkts_to_peer, 1);
	ck_assert_uint_eq(R.m.bytes_to_peer, 5);
	ck_assert_uint_eq(R.m.pkts_to_client, 1);
	ck_assert_uint_eq(R.m.bytes_to_client, 6);
	/* The session's end line carries its traffic each way. */
	ck_assert_uint_eq(F.nev[RELAY_EV_CREATE], 1);
	ck_assert_str_eq(F.ev_user, "alice");
	relay_client_gone(&R, &F.client[0].cl);
	ck_assert_uint_eq(F.nev[RELAY_EV_END], 1);
	ck_assert_str_eq(F.ev_reason, "closed");
	ck_assert_uint_eq(F.last_ev.pkts_out, 1);
	ck_assert_uint_eq(F.last_ev.bytes_out, 5);
	ck_assert_uint_eq(F.last_ev.pkts_in, 1);
	ck_assert_uint_eq(F.last_ev.bytes_in, 6);
	ck_assert_ptr_nonnull(F.last_ev.relayed);
	/* Unknown 5-tuple or relay slot: dropped. */
	client("192.0.2.10", 40009, 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "x"), 0);
	relay_peer_input(&R, 5, &F.peer[0].to, (const uint8_t *)"x", 1, now);
	ck_assert_uint_eq(R.m.no_alloc, 2);
}
END_TEST

START_TEST(channel_data_both_ways)
{
	uint16_t	 ch;
	const uint8_t	*d;
	size_t		 n;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(bind_chan(0x4abc, "198.51.100.20", 7000), 0);
	last_signed();
	/* Rebinding the same pair refreshes it. */
	ck_assert_int_eq(bind_chan(0x4abc, "198.51.100.20", 7000), 0);
	ck_assert_uint_eq(send_chdata(0x4abc, "ping"), 1);
	ck_assert_uint_eq(F.peer[0].to.port, 7000);
	ck_assert_mem_eq(F.peer[0].buf, "ping", 4);
	ck_assert_uint_eq(send_chdata(0x4abd, "ping"), 0);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "pong!"), 1);
	ck_assert_uint_eq(F.client[F.nclient - 1].len, 4 + 5);	/* UDP */
	ck_assert_int_eq(stun_chdata_decode(F.client[F.nclient - 1].buf,
	    F.client[F.nclient - 1].len, &ch, &d, &n), 0);
	ck_assert_uint_eq(ch, 0x4abc);
	ck_assert_mem_eq(d, "pong!", 5);
	/* Another port of the same IP has the permission, not the channel. */
	ck_assert_uint_eq(from_peer("198.51.100.20", 7001, "x"), 1);
	ck_assert_int_eq(last()->method, STUN_METHOD_DATA);
}
END_TEST

START_TEST(channel_bind_conflicts)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(bind_chan(STUN_CHANNEL_MIN - 1, "198.51.100.20", 7),
	    400);
	ck_assert_int_eq(bind_chan(STUN_CHANNEL_ACCEPT_MAX + 1, "198.51.100.20", 7),
	    400);
	ck_assert_int_eq(bind_chan(STUN_CHANNEL_ACCEPT_MAX, "198.51.100.20", 7), 0);
	ck_assert_int_eq(bind_chan(STUN_CHANNEL_MIN, "198.51.100.21", 7), 0);
	/* The number to another peer, the peer to another number. */
	ck_assert_int_eq(bind_chan(STUN_CHANNEL_MIN, "198.51.100.22", 7),
	    400);
	ck_assert_int_eq(bind_chan(0x4100, "198.51.100.20", 7), 400);
	ck_assert_int_eq(bind_chan(0x4100, "198.51.100.20", 8), 0);
	/* A peer of the other family: 443. */
	ck_assert_int_eq(bind_chan(0x4200, "2001:db8::1", 8), 443);
	ck_assert_int_eq(permit("2001:db8::1"), 443);
	ck_assert_uint_eq(R.m.chans, 3);
}
END_TEST

START_TEST(stream_client_padded_and_gone)
{
	uint16_t	 ch;
	const uint8_t	*d;
	size_t		 n;

	client("192.0.2.10", 40000, 77);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_uint_eq(F.client[F.nclient - 1].cl.conn, 77);
	ck_assert_int_eq(bind_chan(0x4002, "198.51.100.20", 7000), 0);
	ck_assert_uint_eq(send_chdata(0x4002, "abcde"), 1);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "pong!"), 1);
	ck_assert_uint_eq(F.client[F.nclient - 1].len, 12);	/* padded */
	ck_assert_int_eq(stun_chdata_decode(F.client[F.nclient - 1].buf,
	    F.client[F.nclient - 1].len, &ch, &d, &n), 0);
	ck_assert_uint_eq(n, 5);
	/* The same address on UDP is another 5-tuple. */
	client("192.0.2.10", 40000, 0);
	ck_assert_uint_eq(send_chdata(0x4002, "abcde"), 0);
	client("192.0.2.10", 40000, 77);
	relay_client_gone(&R, &CL);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.closed, 1);
	ck_assert_int_eq(F.closed, 1);
}
END_TEST

/* Caps. */

START_TEST(byte_cap_ends_allocation)
{
	struct relay_config	c;

	teardown();
	memset(&c, 0, sizeof(c));
	c.max_alloc_bytes = 10;
	setup_with(&c);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "12345"), 1);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7, "1234"), 1);
	ck_assert_uint_eq(R.m.allocs, 1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "1"), 1);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.capped_bytes, 1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7, "1"), 0);
	ck_assert_int_eq(F.closed, 1);
}
END_TEST

START_TEST(time_cap_ends_allocation)
{
	struct relay_config	c;

	teardown();
	memset(&c, 0, sizeof(c));
	c.max_alloc_time = 900;
	setup_with(&c);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_uint_eq(last_lifetime(), 600);
	now += SEC(500);
	ck_assert_int_eq(refresh(1, 3600), 0);
	ck_assert_uint_eq(last_lifetime(), 400);	/* what is left */
	now += SEC(399);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 1);
	now += SEC(1);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.capped_time, 1);
}
END_TEST

/* Peer policy. */

static const char *const refused[] = {
	"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1",
	"172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254",
	"169.254.1.1", "224.0.0.1", "255.255.255.255", "::", "::1",
	"::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
	"::ffff:10.0.0.1", "fe80::1", "fc00::1", "fd00::1", "ff02::1",
	/* Local-use NAT64 (any address in it), SIIT (even of a public one). */
	"64:ff9b:1::c633:6414", "64:ff9b:1:ffff::1", "::ffff:0:c633:6414",
	"::ffff:0:7f00:1",
	/* 6to4 of loopback, private, metadata; Teredo of loopback. */
	"2002:7f00:1::1", "2002:a00:1::1", "2002:a9fe:a9fe::1",
	"2001:0:4136:e378:8000:63bf:80ff:fffe",
	/* Site-local and discard-only. */
	"fec0::1", "feff::1", "100::1", "100::ffff:ffff:ffff:ffff",
	/* The host's own addresses, in every form. */
	"198.51.100.10", "::ffff:198.51.100.10", "::198.51.100.10",
	"64:ff9b::c633:640a", "2002:c633:640a::1", "::ffff:0:c633:640a",
	"2001:db8::10", "203.0.113.1", "2001:db8::1",
};
#define NREFUSED	((int)(sizeof(refused) / sizeof(refused[0])))

/* An allocation of the peer's wire family for the battery. */
static void
policy_alloc(const struct stun_addr *peer)
{
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(peer->family == STUN_AF_INET6 ? AX_V6 :
	    AX_NONE), 0);
}

START_TEST(peer_refused_on_every_path)
{
	struct stun_addr	peer;
	const char		*s = refused[_i];
	char			 cidr[80];
	uint64_t		 denied;

	ck_assert_int_eq(stun_addr_parse(s, 9, &peer), 0);
	policy_alloc(&peer);
	ck_assert_int_eq(permit(s), 403);
	ck_assert_int_eq(bind_chan(0x4010, s, 9), 403);
	ck_assert_uint_eq(R.m.peer_denied, 2);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(send_ind(s, 9, "x"), 0);
	ck_assert_uint_eq(R.m.peer_denied, 3);
	/*
	 * ChannelData: bind while an allow rule lets the peer in, then
	 * reload without it; the channel's peer is checked again.
	 */
	snprintf(cidr, sizeof(cidr), "%s", s);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, cidr), 0);
	ck_assert_int_eq(bind_chan(0x4010, s, 9), 0);
	ck_assert_uint_eq(send_chdata(0x4010, "x"), 1);
	acl_reset();
	denied = R.m.peer_denied;
	ck_assert_uint_eq(send_chdata(0x4010, "x"), 0);
	ck_assert_uint_eq(send_ind(s, 9, "x"), 0);
	ck_assert_uint_eq(R.m.peer_denied, denied + 2);
	ck_assert_uint_eq(R.m.errors[RELAY_E403], 2);
}
END_TEST

START_TEST(create_permission_all_or_nothing)
{
	struct stun_builder	b;
	struct stun_addr	good, bad;

	ck_assert_int_eq(stun_addr_parse("198.51.100.20", 9, &good), 0);
	ck_assert_int_eq(stun_addr_parse("10.1.2.3", 9, &bad), 0);
	policy_alloc(&good);
	ck_assert_int_eq(refresh(0, 0), 0);
	q_begin(&b, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &good);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &bad);
	q_auth(&b);
	q_send(&b);
	ck_assert_int_eq(last_code(), 403);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 9, "x"), 0);
	/* Two good ones: both installed. */
	ck_assert_int_eq(stun_addr_parse("198.51.100.21", 9, &bad), 0);
	q_begin(&b, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &good);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &bad);
	q_auth(&b);
	q_send(&b);
	ck_assert_int_eq(last_code(), 0);
	ck_assert_uint_eq(R.m.perms, 2);
	/* No peer at all: 400. */
	q_begin(&b, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
	q_auth(&b);
	q_send(&b);
	ck_assert_int_eq(last_code(), 400);
}
END_TEST

START_TEST(public_peer_passes)
{
	struct stun_addr	peer;

	ck_assert_int_eq(stun_addr_parse("198.51.100.20", 9, &peer), 0);
	ck_assert_int_eq(relaypol_peer_ok(NULL, &peer), 1);
	policy_alloc(&peer);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_int_eq(bind_chan(0x4010, "198.51.100.20", 9), 0);
	ck_assert_uint_eq(send_ind("198.51.100.20", 9, "x"), 1);
	ck_assert_uint_eq(send_chdata(0x4010, "x"), 1);
	ck_assert_uint_eq(R.m.peer_denied, 0);
	ck_assert_int_eq(stun_addr_parse("2001:db8::20", 9, &peer), 0);
	ck_assert_int_eq(relaypol_peer_ok(NULL, &peer), 1);
}
END_TEST

static int
ok(const char *s)
{
	struct stun_addr	a;

	ck_assert_int_eq(stun_addr_parse(s, 9, &a), 0);
	return (relaypol_peer_ok(&ACL, &a));
}

START_TEST(allow_and_deny_rules)
{
	int	i;

	ck_assert_int_eq(ok("127.0.0.1"), 0);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "127.0.0.0/8"), 0);
	ck_assert_int_eq(ok("127.0.0.1"), 1);
	ck_assert_int_eq(ok("127.1.2.3"), 1);
	/* Every IPv4-in-IPv6 form follows the IPv4 rule. */
	ck_assert_int_eq(ok("::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(ok("64:ff9b::7f00:1"), 1);
	ck_assert_int_eq(ok("10.0.0.1"), 0);
	ck_assert_int_eq(ok("::1"), 0);
	/* An explicit deny wins over allow and over "public". */
	ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "127.0.0.2"), 0);
	ck_assert_int_eq(ok("127.0.0.2"), 0);
	ck_assert_int_eq(ok("::ffff:127.0.0.2"), 0);
	ck_assert_int_eq(ok("127.0.0.3"), 1);
	ck_assert_int_eq(ok("198.51.100.20"), 1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "198.51.100.0/24"), 0);
	ck_assert_int_eq(ok("198.51.100.20"), 0);
	ck_assert_int_eq(ok("198.51.101.20"), 1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "198.51.100.20"), 0);
	ck_assert_int_eq(ok("198.51.100.20"), 0);
	/* IPv6 ranges, odd prefix lengths. */
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "fd00::/9"), 0);
	ck_assert_int_eq(ok("fd00::1"), 1);
	ck_assert_int_eq(ok("fd7f::1"), 1);
	ck_assert_int_eq(ok("fd80::1"), 0);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "2001:db8::/32"), 0);
	ck_assert_int_eq(ok("2001:db8::5"), 0);
	ck_assert_int_eq(ok("2001:db9::5"), 1);
	/* Bad ranges and a full list. */
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "10.0.0.0/33"), -1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "10.0.0.0/"), -1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "10.0.0.0/8x"), -1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "/8"), -1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "host.example"), -1);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 0, "::/129"), -1);
	for (i = (int)ACL.ndeny; i < RELAY_ACL_MAX; i++)
		ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "192.0.2.1"), 0);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "192.0.2.1"), -1);
}
END_TEST

/* Users file. */

START_TEST(users_file_errors)
{
	struct auth	a;
	char		err[256];
	static const char *const bad[] = {
		"alice\n", "alice:\n", ":pw\n",
		"a:0xzz000000000000000000000000000000\n",
		"a:pw\nb:pw\na:pw2\n",
		/* One name after OpaqueString (U+00A0 is a space). */
		"a\xc2\xa0" "b:pw\na b:pw2\n",
	};
	static const char *const where[] = {
		"f:1:", "f:1:", "f:1:", "f:1:", "twice", "same userhash",
	};
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(auth_init(&a, REALM, NULL, err, sizeof(err)),
		    0);
		ck_assert_int_eq(auth_load_users(&a, bad[i], strlen(bad[i]),
		    "f", err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, where[i]));
		auth_free(&a);
	}
	ck_assert_int_eq(auth_init(&a, "", NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(auth_init(&a, REALM, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_enabled(&a), 0);
	ck_assert_int_eq(auth_load_users(&a, "x:y\nbad\n", 9, "f", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "f:2:"));
	/* A failed load leaves a partial set: callers throw it away. */
	auth_free(&a);
	ck_assert_int_eq(auth_init(&a, REALM, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_load_users(&a, "#c\r\nx:y\r\n", 9, "f", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(auth_enabled(&a), 1);
	auth_free(&a);
}
END_TEST

START_TEST(no_credentials_is_401)
{
	auth_free(&A);
	ck_assert_int_eq(auth_init(&A, REALM, NULL, NULL, 0), 0);
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	snprintf(C.nonce, sizeof(C.nonce), "x");
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
}
END_TEST

START_TEST(not_turn_is_passed_on)
{
	struct stun_builder	b;
	int			n;

	client("192.0.2.10", 40000, 0);
	q_begin(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_msg_decode(&qm, qbuf, (size_t)n), 0);
	ck_assert_int_eq(relay_input(&R, &CL, &qm, now), 0);
	ck_assert_uint_eq(F.nclient, 0);
	/* A Send request (not an indication) is 400. */
	q_begin(&b, STUN_METHOD_SEND, STUN_CLASS_REQUEST);
	q_send(&b);
	ck_assert_int_eq(last_code(), 400);
}
END_TEST

/*
 * Every single-bit flip of a signed CreatePermission fails to decode, is
 * dropped or is refused: never a permission.  With FINGERPRINT every flip
 * already fails to decode (RFC 8489 7.3, checked first); without it the
 * flips that decode reach the relay, and MESSAGE-INTEGRITY refuses them.
 */
START_TEST(mutated_request_never_succeeds)
{
	struct stun_builder	 b;
	struct stun_addr	 a;
	uint8_t			 orig[512];
	size_t			 n, i;
	unsigned		 bit, before, tried = 0;
	int			 len, fp;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	/* The nonce of this allocation, which a Refresh asks for. */
	ck_assert_int_eq(refresh(0, 0), 0);
	ck_assert_int_eq(stun_addr_parse("198.51.100.20", 9, &a), 0);
	for (fp = 1; fp >= 0; fp--) {
		q_begin(&b, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
		q_auth(&b);
		if (fp)
			stun_build_fingerprint(&b);
		len = stun_build_finish(&b);
		ck_assert_int_gt(len, 0);
		n = (size_t)len;
		ck_assert_uint_le(n, sizeof(orig));
		memcpy(orig, qbuf, n);
		for (i = 0; i < n; i++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(qbuf, orig, n);
				qbuf[i] ^= (uint8_t)(1U << bit);
				if (stun_msg_decode(&qm, qbuf, n) != 0)
					continue;
				ck_assert_msg(!fp, "flip of byte %zu bit %u "
				    "decodes under FINGERPRINT", i, bit);
				tried++;
				/* Each answer is looked at once: reuse the slots. */
				F.nclient = 0;
				before = F.nclient;
				(void)relay_input(&R, &CL, &qm, now);
				if (F.nclient > before && last_code() == 0)
					ck_abort_msg("flip of byte %zu bit %u "
					    "accepted", i, bit);
				ck_assert_uint_eq(R.m.perms, 0);
			}
	}
	ck_assert_uint_gt(tried, 0);
	/* Every truncation, too. */
	for (i = 0; i < n; i++)
		if (stun_msg_decode(&qm, orig, i) == 0)
			(void)relay_input(&R, &CL, &qm, now);
	ck_assert_uint_eq(R.m.perms, 0);
	/* The original still works. */
	memcpy(qbuf, orig, n);
	ck_assert_int_eq(stun_msg_decode(&qm, qbuf, n), 0);
	ck_assert_int_eq(relay_input(&R, &CL, &qm, now), 1);
	ck_assert_int_eq(last_code(), 0);
	ck_assert_uint_eq(R.m.perms, 1);
}
END_TEST

/* Take one for name from source ip (NULL: none) in q. */
static int
qtake(struct relay_quota *q, const char *name, const char *ip,
    struct relay_qh *h)
{
	struct relay_qkey	k;
	struct stun_addr	src;

	memset(&k, 0, sizeof(k));
	k.name = name;
	k.len = strlen(name);
	if (ip != NULL) {
		ck_assert_int_eq(stun_addr_parse(ip, 1000, &src), 0);
		k.src = &src;
	}
	return (relaypol_quota_take(q, &k, h));
}

START_TEST(quota_counts_per_name_and_total)
{
	struct relay_quota	q;
	struct relay_qh		h[6];
	int			i;

	ck_assert_int_eq(relaypol_quota_init(&q, 1), 0);
	relaypol_quota_limits(&q, 5, 2, 0, 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[0]), 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[1]), 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[2]), 486);
	ck_assert_int_eq(h[2].refused, RELAY_Q_USER);
	ck_assert_int_eq(h[2].taken, 0);
	ck_assert_int_eq(qtake(&q, "b", NULL, &h[2]), 0);
	ck_assert_int_eq(qtake(&q, "c", NULL, &h[3]), 0);
	ck_assert_int_eq(qtake(&q, "d", NULL, &h[4]), 0);
	ck_assert_int_eq(qtake(&q, "e", NULL, &h[5]), 508);
	ck_assert_int_eq(h[5].refused, RELAY_Q_TOTAL);
	ck_assert_uint_eq(q.total, 5);
	relaypol_quota_put(&q, &h[0]);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[0]), 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[5]), 508);
	/* Raising the caps (SIGHUP) keeps the counts. */
	relaypol_quota_limits(&q, 0, 0, 0, 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[5]), 0);
	ck_assert_uint_eq(q.total, 6);
	for (i = 0; i < 6; i++)
		relaypol_quota_put(&q, &h[i]);
	ck_assert_uint_eq(q.total, 0);
	relaypol_quota_limits(&q, 0, 1, 0, 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[0]), 0);
	ck_assert_int_eq(qtake(&q, "a", NULL, &h[1]), 486);
	relaypol_quota_put(&q, &h[0]);
	relaypol_quota_free(&q);
}
END_TEST

START_TEST(quota_counts_per_source_and_rdv_share)
{
	struct relay_quota	q;
	struct relay_qh		h[8], x;
	struct relay_qkey	k;
	struct stun_addr	src;
	int			i;

	ck_assert_int_eq(relaypol_quota_init(&q, 8), 0);
	relaypol_quota_limits(&q, 8, 0, 2, 0);
	/* Two per IPv4 address, whatever the name. */
	ck_assert_int_eq(qtake(&q, "a", "192.0.2.1", &h[0]), 0);
	ck_assert_int_eq(qtake(&q, "b", "192.0.2.1", &h[1]), 0);
	ck_assert_int_eq(qtake(&q, "c", "192.0.2.1", &h[2]), 486);
	ck_assert_int_eq(h[2].refused, RELAY_Q_SOURCE);
	ck_assert_uint_eq(q.total, 2);
	ck_assert_int_eq(qtake(&q, "c", "192.0.2.2", &h[2]), 0);
	/* IPv6: per /64, so a new interface id is the same source. */
	ck_assert_int_eq(qtake(&q, "a", "2001:db8:1:2::1", &h[3]), 0);
	ck_assert_int_eq(qtake(&q, "a", "2001:db8:1:2:ffff::9", &h[4]), 0);
	ck_assert_int_eq(qtake(&q, "a", "2001:db8:1:2::3", &h[5]), 486);
	ck_assert_int_eq(qtake(&q, "a", "2001:db8:1:3::3", &h[5]), 0);
	/* The IPv4-mapped form is the IPv4 source. */
	ck_assert_int_eq(qtake(&q, "d", "::ffff:192.0.2.2", &h[6]), 0);
	ck_assert_int_eq(qtake(&q, "d", "::ffff:192.0.2.2", &h[7]), 486);
	for (i = 0; i < 7; i++)
		relaypol_quota_put(&q, &h[i]);
	ck_assert_uint_eq(q.total, 0);
	/* Rendezvous credentials: three of eight, then 508. */
	relaypol_quota_limits(&q, 8, 0, 0, 3);
	memset(&k, 0, sizeof(k));
	k.rdv = 1;
	ck_assert_int_eq(stun_addr_parse("192.0.2.9", 1, &src), 0);
	k.src = &src;
	for (i = 0; i < 4; i++) {
		k.name = i % 2 ? "rdv-1" : "rdv-2";
		k.len = 5;
		ck_assert_int_eq(relaypol_quota_take(&q, &k, &h[i]),
		    i < 3 ? 0 : 508);
	}
	ck_assert_int_eq(h[3].refused, RELAY_Q_RDV);
	ck_assert_uint_eq(q.rdv, 3);
	/* Users from the file still have the rest. */
	for (i = 3; i < 8; i++)
		ck_assert_int_eq(qtake(&q, "carol", "192.0.2.9", &h[i]), 0);
	ck_assert_int_eq(qtake(&q, "carol", "192.0.2.9", &x), 508);
	for (i = 0; i < 8; i++)
		relaypol_quota_put(&q, &h[i]);
	ck_assert_uint_eq(q.total, 0);
	ck_assert_uint_eq(q.rdv, 0);
	relaypol_quota_free(&q);
}
END_TEST

/*
 * Safe as a public service: the relay's own addresses, permission caps,
 * nonces bound to their allocation, per-source quotas, and rendezvous
 * credentials bound to their room.
 */

static int
permit_at(const char *peer, uint16_t port)
{
	struct stun_builder	b;
	struct stun_addr	a;
	int			try;

	ck_assert_int_eq(stun_addr_parse(peer, port, &a), 0);
	for (try = 0; try < 2; try++) {
		q_begin(&b, STUN_METHOD_CREATE_PERMISSION,
		    STUN_CLASS_REQUEST);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
		q_auth(&b);
		q_send(&b);
		if (last_code() != 438)
			break;
		learn_nonce();
	}
	return (last_code());
}

/* A datagram from peer to the allocation in slot. */
static unsigned
from_peer_slot(unsigned slot, const char *peer, uint16_t port,
    const char *data)
{
	struct stun_addr	a;
	unsigned		before = F.nclient;

	ck_assert_int_eq(stun_addr_parse(peer, port, &a), 0);
	relay_peer_input(&R, slot, &a, (const uint8_t *)data, strlen(data),
	    now);
	return (F.nclient - before);
}

/* CreatePermission for n peers 198.51.100.(100 + first + i). */
static int
permit_many(unsigned first, unsigned n)
{
	struct stun_builder	b;
	struct stun_addr	a;
	char			ip[32];
	unsigned		i;
	int			try;

	for (try = 0; try < 2; try++) {
		q_begin(&b, STUN_METHOD_CREATE_PERMISSION,
		    STUN_CLASS_REQUEST);
		for (i = 0; i < n; i++) {
			snprintf(ip, sizeof(ip), "198.51.100.%u",
			    100 + first + i);
			ck_assert_int_eq(stun_addr_parse(ip, 9, &a), 0);
			stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
		}
		q_auth(&b);
		q_send(&b);
		if (last_code() != 438)
			break;
		learn_nonce();
	}
	return (last_code());
}

START_TEST(permission_cap_all_or_nothing)
{
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	/* RFC 8656 9.2: 40 peers over a cap of 32: none installed. */
	ck_assert_int_eq(permit_many(0, 40), 508);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(send_ind("198.51.100.100", 9, "x"), 0);
	ck_assert_int_eq(permit_many(0, 30), 0);
	ck_assert_uint_eq(R.m.perms, 30);
	/* 30 held: five more, three of them new, is one too many. */
	ck_assert_int_eq(permit_many(27, 6), 508);
	ck_assert_uint_eq(R.m.perms, 30);
	ck_assert_uint_eq(send_ind("198.51.100.130", 9, "x"), 0);
	ck_assert_int_eq(permit_many(28, 4), 0);
	ck_assert_uint_eq(R.m.perms, 32);
	/* A channel to a new peer needs a permission too: neither. */
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.200", 9), 508);
	ck_assert_uint_eq(R.m.chans, 0);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.100", 9), 0);
	ck_assert_uint_eq(R.m.chans, 1);
	ck_assert_uint_eq(R.m.perms, 32);
}
END_TEST

START_TEST(refresh_replay_refused)
{
	struct stun_builder	b;
	uint8_t			cap[512];
	size_t			n;
	int			len;

	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	/* The first request on the allocation learns its own nonce. */
	ck_assert_int_eq(refresh(0, 0), 0);
	ck_assert_uint_eq(R.m.stale_nonce, 1);
	/* Refresh(0), seen on the path, deletes the allocation. */
	q_begin(&b, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
	q_auth(&b);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	n = (size_t)len;
	memcpy(cap, qbuf, n);
	ck_assert_int_eq(stun_msg_decode(&qm, cap, n), 0);
	ck_assert_int_eq(relay_input(&R, &CL, &qm, now), 1);
	ck_assert_int_eq(last_code(), 0);
	ck_assert_uint_eq(R.m.allocs, 0);
	/* The client allocates again from the same 5-tuple... */
	ck_assert_int_eq(allocate_x(AX_NONE), 438);
	learn_nonce();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_uint_eq(R.m.allocs, 1);
	/* ... and the captured Refresh(0), replayed, is stale. */
	now += SEC(10);
	ck_assert_int_eq(stun_msg_decode(&qm, cap, n), 0);
	ck_assert_int_eq(relay_input(&R, &CL, &qm, now), 1);
	ck_assert_int_eq(last_code(), 438);
	ck_assert_uint_eq(R.m.allocs, 1);
	/* The client's own requests go on, with this allocation's nonce. */
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	ck_assert_int_eq(refresh(1, 0), 0);
	ck_assert_uint_eq(R.m.allocs, 0);
}
END_TEST

START_TEST(relay_to_relay_only_while_live)
{
	/* bob's allocation: slot 0, 203.0.113.1:50000. */
	client("192.0.2.20", 40000, 0);
	allocate_as("bob", "builder", 0, 0);
	client("192.0.2.10", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	/* The relay address is the host's own: only live ports pass. */
	ck_assert_int_eq(permit_at("203.0.113.1", 50000), 0);
	ck_assert_int_eq(permit_at("203.0.113.1", 3478), 403);
	ck_assert_int_eq(bind_chan(0x4001, "203.0.113.1", 50004), 403);
	ck_assert_int_eq(bind_chan(0x4001, "203.0.113.1", 50000), 0);
	ck_assert_uint_eq(send_ind("203.0.113.1", 50000, "hi"), 1);
	ck_assert_uint_eq(send_ind("203.0.113.1", 3478, "hi"), 0);
	ck_assert_uint_eq(send_chdata(0x4001, "hi"), 1);
	ck_assert_uint_eq(F.peer[1].to.port, 50000);
	/* bob's allocation ends: its address is the host's again. */
	F.nclient = 0;
	client("192.0.2.20", 40000, 0);
	creds("bob", "builder", 0, 0);
	ck_assert_int_eq(refresh(1, 0), 0);
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	ck_assert_uint_eq(send_chdata(0x4001, "hi"), 0);
	ck_assert_uint_eq(send_ind("203.0.113.1", 50000, "hi"), 0);
	ck_assert_int_eq(permit_at("203.0.113.1", 50000), 403);
	/* An explicit deny-peer wins over a live one. */
	client("192.0.2.20", 40000, 0);
	allocate_as("bob", "builder", 0, 0);
	ck_assert_int_eq(relaypol_acl_add(&ACL, 1, "203.0.113.1"), 0);
	client("192.0.2.10", 40000, 0);
	creds("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit_at("203.0.113.1", 50000), 403);
}
END_TEST

START_TEST(source_quota_keeps_room_for_users)
{
	relaypol_quota_limits(&Q, 8, 0, 2, 0);
	/* One source, one user: two allocations, then 486. */
	client("192.0.2.66", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.66", 40001, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.66", 40002, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 486);
	/* Another user from that source: still its quota. */
	client("192.0.2.66", 40003, 0);
	creds("bob", "builder", 0, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 486);
	ck_assert_uint_eq(R.m.quota_source, 2);
	/* A user elsewhere allocates. */
	client("192.0.2.77", 40000, 0);
	allocate_as("bob", "builder", 0, 0);
	ck_assert_uint_eq(R.m.allocs, 3);
	ck_assert_uint_eq(Q.total, 3);
}
END_TEST

/* A fake room table for rendezvous credentials: one room. */
#define RDV_SECRET	"rooms-secret"
#define RDV_MEMBERS	4

static struct {
	struct {
		int		 used;
		char		 name[32];
		struct stun_addr src;
		int		 has_relayed;
		struct stun_addr relayed;
	}		 m[RDV_MEMBERS];
	uint64_t	 gen;
	unsigned	 calls;
} FRM;

static const char *
frm_name(const char *user)
{
	const char	*p = strchr(user, ':');

	return (p != NULL ? p + 1 : user);
}

static int
frm_find(const char *user)
{
	int	i;

	for (i = 0; i < RDV_MEMBERS; i++)
		if (FRM.m[i].used && strcmp(FRM.m[i].name,
		    frm_name(user)) == 0)
			return (i);
	return (-1);
}

static int
frm_password(void *arg, const char *user, char *pw, size_t cap)
{
	(void)arg;
	FRM.calls++;
	return (auth_rest_password((const uint8_t *)RDV_SECRET,
	    strlen(RDV_SECRET), user, pw, cap));
}

static int
frm_admit(void *arg, const char *user, const struct stun_addr *src)
{
	int	i = frm_find(user);

	(void)arg;
	FRM.calls++;
	return (i >= 0 && stun_addr_equal(&FRM.m[i].src, src));
}

static int
frm_peer(const char *user, const struct stun_addr *peer)
{
	int	i = frm_find(user), j;

	if (i < 0)
		return (0);
	for (j = 0; j < RDV_MEMBERS; j++)
		if (j != i && FRM.m[j].used &&
		    (stun_addr_equal(&FRM.m[j].src, peer) ||
		    (FRM.m[j].has_relayed &&
		    stun_addr_equal(&FRM.m[j].relayed, peer))))
			return (1);
	return (0);
}

static int
frm_peer_ok(void *arg, const char *user, const struct stun_addr *peer)
{
	(void)arg;
	FRM.calls++;
	return (frm_peer(user, peer));
}

static int
frm_set(void *arg, const char *user, const struct stun_addr *relayed)
{
	int	i = frm_find(user);

	(void)arg;
	FRM.calls++;
	if (i < 0)
		return (-1);
	FRM.m[i].relayed = *relayed;
	FRM.m[i].has_relayed = 1;
	return (0);
}

static int
frm_recheck(void *arg, const char *user, const struct stun_addr *src,
    const struct stun_addr *peers, unsigned n, uint8_t *ok, uint64_t *gen)
{
	unsigned	i;
	int		alive;

	alive = frm_admit(arg, user, src);
	for (i = 0; i < n; i++)
		ok[i] = alive && frm_peer(user, &peers[i]);
	*gen = FRM.gen;
	return (alive);
}

static const struct relay_rdv_ops frm_ops = {
	frm_password, frm_admit, frm_peer_ok, frm_set, frm_recheck
};
static struct relay_rdv	FRDV;

/* Member i, "rdv-<id><tag>", registered from ip:port. */
static void
rdv_member(int i, const char *ip, uint16_t port)
{
	memset(&FRM.m[i], 0, sizeof(FRM.m[i]));
	FRM.m[i].used = 1;
	snprintf(FRM.m[i].name, sizeof(FRM.m[i].name), "rdv-%08xa1b2c3d4",
	    0x100 + i);
	ck_assert_int_eq(stun_addr_parse(ip, port, &FRM.m[i].src), 0);
}

/* The member left or timed out: the generation moves. */
static void
rdv_leave(int i)
{
	FRM.m[i].used = 0;
	FRM.gen++;
}

/* Use member i's credential from now on, valid for life seconds. */
static void
rdv_creds(int i, int64_t life)
{
	char	user[64], pw[32];

	snprintf(user, sizeof(user), "%lld:%s", (long long)(F.wall + life),
	    FRM.m[i].name);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)RDV_SECRET,
	    strlen(RDV_SECRET), user, pw, sizeof(pw)), 0);
	creds(user, pw, 0, 0);
}

static void
setup_rdv_with(const struct relay_config *c)
{
	setup_with(c);
	memset(&FRM, 0, sizeof(FRM));
	FRM.gen = 7;
	FRDV.ops = &frm_ops;
	FRDV.arg = NULL;
	FRDV.gen = &FRM.gen;
	R.rdv = &FRDV;
	A.rdv = 1;
	/* alice at 192.0.2.10:40000, bob at 198.51.100.20:7000. */
	rdv_member(0, "192.0.2.10", 40000);
	rdv_member(1, "198.51.100.20", 7000);
}

static void
setup_rdv(void)
{
	setup_rdv_with(NULL);
}

START_TEST(rdv_credential_is_the_rooms)
{
	char	user[64];

	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	last_signed();
	ck_assert_uint_eq(R.m.rdv_allocs, 1);
	/* The relayed address is recorded with the member. */
	ck_assert_int_eq(FRM.m[0].has_relayed, 1);
	ck_assert_uint_eq(FRM.m[0].relayed.port, 50000);
	ck_assert_uint_eq(Q.rdv, 1);
	/* Another password, an expired credential: 401. */
	client("192.0.2.10", 40000, 1);
	rdv_creds(0, 3600);
	snprintf(C.pass, sizeof(C.pass), "x");
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, C.user, REALM,
	    C.pass, C.key, &C.keylen), 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	rdv_creds(0, -1);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* The REST secret never makes a rendezvous name. */
	snprintf(user, sizeof(user), "%lld:%s", (long long)F.wall + 60,
	    FRM.m[0].name);
	creds(user, "x", 0, 0);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)SECRET,
	    strlen(SECRET), user, C.pass, sizeof(C.pass)), 0);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, C.user, REALM,
	    C.pass, C.key, &C.keylen), 0);
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	/* Off in the config, or no room table: 401. */
	rdv_creds(0, 3600);
	A.rdv = 0;
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	A.rdv = 1;
	R.rdv = NULL;
	ck_assert_int_eq(allocate_x(AX_NONE), 401);
	R.rdv = &FRDV;
	ck_assert_uint_eq(R.m.allocs, 1);
}
END_TEST

START_TEST(rdv_nonces_offer_no_userhash)
{
	/* Users from a file alone would; a rendezvous name is in no table. */
	memset(A.secret, 0, sizeof(A.secret));
	A.secretlen = 0;
	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_uint_eq(nonce_bits() & STUN_SECF_USERNAME_ANONYMITY, 0);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
}
END_TEST

START_TEST(rdv_allocates_from_the_member_source_only)
{
	/* Another port, another address, a stream: 403. */
	client("192.0.2.10", 40001, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 403);
	client("192.0.2.11", 40000, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 403);
	/* A member that left. */
	rdv_leave(0);
	client("192.0.2.10", 40000, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 403);
	ck_assert_uint_eq(R.m.rdv_refused, 3);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(Q.total, 0);
	rdv_member(0, "192.0.2.10", 40000);
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
}
END_TEST

START_TEST(rdv_peers_are_other_members_only)
{
	struct stun_builder	b;
	struct stun_addr	p1, p2;
	unsigned		calls;

	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	/* A stranger, bob's IP at another port, alice herself: 403. */
	ck_assert_int_eq(permit_at("198.51.100.30", 7000), 403);
	ck_assert_int_eq(permit_at("198.51.100.20", 7001), 403);
	ck_assert_int_eq(permit_at("192.0.2.10", 40000), 403);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.30", 7000), 403);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.20", 7001), 403);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(send_ind("198.51.100.30", 7000, "x"), 0);
	/* All or nothing: bob and a stranger in one request. */
	ck_assert_int_eq(stun_addr_parse("198.51.100.20", 7000, &p1), 0);
	ck_assert_int_eq(stun_addr_parse("198.51.100.30", 7000, &p2), 0);
	q_begin(&b, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &p1);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &p2);
	q_auth(&b);
	q_send(&b);
	ck_assert_int_eq(last_code(), 403);
	ck_assert_uint_eq(R.m.perms, 0);
	/* bob's registered address. */
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	ck_assert_int_eq(bind_chan(0x4001, "198.51.100.20", 7000), 0);
	/* Steady state: the room table is not asked per datagram. */
	calls = FRM.calls;
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "x"), 1);
	ck_assert_uint_eq(send_chdata(0x4001, "x"), 1);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "y"), 1);
	ck_assert_uint_eq(FRM.calls, calls);
	/* The permission is bob's address, not his IP, for what we send. */
	ck_assert_uint_eq(send_ind("198.51.100.20", 7001, "x"), 0);
	ck_assert_uint_eq(R.m.no_perm, 2);
	/* Another room's leave: checked again, still good. */
	FRM.gen++;
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "x"), 1);
	ck_assert_uint_eq(R.m.rdv_rechecks, 1);
	ck_assert_uint_eq(R.m.perms, 1);
	/* bob leaves: his permission and channel go, both ways. */
	rdv_leave(1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7000, "x"), 0);
	ck_assert_uint_eq(R.m.perms, 0);
	ck_assert_uint_eq(R.m.chans, 0);
	ck_assert_uint_eq(send_chdata(0x4001, "x"), 0);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "y"), 0);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 403);
	ck_assert_int_eq(bind_chan(0x4002, "198.51.100.20", 7000), 403);
	/* He comes back: allowed again. */
	rdv_member(1, "198.51.100.20", 7000);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	/* alice leaves: her allocation ends at the next tick. */
	rdv_leave(0);
	relay_timer(&R, now);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.rdv_allocs, 0);
	ck_assert_uint_eq(R.m.rdv_ended, 1);
	ck_assert_uint_eq(Q.total, 0);
	ck_assert_uint_eq(Q.rdv, 0);
	ck_assert_int_eq(F.closed, 1);
}
END_TEST

START_TEST(rdv_member_gone_ends_on_any_path)
{
	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	/* A datagram from bob after alice left: nothing, and the end. */
	rdv_leave(0);
	ck_assert_uint_eq(from_peer("198.51.100.20", 7000, "y"), 0);
	ck_assert_uint_eq(R.m.allocs, 0);
	/* So is a request: 437. */
	rdv_member(0, "192.0.2.10", 40000);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	rdv_leave(0);
	ck_assert_int_eq(refresh(0, 0), 437);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.rdv_ended, 2);
}
END_TEST

START_TEST(rdv_learns_members_behind_a_permitted_ip)
{
	unsigned	calls;
	int		i;

	/* carol shares bob's NAT: same IP, another port. */
	rdv_member(2, "198.51.100.20", 7002);
	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	/*
	 * A client keeps one permission per IP (RFC 8656 9): sending to
	 * carol asks the room table once, then not again.
	 */
	calls = FRM.calls;
	ck_assert_uint_eq(send_ind("198.51.100.20", 7002, "x"), 1);
	ck_assert_uint_eq(FRM.calls, calls + 1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7002, "x"), 1);
	ck_assert_uint_eq(FRM.calls, calls + 1);
	ck_assert_uint_eq(R.m.perms, 2);
	/* A port that is no member's: refused, and so is the 9th lookup. */
	for (i = 0; i < 7; i++)
		ck_assert_uint_eq(send_ind("198.51.100.20", 7100 + i, "x"), 0);
	ck_assert_uint_eq(FRM.calls, calls + 8);
	rdv_member(3, "198.51.100.20", 7003);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7003, "x"), 0);
	ck_assert_uint_eq(FRM.calls, calls + 8);
	now += SEC(1);
	ck_assert_uint_eq(send_ind("198.51.100.20", 7003, "x"), 1);
	/* Refreshing the IP's permission refreshes what was learnt. */
	now += SEC(200);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	now += SEC(200);
	calls = FRM.calls;
	ck_assert_uint_eq(send_ind("198.51.100.20", 7002, "x"), 1);
	ck_assert_uint_eq(FRM.calls, calls);
	/* No permission for the IP at all: nothing is learnt. */
	ck_assert_uint_eq(send_ind("198.51.100.21", 7000, "x"), 0);
	ck_assert_uint_eq(FRM.calls, calls);
}
END_TEST

START_TEST(rdv_relay_to_relay)
{
	struct stun_addr	a;

	/* bob allocates from his source: slot 0, 203.0.113.1:50000. */
	client("198.51.100.20", 7000, 0);
	rdv_creds(1, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	/* alice reaches bob's relayed address, not the host's others. */
	ck_assert_int_eq(permit_at("203.0.113.1", 50000), 0);
	ck_assert_int_eq(permit_at("203.0.113.1", 3478), 403);
	ck_assert_uint_eq(send_ind("203.0.113.1", 50000, "hi"), 1);
	/* bob's relay hears alice's relayed address (slot 1). */
	ck_assert_int_eq(stun_addr_parse("203.0.113.1", 50002, &a), 0);
	ck_assert_int_eq(stun_addr_equal(&FRM.m[0].relayed, &a), 1);
	client("198.51.100.20", 7000, 0);
	rdv_creds(1, 3600);
	ck_assert_int_eq(permit_at("203.0.113.1", 50002), 0);
	ck_assert_uint_eq(from_peer_slot(0, "203.0.113.1", 50002, "hi"), 1);
	ck_assert_uint_eq(send_ind("203.0.113.1", 50002, "yo"), 1);
}
END_TEST

START_TEST(rdv_rate_and_bytes_caps)
{
	struct relay_config	c;
	char			big[1001];
	int			i;

	teardown();
	memset(&c, 0, sizeof(c));
	c.rdv_alloc_rate = 10000;
	c.rdv_alloc_bytes = 20000;
	setup_rdv_with(&c);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	client("192.0.2.10", 40000, 0);
	rdv_creds(0, 3600);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 0);
	ck_assert_int_eq(permit_at("198.51.100.20", 7000), 0);
	/* 10 kB/s, one second deep (at least 8 kB): 10 of 12 pass. */
	for (i = 0; i < 12; i++)
		(void)send_ind("198.51.100.20", 7000, big);
	ck_assert_uint_eq(F.npeer, 10);
	ck_assert_uint_eq(R.m.rate_limited, 2);
	/* The other way has its own bucket. */
	F.nclient = 0;
	for (i = 0; i < 12; i++)
		(void)from_peer("198.51.100.20", 7000, "y");
	ck_assert_uint_eq(R.m.pkts_to_client, 12);
	/* Half a second later, 5 kB more. */
	now += 500;
	F.npeer = 0;
	for (i = 0; i < 6; i++)
		(void)send_ind("198.51.100.20", 7000, big);
	ck_assert_uint_eq(F.npeer, 5);
	/* 15,012 bytes relayed; the next 5,000 reach the cap of 20,000. */
	now += 500;
	F.npeer = 0;
	for (i = 0; i < 5; i++)
		(void)send_ind("198.51.100.20", 7000, big);
	ck_assert_uint_eq(R.m.allocs, 0);
	ck_assert_uint_eq(R.m.capped_bytes, 1);
	/* A user from the file: neither cap. */
	client("192.0.2.10", 40001, 0);
	allocate_as("alice", "wonderland", 0, 0);
	ck_assert_int_eq(permit("198.51.100.20"), 0);
	F.npeer = 0;
	for (i = 0; i < 15; i++)
		(void)send_ind("198.51.100.20", 7000, big);
	ck_assert_uint_eq(F.npeer, 15);
}
END_TEST

START_TEST(rdv_share_keeps_room_for_users)
{
	int	i;

	relaypol_quota_limits(&Q, 4, 0, 0, 2);
	rdv_member(2, "192.0.2.12", 40000);
	for (i = 0; i < 3; i++) {
		client(i == 1 ? "198.51.100.20" : i == 0 ? "192.0.2.10" :
		    "192.0.2.12", i == 1 ? 7000 : 40000, 0);
		rdv_creds(i, 3600);
		challenge();
		ck_assert_int_eq(allocate_x(AX_NONE), i < 2 ? 0 : 508);
	}
	ck_assert_uint_eq(R.m.quota_rdv, 1);
	/* The last two are for users from the file or REST. */
	client("192.0.2.50", 40000, 0);
	allocate_as("alice", "wonderland", 0, 0);
	client("192.0.2.50", 40001, 0);
	allocate_as("bob", "builder", 0, 0);
	client("192.0.2.50", 40002, 0);
	challenge();
	ck_assert_int_eq(allocate_x(AX_NONE), 508);
}
END_TEST

/* stund's TURN options and keywords. */

#define SET(k, v)	conf_set(&c, (k), (v), err, sizeof(err))

START_TEST(conf_turn_options)
{
	static const char	 text[] = "allow-peer 10.0.0.0/8\n"
	    "deny-peer 10.9.0.0/16\nrealm example.org\nuser-quota 3\n"
	    "static-auth-secret \"a b\"\nmax-alloc-time 60\n";
	struct conf		 c, cli;
	char			 err[256];

	conf_init(&c);
	ck_assert_int_eq(c.turn, 1);
	ck_assert_str_eq(c.realm, "stunkit");
	ck_assert_uint_eq(c.max_allocations, 1024);
	ck_assert_int_eq(conf_parse(&c, text, strlen(text), "f", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.acl.nallow, 1);
	ck_assert_uint_eq(c.acl.ndeny, 1);
	ck_assert_str_eq(c.realm, "example.org");
	ck_assert_str_eq(c.auth_secret, "a b");
	ck_assert_uint_eq(c.user_quota, 3);
	ck_assert_uint_eq(c.max_alloc_time, 60);
	ck_assert_int_eq(SET("allow-peer", "::1"), 0);
	ck_assert_int_eq(SET("allow-peer", "nonsense"), -1);
	ck_assert_int_eq(SET("deny-peer", "10.0.0.0/40"), -1);
	ck_assert_int_eq(SET("max-alloc-bytes", "10000000000"), 0);
	ck_assert(c.max_alloc_bytes == 10000000000ULL);
	ck_assert_int_eq(SET("max-alloc-bytes", "-1"), -1);
	ck_assert_int_eq(SET("max-alloc-bytes", "12x"), -1);
	ck_assert_int_eq(SET("max-allocations", "0"), -1);
	ck_assert_int_eq(SET("relay-ip", "192.0.2.7"), 0);
	ck_assert_int_eq(c.has_relay_ip, 1);
	/* The command line's lists add to the file's. */
	conf_init(&cli);
	ck_assert_int_eq(conf_set(&cli, "allow-peer", "127.0.0.0/8", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cli, "turn", "no", err, sizeof(err)), 0);
	conf_merge(&c, &cli);
	ck_assert_uint_eq(c.acl.nallow, 3);
	ck_assert_uint_eq(c.acl.ndeny, 1);
	ck_assert_int_eq(c.turn, 0);
	/* relay-ports, checked as it is set. */
	ck_assert_int_eq(SET("primary", "127.0.0.1"), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.relay_ports.lo, 49152);
	ck_assert_uint_eq(c.relay_ports.hi, 65535);
	ck_assert_int_eq(SET("relay-ports", "40000-40100"), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.relay_ports.lo, 40000);
	ck_assert_uint_eq(c.relay_ports.hi, 40100);
	ck_assert_int_eq(SET("relay-ports", "5000-4000"), -1);
	ck_assert_ptr_nonnull(strstr(err, "relay-ports"));
	ck_assert_int_eq(SET("relay-ports", "0-10"), -1);
	ck_assert_int_eq(SET("relay-ports", "4000"), -1);
	ck_assert_uint_eq(c.relay_ports.lo, 40000);
}
END_TEST

Suite *
suite_relay(void)
{
	Suite	*s = suite_create("relay");
	TCase	*tc;

	tc = tcase_create("credentials");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, allocate_md5_round_trip);
	tcase_add_test(tc, allocate_sha256_round_trip);
	tcase_add_test(tc, hex_key_user_md5_only);
	tcase_add_test(tc, rest_credentials);
	tcase_add_test(tc, wrong_password_and_unknown_user_401);
	tcase_add_test(tc, stale_nonce_438_then_retry);
	tcase_add_test(tc, nonce_bound_to_client_address);
	tcase_add_test(tc, auth_400s);
	tcase_add_test(tc, users_file_errors);
	tcase_add_test(tc, no_credentials_is_401);
	suite_add_tcase(s, tc);

	tc = tcase_create("userhash");
	tcase_add_checked_fixture(tc, setup_users_only, teardown);
	tcase_add_test(tc, userhash_round_trip);
	tcase_add_test(tc, userhash_counts_in_the_user_quota);
	tcase_add_test(tc, userhash_wrong_realm_or_user_401);
	tcase_add_test(tc, userhash_wins_over_username_under_the_bit);
	tcase_add_test(tc, userhash_needs_the_nonce_bit);
	tcase_add_test(tc, userhash_reload_drops_removed_user);
	tcase_add_test(tc, userhash_finds_every_user_of_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, allocate_errors);
	tcase_add_test(tc, allocate_unknown_attr_lists_it);
	tcase_add_test(tc, allocate_dont_fragment);
	tcase_add_test(tc, allocate_dont_fragment_refused);
	tcase_add_test(tc, allocate_even_v6_dual);
	tcase_add_test(tc, allocate_437_and_retransmission);
	tcase_add_test(tc, other_user_441);
	tcase_add_test(tc, user_quota_486_total_508);
	tcase_add_test(tc, table_full_508);
	tcase_add_test(tc, table_full_300_alternate);
	tcase_add_test(tc, quota_counts_per_name_and_total);
	tcase_add_test(tc, quota_counts_per_source_and_rdv_share);
	tcase_add_test(tc, not_turn_is_passed_on);
	tcase_add_test(tc, mutated_request_never_succeeds);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetimes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lifetime_bounds_and_refresh);
	tcase_add_test(tc, allocation_expires);
	tcase_add_test(tc, permission_expires);
	tcase_add_test(tc, channel_expires_and_cools_down);
	tcase_add_test(tc, byte_cap_ends_allocation);
	tcase_add_test(tc, time_cap_ends_allocation);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, send_and_data_indication);
	tcase_add_test(tc, send_indication_dont_fragment);
	tcase_add_test(tc, channel_data_both_ways);
	tcase_add_test(tc, channel_bind_conflicts);
	tcase_add_test(tc, stream_client_padded_and_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("peer policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, peer_refused_on_every_path, 0, NREFUSED);
	tcase_add_test(tc, public_peer_passes);
	tcase_add_test(tc, create_permission_all_or_nothing);
	tcase_add_test(tc, allow_and_deny_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, conf_turn_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("safety");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, permission_cap_all_or_nothing);
	tcase_add_test(tc, refresh_replay_refused);
	tcase_add_test(tc, relay_to_relay_only_while_live);
	tcase_add_test(tc, source_quota_keeps_room_for_users);
	suite_add_tcase(s, tc);

	tc = tcase_create("rendezvous credentials");
	tcase_add_checked_fixture(tc, setup_rdv, teardown);
	tcase_add_test(tc, rdv_credential_is_the_rooms);
	tcase_add_test(tc, rdv_nonces_offer_no_userhash);
	tcase_add_test(tc, rdv_allocates_from_the_member_source_only);
	tcase_add_test(tc, rdv_peers_are_other_members_only);
	tcase_add_test(tc, rdv_member_gone_ends_on_any_path);
	tcase_add_test(tc, rdv_learns_members_behind_a_permitted_ip);
	tcase_add_test(tc, rdv_relay_to_relay);
	tcase_add_test(tc, rdv_rate_and_bytes_caps);
	tcase_add_test(tc, rdv_share_keeps_room_for_users);
	suite_add_tcase(s, tc);
	return (s);
}

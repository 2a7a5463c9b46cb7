/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_turn: the TURN client machine on a fake clock, against a scripted
 * server whose answers are built with libstun's builders: the 401 round
 * trip with MD5 and SHA-256, 438 retries, wrong passwords, refresh timing
 * of the allocation, permissions and channels, wrapping and unwrapping of
 * peer data, forged and unsigned answers, retransmission, deallocation.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/turn.h"
#include "suites.h"
#include "testutil.h"

#define REALM	"example.org"
#define NONCE1	"f0f0-first-nonce"
#define NONCE2	"f0f0-second-nonce"

static uint8_t		rnd_ctr;
static struct stun_addr	srv;

static int
fake_rnd(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	while (len-- > 0)
		*buf++ = rnd_ctr++;
	return (0);
}

static void
setup(struct stun_turn *t, const char *password)
{
	struct stun_turn_config	c;

	rnd_ctr = 0;
	memset(&c, 0, sizeof(c));
	srv = test_addr("192.0.2.1:3478");
	c.server = srv;
	strcpy(c.username, "alice");
	strcpy(c.password, password);
	c.rnd = fake_rnd;
	ck_assert_int_eq(stun_turn_init(t, &c), 0);
}

/* A request the machine sent, copied out of its buffer. */
struct sent {
	uint8_t		buf[STUN_TURN_MSG_MAX];
	size_t		len;
	struct stun_msg	m;
};

static void
expect_send(struct stun_turn *t, uint16_t method, struct sent *s)
{
	struct stun_turn_action	a;

	stun_turn_next(t, &a);
	ck_assert_int_eq(a.kind, STUN_TURN_A_SEND);
	ck_assert(stun_addr_equal(&a.to, &srv));
	ck_assert_uint_le(a.len, sizeof(s->buf));
	memcpy(s->buf, a.buf, a.len);
	s->len = a.len;
	ck_assert_int_eq(stun_msg_decode(&s->m, s->buf, s->len), 0);
	ck_assert_uint_eq(s->m.method, method);
	ck_assert_uint_eq(s->m.cls, STUN_CLASS_REQUEST);
	ck_assert_int_eq(stun_msg_check_fingerprint(&s->m), 0);
}

static void
expect_kind(struct stun_turn *t, int kind, struct stun_turn_action *a)
{
	stun_turn_next(t, a);
	ck_assert_str_eq(stun_turn_action_name(a->kind),
	    stun_turn_action_name(kind));
}

static uint64_t
expect_wait(struct stun_turn *t)
{
	struct stun_turn_action	a;

	expect_kind(t, STUN_TURN_A_WAIT, &a);
	return (a.wake);
}

static void
key_for(uint16_t alg, const char *password, uint8_t *key, size_t *keylen)
{
	ck_assert_int_eq(stun_key_long_term(alg, "alice", REALM, password,
	    key, keylen), 0);
}

/* The server's answer to req: class, error code, attributes, signature. */
struct answer {
	uint8_t		 cls;
	int		 code;
	const char	*nonce;		/* with 401 and 438 */
	const uint8_t	*pwalgs;	/* raw PASSWORD-ALGORITHMS */
	size_t		 pwalgslen;
	uint32_t	 lifetime;	/* LIFETIME when non-zero */
	int		 relayed;	/* XOR-RELAYED/MAPPED-ADDRESS */
	const uint8_t	*key;		/* MESSAGE-INTEGRITY when set */
	size_t		 keylen;
	int		 sha256;	/* MI-SHA256 instead */
	const char	*alt;		/* ALTERNATE-SERVER when set */
};

static size_t
build_answer(const struct sent *req, const struct answer *an, uint8_t *out,
    size_t cap)
{
	struct stun_builder	b;
	struct stun_addr	a;
	int			n;

	stun_build_reply(&b, out, cap, &req->m, an->cls);
	if (an->code != 0)
		stun_build_error(&b, an->code, NULL);
	if (an->nonce != NULL) {
		stun_build_string(&b, STUN_ATTR_REALM, REALM);
		stun_build_string(&b, STUN_ATTR_NONCE, an->nonce);
	}
	if (an->pwalgs != NULL)
		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, an->pwalgs,
		    an->pwalgslen);
	if (an->relayed) {
		a = test_addr("198.51.100.7:50000");
		stun_build_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a);
		a = test_addr("203.0.113.9:41000");
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
	}
	if (an->lifetime != 0)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, an->lifetime);
	if (an->alt != NULL) {
		a = test_addr(an->alt);
		stun_build_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &a);
	}
	if (an->key != NULL && an->sha256)
		stun_build_integrity_sha256(&b, an->key, an->keylen, 32);
	else if (an->key != NULL)
		stun_build_integrity(&b, an->key, an->keylen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return ((size_t)n);
}

static int
answer(struct stun_turn *t, const struct sent *req, const struct answer *an,
    uint64_t now)
{
	uint8_t	buf[1024];
	size_t	n;

	n = build_answer(req, an, buf, sizeof(buf));
	return (stun_turn_input(t, &srv, buf, n, now));
}

static void
challenge(struct stun_turn *t, const struct sent *req, uint64_t now)
{
	struct answer	an = { STUN_CLASS_ERROR, 401, NONCE1, NULL, 0, 0, 0,
	    NULL, 0, 0, NULL };

	ck_assert_int_eq(answer(t, req, &an, now), 0);
}

/* Allocate with MD5 at now; leaves the machine ALLOCATED (600 s). */
static void
allocate(struct stun_turn *t, uint64_t now, uint8_t *key, size_t *keylen)
{
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;

	key_for(STUN_PWALG_MD5, "secret", key, keylen);
	ck_assert_int_eq(stun_turn_start(t, now), 0);
	expect_send(t, STUN_METHOD_ALLOCATE, &s);
	challenge(t, &s, now);
	expect_send(t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.lifetime = 600;
	an.key = key;
	an.keylen = *keylen;
	ck_assert_int_eq(answer(t, &s, &an, now), 0);
	expect_kind(t, STUN_TURN_A_ALLOCATED, &a);
}

static void
ok_signed(struct stun_turn *t, const struct sent *s, const uint8_t *key,
    size_t keylen, uint32_t lifetime, uint64_t now)
{
	struct answer	an;

	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.lifetime = lifetime;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(t, s, &an, now), 0);
}

START_TEST(turn_allocate_md5_round_trip)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s1, s2;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX], proto;
	size_t			keylen;
	char			str[64];

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 1000), 0);
	ck_assert_int_eq(stun_turn_start(&t, 1000), STUN_ERR_STATE);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s1);
	ck_assert_int_eq(stun_msg_get_transport(&s1.m, &proto), 0);
	ck_assert_uint_eq(proto, 17);
	/* RFC 8489 9.2.3: the first request carries no credentials. */
	ck_assert_ptr_null(stun_msg_find(&s1.m, STUN_ATTR_USERNAME));
	ck_assert_int_eq(s1.m.mi, -1);
	ck_assert_uint_eq(expect_wait(&t), 1500);

	challenge(&t, &s1, 1100);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s2);
	ck_assert(memcmp(s1.m.tid, s2.m.tid, STUN_TID_LEN) != 0);
	ck_assert_int_eq(stun_msg_get_string(&s2.m, STUN_ATTR_USERNAME, str,
	    sizeof(str)), 0);
	ck_assert_str_eq(str, "alice");
	ck_assert_int_eq(stun_msg_get_string(&s2.m, STUN_ATTR_REALM, str,
	    sizeof(str)), 0);
	ck_assert_str_eq(str, REALM);
	ck_assert_int_eq(stun_msg_get_string(&s2.m, STUN_ATTR_NONCE, str,
	    sizeof(str)), 0);
	ck_assert_str_eq(str, NONCE1);
	ck_assert_int_eq(stun_msg_check_integrity(&s2.m, key, keylen), 0);
	ck_assert_int_eq(s2.m.mi256, -1);
	ck_assert_ptr_null(stun_msg_find(&s2.m,
	    STUN_ATTR_PASSWORD_ALGORITHM));
	ck_assert_uint_eq(expect_wait(&t), 1600);

	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.lifetime = 600;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s2, &an, 1200), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	ck_assert_int_eq(stun_addr_format(&a.relayed, str, sizeof(str)), 0);
	ck_assert_str_eq(str, "198.51.100.7:50000");
	ck_assert_int_eq(stun_addr_format(&a.mapped, str, sizeof(str)), 0);
	ck_assert_str_eq(str, "203.0.113.9:41000");
	ck_assert_uint_eq(a.lifetime, 600);
	/* Refresh a minute before the allocation expires. */
	ck_assert_uint_eq(expect_wait(&t), 1200 + 540000);
}
END_TEST

START_TEST(turn_allocate_prefers_sha256_when_offered)
{
	static const uint8_t	 both[8] = {
		0x00, 0x01, 0x00, 0x00,		/* MD5, no parameters */
		0x00, 0x02, 0x00, 0x00		/* SHA-256 */
	};
	static const uint8_t	 secret[16] = { 1, 2, 3 };
	struct stun_turn	 t;
	struct stun_turn_action	 a;
	struct sent		 s1, s2;
	struct answer		 an;
	struct stun_addr	 me = test_addr("203.0.113.9:41000");
	uint8_t			 key[STUN_KEY_MAX];
	const uint8_t		*raw;
	size_t			 keylen, rawlen;
	char			 nonce[STUN_NONCE_LEN + 1];
	uint16_t		 alg;

	ck_assert_int_eq(stun_nonce_make(nonce, sizeof(nonce),
	    STUN_SECF_PASSWORD_ALGORITHMS, secret, sizeof(secret), &me, 5),
	    0);
	setup(&t, "secret");
	key_for(STUN_PWALG_SHA256, "secret", key, &keylen);
	ck_assert_uint_eq(keylen, 32);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s1);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 401;
	an.nonce = nonce;
	an.pwalgs = both;
	an.pwalgslen = sizeof(both);
	ck_assert_int_eq(answer(&t, &s1, &an, 10), 0);

	expect_send(&t, STUN_METHOD_ALLOCATE, &s2);
	/* The list is echoed byte for byte, then the pick. */
	ck_assert_int_eq(stun_msg_get_bytes(&s2.m,
	    STUN_ATTR_PASSWORD_ALGORITHMS, &raw, &rawlen), 0);
	ck_assert_uint_eq(rawlen, sizeof(both));
	ck_assert_mem_eq(raw, both, sizeof(both));
	ck_assert_int_eq(stun_msg_get_pwalg(&s2.m, &alg), 0);
	ck_assert_uint_eq(alg, STUN_PWALG_SHA256);
	ck_assert_int_eq(stun_msg_check_integrity(&s2.m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&s2.m, key, keylen),
	    0);

	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.lifetime = 100;
	an.key = key;
	an.keylen = keylen;
	an.sha256 = 1;
	ck_assert_int_eq(answer(&t, &s2, &an, 20), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	ck_assert_uint_eq(a.lifetime, 100);
	/* Short lifetimes are refreshed halfway. */
	ck_assert_uint_eq(expect_wait(&t), 20 + 50000);
}
END_TEST

/*
 * RFC 8489 9.2.5: a nonce with the username anonymity bit makes the
 * client send USERHASH = SHA-256("alice:" realm) instead of USERNAME; a
 * nonce without it keeps USERNAME (checked by the other tests, and here
 * by a second machine).
 */
START_TEST(turn_userhash_under_anonymity_nonce)
{
	static const uint8_t	 secret[16] = { 4, 5, 6 };
	struct stun_turn	 t;
	struct sent		 s1, s2;
	struct answer		 an;
	struct stun_addr	 me = test_addr("203.0.113.9:41000");
	uint8_t			 key[STUN_KEY_MAX], want[32];
	const uint8_t		*raw;
	size_t			 keylen, rawlen;
	char			 nonce[STUN_NONCE_LEN + 1], user[64];
	int			 bit;

	ck_assert_int_eq(stun_userhash("alice", REALM, want), 0);
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	for (bit = 1; bit >= 0; bit--) {
		ck_assert_int_eq(stun_nonce_make(nonce, sizeof(nonce),
		    bit ? STUN_SECF_USERNAME_ANONYMITY : 0, secret,
		    sizeof(secret), &me, 5), 0);
		setup(&t, "secret");
		ck_assert_int_eq(stun_turn_start(&t, 0), 0);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s1);
		memset(&an, 0, sizeof(an));
		an.cls = STUN_CLASS_ERROR;
		an.code = 401;
		an.nonce = nonce;
		ck_assert_int_eq(answer(&t, &s1, &an, 10), 0);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s2);
		ck_assert_int_eq(stun_msg_check_integrity(&s2.m, key, keylen),
		    0);
		if (bit) {
			ck_assert_ptr_null(stun_msg_find(&s2.m,
			    STUN_ATTR_USERNAME));
			ck_assert_int_eq(stun_msg_get_bytes(&s2.m,
			    STUN_ATTR_USERHASH, &raw, &rawlen), 0);
			ck_assert_uint_eq(rawlen, sizeof(want));
			ck_assert_mem_eq(raw, want, sizeof(want));
		} else {
			ck_assert_ptr_null(stun_msg_find(&s2.m,
			    STUN_ATTR_USERHASH));
			ck_assert_int_eq(stun_msg_get_string(&s2.m,
			    STUN_ATTR_USERNAME, user, sizeof(user)), 0);
			ck_assert_str_eq(user, "alice");
		}
	}
}
END_TEST

START_TEST(turn_allocate_md5_when_only_md5_offered)
{
	static const uint8_t	 md5[4] = { 0x00, 0x01, 0x00, 0x00 };
	struct stun_turn	 t;
	struct sent		 s1, s2;
	struct answer		 an;
	uint8_t			 key[STUN_KEY_MAX];
	size_t			 keylen;
	uint16_t		 alg;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s1);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 401;
	an.nonce = NONCE1;
	an.pwalgs = md5;
	an.pwalgslen = sizeof(md5);
	ck_assert_int_eq(answer(&t, &s1, &an, 10), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s2);
	ck_assert_int_eq(stun_msg_get_pwalg(&s2.m, &alg), 0);
	ck_assert_uint_eq(alg, STUN_PWALG_MD5);
	ck_assert_int_eq(stun_msg_check_integrity(&s2.m, key, keylen), 0);
	ck_assert_int_eq(s2.m.mi256, -1);
}
END_TEST

START_TEST(turn_bid_down_is_refused)
{
	static const uint8_t	 secret[16] = { 9 };
	struct stun_turn	 t;
	struct stun_turn_action	 a;
	struct sent		 s1;
	struct answer		 an;
	struct stun_addr	 me = test_addr("203.0.113.9:41000");
	char			 nonce[STUN_NONCE_LEN + 1];

	/* The nonce says PASSWORD-ALGORITHMS, the 401 lacks them. */
	ck_assert_int_eq(stun_nonce_make(nonce, sizeof(nonce),
	    STUN_SECF_PASSWORD_ALGORITHMS, secret, sizeof(secret), &me, 5),
	    0);
	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s1);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 401;
	an.nonce = nonce;
	ck_assert_int_eq(answer(&t, &s1, &an, 10), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(a.code, 401);
	ck_assert_uint_eq(expect_wait(&t), 0);
}
END_TEST

START_TEST(turn_stale_nonce_is_retried_a_bounded_number)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s, prev;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	char			str[64];
	unsigned		i;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 438;
	an.nonce = NONCE2;
	for (i = 0; i < STUN_TURN_MAX_STALE; i++) {
		prev = s;
		ck_assert_int_eq(answer(&t, &prev, &an, 20 + i), 0);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s);
		ck_assert(memcmp(s.m.tid, prev.m.tid, STUN_TID_LEN) != 0);
		ck_assert_int_eq(stun_msg_get_string(&s.m, STUN_ATTR_NONCE,
		    str, sizeof(str)), 0);
		ck_assert_str_eq(str, NONCE2);
		ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen),
		    0);
	}
	/* One more 438 in a row and the machine gives up. */
	ck_assert_int_eq(answer(&t, &s, &an, 40), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 438);
	ck_assert_int_eq(stun_turn_input(&t, &srv, s.buf, s.len, 41),
	    STUN_ERR_NOT_FOUND);
}
END_TEST

START_TEST(turn_stale_nonce_then_success)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 438;
	an.nonce = NONCE2;
	ck_assert_int_eq(answer(&t, &s, &an, 20), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 30), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	/* No LIFETIME: the RFC default of 600 s. */
	ck_assert_uint_eq(a.lifetime, 600);
}
END_TEST

START_TEST(turn_wrong_password_fails_with_401)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;

	setup(&t, "wrong");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	/* The server cannot verify us: 401 again, unsigned. */
	challenge(&t, &s, 20);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 401);
	ck_assert_uint_eq(expect_wait(&t), 0);
	ck_assert_int_eq(stun_turn_close(&t, 30), STUN_ERR_STATE);
}
END_TEST

START_TEST(turn_other_errors_fail_the_allocation)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 486;
	/* Unsigned: not trusted, the transaction goes on. */
	ck_assert_int_eq(answer(&t, &s, &an, 20), STUN_ERR_INTEGRITY);
	ck_assert_uint_eq(expect_wait(&t), 510);
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 30), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_STATE);
	ck_assert_int_eq(a.code, 486);
}
END_TEST

/*
 * 300 ALTERNATE-SERVER to an Allocate: signed, it moves the machine to
 * the alternate, which challenges afresh; a server already left is never
 * gone back to, so two servers sending the client to each other end it.
 */
START_TEST(turn_alternate_server_is_followed_without_loops)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 300;
	an.alt = "192.0.2.2:3478";
	/* Unsigned, to a signed request: not trusted. */
	ck_assert_int_eq(answer(&t, &s, &an, 20), STUN_ERR_INTEGRITY);
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 30), 0);
	srv = test_addr("192.0.2.2:3478");
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(stun_msg_find(&s.m, STUN_ATTR_USERNAME) == NULL, 1);
	challenge(&t, &s, 40);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(stun_msg_find(&s.m, STUN_ATTR_USERNAME) != NULL, 1);
	/* Back to the first: refused, the machine ends with the 300. */
	an.alt = "192.0.2.1:3478";
	ck_assert_int_eq(answer(&t, &s, &an, 50), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_STATE);
	ck_assert_int_eq(a.code, 300);
}
END_TEST

/* A 300 that names a third server, then a success there. */
START_TEST(turn_alternate_server_then_allocated)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	unsigned		i;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	for (i = 0; i <= STUN_TURN_MAX_REDIRECTS; i++) {
		expect_send(&t, STUN_METHOD_ALLOCATE, &s);
		challenge(&t, &s, 10);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s);
		memset(&an, 0, sizeof(an));
		an.key = key;
		an.keylen = keylen;
		if (i == 2) {
			an.cls = STUN_CLASS_SUCCESS;
			an.relayed = 1;
			an.lifetime = 600;
			ck_assert_int_eq(answer(&t, &s, &an, 20), 0);
			expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
			ck_assert(stun_addr_equal(&t.c.server, &srv));
			return;
		}
		an.cls = STUN_CLASS_ERROR;
		an.code = 300;
		an.alt = i == 0 ? "192.0.2.5:3478" : "192.0.2.6:3478";
		ck_assert_int_eq(answer(&t, &s, &an, 20), 0);
		srv = test_addr(an.alt);
	}
	ck_abort_msg("never allocated");
}
END_TEST

START_TEST(turn_forged_and_stray_responses_are_ignored)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s, other;
	struct answer		an;
	struct stun_addr	elsewhere = test_addr("192.0.2.2:3478");
	uint8_t			key[STUN_KEY_MAX], bad[STUN_KEY_MAX];
	uint8_t			buf[1024];
	size_t			keylen, badlen, n;

	setup(&t, "secret");
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	key_for(STUN_PWALG_MD5, "guess", bad, &badlen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);

	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.lifetime = 600;
	/* Unsigned success. */
	ck_assert_int_eq(answer(&t, &s, &an, 20), STUN_ERR_INTEGRITY);
	/* Signed with the wrong key. */
	an.key = bad;
	an.keylen = badlen;
	ck_assert_int_eq(answer(&t, &s, &an, 21), STUN_ERR_INTEGRITY);
	/* The right answer from another address. */
	an.key = key;
	an.keylen = keylen;
	n = build_answer(&s, &an, buf, sizeof(buf));
	ck_assert_int_eq(stun_turn_input(&t, &elsewhere, buf, n, 22),
	    STUN_ERR_NOT_FOUND);
	/* Another transaction id. */
	other = s;
	other.m.tid[0] ^= 1;
	ck_assert_int_eq(answer(&t, &other, &an, 23), STUN_ERR_NOT_FOUND);
	/* Garbage and a truncated header. */
	memset(buf, 0xff, 40);
	ck_assert_int_ne(stun_turn_input(&t, &srv, buf, 40, 24), 0);
	ck_assert_int_ne(stun_turn_input(&t, &srv, buf, 3, 24), 0);
	ck_assert_uint_eq(t.ignored, 3);
	ck_assert_uint_eq(t.rejected, 3);
	ck_assert_uint_eq(expect_wait(&t), 510);
	/* The genuine answer still completes the transaction. */
	ck_assert_int_eq(answer(&t, &s, &an, 25), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	/* A replay of it is not ours any more. */
	ck_assert_int_eq(answer(&t, &s, &an, 26), STUN_ERR_NOT_FOUND);
}
END_TEST

START_TEST(turn_retransmits_then_times_out)
{
	static const uint64_t	at[] = { 0, 500, 1500, 3500, 7500, 15500,
	    31500 };
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		first, s;
	unsigned		i;

	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &first);
	for (i = 1; i < sizeof(at) / sizeof(at[0]); i++) {
		ck_assert_uint_eq(expect_wait(&t), at[i]);
		stun_turn_timer(&t, at[i] - 1);
		ck_assert_uint_eq(expect_wait(&t), at[i]);
		stun_turn_timer(&t, at[i]);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s);
		ck_assert_uint_eq(s.len, first.len);
		ck_assert_mem_eq(s.buf, first.buf, s.len);
	}
	/* RFC 8489 6.2.1: Rm * RTO after the last send. */
	ck_assert_uint_eq(expect_wait(&t), 31500 + 16 * 500);
	stun_turn_timer(&t, 31500 + 16 * 500);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_TIMEOUT);
	ck_assert_int_eq(a.code, 0);
	ck_assert_uint_eq(expect_wait(&t), 0);
}
END_TEST

START_TEST(turn_refresh_timing)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	uint32_t		lt;

	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	ck_assert_uint_eq(expect_wait(&t), 540000);
	stun_turn_timer(&t, 539999);
	ck_assert_uint_eq(expect_wait(&t), 540000);
	stun_turn_timer(&t, 540000);
	expect_send(&t, STUN_METHOD_REFRESH, &s);
	ck_assert_int_eq(stun_msg_get_u32(&s.m, STUN_ATTR_LIFETIME, &lt), 0);
	ck_assert_uint_eq(lt, 600);
	ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen), 0);
	/* The server grants less this time. */
	ok_signed(&t, &s, key, keylen, 300, 540100);
	ck_assert_uint_eq(expect_wait(&t), 540100 + 240000);
	stun_turn_timer(&t, 780100);
	expect_send(&t, STUN_METHOD_REFRESH, &s);
	/* 437: the allocation is gone. */
	{
		struct answer an;

		memset(&an, 0, sizeof(an));
		an.cls = STUN_CLASS_ERROR;
		an.code = 437;
		an.key = key;
		an.keylen = keylen;
		ck_assert_int_eq(answer(&t, &s, &an, 780200), 0);
	}
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 437);
}
END_TEST

START_TEST(turn_refresh_retries_a_stale_nonce)
{
	struct stun_turn	t;
	struct sent		s, prev;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	char			str[64];

	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	stun_turn_timer(&t, 540000);
	expect_send(&t, STUN_METHOD_REFRESH, &prev);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 438;
	an.nonce = NONCE2;
	ck_assert_int_eq(answer(&t, &prev, &an, 540010), 0);
	expect_send(&t, STUN_METHOD_REFRESH, &s);
	ck_assert_int_eq(stun_msg_get_string(&s.m, STUN_ATTR_NONCE, str,
	    sizeof(str)), 0);
	ck_assert_str_eq(str, NONCE2);
	ok_signed(&t, &s, key, keylen, 600, 540020);
	ck_assert_uint_eq(expect_wait(&t), 540020 + 540000);
}
END_TEST

START_TEST(turn_permission_and_channel_refresh_timing)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s, c1, c2;
	struct stun_addr	peer = test_addr("198.51.100.20:7000");
	struct stun_addr	peer2 = test_addr("198.51.100.21:7001");
	struct stun_addr	got;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	uint16_t		ch;

	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 0), STUN_ERR_STATE);
	allocate(&t, 0, key, &keylen);
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 1000), 0);
	expect_send(&t, STUN_METHOD_CREATE_PERMISSION, &s);
	ck_assert_int_eq(stun_msg_get_addr(&s.m, STUN_ATTR_XOR_PEER_ADDRESS,
	    &got), 0);
	ck_assert(stun_addr_equal(&got, &peer));
	ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen), 0);
	/* Asking again (any port) sends nothing more. */
	peer.port = 9;
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 1000), 0);
	ck_assert_uint_eq(expect_wait(&t), 1500);
	ok_signed(&t, &s, key, keylen, 0, 1100);
	expect_kind(&t, STUN_TURN_A_PERM_OK, &a);
	ck_assert_uint_eq(expect_wait(&t), 1100 + 240000);

	ck_assert_int_eq(stun_turn_channel(&t, &peer2, 2000), 0);
	ck_assert_int_eq(stun_turn_channel(&t, &peer, 2000), 0);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c1);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c2);
	ck_assert_int_eq(stun_msg_get_channel(&c1.m, &ch), 0);
	ck_assert_uint_eq(ch, 0x4000);
	ck_assert_int_eq(stun_msg_get_channel(&c2.m, &ch), 0);
	ck_assert_uint_eq(ch, 0x4001);
	ck_assert_int_eq(stun_msg_get_addr(&c1.m, STUN_ATTR_XOR_PEER_ADDRESS,
	    &got), 0);
	ck_assert(stun_addr_equal(&got, &peer2));
	ok_signed(&t, &c2, key, keylen, 0, 2100);
	ok_signed(&t, &c1, key, keylen, 0, 2200);
	expect_kind(&t, STUN_TURN_A_CHAN_OK, &a);
	ck_assert_uint_eq(a.channel, 0x4000);
	ck_assert(stun_addr_equal(&a.peer, &peer2));
	expect_kind(&t, STUN_TURN_A_CHAN_OK, &a);
	ck_assert_uint_eq(a.channel, 0x4001);

	/* Permission at +240 s, channels at +240 s after their bind. */
	ck_assert_uint_eq(expect_wait(&t), 241100);
	stun_turn_timer(&t, 241099);
	ck_assert_uint_eq(expect_wait(&t), 241100);
	stun_turn_timer(&t, 241100);
	expect_send(&t, STUN_METHOD_CREATE_PERMISSION, &s);
	ok_signed(&t, &s, key, keylen, 0, 241150);
	/* A refresh is not reported again. */
	ck_assert_uint_eq(expect_wait(&t), 242100);
	stun_turn_timer(&t, 242100);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c2);
	ck_assert_int_eq(stun_msg_get_channel(&c2.m, &ch), 0);
	ck_assert_uint_eq(ch, 0x4001);
	ck_assert_uint_eq(expect_wait(&t), 242200);
	ok_signed(&t, &c2, key, keylen, 0, 242150);
	stun_turn_timer(&t, 242200);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c1);
	ok_signed(&t, &c1, key, keylen, 0, 242250);
	ck_assert_uint_eq(expect_wait(&t), 241150 + 240000);

	/* Unwanted permissions are no longer refreshed. */
	ck_assert_int_eq(stun_turn_unpermit(&t, &peer), 0);
	ck_assert_int_eq(stun_turn_unpermit(&t, &peer), STUN_ERR_NOT_FOUND);
	ck_assert_uint_eq(expect_wait(&t), 242150 + 240000);
}
END_TEST

START_TEST(turn_permission_failure_is_reported)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	struct stun_addr	peer = test_addr("10.0.0.1:7000");
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	unsigned		i;

	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 10), 0);
	expect_send(&t, STUN_METHOD_CREATE_PERMISSION, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 403;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 20), 0);
	expect_kind(&t, STUN_TURN_A_PERM_FAILED, &a);
	ck_assert_int_eq(a.code, 403);
	ck_assert(stun_addr_equal(&a.peer, &peer));
	/* The allocation lives on; the slot is free again. */
	ck_assert_uint_eq(expect_wait(&t), 540000);
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 30), 0);
	expect_send(&t, STUN_METHOD_CREATE_PERMISSION, &s);
	/* No answer: the permission times out, not the allocation. */
	for (i = 0; i < 8; i++) {
		stun_turn_timer(&t, expect_wait(&t));
		stun_turn_next(&t, &a);
		if (a.kind != STUN_TURN_A_SEND)
			break;
	}
	ck_assert_int_eq(a.kind, STUN_TURN_A_PERM_FAILED);
	ck_assert_int_eq(a.err, STUN_ERR_TIMEOUT);
	ck_assert_uint_eq(expect_wait(&t), 540000);
	/* The table is bounded. */
	for (i = 0; i < STUN_TURN_MAX_PERMS; i++) {
		peer.ip[3] = (uint8_t)(i + 1);
		ck_assert_int_eq(stun_turn_permit(&t, &peer, 40000), 0);
	}
	peer.ip[3] = 200;
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 40000),
	    STUN_ERR_NOSPACE);
}
END_TEST

START_TEST(turn_wraps_send_until_channel_then_channeldata)
{
	struct stun_turn	 t;
	struct stun_turn_action	 a;
	struct sent		 c;
	struct stun_msg		 m;
	struct stun_addr	 peer = test_addr("198.51.100.20:7000");
	struct stun_addr	 got;
	const uint8_t		 data[5] = { 'h', 'e', 'l', 'l', 'o' };
	const uint8_t		*p;
	uint8_t			 key[STUN_KEY_MAX], out[256];
	size_t			 keylen, n;
	uint16_t		 ch;
	int			 len;

	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_wrap(&t, &peer, data, sizeof(data), out,
	    sizeof(out)), STUN_ERR_STATE);
	allocate(&t, 0, key, &keylen);
	ck_assert_int_eq(stun_turn_channel(&t, &peer, 10), 0);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c);

	/* Channel not confirmed yet: a Send indication. */
	len = stun_turn_wrap(&t, &peer, data, sizeof(data), out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(stun_msg_decode(&m, out, (size_t)len), 0);
	ck_assert_uint_eq(m.method, STUN_METHOD_SEND);
	ck_assert_uint_eq(m.cls, STUN_CLASS_INDICATION);
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS,
	    &got), 0);
	ck_assert(stun_addr_equal(&got, &peer));
	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &p, &n), 0);
	ck_assert_uint_eq(n, sizeof(data));
	ck_assert_mem_eq(p, data, n);
	ck_assert_int_eq(stun_turn_wrap(&t, &peer, data, sizeof(data), out,
	    30), STUN_ERR_NOSPACE);

	ok_signed(&t, &c, key, keylen, 0, 20);
	expect_kind(&t, STUN_TURN_A_CHAN_OK, &a);
	len = stun_turn_wrap(&t, &peer, data, sizeof(data), out, sizeof(out));
	ck_assert_int_eq(len, 4 + 5);
	ck_assert_int_eq(stun_chdata_decode(out, (size_t)len, &ch, &p, &n),
	    0);
	ck_assert_uint_eq(ch, 0x4000);
	ck_assert_mem_eq(p, data, sizeof(data));
	/* Another port of the same host has no channel. */
	peer.port = 7001;
	len = stun_turn_wrap(&t, &peer, data, sizeof(data), out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(stun_msg_is_stun(out, (size_t)len), 1);
}
END_TEST

START_TEST(turn_unwraps_data_indications_and_channeldata)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct stun_builder	b;
	struct sent		c;
	struct stun_addr	peer = test_addr("198.51.100.20:7000");
	struct stun_addr	other = test_addr("192.0.2.9:3478");
	static const uint8_t	tid[STUN_TID_LEN] = { 7, 7, 7 };
	const uint8_t		data[3] = { 1, 2, 3 };
	uint8_t			key[STUN_KEY_MAX], buf[256];
	size_t			keylen;
	int			n;

	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	expect_wait(&t);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_DATA,
	    STUN_CLASS_INDICATION, tid);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_build_attr(&b, STUN_ATTR_DATA, data, sizeof(data));
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_turn_input(&t, &srv, buf, (size_t)n, 10), 0);
	expect_kind(&t, STUN_TURN_A_DATA, &a);
	ck_assert(stun_addr_equal(&a.peer, &peer));
	ck_assert_uint_eq(a.channel, 0);
	ck_assert_uint_eq(a.datalen, 3);
	ck_assert_mem_eq(a.data, data, 3);
	/* Only from the server. */
	ck_assert_int_eq(stun_turn_input(&t, &other, buf, (size_t)n, 10),
	    STUN_ERR_NOT_FOUND);
	/* A Data indication without DATA is refused. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_DATA,
	    STUN_CLASS_INDICATION, tid);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_turn_input(&t, &srv, buf, (size_t)n, 10),
	    STUN_ERR_BAD_ATTR);
	expect_wait(&t);

	/* ChannelData on an unknown channel is not ours. */
	n = stun_chdata_encode(buf, sizeof(buf), 0x4000, data, 3, 0);
	ck_assert_int_eq(stun_turn_input(&t, &srv, buf, (size_t)n, 20),
	    STUN_ERR_NOT_FOUND);
	ck_assert_int_eq(stun_turn_channel(&t, &peer, 20), 0);
	expect_send(&t, STUN_METHOD_CHANNEL_BIND, &c);
	ok_signed(&t, &c, key, keylen, 0, 30);
	expect_kind(&t, STUN_TURN_A_CHAN_OK, &a);
	ck_assert_int_eq(stun_turn_input(&t, &srv, buf, (size_t)n, 40), 0);
	expect_kind(&t, STUN_TURN_A_DATA, &a);
	ck_assert(stun_addr_equal(&a.peer, &peer));
	ck_assert_uint_eq(a.channel, 0x4000);
	ck_assert_uint_eq(a.datalen, 3);
	ck_assert_mem_eq(a.data, data, 3);
	/* A length past the datagram is refused. */
	ck_assert_int_eq(stun_turn_input(&t, &srv, buf, (size_t)n - 1, 41),
	    STUN_ERR_TRUNCATED);
	expect_wait(&t);
}
END_TEST

START_TEST(turn_deallocates_with_lifetime_zero)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct stun_addr	peer = test_addr("198.51.100.20:7000");
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	uint32_t		lt;

	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	ck_assert_int_eq(stun_turn_permit(&t, &peer, 5), 0);
	ck_assert_int_eq(stun_turn_close(&t, 10), 0);
	/* The permission request is abandoned; only the Refresh goes. */
	expect_send(&t, STUN_METHOD_REFRESH, &s);
	ck_assert_int_eq(stun_msg_get_u32(&s.m, STUN_ATTR_LIFETIME, &lt), 0);
	ck_assert_uint_eq(lt, 0);
	ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen), 0);
	ck_assert_uint_eq(expect_wait(&t), 510);
	ok_signed(&t, &s, key, keylen, 0, 20);
	expect_kind(&t, STUN_TURN_A_CLOSED, &a);
	ck_assert_int_eq(a.err, 0);
	ck_assert_uint_eq(expect_wait(&t), 0);
	ck_assert_int_eq(stun_turn_close(&t, 30), STUN_ERR_STATE);
}
END_TEST

START_TEST(turn_close_ends_without_an_answer)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;
	unsigned		i;

	/* Before the allocation: closed at once. */
	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(stun_turn_close(&t, 1), 0);
	expect_kind(&t, STUN_TURN_A_CLOSED, &a);
	ck_assert_uint_eq(expect_wait(&t), 0);

	/* After: the Refresh times out and the machine closes anyway. */
	setup(&t, "secret");
	allocate(&t, 0, key, &keylen);
	ck_assert_int_eq(stun_turn_close(&t, 10), 0);
	expect_send(&t, STUN_METHOD_REFRESH, &s);
	for (i = 0; i < 8; i++) {
		stun_turn_timer(&t, expect_wait(&t));
		stun_turn_next(&t, &a);
		if (a.kind != STUN_TURN_A_SEND)
			break;
	}
	ck_assert_int_eq(a.kind, STUN_TURN_A_CLOSED);
	ck_assert_int_eq(a.err, STUN_ERR_TIMEOUT);
}
END_TEST

START_TEST(turn_asks_for_family_and_lifetime)
{
	struct stun_turn	t;
	struct stun_turn_config	c;
	struct sent		s;
	uint32_t		lt;
	uint8_t			fam;

	rnd_ctr = 0;
	memset(&c, 0, sizeof(c));
	srv = test_addr("[2001:db8::1]:3478");
	c.server = srv;
	strcpy(c.username, "alice");
	strcpy(c.password, "secret");
	c.family = STUN_AF_INET6;
	c.lifetime = 1200;
	c.rnd = fake_rnd;
	ck_assert_int_eq(stun_turn_init(&t, &c), 0);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(stun_msg_get_family(&s.m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam), 0);
	ck_assert_uint_eq(fam, STUN_AF_INET6);
	ck_assert_int_eq(stun_msg_get_u32(&s.m, STUN_ATTR_LIFETIME, &lt), 0);
	ck_assert_uint_eq(lt, 1200);
}
END_TEST

/* A 420 listing type, signed with key when key is not NULL. */
static int
answer_420(struct stun_turn *t, const struct sent *req, uint16_t type,
    const uint8_t *key, size_t keylen, uint64_t now)
{
	struct stun_builder	b;
	uint8_t			buf[512];
	int			n;

	stun_build_reply(&b, buf, sizeof(buf), &req->m, STUN_CLASS_ERROR);
	stun_build_error(&b, 420, "");
	stun_build_unknown(&b, &type, 1);
	if (key != NULL)
		stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return (stun_turn_input(t, &srv, buf, (size_t)n, now));
}

static void
setup_family(struct stun_turn *t, uint8_t family)
{
	struct stun_turn_config	c;

	rnd_ctr = 0;
	memset(&c, 0, sizeof(c));
	srv = test_addr("192.0.2.1:3478");
	c.server = srv;
	strcpy(c.username, "alice");
	strcpy(c.password, "secret");
	c.family = family;
	c.rnd = fake_rnd;
	ck_assert_int_eq(stun_turn_init(t, &c), 0);
}

/*
 * RFC 8656 7.1: IPv4 is the default relayed family, so an IPv4 client
 * does not name it and works with a server that knows only RFC 5766.
 */
START_TEST(turn_ipv4_does_not_name_the_family)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX];
	size_t			keylen;

	setup_family(&t, STUN_AF_INET);
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_ptr_null(stun_msg_find(&s.m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY));
	challenge(&t, &s, 10);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_ptr_null(stun_msg_find(&s.m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY));
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 20), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	ck_assert_uint_eq(a.relayed.family, STUN_AF_INET);
}
END_TEST

/*
 * An IPv6 client names the family; a 420 listing it (signed, after the
 * challenge, or unsigned, before it) makes it ask once more without.
 */
START_TEST(turn_ipv6_retries_without_family_after_420)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s, s2;
	struct answer		an;
	uint8_t			key[STUN_KEY_MAX], fam;
	size_t			keylen;
	int			signed420 = _i;

	setup_family(&t, STUN_AF_INET6);
	key_for(STUN_PWALG_MD5, "secret", key, &keylen);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(stun_msg_get_family(&s.m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam), 0);
	ck_assert_uint_eq(fam, STUN_AF_INET6);
	if (!signed420) {
		ck_assert_int_eq(answer_420(&t, &s,
		    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, NULL, 0, 10), 0);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s2);
		ck_assert(memcmp(s.m.tid, s2.m.tid, STUN_TID_LEN) != 0);
		ck_assert_ptr_null(stun_msg_find(&s2.m,
		    STUN_ATTR_REQUESTED_ADDRESS_FAMILY));
		ck_assert_int_eq(s2.m.mi, -1);
		s = s2;
	}
	challenge(&t, &s, 20);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	if (signed420) {
		ck_assert_ptr_nonnull(stun_msg_find(&s.m,
		    STUN_ATTR_REQUESTED_ADDRESS_FAMILY));
		/* Unsigned, it is not taken from an authenticated request. */
		ck_assert_int_eq(answer_420(&t, &s,
		    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, NULL, 0, 30),
		    STUN_ERR_INTEGRITY);
		ck_assert_int_eq(answer_420(&t, &s,
		    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, key, keylen, 30), 0);
		expect_send(&t, STUN_METHOD_ALLOCATE, &s);
		ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen),
		    0);
	}
	ck_assert_ptr_null(stun_msg_find(&s.m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY));
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.key = key;
	an.keylen = keylen;
	ck_assert_int_eq(answer(&t, &s, &an, 40), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
	ck_assert_uint_eq(a.relayed.family, STUN_AF_INET);
}
END_TEST

/* Only once, and only for the family: any other 420 ends the machine. */
START_TEST(turn_other_420_fails)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	struct sent		s;

	setup_family(&t, STUN_AF_INET6);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(answer_420(&t, &s, STUN_ATTR_LIFETIME, NULL, 0, 10),
	    0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 420);

	setup_family(&t, STUN_AF_INET6);
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(answer_420(&t, &s,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, NULL, 0, 10), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(answer_420(&t, &s,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, NULL, 0, 20), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 420);
}
END_TEST

START_TEST(turn_bad_challenges_fail)
{
	static const uint8_t	 unknown[4] = { 0x00, 0x07, 0x00, 0x00 };
	struct stun_turn	 t;
	struct stun_turn_action	 a;
	struct sent		 s;
	struct answer		 an;

	/* A 401 without REALM and NONCE. */
	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_ERROR;
	an.code = 401;
	ck_assert_int_eq(answer(&t, &s, &an, 10), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(a.code, 401);

	/* Only algorithms we do not know. */
	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	an.nonce = NONCE1;
	an.pwalgs = unknown;
	an.pwalgslen = sizeof(unknown);
	ck_assert_int_eq(answer(&t, &s, &an, 10), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.err, STUN_ERR_BAD_ATTR);

	/* A 438 to the request without credentials is just an error. */
	setup(&t, "secret");
	ck_assert_int_eq(stun_turn_start(&t, 0), 0);
	expect_send(&t, STUN_METHOD_ALLOCATE, &s);
	an.code = 438;
	an.pwalgs = NULL;
	ck_assert_int_eq(answer(&t, &s, &an, 10), 0);
	expect_kind(&t, STUN_TURN_A_FAILED, &a);
	ck_assert_int_eq(a.code, 438);
}
END_TEST

START_TEST(turn_init_refuses_bad_config)
{
	struct stun_turn	t;
	struct stun_turn_config	c;

	memset(&c, 0, sizeof(c));
	c.server = test_addr("192.0.2.1:3478");
	ck_assert_int_eq(stun_turn_init(&t, &c), STUN_ERR_INVALID);
	strcpy(c.username, "alice");
	/* RFC 8265: an empty password is not an OpaqueString. */
	ck_assert_int_eq(stun_turn_init(&t, &c), STUN_ERR_INVALID);
	strcpy(c.password, "secret");
	ck_assert_int_eq(stun_turn_init(&t, &c), 0);
	c.family = 5;
	ck_assert_int_eq(stun_turn_init(&t, &c), STUN_ERR_INVALID);
	c.family = 6;
	ck_assert_int_eq(stun_turn_init(&t, &c), 0);
	c.username[0] = 0x07;	/* a control character */
	ck_assert_int_eq(stun_turn_init(&t, &c), STUN_ERR_INVALID);
	strcpy(c.username, "alice");
	c.server.family = 0;
	ck_assert_int_eq(stun_turn_init(&t, &c), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_turn_init(NULL, &c), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_turn_start(NULL, 0), STUN_ERR_STATE);
	ck_assert_str_eq(stun_turn_action_name(STUN_TURN_A_DATA), "data");
	ck_assert_str_eq(stun_turn_action_name(99), "unknown");
}
END_TEST

/* Every bit flip of a signed Allocate success is refused. */
static uint8_t	mut_buf[512];
static size_t	mut_len;
static struct sent mut_req;
static uint8_t	mut_key[STUN_KEY_MAX];
static size_t	mut_keylen;

static void
mut_setup(struct stun_turn *t)
{
	struct answer	an;

	setup(t, "secret");
	key_for(STUN_PWALG_MD5, "secret", mut_key, &mut_keylen);
	ck_assert_int_eq(stun_turn_start(t, 0), 0);
	expect_send(t, STUN_METHOD_ALLOCATE, &mut_req);
	challenge(t, &mut_req, 10);
	expect_send(t, STUN_METHOD_ALLOCATE, &mut_req);
	memset(&an, 0, sizeof(an));
	an.cls = STUN_CLASS_SUCCESS;
	an.relayed = 1;
	an.lifetime = 600;
	an.key = mut_key;
	an.keylen = mut_keylen;
	mut_len = build_answer(&mut_req, &an, mut_buf, sizeof(mut_buf));
}

START_TEST(turn_every_bit_flip_of_a_success_is_refused)
{
	struct stun_turn	t;
	struct stun_turn_action	a;
	uint8_t			b[512];
	char			str[64];
	unsigned		bit;
	int			r;

	mut_setup(&t);
	if ((size_t)_i >= mut_len)
		return;
	for (bit = 0; bit < 8; bit++) {
		mut_setup(&t);
		memcpy(b, mut_buf, mut_len);
		b[_i] ^= (uint8_t)(1 << bit);
		r = stun_turn_input(&t, &srv, b, mut_len, 20);
		stun_turn_next(&t, &a);
		if (r != 0) {
			ck_assert_int_eq(a.kind, STUN_TURN_A_WAIT);
			continue;
		}
		/*
		 * Only the FINGERPRINT type may change unnoticed: the
		 * attribute then follows MESSAGE-INTEGRITY and is ignored
		 * (RFC 8489 14.5), and what was signed is intact.
		 */
		ck_assert_uint_ge((size_t)_i, mut_len - 8);
		ck_assert_uint_lt((size_t)_i, mut_len - 6);
		ck_assert_int_eq(a.kind, STUN_TURN_A_ALLOCATED);
		ck_assert_int_eq(stun_addr_format(&a.relayed, str,
		    sizeof(str)), 0);
		ck_assert_str_eq(str, "198.51.100.7:50000");
	}
	/* Every truncation too. */
	mut_setup(&t);
	ck_assert_int_ne(stun_turn_input(&t, &srv, mut_buf, (size_t)_i, 20),
	    0);
	ck_assert_int_eq(stun_turn_input(&t, &srv, mut_buf, mut_len, 20), 0);
	expect_kind(&t, STUN_TURN_A_ALLOCATED, &a);
}
END_TEST

Suite *
suite_turn(void)
{
	Suite	*s = suite_create("turn");
	TCase	*tc;

	tc = tcase_create("allocate");
	tcase_add_test(tc, turn_allocate_md5_round_trip);
	tcase_add_test(tc, turn_allocate_prefers_sha256_when_offered);
	tcase_add_test(tc, turn_allocate_md5_when_only_md5_offered);
	tcase_add_test(tc, turn_userhash_under_anonymity_nonce);
	tcase_add_test(tc, turn_bid_down_is_refused);
	tcase_add_test(tc, turn_stale_nonce_is_retried_a_bounded_number);
	tcase_add_test(tc, turn_stale_nonce_then_success);
	tcase_add_test(tc, turn_wrong_password_fails_with_401);
	tcase_add_test(tc, turn_alternate_server_is_followed_without_loops);
	tcase_add_test(tc, turn_alternate_server_then_allocated);
	tcase_add_test(tc, turn_other_errors_fail_the_allocation);
	tcase_add_test(tc, turn_retransmits_then_times_out);
	tcase_add_test(tc, turn_init_refuses_bad_config);
	tcase_add_test(tc, turn_asks_for_family_and_lifetime);
	tcase_add_test(tc, turn_ipv4_does_not_name_the_family);
	tcase_add_loop_test(tc, turn_ipv6_retries_without_family_after_420, 0,
	    2);
	tcase_add_test(tc, turn_other_420_fails);
	tcase_add_test(tc, turn_bad_challenges_fail);
	suite_add_tcase(s, tc);

	tc = tcase_create("forged input");
	tcase_add_test(tc, turn_forged_and_stray_responses_are_ignored);
	tcase_add_loop_test(tc, turn_every_bit_flip_of_a_success_is_refused,
	    0, 160);
	suite_add_tcase(s, tc);

	tc = tcase_create("refresh");
	tcase_add_test(tc, turn_refresh_timing);
	tcase_add_test(tc, turn_refresh_retries_a_stale_nonce);
	tcase_add_test(tc, turn_permission_and_channel_refresh_timing);
	tcase_add_test(tc, turn_permission_failure_is_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_test(tc, turn_wraps_send_until_channel_then_channeldata);
	tcase_add_test(tc, turn_unwraps_data_indications_and_channeldata);
	suite_add_tcase(s, tc);

	tc = tcase_create("deallocate");
	tcase_add_test(tc, turn_deallocates_with_lifetime_zero);
	tcase_add_test(tc, turn_close_ends_without_an_answer);
	suite_add_tcase(s, tc);
	return (s);
}

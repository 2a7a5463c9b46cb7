/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_rdv: the rendezvous codec, version 2 (key derivations with known
 * answers, sealed round trips, clear and sealed places enforced, every
 * truncation and bit flip of a sealed message refused) and the client
 * machine on a fake clock against a scripted server built from the same
 * library calls.
 */
#include <string.h>

#include <check.h>
#include <openssl/evp.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/rdv.h"
#include "libstun/rdvint.h"
#include "suites.h"

static const uint8_t tid_a[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
};
static uint8_t	room_key[STUN_RDV_KEY_LEN];
static uint8_t	room_id[STUN_RDV_ROOM_ID_LEN];
static uint8_t	key_a[STUN_RDV_KEY_LEN], key_b[STUN_RDV_KEY_LEN];

static void
addr4(struct stun_addr *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3,
    uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = a0;
	a->ip[1] = a1;
	a->ip[2] = a2;
	a->ip[3] = a3;
	a->port = port;
}

static void
addr6(struct stun_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET6;
	a->ip[0] = 0x20;
	a->ip[1] = 0x01;
	a->ip[2] = 0x0d;
	a->ip[3] = 0xb8;
	a->ip[15] = last;
	a->port = port;
}

/* Does n bytes of needle occur in buf? */
static int
contains(const uint8_t *buf, size_t len, const void *needle, size_t n)
{
	size_t	i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return (1);
	return (0);
}

static void
keys_setup(void)
{
	memset(room_key, 0x5a, sizeof(room_key));
	ck_assert_int_eq(stun_rdv_room_id(room_key, room_id), 0);
	memset(key_a, 0x11, sizeof(key_a));
	memset(key_b, 0x22, sizeof(key_b));
}

static void
base(struct stun_rdv_msg *q, uint16_t method, uint8_t cls)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->cls = cls;
	memcpy(q->tid, tid_a, STUN_TID_LEN);
}

/* A sealed Keepalive with an echo: the typical small request. */
static void
keepalive_req(struct stun_rdv_msg *q)
{
	base(q, STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST);
	q->flags = STUN_RDV_F_ROOM | STUN_RDV_F_MEMBER_ID | STUN_RDV_F_ECHO;
	memcpy(q->room, room_id, sizeof(room_id));
	q->roomlen = sizeof(room_id);
	q->member_id = 0x01020304;
	q->echo = 0xa1b2c3d4e5f60718ULL;
	q->hold = 250;
	q->seq = 7;
}

/* Build q with key, decode and open with key2 into out. */
static int
round_trip(const struct stun_rdv_msg *q, const uint8_t *key,
    const uint8_t *key2, uint8_t *buf, size_t *len, struct stun_rdv_msg *out)
{
	struct stun_msg	m;
	int		n, r;

	n = stun_rdv_build(q, key, buf, STUN_RDV_MSG_MAX);
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	ck_assert_int_eq(stun_msg_decode(&m, buf, *len), 0);
	if ((r = stun_rdv_decode(&m, out)) != 0 || key2 == NULL)
		return (r);
	return (stun_rdv_open(&m, key2, out));
}

START_TEST(rdv_room_id_is_sha256_of_label_and_key)
{
	uint8_t		h[32], id[STUN_RDV_ROOM_ID_LEN];
	unsigned	hl = 0;
	EVP_MD_CTX	*c;
	static const char lbl[] = "stunkit rendezvous v2 room id";

	keys_setup();
	c = EVP_MD_CTX_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(c, lbl, sizeof(lbl) - 1), 1);
	ck_assert_int_eq(EVP_DigestUpdate(c, room_key, sizeof(room_key)), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(c, h, &hl), 1);
	EVP_MD_CTX_free(c);
	ck_assert_mem_eq(room_id, h, sizeof(room_id));
	room_key[0] ^= 1;
	ck_assert_int_eq(stun_rdv_room_id(room_key, id), 0);
	ck_assert_mem_ne(id, room_id, sizeof(id));
}
END_TEST

START_TEST(rdv_member_id_is_stable_and_non_zero)
{
	uint8_t		tok[STUN_RDV_TOKEN_LEN];
	uint32_t	a, b, c;

	keys_setup();
	memset(tok, 7, sizeof(tok));
	a = stun_rdv_member_id(room_id, sizeof(room_id), tok);
	b = stun_rdv_member_id(room_id, sizeof(room_id), tok);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(a, b);
	tok[31] ^= 1;
	c = stun_rdv_member_id(room_id, sizeof(room_id), tok);
	ck_assert_uint_ne(a, c);
	tok[31] ^= 1;
	room_id[0] ^= 1;
	ck_assert_uint_ne(a, stun_rdv_member_id(room_id, sizeof(room_id),
	    tok));
}
END_TEST

START_TEST(rdv_both_sides_derive_the_same_keys)
{
	uint8_t	secret[32], cpriv[32], cpub[32], epriv[32], epub[32];
	uint8_t	s1[32], s2[32], salt[16];
	uint8_t	c2s_a[32], s2c_a[32], c2s_b[32], s2c_b[32];
	uint8_t	zero[32];

	keys_setup();
	memset(secret, 3, sizeof(secret));
	memset(cpriv, 9, sizeof(cpriv));
	memset(salt, 4, sizeof(salt));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(stun_rdv_x25519_pub(cpriv, cpub), 0);
	ck_assert_int_eq(stun_rdv_epoch_key(secret, 5, epriv, epub), 0);
	ck_assert_int_eq(stun_rdv_x25519(cpriv, epub, s1), 0);
	ck_assert_int_eq(stun_rdv_x25519(epriv, cpub, s2), 0);
	ck_assert_mem_eq(s1, s2, 32);
	ck_assert_int_eq(stun_rdv_session_keys(s1, cpub, epub, room_id,
	    sizeof(room_id), salt, c2s_a, s2c_a), 0);
	ck_assert_int_eq(stun_rdv_session_keys(s2, cpub, epub, room_id,
	    sizeof(room_id), salt, c2s_b, s2c_b), 0);
	ck_assert_mem_eq(c2s_a, c2s_b, 32);
	ck_assert_mem_eq(s2c_a, s2c_b, 32);
	ck_assert_mem_ne(c2s_a, s2c_a, 32);
	/* The salt changes the server's direction only. */
	salt[0] ^= 1;
	ck_assert_int_eq(stun_rdv_session_keys(s1, cpub, epub, room_id,
	    sizeof(room_id), salt, c2s_b, s2c_b), 0);
	ck_assert_mem_eq(c2s_a, c2s_b, 32);
	ck_assert_mem_ne(s2c_a, s2c_b, 32);
	/* Another epoch, another server key; a zero key share is refused. */
	ck_assert_int_eq(stun_rdv_epoch_key(secret, 6, epriv, s2), 0);
	ck_assert_mem_ne(epub, s2, 32);
	ck_assert_int_eq(stun_rdv_x25519(cpriv, zero, s1), STUN_ERR_CRYPTO);
}
END_TEST

START_TEST(rdv_cookie_binds_address_share_room_and_epoch)
{
	uint8_t			secret[32], share[32], c0[20], c1[20];
	struct stun_addr	a, b;

	keys_setup();
	memset(secret, 3, sizeof(secret));
	memset(share, 8, sizeof(share));
	addr4(&a, 192, 0, 2, 1, 4000);
	ck_assert_int_eq(stun_rdv_cookie(secret, 9, &a, share, room_id,
	    sizeof(room_id), c0), 0);
	ck_assert_uint_eq(c0[3], 9);
	ck_assert_int_eq(stun_rdv_cookie(secret, 9, &a, share, room_id,
	    sizeof(room_id), c1), 0);
	ck_assert_mem_eq(c0, c1, 20);
	b = a;
	b.port++;
	ck_assert_int_eq(stun_rdv_cookie(secret, 9, &b, share, room_id,
	    sizeof(room_id), c1), 0);
	ck_assert_mem_ne(c0, c1, 20);
	b = a;
	b.ip[3]++;
	ck_assert_int_eq(stun_rdv_cookie(secret, 9, &b, share, room_id,
	    sizeof(room_id), c1), 0);
	ck_assert_mem_ne(c0, c1, 20);
	share[0] ^= 1;
	ck_assert_int_eq(stun_rdv_cookie(secret, 9, &a, share, room_id,
	    sizeof(room_id), c1), 0);
	ck_assert_mem_ne(c0, c1, 20);
	share[0] ^= 1;
	ck_assert_int_eq(stun_rdv_cookie(secret, 10, &a, share, room_id,
	    sizeof(room_id), c1), 0);
	ck_assert_mem_ne(c0 + 4, c1 + 4, 16);
}
END_TEST

START_TEST(rdv_sealed_keepalive_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;

	keys_setup();
	keepalive_req(&q);
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	ck_assert_int_eq(o.method, STUN_RDV_KEEPALIVE);
	ck_assert_uint_eq(o.member_id, q.member_id);
	ck_assert_uint_eq(o.seq, 7);
	ck_assert(o.flags & STUN_RDV_F_OPENED);
	ck_assert_uint_eq(o.echo, q.echo);
	ck_assert_uint_eq(o.hold, 250);
	ck_assert_mem_eq(o.room, room_id, sizeof(room_id));
	/* The echo is not in the clear bytes. */
	ck_assert(!contains(buf, len, "\xa1\xb2\xc3\xd4\xe5\xf6\x07\x18",
	    8));
	/* Another key opens nothing and leaves the sealed fields unset. */
	ck_assert_int_eq(round_trip(&q, key_a, key_b, buf, &len, &o),
	    STUN_ERR_INTEGRITY);
	ck_assert(!(o.flags & STUN_RDV_F_ECHO));
}
END_TEST

START_TEST(rdv_register_answer_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;

	keys_setup();
	base(&q, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	q.flags = STUN_RDV_F_MEMBER_ID | STUN_RDV_F_SALT | STUN_RDV_F_MAPPED |
	    STUN_RDV_F_EPOCH | STUN_RDV_F_COUNT | STUN_RDV_F_MEMBERS |
	    STUN_RDV_F_RELAY | STUN_RDV_F_INTERVAL;
	q.member_id = 77;
	memset(q.salt, 0xee, sizeof(q.salt));
	addr6(&q.mapped, 9, 61000);
	q.epoch = 3;
	q.count = 2;
	q.interval = 5000;
	q.nmembers = 2;
	q.members[0].id = 4;
	strcpy(q.members[0].name, "alice");
	q.members[0].ncand = 2;
	q.members[0].cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&q.members[0].cand[0].addr, 10, 0, 0, 1, 5000);
	q.members[0].cand[1].kind = STUN_RDV_CAND_SRFLX;
	addr6(&q.members[0].cand[1].addr, 7, 6000);
	q.members[1].id = 5;
	strcpy(q.members[1].name, "b\xc3\xa9");
	strcpy(q.relay_user, "1700000000:rdv-0000004daabbccdd");
	strcpy(q.relay_pass, "c2VjcmV0c2VjcmV0c2VjcmV0c2U=");
	q.seq = 1;
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	ck_assert_mem_eq(o.salt, q.salt, sizeof(q.salt));
	ck_assert(stun_addr_equal(&o.mapped, &q.mapped));
	ck_assert_uint_eq(o.count, 2);
	ck_assert_uint_eq(o.nmembers, 2);
	ck_assert_str_eq(o.members[1].name, "b\xc3\xa9");
	ck_assert(stun_addr_equal(&o.members[0].cand[1].addr,
	    &q.members[0].cand[1].addr));
	/* A TCP candidate (kind 4) travels; a kind past it is refused. */
	q.members[1].ncand = 1;
	q.members[1].cand[0].kind = STUN_RDV_CAND_TCP;
	addr4(&q.members[1].cand[0].addr, 10, 0, 0, 2, 443);
	q.seq = 2;
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	ck_assert_uint_eq(o.members[1].ncand, 1);
	ck_assert_uint_eq(o.members[1].cand[0].kind, STUN_RDV_CAND_TCP);
	q.members[1].cand[0].kind = STUN_RDV_CAND_TCP + 1;
	ck_assert_int_lt(stun_rdv_build(&q, key_a, buf, sizeof(buf)), 0);
	q.members[1].cand[0].kind = STUN_RDV_CAND_TCP;
	ck_assert_str_eq(o.relay_user, q.relay_user);
	ck_assert_str_eq(o.relay_pass, q.relay_pass);
	/* The password never travels in clear. */
	ck_assert(!contains(buf, len, q.relay_pass, 10));
}
END_TEST

START_TEST(rdv_first_step_is_padded_and_clear)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;

	keys_setup();
	base(&q, STUN_RDV_REGISTER, STUN_CLASS_REQUEST);
	q.flags = STUN_RDV_F_ROOM | STUN_RDV_F_KEYSHARE;
	memcpy(q.room, room_id, sizeof(room_id));
	q.roomlen = sizeof(room_id);
	memset(q.keyshare, 0x42, sizeof(q.keyshare));
	q.pad_to = STUN_RDV_HELLO_MIN;
	ck_assert_int_eq(round_trip(&q, NULL, NULL, buf, &len, &o), 0);
	ck_assert_uint_ge(len, STUN_RDV_HELLO_MIN);
	ck_assert_uint_lt(len, STUN_RDV_HELLO_MIN + 4);
	ck_assert_mem_eq(o.keyshare, q.keyshare, sizeof(q.keyshare));
	ck_assert(!(o.flags & STUN_RDV_F_SEALED));
	/* Without a key nothing that must be sealed can be built. */
	q.flags |= STUN_RDV_F_NAME;
	strcpy(q.name, "x");
	ck_assert_int_eq(stun_rdv_build(&q, NULL, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
}
END_TEST

/* Raw message: header, one attribute in clear, FINGERPRINT. */
static int
decode_raw(uint16_t method, uint8_t cls, uint16_t type, const void *val,
    size_t n, struct stun_rdv_msg *o)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512];
	int			len;

	stun_build_init(&b, buf, sizeof(buf), method, cls, tid_a);
	stun_build_attr(&b, type, val, n);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	return (stun_rdv_decode(&m, o));
}

START_TEST(rdv_decode_refuses_misplaced_and_bad_values)
{
	struct stun_rdv_msg	o;
	uint8_t			v[64];

	memset(v, 0, sizeof(v));
	/* Sealed-only fields in clear. */
	ck_assert_int_eq(decode_raw(STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_NAME, "eve", 3, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_TOKEN, v, 32, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_raw(STUN_RDV_MEMBERS, STUN_CLASS_INDICATION,
	    STUN_RDV_ATTR_EVENT, v, 8, &o), STUN_ERR_BAD_ATTR);
	/* Version 1 attributes, and wrong fixed lengths. */
	ck_assert_int_eq(decode_raw(STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_NONCE, v, 16, &o), STUN_ERR_INVALID);
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_KEYSHARE, v, 31, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_COOKIE, v, 16, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_ROOM, v, 4, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_raw(STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_MEMBER_ID, v, 4, &o), STUN_ERR_BAD_ATTR);
	/* A sealed block too short for its number and tag. */
	ck_assert_int_eq(decode_raw(STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_SEALED, v, 20, &o), STUN_ERR_BAD_ATTR);
	/* A sealed block numbered 0. */
	ck_assert_int_eq(decode_raw(STUN_RDV_KEEPALIVE, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_SEALED, v, 24, &o), STUN_ERR_BAD_ATTR);
	/* Indication methods as requests. */
	ck_assert_int_eq(decode_raw(STUN_RDV_GO, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_PAD, v, 4, &o), STUN_ERR_INVALID);
}
END_TEST

START_TEST(rdv_nat_essentials_round_trip)
{
	static const struct stun_hardnat_ess	 seq = { STUN_NAT_APD,
		STUN_NAT_APD, STUN_NAT_PAT_SEQUENTIAL, -2, 0 };
	static const struct stun_hardnat_ess	 pres = { STUN_NAT_APD,
		STUN_NAT_APD, STUN_NAT_PAT_PRESERVE, 0, 40000 };
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;

	keys_setup();
	/* Our own (member id 0) in a Register. */
	base(&q, STUN_RDV_REGISTER, STUN_CLASS_REQUEST);
	q.flags = STUN_RDV_F_ROOM | STUN_RDV_F_NAME | STUN_RDV_F_NAT;
	memcpy(q.room, room_id, sizeof(room_id));
	q.roomlen = sizeof(room_id);
	strcpy(q.name, "bob");
	q.nat = pres;
	q.seq = 1;
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	ck_assert(o.flags & STUN_RDV_F_NAT);
	ck_assert_mem_eq(&o.nat, &pres, sizeof(pres));
	/* The members': after their entries, only for those that have. */
	base(&q, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	q.flags = STUN_RDV_F_MEMBER_ID | STUN_RDV_F_MEMBERS |
	    STUN_RDV_F_EPOCH;
	q.member_id = 9;
	q.nmembers = 2;
	q.members[0].id = 4;
	strcpy(q.members[0].name, "alice");
	q.members[1].id = 5;
	strcpy(q.members[1].name, "carol");
	q.members[1].has_nat = 1;
	q.members[1].nat = seq;
	q.seq = 2;
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	ck_assert(!(o.flags & STUN_RDV_F_NAT));
	ck_assert_int_eq(o.members[0].has_nat, 0);
	ck_assert_int_eq(o.members[1].has_nat, 1);
	ck_assert_int_eq(o.members[1].nat.delta, -2);
	ck_assert_mem_eq(&o.members[1].nat, &seq, sizeof(seq));
}
END_TEST

/*
 * A Members indication whose sealed block holds exactly the attributes
 * built by fn, sealed under key_a as the builder seals: decoded and
 * opened into o.
 */
static int
open_crafted(void (*fn)(struct stun_builder *), struct stun_rdv_msg *o)
{
	struct stun_builder	 ib, b;
	struct stun_msg		 m;
	uint8_t			 pt[512], buf[1024], v[8 + 512 + 16];
	size_t			 ptlen, vlen, final;
	int			 n, i;

	stun_build_init(&ib, pt, sizeof(pt), STUN_RDV_MEMBERS,
	    STUN_CLASS_INDICATION, tid_a);
	fn(&ib);
	n = stun_build_finish(&ib);
	ck_assert_int_gt(n, 0);
	ptlen = (size_t)n - STUN_HDR_LEN;
	vlen = 8 + ptlen + STUN_RDV_TAG_LEN;
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_MEMBERS,
	    STUN_CLASS_INDICATION, tid_a);
	stun_build_u32(&b, STUN_RDV_ATTR_MEMBER_ID, 9);
	final = b.len + 4 + vlen + 8;
	buf[2] = (uint8_t)((final - STUN_HDR_LEN) >> 8);
	buf[3] = (uint8_t)(final - STUN_HDR_LEN);
	for (i = 0; i < 7; i++)
		v[i] = 0;
	v[7] = 1;
	ck_assert_int_eq(stun_rdv_aead(1, key_a, 1, buf, b.len,
	    pt + STUN_HDR_LEN, ptlen, v + 8), 0);
	stun_build_attr(&b, STUN_RDV_ATTR_SEALED, v, vlen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_eq(n, (int)final);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, o), 0);
	return (stun_rdv_open(&m, key_a, o));
}

static void
nat_attr(struct stun_builder *b, uint32_t id, uint8_t pattern, int8_t d,
    size_t len)
{
	uint8_t		 v[16];

	memset(v, 0, sizeof(v));
	v[0] = (uint8_t)(id >> 24);
	v[1] = (uint8_t)(id >> 16);
	v[2] = (uint8_t)(id >> 8);
	v[3] = (uint8_t)id;
	v[4] = STUN_NAT_APD;
	v[5] = STUN_NAT_APD;
	v[6] = pattern;
	v[7] = (uint8_t)d;
	stun_build_attr(b, STUN_RDV_ATTR_NAT, v, len);
}

static void
craft_own(struct stun_builder *b)
{
	nat_attr(b, 0, STUN_NAT_PAT_SEQUENTIAL, 1, 12);
}

static void
craft_own_twice(struct stun_builder *b)
{
	nat_attr(b, 0, STUN_NAT_PAT_SEQUENTIAL, 1, 12);
	nat_attr(b, 0, STUN_NAT_PAT_RANDOM, 0, 12);
}

static void
craft_unlisted(struct stun_builder *b)
{
	nat_attr(b, 7, STUN_NAT_PAT_SEQUENTIAL, 1, 12);
}

static void
craft_short(struct stun_builder *b)
{
	nat_attr(b, 0, STUN_NAT_PAT_SEQUENTIAL, 1, 11);
}

static void
craft_bad_value(struct stun_builder *b)
{
	/* A delta with a pattern other than sequential. */
	nat_attr(b, 0, STUN_NAT_PAT_RANDOM, 5, 12);
}

START_TEST(rdv_nat_essentials_refused_when_wrong)
{
	struct stun_rdv_msg	o;

	keys_setup();
	/* The crafting itself is sound: a good one opens. */
	ck_assert_int_eq(open_crafted(craft_own, &o), 0);
	ck_assert(o.flags & STUN_RDV_F_NAT);
	ck_assert_int_eq(o.nat.delta, 1);
	ck_assert_int_eq(open_crafted(craft_own_twice, &o),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(open_crafted(craft_unlisted, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(open_crafted(craft_short, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(open_crafted(craft_bad_value, &o), STUN_ERR_BAD_ATTR);
	/* Refused fields leave nothing behind. */
	ck_assert(!(o.flags & STUN_RDV_F_NAT));
	/* Never in clear. */
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    STUN_RDV_ATTR_NAT, "\0\0\0\0\3\3\4\0\0\0\0\0", 12, &o),
	    STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(rdv_sealed_block_must_be_last_before_fingerprint)
{
	struct stun_rdv_msg	q, o;
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[STUN_RDV_MSG_MAX], out[STUN_RDV_MSG_MAX];
	size_t			len;
	int			n;

	keys_setup();
	keepalive_req(&q);
	ck_assert_int_eq(round_trip(&q, key_a, key_a, buf, &len, &o), 0);
	/* Copy it without FINGERPRINT, add a PAD after the block. */
	ck_assert_int_eq(stun_msg_decode(&m, buf, len), 0);
	stun_build_init(&b, out, sizeof(out), m.method, m.cls, m.tid);
	for (n = 0; n < (int)m.nattrs; n++)
		if (m.attrs[n].type != STUN_ATTR_FINGERPRINT)
			stun_build_attr(&b, m.attrs[n].type,
			    buf + m.attrs[n].off, m.attrs[n].len);
	stun_build_attr(&b, STUN_RDV_ATTR_PAD, "\0\0\0\0", 4);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, out, (size_t)n), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, &o), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(rdv_version_1_is_recognised)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct stun_rdv_msg	o;
	uint8_t			buf[256], k[32];
	int			n;

	keys_setup();
	memset(k, 1, sizeof(k));
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid_a);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room_id, sizeof(room_id));
	stun_build_integrity_sha256(&b, k, sizeof(k), 32);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(stun_rdv_is_v1(&m), 1);
	ck_assert_int_eq(stun_rdv_decode(&m, &o), STUN_ERR_INVALID);
}
END_TEST

static uint8_t	mut_buf[STUN_RDV_MSG_MAX];
static size_t	mut_len;

static void
mut_setup(void)
{
	struct stun_rdv_msg	q;
	int			n;

	keys_setup();
	keepalive_req(&q);
	q.flags |= STUN_RDV_F_CHALLENGE;
	memset(q.challenge, 0x77, sizeof(q.challenge));
	n = stun_rdv_build(&q, key_a, mut_buf, sizeof(mut_buf));
	ck_assert_int_gt(n, 0);
	mut_len = (size_t)n;
}

/* Does m (bytes b) get through decode and open under key_a? */
static int
mut_accepted(const uint8_t *b, size_t len)
{
	struct stun_msg		m;
	struct stun_rdv_msg	o;

	if (stun_msg_decode(&m, b, len) != 0 || stun_rdv_decode(&m, &o) != 0)
		return (0);
	return (stun_rdv_open(&m, key_a, &o) == 0);
}

START_TEST(rdv_every_truncation_refused)
{
	size_t	len;

	mut_setup();
	ck_assert(mut_accepted(mut_buf, mut_len));
	for (len = 0; len < mut_len; len++)
		ck_assert_msg(!mut_accepted(mut_buf, len),
		    "truncated to %zu accepted", len);
}
END_TEST

/* Every single bit flip of a sealed message is refused. */
START_TEST(rdv_every_bit_flip_refused)
{
	uint8_t	b[STUN_RDV_MSG_MAX];
	size_t	i;
	int	bit;

	mut_setup();
	for (i = 0; i < mut_len; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(b, mut_buf, mut_len);
			b[i] ^= (uint8_t)(1 << bit);
			ck_assert_msg(!mut_accepted(b, mut_len),
			    "flip of byte %zu bit %d accepted", i, bit);
		}
}
END_TEST

/*
 * A scripted server made of the same library calls, for the client
 * machine: one member, keys from a fixed secret.
 */
struct tsrv {
	uint8_t		 secret[32];
	uint8_t		 epriv[32], epub[32];
	uint8_t		 c2s[32], s2c[32], cpub[32], salt[16];
	uint64_t	 seq;
	uint32_t	 id;
	uint32_t	 epoch;
	struct stun_addr from;
};

static struct tsrv	ts;
static struct stun_addr	srv, me;

static void
tsrv_init(void)
{
	memset(&ts, 0, sizeof(ts));
	memset(ts.secret, 0x33, sizeof(ts.secret));
	ck_assert_int_eq(stun_rdv_epoch_key(ts.secret, 1, ts.epriv, ts.epub),
	    0);
	addr4(&me, 203, 0, 113, 9, 61000);
}

/* Decode req; the opened request into q (sealed ones under c2s). */
static void
tsrv_decode(const uint8_t *buf, size_t len, struct stun_rdv_msg *q)
{
	struct stun_msg		m;
	uint8_t			shared[32], s2c[32];

	ck_assert_int_eq(stun_msg_decode(&m, buf, len), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, q), 0);
	if (!(q->flags & STUN_RDV_F_SEALED))
		return;
	if (q->method == STUN_RDV_REGISTER) {
		ck_assert_int_eq(stun_rdv_x25519(ts.epriv, q->keyshare,
		    shared), 0);
		memcpy(ts.cpub, q->keyshare, 32);
		memset(ts.salt, ts.salt[0] + 1, sizeof(ts.salt));
		ck_assert_int_eq(stun_rdv_session_keys(shared, q->keyshare,
		    ts.epub, q->room, q->roomlen, ts.salt, ts.c2s, s2c), 0);
		memcpy(ts.s2c, s2c, 32);
		ts.seq = 0;
	}
	ck_assert_int_eq(stun_rdv_open(&m, ts.c2s, q), 0);
}

static void
feed(struct stun_rdv_client *rc, struct stun_rdv_msg *a, int sealed,
    uint64_t now)
{
	uint8_t	buf[STUN_RDV_MSG_MAX];
	int	n;

	if (sealed) {
		a->flags |= STUN_RDV_F_MEMBER_ID;
		a->member_id = ts.id;
		a->seq = ++ts.seq;
	}
	n = stun_rdv_build(a, sealed ? ts.s2c : NULL, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_rdv_client_input(rc, &srv, buf, (size_t)n,
	    now), 0);
}

static struct stun_addr	more_srv;	/* a second server when set */

static void
client_setup(struct stun_rdv_client *rc)
{
	struct stun_rdv_config	c;

	keys_setup();
	tsrv_init();
	memset(&c, 0, sizeof(c));
	addr4(&srv, 127, 0, 0, 1, 3478);
	c.server = srv;
	memcpy(c.room_key, room_key, sizeof(room_key));
	strcpy(c.name, "bob");
	c.ncand = 1;
	c.cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&c.cand[0].addr, 10, 0, 0, 2, 5000);
	if (more_srv.family != 0) {
		c.more[0] = more_srv;
		c.nmore = 1;
	}
	ck_assert_int_eq(stun_rdv_client_init(rc, &c), 0);
	ck_assert_mem_eq(rc->c.room, room_id, sizeof(room_id));
	ts.id = stun_rdv_member_id(room_id, sizeof(room_id), rc->c.token);
}

/* The next action is a SEND; what it carries, opened. */
static size_t
expect_send(struct stun_rdv_client *rc, uint16_t method,
    struct stun_rdv_msg *q)
{
	struct stun_rdv_action	a;

	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_SEND);
	ck_assert(stun_addr_equal(&a.to, &srv));
	tsrv_decode(a.buf, a.len, q);
	ck_assert_int_eq(q->method, method);
	ck_assert_int_eq(q->cls, STUN_CLASS_REQUEST);
	return (a.len);
}

static void
expect_kind(struct stun_rdv_client *rc, int kind)
{
	struct stun_rdv_action	a;

	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, kind);
}

/* Answer a first step with our key share and a cookie. */
static void
answer_hello(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	struct stun_rdv_msg	a;

	ck_assert(!(q->flags & STUN_RDV_F_SEALED));
	base(&a, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	memcpy(a.tid, q->tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_SERVER_KEY | STUN_RDV_F_COOKIE;
	memcpy(a.server_key, ts.epub, 32);
	ck_assert_int_eq(stun_rdv_cookie(ts.secret, 1, &me, q->keyshare,
	    q->room, q->roomlen, a.cookie), 0);
	feed(rc, &a, 0, now);
}

/* The sealed Register answer with n others (count may be larger). */
static void
answer_register(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    unsigned n, unsigned count, uint64_t now)
{
	struct stun_rdv_msg	a;
	unsigned		i;

	ck_assert(q->flags & STUN_RDV_F_OPENED);
	ck_assert(q->flags & STUN_RDV_F_COOKIE);
	ck_assert_mem_eq(q->room_key, room_key, 32);
	base(&a, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	memcpy(a.tid, q->tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_SALT | STUN_RDV_F_MAPPED | STUN_RDV_F_EPOCH |
	    STUN_RDV_F_COUNT | STUN_RDV_F_ECHO | STUN_RDV_F_INTERVAL;
	memcpy(a.salt, ts.salt, sizeof(a.salt));
	a.mapped = me;
	a.epoch = ts.epoch;
	a.count = count;
	a.interval = 10000;
	a.echo = now;
	for (i = 0; i < n; i++) {
		a.flags |= STUN_RDV_F_MEMBERS;
		a.members[i].id = 100 + i;
		snprintf(a.members[i].name, sizeof(a.members[i].name), "m%u",
		    i);
		a.members[i].ncand = 1;
		a.members[i].cand[0].kind = STUN_RDV_CAND_SRFLX;
		addr4(&a.members[i].cand[0].addr, 198, 51, 100, (uint8_t)i,
		    7000);
	}
	a.nmembers = n;
	feed(rc, &a, 1, now);
}

/* Start, both steps, joined with n others; the RTT keepalive drained. */
static void
join(struct stun_rdv_client *rc, unsigned n, uint64_t now)
{
	struct stun_rdv_msg	q;
	struct stun_rdv_action	a;

	ck_assert_int_eq(stun_rdv_client_start(rc, now), 0);
	expect_send(rc, STUN_RDV_REGISTER, &q);
	answer_hello(rc, &q, now);
	expect_send(rc, STUN_RDV_REGISTER, &q);
	answer_register(rc, &q, n, n, now);
	expect_send(rc, STUN_RDV_KEEPALIVE, &q);
	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	ck_assert_uint_eq(a.member_id, ts.id);
	ck_assert(stun_addr_equal(&a.mapped, &me));
	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(a.nmembers, n);
	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
}

/* Answer the keepalive q at now (epoch ts.epoch). */
static void
answer_keepalive(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	struct stun_rdv_msg	a;

	base(&a, STUN_RDV_KEEPALIVE, STUN_CLASS_SUCCESS);
	memcpy(a.tid, q->tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_EPOCH | STUN_RDV_F_MAPPED | STUN_RDV_F_ECHO;
	a.epoch = ts.epoch;
	a.mapped = me;
	a.echo = now;
	feed(rc, &a, 1, now);
}

START_TEST(rdv_client_two_steps_and_padding)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, q2;
	size_t			len, len2;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	len = expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_uint_ge(len, STUN_RDV_HELLO_MIN);
	ck_assert(!(q.flags & STUN_RDV_F_COOKIE));
	/* The first step is resent as it was. */
	stun_rdv_client_timer(&rc, 500);
	expect_send(&rc, STUN_RDV_REGISTER, &q2);
	ck_assert_mem_eq(q.tid, q2.tid, STUN_TID_LEN);
	answer_hello(&rc, &q, 600);
	len = expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_uint_ge(len, STUN_RDV_LIST_REQ);
	ck_assert_str_eq(q.name, "bob");
	ck_assert_mem_eq(q.token, rc.c.token, 32);
	/* A resent second step is sealed again under a new number. */
	stun_rdv_client_timer(&rc, 1200);
	len2 = expect_send(&rc, STUN_RDV_REGISTER, &q2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(q.tid, q2.tid, STUN_TID_LEN);
	ck_assert_uint_eq(q2.seq, q.seq + 1);
}
END_TEST

START_TEST(rdv_client_fails_before_first_join)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_action	a;
	struct stun_rdv_msg	q;
	uint64_t		t;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	for (t = 0; t < 60000; t += 100) {
		stun_rdv_client_timer(&rc, t);
		do
			stun_rdv_client_next(&rc, &a);
		while (a.kind == STUN_RDV_A_SEND);
		if (a.kind == STUN_RDV_A_FAILED)
			break;
	}
	ck_assert_int_eq(a.kind, STUN_RDV_A_FAILED);
	ck_assert_int_eq(a.err, STUN_ERR_TIMEOUT);
	ck_assert_int_eq(rc.state, STUN_RDV_S_FAILED);
}
END_TEST

START_TEST(rdv_client_joins_with_its_stable_id)
{
	struct stun_rdv_client	rc;

	client_setup(&rc);
	join(&rc, 2, 0);
	ck_assert_int_eq(rc.state, STUN_RDV_S_JOINED);
	ck_assert_uint_eq(rc.nmembers, 2);
	ck_assert_uint_eq(rc.member_id, ts.id);
}
END_TEST

START_TEST(rdv_client_answers_a_path_challenge)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, a;
	size_t			len;

	client_setup(&rc);
	join(&rc, 1, 0);
	stun_rdv_client_timer(&rc, 0);
	/* The RTT keepalive in flight is answered with a challenge. */
	base(&a, STUN_RDV_KEEPALIVE, STUN_CLASS_SUCCESS);
	memcpy(a.tid, rc.tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_CHALLENGE;
	memset(a.challenge, 0xc5, 8);
	feed(&rc, &a, 1, 10);
	len = expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	ck_assert(q.flags & STUN_RDV_F_CHALLENGE);
	ck_assert_mem_eq(q.challenge, a.challenge, 8);
	/* Padded to pay for the Members the move will send. */
	ck_assert_uint_ge(len, STUN_RDV_LIST_REQ);
	answer_keepalive(&rc, &q, 20);
	ck_assert_int_eq(rc.state, STUN_RDV_S_JOINED);
	ck_assert(!rc.txn_on);
}
END_TEST

START_TEST(rdv_client_applies_deltas_and_resyncs_on_a_gap)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	a, q;
	struct stun_rdv_action	act;

	client_setup(&rc);
	join(&rc, 1, 0);
	rc.txn_on = 0;	/* the RTT keepalive: answered below if needed */
	/* A join of member 200: epoch + 1. */
	base(&a, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	a.flags = STUN_RDV_F_EVENT | STUN_RDV_F_EPOCH | STUN_RDV_F_MEMBERS;
	a.event = STUN_RDV_EV_JOIN;
	a.event_member = 200;
	a.epoch = 1;
	a.nmembers = 1;
	a.members[0].id = 200;
	strcpy(a.members[0].name, "carol");
	feed(&rc, &a, 1, 100);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(act.nmembers, 2);
	ck_assert_int_eq(act.event, STUN_RDV_EV_JOIN);
	/* The same bytes again are a replay. */
	ts.seq--;
	feed(&rc, &a, 1, 110);
	ck_assert_uint_eq(rc.replays, 1);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_WAIT);
	/* A leave: the entry goes. */
	base(&a, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	a.flags = STUN_RDV_F_EVENT | STUN_RDV_F_EPOCH;
	a.event = STUN_RDV_EV_LEAVE;
	a.event_member = 100;
	a.epoch = 2;
	feed(&rc, &a, 1, 120);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(act.nmembers, 1);
	ck_assert_uint_eq(act.members[0].id, 200);
	/* Epoch 4 after 2: one was lost, so the list is fetched. */
	a.epoch = 4;
	a.event_member = 200;
	feed(&rc, &a, 1, 130);
	expect_send(&rc, STUN_RDV_RESYNC, &q);
	ck_assert(q.flags & STUN_RDV_F_START);
	ck_assert_uint_eq(q.start, 0);
	base(&a, STUN_RDV_RESYNC, STUN_CLASS_SUCCESS);
	memcpy(a.tid, q.tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_EPOCH | STUN_RDV_F_COUNT | STUN_RDV_F_START;
	a.epoch = 4;
	a.count = 0;
	feed(&rc, &a, 1, 140);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(act.nmembers, 0);
	ck_assert_uint_eq(rc.epoch, 4);
}
END_TEST

START_TEST(rdv_client_fetches_a_long_list_by_pages)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, a;
	struct stun_rdv_action	act;
	size_t			len;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_hello(&rc, &q, 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 2, 3, 0);
	len = expect_send(&rc, STUN_RDV_RESYNC, &q);
	ck_assert_uint_ge(len, STUN_RDV_LIST_REQ);
	ck_assert_uint_eq(q.start, 2);
	base(&a, STUN_RDV_RESYNC, STUN_CLASS_SUCCESS);
	memcpy(a.tid, q.tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_EPOCH | STUN_RDV_F_COUNT | STUN_RDV_F_START |
	    STUN_RDV_F_MEMBERS;
	a.count = 3;
	a.start = 2;
	a.nmembers = 1;
	a.members[0].id = 300;
	strcpy(a.members[0].name, "last");
	feed(&rc, &a, 1, 10);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_JOINED);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(act.nmembers, 3);
	ck_assert_uint_eq(act.members[2].id, 300);
}
END_TEST

START_TEST(rdv_client_reregisters_on_437_with_the_same_id)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, a;
	struct stun_rdv_action	act;
	uint32_t		id;

	client_setup(&rc);
	join(&rc, 1, 0);
	id = rc.member_id;
	/* The RTT keepalive gets a 437: a new server process. */
	base(&a, STUN_RDV_KEEPALIVE, STUN_CLASS_ERROR);
	memcpy(a.tid, rc.tid, STUN_TID_LEN);
	a.flags = STUN_RDV_F_ERROR;
	a.error = STUN_RDV_ERR_UNKNOWN;
	feed(&rc, &a, 0, 100);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert(!(q.flags & STUN_RDV_F_COOKIE));
	answer_hello(&rc, &q, 110);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	/* The new process knows nobody yet. */
	answer_register(&rc, &q, 0, 0, 120);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	/* No second JOINED; the old member stays while it may come back. */
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(act.nmembers, 1);
	ck_assert_uint_eq(rc.member_id, id);
	stun_rdv_client_next(&rc, &act);
	ck_assert_int_eq(act.kind, STUN_RDV_A_WAIT);
	ck_assert_uint_eq(rc.reregisters, 1);
	/* It never does: removed as timed out after three intervals. */
	answer_keepalive(&rc, &q, 130);
	stun_rdv_client_timer(&rc, 120 + 30000);
	do
		stun_rdv_client_next(&rc, &act);
	while (act.kind == STUN_RDV_A_SEND);
	ck_assert_int_eq(act.kind, STUN_RDV_A_MEMBERS);
	ck_assert_int_eq(act.event, STUN_RDV_EV_TIMEOUT);
	ck_assert_uint_eq(act.event_member, 100);
	ck_assert_uint_eq(act.nmembers, 0);
}
END_TEST

START_TEST(rdv_client_outlives_an_unreachable_server)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_action	act;
	struct stun_rdv_msg	q;
	uint64_t		t, down = 0, last = 0;
	unsigned		hellos = 0;

	client_setup(&rc);
	join(&rc, 1, 0);
	/* Nothing answers for ten minutes. */
	for (t = 0; t < 600000; t += 50) {
		stun_rdv_client_timer(&rc, t);
		for (;;) {
			stun_rdv_client_next(&rc, &act);
			if (act.kind == STUN_RDV_A_WAIT)
				break;
			ck_assert_int_ne(act.kind, STUN_RDV_A_FAILED);
			if (act.kind == STUN_RDV_A_SERVER) {
				ck_assert_int_eq(act.server_up, 0);
				ck_assert_uint_eq(down, 0);
				down = t;
			}
			if (act.kind == STUN_RDV_A_SEND &&
			    rc.req_method == STUN_RDV_REGISTER &&
			    rc.txn.sent == 1) {
				hellos++;
				if (last != 0 && hellos > 8)
					ck_assert_uint_ge(t - last, 30000);
				last = t;
			}
		}
	}
	ck_assert_uint_gt(down, 0);
	ck_assert_uint_ge(hellos, 8);
	ck_assert_int_eq(rc.state == STUN_RDV_S_RETRY ||
	    rc.state == STUN_RDV_S_REGISTER, 1);
	/* It comes back: "back", and no new JOINED for the same id. */
	stun_rdv_client_timer(&rc, t + 31000);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_hello(&rc, &q, t + 31000);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 1, 1, t + 31010);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	expect_kind(&rc, STUN_RDV_A_SERVER);
	expect_kind(&rc, STUN_RDV_A_MEMBERS);
	expect_kind(&rc, STUN_RDV_A_WAIT);
}
END_TEST

/*
 * Two servers of a fleet: the first falls silent after the join, the
 * client registers on the second with the same token (same member id),
 * says "unreachable" then "back", and keeps its list; before any join a
 * silent first server sends the client to the second at once.
 */
START_TEST(rdv_client_fails_over_to_the_next_server)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_action	act;
	struct stun_rdv_msg	q;
	struct stun_addr	first, second;
	uint64_t		t;
	int			moved = 0;

	addr4(&second, 127, 0, 0, 2, 3478);
	more_srv = second;
	client_setup(&rc);
	first = srv;
	join(&rc, 1, 0);
	for (t = 0; t < 60000 && !moved; t += 50) {
		stun_rdv_client_timer(&rc, t);
		for (;;) {
			stun_rdv_client_next(&rc, &act);
			if (act.kind == STUN_RDV_A_WAIT)
				break;
			ck_assert_int_ne(act.kind, STUN_RDV_A_FAILED);
			if (act.kind == STUN_RDV_A_SEND &&
			    stun_addr_equal(&act.to, &second)) {
				ck_assert_int_eq(rc.req_method,
				    STUN_RDV_REGISTER);
				moved = 1;
				break;
			}
			if (act.kind == STUN_RDV_A_SEND)
				ck_assert(stun_addr_equal(&act.to, &first));
		}
	}
	ck_assert_int_eq(moved, 1);
	srv = second;
	tsrv_decode(act.buf, act.len, &q);
	answer_hello(&rc, &q, t);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_mem_eq(q.token, rc.c.token, 32);
	answer_register(&rc, &q, 1, 1, t + 10);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	expect_kind(&rc, STUN_RDV_A_SERVER);
	ck_assert_uint_eq(rc.member_id, ts.id);
	ck_assert(stun_addr_equal(&rc.c.server, &second));

	/* Before a join: the second server after the first's silence. */
	srv = first;
	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	for (moved = 0, t = 0; t < 60000 && !moved; t += 100) {
		stun_rdv_client_timer(&rc, t);
		do {
			stun_rdv_client_next(&rc, &act);
			ck_assert_int_ne(act.kind, STUN_RDV_A_FAILED);
			moved = act.kind == STUN_RDV_A_SEND &&
			    stun_addr_equal(&act.to, &second);
		} while (act.kind == STUN_RDV_A_SEND && !moved);
	}
	ck_assert_int_eq(moved, 1);
	memset(&more_srv, 0, sizeof(more_srv));
}
END_TEST

START_TEST(rdv_client_ignores_forgeries)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	a;
	uint8_t			good[32];
	unsigned		rej;

	client_setup(&rc);
	join(&rc, 1, 0);
	/* A Members indication under another key. */
	memcpy(good, ts.s2c, 32);
	memset(ts.s2c, 0x99, 32);
	base(&a, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	a.flags = STUN_RDV_F_EVENT | STUN_RDV_F_EPOCH;
	a.event = STUN_RDV_EV_LEAVE;
	a.event_member = 100;
	a.epoch = 1;
	rej = rc.rejected;
	feed(&rc, &a, 1, 10);
	ck_assert_uint_eq(rc.rejected, rej + 1);
	ck_assert_uint_eq(rc.nmembers, 1);
	memcpy(ts.s2c, good, 32);
	/* From another address, nothing is even looked at. */
	srv.port++;
	feed(&rc, &a, 1, 20);
	srv.port--;
	ck_assert_uint_eq(rc.nmembers, 1);
}
END_TEST

START_TEST(rdv_client_sends_its_nat_essentials)
{
	static const struct stun_hardnat_ess	 seq = { STUN_NAT_APD,
		STUN_NAT_APD, STUN_NAT_PAT_SEQUENTIAL, 1, 0 };
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q;

	client_setup(&rc);
	join(&rc, 0, 0);
	/* Learnt after joining: Register goes again, with them. */
	ck_assert_int_eq(stun_rdv_client_set_nat(&rc, &seq, 10), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	if (!(q.flags & STUN_RDV_F_SEALED)) {
		answer_hello(&rc, &q, 10);
		expect_send(&rc, STUN_RDV_REGISTER, &q);
	}
	ck_assert(q.flags & STUN_RDV_F_NAT);
	ck_assert_mem_eq(&q.nat, &seq, sizeof(seq));
	ck_assert_uint_eq(q.ncand, 1);
	/* Bad essentials change nothing. */
	q.nat = seq;
	q.nat.pattern = STUN_NAT_PAT_RANDOM;
	ck_assert_int_eq(stun_rdv_client_set_nat(&rc, &q.nat, 20),
	    STUN_ERR_INVALID);
	ck_assert_mem_eq(&rc.c.nat, &seq, sizeof(seq));
	ck_assert_int_eq(stun_rdv_client_set_nat(NULL, &seq, 20),
	    STUN_ERR_INVALID);
}
END_TEST

/*
 * Leaving while a Register is in flight (new NAT data after joining): the
 * server still has us, so the Leave goes once that Register is answered,
 * sealed under its keys; a Register that finds no server ends at once.
 */
START_TEST(rdv_client_leaves_after_a_reregister)
{
	static const struct stun_hardnat_ess	 seq = { STUN_NAT_APD,
		STUN_NAT_APD, STUN_NAT_PAT_SEQUENTIAL, 1, 0 };
	struct stun_rdv_client	rc;
	struct stun_rdv_action	a;
	struct stun_rdv_msg	q, r;
	uint64_t		t;

	client_setup(&rc);
	join(&rc, 1, 0);
	ck_assert_int_eq(stun_rdv_client_set_nat(&rc, &seq, 10), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_int_eq(stun_rdv_client_leave(&rc, 20), 0);
	ck_assert_int_ne(rc.state, STUN_RDV_S_DONE);
	if (!(q.flags & STUN_RDV_F_SEALED)) {
		answer_hello(&rc, &q, 30);
		expect_send(&rc, STUN_RDV_REGISTER, &q);
	}
	answer_register(&rc, &q, 1, 1, 40);
	expect_send(&rc, STUN_RDV_LEAVE, &q);
	ck_assert(q.flags & STUN_RDV_F_OPENED);
	ck_assert_uint_eq(q.member_id, ts.id);
	base(&r, STUN_RDV_LEAVE, STUN_CLASS_SUCCESS);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	feed(&rc, &r, 1, 50);
	do
		stun_rdv_client_next(&rc, &a);
	while (a.kind != STUN_RDV_A_DONE && a.kind != STUN_RDV_A_WAIT);
	ck_assert_int_eq(a.kind, STUN_RDV_A_DONE);
	ck_assert_int_eq(rc.state, STUN_RDV_S_DONE);

	/* The same, with the server gone: done, not retrying forever. */
	client_setup(&rc);
	join(&rc, 0, 0);
	ck_assert_int_eq(stun_rdv_client_set_nat(&rc, &seq, 10), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_int_eq(stun_rdv_client_leave(&rc, 20), 0);
	for (t = 20; t < 120000 && rc.state != STUN_RDV_S_DONE; t += 100) {
		stun_rdv_client_timer(&rc, t);
		do
			stun_rdv_client_next(&rc, &a);
		while (a.kind == STUN_RDV_A_SEND);
	}
	ck_assert_int_eq(rc.state, STUN_RDV_S_DONE);
	ck_assert_uint_lt(t, 60000);
}
END_TEST

START_TEST(rdv_client_init_refuses_bad_config)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_config	c;

	keys_setup();
	memset(&c, 0, sizeof(c));
	addr4(&c.server, 127, 0, 0, 1, 3478);
	strcpy(c.name, "x");
	/* No room key. */
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
	memcpy(c.room_key, room_key, 32);
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), 0);
	/* A room id that is not the key's hash. */
	memcpy(c.room, room_id, sizeof(room_id));
	c.room[0] ^= 1;
	c.roomlen = sizeof(room_id);
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
	c.room[0] ^= 1;
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), 0);
	c.name[0] = '\0';
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
}
END_TEST

Suite *
suite_rdv(void)
{
	Suite	*s = suite_create("rdv");
	TCase	*tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, rdv_room_id_is_sha256_of_label_and_key);
	tcase_add_test(tc, rdv_member_id_is_stable_and_non_zero);
	tcase_add_test(tc, rdv_both_sides_derive_the_same_keys);
	tcase_add_test(tc, rdv_cookie_binds_address_share_room_and_epoch);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_add_test(tc, rdv_sealed_keepalive_round_trip);
	tcase_add_test(tc, rdv_register_answer_round_trip);
	tcase_add_test(tc, rdv_first_step_is_padded_and_clear);
	tcase_add_test(tc, rdv_nat_essentials_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_test(tc, rdv_decode_refuses_misplaced_and_bad_values);
	tcase_add_test(tc, rdv_sealed_block_must_be_last_before_fingerprint);
	tcase_add_test(tc, rdv_version_1_is_recognised);
	tcase_add_test(tc, rdv_every_truncation_refused);
	tcase_add_test(tc, rdv_every_bit_flip_refused);
	tcase_add_test(tc, rdv_nat_essentials_refused_when_wrong);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_test(tc, rdv_client_two_steps_and_padding);
	tcase_add_test(tc, rdv_client_fails_before_first_join);
	tcase_add_test(tc, rdv_client_joins_with_its_stable_id);
	tcase_add_test(tc, rdv_client_answers_a_path_challenge);
	tcase_add_test(tc, rdv_client_applies_deltas_and_resyncs_on_a_gap);
	tcase_add_test(tc, rdv_client_fetches_a_long_list_by_pages);
	tcase_add_test(tc, rdv_client_reregisters_on_437_with_the_same_id);
	tcase_add_test(tc, rdv_client_outlives_an_unreachable_server);
	tcase_add_test(tc, rdv_client_fails_over_to_the_next_server);
	tcase_add_test(tc, rdv_client_ignores_forgeries);
	tcase_add_test(tc, rdv_client_init_refuses_bad_config);
	tcase_add_test(tc, rdv_client_sends_its_nat_essentials);
	tcase_add_test(tc, rdv_client_leaves_after_a_reregister);
	suite_add_tcase(s, tc);
	return (s);
}

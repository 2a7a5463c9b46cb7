/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_rdv: the rendezvous codec (round trips of every message, bounded
 * parsing of hostile values, integrity and fingerprint required, every
 * truncation and bit flip refused) and the client machine on a fake clock.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/rdv.h"
#include "suites.h"

static const uint8_t room_a[16] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};
static const uint8_t room_b[16] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xee
};
static const uint8_t tid_a[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
};

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

static void
base(struct stun_rdv_msg *q, uint16_t method, uint8_t cls)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->cls = cls;
	memcpy(q->tid, tid_a, STUN_TID_LEN);
	memcpy(q->room, room_a, sizeof(room_a));
	q->roomlen = sizeof(room_a);
}

static void
register_req(struct stun_rdv_msg *q)
{
	base(q, STUN_RDV_REGISTER, STUN_CLASS_REQUEST);
	q->flags = STUN_RDV_F_NAME | STUN_RDV_F_CANDS | STUN_RDV_F_NONCE |
	    STUN_RDV_F_ECHO;
	strcpy(q->name, "alice");
	q->ncand = 2;
	q->cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&q->cand[0].addr, 192, 168, 1, 20, 40000);
	q->cand[1].kind = STUN_RDV_CAND_HOST;
	addr6(&q->cand[1].addr, 0x20, 40001);
	memset(q->nonce, 0xa5, sizeof(q->nonce));
	q->echo = 0x0102030405060708ULL;
	q->hold = 250;
}

/* Build q, decode it back into out; returns stun_rdv_decode's answer. */
static int
round_trip(const struct stun_rdv_msg *q, uint8_t *buf, size_t cap,
    size_t *len, struct stun_rdv_msg *out)
{
	struct stun_msg	m;
	int		n;

	n = stun_rdv_build(q, buf, cap);
	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	ck_assert_int_eq(stun_msg_decode(&m, buf, *len), 0);
	return (stun_rdv_decode(&m, out));
}

START_TEST(rdv_key_depends_on_room_only)
{
	uint8_t	k1[STUN_RDV_KEY_LEN], k2[STUN_RDV_KEY_LEN];
	uint8_t	k3[STUN_RDV_KEY_LEN], big[33];

	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), k1), 0);
	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), k2), 0);
	ck_assert_int_eq(stun_rdv_key(room_b, sizeof(room_b), k3), 0);
	ck_assert_mem_eq(k1, k2, sizeof(k1));
	ck_assert(memcmp(k1, k3, sizeof(k1)) != 0);
	memset(big, 1, sizeof(big));
	ck_assert_int_eq(stun_rdv_key(room_a, 7, k1), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_rdv_key(big, 33, k1), STUN_ERR_INVALID);
	/* The message types doc/rendezvous.md lists. */
	ck_assert_uint_eq(stun_msg_type(STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST), 0x02A0);
	ck_assert_uint_eq(stun_msg_type(STUN_RDV_REGISTER,
	    STUN_CLASS_ERROR), 0x03B0);
	ck_assert_uint_eq(stun_msg_type(STUN_RDV_GO,
	    STUN_CLASS_INDICATION), 0x02B4);
}
END_TEST

START_TEST(rdv_register_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len, i;

	register_req(&q);
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_int_eq(o.method, STUN_RDV_REGISTER);
	ck_assert_int_eq(o.cls, STUN_CLASS_REQUEST);
	ck_assert_uint_eq(o.flags, q.flags);
	ck_assert_mem_eq(o.tid, tid_a, STUN_TID_LEN);
	ck_assert_uint_eq(o.roomlen, sizeof(room_a));
	ck_assert_mem_eq(o.room, room_a, sizeof(room_a));
	ck_assert_str_eq(o.name, "alice");
	ck_assert_uint_eq(o.ncand, 2);
	ck_assert_int_eq(o.cand[0].kind, STUN_RDV_CAND_HOST);
	ck_assert(stun_addr_equal(&o.cand[0].addr, &q.cand[0].addr));
	ck_assert(stun_addr_equal(&o.cand[1].addr, &q.cand[1].addr));
	ck_assert_mem_eq(o.nonce, q.nonce, STUN_RDV_NONCE_LEN);
	ck_assert(o.echo == q.echo);
	ck_assert_uint_eq(o.hold, 250);
	/* The host address is XORed on the wire (no ALG rewrites it). */
	for (i = 0; i + 4 <= len; i++)
		ck_assert(memcmp(buf + i, q.cand[0].addr.ip, 4) != 0);
}
END_TEST

START_TEST(rdv_response_with_members_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;
	unsigned		i, j;

	base(&q, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	q.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID | STUN_RDV_F_EPOCH |
	    STUN_RDV_F_INTERVAL | STUN_RDV_F_ECHO | STUN_RDV_F_MEMBERS;
	addr4(&q.mapped, 203, 0, 113, 7, 50000);
	q.member_id = 42;
	q.epoch = 7;
	q.interval = 10000;
	q.echo = 1234;
	/* The largest list: every member with every candidate, IPv6. */
	q.nmembers = STUN_RDV_MAX_MEMBERS - 1;
	for (i = 0; i < q.nmembers; i++) {
		q.members[i].id = 100 + i;
		memset(q.members[i].name, 'a' + (int)i, STUN_RDV_NAME_MAX);
		q.members[i].ncand = STUN_RDV_MEMBER_CANDS;
		for (j = 0; j < STUN_RDV_MEMBER_CANDS; j++) {
			q.members[i].cand[j].kind = STUN_RDV_CAND_SRFLX;
			addr6(&q.members[i].cand[j].addr, (uint8_t)j,
			    (uint16_t)(1000 + j));
		}
	}
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_uint_le(len, STUN_RDV_MSG_MAX);
	ck_assert(stun_addr_equal(&o.mapped, &q.mapped));
	ck_assert_uint_eq(o.member_id, 42);
	ck_assert_uint_eq(o.epoch, 7);
	ck_assert_uint_eq(o.interval, 10000);
	ck_assert_uint_eq(o.nmembers, q.nmembers);
	for (i = 0; i < q.nmembers; i++) {
		ck_assert_uint_eq(o.members[i].id, 100 + i);
		ck_assert_str_eq(o.members[i].name, q.members[i].name);
		ck_assert_uint_eq(o.members[i].ncand, STUN_RDV_MEMBER_CANDS);
		for (j = 0; j < STUN_RDV_MEMBER_CANDS; j++)
			ck_assert(stun_addr_equal(&o.members[i].cand[j].addr,
			    &q.members[i].cand[j].addr));
	}
}
END_TEST

START_TEST(rdv_indications_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;

	base(&q, STUN_RDV_GO, STUN_CLASS_INDICATION);
	q.flags = STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY;
	q.peer_id = 9;
	q.delay = 130;
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_uint_eq(o.peer_id, 9);
	ck_assert_uint_eq(o.delay, 130);

	base(&q, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	q.flags = STUN_RDV_F_EVENT | STUN_RDV_F_EPOCH;
	q.event = STUN_RDV_EV_LEAVE;
	q.event_member = 77;
	q.epoch = 0xffffffffU;
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_int_eq(o.event, STUN_RDV_EV_LEAVE);
	ck_assert_uint_eq(o.event_member, 77);
	ck_assert_uint_eq(o.epoch, 0xffffffffU);
	ck_assert_uint_eq(o.nmembers, 0);

	base(&q, STUN_RDV_KEEPALIVE, STUN_CLASS_ERROR);
	q.flags = STUN_RDV_F_ERROR;
	q.error = STUN_RDV_ERR_UNKNOWN;
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_int_eq(o.error, 437);
}
END_TEST

START_TEST(rdv_build_refuses_bad_fields)
{
	struct stun_rdv_msg	q;
	uint8_t			buf[STUN_RDV_MSG_MAX];

	register_req(&q);
	strcpy(q.name, "bad\nname");
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	register_req(&q);
	q.name[0] = '\0';
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	register_req(&q);
	q.cand[1].kind = 9;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	register_req(&q);
	q.ncand = STUN_RDV_MAX_CANDS + 1;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	register_req(&q);
	q.roomlen = 4;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	register_req(&q);
	ck_assert_int_eq(stun_rdv_build(&q, buf, 60), STUN_ERR_NOSPACE);
	base(&q, STUN_RDV_GO, STUN_CLASS_INDICATION);
	q.flags = STUN_RDV_F_DELAY;
	q.delay = STUN_RDV_DELAY_MAX + 1;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
}
END_TEST

/* The largest Register success, with a credential at its limits, fits. */
START_TEST(rdv_relay_credential_round_trip)
{
	struct stun_rdv_msg	q, o;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;
	unsigned		i, j;

	base(&q, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	q.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID | STUN_RDV_F_EPOCH |
	    STUN_RDV_F_INTERVAL | STUN_RDV_F_ECHO | STUN_RDV_F_MEMBERS |
	    STUN_RDV_F_RELAY;
	addr6(&q.mapped, 9, 50000);
	q.member_id = 42;
	q.nmembers = STUN_RDV_MAX_MEMBERS - 1;
	for (i = 0; i < q.nmembers; i++) {
		q.members[i].id = 100 + i;
		memset(q.members[i].name, 'a' + (int)i, STUN_RDV_NAME_MAX);
		q.members[i].ncand = STUN_RDV_MEMBER_CANDS;
		for (j = 0; j < STUN_RDV_MEMBER_CANDS; j++) {
			q.members[i].cand[j].kind = STUN_RDV_CAND_RELAY;
			addr6(&q.members[i].cand[j].addr, (uint8_t)j,
			    (uint16_t)(1000 + j));
		}
	}
	memset(q.relay_user, 'u', STUN_RDV_RELAY_USER_MAX);
	memset(q.relay_pass, 'p', STUN_RDV_RELAY_PASS_MAX);
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert_uint_le(len, STUN_RDV_MSG_MAX);
	ck_assert_uint_eq(len, 3712);	/* the figure rdv.h gives */
	ck_assert_uint_eq(o.flags, q.flags);
	ck_assert_str_eq(o.relay_user, q.relay_user);
	ck_assert_str_eq(o.relay_pass, q.relay_pass);
	ck_assert_uint_eq(o.nmembers, q.nmembers);

	/* A REST credential as stund hands it out. */
	q.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID | STUN_RDV_F_EPOCH |
	    STUN_RDV_F_RELAY;
	q.nmembers = 0;
	memset(q.relay_user, 0, sizeof(q.relay_user));
	memset(q.relay_pass, 0, sizeof(q.relay_pass));
	strcpy(q.relay_user, "1795000000:rdv-42");
	strcpy(q.relay_pass, "y0bT7Jq1vXyqJ8jRcWQH0cO0mBI=");
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert(o.flags & STUN_RDV_F_RELAY);
	ck_assert_str_eq(o.relay_user, "1795000000:rdv-42");
	ck_assert_str_eq(o.relay_pass, "y0bT7Jq1vXyqJ8jRcWQH0cO0mBI=");

	/* Without the flag neither attribute is sent, and "" comes back. */
	q.flags &= ~STUN_RDV_F_RELAY;
	ck_assert_int_eq(round_trip(&q, buf, sizeof(buf), &len, &o), 0);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	ck_assert_str_eq(o.relay_user, "");
	ck_assert_str_eq(o.relay_pass, "");
}
END_TEST

START_TEST(rdv_build_refuses_bad_relay_credential)
{
	struct stun_rdv_msg	q;
	uint8_t			buf[STUN_RDV_MSG_MAX];

	base(&q, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	q.flags = STUN_RDV_F_RELAY;
	strcpy(q.relay_user, "1:rdv-1");
	strcpy(q.relay_pass, "pw");
	ck_assert_int_gt(stun_rdv_build(&q, buf, sizeof(buf)), 0);
	/* Register success only. */
	q.cls = STUN_CLASS_REQUEST;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	q.cls = STUN_CLASS_SUCCESS;
	q.method = STUN_RDV_KEEPALIVE;
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	q.method = STUN_RDV_REGISTER;
	/* Both, never empty, no control characters. */
	q.relay_pass[0] = '\0';
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	strcpy(q.relay_pass, "pw");
	q.relay_user[0] = '\0';
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
	strcpy(q.relay_user, "1:rdv\n1");
	ck_assert_int_eq(stun_rdv_build(&q, buf, sizeof(buf)),
	    STUN_ERR_INVALID);
}
END_TEST

/*
 * A message with the given raw attribute, correctly keyed and
 * fingerprinted, so only the value's own checks can refuse it.
 */
static int
decode_raw(uint16_t method, uint8_t cls, uint16_t type, const void *val,
    size_t vlen, int mi, const uint8_t *room, size_t roomlen)
{
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct stun_rdv_msg	 o;
	uint8_t			 buf[1024], key[STUN_RDV_KEY_LEN];
	int			 n;

	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), key), 0);
	stun_build_init(&b, buf, sizeof(buf), method, cls, tid_a);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room, roomlen);
	if (type != 0)
		stun_build_attr(&b, type, val, vlen);
	if (mi)
		stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	return (stun_rdv_decode(&m, &o));
}

#define RAW(t, v, l) decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST, \
	(t), (v), (l), 1, room_a, sizeof(room_a))

START_TEST(rdv_decode_refuses_bad_values)
{
	static const uint8_t	cand_kind[] = { 9, 1, 0, 0, 1, 2, 3, 4 };
	static const uint8_t	cand_fam[] = { 1, 3, 0, 0, 1, 2, 3, 4 };
	static const uint8_t	cand_short[] = { 1, 1, 0, 0, 1, 2, 3 };
	static const uint8_t	ev_bad[] = { 9, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t	ev_rsv[] = { 1, 1, 0, 0, 0, 0, 0, 1 };
	/* id 1, name "ab", claims 2 candidates, carries 1. */
	static const uint8_t	mem_count[] = {
		0, 0, 0, 1, 2, 2, 0, 0, 'a', 'b', 0, 0,
		1, 1, 0, 0, 1, 2, 3, 4
	};
	/* Name length 40 > 32. */
	static const uint8_t	mem_name[] = {
		0, 0, 0, 1, 40, 0, 0, 0, 'a', 'b', 0, 0
	};
	uint8_t			cands[9 * 8], big[64];
	unsigned		i;

	ck_assert_int_eq(RAW(STUN_RDV_ATTR_CANDS, cand_kind,
	    sizeof(cand_kind)), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_CANDS, cand_fam,
	    sizeof(cand_fam)), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_CANDS, cand_short,
	    sizeof(cand_short)), STUN_ERR_BAD_ATTR);
	/* Nine candidates: one more than a client may send. */
	for (i = 0; i < 9; i++) {
		memcpy(cands + 8 * i, cand_kind, 8);
		cands[8 * i] = STUN_RDV_CAND_HOST;
	}
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_CANDS, cands, 8 * 8), 0);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_CANDS, cands, 9 * 8),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_NAME, "x\x01y", 3),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_NAME, "\xff\xfe", 2),
	    STUN_ERR_BAD_ATTR);
	memset(big, 'n', sizeof(big));
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_NAME, big, 33), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_NAME, big, 32), 0);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_NONCE, big, 15), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_MEMBER_ID, big, 3),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_EVENT, ev_bad, 8),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_EVENT, ev_rsv, 8),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_MEMBER, mem_count,
	    sizeof(mem_count)), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_MEMBER, mem_name,
	    sizeof(mem_name)), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RAW(STUN_RDV_ATTR_MEMBER, mem_count, 12),
	    STUN_ERR_BAD_ATTR);
	/* Room ids outside 8..32 bytes. */
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST, 0,
	    NULL, 0, 1, room_a, 7), STUN_ERR_BAD_ATTR);
	/* Requests must not come as indications and vice versa. */
	ck_assert_int_eq(decode_raw(STUN_RDV_GO, STUN_CLASS_REQUEST, 0, NULL,
	    0, 1, room_a, sizeof(room_a)), STUN_ERR_INVALID);
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_INDICATION,
	    0, NULL, 0, 1, room_a, sizeof(room_a)), STUN_ERR_INVALID);
}
END_TEST

/* A keyed message with RDV-RELAY-USER u and RDV-RELAY-PASS p (NULL: none). */
static int
decode_relay(uint16_t method, uint8_t cls, const char *u, size_t ulen,
    const char *p, size_t plen, struct stun_rdv_msg *o)
{
	struct stun_builder	 b;
	struct stun_msg		 m;
	uint8_t			 buf[1024], key[STUN_RDV_KEY_LEN];
	int			 n;

	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), key), 0);
	stun_build_init(&b, buf, sizeof(buf), method, cls, tid_a);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room_a, sizeof(room_a));
	if (u != NULL)
		stun_build_attr(&b, STUN_RDV_ATTR_RELAY_USER, u, ulen);
	if (p != NULL)
		stun_build_attr(&b, STUN_RDV_ATTR_RELAY_PASS, p, plen);
	stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	return (stun_rdv_decode(&m, o));
}

#define RELAY(u, ul, p, pl) decode_relay(STUN_RDV_REGISTER, \
	STUN_CLASS_SUCCESS, (u), (ul), (p), (pl), &o)

START_TEST(rdv_decode_relay_credential_bounds)
{
	struct stun_rdv_msg	o;
	char			big[STUN_RDV_RELAY_USER_MAX + 2];

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(RELAY("1:rdv-7", 7, "pw", 2), 0);
	ck_assert(o.flags & STUN_RDV_F_RELAY);
	ck_assert_str_eq(o.relay_user, "1:rdv-7");
	ck_assert_str_eq(o.relay_pass, "pw");
	/* At the limits, and one byte over them. */
	ck_assert_int_eq(RELAY(big, STUN_RDV_RELAY_USER_MAX, big,
	    STUN_RDV_RELAY_PASS_MAX), 0);
	ck_assert_uint_eq(strlen(o.relay_user), STUN_RDV_RELAY_USER_MAX);
	ck_assert_uint_eq(strlen(o.relay_pass), STUN_RDV_RELAY_PASS_MAX);
	ck_assert_int_eq(RELAY(big, STUN_RDV_RELAY_USER_MAX + 1, "pw", 2),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY("u", 1, big, STUN_RDV_RELAY_PASS_MAX + 1),
	    STUN_ERR_BAD_ATTR);
	/* One without the other. */
	ck_assert_int_eq(RELAY("1:rdv-7", 7, NULL, 0), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY(NULL, 0, "pw", 2), STUN_ERR_BAD_ATTR);
	ck_assert_str_eq(o.relay_user, "");
	/* Empty, a NUL, a control character, bad UTF-8. */
	ck_assert_int_eq(RELAY("", 0, "pw", 2), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY("u", 1, "", 0), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY("a\0b", 3, "pw", 2), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY("u", 1, "p\r", 2), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(RELAY("\xc3(", 2, "pw", 2), STUN_ERR_BAD_ATTR);
	/* Anywhere but in a Register success. */
	ck_assert_int_eq(decode_relay(STUN_RDV_REGISTER, STUN_CLASS_REQUEST,
	    "u", 1, "p", 1, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_relay(STUN_RDV_REGISTER, STUN_CLASS_ERROR,
	    "u", 1, "p", 1, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_relay(STUN_RDV_KEEPALIVE, STUN_CLASS_SUCCESS,
	    "u", 1, "p", 1, &o), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(decode_relay(STUN_RDV_MEMBERS,
	    STUN_CLASS_INDICATION, "u", 1, "p", 1, &o), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(rdv_integrity_is_required)
{
	/* No MESSAGE-INTEGRITY-SHA256 at all. */
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST, 0,
	    NULL, 0, 0, room_a, sizeof(room_a)), STUN_ERR_NOT_FOUND);
	/* Keyed by room_a but naming room_b: a third party's guess. */
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST, 0,
	    NULL, 0, 1, room_b, sizeof(room_b)), STUN_ERR_INTEGRITY);
	/* The right key is accepted. */
	ck_assert_int_eq(decode_raw(STUN_RDV_REGISTER, STUN_CLASS_REQUEST, 0,
	    NULL, 0, 1, room_a, sizeof(room_a)), 0);
}
END_TEST

START_TEST(rdv_fingerprint_is_required)
{
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct stun_rdv_msg	 o;
	uint8_t			 buf[256], key[STUN_RDV_KEY_LEN];
	int			 n;

	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), key), 0);
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid_a);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room_a, sizeof(room_a));
	stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, &o), STUN_ERR_NOT_FOUND);
	/* A Binding request is not ours. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid_a);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(stun_rdv_is_rdv(&m), 0);
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

	register_req(&q);
	n = stun_rdv_build(&q, mut_buf, sizeof(mut_buf));
	ck_assert_int_gt(n, 0);
	mut_len = (size_t)n;
	ck_assert_uint_lt(mut_len, 256);
}

/* Every truncation fails to decode or fails the rendezvous checks. */
START_TEST(rdv_every_truncation_refused)
{
	struct stun_msg		m;
	struct stun_rdv_msg	o;
	size_t			len = (size_t)_i;

	mut_setup();
	if (len >= mut_len)
		return;
	if (stun_msg_decode(&m, mut_buf, len) == 0)
		ck_assert_int_ne(stun_rdv_decode(&m, &o), 0);
}
END_TEST

/* Every single bit flip is refused (one test per byte, 8 flips each). */
START_TEST(rdv_every_bit_flip_refused)
{
	struct stun_msg		m;
	struct stun_rdv_msg	o;
	uint8_t			b[STUN_RDV_MSG_MAX];
	int			bit;

	mut_setup();
	if ((size_t)_i >= mut_len)
		return;
	for (bit = 0; bit < 8; bit++) {
		memcpy(b, mut_buf, mut_len);
		b[_i] ^= (uint8_t)(1 << bit);
		if (stun_msg_decode(&m, b, mut_len) == 0)
			ck_assert_int_ne(stun_rdv_decode(&m, &o), 0);
	}
}
END_TEST

/* The client machine. */

static uint8_t	rnd_ctr;

static int
fake_rnd(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	while (len-- > 0)
		*buf++ = rnd_ctr++;
	return (0);
}

static struct stun_addr	srv;

static void
client_setup(struct stun_rdv_client *rc)
{
	struct stun_rdv_config	c;

	rnd_ctr = 0;
	memset(&c, 0, sizeof(c));
	addr4(&srv, 127, 0, 0, 1, 3478);
	c.server = srv;
	memcpy(c.room, room_a, sizeof(room_a));
	c.roomlen = sizeof(room_a);
	strcpy(c.name, "bob");
	c.ncand = 1;
	c.cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&c.cand[0].addr, 10, 0, 0, 2, 5000);
	c.rnd = fake_rnd;
	ck_assert_int_eq(stun_rdv_client_init(rc, &c), 0);
}

/* The next action must be a SEND; decode what it carries. */
static void
expect_send(struct stun_rdv_client *rc, uint16_t method,
    struct stun_rdv_msg *q)
{
	struct stun_rdv_action	a;
	struct stun_msg		m;

	stun_rdv_client_next(rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_SEND);
	ck_assert(stun_addr_equal(&a.to, &srv));
	ck_assert_int_eq(stun_msg_decode(&m, a.buf, a.len), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, q), 0);
	ck_assert_int_eq(q->method, method);
	ck_assert_int_eq(q->cls, STUN_CLASS_REQUEST);
}

static void
feed(struct stun_rdv_client *rc, const struct stun_rdv_msg *q, uint64_t now)
{
	uint8_t	buf[STUN_RDV_MSG_MAX];
	int	n;

	n = stun_rdv_build(q, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_rdv_client_input(rc, &srv, buf, (size_t)n,
	    now), 0);
}

static void
answer_register(struct stun_rdv_client *rc, const struct stun_rdv_msg *req,
    uint32_t epoch, uint64_t now)
{
	struct stun_rdv_msg	r;

	base(&r, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	memcpy(r.tid, req->tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID |
	    STUN_RDV_F_EPOCH | STUN_RDV_F_ECHO | STUN_RDV_F_MEMBERS;
	addr4(&r.mapped, 203, 0, 113, 9, 61000);
	r.member_id = 5;
	r.epoch = epoch;
	r.echo = 900;
	r.nmembers = 1;
	r.members[0].id = 4;
	strcpy(r.members[0].name, "alice");
	r.members[0].ncand = 1;
	r.members[0].cand[0].kind = STUN_RDV_CAND_SRFLX;
	addr4(&r.members[0].cand[0].addr, 198, 51, 100, 4, 7000);
	feed(rc, &r, now);
}

START_TEST(rdv_client_registers_and_retransmits)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q;
	struct stun_rdv_action	a;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 1000), 0);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 1000), STUN_ERR_STATE);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_str_eq(q.name, "bob");
	ck_assert_uint_eq(q.ncand, 1);
	ck_assert(q.flags & STUN_RDV_F_NONCE);
	ck_assert(!(q.flags & STUN_RDV_F_ECHO));
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	ck_assert(a.wake == 1500);
	stun_rdv_client_timer(&rc, 1499);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	stun_rdv_client_timer(&rc, 1500);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	stun_rdv_client_next(&rc, &a);
	ck_assert(a.wake == 2500);
}
END_TEST

START_TEST(rdv_client_gives_up_after_txn_timeout)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_action	a;
	unsigned		i;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	for (i = 0; i < 20; i++) {
		stun_rdv_client_next(&rc, &a);
		if (a.kind == STUN_RDV_A_SEND)
			continue;
		if (a.kind != STUN_RDV_A_WAIT)
			break;
		stun_rdv_client_timer(&rc, a.wake);
	}
	ck_assert_int_eq(a.kind, STUN_RDV_A_FAILED);
	ck_assert_int_eq(a.err, STUN_ERR_TIMEOUT);
	/* RFC 8489 6.2.1: 500 ms, 7 sends, 16 RTO at the end = 39.5 s. */
	ck_assert(rc.txn.next == 0);
	ck_assert_int_eq(rc.state, STUN_RDV_S_FAILED);
}
END_TEST

START_TEST(rdv_client_joins_probes_rtt_and_keeps_alive)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, r;
	struct stun_rdv_action	a;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 3, 40);
	/* The RTT probe leaves at once, echoing the token held 0 ms. */
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	ck_assert(q.flags & STUN_RDV_F_ECHO);
	ck_assert(q.echo == 900);
	ck_assert_uint_eq(q.hold, 0);
	ck_assert_uint_eq(q.member_id, 5);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	ck_assert_uint_eq(a.member_id, 5);
	ck_assert_uint_eq(a.mapped.port, 61000);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(a.nmembers, 1);
	ck_assert_str_eq(a.members[0].name, "alice");
	ck_assert_uint_eq(a.members[0].cand[0].addr.port, 7000);

	/* Keepalive answered, same epoch: next one 10 s later. */
	base(&r, STUN_RDV_KEEPALIVE, STUN_CLASS_SUCCESS);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_EPOCH | STUN_RDV_F_ECHO;
	r.epoch = 3;
	r.echo = 2000;
	feed(&rc, &r, 80);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	ck_assert(a.wake == 80 + 10000);
	stun_rdv_client_timer(&rc, 10080);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	ck_assert(q.echo == 2000);
	ck_assert_uint_eq(q.hold, 10000);

	/* A changed epoch in the answer makes the client register again. */
	base(&r, STUN_RDV_KEEPALIVE, STUN_CLASS_SUCCESS);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_EPOCH;
	r.epoch = 4;
	feed(&rc, &r, 10100);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
}
END_TEST

START_TEST(rdv_client_handles_indications)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, r;
	struct stun_rdv_action	a;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	struct stun_addr	other;
	int			n;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 3, 40);
	while (stun_rdv_client_next(&rc, &a), a.kind != STUN_RDV_A_WAIT)
		;
	/* Go: punch at arrival + delay. */
	base(&r, STUN_RDV_GO, STUN_CLASS_INDICATION);
	r.flags = STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY;
	r.peer_id = 4;
	r.delay = 130;
	feed(&rc, &r, 500);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_GO);
	ck_assert_uint_eq(a.peer_id, 4);
	ck_assert(a.go_at == 630);

	/* Members: an older epoch is ignored, a newer one replaces. */
	base(&r, STUN_RDV_MEMBERS, STUN_CLASS_INDICATION);
	r.flags = STUN_RDV_F_EPOCH | STUN_RDV_F_EVENT;
	r.epoch = 2;
	r.event = STUN_RDV_EV_LEAVE;
	r.event_member = 4;
	feed(&rc, &r, 600);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	r.epoch = 4;
	feed(&rc, &r, 700);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	ck_assert_uint_eq(a.nmembers, 0);
	ck_assert_int_eq(a.event, STUN_RDV_EV_LEAVE);
	ck_assert_uint_eq(a.event_member, 4);

	/* From another address, or for another room: ignored. */
	r.epoch = 5;
	n = stun_rdv_build(&r, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	addr4(&other, 127, 0, 0, 2, 3478);
	stun_rdv_client_input(&rc, &other, buf, (size_t)n, 800);
	ck_assert_uint_eq(rc.ignored, 2);
	memcpy(r.room, room_b, sizeof(room_b));
	feed(&rc, &r, 800);
	ck_assert_uint_eq(rc.rejected, 1);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	ck_assert_uint_eq(rc.epoch, 4);
}
END_TEST

START_TEST(rdv_client_reregisters_when_forgotten_then_leaves)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, r;
	struct stun_rdv_action	a;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 3, 40);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	/* 437: the server timed us out. */
	base(&r, STUN_RDV_KEEPALIVE, STUN_CLASS_ERROR);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_ERROR;
	r.error = STUN_RDV_ERR_UNKNOWN;
	feed(&rc, &r, 60);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 9, 100);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	/* No second JOINED, but the list again. */
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);

	/* Leave while the probe is in flight: Leave replaces it. */
	ck_assert_int_eq(stun_rdv_client_leave(&rc, 200), 0);
	expect_send(&rc, STUN_RDV_LEAVE, &q);
	ck_assert_uint_eq(q.member_id, 5);
	base(&r, STUN_RDV_LEAVE, STUN_CLASS_SUCCESS);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	feed(&rc, &r, 240);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_DONE);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	ck_assert(a.wake == 0);
}
END_TEST

START_TEST(rdv_client_set_cands_registers_again)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, first;
	struct stun_rdv_action	a;
	struct stun_rdv_cand	c[2];

	client_setup(&rc);
	/* Before start: only stored. */
	memset(c, 0, sizeof(c));
	c[0].kind = STUN_RDV_CAND_HOST;
	addr4(&c[0].addr, 10, 0, 0, 2, 5000);
	ck_assert_int_eq(stun_rdv_client_set_cands(&rc, c, 1, 0), 0);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &first);
	ck_assert_uint_eq(first.ncand, 1);
	answer_register(&rc, &first, 3, 40);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);

	/* A relayed address later: Register again, same nonce, both. */
	c[1].kind = STUN_RDV_CAND_RELAY;
	addr4(&c[1].addr, 198, 51, 100, 10, 50001);
	ck_assert_int_eq(stun_rdv_client_set_cands(&rc, c, 2, 100), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	ck_assert_uint_eq(q.ncand, 2);
	ck_assert_int_eq(q.cand[1].kind, STUN_RDV_CAND_RELAY);
	ck_assert(stun_addr_equal(&q.cand[1].addr, &c[1].addr));
	ck_assert_int_eq(memcmp(q.nonce, first.nonce, sizeof(q.nonce)), 0);
	ck_assert_int_ne(memcmp(q.tid, first.tid, sizeof(q.tid)), 0);
	answer_register(&rc, &q, 4, 140);
	expect_send(&rc, STUN_RDV_KEEPALIVE, &q);
	/* No second JOINED; the new list. */
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);

	/* Refused: a bad candidate, too many, or after leaving. */
	c[1].kind = 9;
	ck_assert_int_eq(stun_rdv_client_set_cands(&rc, c, 2, 150),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_rdv_client_set_cands(&rc, c,
	    STUN_RDV_MAX_CANDS + 1, 150), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_rdv_client_leave(&rc, 200), 0);
	ck_assert_int_eq(stun_rdv_client_set_cands(&rc, c, 1, 210),
	    STUN_ERR_STATE);
}
END_TEST

START_TEST(rdv_client_register_refused)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, r;
	struct stun_rdv_action	a;

	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	base(&r, STUN_RDV_REGISTER, STUN_CLASS_ERROR);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_ERROR;
	r.error = STUN_RDV_ERR_FULL;
	/* A response with another transaction id is not ours. */
	r.tid[0] ^= 1;
	feed(&rc, &r, 10);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_WAIT);
	r.tid[0] ^= 1;
	feed(&rc, &r, 10);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_FAILED);
	ck_assert_int_eq(a.code, 508);
}
END_TEST

START_TEST(rdv_client_joined_carries_relay_credential)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_msg	q, r;
	struct stun_rdv_action	a;
	unsigned		i;

	/* Without a credential the strings are empty. */
	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	answer_register(&rc, &q, 3, 40);
	for (i = 0; i < 4; i++) {
		stun_rdv_client_next(&rc, &a);
		if (a.kind == STUN_RDV_A_JOINED)
			break;
	}
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	ck_assert_str_eq(a.relay_user, "");
	ck_assert_str_eq(a.relay_pass, "");

	/* With one, JOINED hands it over. */
	client_setup(&rc);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 0), 0);
	expect_send(&rc, STUN_RDV_REGISTER, &q);
	base(&r, STUN_RDV_REGISTER, STUN_CLASS_SUCCESS);
	memcpy(r.tid, q.tid, STUN_TID_LEN);
	r.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID |
	    STUN_RDV_F_EPOCH | STUN_RDV_F_RELAY;
	addr4(&r.mapped, 203, 0, 113, 9, 61000);
	r.member_id = 5;
	r.epoch = 1;
	strcpy(r.relay_user, "1795000000:rdv-5");
	strcpy(r.relay_pass, "c2VjcmV0");
	feed(&rc, &r, 40);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_JOINED);
	ck_assert_uint_eq(a.member_id, 5);
	ck_assert_str_eq(a.relay_user, "1795000000:rdv-5");
	ck_assert_str_eq(a.relay_pass, "c2VjcmV0");
	ck_assert_str_eq(rc.relay_user, "1795000000:rdv-5");
	/* Other actions carry none. */
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_MEMBERS);
	ck_assert_str_eq(a.relay_user, "");
}
END_TEST

START_TEST(rdv_client_init_refuses_bad_config)
{
	struct stun_rdv_client	rc;
	struct stun_rdv_config	c;

	memset(&c, 0, sizeof(c));
	addr4(&c.server, 127, 0, 0, 1, 3478);
	memcpy(c.room, room_a, sizeof(room_a));
	c.roomlen = sizeof(room_a);
	strcpy(c.name, "ok");
	c.rnd = fake_rnd;
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), 0);
	c.roomlen = 2;
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
	c.roomlen = sizeof(room_a);
	c.name[0] = '\0';
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
	strcpy(c.name, "ok");
	c.ncand = STUN_RDV_MAX_CANDS + 1;
	ck_assert_int_eq(stun_rdv_client_init(&rc, &c), STUN_ERR_INVALID);
}
END_TEST

Suite *
suite_rdv(void)
{
	Suite	*s = suite_create("rdv");
	TCase	*tc;

	tc = tcase_create("codec");
	tcase_add_test(tc, rdv_key_depends_on_room_only);
	tcase_add_test(tc, rdv_register_round_trip);
	tcase_add_test(tc, rdv_response_with_members_round_trip);
	tcase_add_test(tc, rdv_indications_round_trip);
	tcase_add_test(tc, rdv_build_refuses_bad_fields);
	tcase_add_test(tc, rdv_relay_credential_round_trip);
	tcase_add_test(tc, rdv_build_refuses_bad_relay_credential);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_test(tc, rdv_decode_refuses_bad_values);
	tcase_add_test(tc, rdv_decode_relay_credential_bounds);
	tcase_add_test(tc, rdv_integrity_is_required);
	tcase_add_test(tc, rdv_fingerprint_is_required);
	tcase_add_loop_test(tc, rdv_every_truncation_refused, 0, 256);
	tcase_add_loop_test(tc, rdv_every_bit_flip_refused, 0, 256);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_test(tc, rdv_client_registers_and_retransmits);
	tcase_add_test(tc, rdv_client_gives_up_after_txn_timeout);
	tcase_add_test(tc, rdv_client_joins_probes_rtt_and_keeps_alive);
	tcase_add_test(tc, rdv_client_handles_indications);
	tcase_add_test(tc, rdv_client_reregisters_when_forgotten_then_leaves);
	tcase_add_test(tc, rdv_client_register_refused);
	tcase_add_test(tc, rdv_client_set_cands_registers_again);
	tcase_add_test(tc, rdv_client_init_refuses_bad_config);
	tcase_add_test(tc, rdv_client_joined_carries_relay_credential);
	suite_add_tcase(s, tc);
	return (s);
}

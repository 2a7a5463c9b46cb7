/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_rooms: stund's room table on a fake clock: joins tell everyone
 * about everyone, leaves and timeouts, every cap with its counter, the
 * per-source rate limit, RTT and Go timing, and two client machines
 * meeting through the table over a simulated network with delays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"
#include "stund/auth.h"
#include "stund/rooms.h"

Suite	*suite_rooms(void);

static const uint8_t room_a[16] = {
	0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};
static const uint8_t room_b[16] = {
	0xbb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};

static struct rooms	 R;
static struct rooms_out	*out;
static uint8_t		 tidn;
static unsigned		 in_sock;	/* requests arrive on this */
static const struct rooms_relay *in_relay; /* relay credentials, or NULL */

static void
setup_cfg(const struct rooms_config *c)
{
	in_sock = 0;
	in_relay = NULL;
	ck_assert_int_eq(rooms_init(&R, c), 0);
	out = calloc(1, sizeof(*out));
	ck_assert_ptr_nonnull(out);
}

static void
setup(void)
{
	setup_cfg(NULL);
}

static void
teardown(void)
{
	rooms_free(&R);
	free(out);
}

static void
addr4(struct stun_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 198;
	a->ip[1] = 51;
	a->ip[2] = 100;
	a->ip[3] = last;
	a->port = port;
}

static void
req(struct stun_rdv_msg *q, uint16_t method, const uint8_t *room,
    uint8_t who)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->cls = STUN_CLASS_REQUEST;
	q->tid[0] = ++tidn;
	q->tid[11] = who;
	memcpy(q->room, room, 16);
	q->roomlen = 16;
	q->flags = STUN_RDV_F_NONCE;
	memset(q->nonce, who, sizeof(q->nonce));
}

/* Feed a decoded message from from on in_sock at now. */
static int
input_msg(const struct stun_msg *m, const struct stun_addr *from,
    uint64_t now)
{
	struct rooms_src	src;

	src.addr = *from;
	src.sock = in_sock;
	src.relay = in_relay;
	return (rooms_input(&R, m, &src, now, out));
}

/* Feed q from from at now; returns rooms_input()'s answer. */
static int
input(const struct stun_rdv_msg *q, const struct stun_addr *from,
    uint64_t now)
{
	struct stun_msg	m;
	static uint8_t	buf[STUN_RDV_MSG_MAX];
	int		n;

	n = stun_rdv_build(q, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	return (input_msg(&m, from, now));
}

/* Decode out->pkt[i]. */
static void
pkt(unsigned i, struct stun_rdv_msg *o)
{
	struct stun_msg	m;

	ck_assert_uint_lt(i, out->n);
	ck_assert_int_eq(stun_msg_decode(&m, out->pkt[i].buf,
	    out->pkt[i].len), 0);
	ck_assert_int_eq(stun_rdv_decode(&m, o), 0);
}

/* Register who (name "m<who>", one host candidate) from 198.51.100.who. */
static uint32_t
join(const uint8_t *room, uint8_t who, uint64_t now)
{
	struct stun_rdv_msg	q, o;
	struct stun_addr	from;

	req(&q, STUN_RDV_REGISTER, room, who);
	q.flags |= STUN_RDV_F_NAME | STUN_RDV_F_CANDS;
	q.name[0] = 'm';
	q.name[1] = (char)('0' + who % 10);
	q.ncand = 1;
	q.cand[0].kind = STUN_RDV_CAND_HOST;
	q.cand[0].addr.family = STUN_AF_INET;
	q.cand[0].addr.ip[0] = 10;
	q.cand[0].addr.ip[3] = who;
	q.cand[0].addr.port = 4000;
	addr4(&from, who, 50000);
	ck_assert_int_eq(input(&q, &from, now), 1);
	ck_assert_uint_ge(out->n, 1);
	pkt(0, &o);
	if (o.cls != STUN_CLASS_SUCCESS)
		return (0);
	ck_assert(stun_addr_equal(&out->pkt[0].to, &from));
	ck_assert(stun_addr_equal(&o.mapped, &from));
	ck_assert_mem_eq(o.tid, q.tid, STUN_TID_LEN);
	return (o.member_id);
}

static void
keepalive(const uint8_t *room, uint8_t who, uint32_t id, uint16_t port,
    uint64_t echo, uint32_t hold, uint64_t now)
{
	struct stun_rdv_msg	q;
	struct stun_addr	from;

	req(&q, STUN_RDV_KEEPALIVE, room, who);
	q.flags |= STUN_RDV_F_MEMBER_ID;
	q.member_id = id;
	if (hold != UINT32_MAX) {
		q.flags |= STUN_RDV_F_ECHO;
		q.echo = echo;
		q.hold = hold;
	}
	addr4(&from, who, port);
	ck_assert_int_eq(input(&q, &from, now), 1);
}

START_TEST(rooms_join_tells_everyone_about_everyone)
{
	struct stun_rdv_msg	o;
	uint32_t		a, b;

	a = join(room_a, 1, 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_uint_eq(o.nmembers, 0);
	ck_assert_uint_eq(o.interval, STUN_RDV_KEEPALIVE_MS);
	ck_assert(o.flags & STUN_RDV_F_ECHO);

	b = join(room_a, 2, 10);
	ck_assert_uint_ne(b, a);
	ck_assert_uint_eq(out->n, 2);
	/* The joiner's answer lists A: host candidate + the srflx seen. */
	pkt(0, &o);
	ck_assert_uint_eq(o.nmembers, 1);
	ck_assert_uint_eq(o.members[0].id, a);
	ck_assert_str_eq(o.members[0].name, "m1");
	ck_assert_uint_eq(o.members[0].ncand, 2);
	ck_assert_int_eq(o.members[0].cand[0].kind, STUN_RDV_CAND_HOST);
	ck_assert_int_eq(o.members[0].cand[1].kind, STUN_RDV_CAND_SRFLX);
	ck_assert_uint_eq(o.members[0].cand[1].addr.ip[3], 1);
	ck_assert_uint_eq(o.epoch, 2);
	/* A hears of B. */
	pkt(1, &o);
	ck_assert_int_eq(o.method, STUN_RDV_MEMBERS);
	ck_assert_int_eq(o.cls, STUN_CLASS_INDICATION);
	ck_assert_uint_eq(out->pkt[1].to.ip[3], 1);
	ck_assert_int_eq(o.event, STUN_RDV_EV_JOIN);
	ck_assert_uint_eq(o.event_member, b);
	ck_assert_uint_eq(o.nmembers, 1);
	ck_assert_uint_eq(o.members[0].id, b);
	ck_assert_uint_eq(o.epoch, 2);

	/* A third member: two indications, each listing the other two. */
	join(room_a, 3, 20);
	ck_assert_uint_eq(out->n, 3);
	pkt(1, &o);
	ck_assert_uint_eq(o.nmembers, 2);
	pkt(2, &o);
	ck_assert_uint_eq(o.nmembers, 2);
	/* Another room is another world. */
	join(room_b, 4, 30);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_uint_eq(o.nmembers, 0);
	ck_assert(R.m.rooms == 2);
	ck_assert(R.m.members == 4);
	ck_assert(R.m.joins == 4);
}
END_TEST

START_TEST(rooms_register_again_is_idempotent)
{
	struct stun_rdv_msg	o;
	uint32_t		a, a2;

	a = join(room_a, 1, 0);
	join(room_a, 2, 0);
	a2 = join(room_a, 1, 100);
	ck_assert_uint_eq(a2, a);
	/* Nothing changed: no indication, same epoch. */
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_uint_eq(o.epoch, 2);
	ck_assert(R.m.members == 2);
	ck_assert(R.m.rejoins == 1);
}
END_TEST

START_TEST(rooms_leave_tells_the_others)
{
	struct stun_rdv_msg	q, o;
	struct stun_addr	from;
	uint32_t		a, b;

	a = join(room_a, 1, 0);
	b = join(room_a, 2, 0);
	req(&q, STUN_RDV_LEAVE, room_a, 2);
	q.flags |= STUN_RDV_F_MEMBER_ID;
	q.member_id = b;
	/* A wrong nonce cannot make someone else leave. */
	q.nonce[0] ^= 1;
	addr4(&from, 2, 50000);
	ck_assert_int_eq(input(&q, &from, 50), 1);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_int_eq(o.error, STUN_RDV_ERR_UNKNOWN);
	q.nonce[0] ^= 1;
	ck_assert_int_eq(input(&q, &from, 60), 1);
	ck_assert_uint_eq(out->n, 2);
	pkt(0, &o);
	ck_assert_int_eq(o.cls, STUN_CLASS_SUCCESS);
	pkt(1, &o);
	ck_assert_int_eq(o.event, STUN_RDV_EV_LEAVE);
	ck_assert_uint_eq(o.event_member, b);
	ck_assert_uint_eq(o.nmembers, 0);
	ck_assert_uint_eq(out->pkt[1].to.ip[3], 1);
	ck_assert(R.m.leaves == 1 && R.m.members == 1);
	/* B had the top slot: scans now stop after A's. */
	ck_assert_uint_eq(R.mem_hi, 1);
	ck_assert_uint_eq(R.room_hi, 1);
	/* The last one out closes the room. */
	req(&q, STUN_RDV_LEAVE, room_a, 1);
	q.flags |= STUN_RDV_F_MEMBER_ID;
	q.member_id = a;
	addr4(&from, 1, 50000);
	ck_assert_int_eq(input(&q, &from, 70), 1);
	ck_assert_uint_eq(out->n, 1);
	ck_assert(R.m.rooms == 0 && R.m.members == 0);
	ck_assert_uint_eq(R.mem_hi, 0);
	ck_assert_uint_eq(R.room_hi, 0);
}
END_TEST

START_TEST(rooms_keepalive_timeout_removes_member)
{
	struct stun_rdv_msg	o;
	uint32_t		a, b;

	a = join(room_a, 1, 0);
	b = join(room_a, 2, 1000);
	ck_assert_uint_eq(R.mem_hi, 2);
	ck_assert(rooms_next(&R) == STUN_RDV_TIMEOUT_MS);
	keepalive(room_a, 1, a, 50000, 0, UINT32_MAX, 20000);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_int_eq(o.cls, STUN_CLASS_SUCCESS);
	ck_assert(rooms_next(&R) == 1000 + STUN_RDV_TIMEOUT_MS);
	rooms_timer(&R, 30999, out);
	ck_assert_uint_eq(out->n, 0);
	rooms_timer(&R, 31000, out);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_int_eq(o.event, STUN_RDV_EV_TIMEOUT);
	ck_assert_uint_eq(o.event_member, b);
	ck_assert(R.m.timeouts == 1 && R.m.members == 1);
	/* B's keepalive now gets 437 and B must register again. */
	keepalive(room_a, 2, b, 50000, 0, UINT32_MAX, 31001);
	pkt(0, &o);
	ck_assert_int_eq(o.error, STUN_RDV_ERR_UNKNOWN);
	ck_assert(R.m.unknown_member == 1);
	rooms_timer(&R, 50000, out);
	ck_assert_uint_eq(out->n, 0);
	ck_assert(R.m.rooms == 0);
	ck_assert_uint_eq(R.mem_hi, 0);
	ck_assert(rooms_next(&R) == 0);
}
END_TEST

START_TEST(rooms_keepalive_from_new_address_is_a_move)
{
	struct stun_rdv_msg	o;
	uint32_t		a;

	a = join(room_a, 1, 0);
	join(room_a, 2, 0);
	keepalive(room_a, 1, a, 50001, 0, UINT32_MAX, 100);
	ck_assert_uint_eq(out->n, 2);
	pkt(0, &o);
	ck_assert_int_eq(o.event, STUN_RDV_EV_MOVE);
	ck_assert_uint_eq(o.members[0].ncand, 2);
	ck_assert_uint_eq(o.members[0].cand[1].addr.port, 50001);
	pkt(1, &o);
	ck_assert_uint_eq(o.mapped.port, 50001);
	ck_assert(R.m.moves == 1);
}
END_TEST

START_TEST(rooms_caps_refuse_with_508)
{
	struct rooms_config	c;
	struct stun_rdv_msg	o;

	memset(&c, 0, sizeof(c));
	c.max_rooms = 2;
	c.max_room_members = 2;
	c.max_members = 3;
	teardown();
	setup_cfg(&c);
	ck_assert_uint_ne(join(room_a, 1, 0), 0);
	ck_assert_uint_ne(join(room_a, 2, 0), 0);
	ck_assert_uint_eq(join(room_a, 3, 0), 0);
	pkt(0, &o);
	ck_assert_int_eq(o.error, STUN_RDV_ERR_FULL);
	ck_assert(R.m.refused_room_full == 1);
	ck_assert_uint_ne(join(room_b, 4, 0), 0);
	/* Total member cap. */
	ck_assert_uint_eq(join(room_b, 5, 0), 0);
	ck_assert(R.m.refused_members == 1);
	ck_assert(R.m.members == 3 && R.m.rooms == 2);
	rooms_free(&R);
	c.max_room_members = STUN_RDV_MAX_MEMBERS + 1;
	ck_assert_int_eq(rooms_init(&R, &c), -1);
	ck_assert_int_eq(rooms_init(&R, NULL), 0);
}
END_TEST

START_TEST(rooms_room_table_cap)
{
	struct rooms_config	c;
	static const uint8_t	room_c[16] = { 0xcc, 1 };

	memset(&c, 0, sizeof(c));
	c.max_rooms = 2;
	teardown();
	setup_cfg(&c);
	ck_assert_uint_ne(join(room_a, 1, 0), 0);
	ck_assert_uint_ne(join(room_b, 2, 0), 0);
	ck_assert_uint_eq(join(room_c, 3, 0), 0);
	ck_assert(R.m.refused_rooms == 1);
	ck_assert(R.m.members == 2);
}
END_TEST

START_TEST(rooms_register_rate_limited_per_source)
{
	struct rooms_config	c;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	c.rate_burst = 3;
	c.rate_ms = 1000;
	c.rate_slots = 2;
	teardown();
	setup_cfg(&c);
	for (i = 0; i < 3; i++)
		ck_assert_uint_ne(join(room_a, 1, 0), 0);
	/* The fourth Register from 198.51.100.1 is dropped unanswered. */
	{
		struct stun_rdv_msg	q;
		struct stun_addr	from;

		req(&q, STUN_RDV_REGISTER, room_a, 1);
		q.flags |= STUN_RDV_F_NAME;
		strcpy(q.name, "x");
		addr4(&from, 1, 50000);
		ck_assert_int_eq(input(&q, &from, 500), 1);
		ck_assert_uint_eq(out->n, 0);
		ck_assert(R.m.rate_limited == 1);
		/* One second later one more token. */
		ck_assert_int_eq(input(&q, &from, 1500), 1);
		ck_assert_uint_eq(out->n, 1);
	}
	/* Other sources are not affected; a third evicts the oldest. */
	ck_assert_uint_ne(join(room_a, 2, 2000), 0);
	ck_assert(R.m.rate_evictions == 0);
	ck_assert_uint_ne(join(room_a, 3, 2000), 0);
	ck_assert(R.m.rate_evictions == 1);
}
END_TEST

START_TEST(rooms_drop_what_is_not_verified)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct stun_addr	from;
	uint8_t			buf[256], key[STUN_RDV_KEY_LEN];
	static const uint8_t	tid[STUN_TID_LEN] = { 1 };
	int			n;

	addr4(&from, 9, 1);
	/* Keyed by room A, naming room B: an outsider's injection. */
	ck_assert_int_eq(stun_rdv_key(room_a, sizeof(room_a), key), 0);
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, room_b, sizeof(room_b));
	stun_build_integrity_sha256(&b, key, sizeof(key), 32);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(input_msg(&m, &from, 0), 1);
	ck_assert_uint_eq(out->n, 0);
	ck_assert(R.m.bad_integrity == 1);
	ck_assert(R.m.members == 0);
	/* A Binding request is not the table's business. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(rooms_is_rdv(&m), 0);
	ck_assert_int_eq(input_msg(&m, &from, 0), 0);
}
END_TEST

START_TEST(rooms_register_without_name_is_400)
{
	struct stun_rdv_msg	q, o;
	struct stun_addr	from;

	req(&q, STUN_RDV_REGISTER, room_a, 1);
	addr4(&from, 1, 50000);
	ck_assert_int_eq(input(&q, &from, 0), 1);
	ck_assert_uint_eq(out->n, 1);
	pkt(0, &o);
	ck_assert_int_eq(o.error, STUN_RDV_ERR_BAD);
	ck_assert(R.m.bad_request == 1);
}
END_TEST

START_TEST(rooms_go_times_both_punches_together)
{
	struct stun_rdv_msg	o;
	uint32_t		a, b;
	unsigned		i, seen = 0;

	a = join(room_a, 1, 0);
	/* A's token 0 comes back at 100 after 60 ms held: RTT 40. */
	keepalive(room_a, 1, a, 50000, 0, 60, 100);
	ck_assert_uint_eq(out->n, 1);
	b = join(room_a, 2, 200);
	/* B's token 200 back at 500 after 100 ms held: RTT 200. */
	keepalive(room_a, 2, b, 50000, 200, 100, 500);
	ck_assert(R.m.rtt_samples == 2);
	ck_assert_uint_eq(out->n, 3);
	for (i = 1; i < 3; i++) {
		pkt(i, &o);
		ck_assert_int_eq(o.method, STUN_RDV_GO);
		if (out->pkt[i].to.ip[3] == 2) {
			/* B: slowest, waits only the margin. */
			ck_assert_uint_eq(o.peer_id, a);
			ck_assert_uint_eq(o.delay, 50);
			seen |= 1;
		} else {
			/* A: (200 - 40) / 2 + 50. */
			ck_assert_uint_eq(o.peer_id, b);
			ck_assert_uint_eq(o.delay, 130);
			seen |= 2;
		}
	}
	ck_assert_uint_eq(seen, 3);
	ck_assert(R.m.gos == 2);
	/* Later samples do not repeat the Go. */
	keepalive(room_a, 2, b, 50000, 500, 9000, 9700);
	ck_assert_uint_eq(out->n, 1);
	/* A lying token (hold longer than the time passed) is ignored. */
	keepalive(room_a, 2, b, 50000, 9700, 50000, 9800);
	ck_assert(R.m.rtt_samples == 3);
}
END_TEST

/*
 * Two client machines and the table over a fake network: A is 10 ms from
 * the server, B 50 ms.  Both must learn of each other and their Go
 * moments must coincide.
 */
struct flight {
	uint64_t	 at;
	int		 to;		/* -1 server, else client index */
	struct stun_addr from;
	size_t		 len;
	uint8_t		 buf[STUN_RDV_MSG_MAX];
};

static uint8_t	rnd_ctr;

static int
fake_rnd(void *arg, uint8_t *p, size_t len)
{
	(void)arg;
	while (len-- > 0)
		*p++ = rnd_ctr++;
	return (0);
}

START_TEST(rooms_two_clients_meet_and_go_together)
{
	static struct flight	 q[64];
	static struct stun_rdv_client rc[2];
	struct stun_rdv_config	 c;
	struct stun_rdv_action	 a;
	struct stun_addr	 srv, me[2];
	struct stun_msg		 m;
	const uint32_t		 owd[2] = { 10, 50 };
	uint64_t		 now = 0, go_at[2] = { 0, 0 }, next;
	unsigned		 nq = 0, i, k, steps, joined = 0, heard = 0;
	int			 j;

	addr4(&srv, 250, 3478);
	for (j = 0; j < 2; j++) {
		memset(&c, 0, sizeof(c));
		c.server = srv;
		memcpy(c.room, room_a, sizeof(room_a));
		c.roomlen = sizeof(room_a);
		strcpy(c.name, j == 0 ? "alice" : "bob");
		c.rnd = fake_rnd;
		ck_assert_int_eq(stun_rdv_client_init(&rc[j], &c), 0);
		addr4(&me[j], (uint8_t)(1 + j), 40000);
		ck_assert_int_eq(stun_rdv_client_start(&rc[j], 0), 0);
	}
	for (steps = 0; steps < 200; steps++) {
		/* Drain every client's actions into the network. */
		for (j = 0; j < 2; j++) {
			for (k = 0; k < 32; k++) {
				stun_rdv_client_next(&rc[j], &a);
				if (a.kind == STUN_RDV_A_WAIT)
					break;
				if (a.kind == STUN_RDV_A_JOINED)
					joined |= 1U << j;
				if (a.kind == STUN_RDV_A_MEMBERS &&
				    a.nmembers == 1)
					heard |= 1U << j;
				if (a.kind == STUN_RDV_A_GO)
					go_at[j] = a.go_at;
				if (a.kind != STUN_RDV_A_SEND)
					continue;
				ck_assert_uint_lt(nq, 64);
				q[nq].at = now + owd[j];
				q[nq].to = -1;
				q[nq].from = me[j];
				q[nq].len = a.len;
				memcpy(q[nq].buf, a.buf, a.len);
				nq++;
			}
		}
		if (go_at[0] != 0 && go_at[1] != 0)
			break;
		/* Deliver the earliest flight. */
		if (nq == 0)
			break;
		for (i = 1, k = 0; i < nq; i++)
			if (q[i].at < q[k].at)
				k = i;
		next = q[k].at;
		if (next > now)
			now = next;
		if (q[k].to == -1) {
			ck_assert_int_eq(stun_msg_decode(&m, q[k].buf,
			    q[k].len), 0);
			ck_assert_int_eq(input_msg(&m, &q[k].from, now), 1);
			for (i = 0; i < out->n; i++) {
				j = out->pkt[i].to.ip[3] == 1 ? 0 : 1;
				ck_assert_uint_lt(nq, 64);
				q[nq].at = now + owd[j];
				q[nq].to = j;
				q[nq].from = srv;
				q[nq].len = out->pkt[i].len;
				memcpy(q[nq].buf, out->pkt[i].buf,
				    out->pkt[i].len);
				nq++;
			}
		} else
			stun_rdv_client_input(&rc[q[k].to], &srv, q[k].buf,
			    q[k].len, now);
		q[k] = q[--nq];
		for (j = 0; j < 2; j++)
			stun_rdv_client_timer(&rc[j], now);
	}
	ck_assert_uint_eq(joined, 3);
	ck_assert_uint_eq(heard, 3);
	ck_assert(go_at[0] != 0);
	ck_assert(go_at[0] == go_at[1]);
	ck_assert_uint_eq(rc[0].members[0].id, rc[1].member_id);
	ck_assert_uint_eq(rc[1].members[0].id, rc[0].member_id);
}
END_TEST

/*
 * Each member is answered and told from the local socket it registered
 * on: a port-restricted NAT drops datagrams from any other.
 */
START_TEST(rooms_member_keeps_its_local_socket)
{
	struct stun_rdv_msg	o;
	uint32_t		a, b;
	unsigned		i;

	in_sock = 2;
	a = join(room_a, 1, 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(out->pkt[0].sock, 2);
	in_sock = 1;
	b = join(room_a, 2, 10);
	ck_assert_uint_ne(b, 0);
	ck_assert_uint_eq(out->n, 2);
	ck_assert_uint_eq(out->pkt[0].sock, 1);	/* B's answer */
	ck_assert_uint_eq(out->pkt[1].to.ip[3], 1);
	ck_assert_uint_eq(out->pkt[1].sock, 2);	/* A told from A's */
	/* Go after RTT samples: each Go leaves from its member's socket. */
	in_sock = 2;
	keepalive(room_a, 1, a, 50000, 0, 0, 20);
	in_sock = 1;
	keepalive(room_a, 2, b, 50000, 10, 0, 30);
	for (i = 0; i < out->n; i++) {
		pkt(i, &o);
		if (out->pkt[i].to.ip[3] == 1)
			ck_assert_uint_eq(out->pkt[i].sock, 2);
		else
			ck_assert_uint_eq(out->pkt[i].sock, 1);
	}
	ck_assert_uint_ge(R.m.gos, 2);
	/* Errors go back where the request came from. */
	in_sock = 3;
	keepalive(room_b, 7, 99, 1, 0, UINT32_MAX, 40);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_uint_eq(out->pkt[0].sock, 3);
	/* The timeout tells B from B's socket. */
	in_sock = 1;
	keepalive(room_a, 2, b, 50000, 0, UINT32_MAX, 20000);
	rooms_timer(&R, 30020, out);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_uint_eq(out->pkt[0].to.ip[3], 2);
	ck_assert_uint_eq(out->pkt[0].sock, 1);
}
END_TEST

/* The credential in a Register success verifies under the secret. */
static void
check_cred(const struct stun_rdv_msg *o, const char *secret, int64_t expiry,
    uint32_t id)
{
	char	user[STUN_RDV_RELAY_USER_MAX + 1], pw[32];

	ck_assert(o->flags & STUN_RDV_F_RELAY);
	snprintf(user, sizeof(user), "%lld:rdv-%u", (long long)expiry,
	    (unsigned)id);
	ck_assert_str_eq(o->relay_user, user);
	ck_assert_int_eq(auth_rest_password((const uint8_t *)secret,
	    strlen(secret), user, pw, sizeof(pw)), 0);
	ck_assert_str_eq(o->relay_pass, pw);
}

START_TEST(rooms_register_hands_out_relay_credential)
{
	static const char	 s1[] = "north-wind", s2[] = "south-wind";
	struct rooms_relay	 rl;
	struct stun_rdv_msg	 o;
	uint32_t		 a, b;

	memset(&rl, 0, sizeof(rl));
	rl.secret = (const uint8_t *)s1;
	rl.secretlen = strlen(s1);
	rl.wall = 1700000000;
	in_relay = &rl;
	a = join(room_a, 1, 0);
	pkt(0, &o);
	check_cred(&o, s1, 1700000000 + 3600, a);
	ck_assert(R.m.relay_creds == 1);
	/* The Members indication to a does not carry b's credential. */
	rl.lifetime = 60;
	rl.wall = 1700000100;
	b = join(room_a, 2, 100);
	pkt(0, &o);
	check_cred(&o, s1, 1700000160, b);
	ck_assert_uint_eq(out->n, 2);
	pkt(1, &o);
	ck_assert_int_eq(o.method, STUN_RDV_MEMBERS);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	/* Keepalive answers carry none. */
	keepalive(room_a, 1, a, 50000, 0, UINT32_MAX, 200);
	pkt(0, &o);
	ck_assert_int_eq(o.cls, STUN_CLASS_SUCCESS);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	/* A new secret (SIGHUP) applies to the next Register. */
	rl.secret = (const uint8_t *)s2;
	rl.secretlen = strlen(s2);
	ck_assert_uint_eq(join(room_a, 1, 300), a);
	pkt(0, &o);
	check_cred(&o, s2, 1700000160, a);
	ck_assert(R.m.relay_creds == 3);
	ck_assert(R.m.relay_cred_errors == 0);
}
END_TEST

START_TEST(rooms_no_relay_credential_unless_configured)
{
	struct rooms_relay	 rl;
	struct stun_rdv_msg	 o;

	/* No relay at all. */
	ck_assert_uint_ne(join(room_a, 1, 0), 0);
	pkt(0, &o);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	ck_assert_str_eq(o.relay_user, "");
	/* A relay without a secret. */
	memset(&rl, 0, sizeof(rl));
	rl.wall = 1700000000;
	in_relay = &rl;
	ck_assert_uint_ne(join(room_a, 2, 0), 0);
	pkt(0, &o);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	/* A secret but no sane clock: none, and counted. */
	rl.secret = (const uint8_t *)"k";
	rl.secretlen = 1;
	rl.wall = 0;
	ck_assert_uint_ne(join(room_a, 3, 0), 0);
	pkt(0, &o);
	ck_assert(!(o.flags & STUN_RDV_F_RELAY));
	ck_assert(R.m.relay_creds == 0);
	ck_assert(R.m.relay_cred_errors == 1);
}
END_TEST

Suite *
suite_rooms(void)
{
	Suite	*s = suite_create("rooms");
	TCase	*tc;

	tc = tcase_create("membership");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_join_tells_everyone_about_everyone);
	tcase_add_test(tc, rooms_register_again_is_idempotent);
	tcase_add_test(tc, rooms_leave_tells_the_others);
	tcase_add_test(tc, rooms_keepalive_timeout_removes_member);
	tcase_add_test(tc, rooms_keepalive_from_new_address_is_a_move);
	tcase_add_test(tc, rooms_member_keeps_its_local_socket);
	tcase_add_test(tc, rooms_register_hands_out_relay_credential);
	tcase_add_test(tc, rooms_no_relay_credential_unless_configured);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_caps_refuse_with_508);
	tcase_add_test(tc, rooms_room_table_cap);
	tcase_add_test(tc, rooms_register_rate_limited_per_source);
	tcase_add_test(tc, rooms_drop_what_is_not_verified);
	tcase_add_test(tc, rooms_register_without_name_is_400);
	suite_add_tcase(s, tc);

	tc = tcase_create("go");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_go_times_both_punches_together);
	tcase_add_test(tc, rooms_two_clients_meet_and_go_together);
	suite_add_tcase(s, tc);
	return (s);
}

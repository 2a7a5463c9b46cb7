/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_hardnat: the hard-NAT planner on a fake clock.  Which plan each
 * pair of NAT essentials gets, the probe schedules of every plan and role
 * (how many, from which socket, to which ports, when), that every probe
 * goes to the peer's address and stops when one gets through, and the
 * wire form of the essentials.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/nat.h"
#include "libstun/hardnat.h"
#include "suites.h"

#define T0	1000

/* Essentials of the lab's NAT types. */
static const struct stun_hardnat_ess E_NONE = { 0, 0, 0, 0, 0 };
static const struct stun_hardnat_ess E_FULL = { STUN_NAT_EI, STUN_NAT_EI,
	STUN_NAT_PAT_PRESERVE, 0, 0 };
static const struct stun_hardnat_ess E_REST = { STUN_NAT_EI, STUN_NAT_AD,
	STUN_NAT_PAT_PRESERVE, 0, 0 };
static const struct stun_hardnat_ess E_PRC = { STUN_NAT_EI, STUN_NAT_APD,
	STUN_NAT_PAT_PRESERVE, 0, 0 };
static const struct stun_hardnat_ess E_PRC_UNK = { STUN_NAT_EI, 0,
	STUN_NAT_PAT_PRESERVE, 0, 0 };
static const struct stun_hardnat_ess E_SEQ = { STUN_NAT_APD, STUN_NAT_APD,
	STUN_NAT_PAT_SEQUENTIAL, 1, 0 };
static const struct stun_hardnat_ess E_PRES = { STUN_NAT_APD, STUN_NAT_APD,
	STUN_NAT_PAT_PRESERVE, 0, 40000 };
static const struct stun_hardnat_ess E_PRES0 = { STUN_NAT_APD, STUN_NAT_APD,
	STUN_NAT_PAT_PRESERVE, 0, 0 };
static const struct stun_hardnat_ess E_RAND = { STUN_NAT_APD, STUN_NAT_APD,
	STUN_NAT_PAT_RANDOM, 0, 0 };
static const struct stun_hardnat_ess E_ADM = { STUN_NAT_AD, STUN_NAT_APD,
	STUN_NAT_PAT_RANDOM, 0, 0 };

static const struct {
	const struct stun_hardnat_ess	*self, *peer;
	int				 kind, role;
	unsigned			 nsocks;
} plans[] = {
	{ &E_PRC, &E_PRC, STUN_HARDNAT_NONE, 0, 0 },
	{ &E_FULL, &E_PRC, STUN_HARDNAT_NONE, 0, 0 },
	{ &E_NONE, &E_RAND, STUN_HARDNAT_NONE, 0, 0 },
	{ &E_SEQ, &E_PRC, STUN_HARDNAT_PREDICT, STUN_HARDNAT_HARD, 0 },
	{ &E_PRC, &E_SEQ, STUN_HARDNAT_PREDICT, STUN_HARDNAT_EASY, 0 },
	{ &E_PRES, &E_PRC, STUN_HARDNAT_PREDICT, STUN_HARDNAT_HARD, 1 },
	{ &E_PRC, &E_PRES, STUN_HARDNAT_PREDICT, STUN_HARDNAT_EASY, 0 },
	/* Preserving, but no port announced: nothing to predict. */
	{ &E_PRES0, &E_PRC, STUN_HARDNAT_BIRTHDAY, STUN_HARDNAT_HARD, 256 },
	{ &E_RAND, &E_PRC, STUN_HARDNAT_BIRTHDAY, STUN_HARDNAT_HARD, 256 },
	{ &E_PRC, &E_RAND, STUN_HARDNAT_BIRTHDAY, STUN_HARDNAT_EASY, 0 },
	{ &E_PRC_UNK, &E_ADM, STUN_HARDNAT_BIRTHDAY, STUN_HARDNAT_EASY, 0 },
	/* Ordinary punching reaches a symmetric peer through these. */
	{ &E_RAND, &E_FULL, STUN_HARDNAT_NONE, 0, 0 },
	{ &E_REST, &E_RAND, STUN_HARDNAT_NONE, 0, 0 },
	/* Both hard: the relay at once, no birthday. */
	{ &E_RAND, &E_RAND, STUN_HARDNAT_RELAY, 0, 0 },
	{ &E_SEQ, &E_RAND, STUN_HARDNAT_RELAY, 0, 0 },
	{ &E_SEQ, &E_SEQ, STUN_HARDNAT_RELAY, 0, 0 },
	{ &E_PRES, &E_ADM, STUN_HARDNAT_RELAY, 0, 0 },
};

static struct stun_hardnat	 h;
static uint32_t			 rndstate;

struct sent {
	uint64_t	 at;
	unsigned	 sock;
	struct stun_addr to;
};
static struct sent	 sent[STUN_HARDNAT_MAX_PROBES + 1];
static unsigned		 nsent;
static uint64_t		 done_at;

static int
rnd(void *arg, uint8_t *buf, size_t len)
{
	uint32_t	*s = arg;
	size_t		 i;

	for (i = 0; i < len; i++) {
		*s = *s * 1103515245 + 12345;
		buf[i] = (uint8_t)(*s >> 16);
	}
	return (0);
}

static int
rnd_fail(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return (-1);
}

static struct stun_addr
addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct stun_addr	 x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_INET;
	x.ip[0] = a;
	x.ip[1] = b;
	x.ip[2] = c;
	x.ip[3] = d;
	x.port = port;
	return (x);
}

static void
config(struct stun_hardnat_config *c, const struct stun_hardnat_ess *self,
    const struct stun_hardnat_ess *peer)
{
	memset(c, 0, sizeof(*c));
	c->self = *self;
	c->peer = *peer;
	c->peer_addr = addr4(203, 0, 113, 3, 30015);
	c->rnd = rnd;
	c->rnd_arg = &rndstate;
	rndstate = 1;
}

/*
 * Run h from T0 until DONE (or until found_after sends, when non-zero),
 * recording every send; each step wakes exactly when asked.
 */
static void
run(unsigned nsocks, unsigned found_after)
{
	struct stun_hardnat_action	 a;
	uint64_t			 now = T0;
	unsigned			 steps = 0;
	struct stun_addr		 from;

	nsent = 0;
	done_at = 0;
	ck_assert_int_eq(stun_hardnat_start(&h, nsocks, now), 0);
	for (;;) {
		ck_assert_uint_lt(steps++, 10000);
		stun_hardnat_next(&h, now, &a);
		if (a.kind == STUN_HARDNAT_A_DONE) {
			done_at = now;
			return;
		}
		if (a.kind == STUN_HARDNAT_A_SEND) {
			ck_assert_uint_le(nsent, STUN_HARDNAT_MAX_PROBES);
			sent[nsent].at = now;
			sent[nsent].sock = a.sock;
			sent[nsent++].to = a.to;
			if (found_after != 0 && nsent == found_after) {
				from = a.to;
				ck_assert_int_eq(stun_hardnat_found(&h, a.sock,
				    &from, now + 20), 0);
				now += 20;
			}
			continue;
		}
		ck_assert_uint_gt(a.wake, now);
		ck_assert_uint_ne(a.wake, UINT64_MAX);
		now = a.wake;
	}
}

/* Every probe went to the peer's address, and nowhere else. */
static void
assert_only_peer(void)
{
	unsigned	 i;

	for (i = 0; i < nsent; i++) {
		ck_assert_int_eq(sent[i].to.family, STUN_AF_INET);
		ck_assert_mem_eq(sent[i].to.ip, h.c.peer_addr.ip, 4);
		ck_assert_uint_ne(sent[i].to.port, 0);
		if (i > 0)
			ck_assert_uint_ge(sent[i].at, sent[i - 1].at);
	}
}

START_TEST(hardnat_decide_table)
{
	struct stun_hardnat_plan	 p;

	stun_hardnat_decide(plans[_i].self, plans[_i].peer, 0, &p);
	ck_assert_msg(p.kind == plans[_i].kind, "case %d: plan %s, want %s",
	    _i, stun_hardnat_plan_name(p.kind),
	    stun_hardnat_plan_name(plans[_i].kind));
	ck_assert_int_eq(p.role, plans[_i].role);
	ck_assert_uint_eq(p.nsocks, plans[_i].nsocks);
}
END_TEST

START_TEST(hardnat_decide_caps_sockets)
{
	struct stun_hardnat_plan	 p;

	stun_hardnat_decide(&E_RAND, &E_PRC, 10, &p);
	ck_assert_uint_eq(p.nsocks, 10);
	stun_hardnat_decide(&E_RAND, &E_PRC, 100000, &p);
	ck_assert_uint_eq(p.nsocks, STUN_HARDNAT_MAX_SOCKS);
}
END_TEST

START_TEST(hardnat_predict_easy_probes_the_window)
{
	struct stun_hardnat_config	 c;
	unsigned			 i, count[16];

	config(&c, &E_PRC, &E_SEQ);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_int_eq(h.p.kind, STUN_HARDNAT_PREDICT);
	run(0, 0);
	/* 16 ports x 30 rounds, cut to the prediction's cap. */
	ck_assert_uint_eq(nsent, STUN_HARDNAT_MAX_PREDICT);
	ck_assert_uint_eq(h.probes, nsent);
	assert_only_peer();
	memset(count, 0, sizeof(count));
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_eq(sent[i].sock, 0);
		ck_assert_uint_ge(sent[i].to.port, 30016);
		ck_assert_uint_le(sent[i].to.port, 30031);
		count[sent[i].to.port - 30016]++;
	}
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(count[i], 16);
	/* Paced over three quarters of the 3 s, then over at 3 s. */
	ck_assert_uint_eq(sent[0].at, T0);
	ck_assert_uint_le(sent[nsent - 1].at, T0 + 2250);
	ck_assert_uint_ge(sent[nsent - 1].at, T0 + 2200);
	ck_assert_uint_eq(done_at, T0 + STUN_HARDNAT_DURATION);
	ck_assert_int_eq(h.found, 0);
	ck_assert_uint_eq(h.ended_at, T0 + STUN_HARDNAT_DURATION);
}
END_TEST

START_TEST(hardnat_predict_negative_delta)
{
	struct stun_hardnat_config	 c;
	struct stun_hardnat_ess		 seq = E_SEQ;
	unsigned			 i;

	seq.delta = -2;
	config(&c, &E_PRC, &seq);
	c.window = 4;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	/* 4 ports x 30 rounds. */
	ck_assert_uint_eq(nsent, 120);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(sent[i].to.port, 30015 - 2 * (i + 1));
}
END_TEST

START_TEST(hardnat_predict_hard_sequential_uses_the_punch_socket)
{
	struct stun_hardnat_config	 c;
	unsigned			 i;

	config(&c, &E_SEQ, &E_PRC);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	/* One target, once a round. */
	ck_assert_uint_eq(nsent, STUN_HARDNAT_DURATION / STUN_HARDNAT_ROUND);
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_eq(sent[i].sock, 0);
		ck_assert_uint_eq(sent[i].to.port, 30015);
	}
	ck_assert_uint_eq(sent[1].at - sent[0].at, 75);
}
END_TEST

START_TEST(hardnat_predict_preserving)
{
	struct stun_hardnat_config	 c;
	unsigned			 i;

	/* The hard side sends from its reserved socket. */
	config(&c, &E_PRES, &E_PRC);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_uint_eq(h.p.nsocks, 1);
	run(1, 0);
	ck_assert_uint_eq(nsent, 30);
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_eq(sent[i].sock, 1);
		ck_assert_uint_eq(sent[i].to.port, 30015);
	}
	/* Without it there is nothing to do. */
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(done_at, T0);
	/* The easy side aims at the announced port. */
	config(&c, &E_PRC, &E_PRES);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	ck_assert_uint_eq(nsent, 30);
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_eq(sent[i].sock, 0);
		ck_assert_uint_eq(sent[i].to.port, 40000);
	}
	assert_only_peer();
}
END_TEST

START_TEST(hardnat_birthday_hard_one_mapping_per_socket)
{
	struct stun_hardnat_config	 c;
	uint8_t				 used[STUN_HARDNAT_MAX_SOCKS + 1];
	unsigned			 i;

	config(&c, &E_RAND, &E_PRC);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_uint_eq(h.p.nsocks, 256);
	run(256, 0);
	ck_assert_uint_eq(nsent, 256);
	memset(used, 0, sizeof(used));
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_ge(sent[i].sock, 1);
		ck_assert_uint_le(sent[i].sock, 256);
		ck_assert_uint_eq(used[sent[i].sock], 0);
		used[sent[i].sock] = 1;
		/* Towards the easy side's one mapping. */
		ck_assert_uint_eq(sent[i].to.port, 30015);
	}
	/* All mappings open before the easy side's first probe. */
	ck_assert_uint_lt(sent[nsent - 1].at, T0 + STUN_HARDNAT_DURATION / 6);
	ck_assert_uint_eq(done_at, T0 + STUN_HARDNAT_DURATION);
	assert_only_peer();
	/* Fewer sockets opened: fewer probes. */
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(40, 0);
	ck_assert_uint_eq(nsent, 40);
	ck_assert_uint_eq(h.nsocks, 40);
}
END_TEST

START_TEST(hardnat_birthday_easy_random_distinct_ports)
{
	struct stun_hardnat_config	 c;
	unsigned			 i, j;

	config(&c, &E_PRC, &E_RAND);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	ck_assert_uint_eq(nsent, STUN_HARDNAT_MAX_PROBES);
	assert_only_peer();
	for (i = 0; i < nsent; i++) {
		ck_assert_uint_eq(sent[i].sock, 0);
		ck_assert_uint_ge(sent[i].to.port, STUN_HARDNAT_PORT_LO);
		ck_assert_uint_ne(sent[i].to.port, 30015);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(sent[i].to.port, sent[j].to.port);
	}
	/* After the hard side's mappings: 256 over 0.5 .. 2.25 s. */
	ck_assert_uint_eq(sent[0].at, T0 + STUN_HARDNAT_DURATION / 6);
	ck_assert_uint_ge(sent[nsent - 1].at, T0 + 2200);
	ck_assert_uint_le(sent[nsent - 1].at, T0 + 2250);
	/* A smaller cap is kept. */
	config(&c, &E_PRC, &E_RAND);
	c.max_probes = 50;
	c.duration = 1000;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 0);
	ck_assert_uint_eq(nsent, 50);
	ck_assert_uint_eq(done_at, T0 + 1000);
}
END_TEST

START_TEST(hardnat_found_stops_the_probes)
{
	struct stun_hardnat_config	 c;
	struct stun_hardnat_action	 a;
	struct stun_addr		 other;

	config(&c, &E_PRC, &E_RAND);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	run(0, 37);
	ck_assert_uint_eq(nsent, 37);
	ck_assert_uint_eq(h.probes, 37);
	ck_assert_int_eq(h.found, 1);
	ck_assert_uint_eq(h.found_sock, 0);
	ck_assert_uint_eq(h.found_from.port, sent[36].to.port);
	ck_assert_uint_eq(h.ended_at, sent[36].at + 20);
	stun_hardnat_next(&h, h.ended_at + 1, &a);
	ck_assert_int_eq(a.kind, STUN_HARDNAT_A_DONE);

	/* Only from the peer's address, on our sockets, while running. */
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_int_eq(stun_hardnat_found(&h, 0, &c.peer_addr, T0),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_hardnat_start(&h, 0, T0), 0);
	other = addr4(198, 51, 100, 10, 30015);
	ck_assert_int_eq(stun_hardnat_found(&h, 0, &other, T0),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_hardnat_found(&h, 1, &c.peer_addr, T0),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(h.found, 0);
	stun_hardnat_stop(&h, T0 + 5);
	stun_hardnat_next(&h, T0 + 6, &a);
	ck_assert_int_eq(a.kind, STUN_HARDNAT_A_DONE);
	ck_assert_uint_eq(h.ended_at, T0 + 5);
	ck_assert_int_eq(stun_hardnat_start(&h, 0, T0), STUN_ERR_STATE);
}
END_TEST

START_TEST(hardnat_relay_and_none_send_nothing)
{
	struct stun_hardnat_config	 c;

	config(&c, &E_RAND, &E_RAND);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_int_eq(h.p.kind, STUN_HARDNAT_RELAY);
	run(256, 0);
	ck_assert_uint_eq(nsent, 0);
	ck_assert_uint_eq(done_at, T0);
	ck_assert_uint_eq(h.nsocks, 0);
	config(&c, &E_PRC, &E_FULL);
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_int_eq(h.p.kind, STUN_HARDNAT_NONE);
	run(0, 0);
	ck_assert_uint_eq(nsent, 0);
}
END_TEST

START_TEST(hardnat_random_failure_ends_it)
{
	struct stun_hardnat_config	 c;
	struct stun_hardnat_action	 a;

	config(&c, &E_PRC, &E_RAND);
	c.rnd = rnd_fail;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), 0);
	ck_assert_int_eq(stun_hardnat_start(&h, 0, T0), STUN_ERR_RANDOM);
	stun_hardnat_next(&h, T0, &a);
	ck_assert_int_eq(a.kind, STUN_HARDNAT_A_DONE);
	ck_assert_uint_eq(h.probes, 0);
}
END_TEST

START_TEST(hardnat_bad_config)
{
	struct stun_hardnat_config	 c;

	config(&c, &E_PRC, &E_RAND);
	c.peer_addr.family = 0;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
	config(&c, &E_PRC, &E_RAND);
	c.peer_addr.port = 0;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
	config(&c, &E_PRC, &E_RAND);
	c.max_probes = STUN_HARDNAT_MAX_PROBES + 1;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
	config(&c, &E_PRC, &E_RAND);
	c.max_socks = STUN_HARDNAT_MAX_SOCKS + 1;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
	config(&c, &E_PRC, &E_RAND);
	c.duration = STUN_HARDNAT_DURATION + 1;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
	config(&c, &E_PRC, &E_RAND);
	c.window = STUN_HARDNAT_WINDOW_MAX + 1;
	ck_assert_int_eq(stun_hardnat_init(&h, &c), STUN_ERR_INVALID);
}
END_TEST

START_TEST(hardnat_ess_round_trip)
{
	static const uint8_t		 want[STUN_HARDNAT_ESS_LEN] = {
		0x03, 0x03, 0x03, 0xfe,	/* APD, APD, sequential, -2 */
		0x00, 0x00, 0x00, 0x00,	/* port, zero */
	};
	static const uint8_t		 pres[STUN_HARDNAT_ESS_LEN] = {
		0x03, 0x03, 0x02, 0x00,	/* APD, APD, preserving, 0 */
		0x9c, 0x40, 0x00, 0x00,	/* port 40000, zero */
	};
	struct stun_hardnat_ess		 e = E_SEQ, d;
	uint8_t				 b[STUN_HARDNAT_ESS_LEN];

	e.delta = -2;
	stun_hardnat_ess_encode(&e, b);
	ck_assert_mem_eq(b, want, sizeof(b));
	ck_assert_int_eq(stun_hardnat_ess_decode(b, sizeof(b), &d), 0);
	ck_assert_int_eq(d.delta, -2);
	ck_assert_uint_eq(d.pattern, STUN_NAT_PAT_SEQUENTIAL);
	stun_hardnat_ess_encode(&E_PRES, b);
	ck_assert_mem_eq(b, pres, sizeof(b));
	ck_assert_int_eq(stun_hardnat_ess_decode(b, sizeof(b), &d), 0);
	ck_assert_uint_eq(d.port, 40000);
	ck_assert_uint_eq(d.mapping, STUN_NAT_APD);
}
END_TEST

/* Each byte set to each value: either refused or re-encoded the same. */
START_TEST(hardnat_ess_decode_mutations)
{
	struct stun_hardnat_ess		 d;
	uint8_t				 b[STUN_HARDNAT_ESS_LEN], r[sizeof(b)];
	unsigned			 v;
	int				 rc;

	stun_hardnat_ess_encode(&E_SEQ, b);
	for (v = 0; v < 256; v++) {
		b[_i] = (uint8_t)v;
		rc = stun_hardnat_ess_decode(b, sizeof(b), &d);
		if (rc != 0) {
			ck_assert_int_eq(rc, STUN_ERR_BAD_ATTR);
			ck_assert_uint_eq(d.mapping, 0);
			continue;
		}
		stun_hardnat_ess_encode(&d, r);
		ck_assert_mem_eq(r, b, sizeof(b));
		ck_assert_int_le(d.delta, STUN_HARDNAT_DELTA_MAX);
		ck_assert_int_ge(d.delta, -STUN_HARDNAT_DELTA_MAX);
		ck_assert_uint_le(d.mapping, STUN_NAT_DEP);
	}
	/* Short and long values. */
	stun_hardnat_ess_encode(&E_SEQ, b);
	ck_assert_int_eq(stun_hardnat_ess_decode(b, sizeof(b) - 1, &d),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(stun_hardnat_ess_decode(b, 0, &d), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(hardnat_ess_from_nat_result)
{
	struct stun_nat_result		 r;
	struct stun_hardnat_ess		 e;

	memset(&r, 0, sizeof(r));
	r.mapping = STUN_NAT_APD;
	r.filtering = STUN_NAT_APD;
	r.pattern = STUN_NAT_PAT_SEQUENTIAL;
	r.delta = 3;
	stun_hardnat_ess_from_nat(&r, &e);
	ck_assert_uint_eq(e.mapping, STUN_NAT_APD);
	ck_assert_uint_eq(e.pattern, STUN_NAT_PAT_SEQUENTIAL);
	ck_assert_int_eq(e.delta, 3);
	ck_assert_uint_eq(e.port, 0);
	/* A step too large to aim at is no prediction. */
	r.delta = 300;
	stun_hardnat_ess_from_nat(&r, &e);
	ck_assert_uint_eq(e.pattern, STUN_NAT_PAT_RANDOM);
	ck_assert_int_eq(e.delta, 0);
}
END_TEST

Suite *
suite_hardnat(void)
{
	Suite	*s = suite_create("hardnat");
	TCase	*tc;

	tc = tcase_create("plan");
	tcase_add_loop_test(tc, hardnat_decide_table, 0,
	    sizeof(plans) / sizeof(plans[0]));
	tcase_add_test(tc, hardnat_decide_caps_sockets);
	tcase_add_test(tc, hardnat_bad_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("schedule");
	tcase_add_test(tc, hardnat_predict_easy_probes_the_window);
	tcase_add_test(tc, hardnat_predict_negative_delta);
	tcase_add_test(tc, hardnat_predict_hard_sequential_uses_the_punch_socket);
	tcase_add_test(tc, hardnat_predict_preserving);
	tcase_add_test(tc, hardnat_birthday_hard_one_mapping_per_socket);
	tcase_add_test(tc, hardnat_birthday_easy_random_distinct_ports);
	tcase_add_test(tc, hardnat_found_stops_the_probes);
	tcase_add_test(tc, hardnat_relay_and_none_send_nothing);
	tcase_add_test(tc, hardnat_random_failure_ends_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_test(tc, hardnat_ess_round_trip);
	tcase_add_loop_test(tc, hardnat_ess_decode_mutations, 0,
	    STUN_HARDNAT_ESS_LEN);
	tcase_add_test(tc, hardnat_ess_from_nat_result);
	suite_add_tcase(s, tc);
	return (s);
}

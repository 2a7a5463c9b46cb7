/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_nominate: one hole-punching machine driven by hand on a fake
 * clock, the peer's checks and answers written here: the nomination race
 * (RFC 8445 section 8.1.1) in both orders of arrival on each side (a pair
 * flagged for nomination never nominates after a better one was
 * nominated, and the controlled side never moves to a later, worse
 * nomination), and consent (a path that stops answering is reported lost
 * and found again; a check from a new address that authenticates makes a
 * side look again at once).
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/punch.h"
#include "suites.h"
#include "testutil.h"

#define KEY	"shared-pair-key-0123"

struct sent {
	unsigned	 sock;
	struct stun_addr to;
	uint8_t		 buf[STUN_PUNCH_MSG_MAX];
	size_t		 len;
	int		 use_cand;
	int		 answered;
};

struct rig {
	struct stun_punch p;
	struct stun_addr local, direct, relay;	/* the peer: two candidates */
	struct sent	 out[64];
	unsigned	 nout;
	int		 nominated, changed, lost;
	struct stun_addr path;
};

static unsigned	rnd_ctr;

static int
fake_rnd(void *arg, uint8_t *buf, size_t len)
{
	unsigned	*c = arg;
	size_t		 i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((*c) * 31 + i);
	(*c)++;
	return (0);
}

/*
 * Our host candidate; the peer's host candidate ("direct", the better
 * pair) and its relayed one (the worse pair).
 */
static void
rig_init(struct rig *g, int controlling)
{
	struct stun_punch_config c;
	struct stun_punch_cand	 k;

	memset(g, 0, sizeof(*g));
	memset(&c, 0, sizeof(c));
	c.controlling = controlling;
	c.tiebreaker = controlling ? 1000 : 10;
	strcpy(c.local_ufrag, "alfa");
	strcpy(c.remote_ufrag, "brvo");
	memcpy(c.key, KEY, 20);
	c.keylen = 20;
	c.rnd = fake_rnd;
	c.rnd_arg = &rnd_ctr;
	ck_assert_int_eq(stun_punch_init(&g->p, &c), 0);
	g->local = test_addr("198.51.100.1:5000");
	g->direct = test_addr("198.51.100.2:6000");
	g->relay = test_addr("203.0.113.9:50000");
	memset(&k, 0, sizeof(k));
	k.type = STUN_CAND_HOST;
	k.addr = g->local;
	ck_assert_int_eq(stun_punch_add_local(&g->p, &k), 0);
	k.addr = g->direct;
	ck_assert_int_eq(stun_punch_add_remote(&g->p, &k), 0);
	k.type = STUN_CAND_RELAY;
	k.addr = g->relay;
	ck_assert_int_eq(stun_punch_add_remote(&g->p, &k), 0);
}

/* Collect what the machine does at now. */
static void
rig_drain(struct rig *g)
{
	struct stun_punch_action a;
	struct stun_msg		 m;
	struct sent		*s;
	unsigned		 n;

	for (n = 0; n < 100; n++) {
		stun_punch_next(&g->p, &a);
		switch (a.kind) {
		case STUN_PUNCH_WAIT:
			return;
		case STUN_PUNCH_SEND:
			ck_assert_uint_lt(g->nout, 64);
			s = &g->out[g->nout++];
			s->sock = a.sock;
			s->to = a.to;
			memcpy(s->buf, a.buf, a.len);
			s->len = a.len;
			ck_assert_int_eq(stun_msg_decode(&m, s->buf, s->len),
			    0);
			s->use_cand = m.cls == STUN_CLASS_REQUEST &&
			    stun_msg_find(&m, STUN_ATTR_USE_CANDIDATE) != NULL;
			break;
		case STUN_PUNCH_NOMINATED:
			g->nominated++;
			g->path = a.to;
			break;
		case STUN_PUNCH_CHANGED:
			g->changed++;
			g->path = a.to;
			break;
		case STUN_PUNCH_LOST:
			g->lost++;
			break;
		}
	}
	ck_abort_msg("the machine does not settle");
}

static void
rig_time(struct rig *g, uint64_t now)
{
	stun_punch_timer(&g->p, now);
	rig_drain(g);
}

/* The peer's check from "from" (use: with USE-CANDIDATE). */
static void
rig_check(struct rig *g, const struct stun_addr *from, int use,
    uint64_t now)
{
	struct stun_builder	b;
	uint8_t			buf[STUN_PUNCH_MSG_MAX], tid[STUN_TID_LEN];
	int			n;

	memset(tid, 0, sizeof(tid));
	tid[0] = (uint8_t)rnd_ctr++;
	tid[1] = (uint8_t)(rnd_ctr >> 8);
	tid[11] = 0x77;
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, "alfa:brvo");
	stun_build_u32(&b, STUN_ATTR_PRIORITY,
	    stun_punch_priority(STUN_CAND_PRFLX, 65535));
	stun_build_u64(&b, g->p.c.controlling ? STUN_ATTR_ICE_CONTROLLED :
	    STUN_ATTR_ICE_CONTROLLING, g->p.c.controlling ? 10 : 1000);
	if (use)
		stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, (const uint8_t *)KEY, 20);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_punch_input(&g->p, 0, from, buf, (size_t)n,
	    now), 0);
	rig_drain(g);
}

/*
 * The peer answers the last request we sent to "to", unless answered
 * already; 1 if there was one.
 */
static int
rig_answer(struct rig *g, const struct stun_addr *to, uint64_t now)
{
	struct stun_builder	 b;
	struct stun_msg		 m;
	uint8_t			 buf[STUN_PUNCH_MSG_MAX];
	struct sent		*s = NULL;
	unsigned		 i;
	int			 n;

	for (i = g->nout; i > 0; i--) {
		s = &g->out[i - 1];
		if (stun_addr_equal(&s->to, to) &&
		    stun_msg_decode(&m, s->buf, s->len) == 0 &&
		    m.cls == STUN_CLASS_REQUEST)
			break;
	}
	if (i == 0 || s->answered)
		return (0);
	s->answered = 1;
	stun_build_reply(&b, buf, sizeof(buf), &m, STUN_CLASS_SUCCESS);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &g->local);
	stun_build_integrity(&b, (const uint8_t *)KEY, 20);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_punch_input(&g->p, s->sock, to, buf, (size_t)n,
	    now), 0);
	rig_drain(g);
	return (1);
}

/* Requests with USE-CANDIDATE sent to "to" from out[from] on. */
static unsigned
rig_noms(const struct rig *g, unsigned from, const struct stun_addr *to)
{
	unsigned	i, n = 0;

	for (i = from; i < g->nout; i++)
		if (g->out[i].use_cand && stun_addr_equal(&g->out[i].to, to))
			n++;
	return (n);
}

/* Run the clock from t to end in 10 ms steps, answering nothing. */
static uint64_t
rig_run(struct rig *g, uint64_t t, uint64_t end)
{
	for (; t < end; t += 10)
		rig_time(g, t);
	return (t);
}

/*
 * Controlling.  _i 0: the relayed pair is flagged for nomination (it
 * worked both ways while nothing was nominated), then the direct pair
 * is nominated before the relayed pair's nominating check left: that
 * check is never sent, and the path is direct.  _i 1: the relayed pair
 * is nominated first, then the direct pair works: a path change to
 * direct, and the relayed pair is never nominated again.
 */
START_TEST(nominate_controlling_keeps_the_best)
{
	struct rig	g;
	uint64_t	t = 0;
	unsigned	mark;

	rig_init(&g, 1);
	ck_assert_int_eq(stun_punch_start(&g.p, 0), 0);
	rig_time(&g, t);
	/* The peer checks both pairs; we check both; the relay answers. */
	rig_check(&g, &g.relay, 0, t);
	rig_check(&g, &g.direct, 0, t);
	for (t = 10; t <= 60; t += 10)
		rig_time(&g, t);
	ck_assert(rig_answer(&g, &g.relay, t));
	/* Flagged: a nominating check for the relayed pair is due. */
	if (_i == 0) {
		/* Both flagged; each sends its nominating check in turn. */
		ck_assert(rig_answer(&g, &g.direct, t));
		mark = g.nout;
		rig_time(&g, t += 20);
		rig_time(&g, t += 20);
		ck_assert_uint_eq(rig_noms(&g, mark, &g.direct), 1);
		ck_assert_uint_le(rig_noms(&g, mark, &g.relay), 1);
		ck_assert(rig_answer(&g, &g.direct, t));
		ck_assert_int_eq(g.nominated, 1);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
		mark = g.nout;
		t = rig_run(&g, t + 10, t + 3000);
		/* Never a nomination of the worse pair after it. */
		ck_assert_uint_eq(rig_noms(&g, mark, &g.relay), 0);
		/* Its late answer does not move the path either. */
		(void)rig_answer(&g, &g.relay, t);
		ck_assert_int_eq(g.changed, 0);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
	} else {
		mark = g.nout;
		rig_time(&g, t += 20);
		ck_assert_uint_eq(rig_noms(&g, mark, &g.relay), 1);
		ck_assert(rig_answer(&g, &g.relay, t));
		ck_assert_int_eq(g.nominated, 1);
		ck_assert(stun_addr_equal(&g.path, &g.relay));
		/* The direct pair works later: it replaces the relay. */
		t = rig_run(&g, t + 10, t + 200);
		ck_assert(rig_answer(&g, &g.direct, t));
		rig_time(&g, t += 20);
		ck_assert(rig_answer(&g, &g.direct, t));
		ck_assert_int_eq(g.changed, 1);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
		mark = g.nout;
		t = rig_run(&g, t + 10, t + 3000);
		ck_assert_uint_eq(rig_noms(&g, mark, &g.relay), 0);
		ck_assert_int_eq(g.changed, 1);
	}
	/* The consent checks on the path renominate it. */
	ck_assert_uint_gt(rig_noms(&g, mark, &g.direct), 0);
}
END_TEST

/*
 * Controlled.  _i 0: the peer nominates the direct pair, then (late) the
 * relayed pair: the path stays direct.  _i 1: the relayed pair first,
 * then the direct one: a change to direct.
 */
START_TEST(nominate_controlled_never_moves_down)
{
	struct rig	g;
	uint64_t	t = 0;

	rig_init(&g, 0);
	ck_assert_int_eq(stun_punch_start(&g.p, 0), 0);
	rig_time(&g, t);
	if (_i == 0) {
		rig_check(&g, &g.direct, 1, t += 10);
		ck_assert_int_eq(g.nominated, 1);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
		rig_check(&g, &g.relay, 1, t += 21);
		rig_check(&g, &g.relay, 1, t += 100);
		ck_assert_int_eq(g.changed, 0);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
	} else {
		rig_check(&g, &g.relay, 1, t += 10);
		ck_assert_int_eq(g.nominated, 1);
		ck_assert(stun_addr_equal(&g.path, &g.relay));
		rig_check(&g, &g.direct, 1, t += 21);
		ck_assert_int_eq(g.changed, 1);
		ck_assert(stun_addr_equal(&g.path, &g.direct));
		rig_check(&g, &g.relay, 1, t += 100);
		ck_assert_int_eq(g.changed, 1);
	}
	ck_assert(stun_addr_equal(&g.path, &g.direct));
}
END_TEST

/*
 * Consent: the direct path answers, then stops.  STUN_PUNCH_CONSENT_TIMEOUT
 * after its last answer the path is lost (LOST); the peer, found again on
 * the same pair, is no change.  Then a check from a new address (the
 * peer's NAT mapped it anew) with our checks unanswered for two intervals:
 * lost at once, and the new address becomes the path.
 */
START_TEST(nominate_consent_lost_and_found)
{
	struct rig		g;
	struct stun_addr	moved = test_addr("198.51.100.2:6100");
	uint64_t		t = 0, last;

	rig_init(&g, 0);
	ck_assert_int_eq(stun_punch_start(&g.p, 0), 0);
	rig_time(&g, t);
	rig_check(&g, &g.direct, 1, t += 10);
	ck_assert_int_eq(g.nominated, 1);
	/* Answer every consent check for 5 s. */
	for (t = 20; t < 5000; t += 10) {
		rig_time(&g, t);
		(void)rig_answer(&g, &g.direct, t);
	}
	ck_assert_int_eq(g.lost, 0);
	last = g.p.consent_at;
	t = rig_run(&g, t, last + STUN_PUNCH_CONSENT_TIMEOUT - 20);
	ck_assert_int_eq(g.lost, 0);
	t = rig_run(&g, t, last + STUN_PUNCH_CONSENT_TIMEOUT + 20);
	ck_assert_int_eq(g.lost, 1);
	/* Found again on the same pair: no change reported. */
	rig_check(&g, &g.direct, 1, t);
	ck_assert_int_eq(g.changed, 0);
	for (last = t; t < last + 1500; t += 10) {
		rig_time(&g, t);
		(void)rig_answer(&g, &g.direct, t);
	}
	ck_assert_int_eq(g.lost, 1);
	/* The peer moves: our checks go unanswered, its come from moved. */
	t = rig_run(&g, t, t + 2 * STUN_PUNCH_CONSENT + 100);
	ck_assert_int_eq(g.lost, 1);
	rig_check(&g, &moved, 1, t);
	ck_assert_int_eq(g.lost, 2);
	ck_assert_int_eq(g.changed, 1);
	ck_assert(stun_addr_equal(&g.path, &moved));
}
END_TEST

Suite *
suite_nominate(void)
{
	Suite	*s = suite_create("nominate");
	TCase	*tc;

	tc = tcase_create("race");
	tcase_add_loop_test(tc, nominate_controlling_keeps_the_best, 0, 2);
	tcase_add_loop_test(tc, nominate_controlled_never_moves_down, 0, 2);
	tcase_add_test(tc, nominate_consent_lost_and_found);
	suite_add_tcase(s, tc);
	return (s);
}

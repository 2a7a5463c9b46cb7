/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_bulk: a bulk sender and receiver wired through a simulated
 * link (one-way delay, seeded random loss, a bottleneck with a queue, or
 * a scripted drop) on a fake clock.  Records arrive once and in order
 * under 10% loss, a single loss is repaired by fast retransmission long
 * before the timer, the window grows without loss and shrinks on it, the
 * RTT estimate follows the link, memory stays within the window, and a
 * dead link ends in one FAILED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "chat/bulk.h"
#include "chat_suites.h"

#define LINK_MAX	8192
#define FRAME_MAX	1200

struct lpkt {
	uint64_t	 at;
	int		 to;
	size_t		 len;
	uint8_t		 buf[FRAME_MAX];
};

struct link {
	uint64_t	 rng;
	unsigned	 loss;		/* per mille, both ways */
	unsigned	 delay;		/* ms one way */
	unsigned	 rate;		/* packets/ms to the receiver; 0 any */
	unsigned	 qmax;		/* bottleneck queue, packets */
	int		 dead;
	uint64_t	 drop_xmit;	/* drop the nth data packet; 0 none */
	uint64_t	 ndata;		/* data packets offered */
	uint64_t	 busy_until;	/* bottleneck: next free slot */
	struct lpkt	*q;
	unsigned	 nq;
	unsigned	 dropped;
};

struct sim {
	struct chat_bulk a, b;		/* a sends to b */
	struct link	 l;
	uint64_t	 now;
	uint32_t	 next_rec;	/* records queued at a */
	uint32_t	 got;		/* records b handed up, in order */
	uint32_t	 total;
	int		 bad_order;
	int		 failed;
	uint64_t	 first_send[64];	/* of data packets 1..63 */
	uint64_t	 resend[64];	/* of records 0..63, sent again */
	uint8_t		 sent_seq[64];
	unsigned	 max_cwnd;
};

static unsigned
link_rand(struct link *l)
{
	l->rng = l->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((unsigned)(l->rng >> 33));
}

static void
link_put(struct sim *s, int to, const uint8_t *buf, size_t len)
{
	struct link	*l = &s->l;
	struct lpkt	*p;
	uint64_t	 at = s->now + l->delay;
	unsigned	 backlog;
	uint32_t	 seq;

	ck_assert_uint_le(len, FRAME_MAX);
	if (to == 1 && buf[0] == CHAT_BULK_FRAME_DATA) {
		seq = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
		    (uint32_t)buf[6] << 8 | buf[7];
		if (seq < 64 && s->sent_seq[seq])
			s->resend[seq] = s->now;
		if (seq < 64)
			s->sent_seq[seq] = 1;
		l->ndata++;
		if (l->ndata < 64)
			s->first_send[l->ndata] = s->now;
		if (l->ndata == l->drop_xmit) {
			l->dropped++;
			return;
		}
	}
	if (l->dead || (l->loss > 0 && link_rand(l) % 1000 < l->loss) ||
	    l->nq == LINK_MAX) {
		l->dropped++;
		return;
	}
	if (to == 1 && l->rate > 0) {
		/* A bottleneck of rate packets per ms with a finite queue. */
		if (l->busy_until < s->now * l->rate)
			l->busy_until = s->now * l->rate;
		backlog = (unsigned)(l->busy_until - s->now * l->rate);
		if (backlog >= l->qmax) {
			l->dropped++;
			return;
		}
		l->busy_until++;
		at = l->busy_until / l->rate + l->delay;
	}
	p = &l->q[l->nq++];
	p->at = at;
	p->to = to;
	p->len = len;
	memcpy(p->buf, buf, len);
}

static void
rec_fill(uint8_t *buf, size_t len, uint32_t n)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(n * 7 + i);
}

static void
sim_init(struct sim *s, unsigned loss, unsigned delay, uint32_t total)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(chat_bulk_init(&s->a, NULL), 0);
	ck_assert_int_eq(chat_bulk_init(&s->b, NULL), 0);
	s->l.q = calloc(LINK_MAX, sizeof(*s->l.q));
	ck_assert_ptr_nonnull(s->l.q);
	s->l.rng = 0x9e3779b97f4a7c15ULL;
	s->l.loss = loss;
	s->l.delay = delay;
	s->total = total;
	s->now = 1000;
}

static void
sim_free(struct sim *s)
{
	chat_bulk_free(&s->a);
	chat_bulk_free(&s->b);
	free(s->l.q);
}

/* Record n: its length varies, its bytes say which it is. */
static size_t
rec_len(const struct chat_bulk *b, uint32_t n)
{
	return (1 + (n * 37) % chat_bulk_payload(b));
}

static void
sim_drain(struct sim *s, struct chat_bulk *e, int to)
{
	struct chat_bulk_action	 a;
	uint8_t			 want[FRAME_MAX];
	unsigned		 k;

	for (k = 0; k < 100000; k++) {
		chat_bulk_next(e, s->now, &a);
		switch (a.kind) {
		case CHAT_BULK_A_NONE:
			return;
		case CHAT_BULK_A_SEND:
			link_put(s, to, a.buf, a.len);
			break;
		case CHAT_BULK_A_RECORD:
			rec_fill(want, rec_len(e, s->got), s->got);
			if (a.len != rec_len(e, s->got) ||
			    memcmp(a.buf, want, a.len) != 0)
				s->bad_order++;
			s->got++;
			break;
		case CHAT_BULK_A_FAILED:
			s->failed++;
			break;
		}
	}
	ck_abort_msg("endless actions");
}

/* Run until every record is acknowledged or limit ms passed. */
static void
sim_run(struct sim *s, uint64_t limit)
{
	uint8_t		 rec[FRAME_MAX];
	unsigned	 i;
	uint64_t	 end = s->now + limit;
	size_t		 len;

	for (; s->now < end; s->now++) {
		while (s->next_rec < s->total &&
		    chat_bulk_space(&s->a) > 0) {
			len = rec_len(&s->a, s->next_rec);
			rec_fill(rec, len, s->next_rec);
			ck_assert_int_eq(chat_bulk_send(&s->a, rec, len,
			    s->now), 0);
			s->next_rec++;
		}
		for (i = 0; i < s->l.nq;) {
			if (s->l.q[i].at > s->now) {
				i++;
				continue;
			}
			(void)chat_bulk_input(s->l.q[i].to == 1 ? &s->b :
			    &s->a, s->l.q[i].buf, s->l.q[i].len, s->now);
			s->l.q[i] = s->l.q[--s->l.nq];
		}
		sim_drain(s, &s->b, 0);
		sim_drain(s, &s->a, 1);
		if (chat_bulk_cwnd(&s->a) > s->max_cwnd)
			s->max_cwnd = chat_bulk_cwnd(&s->a);
		if ((s->next_rec == s->total && chat_bulk_idle(&s->a)) ||
		    s->failed)
			return;
	}
}

START_TEST(bulk_delivers_in_order_under_10_percent_loss)
{
	struct sim	s;

	sim_init(&s, 100, 10, 5000);
	s.l.rng += (uint64_t)_i * 1000003;
	sim_run(&s, 600000);
	ck_assert_int_eq(s.failed, 0);
	ck_assert_uint_eq(s.got, 5000);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert(chat_bulk_idle(&s.a));
	ck_assert_uint_gt(s.a.st.fast, 0);
	ck_assert_uint_gt(s.a.st.reductions, 0);
	/* Lost ACKs and data both: duplicates reach b and are dropped. */
	ck_assert_uint_gt(s.l.dropped, 500);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_fast_retransmit_repairs_one_loss)
{
	struct sim	s;

	sim_init(&s, 0, 20, 200);
	s.l.drop_xmit = 5;
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 200);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_uint_eq(s.a.st.timeouts, 0);
	ck_assert_uint_eq(s.a.st.fast, 1);
	ck_assert_uint_eq(s.a.st.resent, 1);
	ck_assert_uint_eq(s.a.st.reductions, 1);
	/*
	 * Record 4 left fifth and was lost.  The timer would have waited
	 * 1 s; the acks of the records after it brought it back one round
	 * trip (40 ms) later.
	 */
	ck_assert_uint_gt(s.resend[4], 0);
	ck_assert_uint_le(s.resend[4] - s.first_send[5], 45);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_tail_loss_probe_beats_the_timer)
{
	struct sim	s;

	/*
	 * The last record is lost: nothing after it can tell.  The probe
	 * sends it again two round trips later, not the RTO (1 s).
	 */
	sim_init(&s, 0, 20, 30);
	s.l.drop_xmit = 30;
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 30);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_uint_eq(s.a.st.timeouts, 0);
	ck_assert_uint_eq(s.a.st.probes, 1);
	ck_assert_uint_lt(s.now - 1000, 400);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_window_grows_then_halves_on_loss)
{
	struct sim	s;
	unsigned	before;

	/* No loss: slow start takes the window well past its start. */
	sim_init(&s, 0, 10, 3000);
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 3000);
	ck_assert_uint_gt(chat_bulk_cwnd(&s.a), 4 * CHAT_BULK_IW);
	ck_assert_uint_eq(s.a.st.reductions, 0);
	/* Then a loss: one reduction, by CUBIC's beta (0.7). */
	before = chat_bulk_cwnd(&s.a);
	s.l.drop_xmit = s.l.ndata + 20;
	s.total += 200;
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 3200);
	ck_assert_uint_eq(s.a.st.reductions, 1);
	ck_assert_uint_le(chat_bulk_cwnd(&s.a), before);
	ck_assert_uint_ge(chat_bulk_cwnd(&s.a), before * 6 / 10);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_window_tracks_a_bottleneck)
{
	struct sim	s;

	/*
	 * 10 packets per ms, 20 ms round trip: 200 packets fill the path,
	 * a 50-packet queue overflows above 250.  The window goes past it,
	 * loses, shrinks, and the records all arrive.
	 */
	sim_init(&s, 0, 10, 20000);
	s.l.rate = 10;
	s.l.qmax = 50;
	sim_run(&s, 120000);
	ck_assert_uint_eq(s.got, 20000);
	ck_assert_int_eq(s.bad_order, 0);
	ck_assert_uint_gt(s.a.st.reductions, 0);
	ck_assert_uint_gt(s.max_cwnd, 200);
	ck_assert_uint_lt(chat_bulk_cwnd(&s.a), s.max_cwnd);
	/* About 2000 ms at the bottleneck's rate; well under 4000. */
	ck_assert_uint_lt(s.now - 1000, 4000);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_rtt_estimate_follows_the_link)
{
	struct sim	s;

	sim_init(&s, 0, 25, 500);
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 500);
	/* 50 ms round trip, plus at most the 2 ms ACK delay. */
	ck_assert_uint_ge(chat_bulk_srtt(&s.a), 50000);
	ck_assert_uint_le(chat_bulk_srtt(&s.a), 53000);
	ck_assert_uint_eq(s.a.rto, CHAT_BULK_RTO_MIN);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_timeout_collapses_window_then_recovers)
{
	struct sim	s;

	sim_init(&s, 0, 10, 2000);
	s.total = 300;
	sim_run(&s, 60000);
	ck_assert_uint_eq(s.got, 300);
	s.l.dead = 1;
	s.total = 600;
	sim_run(&s, 3000);
	ck_assert_uint_ge(s.a.st.timeouts, 1);
	ck_assert_uint_eq(chat_bulk_cwnd(&s.a), 1);
	s.l.dead = 0;
	sim_run(&s, 60000);
	ck_assert_int_eq(s.failed, 0);
	ck_assert_uint_eq(s.got, 600);
	ck_assert_int_eq(s.bad_order, 0);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_dead_link_fails_once)
{
	struct sim	s;

	sim_init(&s, 0, 10, 50);
	s.l.dead = 1;
	sim_run(&s, CHAT_BULK_TIMEOUT + 1000);
	ck_assert_int_eq(s.failed, 1);
	ck_assert_int_eq(chat_bulk_send(&s.a, (const uint8_t *)"x", 1,
	    s.now), STUN_ERR_STATE);
	sim_drain(&s, &s.a, 1);
	ck_assert_int_eq(s.failed, 1);
	sim_free(&s);
}
END_TEST

START_TEST(bulk_memory_is_bounded_by_the_window)
{
	struct chat_bulk	b;
	uint8_t			rec[16] = { 0 };
	unsigned		i;

	ck_assert_int_eq(chat_bulk_init(&b, NULL), 0);
	ck_assert_uint_eq(chat_bulk_space(&b), CHAT_BULK_WINDOW);
	for (i = 0; i < CHAT_BULK_WINDOW; i++)
		ck_assert_int_eq(chat_bulk_send(&b, rec, sizeof(rec), 0), 0);
	ck_assert_uint_eq(chat_bulk_space(&b), 0);
	ck_assert_int_eq(chat_bulk_send(&b, rec, sizeof(rec), 0),
	    STUN_ERR_NOSPACE);
	ck_assert_int_eq(chat_bulk_send(&b, rec, 0, 0), STUN_ERR_TOO_BIG);
	ck_assert_int_eq(chat_bulk_send(&b, rec,
	    chat_bulk_payload(&b) + 1, 0), STUN_ERR_TOO_BIG);
	/* The records fit a sealed 1200-byte datagram with their header. */
	ck_assert_uint_eq(chat_bulk_payload(&b) + CHAT_BULK_DATA_HDR, 1200);
	chat_bulk_free(&b);
}
END_TEST

START_TEST(bulk_refuses_malformed_frames)
{
	struct chat_bulk	b;
	struct chat_bulk_action	a;
	uint8_t			data[] = { 0x10, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 1, 'x' };
	uint8_t			ack[CHAT_BULK_ACK_HDR + 8] = { 0x11, 1, 0, 8 };
	uint8_t			bad[sizeof(data)];
	size_t			i;

	ck_assert_int_eq(chat_bulk_init(&b, NULL), 0);
	/* Every truncation of a data frame, and a data frame with no record. */
	for (i = 0; i < sizeof(data) - 1; i++)
		ck_assert_int_lt(chat_bulk_input(&b, data, i, 0), 0);
	/* Non-zero reserved bytes. */
	memcpy(bad, data, sizeof(data));
	bad[2] = 1;
	ck_assert_int_eq(chat_bulk_input(&b, bad, sizeof(bad), 0),
	    STUN_ERR_BAD_ATTR);
	/* An ACK whose range count disagrees with its length. */
	ck_assert_int_eq(chat_bulk_input(&b, ack, CHAT_BULK_ACK_HDR, 0),
	    STUN_ERR_TRUNCATED);
	ack[1] = CHAT_BULK_RANGES + 1;
	ck_assert_int_eq(chat_bulk_input(&b, ack, sizeof(ack), 0),
	    STUN_ERR_BAD_ATTR);
	/* An ACK for records never sent changes nothing. */
	ack[1] = 1;
	ack[7] = 5;
	ck_assert_int_eq(chat_bulk_input(&b, ack, sizeof(ack), 0), 0);
	ck_assert(chat_bulk_idle(&b));
	ck_assert_int_eq(chat_bulk_input(&b, (const uint8_t *)"\x12", 1, 0),
	    STUN_ERR_NOT_STUN);
	/* The valid one is handed up once. */
	ck_assert_int_eq(chat_bulk_input(&b, data, sizeof(data), 0), 0);
	ck_assert_int_eq(chat_bulk_input(&b, data, sizeof(data), 0), 0);
	chat_bulk_next(&b, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_BULK_A_RECORD);
	ck_assert_uint_eq(a.len, 1);
	chat_bulk_next(&b, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_BULK_A_SEND);
	ck_assert_uint_eq(a.buf[0], CHAT_BULK_FRAME_ACK);
	chat_bulk_next(&b, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_BULK_A_NONE);
	ck_assert_uint_eq(b.st.dups, 1);
	chat_bulk_free(&b);
}
END_TEST

Suite *
suite_chat_bulk(void)
{
	Suite	*s = suite_create("chat_bulk");
	TCase	*tc;

	tc = tcase_create("delivery");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bulk_delivers_in_order_under_10_percent_loss,
	    0, 3);
	tcase_add_test(tc, bulk_timeout_collapses_window_then_recovers);
	tcase_add_test(tc, bulk_dead_link_fails_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("congestion");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bulk_fast_retransmit_repairs_one_loss);
	tcase_add_test(tc, bulk_tail_loss_probe_beats_the_timer);
	tcase_add_test(tc, bulk_window_grows_then_halves_on_loss);
	tcase_add_test(tc, bulk_window_tracks_a_bottleneck);
	tcase_add_test(tc, bulk_rtt_estimate_follows_the_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, bulk_memory_is_bounded_by_the_window);
	tcase_add_test(tc, bulk_refuses_malformed_frames);
	suite_add_tcase(s, tc);
	return (s);
}

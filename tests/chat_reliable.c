/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_reliable: two reliability endpoints wired through a scripted
 * network (seeded loss, duplication, reordering delay) on a fake clock.
 * Messages arrive exactly once and in order, a dead peer's messages are
 * reported undelivered on the exact backoff schedule, 64 KiB messages
 * fragment and reassemble, and the memory caps hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "chat/reliable.h"
#include "chat_suites.h"

#define NET_MAX		4096
#define MSG_MAX		1024

struct pkt {
	uint64_t	 at;
	int		 to;		/* endpoint index */
	uint8_t		*buf;
	size_t		 len;
};

struct net {
	uint64_t	 rng;
	unsigned	 loss;		/* percent */
	unsigned	 dup;		/* percent */
	unsigned	 delay_min, delay_span;	/* ms */
	int		 dead;		/* drop everything */
	uint32_t	 drop_id;	/* drop DATA of this message id */
	struct pkt	 q[NET_MAX];
	unsigned	 nq;
	size_t		 mtu;		/* largest frame allowed */
};

struct ep {
	struct chat_rel	 r;
	/* Received messages, in order. */
	unsigned	 nrecv;
	uint32_t	 recv_id[MSG_MAX];
	size_t		 recv_len[MSG_MAX];
	uint8_t		 recv_hash[MSG_MAX];
	unsigned	 ndeliv, nundeliv;
	uint32_t	 undeliv_id[MSG_MAX];
	uint64_t	 undeliv_at[MSG_MAX];
	uint64_t	 send_at[64];	/* first sends, for schedules */
	unsigned	 nsend, nfwd;
	size_t		 max_rx_seen;
};

static uint32_t
rnd(struct net *n)
{
	/* xorshift64 */
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return ((uint32_t)(n->rng >> 32));
}

static uint8_t
hash(const uint8_t *p, size_t len)
{
	uint8_t	h = 0x5a;
	size_t	i;

	for (i = 0; i < len; i++)
		h = (uint8_t)(h * 31 + p[i]);
	return (h);
}

static void
net_put(struct net *n, int to, const uint8_t *buf, size_t len, uint64_t now)
{
	struct pkt	*p;
	unsigned	 copies = 1, i;

	ck_assert_uint_le(len, n->mtu);
	if (n->dead)
		return;
	if (n->drop_id != 0 && buf[0] == CHAT_REL_FRAME_DATA &&
	    ((uint32_t)buf[12] << 24 | (uint32_t)buf[13] << 16 |
	    (uint32_t)buf[14] << 8 | buf[15]) == n->drop_id)
		return;
	if (rnd(n) % 100 < n->loss)
		return;
	if (rnd(n) % 100 < n->dup)
		copies = 2;
	for (i = 0; i < copies; i++) {
		ck_assert_uint_lt(n->nq, NET_MAX);
		p = &n->q[n->nq++];
		p->at = now + n->delay_min +
		    (n->delay_span ? rnd(n) % n->delay_span : 0);
		p->to = to;
		p->buf = malloc(len);
		ck_assert_ptr_nonnull(p->buf);
		memcpy(p->buf, buf, len);
		p->len = len;
	}
}

/* Run every action of endpoint self (index) at now. */
static void
pump(struct net *n, struct ep *e, int self, uint64_t now)
{
	struct chat_rel_action	a;
	unsigned		i;

	for (i = 0; i < 10000; i++) {
		if (chat_rel_next(&e->r, now, &a) == CHAT_REL_NONE)
			break;
		switch (a.kind) {
		case CHAT_REL_SEND:
			if (a.buf[0] == CHAT_REL_FRAME_DATA &&
			    e->nsend < 64)
				e->send_at[e->nsend++] = now;
			if (a.buf[0] == CHAT_REL_FRAME_FORWARD)
				e->nfwd++;
			net_put(n, 1 - self, a.buf, a.len, now);
			break;
		case CHAT_REL_MESSAGE:
			ck_assert_uint_lt(e->nrecv, MSG_MAX);
			e->recv_id[e->nrecv] = a.id;
			e->recv_len[e->nrecv] = a.len;
			e->recv_hash[e->nrecv] = hash(a.buf, a.len);
			e->nrecv++;
			break;
		case CHAT_REL_DELIVERED:
			e->ndeliv++;
			break;
		case CHAT_REL_UNDELIVERED:
			e->undeliv_id[e->nundeliv] = a.id;
			e->undeliv_at[e->nundeliv] = now;
			e->nundeliv++;
			break;
		default:
			ck_abort_msg("bad action %d", a.kind);
		}
	}
	ck_assert_uint_lt(i, 10000);
	if (e->r.rx_bytes > e->max_rx_seen)
		e->max_rx_seen = e->r.rx_bytes;
	ck_assert_uint_le(e->r.rcap, CHAT_REL_MSG_MAX);
}

/* Deliver packets due at now; returns how many. */
static unsigned
net_deliver(struct net *n, struct ep *ep, uint64_t now)
{
	unsigned	i, done = 0;
	struct pkt	p;

	for (i = 0; i < n->nq; ) {
		if (n->q[i].at > now) {
			i++;
			continue;
		}
		p = n->q[i];
		n->q[i] = n->q[--n->nq];
		ck_assert_int_eq(chat_rel_input(&ep[p.to].r, p.buf, p.len,
		    now), 0);
		free(p.buf);
		pump(n, &ep[p.to], p.to, now);
		done++;
	}
	return (done);
}

static uint64_t
next_time(struct net *n, struct ep *ep, uint64_t now, uint64_t limit)
{
	uint64_t	t = limit, w;
	unsigned	i;

	for (i = 0; i < n->nq; i++)
		if (n->q[i].at < t)
			t = n->q[i].at;
	for (i = 0; i < 2; i++) {
		w = chat_rel_wake(&ep[i].r);
		if (w != 0 && w < t)
			t = w;
	}
	return (t > now ? t : now + 1);
}

static void
net_free(struct net *n)
{
	unsigned	i;

	for (i = 0; i < n->nq; i++)
		free(n->q[i].buf);
	n->nq = 0;
}

static void
make_msg(uint8_t *buf, size_t len, unsigned k)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(k * 7 + i * 13);
}

/*
 * A sends total messages (one every 3 ms, retrying when the queue is
 * full), B sends back total_b; run until all are reported or the limit.
 */
static uint64_t
run(struct net *n, struct ep *ep, unsigned total, unsigned total_b,
    size_t msglen, uint64_t limit)
{
	uint8_t		 msg[CHAT_REL_MSG_MAX];
	unsigned	 sent[2] = { 0, 0 }, want[2], i, steps;
	uint64_t	 now = 0, next_msg = 0;
	uint32_t	 id;
	int		 r;

	want[0] = total;
	want[1] = total_b;
	for (steps = 0; steps < 2000000 && now < limit; steps++) {
		if (now >= next_msg) {
			for (i = 0; i < 2; i++) {
				if (sent[i] == want[i])
					continue;
				make_msg(msg, msglen, sent[i]);
				r = chat_rel_send(&ep[i].r, msg, msglen, now,
				    &id);
				if (r == STUN_ERR_NOSPACE)
					continue;
				ck_assert_int_eq(r, 0);
				ck_assert_uint_eq(id, sent[i] + 1);
				sent[i]++;
			}
			next_msg = now + 3;
		}
		for (i = 0; i < 2; i++)
			pump(n, &ep[i], (int)i, now);
		net_deliver(n, ep, now);
		if (sent[0] == want[0] && sent[1] == want[1] &&
		    chat_rel_pending(&ep[0].r) == 0 &&
		    chat_rel_pending(&ep[1].r) == 0 && n->nq == 0)
			break;
		now = next_time(n, ep, now, next_msg > now &&
		    (sent[0] < want[0] || sent[1] < want[1]) ? next_msg :
		    limit);
	}
	return (now);
}

static void
ep_init(struct ep *ep, const struct chat_rel_config *c)
{
	memset(ep, 0, 2 * sizeof(*ep));
	ck_assert_int_eq(chat_rel_init(&ep[0].r, c), 0);
	ck_assert_int_eq(chat_rel_init(&ep[1].r, c), 0);
}

static void
ep_free(struct ep *ep)
{
	chat_rel_free(&ep[0].r);
	chat_rel_free(&ep[1].r);
}

static void
check_in_order(const struct ep *e, unsigned total, size_t msglen)
{
	uint8_t		msg[CHAT_REL_MSG_MAX];
	unsigned	i;

	ck_assert_uint_eq(e->nrecv, total);
	for (i = 0; i < total; i++) {
		ck_assert_uint_eq(e->recv_id[i], i + 1);
		ck_assert_uint_eq(e->recv_len[i], msglen);
		make_msg(msg, msglen, i);
		ck_assert_uint_eq(e->recv_hash[i], hash(msg, msglen));
	}
}

START_TEST(rel_500_messages_with_loss_dup_reorder)
{
	static struct net	n;
	static struct ep	ep[2];

	memset(&n, 0, sizeof(n));
	n.rng = 0x9e3779b97f4a7c15ULL + (uint64_t)_i;
	n.loss = 10;
	n.dup = 5;
	n.delay_min = 5;
	n.delay_span = 60;	/* reorders freely */
	n.mtu = CHAT_REL_MTU_DEFAULT;
	ep_init(ep, NULL);
	run(&n, ep, 500, 100, 100, 600000);
	check_in_order(&ep[1], 500, 100);
	check_in_order(&ep[0], 100, 100);
	ck_assert_uint_eq(ep[0].ndeliv, 500);
	ck_assert_uint_eq(ep[1].ndeliv, 100);
	ck_assert_uint_eq(ep[0].nundeliv, 0);
	ck_assert_uint_eq(ep[1].nundeliv, 0);
	/* The network really lost and duplicated. */
	ck_assert_uint_gt(ep[0].r.st.resent, 0);
	ck_assert_uint_gt(ep[1].r.st.dups, 0);
	ep_free(ep);
	net_free(&n);
}
END_TEST

START_TEST(rel_dead_peer_reported_undelivered_on_schedule)
{
	static struct net	n;
	static struct ep	ep[2];
	static const uint64_t	want[] = {
		0, 250, 750, 1750, 3750, 5750, 7750, 9750, 11750, 13750,
		15750, 17750, 19750, 21750, 23750, 25750
	};
	unsigned		i;

	memset(&n, 0, sizeof(n));
	n.rng = 1;
	n.dead = 1;
	n.mtu = CHAT_REL_MTU_DEFAULT;
	ep_init(ep, NULL);
	run(&n, ep, 1, 0, 10, 100000);
	ck_assert_uint_eq(ep[0].nsend, CHAT_REL_ATTEMPTS);
	for (i = 0; i < CHAT_REL_ATTEMPTS; i++)
		ck_assert_uint_eq(ep[0].send_at[i], want[i]);
	ck_assert_uint_eq(ep[0].nundeliv, 1);
	ck_assert_uint_eq(ep[0].undeliv_id[0], 1);
	ck_assert_uint_eq(ep[0].undeliv_at[0], 25750 + CHAT_REL_RTO_MAX);
	ck_assert_uint_eq(ep[0].ndeliv, 0);
	ck_assert_uint_eq(chat_rel_pending(&ep[0].r), 0);
	/* Then a bounded number of FORWARD frames, and silence. */
	for (i = 0; i < 20; i++) {
		uint64_t	w = chat_rel_wake(&ep[0].r);

		if (w == 0)
			break;
		pump(&n, &ep[0], 0, w);
	}
	ck_assert_uint_eq(ep[0].nfwd, CHAT_REL_ATTEMPTS);
	ck_assert_uint_eq(chat_rel_wake(&ep[0].r), 0);
	ck_assert_uint_eq(ep[0].nsend, CHAT_REL_ATTEMPTS);
	ep_free(ep);
}
END_TEST

START_TEST(rel_message_timeout_before_attempts)
{
	static struct net	n;
	static struct ep	ep[2];
	struct chat_rel_config	c;

	memset(&n, 0, sizeof(n));
	memset(&c, 0, sizeof(c));
	c.timeout = 1000;
	n.dead = 1;
	n.mtu = CHAT_REL_MTU_DEFAULT;
	ep_init(ep, &c);
	run(&n, ep, 3, 0, 10, 100000);
	ck_assert_uint_eq(ep[0].nundeliv, 3);
	ck_assert_uint_eq(ep[0].undeliv_id[0], 1);
	ck_assert_uint_eq(ep[0].undeliv_at[0], 1000);
	ck_assert_uint_eq(ep[0].undeliv_id[2], 3);
	ck_assert_uint_eq(ep[0].undeliv_at[2], 1006);
	ep_free(ep);
}
END_TEST

/* Given up on message 1: message 2 still arrives and 1 never does. */
START_TEST(rel_skips_message_sender_gave_up)
{
	static struct net	n;
	static struct ep	ep[2];

	memset(&n, 0, sizeof(n));
	n.drop_id = 1;
	n.delay_min = 10;
	n.mtu = 200;
	{
		struct chat_rel_config	c;

		memset(&c, 0, sizeof(c));
		c.mtu = 200;
		c.timeout = 2000;
		ep_init(ep, &c);
	}
	/* Message 1 is 3 fragments, all dropped; 2 follows. */
	run(&n, ep, 1, 0, 500, 10);
	n.drop_id = 1;
	{
		uint8_t		msg[500];
		uint32_t	id;
		uint64_t	now;

		make_msg(msg, sizeof(msg), 1);
		ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, sizeof(msg), 10,
		    &id), 0);
		ck_assert_uint_eq(id, 2);
		for (now = 10; now < 20000; now += 5) {
			pump(&n, &ep[0], 0, now);
			pump(&n, &ep[1], 1, now);
			net_deliver(&n, ep, now);
		}
	}
	ck_assert_uint_eq(ep[0].nundeliv, 1);
	ck_assert_uint_eq(ep[0].undeliv_id[0], 1);
	ck_assert_uint_eq(ep[0].ndeliv, 1);
	ck_assert_uint_eq(ep[1].nrecv, 1);
	ck_assert_uint_eq(ep[1].recv_id[0], 2);
	ck_assert_uint_eq(ep[1].r.st.skipped, 3);
	/* The receiver learnt of the skip from a FORWARD frame. */
	ck_assert_uint_ge(ep[0].nfwd, 1);
	ep_free(ep);
	net_free(&n);
}
END_TEST

START_TEST(rel_64k_message_fragments_and_reassembles)
{
	static struct net	n;
	static struct ep	ep[2];
	struct chat_rel_config	c;

	memset(&n, 0, sizeof(n));
	memset(&c, 0, sizeof(c));
	c.overhead = 28;
	n.rng = 77;
	n.loss = 10;
	n.dup = 10;
	n.delay_min = 1;
	n.delay_span = 40;
	n.mtu = CHAT_REL_MTU_DEFAULT - c.overhead;
	ep_init(ep, &c);
	run(&n, ep, 3, 1, CHAT_REL_MSG_MAX, 600000);
	check_in_order(&ep[1], 3, CHAT_REL_MSG_MAX);
	check_in_order(&ep[0], 1, CHAT_REL_MSG_MAX);
	ck_assert_uint_eq(ep[0].ndeliv, 3);
	/* 65536 / (1200 - 28 - 20) rounded up, three times. */
	ck_assert_uint_ge(ep[0].r.st.sent, 3 * 57);
	ep_free(ep);
	net_free(&n);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(chat_rel_init(&ep[0].r, NULL), 0);
	{
		static uint8_t	big[CHAT_REL_MSG_MAX + 1];
		uint32_t	id;

		ck_assert_int_eq(chat_rel_send(&ep[0].r, big, sizeof(big), 0,
		    &id), STUN_ERR_TOO_BIG);
	}
	chat_rel_free(&ep[0].r);
}
END_TEST

START_TEST(rel_memory_caps_hold)
{
	static struct net	n;
	static struct ep	ep[2];
	struct chat_rel_config	c;
	uint8_t			msg[4000];
	uint32_t		id;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	c.max_tx = 10000;
	c.max_msgs = 4;
	c.max_rx = 3000;
	c.mtu = 520;		/* 500-byte fragments */
	ck_assert_int_eq(chat_rel_init(&ep[0].r, &c), 0);
	memset(msg, 1, sizeof(msg));
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 4000, 0, &id), 0);
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 4000, 0, &id), 0);
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 4000, 0, &id),
	    STUN_ERR_NOSPACE);
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 10, 0, &id), 0);
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 10, 0, &id), 0);
	ck_assert_int_eq(chat_rel_send(&ep[0].r, msg, 0, 0, &id),
	    STUN_ERR_NOSPACE);	/* max_msgs */
	ck_assert_uint_eq(chat_rel_pending(&ep[0].r), 4);
	chat_rel_free(&ep[0].r);

	/* Heavy reordering against a small receive cap. */
	memset(&n, 0, sizeof(n));
	n.rng = 5;
	n.loss = 5;
	n.delay_min = 1;
	n.delay_span = 200;
	n.mtu = 520;
	c.max_tx = 0;
	c.max_msgs = 0;
	ep_init(ep, &c);
	run(&n, ep, 30, 0, 4000, 600000);
	check_in_order(&ep[1], 30, 4000);
	ck_assert_uint_gt(ep[1].r.st.dropped_mem, 0);
	/* Out of order data stays under the cap (+ one in-order fragment). */
	ck_assert_uint_le(ep[1].max_rx_seen, 3000 + 500);
	ck_assert_uint_gt(ep[1].max_rx_seen, 2000);
	for (i = 0; i < CHAT_REL_WINDOW; i++)
		ck_assert_int_eq(ep[1].r.slots[i].used, 0);
	ck_assert_uint_eq(ep[1].r.rx_bytes, 0);
	ep_free(ep);
	net_free(&n);
}
END_TEST

START_TEST(rel_rejects_malformed_frames)
{
	struct chat_rel		r;
	struct chat_rel_action	a;
	uint8_t			f[64];
	uint32_t		id;

	ck_assert_int_eq(chat_rel_init(&r, NULL), 0);
	memset(f, 0, sizeof(f));
	ck_assert_int_eq(chat_rel_input(&r, f, 0, 0), STUN_ERR_TRUNCATED);
	ck_assert_int_eq(chat_rel_input(&r, f, 10, 0), STUN_ERR_NOT_STUN);
	f[0] = CHAT_REL_FRAME_DATA;
	ck_assert_int_eq(chat_rel_input(&r, f, 19, 0), STUN_ERR_TRUNCATED);
	/* Count 0; index past count. */
	ck_assert_int_eq(chat_rel_input(&r, f, 20, 0), STUN_ERR_BAD_ATTR);
	f[5] = 1;
	f[3] = 1;
	ck_assert_int_eq(chat_rel_input(&r, f, 20, 0), STUN_ERR_BAD_ATTR);
	f[0] = CHAT_REL_FRAME_ACK;
	ck_assert_int_eq(chat_rel_input(&r, f, 15, 0), STUN_ERR_TRUNCATED);
	f[1] = 1;
	ck_assert_int_eq(chat_rel_input(&r, f, 16, 0), STUN_ERR_BAD_ATTR);
	ck_assert_uint_eq(r.st.bad, 7);
	/* An ack for a fragment never sent acknowledges nothing. */
	ck_assert_int_eq(chat_rel_send(&r, (const uint8_t *)"hi", 2, 0, &id),
	    0);
	ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_SEND);
	memset(f, 0, sizeof(f));
	f[0] = CHAT_REL_FRAME_ACK;
	f[7] = 5;		/* cum = 5 > snd_nxt = 1 */
	ck_assert_int_eq(chat_rel_input(&r, f, 16, 0), 0);
	ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_NONE);
	ck_assert_uint_eq(chat_rel_wake(&r), CHAT_REL_RTO_DEFAULT);
	/* The right cumulative ack delivers it. */
	f[7] = 1;
	ck_assert_int_eq(chat_rel_input(&r, f, 16, 0), 0);
	ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_DELIVERED);
	ck_assert_uint_eq(a.id, id);
	ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_NONE);
	chat_rel_free(&r);
}
END_TEST

START_TEST(rel_selective_ack_stops_one_retransmission)
{
	struct chat_rel		r;
	struct chat_rel_action	a;
	struct chat_rel_config	c;
	uint8_t			msg[300], f[16];
	uint32_t		id;
	unsigned		i;

	memset(&c, 0, sizeof(c));
	c.mtu = 120;		/* 100-byte fragments: seq 0, 1, 2 */
	ck_assert_int_eq(chat_rel_init(&r, &c), 0);
	memset(msg, 3, sizeof(msg));
	ck_assert_int_eq(chat_rel_send(&r, msg, sizeof(msg), 0, &id), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_SEND);
		ck_assert_uint_eq(a.len, 120);
		ck_assert_int_eq(a.buf[11], i);
	}
	ck_assert_int_eq(chat_rel_next(&r, 0, &a), CHAT_REL_NONE);
	/* cum 0, seq 2 (bit 1) received: only seq 0 and 1 are resent. */
	memset(f, 0, sizeof(f));
	f[0] = CHAT_REL_FRAME_ACK;
	f[3] = CHAT_REL_WINDOW;
	f[15] = 0x02;
	ck_assert_int_eq(chat_rel_input(&r, f, 16, 10), 0);
	ck_assert_int_eq(chat_rel_next(&r, 249, &a), CHAT_REL_NONE);
	ck_assert_int_eq(chat_rel_next(&r, 250, &a), CHAT_REL_SEND);
	ck_assert_int_eq(a.buf[11], 0);
	ck_assert_int_eq(chat_rel_next(&r, 250, &a), CHAT_REL_SEND);
	ck_assert_int_eq(a.buf[11], 1);
	ck_assert_int_eq(chat_rel_next(&r, 250, &a), CHAT_REL_NONE);
	ck_assert_uint_eq(chat_rel_wake(&r), 750);
	chat_rel_free(&r);
}
END_TEST

Suite *
suite_chat_reliable(void)
{
	Suite	*s = suite_create("chat_reliable");
	TCase	*tc;

	tc = tcase_create("delivery");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, rel_500_messages_with_loss_dup_reorder, 0, 3);
	tcase_add_test(tc, rel_64k_message_fragments_and_reassembles);
	tcase_add_test(tc, rel_selective_ack_stops_one_retransmission);
	suite_add_tcase(s, tc);

	tc = tcase_create("failure");
	tcase_add_test(tc, rel_dead_peer_reported_undelivered_on_schedule);
	tcase_add_test(tc, rel_message_timeout_before_attempts);
	tcase_add_test(tc, rel_skips_message_sender_gave_up);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rel_memory_caps_hold);
	tcase_add_test(tc, rel_rejects_malformed_frames);
	suite_add_tcase(s, tc);
	return (s);
}

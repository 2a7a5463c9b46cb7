/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The bulk transport (see bulk.h).  The sender keeps a window of records,
 * each with the number of its latest transmission: one is lost once a
 * transmission CHAT_BULK_REORDER later was acknowledged, which both
 * retransmits fast and never takes a retransmission for lost at once.
 * Losses of records sent before the last reduction belong to the same
 * congestion event.  The receiver holds a window out of order and hands
 * records up in sequence.
 */
#include <stdlib.h>
#include <string.h>

#include "libstun/buf.h"
#include "chat/bulk.h"

#define SEQ_HALF	0x80000000U

#define TX_EMPTY	0
#define TX_QUEUED	1	/* never sent */
#define TX_INFLIGHT	2
#define TX_LOST		3	/* to send again */
#define TX_SACKED	4

/* RFC 9438 4.5 and 4.6. */
#define CUBIC_C		0.4
#define CUBIC_BETA	0.7
#define CUBIC_ALPHA	(3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

struct chat_bulk_tx {
	uint64_t	xmit;		/* its latest transmission */
	uint64_t	sent_at;	/* and when it left */
	uint16_t	len;
	uint8_t		state;
};

struct chat_bulk_rx {
	uint16_t	len;
	uint8_t		used;
};

/* Cube root by Newton's method: called once per congestion event. */
static double
bulk_cbrt(double x)
{
	double	y;
	int	i;

	if (x <= 0)
		return (0);
	y = x > 1 ? x / 3 : 1;
	for (i = 0; i < 60; i++)
		y = (2 * y + x / (y * y)) / 3;
	return (y);
}

static void
bulk_cc_init(struct chat_bulk *b)
{
	b->cwnd = CHAT_BULK_IW;
	b->ssthresh = 1e9;
	b->w_max = 0;
	b->epoch = 0;
	b->rto = CHAT_BULK_RTO_INIT;
	b->have_rtt = 0;
	b->srtt_us = b->rttvar_us = 0;
	b->backoff = 0;
	b->tokens = 0;
	b->tokens_at = 0;
}

int
chat_bulk_init(struct chat_bulk *b, const struct chat_bulk_config *c)
{
	struct chat_bulk_config	d;

	memset(b, 0, sizeof(*b));
	memset(&d, 0, sizeof(d));
	if (c != NULL)
		d = *c;
	if (d.mtu == 0)
		d.mtu = 1200;
	if (d.window == 0)
		d.window = CHAT_BULK_WINDOW;
	if (d.timeout == 0)
		d.timeout = CHAT_BULK_TIMEOUT;
	if (d.mtu > STUN_MAX_MSG || d.overhead >= d.mtu ||
	    d.mtu - d.overhead < CHAT_BULK_ACK_MAX ||
	    d.window > CHAT_BULK_WINDOW || d.window < 4 ||
	    (d.window & (d.window - 1)) != 0)
		return (STUN_ERR_INVALID);
	b->c = d;
	b->payload = d.mtu - d.overhead - CHAT_BULK_DATA_HDR;
	b->mask = d.window - 1;
	if ((b->out = malloc(d.mtu)) == NULL)
		return (STUN_ERR_NOSPACE);
	b->peer_wnd = d.window;
	bulk_cc_init(b);
	return (0);
}

void
chat_bulk_free(struct chat_bulk *b)
{
	free(b->tx);
	free(b->txbuf);
	free(b->rx);
	free(b->rxbuf);
	free(b->out);
	memset(b, 0, sizeof(*b));
}

int
chat_bulk_reset(struct chat_bulk *b)
{
	struct chat_bulk_config	c = b->c;
	uint32_t		gen = b->gen;
	int			r;

	chat_bulk_free(b);
	r = chat_bulk_init(b, &c);
	b->gen = gen + 1;
	return (r);
}

size_t
chat_bulk_payload(const struct chat_bulk *b)
{
	return (b->payload);
}

unsigned
chat_bulk_space(const struct chat_bulk *b)
{
	if (b->failed || b->out == NULL)
		return (0);
	return (b->c.window - (b->end - b->una));
}

int
chat_bulk_idle(const struct chat_bulk *b)
{
	return (b->una == b->end);
}

unsigned
chat_bulk_cwnd(const struct chat_bulk *b)
{
	return ((unsigned)b->cwnd);
}

uint32_t
chat_bulk_srtt(const struct chat_bulk *b)
{
	return (b->srtt_us);
}

int
chat_bulk_send(struct chat_bulk *b, const uint8_t *rec, size_t len,
    uint64_t now)
{
	struct chat_bulk_tx	*t;

	if (b->failed || b->out == NULL)
		return (STUN_ERR_STATE);
	if (len == 0 || len > b->payload)
		return (STUN_ERR_TOO_BIG);
	if (chat_bulk_space(b) == 0)
		return (STUN_ERR_NOSPACE);
	if (b->tx == NULL) {
		b->tx = calloc(b->c.window, sizeof(*b->tx));
		b->txbuf = malloc(b->c.window * b->payload);
		if (b->tx == NULL || b->txbuf == NULL) {
			free(b->tx);
			free(b->txbuf);
			b->tx = NULL;
			b->txbuf = NULL;
			return (STUN_ERR_NOSPACE);
		}
	}
	if (b->una == b->end)
		b->progress_at = now;	/* the timeout runs from here */
	t = &b->tx[b->end & b->mask];
	memcpy(b->txbuf + (size_t)(b->end & b->mask) * b->payload, rec, len);
	t->len = (uint16_t)len;
	t->state = TX_QUEUED;
	t->xmit = 0;
	b->end++;
	return (0);
}

/*
 * The tail loss probe's timeout (RFC 8985 7.2): two round trips and the
 * ACK delay, at least CHAT_BULK_PTO_MIN; the RTO's before any sample.
 */
static uint64_t
bulk_pto(const struct chat_bulk *b)
{
	uint64_t	pto;

	if (!b->have_rtt)
		return (b->rto);
	pto = (2 * (uint64_t)b->srtt_us + 999) / 1000 + CHAT_BULK_ACK_DELAY;
	return (pto < CHAT_BULK_PTO_MIN ? CHAT_BULK_PTO_MIN : pto);
}

/* RFC 6298 2.2 and 2.3, on a sample in ms (kept in us). */
static void
bulk_rtt_sample(struct chat_bulk *b, uint32_t ms)
{
	uint32_t	r = ms * 1000, d, var;

	if (!b->have_rtt) {
		b->srtt_us = r;
		b->rttvar_us = r / 2;
		b->have_rtt = 1;
	} else {
		d = b->srtt_us > r ? b->srtt_us - r : r - b->srtt_us;
		b->rttvar_us = (3 * b->rttvar_us + d) / 4;
		b->srtt_us = (7 * b->srtt_us + r) / 8;
	}
	/* G, the clock granularity, is 1 ms. */
	var = 4 * b->rttvar_us > 1000 ? 4 * b->rttvar_us : 1000;
	b->rto = (b->srtt_us + var + 999) / 1000;
	if (b->rto < CHAT_BULK_RTO_MIN)
		b->rto = CHAT_BULK_RTO_MIN;
	if (b->rto > CHAT_BULK_RTO_MAX)
		b->rto = CHAT_BULK_RTO_MAX;
	b->backoff = 0;
}

/* RFC 9438 4.2-4.4: growth on acked new records. */
static void
bulk_cc_ack(struct chat_bulk *b, unsigned acked, uint64_t now)
{
	double	t, target, d;

	if (!b->cwnd_limited)
		return;		/* application-limited: no growth */
	if (b->cwnd < b->ssthresh) {
		b->cwnd += acked;
	} else {
		if (b->epoch == 0) {
			b->epoch = now;
			b->cwnd_epoch = b->cwnd;
			b->w_est = b->cwnd;
			if (b->w_max < b->cwnd) {
				b->w_max = b->cwnd;
				b->k = 0;
			} else
				b->k = bulk_cbrt((b->w_max - b->cwnd) /
				    CUBIC_C);
		}
		t = (double)(now - b->epoch) / 1000.0 +
		    (double)b->srtt_us / 1e6;
		d = t - b->k;
		target = CUBIC_C * d * d * d + b->w_max;
		if (target < b->cwnd)
			target = b->cwnd;
		if (target > 1.5 * b->cwnd)
			target = 1.5 * b->cwnd;
		b->cwnd += (target - b->cwnd) / b->cwnd * acked;
		/* 4.3: the Reno-friendly region. */
		b->w_est += CUBIC_ALPHA * acked / b->cwnd;
		if (b->w_est > b->cwnd)
			b->cwnd = b->w_est;
	}
	if (b->cwnd > b->c.window)
		b->cwnd = b->c.window;
}

/* RFC 9438 4.6 and 4.7: a congestion event, with fast convergence. */
static void
bulk_cc_loss(struct chat_bulk *b)
{
	b->st.reductions++;
	if (b->cwnd < b->w_max)
		b->w_max = b->cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		b->w_max = b->cwnd;
	b->cwnd *= CUBIC_BETA;
	if (b->cwnd < 2)
		b->cwnd = 2;
	b->ssthresh = b->cwnd;
	b->epoch = 0;
	b->recover_xmit = b->xmit;
}

/*
 * A record is lost when a transmission CHAT_BULK_REORDER later was
 * acknowledged, or one later at all and it left a round trip and a
 * quarter ago (as RACK, RFC 8985: a small window finds losses too).
 * rack_at is when the next such record would be.
 */
static void
bulk_detect_loss(struct chat_bulk *b, uint64_t now)
{
	struct chat_bulk_tx	*t;
	uint64_t		 wait, at;
	uint32_t		 s;
	int			 event = 0;

	b->rack_at = 0;
	if (b->high_xmit == 0)
		return;
	wait = (b->srtt_us + b->srtt_us / 4 + 999) / 1000;
	if (wait < 2)
		wait = 2;
	for (s = b->una; s != b->nxt; s++) {
		t = &b->tx[s & b->mask];
		if (t->state != TX_INFLIGHT || t->xmit >= b->high_xmit)
			continue;
		at = t->sent_at + wait;
		if (t->xmit + CHAT_BULK_REORDER > b->high_xmit && now < at) {
			if (b->rack_at == 0 || at < b->rack_at)
				b->rack_at = at;
			continue;
		}
		t->state = TX_LOST;
		b->inflight--;
		b->nlost++;
		b->st.fast++;
		if (t->xmit > b->recover_xmit)
			event = 1;
	}
	if (event)
		bulk_cc_loss(b);
}

/* One record leaves the window's count of unacknowledged ones. */
static unsigned
bulk_acked(struct chat_bulk *b, struct chat_bulk_tx *t)
{
	if (t->state == TX_SACKED || t->state == TX_EMPTY ||
	    t->state == TX_QUEUED)
		return (0);
	if (t->state == TX_INFLIGHT)
		b->inflight--;
	else if (t->state == TX_LOST)
		b->nlost--;
	if (t->xmit > b->high_xmit)
		b->high_xmit = t->xmit;
	return (1);
}

static int
bulk_input_ack(struct chat_bulk *b, struct stun_rd *rd, uint64_t now)
{
	struct chat_bulk_tx	*t;
	uint32_t		 cum, echo, zero, s, e, x;
	uint16_t		 wnd;
	uint8_t			 n, i;
	unsigned		 newly = 0;
	uint64_t		 high = b->high_xmit;

	if (stun_rd_u8(rd, &n) != 0 || stun_rd_u16(rd, &wnd) != 0 ||
	    stun_rd_u32(rd, &cum) != 0 || stun_rd_u32(rd, &echo) != 0 ||
	    stun_rd_u32(rd, &zero) != 0)
		return (STUN_ERR_TRUNCATED);
	if (n > CHAT_BULK_RANGES || zero != 0)
		return (STUN_ERR_BAD_ATTR);
	if ((size_t)n * 8 != stun_rd_left(rd))
		return (STUN_ERR_TRUNCATED);
	b->st.acks++;
	/* An ack for records never sent is bogus. */
	if (b->tx == NULL || cum - b->una > b->nxt - b->una)
		return (0);
	b->peer_wnd = wnd < 1 ? 1 : wnd > b->c.window ? b->c.window : wnd;
	for (; b->una != cum; b->una++) {
		t = &b->tx[b->una & b->mask];
		newly += bulk_acked(b, t);
		t->state = TX_EMPTY;
	}
	for (i = 0; i < n; i++) {
		if (stun_rd_u32(rd, &s) != 0 || stun_rd_u32(rd, &e) != 0)
			return (STUN_ERR_TRUNCATED);
		/* Ranges lie in (cum, nxt]; others are ignored. */
		if (s - cum > b->nxt - cum || e - cum > b->nxt - cum ||
		    e - s > b->nxt - cum || s == cum)
			continue;
		for (x = s; x != e; x++) {
			t = &b->tx[x & b->mask];
			if (bulk_acked(b, t))
				newly++;
			if (t->state != TX_EMPTY && t->state != TX_QUEUED)
				t->state = TX_SACKED;
		}
	}
	if (newly > 0) {
		b->progress_at = now;
		if (echo != 0 && (uint32_t)now - echo < 60000)
			bulk_rtt_sample(b, (uint32_t)now - echo);
		bulk_cc_ack(b, newly, now);
		b->rto_at = b->inflight > 0 ? now + b->rto : 0;
		b->pto_at = b->inflight > 0 ? now + bulk_pto(b) : 0;
	}
	if (b->high_xmit != high)
		bulk_detect_loss(b, now);
	return (0);
}

static int
bulk_input_data(struct chat_bulk *b, struct stun_rd *rd, uint64_t now)
{
	struct chat_bulk_rx	*r;
	const uint8_t		*p;
	uint32_t		 seq, ts, d;
	uint16_t		 zero;
	uint8_t			 z8;
	size_t			 len;

	if (stun_rd_u8(rd, &z8) != 0 || stun_rd_u16(rd, &zero) != 0 ||
	    stun_rd_u32(rd, &seq) != 0 || stun_rd_u32(rd, &ts) != 0)
		return (STUN_ERR_TRUNCATED);
	len = stun_rd_left(rd);
	if (z8 != 0 || zero != 0 || len == 0 || len > b->payload)
		return (STUN_ERR_BAD_ATTR);
	(void)stun_rd_ptr(rd, len, &p);
	if (b->rx == NULL) {
		b->rx = calloc(b->c.window, sizeof(*b->rx));
		b->rxbuf = malloc(b->c.window * b->payload);
		if (b->rx == NULL || b->rxbuf == NULL) {
			free(b->rx);
			free(b->rxbuf);
			b->rx = NULL;
			b->rxbuf = NULL;
			b->st.dropped++;
			return (0);
		}
		b->rcv_high = b->rcv_nxt;
	}
	d = seq - b->rcv_nxt;
	if (d >= SEQ_HALF) {
		b->st.dups++;		/* handed up already */
		b->ack_now = 1;
		return (0);
	}
	if (d >= b->c.window) {
		b->st.dropped++;
		return (0);
	}
	r = &b->rx[seq & b->mask];
	if (r->used) {
		b->st.dups++;
		b->ack_now = 1;
		return (0);
	}
	memcpy(b->rxbuf + (size_t)(seq & b->mask) * b->payload, p, len);
	r->len = (uint16_t)len;
	r->used = 1;
	if (seq - b->rcv_nxt >= b->rcv_high - b->rcv_nxt)
		b->rcv_high = seq + 1;
	else
		b->ack_now = 1;		/* fills a hole */
	if (seq != b->rcv_nxt && !b->rx[b->rcv_nxt & b->mask].used)
		b->ack_now = 1;		/* out of order */
	b->ts_echo = ts;
	if (b->ack_pending++ == 0)
		b->ack_due = now + CHAT_BULK_ACK_DELAY;
	return (0);
}

int
chat_bulk_input(struct chat_bulk *b, const uint8_t *frame, size_t len,
    uint64_t now)
{
	struct stun_rd	rd;
	uint8_t		type;
	int		rv = STUN_ERR_NOT_STUN;

	stun_rd_init(&rd, frame, len);
	if (b->out == NULL)
		rv = STUN_ERR_STATE;
	else if (stun_rd_u8(&rd, &type) != 0)
		rv = STUN_ERR_TRUNCATED;
	else if (type == CHAT_BULK_FRAME_DATA)
		rv = bulk_input_data(b, &rd, now);
	else if (type == CHAT_BULK_FRAME_ACK)
		rv = bulk_input_ack(b, &rd, now);
	if (rv < 0)
		b->st.bad++;
	return (rv);
}

/* The first record not yet received, from rcv_nxt. */
static uint32_t
bulk_cum(const struct chat_bulk *b)
{
	uint32_t	s;

	for (s = b->rcv_nxt; s != b->rcv_high; s++)
		if (!b->rx[s & b->mask].used)
			break;
	return (s);
}

static void
bulk_build_ack(struct chat_bulk *b, struct chat_bulk_action *a)
{
	uint32_t	cum = b->rx != NULL ? bulk_cum(b) : b->rcv_nxt, s;
	size_t		off = CHAT_BULK_ACK_HDR;
	unsigned	n = 0;
	uint32_t	start = 0;
	int		in = 0;

	for (s = cum; b->rx != NULL && s != b->rcv_high; s++) {
		if (b->rx[s & b->mask].used && !in) {
			start = s;
			in = 1;
		} else if (!b->rx[s & b->mask].used && in) {
			stun_store32(b->out + off, start);
			stun_store32(b->out + off + 4, s);
			off += 8;
			in = 0;
			if (++n == CHAT_BULK_RANGES)
				break;
		}
	}
	if (in && n < CHAT_BULK_RANGES) {
		stun_store32(b->out + off, start);
		stun_store32(b->out + off + 4, s);
		off += 8;
		n++;
	}
	b->out[0] = CHAT_BULK_FRAME_ACK;
	b->out[1] = (uint8_t)n;
	stun_store16(b->out + 2, (uint16_t)(b->c.window - (cum - b->rcv_nxt)));
	stun_store32(b->out + 4, cum);
	stun_store32(b->out + 8, b->ts_echo);
	stun_store32(b->out + 12, 0);
	a->kind = CHAT_BULK_A_SEND;
	a->buf = b->out;
	a->len = off;
	b->ack_pending = 0;
	b->ack_now = 0;
	b->st.acks_sent++;
}

/* May a record leave at now?  Else *wake says when. */
static int
bulk_paced(struct chat_bulk *b, uint64_t now, uint64_t *wake)
{
	double	rate, srtt, burst;

	if (!b->have_rtt)
		return (1);
	/*
	 * Samples are whole ms, but at a random phase of the clock: their
	 * mean is the round trip, below 1 ms too (a LAN, loopback).  The
	 * floor keeps the rate finite; the window still bounds the flight.
	 */
	srtt = (double)b->srtt_us / 1000.0;
	if (srtt < CHAT_BULK_SRTT_FLOOR)
		srtt = CHAT_BULK_SRTT_FLOOR;
	/* Records per ms: twice the window per RTT in slow start. */
	rate = (b->cwnd < b->ssthresh ? 2.0 : 1.25) * b->cwnd / srtt;
	burst = 2 * rate + 2;
	/* tokens_at is now + 1: 0 means the bucket starts full. */
	if (b->tokens_at == 0)
		b->tokens = burst;
	else
		b->tokens += (double)(now + 1 - b->tokens_at) * rate;
	b->tokens_at = now + 1;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens >= 1)
		return (1);
	*wake = now + (uint64_t)((1 - b->tokens) / rate) + 1;
	return (0);
}

static void
bulk_build_data(struct chat_bulk *b, uint32_t seq, uint64_t now,
    struct chat_bulk_action *a)
{
	struct chat_bulk_tx	*t = &b->tx[seq & b->mask];

	t->xmit = ++b->xmit;
	t->sent_at = now;
	t->state = TX_INFLIGHT;
	b->inflight++;
	b->st.sent++;
	b->out[0] = CHAT_BULK_FRAME_DATA;
	b->out[1] = 0;
	stun_store16(b->out + 2, 0);
	stun_store32(b->out + 4, seq);
	stun_store32(b->out + 8, (uint32_t)now);
	memcpy(b->out + CHAT_BULK_DATA_HDR,
	    b->txbuf + (size_t)(seq & b->mask) * b->payload, t->len);
	a->kind = CHAT_BULK_A_SEND;
	a->buf = b->out;
	a->len = CHAT_BULK_DATA_HDR + t->len;
	if (b->rto_at == 0)
		b->rto_at = now + b->rto;
	if (b->pto_at == 0)
		b->pto_at = now + bulk_pto(b);
	if (b->tokens >= 1)
		b->tokens -= 1;
}

/* RFC 6298 5.4-5.7: everything in flight is lost, the timer backs off. */
static void
bulk_timeout(struct chat_bulk *b, uint64_t now)
{
	struct chat_bulk_tx	*t;
	uint32_t		 s;

	b->st.timeouts++;
	b->rack_at = 0;
	b->pto_at = 0;
	for (s = b->una; s != b->nxt; s++) {
		t = &b->tx[s & b->mask];
		if (t->state == TX_INFLIGHT) {
			t->state = TX_LOST;
			b->inflight--;
			b->nlost++;
		}
	}
	/* RFC 9438 4.8: as a congestion event, then one record. */
	bulk_cc_loss(b);
	b->cwnd = 1;
	b->backoff++;
	b->rto = b->rto * 2 > CHAT_BULK_RTO_MAX ? CHAT_BULK_RTO_MAX :
	    b->rto * 2;
	b->rto_at = now + b->rto;
}

/*
 * No acknowledgement for a PTO with records in flight: the last ones may
 * all be lost (or their ACK), and nothing sent after them would tell.
 * Send one record, new if the peer's window allows, else the latest in
 * flight again, so that its ACK finds the losses without the RTO.
 */
static int
bulk_probe(struct chat_bulk *b, uint64_t now, struct chat_bulk_action *a)
{
	uint32_t	s;

	b->pto_at = 0;
	b->st.probes++;
	if (b->nxt != b->end && b->nxt - b->una < b->peer_wnd) {
		bulk_build_data(b, b->nxt++, now, a);
		return (1);
	}
	for (s = b->nxt; s != b->una; s--)
		if (b->tx[(s - 1) & b->mask].state == TX_INFLIGHT) {
			b->inflight--;	/* counted again as it leaves */
			b->st.resent++;
			bulk_build_data(b, s - 1, now, a);
			return (1);
		}
	return (0);
}

/* Lost records first, then new ones, as the windows and pacing allow. */
static int
bulk_next_send(struct chat_bulk *b, uint64_t now, struct chat_bulk_action *a,
    uint64_t *wake)
{
	uint32_t	s;

	if (b->tx == NULL || b->failed)
		return (0);
	if (b->nlost == 0 && b->nxt == b->end) {
		if (b->inflight < (unsigned)b->cwnd)
			b->cwnd_limited = 0;	/* nothing to send */
		return (0);
	}
	if (b->nlost == 0 && b->nxt - b->una >= b->peer_wnd)
		return (0);
	if (b->inflight >= (unsigned)b->cwnd) {
		b->cwnd_limited = 1;
		return (0);
	}
	if (!bulk_paced(b, now, wake))
		return (0);
	if (b->nlost > 0) {
		for (s = b->una; s != b->nxt; s++)
			if (b->tx[s & b->mask].state == TX_LOST)
				break;
		if (s != b->nxt) {
			b->nlost--;
			b->st.resent++;
			bulk_build_data(b, s, now, a);
			return (1);
		}
		b->nlost = 0;	/* not reached: the count is exact */
	}
	if (b->nxt == b->end || b->nxt - b->una >= b->peer_wnd)
		return (0);
	bulk_build_data(b, b->nxt++, now, a);
	return (1);
}

static void
bulk_wake(uint64_t *w, uint64_t t)
{
	if (t != 0 && (*w == 0 || t < *w))
		*w = t;
}

void
chat_bulk_next(struct chat_bulk *b, uint64_t now, struct chat_bulk_action *a)
{
	struct chat_bulk_rx	*r;
	uint64_t		 wake = 0;

	memset(a, 0, sizeof(*a));
	if (b->out == NULL)
		return;
	/* Records in sequence go up first: the ACK then opens the window. */
	if (b->rx != NULL && b->rcv_nxt != b->rcv_high &&
	    (r = &b->rx[b->rcv_nxt & b->mask])->used) {
		r->used = 0;
		a->kind = CHAT_BULK_A_RECORD;
		a->buf = b->rxbuf + (size_t)(b->rcv_nxt & b->mask) *
		    b->payload;
		a->len = r->len;
		b->rcv_nxt++;
		b->st.delivered++;
		return;
	}
	/*
	 * The caller hands in what came in one turn, then asks: one ACK per
	 * turn, not one per two records, and no delayed ACK to stall a
	 * small window.
	 */
	if (b->ack_now || b->ack_pending > 0) {
		bulk_build_ack(b, a);
		return;
	}
	if (b->una != b->end && !b->failed &&
	    now - b->progress_at >= b->c.timeout)
		b->failed = 1;
	if (b->failed) {
		if (!b->fail_told) {
			b->fail_told = 1;
			a->kind = CHAT_BULK_A_FAILED;
			return;
		}
	} else if (b->rto_at != 0 && now >= b->rto_at)
		bulk_timeout(b, now);
	else if (b->rack_at != 0 && now >= b->rack_at)
		bulk_detect_loss(b, now);
	if (bulk_next_send(b, now, a, &wake))
		return;
	if (!b->failed && b->pto_at != 0 && now >= b->pto_at &&
	    b->inflight > 0 && bulk_probe(b, now, a))
		return;
	if (!b->failed) {
		bulk_wake(&wake, b->rto_at);
		bulk_wake(&wake, b->rack_at);
		if (b->inflight > 0)
			bulk_wake(&wake, b->pto_at);
		if (b->una != b->end)
			bulk_wake(&wake, b->progress_at + b->c.timeout);
	}
	a->kind = CHAT_BULK_A_NONE;
	a->wake = wake;
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Reliable delivery to one peer.  Messages are cut into fragments that
 * share one sequence space; the receiver consumes fragments in sequence
 * order, so message order follows.  At most CHAT_REL_WINDOW fragments past
 * the lowest unacknowledged one are in flight, and the receiver holds at
 * most as many out of order.  A message the sender gives up on is skipped
 * by the receiver through the base field of later DATA frames.
 */
#include <stdlib.h>
#include <string.h>

#include "libstun/buf.h"
#include "chat/reliable.h"

#define SEQ_HALF	0x80000000U

struct chat_rel_frag {
	uint64_t	next;		/* next (re)send time */
	uint32_t	rto;
	uint8_t		sends;
	uint8_t		acked;
};

#define TX_PENDING	0
#define TX_ACKED	1
#define TX_FAILED	2

struct chat_rel_txmsg {
	struct chat_rel_txmsg *next;
	uint32_t	 id;
	uint32_t	 seq0;
	uint16_t	 nfrag, nacked;
	int		 state;
	int		 started;
	uint64_t	 start;		/* first send */
	uint8_t		*data;
	size_t		 len;
	struct chat_rel_frag *f;
};

/* a before b in serial order. */
static int
seq_before(uint32_t a, uint32_t b)
{
	return (a != b && b - a < SEQ_HALF);
}

int
chat_rel_init(struct chat_rel *r, const struct chat_rel_config *c)
{
	struct chat_rel_config	d;

	memset(r, 0, sizeof(*r));
	memset(&d, 0, sizeof(d));
	if (c != NULL)
		d = *c;
	if (d.mtu == 0)
		d.mtu = CHAT_REL_MTU_DEFAULT;
	if (d.rto == 0)
		d.rto = CHAT_REL_RTO_DEFAULT;
	if (d.rto_max == 0)
		d.rto_max = CHAT_REL_RTO_MAX;
	if (d.attempts == 0)
		d.attempts = CHAT_REL_ATTEMPTS;
	if (d.timeout == 0)
		d.timeout = CHAT_REL_TIMEOUT;
	if (d.max_tx == 0)
		d.max_tx = CHAT_REL_MAX_TX;
	if (d.max_msgs == 0)
		d.max_msgs = CHAT_REL_MAX_MSGS;
	if (d.max_rx == 0)
		d.max_rx = CHAT_REL_MAX_RX;
	if (d.mtu > STUN_MAX_MSG || d.overhead >= d.mtu ||
	    d.mtu - d.overhead < CHAT_REL_MTU_MIN || d.attempts > 255 ||
	    d.rto_max < d.rto)
		return (STUN_ERR_INVALID);
	r->c = d;
	r->payload = d.mtu - d.overhead - CHAT_REL_DATA_HDR;
	if ((r->out = malloc(d.mtu)) == NULL)
		return (STUN_ERR_NOSPACE);
	r->next_id = 1;
	r->peer_wnd = CHAT_REL_WINDOW_INIT;
	return (0);
}

static void
txmsg_free(struct chat_rel_txmsg *m)
{
	free(m->f);
	free(m->data);
	free(m);
}

static void
slot_clear(struct chat_rel *r, struct chat_rel_slot *s)
{
	if (s->used) {
		r->rx_bytes -= s->len;
		free(s->data);
	}
	memset(s, 0, sizeof(*s));
}

static void
reasm_clear(struct chat_rel *r)
{
	free(r->rbuf);
	r->rbuf = NULL;
	r->rlen = r->rcap = 0;
	r->ractive = r->rready = 0;
}

void
chat_rel_free(struct chat_rel *r)
{
	struct chat_rel_txmsg	*m, *n;
	unsigned		 i;

	for (m = r->head; m != NULL; m = n) {
		n = m->next;
		txmsg_free(m);
	}
	for (i = 0; i < CHAT_REL_WINDOW; i++)
		slot_clear(r, &r->slots[i]);
	reasm_clear(r);
	free(r->out);
	memset(r, 0, sizeof(*r));
}

int
chat_rel_send(struct chat_rel *r, const uint8_t *msg, size_t len,
    uint64_t now, uint32_t *id)
{
	struct chat_rel_txmsg	*m;
	size_t			 nfrag;

	if (msg == NULL && len > 0)
		return (STUN_ERR_INVALID);
	if (len > CHAT_REL_MSG_MAX)
		return (STUN_ERR_TOO_BIG);
	if (r->nmsgs >= r->c.max_msgs || len > r->c.max_tx - r->tx_bytes)
		return (STUN_ERR_NOSPACE);
	nfrag = len == 0 ? 1 : (len + r->payload - 1) / r->payload;
	if (nfrag > UINT16_MAX)
		return (STUN_ERR_TOO_BIG);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (STUN_ERR_NOSPACE);
	m->f = calloc(nfrag, sizeof(*m->f));
	m->data = malloc(len == 0 ? 1 : len);
	if (m->f == NULL || m->data == NULL) {
		txmsg_free(m);
		return (STUN_ERR_NOSPACE);
	}
	if (len > 0)
		memcpy(m->data, msg, len);
	m->len = len;
	m->nfrag = (uint16_t)nfrag;
	m->id = r->next_id++;
	m->seq0 = r->snd_nxt;
	m->start = now;
	r->snd_nxt += (uint32_t)nfrag;
	if (r->tail != NULL)
		r->tail->next = m;
	else
		r->head = m;
	r->tail = m;
	r->nmsgs++;
	r->tx_bytes += len;
	*id = m->id;
	return (0);
}

/* The lowest fragment the sender still retransmits (or snd_nxt). */
static void
update_una(struct chat_rel *r)
{
	struct chat_rel_txmsg	*m;
	unsigned		 i;

	for (m = r->head; m != NULL; m = m->next) {
		if (m->state != TX_PENDING)
			continue;
		for (i = 0; i < m->nfrag; i++)
			if (!m->f[i].acked) {
				r->snd_una = m->seq0 + i;
				return;
			}
	}
	r->snd_una = r->snd_nxt;
}

static void
input_ack(struct chat_rel *r, uint16_t wnd, uint32_t cum, uint64_t sack)
{
	struct chat_rel_txmsg	*m;
	uint32_t		 seq, d;
	unsigned		 i;

	/* An ack for fragments never sent is bogus. */
	if (cum - r->snd_una > r->snd_nxt - r->snd_una)
		return;
	if (seq_before(r->peer_cum, cum))
		r->peer_cum = cum;
	/* Flow control: never less than one, the fragment it awaits. */
	r->peer_wnd = wnd < 1 ? 1 : wnd > CHAT_REL_WINDOW ? CHAT_REL_WINDOW :
	    wnd;
	for (m = r->head; m != NULL; m = m->next) {
		if (m->state != TX_PENDING)
			continue;
		for (i = 0; i < m->nfrag; i++) {
			if (m->f[i].acked)
				continue;
			seq = m->seq0 + i;
			d = seq - cum - 1;
			if (!seq_before(seq, cum) &&
			    !(d < 64 && ((sack >> d) & 1)))
				continue;
			m->f[i].acked = 1;
			m->nacked++;
		}
		if (m->nacked == m->nfrag)
			m->state = TX_ACKED;
	}
	update_una(r);
}

/*
 * The sender retransmits nothing before skip_to any more: jump over
 * missing fragments up to it (fragments we hold are still consumed) and
 * abandon a message that can no longer complete.
 */
static void
skip_missing(struct chat_rel *r)
{
	struct chat_rel_slot	*s;
	uint32_t		 to;
	unsigned		 i;

	if (!r->skip_valid)
		return;
	s = &r->slots[r->rcv_next % CHAT_REL_WINDOW];
	if (!seq_before(r->rcv_next, r->skip_to)) {
		r->skip_valid = 0;
		return;
	}
	if (s->used && s->seq == r->rcv_next)
		return;
	to = r->skip_to;
	for (i = 0; i < CHAT_REL_WINDOW; i++) {
		s = &r->slots[i];
		if (s->used && seq_before(s->seq, to) &&
		    !seq_before(s->seq, r->rcv_next))
			to = s->seq;
	}
	r->st.skipped += to - r->rcv_next;
	r->rcv_next = to;
	if (r->ractive)
		reasm_clear(r);
	if (to == r->skip_to)
		r->skip_valid = 0;
}

static void
input_base(struct chat_rel *r, uint32_t base)
{
	if (seq_before(r->rcv_next, base) &&
	    (!r->skip_valid || seq_before(r->skip_to, base))) {
		r->skip_to = base;
		r->skip_valid = 1;
	}
	skip_missing(r);
	r->ack_pending = 1;
}

static int
input_data(struct chat_rel *r, const uint8_t *p, size_t len)
{
	struct chat_rel_slot	*s;
	uint32_t		 seq, d;
	uint16_t		 idx, cnt;

	idx = stun_load16(p + 2);
	cnt = stun_load16(p + 4);
	seq = stun_load32(p + 8);
	if (cnt == 0 || idx >= cnt || p[1] != 0 || stun_load16(p + 6) != 0 ||
	    len - CHAT_REL_DATA_HDR > CHAT_REL_MSG_MAX)
		return (STUN_ERR_BAD_ATTR);
	input_base(r, stun_load32(p + 16));
	d = seq - r->rcv_next;
	if (d >= SEQ_HALF) {
		r->st.dups++;		/* consumed already */
		return (0);
	}
	if (d >= CHAT_REL_WINDOW) {
		r->st.dropped_window++;
		return (0);
	}
	s = &r->slots[seq % CHAT_REL_WINDOW];
	if (s->used) {
		r->st.dups++;
		return (0);
	}
	len -= CHAT_REL_DATA_HDR;
	if (len > r->rx_frag_max)
		r->rx_frag_max = len;
	/* The next fragment in order is always taken, so we progress. */
	if (d != 0 && (r->rx_bytes >= r->c.max_rx ||
	    len > r->c.max_rx - r->rx_bytes)) {
		r->st.dropped_mem++;
		return (0);
	}
	if ((s->data = malloc(len == 0 ? 1 : len)) == NULL) {
		r->st.dropped_mem++;
		return (0);
	}
	memcpy(s->data, p + CHAT_REL_DATA_HDR, len);
	s->len = len;
	s->seq = seq;
	s->id = stun_load32(p + 12);
	s->idx = idx;
	s->cnt = cnt;
	s->used = 1;
	r->rx_bytes += len;
	return (0);
}

int
chat_rel_input(struct chat_rel *r, const uint8_t *frame, size_t len,
    uint64_t now)
{
	int	rv = STUN_ERR_NOT_STUN;

	(void)now;
	if (len < 1)
		rv = STUN_ERR_TRUNCATED;
	else if (frame[0] == CHAT_REL_FRAME_DATA) {
		rv = len < CHAT_REL_DATA_HDR ? STUN_ERR_TRUNCATED :
		    input_data(r, frame, len);
	} else if (frame[0] == CHAT_REL_FRAME_FORWARD) {
		if (len != CHAT_REL_FWD_LEN)
			rv = STUN_ERR_TRUNCATED;
		else if (frame[1] != 0 || frame[2] != 0 || frame[3] != 0)
			rv = STUN_ERR_BAD_ATTR;
		else {
			input_base(r, stun_load32(frame + 4));
			rv = 0;
		}
	} else if (frame[0] == CHAT_REL_FRAME_ACK) {
		if (len != CHAT_REL_ACK_LEN)
			rv = STUN_ERR_TRUNCATED;
		else if (frame[1] != 0)
			rv = STUN_ERR_BAD_ATTR;
		else {
			input_ack(r, stun_load16(frame + 2),
			    stun_load32(frame + 4),
			    ((uint64_t)stun_load32(frame + 8) << 32) |
			    stun_load32(frame + 12));
			rv = 0;
		}
	}
	if (rv < 0)
		r->st.bad++;
	return (rv);
}

/*
 * Consume in-order fragments into the reassembly buffer.  Returns 1 when a
 * message is complete.
 */
static int
consume(struct chat_rel *r)
{
	struct chat_rel_slot	*s;
	size_t			 need;

	for (;;) {
		skip_missing(r);
		s = &r->slots[r->rcv_next % CHAT_REL_WINDOW];
		if (!s->used || s->seq != r->rcv_next)
			return (0);
		r->rcv_next++;
		if (!r->ractive) {
			if (s->idx != 0)
				goto bad;
			r->ractive = 1;
			r->rid = s->id;
			r->rcnt = s->cnt;
			r->rnext = 0;
			r->rlen = 0;
		} else if (s->idx != r->rnext || s->id != r->rid ||
		    s->cnt != r->rcnt)
			goto bad;
		need = r->rlen + s->len;
		if (need > CHAT_REL_MSG_MAX)
			goto bad;
		if (need > r->rcap) {
			uint8_t	*nb;

			if ((nb = realloc(r->rbuf, need)) == NULL)
				goto bad;
			r->rbuf = nb;
			r->rcap = need;
		}
		if (s->len > 0)
			memcpy(r->rbuf + r->rlen, s->data, s->len);
		r->rlen += s->len;
		r->rnext++;
		slot_clear(r, s);
		if (r->rnext == r->rcnt) {
			r->ractive = 0;
			r->rready = 1;
			return (1);
		}
		continue;
bad:
		/* A broken fragment chain: drop it and what it started. */
		r->st.bad++;
		slot_clear(r, s);
		reasm_clear(r);
	}
}

static void
build_ack(struct chat_rel *r, struct chat_rel_action *a)
{
	struct chat_rel_slot	*s;
	uint32_t		 cum = r->rcv_next, seq;
	uint64_t		 sack = 0;
	size_t			 wnd;
	unsigned		 i;

	for (i = 0; i < CHAT_REL_WINDOW; i++) {
		s = &r->slots[cum % CHAT_REL_WINDOW];
		if (!s->used || s->seq != cum)
			break;
		cum++;
	}
	for (i = 0; i < 64; i++) {
		seq = cum + 1 + i;
		s = &r->slots[seq % CHAT_REL_WINDOW];
		if (s->used && s->seq == seq)
			sack |= 1ULL << i;
	}
	/* Out-of-order fragments we can hold, plus the awaited one. */
	wnd = CHAT_REL_WINDOW;
	if (r->rx_frag_max > 0 && r->c.max_rx / r->rx_frag_max + 1 < wnd)
		wnd = r->c.max_rx / r->rx_frag_max + 1;
	memset(r->out, 0, CHAT_REL_ACK_LEN);
	r->out[0] = CHAT_REL_FRAME_ACK;
	stun_store16(r->out + 2, (uint16_t)wnd);
	stun_store32(r->out + 4, cum);
	stun_store32(r->out + 8, (uint32_t)(sack >> 32));
	stun_store32(r->out + 12, (uint32_t)sack);
	a->kind = CHAT_REL_SEND;
	a->buf = r->out;
	a->len = CHAT_REL_ACK_LEN;
	r->ack_pending = 0;
	r->st.acks_sent++;
}

static void
build_data(struct chat_rel *r, struct chat_rel_txmsg *m, unsigned i,
    struct chat_rel_action *a)
{
	size_t	off = (size_t)i * r->payload, n;

	n = m->len - off < r->payload ? m->len - off : r->payload;
	if (m->len == 0)
		n = 0;
	r->out[0] = CHAT_REL_FRAME_DATA;
	r->out[1] = 0;
	stun_store16(r->out + 2, (uint16_t)i);
	stun_store16(r->out + 4, m->nfrag);
	stun_store16(r->out + 6, 0);
	stun_store32(r->out + 8, m->seq0 + i);
	stun_store32(r->out + 12, m->id);
	stun_store32(r->out + 16, r->snd_una);
	if (n > 0)
		memcpy(r->out + CHAT_REL_DATA_HDR, m->data + off, n);
	a->kind = CHAT_REL_SEND;
	a->buf = r->out;
	a->len = CHAT_REL_DATA_HDR + n;
}

/* Report and unlink the first finished message, if any. */
static int
next_event(struct chat_rel *r, struct chat_rel_action *a)
{
	struct chat_rel_txmsg	*m, *prev = NULL;

	for (m = r->head; m != NULL; prev = m, m = m->next)
		if (m->state != TX_PENDING)
			break;
	if (m == NULL)
		return (0);
	a->kind = m->state == TX_ACKED ? CHAT_REL_DELIVERED :
	    CHAT_REL_UNDELIVERED;
	a->id = m->id;
	if (prev != NULL)
		prev->next = m->next;
	else
		r->head = m->next;
	if (r->tail == m)
		r->tail = prev;
	r->nmsgs--;
	r->tx_bytes -= m->len;
	txmsg_free(m);
	return (1);
}

static void
fail_msg(struct chat_rel *r, struct chat_rel_txmsg *m)
{
	m->state = TX_FAILED;
	update_una(r);
}

/* The first fragment due at now, failing messages out of time. */
static int
next_send(struct chat_rel *r, uint64_t now, struct chat_rel_action *a)
{
	struct chat_rel_txmsg	*m;
	struct chat_rel_frag	*f;
	unsigned		 i;
	uint32_t		 seq;

	for (m = r->head; m != NULL; m = m->next) {
		if (m->state != TX_PENDING)
			continue;
		if (m->started && now - m->start >= r->c.timeout) {
			fail_msg(r, m);
			return (0);
		}
		for (i = 0; i < m->nfrag; i++) {
			f = &m->f[i];
			seq = m->seq0 + i;
			if (f->acked)
				continue;
			/* Unacknowledged fragments are at or past snd_una. */
			if (seq - r->snd_una >= r->peer_wnd)
				return (0);
			if (f->next > now)
				continue;
			if (f->sends >= r->c.attempts) {
				fail_msg(r, m);
				return (0);
			}
			if (f->sends == 0)
				f->rto = r->c.rto;
			else {
				f->rto = f->rto > r->c.rto_max / 2 ?
				    r->c.rto_max : f->rto * 2;
				r->st.resent++;
			}
			f->sends++;
			f->next = now + f->rto;
			if (!m->started) {
				/* The timeout runs from the first send. */
				m->started = 1;
				m->start = now;
			}
			r->st.sent++;
			build_data(r, m, i, a);
			return (1);
		}
	}
	return (0);
}

/*
 * Fragments below snd_una that the peer has not acknowledged were given
 * up: tell it to skip them (DATA frames carry the same base, but there may
 * be none).  Sent with backoff, at most attempts times per base.
 */
static int
fwd_needed(const struct chat_rel *r)
{
	return (seq_before(r->peer_cum, r->snd_una) &&
	    (r->fwd_base != r->snd_una || r->fwd_sends < r->c.attempts));
}

static int
next_forward(struct chat_rel *r, uint64_t now, struct chat_rel_action *a)
{
	uint32_t	rto;
	unsigned	i;

	if (!fwd_needed(r))
		return (0);
	if (r->fwd_base != r->snd_una) {
		r->fwd_base = r->snd_una;
		r->fwd_sends = 0;
		r->fwd_next = now;
	}
	if (r->fwd_next > now)
		return (0);
	for (rto = r->c.rto, i = 0; i < r->fwd_sends && rto < r->c.rto_max;
	    i++)
		rto *= 2;
	r->fwd_sends++;
	r->fwd_next = now + (rto < r->c.rto_max ? rto : r->c.rto_max);
	memset(r->out, 0, CHAT_REL_FWD_LEN);
	r->out[0] = CHAT_REL_FRAME_FORWARD;
	stun_store32(r->out + 4, r->fwd_base);
	a->kind = CHAT_REL_SEND;
	a->buf = r->out;
	a->len = CHAT_REL_FWD_LEN;
	return (1);
}

int
chat_rel_next(struct chat_rel *r, uint64_t now, struct chat_rel_action *a)
{
	memset(a, 0, sizeof(*a));
	if (r->rready) {
		/* The message handed out last time is done with. */
		reasm_clear(r);
	}
	if (consume(r)) {
		a->kind = CHAT_REL_MESSAGE;
		a->id = r->rid;
		a->buf = r->rbuf;
		a->len = r->rlen;
		return (a->kind);
	}
	if (r->ack_pending) {
		build_ack(r, a);
		return (a->kind);
	}
	/* A failure found while sending is reported right after. */
	if (next_event(r, a) || next_send(r, now, a) || next_event(r, a) ||
	    next_forward(r, now, a))
		return (a->kind);
	return (CHAT_REL_NONE);
}

uint64_t
chat_rel_wake(const struct chat_rel *r)
{
	const struct chat_rel_txmsg	*m;
	uint64_t			 w = 0, t;
	unsigned			 i;

	if (fwd_needed(r))
		w = r->fwd_base != r->snd_una ? 1 : r->fwd_next;
	for (m = r->head; m != NULL; m = m->next) {
		if (m->state != TX_PENDING)
			return (1);	/* an event is waiting: now */
		t = m->start + r->c.timeout;
		if (m->started && (w == 0 || t < w))
			w = t;
		for (i = 0; i < m->nfrag; i++) {
			if (m->f[i].acked)
				continue;
			if (m->seq0 + i - r->snd_una >= r->peer_wnd)
				return (w);
			/* Never sent: due at once (1 is before any now). */
			t = m->f[i].next == 0 ? 1 : m->f[i].next;
			if (w == 0 || t < w)
				w = t;
		}
	}
	return (w);
}

unsigned
chat_rel_pending(const struct chat_rel *r)
{
	return (r->nmsgs);
}

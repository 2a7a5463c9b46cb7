/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Client transactions (RFC 8489 6.2): the retransmission schedule over
 * unreliable transports, the Ti timeout over reliable ones, and the per
 * server RTO cache (RFC 6298).  No I/O and no clock: time comes in as now.
 */
#include <string.h>

#include "libstun/stun.h"
#include "libstun/txn.h"

/* RFC 6298 2.4: an upper bound on the RTO, at least 60 seconds. */
#define TXN_RTO_MAX	(60000)
/* RFC 6298 2: the clock granularity G of a millisecond clock. */
#define TXN_CLOCK_G	(1)

static uint64_t
txn_add(uint64_t t, uint64_t d)
{
	if (d > UINT64_MAX - t)
		return (UINT64_MAX);
	return (t + d);
}

static uint32_t
txn_double(uint32_t v)
{
	if (v > UINT32_MAX / 2)
		return (UINT32_MAX);
	return (v * 2);
}

/* After a send: wait cur_rto, or rm * rto once all rc sends went out. */
static void
txn_arm(struct stun_txn *t, uint64_t now)
{
	t->last_send = now;
	if (t->p.reliable)
		t->next = txn_add(now, t->p.ti);
	else if (t->sent >= t->p.rc)
		t->next = txn_add(now, (uint64_t)t->p.rm * t->p.rto);
	else
		t->next = txn_add(now, t->cur_rto);
}

int
stun_txn_start(struct stun_txn *t, const struct stun_txn_params *p,
    const uint8_t tid[STUN_TID_LEN], uint64_t now)
{
	if (t == NULL || tid == NULL)
		return (STUN_ERR_INVALID);

	memset(t, 0, sizeof(*t));
	if (p != NULL)
		t->p = *p;
	if (t->p.rto == 0)
		t->p.rto = STUN_RTO_DEFAULT;
	if (t->p.rc == 0)
		t->p.rc = STUN_RC_DEFAULT;
	if (t->p.rm == 0)
		t->p.rm = STUN_RM_DEFAULT;
	if (t->p.ti == 0)
		t->p.ti = STUN_TI_DEFAULT;
	t->p.reliable = t->p.reliable != 0;
	memcpy(t->tid, tid, STUN_TID_LEN);

	t->state = STUN_TXN_WAIT;
	t->sent = 1;
	t->cur_rto = t->p.rto;
	t->start = now;
	txn_arm(t, now);
	return (STUN_TXN_SEND);
}

uint64_t
stun_txn_next(const struct stun_txn *t)
{
	if (t == NULL || t->state != STUN_TXN_WAIT)
		return (0);
	return (t->next);
}

int
stun_txn_timer(struct stun_txn *t, uint64_t now)
{
	if (t == NULL)
		return (STUN_ERR_INVALID);
	if (t->state == STUN_TXN_TIMEOUT)
		return (STUN_TXN_TIMEOUT);
	if (t->state != STUN_TXN_WAIT || now < t->next)
		return (STUN_TXN_WAIT);

	if (t->p.reliable || t->sent >= t->p.rc) {
		t->state = STUN_TXN_TIMEOUT;
		t->next = 0;
		return (STUN_TXN_TIMEOUT);
	}

	/* RFC 8489 6.2.1: RTO doubles after each retransmission. */
	t->sent++;
	t->cur_rto = txn_double(t->cur_rto);
	txn_arm(t, now);
	return (STUN_TXN_SEND);
}

int
stun_txn_input(struct stun_txn *t, const struct stun_msg *m, uint64_t now)
{
	uint64_t	rtt;

	if (t == NULL || m == NULL || !m->hdr_ok)
		return (STUN_TXN_WAIT);
	if (t->state != STUN_TXN_WAIT)
		return (STUN_TXN_WAIT);
	if (m->cls != STUN_CLASS_SUCCESS && m->cls != STUN_CLASS_ERROR)
		return (STUN_TXN_WAIT);
	if (memcmp(m->tid, t->tid, STUN_TID_LEN) != 0)
		return (STUN_TXN_WAIT);

	t->state = STUN_TXN_DONE;
	t->next = 0;
	/* Karn's rule: a retransmitted request gives no RTT sample. */
	t->rtt = 0;
	if (t->sent == 1 && now >= t->start) {
		rtt = now - t->start;
		t->rtt = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	}
	return (STUN_TXN_DONE);
}

void
stun_rto_cache_init(struct stun_rto_cache *c)
{
	if (c != NULL)
		memset(c, 0, sizeof(*c));
}

static int
rto_fresh(const struct stun_rto_entry *e, uint64_t now)
{
	if (!e->used)
		return (0);
	if (now <= e->updated)
		return (1);
	return (now - e->updated < STUN_RTO_CACHE_MS);
}

/* The slot holding server, or -1. */
static int
rto_find(const struct stun_rto_cache *c, const struct stun_addr *server)
{
	int	i;

	for (i = 0; i < STUN_RTO_CACHE_SIZE; i++) {
		if (c->e[i].used && stun_addr_equal(&c->e[i].server, server))
			return (i);
	}
	return (-1);
}

uint32_t
stun_rto_cache_get(const struct stun_rto_cache *c,
    const struct stun_addr *server, uint64_t now)
{
	int	i;

	if (c == NULL || server == NULL)
		return (STUN_RTO_DEFAULT);
	i = rto_find(c, server);
	if (i == -1 || !rto_fresh(&c->e[i], now))
		return (STUN_RTO_DEFAULT);
	return (c->e[i].rto);
}

/* RFC 6298 2.2, 2.3: RTO = SRTT + max(G, 4 * RTTVAR), floored, capped. */
static void
rto_compute(struct stun_rto_entry *e)
{
	uint64_t	k, rto;

	k = 4 * (uint64_t)e->rttvar;
	if (k < TXN_CLOCK_G)
		k = TXN_CLOCK_G;
	rto = (uint64_t)e->srtt + k;
	if (rto < STUN_RTO_MIN)
		rto = STUN_RTO_MIN;
	if (rto > TXN_RTO_MAX)
		rto = TXN_RTO_MAX;
	e->rto = (uint32_t)rto;
}

void
stun_rto_cache_update(struct stun_rto_cache *c,
    const struct stun_addr *server, uint32_t rtt, uint64_t now)
{
	struct stun_rto_entry	*e = NULL, *victim = NULL;
	uint64_t		 diff;
	int			 i;

	if (c == NULL || server == NULL)
		return;
	if (rtt > TXN_RTO_MAX)
		rtt = TXN_RTO_MAX;

	if ((i = rto_find(c, server)) != -1)
		e = &c->e[i];
	if (e != NULL && rto_fresh(e, now)) {
		/* RFC 6298 2.3, beta 1/4 then alpha 1/8. */
		diff = e->srtt > rtt ? e->srtt - rtt : rtt - e->srtt;
		e->rttvar = (uint32_t)((3 * (uint64_t)e->rttvar + diff) / 4);
		e->srtt = (uint32_t)((7 * (uint64_t)e->srtt + rtt) / 8);
		rto_compute(e);
		e->updated = now;
		return;
	}

	if (e == NULL) {
		/* A free or expired slot, else the least recently updated. */
		for (i = 0; i < STUN_RTO_CACHE_SIZE; i++) {
			if (!rto_fresh(&c->e[i], now)) {
				e = &c->e[i];
				break;
			}
			if (victim == NULL || c->e[i].updated < victim->updated)
				victim = &c->e[i];
		}
		if (e == NULL)
			e = victim;
	}

	/* RFC 6298 2.2: the first measurement. */
	memset(e, 0, sizeof(*e));
	e->server = *server;
	e->srtt = rtt;
	e->rttvar = rtt / 2;
	rto_compute(e);
	e->updated = now;
	e->used = 1;
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Hard NATs: the plan a pair needs when one side's mapping depends on the
 * destination, and the paced, bounded probes that carry it out (port
 * prediction, or the birthday attempt of many mappings against random
 * probes).  Every probe goes to the peer's NAT address and nowhere else.
 * Also the wire form of the NAT essentials the rendezvous carries.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun.h"
#include "nat.h"
#include "hardnat.h"
#include "buf.h"

/* Does this side's mapping depend on where it sends? */
static int
hardnat_hard(const struct stun_hardnat_ess *e)
{
	return (e->mapping == STUN_NAT_AD || e->mapping == STUN_NAT_APD ||
	    e->mapping == STUN_NAT_DEP);
}

/* Can the next mapping of a hard side be predicted? */
static int
hardnat_predictable(const struct stun_hardnat_ess *e)
{
	return ((e->pattern == STUN_NAT_PAT_SEQUENTIAL && e->delta != 0) ||
	    (e->pattern == STUN_NAT_PAT_PRESERVE && e->port != 0));
}

void
stun_hardnat_decide(const struct stun_hardnat_ess *self,
    const struct stun_hardnat_ess *peer, unsigned max_socks,
    struct stun_hardnat_plan *p)
{
	const struct stun_hardnat_ess	*h, *e;

	memset(p, 0, sizeof(*p));
	if (max_socks == 0 || max_socks > STUN_HARDNAT_MAX_SOCKS)
		max_socks = STUN_HARDNAT_MAX_SOCKS;
	if (hardnat_hard(self) && hardnat_hard(peer)) {
		/* Two mappings that both move: nothing to aim at. */
		p->kind = STUN_HARDNAT_RELAY;
		return;
	}
	if (!hardnat_hard(self) && !hardnat_hard(peer))
		return;
	h = hardnat_hard(self) ? self : peer;
	e = h == self ? peer : self;
	/* The easy side's one mapping is what the hard side aims at. */
	if (e->mapping != STUN_NAT_EI)
		return;
	/*
	 * Filtering by address only (or none): the easy side's punch to the
	 * hard side's address already lets in whatever port it maps to.
	 */
	if (e->filtering == STUN_NAT_EI || e->filtering == STUN_NAT_AD)
		return;
	p->role = h == self ? STUN_HARDNAT_HARD : STUN_HARDNAT_EASY;
	if (hardnat_predictable(h)) {
		p->kind = STUN_HARDNAT_PREDICT;
		if (p->role == STUN_HARDNAT_HARD &&
		    h->pattern == STUN_NAT_PAT_PRESERVE)
			p->nsocks = 1;
	} else {
		p->kind = STUN_HARDNAT_BIRTHDAY;
		if (p->role == STUN_HARDNAT_HARD)
			p->nsocks = max_socks;
	}
}

int
stun_hardnat_init(struct stun_hardnat *h, const struct stun_hardnat_config *c)
{
	memset(h, 0, sizeof(*h));
	if ((c->peer_addr.family != STUN_AF_INET &&
	    c->peer_addr.family != STUN_AF_INET6) || c->peer_addr.port == 0 ||
	    c->duration > STUN_HARDNAT_DURATION ||
	    c->max_socks > STUN_HARDNAT_MAX_SOCKS ||
	    c->max_probes > STUN_HARDNAT_MAX_PROBES ||
	    c->window > STUN_HARDNAT_WINDOW_MAX)
		return (STUN_ERR_INVALID);
	h->c = *c;
	if (h->c.max_socks == 0)
		h->c.max_socks = STUN_HARDNAT_MAX_SOCKS;
	if (h->c.max_probes == 0)
		h->c.max_probes = STUN_HARDNAT_MAX_PROBES;
	if (h->c.duration == 0)
		h->c.duration = STUN_HARDNAT_DURATION;
	if (h->c.window == 0)
		h->c.window = STUN_HARDNAT_WINDOW;
	stun_hardnat_decide(&h->c.self, &h->c.peer, h->c.max_socks, &h->p);
	return (0);
}

/* Is port already a target? */
static int
hardnat_has(const struct stun_hardnat *h, uint16_t port)
{
	unsigned	 i;

	for (i = 0; i < h->ntargets; i++)
		if (h->target[i] == port)
			return (1);
	return (0);
}

/* Distinct random ports of the peer's address, not its known mapping. */
static int
hardnat_draw(struct stun_hardnat *h, unsigned want)
{
	uint8_t		 b[64];
	unsigned	 i, tries = 0;
	uint16_t	 port;
	int		 rc;

	while (h->ntargets < want) {
		/* 256 draws of 32 ports: far more than 1024 distinct. */
		if (tries++ >= 256)
			return (STUN_ERR_RANDOM);
		if ((rc = stun_random(h->c.rnd, h->c.rnd_arg, b,
		    sizeof(b))) != 0)
			return (rc);
		for (i = 0; i + 1 < sizeof(b) && h->ntargets < want; i += 2) {
			port = (uint16_t)(STUN_HARDNAT_PORT_LO +
			    ((unsigned)b[i] << 8 | b[i + 1]) %
			    (65536 - STUN_HARDNAT_PORT_LO));
			if (port == h->c.peer_addr.port ||
			    hardnat_has(h, port))
				continue;
			h->target[h->ntargets++] = port;
		}
	}
	return (0);
}

/* The peer's next mappings, delta apart after the one we know. */
static void
hardnat_predict(struct stun_hardnat *h)
{
	const struct stun_hardnat_ess	*pe = &h->c.peer;
	long				 port;
	unsigned			 k;

	if (pe->pattern == STUN_NAT_PAT_PRESERVE) {
		h->target[h->ntargets++] = pe->port;
		return;
	}
	for (k = 1; k <= h->c.window; k++) {
		port = (long)h->c.peer_addr.port + (long)pe->delta * (long)k;
		if (port < 1 || port > 65535)
			break;
		h->target[h->ntargets++] = (uint16_t)port;
	}
}

/* Sends to each of n targets once per round, within the probe cap. */
static unsigned
hardnat_total(const struct stun_hardnat *h, unsigned n)
{
	uint64_t	 rounds, t;

	rounds = h->c.duration / STUN_HARDNAT_ROUND;
	if (rounds == 0)
		rounds = 1;
	t = rounds * n;
	return (t > h->c.max_probes ? h->c.max_probes : (unsigned)t);
}

int
stun_hardnat_start(struct stun_hardnat *h, unsigned nsocks, uint64_t now)
{
	int	 rc = 0;

	if (h->state != STUN_HARDNAT_S_IDLE)
		return (STUN_ERR_STATE);
	h->nsocks = nsocks < h->p.nsocks ? nsocks : h->p.nsocks;
	h->start = now;
	h->end_at = now + h->c.duration;
	h->state = STUN_HARDNAT_S_RUN;
	/* The last sends leave a quarter of the time for their answers. */
	h->span = h->c.duration - h->c.duration / 4;
	switch (h->p.kind) {
	case STUN_HARDNAT_PREDICT:
		if (h->p.role == STUN_HARDNAT_EASY)
			hardnat_predict(h);
		else if (h->p.nsocks == 0 || h->nsocks > 0)
			h->target[h->ntargets++] = h->c.peer_addr.port;
		h->total = hardnat_total(h, h->ntargets);
		if (h->total > STUN_HARDNAT_MAX_PREDICT)
			h->total = STUN_HARDNAT_MAX_PREDICT;
		break;
	case STUN_HARDNAT_BIRTHDAY:
		/*
		 * The hard side opens one mapping per socket in the first
		 * sixth; the easy side probes after it.  A probe that comes
		 * before the mapping is lost, and worse: a NAT that tracks
		 * it (Linux conntrack) will not map that port to the easy
		 * side any more.
		 */
		if (h->p.role == STUN_HARDNAT_HARD) {
			h->target[h->ntargets++] = h->c.peer_addr.port;
			h->total = h->nsocks < h->c.max_probes ?
			    h->nsocks : h->c.max_probes;
			h->span = h->c.duration / 6;
		} else {
			rc = hardnat_draw(h, h->c.max_probes);
			h->total = h->ntargets;
			h->delay = h->c.duration / 6;
			h->span -= h->delay;
		}
		break;
	}
	if (rc != 0 || h->total == 0) {
		h->state = STUN_HARDNAT_S_DONE;
		h->ended_at = now;
	}
	return (rc);
}

static int
hardnat_same_ip(const struct stun_addr *a, const struct stun_addr *b)
{
	if (a->family != b->family)
		return (0);
	return (memcmp(a->ip, b->ip, a->family == STUN_AF_INET ? 4 : 16) ==
	    0);
}

int
stun_hardnat_found(struct stun_hardnat *h, unsigned sock,
    const struct stun_addr *from, uint64_t now)
{
	if (h->state != STUN_HARDNAT_S_RUN || sock > h->nsocks ||
	    !hardnat_same_ip(from, &h->c.peer_addr))
		return (STUN_ERR_INVALID);
	h->found = 1;
	h->found_sock = sock;
	h->found_from = *from;
	h->state = STUN_HARDNAT_S_DONE;
	h->ended_at = now;
	return (0);
}

void
stun_hardnat_stop(struct stun_hardnat *h, uint64_t now)
{
	if (h->state == STUN_HARDNAT_S_DONE)
		return;
	if (h->state == STUN_HARDNAT_S_IDLE)
		h->start = now;
	h->state = STUN_HARDNAT_S_DONE;
	h->ended_at = now;
}

/* The socket probe i leaves from. */
static unsigned
hardnat_sock(const struct stun_hardnat *h, unsigned i)
{
	if (h->p.kind == STUN_HARDNAT_BIRTHDAY &&
	    h->p.role == STUN_HARDNAT_HARD)
		return (1 + i);
	if (h->p.kind == STUN_HARDNAT_PREDICT &&
	    h->p.role == STUN_HARDNAT_HARD && h->p.nsocks == 1)
		return (1);
	return (0);
}

void
stun_hardnat_next(struct stun_hardnat *h, uint64_t now,
    struct stun_hardnat_action *a)
{
	uint64_t	 due;

	memset(a, 0, sizeof(*a));
	if (h->state == STUN_HARDNAT_S_RUN && now >= h->end_at) {
		h->state = STUN_HARDNAT_S_DONE;
		h->ended_at = now;
	}
	if (h->state != STUN_HARDNAT_S_RUN) {
		a->kind = h->state == STUN_HARDNAT_S_DONE ?
		    STUN_HARDNAT_A_DONE : STUN_HARDNAT_A_WAIT;
		a->wake = UINT64_MAX;
		return;
	}
	a->kind = STUN_HARDNAT_A_WAIT;
	a->wake = h->end_at;
	if (h->probes >= h->total)
		return;
	due = h->start + h->delay + (uint64_t)h->probes * h->span / h->total;
	if (due > now) {
		a->wake = due;
		return;
	}
	a->kind = STUN_HARDNAT_A_SEND;
	a->sock = hardnat_sock(h, h->probes);
	a->to = h->c.peer_addr;
	a->to.port = h->target[h->probes % h->ntargets];
	h->probes++;
}

void
stun_hardnat_ess_from_nat(const struct stun_nat_result *r,
    struct stun_hardnat_ess *e)
{
	memset(e, 0, sizeof(*e));
	e->mapping = (uint8_t)r->mapping;
	e->filtering = (uint8_t)r->filtering;
	e->pattern = (uint8_t)r->pattern;
	if (r->pattern == STUN_NAT_PAT_SEQUENTIAL &&
	    r->delta >= -STUN_HARDNAT_DELTA_MAX &&
	    r->delta <= STUN_HARDNAT_DELTA_MAX)
		e->delta = (int8_t)r->delta;
	else if (r->pattern == STUN_NAT_PAT_SEQUENTIAL)
		e->pattern = STUN_NAT_PAT_RANDOM;
}

void
stun_hardnat_ess_encode(const struct stun_hardnat_ess *e,
    uint8_t out[STUN_HARDNAT_ESS_LEN])
{
	out[0] = e->mapping;
	out[1] = e->filtering;
	out[2] = e->pattern;
	out[3] = (uint8_t)e->delta;
	out[4] = (uint8_t)(e->port >> 8);
	out[5] = (uint8_t)e->port;
	out[6] = 0;
	out[7] = 0;
}

int
stun_hardnat_ess_decode(const uint8_t *p, size_t len,
    struct stun_hardnat_ess *e)
{
	struct stun_rd	 r;
	uint8_t		 map, filt, pat, d;
	uint16_t	 port, zero;
	int		 delta;

	memset(e, 0, sizeof(*e));
	if (len != STUN_HARDNAT_ESS_LEN)
		return (STUN_ERR_BAD_ATTR);
	stun_rd_init(&r, p, len);
	if (stun_rd_u8(&r, &map) != 0 || stun_rd_u8(&r, &filt) != 0 ||
	    stun_rd_u8(&r, &pat) != 0 || stun_rd_u8(&r, &d) != 0 ||
	    stun_rd_u16(&r, &port) != 0 || stun_rd_u16(&r, &zero) != 0)
		return (STUN_ERR_BAD_ATTR);
	delta = d < 128 ? (int)d : (int)d - 256;
	if (map > STUN_NAT_DEP || filt > STUN_NAT_DEP ||
	    pat > STUN_NAT_PAT_RANDOM || zero != 0 ||
	    delta < -STUN_HARDNAT_DELTA_MAX || delta > STUN_HARDNAT_DELTA_MAX ||
	    (delta != 0 && pat != STUN_NAT_PAT_SEQUENTIAL) ||
	    (port != 0 && pat != STUN_NAT_PAT_PRESERVE))
		return (STUN_ERR_BAD_ATTR);
	e->mapping = map;
	e->filtering = filt;
	e->pattern = pat;
	e->delta = (int8_t)delta;
	e->port = port;
	return (0);
}

const char *
stun_hardnat_plan_name(int kind)
{
	static const char	*names[] = { "none", "predict", "birthday",
	    "relay" };

	if (kind < 0 || kind > STUN_HARDNAT_RELAY)
		return ("unknown");
	return (names[kind]);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The hole-punching machine: candidate pairs, paced connectivity checks
 * with retransmission, peer-reflexive candidates learnt from checks that
 * come from unknown addresses, nomination of the first pair that works
 * both ways (the controlling side sends USE-CANDIDATE; the controlled side
 * follows), a better pair later reported as a path change, keepalives,
 * consent checks on the path (a path that stops answering is looked for
 * again), a bounded time to fail, and, while the path is relayed,
 * recheck rounds of the better pairs, backed off.  One path per pair of
 * peers, the best one (RFC 8445 section 8.1.1): neither side moves to a
 * pair of lower priority than the one nominated while that one answers.
 * No I/O and no clock: see punch.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stun.h"
#include "punch.h"

#define NOM_NONE	0
#define NOM_SENT	1
#define NOM_DONE	2

static const unsigned type_pref[] = { 126, 100, 110, 0 };

uint32_t
stun_punch_priority(int type, uint16_t lp)
{
	unsigned	tp = 0;

	if (type >= STUN_CAND_HOST && type <= STUN_CAND_RELAY)
		tp = type_pref[type];
	return ((uint32_t)tp << 24 | (uint32_t)lp << 8 | (256 - 1));
}

const char *
stun_punch_cand_name(int type)
{
	switch (type) {
	case STUN_CAND_HOST:
		return ("host");
	case STUN_CAND_SRFLX:
		return ("srflx");
	case STUN_CAND_PRFLX:
		return ("prflx");
	case STUN_CAND_RELAY:
		return ("relay");
	}
	return ("unknown");
}

int
stun_punch_init(struct stun_punch *p, const struct stun_punch_config *c)
{
	struct stun_punch_config	d;
	size_t				l1, l2;
	int				r;

	memset(p, 0, sizeof(*p));
	p->nominated = p->reported = p->lost = -1;
	if (c == NULL)
		return (STUN_ERR_INVALID);
	d = *c;
	l1 = strnlen(d.local_ufrag, sizeof(d.local_ufrag));
	l2 = strnlen(d.remote_ufrag, sizeof(d.remote_ufrag));
	if (l1 == 0 || l1 > STUN_PUNCH_UFRAG_MAX || l2 == 0 ||
	    l2 > STUN_PUNCH_UFRAG_MAX || d.keylen == 0 ||
	    d.keylen > STUN_PUNCH_KEY_MAX ||
	    strchr(d.local_ufrag, ':') != NULL ||
	    strchr(d.remote_ufrag, ':') != NULL)
		return (STUN_ERR_INVALID);
	if (d.pace == 0)
		d.pace = STUN_PUNCH_PACE;
	if (d.rto == 0)
		d.rto = STUN_PUNCH_RTO;
	if (d.rto_max == 0)
		d.rto_max = STUN_PUNCH_RTO_MAX;
	if (d.timeout == 0)
		d.timeout = STUN_PUNCH_TIMEOUT;
	if (d.keepalive == 0)
		d.keepalive = STUN_PUNCH_KEEPALIVE;
	if (d.recheck == 0)
		d.recheck = STUN_PUNCH_RECHECK;
	if (d.recheck_max == 0)
		d.recheck_max = STUN_PUNCH_RECHECK_MAX;
	if (d.recheck_max < d.recheck)
		d.recheck_max = d.recheck;
	if (d.consent == 0)
		d.consent = STUN_PUNCH_CONSENT;
	if (d.consent_timeout == 0)
		d.consent_timeout = STUN_PUNCH_CONSENT_TIMEOUT;
	if (d.tiebreaker == 0 && (r = stun_random(d.rnd, d.rnd_arg,
	    (uint8_t *)&d.tiebreaker, sizeof(d.tiebreaker))) != 0)
		return (r);
	p->c = d;
	return (0);
}

/* RFC 8445 6.1.2.3: G is the controlling side's candidate priority. */
static uint64_t
pair_prio(const struct stun_punch *p, const struct stun_punch_pair *pr)
{
	uint64_t	g, d, lo, hi;

	g = p->local[pr->local].priority;
	d = p->remote[pr->remote].priority;
	if (!p->c.controlling) {
		lo = g;
		g = d;
		d = lo;
	}
	lo = g < d ? g : d;
	hi = g < d ? d : g;
	return ((lo << 32) + 2 * hi + (g > d ? 1 : 0));
}

static void
reprioritise(struct stun_punch *p)
{
	unsigned	i;

	for (i = 0; i < p->npairs; i++)
		p->pairs[i].prio = pair_prio(p, &p->pairs[i]);
}

static int
pair_find(const struct stun_punch *p, int l, int r)
{
	unsigned	i;

	for (i = 0; i < p->npairs; i++)
		if (p->pairs[i].local == l && p->pairs[i].remote == r)
			return ((int)i);
	return (-1);
}

static void
pair_add(struct stun_punch *p, int l, int r)
{
	struct stun_punch_pair	*pr;

	if (p->local[l].type == STUN_CAND_SRFLX ||
	    p->local[l].addr.family != p->remote[r].addr.family ||
	    p->npairs == STUN_PUNCH_MAX_PAIRS || pair_find(p, l, r) >= 0)
		return;
	pr = &p->pairs[p->npairs++];
	memset(pr, 0, sizeof(*pr));
	pr->local = l;
	pr->remote = r;
	pr->prio = pair_prio(p, pr);
}

static int
cand_check(const struct stun_punch_cand *c, struct stun_punch_cand *out)
{
	if (c == NULL || c->type < STUN_CAND_HOST ||
	    c->type > STUN_CAND_RELAY ||
	    (c->addr.family != STUN_AF_INET && c->addr.family != STUN_AF_INET6))
		return (STUN_ERR_INVALID);
	*out = *c;
	if (out->priority == 0)
		out->priority = stun_punch_priority(c->type, 65535);
	return (0);
}

int
stun_punch_add_local(struct stun_punch *p, const struct stun_punch_cand *c)
{
	struct stun_punch_cand	n;
	unsigned		i;
	int			r;

	if ((r = cand_check(c, &n)) != 0)
		return (r);
	if (p->nlocal == STUN_PUNCH_MAX_LOCAL)
		return (STUN_ERR_NOSPACE);
	p->local[p->nlocal++] = n;
	for (i = 0; i < p->nremote; i++)
		pair_add(p, (int)p->nlocal - 1, (int)i);
	return (0);
}

static int
remote_add(struct stun_punch *p, const struct stun_punch_cand *n)
{
	unsigned	i;

	for (i = 0; i < p->nremote; i++)
		if (stun_addr_equal(&p->remote[i].addr, &n->addr))
			return ((int)i);
	if (p->nremote == STUN_PUNCH_MAX_REMOTE)
		return (STUN_ERR_NOSPACE);
	p->remote[p->nremote++] = *n;
	for (i = 0; i < p->nlocal; i++)
		pair_add(p, (int)i, (int)p->nremote - 1);
	return ((int)p->nremote - 1);
}

int
stun_punch_add_remote(struct stun_punch *p, const struct stun_punch_cand *c)
{
	struct stun_punch_cand	n;
	int			r;

	if ((r = cand_check(c, &n)) != 0)
		return (r);
	r = remote_add(p, &n);
	return (r < 0 ? r : 0);
}

int
stun_punch_start(struct stun_punch *p, uint64_t now)
{
	if (p->started)
		return (STUN_ERR_STATE);
	p->started = 1;
	p->start = now;
	p->deadline = now + p->c.timeout;
	p->next_tick = now;
	return (0);
}

int
stun_punch_restart(struct stun_punch *p, uint64_t now)
{
	struct stun_punch_pair	*pr;
	unsigned		 i;

	if (!p->started)
		return (STUN_ERR_STATE);
	p->deadline = now + p->c.timeout;
	p->next_tick = now;
	p->maxsends = 0;
	if (p->failed)
		p->failed = 0;
	for (i = 0; i < p->npairs; i++) {
		pr = &p->pairs[i];
		if (pr->state == STUN_PAIR_SUCCEEDED)
			continue;
		pr->state = STUN_PAIR_WAITING;
		pr->sends = 0;
	}
	return (0);
}

/* The pair is to be checked from scratch: no sends, no nomination. */
static void
pair_again(struct stun_punch_pair *pr)
{
	pr->state = STUN_PAIR_WAITING;
	pr->sends = 0;
	pr->nominating = NOM_NONE;
	pr->use_cand = 0;
}

int
stun_punch_relay_moved(struct stun_punch *p, int local,
    const struct stun_punch_cand *c, uint64_t now)
{
	struct stun_punch_cand	*cands = local ? p->local : p->remote;
	struct stun_punch_cand	 n;
	struct stun_punch_pair	*pr;
	unsigned		 ncand = local ? p->nlocal : p->nremote, i;
	int			 k, r, lost = 0;

	if ((r = cand_check(c, &n)) != 0 || n.type != STUN_CAND_RELAY)
		return (r != 0 ? r : STUN_ERR_INVALID);
	for (k = 0; k < (int)ncand && cands[k].type != STUN_CAND_RELAY; k++)
		;
	if (k == (int)ncand)
		return (STUN_ERR_NOT_FOUND);
	if (stun_addr_equal(&cands[k].addr, &n.addr) &&
	    (!local || cands[k].sock == n.sock))
		return (0);
	if (!local)
		n.sock = 0;
	cands[k] = n;
	/*
	 * The peer's checks from its new relayed address may have come
	 * first, learnt as peer-reflexive: that candidate is the relay, and
	 * a path through it is reported again as relayed.
	 */
	for (i = 0; !local && i < p->nremote; i++) {
		if ((int)i == k || p->remote[i].type != STUN_CAND_PRFLX ||
		    !stun_addr_equal(&p->remote[i].addr, &n.addr))
			continue;
		p->remote[i].type = STUN_CAND_RELAY;
		if (p->reported >= 0 && p->pairs[p->reported].remote == (int)i)
			p->reported = -2;
	}
	for (i = 0; i < p->npairs; i++) {
		pr = &p->pairs[i];
		if ((local ? pr->local : pr->remote) != k)
			continue;
		pr->prio = pair_prio(p, pr);
		pair_again(pr);
		pr->got_req = 0;
		pr->rtt = 0;
		if ((int)i == p->nominated)
			lost = 1;
		/*
		 * The path lost before the move (its server restarted, say):
		 * found again through the new address, it is a path change.
		 */
		if ((int)i == p->reported)
			p->reported = -2;
	}
	if (lost && p->started) {
		/* Report whatever comes next, even this pair again. */
		p->nominated = -1;
		p->reported = -2;
		p->next_recheck = 0;
		p->ntrig = 0;
		for (i = 0; i < p->npairs; i++)
			p->pairs[i].triggered = 0;
		(void)stun_punch_restart(p, now);
	}
	return (0);
}

static struct stun_punch_out *
out_slot(struct stun_punch *p)
{
	struct stun_punch_out	*o;

	if (p->outlen == STUN_PUNCH_OUTQ) {
		p->dropped++;
		return (NULL);
	}
	o = &p->out[(p->outhead + p->outlen) % STUN_PUNCH_OUTQ];
	memset(o, 0, sizeof(*o));
	return (o);
}

static void
trigger(struct stun_punch *p, int i)
{
	if (p->pairs[i].triggered || p->ntrig == STUN_PUNCH_MAX_PAIRS)
		return;
	p->pairs[i].triggered = 1;
	p->trig[p->ntrig++] = i;
}

/* Send (or resend) the check of pair i at now. */
static void
send_check(struct stun_punch *p, int i, uint64_t now)
{
	struct stun_punch_pair	*pr = &p->pairs[i];
	struct stun_punch_cand	*l = &p->local[pr->local];
	struct stun_punch_out	*o;
	struct stun_builder	 b;
	char			 user[2 * STUN_PUNCH_UFRAG_MAX + 2];
	uint32_t		 rto;
	unsigned		 k;
	int			 n;

	if ((o = out_slot(p)) == NULL)
		return;
	if (pr->sends == 0 &&
	    stun_tid_new(p->c.rnd, p->c.rnd_arg, pr->tid) != 0)
		return;
	(void)snprintf(user, sizeof(user), "%s:%s", p->c.remote_ufrag,
	    p->c.local_ufrag);
	stun_build_init(&b, o->buf, sizeof(o->buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, pr->tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, user);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, stun_punch_priority(
	    STUN_CAND_PRFLX, (uint16_t)(l->priority >> 8)));
	stun_build_u64(&b, p->c.controlling ? STUN_ATTR_ICE_CONTROLLING :
	    STUN_ATTR_ICE_CONTROLLED, p->c.tiebreaker);
	/*
	 * The controlling side nominates, and renominates its path on each
	 * consent check, so that a controlled side that lost it takes it
	 * back.  Never a pair worse than the one nominated.
	 */
	if ((pr->nominating == NOM_SENT && (p->nominated < 0 ||
	    pr->prio >= p->pairs[p->nominated].prio)) ||
	    (p->c.controlling && i == p->nominated))
		stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, p->c.key, p->c.keylen);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return;
	o->len = (size_t)n;
	o->sock = l->sock;
	o->to = p->remote[pr->remote].addr;
	p->outlen++;
	for (rto = p->c.rto, k = 0; k < pr->sends && rto < p->c.rto_max; k++)
		rto *= 2;
	if (rto > p->c.rto_max)
		rto = p->c.rto_max;
	pr->sends++;
	pr->sent_at = now;
	pr->next = now + rto;
	if (pr->state == STUN_PAIR_WAITING || pr->state == STUN_PAIR_FAILED)
		pr->state = STUN_PAIR_INPROGRESS;
}

/* Does pair pr run through a relay, ours or the peer's? */
static int
via_relay(const struct stun_punch *p, const struct stun_punch_pair *pr)
{
	return (p->local[pr->local].type == STUN_CAND_RELAY ||
	    p->remote[pr->remote].type == STUN_CAND_RELAY);
}

/* May pair i still be checked at now? */
static int
pair_eligible(const struct stun_punch *p, const struct stun_punch_pair *pr,
    uint64_t now)
{
	/*
	 * A nomination gets as many sends as the backoff allows a check,
	 * unless a better pair was nominated meanwhile.
	 */
	if (pr->nominating == NOM_SENT)
		return (pr->sends < 8 && (p->nominated < 0 ||
		    pr->prio > p->pairs[p->nominated].prio));
	if (pr->state == STUN_PAIR_SUCCEEDED || p->failed)
		return (0);
	if (now >= p->deadline)
		return (0);
	/* A recheck round: a few checks of each direct pair. */
	if (p->maxsends != 0 && (pr->sends >= p->maxsends ||
	    via_relay(p, pr)))
		return (0);
	/* With a path chosen, only better pairs are worth checking. */
	return (p->nominated < 0 || pr->prio > p->pairs[p->nominated].prio);
}

/* The pair to check at this tick, or -1; *due is the earliest later time. */
static int
pick(struct stun_punch *p, uint64_t now, uint64_t *due)
{
	struct stun_punch_pair	*pr;
	int			 best = -1, i, fresh, bfresh;
	unsigned		 k;

	*due = 0;
	while (p->ntrig > 0) {
		i = p->trig[0];
		memmove(p->trig, p->trig + 1, --p->ntrig * sizeof(p->trig[0]));
		p->pairs[i].triggered = 0;
		if (pair_eligible(p, &p->pairs[i], now))
			return (i);
	}
	for (k = 0; k < p->npairs; k++) {
		pr = &p->pairs[k];
		if (!pair_eligible(p, pr, now))
			continue;
		if (pr->sends > 0 && pr->next > now) {
			if (*due == 0 || pr->next < *due)
				*due = pr->next;
			continue;
		}
		/* New checks before retransmissions, each by priority. */
		if (best < 0) {
			best = (int)k;
			continue;
		}
		fresh = pr->sends == 0;
		bfresh = p->pairs[best].sends == 0;
		if (fresh > bfresh ||
		    (fresh == bfresh && pr->prio > p->pairs[best].prio))
			best = (int)k;
	}
	return (best);
}

static void
keepalive(struct stun_punch *p)
{
	struct stun_punch_pair	*pr = &p->pairs[p->nominated];
	struct stun_punch_out	*o;
	struct stun_builder	 b;
	uint8_t			 tid[STUN_TID_LEN];
	int			 n;

	if ((o = out_slot(p)) == NULL ||
	    stun_tid_new(p->c.rnd, p->c.rnd_arg, tid) != 0)
		return;
	stun_build_init(&b, o->buf, sizeof(o->buf), STUN_METHOD_BINDING,
	    STUN_CLASS_INDICATION, tid);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return;
	o->len = (size_t)n;
	o->sock = p->local[pr->local].sock;
	o->to = p->remote[pr->remote].addr;
	p->outlen++;
}

/* Does the chosen path run through a relay? */
static int
relayed(const struct stun_punch *p)
{
	return (p->nominated >= 0 && via_relay(p, &p->pairs[p->nominated]));
}

/*
 * A recheck round: the direct pairs (all better than the relayed path,
 * relay candidates having type preference 0) start over for
 * STUN_PUNCH_RECHECK_WINDOW ms, a few checks each; a pair that works is
 * nominated as in the first round and reported as a path change.  The
 * next round comes after twice the interval, up to recheck_max.
 */
static void
recheck_begin(struct stun_punch *p, uint64_t now)
{
	struct stun_punch_pair	*pr;
	uint64_t		 ivl;
	unsigned		 i;

	for (i = 0; i < p->npairs; i++) {
		pr = &p->pairs[i];
		if (via_relay(p, pr))
			continue;
		pair_again(pr);
	}
	p->deadline = now + STUN_PUNCH_RECHECK_WINDOW;
	p->next_tick = now;
	p->maxsends = STUN_PUNCH_RECHECK_SENDS;
	p->rechecks++;
	ivl = (uint64_t)p->recheck_ivl * 2;
	p->recheck_ivl = ivl > p->c.recheck_max ? p->c.recheck_max :
	    (uint32_t)ivl;
	p->next_recheck = now + p->recheck_ivl;
}

/*
 * Every pair from scratch, the one that was the path too: nothing counts
 * but fresh checks both ways.
 */
static void
pairs_anew(struct stun_punch *p, uint64_t now)
{
	struct stun_punch_pair	*pr;
	unsigned		 i;

	p->ntrig = 0;
	for (i = 0; i < p->npairs; i++) {
		pr = &p->pairs[i];
		pair_again(pr);
		pr->got_req = 0;
		pr->triggered = 0;
		pr->rtt = 0;
	}
	p->deadline = now + p->c.timeout;
	p->next_tick = now;
	p->maxsends = 0;
	p->failed = 0;
}

/*
 * The path stopped answering: the peer's NAT may have a new mapping for
 * it, the relay may be gone.  Look for a path again from every pair;
 * "reported" stays, so that the same pair found again is no change.
 */
static void
path_lost(struct stun_punch *p, uint64_t now)
{
	p->lost = p->nominated;
	p->pend_lost = 1;
	p->losses++;
	p->nominated = -1;
	p->next_recheck = 0;
	p->lost_ivl = STUN_PUNCH_LOST_RETRY;
	p->lost_round = 0;
	pairs_anew(p, now);
}

/* The consent check of the path: a fresh transaction, sent once. */
static void
consent_check(struct stun_punch *p, uint64_t now)
{
	struct stun_punch_pair	*pr = &p->pairs[p->nominated];

	pr->sends = 0;
	send_check(p, p->nominated, now);
	p->next_consent = now + p->c.consent;
}

int
stun_punch_stale(const struct stun_punch *p, uint64_t now)
{
	return (p->nominated >= 0 &&
	    now >= p->consent_at + 2 * (uint64_t)p->c.consent);
}

void
stun_punch_lost(struct stun_punch *p, uint64_t now)
{
	if (p->nominated >= 0)
		path_lost(p, now);
}

void
stun_punch_timer(struct stun_punch *p, uint64_t now)
{
	uint64_t	due;
	int		i;

	if (!p->started)
		return;
	if (p->nominated < 0 && !p->failed && now >= p->deadline) {
		p->failed = 1;
		p->ntrig = 0;
		/* Lost: another round later, backed off. */
		if (p->lost >= 0) {
			p->lost_round = now + p->lost_ivl;
			p->lost_ivl = p->lost_ivl * 2 > p->c.recheck_max ?
			    p->c.recheck_max : p->lost_ivl * 2;
		}
	}
	if (p->nominated < 0 && p->failed && p->lost_round != 0 &&
	    now >= p->lost_round) {
		p->lost_round = 0;
		pairs_anew(p, now);
	}
	if (p->nominated >= 0 &&
	    now >= p->consent_at + p->c.consent_timeout)
		path_lost(p, now);
	if (p->nominated >= 0 && now >= p->next_consent)
		consent_check(p, now);
	if (p->nominated >= 0 && now >= p->next_keepalive) {
		keepalive(p);
		p->next_keepalive = now + p->c.keepalive;
	}
	if (p->next_recheck != 0 && now >= p->next_recheck && relayed(p))
		recheck_begin(p, now);
	if (now >= p->next_tick && (i = pick(p, now, &due)) >= 0) {
		send_check(p, i, now);
		p->next_tick = now + p->c.pace;
	}
}

static void
nominate_set(struct stun_punch *p, int i, uint64_t now)
{
	unsigned	k;

	if (p->nominated == i)
		return;
	/*
	 * RFC 8445 8.1.1: the highest-priority nominated pair is the path,
	 * on both sides; a later nomination of a worse pair (one flagged
	 * before the better one was nominated) does not move it.
	 */
	if (p->nominated >= 0 &&
	    p->pairs[i].prio < p->pairs[p->nominated].prio)
		return;
	p->nominated = i;
	p->failed = 0;
	p->next_keepalive = now + p->c.keepalive;
	p->consent_at = now;
	p->next_consent = now + p->c.consent;
	/* Worse pairs flagged for nomination will not send it now. */
	for (k = 0; k < p->npairs; k++)
		if (p->pairs[k].nominating == NOM_SENT &&
		    p->pairs[k].prio < p->pairs[i].prio)
			p->pairs[k].nominating = NOM_NONE;
	/* A relayed path starts the rechecks; a direct one ends them. */
	if (!relayed(p))
		p->next_recheck = 0;
	else if (p->next_recheck == 0) {
		p->recheck_ivl = p->c.recheck;
		p->next_recheck = now + p->recheck_ivl;
	}
}

/* A pair changed: nominate when it works both ways. */
static void
evaluate(struct stun_punch *p, int i, uint64_t now)
{
	struct stun_punch_pair	*pr = &p->pairs[i];

	/*
	 * The controlling side nominates only pairs its own check proved
	 * both ways: USE-CANDIDATE on a check that arrived is that proof,
	 * whether or not our check (or its answer) got through yet.
	 */
	if (!p->c.controlling) {
		if (pr->use_cand && pr->got_req)
			nominate_set(p, i, now);
		return;
	}
	if (pr->state != STUN_PAIR_SUCCEEDED || !pr->got_req)
		return;
	if (pr->nominating == NOM_DONE) {
		nominate_set(p, i, now);
		return;
	}
	if (pr->nominating == NOM_NONE && (p->nominated < 0 ||
	    pr->prio > p->pairs[p->nominated].prio)) {
		pr->nominating = NOM_SENT;
		pr->sends = 0;
		trigger(p, i);
	}
}

static void
switch_role(struct stun_punch *p, int controlling, uint64_t now)
{
	unsigned	i;

	p->c.controlling = controlling;
	reprioritise(p);
	for (i = 0; i < p->npairs; i++) {
		if (!controlling && p->pairs[i].nominating == NOM_SENT)
			p->pairs[i].nominating = NOM_NONE;
		evaluate(p, (int)i, now);
	}
}

static int
local_by_sock(const struct stun_punch *p, unsigned sock)
{
	unsigned	i;

	for (i = 0; i < p->nlocal; i++)
		if (p->local[i].sock == sock &&
		    p->local[i].type != STUN_CAND_SRFLX)
			return ((int)i);
	return (-1);
}

static void
respond(struct stun_punch *p, const struct stun_msg *m, unsigned sock,
    const struct stun_addr *from, int code)
{
	struct stun_punch_out	*o;
	struct stun_builder	 b;
	int			 n;

	if ((o = out_slot(p)) == NULL)
		return;
	stun_build_reply(&b, o->buf, sizeof(o->buf), m,
	    code == 0 ? STUN_CLASS_SUCCESS : STUN_CLASS_ERROR);
	if (code == 0)
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, from);
	else
		stun_build_error(&b, code, NULL);
	stun_build_integrity(&b, p->c.key, p->c.keylen);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return;
	o->len = (size_t)n;
	o->sock = sock;
	o->to = *from;
	p->outlen++;
}

static int
input_request(struct stun_punch *p, const struct stun_msg *m, unsigned sock,
    const struct stun_addr *from, uint64_t now)
{
	struct stun_punch_pair	*pr;
	struct stun_punch_cand	 c;
	char			 user[STUN_MAX_USERNAME + 1];
	char			 want[2 * STUN_PUNCH_UFRAG_MAX + 2];
	uint64_t		 tb;
	uint32_t		 prio;
	int			 l, r, i;

	(void)snprintf(want, sizeof(want), "%s:%s", p->c.local_ufrag,
	    p->c.remote_ufrag);
	if (stun_msg_get_string(m, STUN_ATTR_USERNAME, user,
	    sizeof(user)) != 0 || strcmp(user, want) != 0)
		return (STUN_ERR_INTEGRITY);
	if (stun_msg_check_integrity(m, p->c.key, p->c.keylen) != 0)
		return (STUN_ERR_INTEGRITY);
	if (stun_msg_get_u32(m, STUN_ATTR_PRIORITY, &prio) != 0)
		return (STUN_ERR_BAD_ATTR);
	/* RFC 8445 7.3.1.1: role conflicts. */
	if (p->c.controlling &&
	    stun_msg_get_u64(m, STUN_ATTR_ICE_CONTROLLING, &tb) == 0) {
		if (p->c.tiebreaker >= tb) {
			respond(p, m, sock, from, 487);
			return (0);
		}
		switch_role(p, 0, now);
	} else if (!p->c.controlling &&
	    stun_msg_get_u64(m, STUN_ATTR_ICE_CONTROLLED, &tb) == 0) {
		if (p->c.tiebreaker < tb) {
			respond(p, m, sock, from, 487);
			return (0);
		}
		switch_role(p, 1, now);
	}
	respond(p, m, sock, from, 0);
	if ((l = local_by_sock(p, sock)) < 0)
		return (0);
	memset(&c, 0, sizeof(c));
	c.type = STUN_CAND_PRFLX;
	c.addr = *from;
	c.priority = prio;
	/* Known address, else a peer-reflexive candidate. */
	if ((r = remote_add(p, &c)) < 0 || (i = pair_find(p, l, r)) < 0)
		return (0);
	/*
	 * The peer's checks come from another address than the path's
	 * while ours go unanswered: its NAT mapped it anew.  Look again
	 * now rather than at the consent timeout.
	 */
	if (p->nominated >= 0 && r != p->pairs[p->nominated].remote &&
	    stun_punch_stale(p, now))
		path_lost(p, now);
	/*
	 * The peer rechecks a direct pair outside a round of ours while
	 * our path is relayed: join in (it counts as our round) when at
	 * least half our interval has passed, so both sides check together.
	 */
	if (p->next_recheck != 0 && now >= p->deadline && relayed(p) &&
	    !via_relay(p, &p->pairs[i]) &&
	    now + p->recheck_ivl / 2 >= p->next_recheck)
		recheck_begin(p, now);
	p->pairs[i].got_req = 1;
	/*
	 * The peer's own check on the path, authenticated: it is there and
	 * its side of the mapping holds.  Counted as consent, so that a
	 * lossy path needs both directions to fail for 5 s to be lost.
	 */
	if (i == p->nominated)
		p->consent_at = now;
	if (!p->c.controlling &&
	    stun_msg_find(m, STUN_ATTR_USE_CANDIDATE) != NULL)
		p->pairs[i].use_cand = 1;
	/*
	 * RFC 8445 7.3.1.4: a triggered check.  One under way that has
	 * backed off is sent again now, its backoff reset, rather than up to
	 * rto_max later: its sends likely died in the peer's NAT before the
	 * peer punched.  A first send is younger than one rto: let it be.
	 */
	pr = &p->pairs[i];
	if (pr->state == STUN_PAIR_WAITING || pr->state == STUN_PAIR_FAILED)
		trigger(p, i);
	else if (pr->state == STUN_PAIR_INPROGRESS && pr->sends > 1) {
		pr->sends = 1;
		trigger(p, i);
	}
	evaluate(p, i, now);
	return (0);
}

static int
input_response(struct stun_punch *p, const struct stun_msg *m, unsigned sock,
    const struct stun_addr *from, uint64_t now)
{
	struct stun_punch_pair	*pr = NULL;
	unsigned		 k;
	int			 code, i = -1;
	const char		*reason;
	size_t			 rlen;

	for (k = 0; k < p->npairs; k++)
		if (p->pairs[k].sends > 0 &&
		    memcmp(p->pairs[k].tid, m->tid, STUN_TID_LEN) == 0) {
			i = (int)k;
			pr = &p->pairs[k];
			break;
		}
	if (pr == NULL)
		return (STUN_ERR_STATE);
	/* RFC 8445 7.2.5.2.1: the answer must come back the same way. */
	if (p->local[pr->local].sock != sock ||
	    !stun_addr_equal(&p->remote[pr->remote].addr, from))
		return (STUN_ERR_STATE);
	if (stun_msg_check_integrity(m, p->c.key, p->c.keylen) != 0)
		return (STUN_ERR_INTEGRITY);
	if (m->cls == STUN_CLASS_ERROR) {
		if (stun_msg_get_error(m, &code, &reason, &rlen) == 0 &&
		    code == 487) {
			switch_role(p, !p->c.controlling, now);
			pr->sends = 0;
			trigger(p, i);
		} else
			pr->state = STUN_PAIR_FAILED;
		return (0);
	}
	pr->rtt = (uint32_t)(now - pr->sent_at);
	if (i == p->nominated)
		p->consent_at = now;
	if (pr->state != STUN_PAIR_SUCCEEDED) {
		pr->state = STUN_PAIR_SUCCEEDED;
		/* Fresh tid for any later (nominating) check. */
		pr->sends = 0;
	}
	if (pr->nominating == NOM_SENT && pr->sends > 0)
		pr->nominating = NOM_DONE;
	evaluate(p, i, now);
	return (0);
}

int
stun_punch_input(struct stun_punch *p, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	struct stun_msg	m;
	int		r;

	if (!stun_msg_is_stun(buf, len))
		return (STUN_ERR_NOT_STUN);
	if (!p->started)
		r = STUN_ERR_STATE;
	else if ((r = stun_msg_decode(&m, buf, len)) != 0)
		;
	else if (m.method != STUN_METHOD_BINDING || m.legacy)
		r = STUN_ERR_NOT_STUN;
	else if ((r = stun_msg_check_fingerprint(&m)) != 0)
		;
	else if (m.cls == STUN_CLASS_INDICATION)
		r = 0;		/* a keepalive */
	else if (m.cls == STUN_CLASS_REQUEST)
		r = input_request(p, &m, sock, from, now);
	else
		r = input_response(p, &m, sock, from, now);
	if (r != 0)
		p->dropped++;
	return (r);
}

static uint64_t
next_wake(struct stun_punch *p)
{
	struct stun_punch_pair	*pr;
	uint64_t		 w = 0, t;
	unsigned		 k;

#define WAKE(x)	do { t = (x); if (w == 0 || t < w) w = t; } while (0)
	if (p->nominated < 0 && !p->failed)
		WAKE(p->deadline);
	if (p->nominated >= 0) {
		WAKE(p->next_keepalive);
		WAKE(p->next_consent);
		WAKE(p->consent_at + p->c.consent_timeout);
	}
	if (p->nominated < 0 && p->failed && p->lost_round != 0)
		WAKE(p->lost_round);
	if (p->next_recheck != 0 && relayed(p))
		WAKE(p->next_recheck);
	if (p->ntrig > 0)
		WAKE(p->next_tick);
	for (k = 0; k < p->npairs; k++) {
		pr = &p->pairs[k];
		t = pr->sends == 0 || pr->next < p->next_tick ? p->next_tick :
		    pr->next;
		/* Eligibility only ends (deadline): judge it at t. */
		if (pair_eligible(p, pr, t))
			WAKE(t);
	}
#undef WAKE
	return (w);
}

void
stun_punch_next(struct stun_punch *p, struct stun_punch_action *a)
{
	struct stun_punch_pair	*pr;

	memset(a, 0, sizeof(*a));
	a->pair = -1;
	if (p->outlen > 0) {
		p->cur = p->out[p->outhead];
		p->outhead = (p->outhead + 1) % STUN_PUNCH_OUTQ;
		p->outlen--;
		a->kind = STUN_PUNCH_SEND;
		a->sock = p->cur.sock;
		a->to = p->cur.to;
		a->buf = p->cur.buf;
		a->len = p->cur.len;
		return;
	}
	if (p->pend_lost) {
		p->pend_lost = 0;
		a->kind = STUN_PUNCH_LOST;
		a->pair = p->lost;
		pr = &p->pairs[p->lost];
		a->sock = p->local[pr->local].sock;
		a->to = p->remote[pr->remote].addr;
		a->local_type = p->local[pr->local].type;
		a->remote_type = p->remote[pr->remote].type;
		return;
	}
	if (p->nominated >= 0 && p->nominated != p->reported) {
		a->kind = p->reported == -1 ? STUN_PUNCH_NOMINATED :
		    STUN_PUNCH_CHANGED;
		p->reported = p->nominated;
		pr = &p->pairs[p->nominated];
		a->pair = p->nominated;
		a->sock = p->local[pr->local].sock;
		a->to = p->remote[pr->remote].addr;
		a->local_type = p->local[pr->local].type;
		a->remote_type = p->remote[pr->remote].type;
		return;
	}
	if (p->failed == 1) {
		p->failed = 2;
		a->kind = STUN_PUNCH_FAILED;
		return;
	}
	a->kind = STUN_PUNCH_WAIT;
	a->wake = p->started ? next_wake(p) : 0;
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The NAT classification machine: plans the tests of a mode as a small
 * dependency graph (a test waits for the answer of the one it needs, or for
 * a set of tests to end), runs each as a client transaction, records what
 * each answer (or ICMP error) shows; natverdict.c derives the verdicts from
 * that.  Calls go one way: this file calls natverdict.c, never the reverse.
 * No I/O, no clock: the caller passes now and carries the datagrams.
 */
#include <stdio.h>
#include <string.h>

#include "stun.h"
#include "txn.h"
#include "nat.h"
#include "nat_int.h"


static int
nat_add(struct stun_nat *n, int role, int round, unsigned sock,
    const char *name)
{
	struct stun_nat_test	*t;

	if (n->ntests >= STUN_NAT_MAX_TESTS || sock >= STUN_NAT_MAX_SOCKS)
		return (-1);
	t = &n->t[n->ntests];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->role = role;
	t->round = round;
	t->sock = t->expect_sock = sock;
	t->dep = -1;
	t->state = STUN_NAT_T_SCHED;
	if (sock >= n->nsocks)
		n->nsocks = sock + 1;
	return ((int)n->ntests++);
}

/* Make test i wait for dep's answer; returns i, or -1. */
static int
nat_dep(struct stun_nat *n, int i, int dep)
{
	if (i < 0 || dep < 0)
		return (-1);
	n->t[i].dep = dep;
	n->t[i].state = STUN_NAT_T_PLANNED;
	return (i);
}

static int
nat_plan_5780(struct stun_nat *n)
{
	unsigned	 r, sock = 0, k, rounds = n->c.rounds;
	int		 m1[STUN_NAT_MAX_ROUNDS], i, prev = -1;
	uint64_t	 mapbits = 0;
	char		 name[STUN_NAT_NAME_MAX];

	for (r = 0; r < rounds; r++) {
		if ((m1[r] = nat_add(n, STUN_NAT_R_MAP1, r, sock,
		    "mapping-primary")) < 0)
			return (-1);
		i = nat_add(n, STUN_NAT_R_MAP2, r, sock, "mapping-other-ip");
		if ((i = nat_dep(n, i, m1[r])) < 0)
			return (-1);
		mapbits |= BIT(i);
		i = nat_add(n, STUN_NAT_R_MAP3, r, sock,
		    "mapping-other-ip-port");
		if ((i = nat_dep(n, i, m1[r])) < 0)
			return (-1);
		mapbits |= BIT(i);
		if (n->c.server2.family != 0) {
			/*
			 * Not after mapping-primary: the second server's
			 * answer counts even when the first stays silent.
			 */
			if ((i = nat_add(n, STUN_NAT_R_MAPS2, r, sock,
			    "mapping-second-server")) < 0)
				return (-1);
			mapbits |= BIT(i);
		}
		if ((i = nat_add(n, STUN_NAT_R_FILT2, r, sock + 1,
		    "filtering-change-ip-port")) < 0)
			return (-1);
		n->t[i].change = STUN_CHANGE_IP | STUN_CHANGE_PORT;
		if ((i = nat_add(n, STUN_NAT_R_FILT3, r, sock + 2,
		    "filtering-change-port")) < 0)
			return (-1);
		n->t[i].change = STUN_CHANGE_PORT;
		sock += 3;
	}
	/* Hairpin: from its own socket to round 0's mapped address. */
	i = nat_add(n, STUN_NAT_R_HAIRPIN, 0, sock, "hairpinning");
	if ((i = nat_dep(n, i, m1[0])) < 0)
		return (-1);
	n->t[i].expect_sock = n->t[m1[0]].sock;
	sock++;
	/* Port pattern: after the mapping tests, one destination at a time. */
	if ((n->c.flags & STUN_NAT_F_NOPATTERN) == 0) {
		for (k = 0; k < NAT_PATTERN_N; k++) {
			snprintf(name, sizeof(name), "port-pattern-%u", k + 1);
			i = nat_add(n, STUN_NAT_R_PATTERN, k, sock, name);
			if ((i = nat_dep(n, i, m1[0])) < 0)
				return (-1);
			n->t[i].arg = k;
			n->t[i].after = prev < 0 ? mapbits : BIT(prev);
			prev = i;
		}
		sock++;
	}
	return (0);
}

/*
 * Binding lifetime (RFC 5780 4.6): socket X_k opens a binding; after T_k
 * seconds a request from socket Y asks (RESPONSE-PORT) for the answer to
 * be sent to X_k's mapped port.  Each binding is probed once, since inbound
 * packets refresh it.  T = 0 is the control that proves RESPONSE-PORT works.
 */
static int
nat_plan_lifetime(struct stun_nat *n)
{
	unsigned	 k, y = n->nsocks, x, max = n->c.lifetime_max;
	uint32_t	 T, last = 0;
	int		 o, p;
	char		 name[STUN_NAT_NAME_MAX];

	for (k = 0; k < NAT_LT_SLOTS; k++) {
		T = (uint32_t)((uint64_t)max * k * k /
		    ((NAT_LT_SLOTS - 1) * (NAT_LT_SLOTS - 1)));
		if (k > 0 && T <= last)
			continue;
		last = T;
		x = y + 1 + k;
		snprintf(name, sizeof(name), "lifetime-open-%us", T);
		if ((o = nat_add(n, STUN_NAT_R_LT_OPEN, k, x, name)) < 0)
			return (-1);
		snprintf(name, sizeof(name), "lifetime-%us", T);
		p = nat_add(n, STUN_NAT_R_LT_PROBE, k, y, name);
		if ((p = nat_dep(n, p, o)) < 0)
			return (-1);
		n->t[p].expect_sock = x;
		n->t[p].delay = T * 1000;
		n->t[p].arg = T;
	}
	return (0);
}

static int
nat_plan_classic(struct stun_nat *n)
{
	int	 c1, i;

	if ((c1 = nat_add(n, STUN_NAT_R_C1, 0, 0, "classic-test-i")) < 0)
		return (-1);
	n->t[c1].legacy = 1;
	if ((i = nat_add(n, STUN_NAT_R_C2, 0, 1, "classic-test-ii")) < 0)
		return (-1);
	n->t[i].legacy = 1;
	n->t[i].change = STUN_CHANGE_IP | STUN_CHANGE_PORT;
	if ((i = nat_add(n, STUN_NAT_R_C3, 0, 2, "classic-test-iii")) < 0)
		return (-1);
	n->t[i].legacy = 1;
	n->t[i].change = STUN_CHANGE_PORT;
	i = nat_add(n, STUN_NAT_R_C1B, 0, 0, "classic-test-i-changed");
	if ((i = nat_dep(n, i, c1)) < 0)
		return (-1);
	n->t[i].legacy = 1;
	return (0);
}

static int
nat_plan_lint(struct stun_nat *n)
{
	int	 b, i, o;

	if ((b = nat_add(n, STUN_NAT_R_LINT, 0, 0, "binding")) < 0)
		return (-1);
	n->t[b].arg = LINT_BINDING;
	if ((i = nat_add(n, STUN_NAT_R_LINT, 0, 1, "unknown-attribute")) < 0)
		return (-1);
	n->t[i].arg = LINT_UNKNOWN;
	if ((i = nat_add(n, STUN_NAT_R_LINT, 0, 2, "rfc3489-request")) < 0)
		return (-1);
	n->t[i].arg = LINT_LEGACY;
	n->t[i].legacy = 1;
	i = nat_add(n, STUN_NAT_R_LINT, 0, 3, "other-address");
	if ((i = nat_dep(n, i, b)) < 0)
		return (-1);
	n->t[i].arg = LINT_OTHER;
	if ((i = nat_add(n, STUN_NAT_R_LINT, 0, 4, "change-ip-port")) < 0)
		return (-1);
	n->t[i].arg = LINT_CHANGE_IP;
	n->t[i].change = STUN_CHANGE_IP | STUN_CHANGE_PORT;
	if ((i = nat_add(n, STUN_NAT_R_LINT, 0, 5, "change-port")) < 0)
		return (-1);
	n->t[i].arg = LINT_CHANGE_PORT;
	n->t[i].change = STUN_CHANGE_PORT;
	if ((o = nat_add(n, STUN_NAT_R_LINT, 0, 6, "response-port-open")) < 0)
		return (-1);
	n->t[o].arg = LINT_RP_OPEN;
	i = nat_add(n, STUN_NAT_R_LINT, 0, 7, "response-port");
	if ((i = nat_dep(n, i, o)) < 0)
		return (-1);
	n->t[i].arg = LINT_RP;
	n->t[i].expect_sock = 6;
	if ((i = nat_add(n, STUN_NAT_R_LINT, 0, 8, "bad-fingerprint")) < 0)
		return (-1);
	n->t[i].arg = LINT_BAD_FP;
	return (0);
}

int
stun_nat_init(struct stun_nat *n, const struct stun_nat_config *c)
{
	int	 rv = 0;

	memset(n, 0, sizeof(*n));
	if (c == NULL || (c->server.family != STUN_AF_INET &&
	    c->server.family != STUN_AF_INET6))
		return (STUN_ERR_INVALID);
	n->c = *c;
	if (n->c.txn.rto == 0)
		n->c.txn.rto = 100;
	if (n->c.txn.rc == 0)
		n->c.txn.rc = 3;
	if (n->c.txn.rm == 0)
		n->c.txn.rm = 2;
	if (n->c.txn.rc > STUN_NAT_MAX_SENDS)
		n->c.txn.rc = STUN_NAT_MAX_SENDS;
	if (n->c.rounds == 0)
		n->c.rounds = 3;
	if (n->c.rounds > STUN_NAT_MAX_ROUNDS)
		n->c.rounds = STUN_NAT_MAX_ROUNDS;
	if (n->c.lifetime_max == 0)
		n->c.lifetime_max = 300;
	if (n->c.lifetime_max > 86400)
		n->c.lifetime_max = 86400;
	switch (n->c.mode) {
	case STUN_NAT_MODE_5780:
		rv = nat_plan_5780(n);
		if (rv == 0 && (n->c.flags & STUN_NAT_F_LIFETIME))
			rv = nat_plan_lifetime(n);
		break;
	case STUN_NAT_MODE_CLASSIC:
		rv = nat_plan_classic(n);
		break;
	case STUN_NAT_MODE_LINT:
		rv = nat_plan_lint(n);
		break;
	default:
		rv = -1;
		break;
	}
	if (rv != 0) {
		memset(n, 0, sizeof(*n));
		return (STUN_ERR_INVALID);
	}
	return (0);
}

/* Where t sends to; 0, or -1 when what it needs is missing. */
static int
nat_dst(struct stun_nat *n, struct stun_nat_test *t)
{
	const struct stun_nat_test	*d = t->dep >= 0 ? &n->t[t->dep] : NULL;
	const struct stun_addr		*pri = &n->c.server;
	struct stun_addr		 a = *pri;

	switch (t->role) {
	case STUN_NAT_R_MAP2:
	case STUN_NAT_R_MAP3:
	case STUN_NAT_R_C1B:
		if (!d->has_other || d->other.family != pri->family) {
			snprintf(t->note, sizeof(t->note),
			    "server gave no %s", t->legacy ?
			    "CHANGED-ADDRESS" : "OTHER-ADDRESS");
			return (-1);
		}
		a = d->other;
		if (t->role == STUN_NAT_R_MAP2)
			a.port = pri->port;
		break;
	case STUN_NAT_R_PATTERN:
		if (t->arg != 0 && (!d->has_other ||
		    d->other.family != pri->family)) {
			snprintf(t->note, sizeof(t->note),
			    "server gave no OTHER-ADDRESS");
			return (-1);
		}
		if (t->arg == 1)
			a.port = d->other.port;
		else if (t->arg >= 2) {
			a = d->other;
			if (t->arg == 2)
				a.port = pri->port;
		}
		break;
	case STUN_NAT_R_MAPS2:
		a = n->c.server2;
		break;
	case STUN_NAT_R_HAIRPIN:
		if (!d->has_mapped)
			return (-1);
		a = d->mapped;
		break;
	case STUN_NAT_R_LINT:
		if (t->arg == LINT_OTHER) {
			if (!d->has_other) {
				snprintf(t->note, sizeof(t->note),
				    "no OTHER-ADDRESS to check");
				return (-1);
			}
			a = d->other;
		}
		break;
	}
	if (d != NULL && (t->role == STUN_NAT_R_LT_PROBE ||
	    (t->role == STUN_NAT_R_LINT && t->arg == LINT_RP)) &&
	    !d->has_mapped)
		return (-1);
	t->dst = a;
	return (0);
}

/*
 * Build t's request for send number k (0 first) with a fresh transaction
 * id in t->tids[k].  RFC 8489 6 lets a resend reuse the id; a new id per
 * send makes each one its own transaction, so that the answer names the
 * send it answers and the RTT needs no Karn's rule.  An RFC 3489 request
 * keeps its cookie (the top of its 128-bit id) across sends.
 */
static int
nat_build(struct stun_nat *n, struct stun_nat_test *t, unsigned k)
{
	static const uint8_t	 zero[4];
	struct stun_builder	 b;
	uint8_t			 ck[4], *tid = t->tids[k];
	int			 rv;

	if (k >= STUN_NAT_MAX_SENDS)
		return (STUN_ERR_INVALID);
	if ((rv = stun_tid_new(n->c.rnd, n->c.rnd_arg, tid)) != 0)
		return (rv);
	if (t->legacy) {
		if (k == 0) {
			if ((rv = stun_random(n->c.rnd, n->c.rnd_arg, ck,
			    4)) != 0)
				return (rv);
			t->cookie = (uint32_t)ck[0] << 24 |
			    (uint32_t)ck[1] << 16 | (uint32_t)ck[2] << 8 |
			    ck[3];
			if (t->cookie == STUN_MAGIC_COOKIE)
				t->cookie ^= 1;
		}
		stun_build_init_legacy(&b, t->req, sizeof(t->req),
		    STUN_METHOD_BINDING, STUN_CLASS_REQUEST, t->cookie, tid);
	} else {
		t->cookie = STUN_MAGIC_COOKIE;
		stun_build_init(&b, t->req, sizeof(t->req),
		    STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	}
	if (t->change != 0)
		stun_build_u32(&b, STUN_ATTR_CHANGE_REQUEST, t->change);
	if (t->role == STUN_NAT_R_LT_PROBE ||
	    (t->role == STUN_NAT_R_LINT && t->arg == LINT_RP))
		stun_build_response_port(&b, n->t[t->dep].mapped.port);
	if (t->role == STUN_NAT_R_LINT && t->arg == LINT_UNKNOWN)
		stun_build_attr(&b, NAT_LINT_UNKNOWN_ATTR, zero, sizeof(zero));
	if (!t->legacy)
		stun_build_fingerprint(&b);
	if ((rv = stun_build_finish(&b)) < 0)
		return (rv);
	t->reqlen = (size_t)rv;
	/* RFC 8489 14.7: a server must drop this as not STUN. */
	if (t->role == STUN_NAT_R_LINT && t->arg == LINT_BAD_FP)
		t->req[t->reqlen - 1] ^= 0x01;
	return (0);
}

static void
nat_enqueue(struct stun_nat *n, int i)
{
	unsigned	 k;

	for (k = 0; k < n->outlen; k++)
		if (n->outq[k] == i)
			return;
	if (n->outlen < STUN_NAT_MAX_TESTS)
		n->outq[n->outlen++] = i;
}

static void
nat_end(struct stun_nat_test *t, int state, uint64_t now)
{
	t->state = state;
	t->end_at = now;
}

static void
nat_run(struct stun_nat *n, int i, uint64_t now)
{
	struct stun_nat_test	*t = &n->t[i];

	t->start_at = now;
	if (nat_dst(n, t) != 0) {
		nat_end(t, STUN_NAT_T_SKIPPED, now);
		return;
	}
	if (nat_build(n, t, 0) != 0) {
		snprintf(t->note, sizeof(t->note), "cannot build request");
		nat_end(t, STUN_NAT_T_ERROR, now);
		return;
	}
	t->state = STUN_NAT_T_RUN;
	t->sent_ms[0] = now;
	if (stun_txn_start(&t->txn, &n->c.txn, t->tids[0], now) ==
	    STUN_TXN_SEND)
		nat_enqueue(n, i);
}

/* A resend: the next send number gets its own id and request bytes. */
static void
nat_resend(struct stun_nat *n, int i, uint64_t now)
{
	struct stun_nat_test	*t = &n->t[i];
	unsigned		 k = t->txn.sent - 1;

	if (nat_build(n, t, k) != 0) {
		snprintf(t->note, sizeof(t->note), "cannot build request");
		nat_end(t, STUN_NAT_T_ERROR, now);
		return;
	}
	t->sent_ms[k] = now;
	t->sent_us[k] = 0;
	nat_enqueue(n, i);
}

/* The send of t whose transaction id tid is: 1-based, or 0. */
static unsigned
nat_which_send(const struct stun_nat_test *t, const uint8_t *tid)
{
	unsigned	 k;

	for (k = 0; k < t->txn.sent && k < STUN_NAT_MAX_SENDS; k++)
		if (memcmp(t->tids[k], tid, STUN_TID_LEN) == 0)
			return (k + 1);
	return (0);
}

/* RTT from send k (1-based), to microseconds when both ends are stamped. */
static void
nat_rtt(struct stun_nat *n, struct stun_nat_test *t, unsigned k,
    uint64_t now)
{
	uint64_t	 d;

	t->answered = k;
	d = now >= t->sent_ms[k - 1] ? now - t->sent_ms[k - 1] : 0;
	t->rtt = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	if (n->rx_us != 0 && t->sent_us[k - 1] != 0 &&
	    n->rx_us >= t->sent_us[k - 1])
		d = n->rx_us - t->sent_us[k - 1];
	else
		d = (uint64_t)t->rtt * 1000;
	t->rtt_us = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static int
nat_ready(const struct stun_nat *n, const struct stun_nat_test *t)
{
	unsigned	 k;

	for (k = 0; k < n->ntests; k++)
		if ((t->after & BIT(k)) && !T_FINAL(n->t[k].state))
			return (0);
	return (1);
}

/* Start whatever can start; finish when everything has ended. */
static void
nat_advance(struct stun_nat *n, uint64_t now)
{
	struct stun_nat_test	*t, *d;
	unsigned		 i, pass;
	int			 all = 1;

	for (pass = 0; pass < STUN_NAT_MAX_TESTS; pass++) {
		int	 changed = 0;

		for (i = 0; i < n->ntests; i++) {
			t = &n->t[i];
			if (t->state == STUN_NAT_T_PLANNED) {
				d = &n->t[t->dep];
				if (!T_FINAL(d->state) || !nat_ready(n, t))
					continue;
				changed = 1;
				if (d->state != STUN_NAT_T_OK) {
					nat_end(t, STUN_NAT_T_SKIPPED, now);
					continue;
				}
				t->state = STUN_NAT_T_SCHED;
				t->start_at = d->end_at + t->delay;
			}
			if (t->state == STUN_NAT_T_SCHED &&
			    t->start_at <= now) {
				nat_run(n, (int)i, now);
				changed = 1;
			}
		}
		if (!changed)
			break;
	}
	for (i = 0; i < n->ntests; i++)
		if (!T_FINAL(n->t[i].state))
			all = 0;
	if (all && !n->r.done) {
		nat_verdict(n);
		n->r.done = 1;
	}
}

int
stun_nat_start(struct stun_nat *n, const struct stun_addr *local,
    unsigned nlocal, uint64_t now)
{
	unsigned	 i;

	if (n->started || n->ntests == 0)
		return (STUN_ERR_STATE);
	if (nlocal < n->nsocks)
		return (STUN_ERR_INVALID);
	for (i = 0; i < n->nsocks; i++)
		n->local[i] = local[i];
	n->started = 1;
	for (i = 0; i < n->ntests; i++)
		if (n->t[i].state == STUN_NAT_T_SCHED)
			n->t[i].start_at = now;
	nat_advance(n, now);
	return (0);
}

/* Checks that depend on where an answer came from. */
static void
nat_check_source(struct stun_nat *n, struct stun_nat_test *t)
{
	const struct stun_addr	*pri = &n->c.server;
	int			 ok = 1;

	if (t->change == (STUN_CHANGE_IP | STUN_CHANGE_PORT))
		ok = !nat_same_ip(&t->from, pri) && t->from.port != pri->port;
	else if (t->change == STUN_CHANGE_PORT)
		ok = nat_same_ip(&t->from, pri) && t->from.port != pri->port;
	if (!ok) {
		snprintf(t->note, sizeof(t->note),
		    "CHANGE-REQUEST not honoured");
		t->state = STUN_NAT_T_ERROR;
	}
}

static void
nat_record(struct stun_nat *n, struct stun_nat_test *t, unsigned sock,
    const struct stun_addr *from, const struct stun_msg *m, uint64_t now)
{
	struct stun_addr	 a;
	const char		*reason;
	const uint8_t		*ev;
	size_t			 rlen, nu, k, evlen;
	uint16_t		 unk[STUN_MAX_UNKNOWN];
	int			 rv;

	nat_end(t, STUN_NAT_T_OK, now);
	t->recv_sock = sock;
	t->from = *from;
	t->anslen = m->len;
	rv = stun_msg_check_fingerprint(m);
	t->fp = rv == 0 ? 1 : (rv == STUN_ERR_NOT_FOUND ? 0 : -1);
	/*
	 * Without the magic cookie XOR-MAPPED-ADDRESS cannot be trusted (old
	 * servers XOR it with whatever the cookie field held).
	 */
	if (m->legacy &&
	    stun_msg_get_addr(m, STUN_ATTR_MAPPED_ADDRESS, &a) == 0) {
		stun_addr_canon(&a, &t->mapped);
		t->has_mapped = 1;
	} else if (stun_msg_get_addr(m, STUN_ATTR_XOR_MAPPED_ADDRESS,
	    &a) == 0) {
		stun_addr_canon(&a, &t->mapped);
		t->has_mapped = t->xor_mapped = 1;
	} else if (stun_msg_get_addr(m, STUN_ATTR_MAPPED_ADDRESS, &a) == 0) {
		stun_addr_canon(&a, &t->mapped);
		t->has_mapped = 1;
	}
	if (stun_msg_get_addr(m, STUN_ATTR_RESPONSE_ORIGIN, &t->origin) == 0 ||
	    stun_msg_get_addr(m, STUN_ATTR_SOURCE_ADDRESS, &t->origin) == 0)
		t->has_origin = 1;
	if (stun_msg_get_addr(m, STUN_ATTR_OTHER_ADDRESS, &t->other) == 0 ||
	    stun_msg_get_addr(m, STUN_ATTR_CHANGED_ADDRESS, &t->other) == 0)
		t->has_other = 1;
	if (m->cls == STUN_CLASS_ERROR) {
		/* The code alone, even when the reason is not clean text. */
		if (stun_msg_get_error(m, &t->code, &reason, &rlen) != 0) {
			t->code = 0;
			if (stun_msg_get_bytes(m, STUN_ATTR_ERROR_CODE, &ev,
			    &evlen) == 0 && evlen >= 4)
				t->code = (ev[2] & 0x7) * 100 + ev[3];
		}
		snprintf(t->note, sizeof(t->note), "error %d", t->code);
		t->state = STUN_NAT_T_ERROR;
		if (t->role == STUN_NAT_R_LINT && t->arg == LINT_UNKNOWN &&
		    stun_msg_get_unknown(m, unk, STUN_MAX_UNKNOWN, &nu) == 0) {
			for (k = 0; k < nu; k++)
				if (unk[k] == NAT_LINT_UNKNOWN_ATTR)
					t->pass = 1;
		}
		return;
	}
	if (m->cls != STUN_CLASS_SUCCESS || !t->has_mapped) {
		snprintf(t->note, sizeof(t->note), "no mapped address");
		t->state = STUN_NAT_T_ERROR;
		return;
	}
	if (sock != t->expect_sock) {
		snprintf(t->note, sizeof(t->note),
		    "answer arrived on the wrong socket");
		t->state = STUN_NAT_T_ERROR;
		return;
	}
	nat_check_source(n, t);
}

int
stun_nat_input(struct stun_nat *n, unsigned sock, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct stun_msg		 m;
	struct stun_nat_test	*t;
	unsigned		 i, k = 0;

	if (sock >= n->nsocks || !n->started) {
		n->rx_us = 0;
		return (STUN_ERR_INVALID);
	}
	/* RFC 8489 14.7: a bad FINGERPRINT means it is not STUN at all. */
	if (stun_msg_decode(&m, buf, len) != 0 ||
	    m.method != STUN_METHOD_BINDING ||
	    (m.fp >= 0 && stun_msg_check_fingerprint(&m) != 0)) {
		n->ignored++;
		n->rx_us = 0;
		return (0);
	}
	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->state != STUN_NAT_T_RUN || m.cookie != t->cookie ||
		    (k = nat_which_send(t, m.tid)) == 0)
			continue;
		if (t->role == STUN_NAT_R_HAIRPIN) {
			if (m.cls != STUN_CLASS_REQUEST ||
			    sock != t->expect_sock)
				continue;
			nat_end(t, STUN_NAT_T_OK, now);
			nat_rtt(n, t, k, now);
			t->recv_sock = sock;
			t->from = *from;
			break;
		}
		/* The transaction ends with whichever send was answered. */
		memcpy(t->txn.tid, t->tids[k - 1], STUN_TID_LEN);
		if (stun_txn_input(&t->txn, &m, now) != STUN_TXN_DONE)
			continue;
		nat_record(n, t, sock, from, &m, now);
		nat_rtt(n, t, k, now);
		break;
	}
	if (i == n->ntests)
		n->ignored++;
	n->rx_us = 0;
	nat_advance(n, now);
	return (0);
}

int
stun_nat_input_icmp(struct stun_nat *n, const struct stun_nat_icmp *e,
    uint64_t now)
{
	static const char *what[] = { "", "port unreachable",
	    "host unreachable", "administratively prohibited" };
	struct stun_nat_test	*t;
	char			 a[64];
	unsigned		 i;

	n->rx_us = 0;
	if (e == NULL || e->sock >= n->nsocks || !n->started ||
	    e->kind < STUN_NAT_ICMP_PORT || e->kind > STUN_NAT_ICMP_PROHIBITED)
		return (STUN_ERR_INVALID);
	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->state != STUN_NAT_T_RUN || t->sock != e->sock ||
		    !nat_same(&t->dst, &e->dst))
			continue;
		nat_end(t, STUN_NAT_T_UNREACH, now);
		t->icmp = e->kind;
		t->icmp_from = e->from;
		nat_ip_text(&e->from, a, sizeof(a));
		snprintf(t->note, sizeof(t->note), "ICMP %s%s%s",
		    what[e->kind], a[0] != '\0' ? " from " : "", a);
	}
	nat_advance(n, now);
	return (0);
}

void
stun_nat_sent(struct stun_nat *n, const struct stun_nat_action *a,
    uint64_t us)
{
	struct stun_nat_test	*t;

	if (a == NULL || a->kind != STUN_NAT_SEND || a->test < 0 ||
	    (unsigned)a->test >= n->ntests || a->xmit == 0 ||
	    a->xmit > STUN_NAT_MAX_SENDS)
		return;
	t = &n->t[a->test];
	if (t->state == STUN_NAT_T_RUN && a->xmit == t->txn.sent)
		t->sent_us[a->xmit - 1] = us;
}

void
stun_nat_arrived(struct stun_nat *n, uint64_t us)
{
	n->rx_us = us;
}

void
stun_nat_timer(struct stun_nat *n, uint64_t now)
{
	struct stun_nat_test	*t;
	unsigned		 i;

	if (!n->started)
		return;
	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->state != STUN_NAT_T_RUN ||
		    stun_txn_next(&t->txn) > now)
			continue;
		switch (stun_txn_timer(&t->txn, now)) {
		case STUN_TXN_SEND:
			nat_resend(n, (int)i, now);
			break;
		case STUN_TXN_TIMEOUT:
			nat_end(t, STUN_NAT_T_NOANSWER, now);
			break;
		}
	}
	nat_advance(n, now);
}

void
stun_nat_next(struct stun_nat *n, struct stun_nat_action *a)
{
	struct stun_nat_test	*t;
	uint64_t		 w = 0, x;
	unsigned		 i;

	memset(a, 0, sizeof(*a));
	a->test = -1;
	while (n->outlen > 0) {
		i = (unsigned)n->outq[0];
		n->outlen--;
		memmove(n->outq, n->outq + 1, n->outlen * sizeof(n->outq[0]));
		t = &n->t[i];
		if (t->state != STUN_NAT_T_RUN)
			continue;
		a->kind = STUN_NAT_SEND;
		a->sock = t->sock;
		a->to = t->dst;
		a->buf = t->req;
		a->len = t->reqlen;
		a->test = (int)i;
		a->xmit = t->txn.sent;
		return;
	}
	if (n->r.done) {
		a->kind = STUN_NAT_DONE;
		return;
	}
	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->state == STUN_NAT_T_RUN)
			x = stun_txn_next(&t->txn);
		else if (t->state == STUN_NAT_T_SCHED)
			x = t->start_at;
		else
			continue;
		if (w == 0 || x < w)
			w = x;
	}
	a->kind = STUN_NAT_WAIT;
	a->wake = w;
}

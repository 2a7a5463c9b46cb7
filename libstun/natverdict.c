/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What the NAT tests' observations mean: mapping and filtering behaviour
 * per round and their majority (RFC 5780 4.3, 4.4), the classic name, the
 * RFC 3489 tree, port preservation and allocation pattern, the binding
 * lifetime bracket, and the server lint verdicts.
 */
#include <stdio.h>
#include <string.h>

#include "stun.h"
#include "txn.h"
#include "nat.h"
#include "nat_int.h"

/* The most frequent known value in v[0..n), ties to the stricter one. */
static int
nat_majority(const int *v, unsigned cnt, unsigned *agree, unsigned *total)
{
	unsigned	 c[5] = { 0 }, i;
	int		 best = STUN_NAT_UNKNOWN, b;

	*agree = *total = 0;
	for (i = 0; i < cnt; i++)
		if (v[i] > 0 && v[i] < 5) {
			c[v[i]]++;
			(*total)++;
		}
	for (b = 1; b < 5; b++)
		if (c[b] > 0 && c[b] >= c[best == 0 ? 0 : best]) {
			best = b;
			*agree = c[b];
		}
	return (best);
}

static int
nat_find(const struct stun_nat *n, int role, int round)
{
	unsigned	 i;

	for (i = 0; i < n->ntests; i++)
		if (n->t[i].role == role && n->t[i].round == round)
			return ((int)i);
	return (-1);
}

static const struct stun_nat_test *
nat_get(const struct stun_nat *n, int role, int round)
{
	int	 i = nat_find(n, role, round);

	return (i < 0 ? NULL : &n->t[i]);
}

static int
nat_round_mapping(const struct stun_nat *n, int r)
{
	const struct stun_nat_test *m1 = nat_get(n, STUN_NAT_R_MAP1, r);
	const struct stun_nat_test *m2 = nat_get(n, STUN_NAT_R_MAP2, r);
	const struct stun_nat_test *m3 = nat_get(n, STUN_NAT_R_MAP3, r);
	const struct stun_nat_test *s2 = nat_get(n, STUN_NAT_R_MAPS2, r);

	if (!T_OK(m1))
		return (STUN_NAT_UNKNOWN);
	/* RFC 5780 4.3. */
	if (T_OK(m2)) {
		if (nat_same(&m2->mapped, &m1->mapped))
			return (STUN_NAT_EI);
		if (!T_OK(m3))
			return (STUN_NAT_DEP);
		if (nat_same(&m3->mapped, &m2->mapped))
			return (STUN_NAT_AD);
		return (STUN_NAT_APD);
	}
	if (T_OK(s2))
		return (nat_same(&s2->mapped, &m1->mapped) ? STUN_NAT_EI :
		    STUN_NAT_DEP);
	return (STUN_NAT_UNKNOWN);
}

static int
nat_round_filtering(const struct stun_nat *n, int r)
{
	const struct stun_nat_test *f2 = nat_get(n, STUN_NAT_R_FILT2, r);
	const struct stun_nat_test *f3 = nat_get(n, STUN_NAT_R_FILT3, r);

	/* RFC 5780 4.4. */
	if (f2 == NULL || f3 == NULL)
		return (STUN_NAT_UNKNOWN);
	if (f2->state == STUN_NAT_T_OK)
		return (STUN_NAT_EI);
	if (f2->state != STUN_NAT_T_NOANSWER)
		return (STUN_NAT_UNKNOWN);
	if (f3->state == STUN_NAT_T_OK)
		return (STUN_NAT_AD);
	if (f3->state == STUN_NAT_T_NOANSWER)
		return (STUN_NAT_APD);
	return (STUN_NAT_UNKNOWN);
}

static int
nat_classic_name(int nat, int mapping, int filtering)
{
	if (nat == 0)
		return (filtering == STUN_NAT_EI ? STUN_NAT_TYPE_OPEN :
		    filtering == STUN_NAT_UNKNOWN ? STUN_NAT_TYPE_UNKNOWN :
		    STUN_NAT_TYPE_SYM_FIREWALL);
	if (nat < 0 || mapping == STUN_NAT_UNKNOWN)
		return (STUN_NAT_TYPE_UNKNOWN);
	if (mapping != STUN_NAT_EI)
		return (STUN_NAT_TYPE_SYMMETRIC);
	switch (filtering) {
	case STUN_NAT_EI:
		return (STUN_NAT_TYPE_FULL_CONE);
	case STUN_NAT_AD:
		return (STUN_NAT_TYPE_RESTRICTED);
	case STUN_NAT_APD:
	case STUN_NAT_DEP:
		return (STUN_NAT_TYPE_PORT_RESTRICTED);
	}
	return (STUN_NAT_TYPE_UNKNOWN);
}

static void
nat_verdict_pattern(struct stun_nat *n)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*t;
	uint16_t			 p[NAT_PATTERN_N];
	int				 d[NAT_PATTERN_N - 1], k, same = 1;
	unsigned			 i, got = 0, kept = 0, seen = 0;

	/* Port preservation: every first mapping of a socket. */
	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->state != STUN_NAT_T_OK || !t->has_mapped ||
		    (t->role != STUN_NAT_R_MAP1 &&
		    t->role != STUN_NAT_R_LT_OPEN &&
		    !(t->role == STUN_NAT_R_PATTERN && t->arg == 0)))
			continue;
		seen++;
		if (t->mapped.port == n->local[t->sock].port)
			kept++;
	}
	r->port_preserve = seen == 0 ? -1 : kept == seen;
	for (k = 0; k < NAT_PATTERN_N; k++) {
		t = nat_get(n, STUN_NAT_R_PATTERN, k);
		if (!T_OK(t))
			return;
		p[k] = t->mapped.port;
		got++;
		if (p[k] != p[0])
			same = 0;
	}
	if (same) {
		t = nat_get(n, STUN_NAT_R_PATTERN, 0);
		r->pattern = p[0] == n->local[t->sock].port ?
		    STUN_NAT_PAT_PRESERVE : STUN_NAT_PAT_SAME;
		return;
	}
	for (k = 0; k < NAT_PATTERN_N - 1; k++)
		d[k] = (int)p[k + 1] - (int)p[k];
	r->pattern = STUN_NAT_PAT_RANDOM;
	/* Two of the three steps alike and small: predictable. */
	for (k = 0; k < NAT_PATTERN_N - 1; k++) {
		int	 j, c = 0;

		if (d[k] == 0 || d[k] > 64 || d[k] < -64)
			continue;
		for (j = 0; j < NAT_PATTERN_N - 1; j++)
			if (d[j] == d[k])
				c++;
		if (c >= 2) {
			r->pattern = STUN_NAT_PAT_SEQUENTIAL;
			r->delta = d[k];
			return;
		}
	}
}

static void
nat_verdict_lifetime(struct stun_nat *n)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*t;
	unsigned			 i;
	int				 any = 0;

	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->role != STUN_NAT_R_LT_PROBE)
			continue;
		any = 1;
		if (t->arg == 0 && t->state != STUN_NAT_T_OK) {
			r->lifetime = -1;
			return;
		}
		if (t->state == STUN_NAT_T_OK && r->lifetime_hi == 0 &&
		    t->arg > r->lifetime_lo)
			r->lifetime_lo = t->arg;
		else if (t->state == STUN_NAT_T_NOANSWER &&
		    (r->lifetime_hi == 0 || t->arg < r->lifetime_hi))
			r->lifetime_hi = t->arg;
	}
	r->lifetime = any;
}

static void
nat_verdict_5780(struct stun_nat *n)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*t, *m1 = NULL;
	int				 map[STUN_NAT_MAX_ROUNDS];
	int				 filt[STUN_NAT_MAX_ROUNDS], c;
	unsigned			 k, translated = 0, direct = 0;

	for (k = 0; k < n->c.rounds; k++) {
		map[k] = nat_round_mapping(n, k);
		filt[k] = nat_round_filtering(n, k);
		t = nat_get(n, STUN_NAT_R_MAP1, k);
		if (!T_OK(t))
			continue;
		if (m1 == NULL)
			m1 = t;
		if (nat_same(&t->mapped, &n->local[t->sock]))
			direct++;
		else
			translated++;
		if (t->has_other && !r->has_other) {
			r->other = t->other;
			r->has_other = 1;
		}
	}
	if (m1 == NULL) {
		r->nat_type = STUN_NAT_TYPE_BLOCKED;
		r->nat = r->hairpin = r->port_preserve = r->double_nat = -1;
		nat_verdict_lifetime(n);
		return;
	}
	r->server_ok = 1;
	r->local = n->local[m1->sock];
	r->mapped = m1->mapped;
	r->has_mapped = 1;
	r->nat = translated > 0 ? 1 : 0;
	r->mapping = nat_majority(map, n->c.rounds, &r->map_agree,
	    &r->map_total);
	r->filtering = nat_majority(filt, n->c.rounds, &r->filt_agree,
	    &r->filt_total);
	if (r->nat == 0 && r->mapping == STUN_NAT_UNKNOWN) {
		/* No translation: trivially endpoint-independent. */
		r->mapping = STUN_NAT_EI;
	}
	r->nat_type = nat_classic_name(r->nat, r->mapping, r->filtering);
	t = nat_get(n, STUN_NAT_R_HAIRPIN, 0);
	r->hairpin = T_OK(t) ? 1 : (t != NULL &&
	    t->state == STUN_NAT_T_NOANSWER ? 0 : -1);
	r->change_ok = 1;
	for (k = 0; k < n->ntests; k++)
		if (n->t[k].change != 0 && n->t[k].state == STUN_NAT_T_ERROR)
			r->change_ok = 0;
	c = stun_addr_class(&r->mapped);
	r->cgnat = c == STUN_ADDR_CGNAT ||
	    stun_addr_class(&r->local) == STUN_ADDR_CGNAT;
	r->double_nat = r->nat == 1 &&
	    (c == STUN_ADDR_PRIVATE || c == STUN_ADDR_CGNAT) ? 1 : 0;
	nat_verdict_pattern(n);
	nat_verdict_lifetime(n);
}

/* RFC 3489 10.1, figure 2, followed as drawn. */
static int
nat_classic_tree(const struct stun_nat_test *c1, const struct stun_nat_test *c2,
    const struct stun_nat_test *c3, const struct stun_nat_test *c1b, int nat)
{
	if (nat == 0)
		return (T_OK(c2) ? STUN_NAT_TYPE_OPEN :
		    c2->state == STUN_NAT_T_NOANSWER ?
		    STUN_NAT_TYPE_SYM_FIREWALL : STUN_NAT_TYPE_UNKNOWN);
	if (T_OK(c2))
		return (STUN_NAT_TYPE_FULL_CONE);
	if (c2->state != STUN_NAT_T_NOANSWER || !T_OK(c1b))
		return (STUN_NAT_TYPE_UNKNOWN);
	if (!nat_same(&c1b->mapped, &c1->mapped))
		return (STUN_NAT_TYPE_SYMMETRIC);
	if (T_OK(c3))
		return (STUN_NAT_TYPE_RESTRICTED);
	if (c3->state == STUN_NAT_T_NOANSWER)
		return (STUN_NAT_TYPE_PORT_RESTRICTED);
	return (STUN_NAT_TYPE_UNKNOWN);
}

static void
nat_verdict_classic(struct stun_nat *n)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*c1, *c2, *c3, *c1b;

	c1 = nat_get(n, STUN_NAT_R_C1, 0);
	c2 = nat_get(n, STUN_NAT_R_C2, 0);
	c3 = nat_get(n, STUN_NAT_R_C3, 0);
	c1b = nat_get(n, STUN_NAT_R_C1B, 0);
	if (!T_OK(c1)) {
		r->nat = -1;
		r->nat_type = STUN_NAT_TYPE_BLOCKED;
		return;
	}
	r->server_ok = 1;
	r->local = n->local[c1->sock];
	r->mapped = c1->mapped;
	r->has_mapped = 1;
	r->other = c1->other;
	r->has_other = c1->has_other;
	r->port_preserve = c1->mapped.port == r->local.port;
	r->cgnat = stun_addr_class(&r->mapped) == STUN_ADDR_CGNAT;
	r->change_ok = !(c2->state == STUN_NAT_T_ERROR ||
	    c3->state == STUN_NAT_T_ERROR);
	/* The RFC 4787 terms that the classic tests can tell. */
	r->filtering = T_OK(c2) ? STUN_NAT_EI :
	    c2->state != STUN_NAT_T_NOANSWER ? STUN_NAT_UNKNOWN :
	    T_OK(c3) ? STUN_NAT_AD :
	    c3->state == STUN_NAT_T_NOANSWER ? STUN_NAT_APD : STUN_NAT_UNKNOWN;
	r->nat = nat_same(&c1->mapped, &r->local) ? 0 : 1;
	if (r->nat == 0)
		r->mapping = STUN_NAT_EI;
	else if (T_OK(c1b))
		r->mapping = nat_same(&c1b->mapped, &c1->mapped) ?
		    STUN_NAT_EI : STUN_NAT_DEP;
	if (r->mapping != STUN_NAT_UNKNOWN)
		r->map_agree = r->map_total = 1;
	if (r->filtering != STUN_NAT_UNKNOWN)
		r->filt_agree = r->filt_total = 1;
	r->nat_type = nat_classic_tree(c1, c2, c3, c1b, r->nat);
}

static void
nat_lint_eval(struct stun_nat_test *t)
{
	char			 tmp[56];
	int			 ok = t->state == STUN_NAT_T_OK;
	int			 listed = t->pass;

	t->pass = 0;
	switch (t->arg) {
	case LINT_BINDING:
		if (!ok)
			break;
		t->pass = t->xor_mapped && t->fp >= 0 ? 1 : 0;
		snprintf(t->note, sizeof(t->note),
		    "%s, FINGERPRINT %s, OTHER-ADDRESS %s",
		    t->xor_mapped ? "XOR-MAPPED-ADDRESS" : "no XOR-MAPPED",
		    t->fp > 0 ? "valid" : t->fp == 0 ? "absent" : "BAD",
		    t->has_other ? "present" : "absent");
		if (t->pass && (t->fp == 0 || !t->has_other))
			t->pass = -1;
		break;
	case LINT_UNKNOWN:
		if (t->state == STUN_NAT_T_ERROR && t->code == 420) {
			t->pass = listed == 1 ? 1 : -1;
			snprintf(t->note, sizeof(t->note), "420%s",
			    t->pass == 1 ? " with UNKNOWN-ATTRIBUTES" :
			    " without our type in UNKNOWN-ATTRIBUTES");
		} else if (ok)
			snprintf(t->note, sizeof(t->note),
			    "answered success, expected 420");
		break;
	case LINT_LEGACY:
		if (!ok)
			break;
		t->pass = t->has_mapped && !t->xor_mapped ? 1 : -1;
		snprintf(t->note, sizeof(t->note), "%s, CHANGED-ADDRESS %s",
		    t->xor_mapped ? "only XOR-MAPPED-ADDRESS" :
		    "MAPPED-ADDRESS", t->has_other ? "present" : "absent");
		break;
	case LINT_OTHER:
		if (t->state == STUN_NAT_T_SKIPPED)
			t->pass = -1;
		if (!ok)
			break;
		t->pass = nat_same(&t->from, &t->dst) &&
		    (!t->has_origin || nat_same(&t->origin, &t->dst));
		stun_addr_format(&t->dst, tmp, sizeof(tmp));
		snprintf(t->note, sizeof(t->note), "%s %s", tmp,
		    t->pass ? "answers from itself" : "answers from elsewhere");
		break;
	case LINT_CHANGE_IP:
	case LINT_CHANGE_PORT:
		if (!ok)
			break;
		t->pass = 1;
		stun_addr_format(&t->from, tmp, sizeof(tmp));
		snprintf(t->note, sizeof(t->note), "answered from %s%s", tmp,
		    t->has_origin && !nat_same(&t->origin, &t->from) ?
		    " (RESPONSE-ORIGIN differs)" : "");
		if (t->has_origin && !nat_same(&t->origin, &t->from))
			t->pass = -1;
		break;
	case LINT_RP_OPEN:
		t->pass = ok;
		break;
	case LINT_BAD_FP:
		t->pass = t->state == STUN_NAT_T_NOANSWER;
		snprintf(t->note, sizeof(t->note), "%s", t->pass ?
		    "request with a bad FINGERPRINT dropped" :
		    "answered a request with a bad FINGERPRINT");
		return;
	case LINT_RP:
		t->pass = ok;
		if (ok)
			snprintf(t->note, sizeof(t->note),
			    "answer sent to the port asked for");
		break;
	}
	if (t->state == STUN_NAT_T_NOANSWER && t->note[0] == '\0')
		snprintf(t->note, sizeof(t->note), "no answer");
}

void
nat_verdict(struct stun_nat *n)
{
	unsigned	 i;

	n->r.hairpin = -1;
	n->r.port_preserve = -1;
	n->r.double_nat = -1;
	switch (n->c.mode) {
	case STUN_NAT_MODE_5780:
		nat_verdict_5780(n);
		break;
	case STUN_NAT_MODE_CLASSIC:
		nat_verdict_classic(n);
		break;
	case STUN_NAT_MODE_LINT:
		for (i = 0; i < n->ntests; i++) {
			nat_lint_eval(&n->t[i]);
			if (n->t[i].state == STUN_NAT_T_OK &&
			    n->t[i].arg == LINT_BINDING) {
				n->r.server_ok = 1;
				n->r.local = n->local[n->t[i].sock];
				n->r.mapped = n->t[i].mapped;
				n->r.has_mapped = 1;
			}
			if (n->t[i].pass > 0)
				n->r.lint_pass++;
			else if (n->t[i].pass < 0)
				n->r.lint_warn++;
			else
				n->r.lint_fail++;
		}
		break;
	}
}

const char *
stun_nat_behaviour_name(int b)
{
	switch (b) {
	case STUN_NAT_EI:
		return ("endpoint-independent");
	case STUN_NAT_AD:
		return ("address-dependent");
	case STUN_NAT_APD:
		return ("address-and-port-dependent");
	case STUN_NAT_DEP:
		return ("endpoint-dependent");
	}
	return ("unknown");
}

const char *
stun_nat_type_name(int type)
{
	static const char *names[] = { "unknown", "open", "full-cone",
	    "restricted-cone", "port-restricted-cone", "symmetric",
	    "symmetric-firewall", "blocked" };

	if (type < 0 || type > STUN_NAT_TYPE_BLOCKED)
		return ("unknown");
	return (names[type]);
}

const char *
stun_nat_pattern_name(int pat)
{
	static const char *names[] = { "unknown", "same-port",
	    "preserving", "sequential", "random" };

	if (pat < 0 || pat > STUN_NAT_PAT_RANDOM)
		return ("unknown");
	return (names[pat]);
}

const char *
stun_nat_state_name(int state)
{
	static const char *names[] = { "planned", "scheduled", "running",
	    "ok", "no-answer", "error", "skipped" };

	if (state < 0 || state > STUN_NAT_T_SKIPPED)
		return ("unknown");
	return (names[state]);
}

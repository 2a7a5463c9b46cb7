/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What the NAT tests' observations mean: mapping and filtering behaviour
 * per round and their majority (RFC 5780 4.3, 4.4), what could not be
 * tested and why, how the server answered as a whole, the classic name,
 * the RFC 3489 tree, port preservation and allocation pattern, the binding
 * lifetime bracket, and the server lint verdicts (judged by what the RFCs
 * require of a server with one address or two).  nat.c calls this file;
 * nothing here calls back into nat.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stun.h"
#include "txn.h"
#include "nat.h"
#include "nat_int.h"

int
nat_same_ip(const struct stun_addr *a, const struct stun_addr *b)
{
	struct stun_addr	 x, y;

	stun_addr_canon(a, &x);
	stun_addr_canon(b, &y);
	x.port = y.port = 0;
	return (stun_addr_equal(&x, &y));
}

int
nat_same(const struct stun_addr *a, const struct stun_addr *b)
{
	return (nat_same_ip(a, b) && a->port == b->port);
}

void
nat_ip_text(const struct stun_addr *a, char *out, size_t cap)
{
	char	 buf[64];
	size_t	 l;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (a->family == 0 || stun_addr_format(a, buf, sizeof(buf)) != 0)
		return;
	/* "192.0.2.1:0" or "[2001:db8::1]:0" without the port. */
	l = strlen(buf);
	while (l > 0 && buf[l - 1] != ':')
		l--;
	if (l > 0)
		l--;
	if (l > 0 && buf[l - 1] == ']')
		l--;
	buf[l] = '\0';
	snprintf(out, cap, "%s", buf[0] == '[' ? buf + 1 : buf);
}

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
nat_round_filtering(const struct stun_nat *n, int r, int has_other)
{
	const struct stun_nat_test *f2 = nat_get(n, STUN_NAT_R_FILT2, r);
	const struct stun_nat_test *f3 = nat_get(n, STUN_NAT_R_FILT3, r);

	/*
	 * RFC 5780 4.4.  Without OTHER-ADDRESS the server has no other
	 * address to answer from, so silence would prove nothing.
	 */
	if (f2 == NULL || f3 == NULL || !has_other)
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

/*
 * How the server (second = 0) or the second server (1) answered over all
 * the tests that sent to it: the hairpinning test sends to ourselves.
 */
static int
nat_server_state(struct stun_nat *n, int second)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*t;
	unsigned			 i;
	int				 asked = 0, answered = 0, icmp = 0;

	for (i = 0; i < n->ntests; i++) {
		t = &n->t[i];
		if (t->role == STUN_NAT_R_HAIRPIN || t->txn.sent == 0 ||
		    (t->role == STUN_NAT_R_MAPS2) != second)
			continue;
		asked = 1;
		if (t->state == STUN_NAT_T_OK ||
		    (t->state == STUN_NAT_T_ERROR && t->anslen > 0))
			answered = 1;
		else if (t->state == STUN_NAT_T_UNREACH) {
			icmp = 1;
			if (r->icmp == 0) {
				r->icmp = t->icmp;
				r->icmp_from = t->icmp_from;
			}
		}
	}
	if (!asked)
		return (STUN_NAT_SRV_NONE);
	return (answered ? STUN_NAT_SRV_ANSWERING : icmp ?
	    STUN_NAT_SRV_UNREACH : STUN_NAT_SRV_SILENT);
}

/* A test that asked for CHANGE-REQUEST got a refusal or a wrong source. */
static int
nat_change_refused(const struct stun_nat *n)
{
	unsigned	 i;

	for (i = 0; i < n->ntests; i++)
		if (n->t[i].change != 0 && n->t[i].state == STUN_NAT_T_ERROR &&
		    n->t[i].anslen > 0)
			return (1);
	return (0);
}

/* A test that asked for CHANGE-REQUEST was answered as asked. */
static int
nat_change_honoured(const struct stun_nat *n)
{
	unsigned	 i;

	for (i = 0; i < n->ntests; i++)
		if (n->t[i].change != 0 && n->t[i].state == STUN_NAT_T_OK)
			return (1);
	return (0);
}

/* Why mapping, filtering and hairpinning are what they are. */
static void
nat_why(struct stun_nat *n)
{
	struct stun_nat_result	*r = &n->r;

	r->server_addrs = r->has_other || nat_change_honoured(n) ? 2 : 1;
	if (r->nat == 0) {
		r->mapping_why = r->mapping == STUN_NAT_UNKNOWN ||
		    !r->has_other ? STUN_NAT_WHY_NO_NAT : STUN_NAT_WHY_MEASURED;
	} else if (r->mapping != STUN_NAT_UNKNOWN)
		r->mapping_why = STUN_NAT_WHY_MEASURED;
	else if (r->server2 != STUN_NAT_SRV_NONE &&
	    r->server2 != STUN_NAT_SRV_ANSWERING)
		r->mapping_why = STUN_NAT_WHY_SERVER2;
	else if (!r->has_other)
		r->mapping_why = STUN_NAT_WHY_ONE_ADDR;
	else
		r->mapping_why = STUN_NAT_WHY_NO_ANSWER;
	if (r->filtering != STUN_NAT_UNKNOWN)
		r->filtering_why = STUN_NAT_WHY_MEASURED;
	else if (!r->has_other)
		r->filtering_why = STUN_NAT_WHY_ONE_ADDR;
	else if (nat_change_refused(n))
		r->filtering_why = STUN_NAT_WHY_NO_CHANGE;
	else
		r->filtering_why = STUN_NAT_WHY_NO_ANSWER;
}

/* Nothing usable came back from the server: blocked, or not answering. */
static void
nat_verdict_silent(struct stun_nat *n)
{
	struct stun_nat_result	*r = &n->r;

	r->nat = r->hairpin = r->port_preserve = r->double_nat = -1;
	r->nat_type = STUN_NAT_TYPE_UNKNOWN;
	/* UDP is blocked only when every server asked stayed silent. */
	if (r->server == STUN_NAT_SRV_SILENT &&
	    (r->server2 == STUN_NAT_SRV_NONE ||
	    r->server2 == STUN_NAT_SRV_SILENT))
		r->nat_type = STUN_NAT_TYPE_BLOCKED;
	r->mapping_why = r->filtering_why = r->hairpin_why =
	    STUN_NAT_WHY_NO_SERVER;
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
	for (k = 0; k < n->c.rounds; k++)
		filt[k] = nat_round_filtering(n, k, r->has_other);
	if (m1 == NULL) {
		nat_verdict_silent(n);
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
	    (t->state == STUN_NAT_T_NOANSWER ||
	    t->state == STUN_NAT_T_UNREACH) ? 0 : -1);
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
	nat_why(n);
	if (r->nat == 0)
		r->hairpin_why = STUN_NAT_WHY_NO_NAT;
	else if (r->hairpin < 0)
		r->hairpin_why = STUN_NAT_WHY_NO_ANSWER;
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
		nat_verdict_silent(n);
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
	nat_why(n);
}

/* What the lint knows about the server and the path to it. */
struct nat_lint {
	int	 two;		/* the server has two addresses */
	int	 behind_nat;	/* a NAT between us may filter answers */
};

static void __attribute__((format(printf, 3, 4)))
nat_lint_set(struct stun_nat_test *t, int pass, const char *fmt, ...)
{
	va_list	 ap;

	t->pass = pass;
	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
}

static void
nat_lint_binding(struct stun_nat_test *t, const struct nat_lint *l)
{
	if (t->state != STUN_NAT_T_OK)
		return;
	if (!t->xor_mapped)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "no XOR-MAPPED-ADDRESS, "
		    "which RFC 8489 requires");
	else if (t->fp < 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "a bad FINGERPRINT");
	else if (l->two && !t->has_origin)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "no RESPONSE-ORIGIN, "
		    "which RFC 5780 servers add");
	else if (t->fp == 0)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "no FINGERPRINT, though "
		    "the request had one");
	else
		nat_lint_set(t, STUN_NAT_LINT_PASS, "XOR-MAPPED-ADDRESS and a "
		    "valid FINGERPRINT%s", l->two ? ", OTHER-ADDRESS" : "");
}

static void
nat_lint_unknown(struct stun_nat_test *t, int listed)
{
	char	 code[16];

	snprintf(code, sizeof(code), "%d", t->code);
	if (t->state == STUN_NAT_T_ERROR && t->code == 420 && listed)
		nat_lint_set(t, STUN_NAT_LINT_PASS, "420 naming the attribute "
		    "in UNKNOWN-ATTRIBUTES");
	else if (t->state == STUN_NAT_T_ERROR && t->code == 420)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "420 without the "
		    "attribute in UNKNOWN-ATTRIBUTES (RFC 8489 14.13)");
	else if (t->state == STUN_NAT_T_OK)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "answered success; RFC "
		    "8489 requires 420");
	else if (t->state == STUN_NAT_T_ERROR && t->anslen > 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "error %s; RFC 8489 "
		    "requires 420", code);
	else if (t->state == STUN_NAT_T_NOANSWER)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "no answer; RFC 8489 "
		    "requires 420");
}

static void
nat_lint_legacy(struct stun_nat_test *t)
{
	if (t->state == STUN_NAT_T_OK && t->has_mapped && !t->xor_mapped)
		nat_lint_set(t, STUN_NAT_LINT_PASS, "MAPPED-ADDRESS, "
		    "CHANGED-ADDRESS %s", t->has_other ? "present" : "absent");
	else if (t->state == STUN_NAT_T_OK)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "only XOR-MAPPED-ADDRESS, "
		    "which RFC 3489 clients cannot read");
	else if (t->state == STUN_NAT_T_NOANSWER ||
	    (t->state == STUN_NAT_T_ERROR && t->anslen > 0))
		nat_lint_set(t, STUN_NAT_LINT_WARN, "%s: RFC 5389 12.2 says "
		    "to answer RFC 3489 clients", t->state ==
		    STUN_NAT_T_NOANSWER ? "no answer" : "an error");
}

static void
nat_lint_other(struct stun_nat_test *t, const struct nat_lint *l,
    const struct stun_nat_test *b)
{
	char	 a[64];

	stun_addr_format(&t->dst, a, sizeof(a));
	if (t->state == STUN_NAT_T_SKIPPED) {
		if (!T_OK(b))
			nat_lint_set(t, STUN_NAT_LINT_WARN, "not tested: the "
			    "Binding request failed");
		else if (l->two)
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "no OTHER-ADDRESS, "
			    "though CHANGE-REQUEST is honoured");
		else
			nat_lint_set(t, STUN_NAT_LINT_PASS, "none: the server "
			    "has one address");
	} else if (t->state == STUN_NAT_T_OK) {
		if (nat_same(&t->from, &t->dst) &&
		    (!t->has_origin || nat_same(&t->origin, &t->dst)))
			nat_lint_set(t, STUN_NAT_LINT_PASS, "%s answers from "
			    "itself", a);
		else
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "%s answers from "
			    "elsewhere", a);
	} else if (t->state == STUN_NAT_T_NOANSWER)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "%s does not answer", a);
}

static void
nat_lint_change(struct stun_nat_test *t, const struct nat_lint *l)
{
	char	 a[64], code[16];

	stun_addr_format(&t->from, a, sizeof(a));
	snprintf(code, sizeof(code), "%d", t->code);
	if (!l->two) {
		/* RFC 5780 6: with no other address the answer is 420. */
		if (t->state == STUN_NAT_T_ERROR && t->code == 420)
			nat_lint_set(t, STUN_NAT_LINT_PASS, "420, as RFC 5780 "
			    "requires of a server with one address");
		else if (t->state == STUN_NAT_T_ERROR && t->code == 0 &&
		    t->anslen > 0)
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "answered from %s; "
			    "one address: RFC 5780 requires 420", a);
		else if (t->state == STUN_NAT_T_ERROR && t->anslen > 0)
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "error %s; one "
			    "address: RFC 5780 requires 420", code);
		else if (t->state == STUN_NAT_T_NOANSWER)
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "no answer; one "
			    "address: RFC 5780 requires 420");
		return;
	}
	if (t->state == STUN_NAT_T_OK) {
		if (t->has_origin && !nat_same(&t->origin, &t->from))
			nat_lint_set(t, STUN_NAT_LINT_WARN, "answered from %s, "
			    "RESPONSE-ORIGIN differs", a);
		else
			nat_lint_set(t, STUN_NAT_LINT_PASS, "answered from %s",
			    a);
	} else if (t->state == STUN_NAT_T_ERROR && t->code == 420)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "420, though the server "
		    "gives OTHER-ADDRESS");
	else if (t->state == STUN_NAT_T_ERROR && t->code == 0 &&
	    t->anslen > 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "answered from %s, not "
		    "from the address asked for", a);
	else if (t->state == STUN_NAT_T_ERROR && t->anslen > 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "error %s", code);
	else if (t->state == STUN_NAT_T_NOANSWER && l->behind_nat)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "no answer: the NAT here "
		    "may have dropped it");
	else if (t->state == STUN_NAT_T_NOANSWER)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "no answer");
}

static void
nat_lint_rp(struct stun_nat_test *t)
{
	char	 code[16];

	snprintf(code, sizeof(code), "%d", t->code);
	if (t->state == STUN_NAT_T_OK)
		nat_lint_set(t, STUN_NAT_LINT_PASS, "answer sent to the port "
		    "asked for");
	else if (t->state == STUN_NAT_T_ERROR && t->code == 420)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "420: no RESPONSE-PORT, "
		    "so no binding lifetime tests");
	else if (t->state == STUN_NAT_T_ERROR && t->code == 0 &&
	    t->anslen > 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "answer not sent to the "
		    "port asked for");
	else if (t->state == STUN_NAT_T_ERROR && t->anslen > 0)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "error %s", code);
	else if (t->state == STUN_NAT_T_NOANSWER)
		nat_lint_set(t, STUN_NAT_LINT_FAIL, "no answer at the port "
		    "asked for");
	else if (t->state == STUN_NAT_T_SKIPPED)
		nat_lint_set(t, STUN_NAT_LINT_WARN, "not tested: the binding "
		    "to answer to failed");
}

static void
nat_lint_eval(struct stun_nat_test *t, const struct nat_lint *l,
    const struct stun_nat_test *b)
{
	int	 listed = t->pass;

	t->pass = STUN_NAT_LINT_FAIL;
	t->check = t->arg != LINT_RP_OPEN;
	switch (t->arg) {
	case LINT_BINDING:
		nat_lint_binding(t, l);
		break;
	case LINT_UNKNOWN:
		nat_lint_unknown(t, listed);
		break;
	case LINT_LEGACY:
		nat_lint_legacy(t);
		break;
	case LINT_OTHER:
		nat_lint_other(t, l, b);
		break;
	case LINT_CHANGE_IP:
	case LINT_CHANGE_PORT:
		nat_lint_change(t, l);
		break;
	case LINT_RP_OPEN:
		t->pass = T_OK(t) ? STUN_NAT_LINT_PASS : STUN_NAT_LINT_FAIL;
		break;
	case LINT_RP:
		nat_lint_rp(t);
		break;
	case LINT_BAD_FP:
		/* RFC 8489 7.3: a wrong FINGERPRINT: not STUN, dropped. */
		if (t->state == STUN_NAT_T_NOANSWER)
			nat_lint_set(t, STUN_NAT_LINT_PASS, "request with a "
			    "bad FINGERPRINT dropped");
		else if (t->anslen > 0)
			nat_lint_set(t, STUN_NAT_LINT_FAIL, "answered a "
			    "request with a bad FINGERPRINT (RFC 8489 7.3)");
		break;
	}
	if (t->state == STUN_NAT_T_NOANSWER && t->note[0] == '\0')
		snprintf(t->note, sizeof(t->note), "no answer");
}

static void
nat_verdict_lint(struct stun_nat *n)
{
	struct stun_nat_result		*r = &n->r;
	const struct stun_nat_test	*b = NULL;
	struct nat_lint			 l;
	unsigned			 i;

	for (i = 0; i < n->ntests; i++)
		if (n->t[i].arg == LINT_BINDING)
			b = &n->t[i];
	if (T_OK(b)) {
		r->server_ok = 1;
		r->local = n->local[b->sock];
		r->mapped = b->mapped;
		r->has_mapped = 1;
		r->other = b->other;
		r->has_other = b->has_other;
		r->nat = nat_same(&b->mapped, &r->local) ? 0 : 1;
	} else
		r->nat = -1;
	r->server_addrs = r->has_other || nat_change_honoured(n) ? 2 : 1;
	l.two = r->server_addrs == 2;
	l.behind_nat = r->nat != 0;
	for (i = 0; i < n->ntests; i++) {
		nat_lint_eval(&n->t[i], &l, b);
		if (!n->t[i].check)
			continue;
		if (n->t[i].pass == STUN_NAT_LINT_PASS)
			r->lint_pass++;
		else if (n->t[i].pass == STUN_NAT_LINT_WARN)
			r->lint_warn++;
		else
			r->lint_fail++;
	}
	if (!r->server_ok)
		nat_verdict_silent(n);
}

void
nat_verdict(struct stun_nat *n)
{
	n->r.hairpin = -1;
	n->r.port_preserve = -1;
	n->r.double_nat = -1;
	n->r.server = nat_server_state(n, 0);
	n->r.server2 = n->c.server2.family != 0 &&
	    n->c.mode == STUN_NAT_MODE_5780 ? nat_server_state(n, 1) :
	    STUN_NAT_SRV_NONE;
	switch (n->c.mode) {
	case STUN_NAT_MODE_5780:
		nat_verdict_5780(n);
		break;
	case STUN_NAT_MODE_CLASSIC:
		nat_verdict_classic(n);
		break;
	case STUN_NAT_MODE_LINT:
		nat_verdict_lint(n);
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
	    "ok", "no-answer", "error", "skipped", "unreachable" };

	if (state < 0 || state > STUN_NAT_T_UNREACH)
		return ("unknown");
	return (names[state]);
}

const char *
stun_nat_why_text(int why)
{
	static const char *texts[] = { "",
	    "nothing translates, so there is nothing to test",
	    "the server has one address",
	    "the server does not honour CHANGE-REQUEST",
	    "its tests got no usable answer",
	    "the second server did not answer",
	    "the server did not answer" };

	if (why < 0 || why > STUN_NAT_WHY_NO_SERVER)
		return ("unknown");
	return (texts[why]);
}

const char *
stun_nat_server_name(int state)
{
	static const char *names[] = { "none", "answering", "unreachable",
	    "silent" };

	if (state < 0 || state > STUN_NAT_SRV_SILENT)
		return ("unknown");
	return (names[state]);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Shared between nat.c (the machine) and natverdict.c (what its
 * observations mean).  nat.c calls into natverdict.c; natverdict.c only
 * reads the machine's state.  Not installed.
 */
#ifndef LIBSTUN_NAT_INT_H
#define LIBSTUN_NAT_INT_H

/* Lint checks (test arg). */
#define LINT_BINDING	1
#define LINT_UNKNOWN	2
#define LINT_LEGACY	3
#define LINT_OTHER	4
#define LINT_CHANGE_IP	5
#define LINT_CHANGE_PORT 6
#define LINT_RP_OPEN	7
#define LINT_RP		8
#define LINT_BAD_FP	9

/* An unassigned comprehension-required type: servers must answer 420. */
#define NAT_LINT_UNKNOWN_ATTR	0x7E5A

#define NAT_LT_SLOTS	12	/* lifetime probes, control included */
#define NAT_PATTERN_N	4	/* destinations of the port pattern test */

#define T_FINAL(s)	((s) >= STUN_NAT_T_OK)
#define BIT(i)		((uint64_t)1 << (i))
#define T_OK(t)		((t) != NULL && (t)->state == STUN_NAT_T_OK)

/*
 * natverdict.c, called from nat.c (never the other way round).  Same
 * address (after stun_addr_canon()), with or without the port; an address
 * as text without its port ("" for none); fill n->r from the finished
 * tests.
 */
int	nat_same_ip(const struct stun_addr *, const struct stun_addr *);
int	nat_same(const struct stun_addr *, const struct stun_addr *);
void	nat_ip_text(const struct stun_addr *, char *, size_t);
void	nat_verdict(struct stun_nat *);

#endif

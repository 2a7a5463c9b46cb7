/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The TURN relay's peer policy (default deny of every non-public range
 * after canonicalisation, with allow and deny lists) and the allocation
 * quotas that all workers share through atomics.  I/O-free.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "relay.h"

/* Peer policy. */

int
relaypol_cidr_parse(const char *s, struct relay_cidr *out)
{
	char		 ip[64];
	const char	*slash;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 n;
	unsigned long	 bits;
	char		*end;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(ip))
		return (-1);
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		out->family = STUN_AF_INET;
		memcpy(out->ip, &a4, 4);
		out->bits = 32;
	} else if (inet_pton(AF_INET6, ip, &a6) == 1) {
		out->family = STUN_AF_INET6;
		memcpy(out->ip, &a6, 16);
		out->bits = 128;
	} else
		return (-1);
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return (-1);
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > out->bits)
			return (-1);
		out->bits = (uint8_t)bits;
	}
	return (0);
}

int
relaypol_acl_add(struct relay_acl *acl, int deny, const char *s)
{
	struct relay_cidr	c;

	if (relaypol_cidr_parse(s, &c) != 0)
		return (-1);
	if (deny) {
		if (acl->ndeny >= RELAY_ACL_MAX)
			return (-1);
		acl->deny[acl->ndeny++] = c;
	} else {
		if (acl->nallow >= RELAY_ACL_MAX)
			return (-1);
		acl->allow[acl->nallow++] = c;
	}
	return (0);
}

static int
relaypol_cidr_match(const struct relay_cidr *c, const struct stun_addr *a)
{
	unsigned	full, rest;

	if (c->family != a->family)
		return (0);
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(c->ip, a->ip, full) != 0)
		return (0);
	if (rest != 0 && ((c->ip[full] ^ a->ip[full]) &
	    (uint8_t)(0xff << (8 - rest))) != 0)
		return (0);
	return (1);
}

static int
relaypol_acl_match(const struct relay_cidr *list, unsigned n,
    const struct stun_addr *raw, const struct stun_addr *canon)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		if (relaypol_cidr_match(&list[i], canon) ||
		    relaypol_cidr_match(&list[i], raw))
			return (1);
	return (0);
}

int
relaypol_peer_ok(const struct relay_acl *acl, const struct stun_addr *peer)
{
	struct stun_addr	c;

	if (peer->family != STUN_AF_INET && peer->family != STUN_AF_INET6)
		return (0);
	stun_addr_canon(peer, &c);
	if (acl != NULL && relaypol_acl_match(acl->deny, acl->ndeny, peer, &c))
		return (0);
	if (acl != NULL &&
	    relaypol_acl_match(acl->allow, acl->nallow, peer, &c))
		return (1);
	return (stun_addr_class(&c) == STUN_ADDR_PUBLIC);
}

/* Quotas shared between workers. */

#define QUOTA_CBITS	20
#define QUOTA_CMASK	((1ULL << QUOTA_CBITS) - 1)
#define QUOTA_PROBES	64
#define QUOTA_TRIES	64

uint64_t
relaypol_hash(uint64_t seed, const void *p, size_t n)
{
	const uint8_t	*b = p;
	uint64_t	 h = 0xcbf29ce484222325ULL ^ seed;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h);
}

int
relaypol_quota_init(struct relay_quota *q, unsigned n)
{
	memset(q, 0, sizeof(*q));
	q->nslots = 1024;
	while (q->nslots < 4 * (uint64_t)n && q->nslots < (1U << 24))
		q->nslots <<= 1;
	if ((q->slot = calloc(q->nslots, sizeof(*q->slot))) == NULL)
		return (-1);
	if (stun_random(NULL, NULL, (uint8_t *)&q->seed,
	    sizeof(q->seed)) != 0) {
		relaypol_quota_free(q);
		return (-1);
	}
	return (0);
}

void
relaypol_quota_free(struct relay_quota *q)
{
	free(q->slot);
	q->slot = NULL;
}

void
relaypol_quota_limits(struct relay_quota *q, unsigned max_total,
    unsigned per_user)
{
	if (per_user > QUOTA_CMASK)
		per_user = QUOTA_CMASK;
	__atomic_store_n(&q->max_total, max_total, __ATOMIC_RELAXED);
	__atomic_store_n(&q->per_user, per_user, __ATOMIC_RELAXED);
}

/* Add one to the user slot of name hash hn; 0, 486 or 508. */
static int
relaypol_quota_user(struct relay_quota *q, uint64_t hn, unsigned cap)
{
	uint64_t	*s, w;
	unsigned	 i, k, t;

	for (t = 0; t < QUOTA_TRIES; t++) {
		/* An existing count for the name. */
		for (k = 0; k < QUOTA_PROBES; k++) {
			i = (unsigned)(hn + k) & (q->nslots - 1);
			s = &q->slot[i];
			w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
			if ((w >> QUOTA_CBITS) != hn || (w & QUOTA_CMASK) == 0)
				continue;
			if ((w & QUOTA_CMASK) >= cap)
				return (486);
			if (__atomic_compare_exchange_n(s, &w, w + 1, 0,
			    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return (0);
			break;	/* raced: search again */
		}
		if (k < QUOTA_PROBES)
			continue;
		/* A free slot (count 0) for it. */
		for (k = 0; k < QUOTA_PROBES; k++) {
			i = (unsigned)(hn + k) & (q->nslots - 1);
			s = &q->slot[i];
			w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
			if ((w & QUOTA_CMASK) != 0)
				continue;
			if (__atomic_compare_exchange_n(s, &w,
			    (hn << QUOTA_CBITS) | 1, 0, __ATOMIC_ACQ_REL,
			    __ATOMIC_ACQUIRE))
				return (0);
		}
		return (508);
	}
	return (508);
}

int
relaypol_quota_take(struct relay_quota *q, const char *name, size_t len,
    uint64_t *h)
{
	unsigned	t, max, cap;
	uint64_t	hn;
	int		rc;

	*h = 0;
	max = __atomic_load_n(&q->max_total, __ATOMIC_RELAXED);
	t = __atomic_load_n(&q->total, __ATOMIC_RELAXED);
	do {
		if (max != 0 && t >= max)
			return (508);
	} while (!__atomic_compare_exchange_n(&q->total, &t, t + 1, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	cap = __atomic_load_n(&q->per_user, __ATOMIC_RELAXED);
	/* The name's hash, never 0 so that h = 0 means "no user slot". */
	hn = (relaypol_hash(q->seed, name, len) >> QUOTA_CBITS) | 1;
	if ((rc = relaypol_quota_user(q, hn, cap == 0 ? QUOTA_CMASK : cap)) !=
	    0) {
		/* No per-user cap: a crowded name table refuses nobody. */
		if (cap == 0)
			return (0);
		__atomic_fetch_sub(&q->total, 1, __ATOMIC_ACQ_REL);
		return (rc);
	}
	*h = hn;
	return (0);
}

void
relaypol_quota_put(struct relay_quota *q, uint64_t hn)
{
	uint64_t	*s, w;
	unsigned	 i, k, t;

	__atomic_fetch_sub(&q->total, 1, __ATOMIC_ACQ_REL);
	if (hn == 0)
		return;
	for (t = 0; t < QUOTA_TRIES; t++) {
		for (k = 0; k < QUOTA_PROBES; k++) {
			i = (unsigned)(hn + k) & (q->nslots - 1);
			s = &q->slot[i];
			w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
			if ((w >> QUOTA_CBITS) != hn || (w & QUOTA_CMASK) == 0)
				continue;
			if (__atomic_compare_exchange_n(s, &w, w - 1, 0,
			    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return;
			break;
		}
		if (k == QUOTA_PROBES)
			return;
	}
}

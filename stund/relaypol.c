/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The TURN relay's peer policy (default deny of every non-public range
 * and of the host's own addresses after canonicalisation, with allow and
 * deny lists), the allocation quotas and the relayed ports in use that
 * all workers share through atomics, and the token bucket of the
 * allocation rate.  I/O-free.
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

void
relaypol_self_add(struct relay_acl *acl, const struct stun_addr *a)
{
	struct relay_cidr	c;
	struct stun_addr	canon;
	unsigned		i;

	if (a->family != STUN_AF_INET && a->family != STUN_AF_INET6)
		return;
	stun_addr_canon(a, &canon);
	memset(&c, 0, sizeof(c));
	c.family = canon.family;
	c.bits = canon.family == STUN_AF_INET ? 32 : 128;
	memcpy(c.ip, canon.ip, 16);
	for (i = 0; i < acl->nself; i++)
		if (memcmp(&acl->self[i], &c, sizeof(c)) == 0)
			return;
	if (acl->nself == RELAY_SELF_MAX) {
		acl->self_over++;
		return;
	}
	acl->self[acl->nself++] = c;
}

/*
 * The forms of a peer the lists are matched against: as sent, canonical,
 * and the IPv4 address a 6to4, Teredo or SIIT address carries.
 */
struct relaypol_forms {
	struct stun_addr	raw, canon, inner;
	int			has_inner;
};

/* The IPv4 address inside an IPv6 address that carries one.  1 or 0. */
static int
relaypol_inner(const struct stun_addr *a, struct stun_addr *v4)
{
	static const uint8_t	siit[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0, 0 };
	unsigned		i;

	if (a->family != STUN_AF_INET6)
		return (0);
	memset(v4, 0, sizeof(*v4));
	v4->family = STUN_AF_INET;
	v4->port = a->port;
	if (a->ip[0] == 0x20 && a->ip[1] == 0x02)
		/* 6to4 (RFC 3056): 2002:AABB:CCDD::/48. */
		memcpy(v4->ip, a->ip + 2, 4);
	else if (a->ip[0] == 0x20 && a->ip[1] == 0x01 && a->ip[2] == 0 &&
	    a->ip[3] == 0) {
		/* Teredo (RFC 4380): the client's address, inverted. */
		for (i = 0; i < 4; i++)
			v4->ip[i] = (uint8_t)~a->ip[12 + i];
	} else if (memcmp(a->ip, siit, sizeof(siit)) == 0)
		/* SIIT (RFC 2765): ::ffff:0:a.b.c.d. */
		memcpy(v4->ip, a->ip + 12, 4);
	else
		return (0);
	return (1);
}

static void
relaypol_forms(const struct stun_addr *peer, struct relaypol_forms *f)
{
	f->raw = *peer;
	stun_addr_canon(peer, &f->canon);
	f->has_inner = relaypol_inner(&f->canon, &f->inner);
}

static int
relaypol_list_match(const struct relay_cidr *list, unsigned n,
    const struct relaypol_forms *f)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		if (relaypol_cidr_match(&list[i], &f->canon) ||
		    relaypol_cidr_match(&list[i], &f->raw) ||
		    (f->has_inner && relaypol_cidr_match(&list[i], &f->inner)))
			return (1);
	return (0);
}

/*
 * IPv6 ranges the address classes leave public that no relay should
 * reach: local-use NAT64 (RFC 8215), SIIT, site-local (RFC 3879) and
 * discard-only (RFC 6666).
 */
static int
relaypol_reserved6(const struct stun_addr *a)
{
	static const uint8_t	nat64l[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00,
	    0x01 };
	static const uint8_t	siit[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0, 0 };
	static const uint8_t	discard[8] = { 0x01, 0x00, 0, 0, 0, 0, 0,
	    0 };

	if (a->family != STUN_AF_INET6)
		return (0);
	return (memcmp(a->ip, nat64l, sizeof(nat64l)) == 0 ||
	    memcmp(a->ip, siit, sizeof(siit)) == 0 ||
	    (a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0xc0) ||
	    memcmp(a->ip, discard, sizeof(discard)) == 0);
}

int
relaypol_peer_verdict(const struct relay_acl *acl,
    const struct stun_addr *peer)
{
	struct relaypol_forms	f;

	if (peer->family != STUN_AF_INET && peer->family != STUN_AF_INET6)
		return (RELAYPOL_DENY);
	relaypol_forms(peer, &f);
	if (acl != NULL && relaypol_list_match(acl->deny, acl->ndeny, &f))
		return (RELAYPOL_DENY);
	if (acl != NULL && relaypol_list_match(acl->allow, acl->nallow, &f))
		return (RELAYPOL_OK);
	if (relaypol_reserved6(&f.canon) ||
	    stun_addr_class(&f.canon) != STUN_ADDR_PUBLIC ||
	    (f.has_inner && stun_addr_class(&f.inner) != STUN_ADDR_PUBLIC))
		return (RELAYPOL_REFUSE);
	if (acl != NULL && relaypol_list_match(acl->self, acl->nself, &f))
		return (RELAYPOL_REFUSE);
	return (RELAYPOL_OK);
}

int
relaypol_peer_ok(const struct relay_acl *acl, const struct stun_addr *peer)
{
	return (relaypol_peer_verdict(acl, peer) == RELAYPOL_OK);
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
	/* Two keys per allocation (its user and its source). */
	while (q->nslots < 8 * (uint64_t)n && q->nslots < (1U << 24))
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
    unsigned per_user, unsigned per_source, unsigned max_rdv)
{
	if (per_user > QUOTA_CMASK)
		per_user = QUOTA_CMASK;
	if (per_source > QUOTA_CMASK)
		per_source = QUOTA_CMASK;
	__atomic_store_n(&q->max_total, max_total, __ATOMIC_RELAXED);
	__atomic_store_n(&q->per_user, per_user, __ATOMIC_RELAXED);
	__atomic_store_n(&q->per_source, per_source, __ATOMIC_RELAXED);
	__atomic_store_n(&q->max_rdv, max_rdv, __ATOMIC_RELAXED);
}

/* Add one to the slot of key hash hn; 0, 486 or 508. */
static int
relaypol_quota_key(struct relay_quota *q, uint64_t hn, unsigned cap)
{
	uint64_t	*s, w;
	unsigned	 i, k, t;

	for (t = 0; t < QUOTA_TRIES; t++) {
		/* An existing count for the key. */
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

static void
relaypol_quota_unkey(struct relay_quota *q, uint64_t hn)
{
	uint64_t	*s, w;
	unsigned	 i, k, t;

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

/*
 * Take one from a shared count under cap (0: none).  0, or -1 when the
 * count is at its cap.
 */
static int
relaypol_count_take(unsigned *count, unsigned cap)
{
	unsigned	t;

	t = __atomic_load_n(count, __ATOMIC_RELAXED);
	do {
		if (cap != 0 && t >= cap)
			return (-1);
	} while (!__atomic_compare_exchange_n(count, &t, t + 1, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return (0);
}

/*
 * A key's hash, never 0 so that 0 means "no count taken": the user name,
 * or the source address (IPv4) or /64 (IPv6), kept apart by a tag.
 */
static uint64_t
relaypol_key_hash(const struct relay_quota *q, int tag, const void *p,
    size_t n)
{
	return ((relaypol_hash(q->seed ^ (uint64_t)tag, p, n) >>
	    QUOTA_CBITS) | 1);
}

static uint64_t
relaypol_source_hash(const struct relay_quota *q, const struct stun_addr *a)
{
	struct stun_addr	c;
	uint8_t			key[1 + 8];

	stun_addr_canon(a, &c);
	memset(key, 0, sizeof(key));
	key[0] = c.family;
	memcpy(key + 1, c.ip, c.family == STUN_AF_INET ? 4 : 8);
	return (relaypol_key_hash(q, 's', key, sizeof(key)));
}

int
relaypol_quota_take(struct relay_quota *q, const struct relay_qkey *k,
    struct relay_qh *h)
{
	unsigned	cap;
	uint64_t	hu, hs;
	int		rc = 508, why;

	memset(h, 0, sizeof(*h));
	h->refused = RELAY_Q_TOTAL;
	if (relaypol_count_take(&q->total, __atomic_load_n(&q->max_total,
	    __ATOMIC_RELAXED)) != 0)
		return (508);
	h->taken = 1;
	h->refused = RELAY_Q_RDV;
	if (k->rdv && relaypol_count_take(&q->rdv,
	    __atomic_load_n(&q->max_rdv, __ATOMIC_RELAXED)) != 0)
		goto fail;
	h->rdv = k->rdv;
	/*
	 * Per key: with no cap, a crowded table refuses nobody, and the
	 * count is not kept.
	 */
	h->refused = RELAY_Q_USER;
	cap = __atomic_load_n(&q->per_user, __ATOMIC_RELAXED);
	hu = relaypol_key_hash(q, 'u', k->name, k->len);
	if ((rc = relaypol_quota_key(q, hu, cap == 0 ? QUOTA_CMASK : cap)) ==
	    0)
		h->user = hu;
	else if (cap != 0)
		goto fail;
	if (k->src != NULL) {
		h->refused = RELAY_Q_SOURCE;
		cap = __atomic_load_n(&q->per_source, __ATOMIC_RELAXED);
		hs = relaypol_source_hash(q, k->src);
		if ((rc = relaypol_quota_key(q, hs, cap == 0 ? QUOTA_CMASK :
		    cap)) == 0)
			h->source = hs;
		else if (cap != 0)
			goto fail;
	}
	h->refused = 0;
	return (0);
fail:
	why = h->refused;
	relaypol_quota_put(q, h);
	h->refused = why;
	return (rc);
}

void
relaypol_quota_put(struct relay_quota *q, struct relay_qh *h)
{
	if (!h->taken)
		return;
	__atomic_fetch_sub(&q->total, 1, __ATOMIC_ACQ_REL);
	if (h->rdv)
		__atomic_fetch_sub(&q->rdv, 1, __ATOMIC_ACQ_REL);
	if (h->user != 0)
		relaypol_quota_unkey(q, h->user);
	if (h->source != 0)
		relaypol_quota_unkey(q, h->source);
	memset(h, 0, sizeof(*h));
}

/* The relayed ports in use. */

void
relaypol_live_ip(struct relay_quota *q, const struct stun_addr *ip)
{
	q->live_ip = *ip;
	q->live_ip.port = 0;
}

/* Is a on the relay address?  Its port then indexes the bitmap. */
static int
relaypol_live_ours(const struct relay_quota *q, const struct stun_addr *a)
{
	struct stun_addr	c;

	stun_addr_canon(a, &c);
	return (q->live_ip.family != 0 && c.family == q->live_ip.family &&
	    memcmp(c.ip, q->live_ip.ip, 16) == 0);
}

void
relaypol_live_set(struct relay_quota *q, const struct stun_addr *a, int on)
{
	uint64_t	bit = 1ULL << (a->port % 64);

	if (!relaypol_live_ours(q, a))
		return;
	if (on)
		__atomic_fetch_or(&q->live[a->port / 64], bit,
		    __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&q->live[a->port / 64], ~bit,
		    __ATOMIC_ACQ_REL);
}

int
relaypol_live(const struct relay_quota *q, const struct stun_addr *a)
{
	if (q == NULL || !relaypol_live_ours(q, a))
		return (0);
	return ((__atomic_load_n(&q->live[a->port / 64], __ATOMIC_ACQUIRE) >>
	    (a->port % 64)) & 1);
}

/* The allocation rate. */

int
relaypol_bucket_take(struct relay_bucket *b, uint64_t rate, size_t len,
    uint64_t now)
{
	uint64_t	depth, need;

	if (rate == 0)
		return (1);
	/* One second of the rate, and room for a large datagram. */
	depth = (rate > RELAY_BUCKET_MIN ? rate : RELAY_BUCKET_MIN) * 1000;
	if (now > b->last) {
		if ((now - b->last) >= depth / rate)
			b->tokens = depth;
		else
			b->tokens += (now - b->last) * rate;
		if (b->tokens > depth)
			b->tokens = depth;
	}
	b->last = now;
	need = (uint64_t)len * 1000;
	if (b->tokens < need)
		return (0);
	b->tokens -= need;
	return (1);
}

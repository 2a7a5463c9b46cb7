/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What the rendezvous room table sends and what bounds it: clear answers
 * no larger than their request, sealed answers and indications under each
 * member's keys and byte budget, member list pages, Go timing, the
 * per-prefix limiters and counts, and the relay credential with the API
 * the TURN code calls to bind it to a member.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "roomsint.h"

#define ROOMS_RTT_MAX	5000	/* ms: samples above are discarded */

/* IPv4 address or IPv6 /64; IPv4-mapped IPv6 keeps its IPv4 address. */
void
rooms_prefix_of(const struct stun_addr *a, uint8_t *family, uint8_t ip[16])
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0xff, 0xff };

	*family = a->family;
	memcpy(ip, a->ip, 16);
	if (a->family == STUN_AF_INET6 && memcmp(a->ip, mapped, 12) != 0)
		memset(ip + 8, 0, 8);
}

/* Token bucket per prefix; the least recently seen slot is reused. */
int
rooms_limit(struct rooms *r, struct rooms_limiter *l,
    const struct stun_addr *from, uint64_t now)
{
	struct rooms_rate	*s, *lru = NULL, *hit = NULL;
	uint8_t			 fam, ip[16];
	uint64_t		 full, add;
	unsigned		 i;

	rooms_prefix_of(from, &fam, ip);
	for (i = 0; i < l->n; i++) {
		s = &l->slot[i];
		if (s->used && s->family == fam &&
		    memcmp(s->ip, ip, sizeof(s->ip)) == 0) {
			hit = s;
			break;
		}
		if (lru == NULL || !s->used ||
		    (lru->used && s->last < lru->last))
			lru = s;
	}
	full = (uint64_t)l->burst * 1000;
	if (hit == NULL) {
		if (lru->used)
			r->m.rate_evictions++;
		hit = lru;
		hit->used = 1;
		hit->family = fam;
		memcpy(hit->ip, ip, sizeof(hit->ip));
		hit->tokens = full;
	} else if (now > hit->last) {
		add = (now - hit->last) * 1000 / l->ms;
		hit->tokens = add >= full - hit->tokens ? full :
		    hit->tokens + add;
	}
	hit->last = now;
	if (hit->tokens < 1000)
		return (0);
	hit->tokens -= 1000;
	return (1);
}

/* The prefix slot of a, made when needed.  0, or -1 when full. */
int
rooms_pfx_get(struct rooms *r, const struct stun_addr *a, unsigned *idx)
{
	struct rooms_pfx	*p;
	uint8_t			 fam, ip[16];
	unsigned		 i, freei = r->c.max_members;

	rooms_prefix_of(a, &fam, ip);
	for (i = 0; i < r->pfx_hi; i++) {
		p = &r->pfx[i];
		if (p->rooms == 0 && p->members == 0) {
			if (freei == r->c.max_members)
				freei = i;
			continue;
		}
		if (p->family == fam && memcmp(p->ip, ip, 16) == 0) {
			*idx = i;
			return (0);
		}
	}
	if (freei == r->c.max_members) {
		if (r->pfx_hi >= r->c.max_members) {
			r->m.prefix_evictions++;
			return (-1);
		}
		freei = r->pfx_hi++;
	}
	p = &r->pfx[freei];
	memset(p, 0, sizeof(*p));
	p->family = fam;
	memcpy(p->ip, ip, 16);
	*idx = freei;
	return (0);
}

/* Add (or with negative counts, take) rooms and members of a prefix. */
void
rooms_pfx_put(struct rooms *r, unsigned idx, int rooms, int members)
{
	struct rooms_pfx	*p = &r->pfx[idx];

	p->rooms = (unsigned)((int)p->rooms + rooms);
	p->members = (unsigned)((int)p->members + members);
	while (r->pfx_hi > 0 && r->pfx[r->pfx_hi - 1].rooms == 0 &&
	    r->pfx[r->pfx_hi - 1].members == 0)
		r->pfx_hi--;
}

static void
rooms_tid(struct rooms *r, uint8_t tid[STUN_TID_LEN])
{
	uint64_t	n = r->tid_ctr++;
	int		i;

	/* Indications need unique ids, not secret ones. */
	memcpy(tid, "rdv2", 4);
	for (i = 0; i < 8; i++)
		tid[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

static struct rooms_pkt *
rooms_slot(struct rooms *r, struct rooms_out *out)
{
	if (out->n >= ROOMS_OUT_MAX) {
		r->m.out_overflow++;
		return (NULL);
	}
	return (&out->pkt[out->n]);
}

/* A clear message, sent only when it is no larger than max. */
void
rooms_emit_clear(struct rooms *r, struct rooms_out *out,
    const struct stun_rdv_msg *q, const struct stun_addr *to, unsigned sock,
    size_t max)
{
	struct rooms_pkt	*p;
	int			 n;

	if ((p = rooms_slot(r, out)) == NULL)
		return;
	if ((n = stun_rdv_build(q, NULL, p->buf, sizeof(p->buf))) < 0) {
		r->m.out_overflow++;
		return;
	}
	if ((size_t)n > max) {
		r->m.too_big++;
		return;
	}
	p->len = (size_t)n;
	p->to = *to;
	p->sock = sock;
	p->cls = q->cls;
	p->code = (q->flags & STUN_RDV_F_ERROR) ? q->error : 0;
	out->n++;
}

void
rooms_reply_init(struct stun_rdv_msg *a, const struct stun_rdv_msg *q,
    uint8_t cls)
{
	memset(a, 0, sizeof(*a));
	a->method = q->method;
	a->cls = cls;
	memcpy(a->tid, q->tid, STUN_TID_LEN);
}

/* A clear error: never larger than the request (reqlen). */
void
rooms_error(struct rooms *r, struct rooms_out *out,
    const struct stun_rdv_msg *q, const struct rooms_src *src, int code,
    size_t reqlen)
{
	struct stun_rdv_msg	a;

	rooms_reply_init(&a, q, STUN_CLASS_ERROR);
	a.flags = STUN_RDV_F_ERROR;
	a.error = code;
	rooms_emit_clear(r, out, &a, &src->addr, src->sock, reqlen);
}

/* Refill and take from mb's budget of unsolicited bytes. */
static int
rooms_budget(struct rooms *r, struct rooms_member *mb, size_t len,
    uint64_t now)
{
	uint64_t	full = r->c.budget_bytes, add;

	if (now > mb->budget_last) {
		add = (now - mb->budget_last) * r->c.budget_rate / 1000;
		mb->budget = add >= full - mb->budget ? full :
		    mb->budget + add;
		mb->budget_last = now;
	}
	if (mb->budget < len) {
		r->m.budget_drops++;
		return (0);
	}
	mb->budget -= len;
	return (1);
}

/*
 * Seal a (to member mb: its id in clear, its key, its next number) and
 * queue it to to/sock when no larger than max.  Returns the length, or 0
 * when nothing was queued.
 */
int
rooms_emit_sealed(struct rooms *r, struct rooms_out *out,
    struct rooms_member *mb, struct stun_rdv_msg *a,
    const struct stun_addr *to, unsigned sock, size_t max)
{
	struct rooms_pkt	*p;
	int			 n;

	if ((p = rooms_slot(r, out)) == NULL)
		return (0);
	a->flags |= STUN_RDV_F_MEMBER_ID;
	a->member_id = mb->info.id;
	a->seq = mb->tx_seq + 1;
	if ((n = stun_rdv_build(a, mb->s2c, p->buf, sizeof(p->buf))) < 0) {
		r->m.out_overflow++;
		return (0);
	}
	if ((size_t)n > max) {
		r->m.too_big++;
		return (0);
	}
	mb->tx_seq = a->seq;
	p->len = (size_t)n;
	p->to = *to;
	p->sock = sock;
	p->cls = a->cls;
	p->code = 0;
	out->n++;
	return (n);
}

/*
 * Did mb declare a TCP candidate of its own?  Its server-added
 * candidate, always the last, does not count: it proves nothing about
 * what its decoder knows.
 */
static int
rooms_knows_tcp(const struct rooms_member *mb)
{
	unsigned	i;

	for (i = 0; i + 1 < mb->info.ncand; i++)
		if (mb->info.cand[i].kind == STUN_RDV_CAND_TCP)
			return (1);
	return (0);
}

/*
 * Member o's entry as recipient mb gets it: RDV-NAT only to members that
 * sent theirs, TCP candidates only to members that declared one (a
 * decoder that does not know the kind refuses the whole message).
 */
void
rooms_entry(const struct rooms_member *mb, const struct rooms_member *o,
    struct stun_rdv_member *e)
{
	unsigned	i, n = 0;

	*e = o->info;
	if (!mb->info.has_nat)
		e->has_nat = 0;
	if (rooms_knows_tcp(mb))
		return;
	for (i = 0; i < o->info.ncand; i++)
		if (o->info.cand[i].kind != STUN_RDV_CAND_TCP)
			e->cand[n++] = o->info.cand[i];
	for (i = n; i < e->ncand; i++)
		memset(&e->cand[i], 0, sizeof(e->cand[i]));
	e->ncand = n;
}

/*
 * An answer with the member list from start: as many members as fit in
 * STUN_RDV_ANSWER_MAX and STUN_RDV_AMP times the request, the rest by
 * Resync.  a has its other fields set.
 */
void
rooms_answer_list(struct rooms *r, struct rooms_out *out,
    struct rooms_member *mb, struct stun_rdv_msg *a, uint32_t start,
    size_t reqlen)
{
	const struct rooms_room		*rm = &r->room[mb->room];
	const struct rooms_member	*o;
	size_t				 max;
	unsigned			 i, k;

	max = reqlen * STUN_RDV_AMP;
	if (max > STUN_RDV_ANSWER_MAX)
		max = STUN_RDV_ANSWER_MAX;
	a->flags |= STUN_RDV_F_EPOCH | STUN_RDV_F_COUNT | STUN_RDV_F_MEMBERS;
	a->epoch = rm->epoch;
	a->count = 0;
	a->nmembers = 0;
	for (i = 0; i < rm->n; i++) {
		o = &r->mem[rm->mem[i]];
		if (o == mb)
			continue;
		if (a->count >= start && a->nmembers < STUN_RDV_MAX_MEMBERS) {
			rooms_entry(mb, o, &a->members[a->nmembers]);
			a->nmembers++;
		}
		a->count++;
	}
	/* Drop members from the end until the answer fits. */
	for (k = a->nmembers + 1; k-- > 0; ) {
		a->nmembers = k;
		if (k == 0)
			a->flags &= ~STUN_RDV_F_MEMBERS;
		if (rooms_emit_sealed(r, out, mb, a, &mb->from, mb->sock,
		    max) > 0)
			return;
		if (r->m.too_big > 0)
			r->m.too_big--;	/* counted once, below */
	}
	r->m.too_big++;
}

/*
 * Tell every member of rm but who that who changed (ev): join and move
 * carry its entry.  Each indication is unsolicited, so it is paid from the
 * recipient's byte budget; one that does not fit is not sent and the
 * recipient repairs its list when its next keepalive shows the epoch.
 */
void
rooms_notify(struct rooms *r, struct rooms_out *out, struct rooms_room *rm,
    struct rooms_member *who, uint8_t ev, uint64_t now)
{
	struct stun_rdv_msg	 a;
	struct rooms_member	*mb;
	struct rooms_out	 one;
	unsigned		 i;
	int			 n;

	for (i = 0; i < rm->n; i++) {
		mb = &r->mem[rm->mem[i]];
		if (mb == who || mb->remote)
			continue;
		memset(&a, 0, sizeof(a));
		a.method = STUN_RDV_MEMBERS;
		a.cls = STUN_CLASS_INDICATION;
		rooms_tid(r, a.tid);
		a.flags = STUN_RDV_F_EVENT | STUN_RDV_F_EPOCH;
		a.event = ev;
		a.event_member = who->info.id;
		a.epoch = rm->epoch;
		if (ev == STUN_RDV_EV_JOIN || ev == STUN_RDV_EV_MOVE) {
			a.flags |= STUN_RDV_F_MEMBERS;
			a.nmembers = 1;
			rooms_entry(mb, who, &a.members[0]);
		}
		/* Build aside, then pay for it. */
		one.n = 0;
		n = rooms_emit_sealed(r, &one, mb, &a, &mb->from, mb->sock,
		    STUN_RDV_MSG_MAX);
		if (n <= 0 || !rooms_budget(r, mb, (size_t)n, now)) {
			if (n > 0)
				mb->tx_seq--;	/* never sent: reuse it */
			continue;
		}
		if (out->n >= ROOMS_OUT_MAX) {
			r->m.out_overflow++;
			mb->tx_seq--;
			continue;
		}
		out->pkt[out->n++] = one.pkt[0];
		r->m.indications++;
	}
}

void
rooms_go_one(struct rooms *r, struct rooms_out *out, struct rooms_member *to,
    uint32_t peer, uint32_t delay, uint64_t now)
{
	struct stun_rdv_msg	a;
	struct rooms_out	one;
	int			n;

	memset(&a, 0, sizeof(a));
	a.method = STUN_RDV_GO;
	a.cls = STUN_CLASS_INDICATION;
	rooms_tid(r, a.tid);
	a.flags = STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY;
	a.peer_id = peer;
	a.delay = delay;
	one.n = 0;
	n = rooms_emit_sealed(r, &one, to, &a, &to->from, to->sock,
	    STUN_RDV_MSG_MAX);
	if (n <= 0 || !rooms_budget(r, to, (size_t)n, now) ||
	    out->n >= ROOMS_OUT_MAX) {
		if (n > 0)
			to->tx_seq--;
		return;
	}
	out->pkt[out->n++] = one.pkt[0];
	r->m.gos++;
}

/*
 * Go for x and every member with an RTT estimate.  Both indications leave
 * now; each arrives after rtt/2, so waiting (max - rtt)/2 + margin puts
 * both punches at now + max/2 + margin.
 */
static void
rooms_go(struct rooms *r, struct rooms_out *out, const struct rooms_room *rm,
    struct rooms_member *x, uint64_t now)
{
	struct rooms_member	*y;
	uint32_t		 hi;
	unsigned		 i;

	x->go_pending = 0;
	rooms_fl_go(r, out, rm, x);
	for (i = 0; i < rm->n; i++) {
		y = &r->mem[rm->mem[i]];
		if (y == x || y->remote || !y->rtt_ok)
			continue;
		hi = x->rtt > y->rtt ? x->rtt : y->rtt;
		rooms_go_one(r, out, x, y->info.id,
		    (hi - x->rtt) / 2 + r->c.go_margin_ms, now);
		rooms_go_one(r, out, y, x->info.id,
		    (hi - y->rtt) / 2 + r->c.go_margin_ms, now);
	}
}

/* RTT = now - token - hold (doc/rendezvous.md 5); then Go if pending. */
void
rooms_rtt(struct rooms *r, struct rooms_out *out, const struct rooms_room *rm,
    struct rooms_member *mb, const struct stun_rdv_msg *q, uint64_t now)
{
	uint64_t	sample;

	if (!(q->flags & STUN_RDV_F_ECHO) || q->echo > now ||
	    q->hold > now - q->echo)
		return;
	sample = now - q->echo - q->hold;
	if (sample > ROOMS_RTT_MAX)
		return;
	if (!mb->rtt_ok)
		mb->rtt = (uint32_t)sample;
	else
		mb->rtt = (7 * mb->rtt + (uint32_t)sample) / 8;
	mb->rtt_ok = 1;
	r->m.rtt_samples++;
	if (mb->go_pending)
		rooms_go(r, out, rm, mb, now);
	if (mb->owed) {
		/* A remote peer asked before we had an RTT: ask back. */
		mb->owed = 0;
		rooms_fl_ask(r, out, rm, mb, mb->owed_peer);
	}
}

/* The name part: "rdv-" then 8 hex digits of id and 8 of room tag. */
static int
rooms_relay_name(const struct rooms_room *rm, const struct rooms_member *mb,
    char *out, size_t cap)
{
	int	n;

	n = snprintf(out, cap, "rdv-%08" PRIx32 "%02x%02x%02x%02x",
	    mb->info.id, rm->id[0], rm->id[1], rm->id[2], rm->id[3]);
	return (n > 0 && (size_t)n < cap ? 0 : -1);
}

int
rooms_relay_password(const struct rooms *r, const char *user, char *pw,
    size_t cap)
{
	uint8_t		mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0;
	int		rc = -1;

	if (user == NULL || cap < 29)
		return (-1);
	if (HMAC(EVP_sha1(), r->c.secret, ROOMS_SECRET_LEN,
	    (const unsigned char *)user, strlen(user), mac, &maclen) != NULL &&
	    maclen == 20 && EVP_EncodeBlock((unsigned char *)pw, mac, 20) == 28)
		rc = 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return (rc);
}

/*
 * A TURN REST-style credential for mb into a, sealed with the answer:
 * "<expiry>:rdv-<id><tag>", its password under the given REST secret or
 * our own.  Nothing when the clock is not sane.
 */
void
rooms_relay_cred(struct rooms *r, const struct rooms_relay *rl,
    const struct rooms_room *rm, const struct rooms_member *mb,
    struct stun_rdv_msg *a)
{
	char	name[32];
	int64_t	expiry;
	int	n, rc;

	if (rl == NULL)
		return;
	expiry = rl->wall + (rl->lifetime != 0 ? rl->lifetime :
	    ROOMS_RELAY_LIFETIME);
	rc = rooms_relay_name(rm, mb, name, sizeof(name));
	n = snprintf(a->relay_user, sizeof(a->relay_user), "%" PRId64 ":%s",
	    expiry, name);
	if (rc != 0 || rl->wall <= 0 || n <= 0 ||
	    (size_t)n >= sizeof(a->relay_user))
		rc = -1;
	else if (rl->secret != NULL && rl->secretlen > 0)
		rc = auth_rest_password(rl->secret, rl->secretlen,
		    a->relay_user, a->relay_pass, sizeof(a->relay_pass));
	else
		rc = rooms_relay_password(r, a->relay_user, a->relay_pass,
		    sizeof(a->relay_pass));
	if (rc != 0) {
		memset(a->relay_user, 0, sizeof(a->relay_user));
		memset(a->relay_pass, 0, sizeof(a->relay_pass));
		r->m.relay_cred_errors++;
		return;
	}
	a->flags |= STUN_RDV_F_RELAY;
	r->m.relay_creds++;
}

/* The member user names: its room and slot, or NULL. */
static struct rooms_member *
rooms_relay_find(const struct rooms *r, const char *user,
    const struct rooms_room **rmp)
{
	const struct rooms_room	*rm;
	struct rooms_member	*mb;
	const char		*p;
	char			 want[32];
	unsigned		 i;
	uint32_t		 id;

	if (user == NULL)
		return (NULL);
	if ((p = strchr(user, ':')) != NULL)
		user = p + 1;
	if (strncmp(user, "rdv-", 4) != 0 || strlen(user) != 4 + 16)
		return (NULL);
	/* The member id first: a name is printed for that member only. */
	memcpy(want, user + 4, 8);
	want[8] = '\0';
	id = (uint32_t)strtoul(want, NULL, 16);
	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (!mb->used || mb->info.id != id)
			continue;
		rm = &r->room[mb->room];
		if (rooms_relay_name(rm, mb, want, sizeof(want)) == 0 &&
		    strcmp(want, user) == 0) {
			*rmp = rm;
			return (mb);
		}
	}
	return (NULL);
}

int
rooms_relay_admit(const struct rooms *r, const char *user,
    const struct stun_addr *src)
{
	const struct rooms_room		*rm;
	const struct rooms_member	*mb;

	if ((mb = rooms_relay_find(r, user, &rm)) == NULL || src == NULL)
		return (0);
	return (stun_addr_equal(&mb->from, src));
}

int
rooms_relay_peer_ok(const struct rooms *r, const char *user,
    const struct stun_addr *peer)
{
	const struct rooms_room		*rm;
	const struct rooms_member	*mb, *o;
	unsigned			 i;

	if ((mb = rooms_relay_find(r, user, &rm)) == NULL || peer == NULL)
		return (0);
	for (i = 0; i < rm->n; i++) {
		o = &r->mem[rm->mem[i]];
		if (o == mb)
			continue;
		/* A member's TCP mapping is no UDP destination. */
		if ((!ROOMS_SOCK_IS_STREAM(o->sock) &&
		    stun_addr_equal(&o->from, peer)) ||
		    (o->has_relayed && stun_addr_equal(&o->relayed, peer)))
			return (1);
	}
	return (0);
}

int
rooms_relay_set(struct rooms *r, const char *user,
    const struct stun_addr *relayed)
{
	const struct rooms_room	*rm;
	struct rooms_member	*mb;

	if ((mb = rooms_relay_find(r, user, &rm)) == NULL || relayed == NULL)
		return (-1);
	mb->relayed = *relayed;
	mb->has_relayed = 1;
	return (0);
}

uint64_t
rooms_relay_gen(const struct rooms *r)
{
	return (r->gen);
}

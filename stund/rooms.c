/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous room table: Register, Keepalive and Leave requests in;
 * answers, Members and Go indications out.  Fixed tables allocated once by
 * rooms_init(); lookups are linear scans bounded by the caps.  The server
 * only ever sees the room id, names and candidates, never chat text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "rooms.h"

#define ROOMS_RTT_MAX	5000	/* ms: samples above are discarded */

struct rooms_member {
	int		 used;
	unsigned	 room;
	uint8_t		 nonce[STUN_RDV_NONCE_LEN];
	struct stun_addr from;
	unsigned	 sock;		/* local socket it came in on */
	struct stun_rdv_member info;	/* id, name, candidates + srflx */
	uint64_t	 last_seen;
	uint32_t	 rtt;
	int		 rtt_ok;
	int		 go_pending;
};

struct rooms_room {
	int		 used;
	uint8_t		 id[STUN_RDV_ROOM_MAX];
	size_t		 idlen;
	uint32_t	 epoch;
	unsigned	 n;
	unsigned	 mem[STUN_RDV_MAX_MEMBERS];
};

struct rooms_rate {
	int		 used;
	uint8_t		 family;
	uint8_t		 ip[16];
	uint64_t	 last;
	uint64_t	 tokens;	/* thousandths of a Register */
};

int
rooms_is_rdv(const struct stun_msg *m)
{
	return (stun_rdv_is_rdv(m));
}

int
rooms_init(struct rooms *r, const struct rooms_config *c)
{
	static const struct rooms_config	 none;

	memset(r, 0, sizeof(*r));
	r->c = c != NULL ? *c : none;
	if (r->c.max_rooms == 0)
		r->c.max_rooms = 1024;
	if (r->c.max_room_members == 0)
		r->c.max_room_members = 8;
	if (r->c.max_members == 0)
		r->c.max_members = 4096;
	if (r->c.keepalive_ms == 0)
		r->c.keepalive_ms = STUN_RDV_KEEPALIVE_MS;
	if (r->c.timeout_ms == 0)
		r->c.timeout_ms = STUN_RDV_TIMEOUT_MS;
	if (r->c.rate_slots == 0)
		r->c.rate_slots = 1024;
	if (r->c.rate_burst == 0)
		r->c.rate_burst = 10;
	if (r->c.rate_ms == 0)
		r->c.rate_ms = 1000;
	if (r->c.go_margin_ms == 0)
		r->c.go_margin_ms = 50;
	if (r->c.max_room_members > STUN_RDV_MAX_MEMBERS ||
	    r->c.max_room_members < 2 || r->c.max_rooms > 1000000 ||
	    r->c.max_members > 1000000 || r->c.rate_slots > 1000000)
		return (-1);
	r->room = calloc(r->c.max_rooms, sizeof(*r->room));
	r->mem = calloc(r->c.max_members, sizeof(*r->mem));
	r->rate = calloc(r->c.rate_slots, sizeof(*r->rate));
	if (r->room == NULL || r->mem == NULL || r->rate == NULL) {
		rooms_free(r);
		return (-1);
	}
	r->next_id = 1;
	return (0);
}

void
rooms_free(struct rooms *r)
{
	free(r->room);
	free(r->mem);
	free(r->rate);
	r->room = NULL;
	r->mem = NULL;
	r->rate = NULL;
}

/* Token bucket per source IP; the least recently seen slot is reused. */
static int
rooms_rate_ok(struct rooms *r, const struct stun_addr *from, uint64_t now)
{
	struct rooms_rate	*s, *lru = NULL, *hit = NULL;
	uint64_t		 full, add;
	unsigned		 i;

	for (i = 0; i < r->c.rate_slots; i++) {
		s = &r->rate[i];
		if (s->used && s->family == from->family &&
		    memcmp(s->ip, from->ip, sizeof(s->ip)) == 0) {
			hit = s;
			break;
		}
		if (lru == NULL || !s->used ||
		    (lru->used && s->last < lru->last))
			lru = s;
	}
	full = (uint64_t)r->c.rate_burst * 1000;
	if (hit == NULL) {
		if (lru->used)
			r->m.rate_evictions++;
		hit = lru;
		hit->used = 1;
		hit->family = from->family;
		memcpy(hit->ip, from->ip, sizeof(hit->ip));
		hit->tokens = full;
	} else if (now > hit->last) {
		add = (now - hit->last) * 1000 / r->c.rate_ms;
		hit->tokens = add >= full - hit->tokens ? full :
		    hit->tokens + add;
	}
	hit->last = now;
	if (hit->tokens < 1000)
		return (0);
	hit->tokens -= 1000;
	return (1);
}

static struct rooms_room *
rooms_find(struct rooms *r, const uint8_t *id, size_t idlen)
{
	unsigned	i;

	for (i = 0; i < r->room_hi; i++)
		if (r->room[i].used && r->room[i].idlen == idlen &&
		    memcmp(r->room[i].id, id, idlen) == 0)
			return (&r->room[i]);
	return (NULL);
}

/* The member of room with id (0: any) and nonce (NULL: any). */
static struct rooms_member *
rooms_member(struct rooms *r, const struct rooms_room *rm, uint32_t id,
    const uint8_t *nonce)
{
	struct rooms_member	*mb;
	unsigned		 i;

	for (i = 0; i < rm->n; i++) {
		mb = &r->mem[rm->mem[i]];
		if (id != 0 && mb->info.id != id)
			continue;
		if (nonce != NULL && CRYPTO_memcmp(mb->nonce, nonce,
		    STUN_RDV_NONCE_LEN) != 0)
			continue;
		return (mb);
	}
	return (NULL);
}

static void
rooms_tid(struct rooms *r, uint8_t tid[STUN_TID_LEN])
{
	uint64_t	n = r->tid_ctr++;
	int		i;

	/* Indications need unique ids, not secret ones. */
	memcpy(tid, "rdv:", 4);
	for (i = 0; i < 8; i++)
		tid[4 + i] = (uint8_t)(n >> (56 - 8 * i));
}

static void
rooms_emit(struct rooms *r, struct rooms_out *out,
    const struct stun_addr *to, unsigned sock, const struct stun_rdv_msg *q)
{
	struct rooms_pkt	*p;
	int			 n;

	if (out->n >= ROOMS_OUT_MAX) {
		r->m.out_overflow++;
		return;
	}
	p = &out->pkt[out->n];
	if ((n = stun_rdv_build(q, p->buf, sizeof(p->buf))) < 0) {
		r->m.out_overflow++;
		return;
	}
	p->len = (size_t)n;
	p->to = *to;
	p->sock = sock;
	p->cls = q->cls;
	p->code = (q->flags & STUN_RDV_F_ERROR) ? q->error : 0;
	out->n++;
}

/* A reply header for request q of room rm (rm may be NULL: q's room). */
static void
rooms_reply_init(struct stun_rdv_msg *a, const struct stun_rdv_msg *q,
    uint8_t cls)
{
	memset(a, 0, sizeof(*a));
	a->method = q->method;
	a->cls = cls;
	memcpy(a->tid, q->tid, STUN_TID_LEN);
	memcpy(a->room, q->room, q->roomlen);
	a->roomlen = q->roomlen;
}

static void
rooms_error(struct rooms *r, struct rooms_out *out,
    const struct stun_rdv_msg *q, const struct rooms_src *src, int code)
{
	struct stun_rdv_msg	a;

	rooms_reply_init(&a, q, STUN_CLASS_ERROR);
	a.flags = STUN_RDV_F_ERROR;
	a.error = code;
	rooms_emit(r, out, &src->addr, src->sock, &a);
}

/* Every member of rm but skip, as the wire wants them. */
static void
rooms_list(struct rooms *r, const struct rooms_room *rm,
    const struct rooms_member *skip, struct stun_rdv_msg *a)
{
	const struct rooms_member	*mb;
	unsigned			 i;

	a->flags |= STUN_RDV_F_MEMBERS | STUN_RDV_F_EPOCH;
	a->epoch = rm->epoch;
	a->nmembers = 0;
	for (i = 0; i < rm->n; i++) {
		mb = &r->mem[rm->mem[i]];
		if (mb != skip)
			a->members[a->nmembers++] = mb->info;
	}
}

/* Tell every member of rm but who that who changed (event ev). */
static void
rooms_notify(struct rooms *r, struct rooms_out *out, struct rooms_room *rm,
    uint32_t who, uint8_t ev)
{
	struct stun_rdv_msg	 a;
	struct rooms_member	*mb;
	unsigned		 i;

	for (i = 0; i < rm->n; i++) {
		mb = &r->mem[rm->mem[i]];
		if (mb->info.id == who)
			continue;
		memset(&a, 0, sizeof(a));
		a.method = STUN_RDV_MEMBERS;
		a.cls = STUN_CLASS_INDICATION;
		rooms_tid(r, a.tid);
		memcpy(a.room, rm->id, rm->idlen);
		a.roomlen = rm->idlen;
		a.flags = STUN_RDV_F_EVENT;
		a.event = ev;
		a.event_member = who;
		rooms_list(r, rm, mb, &a);
		rooms_emit(r, out, &mb->from, mb->sock, &a);
		r->m.indications++;
	}
}

static void
rooms_go_one(struct rooms *r, struct rooms_out *out,
    const struct rooms_room *rm, const struct rooms_member *to,
    uint32_t peer, uint32_t delay)
{
	struct stun_rdv_msg	a;

	memset(&a, 0, sizeof(a));
	a.method = STUN_RDV_GO;
	a.cls = STUN_CLASS_INDICATION;
	rooms_tid(r, a.tid);
	memcpy(a.room, rm->id, rm->idlen);
	a.roomlen = rm->idlen;
	a.flags = STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY;
	a.peer_id = peer;
	a.delay = delay;
	rooms_emit(r, out, &to->from, to->sock, &a);
	r->m.gos++;
}

/*
 * Go for x and every member with an RTT estimate.  Both indications leave
 * now; each arrives after rtt/2, so waiting (max - rtt)/2 + margin puts
 * both punches at now + max/2 + margin.
 */
static void
rooms_go(struct rooms *r, struct rooms_out *out, const struct rooms_room *rm,
    struct rooms_member *x)
{
	struct rooms_member	*y;
	uint32_t		 hi;
	unsigned		 i;

	x->go_pending = 0;
	for (i = 0; i < rm->n; i++) {
		y = &r->mem[rm->mem[i]];
		if (y == x || !y->rtt_ok)
			continue;
		hi = x->rtt > y->rtt ? x->rtt : y->rtt;
		rooms_go_one(r, out, rm, x, y->info.id,
		    (hi - x->rtt) / 2 + r->c.go_margin_ms);
		rooms_go_one(r, out, rm, y, x->info.id,
		    (hi - y->rtt) / 2 + r->c.go_margin_ms);
	}
}

/* RTT = now - token - hold (doc/rendezvous.md 5); then Go if pending. */
static void
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
		rooms_go(r, out, rm, mb);
}

/* Client candidates plus the server-reflexive one we see. */
static void
rooms_set_info(struct rooms_member *mb, const struct stun_rdv_msg *q,
    const struct rooms_src *src)
{
	unsigned	i;

	if (q != NULL) {
		memset(mb->info.cand, 0, sizeof(mb->info.cand));
		memcpy(mb->info.name, q->name, sizeof(mb->info.name));
		for (i = 0; i < q->ncand; i++)
			mb->info.cand[i] = q->cand[i];
		mb->info.ncand = q->ncand;
	} else if (mb->info.ncand > 0)
		mb->info.ncand--;	/* drop the old srflx, it is last */
	mb->info.cand[mb->info.ncand].kind = STUN_RDV_CAND_SRFLX;
	mb->info.cand[mb->info.ncand].addr = src->addr;
	mb->info.ncand++;
	mb->from = src->addr;
	mb->sock = src->sock;
}

/*
 * A TURN REST credential for mb into a: "<expiry>:rdv-<member id>" and
 * its password under the shared secret.  Nothing when none is configured
 * or the clock is not sane.
 */
static void
rooms_relay_cred(struct rooms *r, const struct rooms_relay *rl,
    const struct rooms_member *mb, struct stun_rdv_msg *a)
{
	int64_t	expiry;
	int	n;

	if (rl == NULL || rl->secret == NULL || rl->secretlen == 0)
		return;
	expiry = rl->wall + (rl->lifetime != 0 ? rl->lifetime :
	    ROOMS_RELAY_LIFETIME);
	n = snprintf(a->relay_user, sizeof(a->relay_user), "%" PRId64
	    ":rdv-%" PRIu32, expiry, mb->info.id);
	if (rl->wall <= 0 || n <= 0 || (size_t)n >= sizeof(a->relay_user) ||
	    auth_rest_password(rl->secret, rl->secretlen, a->relay_user,
	    a->relay_pass, sizeof(a->relay_pass)) != 0) {
		memset(a->relay_user, 0, sizeof(a->relay_user));
		memset(a->relay_pass, 0, sizeof(a->relay_pass));
		r->m.relay_cred_errors++;
		return;
	}
	a->flags |= STUN_RDV_F_RELAY;
	r->m.relay_creds++;
}

static void
rooms_answer(struct rooms *r, struct rooms_out *out,
    const struct stun_rdv_msg *q, const struct rooms_src *src,
    const struct rooms_room *rm, const struct rooms_member *mb, uint64_t now)
{
	struct stun_rdv_msg	a;

	rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
	a.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_MEMBER_ID |
	    STUN_RDV_F_EPOCH | STUN_RDV_F_INTERVAL | STUN_RDV_F_ECHO;
	a.mapped = mb->from;
	a.member_id = mb->info.id;
	a.epoch = rm->epoch;
	a.interval = r->c.keepalive_ms;
	a.echo = now;
	if (q->method == STUN_RDV_REGISTER) {
		rooms_list(r, rm, mb, &a);
		rooms_relay_cred(r, src->relay, mb, &a);
	}
	rooms_emit(r, out, &mb->from, mb->sock, &a);
	OPENSSL_cleanse(a.relay_pass, sizeof(a.relay_pass));
}

static struct rooms_member *
rooms_alloc_member(struct rooms *r, unsigned *idx)
{
	unsigned	i;

	if (r->m.members >= r->c.max_members)
		return (NULL);
	for (i = 0; i < r->c.max_members; i++)
		if (!r->mem[i].used) {
			*idx = i;
			if (i >= r->mem_hi)
				r->mem_hi = i + 1;
			return (&r->mem[i]);
		}
	return (NULL);
}

static struct rooms_room *
rooms_alloc_room(struct rooms *r, const struct stun_rdv_msg *q)
{
	struct rooms_room	*rm;
	unsigned		 i;

	for (i = 0; i < r->c.max_rooms; i++) {
		rm = &r->room[i];
		if (rm->used)
			continue;
		memset(rm, 0, sizeof(*rm));
		rm->used = 1;
		if (i >= r->room_hi)
			r->room_hi = i + 1;
		memcpy(rm->id, q->room, q->roomlen);
		rm->idlen = q->roomlen;
		r->m.rooms++;
		return (rm);
	}
	return (NULL);
}

static void
rooms_register(struct rooms *r, const struct stun_rdv_msg *q,
    const struct rooms_src *src, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb;
	struct stun_rdv_member	 old;
	unsigned		 idx;
	uint32_t		 id;
	int			 changed;

	if (!rooms_rate_ok(r, &src->addr, now)) {
		r->m.rate_limited++;
		return;
	}
	if ((q->flags & (STUN_RDV_F_NONCE | STUN_RDV_F_NAME)) !=
	    (STUN_RDV_F_NONCE | STUN_RDV_F_NAME)) {
		r->m.bad_request++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_BAD);
		return;
	}
	rm = rooms_find(r, q->room, q->roomlen);
	if (rm != NULL && (mb = rooms_member(r, rm, 0, q->nonce)) != NULL) {
		/* The same client again: refresh, maybe from a new address. */
		r->m.rejoins++;
		old = mb->info;
		rooms_set_info(mb, q, src);
		mb->last_seen = now;
		mb->go_pending = 1;
		changed = memcmp(&old, &mb->info, sizeof(old)) != 0;
		if (changed)
			rm->epoch++;
		rooms_answer(r, out, q, src, rm, mb, now);
		if (changed)
			rooms_notify(r, out, rm, mb->info.id,
			    STUN_RDV_EV_MOVE);
		rooms_rtt(r, out, rm, mb, q, now);
		return;
	}
	if (rm != NULL && rm->n >= r->c.max_room_members) {
		r->m.refused_room_full++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_FULL);
		return;
	}
	if ((mb = rooms_alloc_member(r, &idx)) == NULL) {
		r->m.refused_members++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_FULL);
		return;
	}
	if (rm == NULL && (rm = rooms_alloc_room(r, q)) == NULL) {
		r->m.refused_rooms++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_FULL);
		return;
	}
	memset(mb, 0, sizeof(*mb));
	mb->used = 1;
	mb->room = (unsigned)(rm - r->room);
	memcpy(mb->nonce, q->nonce, STUN_RDV_NONCE_LEN);
	do {
		id = r->next_id++;
	} while (id == 0);
	mb->info.id = id;
	rooms_set_info(mb, q, src);
	mb->last_seen = now;
	mb->go_pending = 1;
	rm->mem[rm->n++] = idx;
	rm->epoch++;
	r->m.members++;
	r->m.joins++;
	rooms_answer(r, out, q, src, rm, mb, now);
	rooms_notify(r, out, rm, id, STUN_RDV_EV_JOIN);
}

static void
rooms_remove(struct rooms *r, struct rooms_room *rm, struct rooms_member *mb,
    uint8_t ev, struct rooms_out *out)
{
	unsigned	i, idx = (unsigned)(mb - r->mem);
	uint32_t	id = mb->info.id;

	for (i = 0; i < rm->n; i++)
		if (rm->mem[i] == idx) {
			rm->mem[i] = rm->mem[--rm->n];
			break;
		}
	memset(mb, 0, sizeof(*mb));
	while (r->mem_hi > 0 && !r->mem[r->mem_hi - 1].used)
		r->mem_hi--;
	r->m.members--;
	rm->epoch++;
	if (rm->n == 0) {
		memset(rm, 0, sizeof(*rm));
		while (r->room_hi > 0 && !r->room[r->room_hi - 1].used)
			r->room_hi--;
		r->m.rooms--;
		return;
	}
	rooms_notify(r, out, rm, id, ev);
}

/* Keepalive and Leave name a member by id and prove it with the nonce. */
static void
rooms_known(struct rooms *r, const struct stun_rdv_msg *q,
    const struct rooms_src *src, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb = NULL;
	struct stun_rdv_msg	 a;

	if ((q->flags & (STUN_RDV_F_NONCE | STUN_RDV_F_MEMBER_ID)) !=
	    (STUN_RDV_F_NONCE | STUN_RDV_F_MEMBER_ID) || q->member_id == 0) {
		r->m.bad_request++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_BAD);
		return;
	}
	if ((rm = rooms_find(r, q->room, q->roomlen)) != NULL)
		mb = rooms_member(r, rm, q->member_id, q->nonce);
	if (mb == NULL) {
		r->m.unknown_member++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_UNKNOWN);
		return;
	}
	if (q->method == STUN_RDV_LEAVE) {
		r->m.leaves++;
		rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
		rooms_emit(r, out, &src->addr, src->sock, &a);
		rooms_remove(r, rm, mb, STUN_RDV_EV_LEAVE, out);
		return;
	}
	mb->last_seen = now;
	mb->sock = src->sock;
	if (!stun_addr_equal(&src->addr, &mb->from)) {
		/* The NAT gave the client a new mapping. */
		r->m.moves++;
		rooms_set_info(mb, NULL, src);
		mb->go_pending = 1;
		rm->epoch++;
		rooms_notify(r, out, rm, mb->info.id, STUN_RDV_EV_MOVE);
	}
	rooms_answer(r, out, q, src, rm, mb, now);
	rooms_rtt(r, out, rm, mb, q, now);
}

int
rooms_input(struct rooms *r, const struct stun_msg *m,
    const struct rooms_src *src, uint64_t now, struct rooms_out *out)
{
	struct stun_rdv_msg	q;
	int			rc;

	out->n = 0;
	if (!stun_rdv_is_rdv(m))
		return (0);
	if ((rc = stun_rdv_decode(m, &q)) != 0) {
		if (rc == STUN_ERR_BAD_ATTR)
			r->m.bad_request++;
		else
			r->m.bad_integrity++;
		return (1);
	}
	if (q.cls != STUN_CLASS_REQUEST) {
		r->m.bad_request++;
		return (1);
	}
	if (q.method == STUN_RDV_REGISTER)
		rooms_register(r, &q, src, now, out);
	else
		rooms_known(r, &q, src, now, out);
	return (1);
}

void
rooms_timer(struct rooms *r, uint64_t now, struct rooms_out *out)
{
	struct rooms_member	*mb;
	struct rooms_room	*rm;
	unsigned		 i;

	out->n = 0;
	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (!mb->used || now - mb->last_seen < r->c.timeout_ms ||
		    now < mb->last_seen)
			continue;
		rm = &r->room[mb->room];
		/* Keep the rest for the next call when out could overflow. */
		if (out->n + rm->n > ROOMS_OUT_MAX)
			break;
		r->m.timeouts++;
		rooms_remove(r, rm, mb, STUN_RDV_EV_TIMEOUT, out);
	}
}

uint64_t
rooms_next(const struct rooms *r)
{
	uint64_t	t = 0, d;
	unsigned	i;

	for (i = 0; i < r->mem_hi; i++) {
		if (!r->mem[i].used)
			continue;
		d = r->mem[i].last_seen + r->c.timeout_ms;
		if (t == 0 || d < t)
			t = d;
	}
	return (t);
}

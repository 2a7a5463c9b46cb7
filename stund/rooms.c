/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous room table, version 2: the stateless first step of
 * Register, admission (cookie, room key, member token), sealed Keepalive,
 * Leave and Resync with replay windows, path challenges before a member
 * moves, and expiry.  Fixed tables allocated once by rooms_init(); lookups
 * are linear scans bounded by the caps.  The server sees room ids, room
 * keys (a one-way hash of the room secret), names and candidates, never
 * the room secret or chat text.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "roomsint.h"

int
rooms_is_rdv(const struct stun_msg *m)
{
	return (stun_rdv_is_rdv(m));
}

static void
rooms_defaults(struct rooms_config *c)
{
	if (c->max_rooms == 0)
		c->max_rooms = 1024;
	if (c->max_room_members == 0)
		c->max_room_members = 8;
	if (c->max_members == 0)
		c->max_members = 4096;
	if (c->keepalive_ms == 0)
		c->keepalive_ms = STUN_RDV_KEEPALIVE_MS;
	if (c->timeout_ms == 0)
		c->timeout_ms = STUN_RDV_TIMEOUT_MS;
	if (c->rate_slots == 0)
		c->rate_slots = 1024;
	if (c->rate_burst == 0)
		c->rate_burst = 10;
	if (c->rate_ms == 0)
		c->rate_ms = 1000;
	if (c->go_margin_ms == 0)
		c->go_margin_ms = 50;
	if (c->prefix_rooms == 0)
		c->prefix_rooms = 64;
	if (c->prefix_members == 0)
		c->prefix_members = 64;
	if (c->ka_burst == 0)
		c->ka_burst = 10;
	if (c->ka_ms == 0)
		c->ka_ms = 500;
	if (c->err_burst == 0)
		c->err_burst = 20;
	if (c->err_ms == 0)
		c->err_ms = 100;
	if (c->budget_bytes == 0)
		c->budget_bytes = 4096;
	if (c->budget_rate == 0)
		c->budget_rate = 1024;
	if (c->move_ms == 0)
		c->move_ms = 2000;
	if (c->epoch_ms == 0)
		c->epoch_ms = 60000;
}

int
rooms_init(struct rooms *r, const struct rooms_config *c)
{
	static const struct rooms_config	 none;
	static const uint8_t			 zero[ROOMS_SECRET_LEN];

	memset(r, 0, sizeof(*r));
	r->c = c != NULL ? *c : none;
	rooms_defaults(&r->c);
	if (r->c.max_room_members > STUN_RDV_MAX_MEMBERS ||
	    r->c.max_room_members < 2 || r->c.max_rooms > 1000000 ||
	    r->c.max_members > 1000000 || r->c.rate_slots > 1000000)
		return (-1);
	if (memcmp(r->c.secret, zero, sizeof(zero)) == 0 &&
	    RAND_bytes(r->c.secret, sizeof(r->c.secret)) != 1)
		return (-1);
	r->room = calloc(r->c.max_rooms, sizeof(*r->room));
	r->mem = calloc(r->c.max_members, sizeof(*r->mem));
	r->pfx = calloc(r->c.max_members, sizeof(*r->pfx));
	r->reg.slot = calloc(r->c.rate_slots, sizeof(*r->reg.slot));
	r->unv.slot = calloc(r->c.rate_slots, sizeof(*r->unv.slot));
	if (r->room == NULL || r->mem == NULL || r->pfx == NULL ||
	    r->reg.slot == NULL || r->unv.slot == NULL) {
		rooms_free(r);
		return (-1);
	}
	r->reg.n = r->unv.n = r->c.rate_slots;
	r->reg.burst = r->c.rate_burst;
	r->reg.ms = r->c.rate_ms;
	r->unv.burst = r->c.err_burst;
	r->unv.ms = r->c.err_ms;
	return (0);
}

int
rooms_reconfigure(struct rooms *r, const struct rooms_config *c)
{
	struct rooms_config	n = *c;

	rooms_defaults(&n);
	if (n.max_room_members > STUN_RDV_MAX_MEMBERS ||
	    n.max_room_members < 2)
		return (-1);
	/*
	 * Limits and timers only: the tables keep their size and the
	 * secret stays.  A lower cap refuses newcomers, never evicts.
	 */
	r->c.max_room_members = n.max_room_members;
	r->c.keepalive_ms = n.keepalive_ms;
	r->c.timeout_ms = n.timeout_ms;
	r->c.rate_burst = n.rate_burst;
	r->c.rate_ms = n.rate_ms;
	r->c.go_margin_ms = n.go_margin_ms;
	r->c.prefix_rooms = n.prefix_rooms;
	r->c.prefix_members = n.prefix_members;
	r->c.ka_burst = n.ka_burst;
	r->c.ka_ms = n.ka_ms;
	r->c.err_burst = n.err_burst;
	r->c.err_ms = n.err_ms;
	r->c.budget_bytes = n.budget_bytes;
	r->c.budget_rate = n.budget_rate;
	r->c.move_ms = n.move_ms;
	r->reg.burst = n.rate_burst;
	r->reg.ms = n.rate_ms;
	r->unv.burst = n.err_burst;
	r->unv.ms = n.err_ms;
	OPENSSL_cleanse(&n, sizeof(n));
	return (0);
}

void
rooms_free(struct rooms *r)
{
	if (r->mem != NULL)
		OPENSSL_cleanse(r->mem, r->c.max_members * sizeof(*r->mem));
	free(r->room);
	free(r->mem);
	free(r->pfx);
	free(r->reg.slot);
	free(r->unv.slot);
	r->room = NULL;
	r->mem = NULL;
	r->pfx = NULL;
	r->reg.slot = r->unv.slot = NULL;
	OPENSSL_cleanse(r->epriv, sizeof(r->epriv));
	OPENSSL_cleanse(r->c.secret, sizeof(r->c.secret));
}

/*
 * The epoch keys for now: [0] current, [1] the one before.  Epochs are
 * counted on the wall clock (wall_off is 0 outside a fleet): instances of
 * one fleet share the secret, and a cookie or key one of them gave must
 * mean the same epoch on another, whose monotonic clock started elsewhere.
 */
static int
rooms_epoch(struct rooms *r, uint64_t now)
{
	uint32_t	e = (uint32_t)((now + (uint64_t)r->wall_off) /
			    r->c.epoch_ms);

	if (r->epoch_ok && e == r->epoch)
		return (0);
	if (r->epoch_ok && e == r->epoch + 1) {
		memcpy(r->epriv[1], r->epriv[0], STUN_RDV_KEY_LEN);
		memcpy(r->epub[1], r->epub[0], STUN_RDV_KEY_LEN);
	} else if (stun_rdv_epoch_key(r->c.secret, e - 1, r->epriv[1],
	    r->epub[1]) != 0)
		return (-1);
	if (stun_rdv_epoch_key(r->c.secret, e, r->epriv[0], r->epub[0]) != 0)
		return (-1);
	r->epoch = e;
	r->epoch_ok = 1;
	return (0);
}

struct rooms_room *
rooms_find(struct rooms *r, const uint8_t *id, size_t idlen)
{
	unsigned	i;

	for (i = 0; i < r->room_hi; i++)
		if (r->room[i].used && r->room[i].idlen == idlen &&
		    memcmp(r->room[i].id, id, idlen) == 0)
			return (&r->room[i]);
	return (NULL);
}

struct rooms_member *
rooms_member(struct rooms *r, const struct rooms_room *rm, uint32_t id)
{
	unsigned	i;

	for (i = 0; rm != NULL && i < rm->n; i++)
		if (r->mem[rm->mem[i]].info.id == id)
			return (&r->mem[rm->mem[i]]);
	return (NULL);
}

/* Step 1: a cookie and our key share, no state, never above the request. */
static void
rooms_hello(struct rooms *r, const struct stun_msg *m,
    const struct stun_rdv_msg *q, const struct rooms_src *src, uint64_t now,
    struct rooms_out *out)
{
	struct stun_rdv_msg	a;

	if ((q->flags & (STUN_RDV_F_ROOM | STUN_RDV_F_KEYSHARE)) !=
	    (STUN_RDV_F_ROOM | STUN_RDV_F_KEYSHARE) ||
	    (q->flags & STUN_RDV_F_SEALED)) {
		r->m.bad_request++;
		return;
	}
	if (!rooms_limit(r, &r->unv, &src->addr, now)) {
		r->m.err_limited++;
		return;
	}
	if (rooms_epoch(r, now) != 0)
		return;
	rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
	a.flags = STUN_RDV_F_SERVER_KEY | STUN_RDV_F_COOKIE;
	memcpy(a.server_key, r->epub[0], STUN_RDV_KEY_LEN);
	if (stun_rdv_cookie(r->c.secret, r->epoch, &src->addr, q->keyshare,
	    q->room, q->roomlen, a.cookie) != 0)
		return;
	r->m.cookies++;
	rooms_emit_clear(r, out, &a, &src->addr, src->sock, m->len);
}

/* A clear answer to an unverified source, under its limiter. */
static void
rooms_refuse(struct rooms *r, const struct stun_msg *m,
    const struct stun_rdv_msg *q, const struct rooms_src *src, int code,
    uint64_t now, struct rooms_out *out)
{
	if (!rooms_limit(r, &r->unv, &src->addr, now)) {
		r->m.err_limited++;
		return;
	}
	rooms_error(r, out, q, src, code, m->len);
}

/*
 * The cookie proves src receives at its address; then the session keys.
 * Returns the epoch slot (0 or 1) or -1.
 */
static int
rooms_cookie_ok(struct rooms *r, const struct stun_rdv_msg *q,
    const struct rooms_src *src, uint64_t now)
{
	uint8_t		want[STUN_RDV_COOKIE_LEN];
	uint32_t	e;
	int		k;

	if (rooms_epoch(r, now) != 0)
		return (-1);
	e = (uint32_t)q->cookie[0] << 24 | (uint32_t)q->cookie[1] << 16 |
	    (uint32_t)q->cookie[2] << 8 | q->cookie[3];
	if (e == r->epoch)
		k = 0;
	else if (e == r->epoch - 1)
		k = 1;
	else
		return (-1);
	if (stun_rdv_cookie(r->c.secret, e, &src->addr, q->keyshare, q->room,
	    q->roomlen, want) != 0 ||
	    CRYPTO_memcmp(want, q->cookie, sizeof(want)) != 0)
		return (-1);
	return (k);
}

/* Replay window of a member's requests. */
static int
rooms_fresh(struct rooms_member *mb, uint64_t seq)
{
	uint64_t	d;

	if (seq > mb->rx_top) {
		d = seq - mb->rx_top;
		mb->rx_bits = d >= 64 ? 0 : mb->rx_bits << d;
		mb->rx_bits |= 1;
		mb->rx_top = seq;
		return (1);
	}
	d = mb->rx_top - seq;
	if (d >= STUN_RDV_REPLAY_WINDOW || (mb->rx_bits & (1ULL << d)))
		return (0);
	mb->rx_bits |= 1ULL << d;
	return (1);
}

/* Was share the key share of one of mb's earlier sessions? */
static int
rooms_old_share(const struct rooms_member *mb, const uint8_t *share)
{
	unsigned	i;

	for (i = 0; i < ROOMS_OLD_KS; i++)
		if (memcmp(mb->old_ks[i], share, STUN_RDV_KEY_LEN) == 0)
			return (1);
	return (0);
}

/* Client candidates plus the server-reflexive one we see. */
static void
rooms_set_info(struct rooms_member *mb, const struct stun_rdv_msg *q,
    const struct stun_addr *from, unsigned sock)
{
	unsigned	i;

	if (q != NULL) {
		memset(&mb->info.cand, 0, sizeof(mb->info.cand));
		memset(mb->info.name, 0, sizeof(mb->info.name));
		memcpy(mb->info.name, q->name, sizeof(mb->info.name));
		for (i = 0; i < q->ncand; i++)
			mb->info.cand[i] = q->cand[i];
		mb->info.ncand = q->ncand;
		/* Its NAT essentials; sending them asks for the others'. */
		memset(&mb->info.nat, 0, sizeof(mb->info.nat));
		mb->info.has_nat = (q->flags & STUN_RDV_F_NAT) != 0;
		if (mb->info.has_nat)
			mb->info.nat = q->nat;
	} else if (mb->info.ncand > 0)
		mb->info.ncand--;	/* drop the old srflx, it is last */
	memset(&mb->info.cand[mb->info.ncand], 0, sizeof(mb->info.cand[0]));
	mb->info.cand[mb->info.ncand].kind = ROOMS_SOCK_IS_STREAM(sock) ?
	    STUN_RDV_CAND_TCP : STUN_RDV_CAND_SRFLX;
	mb->info.cand[mb->info.ncand].addr = *from;
	mb->info.ncand++;
	mb->from = *from;
	mb->sock = sock;
}

/* A new slot for a member of room rm (which may be new too). */
static struct rooms_member *
rooms_admit(struct rooms *r, const struct stun_rdv_msg *q,
    const struct rooms_src *src, struct rooms_room **rmp, int *code)
{
	struct rooms_room	*rm = *rmp;
	struct rooms_member	*mb = NULL;
	unsigned		 i, mi = 0, ri = 0, pi;

	*code = STUN_RDV_ERR_FULL;
	if (rm != NULL && rm->n >= r->c.max_room_members) {
		r->m.refused_room_full++;
		return (NULL);
	}
	if (rooms_pfx_get(r, &src->addr, &pi) != 0 ||
	    r->pfx[pi].members >= r->c.prefix_members ||
	    (rm == NULL && r->pfx[pi].rooms >= r->c.prefix_rooms)) {
		r->m.refused_prefix++;
		return (NULL);
	}
	for (i = 0; i < r->c.max_members && mb == NULL; i++)
		if (!r->mem[i].used) {
			mb = &r->mem[i];
			mi = i;
		}
	if (mb == NULL) {
		r->m.refused_members++;
		return (NULL);
	}
	for (i = 0; rm == NULL && i < r->c.max_rooms; i++)
		if (!r->room[i].used) {
			rm = &r->room[i];
			ri = i;
			memset(rm, 0, sizeof(*rm));
			rm->used = 1;
			memcpy(rm->id, q->room, q->roomlen);
			rm->idlen = q->roomlen;
			rm->pfx = pi;
			rooms_pfx_put(r, pi, 1, 0);
			if (ri >= r->room_hi)
				r->room_hi = ri + 1;
			r->m.rooms++;
		}
	if (rm == NULL) {
		r->m.refused_rooms++;
		return (NULL);
	}
	memset(mb, 0, sizeof(*mb));
	mb->used = 1;
	mb->room = (unsigned)(rm - r->room);
	mb->pfx = pi;
	rooms_pfx_put(r, pi, 0, 1);
	if (mi >= r->mem_hi)
		r->mem_hi = mi + 1;
	rm->mem[rm->n++] = mi;
	rm->nlocal++;
	r->m.members++;
	*rmp = rm;
	return (mb);
}

/* Second step: cookie, keys, room key, token; then admit or refresh. */
/* An event for the caller's log (struct rooms_event): ids, no keys. */
static void
rooms_log(struct rooms_out *out, int type, const struct rooms_room *rm,
    const struct rooms_member *mb, unsigned members)
{
	struct rooms_event	*e;

	if (out->nev >= ROOMS_EV_MAX || mb->remote)
		return;
	e = &out->ev[out->nev++];
	e->type = type;
	memcpy(e->room, rm->id, rm->idlen);
	e->roomlen = rm->idlen;
	e->member = mb->info.id;
	memcpy(e->name, mb->info.name, sizeof(e->name));
	e->from = mb->from;
	e->sock = mb->sock;
	e->members = members;
}

static void
rooms_register(struct rooms *r, const struct stun_msg *m,
    struct stun_rdv_msg *q, const struct rooms_src *src, uint64_t now,
    struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb, *old;
	struct stun_rdv_member	 before;
	struct stun_rdv_msg	 a;
	uint8_t			 id[STUN_RDV_ROOM_ID_LEN];
	uint8_t			 shared[STUN_RDV_KEY_LEN];
	uint8_t			 salt[STUN_RDV_SALT_LEN];
	uint8_t			 c2s[STUN_RDV_KEY_LEN], s2c[STUN_RDV_KEY_LEN];
	uint32_t		 mid;
	unsigned		 i;
	int			 k, code, same, moved, changed, takeover;

	if (!rooms_limit(r, &r->reg, &src->addr, now)) {
		r->m.rate_limited++;
		return;
	}
	if ((q->flags & (STUN_RDV_F_ROOM | STUN_RDV_F_KEYSHARE |
	    STUN_RDV_F_SEALED)) != (STUN_RDV_F_ROOM | STUN_RDV_F_KEYSHARE |
	    STUN_RDV_F_SEALED)) {
		r->m.bad_request++;
		return;
	}
	if ((k = rooms_cookie_ok(r, q, src, now)) == -1) {
		/* Stale or forged: the client starts over at step 1. */
		r->m.bad_cookie++;
		rooms_refuse(r, m, q, src, STUN_RDV_ERR_UNKNOWN, now, out);
		return;
	}
	/* The same key share as a member's session: a retransmission. */
	rm = rooms_find(r, q->room, q->roomlen);
	old = NULL;
	for (i = 0; rm != NULL && i < rm->n; i++)
		if (memcmp(r->mem[rm->mem[i]].keyshare, q->keyshare,
		    STUN_RDV_KEY_LEN) == 0)
			old = &r->mem[rm->mem[i]];
	if (old != NULL)
		memcpy(salt, old->salt, sizeof(salt));
	else if (RAND_bytes(salt, sizeof(salt)) != 1)
		return;
	if (stun_rdv_x25519(r->epriv[k], q->keyshare, shared) != 0 ||
	    stun_rdv_session_keys(shared, q->keyshare, r->epub[k], q->room,
	    q->roomlen, salt, c2s, s2c) != 0 ||
	    stun_rdv_open(m, c2s, q) != 0) {
		r->m.bad_integrity++;
		goto out;
	}
	if ((q->flags & (STUN_RDV_F_ROOM_KEY | STUN_RDV_F_TOKEN |
	    STUN_RDV_F_NAME)) != (STUN_RDV_F_ROOM_KEY | STUN_RDV_F_TOKEN |
	    STUN_RDV_F_NAME) || q->roomlen != sizeof(id) ||
	    stun_rdv_room_id(q->room_key, id) != 0 ||
	    CRYPTO_memcmp(id, q->room, sizeof(id)) != 0) {
		/* No room key, or not the key of this room: no entry. */
		r->m.bad_request++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_BAD, m->len);
		goto out;
	}
	mid = stun_rdv_member_id(q->room, q->roomlen, q->token);
	mb = rooms_member(r, rm, mid);
	takeover = 0;
	if (mb != NULL && mb->remote) {
		/* Registered elsewhere before (failover): ours from now. */
		if (rooms_fl_takeover(r, rm, mb, src) != 0) {
			rooms_error(r, out, q, src, STUN_RDV_ERR_FULL, m->len);
			goto out;
		}
		takeover = 1;
	}
	if (!takeover && mb != NULL && CRYPTO_memcmp(mb->token, q->token,
	    STUN_RDV_TOKEN_LEN) != 0) {
		/* Another token with the same id (1 in 2^32): refuse it. */
		r->m.refused_room_full++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_FULL, m->len);
		goto out;
	}
	if (old != NULL && old != mb) {
		r->m.bad_integrity++;
		goto out;
	}
	same = mb != NULL && old == mb;
	if ((same && !rooms_fresh(mb, q->seq)) ||
	    (!same && mb != NULL && rooms_old_share(mb, q->keyshare))) {
		/* Seen before: a replay, whatever its source. */
		r->m.replays++;
		goto out;
	}
	moved = mb != NULL && !stun_addr_equal(&mb->from, &src->addr);
	if (moved && mb->move_at != 0 && now - mb->move_at < r->c.move_ms) {
		r->m.move_limited++;
		rooms_error(r, out, q, src, STUN_RDV_ERR_FULL, m->len);
		goto out;
	}
	if (mb == NULL || takeover) {
		if (mb == NULL && (mb = rooms_admit(r, q, src, &rm,
		    &code)) == NULL) {
			rooms_error(r, out, q, src, code, m->len);
			goto out;
		}
		mb->info.id = mid;
		memcpy(mb->token, q->token, STUN_RDV_TOKEN_LEN);
		mb->budget = r->c.budget_bytes;
		mb->budget_last = now;
		mb->ka_tokens = (uint64_t)r->c.ka_burst * 1000;
		mb->ka_last = now;
		r->m.joins++;
		changed = takeover ? 1 : -1;
		if (rm->nlocal == 1 && !takeover)
			rooms_fl(r, out, ROOMS_FL_OPEN, rm, mb);
	} else {
		r->m.rejoins++;
		changed = 0;
	}
	if (!same) {
		/* A new session: its keys, its numbers. */
		if (changed == 0) {
			memcpy(mb->old_ks[mb->old_next], mb->keyshare,
			    STUN_RDV_KEY_LEN);
			mb->old_next = (mb->old_next + 1) % ROOMS_OLD_KS;
		}
		memcpy(mb->keyshare, q->keyshare, STUN_RDV_KEY_LEN);
		memcpy(mb->salt, salt, sizeof(salt));
		memcpy(mb->c2s, c2s, sizeof(c2s));
		memcpy(mb->s2c, s2c, sizeof(s2c));
		mb->tx_seq = 0;
		mb->rx_top = 0;
		mb->rx_bits = 0;
		(void)rooms_fresh(mb, q->seq);
	}
	before = mb->info;
	rooms_set_info(mb, q, &src->addr, src->sock);
	if (changed == 0)
		changed = memcmp(&before, &mb->info, sizeof(before)) != 0;
	if (moved) {
		mb->move_at = now;
		r->m.moves++;
		r->gen++;
	}
	mb->chal_on = 0;
	mb->last_seen = now;
	mb->go_pending = 1;
	mb->go_since = now + (uint64_t)r->wall_off;
	if (changed != 0) {
		rm->epoch++;
		rooms_fl(r, out, ROOMS_FL_JOIN, rm, mb);
	}
	rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
	a.flags = STUN_RDV_F_SALT | STUN_RDV_F_MAPPED | STUN_RDV_F_INTERVAL |
	    STUN_RDV_F_ECHO;
	memcpy(a.salt, mb->salt, sizeof(a.salt));
	a.mapped = mb->from;
	a.interval = r->c.keepalive_ms;
	a.echo = now;
	rooms_relay_cred(r, src->relay, rm, mb, &a);
	rooms_answer_list(r, out, mb, &a, 0, m->len);
	OPENSSL_cleanse(a.relay_pass, sizeof(a.relay_pass));
	if (takeover)
		rooms_log(out, ROOMS_EV_JOIN, rm, mb, rm->n);
	if (changed == -1) {
		if (rm->n == 1)
			rooms_log(out, ROOMS_EV_CREATE, rm, mb, 1);
		rooms_log(out, ROOMS_EV_JOIN, rm, mb, rm->n);
	}
	if (changed != 0)
		rooms_notify(r, out, rm, mb, changed == -1 ?
		    STUN_RDV_EV_JOIN : STUN_RDV_EV_MOVE, now);
	rooms_rtt(r, out, rm, mb, q, now);
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(c2s, sizeof(c2s));
	OPENSSL_cleanse(s2c, sizeof(s2c));
	OPENSSL_cleanse(q->room_key, sizeof(q->room_key));
	OPENSSL_cleanse(q->token, sizeof(q->token));
}

void
rooms_remove(struct rooms *r, struct rooms_room *rm, struct rooms_member *mb,
    uint8_t ev, uint64_t now, struct rooms_out *out)
{
	struct rooms_member	gone;
	unsigned		i, idx = (unsigned)(mb - r->mem);
	int			remote = mb->remote;

	rooms_log(out, ev == STUN_RDV_EV_TIMEOUT ? ROOMS_EV_TIMEOUT :
	    ROOMS_EV_LEAVE, rm, mb, rm->n - 1);
	for (i = 0; i < rm->n; i++)
		if (rm->mem[i] == idx) {
			rm->mem[i] = rm->mem[--rm->n];
			break;
		}
	gone = *mb;
	if (remote)
		r->remote--;
	else {
		rooms_fl(r, out, ev == STUN_RDV_EV_TIMEOUT ? ROOMS_FL_TIMEOUT :
		    ROOMS_FL_LEAVE, rm, mb);
		rooms_pfx_put(r, mb->pfx, 0, -1);
		rm->nlocal--;
		r->m.members--;
	}
	OPENSSL_cleanse(mb, sizeof(*mb));
	while (r->mem_hi > 0 && !r->mem[r->mem_hi - 1].used)
		r->mem_hi--;
	r->gen++;
	rm->epoch++;
	if (rm->n > 0 && rm->nlocal == 0)
		rooms_fl_drop_remote(r, rm);	/* nobody here to tell */
	if (rm->n == 0) {
		rooms_fl(r, out, ROOMS_FL_CLOSE, rm, &gone);
		rooms_pfx_put(r, rm->pfx, -1, 0);
		memset(rm, 0, sizeof(*rm));
		while (r->room_hi > 0 && !r->room[r->room_hi - 1].used)
			r->room_hi--;
		r->m.rooms--;
	} else
		rooms_notify(r, out, rm, &gone, ev, now);
	OPENSSL_cleanse(&gone, sizeof(gone));
}

/* Per-member request limit (keepalives, resyncs). */
static int
rooms_ka_ok(struct rooms *r, struct rooms_member *mb, uint64_t now)
{
	uint64_t	full = (uint64_t)r->c.ka_burst * 1000, add;

	if (now > mb->ka_last) {
		add = (now - mb->ka_last) * 1000 / r->c.ka_ms;
		mb->ka_tokens = add >= full - mb->ka_tokens ? full :
		    mb->ka_tokens + add;
		mb->ka_last = now;
	}
	if (mb->ka_tokens < 1000)
		return (0);
	mb->ka_tokens -= 1000;
	return (1);
}

/*
 * A sealed Keepalive from a new address: a challenge there first; the
 * member moves when the challenge comes back from it.
 */
static void
rooms_new_path(struct rooms *r, const struct stun_msg *m,
    const struct stun_rdv_msg *q, const struct rooms_src *src,
    struct rooms_room *rm, struct rooms_member *mb, uint64_t now,
    struct rooms_out *out)
{
	struct stun_rdv_msg	a;

	if ((q->flags & STUN_RDV_F_CHALLENGE) && mb->chal_on &&
	    stun_addr_equal(&mb->chal_addr, &src->addr) &&
	    CRYPTO_memcmp(mb->chal, q->challenge, sizeof(mb->chal)) == 0) {
		if (mb->move_at != 0 && now - mb->move_at < r->c.move_ms) {
			r->m.move_limited++;
			return;
		}
		mb->chal_on = 0;
		mb->move_at = now;
		r->m.moves++;
		r->gen++;
		rooms_set_info(mb, NULL, &src->addr, src->sock);
		mb->go_pending = 1;
		mb->go_since = now + (uint64_t)r->wall_off;
		rm->epoch++;
		rooms_fl(r, out, ROOMS_FL_JOIN, rm, mb);
		rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
		a.flags = STUN_RDV_F_MAPPED | STUN_RDV_F_EPOCH |
		    STUN_RDV_F_INTERVAL | STUN_RDV_F_ECHO;
		a.mapped = mb->from;
		a.epoch = rm->epoch;
		a.interval = r->c.keepalive_ms;
		a.echo = now;
		(void)rooms_emit_sealed(r, out, mb, &a, &mb->from, mb->sock,
		    m->len * STUN_RDV_AMP);
		rooms_notify(r, out, rm, mb, STUN_RDV_EV_MOVE, now);
		rooms_rtt(r, out, rm, mb, q, now);
		return;
	}
	/* One challenge a second per member, at most its request's size. */
	if (!mb->chal_on || !stun_addr_equal(&mb->chal_addr, &src->addr) ||
	    now - mb->chal_at >= 1000) {
		if (mb->chal_on && now - mb->chal_at < 1000) {
			r->m.move_limited++;
			return;
		}
		if (RAND_bytes(mb->chal, sizeof(mb->chal)) != 1)
			return;
		mb->chal_on = 1;
		mb->chal_addr = src->addr;
		mb->chal_sock = src->sock;
		mb->chal_at = now;
	}
	rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
	a.flags = STUN_RDV_F_CHALLENGE;
	memcpy(a.challenge, mb->chal, sizeof(a.challenge));
	if (rooms_emit_sealed(r, out, mb, &a, &src->addr, src->sock,
	    m->len) > 0)
		r->m.challenges++;
}

/* Keepalive, Leave and Resync: sealed under the member's keys. */
static void
rooms_known(struct rooms *r, const struct stun_msg *m, struct stun_rdv_msg *q,
    const struct rooms_src *src, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm = NULL;
	struct rooms_member	*mb = NULL;
	struct stun_rdv_msg	 a;

	if ((q->flags & (STUN_RDV_F_ROOM | STUN_RDV_F_MEMBER_ID |
	    STUN_RDV_F_SEALED)) != (STUN_RDV_F_ROOM | STUN_RDV_F_MEMBER_ID |
	    STUN_RDV_F_SEALED)) {
		r->m.bad_request++;
		return;
	}
	if ((rm = rooms_find(r, q->room, q->roomlen)) != NULL)
		mb = rooms_member(r, rm, q->member_id);
	if (mb == NULL || stun_rdv_open(m, mb->c2s, q) != 0) {
		/* Timed out, or a new server process: register again. */
		r->m.unknown_member++;
		rooms_refuse(r, m, q, src, STUN_RDV_ERR_UNKNOWN, now, out);
		return;
	}
	if (!rooms_fresh(mb, q->seq)) {
		r->m.replays++;
		return;
	}
	if (q->method == STUN_RDV_LEAVE) {
		r->m.leaves++;
		rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
		(void)rooms_emit_sealed(r, out, mb, &a, &src->addr, src->sock,
		    m->len);
		rooms_remove(r, rm, mb, STUN_RDV_EV_LEAVE, now, out);
		return;
	}
	if (!rooms_ka_ok(r, mb, now)) {
		r->m.ka_limited++;
		return;
	}
	mb->last_seen = now;
	/* A UDP source and a TCP one of equal address are two paths. */
	if (!stun_addr_equal(&src->addr, &mb->from) ||
	    ROOMS_SOCK_IS_STREAM(src->sock) != ROOMS_SOCK_IS_STREAM(mb->sock)) {
		if (q->method == STUN_RDV_KEEPALIVE)
			rooms_new_path(r, m, q, src, rm, mb, now, out);
		else
			r->m.bad_request++;
		return;
	}
	mb->sock = src->sock;
	rooms_reply_init(&a, q, STUN_CLASS_SUCCESS);
	a.flags = STUN_RDV_F_ECHO;
	a.echo = now;
	if (q->method == STUN_RDV_RESYNC) {
		a.flags |= STUN_RDV_F_START;
		a.start = (q->flags & STUN_RDV_F_START) ? q->start : 0;
		r->m.resyncs++;
		rooms_answer_list(r, out, mb, &a, a.start, m->len);
	} else {
		a.flags |= STUN_RDV_F_MAPPED | STUN_RDV_F_EPOCH |
		    STUN_RDV_F_INTERVAL;
		a.mapped = mb->from;
		a.epoch = rm->epoch;
		a.interval = r->c.keepalive_ms;
		(void)rooms_emit_sealed(r, out, mb, &a, &mb->from, mb->sock,
		    m->len * STUN_RDV_AMP);
	}
	rooms_rtt(r, out, rm, mb, q, now);
}

int
rooms_input(struct rooms *r, const struct stun_msg *m,
    const struct rooms_src *src, uint64_t now, struct rooms_out *out)
{
	struct stun_rdv_msg	q;
	int			rc;

	out->n = 0;
	out->nev = 0;
	out->nfl = 0;
	if (!stun_rdv_is_rdv(m))
		return (0);
	if (stun_rdv_is_v1(m)) {
		/* A small error, so an old client is not left guessing. */
		r->m.v1_refused++;
		memset(&q, 0, sizeof(q));
		q.method = m->method;
		memcpy(q.tid, m->tid, STUN_TID_LEN);
		if (m->cls == STUN_CLASS_REQUEST && m->cookie ==
		    STUN_MAGIC_COOKIE && m->method != STUN_RDV_MEMBERS &&
		    m->method != STUN_RDV_GO)
			rooms_refuse(r, m, &q, src, STUN_RDV_ERR_BAD, now, out);
		return (1);
	}
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
	if (q.method == STUN_RDV_REGISTER && !(q.flags & STUN_RDV_F_COOKIE))
		rooms_hello(r, m, &q, src, now, out);
	else if (q.method == STUN_RDV_REGISTER)
		rooms_register(r, m, &q, src, now, out);
	else
		rooms_known(r, m, &q, src, now, out);
	return (1);
}

void
rooms_timer(struct rooms *r, uint64_t now, struct rooms_out *out)
{
	struct rooms_member	*mb;
	struct rooms_room	*rm;
	unsigned		 i;

	out->n = 0;
	out->nev = 0;
	out->nfl = 0;
	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (!mb->used || (mb->remote && !mb->orphan) ||
		    now < mb->last_seen ||
		    now - mb->last_seen < r->c.timeout_ms)
			continue;
		rm = &r->room[mb->room];
		/* Keep the rest for the next call when out could overflow. */
		if (out->n + rm->n > ROOMS_OUT_MAX)
			break;
		r->m.timeouts++;
		rooms_remove(r, rm, mb, STUN_RDV_EV_TIMEOUT, now, out);
	}
}

void
rooms_stream_gone(struct rooms *r, unsigned sock, uint64_t now,
    struct rooms_out *out)
{
	struct rooms_member	*mb;
	unsigned		 i;

	out->n = 0;
	out->nev = 0;
	out->nfl = 0;
	if (!ROOMS_SOCK_IS_STREAM(sock))
		return;
	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (!mb->used || mb->remote)
			continue;
		if (mb->chal_on && mb->chal_sock == sock)
			mb->chal_on = 0;
		if (mb->sock != sock)
			continue;
		r->m.leaves++;
		r->m.stream_closed++;
		rooms_remove(r, &r->room[mb->room], mb, STUN_RDV_EV_LEAVE,
		    now, out);
	}
}

unsigned
rooms_stream_members(const struct rooms *r, unsigned sock)
{
	unsigned	i, n = 0;

	for (i = 0; i < r->mem_hi; i++)
		if (r->mem[i].used && !r->mem[i].remote &&
		    r->mem[i].sock == sock)
			n++;
	return (n);
}

uint64_t
rooms_next(const struct rooms *r)
{
	uint64_t	t = 0, d;
	unsigned	i;

	for (i = 0; i < r->mem_hi; i++) {
		if (!r->mem[i].used || (r->mem[i].remote && !r->mem[i].orphan))
			continue;
		d = r->mem[i].last_seen + r->c.timeout_ms;
		if (t == 0 || d < t)
			t = d;
	}
	return (t);
}

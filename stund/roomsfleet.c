/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The fleet side of the room table: members registered on other stund
 * instances sharing one Redis (stund/cluster.c carries them), listed to
 * and announced to the local members like any other, and the events the
 * table reports so the other instances learn about the local ones.
 * I/O-free like the rest of the table; the caller holds its lock.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "roomsint.h"

/* One fleet event for the caller (only when the table is in a fleet). */
static struct rooms_fleet_ev *
rooms_fl_slot(struct rooms *r, struct rooms_out *out, int type,
    const struct rooms_room *rm, uint32_t member)
{
	struct rooms_fleet_ev	*e;

	if (!r->c.fleet || out == NULL)
		return (NULL);
	if (out->nfl >= ROOMS_FL_MAX) {
		r->fl_overflow++;
		return (NULL);
	}
	e = &out->fl[out->nfl++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	memcpy(e->room, rm->id, rm->idlen);
	e->roomlen = rm->idlen;
	e->member = member;
	return (e);
}

void
rooms_fl(struct rooms *r, struct rooms_out *out, int type,
    const struct rooms_room *rm, const struct rooms_member *mb)
{
	struct rooms_fleet_ev	*e;

	if (mb->remote)
		return;
	if ((e = rooms_fl_slot(r, out, type, rm, mb->info.id)) == NULL)
		return;
	if (type == ROOMS_FL_JOIN) {
		e->info = mb->info;
		e->go_since = mb->go_since;
		e->has_relayed = mb->has_relayed;
		e->relayed = mb->relayed;
	}
}

void
rooms_fl_ask(struct rooms *r, struct rooms_out *out,
    const struct rooms_room *rm, const struct rooms_member *x, uint32_t peer)
{
	struct rooms_fleet_ev	*e;

	if ((e = rooms_fl_slot(r, out, ROOMS_FL_GO, rm, x->info.id)) == NULL)
		return;
	e->peer = peer;
	e->rtt = x->rtt;
}

/*
 * Of a local and a remote member, the one whose join or move is the later
 * asks for the Go of the pair (ties: the higher id), so a pair gets one.
 */
static int
rooms_fl_mine(const struct rooms_member *x, const struct rooms_member *y)
{
	if (x->go_since != y->go_since)
		return (x->go_since > y->go_since);
	return (x->info.id > y->info.id);
}

void
rooms_fl_go(struct rooms *r, struct rooms_out *out,
    const struct rooms_room *rm, struct rooms_member *x)
{
	struct rooms_member	*y;
	unsigned		 i;

	if (!r->c.fleet)
		return;
	for (i = 0; i < rm->n; i++) {
		y = &r->mem[rm->mem[i]];
		if (y->remote && rooms_fl_mine(x, y))
			rooms_fl_ask(r, out, rm, x, y->info.id);
	}
}

/* Free a room's remote members without a word: no local member is left. */
void
rooms_fl_drop_remote(struct rooms *r, struct rooms_room *rm)
{
	struct rooms_member	*mb;

	while (rm->n > 0) {
		mb = &r->mem[rm->mem[--rm->n]];
		memset(mb, 0, sizeof(*mb));
		r->remote--;
	}
	while (r->mem_hi > 0 && !r->mem[r->mem_hi - 1].used)
		r->mem_hi--;
}

/* A remote member registers here (its instance went): make it local. */
int
rooms_fl_takeover(struct rooms *r, struct rooms_room *rm,
    struct rooms_member *mb, const struct rooms_src *src)
{
	unsigned	pi;

	if (rooms_pfx_get(r, &src->addr, &pi) != 0 ||
	    r->pfx[pi].members >= r->c.prefix_members) {
		r->m.refused_prefix++;
		return (-1);
	}
	rooms_pfx_put(r, pi, 0, 1);
	mb->pfx = pi;
	mb->remote = 0;
	mb->orphan = 0;
	mb->owner = 0;
	mb->owed = 0;
	r->remote--;
	rm->nlocal++;
	r->m.members++;
	return (0);
}

static int
rooms_fl_valid(const struct stun_rdv_member *info)
{
	size_t	i;

	if (info->id == 0 || info->ncand > STUN_RDV_MEMBER_CANDS ||
	    info->name[STUN_RDV_NAME_MAX] != '\0')
		return (0);
	for (i = 0; info->name[i] != '\0'; i++)
		if ((unsigned char)info->name[i] < 0x20 ||
		    info->name[i] == 0x7f)
			return (0);
	return (i > 0);
}

int
rooms_fleet_put(struct rooms *r, const uint8_t *room, size_t roomlen,
    uint64_t owner, uint64_t go_since, const struct stun_rdv_member *info,
    const struct stun_addr *relayed, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb, *x;
	struct stun_rdv_member	 before;
	struct stun_addr	 was;
	unsigned		 i, mi = 0;
	int			 fresh, had;

	out->n = out->nev = out->nfl = 0;
	if (owner == 0 || !rooms_fl_valid(info) ||
	    (rm = rooms_find(r, room, roomlen)) == NULL || rm->nlocal == 0)
		return (-1);
	if ((mb = rooms_member(r, rm, info->id)) != NULL && !mb->remote)
		return (-1);	/* registered here now: ours wins */
	fresh = mb == NULL;
	if (fresh) {
		if (rm->n >= r->c.max_room_members) {
			r->m.refused_room_full++;
			return (-1);
		}
		for (i = 0; i < r->c.max_members && mb == NULL; i++)
			if (!r->mem[i].used) {
				mb = &r->mem[i];
				mi = i;
			}
		if (mb == NULL) {
			r->m.refused_members++;
			return (-1);
		}
		memset(mb, 0, sizeof(*mb));
		mb->used = 1;
		mb->remote = 1;
		mb->room = (unsigned)(rm - r->room);
		if (mi >= r->mem_hi)
			r->mem_hi = mi + 1;
		rm->mem[rm->n++] = mi;
		r->remote++;
	}
	before = mb->info;
	mb->last_seen = now;
	mb->orphan = 0;
	mb->info = *info;
	mb->owner = owner;
	mb->go_since = go_since;
	/* Its server-reflexive address is the last candidate. */
	memset(&mb->from, 0, sizeof(mb->from));
	if (info->ncand > 0 &&
	    info->cand[info->ncand - 1].kind == STUN_RDV_CAND_SRFLX)
		mb->from = info->cand[info->ncand - 1].addr;
	/*
	 * Its allocation, as its owner's relay made it: roommates' relays
	 * here may send to it.  One gone or moved: permissions are checked
	 * again (the generation).
	 */
	had = mb->has_relayed;
	was = mb->relayed;
	mb->has_relayed = relayed != NULL;
	if (relayed != NULL)
		mb->relayed = *relayed;
	if (had && (!mb->has_relayed || !stun_addr_equal(&was, &mb->relayed)))
		r->gen++;
	if (!fresh && memcmp(&before, &mb->info, sizeof(before)) == 0)
		return (0);
	rm->epoch++;
	r->gen++;
	rooms_notify(r, out, rm, mb, fresh ? STUN_RDV_EV_JOIN :
	    STUN_RDV_EV_MOVE, now);
	/* A Go the local member could not ask for, not knowing mb then. */
	for (i = 0; i < rm->n; i++) {
		x = &r->mem[rm->mem[i]];
		if (!x->remote && x->rtt_ok && !x->go_pending &&
		    rooms_fl_mine(x, mb))
			rooms_fl_ask(r, out, rm, x, mb->info.id);
	}
	return (0);
}

int
rooms_fleet_del(struct rooms *r, const uint8_t *room, size_t roomlen,
    uint64_t owner, uint32_t member, int timeout, uint64_t now,
    struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb;

	out->n = out->nev = out->nfl = 0;
	if ((rm = rooms_find(r, room, roomlen)) == NULL ||
	    (mb = rooms_member(r, rm, member)) == NULL || !mb->remote ||
	    (owner != 0 && mb->owner != owner))
		return (-1);
	rooms_remove(r, rm, mb, timeout ? STUN_RDV_EV_TIMEOUT :
	    STUN_RDV_EV_LEAVE, now, out);
	return (0);
}

void
rooms_fleet_orphan(struct rooms *r, uint64_t owner, uint64_t now)
{
	struct rooms_member	*mb;
	unsigned		 i;

	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (mb->used && mb->remote && !mb->orphan &&
		    mb->owner == owner) {
			mb->orphan = 1;
			mb->last_seen = now;
		}
	}
}

int
rooms_fleet_sync(struct rooms *r, const uint8_t *room, size_t roomlen,
    const uint32_t *keep, unsigned n, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*mb;
	unsigned		 i, k;
	int			 found;

	out->n = out->nev = out->nfl = 0;
	if ((rm = rooms_find(r, room, roomlen)) == NULL)
		return (0);
	for (i = 0; i < rm->n; i++) {
		mb = &r->mem[rm->mem[i]];
		if (!mb->remote)
			continue;
		for (found = 0, k = 0; k < n && !found; k++)
			found = keep[k] == mb->info.id;
		if (found)
			continue;
		if (out->n + rm->n > ROOMS_OUT_MAX)
			return (1);
		rooms_remove(r, rm, mb, STUN_RDV_EV_TIMEOUT, now, out);
		if ((rm = rooms_find(r, room, roomlen)) == NULL)
			return (0);
		i = (unsigned)-1;	/* the list moved: from the start */
	}
	return (0);
}

int
rooms_fleet_go(struct rooms *r, const uint8_t *room, size_t roomlen,
    uint32_t member, uint32_t peer, uint32_t peer_rtt, uint32_t lat,
    uint32_t *peer_delay, uint64_t now, struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*x;
	uint32_t		 hi;

	out->n = out->nev = out->nfl = 0;
	if ((rm = rooms_find(r, room, roomlen)) == NULL ||
	    (x = rooms_member(r, rm, member)) == NULL || x->remote ||
	    rooms_member(r, rm, peer) == NULL)
		return (-1);
	if (!x->rtt_ok) {
		x->owed = 1;
		x->owed_peer = peer;
		x->owed_rtt = peer_rtt;
		return (0);
	}
	if (peer_rtt > 5000)
		peer_rtt = 5000;
	if (lat > 1000)
		lat = 1000;
	/*
	 * As for two local members (doc/rendezvous.md 5), but the peer's Go
	 * leaves lat ms after ours: ours waits that much longer.
	 */
	hi = x->rtt > peer_rtt ? x->rtt : peer_rtt;
	rooms_go_one(r, out, x, peer, (hi - x->rtt) / 2 + r->c.go_margin_ms +
	    lat, now);
	*peer_delay = (hi - peer_rtt) / 2 + r->c.go_margin_ms;
	return (1);
}

int
rooms_fleet_go_to(struct rooms *r, const uint8_t *room, size_t roomlen,
    uint32_t member, uint32_t peer, uint32_t delay, uint64_t now,
    struct rooms_out *out)
{
	struct rooms_room	*rm;
	struct rooms_member	*x;

	out->n = out->nev = out->nfl = 0;
	if ((rm = rooms_find(r, room, roomlen)) == NULL ||
	    (x = rooms_member(r, rm, member)) == NULL || x->remote ||
	    rooms_member(r, rm, peer) == NULL || delay > STUN_RDV_DELAY_MAX)
		return (-1);
	rooms_go_one(r, out, x, peer, delay, now);
	return (0);
}

unsigned
rooms_fleet_list(const struct rooms *r, unsigned *cursor,
    struct rooms_fleet_ev *ev, unsigned max)
{
	const struct rooms_member	*mb;
	const struct rooms_room		*rm;
	unsigned			 n = 0;

	for (; *cursor < r->mem_hi && n < max; (*cursor)++) {
		mb = &r->mem[*cursor];
		if (!mb->used || mb->remote)
			continue;
		rm = &r->room[mb->room];
		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].type = ROOMS_FL_JOIN;
		memcpy(ev[n].room, rm->id, rm->idlen);
		ev[n].roomlen = rm->idlen;
		ev[n].member = mb->info.id;
		ev[n].info = mb->info;
		ev[n].go_since = mb->go_since;
		ev[n].has_relayed = mb->has_relayed;
		ev[n].relayed = mb->relayed;
		n++;
	}
	return (n);
}

unsigned
rooms_fleet_owners(const struct rooms *r, uint64_t *owners, unsigned max,
    uint64_t now, uint32_t young_ms)
{
	const struct rooms_member	*mb;
	uint64_t			 young[64];
	unsigned			 i, k, n = 0, ny = 0;

	for (i = 0; i < r->mem_hi; i++) {
		mb = &r->mem[i];
		if (mb->used && mb->remote && !mb->orphan &&
		    mb->last_seen + young_ms > now &&
		    ny < 64)
			young[ny++] = mb->owner;
	}
	for (i = 0; i < r->mem_hi && n < max; i++) {
		mb = &r->mem[i];
		if (!mb->used || !mb->remote || mb->orphan)
			continue;
		for (k = 0; k < n && owners[k] != mb->owner; k++)
			;
		if (k < n)
			continue;
		for (k = 0; k < ny && young[k] != mb->owner; k++)
			;
		if (k == ny)
			owners[n++] = mb->owner;
	}
	return (n);
}

void
rooms_fleet_set_secret(struct rooms *r,
    const uint8_t secret[ROOMS_SECRET_LEN])
{
	memcpy(r->c.secret, secret, ROOMS_SECRET_LEN);
	OPENSSL_cleanse(r->epriv, sizeof(r->epriv));
	r->epoch_ok = 0;
}

void
rooms_fleet_clock(struct rooms *r, int64_t wall_off)
{
	r->wall_off = wall_off;
}

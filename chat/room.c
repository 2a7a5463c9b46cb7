/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The p2pchat room without I/O (see room.h): the member list from the
 * rendezvous turned into peers, and datagrams and actions routed to and
 * from them.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chat/room.h"
#include "chat/tcpplan.h"

int
chat_room_init(struct chat_room *r, const uint8_t secret[CHAT_SECRET_LEN],
    const char *name)
{
	memset(r, 0, sizeof(*r));
	if (name == NULL || name[0] == '\0' || strlen(name) > CHAT_NAME_MAX)
		return (STUN_ERR_INVALID);
	memcpy(r->secret, secret, CHAT_SECRET_LEN);
	memcpy(r->name, name, strlen(name) + 1);
	return (0);
}

static void
room_slot_free(struct chat_room_slot *s)
{
	if (s->p != NULL) {
		chat_peer_free(s->p);
		free(s->p);
	}
	memset(s, 0, sizeof(*s));
}

void
chat_room_free(struct chat_room *r)
{
	unsigned	i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		room_slot_free(&r->slot[i]);
	OPENSSL_cleanse(r->secret, sizeof(r->secret));
}

int
chat_room_add_local(struct chat_room *r, const struct stun_punch_cand *c)
{
	struct chat_peer	*p;
	unsigned		 i;

	if (r->nlocal == STUN_PUNCH_MAX_LOCAL)
		return (STUN_ERR_NOSPACE);
	r->local[r->nlocal++] = *c;
	/* A candidate gathered late (a relay): the peers pair it too. */
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = r->slot[i].p) == NULL || r->slot[i].gone != NULL)
			continue;
		(void)chat_peer_add_local(p, c);
	}
	return (0);
}

int
chat_room_relay(struct chat_room *r, const struct stun_punch_cand *c,
    uint64_t now)
{
	struct chat_peer	*p;
	unsigned		 i, k;

	for (k = 0; k < r->nlocal && r->local[k].type != STUN_CAND_RELAY; k++)
		;
	if (k == r->nlocal)
		return (chat_room_add_local(r, c));
	r->local[k] = *c;
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = r->slot[i].p) == NULL || r->slot[i].gone != NULL)
			continue;
		(void)chat_peer_relay_moved(p, 1, c, now);
	}
	return (0);
}

static struct chat_room_slot *
room_find(struct chat_room *r, uint32_t id)
{
	unsigned	i;

	/* A peer that left is on its way out: a new one may replace it. */
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL && r->slot[i].gone == NULL &&
		    r->slot[i].p->id == id)
			return (&r->slot[i]);
	return (NULL);
}

static int
room_cand_type(uint8_t kind)
{
	switch (kind) {
	case STUN_RDV_CAND_HOST:
		return (STUN_CAND_HOST);
	case STUN_RDV_CAND_SRFLX:
		return (STUN_CAND_SRFLX);
	case STUN_RDV_CAND_RELAY:
		return (STUN_CAND_RELAY);
	case STUN_RDV_CAND_TCP:
		return (STUN_CAND_SRFLX);	/* priority says TCP */
	}
	return (-1);
}

/*
 * The member's candidates; a relayed one replaces the one it had (it was
 * allocated again), which makes a path through the old one look again.
 */
static void
room_add_remotes(struct chat_peer *p, const struct stun_rdv_member *m,
    uint64_t now)
{
	struct stun_punch_cand	 c;
	unsigned		 i;

	for (i = 0; i < m->ncand; i++) {
		memset(&c, 0, sizeof(c));
		if ((c.type = room_cand_type(m->cand[i].kind)) < 0)
			continue;
		c.addr = m->cand[i].addr;
		/* The member listed its favourite candidates first. */
		c.priority = m->cand[i].kind == STUN_RDV_CAND_TCP ?
		    chat_tcpp_priority(i) :
		    stun_punch_priority(c.type, (uint16_t)(65535 - i));
		if (c.type == STUN_CAND_RELAY)
			(void)chat_peer_relay_moved(p, 0, &c, now);
		else
			(void)chat_peer_add_remote(p, &c);
	}
	if (m->has_nat)
		chat_peer_nat(p, NULL, &m->nat, now);
	chat_peer_moved(p, now);
}

static void
room_add_member(struct chat_room *r, const struct stun_rdv_member *m,
    uint64_t now)
{
	struct chat_peer_config	 c;
	struct chat_room_slot	*s = NULL;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS && s == NULL; i++)
		if (r->slot[i].p == NULL)
			s = &r->slot[i];
	if (s == NULL || (s->p = calloc(1, sizeof(*s->p))) == NULL) {
		r->refused++;
		return;
	}
	memset(&c, 0, sizeof(c));
	c.secret = r->secret;
	c.self_id = r->self_id;
	c.peer_id = m->id;
	c.self_name = r->name;
	c.peer_name = m->name;
	c.punch_timeout = r->punch_timeout;
	c.rnd = r->rnd;
	c.rnd_arg = r->rnd_arg;
	c.no_hard_nat = r->no_hard_nat;
	if (chat_peer_init(s->p, &c) != 0) {
		r->refused++;
		room_slot_free(s);
		return;
	}
	for (i = 0; i < r->nlocal; i++)
		(void)chat_peer_add_local(s->p, &r->local[i]);
	if (r->nat_ok)
		chat_peer_nat(s->p, &r->nat, NULL, now);
	room_add_remotes(s->p, m, now);
	chat_peer_go_fallback(s->p, now + CHAT_ROOM_GO_FALLBACK);
	/* Its go came first (our Members was lost): punch now. */
	for (i = 0; i < r->nearly; i++)
		if (r->early_id[i] == m->id) {
			chat_peer_go(s->p, r->early_at[i] > now ?
			    r->early_at[i] : now);
			r->early_id[i] = r->early_id[--r->nearly];
			r->early_at[i] = r->early_at[r->nearly];
			break;
		}
}

void
chat_room_nat(struct chat_room *r, const struct stun_hardnat_ess *e,
    uint64_t now)
{
	unsigned	 i;

	r->nat = *e;
	r->nat_ok = 1;
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL && r->slot[i].gone == NULL)
			chat_peer_nat(r->slot[i].p, e, NULL, now);
}

void
chat_room_members(struct chat_room *r, uint32_t self_id,
    const struct stun_rdv_member *m, unsigned n, uint8_t event,
    uint32_t event_member, uint64_t now)
{
	struct chat_room_slot	*s;
	unsigned		 i, j;
	int			 listed;

	r->self_id = self_id;
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		s = &r->slot[i];
		if (s->p == NULL || s->gone != NULL)
			continue;
		for (j = 0, listed = 0; j < n && !listed; j++)
			listed = m[j].id == s->p->id;
		s->unlisted = 0;
		if (listed)
			continue;
		/*
		 * The server lost sight of a member we still talk to (it
		 * restarted, or the member is away from it): the session
		 * goes on while its path answers.  A Leave is a Leave.
		 */
		if (!(event == STUN_RDV_EV_LEAVE && event_member ==
		    s->p->id) && chat_peer_alive(s->p)) {
			s->unlisted = 1;
			continue;
		}
		s->gone = event == STUN_RDV_EV_TIMEOUT &&
		    event_member == s->p->id ? "timeout" : "left";
		chat_peer_close(s->p, s->gone);
	}
	for (j = 0; j < n; j++) {
		if (m[j].id == self_id || m[j].id == 0)
			continue;
		if ((s = room_find(r, m[j].id)) == NULL)
			room_add_member(r, &m[j], now);
		else
			room_add_remotes(s->p, &m[j], now);
	}
}

int
chat_room_go(struct chat_room *r, uint32_t peer_id, uint64_t at)
{
	struct chat_room_slot	*s;
	unsigned		 i;

	if ((s = room_find(r, peer_id)) != NULL) {
		chat_peer_go(s->p, at);
		return (0);
	}
	/* Keep the latest go per member, the oldest dropped when full. */
	for (i = 0; i < r->nearly && r->early_id[i] != peer_id; i++)
		;
	if (i == CHAT_ROOM_MAX_PEERS) {
		memmove(r->early_id, r->early_id + 1,
		    (i - 1) * sizeof(r->early_id[0]));
		memmove(r->early_at, r->early_at + 1,
		    (i - 1) * sizeof(r->early_at[0]));
		i--;
	} else if (i == r->nearly)
		r->nearly++;
	r->early_id[i] = peer_id;
	r->early_at[i] = at;
	return (STUN_ERR_STATE);
}

int
chat_room_input(struct chat_room *r, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	unsigned	i;
	int		rv;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if (r->slot[i].p == NULL)
			continue;
		rv = chat_peer_input(r->slot[i].p, sock, from, buf, len, now);
		if (rv != STUN_ERR_NOT_STUN)
			return (0);
	}
	r->unclaimed++;
	return (STUN_ERR_NOT_STUN);
}

void
chat_room_timer(struct chat_room *r, uint64_t now)
{
	unsigned	i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL)
			chat_peer_timer(r->slot[i].p, now);
}

void
chat_room_next(struct chat_room *r, uint64_t now, struct chat_room_action *a)
{
	struct chat_room_slot	*s;
	uint64_t		 wake = 0;
	unsigned		 i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		s = &r->slot[i];
		if (s->p == NULL)
			continue;
		if (!s->announced) {
			s->announced = 1;
			a->kind = CHAT_ROOM_A_MEMBER;
			a->peer = s->p;
			return;
		}
		/* Unlisted, and its path is gone too: it left. */
		if (s->unlisted && s->gone == NULL && !chat_peer_alive(s->p)) {
			s->gone = "timeout";
			chat_peer_close(s->p, s->gone);
		}
		chat_peer_next(s->p, now, &a->pa);
		if (a->pa.kind == CHAT_PEER_A_UP)
			s->was_up = 1;
		if (a->pa.kind != CHAT_PEER_A_WAIT) {
			a->kind = CHAT_ROOM_A_PEER;
			a->peer = s->p;
			return;
		}
		if (s->gone != NULL) {
			a->kind = CHAT_ROOM_A_LEFT;
			a->id = s->p->id;
			memcpy(a->name, s->p->name, sizeof(a->name));
			a->was_up = s->was_up;
			a->reason = s->gone;
			room_slot_free(s);
			return;
		}
		if (a->pa.wake != 0 && (wake == 0 || a->pa.wake < wake))
			wake = a->pa.wake;
	}
	memset(a, 0, sizeof(*a));
	a->kind = CHAT_ROOM_A_WAIT;
	a->wake = wake;
}

void
chat_room_reset(struct chat_room *r, const char *reason)
{
	unsigned	i;

	r->nearly = 0;		/* gos for the ids of the old membership */
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL && r->slot[i].gone == NULL) {
			r->slot[i].gone = reason;
			chat_peer_close(r->slot[i].p, reason);
		}
}

void
chat_room_close(struct chat_room *r, const char *reason)
{
	unsigned	i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL)
			chat_peer_close(r->slot[i].p, reason);
}

unsigned
chat_room_pending(const struct chat_room *r)
{
	unsigned	i, n = 0;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (r->slot[i].p != NULL)
			n += chat_peer_pending(r->slot[i].p);
	return (n);
}

struct chat_peer *
chat_room_peer(struct chat_room *r, unsigned i)
{
	if (i >= CHAT_ROOM_MAX_PEERS || r->slot[i].gone != NULL)
		return (NULL);
	return (r->slot[i].p);
}

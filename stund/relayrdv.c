/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Rendezvous credentials bound to their room: the only calls from the
 * TURN table into the room table, through r->rdv (stund/rdvio.c runs them
 * under the rendezvous lock).  On the data path an allocation only
 * compares the room generation with the one it last checked; the lock is
 * taken when it moved, on requests, and on Allocate.
 */
#include <string.h>

#include "relay.h"
#include "relayint.h"

/* auth's hook: the password of a rendezvous user. */
int
relay_rdv_password(void *arg, const char *user, char *pw, size_t cap)
{
	const struct relay	*r = arg;

	if (r->rdv == NULL)
		return (-1);
	return (r->rdv->ops->password(r->rdv->arg, user, pw, cap));
}

/* The room generation, an atomic the room table's keeper updates. */
uint64_t
relay_rdv_gen(const struct relay *r)
{
	return (r->rdv != NULL ? __atomic_load_n(r->rdv->gen,
	    __ATOMIC_ACQUIRE) : 0);
}

/* May user allocate from src?  1 or 0. */
int
relay_rdv_admit(struct relay *r, const char *user,
    const struct stun_addr *src)
{
	if (r->rdv != NULL && r->rdv->ops->admit(r->rdv->arg, user, src))
		return (1);
	RELAY_ADD(&r->m.rdv_refused, 1);
	return (0);
}

/* Is peer the address of another member of a's room?  1 or 0. */
int
relay_rdv_peer(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer)
{
	if (r->rdv != NULL && r->rdv->ops->peer_ok(r->rdv->arg, a->user, peer))
		return (1);
	RELAY_ADD(&r->m.rdv_peer_refused, 1);
	return (0);
}

/* Record a's relayed address with its member. */
void
relay_rdv_set(struct relay *r, const struct relay_alloc *a)
{
	if (r->rdv != NULL)
		(void)r->rdv->ops->set(r->rdv->arg, a->user, &a->relayed);
}

/*
 * Check a again: end it when its member left, moved or timed out, and
 * drop the permissions (and their channels) of peers that are no longer
 * members.  Returns 0, or -1 when a has ended.
 */
static int
relay_rdv_recheck(struct relay *r, struct relay_alloc *a, uint64_t now)
{
	struct relay_perm	*p = relay_perms(r, a);
	struct relay_chan	*ch = relay_chans(r, a);
	struct stun_addr	*peer = r->peers;
	unsigned		 i, j, n = 0;
	uint64_t		 gen = 0;

	RELAY_ADD(&r->m.rdv_rechecks, 1);
	for (i = 0; i < r->c.max_perms; i++) {
		if (p[i].expires <= now)
			continue;
		memset(&peer[n], 0, sizeof(peer[n]));
		peer[n].family = p[i].family;
		memcpy(peer[n].ip, p[i].ip, 16);
		peer[n].port = p[i].port;
		n++;
	}
	if (r->rdv == NULL || !r->rdv->ops->recheck(r->rdv->arg, a->user,
	    &a->cl.addr, peer, n, r->peers_ok, &gen)) {
		RELAY_ADD(&r->m.rdv_ended, 1);
		relay_delete(r, a, "left");
		return (-1);
	}
	for (i = 0, j = 0; i < r->c.max_perms; i++) {
		if (p[i].expires <= now)
			continue;
		if (!r->peers_ok[j++]) {
			RELAY_ADD(&r->m.rdv_peer_refused, 1);
			p[i].expires = 0;
			RELAY_SUB(&r->m.perms, 1);
		}
	}
	for (i = 0; i < r->c.max_chans; i++)
		if (ch[i].ch != 0 && relay_perm_exact(r, a, &ch[i].peer,
		    now) == NULL) {
			ch[i].ch = 0;
			RELAY_SUB(&r->m.chans, 1);
		}
	a->gen = gen;
	return (0);
}

/*
 * A rendezvous allocation sends to peer, whose IP has a permission but
 * whose address has no entry: the client asked for the IP (RFC 8656 9),
 * so another member behind that IP (or relayed here) is learnt from the
 * room table, at most RELAY_RDV_LEARN times a second.  The entry, or
 * NULL.
 */
struct relay_perm *
relay_rdv_learn(struct relay *r, struct relay_alloc *a,
    const struct stun_addr *peer, uint64_t now)
{
	struct relay_perm	*ip, *p;

	if ((ip = relay_perm_find(r, a, peer, now, 0)) == NULL)
		return (NULL);
	if (now / RELAY_MS != a->learn_sec) {
		a->learn_sec = now / RELAY_MS;
		a->learn_n = 0;
	}
	if (a->learn_n >= RELAY_RDV_LEARN || (a->learn_n++,
	    !relay_rdv_peer(r, a, peer)))
		return (NULL);
	if ((p = relay_perm_slot(r, a, peer, now)) == NULL)
		return (NULL);
	if (p->expires == 0) {
		p->family = peer->family;
		memcpy(p->ip, peer->ip, 16);
		p->port = peer->port;
		RELAY_ADD(&r->m.perms, 1);
	}
	p->expires = ip->expires;
	return (p);
}

/* Check a again if the rooms changed since.  0, or -1 when a ended. */
int
relay_rdv_fresh(struct relay *r, struct relay_alloc *a, uint64_t now)
{
	if (!a->rdv || relay_rdv_gen(r) == a->gen)
		return (0);
	return (relay_rdv_recheck(r, a, now));
}

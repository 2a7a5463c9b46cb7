/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The permissions and channels of a TURN allocation (RFC 8656 9, 12) and
 * the checks of their peers: the peer policy with this server's live
 * relayed addresses, and for rendezvous credentials the other members'
 * addresses.  CreatePermission and ChannelBind install all or nothing.
 */
#include <string.h>

#include "relay.h"
#include "relayint.h"

/*
 * The live permission for peer: by IP address (RFC 8656 9), and for an
 * allocation of a rendezvous credential by address and port when exact
 * (what it sends must go to a member's own address).
 */
struct relay_perm *
relay_perm_find(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer, uint64_t now, int exact)
{
	struct relay_perm	*p = relay_perms(r, a);
	unsigned		 i;

	for (i = 0; i < r->c.max_perms; i++)
		if (p[i].expires > now && p[i].family == peer->family &&
		    memcmp(p[i].ip, peer->ip, 16) == 0 &&
		    (!exact || p[i].port == peer->port))
			return (&p[i]);
	return (NULL);
}

/* The permission that lets a send to peer. */
struct relay_perm *
relay_perm_exact(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer, uint64_t now)
{
	return (relay_perm_find(r, a, peer, now, a->rdv));
}

/*
 * The permission slot peer would take: its live one, else a free one
 * (expired ones are freed on the way).  NULL when full.
 */
struct relay_perm *
relay_perm_slot(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer, uint64_t now)
{
	struct relay_perm	*p, *all = relay_perms(r, a);
	unsigned		 i;

	if ((p = relay_perm_exact(r, a, peer, now)) != NULL)
		return (p);
	for (i = 0; i < r->c.max_perms; i++) {
		if (all[i].expires != 0 && all[i].expires <= now) {
			all[i].expires = 0;
			RELAY_SUB(&r->m.perms, 1);
		}
		if (p == NULL && all[i].expires == 0)
			p = &all[i];
	}
	return (p);
}

/*
 * Install or refresh the permission for peer's IP (and port, for a
 * rendezvous credential, where every entry of one IP lives as long as
 * the IP's permission does); -1 when full.
 */
int
relay_perm_set(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer, uint64_t now)
{
	struct relay_perm	*p, *all = relay_perms(r, a);
	unsigned		 i;

	if ((p = relay_perm_slot(r, a, peer, now)) == NULL)
		return (-1);
	if (p->expires == 0) {
		p->family = peer->family;
		memcpy(p->ip, peer->ip, 16);
		p->port = a->rdv ? peer->port : 0;
		RELAY_ADD(&r->m.perms, 1);
	}
	p->expires = now + RELAY_PERM_LIFE * RELAY_MS;
	for (i = 0; a->rdv && i < r->c.max_perms; i++)
		if (all[i].expires > now && all[i].family == p->family &&
		    memcmp(all[i].ip, p->ip, 16) == 0)
			all[i].expires = p->expires;
	return (0);
}

/*
 * How many of the n peers would need a new permission slot, and whether
 * they all fit: 0, or -1 when they do not (RFC 8656 9.2: then none is
 * installed).
 */
int
relay_perms_fit(struct relay *r, const struct relay_alloc *a,
    const struct stun_addr *peer, unsigned n, uint64_t now)
{
	const struct relay_perm	*all = relay_perms(r, a);
	unsigned		 i, j, need = 0, avail = 0;

	for (i = 0; i < n; i++) {
		if (relay_perm_exact(r, a, &peer[i], now) != NULL)
			continue;
		/* The same IP (or address) twice takes one slot. */
		for (j = 0; j < i; j++)
			if (peer[j].family == peer[i].family &&
			    memcmp(peer[j].ip, peer[i].ip, 16) == 0 &&
			    (!a->rdv || peer[j].port == peer[i].port))
				break;
		if (j == i)
			need++;
	}
	for (i = 0; i < r->c.max_perms; i++)
		if (all[i].expires <= now)
			avail++;
	return (need <= avail ? 0 : -1);
}

/*
 * May the relay talk to peer?  The peer policy, where the host's own
 * addresses give way to this server's live relayed addresses: two
 * allocations here reach each other relay to relay.
 */
int
relay_peer_allowed(struct relay *r, const struct stun_addr *peer)
{
	int	v;

	v = relaypol_peer_verdict(r->acl, peer);
	if (v == RELAYPOL_OK ||
	    (v == RELAYPOL_REFUSE && relaypol_live(r->quota, peer)))
		return (1);
	RELAY_ADD(&r->m.peer_denied, 1);
	return (0);
}

/*
 * Check one XOR-PEER-ADDRESS: 0, or the error (400 malformed, 443 family
 * other than the relay's, 403 refused by policy or, for a rendezvous
 * credential, not another member's address).
 */
int
relay_peer_check(struct relay *r, const struct relay_alloc *a,
    const struct stun_msg *m, const struct stun_attr_ref *ref,
    struct stun_addr *peer)
{
	struct stun_msg	one;

	/* Decode this occurrence: a copy whose index holds only it. */
	one = *m;
	one.nattrs = 1;
	one.attrs[0] = *ref;
	if (stun_msg_get_addr(&one, STUN_ATTR_XOR_PEER_ADDRESS, peer) != 0)
		return (400);
	if (peer->family != a->relayed.family)
		return (443);
	if (!relay_peer_allowed(r, peer))
		return (403);
	if (a->rdv && !relay_rdv_peer(r, a, peer))
		return (403);
	return (0);
}

/* RFC 8656 11.2: bind ch to peer, or the error code. */
int
relay_chan_set(struct relay *r, const struct relay_alloc *a, uint16_t ch,
    const struct stun_addr *peer, uint64_t now)
{
	struct relay_chan	*c = relay_chans(r, a), *hit = NULL;
	struct relay_chan	*free_slot = NULL;
	unsigned		 i;

	for (i = 0; i < r->c.max_chans; i++) {
		if (c[i].ch != 0 && c[i].release <= now) {
			c[i].ch = 0;
			RELAY_SUB(&r->m.chans, 1);
		}
		if (c[i].ch == 0) {
			if (free_slot == NULL)
				free_slot = &c[i];
			continue;
		}
		if (c[i].ch == ch && !stun_addr_equal(&c[i].peer, peer))
			return (400);
		if (c[i].ch != ch && stun_addr_equal(&c[i].peer, peer))
			return (400);
		if (c[i].ch == ch)
			hit = &c[i];
	}
	/* Both the channel and its permission, or neither. */
	if ((hit == NULL && free_slot == NULL) ||
	    relay_perm_slot(r, a, peer, now) == NULL)
		return (508);
	if (hit == NULL) {
		hit = free_slot;
		hit->ch = ch;
		hit->peer = *peer;
		RELAY_ADD(&r->m.chans, 1);
	}
	(void)relay_perm_set(r, a, peer, now);
	hit->expires = now + RELAY_CHAN_LIFE * RELAY_MS;
	hit->release = hit->expires + RELAY_CHAN_COOL * RELAY_MS;
	return (0);
}

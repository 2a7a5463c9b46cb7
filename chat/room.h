/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The p2pchat room without I/O: one peer (chat/peer.h) per other member the
 * rendezvous announces, created with our candidates and theirs, started at
 * the server's go (or on our own shortly after the announcement, in case
 * the go was lost), closed when the member leaves.  Datagrams are offered
 * to each peer in turn; actions come out tagged with their peer.
 */
#ifndef CHAT_ROOM_H
#define CHAT_ROOM_H

#include <stdint.h>

#include "libstun/rdv.h"
#include "chat/peer.h"

#define CHAT_ROOM_MAX_PEERS	(STUN_RDV_MAX_MEMBERS)
/*
 * ms to wait for the server's go, which comes with the member list and
 * names a time a round trip or so later.  A go replaces this guess, so
 * it can be short: a lost go no longer costs the peer 1.5 s.
 */
#define CHAT_ROOM_GO_FALLBACK	400

/* Actions from chat_room_next(). */
#define CHAT_ROOM_A_WAIT	0	/* wake at .wake (0: none) */
#define CHAT_ROOM_A_PEER	1	/* .pa from .peer */
#define CHAT_ROOM_A_MEMBER	2	/* the rendezvous announced .peer */
#define CHAT_ROOM_A_LEFT	3	/* .id/.name left (.reason) */

struct chat_room_action {
	int			 kind;
	struct chat_peer	*peer;	/* PEER, MEMBER */
	struct chat_peer_action	 pa;
	uint32_t		 id;	/* LEFT (peer is gone) */
	char			 name[CHAT_NAME_MAX + 1];
	int			 was_up;	/* LEFT: a session existed */
	const char		*reason;
	uint64_t		 wake;
};

struct chat_room_slot {
	struct chat_peer	*p;
	int			 announced;
	int			 was_up;
	int			 unlisted;	/* the server forgot it; kept
						   while its path answers */
	const char		*gone;	/* left: why; reported, then freed */
};

struct chat_room {
	uint8_t		 secret[CHAT_SECRET_LEN];
	char		 name[CHAT_NAME_MAX + 1];
	uint32_t	 self_id;
	unsigned	 nlocal;
	struct stun_punch_cand local[STUN_PUNCH_MAX_LOCAL];
	uint32_t	 punch_timeout;	/* 0: the machine's default */
	stun_random_fn	 rnd;
	void		*rnd_arg;
	struct chat_room_slot slot[CHAT_ROOM_MAX_PEERS];
	uint32_t	 early_id[CHAT_ROOM_MAX_PEERS];	/* go before member */
	uint64_t	 early_at[CHAT_ROOM_MAX_PEERS];
	unsigned	 nearly;
	unsigned	 unclaimed;	/* datagrams no peer took */
	unsigned	 refused;	/* peers that could not be set up */
};

/* 0 or STUN_ERR_INVALID (name). */
int	chat_room_init(struct chat_room *r,
	    const uint8_t secret[CHAT_SECRET_LEN], const char *name);
void	chat_room_free(struct chat_room *r);
/*
 * Our local candidates, for every peer to come and every peer there is
 * (a relay allocated late); 0 or NOSPACE.
 */
int	chat_room_add_local(struct chat_room *r,
	    const struct stun_punch_cand *c);
/*
 * Our relayed candidate, new or allocated again on a new address: it
 * replaces the one we had, for every peer (chat_peer_relay_moved()).
 * 0 or NOSPACE.
 */
int	chat_room_relay(struct chat_room *r, const struct stun_punch_cand *c,
	    uint64_t now);
/*
 * The rendezvous says we are member self_id and the others are m[0..n):
 * new members get a peer, members no longer listed are closed (reason
 * "left" or "timeout" from event/event_member, else "left"), except a
 * member with a session whose path answers (chat_peer_alive()) that did
 * not send a Leave: the server restarted or lost sight of it, and the
 * chat goes on; it is closed ("timeout") once its path is lost too.
 */
void	chat_room_members(struct chat_room *r, uint32_t self_id,
	    const struct stun_rdv_member *m, unsigned n, uint8_t event,
	    uint32_t event_member, uint64_t now);
/*
 * The server's go for a peer.  0, or STUN_ERR_STATE when no such member
 * is known: the Members indication naming it was lost, so the caller
 * should ask the rendezvous for the list again.  The go is kept and
 * starts the member as soon as a list names it.
 */
int	chat_room_go(struct chat_room *r, uint32_t peer_id, uint64_t at);
/* Offer a datagram to every peer: 0 when one took it, else NOT_STUN. */
int	chat_room_input(struct chat_room *r, unsigned sock,
	    const struct stun_addr *from, const uint8_t *buf, size_t len,
	    uint64_t now);
void	chat_room_timer(struct chat_room *r, uint64_t now);
/* Next action; call until CHAT_ROOM_A_WAIT. */
void	chat_room_next(struct chat_room *r, uint64_t now,
	    struct chat_room_action *a);
/*
 * We are a new member (the server forgot us and we registered again):
 * every peer is closed and reported LEFT with reason; the next member
 * list brings them back under our new id.
 */
void	chat_room_reset(struct chat_room *r, const char *reason);
/* Close every peer (we are leaving): their queues end UNDELIVERED. */
void	chat_room_close(struct chat_room *r, const char *reason);
/* Messages still waiting for DELIVERED/UNDELIVERED, over all peers. */
unsigned chat_room_pending(const struct chat_room *r);
/* The i-th peer slot (NULL when empty), for iteration. */
struct chat_peer *chat_room_peer(struct chat_room *r, unsigned i);

#endif /* CHAT_ROOM_H */

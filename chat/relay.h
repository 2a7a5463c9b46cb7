/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TURN relay without I/O: one allocation (libstun/turn.h) on
 * p2pchat's socket, seen by the punch machines as local socket
 * CHAT_SOCK_RELAY.  The caller feeds the TURN server's datagrams, the
 * timer and the sends of the relayed paths, and drains actions: send to
 * the server, the relay is up (register its address), lost, failed, data
 * from a peer.  Nothing here calls out.  An allocation lost after it was
 * up (a refresh failed, the server restarted) is made again, with backoff,
 * for as long as p2pchat runs; the new relayed address replaces the old
 * candidate.
 */
#ifndef CHAT_RELAY_H
#define CHAT_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/turn.h"

#define CHAT_SOCK_MAIN		0
#define CHAT_SOCK_RELAY		1
#define CHAT_RELAY_WAIT		5000	/* ms for the allocation at start */
#define CHAT_RELAY_RETRY	1000	/* ms before allocating again, */
#define CHAT_RELAY_RETRY_MAX	30000	/* doubling up to this */
#define CHAT_RELAY_CHECK_MIN	2000	/* ms between forced refreshes */

#define CHAT_RELAY_S_IDLE	0
#define CHAT_RELAY_S_ALLOCATING	1
#define CHAT_RELAY_S_UP		2
#define CHAT_RELAY_S_FAILED	3
#define CHAT_RELAY_S_CLOSED	4
#define CHAT_RELAY_S_RETRY	5	/* lost: allocating again at retry_at */
#define CHAT_RELAY_S_DELETING	6	/* lost: deleting the old allocation */

/* Actions from chat_relay_next(). */
#define CHAT_RELAY_A_WAIT	0	/* nothing; wake at .wake (0: none) */
#define CHAT_RELAY_A_SEND	1	/* send buf/len to .to (the server) */
#define CHAT_RELAY_A_UP		2	/* allocated (again) at .relayed */
#define CHAT_RELAY_A_LOST	3	/* an allocation that was up is gone:
					   .reason; .again: allocating anew */
#define CHAT_RELAY_A_DATA	4	/* .peer sent buf/len through us */
#define CHAT_RELAY_A_FAILED	5	/* no allocation: .reason, .shown,
					   .fatal, .offered */
#define CHAT_RELAY_A_NONE	6	/* relay only, and the rendezvous
					   server offers none */
#define CHAT_RELAY_A_DENIED	7	/* a permission or channel for .peer
					   was refused: .reason */

struct chat_relay_action {
	int		 kind;
	struct stun_addr to;		/* SEND */
	const uint8_t	*buf;		/* SEND, DATA: valid until next call */
	size_t		 len;
	struct stun_addr peer;		/* DATA, DENIED */
	struct stun_addr relayed;	/* UP */
	struct stun_addr server;	/* the TURN server, every kind */
	const char	*reason;	/* LOST, FAILED, DENIED */
	int		 again;		/* LOST: allocating anew */
	int		 shown;		/* FAILED: worth a "relay" event */
	int		 fatal;		/* FAILED: relay only, so stop */
	int		 offered;	/* FAILED: the server's offer */
	uint64_t	 wake;		/* WAIT */
};

struct chat_relay {
	int		 on;		/* configured, or offered */
	int		 force;		/* relay paths only */
	int		 off;		/* ignore the server's offer */
	int		 again;		/* lost once: allocating again */
	int		 from_offer;	/* the rendezvous server's credential */
	struct stun_turn turn;
	struct stun_turn held;		/* the machine as allocated */
	int		 have_held;
	struct stun_turn_config cred;	/* for allocating again */
	uint32_t	 backoff;	/* ms, allocating again */
	uint64_t	 retry_at;
	uint64_t	 check_at;	/* no forced refresh before */
	struct stun_addr server;
	int		 state;		/* CHAT_RELAY_S_* */
	uint64_t	 deadline;	/* ALLOCATING: give up then */
	struct stun_addr relayed;
	/* Reports due before the TURN machine's next action. */
	int		 pend_none;
	int		 pend_failed;
	const char	*reason;
	int		 shown, fatal, offered;
	uint8_t		 out[STUN_TURN_MSG_MAX];	/* wrapped send */
};

/*
 * A relay that does nothing until configured or offered.  force: only
 * relayed paths will do (a relay that cannot be had is fatal); off:
 * ignore the rendezvous server's offer.
 */
void	chat_relay_init(struct chat_relay *rl, int force, int off);
/*
 * Use the credential c (--relay): 0 or STUN_ERR_INVALID.  c can be
 * cleansed on return.
 */
int	chat_relay_configure(struct chat_relay *rl,
	    const struct stun_turn_config *c);
/*
 * Start the allocation configured: 1 when registering waits for it (UP
 * or FAILED follows), 0 when there is none (register now).
 */
int	chat_relay_begin(struct chat_relay *rl, uint64_t now);
/*
 * The rendezvous server at server offers the credential user/pass (empty
 * user: none): allocate on it unless a relay is configured or refused.
 * Returns 1 when an allocation started, else 0.  Offered again (after a
 * re-registration) to a relay that took the first offer, it replaces the
 * credential used to allocate again.
 */
int	chat_relay_offered(struct chat_relay *rl,
	    const struct stun_addr *server, const char *user,
	    const char *pass, uint64_t now);
int	chat_relay_up(const struct chat_relay *rl);
/*
 * A datagram from from: 0 when it was the TURN server's (drain the
 * actions before the next input: DATA points into buf), -1 when it is
 * someone else's to handle.
 */
int	chat_relay_input(struct chat_relay *rl, const struct stun_addr *from,
	    const uint8_t *buf, size_t len, uint64_t now);
void	chat_relay_timer(struct chat_relay *rl, uint64_t now);
/* Next action; call until CHAT_RELAY_A_WAIT. */
void	chat_relay_next(struct chat_relay *rl, uint64_t now,
	    struct chat_relay_action *a);
/*
 * What a peer sends from CHAT_SOCK_RELAY to to, wrapped into rl->out for
 * the TURN server (rl->server): the length, or STUN_ERR_STATE when the
 * relay is not up, or another STUN_ERR_*.  A permission for to is asked
 * for first when there is none; its request comes out of next.
 */
int	chat_relay_wrap(struct chat_relay *rl, const struct stun_addr *to,
	    const uint8_t *buf, size_t len, uint64_t now);
/* A peer's path goes through the relay to to: bind a channel. */
void	chat_relay_path(struct chat_relay *rl, const struct stun_addr *to,
	    uint64_t now);
/*
 * The relay may be gone (the rendezvous server came back, a relayed path
 * lost consent): refresh the allocation now, at most every
 * CHAT_RELAY_CHECK_MIN ms.  A server that restarted answers 437 and the
 * relay is reported LOST and allocated again.
 */
void	chat_relay_check(struct chat_relay *rl, uint64_t now);
/* Deallocate (best effort) when leaving; nothing is reported after. */
void	chat_relay_leave(struct chat_relay *rl, uint64_t now);
/* Wipe the credential. */
void	chat_relay_clear(struct chat_relay *rl);

#endif /* CHAT_RELAY_H */

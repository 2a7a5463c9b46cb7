/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TURN relay (relay.c): one allocation on p2pchat's socket, seen
 * by the punch machines as local socket CHAT_SOCK_RELAY.  p2pchat.c hands
 * it the datagrams from the TURN server, its timer and the sends of the
 * relayed paths; it calls back into p2pchat.c to send, show events,
 * register and deliver what the peers send through it.  An allocation
 * lost after it was up (a refresh failed) is made once more; the new
 * relayed address replaces the old candidate, here and at the peers.
 */
#ifndef CHAT_RELAY_H
#define CHAT_RELAY_H

#include <stdint.h>

#include "libstun/rdv.h"
#include "libstun/turn.h"

#define CHAT_SOCK_MAIN		0
#define CHAT_SOCK_RELAY		1
#define CHAT_RELAY_WAIT		5000	/* ms for the allocation at start */

#define CHAT_RELAY_S_IDLE	0
#define CHAT_RELAY_S_ALLOCATING	1
#define CHAT_RELAY_S_UP		2
#define CHAT_RELAY_S_FAILED	3
#define CHAT_RELAY_S_CLOSED	4

struct chat_ctx;
struct chat_room;

struct chat_relay {
	struct chat_ctx	*ctx;		/* sends, events, registration */
	int		 on;		/* --relay, or offered by the server */
	int		 force;		/* relay paths only */
	int		 off;		/* --no-relay: ignore the offer */
	int		 again;		/* allocated again once: no more */
	struct stun_turn turn;
	struct stun_addr server;
	int		 state;		/* CHAT_RELAY_S_* */
	uint64_t	 deadline;	/* ALLOCATING: register without */
	struct stun_addr relayed;
	uint8_t		 out[STUN_TURN_MSG_MAX];	/* wrapped send */
};

/*
 * --relay turn:USER:PASS@HOST[:PORT]: 0, or the exit status after saying
 * what is wrong on stderr.
 */
int	chat_relay_setup(struct chat_relay *rl, const char *arg);
/*
 * Start the allocation --relay asked for: 1 when registering waits for
 * it, 0 when there is none (chat_register() now).
 */
int	chat_relay_begin(struct chat_relay *rl, uint64_t now);
/*
 * The rendezvous server (at server, named name on the command line)
 * offers a credential in a JOINED action: use it unless a relay is
 * configured or refused.
 */
void	chat_relay_offered(struct chat_relay *rl,
	    const struct stun_addr *server, const char *name,
	    const struct stun_rdv_action *a, uint64_t now);
int	chat_relay_up(const struct chat_relay *rl);
/*
 * Add the relayed address to the candidates we register and pair, or
 * put it in place of the old one once the relay was allocated again.
 */
void	chat_relay_cand(const struct chat_relay *rl,
	    struct stun_rdv_config *rc, struct chat_room *room, uint64_t now);
/*
 * A datagram from from: 0 when it was the TURN server's (and handled),
 * -1 when it is someone else's to handle.
 */
int	chat_relay_input(struct chat_relay *rl, const struct stun_addr *from,
	    const uint8_t *buf, size_t len, uint64_t now);
void	chat_relay_timer(struct chat_relay *rl, uint64_t now);
/* Run the TURN machine's actions; its next wake-up, 0 for none. */
uint64_t chat_relay_pump(struct chat_relay *rl, uint64_t now);
/* What a peer sends from CHAT_SOCK_RELAY to to: wrap it and send it. */
void	chat_relay_sendto(struct chat_relay *rl, const struct stun_addr *to,
	    const uint8_t *buf, size_t len);
/* A peer's path goes through the relay to to: bind a channel. */
void	chat_relay_path(struct chat_relay *rl, const struct stun_addr *to,
	    uint64_t now);
/* Deallocate (best effort) when leaving. */
void	chat_relay_leave(struct chat_relay *rl, uint64_t now);
void	chat_relay_clear(struct chat_relay *rl);

#endif /* CHAT_RELAY_H */

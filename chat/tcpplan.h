/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * TCP hole punching without I/O: when to connect to which TCP candidate
 * of a peer (simultaneous open from the port we listen on, timed by the
 * rendezvous go, tried again for a bounded time when a SYN is refused or
 * goes unanswered), and how a datagram travels on a TCP stream between
 * peers: one ChannelData frame (RFC 8656 12.5 framing, padded to 4) on
 * CHAT_TCPP_CHANNEL per datagram.
 */
#ifndef CHAT_TCPPLAN_H
#define CHAT_TCPPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_TCPP_MAX		32	/* targets (peer, TCP candidate) */
#define CHAT_TCPP_WINDOW	5000	/* ms connects are tried after a go */
#define CHAT_TCPP_RETRY		150	/* ms between two connects to one */
#define CHAT_TCPP_SYN_WAIT	1500	/* ms a connect may take */
#define CHAT_TCPP_CHANNEL	0x4000	/* the channel datagrams go on */
#define CHAT_TCPP_DGRAM_MAX	2048	/* bytes of a datagram carried */
/*
 * The type preference of a TCP candidate in the punch machine: below a
 * UDP server-reflexive one (100), above a relayed one (0), so that a
 * direct UDP path wins over a direct TCP one, which wins over a relay.
 */
#define CHAT_TCPP_TYPE_PREF	50

/* Target states. */
#define CHAT_TCPP_T_WAIT	0	/* connect at next_at */
#define CHAT_TCPP_T_CONNECTING	1
#define CHAT_TCPP_T_UP		2	/* a stream is connected */
#define CHAT_TCPP_T_OVER	3	/* the window passed */

struct chat_tcpp_target {
	uint32_t	 peer_id;
	struct stun_addr addr;
	int		 state;
	unsigned	 attempts;
	uint64_t	 next_at;	/* WAIT: connect then; CONNECTING:
					   give the attempt up then */
	uint64_t	 until;		/* the end of the window */
};

struct chat_tcpp {
	struct chat_tcpp_target t[CHAT_TCPP_MAX];
	unsigned	 n;
};

/* Priority of a TCP candidate the member listed i-th. */
uint32_t chat_tcpp_priority(unsigned i);
/* Is prio a TCP candidate's priority (chat_tcpp_priority())? */
int	chat_tcpp_is_tcp(uint32_t prio);
void	chat_tcpp_init(struct chat_tcpp *);
/*
 * The go for peer_id with its TCP candidate addr: connect from now on,
 * within CHAT_TCPP_WINDOW.  A target up stays up.  0, or
 * STUN_ERR_NOSPACE.
 */
int	chat_tcpp_go(struct chat_tcpp *, uint32_t peer_id,
	    const struct stun_addr *addr, uint64_t now);
/*
 * The next connect to start at now: 1 with *to set (its state is then
 * CONNECTING), else 0 with *wake the time of the next event (0: none).
 */
int	chat_tcpp_next(struct chat_tcpp *, uint64_t now, struct stun_addr *to,
	    uint64_t *wake);
/*
 * A stream with addr came up (connected, or accepted from it: 1), or the
 * connect to it failed or the stream closed (0): tried again after
 * CHAT_TCPP_RETRY while the window lasts.
 */
void	chat_tcpp_result(struct chat_tcpp *, const struct stun_addr *addr,
	    int up, uint64_t now);
/* Is a connect to addr taking too long?  1: give it up (then result 0). */
int	chat_tcpp_overdue(const struct chat_tcpp *, const struct stun_addr *,
	    uint64_t now);
/* Forget peer_id's targets (it left). */
void	chat_tcpp_forget(struct chat_tcpp *, uint32_t peer_id);
/*
 * A datagram as a stream frame into out: its length, or STUN_ERR_TOO_BIG
 * / STUN_ERR_NOSPACE.
 */
int	chat_tcpp_frame(uint8_t *out, size_t cap, const uint8_t *dgram,
	    size_t len);
/*
 * A frame pulled from a peer's stream: the datagram it carries (0), or
 * STUN_ERR_* when the frame is not one of ours (close the stream).
 */
int	chat_tcpp_unframe(const uint8_t *frame, size_t len,
	    const uint8_t **dgram, size_t *dlen);

#endif /* CHAT_TCPPLAN_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Going back to UDP without I/O: a server that p2pchat, left to choose,
 * reaches over TCP or TLS because UDP went unanswered is asked now and
 * then over UDP (a STUN Binding request) whether UDP works again; the
 * answer says when to move back.  The wait between two probes doubles, so
 * a network that blocks UDP for good costs one small datagram every few
 * minutes, and a return that did not hold starts its next fallback's
 * probes where the last ones left off, not from the first wait again.
 */
#ifndef CHAT_UDPBACK_H
#define CHAT_UDPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_UDPB_FIRST		30000	/* ms from a stream heard to the
					   first probe, */
#define CHAT_UDPB_MAX		300000	/* doubling up to this */
#define CHAT_UDPB_HOLD		300000	/* ms on UDP again before the next
					   fallback starts at the first wait */
#define CHAT_UDPB_MSG		20	/* bytes of a probe */

struct chat_udpb {
	uint32_t	 first;		/* ms, the first wait */
	uint32_t	 wait;		/* ms, the next wait */
	uint64_t	 probe_at;	/* the next probe (0: not probing) */
	uint64_t	 back_at;	/* the last return to UDP (0: none) */
	int		 out;		/* a probe is unanswered: tid */
	uint8_t		 tid[STUN_TID_LEN];
	unsigned	 probes;	/* sent, all told */
	unsigned	 returns;	/* answered: back to UDP */
};

/* Not probing; first: the first wait in ms (0: CHAT_UDPB_FIRST). */
void	chat_udpb_init(struct chat_udpb *, uint32_t first);
/*
 * The server answers over a stream, UDP given up: probe from now on,
 * the first wait after now (or the wait reached, when the last return to
 * UDP is less than CHAT_UDPB_HOLD old).
 */
void	chat_udpb_arm(struct chat_udpb *, uint64_t now);
/* Back on UDP, or the stream lost: no more probes. */
void	chat_udpb_stop(struct chat_udpb *);
/*
 * At now, a probe into buf (cap bytes, CHAT_UDPB_MSG will do) when one is
 * due: its length, 0 when none is due, or a STUN_ERR_*.  held: the
 * stream carries what UDP cannot take over (a TURN allocation lives and
 * dies with its connection), so no probe, and the wait goes on.  rnd,
 * arg: the transaction id's randomness (NULL: RAND_bytes).
 */
int	chat_udpb_probe(struct chat_udpb *, uint64_t now, int held,
	    stun_random_fn rnd, void *arg, uint8_t *buf, size_t cap);
/*
 * A datagram from the server over UDP: 1 when it answers the probe (move
 * back to UDP now; probing stops), else 0 (not ours: hand it on).
 */
int	chat_udpb_input(struct chat_udpb *, const uint8_t *buf, size_t len,
	    uint64_t now);
/* When the next probe is due (0: none). */
uint64_t chat_udpb_wake(const struct chat_udpb *);

#endif /* CHAT_UDPBACK_H */

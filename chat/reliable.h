/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Reliable, ordered delivery of messages (up to 64 KiB) to one peer over
 * an unreliable datagram path, without I/O: fragmentation under an MTU,
 * cumulative + selective acknowledgements, retransmission with bounded
 * exponential backoff, de-duplication and in-order delivery, with caps on
 * queued and reassembly memory.  Every message sent ends in exactly one
 * DELIVERED or UNDELIVERED event.  Frames: doc/p2pchat-wire.md.
 */
#ifndef CHAT_RELIABLE_H
#define CHAT_RELIABLE_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_REL_MSG_MAX	65536	/* bytes per message */
#define CHAT_REL_WINDOW		64	/* fragments in flight / held */
#define CHAT_REL_WINDOW_INIT	8	/* until the peer advertises one */
#define CHAT_REL_DATA_HDR	20
#define CHAT_REL_ACK_LEN	16
#define CHAT_REL_FRAME_DATA	0x01
#define CHAT_REL_FRAME_ACK	0x02
#define CHAT_REL_FRAME_FORWARD	0x03
#define CHAT_REL_FWD_LEN	8

#define CHAT_REL_MTU_DEFAULT	1200
#define CHAT_REL_MTU_MIN	(CHAT_REL_DATA_HDR + 16)
#define CHAT_REL_RTO_DEFAULT	250	/* ms */
#define CHAT_REL_RTO_MAX	2000	/* ms, backoff ceiling */
#define CHAT_REL_ATTEMPTS	16	/* sends per fragment */
#define CHAT_REL_TIMEOUT	30000	/* ms per message */
#define CHAT_REL_MAX_TX		(256 * 1024)
#define CHAT_REL_MAX_MSGS	256
#define CHAT_REL_MAX_RX		(192 * 1024)

struct chat_rel_config {
	size_t		mtu;		/* datagram size (0: 1200) */
	size_t		overhead;	/* of the layers below (sealing) */
	uint32_t	rto;		/* first retransmission, ms */
	uint32_t	rto_max;	/* backoff ceiling, ms */
	unsigned	attempts;	/* sends per fragment, then give up */
	uint32_t	timeout;	/* ms from send to giving up */
	size_t		max_tx;		/* bytes of unacknowledged messages */
	unsigned	max_msgs;	/* messages queued */
	size_t		max_rx;		/* bytes held out of order */
};

/* Actions from chat_rel_next(). */
#define CHAT_REL_NONE		0	/* nothing; wake at chat_rel_wake() */
#define CHAT_REL_SEND		1	/* send buf[0..len) to the peer */
#define CHAT_REL_MESSAGE	2	/* message id arrived: buf[0..len) */
#define CHAT_REL_DELIVERED	3	/* message id was acknowledged */
#define CHAT_REL_UNDELIVERED	4	/* gave up on message id */

struct chat_rel_action {
	int		 kind;
	uint32_t	 id;
	const uint8_t	*buf;		/* valid until the next call */
	size_t		 len;
};

struct chat_rel_txmsg;

struct chat_rel_slot {
	uint8_t		*data;
	size_t		 len;
	uint32_t	 seq;
	uint32_t	 id;
	uint16_t	 idx, cnt;
	int		 used;
};

struct chat_rel_stats {
	uint64_t	sent, resent, acks_sent;
	uint64_t	dups, dropped_window, dropped_mem, bad;
	uint64_t	skipped;	/* fragments given up by the sender */
};

struct chat_rel {
	struct chat_rel_config c;
	size_t		 payload;	/* bytes per fragment */
	/* Sender. */
	struct chat_rel_txmsg *head, *tail;
	unsigned	 nmsgs;
	size_t		 tx_bytes;
	uint32_t	 next_id;
	uint32_t	 snd_nxt;	/* next fragment sequence number */
	uint32_t	 snd_una;	/* lowest fragment still resent */
	uint32_t	 peer_cum;	/* highest cumulative ack seen */
	unsigned	 peer_wnd;	/* fragments it takes past snd_una */
	uint32_t	 fwd_base;	/* FORWARD being sent */
	unsigned	 fwd_sends;
	uint64_t	 fwd_next;
	/* Receiver. */
	uint32_t	 rcv_next;	/* lowest sequence not yet consumed */
	struct chat_rel_slot slots[CHAT_REL_WINDOW];
	size_t		 rx_bytes;	/* in slots; reassembly is rcap */
	size_t		 rx_frag_max;	/* largest fragment seen */
	uint8_t		*rbuf;		/* reassembly of the head message */
	size_t		 rlen, rcap;
	uint32_t	 rid;
	uint16_t	 rnext, rcnt;
	int		 ractive;
	int		 rready;	/* rbuf holds a message handed out */
	int		 ack_pending;
	uint32_t	 skip_to;	/* sender's base, when ahead */
	int		 skip_valid;
	uint8_t		*out;		/* one frame, mtu bytes */
	struct chat_rel_stats st;
};

/* c may be NULL for the defaults.  0, STUN_ERR_INVALID or NOSPACE. */
int	chat_rel_init(struct chat_rel *r, const struct chat_rel_config *c);
void	chat_rel_free(struct chat_rel *r);
/*
 * Queue a message (len <= CHAT_REL_MSG_MAX) at now; *id is its id.  0,
 * STUN_ERR_TOO_BIG, or STUN_ERR_NOSPACE when the caps are reached (the
 * caller tells the user; nothing is dropped silently).
 */
int	chat_rel_send(struct chat_rel *r, const uint8_t *msg, size_t len,
	    uint64_t now, uint32_t *id);
/*
 * A frame arrived (already authenticated by the layer below).  0, or
 * STUN_ERR_TRUNCATED / BAD_ATTR / NOT_STUN for a malformed frame.
 */
int	chat_rel_input(struct chat_rel *r, const uint8_t *frame, size_t len,
	    uint64_t now);
/* Next action; call until CHAT_REL_NONE after each input, send or wake. */
int	chat_rel_next(struct chat_rel *r, uint64_t now,
	    struct chat_rel_action *a);
/*
 * When chat_rel_next() has work again (a time at or before now: at once);
 * 0 when nothing is scheduled.
 */
uint64_t chat_rel_wake(const struct chat_rel *r);
/* Messages queued and not yet reported. */
unsigned chat_rel_pending(const struct chat_rel *r);

#endif /* CHAT_RELIABLE_H */

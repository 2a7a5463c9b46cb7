/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Bulk transport to one peer, without I/O: an ordered, reliable stream of
 * records (each fits one datagram) with RFC 6298 round-trip estimation,
 * CUBIC congestion control (RFC 9438), selective acknowledgements with
 * ranges, fast retransmission and pacing.  It runs inside the sealed DATA
 * packets next to the chat lines' frames, which the caller sends first.
 * Memory is bounded by the window.  Frames: doc/p2pchat-wire.md.
 */
#ifndef CHAT_BULK_H
#define CHAT_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

/* Frame types, after the chat lines' 0x01-0x03. */
#define CHAT_BULK_FRAME_DATA	0x10
#define CHAT_BULK_FRAME_ACK	0x11
#define CHAT_BULK_IS_FRAME(b)	((b) == CHAT_BULK_FRAME_DATA || \
				 (b) == CHAT_BULK_FRAME_ACK)

#define CHAT_BULK_DATA_HDR	12	/* type, 0, 0 (16), seq, ts */
#define CHAT_BULK_ACK_HDR	16	/* type, n, wnd, cum, ts echo, 0 */
#define CHAT_BULK_RANGES	16	/* SACK ranges per ACK */
#define CHAT_BULK_ACK_MAX	(CHAT_BULK_ACK_HDR + 8 * CHAT_BULK_RANGES)

#define CHAT_BULK_WINDOW	1024	/* records in flight or held (2^n) */
#define CHAT_BULK_IW		10	/* initial window, RFC 6928 */
#define CHAT_BULK_RTO_INIT	1000	/* ms, RFC 6298 2.1 */
#define CHAT_BULK_RTO_MIN	200	/* ms */
#define CHAT_BULK_RTO_MAX	8000	/* ms, backoff ceiling */
#define CHAT_BULK_PTO_MIN	10	/* ms, tail loss probe */
#define CHAT_BULK_TIMEOUT	30000	/* ms without progress: give up */
#define CHAT_BULK_REORDER	3	/* later sends acknowledged: lost */
#define CHAT_BULK_ACK_DELAY	2	/* ms a peer may hold an ACK */
#define CHAT_BULK_SRTT_FLOOR	0.1	/* ms, least RTT the pacing assumes */

struct chat_bulk_config {
	size_t		mtu;		/* datagram size (0: 1200) */
	size_t		overhead;	/* of the layers below (sealing) */
	unsigned	window;		/* power of 2, <= CHAT_BULK_WINDOW */
	uint32_t	timeout;	/* ms; 0: CHAT_BULK_TIMEOUT */
};

/* Actions from chat_bulk_next(). */
#define CHAT_BULK_A_NONE	0	/* nothing; wake at .wake (0: none) */
#define CHAT_BULK_A_SEND	1	/* send buf[0..len) to the peer */
#define CHAT_BULK_A_RECORD	2	/* the next record: buf[0..len) */
#define CHAT_BULK_A_FAILED	3	/* no progress for the timeout */

struct chat_bulk_action {
	int		 kind;
	const uint8_t	*buf;		/* valid until the next call */
	size_t		 len;
	uint64_t	 wake;
};

struct chat_bulk_stats {
	uint64_t	sent, resent, fast, timeouts, acks_sent, acks;
	uint64_t	delivered, dups, dropped, bad;
	uint64_t	reductions;	/* congestion events */
	uint64_t	probes;		/* tail loss probes */
};

struct chat_bulk_tx;
struct chat_bulk_rx;

struct chat_bulk {
	struct chat_bulk_config c;
	size_t		 payload;	/* bytes per record */
	unsigned	 mask;		/* window - 1 */
	/* Sender: records in [una, end), sent up to nxt. */
	struct chat_bulk_tx *tx;	/* window slots, on first send */
	uint8_t		*txbuf;
	uint32_t	 una, nxt, end;
	uint32_t	 peer_wnd;	/* records past una it holds */
	unsigned	 inflight;	/* sent, not acknowledged or lost */
	unsigned	 nlost;		/* waiting to be sent again */
	uint64_t	 xmit;		/* transmissions so far */
	uint64_t	 high_xmit;	/* latest one acknowledged */
	uint64_t	 recover_xmit;	/* losses before it: same event */
	uint64_t	 progress_at;	/* last ack of new data (or start) */
	uint64_t	 rto_at;	/* 0: no timer */
	uint64_t	 rack_at;	/* a record may be lost by then */
	uint64_t	 pto_at;	/* tail loss probe; 0: none */
	int		 failed;
	int		 fail_told;
	/* RFC 6298, in ms. */
	int		 have_rtt;
	uint32_t	 srtt_us, rttvar_us;	/* scaled by 1000 */
	uint32_t	 rto;
	unsigned	 backoff;
	/* CUBIC, RFC 9438, in records. */
	double		 cwnd, ssthresh, w_max, w_est, cwnd_epoch, k;
	uint64_t	 epoch;		/* congestion avoidance start; 0 none */
	int		 cwnd_limited;	/* the window stopped a send */
	/* Pacing. */
	double		 tokens;
	uint64_t	 tokens_at;
	/* Receiver: records from rcv_nxt on, up to rcv_high. */
	struct chat_bulk_rx *rx;
	uint8_t		*rxbuf;
	uint32_t	 rcv_nxt, rcv_high;
	unsigned	 ack_pending;
	int		 ack_now;
	uint64_t	 ack_due;
	uint32_t	 ts_echo;
	uint8_t		*out;		/* one frame */
	uint32_t	 gen;		/* resets so far */
	struct chat_bulk_stats st;
};

/* c may be NULL for the defaults.  0, STUN_ERR_INVALID or NOSPACE. */
int	chat_bulk_init(struct chat_bulk *b, const struct chat_bulk_config *c);
void	chat_bulk_free(struct chat_bulk *b);
/* Start over (a new session): both sides do.  gen counts up. */
int	chat_bulk_reset(struct chat_bulk *b);
/* Largest record chat_bulk_send() takes. */
size_t	chat_bulk_payload(const struct chat_bulk *b);
/* How many records chat_bulk_send() takes now. */
unsigned chat_bulk_space(const struct chat_bulk *b);
/*
 * Queue a record (1..payload bytes) at now.  0, STUN_ERR_TOO_BIG,
 * STUN_ERR_NOSPACE (the window is full: try after the next action), or
 * STUN_ERR_STATE once failed.
 */
int	chat_bulk_send(struct chat_bulk *b, const uint8_t *rec, size_t len,
	    uint64_t now);
/*
 * A frame arrived (authenticated by the layer below).  0, or
 * STUN_ERR_TRUNCATED / BAD_ATTR / NOT_STUN for a malformed frame.
 */
int	chat_bulk_input(struct chat_bulk *b, const uint8_t *frame, size_t len,
	    uint64_t now);
/* Next action; call until CHAT_BULK_A_NONE after each input or send. */
void	chat_bulk_next(struct chat_bulk *b, uint64_t now,
	    struct chat_bulk_action *a);
/* Every record queued was acknowledged. */
int	chat_bulk_idle(const struct chat_bulk *b);
/* The congestion window in records, and the smoothed RTT in us. */
unsigned chat_bulk_cwnd(const struct chat_bulk *b);
uint32_t chat_bulk_srtt(const struct chat_bulk *b);

#endif /* CHAT_BULK_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Client transactions (RFC 8489 6.2): retransmission over unreliable
 * transports (RTO doubling, Rc sends, Rm * RTO after the last), the Ti
 * timeout over reliable ones, and an RTO cache per server (RFC 8489 6.2.1,
 * RFC 6298).  Nothing here does I/O or reads a clock: callers pass now in
 * monotonic milliseconds and act on what comes back.
 */
#ifndef LIBSTUN_TXN_H
#define LIBSTUN_TXN_H

#include <libstun/stun.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_RTO_DEFAULT	500	/* ms, RFC 8489 6.2.1 */
#define STUN_RTO_MIN		100	/* ms, floor for cached estimates */
#define STUN_RC_DEFAULT		7
#define STUN_RM_DEFAULT		16
#define STUN_TI_DEFAULT		39500	/* ms, reliable transports */
#define STUN_RTO_CACHE_MS	600000	/* 10 minutes */

/* What the caller must do after a call. */
#define STUN_TXN_WAIT		0	/* nothing now; wake at stun_txn_next() */
#define STUN_TXN_SEND		1	/* (re)send the request, then wait */
#define STUN_TXN_DONE		2	/* a response was accepted */
#define STUN_TXN_TIMEOUT	3	/* give up: no response */

struct stun_txn_params {
	uint32_t	rto;		/* initial RTO, ms (0: default) */
	unsigned	rc;		/* total sends (0: default 7) */
	unsigned	rm;		/* last wait = rm * rto (0: default 16) */
	uint32_t	ti;		/* reliable timeout, ms (0: 39500) */
	int		reliable;	/* TCP/TLS: send once, wait ti */
};

struct stun_txn {
	struct stun_txn_params p;
	uint8_t		tid[STUN_TID_LEN];
	int		state;		/* STUN_TXN_WAIT, _DONE or _TIMEOUT */
	unsigned	sent;		/* sends so far */
	uint32_t	cur_rto;	/* RTO for the next interval */
	uint64_t	start;		/* time of the first send */
	uint64_t	last_send;
	uint64_t	next;		/* next wake-up */
	uint32_t	rtt;		/* sample, valid when DONE and sent == 1 */
};

/*
 * Start a transaction at now.  Returns STUN_TXN_SEND: the caller sends the
 * request once.  p may be NULL for the defaults.
 */
STUN_API int stun_txn_start(struct stun_txn *t,
    const struct stun_txn_params *p, const uint8_t tid[STUN_TID_LEN],
    uint64_t now);
/* The time the caller must call stun_txn_timer() next (0 when finished). */
STUN_API uint64_t stun_txn_next(const struct stun_txn *t);
/*
 * The timer fired (or the caller polls).  Returns STUN_TXN_SEND (send the
 * same request again), STUN_TXN_WAIT (too early) or STUN_TXN_TIMEOUT.
 */
STUN_API int stun_txn_timer(struct stun_txn *t, uint64_t now);
/*
 * A decoded message arrived.  Returns STUN_TXN_DONE when it is a response
 * (success or error class) with this transaction's id, STUN_TXN_WAIT when
 * it is not ours or the transaction already ended.  An RTT sample is kept
 * only when the request was sent once (Karn's rule).
 */
STUN_API int stun_txn_input(struct stun_txn *t, const struct stun_msg *m,
    uint64_t now);

/*
 * RTO cache per server address (RFC 6298 SRTT/RTTVAR), fixed size with
 * least-recently-used eviction; entries expire after STUN_RTO_CACHE_MS.
 */
#define STUN_RTO_CACHE_SIZE	16
struct stun_rto_entry {
	struct stun_addr server;
	uint32_t	srtt;
	uint32_t	rttvar;
	uint32_t	rto;
	uint64_t	updated;
	int		used;
};
struct stun_rto_cache {
	struct stun_rto_entry e[STUN_RTO_CACHE_SIZE];
};
STUN_API void stun_rto_cache_init(struct stun_rto_cache *c);
/* RTO to use for server at now: cached if fresh, else STUN_RTO_DEFAULT. */
STUN_API uint32_t stun_rto_cache_get(const struct stun_rto_cache *c,
    const struct stun_addr *server, uint64_t now);
/* Feed an RTT sample (ms) for server. */
STUN_API void stun_rto_cache_update(struct stun_rto_cache *c,
    const struct stun_addr *server, uint32_t rtt, uint64_t now);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_TXN_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Hole punching (ICE-like, RFC 8445 in spirit) as an I/O-free machine.  The
 * caller owns the sockets (index i = local candidate base) and feeds
 * "datagram arrived on socket i from A" and "timer"; the machine hands back
 * "send these bytes from socket i to A", "wake me at T", "pair nominated",
 * "path changed" and "failed".  Checks are STUN Binding requests with
 * USERNAME "remote:local", PRIORITY, ICE-CONTROLLING/CONTROLLED,
 * USE-CANDIDATE, MESSAGE-INTEGRITY under a shared per-pair key and
 * FINGERPRINT.  Pairs are checked in priority order (host pairs first, then
 * server-reflexive, relay last), one check per pacing interval.
 */
#ifndef LIBSTUN_PUNCH_H
#define LIBSTUN_PUNCH_H

#include <libstun/stun.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_PUNCH_MAX_LOCAL	8
#define STUN_PUNCH_MAX_REMOTE	16	/* including peer-reflexive */
#define STUN_PUNCH_MAX_PAIRS	(STUN_PUNCH_MAX_LOCAL * STUN_PUNCH_MAX_REMOTE)
#define STUN_PUNCH_UFRAG_MAX	(32)
#define STUN_PUNCH_KEY_MAX	(64)
#define STUN_PUNCH_MSG_MAX	(192)	/* our checks are small */
#define STUN_PUNCH_OUTQ		16

#define STUN_PUNCH_PACE		20	/* ms between checks */
#define STUN_PUNCH_RTO		100	/* ms, first retransmission */
#define STUN_PUNCH_RTO_MAX	400	/* ms, backoff ceiling */
#define STUN_PUNCH_TIMEOUT	5000	/* ms without a nominated pair */
#define STUN_PUNCH_KEEPALIVE	15000	/* ms */
/*
 * Consent (RFC 7675 in spirit, on a shorter clock): once a pair is
 * nominated it is checked every STUN_PUNCH_CONSENT ms; without an answer
 * or a check of the peer's on it for STUN_PUNCH_CONSENT_TIMEOUT ms (or
 * at once when the peer's checks come from another address than the
 * path's and ours went unanswered for two intervals: its NAT gave it a
 * new mapping) the path is lost: every pair is checked again, and again
 * after STUN_PUNCH_LOST_RETRY ms, doubling up to STUN_PUNCH_RECHECK_MAX,
 * until one works.
 */
#define STUN_PUNCH_CONSENT	1000	/* ms */
#define STUN_PUNCH_CONSENT_TIMEOUT 5000	/* ms */
#define STUN_PUNCH_LOST_RETRY	2000	/* ms */
/*
 * A relayed path keeps looking for a direct one: a recheck round of the
 * better pairs 3 s after the relay was nominated (a first round that lost
 * its direct checks to loss tries again soon), then 6, 12, 24, 48, 96,
 * 192 s later and every 300 s after that; each round lasts 2 s with at
 * most 4 checks a pair (0, 100, 300, 700 ms).
 */
#define STUN_PUNCH_RECHECK	3000	/* ms, first interval */
#define STUN_PUNCH_RECHECK_MAX	300000	/* ms, backoff ceiling */
#define STUN_PUNCH_RECHECK_WINDOW 2000	/* ms a round lasts */
#define STUN_PUNCH_RECHECK_SENDS 4	/* checks per pair and round */

/* Candidate types, with their RFC 8445 5.1.2.2 type preferences. */
#define STUN_CAND_HOST		0	/* 126 */
#define STUN_CAND_SRFLX		1	/* 100 */
#define STUN_CAND_PRFLX		2	/* 110 */
#define STUN_CAND_RELAY		3	/* 0 */

struct stun_punch_cand {
	int		type;		/* STUN_CAND_* */
	struct stun_addr addr;
	uint32_t	priority;	/* 0: computed from the type */
	unsigned	sock;		/* local: socket it is sent from */
};

struct stun_punch_config {
	int		controlling;
	uint64_t	tiebreaker;	/* 0: random */
	char		local_ufrag[STUN_PUNCH_UFRAG_MAX + 1];
	char		remote_ufrag[STUN_PUNCH_UFRAG_MAX + 1];
	uint8_t		key[STUN_PUNCH_KEY_MAX];	/* MESSAGE-INTEGRITY */
	size_t		keylen;
	uint32_t	pace;		/* 0: STUN_PUNCH_PACE */
	uint32_t	rto;		/* 0: STUN_PUNCH_RTO */
	uint32_t	rto_max;	/* 0: STUN_PUNCH_RTO_MAX */
	uint32_t	timeout;	/* 0: STUN_PUNCH_TIMEOUT */
	uint32_t	keepalive;	/* 0: STUN_PUNCH_KEEPALIVE */
	uint32_t	recheck;	/* 0: STUN_PUNCH_RECHECK */
	uint32_t	recheck_max;	/* 0: STUN_PUNCH_RECHECK_MAX */
	uint32_t	consent;	/* 0: STUN_PUNCH_CONSENT */
	uint32_t	consent_timeout; /* 0: STUN_PUNCH_CONSENT_TIMEOUT */
	stun_random_fn	rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
};

/* Pair states. */
#define STUN_PAIR_WAITING	0
#define STUN_PAIR_INPROGRESS	1
#define STUN_PAIR_SUCCEEDED	2
#define STUN_PAIR_FAILED	3

struct stun_punch_pair {
	int		local;		/* index into local[] */
	int		remote;		/* index into remote[] */
	uint64_t	prio;		/* RFC 8445 6.1.2.3 */
	int		state;
	int		got_req;	/* a valid check from the peer came */
	int		nominating;	/* controlling: USE-CANDIDATE sent */
	int		use_cand;	/* controlled: peer nominated it */
	int		triggered;	/* queued for a triggered check */
	unsigned	sends;
	uint64_t	next;		/* next retransmission */
	uint8_t		tid[STUN_TID_LEN];
	uint32_t	rtt;
	uint64_t	sent_at;
};

/* Actions. */
#define STUN_PUNCH_WAIT		0	/* nothing; wake at .wake (0: none) */
#define STUN_PUNCH_SEND		1	/* send buf from sock to to */
#define STUN_PUNCH_NOMINATED	2	/* pair is the path */
#define STUN_PUNCH_CHANGED	3	/* a better pair replaced the path */
#define STUN_PUNCH_FAILED	4	/* no pair worked in time */
#define STUN_PUNCH_LOST		5	/* the path lost consent: pair (the
					   old path) no longer answers; the
					   machine looks for one again */

struct stun_punch_action {
	int		 kind;
	unsigned	 sock;
	struct stun_addr to;
	const uint8_t	*buf;
	size_t		 len;
	uint64_t	 wake;
	int		 pair;		/* NOMINATED, CHANGED */
	int		 local_type, remote_type;
};

struct stun_punch_out {
	unsigned	sock;
	struct stun_addr to;
	uint8_t		buf[STUN_PUNCH_MSG_MAX];
	size_t		len;
};

struct stun_punch {
	struct stun_punch_config c;
	unsigned	nlocal, nremote, npairs;
	struct stun_punch_cand local[STUN_PUNCH_MAX_LOCAL];
	struct stun_punch_cand remote[STUN_PUNCH_MAX_REMOTE];
	struct stun_punch_pair pairs[STUN_PUNCH_MAX_PAIRS];
	int		trig[STUN_PUNCH_MAX_PAIRS];	/* FIFO */
	unsigned	ntrig;
	struct stun_punch_out out[STUN_PUNCH_OUTQ];
	unsigned	outhead, outlen;
	struct stun_punch_out cur;	/* the SEND handed out */
	int		started;
	uint64_t	start, deadline, next_tick, next_keepalive;
	int		nominated;	/* pair index, or -1 */
	int		reported;	/* pair reported; -1 none, -2 path lost */
	int		failed;		/* 1 pending report, 2 reported */
	unsigned	dropped;	/* inputs refused */
	/* Rechecks while the path is relayed. */
	uint64_t	next_recheck;	/* 0: none due */
	uint32_t	recheck_ivl;	/* interval that led to next_recheck */
	unsigned	maxsends;	/* per pair in this round; 0: no cap */
	unsigned	rechecks;	/* rounds begun */
	/* Consent on the nominated pair, and the path once lost. */
	uint64_t	next_consent;
	uint64_t	consent_at;	/* last answer on the nominated pair */
	int		lost;		/* -1 none, else the lost pair */
	int		pend_lost;	/* LOST is due */
	uint64_t	lost_round;	/* next round while lost and failed */
	uint32_t	lost_ivl;
	unsigned	losses;		/* paths lost */
};

/* RFC 8445 5.1.2.1 with local preference lp (0..65535), component 1. */
STUN_API uint32_t stun_punch_priority(int type, uint16_t lp);
/* 0 or STUN_ERR_INVALID (empty ufrag or key, too long). */
STUN_API int stun_punch_init(struct stun_punch *p,
    const struct stun_punch_config *c);
/*
 * Candidates, before or after start.  Local server-reflexive candidates
 * are only advertised (their base, the host candidate of the same socket,
 * is paired).  0, STUN_ERR_NOSPACE when full, STUN_ERR_INVALID.
 */
STUN_API int stun_punch_add_local(struct stun_punch *p,
    const struct stun_punch_cand *c);
STUN_API int stun_punch_add_remote(struct stun_punch *p,
    const struct stun_punch_cand *c);
/* Start at now (the "go" from the rendezvous).  0 or STUN_ERR_*. */
STUN_API int stun_punch_start(struct stun_punch *p, uint64_t now);
/*
 * Check again for another timeout period (after adding candidates, for
 * instance a relay once punching failed): pairs that did not succeed start
 * over, a failure may be followed by a nomination.  0 or STUN_ERR_STATE.
 */
STUN_API int stun_punch_restart(struct stun_punch *p, uint64_t now);
/*
 * A relay candidate moved (its allocation was lost and made again): the
 * relay candidate of our side (local 1) or the peer's (local 0) takes
 * c's address (and, local, priority and socket); its pairs start over.
 * When the path ran through it, the path is lost: the pairs are checked
 * again for a timeout period, as after stun_punch_restart(), and the
 * pair then found is reported as STUN_PUNCH_CHANGED (or FAILED).  0
 * (also when nothing changed), STUN_ERR_NOT_FOUND when that side has no
 * relay candidate (add c instead), STUN_ERR_INVALID.
 */
STUN_API int stun_punch_relay_moved(struct stun_punch *p, int local,
    const struct stun_punch_cand *c, uint64_t now);
/*
 * A datagram on socket sock from from.  Returns 0 when it was one of ours
 * (a check or an answer), STUN_ERR_NOT_STUN when it is not STUN (give it
 * to the application), or another STUN_ERR_* when refused.
 */
STUN_API int stun_punch_input(struct stun_punch *p, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now);
/*
 * The timer: pacing, retransmission, keepalive, consent, timeout, and the
 * recheck rounds of a relayed path (a better pair that works is reported
 * as STUN_PUNCH_CHANGED).  A path that lost consent is reported as
 * STUN_PUNCH_LOST; the pair found next comes as STUN_PUNCH_CHANGED
 * (nothing when it is the same pair again), or FAILED for each round
 * without one.
 */
STUN_API void stun_punch_timer(struct stun_punch *p, uint64_t now);
/* Next action; call until STUN_PUNCH_WAIT. */
STUN_API void stun_punch_next(struct stun_punch *p,
    struct stun_punch_action *a);
/*
 * Has the path gone unanswered for two consent intervals (a sign that the
 * peer's NAT mapped it anew)?  0 without a path.
 */
STUN_API int stun_punch_stale(const struct stun_punch *p, uint64_t now);
/*
 * The caller has news that the path is gone (the peer announced a new
 * address while the path is stale): lost now, as at the consent timeout.
 * Nothing without a path.
 */
STUN_API void stun_punch_lost(struct stun_punch *p, uint64_t now);
STUN_API const char *stun_punch_cand_name(int type);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_PUNCH_H */

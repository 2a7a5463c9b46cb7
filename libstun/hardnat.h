/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Hard NATs as an I/O-free machine: from both members' NAT essentials
 * (mapping, filtering, port pattern) it decides whether a pair needs port
 * prediction, a birthday attempt or the relay at once, and paces a bounded
 * set of probes, all to the one address of the peer's NAT.  It also owns
 * the 8-byte wire form of the essentials the rendezvous carries.
 */
#ifndef LIBSTUN_HARDNAT_H
#define LIBSTUN_HARDNAT_H

#include <libstun/stun.h>
#include <libstun/nat.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_HARDNAT_MAX_SOCKS	256	/* extra sockets of the hard side */
#define STUN_HARDNAT_MAX_PROBES	1024	/* sends of either side, in all */
#define STUN_HARDNAT_MAX_PREDICT 256	/* of them to predicted ports */
#define STUN_HARDNAT_DURATION	3000	/* ms, default and ceiling */
#define STUN_HARDNAT_ROUND	100	/* ms between sends to one target */
#define STUN_HARDNAT_WINDOW	16	/* sequential: ports predicted */
#define STUN_HARDNAT_WINDOW_MAX	64
#define STUN_HARDNAT_DELTA_MAX	64	/* |delta| a pattern may have */
#define STUN_HARDNAT_PORT_LO	1024	/* random probes: lowest port */
#define STUN_HARDNAT_ESS_LEN	8	/* wire form of the essentials */

/*
 * A member's NAT essentials: what natprobe's machine measured, and for a
 * port-preserving symmetric NAT the local port of a socket kept unused
 * for the punch (its first mapping will be that port).
 */
struct stun_hardnat_ess {
	uint8_t		 mapping;	/* STUN_NAT_UNKNOWN, _EI ... _DEP */
	uint8_t		 filtering;
	uint8_t		 pattern;	/* STUN_NAT_PAT_* */
	int8_t		 delta;		/* SEQUENTIAL: next = last + delta */
	uint16_t	 port;		/* PRESERVE: reserved port, 0 none */
};

/* Plans. */
#define STUN_HARDNAT_NONE	0	/* ordinary punching is enough */
#define STUN_HARDNAT_PREDICT	1	/* punch the predicted ports */
#define STUN_HARDNAT_BIRTHDAY	2	/* many mappings x random probes */
#define STUN_HARDNAT_RELAY	3	/* both hard: the relay at once */

/* Roles in a plan. */
#define STUN_HARDNAT_EASY	1	/* probes ports of the peer's NAT */
#define STUN_HARDNAT_HARD	2	/* opens mappings towards the peer */

struct stun_hardnat_plan {
	int		 kind;		/* STUN_HARDNAT_NONE ... */
	int		 role;		/* STUN_HARDNAT_EASY / _HARD, or 0 */
	/*
	 * Extra sockets the caller binds (indices 1..nsocks; socket 0 is
	 * the punch socket): BIRTHDAY on the hard side, or 1 for the
	 * reserved socket of a port-preserving hard side (bound to the
	 * announced port).
	 */
	unsigned	 nsocks;
};

struct stun_hardnat_config {
	struct stun_hardnat_ess self, peer;
	/* The peer's server-reflexive address: its NAT, and its mapping. */
	struct stun_addr peer_addr;
	unsigned	 max_socks;	/* 0: STUN_HARDNAT_MAX_SOCKS */
	unsigned	 max_probes;	/* 0: STUN_HARDNAT_MAX_PROBES */
	uint32_t	 duration;	/* ms, 0: STUN_HARDNAT_DURATION */
	unsigned	 window;	/* 0: STUN_HARDNAT_WINDOW */
	stun_random_fn	 rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
};

/* Actions. */
#define STUN_HARDNAT_A_WAIT	0	/* call stun_hardnat_timer() at wake */
#define STUN_HARDNAT_A_SEND	1	/* send a probe from sock to to */
#define STUN_HARDNAT_A_DONE	2	/* over: found says whether it hit */

struct stun_hardnat_action {
	int		 kind;
	unsigned	 sock;
	struct stun_addr to;
	uint64_t	 wake;
};

/* Machine states. */
#define STUN_HARDNAT_S_IDLE	0
#define STUN_HARDNAT_S_RUN	1
#define STUN_HARDNAT_S_DONE	2

struct stun_hardnat {
	struct stun_hardnat_config c;
	struct stun_hardnat_plan p;
	int		 state;		/* STUN_HARDNAT_S_* */
	int		 done_told;	/* DONE handed out */
	unsigned	 nsocks;	/* sockets the caller really opened */
	/* Where the probes go: ports of c.peer_addr's address. */
	unsigned	 ntargets;
	uint16_t	 target[STUN_HARDNAT_MAX_PROBES];
	unsigned	 total;		/* sends planned */
	uint64_t	 start;
	uint32_t	 delay;		/* ms from start to the first send */
	uint32_t	 span;		/* ms over which the sends spread */
	uint64_t	 end_at;
	/* Results and counters, for the path event. */
	unsigned	 probes;	/* sends handed out */
	int		 found;		/* a probe got through */
	unsigned	 found_sock;
	struct stun_addr found_from;
	uint64_t	 ended_at;
};

/*
 * Decide what a pair needs from the two members' essentials.  A side is
 * hard when its mapping depends on the destination.  Neither hard, an
 * easy side whose filtering lets in any port of the peer's address once
 * it sent there, or an easy side whose mapping is unknown: NONE.  Both
 * hard: RELAY.  Else a sequential (delta != 0) or port-preserving (port !=
 * 0) hard side gives PREDICT and any other BIRTHDAY.  max_socks caps
 * nsocks (0: STUN_HARDNAT_MAX_SOCKS).  Always succeeds.
 */
STUN_API void stun_hardnat_decide(const struct stun_hardnat_ess *self,
    const struct stun_hardnat_ess *peer, unsigned max_socks,
    struct stun_hardnat_plan *p);
/*
 * Plan h from c (copied).  Returns 0, or STUN_ERR_INVALID for a peer
 * address without a family or port, a duration above
 * STUN_HARDNAT_DURATION, more than STUN_HARDNAT_MAX_SOCKS sockets,
 * STUN_HARDNAT_MAX_PROBES probes or STUN_HARDNAT_WINDOW_MAX ports.
 */
STUN_API int stun_hardnat_init(struct stun_hardnat *h,
    const struct stun_hardnat_config *c);
/*
 * Start at now with nsocks extra sockets open (at most h->p.nsocks; fewer
 * when the caller could not open them all).  The random probe ports are
 * drawn here.  Returns 0, STUN_ERR_STATE when started already, or
 * STUN_ERR_RANDOM (the machine is then done).  A plan without probes
 * (NONE, RELAY) is done at once.
 */
STUN_API int stun_hardnat_start(struct stun_hardnat *h, unsigned nsocks,
    uint64_t now);
/*
 * Something from the peer's NAT arrived on sock from from: the path is
 * found and the probes stop.  Returns 0, or STUN_ERR_INVALID when the
 * machine does not run, sock is not one of its sockets or from is not on
 * the peer's address.
 */
STUN_API int stun_hardnat_found(struct stun_hardnat *h, unsigned sock,
    const struct stun_addr *from, uint64_t now);
/* Stop early (the ordinary punch won, or the pair went away). */
STUN_API void stun_hardnat_stop(struct stun_hardnat *h, uint64_t now);
/*
 * Next action at now (the machine needs no timer call: wake the caller at
 * a->wake and ask again); SEND actions are handed out once each.
 */
STUN_API void stun_hardnat_next(struct stun_hardnat *h, uint64_t now,
    struct stun_hardnat_action *a);

/* The essentials of a finished NAT test; port 0. */
STUN_API void stun_hardnat_ess_from_nat(const struct stun_nat_result *r,
    struct stun_hardnat_ess *e);
/*
 * Wire form: mapping, filtering, pattern, delta (two's complement), port,
 * two zero bytes.  Decode returns 0 or STUN_ERR_BAD_ATTR for a length
 * other than STUN_HARDNAT_ESS_LEN, a value out of range, non-zero padding,
 * a delta beyond STUN_HARDNAT_DELTA_MAX or a port with a pattern other
 * than PRESERVE; e is cleared first.
 */
STUN_API void stun_hardnat_ess_encode(const struct stun_hardnat_ess *e,
    uint8_t out[STUN_HARDNAT_ESS_LEN]);
STUN_API int stun_hardnat_ess_decode(const uint8_t *p, size_t len,
    struct stun_hardnat_ess *e);
/* "none", "predict", "birthday", "relay". */
STUN_API const char *stun_hardnat_plan_name(int kind);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_HARDNAT_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's rendezvous room table (doc/rendezvous.md), I/O-free: it takes
 * decoded messages, their source and the time, and returns the datagrams
 * to send.  Every table has a cap, a counter and a rule: rooms, members
 * per room and members in total refuse with 508 when full; the per-source
 * rate limiter evicts its least recently used entry.
 */
#ifndef STUND_ROOMS_H
#define STUND_ROOMS_H

#include <stdint.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"

struct rooms_config {
	unsigned	max_rooms;	/* 0: 1024 */
	unsigned	max_room_members; /* 0: 8, at most STUN_RDV_MAX_MEMBERS */
	unsigned	max_members;	/* 0: 4096 */
	uint32_t	keepalive_ms;	/* 0: 10000, told to clients */
	uint32_t	timeout_ms;	/* 0: 30000 */
	unsigned	rate_slots;	/* 0: 1024 sources tracked */
	unsigned	rate_burst;	/* 0: 10 Registers */
	uint32_t	rate_ms;	/* 0: one more Register each 1000 ms */
	uint32_t	go_margin_ms;	/* 0: 50 */
};

/* Counters for the metrics endpoint; they only grow. */
struct rooms_metrics {
	uint64_t	rooms;		/* gauge: rooms in use */
	uint64_t	members;	/* gauge: members in use */
	uint64_t	joins;
	uint64_t	rejoins;	/* Register of a known member */
	uint64_t	leaves;
	uint64_t	timeouts;
	uint64_t	moves;		/* member seen from a new address */
	uint64_t	refused_rooms;	/* 508: room table full */
	uint64_t	refused_room_full; /* 508: room at its member cap */
	uint64_t	refused_members; /* 508: member table full */
	uint64_t	rate_limited;	/* Register dropped */
	uint64_t	rate_evictions;	/* limiter slot reused */
	uint64_t	bad_integrity;	/* dropped: no or wrong MAC/FP */
	uint64_t	bad_request;	/* 400 */
	uint64_t	unknown_member;	/* 437 */
	uint64_t	indications;	/* Members sent */
	uint64_t	gos;		/* Go sent */
	uint64_t	rtt_samples;
	uint64_t	out_overflow;	/* datagrams that did not fit out */
	uint64_t	relay_creds;	/* TURN credentials handed out */
	uint64_t	relay_cred_errors; /* ... that could not be made */
};

#define ROOMS_OUT_MAX	(3 * STUN_RDV_MAX_MEMBERS)
#define ROOMS_RELAY_LIFETIME	(3600)	/* s, default */

/*
 * The TURN relay a Register success hands a credential for: the REST
 * shared secret of the config snapshot in use (so SIGHUP applies at the
 * next call), how long the credential lives, and the wall clock.
 */
struct rooms_relay {
	const uint8_t	*secret;	/* NULL or secretlen 0: none */
	size_t		 secretlen;
	uint32_t	 lifetime;	/* s; 0: ROOMS_RELAY_LIFETIME */
	int64_t		 wall;		/* Unix seconds, now */
};

/* Where a datagram came from: its source and our local socket index. */
struct rooms_src {
	struct stun_addr addr;
	unsigned	 sock;		/* the caller's socket index */
	const struct rooms_relay *relay; /* NULL: no relay credential */
};

struct rooms_pkt {
	struct stun_addr to;
	unsigned	 sock;		/* send from this local socket */
	uint8_t		 cls;		/* STUN_CLASS_* of buf */
	int		 code;		/* error responses: the code */
	size_t		 len;
	uint8_t		 buf[STUN_RDV_MSG_MAX];
};
/*
 * What to send after a call: n datagrams, each to pkt[i].to from local
 * socket pkt[i].sock (the one that member registered on: a
 * port-restricted NAT drops anything else).
 */
struct rooms_out {
	unsigned	 n;
	struct rooms_pkt pkt[ROOMS_OUT_MAX];
};

struct rooms_member;
struct rooms_room;
struct rooms_rate;

struct rooms {
	struct rooms_config	 c;
	struct rooms_metrics	 m;
	struct rooms_room	*room;		/* c.max_rooms */
	struct rooms_member	*mem;		/* c.max_members */
	struct rooms_rate	*rate;		/* c.rate_slots */
	/*
	 * One past the highest slot in use: scans stop there, so an idle
	 * server never touches (and never pages in) the rest of a table.
	 */
	unsigned		 mem_hi, room_hi;
	uint32_t		 next_id;	/* member ids */
	uint64_t		 tid_ctr;	/* indication ids */
};

/*
 * Allocate the tables for c (NULL: defaults).  Returns 0 or -1 (out of
 * memory, or a cap above its ceiling).  rooms_free() releases them.
 */
int	rooms_init(struct rooms *r, const struct rooms_config *c);
void	rooms_free(struct rooms *r);
/* Is m a rendezvous message (a method of the extension)?  1 or 0. */
int	rooms_is_rdv(const struct stun_msg *m);
/*
 * A decoded message from src at now (monotonic ms).  Clears out, then
 * fills it with the reply and the indications the message causes.
 * Returns 1 when m was a rendezvous message (answered or dropped, see the
 * metrics), 0 when it is not one and the caller should dispatch it.
 */
int	rooms_input(struct rooms *r, const struct stun_msg *m,
	    const struct rooms_src *src, uint64_t now, struct rooms_out *out);
/*
 * Expire members whose last keepalive is older than the timeout and tell
 * the others.  Clears out first.  Call at rooms_next().
 */
void	rooms_timer(struct rooms *r, uint64_t now, struct rooms_out *out);
/* When rooms_timer() must run next (0: nothing to expire). */
uint64_t rooms_next(const struct rooms *r);

#endif

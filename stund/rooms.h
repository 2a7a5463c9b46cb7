/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's rendezvous room table, protocol version 2 (doc/rendezvous.md),
 * I/O-free: it takes decoded messages, their source and the time, and
 * returns the datagrams to send.  Every table has a cap, a counter and a
 * rule; what an unverified source draws is never larger than what it sent.
 * The relay API at the end lets the TURN code bind a rendezvous credential
 * to its member, its source and its room.
 */
#ifndef STUND_ROOMS_H
#define STUND_ROOMS_H

#include <stdint.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"

#define ROOMS_SECRET_LEN	(32)

struct rooms_config {
	unsigned	max_rooms;	/* 0: 1024 */
	unsigned	max_room_members; /* 0: 8, <= STUN_RDV_MAX_MEMBERS */
	unsigned	max_members;	/* 0: 4096 */
	uint32_t	keepalive_ms;	/* 0: 10000, told to clients */
	uint32_t	timeout_ms;	/* 0: 30000 */
	unsigned	rate_slots;	/* 0: 1024 prefixes tracked */
	unsigned	rate_burst;	/* 0: 10 Registers */
	uint32_t	rate_ms;	/* 0: one more Register each 1000 ms */
	uint32_t	go_margin_ms;	/* 0: 50 */
	/* Version 2. */
	uint8_t		secret[ROOMS_SECRET_LEN];	/* all zero: random */
	unsigned	prefix_rooms;	/* 0: 64 rooms per source prefix */
	unsigned	prefix_members;	/* 0: 64 members per source prefix */
	unsigned	ka_burst;	/* 0: 10 requests per member */
	uint32_t	ka_ms;		/* 0: one more each 500 ms */
	unsigned	err_burst;	/* 0: 20 answers to unverified */
	uint32_t	err_ms;		/* 0: one more each 100 ms */
	uint32_t	budget_bytes;	/* 0: 4096 unsolicited per member */
	uint32_t	budget_rate;	/* 0: 1024 bytes a second */
	uint32_t	move_ms;	/* 0: 2000 ms between two moves */
	uint32_t	epoch_ms;	/* 0: 60000 ms per cookie/key epoch */
	/* Fleet (a shared Redis, cluster.c): report local changes. */
	int		fleet;
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
	uint64_t	bad_integrity;	/* dropped: unopenable, bad cookie */
	uint64_t	bad_request;	/* 400 */
	uint64_t	unknown_member;	/* 437 */
	uint64_t	indications;	/* Members sent */
	uint64_t	gos;		/* Go sent */
	uint64_t	rtt_samples;
	uint64_t	out_overflow;	/* datagrams that did not fit out */
	uint64_t	relay_creds;	/* TURN credentials handed out */
	uint64_t	relay_cred_errors; /* ... that could not be made */
	/* Version 2. */
	uint64_t	cookies;	/* first-step answers */
	uint64_t	bad_cookie;	/* second steps with a wrong cookie */
	uint64_t	replays;	/* sealed requests seen before */
	uint64_t	challenges;	/* path challenges sent */
	uint64_t	refused_prefix;	/* 508: a per-prefix cap */
	uint64_t	ka_limited;	/* member requests over their limit */
	uint64_t	err_limited;	/* unverified answers not sent */
	uint64_t	budget_drops;	/* indications over a member's budget */
	uint64_t	move_limited;	/* moves refused as too frequent */
	uint64_t	resyncs;	/* list pages sent */
	uint64_t	v1_refused;	/* version 1 messages */
	uint64_t	too_big;	/* answers above their limit */
	uint64_t	prefix_evictions; /* prefix table full */
	uint64_t	stream_closed;	/* left: connection closed */
};

#define ROOMS_OUT_MAX	(3 * STUN_RDV_MAX_MEMBERS)
#define ROOMS_RELAY_LIFETIME	(3600)	/* s, default */

/*
 * The TURN relay a Register success hands a credential for: how long the
 * credential lives and the wall clock; the password is keyed by secret
 * when one is given (a TURN REST shared secret), else by the table's own
 * secret (rooms_relay_password() checks it).
 */
struct rooms_relay {
	const uint8_t	*secret;	/* NULL or secretlen 0: ours */
	size_t		 secretlen;
	uint32_t	 lifetime;	/* s; 0: ROOMS_RELAY_LIFETIME */
	int64_t		 wall;		/* Unix seconds, now */
};

/*
 * Where a datagram came from: its source and our local socket index.  A
 * sock from ROOMS_SOCK_STREAM on names a stream connection of the caller
 * (TCP or TLS, one per value while it is open): its member's address is
 * a TCP mapping, listed as a STUN_RDV_CAND_TCP candidate, never a UDP
 * destination, and the caller tells rooms_stream_gone() when it closes.
 */
#define ROOMS_SOCK_STREAM	(0x10000u)
#define ROOMS_SOCK_IS_STREAM(s)	((s) >= ROOMS_SOCK_STREAM)
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
 * A moment of a room's life, for the caller's log: a room made, a member
 * joined, left or timed out.  Never a key: the room's id (derived from
 * its key one way) and the member's id, name and proven source.
 */
#define ROOMS_EV_CREATE		0
#define ROOMS_EV_JOIN		1
#define ROOMS_EV_LEAVE		2
#define ROOMS_EV_TIMEOUT	3
struct rooms_event {
	int		 type;		/* ROOMS_EV_* */
	uint8_t		 room[STUN_RDV_ROOM_MAX];
	size_t		 roomlen;
	uint32_t	 member;
	char		 name[STUN_RDV_NAME_MAX + 1];
	struct stun_addr from;
	unsigned	 sock;		/* its rooms_src.sock */
	unsigned	 members;	/* in the room after the event */
};
#define ROOMS_EV_MAX	ROOMS_OUT_MAX

/*
 * Fleet: what the other instances must learn, for the cluster code (only
 * when rooms_config.fleet is set).  OPEN: a room has its first local
 * member (follow it); CLOSE: its last local member went.  JOIN: a local
 * member joined or changed (info, go_since).  LEAVE, TIMEOUT: it went.
 * GO: local member wants a Go with remote member peer (rtt: its own).
 */
#define ROOMS_FL_OPEN		1
#define ROOMS_FL_CLOSE		2
#define ROOMS_FL_JOIN		3
#define ROOMS_FL_LEAVE		4
#define ROOMS_FL_TIMEOUT	5
#define ROOMS_FL_GO		6
struct rooms_fleet_ev {
	int		 type;		/* ROOMS_FL_* */
	uint8_t		 room[STUN_RDV_ROOM_MAX];
	size_t		 roomlen;
	uint32_t	 member;
	uint32_t	 peer;		/* GO */
	uint32_t	 rtt;		/* GO: member's RTT, ms */
	uint64_t	 go_since;	/* JOIN: wall ms of its join or move */
	struct stun_rdv_member info;	/* JOIN */
	int		 has_relayed;	/* JOIN: its allocation on our relay */
	struct stun_addr relayed;
};
#define ROOMS_FL_MAX	(2 * ROOMS_OUT_MAX)

/*
 * What to send after a call: n datagrams, each to pkt[i].to from local
 * socket pkt[i].sock (the one that member registered on: a
 * port-restricted NAT drops anything else); and nev events to log (past
 * ROOMS_EV_MAX in one call they are left out).
 */
struct rooms_out {
	unsigned	 n;
	struct rooms_pkt pkt[ROOMS_OUT_MAX];
	unsigned	 nev;
	struct rooms_event ev[ROOMS_EV_MAX];
	unsigned	 nfl;		/* fleet: past ROOMS_FL_MAX counted */
	struct rooms_fleet_ev fl[ROOMS_FL_MAX];
};

struct rooms_member;
struct rooms_room;
struct rooms_rate;
struct rooms_pfx;

struct rooms_limiter {
	struct rooms_rate	*slot;
	unsigned		 n;
	unsigned		 burst;
	uint32_t		 ms;
};

struct rooms {
	struct rooms_config	 c;
	struct rooms_metrics	 m;
	struct rooms_room	*room;		/* c.max_rooms */
	struct rooms_member	*mem;		/* c.max_members */
	struct rooms_limiter	 reg;		/* second-step Registers */
	struct rooms_limiter	 unv;		/* answers to unverified */
	struct rooms_pfx	*pfx;		/* c.max_members */
	/*
	 * One past the highest slot in use: scans stop there, so an idle
	 * server never touches (and never pages in) the rest of a table.
	 */
	unsigned		 mem_hi, room_hi, pfx_hi;
	uint64_t		 tid_ctr;	/* indication ids */
	/* The server's X25519 keys of this epoch and the one before. */
	uint32_t		 epoch;
	int			 epoch_ok;
	uint8_t			 epriv[2][STUN_RDV_KEY_LEN];
	uint8_t			 epub[2][STUN_RDV_KEY_LEN];
	/* Changes on every leave, timeout and move (relay permissions). */
	uint64_t		 gen;
	/* Fleet: wall ms minus monotonic ms; remote members; lost events. */
	int64_t			 wall_off;
	uint64_t		 remote;
	uint64_t		 fl_overflow;
};

/*
 * Allocate the tables for c (NULL: defaults) and draw a secret when c has
 * none.  Returns 0 or -1 (out of memory, no random bytes, or a cap above
 * its ceiling).  rooms_free() releases them.
 */
int	rooms_init(struct rooms *r, const struct rooms_config *c);
void	rooms_free(struct rooms *r);
/*
 * SIGHUP: the limits and timers of c (caps per room and prefix, Register
 * rate, keepalive interval, member timeout, budgets) apply from now on;
 * the table sizes, the rate-limiter slots, the epoch length and the
 * secret stay as rooms_init() made them.  0, or -1 (nothing changed)
 * when c is out of range.
 */
int	rooms_reconfigure(struct rooms *r, const struct rooms_config *c);
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
/*
 * The stream connection sock (>= ROOMS_SOCK_STREAM) closed: its members
 * leave at once (the room is told, event leave) and a path challenge
 * sent into it is forgotten, so that the value can name another
 * connection.  Clears out first.
 */
void	rooms_stream_gone(struct rooms *r, unsigned sock, uint64_t now,
	    struct rooms_out *out);
/* How many members are registered through sock (a stream). */
unsigned rooms_stream_members(const struct rooms *r, unsigned sock);
/* When rooms_timer() must run next (0: nothing to expire). */
uint64_t rooms_next(const struct rooms *r);

/*
 * The relay API, for the TURN code (under the same lock as the table).
 * user is a rendezvous TURN username, "<expiry>:rdv-<id><tag>" (member id
 * and room tag in hex), or its name part "rdv-<id><tag>".
 *
 * rooms_relay_password: the password the table hands out for user under
 * its own secret (base64 HMAC-SHA1, 28 characters; cap >= 29).  0, -1.
 * rooms_relay_admit: 1 when user names a current member whose registered
 * source address and port is src; else 0.
 * rooms_relay_peer_ok: 1 when peer is the server-reflexive address, or the
 * recorded relayed address, of another current member of user's room.
 * rooms_relay_set: record the relayed address of user's member (its
 * allocation succeeded).  0, or -1 for no such member.
 * rooms_relay_gen: changes on every leave, timeout and move, so cached
 * permissions can be checked again when it moved.
 */
int	rooms_relay_password(const struct rooms *r, const char *user,
	    char *pw, size_t cap);
int	rooms_relay_admit(const struct rooms *r, const char *user,
	    const struct stun_addr *src);
int	rooms_relay_peer_ok(const struct rooms *r, const char *user,
	    const struct stun_addr *peer);
int	rooms_relay_set(struct rooms *r, const char *user,
	    const struct stun_addr *relayed);
uint64_t rooms_relay_gen(const struct rooms *r);

/*
 * The fleet API (roomsfleet.c), for the cluster code, under the same lock
 * as the table.  A remote member is one registered on another instance
 * (owner, its instance id): it is listed to local members and named in
 * their Members deltas, is never sent anything, and goes when its owner
 * says so or is gone.  A room is followed while it has local members.
 *
 * rooms_fleet_put: add or update a remote member of a followed room;
 *   relayed (NULL: none) is its allocation on its owner's relay, which
 *   our relay lets its roommates' allocations send to.
 * rooms_fleet_del: remove it (timeout: 1 for a timeout, 0 a leave).
 * rooms_fleet_orphan: owner went: its members time out like local ones
 *   (rooms_timer()) unless they register again somewhere first.
 * rooms_fleet_sync: after a snapshot of a room: remove the remote members
 *   not in keep[n]; 1 when it must be called again.
 * rooms_fleet_go: a remote member peer (its RTT peer_rtt) wants a Go with
 *   local member: send it, lat ms later than the peer's, and set
 *   *peer_delay.  1 when sent, 0 when member has no RTT yet (it is owed
 *   and becomes a GO event at its first sample), -1 no such member.
 * rooms_fleet_go_to: send local member a Go about peer after delay ms.
 * rooms_fleet_list: JOIN events for the local members from *cursor on, at
 *   most max; returns how many and moves *cursor (republishing).
 * rooms_fleet_owners: the owners of remote members, at most max, but
 *   none heard from in the last young_ms (for a liveness check).
 * rooms_fleet_set_secret: the fleet's shared secret replaces ours (keys
 *   of the epoch are made again).  rooms_fleet_clock: wall - monotonic.
 */
int	rooms_fleet_put(struct rooms *r, const uint8_t *room, size_t roomlen,
	    uint64_t owner, uint64_t go_since,
	    const struct stun_rdv_member *info, const struct stun_addr *relayed,
	    uint64_t now, struct rooms_out *out);
int	rooms_fleet_del(struct rooms *r, const uint8_t *room, size_t roomlen,
	    uint64_t owner, uint32_t member, int timeout, uint64_t now,
	    struct rooms_out *out);
void	rooms_fleet_orphan(struct rooms *r, uint64_t owner, uint64_t now);
int	rooms_fleet_sync(struct rooms *r, const uint8_t *room, size_t roomlen,
	    const uint32_t *keep, unsigned n, uint64_t now,
	    struct rooms_out *out);
int	rooms_fleet_go(struct rooms *r, const uint8_t *room, size_t roomlen,
	    uint32_t member, uint32_t peer, uint32_t peer_rtt, uint32_t lat,
	    uint32_t *peer_delay, uint64_t now, struct rooms_out *out);
int	rooms_fleet_go_to(struct rooms *r, const uint8_t *room,
	    size_t roomlen, uint32_t member, uint32_t peer, uint32_t delay,
	    uint64_t now, struct rooms_out *out);
unsigned rooms_fleet_list(const struct rooms *r, unsigned *cursor,
	    struct rooms_fleet_ev *ev, unsigned max);
unsigned rooms_fleet_owners(const struct rooms *r, uint64_t *owners,
	    unsigned max, uint64_t now, uint32_t young_ms);
void	rooms_fleet_set_secret(struct rooms *r,
	    const uint8_t secret[ROOMS_SECRET_LEN]);
void	rooms_fleet_clock(struct rooms *r, int64_t wall_off);

#endif

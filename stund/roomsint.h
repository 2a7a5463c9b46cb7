/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to the rendezvous room table: the member, room, limiter and
 * prefix slots shared by rooms.c (requests, timers) and roomsout.c (what
 * leaves: answers, deltas under budgets; limits; the relay API).
 */
#ifndef STUND_ROOMSINT_H
#define STUND_ROOMSINT_H

#include "rooms.h"

#define ROOMS_OLD_KS	4

struct rooms_member {
	int		 used;
	unsigned	 room;
	unsigned	 pfx;		/* prefix slot it counts against */
	uint8_t		 token[STUN_RDV_TOKEN_LEN];
	uint8_t		 keyshare[STUN_RDV_KEY_LEN];	/* of this session */
	/* Key shares of sessions before: a replayed Register is refused. */
	uint8_t		 old_ks[ROOMS_OLD_KS][STUN_RDV_KEY_LEN];
	unsigned	 old_next;
	uint8_t		 salt[STUN_RDV_SALT_LEN];
	uint8_t		 c2s[STUN_RDV_KEY_LEN];
	uint8_t		 s2c[STUN_RDV_KEY_LEN];
	uint64_t	 tx_seq;	/* last sent under s2c */
	uint64_t	 rx_top;	/* replay window under c2s */
	uint64_t	 rx_bits;
	struct stun_addr from;		/* proven source */
	unsigned	 sock;		/* local socket it came in on */
	struct stun_rdv_member info;	/* id, name, candidates + srflx */
	uint64_t	 last_seen;
	uint32_t	 rtt;
	int		 rtt_ok;
	int		 go_pending;
	/* Path challenge for a new source address. */
	int		 chal_on;
	uint8_t		 chal[8];
	struct stun_addr chal_addr;
	unsigned	 chal_sock;
	uint64_t	 chal_at;
	uint64_t	 move_at;	/* last move (0: never) */
	/* Requests per member; unsolicited bytes to it. */
	uint64_t	 ka_tokens, ka_last;
	uint64_t	 budget, budget_last;
	int		 has_relayed;
	struct stun_addr relayed;
	/* Fleet: registered on instance owner (0: here). */
	int		 remote;
	int		 orphan;	/* its owner went: times out */
	uint64_t	 owner;
	uint64_t	 go_since;	/* wall ms of its join or last move */
	int		 owed;		/* a remote peer waits for our RTT */
	uint32_t	 owed_peer;
	uint32_t	 owed_rtt;
};

struct rooms_room {
	int		 used;
	uint8_t		 id[STUN_RDV_ROOM_MAX];
	size_t		 idlen;
	unsigned	 pfx;		/* the creator's prefix slot */
	uint32_t	 epoch;
	unsigned	 n;
	unsigned	 nlocal;	/* of n, registered here */
	unsigned	 mem[STUN_RDV_MAX_MEMBERS];
};

struct rooms_rate {
	int		 used;
	uint8_t		 family;
	uint8_t		 ip[16];	/* IPv4 address or IPv6 /64 */
	uint64_t	 last;
	uint64_t	 tokens;	/* thousandths of a request */
};

struct rooms_pfx {
	uint8_t		 family;
	uint8_t		 ip[16];
	unsigned	 rooms;
	unsigned	 members;	/* slot free when both are 0 */
};

/* roomsfleet.c */
void	rooms_fl(struct rooms *, struct rooms_out *, int,
	    const struct rooms_room *, const struct rooms_member *);
void	rooms_fl_go(struct rooms *, struct rooms_out *,
	    const struct rooms_room *, struct rooms_member *);
void	rooms_fl_ask(struct rooms *, struct rooms_out *,
	    const struct rooms_room *, const struct rooms_member *, uint32_t);
void	rooms_fl_drop_remote(struct rooms *, struct rooms_room *);
int	rooms_fl_takeover(struct rooms *, struct rooms_room *,
	    struct rooms_member *, const struct rooms_src *);
/* rooms.c */
struct rooms_room *rooms_find(struct rooms *, const uint8_t *, size_t);
struct rooms_member *rooms_member(struct rooms *, const struct rooms_room *,
	    uint32_t);
void	rooms_remove(struct rooms *, struct rooms_room *,
	    struct rooms_member *, uint8_t, uint64_t, struct rooms_out *);

/* roomsout.c */
void	rooms_prefix_of(const struct stun_addr *a, uint8_t *family,
	    uint8_t ip[16]);
int	rooms_limit(struct rooms *, struct rooms_limiter *,
	    const struct stun_addr *, uint64_t);
int	rooms_pfx_get(struct rooms *, const struct stun_addr *, unsigned *);
void	rooms_pfx_put(struct rooms *, unsigned, int, int);
void	rooms_emit_clear(struct rooms *, struct rooms_out *,
	    const struct stun_rdv_msg *, const struct stun_addr *, unsigned,
	    size_t);
void	rooms_error(struct rooms *, struct rooms_out *,
	    const struct stun_rdv_msg *, const struct rooms_src *, int, size_t);
int	rooms_emit_sealed(struct rooms *, struct rooms_out *,
	    struct rooms_member *, struct stun_rdv_msg *,
	    const struct stun_addr *, unsigned, size_t);
void	rooms_reply_init(struct stun_rdv_msg *, const struct stun_rdv_msg *,
	    uint8_t);
void	rooms_entry(const struct rooms_member *,
	    const struct rooms_member *, struct stun_rdv_member *);
void	rooms_answer_list(struct rooms *, struct rooms_out *,
	    struct rooms_member *, struct stun_rdv_msg *, uint32_t, size_t);
void	rooms_notify(struct rooms *, struct rooms_out *, struct rooms_room *,
	    struct rooms_member *, uint8_t, uint64_t);
void	rooms_go_one(struct rooms *, struct rooms_out *,
	    struct rooms_member *, uint32_t, uint32_t, uint64_t);
void	rooms_rtt(struct rooms *, struct rooms_out *,
	    const struct rooms_room *, struct rooms_member *,
	    const struct stun_rdv_msg *, uint64_t);
void	rooms_relay_cred(struct rooms *, const struct rooms_relay *,
	    const struct rooms_room *, const struct rooms_member *,
	    struct stun_rdv_msg *);

#endif

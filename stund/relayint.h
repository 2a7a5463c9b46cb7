/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to the TURN allocation table: the allocation, permission and
 * channel slots shared by relay.c (requests and data paths), relayperm.c
 * (permissions, channels and peer checks) and relayrdv.c (rendezvous
 * credentials bound to their room).
 */
#ifndef STUND_RELAYINT_H
#define STUND_RELAYINT_H

#include "relay.h"

#define RELAY_NONE	UINT32_MAX
#define RELAY_MS	1000ULL
#define RELAY_RDV_LEARN	8	/* room lookups a second per allocation */

/* Single-writer counters that another thread reads. */
#define RELAY_ADD(p, v)	__atomic_store_n((p), \
	__atomic_load_n((p), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define RELAY_SUB(p, v)	RELAY_ADD((p), -(uint64_t)(v))

struct relay_perm {
	uint8_t		 family;
	uint8_t		 ip[16];
	uint16_t	 port;		/* rendezvous: the member's port */
	uint64_t	 expires;	/* 0: free */
};

struct relay_chan {
	uint16_t	 ch;		/* 0: free */
	struct stun_addr peer;
	uint64_t	 expires;	/* usable until */
	uint64_t	 release;	/* number and peer reserved until */
};

struct relay_alloc {
	int		 used;
	uint32_t	 next;		/* hash chain */
	struct relay_client cl;
	int		 handle;
	struct stun_addr relayed;
	uint8_t		 tid[STUN_TID_LEN];	/* of the Allocate */
	char		 user[STUN_MAX_USERNAME + 1];
	struct relay_qh	 qh;		/* relaypol_quota_take() handle */
	uint64_t	 expires;
	uint64_t	 hard_end;	/* max_alloc_time; 0: none */
	uint64_t	 bytes;
	int		 df;		/* DF set on the relay socket */
	struct relay_bucket to_peer, to_client;	/* the allocation rate */
	uint64_t	 inst;		/* this allocation, for its nonces */
	int		 rdv;		/* of a rendezvous credential */
	uint64_t	 gen;		/* room generation last checked */
	uint64_t	 learn_sec;	/* relay_rdv_learn(): this second */
	unsigned	 learn_n;	/* ... and its lookups */
	/* For the log's session lines (ops.event). */
	uint64_t	 created;
	uint64_t	 pkts_out, bytes_out, pkts_in, bytes_in;
};

/* An allocation's permission and channel slots. */
static inline struct relay_perm *
relay_perms(struct relay *r, const struct relay_alloc *a)
{
	return (&r->perm[(size_t)(a - r->alloc) * r->c.max_perms]);
}

static inline struct relay_chan *
relay_chans(struct relay *r, const struct relay_alloc *a)
{
	return (&r->chan[(size_t)(a - r->alloc) * r->c.max_chans]);
}

/* relay.c: end an allocation, closing its socket; reason for the log. */
void	relay_delete(struct relay *, struct relay_alloc *, const char *);

/*
 * relayperm.c.  relay_perm_find(): the live permission for a peer, by IP,
 * and by address and port too when exact; relay_perm_exact() the one
 * that lets a send to it; relay_perm_slot() the slot it would take (NULL:
 * full); relay_perm_set() installs or refreshes it (-1: full);
 * relay_perms_fit() is 0 when n peers fit, else -1; relay_peer_allowed()
 * is the peer policy with the live relayed addresses; relay_peer_check()
 * decodes and checks one XOR-PEER-ADDRESS (0 or the error code);
 * relay_chan_set() binds a channel (0 or the error code).
 */
struct relay_perm *relay_perm_find(struct relay *, const struct relay_alloc *,
	    const struct stun_addr *, uint64_t, int);
struct relay_perm *relay_perm_exact(struct relay *,
	    const struct relay_alloc *, const struct stun_addr *, uint64_t);
struct relay_perm *relay_perm_slot(struct relay *, const struct relay_alloc *,
	    const struct stun_addr *, uint64_t);
int	relay_perm_set(struct relay *, const struct relay_alloc *,
	    const struct stun_addr *, uint64_t);
int	relay_perms_fit(struct relay *, const struct relay_alloc *,
	    const struct stun_addr *, unsigned, uint64_t);
int	relay_peer_allowed(struct relay *, const struct stun_addr *);
int	relay_peer_check(struct relay *, const struct relay_alloc *,
	    const struct stun_msg *, const struct stun_attr_ref *,
	    struct stun_addr *);
int	relay_chan_set(struct relay *, const struct relay_alloc *, uint16_t,
	    const struct stun_addr *, uint64_t);

/*
 * relayrdv.c, the only calls into the room table.  relay_rdv_password()
 * is auth's password hook; relay_rdv_gen() the room generation now;
 * relay_rdv_admit() and relay_rdv_peer() are 1 or 0; relay_rdv_set()
 * records a's relayed address; relay_rdv_fresh() checks a again when the
 * rooms changed (0, or -1 when a has ended); relay_rdv_learn() the entry
 * for another member behind a permitted IP, or NULL.
 */
int	relay_rdv_password(void *, const char *, char *, size_t);
uint64_t relay_rdv_gen(const struct relay *);
int	relay_rdv_admit(struct relay *, const char *, const struct stun_addr *);
int	relay_rdv_peer(struct relay *, const struct relay_alloc *,
	    const struct stun_addr *);
void	relay_rdv_set(struct relay *, const struct relay_alloc *);
int	relay_rdv_fresh(struct relay *, struct relay_alloc *, uint64_t);
struct relay_perm *relay_rdv_learn(struct relay *, struct relay_alloc *,
	    const struct stun_addr *, uint64_t);

#endif

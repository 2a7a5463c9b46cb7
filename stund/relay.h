/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's TURN relay (RFC 8656 over UDP relays), I/O-free: the allocation
 * table with its permissions and channels, the Allocate, Refresh,
 * CreatePermission and ChannelBind requests, Send/Data indications and
 * ChannelData, the peer policy and the quotas.  Sockets are the caller's:
 * the table asks for them through struct relay_ops.  One table per worker
 * thread, allocated once with caps; nothing is allocated per packet.  The
 * peer policy and the shared quotas (relaypol_*) are in relaypol.c.
 */
#ifndef STUND_RELAY_H
#define STUND_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"
#include "auth.h"

#define RELAY_PROTO_UDP		17
#define RELAY_PERM_LIFE		(300)	/* s, RFC 8656 9 */
#define RELAY_CHAN_LIFE		(600)	/* s, RFC 8656 12 */
#define RELAY_CHAN_COOL		(300)	/* s, number kept after */
#define RELAY_DEFAULT_LIFE	(600)	/* s, RFC 8656 7.2 */
#define RELAY_MAX_LIFE		(3600)	/* s */
#define RELAY_ACL_MAX		(64)	/* entries per list */
#define RELAY_BUF		(STUN_MAX_MSG + 64)

/* An address range for --allow-peer / --deny-peer. */
struct relay_cidr {
	uint8_t		family;		/* STUN_AF_* */
	uint8_t		bits;
	uint8_t		ip[16];
};
/* Peer policy, an immutable part of the config snapshot. */
struct relay_acl {
	unsigned		nallow, ndeny;
	struct relay_cidr	allow[RELAY_ACL_MAX];
	struct relay_cidr	deny[RELAY_ACL_MAX];
};
/* "192.0.2.0/24", "2001:db8::/32", or an address alone.  0 or -1. */
int	relaypol_cidr_parse(const char *s, struct relay_cidr *out);
/*
 * Append a range to the allow (deny = 0) or deny list.  0, or -1 when
 * the text is not a range or the list is full.
 */
int	relaypol_acl_add(struct relay_acl *acl, int deny, const char *s);
/*
 * May the relay talk to peer?  The address is canonicalised first
 * (IPv4-mapped, -compatible and NAT64 forms become IPv4).  An explicit
 * deny wins, then an explicit allow; otherwise only public addresses pass:
 * loopback, 0.0.0.0/8, ::, RFC 1918, 100.64/10, link-local, ULA,
 * multicast, 169.254.169.254 and other reserved ranges are refused.
 * Returns 1 or 0.
 */
int	relaypol_peer_ok(const struct relay_acl *acl,
	    const struct stun_addr *peer);

/*
 * Allocation counts shared by all workers: in total and per user name,
 * with atomics (taken on Allocate, given back when an allocation ends).
 */
struct relay_quota {
	unsigned	 max_total;	/* 0: no cap */
	unsigned	 per_user;	/* 0: no cap */
	unsigned	 total;
	unsigned	 nslots;	/* power of two */
	uint64_t	*slot;		/* (name hash << 20) | count */
	uint64_t	 seed;
};
/* Table for about n users.  0 or -1 (out of memory). */
int	relaypol_quota_init(struct relay_quota *q, unsigned n);
void	relaypol_quota_free(struct relay_quota *q);
/* New caps (SIGHUP); counts are kept. */
void	relaypol_quota_limits(struct relay_quota *q, unsigned max_total,
	    unsigned per_user);
/*
 * Count one allocation for name.  Returns 0 with the handle to give back
 * in *h, 486 when the user is at its quota, 508 when the total is.
 */
int	relaypol_quota_take(struct relay_quota *q, const char *name, size_t len,
	    uint64_t *h);
void	relaypol_quota_put(struct relay_quota *q, uint64_t h);

/* A keyed 64-bit hash (FNV-1a with a final mix) for the tables. */
uint64_t relaypol_hash(uint64_t seed, const void *p, size_t n);

/* A client's end of the 5-tuple as the server sees it. */
struct relay_client {
	struct stun_addr addr;		/* its transport address */
	int		 sock;		/* STUN_SRV_* socket it uses */
	uint64_t	 conn;		/* 0: UDP, else a stream's id */
};

/*
 * What the table sends a client: a STUN message it built, with the class
 * and error code for the caller's counters, or ChannelData (stun 0).
 */
struct relay_pkt {
	const uint8_t	*buf;
	size_t		 len;
	int		 stun;		/* 1: a STUN message */
	uint8_t		 cls;		/* STUN_CLASS_* of a message */
	int		 code;		/* its error code; 0: none */
};

/*
 * A moment in an allocation's life, for the caller's log (ops.event):
 * made, refreshed, ended, or a request that failed authentication.
 */
#define RELAY_EV_CREATE		0
#define RELAY_EV_REFRESH	1
#define RELAY_EV_END		2
#define RELAY_EV_AUTH_FAIL	3
struct relay_event {
	int			 type;		/* RELAY_EV_* */
	const struct relay_client *cl;
	const char		*user;		/* "" when none was given */
	const struct stun_addr	*relayed;	/* NULL for AUTH_FAIL */
	uint32_t		 lifetime;	/* s granted; CREATE, REFRESH */
	uint64_t		 created;	/* monotonic ms */
	uint64_t		 pkts_out, bytes_out;	/* client to peers */
	uint64_t		 pkts_in, bytes_in;	/* peers to client */
	const char		*reason;	/* END, AUTH_FAIL: why */
	int			 code;		/* AUTH_FAIL: the answer */
};

/* I/O the table asks of its caller. */
struct relay_ops {
	void	*arg;
	/*
	 * Open a UDP relay socket of family (STUN_AF_*) for allocation
	 * slot, on an even port when even is set.  Returns a handle >= 0
	 * with the relayed address, STUN_ERR_FAMILY when the family is not
	 * served, or another negative value when no port is free.
	 */
	int	(*open)(void *arg, unsigned slot, uint8_t family, int even,
		    struct stun_addr *relayed);
	void	(*close)(void *arg, int handle);
	/* Send from relay socket handle to peer.  0 or -1. */
	int	(*send_peer)(void *arg, int handle,
		    const struct stun_addr *peer, const uint8_t *buf,
		    size_t len);
	/* Send to a client from the socket it talks to.  0 or -1. */
	int	(*send_client)(void *arg, const struct relay_client *cl,
		    const struct relay_pkt *p);
	/* Unix seconds (REST credential expiry). */
	int64_t	(*wall)(void *arg);
	/* Random bytes: 0 on success (NULL: RAND_bytes). */
	stun_random_fn random;
	/* An allocation event (NULL: none); no password ever in it. */
	void	(*event)(void *arg, const struct relay_event *ev);
};

struct relay_config {
	unsigned	max_allocs;	/* this table; 0: 1024 */
	unsigned	max_perms;	/* per allocation; 0: 32 */
	unsigned	max_chans;	/* per allocation; 0: 32 */
	uint32_t	default_life;	/* s; 0: 600 */
	uint32_t	max_life;	/* s; 0: 3600 */
	uint32_t	max_alloc_time;	/* s; 0: no cap */
	uint64_t	max_alloc_bytes; /* relayed both ways; 0: none */
	const char	*software;	/* NULL: no SOFTWARE */
};

/* Errors answered, by code, for the metrics (relay_err_code()). */
enum relay_err {
	RELAY_E400, RELAY_E401, RELAY_E403, RELAY_E420, RELAY_E437,
	RELAY_E438, RELAY_E440, RELAY_E441, RELAY_E442, RELAY_E443,
	RELAY_E486, RELAY_E508, RELAY_NERR
};
int	relay_err_code(int idx);

/*
 * Counters: one writer (the table's thread); read with relaxed loads.
 * Only uint64_t fields, so the metrics add them up as an array.
 */
struct relay_metrics {
	uint64_t	allocs;		/* gauge */
	uint64_t	perms;		/* gauge */
	uint64_t	chans;		/* gauge */
	uint64_t	created;
	uint64_t	refreshed;
	uint64_t	deleted;	/* Refresh with lifetime 0 */
	uint64_t	expired;
	uint64_t	capped_time;	/* ended at max_alloc_time */
	uint64_t	capped_bytes;	/* ended at max_alloc_bytes */
	uint64_t	closed;		/* stream client went away */
	uint64_t	errors[RELAY_NERR];	/* answers by error code */
	uint64_t	auth_fail;	/* 401 and 400 from auth */
	uint64_t	stale_nonce;	/* 438 */
	uint64_t	peer_denied;	/* by the peer policy */
	uint64_t	no_perm;	/* dropped: no permission */
	uint64_t	no_alloc;	/* indication/ChannelData, no alloc */
	uint64_t	bad_indication;	/* malformed TURN, ChannelData */
	uint64_t	send_fail;
	uint64_t	peer_truncated;	/* peer datagram over the read size */
	uint64_t	pkts_to_peer, bytes_to_peer;
	uint64_t	pkts_to_client, bytes_to_client;
};

struct relay_alloc;
struct relay_perm;
struct relay_chan;

struct relay {
	struct relay_config	 c;
	struct relay_ops	 ops;
	struct relay_metrics	 m;
	/* Snapshot pointers, set by the caller before each call. */
	const struct auth	*auth;
	const struct relay_acl	*acl;
	struct relay_quota	*quota;	/* NULL: table cap only */
	struct relay_alloc	*alloc;		/* c.max_allocs */
	struct relay_perm	*perm;	/* max_allocs x max_perms */
	struct relay_chan	*chan;	/* max_allocs x max_chans */
	uint32_t		*freel;		/* free slots, a stack */
	unsigned		 nfree;
	uint32_t		*bucket;	/* 5-tuple hash heads */
	unsigned		 nbucket;	/* power of two */
	unsigned		 hiwater;	/* slots [0, hiwater) seen */
	uint64_t		 seed;
	uint64_t		 ind_ctr;	/* Data indication ids */
	int			 code;	/* answer being built: error or 0 */
	uint8_t			*buf;	/* RELAY_BUF bytes */
};

/*
 * Allocate the tables.  ops is copied; quota may be NULL.  Returns 0, or
 * -1 when out of memory, a cap is too large or no random seed is had.
 */
int	relay_init(struct relay *r, const struct relay_config *c,
	    const struct relay_ops *ops, struct relay_quota *quota);
/* End every allocation (closing its socket) and free the tables. */
void	relay_free(struct relay *r);
/* Is m a TURN method (Allocate, Refresh, Send, CreatePermission, ...)? */
int	relay_is_turn(const struct stun_msg *m);
/*
 * A decoded TURN request or indication from cl at now (monotonic ms).
 * Answers through ops->send_client.  Returns 1 when m was TURN (handled
 * or dropped, see the metrics), 0 when the caller should dispatch it.
 */
int	relay_input(struct relay *r, const struct relay_client *cl,
	    const struct stun_msg *m, uint64_t now);
/* A ChannelData message from cl.  0 relayed, -1 dropped (counted). */
int	relay_chdata_input(struct relay *r, const struct relay_client *cl,
	    const uint8_t *buf, size_t len, uint64_t now);
/* A datagram that relay socket slot received from peer. */
void	relay_peer_input(struct relay *r, unsigned slot,
	    const struct stun_addr *peer, const uint8_t *buf, size_t len,
	    uint64_t now);
/* Expire allocations, permissions and channels.  Call every second. */
void	relay_timer(struct relay *r, uint64_t now);
/* A stream client went away: end its allocation. */
void	relay_client_gone(struct relay *r, const struct relay_client *cl);
/* Allocations in this table. */
unsigned relay_count(const struct relay *r);

#endif

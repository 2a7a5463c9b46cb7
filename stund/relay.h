/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's TURN relay (RFC 8656 over UDP relays), I/O-free: the allocation
 * table with its permissions and channels, the Allocate, Refresh,
 * CreatePermission and ChannelBind requests, Send/Data indications and
 * ChannelData, the peer policy and the quotas.  Sockets are the caller's:
 * the table asks for them through struct relay_ops, and for the room
 * table behind rendezvous credentials through struct relay_rdv.  One
 * table per worker thread, allocated once with caps; nothing is allocated
 * per packet.  The peer policy and the shared quotas (relaypol_*) are in
 * relaypol.c.
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
#define RELAY_SELF_MAX	(1024)	/* host addresses kept per snapshot */
/* Peer policy, an immutable part of the config snapshot. */
struct relay_acl {
	unsigned		nallow, ndeny;
	struct relay_cidr	allow[RELAY_ACL_MAX];
	struct relay_cidr	deny[RELAY_ACL_MAX];
	/*
	 * The host's own addresses (every port): its interfaces, stund's
	 * listeners and the relay address, filled for each snapshot.
	 */
	unsigned		nself;
	unsigned		self_over;	/* addresses that did not fit */
	struct relay_cidr	self[RELAY_SELF_MAX];
};
/* "192.0.2.0/24", "2001:db8::/32", or an address alone.  0 or -1. */
int	relaypol_cidr_parse(const char *s, struct relay_cidr *out);
/*
 * Append a range to the allow (deny = 0) or deny list.  0, or -1 when
 * the text is not a range or the list is full.
 */
int	relaypol_acl_add(struct relay_acl *acl, int deny, const char *s);
/* Add a host address to acl's own addresses (duplicates are skipped). */
void	relaypol_self_add(struct relay_acl *acl, const struct stun_addr *a);

/* The verdicts of relaypol_peer_verdict(). */
#define RELAYPOL_OK	0	/* relayable */
#define RELAYPOL_DENY	1	/* an explicit deny-peer */
#define RELAYPOL_REFUSE	2	/* the default policy */
/*
 * May the relay talk to peer?  The address is canonicalised first:
 * IPv4-mapped, -compatible, NAT64 (64:ff9b::/96) and SIIT
 * (::ffff:0:0:0/96) forms become IPv4, and the IPv4 address inside 6to4
 * (2002::/16) and Teredo (2001::/32) addresses is checked too.  An
 * explicit deny wins, then an explicit allow; otherwise only public
 * addresses pass: loopback, 0.0.0.0/8, ::, RFC 1918, 100.64/10,
 * link-local, ULA, multicast, 169.254.169.254, other reserved ranges,
 * local-use NAT64 (64:ff9b:1::/48), SIIT, site-local (fec0::/10),
 * discard-only (100::/64) and the host's own addresses are refused.
 * relaypol_peer_ok() returns 1 for RELAYPOL_OK, else 0.
 */
int	relaypol_peer_verdict(const struct relay_acl *acl,
	    const struct stun_addr *peer);
int	relaypol_peer_ok(const struct relay_acl *acl,
	    const struct stun_addr *peer);

/*
 * State shared by all workers, with atomics: allocation counts (in total,
 * per user name, per source address or IPv6 /64, and for rendezvous
 * credentials together), taken on Allocate and given back when an
 * allocation ends, and the relayed ports in use, so that two allocations
 * of this server may reach each other although the host's own addresses
 * are refused.
 */
struct relay_quota {
	unsigned	 max_total;	/* 0: no cap */
	unsigned	 per_user;	/* 0: no cap */
	unsigned	 per_source;	/* 0: no cap */
	unsigned	 max_rdv;	/* 0: no cap */
	unsigned	 total;
	unsigned	 rdv;		/* rendezvous allocations */
	unsigned	 nslots;	/* power of two */
	uint64_t	*slot;		/* (key hash << 20) | count */
	uint64_t	 seed;
	struct stun_addr live_ip;	/* the relay address; family 0: none */
	uint64_t	 live[65536 / 64];	/* its ports in use */
};
/* What one allocation counts against. */
struct relay_qkey {
	const char	*name;		/* the user name quotas count */
	size_t		 len;
	const struct stun_addr *src;	/* the client's address */
	int		 rdv;		/* a rendezvous credential */
};
/* What to give back: 0 for a count not taken. */
struct relay_qh {
	uint64_t	 user, source;
	int		 rdv;
	int		 taken;
	int		 refused;	/* when refused: RELAY_Q_* */
};
#define RELAY_Q_TOTAL	1
#define RELAY_Q_RDV	2
#define RELAY_Q_USER	3
#define RELAY_Q_SOURCE	4
/* Table for about n allocations.  0 or -1 (out of memory). */
int	relaypol_quota_init(struct relay_quota *q, unsigned n);
void	relaypol_quota_free(struct relay_quota *q);
/* New caps (SIGHUP); counts are kept. */
void	relaypol_quota_limits(struct relay_quota *q, unsigned max_total,
	    unsigned per_user, unsigned per_source, unsigned max_rdv);
/*
 * Count one allocation for k.  Returns 0 with what to give back in *h,
 * 486 when the user or the source address is at its quota, 508 when the
 * total or the rendezvous share is (h->refused says which).
 */
int	relaypol_quota_take(struct relay_quota *q, const struct relay_qkey *k,
	    struct relay_qh *h);
void	relaypol_quota_put(struct relay_quota *q, struct relay_qh *h);
/*
 * The relayed ports in use: relaypol_live_ip() names the relay address
 * (once, before the workers run), relaypol_live_set() marks a relayed
 * address in use (on 1) or free, relaypol_live() is 1 when a is one.
 */
void	relaypol_live_ip(struct relay_quota *q, const struct stun_addr *ip);
void	relaypol_live_set(struct relay_quota *q, const struct stun_addr *a,
	    int on);
int	relaypol_live(const struct relay_quota *q, const struct stun_addr *a);

/*
 * A token bucket of bytes, one second deep (at least RELAY_BUCKET_MIN):
 * relaypol_bucket_take() is 1 when len bytes may pass at now (ms) under
 * rate bytes a second and takes them, 0 when they may not.
 */
#define RELAY_BUCKET_MIN	(8192)	/* bytes */
struct relay_bucket {
	uint64_t	 tokens;	/* thousandths of a byte */
	uint64_t	 last;		/* ms */
};
int	relaypol_bucket_take(struct relay_bucket *b, uint64_t rate,
	    size_t len, uint64_t now);

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
	/*
	 * Another server of the fleet for an Allocate over the cap, of
	 * family: 0 with *alt for a 300 ALTERNATE-SERVER, or -1 (NULL:
	 * none, the cap answers 508).
	 */
	int	(*alternate)(void *arg, uint8_t family, struct stun_addr *alt);
	/*
	 * Set the DF bit on every datagram relay socket handle sends from
	 * now on (DONT-FRAGMENT, RFC 8656 14.8).  0, or -1 when the system
	 * cannot: the request is then refused.  NULL: not supported (an
	 * Allocate with DONT-FRAGMENT gets 420).
	 */
	int	(*dont_fragment)(void *arg, int handle);
};

struct relay_config {
	unsigned	max_allocs;	/* this table; 0: 1024 */
	unsigned	max_perms;	/* per allocation; 0: 32 */
	unsigned	max_chans;	/* per allocation; 0: 32 */
	uint32_t	default_life;	/* s; 0: 600 */
	uint32_t	max_life;	/* s; 0: 3600 */
	uint32_t	max_alloc_time;	/* s; 0: no cap */
	uint64_t	max_alloc_bytes; /* relayed both ways; 0: none */
	uint64_t	max_alloc_rate;	/* bytes/s each way; 0: none */
	/* Allocations of rendezvous credentials. */
	uint64_t	rdv_alloc_bytes; /* relayed both ways; 0: none */
	uint64_t	rdv_alloc_rate;	/* bytes/s each way; 0: none */
	const char	*software;	/* NULL: no SOFTWARE */
};

/*
 * Rendezvous credentials ("<expiry>:rdv-<member id><room tag>") are bound
 * to their member through the room table, which the caller keeps behind
 * a lock (stund/rdvio.c).  Each function answers as the rooms_relay_*
 * function of its name (stund/rooms.h); recheck() checks an allocation
 * again in one call: it returns 1 when user is still a member registered
 * from src, with ok[i] set to 1 for each of the n peers that is still
 * the address of another member of its room, and *gen the generation it
 * saw.  gen points to rooms_relay_gen() as an atomic the caller keeps:
 * the table reads it on the data path, and calls recheck() only when it
 * moved.
 */
struct relay_rdv_ops {
	int	(*password)(void *arg, const char *user, char *pw, size_t cap);
	int	(*admit)(void *arg, const char *user,
		    const struct stun_addr *src);
	int	(*peer_ok)(void *arg, const char *user,
		    const struct stun_addr *peer);
	int	(*set)(void *arg, const char *user,
		    const struct stun_addr *relayed);
	int	(*recheck)(void *arg, const char *user,
		    const struct stun_addr *src, const struct stun_addr *peers,
		    unsigned n, uint8_t *ok, uint64_t *gen);
};
struct relay_rdv {
	const struct relay_rdv_ops *ops;
	void		*arg;
	const uint64_t	*gen;
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
	uint64_t	rate_limited;	/* dropped: over the allocation rate */
	uint64_t	rdv_allocs;	/* gauge: of rendezvous credentials */
	uint64_t	rdv_refused;	/* 403: not from the member's source */
	uint64_t	rdv_peer_refused; /* 403 or dropped: not a member */
	uint64_t	rdv_rechecks;	/* allocations checked again */
	uint64_t	rdv_ended;	/* ended: the member left */
	uint64_t	quota_source;	/* 486: the source address's quota */
	uint64_t	quota_rdv;	/* 508: the rendezvous share */
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
	const struct relay_rdv	*rdv;	/* NULL: no rendezvous credentials */
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
	struct stun_addr	*peers;	/* max_perms: a request's peers */
	uint8_t			*peers_ok;	/* ... and their verdicts */
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

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The p2pchat rendezvous extension, version 2 (doc/rendezvous.md):
 * STUN-format messages that register a peer in a room, tell members about
 * each other and time simultaneous hole punching.  This header owns the
 * codec (clear routing attributes, one ChaCha20-Poly1305 sealed block under
 * per-member, per-direction keys), the key derivations both sides share
 * and the I/O-free client machine.
 */
#ifndef LIBSTUN_RDV_H
#define LIBSTUN_RDV_H

#include <libstun/stun.h>
#include <libstun/txn.h>
#include <libstun/hardnat.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_RDV_VERSION	2

/* Methods: IANA "Expert Review" range 0x081-0x0FF, unassigned. */
#define STUN_RDV_REGISTER	0x0D0	/* request / response */
#define STUN_RDV_KEEPALIVE	0x0D1	/* request / response */
#define STUN_RDV_LEAVE		0x0D2	/* request / response */
#define STUN_RDV_MEMBERS	0x0D3	/* indication, server -> client */
#define STUN_RDV_GO		0x0D4	/* indication, server -> client */
#define STUN_RDV_RESYNC		0x0D5	/* request / response: the list */

/* Attributes: comprehension-optional, Expert Review, unassigned (0xC061-). */
#define STUN_RDV_ATTR_ROOM	0xC0D0	/* clear: 8..32 opaque bytes */
#define STUN_RDV_ATTR_NAME	0xC0D1	/* sealed: 1..32 bytes UTF-8 */
#define STUN_RDV_ATTR_CANDS	0xC0D2	/* sealed: candidate list */
#define STUN_RDV_ATTR_NONCE	0xC0D3	/* version 1 only, refused */
#define STUN_RDV_ATTR_MEMBER_ID	0xC0D4	/* clear: u32 routing key */
#define STUN_RDV_ATTR_MEMBER	0xC0D5	/* sealed: one member entry */
#define STUN_RDV_ATTR_EVENT	0xC0D6	/* sealed: u8 event, 3 zero, u32 */
#define STUN_RDV_ATTR_EPOCH	0xC0D7	/* sealed: u32 */
#define STUN_RDV_ATTR_ECHO	0xC0D8	/* sealed: u64 opaque server token */
#define STUN_RDV_ATTR_HOLD	0xC0D9	/* sealed: u32 ms the token was held */
#define STUN_RDV_ATTR_DELAY	0xC0DA	/* sealed: u32 ms */
#define STUN_RDV_ATTR_PEER_ID	0xC0DB	/* sealed: u32 */
#define STUN_RDV_ATTR_INTERVAL	0xC0DC	/* sealed: u32 keepalive interval */
#define STUN_RDV_ATTR_RELAY_USER 0xC0DD	/* sealed: TURN username */
#define STUN_RDV_ATTR_RELAY_PASS 0xC0DE	/* sealed: TURN password */
#define STUN_RDV_ATTR_KEYSHARE	0xC0DF	/* clear: client X25519 key, 32 */
#define STUN_RDV_ATTR_COOKIE	0xC0E0	/* clear: 20 bytes */
#define STUN_RDV_ATTR_SERVER_KEY 0xC0E1	/* clear: server X25519 key, 32 */
#define STUN_RDV_ATTR_SALT	0xC0E2	/* clear: 16 bytes */
#define STUN_RDV_ATTR_SEALED	0xC0E3	/* seq (8), ciphertext, tag (16) */
#define STUN_RDV_ATTR_PAD	0xC0E4	/* clear: ignored bytes */
#define STUN_RDV_ATTR_ROOM_KEY	0xC0E5	/* sealed: 32 bytes */
#define STUN_RDV_ATTR_TOKEN	0xC0E6	/* sealed: 32 bytes */
#define STUN_RDV_ATTR_CHALLENGE	0xC0E7	/* sealed: 8 bytes */
#define STUN_RDV_ATTR_START	0xC0E8	/* sealed: u32 list index */
#define STUN_RDV_ATTR_COUNT	0xC0E9	/* sealed: u32 list length */
#define STUN_RDV_ATTR_NAT	0xC0EA	/* sealed: u32 member, essentials */

/* Error codes used in error responses. */
#define STUN_RDV_ERR_BAD	400	/* malformed, or version 1 */
#define STUN_RDV_ERR_UNKNOWN	437	/* no such member: register again */
#define STUN_RDV_ERR_FULL	508	/* a table, room or cap is full */

/* Limits (the parser refuses anything larger). */
#define STUN_RDV_ROOM_MIN	(8)
#define STUN_RDV_ROOM_MAX	(32)
#define STUN_RDV_ROOM_ID_LEN	(16)	/* what stun_rdv_room_id() makes */
#define STUN_RDV_NAME_MAX	(32)
#define STUN_RDV_NONCE_LEN	(16)	/* version 1 */
#define STUN_RDV_MAX_CANDS	(8)	/* sent by a client */
#define STUN_RDV_MEMBER_CANDS	(STUN_RDV_MAX_CANDS + 1)	/* + srflx */
#define STUN_RDV_MAX_MEMBERS	(16)	/* per room, protocol ceiling */
#define STUN_RDV_RELAY_USER_MAX	(128)
#define STUN_RDV_RELAY_PASS_MAX	(64)
#define STUN_RDV_KEY_LEN	(32)	/* X25519 keys, room key, AEAD keys */
#define STUN_RDV_TOKEN_LEN	(32)
#define STUN_RDV_COOKIE_LEN	(20)	/* epoch (4) + MAC (16) */
#define STUN_RDV_SALT_LEN	(16)
#define STUN_RDV_TAG_LEN	(16)
#define STUN_RDV_SEAL_OVERHEAD	(4 + 8 + STUN_RDV_TAG_LEN)
/*
 * Largest message we build or open.  Answers that carry the member list
 * are cut to STUN_RDV_ANSWER_MAX (one unfragmented datagram) and to
 * STUN_RDV_AMP times their request; the rest follows with Resync.
 */
#define STUN_RDV_MSG_MAX	(4096)
#define STUN_RDV_ANSWER_MAX	(1200)
#define STUN_RDV_AMP		(4)	/* sealed answer <= 4 x request */
/* Requests that ask for the member list are padded to this size. */
#define STUN_RDV_LIST_REQ	(300)
/* A first-step Register is padded to this size (its answer is smaller). */
#define STUN_RDV_HELLO_MIN	(128)
#define STUN_RDV_DELAY_MAX	(5000)	/* ms, larger Go delays refused */
#define STUN_RDV_MAX_SERVERS	(8)	/* a client's fleet to fail over in */

#define STUN_RDV_KEEPALIVE_MS	10000
#define STUN_RDV_TIMEOUT_MS	30000

/* Candidate kinds. */
#define STUN_RDV_CAND_HOST	1
#define STUN_RDV_CAND_SRFLX	2
#define STUN_RDV_CAND_RELAY	3
/*
 * A TCP endpoint (never punched over UDP).  The server lists the mapping
 * of a member registered over TCP or TLS with this kind, in place of a
 * server-reflexive one, and only to members that declared one of their
 * own (which proves their decoder knows the kind).
 */
#define STUN_RDV_CAND_TCP	4

/* Events in STUN_RDV_ATTR_EVENT. */
#define STUN_RDV_EV_JOIN	1
#define STUN_RDV_EV_LEAVE	2
#define STUN_RDV_EV_TIMEOUT	3
#define STUN_RDV_EV_MOVE	4	/* a member's address changed */

struct stun_rdv_cand {
	uint8_t		 kind;		/* STUN_RDV_CAND_* */
	struct stun_addr addr;
};

struct stun_rdv_member {
	uint32_t	 id;
	char		 name[STUN_RDV_NAME_MAX + 1];
	unsigned	 ncand;
	struct stun_rdv_cand cand[STUN_RDV_MEMBER_CANDS];
	/* Its NAT essentials (RDV-NAT), when it sent them. */
	int		 has_nat;
	struct stun_hardnat_ess nat;
};

/* Which optional fields of struct stun_rdv_msg are present. */
#define STUN_RDV_F_NAME		0x00000001
#define STUN_RDV_F_CANDS	0x00000002
#define STUN_RDV_F_MEMBER_ID	0x00000008
#define STUN_RDV_F_MEMBERS	0x00000010
#define STUN_RDV_F_EVENT	0x00000020
#define STUN_RDV_F_EPOCH	0x00000040
#define STUN_RDV_F_ECHO		0x00000080	/* echo and hold */
#define STUN_RDV_F_DELAY	0x00000100
#define STUN_RDV_F_PEER_ID	0x00000200
#define STUN_RDV_F_INTERVAL	0x00000400
#define STUN_RDV_F_MAPPED	0x00000800	/* XOR-MAPPED-ADDRESS */
#define STUN_RDV_F_ERROR	0x00001000	/* ERROR-CODE */
#define STUN_RDV_F_RELAY	0x00002000	/* relay_user and relay_pass */
#define STUN_RDV_F_KEYSHARE	0x00004000
#define STUN_RDV_F_COOKIE	0x00008000
#define STUN_RDV_F_SERVER_KEY	0x00010000
#define STUN_RDV_F_SALT		0x00020000
#define STUN_RDV_F_SEALED	0x00040000	/* a sealed block is present */
#define STUN_RDV_F_ROOM_KEY	0x00080000
#define STUN_RDV_F_TOKEN	0x00100000
#define STUN_RDV_F_CHALLENGE	0x00200000
#define STUN_RDV_F_START	0x00400000
#define STUN_RDV_F_COUNT	0x00800000
#define STUN_RDV_F_ROOM		0x01000000
#define STUN_RDV_F_OPENED	0x02000000	/* the sealed block opened */
#define STUN_RDV_F_NAT		0x04000000	/* the sender's essentials */

/* Fields that travel in clear; every other field is sealed. */
#define STUN_RDV_F_CLEAR	(STUN_RDV_F_ROOM | STUN_RDV_F_MEMBER_ID | \
	STUN_RDV_F_KEYSHARE | STUN_RDV_F_COOKIE | STUN_RDV_F_SERVER_KEY | \
	STUN_RDV_F_SALT | STUN_RDV_F_ERROR)

/* One rendezvous message, decoded or to be built. */
struct stun_rdv_msg {
	uint16_t	 method;	/* STUN_RDV_REGISTER ... */
	uint8_t		 cls;		/* STUN_CLASS_* */
	uint8_t		 tid[STUN_TID_LEN];
	uint32_t	 flags;		/* STUN_RDV_F_* */
	uint8_t		 room[STUN_RDV_ROOM_MAX];
	size_t		 roomlen;
	char		 name[STUN_RDV_NAME_MAX + 1];
	unsigned	 ncand;
	struct stun_rdv_cand cand[STUN_RDV_MAX_CANDS];
	uint32_t	 member_id;
	unsigned	 nmembers;
	struct stun_rdv_member members[STUN_RDV_MAX_MEMBERS];
	uint8_t		 event;
	uint32_t	 event_member;
	uint32_t	 epoch;
	uint64_t	 echo;
	uint32_t	 hold;		/* sent with echo by clients */
	uint32_t	 delay;
	uint32_t	 peer_id;
	uint32_t	 interval;
	struct stun_addr mapped;
	int		 error;		/* 300..699 */
	/* A TURN REST credential for the server's relay: Register success. */
	char		 relay_user[STUN_RDV_RELAY_USER_MAX + 1];
	char		 relay_pass[STUN_RDV_RELAY_PASS_MAX + 1];
	/* Version 2. */
	uint8_t		 keyshare[STUN_RDV_KEY_LEN];
	uint8_t		 cookie[STUN_RDV_COOKIE_LEN];
	uint8_t		 server_key[STUN_RDV_KEY_LEN];
	uint8_t		 salt[STUN_RDV_SALT_LEN];
	uint8_t		 room_key[STUN_RDV_KEY_LEN];
	uint8_t		 token[STUN_RDV_TOKEN_LEN];
	uint8_t		 challenge[8];
	uint32_t	 start;		/* Resync: first list index */
	uint32_t	 count;		/* other members in all */
	uint64_t	 seq;		/* sealed block: sender's sequence */
	size_t		 pad_to;	/* build: pad the message to it */
	/*
	 * The sender's NAT essentials (RDV-NAT with member id 0).  Those of
	 * listed members are in members[].nat, each after its entry.
	 */
	struct stun_hardnat_ess nat;
};

/* Is m (decoded) one of the rendezvous methods?  1 or 0. */
STUN_API int stun_rdv_is_rdv(const struct stun_msg *m);
/* Is m a version 1 message (it carries MESSAGE-INTEGRITY-SHA256)? */
STUN_API int stun_rdv_is_v1(const struct stun_msg *m);
/*
 * Decode the clear part of a rendezvous message: FINGERPRINT is required
 * and checked first; then the routing attributes, and the sealed block's
 * sequence number (STUN_RDV_F_SEALED) without opening it.  Returns 0,
 * STUN_ERR_INVALID (not a version 2 rendezvous message),
 * STUN_ERR_NOT_FOUND (no fingerprint), STUN_ERR_FINGERPRINT or
 * STUN_ERR_BAD_ATTR; out is cleared first.
 */
STUN_API int stun_rdv_decode(const struct stun_msg *m,
    struct stun_rdv_msg *out);
/*
 * Open the sealed block of m (already through stun_rdv_decode() into out)
 * with key and add its fields to out (STUN_RDV_F_OPENED).  Returns 0,
 * STUN_ERR_NOT_FOUND (no sealed block), STUN_ERR_INTEGRITY (wrong key or
 * any byte changed) or STUN_ERR_BAD_ATTR (bad inner field); out's sealed
 * fields are left cleared on failure.
 */
STUN_API int stun_rdv_open(const struct stun_msg *m,
    const uint8_t key[STUN_RDV_KEY_LEN], struct stun_rdv_msg *out);
/*
 * Build in (fields per in->flags) into buf: the clear fields, then, with
 * key, every other field in one sealed block numbered in->seq, then
 * FINGERPRINT; PADDING up to in->pad_to.  Without key only clear fields
 * may be set.  Returns the length or STUN_ERR_*.
 */
STUN_API int stun_rdv_build(const struct stun_rdv_msg *in,
    const uint8_t *key, uint8_t *buf, size_t cap);
STUN_API const char *stun_rdv_method_name(uint16_t method);

/*
 * Key derivations shared by client and server (doc/rendezvous.md 3).
 * Each returns 0, STUN_ERR_INVALID or STUN_ERR_CRYPTO.
 */
/* id = SHA-256("stunkit rendezvous v2 room id" || room key)[0..16). */
STUN_API int stun_rdv_room_id(const uint8_t key[STUN_RDV_KEY_LEN],
    uint8_t id[STUN_RDV_ROOM_ID_LEN]);
/* pub = X25519(priv, 9). */
STUN_API int stun_rdv_x25519_pub(const uint8_t priv[STUN_RDV_KEY_LEN],
    uint8_t pub[STUN_RDV_KEY_LEN]);
/* out = X25519(priv, peer); STUN_ERR_CRYPTO for an all-zero result. */
STUN_API int stun_rdv_x25519(const uint8_t priv[STUN_RDV_KEY_LEN],
    const uint8_t peer[STUN_RDV_KEY_LEN], uint8_t out[STUN_RDV_KEY_LEN]);
/*
 * The two direction keys of a registration: HKDF-SHA256 over the X25519
 * secret, bound to both key shares and the room id; the server-to-client
 * key also to the server's salt.
 */
STUN_API int stun_rdv_session_keys(const uint8_t shared[STUN_RDV_KEY_LEN],
    const uint8_t cpub[STUN_RDV_KEY_LEN], const uint8_t spub[STUN_RDV_KEY_LEN],
    const uint8_t *room, size_t roomlen, const uint8_t salt[STUN_RDV_SALT_LEN],
    uint8_t c2s[STUN_RDV_KEY_LEN], uint8_t s2c[STUN_RDV_KEY_LEN]);
/* The server's X25519 key of one epoch, from its 32-byte secret. */
STUN_API int stun_rdv_epoch_key(const uint8_t secret[STUN_RDV_KEY_LEN],
    uint32_t epoch, uint8_t priv[STUN_RDV_KEY_LEN],
    uint8_t pub[STUN_RDV_KEY_LEN]);
/*
 * The return-routability cookie: epoch (4 bytes) || HMAC-SHA256(secret,
 * label, epoch, source address and port, key share, room id)[0..16).
 */
STUN_API int stun_rdv_cookie(const uint8_t secret[STUN_RDV_KEY_LEN],
    uint32_t epoch, const struct stun_addr *src,
    const uint8_t keyshare[STUN_RDV_KEY_LEN], const uint8_t *room,
    size_t roomlen, uint8_t cookie[STUN_RDV_COOKIE_LEN]);
/* The member id of token in room: non-zero, from SHA-256. */
STUN_API uint32_t stun_rdv_member_id(const uint8_t *room, size_t roomlen,
    const uint8_t token[STUN_RDV_TOKEN_LEN]);

/*
 * The client machine.  The caller owns one UDP socket to the server, feeds
 * it datagrams from the server and timer calls, and drains actions with
 * stun_rdv_client_next() until it returns STUN_RDV_A_WAIT.  Over a TCP or
 * TLS connection the same, with txn.reliable set (each request sent once,
 * RFC 8489 6.2.2): SEND actions go into the connection, and each frame
 * stun_frame_len() cuts from it is one input.
 */
struct stun_rdv_config {
	struct stun_addr server;
	/*
	 * The room: its key (which proves access) and its id.  With roomlen
	 * 0 the id is derived from the key; else it must match it.
	 */
	uint8_t		room[STUN_RDV_ROOM_MAX];
	size_t		roomlen;
	uint8_t		room_key[STUN_RDV_KEY_LEN];
	char		name[STUN_RDV_NAME_MAX + 1];
	unsigned	ncand;
	struct stun_rdv_cand cand[STUN_RDV_MAX_CANDS];	/* host, relay */
	struct stun_txn_params txn;	/* zeros: libstun defaults */
	uint32_t	keepalive;	/* ms, 0: the server's or 10 s */
	stun_random_fn	rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
	/* Member token: all zero to draw one (kept for the client's life). */
	uint8_t		token[STUN_RDV_TOKEN_LEN];
	uint32_t	retry_max;	/* ms between re-registers, 0: 30 s */
	/*
	 * More servers of the same fleet, of server's family, tried in turn
	 * when the current one does not answer (server first).
	 */
	struct stun_addr more[STUN_RDV_MAX_SERVERS - 1];
	unsigned	nmore;
	/* Our NAT essentials, sent with every Register when has_nat. */
	int		has_nat;
	struct stun_hardnat_ess nat;
};

/* Actions. */
#define STUN_RDV_A_WAIT		0	/* call the timer at wake */
#define STUN_RDV_A_SEND		1	/* send buf/len to the server */
#define STUN_RDV_A_JOINED	2	/* member_id, mapped, relay */
#define STUN_RDV_A_MEMBERS	3	/* members/nmembers is the new list */
#define STUN_RDV_A_GO		4	/* punch towards peer_id at go_at */
#define STUN_RDV_A_DONE		5	/* left the room */
#define STUN_RDV_A_FAILED	6	/* err says why; the machine stopped */
#define STUN_RDV_A_SERVER	7	/* server_up: 0 unreachable, 1 back */

struct stun_rdv_action {
	int		 kind;
	const uint8_t	*buf;
	size_t		 len;
	struct stun_addr to;
	uint64_t	 wake;
	uint32_t	 member_id;
	struct stun_addr mapped;
	const struct stun_rdv_member *members;
	unsigned	 nmembers;
	uint8_t		 event;		/* with MEMBERS: what changed */
	uint32_t	 event_member;
	uint32_t	 peer_id;
	uint64_t	 go_at;
	int		 err;		/* FAILED: STUN_ERR_* */
	int		 code;		/* FAILED: error response code, or 0 */
	/*
	 * JOINED: a TURN credential for the rendezvous server's own address
	 * and port (the realm comes with its 401), or "" when it gave none.
	 */
	char		 relay_user[STUN_RDV_RELAY_USER_MAX + 1];
	char		 relay_pass[STUN_RDV_RELAY_PASS_MAX + 1];
	int		 server_up;	/* SERVER */
};

/* Client states. */
#define STUN_RDV_S_IDLE		0
#define STUN_RDV_S_REGISTER	1	/* Register (either step) in flight */
#define STUN_RDV_S_JOINED	2
#define STUN_RDV_S_LEAVE	3	/* Leave in flight */
#define STUN_RDV_S_DONE		4
#define STUN_RDV_S_FAILED	5
#define STUN_RDV_S_RETRY	6	/* joined before; waiting to register */

#define STUN_RDV_GOQ		(STUN_RDV_MAX_MEMBERS)
#define STUN_RDV_REPLAY_WINDOW	(64)

struct stun_rdv_client {
	struct stun_rdv_config c;	/* c.server: the one in use */
	/* The fleet: every server, the one in use, how many failed in a row. */
	struct stun_addr servers[STUN_RDV_MAX_SERVERS];
	unsigned	nservers, cur, failed;
	int		state;		/* STUN_RDV_S_* */
	int		joined_once;
	int		leave_after;	/* Leave once this Register ends */
	int		server_down;	/* told the caller "unreachable" */
	uint32_t	member_id;
	struct stun_addr mapped;
	/* The relay credential of the last Register success, or "". */
	char		relay_user[STUN_RDV_RELAY_USER_MAX + 1];
	char		relay_pass[STUN_RDV_RELAY_PASS_MAX + 1];
	uint32_t	epoch;
	uint32_t	interval;	/* keepalive period in use, ms */
	uint64_t	next_ka;	/* when the next keepalive is due */
	uint64_t	retry_at;	/* RETRY: when to register again */
	uint32_t	backoff;	/* ms */
	/* The registration in progress or in use. */
	uint8_t		priv[STUN_RDV_KEY_LEN];
	uint8_t		pub[STUN_RDV_KEY_LEN];
	uint8_t		server_key[STUN_RDV_KEY_LEN];
	uint8_t		cookie[STUN_RDV_COOKIE_LEN];
	int		step;		/* 1: first step, 2: sealed Register */
	uint8_t		shared[STUN_RDV_KEY_LEN];
	uint8_t		reg_c2s[STUN_RDV_KEY_LEN];	/* step 2 */
	uint64_t	reg_seq;
	unsigned	hellos;		/* first steps since the last join */
	uint8_t		c2s[STUN_RDV_KEY_LEN];
	uint8_t		s2c[STUN_RDV_KEY_LEN];
	int		keys_ok;	/* c2s and s2c valid */
	uint64_t	tx_seq;		/* last sequence number sent */
	uint64_t	rx_top;		/* highest accepted from the server */
	uint64_t	rx_bits;	/* replay window below rx_top */
	/* The request in flight (one at a time). */
	uint16_t	req_method;
	struct stun_txn	txn;
	int		txn_on;
	uint8_t		tid[STUN_TID_LEN];
	uint8_t		req[STUN_RDV_MSG_MAX];
	size_t		reqlen;
	uint8_t		chal[8];	/* path challenge to echo */
	int		has_chal;
	uint32_t	list_start;	/* Resync: next index wanted */
	int		want_list;	/* a Resync is due */
	/* RTT token from the last response, echoed in the next request. */
	int		has_echo;
	uint64_t	echo;
	uint64_t	echo_at;
	/* Pending actions. */
	int		pend_send, pend_joined, pend_members, pend_done;
	int		pend_server;
	int		err;
	int		code;
	uint8_t		event;
	uint32_t	event_member;
	/* The room as we know it; stale entries wait for a re-join. */
	unsigned	nmembers;
	struct stun_rdv_member members[STUN_RDV_MAX_MEMBERS];
	uint64_t	stale_until[STUN_RDV_MAX_MEMBERS];	/* 0: fresh */
	/* A list being fetched page by page. */
	unsigned	nnew;
	struct stun_rdv_member newlist[STUN_RDV_MAX_MEMBERS];
	uint32_t	new_epoch;
	int		rejoin;		/* the list comes after a re-register */
	unsigned	ngo;
	uint32_t	go_peer[STUN_RDV_GOQ];
	uint64_t	go_at[STUN_RDV_GOQ];
	/* Counters. */
	unsigned	ignored;	/* datagrams that were not for us */
	unsigned	rejected;	/* failed integrity or parsing */
	unsigned	replays;	/* sealed messages seen before */
	unsigned	reregisters;	/* registrations after the first */
};

/*
 * Copy c, draw the member token when c has none.  Returns 0,
 * STUN_ERR_INVALID (bad room, room key, name or candidate count),
 * STUN_ERR_RANDOM or STUN_ERR_CRYPTO.
 */
STUN_API int stun_rdv_client_init(struct stun_rdv_client *rc,
    const struct stun_rdv_config *c);
/* Send Register at now.  0, STUN_ERR_STATE or a build error. */
STUN_API int stun_rdv_client_start(struct stun_rdv_client *rc, uint64_t now);
/*
 * A datagram arrived from from.  Anything that is not an authenticated
 * rendezvous message from the server for us is counted and ignored.
 * Returns 0.
 */
STUN_API int stun_rdv_client_input(struct stun_rdv_client *rc,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now);
/* Timer: retransmit, send keepalives, register again. */
STUN_API void stun_rdv_client_timer(struct stun_rdv_client *rc,
    uint64_t now);
/*
 * Replace our candidates (for instance with a relayed address allocated
 * after joining).  Once registered, Register goes again with the same
 * member token, so the server keeps our member id and tells the room;
 * JOINED is not repeated.  Returns 0, STUN_ERR_INVALID (bad candidate,
 * more than STUN_RDV_MAX_CANDS), STUN_ERR_STATE (leaving, done or failed)
 * or a build error.
 */
STUN_API int stun_rdv_client_set_cands(struct stun_rdv_client *rc,
    const struct stun_rdv_cand *cand, unsigned n, uint64_t now);
/*
 * Set our NAT essentials (sent as RDV-NAT, which also asks the server for
 * the other members' essentials); once registered, Register goes again as
 * with stun_rdv_client_set_cands().  Returns 0, STUN_ERR_INVALID
 * (essentials the wire cannot carry), STUN_ERR_STATE or a build error.
 */
STUN_API int stun_rdv_client_set_nat(struct stun_rdv_client *rc,
    const struct stun_hardnat_ess *e, uint64_t now);
/* Leave the room: send Leave (DONE follows its answer or timeout). */
STUN_API int stun_rdv_client_leave(struct stun_rdv_client *rc, uint64_t now);
/* Next action; each is handed out once. */
STUN_API void stun_rdv_client_next(struct stun_rdv_client *rc,
    struct stun_rdv_action *a);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_RDV_H */

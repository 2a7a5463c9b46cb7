/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The p2pchat rendezvous extension (doc/rendezvous.md): STUN-format
 * messages that register a peer in a room, tell members about each other
 * and time simultaneous hole punching.  This header owns the codec (one
 * decoded struct, one builder, both on libstun's codec) and the I/O-free
 * client machine.  Every message carries MESSAGE-INTEGRITY-SHA256 keyed by
 * stun_rdv_key(room id) and FINGERPRINT.
 */
#ifndef LIBSTUN_RDV_H
#define LIBSTUN_RDV_H

#include <libstun/stun.h>
#include <libstun/txn.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Methods: IANA "Expert Review" range 0x081-0x0FF, unassigned. */
#define STUN_RDV_REGISTER	0x0D0	/* request / response */
#define STUN_RDV_KEEPALIVE	0x0D1	/* request / response */
#define STUN_RDV_LEAVE		0x0D2	/* request / response */
#define STUN_RDV_MEMBERS	0x0D3	/* indication, server -> client */
#define STUN_RDV_GO		0x0D4	/* indication, server -> client */

/* Attributes: comprehension-optional, Expert Review, unassigned (0xC061-). */
#define STUN_RDV_ATTR_ROOM	0xC0D0	/* 8..32 opaque bytes */
#define STUN_RDV_ATTR_NAME	0xC0D1	/* 1..32 bytes UTF-8 */
#define STUN_RDV_ATTR_CANDS	0xC0D2	/* candidate list */
#define STUN_RDV_ATTR_NONCE	0xC0D3	/* 16 bytes, client secret */
#define STUN_RDV_ATTR_MEMBER_ID	0xC0D4	/* u32 */
#define STUN_RDV_ATTR_MEMBER	0xC0D5	/* one member entry */
#define STUN_RDV_ATTR_EVENT	0xC0D6	/* u8 event, 3 zero, u32 member */
#define STUN_RDV_ATTR_EPOCH	0xC0D7	/* u32 */
#define STUN_RDV_ATTR_ECHO	0xC0D8	/* u64 opaque server token */
#define STUN_RDV_ATTR_HOLD	0xC0D9	/* u32 ms the token was held */
#define STUN_RDV_ATTR_DELAY	0xC0DA	/* u32 ms */
#define STUN_RDV_ATTR_PEER_ID	0xC0DB	/* u32 */
#define STUN_RDV_ATTR_INTERVAL	0xC0DC	/* u32 keepalive interval, ms */
#define STUN_RDV_ATTR_RELAY_USER 0xC0DD	/* TURN username, 1..128 UTF-8 */
#define STUN_RDV_ATTR_RELAY_PASS 0xC0DE	/* TURN password, 1..64 bytes */

/* Error codes used in error responses. */
#define STUN_RDV_ERR_BAD	400	/* malformed */
#define STUN_RDV_ERR_UNKNOWN	437	/* no such member: register again */
#define STUN_RDV_ERR_FULL	508	/* a table or room is full */

/* Limits (the parser refuses anything larger). */
#define STUN_RDV_ROOM_MIN	(8)
#define STUN_RDV_ROOM_MAX	(32)
#define STUN_RDV_NAME_MAX	(32)
#define STUN_RDV_NONCE_LEN	(16)
#define STUN_RDV_MAX_CANDS	(8)	/* sent by a client */
#define STUN_RDV_MEMBER_CANDS	(STUN_RDV_MAX_CANDS + 1)	/* + srflx */
#define STUN_RDV_MAX_MEMBERS	(16)	/* per room, protocol ceiling */
#define STUN_RDV_RELAY_USER_MAX	(128)
#define STUN_RDV_RELAY_PASS_MAX	(64)
/*
 * Largest message we build.  The largest is a Register success: header,
 * room, mapped, six u32/u64 fields, 15 members of up to 224 bytes, the
 * relay credential (200) and integrity: 3,712 bytes (a test checks).
 */
#define STUN_RDV_MSG_MAX	(4096)
#define STUN_RDV_KEY_LEN	(32)
#define STUN_RDV_DELAY_MAX	(5000)	/* ms, larger Go delays refused */

#define STUN_RDV_KEEPALIVE_MS	10000
#define STUN_RDV_TIMEOUT_MS	30000

/* Candidate kinds. */
#define STUN_RDV_CAND_HOST	1
#define STUN_RDV_CAND_SRFLX	2
#define STUN_RDV_CAND_RELAY	3

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
};

/* Which optional fields of struct stun_rdv_msg are present. */
#define STUN_RDV_F_NAME		0x0001
#define STUN_RDV_F_CANDS	0x0002
#define STUN_RDV_F_NONCE	0x0004
#define STUN_RDV_F_MEMBER_ID	0x0008
#define STUN_RDV_F_MEMBERS	0x0010
#define STUN_RDV_F_EVENT	0x0020
#define STUN_RDV_F_EPOCH	0x0040
#define STUN_RDV_F_ECHO		0x0080	/* echo and hold */
#define STUN_RDV_F_DELAY	0x0100
#define STUN_RDV_F_PEER_ID	0x0200
#define STUN_RDV_F_INTERVAL	0x0400
#define STUN_RDV_F_MAPPED	0x0800	/* XOR-MAPPED-ADDRESS */
#define STUN_RDV_F_ERROR	0x1000	/* ERROR-CODE */
#define STUN_RDV_F_RELAY	0x2000	/* relay_user and relay_pass */

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
	uint8_t		 nonce[STUN_RDV_NONCE_LEN];
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
};

/* Is m (decoded) one of the rendezvous methods?  1 or 0. */
STUN_API int stun_rdv_is_rdv(const struct stun_msg *m);
/*
 * The integrity key of a room: HMAC-SHA256 keyed by the label
 * "stunkit rendezvous v1" over the room id.  Returns 0, STUN_ERR_INVALID
 * for a room id outside 8..32 bytes, or STUN_ERR_CRYPTO.
 */
STUN_API int stun_rdv_key(const uint8_t *room, size_t roomlen,
    uint8_t key[STUN_RDV_KEY_LEN]);
/*
 * Decode a rendezvous message: FINGERPRINT and MESSAGE-INTEGRITY-SHA256
 * (keyed by the room's key) are required and checked before any field is
 * read, then every attribute is parsed with its bounds.  Returns 0,
 * STUN_ERR_INVALID (not a rendezvous message), STUN_ERR_NOT_FOUND (room,
 * integrity or fingerprint absent), STUN_ERR_FINGERPRINT,
 * STUN_ERR_INTEGRITY, or STUN_ERR_BAD_ATTR; out is cleared first.
 */
STUN_API int stun_rdv_decode(const struct stun_msg *m,
    struct stun_rdv_msg *out);
/*
 * Build in (fields per in->flags) into buf, with MESSAGE-INTEGRITY-SHA256
 * and FINGERPRINT.  Returns the length or STUN_ERR_*.
 */
STUN_API int stun_rdv_build(const struct stun_rdv_msg *in, uint8_t *buf,
    size_t cap);
STUN_API const char *stun_rdv_method_name(uint16_t method);

/*
 * The client machine.  The caller owns one UDP socket to the server, feeds
 * it datagrams from the server and timer calls, and drains actions with
 * stun_rdv_client_next() until it returns STUN_RDV_A_WAIT.
 */
struct stun_rdv_config {
	struct stun_addr server;
	uint8_t		room[STUN_RDV_ROOM_MAX];
	size_t		roomlen;
	char		name[STUN_RDV_NAME_MAX + 1];
	unsigned	ncand;
	struct stun_rdv_cand cand[STUN_RDV_MAX_CANDS];	/* host, relay */
	struct stun_txn_params txn;	/* zeros: libstun defaults */
	uint32_t	keepalive;	/* ms, 0: the server's or 10 s */
	stun_random_fn	rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
};

/* Actions. */
#define STUN_RDV_A_WAIT		0	/* call the timer at wake */
#define STUN_RDV_A_SEND		1	/* send buf/len to the server */
#define STUN_RDV_A_JOINED	2	/* registered: member_id, mapped, relay */
#define STUN_RDV_A_MEMBERS	3	/* members/nmembers is the new list */
#define STUN_RDV_A_GO		4	/* punch towards peer_id at go_at */
#define STUN_RDV_A_DONE		5	/* left the room */
#define STUN_RDV_A_FAILED	6	/* err says why; the machine stopped */

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
};

/* Client states. */
#define STUN_RDV_S_IDLE		0
#define STUN_RDV_S_REGISTER	1	/* Register in flight */
#define STUN_RDV_S_JOINED	2
#define STUN_RDV_S_LEAVE	3	/* Leave in flight */
#define STUN_RDV_S_DONE		4
#define STUN_RDV_S_FAILED	5

#define STUN_RDV_GOQ		(STUN_RDV_MAX_MEMBERS)

struct stun_rdv_client {
	struct stun_rdv_config c;
	uint8_t		key[STUN_RDV_KEY_LEN];
	uint8_t		nonce[STUN_RDV_NONCE_LEN];
	int		state;		/* STUN_RDV_S_* */
	int		joined_once;
	uint32_t	member_id;
	struct stun_addr mapped;
	/* The relay credential of the last Register success, or "". */
	char		relay_user[STUN_RDV_RELAY_USER_MAX + 1];
	char		relay_pass[STUN_RDV_RELAY_PASS_MAX + 1];
	uint32_t	epoch;
	uint32_t	interval;	/* keepalive period in use, ms */
	uint64_t	next_ka;	/* when the next keepalive is due */
	/* The request in flight (one at a time). */
	uint16_t	req_method;
	struct stun_txn	txn;
	int		txn_on;
	uint8_t		req[STUN_RDV_MSG_MAX];
	size_t		reqlen;
	/* RTT token from the last response, echoed in the next request. */
	int		has_echo;
	uint64_t	echo;
	uint64_t	echo_at;
	/* Pending actions. */
	int		pend_send, pend_joined, pend_members, pend_done;
	int		err;
	int		code;
	uint8_t		event;
	uint32_t	event_member;
	unsigned	nmembers;
	struct stun_rdv_member members[STUN_RDV_MAX_MEMBERS];
	unsigned	ngo;
	uint32_t	go_peer[STUN_RDV_GOQ];
	uint64_t	go_at[STUN_RDV_GOQ];
	/* Counters. */
	unsigned	ignored;	/* datagrams that were not for us */
	unsigned	rejected;	/* failed integrity or parsing */
};

/*
 * Copy c and draw the client nonce.  Returns 0, STUN_ERR_INVALID (bad
 * room, name or candidate count), STUN_ERR_RANDOM or STUN_ERR_CRYPTO.
 */
STUN_API int stun_rdv_client_init(struct stun_rdv_client *rc,
    const struct stun_rdv_config *c);
/* Send Register at now.  0, STUN_ERR_STATE or a build error. */
STUN_API int stun_rdv_client_start(struct stun_rdv_client *rc, uint64_t now);
/*
 * A datagram arrived from from.  Anything that is not a verified
 * rendezvous message from the server for our room is counted and
 * ignored.  Returns 0.
 */
STUN_API int stun_rdv_client_input(struct stun_rdv_client *rc,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now);
/* Timer: retransmit, send keepalives, give up. */
STUN_API void stun_rdv_client_timer(struct stun_rdv_client *rc,
    uint64_t now);
/*
 * Replace our candidates (for instance with a relayed address allocated
 * after joining).  Once registered, Register goes again with the same
 * nonce, so the server keeps our member id and tells the room; JOINED is
 * not repeated, MEMBERS follows.  Returns 0, STUN_ERR_INVALID (bad
 * candidate, more than STUN_RDV_MAX_CANDS), STUN_ERR_STATE (leaving, done
 * or failed) or a build error.
 */
STUN_API int stun_rdv_client_set_cands(struct stun_rdv_client *rc,
    const struct stun_rdv_cand *cand, unsigned n, uint64_t now);
/* Leave the room: send Leave (DONE follows its answer or timeout). */
STUN_API int stun_rdv_client_leave(struct stun_rdv_client *rc, uint64_t now);
/* Next action; each is handed out once. */
STUN_API void stun_rdv_client_next(struct stun_rdv_client *rc,
    struct stun_rdv_action *a);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_RDV_H */

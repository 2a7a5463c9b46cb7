/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The TURN client (RFC 8656 over UDP) as an I/O-free machine.  The caller
 * owns one socket to the server, feeds it datagrams and timer calls, and
 * drains actions: "send these bytes to the server", "wake me at T",
 * "allocated", "permission/channel ok or failed", "peer P sent these
 * bytes", "failed" and "closed".  The machine authenticates with the
 * long-term credential mechanism (RFC 8489 9.2), keeps the allocation,
 * permissions and channels refreshed, and wraps and unwraps peer data.
 */
#ifndef LIBSTUN_TURN_H
#define LIBSTUN_TURN_H

#include <libstun/stun.h>
#include <libstun/txn.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_TURN_MAX_PERMS	16	/* peers with a permission */
#define STUN_TURN_MAX_CHANNELS	16	/* channels bound */
/*
 * The largest request: USERNAME (508), REALM and NONCE (763 each, as
 * parsed), PASSWORD-ALGORITHMS (64), both integrities, FINGERPRINT and
 * the method's own attributes come to under 2,300 bytes.
 */
#define STUN_TURN_MSG_MAX	2560
#define STUN_TURN_PASSWORD_MAX	(STUN_MAX_STRING_SEND)
#define STUN_TURN_PWALGS_MAX	(64)	/* PASSWORD-ALGORITHMS echoed */
#define STUN_TURN_MAX_STALE	3	/* 438 answers in a row per request */
#define STUN_TURN_MAX_REDIRECTS	3	/* 300 ALTERNATE-SERVER followed */

/* RFC 8656 9: permissions last 300 s; refresh them a minute early. */
#define STUN_TURN_PERM_REFRESH	240000	/* ms */
/*
 * RFC 8656 12: a channel lasts 600 s, and its ChannelBind refreshes the
 * peer's permission too, so refreshing every 240 s keeps both alive with
 * one request.
 */
#define STUN_TURN_CHAN_REFRESH	240000	/* ms */

struct stun_turn_config {
	struct stun_addr server;
	char		username[STUN_MAX_STRING_SEND + 1];
	char		password[STUN_TURN_PASSWORD_MAX + 1];
	/*
	 * Relayed family: 0 (server's) or 4 (IPv4, RFC 8656's default: not
	 * named on the wire), 6 (REQUESTED-ADDRESS-FAMILY; after a 420
	 * naming it, asked again without, so ALLOCATED may bring IPv4).
	 */
	uint8_t		family;
	uint32_t	lifetime;	/* s to ask for, 0: server default */
	struct stun_txn_params txn;	/* zeros: libstun defaults */
	stun_random_fn	rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
};

/* Actions. */
#define STUN_TURN_A_WAIT	0	/* nothing; wake at .wake (0: none) */
#define STUN_TURN_A_SEND	1	/* send buf/len to .to (the server) */
#define STUN_TURN_A_ALLOCATED	2	/* relayed, mapped, lifetime */
#define STUN_TURN_A_PERM_OK	3	/* peer may now send and receive */
#define STUN_TURN_A_PERM_FAILED	4	/* peer: err, code */
#define STUN_TURN_A_CHAN_OK	5	/* peer bound to channel */
#define STUN_TURN_A_CHAN_FAILED	6	/* peer, channel: err, code */
#define STUN_TURN_A_DATA	7	/* peer sent data/datalen */
#define STUN_TURN_A_FAILED	8	/* err, code; the machine stopped */
#define STUN_TURN_A_CLOSED	9	/* the machine stopped: err 0 when the
					   server confirmed the deallocation */

struct stun_turn_action {
	int		 kind;
	const uint8_t	*buf;		/* SEND */
	size_t		 len;
	struct stun_addr to;
	uint64_t	 wake;		/* WAIT */
	struct stun_addr relayed;	/* ALLOCATED */
	struct stun_addr mapped;
	uint32_t	 lifetime;	/* s */
	struct stun_addr peer;		/* PERM_*, CHAN_*, DATA */
	uint16_t	 channel;	/* CHAN_*, DATA on a channel, else 0 */
	const uint8_t	*data;		/* DATA */
	size_t		 datalen;
	/*
	 * *_FAILED, CLOSED: STUN_ERR_TIMEOUT (no answer), STUN_ERR_STATE
	 * (the server refused: code says why) or another STUN_ERR_* (a
	 * malformed answer, a local failure).
	 */
	int		 err;
	int		 code;		/* error response code, or 0 */
};

/* Machine states. */
#define STUN_TURN_S_IDLE	0
#define STUN_TURN_S_ALLOCATING	1
#define STUN_TURN_S_ALLOCATED	2
#define STUN_TURN_S_CLOSING	3	/* Refresh with lifetime 0 in flight */
#define STUN_TURN_S_CLOSED	4
#define STUN_TURN_S_FAILED	5

/* One request in flight (Allocate, Refresh, CreatePermission, ...). */
struct stun_turn_req {
	int		on;
	uint16_t	method;
	int		auth;		/* sent with credentials */
	int		send;		/* a SEND is due */
	unsigned	stale;		/* 438 answers in a row */
	uint32_t	lifetime;	/* Refresh: LIFETIME sent */
	struct stun_txn	txn;
};

/* Permission and channel entries. */
#define STUN_TURN_E_FREE	0
#define STUN_TURN_E_PENDING	1	/* first request in flight */
#define STUN_TURN_E_OK		2
#define STUN_TURN_E_FAILED	3	/* reported, then freed */

struct stun_turn_entry {
	int		state;		/* STUN_TURN_E_* */
	struct stun_addr peer;		/* permissions: the port is ignored */
	uint16_t	channel;	/* channels only */
	uint64_t	refresh_at;
	int		report;		/* an OK or FAILED action is due */
	int		err, code;
	struct stun_turn_req req;
};

struct stun_turn {
	struct stun_turn_config c;
	int		state;		/* STUN_TURN_S_* */
	/* Credentials learned from the 401. */
	char		realm[STUN_MAX_REALM + 1];
	char		nonce[STUN_MAX_NONCE + 1];
	uint8_t		pwalgs[STUN_TURN_PWALGS_MAX];	/* raw, echoed */
	size_t		pwalgslen;	/* 0: none offered */
	uint16_t	alg;		/* STUN_PWALG_MD5 or _SHA256 */
	int		nofamily;	/* the server refused the family */
	uint8_t		key[STUN_KEY_MAX];
	size_t		keylen;
	/* The allocation. */
	struct stun_turn_req req;	/* Allocate, Refresh, deallocate */
	struct stun_addr relayed;
	struct stun_addr mapped;
	uint32_t	lifetime;	/* s, as granted */
	uint64_t	refresh_at;
	int		pend_alloc;	/* ALLOCATED is due */
	int		pend_end;	/* FAILED or CLOSED is due */
	int		err, code;
	struct stun_turn_entry perm[STUN_TURN_MAX_PERMS];
	struct stun_turn_entry chan[STUN_TURN_MAX_CHANNELS];
	uint16_t	next_channel;
	/* Data from the last input, handed out once. */
	int		pend_data;
	struct stun_addr data_peer;
	uint16_t	data_channel;
	const uint8_t	*data;
	size_t		datalen;
	uint8_t		out[STUN_TURN_MSG_MAX];	/* the SEND handed out */
	/* Servers an Allocate was sent away from (300), never again. */
	struct stun_addr tried[STUN_TURN_MAX_REDIRECTS];
	unsigned	redirects;
	/* Counters. */
	unsigned	ignored;	/* not for this machine */
	unsigned	rejected;	/* for us but malformed or forged */
};

/*
 * Copy c.  Returns 0 or STUN_ERR_INVALID (bad server address, family,
 * empty username, strings too long or not OpaqueString-clean).
 */
STUN_API int stun_turn_init(struct stun_turn *t,
    const struct stun_turn_config *c);
/*
 * Send the first Allocate (without credentials) at now.  Returns 0,
 * STUN_ERR_STATE when already started, or STUN_ERR_RANDOM.
 */
STUN_API int stun_turn_start(struct stun_turn *t, uint64_t now);
/*
 * A datagram arrived.  Returns 0 when it was for the machine (a verified
 * response, a Data indication, ChannelData on one of our channels; drain
 * the actions before the next input, since DATA points into buf),
 * STUN_ERR_NOT_FOUND when it was not (another source, another method, an
 * unknown transaction or channel: hand it to someone else), or another
 * STUN_ERR_* when it came from the server but was malformed, unsigned or
 * forged (counted and dropped).
 */
STUN_API int stun_turn_input(struct stun_turn *t,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now);
/* The timer: retransmissions, timeouts and refreshes that are due. */
STUN_API void stun_turn_timer(struct stun_turn *t, uint64_t now);
/* Next action; call until STUN_TURN_A_WAIT.  SEND bytes live until then. */
STUN_API void stun_turn_next(struct stun_turn *t,
    struct stun_turn_action *a);
/*
 * Ask for a permission for peer's address (the port is ignored) and keep
 * it refreshed.  Returns 0 (also when it exists already), STUN_ERR_STATE
 * before ALLOCATED, STUN_ERR_NOSPACE when the table is full, or
 * STUN_ERR_INVALID.
 */
STUN_API int stun_turn_permit(struct stun_turn *t,
    const struct stun_addr *peer, uint64_t now);
/* Stop refreshing peer's permission (it expires at the server). */
STUN_API int stun_turn_unpermit(struct stun_turn *t,
    const struct stun_addr *peer);
/*
 * Bind a channel to peer (address and port) and keep it refreshed.  Same
 * returns as stun_turn_permit().
 */
STUN_API int stun_turn_channel(struct stun_turn *t,
    const struct stun_addr *peer, uint64_t now);
/*
 * Wrap data for peer into out: ChannelData when a channel to peer is
 * bound, else a Send indication (the server relays it only once the
 * peer has a permission).  Returns the length, STUN_ERR_STATE before
 * ALLOCATED, STUN_ERR_NOSPACE, STUN_ERR_RANDOM or STUN_ERR_INVALID.
 */
STUN_API int stun_turn_wrap(struct stun_turn *t,
    const struct stun_addr *peer, const uint8_t *data, size_t len,
    uint8_t *out, size_t cap);
/*
 * Deallocate (Refresh with LIFETIME 0) at now; CLOSED follows its answer
 * or timeout.  Before the allocation exists, CLOSED follows at once.
 * Returns 0 or STUN_ERR_STATE when already closed or failed.
 */
STUN_API int stun_turn_close(struct stun_turn *t, uint64_t now);
STUN_API const char *stun_turn_action_name(int kind);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_TURN_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat end-to-end crypto through OpenSSL's EVP API: room codes (a random
 * 128-bit secret as typeable base32 groups) and what is derived from them
 * (room id, rendezvous key, handshake key); the X25519 handshake bound to
 * the room secret; sealing and opening of data packets with
 * ChaCha20-Poly1305, per-direction keys and a sliding replay window.  No
 * I/O.  Wire formats: doc/p2pchat-wire.md.
 */
#ifndef CHAT_CRYPTO_H
#define CHAT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_ERR_REPLAY		(-100)	/* counter seen or too old */

#define CHAT_SECRET_LEN		16	/* 128-bit room secret */
#define CHAT_ROOMID_LEN		16
#define CHAT_ROOMKEY_LEN	32
#define CHAT_PUB_LEN		32	/* X25519 */
#define CHAT_KEY_LEN		32	/* ChaCha20-Poly1305 */
#define CHAT_IV_LEN		12
#define CHAT_TAG_LEN		16
#define CHAT_NAME_MAX		(32)	/* display name bytes */
/* "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx": 28 base32 digits, 140 bits. */
#define CHAT_CODE_LEN		(34)

/* First byte of each p2pchat packet; STUN uses 0-3, ChannelData 64-79. */
#define CHAT_PKT_HELLO		0xD0
#define CHAT_PKT_FINISH		0xD1
#define CHAT_PKT_DATA		0xD2
#define CHAT_VERSION		1

#define CHAT_DATA_HDR_LEN	12	/* type, version, 2 zero, counter */
#define CHAT_SEAL_OVERHEAD	(CHAT_DATA_HDR_LEN + CHAT_TAG_LEN)
#define CHAT_HELLO_MAX		(4 + CHAT_PUB_LEN + CHAT_NAME_MAX + 32)
#define CHAT_HELLO_F_REKEY	0x01	/* HELLO flags: sent by a side that
					   has a session, answering a peer
					   that started over */
#define CHAT_FINISH_LEN		(4 + 32)

#define CHAT_REPLAY_WINDOW	256	/* counters remembered below the top */

/* Primitives, exposed for the known-answer tests. */
int	chat_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
	    size_t ikmlen, const uint8_t *info, size_t infolen, uint8_t *out,
	    size_t outlen);
/* pub = X25519(priv, 9). */
int	chat_x25519_pub(const uint8_t priv[32], uint8_t pub[32]);
/* out = X25519(priv, peer); STUN_ERR_CRYPTO for an all-zero result. */
int	chat_x25519(const uint8_t priv[32], const uint8_t peer[32],
	    uint8_t out[32]);
/* out = ciphertext || tag (ptlen + 16 bytes). */
int	chat_aead_seal(const uint8_t key[32], const uint8_t nonce[12],
	    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
	    uint8_t *out);
/* in = ciphertext || tag; STUN_ERR_INTEGRITY when the tag fails. */
int	chat_aead_open(const uint8_t key[32], const uint8_t nonce[12],
	    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
	    uint8_t *out);

/*
 * Room codes.  chat_code_make() draws a secret (rnd NULL: RAND_bytes) and
 * formats it; chat_code_format() writes the code (cap > CHAT_CODE_LEN);
 * chat_code_parse() accepts upper or lower case, ignores '-' and spaces,
 * reads i/l as 1 and o as 0, and checks the 12-bit checksum: 0 or
 * STUN_ERR_INVALID.
 */
int	chat_code_make(stun_random_fn rnd, void *arg,
	    uint8_t secret[CHAT_SECRET_LEN], char *code, size_t cap);
int	chat_code_format(const uint8_t secret[CHAT_SECRET_LEN], char *code,
	    size_t cap);
int	chat_code_parse(const char *code, uint8_t secret[CHAT_SECRET_LEN]);
/*
 * The rendezvous room key (HKDF of the secret under its own label): it
 * proves to the rendezvous server that a client may join, and no more;
 * the handshake key is derived from the secret under another label.  The
 * room id is the hash of the room key (stun_rdv_room_id()), so the id
 * seen on the wire does not let anyone in.
 */
int	chat_room_key(const uint8_t secret[CHAT_SECRET_LEN],
	    uint8_t key[CHAT_ROOMKEY_LEN]);
int	chat_room_id(const uint8_t secret[CHAT_SECRET_LEN],
	    uint8_t id[CHAT_ROOMID_LEN]);

/* One direction-keyed session after a handshake. */
struct chat_session {
	uint8_t		tx_key[CHAT_KEY_LEN];
	uint8_t		tx_iv[CHAT_IV_LEN];
	uint8_t		rx_key[CHAT_KEY_LEN];
	uint8_t		rx_iv[CHAT_IV_LEN];
	uint64_t	tx_ctr;		/* next counter to send */
	uint64_t	rx_top;		/* highest counter accepted */
	int		rx_any;		/* rx_top is valid */
	uint64_t	rx_bits[CHAT_REPLAY_WINDOW / 64];
};

/*
 * Seal pt into a DATA packet in out (cap >= ptlen + CHAT_SEAL_OVERHEAD).
 * Returns the packet length or STUN_ERR_*.
 */
int	chat_seal(struct chat_session *s, const uint8_t *pt, size_t ptlen,
	    uint8_t *out, size_t cap);
/*
 * Open a DATA packet into out (cap >= len - CHAT_SEAL_OVERHEAD).  Returns
 * the plaintext length, STUN_ERR_TRUNCATED / NOT_STUN for a malformed
 * packet, CHAT_ERR_REPLAY for a counter already seen or below the window,
 * or STUN_ERR_INTEGRITY.  The window moves only for authentic packets.
 */
int	chat_open(struct chat_session *s, const uint8_t *in, size_t len,
	    uint8_t *out, size_t cap);
void	chat_session_clear(struct chat_session *s);

/*
 * The handshake.  Both sides send HELLO (own ephemeral key and name, MAC
 * under the room's handshake key); on the peer's HELLO each derives the
 * session and sends FINISH, a MAC over both keys and both names under a
 * key that needs both the DH secret and the room secret.  The side that
 * verifies the peer's FINISH is done.
 */
#define CHAT_HS_WAIT		0	/* nothing to send */
#define CHAT_HS_SEND		1	/* send out (a FINISH) */
#define CHAT_HS_DONE		2	/* peer confirmed; session ready */
#define CHAT_HS_NEW		3	/* done, and a valid HELLO with
					   another key came: the peer started
					   over (re-key on a new handshake) */

struct chat_hs {
	int		state;		/* CHAT_HS_WAIT (no peer yet) .. */
	int		got_hello;
	int		rekey;		/* ours answers a re-key */
	uint8_t		hs_key[32];
	uint8_t		priv[32];
	uint8_t		pub[CHAT_PUB_LEN];
	uint8_t		peer_pub[CHAT_PUB_LEN];
	char		name[CHAT_NAME_MAX + 1];
	char		peer_name[CHAT_NAME_MAX + 1];
	uint8_t		confirm_key[32];
	struct chat_session sess;
};

/*
 * name: 1..CHAT_NAME_MAX bytes without control characters.  Returns 0,
 * STUN_ERR_INVALID or STUN_ERR_RANDOM / CRYPTO.
 */
int	chat_hs_init(struct chat_hs *h, const uint8_t secret[CHAT_SECRET_LEN],
	    const char *name, stun_random_fn rnd, void *arg);
/*
 * A new handshake with from's room key and name and a fresh key of ours
 * (re-keying a session whose peer started over; its HELLO is flagged
 * CHAT_HELLO_F_REKEY): 0 or STUN_ERR_*.
 */
int	chat_hs_renew(struct chat_hs *h, const struct chat_hs *from,
	    stun_random_fn rnd, void *arg);
/* Our HELLO (send it, and again until done).  Returns its length. */
int	chat_hs_hello(const struct chat_hs *h, uint8_t *out, size_t cap);
/*
 * A HELLO or FINISH arrived.  Returns CHAT_HS_SEND (out[0..*outlen) holds
 * our FINISH: send it), CHAT_HS_DONE, CHAT_HS_WAIT, CHAT_HS_NEW (done,
 * and a HELLO with another key, not flagged CHAT_HELLO_F_REKEY: such a
 * one, an answer to a re-key we never asked for, is STUN_ERR_STATE,
 * so that a recorded HELLO played to one side cannot make both re-key),
 * or STUN_ERR_INTEGRITY (wrong room
 * secret or forgery), STUN_ERR_TRUNCATED / NOT_STUN / INVALID for
 * malformed input.  Before done, a HELLO with another key than the first
 * replaces it (its FINISH is sent); a FINISH verifies only against the
 * HELLO it answers.
 */
int	chat_hs_input(struct chat_hs *h, const uint8_t *in, size_t len,
	    uint8_t *out, size_t cap, size_t *outlen);
/* Copy the session once CHAT_HS_DONE; else STUN_ERR_STATE. */
int	chat_hs_session(const struct chat_hs *h, struct chat_session *s);
void	chat_hs_clear(struct chat_hs *h);

#endif /* CHAT_CRYPTO_H */

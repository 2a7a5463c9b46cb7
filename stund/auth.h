/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * TURN credentials for stund, I/O-free: the realm, the users file (keys
 * derived once at load, no password kept), the TURN REST shared secret,
 * rendezvous credentials (their passwords come from the room table), and
 * the stateless nonces of the long-term mechanism (RFC 8489 9.2), bound
 * to the client's address and to its allocation, with USERHASH lookup for
 * users from the file (RFC 8489 14.4).
 * A struct auth is built once and then only read, so SIGHUP replaces it
 * whole and workers read it without a lock.
 */
#ifndef STUND_AUTH_H
#define STUND_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define AUTH_NONCE_SECRET	32
#define AUTH_DEFAULT_NONCE_LIFE	(600)	/* s, then 438 */
#define AUTH_MAX_USERS		(1000000)
#define AUTH_MAX_SECRET		(256)
#define AUTH_MAX_FILE		(64U * 1024 * 1024)
#define AUTH_MAX_KEY_FILE	(4096)	/* a key file, hex */

struct auth_user;
struct auth_hash;
struct conf;

struct auth {
	char		 realm[STUN_MAX_STRING_SEND + 1];
	struct auth_user *users;	/* sorted by name */
	size_t		 nusers;
	size_t		 cap;
	/* USERHASH of every user, sorted; built by auth_load_users(). */
	struct auth_hash *byhash;
	uint8_t		 secret[AUTH_MAX_SECRET];	/* REST */
	size_t		 secretlen;	/* 0: REST credentials off */
	int		 rdv;		/* rendezvous credentials on */
	uint8_t		 nonce_key[AUTH_NONCE_SECRET];
	uint32_t	 nonce_life;	/* s */
};

/*
 * The prefix of the name part of rendezvous credentials
 * ("<expiry>:rdv-<member id><room tag>"): such names are never REST names.
 */
#define AUTH_RDV_PREFIX		"rdv-"

/* What auth_check() and auth_challenge() need besides the message. */
struct auth_req {
	const struct stun_addr	*from;		/* the client's address */
	uint64_t		 now_s;		/* monotonic seconds (nonces) */
	int64_t			 wall;		/* Unix seconds (expiry) */
	/*
	 * The allocation instance the nonce is bound to, 0 for none: a
	 * nonce made for one allocation is stale (438) for any other, so a
	 * request captured in one cannot be replayed into the next.
	 */
	uint64_t		 bind;
	/* Password of a rendezvous user (0 or -1); NULL: none accepted. */
	int			(*rdv_pw)(void *, const char *, char *,
				    size_t);
	void			*rdv_arg;
};

/* The outcome of auth_check() for one request. */
struct auth_result {
	int		 code;		/* 0 good; 400, 401, 438 */
	const char	*why;		/* short reason, for logs */
	uint16_t	 alg;		/* STUN_PWALG_* used for the key */
	int		 sha256;	/* request carried MI-SHA256 */
	int		 rest;		/* REST credential */
	int		 rdv;		/* rendezvous credential */
	int		 userhash;	/* user named by USERHASH */
	uint8_t		 key[STUN_KEY_MAX];
	size_t		 keylen;
	char		 user[STUN_MAX_USERNAME + 1];
	/*
	 * The name quotas count: the username, or the name part of a REST
	 * or rendezvous credential.
	 */
	const char	*quota_name;
	size_t		 quota_len;
};

/*
 * Start an empty credential set for realm (UTF-8, at most 508 bytes).  The
 * nonce secret is copied from nonce_key, or drawn with RAND_bytes when it
 * is NULL; a reload passes the old one so nonces stay good.  Returns 0, or
 * -1 with a message in err.
 */
int	auth_init(struct auth *a, const char *realm,
	    const uint8_t *nonce_key, char *err, size_t errlen);
void	auth_free(struct auth *a);
/*
 * Add the users of a users file's text.  Each line is "name:password" or
 * "name:0x<32 hex digits>" (the MD5 long-term key, coturn's form, which
 * serves MD5 only); '#' starts a comment line, blank lines are skipped,
 * the name ends at the first ':'.  A repeated name is an error, as are
 * two names with one USERHASH (equal after OpaqueString).  The USERHASH
 * table is rebuilt here, so call it after auth_init().  Returns 0, or -1
 * with "fname:line: message" in err.
 */
int	auth_load_users(struct auth *a, const char *text, size_t len,
	    const char *fname, char *err, size_t errlen);
/*
 * The credentials of a config snapshot: when TURN is on and there is a
 * users file, a REST secret or a rendezvous that hands out relay
 * credentials (auth_rdv_on()), build c->auth from them, reading the users
 * file now (the only file auth reads).  old (may be NULL) lends its nonce
 * secret, so nonces stay good across a reload.  conf_free() frees it.
 * Returns 0, or -1 with a message in err.
 */
int	auth_load(struct conf *c, const struct conf *old, char *err,
	    size_t errlen);
/*
 * A key of keylen bytes from the file at path, written as 2 * keylen hex
 * digits (trailing white space allowed), read with conf_read_file() and
 * wiped from its buffer.  Returns 0, or -1 with "path: reason" in err and
 * key wiped.
 */
int	auth_read_key(const char *path, uint8_t *key, size_t keylen,
	    char *err, size_t errlen);
/* The TURN REST shared secret (coturn's static-auth-secret).  0 or -1. */
int	auth_set_secret(struct auth *a, const char *secret);
/* 1 when there is anything to authenticate against, else 0. */
int	auth_enabled(const struct auth *a);
/*
 * 1 when snapshot c accepts rendezvous credentials: TURN, the rendezvous
 * and rendezvous-relay are on, and the relay address is not a wildcard.
 */
int	auth_rdv_on(const struct conf *c);

/*
 * Check a request's long-term credentials (RFC 8489 9.2.4) as q says.
 * Fills r: code 0 with the key to sign the answer with, or the error to
 * send (401 with auth_challenge(), 438 likewise, 400 plain).  A
 * rendezvous name is checked with q->rdv_pw, never as a REST name.
 * When the nonce has the "Username anonymity" bit, USERHASH names a user
 * of the file and wins over USERNAME (RFC 8489 9.2.5); USERNAME alone is
 * still accepted, for RFC 5389 clients.  Without the bit USERHASH is
 * ignored, and USERHASH alone gets 401.
 */
void	auth_check(const struct auth *a, const struct stun_msg *m,
	    const struct auth_req *q, struct auth_result *r);
/*
 * Add REALM, a fresh NONCE (for q->from and q->bind) and
 * PASSWORD-ALGORITHMS to an answer.  The nonce sets "Password
 * algorithms", and "Username anonymity" when every name is a user from a
 * file: REST and rendezvous names cannot be listed, so they never offer
 * USERHASH.
 */
void	auth_challenge(const struct auth *a, struct stun_builder *b,
	    const struct auth_req *q);
/* Add the MESSAGE-INTEGRITY(-SHA256) the request used, with its key. */
void	auth_sign(const struct auth_result *r, struct stun_builder *b);
/*
 * The REST password for username under secret: base64(HMAC-SHA1(secret,
 * username)).  out must hold 29 bytes.  0 or -1.
 */
int	auth_rest_password(const uint8_t *secret, size_t secretlen,
	    const char *username, char *out, size_t cap);

#endif

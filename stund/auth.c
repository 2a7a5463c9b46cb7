/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * TURN long-term credentials (RFC 8489 9.2) for stund: users from a file
 * with their keys derived at load, time-limited TURN REST credentials
 * ("expiry:name", password base64(HMAC-SHA1(secret, username))),
 * rendezvous credentials of the same form whose password the room table
 * gives, stateless nonces bound to the client's transport address and
 * allocation, and USERHASH (RFC 8489 14.4) looked up in a table hashed
 * once per load.  Keys kept in files as hex (the rendezvous secret) load
 * here too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth.h"
#include "conf.h"

#define AUTH_LINE_MAX	(2048)

struct auth_user {
	char		*name;
	uint8_t		 md5[16];
	uint8_t		 sha256[32];
	int		 has_sha256;	/* from a password, not a key */
};

/* One user's USERHASH; the table is sorted by hash. */
struct auth_hash {
	uint8_t		 hash[32];
	size_t		 user;		/* index in users */
};

/* Our PASSWORD-ALGORITHMS, in order of preference (RFC 8489 14.11). */
static const uint16_t auth_algs[] = { STUN_PWALG_SHA256, STUN_PWALG_MD5 };
#define AUTH_NALGS	(sizeof(auth_algs) / sizeof(auth_algs[0]))

int
auth_init(struct auth *a, const char *realm, const uint8_t *nonce_key,
    char *err, size_t errlen)
{
	char	 tmp[STUN_MAX_STRING_SEND + 1];
	size_t	 n;

	memset(a, 0, sizeof(*a));
	a->nonce_life = AUTH_DEFAULT_NONCE_LIFE;
	if (realm == NULL || *realm == '\0' ||
	    strlen(realm) > STUN_MAX_STRING_SEND ||
	    stun_opaque_string(realm, strlen(realm), tmp, sizeof(tmp),
	    &n) != 0) {
		snprintf(err, errlen, "realm: empty, too long or not UTF-8");
		return (-1);
	}
	memcpy(a->realm, realm, strlen(realm) + 1);
	if (nonce_key != NULL)
		memcpy(a->nonce_key, nonce_key, sizeof(a->nonce_key));
	else if (RAND_bytes(a->nonce_key, sizeof(a->nonce_key)) != 1) {
		snprintf(err, errlen, "no random bytes for the nonce secret");
		return (-1);
	}
	return (0);
}

void
auth_free(struct auth *a)
{
	size_t	i;

	for (i = 0; i < a->nusers; i++)
		free(a->users[i].name);
	if (a->users != NULL)
		OPENSSL_cleanse(a->users, a->cap * sizeof(*a->users));
	free(a->users);
	free(a->byhash);
	a->byhash = NULL;
	OPENSSL_cleanse(a->secret, sizeof(a->secret));
	OPENSSL_cleanse(a->nonce_key, sizeof(a->nonce_key));
	a->users = NULL;
	a->nusers = a->cap = 0;
	a->secretlen = 0;
}

int
auth_enabled(const struct auth *a)
{
	return (a != NULL && (a->nusers > 0 || a->secretlen > 0 || a->rdv));
}

int
auth_rdv_on(const struct conf *c)
{
	const struct stun_addr	*ip;

	ip = c->has_relay_ip ? &c->relay_ip : &c->primary;
	/* Clients are told the relayed address: a wildcard will not do. */
	return (c->turn && c->rendezvous && c->rdv_relay &&
	    stun_addr_class(ip) != STUN_ADDR_UNSPEC);
}

/* Is the name part of a credential a rendezvous name? */
static int
auth_is_rdv(const char *name)
{
	return (strncmp(name, AUTH_RDV_PREFIX, strlen(AUTH_RDV_PREFIX)) == 0);
}

int
auth_set_secret(struct auth *a, const char *secret)
{
	size_t	n = secret != NULL ? strlen(secret) : 0;

	if (n == 0 || n > sizeof(a->secret))
		return (-1);
	memcpy(a->secret, secret, n);
	a->secretlen = n;
	return (0);
}

static int
auth_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

static int
auth_user_cmp(const void *x, const void *y)
{
	const struct auth_user	*a = x, *b = y;

	return (strcmp(a->name, b->name));
}

/* One "name:secret" line into u; returns NULL or what is wrong with it. */
static const char *
auth_parse_line(const struct auth *a, char *line, struct auth_user *u)
{
	char		 tmp[STUN_MAX_USERNAME + 1];
	uint8_t		 key[STUN_KEY_MAX];
	char		*pw;
	size_t		 n, klen, i;
	int		 hi, lo;

	memset(u, 0, sizeof(*u));
	if ((pw = strchr(line, ':')) == NULL)
		return ("expected name:password");
	*pw++ = '\0';
	if (*line == '\0' || strlen(line) > STUN_MAX_STRING_SEND ||
	    stun_opaque_string(line, strlen(line), tmp, sizeof(tmp), &n) != 0)
		return ("bad user name");
	if (*pw == '\0')
		return ("empty password");
	if (pw[0] == '0' && (pw[1] == 'x' || pw[1] == 'X') &&
	    strlen(pw) == 2 + 2 * sizeof(u->md5)) {
		for (i = 0; i < sizeof(u->md5); i++) {
			hi = auth_hex(pw[2 + 2 * i]);
			lo = auth_hex(pw[3 + 2 * i]);
			if (hi < 0 || lo < 0)
				return ("bad hex key");
			u->md5[i] = (uint8_t)(hi << 4 | lo);
		}
	} else {
		if (stun_key_long_term(STUN_PWALG_MD5, line, a->realm, pw,
		    key, &klen) != 0 || klen != sizeof(u->md5))
			return ("password is not a valid OpaqueString");
		memcpy(u->md5, key, sizeof(u->md5));
		if (stun_key_long_term(STUN_PWALG_SHA256, line, a->realm, pw,
		    key, &klen) != 0 || klen != sizeof(u->sha256))
			return ("password is not a valid OpaqueString");
		memcpy(u->sha256, key, sizeof(u->sha256));
		OPENSSL_cleanse(key, sizeof(key));
		u->has_sha256 = 1;
	}
	if ((u->name = strdup(line)) == NULL)
		return ("out of memory");
	return (NULL);
}

/*
 * Three-way compare of two USERHASHes that takes the same time whatever
 * they hold: the first differing byte decides, found without a branch.
 */
static int
auth_hash_cmp_ct(const uint8_t *x, const uint8_t *y)
{
	unsigned int	d, nz;
	int		r = 0;
	size_t		i = 32;

	while (i-- > 0) {
		d = (unsigned int)x[i] - (unsigned int)y[i];
		nz = 0U - ((d | (0U - d)) >> (sizeof(d) * 8 - 1));
		r = (int)(((unsigned int)r & ~nz) | (d & nz));
	}
	return (r);
}

static int
auth_hash_sort(const void *x, const void *y)
{
	const struct auth_hash	*a = x, *b = y;

	return (memcmp(a->hash, b->hash, sizeof(a->hash)));
}

/* The USERHASH table for the users now loaded.  NULL or what is wrong. */
static const char *
auth_index_hashes(struct auth *a, size_t *dup)
{
	size_t	i;

	*dup = a->nusers;
	free(a->byhash);
	a->byhash = NULL;
	if (a->nusers == 0)
		return (NULL);
	if ((a->byhash = calloc(a->nusers, sizeof(*a->byhash))) == NULL)
		return ("out of memory");
	for (i = 0; i < a->nusers; i++) {
		/* The name and realm passed OpaqueString at load. */
		if (stun_userhash(a->users[i].name, a->realm,
		    a->byhash[i].hash) != 0) {
			*dup = i;
			return ("no userhash");
		}
		a->byhash[i].user = i;
	}
	qsort(a->byhash, a->nusers, sizeof(*a->byhash), auth_hash_sort);
	for (i = 1; i < a->nusers; i++)
		if (memcmp(a->byhash[i - 1].hash, a->byhash[i].hash,
		    sizeof(a->byhash[i].hash)) == 0) {
			*dup = a->byhash[i].user;
			return ("same userhash as another user");
		}
	return (NULL);
}

int
auth_load_users(struct auth *a, const char *text, size_t len,
    const char *fname, char *err, size_t errlen)
{
	char			 line[AUTH_LINE_MAX];
	struct auth_user	 u, *nu;
	const char		*why = NULL, *p = text, *nl;
	const char		*end = text + len;
	size_t			 n, lineno = 0, ncap, i, bad = 0;

	if (len > AUTH_MAX_FILE) {
		snprintf(err, errlen, "%s: file too large", fname);
		return (-1);
	}
	/* Indexes the users as they are now: rebuilt at the end. */
	free(a->byhash);
	a->byhash = NULL;
	while (p < end && why == NULL) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n >= sizeof(line)) {
			why = "line too long";
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl < end ? nl + 1 : end;
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n) != NULL) {
			why = "NUL byte";
			break;
		}
		if ((why = auth_parse_line(a, line, &u)) != NULL)
			break;
		if (a->nusers == a->cap) {
			ncap = a->cap == 0 ? 64 : a->cap * 2;
			if (ncap > AUTH_MAX_USERS ||
			    (nu = calloc(ncap, sizeof(*nu))) == NULL) {
				free(u.name);
				why = "too many users";
				break;
			}
			if (a->nusers > 0)
				memcpy(nu, a->users, a->nusers * sizeof(*nu));
			if (a->users != NULL)
				OPENSSL_cleanse(a->users,
				    a->cap * sizeof(*a->users));
			free(a->users);
			a->users = nu;
			a->cap = ncap;
		}
		a->users[a->nusers++] = u;
		OPENSSL_cleanse(&u, sizeof(u));
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (why == NULL && a->nusers > 1) {
		qsort(a->users, a->nusers, sizeof(*a->users), auth_user_cmp);
		for (i = 1; i < a->nusers; i++)
			if (strcmp(a->users[i - 1].name, a->users[i].name) ==
			    0) {
				snprintf(err, errlen, "%s: user %s listed "
				    "twice", fname, a->users[i].name);
				return (-1);
			}
	}
	if (why != NULL) {
		snprintf(err, errlen, "%s:%zu: %s", fname, lineno, why);
		return (-1);
	}
	if ((why = auth_index_hashes(a, &bad)) != NULL) {
		snprintf(err, errlen, "%s: user %s: %s", fname,
		    bad < a->nusers ? a->users[bad].name : "?", why);
		return (-1);
	}
	return (0);
}

static const struct auth_user *
auth_find(const struct auth *a, const char *name)
{
	struct auth_user	key;

	if (a->nusers == 0)
		return (NULL);
	memset(&key, 0, sizeof(key));
	key.name = (char *)(uintptr_t)name;
	return (bsearch(&key, a->users, a->nusers, sizeof(*a->users),
	    auth_user_cmp));
}

/*
 * The user whose USERHASH is h.  The search takes the same number of
 * constant-time steps for any h against a given table, so its timing
 * says little about which hashes exist; CRYPTO_memcmp confirms the match.
 */
static const struct auth_user *
auth_find_hash(const struct auth *a, const uint8_t *h)
{
	size_t	lo = 0, hi = a->nusers, mid;

	if (a->byhash == NULL || a->nusers == 0)
		return (NULL);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (auth_hash_cmp_ct(a->byhash[mid].hash, h) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == a->nusers || CRYPTO_memcmp(a->byhash[lo].hash, h,
	    sizeof(a->byhash[lo].hash)) != 0)
		return (NULL);
	return (&a->users[a->byhash[lo].user]);
}

int
auth_rest_password(const uint8_t *secret, size_t secretlen,
    const char *username, char *out, size_t cap)
{
	uint8_t		mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0;
	int		rc = -1;

	if (cap < 29 || secretlen == 0 || secretlen > 0x7fffffff)
		return (-1);
	if (HMAC(EVP_sha1(), secret, (int)secretlen,
	    (const unsigned char *)username, strlen(username), mac,
	    &maclen) == NULL || maclen != 20)
		goto out;
	/* 20 bytes: 28 base64 characters and a NUL. */
	if (EVP_EncodeBlock((unsigned char *)out, mac, 20) != 28)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return (rc);
}

/*
 * A REST username: decimal expiry, then ':' and the name, or the expiry
 * alone.  Returns 1 with the expiry and the name part, 0 when it is not
 * of that form.
 */
static int
auth_rest_split(const char *user, int64_t *expiry, const char **name)
{
	const char	*p = user;
	int64_t		 v = 0;

	if (!isdigit((unsigned char)*p))
		return (0);
	while (isdigit((unsigned char)*p)) {
		if (v > (INT64_MAX - 9) / 10)
			return (0);
		v = v * 10 + (*p++ - '0');
	}
	if (*p != '\0' && *p != ':')
		return (0);
	*expiry = v;
	*name = *p == ':' ? p + 1 : user;
	return (1);
}

static int
auth_algs_ok(const struct stun_msg *m, uint16_t *alg)
{
	uint16_t	algs[8];
	size_t		n = 0, i;
	int		has_alg, has_algs;

	has_alg = stun_msg_find(m, STUN_ATTR_PASSWORD_ALGORITHM) != NULL;
	has_algs = stun_msg_find(m, STUN_ATTR_PASSWORD_ALGORITHMS) != NULL;
	/* RFC 8489 9.2.4: neither attribute means MD5. */
	if (!has_alg && !has_algs) {
		*alg = STUN_PWALG_MD5;
		return (1);
	}
	if (!has_alg || !has_algs ||
	    stun_msg_get_pwalg(m, alg) != 0 ||
	    stun_msg_get_pwalgs(m, algs, 8, &n) != 0 || n != AUTH_NALGS)
		return (0);
	for (i = 0; i < n; i++)
		if (algs[i] != auth_algs[i])
			return (0);
	for (i = 0; i < n; i++)
		if (*alg == algs[i])
			return (1);
	return (0);
}

static void
auth_fail(struct auth_result *r, int code, const char *why)
{
	OPENSSL_cleanse(r->key, sizeof(r->key));
	r->keylen = 0;
	r->code = code;
	r->why = why;
}

/* The long-term key of r->user from its password pw. */
static int
auth_key_pw(const struct auth *a, struct auth_result *r, const char *pw,
    const char *name)
{
	int	rc;

	rc = stun_key_long_term(r->alg, r->user, a->realm, pw, r->key,
	    &r->keylen);
	r->quota_name = name;
	r->quota_len = strlen(name);
	if (rc != 0)
		r->why = "bad user name";
	return (rc == 0 ? 0 : -1);
}

/*
 * The key for r->user with r->alg: from the users file when u is the
 * user USERHASH named, else from a rendezvous password, REST or the users
 * file by name.
 */
static int
auth_key(const struct auth *a, const struct auth_user *u,
    struct auth_result *r, const struct auth_req *q)
{
	char			 pw[32];
	const char		*name;
	int64_t			 expiry;
	int			 rc;

	if (u == NULL && auth_rest_split(r->user, &expiry, &name) &&
	    auth_is_rdv(name)) {
		/* Never a REST name, whatever the secret. */
		if (!a->rdv || q->rdv_pw == NULL) {
			r->why = "rendezvous credentials off";
			return (-1);
		}
		if (expiry < q->wall) {
			r->why = "rendezvous credential expired";
			return (-1);
		}
		if (q->rdv_pw(q->rdv_arg, r->user, pw, sizeof(pw)) != 0) {
			OPENSSL_cleanse(pw, sizeof(pw));
			r->why = "rendezvous password failed";
			return (-1);
		}
		r->rdv = 1;
		rc = auth_key_pw(a, r, pw, name);
		OPENSSL_cleanse(pw, sizeof(pw));
		return (rc);
	}
	if (u == NULL && a->secretlen > 0 &&
	    auth_rest_split(r->user, &expiry, &name)) {
		if (expiry < q->wall) {
			r->why = "rest credential expired";
			return (-1);
		}
		if (auth_rest_password(a->secret, a->secretlen, r->user, pw,
		    sizeof(pw)) != 0) {
			OPENSSL_cleanse(pw, sizeof(pw));
			r->why = "rest hmac failed";
			return (-1);
		}
		r->rest = 1;
		rc = auth_key_pw(a, r, pw, name);
		OPENSSL_cleanse(pw, sizeof(pw));
		return (rc);
	}
	if (u == NULL && (u = auth_find(a, r->user)) == NULL) {
		r->why = "unknown user";
		return (-1);
	}
	if (r->alg == STUN_PWALG_SHA256) {
		if (!u->has_sha256) {
			r->why = "user has an MD5 key only";
			return (-1);
		}
		memcpy(r->key, u->sha256, 32);
		r->keylen = 32;
	} else {
		memcpy(r->key, u->md5, 16);
		r->keylen = 16;
	}
	r->quota_name = r->user;
	r->quota_len = strlen(r->user);
	return (0);
}

/*
 * The secret of the nonces bound to allocation instance bind: the nonce
 * secret itself for none, else HMAC-SHA256(nonce secret, bind).  0 or -1.
 */
static int
auth_nonce_key(const struct auth *a, uint64_t bind,
    uint8_t out[AUTH_NONCE_SECRET])
{
	uint8_t		b[8];
	unsigned int	n = 0;
	int		i;

	if (bind == 0) {
		memcpy(out, a->nonce_key, AUTH_NONCE_SECRET);
		return (0);
	}
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(bind >> (56 - 8 * i));
	if (HMAC(EVP_sha256(), a->nonce_key, sizeof(a->nonce_key), b,
	    sizeof(b), out, &n) == NULL || n != AUTH_NONCE_SECRET)
		return (-1);
	return (0);
}

/* The user a USERHASH names, into *u and r->user; else fails r. */
static int
auth_userhash(const struct auth *a, const struct stun_msg *m,
    struct auth_result *r, const struct auth_user **u)
{
	const uint8_t	*h;
	size_t		 n;

	if (stun_msg_get_bytes(m, STUN_ATTR_USERHASH, &h, &n) != 0 ||
	    n != 32) {
		auth_fail(r, 400, "bad userhash");
		return (-1);
	}
	if ((*u = auth_find_hash(a, h)) == NULL) {
		auth_fail(r, 401, "unknown userhash");
		return (-1);
	}
	/* Under 509 bytes: checked at load. */
	memcpy(r->user, (*u)->name, strlen((*u)->name) + 1);
	r->userhash = 1;
	return (0);
}

void
auth_check(const struct auth *a, const struct stun_msg *m,
    const struct auth_req *q, struct auth_result *r)
{
	const struct auth_user	*u = NULL;
	char			 nonce[STUN_MAX_NONCE + 1];
	uint8_t			 nkey[AUTH_NONCE_SECRET];
	uint32_t		 feat = 0;
	int			 rc, has_hash;

	memset(r, 0, sizeof(*r));
	if (!auth_enabled(a)) {
		auth_fail(r, 401, "no credentials configured");
		return;
	}
	/* RFC 8489 9.2.4: no integrity, a challenge. */
	if (m->mi < 0 && m->mi256 < 0) {
		auth_fail(r, 401, "no message integrity");
		return;
	}
	has_hash = stun_msg_find(m, STUN_ATTR_USERHASH) != NULL;
	if ((stun_msg_find(m, STUN_ATTR_USERNAME) == NULL && !has_hash) ||
	    stun_msg_find(m, STUN_ATTR_REALM) == NULL ||
	    stun_msg_find(m, STUN_ATTR_NONCE) == NULL) {
		auth_fail(r, 400, "missing username, realm or nonce");
		return;
	}
	if (stun_msg_get_string(m, STUN_ATTR_NONCE, nonce,
	    sizeof(nonce)) != 0) {
		auth_fail(r, 400, "bad nonce");
		return;
	}
	if (auth_nonce_key(a, q->bind, nkey) != 0) {
		auth_fail(r, 401, "no nonce key");
		return;
	}
	rc = stun_nonce_check(nonce, strlen(nonce), nkey, sizeof(nkey),
	    q->from, q->now_s, a->nonce_life);
	OPENSSL_cleanse(nkey, sizeof(nkey));
	if (rc != 0) {
		auth_fail(r, 438, rc == STUN_ERR_STALE ? "nonce expired" :
		    "nonce not ours");
		return;
	}
	if (stun_nonce_features(nonce, strlen(nonce), &feat) != 0)
		feat = 0;
	/*
	 * RFC 8489 9.2.5: under a nonce with "Username anonymity" the client
	 * sends USERHASH, else USERNAME; the other one, if any, is ignored.
	 */
	if (has_hash && (feat & STUN_SECF_USERNAME_ANONYMITY) != 0) {
		if (auth_userhash(a, m, r, &u) != 0)
			return;
	} else if (stun_msg_find(m, STUN_ATTR_USERNAME) == NULL) {
		/* 9.2.4: USERHASH we did not offer is not a valid name. */
		auth_fail(r, 401, "userhash not offered");
		return;
	} else if (stun_msg_get_string(m, STUN_ATTR_USERNAME, r->user,
	    sizeof(r->user)) != 0) {
		auth_fail(r, 400, "bad username");
		return;
	}
	if ((feat & STUN_SECF_PASSWORD_ALGORITHMS) != 0) {
		if (!auth_algs_ok(m, &r->alg)) {
			auth_fail(r, 400, "password algorithms mismatch");
			return;
		}
	} else
		r->alg = STUN_PWALG_MD5;
	if (auth_key(a, u, r, q) != 0) {
		auth_fail(r, 401, r->why);
		return;
	}
	r->sha256 = m->mi256 >= 0;
	rc = r->sha256 ? stun_msg_check_integrity_sha256(m, r->key,
	    r->keylen) : stun_msg_check_integrity(m, r->key, r->keylen);
	if (rc != 0) {
		auth_fail(r, 401, "wrong message integrity");
		return;
	}
	r->code = 0;
	r->why = "ok";
}

void
auth_challenge(const struct auth *a, struct stun_builder *b,
    const struct auth_req *q)
{
	char		nonce[STUN_NONCE_LEN + 1];
	uint8_t		nkey[AUTH_NONCE_SECRET];
	uint32_t	feat;
	int		rc;

	stun_build_string(b, STUN_ATTR_REALM, a->realm);
	feat = STUN_SECF_PASSWORD_ALGORITHMS;
	/*
	 * Username anonymity only when every name can be found by its hash:
	 * under the bit a client MUST send USERHASH (RFC 8489 9.2.5), and a
	 * REST or rendezvous name ("expiry:name") is in no table.
	 */
	if (a->nusers > 0 && a->secretlen == 0 && !a->rdv)
		feat |= STUN_SECF_USERNAME_ANONYMITY;
	rc = auth_nonce_key(a, q->bind, nkey);
	if (rc == 0)
		rc = stun_nonce_make(nonce, sizeof(nonce), feat, nkey,
		    sizeof(nkey), q->from, q->now_s);
	OPENSSL_cleanse(nkey, sizeof(nkey));
	if (rc != 0) {
		if (b->err == 0)
			b->err = STUN_ERR_CRYPTO;
		return;
	}
	stun_build_string(b, STUN_ATTR_NONCE, nonce);
	stun_build_pwalgs(b, auth_algs, AUTH_NALGS);
}

void
auth_sign(const struct auth_result *r, struct stun_builder *b)
{
	if (r->sha256)
		stun_build_integrity_sha256(b, r->key, r->keylen, 32);
	else
		stun_build_integrity(b, r->key, r->keylen);
}

int
auth_read_key(const char *path, uint8_t *key, size_t keylen, char *err,
    size_t errlen)
{
	char	*text = NULL;
	size_t	 len, n, i;
	int	 hi, lo, rc = -1;

	if (conf_read_file(path, AUTH_MAX_KEY_FILE, &text, &len, err,
	    errlen) == -1)
		return (-1);
	n = len;
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (n != 2 * keylen)
		goto out;
	for (i = 0; i < keylen; i++) {
		hi = auth_hex(text[2 * i]);
		lo = auth_hex(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto out;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = 0;
out:
	if (rc == -1) {
		OPENSSL_cleanse(key, keylen);
		snprintf(err, errlen, "%s: the key must be %zu hex digits",
		    path, 2 * keylen);
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return (rc);
}

int
auth_load(struct conf *c, const struct conf *old, char *err, size_t errlen)
{
	struct auth	*a;
	char		*text;
	size_t		 len;
	int		 rc;

	c->auth = NULL;
	if (!c->turn || (c->user_file[0] == '\0' &&
	    c->auth_secret[0] == '\0' && !auth_rdv_on(c)))
		return (0);
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (auth_init(a, c->realm, old != NULL && old->auth != NULL ?
	    old->auth->nonce_key : NULL, err, errlen) == -1)
		goto fail;
	if (c->auth_secret[0] != '\0' && auth_set_secret(a,
	    c->auth_secret) == -1) {
		snprintf(err, errlen, "static-auth-secret: too long");
		goto fail;
	}
	a->rdv = auth_rdv_on(c);
	if (c->user_file[0] != '\0') {
		if (conf_read_file(c->user_file, AUTH_MAX_FILE, &text, &len,
		    err, errlen) == -1)
			goto fail;
		rc = auth_load_users(a, text, len, c->user_file, err, errlen);
		free(text);
		if (rc == -1)
			goto fail;
	}
	c->auth = a;
	return (0);
fail:
	auth_free(a);
	free(a);
	return (-1);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Stateless nonces (RFC 8489 9.2): the nonce cookie "obMatJos2" and four
 * base64 characters of security feature bits, then 24 base64 characters
 * of a 48-bit timestamp and a 96-bit HMAC-SHA256 under a server secret.
 * The MAC covers the cookie and feature bits (so a man in the middle
 * cannot bid them down), the timestamp and the client's transport address
 * (family, port, IP), so a nonce is good for one client and one lifetime
 * and the server keeps no state per nonce.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "stun.h"
#include "hmac.h"

#define NONCE_COOKIE_LEN	9
#define NONCE_PREFIX_LEN	(NONCE_COOKIE_LEN + 4)	/* cookie + features */
#define NONCE_TS_LEN		6
#define NONCE_MAC_LEN		12
#define NONCE_BODY_LEN		(NONCE_TS_LEN + NONCE_MAC_LEN)	/* 18 -> 24 */
#define NONCE_TS_MAX		((uint64_t)1 << 48)
#define NONCE_LABEL		"stunkit nonce v1"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 (RFC 4648 4) of n bytes, n a multiple of 3: 4n/3 characters. */
static void
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		out[o++] = b64chars[(v >> 18) & 0x3f];
		out[o++] = b64chars[(v >> 12) & 0x3f];
		out[o++] = b64chars[(v >> 6) & 0x3f];
		out[o++] = b64chars[v & 0x3f];
	}
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* Decode n characters (a multiple of 4, no '=') into 3n/4 bytes. */
static int
b64_decode(const char *in, size_t n, uint8_t *out)
{
	size_t		i, j, o = 0;
	uint32_t	v;
	int		d;

	for (i = 0; i + 4 <= n; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if ((d = b64_value(in[i + j])) < 0)
				return (-1);
			v = (v << 6) | (uint32_t)d;
		}
		out[o++] = (uint8_t)(v >> 16);
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)v;
	}
	return (0);
}

/* The truncated MAC over label, prefix, timestamp and client address. */
static int
nonce_mac(const uint8_t *secret, size_t secretlen, const char *prefix,
    const uint8_t ts[NONCE_TS_LEN], const struct stun_addr *client,
    uint8_t out[NONCE_MAC_LEN])
{
	uint8_t			 addr[3], full[EVP_MAX_MD_SIZE];
	size_t			 fulllen = 0;
	int			 r;
	struct stun_span	 spans[5] = {
		{ NONCE_LABEL, sizeof(NONCE_LABEL) },
		{ prefix, NONCE_PREFIX_LEN },
		{ ts, NONCE_TS_LEN },
		{ addr, sizeof(addr) },
		{ client->ip, client->family == STUN_AF_INET ? 4 : 16 },
	};

	addr[0] = client->family;
	addr[1] = (uint8_t)(client->port >> 8);
	addr[2] = (uint8_t)client->port;
	r = stun_hmac("SHA256", secret, secretlen, spans, 5, full,
	    sizeof(full), &fulllen);
	if (r == 0 && fulllen < NONCE_MAC_LEN)
		r = STUN_ERR_CRYPTO;
	if (r == 0)
		memcpy(out, full, NONCE_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return (r);
}

static int
nonce_args(const uint8_t *secret, size_t secretlen,
    const struct stun_addr *client)
{
	if (secret == NULL || secretlen == 0 || client == NULL)
		return (STUN_ERR_INVALID);
	if (client->family != STUN_AF_INET && client->family != STUN_AF_INET6)
		return (STUN_ERR_FAMILY);
	return (0);
}

int
stun_nonce_make(char *out, size_t cap, uint32_t features,
    const uint8_t *secret, size_t secretlen, const struct stun_addr *client,
    uint64_t now)
{
	uint8_t	f[3], body[NONCE_BODY_LEN];
	char	tmp[STUN_NONCE_LEN + 1];
	int	r, i;

	if (out == NULL || features > 0xffffff || now >= NONCE_TS_MAX)
		return (STUN_ERR_INVALID);
	if ((r = nonce_args(secret, secretlen, client)) != 0)
		return (r);
	if (cap < sizeof(tmp))
		return (STUN_ERR_NOSPACE);

	memcpy(tmp, STUN_NONCE_COOKIE, NONCE_COOKIE_LEN);
	f[0] = (uint8_t)(features >> 16);
	f[1] = (uint8_t)(features >> 8);
	f[2] = (uint8_t)features;
	b64_encode(f, sizeof(f), tmp + NONCE_COOKIE_LEN);
	for (i = 0; i < NONCE_TS_LEN; i++)
		body[i] = (uint8_t)(now >> (8 * (NONCE_TS_LEN - 1 - i)));
	if ((r = nonce_mac(secret, secretlen, tmp, body, client,
	    body + NONCE_TS_LEN)) != 0)
		return (r);
	b64_encode(body, sizeof(body), tmp + NONCE_PREFIX_LEN);
	tmp[STUN_NONCE_LEN] = '\0';
	memcpy(out, tmp, sizeof(tmp));
	return (0);
}

int
stun_nonce_check(const char *nonce, size_t len, const uint8_t *secret,
    size_t secretlen, const struct stun_addr *client, uint64_t now,
    uint32_t lifetime)
{
	uint8_t		f[3], body[NONCE_BODY_LEN], mac[NONCE_MAC_LEN];
	uint64_t	ts = 0;
	int		r, i;

	if (nonce == NULL)
		return (STUN_ERR_INVALID);
	if ((r = nonce_args(secret, secretlen, client)) != 0)
		return (r);
	/* Anything we did not make is a forgery. */
	if (len != STUN_NONCE_LEN ||
	    memcmp(nonce, STUN_NONCE_COOKIE, NONCE_COOKIE_LEN) != 0 ||
	    b64_decode(nonce + NONCE_COOKIE_LEN, 4, f) != 0 ||
	    b64_decode(nonce + NONCE_PREFIX_LEN, STUN_NONCE_LEN -
	    NONCE_PREFIX_LEN, body) != 0)
		return (STUN_ERR_INTEGRITY);
	if ((r = nonce_mac(secret, secretlen, nonce, body, client, mac)) != 0)
		return (r);
	if (CRYPTO_memcmp(mac, body + NONCE_TS_LEN, NONCE_MAC_LEN) != 0)
		return (STUN_ERR_INTEGRITY);
	for (i = 0; i < NONCE_TS_LEN; i++)
		ts = (ts << 8) | body[i];
	/* One of ours from the future: the clock moved; ask for a new one. */
	if (ts > now || now - ts > lifetime)
		return (STUN_ERR_STALE);
	return (0);
}

int
stun_nonce_features(const char *nonce, size_t len, uint32_t *features)
{
	uint8_t	f[3];

	if (nonce == NULL || features == NULL)
		return (STUN_ERR_INVALID);
	if (len < NONCE_PREFIX_LEN ||
	    memcmp(nonce, STUN_NONCE_COOKIE, NONCE_COOKIE_LEN) != 0)
		return (STUN_ERR_NOT_FOUND);
	if (b64_decode(nonce + NONCE_COOKIE_LEN, 4, f) != 0)
		return (STUN_ERR_BAD_ATTR);
	*features = ((uint32_t)f[0] << 16) | ((uint32_t)f[1] << 8) | f[2];
	return (0);
}

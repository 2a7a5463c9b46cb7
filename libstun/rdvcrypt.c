/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous key material (doc/rendezvous.md 3): room id from room
 * key, X25519, the per-direction session keys (HKDF-SHA256), the server's
 * epoch keys and return-routability cookies, member ids, and the
 * ChaCha20-Poly1305 seal used by the codec.  All through OpenSSL's EVP.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "stun.h"
#include "rdv.h"
#include "rdvint.h"
#include "hmac.h"

static const char lbl_room[] = "stunkit rendezvous v2 room id";
static const char lbl_salt[] = "stunkit rendezvous v2";
static const char lbl_c2s[] = "c2s";
static const char lbl_s2c[] = "s2c";
static const char lbl_epoch[] = "stunkit rendezvous v2 epoch";
static const char lbl_cookie[] = "stunkit rendezvous v2 cookie";
static const char lbl_member[] = "stunkit rendezvous v2 member";

static void
rdv_be32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* SHA-256 over n spans into out (32 bytes). */
static int
rdv_sha256(const struct stun_span *s, size_t n, uint8_t out[32])
{
	EVP_MD_CTX	*ctx;
	unsigned	 len = 0;
	size_t		 i;
	int		 r = STUN_ERR_CRYPTO;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (r);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestUpdate(ctx, s[i].p, s[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32)
		goto out;
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return (r);
}

int
stun_rdv_room_id(const uint8_t key[STUN_RDV_KEY_LEN],
    uint8_t id[STUN_RDV_ROOM_ID_LEN])
{
	struct stun_span	s[2] = {
		{ lbl_room, sizeof(lbl_room) - 1 }, { key, STUN_RDV_KEY_LEN } };
	uint8_t			h[32];
	int			r;

	if (key == NULL || id == NULL)
		return (STUN_ERR_INVALID);
	if ((r = rdv_sha256(s, 2, h)) == 0)
		memcpy(id, h, STUN_RDV_ROOM_ID_LEN);
	return (r);
}

uint32_t
stun_rdv_member_id(const uint8_t *room, size_t roomlen,
    const uint8_t token[STUN_RDV_TOKEN_LEN])
{
	struct stun_span	s[3] = {
		{ lbl_member, sizeof(lbl_member) - 1 }, { room, roomlen },
		{ token, STUN_RDV_TOKEN_LEN } };
	uint8_t			h[32];
	uint32_t		id;
	unsigned		i;

	if (rdv_sha256(s, 3, h) != 0)
		return (0);
	/* The first non-zero 32-bit word; all eight zero is impossible. */
	for (i = 0, id = 0; i < 8 && id == 0; i++)
		id = (uint32_t)h[4 * i] << 24 | (uint32_t)h[4 * i + 1] << 16 |
		    (uint32_t)h[4 * i + 2] << 8 | h[4 * i + 3];
	return (id);
}

int
stun_rdv_x25519_pub(const uint8_t priv[STUN_RDV_KEY_LEN],
    uint8_t pub[STUN_RDV_KEY_LEN])
{
	EVP_PKEY	*k;
	size_t		 n = STUN_RDV_KEY_LEN;
	int		 r = STUN_ERR_CRYPTO;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    STUN_RDV_KEY_LEN);
	if (k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 &&
	    n == STUN_RDV_KEY_LEN)
		r = 0;
	EVP_PKEY_free(k);
	return (r);
}

int
stun_rdv_x25519(const uint8_t priv[STUN_RDV_KEY_LEN],
    const uint8_t peer[STUN_RDV_KEY_LEN], uint8_t out[STUN_RDV_KEY_LEN])
{
	static const uint8_t	 zero[STUN_RDV_KEY_LEN];
	EVP_PKEY		*k = NULL, *pk = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	size_t			 n = STUN_RDV_KEY_LEN;
	int			 r = STUN_ERR_CRYPTO;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
	    STUN_RDV_KEY_LEN);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
	    STUN_RDV_KEY_LEN);
	if (k == NULL || pk == NULL ||
	    (ctx = EVP_PKEY_CTX_new(k, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) != 1 ||
	    EVP_PKEY_derive(ctx, out, &n) != 1 || n != STUN_RDV_KEY_LEN)
		goto out;
	/* A low-order peer key gives zero: refuse it (RFC 7748 6.1). */
	if (CRYPTO_memcmp(out, zero, sizeof(zero)) == 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		OPENSSL_cleanse(out, STUN_RDV_KEY_LEN);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(k);
	EVP_PKEY_free(pk);
	return (r);
}

/* HKDF-SHA256 (RFC 5869) for one 32-byte output block. */
static int
rdv_hkdf(const uint8_t *ikm, size_t ikmlen, const struct stun_span *info,
    size_t ninfo, uint8_t out[32])
{
	struct stun_span	 s[8];
	uint8_t			 prk[32], one = 1;
	size_t			 n, i;
	int			 r;

	if (ninfo + 1 > sizeof(s) / sizeof(s[0]))
		return (STUN_ERR_INVALID);
	s[0].p = ikm;
	s[0].len = ikmlen;
	r = stun_hmac("SHA256", (const uint8_t *)lbl_salt,
	    sizeof(lbl_salt) - 1, s, 1, prk, sizeof(prk), &n);
	if (r != 0)
		goto out;
	for (i = 0; i < ninfo; i++)
		s[i] = info[i];
	s[ninfo].p = &one;
	s[ninfo].len = 1;
	r = stun_hmac("SHA256", prk, sizeof(prk), s, ninfo + 1, out, 32, &n);
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return (r);
}

int
stun_rdv_session_keys(const uint8_t shared[STUN_RDV_KEY_LEN],
    const uint8_t cpub[STUN_RDV_KEY_LEN], const uint8_t spub[STUN_RDV_KEY_LEN],
    const uint8_t *room, size_t roomlen, const uint8_t salt[STUN_RDV_SALT_LEN],
    uint8_t c2s[STUN_RDV_KEY_LEN], uint8_t s2c[STUN_RDV_KEY_LEN])
{
	struct stun_span	info[5] = {
		{ lbl_c2s, sizeof(lbl_c2s) - 1 }, { cpub, STUN_RDV_KEY_LEN },
		{ spub, STUN_RDV_KEY_LEN }, { room, roomlen },
		{ salt, STUN_RDV_SALT_LEN } };
	int			r;

	if (room == NULL || roomlen < STUN_RDV_ROOM_MIN ||
	    roomlen > STUN_RDV_ROOM_MAX)
		return (STUN_ERR_INVALID);
	if ((r = rdv_hkdf(shared, STUN_RDV_KEY_LEN, info, 4, c2s)) != 0)
		return (r);
	info[0].p = lbl_s2c;
	info[0].len = sizeof(lbl_s2c) - 1;
	if ((r = rdv_hkdf(shared, STUN_RDV_KEY_LEN, info, 5, s2c)) != 0)
		OPENSSL_cleanse(c2s, STUN_RDV_KEY_LEN);
	return (r);
}

int
stun_rdv_epoch_key(const uint8_t secret[STUN_RDV_KEY_LEN], uint32_t epoch,
    uint8_t priv[STUN_RDV_KEY_LEN], uint8_t pub[STUN_RDV_KEY_LEN])
{
	uint8_t			e[4];
	struct stun_span	s[2] = {
		{ lbl_epoch, sizeof(lbl_epoch) - 1 }, { e, 4 } };
	size_t			n;
	int			r;

	rdv_be32(e, epoch);
	r = stun_hmac("SHA256", secret, STUN_RDV_KEY_LEN, s, 2, priv,
	    STUN_RDV_KEY_LEN, &n);
	if (r == 0)
		r = stun_rdv_x25519_pub(priv, pub);
	if (r != 0)
		OPENSSL_cleanse(priv, STUN_RDV_KEY_LEN);
	return (r);
}

int
stun_rdv_cookie(const uint8_t secret[STUN_RDV_KEY_LEN], uint32_t epoch,
    const struct stun_addr *src, const uint8_t keyshare[STUN_RDV_KEY_LEN],
    const uint8_t *room, size_t roomlen, uint8_t cookie[STUN_RDV_COOKIE_LEN])
{
	uint8_t			e[4], fp[4], mac[32];
	struct stun_span	s[6] = {
		{ lbl_cookie, sizeof(lbl_cookie) - 1 }, { e, 4 }, { fp, 4 },
		{ src->ip, sizeof(src->ip) }, { keyshare, STUN_RDV_KEY_LEN },
		{ room, roomlen } };
	size_t			n;
	int			r;

	if (roomlen > STUN_RDV_ROOM_MAX)
		return (STUN_ERR_INVALID);
	rdv_be32(e, epoch);
	fp[0] = src->family;
	fp[1] = 0;
	fp[2] = (uint8_t)(src->port >> 8);
	fp[3] = (uint8_t)src->port;
	r = stun_hmac("SHA256", secret, STUN_RDV_KEY_LEN, s, 6, mac,
	    sizeof(mac), &n);
	if (r == 0) {
		memcpy(cookie, e, 4);
		memcpy(cookie + 4, mac, STUN_RDV_COOKIE_LEN - 4);
	}
	return (r);
}

/* Nonce: four zero bytes and the sender's 64-bit sequence number. */
static void
rdv_nonce(uint8_t nonce[12], uint64_t seq)
{
	int	i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

int
stun_rdv_aead(int enc, const uint8_t *key, uint64_t seq,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    uint8_t *out)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 nonce[12];
	size_t		 ptlen;
	int		 n, r = STUN_ERR_CRYPTO;

	if (!enc && inlen < STUN_RDV_TAG_LEN)
		return (STUN_ERR_INTEGRITY);
	ptlen = enc ? inlen : inlen - STUN_RDV_TAG_LEN;
	if (ptlen > 0x7fffffff || aadlen > 0x7fffffff)
		return (STUN_ERR_INVALID);
	rdv_nonce(nonce, seq);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (r);
	if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    STUN_RDV_TAG_LEN, (void *)(uintptr_t)(in + ptlen)) != 1)
		goto out;
	if (aadlen > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad,
	    (int)aadlen) != 1)
		goto out;
	if (ptlen > 0 && (EVP_CipherUpdate(ctx, out, &n, in,
	    (int)ptlen) != 1 || (size_t)n != ptlen))
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + ptlen, &n) != 1) {
		if (!enc)
			r = STUN_ERR_INTEGRITY;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    STUN_RDV_TAG_LEN, out + ptlen) != 1)
		goto out;
	r = 0;
out:
	if (r != 0 && !enc)
		OPENSSL_cleanse(out, ptlen);
	EVP_CIPHER_CTX_free(ctx);
	return (r);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat crypto: room codes and their derived keys, the X25519 handshake
 * authenticated by the room secret, and ChaCha20-Poly1305 packets with a
 * replay window.  Only OpenSSL EVP calls; keys are wiped with
 * OPENSSL_cleanse and MACs compared with CRYPTO_memcmp.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "libstun/rdv.h"
#include "chat/crypto.h"

#define CODE_DIGITS	28		/* 140 bits: secret + 12-bit check */
#define CODE_GROUP	4
#define SESS_OKM_LEN	(2 * (CHAT_KEY_LEN + CHAT_IV_LEN) + 32)
#define HS_BUF_MAX	256

/* Crockford's base32: no i, l, o, u. */
static const char code_alpha[] = "0123456789abcdefghjkmnpqrstvwxyz";

static const char label_room_key[] = "p2pchat v2 rendezvous room key";
static const char label_hs[] = "p2pchat v1 handshake";
static const char label_keys[] = "p2pchat v1 keys";
static const char label_check[] = "p2pchat v1 code check";

int
chat_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	EVP_KDF		*kdf = NULL;
	EVP_KDF_CTX	*ctx = NULL;
	OSSL_PARAM	 params[5], *p = params;
	char		 digest[] = "SHA256";
	int		 r = STUN_ERR_CRYPTO;

	if (ikm == NULL || out == NULL || outlen == 0)
		return (STUN_ERR_INVALID);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikmlen);
	if (salt != NULL && saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, saltlen);
	if (info != NULL && infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, infolen);
	*p = OSSL_PARAM_construct_end();

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		goto out;
	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1)
		goto out;
	r = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return (r);
}

static int
hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *data,
    size_t len, uint8_t out[32])
{
	size_t	outlen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    data, len, out, 32, &outlen) == NULL || outlen != 32)
		return (STUN_ERR_CRYPTO);
	return (0);
}

int
chat_x25519_pub(const uint8_t priv[32], uint8_t pub[32])
{
	EVP_PKEY	*k;
	size_t		 len = 32;
	int		 r = STUN_ERR_CRYPTO;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	if (k == NULL)
		return (r);
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32)
		r = 0;
	EVP_PKEY_free(k);
	return (r);
}

int
chat_x25519(const uint8_t priv[32], const uint8_t peer[32], uint8_t out[32])
{
	EVP_PKEY	*k = NULL, *pk = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	uint8_t		 tmp[32], acc = 0;
	size_t		 len = sizeof(tmp), i;
	int		 r = STUN_ERR_CRYPTO;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
	if (k == NULL || pk == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new(k, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) != 1 ||
	    EVP_PKEY_derive(ctx, tmp, &len) != 1 || len != 32)
		goto out;
	/* RFC 7748 6.1: an all-zero result means a low-order point. */
	for (i = 0; i < sizeof(tmp); i++)
		acc |= tmp[i];
	if (acc == 0)
		goto out;
	memcpy(out, tmp, 32);
	r = 0;
out:
	OPENSSL_cleanse(tmp, sizeof(tmp));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(k);
	return (r);
}

/*
 * One cipher context per direction for the whole process, set up with
 * the cipher once: each packet then only loads its key and nonce, where a
 * new context per packet cost a cipher fetch and two allocations.  The
 * program is single-threaded; a context holds no key between calls that
 * the next call does not overwrite.
 */
static EVP_CIPHER_CTX *aead_ctx[2];

static EVP_CIPHER_CTX *
aead_ctx_get(int enc)
{
	EVP_CIPHER_CTX	*ctx = aead_ctx[enc != 0];

	if (ctx != NULL)
		return (ctx);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (NULL);
	if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL,
	    NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return (NULL);
	}
	aead_ctx[enc != 0] = ctx;
	return (ctx);
}

/* One AEAD operation; enc 1 seals, 0 opens (tag read from tagp). */
static int
aead(int enc, const uint8_t key[32], const uint8_t nonce[12],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    uint8_t *out, uint8_t tag[CHAT_TAG_LEN])
{
	EVP_CIPHER_CTX	*ctx;
	int		 n;

	if (inlen > INT_MAX / 2 || aadlen > INT_MAX / 2)
		return (STUN_ERR_INVALID);
	if ((ctx = aead_ctx_get(enc)) == NULL)
		return (STUN_ERR_CRYPTO);
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		return (STUN_ERR_CRYPTO);
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    CHAT_TAG_LEN, tag) != 1)
		return (STUN_ERR_CRYPTO);
	if (aadlen > 0 &&
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		return (STUN_ERR_CRYPTO);
	if (inlen > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)inlen) != 1)
		return (STUN_ERR_CRYPTO);
	if (EVP_CipherFinal_ex(ctx, out + inlen, &n) != 1) {
		if (enc)
			return (STUN_ERR_CRYPTO);
		OPENSSL_cleanse(out, inlen);
		return (STUN_ERR_INTEGRITY);
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    CHAT_TAG_LEN, tag) != 1)
		return (STUN_ERR_CRYPTO);
	return (0);
}

int
chat_aead_seal(const uint8_t key[32], const uint8_t nonce[12],
    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
    uint8_t *out)
{
	return (aead(1, key, nonce, aad, aadlen, pt, ptlen, out, out + ptlen));
}

int
chat_aead_open(const uint8_t key[32], const uint8_t nonce[12],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    uint8_t *out)
{
	uint8_t	tag[CHAT_TAG_LEN];

	if (inlen < CHAT_TAG_LEN)
		return (STUN_ERR_TRUNCATED);
	memcpy(tag, in + inlen - CHAT_TAG_LEN, CHAT_TAG_LEN);
	return (aead(0, key, nonce, aad, aadlen, in, inlen - CHAT_TAG_LEN,
	    out, tag));
}

/* Room codes. */

static int
code_check(const uint8_t secret[CHAT_SECRET_LEN], uint16_t *check)
{
	uint8_t	h[32];
	int	r;

	r = hmac_sha256((const uint8_t *)label_check, sizeof(label_check) - 1,
	    secret, CHAT_SECRET_LEN, h);
	if (r == 0)
		*check = (uint16_t)(((h[0] << 8) | h[1]) >> 4);
	return (r);
}

int
chat_code_format(const uint8_t secret[CHAT_SECRET_LEN], char *code,
    size_t cap)
{
	uint8_t		bits[18];
	uint16_t	check;
	size_t		i, o = 0, bit;
	unsigned	v, j;
	int		r;

	if (code == NULL || cap <= CHAT_CODE_LEN)
		return (STUN_ERR_NOSPACE);
	if ((r = code_check(secret, &check)) != 0)
		return (r);
	memcpy(bits, secret, CHAT_SECRET_LEN);
	bits[16] = (uint8_t)(check >> 4);
	bits[17] = (uint8_t)((check & 0xf) << 4);
	for (i = 0; i < CODE_DIGITS; i++) {
		if (i > 0 && i % CODE_GROUP == 0)
			code[o++] = '-';
		v = 0;
		for (j = 0; j < 5; j++) {
			bit = i * 5 + j;
			v = (v << 1) | ((bits[bit / 8] >> (7 - bit % 8)) & 1);
		}
		code[o++] = code_alpha[v];
	}
	code[o] = '\0';
	return (0);
}

int
chat_code_make(stun_random_fn rnd, void *arg,
    uint8_t secret[CHAT_SECRET_LEN], char *code, size_t cap)
{
	uint8_t	s[CHAT_SECRET_LEN];
	int	r;

	if ((r = stun_random(rnd, arg, s, sizeof(s))) != 0)
		return (r);
	if ((r = chat_code_format(s, code, cap)) == 0)
		memcpy(secret, s, sizeof(s));
	OPENSSL_cleanse(s, sizeof(s));
	return (r);
}

static int
code_digit(char c)
{
	const char	*p;

	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (c == 'i' || c == 'l')
		c = '1';
	else if (c == 'o')
		c = '0';
	if (c == '\0' || (p = strchr(code_alpha, c)) == NULL)
		return (-1);
	return ((int)(p - code_alpha));
}

int
chat_code_parse(const char *code, uint8_t secret[CHAT_SECRET_LEN])
{
	uint8_t		bits[18];
	uint16_t	check, want;
	size_t		i, n = 0, bit;
	int		d, j, r = STUN_ERR_INVALID;

	if (code == NULL)
		return (r);
	memset(bits, 0, sizeof(bits));
	/* Bounded: a code is short, anything longer is not one. */
	for (i = 0; code[i] != '\0' && i < 4 * CHAT_CODE_LEN; i++) {
		if (code[i] == '-' || code[i] == ' ')
			continue;
		if (n == CODE_DIGITS || (d = code_digit(code[i])) < 0)
			goto out;
		for (j = 4; j >= 0; j--) {
			bit = n * 5 + (size_t)(4 - j);
			if ((d >> j) & 1)
				bits[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
		n++;
	}
	if (code[i] != '\0' || n != CODE_DIGITS || (bits[17] & 0xf) != 0)
		goto out;
	check = (uint16_t)((bits[16] << 4) | (bits[17] >> 4));
	if ((r = code_check(bits, &want)) != 0)
		goto out;
	if (check != want) {
		r = STUN_ERR_INVALID;
		goto out;
	}
	memcpy(secret, bits, CHAT_SECRET_LEN);
	r = 0;
out:
	OPENSSL_cleanse(bits, sizeof(bits));
	return (r);
}

int
chat_room_key(const uint8_t secret[CHAT_SECRET_LEN],
    uint8_t key[CHAT_ROOMKEY_LEN])
{
	return (chat_hkdf(NULL, 0, secret, CHAT_SECRET_LEN,
	    (const uint8_t *)label_room_key, sizeof(label_room_key) - 1, key,
	    CHAT_ROOMKEY_LEN));
}

int
chat_room_id(const uint8_t secret[CHAT_SECRET_LEN],
    uint8_t id[CHAT_ROOMID_LEN])
{
	uint8_t	key[CHAT_ROOMKEY_LEN];
	int	r;

	if ((r = chat_room_key(secret, key)) == 0)
		r = stun_rdv_room_id(key, id);
	OPENSSL_cleanse(key, sizeof(key));
	return (r);
}

/* Sessions. */

static void
put64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (v);
}

static void
make_nonce(const uint8_t iv[CHAT_IV_LEN], uint64_t ctr, uint8_t out[12])
{
	uint8_t	c[8];
	int	i;

	put64(c, ctr);
	memcpy(out, iv, CHAT_IV_LEN);
	for (i = 0; i < 8; i++)
		out[4 + i] ^= c[i];
}

#define WBIT(c)		((c) % CHAT_REPLAY_WINDOW)
#define WTEST(s, c)	(((s)->rx_bits[WBIT(c) / 64] >> (WBIT(c) % 64)) & 1)
#define WSET(s, c)	((s)->rx_bits[WBIT(c) / 64] |= 1ULL << (WBIT(c) % 64))
#define WCLR(s, c)	\
	((s)->rx_bits[WBIT(c) / 64] &= ~(1ULL << (WBIT(c) % 64)))

static int
replay_check(const struct chat_session *s, uint64_t ctr)
{
	if (!s->rx_any || ctr > s->rx_top)
		return (0);
	if (s->rx_top - ctr >= CHAT_REPLAY_WINDOW || WTEST(s, ctr))
		return (CHAT_ERR_REPLAY);
	return (0);
}

static void
replay_update(struct chat_session *s, uint64_t ctr)
{
	uint64_t	c;

	if (!s->rx_any ||
	    (ctr > s->rx_top && ctr - s->rx_top >= CHAT_REPLAY_WINDOW)) {
		memset(s->rx_bits, 0, sizeof(s->rx_bits));
		s->rx_top = ctr;
		s->rx_any = 1;
	} else if (ctr > s->rx_top) {
		for (c = s->rx_top + 1; c < ctr; c++)
			WCLR(s, c);
		s->rx_top = ctr;
	}
	WSET(s, ctr);
}

int
chat_seal(struct chat_session *s, const uint8_t *pt, size_t ptlen,
    uint8_t *out, size_t cap)
{
	uint8_t	nonce[12];
	int	r;

	if (s == NULL || out == NULL || (pt == NULL && ptlen > 0))
		return (STUN_ERR_INVALID);
	if (ptlen > STUN_MAX_MSG || cap < ptlen + CHAT_SEAL_OVERHEAD)
		return (STUN_ERR_NOSPACE);
	if (s->tx_ctr == UINT64_MAX)
		return (STUN_ERR_STATE);
	out[0] = CHAT_PKT_DATA;
	out[1] = CHAT_VERSION;
	out[2] = out[3] = 0;
	put64(out + 4, s->tx_ctr);
	make_nonce(s->tx_iv, s->tx_ctr, nonce);
	r = chat_aead_seal(s->tx_key, nonce, out, CHAT_DATA_HDR_LEN, pt,
	    ptlen, out + CHAT_DATA_HDR_LEN);
	if (r != 0)
		return (r);
	s->tx_ctr++;
	return ((int)(ptlen + CHAT_SEAL_OVERHEAD));
}

int
chat_open(struct chat_session *s, const uint8_t *in, size_t len,
    uint8_t *out, size_t cap)
{
	uint8_t		nonce[12];
	uint64_t	ctr;
	int		r;

	if (s == NULL || in == NULL || out == NULL)
		return (STUN_ERR_INVALID);
	if (len < CHAT_SEAL_OVERHEAD)
		return (STUN_ERR_TRUNCATED);
	if (in[0] != CHAT_PKT_DATA || in[1] != CHAT_VERSION ||
	    in[2] != 0 || in[3] != 0)
		return (STUN_ERR_NOT_STUN);
	if (len > STUN_MAX_MSG + CHAT_SEAL_OVERHEAD)
		return (STUN_ERR_TOO_BIG);
	if (cap < len - CHAT_SEAL_OVERHEAD)
		return (STUN_ERR_NOSPACE);
	ctr = get64(in + 4);
	if ((r = replay_check(s, ctr)) != 0)
		return (r);
	make_nonce(s->rx_iv, ctr, nonce);
	r = chat_aead_open(s->rx_key, nonce, in, CHAT_DATA_HDR_LEN,
	    in + CHAT_DATA_HDR_LEN, len - CHAT_DATA_HDR_LEN, out);
	if (r != 0)
		return (r);
	replay_update(s, ctr);
	return ((int)(len - CHAT_SEAL_OVERHEAD));
}

void
chat_session_clear(struct chat_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* Handshake. */

static int
name_ok(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > CHAT_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return (0);
	return (1);
}

int
chat_hs_init(struct chat_hs *h, const uint8_t secret[CHAT_SECRET_LEN],
    const char *name, stun_random_fn rnd, void *arg)
{
	size_t	len;
	int	r;

	if (h == NULL || secret == NULL || name == NULL)
		return (STUN_ERR_INVALID);
	memset(h, 0, sizeof(*h));
	len = strnlen(name, CHAT_NAME_MAX + 1);
	if (!name_ok(name, len))
		return (STUN_ERR_INVALID);
	memcpy(h->name, name, len);
	if ((r = chat_hkdf(NULL, 0, secret, CHAT_SECRET_LEN,
	    (const uint8_t *)label_hs, sizeof(label_hs) - 1, h->hs_key,
	    sizeof(h->hs_key))) != 0)
		goto out;
	if ((r = stun_random(rnd, arg, h->priv, sizeof(h->priv))) != 0)
		goto out;
	r = chat_x25519_pub(h->priv, h->pub);
out:
	if (r != 0)
		chat_hs_clear(h);
	return (r);
}

int
chat_hs_renew(struct chat_hs *h, const struct chat_hs *from,
    stun_random_fn rnd, void *arg)
{
	int	r;

	if (h == NULL || from == NULL || h == from)
		return (STUN_ERR_INVALID);
	memset(h, 0, sizeof(*h));
	memcpy(h->hs_key, from->hs_key, sizeof(h->hs_key));
	memcpy(h->name, from->name, sizeof(h->name));
	h->rekey = 1;
	if ((r = stun_random(rnd, arg, h->priv, sizeof(h->priv))) == 0)
		r = chat_x25519_pub(h->priv, h->pub);
	if (r != 0)
		chat_hs_clear(h);
	return (r);
}

int
chat_hs_hello(const struct chat_hs *h, uint8_t *out, size_t cap)
{
	size_t	nlen, len;
	int	r;

	nlen = strlen(h->name);
	len = 4 + CHAT_PUB_LEN + nlen;
	if (cap < len + 32)
		return (STUN_ERR_NOSPACE);
	out[0] = CHAT_PKT_HELLO;
	out[1] = CHAT_VERSION;
	out[2] = (uint8_t)nlen;
	out[3] = h->rekey ? CHAT_HELLO_F_REKEY : 0;
	memcpy(out + 4, h->pub, CHAT_PUB_LEN);
	memcpy(out + 4 + CHAT_PUB_LEN, h->name, nlen);
	if ((r = hmac_sha256(h->hs_key, sizeof(h->hs_key), out, len,
	    out + len)) != 0)
		return (r);
	return ((int)(len + 32));
}

/* Append a length-prefixed name. */
static size_t
put_name(uint8_t *p, const char *name)
{
	size_t	n = strlen(name);

	p[0] = (uint8_t)n;
	memcpy(p + 1, name, n);
	return (n + 1);
}

/* Derive the session and confirm key from DH and the room's key. */
static int
hs_derive(struct chat_hs *h)
{
	uint8_t		 dh[32], info[HS_BUF_MAX], okm[SESS_OKM_LEN];
	const uint8_t	*lo, *hi;
	const char	*nlo, *nhi;
	size_t		 n;
	int		 r, we_lo;

	if ((r = chat_x25519(h->priv, h->peer_pub, dh)) != 0)
		return (r);
	we_lo = memcmp(h->pub, h->peer_pub, CHAT_PUB_LEN) < 0;
	lo = we_lo ? h->pub : h->peer_pub;
	hi = we_lo ? h->peer_pub : h->pub;
	nlo = we_lo ? h->name : h->peer_name;
	nhi = we_lo ? h->peer_name : h->name;
	n = sizeof(label_keys) - 1;
	memcpy(info, label_keys, n);
	memcpy(info + n, lo, CHAT_PUB_LEN);
	n += CHAT_PUB_LEN;
	memcpy(info + n, hi, CHAT_PUB_LEN);
	n += CHAT_PUB_LEN;
	n += put_name(info + n, nlo);
	n += put_name(info + n, nhi);
	r = chat_hkdf(h->hs_key, sizeof(h->hs_key), dh, sizeof(dh), info, n,
	    okm, sizeof(okm));
	if (r == 0) {
		/* okm: lo->hi key, iv; hi->lo key, iv; confirm key. */
		n = we_lo ? 0 : CHAT_KEY_LEN + CHAT_IV_LEN;
		memcpy(h->sess.tx_key, okm + n, CHAT_KEY_LEN);
		memcpy(h->sess.tx_iv, okm + n + CHAT_KEY_LEN, CHAT_IV_LEN);
		n = we_lo ? CHAT_KEY_LEN + CHAT_IV_LEN : 0;
		memcpy(h->sess.rx_key, okm + n, CHAT_KEY_LEN);
		memcpy(h->sess.rx_iv, okm + n + CHAT_KEY_LEN, CHAT_IV_LEN);
		memcpy(h->confirm_key, okm + 2 * (CHAT_KEY_LEN + CHAT_IV_LEN),
		    sizeof(h->confirm_key));
	}
	OPENSSL_cleanse(dh, sizeof(dh));
	OPENSSL_cleanse(okm, sizeof(okm));
	return (r);
}

/* FINISH MAC: header, sender key, receiver key, sender and receiver name. */
static int
hs_finish_mac(const struct chat_hs *h, int ours, const uint8_t hdr[4],
    uint8_t mac[32])
{
	uint8_t	buf[HS_BUF_MAX];
	size_t	n = 4;

	memcpy(buf, hdr, 4);
	memcpy(buf + n, ours ? h->pub : h->peer_pub, CHAT_PUB_LEN);
	n += CHAT_PUB_LEN;
	memcpy(buf + n, ours ? h->peer_pub : h->pub, CHAT_PUB_LEN);
	n += CHAT_PUB_LEN;
	n += put_name(buf + n, ours ? h->name : h->peer_name);
	n += put_name(buf + n, ours ? h->peer_name : h->name);
	return (hmac_sha256(h->confirm_key, sizeof(h->confirm_key), buf, n,
	    mac));
}

static int
hs_finish(const struct chat_hs *h, uint8_t *out, size_t cap, size_t *outlen)
{
	int	r;

	if (cap < CHAT_FINISH_LEN)
		return (STUN_ERR_NOSPACE);
	out[0] = CHAT_PKT_FINISH;
	out[1] = CHAT_VERSION;
	out[2] = out[3] = 0;
	if ((r = hs_finish_mac(h, 1, out, out + 4)) == 0)
		*outlen = CHAT_FINISH_LEN;
	return (r);
}

static int
hs_input_hello(struct chat_hs *h, const uint8_t *in, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t		mac[32];
	size_t		nlen, body;
	int		r;

	nlen = in[2];
	body = 4 + CHAT_PUB_LEN + nlen;
	if (len != body + 32)
		return (STUN_ERR_TRUNCATED);
	if ((in[3] & ~CHAT_HELLO_F_REKEY) != 0 ||
	    !name_ok((const char *)in + 4 + CHAT_PUB_LEN, nlen))
		return (STUN_ERR_INVALID);
	if ((r = hmac_sha256(h->hs_key, sizeof(h->hs_key), in, body,
	    mac)) != 0)
		return (r);
	if (CRYPTO_memcmp(mac, in + body, 32) != 0)
		return (STUN_ERR_INTEGRITY);
	/* Our own HELLO reflected back is not a peer. */
	if (CRYPTO_memcmp(in + 4, h->pub, CHAT_PUB_LEN) == 0)
		return (STUN_ERR_INVALID);
	if (h->got_hello &&
	    CRYPTO_memcmp(in + 4, h->peer_pub, CHAT_PUB_LEN) == 0) {
		/* A retransmission: answer it again. */
		if ((r = hs_finish(h, out, cap, outlen)) != 0)
			return (r);
		return (CHAT_HS_SEND);
	}
	/*
	 * Another key.  Done: the peer started over (the caller re-keys
	 * on a new handshake).  Not yet: it takes the place of the first,
	 * which may have been a recorded HELLO played back to stall us.
	 * Either way only the HELLO whose sender answers our FINISH wins:
	 * the FINISH binds our fresh key, which no recording holds.
	 */
	if (h->state == CHAT_HS_DONE)
		return ((in[3] & CHAT_HELLO_F_REKEY) ? STUN_ERR_STATE :
		    CHAT_HS_NEW);
	memcpy(h->peer_pub, in + 4, CHAT_PUB_LEN);
	memcpy(h->peer_name, in + 4 + CHAT_PUB_LEN, nlen);
	h->peer_name[nlen] = '\0';
	if ((r = hs_derive(h)) != 0 ||
	    (r = hs_finish(h, out, cap, outlen)) != 0) {
		memset(h->peer_pub, 0, sizeof(h->peer_pub));
		memset(h->peer_name, 0, sizeof(h->peer_name));
		return (r);
	}
	h->got_hello = 1;
	return (CHAT_HS_SEND);
}

int
chat_hs_input(struct chat_hs *h, const uint8_t *in, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t	mac[32];
	int	r;

	if (h == NULL || in == NULL || out == NULL || outlen == NULL)
		return (STUN_ERR_INVALID);
	*outlen = 0;
	if (len < 4)
		return (STUN_ERR_TRUNCATED);
	if (in[1] != CHAT_VERSION)
		return (STUN_ERR_NOT_STUN);
	if (in[0] == CHAT_PKT_HELLO) {
		if (len < 4 + CHAT_PUB_LEN + 32)
			return (STUN_ERR_TRUNCATED);
		return (hs_input_hello(h, in, len, out, cap, outlen));
	}
	if (in[0] != CHAT_PKT_FINISH)
		return (STUN_ERR_NOT_STUN);
	if (len != CHAT_FINISH_LEN)
		return (STUN_ERR_TRUNCATED);
	if (in[2] != 0 || in[3] != 0)
		return (STUN_ERR_INVALID);
	if (!h->got_hello)
		return (CHAT_HS_WAIT);	/* reordered: the HELLO will come */
	if ((r = hs_finish_mac(h, 0, in, mac)) != 0)
		return (r);
	if (CRYPTO_memcmp(mac, in + 4, 32) != 0)
		return (STUN_ERR_INTEGRITY);
	h->state = CHAT_HS_DONE;
	return (CHAT_HS_DONE);
}

int
chat_hs_session(const struct chat_hs *h, struct chat_session *s)
{
	if (h->state != CHAT_HS_DONE)
		return (STUN_ERR_STATE);
	memcpy(s, &h->sess, sizeof(*s));
	return (0);
}

void
chat_hs_clear(struct chat_hs *h)
{
	OPENSSL_cleanse(h, sizeof(*h));
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Credentials: the OpaqueString profile (RFC 8265 4.2) as far as it can be
 * done without Unicode tables, short-term and long-term keys (RFC 8489
 * 9.1.2, 9.2.2) and USERHASH (RFC 8489 14.4).  Temporaries holding
 * passwords or keys are wiped before return.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "stun.h"

/* Longest password we hash; RFC 8489 sets no limit, 763 is generous. */
#define KEY_MAX_PASSWORD	(STUN_MAX_STRING_PARSE)

/*
 * Decode one UTF-8 sequence at s[0..len): the code point in *cp and its
 * length as the return value, or 0 when the sequence is invalid (short,
 * overlong, surrogate, above U+10FFFF, stray continuation byte).
 */
static size_t
utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t	c, min;
	size_t		n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return (1);
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return (0);
	if (n > len)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (n);
}

/* Control characters (Cc): disallowed by every PRECIS class. */
static int
is_control(uint32_t c)
{
	return (c < 0x20 || (c >= 0x7f && c <= 0x9f));
}

/*
 * Default_Ignorable_Code_Point: disallowed in the FreeformClass (RFC 8264
 * 9.13).  Soft hyphen (U+00AD), zero-width characters, bidi controls,
 * variation selectors, BOM, tags, and the rest of the Unicode list.
 */
static int
is_ignorable(uint32_t c)
{
	return (c == 0xad || c == 0x34f || c == 0x61c ||
	    (c >= 0x115f && c <= 0x1160) || (c >= 0x17b4 && c <= 0x17b5) ||
	    (c >= 0x180b && c <= 0x180f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
	    c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff ||
	    c == 0xffa0 || (c >= 0xfff0 && c <= 0xfff8) ||
	    (c >= 0x1bca0 && c <= 0x1bca3) ||
	    (c >= 0x1d173 && c <= 0x1d17a) ||
	    (c >= 0xe0000 && c <= 0xe0fff));
}

/* Non-ASCII spaces (Zs): RFC 8265 4.2.2 maps them to U+0020. */
static int
is_wide_space(uint32_t c)
{
	return (c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x202f || c == 0x205f || c == 0x3000);
}

int
stun_opaque_string(const char *in, size_t inlen, char *out, size_t cap,
    size_t *outlen)
{
	const uint8_t	*s = (const uint8_t *)in, *src;
	size_t		 i, n, m, o = 0;
	uint32_t	 c;
	int		 r = STUN_ERR_STRING;

	if (outlen != NULL)
		*outlen = 0;
	if (in == NULL || out == NULL || outlen == NULL || cap == 0)
		return (STUN_ERR_INVALID);
	/* RFC 8265 4.2.3: an empty string is not allowed. */
	if (inlen == 0)
		goto out;
	for (i = 0; i < inlen; i += n) {
		if ((n = utf8_next(s + i, inlen - i, &c)) == 0)
			goto out;
		if (is_control(c) || is_ignorable(c))
			goto out;
		/* RFC 8265 4.2.1: non-ASCII spaces become U+0020. */
		if (is_wide_space(c)) {
			src = (const uint8_t *)" ";
			m = 1;
		} else {
			src = s + i;
			m = n;
		}
		if (m > cap - 1 - o) {
			r = STUN_ERR_NOSPACE;
			goto out;
		}
		memcpy(out + o, src, m);
		o += m;
	}
	out[o] = '\0';
	*outlen = o;
	r = 0;
 out:
	if (r != 0)
		OPENSSL_cleanse(out, cap);
	return (r);
}

int
stun_key_short_term(const char *password, uint8_t *key, size_t cap,
    size_t *keylen)
{
	char	tmp[KEY_MAX_PASSWORD + 1];
	size_t	len;
	int	r;

	if (keylen != NULL)
		*keylen = 0;
	if (password == NULL || key == NULL || keylen == NULL)
		return (STUN_ERR_INVALID);
	/* RFC 8489 9.1.2: key = OpaqueString(password). */
	r = stun_opaque_string(password, strlen(password), tmp, sizeof(tmp),
	    &len);
	if (r != 0)
		goto out;
	if (len > cap) {
		r = STUN_ERR_NOSPACE;
		goto out;
	}
	memcpy(key, tmp, len);
	*keylen = len;
 out:
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return (r);
}

/* Hash the pieces a ":" b [":" c] with md into out. */
static int
keys_digest(const EVP_MD *md, const char *a, size_t alen, const char *b,
    size_t blen, const char *c, size_t clen, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX	*ctx;
	unsigned int	 n = 0;
	int		 r = STUN_ERR_CRYPTO;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (STUN_ERR_CRYPTO);
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, alen) != 1 ||
	    EVP_DigestUpdate(ctx, ":", 1) != 1 ||
	    EVP_DigestUpdate(ctx, b, blen) != 1)
		goto out;
	if (c != NULL && (EVP_DigestUpdate(ctx, ":", 1) != 1 ||
	    EVP_DigestUpdate(ctx, c, clen) != 1))
		goto out;
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
		goto out;
	*outlen = n;
	r = 0;
 out:
	EVP_MD_CTX_free(ctx);
	return (r);
}

int
stun_key_long_term(uint16_t alg, const char *username, const char *realm,
    const char *password, uint8_t key[STUN_KEY_MAX], size_t *keylen)
{
	char		 u[STUN_MAX_USERNAME + 1], rl[STUN_MAX_REALM + 1];
	char		 pw[KEY_MAX_PASSWORD + 1];
	uint8_t		 dig[EVP_MAX_MD_SIZE];
	const EVP_MD	*md;
	size_t		 ulen, rlen, pwlen, dlen = 0;
	int		 r;

	if (keylen != NULL)
		*keylen = 0;
	if (username == NULL || realm == NULL || password == NULL ||
	    key == NULL || keylen == NULL)
		return (STUN_ERR_INVALID);
	switch (alg) {
	case STUN_PWALG_MD5:
		md = EVP_md5();
		break;
	case STUN_PWALG_SHA256:
		md = EVP_sha256();
		break;
	default:
		return (STUN_ERR_INVALID);
	}
	if (md == NULL)
		return (STUN_ERR_CRYPTO);
	/*
	 * RFC 8489 9.2.2: key = H(username ":" OpaqueString(realm) ":"
	 * OpaqueString(password)); the username already went through
	 * OpaqueString for USERNAME (14.3), which is idempotent.
	 */
	if ((r = stun_opaque_string(username, strlen(username), u, sizeof(u),
	    &ulen)) != 0 ||
	    (r = stun_opaque_string(realm, strlen(realm), rl, sizeof(rl),
	    &rlen)) != 0 ||
	    (r = stun_opaque_string(password, strlen(password), pw,
	    sizeof(pw), &pwlen)) != 0)
		goto out;
	if ((r = keys_digest(md, u, ulen, rl, rlen, pw, pwlen, dig,
	    &dlen)) != 0)
		goto out;
	if (dlen > STUN_KEY_MAX) {
		r = STUN_ERR_CRYPTO;
		goto out;
	}
	memcpy(key, dig, dlen);
	*keylen = dlen;
 out:
	OPENSSL_cleanse(u, sizeof(u));
	OPENSSL_cleanse(rl, sizeof(rl));
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(dig, sizeof(dig));
	return (r);
}

int
stun_userhash(const char *username, const char *realm, uint8_t out[32])
{
	char	u[STUN_MAX_USERNAME + 1], rl[STUN_MAX_REALM + 1];
	uint8_t	dig[EVP_MAX_MD_SIZE];
	size_t	ulen, rlen, dlen = 0;
	int	r;

	if (username == NULL || realm == NULL || out == NULL)
		return (STUN_ERR_INVALID);
	/* RFC 8489 14.4: both parts after OpaqueString. */
	if ((r = stun_opaque_string(username, strlen(username), u, sizeof(u),
	    &ulen)) != 0 ||
	    (r = stun_opaque_string(realm, strlen(realm), rl, sizeof(rl),
	    &rlen)) != 0)
		goto out;
	if ((r = keys_digest(EVP_sha256(), u, ulen, rl, rlen, NULL, 0, dig,
	    &dlen)) != 0)
		goto out;
	if (dlen != 32) {
		r = STUN_ERR_CRYPTO;
		goto out;
	}
	memcpy(out, dig, 32);
 out:
	OPENSSL_cleanse(u, sizeof(u));
	OPENSSL_cleanse(rl, sizeof(rl));
	OPENSSL_cleanse(dig, sizeof(dig));
	return (r);
}

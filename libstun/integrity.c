/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 14.5) and MESSAGE-INTEGRITY-SHA256
 * (RFC 8489 14.6): building them into a message and checking them on a
 * decoded one.  The MAC runs over a patched copy of the 20-byte header (its
 * length counting up to the end of the integrity attribute) followed by the
 * original bytes; received buffers are never written.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "stun.h"
#include "buf.h"
#include "hmac.h"

#define MI_LEN		20	/* HMAC-SHA1 */
#define MI256_LEN	32	/* HMAC-SHA256, untruncated */
#define MI256_MIN	16	/* RFC 8489 14.6: truncation floor */

/* HMAC over the (patched) header, then text[0..textlen). */
static int
integrity_hmac(const char *dg, const uint8_t *key, size_t keylen,
    const uint8_t hdr[STUN_HDR_LEN], const uint8_t *text, size_t textlen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	struct stun_span	 spans[2] = {
		{ hdr, STUN_HDR_LEN }, { text, textlen }
	};

	return (stun_hmac(dg, key, keylen, spans, 2, out, cap, outlen));
}

/*
 * Append an integrity attribute of type with the first vlen bytes of the
 * MAC named dg.  The header length is set to count the attribute before
 * the MAC is computed (RFC 8489 14.5, 14.6).
 */
static void
integrity_build(struct stun_builder *b, uint16_t type, const char *dg,
    const uint8_t *key, size_t keylen, size_t vlen)
{
	struct stun_wr	w;
	uint8_t		mac[EVP_MAX_MD_SIZE];
	size_t		maclen, total;
	int		r;

	if (b->err != 0)
		return;
	if (b->buf == NULL || b->len < STUN_HDR_LEN || b->len > b->cap ||
	    (key == NULL && keylen > 0)) {
		b->err = STUN_ERR_INVALID;
		return;
	}
	total = 4 + vlen;
	if (total > b->cap - b->len ||
	    b->len - STUN_HDR_LEN + total > 0xffff) {
		b->err = STUN_ERR_NOSPACE;
		return;
	}
	stun_wr_init(&w, b->buf, b->cap);
	w.len = b->len;
	stun_wr_set16(&w, 2, (uint16_t)(b->len - STUN_HDR_LEN + total));
	if (w.err != 0) {
		b->err = w.err;
		return;
	}
	/* Our own output: the header in place is already the patched one. */
	r = integrity_hmac(dg, key, keylen, b->buf, b->buf + STUN_HDR_LEN,
	    b->len - STUN_HDR_LEN, mac, sizeof(mac), &maclen);
	if (r == 0 && maclen < vlen)
		r = STUN_ERR_CRYPTO;
	if (r != 0) {
		b->err = r;
		goto out;
	}
	stun_wr_u16(&w, type);
	stun_wr_u16(&w, (uint16_t)vlen);
	stun_wr_bytes(&w, mac, vlen);
	if (w.err != 0) {
		b->err = w.err;
		goto out;
	}
	b->len = w.len;
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
}

void
stun_build_integrity(struct stun_builder *b, const uint8_t *key,
    size_t keylen)
{
	integrity_build(b, STUN_ATTR_MESSAGE_INTEGRITY, "SHA1", key, keylen,
	    MI_LEN);
}

void
stun_build_integrity_sha256(struct stun_builder *b, const uint8_t *key,
    size_t keylen, size_t trunc)
{
	if (b->err != 0)
		return;
	/* RFC 8489 14.6: 16 to 32 bytes, a multiple of 4. */
	if (trunc < MI256_MIN || trunc > MI256_LEN || trunc % 4 != 0) {
		b->err = STUN_ERR_INVALID;
		return;
	}
	integrity_build(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "SHA256",
	    key, keylen, trunc);
}

/*
 * Check the integrity attribute at attrs[idx]: the MAC covers the header
 * with its length patched to end at this attribute (so MI-SHA256 or
 * FINGERPRINT that follow are not counted), then every byte before it.
 */
static int
integrity_check(const struct stun_msg *m, int idx, const char *dg,
    const uint8_t *key, size_t keylen, size_t minlen, size_t maxlen)
{
	const struct stun_attr_ref	*a;
	struct stun_rd			 r;
	const uint8_t			*head, *text, *val;
	uint8_t				 hdr[STUN_HDR_LEN];
	uint8_t				 mac[EVP_MAX_MD_SIZE];
	size_t				 start, plen, maclen;
	int				 ret;

	if (m == NULL || m->buf == NULL || (key == NULL && keylen > 0))
		return (STUN_ERR_INVALID);
	if (idx < 0 || (unsigned)idx >= m->nattrs)
		return (STUN_ERR_NOT_FOUND);
	a = &m->attrs[idx];
	if (a->len < minlen || a->len > maxlen || a->len % 4 != 0)
		return (STUN_ERR_INTEGRITY);
	if (a->off < STUN_HDR_LEN + 4 || a->off > m->len ||
	    a->len > m->len - a->off)
		return (STUN_ERR_INTEGRITY);
	start = (size_t)a->off - 4;

	stun_rd_init(&r, m->buf, m->len);
	if (stun_rd_ptr(&r, STUN_HDR_LEN, &head) != 0 ||
	    stun_rd_ptr(&r, start - STUN_HDR_LEN, &text) != 0 ||
	    stun_rd_skip(&r, 4) != 0 ||
	    stun_rd_ptr(&r, a->len, &val) != 0)
		return (STUN_ERR_INTEGRITY);

	memcpy(hdr, head, sizeof(hdr));
	plen = start - STUN_HDR_LEN + 4 + a->len;
	hdr[2] = (uint8_t)(plen >> 8);
	hdr[3] = (uint8_t)plen;

	ret = integrity_hmac(dg, key, keylen, hdr, text, start - STUN_HDR_LEN,
	    mac, sizeof(mac), &maclen);
	if (ret == 0 && (maclen < a->len ||
	    CRYPTO_memcmp(mac, val, a->len) != 0))
		ret = STUN_ERR_INTEGRITY;
	OPENSSL_cleanse(mac, sizeof(mac));
	return (ret);
}

int
stun_msg_check_integrity(const struct stun_msg *m, const uint8_t *key,
    size_t keylen)
{
	if (m == NULL)
		return (STUN_ERR_INVALID);
	return (integrity_check(m, m->mi, "SHA1", key, keylen, MI_LEN,
	    MI_LEN));
}

int
stun_msg_check_integrity_sha256(const struct stun_msg *m,
    const uint8_t *key, size_t keylen)
{
	if (m == NULL)
		return (STUN_ERR_INVALID);
	return (integrity_check(m, m->mi256, "SHA256", key, keylen,
	    MI256_MIN, MI256_LEN));
}

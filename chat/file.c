/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The file protocol (see file.h): one decoder and one encoder for its
 * records, safe names, and the two sides of a transfer.  The receiver
 * hashes every byte from 0 in order, the prefix it already held when
 * resuming included, and compares with the offered hash at the end.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "libstun/buf.h"
#include "chat/file.h"

int
chat_file_decode(const uint8_t *rec, size_t len, struct chat_file_msg *m)
{
	struct stun_rd	rd;
	uint8_t		z, nl;
	uint16_t	z16;

	memset(m, 0, sizeof(*m));
	stun_rd_init(&rd, rec, len);
	if (stun_rd_u8(&rd, &m->type) != 0 || stun_rd_u16(&rd, &z16) != 0 ||
	    stun_rd_u8(&rd, &z) != 0 || stun_rd_u32(&rd, &m->xid) != 0)
		return (STUN_ERR_TRUNCATED);
	if (z16 != 0)
		return (STUN_ERR_BAD_ATTR);
	switch (m->type) {
	case CHAT_FILE_OFFER:
		nl = z;
		if (stun_rd_u64(&rd, &m->size) != 0 ||
		    stun_rd_copy(&rd, m->hash, sizeof(m->hash)) != 0)
			return (STUN_ERR_TRUNCATED);
		if (nl == 0 || stun_rd_left(&rd) != nl)
			return (STUN_ERR_BAD_ATTR);
		(void)stun_rd_ptr(&rd, nl, &m->name);
		m->namelen = nl;
		if (memchr(m->name, '\0', nl) != NULL)
			return (STUN_ERR_BAD_ATTR);
		return (0);
	case CHAT_FILE_ACCEPT:
		if (stun_rd_u64(&rd, &m->offset) != 0)
			return (STUN_ERR_TRUNCATED);
		break;
	case CHAT_FILE_DATA:
		if (stun_rd_u64(&rd, &m->offset) != 0)
			return (STUN_ERR_TRUNCATED);
		m->len = stun_rd_left(&rd);
		if (m->len == 0)
			return (STUN_ERR_BAD_ATTR);
		(void)stun_rd_ptr(&rd, m->len, &m->data);
		return (z == 0 ? 0 : STUN_ERR_BAD_ATTR);
	case CHAT_FILE_REFUSE:
	case CHAT_FILE_RESULT:
	case CHAT_FILE_CANCEL:
		m->code = z;
		return (stun_rd_left(&rd) == 0 ? 0 : STUN_ERR_BAD_ATTR);
	default:
		return (STUN_ERR_NOT_STUN);
	}
	return (z == 0 && stun_rd_left(&rd) == 0 ? 0 : STUN_ERR_BAD_ATTR);
}

int
chat_file_encode(const struct chat_file_msg *m, uint8_t *out, size_t cap)
{
	size_t	n;

	switch (m->type) {
	case CHAT_FILE_OFFER:
		if (m->namelen == 0 || m->namelen > CHAT_FILE_NAME_MAX)
			return (STUN_ERR_INVALID);
		n = CHAT_FILE_OFFER_HDR + m->namelen;
		break;
	case CHAT_FILE_ACCEPT:
		n = CHAT_FILE_ACCEPT_LEN;
		break;
	case CHAT_FILE_DATA:
		if (m->len == 0)
			return (STUN_ERR_INVALID);
		n = CHAT_FILE_DATA_HDR + m->len;
		break;
	case CHAT_FILE_REFUSE:
	case CHAT_FILE_RESULT:
	case CHAT_FILE_CANCEL:
		n = CHAT_FILE_SHORT_LEN;
		break;
	default:
		return (STUN_ERR_INVALID);
	}
	if (n > cap)
		return (STUN_ERR_NOSPACE);
	memset(out, 0, n < CHAT_FILE_DATA_HDR ? n : CHAT_FILE_DATA_HDR);
	out[0] = m->type;
	stun_store32(out + 4, m->xid);
	switch (m->type) {
	case CHAT_FILE_OFFER:
		out[3] = (uint8_t)m->namelen;
		stun_store64(out + 8, m->size);
		memcpy(out + 16, m->hash, CHAT_FILE_HASH_LEN);
		memcpy(out + CHAT_FILE_OFFER_HDR, m->name, m->namelen);
		break;
	case CHAT_FILE_ACCEPT:
		stun_store64(out + 8, m->offset);
		break;
	case CHAT_FILE_DATA:
		stun_store64(out + 8, m->offset);
		memcpy(out + CHAT_FILE_DATA_HDR, m->data, m->len);
		break;
	default:
		out[3] = m->code;
		break;
	}
	return ((int)n);
}

const char *
chat_file_code_name(int code)
{
	switch (code) {
	case CHAT_FILE_OK:
		return ("ok");
	case CHAT_FILE_E_REFUSED:
		return ("refused");
	case CHAT_FILE_E_HASH:
		return ("hash mismatch");
	case CHAT_FILE_E_IO:
		return ("cannot read or write the file");
	case CHAT_FILE_E_BUSY:
		return ("too many transfers");
	case CHAT_FILE_E_GONE:
		return ("cancelled");
	}
	return ("failed");
}

void
chat_file_safe_name(const uint8_t *name, size_t len, char *out)
{
	size_t	i, start = 0, n = 0;

	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			start = i + 1;
	for (i = start; i < len && n < CHAT_FILE_SAFE_MAX; i++) {
		if (name[i] < 0x20 || name[i] == 0x7f)
			out[n++] = '_';
		else
			out[n++] = (char)name[i];
	}
	/* Cut between UTF-8 characters. */
	if (i < len && (name[i] & 0xc0) == 0x80) {
		while (n > 0 && ((uint8_t)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((uint8_t)out[n - 1] & 0xc0) == 0xc0)
			n--;
	}
	out[n] = '\0';
	if (n == 0)
		memcpy(out, "file", 5);
	else if (out[0] == '.')
		out[0] = '_';
}

int
chat_file_alt_name(const char *safe, unsigned n, char *out, size_t cap)
{
	const char	*dot = strrchr(safe, '.');
	int		 w;

	if (dot == NULL || dot == safe)
		dot = safe + strlen(safe);
	w = snprintf(out, cap, "%.*s (%u)%s", (int)(dot - safe), safe, n,
	    dot);
	if (w < 0 || (size_t)w >= cap)
		return (STUN_ERR_NOSPACE);
	return (0);
}

int
chat_file_tx_init(struct chat_file_tx *t, uint32_t xid, const char *name,
    uint64_t size, const uint8_t hash[CHAT_FILE_HASH_LEN])
{
	memset(t, 0, sizeof(*t));
	if (name == NULL)
		return (STUN_ERR_INVALID);
	chat_file_safe_name((const uint8_t *)name, strlen(name), t->name);
	t->xid = xid;
	t->size = size;
	memcpy(t->hash, hash, CHAT_FILE_HASH_LEN);
	t->state = CHAT_FILE_TX_OFFER;
	return (0);
}

int
chat_file_tx_offer(struct chat_file_tx *t, uint8_t *out, size_t cap)
{
	struct chat_file_msg	m;
	int			n;

	if (t->state != CHAT_FILE_TX_OFFER)
		return (STUN_ERR_STATE);
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_OFFER;
	m.xid = t->xid;
	m.size = t->size;
	memcpy(m.hash, t->hash, sizeof(m.hash));
	m.name = (const uint8_t *)t->name;
	m.namelen = strlen(t->name);
	if ((n = chat_file_encode(&m, out, cap)) > 0)
		t->state = CHAT_FILE_TX_WAIT;
	return (n);
}

size_t
chat_file_tx_want(const struct chat_file_tx *t, size_t max)
{
	if (t->state != CHAT_FILE_TX_SEND)
		return (0);
	return (t->size - t->off < max ? (size_t)(t->size - t->off) : max);
}

int
chat_file_tx_data(struct chat_file_tx *t, const uint8_t *data, size_t n,
    uint8_t *out, size_t cap)
{
	struct chat_file_msg	m;
	int			r;

	if (n == 0 || n > chat_file_tx_want(t, n))
		return (STUN_ERR_INVALID);
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_DATA;
	m.xid = t->xid;
	m.offset = t->off;
	m.data = data;
	m.len = n;
	if ((r = chat_file_encode(&m, out, cap)) < 0)
		return (r);
	t->off += n;
	if (t->off == t->size)
		t->state = CHAT_FILE_TX_SENT;
	return (r);
}

static int
file_short(uint8_t type, uint32_t xid, int code, uint8_t *out, size_t cap)
{
	struct chat_file_msg	m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.xid = xid;
	m.code = (uint8_t)code;
	return (chat_file_encode(&m, out, cap));
}

int
chat_file_tx_cancel(struct chat_file_tx *t, int code, uint8_t *out,
    size_t cap)
{
	t->state = CHAT_FILE_TX_FAILED;
	t->code = code;
	return (file_short(CHAT_FILE_CANCEL, t->xid, code, out, cap));
}

int
chat_file_tx_input(struct chat_file_tx *t, const struct chat_file_msg *m)
{
	switch (m->type) {
	case CHAT_FILE_ACCEPT:
		if (t->state != CHAT_FILE_TX_WAIT || m->offset > t->size)
			return (STUN_ERR_STATE);
		t->from = t->off = m->offset;
		t->state = t->off == t->size ? CHAT_FILE_TX_SENT :
		    CHAT_FILE_TX_SEND;
		return (CHAT_FILE_EV_ACCEPTED);
	case CHAT_FILE_REFUSE:
		/* Before the accept a refusal, after it an abort. */
		if (t->state < CHAT_FILE_TX_WAIT ||
		    t->state > CHAT_FILE_TX_SENT)
			return (STUN_ERR_STATE);
		t->code = m->code == CHAT_FILE_OK ? CHAT_FILE_E_REFUSED :
		    m->code;
		t->state = t->state == CHAT_FILE_TX_WAIT ?
		    CHAT_FILE_TX_REFUSED : CHAT_FILE_TX_FAILED;
		return (CHAT_FILE_EV_ENDED);
	case CHAT_FILE_RESULT:
		/* Only once everything went: a result never comes early. */
		if (t->state != CHAT_FILE_TX_SENT)
			return (STUN_ERR_STATE);
		if (m->code == CHAT_FILE_OK) {
			t->state = CHAT_FILE_TX_DONE;
			return (CHAT_FILE_EV_DONE);
		}
		t->state = CHAT_FILE_TX_FAILED;
		t->code = m->code;
		return (CHAT_FILE_EV_ENDED);
	}
	return (STUN_ERR_STATE);
}

int
chat_file_rx_init(struct chat_file_rx *x, const struct chat_file_msg *offer)
{
	memset(x, 0, sizeof(*x));
	if (offer->type != CHAT_FILE_OFFER)
		return (STUN_ERR_INVALID);
	if ((x->md = EVP_MD_CTX_new()) == NULL)
		return (STUN_ERR_NOSPACE);
	if (EVP_DigestInit_ex(x->md, EVP_sha256(), NULL) != 1) {
		chat_file_rx_free(x);
		return (STUN_ERR_CRYPTO);
	}
	x->xid = offer->xid;
	x->size = offer->size;
	memcpy(x->hash, offer->hash, sizeof(x->hash));
	chat_file_safe_name(offer->name, offer->namelen, x->name);
	x->state = CHAT_FILE_RX_OFFERED;
	return (0);
}

void
chat_file_rx_free(struct chat_file_rx *x)
{
	EVP_MD_CTX_free(x->md);
	x->md = NULL;
}

int
chat_file_rx_prefix(struct chat_file_rx *x, const uint8_t *buf, size_t n)
{
	if (x->state != CHAT_FILE_RX_OFFERED || n > x->size - x->off)
		return (STUN_ERR_INVALID);
	if (n > 0 && EVP_DigestUpdate(x->md, buf, n) != 1)
		return (STUN_ERR_CRYPTO);
	x->off += n;
	return (0);
}

int
chat_file_rx_accept(struct chat_file_rx *x, uint64_t offset, uint8_t *out,
    size_t cap)
{
	struct chat_file_msg	m;
	int			r;

	if (x->state != CHAT_FILE_RX_OFFERED || offset != x->off ||
	    offset > x->size)
		return (STUN_ERR_INVALID);
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_ACCEPT;
	m.xid = x->xid;
	m.offset = offset;
	if ((r = chat_file_encode(&m, out, cap)) < 0)
		return (r);
	x->from = offset;
	x->state = offset == x->size ? CHAT_FILE_RX_CHECK : CHAT_FILE_RX_RECV;
	return (r);
}

int
chat_file_rx_refuse(struct chat_file_rx *x, int code, uint8_t *out,
    size_t cap)
{
	x->state = CHAT_FILE_RX_FAILED;
	x->code = code;
	return (file_short(CHAT_FILE_REFUSE, x->xid, code, out, cap));
}

int
chat_file_rx_input(struct chat_file_rx *x, const struct chat_file_msg *m)
{
	if (m->type == CHAT_FILE_CANCEL) {
		if (x->state >= CHAT_FILE_RX_DONE)
			return (STUN_ERR_STATE);
		x->state = CHAT_FILE_RX_FAILED;
		x->code = m->code == CHAT_FILE_OK ? CHAT_FILE_E_GONE :
		    m->code;
		return (CHAT_FILE_EV_ENDED);
	}
	if (m->type != CHAT_FILE_DATA || x->state != CHAT_FILE_RX_RECV)
		return (STUN_ERR_STATE);
	if (m->offset != x->off || m->len > x->size - x->off)
		return (STUN_ERR_BAD_ATTR);
	if (EVP_DigestUpdate(x->md, m->data, m->len) != 1)
		return (STUN_ERR_CRYPTO);
	x->off += m->len;
	if (x->off < x->size)
		return (CHAT_FILE_EV_DATA);
	x->state = CHAT_FILE_RX_CHECK;
	return (CHAT_FILE_EV_COMPLETE);
}

int
chat_file_rx_check(struct chat_file_rx *x, int write_ok, uint8_t *out,
    size_t cap)
{
	uint8_t		h[EVP_MAX_MD_SIZE];
	unsigned	hl = 0;
	int		code = CHAT_FILE_OK;

	if (x->state != CHAT_FILE_RX_CHECK)
		return (STUN_ERR_STATE);
	if (EVP_DigestFinal_ex(x->md, h, &hl) != 1 ||
	    hl != CHAT_FILE_HASH_LEN)
		code = CHAT_FILE_E_IO;
	else if (CRYPTO_memcmp(h, x->hash, CHAT_FILE_HASH_LEN) != 0)
		code = CHAT_FILE_E_HASH;
	else if (!write_ok)
		code = CHAT_FILE_E_IO;
	x->state = code == CHAT_FILE_OK ? CHAT_FILE_RX_DONE :
	    CHAT_FILE_RX_FAILED;
	x->code = code;
	return (file_short(CHAT_FILE_RESULT, x->xid, code, out, cap));
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * FINGERPRINT (RFC 8489 14.7): CRC-32 of the message up to the attribute,
 * XORed with 0x5354554e.  The CRC uses a 16-entry table, one nibble at a
 * time, so there is no large table and no initialisation step.
 */
#include <stddef.h>
#include <stdint.h>

#include "stun.h"
#include "buf.h"
#include "attr.h"

#define FP_XOR		0x5354554eU	/* "STUN" */
#define FP_ATTR_LEN	(4 + 4)
/* The header of a FINGERPRINT attribute: type 0x8028, length 4. */
#define FP_HDR		(((uint32_t)STUN_ATTR_FINGERPRINT << 16) | 4)

/* CRC-32/ISO-HDLC, reflected polynomial 0xedb88320, per nibble. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c
};

uint32_t
stun_crc32(const uint8_t *p, size_t len)
{
	uint32_t	crc = 0xffffffffU;
	size_t		i;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}
	return (crc ^ 0xffffffffU);
}

void
stun_build_fingerprint(struct stun_builder *b)
{
	struct stun_wr	w;
	uint32_t	crc;

	if (b->err != 0)
		return;
	if (b->buf == NULL || b->len < STUN_HDR_LEN || b->len > b->cap) {
		b->err = STUN_ERR_INVALID;
		return;
	}
	if (FP_ATTR_LEN > b->cap - b->len ||
	    b->len - STUN_HDR_LEN + FP_ATTR_LEN > 0xffff) {
		b->err = STUN_ERR_NOSPACE;
		return;
	}
	stun_wr_init(&w, b->buf, b->cap);
	w.len = b->len;
	/* RFC 8489 14.7: the length field already counts FINGERPRINT. */
	stun_wr_set16(&w, 2, (uint16_t)(b->len - STUN_HDR_LEN + FP_ATTR_LEN));
	crc = stun_crc32(b->buf, b->len) ^ FP_XOR;
	stun_wr_u16(&w, STUN_ATTR_FINGERPRINT);
	stun_wr_u16(&w, 4);
	stun_wr_u32(&w, crc);
	if (w.err != 0) {
		b->err = w.err;
		return;
	}
	b->len = w.len;
}

int
stun_msg_check_fingerprint(const struct stun_msg *m)
{
	const struct stun_attr_ref	*a;
	struct stun_rd			 r;
	const uint8_t			*text;
	uint32_t			 got;

	if (m == NULL || m->buf == NULL)
		return (STUN_ERR_INVALID);
	if (m->fp < 0 || (unsigned)m->fp >= m->nattrs)
		return (STUN_ERR_NOT_FOUND);
	a = &m->attrs[m->fp];
	/*
	 * RFC 8489 14.7: FINGERPRINT is last, so the header as received
	 * already has the length the sender used; nothing to patch.
	 */
	if (a->len != 4 || a->off < STUN_HDR_LEN + 4 || a->off > m->len ||
	    4 != m->len - a->off)
		return (STUN_ERR_FINGERPRINT);
	stun_rd_init(&r, m->buf, m->len);
	if (stun_rd_ptr(&r, (size_t)a->off - 4, &text) != 0 ||
	    stun_rd_skip(&r, 4) != 0 || stun_rd_u32(&r, &got) != 0)
		return (STUN_ERR_FINGERPRINT);
	if ((stun_crc32(text, (size_t)a->off - 4) ^ FP_XOR) != got)
		return (STUN_ERR_FINGERPRINT);
	return (0);
}

static unsigned
fp_bits(uint32_t v)
{
	unsigned	n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return (n);
}

/*
 * RFC 8489 7.3: a message whose FINGERPRINT is wrong is silently
 * discarded, and that verdict comes before any other, so that a flipped
 * bit in an attribute header of a FINGERPRINT-protected request is
 * dropped rather than answered 400 or 420.  m is the header and the
 * index of the attribute walk, rc the walk's result.  The tail counts as
 * a FINGERPRINT when its header is that of one: then a wrong CRC drops
 * the message when the walk found the FINGERPRINT there, when the walk
 * failed (its lengths were damaged), and for a request whose walk ended
 * in an attribute that swallowed the tail (a length made longer).  An
 * indication or response may carry a whole STUN message at its end (a
 * relayed connectivity check in DATA), with that message's FINGERPRINT
 * as its tail: its walk decides.  The CRC does not cover the FINGERPRINT
 * header, so a tail whose header is a bit or two off but whose value is
 * the right CRC is a damaged FINGERPRINT too.  Returns 1 to drop.
 */
int
stun_fp_damaged(const struct stun_msg *m, int rc)
{
	struct stun_rd	 r;
	const uint8_t	*text;
	uint32_t	 hdr, got, crc;

	if (m->len < STUN_HDR_LEN || m->len - STUN_HDR_LEN < FP_ATTR_LEN)
		return (0);
	stun_rd_init(&r, m->buf, m->len);
	if (stun_rd_ptr(&r, m->len - FP_ATTR_LEN, &text) != 0 ||
	    stun_rd_u32(&r, &hdr) != 0 || stun_rd_u32(&r, &got) != 0)
		return (0);
	if (hdr != FP_HDR && fp_bits(hdr ^ FP_HDR) > 2)
		return (0);
	crc = stun_crc32(text, m->len - FP_ATTR_LEN) ^ FP_XOR;
	if (hdr != FP_HDR)
		return (crc == got);
	if (crc == got)
		return (0);
	return (rc != 0 || m->fp != -1 || m->cls == STUN_CLASS_REQUEST);
}

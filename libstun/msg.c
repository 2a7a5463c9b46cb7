/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * STUN messages: the header, the decode-once attribute index, and the
 * builder.  Every later look at a message reads the index, never the wire
 * again from the start.
 */
#include <string.h>

#include "stun.h"
#include "buf.h"
#include "attr.h"

uint16_t
stun_msg_type(uint16_t method, uint8_t cls)
{
	/* RFC 8489 5: M11..M7 C1 M6..M4 C0 M3..M0. */
	return ((uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
	    ((method & 0x0F80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7)));
}

static void
stun_msg_split_type(uint16_t type, uint16_t *method, uint8_t *cls)
{
	*method = (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) |
	    ((type & 0x3E00) >> 2));
	*cls = (uint8_t)(((type >> 4) & 1) | ((type >> 7) & 2));
}

const char *
stun_method_name(uint16_t method)
{
	switch (method) {
	case STUN_METHOD_BINDING:
		return ("Binding");
	case STUN_METHOD_ALLOCATE:
		return ("Allocate");
	case STUN_METHOD_REFRESH:
		return ("Refresh");
	case STUN_METHOD_SEND:
		return ("Send");
	case STUN_METHOD_DATA:
		return ("Data");
	case STUN_METHOD_CREATE_PERMISSION:
		return ("CreatePermission");
	case STUN_METHOD_CHANNEL_BIND:
		return ("ChannelBind");
	}
	return ("unknown");
}

const char *
stun_class_name(uint8_t cls)
{
	static const char *names[] = {
	    "request", "indication", "success", "error"
	};

	return (cls < 4 ? names[cls] : "unknown");
}

int
stun_msg_is_stun(const uint8_t *buf, size_t len)
{
	uint16_t	 mlen;

	if (buf == NULL || len < STUN_HDR_LEN || (buf[0] & 0xC0) != 0)
		return (0);
	mlen = stun_load16(buf + 2);
	return ((mlen & 3) == 0 && mlen == len - STUN_HDR_LEN);
}

int
stun_msg_peek(const uint8_t *buf, size_t len, uint16_t *method, uint8_t *cls)
{
	struct stun_rd	 r;
	uint16_t	 type;

	*method = 0;
	*cls = 0;
	if (buf == NULL)
		return (STUN_ERR_NOT_STUN);
	stun_rd_init(&r, buf, len);
	if (stun_rd_u16(&r, &type) != 0)
		return (STUN_ERR_NOT_STUN);
	switch (type & 0xC000) {
	case 0x0000:
		stun_msg_split_type(type, method, cls);
		return (STUN_FRAME_STUN);
	case 0x4000:
		/* RFC 8656 12.4: channel number and length, 4 bytes. */
		if (len >= 4)
			return (STUN_FRAME_CHANNEL);
		break;
	}
	return (STUN_ERR_NOT_STUN);
}

static int
stun_msg_add_unknown(struct stun_msg *m, uint16_t type)
{
	unsigned	 i;

	for (i = 0; i < m->nunknown; i++)
		if (m->unknown[i] == type)
			return (0);
	/* Report the first STUN_MAX_UNKNOWN; a 420 need not list them all. */
	if (m->nunknown < STUN_MAX_UNKNOWN)
		m->unknown[m->nunknown++] = type;
	return (0);
}

/* One attribute: header, value, padding.  Returns 0 or STUN_ERR_*. */
static int
stun_msg_decode_attr(struct stun_msg *m, struct stun_rd *r)
{
	const struct stun_attr_info	*ai;
	struct stun_attr_ref		*ref;
	uint16_t			 type, alen;
	size_t				 off, pad;
	int				 rc;

	if ((rc = stun_rd_u16(r, &type)) != 0 ||
	    (rc = stun_rd_u16(r, &alen)) != 0)
		return (rc);
	off = r->off;
	pad = (4 - (alen & 3)) & 3;
	/* RFC 8489 14: padding is present but its value is ignored. */
	if ((rc = stun_rd_skip(r, alen)) != 0 ||
	    (rc = stun_rd_skip(r, pad)) != 0)
		return (rc);

	/* RFC 8489 14.7: nothing may follow FINGERPRINT. */
	if (m->fp != -1)
		return (STUN_ERR_AFTER_FP);
	/*
	 * RFC 8489 14.5, 14.6: after MESSAGE-INTEGRITY only MI-SHA256 and
	 * FINGERPRINT count; after MI-SHA256 only FINGERPRINT.
	 */
	if (m->mi256 != -1 && type != STUN_ATTR_FINGERPRINT)
		return (0);
	if (m->mi != -1 && type != STUN_ATTR_FINGERPRINT &&
	    type != STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
		return (0);

	if ((ai = stun_attr_info(type)) == NULL) {
		if (STUN_ATTR_IS_REQUIRED(type))
			stun_msg_add_unknown(m, type);
	} else if (alen < ai->minlen || alen > ai->maxlen)
		return (STUN_ERR_BAD_ATTR);
	else if ((ai->kind == STUN_AK_ADDR || ai->kind == STUN_AK_XADDR) &&
	    alen != 8 && alen != 20)
		return (STUN_ERR_BAD_ATTR);
	if (type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 && (alen & 3) != 0)
		return (STUN_ERR_BAD_ATTR);

	if (m->nattrs >= STUN_MAX_ATTRS)
		return (STUN_ERR_TOO_MANY);
	ref = &m->attrs[m->nattrs];
	ref->type = type;
	ref->len = alen;
	ref->off = (uint16_t)off;
	if (type == STUN_ATTR_MESSAGE_INTEGRITY && m->mi == -1)
		m->mi = (int)m->nattrs;
	else if (type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 && m->mi256 == -1)
		m->mi256 = (int)m->nattrs;
	else if (type == STUN_ATTR_FINGERPRINT)
		m->fp = (int)m->nattrs;
	m->nattrs++;
	return (0);
}

int
stun_msg_decode(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	struct stun_rd	 r;
	uint16_t	 type, mlen;
	int		 rc;

	memset(m, 0, sizeof(*m));
	m->mi = m->mi256 = m->fp = -1;
	if (buf == NULL || len < STUN_HDR_LEN)
		return (STUN_ERR_TRUNCATED);
	stun_rd_init(&r, buf, len);
	if ((rc = stun_rd_u16(&r, &type)) != 0 ||
	    (rc = stun_rd_u16(&r, &mlen)) != 0 ||
	    (rc = stun_rd_u32(&r, &m->cookie)) != 0 ||
	    (rc = stun_rd_copy(&r, m->tid, STUN_TID_LEN)) != 0)
		return (rc);
	/* RFC 8489 6.3: the two top bits of every STUN message are zero. */
	if ((type & 0xC000) != 0)
		return (STUN_ERR_NOT_STUN);
	if ((mlen & 3) != 0 || mlen != len - STUN_HDR_LEN)
		return (STUN_ERR_BAD_LENGTH);
	m->buf = buf;
	m->len = len;
	m->type = type;
	stun_msg_split_type(type, &m->method, &m->cls);
	m->legacy = m->cookie != STUN_MAGIC_COOKIE;
	m->hdr_ok = 1;

	rc = 0;
	while (stun_rd_left(&r) > 0 && rc == 0)
		rc = stun_msg_decode_attr(m, &r);
	/*
	 * RFC 8489 7.3: a wrong FINGERPRINT outranks every attribute error,
	 * and clears hdr_ok, so that it is dropped, never answered.
	 */
	if (stun_fp_damaged(m, rc)) {
		m->hdr_ok = 0;
		return (STUN_ERR_FINGERPRINT);
	}
	return (rc);
}

const struct stun_attr_ref *
stun_msg_find(const struct stun_msg *m, uint16_t type)
{
	unsigned	 i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == type)
			return (&m->attrs[i]);
	return (NULL);
}

/* Reader over the value of the first attribute of this type. */
static int
stun_msg_value(const struct stun_msg *m, uint16_t type, struct stun_rd *r)
{
	const struct stun_attr_ref	*ref;

	if ((ref = stun_msg_find(m, type)) == NULL)
		return (STUN_ERR_NOT_FOUND);
	/* The index was built against m->buf; check again, cheaply. */
	if (ref->off > m->len || ref->len > m->len - ref->off)
		return (STUN_ERR_BAD_ATTR);
	stun_rd_init(r, m->buf + ref->off, ref->len);
	return (0);
}

int
stun_msg_get_addr(const struct stun_msg *m, uint16_t type,
    struct stun_addr *out)
{
	const struct stun_attr_info	*ai;
	struct stun_rd			 r;
	int				 rc;

	if ((ai = stun_attr_info(type)) == NULL ||
	    (ai->kind != STUN_AK_ADDR && ai->kind != STUN_AK_XADDR))
		return (STUN_ERR_INVALID);
	if ((rc = stun_msg_value(m, type, &r)) != 0)
		return (rc);
	return (stun_addr_decode(&r, ai->kind == STUN_AK_XADDR, m->tid, out,
	    NULL));
}

int
stun_msg_get_u32(const struct stun_msg *m, uint16_t type, uint32_t *out)
{
	struct stun_rd	 r;
	uint32_t	 v;
	int		 rc;

	if ((rc = stun_msg_value(m, type, &r)) != 0)
		return (rc);
	if (stun_rd_left(&r) != 4 || stun_rd_u32(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*out = v;
	return (0);
}

int
stun_msg_get_u64(const struct stun_msg *m, uint16_t type, uint64_t *out)
{
	struct stun_rd	 r;
	uint64_t	 v;
	int		 rc;

	if ((rc = stun_msg_value(m, type, &r)) != 0)
		return (rc);
	if (stun_rd_left(&r) != 8 || stun_rd_u64(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*out = v;
	return (0);
}

int
stun_msg_get_bytes(const struct stun_msg *m, uint16_t type,
    const uint8_t **val, size_t *len)
{
	struct stun_rd	 r;
	size_t		 n;
	int		 rc;

	if ((rc = stun_msg_value(m, type, &r)) != 0)
		return (rc);
	n = stun_rd_left(&r);
	if ((rc = stun_rd_ptr(&r, n, val)) != 0)
		return (rc);
	*len = n;
	return (0);
}

/* RFC 3629 UTF-8, without NUL: overlongs and surrogates refused. */
int
stun_utf8_valid(const uint8_t *p, size_t len)
{
	size_t		 i = 0, n, k;
	uint32_t	 cp, min;

	while (i < len) {
		if (p[i] == 0)
			return (0);
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xE0) == 0xC0) {
			n = 1; cp = p[i] & 0x1F; min = 0x80;
		} else if ((p[i] & 0xF0) == 0xE0) {
			n = 2; cp = p[i] & 0x0F; min = 0x800;
		} else if ((p[i] & 0xF8) == 0xF0) {
			n = 3; cp = p[i] & 0x07; min = 0x10000;
		} else
			return (0);
		if (n > len - i - 1)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return (0);
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return (0);
		i += n + 1;
	}
	return (1);
}

int
stun_msg_get_string(const struct stun_msg *m, uint16_t type, char *out,
    size_t cap)
{
	const struct stun_attr_info	*ai;
	const uint8_t			*p;
	size_t				 n;
	int				 rc;

	if ((ai = stun_attr_info(type)) == NULL || ai->kind != STUN_AK_STRING)
		return (STUN_ERR_INVALID);
	if ((rc = stun_msg_get_bytes(m, type, &p, &n)) != 0)
		return (rc);
	if (!stun_utf8_valid(p, n))
		return (STUN_ERR_BAD_ATTR);
	if (cap == 0 || n > cap - 1)
		return (STUN_ERR_NOSPACE);
	memcpy(out, p, n);
	out[n] = '\0';
	return (0);
}

/* Reserved bits, class (3 bits), number (0..99), reason: RFC 8489 14.8. */
static int
stun_msg_read_code(struct stun_rd *r, int *code, const char **reason,
    size_t *reasonlen)
{
	const uint8_t	*p;
	uint8_t		 cls, num;
	size_t		 n;

	if (stun_rd_u8(r, &cls) != 0 || stun_rd_u8(r, &num) != 0)
		return (STUN_ERR_BAD_ATTR);
	cls &= 7;
	if (cls < 3 || cls > 6 || num > 99)
		return (STUN_ERR_BAD_ATTR);
	n = stun_rd_left(r);
	if (stun_rd_ptr(r, n, &p) != 0)
		return (STUN_ERR_BAD_ATTR);
	/* coturn pads its reason phrases with NULs inside the length. */
	while (n > 0 && p[n - 1] == '\0')
		n--;
	if (!stun_utf8_valid(p, n))
		return (STUN_ERR_BAD_ATTR);
	*code = cls * 100 + num;
	*reason = (const char *)p;
	*reasonlen = n;
	return (0);
}

int
stun_msg_get_error(const struct stun_msg *m, int *code, const char **reason,
    size_t *reasonlen)
{
	struct stun_rd	 r;
	int		 rc;

	if ((rc = stun_msg_value(m, STUN_ATTR_ERROR_CODE, &r)) != 0)
		return (rc);
	if (stun_rd_skip(&r, 2) != 0)
		return (STUN_ERR_BAD_ATTR);
	return (stun_msg_read_code(&r, code, reason, reasonlen));
}

int
stun_msg_get_addr_error(const struct stun_msg *m, uint8_t *family,
    int *code, const char **reason, size_t *reasonlen)
{
	struct stun_rd	 r;
	uint8_t		 fam;
	int		 rc;

	if ((rc = stun_msg_value(m, STUN_ATTR_ADDRESS_ERROR_CODE, &r)) != 0)
		return (rc);
	if (stun_rd_u8(&r, &fam) != 0 || stun_rd_skip(&r, 1) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (fam != 0x01 && fam != 0x02)
		return (STUN_ERR_BAD_ATTR);
	if ((rc = stun_msg_read_code(&r, code, reason, reasonlen)) != 0)
		return (rc);
	*family = fam == 0x01 ? STUN_AF_INET : STUN_AF_INET6;
	return (0);
}

int
stun_msg_get_unknown(const struct stun_msg *m, uint16_t *types, size_t cap,
    size_t *n)
{
	struct stun_rd	 r;
	uint16_t	 t;
	size_t		 i = 0;
	int		 rc;

	if ((rc = stun_msg_value(m, STUN_ATTR_UNKNOWN_ATTRIBUTES, &r)) != 0)
		return (rc);
	if ((stun_rd_left(&r) & 1) != 0)
		return (STUN_ERR_BAD_ATTR);
	while (i < cap && stun_rd_u16(&r, &t) == 0)
		types[i++] = t;
	*n = i;
	return (0);
}

/* A fixed-size value of which the leading bytes matter (rest RFFU). */
static int
stun_msg_small(const struct stun_msg *m, uint16_t type, size_t want,
    struct stun_rd *r)
{
	int	 rc;

	if ((rc = stun_msg_value(m, type, r)) != 0)
		return (rc);
	if (stun_rd_left(r) != want)
		return (STUN_ERR_BAD_ATTR);
	return (0);
}

int
stun_msg_get_channel(const struct stun_msg *m, uint16_t *ch)
{
	struct stun_rd	 r;
	uint16_t	 v;
	int		 rc;

	if ((rc = stun_msg_small(m, STUN_ATTR_CHANNEL_NUMBER, 4, &r)) != 0)
		return (rc);
	if (stun_rd_u16(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*ch = v;
	return (0);
}

int
stun_msg_get_response_port(const struct stun_msg *m, uint16_t *port)
{
	struct stun_rd	 r;
	uint16_t	 v;
	int		 rc;

	if ((rc = stun_msg_small(m, STUN_ATTR_RESPONSE_PORT, 4, &r)) != 0)
		return (rc);
	if (stun_rd_u16(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*port = v;
	return (0);
}

int
stun_msg_get_transport(const struct stun_msg *m, uint8_t *proto)
{
	struct stun_rd	 r;
	uint8_t		 v;
	int		 rc;

	if ((rc = stun_msg_small(m, STUN_ATTR_REQUESTED_TRANSPORT, 4,
	    &r)) != 0)
		return (rc);
	if (stun_rd_u8(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*proto = v;
	return (0);
}

int
stun_msg_get_family(const struct stun_msg *m, uint16_t type, uint8_t *family)
{
	struct stun_rd	 r;
	uint8_t		 v;
	int		 rc;

	if (type != STUN_ATTR_REQUESTED_ADDRESS_FAMILY &&
	    type != STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY)
		return (STUN_ERR_INVALID);
	if ((rc = stun_msg_small(m, type, 4, &r)) != 0)
		return (rc);
	if (stun_rd_u8(&r, &v) != 0 || (v != 0x01 && v != 0x02))
		return (STUN_ERR_BAD_ATTR);
	*family = v == 0x01 ? STUN_AF_INET : STUN_AF_INET6;
	return (0);
}

int
stun_msg_get_even_port(const struct stun_msg *m, int *reserve)
{
	struct stun_rd	 r;
	uint8_t		 v;
	int		 rc;

	if ((rc = stun_msg_small(m, STUN_ATTR_EVEN_PORT, 1, &r)) != 0)
		return (rc);
	if (stun_rd_u8(&r, &v) != 0)
		return (STUN_ERR_BAD_ATTR);
	*reserve = (v & 0x80) != 0;
	return (0);
}

int
stun_msg_get_icmp(const struct stun_msg *m, uint8_t *type, uint8_t *code,
    uint32_t *data)
{
	struct stun_rd	 r;
	uint8_t		 t, c;
	uint32_t	 d;
	int		 rc;

	/* RFC 8656 14.10: reserved (16), type (8), code (8), error data. */
	if ((rc = stun_msg_small(m, STUN_ATTR_ICMP, 8, &r)) != 0)
		return (rc);
	if (stun_rd_skip(&r, 2) != 0 || stun_rd_u8(&r, &t) != 0 ||
	    stun_rd_u8(&r, &c) != 0 || stun_rd_u32(&r, &d) != 0)
		return (STUN_ERR_BAD_ATTR);
	*type = t;
	*code = c;
	*data = d;
	return (0);
}

/* One (algorithm, parameters) entry, parameters padded to 4. */
static int
stun_msg_read_pwalg(struct stun_rd *r, uint16_t *alg, int padded)
{
	uint16_t	 a, plen;
	size_t		 skip;

	if (stun_rd_u16(r, &a) != 0 || stun_rd_u16(r, &plen) != 0)
		return (STUN_ERR_BAD_ATTR);
	skip = padded ? (size_t)((plen + 3) & ~3) : plen;
	if (stun_rd_skip(r, skip) != 0)
		return (STUN_ERR_BAD_ATTR);
	*alg = a;
	return (0);
}

int
stun_msg_get_pwalg(const struct stun_msg *m, uint16_t *alg)
{
	struct stun_rd	 r;
	uint16_t	 a;
	int		 rc;

	if ((rc = stun_msg_value(m, STUN_ATTR_PASSWORD_ALGORITHM, &r)) != 0)
		return (rc);
	if ((rc = stun_msg_read_pwalg(&r, &a, 0)) != 0)
		return (rc);
	if (stun_rd_left(&r) != 0)
		return (STUN_ERR_BAD_ATTR);
	*alg = a;
	return (0);
}

int
stun_msg_get_pwalgs(const struct stun_msg *m, uint16_t *algs, size_t cap,
    size_t *n)
{
	struct stun_rd	 r;
	uint16_t	 a;
	size_t		 i = 0;
	int		 rc;

	if ((rc = stun_msg_value(m, STUN_ATTR_PASSWORD_ALGORITHMS, &r)) != 0)
		return (rc);
	while (stun_rd_left(&r) > 0) {
		if ((rc = stun_msg_read_pwalg(&r, &a, 1)) != 0)
			return (rc);
		if (i < cap)
			algs[i++] = a;
	}
	*n = i;
	return (0);
}

/*
 * Builder.  The builder keeps the header length up to date after every
 * attribute, so MESSAGE-INTEGRITY and FINGERPRINT code sees a consistent
 * message at any point.
 */
static void
stun_build_load(const struct stun_builder *b, struct stun_wr *w)
{
	w->p = b->buf;
	w->cap = b->cap;
	w->len = b->len;
	w->err = b->err;
}

static void
stun_build_store(struct stun_builder *b, const struct stun_wr *w)
{
	b->len = w->len;
	b->err = w->err;
}

void
stun_build_init_legacy(struct stun_builder *b, uint8_t *buf, size_t cap,
    uint16_t method, uint8_t cls, uint32_t cookie,
    const uint8_t tid[STUN_TID_LEN])
{
	struct stun_wr	 w;

	memset(b, 0, sizeof(*b));
	stun_wr_init(&w, buf, cap > STUN_MAX_MSG ? STUN_MAX_MSG : cap);
	b->buf = w.p;
	b->cap = w.cap;
	b->cookie = cookie;
	memcpy(b->tid, tid, STUN_TID_LEN);
	if (method > 0xFFF || cls > 3)
		w.err = STUN_ERR_INVALID;
	stun_wr_u16(&w, stun_msg_type(method, cls));
	stun_wr_u16(&w, 0);
	stun_wr_u32(&w, cookie);
	stun_wr_bytes(&w, tid, STUN_TID_LEN);
	stun_build_store(b, &w);
}

void
stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap,
    uint16_t method, uint8_t cls, const uint8_t tid[STUN_TID_LEN])
{
	stun_build_init_legacy(b, buf, cap, method, cls, STUN_MAGIC_COOKIE,
	    tid);
}

void
stun_build_reply(struct stun_builder *b, uint8_t *buf, size_t cap,
    const struct stun_msg *req, uint8_t cls)
{
	stun_build_init_legacy(b, buf, cap, req->method, cls, req->cookie,
	    req->tid);
}

/* Attribute header; the caller writes len value bytes, then stun_build_end. */
static void
stun_build_begin(struct stun_builder *b, struct stun_wr *w, uint16_t type,
    size_t len)
{
	stun_build_load(b, w);
	if (w->err == 0 && len > 0xFFFF)
		w->err = STUN_ERR_TOO_BIG;
	stun_wr_u16(w, type);
	stun_wr_u16(w, (uint16_t)len);
}

static void
stun_build_end(struct stun_builder *b, struct stun_wr *w, size_t len)
{
	stun_wr_zero(w, (4 - (len & 3)) & 3);
	stun_wr_set16(w, 2, (uint16_t)(w->len - STUN_HDR_LEN));
	stun_build_store(b, w);
}

void
stun_build_attr(struct stun_builder *b, uint16_t type, const void *val,
    size_t len)
{
	struct stun_wr	 w;

	stun_build_begin(b, &w, type, len);
	stun_wr_bytes(&w, val, len);
	stun_build_end(b, &w, len);
}

void
stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	struct stun_wr	 w;

	stun_build_begin(b, &w, type, 4);
	stun_wr_u32(&w, v);
	stun_build_end(b, &w, 4);
}

void
stun_build_u64(struct stun_builder *b, uint16_t type, uint64_t v)
{
	struct stun_wr	 w;

	stun_build_begin(b, &w, type, 8);
	stun_wr_u64(&w, v);
	stun_build_end(b, &w, 8);
}

void
stun_build_string(struct stun_builder *b, uint16_t type, const char *s)
{
	size_t	 n = s == NULL ? 0 : strlen(s);

	if (b->err == 0 && n > STUN_MAX_STRING_SEND)
		b->err = STUN_ERR_TOO_BIG;
	stun_build_attr(b, type, s, n);
}

void
stun_build_addr(struct stun_builder *b, uint16_t type,
    const struct stun_addr *a)
{
	const struct stun_attr_info	*ai;
	struct stun_wr			 w;
	size_t				 len;

	ai = stun_attr_info(type);
	if (ai == NULL || (ai->kind != STUN_AK_ADDR &&
	    ai->kind != STUN_AK_XADDR) ||
	    (a->family != STUN_AF_INET && a->family != STUN_AF_INET6)) {
		if (b->err == 0)
			b->err = STUN_ERR_INVALID;
		return;
	}
	len = a->family == STUN_AF_INET ? 8 : 20;
	stun_build_begin(b, &w, type, len);
	stun_addr_encode(&w, ai->kind == STUN_AK_XADDR, b->tid, a, 0);
	stun_build_end(b, &w, len);
}

/* Class/number for a 300..699 code, then the reason (RFC 8489 14.8). */
static void
stun_build_code(struct stun_builder *b, uint16_t type, uint8_t family,
    int code, const char *reason)
{
	struct stun_wr	 w;
	size_t		 len, rlen;

	if (code < 300 || code > 699) {
		if (b->err == 0)
			b->err = STUN_ERR_INVALID;
		return;
	}
	if (reason == NULL)
		reason = stun_reason_phrase(code);
	rlen = strlen(reason);
	if (rlen > STUN_MAX_STRING_SEND)
		rlen = STUN_MAX_STRING_SEND;
	len = 4 + rlen;
	stun_build_begin(b, &w, type, len);
	stun_wr_u8(&w, family);
	stun_wr_u8(&w, 0);
	stun_wr_u8(&w, (uint8_t)(code / 100));
	stun_wr_u8(&w, (uint8_t)(code % 100));
	stun_wr_bytes(&w, reason, rlen);
	stun_build_end(b, &w, len);
}

void
stun_build_error(struct stun_builder *b, int code, const char *reason)
{
	stun_build_code(b, STUN_ATTR_ERROR_CODE, 0, code, reason);
}

void
stun_build_addr_error(struct stun_builder *b, uint8_t family, int code,
    const char *reason)
{
	stun_build_code(b, STUN_ATTR_ADDRESS_ERROR_CODE,
	    family == STUN_AF_INET6 ? 0x02 : 0x01, code, reason);
}

void
stun_build_unknown(struct stun_builder *b, const uint16_t *types, size_t n)
{
	struct stun_wr	 w;
	size_t		 i;

	stun_build_begin(b, &w, STUN_ATTR_UNKNOWN_ATTRIBUTES, n * 2);
	for (i = 0; i < n; i++)
		stun_wr_u16(&w, types[i]);
	stun_build_end(b, &w, n * 2);
}

/* A 16-bit or 8-bit value followed by reserved zero bytes. */
static void
stun_build_small(struct stun_builder *b, uint16_t type, size_t len,
    const uint8_t *lead, size_t leadlen)
{
	struct stun_wr	 w;

	stun_build_begin(b, &w, type, len);
	stun_wr_bytes(&w, lead, leadlen);
	stun_wr_zero(&w, len - leadlen);
	stun_build_end(b, &w, len);
}

void
stun_build_channel(struct stun_builder *b, uint16_t ch)
{
	uint8_t	 v[2] = { (uint8_t)(ch >> 8), (uint8_t)ch };

	stun_build_small(b, STUN_ATTR_CHANNEL_NUMBER, 4, v, 2);
}

void
stun_build_response_port(struct stun_builder *b, uint16_t port)
{
	uint8_t	 v[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	stun_build_small(b, STUN_ATTR_RESPONSE_PORT, 4, v, 2);
}

void
stun_build_transport(struct stun_builder *b, uint8_t proto)
{
	stun_build_small(b, STUN_ATTR_REQUESTED_TRANSPORT, 4, &proto, 1);
}

void
stun_build_family(struct stun_builder *b, uint16_t type, uint8_t family)
{
	uint8_t	 v = family == STUN_AF_INET6 ? 0x02 : 0x01;

	stun_build_small(b, type, 4, &v, 1);
}

void
stun_build_even_port(struct stun_builder *b, int reserve)
{
	uint8_t	 v = reserve ? 0x80 : 0x00;

	stun_build_small(b, STUN_ATTR_EVEN_PORT, 1, &v, 1);
}

void
stun_build_icmp(struct stun_builder *b, uint8_t type, uint8_t code,
    uint32_t data)
{
	uint8_t	 v[8] = { 0, 0, type, code, (uint8_t)(data >> 24),
		    (uint8_t)(data >> 16), (uint8_t)(data >> 8), (uint8_t)data };

	stun_build_small(b, STUN_ATTR_ICMP, 8, v, 8);
}

void
stun_build_pwalg(struct stun_builder *b, uint16_t alg)
{
	uint8_t	 v[4] = { (uint8_t)(alg >> 8), (uint8_t)alg, 0, 0 };

	stun_build_small(b, STUN_ATTR_PASSWORD_ALGORITHM, 4, v, 4);
}

void
stun_build_pwalgs(struct stun_builder *b, const uint16_t *algs, size_t n)
{
	struct stun_wr	 w;
	size_t		 i;

	stun_build_begin(b, &w, STUN_ATTR_PASSWORD_ALGORITHMS, n * 4);
	for (i = 0; i < n; i++) {
		stun_wr_u16(&w, algs[i]);
		stun_wr_u16(&w, 0);
	}
	stun_build_end(b, &w, n * 4);
}

int
stun_build_finish(struct stun_builder *b)
{
	if (b->err != 0)
		return (b->err);
	return ((int)b->len);
}

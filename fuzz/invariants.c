/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Invariants of the decoder checked on arbitrary input: the index lies
 * inside the buffer and mirrors the wire, getters stay in bounds, and
 * decoding or checking the same bytes twice gives the same answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libstun/stun.h"
#include "fuzz/invariants.h"

/* RFC 5769 2.1's password, so a seed's MESSAGE-INTEGRITY can pass. */
static const uint8_t fuzz_key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint16_t fuzz_types[] = {
	STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_RESPONSE_ADDRESS,
	STUN_ATTR_CHANGE_REQUEST, STUN_ATTR_SOURCE_ADDRESS,
	STUN_ATTR_CHANGED_ADDRESS, STUN_ATTR_USERNAME, STUN_ATTR_PASSWORD,
	STUN_ATTR_MESSAGE_INTEGRITY, STUN_ATTR_ERROR_CODE,
	STUN_ATTR_UNKNOWN_ATTRIBUTES, STUN_ATTR_REFLECTED_FROM,
	STUN_ATTR_CHANNEL_NUMBER, STUN_ATTR_LIFETIME,
	STUN_ATTR_XOR_PEER_ADDRESS, STUN_ATTR_DATA, STUN_ATTR_REALM,
	STUN_ATTR_NONCE, STUN_ATTR_XOR_RELAYED_ADDRESS,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_ATTR_EVEN_PORT,
	STUN_ATTR_REQUESTED_TRANSPORT, STUN_ATTR_DONT_FRAGMENT,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256, STUN_ATTR_PASSWORD_ALGORITHM,
	STUN_ATTR_USERHASH, STUN_ATTR_XOR_MAPPED_ADDRESS,
	STUN_ATTR_RESERVATION_TOKEN, STUN_ATTR_PRIORITY,
	STUN_ATTR_USE_CANDIDATE, STUN_ATTR_PADDING, STUN_ATTR_RESPONSE_PORT,
	STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_ATTR_ADDRESS_ERROR_CODE,
	STUN_ATTR_PASSWORD_ALGORITHMS, STUN_ATTR_ALTERNATE_DOMAIN,
	STUN_ATTR_ICMP, STUN_ATTR_SOFTWARE, STUN_ATTR_ALTERNATE_SERVER,
	STUN_ATTR_CACHE_TIMEOUT, STUN_ATTR_FINGERPRINT,
	STUN_ATTR_ICE_CONTROLLED, STUN_ATTR_ICE_CONTROLLING,
	STUN_ATTR_RESPONSE_ORIGIN, STUN_ATTR_OTHER_ADDRESS,
};

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

static uint16_t
fuzz_be16(const uint8_t *p)
{
	return ((uint16_t)((p[0] << 8) | p[1]));
}

/* p[0..n) lies inside m->buf[0..m->len). */
static int
fuzz_inside(const struct stun_msg *m, const uint8_t *p, size_t n)
{
	uintptr_t	b = (uintptr_t)m->buf, q = (uintptr_t)p;

	return (q >= b && q - b <= m->len && n <= m->len - (q - b));
}

/* Text form of an address parses back to the same address. */
static void
fuzz_check_addr_text(const struct stun_addr *a)
{
	struct stun_addr b;
	char		 text[64];

	FUZZ_ASSERT(stun_addr_format(a, text, sizeof(text)) == 0);
	FUZZ_ASSERT(memchr(text, '\0', sizeof(text)) != NULL);
	FUZZ_ASSERT(stun_addr_parse(text, 1, &b) == 0);
	FUZZ_ASSERT(stun_addr_equal(a, &b));
	(void)stun_addr_class(a);
	(void)stun_addr_class_name(stun_addr_class(a));
	/* Too small a buffer is refused, never overrun. */
	FUZZ_ASSERT(stun_addr_format(a, text, 4) == STUN_ERR_NOSPACE);
}

/*
 * A string attribute through the parsers that take wire text: nonce
 * cookie and MAC, OpaqueString, and the address parser.
 */
static void
fuzz_check_text(const char *str, size_t n)
{
	static const uint8_t secret[] = "fuzz secret";
	struct stun_addr client, a;
	char		 out[STUN_MAX_STRING_PARSE + 1];
	size_t		 outlen;
	uint32_t	 feat;
	int		 r;

	memset(&client, 0, sizeof(client));
	client.family = STUN_AF_INET;
	client.port = 3478;
	client.ip[0] = 192;
	client.ip[2] = 2;
	client.ip[3] = 1;
	r = stun_nonce_features(str, n, &feat);
	FUZZ_ASSERT(r == 0 || r < 0);
	if (r == 0)
		FUZZ_ASSERT(n >= strlen(STUN_NONCE_COOKIE) &&
		    memcmp(str, STUN_NONCE_COOKIE,
		    strlen(STUN_NONCE_COOKIE)) == 0);
	/* Nobody forges the MAC of a secret the input never saw. */
	r = stun_nonce_check(str, n, secret, sizeof(secret) - 1, &client,
	    1000, 600);
	FUZZ_ASSERT(r != 0);

	outlen = sizeof(out) + 1;
	if (stun_opaque_string(str, n, out, sizeof(out), &outlen) == 0) {
		FUZZ_ASSERT(outlen < sizeof(out));
		FUZZ_ASSERT(out[outlen] == '\0');
	}
	if (stun_addr_parse(str, 3478, &a) == 0) {
		FUZZ_ASSERT(a.family == STUN_AF_INET ||
		    a.family == STUN_AF_INET6);
		fuzz_check_addr_text(&a);
	}
}

void
fuzz_check_getters(const struct stun_msg *m, uint16_t type)
{
	struct stun_addr a;
	const uint8_t	*val;
	const char	*reason;
	char		 str[STUN_MAX_STRING_PARSE + 1], small[8];
	uint64_t	 u64;
	uint32_t	 u32;
	uint16_t	 types[STUN_MAX_UNKNOWN], u16;
	size_t		 n, i;
	uint8_t		 u8, u8b;
	int		 code, r, present;

	present = stun_msg_find(m, type) != NULL;

	memset(&a, 0xa5, sizeof(a));
	if (stun_msg_get_addr(m, type, &a) == 0) {
		FUZZ_ASSERT(present);
		FUZZ_ASSERT(a.family == STUN_AF_INET ||
		    a.family == STUN_AF_INET6);
		fuzz_check_addr_text(&a);
	}
	if (stun_msg_get_u32(m, type, &u32) == 0)
		FUZZ_ASSERT(present);
	if (stun_msg_get_u64(m, type, &u64) == 0)
		FUZZ_ASSERT(present);
	r = stun_msg_get_bytes(m, type, &val, &n);
	FUZZ_ASSERT((r == 0) == present);
	if (r == 0) {
		FUZZ_ASSERT(n == 0 || fuzz_inside(m, val, n));
		FUZZ_ASSERT(n == stun_msg_find(m, type)->len);
	}
	memset(str, 0x5a, sizeof(str));
	if (stun_msg_get_string(m, type, str, sizeof(str)) == 0) {
		FUZZ_ASSERT(present);
		n = strnlen(str, sizeof(str));
		FUZZ_ASSERT(n < sizeof(str));
		FUZZ_ASSERT(n == stun_msg_find(m, type)->len);
		fuzz_check_text(str, n);
		/* The same string never fits a smaller buffer. */
		if (n >= sizeof(small))
			FUZZ_ASSERT(stun_msg_get_string(m, type, small,
			    sizeof(small)) == STUN_ERR_NOSPACE);
	}
	FUZZ_ASSERT(stun_msg_get_string(m, type, str, 0) != 0);

	if (type == STUN_ATTR_ERROR_CODE &&
	    stun_msg_get_error(m, &code, &reason, &n) == 0) {
		FUZZ_ASSERT(code >= 300 && code <= 699);
		FUZZ_ASSERT(n == 0 ||
		    fuzz_inside(m, (const uint8_t *)reason, n));
		(void)stun_reason_phrase(code);
	}
	if (type == STUN_ATTR_UNKNOWN_ATTRIBUTES) {
		for (i = 0; i <= STUN_MAX_UNKNOWN; i += STUN_MAX_UNKNOWN / 2)
			if (stun_msg_get_unknown(m, types, i, &n) == 0)
				FUZZ_ASSERT(n <= i);
	}
	if (type == STUN_ATTR_CHANNEL_NUMBER &&
	    stun_msg_get_channel(m, &u16) == 0)
		FUZZ_ASSERT(present);
	if (type == STUN_ATTR_RESPONSE_PORT)
		(void)stun_msg_get_response_port(m, &u16);
	if (type == STUN_ATTR_REQUESTED_TRANSPORT)
		(void)stun_msg_get_transport(m, &u8);
	if (stun_msg_get_family(m, type, &u8) == 0)
		FUZZ_ASSERT(u8 == STUN_AF_INET || u8 == STUN_AF_INET6);
	if (type == STUN_ATTR_EVEN_PORT)
		(void)stun_msg_get_even_port(m, &code);
	if (type == STUN_ATTR_PASSWORD_ALGORITHM)
		(void)stun_msg_get_pwalg(m, &u16);
	if (type == STUN_ATTR_PASSWORD_ALGORITHMS) {
		for (i = 0; i <= STUN_MAX_UNKNOWN; i += STUN_MAX_UNKNOWN / 4)
			if (stun_msg_get_pwalgs(m, types, i, &n) == 0)
				FUZZ_ASSERT(n <= i);
	}
	if (type == STUN_ATTR_ADDRESS_ERROR_CODE &&
	    stun_msg_get_addr_error(m, &u8, &code, &reason, &n) == 0) {
		FUZZ_ASSERT(code >= 300 && code <= 699);
		FUZZ_ASSERT(n == 0 ||
		    fuzz_inside(m, (const uint8_t *)reason, n));
	}
	if (type == STUN_ATTR_ICMP)
		(void)stun_msg_get_icmp(m, &u8, &u8b, &u32);
	(void)stun_attr_name(type);
}

/* Integrity and fingerprint verdicts, computed twice: they must agree. */
static void
fuzz_check_integrity(const struct stun_msg *m)
{
	int	fp, mi, mi256;

	fp = stun_msg_check_fingerprint(m);
	mi = stun_msg_check_integrity(m, fuzz_key, sizeof(fuzz_key) - 1);
	mi256 = stun_msg_check_integrity_sha256(m, fuzz_key,
	    sizeof(fuzz_key) - 1);
	FUZZ_ASSERT((fp == STUN_ERR_NOT_FOUND) == (m->fp == -1));
	FUZZ_ASSERT((mi == STUN_ERR_NOT_FOUND) == (m->mi == -1));
	FUZZ_ASSERT((mi256 == STUN_ERR_NOT_FOUND) == (m->mi256 == -1));
	FUZZ_ASSERT(fp == 0 || fp == STUN_ERR_NOT_FOUND ||
	    fp == STUN_ERR_FINGERPRINT || fp == STUN_ERR_BAD_ATTR);
	FUZZ_ASSERT(fp == stun_msg_check_fingerprint(m));
	/* RFC 8489 7.3: a decoded message never has a wrong FINGERPRINT. */
	FUZZ_ASSERT(fp == 0 || fp == STUN_ERR_NOT_FOUND);
	FUZZ_ASSERT(mi == stun_msg_check_integrity(m, fuzz_key,
	    sizeof(fuzz_key) - 1));
	FUZZ_ASSERT(mi256 == stun_msg_check_integrity_sha256(m, fuzz_key,
	    sizeof(fuzz_key) - 1));
}

static void
fuzz_check_index(const struct stun_msg *m, const uint8_t *buf, size_t len)
{
	const struct stun_attr_ref *ref, *first;
	size_t		 prev_end = STUN_HDR_LEN;
	unsigned	 i, j;

	FUZZ_ASSERT(m->hdr_ok);
	FUZZ_ASSERT(m->buf == buf && m->len == len);
	FUZZ_ASSERT(len >= STUN_HDR_LEN && len % 4 == 0);
	FUZZ_ASSERT(fuzz_be16(buf + 2) == len - STUN_HDR_LEN);
	FUZZ_ASSERT(m->type == fuzz_be16(buf) && (m->type & 0xC000) == 0);
	FUZZ_ASSERT(m->cls <= STUN_CLASS_ERROR);
	FUZZ_ASSERT(stun_msg_type(m->method, m->cls) == m->type);
	FUZZ_ASSERT(memcmp(m->tid, buf + 8, STUN_TID_LEN) == 0);
	FUZZ_ASSERT(m->legacy == (m->cookie != STUN_MAGIC_COOKIE));
	FUZZ_ASSERT(stun_msg_is_stun(buf, len) == 1);
	(void)stun_method_name(m->method);
	(void)stun_class_name(m->cls);

	FUZZ_ASSERT(m->nattrs <= STUN_MAX_ATTRS);
	for (i = 0; i < m->nattrs; i++) {
		ref = &m->attrs[i];
		/* The value follows its own header, in order, in bounds. */
		FUZZ_ASSERT(ref->off >= prev_end + 4);
		FUZZ_ASSERT(ref->off <= len && ref->len <= len - ref->off);
		FUZZ_ASSERT(fuzz_be16(buf + ref->off - 4) == ref->type);
		FUZZ_ASSERT(fuzz_be16(buf + ref->off - 2) == ref->len);
		prev_end = ref->off + ((ref->len + 3U) & ~3U);
		FUZZ_ASSERT(prev_end <= len);
		/* stun_msg_find() gives the first of a type. */
		first = stun_msg_find(m, ref->type);
		FUZZ_ASSERT(first != NULL && first->type == ref->type);
		for (j = 0; &m->attrs[j] != first; j++)
			FUZZ_ASSERT(m->attrs[j].type != ref->type);
		FUZZ_ASSERT(j <= i);
	}
	FUZZ_ASSERT(m->mi == -1 || (m->mi >= 0 && (unsigned)m->mi < m->nattrs &&
	    m->attrs[m->mi].type == STUN_ATTR_MESSAGE_INTEGRITY));
	FUZZ_ASSERT(m->mi256 == -1 || (m->mi256 >= 0 &&
	    (unsigned)m->mi256 < m->nattrs &&
	    m->attrs[m->mi256].type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256));
	/* RFC 8489 14.7: FINGERPRINT is last, on the wire and in the index. */
	FUZZ_ASSERT(m->fp == -1 || ((unsigned)m->fp == m->nattrs - 1 &&
	    m->attrs[m->fp].type == STUN_ATTR_FINGERPRINT &&
	    prev_end == len));
	FUZZ_ASSERT(m->nunknown <= STUN_MAX_UNKNOWN);
	for (i = 0; i < m->nunknown; i++)
		FUZZ_ASSERT(STUN_ATTR_IS_REQUIRED(m->unknown[i]));
}

int
fuzz_check_decode(const uint8_t *buf, size_t len)
{
	struct stun_msg	 m, m2;
	uint8_t		*copy;
	size_t		 i;
	int		 r, r2, kind = 0;

	r = stun_msg_decode(&m, buf, len);
	FUZZ_ASSERT(r <= 0);
	FUZZ_ASSERT(stun_strerror(r) != NULL);
	if (r != 0) {
		FUZZ_ASSERT(m.hdr_ok == 0 || m.hdr_ok == 1);
		if (m.hdr_ok)
			FUZZ_ASSERT(m.nattrs <= STUN_MAX_ATTRS &&
			    m.nunknown <= STUN_MAX_UNKNOWN);
		return (r);
	}

	fuzz_check_index(&m, buf, len);
	/* What decodes as a datagram frames as one STUN frame on a stream. */
	FUZZ_ASSERT(stun_frame_len(buf, len, STUN_HDR_LEN + 0xFFFF, &kind) ==
	    (int)len);
	FUZZ_ASSERT(kind == STUN_FRAME_STUN);

	for (i = 0; i < sizeof(fuzz_types) / sizeof(fuzz_types[0]); i++)
		fuzz_check_getters(&m, fuzz_types[i]);
	for (i = 0; i < m.nattrs; i++)
		fuzz_check_getters(&m, m.attrs[i].type);
	fuzz_check_integrity(&m);

	/* The same bytes elsewhere decode to the same index. */
	if ((copy = malloc(len)) == NULL)
		return (r);
	memcpy(copy, buf, len);
	r2 = stun_msg_decode(&m2, copy, len);
	FUZZ_ASSERT(r2 == r);
	FUZZ_ASSERT(m2.nattrs == m.nattrs && m2.mi == m.mi &&
	    m2.mi256 == m.mi256 && m2.fp == m.fp &&
	    m2.nunknown == m.nunknown);
	FUZZ_ASSERT(memcmp(m2.attrs, m.attrs,
	    m.nattrs * sizeof(m.attrs[0])) == 0);
	FUZZ_ASSERT(memcmp(m2.unknown, m.unknown,
	    m.nunknown * sizeof(m.unknown[0])) == 0);
	FUZZ_ASSERT(stun_msg_check_fingerprint(&m2) ==
	    stun_msg_check_fingerprint(&m));
	free(copy);
	return (r);
}

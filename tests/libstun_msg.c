/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The message header, the decode-once index and the builder.
 */
#include <string.h>

#include <check.h>

#include <libstun/stun.h>
#include <libstun/server.h>

#include "suites.h"
#include "testutil.h"

static struct stun_msg m;

/* A Binding request header with the given length and cookie. */
static void
hdr(uint8_t *p, uint16_t type, uint16_t len, uint32_t cookie)
{
	p[0] = (uint8_t)(type >> 8);
	p[1] = (uint8_t)type;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(cookie >> 24);
	p[5] = (uint8_t)(cookie >> 16);
	p[6] = (uint8_t)(cookie >> 8);
	p[7] = (uint8_t)cookie;
	memcpy(p + 8, test_tid, STUN_TID_LEN);
}

/* Append a raw attribute at *off with its value and zero padding. */
static void
attr(uint8_t *p, size_t *off, uint16_t type, uint16_t len, uint8_t fill)
{
	size_t	 pad = (4 - (len & 3)) & 3;

	p[*off] = (uint8_t)(type >> 8);
	p[*off + 1] = (uint8_t)type;
	p[*off + 2] = (uint8_t)(len >> 8);
	p[*off + 3] = (uint8_t)len;
	memset(p + *off + 4, fill, len);
	memset(p + *off + 4 + len, 0, pad);
	*off += 4 + len + pad;
}

/* Fix the header length to cover everything up to off. */
static void
setlen(uint8_t *p, size_t off)
{
	p[2] = (uint8_t)((off - 20) >> 8);
	p[3] = (uint8_t)(off - 20);
}

/* Write the right CRC into the FINGERPRINT that ends the message at off. */
static void
setfp(uint8_t *p, size_t off)
{
	uint32_t crc = stun_crc32(p, off - 8) ^ 0x5354554eU;

	p[off - 4] = (uint8_t)(crc >> 24);
	p[off - 3] = (uint8_t)(crc >> 16);
	p[off - 2] = (uint8_t)(crc >> 8);
	p[off - 1] = (uint8_t)crc;
}

START_TEST(msg_type_encodes_method_and_class)
{
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST), 0x0001);
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_BINDING,
	    STUN_CLASS_INDICATION), 0x0011);
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS), 0x0101);
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_BINDING,
	    STUN_CLASS_ERROR), 0x0111);
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_ALLOCATE,
	    STUN_CLASS_SUCCESS), 0x0103);
	ck_assert_uint_eq(stun_msg_type(STUN_METHOD_DATA,
	    STUN_CLASS_INDICATION), 0x0017);
	ck_assert_uint_eq(stun_msg_type(0xFFF, STUN_CLASS_ERROR), 0x3FFF);
}
END_TEST

START_TEST(msg_type_round_trips_every_method_and_class)
{
	uint8_t		 buf[20];
	uint16_t	 method;
	uint8_t		 cls;

	for (method = 0; method < 0x1000; method++) {
		for (cls = 0; cls < 4; cls++) {
			hdr(buf, stun_msg_type(method, cls), 0,
			    STUN_MAGIC_COOKIE);
			ck_assert_int_eq(stun_msg_decode(&m, buf,
			    sizeof(buf)), 0);
			ck_assert_uint_eq(m.method, method);
			ck_assert_uint_eq(m.cls, cls);
		}
	}
}
END_TEST

START_TEST(msg_decode_rejects_short_header)
{
	uint8_t	 buf[20];

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 19), STUN_ERR_TRUNCATED);
	ck_assert_int_eq(m.hdr_ok, 0);
	ck_assert_int_eq(stun_msg_decode(&m, NULL, 0), STUN_ERR_TRUNCATED);
}
END_TEST

START_TEST(msg_decode_rejects_top_bits)
{
	uint8_t	 buf[20];

	hdr(buf, 0x4001, 0, STUN_MAGIC_COOKIE);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 20), STUN_ERR_NOT_STUN);
	hdr(buf, 0x8001, 0, STUN_MAGIC_COOKIE);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 20), STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_msg_is_stun(buf, 20), 0);
}
END_TEST

START_TEST(msg_decode_rejects_lying_length)
{
	uint8_t	 buf[32];

	memset(buf, 0, sizeof(buf));
	hdr(buf, 0x0001, 8, STUN_MAGIC_COOKIE);
	/* Says 8, has 12. */
	ck_assert_int_eq(stun_msg_decode(&m, buf, 32), STUN_ERR_BAD_LENGTH);
	/* Says 8, has 4. */
	ck_assert_int_eq(stun_msg_decode(&m, buf, 24), STUN_ERR_BAD_LENGTH);
	/* Not a multiple of 4. */
	hdr(buf, 0x0001, 6, STUN_MAGIC_COOKIE);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 26), STUN_ERR_BAD_LENGTH);
	ck_assert_int_eq(m.hdr_ok, 0);
}
END_TEST

START_TEST(msg_decode_rejects_attr_past_end)
{
	uint8_t	 buf[64];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_SOFTWARE, 8, 'a');
	setlen(buf, off);
	/* Claim 12 value bytes where 8 are present. */
	buf[23] = 12;
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_TRUNCATED);
	/* A header with no room for its value at all. */
	buf[23] = 0xff;
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_TRUNCATED);
}
END_TEST

START_TEST(msg_decode_rejects_missing_padding)
{
	uint8_t	 buf[64];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_SOFTWARE, 4, 'a');
	attr(buf, &off, STUN_ATTR_SOFTWARE, 4, 'b');
	setlen(buf, off);
	/* First value claims 5 bytes: its padding runs into the next. */
	buf[23] = 5;
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_TRUNCATED);
}
END_TEST

START_TEST(msg_decode_accepts_nonzero_padding)
{
	uint8_t	 buf[64];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_SOFTWARE, 5, 'a');
	memset(buf + 29, ' ', 3);	/* RFC 5769 pads with spaces */
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), 0);
	ck_assert_uint_eq(m.nattrs, 1);
	ck_assert_uint_eq(m.attrs[0].len, 5);
}
END_TEST

START_TEST(msg_decode_rejects_attr_after_fingerprint)
{
	uint8_t	 buf[64];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_FINGERPRINT, 4, 0);
	attr(buf, &off, STUN_ATTR_SOFTWARE, 4, 'a');
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_AFTER_FP);
	ck_assert_int_eq(m.hdr_ok, 1);
}
END_TEST

START_TEST(msg_decode_ignores_attrs_after_integrity)
{
	uint8_t	 buf[128];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_USERNAME, 4, 'u');
	attr(buf, &off, STUN_ATTR_MESSAGE_INTEGRITY, 20, 0);
	attr(buf, &off, STUN_ATTR_SOFTWARE, 4, 'a');
	attr(buf, &off, 0x0030, 4, 0);	/* unknown, required: ignored */
	attr(buf, &off, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 32, 0);
	attr(buf, &off, STUN_ATTR_PRIORITY, 4, 0);
	attr(buf, &off, STUN_ATTR_FINGERPRINT, 4, 0);
	setlen(buf, off);
	setfp(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), 0);
	ck_assert_uint_eq(m.nattrs, 4);
	ck_assert_int_eq(m.mi, 1);
	ck_assert_int_eq(m.mi256, 2);
	ck_assert_int_eq(m.fp, 3);
	ck_assert_ptr_null(stun_msg_find(&m, STUN_ATTR_SOFTWARE));
	ck_assert_ptr_null(stun_msg_find(&m, STUN_ATTR_PRIORITY));
	ck_assert_uint_eq(m.nunknown, 0);
}
END_TEST

START_TEST(msg_decode_collects_unknown_required)
{
	uint8_t	 buf[128];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, 0x0031, 0, 0);
	attr(buf, &off, 0x7fff, 4, 0);
	attr(buf, &off, 0x0031, 0, 0);	/* listed once */
	attr(buf, &off, 0xc001, 4, 0);	/* optional: not listed */
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), 0);
	ck_assert_uint_eq(m.nunknown, 2);
	ck_assert_uint_eq(m.unknown[0], 0x0031);
	ck_assert_uint_eq(m.unknown[1], 0x7fff);
}
END_TEST

START_TEST(msg_decode_rejects_bad_known_length)
{
	uint8_t	 buf[64];
	size_t	 off = 20;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	attr(buf, &off, STUN_ATTR_XOR_MAPPED_ADDRESS, 12, 0);
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(m.hdr_ok, 1);
	ck_assert_uint_eq(m.method, STUN_METHOD_BINDING);
	off = 20;
	attr(buf, &off, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 20, 0);
	attr(buf, &off, STUN_ATTR_FINGERPRINT, 4, 0);
	setlen(buf, off);
	setfp(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), 0);
	buf[23] = 18;	/* MI-SHA256 not a multiple of 4 */
	ck_assert_int_ne(stun_msg_decode(&m, buf, off), 0);
	off = 20;
	attr(buf, &off, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 12, 0);
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(msg_decode_caps_attribute_count)
{
	uint8_t	 buf[20 + 4 * (STUN_MAX_ATTRS + 1)];
	size_t	 off = 20;
	int	 i;

	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	for (i = 0; i < STUN_MAX_ATTRS; i++)
		attr(buf, &off, STUN_ATTR_USE_CANDIDATE, 0, 0);
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), 0);
	attr(buf, &off, STUN_ATTR_USE_CANDIDATE, 0, 0);
	setlen(buf, off);
	ck_assert_int_eq(stun_msg_decode(&m, buf, off), STUN_ERR_TOO_MANY);
}
END_TEST

START_TEST(msg_decode_finds_first_duplicate)
{
	struct stun_builder	 b;
	uint8_t			 buf[128];
	uint32_t		 v;
	int			 n;

	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 1);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 2);
	n = stun_build_finish(&b);
	ck_assert_int_eq(n, 20 + 16);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_PRIORITY, &v), 0);
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(msg_decode_marks_legacy)
{
	uint8_t	 buf[20];

	hdr(buf, 0x0001, 0, 0x01020304);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 20), 0);
	ck_assert_int_eq(m.legacy, 1);
	ck_assert_uint_eq(m.cookie, 0x01020304);
	hdr(buf, 0x0001, 0, STUN_MAGIC_COOKIE);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 20), 0);
	ck_assert_int_eq(m.legacy, 0);
	ck_assert_int_eq(stun_msg_is_stun(buf, 20), 1);
	ck_assert_int_eq(stun_msg_is_stun(buf, 24), 0);
}
END_TEST

START_TEST(msg_peek_tells_stun_channel_and_other)
{
	static const uint8_t	 send_ind[] = { 0x00, 0x16 };
	static const uint8_t	 chdata[] = { 0x40, 0x00, 0x00, 0x00 };
	static const uint8_t	 top[] = { 0x80, 0x01, 0x00, 0x00 };
	uint16_t		 method;
	uint8_t			 cls;

	ck_assert_int_eq(stun_msg_peek(send_ind, 2, &method, &cls),
	    STUN_FRAME_STUN);
	ck_assert_uint_eq(method, STUN_METHOD_SEND);
	ck_assert_uint_eq(cls, STUN_CLASS_INDICATION);
	ck_assert_int_eq(stun_msg_peek(chdata, 4, &method, &cls),
	    STUN_FRAME_CHANNEL);
	ck_assert_uint_eq(method, 0);
	/* Too short for a ChannelData header, or for a type at all. */
	ck_assert_int_eq(stun_msg_peek(chdata, 3, &method, &cls),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_msg_peek(send_ind, 1, &method, &cls),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_msg_peek(NULL, 0, &method, &cls),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_msg_peek(top, sizeof(top), &method, &cls),
	    STUN_ERR_NOT_STUN);
}
END_TEST

/* The peek agrees with the full decode on every method and class. */
START_TEST(msg_peek_agrees_with_decode)
{
	uint8_t		 buf[20];
	uint16_t	 method;
	uint8_t		 cls;
	unsigned	 i;

	for (i = 0; i < 0x1000 * 4; i++) {
		hdr(buf, stun_msg_type((uint16_t)(i >> 2), (uint8_t)(i & 3)),
		    0, STUN_MAGIC_COOKIE);
		ck_assert_int_eq(stun_msg_decode(&m, buf, sizeof(buf)), 0);
		ck_assert_int_eq(stun_msg_peek(buf, sizeof(buf), &method,
		    &cls), STUN_FRAME_STUN);
		ck_assert_uint_eq(method, m.method);
		ck_assert_uint_eq(cls, m.cls);
	}
}
END_TEST

START_TEST(build_reply_echoes_legacy_cookie)
{
	struct stun_builder	 b;
	uint8_t			 req[20], buf[64];
	struct stun_msg		 r;
	int			 n;

	hdr(req, 0x0001, 0, 0xdeadbeef);
	ck_assert_int_eq(stun_msg_decode(&r, req, 20), 0);
	stun_build_reply(&b, buf, sizeof(buf), &r, STUN_CLASS_SUCCESS);
	n = stun_build_finish(&b);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(stun_msg_decode(&m, buf, 20), 0);
	ck_assert_uint_eq(m.cookie, 0xdeadbeef);
	ck_assert_uint_eq(m.cls, STUN_CLASS_SUCCESS);
	ck_assert_mem_eq(m.tid, test_tid, STUN_TID_LEN);
}
END_TEST

START_TEST(build_keeps_header_length_and_zero_padding)
{
	struct stun_builder	 b;
	uint8_t			 buf[64];
	int			 n;

	memset(buf, 0xee, sizeof(buf));
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_string(&b, STUN_ATTR_SOFTWARE, "abcde");
	n = stun_build_finish(&b);
	ck_assert_int_eq(n, 32);
	ck_assert_uint_eq(buf[2], 0);
	ck_assert_uint_eq(buf[3], 12);
	ck_assert_uint_eq(buf[29], 0);
	ck_assert_uint_eq(buf[30], 0);
	ck_assert_uint_eq(buf[31], 0);
	ck_assert_uint_eq(buf[32], 0xee);
}
END_TEST

START_TEST(build_reports_no_space_and_sticks)
{
	struct stun_builder	 b;
	uint8_t			 buf[28];

	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 1);
	ck_assert_int_eq(stun_build_finish(&b), 28);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 2);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
	stun_build_attr(&b, STUN_ATTR_DATA, NULL, 0);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
	ck_assert_uint_eq(b.len, 28);
	stun_build_init(&b, buf, 19, STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
}
END_TEST

START_TEST(build_refuses_long_strings_and_bad_codes)
{
	struct stun_builder	 b;
	uint8_t			 buf[2048];
	char			 s[STUN_MAX_STRING_SEND + 2];

	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_string(&b, STUN_ATTR_SOFTWARE, s);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_TOO_BIG);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_ERROR, test_tid);
	stun_build_error(&b, 299, NULL);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_INVALID);
	stun_build_init(&b, buf, sizeof(buf), 0x1000, STUN_CLASS_REQUEST,
	    test_tid);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_INVALID);
}
END_TEST

START_TEST(strerror_covers_every_error)
{
	int	 e;

	for (e = 0; e >= STUN_ERR_TIMEOUT; e--)
		ck_assert_str_ne(stun_strerror(e), "unknown error");
	ck_assert_str_eq(stun_strerror(STUN_ERR_TIMEOUT - 1), "unknown error");
	ck_assert_str_eq(stun_strerror(1), "unknown error");
	ck_assert_str_eq(stun_reason_phrase(420), "Unknown Attribute");
	ck_assert_str_eq(stun_reason_phrase(438), "Stale Nonce");
	ck_assert_str_eq(stun_reason_phrase(599), "");
	ck_assert_str_eq(stun_method_name(STUN_METHOD_CHANNEL_BIND),
	    "ChannelBind");
	ck_assert_str_eq(stun_class_name(STUN_CLASS_ERROR), "error");
}
END_TEST

/*
 * FINGERPRINT-protected requests: a Binding with SOFTWARE, and an
 * Allocate with the attributes a TURN client sends before it learns the
 * realm (some of them of fixed lengths that a flip can make wrong).
 */
static size_t
fp_request(int which, uint8_t *buf, size_t cap)
{
	struct stun_builder	b;
	struct stun_addr	peer = test_addr("[2001:db8::7]:5000");
	int			n;

	if (which == 0) {
		stun_build_init(&b, buf, cap, STUN_METHOD_BINDING,
		    STUN_CLASS_REQUEST, test_tid);
		stun_build_string(&b, STUN_ATTR_SOFTWARE, "fp test");
	} else {
		stun_build_init(&b, buf, cap, STUN_METHOD_ALLOCATE,
		    STUN_CLASS_REQUEST, test_tid);
		stun_build_transport(&b, 17);
		stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		stun_build_string(&b, STUN_ATTR_USERNAME, "alice");
	}
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return ((size_t)n);
}

/*
 * RFC 8489 7.3: every single-bit flip of a FINGERPRINT-protected request
 * is dropped without an answer, wherever it lands (header, an attribute
 * header, a value, the FINGERPRINT's own header), never answered 400.
 */
START_TEST(msg_decode_drops_every_bit_flip_under_fingerprint)
{
	struct stun_server_conf	 c;
	struct stun_server_in	 in;
	struct stun_server_out	 out;
	uint8_t			 orig[256], buf[256], rsp[512];
	size_t			 len, i;
	int			 rc, res;

	memset(&c, 0, sizeof(c));
	c.local[STUN_SRV_PP] = test_addr("192.0.2.1:3478");
	len = fp_request(_i, orig, sizeof(orig));
	ck_assert_int_eq(stun_msg_decode(&m, orig, len), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	for (i = 0; i < len * 8; i++) {
		memcpy(buf, orig, len);
		buf[i / 8] ^= (uint8_t)(1 << (i % 8));
		rc = stun_msg_decode(&m, buf, len);
		ck_assert_msg(rc != 0 && !m.hdr_ok,
		    "request %d bit %zu: decode %d, hdr_ok %d", _i, i, rc,
		    m.hdr_ok);
		memset(&in, 0, sizeof(in));
		in.msg = &m;
		in.derr = rc;
		in.len = len;
		in.sock = STUN_SRV_PP;
		in.src = test_addr("198.51.100.9:40000");
		memset(&out, 0, sizeof(out));
		out.buf = rsp;
		out.cap = sizeof(rsp);
		res = stun_server_reject(&c, &in, 400, &out);
		ck_assert_msg(res != STUN_SRV_SEND && out.len == 0,
		    "request %d bit %zu: answered", _i, i);
		res = stun_server_binding(&c, &in, &out);
		ck_assert_msg(res != STUN_SRV_SEND && out.len == 0,
		    "request %d bit %zu: answered", _i, i);
	}
}
END_TEST

/* A malformed request whose FINGERPRINT is right is still answered. */
START_TEST(msg_decode_keeps_header_of_malformed_with_good_fingerprint)
{
	struct stun_builder	b;
	uint8_t			buf[128], zero[12];
	int			n;

	memset(zero, 0, sizeof(zero));
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	/* An address attribute is 8 or 20 bytes long, never 12. */
	stun_build_attr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, zero, sizeof(zero));
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n),
	    STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(m.hdr_ok, 1);
	/* The wrong CRC under the same header: dropped. */
	buf[n - 1] ^= 0x01;
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n),
	    STUN_ERR_FINGERPRINT);
	ck_assert_int_eq(m.hdr_ok, 0);
}
END_TEST

/*
 * A last attribute one bit off a FINGERPRINT header whose value is not
 * the CRC is an ordinary attribute (here an unknown optional one).
 */
START_TEST(msg_decode_fingerprint_check_needs_the_tail)
{
	struct stun_builder	b;
	uint8_t			buf[128];
	static const uint8_t	val[4] = { 0x12, 0x34, 0x56, 0x78 };
	int			n;

	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_string(&b, STUN_ATTR_SOFTWARE, "x");
	stun_build_attr(&b, STUN_ATTR_FINGERPRINT ^ 0x0100, val,
	    sizeof(val));
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
	ck_assert_int_eq(m.hdr_ok, 1);
	ck_assert_int_eq(m.fp, -1);
	ck_assert_uint_eq(m.nattrs, 2);
}
END_TEST

/*
 * A Send indication whose DATA is a whole STUN message (a relayed
 * connectivity check) ends with that message's FINGERPRINT: it decodes,
 * and so does a Data indication; a request of that shape is dropped.
 */
START_TEST(msg_decode_keeps_stun_inside_data)
{
	struct stun_builder	b;
	struct stun_addr	peer = test_addr("198.51.100.9:4000");
	uint8_t			inner[64], buf[256];
	int			innerlen, n, k;
	static const uint8_t	cls[3] = { STUN_CLASS_INDICATION,
	    STUN_CLASS_INDICATION, STUN_CLASS_REQUEST };
	static const uint16_t	meth[3] = { STUN_METHOD_SEND, STUN_METHOD_DATA,
	    STUN_METHOD_ALLOCATE };

	stun_build_init(&b, inner, sizeof(inner), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, test_tid);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 12345);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(innerlen = stun_build_finish(&b), 0);
	for (k = 0; k < 3; k++) {
		stun_build_init(&b, buf, sizeof(buf), meth[k], cls[k],
		    test_tid);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		stun_build_attr(&b, STUN_ATTR_DATA, inner, (size_t)innerlen);
		ck_assert_int_gt(n = stun_build_finish(&b), 0);
		if (cls[k] == STUN_CLASS_REQUEST) {
			ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n),
			    STUN_ERR_FINGERPRINT);
			ck_assert_int_eq(m.hdr_ok, 0);
		} else {
			ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n),
			    0);
			ck_assert_int_eq(m.fp, -1);
			ck_assert_uint_eq(m.nattrs, 2);
		}
	}
}
END_TEST

Suite *
suite_msg(void)
{
	Suite	*s = suite_create("msg");
	TCase	*tc;

	tc = tcase_create("type");
	tcase_add_test(tc, msg_type_encodes_method_and_class);
	tcase_add_test(tc, msg_type_round_trips_every_method_and_class);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, msg_decode_rejects_short_header);
	tcase_add_test(tc, msg_decode_rejects_top_bits);
	tcase_add_test(tc, msg_decode_rejects_lying_length);
	tcase_add_test(tc, msg_decode_rejects_attr_past_end);
	tcase_add_test(tc, msg_decode_rejects_missing_padding);
	tcase_add_test(tc, msg_decode_accepts_nonzero_padding);
	tcase_add_test(tc, msg_decode_rejects_attr_after_fingerprint);
	tcase_add_test(tc, msg_decode_ignores_attrs_after_integrity);
	tcase_add_test(tc, msg_decode_collects_unknown_required);
	tcase_add_test(tc, msg_decode_rejects_bad_known_length);
	tcase_add_test(tc, msg_decode_caps_attribute_count);
	tcase_add_test(tc, msg_decode_finds_first_duplicate);
	tcase_add_test(tc, msg_decode_marks_legacy);
	tcase_add_test(tc, msg_peek_tells_stun_channel_and_other);
	tcase_add_test(tc, msg_peek_agrees_with_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint_first");
	tcase_add_loop_test(tc, msg_decode_drops_every_bit_flip_under_fingerprint,
	    0, 2);
	tcase_add_test(tc,
	    msg_decode_keeps_header_of_malformed_with_good_fingerprint);
	tcase_add_test(tc, msg_decode_fingerprint_check_needs_the_tail);
	tcase_add_test(tc, msg_decode_keeps_stun_inside_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_test(tc, build_reply_echoes_legacy_cookie);
	tcase_add_test(tc, build_keeps_header_length_and_zero_padding);
	tcase_add_test(tc, build_reports_no_space_and_sticks);
	tcase_add_test(tc, build_refuses_long_strings_and_bad_codes);
	tcase_add_test(tc, strerror_covers_every_error);
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The RFC 5769 test vectors and RFC 8489 Appendix B.1: decoded field by
 * field, MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT checked with the RFC
 * credentials, and rebuilt byte for byte with the builder.  The vectors
 * are shared with tests/libstun_mutate.c through libstun_vectors.h.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "libstun/stun.h"
#include "suites.h"
#include "libstun_vectors.h"

/* RFC 5769 2.4: "マトリックス" in UTF-8. */
#define MATRIX_USER	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa" \
			"\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"

/* RFC 5769 2.1-2.3 transaction id. */
const uint8_t rfc5769_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae
};

/* RFC 5769 2.4 and RFC 8489 B.1 transaction id. */
const uint8_t rfc8489_tid[STUN_TID_LEN] = {
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0,
	0x29, 0xda, 0x41, 0x2e
};

/* RFC 5769 2.1: sample request, SOFTWARE "STUN test client",
 * USERNAME "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt". */
const uint8_t rfc5769_request[108] = {
	0x00, 0x01, 0x00, 0x58,	/* Request type and message length */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01,	/* } Transaction ID */
	0xbc, 0x34, 0xd6, 0x86,	/* } */
	0xfa, 0x87, 0xdf, 0xae,	/* } */
	0x80, 0x22, 0x00, 0x10,	/* SOFTWARE attribute header */
	0x53, 0x54, 0x55, 0x4e,	/* } User-agent... */
	0x20, 0x74, 0x65, 0x73,	/* } */
	0x74, 0x20, 0x63, 0x6c,	/* } ...name */
	0x69, 0x65, 0x6e, 0x74,	/* } */
	0x00, 0x24, 0x00, 0x04,	/* PRIORITY attribute header */
	0x6e, 0x00, 0x01, 0xff,	/* ICE priority value */
	0x80, 0x29, 0x00, 0x08,	/* ICE-CONTROLLED attribute header */
	0x93, 0x2f, 0xf9, 0xb1,	/* } Pseudo-random tie breaker... */
	0x51, 0x26, 0x3b, 0x36,	/* } ...for ICE control */
	0x00, 0x06, 0x00, 0x09,	/* USERNAME attribute header */
	0x65, 0x76, 0x74, 0x6a,	/* } Username (9 bytes) and padding (3 bytes) */
	0x3a, 0x68, 0x36, 0x76,	/* } */
	0x59, 0x20, 0x20, 0x20,	/* } (the padding is three spaces) */
	0x00, 0x08, 0x00, 0x14,	/* MESSAGE-INTEGRITY attribute header */
	0x9a, 0xea, 0xa7, 0x0c,	/* } */
	0xbf, 0xd8, 0xcb, 0x56,	/* } */
	0x78, 0x1e, 0xf2, 0xb5,	/* } HMAC-SHA1 fingerprint */
	0xb2, 0xd3, 0xf2, 0x49,	/* } */
	0xc1, 0xb5, 0x71, 0xa2,	/* } */
	0x80, 0x28, 0x00, 0x04,	/* FINGERPRINT attribute header */
	0xe5, 0x7a, 0x3b, 0xcf,	/* CRC32 fingerprint */
};

/* RFC 5769 2.2: IPv4 response, mapped address 192.0.2.1:32853. */
const uint8_t rfc5769_resp4[80] = {
	0x01, 0x01, 0x00, 0x3c,	/* Response type and message length */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01,	/* } Transaction ID */
	0xbc, 0x34, 0xd6, 0x86,	/* } */
	0xfa, 0x87, 0xdf, 0xae,	/* } */
	0x80, 0x22, 0x00, 0x0b,	/* SOFTWARE attribute header */
	0x74, 0x65, 0x73, 0x74,	/* } UTF-8 server name "test vector" */
	0x20, 0x76, 0x65, 0x63,	/* } */
	0x74, 0x6f, 0x72, 0x20,	/* } (one space of padding) */
	0x00, 0x20, 0x00, 0x08,	/* XOR-MAPPED-ADDRESS attribute header */
	0x00, 0x01, 0xa1, 0x47,	/* Family (IPv4), xor'd mapped port */
	0xe1, 0x12, 0xa6, 0x43,	/* Xor'd mapped IPv4 address */
	0x00, 0x08, 0x00, 0x14,	/* MESSAGE-INTEGRITY attribute header */
	0x2b, 0x91, 0xf5, 0x99,	/* } */
	0xfd, 0x9e, 0x90, 0xc3,	/* } */
	0x8c, 0x74, 0x89, 0xf9,	/* } HMAC-SHA1 fingerprint */
	0x2a, 0xf9, 0xba, 0x53,	/* } */
	0xf0, 0x6b, 0xe7, 0xd7,	/* } */
	0x80, 0x28, 0x00, 0x04,	/* FINGERPRINT attribute header */
	0xc0, 0x7d, 0x4c, 0x96,	/* CRC32 fingerprint */
};

/* RFC 5769 2.3: IPv6 response,
 * mapped address [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
const uint8_t rfc5769_resp6[92] = {
	0x01, 0x01, 0x00, 0x48,	/* Response type and message length */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01,	/* } Transaction ID */
	0xbc, 0x34, 0xd6, 0x86,	/* } */
	0xfa, 0x87, 0xdf, 0xae,	/* } */
	0x80, 0x22, 0x00, 0x0b,	/* SOFTWARE attribute header */
	0x74, 0x65, 0x73, 0x74,	/* } UTF-8 server name "test vector" */
	0x20, 0x76, 0x65, 0x63,	/* } */
	0x74, 0x6f, 0x72, 0x20,	/* } (one space of padding) */
	0x00, 0x20, 0x00, 0x14,	/* XOR-MAPPED-ADDRESS attribute header */
	0x00, 0x02, 0xa1, 0x47,	/* Family (IPv6), xor'd mapped port */
	0x01, 0x13, 0xa9, 0xfa,	/* } */
	0xa5, 0xd3, 0xf1, 0x79,	/* } Xor'd mapped IPv6 address */
	0xbc, 0x25, 0xf4, 0xb5,	/* } */
	0xbe, 0xd2, 0xb9, 0xd9,	/* } */
	0x00, 0x08, 0x00, 0x14,	/* MESSAGE-INTEGRITY attribute header */
	0xa3, 0x82, 0x95, 0x4e,	/* } */
	0x4b, 0xe6, 0x7b, 0xf1,	/* } */
	0x17, 0x84, 0xc9, 0x7c,	/* } HMAC-SHA1 fingerprint */
	0x82, 0x92, 0xc2, 0x75,	/* } */
	0xbf, 0xe3, 0xed, 0x41,	/* } */
	0x80, 0x28, 0x00, 0x04,	/* FINGERPRINT attribute header */
	0xc8, 0xfb, 0x0b, 0x4c,	/* CRC32 fingerprint */
};

/* RFC 5769 2.4: long-term request, USERNAME U+30DE U+30C8 U+30EA
 * U+30C3 U+30AF U+30B9, REALM "example.org", password "TheMatrIX". */
const uint8_t rfc5769_lt[116] = {
	0x00, 0x01, 0x00, 0x60,	/* Request type and message length */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0x78, 0xad, 0x34, 0x33,	/* } Transaction ID */
	0xc6, 0xad, 0x72, 0xc0,	/* } */
	0x29, 0xda, 0x41, 0x2e,	/* } */
	0x00, 0x06, 0x00, 0x12,	/* USERNAME attribute header */
	0xe3, 0x83, 0x9e, 0xe3,	/* } */
	0x83, 0x88, 0xe3, 0x83,	/* } */
	0xaa, 0xe3, 0x83, 0x83,	/* } Username (18) and padding (2) */
	0xe3, 0x82, 0xaf, 0xe3,	/* } */
	0x82, 0xb9, 0x00, 0x00,	/* } */
	0x00, 0x15, 0x00, 0x1c,	/* NONCE attribute header */
	0x66, 0x2f, 0x2f, 0x34,	/* } */
	0x39, 0x39, 0x6b, 0x39,	/* } */
	0x35, 0x34, 0x64, 0x36,	/* } */
	0x4f, 0x4c, 0x33, 0x34,	/* } Nonce value */
	0x6f, 0x4c, 0x39, 0x46,	/* } */
	0x53, 0x54, 0x76, 0x79,	/* } */
	0x36, 0x34, 0x73, 0x41,	/* } */
	0x00, 0x14, 0x00, 0x0b,	/* REALM attribute header */
	0x65, 0x78, 0x61, 0x6d,	/* } */
	0x70, 0x6c, 0x65, 0x2e,	/* } Realm (11 bytes) and padding (1 byte) */
	0x6f, 0x72, 0x67, 0x00,	/* } */
	0x00, 0x08, 0x00, 0x14,	/* MESSAGE-INTEGRITY attribute header */
	0xf6, 0x70, 0x24, 0x65,	/* } */
	0x6d, 0xd6, 0x4a, 0x3e,	/* } */
	0x02, 0xb8, 0xe0, 0x71,	/* } HMAC-SHA1 fingerprint */
	0x2e, 0x85, 0xc9, 0xa2,	/* } */
	0x8c, 0xa8, 0x96, 0x66,	/* } */
};

/* RFC 8489 B.1 exactly as published (the length field 0x9c is wrong). */
const uint8_t rfc8489_b1_published[156] = {
	0x00, 0x01, 0x00, 0x9c,	/* Request type and message length (sic) */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0x78, 0xad, 0x34, 0x33,	/* } Transaction ID */
	0xc6, 0xad, 0x72, 0xc0,	/* } */
	0x29, 0xda, 0x41, 0x2e,	/* } */
	0x00, 0x1e, 0x00, 0x20,	/* USERHASH attribute header */
	0x4a, 0x3c, 0xf3, 0x8f,	/* } */
	0xef, 0x69, 0x92, 0xbd,	/* } */
	0xa9, 0x52, 0xc6, 0x78,	/* } */
	0x04, 0x17, 0xda, 0x0f,	/* } Userhash value (32 bytes) */
	0x24, 0x81, 0x94, 0x15,	/* } */
	0x56, 0x9e, 0x60, 0xb2,	/* } */
	0x05, 0xc4, 0x6e, 0x41,	/* } */
	0x40, 0x7f, 0x17, 0x04,	/* } */
	0x00, 0x15, 0x00, 0x29,	/* NONCE attribute header */
	0x6f, 0x62, 0x4d, 0x61,	/* } */
	0x74, 0x4a, 0x6f, 0x73,	/* } */
	0x32, 0x41, 0x41, 0x41,	/* } */
	0x43, 0x66, 0x2f, 0x2f,	/* } */
	0x34, 0x39, 0x39, 0x6b,	/* } Nonce value and padding (3 bytes) */
	0x39, 0x35, 0x34, 0x64,	/* } */
	0x36, 0x4f, 0x4c, 0x33,	/* } */
	0x34, 0x6f, 0x4c, 0x39,	/* } */
	0x46, 0x53, 0x54, 0x76,	/* } */
	0x79, 0x36, 0x34, 0x73,	/* } */
	0x41, 0x00, 0x00, 0x00,	/* } */
	0x00, 0x14, 0x00, 0x0b,	/* REALM attribute header */
	0x65, 0x78, 0x61, 0x6d,	/* } */
	0x70, 0x6c, 0x65, 0x2e,	/* } Realm (11 bytes) and padding (1 byte) */
	0x6f, 0x72, 0x67, 0x00,	/* } */
	0x00, 0x1c, 0x00, 0x20,	/* MESSAGE-INTEGRITY-SHA256 attribute header */
	0xe4, 0x68, 0x6c, 0x8f,	/* } */
	0x0e, 0xde, 0xb5, 0x90,	/* } */
	0x13, 0xe0, 0x70, 0x90,	/* } */
	0x01, 0x0a, 0x93, 0xef,	/* } HMAC-SHA256 value */
	0xcc, 0xbc, 0xcc, 0x54,	/* } */
	0x4c, 0x0a, 0x45, 0xd9,	/* } */
	0xf8, 0x30, 0xaa, 0x6d,	/* } */
	0x6f, 0x73, 0x5a, 0x01,	/* } */
};

/* RFC 8489 B.1 as corrected by erratum 6268. */
const uint8_t rfc8489_b1_fixed[164] = {
	0x00, 0x01, 0x00, 0x90,	/* Request type and message length */
	0x21, 0x12, 0xa4, 0x42,	/* Magic cookie */
	0x78, 0xad, 0x34, 0x33,	/* } Transaction ID */
	0xc6, 0xad, 0x72, 0xc0,	/* } */
	0x29, 0xda, 0x41, 0x2e,	/* } */
	0x00, 0x1e, 0x00, 0x20,	/* USERHASH attribute header */
	0x4a, 0x3c, 0xf3, 0x8f,	/* } */
	0xef, 0x69, 0x92, 0xbd,	/* } */
	0xa9, 0x52, 0xc6, 0x78,	/* } */
	0x04, 0x17, 0xda, 0x0f,	/* } Userhash value (32 bytes) */
	0x24, 0x81, 0x94, 0x15,	/* } */
	0x56, 0x9e, 0x60, 0xb2,	/* } */
	0x05, 0xc4, 0x6e, 0x41,	/* } */
	0x40, 0x7f, 0x17, 0x04,	/* } */
	0x00, 0x15, 0x00, 0x29,	/* NONCE attribute header */
	0x6f, 0x62, 0x4d, 0x61,	/* } */
	0x74, 0x4a, 0x6f, 0x73,	/* } */
	0x32, 0x41, 0x41, 0x41,	/* } */
	0x43, 0x66, 0x2f, 0x2f,	/* } */
	0x34, 0x39, 0x39, 0x6b,	/* } Nonce value and padding (3 bytes) */
	0x39, 0x35, 0x34, 0x64,	/* } */
	0x36, 0x4f, 0x4c, 0x33,	/* } */
	0x34, 0x6f, 0x4c, 0x39,	/* } */
	0x46, 0x53, 0x54, 0x76,	/* } */
	0x79, 0x36, 0x34, 0x73,	/* } */
	0x41, 0x00, 0x00, 0x00,	/* } */
	0x00, 0x14, 0x00, 0x0b,	/* REALM attribute header */
	0x65, 0x78, 0x61, 0x6d,	/* } */
	0x70, 0x6c, 0x65, 0x2e,	/* } Realm (11 bytes) and padding (1 byte) */
	0x6f, 0x72, 0x67, 0x00,	/* } */
	0x00, 0x1d, 0x00, 0x04,	/* PASSWORD-ALGORITHM attribute header */
	0x00, 0x02, 0x00, 0x00,	/* SHA-256, no parameters */
	0x00, 0x1c, 0x00, 0x20,	/* MESSAGE-INTEGRITY-SHA256 attribute header */
	0xb5, 0xc7, 0xbf, 0x00,	/* } */
	0x5b, 0x6c, 0x52, 0xa2,	/* } */
	0x1c, 0x51, 0xc5, 0xe8,	/* } */
	0x92, 0xf8, 0x19, 0x24,	/* } HMAC-SHA256 value */
	0x13, 0x62, 0x96, 0xcb,	/* } */
	0x92, 0x7c, 0x43, 0x14,	/* } */
	0x93, 0x09, 0x27, 0x8c,	/* } */
	0xc6, 0x51, 0x8e, 0x65,	/* } */
};

static void
decode_ok(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	ck_assert_int_eq(stun_msg_decode(m, buf, len), 0);
	ck_assert_int_eq(m->hdr_ok, 1);
	ck_assert_int_eq(m->legacy, 0);
	ck_assert_uint_eq(m->cookie, STUN_MAGIC_COOKIE);
	ck_assert_uint_eq(m->len, len);
}

static void
string_eq(const struct stun_msg *m, uint16_t type, const char *want)
{
	char	s[STUN_MAX_STRING_PARSE + 1];

	ck_assert_int_eq(stun_msg_get_string(m, type, s, sizeof(s)), 0);
	ck_assert_str_eq(s, want);
}

static void
short_key(uint8_t *key, size_t *keylen)
{
	ck_assert_int_eq(stun_key_short_term(RFC5769_PASSWORD, key, 64,
	    keylen), 0);
	ck_assert_uint_eq(*keylen, strlen(RFC5769_PASSWORD));
}

/* Set n padding bytes at off in our own output to the RFC's 0x20. */
static void
pad_like_rfc(struct stun_builder *b, size_t off, size_t n)
{
	size_t	i;

	ck_assert_uint_le(off + n, b->len);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(b->buf[off + i], 0);	/* builder zeroes */
		b->buf[off + i] = 0x20;
	}
}

START_TEST(rfc5769_request_decodes_field_by_field)
{
	struct stun_msg	m;
	uint64_t	u64;
	uint32_t	u32;
	uint8_t		key[64];
	size_t		keylen;

	decode_ok(&m, rfc5769_request, sizeof(rfc5769_request));
	ck_assert_uint_eq(m.method, STUN_METHOD_BINDING);
	ck_assert_uint_eq(m.cls, STUN_CLASS_REQUEST);
	ck_assert_mem_eq(m.tid, rfc5769_tid, STUN_TID_LEN);
	ck_assert_uint_eq(m.nattrs, 6);
	string_eq(&m, STUN_ATTR_SOFTWARE, "STUN test client");
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_PRIORITY, &u32), 0);
	ck_assert_uint_eq(u32, 0x6e0001ff);
	ck_assert_int_eq(stun_msg_get_u64(&m, STUN_ATTR_ICE_CONTROLLED,
	    &u64), 0);
	ck_assert(u64 == 0x932ff9b151263b36ULL);
	/* The padding after USERNAME is three spaces; it is ignored. */
	string_eq(&m, STUN_ATTR_USERNAME, "evtj:h6vY");
	ck_assert_int_eq(m.mi, 4);
	ck_assert_int_eq(m.fp, 5);
	ck_assert_int_eq(m.mi256, -1);

	short_key(key, &keylen);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, (const uint8_t *)"x", 1),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, keylen),
	    STUN_ERR_NOT_FOUND);
}
END_TEST

/*
 * RFC 5769 pads USERNAME (2.1) and SOFTWARE (2.2, 2.3) with spaces, and
 * MESSAGE-INTEGRITY and FINGERPRINT cover those bytes.  RFC 8489 14 says
 * padding may hold any value and is ignored on receipt; our builder writes
 * zeros.  So each rebuild is checked twice: (1) zero-padded, it
 * equals the vector everywhere except the padding, MI and FINGERPRINT, and
 * its own MI and FINGERPRINT verify; (2) after the test writes 0x20 into
 * the padding of its own output buffer (what the RFC's sender did), MI and
 * FINGERPRINT built on top make the whole message equal to the vector
 * byte for byte, which pins down the HMAC and CRC inputs exactly.
 */
static void
build_request(struct stun_builder *b, uint8_t *buf, size_t cap)
{
	stun_build_init(b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
	    rfc5769_tid);
	stun_build_string(b, STUN_ATTR_SOFTWARE, "STUN test client");
	stun_build_u32(b, STUN_ATTR_PRIORITY, 0x6e0001ff);
	stun_build_u64(b, STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36ULL);
	stun_build_string(b, STUN_ATTR_USERNAME, "evtj:h6vY");
}

START_TEST(rfc5769_request_reencodes_byte_for_byte)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[256], key[64];
	size_t			keylen, i;
	/* USERNAME value at 64, 9 bytes; padding 73..75; MI 76..99. */
	const size_t		pad = 73, mi = 76;

	short_key(key, &keylen);

	build_request(&b, buf, sizeof(buf));
	stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_finish(&b), sizeof(rfc5769_request));
	for (i = 0; i < sizeof(rfc5769_request); i++) {
		if ((i >= pad && i < pad + 3) || i >= mi + 4)
			continue;
		ck_assert_msg(buf[i] == rfc5769_request[i], "byte %zu", i);
	}
	decode_ok(&m, buf, sizeof(rfc5769_request));
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);

	build_request(&b, buf, sizeof(buf));
	pad_like_rfc(&b, pad, 3);
	stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_finish(&b), sizeof(rfc5769_request));
	ck_assert_mem_eq(buf, rfc5769_request, sizeof(rfc5769_request));
}
END_TEST

static void
check_response(const uint8_t *vec, size_t len, const struct stun_addr *want)
{
	struct stun_msg		m;
	struct stun_addr	a;
	uint8_t			key[64];
	size_t			keylen;

	decode_ok(&m, vec, len);
	ck_assert_uint_eq(m.method, STUN_METHOD_BINDING);
	ck_assert_uint_eq(m.cls, STUN_CLASS_SUCCESS);
	ck_assert_mem_eq(m.tid, rfc5769_tid, STUN_TID_LEN);
	ck_assert_uint_eq(m.nattrs, 4);
	string_eq(&m, STUN_ATTR_SOFTWARE, "test vector");
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS,
	    &a), 0);
	ck_assert_int_eq(stun_addr_equal(&a, want), 1);
	ck_assert_int_eq(m.mi, 2);
	ck_assert_int_eq(m.fp, 3);
	short_key(key, &keylen);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	key[0] ^= 1;
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen),
	    STUN_ERR_INTEGRITY);
}

static void
rebuild_response(const uint8_t *vec, size_t len, const struct stun_addr *a)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[256], key[64];
	size_t			keylen, i, mi;
	/* SOFTWARE "test vector": value 24..34, one padding byte at 35. */
	const size_t		pad = 35;

	short_key(key, &keylen);
	mi = len - 24 - 8;

	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, rfc5769_tid);
	stun_build_string(&b, STUN_ATTR_SOFTWARE, "test vector");
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, a);
	stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_finish(&b), (int)len);
	for (i = 0; i < len; i++) {
		if (i == pad || i >= mi + 4)
			continue;
		ck_assert_msg(buf[i] == vec[i], "byte %zu", i);
	}
	decode_ok(&m, buf, len);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);

	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, rfc5769_tid);
	stun_build_string(&b, STUN_ATTR_SOFTWARE, "test vector");
	pad_like_rfc(&b, pad, 1);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, a);
	stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_finish(&b), (int)len);
	ck_assert_mem_eq(buf, vec, len);
}

static const struct stun_addr rfc5769_v4 = {
	STUN_AF_INET, 32853, { 192, 0, 2, 1 }
};
static const struct stun_addr rfc5769_v6 = {
	STUN_AF_INET6, 32853, { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56,
	    0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 }
};

START_TEST(rfc5769_ipv4_response_decodes_field_by_field)
{
	check_response(rfc5769_resp4, sizeof(rfc5769_resp4), &rfc5769_v4);
}
END_TEST

START_TEST(rfc5769_ipv4_response_reencodes_byte_for_byte)
{
	rebuild_response(rfc5769_resp4, sizeof(rfc5769_resp4), &rfc5769_v4);
}
END_TEST

START_TEST(rfc5769_ipv6_response_decodes_field_by_field)
{
	check_response(rfc5769_resp6, sizeof(rfc5769_resp6), &rfc5769_v6);
}
END_TEST

START_TEST(rfc5769_ipv6_response_reencodes_byte_for_byte)
{
	rebuild_response(rfc5769_resp6, sizeof(rfc5769_resp6), &rfc5769_v6);
}
END_TEST

static void
matrix_key(uint16_t alg, uint8_t key[STUN_KEY_MAX], size_t *keylen)
{
	/*
	 * RFC 5769 2.4 gives the password as "The<U+00AD>M<U+00AA>tr<U+2168>"
	 * before SASLprep and "TheMatrIX" after; OpaqueString (RFC 8265)
	 * does no NFKC mapping and rejects U+00AD, so the prepared form is
	 * what a user configures (tests/libstun_keys.c checks the rejection).
	 */
	ck_assert_int_eq(stun_key_long_term(alg, MATRIX_USER, "example.org",
	    "TheMatrIX", key, keylen), 0);
}

START_TEST(rfc5769_long_term_request_decodes_field_by_field)
{
	struct stun_msg	m;
	uint8_t		key[STUN_KEY_MAX];
	size_t		keylen;

	decode_ok(&m, rfc5769_lt, sizeof(rfc5769_lt));
	ck_assert_uint_eq(m.method, STUN_METHOD_BINDING);
	ck_assert_uint_eq(m.cls, STUN_CLASS_REQUEST);
	ck_assert_mem_eq(m.tid, rfc8489_tid, STUN_TID_LEN);
	ck_assert_uint_eq(m.nattrs, 4);
	string_eq(&m, STUN_ATTR_USERNAME, MATRIX_USER);
	string_eq(&m, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
	string_eq(&m, STUN_ATTR_REALM, "example.org");
	ck_assert_int_eq(m.mi, 3);
	ck_assert_int_eq(m.fp, -1);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), STUN_ERR_NOT_FOUND);

	matrix_key(STUN_PWALG_MD5, key, &keylen);
	ck_assert_uint_eq(keylen, 16);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen), 0);
	matrix_key(STUN_PWALG_SHA256, key, &keylen);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen),
	    STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(rfc5769_long_term_request_reencodes_byte_for_byte)
{
	struct stun_builder	b;
	uint8_t			buf[256], key[STUN_KEY_MAX];
	size_t			keylen;

	/* 2.4 pads with zeros, so the builder's output is the vector. */
	matrix_key(STUN_PWALG_MD5, key, &keylen);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, rfc8489_tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, MATRIX_USER);
	stun_build_string(&b, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
	stun_build_string(&b, STUN_ATTR_REALM, "example.org");
	stun_build_integrity(&b, key, keylen);
	ck_assert_int_eq(stun_build_finish(&b), sizeof(rfc5769_lt));
	ck_assert_mem_eq(buf, rfc5769_lt, sizeof(rfc5769_lt));
}
END_TEST

/*
 * RFC 8489 Appendix B.1 as published.  What we found (erratum 6268, and
 * our own computation below):
 *  - the header length is 0x9c = 156, the size of the whole message; the
 *    attributes after the header are 136 bytes (0x88), so a conforming
 *    decoder must refuse the message as printed;
 *  - the printed HMAC-SHA256 is reproducible: it is HMAC-SHA256 with
 *    key SHA-256("マトリックス:example.org:TheMatrIX") over the printed
 *    bytes before the attribute, header length 0x9c included, i.e. it
 *    was computed with the wrong length, so after fixing the length to
 *    0x88 the MAC no longer verifies;
 *  - the message uses the SHA-256 key but carries no PASSWORD-ALGORITHM,
 *    whose absence means MD5 (RFC 8489 9.2.4); the erratum therefore adds
 *    PASSWORD-ALGORITHM (SHA-256), fixes the length to 0x90 and gives a
 *    new MAC.  The corrected vector (rfc8489_b1_fixed) verifies with
 *    our code and rebuilds byte for byte; see the next tests.
 *  - USERHASH in both forms equals SHA-256("マトリックス:example.org").
 *  - the nonce's feature characters "AAAC" encode 0x000002: bit 1
 *    counting from the right, "Username anonymity", which is what a
 *    request carrying USERHASH needs (erratum 6290 says the bits count
 *    from the least significant end, against the prose of 18.1).
 */
START_TEST(rfc8489_b1_as_published_is_refused_and_explained)
{
	struct stun_msg	 m;
	uint8_t		 copy[sizeof(rfc8489_b1_published)];
	uint8_t		 key[STUN_KEY_MAX], uh[32], mac[EVP_MAX_MD_SIZE];
	size_t		 keylen, milen = 32;
	size_t		 mi = sizeof(rfc8489_b1_published) - 4 - milen;
	unsigned int	 maclen = 0;

	ck_assert_int_eq(stun_msg_decode(&m, rfc8489_b1_published,
	    sizeof(rfc8489_b1_published)), STUN_ERR_BAD_LENGTH);
	ck_assert_uint_eq(sizeof(rfc8489_b1_published), 0x9c);

	ck_assert_int_eq(stun_userhash(MATRIX_USER, "example.org", uh), 0);
	ck_assert_mem_eq(rfc8489_b1_published + 24, uh, 32);

	matrix_key(STUN_PWALG_SHA256, key, &keylen);
	ck_assert_uint_eq(keylen, 32);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)keylen,
	    rfc8489_b1_published, mi, mac, &maclen));
	ck_assert_uint_eq(maclen, 32);
	ck_assert_mem_eq(mac, rfc8489_b1_published + mi + 4, 32);

	/* With the length fixed, the printed MAC does not verify. */
	memcpy(copy, rfc8489_b1_published, sizeof(copy));
	copy[3] = 0x88;
	ck_assert_int_eq(stun_msg_decode(&m, copy, sizeof(copy)), 0);
	ck_assert_int_eq(m.mi256, 3);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, keylen),
	    STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(rfc8489_b1_corrected_decodes_and_verifies)
{
	struct stun_msg	 m;
	const uint8_t	*val;
	uint8_t		 key[STUN_KEY_MAX], uh[32];
	size_t		 keylen, vlen;
	uint16_t	 alg;
	uint32_t	 features;
	char		 nonce[STUN_MAX_NONCE + 1];

	decode_ok(&m, rfc8489_b1_fixed, sizeof(rfc8489_b1_fixed));
	ck_assert_uint_eq(m.method, STUN_METHOD_BINDING);
	ck_assert_uint_eq(m.cls, STUN_CLASS_REQUEST);
	ck_assert_mem_eq(m.tid, rfc8489_tid, STUN_TID_LEN);
	ck_assert_uint_eq(m.nattrs, 5);

	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_USERHASH, &val,
	    &vlen), 0);
	ck_assert_uint_eq(vlen, 32);
	ck_assert_int_eq(stun_userhash(MATRIX_USER, "example.org", uh), 0);
	ck_assert_mem_eq(val, uh, 32);

	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_NONCE, nonce,
	    sizeof(nonce)), 0);
	ck_assert_str_eq(nonce, RFC8489_NONCE);
	ck_assert_int_eq(stun_nonce_features(nonce, strlen(nonce),
	    &features), 0);
	ck_assert_uint_eq(features, 0x000002);
	string_eq(&m, STUN_ATTR_REALM, "example.org");
	ck_assert_int_eq(stun_msg_get_pwalg(&m, &alg), 0);
	ck_assert_uint_eq(alg, STUN_PWALG_SHA256);

	ck_assert_int_eq(m.mi, -1);
	ck_assert_int_eq(m.mi256, 4);
	matrix_key(STUN_PWALG_SHA256, key, &keylen);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, keylen), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, keylen),
	    STUN_ERR_NOT_FOUND);
	matrix_key(STUN_PWALG_MD5, key, &keylen);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, keylen),
	    STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(rfc8489_b1_corrected_reencodes_byte_for_byte)
{
	struct stun_builder	b;
	uint8_t			buf[256], key[STUN_KEY_MAX], uh[32];
	size_t			keylen;

	ck_assert_int_eq(stun_userhash(MATRIX_USER, "example.org", uh), 0);
	matrix_key(STUN_PWALG_SHA256, key, &keylen);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, rfc8489_tid);
	stun_build_attr(&b, STUN_ATTR_USERHASH, uh, sizeof(uh));
	stun_build_string(&b, STUN_ATTR_NONCE, RFC8489_NONCE);
	stun_build_string(&b, STUN_ATTR_REALM, "example.org");
	stun_build_pwalg(&b, STUN_PWALG_SHA256);
	stun_build_integrity_sha256(&b, key, keylen, 32);
	ck_assert_int_eq(stun_build_finish(&b), sizeof(rfc8489_b1_fixed));
	ck_assert_mem_eq(buf, rfc8489_b1_fixed, sizeof(rfc8489_b1_fixed));
}
END_TEST

Suite *
suite_vectors(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("vectors");

	tc = tcase_create("rfc5769");
	tcase_add_test(tc, rfc5769_request_decodes_field_by_field);
	tcase_add_test(tc, rfc5769_request_reencodes_byte_for_byte);
	tcase_add_test(tc, rfc5769_ipv4_response_decodes_field_by_field);
	tcase_add_test(tc, rfc5769_ipv4_response_reencodes_byte_for_byte);
	tcase_add_test(tc, rfc5769_ipv6_response_decodes_field_by_field);
	tcase_add_test(tc, rfc5769_ipv6_response_reencodes_byte_for_byte);
	tcase_add_test(tc, rfc5769_long_term_request_decodes_field_by_field);
	tcase_add_test(tc, rfc5769_long_term_request_reencodes_byte_for_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc8489_b1");
	tcase_add_test(tc, rfc8489_b1_as_published_is_refused_and_explained);
	tcase_add_test(tc, rfc8489_b1_corrected_decodes_and_verifies);
	tcase_add_test(tc, rfc8489_b1_corrected_reencodes_byte_for_byte);
	suite_add_tcase(s, tc);

	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT: building,
 * checking, the patched header length when more attributes follow, the
 * truncated SHA-256 forms, and the builder's bounds.  Expected MACs are
 * computed here with OpenSSL's one-shot HMAC() over a hand-patched copy.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "libstun/stun.h"
#include "suites.h"

static const uint8_t tid[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
};
static const uint8_t key[] = "integrity-key";
#define KEYLEN	(sizeof(key) - 1)

/* A request with a few attributes, ready for integrity. */
static void
start(struct stun_builder *b, uint8_t *buf, size_t cap)
{
	stun_build_init(b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
	    tid);
	stun_build_string(b, STUN_ATTR_USERNAME, "alice:bob");
	stun_build_u32(b, STUN_ATTR_PRIORITY, 0x12345678);
	stun_build_string(b, STUN_ATTR_SOFTWARE, "stunkit test");
}

/*
 * The expected MAC of the attribute whose header starts at off: HMAC over
 * the bytes before it, the header length set to end at the attribute.
 */
static void
expect_mac(const EVP_MD *md, const uint8_t *msg, size_t off, size_t vlen,
    uint8_t *out)
{
	uint8_t		copy[1024];
	unsigned int	n = 0;
	size_t		plen = off - STUN_HDR_LEN + 4 + vlen;

	ck_assert_uint_le(off, sizeof(copy));
	memcpy(copy, msg, off);
	copy[2] = (uint8_t)(plen >> 8);
	copy[3] = (uint8_t)plen;
	ck_assert_ptr_nonnull(HMAC(md, key, (int)KEYLEN, copy, off, out, &n));
	ck_assert_uint_eq(n, (unsigned int)EVP_MD_get_size(md));
}

START_TEST(mi_round_trip_and_wrong_key)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], want[EVP_MAX_MD_SIZE];
	size_t			off;
	int			len;

	start(&b, buf, sizeof(buf));
	off = b.len;
	stun_build_integrity(&b, key, KEYLEN);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_uint_eq((size_t)len, off + 24);
	ck_assert_uint_eq(buf[off] << 8 | buf[off + 1],
	    STUN_ATTR_MESSAGE_INTEGRITY);
	ck_assert_uint_eq(buf[off + 2] << 8 | buf[off + 3], 20);
	expect_mac(EVP_sha1(), buf, off, 20, want);
	ck_assert_mem_eq(buf + off + 4, want, 20);

	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN - 1),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(stun_msg_check_integrity(&m, NULL, 0),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, KEYLEN),
	    STUN_ERR_NOT_FOUND);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), STUN_ERR_NOT_FOUND);
}
END_TEST

START_TEST(check_does_not_write_the_packet)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], copy[512];
	int			len;

	start(&b, buf, sizeof(buf));
	stun_build_integrity(&b, key, KEYLEN);
	stun_build_integrity_sha256(&b, key, KEYLEN, 32);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	memcpy(copy, buf, (size_t)len);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, 3),
	    STUN_ERR_INTEGRITY);
	ck_assert_mem_eq(buf, copy, (size_t)len);
}
END_TEST

/* RFC 8489 14.5: MI's length excludes MI-SHA256 and FINGERPRINT after it. */
START_TEST(mi_then_mi256_then_fingerprint_patch_lengths)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], want[EVP_MAX_MD_SIZE];
	size_t			mi, mi256;
	int			len;

	start(&b, buf, sizeof(buf));
	mi = b.len;
	stun_build_integrity(&b, key, KEYLEN);
	mi256 = b.len;
	stun_build_integrity_sha256(&b, key, KEYLEN, 32);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_uint_eq((size_t)len, mi256 + 36 + 8);

	expect_mac(EVP_sha1(), buf, mi, 20, want);
	ck_assert_mem_eq(buf + mi + 4, want, 20);
	expect_mac(EVP_sha256(), buf, mi256, 32, want);
	ck_assert_mem_eq(buf + mi256 + 4, want, 32);

	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
}
END_TEST

/* RFC 8489 14.6: truncation to 16..32 bytes in steps of 4. */
START_TEST(mi256_truncations_verify)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], want[EVP_MAX_MD_SIZE];
	size_t			off, trunc = 16 + 4 * (size_t)_i;
	int			len;

	start(&b, buf, sizeof(buf));
	off = b.len;
	stun_build_integrity_sha256(&b, key, KEYLEN, trunc);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_uint_eq((size_t)len, off + 4 + trunc + 8);
	ck_assert_uint_eq(buf[off + 2] << 8 | buf[off + 3], trunc);
	expect_mac(EVP_sha256(), buf, off, trunc, want);
	ck_assert_mem_eq(buf + off + 4, want, trunc);

	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_uint_eq(m.attrs[m.mi256].len, trunc);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key, 1),
	    STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(mi256_bad_truncations_refused)
{
	static const size_t	 bad[] = { 0, 4, 12, 15, 17, 30, 33, 36, 64 };
	struct stun_builder	 b;
	uint8_t			 buf[512];
	size_t			 i, before;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(&b, buf, sizeof(buf));
		before = b.len;
		stun_build_integrity_sha256(&b, key, KEYLEN, bad[i]);
		ck_assert_uint_eq(b.len, before);
		ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_INVALID);
	}
}
END_TEST

/* A hand-made MI-SHA256 of 12 bytes: below the RFC 8489 floor of 16. */
START_TEST(mi256_short_value_never_verifies)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], mac[EVP_MAX_MD_SIZE];
	size_t			off;
	int			len, rc;

	start(&b, buf, sizeof(buf));
	off = b.len;
	/* Make it a correct but too short MAC, so only the length is bad. */
	memset(mac, 0, sizeof(mac));
	stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, mac, 12);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	expect_mac(EVP_sha256(), buf, off, 12, mac);
	memcpy(buf + off + 4, mac, 12);
	rc = stun_msg_decode(&m, buf, (size_t)len);
	if (rc == 0)
		ck_assert_int_eq(stun_msg_check_integrity_sha256(&m, key,
		    KEYLEN), STUN_ERR_INTEGRITY);
	else
		ck_assert_int_eq(rc, STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(empty_key_is_a_key)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512];
	int			len;

	start(&b, buf, sizeof(buf));
	stun_build_integrity(&b, NULL, 0);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, NULL, 0), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, (const uint8_t *)"a",
	    1), STUN_ERR_INTEGRITY);
}
END_TEST

/* The attribute before MI changed after signing: the MAC catches it. */
START_TEST(tampered_attribute_fails_mi)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512];
	int			len;

	start(&b, buf, sizeof(buf));
	stun_build_integrity(&b, key, KEYLEN);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	buf[24] ^= 0x20;	/* first USERNAME byte: 'a' -> 'A' */
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN),
	    STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(builder_refuses_without_room)
{
	struct stun_builder	b;
	uint8_t			buf[512];
	size_t			need, cap;

	start(&b, buf, sizeof(buf));
	need = b.len;
	/* Room for everything but the last byte of each trailer. */
	for (cap = need; cap < need + 24; cap++) {
		memset(buf, 0xee, sizeof(buf));
		start(&b, buf, cap);
		ck_assert_uint_eq(b.len, need);
		stun_build_integrity(&b, key, KEYLEN);
		ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
		ck_assert_uint_eq(buf[cap], 0xee);
	}
	for (cap = need; cap < need + 8; cap++) {
		memset(buf, 0xee, sizeof(buf));
		start(&b, buf, cap);
		stun_build_fingerprint(&b);
		ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
		ck_assert_uint_eq(buf[cap], 0xee);
	}
	for (cap = need; cap < need + 36; cap++) {
		memset(buf, 0xee, sizeof(buf));
		start(&b, buf, cap);
		stun_build_integrity_sha256(&b, key, KEYLEN, 32);
		ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_NOSPACE);
		ck_assert_uint_eq(buf[cap], 0xee);
	}
}
END_TEST

START_TEST(builder_error_is_sticky)
{
	struct stun_builder	b;
	uint8_t			buf[512];
	size_t			before;

	start(&b, buf, sizeof(buf));
	before = b.len;
	b.err = STUN_ERR_BAD_ATTR;
	stun_build_integrity(&b, key, KEYLEN);
	stun_build_integrity_sha256(&b, key, KEYLEN, 32);
	stun_build_fingerprint(&b);
	ck_assert_uint_eq(b.len, before);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(crc32_known_answers)
{
	ck_assert_uint_eq(stun_crc32((const uint8_t *)"", 0), 0);
	ck_assert_uint_eq(stun_crc32((const uint8_t *)"123456789", 9),
	    0xcbf43926);
	ck_assert_uint_eq(stun_crc32((const uint8_t *)"a", 1), 0xe8b7be43);
	ck_assert_uint_eq(stun_crc32((const uint8_t *)
	    "The quick brown fox jumps over the lazy dog", 43), 0x414fa339);
}
END_TEST

START_TEST(fingerprint_round_trip_and_mismatch)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512];
	uint32_t		want;
	size_t			off;
	int			len;

	start(&b, buf, sizeof(buf));
	off = b.len;
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_uint_eq((size_t)len, off + 8);
	/* RFC 8489 14.7: CRC over everything before, length included. */
	want = stun_crc32(buf, off) ^ 0x5354554eU;
	ck_assert_uint_eq((uint32_t)buf[off + 4] << 24 |
	    (uint32_t)buf[off + 5] << 16 | (uint32_t)buf[off + 6] << 8 |
	    buf[off + 7], want);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);

	/* RFC 8489 7.3: decoding already refuses a wrong one. */
	buf[off + 7] ^= 1;
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len),
	    STUN_ERR_FINGERPRINT);
	ck_assert_int_eq(m.hdr_ok, 0);
}
END_TEST

/* A FINGERPRINT whose value is not 4 bytes is never accepted. */
START_TEST(fingerprint_wrong_length_never_verifies)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512], val[8] = { 0 };
	int			len, rc;

	start(&b, buf, sizeof(buf));
	stun_build_attr(&b, STUN_ATTR_FINGERPRINT, val, sizeof(val));
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	rc = stun_msg_decode(&m, buf, (size_t)len);
	if (rc == 0)
		ck_assert_int_eq(stun_msg_check_fingerprint(&m),
		    STUN_ERR_FINGERPRINT);
	else
		ck_assert_int_eq(rc, STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(legacy_message_carries_integrity)
{
	struct stun_builder	b;
	struct stun_msg		m;
	uint8_t			buf[512];
	int			len;

	stun_build_init_legacy(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, 0x01020304, tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, "legacy");
	stun_build_integrity(&b, key, KEYLEN);
	stun_build_fingerprint(&b);
	ck_assert_int_gt(len = stun_build_finish(&b), 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)len), 0);
	ck_assert_int_eq(m.legacy, 1);
	ck_assert_int_eq(stun_msg_check_integrity(&m, key, KEYLEN), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
}
END_TEST

Suite *
suite_integrity(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("integrity");

	tc = tcase_create("message_integrity");
	tcase_add_test(tc, mi_round_trip_and_wrong_key);
	tcase_add_test(tc, check_does_not_write_the_packet);
	tcase_add_test(tc, mi_then_mi256_then_fingerprint_patch_lengths);
	tcase_add_test(tc, empty_key_is_a_key);
	tcase_add_test(tc, tampered_attribute_fails_mi);
	tcase_add_test(tc, legacy_message_carries_integrity);
	suite_add_tcase(s, tc);

	tc = tcase_create("sha256");
	tcase_add_loop_test(tc, mi256_truncations_verify, 0, 5);
	tcase_add_test(tc, mi256_bad_truncations_refused);
	tcase_add_test(tc, mi256_short_value_never_verifies);
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint");
	tcase_add_test(tc, crc32_known_answers);
	tcase_add_test(tc, fingerprint_round_trip_and_mismatch);
	tcase_add_test(tc, fingerprint_wrong_length_never_verifies);
	suite_add_tcase(s, tc);

	tc = tcase_create("builder");
	tcase_add_test(tc, builder_refuses_without_room);
	tcase_add_test(tc, builder_error_is_sticky);
	suite_add_tcase(s, tc);

	return (s);
}

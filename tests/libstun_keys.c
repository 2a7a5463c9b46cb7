/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Keys: OpaqueString, short-term and long-term keys (MD5 and SHA-256) and
 * USERHASH against known answers.  The expected digests were computed
 * independently (Python hashlib) and agree with RFC 5769 2.4 and RFC 8489
 * B.1, whose MACs verify with them in tests/libstun_vectors.c.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "suites.h"

#define MATRIX_USER	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa" \
			"\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"

/* MD5("マトリックス:example.org:TheMatrIX"): the RFC 5769 2.4 key. */
static const uint8_t matrix_md5[16] = {
	0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51,
	0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9
};
/* SHA-256 of the same: the RFC 8489 B.1 key. */
static const uint8_t matrix_sha256[32] = {
	0xdd, 0x29, 0x5a, 0x61, 0x3b, 0x90, 0x58, 0xc3,
	0xc2, 0x3d, 0x6d, 0xc7, 0x16, 0x5b, 0xda, 0x07,
	0x23, 0x04, 0xd9, 0x89, 0xc9, 0xd0, 0xaf, 0x3a,
	0x8c, 0x7e, 0x18, 0x4b, 0x4f, 0x9b, 0xb4, 0xa1
};
/* MD5("user:realm:pass"). */
static const uint8_t user_md5[16] = {
	0x84, 0x93, 0xfb, 0xc5, 0x3b, 0xa5, 0x82, 0xfb,
	0x4c, 0x04, 0x4c, 0x45, 0x6b, 0xdc, 0x40, 0xeb
};
/* MD5("a b:realm:pass"): U+3000 in the username maps to a space. */
static const uint8_t space_md5[16] = {
	0x09, 0x9f, 0xc8, 0xd8, 0xbf, 0x36, 0x1f, 0xcd,
	0xcb, 0x89, 0xa9, 0xbf, 0x68, 0x0a, 0x58, 0xca
};
/* SHA-256("マトリックス:example.org"): USERHASH of RFC 8489 B.1. */
static const uint8_t matrix_userhash[32] = {
	0x4a, 0x3c, 0xf3, 0x8f, 0xef, 0x69, 0x92, 0xbd,
	0xa9, 0x52, 0xc6, 0x78, 0x04, 0x17, 0xda, 0x0f,
	0x24, 0x81, 0x94, 0x15, 0x56, 0x9e, 0x60, 0xb2,
	0x05, 0xc4, 0x6e, 0x41, 0x40, 0x7f, 0x17, 0x04
};

START_TEST(long_term_md5_known_answers)
{
	uint8_t	key[STUN_KEY_MAX];
	size_t	keylen;

	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, MATRIX_USER,
	    "example.org", "TheMatrIX", key, &keylen), 0);
	ck_assert_uint_eq(keylen, 16);
	ck_assert_mem_eq(key, matrix_md5, 16);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "user", "realm",
	    "pass", key, &keylen), 0);
	ck_assert_uint_eq(keylen, 16);
	ck_assert_mem_eq(key, user_md5, 16);
}
END_TEST

START_TEST(long_term_sha256_known_answer)
{
	uint8_t	key[STUN_KEY_MAX];
	size_t	keylen;

	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_SHA256, MATRIX_USER,
	    "example.org", "TheMatrIX", key, &keylen), 0);
	ck_assert_uint_eq(keylen, 32);
	ck_assert_mem_eq(key, matrix_sha256, 32);
}
END_TEST

START_TEST(long_term_maps_wide_spaces)
{
	uint8_t	key[STUN_KEY_MAX];
	size_t	keylen;

	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "a\xe3\x80\x80" "b",
	    "realm", "pass", key, &keylen), 0);
	ck_assert_mem_eq(key, space_md5, 16);
}
END_TEST

START_TEST(long_term_refuses_bad_input)
{
	uint8_t	key[STUN_KEY_MAX];
	size_t	keylen = 99;

	ck_assert_int_eq(stun_key_long_term(0x0003, "u", "r", "p", key,
	    &keylen), STUN_ERR_INVALID);
	ck_assert_uint_eq(keylen, 0);
	ck_assert_int_eq(stun_key_long_term(0, "u", "r", "p", key, &keylen),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "u", "r",
	    "pa\x01ss", key, &keylen), STUN_ERR_STRING);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "u\xff", "r", "p",
	    key, &keylen), STUN_ERR_STRING);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_SHA256, "u", "r\n", "p",
	    key, &keylen), STUN_ERR_STRING);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "u", "r", "", key,
	    &keylen), STUN_ERR_STRING);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, NULL, "r", "p",
	    key, &keylen), STUN_ERR_INVALID);
	ck_assert_uint_eq(keylen, 0);
}
END_TEST

START_TEST(long_term_refuses_overlong_password)
{
	char	pw[2048];
	uint8_t	key[STUN_KEY_MAX];
	size_t	keylen;

	memset(pw, 'p', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "u", "r", pw, key,
	    &keylen), STUN_ERR_NOSPACE);
}
END_TEST

START_TEST(short_term_key_is_the_password)
{
	uint8_t	key[64];
	size_t	keylen;

	ck_assert_int_eq(stun_key_short_term("VOkJxbRl1RmTxUk/WvJxBt", key,
	    sizeof(key), &keylen), 0);
	ck_assert_uint_eq(keylen, 22);
	ck_assert_mem_eq(key, "VOkJxbRl1RmTxUk/WvJxBt", 22);
	ck_assert_int_eq(stun_key_short_term("VOkJxbRl1RmTxUk/WvJxBt", key,
	    21, &keylen), STUN_ERR_NOSPACE);
	ck_assert_uint_eq(keylen, 0);
	ck_assert_int_eq(stun_key_short_term("bad\x7f", key, sizeof(key),
	    &keylen), STUN_ERR_STRING);
}
END_TEST

START_TEST(userhash_known_answer)
{
	uint8_t	uh[32];

	ck_assert_int_eq(stun_userhash(MATRIX_USER, "example.org", uh), 0);
	ck_assert_mem_eq(uh, matrix_userhash, 32);
	ck_assert_int_eq(stun_userhash("user\x1b", "example.org", uh),
	    STUN_ERR_STRING);
}
END_TEST

START_TEST(opaque_string_passes_ascii_and_utf8)
{
	char	out[64];
	size_t	n;

	ck_assert_int_eq(stun_opaque_string("TheMatrIX", 9, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 9);
	ck_assert_str_eq(out, "TheMatrIX");
	ck_assert_int_eq(stun_opaque_string(MATRIX_USER, 18, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 18);
	ck_assert_str_eq(out, MATRIX_USER);
	/* Four-byte UTF-8 (U+1F600) and an inner ASCII space survive. */
	ck_assert_int_eq(stun_opaque_string("a \xf0\x9f\x98\x80", 6, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(out, "a \xf0\x9f\x98\x80", 6);
}
END_TEST

START_TEST(opaque_string_maps_non_ascii_spaces)
{
	/* U+00A0, U+2003, U+3000 each become one U+0020. */
	static const char	 in[] = "a\xc2\xa0" "b\xe2\x80\x83"
	    "c\xe3\x80\x80" "d";
	char			 out[64];
	size_t			 n;

	ck_assert_int_eq(stun_opaque_string(in, sizeof(in) - 1, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(out, "a b c d");
}
END_TEST

START_TEST(opaque_string_rejects_controls_and_bad_utf8)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "", 0 },			/* empty */
		{ "a\0b", 3 },			/* NUL */
		{ "a\x01", 2 },			/* C0 control */
		{ "tab\t", 4 },
		{ "del\x7f", 4 },		/* DEL */
		{ "\xc2\x85", 2 },		/* U+0085, C1 control */
		{ "\xc2\x9f", 2 },		/* U+009F */
		{ "\xff", 1 },			/* never valid */
		{ "\x80", 1 },			/* stray continuation */
		{ "\xc3", 1 },			/* truncated */
		{ "\xe3\x83", 2 },		/* truncated */
		{ "\xc0\xaf", 2 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 3 },		/* overlong */
		{ "\xed\xa0\x80", 3 },		/* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 4 },	/* above U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", 5 },	/* five-byte form */
		/* RFC 5769 2.4's raw password: U+00AD is ignorable. */
		{ "The\xc2\xadM\xc2\xaatr\xe2\x85\xa8", 12 },
		{ "a\xe2\x80\x8b" "b", 5 },	/* U+200B zero width space */
		{ "\xef\xbb\xbfx", 4 },		/* U+FEFF */
	};
	char	out[64];
	size_t	i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		ck_assert_msg(stun_opaque_string(bad[i].s, bad[i].len, out,
		    sizeof(out), &n) == STUN_ERR_STRING, "case %zu passed", i);
		ck_assert_uint_eq(n, 0);
	}
}
END_TEST

START_TEST(opaque_string_respects_cap)
{
	char	out[8];
	size_t	n;

	ck_assert_int_eq(stun_opaque_string("1234567", 7, out, sizeof(out),
	    &n), 0);
	ck_assert_str_eq(out, "1234567");
	ck_assert_int_eq(stun_opaque_string("12345678", 8, out, sizeof(out),
	    &n), STUN_ERR_NOSPACE);
	/* A multi-byte character that does not fit whole is refused. */
	ck_assert_int_eq(stun_opaque_string("12345\xe3\x83\x9e", 8, out,
	    sizeof(out), &n), STUN_ERR_NOSPACE);
	ck_assert_int_eq(stun_opaque_string("x", 1, out, 0, &n),
	    STUN_ERR_INVALID);
}
END_TEST

Suite *
suite_keys(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("keys");

	tc = tcase_create("long_term");
	tcase_add_test(tc, long_term_md5_known_answers);
	tcase_add_test(tc, long_term_sha256_known_answer);
	tcase_add_test(tc, long_term_maps_wide_spaces);
	tcase_add_test(tc, long_term_refuses_bad_input);
	tcase_add_test(tc, long_term_refuses_overlong_password);
	suite_add_tcase(s, tc);

	tc = tcase_create("short_term");
	tcase_add_test(tc, short_term_key_is_the_password);
	suite_add_tcase(s, tc);

	tc = tcase_create("userhash");
	tcase_add_test(tc, userhash_known_answer);
	suite_add_tcase(s, tc);

	tc = tcase_create("opaque_string");
	tcase_add_test(tc, opaque_string_passes_ascii_and_utf8);
	tcase_add_test(tc, opaque_string_maps_non_ascii_spaces);
	tcase_add_test(tc, opaque_string_rejects_controls_and_bad_utf8);
	tcase_add_test(tc, opaque_string_respects_cap);
	suite_add_tcase(s, tc);

	return (s);
}

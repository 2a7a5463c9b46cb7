/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Stateless nonces with a fake clock (no sleeping): round trip, lifetime,
 * binding to the client address and the secret, forgery of any single
 * character, the security feature bits; and stun_random()'s callback.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "suites.h"

static const uint8_t secret[] = "0123456789abcdef0123456789abcdef";
#define SECRETLEN	(sizeof(secret) - 1)
#define T0		1700000000ULL	/* any clock value */
#define LIFETIME	600

static const struct stun_addr client4 = {
	STUN_AF_INET, 40000, { 203, 0, 113, 7 }
};
static const struct stun_addr client6 = {
	STUN_AF_INET6, 40000, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 7 }
};

static void
make(char *out, uint32_t features, const struct stun_addr *a, uint64_t now)
{
	char	buf[STUN_NONCE_LEN + 8];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(stun_nonce_make(buf, sizeof(buf), features, secret,
	    SECRETLEN, a, now), 0);
	ck_assert_uint_eq(strlen(buf), STUN_NONCE_LEN);
	memcpy(out, buf, STUN_NONCE_LEN + 1);
}

static int
check(const char *n, const struct stun_addr *a, uint64_t now)
{
	return (stun_nonce_check(n, strlen(n), secret, SECRETLEN, a, now,
	    LIFETIME));
}

START_TEST(nonce_round_trip)
{
	char		n[STUN_NONCE_LEN + 1];
	uint32_t	f;
	size_t		i;

	make(n, STUN_SECF_PASSWORD_ALGORITHMS, &client4, T0);
	ck_assert_int_eq(strncmp(n, STUN_NONCE_COOKIE, 9), 0);
	/* Printable base64 only: safe in a NONCE quoted-string. */
	for (i = 9; i < STUN_NONCE_LEN; i++)
		ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
		    "pqrstuvwxyz0123456789+/", n[i]) != NULL, "char %zu", i);
	ck_assert_int_eq(check(n, &client4, T0), 0);
	ck_assert_int_eq(check(n, &client4, T0 + 1), 0);
	ck_assert_int_eq(stun_nonce_features(n, strlen(n), &f), 0);
	ck_assert_uint_eq(f, STUN_SECF_PASSWORD_ALGORITHMS);

	make(n, 0, &client6, T0);
	ck_assert_int_eq(check(n, &client6, T0), 0);
}
END_TEST

START_TEST(nonce_goes_stale_after_lifetime)
{
	char	n[STUN_NONCE_LEN + 1];

	make(n, 0, &client4, T0);
	ck_assert_int_eq(check(n, &client4, T0 + LIFETIME), 0);
	ck_assert_int_eq(check(n, &client4, T0 + LIFETIME + 1),
	    STUN_ERR_STALE);
	ck_assert_int_eq(check(n, &client4, T0 + 100 * LIFETIME),
	    STUN_ERR_STALE);
	/* Made "in the future": the clock went back; ask for a fresh one. */
	ck_assert_int_eq(check(n, &client4, T0 - 1), STUN_ERR_STALE);
	ck_assert_int_eq(stun_nonce_check(n, strlen(n), secret, SECRETLEN,
	    &client4, T0 + 5, 0), STUN_ERR_STALE);
	ck_assert_int_eq(stun_nonce_check(n, strlen(n), secret, SECRETLEN,
	    &client4, T0, 0), 0);
}
END_TEST

START_TEST(nonce_bound_to_client_address)
{
	char			n[STUN_NONCE_LEN + 1];
	struct stun_addr	a;

	make(n, 0, &client4, T0);
	a = client4;
	a.ip[3] ^= 1;
	ck_assert_int_eq(check(n, &a, T0), STUN_ERR_INTEGRITY);
	a = client4;
	a.port++;
	ck_assert_int_eq(check(n, &a, T0), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(check(n, &client6, T0), STUN_ERR_INTEGRITY);
	/* IPv4 only uses ip[0..3]: junk after it does not matter. */
	a = client4;
	a.ip[10] = 0xff;
	ck_assert_int_eq(check(n, &a, T0), 0);
	a = client4;
	a.family = 5;
	ck_assert_int_eq(check(n, &a, T0), STUN_ERR_FAMILY);
}
END_TEST

START_TEST(nonce_bound_to_secret)
{
	char	n[STUN_NONCE_LEN + 1];

	make(n, 0, &client4, T0);
	ck_assert_int_eq(stun_nonce_check(n, strlen(n), secret, SECRETLEN - 1,
	    &client4, T0, LIFETIME), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(stun_nonce_check(n, strlen(n),
	    (const uint8_t *)"another secret", 14, &client4, T0, LIFETIME),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(stun_nonce_check(n, strlen(n), NULL, 0, &client4, T0,
	    LIFETIME), STUN_ERR_INVALID);
}
END_TEST

/* Each character replaced by another base64 character: a forgery. */
START_TEST(nonce_any_changed_character_is_forged)
{
	char	n[STUN_NONCE_LEN + 1], f[STUN_NONCE_LEN + 1];
	size_t	pos = (size_t)_i;

	make(n, STUN_SECF_USERNAME_ANONYMITY, &client4, T0);
	memcpy(f, n, sizeof(f));
	f[pos] = f[pos] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(check(f, &client4, T0), STUN_ERR_INTEGRITY);
	f[pos] = '*';
	ck_assert_int_eq(check(f, &client4, T0), STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(nonce_malformed_is_forged)
{
	char	n[STUN_NONCE_LEN + 8];

	make(n, 0, &client4, T0);
	ck_assert_int_eq(stun_nonce_check(n, STUN_NONCE_LEN - 1, secret,
	    SECRETLEN, &client4, T0, LIFETIME), STUN_ERR_INTEGRITY);
	memcpy(n + STUN_NONCE_LEN, "AAAA", 5);
	ck_assert_int_eq(check(n, &client4, T0), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(check("", &client4, T0), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(check("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA",
	    &client4, T0), STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(nonce_make_refuses_bad_arguments)
{
	char	n[STUN_NONCE_LEN + 1];

	ck_assert_int_eq(stun_nonce_make(n, STUN_NONCE_LEN, 0, secret,
	    SECRETLEN, &client4, T0), STUN_ERR_NOSPACE);
	ck_assert_int_eq(stun_nonce_make(n, sizeof(n), 0x1000000, secret,
	    SECRETLEN, &client4, T0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_nonce_make(n, sizeof(n), 0, NULL, 0, &client4,
	    T0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_nonce_make(n, sizeof(n), 0, secret, SECRETLEN,
	    NULL, T0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_nonce_make(n, sizeof(n), 0, secret, SECRETLEN,
	    &client4, (uint64_t)1 << 48), STUN_ERR_INVALID);
}
END_TEST

START_TEST(nonce_features_parse)
{
	static const uint32_t	 all[] = { 0, 1, 2, 0x800000, 0x400000,
	    0xc00000, 0x123456, 0xffffff };
	char			 n[STUN_NONCE_LEN + 1];
	uint32_t		 f;
	size_t			 i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		make(n, all[i], &client4, T0);
		f = 0xdeadbeef;
		ck_assert_int_eq(stun_nonce_features(n, strlen(n), &f), 0);
		ck_assert_uint_eq(f, all[i]);
	}
	/* RFC 8489 B.1's nonce: "AAAC" is 0x000002 (see libstun_vectors.c). */
	ck_assert_int_eq(stun_nonce_features(
	    "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA", 41, &f), 0);
	ck_assert_uint_eq(f, 0x000002);
	ck_assert_int_eq(stun_nonce_features("obMatJos2gAAA", 13, &f), 0);
	ck_assert_uint_eq(f, 0x800000);

	f = 7;
	ck_assert_int_eq(stun_nonce_features("f//499k954d6OL34oL9FSTvy64sA", 28,
	    &f), STUN_ERR_NOT_FOUND);
	ck_assert_int_eq(stun_nonce_features("obMatJos2AA", 11, &f),
	    STUN_ERR_NOT_FOUND);
	ck_assert_int_eq(stun_nonce_features("obMatJos2AA=A", 13, &f),
	    STUN_ERR_BAD_ATTR);
	ck_assert_uint_eq(f, 7);
}
END_TEST

/* A scripted random source. */
struct script {
	uint8_t	byte;
	int	calls;
	int	fail;
};

static int
script_random(void *arg, uint8_t *buf, size_t len)
{
	struct script	*s = arg;

	s->calls++;
	if (s->fail)
		return (-1);
	memset(buf, s->byte, len);
	return (0);
}

START_TEST(random_uses_the_callback)
{
	struct script	s = { 0xab, 0, 0 };
	uint8_t		tid[STUN_TID_LEN], want[STUN_TID_LEN];

	memset(want, 0xab, sizeof(want));
	ck_assert_int_eq(stun_tid_new(script_random, &s, tid), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_mem_eq(tid, want, sizeof(tid));
}
END_TEST

START_TEST(random_failure_is_an_error)
{
	struct script	s = { 0, 0, 1 };
	uint8_t		buf[16];

	ck_assert_int_eq(stun_random(script_random, &s, buf, sizeof(buf)),
	    STUN_ERR_RANDOM);
	ck_assert_int_eq(stun_tid_new(script_random, &s, buf),
	    STUN_ERR_RANDOM);
	ck_assert_int_eq(s.calls, 2);
}
END_TEST

START_TEST(random_default_is_rand_bytes)
{
	uint8_t	a[32], b[32], zero[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(stun_random(NULL, NULL, a, sizeof(a)), 0);
	ck_assert_int_eq(stun_random(NULL, NULL, b, sizeof(b)), 0);
	/* 2^-256 chance of a false failure. */
	ck_assert_mem_ne(a, b, sizeof(a));
	ck_assert_mem_ne(a, zero, sizeof(a));
	ck_assert_int_eq(stun_random(NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(stun_random(NULL, NULL, NULL, 1), STUN_ERR_INVALID);
}
END_TEST

Suite *
suite_nonce(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("nonce");

	tc = tcase_create("nonce");
	tcase_add_test(tc, nonce_round_trip);
	tcase_add_test(tc, nonce_goes_stale_after_lifetime);
	tcase_add_test(tc, nonce_bound_to_client_address);
	tcase_add_test(tc, nonce_bound_to_secret);
	tcase_add_loop_test(tc, nonce_any_changed_character_is_forged, 0,
	    STUN_NONCE_LEN);
	tcase_add_test(tc, nonce_malformed_is_forged);
	tcase_add_test(tc, nonce_make_refuses_bad_arguments);
	tcase_add_test(tc, nonce_features_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_add_test(tc, random_uses_the_callback);
	tcase_add_test(tc, random_failure_is_an_error);
	tcase_add_test(tc, random_default_is_rand_bytes);
	suite_add_tcase(s, tc);

	return (s);
}

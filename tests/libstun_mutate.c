/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Mutation of every RFC vector: each truncation and each single-bit flip
 * must fail stun_msg_decode(), or fail a FINGERPRINT or integrity check
 * that the original message passed.  One loop iteration per mutation, so
 * a failure names the vector and the byte and bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "suites.h"
#include "libstun_vectors.h"

#define MATRIX_USER	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa" \
			"\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"

struct vec {
	const char	*name;
	const uint8_t	*buf;
	size_t		 len;
	int		 keykind;	/* 0: short-term; else PWALG */
};

static const struct vec vecs[] = {
	{ "rfc5769 2.1", rfc5769_request, sizeof(rfc5769_request), 0 },
	{ "rfc5769 2.2", rfc5769_resp4, sizeof(rfc5769_resp4), 0 },
	{ "rfc5769 2.3", rfc5769_resp6, sizeof(rfc5769_resp6), 0 },
	{ "rfc5769 2.4", rfc5769_lt, sizeof(rfc5769_lt), STUN_PWALG_MD5 },
	{ "rfc8489 b.1", rfc8489_b1_fixed, sizeof(rfc8489_b1_fixed),
	    STUN_PWALG_SHA256 },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

/* Total length of all vectors: one loop iteration per byte. */
static int
mutate_total(void)
{
	size_t	i, n = 0;

	for (i = 0; i < NVECS; i++)
		n += vecs[i].len;
	return ((int)n);
}

/* Map a loop index onto (vector, byte position within it). */
static const struct vec *
mutate_pick(int idx, size_t *pos)
{
	size_t	i, n = (size_t)idx;

	for (i = 0; i < NVECS; i++) {
		if (n < vecs[i].len) {
			*pos = n;
			return (&vecs[i]);
		}
		n -= vecs[i].len;
	}
	ck_abort_msg("loop index %d out of range", idx);
	return (NULL);
}

static void
vec_key(const struct vec *v, uint8_t key[STUN_KEY_MAX], size_t *keylen)
{
	if (v->keykind == 0)
		ck_assert_int_eq(stun_key_short_term(RFC5769_PASSWORD, key,
		    STUN_KEY_MAX, keylen), 0);
	else
		ck_assert_int_eq(stun_key_long_term((uint16_t)v->keykind,
		    MATRIX_USER, "example.org", "TheMatrIX", key, keylen), 0);
}

/* Which checks the original passes: bit 0 FP, 1 MI, 2 MI-SHA256. */
#define CHK_FP		0x1
#define CHK_MI		0x2
#define CHK_MI256	0x4

static int
checks_passed(const struct stun_msg *m, const uint8_t *key, size_t keylen)
{
	int	c = 0;

	if (stun_msg_check_fingerprint(m) == 0)
		c |= CHK_FP;
	if (stun_msg_check_integrity(m, key, keylen) == 0)
		c |= CHK_MI;
	if (stun_msg_check_integrity_sha256(m, key, keylen) == 0)
		c |= CHK_MI256;
	return (c);
}

/*
 * The mutated bytes must fail to decode, or lose at least one check that
 * the original passed.
 */
static void
mutate_assert(const struct vec *v, const uint8_t *buf, size_t len,
    const char *what, size_t pos)
{
	struct stun_msg	m;
	uint8_t		key[STUN_KEY_MAX];
	size_t		keylen;
	int		orig, now, rc;

	vec_key(v, key, &keylen);
	ck_assert_int_eq(stun_msg_decode(&m, v->buf, v->len), 0);
	orig = checks_passed(&m, key, keylen);
	ck_assert_int_ne(orig, 0);

	if ((rc = stun_msg_decode(&m, buf, len)) != 0)
		return;
	now = checks_passed(&m, key, keylen);
	ck_assert_msg((orig & ~now) != 0,
	    "%s: %s %zu decodes and passes every check (0x%x)", v->name,
	    what, pos, now);
}

/*
 * Iteration i names byte n of one vector: the vector cut to its first n
 * bytes, then each of the eight single-bit flips of byte n.
 */
START_TEST(every_truncation_and_bit_flip_fails)
{
	const struct vec	*v;
	uint8_t			*exact, buf[256];
	size_t			 n, bit;

	v = mutate_pick(_i, &n);
	ck_assert_uint_lt(n, v->len);
	ck_assert_uint_le(v->len, sizeof(buf));

	/* An exact-size copy, so a read past n is caught under ASan. */
	exact = malloc(n > 0 ? n : 1);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, v->buf, n);
	mutate_assert(v, exact, n, "truncated to", n);
	free(exact);

	for (bit = 0; bit < 8; bit++) {
		memcpy(buf, v->buf, v->len);
		buf[n] ^= (uint8_t)(1 << bit);
		mutate_assert(v, buf, v->len, "bit", n * 8 + bit);
	}
}
END_TEST

START_TEST(originals_pass_their_checks)
{
	struct stun_msg	m;
	uint8_t		key[STUN_KEY_MAX];
	size_t		keylen, i;
	int		want;

	for (i = 0; i < NVECS; i++) {
		vec_key(&vecs[i], key, &keylen);
		ck_assert_int_eq(stun_msg_decode(&m, vecs[i].buf,
		    vecs[i].len), 0);
		if (vecs[i].keykind == STUN_PWALG_SHA256)
			want = CHK_MI256;
		else if (vecs[i].keykind == STUN_PWALG_MD5)
			want = CHK_MI;
		else
			want = CHK_MI | CHK_FP;
		ck_assert_int_eq(checks_passed(&m, key, keylen), want);
	}
}
END_TEST

Suite *
suite_mutate(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("mutate");

	tc = tcase_create("baseline");
	tcase_add_test(tc, originals_pass_their_checks);
	suite_add_tcase(s, tc);

	/* One fork per byte: thousands of forks cost too much under load. */
	tc = tcase_create("truncation_and_bitflip");
	tcase_add_loop_test(tc, every_truncation_and_bit_flip_fails, 0,
	    mutate_total());
	suite_add_tcase(s, tc);

	return (s);
}

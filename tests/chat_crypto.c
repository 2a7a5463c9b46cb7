/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_crypto: known-answer tests for X25519 (RFC 7748), HKDF
 * (RFC 5869) and ChaCha20-Poly1305 (RFC 8439); room codes; the handshake
 * (a wrong room secret fails it); sealed packets (tampering, replays and
 * too-old counters are rejected).
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "libstun/rdv.h"
#include "chat/crypto.h"
#include "chat_suites.h"

static void
unhex(const char *s, uint8_t *out, size_t len)
{
	size_t		i;
	unsigned	v;

	ck_assert_uint_eq(strlen(s), 2 * len);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Deterministic "random" bytes: a counter stream seeded by *arg. */
static int
fake_rnd(void *arg, uint8_t *buf, size_t len)
{
	unsigned	*seed = arg;
	size_t		 i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(*seed * 131 + i * 7 + 1);
	(*seed)++;
	return (0);
}

static int
fail_rnd(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return (-1);
}

/* RFC 7748 5.2 and 6.1. */
START_TEST(x25519_rfc7748_vectors)
{
	uint8_t	k[32], u[32], want[32], out[32];
	uint8_t	a[32], b[32], apub[32], bpub[32], s1[32], s2[32];

	unhex("a546e36bf0527c9d3b16154b82465edd"
	    "62144c0ac1fc5a18506a2244ba449ac4",
	    k, 32);
	unhex("e6db6867583030db3594c1a424b15f7c"
	    "726624ec26b3353b10a903a6d0ab1c4c",
	    u, 32);
	unhex("c3da55379de9c6908e94ea4df28d084f"
	    "32eccf03491c71f754b4075577a28552",
	    want, 32);
	ck_assert_int_eq(chat_x25519(k, u, out), 0);
	ck_assert_mem_eq(out, want, 32);

	unhex("77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a",
	    a, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb",
	    b, 32);
	ck_assert_int_eq(chat_x25519_pub(a, apub), 0);
	ck_assert_int_eq(chat_x25519_pub(b, bpub), 0);
	unhex("8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    want, 32);
	ck_assert_mem_eq(apub, want, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f",
	    want, 32);
	ck_assert_mem_eq(bpub, want, 32);
	ck_assert_int_eq(chat_x25519(a, bpub, s1), 0);
	ck_assert_int_eq(chat_x25519(b, apub, s2), 0);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742",
	    want, 32);
	ck_assert_mem_eq(s1, want, 32);
	ck_assert_mem_eq(s2, want, 32);
}
END_TEST

START_TEST(x25519_rejects_low_order_point)
{
	uint8_t	k[32], zero[32], out[32];

	memset(k, 0x42, sizeof(k));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(chat_x25519(k, zero, out), STUN_ERR_CRYPTO);
}
END_TEST

/* RFC 5869 A.1 and A.3. */
START_TEST(hkdf_rfc5869_vectors)
{
	uint8_t	ikm[22], salt[13], info[10], okm[42], want[42];

	memset(ikm, 0x0b, sizeof(ikm));
	unhex("000102030405060708090a0b0c", salt, sizeof(salt));
	unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info));
	ck_assert_int_eq(chat_hkdf(salt, sizeof(salt), ikm, sizeof(ikm), info,
	    sizeof(info), okm, sizeof(okm)), 0);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865", want, sizeof(want));
	ck_assert_mem_eq(okm, want, sizeof(want));

	ck_assert_int_eq(chat_hkdf(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm,
	    sizeof(okm)), 0);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8", want, sizeof(want));
	ck_assert_mem_eq(okm, want, sizeof(want));
}
END_TEST

/* RFC 8439 2.8.2. */
static const char aead_pt[] = "Ladies and Gentlemen of the class of '99: "
    "If I could offer you only one tip for the future, sunscreen would be it.";
static const char aead_ct[] =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
    "3ff4def08e4b7a9de576d26586cec64b6116" "1ae10b594f09e26a7e902ecbd0600691";

static void
aead_vector(uint8_t key[32], uint8_t nonce[12], uint8_t aad[12],
    uint8_t *ct, size_t ctlen)
{
	size_t	i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("070000004041424344454647", nonce, 12);
	unhex("50515253c0c1c2c3c4c5c6c7", aad, 12);
	unhex(aead_ct, ct, ctlen);
}

START_TEST(aead_rfc8439_vector)
{
	uint8_t	key[32], nonce[12], aad[12], want[114 + 16], out[114 + 16];
	uint8_t	pt[114];

	ck_assert_uint_eq(strlen(aead_pt), 114);
	aead_vector(key, nonce, aad, want, sizeof(want));
	ck_assert_int_eq(chat_aead_seal(key, nonce, aad, 12,
	    (const uint8_t *)aead_pt, 114, out), 0);
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_int_eq(chat_aead_open(key, nonce, aad, 12, want,
	    sizeof(want), pt), 0);
	ck_assert_mem_eq(pt, aead_pt, 114);
}
END_TEST

/* Flip each byte of ciphertext+tag (_i < 130) and of the AAD (130..141). */
START_TEST(aead_rejects_any_tampered_byte)
{
	uint8_t	key[32], nonce[12], aad[12], ct[114 + 16], pt[114];

	aead_vector(key, nonce, aad, ct, sizeof(ct));
	if (_i < (int)sizeof(ct))
		ct[_i] ^= 0x01;
	else
		aad[_i - (int)sizeof(ct)] ^= 0x80;
	ck_assert_int_eq(chat_aead_open(key, nonce, aad, 12, ct, sizeof(ct),
	    pt), STUN_ERR_INTEGRITY);
}
END_TEST

START_TEST(code_round_trip_and_typos)
{
	uint8_t		secret[CHAT_SECRET_LEN], back[CHAT_SECRET_LEN];
	char		code[CHAT_CODE_LEN + 1], typo[CHAT_CODE_LEN + 1];
	unsigned	seed = 7;
	size_t		i;

	ck_assert_int_eq(chat_code_make(fake_rnd, &seed, secret, code,
	    sizeof(code)), 0);
	ck_assert_uint_eq(strlen(code), CHAT_CODE_LEN);
	for (i = 4; i < CHAT_CODE_LEN; i += 5)
		ck_assert_int_eq(code[i], '-');
	ck_assert_int_eq(chat_code_parse(code, back), 0);
	ck_assert_mem_eq(back, secret, sizeof(secret));

	/* Upper case, no dashes, spaces, o/i/l for 0/1 still parse. */
	{
		char	loose[64];
		size_t	o = 0;

		for (i = 0; i < CHAT_CODE_LEN; i++) {
			if (code[i] == '-') {
				loose[o++] = ' ';
				continue;
			}
			if (code[i] == '0')
				loose[o++] = 'O';
			else if (code[i] == '1')
				loose[o++] = 'l';
			else if (code[i] >= 'a' && code[i] <= 'z')
				loose[o++] = (char)(code[i] - 'a' + 'A');
			else
				loose[o++] = code[i];
		}
		loose[o] = '\0';
		memset(back, 0, sizeof(back));
		ck_assert_int_eq(chat_code_parse(loose, back), 0);
		ck_assert_mem_eq(back, secret, sizeof(secret));
	}

	/* Every single-digit change is caught by the checksum or range. */
	for (i = 0; i < CHAT_CODE_LEN; i++) {
		if (code[i] == '-')
			continue;
		memcpy(typo, code, sizeof(typo));
		typo[i] = code[i] == 'z' ? 'y' : 'z';
		ck_assert_int_ne(chat_code_parse(typo, back), 0);
	}
	ck_assert_int_eq(chat_code_parse("", back), STUN_ERR_INVALID);
	ck_assert_int_eq(chat_code_parse("abcd-efgh", back), STUN_ERR_INVALID);
	memcpy(typo, code, sizeof(typo));
	typo[0] = 'u';		/* not in the alphabet */
	ck_assert_int_eq(chat_code_parse(typo, back), STUN_ERR_INVALID);
	ck_assert_int_eq(chat_code_format(secret, code, CHAT_CODE_LEN),
	    STUN_ERR_NOSPACE);
	ck_assert_int_eq(chat_code_make(fail_rnd, NULL, secret, code,
	    sizeof(code)), STUN_ERR_RANDOM);
}
END_TEST

START_TEST(code_extra_digit_rejected)
{
	uint8_t	secret[CHAT_SECRET_LEN], back[CHAT_SECRET_LEN];
	char	code[CHAT_CODE_LEN + 8];

	memset(secret, 0xa5, sizeof(secret));
	ck_assert_int_eq(chat_code_format(secret, code, sizeof(code)), 0);
	strcat(code, "0");
	ck_assert_int_eq(chat_code_parse(code, back), STUN_ERR_INVALID);
}
END_TEST

START_TEST(derived_values_differ_and_are_stable)
{
	uint8_t	s1[CHAT_SECRET_LEN], s2[CHAT_SECRET_LEN];
	uint8_t	id1[CHAT_ROOMID_LEN], id1b[CHAT_ROOMID_LEN];
	uint8_t	id2[CHAT_ROOMID_LEN];

	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	ck_assert_int_eq(chat_room_id(s1, id1), 0);
	ck_assert_int_eq(chat_room_id(s1, id1b), 0);
	ck_assert_int_eq(chat_room_id(s2, id2), 0);
	ck_assert_mem_eq(id1, id1b, sizeof(id1));
	ck_assert_mem_ne(id1, id2, sizeof(id1));
	/* The id does not reveal the secret. */
	ck_assert_mem_ne(id1, s1, sizeof(id1));
}
END_TEST

/*
 * Known answers for secret 00 01 .. 0f: the room key is HKDF-SHA256 of the
 * secret (no salt) under "p2pchat v2 rendezvous room key", the room id the
 * first 16 bytes of SHA-256("stunkit rendezvous v2 room id" || key), so a
 * server can check the one against the other.
 */
START_TEST(room_key_and_id_known_answers)
{
	static const uint8_t	want_key[CHAT_ROOMKEY_LEN] = {
		0x19, 0x30, 0x6f, 0x55, 0xe0, 0x31, 0xf0, 0xb5,
		0x4c, 0xd3, 0xbb, 0xa2, 0x3d, 0x37, 0xae, 0x68,
		0x59, 0xab, 0x81, 0x84, 0x84, 0x79, 0x55, 0x3f,
		0x72, 0x52, 0x58, 0xd5, 0xa9, 0xe7, 0x8e, 0x0a
	};
	static const uint8_t	want_id[CHAT_ROOMID_LEN] = {
		0xc4, 0x35, 0x74, 0x70, 0x9e, 0xac, 0xe1, 0x22,
		0xdb, 0x15, 0x3e, 0xda, 0xcb, 0x7f, 0x42, 0x65
	};
	uint8_t	secret[CHAT_SECRET_LEN], key[CHAT_ROOMKEY_LEN];
	uint8_t	id[CHAT_ROOMID_LEN], id2[CHAT_ROOMID_LEN];
	int	i;

	for (i = 0; i < CHAT_SECRET_LEN; i++)
		secret[i] = (uint8_t)i;
	ck_assert_int_eq(chat_room_key(secret, key), 0);
	ck_assert_mem_eq(key, want_key, sizeof(key));
	ck_assert_int_eq(chat_room_id(secret, id), 0);
	ck_assert_mem_eq(id, want_id, sizeof(id));
	ck_assert_int_eq(stun_rdv_room_id(key, id2), 0);
	ck_assert_mem_eq(id, id2, sizeof(id));
}
END_TEST

/* Run a handshake between a and b; returns what b's FINISH did to a. */
static int
handshake(struct chat_hs *a, struct chat_hs *b)
{
	uint8_t	ha[CHAT_HELLO_MAX], hb[CHAT_HELLO_MAX];
	uint8_t	fa[CHAT_FINISH_LEN], fb[CHAT_FINISH_LEN];
	size_t	fal, fbl;
	int	la, lb, r;

	la = chat_hs_hello(a, ha, sizeof(ha));
	lb = chat_hs_hello(b, hb, sizeof(hb));
	ck_assert_int_gt(la, 0);
	ck_assert_int_gt(lb, 0);
	r = chat_hs_input(b, ha, (size_t)la, fb, sizeof(fb), &fbl);
	if (r != CHAT_HS_SEND)
		return (r);
	ck_assert_int_eq(chat_hs_input(a, hb, (size_t)lb, fa, sizeof(fa),
	    &fal), CHAT_HS_SEND);
	ck_assert_int_eq(chat_hs_input(b, fa, fal, fb, sizeof(fb), &fbl),
	    CHAT_HS_DONE);
	return (chat_hs_input(a, fb, CHAT_FINISH_LEN, fa, sizeof(fa), &fal));
}

static void
pair(struct chat_session *sa, struct chat_session *sb)
{
	struct chat_hs	a, b;
	uint8_t		secret[CHAT_SECRET_LEN];
	unsigned	seed = 1;

	memset(secret, 0x5c, sizeof(secret));
	ck_assert_int_eq(chat_hs_init(&a, secret, "alice", fake_rnd, &seed), 0);
	ck_assert_int_eq(chat_hs_init(&b, secret, "bob", fake_rnd, &seed), 0);
	ck_assert_int_eq(handshake(&a, &b), CHAT_HS_DONE);
	ck_assert_str_eq(a.peer_name, "bob");
	ck_assert_str_eq(b.peer_name, "alice");
	ck_assert_int_eq(chat_hs_session(&a, sa), 0);
	ck_assert_int_eq(chat_hs_session(&b, sb), 0);
	chat_hs_clear(&a);
	chat_hs_clear(&b);
}

START_TEST(handshake_same_secret_gives_matching_keys)
{
	struct chat_session	sa, sb;

	pair(&sa, &sb);
	ck_assert_mem_eq(sa.tx_key, sb.rx_key, CHAT_KEY_LEN);
	ck_assert_mem_eq(sa.rx_key, sb.tx_key, CHAT_KEY_LEN);
	ck_assert_mem_eq(sa.tx_iv, sb.rx_iv, CHAT_IV_LEN);
	ck_assert_mem_ne(sa.tx_key, sa.rx_key, CHAT_KEY_LEN);
}
END_TEST

START_TEST(handshake_wrong_secret_fails)
{
	struct chat_hs	a, b;
	struct chat_session s;
	uint8_t		s1[CHAT_SECRET_LEN], s2[CHAT_SECRET_LEN];
	unsigned	seed = 3;

	memset(s1, 0x11, sizeof(s1));
	memcpy(s2, s1, sizeof(s2));
	s2[15] ^= 1;
	ck_assert_int_eq(chat_hs_init(&a, s1, "alice", fake_rnd, &seed), 0);
	ck_assert_int_eq(chat_hs_init(&b, s2, "mallory", fake_rnd, &seed), 0);
	ck_assert_int_eq(handshake(&a, &b), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(chat_hs_session(&a, &s), STUN_ERR_STATE);
	ck_assert_int_eq(chat_hs_session(&b, &s), STUN_ERR_STATE);
}
END_TEST

/*
 * An attacker without the secret who swaps in its own key (a valid DH key,
 * HELLO MAC copied) cannot produce a FINISH the victim accepts.
 */
START_TEST(handshake_forged_finish_fails)
{
	struct chat_hs	a, b;
	uint8_t		secret[CHAT_SECRET_LEN], hb[CHAT_HELLO_MAX];
	uint8_t		fa[CHAT_FINISH_LEN], fake[CHAT_FINISH_LEN];
	size_t		fal;
	unsigned	seed = 9;
	int		lb;

	memset(secret, 0x33, sizeof(secret));
	ck_assert_int_eq(chat_hs_init(&a, secret, "alice", fake_rnd, &seed), 0);
	ck_assert_int_eq(chat_hs_init(&b, secret, "bob", fake_rnd, &seed), 0);
	lb = chat_hs_hello(&b, hb, sizeof(hb));
	/* Tampered key: the HELLO MAC fails. */
	hb[10] ^= 1;
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, fa, sizeof(fa),
	    &fal), STUN_ERR_INTEGRITY);
	hb[10] ^= 1;
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, fa, sizeof(fa),
	    &fal), CHAT_HS_SEND);
	/* A FINISH made of a's own FINISH (reflection) or random bytes. */
	ck_assert_int_eq(chat_hs_input(&a, fa, fal, fake, sizeof(fake), &fal),
	    STUN_ERR_INTEGRITY);
	memset(fake, 0x77, sizeof(fake));
	fake[0] = CHAT_PKT_FINISH;
	fake[1] = CHAT_VERSION;
	fake[2] = fake[3] = 0;
	ck_assert_int_eq(chat_hs_input(&a, fake, sizeof(fake), fa, sizeof(fa),
	    &fal), STUN_ERR_INTEGRITY);
	ck_assert_int_eq(a.state, CHAT_HS_WAIT);
}
END_TEST

START_TEST(handshake_retransmits_reflections_and_junk)
{
	struct chat_hs	a, b, c;
	uint8_t		secret[CHAT_SECRET_LEN], ha[CHAT_HELLO_MAX];
	uint8_t		hb[CHAT_HELLO_MAX], hc[CHAT_HELLO_MAX];
	uint8_t		f1[CHAT_FINISH_LEN], f2[CHAT_FINISH_LEN];
	size_t		l1, l2, n;
	unsigned	seed = 21;
	int		la, lb, lc;

	memset(secret, 0x44, sizeof(secret));
	ck_assert_int_eq(chat_hs_init(&a, secret, "alice", fake_rnd, &seed), 0);
	ck_assert_int_eq(chat_hs_init(&b, secret, "bob", fake_rnd, &seed), 0);
	ck_assert_int_eq(chat_hs_init(&c, secret, "carol", fake_rnd, &seed), 0);
	la = chat_hs_hello(&a, ha, sizeof(ha));
	lb = chat_hs_hello(&b, hb, sizeof(hb));
	lc = chat_hs_hello(&c, hc, sizeof(hc));
	/* Our own HELLO back is refused. */
	ck_assert_int_eq(chat_hs_input(&a, ha, (size_t)la, f1, sizeof(f1),
	    &l1), STUN_ERR_INVALID);
	/* FINISH before HELLO waits. */
	ck_assert_int_eq(chat_hs_input(&b, ha, (size_t)la, f2, sizeof(f2),
	    &l2), CHAT_HS_SEND);
	ck_assert_int_eq(chat_hs_input(&a, f2, l2, f1, sizeof(f1), &l1),
	    CHAT_HS_WAIT);
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, f1, sizeof(f1),
	    &l1), CHAT_HS_SEND);
	/* A retransmitted HELLO gets the same FINISH again. */
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, f2, sizeof(f2),
	    &l2), CHAT_HS_SEND);
	ck_assert_uint_eq(l1, l2);
	ck_assert_mem_eq(f1, f2, l1);
	/*
	 * Another HELLO before done takes the first one's place (a
	 * recorded HELLO played back first cannot stall the handshake):
	 * another FINISH.
	 */
	ck_assert_int_eq(chat_hs_input(&a, hc, (size_t)lc, f2, sizeof(f2),
	    &l2), CHAT_HS_SEND);
	ck_assert_mem_ne(f1, f2, l1);
	ck_assert_str_eq(a.peer_name, "carol");
	/* Truncations and junk. */
	for (n = 0; n < (size_t)lb; n++)
		ck_assert_int_lt(chat_hs_input(&c, hb, n, f2, sizeof(f2), &l2),
		    0);
	hb[2] = 40;		/* name length past the packet */
	ck_assert_int_lt(chat_hs_input(&c, hb, (size_t)lb, f2, sizeof(f2),
	    &l2), 0);
	ck_assert_int_eq(chat_hs_init(&c, secret, "", NULL, NULL),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(chat_hs_init(&c, secret, "a\nb", NULL, NULL),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(chat_hs_init(&c, secret,
	    "123456789012345678901234567890123", NULL, NULL), STUN_ERR_INVALID);
	ck_assert_int_eq(chat_hs_init(&c, secret, "x", fail_rnd, NULL),
	    STUN_ERR_RANDOM);
}
END_TEST

/*
 * A recorded HELLO of an earlier session (bob's) is played to alice
 * before bob's real one: the handshake completes with the real one, and
 * the recording's old FINISH does not verify.  Once done, a recorded
 * HELLO is CHAT_HS_NEW, never a reset: re-keying takes a new handshake
 * whose FINISH binds alice's fresh key.
 */
START_TEST(handshake_replayed_hello_neither_stalls_nor_resets)
{
	struct chat_hs	a, old_a, old_b, b;
	struct chat_session s1, s2;
	uint8_t		secret[CHAT_SECRET_LEN], hold[CHAT_HELLO_MAX];
	uint8_t		holda[CHAT_HELLO_MAX], ha[CHAT_HELLO_MAX];
	uint8_t		hb[CHAT_HELLO_MAX], fold[CHAT_FINISH_LEN];
	uint8_t		f[CHAT_FINISH_LEN], fb[CHAT_FINISH_LEN];
	size_t		lf, lfold, lfb;
	unsigned	seed = 40;
	int		lo, loa, la, lb;

	memset(secret, 0x66, sizeof(secret));
	/* Yesterday's session, recorded by an attacker. */
	ck_assert_int_eq(chat_hs_init(&old_a, secret, "alice", fake_rnd,
	    &seed), 0);
	ck_assert_int_eq(chat_hs_init(&old_b, secret, "bob", fake_rnd,
	    &seed), 0);
	lo = chat_hs_hello(&old_b, hold, sizeof(hold));
	loa = chat_hs_hello(&old_a, holda, sizeof(holda));
	ck_assert_int_eq(chat_hs_input(&old_b, holda, (size_t)loa, fold,
	    sizeof(fold), &lfold), CHAT_HS_SEND);
	/* Today. */
	ck_assert_int_eq(chat_hs_init(&a, secret, "alice", fake_rnd, &seed),
	    0);
	ck_assert_int_eq(chat_hs_init(&b, secret, "bob", fake_rnd, &seed), 0);
	la = chat_hs_hello(&a, ha, sizeof(ha));
	lb = chat_hs_hello(&b, hb, sizeof(hb));
	ck_assert_int_eq(chat_hs_input(&a, hold, (size_t)lo, f, sizeof(f),
	    &lf), CHAT_HS_SEND);
	/* The recorded FINISH does not match alice's key of today. */
	ck_assert_int_eq(chat_hs_input(&a, fold, lfold, f, sizeof(f), &lf),
	    STUN_ERR_INTEGRITY);
	/* The real HELLO replaces it; the handshake completes. */
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, f, sizeof(f),
	    &lf), CHAT_HS_SEND);
	ck_assert_int_eq(chat_hs_input(&b, ha, (size_t)la, fb, sizeof(fb),
	    &lfb), CHAT_HS_SEND);
	ck_assert_int_eq(chat_hs_input(&b, f, lf, fold, sizeof(fold), &lf),
	    CHAT_HS_DONE);
	ck_assert_int_eq(chat_hs_input(&a, fb, lfb, f, sizeof(f), &lf),
	    CHAT_HS_DONE);
	/* (fold was overwritten: record it again.) */
	ck_assert_int_eq(chat_hs_input(&old_b, holda, (size_t)loa, fold,
	    sizeof(fold), &lfold), CHAT_HS_SEND);
	ck_assert_int_eq(chat_hs_session(&a, &s1), 0);
	/* Later: the recording again; the session stays as it is. */
	ck_assert_int_eq(chat_hs_input(&a, hold, (size_t)lo, f, sizeof(f),
	    &lf), CHAT_HS_NEW);
	ck_assert_int_eq(chat_hs_input(&a, fold, lfold, f, sizeof(f), &lf),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(chat_hs_session(&a, &s2), 0);
	ck_assert_mem_eq(&s1, &s2, sizeof(s1));
	/* bob's own HELLO again is a retransmission. */
	ck_assert_int_eq(chat_hs_input(&a, hb, (size_t)lb, f, sizeof(f),
	    &lf), CHAT_HS_SEND);
}
END_TEST

START_TEST(seal_open_round_trip)
{
	struct chat_session	sa, sb;
	uint8_t			pkt[256], pt[256];
	int			n, i;

	pair(&sa, &sb);
	for (i = 0; i < 3; i++) {
		n = chat_seal(&sa, (const uint8_t *)"hello", 5, pkt,
		    sizeof(pkt));
		ck_assert_int_eq(n, 5 + CHAT_SEAL_OVERHEAD);
		ck_assert_int_eq(pkt[0], CHAT_PKT_DATA);
		ck_assert_int_eq(pkt[11], i);
		ck_assert_int_eq(chat_open(&sb, pkt, (size_t)n, pt, sizeof(pt)),
		    5);
		ck_assert_mem_eq(pt, "hello", 5);
	}
	/* Empty plaintext works, and the other direction too. */
	n = chat_seal(&sb, NULL, 0, pkt, sizeof(pkt));
	ck_assert_int_eq(chat_open(&sa, pkt, (size_t)n, pt, sizeof(pt)), 0);
	/* Not to ourselves: a's own packet does not open with a's rx key. */
	n = chat_seal(&sa, (const uint8_t *)"x", 1, pkt, sizeof(pkt));
	ck_assert_int_eq(chat_open(&sa, pkt, (size_t)n, pt, sizeof(pt)),
	    STUN_ERR_INTEGRITY);
	ck_assert_int_eq(chat_seal(&sa, pt, 10, pkt, 10 + CHAT_SEAL_OVERHEAD
	    - 1), STUN_ERR_NOSPACE);
}
END_TEST

START_TEST(open_rejects_tampered_packet)
{
	struct chat_session	sa, sb;
	uint8_t			pkt[64], pt[64];
	int			n;

	pair(&sa, &sb);
	n = chat_seal(&sa, (const uint8_t *)"attack at dawn", 14, pkt,
	    sizeof(pkt));
	ck_assert_int_eq(n, 14 + CHAT_SEAL_OVERHEAD);
	pkt[_i] ^= 0x04;
	ck_assert_int_lt(chat_open(&sb, pkt, (size_t)n, pt, sizeof(pt)), 0);
	pkt[_i] ^= 0x04;
	/* The failed attempt did not move the window: it still opens. */
	ck_assert_int_eq(chat_open(&sb, pkt, (size_t)n, pt, sizeof(pt)), 14);
	ck_assert_int_lt(chat_open(&sb, pkt, (size_t)n - 1, pt, sizeof(pt)),
	    0);
}
END_TEST

/*
 * The cipher contexts are shared: packets of both directions sealed and
 * opened in turn each open with their own key only.
 */
START_TEST(seal_open_interleaved_sessions)
{
	struct chat_session	sa, sb;
	uint8_t			p1[64], p2[64], pt[64];
	int			n1, n2, i;

	pair(&sa, &sb);
	for (i = 0; i < 4; i++) {
		n1 = chat_seal(&sa, (const uint8_t *)"from alice", 10, p1,
		    sizeof(p1));
		n2 = chat_seal(&sb, (const uint8_t *)"from bob:-)", 11, p2,
		    sizeof(p2));
		ck_assert_int_eq(n1, 10 + CHAT_SEAL_OVERHEAD);
		ck_assert_int_eq(n2, 11 + CHAT_SEAL_OVERHEAD);
		/* Alice's own packet under her receive key: refused. */
		ck_assert_int_eq(chat_open(&sa, p1, (size_t)n1, pt,
		    sizeof(pt)), STUN_ERR_INTEGRITY);
		ck_assert_int_eq(chat_open(&sb, p1, (size_t)n1, pt,
		    sizeof(pt)), 10);
		ck_assert_mem_eq(pt, "from alice", 10);
		ck_assert_int_eq(chat_open(&sa, p2, (size_t)n2, pt,
		    sizeof(pt)), 11);
		ck_assert_mem_eq(pt, "from bob:-)", 11);
	}
}
END_TEST

START_TEST(open_rejects_replay_and_too_old)
{
	struct chat_session	sa, sb;
	uint8_t			pkt[CHAT_REPLAY_WINDOW + 2][32], pt[32];
	int			n[CHAT_REPLAY_WINDOW + 2];
	int			i, last = CHAT_REPLAY_WINDOW + 1;

	pair(&sa, &sb);
	for (i = 0; i <= last; i++) {
		n[i] = chat_seal(&sa, (const uint8_t *)"m", 1, pkt[i],
		    sizeof(pkt[i]));
		ck_assert_int_gt(n[i], 0);
	}
	/* Out of order within the window is fine, each once. */
	ck_assert_int_eq(chat_open(&sb, pkt[5], (size_t)n[5], pt, 32), 1);
	ck_assert_int_eq(chat_open(&sb, pkt[3], (size_t)n[3], pt, 32), 1);
	ck_assert_int_eq(chat_open(&sb, pkt[3], (size_t)n[3], pt, 32),
	    CHAT_ERR_REPLAY);
	ck_assert_int_eq(chat_open(&sb, pkt[5], (size_t)n[5], pt, 32),
	    CHAT_ERR_REPLAY);
	ck_assert_int_eq(chat_open(&sb, pkt[4], (size_t)n[4], pt, 32), 1);
	/* Jump to the top: counter 5 is now more than a window behind. */
	ck_assert_int_eq(chat_open(&sb, pkt[last], (size_t)n[last], pt, 32),
	    1);
	ck_assert_int_eq(chat_open(&sb, pkt[0], (size_t)n[0], pt, 32),
	    CHAT_ERR_REPLAY);
	ck_assert_int_eq(chat_open(&sb, pkt[1], (size_t)n[1], pt, 32),
	    CHAT_ERR_REPLAY);
	/* Exactly at the window's lower edge: new, then replay. */
	ck_assert_int_eq(chat_open(&sb, pkt[2], (size_t)n[2], pt, 32), 1);
	ck_assert_int_eq(chat_open(&sb, pkt[2], (size_t)n[2], pt, 32),
	    CHAT_ERR_REPLAY);
	/* Bits of counters skipped over by the jump were cleared. */
	ck_assert_int_eq(chat_open(&sb, pkt[6], (size_t)n[6], pt, 32), 1);
	ck_assert_int_eq(chat_open(&sb, pkt[last], (size_t)n[last], pt, 32),
	    CHAT_ERR_REPLAY);
}
END_TEST

Suite *
suite_chat_crypto(void)
{
	Suite	*s = suite_create("chat_crypto");
	TCase	*tc;

	tc = tcase_create("kat");
	tcase_add_test(tc, x25519_rfc7748_vectors);
	tcase_add_test(tc, x25519_rejects_low_order_point);
	tcase_add_test(tc, hkdf_rfc5869_vectors);
	tcase_add_test(tc, aead_rfc8439_vector);
	tcase_add_loop_test(tc, aead_rejects_any_tampered_byte, 0,
	    114 + 16 + 12);
	suite_add_tcase(s, tc);

	tc = tcase_create("code");
	tcase_add_test(tc, code_round_trip_and_typos);
	tcase_add_test(tc, code_extra_digit_rejected);
	tcase_add_test(tc, derived_values_differ_and_are_stable);
	tcase_add_test(tc, room_key_and_id_known_answers);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_add_test(tc, handshake_same_secret_gives_matching_keys);
	tcase_add_test(tc, handshake_wrong_secret_fails);
	tcase_add_test(tc, handshake_forged_finish_fails);
	tcase_add_test(tc, handshake_retransmits_reflections_and_junk);
	tcase_add_test(tc, handshake_replayed_hello_neither_stalls_nor_resets);
	suite_add_tcase(s, tc);

	tc = tcase_create("packets");
	tcase_add_test(tc, seal_open_round_trip);
	tcase_add_loop_test(tc, open_rejects_tampered_packet, 0,
	    14 + CHAT_SEAL_OVERHEAD);
	tcase_add_test(tc, seal_open_interleaved_sessions);
	tcase_add_test(tc, open_rejects_replay_and_too_old);
	suite_add_tcase(s, tc);
	return (s);
}

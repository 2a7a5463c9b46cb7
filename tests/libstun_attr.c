/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Every attribute through the builder and back through its getter, and the
 * getters' refusals of malformed values.
 */
#include <string.h>

#include <check.h>

#include <libstun/stun.h>

#include "suites.h"
#include "testutil.h"

static uint8_t			 buf[2048];
static struct stun_builder	 b;
static struct stun_msg		 m;

static void
begin(void)
{
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_ALLOCATE,
	    STUN_CLASS_SUCCESS, test_tid);
}

static void
end(void)
{
	int	 n = stun_build_finish(&b);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, (size_t)n), 0);
}

static const uint16_t addr_types[] = {
	STUN_ATTR_MAPPED_ADDRESS, STUN_ATTR_RESPONSE_ADDRESS,
	STUN_ATTR_SOURCE_ADDRESS, STUN_ATTR_CHANGED_ADDRESS,
	STUN_ATTR_REFLECTED_FROM, STUN_ATTR_XOR_PEER_ADDRESS,
	STUN_ATTR_XOR_RELAYED_ADDRESS, STUN_ATTR_XOR_MAPPED_ADDRESS,
	STUN_ATTR_ALTERNATE_SERVER, STUN_ATTR_RESPONSE_ORIGIN,
	STUN_ATTR_OTHER_ADDRESS,
};

START_TEST(attr_addresses_round_trip_v4_and_v6)
{
	static const char *addrs[] = { "192.0.2.1:32853",
	    "[2001:db8:1234:5678:11:2233:4455:6677]:32853", "0.0.0.0:0",
	    "[::]:65535" };
	struct stun_addr	 in, out;
	size_t			 i, j;

	for (i = 0; i < sizeof(addr_types) / sizeof(addr_types[0]); i++) {
		for (j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++) {
			in = test_addr(addrs[j]);
			begin();
			stun_build_addr(&b, addr_types[i], &in);
			end();
			ck_assert_int_eq(stun_msg_get_addr(&m, addr_types[i],
			    &out), 0);
			ck_assert(stun_addr_equal(&in, &out));
		}
	}
}
END_TEST

START_TEST(attr_xor_address_is_xored_on_the_wire)
{
	struct stun_addr a = test_addr("192.0.2.1:32853");

	begin();
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
	end();
	/* RFC 5769 2.2: port 0xa147, address 0xe112a643. */
	ck_assert_uint_eq(buf[26], 0xa1);
	ck_assert_uint_eq(buf[27], 0x47);
	ck_assert_uint_eq(buf[28], 0xe1);
	ck_assert_uint_eq(buf[31], 0x43);
}
END_TEST

START_TEST(attr_address_getter_refuses_bad_family)
{
	struct stun_addr a = test_addr("192.0.2.1:1"), out;

	begin();
	stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &a);
	end();
	buf[25] = 0x03;
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_MAPPED_ADDRESS,
	    &out), STUN_ERR_BAD_ATTR);
	buf[25] = 0x02;	/* IPv6 family with 4 address bytes */
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_MAPPED_ADDRESS,
	    &out), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_OTHER_ADDRESS,
	    &out), STUN_ERR_NOT_FOUND);
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_LIFETIME, &out),
	    STUN_ERR_INVALID);
	a.family = 5;
	begin();
	stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &a);
	ck_assert_int_eq(stun_build_finish(&b), STUN_ERR_INVALID);
}
END_TEST

START_TEST(attr_integers_round_trip)
{
	uint32_t	 v;
	uint64_t	 w;

	begin();
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_build_u32(&b, STUN_ATTR_CHANGE_REQUEST, STUN_CHANGE_IP);
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
	stun_build_u32(&b, STUN_ATTR_CACHE_TIMEOUT, 3600);
	stun_build_u64(&b, STUN_ATTR_RESERVATION_TOKEN, 0x0102030405060708ULL);
	stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36ULL);
	stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1);
	end();
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_LIFETIME, &v), 0);
	ck_assert_uint_eq(v, 600);
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_CHANGE_REQUEST, &v), 0);
	ck_assert_uint_eq(v, STUN_CHANGE_IP);
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_PRIORITY, &v), 0);
	ck_assert_uint_eq(v, 0x6e0001ff);
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_CACHE_TIMEOUT, &v), 0);
	ck_assert_uint_eq(v, 3600);
	ck_assert_int_eq(stun_msg_get_u64(&m, STUN_ATTR_RESERVATION_TOKEN,
	    &w), 0);
	ck_assert(w == 0x0102030405060708ULL);
	ck_assert_int_eq(stun_msg_get_u64(&m, STUN_ATTR_ICE_CONTROLLED, &w),
	    0);
	ck_assert(w == 0x932ff9b151263b36ULL);
	ck_assert_int_eq(stun_msg_get_u64(&m, STUN_ATTR_ICE_CONTROLLING, &w),
	    0);
	ck_assert(w == 1);
	/* Wrong-size reads of an unknown optional attribute. */
	begin();
	stun_build_attr(&b, 0x8fff, "abc", 3);
	end();
	ck_assert_int_eq(stun_msg_get_u32(&m, 0x8fff, &v), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(stun_msg_get_u64(&m, 0x8fff, &w), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_strings_round_trip_and_check_utf8)
{
	static const uint16_t types[] = { STUN_ATTR_USERNAME, STUN_ATTR_REALM,
	    STUN_ATTR_NONCE, STUN_ATTR_SOFTWARE, STUN_ATTR_ALTERNATE_DOMAIN };
	char	 out[800];
	size_t	 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		begin();
		stun_build_string(&b, types[i], "mar\xc3\xad" "a");
		end();
		ck_assert_int_eq(stun_msg_get_string(&m, types[i], out,
		    sizeof(out)), 0);
		ck_assert_str_eq(out, "mar\xc3\xad" "a");
		ck_assert_int_eq(stun_msg_get_string(&m, types[i], out, 6),
		    STUN_ERR_NOSPACE);
	}
	/* Overlong, surrogate, truncated sequence, NUL. */
	begin();
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "\xc0\xaf", 2);
	end();
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_SOFTWARE, out,
	    sizeof(out)), STUN_ERR_BAD_ATTR);
	begin();
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "\xed\xa0\x80", 3);
	end();
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_SOFTWARE, out,
	    sizeof(out)), STUN_ERR_BAD_ATTR);
	begin();
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "ab\xe2\x82", 4);
	end();
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_SOFTWARE, out,
	    sizeof(out)), STUN_ERR_BAD_ATTR);
	begin();
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "a\0b", 3);
	end();
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_SOFTWARE, out,
	    sizeof(out)), STUN_ERR_BAD_ATTR);
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_DATA, out,
	    sizeof(out)), STUN_ERR_INVALID);
}
END_TEST

START_TEST(attr_string_parse_limit_is_763)
{
	uint8_t	 big[STUN_MAX_STRING_PARSE + 1];
	char	 out[800];

	memset(big, 'r', sizeof(big));
	begin();
	stun_build_attr(&b, STUN_ATTR_REALM, big, STUN_MAX_STRING_PARSE);
	end();
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_REALM, out,
	    sizeof(out)), 0);
	ck_assert_uint_eq(strlen(out), STUN_MAX_STRING_PARSE);
	begin();
	stun_build_attr(&b, STUN_ATTR_REALM, big, sizeof(big));
	ck_assert_int_gt(stun_build_finish(&b), 0);
	ck_assert_int_eq(stun_msg_decode(&m, buf, b.len), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_error_code_round_trips)
{
	const char	*reason;
	size_t		 rlen;
	int		 code;

	begin();
	stun_build_error(&b, 420, NULL);
	end();
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen), 0);
	ck_assert_int_eq(code, 420);
	ck_assert_uint_eq(rlen, strlen("Unknown Attribute"));
	ck_assert(memcmp(reason, "Unknown Attribute", rlen) == 0);
	begin();
	stun_build_error(&b, 699, "custom");
	end();
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen), 0);
	ck_assert_int_eq(code, 699);
	ck_assert_uint_eq(rlen, 6);
	/* Trailing NULs (coturn pads its phrases) are not part of it. */
	begin();
	stun_build_attr(&b, STUN_ATTR_ERROR_CODE,
	    "\0\0\x04\x14Unknown Attribute\0\0\0", 24);
	end();
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen), 0);
	ck_assert_int_eq(code, 420);
	ck_assert_uint_eq(rlen, strlen("Unknown Attribute"));
	/* A NUL inside the phrase is still refused. */
	buf[30] = '\0';
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen),
	    STUN_ERR_BAD_ATTR);
	begin();
	stun_build_error(&b, 699, "custom");
	end();
	/* Class 7 and number 100 are not codes. */
	buf[26] = 7;
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen),
	    STUN_ERR_BAD_ATTR);
	buf[26] = 4;
	buf[27] = 100;
	ck_assert_int_eq(stun_msg_get_error(&m, &code, &reason, &rlen),
	    STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_address_error_code_round_trips)
{
	const char	*reason;
	size_t		 rlen;
	uint8_t		 fam;
	int		 code;

	begin();
	stun_build_addr_error(&b, STUN_AF_INET6, 440, NULL);
	end();
	ck_assert_int_eq(stun_msg_get_addr_error(&m, &fam, &code, &reason,
	    &rlen), 0);
	ck_assert_uint_eq(fam, STUN_AF_INET6);
	ck_assert_int_eq(code, 440);
	ck_assert(memcmp(reason, "Address Family not Supported", rlen) == 0);
	buf[24] = 0x07;
	ck_assert_int_eq(stun_msg_get_addr_error(&m, &fam, &code, &reason,
	    &rlen), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_unknown_list_round_trips)
{
	static const uint16_t types[] = { 0x0031, 0x7f00, 0x0032 };
	uint16_t	 out[4];
	size_t		 n;

	begin();
	stun_build_unknown(&b, types, 3);
	end();
	ck_assert_uint_eq(m.attrs[0].len, 6);
	ck_assert_int_eq(stun_msg_get_unknown(&m, out, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(out, types, sizeof(types));
	ck_assert_int_eq(stun_msg_get_unknown(&m, out, 2, &n), 0);
	ck_assert_uint_eq(n, 2);
	begin();
	stun_build_attr(&b, STUN_ATTR_UNKNOWN_ATTRIBUTES, "abc", 3);
	end();
	ck_assert_int_eq(stun_msg_get_unknown(&m, out, 4, &n),
	    STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_turn_values_round_trip)
{
	uint16_t	 ch, port;
	uint8_t		 proto, fam, t, c;
	uint32_t	 d;
	int		 r;

	begin();
	stun_build_channel(&b, 0x4001);
	stun_build_response_port(&b, 3479);
	stun_build_transport(&b, 17);
	stun_build_family(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
	    STUN_AF_INET6);
	stun_build_family(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
	    STUN_AF_INET);
	stun_build_even_port(&b, 1);
	stun_build_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	stun_build_icmp(&b, 3, 13, 0xdeadbeef);
	stun_build_attr(&b, STUN_ATTR_DATA, "hello", 5);
	end();
	ck_assert_int_eq(stun_msg_get_channel(&m, &ch), 0);
	ck_assert_uint_eq(ch, 0x4001);
	ck_assert_int_eq(stun_msg_get_response_port(&m, &port), 0);
	ck_assert_uint_eq(port, 3479);
	ck_assert_int_eq(stun_msg_get_transport(&m, &proto), 0);
	ck_assert_uint_eq(proto, 17);
	ck_assert_int_eq(stun_msg_get_family(&m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam), 0);
	ck_assert_uint_eq(fam, STUN_AF_INET6);
	ck_assert_int_eq(stun_msg_get_family(&m,
	    STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, &fam), 0);
	ck_assert_uint_eq(fam, STUN_AF_INET);
	ck_assert_int_eq(stun_msg_get_family(&m, STUN_ATTR_DATA, &fam),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_msg_get_even_port(&m, &r), 0);
	ck_assert_int_eq(r, 1);
	ck_assert_ptr_nonnull(stun_msg_find(&m, STUN_ATTR_DONT_FRAGMENT));
	ck_assert_int_eq(stun_msg_get_icmp(&m, &t, &c, &d), 0);
	ck_assert_uint_eq(t, 3);
	ck_assert_uint_eq(c, 13);
	ck_assert_uint_eq(d, 0xdeadbeef);
}
END_TEST

START_TEST(attr_fixed_sizes_are_enforced_at_decode)
{
	static const struct { uint16_t type; uint16_t len; } bad[] = {
		{ STUN_ATTR_CHANNEL_NUMBER, 2 }, { STUN_ATTR_LIFETIME, 8 },
		{ STUN_ATTR_EVEN_PORT, 4 }, { STUN_ATTR_DONT_FRAGMENT, 4 },
		{ STUN_ATTR_REQUESTED_TRANSPORT, 1 }, { STUN_ATTR_USERHASH, 16 },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 32 }, { STUN_ATTR_FINGERPRINT, 8 },
		{ STUN_ATTR_ICMP, 4 }, { STUN_ATTR_ERROR_CODE, 2 },
		{ STUN_ATTR_RESPONSE_PORT, 2 }, { STUN_ATTR_CHANGE_REQUEST, 1 },
		{ STUN_ATTR_OTHER_ADDRESS, 4 },
	};
	uint8_t	 zero[64];
	size_t	 i;

	memset(zero, 0, sizeof(zero));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		begin();
		stun_build_attr(&b, bad[i].type, zero, bad[i].len);
		ck_assert_int_gt(stun_build_finish(&b), 0);
		ck_assert_int_eq(stun_msg_decode(&m, buf, b.len),
		    STUN_ERR_BAD_ATTR);
	}
}
END_TEST

START_TEST(attr_family_getter_refuses_unknown_family)
{
	uint8_t	 fam;

	begin();
	stun_build_family(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
	    STUN_AF_INET);
	end();
	buf[24] = 0x03;
	ck_assert_int_eq(stun_msg_get_family(&m,
	    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam), STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_password_algorithms_round_trip)
{
	static const uint16_t algs[] = { STUN_PWALG_SHA256, STUN_PWALG_MD5 };
	uint16_t	 out[4], alg;
	size_t		 n;
	uint8_t		 odd[12] = { 0x00, 0x09, 0x00, 0x03, 'x', 'y', 'z', 0,
			    0x00, 0x01, 0x00, 0x00 };

	begin();
	stun_build_pwalgs(&b, algs, 2);
	stun_build_pwalg(&b, STUN_PWALG_SHA256);
	end();
	ck_assert_int_eq(stun_msg_get_pwalgs(&m, out, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0], STUN_PWALG_SHA256);
	ck_assert_uint_eq(out[1], STUN_PWALG_MD5);
	ck_assert_int_eq(stun_msg_get_pwalg(&m, &alg), 0);
	ck_assert_uint_eq(alg, STUN_PWALG_SHA256);
	/* An algorithm with 3 parameter bytes, padded, then MD5. */
	begin();
	stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, odd, sizeof(odd));
	end();
	ck_assert_int_eq(stun_msg_get_pwalgs(&m, out, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0], 9);
	ck_assert_uint_eq(out[1], STUN_PWALG_MD5);
	/* Parameter length running past the value. */
	odd[3] = 0x20;
	begin();
	stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, odd, sizeof(odd));
	end();
	ck_assert_int_eq(stun_msg_get_pwalgs(&m, out, 4, &n),
	    STUN_ERR_BAD_ATTR);
}
END_TEST

START_TEST(attr_bytes_getter_points_into_message)
{
	const uint8_t	*p;
	size_t		 n;
	uint8_t		 hash[32];

	memset(hash, 0x5a, sizeof(hash));
	begin();
	stun_build_attr(&b, STUN_ATTR_USERHASH, hash, sizeof(hash));
	stun_build_attr(&b, STUN_ATTR_PADDING, NULL, 0);
	end();
	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_USERHASH, &p, &n), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_ptr_eq(p, buf + 24);
	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_PADDING, &p, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &p, &n),
	    STUN_ERR_NOT_FOUND);
}
END_TEST

START_TEST(attr_names_cover_the_table)
{
	ck_assert_str_eq(stun_attr_name(STUN_ATTR_XOR_MAPPED_ADDRESS),
	    "XOR-MAPPED-ADDRESS");
	ck_assert_str_eq(stun_attr_name(STUN_ATTR_MAPPED_ADDRESS),
	    "MAPPED-ADDRESS");
	ck_assert_str_eq(stun_attr_name(STUN_ATTR_OTHER_ADDRESS),
	    "OTHER-ADDRESS");
	ck_assert_str_eq(stun_attr_name(STUN_ATTR_ICMP), "ICMP");
	ck_assert_str_eq(stun_attr_name(0x0031),
	    "unknown (comprehension-required)");
	ck_assert_str_eq(stun_attr_name(0xc0de), "unknown");
}
END_TEST

Suite *
suite_attr(void)
{
	Suite	*s = suite_create("attr");
	TCase	*tc;

	tc = tcase_create("address");
	tcase_add_test(tc, attr_addresses_round_trip_v4_and_v6);
	tcase_add_test(tc, attr_xor_address_is_xored_on_the_wire);
	tcase_add_test(tc, attr_address_getter_refuses_bad_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, attr_integers_round_trip);
	tcase_add_test(tc, attr_strings_round_trip_and_check_utf8);
	tcase_add_test(tc, attr_string_parse_limit_is_763);
	tcase_add_test(tc, attr_error_code_round_trips);
	tcase_add_test(tc, attr_address_error_code_round_trips);
	tcase_add_test(tc, attr_unknown_list_round_trips);
	tcase_add_test(tc, attr_turn_values_round_trip);
	tcase_add_test(tc, attr_fixed_sizes_are_enforced_at_decode);
	tcase_add_test(tc, attr_family_getter_refuses_unknown_family);
	tcase_add_test(tc, attr_password_algorithms_round_trip);
	tcase_add_test(tc, attr_bytes_getter_points_into_message);
	tcase_add_test(tc, attr_names_cover_the_table);
	suite_add_tcase(s, tc);
	return (s);
}

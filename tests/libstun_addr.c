/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Address text forms, IPv4-in-IPv6 canonicalisation and range classes.
 */
#include <string.h>

#include <check.h>

#include <libstun/stun.h>

#include "suites.h"
#include "testutil.h"

START_TEST(addr_parse_and_format_round_trip)
{
	static const char *forms[] = { "192.0.2.1:3478", "0.0.0.0:0",
	    "255.255.255.255:65535", "[2001:db8::1]:3478", "[::]:0",
	    "[::1]:1", "[fe80::1:2]:9", "[2001:db8:0:1:1:1:1:1]:80",
	    "[1:2:3:4:5:6:7:8]:1", "[::ffff:192.0.2.1]:2" };
	struct stun_addr a;
	char		 out[64];
	size_t		 i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_msg(stun_addr_parse(forms[i], 0, &a) == 0, "%s",
		    forms[i]);
		ck_assert_int_eq(stun_addr_format(&a, out, sizeof(out)), 0);
		if (i == 9)
			ck_assert_str_eq(out, "[::ffff:c000:201]:2");
		else
			ck_assert_str_eq(out, forms[i]);
	}
	ck_assert_int_eq(stun_addr_format(&a, out, 4), STUN_ERR_NOSPACE);
}
END_TEST

START_TEST(addr_parse_defaults_port_and_rejects_junk)
{
	static const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1",
	    "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x", "[::1", "[::1]x",
	    "[::1]:99999", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "[]",
	    "1.2.3.04444", "a.b.c.d", "[12345::]", "::1:" };
	struct stun_addr a;
	size_t		 i;

	ck_assert_int_eq(stun_addr_parse("192.0.2.7", 3478, &a), 0);
	ck_assert_uint_eq(a.port, 3478);
	ck_assert_int_eq(stun_addr_parse("2001:db8::7", 3478, &a), 0);
	ck_assert_uint_eq(a.family, STUN_AF_INET6);
	ck_assert_uint_eq(a.port, 3478);
	ck_assert_uint_eq(a.ip[15], 7);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(stun_addr_parse(bad[i], 1, &a) ==
		    STUN_ERR_INVALID, "accepted '%s'", bad[i]);
	ck_assert_int_eq(stun_addr_parse(NULL, 1, &a), STUN_ERR_INVALID);
}
END_TEST

START_TEST(addr_canon_unwraps_ipv4_in_ipv6)
{
	static const char *v4[] = { "[::ffff:127.0.0.1]:1", "[::127.0.0.1]:1",
	    "[64:ff9b::7f00:1]:1", "[::ffff:7f00:1]:1" };
	struct stun_addr a, c;
	size_t		 i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		a = test_addr(v4[i]);
		stun_addr_canon(&a, &c);
		ck_assert_uint_eq(c.family, STUN_AF_INET);
		ck_assert_uint_eq(c.ip[0], 127);
		ck_assert_uint_eq(c.ip[3], 1);
		ck_assert_uint_eq(c.port, 1);
	}
	a = test_addr("[::1]:1");
	stun_addr_canon(&a, &c);
	ck_assert_uint_eq(c.family, STUN_AF_INET6);
}
END_TEST

START_TEST(addr_class_names_every_special_range)
{
	static const struct { const char *a; int cls; } t[] = {
		{ "127.0.0.1", STUN_ADDR_LOOPBACK },
		{ "127.255.255.254", STUN_ADDR_LOOPBACK },
		{ "0.0.0.0", STUN_ADDR_UNSPEC }, { "0.1.2.3", STUN_ADDR_UNSPEC },
		{ "10.1.2.3", STUN_ADDR_PRIVATE },
		{ "172.16.0.1", STUN_ADDR_PRIVATE },
		{ "172.31.255.255", STUN_ADDR_PRIVATE },
		{ "172.32.0.1", STUN_ADDR_PUBLIC },
		{ "192.168.1.1", STUN_ADDR_PRIVATE },
		{ "100.64.0.1", STUN_ADDR_CGNAT },
		{ "100.127.255.255", STUN_ADDR_CGNAT },
		{ "100.128.0.1", STUN_ADDR_PUBLIC },
		{ "169.254.1.1", STUN_ADDR_LINKLOCAL },
		{ "169.254.169.254", STUN_ADDR_METADATA },
		{ "224.0.0.1", STUN_ADDR_MULTICAST },
		{ "240.0.0.1", STUN_ADDR_RESERVED },
		{ "198.51.100.10", STUN_ADDR_PUBLIC },
		{ "::", STUN_ADDR_UNSPEC }, { "::1", STUN_ADDR_LOOPBACK },
		{ "::ffff:10.0.0.1", STUN_ADDR_PRIVATE },
		{ "::ffff:169.254.169.254", STUN_ADDR_METADATA },
		{ "::127.0.0.1", STUN_ADDR_LOOPBACK },
		{ "64:ff9b::a00:1", STUN_ADDR_PRIVATE },
		{ "fe80::1", STUN_ADDR_LINKLOCAL }, { "fd00::1", STUN_ADDR_PRIVATE },
		{ "ff02::1", STUN_ADDR_MULTICAST },
		{ "2001:db8::1", STUN_ADDR_PUBLIC },
	};
	struct stun_addr a;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(stun_addr_parse(t[i].a, 0, &a), 0);
		ck_assert_msg(stun_addr_class(&a) == t[i].cls, "%s: %s", t[i].a,
		    stun_addr_class_name(stun_addr_class(&a)));
	}
	ck_assert_str_eq(stun_addr_class_name(STUN_ADDR_CGNAT), "cgnat");
	ck_assert_str_eq(stun_addr_class_name(99), "unknown");
}
END_TEST

START_TEST(addr_equal_compares_family_port_and_address)
{
	struct stun_addr a = test_addr("192.0.2.1:1"), b2 = a;

	ck_assert(stun_addr_equal(&a, &b2));
	b2.port = 2;
	ck_assert(!stun_addr_equal(&a, &b2));
	b2 = test_addr("[::ffff:192.0.2.1]:1");
	ck_assert(!stun_addr_equal(&a, &b2));
}
END_TEST

Suite *
suite_addr(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("addr");

	tcase_add_test(tc, addr_parse_and_format_round_trip);
	tcase_add_test(tc, addr_parse_defaults_port_and_rejects_junk);
	tcase_add_test(tc, addr_canon_unwraps_ipv4_in_ipv6);
	tcase_add_test(tc, addr_class_names_every_special_range);
	tcase_add_test(tc, addr_equal_compares_family_port_and_address);
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_sockaddr: stun_addr_from_sockaddr() and stun_addr_to_sockaddr(),
 * the conversions between the socket API's addresses and struct stun_addr:
 * both families round trip byte for byte, short lengths and other families
 * are refused, and the output is cleared either way.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include <check.h>

#include <libstun/stun.h>

#include "suites.h"

START_TEST(sockaddr_ipv4_round_trips)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	 sin, back;
	struct stun_addr	 a, b;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(3478);
	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr), 1);
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin,
	    sizeof(sin), &a), 0);
	ck_assert_int_eq(stun_addr_parse("192.0.2.1:3478", 0, &b), 0);
	ck_assert(stun_addr_equal(&a, &b));
	ck_assert_int_eq(stun_addr_to_sockaddr(&a, &ss), (int)sizeof(sin));
	ck_assert_int_eq(ss.ss_family, AF_INET);
	memcpy(&back, &ss, sizeof(back));
	ck_assert_mem_eq(&back, &sin, sizeof(sin));
}
END_TEST

START_TEST(sockaddr_ipv6_round_trips)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	 sin6, back;
	struct stun_addr	 a, b;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(65535);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::7", &sin6.sin6_addr),
	    1);
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin6,
	    sizeof(sin6), &a), 0);
	ck_assert_int_eq(stun_addr_parse("[2001:db8::7]:65535", 0, &b), 0);
	ck_assert(stun_addr_equal(&a, &b));
	ck_assert_int_eq(stun_addr_to_sockaddr(&a, &ss), (int)sizeof(sin6));
	memcpy(&back, &ss, sizeof(back));
	ck_assert_mem_eq(&back, &sin6, sizeof(sin6));
	/* An IPv4-mapped address stays IPv6: canonicalising is separate. */
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.1",
	    &sin6.sin6_addr), 1);
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin6,
	    sizeof(sin6), &a), 0);
	ck_assert_uint_eq(a.family, STUN_AF_INET6);
}
END_TEST

START_TEST(sockaddr_refuses_short_lengths_and_other_families)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	struct sockaddr_un	 sun;
	struct stun_addr	 a;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memset(&a, 0xA5, sizeof(a));
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin,
	    sizeof(sin) - 1, &a), STUN_ERR_TRUNCATED);
	ck_assert_uint_eq(a.family, 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin6,
	    sizeof(sin), &a), STUN_ERR_TRUNCATED);
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sin6,
	    1, &a), STUN_ERR_TRUNCATED);
	ck_assert_int_eq(stun_addr_from_sockaddr(NULL, sizeof(sin), &a),
	    STUN_ERR_TRUNCATED);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_eq(stun_addr_from_sockaddr((struct sockaddr *)&sun,
	    sizeof(sun), &a), STUN_ERR_FAMILY);
	/* No family: nothing to send to, and an all-zero storage. */
	memset(&a, 0, sizeof(a));
	a.port = 9;
	memset(&ss, 0xA5, sizeof(ss));
	ck_assert_int_eq(stun_addr_to_sockaddr(&a, &ss), STUN_ERR_FAMILY);
	ck_assert_int_eq(ss.ss_family, 0);
}
END_TEST

Suite *
suite_sockaddr(void)
{
	Suite	*s = suite_create("sockaddr");
	TCase	*tc = tcase_create("sockaddr");

	tcase_add_test(tc, sockaddr_ipv4_round_trips);
	tcase_add_test(tc, sockaddr_ipv6_round_trips);
	tcase_add_test(tc, sockaddr_refuses_short_lengths_and_other_families);
	suite_add_tcase(s, tc);
	return (s);
}

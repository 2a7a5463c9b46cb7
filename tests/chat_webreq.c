/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_webreq: the checks of p2pchat's web front end (chat/webreq.c)
 * on crafted header values: where --web listens, which Host headers name
 * us and which a DNS rebinding could send, which Origins are the page's,
 * the token cookie among others, and the token compared whole.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "chat/web.h"
#include "chat_suites.h"

static struct stun_addr
addr(const char *s)
{
	struct stun_addr	a;

	ck_assert_int_eq(stun_addr_parse(s, 0, &a), 0);
	return (a);
}

static const struct {
	const char	*arg;
	const char	*want;	/* NULL: refused */
} listen_cases[] = {
	{ "8080", "127.0.0.1:8080" },
	{ "0", "127.0.0.1:0" },
	{ "localhost:80", "127.0.0.1:80" },
	{ "LocalHost:81", "127.0.0.1:81" },
	{ "127.0.0.2:1", "127.0.0.2:1" },
	{ "0.0.0.0:65535", "0.0.0.0:65535" },
	{ "[::1]:8080", "[::1]:8080" },
	{ "[::]:0", "[::]:0" },
	{ "", NULL },
	{ "nonsense", NULL },
	{ "65536", NULL },
	{ "-1", NULL },
	{ "8080 ", NULL },
	{ ":80", NULL },
	{ "1.2.3.4", NULL },
	{ "1.2.3.4:", NULL },
	{ "1.2.3.4:65536", NULL },
	{ "1.2.3.4:123456", NULL },
	{ "1.2.3.4.5:80", NULL },
	{ "127.0.0.1:80:80", NULL },
	{ "::1:80", NULL },
	{ "[::1]", NULL },
	{ "[::1:80", NULL },
	{ "example.org:80", NULL },
	{ "localhost.:80", NULL },
};

START_TEST(webreq_listen_forms)
{
	struct stun_addr	a;
	char			buf[64];
	int			rv;

	rv = web_listen_parse(listen_cases[_i].arg, &a);
	if (listen_cases[_i].want == NULL) {
		ck_assert_msg(rv == -1, "'%s' accepted", listen_cases[_i].arg);
		return;
	}
	ck_assert_msg(rv == 0, "'%s' refused", listen_cases[_i].arg);
	ck_assert_int_eq(stun_addr_format(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, listen_cases[_i].want);
}
END_TEST

START_TEST(webreq_listen_overlong)
{
	struct stun_addr	a;
	char			arg[300];

	memset(arg, '1', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	ck_assert_int_eq(web_listen_parse(arg, &a), -1);
}
END_TEST

static const struct {
	const char	*bound;
	const char	*host;
	int		 ok;
} host_cases[] = {
	{ "127.0.0.1:8080", "127.0.0.1:8080", 1 },
	{ "127.0.0.1:8080", "localhost:8080", 1 },
	{ "127.0.0.1:8080", "LOCALHOST:8080", 1 },
	{ "127.0.0.1:8080", "127.000.000.001:8080", 1 },
	{ "127.0.0.1:8080", "127.0.0.1:8081", 0 },
	{ "127.0.0.1:8080", "127.0.0.1", 0 },	/* port 80 */
	{ "127.0.0.1:8080", "127.0.0.2:8080", 0 },
	{ "127.0.0.1:8080", "[::1]:8080", 0 },
	{ "127.0.0.1:8080", "evil.example:8080", 0 },
	{ "127.0.0.1:8080", "evil.example", 0 },
	{ "127.0.0.1:8080", "localhost.:8080", 0 },
	{ "127.0.0.1:8080", "localhost.evil.example:8080", 0 },
	{ "127.0.0.1:8080", "127.0.0.1.evil.example:8080", 0 },
	{ "127.0.0.1:8080", "127.0.0.1:8080.evil.example", 0 },
	{ "127.0.0.1:8080", "127.0.0.1:8080:8080", 0 },
	{ "127.0.0.1:8080", "127.0.0.1:", 0 },
	{ "127.0.0.1:8080", ":8080", 0 },
	{ "127.0.0.1:8080", "", 0 },
	{ "127.0.0.1:8080", "[127.0.0.1]:8080", 0 },
	{ "127.0.0.1:80", "127.0.0.1", 1 },
	{ "127.0.0.1:80", "localhost", 1 },
	{ "0.0.0.0:8080", "192.0.2.1:8080", 1 },
	{ "0.0.0.0:8080", "localhost:8080", 1 },
	{ "0.0.0.0:8080", "evil.example:8080", 0 },
	{ "0.0.0.0:8080", "192.0.2.1:8081", 0 },
	{ "192.0.2.1:8080", "192.0.2.1:8080", 1 },
	{ "192.0.2.1:8080", "localhost:8080", 0 },
	{ "192.0.2.1:8080", "127.0.0.1:8080", 0 },
	{ "[::1]:8080", "[::1]:8080", 1 },
	{ "[::1]:8080", "[0:0::1]:8080", 1 },
	{ "[::1]:8080", "localhost:8080", 1 },
	{ "[::1]:8080", "127.0.0.1:8080", 0 },
	{ "[::1]:8080", "[::1:8080", 0 },
};

START_TEST(webreq_host_names_us)
{
	struct stun_addr	b = addr(host_cases[_i].bound);

	ck_assert_msg(web_host_ok(host_cases[_i].host, &b) ==
	    host_cases[_i].ok, "Host '%s' on %s: want %d",
	    host_cases[_i].host, host_cases[_i].bound, host_cases[_i].ok);
}
END_TEST

START_TEST(webreq_host_absent_or_overlong)
{
	struct stun_addr	b = addr("127.0.0.1:8080");
	char			h[600];

	ck_assert_int_eq(web_host_ok(NULL, &b), 0);
	memset(h, 'a', sizeof(h) - 1);
	h[sizeof(h) - 1] = '\0';
	memcpy(h + sizeof(h) - 6, ":8080", 5);
	ck_assert_int_eq(web_host_ok(h, &b), 0);
}
END_TEST

START_TEST(webreq_origin_is_the_page)
{
	const char	*host = "127.0.0.1:8080";

	ck_assert(web_origin_ok("http://127.0.0.1:8080", host));
	ck_assert(web_origin_ok("HTTP://127.0.0.1:8080", host));
	ck_assert(web_origin_ok("http://LOCALHOST:8080", "localhost:8080"));
	ck_assert(!web_origin_ok(NULL, host));
	ck_assert(!web_origin_ok("null", host));
	ck_assert(!web_origin_ok("", host));
	ck_assert(!web_origin_ok("http://", host));
	ck_assert(!web_origin_ok("https://127.0.0.1:8080", host));
	ck_assert(!web_origin_ok("http://127.0.0.1:8080/", host));
	ck_assert(!web_origin_ok("http://127.0.0.1:80", host));
	ck_assert(!web_origin_ok("http://127.0.0.1:80800", host));
	ck_assert(!web_origin_ok("http://evil.example", host));
	ck_assert(!web_origin_ok("http://localhost:8080", host));
	ck_assert(!web_origin_ok("http://127.0.0.1:8080", NULL));
}
END_TEST

START_TEST(webreq_cookie_among_others)
{
	const char	*n = "p2pchat_8080";
	char		 v[33];

	ck_assert_int_eq(web_cookie_get("p2pchat_8080=abc", n, v, sizeof(v)),
	    0);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(web_cookie_get("a=b; p2pchat_8080=tok ; c=d", n, v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "tok");
	ck_assert_int_eq(web_cookie_get("p2pchat_80800=x;p2pchat_8080=y", n,
	    v, sizeof(v)), 0);
	ck_assert_str_eq(v, "y");
	ck_assert_int_eq(web_cookie_get("p2pchat_8080=one; p2pchat_8080=two",
	    n, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "one");
	ck_assert_int_eq(web_cookie_get("p2pchat_8080=", n, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "");
	/* Absent, or only a name that starts or ends the same. */
	ck_assert_int_eq(web_cookie_get(NULL, n, v, sizeof(v)), -1);
	ck_assert_int_eq(web_cookie_get("", n, v, sizeof(v)), -1);
	ck_assert_int_eq(web_cookie_get("; ;", n, v, sizeof(v)), -1);
	ck_assert_int_eq(web_cookie_get("p2pchat_8080", n, v, sizeof(v)), -1);
	ck_assert_int_eq(web_cookie_get("xp2pchat_8080=a", n, v, sizeof(v)),
	    -1);
	ck_assert_int_eq(web_cookie_get("p2pchat_808=a", n, v, sizeof(v)),
	    -1);
	/* A value longer than the room for it is no value. */
	ck_assert_int_eq(web_cookie_get("p2pchat_8080="
	    "0123456789abcdef0123456789abcdef0", n, v, sizeof(v)), -1);
	ck_assert_int_eq(web_cookie_get("p2pchat_8080="
	    "0123456789abcdef0123456789abcdef", n, v, sizeof(v)), 0);
}
END_TEST

START_TEST(webreq_token_whole)
{
	const char	*t = "0123456789abcdef0123456789abcdef";

	ck_assert(web_token_eq("0123456789abcdef0123456789abcdef", t));
	ck_assert(!web_token_eq(NULL, t));
	ck_assert(!web_token_eq("", t));
	ck_assert(!web_token_eq("0123456789abcdef0123456789abcde", t));
	ck_assert(!web_token_eq("0123456789abcdef0123456789abcdef0", t));
	ck_assert(!web_token_eq("1123456789abcdef0123456789abcdef", t));
	ck_assert(!web_token_eq("0123456789ABCDEF0123456789abcdef", t));
}
END_TEST

Suite *
suite_chat_webreq(void)
{
	Suite	*s = suite_create("chat_webreq");
	TCase	*tc = tcase_create("webreq");

	tcase_add_loop_test(tc, webreq_listen_forms, 0,
	    sizeof(listen_cases) / sizeof(listen_cases[0]));
	tcase_add_test(tc, webreq_listen_overlong);
	tcase_add_loop_test(tc, webreq_host_names_us, 0,
	    sizeof(host_cases) / sizeof(host_cases[0]));
	tcase_add_test(tc, webreq_host_absent_or_overlong);
	tcase_add_test(tc, webreq_origin_is_the_page);
	tcase_add_test(tc, webreq_cookie_among_others);
	tcase_add_test(tc, webreq_token_whole);
	suite_add_tcase(s, tc);
	return (s);
}

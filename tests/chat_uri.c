/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_uri: the --relay URIs p2pchat takes (chat/hostaddr.c), as
 * WebRTC writes them with the credential before the host: turn: and
 * turns:, ?transport=udp|tcp, the default ports, a password holding ':'
 * and '@', and the forms refused; and the --server name an address came
 * from, which a TLS certificate must carry.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/turn.h"
#include "chat/p2pchat.h"
#include "chat_suites.h"

struct uri_case {
	const char	*arg;
	int		 rv, tls, transport;
	const char	*user, *pass, *host;
	uint16_t	 port;
};

static const struct uri_case uri_cases[] = {
	{ "turn:alice:pw@127.0.0.1", 0, 0, 0, "alice", "pw", "127.0.0.1",
	    3478 },
	{ "turn:alice:p:w@x@127.0.0.1:5000?transport=tcp", 0, 0, 2,
	    "alice", "p:w@x", "127.0.0.1", 5000 },
	{ "turn:a:b@127.0.0.1?transport=udp", 0, 0, 1, "a", "b",
	    "127.0.0.1", 3478 },
	{ "turns:a:b@127.0.0.1", 0, 1, 0, "a", "b", "127.0.0.1", 5349 },
	{ "turns:a:b@[::1]:443?transport=tcp", 0, 1, 2, "a", "b", "::1",
	    443 },
	{ "turns:a:b@127.0.0.1?transport=udp", -1, 0, 0, NULL, NULL, NULL,
	    0 },
	{ "turn:a:b@127.0.0.1?transport=sctp", -1, 0, 0, NULL, NULL, NULL,
	    0 },
	{ "turn:a:b@127.0.0.1?", -1, 0, 0, NULL, NULL, NULL, 0 },
	{ "turn:a:b@?transport=tcp", -1, 0, 0, NULL, NULL, NULL, 0 },
	{ "turn:a:b@", -1, 0, 0, NULL, NULL, NULL, 0 },
	{ "turn::b@127.0.0.1", -1, 0, 0, NULL, NULL, NULL, 0 },
	{ "stun:a:b@127.0.0.1", -1, 0, 0, NULL, NULL, NULL, 0 },
	{ "turn:ab@127.0.0.1", -1, 0, 0, NULL, NULL, NULL, 0 },
};

START_TEST(uri_forms)
{
	const struct uri_case	*c = &uri_cases[_i];
	struct stun_turn_config	 tc;
	char			 host[256], err[128];
	int			 rv, tls = -1, transport = -1;

	rv = chat_relay_uri(c->arg, &tc, &tls, &transport, host,
	    sizeof(host), err, sizeof(err));
	ck_assert_msg(rv == c->rv, "%s: %d", c->arg, rv);
	if (c->rv != 0)
		return;
	ck_assert_int_eq(tls, c->tls);
	ck_assert_int_eq(transport, c->transport);
	ck_assert_str_eq(tc.username, c->user);
	ck_assert_str_eq(tc.password, c->pass);
	ck_assert_str_eq(host, c->host);
	ck_assert_uint_eq(tc.server.port, c->port);
}
END_TEST

/* The old entry point takes the same forms. */
START_TEST(uri_old_entry)
{
	struct stun_turn_config	tc;
	char			err[128];

	ck_assert_int_eq(chat_relay_arg("turns:a:b@127.0.0.1:443", &tc, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(tc.server.port, 443);
	ck_assert_int_eq(chat_relay_arg("turn:a:b", &tc, err, sizeof(err)),
	    -1);
}
END_TEST

START_TEST(uri_server_host)
{
	struct stun_addr	a;
	char			host[256];

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(stun_addr_parse("127.0.0.2:3478", 0, &a), 0);
	ck_assert_int_eq(chat_server_host("127.0.0.1,127.0.0.2:3478", &a,
	    host, sizeof(host)), 0);
	ck_assert_str_eq(host, "127.0.0.2");
	ck_assert_int_eq(chat_server_host("127.0.0.1", &a, host,
	    sizeof(host)), -1);
}
END_TEST

Suite *
suite_chat_uri(void)
{
	Suite	*s = suite_create("chat_uri");
	TCase	*tc = tcase_create("uri");

	tcase_add_loop_test(tc, uri_forms, 0,
	    (int)(sizeof(uri_cases) / sizeof(uri_cases[0])));
	tcase_add_test(tc, uri_old_entry);
	tcase_add_test(tc, uri_server_host);
	suite_add_tcase(s, tc);
	return (s);
}

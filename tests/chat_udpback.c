/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_udpback: when p2pchat, on a stream to its server, asks over
 * UDP again (chat/udpback.h), on a fake clock: nothing before the first
 * wait, then waits that double up to CHAT_UDPB_MAX; a stream carrying a
 * busy relay probes nothing but keeps the schedule; only the success
 * answer to the last probe counts (another transaction, an error, a
 * request, a truncated or foreign datagram do not); a return to UDP that
 * did not hold goes on from the wait reached, one that held starts over.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "chat/udpback.h"
#include "chat_suites.h"

/* Transaction ids 1, 2, 3...: each probe's own. */
static int
counter_rnd(void *arg, uint8_t *buf, size_t len)
{
	unsigned	*n = arg;

	memset(buf, 0, len);
	buf[0] = (uint8_t)++*n;
	return (0);
}

/* A Binding answer of class cls for tid, into buf: its length. */
static size_t
answer(uint8_t *buf, size_t cap, uint8_t cls, const uint8_t *tid)
{
	struct stun_builder	b;
	struct stun_addr	a;
	int			n;

	memset(&a, 0, sizeof(a));
	a.family = STUN_AF_INET;
	a.ip[0] = 203;
	a.ip[2] = 113;
	a.ip[3] = 9;
	a.port = 40000;
	stun_build_init(&b, buf, cap, STUN_METHOD_BINDING, cls, tid);
	if (cls == STUN_CLASS_SUCCESS)
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
	else if (cls == STUN_CLASS_ERROR)
		stun_build_error(&b, 400, "Bad Request");
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return ((size_t)n);
}

START_TEST(test_schedule)
{
	struct chat_udpb	u;
	uint8_t			buf[64];
	uint64_t		now = 5000, at;
	unsigned		r = 0, i;

	chat_udpb_init(&u, 0);
	/* Not armed: never a probe. */
	ck_assert_int_eq(chat_udpb_probe(&u, now + 10000000, 0, counter_rnd,
	    &r, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(chat_udpb_wake(&u), 0);
	chat_udpb_arm(&u, now);
	ck_assert_uint_eq(chat_udpb_wake(&u), now + CHAT_UDPB_FIRST);
	ck_assert_int_eq(chat_udpb_probe(&u, now + CHAT_UDPB_FIRST - 1, 0,
	    counter_rnd, &r, buf, sizeof(buf)), 0);
	at = now + CHAT_UDPB_FIRST;
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(chat_udpb_probe(&u, at, 0, counter_rnd, &r,
		    buf, sizeof(buf)), CHAT_UDPB_MSG);
		/* A bare Binding request with the probe's id. */
		ck_assert_uint_eq(buf[0], 0);
		ck_assert_uint_eq(buf[1], 1);
		ck_assert_uint_eq(buf[8], i + 1);
		/* Once per wait only. */
		ck_assert_int_eq(chat_udpb_probe(&u, at, 0, counter_rnd, &r,
		    buf, sizeof(buf)), 0);
		at = chat_udpb_wake(&u);
	}
	ck_assert_uint_eq(u.probes, 8);
	/* 30, 60, 120, 240 s, then the cap. */
	ck_assert_uint_eq(u.wait, CHAT_UDPB_MAX);
	ck_assert_int_eq(chat_udpb_probe(&u, at, 0, counter_rnd, &r, buf,
	    sizeof(buf)), CHAT_UDPB_MSG);
	ck_assert_uint_eq(chat_udpb_wake(&u), at + CHAT_UDPB_MAX);
	/* Stopped (the stream lost): no more. */
	chat_udpb_stop(&u);
	ck_assert_uint_eq(chat_udpb_wake(&u), 0);
	ck_assert_int_eq(chat_udpb_probe(&u, at + 10000000, 0, counter_rnd,
	    &r, buf, sizeof(buf)), 0);
	/* Too small a buffer: an error, and the wait goes on all the same. */
	chat_udpb_init(&u, 100);
	chat_udpb_arm(&u, 0);
	ck_assert_int_lt(chat_udpb_probe(&u, 100, 0, counter_rnd, &r, buf,
	    10), 0);
	ck_assert_uint_eq(chat_udpb_wake(&u), 200);
}
END_TEST

START_TEST(test_held)
{
	struct chat_udpb	u;
	uint8_t			buf[64], ans[64];
	unsigned		r = 0;
	size_t			n;

	chat_udpb_init(&u, 1000);
	chat_udpb_arm(&u, 0);
	/* A relayed path rides the stream: no probe, the next wait. */
	ck_assert_int_eq(chat_udpb_probe(&u, 1000, 1, counter_rnd, &r, buf,
	    sizeof(buf)), 0);
	ck_assert_uint_eq(u.probes, 0);
	ck_assert_uint_eq(chat_udpb_wake(&u), 2000);
	/* Nothing asked: an answer to an old id does not count. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	n = answer(ans, sizeof(ans), STUN_CLASS_SUCCESS, buf);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1500), 0);
	ck_assert_int_eq(chat_udpb_probe(&u, 2000, 0, counter_rnd, &r, buf,
	    sizeof(buf)), CHAT_UDPB_MSG);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 2001), 1);
}
END_TEST

START_TEST(test_answers)
{
	struct chat_udpb	u;
	uint8_t			req[64], ans[64], tid[STUN_TID_LEN];
	unsigned		r = 0;
	size_t			n;

	chat_udpb_init(&u, 1000);
	chat_udpb_arm(&u, 0);
	ck_assert_int_eq(chat_udpb_probe(&u, 1000, 0, counter_rnd, &r, req,
	    sizeof(req)), CHAT_UDPB_MSG);
	memcpy(tid, req + 8, sizeof(tid));
	/* Another transaction. */
	tid[5] ^= 1;
	n = answer(ans, sizeof(ans), STUN_CLASS_SUCCESS, tid);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1001), 0);
	tid[5] ^= 1;
	/* An error answer, a request, a truncated answer, not STUN. */
	n = answer(ans, sizeof(ans), STUN_CLASS_ERROR, tid);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1001), 0);
	ck_assert_int_eq(chat_udpb_input(&u, req, CHAT_UDPB_MSG, 1001), 0);
	n = answer(ans, sizeof(ans), STUN_CLASS_SUCCESS, tid);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n - 4, 1001), 0);
	ck_assert_int_eq(chat_udpb_input(&u, ans, 10, 1001), 0);
	ck_assert_int_eq(chat_udpb_input(&u, (const uint8_t *)"\x40\x00"
	    "\x00\x04" "abcd", 8, 1001), 0);
	ck_assert_uint_eq(u.returns, 0);
	/* The answer: back to UDP, probing over. */
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1002), 1);
	ck_assert_uint_eq(u.returns, 1);
	ck_assert_uint_eq(chat_udpb_wake(&u), 0);
	/* Twice: once only. */
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1003), 0);
	/* A second probe: the first one's answer no longer counts. */
	chat_udpb_arm(&u, 2000);
	ck_assert_int_eq(chat_udpb_probe(&u, chat_udpb_wake(&u), 0,
	    counter_rnd, &r, req, sizeof(req)), CHAT_UDPB_MSG);
	ck_assert_int_eq(chat_udpb_probe(&u, chat_udpb_wake(&u), 0,
	    counter_rnd, &r, req, sizeof(req)), CHAT_UDPB_MSG);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 1004), 0);
}
END_TEST

START_TEST(test_flap)
{
	struct chat_udpb	u;
	uint8_t			req[64], ans[64];
	unsigned		r = 0;
	uint64_t		t;
	size_t			n;

	chat_udpb_init(&u, 1000);
	chat_udpb_arm(&u, 0);
	/* Two unanswered probes, the third answered: the wait is 8 s. */
	ck_assert_int_eq(chat_udpb_probe(&u, 1000, 0, counter_rnd, &r, req,
	    sizeof(req)), CHAT_UDPB_MSG);
	ck_assert_int_eq(chat_udpb_probe(&u, 3000, 0, counter_rnd, &r, req,
	    sizeof(req)), CHAT_UDPB_MSG);
	ck_assert_int_eq(chat_udpb_probe(&u, 7000, 0, counter_rnd, &r, req,
	    sizeof(req)), CHAT_UDPB_MSG);
	n = answer(ans, sizeof(ans), STUN_CLASS_SUCCESS, req + 8);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, 7001), 1);
	/* UDP failed again soon: the next probe after 8 s, not 1 s. */
	t = 7001 + CHAT_UDPB_HOLD - 1;
	chat_udpb_arm(&u, t);
	ck_assert_uint_eq(chat_udpb_wake(&u), t + 8000);
	/* Back again, and it held: from the first wait. */
	ck_assert_int_eq(chat_udpb_probe(&u, t + 8000, 0, counter_rnd, &r,
	    req, sizeof(req)), CHAT_UDPB_MSG);
	n = answer(ans, sizeof(ans), STUN_CLASS_SUCCESS, req + 8);
	ck_assert_int_eq(chat_udpb_input(&u, ans, n, t + 8000), 1);
	t += 8000 + CHAT_UDPB_HOLD;
	chat_udpb_arm(&u, t);
	ck_assert_uint_eq(chat_udpb_wake(&u), t + 1000);
}
END_TEST

Suite *
suite_chat_udpback(void)
{
	Suite	*s = suite_create("chat_udpback");
	TCase	*tc = tcase_create("udpback");

	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_held);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_flap);
	suite_add_tcase(s, tc);
	return (s);
}

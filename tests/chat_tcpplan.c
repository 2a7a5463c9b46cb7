/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_tcpplan: the I/O-free half of TCP hole punching
 * (chat/tcpplan.h) on a fake clock: connects start at the go, a refused
 * one is tried again after CHAT_TCPP_RETRY and none after the window, a
 * connect that takes too long is overdue, a stream up (or accepted)
 * stops the attempts, a new go after the window starts over, a peer that
 * left is forgotten; the priorities rank TCP between UDP and the relay;
 * datagrams go in and out of frames, and what is not a frame of ours is
 * refused.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/punch.h"
#include "chat/tcpplan.h"
#include "chat_suites.h"

static struct stun_addr
addr(uint8_t d, uint16_t port)
{
	struct stun_addr	a;

	memset(&a, 0, sizeof(a));
	a.family = STUN_AF_INET;
	a.ip[0] = 203;
	a.ip[1] = 0;
	a.ip[2] = 113;
	a.ip[3] = d;
	a.port = port;
	return (a);
}

START_TEST(test_go_retry_window)
{
	struct chat_tcpp	p;
	struct stun_addr	a = addr(3, 40000), to;
	uint64_t		now = 1000, wake;
	unsigned		n = 0;

	chat_tcpp_init(&p);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 0);
	ck_assert_uint_eq(wake, 0);
	ck_assert_int_eq(chat_tcpp_go(&p, 7, &a, now), 0);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 1);
	ck_assert(stun_addr_equal(&to, &a));
	/* In progress: nothing more to start, wake at its deadline. */
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 0);
	ck_assert_uint_eq(wake, now + CHAT_TCPP_SYN_WAIT);
	ck_assert_int_eq(chat_tcpp_overdue(&p, &a, now + 10), 0);
	/* Refused: again after the retry interval, not before. */
	chat_tcpp_result(&p, &a, 0, now + 10);
	ck_assert_int_eq(chat_tcpp_next(&p, now + 11, &to, &wake), 0);
	ck_assert_uint_eq(wake, now + 10 + CHAT_TCPP_RETRY);
	ck_assert_int_eq(chat_tcpp_next(&p, wake, &to, &wake), 1);
	/* Refused every time: attempts stop within the window. */
	now += 10 + CHAT_TCPP_RETRY;
	while (now < 1000 + 2 * CHAT_TCPP_WINDOW) {
		chat_tcpp_result(&p, &a, 0, now);
		if (chat_tcpp_next(&p, now + CHAT_TCPP_RETRY, &to, &wake))
			n++;
		now += CHAT_TCPP_RETRY;
	}
	ck_assert_uint_le(n, CHAT_TCPP_WINDOW / CHAT_TCPP_RETRY);
	ck_assert_uint_ge(n, CHAT_TCPP_WINDOW / CHAT_TCPP_RETRY - 3);
	ck_assert_int_eq(p.t[0].state, CHAT_TCPP_T_OVER);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 0);
	ck_assert_uint_eq(wake, 0);
	/* A later go (punching again) starts over. */
	ck_assert_int_eq(chat_tcpp_go(&p, 7, &a, now), 0);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 1);
}
END_TEST

START_TEST(test_overdue_up_forget)
{
	struct chat_tcpp	p;
	struct stun_addr	a = addr(3, 40000), b = addr(2, 41000), to;
	uint64_t		now = 5000, wake;

	chat_tcpp_init(&p);
	ck_assert_int_eq(chat_tcpp_go(&p, 7, &a, now), 0);
	ck_assert_int_eq(chat_tcpp_go(&p, 8, &b, now), 0);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 1);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 1);
	ck_assert_int_eq(chat_tcpp_next(&p, now, &to, &wake), 0);
	/* No SYN-ACK in time: overdue. */
	ck_assert_int_eq(chat_tcpp_overdue(&p, &a,
	    now + CHAT_TCPP_SYN_WAIT - 1), 0);
	ck_assert_int_eq(chat_tcpp_overdue(&p, &a, now + CHAT_TCPP_SYN_WAIT),
	    1);
	/* b accepted from the listener: up, no connect, not overdue. */
	chat_tcpp_result(&p, &b, 1, now + 5);
	ck_assert_int_eq(chat_tcpp_overdue(&p, &b, now + 9999), 0);
	chat_tcpp_result(&p, &a, 0, now + CHAT_TCPP_SYN_WAIT);
	ck_assert_int_eq(chat_tcpp_next(&p, now + CHAT_TCPP_SYN_WAIT +
	    CHAT_TCPP_RETRY, &to, &wake), 1);
	ck_assert(stun_addr_equal(&to, &a));
	/* A go while up leaves the stream alone. */
	ck_assert_int_eq(chat_tcpp_go(&p, 8, &b, now + 100), 0);
	ck_assert_int_eq(chat_tcpp_next(&p, now + 100, &to, &wake), 0);
	/* The peer left: its targets go, an unknown result is ignored. */
	chat_tcpp_forget(&p, 7);
	ck_assert_uint_eq(p.n, 1);
	ck_assert(stun_addr_equal(&p.t[0].addr, &b));
	chat_tcpp_result(&p, &a, 1, now);
	ck_assert_uint_eq(p.n, 1);
}
END_TEST

START_TEST(test_full)
{
	struct chat_tcpp	p;
	struct stun_addr	a;
	unsigned		i;

	chat_tcpp_init(&p);
	for (i = 0; i < CHAT_TCPP_MAX; i++) {
		a = addr(3, (uint16_t)(1000 + i));
		ck_assert_int_eq(chat_tcpp_go(&p, 1, &a, 0), 0);
	}
	a = addr(3, 999);
	ck_assert_int_eq(chat_tcpp_go(&p, 1, &a, 0), STUN_ERR_NOSPACE);
	/* The same target again is no new one. */
	a = addr(3, 1000);
	ck_assert_int_eq(chat_tcpp_go(&p, 1, &a, 0), 0);
}
END_TEST

START_TEST(test_priority)
{
	uint32_t	tcp = chat_tcpp_priority(0);

	ck_assert(chat_tcpp_is_tcp(tcp));
	ck_assert(chat_tcpp_is_tcp(chat_tcpp_priority(7)));
	ck_assert(chat_tcpp_priority(1) < tcp);
	/* Direct UDP first, then TCP, then the relay. */
	ck_assert(tcp < stun_punch_priority(STUN_CAND_SRFLX, 0));
	ck_assert(tcp < stun_punch_priority(STUN_CAND_PRFLX, 0));
	ck_assert(tcp > stun_punch_priority(STUN_CAND_RELAY, 65535));
	ck_assert(!chat_tcpp_is_tcp(stun_punch_priority(STUN_CAND_SRFLX,
	    65535)));
	ck_assert(!chat_tcpp_is_tcp(stun_punch_priority(STUN_CAND_RELAY,
	    65535)));
}
END_TEST

START_TEST(test_frames)
{
	uint8_t			 dg[1300], out[1400];
	const uint8_t		*d;
	size_t			 dlen;
	struct stun_stream	 s;
	uint8_t			 sbuf[4096];
	const uint8_t		*frame;
	int			 n, m;

	memset(dg, 0xd1, sizeof(dg));
	dg[1] = 0x42;
	n = chat_tcpp_frame(out, sizeof(out), dg, 1201);
	ck_assert_int_eq(n, 4 + 1204);
	ck_assert_int_eq(out[0], 0x40);
	ck_assert_int_eq(out[1], 0x00);
	ck_assert_int_eq((out[2] << 8) | out[3], 1201);
	ck_assert_int_eq(out[4 + 1201], 0);
	/* Through libstun's stream reader, split in two, and back. */
	stun_stream_init(&s, sbuf, sizeof(sbuf));
	ck_assert_uint_eq(stun_stream_push(&s, out, 100), 100);
	ck_assert_int_eq(stun_stream_pull(&s, &frame, NULL),
	    STUN_ERR_NEED_MORE);
	ck_assert_uint_eq(stun_stream_push(&s, out + 100, (size_t)n - 100),
	    (size_t)n - 100);
	m = stun_stream_pull(&s, &frame, NULL);
	ck_assert_int_eq(m, n);
	ck_assert_int_eq(chat_tcpp_unframe(frame, (size_t)m, &d, &dlen), 0);
	ck_assert_uint_eq(dlen, 1201);
	ck_assert_mem_eq(d, dg, 1201);
	/* A STUN check travels framed too: one rule for every datagram. */
	dg[0] = 0x00;
	dg[1] = 0x01;
	ck_assert_int_gt(chat_tcpp_frame(out, sizeof(out), dg, 20), 0);
	ck_assert_int_eq(out[0], 0x40);
	/* Too big, empty, no room. */
	ck_assert_int_eq(chat_tcpp_frame(out, sizeof(out), dg, 0),
	    STUN_ERR_TOO_BIG);
	ck_assert_int_eq(chat_tcpp_frame(out, sizeof(out), dg,
	    CHAT_TCPP_DGRAM_MAX + 1), STUN_ERR_TOO_BIG);
	ck_assert_int_lt(chat_tcpp_frame(out, 10, dg, 20), 0);
}
END_TEST

START_TEST(test_unframe_refused)
{
	uint8_t		 f[64];
	const uint8_t	*d;
	size_t		 dlen;

	memset(f, 0, sizeof(f));
	/* Another channel. */
	f[0] = 0x40;
	f[1] = 0x01;
	f[3] = 4;
	ck_assert_int_ne(chat_tcpp_unframe(f, 8, &d, &dlen), 0);
	ck_assert_ptr_null(d);
	/* Empty. */
	f[1] = 0x00;
	f[3] = 0;
	ck_assert_int_ne(chat_tcpp_unframe(f, 4, &d, &dlen), 0);
	/* Shorter than its length says. */
	f[3] = 40;
	ck_assert_int_ne(chat_tcpp_unframe(f, 20, &d, &dlen), 0);
	/* A STUN message, not a frame of ours. */
	f[0] = 0x00;
	f[1] = 0x01;
	f[3] = 0;
	ck_assert_int_ne(chat_tcpp_unframe(f, 20, &d, &dlen), 0);
	ck_assert_uint_eq(dlen, 0);
	/* Truncated header. */
	ck_assert_int_ne(chat_tcpp_unframe(f, 3, &d, &dlen), 0);
}
END_TEST

Suite *
suite_chat_tcpplan(void)
{
	Suite	*s = suite_create("chat_tcpplan");
	TCase	*tc = tcase_create("tcpplan");

	tcase_add_test(tc, test_go_retry_window);
	tcase_add_test(tc, test_overdue_up_forget);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_unframe_refused);
	suite_add_tcase(s, tc);
	return (s);
}

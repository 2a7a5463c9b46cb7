/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_txn: the client transaction machine driven by a fake clock (the
 * exact RFC 8489 6.2.1 schedule, Ti over reliable transports, which
 * responses end a transaction, Karn's rule) and the RTO cache.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "suites.h"

static const uint8_t tid_a[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae
};

/* A decoded message as stun_msg_decode() would leave it. */
static void
fake_msg(struct stun_msg *m, uint8_t cls, const uint8_t *tid)
{
	memset(m, 0, sizeof(*m));
	m->hdr_ok = 1;
	m->method = STUN_METHOD_BINDING;
	m->cls = cls;
	m->type = stun_msg_type(STUN_METHOD_BINDING, cls);
	m->cookie = STUN_MAGIC_COOKIE;
	memcpy(m->tid, tid, STUN_TID_LEN);
	m->mi = m->mi256 = m->fp = -1;
}

/*
 * Run t on a fake clock that jumps to each wake-up and record the times of
 * every send (the first at start) and of the timeout.  Returns the sends.
 */
static unsigned
run_clock(struct stun_txn *t, uint64_t start, uint64_t *sends, unsigned cap,
    uint64_t *timeout)
{
	uint64_t	now = start, wake;
	unsigned	n = 0, steps;
	int		r;

	sends[n++] = start;
	*timeout = 0;
	for (steps = 0; steps < 1000; steps++) {
		wake = stun_txn_next(t);
		ck_assert_uint_gt(wake, now);
		/* One millisecond early is too early. */
		ck_assert_int_eq(stun_txn_timer(t, wake - 1), STUN_TXN_WAIT);
		ck_assert_uint_eq(stun_txn_next(t), wake);
		now = wake;
		r = stun_txn_timer(t, now);
		if (r == STUN_TXN_TIMEOUT) {
			*timeout = now;
			break;
		}
		ck_assert_int_eq(r, STUN_TXN_SEND);
		ck_assert_uint_lt(n, cap);
		sends[n++] = now;
	}
	ck_assert_uint_ne(*timeout, 0);
	return (n);
}

START_TEST(txn_default_schedule_is_rfc8489)
{
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 15500,
	    31500 };
	struct stun_txn	t;
	uint64_t	sends[16], timeout, base = 1000000;
	unsigned	i, n;

	ck_assert_int_eq(stun_txn_start(&t, NULL, tid_a, base), STUN_TXN_SEND);
	n = run_clock(&t, base, sends, 16, &timeout);
	ck_assert_uint_eq(n, 7);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(sends[i] - base, want[i]);
	ck_assert_uint_eq(timeout - base, 39500);
	ck_assert_uint_eq(t.sent, 7);
	ck_assert_int_eq(t.state, STUN_TXN_TIMEOUT);
	ck_assert_uint_eq(stun_txn_next(&t), 0);
	/* Finished: the timer keeps saying so, input is ignored. */
	ck_assert_int_eq(stun_txn_timer(&t, timeout + 100000),
	    STUN_TXN_TIMEOUT);
}
END_TEST

START_TEST(txn_custom_params_schedule)
{
	struct stun_txn_params p;
	struct stun_txn	t;
	uint64_t	sends[16], timeout;
	unsigned	n;

	memset(&p, 0, sizeof(p));
	p.rto = 100;
	p.rc = 3;
	p.rm = 4;
	ck_assert_int_eq(stun_txn_start(&t, &p, tid_a, 0), STUN_TXN_SEND);
	n = run_clock(&t, 0, sends, 16, &timeout);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(sends[1], 100);
	ck_assert_uint_eq(sends[2], 300);
	/* Rm * RTO after the last send, with the initial RTO. */
	ck_assert_uint_eq(timeout, 700);
}
END_TEST

START_TEST(txn_single_send_waits_rm_rto)
{
	struct stun_txn_params p;
	struct stun_txn	t;
	uint64_t	sends[4], timeout;

	memset(&p, 0, sizeof(p));
	p.rto = 250;
	p.rc = 1;
	ck_assert_int_eq(stun_txn_start(&t, &p, tid_a, 10), STUN_TXN_SEND);
	ck_assert_uint_eq(run_clock(&t, 10, sends, 4, &timeout), 1);
	ck_assert_uint_eq(timeout, 10 + 16 * 250);
}
END_TEST

START_TEST(txn_late_timer_counts_from_actual_send)
{
	struct stun_txn	t;

	stun_txn_start(&t, NULL, tid_a, 0);
	/* The timer fires 200 ms late: the next interval starts then. */
	ck_assert_int_eq(stun_txn_timer(&t, 700), STUN_TXN_SEND);
	ck_assert_uint_eq(stun_txn_next(&t), 700 + 1000);
	ck_assert_uint_eq(t.last_send, 700);
}
END_TEST

START_TEST(txn_reliable_sends_once_and_waits_ti)
{
	struct stun_txn_params p;
	struct stun_txn	t;
	uint64_t	sends[4], timeout;

	memset(&p, 0, sizeof(p));
	p.reliable = 1;
	ck_assert_int_eq(stun_txn_start(&t, &p, tid_a, 5), STUN_TXN_SEND);
	ck_assert_uint_eq(stun_txn_next(&t), 5 + STUN_TI_DEFAULT);
	ck_assert_uint_eq(run_clock(&t, 5, sends, 4, &timeout), 1);
	ck_assert_uint_eq(timeout, 5 + 39500);

	p.ti = 1234;
	stun_txn_start(&t, &p, tid_a, 0);
	ck_assert_uint_eq(run_clock(&t, 0, sends, 4, &timeout), 1);
	ck_assert_uint_eq(timeout, 1234);
}
END_TEST

START_TEST(txn_success_response_with_tid_ends_it)
{
	struct stun_txn	t;
	struct stun_msg	m;

	stun_txn_start(&t, NULL, tid_a, 100);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 142), STUN_TXN_DONE);
	ck_assert_int_eq(t.state, STUN_TXN_DONE);
	ck_assert_uint_eq(t.rtt, 42);
	ck_assert_uint_eq(stun_txn_next(&t), 0);
	/* A duplicate response and later timers change nothing. */
	ck_assert_int_eq(stun_txn_input(&t, &m, 150), STUN_TXN_WAIT);
	ck_assert_int_eq(stun_txn_timer(&t, 100000), STUN_TXN_WAIT);
	ck_assert_int_eq(t.state, STUN_TXN_DONE);
	ck_assert_uint_eq(t.rtt, 42);
}
END_TEST

START_TEST(txn_error_response_ends_it)
{
	struct stun_txn	t;
	struct stun_msg	m;

	stun_txn_start(&t, NULL, tid_a, 0);
	fake_msg(&m, STUN_CLASS_ERROR, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 10), STUN_TXN_DONE);
}
END_TEST

START_TEST(txn_ignores_other_tid_class_and_bad_header)
{
	struct stun_txn	t;
	struct stun_msg	m;
	uint8_t		tid[STUN_TID_LEN];
	unsigned	i;

	stun_txn_start(&t, NULL, tid_a, 0);
	/* Each byte of the transaction id matters. */
	for (i = 0; i < STUN_TID_LEN; i++) {
		memcpy(tid, tid_a, sizeof(tid));
		tid[i] ^= 0x01;
		fake_msg(&m, STUN_CLASS_SUCCESS, tid);
		ck_assert_int_eq(stun_txn_input(&t, &m, 10), STUN_TXN_WAIT);
	}
	fake_msg(&m, STUN_CLASS_REQUEST, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 10), STUN_TXN_WAIT);
	fake_msg(&m, STUN_CLASS_INDICATION, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 10), STUN_TXN_WAIT);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	m.hdr_ok = 0;
	ck_assert_int_eq(stun_txn_input(&t, &m, 10), STUN_TXN_WAIT);
	ck_assert_int_eq(stun_txn_input(&t, NULL, 10), STUN_TXN_WAIT);
	ck_assert_int_eq(t.state, STUN_TXN_WAIT);
	/* Still running on the same schedule. */
	ck_assert_uint_eq(stun_txn_next(&t), 500);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 20), STUN_TXN_DONE);
}
END_TEST

START_TEST(txn_karn_no_rtt_after_retransmit)
{
	struct stun_txn	t;
	struct stun_msg	m;

	stun_txn_start(&t, NULL, tid_a, 0);
	ck_assert_int_eq(stun_txn_timer(&t, 500), STUN_TXN_SEND);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 530), STUN_TXN_DONE);
	ck_assert_uint_eq(t.sent, 2);
	ck_assert_uint_eq(t.rtt, 0);
}
END_TEST

START_TEST(txn_response_after_timeout_ignored)
{
	struct stun_txn_params p;
	struct stun_txn	t;
	struct stun_msg	m;

	memset(&p, 0, sizeof(p));
	p.reliable = 1;
	p.ti = 100;
	stun_txn_start(&t, &p, tid_a, 0);
	ck_assert_int_eq(stun_txn_timer(&t, 100), STUN_TXN_TIMEOUT);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 101), STUN_TXN_WAIT);
	ck_assert_int_eq(t.state, STUN_TXN_TIMEOUT);
}
END_TEST

START_TEST(txn_bad_arguments)
{
	struct stun_txn	t;

	ck_assert_int_eq(stun_txn_start(NULL, NULL, tid_a, 0),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(stun_txn_start(&t, NULL, NULL, 0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_txn_timer(NULL, 0), STUN_ERR_INVALID);
	ck_assert_uint_eq(stun_txn_next(NULL), 0);
}
END_TEST

START_TEST(txn_huge_rto_saturates)
{
	struct stun_txn_params p;
	struct stun_txn	t;
	uint64_t	prev;
	unsigned	i;

	memset(&p, 0, sizeof(p));
	p.rto = UINT32_MAX - 1;
	p.rc = 40;
	stun_txn_start(&t, &p, tid_a, UINT64_MAX - 10);
	ck_assert_uint_eq(stun_txn_next(&t), UINT64_MAX);
	prev = stun_txn_next(&t);
	for (i = 1; i < 40; i++) {
		ck_assert_int_eq(stun_txn_timer(&t, prev), STUN_TXN_SEND);
		ck_assert_uint_eq(t.cur_rto, UINT32_MAX);
	}
	ck_assert_int_eq(stun_txn_timer(&t, UINT64_MAX), STUN_TXN_TIMEOUT);
}
END_TEST

static void
addr4(struct stun_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 192;
	a->ip[1] = 0;
	a->ip[2] = 2;
	a->ip[3] = last;
	a->port = port;
}

START_TEST(rto_cache_default_when_empty)
{
	struct stun_rto_cache c;
	struct stun_addr a;

	stun_rto_cache_init(&c);
	addr4(&a, 1, 3478);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 0), STUN_RTO_DEFAULT);
}
END_TEST

START_TEST(rto_cache_rfc6298_update)
{
	struct stun_rto_cache c;
	struct stun_addr a, other;

	stun_rto_cache_init(&c);
	addr4(&a, 1, 3478);
	/* First sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 * R/2. */
	stun_rto_cache_update(&c, &a, 80, 1000);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 1000), 240);
	/* RTTVAR = 3/4 * 40 + 1/4 * |80 - 120| = 40; SRTT = 85. */
	stun_rto_cache_update(&c, &a, 120, 2000);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 2000), 85 + 160);
	/* Another port is another server. */
	other = a;
	other.port = 3479;
	ck_assert_uint_eq(stun_rto_cache_get(&c, &other, 2000),
	    STUN_RTO_DEFAULT);
}
END_TEST

START_TEST(rto_cache_floor)
{
	struct stun_rto_cache c;
	struct stun_addr a;
	unsigned	i;

	stun_rto_cache_init(&c);
	addr4(&a, 1, 3478);
	stun_rto_cache_update(&c, &a, 1, 0);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 0), STUN_RTO_MIN);
	for (i = 0; i < 50; i++)
		stun_rto_cache_update(&c, &a, 0, i);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 50), STUN_RTO_MIN);
}
END_TEST

START_TEST(rto_cache_expires_after_ten_minutes)
{
	struct stun_rto_cache c;
	struct stun_addr a;

	stun_rto_cache_init(&c);
	addr4(&a, 1, 3478);
	stun_rto_cache_update(&c, &a, 100, 5000);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 5000 + 599999), 300);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 5000 + 600000),
	    STUN_RTO_DEFAULT);
	/* A sample after expiry starts over from that sample alone. */
	stun_rto_cache_update(&c, &a, 200, 5000 + 700000);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 5000 + 700000), 600);
}
END_TEST

START_TEST(rto_cache_evicts_least_recent)
{
	struct stun_rto_cache c;
	struct stun_addr a;
	unsigned	i;

	stun_rto_cache_init(&c);
	for (i = 0; i < STUN_RTO_CACHE_SIZE; i++) {
		addr4(&a, (uint8_t)(i + 1), 3478);
		stun_rto_cache_update(&c, &a, 100, 1000 + i);
	}
	/* Refresh server 1 so server 2 becomes the oldest. */
	addr4(&a, 1, 3478);
	stun_rto_cache_update(&c, &a, 100, 2000);
	addr4(&a, 200, 3478);
	stun_rto_cache_update(&c, &a, 100, 2001);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 2001), 300);
	addr4(&a, 2, 3478);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 2001), STUN_RTO_DEFAULT);
	for (i = 0; i < STUN_RTO_CACHE_SIZE; i++) {
		if (i == 1)
			continue;
		addr4(&a, (uint8_t)(i + 1), 3478);
		ck_assert_uint_ne(stun_rto_cache_get(&c, &a, 2001),
		    STUN_RTO_DEFAULT);
	}
}
END_TEST

START_TEST(rto_cache_ipv6_distinct)
{
	struct stun_rto_cache c;
	struct stun_addr a, b;

	stun_rto_cache_init(&c);
	memset(&a, 0, sizeof(a));
	a.family = STUN_AF_INET6;
	a.port = 3478;
	a.ip[0] = 0x20;
	a.ip[1] = 0x01;
	a.ip[2] = 0x0d;
	a.ip[3] = 0xb8;
	a.ip[15] = 1;
	b = a;
	b.ip[15] = 2;
	stun_rto_cache_update(&c, &a, 1000, 0);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &a, 0), 3000);
	ck_assert_uint_eq(stun_rto_cache_get(&c, &b, 0), STUN_RTO_DEFAULT);
}
END_TEST

START_TEST(rto_cache_feeds_txn)
{
	struct stun_rto_cache c;
	struct stun_txn_params p;
	struct stun_txn	t;
	struct stun_msg	m;
	struct stun_addr a;

	stun_rto_cache_init(&c);
	addr4(&a, 7, 3478);
	memset(&p, 0, sizeof(p));
	p.rto = stun_rto_cache_get(&c, &a, 0);
	stun_txn_start(&t, &p, tid_a, 0);
	fake_msg(&m, STUN_CLASS_SUCCESS, tid_a);
	ck_assert_int_eq(stun_txn_input(&t, &m, 60), STUN_TXN_DONE);
	stun_rto_cache_update(&c, &a, t.rtt, 60);
	p.rto = stun_rto_cache_get(&c, &a, 60);
	ck_assert_uint_eq(p.rto, 180);
	stun_txn_start(&t, &p, tid_a, 100);
	ck_assert_uint_eq(stun_txn_next(&t), 280);
}
END_TEST

Suite *
suite_txn(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("txn");

	tc = tcase_create("schedule");
	tcase_add_test(tc, txn_default_schedule_is_rfc8489);
	tcase_add_test(tc, txn_custom_params_schedule);
	tcase_add_test(tc, txn_single_send_waits_rm_rto);
	tcase_add_test(tc, txn_late_timer_counts_from_actual_send);
	tcase_add_test(tc, txn_reliable_sends_once_and_waits_ti);
	tcase_add_test(tc, txn_huge_rto_saturates);
	tcase_add_test(tc, txn_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("responses");
	tcase_add_test(tc, txn_success_response_with_tid_ends_it);
	tcase_add_test(tc, txn_error_response_ends_it);
	tcase_add_test(tc, txn_ignores_other_tid_class_and_bad_header);
	tcase_add_test(tc, txn_karn_no_rtt_after_retransmit);
	tcase_add_test(tc, txn_response_after_timeout_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("rto_cache");
	tcase_add_test(tc, rto_cache_default_when_empty);
	tcase_add_test(tc, rto_cache_rfc6298_update);
	tcase_add_test(tc, rto_cache_floor);
	tcase_add_test(tc, rto_cache_expires_after_ten_minutes);
	tcase_add_test(tc, rto_cache_evicts_least_recent);
	tcase_add_test(tc, rto_cache_ipv6_distinct);
	tcase_add_test(tc, rto_cache_feeds_txn);
	suite_add_tcase(s, tc);

	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests for the relay's nap decision (stund/relaynap.c), driven by
 * simulated loop passes on a fake microsecond clock: a flow that waits
 * for each answer turns naps off, with one datagram in flight or eight,
 * paced independent senders keep them on, a full pass never naps, and
 * naps come back when they pay again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "stund/relaynap.h"

#define FULL		32
#define TURNAROUND_US	20	/* client or peer answers after this */

struct sim {
	struct relaynap	rn;
	uint64_t	t;		/* us */
	uint64_t	passes;
	uint64_t	dgrams;
	uint64_t	naps;		/* naps in this run */
};

static void
sim_init(struct sim *s, unsigned nap_us)
{
	s->t = 1000000;
	relaynap_init(&s->rn, nap_us, FULL, s->t / 1000);
	s->passes = s->dgrams = s->naps = 0;
}

/*
 * One flow that waits for each answer with w datagrams in flight, in
 * lockstep: every pass relays all w, whose answers are back
 * TURNAROUND_US after they left; a nap only delays the next pass.
 */
static void
sim_window(struct sim *s, uint64_t us, unsigned w)
{
	uint64_t	end = s->t + us;
	int		nap;

	while (s->t < end) {
		nap = relaynap_pass(&s->rn, s->t / 1000, w);
		s->passes++;
		s->dgrams += w;
		s->naps += (uint64_t)nap;
		s->t += nap && s->rn.nap_us > TURNAROUND_US ? s->rn.nap_us :
		    TURNAROUND_US;
	}
}

/*
 * Independent senders, one datagram every period_us in all: without a
 * nap the loop wakes for each; after a nap one pass takes all that came
 * meanwhile (or, when none did, the next one when it comes).
 */
static void
sim_paced(struct sim *s, uint64_t us, uint64_t period_us)
{
	uint64_t	end = s->t + us, taken, n;
	int		nap = 0;

	taken = s->t / period_us;
	while (s->t < end) {
		if (nap)
			s->t += s->rn.nap_us;
		if ((n = s->t / period_us - taken) == 0) {
			s->t = (taken + 1) * period_us;
			n = 1;
		}
		taken += n;
		nap = relaynap_pass(&s->rn, s->t / 1000, (unsigned)n);
		s->passes++;
		s->dgrams += n;
		s->naps += (uint64_t)nap;
	}
}

START_TEST(test_pingpong_off)
{
	struct sim	s;
	uint64_t	ideal;

	sim_init(&s, 1000);
	sim_window(&s, 100000, 1);		/* settle */
	ck_assert_uint_ge(s.rn.n_backoffs, 1);
	s.passes = s.naps = 0;
	sim_window(&s, 2000000, 1);
	/*
	 * Unguarded, the rate test napped about half of the time here (the
	 * naps lower the rate, the lower rate stops them, and so on).  Now
	 * only the probes after each pause nap: RELAYNAP_YIELD_NAPS at most
	 * every RELAYNAP_BACKOFF_MAX_MS once the pause has grown.
	 */
	ck_assert_uint_le(s.naps, 4 * RELAYNAP_YIELD_NAPS);
	ideal = 2000000 / TURNAROUND_US;
	ck_assert_uint_ge(s.passes, ideal * 95 / 100);
	ck_assert_uint_eq(s.rn.backoff_ms, RELAYNAP_BACKOFF_MAX_MS);
}
END_TEST

START_TEST(test_pingpong_off_500)
{
	struct sim	s;

	sim_init(&s, 500);
	sim_window(&s, 2100000, 1);
	ck_assert_uint_ge(s.rn.n_backoffs, 2);
	ck_assert_uint_le(s.naps, 6 * RELAYNAP_YIELD_NAPS);
}
END_TEST

START_TEST(test_paced_on)
{
	struct sim	s;
	unsigned	nap_us = (unsigned)_i ? 500 : 1000;

	/* 5,000 datagrams a second: 100 allocations x 50/s, both ways. */
	sim_init(&s, nap_us);
	sim_paced(&s, 100000, 200);
	s.passes = s.naps = 0;
	sim_paced(&s, 2000000, 200);
	ck_assert_uint_eq(s.rn.n_backoffs, 0);
	ck_assert_uint_eq(s.rn.n_slowed, 0);
	/*
	 * One pass a nap, but in the rate checks (RELAYNAP_CMP_MS without
	 * naps every RELAYNAP_CHECK_MS): 1.1 passes a nap's length.
	 */
	ck_assert_uint_ge(s.naps, s.passes * 85 / 100);
	ck_assert_uint_le(s.passes, 2000000 / nap_us * 115 / 100);
}
END_TEST

START_TEST(test_window_off)
{
	struct sim	s;
	uint64_t	ideal;

	/*
	 * Eight in flight: each nap gathers all eight, so the yield is no
	 * guide, but the naps cut the rate to a fraction.
	 */
	sim_init(&s, (unsigned)_i ? 500 : 1000);
	sim_window(&s, 100000, 8);
	ck_assert_uint_ge(s.rn.n_slowed, 1);
	s.passes = s.naps = 0;
	sim_window(&s, 3000000, 8);
	/* Probes after pauses of 250, 500, 1000 and 1000 ms: 20 ms each. */
	ck_assert_uint_le(s.naps, 5 * (RELAYNAP_CMP_MS * 1000 /
	    s.rn.nap_us + 1));
	ideal = 3000000 / TURNAROUND_US;
	ck_assert_uint_ge(s.passes, ideal * 95 / 100);
	ck_assert_uint_eq(s.rn.backoff_ms, RELAYNAP_BACKOFF_MAX_MS);
}
END_TEST

START_TEST(test_paced_slow_off)
{
	struct sim	s;

	/* 500 a second: a nap of 1 ms would gather none; never busy. */
	sim_init(&s, 1000);
	sim_paced(&s, 1000000, 2000);
	ck_assert_uint_eq(s.naps, 0);
	ck_assert_uint_eq(s.rn.n_backoffs, 0);
}
END_TEST

START_TEST(test_full_never)
{
	struct relaynap	rn;
	uint64_t	now = 5000;
	int		i;

	relaynap_init(&rn, 1000, FULL, now);
	/* Busy by any measure: FULL datagrams every pass, 10 passes a ms. */
	for (i = 0; i < 10000; i++) {
		ck_assert_int_eq(relaynap_pass(&rn, now + i / 10, FULL), 0);
		ck_assert_int_eq(relaynap_pass(&rn, now + i / 10, 200), 0);
	}
	ck_assert_int_eq(rn.busy, 1);
	/* One short pass in that rate naps. */
	ck_assert_int_eq(relaynap_pass(&rn, now + 1000, FULL - 1), 1);
	/* So does the full pass right after: it pays the nap. */
	ck_assert_int_eq(relaynap_pass(&rn, now + 1001, FULL), 0);
}
END_TEST

START_TEST(test_off_never)
{
	struct sim	s;

	sim_init(&s, 0);
	sim_paced(&s, 500000, 100);
	ck_assert_uint_eq(s.naps, 0);
	/* A reload turns naps on; another turns them off again. */
	relaynap_set(&s.rn, 1000);
	sim_paced(&s, 500000, 100);
	ck_assert_uint_gt(s.naps, 0);
	relaynap_set(&s.rn, 0);
	s.naps = 0;
	sim_paced(&s, 500000, 100);
	ck_assert_uint_eq(s.naps, 0);
}
END_TEST

START_TEST(test_probe_again)
{
	struct sim	s;
	uint64_t	t0;

	/* A request/response flow, then paced senders on the same relay. */
	sim_init(&s, 1000);
	sim_window(&s, 3000000, 1);
	ck_assert_uint_eq(s.rn.backoff_ms, RELAYNAP_BACKOFF_MAX_MS);
	t0 = s.t;
	s.naps = 0;
	/* Naps back within one pause and one yield window. */
	sim_paced(&s, RELAYNAP_BACKOFF_MAX_MS * 1000 + 100000, 200);
	ck_assert_uint_gt(s.naps, 0);
	ck_assert_uint_eq(s.rn.backoff_ms, 0);
	ck_assert_uint_le(s.rn.off_until, t0 / 1000 + RELAYNAP_BACKOFF_MAX_MS);
	s.passes = s.naps = 0;
	sim_paced(&s, 500000, 200);
	/* A rate check (20 ms without naps) may fall in these 500 ms. */
	ck_assert_uint_ge(s.naps, s.passes * 80 / 100);
}
END_TEST

START_TEST(test_backoff_grows)
{
	struct relaynap	rn;
	uint64_t	now = 1000;
	unsigned	want = RELAYNAP_BACKOFF_MS, k;
	int		i;

	relaynap_init(&rn, 1000, FULL, now);
	for (k = 0; k < 6; k++) {
		/*
		 * RELAYNAP_YIELD_NAPS naps, each followed by one datagram, the
		 * rate test kept saying "busy".
		 */
		for (i = 0; i < RELAYNAP_YIELD_NAPS; i++) {
			rn.busy = 1;
			rn.rate_ms = now;
			ck_assert_int_eq(relaynap_pass(&rn, now, 1), 1);
		}
		rn.busy = 1;
		rn.rate_ms = now;
		ck_assert_int_eq(relaynap_pass(&rn, now, 1), 0);
		ck_assert_uint_eq(rn.backoff_ms, want);
		ck_assert_uint_eq(rn.off_until, now + want);
		now = rn.off_until;
		want = want * 2 > RELAYNAP_BACKOFF_MAX_MS ?
		    RELAYNAP_BACKOFF_MAX_MS : want * 2;
	}
	ck_assert_uint_eq(rn.n_backoffs, 6);
}
END_TEST

static Suite *
suite_relaynap(void)
{
	Suite	*s = suite_create("relaynap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_pingpong_off);
	tcase_add_test(tc, test_pingpong_off_500);
	tcase_add_loop_test(tc, test_paced_on, 0, 2);
	tcase_add_loop_test(tc, test_window_off, 0, 2);
	tcase_add_test(tc, test_paced_slow_off);
	tcase_add_test(tc, test_full_never);
	tcase_add_test(tc, test_off_never);
	tcase_add_test(tc, test_probe_again);
	tcase_add_test(tc, test_backoff_grows);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite_relaynap());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}

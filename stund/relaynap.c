/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The relay's nap decision (relaynap.h).  A nap pays when clients send at
 * their own pace: what arrives during it is handled by one pass instead
 * of several.  It does not when a flow waits for each answer: the nap
 * then gathers only the answer it delayed, and the flow slows down.  The
 * rate test alone cannot tell the two apart, so the yield of the naps is
 * measured, and so is the rate with and without naps: naps stop for a
 * while when they do not gather or when they slow the datagrams down.
 */
#include <string.h>

#include "relaynap.h"

void
relaynap_init(struct relaynap *rn, unsigned nap_us, unsigned full,
    uint64_t now)
{
	memset(rn, 0, sizeof(*rn));
	rn->nap_us = nap_us;
	rn->full = full;
	rn->rate_ms = now;
	/* A flow slowed by naps is found within the first CMP_MS. */
	rn->phase = RELAYNAP_ON_CMP;
	rn->phase_ms = now;
}

void
relaynap_set(struct relaynap *rn, unsigned nap_us)
{
	if (rn->nap_us == nap_us)
		return;
	rn->nap_us = nap_us;
	rn->napped = 0;
	rn->naps = rn->yield = 0;
	rn->off_until = 0;
	rn->backoff_ms = 0;
	rn->phase = RELAYNAP_ON_CMP;
	rn->phase_ms = rn->rate_ms;
	rn->phase_n = 0;
}

/*
 * Naps did not pay: none for a pause that starts short, so that a paced
 * load that looked idle for a moment soon naps again, and doubles up to
 * a second while the probes after it fail, so that a flow that waits for
 * its answers spends only its probes (a few tens of milliseconds) slowed
 * in each second.  After the pause the rate check runs first.
 */
static void
relaynap_pause(struct relaynap *rn, uint64_t now)
{
	if (rn->backoff_ms == 0)
		rn->backoff_ms = RELAYNAP_BACKOFF_MS;
	else if (rn->backoff_ms < RELAYNAP_BACKOFF_MAX_MS / 2)
		rn->backoff_ms *= 2;
	else
		rn->backoff_ms = RELAYNAP_BACKOFF_MAX_MS;
	rn->off_until = now + rn->backoff_ms;
	rn->n_backoffs++;
	rn->naps = rn->yield = 0;
	rn->phase = RELAYNAP_ON_CMP;
	rn->phase_ms = rn->off_until;
	rn->phase_n = 0;
}

/*
 * The pass after a nap handled n: once RELAYNAP_YIELD_NAPS naps are
 * counted, an average below one and a half pauses naps.  A flow with one
 * datagram in flight shows one: each nap gathers the one answer it
 * delayed.  Paced senders at the least rate that counts as busy show
 * RELAYNAP_GAIN on average, so a limit at the gain itself would stop
 * their naps half of the time.
 */
static void
relaynap_yield(struct relaynap *rn, uint64_t now, unsigned n)
{
	rn->naps++;
	rn->yield += n;
	if (rn->naps < RELAYNAP_YIELD_NAPS)
		return;
	if (2 * rn->yield < RELAYNAP_YIELD_MIN2 * rn->naps)
		relaynap_pause(rn, now);
	rn->naps = rn->yield = 0;
}

/*
 * The rate check, for flows with several datagrams in flight that wait
 * for their answers: there a nap gathers the whole window and pays by
 * the yield, but each round trip waits for it, so the naps cut the rate
 * of the flow.  Independent senders keep their rate whatever the relay
 * does.  So every RELAYNAP_CHECK_MS the datagrams of RELAYNAP_CMP_MS with
 * naps are compared with those of RELAYNAP_CMP_MS without: half as many
 * again without pauses the naps.  1 when this pass may nap.
 */
static int
relaynap_phase(struct relaynap *rn, uint64_t now, unsigned n)
{
	uint64_t	span = now - rn->phase_ms;

	switch (rn->phase) {
	case RELAYNAP_ON:
		if (span >= RELAYNAP_CHECK_MS) {
			rn->phase = RELAYNAP_ON_CMP;
			rn->phase_ms = now;
			rn->phase_n = 0;
		}
		return (1);
	case RELAYNAP_ON_CMP:
		rn->phase_n += n;
		if (span < RELAYNAP_CMP_MS)
			return (1);
		rn->on_ms = span;
		rn->on_n = rn->phase_n;
		rn->phase = RELAYNAP_OFF_CMP;
		rn->phase_ms = now;
		rn->phase_n = 0;
		return (0);
	default:
		rn->phase_n += n;
		if (span < RELAYNAP_CMP_MS)
			return (0);
		/* phase_n / span > 3/2 on_n / on_ms */
		if (2 * (uint64_t)rn->phase_n * rn->on_ms >
		    3 * (uint64_t)rn->on_n * span) {
			rn->n_slowed++;
			relaynap_pause(rn, now);
			return (0);
		}
		rn->backoff_ms = 0;
		rn->phase = RELAYNAP_ON;
		rn->phase_ms = now;
		return (1);
	}
}

int
relaynap_pass(struct relaynap *rn, uint64_t now, unsigned n)
{
	uint64_t	span;

	if (rn->nap_us == 0)
		return (0);
	if (rn->napped) {
		rn->napped = 0;
		relaynap_yield(rn, now, n);
	}
	if ((span = now - rn->rate_ms) >= RELAYNAP_BUSY_MS) {
		/* dgrams / span per ms, times nap_us / 1000 ms. */
		rn->busy = span < 2 * RELAYNAP_BUSY_MS &&
		    (uint64_t)rn->dgrams * rn->nap_us >=
		    (uint64_t)RELAYNAP_GAIN * 1000 * span;
		rn->rate_ms = now;
		rn->dgrams = 0;
	}
	rn->dgrams += n;
	if (now < rn->off_until || !relaynap_phase(rn, now, n))
		return (0);
	/* A full pass: the loop is behind and must not fall further. */
	if (!rn->busy || n >= rn->full)
		return (0);
	rn->napped = 1;
	rn->n_naps++;
	return (1);
}

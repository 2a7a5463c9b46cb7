/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The relay's nap decision (relaynap.h).  A nap pays when clients send at
 * their own pace: what arrives during it is handled by one pass instead
 * of several.  It does not when a flow waits for each answer: the nap
 * then gathers only the answer it delayed, and the flow slows down.  The
 * rate test alone cannot tell the two apart, so the yield of the naps is
 * measured too, and naps stop for a while when they do not gather.
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
}

/*
 * The pass after a nap handled n: once RELAYNAP_YIELD_NAPS naps are
 * counted, an average below RELAYNAP_GAIN stops naps for a pause that
 * doubles while the probes after it fail, and a paying window ends the
 * pause's growth.  The pause starts short so that a paced load that
 * looked idle for a moment soon naps again, and grows to a second so
 * that a flow that waits for its answers spends only its probes (a few
 * milliseconds) slowed in each second.
 */
static void
relaynap_yield(struct relaynap *rn, uint64_t now, unsigned n)
{
	rn->naps++;
	rn->yield += n;
	if (rn->naps < RELAYNAP_YIELD_NAPS)
		return;
	if (rn->yield >= RELAYNAP_GAIN * rn->naps)
		rn->backoff_ms = 0;
	else {
		if (rn->backoff_ms == 0)
			rn->backoff_ms = RELAYNAP_BACKOFF_MS;
		else if (rn->backoff_ms < RELAYNAP_BACKOFF_MAX_MS / 2)
			rn->backoff_ms *= 2;
		else
			rn->backoff_ms = RELAYNAP_BACKOFF_MAX_MS;
		rn->off_until = now + rn->backoff_ms;
		rn->n_backoffs++;
	}
	rn->naps = rn->yield = 0;
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
	/* A full pass: the loop is behind and must not fall further. */
	if (!rn->busy || n >= rn->full || now < rn->off_until)
		return (0);
	rn->napped = 1;
	rn->n_naps++;
	return (1);
}

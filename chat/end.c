/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * How p2pchat ends, without I/O (see end.h): the linger time, the quiet
 * moment to leave in and the wait for the Leave answer, as deadlines on
 * the caller's clock.
 */
#include <string.h>

#include "chat/end.h"

void
chat_end_init(struct chat_end *e, unsigned linger)
{
	memset(e, 0, sizeof(*e));
	e->linger = (uint64_t)linger * 1000;
}

void
chat_end_joined(struct chat_end *e)
{
	e->joined = 1;
}

void
chat_end_eof(struct chat_end *e)
{
	e->eof = 1;
}

void
chat_end_quit(struct chat_end *e, uint64_t now)
{
	e->eof = 1;
	if (e->quitting)
		return;
	e->quitting = 1;
	e->progress_at = now;
}

void
chat_end_signal(struct chat_end *e, uint64_t now)
{
	if (e->quitting)
		e->hurry = 1;	/* leave without waiting for acks */
	else
		chat_end_quit(e, now);
}

void
chat_end_progress(struct chat_end *e, uint64_t now)
{
	e->progress_at = now;
}

void
chat_end_rx(struct chat_end *e, uint64_t now)
{
	e->rx_at = now;
}

void
chat_end_stop(struct chat_end *e, int status)
{
	e->done = 1;
	if (status != 0)
		e->status = status;
}

static void
end_min(uint64_t *w, uint64_t at)
{
	if (*w == 0 || at < *w)
		*w = at;
}

void
chat_end_next(struct chat_end *e, uint64_t now, unsigned pending,
    unsigned backlog, struct chat_end_action *a)
{
	uint64_t	linger_at, quiet_at;

	memset(a, 0, sizeof(*a));
	if (e->leaving && now >= e->leave_at)
		e->done = 1;	/* no answer to the Leave: stop anyway */
	if (e->done) {
		a->kind = CHAT_END_A_DONE;
		a->status = e->status;
		return;
	}
	/*
	 * Never registered, and asked twice to quit: there is nothing to
	 * leave, so stop now rather than wait for the server (the lines
	 * kept are reported first).
	 */
	if (e->hurry && !e->joined) {
		if (!e->giving_up) {
			e->giving_up = 1;
			a->kind = CHAT_END_A_GIVE_UP;
			return;
		}
		e->done = 1;
		a->kind = CHAT_END_A_DONE;
		a->status = e->status;
		return;
	}
	/*
	 * At the end of input, wait while things move: lines taken,
	 * messages settled.  After the linger time without progress, what
	 * is left is reported, not lost.  Registered first, so that an
	 * unreachable server still fails.
	 */
	linger_at = e->progress_at + e->linger;
	if (e->eof && !e->leaving && e->joined && !e->giving_up &&
	    (e->hurry || now >= linger_at)) {
		e->giving_up = 1;
		a->kind = CHAT_END_A_GIVE_UP;
		return;
	}
	/* Others may still be talking to us: leave in a quiet moment. */
	quiet_at = e->rx_at + CHAT_END_QUIET;
	if (e->quitting && !e->leaving && e->joined && pending == 0 &&
	    (e->giving_up || (now >= quiet_at && backlog == 0))) {
		e->leaving = 1;
		e->leave_at = now + CHAT_END_LEAVE_WAIT;
		a->kind = CHAT_END_A_LEAVE;
		return;
	}
	a->kind = CHAT_END_A_WAIT;
	if (e->eof && !e->leaving && e->joined && !e->giving_up)
		end_min(&a->wake, linger_at);
	if (e->quitting && !e->leaving && now < quiet_at)
		end_min(&a->wake, quiet_at);
	if (e->leaving)
		end_min(&a->wake, e->leave_at);
}

int
chat_end_reading(const struct chat_end *e)
{
	return (!e->eof && !e->quitting);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TURN relay without I/O (see relay.h): the credential given or
 * offered by the rendezvous server, the TURN client machine, the wrapping
 * of what the peers send from the relay "socket" (CHAT_SOCK_RELAY), and
 * the TURN machine's actions turned into the few the chat cares for.
 * Permissions follow the sends; a peer whose path runs through the relay
 * gets a channel.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "libstun/turn.h"
#include "chat/relay.h"

/*
 * The TURN requests: sends at 0, 0.25, 0.75, 1.75 s, no answer at 3.75 s.
 */
#define RELAY_RTO	250
#define RELAY_RC	4
#define RELAY_RM	8

void
chat_relay_init(struct chat_relay *rl, int force, int off)
{
	memset(rl, 0, sizeof(*rl));
	rl->force = force;
	rl->off = off;
	rl->state = CHAT_RELAY_S_IDLE;
}

/*
 * A fresh TURN machine for c, kept for an allocation made again (the
 * machine wipes its copy of the password once it has the key).
 */
static int
relay_turn(struct chat_relay *rl, const struct stun_turn_config *c)
{
	struct stun_turn_config	tc = *c;
	int			r;

	OPENSSL_cleanse(&rl->turn, sizeof(rl->turn));
	if (c != &rl->cred) {
		OPENSSL_cleanse(&rl->cred, sizeof(rl->cred));
		rl->cred = *c;
	}
	rl->server = c->server;
	rl->state = CHAT_RELAY_S_IDLE;
	memset(&rl->relayed, 0, sizeof(rl->relayed));
	tc.txn.rto = RELAY_RTO;
	tc.txn.rc = RELAY_RC;
	tc.txn.rm = RELAY_RM;
	tc.family = c->server.family == STUN_AF_INET6 ? 6 : 4;
	r = stun_turn_init(&rl->turn, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	return (r);
}

static int
relay_start(struct chat_relay *rl, uint64_t now)
{
	int	r;

	if ((r = stun_turn_start(&rl->turn, now)) != 0)
		return (r);
	rl->state = CHAT_RELAY_S_ALLOCATING;
	rl->deadline = now + CHAT_RELAY_WAIT;
	return (0);
}

int
chat_relay_configure(struct chat_relay *rl, const struct stun_turn_config *c)
{
	int	r;

	if ((r = relay_turn(rl, c)) != 0)
		return (r);
	rl->on = 1;
	return (0);
}

int
chat_relay_begin(struct chat_relay *rl, uint64_t now)
{
	if (!rl->on)
		return (0);
	if (relay_start(rl, now) != 0) {
		rl->state = CHAT_RELAY_S_FAILED;
		return (0);
	}
	return (1);
}

/*
 * The rendezvous server offers a TURN credential for its own address:
 * the relay "on stund by default" when none was given.
 */
int
chat_relay_offered(struct chat_relay *rl, const struct stun_addr *server,
    const char *user, const char *pass, uint64_t now)
{
	struct stun_turn_config	tc;
	size_t			ulen = strlen(user), plen = strlen(pass);
	int			r = STUN_ERR_INVALID;

	if (rl->off)
		return (0);
	if (rl->on) {
		/*
		 * Registered again (the server may have restarted with a
		 * new key): the next allocation uses the latest offer.
		 */
		if (rl->from_offer && ulen > 0 &&
		    ulen < sizeof(rl->cred.username) &&
		    plen < sizeof(rl->cred.password) &&
		    stun_addr_equal(server, &rl->cred.server)) {
			memset(rl->cred.username, 0,
			    sizeof(rl->cred.username));
			OPENSSL_cleanse(rl->cred.password,
			    sizeof(rl->cred.password));
			memcpy(rl->cred.username, user, ulen);
			memcpy(rl->cred.password, pass, plen);
		}
		return (0);
	}
	if (ulen == 0) {
		rl->pend_none = rl->force;
		return (0);
	}
	memset(&tc, 0, sizeof(tc));
	tc.server = *server;
	if (ulen < sizeof(tc.username) && plen < sizeof(tc.password)) {
		memcpy(tc.username, user, ulen);
		memcpy(tc.password, pass, plen);
		r = relay_turn(rl, &tc);
	}
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r == 0)
		r = relay_start(rl, now);
	if (r != 0) {
		rl->state = CHAT_RELAY_S_FAILED;
		rl->pend_failed = 1;
		rl->reason = stun_strerror(r);
		rl->shown = 0;
		rl->fatal = rl->force;
		rl->offered = 1;
		return (0);
	}
	rl->on = 1;
	rl->from_offer = 1;
	return (1);
}

int
chat_relay_up(const struct chat_relay *rl)
{
	return (rl->state == CHAT_RELAY_S_UP);
}

/*
 * A new allocation with the credential we hold (the rendezvous server's
 * latest offer, or --relay).  0 or STUN_ERR_*.
 */
static int
relay_alloc(struct chat_relay *rl, uint64_t now)
{
	int	r;

	if ((r = relay_turn(rl, &rl->cred)) == 0)
		r = relay_start(rl, now);
	return (r);
}

/* Allocating again failed (the server may be down): try later. */
static void
relay_retry_later(struct chat_relay *rl, uint64_t now)
{
	rl->backoff = rl->backoff == 0 ? CHAT_RELAY_RETRY :
	    rl->backoff * 2;
	if (rl->backoff > CHAT_RELAY_RETRY_MAX)
		rl->backoff = CHAT_RELAY_RETRY_MAX;
	rl->state = CHAT_RELAY_S_RETRY;
	rl->retry_at = now + rl->backoff;
}

/*
 * The allocation was lost while up (a refresh failed, or it expired, or
 * the server restarted and forgot it): allocate again with the latest
 * credential, for as long as we live, backing off while the server does
 * not answer.  Until then the relayed paths carry nothing; their
 * messages are retransmitted once the peers found the new relayed
 * address, or end undelivered.
 *
 * A refresh that timed out may have left the allocation alive at the
 * server, which would refuse a new one on the same 5-tuple (437): that
 * allocation is deleted first (a Refresh with LIFETIME 0 under the
 * credential it was made with), whatever the answer, then the new one is
 * asked for.
 */
static void
relay_again(struct chat_relay *rl, int err, uint64_t now)
{
	rl->again = 1;
	rl->backoff = 0;
	if (err == STUN_ERR_TIMEOUT && rl->have_held) {
		rl->turn = rl->held;
		rl->have_held = 0;
		OPENSSL_cleanse(&rl->held, sizeof(rl->held));
		if (stun_turn_close(&rl->turn, now) == 0) {
			rl->state = CHAT_RELAY_S_DELETING;
			rl->deadline = now + CHAT_RELAY_WAIT;
			return;
		}
	}
	if (relay_alloc(rl, now) != 0)
		relay_retry_later(rl, now);
}

/* No allocation: go on without it, unless only the relay will do. */
static void
relay_gone(struct chat_relay *rl, const char *reason, int shown,
    struct chat_relay_action *a)
{
	rl->state = CHAT_RELAY_S_FAILED;
	a->kind = CHAT_RELAY_A_FAILED;
	a->reason = reason;
	a->shown = shown && !rl->force;
	a->fatal = rl->force;
}

static const char *
relay_reason(const struct stun_turn_action *ta)
{
	return (ta->code != 0 ? stun_reason_phrase(ta->code) :
	    stun_strerror(ta->err));
}

/* One TURN action into a = ours: 1 when a is to be handed out. */
static int
relay_action(struct chat_relay *rl, const struct stun_turn_action *ta,
    uint64_t now, struct chat_relay_action *a)
{
	switch (ta->kind) {
	case STUN_TURN_A_SEND:
		a->kind = CHAT_RELAY_A_SEND;
		a->to = ta->to;
		a->buf = ta->buf;
		a->len = ta->len;
		return (1);
	case STUN_TURN_A_ALLOCATED:
		if (rl->state != CHAT_RELAY_S_ALLOCATING)
			return (0);
		rl->state = CHAT_RELAY_S_UP;
		rl->relayed = ta->relayed;
		rl->backoff = 0;
		/* Its credential, to delete it should a refresh time out. */
		rl->held = rl->turn;
		rl->have_held = 1;
		a->kind = CHAT_RELAY_A_UP;
		a->relayed = ta->relayed;
		return (1);
	case STUN_TURN_A_DATA:
		/* From the peer at ta->peer, as if on the relay socket. */
		if (ta->datalen == 0)
			return (0);
		a->kind = CHAT_RELAY_A_DATA;
		a->peer = ta->peer;
		a->buf = ta->data;
		a->len = ta->datalen;
		return (1);
	case STUN_TURN_A_PERM_FAILED:
	case STUN_TURN_A_CHAN_FAILED:
		a->kind = CHAT_RELAY_A_DENIED;
		a->peer = ta->peer;
		a->reason = relay_reason(ta);
		/* A restarted server knows no allocation: check it now. */
		if (ta->code == 437)
			chat_relay_check(rl, now);
		return (1);
	case STUN_TURN_A_FAILED:
	case STUN_TURN_A_CLOSED:
		if (rl->state == CHAT_RELAY_S_CLOSED ||
		    rl->state == CHAT_RELAY_S_FAILED ||
		    rl->state == CHAT_RELAY_S_RETRY)
			return (0);
		if (rl->state == CHAT_RELAY_S_DELETING) {
			/* The old allocation is gone either way. */
			if (relay_alloc(rl, now) != 0)
				relay_retry_later(rl, now);
			return (0);
		}
		if (rl->state != CHAT_RELAY_S_UP && rl->again) {
			/* Allocating again: the server may still be away. */
			relay_retry_later(rl, now);
			return (0);
		}
		if (rl->state != CHAT_RELAY_S_UP) {
			relay_gone(rl, relay_reason(ta), 1, a);
			return (1);
		}
		/*
		 * Sends on relayed paths now go nowhere: their messages end
		 * undelivered when unacknowledged, unless the allocation
		 * made again carries them.
		 */
		a->kind = CHAT_RELAY_A_LOST;
		a->reason = relay_reason(ta);
		a->again = 1;
		a->server = rl->server;
		relay_again(rl, ta->err, now);
		return (1);
	}
	return (0);		/* PERM_OK, CHAN_OK: nothing to do */
}

void
chat_relay_next(struct chat_relay *rl, uint64_t now,
    struct chat_relay_action *a)
{
	struct stun_turn_action	ta;
	uint64_t		w;

	memset(a, 0, sizeof(*a));
	if (rl->on)
		rl->server = rl->turn.c.server;	/* followed a 300 */
	a->server = rl->server;
	if (rl->pend_none) {
		rl->pend_none = 0;
		a->kind = CHAT_RELAY_A_NONE;
		return;
	}
	if (rl->pend_failed) {
		rl->pend_failed = 0;
		a->kind = CHAT_RELAY_A_FAILED;
		a->reason = rl->reason;
		a->shown = rl->shown;
		a->fatal = rl->fatal;
		a->offered = rl->offered;
		return;
	}
	if (!rl->on || rl->state == CHAT_RELAY_S_IDLE) {
		a->kind = CHAT_RELAY_A_WAIT;
		return;
	}
	if (rl->state == CHAT_RELAY_S_RETRY && now >= rl->retry_at &&
	    relay_alloc(rl, now) != 0)
		relay_retry_later(rl, now);
	/* Deleting the old allocation: bounded, then allocate anyway. */
	if (rl->state == CHAT_RELAY_S_DELETING && now >= rl->deadline &&
	    relay_alloc(rl, now) != 0)
		relay_retry_later(rl, now);
	/* Bounded: without an allocation in time, go on without it. */
	if (rl->state == CHAT_RELAY_S_ALLOCATING && now >= rl->deadline) {
		(void)stun_turn_close(&rl->turn, now);
		if (rl->again) {
			relay_retry_later(rl, now);
			a->kind = CHAT_RELAY_A_WAIT;
			a->wake = rl->retry_at;
			return;
		}
		relay_gone(rl, "no allocation in time", 0, a);
		return;
	}
	if (rl->state == CHAT_RELAY_S_RETRY) {
		a->kind = CHAT_RELAY_A_WAIT;
		a->wake = rl->retry_at;
		return;
	}
	for (;;) {
		stun_turn_next(&rl->turn, &ta);
		if (ta.kind == STUN_TURN_A_WAIT)
			break;
		if (relay_action(rl, &ta, now, a))
			return;
	}
	w = rl->state == CHAT_RELAY_S_RETRY ? rl->retry_at : ta.wake;
	if ((rl->state == CHAT_RELAY_S_ALLOCATING ||
	    rl->state == CHAT_RELAY_S_DELETING) && (w == 0 ||
	    rl->deadline < w))
		w = rl->deadline;
	memset(a, 0, sizeof(*a));
	a->server = rl->server;
	a->kind = CHAT_RELAY_A_WAIT;
	a->wake = w;
}

/*
 * doc/p2pchat-wire.md: demultiplex on source and first byte.  The TURN
 * machine answers NOT_FOUND for what is not its own, such as the
 * rendezvous on the same server.
 */
int
chat_relay_input(struct chat_relay *rl, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	/* The TURN machine's server: another one after a 300. */
	if (!rl->on || !stun_addr_equal(from, &rl->turn.c.server) ||
	    stun_turn_input(&rl->turn, from, buf, len, now) ==
	    STUN_ERR_NOT_FOUND)
		return (-1);
	return (0);
}

void
chat_relay_timer(struct chat_relay *rl, uint64_t now)
{
	if (rl->on)
		stun_turn_timer(&rl->turn, now);
}

/*
 * Wrap what a peer sends from the relay for to, asking for to's
 * permission first (the server drops data for a peer without one, and
 * the punch machine resends its checks).
 */
int
chat_relay_wrap(struct chat_relay *rl, const struct stun_addr *to,
    const uint8_t *buf, size_t len, uint64_t now)
{
	int	r;

	if (rl->state != CHAT_RELAY_S_UP)
		return (STUN_ERR_STATE);
	if ((r = stun_turn_permit(&rl->turn, to, now)) != 0 &&
	    r != STUN_ERR_NOSPACE)
		return (r);
	return (stun_turn_wrap(&rl->turn, to, buf, len, rl->out,
	    sizeof(rl->out)));
}

/* A peer's path runs through the relay: a channel saves 32 bytes a send. */
void
chat_relay_path(struct chat_relay *rl, const struct stun_addr *to,
    uint64_t now)
{
	if (rl->state == CHAT_RELAY_S_UP)
		(void)stun_turn_channel(&rl->turn, to, now);
}

void
chat_relay_check(struct chat_relay *rl, uint64_t now)
{
	if (rl->state != CHAT_RELAY_S_UP || now < rl->check_at)
		return;
	rl->check_at = now + CHAT_RELAY_CHECK_MIN;
	/*
	 * A refresh now rather than minutes from now: a server that
	 * restarted answers 437 and the allocation is made again.
	 */
	if (rl->turn.state == STUN_TURN_S_ALLOCATED && !rl->turn.req.on)
		rl->turn.refresh_at = now;
}

void
chat_relay_leave(struct chat_relay *rl, uint64_t now)
{
	rl->pend_none = 0;
	rl->pend_failed = 0;
	if (!rl->on)
		return;
	if (rl->state == CHAT_RELAY_S_UP ||
	    rl->state == CHAT_RELAY_S_ALLOCATING)
		(void)stun_turn_close(&rl->turn, now);
	rl->state = CHAT_RELAY_S_CLOSED;
	rl->have_held = 0;
	OPENSSL_cleanse(&rl->held, sizeof(rl->held));
}

void
chat_relay_clear(struct chat_relay *rl)
{
	OPENSSL_cleanse(&rl->turn, sizeof(rl->turn));
	OPENSSL_cleanse(&rl->held, sizeof(rl->held));
	OPENSSL_cleanse(&rl->cred, sizeof(rl->cred));
}

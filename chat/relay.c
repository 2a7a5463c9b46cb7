/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TURN relay: the --relay argument or the rendezvous server's
 * offer, the TURN client machine (libstun/turn.h) on p2pchat's one UDP
 * socket, the relayed candidate, "relay" events, and the wrapping of what
 * the peers send from the relay "socket" (CHAT_SOCK_RELAY).  Permissions
 * follow the sends; a peer whose path runs through the relay gets a
 * channel.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/clock.h"
#include "common/log.h"
#include "libstun/turn.h"
#include "chat/room.h"
#include "chat/p2pchat.h"
#include "chat/relay.h"

/*
 * The TURN requests: sends at 0, 0.25, 0.75, 1.75 s, no answer at 3.75 s.
 */
#define RELAY_RTO	250
#define RELAY_RC	4
#define RELAY_RM	8
#define RELAY_PUMP_MAX	4096	/* actions per wake-up */

/* "turn:USER:PASS@HOST[:PORT]": the password may hold ':' and '@'. */
static int
chat_relay_parse(const char *arg, struct stun_turn_config *c, char *err,
    size_t errlen)
{
	const char	*s, *at, *colon;
	size_t		 ulen, plen;
	int		 r;

	memset(c, 0, sizeof(*c));
	if (strncmp(arg, "turn:", 5) != 0)
		return (-1);
	s = arg + 5;
	if ((at = strrchr(s, '@')) == NULL ||
	    (colon = strchr(s, ':')) == NULL || colon > at)
		return (-1);
	ulen = (size_t)(colon - s);
	plen = (size_t)(at - colon - 1);
	if (ulen == 0 || ulen >= sizeof(c->username) ||
	    plen >= sizeof(c->password))
		return (-1);
	memcpy(c->username, s, ulen);
	memcpy(c->password, colon + 1, plen);
	if ((r = chat_resolve(at + 1, &c->server, err, errlen)) != 0) {
		OPENSSL_cleanse(c, sizeof(*c));
		return (r);
	}
	return (0);
}

/* The TURN machine for c; the options (ctx, force, off) stay. */
static int
chat_relay_init(struct chat_relay *rl, const struct stun_turn_config *c)
{
	struct stun_turn_config	 tc = *c;
	struct chat_ctx		*ctx = rl->ctx;
	int			 r, force = rl->force, off = rl->off;

	memset(rl, 0, sizeof(*rl));
	rl->ctx = ctx;
	rl->force = force;
	rl->off = off;
	tc.txn.rto = RELAY_RTO;
	tc.txn.rc = RELAY_RC;
	tc.txn.rm = RELAY_RM;
	tc.family = c->server.family == STUN_AF_INET6 ? 6 : 4;
	r = stun_turn_init(&rl->turn, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r != 0)
		return (r);
	rl->server = c->server;
	rl->state = CHAT_RELAY_S_IDLE;
	return (0);
}

static int
chat_relay_start(struct chat_relay *rl, uint64_t now)
{
	int	r;

	if ((r = stun_turn_start(&rl->turn, now)) != 0)
		return (r);
	rl->state = CHAT_RELAY_S_ALLOCATING;
	rl->deadline = now + CHAT_RELAY_WAIT;
	return (0);
}

int
chat_relay_setup(struct chat_relay *rl, const char *arg)
{
	struct stun_turn_config	tc;
	char			err[256];
	int			r;

	if ((r = chat_relay_parse(arg, &tc, err, sizeof(err))) != 0) {
		if (r == -1)
			fprintf(stderr, "p2pchat: --relay: expected "
			    "turn:user:pass@host[:port]\n");
		else
			fprintf(stderr, "p2pchat: --relay: %s\n", err);
		return (r == -1 ? 2 : 1);
	}
	r = chat_relay_init(rl, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r != 0) {
		fprintf(stderr, "p2pchat: --relay: %s\n", stun_strerror(r));
		return (2);
	}
	rl->on = 1;
	return (0);
}

int
chat_relay_begin(struct chat_relay *rl, uint64_t now)
{
	if (!rl->on)
		return (0);
	if (chat_relay_start(rl, now) != 0) {
		rl->state = CHAT_RELAY_S_FAILED;
		return (0);
	}
	return (1);
}

static void
chat_relay_fail(struct chat_relay *rl, const char *reason)
{
	char	buf[64];

	if (stun_addr_format(&rl->server, buf, sizeof(buf)) != 0)
		buf[0] = '\0';
	chat_fail(rl->ctx, "relay %s: %s", buf, reason);
}

/*
 * The rendezvous server offers a TURN credential for its own address:
 * the relay "on stund by default" when none was given.
 */
void
chat_relay_offered(struct chat_relay *rl, const struct stun_addr *server,
    const char *name, const struct stun_rdv_action *a, uint64_t now)
{
	struct stun_turn_config	tc;
	int			r;

	if (rl->on || rl->off)
		return;
	if (a->relay_user[0] == '\0') {
		if (rl->force)
			chat_fail(rl->ctx, "%s offers no relay: give --relay",
			    name);
		return;
	}
	memset(&tc, 0, sizeof(tc));
	tc.server = *server;
	snprintf(tc.username, sizeof(tc.username), "%s", a->relay_user);
	snprintf(tc.password, sizeof(tc.password), "%s", a->relay_pass);
	r = chat_relay_init(rl, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r == 0)
		r = chat_relay_start(rl, now);
	if (r != 0) {
		log_warnx("relay offered by the server: %s", stun_strerror(r));
		if (rl->force)
			chat_relay_fail(rl, stun_strerror(r));
		return;
	}
	rl->on = 1;
	log_debug("relay offered by the server, user %s", a->relay_user);
}

int
chat_relay_up(const struct chat_relay *rl)
{
	return (rl->state == CHAT_RELAY_S_UP);
}

/*
 * The relayed address becomes a candidate: ours to pair, theirs to know.
 * Allocated again, it takes the old one's place in both.
 */
void
chat_relay_cand(const struct chat_relay *rl, struct stun_rdv_config *rc,
    struct chat_room *room, uint64_t now)
{
	struct stun_punch_cand	 pc;
	unsigned		 i;

	for (i = 0; i < rc->ncand && rc->cand[i].kind != STUN_RDV_CAND_RELAY;
	    i++)
		;
	if (i == rc->ncand)
		i = rc->ncand < STUN_RDV_MAX_CANDS ? rc->ncand++ :
		    STUN_RDV_MAX_CANDS - 1;
	rc->cand[i].kind = STUN_RDV_CAND_RELAY;
	rc->cand[i].addr = rl->relayed;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_RELAY;
	pc.sock = CHAT_SOCK_RELAY;
	pc.addr = rl->relayed;
	(void)chat_room_relay(room, &pc, now);
}

/* No allocation: go on without it, unless only the relay will do. */
static void
chat_relay_gone(struct chat_relay *rl, const char *reason, uint64_t now)
{
	rl->state = CHAT_RELAY_S_FAILED;
	if (rl->force) {
		chat_relay_fail(rl, reason);
		return;
	}
	log_warnx("no relay: %s", reason);
	(void)chat_register(rl->ctx, now);
}

/*
 * The allocation was lost while up (a refresh failed, or it expired):
 * allocate once more with the same credential.  Until then the relayed
 * paths carry nothing; their messages are retransmitted once the peers
 * found the new relayed address, or end undelivered.  0 or STUN_ERR_*.
 */
static int
chat_relay_again(struct chat_relay *rl, uint64_t now)
{
	struct stun_turn_config	tc = rl->turn.c;
	int			r;

	r = chat_relay_init(rl, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	rl->on = 1;
	rl->again = 1;
	if (r == 0)
		r = chat_relay_start(rl, now);
	if (r != 0)
		rl->state = CHAT_RELAY_S_FAILED;
	return (r);
}

static void
chat_relay_action(struct chat_relay *rl, const struct stun_turn_action *a,
    uint64_t now)
{
	struct chat_event	 e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_RELAY;
	e.addr2 = rl->server;
	switch (a->kind) {
	case STUN_TURN_A_SEND:
		chat_sendto(rl->ctx, &a->to, a->buf, a->len);
		return;
	case STUN_TURN_A_ALLOCATED:
		if (rl->state != CHAT_RELAY_S_ALLOCATING)
			return;
		rl->state = CHAT_RELAY_S_UP;
		rl->relayed = a->relayed;
		e.addr = a->relayed;
		chat_emit(rl->ctx, &e);
		(void)chat_register(rl->ctx, now);
		return;
	case STUN_TURN_A_DATA:
		/* From the peer at a->peer, as if on the relay socket. */
		if (a->datalen > 0)
			chat_relayed(rl->ctx, &a->peer, a->data, a->datalen,
			    now);
		return;
	case STUN_TURN_A_PERM_FAILED:
	case STUN_TURN_A_CHAN_FAILED:
		log_debug("relay: %s: %s", stun_turn_action_name(a->kind),
		    a->code != 0 ? stun_reason_phrase(a->code) :
		    stun_strerror(a->err));
		return;
	case STUN_TURN_A_FAILED:
	case STUN_TURN_A_CLOSED:
		if (rl->state == CHAT_RELAY_S_CLOSED ||
		    rl->state == CHAT_RELAY_S_FAILED)
			return;
		e.reason = a->code != 0 ? stun_reason_phrase(a->code) :
		    stun_strerror(a->err);
		if (rl->state == CHAT_RELAY_S_UP) {
			chat_emit(rl->ctx, &e);
			if (!rl->again && chat_relay_again(rl, now) == 0) {
				log_warnx("relay lost: %s; allocating again",
				    e.reason);
				return;
			}
			/*
			 * Sends on relayed paths now go nowhere: their
			 * messages end undelivered when unacknowledged.
			 */
			rl->state = CHAT_RELAY_S_FAILED;
			log_warnx("relay lost: %s", e.reason);
			return;
		}
		if (!rl->force)
			chat_emit(rl->ctx, &e);
		chat_relay_gone(rl, e.reason, now);
		return;
	}
}

uint64_t
chat_relay_pump(struct chat_relay *rl, uint64_t now)
{
	struct stun_turn_action	 a;
	uint64_t		 w = 0;
	unsigned		 k;

	if (!rl->on || rl->state == CHAT_RELAY_S_IDLE)
		return (0);
	/* Bounded: without an allocation in time, register without it. */
	if (rl->state == CHAT_RELAY_S_ALLOCATING && now >= rl->deadline) {
		(void)stun_turn_close(&rl->turn, now);
		chat_relay_gone(rl, "no allocation in time", now);
	}
	for (k = 0; k < RELAY_PUMP_MAX; k++) {
		stun_turn_next(&rl->turn, &a);
		if (a.kind == STUN_TURN_A_WAIT) {
			w = a.wake;
			break;
		}
		chat_relay_action(rl, &a, now);
	}
	if (k == RELAY_PUMP_MAX)
		w = now + 1;
	if (rl->state == CHAT_RELAY_S_ALLOCATING &&
	    (w == 0 || rl->deadline < w))
		w = rl->deadline;
	return (w);
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
	if (!rl->on || !stun_addr_equal(from, &rl->server) ||
	    stun_turn_input(&rl->turn, from, buf, len, now) ==
	    STUN_ERR_NOT_FOUND)
		return (-1);
	(void)chat_relay_pump(rl, now);
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
 * the punch machine resends its checks).  Returns the length in rl->out
 * or a STUN_ERR_*.
 */
static int
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

/* What a peer sends from the relay goes to the TURN server, wrapped. */
void
chat_relay_sendto(struct chat_relay *rl, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	int	n;

	n = chat_relay_wrap(rl, to, buf, len, clock_ms());
	if (n < 0) {
		log_debug("relay: cannot wrap: %s", stun_strerror(n));
		return;
	}
	chat_sendto(rl->ctx, &rl->server, rl->out, (size_t)n);
	/* A permission request may be due before the data is of use. */
	chat_relay_pump(rl, clock_ms());
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
chat_relay_leave(struct chat_relay *rl, uint64_t now)
{
	if (!rl->on)
		return;
	if (rl->state == CHAT_RELAY_S_UP ||
	    rl->state == CHAT_RELAY_S_ALLOCATING)
		(void)stun_turn_close(&rl->turn, now);
	rl->state = CHAT_RELAY_S_CLOSED;
	(void)chat_relay_pump(rl, now);
}

void
chat_relay_clear(struct chat_relay *rl)
{
	OPENSSL_cleanse(&rl->turn, sizeof(rl->turn));
}

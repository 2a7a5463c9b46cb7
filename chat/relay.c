/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TURN relay: the --relay argument, the TURN client machine
 * (libstun/turn.h) on p2pchat's one UDP socket, and the wrapping of what
 * the peers send from the relay "socket" (CHAT_SOCK_RELAY).  Permissions
 * follow the sends; a peer whose path runs through the relay gets a
 * channel.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "libstun/turn.h"
#include "chat/p2pchat.h"

/*
 * The TURN requests: sends at 0, 0.25, 0.75, 1.75 s, no answer at 3.75 s.
 */
#define RELAY_RTO	250
#define RELAY_RC	4
#define RELAY_RM	8

/* "turn:USER:PASS@HOST[:PORT]": the password may hold ':' and '@'. */
int
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

int
chat_relay_init(struct chat_relay *rl, const struct stun_turn_config *c,
    int force)
{
	struct stun_turn_config	tc = *c;
	int			r;

	memset(rl, 0, sizeof(*rl));
	tc.txn.rto = RELAY_RTO;
	tc.txn.rc = RELAY_RC;
	tc.txn.rm = RELAY_RM;
	tc.family = c->server.family == STUN_AF_INET6 ? 6 : 4;
	r = stun_turn_init(&rl->turn, &tc);
	OPENSSL_cleanse(&tc, sizeof(tc));
	if (r != 0)
		return (r);
	rl->server = c->server;
	rl->force = force;
	rl->state = CHAT_RELAY_S_IDLE;
	return (0);
}

int
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
chat_relay_up(const struct chat_relay *rl)
{
	return (rl->state == CHAT_RELAY_S_UP);
}

/*
 * Wrap what a peer sends from the relay for to, asking for to's
 * permission first (the server drops data for a peer without one, and
 * the punch machine resends its checks).  Returns the length in rl->out
 * or a STUN_ERR_*.
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
chat_relay_close(struct chat_relay *rl, uint64_t now)
{
	if (rl->state == CHAT_RELAY_S_UP ||
	    rl->state == CHAT_RELAY_S_ALLOCATING)
		(void)stun_turn_close(&rl->turn, now);
	rl->state = CHAT_RELAY_S_CLOSED;
}

void
chat_relay_clear(struct chat_relay *rl)
{
	OPENSSL_cleanse(&rl->turn, sizeof(rl->turn));
}

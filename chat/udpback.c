/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * When p2pchat, moved to TCP or TLS by a server's silence over UDP, asks
 * again over UDP, and whether the server's answer came (see udpback.h).
 * The probe is a bare STUN Binding request, which every STUN and TURN
 * server answers without credentials; only the last one's transaction id
 * is accepted.
 */
#include "config.h"

#include <string.h>

#include "chat/udpback.h"

void
chat_udpb_init(struct chat_udpb *u, uint32_t first)
{
	memset(u, 0, sizeof(*u));
	u->first = first != 0 ? first : CHAT_UDPB_FIRST;
	u->wait = u->first;
}

void
chat_udpb_arm(struct chat_udpb *u, uint64_t now)
{
	/* A return that did not hold: go on from the wait reached. */
	if (u->back_at == 0 || now < u->back_at ||
	    now - u->back_at >= CHAT_UDPB_HOLD)
		u->wait = u->first;
	u->probe_at = now + u->wait;
	u->out = 0;
}

void
chat_udpb_stop(struct chat_udpb *u)
{
	u->probe_at = 0;
	u->out = 0;
}

static void
udpb_next(struct chat_udpb *u, uint64_t now)
{
	u->probe_at = now + u->wait;
	if (u->wait < CHAT_UDPB_MAX / 2)
		u->wait *= 2;
	else
		u->wait = CHAT_UDPB_MAX;
}

int
chat_udpb_probe(struct chat_udpb *u, uint64_t now, int held,
    stun_random_fn rnd, void *arg, uint8_t *buf, size_t cap)
{
	struct stun_builder	b;
	int			n;

	if (u->probe_at == 0 || now < u->probe_at)
		return (0);
	if (held) {
		udpb_next(u, now);
		return (0);
	}
	u->out = 0;
	if ((n = stun_tid_new(rnd, arg, u->tid)) != 0)
		goto out;
	stun_build_init(&b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
	    u->tid);
	if ((n = stun_build_finish(&b)) < 0)
		goto out;
	u->out = 1;
	u->probes++;
 out:
	/* A failure waits like an unanswered probe: no busy loop. */
	udpb_next(u, now);
	return (n);
}

int
chat_udpb_input(struct chat_udpb *u, const uint8_t *buf, size_t len,
    uint64_t now)
{
	struct stun_msg	m;

	if (!u->out || u->probe_at == 0 || !stun_msg_is_stun(buf, len) ||
	    stun_msg_decode(&m, buf, len) != 0 ||
	    m.method != STUN_METHOD_BINDING || m.cls != STUN_CLASS_SUCCESS ||
	    memcmp(m.tid, u->tid, STUN_TID_LEN) != 0)
		return (0);
	u->back_at = now;
	u->returns++;
	chat_udpb_stop(u);
	return (1);
}

uint64_t
chat_udpb_wake(const struct chat_udpb *u)
{
	return (u->probe_at);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The I/O-free half of TCP hole punching (see tcpplan.h): the schedule of
 * connects towards the peers' TCP candidates, and the framing of their
 * datagrams on a stream, which is libstun's ChannelData codec.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/punch.h"
#include "chat/tcpplan.h"

uint32_t
chat_tcpp_priority(unsigned i)
{
	uint16_t	lp = (uint16_t)(i < 65535 ? 65535 - i : 0);

	return ((uint32_t)CHAT_TCPP_TYPE_PREF << 24 | (uint32_t)lp << 8 | 255);
}

int
chat_tcpp_is_tcp(uint32_t prio)
{
	return ((prio >> 24) == CHAT_TCPP_TYPE_PREF);
}

void
chat_tcpp_init(struct chat_tcpp *p)
{
	memset(p, 0, sizeof(*p));
}

static struct chat_tcpp_target *
tcpp_find(struct chat_tcpp *p, const struct stun_addr *a)
{
	unsigned	i;

	for (i = 0; i < p->n; i++)
		if (stun_addr_equal(&p->t[i].addr, a))
			return (&p->t[i]);
	return (NULL);
}

int
chat_tcpp_go(struct chat_tcpp *p, uint32_t peer_id,
    const struct stun_addr *addr, uint64_t now)
{
	struct chat_tcpp_target	*t;

	if ((t = tcpp_find(p, addr)) == NULL) {
		if (p->n == CHAT_TCPP_MAX)
			return (STUN_ERR_NOSPACE);
		t = &p->t[p->n++];
		memset(t, 0, sizeof(*t));
		t->addr = *addr;
		t->state = CHAT_TCPP_T_OVER;
	}
	t->peer_id = peer_id;
	t->until = now + CHAT_TCPP_WINDOW;
	if (t->state == CHAT_TCPP_T_OVER) {
		t->state = CHAT_TCPP_T_WAIT;
		t->next_at = now;
		t->attempts = 0;
	}
	return (0);
}

int
chat_tcpp_next(struct chat_tcpp *p, uint64_t now, struct stun_addr *to,
    uint64_t *wake)
{
	struct chat_tcpp_target	*t;
	uint64_t		 at;
	unsigned		 i;

	*wake = 0;
	for (i = 0; i < p->n; i++) {
		t = &p->t[i];
		if (t->state == CHAT_TCPP_T_WAIT && now >= t->until)
			t->state = CHAT_TCPP_T_OVER;
		if (t->state == CHAT_TCPP_T_WAIT && now >= t->next_at) {
			t->state = CHAT_TCPP_T_CONNECTING;
			t->attempts++;
			t->next_at = now + CHAT_TCPP_SYN_WAIT;
			*to = t->addr;
			return (1);
		}
		if (t->state == CHAT_TCPP_T_WAIT)
			at = t->next_at;
		else if (t->state == CHAT_TCPP_T_CONNECTING)
			at = t->next_at;
		else
			continue;
		if (*wake == 0 || at < *wake)
			*wake = at;
	}
	return (0);
}

void
chat_tcpp_result(struct chat_tcpp *p, const struct stun_addr *addr, int up,
    uint64_t now)
{
	struct chat_tcpp_target	*t;

	if ((t = tcpp_find(p, addr)) == NULL)
		return;
	if (up) {
		t->state = CHAT_TCPP_T_UP;
		return;
	}
	if (now + CHAT_TCPP_RETRY >= t->until) {
		t->state = CHAT_TCPP_T_OVER;
		return;
	}
	t->state = CHAT_TCPP_T_WAIT;
	t->next_at = now + CHAT_TCPP_RETRY;
}

int
chat_tcpp_overdue(const struct chat_tcpp *p, const struct stun_addr *addr,
    uint64_t now)
{
	unsigned	i;

	for (i = 0; i < p->n; i++)
		if (stun_addr_equal(&p->t[i].addr, addr))
			return (p->t[i].state == CHAT_TCPP_T_CONNECTING &&
			    now >= p->t[i].next_at);
	return (0);
}

void
chat_tcpp_forget(struct chat_tcpp *p, uint32_t peer_id)
{
	unsigned	i = 0;

	while (i < p->n) {
		if (p->t[i].peer_id == peer_id) {
			p->t[i] = p->t[p->n - 1];
			p->n--;
		} else
			i++;
	}
}

int
chat_tcpp_frame(uint8_t *out, size_t cap, const uint8_t *dgram, size_t len)
{
	if (len == 0 || len > CHAT_TCPP_DGRAM_MAX)
		return (STUN_ERR_TOO_BIG);
	return (stun_chdata_encode(out, cap, CHAT_TCPP_CHANNEL, dgram, len, 1));
}

int
chat_tcpp_unframe(const uint8_t *frame, size_t len, const uint8_t **dgram,
    size_t *dlen)
{
	uint16_t	ch;
	int		r;

	*dgram = NULL;
	*dlen = 0;
	if ((r = stun_chdata_decode(frame, len, &ch, dgram, dlen)) != 0)
		return (r);
	if (ch != CHAT_TCPP_CHANNEL || *dlen == 0 ||
	    *dlen > CHAT_TCPP_DGRAM_MAX) {
		*dgram = NULL;
		*dlen = 0;
		return (STUN_ERR_NOT_STUN);
	}
	return (0);
}

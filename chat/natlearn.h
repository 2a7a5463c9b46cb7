/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The NAT test p2pchat runs at start (natlearn.c): libstun's
 * classification machine against the rendezvous server's two addresses,
 * on sockets of its own, for the NAT essentials the rendezvous carries.
 */
#ifndef CHAT_NATLEARN_H
#define CHAT_NATLEARN_H

#include "libstun/stun.h"
#include "libstun/hardnat.h"

struct event_base;
struct chat_natlearn;

/*
 * Start the test against server, from sockets bound to local's address
 * (port 0 each).  poke(arg) is called (from the event loop, never from
 * inside a call into this file) when the test is over.  NULL when it
 * cannot start: no sockets, or no memory.
 */
struct chat_natlearn *chat_natlearn_start(struct event_base *base,
	    const struct stun_addr *server, const struct stun_addr *local,
	    void (*poke)(void *), void *arg);
/*
 * 1 when the test is over: e holds the essentials (all unknown when it
 * learnt nothing) and ms how long it took; 0 while it runs.
 */
int	chat_natlearn_done(const struct chat_natlearn *,
	    struct stun_hardnat_ess *e, uint64_t *ms);
/* Close its sockets and free it; NULL is fine. */
void	chat_natlearn_free(struct chat_natlearn *);

#endif

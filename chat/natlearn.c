/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The NAT test p2pchat runs at start: the same classification machine
 * natprobe runs (libstun/nat.c), one round, against the rendezvous
 * server's two addresses, on sockets of its own so that the chat socket's
 * mapping stays as the rendezvous saw it.  A thin libevent layer: the
 * machine decides every send and when it is over; what it found becomes
 * the NAT essentials of libstun/hardnat.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "libstun/nat.h"
#include "libstun/hardnat.h"
#include "chat/natlearn.h"

struct chat_natlearn {
	struct stun_nat	 nat;
	unsigned	 n;
	int		 fd[STUN_NAT_MAX_SOCKS];
	struct event	*ev[STUN_NAT_MAX_SOCKS];
	struct event	*timer;
	struct event	*poke_ev;
	void		(*poke)(void *);
	void		*arg;
	int		 done;
	uint64_t	 start, ms;
	struct stun_hardnat_ess ess;
};

static void	natlearn_pump(struct chat_natlearn *, uint64_t);

static void
natlearn_close(struct chat_natlearn *nl)
{
	unsigned	 i;

	for (i = 0; i < nl->n; i++) {
		if (nl->ev[i] != NULL)
			event_free(nl->ev[i]);
		if (nl->fd[i] != -1)
			close(nl->fd[i]);
		nl->ev[i] = NULL;
		nl->fd[i] = -1;
	}
	if (nl->timer != NULL)
		event_del(nl->timer);
}

/* Over: keep the essentials, close the sockets, tell the loop. */
static void
natlearn_finish(struct chat_natlearn *nl, uint64_t now)
{
	const struct stun_nat_result	*r = &nl->nat.r;
	struct timeval			 tv = { 0, 0 };

	nl->done = 1;
	nl->ms = now - nl->start;
	if (r->done)
		stun_hardnat_ess_from_nat(r, &nl->ess);
	log_debug("nat test: mapping %s, filtering %s, ports %s (%d), %llu ms",
	    stun_nat_behaviour_name(nl->ess.mapping),
	    stun_nat_behaviour_name(nl->ess.filtering),
	    stun_nat_pattern_name(nl->ess.pattern), nl->ess.delta,
	    (unsigned long long)nl->ms);
	natlearn_close(nl);
	/* From the loop, not from here: the caller's router runs then. */
	evtimer_add(nl->poke_ev, &tv);
}

static void
natlearn_poke_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_natlearn	*nl = arg;

	(void)fd;
	(void)what;
	nl->poke(nl->arg);
}

static void
natlearn_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_natlearn	*nl = arg;
	struct sockaddr_storage	 ss;
	struct stun_addr	 from;
	uint8_t			 buf[1500];
	socklen_t		 sl;
	ssize_t			 n;
	unsigned		 i, k;

	(void)what;
	for (i = 0; i < nl->n && nl->fd[i] != fd; i++)
		;
	if (i == nl->n || nl->done)
		return;
	for (k = 0; k < 16; k++) {
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		    &sl);
		if (n == -1)
			break;
		if (n == 0 || sock_to_stun((struct sockaddr *)&ss, &from) != 0)
			continue;
		(void)stun_nat_input(&nl->nat, i, &from, buf, (size_t)n,
		    clock_ms());
	}
	natlearn_pump(nl, clock_ms());
}

static void
natlearn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_natlearn	*nl = arg;
	uint64_t		 now = clock_ms();

	(void)fd;
	(void)what;
	if (nl->done)
		return;
	stun_nat_timer(&nl->nat, now);
	natlearn_pump(nl, now);
}

/* Hand on the machine's sends until it waits or is done. */
static void
natlearn_pump(struct chat_natlearn *nl, uint64_t now)
{
	struct stun_nat_action	 a;
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	socklen_t		 sl;
	uint64_t		 d;
	unsigned		 k;

	for (k = 0; k < 4 * STUN_NAT_MAX_TESTS; k++) {
		stun_nat_next(&nl->nat, &a);
		if (a.kind == STUN_NAT_DONE) {
			natlearn_finish(nl, now);
			return;
		}
		if (a.kind == STUN_NAT_WAIT)
			break;
		if (a.sock >= nl->n)
			continue;
		sl = sock_from_stun(&a.to, &ss);
		if (sendto(nl->fd[a.sock], a.buf, a.len, 0,
		    (struct sockaddr *)&ss, sl) == -1)
			log_debug("nat test: sendto: %s", strerror(errno));
	}
	d = a.kind == STUN_NAT_WAIT && a.wake > now ? a.wake - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(nl->timer, &tv);
}

struct chat_natlearn *
chat_natlearn_start(struct event_base *base, const struct stun_addr *server,
    const struct stun_addr *local, void (*poke)(void *), void *arg)
{
	struct chat_natlearn	*nl;
	struct stun_nat_config	 c;
	struct stun_addr	 any, at[STUN_NAT_MAX_SOCKS];
	unsigned		 i;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return (NULL);
	for (i = 0; i < STUN_NAT_MAX_SOCKS; i++)
		nl->fd[i] = -1;
	nl->poke = poke;
	nl->arg = arg;
	memset(&c, 0, sizeof(c));
	c.mode = STUN_NAT_MODE_5780;
	c.server = *server;
	c.rounds = 1;		/* short: the chat is waiting */
	if (stun_nat_init(&nl->nat, &c) != 0)
		goto fail;
	nl->n = nl->nat.nsocks;
	nl->timer = evtimer_new(base, natlearn_timer_cb, nl);
	nl->poke_ev = evtimer_new(base, natlearn_poke_cb, nl);
	if (nl->timer == NULL || nl->poke_ev == NULL)
		goto fail;
	any = *local;
	any.port = 0;
	for (i = 0; i < nl->n; i++) {
		if ((nl->fd[i] = sock_bind(&any, SOCK_DGRAM, 0)) == -1 ||
		    sock_local(nl->fd[i], &at[i]) == -1)
			goto fail;
		/* The machine compares ports with the address it is told. */
		at[i].family = local->family;
		memcpy(at[i].ip, local->ip, sizeof(at[i].ip));
		nl->ev[i] = event_new(base, nl->fd[i], EV_READ | EV_PERSIST,
		    natlearn_sock_cb, nl);
		if (nl->ev[i] == NULL || event_add(nl->ev[i], NULL) != 0)
			goto fail;
	}
	nl->start = clock_ms();
	if (stun_nat_start(&nl->nat, at, nl->n, nl->start) != 0)
		goto fail;
	natlearn_pump(nl, nl->start);
	return (nl);
 fail:
	log_debug("nat test: cannot start: %s", strerror(errno));
	chat_natlearn_free(nl);
	return (NULL);
}

int
chat_natlearn_done(const struct chat_natlearn *nl,
    struct stun_hardnat_ess *e, uint64_t *ms)
{
	if (nl == NULL || !nl->done)
		return (0);
	*e = nl->ess;
	*ms = nl->ms;
	return (1);
}

void
chat_natlearn_free(struct chat_natlearn *nl)
{
	if (nl == NULL)
		return;
	natlearn_close(nl);
	if (nl->timer != NULL)
		event_free(nl->timer);
	if (nl->poke_ev != NULL)
		event_free(nl->poke_ev);
	free(nl);
}

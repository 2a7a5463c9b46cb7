/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's session log (evlog.c): the line of each TURN allocation event,
 * failed login and rendezvous event.  Every line is an event of
 * common/log.c, so a flood of them is cut at the configured rate.
 */
#ifndef STUND_EVLOG_H
#define STUND_EVLOG_H

#include <libstun/stun.h>

struct log_ev;
struct relay_event;
struct rooms_out;
struct stund;

/* key=ADDR:PORT ("[V6]:PORT"), or key=- when a is NULL. */
void	evlog_addr(struct log_ev *ev, const char *key,
	    const struct stun_addr *a);
/* One TURN event: alloc-create, alloc-refresh, alloc-end or auth-fail. */
void	evlog_turn(struct stund *sd, const char *realm,
	    const struct relay_event *e);
/*
 * The rendezvous events of one call of the room table: room-create,
 * member-join, member-leave and member-timeout.
 */
void	evlog_rooms(struct stund *sd, const struct rooms_out *o);

#endif

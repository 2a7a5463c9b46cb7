/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's session log: one key=value line (or JSON object) per TURN
 * allocation event, failed login and rendezvous event, written through
 * the rate-limited events of common/log.c.  The relay and the room table
 * report what happened; this file alone decides what a line says, and it
 * never writes a password, a shared secret or a room key.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "evlog.h"
#include "rdvio.h"
#include "relay.h"
#include "rooms.h"
#include "stund.h"

void
evlog_addr(struct log_ev *ev, const char *key, const struct stun_addr *a)
{
	char	 s[64];

	if (a == NULL || stun_addr_format(a, s, sizeof(s)) != 0)
		snprintf(s, sizeof(s), "-");
	log_ev_str(ev, key, s);
}

/* proto, client and server of a client's 5-tuple. */
static void
evlog_tuple(struct log_ev *ev, struct stund *sd,
    const struct relay_client *cl)
{
	const struct tcp_conn	*tc;

	if (cl->conn != 0) {
		tc = (const struct tcp_conn *)(uintptr_t)cl->conn;
		log_ev_str(ev, "proto", tc->tls ? "tls" : "tcp");
		evlog_addr(ev, "client", &cl->addr);
		evlog_addr(ev, "server", &tc->local);
		return;
	}
	log_ev_str(ev, "proto", "udp");
	evlog_addr(ev, "client", &cl->addr);
	evlog_addr(ev, "server", cl->sock >= 0 && cl->sock < STUND_NSOCK ?
	    &sd->bound[cl->sock] : NULL);
}

void
evlog_turn(struct stund *sd, const char *realm, const struct relay_event *e)
{
	static const char	*names[] = {
		"alloc-create", "alloc-refresh", "alloc-end", "auth-fail"
	};
	struct log_ev		 ev;
	uint64_t		 now;

	if (e->type < 0 || e->type > RELAY_EV_AUTH_FAIL ||
	    log_getlevel() < LOG_LEVEL_INFO)
		return;
	log_ev_begin(&ev, names[e->type]);
	log_ev_str(&ev, "user", e->user != NULL ? e->user : "");
	log_ev_str(&ev, "realm", realm != NULL ? realm : "");
	evlog_tuple(&ev, sd, e->cl);
	if (e->type == RELAY_EV_AUTH_FAIL) {
		log_ev_str(&ev, "reason", e->reason != NULL ? e->reason : "");
		log_ev_u64(&ev, "code", (uint64_t)e->code);
		log_ev_emit(&ev);
		return;
	}
	evlog_addr(&ev, "relayed", e->relayed);
	if (e->type != RELAY_EV_END) {
		log_ev_u64(&ev, "lifetime", e->lifetime);
		log_ev_emit(&ev);
		return;
	}
	now = clock_ms();
	log_ev_u64(&ev, "duration_ms", now > e->created ? now - e->created :
	    0);
	log_ev_u64(&ev, "to_peer_pkts", e->pkts_out);
	log_ev_u64(&ev, "to_peer_bytes", e->bytes_out);
	log_ev_u64(&ev, "to_client_pkts", e->pkts_in);
	log_ev_u64(&ev, "to_client_bytes", e->bytes_in);
	log_ev_str(&ev, "reason", e->reason != NULL ? e->reason : "");
	log_ev_emit(&ev);
}

/*
 * A room is named by a short hash of its id (itself derived one way from
 * the room key): enough to follow one room through the log, and nothing
 * that opens it.  FNV-1a, 64 bits, as hex.
 */
static void
evlog_room(struct log_ev *ev, const uint8_t *id, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	char		 s[17];
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= id[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(s, sizeof(s), "%016llx", (unsigned long long)h);
	log_ev_str(ev, "room", s);
}

void
evlog_rooms(struct stund *sd, const struct rooms_out *o)
{
	static const char	*names[] = {
		"room-create", "member-join", "member-leave", "member-timeout"
	};
	const struct rooms_event *e;
	struct log_ev		 ev;
	unsigned		 i;

	if (log_getlevel() < LOG_LEVEL_INFO)
		return;
	for (i = 0; i < o->nev && i < ROOMS_EV_MAX; i++) {
		e = &o->ev[i];
		if (e->type < ROOMS_EV_CREATE || e->type > ROOMS_EV_TIMEOUT)
			continue;
		log_ev_begin(&ev, names[e->type]);
		evlog_room(&ev, e->room, e->roomlen);
		log_ev_u64(&ev, "member", e->member);
		log_ev_str(&ev, "name", e->name);
		evlog_addr(&ev, "source", &e->from);
		log_ev_str(&ev, "proto", rdvio_proto(sd, e->sock));
		log_ev_u64(&ev, "members", e->members);
		if (e->type == ROOMS_EV_LEAVE || e->type == ROOMS_EV_TIMEOUT)
			log_ev_str(&ev, "reason", e->type == ROOMS_EV_LEAVE ?
			    "leave" : "timeout");
		log_ev_emit(&ev);
	}
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's one packet route, shared by UDP, TCP and TLS: a packet is told
 * apart by its first bytes, rate-limited where the transport asks for it,
 * decoded once and handed to the handler of its (kind, method) row.  Each
 * transport fills its table once at start-up; the handlers are the only
 * callers of the relay and rendezvous machines.
 */
#ifndef STUND_ROUTE_H
#define STUND_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>
#include <libstun/server.h>

struct conf;
struct counters;
struct route_table;
struct ratelimit;
struct stund;
struct tcp_conn;
struct worker;

/* One packet and where it came from; the transport fills what it knows. */
struct route_pkt {
	const uint8_t		*buf;
	size_t			 len;
	uint64_t		 now;	/* monotonic ms */
	struct stun_msg		*m;	/* the transport's room to decode */
	/* src, sock and stream by the transport; the rest by the route. */
	struct stun_server_in	 in;
	/* buf and cap by the transport, for an answer to send back. */
	struct stun_server_out	 out;
	int			 drop;	/* DROP_* when ROUTE_DROP */
};

/* One transport's side of the route, set once per batch or frame. */
struct route {
	const struct route_table *t;
	struct stund		*sd;
	struct worker		*w;	/* its relay table and UDP sockets */
	struct counters		*cnt;
	struct ratelimit	*rl;	/* NULL: no per-source limit */
	const struct conf	*c;	/* the snapshot in use */
	const struct stun_server_conf *sc;	/* ... and its server view */
	const struct stun_server_conf *sc6;	/* ... of sockets 4-7 */
	struct tcp_conn		*conn;	/* a stream's connection; NULL: UDP */
};

/* What a handler (and route_packet()) returns. */
#define ROUTE_SEND	0	/* an answer in out, for the transport */
#define ROUTE_DONE	1	/* handled; nothing for the transport */
#define ROUTE_DROP	(-1)	/* dropped and counted, pkt->drop says why */

typedef int	(*route_fn)(const struct route *, struct route_pkt *);

#define ROUTE_RAW	0x1	/* not STUN: neither limited nor decoded */
#define ROUTE_IND_FREE	0x2	/* indications carry relayed data: no limit */
struct route_row {
	route_fn	 fn;
	int		 flags;
};

/*
 * Rows by STUN method, then one for ChannelData.  Row 0 (method 0x000 is
 * reserved) is the default, taken by methods past the table and by
 * packets that are neither STUN nor ChannelData.
 */
#define ROUTE_METHODS	256
#define ROUTE_CHDATA	ROUTE_METHODS
#define ROUTE_NROWS	(ROUTE_METHODS + 1)
struct route_table {
	struct route_row row[ROUTE_NROWS];
};

/*
 * Fill the UDP and the stream tables from what sd serves (TURN, the
 * rendezvous); call once the relay tables and the room table exist.
 */
void	route_init(struct stund *sd);
/*
 * Route one packet: ROUTE_SEND with the answer in pkt->out (counted), or
 * ROUTE_DONE, or ROUTE_DROP (counted).  Nothing on the Binding path
 * allocates or takes a lock.
 */
int	route_packet(const struct route *rt, struct route_pkt *pkt);

#endif

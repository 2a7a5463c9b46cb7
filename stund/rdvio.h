/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The libevent side of stund's rendezvous: one room table (rooms.c) for
 * every worker, since SO_REUSEPORT spreads a room's members over them,
 * behind one mutex that the Binding path never takes; the expiry timer on
 * the main thread; and the datagrams the table hands back.
 */
#ifndef STUND_RDVIO_H
#define STUND_RDVIO_H

#include <stddef.h>

struct route;
struct route_pkt;
struct rooms_metrics;
struct stund;

/* The room table and its timer on sd->base, when served.  0 or -1. */
int	rdvio_init(struct stund *sd, char *err, size_t errlen);
void	rdvio_free(struct stund *sd);
/*
 * SIGHUP, after sd->conf was replaced: the room table takes the new
 * limits and timers (rooms_reconfigure()).
 */
void	rdvio_reload(struct stund *sd);
/*
 * A decoded rendezvous message: the room table answers it and tells the
 * other members, from the sockets of rt's worker, or into the connection
 * of each member registered over TCP or TLS (rt->conn is the one this
 * message came through).
 */
void	rdvio_input(const struct route *rt, const struct route_pkt *pkt);
/*
 * Fleet: send and log what a room table call made on the main thread
 * returned (cluster.c); the caller holds rdv_lock.
 */
struct rooms_out;
void	rdvio_fleet_send(struct stund *sd, const struct rooms_out *o);
/*
 * Stream members: c closes (tcp_close(), main thread): the members that
 * registered through it leave at once and nothing more goes into it.
 * rdvio_proto names the transport of a rendezvous source value for the
 * log ("udp", "tcp" or "tls"); under rdv_lock.
 */
struct tcp_conn;
void	rdvio_stream_gone(struct tcp_conn *c);
const char *rdvio_proto(struct stund *sd, unsigned sock);
/* A copy of the room table's counters: 0, or -1 when it is off. */
int	rdvio_metrics(struct stund *sd, struct rooms_metrics *m);

#endif

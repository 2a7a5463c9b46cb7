/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund in a fleet (--cluster redis://...): instances sharing one Redis
 * share the rendezvous (rooms, members, Go timing), the rendezvous secret
 * and a registry of live instances with their load, which the relay uses
 * to send an Allocate elsewhere (300 ALTERNATE-SERVER) when it is full.
 * Every Redis exchange is asynchronous on the main event loop; packets
 * never wait for Redis.  doc/scaling.md has the data model.
 */
#ifndef STUND_CLUSTER_H
#define STUND_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

struct cluster;
struct evbuffer;
struct rooms_out;
struct stund;

/* Connect (in the background) when --cluster is set.  0 or -1. */
int	cluster_init(struct stund *sd, char *err, size_t errlen);
void	cluster_free(struct stund *sd);
/*
 * The fleet events of a room table call (rooms_out.fl): queued for the
 * main thread.  The caller holds rdv_lock; any thread; no allocation.
 */
void	cluster_take(struct cluster *cl, const struct rooms_out *out);
/*
 * The least-loaded other live instance of family with room for an
 * allocation, for a 300 answer.  0 with *alt, or -1.  Any thread.
 */
int	cluster_alternate(struct cluster *cl, uint8_t family,
	    struct stun_addr *alt);
/* The cluster's lines of the metrics page. */
void	cluster_metrics(struct stund *sd, struct evbuffer *b);

#endif

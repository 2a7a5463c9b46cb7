/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The libevent side of stund's TURN relay: one allocation table per
 * worker (relay.c) with its relay UDP sockets on that worker's
 * event_base, the quotas shared by the workers, and the answers and data
 * it sends to clients (UDP from the worker's sockets, streams through
 * tcp_send()).  route.c hands it the packets.
 */
#ifndef STUND_RELAYIO_H
#define STUND_RELAYIO_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>

struct conf;
struct stund;
struct worker;
struct tcp_conn;
struct relay;
struct relay_metrics;

/* 1 when this snapshot serves TURN. */
int	relayio_enabled(const struct conf *c);

/* Per worker, after worker_init(); nothing when TURN is off.  0 or -1. */
int	relayio_init(struct worker *w, char *err, size_t errlen);
void	relayio_free(struct worker *w);
/* Shared quota counters (main thread, before the workers).  0 or -1. */
int	relayio_global_init(struct stund *sd, char *err, size_t errlen);
void	relayio_global_free(struct stund *sd);
/* New caps after SIGHUP. */
void	relayio_reload(struct stund *sd);

/*
 * The worker's allocation table pointed at snapshot c for one call of
 * relay.c (the caller is inside a batch, so c stays), or NULL when TURN
 * is off.  relayio_leave() ends the call.
 */
struct relay *relayio_enter(struct worker *w, const struct conf *c);
void	relayio_leave(struct worker *w);
/*
 * Send what the table queued (relayed datagrams and answers): call at the
 * end of each batch of the worker's reads, before its buffers are reused.
 * One sendmmsg per socket where the system has it.
 */
void	relayio_flush(struct worker *w);
/* The stream is closing: end its allocation. */
void	relayio_stream_gone(struct tcp_conn *c);
/*
 * The relay counters summed over the workers (relaxed loads): 0, or -1
 * when TURN is off.
 */
int	relayio_metrics(struct stund *sd, struct relay_metrics *sum);

#endif

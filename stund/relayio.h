/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The libevent side of stund's TURN relay: one allocation table per
 * worker (relay.c) with its relay UDP sockets on that worker's
 * event_base, the credentials loaded into each config snapshot, and the
 * Prometheus lines for the relay counters.
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

/* A UDP datagram that is ChannelData (first two bits 01)?  1 or 0. */
static inline int
relayio_is_chdata(const uint8_t *buf, size_t len)
{
	return (len >= 4 && (buf[0] & 0xc0) == 0x40);
}
/*
 * UDP from src on w's socket sock: m decoded (derr its result), or NULL
 * for ChannelData in buf.  Returns 1 when it was TURN and is handled.
 */
int	relayio_udp(struct worker *w, int sock, const struct stun_addr *src,
	    const struct stun_msg *m, int derr, const uint8_t *buf,
	    size_t len, uint64_t now);
/*
 * Send what relayio_udp() queued (relayed datagrams and answers): call at
 * the end of each batch of the worker's reads, before its buffers are
 * reused.  One sendmmsg per socket where the system has it.
 */
void	relayio_flush(struct worker *w);
/*
 * A frame from a TCP/TLS client (main thread): kind STUN_FRAME_*.
 * Returns 1 when it was TURN and is handled.
 */
int	relayio_stream(struct tcp_conn *c, const uint8_t *p, size_t len,
	    int kind);
/* The stream is closing: end its allocation. */
void	relayio_stream_gone(struct tcp_conn *c);
/*
 * The relay counters summed over the workers (relaxed loads): 0, or -1
 * when TURN is off.
 */
int	relayio_metrics(struct stund *sd, struct relay_metrics *sum);

#endif

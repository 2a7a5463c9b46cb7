/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Per-source token buckets in a fixed-size, 4-way set-associative table.
 * IPv4 sources are keyed by address, IPv6 sources by their /64.  A full
 * set evicts its least recently used entry, so memory never grows.  No
 * clock: the caller passes now in milliseconds.
 */
#ifndef STUND_RATELIMIT_H
#define STUND_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>

struct ratelimit;

/* slots is rounded down to a power of two (at least 4). NULL on ENOMEM. */
struct ratelimit *ratelimit_new(size_t slots, uint64_t seed);
void	ratelimit_free(struct ratelimit *rl);
/* rate packets per second (0: unlimited), burst packets. */
void	ratelimit_set(struct ratelimit *rl, unsigned rate, unsigned burst);
/* 1 when a packet from a may pass now, 0 when it must be dropped. */
int	ratelimit_allow(struct ratelimit *rl, const struct stun_addr *a,
	    uint64_t now);
/* Entries evicted so far (for metrics). */
uint64_t ratelimit_evictions(const struct ratelimit *rl);
size_t	ratelimit_slots(const struct ratelimit *rl);

#endif

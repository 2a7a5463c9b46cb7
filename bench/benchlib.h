/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What the load generators share: the clock, option numbers, and a latency
 * histogram in microseconds with percentiles.
 */
#ifndef BENCH_BENCHLIB_H
#define BENCH_BENCHLIB_H

#include <stdint.h>

struct stun_addr;

#define BENCH_NS	(1000000000ULL)
#define BENCH_HISTMAX	(100000)	/* us; slower lands in the last bucket */

/* Monotonic time in nanoseconds. */
uint64_t	bench_now(void);
/* A decimal in [min, max] with up to 3 fraction digits, x1000; -1 if bad. */
long long	bench_milli(const char *s, double min, double max);

/*
 * 1 if addr is one a benchmark may load: loopback, or the documentation
 * ranges 198.51.100.0/24 and 203.0.113.0/24, which the benchmarks use only
 * inside network namespaces they made themselves; 0 otherwise.
 */
int		bench_lab_addr(const struct stun_addr *addr);

/* Round-trip times of the measured window. */
struct bench_hist {
	uint32_t	*bucket;	/* BENCH_HISTMAX + 1 */
	uint64_t	 n;
};

int		bench_hist_init(struct bench_hist *h);	/* 0 or -1 */
void		bench_hist_free(struct bench_hist *h);
void		bench_hist_add(struct bench_hist *h, uint64_t ns);
/* The q-quantile (0..1) in microseconds; 0 when empty. */
uint64_t	bench_hist_pct(const struct bench_hist *h, double q);

#endif

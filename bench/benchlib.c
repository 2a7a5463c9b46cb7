/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Shared parts of the load generators and the echo peer (benchlib.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <libstun/stun.h>

#include "benchlib.h"

int
bench_lab_addr(const struct stun_addr *addr)
{
	if (stun_addr_class(addr) == STUN_ADDR_LOOPBACK)
		return (1);
	if (addr->family != STUN_AF_INET)
		return (0);
	return ((addr->ip[0] == 198 && addr->ip[1] == 51 &&
	    addr->ip[2] == 100) ||
	    (addr->ip[0] == 203 && addr->ip[1] == 0 && addr->ip[2] == 113));
}

uint64_t
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * BENCH_NS + (uint64_t)ts.tv_nsec);
}

long long
bench_milli(const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= min) ||
	    !(v <= max))
		return (-1);
	return ((long long)(v * 1000.0 + 0.5));
}

int
bench_hist_init(struct bench_hist *h)
{
	h->n = 0;
	h->bucket = calloc(BENCH_HISTMAX + 1, sizeof(*h->bucket));
	return (h->bucket == NULL ? -1 : 0);
}

void
bench_hist_free(struct bench_hist *h)
{
	free(h->bucket);
	h->bucket = NULL;
	h->n = 0;
}

void
bench_hist_add(struct bench_hist *h, uint64_t ns)
{
	uint64_t	us = ns / 1000;

	h->bucket[us > BENCH_HISTMAX ? BENCH_HISTMAX : us]++;
	h->n++;
}

uint64_t
bench_hist_pct(const struct bench_hist *h, double q)
{
	uint64_t	want, seen = 0;
	unsigned	i;

	if (h->n == 0)
		return (0);
	want = (uint64_t)(q * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i <= BENCH_HISTMAX; i++) {
		seen += h->bucket[i];
		if (seen > want)
			return (i);
	}
	return (BENCH_HISTMAX);
}

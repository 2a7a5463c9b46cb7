/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * When stund's relay coalesces (--relay-coalesce): the decision, at the
 * end of each loop pass that relayed something, whether to nap before the
 * loop waits again.  I/O-free: relayio.c feeds it the time and the pass's
 * count and sleeps when told to.
 */
#ifndef STUND_RELAYNAP_H
#define STUND_RELAYNAP_H

#include <stdint.h>

#define RELAYNAP_BUSY_MS	10	/* the datagram rate is taken over this */
#define RELAYNAP_GAIN		2	/* datagrams a nap must gather */
#define RELAYNAP_YIELD_NAPS	16	/* naps whose yield is averaged */
#define RELAYNAP_YIELD_MIN2	3	/* twice the least average yield */
#define RELAYNAP_BACKOFF_MS	125	/* first pause after naps did not pay */
#define RELAYNAP_BACKOFF_MAX_MS	1000	/* ... doubled up to this */
#define RELAYNAP_CHECK_MS	1000	/* the rate with and without naps is */
#define RELAYNAP_CMP_MS		20	/* compared this often, over this */

struct relaynap {
	unsigned	nap_us;		/* 0: never nap */
	unsigned	full;		/* a pass this large never naps */
	/* The datagram rate. */
	uint64_t	rate_ms;	/* start of the rate window */
	unsigned	dgrams;		/* datagrams relayed in it */
	int		busy;		/* the last window was busy enough */
	/* The yield of the naps: what the pass after each one handled. */
	int		napped;		/* the last pass ended in a nap */
	unsigned	naps;		/* naps counted in this yield window */
	unsigned	yield;		/* datagrams of their next passes */
	uint64_t	off_until;	/* no naps before this (ms) */
	unsigned	backoff_ms;	/* the next pause; 0: the first */
	/* The rate check: do naps slow the datagrams down? */
	int		phase;		/* RELAYNAP_* below */
	uint64_t	phase_ms;	/* start of the phase */
	unsigned	phase_n;	/* datagrams in it */
	uint64_t	on_ms;		/* length of the measured napping phase */
	unsigned	on_n;		/* ... and its datagrams */
	/* Counters, for tests and profiles. */
	uint64_t	n_naps;
	uint64_t	n_backoffs;
	uint64_t	n_slowed;	/* pauses because naps slowed the rate */
};

#define RELAYNAP_ON		0	/* napping */
#define RELAYNAP_ON_CMP		1	/* napping, datagrams counted */
#define RELAYNAP_OFF_CMP	2	/* not napping, datagrams counted */

void	relaynap_init(struct relaynap *, unsigned nap_us, unsigned full,
	    uint64_t now);
/* Another nap length (configuration reload); 0 turns naps off. */
void	relaynap_set(struct relaynap *, unsigned nap_us);
/* A pass that relayed n datagrams (and stream writes) ended: 1 to nap. */
int	relaynap_pass(struct relaynap *, uint64_t now, unsigned n);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's packet counters: messages and bytes in and out by method and
 * class, error answers by code, and drops by reason.  Each struct counters
 * has one writer (a worker thread, or the main thread for TCP and TLS);
 * the metrics endpoint reads them with relaxed atomic loads.
 */
#ifndef STUND_COUNTERS_H
#define STUND_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define CNT_METH_BINDING	0
#define CNT_METH_OTHER		1
#define CNT_NMETH		2
enum cnt_drop {
	DROP_NOT_STUN, DROP_CLASS, DROP_FINGERPRINT, DROP_MALFORMED,
	DROP_METHOD, DROP_SOURCE, DROP_NOSPACE, DROP_RATELIMIT, DROP_SEND,
	DROP_TCP_FRAME, DROP_TCP_CAP, DROP_TCP_OUTPUT, DROP_PROXY,
	DROP_TCP_SOURCE, DROP_TCP_DEADLINE, DROP_NDROPS
};
struct counters {
	uint64_t	in_pkts[CNT_NMETH][4];	/* [method][class] */
	uint64_t	in_bytes[CNT_NMETH][4];
	uint64_t	out_pkts[CNT_NMETH][4];
	uint64_t	out_bytes[CNT_NMETH][4];
	uint64_t	err_codes[7];		/* by code / 100 */
	uint64_t	drops[DROP_NDROPS];
	uint64_t	rx_bytes;		/* every byte received */
};
#define CNT_ADD(p, v)	__atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define CNT_GET(p)	__atomic_load_n((p), __ATOMIC_RELAXED)

/* The metrics label of a DROP_* value ("not_stun"), or "unknown". */
const char	*counters_drop_name(int drop);
/* The DROP_* value for a STUN_SRV_DROP_* result of libstun's server. */
int		 counters_drop_reason(int srv);
/* One message sent: method slot, class, error code (0: none), bytes. */
void		 counters_count_out(struct counters *c, int meth, uint8_t cls,
		    int code, size_t len);
/*
 * Add n 64-bit counters from src to dst, reading src with relaxed loads
 * (a struct counters, or any struct made only of uint64_t counters).
 */
void		 counters_add(uint64_t *dst, const uint64_t *src, size_t n);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's packet counters: the names of the drop reasons, the mapping from
 * libstun's server results, counting a message sent, and summing a set of
 * counters for the metrics endpoint.
 */
#include <stddef.h>
#include <stdint.h>

#include <libstun/server.h>

#include "counters.h"

const char *
counters_drop_name(int drop)
{
	static const char *names[DROP_NDROPS] = {
		"not_stun", "class", "fingerprint", "malformed", "method",
		"source", "nospace", "ratelimit", "send_error", "tcp_frame",
		"tcp_cap", "tcp_output", "proxy_header", "tcp_source",
		"tcp_deadline"
	};

	if (drop < 0 || drop >= DROP_NDROPS)
		return ("unknown");
	return (names[drop]);
}

int
counters_drop_reason(int srv)
{
	switch (srv) {
	case STUN_SRV_DROP_CLASS:
		return (DROP_CLASS);
	case STUN_SRV_DROP_FP:
		return (DROP_FINGERPRINT);
	case STUN_SRV_DROP_METHOD:
		return (DROP_METHOD);
	case STUN_SRV_DROP_SOURCE:
		return (DROP_SOURCE);
	case STUN_SRV_DROP_NOSPACE:
		return (DROP_NOSPACE);
	}
	return (DROP_MALFORMED);
}

void
counters_count_out(struct counters *c, int meth, uint8_t cls, int code,
    size_t len)
{
	CNT_ADD(&c->out_pkts[meth][cls & 3], 1);
	CNT_ADD(&c->out_bytes[meth][cls & 3], len);
	if (code >= 300 && code < 700)
		CNT_ADD(&c->err_codes[code / 100], 1);
}

void
counters_add(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		dst[i] += CNT_GET(&src[i]);
}

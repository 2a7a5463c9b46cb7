/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The PROXY protocol version 2 header that a TCP load balancer (HAProxy,
 * a cloud network load balancer) puts in front of a stream: an I/O-free,
 * bounded decoder, so that stund answers and logs the client's address
 * rather than the balancer's.  Version 1 (text) is not accepted.
 */
#ifndef STUND_PROXY_H
#define STUND_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>

#define PROXY_SIG_LEN	12
#define PROXY_HDR_MIN	16		/* signature, command, family, len */
#define PROXY_TLV_MAX	1024		/* TLV bytes we wait for at most */
#define PROXY_HDR_MAX	(PROXY_HDR_MIN + 216 + PROXY_TLV_MAX)

struct proxy_hdr {
	size_t			 len;	/* bytes the header took */
	int			 local;	/* LOCAL: the balancer's own check */
	int			 has_addr;	/* src and dst are set */
	struct stun_addr	 src;	/* the client */
	struct stun_addr	 dst;	/* the address it connected to */
};

/*
 * Decode the header at the start of a stream's first len bytes.  Returns
 * the header's length (> 0) with *h filled, 0 when more bytes are needed,
 * or -1 when the bytes are not a version 2 header we accept: a wrong
 * signature (known from the first byte that differs), another version or
 * command, a datagram transport, addresses longer than the header says,
 * or a header longer than PROXY_HDR_MAX.  PROXY with an unspecified or
 * UNIX family, and LOCAL, leave has_addr 0: keep the connection's
 * addresses.  TLVs are skipped.
 */
int	proxy_v2_decode(const uint8_t *p, size_t len, struct proxy_hdr *h);

#endif

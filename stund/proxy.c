/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * PROXY protocol version 2 headers (haproxy.org proxy-protocol.txt,
 * section 2.2), read only through libstun's bounded reader: the fixed 16
 * bytes, then the address block for IPv4 or IPv6 streams, skipping TLVs.
 */
#include <string.h>

#include "libstun/buf.h"
#include "proxy.h"

static const uint8_t	proxy_sig[PROXY_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define PROXY_VERSION	0x2
#define PROXY_CMD_LOCAL	0x0
#define PROXY_CMD_PROXY	0x1
#define PROXY_AF_UNSPEC	0x0
#define PROXY_AF_INET	0x1
#define PROXY_AF_INET6	0x2
#define PROXY_AF_UNIX	0x3
#define PROXY_TP_UNSPEC	0x0
#define PROXY_TP_STREAM	0x1
#define PROXY_INET_LEN	(12)
#define PROXY_INET6_LEN	(36)

/* One address block: source, destination, then their ports. */
static int
proxy_addrs(struct stun_rd *r, uint8_t family, size_t iplen,
    struct proxy_hdr *h)
{
	uint16_t	 sport, dport;

	h->src.family = h->dst.family = family;
	if (stun_rd_copy(r, h->src.ip, iplen) != 0 ||
	    stun_rd_copy(r, h->dst.ip, iplen) != 0 ||
	    stun_rd_u16(r, &sport) != 0 || stun_rd_u16(r, &dport) != 0)
		return (-1);
	h->src.port = sport;
	h->dst.port = dport;
	h->has_addr = 1;
	return (0);
}

int
proxy_v2_decode(const uint8_t *p, size_t len, struct proxy_hdr *h)
{
	struct stun_rd	 r, body;
	uint8_t		 sig[PROXY_SIG_LEN], vc, ft;
	uint16_t	 blen;
	size_t		 n;

	memset(h, 0, sizeof(*h));
	/* A wrong signature is known as soon as a byte differs. */
	n = len < PROXY_SIG_LEN ? len : PROXY_SIG_LEN;
	stun_rd_init(&r, p, len);
	if (stun_rd_copy(&r, sig, n) != 0 || memcmp(sig, proxy_sig, n) != 0)
		return (-1);
	if (len < PROXY_HDR_MIN)
		return (0);
	if (stun_rd_u8(&r, &vc) != 0 || stun_rd_u8(&r, &ft) != 0 ||
	    stun_rd_u16(&r, &blen) != 0)
		return (-1);
	if ((vc >> 4) != PROXY_VERSION || (vc & 0xf) > PROXY_CMD_PROXY)
		return (-1);
	if ((ft & 0xf) != PROXY_TP_UNSPEC && (ft & 0xf) != PROXY_TP_STREAM)
		return (-1);
	if (blen > PROXY_HDR_MAX - PROXY_HDR_MIN)
		return (-1);
	if (blen > stun_rd_left(&r))
		return (0);
	if (stun_rd_sub(&r, blen, &body) != 0)
		return (-1);
	h->len = PROXY_HDR_MIN + (size_t)blen;
	if ((vc & 0xf) == PROXY_CMD_LOCAL) {
		h->local = 1;
		return ((int)h->len);
	}
	switch (ft >> 4) {
	case PROXY_AF_INET:
		if (blen < PROXY_INET_LEN ||
		    proxy_addrs(&body, STUN_AF_INET, 4, h) != 0)
			return (-1);
		break;
	case PROXY_AF_INET6:
		if (blen < PROXY_INET6_LEN ||
		    proxy_addrs(&body, STUN_AF_INET6, 16, h) != 0)
			return (-1);
		break;
	case PROXY_AF_UNSPEC:
	case PROXY_AF_UNIX:
		break;
	default:
		return (-1);
	}
	/* What is left of body is TLVs: skipped, within the length. */
	return ((int)h->len);
}

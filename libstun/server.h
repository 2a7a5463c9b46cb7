/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Server side of the Binding method (RFC 8489, RFC 5780 NAT behaviour
 * discovery, RFC 3489 legacy clients).  Given one received request, the
 * local socket it arrived on and its source, it builds the answer and says
 * which of the server's sockets sends it and to where.  No I/O, no clock,
 * no allocation: the caller owns the sockets and the output buffer.
 */
#ifndef LIBSTUN_SERVER_H
#define LIBSTUN_SERVER_H

#include <libstun/stun.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The four sockets of an RFC 5780 server: primary/alternate IP x
 * primary/alternate port.  Flipping bit 1 changes the IP, bit 0 the port,
 * so CHANGE-REQUEST maps to sock ^ (ip ? 2 : 0) ^ (port ? 1 : 0).
 */
#define STUN_SRV_PP		0	/* (IP1, P1) */
#define STUN_SRV_PA		1	/* (IP1, P2) */
#define STUN_SRV_AP		2	/* (IP2, P1) */
#define STUN_SRV_AA		3	/* (IP2, P2) */
#define STUN_SRV_NSOCK		4

struct stun_server_conf {
	/* Bound addresses; only local[STUN_SRV_PP] when !two_addr. */
	struct stun_addr local[STUN_SRV_NSOCK];
	/*
	 * 1 when all four sockets exist and answered the start-up self-test:
	 * only then OTHER-ADDRESS, RESPONSE-ORIGIN and CHANGED-ADDRESS are
	 * sent and CHANGE-REQUEST is honoured (RFC 5780 6).
	 */
	int			two_addr;
	const char		*software;	/* NULL: no SOFTWARE */
};

/* One received message. */
struct stun_server_in {
	const struct stun_msg	*msg;	/* decoded, hdr_ok set */
	int			 derr;	/* stun_msg_decode() result */
	size_t			 len;	/* bytes received */
	int			 sock;	/* STUN_SRV_* it arrived on */
	int			 stream; /* 1 over TCP/TLS */
	struct stun_addr	 src;	/* where it came from */
};

/* What to send. */
struct stun_server_out {
	uint8_t			*buf;	/* caller's buffer ... */
	size_t			 cap;	/* ... and its size */
	size_t			 len;	/* response length */
	int			 sock;	/* STUN_SRV_* that sends it */
	struct stun_addr	 dst;	/* where to */
	uint8_t			 cls;	/* success or error */
	int			 code;	/* error code, 0 on success */
};

/* Results: send, or drop with a reason (for counters). */
#define STUN_SRV_SEND		0
#define STUN_SRV_DROP_CLASS	(-1)	/* response or indication */
#define STUN_SRV_DROP_FP	(-2)	/* FINGERPRINT mismatch */
#define STUN_SRV_DROP_MALFORMED	(-3)	/* no usable header */
#define STUN_SRV_DROP_METHOD	(-4)	/* not a Binding request */
#define STUN_SRV_DROP_SOURCE	(-5)	/* bad source or socket */
#define STUN_SRV_DROP_NOSPACE	(-6)	/* output buffer too small */

/* Smallest out->cap that holds any answer stun_server_binding() builds. */
#define STUN_SRV_MIN_CAP	(2048)

/*
 * Answer a Binding request.  Returns STUN_SRV_SEND with out->len bytes in
 * out->buf to send from out->sock to out->dst, or a STUN_SRV_DROP_* value.
 * Errors answered: 400 for a malformed request that has a usable header,
 * a malformed CHANGE-REQUEST or RESPONSE-PORT, PADDING together with
 * RESPONSE-PORT (RFC 5780 6.1), or CHANGE-REQUEST / RESPONSE-PORT over a
 * stream; 420 with UNKNOWN-ATTRIBUTES for unknown comprehension-required
 * attributes, and for CHANGE-REQUEST when !two_addr (RFC 5780 6).
 * RESPONSE-ADDRESS (RFC 3489) is never honoured.
 */
STUN_API int stun_server_binding(const struct stun_server_conf *c,
    const struct stun_server_in *in, struct stun_server_out *out);

/*
 * An error answer (code 300..699) to any request, e.g. 400 for a method
 * the caller does not serve; sent from in->sock to in->src.  Returns
 * STUN_SRV_SEND or a STUN_SRV_DROP_* value.
 */
STUN_API int stun_server_reject(const struct stun_server_conf *c,
    const struct stun_server_in *in, int code, struct stun_server_out *out);

/* Text for a STUN_SRV_DROP_* value ("fingerprint", ...). */
STUN_API const char *stun_server_drop_name(int res);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_SERVER_H */

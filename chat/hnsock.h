/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The extra sockets of a hard-NAT attempt (hnsock.c): opened when a peer
 * asks for them, within the process's file descriptor budget, read into
 * the peer's machine, and closed when the attempt is over but for the one
 * a probe got through on, which then carries the direct path.
 */
#ifndef CHAT_HNSOCK_H
#define CHAT_HNSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"
#include "libstun/hardnat.h"

/* Slots: one attempt's sockets and a few kept from earlier ones. */
#define CHAT_HNSOCK_MAX		(STUN_HARDNAT_MAX_SOCKS + 8)
/* Descriptors left to the rest of the program. */
#define CHAT_HNSOCK_SPARE	128

struct chat_ctx;

/*
 * Open up to want sockets for peer, bound to the main socket's address
 * (port: port, or any when 0), numbered *base .. *base + n - 1.  Returns
 * n: fewer than want (0 included) when descriptors run short, sockets of
 * another attempt are open, or the kernel refuses.
 */
unsigned chat_hnsock_open(struct chat_ctx *ctx, uint32_t peer, unsigned want,
	    uint16_t port, unsigned *base);
/* Close peer's sockets but keep (the caller's number; 0: none). */
void	chat_hnsock_close(struct chat_ctx *ctx, uint32_t peer, unsigned keep);
/* Send from socket sock (the caller's number); -1 when it is not open. */
int	chat_hnsock_send(struct chat_ctx *ctx, unsigned sock,
	    const struct stun_addr *to, const uint8_t *buf, size_t len);
/* An empty datagram on the main socket: a probe for a peer's attempt? */
void	chat_hnsock_empty(struct chat_ctx *ctx, const struct stun_addr *from,
	    uint64_t now);
void	chat_hnsock_free(struct chat_ctx *ctx);

#endif /* CHAT_HNSOCK_H */

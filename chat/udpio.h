/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's batched datagram I/O on its main socket (udpio.c): datagrams
 * sent in one turn of the router leave together with sendmmsg(2), runs of
 * them to one address as one UDP GSO message on Linux; a read takes a
 * burst with recvmmsg(2), and UDP GRO's coalesced ones are cut back into
 * datagrams.  Without either, one system call per datagram.
 */
#ifndef CHAT_UDPIO_H
#define CHAT_UDPIO_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* A datagram read: its source and bytes, as received. */
typedef void (*chat_udpio_cb)(void *arg, const struct sockaddr_storage *ss,
    uint8_t *buf, size_t len);

/* Set fd up (GRO where the kernel has it).  0, or -1: out of memory. */
int	chat_udpio_init(int fd);
void	chat_udpio_free(void);
/*
 * Queue a datagram to ss; it leaves at the next flush (or sooner).  run 0:
 * never in a GSO run (a receiver that would only split it again).
 */
void	chat_udpio_send(int fd, const struct sockaddr_storage *ss,
	    socklen_t sl, const uint8_t *buf, size_t len, int run);
/* Send what is queued, in order; a datagram refused is lost. */
void	chat_udpio_flush(int fd);
/*
 * Hand up to max datagrams to cb: those left from the last read of fd,
 * else what one read takes.  1: some are still held (call again, without
 * waiting for fd), else 0.
 */
int	chat_udpio_recv(int fd, chat_udpio_cb cb, void *arg, unsigned max);

#endif /* CHAT_UDPIO_H */

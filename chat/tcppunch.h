/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's TCP paths to peers (tcppunch.c): a listening socket, the
 * connection to the rendezvous server bound to the same port (so that the
 * TCP mapping the server sees and lists to the room is one peers can
 * reach), connects from that port to the peers' TCP candidates at the go
 * (simultaneous open; the listener takes the connections that come in
 * instead), and the streams, on which the punch machine's checks and the
 * chat's datagrams travel as frames (chat/tcpplan.h).  To the punch
 * machine the streams are one more socket, CHAT_SOCK_TCP.
 */
#ifndef CHAT_TCPPUNCH_H
#define CHAT_TCPPUNCH_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_SOCK_TCP		0x7fff	/* the streams, as the punch machine
					   numbers sockets */
#define CHAT_TCP_STREAMS	16	/* streams open at once */
#define CHAT_TCP_IDLE		60000	/* ms a stream may carry nothing */
#define CHAT_TCP_OUT_MAX	(128 * 1024)	/* bytes queued on a stream */
#define CHAT_TCP_RX_MAX		4096	/* bytes reassembled */

struct chat_ctx;

/*
 * Listen on a port of our own and declare it as a TCP candidate of ours
 * (the server then lists our mapping, and the others', to the room): done
 * once the rendezvous server is reached over TCP or TLS.  0, or -1.
 */
int	chat_tcp_listen(struct chat_ctx *);
/*
 * For srv.c: a socket to connect to the rendezvous server with, bound to
 * the port we listen on (listening first); -1 when there is none (connect
 * from any port).
 */
int	chat_tcp_srv_socket(struct chat_ctx *, const struct stun_addr *to);
/* What the punch machine sends from CHAT_SOCK_TCP to to. */
void	chat_tcp_send(struct chat_ctx *, const struct stun_addr *to,
	    const uint8_t *buf, size_t len);
/*
 * The router's turn: declare the candidate, start connects at the peers'
 * go, give up slow ones, close idle streams; *wake: when next (0 none).
 */
void	chat_tcp_pump(struct chat_ctx *, uint64_t now, uint64_t *wake);
void	chat_tcp_free(struct chat_ctx *);

#endif /* CHAT_TCPPUNCH_H */

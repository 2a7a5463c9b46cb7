/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * How p2pchat reaches its servers (the rendezvous server, the TURN relay):
 * over its UDP socket, or over a TCP or TLS connection that carries the
 * same STUN messages and ChannelData framed as RFC 8489 and RFC 8656 say.
 * The machines never know: they send to and hear from the server's address
 * as before, and this layer picks the transport, in turn UDP, TCP, TLS
 * when left to choose, and connects again when a connection drops.  A
 * rendezvous server reached over a stream that way is asked over UDP now
 * and then, and moves back to UDP once UDP answers.
 */
#ifndef CHAT_SRV_H
#define CHAT_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_SRV_AUTO		0	/* UDP, then TCP, then TLS */
#define CHAT_SRV_UDP		1
#define CHAT_SRV_TCP		2
#define CHAT_SRV_TLS		3

#define CHAT_SRV_RDV		0	/* roles: the rendezvous server, */
#define CHAT_SRV_RELAY		1	/* the TURN relay */

#define CHAT_SRV_MAX		8	/* servers known */
#define CHAT_SRV_UDP_WAIT	1500	/* ms for a first answer over UDP, */
#define CHAT_SRV_TCP_WAIT	2000	/* over TCP (connect included), */
#define CHAT_SRV_TLS_WAIT	3000	/* over TLS (handshake included) */
#define CHAT_SRV_RETRY		1000	/* ms before connecting again, */
#define CHAT_SRV_RETRY_MAX	30000	/* doubling up to this */
#define CHAT_SRV_OUT_MAX	(256 * 1024)	/* bytes queued on a stream */
#define CHAT_SRV_LINGER		30000	/* ms a stream left for UDP stays
					   open at most, unsettled */

struct chat_ctx;

/*
 * The server the machines know as addr in role, named host (checked in
 * its TLS certificate), reached by mode (CHAT_SRV_*); TLS goes to
 * tls_port (0: none).  A relay on the rendezvous server with mode AUTO
 * shares its connection; one with a transport of its own gets its own.
 * The same role and server again: ignored.  0, or -1 when the table is
 * full.
 */
int	chat_srv_add(struct chat_ctx *, int role, const struct stun_addr *addr,
	    const char *host, int mode, uint16_t tls_port);
/* TLS: trust the certificates in cafile (NULL: the system's store). */
int	chat_srv_tls_init(struct chat_ctx *, const char *cafile);
/*
 * Bytes for a server in role (or the other role's at the same address):
 * 1 when a stream took them (or will, once it is connected), 0 when they
 * go out of the UDP socket as before.
 */
int	chat_srv_send(struct chat_ctx *, int role, const struct stun_addr *to,
	    const uint8_t *buf, size_t len, uint64_t now);
/* A datagram came from from over UDP: UDP reaches it. */
void	chat_srv_heard(struct chat_ctx *, const struct stun_addr *from);
/*
 * A datagram from from over UDP, before the machines see it: 1 when it
 * answers the probe of a server reached over a stream, left to choose
 * (chat/udpback.h), which then moves back to UDP and has the rendezvous
 * client register again (chat_server_dropped()); else 0, hand it on.
 */
int	chat_srv_udp_input(struct chat_ctx *, const struct stun_addr *from,
	    const uint8_t *buf, size_t len, uint64_t now);
/*
 * The rendezvous client is registered again: a stream a moves back to
 * UDP left open (the membership lived on it) can close now.
 */
void	chat_srv_settled(struct chat_ctx *, int role,
	    const struct stun_addr *a);
/*
 * The server at a stopped answering: left to choose, look again, from
 * the transport in use on, in turn, until one answers; 0.  Or 1: it was
 * a move back to UDP that never registered, and the stream it left, up
 * still, takes over again (the client registers there at once).
 */
int	chat_srv_lost(struct chat_ctx *, int role, const struct stun_addr *a);
/* Switch transports, connect again; *wake: when next (0 none). */
void	chat_srv_timer(struct chat_ctx *, uint64_t now, uint64_t *wake);
/* "udp", "tcp" or "tls": how addr in role is reached now. */
const char *chat_srv_transport(struct chat_ctx *, int role,
	    const struct stun_addr *);
void	chat_srv_free(struct chat_ctx *);

struct evbuffer;
/*
 * The next frame of a stream whose bytes arrive in an evbuffer, through
 * libstun's stream reader rx: its length, STUN_ERR_NEED_MORE, or another
 * STUN_ERR_* when the stream carries something else (close it then).
 * For the server connections here and the peer streams of tcppunch.c.
 */
int	chat_stream_next(struct evbuffer *, struct stun_stream *,
	    const uint8_t **);

#endif /* CHAT_SRV_H */

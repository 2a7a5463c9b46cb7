/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What p2pchat.c (the event loop), batch.c (JSON lines) and ui.c (the
 * terminal) share: the events shown to the user and the commands the user
 * gives; and what relay.c calls back in p2pchat.c.
 */
#ifndef CHAT_P2PCHAT_H
#define CHAT_P2PCHAT_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define EV_ROOM		1	/* code, created */
#define EV_REGISTERED	2	/* id (ours), addr (mapped) */
#define EV_MEMBER	3	/* the rendezvous announced peer */
#define EV_PATH		4	/* path_kind, addr, types, rtt */
#define EV_JOINED	5	/* handshake done with peer */
#define EV_MESSAGE	6	/* text from peer, id */
#define EV_DELIVERED	7	/* id to peer */
#define EV_UNDELIVERED	8	/* id to peer (peer NULL: nobody), reason */
#define EV_LEFT		9	/* peer, reason */
#define EV_FAILED	10	/* no path or handshake to peer, reason */
#define EV_ERROR	11	/* reason: something the user should know */
#define EV_BYE		12	/* we left the room */
#define EV_RELAY	13	/* addr on server addr2; reason: unusable */

struct chat_event {
	int		 kind;
	uint64_t	 ms;		/* since start */
	const char	*peer;		/* display name */
	uint32_t	 peer_id;	/* member id */
	uint32_t	 id;		/* message id */
	const uint8_t	*text;
	size_t		 len;
	const char	*code;
	int		 created;
	int		 path_kind;	/* CHAT_PATH_* */
	struct stun_addr addr;
	struct stun_addr addr2;		/* PATH: the peer; RELAY: server */
	const char	*local_type;
	const char	*remote_type;
	uint32_t	 rtt;
	const char	*reason;
};

/* One line of /who or /path. */
struct chat_peer_info {
	const char	*name;
	uint32_t	 id;
	const char	*state;
	int		 path_kind;
	struct stun_addr addr;
	uint32_t	 rtt;
	unsigned	 pending;
};

struct chat_ctx;

/* p2pchat.c, for the front ends. */
/*
 * A line to send to every peer (buf NULL: it was too long).  0 when
 * taken (sent, kept for the first peer, or reported), -1 when the peers
 * are busy: offer it again later.
 */
int	chat_send_line(struct chat_ctx *, const uint8_t *, size_t);
void	chat_quit(struct chat_ctx *);
/* Fill up to max entries; returns how many. */
unsigned chat_peers(struct chat_ctx *, struct chat_peer_info *, unsigned);

/* p2pchat.c, for relay.c. */
void	chat_emit(struct chat_ctx *, struct chat_event *);
void	chat_sendto(struct chat_ctx *, const struct stun_addr *,
	    const uint8_t *, size_t);
/* Register in the room, or announce the relayed address: 0 or -1. */
int	chat_register(struct chat_ctx *, uint64_t);
/* Stop with exit status 1 and this message. */
void	chat_fail(struct chat_ctx *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
/* A datagram a peer sent through the relay, from the peer at from. */
void	chat_relayed(struct chat_ctx *, const struct stun_addr *,
	    const uint8_t *, size_t, uint64_t);

/* hostaddr.c */
/*
 * "host", "host:port", "[v6]" or "[v6]:port" (port 3478 when absent).
 * 0, -1 for a malformed argument, -2 when it does not resolve (err says
 * why).
 */
int	chat_resolve(const char *arg, struct stun_addr *out, char *err,
	    size_t errlen);
/*
 * Up to max host candidates with port: every address of the server's
 * family on this host, loopback (listed first) only when the server is on
 * loopback.
 */
struct stun_rdv_cand;
unsigned chat_host_cands(const struct stun_addr *server, uint16_t port,
	    struct stun_rdv_cand *out, unsigned max);

/* batch.c */
void	batch_event(const struct chat_event *);
/* Split buffered stdin into lines; returns bytes consumed. */
size_t	batch_lines(struct chat_ctx *, const uint8_t *, size_t, int eof,
	    int *skip);

/* ui.c */
int	ui_start(void);
void	ui_stop(void);
void	ui_event(const struct chat_event *);
void	ui_input(struct chat_ctx *, const uint8_t *, size_t);

#endif /* CHAT_P2PCHAT_H */

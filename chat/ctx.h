/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's state, private to p2pchat.c (the event loop and the router
 * between the machines) and lines.c (the lines the user types); the front
 * ends see struct chat_ctx only as a pointer.
 */
#ifndef CHAT_CTX_H
#define CHAT_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/rdv.h"
#include "chat/crypto.h"
#include "chat/end.h"
#include "chat/room.h"
#include "chat/relay.h"
#include "chat/p2pchat.h"

struct event;
struct event_base;
struct chat_natlearn;

#define CHAT_BACKLOG		64	/* lines typed before any peer */
#define CHAT_STDIN_BUF		(2 * CHAT_REL_MSG_MAX + 2)

struct chat_line {
	uint8_t		*buf;
	size_t		 len;
	uint32_t	 line;		/* its number */
};

/*
 * The start of a message sent to a peer, to quote if it is not delivered:
 * a ring, so that messages never settled (the room was reset) only cost
 * their slot until it comes round again.
 */
#define CHAT_SENT_MAX		1024
struct chat_sent {
	uint32_t	 peer_id;
	uint32_t	 id;		/* 0: free */
	uint32_t	 line;
	uint8_t		 len;
	uint8_t		 quote[CHAT_QUOTE_MAX + 3];
};

struct chat_ctx {
	/* Options. */
	const char	*server_arg;
	const char	*name;
	const char	*code_arg;
	const char	*relay_arg;
	const char	*web_arg;	/* --web [ADDR:]PORT */
	int		 force_relay;
	int		 no_hard_nat;	/* --no-hard-nat */
	int		 transport;	/* --transport: CHAT_SRV_* */
	uint16_t	 tls_port;	/* --tls-port (0: no TLS) */
	uint32_t	 udp_probe_ms;	/* $P2PCHAT_UDP_PROBE_MS (tests) */
	const char	*ca_file;	/* --ca */
	unsigned	 linger;	/* s */
	uint16_t	 port;
	const struct chat_fe *fe;	/* chosen at start-up */
	/* State. */
	uint8_t		 secret[CHAT_SECRET_LEN];
	char		 code[CHAT_CODE_LEN + 1];
	struct stun_addr server;	/* the one in use */
	struct stun_addr servers[STUN_RDV_MAX_SERVERS];	/* --server a,b */
	unsigned	 nservers;
	int		 fd;
	struct stun_addr local;		/* fd's */
	struct event_base *base;
	struct event	*ev_sock, *ev_in, *ev_timer, *ev_int, *ev_term;
	int		 in_poll;	/* stdin is a file: read on a timer */
	int		 in_paused;
	struct stun_rdv_config rc;
	struct stun_rdv_client rdv;
	int		 registering;	/* the rendezvous client started */
	uint32_t	 self_id;
	int		 server_down;	/* unreachable since it last answered */
	int		 server_hushed;	/* a failed move back to UDP: its
					   "unreachable" and "back" unsaid */
	unsigned	 rdv_regs;	/* re-registrations handled */
	uint64_t	 refresh_at;	/* no Register for a stale path before */
	uint64_t	 relist_at;	/* last Register for a missed list */
	struct chat_relay relay;
	struct chat_srvs *srvs;		/* servers over TCP and TLS (srv.c) */
	/* The NAT test of the start, until its essentials are sent. */
	struct chat_natlearn *natlearn;
	struct chat_room room;
	struct chat_end	 end;		/* joined, leaving, done, status */
	uint64_t	 start;
	/* Stdin, and the lines it held that nobody could take yet. */
	uint8_t		*inbuf;
	size_t		 inlen;
	struct chat_line backlog[CHAT_BACKLOG];
	unsigned	 nbacklog;
	struct chat_sent sent[CHAT_SENT_MAX];
	unsigned	 sent_next;
	uint32_t	 lines;		/* lines of ours taken so far */
	struct chat_sent quote;		/* the last one taken */
	struct chat_xfers *xf;		/* file transfers (xfer.c) */
	char		 err[256];	/* why we stop, when status is 1 */
};

/* setup.c, for main(). */
/*
 * The command line into ctx (batch: JSON lines asked for, or stdin is no
 * terminal): 0, or the exit status after saying why on stderr.
 */
int	chat_opts(struct chat_ctx *, int argc, char *argv[], int *batch);
/*
 * The socket, the rendezvous configuration and, once there is a code, the
 * room: 0 or -1 (err).
 */
int	chat_setup(struct chat_ctx *);
/* The room from the code, later (--web): 0 or -1 (err). */
int	chat_setup_room(struct chat_ctx *);

/* p2pchat.c, for setup.c: the room is known, the rendezvous starts. */
void	chat_begin(struct chat_ctx *);

/*
 * p2pchat.c, for srv.c: a frame from a server's stream, taken as a
 * datagram from the server's address.
 */
void	chat_server_input(struct chat_ctx *, const struct stun_addr *from,
	    const uint8_t *buf, size_t len, uint64_t now);

/*
 * p2pchat.c, for srv.c: the connection to the server at addr, which
 * worked, dropped: the allocation and the membership it carried are gone
 * with it, so refresh the one and register again.
 */
void	chat_server_dropped(struct chat_ctx *, const struct stun_addr *addr,
	    uint64_t now);

/*
 * p2pchat.c, for srv.c: the server at addr in role is reached over to
 * now, no longer over from ("udp", "tcp", "tls").
 */
void	chat_server_transport(struct chat_ctx *, int role,
	    const struct stun_addr *addr, const char *from, const char *to);

/*
 * p2pchat.c, for lines.c: how a path travels: "udp", "tcp" (a direct TCP
 * stream), or for a relayed one, how the TURN server is reached.
 */
const char *chat_path_transport(struct chat_ctx *, const struct chat_path *);

/* p2pchat.c, for srv.c: does a peer's path go through our relay? */
int	chat_relay_busy(struct chat_ctx *);

/* p2pchat.c, for lines.c: show an event (ms is set here). */
void	chat_emit(struct chat_ctx *, struct chat_event *);

/* lines.c, for p2pchat.c. */
/* Lines kept while nobody could take them: send or report them. */
void	chat_backlog_flush(struct chat_ctx *);
/* Is any peer neither failed nor closed? */
int	chat_any_live(struct chat_ctx *);
/*
 * The quote of message id to peer_id and the number of its line,
 * forgotten as they are returned (NULL and 0 when unknown); valid until
 * the next call.
 */
const uint8_t *chat_sent_take(struct chat_ctx *, uint32_t peer_id,
	    uint32_t id, size_t *len, uint32_t *line);
/* Forget what was sent to a peer that left. */
void	chat_sent_forget(struct chat_ctx *, uint32_t peer_id);
/*
 * The address a path is shown with: the relayed address it runs through
 * (ours, else the peer's), or the peer's address for a direct path.
 */
void	chat_path_addr(struct chat_ctx *, const struct chat_path *,
	    struct stun_addr *);
/*
 * Our local address as the rendezvous server's answer shows it: the host
 * candidate equal to mapped (returns 0: no NAT), else the first one
 * (returns 1: behind a NAT); -1 when we sent none (relay only).
 */
int	chat_local_addr(struct chat_ctx *, const struct stun_addr *mapped,
	    struct stun_addr *local);

#endif /* CHAT_CTX_H */

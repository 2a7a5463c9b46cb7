/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What p2pchat.c (the event loop) and its front ends (batch.c: JSON lines,
 * ui.c: the terminal) share: the events shown to the user, the commands
 * the user gives, and the front end table chosen at start-up.
 */
#ifndef CHAT_P2PCHAT_H
#define CHAT_P2PCHAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libstun/stun.h"
#include "libstun/hardnat.h"

#define EV_ROOM		1	/* code, created, our name */
#define EV_REGISTERED	2	/* id (ours), addr (mapped), addr2 (a
				   host candidate: the local address), nat */
#define EV_MEMBER	3	/* the rendezvous announced peer */
#define EV_PATH		4	/* path_kind, addr, types, rtt */
#define EV_JOINED	5	/* handshake done with peer */
#define EV_MESSAGE	6	/* text from peer, id */
#define EV_DELIVERED	7	/* id to peer */
#define EV_UNDELIVERED	8	/* id to peer (peer NULL: nobody), reason;
				   text: the message's start, if known */
#define EV_LEFT		9	/* peer, reason */
#define EV_FAILED	10	/* no path or handshake to peer, reason */
#define EV_ERROR	11	/* reason: something the user should know */
#define EV_BYE		12	/* we left the room */
#define EV_RELAY	13	/* addr on server addr2; reason: unusable */
#define EV_SENT		14	/* a line of ours taken: line, text */
#define EV_SERVER	15	/* the rendezvous server is unreachable, or
				   back (up) */
/* File transfers (id: the transfer's, per peer and direction). */
#define EV_OFFER	16	/* peer offers file (size): accept or not */
#define EV_TRANSFER	17	/* a transfer starts at offset (sending) */
#define EV_PROGRESS	18	/* bytes of size, rate, eta */
#define EV_FILE		19	/* a transfer ended: result, path, reason */
#define EV_NAT		20	/* our NAT essentials learnt: ess, rtt (ms
				   the test took) */
#define EV_TRANSPORT	21	/* the server addr2 (created: in the
				   relay's role, else the rendezvous) is
				   reached over transport now, no longer
				   over was */

struct chat_event {
	int		 kind;
	uint64_t	 ms;		/* since start */
	const char	*peer;		/* display name */
	uint32_t	 peer_id;	/* member id */
	uint32_t	 id;		/* message id */
	const uint8_t	*text;
	size_t		 len;
	const char	*code;		/* ROOM (peer: our name, addr2: the
					   rendezvous server) */
	int		 created;
	uint32_t	 line;		/* SENT, (UN)DELIVERED: which line of
					   ours, counted from 1; 0 unknown */
	int		 nat;		/* REGISTERED: 1 the server saw another
					   address than ours, 0 it saw ours,
					   -1 unknown */
	int		 path_kind;	/* CHAT_PATH_* */
	struct stun_addr addr;
	struct stun_addr addr2;		/* PATH: the peer; RELAY, ROOM: the
					   server; REGISTERED: ours */
	const char	*local_type;
	const char	*remote_type;
	uint32_t	 rtt;
	int		 up;		/* SERVER: back, else unreachable */
	const struct stun_hardnat_ess *ess;	/* NAT */
	const char	*hard_nat;	/* PATH: the hard-NAT plan, or NULL */
	const char	*transport;	/* PATH, RELAY, REGISTERED, SERVER: how
					   the server (TURN for a relayed path)
					   is reached: udp, tcp, tls */
	const char	*was;		/* TRANSPORT: the one before */
	const char	*role;		/* TRANSPORT: rendezvous or relay */
	unsigned	 probes;	/* PATH: its probes, */
	uint32_t	 probe_ms;	/* over this long */
	const char	*reason;

	/* OFFER, TRANSFER, PROGRESS, FILE. */
	const char	*file;		/* the name offered */
	const char	*path;		/* FILE: where it landed, or ours */
	const char	*result;	/* FILE: done, refused, failed */
	int		 sending;	/* ours to peer, else peer's to us */
	uint64_t	 size, bytes, offset;
	uint64_t	 rate;		/* PROGRESS: bytes/s */
	int64_t		 eta;		/* PROGRESS: s, -1 unknown */
};

/* One line of /who or /path. */
struct chat_peer_info {
	const char	*name;
	uint32_t	 id;
	const char	*state;
	int		 path_kind;
	const char	*transport;	/* the path's: udp, tcp, tls */
	struct stun_addr addr;
	uint32_t	 rtt;
	unsigned	 pending;
};

/* Where we stand, for the front ends (chat_self()). */
struct chat_self {
	const char	*name;
	const char	*code;
	const char	*server;	/* as given */
	int		 created;	/* by us, rather than joined */
	int		 registered;	/* the room exists: we are in it */
	uint32_t	 id;		/* our member id, once registered */
	unsigned	 pending;	/* messages not yet settled */
	unsigned	 kept;		/* lines kept for a first peer */
	unsigned	 linger;	/* s to wait for them at the end */
	int		 quitting;	/* leaving: no more lines taken */
	int		 server_down;	/* registered once, now unreachable */
	const char	*err;		/* why we stop with status 1, or NULL */
};

struct chat_ctx;
struct event_base;

/*
 * A front end, chosen once at start-up: everything p2pchat shows goes
 * through event, everything read from stdin through input (or read).
 */
struct chat_fe {
	/*
	 * Take the terminal (it may add its own events to base): 0, or -1
	 * to fall back to the batch front end.
	 */
	int	(*start)(struct chat_ctx *, struct event_base *);
	/* Give the terminal back; called before base is freed. */
	void	(*stop)(void);
	void	(*event)(const struct chat_event *);
	/*
	 * Bytes read from stdin (eof: no more will come).  Returns how many
	 * were used; the rest is offered again, with what follows, later.
	 */
	size_t	(*input)(struct chat_ctx *, const uint8_t *, size_t, int eof);
	/*
	 * Instead of input, when set: stdin is readable and the front end
	 * reads it itself (curses decodes the keys), also after quitting.
	 * Returns -1 when stdin ended.  With neither, stdin is not read (the
	 * web front end takes its input from its own events).
	 */
	int	(*read)(struct chat_ctx *);
};

extern const struct chat_fe chat_fe_batch;	/* batch.c */
extern const struct chat_fe chat_fe_ui;		/* ui.c */
extern const struct chat_fe chat_fe_web;	/* web.c */

/*
 * An event as one JSON object and a newline on f (batch.c): the --batch
 * output, and what the web front end sends to the page.
 */
void	chat_event_json(FILE *f, const struct chat_event *);

/* chat_send_line() results. */
#define CHAT_LINE_TAKEN		0	/* sent, kept for a peer, or reported */
#define CHAT_LINE_BUSY		(-1)	/* the peers are busy */
#define CHAT_LINE_FULL		(-2)	/* nobody in the room yet, and as
					   many lines kept as can be */

#define CHAT_QUOTE_MAX		48	/* bytes of a line quoted, then "..." */

/* p2pchat.c and lines.c, for the front ends. */
/*
 * A line to send to every peer (buf NULL: it was too long).  A line not
 * taken can be offered again later, or dropped by the front end, which
 * then says so.
 */
int	chat_send_line(struct chat_ctx *, const uint8_t *, size_t);
/*
 * Leave: the first call delivers what is queued (waiting up to the linger
 * time without progress), the next leaves at once, as SIGINT does.
 */
void	chat_quit(struct chat_ctx *);
/*
 * A front end fed p2pchat from an event of its own (not stdin): run the
 * router on the loop's next turn.
 */
void	chat_poke(struct chat_ctx *);
/*
 * Create (code NULL) or join a room, when p2pchat started without one
 * (--web): the rendezvous starts.  0, or -1 with err set (a bad code, a
 * room already there).
 */
int	chat_enter(struct chat_ctx *, const char *code, char *err,
	    size_t errlen);
/* Fill up to max entries; returns how many. */
unsigned chat_peers(struct chat_ctx *, struct chat_peer_info *, unsigned);
void	chat_self(struct chat_ctx *, struct chat_self *);
/*
 * The start of a line to quote it: up to CHAT_QUOTE_MAX bytes cut between
 * characters, "..." when cut, into out (CHAT_QUOTE_MAX + 3 bytes).
 * Returns the length.
 */
size_t	chat_quote(uint8_t *out, const uint8_t *buf, size_t len);

/* hostaddr.c */
/*
 * "host", "host:port", "[v6]" or "[v6]:port" (port 3478 when absent).
 * 0, -1 for a malformed argument, -2 when it does not resolve (err says
 * why).
 */
int	chat_resolve_servers(const char *arg, struct stun_addr *out,
	    unsigned max, unsigned *n, char *err, size_t errlen);
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
/*
 * --relay turn:USER:PASS@HOST[:PORT] into c's server and credential: as
 * chat_resolve().  The password may hold ':' and '@'.
 */
struct stun_turn_config;
int	chat_relay_arg(const char *arg, struct stun_turn_config *c, char *err,
	    size_t errlen);
/*
 * The same with turns: (tls set) and ?transport=udp|tcp (transport 1 or
 * 2; 0 when not given); host: the server's name as written.
 */
int	chat_relay_uri(const char *arg, struct stun_turn_config *c, int *tls,
	    int *transport, char *host, size_t hostlen, char *err,
	    size_t errlen);
/* The name in the --server list arg that addr came from: 0, or -1. */
int	chat_server_host(const char *arg, const struct stun_addr *addr,
	    char *host, size_t hostlen);

#endif /* CHAT_P2PCHAT_H */

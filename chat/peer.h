/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * One p2pchat peer, without I/O: the hole-punching machine towards it (keys
 * and ufrags derived from the room secret and both member ids), the
 * handshake on the winning path, sealing and opening, reliable delivery and
 * the path state.  The caller feeds datagrams and timer calls and drains
 * actions; every message queued ends in exactly one DELIVERED or
 * UNDELIVERED action, also when the peer fails or is closed.
 */
#ifndef CHAT_PEER_H
#define CHAT_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"
#include "libstun/punch.h"
#include "libstun/hardnat.h"
#include "chat/crypto.h"
#include "chat/reliable.h"
#include "chat/bulk.h"

#define CHAT_PEER_HELLO_RTO	200	/* ms between HELLOs */
#define CHAT_PEER_HS_TIMEOUT	10000	/* ms from path to handshake done */
#define CHAT_PEER_MTU		1200	/* datagram, sealed */
#define CHAT_PEER_UFRAG_LEN	16	/* hex of 8 derived bytes */
#define CHAT_PEER_RETRY		2000	/* ms before punching again, doubling */
#define CHAT_PEER_RETRIES	5	/* punching rounds after the first */

/* Path kinds.  A relayed path (TURN) is another kind of the same path. */
#define CHAT_PATH_NONE		0
#define CHAT_PATH_DIRECT	1
#define CHAT_PATH_RELAY		2

/* Peer states. */
#define CHAT_PEER_S_WAITING	0	/* known, waiting for the go */
#define CHAT_PEER_S_PUNCHING	1
#define CHAT_PEER_S_HANDSHAKE	2	/* path found, keys not yet */
#define CHAT_PEER_S_UP		3	/* session: messages flow */
#define CHAT_PEER_S_FAILED	4	/* no path (retried) or no handshake */
#define CHAT_PEER_S_CLOSED	5

struct chat_path {
	int		 kind;		/* CHAT_PATH_* */
	unsigned	 sock;
	struct stun_addr addr;		/* where the peer is reached */
	int		 local_type;	/* STUN_CAND_* */
	int		 remote_type;
	uint32_t	 rtt;		/* ms, of the last check; 0 unknown */
};

struct chat_peer_config {
	const uint8_t	*secret;	/* CHAT_SECRET_LEN bytes */
	uint32_t	 self_id;	/* member ids from the rendezvous */
	uint32_t	 peer_id;
	const char	*self_name;
	const char	*peer_name;	/* shown until the handshake names it */
	uint32_t	 punch_timeout;	/* ms; 0: STUN_PUNCH_TIMEOUT */
	uint32_t	 hs_timeout;	/* ms; 0: CHAT_PEER_HS_TIMEOUT */
	stun_random_fn	 rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
	int		 no_hard_nat;	/* no hard-NAT phase */
};

/* Actions from chat_peer_next(). */
#define CHAT_PEER_A_WAIT	0	/* nothing; wake at .wake (0: none) */
#define CHAT_PEER_A_SEND	1	/* send buf/len from sock to to */
#define CHAT_PEER_A_PATH	2	/* a path was found or changed */
#define CHAT_PEER_A_UP		3	/* handshake done: name is verified */
#define CHAT_PEER_A_MESSAGE	4	/* message id: buf/len */
#define CHAT_PEER_A_DELIVERED	5	/* message id acknowledged */
#define CHAT_PEER_A_UNDELIVERED	6	/* message id given up */
#define CHAT_PEER_A_FAILED	7	/* reason says why; peer unusable */
#define CHAT_PEER_A_LOST	8	/* the path (sock, to) stopped
					   answering: looking for one again,
					   messages wait */
#define CHAT_PEER_A_RECORD	16	/* a bulk record: buf/len */
#define CHAT_PEER_A_BULK_FAILED	17	/* the bulk stream made no progress */
#define CHAT_PEER_A_HN_OPEN	18	/* open id extra sockets, bound to
					   port to.port (0: any), and call
					   chat_peer_hn_opened() */
#define CHAT_PEER_A_HN_CLOSE	19	/* the hard-NAT attempt is over:
					   close its extra sockets but sock
					   (0: keep none) */

/*
 * Sockets as the caller numbers them: 0 its main socket, 1 the relay,
 * and from CHAT_PEER_SOCK_EXTRA on the extra sockets of a hard-NAT
 * attempt (the attempt's socket k, 1..n, is base + k - 1).
 */
#define CHAT_PEER_SOCK_EXTRA	2

struct chat_peer_action {
	int		 kind;
	unsigned	 sock;
	struct stun_addr to;
	const uint8_t	*buf;		/* valid until the next call */
	size_t		 len;
	uint32_t	 id;
	uint64_t	 wake;
	const char	*reason;	/* FAILED, UNDELIVERED */
};

struct chat_peer {
	int		 state;		/* CHAT_PEER_S_* */
	uint32_t	 id;
	char		 name[CHAT_NAME_MAX + 1];
	int		 verified;	/* name came from the handshake */
	int		 controlling;
	uint32_t	 hs_timeout;
	struct stun_punch punch;
	struct chat_path path;
	uint64_t	 go_at;		/* when punching starts; 0 unset */
	int		 go_fallback;	/* go_at is our guess, not a go */
	uint64_t	 retry_at;	/* punch again; 0 never */
	unsigned	 retries;
	/* Handshake. */
	struct chat_hs	 hs;
	uint64_t	 hs_deadline;
	uint64_t	 hello_next;
	int		 finish_pending;
	uint8_t		 finish[CHAT_FINISH_LEN];
	size_t		 finishlen;
	struct chat_session sess;
	/*
	 * Re-keying: the peer started over (a valid HELLO with a new key
	 * while the session is up).  The session goes on until the peer
	 * answers the FINISH of a new handshake (our fresh key: a recorded
	 * HELLO cannot), then it is replaced.
	 */
	stun_random_fn	 rnd;
	void		*rnd_arg;
	int		 rekeying;
	struct chat_hs	 rekey;
	uint64_t	 rekey_deadline;
	uint64_t	 rekey_hello_next;
	uint64_t	 rekey_after;	/* no new re-key before */
	unsigned	 rekeys;	/* sessions replaced */
	unsigned	 flush;		/* pend[0..flush) end UNDELIVERED */
	/* Reliable delivery, and the ids it still owes an answer for. */
	struct chat_rel	 rel;
	uint32_t	 pend[CHAT_REL_MAX_MSGS];
	unsigned	 npend;
	const char	*undeliver_reason;	/* for pend[] on close */
	/* Bulk data (files), sent after the messages' frames. */
	struct chat_bulk bulk;
	/* Pending reports. */
	int		 ev_path, ev_up, ev_failed;
	const char	*fail_reason;
	uint8_t		 out[CHAT_PEER_MTU + 64];	/* SEND handed out */
	uint8_t		 in[CHAT_PEER_MTU + 64];
	/*
	 * The hard-NAT phase: both sides' NAT essentials, the plan made when
	 * punching starts (or when the last of them comes), its probes:
	 * empty datagrams, from socket 0 on the easy side (to the ports
	 * the peer's NAT will map next, or to random ones), from extra
	 * sockets on the hard side of a birthday attempt (one mapping
	 * each towards the easy side's).  A datagram that gets through
	 * (chat_peer_hn_input()) adds the candidate it shows and checks
	 * the pairs again: the punch machine then finds the direct path.
	 */
	int		 hn_off;
	int		 hn_self_ok, hn_peer_ok;
	struct stun_hardnat_ess hn_self, hn_peer;
	int		 hn_planned;	/* hn.p is the plan */
	int		 hn_run;	/* its probes go out */
	unsigned	 hn_want;	/* extra sockets to ask for; 0 none */
	uint16_t	 hn_port;	/* ... bound to this port; 0 any */
	int		 hn_asked;	/* HN_OPEN handed out, no answer yet */
	unsigned	 hn_base;	/* the caller's number of socket 1 */
	unsigned	 hn_open;	/* extra sockets open */
	int		 hn_over;	/* DONE seen: reported, closed */
	struct stun_hardnat hn;
	/* Counters. */
	unsigned	 dropped;	/* refused or unauthentic datagrams */
};

/*
 * The punch key and both ufrags of a pair: HKDF-SHA256 over the room
 * secret with info "p2pchat v1 punch" || lower id || higher id.  ufrags
 * are CHAT_PEER_UFRAG_LEN hex digits.  0 or STUN_ERR_*.
 */
int	chat_peer_pair_keys(const uint8_t *secret, uint32_t self_id,
	    uint32_t peer_id, uint8_t key[32], char *self_ufrag,
	    char *peer_ufrag);
/*
 * Set up the peer (the lower member id controls).  0, STUN_ERR_INVALID,
 * STUN_ERR_NOSPACE, or a crypto / random error.  Free with
 * chat_peer_free() after any return.
 */
int	chat_peer_init(struct chat_peer *p, const struct chat_peer_config *c);
void	chat_peer_free(struct chat_peer *p);
/* Candidates, as for stun_punch_add_local()/_remote(). */
int	chat_peer_add_local(struct chat_peer *p,
	    const struct stun_punch_cand *c);
int	chat_peer_add_remote(struct chat_peer *p,
	    const struct stun_punch_cand *c);
/*
 * A relay candidate, ours (local 1) or the peer's, was allocated again
 * on a new address: as stun_punch_relay_moved(), or added when that side
 * had none.  A path through the old address is lost and looked for
 * again; messages in flight are retransmitted on the path found, or end
 * UNDELIVERED.  0 or STUN_ERR_*.
 */
int	chat_peer_relay_moved(struct chat_peer *p, int local,
	    const struct stun_punch_cand *c, uint64_t now);
/*
 * Punch from at (the rendezvous "go"; a later go than the first is
 * ignored).  Nothing happens before chat_peer_timer() at or after it.
 * When no path is found the peer reports FAILED (its queue ends
 * UNDELIVERED) and punches again CHAT_PEER_RETRY ms later, doubling, up to
 * CHAT_PEER_RETRIES times: the other side may have learnt of us late.
 */
void	chat_peer_go(struct chat_peer *p, uint64_t at);
/*
 * Punch from at unless a go comes first: the go, even a later one,
 * replaces this guess as long as punching has not started.
 */
void	chat_peer_go_fallback(struct chat_peer *p, uint64_t at);
/*
 * Is this datagram for this peer?  STUN: the punch machine decides; chat
 * packets (0xD0-0xD2): from the path address or one of the remote
 * candidates.  Returns 0 when taken, STUN_ERR_NOT_STUN when it is not
 * this peer's (try the next peer), or another STUN_ERR_* when it was
 * this peer's and was refused (counted in dropped).
 */
int	chat_peer_input(struct chat_peer *p, unsigned sock,
	    const struct stun_addr *from, const uint8_t *buf, size_t len,
	    uint64_t now);
/*
 * Queue a message (1..CHAT_REL_MSG_MAX bytes) at now; *id is its id.  It
 * leaves once the session is up.  0, STUN_ERR_STATE (failed or closed
 * peer), STUN_ERR_NOSPACE (queue full) or STUN_ERR_TOO_BIG: nothing was
 * queued, the caller reports it.
 */
int	chat_peer_send(struct chat_peer *p, const uint8_t *msg, size_t len,
	    uint64_t now, uint32_t *id);
void	chat_peer_timer(struct chat_peer *p, uint64_t now);
/*
 * The peer left or is being dropped: every message still queued is
 * reported UNDELIVERED with reason, and nothing more is sent.
 */
void	chat_peer_close(struct chat_peer *p, const char *reason);
/* Next action; call until CHAT_PEER_A_WAIT. */
void	chat_peer_next(struct chat_peer *p, uint64_t now,
	    struct chat_peer_action *a);
/*
 * Is the session up with a path that answers its consent checks, or one
 * lost whose first round of checks to find it again is not over?
 */
int	chat_peer_alive(const struct chat_peer *p);
/*
 * Has the path gone unanswered for two consent intervals?  The peer's
 * NAT (or ours) may have mapped it anew: worth telling the rendezvous
 * server where we are now.
 */
int	chat_peer_stale(const struct chat_peer *p, uint64_t now);
/*
 * The rendezvous announced the peer's candidates again (it moved): when
 * the path is stale, look for one now rather than at the consent
 * timeout.
 */
void	chat_peer_moved(struct chat_peer *p, uint64_t now);
/*
 * Our NAT essentials (self) or the peer's (peer), either NULL when not
 * known yet: once both are, and punching has started without a path,
 * the hard-NAT plan is made (libstun/hardnat.h).
 */
void	chat_peer_nat(struct chat_peer *p, const struct stun_hardnat_ess *self,
	    const struct stun_hardnat_ess *peer, uint64_t now);
/*
 * The caller opened n of the extra sockets HN_OPEN asked for (0 when it
 * could not or would not: no attempt then), numbered base .. base + n - 1.
 * The attempt starts.
 */
void	chat_peer_hn_opened(struct chat_peer *p, unsigned base, unsigned n,
	    uint64_t now);
/*
 * A datagram from from arrived during a hard-NAT attempt on an extra
 * socket of this peer's (local: that socket's address), or an empty one
 * on socket 0: when it comes from the peer's NAT, a probe got through.
 * The socket (extra) or the peer's mapping (socket 0) becomes a candidate
 * and the pairs are checked again.  0 when it was such a hit (pass a
 * non-empty datagram on to chat_peer_input() all the same),
 * STUN_ERR_NOT_STUN when not.
 */
int	chat_peer_hn_input(struct chat_peer *p, unsigned sock,
	    const struct stun_addr *from, const struct stun_addr *local,
	    uint64_t now);
/* How long the hard-NAT probes ran (so far), ms; 0 before they start. */
uint32_t chat_peer_hn_ms(const struct chat_peer *p, uint64_t now);
/* Messages queued and not yet reported. */
unsigned chat_peer_pending(const struct chat_peer *p);
const char *chat_peer_state_name(int state);
const char *chat_path_kind_name(int kind);

#endif /* CHAT_PEER_H */

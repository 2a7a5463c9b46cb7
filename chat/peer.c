/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * One p2pchat peer without I/O (see peer.h): runs the punch machine from
 * the go, the handshake on the nominated path, and sealed reliable
 * delivery once the session is up, and keeps every message accounted for.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "chat/peer.h"

#define PEER_PUNCH_INFO		"p2pchat v1 punch"
#define PEER_PUNCH_INFO_LEN	(sizeof(PEER_PUNCH_INFO) - 1)

static void
peer_hex(const uint8_t *in, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int
chat_peer_pair_keys(const uint8_t *secret, uint32_t self_id,
    uint32_t peer_id, uint8_t key[32], char *self_ufrag, char *peer_ufrag)
{
	uint8_t		 info[PEER_PUNCH_INFO_LEN + 8], okm[48];
	uint32_t	 lo, hi;
	int		 r;

	if (secret == NULL || self_id == peer_id)
		return (STUN_ERR_INVALID);
	lo = self_id < peer_id ? self_id : peer_id;
	hi = self_id < peer_id ? peer_id : self_id;
	memcpy(info, PEER_PUNCH_INFO, PEER_PUNCH_INFO_LEN);
	info[PEER_PUNCH_INFO_LEN] = (uint8_t)(lo >> 24);
	info[PEER_PUNCH_INFO_LEN + 1] = (uint8_t)(lo >> 16);
	info[PEER_PUNCH_INFO_LEN + 2] = (uint8_t)(lo >> 8);
	info[PEER_PUNCH_INFO_LEN + 3] = (uint8_t)lo;
	info[PEER_PUNCH_INFO_LEN + 4] = (uint8_t)(hi >> 24);
	info[PEER_PUNCH_INFO_LEN + 5] = (uint8_t)(hi >> 16);
	info[PEER_PUNCH_INFO_LEN + 6] = (uint8_t)(hi >> 8);
	info[PEER_PUNCH_INFO_LEN + 7] = (uint8_t)hi;
	if ((r = chat_hkdf(NULL, 0, secret, CHAT_SECRET_LEN, info,
	    sizeof(info), okm, sizeof(okm))) != 0)
		goto out;
	memcpy(key, okm, 32);
	peer_hex(self_id == lo ? okm + 32 : okm + 40, 8, self_ufrag);
	peer_hex(self_id == lo ? okm + 40 : okm + 32, 8, peer_ufrag);
 out:
	OPENSSL_cleanse(okm, sizeof(okm));
	return (r);
}

static int
peer_rel_init(struct chat_peer *p)
{
	struct chat_rel_config	rc;

	memset(&rc, 0, sizeof(rc));
	rc.mtu = CHAT_PEER_MTU;
	rc.overhead = CHAT_SEAL_OVERHEAD;
	return (chat_rel_init(&p->rel, &rc));
}

static int
peer_bulk_init(struct chat_peer *p)
{
	struct chat_bulk_config	bc;

	memset(&bc, 0, sizeof(bc));
	bc.mtu = CHAT_PEER_MTU;
	bc.overhead = CHAT_SEAL_OVERHEAD;
	return (chat_bulk_init(&p->bulk, &bc));
}

int
chat_peer_init(struct chat_peer *p, const struct chat_peer_config *c)
{
	struct stun_punch_config pc;
	int			 r;

	memset(p, 0, sizeof(*p));
	p->state = CHAT_PEER_S_CLOSED;
	if (c == NULL || c->secret == NULL || c->self_name == NULL ||
	    c->peer_name == NULL || strlen(c->peer_name) > CHAT_NAME_MAX)
		return (STUN_ERR_INVALID);
	memset(&pc, 0, sizeof(pc));
	pc.controlling = c->self_id < c->peer_id;
	pc.keylen = 32;
	pc.timeout = c->punch_timeout;
	pc.rnd = c->rnd;
	pc.rnd_arg = c->rnd_arg;
	if ((r = chat_peer_pair_keys(c->secret, c->self_id, c->peer_id,
	    pc.key, pc.local_ufrag, pc.remote_ufrag)) != 0)
		goto out;
	if ((r = stun_punch_init(&p->punch, &pc)) != 0)
		goto out;
	if ((r = chat_hs_init(&p->hs, c->secret, c->self_name, c->rnd,
	    c->rnd_arg)) != 0)
		goto out;
	if ((r = peer_rel_init(p)) != 0 || (r = peer_bulk_init(p)) != 0)
		goto out;
	p->id = c->peer_id;
	p->rnd = c->rnd;
	p->hn_off = c->no_hard_nat;
	p->rnd_arg = c->rnd_arg;
	p->controlling = pc.controlling;
	p->hs_timeout = c->hs_timeout != 0 ? c->hs_timeout :
	    CHAT_PEER_HS_TIMEOUT;
	snprintf(p->name, sizeof(p->name), "%s", c->peer_name);
	p->state = CHAT_PEER_S_WAITING;
 out:
	OPENSSL_cleanse(&pc, sizeof(pc));
	return (r);
}

void
chat_peer_free(struct chat_peer *p)
{
	chat_rel_free(&p->rel);
	chat_bulk_free(&p->bulk);
	chat_hs_clear(&p->hs);
	chat_hs_clear(&p->rekey);
	chat_session_clear(&p->sess);
	OPENSSL_cleanse(&p->punch.c, sizeof(p->punch.c));
}

int
chat_peer_add_local(struct chat_peer *p, const struct stun_punch_cand *c)
{
	int	r;

	/* New pairs after a failed round: punch again now, not later. */
	if ((r = stun_punch_add_local(&p->punch, c)) == 0 &&
	    p->state == CHAT_PEER_S_FAILED && p->retry_at != 0)
		p->retry_at = 1;
	return (r);
}

int
chat_peer_add_remote(struct chat_peer *p, const struct stun_punch_cand *c)
{
	return (stun_punch_add_remote(&p->punch, c));
}

int
chat_peer_relay_moved(struct chat_peer *p, int local,
    const struct stun_punch_cand *c, uint64_t now)
{
	int	r;

	r = stun_punch_relay_moved(&p->punch, local, c, now);
	if (r == STUN_ERR_NOT_FOUND)
		r = local ? chat_peer_add_local(p, c) :
		    chat_peer_add_remote(p, c);
	return (r);
}

void
chat_peer_go(struct chat_peer *p, uint64_t at)
{
	if (p->state == CHAT_PEER_S_WAITING && (p->go_at == 0 ||
	    p->go_fallback || at < p->go_at)) {
		p->go_at = at;
		p->go_fallback = 0;
	}
}

void
chat_peer_go_fallback(struct chat_peer *p, uint64_t at)
{
	if (p->state == CHAT_PEER_S_WAITING && p->go_at == 0) {
		p->go_at = at;
		p->go_fallback = 1;
	}
}

static void
peer_fail(struct chat_peer *p, const char *reason, uint64_t now)
{
	if (p->state == CHAT_PEER_S_FAILED || p->state == CHAT_PEER_S_CLOSED)
		return;
	/* Only a punching round is worth repeating. */
	if (p->state == CHAT_PEER_S_PUNCHING &&
	    p->retries < CHAT_PEER_RETRIES)
		p->retry_at = now + ((uint64_t)CHAT_PEER_RETRY << p->retries);
	p->state = CHAT_PEER_S_FAILED;
	p->ev_failed = 1;
	p->fail_reason = reason;
	p->undeliver_reason = reason;
	p->finish_pending = 0;
}

void
chat_peer_close(struct chat_peer *p, const char *reason)
{
	if (p->state == CHAT_PEER_S_CLOSED)
		return;
	if (p->state != CHAT_PEER_S_FAILED)
		p->undeliver_reason = reason;
	p->state = CHAT_PEER_S_CLOSED;
	p->finish_pending = 0;
	p->ev_path = p->ev_up = 0;
}

/*
 * Messages already reported UNDELIVERED must not arrive after all: a new
 * round starts with an empty queue (ids keep counting up).
 */
static int
peer_rel_reset(struct chat_peer *p)
{
	uint32_t	next = p->rel.next_id;
	int		r;

	chat_rel_free(&p->rel);
	if ((r = peer_rel_init(p)) != 0)
		return (r);
	p->rel.next_id = next;
	return (chat_bulk_reset(&p->bulk));
}

/*
 * The hard-NAT plan, once punching runs and both sides' essentials are
 * known.  The peer's NAT is where its server-reflexive candidate is.
 */
static void
peer_hn_plan(struct chat_peer *p, uint64_t now)
{
	struct stun_hardnat_config	 c;
	unsigned			 i;

	/* While there is no path, or only the relay's. */
	if (p->hn_off || p->hn_planned || !p->hn_self_ok || !p->hn_peer_ok ||
	    (p->state != CHAT_PEER_S_PUNCHING &&
	    p->state != CHAT_PEER_S_HANDSHAKE && p->state != CHAT_PEER_S_UP) ||
	    p->path.kind == CHAT_PATH_DIRECT)
		return;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < p->punch.nremote; i++)
		if (p->punch.remote[i].type == STUN_CAND_SRFLX)
			break;
	if (i == p->punch.nremote)
		return;
	c.self = p->hn_self;
	c.peer = p->hn_peer;
	c.peer_addr = p->punch.remote[i].addr;
	/* Our own flows (the NAT test, the relay) move the counter too. */
	c.window = 2 * STUN_HARDNAT_WINDOW;
	c.rnd = p->rnd;
	c.rnd_arg = p->rnd_arg;
	if (stun_hardnat_init(&p->hn, &c) != 0)
		return;
	p->hn_planned = 1;
	/* On the relay already: the path event says what comes of it. */
	if (p->path.kind == CHAT_PATH_RELAY && p->hn.p.kind !=
	    STUN_HARDNAT_PREDICT)
		p->ev_path = 1;
	/*
	 * Extra sockets first (the hard side of a birthday attempt, or the
	 * reserved socket of a port-preserving one): the attempt starts when
	 * the caller has them.  The easy side probes from socket 0 now.
	 */
	if (p->hn.p.nsocks > 0) {
		p->hn_want = p->hn.p.nsocks;
		p->hn_port = p->hn.p.kind == STUN_HARDNAT_PREDICT ?
		    p->hn_self.port : 0;
	} else if ((p->hn.p.kind == STUN_HARDNAT_PREDICT ||
	    p->hn.p.kind == STUN_HARDNAT_BIRTHDAY) &&
	    p->hn.p.role == STUN_HARDNAT_EASY &&
	    stun_hardnat_start(&p->hn, 0, now) == 0)
		p->hn_run = 1;
	else
		stun_hardnat_stop(&p->hn, now);
	/*
	 * The hard side of a prediction: check the pairs again now, so
	 * that its checks leave (on the mapping the other side probes)
	 * while those probes open the way, also on a relayed path.
	 */
	if (p->hn.p.kind == STUN_HARDNAT_PREDICT &&
	    p->hn.p.role == STUN_HARDNAT_HARD && p->hn.p.nsocks == 0 &&
	    p->state != CHAT_PEER_S_PUNCHING)
		(void)stun_punch_restart(&p->punch, now);
}

void
chat_peer_hn_opened(struct chat_peer *p, unsigned base, unsigned n,
    uint64_t now)
{
	if (!p->hn_asked)
		return;
	p->hn_asked = 0;
	p->hn_base = base;
	p->hn_open = n;
	if (n > 0 && p->state != CHAT_PEER_S_CLOSED &&
	    p->state != CHAT_PEER_S_FAILED && p->path.kind !=
	    CHAT_PATH_DIRECT && stun_hardnat_start(&p->hn, n, now) == 0) {
		p->hn_run = 1;
		/* The reserved socket's first mapping is the predicted one. */
		if (p->hn.p.kind == STUN_HARDNAT_PREDICT)
			(void)stun_punch_restart(&p->punch, now);
		return;
	}
	stun_hardnat_stop(&p->hn, now);
	/* Whatever was opened is closed again by the HN_CLOSE to come. */
	p->hn_run = n > 0;
}

int
chat_peer_hn_input(struct chat_peer *p, unsigned sock,
    const struct stun_addr *from, const struct stun_addr *local,
    uint64_t now)
{
	struct stun_punch_cand	 c;
	unsigned		 k = 0, i;

	if (!p->hn_run || p->hn.state != STUN_HARDNAT_S_RUN)
		return (STUN_ERR_NOT_STUN);
	if (sock >= CHAT_PEER_SOCK_EXTRA) {
		if (sock < p->hn_base || sock - p->hn_base >= p->hn_open)
			return (STUN_ERR_NOT_STUN);
		k = sock - p->hn_base + 1;
	} else if (sock != 0)
		return (STUN_ERR_NOT_STUN);
	/* The machine takes only the peer's NAT address. */
	if (stun_hardnat_found(&p->hn, k, from, now) != 0)
		return (STUN_ERR_NOT_STUN);
	memset(&c, 0, sizeof(c));
	if (k > 0) {
		/* The extra socket: a local candidate of its own. */
		c.type = STUN_CAND_HOST;
		c.addr = *local;
		c.sock = sock;
		(void)stun_punch_add_local(&p->punch, &c);
	} else {
		/* One of the peer's mappings we did not know. */
		for (i = 0; i < p->punch.nremote; i++)
			if (stun_addr_equal(&p->punch.remote[i].addr, from))
				break;
		if (i == p->punch.nremote) {
			c.type = STUN_CAND_PRFLX;
			c.addr = *from;
			(void)stun_punch_add_remote(&p->punch, &c);
		}
	}
	(void)stun_punch_restart(&p->punch, now);
	return (0);
}

void
chat_peer_nat(struct chat_peer *p, const struct stun_hardnat_ess *self,
    const struct stun_hardnat_ess *peer, uint64_t now)
{
	/* Unknown essentials (the test still runs) plan nothing. */
	if (self != NULL && self->mapping != STUN_NAT_UNKNOWN) {
		p->hn_self = *self;
		p->hn_self_ok = 1;
	}
	if (peer != NULL && peer->mapping != STUN_NAT_UNKNOWN) {
		p->hn_peer = *peer;
		p->hn_peer_ok = 1;
	}
	peer_hn_plan(p, now);
}

/* Time-driven state changes: the go, the handshake deadline. */
static void
peer_advance(struct chat_peer *p, uint64_t now)
{
	if (p->state == CHAT_PEER_S_WAITING && p->go_at != 0 &&
	    now >= p->go_at) {
		if (stun_punch_start(&p->punch, now) != 0)
			peer_fail(p, "cannot start punching", now);
		else {
			p->state = CHAT_PEER_S_PUNCHING;
			peer_hn_plan(p, now);
		}
	}
	/* Again, once the failure and its queue have been reported. */
	if (p->state == CHAT_PEER_S_FAILED && p->retry_at != 0 &&
	    now >= p->retry_at && !p->ev_failed && p->npend == 0) {
		p->retry_at = 0;
		p->retries++;
		if (peer_rel_reset(p) == 0 &&
		    stun_punch_restart(&p->punch, now) == 0) {
			p->state = CHAT_PEER_S_PUNCHING;
			/* Essentials that came while none ran plan now. */
			peer_hn_plan(p, now);
		}
	}
	if (p->state == CHAT_PEER_S_HANDSHAKE && now >= p->hs_deadline)
		peer_fail(p, "no handshake", now);
}

void
chat_peer_timer(struct chat_peer *p, uint64_t now)
{
	peer_advance(p, now);
	if (p->state == CHAT_PEER_S_PUNCHING ||
	    p->state == CHAT_PEER_S_HANDSHAKE || p->state == CHAT_PEER_S_UP)
		stun_punch_timer(&p->punch, now);
}

static int
peer_knows(const struct chat_peer *p, const struct stun_addr *from)
{
	unsigned	i;

	if (p->path.kind != CHAT_PATH_NONE &&
	    stun_addr_equal(&p->path.addr, from))
		return (1);
	for (i = 0; i < p->punch.nremote; i++)
		if (stun_addr_equal(&p->punch.remote[i].addr, from))
			return (1);
	return (0);
}

/*
 * The re-key handshake is done: its session replaces the old one, and
 * the reliable state starts over with it, as the peer's did.  Messages
 * still owed an answer end UNDELIVERED (the peer lost what it had), new
 * ones go on the new session.
 */
static int
peer_rekey_done(struct chat_peer *p)
{
	struct chat_session	s;
	int			r;

	if ((r = chat_hs_session(&p->rekey, &s)) != 0)
		return (r);
	if ((r = peer_rel_reset(p)) != 0) {
		chat_session_clear(&s);
		return (r);
	}
	chat_session_clear(&p->sess);
	p->sess = s;
	chat_session_clear(&s);
	chat_hs_clear(&p->hs);
	p->hs = p->rekey;
	chat_hs_clear(&p->rekey);
	p->rekeying = 0;
	p->rekeys++;
	p->flush = p->npend;
	p->undeliver_reason = "the peer started over";
	snprintf(p->name, sizeof(p->name), "%s", p->hs.peer_name);
	p->ev_up = 1;
	return (0);
}

/*
 * A HELLO with a new key while the session is up: the peer restarted
 * its side.  Answer it on a new handshake of ours, at most one started
 * a second, and keep the session until that one is done.
 */
static int
peer_rekey_hello(struct chat_peer *p, const uint8_t *buf, size_t len,
    uint64_t now)
{
	int	r;

	if (!p->rekeying) {
		if (now < p->rekey_after)
			return (STUN_ERR_STATE);
		if ((r = chat_hs_renew(&p->rekey, &p->hs, p->rnd,
		    p->rnd_arg)) != 0)
			return (r);
		p->rekeying = 1;
		p->rekey_after = now + 1000;
		p->rekey_deadline = now + p->hs_timeout;
		p->rekey_hello_next = now;
	}
	r = chat_hs_input(&p->rekey, buf, len, p->finish, sizeof(p->finish),
	    &p->finishlen);
	if (r == CHAT_HS_SEND) {
		p->finish_pending = 1;
		return (0);
	}
	return (r < 0 ? r : 0);
}

/* A HELLO or FINISH while up: a re-key, a retransmission, or junk. */
static int
peer_input_up(struct chat_peer *p, const uint8_t *buf, size_t len,
    uint64_t now)
{
	int	r;

	if (p->rekeying) {
		r = chat_hs_input(&p->rekey, buf, len, p->finish,
		    sizeof(p->finish), &p->finishlen);
		if (r == CHAT_HS_DONE)
			return (peer_rekey_done(p));
		if (r == CHAT_HS_SEND) {
			p->finish_pending = 1;
			return (0);
		}
		if (r == CHAT_HS_WAIT)
			return (0);
	}
	r = chat_hs_input(&p->hs, buf, len, p->finish, sizeof(p->finish),
	    &p->finishlen);
	if (r == CHAT_HS_NEW)
		return (peer_rekey_hello(p, buf, len, now));
	if (r == CHAT_HS_SEND)
		p->finish_pending = 1;	/* our FINISH was lost */
	return (r < 0 ? r : 0);
}

static int
peer_input_hs(struct chat_peer *p, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	int	r, first = !p->hs.got_hello;

	if (p->state == CHAT_PEER_S_UP)
		return (peer_input_up(p, buf, len, now));
	if (p->state != CHAT_PEER_S_PUNCHING &&
	    p->state != CHAT_PEER_S_HANDSHAKE)
		return (STUN_ERR_STATE);
	r = chat_hs_input(&p->hs, buf, len, p->finish, sizeof(p->finish),
	    &p->finishlen);
	if (r == CHAT_HS_SEND) {
		/*
		 * A FINISH that came before this HELLO was ignored: send our
		 * HELLO again now rather than after a timeout, so that the
		 * peer repeats its FINISH.
		 */
		if (first && p->state == CHAT_PEER_S_HANDSHAKE)
			p->hello_next = 0;
		/* Answer where the HELLO came from: it may beat our path. */
		p->finish_pending = 1;
		p->path.sock = p->path.kind == CHAT_PATH_NONE ? sock :
		    p->path.sock;
		if (p->path.kind == CHAT_PATH_NONE)
			p->path.addr = *from;
		return (0);
	}
	if (r == CHAT_HS_DONE && p->state != CHAT_PEER_S_UP) {
		if ((r = chat_hs_session(&p->hs, &p->sess)) != 0)
			return (r);
		snprintf(p->name, sizeof(p->name), "%s", p->hs.peer_name);
		p->verified = 1;
		p->state = CHAT_PEER_S_UP;
		p->ev_up = 1;
		return (0);
	}
	return (r < 0 ? r : 0);
}

int
chat_peer_input(struct chat_peer *p, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	int	r, n;

	if (len == 0 || p->state == CHAT_PEER_S_CLOSED)
		return (STUN_ERR_NOT_STUN);
	/* Failed, but the peer is trying again: so do we, now. */
	if (p->state == CHAT_PEER_S_FAILED) {
		if (buf[0] > 3 || p->retry_at == 0 || !peer_knows(p, from))
			return (STUN_ERR_NOT_STUN);
		p->retry_at = now;
		peer_advance(p, now);
		if (p->state != CHAT_PEER_S_PUNCHING)
			return (STUN_ERR_NOT_STUN);
	}
	/*
	 * A check from one of the peer's candidates before our go: it has
	 * started, so start too (the check is then answered, not lost).
	 */
	if (p->state == CHAT_PEER_S_WAITING) {
		if (buf[0] > 3 || !peer_knows(p, from))
			return (STUN_ERR_NOT_STUN);
		p->go_at = now;
		peer_advance(p, now);
		if (p->state != CHAT_PEER_S_PUNCHING)
			return (STUN_ERR_NOT_STUN);
	}
	if (buf[0] <= 3) {
		/* Someone else's check fails our USERNAME or tid. */
		if (stun_punch_input(&p->punch, sock, from, buf, len,
		    now) != 0)
			return (STUN_ERR_NOT_STUN);
		return (0);
	}
	if (buf[0] < CHAT_PKT_HELLO || buf[0] > CHAT_PKT_DATA ||
	    !peer_knows(p, from))
		return (STUN_ERR_NOT_STUN);
	if (buf[0] != CHAT_PKT_DATA)
		r = peer_input_hs(p, sock, from, buf, len, now);
	else if (p->state != CHAT_PEER_S_UP)
		r = STUN_ERR_STATE;	/* the peer will resend */
	else if ((n = chat_open(&p->sess, buf, len, p->in,
	    sizeof(p->in))) < 0)
		r = n;
	else if (n > 0 && CHAT_BULK_IS_FRAME(p->in[0]))
		r = chat_bulk_input(&p->bulk, p->in, (size_t)n, now);
	else
		r = chat_rel_input(&p->rel, p->in, (size_t)n, now);
	if (r != 0)
		p->dropped++;
	return (r);
}

int
chat_peer_send(struct chat_peer *p, const uint8_t *msg, size_t len,
    uint64_t now, uint32_t *id)
{
	int	r;

	*id = 0;
	if (p->state == CHAT_PEER_S_FAILED || p->state == CHAT_PEER_S_CLOSED)
		return (STUN_ERR_STATE);
	if (len == 0)
		return (STUN_ERR_INVALID);
	if (p->npend == CHAT_REL_MAX_MSGS)
		return (STUN_ERR_NOSPACE);
	if ((r = chat_rel_send(&p->rel, msg, len, now, id)) != 0)
		return (r);
	p->pend[p->npend++] = *id;
	return (0);
}

static void
peer_unpend(struct chat_peer *p, uint32_t id)
{
	unsigned	i;

	for (i = 0; i < p->npend; i++)
		if (p->pend[i] == id) {
			memmove(&p->pend[i], &p->pend[i + 1],
			    (p->npend - i - 1) * sizeof(p->pend[0]));
			p->npend--;
			return;
		}
}

static void
peer_path(struct chat_peer *p, const struct stun_punch_action *pa,
    uint64_t now)
{
	p->path.kind = pa->remote_type == STUN_CAND_RELAY ||
	    pa->local_type == STUN_CAND_RELAY ? CHAT_PATH_RELAY :
	    CHAT_PATH_DIRECT;
	p->path.sock = pa->sock;
	p->path.addr = pa->to;
	p->path.local_type = pa->local_type;
	p->path.remote_type = pa->remote_type;
	p->path.rtt = pa->pair >= 0 ? p->punch.pairs[pa->pair].rtt : 0;
	p->ev_path = 1;
	/* A direct path: no more probes (the counters stay for the event). */
	if (p->hn_run && p->path.kind == CHAT_PATH_DIRECT)
		stun_hardnat_stop(&p->hn, now);
	if (p->state == CHAT_PEER_S_PUNCHING) {
		p->state = CHAT_PEER_S_HANDSHAKE;
		p->hs_deadline = now + p->hs_timeout;
		p->hello_next = now;
	}
}

#define WAKE(w, t)	do {						\
	if ((t) != 0 && ((w) == 0 || (t) < (w)))			\
		(w) = (t);						\
} while (0)

/* The punch machine's next action; 1 when a was filled. */
static int
peer_next_punch(struct chat_peer *p, uint64_t now,
    struct chat_peer_action *a, uint64_t *wake)
{
	struct stun_punch_action pa;

	for (;;) {
		stun_punch_next(&p->punch, &pa);
		switch (pa.kind) {
		case STUN_PUNCH_SEND:
			a->kind = CHAT_PEER_A_SEND;
			a->sock = pa.sock;
			a->to = pa.to;
			a->buf = pa.buf;
			a->len = pa.len;
			return (1);
		case STUN_PUNCH_NOMINATED:
		case STUN_PUNCH_CHANGED:
			peer_path(p, &pa, now);
			continue;
		case STUN_PUNCH_FAILED:
			/* A session keeps its keys while the path is sought. */
			if (p->state == CHAT_PEER_S_PUNCHING)
				peer_fail(p, "no path", now);
			continue;
		case STUN_PUNCH_LOST:
			a->kind = CHAT_PEER_A_LOST;
			a->sock = pa.sock;
			a->to = pa.to;
			return (1);
		default:
			WAKE(*wake, pa.wake);
			return (0);
		}
	}
}

/*
 * The hard-NAT phase: the extra sockets asked for, the probes (empty
 * datagrams), and once over the sockets closed (but the one a hit came
 * on) and a path event with the final counts.  1 when a was filled.
 */
static int
peer_next_hn(struct chat_peer *p, uint64_t now, struct chat_peer_action *a,
    uint64_t *wake)
{
	struct stun_hardnat_action	 ha;

	if (p->hn_want > 0) {
		a->kind = CHAT_PEER_A_HN_OPEN;
		a->id = p->hn_want;
		a->to.port = p->hn_port;
		p->hn_want = 0;
		p->hn_asked = 1;
		return (1);
	}
	if (!p->hn_run || p->hn_over)
		return (0);
	/* Found by the punch, given up, or the peer is gone. */
	if (p->path.kind == CHAT_PATH_DIRECT ||
	    p->state == CHAT_PEER_S_FAILED || p->state == CHAT_PEER_S_CLOSED)
		stun_hardnat_stop(&p->hn, now);
	stun_hardnat_next(&p->hn, now, &ha);
	if (ha.kind == STUN_HARDNAT_A_SEND) {
		a->kind = CHAT_PEER_A_SEND;
		a->sock = ha.sock == 0 ? 0 : p->hn_base + ha.sock - 1;
		a->to = ha.to;
		a->buf = p->out;
		a->len = 0;
		return (1);
	}
	if (ha.kind == STUN_HARDNAT_A_WAIT) {
		WAKE(*wake, ha.wake);
		return (0);
	}
	p->hn_over = 1;
	if (p->path.kind == CHAT_PATH_RELAY)
		p->ev_path = 1;
	if (p->hn_open == 0)
		return (0);
	a->kind = CHAT_PEER_A_HN_CLOSE;
	a->sock = p->hn.found && p->hn.found_sock > 0 ?
	    p->hn_base + p->hn.found_sock - 1 : 0;
	return (1);
}

/*
 * Seal plaintext for the path into a send action: 1, or 0 when it could
 * not be sealed (counted in dropped; its stream retransmits it).
 */
static int
peer_seal_send(struct chat_peer *p, const uint8_t *pt, size_t len,
    struct chat_peer_action *a)
{
	int	n;

	if ((n = chat_seal(&p->sess, pt, len, p->out, sizeof(p->out))) < 0) {
		p->dropped++;
		return (0);
	}
	a->kind = CHAT_PEER_A_SEND;
	a->sock = p->path.sock;
	a->to = p->path.addr;
	a->buf = p->out;
	a->len = (size_t)n;
	return (1);
}

/* Reliable delivery once the session is up; 1 when a was filled. */
static int
peer_next_rel(struct chat_peer *p, uint64_t now, struct chat_peer_action *a,
    uint64_t *wake)
{
	struct chat_rel_action	 ra;

	for (;;) {
		chat_rel_next(&p->rel, now, &ra);
		switch (ra.kind) {
		case CHAT_REL_SEND:
			if (peer_seal_send(p, ra.buf, ra.len, a))
				return (1);
			continue;
		case CHAT_REL_MESSAGE:
			a->kind = CHAT_PEER_A_MESSAGE;
			a->id = ra.id;
			a->buf = ra.buf;
			a->len = ra.len;
			return (1);
		case CHAT_REL_DELIVERED:
		case CHAT_REL_UNDELIVERED:
			peer_unpend(p, ra.id);
			a->kind = ra.kind == CHAT_REL_DELIVERED ?
			    CHAT_PEER_A_DELIVERED : CHAT_PEER_A_UNDELIVERED;
			a->id = ra.id;
			a->reason = "not acknowledged";
			return (1);
		default:
			WAKE(*wake, chat_rel_wake(&p->rel));
			return (0);
		}
	}
}

/* Bulk data once the session is up; 1 when a was filled. */
static int
peer_next_bulk(struct chat_peer *p, uint64_t now, struct chat_peer_action *a,
    uint64_t *wake)
{
	struct chat_bulk_action	 ba;

	for (;;) {
		chat_bulk_next(&p->bulk, now, &ba);
		switch (ba.kind) {
		case CHAT_BULK_A_SEND:
			if (peer_seal_send(p, ba.buf, ba.len, a))
				return (1);
			continue;
		case CHAT_BULK_A_RECORD:
			a->kind = CHAT_PEER_A_RECORD;
			a->buf = ba.buf;
			a->len = ba.len;
			return (1);
		case CHAT_BULK_A_FAILED:
			a->kind = CHAT_PEER_A_BULK_FAILED;
			a->reason = "no progress";
			return (1);
		default:
			WAKE(*wake, ba.wake);
			return (0);
		}
	}
}

void
chat_peer_next(struct chat_peer *p, uint64_t now, struct chat_peer_action *a)
{
	uint64_t	 wake = 0;
	int		 n;

	memset(a, 0, sizeof(*a));
	peer_advance(p, now);
	if (p->finish_pending) {
		p->finish_pending = 0;
		a->kind = CHAT_PEER_A_SEND;
		a->sock = p->path.sock;
		a->to = p->path.addr;
		a->buf = p->finish;
		a->len = p->finishlen;
		return;
	}
	if (p->state == CHAT_PEER_S_PUNCHING ||
	    p->state == CHAT_PEER_S_HANDSHAKE || p->state == CHAT_PEER_S_UP) {
		if (peer_next_punch(p, now, a, &wake))
			return;
	}
	if (peer_next_hn(p, now, a, &wake))
		return;
	if (p->ev_path) {
		p->ev_path = 0;
		a->kind = CHAT_PEER_A_PATH;
		a->sock = p->path.sock;
		a->to = p->path.addr;
		return;
	}
	if (p->ev_up) {
		p->ev_up = 0;
		a->kind = CHAT_PEER_A_UP;
		return;
	}
	if (p->ev_failed) {
		p->ev_failed = 0;
		a->kind = CHAT_PEER_A_FAILED;
		a->reason = p->fail_reason;
		return;
	}
	if (p->flush > 0 && p->npend > 0) {
		p->flush--;
		a->kind = CHAT_PEER_A_UNDELIVERED;
		a->id = p->pend[0];
		a->reason = p->undeliver_reason;
		peer_unpend(p, a->id);
		return;
	}
	if ((p->state == CHAT_PEER_S_FAILED ||
	    p->state == CHAT_PEER_S_CLOSED) && p->npend > 0) {
		a->kind = CHAT_PEER_A_UNDELIVERED;
		a->id = p->pend[0];
		a->reason = p->undeliver_reason;
		peer_unpend(p, a->id);
		return;
	}
	if (p->state == CHAT_PEER_S_HANDSHAKE) {
		if (now >= p->hello_next) {
			n = chat_hs_hello(&p->hs, p->out, sizeof(p->out));
			p->hello_next = now + CHAT_PEER_HELLO_RTO;
			if (n > 0) {
				a->kind = CHAT_PEER_A_SEND;
				a->sock = p->path.sock;
				a->to = p->path.addr;
				a->buf = p->out;
				a->len = (size_t)n;
				return;
			}
		}
		WAKE(wake, p->hello_next);
		WAKE(wake, p->hs_deadline);
	}
	if (p->state == CHAT_PEER_S_UP && p->rekeying) {
		if (now >= p->rekey_deadline) {
			/* Nobody answered: a recording, or gone again. */
			p->rekeying = 0;
			chat_hs_clear(&p->rekey);
		} else if (now >= p->rekey_hello_next) {
			n = chat_hs_hello(&p->rekey, p->out, sizeof(p->out));
			p->rekey_hello_next = now + CHAT_PEER_HELLO_RTO;
			if (n > 0) {
				a->kind = CHAT_PEER_A_SEND;
				a->sock = p->path.sock;
				a->to = p->path.addr;
				a->buf = p->out;
				a->len = (size_t)n;
				return;
			}
		}
		if (p->rekeying) {
			WAKE(wake, p->rekey_hello_next);
			WAKE(wake, p->rekey_deadline);
		}
	}
	if (p->state == CHAT_PEER_S_UP && p->flush == 0 &&
	    peer_next_rel(p, now, a, &wake))
		return;
	/* After the messages' frames: a line goes before file data. */
	if (p->state == CHAT_PEER_S_UP && peer_next_bulk(p, now, a, &wake))
		return;
	if (p->state == CHAT_PEER_S_WAITING)
		WAKE(wake, p->go_at);
	if (p->state == CHAT_PEER_S_FAILED)
		WAKE(wake, p->retry_at);
	a->kind = CHAT_PEER_A_WAIT;
	a->wake = wake;
}

int
chat_peer_alive(const struct chat_peer *p)
{
	return (p->state == CHAT_PEER_S_UP && (p->punch.nominated >= 0 ||
	    !p->punch.failed));
}

int
chat_peer_stale(const struct chat_peer *p, uint64_t now)
{
	return (p->state == CHAT_PEER_S_UP &&
	    stun_punch_stale(&p->punch, now));
}

void
chat_peer_moved(struct chat_peer *p, uint64_t now)
{
	if (chat_peer_stale(p, now))
		stun_punch_lost(&p->punch, now);
}

uint32_t
chat_peer_hn_ms(const struct chat_peer *p, uint64_t now)
{
	const struct stun_hardnat	*h = &p->hn;

	if (!p->hn_planned || h->start == 0)
		return (0);
	return ((uint32_t)((h->state == STUN_HARDNAT_S_DONE ? h->ended_at :
	    now) - h->start));
}

unsigned
chat_peer_pending(const struct chat_peer *p)
{
	return (p->npend);
}

const char *
chat_peer_state_name(int state)
{
	switch (state) {
	case CHAT_PEER_S_WAITING:
		return ("waiting");
	case CHAT_PEER_S_PUNCHING:
		return ("punching");
	case CHAT_PEER_S_HANDSHAKE:
		return ("handshake");
	case CHAT_PEER_S_UP:
		return ("up");
	case CHAT_PEER_S_FAILED:
		return ("failed");
	case CHAT_PEER_S_CLOSED:
		return ("closed");
	}
	return ("unknown");
}

const char *
chat_path_kind_name(int kind)
{
	switch (kind) {
	case CHAT_PATH_DIRECT:
		return ("direct");
	case CHAT_PATH_RELAY:
		return ("relay");
	}
	return ("none");
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous client machine, version 2 (doc/rendezvous.md 4): the
 * two-step Register, sealed requests with sequence numbers, path
 * challenges, member list deltas and paged resyncs, and registering again
 * for as long as the caller lives once it has joined.  I/O-free: packets
 * and time in, actions out.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "stun.h"
#include "txn.h"
#include "rdv.h"
#include "rdvint.h"

#define RDV_RETRY_FIRST	1000	/* ms before the first re-register */
#define RDV_HELLOS_MAX	4	/* cookie refusals in a row before backoff */

static int	rdv_client_send(struct stun_rdv_client *, uint16_t, uint64_t);
static void	rdv_client_register(struct stun_rdv_client *, uint64_t);

static uint32_t
rdv_hold(const struct stun_rdv_client *rc, uint64_t now)
{
	return (now - rc->echo_at > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(now - rc->echo_at));
}

/* Build the request in flight (again: sealed ones get a new number). */
static int
rdv_client_build(struct stun_rdv_client *rc, uint64_t now)
{
	struct stun_rdv_msg	 q;
	const uint8_t		*key = NULL;
	int			 n;

	memset(&q, 0, sizeof(q));
	q.method = rc->req_method;
	q.cls = STUN_CLASS_REQUEST;
	memcpy(q.tid, rc->tid, STUN_TID_LEN);
	q.flags = STUN_RDV_F_ROOM;
	memcpy(q.room, rc->c.room, rc->c.roomlen);
	q.roomlen = rc->c.roomlen;
	if (rc->req_method == STUN_RDV_REGISTER) {
		q.flags |= STUN_RDV_F_KEYSHARE;
		memcpy(q.keyshare, rc->pub, sizeof(q.keyshare));
		if (rc->step == 1) {
			/* Never smaller than the answer it draws. */
			q.pad_to = STUN_RDV_HELLO_MIN;
			goto build;
		}
		q.flags |= STUN_RDV_F_COOKIE | STUN_RDV_F_ROOM_KEY |
		    STUN_RDV_F_TOKEN | STUN_RDV_F_NAME | STUN_RDV_F_CANDS;
		memcpy(q.cookie, rc->cookie, sizeof(q.cookie));
		memcpy(q.room_key, rc->c.room_key, sizeof(q.room_key));
		memcpy(q.token, rc->c.token, sizeof(q.token));
		memcpy(q.name, rc->c.name, sizeof(q.name));
		q.ncand = rc->c.ncand;
		memcpy(q.cand, rc->c.cand, sizeof(q.cand));
		if (rc->c.has_nat) {
			q.flags |= STUN_RDV_F_NAT;
			q.nat = rc->c.nat;
		}
		q.pad_to = STUN_RDV_LIST_REQ;
		key = rc->reg_c2s;
		q.seq = ++rc->reg_seq;
	} else {
		q.flags |= STUN_RDV_F_MEMBER_ID;
		q.member_id = rc->member_id;
		key = rc->c2s;
		q.seq = ++rc->tx_seq;
	}
	if (rc->req_method == STUN_RDV_RESYNC) {
		q.flags |= STUN_RDV_F_START;
		q.start = rc->list_start;
		q.pad_to = STUN_RDV_LIST_REQ;
	}
	if (rc->req_method == STUN_RDV_KEEPALIVE && rc->has_chal) {
		/* The echo pays for the Members the move sends the room. */
		q.flags |= STUN_RDV_F_CHALLENGE;
		memcpy(q.challenge, rc->chal, sizeof(q.challenge));
		q.pad_to = STUN_RDV_LIST_REQ;
	}
	/* The server's RTT token and how long we held it (doc 5). */
	if (rc->req_method != STUN_RDV_LEAVE && rc->has_echo) {
		q.flags |= STUN_RDV_F_ECHO;
		q.echo = rc->echo;
		q.hold = rdv_hold(rc, now);
	}
build:
	n = stun_rdv_build(&q, key, rc->req, sizeof(rc->req));
	OPENSSL_cleanse(q.room_key, sizeof(q.room_key));
	OPENSSL_cleanse(q.token, sizeof(q.token));
	if (n < 0)
		return (n);
	rc->reqlen = (size_t)n;
	rc->pend_send = 1;
	return (0);
}

static int
rdv_client_send(struct stun_rdv_client *rc, uint16_t method, uint64_t now)
{
	int	n;

	if ((n = stun_tid_new(rc->c.rnd, rc->c.rnd_arg, rc->tid)) != 0)
		return (n);
	rc->req_method = method;
	if ((n = rdv_client_build(rc, now)) != 0)
		return (n);
	stun_txn_start(&rc->txn, &rc->c.txn, rc->tid, now);
	rc->txn_on = 1;
	return (0);
}

static void
rdv_client_fail(struct stun_rdv_client *rc, int err, int code)
{
	rc->state = STUN_RDV_S_FAILED;
	rc->txn_on = 0;
	rc->pend_send = 0;
	rc->err = err;
	rc->code = code;
	rc->pend_done = 1;
}

/*
 * The next server of the fleet, if any.  1 when the machine moved to one
 * not yet tried since the last success, 0 when every one has failed.
 */
static int
rdv_client_next_server(struct stun_rdv_client *rc)
{
	if (rc->nservers < 2)
		return (0);
	rc->cur = (rc->cur + 1) % rc->nservers;
	rc->c.server = rc->servers[rc->cur];
	if (++rc->failed < rc->nservers)
		return (1);
	rc->failed = 0;
	return (0);
}

/*
 * The server did not let us in.  With more servers, the next one at once;
 * when each has failed: before the first join that ends the machine;
 * after it we try again with backoff for as long as we live.
 */
static void
rdv_client_lost(struct stun_rdv_client *rc, int err, int code, uint64_t now)
{
	uint32_t	max = rc->c.retry_max != 0 ? rc->c.retry_max : 30000;

	/* Leaving: no server to try again, nothing to tell one. */
	if (rc->leave_after) {
		rc->leave_after = 0;
		rc->state = STUN_RDV_S_DONE;
		rc->txn_on = 0;
		rc->pend_send = 0;
		rc->pend_done = 1;
		return;
	}
	if (err == STUN_ERR_TIMEOUT && rdv_client_next_server(rc)) {
		rc->txn_on = 0;
		rc->hellos = 0;
		if (rc->joined_once && !rc->server_down) {
			rc->server_down = 1;
			rc->pend_server = 1;
		}
		rdv_client_register(rc, now);
		return;
	}
	if (!rc->joined_once) {
		rdv_client_fail(rc, err, code);
		return;
	}
	rc->txn_on = 0;
	rc->state = STUN_RDV_S_RETRY;
	if (!rc->server_down) {
		rc->server_down = 1;
		rc->pend_server = 1;
	}
	rc->backoff = rc->backoff == 0 ? RDV_RETRY_FIRST : rc->backoff * 2;
	if (rc->backoff > max)
		rc->backoff = max;
	rc->retry_at = now + rc->backoff;
}

/*
 * The keepalive interval the server asks for (Register and Keepalive
 * answers: a server reloaded with another one tells us at once), unless
 * ours is configured; clamped to 1..60 s.
 */
static void
rdv_client_interval(struct stun_rdv_client *rc, const struct stun_rdv_msg *q)
{
	uint32_t	iv = rc->c.keepalive;

	if (iv == 0 && (q->flags & STUN_RDV_F_INTERVAL))
		iv = q->interval;
	else if (iv == 0)
		iv = rc->interval != 0 ? rc->interval : STUN_RDV_KEEPALIVE_MS;
	if (iv < 1000)
		iv = 1000;
	if (iv > 60000)
		iv = 60000;
	rc->interval = iv;
}

/* Step 1 with a fresh key share. */
static void
rdv_client_register(struct stun_rdv_client *rc, uint64_t now)
{
	int	r;

	if (rc->joined_once)
		rc->reregisters++;
	rc->state = STUN_RDV_S_REGISTER;
	rc->step = 1;
	rc->hellos++;
	if ((r = stun_random(rc->c.rnd, rc->c.rnd_arg, rc->priv,
	    sizeof(rc->priv))) != 0 ||
	    (r = stun_rdv_x25519_pub(rc->priv, rc->pub)) != 0 ||
	    (r = rdv_client_send(rc, STUN_RDV_REGISTER, now)) != 0)
		rdv_client_fail(rc, r, 0);
}

/* Essentials the wire can carry (what the server would accept). */
static int
rdv_client_nat_ok(const struct stun_hardnat_ess *e)
{
	struct stun_hardnat_ess	 d;
	uint8_t			 b[STUN_HARDNAT_ESS_LEN];

	stun_hardnat_ess_encode(e, b);
	return (stun_hardnat_ess_decode(b, sizeof(b), &d) == 0);
}

int
stun_rdv_client_init(struct stun_rdv_client *rc,
    const struct stun_rdv_config *c)
{
	static const uint8_t	zero[STUN_RDV_TOKEN_LEN];
	uint8_t			id[STUN_RDV_ROOM_ID_LEN];
	unsigned		i;
	int			r;

	if (rc == NULL || c == NULL)
		return (STUN_ERR_INVALID);
	memset(rc, 0, sizeof(*rc));
	if (c->ncand > STUN_RDV_MAX_CANDS ||
	    (c->server.family != STUN_AF_INET &&
	    c->server.family != STUN_AF_INET6) ||
	    !stun_rdv_name_ok((const uint8_t *)c->name,
	    strnlen(c->name, sizeof(c->name))) ||
	    CRYPTO_memcmp(c->room_key, zero, sizeof(zero)) == 0)
		return (STUN_ERR_INVALID);
	for (i = 0; i < c->ncand; i++)
		if (!stun_rdv_cand_ok(&c->cand[i]))
			return (STUN_ERR_INVALID);
	if (c->has_nat && !rdv_client_nat_ok(&c->nat))
		return (STUN_ERR_INVALID);
	if ((r = stun_rdv_room_id(c->room_key, id)) != 0)
		return (r);
	/* The server admits only when the id is the key's hash. */
	if (c->roomlen != 0 && (c->roomlen != sizeof(id) ||
	    memcmp(c->room, id, sizeof(id)) != 0))
		return (STUN_ERR_INVALID);
	if (c->nmore > STUN_RDV_MAX_SERVERS - 1)
		return (STUN_ERR_INVALID);
	rc->servers[rc->nservers++] = c->server;
	for (i = 0; i < c->nmore; i++) {
		if (c->more[i].family != c->server.family)
			return (STUN_ERR_INVALID);
		rc->servers[rc->nservers++] = c->more[i];
	}
	rc->c = *c;
	memcpy(rc->c.room, id, sizeof(id));
	rc->c.roomlen = sizeof(id);
	if (CRYPTO_memcmp(c->token, zero, sizeof(zero)) == 0 &&
	    (r = stun_random(c->rnd, c->rnd_arg, rc->c.token,
	    sizeof(rc->c.token))) != 0)
		return (r);
	rc->state = STUN_RDV_S_IDLE;
	return (0);
}

int
stun_rdv_client_start(struct stun_rdv_client *rc, uint64_t now)
{
	if (rc == NULL || rc->state != STUN_RDV_S_IDLE)
		return (STUN_ERR_STATE);
	rdv_client_register(rc, now);
	return (rc->state == STUN_RDV_S_FAILED ? rc->err : 0);
}

/* What Register says changed: send it again once registered. */
static int
rdv_client_update(struct stun_rdv_client *rc, uint64_t now)
{
	/* Not registered now: the next Register sends it. */
	if (rc->state == STUN_RDV_S_IDLE || rc->state == STUN_RDV_S_RETRY)
		return (0);
	if (rc->state == STUN_RDV_S_REGISTER && rc->step == 1)
		return (0);
	/* A Register in flight is replaced; its answer is no longer ours. */
	rc->hellos = 0;
	rdv_client_register(rc, now);
	return (rc->state == STUN_RDV_S_FAILED ? rc->err : 0);
}

int
stun_rdv_client_set_cands(struct stun_rdv_client *rc,
    const struct stun_rdv_cand *cand, unsigned n, uint64_t now)
{
	struct stun_rdv_cand	tmp[STUN_RDV_MAX_CANDS];
	unsigned		i;

	if (rc == NULL || (cand == NULL && n != 0) || n > STUN_RDV_MAX_CANDS)
		return (STUN_ERR_INVALID);
	for (i = 0; i < n; i++)
		if (!stun_rdv_cand_ok(&cand[i]))
			return (STUN_ERR_INVALID);
	if (rc->state != STUN_RDV_S_IDLE && rc->state != STUN_RDV_S_REGISTER &&
	    rc->state != STUN_RDV_S_JOINED && rc->state != STUN_RDV_S_RETRY)
		return (STUN_ERR_STATE);
	/* cand may be our own array. */
	memset(tmp, 0, sizeof(tmp));
	for (i = 0; i < n; i++)
		tmp[i] = cand[i];
	memcpy(rc->c.cand, tmp, sizeof(tmp));
	rc->c.ncand = n;
	return (rdv_client_update(rc, now));
}

int
stun_rdv_client_set_nat(struct stun_rdv_client *rc,
    const struct stun_hardnat_ess *e, uint64_t now)
{
	if (rc == NULL || e == NULL || !rdv_client_nat_ok(e))
		return (STUN_ERR_INVALID);
	if (rc->state != STUN_RDV_S_IDLE && rc->state != STUN_RDV_S_REGISTER &&
	    rc->state != STUN_RDV_S_JOINED && rc->state != STUN_RDV_S_RETRY)
		return (STUN_ERR_STATE);
	rc->c.nat = *e;
	rc->c.has_nat = 1;
	return (rdv_client_update(rc, now));
}

int
stun_rdv_client_leave(struct stun_rdv_client *rc, uint64_t now)
{
	if (rc == NULL)
		return (STUN_ERR_INVALID);
	/*
	 * A member re-registering (new candidates or NAT data) is still in
	 * the room: the Leave follows the Register, under the keys it
	 * brings, or the room would keep a ghost until it expires.
	 */
	if (rc->state == STUN_RDV_S_REGISTER && rc->keys_ok) {
		rc->leave_after = 1;
		return (0);
	}
	if (rc->state == STUN_RDV_S_IDLE || rc->state == STUN_RDV_S_REGISTER ||
	    rc->state == STUN_RDV_S_RETRY) {
		/* Not a member now: nothing to tell the server. */
		rc->state = STUN_RDV_S_DONE;
		rc->txn_on = 0;
		rc->pend_send = 0;
		rc->pend_done = 1;
		return (0);
	}
	if (rc->state != STUN_RDV_S_JOINED)
		return (STUN_ERR_STATE);
	rc->state = STUN_RDV_S_LEAVE;
	if (rdv_client_send(rc, STUN_RDV_LEAVE, now) != 0) {
		rc->state = STUN_RDV_S_DONE;
		rc->txn_on = 0;
		rc->pend_done = 1;
	}
	return (0);
}

static int
rdv_client_find(const struct stun_rdv_client *rc, uint32_t id)
{
	unsigned	i;

	for (i = 0; i < rc->nmembers; i++)
		if (rc->members[i].id == id)
			return ((int)i);
	return (-1);
}

static void
rdv_client_drop(struct stun_rdv_client *rc, unsigned i)
{
	rc->nmembers--;
	rc->members[i] = rc->members[rc->nmembers];
	rc->stale_until[i] = rc->stale_until[rc->nmembers];
	memset(&rc->members[rc->nmembers], 0, sizeof(rc->members[0]));
	rc->stale_until[rc->nmembers] = 0;
}

static void
rdv_client_told(struct stun_rdv_client *rc, uint8_t ev, uint32_t who)
{
	rc->event = ev;
	rc->event_member = who;
	rc->pend_members = 1;
}

/*
 * A complete list arrived.  After a re-register (the server may have
 * restarted) members it lacks stay, stale, for one member timeout: they
 * will be back as soon as they register again, and nobody is told they
 * left in between.
 */
static void
rdv_client_list_done(struct stun_rdv_client *rc, uint64_t now)
{
	struct stun_rdv_member	old[STUN_RDV_MAX_MEMBERS];
	uint64_t		oldst[STUN_RDV_MAX_MEMBERS];
	unsigned		nold = rc->nmembers, i, j;
	uint64_t		grace = 3 * (uint64_t)rc->interval;

	memcpy(old, rc->members, sizeof(old));
	memcpy(oldst, rc->stale_until, sizeof(oldst));
	memset(rc->members, 0, sizeof(rc->members));
	memset(rc->stale_until, 0, sizeof(rc->stale_until));
	for (i = 0; i < rc->nnew; i++)
		rc->members[i] = rc->newlist[i];
	rc->nmembers = rc->nnew;
	for (i = 0; rc->rejoin && i < nold; i++) {
		if (rdv_client_find(rc, old[i].id) != -1 ||
		    rc->nmembers >= STUN_RDV_MAX_MEMBERS)
			continue;
		if (oldst[i] != 0 && oldst[i] <= now)
			continue;
		j = rc->nmembers++;
		rc->members[j] = old[i];
		rc->stale_until[j] = oldst[i] != 0 ? oldst[i] : now + grace;
	}
	rc->epoch = rc->new_epoch;
	rc->nnew = 0;
	rc->want_list = 0;
	rc->rejoin = 0;
	rdv_client_told(rc, 0, 0);
}

/* A page of the list (Register or Resync answer). */
static void
rdv_client_page(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint32_t start, uint64_t now)
{
	unsigned	i;

	if (!(q->flags & STUN_RDV_F_EPOCH) || !(q->flags & STUN_RDV_F_COUNT)) {
		rc->rejected++;
		return;
	}
	if (start == 0 || q->epoch != rc->new_epoch) {
		/* The room changed under us: start over. */
		rc->nnew = 0;
		rc->new_epoch = q->epoch;
		if (start != 0) {
			rc->list_start = 0;
			rc->want_list = 1;
			return;
		}
	}
	if (start != rc->nnew) {
		rc->list_start = rc->nnew;
		rc->want_list = 1;
		return;
	}
	for (i = 0; i < q->nmembers && rc->nnew < STUN_RDV_MAX_MEMBERS; i++)
		rc->newlist[rc->nnew++] = q->members[i];
	if (rc->nnew >= q->count || q->nmembers == 0) {
		rdv_client_list_done(rc, now);
		return;
	}
	rc->list_start = rc->nnew;
	rc->want_list = 1;
}

static void
rdv_client_keep_echo(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	if (q->flags & STUN_RDV_F_ECHO) {
		rc->has_echo = 1;
		rc->echo = q->echo;
		rc->echo_at = now;
	}
}

/* A first-step answer: the server's key share and our cookie. */
static void
rdv_client_hello(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	uint8_t	salt[STUN_RDV_SALT_LEN], s2c[STUN_RDV_KEY_LEN];
	int	r;

	if ((q->flags & (STUN_RDV_F_COOKIE | STUN_RDV_F_SERVER_KEY)) !=
	    (STUN_RDV_F_COOKIE | STUN_RDV_F_SERVER_KEY)) {
		rc->rejected++;
		return;
	}
	memset(salt, 0, sizeof(salt));
	memcpy(rc->server_key, q->server_key, sizeof(rc->server_key));
	memcpy(rc->cookie, q->cookie, sizeof(rc->cookie));
	if ((r = stun_rdv_x25519(rc->priv, rc->server_key, rc->shared)) != 0 ||
	    (r = stun_rdv_session_keys(rc->shared, rc->pub, rc->server_key,
	    rc->c.room, rc->c.roomlen, salt, rc->reg_c2s, s2c)) != 0) {
		rc->rejected++;
		return;
	}
	OPENSSL_cleanse(s2c, sizeof(s2c));
	rc->txn_on = 0;
	rc->step = 2;
	rc->reg_seq = 0;
	if ((r = rdv_client_send(rc, STUN_RDV_REGISTER, now)) != 0)
		rdv_client_fail(rc, r, 0);
}

/* The sealed Register answer: keys in place, we are a member. */
static void
rdv_client_joined(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    const uint8_t s2c[STUN_RDV_KEY_LEN], uint64_t now)
{
	const uint32_t	need = STUN_RDV_F_MEMBER_ID | STUN_RDV_F_MAPPED |
	    STUN_RDV_F_EPOCH | STUN_RDV_F_COUNT;

	if ((q->flags & need) != need) {
		rc->rejected++;
		rdv_client_lost(rc, STUN_ERR_BAD_ATTR, 0, now);
		return;
	}
	rc->txn_on = 0;
	memcpy(rc->c2s, rc->reg_c2s, sizeof(rc->c2s));
	memcpy(rc->s2c, s2c, sizeof(rc->s2c));
	rc->tx_seq = rc->reg_seq;
	rc->rx_top = q->seq;
	rc->rx_bits = 0;
	rc->keys_ok = 1;
	rc->hellos = 0;
	rc->backoff = 0;
	rc->failed = 0;
	if (rc->server_down) {
		rc->server_down = 0;
		rc->pend_server = 1;
	}
	if (!rc->joined_once || q->member_id != rc->member_id)
		rc->pend_joined = 1;
	rc->rejoin = rc->joined_once;
	rc->joined_once = 1;
	rc->member_id = q->member_id;
	rc->mapped = q->mapped;
	/* Empty strings when the server gave no credential. */
	memcpy(rc->relay_user, q->relay_user, sizeof(rc->relay_user));
	memcpy(rc->relay_pass, q->relay_pass, sizeof(rc->relay_pass));
	rc->interval = 0;
	rdv_client_interval(rc, q);
	rc->state = STUN_RDV_S_JOINED;
	rdv_client_keep_echo(rc, q, now);
	rc->next_ka = now + rc->interval;
	rc->nnew = 0;
	rc->new_epoch = q->epoch;
	rdv_client_page(rc, q, 0, now);
	if (rc->leave_after) {
		rc->leave_after = 0;
		(void)stun_rdv_client_leave(rc, now);
		return;
	}
	/* Give the server an RTT sample at once for Go timing. */
	if (!rc->want_list && rc->has_echo &&
	    rdv_client_send(rc, STUN_RDV_KEEPALIVE, now) != 0)
		rc->txn_on = 0;
}

/* Replay window over the server's sequence numbers (RFC 4303 style). */
static int
rdv_client_fresh(struct stun_rdv_client *rc, uint64_t seq)
{
	uint64_t	d;

	if (seq > rc->rx_top) {
		d = seq - rc->rx_top;
		rc->rx_bits = d >= 64 ? 0 : rc->rx_bits << d;
		rc->rx_bits |= 1;
		rc->rx_top = seq;
		return (1);
	}
	d = rc->rx_top - seq;
	if (d >= STUN_RDV_REPLAY_WINDOW || (rc->rx_bits & (1ULL << d)))
		return (0);
	rc->rx_bits |= 1ULL << d;
	return (1);
}

/* Open q (decoded from m) with the session key; 0 when it is ours. */
static int
rdv_client_open(struct stun_rdv_client *rc, const struct stun_msg *m,
    struct stun_rdv_msg *q)
{
	if (!rc->keys_ok || !(q->flags & STUN_RDV_F_SEALED) ||
	    !(q->flags & STUN_RDV_F_MEMBER_ID) ||
	    q->member_id != rc->member_id ||
	    stun_rdv_open(m, rc->s2c, q) != 0) {
		rc->rejected++;
		return (-1);
	}
	if (!rdv_client_fresh(rc, q->seq)) {
		rc->replays++;
		return (-1);
	}
	return (0);
}

/* Keepalive, Resync and Leave answers, opened. */
static void
rdv_client_answer(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	rc->txn_on = 0;
	switch (rc->req_method) {
	case STUN_RDV_KEEPALIVE:
		rdv_client_keep_echo(rc, q, now);
		if (q->flags & STUN_RDV_F_CHALLENGE) {
			/* Our address changed: prove we receive here. */
			memcpy(rc->chal, q->challenge, sizeof(rc->chal));
			rc->has_chal = 1;
			if (rdv_client_send(rc, STUN_RDV_KEEPALIVE, now) != 0)
				rc->txn_on = 0;
			rc->has_chal = 0;
			return;
		}
		if (q->flags & STUN_RDV_F_MAPPED)
			rc->mapped = q->mapped;
		rdv_client_interval(rc, q);
		rc->next_ka = now + rc->interval;
		/* A Members indication was lost: fetch the list. */
		if ((q->flags & STUN_RDV_F_EPOCH) && q->epoch != rc->epoch) {
			rc->list_start = 0;
			rc->nnew = 0;
			rc->want_list = 1;
		}
		break;
	case STUN_RDV_RESYNC:
		rdv_client_keep_echo(rc, q, now);
		rdv_client_page(rc, q, (q->flags & STUN_RDV_F_START) ?
		    q->start : 0, now);
		break;
	case STUN_RDV_LEAVE:
		rc->state = STUN_RDV_S_DONE;
		rc->pend_done = 1;
		break;
	}
}

/* Join and move carry the entry; leave and timeout only the event. */
static void
rdv_client_delta(struct stun_rdv_client *rc, const struct stun_rdv_msg *q)
{
	int	i;

	if ((q->flags & (STUN_RDV_F_EPOCH | STUN_RDV_F_EVENT)) !=
	    (STUN_RDV_F_EPOCH | STUN_RDV_F_EVENT)) {
		rc->rejected++;
		return;
	}
	if ((int32_t)(q->epoch - rc->epoch) <= 0) {
		rc->ignored++;
		return;
	}
	if (q->epoch != rc->epoch + 1) {
		/* We missed one: the whole list, then deltas again. */
		rc->list_start = 0;
		rc->nnew = 0;
		rc->want_list = 1;
		return;
	}
	i = rdv_client_find(rc, q->event_member);
	if (q->event == STUN_RDV_EV_JOIN || q->event == STUN_RDV_EV_MOVE) {
		if (q->nmembers != 1 || q->members[0].id != q->event_member) {
			rc->rejected++;
			return;
		}
		if (i == -1) {
			if (rc->nmembers >= STUN_RDV_MAX_MEMBERS) {
				rc->want_list = 1;
				return;
			}
			i = (int)rc->nmembers++;
		}
		rc->members[i] = q->members[0];
		rc->stale_until[i] = 0;
	} else if (i != -1)
		rdv_client_drop(rc, (unsigned)i);
	rc->epoch = q->epoch;
	rdv_client_told(rc, q->event, q->event_member);
}

static void
rdv_client_go(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	unsigned	i;

	if ((q->flags & (STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY)) !=
	    (STUN_RDV_F_PEER_ID | STUN_RDV_F_DELAY)) {
		rc->rejected++;
		return;
	}
	for (i = 0; i < rc->ngo; i++)
		if (rc->go_peer[i] == q->peer_id)
			break;
	if (i == rc->ngo) {
		if (rc->ngo >= STUN_RDV_GOQ) {
			rc->ignored++;
			return;
		}
		rc->ngo++;
	}
	rc->go_peer[i] = q->peer_id;
	rc->go_at[i] = now + q->delay;
}

/* Send what is due when nothing is in flight. */
static void
rdv_client_kick(struct stun_rdv_client *rc, uint64_t now)
{
	if (rc->state != STUN_RDV_S_JOINED || rc->txn_on)
		return;
	if (rc->want_list) {
		if (rdv_client_send(rc, STUN_RDV_RESYNC, now) != 0)
			rc->txn_on = 0;
	} else if (now >= rc->next_ka &&
	    rdv_client_send(rc, STUN_RDV_KEEPALIVE, now) != 0) {
		rc->txn_on = 0;
		rc->next_ka = now + rc->interval;
	}
}

/* An error answer to our request: clear, so only a hint. */
static void
rdv_client_error(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	rc->txn_on = 0;
	if (rc->req_method == STUN_RDV_LEAVE) {
		rc->state = STUN_RDV_S_DONE;
		rc->pend_done = 1;
		return;
	}
	if (rc->req_method != STUN_RDV_REGISTER) {
		/* Forgotten (timed out, or a new server process). */
		rdv_client_register(rc, now);
		return;
	}
	/* A stale cookie: once more from the first step. */
	if (q->error == STUN_RDV_ERR_UNKNOWN && rc->hellos < RDV_HELLOS_MAX) {
		rdv_client_register(rc, now);
		return;
	}
	rdv_client_lost(rc, STUN_ERR_STATE, q->error, now);
}

static void
rdv_client_response(struct stun_rdv_client *rc, const struct stun_msg *m,
    struct stun_rdv_msg *q, uint64_t now)
{
	uint8_t	c2s[STUN_RDV_KEY_LEN], s2c[STUN_RDV_KEY_LEN];

	if (q->cls == STUN_CLASS_ERROR) {
		rdv_client_error(rc, q, now);
		return;
	}
	if (rc->req_method == STUN_RDV_REGISTER && rc->step == 1) {
		rdv_client_hello(rc, q, now);
		return;
	}
	if (rc->req_method == STUN_RDV_REGISTER) {
		if (!(q->flags & STUN_RDV_F_SALT) ||
		    !(q->flags & STUN_RDV_F_SEALED) ||
		    stun_rdv_session_keys(rc->shared, rc->pub, rc->server_key,
		    rc->c.room, rc->c.roomlen, q->salt, c2s, s2c) != 0 ||
		    stun_rdv_open(m, s2c, q) != 0) {
			rc->rejected++;
			goto out;
		}
		rdv_client_joined(rc, q, s2c, now);
		goto out;
	}
	if (rdv_client_open(rc, m, q) != 0)
		return;
	rdv_client_answer(rc, q, now);
out:
	OPENSSL_cleanse(c2s, sizeof(c2s));
	OPENSSL_cleanse(s2c, sizeof(s2c));
}

int
stun_rdv_client_input(struct stun_rdv_client *rc,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	struct stun_msg		 m;
	struct stun_rdv_msg	 q;

	if (rc == NULL || from == NULL || buf == NULL)
		return (STUN_ERR_INVALID);
	if (rc->state == STUN_RDV_S_IDLE || rc->state == STUN_RDV_S_DONE ||
	    rc->state == STUN_RDV_S_FAILED ||
	    !stun_addr_equal(from, &rc->c.server) ||
	    stun_msg_decode(&m, buf, len) != 0 || !stun_rdv_is_rdv(&m)) {
		rc->ignored++;
		return (0);
	}
	if (stun_rdv_decode(&m, &q) != 0) {
		rc->rejected++;
		return (0);
	}
	if (q.cls == STUN_CLASS_INDICATION) {
		if (rc->state != STUN_RDV_S_JOINED &&
		    rc->state != STUN_RDV_S_REGISTER) {
			rc->ignored++;
			return (0);
		}
		if (rdv_client_open(rc, &m, &q) != 0)
			return (0);
		if (q.method == STUN_RDV_MEMBERS)
			rdv_client_delta(rc, &q);
		else
			rdv_client_go(rc, &q, now);
		rdv_client_kick(rc, now);
		return (0);
	}
	if (!rc->txn_on || q.method != rc->req_method ||
	    stun_txn_input(&rc->txn, &m, now) != STUN_TXN_DONE) {
		rc->ignored++;
		return (0);
	}
	rdv_client_response(rc, &m, &q, now);
	rdv_client_kick(rc, now);
	return (0);
}

static void
rdv_client_stale(struct stun_rdv_client *rc, uint64_t now)
{
	unsigned	i;
	uint32_t	id;

	for (i = 0; i < rc->nmembers; i++) {
		if (rc->stale_until[i] == 0 || rc->stale_until[i] > now)
			continue;
		/* One per call: each removal is its own MEMBERS action. */
		id = rc->members[i].id;
		rdv_client_drop(rc, i);
		rdv_client_told(rc, STUN_RDV_EV_TIMEOUT, id);
		return;
	}
}

void
stun_rdv_client_timer(struct stun_rdv_client *rc, uint64_t now)
{
	int	r;

	if (rc == NULL)
		return;
	if (!rc->pend_members)
		rdv_client_stale(rc, now);
	if (rc->state == STUN_RDV_S_RETRY) {
		if (now >= rc->retry_at) {
			rc->hellos = 0;
			rdv_client_register(rc, now);
		}
		return;
	}
	if (rc->txn_on) {
		r = stun_txn_timer(&rc->txn, now);
		if (r == STUN_TXN_SEND && rdv_client_build(rc, now) != 0)
			rc->pend_send = 0;
		else if (r == STUN_TXN_TIMEOUT) {
			rc->txn_on = 0;
			if (rc->req_method == STUN_RDV_KEEPALIVE ||
			    rc->req_method == STUN_RDV_RESYNC) {
				/* Silent: the next server, if any. */
				if (rdv_client_next_server(rc) &&
				    !rc->server_down) {
					rc->server_down = 1;
					rc->pend_server = 1;
				}
				rc->hellos = 0;
				rdv_client_register(rc, now);
			} else if (rc->req_method == STUN_RDV_LEAVE) {
				rc->state = STUN_RDV_S_DONE;
				rc->pend_done = 1;
			} else
				rdv_client_lost(rc, STUN_ERR_TIMEOUT, 0, now);
		}
		return;
	}
	rdv_client_kick(rc, now);
}

void
stun_rdv_client_next(struct stun_rdv_client *rc, struct stun_rdv_action *a)
{
	unsigned	i;

	memset(a, 0, sizeof(*a));
	if (rc == NULL)
		return;
	if (rc->pend_send) {
		rc->pend_send = 0;
		a->kind = STUN_RDV_A_SEND;
		a->buf = rc->req;
		a->len = rc->reqlen;
		a->to = rc->c.server;
		return;
	}
	if (rc->pend_server) {
		rc->pend_server = 0;
		a->kind = STUN_RDV_A_SERVER;
		a->server_up = !rc->server_down;
		return;
	}
	if (rc->pend_joined) {
		rc->pend_joined = 0;
		a->kind = STUN_RDV_A_JOINED;
		a->member_id = rc->member_id;
		a->mapped = rc->mapped;
		memcpy(a->relay_user, rc->relay_user, sizeof(a->relay_user));
		memcpy(a->relay_pass, rc->relay_pass, sizeof(a->relay_pass));
		return;
	}
	if (rc->pend_members) {
		rc->pend_members = 0;
		a->kind = STUN_RDV_A_MEMBERS;
		a->members = rc->members;
		a->nmembers = rc->nmembers;
		a->event = rc->event;
		a->event_member = rc->event_member;
		return;
	}
	if (rc->ngo > 0) {
		a->kind = STUN_RDV_A_GO;
		a->peer_id = rc->go_peer[0];
		a->go_at = rc->go_at[0];
		for (i = 1; i < rc->ngo; i++) {
			rc->go_peer[i - 1] = rc->go_peer[i];
			rc->go_at[i - 1] = rc->go_at[i];
		}
		rc->ngo--;
		return;
	}
	if (rc->pend_done) {
		rc->pend_done = 0;
		a->kind = rc->state == STUN_RDV_S_FAILED ?
		    STUN_RDV_A_FAILED : STUN_RDV_A_DONE;
		a->err = rc->err;
		a->code = rc->code;
		return;
	}
	a->kind = STUN_RDV_A_WAIT;
	if (rc->txn_on)
		a->wake = stun_txn_next(&rc->txn);
	else if (rc->state == STUN_RDV_S_JOINED)
		a->wake = rc->want_list ? 1 : rc->next_ka;
	else if (rc->state == STUN_RDV_S_RETRY)
		a->wake = rc->retry_at;
	for (i = 0; i < rc->nmembers; i++)
		if (rc->stale_until[i] != 0 &&
		    (a->wake == 0 || rc->stale_until[i] < a->wake))
			a->wake = rc->stale_until[i];
}

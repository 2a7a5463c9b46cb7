/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The TURN client machine (RFC 8656, UDP): Allocate with the long-term
 * credential challenge, refreshes, permissions, channels, Send/Data
 * indications and ChannelData.  Requests are rebuilt into one output
 * buffer each time they are handed out, so a retransmission carries the
 * same transaction id and the nonce in use.  No I/O and no clock.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/turn.h"

#define TURN_PROTO_UDP		17	/* REQUESTED-TRANSPORT */
#define TURN_LIFETIME_DEFAULT	600	/* s, RFC 8656 7.2 */
#define TURN_MAX_OFFERED	16	/* algorithms read from a 401 */

static int	turn_req_start(struct stun_turn *, struct stun_turn_req *,
		    uint16_t, uint64_t);

const char *
stun_turn_action_name(int kind)
{
	switch (kind) {
	case STUN_TURN_A_WAIT:
		return ("wait");
	case STUN_TURN_A_SEND:
		return ("send");
	case STUN_TURN_A_ALLOCATED:
		return ("allocated");
	case STUN_TURN_A_PERM_OK:
		return ("permission-ok");
	case STUN_TURN_A_PERM_FAILED:
		return ("permission-failed");
	case STUN_TURN_A_CHAN_OK:
		return ("channel-ok");
	case STUN_TURN_A_CHAN_FAILED:
		return ("channel-failed");
	case STUN_TURN_A_DATA:
		return ("data");
	case STUN_TURN_A_FAILED:
		return ("failed");
	case STUN_TURN_A_CLOSED:
		return ("closed");
	}
	return ("unknown");
}

static int
turn_same_ip(const struct stun_addr *a, const struct stun_addr *b)
{
	if (a->family != b->family)
		return (0);
	return (memcmp(a->ip, b->ip, a->family == STUN_AF_INET ? 4 : 16) == 0);
}

static int
turn_addr_ok(const struct stun_addr *a)
{
	return (a != NULL && (a->family == STUN_AF_INET ||
	    a->family == STUN_AF_INET6));
}

/* The allocation's refresh delay: a minute early, or halfway when short. */
static uint64_t
turn_refresh_delay(uint32_t lifetime)
{
	uint64_t	ms;

	if (lifetime > 120)
		ms = (uint64_t)(lifetime - 60) * 1000;
	else
		ms = (uint64_t)lifetime * 500;
	return (ms < 1000 ? 1000 : ms);
}

static void
turn_req_cancel(struct stun_turn_req *req)
{
	req->on = 0;
	req->send = 0;
}

/* Stop everything: no request stays in flight after FAILED or CLOSED. */
static void
turn_stop(struct stun_turn *t, int state, int err, int code)
{
	unsigned	i;

	turn_req_cancel(&t->req);
	for (i = 0; i < STUN_TURN_MAX_PERMS; i++)
		memset(&t->perm[i], 0, sizeof(t->perm[i]));
	for (i = 0; i < STUN_TURN_MAX_CHANNELS; i++)
		memset(&t->chan[i], 0, sizeof(t->chan[i]));
	t->state = state;
	t->err = err;
	t->code = code;
	t->pend_alloc = 0;
	t->pend_end = 1;
	OPENSSL_cleanse(t->key, sizeof(t->key));
	OPENSSL_cleanse(t->c.password, sizeof(t->c.password));
}

/* A request ended without success: tell whoever owns it. */
static void
turn_req_fail(struct stun_turn *t, struct stun_turn_req *req,
    struct stun_turn_entry *e, int err, int code)
{
	turn_req_cancel(req);
	if (e != NULL) {
		e->state = STUN_TURN_E_FAILED;
		e->report = 1;
		e->err = err;
		e->code = code;
		return;
	}
	/* CLOSED either way when deallocating; err says how it went. */
	turn_stop(t, t->state == STUN_TURN_S_CLOSING ? STUN_TURN_S_CLOSED :
	    STUN_TURN_S_FAILED, err, code);
}

static int
turn_req_start(struct stun_turn *t, struct stun_turn_req *req,
    uint16_t method, uint64_t now)
{
	uint8_t	tid[STUN_TID_LEN];
	int	r;

	if ((r = stun_tid_new(t->c.rnd, t->c.rnd_arg, tid)) != 0)
		return (r);
	req->method = method;
	req->auth = t->keylen != 0;
	(void)stun_txn_start(&req->txn, &t->c.txn, tid, now);
	req->on = 1;
	req->send = 1;
	return (0);
}

/* Start a fresh request; a failure to start ends it at once. */
static void
turn_req_new(struct stun_turn *t, struct stun_turn_req *req,
    struct stun_turn_entry *e, uint16_t method, uint64_t now)
{
	int	r;

	req->stale = 0;
	if ((r = turn_req_start(t, req, method, now)) != 0)
		turn_req_fail(t, req, e, r, 0);
}

/* Build req (for entry e, or the allocation) into t->out. */
static int
turn_build(struct stun_turn *t, const struct stun_turn_req *req,
    const struct stun_turn_entry *e)
{
	struct stun_builder	b;
	uint8_t			uhash[32];
	uint32_t		features;

	stun_build_init(&b, t->out, sizeof(t->out), req->method,
	    STUN_CLASS_REQUEST, req->txn.tid);
	switch (req->method) {
	case STUN_METHOD_ALLOCATE:
		stun_build_transport(&b, TURN_PROTO_UDP);
		/*
		 * RFC 8656 7.1: IPv4 is the default, so the family is
		 * named only for IPv6, and not at all once a server that
		 * knows only RFC 5766 refused it with a 420.
		 */
		if (t->c.family == STUN_AF_INET6 && !t->nofamily)
			stun_build_family(&b,
			    STUN_ATTR_REQUESTED_ADDRESS_FAMILY, t->c.family);
		if (t->c.lifetime != 0)
			stun_build_u32(&b, STUN_ATTR_LIFETIME, t->c.lifetime);
		break;
	case STUN_METHOD_REFRESH:
		stun_build_u32(&b, STUN_ATTR_LIFETIME, req->lifetime);
		break;
	case STUN_METHOD_CHANNEL_BIND:
		stun_build_channel(&b, e->channel);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &e->peer);
		break;
	case STUN_METHOD_CREATE_PERMISSION:
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &e->peer);
		break;
	}
	if (req->auth) {
		/*
		 * RFC 8489 9.2.5: under a nonce that offers username
		 * anonymity the client names itself by USERHASH.
		 */
		if (stun_nonce_features(t->nonce, strlen(t->nonce),
		    &features) == 0 &&
		    (features & STUN_SECF_USERNAME_ANONYMITY) != 0) {
			if (stun_userhash(t->c.username, t->realm, uhash) != 0)
				return (STUN_ERR_CRYPTO);
			stun_build_attr(&b, STUN_ATTR_USERHASH, uhash,
			    sizeof(uhash));
		} else
			stun_build_string(&b, STUN_ATTR_USERNAME,
			    t->c.username);
		stun_build_string(&b, STUN_ATTR_REALM, t->realm);
		stun_build_string(&b, STUN_ATTR_NONCE, t->nonce);
		/* RFC 8489 9.2.4: echo the list as offered, then the pick. */
		if (t->pwalgslen != 0) {
			stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS,
			    t->pwalgs, t->pwalgslen);
			stun_build_pwalg(&b, t->alg);
		}
		stun_build_integrity(&b, t->key, t->keylen);
		if (t->alg == STUN_PWALG_SHA256)
			stun_build_integrity_sha256(&b, t->key, t->keylen,
			    32);
	}
	stun_build_fingerprint(&b);
	return (stun_build_finish(&b));
}

/*
 * A 401 to the unauthenticated Allocate: learn REALM, NONCE and the
 * password algorithm, and derive the key (RFC 8489 9.2.3, 9.2.4).
 */
static int
turn_learn(struct stun_turn *t, const struct stun_msg *m)
{
	uint16_t	 offered[TURN_MAX_OFFERED];
	const uint8_t	*raw;
	size_t		 n = 0, rawlen, i;
	uint32_t	 features;
	int		 r, sha = 0, md5 = 0;

	if ((r = stun_msg_get_string(m, STUN_ATTR_REALM, t->realm,
	    sizeof(t->realm))) != 0 ||
	    (r = stun_msg_get_string(m, STUN_ATTR_NONCE, t->nonce,
	    sizeof(t->nonce))) != 0)
		return (r == STUN_ERR_NOT_FOUND ? STUN_ERR_BAD_ATTR : r);

	t->alg = STUN_PWALG_MD5;
	t->pwalgslen = 0;
	r = stun_msg_get_bytes(m, STUN_ATTR_PASSWORD_ALGORITHMS, &raw,
	    &rawlen);
	if (r == STUN_ERR_NOT_FOUND) {
		/* RFC 8489 9.2.4: the nonce promised a list; a bid-down. */
		if (stun_nonce_features(t->nonce, strlen(t->nonce),
		    &features) == 0 &&
		    (features & STUN_SECF_PASSWORD_ALGORITHMS))
			return (STUN_ERR_BAD_ATTR);
	} else {
		if (r != 0 || rawlen > sizeof(t->pwalgs) ||
		    stun_msg_get_pwalgs(m, offered, TURN_MAX_OFFERED,
		    &n) != 0)
			return (STUN_ERR_BAD_ATTR);
		for (i = 0; i < n; i++) {
			sha |= offered[i] == STUN_PWALG_SHA256;
			md5 |= offered[i] == STUN_PWALG_MD5;
		}
		if (!sha && !md5)
			return (STUN_ERR_BAD_ATTR);
		t->alg = sha ? STUN_PWALG_SHA256 : STUN_PWALG_MD5;
		memcpy(t->pwalgs, raw, rawlen);
		t->pwalgslen = rawlen;
	}
	/*
	 * The password stays until the allocation is made: a 300 may send
	 * the machine to a server with its own realm (turn_redirect()).
	 */
	return (stun_key_long_term(t->alg, t->c.username, t->realm,
	    t->c.password, t->key, &t->keylen));
}

/*
 * Is this response authentic?  Responses to requests with credentials
 * must carry a valid MESSAGE-INTEGRITY(-SHA256); only 401 and 438, which
 * servers cannot or do not sign, may come without (RFC 8489 9.2.5).
 */
static int
turn_verify(const struct stun_turn *t, const struct stun_turn_req *req,
    const struct stun_msg *m, int code)
{
	int	r;

	if (m->fp != -1 && (r = stun_msg_check_fingerprint(m)) != 0)
		return (r);
	if (!req->auth)
		return (0);
	if (m->mi256 != -1)
		r = stun_msg_check_integrity_sha256(m, t->key, t->keylen);
	else
		r = stun_msg_check_integrity(m, t->key, t->keylen);
	if (r == STUN_ERR_NOT_FOUND && (code == 401 || code == 438))
		return (0);
	return (r == STUN_ERR_NOT_FOUND ? STUN_ERR_INTEGRITY : r);
}

static void
turn_allocated(struct stun_turn *t, const struct stun_msg *m, uint64_t now)
{
	uint32_t	lt;

	if (stun_msg_get_addr(m, STUN_ATTR_XOR_RELAYED_ADDRESS,
	    &t->relayed) != 0) {
		turn_stop(t, STUN_TURN_S_FAILED, STUN_ERR_BAD_ATTR, 0);
		return;
	}
	if (stun_msg_get_addr(m, STUN_ATTR_XOR_MAPPED_ADDRESS,
	    &t->mapped) != 0)
		memset(&t->mapped, 0, sizeof(t->mapped));
	if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &lt) != 0 || lt == 0)
		lt = TURN_LIFETIME_DEFAULT;
	t->lifetime = lt;
	t->refresh_at = now + turn_refresh_delay(lt);
	t->state = STUN_TURN_S_ALLOCATED;
	t->pend_alloc = 1;
	/* Only the key is needed from now on. */
	OPENSSL_cleanse(t->c.password, sizeof(t->c.password));
}

static void
turn_refreshed(struct stun_turn *t, const struct stun_turn_req *req,
    const struct stun_msg *m, uint64_t now)
{
	uint32_t	lt;

	if (t->state == STUN_TURN_S_CLOSING) {
		turn_stop(t, STUN_TURN_S_CLOSED, 0, 0);
		return;
	}
	if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &lt) != 0)
		lt = req->lifetime;
	if (lt == 0) {
		turn_stop(t, STUN_TURN_S_FAILED, STUN_ERR_STATE, 0);
		return;
	}
	t->lifetime = lt;
	t->refresh_at = now + turn_refresh_delay(lt);
}

/*
 * 300 to an Allocate (RFC 8489 10, RFC 8656 7.2): the server names
 * another in ALTERNATE-SERVER.  Followed at most STUN_TURN_MAX_REDIRECTS
 * times and never back to a server already left, so two servers sending
 * a client to each other end it with the 300.  The next server gets a
 * fresh exchange (its own 401, realm and nonce).  0 when the machine now
 * talks to the alternate, -1 when the 300 ends it.
 */
static int
turn_redirect(struct stun_turn *t, const struct stun_turn_req *req,
    const struct stun_msg *m)
{
	struct stun_addr	alt;
	unsigned		i;

	if (req->method != STUN_METHOD_ALLOCATE ||
	    t->state != STUN_TURN_S_ALLOCATING ||
	    t->redirects >= STUN_TURN_MAX_REDIRECTS ||
	    stun_msg_get_addr(m, STUN_ATTR_ALTERNATE_SERVER, &alt) != 0 ||
	    !turn_addr_ok(&alt) || alt.family != t->c.server.family ||
	    stun_addr_equal(&alt, &t->c.server))
		return (-1);
	for (i = 0; i < t->redirects; i++)
		if (stun_addr_equal(&alt, &t->tried[i]))
			return (-1);
	t->tried[t->redirects++] = t->c.server;
	t->c.server = alt;
	memset(t->realm, 0, sizeof(t->realm));
	memset(t->nonce, 0, sizeof(t->nonce));
	OPENSSL_cleanse(t->key, sizeof(t->key));
	t->keylen = 0;
	t->pwalgslen = 0;
	t->nofamily = 0;	/* another server: asked with the family again */
	return (0);
}

/*
 * A 420 to an Allocate that named REQUESTED-ADDRESS-FAMILY, listing it:
 * an RFC 5766 server, which relays IPv4 only and is asked again without.
 */
static int
turn_family_refused(const struct stun_turn *t,
    const struct stun_turn_req *req, const struct stun_msg *m)
{
	uint16_t	types[STUN_MAX_UNKNOWN];
	size_t		n = 0, i;

	if (req->method != STUN_METHOD_ALLOCATE ||
	    t->c.family != STUN_AF_INET6 || t->nofamily ||
	    stun_msg_get_unknown(m, types, STUN_MAX_UNKNOWN, &n) != 0)
		return (0);
	for (i = 0; i < n; i++)
		if (types[i] == STUN_ATTR_REQUESTED_ADDRESS_FAMILY)
			return (1);
	return (0);
}

/* A verified success or error response to req. */
static void
turn_answer(struct stun_turn *t, struct stun_turn_req *req,
    struct stun_turn_entry *e, const struct stun_msg *m, int code,
    uint64_t now)
{
	int	r;

	req->on = 0;
	req->send = 0;
	if (code == 401 && !req->auth) {
		if ((r = turn_learn(t, m)) != 0)
			turn_req_fail(t, req, e, r, 401);
		else if ((r = turn_req_start(t, req, req->method, now)) != 0)
			turn_req_fail(t, req, e, r, 0);
		return;
	}
	if (code == 300 && turn_redirect(t, req, m) == 0) {
		if ((r = turn_req_start(t, req, req->method, now)) != 0)
			turn_req_fail(t, req, e, r, 0);
		return;
	}
	if (code == 438 && req->auth && req->stale < STUN_TURN_MAX_STALE) {
		/* RFC 8489 9.2.5: retry with the new nonce. */
		req->stale++;
		if ((r = stun_msg_get_string(m, STUN_ATTR_NONCE, t->nonce,
		    sizeof(t->nonce))) != 0)
			turn_req_fail(t, req, e, STUN_ERR_BAD_ATTR, code);
		else if ((r = turn_req_start(t, req, req->method, now)) != 0)
			turn_req_fail(t, req, e, r, 0);
		return;
	}
	if (code == 420 && turn_family_refused(t, req, m)) {
		t->nofamily = 1;
		if ((r = turn_req_start(t, req, req->method, now)) != 0)
			turn_req_fail(t, req, e, r, 0);
		return;
	}
	if (code != 0) {
		turn_req_fail(t, req, e, STUN_ERR_STATE, code);
		return;
	}
	req->stale = 0;
	switch (req->method) {
	case STUN_METHOD_ALLOCATE:
		turn_allocated(t, m, now);
		break;
	case STUN_METHOD_REFRESH:
		turn_refreshed(t, req, m, now);
		break;
	case STUN_METHOD_CREATE_PERMISSION:
	case STUN_METHOD_CHANNEL_BIND:
		if (e->state == STUN_TURN_E_PENDING) {
			e->state = STUN_TURN_E_OK;
			e->report = 1;
		}
		e->refresh_at = now + (req->method ==
		    STUN_METHOD_CHANNEL_BIND ? STUN_TURN_CHAN_REFRESH :
		    STUN_TURN_PERM_REFRESH);
		break;
	}
}

/* The request in flight with this transaction id, and its entry. */
static struct stun_turn_req *
turn_find_req(struct stun_turn *t, const struct stun_msg *m,
    struct stun_turn_entry **ep)
{
	struct stun_turn_entry	*e;
	unsigned		 i;

	*ep = NULL;
	if (t->req.on && t->req.method == m->method &&
	    memcmp(t->req.txn.tid, m->tid, STUN_TID_LEN) == 0)
		return (&t->req);
	for (i = 0; i < STUN_TURN_MAX_PERMS + STUN_TURN_MAX_CHANNELS; i++) {
		e = i < STUN_TURN_MAX_PERMS ? &t->perm[i] :
		    &t->chan[i - STUN_TURN_MAX_PERMS];
		if (e->req.on && e->req.method == m->method &&
		    memcmp(e->req.txn.tid, m->tid, STUN_TID_LEN) == 0) {
			*ep = e;
			return (&e->req);
		}
	}
	return (NULL);
}

static int
turn_input_stun(struct stun_turn *t, const struct stun_msg *m,
    uint64_t now)
{
	struct stun_turn_req	*req;
	struct stun_turn_entry	*e;
	const char		*reason;
	size_t			 reasonlen;
	int			 code = 0, r;

	if (m->cls == STUN_CLASS_INDICATION && m->method == STUN_METHOD_DATA) {
		if (t->state != STUN_TURN_S_ALLOCATED &&
		    t->state != STUN_TURN_S_CLOSING)
			return (STUN_ERR_STATE);
		if (stun_msg_get_addr(m, STUN_ATTR_XOR_PEER_ADDRESS,
		    &t->data_peer) != 0 ||
		    stun_msg_get_bytes(m, STUN_ATTR_DATA, &t->data,
		    &t->datalen) != 0)
			return (STUN_ERR_BAD_ATTR);
		t->data_channel = 0;
		t->pend_data = 1;
		return (0);
	}
	if ((m->cls != STUN_CLASS_SUCCESS && m->cls != STUN_CLASS_ERROR) ||
	    (req = turn_find_req(t, m, &e)) == NULL) {
		t->ignored++;
		return (STUN_ERR_NOT_FOUND);
	}
	if (m->cls == STUN_CLASS_ERROR &&
	    stun_msg_get_error(m, &code, &reason, &reasonlen) != 0)
		return (STUN_ERR_BAD_ATTR);
	if ((r = turn_verify(t, req, m, code)) != 0)
		return (r);
	if (stun_txn_input(&req->txn, m, now) != STUN_TXN_DONE)
		return (STUN_ERR_STATE);
	turn_answer(t, req, e, m, code, now);
	return (0);
}

static int
turn_input_chdata(struct stun_turn *t, const uint8_t *buf, size_t len)
{
	const uint8_t	*data;
	size_t		 n;
	uint16_t	 ch;
	unsigned	 i;
	int		 r;

	if ((r = stun_chdata_decode(buf, len, &ch, &data, &n)) != 0)
		return (r);
	for (i = 0; i < STUN_TURN_MAX_CHANNELS; i++) {
		if (t->chan[i].state != STUN_TURN_E_FREE &&
		    t->chan[i].channel == ch)
			break;
	}
	if (i == STUN_TURN_MAX_CHANNELS) {
		t->ignored++;
		return (STUN_ERR_NOT_FOUND);
	}
	t->data_peer = t->chan[i].peer;
	t->data_channel = ch;
	t->data = data;
	t->datalen = n;
	t->pend_data = 1;
	return (0);
}

int
stun_turn_input(struct stun_turn *t, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct stun_msg	m;
	int		r;

	if (t == NULL || from == NULL || (buf == NULL && len != 0))
		return (STUN_ERR_INVALID);
	if (t->state == STUN_TURN_S_IDLE || t->state == STUN_TURN_S_CLOSED ||
	    t->state == STUN_TURN_S_FAILED ||
	    !stun_addr_equal(from, &t->c.server) || len < 4) {
		t->ignored++;
		return (STUN_ERR_NOT_FOUND);
	}
	/* RFC 8656 12: the top two bits tell ChannelData (01) from STUN. */
	if ((buf[0] & 0xC0) == 0x40)
		r = turn_input_chdata(t, buf, len);
	else if ((r = stun_msg_decode(&m, buf, len)) == 0)
		r = turn_input_stun(t, &m, now);
	if (r != 0 && r != STUN_ERR_NOT_FOUND)
		t->rejected++;
	return (r);
}

static void
turn_req_timer(struct stun_turn *t, struct stun_turn_req *req,
    struct stun_turn_entry *e, uint64_t now)
{
	int	r;

	if (!req->on)
		return;
	r = stun_txn_timer(&req->txn, now);
	if (r == STUN_TXN_SEND)
		req->send = 1;
	else if (r == STUN_TXN_TIMEOUT)
		turn_req_fail(t, req, e, STUN_ERR_TIMEOUT, 0);
}

void
stun_turn_timer(struct stun_turn *t, uint64_t now)
{
	struct stun_turn_entry	*e;
	unsigned		 i;

	if (t == NULL)
		return;
	turn_req_timer(t, &t->req, NULL, now);
	for (i = 0; i < STUN_TURN_MAX_PERMS + STUN_TURN_MAX_CHANNELS; i++) {
		if (t->state == STUN_TURN_S_FAILED ||
		    t->state == STUN_TURN_S_CLOSED)
			return;
		e = i < STUN_TURN_MAX_PERMS ? &t->perm[i] :
		    &t->chan[i - STUN_TURN_MAX_PERMS];
		turn_req_timer(t, &e->req, e, now);
		if (e->state == STUN_TURN_E_OK && !e->req.on &&
		    t->state == STUN_TURN_S_ALLOCATED && now >= e->refresh_at)
			turn_req_new(t, &e->req, e, i < STUN_TURN_MAX_PERMS ?
			    STUN_METHOD_CREATE_PERMISSION :
			    STUN_METHOD_CHANNEL_BIND, now);
	}
	if (t->state == STUN_TURN_S_ALLOCATED && !t->req.on &&
	    now >= t->refresh_at) {
		t->req.lifetime = t->c.lifetime != 0 ? t->c.lifetime :
		    t->lifetime;
		turn_req_new(t, &t->req, NULL, STUN_METHOD_REFRESH, now);
	}
}

int
stun_turn_init(struct stun_turn *t, const struct stun_turn_config *c)
{
	char	tmp[STUN_TURN_PASSWORD_MAX + 1];
	size_t	ulen, plen, n;

	if (t == NULL || c == NULL)
		return (STUN_ERR_INVALID);
	memset(t, 0, sizeof(*t));
	ulen = strnlen(c->username, sizeof(c->username));
	plen = strnlen(c->password, sizeof(c->password));
	if (!turn_addr_ok(&c->server) || ulen == 0 ||
	    ulen == sizeof(c->username) || plen == sizeof(c->password) ||
	    (c->family != 0 && c->family != STUN_AF_INET &&
	    c->family != STUN_AF_INET6))
		return (STUN_ERR_INVALID);
	t->c = *c;
	/* RFC 8489 14.3: USERNAME is sent after OpaqueString. */
	if (stun_opaque_string(c->username, ulen, t->c.username,
	    sizeof(t->c.username), &n) != 0 ||
	    stun_opaque_string(c->password, plen, tmp, sizeof(tmp),
	    &n) != 0) {
		OPENSSL_cleanse(t, sizeof(*t));
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return (STUN_ERR_INVALID);
	}
	OPENSSL_cleanse(tmp, sizeof(tmp));
	t->state = STUN_TURN_S_IDLE;
	t->next_channel = STUN_CHANNEL_MIN;
	return (0);
}

int
stun_turn_start(struct stun_turn *t, uint64_t now)
{
	int	r;

	if (t == NULL || t->state != STUN_TURN_S_IDLE)
		return (STUN_ERR_STATE);
	t->state = STUN_TURN_S_ALLOCATING;
	t->req.stale = 0;
	if ((r = turn_req_start(t, &t->req, STUN_METHOD_ALLOCATE, now)) != 0)
		t->state = STUN_TURN_S_IDLE;
	return (r);
}

/* Entry for peer: by address only (permissions) or with the port. */
static struct stun_turn_entry *
turn_entry_find(struct stun_turn_entry *tab, unsigned n,
    const struct stun_addr *peer, int port)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		if (tab[i].state == STUN_TURN_E_FREE ||
		    tab[i].state == STUN_TURN_E_FAILED)
			continue;
		if (port ? stun_addr_equal(&tab[i].peer, peer) :
		    turn_same_ip(&tab[i].peer, peer))
			return (&tab[i]);
	}
	return (NULL);
}

static struct stun_turn_entry *
turn_entry_free(struct stun_turn_entry *tab, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		if (tab[i].state == STUN_TURN_E_FREE)
			return (&tab[i]);
	return (NULL);
}

int
stun_turn_permit(struct stun_turn *t, const struct stun_addr *peer,
    uint64_t now)
{
	struct stun_turn_entry	*e;

	if (t == NULL || !turn_addr_ok(peer))
		return (STUN_ERR_INVALID);
	if (t->state != STUN_TURN_S_ALLOCATED)
		return (STUN_ERR_STATE);
	if (turn_entry_find(t->perm, STUN_TURN_MAX_PERMS, peer, 0) != NULL)
		return (0);
	if ((e = turn_entry_free(t->perm, STUN_TURN_MAX_PERMS)) == NULL)
		return (STUN_ERR_NOSPACE);
	memset(e, 0, sizeof(*e));
	e->state = STUN_TURN_E_PENDING;
	e->peer = *peer;
	turn_req_new(t, &e->req, e, STUN_METHOD_CREATE_PERMISSION, now);
	return (0);
}

int
stun_turn_unpermit(struct stun_turn *t, const struct stun_addr *peer)
{
	struct stun_turn_entry	*e;

	if (t == NULL || !turn_addr_ok(peer))
		return (STUN_ERR_INVALID);
	if ((e = turn_entry_find(t->perm, STUN_TURN_MAX_PERMS, peer,
	    0)) == NULL)
		return (STUN_ERR_NOT_FOUND);
	memset(e, 0, sizeof(*e));
	return (0);
}

/* An unused channel number, walking 0x4000-0x4FFF so numbers rest. */
static uint16_t
turn_channel_number(struct stun_turn *t)
{
	unsigned	i, k;
	uint16_t	ch;

	for (k = 0; k <= STUN_CHANNEL_MAX - STUN_CHANNEL_MIN; k++) {
		ch = t->next_channel;
		t->next_channel = ch >= STUN_CHANNEL_MAX ? STUN_CHANNEL_MIN :
		    ch + 1;
		for (i = 0; i < STUN_TURN_MAX_CHANNELS; i++)
			if (t->chan[i].state != STUN_TURN_E_FREE &&
			    t->chan[i].channel == ch)
				break;
		if (i == STUN_TURN_MAX_CHANNELS)
			return (ch);
	}
	return (0);
}

int
stun_turn_channel(struct stun_turn *t, const struct stun_addr *peer,
    uint64_t now)
{
	struct stun_turn_entry	*e;
	uint16_t		 ch;

	if (t == NULL || !turn_addr_ok(peer))
		return (STUN_ERR_INVALID);
	if (t->state != STUN_TURN_S_ALLOCATED)
		return (STUN_ERR_STATE);
	if (turn_entry_find(t->chan, STUN_TURN_MAX_CHANNELS, peer, 1) != NULL)
		return (0);
	if ((e = turn_entry_free(t->chan, STUN_TURN_MAX_CHANNELS)) == NULL ||
	    (ch = turn_channel_number(t)) == 0)
		return (STUN_ERR_NOSPACE);
	memset(e, 0, sizeof(*e));
	e->state = STUN_TURN_E_PENDING;
	e->peer = *peer;
	e->channel = ch;
	turn_req_new(t, &e->req, e, STUN_METHOD_CHANNEL_BIND, now);
	return (0);
}

int
stun_turn_wrap(struct stun_turn *t, const struct stun_addr *peer,
    const uint8_t *data, size_t len, uint8_t *out, size_t cap)
{
	struct stun_builder	 b;
	struct stun_turn_entry	*e;
	uint8_t			 tid[STUN_TID_LEN];
	int			 r;

	if (t == NULL || !turn_addr_ok(peer) || out == NULL ||
	    (data == NULL && len != 0))
		return (STUN_ERR_INVALID);
	if (t->state != STUN_TURN_S_ALLOCATED)
		return (STUN_ERR_STATE);
	e = turn_entry_find(t->chan, STUN_TURN_MAX_CHANNELS, peer, 1);
	if (e != NULL && e->state == STUN_TURN_E_OK)
		return (stun_chdata_encode(out, cap, e->channel, data, len, 0));
	if (len > STUN_MAX_MSG - STUN_HDR_LEN - 32)
		return (STUN_ERR_NOSPACE);
	if ((r = stun_tid_new(t->c.rnd, t->c.rnd_arg, tid)) != 0)
		return (r);
	stun_build_init(&b, out, cap, STUN_METHOD_SEND, STUN_CLASS_INDICATION,
	    tid);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	stun_build_attr(&b, STUN_ATTR_DATA, data, len);
	return (stun_build_finish(&b));
}

int
stun_turn_close(struct stun_turn *t, uint64_t now)
{
	unsigned	i;

	if (t == NULL)
		return (STUN_ERR_INVALID);
	switch (t->state) {
	case STUN_TURN_S_IDLE:
	case STUN_TURN_S_ALLOCATING:
		turn_stop(t, STUN_TURN_S_CLOSED, 0, 0);
		return (0);
	case STUN_TURN_S_CLOSING:
		return (0);
	case STUN_TURN_S_ALLOCATED:
		break;
	default:
		return (STUN_ERR_STATE);
	}
	for (i = 0; i < STUN_TURN_MAX_PERMS; i++)
		memset(&t->perm[i], 0, sizeof(t->perm[i]));
	for (i = 0; i < STUN_TURN_MAX_CHANNELS; i++)
		memset(&t->chan[i], 0, sizeof(t->chan[i]));
	t->pend_alloc = 0;
	t->state = STUN_TURN_S_CLOSING;
	/* RFC 8656 7.2: a Refresh with LIFETIME 0 deletes the allocation. */
	t->req.lifetime = 0;
	turn_req_new(t, &t->req, NULL, STUN_METHOD_REFRESH, now);
	return (0);
}

/* Hand out the next due request as SEND; 1 when a has been set. */
static int
turn_next_send(struct stun_turn *t, struct stun_turn_action *a)
{
	struct stun_turn_req	*req;
	struct stun_turn_entry	*e;
	unsigned		 i;
	int			 n;

	for (i = 0; i <= STUN_TURN_MAX_PERMS + STUN_TURN_MAX_CHANNELS; i++) {
		if (i == 0) {
			e = NULL;
			req = &t->req;
		} else {
			e = i <= STUN_TURN_MAX_PERMS ? &t->perm[i - 1] :
			    &t->chan[i - 1 - STUN_TURN_MAX_PERMS];
			req = &e->req;
		}
		if (!req->on || !req->send)
			continue;
		req->send = 0;
		if ((n = turn_build(t, req, e)) < 0) {
			turn_req_fail(t, req, e, n, 0);
			if (e == NULL)
				return (0);
			continue;
		}
		a->kind = STUN_TURN_A_SEND;
		a->buf = t->out;
		a->len = (size_t)n;
		a->to = t->c.server;
		return (1);
	}
	return (0);
}

/* Hand out one permission or channel report; 1 when a has been set. */
static int
turn_next_report(struct stun_turn *t, struct stun_turn_action *a)
{
	struct stun_turn_entry	*e;
	unsigned		 i;
	int			 chan;

	for (i = 0; i < STUN_TURN_MAX_PERMS + STUN_TURN_MAX_CHANNELS; i++) {
		chan = i >= STUN_TURN_MAX_PERMS;
		e = chan ? &t->chan[i - STUN_TURN_MAX_PERMS] : &t->perm[i];
		if (!e->report)
			continue;
		e->report = 0;
		a->peer = e->peer;
		a->channel = e->channel;
		if (e->state == STUN_TURN_E_OK)
			a->kind = chan ? STUN_TURN_A_CHAN_OK :
			    STUN_TURN_A_PERM_OK;
		else {
			a->kind = chan ? STUN_TURN_A_CHAN_FAILED :
			    STUN_TURN_A_PERM_FAILED;
			a->err = e->err;
			a->code = e->code;
			memset(e, 0, sizeof(*e));
		}
		return (1);
	}
	return (0);
}

static uint64_t
turn_min(uint64_t a, uint64_t b)
{
	if (a == 0)
		return (b);
	if (b == 0)
		return (a);
	return (a < b ? a : b);
}

/* The earliest retransmission, timeout or refresh. */
static uint64_t
turn_wake(const struct stun_turn *t)
{
	const struct stun_turn_entry	*e;
	uint64_t			 w = 0;
	unsigned			 i;

	if (t->req.on)
		w = stun_txn_next(&t->req.txn);
	else if (t->state == STUN_TURN_S_ALLOCATED)
		w = t->refresh_at;
	for (i = 0; i < STUN_TURN_MAX_PERMS + STUN_TURN_MAX_CHANNELS; i++) {
		e = i < STUN_TURN_MAX_PERMS ? &t->perm[i] :
		    &t->chan[i - STUN_TURN_MAX_PERMS];
		if (e->req.on)
			w = turn_min(w, stun_txn_next(&e->req.txn));
		else if (e->state == STUN_TURN_E_OK)
			w = turn_min(w, e->refresh_at);
	}
	return (w);
}

void
stun_turn_next(struct stun_turn *t, struct stun_turn_action *a)
{
	if (a == NULL)
		return;
	memset(a, 0, sizeof(*a));
	if (t == NULL)
		return;
	if (turn_next_send(t, a))
		return;
	if (t->pend_alloc) {
		t->pend_alloc = 0;
		a->kind = STUN_TURN_A_ALLOCATED;
		a->relayed = t->relayed;
		a->mapped = t->mapped;
		a->lifetime = t->lifetime;
		return;
	}
	if (t->pend_data) {
		t->pend_data = 0;
		a->kind = STUN_TURN_A_DATA;
		a->peer = t->data_peer;
		a->channel = t->data_channel;
		a->data = t->data;
		a->datalen = t->datalen;
		return;
	}
	if (turn_next_report(t, a))
		return;
	if (t->pend_end) {
		t->pend_end = 0;
		a->kind = t->state == STUN_TURN_S_FAILED ? STUN_TURN_A_FAILED :
		    STUN_TURN_A_CLOSED;
		a->err = t->err;
		a->code = t->code;
		return;
	}
	a->kind = STUN_TURN_A_WAIT;
	a->wake = turn_wake(t);
}

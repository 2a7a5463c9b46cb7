/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The TURN allocation table (RFC 8656): requests in, answers and relayed
 * datagrams out through the caller's ops.  Fixed tables allocated by
 * relay_init(); allocations are found by a hash of the client's 5-tuple,
 * permissions and channels by bounded scans of their allocation's slots.
 * Permissions, channels and the peer checks are in relayperm.c, the
 * binding of rendezvous credentials to their room in relayrdv.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "relay.h"
#include "relayint.h"

static const int relay_codes[RELAY_NERR] = {
	400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 508
};

int
relay_err_code(int idx)
{
	if (idx < 0 || idx >= RELAY_NERR)
		return (0);
	return (relay_codes[idx]);
}

/* The table. */

int
relay_init(struct relay *r, const struct relay_config *c,
    const struct relay_ops *ops, struct relay_quota *quota)
{
	static const struct relay_config	none;
	size_t					i;

	memset(r, 0, sizeof(*r));
	r->c = c != NULL ? *c : none;
	r->ops = *ops;
	r->quota = quota;
	if (r->c.max_allocs == 0)
		r->c.max_allocs = 1024;
	if (r->c.max_perms == 0)
		r->c.max_perms = 32;
	if (r->c.max_chans == 0)
		r->c.max_chans = 32;
	if (r->c.default_life == 0)
		r->c.default_life = RELAY_DEFAULT_LIFE;
	if (r->c.max_life == 0)
		r->c.max_life = RELAY_MAX_LIFE;
	if (r->c.max_life < r->c.default_life)
		r->c.max_life = r->c.default_life;
	if (r->c.max_allocs > 1000000 || r->c.max_perms > 1024 ||
	    r->c.max_chans > 1024)
		return (-1);
	r->nbucket = 16;
	while (r->nbucket < r->c.max_allocs)
		r->nbucket <<= 1;
	r->alloc = calloc(r->c.max_allocs, sizeof(*r->alloc));
	r->perm = calloc((size_t)r->c.max_allocs * r->c.max_perms,
	    sizeof(*r->perm));
	r->chan = calloc((size_t)r->c.max_allocs * r->c.max_chans,
	    sizeof(*r->chan));
	r->bucket = calloc(r->nbucket, sizeof(*r->bucket));
	r->freel = calloc(r->c.max_allocs, sizeof(*r->freel));
	r->buf = malloc(RELAY_BUF);
	/* A request's peers: at most one per attribute, or the perms. */
	r->peers = calloc(r->c.max_perms + STUN_MAX_ATTRS,
	    sizeof(*r->peers));
	r->peers_ok = calloc(r->c.max_perms + STUN_MAX_ATTRS, 1);
	if (r->alloc == NULL || r->perm == NULL || r->chan == NULL ||
	    r->bucket == NULL || r->freel == NULL || r->buf == NULL ||
	    r->peers == NULL || r->peers_ok == NULL ||
	    stun_random(r->ops.random, r->ops.arg, (uint8_t *)&r->seed,
	    sizeof(r->seed)) != 0) {
		relay_free(r);
		return (-1);
	}
	for (i = 0; i < r->nbucket; i++)
		r->bucket[i] = RELAY_NONE;
	/* Lowest slot on top. */
	for (i = 0; i < r->c.max_allocs; i++)
		r->freel[i] = (uint32_t)(r->c.max_allocs - 1 - i);
	r->nfree = r->c.max_allocs;
	return (0);
}

int
relay_is_turn(const struct stun_msg *m)
{
	switch (m->method) {
	case STUN_METHOD_ALLOCATE:
	case STUN_METHOD_REFRESH:
	case STUN_METHOD_SEND:
	case STUN_METHOD_DATA:
	case STUN_METHOD_CREATE_PERMISSION:
	case STUN_METHOD_CHANNEL_BIND:
		return (1);
	}
	return (0);
}

unsigned
relay_count(const struct relay *r)
{
	return ((unsigned)__atomic_load_n(&r->m.allocs, __ATOMIC_RELAXED));
}

static unsigned
relay_bucket(const struct relay *r, const struct relay_client *cl)
{
	uint8_t		key[16 + 2 + 1 + 1 + 8];
	size_t		i;

	memcpy(key, cl->addr.ip, 16);
	key[16] = (uint8_t)(cl->addr.port >> 8);
	key[17] = (uint8_t)cl->addr.port;
	key[18] = cl->addr.family;
	key[19] = (uint8_t)cl->sock;
	for (i = 0; i < 8; i++)
		key[20 + i] = (uint8_t)(cl->conn >> (8 * i));
	return ((unsigned)relaypol_hash(r->seed, key, sizeof(key)) &
	    (r->nbucket - 1));
}

static int
relay_client_eq(const struct relay_client *a, const struct relay_client *b)
{
	return (a->sock == b->sock && a->conn == b->conn &&
	    stun_addr_equal(&a->addr, &b->addr));
}

static struct relay_alloc *
relay_find(struct relay *r, const struct relay_client *cl)
{
	uint32_t	i;

	for (i = r->bucket[relay_bucket(r, cl)]; i != RELAY_NONE;
	    i = r->alloc[i].next)
		if (relay_client_eq(&r->alloc[i].cl, cl))
			return (&r->alloc[i]);
	return (NULL);
}

/* Tell the caller's log about a; reason for RELAY_EV_END. */
static void
relay_event(struct relay *r, const struct relay_alloc *a, int type,
    uint32_t life, const char *reason)
{
	struct relay_event	 ev;

	if (r->ops.event == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.cl = &a->cl;
	ev.user = a->user;
	ev.relayed = &a->relayed;
	ev.lifetime = life;
	ev.created = a->created;
	ev.pkts_out = a->pkts_out;
	ev.bytes_out = a->bytes_out;
	ev.pkts_in = a->pkts_in;
	ev.bytes_in = a->bytes_in;
	ev.reason = reason;
	r->ops.event(r->ops.arg, &ev);
}

void
relay_delete(struct relay *r, struct relay_alloc *a, const char *reason)
{
	struct relay_perm	*p = relay_perms(r, a);
	struct relay_chan	*ch = relay_chans(r, a);
	uint32_t		*pp, idx = (uint32_t)(a - r->alloc);
	unsigned		 i;

	for (pp = &r->bucket[relay_bucket(r, &a->cl)]; *pp != RELAY_NONE;
	    pp = &r->alloc[*pp].next)
		if (*pp == idx) {
			*pp = a->next;
			break;
		}
	for (i = 0; i < r->c.max_perms; i++)
		if (p[i].expires != 0)
			RELAY_SUB(&r->m.perms, 1);
	for (i = 0; i < r->c.max_chans; i++)
		if (ch[i].ch != 0)
			RELAY_SUB(&r->m.chans, 1);
	memset(p, 0, r->c.max_perms * sizeof(*p));
	memset(ch, 0, r->c.max_chans * sizeof(*ch));
	relay_event(r, a, RELAY_EV_END, 0, reason);
	if (r->ops.close != NULL)
		r->ops.close(r->ops.arg, a->handle);
	if (r->quota != NULL) {
		relaypol_live_set(r->quota, &a->relayed, 0);
		relaypol_quota_put(r->quota, &a->qh);
	}
	if (a->rdv)
		RELAY_SUB(&r->m.rdv_allocs, 1);
	OPENSSL_cleanse(a->user, sizeof(a->user));
	memset(a, 0, sizeof(*a));
	r->freel[r->nfree++] = idx;
	RELAY_SUB(&r->m.allocs, 1);
}

void
relay_free(struct relay *r)
{
	unsigned	i;

	if (r->alloc != NULL)
		for (i = 0; i < r->hiwater; i++)
			if (r->alloc[i].used)
				relay_delete(r, &r->alloc[i], "shutdown");
	free(r->alloc);
	free(r->perm);
	free(r->chan);
	free(r->bucket);
	free(r->freel);
	free(r->buf);
	free(r->peers);
	free(r->peers_ok);
	r->peers = NULL;
	r->peers_ok = NULL;
	r->freel = NULL;
	r->alloc = NULL;
	r->perm = NULL;
	r->chan = NULL;
	r->bucket = NULL;
	r->buf = NULL;
}










/* Answers. */

static void
relay_begin(struct relay *r, struct stun_builder *b, const struct stun_msg *m,
    int code)
{
	int	i;

	stun_build_reply(b, r->buf, RELAY_BUF, m,
	    code == 0 ? STUN_CLASS_SUCCESS : STUN_CLASS_ERROR);
	r->code = code;
	if (code == 0)
		return;
	/*
	 * No reason phrase: the smallest answer the RFC allows (a 401 to
	 * an unauthenticated Allocate is the largest error a stranger draws).
	 */
	stun_build_error(b, code, "");
	for (i = 0; i < RELAY_NERR; i++)
		if (relay_codes[i] == code)
			RELAY_ADD(&r->m.errors[i], 1);
}

/* Sign (when authenticated), fingerprint when the request had one, send. */
static void
relay_end(struct relay *r, struct stun_builder *b, const struct stun_msg *m,
    const struct relay_client *cl, const struct auth_result *ar)
{
	struct relay_pkt	p;
	int			n;

	if (r->c.software != NULL)
		stun_build_string(b, STUN_ATTR_SOFTWARE, r->c.software);
	if (ar != NULL && ar->code == 0)
		auth_sign(ar, b);
	if (m->fp >= 0)
		stun_build_fingerprint(b);
	if ((n = stun_build_finish(b)) < 0)
		return;
	p.buf = r->buf;
	p.len = (size_t)n;
	p.stun = 1;
	p.cls = r->code == 0 ? STUN_CLASS_SUCCESS : STUN_CLASS_ERROR;
	p.code = r->code;
	if (r->ops.send_client(r->ops.arg, cl, &p) != 0)
		RELAY_ADD(&r->m.send_fail, 1);
}

static void
relay_error(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, int code, const struct auth_result *ar)
{
	struct stun_builder	b;

	relay_begin(r, &b, m, code);
	relay_end(r, &b, m, cl, ar);
}

/*
 * At the cap: 300 with another server of the fleet (RFC 8489 10, RFC 8656
 * 7.2) when there is one with room, else the error.
 */
static void
relay_full(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, int code, const struct auth_result *ar)
{
	struct stun_builder	b;
	struct stun_addr	alt;

	if (code != 508 || r->ops.alternate == NULL ||
	    r->ops.alternate(r->ops.arg, cl->addr.family, &alt) != 0) {
		relay_error(r, cl, m, code, ar);
		return;
	}
	relay_begin(r, &b, m, 300);
	stun_build_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &alt);
	relay_end(r, &b, m, cl, ar);
}

/* 420 listing the unknown attributes, plus extra (0: none). */
static void
relay_unknown(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint16_t extra, const struct auth_result *ar)
{
	struct stun_builder	b;
	uint16_t		types[STUN_MAX_UNKNOWN + 1];
	size_t			n = m->nunknown;

	memcpy(types, m->unknown, n * sizeof(types[0]));
	if (extra != 0)
		types[n++] = extra;
	relay_begin(r, &b, m, 420);
	stun_build_unknown(&b, types, n);
	relay_end(r, &b, m, cl, ar);
}

/* A request with integrity that failed: its USERNAME and the reason. */
static void
relay_auth_event(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, const struct auth_result *ar)
{
	struct relay_event	 ev;
	char			 user[STUN_MAX_USERNAME + 1];

	if (r->ops.event == NULL)
		return;
	if (stun_msg_get_string(m, STUN_ATTR_USERNAME, user,
	    sizeof(user)) != 0)
		user[0] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.type = RELAY_EV_AUTH_FAIL;
	ev.cl = cl;
	ev.user = user;
	ev.reason = ar->why != NULL ? ar->why : "";
	ev.code = ar->code;
	r->ops.event(r->ops.arg, &ev);
}

/*
 * Authenticate a request, its nonce bound to allocation instance bind (0:
 * none).  Returns 0, or answers the failure (401 and 438 with a
 * challenge) and returns -1.
 */
static int
relay_auth(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now, uint64_t bind,
    struct auth_result *ar)
{
	struct stun_builder	b;
	struct auth_req		q;

	memset(&q, 0, sizeof(q));
	q.from = &cl->addr;
	q.now_s = now / RELAY_MS;
	q.wall = r->ops.wall != NULL ? r->ops.wall(r->ops.arg) : 0;
	q.bind = bind;
	if (r->rdv != NULL) {
		q.rdv_pw = relay_rdv_password;
		q.rdv_arg = r;
	}
	auth_check(r->auth, m, &q, ar);
	if (ar->code == 0)
		return (0);
	if (ar->code == 438)
		RELAY_ADD(&r->m.stale_nonce, 1);
	else if (m->mi >= 0 || m->mi256 >= 0) {
		RELAY_ADD(&r->m.auth_fail, 1);
		relay_auth_event(r, cl, m, ar);
	}
	relay_begin(r, &b, m, ar->code);
	if ((ar->code == 401 || ar->code == 438) && auth_enabled(r->auth))
		auth_challenge(r->auth, &b, &q);
	relay_end(r, &b, m, cl, NULL);
	OPENSSL_cleanse(ar->key, sizeof(ar->key));
	return (-1);
}

/*
 * Authenticate a request on an existing allocation: its nonce must be
 * one made for that allocation.  Returns the allocation (NULL: none) in
 * *ap, and 0 or -1 as relay_auth().
 */
static int
relay_auth_alloc(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now, struct auth_result *ar,
    struct relay_alloc **ap)
{
	struct relay_alloc	*a;

	a = relay_find(r, cl);
	*ap = a;
	return (relay_auth(r, cl, m, now, a != NULL ? a->inst : 0, ar));
}

/* The smaller of two caps, 0 being none. */
static uint64_t
relay_cap(uint64_t x, uint64_t y)
{
	if (x == 0)
		return (y);
	if (y == 0)
		return (x);
	return (x < y ? x : y);
}

/* The lifetime to grant for a request (RFC 8656 7.2, 7.3), in seconds. */
static uint32_t
relay_lifetime(const struct relay *r, const struct stun_msg *m,
    const struct relay_alloc *a, uint64_t now)
{
	uint32_t	req, life;
	uint64_t	left;

	if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &req) != 0)
		req = r->c.default_life;
	life = req < r->c.max_life ? req : r->c.max_life;
	if (life < r->c.default_life)
		life = r->c.default_life;
	if (a != NULL && a->hard_end != 0) {
		left = a->hard_end > now ? (a->hard_end - now) / RELAY_MS : 0;
		if (left < life)
			life = (uint32_t)left;
	}
	return (life);
}

static void
relay_alloc_ok(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, struct relay_alloc *a, int dual,
    const struct auth_result *ar, uint64_t now)
{
	struct stun_builder	b;
	uint64_t		life;

	life = a->expires > now ? (a->expires - now + RELAY_MS / 2) /
	    RELAY_MS : 0;
	relay_begin(r, &b, m, 0);
	stun_build_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relayed);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, (uint32_t)life);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &cl->addr);
	/* RFC 8656 7.2: no second (IPv6) relay from us, said per family. */
	if (dual)
		stun_build_addr_error(&b, STUN_AF_INET6, 440, NULL);
	relay_end(r, &b, m, cl, ar);
}

/* Check the Allocate attributes; 0 with the family, or the error code. */
static int
relay_alloc_args(const struct stun_msg *m, uint8_t *family, int *even,
    int *dual)
{
	uint8_t		proto, fam;
	int		reserve, has_req, has_add;

	*family = STUN_AF_INET;
	*even = *dual = 0;
	if (stun_msg_get_transport(m, &proto) != 0)
		return (400);
	if (proto != RELAY_PROTO_UDP)
		return (442);
	has_req = stun_msg_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY) != NULL;
	has_add = stun_msg_find(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY) !=
	    NULL;
	/* RFC 8656 7.2 step 5: we never hand out reservation tokens. */
	if (stun_msg_find(m, STUN_ATTR_RESERVATION_TOKEN) != NULL) {
		if (stun_msg_find(m, STUN_ATTR_EVEN_PORT) != NULL || has_req ||
		    has_add)
			return (400);
		return (508);
	}
	if (stun_msg_find(m, STUN_ATTR_EVEN_PORT) != NULL) {
		if (stun_msg_get_even_port(m, &reserve) != 0)
			return (400);
		/* Step 6: we cannot reserve the next port. */
		if (reserve)
			return (508);
		*even = 1;
	}
	if (has_req && has_add)
		return (400);
	if (has_req) {
		if (stun_msg_get_family(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
		    &fam) != 0)
			return (440);
		*family = fam;
	}
	if (has_add) {
		if (stun_msg_get_family(m,
		    STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, &fam) != 0 ||
		    fam != STUN_AF_INET6)
			return (400);
		*dual = 1;
	}
	return (0);
}

/* Count an Allocate against the quotas; 0 or the error code. */
static int
relay_alloc_quota(struct relay *r, const struct relay_client *cl,
    const struct auth_result *ar, struct relay_qh *qh)
{
	struct relay_qkey	k;
	int			code;

	memset(qh, 0, sizeof(*qh));
	if (r->quota == NULL)
		return (0);
	memset(&k, 0, sizeof(k));
	k.name = ar->quota_name;
	k.len = ar->quota_len;
	k.src = &cl->addr;
	k.rdv = ar->rdv;
	if ((code = relaypol_quota_take(r->quota, &k, qh)) != 0) {
		if (qh->refused == RELAY_Q_SOURCE)
			RELAY_ADD(&r->m.quota_source, 1);
		else if (qh->refused == RELAY_Q_RDV)
			RELAY_ADD(&r->m.quota_rdv, 1);
	}
	return (code);
}

static void
relay_allocate(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	struct auth_result	 ar;
	struct relay_alloc	*a;
	struct relay_qh		 qh;
	struct stun_addr	 relayed;
	uint8_t			 family;
	int			 code, even, dual, h, df;
	unsigned		 i;
	uint32_t		 life, bk;
	uint64_t		 gen, inst = 0;

	memset(&qh, 0, sizeof(qh));
	if (relay_auth(r, cl, m, now, 0, &ar) != 0)
		return;
	if ((a = relay_find(r, cl)) != NULL) {
		/* A retransmission gets the same answer; else 437. */
		if (memcmp(a->tid, m->tid, STUN_TID_LEN) == 0 &&
		    strcmp(a->user, ar.user) == 0)
			relay_alloc_ok(r, cl, m, a,
			    stun_msg_find(m,
			    STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY) != NULL,
			    &ar, now);
		else
			relay_error(r, cl, m, 437, &ar);
		goto out;
	}
	/*
	 * RFC 8656 7.2: DONT-FRAGMENT is unknown (420) only when the
	 * caller cannot set DF.
	 */
	df = stun_msg_find(m, STUN_ATTR_DONT_FRAGMENT) != NULL;
	if (m->nunknown > 0 || (df && r->ops.dont_fragment == NULL)) {
		relay_unknown(r, cl, m, df && r->ops.dont_fragment == NULL ?
		    STUN_ATTR_DONT_FRAGMENT : 0, &ar);
		goto out;
	}
	if ((code = relay_alloc_args(m, &family, &even, &dual)) != 0) {
		relay_error(r, cl, m, code, &ar);
		goto out;
	}
	/* A rendezvous credential: only from its member's own source. */
	gen = relay_rdv_gen(r);
	if (ar.rdv && !relay_rdv_admit(r, ar.user, &cl->addr)) {
		relay_error(r, cl, m, 403, &ar);
		goto out;
	}
	/* Full: 300 to a fleet instance with room, if there is one. */
	if ((code = relay_alloc_quota(r, cl, &ar, &qh)) != 0) {
		relay_full(r, cl, m, code, &ar);
		goto out;
	}
	if (r->nfree == 0) {
		relay_full(r, cl, m, 508, &ar);
		goto out;
	}
	/* Nonces made for this allocation name it (relay_auth_alloc()). */
	while (inst == 0)
		if (stun_random(r->ops.random, r->ops.arg, (uint8_t *)&inst,
		    sizeof(inst)) != 0) {
			relay_error(r, cl, m, 508, &ar);
			goto out;
		}
	i = r->freel[r->nfree - 1];
	a = &r->alloc[i];
	if ((h = r->ops.open(r->ops.arg, i, family, even, &relayed)) < 0) {
		relay_error(r, cl, m, h == STUN_ERR_FAMILY ? 440 : 508, &ar);
		goto out;
	}
	/* The quota taken goes back at out. */
	if (df && r->ops.dont_fragment(r->ops.arg, h) != 0) {
		if (r->ops.close != NULL)
			r->ops.close(r->ops.arg, h);
		relay_unknown(r, cl, m, STUN_ATTR_DONT_FRAGMENT, &ar);
		goto out;
	}
	r->nfree--;
	memset(a, 0, sizeof(*a));
	a->used = 1;
	a->cl = *cl;
	a->handle = h;
	a->relayed = relayed;
	a->qh = qh;
	memset(&qh, 0, sizeof(qh));
	a->df = df;
	a->inst = inst;
	a->rdv = ar.rdv;
	a->gen = gen;
	memcpy(a->tid, m->tid, STUN_TID_LEN);
	memcpy(a->user, ar.user, sizeof(a->user));
	a->created = now;
	if (r->c.max_alloc_time != 0)
		a->hard_end = now + r->c.max_alloc_time * RELAY_MS;
	life = relay_lifetime(r, m, a, now);
	a->expires = now + life * RELAY_MS;
	bk = relay_bucket(r, cl);
	a->next = r->bucket[bk];
	r->bucket[bk] = i;
	if (i + 1 > r->hiwater)
		r->hiwater = i + 1;
	if (r->quota != NULL)
		relaypol_live_set(r->quota, &a->relayed, 1);
	if (a->rdv) {
		relay_rdv_set(r, a);
		RELAY_ADD(&r->m.rdv_allocs, 1);
	}
	RELAY_ADD(&r->m.allocs, 1);
	RELAY_ADD(&r->m.created, 1);
	relay_event(r, a, RELAY_EV_CREATE, life, NULL);
	relay_alloc_ok(r, cl, m, a, dual, &ar, now);
out:
	if (r->quota != NULL)
		relaypol_quota_put(r->quota, &qh);
	OPENSSL_cleanse(&ar, sizeof(ar));
}

/*
 * The allocation a of an authenticated request other than Allocate, or
 * the error answered (437 none or ended, 441 another user).
 */
static struct relay_alloc *
relay_owned(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, const struct auth_result *ar,
    struct relay_alloc *a, uint64_t now)
{
	if (a == NULL) {
		relay_error(r, cl, m, 437, ar);
		return (NULL);
	}
	if (strcmp(a->user, ar->user) != 0) {
		relay_error(r, cl, m, 441, ar);
		return (NULL);
	}
	if (m->nunknown > 0) {
		relay_unknown(r, cl, m, 0, ar);
		return (NULL);
	}
	/* Its member left since: the allocation has ended. */
	if (relay_rdv_fresh(r, a, now) != 0) {
		relay_error(r, cl, m, 437, ar);
		return (NULL);
	}
	return (a);
}

static void
relay_refresh(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	struct auth_result	 ar;
	struct stun_builder	 b;
	struct relay_alloc	*a;
	uint32_t		 req, life;
	uint8_t			 fam;

	if (relay_auth_alloc(r, cl, m, now, &ar, &a) != 0)
		return;
	if ((a = relay_owned(r, cl, m, &ar, a, now)) == NULL)
		goto out;
	/* RFC 8656 7.3: a family other than the allocation's is 443. */
	if (stun_msg_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY) != NULL &&
	    (stun_msg_get_family(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
	    &fam) != 0 || fam != a->relayed.family)) {
		relay_error(r, cl, m, 443, &ar);
		goto out;
	}
	if (stun_msg_get_u32(m, STUN_ATTR_LIFETIME, &req) == 0 && req == 0) {
		relay_delete(r, a, "client");
		RELAY_ADD(&r->m.deleted, 1);
		life = 0;
	} else {
		life = relay_lifetime(r, m, a, now);
		a->expires = now + life * RELAY_MS;
		RELAY_ADD(&r->m.refreshed, 1);
		relay_event(r, a, RELAY_EV_REFRESH, life, NULL);
	}
	relay_begin(r, &b, m, 0);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, life);
	relay_end(r, &b, m, cl, &ar);
out:
	OPENSSL_cleanse(&ar, sizeof(ar));
}





static void
relay_permission(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	struct auth_result	 ar;
	struct stun_builder	 b;
	struct relay_alloc	*a;
	unsigned		 i, n = 0;
	int			 code = 0;

	if (relay_auth_alloc(r, cl, m, now, &ar, &a) != 0)
		return;
	if ((a = relay_owned(r, cl, m, &ar, a, now)) == NULL)
		goto out;
	/* RFC 8656 9.2: all or nothing, so check every peer first. */
	for (i = 0; i < m->nattrs && code == 0; i++)
		if (m->attrs[i].type == STUN_ATTR_XOR_PEER_ADDRESS)
			code = relay_peer_check(r, a, m, &m->attrs[i],
			    &r->peers[n++]);
	if (code == 0 && n == 0)
		code = 400;
	if (code == 0 && relay_perms_fit(r, a, r->peers, n, now) != 0)
		code = 508;
	for (i = 0; i < n && code == 0; i++)
		if (relay_perm_set(r, a, &r->peers[i], now) != 0)
			code = 508;	/* not reached: they fit */
	if (code != 0) {
		relay_error(r, cl, m, code, &ar);
		goto out;
	}
	relay_begin(r, &b, m, 0);
	relay_end(r, &b, m, cl, &ar);
out:
	OPENSSL_cleanse(&ar, sizeof(ar));
}


static void
relay_channel_bind(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	struct auth_result		 ar;
	struct stun_builder		 b;
	struct relay_alloc		*a;
	const struct stun_attr_ref	*ref;
	struct stun_addr		 peer;
	uint16_t			 ch;
	int				 code;

	if (relay_auth_alloc(r, cl, m, now, &ar, &a) != 0)
		return;
	if ((a = relay_owned(r, cl, m, &ar, a, now)) == NULL)
		goto out;
	if (stun_msg_get_channel(m, &ch) != 0 || ch < STUN_CHANNEL_MIN ||
	    ch > STUN_CHANNEL_ACCEPT_MAX ||
	    (ref = stun_msg_find(m, STUN_ATTR_XOR_PEER_ADDRESS)) == NULL)
		code = 400;
	else if ((code = relay_peer_check(r, a, m, ref, &peer)) == 0)
		code = relay_chan_set(r, a, ch, &peer, now);
	if (code != 0) {
		relay_error(r, cl, m, code, &ar);
		goto out;
	}
	relay_begin(r, &b, m, 0);
	relay_end(r, &b, m, cl, &ar);
out:
	OPENSSL_cleanse(&ar, sizeof(ar));
}

/* The byte cap and the rate of a (0: none), as the config says now. */
static uint64_t
relay_max_bytes(const struct relay *r, const struct relay_alloc *a)
{
	return (a->rdv ? relay_cap(r->c.max_alloc_bytes, r->c.rdv_alloc_bytes) :
	    r->c.max_alloc_bytes);
}

static uint64_t
relay_rate(const struct relay *r, const struct relay_alloc *a)
{
	return (a->rdv ? relay_cap(r->c.max_alloc_rate, r->c.rdv_alloc_rate) :
	    r->c.max_alloc_rate);
}

/* Count bytes against the allocation's cap; 1 when it has ended. */
static int
relay_account(struct relay *r, struct relay_alloc *a, size_t len)
{
	uint64_t	cap = relay_max_bytes(r, a);

	a->bytes += len;
	if (cap != 0 && a->bytes >= cap) {
		RELAY_ADD(&r->m.capped_bytes, 1);
		relay_delete(r, a, "max-bytes");
		return (1);
	}
	return (0);
}

static void
relay_to_peer(struct relay *r, struct relay_alloc *a,
    const struct stun_addr *peer, const uint8_t *data, size_t len,
    uint64_t now)
{
	if (!relay_peer_allowed(r, peer))
		return;
	/* A rendezvous allocation whose member left ends here. */
	if (relay_rdv_fresh(r, a, now) != 0)
		return;
	if (relay_perm_exact(r, a, peer, now) == NULL &&
	    (!a->rdv || relay_rdv_learn(r, a, peer, now) == NULL)) {
		RELAY_ADD(&r->m.no_perm, 1);
		return;
	}
	if (!relaypol_bucket_take(&a->to_peer, relay_rate(r, a), len, now)) {
		RELAY_ADD(&r->m.rate_limited, 1);
		return;
	}
	if (r->ops.send_peer(r->ops.arg, a->handle, peer, data, len) != 0) {
		RELAY_ADD(&r->m.send_fail, 1);
		return;
	}
	RELAY_ADD(&r->m.pkts_to_peer, 1);
	RELAY_ADD(&r->m.bytes_to_peer, len);
	a->pkts_out++;
	a->bytes_out += len;
	relay_account(r, a, len);
}

static void
relay_send(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	struct relay_alloc	*a;
	struct stun_addr	 peer;
	const uint8_t		*data;
	size_t			 len;

	/* RFC 8656 10.2: indications are never answered, only dropped. */
	if ((a = relay_find(r, cl)) == NULL || a->expires <= now) {
		RELAY_ADD(&r->m.no_alloc, 1);
		return;
	}
	if (stun_msg_get_addr(m, STUN_ATTR_XOR_PEER_ADDRESS, &peer) != 0 ||
	    stun_msg_get_bytes(m, STUN_ATTR_DATA, &data, &len) != 0 ||
	    peer.family != a->relayed.family || m->nunknown > 0) {
		RELAY_ADD(&r->m.bad_indication, 1);
		return;
	}
	/*
	 * RFC 8656 11.2: DONT-FRAGMENT here asks for DF on this datagram;
	 * a server that cannot set it treats the attribute as unknown and
	 * drops the indication.  DF belongs to the relay socket, so it stays
	 * on for the allocation's later datagrams too.
	 */
	if (!a->df && stun_msg_find(m, STUN_ATTR_DONT_FRAGMENT) != NULL) {
		if (r->ops.dont_fragment == NULL ||
		    r->ops.dont_fragment(r->ops.arg, a->handle) != 0) {
			RELAY_ADD(&r->m.bad_indication, 1);
			return;
		}
		a->df = 1;
	}
	relay_to_peer(r, a, &peer, data, len, now);
}

int
relay_input(struct relay *r, const struct relay_client *cl,
    const struct stun_msg *m, uint64_t now)
{
	if (!relay_is_turn(m))
		return (0);
	/* RFC 8489 7.3: a wrong FINGERPRINT is not STUN; drop it. */
	if (m->fp >= 0 && stun_msg_check_fingerprint(m) != 0) {
		RELAY_ADD(&r->m.bad_indication, 1);
		return (1);
	}
	if (m->cls == STUN_CLASS_INDICATION) {
		if (m->method == STUN_METHOD_SEND)
			relay_send(r, cl, m, now);
		else
			RELAY_ADD(&r->m.bad_indication, 1);
		return (1);
	}
	if (m->cls != STUN_CLASS_REQUEST)
		return (1);
	switch (m->method) {
	case STUN_METHOD_ALLOCATE:
		relay_allocate(r, cl, m, now);
		break;
	case STUN_METHOD_REFRESH:
		relay_refresh(r, cl, m, now);
		break;
	case STUN_METHOD_CREATE_PERMISSION:
		relay_permission(r, cl, m, now);
		break;
	case STUN_METHOD_CHANNEL_BIND:
		relay_channel_bind(r, cl, m, now);
		break;
	default:
		/* Send and Data are indications only (RFC 8656 10, 11). */
		relay_error(r, cl, m, 400, NULL);
		break;
	}
	return (1);
}

int
relay_chdata_input(struct relay *r, const struct relay_client *cl,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct relay_alloc	*a;
	struct relay_chan	*c;
	const uint8_t		*data;
	size_t			 dlen;
	uint16_t		 ch;
	unsigned		 i;

	if (stun_chdata_decode(buf, len, &ch, &data, &dlen) != 0) {
		RELAY_ADD(&r->m.bad_indication, 1);
		return (-1);
	}
	if ((a = relay_find(r, cl)) == NULL || a->expires <= now) {
		RELAY_ADD(&r->m.no_alloc, 1);
		return (-1);
	}
	c = relay_chans(r, a);
	for (i = 0; i < r->c.max_chans; i++)
		if (c[i].ch == ch && c[i].expires > now)
			break;
	if (i == r->c.max_chans) {
		RELAY_ADD(&r->m.no_perm, 1);
		return (-1);
	}
	relay_to_peer(r, a, &c[i].peer, data, dlen, now);
	return (0);
}

void
relay_peer_input(struct relay *r, unsigned slot, const struct stun_addr *peer,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct relay_alloc	*a;
	struct relay_chan	*c;
	struct stun_builder	 b;
	struct relay_pkt	 p;
	uint8_t			 tid[STUN_TID_LEN];
	uint64_t		 id;
	unsigned		 i;
	int			 n;

	if (slot >= r->c.max_allocs || !(a = &r->alloc[slot])->used ||
	    a->expires <= now) {
		RELAY_ADD(&r->m.no_alloc, 1);
		return;
	}
	if (relay_rdv_fresh(r, a, now) != 0)
		return;
	/* RFC 8656 10.3: only from peers with a permission (by IP). */
	if (relay_perm_find(r, a, peer, now, 0) == NULL) {
		RELAY_ADD(&r->m.no_perm, 1);
		return;
	}
	if (!relaypol_bucket_take(&a->to_client, relay_rate(r, a), len,
	    now)) {
		RELAY_ADD(&r->m.rate_limited, 1);
		return;
	}
	c = relay_chans(r, a);
	for (i = 0; i < r->c.max_chans; i++)
		if (c[i].ch != 0 && c[i].expires > now &&
		    stun_addr_equal(&c[i].peer, peer))
			break;
	p.stun = i == r->c.max_chans;
	p.cls = STUN_CLASS_INDICATION;
	p.code = 0;
	if (!p.stun)
		n = stun_chdata_encode(r->buf, RELAY_BUF, c[i].ch, buf, len,
		    a->cl.conn != 0);
	else {
		/* Indications need unique ids, not secret ones. */
		id = r->ind_ctr++ ^ r->seed;
		memcpy(tid, "turn", 4);
		for (i = 0; i < 8; i++)
			tid[4 + i] = (uint8_t)(id >> (56 - 8 * i));
		stun_build_init(&b, r->buf, RELAY_BUF, STUN_METHOD_DATA,
		    STUN_CLASS_INDICATION, tid);
		stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
		stun_build_attr(&b, STUN_ATTR_DATA, buf, len);
		n = stun_build_finish(&b);
	}
	if (n < 0) {
		RELAY_ADD(&r->m.send_fail, 1);
		return;
	}
	p.buf = r->buf;
	p.len = (size_t)n;
	if (r->ops.send_client(r->ops.arg, &a->cl, &p) != 0) {
		RELAY_ADD(&r->m.send_fail, 1);
		return;
	}
	RELAY_ADD(&r->m.pkts_to_client, 1);
	RELAY_ADD(&r->m.bytes_to_client, len);
	a->pkts_in++;
	a->bytes_in += len;
	relay_account(r, a, len);
}

void
relay_timer(struct relay *r, uint64_t now)
{
	struct relay_alloc	*a;
	struct relay_perm	*p;
	struct relay_chan	*c;
	unsigned		 i, j;

	for (i = 0; i < r->hiwater; i++) {
		a = &r->alloc[i];
		if (!a->used)
			continue;
		if (a->hard_end != 0 && a->hard_end <= now) {
			RELAY_ADD(&r->m.capped_time, 1);
			relay_delete(r, a, "max-time");
			continue;
		}
		if (a->expires <= now) {
			RELAY_ADD(&r->m.expired, 1);
			relay_delete(r, a, "expired");
			continue;
		}
		/* The member left or timed out: end its allocation now. */
		if (relay_rdv_fresh(r, a, now) != 0)
			continue;
		p = relay_perms(r, a);
		for (j = 0; j < r->c.max_perms; j++)
			if (p[j].expires != 0 && p[j].expires <= now) {
				p[j].expires = 0;
				RELAY_SUB(&r->m.perms, 1);
			}
		c = relay_chans(r, a);
		for (j = 0; j < r->c.max_chans; j++)
			if (c[j].ch != 0 && c[j].release <= now) {
				c[j].ch = 0;
				RELAY_SUB(&r->m.chans, 1);
			}
	}
	while (r->hiwater > 0 && !r->alloc[r->hiwater - 1].used)
		r->hiwater--;
}

void
relay_client_gone(struct relay *r, const struct relay_client *cl)
{
	struct relay_alloc	*a;

	if ((a = relay_find(r, cl)) != NULL) {
		RELAY_ADD(&r->m.closed, 1);
		relay_delete(r, a, "closed");
	}
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous extension (doc/rendezvous.md): the room key, the codec of
 * its attributes on top of msg.c (integrity and fingerprint are checked
 * before any field is read), and the I/O-free client machine.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "stun.h"
#include "txn.h"
#include "rdv.h"
#include "buf.h"
#include "hmac.h"
#include "attr.h"

static const char rdv_label[] = "stunkit rendezvous v1";

int
stun_rdv_is_rdv(const struct stun_msg *m)
{
	if (m == NULL || !m->hdr_ok || m->legacy)
		return (0);
	return (m->method >= STUN_RDV_REGISTER && m->method <= STUN_RDV_GO);
}

const char *
stun_rdv_method_name(uint16_t method)
{
	switch (method) {
	case STUN_RDV_REGISTER:
		return ("RDV-Register");
	case STUN_RDV_KEEPALIVE:
		return ("RDV-Keepalive");
	case STUN_RDV_LEAVE:
		return ("RDV-Leave");
	case STUN_RDV_MEMBERS:
		return ("RDV-Members");
	case STUN_RDV_GO:
		return ("RDV-Go");
	}
	return ("unknown");
}

int
stun_rdv_key(const uint8_t *room, size_t roomlen,
    uint8_t key[STUN_RDV_KEY_LEN])
{
	struct stun_span	 span = { room, roomlen };
	size_t			 outlen = 0;
	int			 r;

	if (room == NULL || roomlen < STUN_RDV_ROOM_MIN ||
	    roomlen > STUN_RDV_ROOM_MAX)
		return (STUN_ERR_INVALID);
	r = stun_hmac("SHA256", (const uint8_t *)rdv_label,
	    sizeof(rdv_label) - 1, &span, 1, key, STUN_RDV_KEY_LEN, &outlen);
	if (r == 0 && outlen != STUN_RDV_KEY_LEN)
		r = STUN_ERR_CRYPTO;
	return (r);
}

/*
 * Candidates: kind, family (1 or 2), X-Port, X-Address: the address value
 * of RFC 8489 14.2 with the kind in its leading byte, XORed as
 * XOR-MAPPED-ADDRESS is so that ALGs leave them alone.
 */
static void
rdv_wr_cand(struct stun_wr *w, const struct stun_rdv_cand *c,
    const uint8_t *tid)
{
	stun_addr_encode(w, 1, tid, &c->addr, c->kind);
}

static int
rdv_rd_cand(struct stun_rd *r, struct stun_rdv_cand *c, const uint8_t *tid)
{
	struct stun_rd	peek = *r, one;
	uint8_t		kind, fam;

	memset(c, 0, sizeof(*c));
	/* The family byte says how long this entry of the list is. */
	if (stun_rd_skip(&peek, 1) != 0 || stun_rd_u8(&peek, &fam) != 0 ||
	    (fam != 0x01 && fam != 0x02))
		return (STUN_ERR_BAD_ATTR);
	if (stun_rd_sub(r, fam == 0x01 ? 8 : 20, &one) != 0 ||
	    stun_addr_decode(&one, 1, tid, &c->addr, &kind) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (kind < STUN_RDV_CAND_HOST || kind > STUN_RDV_CAND_RELAY)
		return (STUN_ERR_BAD_ATTR);
	c->kind = kind;
	return (0);
}

static int
rdv_cand_ok(const struct stun_rdv_cand *c)
{
	return (c->kind >= STUN_RDV_CAND_HOST &&
	    c->kind <= STUN_RDV_CAND_RELAY &&
	    (c->addr.family == STUN_AF_INET ||
	    c->addr.family == STUN_AF_INET6));
}

/* Names and relay credentials: UTF-8 without control characters. */
static int
rdv_text_ok(const uint8_t *p, size_t n, size_t max)
{
	size_t	i;

	if (n == 0 || n > max || !stun_utf8_valid(p, n))
		return (0);
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (0);
	return (1);
}

/* Display names: 1..32 bytes. */
static int
rdv_name_ok(const uint8_t *p, size_t n)
{
	return (rdv_text_ok(p, n, STUN_RDV_NAME_MAX));
}

/* A whole attribute value of candidates, at most max of them. */
static int
rdv_rd_cands(struct stun_rd *r, struct stun_rdv_cand *c, unsigned max,
    unsigned *n, const uint8_t *tid)
{
	*n = 0;
	while (stun_rd_left(r) > 0) {
		if (*n >= max)
			return (STUN_ERR_BAD_ATTR);
		if (rdv_rd_cand(r, &c[*n], tid) != 0)
			return (STUN_ERR_BAD_ATTR);
		(*n)++;
	}
	return (0);
}

/* RDV-MEMBER: id, name length, candidate count, 2 zero, name, pad, cands. */
static int
rdv_rd_member(const struct stun_msg *m, const struct stun_attr_ref *a,
    struct stun_rdv_member *mb)
{
	struct stun_rd	 r, cr;
	const uint8_t	*name;
	uint8_t		 namelen, ncand;
	uint16_t	 zero;
	unsigned	 n;
	size_t		 pad;

	memset(mb, 0, sizeof(*mb));
	stun_rd_init(&r, m->buf, m->len);
	if (stun_rd_skip(&r, a->off) != 0 ||
	    stun_rd_sub(&r, a->len, &cr) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (stun_rd_u32(&cr, &mb->id) != 0 || stun_rd_u8(&cr, &namelen) != 0 ||
	    stun_rd_u8(&cr, &ncand) != 0 || stun_rd_u16(&cr, &zero) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (zero != 0 || ncand > STUN_RDV_MEMBER_CANDS)
		return (STUN_ERR_BAD_ATTR);
	pad = (4 - (namelen & 3)) & 3;
	if (stun_rd_ptr(&cr, namelen, &name) != 0 ||
	    stun_rd_skip(&cr, pad) != 0 || !rdv_name_ok(name, namelen))
		return (STUN_ERR_BAD_ATTR);
	memcpy(mb->name, name, namelen);
	mb->name[namelen] = '\0';
	if (rdv_rd_cands(&cr, mb->cand, STUN_RDV_MEMBER_CANDS, &n,
	    m->tid) != 0 || n != ncand)
		return (STUN_ERR_BAD_ATTR);
	mb->ncand = n;
	return (0);
}

/*
 * RDV-RELAY-USER and RDV-RELAY-PASS: both or neither, and only in a
 * Register success.
 */
static int
rdv_rd_relay(const struct stun_msg *m, struct stun_rdv_msg *o)
{
	const uint8_t	*u, *p;
	size_t		 ulen, plen;
	int		 ru, rp;

	ru = stun_msg_get_bytes(m, STUN_RDV_ATTR_RELAY_USER, &u, &ulen);
	rp = stun_msg_get_bytes(m, STUN_RDV_ATTR_RELAY_PASS, &p, &plen);
	if (ru == STUN_ERR_NOT_FOUND && rp == STUN_ERR_NOT_FOUND)
		return (0);
	if (ru != 0 || rp != 0 || m->method != STUN_RDV_REGISTER ||
	    m->cls != STUN_CLASS_SUCCESS ||
	    !rdv_text_ok(u, ulen, STUN_RDV_RELAY_USER_MAX) ||
	    !rdv_text_ok(p, plen, STUN_RDV_RELAY_PASS_MAX))
		return (STUN_ERR_BAD_ATTR);
	memcpy(o->relay_user, u, ulen);
	o->relay_user[ulen] = '\0';
	memcpy(o->relay_pass, p, plen);
	o->relay_pass[plen] = '\0';
	o->flags |= STUN_RDV_F_RELAY;
	return (0);
}

/* A u32 attribute, flag set only when present and well formed. */
static int
rdv_get_u32(const struct stun_msg *m, uint16_t type, uint32_t *v,
    uint32_t *flags, uint32_t flag)
{
	int	rc;

	rc = stun_msg_get_u32(m, type, v);
	if (rc == STUN_ERR_NOT_FOUND)
		return (0);
	if (rc != 0)
		return (STUN_ERR_BAD_ATTR);
	*flags |= flag;
	return (0);
}

static int
rdv_decode_fields(const struct stun_msg *m, struct stun_rdv_msg *o)
{
	struct stun_rd			 r;
	const struct stun_attr_ref	*a;
	const uint8_t			*v;
	const char			*reason;
	size_t				 n;
	unsigned			 i;
	uint8_t				 ev, z[3];
	int				 rc;

	if ((rc = stun_msg_get_bytes(m, STUN_RDV_ATTR_NAME, &v, &n)) == 0) {
		if (!rdv_name_ok(v, n))
			return (STUN_ERR_BAD_ATTR);
		memcpy(o->name, v, n);
		o->name[n] = '\0';
		o->flags |= STUN_RDV_F_NAME;
	}
	if ((rc = stun_msg_get_bytes(m, STUN_RDV_ATTR_CANDS, &v, &n)) == 0) {
		stun_rd_init(&r, v, n);
		if (rdv_rd_cands(&r, o->cand, STUN_RDV_MAX_CANDS, &o->ncand,
		    m->tid) != 0)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_CANDS;
	}
	if ((rc = stun_msg_get_bytes(m, STUN_RDV_ATTR_NONCE, &v, &n)) == 0) {
		if (n != STUN_RDV_NONCE_LEN)
			return (STUN_ERR_BAD_ATTR);
		memcpy(o->nonce, v, n);
		o->flags |= STUN_RDV_F_NONCE;
	}
	if ((stun_msg_get_bytes(m, STUN_RDV_ATTR_EVENT, &v, &n)) == 0) {
		stun_rd_init(&r, v, n);
		if (n != 8 || stun_rd_u8(&r, &ev) != 0 ||
		    stun_rd_copy(&r, z, 3) != 0 ||
		    stun_rd_u32(&r, &o->event_member) != 0 ||
		    z[0] != 0 || z[1] != 0 || z[2] != 0 ||
		    ev < STUN_RDV_EV_JOIN || ev > STUN_RDV_EV_MOVE)
			return (STUN_ERR_BAD_ATTR);
		o->event = ev;
		o->flags |= STUN_RDV_F_EVENT;
	}
	if (rdv_get_u32(m, STUN_RDV_ATTR_MEMBER_ID, &o->member_id, &o->flags,
	    STUN_RDV_F_MEMBER_ID) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_EPOCH, &o->epoch, &o->flags,
	    STUN_RDV_F_EPOCH) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_DELAY, &o->delay, &o->flags,
	    STUN_RDV_F_DELAY) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_PEER_ID, &o->peer_id, &o->flags,
	    STUN_RDV_F_PEER_ID) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_INTERVAL, &o->interval, &o->flags,
	    STUN_RDV_F_INTERVAL) != 0)
		return (STUN_ERR_BAD_ATTR);
	if ((o->flags & STUN_RDV_F_DELAY) && o->delay > STUN_RDV_DELAY_MAX)
		return (STUN_ERR_BAD_ATTR);
	rc = stun_msg_get_u64(m, STUN_RDV_ATTR_ECHO, &o->echo);
	if (rc == 0) {
		rc = stun_msg_get_u32(m, STUN_RDV_ATTR_HOLD, &o->hold);
		if (rc != 0 && rc != STUN_ERR_NOT_FOUND)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_ECHO;
	} else if (rc != STUN_ERR_NOT_FOUND)
		return (STUN_ERR_BAD_ATTR);
	rc = stun_msg_get_addr(m, STUN_ATTR_XOR_MAPPED_ADDRESS, &o->mapped);
	if (rc == 0)
		o->flags |= STUN_RDV_F_MAPPED;
	else if (rc != STUN_ERR_NOT_FOUND)
		return (STUN_ERR_BAD_ATTR);
	if (m->cls == STUN_CLASS_ERROR) {
		if (stun_msg_get_error(m, &o->error, &reason, &n) != 0)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_ERROR;
	}
	if (rdv_rd_relay(m, o) != 0)
		return (STUN_ERR_BAD_ATTR);
	for (i = 0; i < m->nattrs; i++) {
		a = &m->attrs[i];
		if (a->type != STUN_RDV_ATTR_MEMBER)
			continue;
		if (o->nmembers >= STUN_RDV_MAX_MEMBERS)
			return (STUN_ERR_BAD_ATTR);
		if (rdv_rd_member(m, a, &o->members[o->nmembers]) != 0)
			return (STUN_ERR_BAD_ATTR);
		o->nmembers++;
		o->flags |= STUN_RDV_F_MEMBERS;
	}
	return (0);
}

int
stun_rdv_decode(const struct stun_msg *m, struct stun_rdv_msg *out)
{
	uint8_t		 key[STUN_RDV_KEY_LEN];
	const uint8_t	*room;
	size_t		 roomlen;
	int		 rc;

	if (out == NULL)
		return (STUN_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	if (!stun_rdv_is_rdv(m) || m->cookie != STUN_MAGIC_COOKIE)
		return (STUN_ERR_INVALID);
	/* Requests and responses are for the three request methods only. */
	if ((m->method == STUN_RDV_MEMBERS || m->method == STUN_RDV_GO) !=
	    (m->cls == STUN_CLASS_INDICATION))
		return (STUN_ERR_INVALID);
	if (m->fp == -1 || m->mi256 == -1)
		return (STUN_ERR_NOT_FOUND);
	if ((rc = stun_msg_check_fingerprint(m)) != 0)
		return (rc);
	if ((rc = stun_msg_get_bytes(m, STUN_RDV_ATTR_ROOM, &room,
	    &roomlen)) != 0)
		return (rc);
	if (roomlen < STUN_RDV_ROOM_MIN || roomlen > STUN_RDV_ROOM_MAX)
		return (STUN_ERR_BAD_ATTR);
	if ((rc = stun_rdv_key(room, roomlen, key)) != 0)
		return (rc);
	rc = stun_msg_check_integrity_sha256(m, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0)
		return (rc);

	out->method = m->method;
	out->cls = m->cls;
	memcpy(out->tid, m->tid, STUN_TID_LEN);
	memcpy(out->room, room, roomlen);
	out->roomlen = roomlen;
	if ((rc = rdv_decode_fields(m, out)) != 0) {
		memset(out, 0, sizeof(*out));
		return (rc);
	}
	return (0);
}

/* RDV-MEMBER value into v (cap >= 8 + 32 + 9 * 20). */
static size_t
rdv_wr_member(uint8_t *v, size_t cap, const struct stun_rdv_member *mb,
    const uint8_t *tid, int *err)
{
	struct stun_wr	w;
	size_t		namelen, i;

	namelen = strnlen(mb->name, sizeof(mb->name));
	if (mb->ncand > STUN_RDV_MEMBER_CANDS ||
	    !rdv_name_ok((const uint8_t *)mb->name, namelen)) {
		*err = STUN_ERR_INVALID;
		return (0);
	}
	stun_wr_init(&w, v, cap);
	stun_wr_u32(&w, mb->id);
	stun_wr_u8(&w, (uint8_t)namelen);
	stun_wr_u8(&w, (uint8_t)mb->ncand);
	stun_wr_u16(&w, 0);
	stun_wr_bytes(&w, mb->name, namelen);
	stun_wr_zero(&w, (4 - (namelen & 3)) & 3);
	for (i = 0; i < mb->ncand; i++) {
		if (!rdv_cand_ok(&mb->cand[i]))
			*err = STUN_ERR_INVALID;
		rdv_wr_cand(&w, &mb->cand[i], tid);
	}
	if (w.err != 0)
		*err = w.err;
	return (w.len);
}

#define RDV_MEMBER_VMAX	(8 + STUN_RDV_NAME_MAX + STUN_RDV_MEMBER_CANDS * 20)

static void
rdv_build_u32(struct stun_builder *b, const struct stun_rdv_msg *in,
    uint32_t flag, uint16_t type, uint32_t v)
{
	if (in->flags & flag)
		stun_build_u32(b, type, v);
}

int
stun_rdv_build(const struct stun_rdv_msg *in, uint8_t *buf, size_t cap)
{
	struct stun_builder	 b;
	struct stun_wr		 w;
	uint8_t			 key[STUN_RDV_KEY_LEN];
	uint8_t			 v[RDV_MEMBER_VMAX];
	size_t			 n, i;
	int			 err = 0, rc;

	if (in == NULL || buf == NULL ||
	    in->method < STUN_RDV_REGISTER || in->method > STUN_RDV_GO ||
	    in->cls > STUN_CLASS_ERROR ||
	    in->ncand > STUN_RDV_MAX_CANDS ||
	    in->nmembers > STUN_RDV_MAX_MEMBERS)
		return (STUN_ERR_INVALID);
	if ((rc = stun_rdv_key(in->room, in->roomlen, key)) != 0)
		return (rc);
	stun_build_init(&b, buf, cap, in->method, in->cls, in->tid);
	if (in->flags & STUN_RDV_F_ERROR)
		stun_build_error(&b, in->error, NULL);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, in->room, in->roomlen);
	if (in->flags & STUN_RDV_F_MAPPED)
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &in->mapped);
	if (in->flags & STUN_RDV_F_NAME) {
		n = strnlen(in->name, sizeof(in->name));
		if (!rdv_name_ok((const uint8_t *)in->name, n))
			err = STUN_ERR_INVALID;
		stun_build_attr(&b, STUN_RDV_ATTR_NAME, in->name, n);
	}
	if (in->flags & STUN_RDV_F_CANDS) {
		stun_wr_init(&w, v, sizeof(v));
		for (i = 0; i < in->ncand; i++) {
			if (!rdv_cand_ok(&in->cand[i]))
				err = STUN_ERR_INVALID;
			rdv_wr_cand(&w, &in->cand[i], b.tid);
		}
		if (w.err != 0)
			err = w.err;
		stun_build_attr(&b, STUN_RDV_ATTR_CANDS, v, w.len);
	}
	if (in->flags & STUN_RDV_F_NONCE)
		stun_build_attr(&b, STUN_RDV_ATTR_NONCE, in->nonce,
		    STUN_RDV_NONCE_LEN);
	rdv_build_u32(&b, in, STUN_RDV_F_MEMBER_ID, STUN_RDV_ATTR_MEMBER_ID,
	    in->member_id);
	rdv_build_u32(&b, in, STUN_RDV_F_EPOCH, STUN_RDV_ATTR_EPOCH,
	    in->epoch);
	rdv_build_u32(&b, in, STUN_RDV_F_INTERVAL, STUN_RDV_ATTR_INTERVAL,
	    in->interval);
	rdv_build_u32(&b, in, STUN_RDV_F_PEER_ID, STUN_RDV_ATTR_PEER_ID,
	    in->peer_id);
	if ((in->flags & STUN_RDV_F_DELAY) && in->delay > STUN_RDV_DELAY_MAX)
		err = STUN_ERR_INVALID;
	rdv_build_u32(&b, in, STUN_RDV_F_DELAY, STUN_RDV_ATTR_DELAY,
	    in->delay);
	if (in->flags & STUN_RDV_F_ECHO) {
		stun_build_u64(&b, STUN_RDV_ATTR_ECHO, in->echo);
		stun_build_u32(&b, STUN_RDV_ATTR_HOLD, in->hold);
	}
	if (in->flags & STUN_RDV_F_EVENT) {
		stun_wr_init(&w, v, sizeof(v));
		stun_wr_u8(&w, in->event);
		stun_wr_zero(&w, 3);
		stun_wr_u32(&w, in->event_member);
		stun_build_attr(&b, STUN_RDV_ATTR_EVENT, v, w.len);
	}
	if (in->flags & STUN_RDV_F_RELAY) {
		if (in->method != STUN_RDV_REGISTER ||
		    in->cls != STUN_CLASS_SUCCESS)
			err = STUN_ERR_INVALID;
		n = strnlen(in->relay_user, sizeof(in->relay_user));
		if (!rdv_text_ok((const uint8_t *)in->relay_user, n,
		    STUN_RDV_RELAY_USER_MAX))
			err = STUN_ERR_INVALID;
		stun_build_attr(&b, STUN_RDV_ATTR_RELAY_USER, in->relay_user, n);
		n = strnlen(in->relay_pass, sizeof(in->relay_pass));
		if (!rdv_text_ok((const uint8_t *)in->relay_pass, n,
		    STUN_RDV_RELAY_PASS_MAX))
			err = STUN_ERR_INVALID;
		stun_build_attr(&b, STUN_RDV_ATTR_RELAY_PASS, in->relay_pass, n);
	}
	for (i = 0; (in->flags & STUN_RDV_F_MEMBERS) && i < in->nmembers;
	    i++) {
		n = rdv_wr_member(v, sizeof(v), &in->members[i],
		    b.tid, &err);
		stun_build_attr(&b, STUN_RDV_ATTR_MEMBER, v, n);
	}
	stun_build_integrity_sha256(&b, key, sizeof(key), STUN_RDV_KEY_LEN);
	stun_build_fingerprint(&b);
	OPENSSL_cleanse(key, sizeof(key));
	rc = stun_build_finish(&b);
	return (err != 0 ? err : rc);
}

/* The client machine. */

static int
rdv_client_send(struct stun_rdv_client *rc, uint16_t method, uint64_t now)
{
	struct stun_rdv_msg	 q;
	uint8_t			 tid[STUN_TID_LEN];
	int			 n;

	if ((n = stun_tid_new(rc->c.rnd, rc->c.rnd_arg, tid)) != 0)
		return (n);
	memset(&q, 0, sizeof(q));
	q.method = method;
	q.cls = STUN_CLASS_REQUEST;
	memcpy(q.tid, tid, STUN_TID_LEN);
	memcpy(q.room, rc->c.room, rc->c.roomlen);
	q.roomlen = rc->c.roomlen;
	memcpy(q.nonce, rc->nonce, STUN_RDV_NONCE_LEN);
	q.flags = STUN_RDV_F_NONCE;
	if (method == STUN_RDV_REGISTER) {
		q.flags |= STUN_RDV_F_NAME | STUN_RDV_F_CANDS;
		memcpy(q.name, rc->c.name, sizeof(q.name));
		q.ncand = rc->c.ncand;
		memcpy(q.cand, rc->c.cand, sizeof(q.cand));
	} else {
		q.flags |= STUN_RDV_F_MEMBER_ID;
		q.member_id = rc->member_id;
	}
	/* The server's RTT token and how long we held it (doc 5). */
	if (method != STUN_RDV_LEAVE && rc->has_echo) {
		q.flags |= STUN_RDV_F_ECHO;
		q.echo = rc->echo;
		q.hold = now - rc->echo_at > UINT32_MAX ?
		    UINT32_MAX : (uint32_t)(now - rc->echo_at);
		rc->has_echo = 0;
	}
	n = stun_rdv_build(&q, rc->req, sizeof(rc->req));
	if (n < 0)
		return (n);
	rc->reqlen = (size_t)n;
	rc->req_method = method;
	stun_txn_start(&rc->txn, &rc->c.txn, tid, now);
	rc->txn_on = 1;
	rc->pend_send = 1;
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

static void
rdv_client_register(struct stun_rdv_client *rc, uint64_t now)
{
	int	r;

	rc->state = STUN_RDV_S_REGISTER;
	if ((r = rdv_client_send(rc, STUN_RDV_REGISTER, now)) != 0)
		rdv_client_fail(rc, r, 0);
}

int
stun_rdv_client_init(struct stun_rdv_client *rc,
    const struct stun_rdv_config *c)
{
	unsigned	i;
	int		r;

	if (rc == NULL || c == NULL)
		return (STUN_ERR_INVALID);
	memset(rc, 0, sizeof(*rc));
	if (c->ncand > STUN_RDV_MAX_CANDS ||
	    (c->server.family != STUN_AF_INET &&
	    c->server.family != STUN_AF_INET6) ||
	    !rdv_name_ok((const uint8_t *)c->name,
	    strnlen(c->name, sizeof(c->name))))
		return (STUN_ERR_INVALID);
	for (i = 0; i < c->ncand; i++)
		if (!rdv_cand_ok(&c->cand[i]))
			return (STUN_ERR_INVALID);
	if ((r = stun_rdv_key(c->room, c->roomlen, rc->key)) != 0)
		return (r);
	if ((r = stun_random(c->rnd, c->rnd_arg, rc->nonce,
	    sizeof(rc->nonce))) != 0)
		return (r);
	rc->c = *c;
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

int
stun_rdv_client_set_cands(struct stun_rdv_client *rc,
    const struct stun_rdv_cand *cand, unsigned n, uint64_t now)
{
	unsigned	i;

	if (rc == NULL || (cand == NULL && n != 0) || n > STUN_RDV_MAX_CANDS)
		return (STUN_ERR_INVALID);
	for (i = 0; i < n; i++)
		if (!rdv_cand_ok(&cand[i]))
			return (STUN_ERR_INVALID);
	if (rc->state != STUN_RDV_S_IDLE && rc->state != STUN_RDV_S_REGISTER &&
	    rc->state != STUN_RDV_S_JOINED)
		return (STUN_ERR_STATE);
	memset(rc->c.cand, 0, sizeof(rc->c.cand));
	for (i = 0; i < n; i++)
		rc->c.cand[i] = cand[i];
	rc->c.ncand = n;
	if (rc->state == STUN_RDV_S_IDLE)
		return (0);	/* stun_rdv_client_start() sends them */
	/* A Register in flight is replaced; its answer is no longer ours. */
	rdv_client_register(rc, now);
	return (rc->state == STUN_RDV_S_FAILED ? rc->err : 0);
}

int
stun_rdv_client_leave(struct stun_rdv_client *rc, uint64_t now)
{
	int	r;

	if (rc == NULL)
		return (STUN_ERR_INVALID);
	if (rc->state == STUN_RDV_S_IDLE || rc->state == STUN_RDV_S_REGISTER) {
		/* Not a member yet: nothing to tell the server. */
		rc->state = STUN_RDV_S_DONE;
		rc->txn_on = 0;
		rc->pend_send = 0;
		rc->pend_done = 1;
		return (0);
	}
	if (rc->state != STUN_RDV_S_JOINED)
		return (STUN_ERR_STATE);
	rc->state = STUN_RDV_S_LEAVE;
	if ((r = rdv_client_send(rc, STUN_RDV_LEAVE, now)) != 0) {
		rc->state = STUN_RDV_S_DONE;
		rc->txn_on = 0;
		rc->pend_done = 1;
	}
	return (0);
}

static void
rdv_client_members(struct stun_rdv_client *rc, const struct stun_rdv_msg *q)
{
	rc->nmembers = q->nmembers;
	memcpy(rc->members, q->members,
	    q->nmembers * sizeof(q->members[0]));
	rc->epoch = q->epoch;
	rc->event = q->event;
	rc->event_member = q->event_member;
	rc->pend_members = 1;
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

static void
rdv_client_response(struct stun_rdv_client *rc, const struct stun_rdv_msg *q,
    uint64_t now)
{
	const uint32_t	need = STUN_RDV_F_MEMBER_ID | STUN_RDV_F_MAPPED |
	    STUN_RDV_F_EPOCH;
	uint32_t	iv;

	rc->txn_on = 0;
	switch (rc->req_method) {
	case STUN_RDV_REGISTER:
		if (q->cls == STUN_CLASS_ERROR) {
			rdv_client_fail(rc, STUN_ERR_STATE, q->error);
			return;
		}
		if ((q->flags & need) != need) {
			rc->rejected++;
			rdv_client_fail(rc, STUN_ERR_BAD_ATTR, 0);
			return;
		}
		rc->member_id = q->member_id;
		rc->mapped = q->mapped;
		/* Empty strings when the server gave no credential. */
		memcpy(rc->relay_user, q->relay_user, sizeof(rc->relay_user));
		memcpy(rc->relay_pass, q->relay_pass, sizeof(rc->relay_pass));
		iv = rc->c.keepalive;
		if (iv == 0)
			iv = (q->flags & STUN_RDV_F_INTERVAL) ?
			    q->interval : STUN_RDV_KEEPALIVE_MS;
		if (iv < 1000)
			iv = 1000;
		if (iv > 60000)
			iv = 60000;
		rc->interval = iv;
		if (!rc->joined_once)
			rc->pend_joined = 1;
		rc->joined_once = 1;
		rdv_client_members(rc, q);
		rc->state = STUN_RDV_S_JOINED;
		rdv_client_keep_echo(rc, q, now);
		rc->next_ka = now + rc->interval;
		/* Give the server an RTT sample at once for Go timing. */
		if (rc->has_echo &&
		    rdv_client_send(rc, STUN_RDV_KEEPALIVE, now) != 0)
			rc->txn_on = 0;
		break;
	case STUN_RDV_KEEPALIVE:
		if (q->cls == STUN_CLASS_ERROR ||
		    !(q->flags & STUN_RDV_F_EPOCH) || q->epoch != rc->epoch) {
			/* Forgotten, or a Members indication was lost. */
			rdv_client_register(rc, now);
			return;
		}
		rdv_client_keep_echo(rc, q, now);
		rc->next_ka = now + rc->interval;
		break;
	case STUN_RDV_LEAVE:
		rc->state = STUN_RDV_S_DONE;
		rc->pend_done = 1;
		break;
	}
}

static void
rdv_client_indication(struct stun_rdv_client *rc,
    const struct stun_rdv_msg *q, uint64_t now)
{
	unsigned	i;

	if (rc->state != STUN_RDV_S_JOINED) {
		rc->ignored++;
		return;
	}
	if (q->method == STUN_RDV_MEMBERS) {
		/* Serial arithmetic: only newer lists replace ours. */
		if (!(q->flags & STUN_RDV_F_EPOCH) ||
		    (int32_t)(q->epoch - rc->epoch) <= 0) {
			rc->ignored++;
			return;
		}
		rdv_client_members(rc, q);
		return;
	}
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
	if (stun_rdv_decode(&m, &q) != 0 || q.roomlen != rc->c.roomlen ||
	    CRYPTO_memcmp(q.room, rc->c.room, q.roomlen) != 0) {
		rc->rejected++;
		return (0);
	}
	if (q.cls == STUN_CLASS_INDICATION) {
		rdv_client_indication(rc, &q, now);
		return (0);
	}
	if (!rc->txn_on || q.method != rc->req_method ||
	    stun_txn_input(&rc->txn, &m, now) != STUN_TXN_DONE) {
		rc->ignored++;
		return (0);
	}
	rdv_client_response(rc, &q, now);
	return (0);
}

void
stun_rdv_client_timer(struct stun_rdv_client *rc, uint64_t now)
{
	int	r;

	if (rc == NULL)
		return;
	if (rc->txn_on) {
		r = stun_txn_timer(&rc->txn, now);
		if (r == STUN_TXN_SEND)
			rc->pend_send = 1;
		else if (r == STUN_TXN_TIMEOUT) {
			rc->txn_on = 0;
			if (rc->req_method == STUN_RDV_KEEPALIVE)
				rdv_client_register(rc, now);
			else if (rc->req_method == STUN_RDV_LEAVE) {
				rc->state = STUN_RDV_S_DONE;
				rc->pend_done = 1;
			} else
				rdv_client_fail(rc, STUN_ERR_TIMEOUT, 0);
		}
		return;
	}
	if (rc->state == STUN_RDV_S_JOINED && now >= rc->next_ka &&
	    rdv_client_send(rc, STUN_RDV_KEEPALIVE, now) != 0)
		rc->next_ka = now + rc->interval;
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
		a->wake = rc->next_ka;
}

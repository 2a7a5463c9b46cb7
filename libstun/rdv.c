/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rendezvous codec, version 2 (doc/rendezvous.md 1-2): routing
 * attributes in clear, every other field in one ChaCha20-Poly1305 block
 * whose additional data is everything before it, then FINGERPRINT.  The
 * sealed fields are ordinary STUN attributes, parsed with libstun's codec
 * after the block is opened.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "stun.h"
#include "txn.h"
#include "rdv.h"
#include "rdvint.h"
#include "buf.h"
#include "attr.h"

int
stun_rdv_is_rdv(const struct stun_msg *m)
{
	if (m == NULL || !m->hdr_ok || m->legacy)
		return (0);
	return (m->method >= STUN_RDV_REGISTER && m->method <= STUN_RDV_RESYNC);
}

int
stun_rdv_is_v1(const struct stun_msg *m)
{
	return (stun_rdv_is_rdv(m) && (m->mi256 != -1 || m->mi != -1 ||
	    stun_msg_find(m, STUN_RDV_ATTR_NONCE) != NULL));
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
	case STUN_RDV_RESYNC:
		return ("RDV-Resync");
	}
	return ("unknown");
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
	if (kind < STUN_RDV_CAND_HOST || kind > STUN_RDV_CAND_TCP)
		return (STUN_ERR_BAD_ATTR);
	c->kind = kind;
	return (0);
}

int
stun_rdv_cand_ok(const struct stun_rdv_cand *c)
{
	return (c->kind >= STUN_RDV_CAND_HOST &&
	    c->kind <= STUN_RDV_CAND_TCP &&
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
int
stun_rdv_name_ok(const uint8_t *p, size_t n)
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
	    stun_rd_skip(&cr, pad) != 0 || !stun_rdv_name_ok(name, namelen))
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


/* RDV-MEMBER value into v (cap >= 8 + 32 + 9 * 20). */
static size_t
rdv_wr_member(uint8_t *v, size_t cap, const struct stun_rdv_member *mb,
    const uint8_t *tid, int *err)
{
	struct stun_wr	w;
	size_t		namelen, i;

	namelen = strnlen(mb->name, sizeof(mb->name));
	if (mb->ncand > STUN_RDV_MEMBER_CANDS ||
	    !stun_rdv_name_ok((const uint8_t *)mb->name, namelen)) {
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
		if (!stun_rdv_cand_ok(&mb->cand[i]))
			*err = STUN_ERR_INVALID;
		rdv_wr_cand(&w, &mb->cand[i], tid);
	}
	if (w.err != 0)
		*err = w.err;
	return (w.len);
}

#define RDV_MEMBER_VMAX	(8 + STUN_RDV_NAME_MAX + STUN_RDV_MEMBER_CANDS * 20)


/* A fixed-length opaque attribute; flag set only when present. */
static int
rdv_get_fixed(const struct stun_msg *m, uint16_t type, uint8_t *v, size_t n,
    uint32_t *flags, uint32_t flag)
{
	const uint8_t	*p;
	size_t		 len;
	int		 rc;

	rc = stun_msg_get_bytes(m, type, &p, &len);
	if (rc == STUN_ERR_NOT_FOUND)
		return (0);
	if (rc != 0 || len != n)
		return (STUN_ERR_BAD_ATTR);
	memcpy(v, p, n);
	*flags |= flag;
	return (0);
}

/* Where an attribute may travel: 1 clear, 2 sealed, 0 not ours. */
static int
rdv_attr_place(uint16_t type)
{
	switch (type) {
	case STUN_RDV_ATTR_ROOM:
	case STUN_RDV_ATTR_MEMBER_ID:
	case STUN_RDV_ATTR_KEYSHARE:
	case STUN_RDV_ATTR_COOKIE:
	case STUN_RDV_ATTR_SERVER_KEY:
	case STUN_RDV_ATTR_SALT:
	case STUN_RDV_ATTR_SEALED:
	case STUN_RDV_ATTR_PAD:
	case STUN_ATTR_ERROR_CODE:
	case STUN_ATTR_FINGERPRINT:
		return (1);
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		return (2);
	}
	if (type >= STUN_RDV_ATTR_ROOM && type <= STUN_RDV_ATTR_NAT)
		return (type == STUN_RDV_ATTR_NONCE ? -1 : 2);
	return (0);
}

/*
 * RDV-NAT: member id, essentials.  Id 0 is the sender's own; any other
 * names a member listed in the same message, once.
 */
static int
rdv_rd_nat(const struct stun_msg *m, const struct stun_attr_ref *a,
    struct stun_rdv_msg *o)
{
	struct stun_rd		 r, vr;
	struct stun_hardnat_ess	 e;
	const uint8_t		*p;
	uint32_t		 id;
	unsigned		 i;

	stun_rd_init(&r, m->buf, m->len);
	if (stun_rd_skip(&r, a->off) != 0 || stun_rd_sub(&r, a->len, &vr) != 0 ||
	    a->len != 4 + STUN_HARDNAT_ESS_LEN || stun_rd_u32(&vr, &id) != 0 ||
	    stun_rd_ptr(&vr, STUN_HARDNAT_ESS_LEN, &p) != 0 ||
	    stun_hardnat_ess_decode(p, STUN_HARDNAT_ESS_LEN, &e) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (id == 0) {
		if (o->flags & STUN_RDV_F_NAT)
			return (STUN_ERR_BAD_ATTR);
		o->nat = e;
		o->flags |= STUN_RDV_F_NAT;
		return (0);
	}
	for (i = 0; i < o->nmembers; i++) {
		if (o->members[i].id != id)
			continue;
		if (o->members[i].has_nat)
			return (STUN_ERR_BAD_ATTR);
		o->members[i].nat = e;
		o->members[i].has_nat = 1;
		return (0);
	}
	return (STUN_ERR_BAD_ATTR);
}

/* The fields of the sealed block (m is the opened inner message). */
static int
rdv_decode_sealed(const struct stun_msg *m, struct stun_rdv_msg *o)
{
	struct stun_rd			 r;
	const struct stun_attr_ref	*a;
	const uint8_t			*v;
	size_t				 n;
	unsigned			 i;
	uint8_t				 ev, z[3];
	int				 rc;

	for (i = 0; i < m->nattrs; i++)
		if (rdv_attr_place(m->attrs[i].type) != 2)
			return (STUN_ERR_BAD_ATTR);
	if (stun_msg_get_bytes(m, STUN_RDV_ATTR_NAME, &v, &n) == 0) {
		if (!stun_rdv_name_ok(v, n))
			return (STUN_ERR_BAD_ATTR);
		memcpy(o->name, v, n);
		o->name[n] = '\0';
		o->flags |= STUN_RDV_F_NAME;
	}
	if (stun_msg_get_bytes(m, STUN_RDV_ATTR_CANDS, &v, &n) == 0) {
		stun_rd_init(&r, v, n);
		if (rdv_rd_cands(&r, o->cand, STUN_RDV_MAX_CANDS, &o->ncand,
		    m->tid) != 0)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_CANDS;
	}
	if (stun_msg_get_bytes(m, STUN_RDV_ATTR_EVENT, &v, &n) == 0) {
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
	if (rdv_get_u32(m, STUN_RDV_ATTR_EPOCH, &o->epoch, &o->flags,
	    STUN_RDV_F_EPOCH) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_DELAY, &o->delay, &o->flags,
	    STUN_RDV_F_DELAY) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_PEER_ID, &o->peer_id, &o->flags,
	    STUN_RDV_F_PEER_ID) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_INTERVAL, &o->interval, &o->flags,
	    STUN_RDV_F_INTERVAL) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_START, &o->start, &o->flags,
	    STUN_RDV_F_START) != 0 ||
	    rdv_get_u32(m, STUN_RDV_ATTR_COUNT, &o->count, &o->flags,
	    STUN_RDV_F_COUNT) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_ROOM_KEY, o->room_key,
	    STUN_RDV_KEY_LEN, &o->flags, STUN_RDV_F_ROOM_KEY) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_TOKEN, o->token, STUN_RDV_TOKEN_LEN,
	    &o->flags, STUN_RDV_F_TOKEN) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_CHALLENGE, o->challenge, 8,
	    &o->flags, STUN_RDV_F_CHALLENGE) != 0)
		return (STUN_ERR_BAD_ATTR);
	if ((o->flags & STUN_RDV_F_DELAY) && o->delay > STUN_RDV_DELAY_MAX)
		return (STUN_ERR_BAD_ATTR);
	if ((o->flags & STUN_RDV_F_COUNT) && o->count >= STUN_RDV_MAX_MEMBERS)
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
	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == STUN_RDV_ATTR_NAT &&
		    rdv_rd_nat(m, &m->attrs[i], o) != 0)
			return (STUN_ERR_BAD_ATTR);
	return (0);
}

static int
rdv_decode_clear(const struct stun_msg *m, struct stun_rdv_msg *o)
{
	const struct stun_attr_ref	*s;
	const uint8_t			*v;
	const char			*reason;
	size_t				 n;
	unsigned			 i;
	int				 rc;

	for (i = 0; i < m->nattrs; i++)
		if (rdv_attr_place(m->attrs[i].type) == 2 ||
		    rdv_attr_place(m->attrs[i].type) == -1)
			return (STUN_ERR_BAD_ATTR);
	if ((rc = stun_msg_get_bytes(m, STUN_RDV_ATTR_ROOM, &v, &n)) == 0) {
		if (n < STUN_RDV_ROOM_MIN || n > STUN_RDV_ROOM_MAX)
			return (STUN_ERR_BAD_ATTR);
		memcpy(o->room, v, n);
		o->roomlen = n;
		o->flags |= STUN_RDV_F_ROOM;
	} else if (rc != STUN_ERR_NOT_FOUND)
		return (STUN_ERR_BAD_ATTR);
	if (rdv_get_u32(m, STUN_RDV_ATTR_MEMBER_ID, &o->member_id, &o->flags,
	    STUN_RDV_F_MEMBER_ID) != 0 ||
	    ((o->flags & STUN_RDV_F_MEMBER_ID) && o->member_id == 0) ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_KEYSHARE, o->keyshare,
	    STUN_RDV_KEY_LEN, &o->flags, STUN_RDV_F_KEYSHARE) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_COOKIE, o->cookie,
	    STUN_RDV_COOKIE_LEN, &o->flags, STUN_RDV_F_COOKIE) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_SERVER_KEY, o->server_key,
	    STUN_RDV_KEY_LEN, &o->flags, STUN_RDV_F_SERVER_KEY) != 0 ||
	    rdv_get_fixed(m, STUN_RDV_ATTR_SALT, o->salt, STUN_RDV_SALT_LEN,
	    &o->flags, STUN_RDV_F_SALT) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (m->cls == STUN_CLASS_ERROR) {
		if (stun_msg_get_error(m, &o->error, &reason, &n) != 0)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_ERROR;
	}
	if ((s = stun_msg_find(m, STUN_RDV_ATTR_SEALED)) != NULL) {
		/* One block, last before FINGERPRINT. */
		if (m->fp < 1 || &m->attrs[m->fp - 1] != s ||
		    s->len < 8 + STUN_RDV_TAG_LEN ||
		    m->cls == STUN_CLASS_ERROR)
			return (STUN_ERR_BAD_ATTR);
		for (i = 0, o->seq = 0; i < 8; i++)
			o->seq = o->seq << 8 | m->buf[s->off + i];
		if (o->seq == 0)
			return (STUN_ERR_BAD_ATTR);
		o->flags |= STUN_RDV_F_SEALED;
	}
	return (0);
}

int
stun_rdv_decode(const struct stun_msg *m, struct stun_rdv_msg *out)
{
	int	rc;

	if (out == NULL)
		return (STUN_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	if (!stun_rdv_is_rdv(m) || m->cookie != STUN_MAGIC_COOKIE ||
	    stun_rdv_is_v1(m))
		return (STUN_ERR_INVALID);
	/* Requests and responses are for the request methods only. */
	if ((m->method == STUN_RDV_MEMBERS || m->method == STUN_RDV_GO) !=
	    (m->cls == STUN_CLASS_INDICATION))
		return (STUN_ERR_INVALID);
	if (m->fp == -1)
		return (STUN_ERR_NOT_FOUND);
	if ((rc = stun_msg_check_fingerprint(m)) != 0)
		return (rc);
	out->method = m->method;
	out->cls = m->cls;
	memcpy(out->tid, m->tid, STUN_TID_LEN);
	if ((rc = rdv_decode_clear(m, out)) != 0) {
		memset(out, 0, sizeof(*out));
		return (rc);
	}
	return (0);
}

int
stun_rdv_open(const struct stun_msg *m, const uint8_t key[STUN_RDV_KEY_LEN],
    struct stun_rdv_msg *out)
{
	const struct stun_attr_ref	*s;
	struct stun_msg			 in;
	struct stun_rdv_msg		 save;
	uint8_t				 pt[STUN_RDV_MSG_MAX];
	size_t				 ctlen;
	int				 rc;

	if (m == NULL || key == NULL || out == NULL)
		return (STUN_ERR_INVALID);
	if (!(out->flags & STUN_RDV_F_SEALED) ||
	    (s = stun_msg_find(m, STUN_RDV_ATTR_SEALED)) == NULL)
		return (STUN_ERR_NOT_FOUND);
	ctlen = s->len - 8;
	if (ctlen - STUN_RDV_TAG_LEN > sizeof(pt) - STUN_HDR_LEN ||
	    s->off < STUN_HDR_LEN + 4)
		return (STUN_ERR_BAD_ATTR);
	/* Additional data: every byte before the block's own header. */
	rc = stun_rdv_aead(0, key, out->seq, m->buf, s->off - 4,
	    m->buf + s->off + 8, ctlen, pt + STUN_HDR_LEN);
	if (rc != 0)
		return (rc == STUN_ERR_INTEGRITY ? rc : STUN_ERR_INTEGRITY);
	/*
	 * The plaintext is a list of attributes under the outer header,
	 * with the class bits of an indication: it is never a datagram,
	 * so the check for a damaged FINGERPRINT at the tail of a request
	 * must not take the last 8 bytes of its last value (a random room
	 * key can end in 80 28 00 04) for one.  Decoded, it takes the
	 * outer message's type back: its attributes are judged by that.
	 */
	memcpy(pt, m->buf, STUN_HDR_LEN);
	pt[0] = (uint8_t)(pt[0] & ~0x01);
	pt[1] = (uint8_t)((pt[1] & ~0x10) | 0x10);
	pt[2] = (uint8_t)((ctlen - STUN_RDV_TAG_LEN) >> 8);
	pt[3] = (uint8_t)(ctlen - STUN_RDV_TAG_LEN);
	save = *out;
	rc = stun_msg_decode(&in, pt, STUN_HDR_LEN + ctlen - STUN_RDV_TAG_LEN);
	in.type = m->type;
	in.method = m->method;
	in.cls = m->cls;
	if (rc == 0 && (in.fp != -1 || in.mi != -1 || in.mi256 != -1 ||
	    in.nunknown > 0))
		rc = STUN_ERR_BAD_ATTR;
	if (rc == 0)
		rc = rdv_decode_sealed(&in, out);
	OPENSSL_cleanse(pt, sizeof(pt));
	if (rc != 0) {
		*out = save;
		return (STUN_ERR_BAD_ATTR);
	}
	out->flags |= STUN_RDV_F_OPENED;
	return (0);
}

#define RDV_MEMBER_VMAX	(8 + STUN_RDV_NAME_MAX + STUN_RDV_MEMBER_CANDS * 20)

static void
rdv_build_u32(struct stun_builder *b, const struct stun_rdv_msg *in,
    uint32_t flag, uint16_t type, uint32_t v)
{
	if (in->flags & flag)
		stun_build_u32(b, type, v);
}

/* RDV-NAT for member id (0: the sender). */
static void
rdv_build_nat(struct stun_builder *b, uint32_t id,
    const struct stun_hardnat_ess *e)
{
	uint8_t		 v[4 + STUN_HARDNAT_ESS_LEN];

	v[0] = (uint8_t)(id >> 24);
	v[1] = (uint8_t)(id >> 16);
	v[2] = (uint8_t)(id >> 8);
	v[3] = (uint8_t)id;
	stun_hardnat_ess_encode(e, v + 4);
	stun_build_attr(b, STUN_RDV_ATTR_NAT, v, sizeof(v));
}

static void
rdv_build_fixed(struct stun_builder *b, const struct stun_rdv_msg *in,
    uint32_t flag, uint16_t type, const uint8_t *v, size_t n)
{
	if (in->flags & flag)
		stun_build_attr(b, type, v, n);
}

/* The sealed fields, as attributes after b's header. */
static int
rdv_build_sealed(struct stun_builder *b, const struct stun_rdv_msg *in)
{
	struct stun_wr		 w;
	uint8_t			 v[RDV_MEMBER_VMAX];
	size_t			 n, i;
	int			 err = 0;

	if (in->flags & STUN_RDV_F_MAPPED)
		stun_build_addr(b, STUN_ATTR_XOR_MAPPED_ADDRESS, &in->mapped);
	if (in->flags & STUN_RDV_F_NAME) {
		n = strnlen(in->name, sizeof(in->name));
		if (!stun_rdv_name_ok((const uint8_t *)in->name, n))
			err = STUN_ERR_INVALID;
		stun_build_attr(b, STUN_RDV_ATTR_NAME, in->name, n);
	}
	if (in->flags & STUN_RDV_F_CANDS) {
		stun_wr_init(&w, v, sizeof(v));
		for (i = 0; i < in->ncand; i++) {
			if (!stun_rdv_cand_ok(&in->cand[i]))
				err = STUN_ERR_INVALID;
			rdv_wr_cand(&w, &in->cand[i], b->tid);
		}
		if (w.err != 0)
			err = w.err;
		stun_build_attr(b, STUN_RDV_ATTR_CANDS, v, w.len);
	}
	rdv_build_fixed(b, in, STUN_RDV_F_ROOM_KEY, STUN_RDV_ATTR_ROOM_KEY,
	    in->room_key, STUN_RDV_KEY_LEN);
	rdv_build_fixed(b, in, STUN_RDV_F_TOKEN, STUN_RDV_ATTR_TOKEN,
	    in->token, STUN_RDV_TOKEN_LEN);
	rdv_build_fixed(b, in, STUN_RDV_F_CHALLENGE, STUN_RDV_ATTR_CHALLENGE,
	    in->challenge, 8);
	rdv_build_u32(b, in, STUN_RDV_F_EPOCH, STUN_RDV_ATTR_EPOCH,
	    in->epoch);
	rdv_build_u32(b, in, STUN_RDV_F_INTERVAL, STUN_RDV_ATTR_INTERVAL,
	    in->interval);
	rdv_build_u32(b, in, STUN_RDV_F_PEER_ID, STUN_RDV_ATTR_PEER_ID,
	    in->peer_id);
	if ((in->flags & STUN_RDV_F_DELAY) && in->delay > STUN_RDV_DELAY_MAX)
		err = STUN_ERR_INVALID;
	rdv_build_u32(b, in, STUN_RDV_F_DELAY, STUN_RDV_ATTR_DELAY,
	    in->delay);
	rdv_build_u32(b, in, STUN_RDV_F_START, STUN_RDV_ATTR_START,
	    in->start);
	if ((in->flags & STUN_RDV_F_COUNT) && in->count >= STUN_RDV_MAX_MEMBERS)
		err = STUN_ERR_INVALID;
	rdv_build_u32(b, in, STUN_RDV_F_COUNT, STUN_RDV_ATTR_COUNT,
	    in->count);
	if (in->flags & STUN_RDV_F_ECHO) {
		stun_build_u64(b, STUN_RDV_ATTR_ECHO, in->echo);
		stun_build_u32(b, STUN_RDV_ATTR_HOLD, in->hold);
	}
	if (in->flags & STUN_RDV_F_EVENT) {
		if (in->event < STUN_RDV_EV_JOIN ||
		    in->event > STUN_RDV_EV_MOVE)
			err = STUN_ERR_INVALID;
		stun_wr_init(&w, v, sizeof(v));
		stun_wr_u8(&w, in->event);
		stun_wr_zero(&w, 3);
		stun_wr_u32(&w, in->event_member);
		stun_build_attr(b, STUN_RDV_ATTR_EVENT, v, w.len);
	}
	if (in->flags & STUN_RDV_F_RELAY) {
		if (in->method != STUN_RDV_REGISTER ||
		    in->cls != STUN_CLASS_SUCCESS)
			err = STUN_ERR_INVALID;
		n = strnlen(in->relay_user, sizeof(in->relay_user));
		if (!rdv_text_ok((const uint8_t *)in->relay_user, n,
		    STUN_RDV_RELAY_USER_MAX))
			err = STUN_ERR_INVALID;
		stun_build_attr(b, STUN_RDV_ATTR_RELAY_USER, in->relay_user, n);
		n = strnlen(in->relay_pass, sizeof(in->relay_pass));
		if (!rdv_text_ok((const uint8_t *)in->relay_pass, n,
		    STUN_RDV_RELAY_PASS_MAX))
			err = STUN_ERR_INVALID;
		stun_build_attr(b, STUN_RDV_ATTR_RELAY_PASS, in->relay_pass, n);
	}
	for (i = 0; (in->flags & STUN_RDV_F_MEMBERS) && i < in->nmembers;
	    i++) {
		n = rdv_wr_member(v, sizeof(v), &in->members[i], b->tid, &err);
		stun_build_attr(b, STUN_RDV_ATTR_MEMBER, v, n);
		if (in->members[i].has_nat && in->members[i].id != 0)
			rdv_build_nat(b, in->members[i].id,
			    &in->members[i].nat);
	}
	if (in->flags & STUN_RDV_F_NAT)
		rdv_build_nat(b, 0, &in->nat);
	return (err);
}

static void
rdv_build_clear(struct stun_builder *b, const struct stun_rdv_msg *in)
{
	if (in->flags & STUN_RDV_F_ERROR)
		stun_build_error(b, in->error, "");
	if (in->flags & STUN_RDV_F_ROOM)
		stun_build_attr(b, STUN_RDV_ATTR_ROOM, in->room, in->roomlen);
	rdv_build_u32(b, in, STUN_RDV_F_MEMBER_ID, STUN_RDV_ATTR_MEMBER_ID,
	    in->member_id);
	rdv_build_fixed(b, in, STUN_RDV_F_KEYSHARE, STUN_RDV_ATTR_KEYSHARE,
	    in->keyshare, STUN_RDV_KEY_LEN);
	rdv_build_fixed(b, in, STUN_RDV_F_COOKIE, STUN_RDV_ATTR_COOKIE,
	    in->cookie, STUN_RDV_COOKIE_LEN);
	rdv_build_fixed(b, in, STUN_RDV_F_SERVER_KEY, STUN_RDV_ATTR_SERVER_KEY,
	    in->server_key, STUN_RDV_KEY_LEN);
	rdv_build_fixed(b, in, STUN_RDV_F_SALT, STUN_RDV_ATTR_SALT, in->salt,
	    STUN_RDV_SALT_LEN);
}

int
stun_rdv_build(const struct stun_rdv_msg *in, const uint8_t *key,
    uint8_t *buf, size_t cap)
{
	static const uint8_t	 zeros[STUN_RDV_MSG_MAX];
	struct stun_builder	 b, ib;
	uint8_t			 pt[STUN_RDV_MSG_MAX];
	uint8_t			 v[STUN_RDV_MSG_MAX];
	size_t			 ptlen = 0, vlen = 0, final, pad;
	int			 err = 0, rc, i;

	if (in == NULL || buf == NULL ||
	    in->method < STUN_RDV_REGISTER || in->method > STUN_RDV_RESYNC ||
	    in->cls > STUN_CLASS_ERROR ||
	    in->ncand > STUN_RDV_MAX_CANDS ||
	    in->nmembers > STUN_RDV_MAX_MEMBERS ||
	    ((in->flags & STUN_RDV_F_ROOM) &&
	    (in->roomlen < STUN_RDV_ROOM_MIN ||
	    in->roomlen > STUN_RDV_ROOM_MAX)) ||
	    (key == NULL && (in->flags & ~(STUN_RDV_F_CLEAR |
	    STUN_RDV_F_SEALED | STUN_RDV_F_OPENED)) != 0) ||
	    (key != NULL && in->seq == 0))
		return (STUN_ERR_INVALID);
	if (key != NULL) {
		stun_build_init(&ib, pt, sizeof(pt), in->method, in->cls,
		    in->tid);
		err = rdv_build_sealed(&ib, in);
		if ((rc = stun_build_finish(&ib)) < 0)
			return (rc);
		ptlen = (size_t)rc - STUN_HDR_LEN;
		vlen = 8 + ptlen + STUN_RDV_TAG_LEN;
	}
	stun_build_init(&b, buf, cap, in->method, in->cls, in->tid);
	rdv_build_clear(&b, in);
	final = b.len + (key != NULL ? 4 + vlen : 0) + 8;
	if (in->pad_to > final) {
		pad = in->pad_to - final;
		pad = pad < 4 ? 0 : ((pad - 4 + 3) & ~(size_t)3);
		if (pad > sizeof(zeros))
			err = STUN_ERR_INVALID;
		else
			stun_build_attr(&b, STUN_RDV_ATTR_PAD, zeros, pad);
		final += 4 + pad;
	}
	if (key != NULL && b.err == 0 && final <= b.cap && err == 0) {
		/* The header as it will be: additional data for the seal. */
		buf[2] = (uint8_t)((final - STUN_HDR_LEN) >> 8);
		buf[3] = (uint8_t)(final - STUN_HDR_LEN);
		for (i = 0; i < 8; i++)
			v[i] = (uint8_t)(in->seq >> (56 - 8 * i));
		rc = stun_rdv_aead(1, key, in->seq, buf, b.len,
		    pt + STUN_HDR_LEN, ptlen, v + 8);
		if (rc != 0)
			err = rc;
		stun_build_attr(&b, STUN_RDV_ATTR_SEALED, v, vlen);
	} else if (key != NULL && err == 0)
		err = STUN_ERR_NOSPACE;
	stun_build_fingerprint(&b);
	OPENSSL_cleanse(pt, sizeof(pt));
	rc = stun_build_finish(&b);
	return (err != 0 ? err : rc);
}

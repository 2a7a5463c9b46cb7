/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The fleet's records in Redis: member entries, channel messages and the
 * instance registry, built with the bounded writer and read back with
 * the bounded reader.  A record from Redis is as untrusted as a packet:
 * every length is checked before it is used.
 */
#include <string.h>

#include "libstun/buf.h"
#include "libstun/rdvint.h"		/* the name rule of the wire */
#include "clusterwire.h"

#define CW_MAGIC	0x534b	/* "SK" */

static void
cw_addr_put(struct stun_wr *w, const struct stun_addr *a)
{
	stun_wr_u8(w, a->family);
	stun_wr_u16(w, a->port);
	stun_wr_bytes(w, a->ip, a->family == STUN_AF_INET6 ? 16 : 4);
}

static int
cw_addr_get(struct stun_rd *r, struct stun_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (stun_rd_u8(r, &a->family) != 0 || stun_rd_u16(r, &a->port) != 0)
		return (-1);
	if (a->family == STUN_AF_INET)
		return (stun_rd_copy(r, a->ip, 4));
	if (a->family == STUN_AF_INET6)
		return (stun_rd_copy(r, a->ip, 16));
	return (-1);
}

int
cw_build(const struct cw_rec *r, uint8_t *buf, size_t cap)
{
	struct stun_wr	w;
	uint8_t		ess[STUN_HARDNAT_ESS_LEN];
	size_t		n;
	unsigned	i;

	if (r->roomlen == 0 || r->roomlen > STUN_RDV_ROOM_MAX)
		return (-1);
	stun_wr_init(&w, buf, cap);
	stun_wr_u16(&w, CW_MAGIC);
	stun_wr_u8(&w, CW_VERSION);
	stun_wr_u8(&w, r->type);
	stun_wr_u64(&w, r->origin);
	stun_wr_u8(&w, (uint8_t)r->roomlen);
	stun_wr_bytes(&w, r->room, r->roomlen);
	stun_wr_u32(&w, r->member);
	switch (r->type) {
	case CW_JOIN:
		n = strnlen(r->info.name, STUN_RDV_NAME_MAX);
		if (r->info.ncand > STUN_RDV_MEMBER_CANDS)
			return (-1);
		stun_wr_u64(&w, r->go_since);
		stun_wr_u8(&w, (uint8_t)n);
		stun_wr_bytes(&w, r->info.name, n);
		stun_wr_u8(&w, (uint8_t)r->info.ncand);
		for (i = 0; i < r->info.ncand; i++) {
			stun_wr_u8(&w, r->info.cand[i].kind);
			cw_addr_put(&w, &r->info.cand[i].addr);
		}
		stun_wr_u8(&w, r->has_relayed ? 1 : 0);
		if (r->has_relayed)
			cw_addr_put(&w, &r->relayed);
		/* What the member said of its NAT, for a hard-NAT plan. */
		stun_wr_u8(&w, r->info.has_nat ? 1 : 0);
		if (r->info.has_nat) {
			stun_hardnat_ess_encode(&r->info.nat, ess);
			stun_wr_bytes(&w, ess, sizeof(ess));
		}
		break;
	case CW_GO:
	case CW_DELAY:
		stun_wr_u32(&w, r->peer);
		stun_wr_u32(&w, r->value);
		break;
	case CW_LEAVE:
	case CW_TIMEOUT:
		break;
	default:
		return (-1);
	}
	return (w.err ? -1 : (int)w.len);
}

int
cw_parse(const uint8_t *buf, size_t len, struct cw_rec *r)
{
	struct stun_rd	rd;
	uint16_t	magic;
	uint8_t		ver, rl, n, kind;
	uint8_t		ess[STUN_HARDNAT_ESS_LEN];
	unsigned	i;

	memset(r, 0, sizeof(*r));
	stun_rd_init(&rd, buf, len);
	if (stun_rd_u16(&rd, &magic) != 0 || magic != CW_MAGIC ||
	    stun_rd_u8(&rd, &ver) != 0 || ver != CW_VERSION ||
	    stun_rd_u8(&rd, &r->type) != 0 ||
	    stun_rd_u64(&rd, &r->origin) != 0 || r->origin == 0 ||
	    stun_rd_u8(&rd, &rl) != 0 || rl == 0 || rl > STUN_RDV_ROOM_MAX ||
	    stun_rd_copy(&rd, r->room, rl) != 0 ||
	    stun_rd_u32(&rd, &r->member) != 0 || r->member == 0)
		return (-1);
	r->roomlen = rl;
	switch (r->type) {
	case CW_JOIN:
		if (stun_rd_u64(&rd, &r->go_since) != 0 ||
		    stun_rd_u8(&rd, &n) != 0 || n == 0 ||
		    n > STUN_RDV_NAME_MAX ||
		    stun_rd_copy(&rd, r->info.name, n) != 0 ||
		    !stun_rdv_name_ok((const uint8_t *)r->info.name, n) ||
		    stun_rd_u8(&rd, &n) != 0 || n > STUN_RDV_MEMBER_CANDS)
			return (-1);
		r->info.id = r->member;
		r->info.ncand = n;
		for (i = 0; i < n; i++) {
			if (stun_rd_u8(&rd, &kind) != 0 ||
			    kind < STUN_RDV_CAND_HOST ||
			    kind > STUN_RDV_CAND_TCP ||
			    cw_addr_get(&rd, &r->info.cand[i].addr) != 0)
				return (-1);
			r->info.cand[i].kind = kind;
			if (!stun_rdv_cand_ok(&r->info.cand[i]))
				return (-1);
		}
		if (stun_rd_u8(&rd, &n) != 0 || n > 1 ||
		    (n == 1 && (cw_addr_get(&rd, &r->relayed) != 0 ||
		    r->relayed.port == 0)))
			return (-1);
		r->has_relayed = n;
		if (stun_rd_u8(&rd, &n) != 0 || n > 1 ||
		    (n == 1 && (stun_rd_copy(&rd, ess, sizeof(ess)) != 0 ||
		    stun_hardnat_ess_decode(ess, sizeof(ess),
		    &r->info.nat) != 0)))
			return (-1);
		r->info.has_nat = n;
		break;
	case CW_GO:
	case CW_DELAY:
		if (stun_rd_u32(&rd, &r->peer) != 0 || r->peer == 0 ||
		    stun_rd_u32(&rd, &r->value) != 0)
			return (-1);
		break;
	case CW_LEAVE:
	case CW_TIMEOUT:
		break;
	default:
		return (-1);
	}
	return (stun_rd_left(&rd) == 0 ? 0 : -1);
}

int
cw_build_inst(const struct cw_inst *in, uint8_t *buf, size_t cap)
{
	struct stun_wr	w;

	stun_wr_init(&w, buf, cap);
	stun_wr_u16(&w, CW_MAGIC);
	stun_wr_u8(&w, CW_VERSION);
	stun_wr_u8(&w, CW_INSTANCE);
	stun_wr_u64(&w, in->id);
	cw_addr_put(&w, &in->addr);
	stun_wr_u32(&w, in->allocs);
	stun_wr_u32(&w, in->max_allocs);
	stun_wr_u32(&w, in->members);
	stun_wr_u32(&w, in->pps);
	return (w.err ? -1 : (int)w.len);
}

int
cw_parse_inst(const uint8_t *buf, size_t len, struct cw_inst *in)
{
	struct stun_rd	rd;
	uint16_t	magic;
	uint8_t		ver, type;

	memset(in, 0, sizeof(*in));
	stun_rd_init(&rd, buf, len);
	if (stun_rd_u16(&rd, &magic) != 0 || magic != CW_MAGIC ||
	    stun_rd_u8(&rd, &ver) != 0 || ver != CW_VERSION ||
	    stun_rd_u8(&rd, &type) != 0 || type != CW_INSTANCE ||
	    stun_rd_u64(&rd, &in->id) != 0 || in->id == 0 ||
	    cw_addr_get(&rd, &in->addr) != 0 ||
	    stun_rd_u32(&rd, &in->allocs) != 0 ||
	    stun_rd_u32(&rd, &in->max_allocs) != 0 ||
	    stun_rd_u32(&rd, &in->members) != 0 ||
	    stun_rd_u32(&rd, &in->pps) != 0)
		return (-1);
	return (stun_rd_left(&rd) == 0 ? 0 : -1);
}

void
cw_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

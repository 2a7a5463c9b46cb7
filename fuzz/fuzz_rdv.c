/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for the rendezvous codec, version 2.  Random bytes almost
 * never carry a valid seal, so the input describes a message instead:
 * byte 0 picks the method, byte 1 the class, then records of (type: 2
 * bytes, length: 1 byte, value) become attributes, in clear until a record
 * of type 0xFFFF and inside the sealed block after it.  The target seals
 * with a fixed key and adds the fingerprint, so every parser behind the
 * seal is reached.  Whatever opens must be within its bounds and survive
 * a rebuild and a second open; the raw input is decoded as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"
#include "libstun/rdvint.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
rdv_check_bounds(const struct stun_rdv_msg *r)
{
	unsigned	 i;

	FUZZ_ASSERT(r->roomlen == 0 || (r->roomlen >= STUN_RDV_ROOM_MIN &&
	    r->roomlen <= STUN_RDV_ROOM_MAX));
	FUZZ_ASSERT(r->ncand <= STUN_RDV_MAX_CANDS);
	FUZZ_ASSERT(r->nmembers <= STUN_RDV_MAX_MEMBERS);
	FUZZ_ASSERT(memchr(r->name, '\0', sizeof(r->name)) != NULL);
	FUZZ_ASSERT(memchr(r->relay_user, '\0', sizeof(r->relay_user)) !=
	    NULL && memchr(r->relay_pass, '\0', sizeof(r->relay_pass)) != NULL);
	for (i = 0; i < r->ncand; i++)
		FUZZ_ASSERT(r->cand[i].addr.family == STUN_AF_INET ||
		    r->cand[i].addr.family == STUN_AF_INET6);
	for (i = 0; i < r->nmembers; i++)
		FUZZ_ASSERT(r->members[i].ncand <= STUN_RDV_MEMBER_CANDS);
	FUZZ_ASSERT(!(r->flags & STUN_RDV_F_COUNT) ||
	    r->count < STUN_RDV_MAX_MEMBERS);
	FUZZ_ASSERT(!(r->flags & STUN_RDV_F_DELAY) ||
	    r->delay <= STUN_RDV_DELAY_MAX);
}

/* Decode and, when sealed, open; 0 when everything went through. */
static int
rdv_take(const uint8_t *buf, size_t len, const uint8_t *key,
    struct stun_msg *m, struct stun_rdv_msg *r)
{
	if (stun_msg_decode(m, buf, len) != 0 || !stun_rdv_is_rdv(m) ||
	    stun_rdv_decode(m, r) != 0)
		return (-1);
	rdv_check_bounds(r);
	if ((r->flags & STUN_RDV_F_SEALED) && stun_rdv_open(m, key, r) != 0) {
		rdv_check_bounds(r);
		return (-1);
	}
	rdv_check_bounds(r);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t methods[] = { STUN_RDV_REGISTER,
	    STUN_RDV_KEEPALIVE, STUN_RDV_LEAVE, STUN_RDV_MEMBERS, STUN_RDV_GO,
	    STUN_RDV_RESYNC };
	static uint8_t		 buf[8192], pt[4096], v[4096 + 32];
	static uint8_t		 again[STUN_RDV_MSG_MAX];
	static struct stun_rdv_msg r, r2;
	struct stun_builder	 b, ib;
	struct stun_msg		 m, m2;
	uint8_t			 key[STUN_RDV_KEY_LEN], tid[STUN_TID_LEN];
	size_t			 off = 2, alen, ptlen = 0, final;
	uint16_t		 type, method;
	int			 n, sealed = 0, i;

	memset(key, 0x6b, sizeof(key));
	/* The raw bytes, as any datagram would come. */
	(void)rdv_take(data, size, key, &m, &r);
	if (size < 2)
		return (0);
	memset(tid, 0x5a, sizeof(tid));
	method = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
	stun_build_init(&b, buf, sizeof(buf), method, data[1] & 3, tid);
	stun_build_init(&ib, pt, sizeof(pt), method, data[1] & 3, tid);
	while (size - off >= 3) {
		type = (uint16_t)((data[off] << 8) | data[off + 1]);
		alen = data[off + 2];
		off += 3;
		if (alen > size - off)
			alen = size - off;
		if (type == 0xFFFF)
			sealed = 1;
		else
			stun_build_attr(sealed ? &ib : &b, type, data + off,
			    alen);
		off += alen;
	}
	if (sealed) {
		if ((n = stun_build_finish(&ib)) < 0 ||
		    (size_t)n - STUN_HDR_LEN + 8 + STUN_RDV_TAG_LEN >
		    sizeof(v))
			return (0);
		ptlen = (size_t)n - STUN_HDR_LEN;
		final = b.len + 4 + 8 + ptlen + STUN_RDV_TAG_LEN + 8;
		if (b.err != 0 || final > b.cap)
			return (0);
		buf[2] = (uint8_t)((final - STUN_HDR_LEN) >> 8);
		buf[3] = (uint8_t)(final - STUN_HDR_LEN);
		for (i = 0; i < 8; i++)
			v[i] = i == 7 ? 1 : 0;
		FUZZ_ASSERT(stun_rdv_aead(1, key, 1, buf, b.len,
		    pt + STUN_HDR_LEN, ptlen, v + 8) == 0);
		stun_build_attr(&b, STUN_RDV_ATTR_SEALED, v,
		    8 + ptlen + STUN_RDV_TAG_LEN);
	}
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (0);
	if (rdv_take(buf, (size_t)n, key, &m, &r) != 0)
		return (0);
	FUZZ_ASSERT(!sealed || (r.flags & STUN_RDV_F_OPENED));
	/* A wrong key opens nothing. */
	if (sealed) {
		key[0] ^= 1;
		FUZZ_ASSERT(rdv_take(buf, (size_t)n, key, &m2, &r2) != 0);
		key[0] ^= 1;
	}

	/* What was accepted, rebuilt, must open to the same fields. */
	r.pad_to = 0;
	if (r.seq == 0)
		r.seq = 1;
	if ((n = stun_rdv_build(&r, sealed ? key : NULL, again,
	    sizeof(again))) < 0)
		return (0);
	FUZZ_ASSERT(rdv_take(again, (size_t)n, key, &m2, &r2) == 0);
	FUZZ_ASSERT(r2.method == r.method && r2.cls == r.cls);
	FUZZ_ASSERT(r2.ncand == r.ncand && r2.nmembers == r.nmembers);
	FUZZ_ASSERT(strcmp(r2.name, r.name) == 0);
	FUZZ_ASSERT(strcmp(r2.relay_user, r.relay_user) == 0 &&
	    strcmp(r2.relay_pass, r.relay_pass) == 0);
	FUZZ_ASSERT(r2.member_id == r.member_id && r2.epoch == r.epoch);
	FUZZ_ASSERT(memcmp(r2.token, r.token, sizeof(r.token)) == 0 &&
	    memcmp(r2.room_key, r.room_key, sizeof(r.room_key)) == 0);
	return (0);
}

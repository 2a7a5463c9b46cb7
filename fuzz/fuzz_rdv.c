/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for the rendezvous decoder.  Random bytes almost never carry
 * a valid MESSAGE-INTEGRITY-SHA256, so the input describes a message
 * instead: byte 0 picks the method, byte 1 the class, then records of
 * (type: 2 bytes, length: 1 byte, value) become attributes.  The target
 * adds the room, the integrity and the fingerprint, so every attribute
 * parser behind the integrity check is reached.  Whatever it accepts must
 * be within its bounds, and must survive a rebuild and a second decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t fuzz_room[16] = "fuzz-room-id-001";

static void
rdv_check_bounds(const struct stun_rdv_msg *r)
{
	unsigned	 i;

	FUZZ_ASSERT(r->roomlen >= STUN_RDV_ROOM_MIN &&
	    r->roomlen <= STUN_RDV_ROOM_MAX);
	FUZZ_ASSERT(r->ncand <= STUN_RDV_MAX_CANDS);
	FUZZ_ASSERT(r->nmembers <= STUN_RDV_MAX_MEMBERS);
	FUZZ_ASSERT(memchr(r->name, '\0', sizeof(r->name)) != NULL);
	for (i = 0; i < r->ncand; i++)
		FUZZ_ASSERT(r->cand[i].addr.family == STUN_AF_INET ||
		    r->cand[i].addr.family == STUN_AF_INET6);
	for (i = 0; i < r->nmembers; i++)
		FUZZ_ASSERT(r->members[i].ncand <= STUN_RDV_MEMBER_CANDS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t methods[] = { STUN_RDV_REGISTER,
	    STUN_RDV_KEEPALIVE, STUN_RDV_LEAVE, STUN_RDV_MEMBERS, STUN_RDV_GO };
	static uint8_t		 buf[8192], again[STUN_RDV_MSG_MAX];
	static struct stun_rdv_msg r, r2;
	struct stun_builder	 b;
	struct stun_msg		 m, m2;
	uint8_t			 key[STUN_RDV_KEY_LEN], tid[STUN_TID_LEN];
	size_t			 off = 2, alen;
	uint16_t		 type;
	int			 n;

	if (size < 2)
		return (0);
	memset(tid, 0x5a, sizeof(tid));
	stun_build_init(&b, buf, sizeof(buf),
	    methods[data[0] % (sizeof(methods) / sizeof(methods[0]))],
	    data[1] & 3, tid);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, fuzz_room, sizeof(fuzz_room));
	while (size - off >= 3) {
		type = (uint16_t)((data[off] << 8) | data[off + 1]);
		alen = data[off + 2];
		off += 3;
		if (alen > size - off)
			alen = size - off;
		stun_build_attr(&b, type, data + off, alen);
		off += alen;
	}
	FUZZ_ASSERT(stun_rdv_key(fuzz_room, sizeof(fuzz_room), key) == 0);
	stun_build_integrity_sha256(&b, key, sizeof(key), STUN_RDV_KEY_LEN);
	stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (0);
	if (stun_msg_decode(&m, buf, (size_t)n) != 0)
		return (0);
	FUZZ_ASSERT(stun_rdv_is_rdv(&m));
	if (stun_rdv_decode(&m, &r) != 0)
		return (0);
	rdv_check_bounds(&r);
	FUZZ_ASSERT(r.roomlen == sizeof(fuzz_room) &&
	    memcmp(r.room, fuzz_room, sizeof(fuzz_room)) == 0);

	/* What was accepted, rebuilt, must decode to the same fields. */
	if ((n = stun_rdv_build(&r, again, sizeof(again))) < 0)
		return (0);
	FUZZ_ASSERT(stun_msg_decode(&m2, again, (size_t)n) == 0);
	FUZZ_ASSERT(stun_rdv_decode(&m2, &r2) == 0);
	FUZZ_ASSERT(r2.method == r.method && r2.cls == r.cls);
	FUZZ_ASSERT(r2.ncand == r.ncand && r2.nmembers == r.nmembers);
	FUZZ_ASSERT(strcmp(r2.name, r.name) == 0);
	/* The relay credential: NUL-terminated within bounds, and kept. */
	FUZZ_ASSERT(memchr(r.relay_user, '\0', sizeof(r.relay_user)) != NULL &&
	    memchr(r.relay_pass, '\0', sizeof(r.relay_pass)) != NULL);
	FUZZ_ASSERT(strcmp(r2.relay_user, r.relay_user) == 0 &&
	    strcmp(r2.relay_pass, r.relay_pass) == 0);
	FUZZ_ASSERT(r2.member_id == r.member_id && r2.epoch == r.epoch);
	return (0);
}

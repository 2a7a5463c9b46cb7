/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for the typed getters: the input is one attribute (2 bytes of
 * type, 1 byte of flags, then the value), wrapped in a well-formed header
 * so that every input reaches the value codecs.  What a getter accepts must
 * survive a rebuild with the matching builder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/buf.h"
#include "fuzz/invariants.h"

/* The header length field holds at most 0xFFFC. */
#define ATTR_MAX_VALUE	(0xFFFC - 4)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t attr_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae
};

/*
 * Whether a rebuilt message ends like a FINGERPRINT whose header lost a bit
 * or two but whose CRC is right: its last 8 bytes are a header within two
 * bits of FINGERPRINT's (type 0x8028, length 4), then the CRC-32 of all
 * before them xor "STUN".  libstun drops such a message as a damaged
 * FINGERPRINT, by design (a one-in-2^32 chance for an honest value), so a
 * value built into that shape cannot come back; anything else must.
 */
static int
attr_fp_lookalike(const uint8_t *out, int n)
{
	uint32_t	 hdr, got, diff;
	int		 bits;

	if (n < STUN_HDR_LEN + 8)
		return (0);
	hdr = stun_load32(out + n - 8);
	got = stun_load32(out + n - 4);
	for (bits = 0, diff = hdr ^ 0x80280004U; diff != 0; diff &= diff - 1)
		bits++;
	return (bits <= 2 &&
	    got == (stun_crc32(out, (size_t)n - 8) ^ 0x5354554eU));
}

/* A rebuilt message decodes, unless it is a FINGERPRINT look-alike. */
static int
attr_redecode(struct stun_msg *m2, const uint8_t *out, int n)
{
	int	 rc;

	if ((rc = stun_msg_decode(m2, out, (size_t)n)) == 0)
		return (1);
	FUZZ_ASSERT(rc == STUN_ERR_FINGERPRINT && attr_fp_lookalike(out, n));
	return (0);
}

/* Rebuild what a getter returned and read it back: the value must match. */
static void
attr_roundtrip(const struct stun_msg *m, uint16_t type)
{
	struct stun_builder b;
	struct stun_msg	 m2;
	struct stun_addr a, a2;
	uint8_t		 out[128];
	uint32_t	 u32, u32b;
	uint64_t	 u64, u64b;
	int		 n;

	if (stun_msg_get_addr(m, type, &a) == 0) {
		stun_build_init(&b, out, sizeof(out), STUN_METHOD_BINDING,
		    STUN_CLASS_SUCCESS, m->tid);
		stun_build_addr(&b, type, &a);
		if ((n = stun_build_finish(&b)) > 0 &&
		    attr_redecode(&m2, out, n)) {
			FUZZ_ASSERT(stun_msg_get_addr(&m2, type, &a2) == 0);
			FUZZ_ASSERT(stun_addr_equal(&a, &a2));
		}
	}
	if (stun_msg_get_u32(m, type, &u32) == 0) {
		stun_build_init(&b, out, sizeof(out), STUN_METHOD_BINDING,
		    STUN_CLASS_SUCCESS, m->tid);
		stun_build_u32(&b, type, u32);
		if ((n = stun_build_finish(&b)) > 0 &&
		    attr_redecode(&m2, out, n)) {
			FUZZ_ASSERT(stun_msg_get_u32(&m2, type, &u32b) == 0);
			FUZZ_ASSERT(u32 == u32b);
		}
	}
	if (stun_msg_get_u64(m, type, &u64) == 0) {
		stun_build_init(&b, out, sizeof(out), STUN_METHOD_BINDING,
		    STUN_CLASS_SUCCESS, m->tid);
		stun_build_u64(&b, type, u64);
		if ((n = stun_build_finish(&b)) > 0 &&
		    attr_redecode(&m2, out, n)) {
			FUZZ_ASSERT(stun_msg_get_u64(&m2, type, &u64b) == 0);
			FUZZ_ASSERT(u64 == u64b);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg	 m;
	const uint8_t	*val;
	uint8_t		*msg;
	size_t		 vlen, plen, mlen;
	uint16_t	 type;
	uint8_t		 flags;

	if (size < 3)
		return (0);
	type = (uint16_t)((data[0] << 8) | data[1]);
	flags = data[2];
	vlen = size - 3;
	if (vlen > ATTR_MAX_VALUE)
		vlen = ATTR_MAX_VALUE;
	plen = (vlen + 3) & ~(size_t)3;
	mlen = STUN_HDR_LEN + 4 + plen;
	if ((msg = malloc(mlen)) == NULL)
		return (0);

	/* Binding success response; flag 1: RFC 3489 (no cookie). */
	memset(msg, 0, mlen);
	msg[0] = 0x01;
	msg[1] = 0x01;
	msg[2] = (uint8_t)((4 + plen) >> 8);
	msg[3] = (uint8_t)(4 + plen);
	if ((flags & 1) == 0) {
		msg[4] = 0x21;
		msg[5] = 0x12;
		msg[6] = 0xa4;
		msg[7] = 0x42;
	} else
		memcpy(msg + 4, "\x01\x02\x03\x04", 4);
	memcpy(msg + 8, attr_tid, STUN_TID_LEN);
	msg[20] = (uint8_t)(type >> 8);
	msg[21] = (uint8_t)type;
	msg[22] = (uint8_t)(vlen >> 8);
	msg[23] = (uint8_t)vlen;
	memcpy(msg + 24, data + 3, vlen);
	/* Flag 2: non-zero padding, which receivers must ignore. */
	if (flags & 2)
		memset(msg + 24 + vlen, 0xff, plen - vlen);

	if (fuzz_check_decode(msg, mlen) == 0) {
		FUZZ_ASSERT(stun_msg_decode(&m, msg, mlen) == 0);
		fuzz_check_getters(&m, type);
		/* The one attribute is indexed with its value as sent. */
		FUZZ_ASSERT(m.nattrs == 1 && m.attrs[0].type == type);
		FUZZ_ASSERT(stun_msg_get_bytes(&m, type, &val, &plen) == 0);
		FUZZ_ASSERT(plen == vlen && memcmp(val, data + 3, vlen) == 0);
		attr_roundtrip(&m, type);
	}
	free(msg);
	return (0);
}

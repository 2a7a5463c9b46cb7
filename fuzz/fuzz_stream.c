/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for stream framing: the input (after two control bytes) is a
 * byte stream fed to the reassembler in chunks the control bytes choose.
 * Each frame pulled must be exactly the next bytes of the stream and frame
 * on its own; errors must match stun_frame_len() on the held bytes.  The
 * whole input is also tried as a ChannelData datagram.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libstun/stun.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
stream_check_frame(const uint8_t *f, size_t n, int kind, size_t cap)
{
	struct stun_msg	 m;
	const uint8_t	*d;
	uint8_t		*re;
	size_t		 dlen;
	uint16_t	 ch;
	int		 k = 0, rc;

	FUZZ_ASSERT(n <= cap);
	FUZZ_ASSERT(stun_frame_len(f, n, cap, &k) == (int)n && k == kind);
	if (kind == STUN_FRAME_STUN) {
		FUZZ_ASSERT(n >= STUN_HDR_LEN && n % 4 == 0);
		FUZZ_ASSERT(stun_msg_is_stun(f, n) == 1);
		/*
		 * Decoding may fail, but never on the header length; a
		 * wrong FINGERPRINT leaves the header unusable (dropped).
		 */
		rc = stun_msg_decode(&m, f, n);
		if (rc == STUN_ERR_FINGERPRINT)
			FUZZ_ASSERT(!m.hdr_ok);
		else if (rc != STUN_ERR_NOT_STUN)
			FUZZ_ASSERT(m.hdr_ok);
		return;
	}
	FUZZ_ASSERT(kind == STUN_FRAME_CHANNEL && n % 4 == 0);
	FUZZ_ASSERT(stun_chdata_decode(f, n, &ch, &d, &dlen) == 0);
	FUZZ_ASSERT(ch >= STUN_CHANNEL_MIN && ch <= STUN_CHANNEL_ACCEPT_MAX);
	FUZZ_ASSERT(d == f + 4 && dlen <= n - 4 && n - 4 - dlen < 4);
	if ((re = malloc(n)) == NULL)
		return;
	FUZZ_ASSERT(stun_chdata_encode(re, n, ch, d, dlen, 1) == (int)n);
	FUZZ_ASSERT(memcmp(re, f, 4 + dlen) == 0);
	FUZZ_ASSERT(stun_chdata_encode(re, n - 1, ch, d, dlen, 1) ==
	    STUN_ERR_NOSPACE);
	free(re);
}

/* The whole input as a datagram: ChannelData over UDP. */
static void
stream_check_datagram(const uint8_t *data, size_t size)
{
	const uint8_t	*d;
	size_t		 dlen;
	uint16_t	 ch;

	if (stun_chdata_decode(data, size, &ch, &d, &dlen) != 0) {
		FUZZ_ASSERT(d == NULL && dlen == 0 && ch == 0);
		return;
	}
	FUZZ_ASSERT(size >= 4 && d == data + 4 && dlen <= size - 4);
	FUZZ_ASSERT(size - 4 - dlen < 4);
	FUZZ_ASSERT((data[0] << 8 | data[1]) == ch);
	FUZZ_ASSERT((size_t)(data[2] << 8 | data[3]) == dlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_stream s;
	const uint8_t	*in, *f;
	uint8_t		*buf;
	size_t		 n, cap, off = 0, done = 0, chunk, steps;
	uint32_t	 rng;
	int		 r, kind, k;

	stream_check_datagram(data, size);
	if (size < 2)
		return (0);
	/* Buffer from 1 byte to the largest frame; chunk sizes pseudo-random. */
	cap = data[0] == 0xff ? 65540 : 1 + (size_t)data[0] * 4;
	rng = data[1] * 2654435761U + 1;
	in = data + 2;
	n = size - 2;
	if ((buf = malloc(cap)) == NULL)
		return (0);
	stun_stream_init(&s, buf, cap);

	r = STUN_ERR_NEED_MORE;
	for (steps = 0; steps <= n + 1 && r == STUN_ERR_NEED_MORE; steps++) {
		rng = rng * 1103515245U + 12345U;
		chunk = 1 + (rng >> 16) % 97;
		if (chunk > n - off)
			chunk = n - off;
		k = (int)stun_stream_push(&s, in + off, chunk);
		FUZZ_ASSERT((size_t)k <= chunk && s.len <= cap);
		off += (size_t)k;
		/* Pull every whole frame; each is the next bytes of input. */
		while ((r = stun_stream_pull(&s, &f, &kind)) > 0) {
			FUZZ_ASSERT(f >= buf && (size_t)(f - buf) <= cap &&
			    (size_t)r <= cap - (size_t)(f - buf));
			FUZZ_ASSERT((size_t)r <= off - done);
			FUZZ_ASSERT(memcmp(f, in + done, (size_t)r) == 0);
			stream_check_frame(f, (size_t)r, kind, cap);
			done += (size_t)r;
			FUZZ_ASSERT(s.len == off - done);
		}
		FUZZ_ASSERT(f == NULL);
		FUZZ_ASSERT(memcmp(s.buf, in + done, s.len) == 0);
		if (off == n)
			break;
	}
	FUZZ_ASSERT(r == STUN_ERR_NEED_MORE || r == STUN_ERR_NOT_STUN ||
	    r == STUN_ERR_TOO_BIG);
	/* Only an error stops the stream before the input ends. */
	if (r == STUN_ERR_NEED_MORE)
		FUZZ_ASSERT(off == n);
	/* The reassembler agrees with one look at what it holds. */
	k = stun_frame_len(s.buf, s.len, cap, &kind);
	if (r == STUN_ERR_NEED_MORE)
		FUZZ_ASSERT(k == STUN_ERR_NEED_MORE);
	else if (k != r)
		FUZZ_ASSERT(r == STUN_ERR_TOO_BIG && s.len == cap &&
		    k == STUN_ERR_NEED_MORE);
	free(buf);
	return (0);
}

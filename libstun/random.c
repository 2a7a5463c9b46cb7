/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Randomness for transaction ids, nonces and tie breakers: the caller's
 * callback when given (tests script it), else OpenSSL's RAND_bytes.  A
 * failure is an error; there is no weaker fallback.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/rand.h>

#include "stun.h"

/* Bytes per RAND_bytes call; its length argument is an int. */
#define RANDOM_CHUNK	(1 << 20)

int
stun_random(stun_random_fn fn, void *arg, uint8_t *buf, size_t len)
{
	size_t	off, n;

	if (buf == NULL && len > 0)
		return (STUN_ERR_INVALID);
	if (len == 0)
		return (0);
	if (fn != NULL)
		return (fn(arg, buf, len) == 0 ? 0 : STUN_ERR_RANDOM);
	for (off = 0; off < len; off += n) {
		n = len - off > RANDOM_CHUNK ? RANDOM_CHUNK : len - off;
		if (RAND_bytes(buf + off, (int)n) != 1)
			return (STUN_ERR_RANDOM);
	}
	return (0);
}

int
stun_tid_new(stun_random_fn fn, void *arg, uint8_t tid[STUN_TID_LEN])
{
	return (stun_random(fn, arg, tid, STUN_TID_LEN));
}

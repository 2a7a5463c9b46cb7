/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for stund's PROXY protocol v2 decoder: the input is the
 * start of a stream.  A header taken is within the input and at least
 * the fixed 16 bytes, decodes the same from exactly its own bytes, and
 * every shorter prefix of it asks for more; an input refused stays
 * refused with more bytes after it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stund/proxy.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct proxy_hdr	 h, h2;
	uint8_t			*more;
	size_t			 n;
	int			 rc;

	rc = proxy_v2_decode(data, len, &h);
	FUZZ_ASSERT(rc >= -1);
	if (rc > 0) {
		FUZZ_ASSERT((size_t)rc <= len && h.len == (size_t)rc);
		FUZZ_ASSERT(h.len >= PROXY_HDR_MIN && h.len <= PROXY_HDR_MAX);
		FUZZ_ASSERT(!(h.local && h.has_addr));
		if (h.has_addr)
			FUZZ_ASSERT(h.src.family == STUN_AF_INET ||
			    h.src.family == STUN_AF_INET6);
		FUZZ_ASSERT(proxy_v2_decode(data, h.len, &h2) == rc);
		FUZZ_ASSERT(memcmp(&h, &h2, sizeof(h)) == 0);
		for (n = 0; n < h.len; n++)
			FUZZ_ASSERT(proxy_v2_decode(data, n, &h2) == 0);
	} else if (rc == -1) {
		if ((more = malloc(len + 8)) == NULL)
			return (0);
		memcpy(more, data, len);
		memset(more + len, 0xa5, 8);
		FUZZ_ASSERT(proxy_v2_decode(more, len + 8, &h2) == -1);
		free(more);
	}
	return (0);
}

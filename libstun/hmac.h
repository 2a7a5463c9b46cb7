/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * One HMAC over a list of byte spans, through OpenSSL's EVP_MAC: the MAC
 * behind MESSAGE-INTEGRITY(-SHA256), stateless nonces and the rendezvous
 * keys.  Internal.
 */
#ifndef LIBSTUN_HMAC_H
#define LIBSTUN_HMAC_H

#include <stddef.h>
#include <stdint.h>

struct stun_span {
	const void	*p;
	size_t		 len;
};

/*
 * HMAC with digest dg ("SHA1", "SHA256") and key over the n spans in
 * order; out (cap bytes, at least the digest size) receives the full MAC
 * and *outlen its length.  Returns 0 or STUN_ERR_CRYPTO.
 */
int	stun_hmac(const char *dg, const uint8_t *key, size_t keylen,
	    const struct stun_span *spans, size_t n, uint8_t *out, size_t cap,
	    size_t *outlen);

#endif

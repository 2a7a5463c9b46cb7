/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * HMAC over a list of byte spans (EVP_MAC), shared by integrity, nonces
 * and the rendezvous key derivation.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "stun.h"
#include "hmac.h"

int
stun_hmac(const char *dg, const uint8_t *key, size_t keylen,
    const struct stun_span *spans, size_t n, uint8_t *out, size_t cap,
    size_t *outlen)
{
	static const uint8_t	 nokey[1];
	EVP_MAC			*mac = NULL;
	EVP_MAC_CTX		*ctx = NULL;
	OSSL_PARAM		 params[2];
	size_t			 i;
	int			 r = STUN_ERR_CRYPTO;

	*outlen = 0;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)dg, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A NULL key would mean "keep the old key"; use an empty one. */
	if (EVP_MAC_init(ctx, keylen == 0 ? nokey : key, keylen,
	    params) != 1)
		goto out;
	for (i = 0; i < n; i++)
		if (spans[i].len > 0 &&
		    EVP_MAC_update(ctx, spans[i].p, spans[i].len) != 1)
			goto out;
	if (EVP_MAC_final(ctx, out, outlen, cap) != 1)
		goto out;
	r = 0;
 out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return (r);
}

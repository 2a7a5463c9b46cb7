/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to the rendezvous files of libstun: the ChaCha20-Poly1305 seal
 * that the codec (rdv.c) runs over the key material of rdvcrypt.c.
 */
#ifndef LIBSTUN_RDVINT_H
#define LIBSTUN_RDVINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * enc 1: out = ciphertext || tag of in (inlen bytes); enc 0: out = the
 * plaintext of in (ciphertext || tag, inlen >= 16).  The nonce is four
 * zero bytes and seq.  Returns 0, STUN_ERR_INTEGRITY (open failed),
 * STUN_ERR_INVALID or STUN_ERR_CRYPTO.
 */
int	stun_rdv_aead(int enc, const uint8_t *key, uint64_t seq,
	    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
	    uint8_t *out);

struct stun_rdv_cand;
/* A candidate we can send: known kind and family.  1 or 0. */
int	stun_rdv_cand_ok(const struct stun_rdv_cand *c);
/* A display name: 1..32 bytes of UTF-8 without controls.  1 or 0. */
int	stun_rdv_name_ok(const uint8_t *p, size_t n);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The RFC 5769 and RFC 8489 B.1 vectors, defined in tests/libstun_vectors.c
 * and shared with tests/libstun_mutate.c.
 */
#ifndef TESTS_LIBSTUN_VECTORS_H
#define TESTS_LIBSTUN_VECTORS_H

#include <stdint.h>

#include "libstun/stun.h"

/* RFC 5769 2.1-2.3: short-term password. */
#define RFC5769_PASSWORD	"VOkJxbRl1RmTxUk/WvJxBt"
/* RFC 8489 B.1 nonce. */
#define RFC8489_NONCE		"obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"

extern const uint8_t rfc5769_tid[STUN_TID_LEN];
extern const uint8_t rfc8489_tid[STUN_TID_LEN];	/* also RFC 5769 2.4 */
extern const uint8_t rfc5769_request[108];
extern const uint8_t rfc5769_resp4[80];
extern const uint8_t rfc5769_resp6[92];
extern const uint8_t rfc5769_lt[116];
extern const uint8_t rfc8489_b1_published[156];
extern const uint8_t rfc8489_b1_fixed[164];

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The attribute table: every attribute libstun knows, with its name, the
 * value lengths it may have on the wire, and its value shape.  Internal.
 */
#ifndef LIBSTUN_ATTR_H
#define LIBSTUN_ATTR_H

#include <stddef.h>
#include <stdint.h>

enum stun_attr_kind {
	STUN_AK_ADDR,		/* family + port + address */
	STUN_AK_XADDR,		/* the same, XORed */
	STUN_AK_U32,
	STUN_AK_U64,
	STUN_AK_BYTES,		/* opaque */
	STUN_AK_STRING,		/* UTF-8 text */
	STUN_AK_ERROR,		/* ERROR-CODE, ADDRESS-ERROR-CODE */
	STUN_AK_LIST16,		/* UNKNOWN-ATTRIBUTES */
	STUN_AK_EMPTY,
	STUN_AK_SMALL,		/* a few bytes + RFFU (CHANNEL-NUMBER, ...) */
	STUN_AK_PWALG,		/* PASSWORD-ALGORITHM(S) */
	STUN_AK_MAC		/* MI, MI-SHA256, FINGERPRINT */
};

struct stun_attr_info {
	uint16_t	 type;
	uint8_t		 kind;
	uint16_t	 minlen;
	uint16_t	 maxlen;
	const char	*name;
};

/* The entry for type, or NULL when libstun does not know it. */
const struct stun_attr_info *stun_attr_info(uint16_t type);

struct stun_rd;
struct stun_wr;
struct stun_addr;

/*
 * Address values (RFC 8489 14.1, 14.2): a leading byte (reserved, zero in
 * STUN attributes; the candidate kind in rendezvous lists), family, port,
 * address; xor applies the magic cookie (and tid for IPv6).  The reader
 * must hold exactly one value; lead may be NULL.
 */
int	stun_addr_decode(struct stun_rd *r, int xor, const uint8_t *tid,
	    struct stun_addr *out, uint8_t *lead);
void	stun_addr_encode(struct stun_wr *w, int xor, const uint8_t *tid,
	    const struct stun_addr *a, uint8_t lead);
/* RFC 3629 UTF-8 without NUL: 1 when valid. */
int	stun_utf8_valid(const uint8_t *p, size_t len);
/*
 * After the attribute walk of m (result rc): 1 when the message ends with
 * a FINGERPRINT, or a damaged one, that is wrong, so that it is dropped.
 */
struct stun_msg;
int	stun_fp_damaged(const struct stun_msg *m, int rc);

#endif

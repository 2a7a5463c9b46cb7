/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Bounded reader and writer for wire bytes.  This is the only code in
 * libstun that does arithmetic on packet pointers: everything else reads
 * through struct stun_rd and writes through struct stun_wr.  Internal.
 */
#ifndef LIBSTUN_BUF_H
#define LIBSTUN_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Reader: each getter returns 0 or STUN_ERR_TRUNCATED and moves only on 0. */
struct stun_rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

void	stun_rd_init(struct stun_rd *r, const uint8_t *p, size_t len);
size_t	stun_rd_left(const struct stun_rd *r);
int	stun_rd_u8(struct stun_rd *r, uint8_t *v);
int	stun_rd_u16(struct stun_rd *r, uint16_t *v);
int	stun_rd_u32(struct stun_rd *r, uint32_t *v);
int	stun_rd_u64(struct stun_rd *r, uint64_t *v);
int	stun_rd_copy(struct stun_rd *r, void *out, size_t n);
/* Point *out at the next n bytes (no copy) and skip them. */
int	stun_rd_ptr(struct stun_rd *r, size_t n, const uint8_t **out);
int	stun_rd_skip(struct stun_rd *r, size_t n);
/* A sub-reader over the next n bytes, which are skipped in r. */
int	stun_rd_sub(struct stun_rd *r, size_t n, struct stun_rd *sub);

/* Writer: the first failure (STUN_ERR_NOSPACE) sticks in err. */
struct stun_wr {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 err;
};

void	stun_wr_init(struct stun_wr *w, uint8_t *p, size_t cap);
void	stun_wr_u8(struct stun_wr *w, uint8_t v);
void	stun_wr_u16(struct stun_wr *w, uint16_t v);
void	stun_wr_u32(struct stun_wr *w, uint32_t v);
void	stun_wr_u64(struct stun_wr *w, uint64_t v);
void	stun_wr_bytes(struct stun_wr *w, const void *v, size_t n);
void	stun_wr_zero(struct stun_wr *w, size_t n);
/* Overwrite 2 bytes at off < len (header length patching). */
void	stun_wr_set16(struct stun_wr *w, size_t off, uint16_t v);

/* Big-endian loads from a span the caller has bounds-checked. */
uint16_t stun_load16(const uint8_t *p);
uint32_t stun_load32(const uint8_t *p);
/* Big-endian stores into a span the caller has bounds-checked. */
void	stun_store16(uint8_t *p, uint16_t v);
void	stun_store32(uint8_t *p, uint32_t v);
void	stun_store64(uint8_t *p, uint64_t v);

#endif

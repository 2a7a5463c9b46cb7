/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Bounded reader and writer for wire bytes.  Bounds are written as
 * "n > len - off" so that no addition can overflow.
 */
#include <string.h>

#include "stun.h"
#include "buf.h"

void
stun_rd_init(struct stun_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p == NULL ? 0 : len;
	r->off = 0;
}

size_t
stun_rd_left(const struct stun_rd *r)
{
	return (r->len - r->off);
}

int
stun_rd_ptr(struct stun_rd *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return (STUN_ERR_TRUNCATED);
	*out = r->p + r->off;
	r->off += n;
	return (0);
}

int
stun_rd_skip(struct stun_rd *r, size_t n)
{
	const uint8_t	*p;

	return (stun_rd_ptr(r, n, &p));
}

int
stun_rd_copy(struct stun_rd *r, void *out, size_t n)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, n, &p)) != 0)
		return (rc);
	if (n > 0)
		memcpy(out, p, n);
	return (0);
}

int
stun_rd_sub(struct stun_rd *r, size_t n, struct stun_rd *sub)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, n, &p)) != 0)
		return (rc);
	stun_rd_init(sub, p, n);
	return (0);
}

int
stun_rd_u8(struct stun_rd *r, uint8_t *v)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, 1, &p)) != 0)
		return (rc);
	*v = p[0];
	return (0);
}

int
stun_rd_u16(struct stun_rd *r, uint16_t *v)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, 2, &p)) != 0)
		return (rc);
	*v = stun_load16(p);
	return (0);
}

int
stun_rd_u32(struct stun_rd *r, uint32_t *v)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, 4, &p)) != 0)
		return (rc);
	*v = stun_load32(p);
	return (0);
}

int
stun_rd_u64(struct stun_rd *r, uint64_t *v)
{
	const uint8_t	*p;
	int		 rc;

	if ((rc = stun_rd_ptr(r, 8, &p)) != 0)
		return (rc);
	*v = ((uint64_t)stun_load32(p) << 32) | stun_load32(p + 4);
	return (0);
}

uint16_t
stun_load16(const uint8_t *p)
{
	return ((uint16_t)((p[0] << 8) | p[1]));
}

uint32_t
stun_load32(const uint8_t *p)
{
	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3]);
}

void
stun_store16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
stun_store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
stun_store64(uint8_t *p, uint64_t v)
{
	stun_store32(p, (uint32_t)(v >> 32));
	stun_store32(p + 4, (uint32_t)v);
}

void
stun_wr_init(struct stun_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p == NULL ? 0 : cap;
	w->len = 0;
	w->err = 0;
}

static uint8_t *
stun_wr_reserve(struct stun_wr *w, size_t n)
{
	uint8_t	*p;

	if (w->err != 0)
		return (NULL);
	if (n > w->cap - w->len) {
		w->err = STUN_ERR_NOSPACE;
		return (NULL);
	}
	p = w->p + w->len;
	w->len += n;
	return (p);
}

void
stun_wr_u8(struct stun_wr *w, uint8_t v)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, 1)) != NULL)
		p[0] = v;
}

void
stun_wr_u16(struct stun_wr *w, uint16_t v)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, 2)) != NULL)
		stun_store16(p, v);
}

void
stun_wr_u32(struct stun_wr *w, uint32_t v)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, 4)) != NULL)
		stun_store32(p, v);
}

void
stun_wr_u64(struct stun_wr *w, uint64_t v)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, 8)) != NULL)
		stun_store64(p, v);
}

void
stun_wr_bytes(struct stun_wr *w, const void *v, size_t n)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, n)) != NULL && n > 0)
		memcpy(p, v, n);
}

void
stun_wr_zero(struct stun_wr *w, size_t n)
{
	uint8_t	*p;

	if ((p = stun_wr_reserve(w, n)) != NULL && n > 0)
		memset(p, 0, n);
}

void
stun_wr_set16(struct stun_wr *w, size_t off, uint16_t v)
{
	if (w->err != 0)
		return;
	if (off > w->len || 2 > w->len - off) {
		w->err = STUN_ERR_INVALID;
		return;
	}
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

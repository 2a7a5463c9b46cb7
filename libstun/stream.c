/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Framing of STUN messages and TURN ChannelData on TCP/TLS streams (RFC 8489
 * 6.2.2, RFC 8656 12.5), ChannelData encode and decode, and a bounded
 * reassembler that hands out whole frames from the caller's buffer.
 */
#include <string.h>

#include "libstun/stun.h"
#include "libstun/buf.h"

#define PAD4(n)		(((n) + 3) & ~(size_t)3)
#define CHDATA_HDR	(4)

/* The first byte alone tells a channel 0x4000..0x7FFF (see stun.h). */
static int
stream_first(uint8_t b0, int *kind)
{
	if ((b0 & 0xC0) == 0x00)
		*kind = STUN_FRAME_STUN;
	else if (b0 >= (STUN_CHANNEL_MIN >> 8) &&
	    b0 <= (STUN_CHANNEL_ACCEPT_MAX >> 8))
		*kind = STUN_FRAME_CHANNEL;
	else
		return (STUN_ERR_NOT_STUN);
	return (0);
}

int
stun_frame_len(const uint8_t *buf, size_t len, size_t max, int *kind)
{
	struct stun_rd	r;
	uint16_t	flen16;
	uint8_t		b0;
	size_t		flen;
	int		k, ret;

	if (kind != NULL)
		*kind = 0;
	if (buf == NULL && len != 0)
		return (STUN_ERR_INVALID);
	stun_rd_init(&r, buf, len);
	if (stun_rd_u8(&r, &b0) != 0)
		return (STUN_ERR_NEED_MORE);
	if ((ret = stream_first(b0, &k)) != 0)
		return (ret);
	if (stun_rd_skip(&r, 1) != 0 || stun_rd_u16(&r, &flen16) != 0)
		return (STUN_ERR_NEED_MORE);

	if (k == STUN_FRAME_STUN) {
		/* RFC 8489 5: the length is a multiple of 4. */
		if (flen16 % 4 != 0)
			return (STUN_ERR_NOT_STUN);
		flen = STUN_HDR_LEN + (size_t)flen16;
	} else
		flen = PAD4(CHDATA_HDR + (size_t)flen16);

	if (flen > max)
		return (STUN_ERR_TOO_BIG);
	if (flen > len)
		return (STUN_ERR_NEED_MORE);
	if (kind != NULL)
		*kind = k;
	return ((int)flen);
}

int
stun_chdata_decode(const uint8_t *buf, size_t len, uint16_t *ch,
    const uint8_t **data, size_t *datalen)
{
	struct stun_rd	 r;
	const uint8_t	*p;
	uint16_t	 c, n;

	if (ch != NULL)
		*ch = 0;
	if (data != NULL)
		*data = NULL;
	if (datalen != NULL)
		*datalen = 0;
	if (buf == NULL && len != 0)
		return (STUN_ERR_INVALID);

	stun_rd_init(&r, buf, len);
	if (stun_rd_u16(&r, &c) != 0 || stun_rd_u16(&r, &n) != 0)
		return (STUN_ERR_TRUNCATED);
	if (c < STUN_CHANNEL_MIN || c > STUN_CHANNEL_ACCEPT_MAX)
		return (STUN_ERR_NOT_STUN);
	/* RFC 8656 12.5: a datagram too short for its length is dropped. */
	if (stun_rd_ptr(&r, n, &p) != 0)
		return (STUN_ERR_TRUNCATED);
	/* Only the padding to a multiple of 4 may follow. */
	if (stun_rd_left(&r) > PAD4(n) - n)
		return (STUN_ERR_PADDING);

	if (ch != NULL)
		*ch = c;
	if (data != NULL)
		*data = p;
	if (datalen != NULL)
		*datalen = n;
	return (0);
}

int
stun_chdata_encode(uint8_t *out, size_t cap, uint16_t ch,
    const uint8_t *data, size_t datalen, int pad)
{
	struct stun_wr	w;
	size_t		total;

	if (out == NULL || (data == NULL && datalen != 0))
		return (STUN_ERR_INVALID);
	if (ch < STUN_CHANNEL_MIN || ch > STUN_CHANNEL_ACCEPT_MAX ||
	    datalen > 0xFFFF)
		return (STUN_ERR_INVALID);
	total = CHDATA_HDR + datalen;
	if (pad)
		total = PAD4(total);
	if (total > cap)
		return (STUN_ERR_NOSPACE);

	/* The data may already sit in out (built in place): move it first. */
	if (datalen != 0)
		memmove(out + CHDATA_HDR, data, datalen);
	memset(out + CHDATA_HDR + datalen, 0, total - CHDATA_HDR - datalen);
	stun_wr_init(&w, out, CHDATA_HDR);
	stun_wr_u16(&w, ch);
	stun_wr_u16(&w, (uint16_t)datalen);
	if (w.err != 0)
		return (w.err);
	return ((int)total);
}

void
stun_stream_init(struct stun_stream *s, uint8_t *buf, size_t cap)
{
	if (s == NULL)
		return;
	s->buf = buf;
	s->cap = buf == NULL ? 0 : cap;
	s->len = 0;
}

size_t
stun_stream_push(struct stun_stream *s, const uint8_t *p, size_t n)
{
	size_t	room;

	if (s == NULL || s->buf == NULL || p == NULL || s->len > s->cap)
		return (0);
	room = s->cap - s->len;
	if (n > room)
		n = room;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return (n);
}

static void
stream_reverse(uint8_t *p, size_t n)
{
	uint8_t	c;
	size_t	i;

	for (i = 0; i < n / 2; i++) {
		c = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = c;
	}
}

int
stun_stream_pull(struct stun_stream *s, const uint8_t **frame, int *kind)
{
	size_t	f, rest;
	int	ret, k;

	if (frame != NULL)
		*frame = NULL;
	if (s == NULL || frame == NULL || s->buf == NULL || s->len > s->cap)
		return (STUN_ERR_INVALID);
	ret = stun_frame_len(s->buf, s->len, s->cap, &k);
	/* Full, yet not even the header fits: no push can ever help. */
	if (ret == STUN_ERR_NEED_MORE && s->len == s->cap)
		ret = STUN_ERR_TOO_BIG;
	if (ret < 0)
		return (ret);

	/*
	 * The frame leaves the buffered bytes but must stay readable until
	 * the next push or pull: park it in the free space behind them.
	 */
	f = (size_t)ret;
	rest = s->len - f;
	if (rest == 0)
		*frame = s->buf;
	else if (s->cap - s->len >= f) {
		memcpy(s->buf + s->cap - f, s->buf, f);
		memmove(s->buf, s->buf + f, rest);
		*frame = s->buf + s->cap - f;
	} else {
		/* No room to copy: rotate frame and rest in place. */
		stream_reverse(s->buf, f);
		stream_reverse(s->buf + f, rest);
		stream_reverse(s->buf, s->len);
		*frame = s->buf + rest;
	}
	s->len = rest;
	if (kind != NULL)
		*kind = k;
	return (ret);
}

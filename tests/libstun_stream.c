/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_stream: framing of STUN and ChannelData on streams, ChannelData
 * encode/decode, and the bounded reassembler fed at every split point.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "suites.h"

/* RFC 5769 2.1 sample request, 108 bytes. */
static const uint8_t req5769[] = {
	0x00, 0x01, 0x00, 0x58,		/* Binding request, length 88 */
	0x21, 0x12, 0xa4, 0x42,		/* magic cookie */
	0xb7, 0xe7, 0xa7, 0x01,		/* transaction id */
	0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x10,		/* SOFTWARE, 16 */
	0x53, 0x54, 0x55, 0x4e,		/* "STUN test client" */
	0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c,
	0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04,		/* PRIORITY, 4 */
	0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08,		/* ICE-CONTROLLED, 8 */
	0x93, 0x2f, 0xf9, 0xb1,
	0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09,		/* USERNAME, 9 */
	0x65, 0x76, 0x74, 0x6a,		/* "evtj:h6vY" + padding */
	0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20,
	0x00, 0x08, 0x00, 0x14,		/* MESSAGE-INTEGRITY, 20 */
	0x9a, 0xea, 0xa7, 0x0c,
	0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5,
	0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2,
	0x80, 0x28, 0x00, 0x04,		/* FINGERPRINT, 4 */
	0xe5, 0x7a, 0x3b, 0xcf,
};

/* ChannelData on channel 0x4001 with 5 bytes, padded to 12 on a stream. */
static const uint8_t chd5[] = {
	0x40, 0x01, 0x00, 0x05,		/* channel, length 5 */
	0x68, 0x65, 0x6c, 0x6c,		/* "hello" */
	0x6f, 0x00, 0x00, 0x00,		/* + 3 bytes of padding */
};

START_TEST(frame_len_stun_and_channel)
{
	int	kind = 0;

	ck_assert_int_eq(stun_frame_len(req5769, sizeof(req5769), 65535,
	    &kind), 108);
	ck_assert_int_eq(kind, STUN_FRAME_STUN);
	kind = 0;
	ck_assert_int_eq(stun_frame_len(chd5, sizeof(chd5), 65535, &kind),
	    12);
	ck_assert_int_eq(kind, STUN_FRAME_CHANNEL);
}
END_TEST

START_TEST(frame_len_needs_more_at_every_prefix)
{
	size_t	i;
	int	kind = 0;

	for (i = 0; i < sizeof(req5769); i++)
		ck_assert_int_eq(stun_frame_len(req5769, i, 65535, &kind),
		    STUN_ERR_NEED_MORE);
	for (i = 0; i < sizeof(chd5); i++)
		ck_assert_int_eq(stun_frame_len(chd5, i, 65535, &kind),
		    STUN_ERR_NEED_MORE);
	ck_assert_int_eq(kind, 0);
}
END_TEST

START_TEST(frame_len_rejects_garbage)
{
	static const uint8_t odd_len[] = { 0x00, 0x01, 0x00, 0x05 };
	static const uint8_t top10[] = { 0x80, 0x01, 0x00, 0x00 };
	static const uint8_t top11[] = { 0xc0, 0x01, 0x00, 0x00 };
	static const uint8_t ch8000[] = { 0x80, 0x00, 0x00, 0x00 };
	int	kind = 0;

	ck_assert_int_eq(stun_frame_len(odd_len, 4, 65535, &kind),
	    STUN_ERR_NOT_STUN);
	/* The first byte is enough to refuse. */
	ck_assert_int_eq(stun_frame_len(top10, 1, 65535, &kind),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_frame_len(top11, 4, 65535, &kind),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_frame_len(ch8000, 1, 65535, &kind),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(kind, 0);
}
END_TEST

START_TEST(frame_len_too_big_known_from_header)
{
	static const uint8_t big[] = { 0x00, 0x01, 0xff, 0xfc };
	static const uint8_t bigch[] = { 0x4f, 0xff, 0xff, 0xff };

	/* 20 + 65532 = 65552. */
	ck_assert_int_eq(stun_frame_len(big, 4, 1024, NULL), STUN_ERR_TOO_BIG);
	ck_assert_int_eq(stun_frame_len(big, 4, 65551, NULL),
	    STUN_ERR_TOO_BIG);
	ck_assert_int_eq(stun_frame_len(big, 4, 65552, NULL),
	    STUN_ERR_NEED_MORE);
	/* 4 + 65535 padded is 65540. */
	ck_assert_int_eq(stun_frame_len(bigch, 4, 65539, NULL),
	    STUN_ERR_TOO_BIG);
	ck_assert_int_eq(stun_frame_len(bigch, 4, 65540, NULL),
	    STUN_ERR_NEED_MORE);
	ck_assert_int_eq(stun_frame_len(req5769, sizeof(req5769), 107, NULL),
	    STUN_ERR_TOO_BIG);
}
END_TEST

START_TEST(chdata_decode_padding_rules)
{
	const uint8_t	*data;
	size_t		 n;
	uint16_t	 ch;
	uint8_t		 buf[16];
	int		 kind = 0;

	ck_assert_int_eq(stun_chdata_decode(chd5, sizeof(chd5), &ch, &data,
	    &n), 0);
	ck_assert_uint_eq(ch, 0x4001);
	ck_assert_uint_eq(n, 5);
	ck_assert(data == chd5 + 4);
	ck_assert_int_eq(memcmp(data, "hello", 5), 0);
	/* Unpadded, as over UDP. */
	ck_assert_int_eq(stun_chdata_decode(chd5, 9, &ch, &data, &n), 0);
	ck_assert_uint_eq(n, 5);
	/* Short of its length: dropped, outputs cleared. */
	ck_assert_int_eq(stun_chdata_decode(chd5, 8, &ch, &data, &n),
	    STUN_ERR_TRUNCATED);
	ck_assert_uint_eq(ch, 0);
	ck_assert_ptr_null(data);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(stun_chdata_decode(chd5, 3, &ch, &data, &n),
	    STUN_ERR_TRUNCATED);
	/* More than the padding after the data. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, chd5, sizeof(chd5));
	ck_assert_int_eq(stun_chdata_decode(buf, 13, &ch, &data, &n),
	    STUN_ERR_PADDING);
	/* Channel numbers outside 0x4000..0x7FFF. */
	buf[0] = 0x3f;
	buf[1] = 0xff;
	ck_assert_int_eq(stun_chdata_decode(buf, 12, &ch, &data, &n),
	    STUN_ERR_NOT_STUN);
	buf[0] = 0x80;
	buf[1] = 0x00;
	ck_assert_int_eq(stun_chdata_decode(buf, 12, &ch, &data, &n),
	    STUN_ERR_NOT_STUN);
	/* RFC 5766 clients (coturn's) use up to 0x7FFF: accepted. */
	buf[0] = 0x7f;
	buf[1] = 0xff;
	ck_assert_int_eq(stun_chdata_decode(buf, 12, &ch, &data, &n), 0);
	ck_assert_uint_eq(ch, 0x7fff);
	ck_assert_int_eq(stun_frame_len(buf, 12, 65535, &kind),
	    (int)12);
	ck_assert_int_eq(kind, STUN_FRAME_CHANNEL);
}
END_TEST

START_TEST(chdata_encode_pads_and_bounds)
{
	uint8_t	out[16];

	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x4001,
	    (const uint8_t *)"hello", 5, 1), 12);
	ck_assert_int_eq(memcmp(out, chd5, sizeof(chd5)), 0);
	ck_assert_uint_eq(out[12], 0xaa);
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x4001,
	    (const uint8_t *)"hello", 5, 0), 9);
	ck_assert_int_eq(memcmp(out, chd5, 9), 0);
	ck_assert_uint_eq(out[9], 0xaa);
	ck_assert_int_eq(stun_chdata_encode(out, 11, 0x4001,
	    (const uint8_t *)"hello", 5, 1), STUN_ERR_NOSPACE);
	ck_assert_int_eq(stun_chdata_encode(out, 9, 0x4001,
	    (const uint8_t *)"hello", 5, 0), 9);
	ck_assert_int_eq(stun_chdata_encode(out, 8, 0x4001,
	    (const uint8_t *)"hello", 5, 0), STUN_ERR_NOSPACE);
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x3fff,
	    (const uint8_t *)"hello", 5, 0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x8000,
	    (const uint8_t *)"hello", 5, 0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x7fff,
	    (const uint8_t *)"hello", 5, 0), 9);
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x4000, NULL,
	    0, 1), 4);
	/* In place: the data already sits after the header. */
	memcpy(out + 4, "hello", 5);
	ck_assert_int_eq(stun_chdata_encode(out, sizeof(out), 0x4001,
	    out + 4, 5, 1), 12);
	ck_assert_int_eq(memcmp(out, chd5, sizeof(chd5)), 0);
}
END_TEST

/* req5769 then chd5 then req5769, one byte stream. */
static size_t
three_frames(uint8_t *out)
{
	memcpy(out, req5769, sizeof(req5769));
	memcpy(out + sizeof(req5769), chd5, sizeof(chd5));
	memcpy(out + sizeof(req5769) + sizeof(chd5), req5769,
	    sizeof(req5769));
	return (2 * sizeof(req5769) + sizeof(chd5));
}

static void
expect_frame(struct stun_stream *s, const uint8_t *want, size_t len,
    int wantkind)
{
	const uint8_t	*f;
	int		 kind = 0;

	ck_assert_int_eq(stun_stream_pull(s, &f, &kind), (int)len);
	ck_assert_int_eq(kind, wantkind);
	ck_assert_int_eq(memcmp(f, want, len), 0);
}

/* Split the three frames at every pair of byte boundaries. */
START_TEST(stream_split_at_every_boundary)
{
	struct stun_stream s;
	uint8_t		 in[256], buf[512];
	const uint8_t	*f;
	size_t		 n, i, j;

	n = three_frames(in);
	for (i = 0; i <= n; i++) {
		for (j = i; j <= n; j += 7) {
			stun_stream_init(&s, buf, sizeof(buf));
			ck_assert_uint_eq(stun_stream_push(&s, in, i), i);
			if (i < sizeof(req5769))
				ck_assert_int_eq(stun_stream_pull(&s, &f, NULL),
				    STUN_ERR_NEED_MORE);
			ck_assert_uint_eq(stun_stream_push(&s, in + i, j - i),
			    j - i);
			ck_assert_uint_eq(stun_stream_push(&s, in + j, n - j),
			    n - j);
			expect_frame(&s, req5769, sizeof(req5769),
			    STUN_FRAME_STUN);
			expect_frame(&s, chd5, sizeof(chd5),
			    STUN_FRAME_CHANNEL);
			expect_frame(&s, req5769, sizeof(req5769),
			    STUN_FRAME_STUN);
			ck_assert_int_eq(stun_stream_pull(&s, &f, NULL),
			    STUN_ERR_NEED_MORE);
			ck_assert_uint_eq(s.len, 0);
		}
	}
}
END_TEST

/* Byte by byte, pulling after each byte: each frame appears exactly once. */
START_TEST(stream_byte_by_byte)
{
	struct stun_stream s;
	uint8_t		 in[256], buf[128];
	const uint8_t	*f;
	size_t		 n, i, got = 0;
	int		 r, frames = 0;

	n = three_frames(in);
	/* A buffer just big enough for one frame at a time. */
	stun_stream_init(&s, buf, sizeof(req5769));
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(stun_stream_push(&s, in + i, 1), 1);
		r = stun_stream_pull(&s, &f, NULL);
		if (r == STUN_ERR_NEED_MORE)
			continue;
		ck_assert_int_gt(r, 0);
		ck_assert_int_eq(memcmp(f, in + got, (size_t)r), 0);
		got += (size_t)r;
		ck_assert_uint_eq(got, i + 1);
		frames++;
	}
	ck_assert_int_eq(frames, 3);
	ck_assert_uint_eq(got, n);
}
END_TEST

/* The frame stays intact while the rest is moved, even in a full buffer. */
START_TEST(stream_frame_survives_compaction)
{
	struct stun_stream s;
	uint8_t		 in[256], buf[512];
	const uint8_t	*f;
	size_t		 n, cap, k;

	n = three_frames(in);
	/* Exactly full (rotation path) and roomy (copy path). */
	for (k = 0; k < 2; k++) {
		cap = k == 0 ? n : sizeof(buf);
		stun_stream_init(&s, buf, cap);
		ck_assert_uint_eq(stun_stream_push(&s, in, n), n);
		ck_assert_int_eq(stun_stream_pull(&s, &f, NULL),
		    (int)sizeof(req5769));
		ck_assert_int_eq(memcmp(f, req5769, sizeof(req5769)), 0);
		ck_assert_uint_eq(s.len, n - sizeof(req5769));
		ck_assert_int_eq(memcmp(s.buf, chd5, sizeof(chd5)), 0);
		ck_assert_int_eq(stun_stream_pull(&s, &f, NULL),
		    (int)sizeof(chd5));
		ck_assert_int_eq(memcmp(f, chd5, sizeof(chd5)), 0);
		expect_frame(&s, req5769, sizeof(req5769), STUN_FRAME_STUN);
	}
}
END_TEST

START_TEST(stream_full_buffer_takes_nothing)
{
	struct stun_stream s;
	uint8_t		 buf[16];
	const uint8_t	*f;

	stun_stream_init(&s, buf, sizeof(buf));
	ck_assert_uint_eq(stun_stream_push(&s, req5769, sizeof(req5769)), 16);
	ck_assert_uint_eq(stun_stream_push(&s, req5769 + 16, 1), 0);
	ck_assert_uint_eq(s.len, 16);
	/* The 108-byte frame can never fit: fatal. */
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_TOO_BIG);
	ck_assert_ptr_null(f);
}
END_TEST

/* Regress: a buffer smaller than a frame header filled up and said "more". */
START_TEST(stream_tiny_buffer_full_is_fatal)
{
	struct stun_stream s;
	uint8_t		 buf[3];
	const uint8_t	*f;

	stun_stream_init(&s, buf, 1);
	ck_assert_uint_eq(stun_stream_push(&s, req5769, sizeof(req5769)), 1);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_TOO_BIG);
	stun_stream_init(&s, buf, sizeof(buf));
	ck_assert_uint_eq(stun_stream_push(&s, chd5, 2), 2);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_NEED_MORE);
	ck_assert_uint_eq(stun_stream_push(&s, chd5 + 2, 10), 1);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_TOO_BIG);
}
END_TEST

START_TEST(stream_garbage_is_fatal)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	struct stun_stream s;
	uint8_t		 buf[64];
	const uint8_t	*f;

	stun_stream_init(&s, buf, sizeof(buf));
	stun_stream_push(&s, http, sizeof(http) - 1);
	/* 'G' is 0x47: a channel in range; its length 0x5420 is too big. */
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_TOO_BIG);
	stun_stream_init(&s, buf, sizeof(buf));
	stun_stream_push(&s, (const uint8_t *)"\x16\x03\x01\x02\x01", 5);
	/* A TLS record: STUN-like, but length 0x0201 is not a multiple of 4. */
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_NOT_STUN);
	stun_stream_init(&s, buf, sizeof(buf));
	stun_stream_push(&s, (const uint8_t *)"\xff", 1);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_NOT_STUN);
}
END_TEST

START_TEST(stream_oversize_channeldata)
{
	struct stun_stream s;
	uint8_t		 buf[64], in[8] = { 0x40, 0x00, 0x00, 0x3d };
	const uint8_t	*f;

	/* 4 + 61 padded is 68 > 64. */
	stun_stream_init(&s, buf, sizeof(buf));
	stun_stream_push(&s, in, 4);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_TOO_BIG);
	/* 4 + 60 = 64 fits exactly. */
	in[3] = 0x3c;
	stun_stream_init(&s, buf, sizeof(buf));
	stun_stream_push(&s, in, 4);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_NEED_MORE);
}
END_TEST

START_TEST(stream_bad_arguments)
{
	struct stun_stream s;
	const uint8_t	*f;

	stun_stream_init(&s, NULL, 100);
	ck_assert_uint_eq(s.cap, 0);
	ck_assert_uint_eq(stun_stream_push(&s, req5769, 4), 0);
	ck_assert_int_eq(stun_stream_pull(&s, &f, NULL), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_frame_len(NULL, 4, 100, NULL), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_frame_len(NULL, 0, 100, NULL),
	    STUN_ERR_NEED_MORE);
}
END_TEST

Suite *
suite_stream(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("stream");

	tc = tcase_create("frame_len");
	tcase_add_test(tc, frame_len_stun_and_channel);
	tcase_add_test(tc, frame_len_needs_more_at_every_prefix);
	tcase_add_test(tc, frame_len_rejects_garbage);
	tcase_add_test(tc, frame_len_too_big_known_from_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("chdata");
	tcase_add_test(tc, chdata_decode_padding_rules);
	tcase_add_test(tc, chdata_encode_pads_and_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("reassembly");
	tcase_add_test(tc, stream_split_at_every_boundary);
	tcase_add_test(tc, stream_byte_by_byte);
	tcase_add_test(tc, stream_frame_survives_compaction);
	tcase_add_test(tc, stream_full_buffer_takes_nothing);
	tcase_add_test(tc, stream_tiny_buffer_full_is_fatal);
	tcase_add_test(tc, stream_garbage_is_fatal);
	tcase_add_test(tc, stream_oversize_channeldata);
	tcase_add_test(tc, stream_bad_arguments);
	suite_add_tcase(s, tc);

	return (s);
}

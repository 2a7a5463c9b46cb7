/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_file: the file protocol's records (round trip, every
 * truncation), the names a file lands under, and a sender and receiver
 * wired record to record: a whole file, a 0-byte one, one resumed from
 * an offset, a refusal that lets no data go, a corrupted byte caught by
 * the hash, and data out of place refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/sha.h>

#include "chat/file.h"
#include "chat_suites.h"

#define REC_MAX		1200
#define CHUNK		1000

START_TEST(file_records_round_trip)
{
	struct chat_file_msg	m, d;
	uint8_t			out[REC_MAX];
	int			n, i;

	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_OFFER;
	m.xid = 0x01020304;
	m.size = 0x0000000500000006ULL;
	memset(m.hash, 0xab, sizeof(m.hash));
	m.name = (const uint8_t *)"report.pdf";
	m.namelen = 10;
	n = chat_file_encode(&m, out, sizeof(out));
	ck_assert_int_eq(n, CHAT_FILE_OFFER_HDR + 10);
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d), 0);
	ck_assert_uint_eq(d.type, CHAT_FILE_OFFER);
	ck_assert_uint_eq(d.xid, m.xid);
	ck_assert(d.size == m.size);
	ck_assert_mem_eq(d.hash, m.hash, sizeof(m.hash));
	ck_assert_uint_eq(d.namelen, 10);
	ck_assert_mem_eq(d.name, "report.pdf", 10);
	/* Every truncation fails; so does a byte more. */
	for (i = 0; i < n; i++)
		ck_assert_int_lt(chat_file_decode(out, (size_t)i, &d), 0);
	out[n] = 'x';
	ck_assert_int_eq(chat_file_decode(out, (size_t)n + 1, &d),
	    STUN_ERR_BAD_ATTR);
	/* A NUL in the name. */
	out[CHAT_FILE_OFFER_HDR + 3] = '\0';
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d),
	    STUN_ERR_BAD_ATTR);

	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_DATA;
	m.xid = 7;
	m.offset = 1ULL << 40;
	m.data = (const uint8_t *)"abc";
	m.len = 3;
	n = chat_file_encode(&m, out, sizeof(out));
	ck_assert_int_eq(n, CHAT_FILE_DATA_HDR + 3);
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d), 0);
	ck_assert(d.offset == 1ULL << 40);
	ck_assert_uint_eq(d.len, 3);
	ck_assert_mem_eq(d.data, "abc", 3);
	ck_assert_int_lt(chat_file_decode(out, CHAT_FILE_DATA_HDR, &d), 0);

	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_RESULT;
	m.xid = 9;
	m.code = CHAT_FILE_E_HASH;
	n = chat_file_encode(&m, out, sizeof(out));
	ck_assert_int_eq(n, CHAT_FILE_SHORT_LEN);
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d), 0);
	ck_assert_uint_eq(d.code, CHAT_FILE_E_HASH);
	out[1] = 1;
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d),
	    STUN_ERR_BAD_ATTR);
	out[0] = 0x42;
	out[1] = 0;
	ck_assert_int_eq(chat_file_decode(out, (size_t)n, &d),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(chat_file_encode(&m, out, 4), STUN_ERR_NOSPACE);
}
END_TEST

static void
safe(const char *in, const char *want)
{
	char	out[CHAT_FILE_SAFE_MAX + 1];

	chat_file_safe_name((const uint8_t *)in, strlen(in), out);
	ck_assert_str_eq(out, want);
}

START_TEST(file_names_land_safely)
{
	char	out[CHAT_FILE_SAFE_MAX + 1], big[400];
	size_t	i;

	safe("../../etc/passwd", "passwd");
	safe("..", "_.");
	safe(".", "_");
	safe("dir/", "file");
	safe("..\\..\\win.ini", "win.ini");
	safe(".bashrc", "_bashrc");
	safe("a\nb\x1b[2Jc\x7f", "a_b_[2Jc_");
	safe("r\xc3\xa9sum\xc3\xa9.txt", "r\xc3\xa9sum\xc3\xa9.txt");
	/* Cut to the limit between UTF-8 characters, never inside one. */
	big[0] = 'x';
	for (i = 1; i + 1 < sizeof(big); i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	chat_file_safe_name((const uint8_t *)big, sizeof(big) - 1, out);
	ck_assert_uint_eq(strlen(out), CHAT_FILE_SAFE_MAX - 1);
	ck_assert_uint_eq((uint8_t)out[strlen(out) - 1], 0xa9);

	/* What a hostile sender's offer names lands as the last part. */
	{
		struct chat_file_msg	m, d;
		struct chat_file_rx	rx;
		uint8_t			rec[REC_MAX];
		int			n;

		memset(&m, 0, sizeof(m));
		m.type = CHAT_FILE_OFFER;
		m.name = (const uint8_t *)"../../etc/passwd";
		m.namelen = strlen("../../etc/passwd");
		n = chat_file_encode(&m, rec, sizeof(rec));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(chat_file_decode(rec, (size_t)n, &d), 0);
		ck_assert_int_eq(chat_file_rx_init(&rx, &d), 0);
		ck_assert_str_eq(rx.name, "passwd");
		chat_file_rx_free(&rx);
	}
	ck_assert_int_eq(chat_file_alt_name("notes.txt", 1, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "notes (1).txt");
	ck_assert_int_eq(chat_file_alt_name("archive.tar.gz", 12, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "archive.tar (12).gz");
	ck_assert_int_eq(chat_file_alt_name("_bashrc", 2, out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "_bashrc (2)");
	ck_assert_int_eq(chat_file_alt_name("README", 3, out, 8),
	    STUN_ERR_NOSPACE);
}
END_TEST

struct pair {
	struct chat_file_tx	 tx;
	struct chat_file_rx	 rx;
	uint8_t			*src, *dst;
	size_t			 size;
	unsigned		 data_recs;
	int			 rx_up;
};

static void
pair_init(struct pair *p, size_t size)
{
	uint8_t	h[SHA256_DIGEST_LENGTH];
	size_t	i;

	memset(p, 0, sizeof(*p));
	p->size = size;
	p->src = malloc(size + 1);
	p->dst = calloc(1, size + 1);
	ck_assert_ptr_nonnull(p->src);
	ck_assert_ptr_nonnull(p->dst);
	for (i = 0; i < size; i++)
		p->src[i] = (uint8_t)(i * 131 + (i >> 8));
	SHA256(p->src, size, h);
	ck_assert_int_eq(chat_file_tx_init(&p->tx, 42, "/tmp/x/../data.bin",
	    size, h), 0);
	ck_assert_str_eq(p->tx.name, "data.bin");
}

static void
pair_free(struct pair *p)
{
	if (p->rx_up)
		chat_file_rx_free(&p->rx);
	free(p->src);
	free(p->dst);
}

/* The sender's offer reaches the receiver. */
static void
pair_offer(struct pair *p)
{
	struct chat_file_msg	m;
	uint8_t			rec[REC_MAX];
	int			n;

	n = chat_file_tx_offer(&p->tx, rec, sizeof(rec));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(p->tx.state, CHAT_FILE_TX_WAIT);
	ck_assert_int_eq(chat_file_decode(rec, (size_t)n, &m), 0);
	ck_assert_int_eq(chat_file_rx_init(&p->rx, &m), 0);
	p->rx_up = 1;
	ck_assert_str_eq(p->rx.name, "data.bin");
	ck_assert(p->rx.size == p->size);
}

/* A record from one side to the other. */
static int
pair_to_tx(struct pair *p, const uint8_t *rec, int n)
{
	struct chat_file_msg	m;

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(chat_file_decode(rec, (size_t)n, &m), 0);
	return (chat_file_tx_input(&p->tx, &m));
}

/* Data flows until the sender has nothing more; the result goes back. */
static int
pair_flow(struct pair *p, long corrupt_at)
{
	struct chat_file_msg	m;
	uint8_t			rec[REC_MAX], chunk[CHUNK];
	size_t			want;
	int			n, ev = CHAT_FILE_EV_NONE;

	while ((want = chat_file_tx_want(&p->tx, CHUNK)) > 0) {
		memcpy(chunk, p->src + p->tx.off, want);
		if (corrupt_at >= 0 && (size_t)corrupt_at >= p->tx.off &&
		    (size_t)corrupt_at < p->tx.off + want)
			chunk[corrupt_at - (long)p->tx.off] ^= 1;
		n = chat_file_tx_data(&p->tx, chunk, want, rec, sizeof(rec));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(chat_file_decode(rec, (size_t)n, &m), 0);
		ev = chat_file_rx_input(&p->rx, &m);
		ck_assert(ev == CHAT_FILE_EV_DATA ||
		    ev == CHAT_FILE_EV_COMPLETE);
		memcpy(p->dst + m.offset, m.data, m.len);
		p->data_recs++;
	}
	ck_assert_int_eq(p->tx.state, CHAT_FILE_TX_SENT);
	ck_assert_int_eq(p->rx.state, CHAT_FILE_RX_CHECK);
	n = chat_file_rx_check(&p->rx, 1, rec, sizeof(rec));
	return (pair_to_tx(p, rec, n));
}

START_TEST(file_transfer_whole_file)
{
	struct pair	p;
	uint8_t		rec[REC_MAX];

	pair_init(&p, 10 * CHUNK + 17);
	pair_offer(&p);
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_rx_accept(&p.rx, 0,
	    rec, sizeof(rec))), CHAT_FILE_EV_ACCEPTED);
	ck_assert_int_eq(pair_flow(&p, -1), CHAT_FILE_EV_DONE);
	ck_assert_int_eq(p.rx.state, CHAT_FILE_RX_DONE);
	ck_assert_int_eq(p.tx.state, CHAT_FILE_TX_DONE);
	ck_assert_uint_eq(p.data_recs, 11);
	ck_assert_mem_eq(p.dst, p.src, p.size);
	pair_free(&p);
}
END_TEST

START_TEST(file_transfer_empty_file)
{
	struct pair	p;
	uint8_t		rec[REC_MAX];

	pair_init(&p, 0);
	pair_offer(&p);
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_rx_accept(&p.rx, 0,
	    rec, sizeof(rec))), CHAT_FILE_EV_ACCEPTED);
	/* Complete at once: nothing to send, the hash of nothing checks. */
	ck_assert_uint_eq(chat_file_tx_want(&p.tx, CHUNK), 0);
	ck_assert_int_eq(pair_flow(&p, -1), CHAT_FILE_EV_DONE);
	ck_assert_uint_eq(p.data_recs, 0);
	pair_free(&p);
}
END_TEST

START_TEST(file_transfer_resumes_from_offset)
{
	struct pair	p;
	uint8_t		rec[REC_MAX];
	size_t		held = 4 * CHUNK + 3;

	pair_init(&p, 10 * CHUNK);
	pair_offer(&p);
	/* A partial file from before: hashed, then accepted where it ends. */
	memcpy(p.dst, p.src, held);
	ck_assert_int_eq(chat_file_rx_prefix(&p.rx, p.dst, held), 0);
	ck_assert_int_eq(chat_file_rx_accept(&p.rx, 0, rec, sizeof(rec)),
	    STUN_ERR_INVALID);
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_rx_accept(&p.rx,
	    held, rec, sizeof(rec))), CHAT_FILE_EV_ACCEPTED);
	ck_assert(p.tx.from == held);
	ck_assert_int_eq(pair_flow(&p, -1), CHAT_FILE_EV_DONE);
	/* Only what was missing went: 5997 bytes in 6 records. */
	ck_assert_uint_eq(p.data_recs, 6);
	ck_assert_mem_eq(p.dst, p.src, p.size);
	pair_free(&p);
}
END_TEST

START_TEST(file_refused_sends_no_data)
{
	struct pair		p;
	struct chat_file_msg	m;
	uint8_t			rec[REC_MAX];

	pair_init(&p, 5000);
	pair_offer(&p);
	ck_assert_uint_eq(chat_file_tx_want(&p.tx, CHUNK), 0);
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_rx_refuse(&p.rx,
	    CHAT_FILE_E_REFUSED, rec, sizeof(rec))), CHAT_FILE_EV_ENDED);
	ck_assert_int_eq(p.tx.state, CHAT_FILE_TX_REFUSED);
	ck_assert_int_eq(p.tx.code, CHAT_FILE_E_REFUSED);
	ck_assert_uint_eq(chat_file_tx_want(&p.tx, CHUNK), 0);
	ck_assert_int_eq(chat_file_tx_data(&p.tx, p.src, 10, rec,
	    sizeof(rec)), STUN_ERR_INVALID);
	/* A late ACCEPT does not start it again. */
	ck_assert_int_eq(chat_file_rx_accept(&p.rx, 0, rec, sizeof(rec)),
	    STUN_ERR_INVALID);
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_ACCEPT;
	m.xid = 42;
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_encode(&m, rec,
	    sizeof(rec))), STUN_ERR_STATE);
	ck_assert_uint_eq(chat_file_tx_want(&p.tx, CHUNK), 0);
	pair_free(&p);
}
END_TEST

START_TEST(file_corruption_fails_the_hash)
{
	struct pair	p;
	uint8_t		rec[REC_MAX];

	pair_init(&p, 3 * CHUNK);
	pair_offer(&p);
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_rx_accept(&p.rx, 0,
	    rec, sizeof(rec))), CHAT_FILE_EV_ACCEPTED);
	ck_assert_int_eq(pair_flow(&p, 1234), CHAT_FILE_EV_ENDED);
	ck_assert_int_eq(p.rx.state, CHAT_FILE_RX_FAILED);
	ck_assert_int_eq(p.tx.state, CHAT_FILE_TX_FAILED);
	ck_assert_int_eq(p.tx.code, CHAT_FILE_E_HASH);
	pair_free(&p);
}
END_TEST

START_TEST(file_data_out_of_place_is_refused)
{
	struct pair		p;
	struct chat_file_msg	m;
	uint8_t			rec[REC_MAX];

	pair_init(&p, 2 * CHUNK);
	pair_offer(&p);
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_DATA;
	m.xid = 42;
	m.data = p.src;
	m.len = 10;
	/* Before the accept. */
	ck_assert_int_eq(chat_file_rx_input(&p.rx, &m), STUN_ERR_STATE);
	ck_assert_int_gt(chat_file_rx_accept(&p.rx, 0, rec, sizeof(rec)), 0);
	/* Not at the next offset, and past the size. */
	m.offset = 5;
	ck_assert_int_eq(chat_file_rx_input(&p.rx, &m), STUN_ERR_BAD_ATTR);
	m.offset = 0;
	m.len = 2 * CHUNK + 1;
	ck_assert_int_eq(chat_file_rx_input(&p.rx, &m), STUN_ERR_BAD_ATTR);
	ck_assert(p.rx.off == 0);
	/* A RESULT before everything was sent is not believed. */
	memset(&m, 0, sizeof(m));
	m.type = CHAT_FILE_RESULT;
	m.xid = 42;
	ck_assert_int_eq(pair_to_tx(&p, rec, chat_file_encode(&m, rec,
	    sizeof(rec))), STUN_ERR_STATE);
	ck_assert_int_eq(p.tx.state, CHAT_FILE_TX_WAIT);
	pair_free(&p);
}
END_TEST

Suite *
suite_chat_file(void)
{
	Suite	*s = suite_create("chat_file");
	TCase	*tc;

	tc = tcase_create("records");
	tcase_add_test(tc, file_records_round_trip);
	tcase_add_test(tc, file_names_land_safely);
	suite_add_tcase(s, tc);

	tc = tcase_create("transfer");
	tcase_add_test(tc, file_transfer_whole_file);
	tcase_add_test(tc, file_transfer_empty_file);
	tcase_add_test(tc, file_transfer_resumes_from_offset);
	tcase_add_test(tc, file_refused_sends_no_data);
	tcase_add_test(tc, file_corruption_fails_the_hash);
	tcase_add_test(tc, file_data_out_of_place_is_refused);
	suite_add_tcase(s, tc);
	return (s);
}

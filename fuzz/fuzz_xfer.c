/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for p2pchat's file transfer.  The first byte picks a part.
 * file: the rest is one record of the file protocol; what decodes
 * re-encodes to the same bytes, an OFFER's name lands safe (no '/', no
 * control character, no leading '.', 1..200 bytes), and a receiver fed
 * the record never takes data out of place.  bulk: the rest is a script
 * of frames (a length byte, then the bytes) fed to a bulk stream that has
 * records in flight; its counters stay within the window, every record it
 * hands up fits a datagram, and it always comes to rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chat/bulk.h"
#include "chat/file.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fz_file(const uint8_t *p, size_t len)
{
	struct chat_file_msg	 m, d;
	struct chat_file_rx	 rx;
	uint8_t			 out[2048];
	size_t			 i, n;
	int			 r;

	if (len > sizeof(out) || chat_file_decode(p, len, &m) != 0)
		return;
	r = chat_file_encode(&m, out, sizeof(out));
	FUZZ_ASSERT(r == (int)len);
	FUZZ_ASSERT(memcmp(out, p, len) == 0);
	if (m.type != CHAT_FILE_OFFER)
		return;
	if (chat_file_rx_init(&rx, &m) != 0)
		return;
	n = strlen(rx.name);
	FUZZ_ASSERT(n > 0 && n <= CHAT_FILE_SAFE_MAX);
	FUZZ_ASSERT(rx.name[0] != '.');
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(rx.name[i] != '/' && rx.name[i] != '\\' &&
		    (uint8_t)rx.name[i] >= 0x20 && rx.name[i] != 0x7f);
	/* Data before the accept, or at another offset, is refused. */
	memset(&d, 0, sizeof(d));
	d.type = CHAT_FILE_DATA;
	d.xid = m.xid;
	d.offset = 1;
	d.data = p;
	d.len = 1;
	FUZZ_ASSERT(chat_file_rx_input(&rx, &d) < 0);
	if (chat_file_rx_accept(&rx, 0, out, sizeof(out)) > 0 &&
	    rx.state == CHAT_FILE_RX_RECV)
		FUZZ_ASSERT(chat_file_rx_input(&rx, &d) == STUN_ERR_BAD_ATTR);
	chat_file_rx_free(&rx);
}

static void
fz_bulk(const uint8_t *p, size_t len)
{
	struct chat_bulk	 b;
	struct chat_bulk_action	 a;
	uint8_t			 rec[64];
	uint64_t		 now = 1000;
	size_t			 off = 0, n;
	unsigned		 i, k;

	if (chat_bulk_init(&b, NULL) != 0)
		return;
	memset(rec, 0x5a, sizeof(rec));
	for (i = 0; i < 40; i++)
		(void)chat_bulk_send(&b, rec, sizeof(rec), now);
	while (off < len) {
		n = p[off++];
		if (n > len - off)
			n = len - off;
		(void)chat_bulk_input(&b, p + off, n, now);
		off += n;
		now += 1 + n % 50;
		for (k = 0; k < 5000; k++) {
			chat_bulk_next(&b, now, &a);
			if (a.kind == CHAT_BULK_A_NONE)
				break;
			if (a.kind == CHAT_BULK_A_RECORD)
				FUZZ_ASSERT(a.len > 0 &&
				    a.len <= chat_bulk_payload(&b));
			if (a.kind == CHAT_BULK_A_SEND)
				FUZZ_ASSERT(a.len <= 1200 - 28);
		}
		FUZZ_ASSERT(k < 5000);
		FUZZ_ASSERT(b.inflight + b.nlost <= CHAT_BULK_WINDOW);
		FUZZ_ASSERT(b.nxt - b.una <= CHAT_BULK_WINDOW);
		FUZZ_ASSERT(b.end - b.una <= CHAT_BULK_WINDOW);
		FUZZ_ASSERT(b.cwnd >= 1 && b.cwnd <= CHAT_BULK_WINDOW);
	}
	chat_bulk_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);
	if (data[0] % 2 == 0)
		fz_file(data + 1, size - 1);
	else
		fz_bulk(data + 1, size - 1);
	return (0);
}

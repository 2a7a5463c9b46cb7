/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The file transfer's cryptographic floor: how long p2pchat's own
 * chat_seal() and chat_open() take per full-size transfer datagram, and
 * SHA-256 (the file's end-to-end hash) per datagram's worth of file data,
 * each timed on this CPU in a tight loop with nothing else to do.  From
 * these it prints the rate one CPU could receive at if it only opened and
 * hashed, and the rate the whole machine could move a file at if the
 * sealing, opening and hashing of both ends were spread over all its CPUs
 * without any other cost.  bench/xfer.sh sets them beside iperf3.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "chat/bulk.h"
#include "chat/crypto.h"
#include "chat/peer.h"

#define CR_BATCH	2048	/* datagrams sealed, then opened, per round */
#define CR_ROUNDS	40

static double
cr_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(void)
{
	struct chat_session	 s;
	EVP_MD_CTX		*md = NULL;
	uint8_t			*sealed = NULL, pt[CHAT_PEER_MTU];
	uint8_t			 out[CHAT_PEER_MTU];
	size_t			 len, payload;
	double			 t, ts = 0, to = 0, th = 0, n;
	long			 ncpu;
	int			 i, r, rc = 1;

	/* A direct path's full transfer datagram, as bulk.c cuts it. */
	len = CHAT_PEER_MTU - CHAT_SEAL_OVERHEAD;
	payload = len - CHAT_BULK_DATA_HDR;
	memset(&s, 0, sizeof(s));
	memset(s.tx_key, 0x5a, sizeof(s.tx_key));
	memset(s.tx_iv, 0xa5, sizeof(s.tx_iv));
	memcpy(s.rx_key, s.tx_key, sizeof(s.rx_key));
	memcpy(s.rx_iv, s.tx_iv, sizeof(s.rx_iv));
	memset(pt, 0x42, sizeof(pt));
	if ((sealed = malloc((size_t)CR_BATCH * CHAT_PEER_MTU)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "cryptorate: out of memory\n");
		goto out;
	}
	for (r = 0; r < CR_ROUNDS; r++) {
		t = cr_now();
		for (i = 0; i < CR_BATCH; i++)
			if (chat_seal(&s, pt, len, sealed +
			    (size_t)i * CHAT_PEER_MTU, CHAT_PEER_MTU) < 0)
				goto fail;
		ts += cr_now() - t;
		t = cr_now();
		for (i = 0; i < CR_BATCH; i++)
			if (chat_open(&s, sealed + (size_t)i * CHAT_PEER_MTU,
			    CHAT_PEER_MTU, out, sizeof(out)) != (int)len)
				goto fail;
		to += cr_now() - t;
		t = cr_now();
		for (i = 0; i < CR_BATCH; i++)
			if (EVP_DigestUpdate(md, out + CHAT_BULK_DATA_HDR,
			    payload) != 1)
				goto fail;
		th += cr_now() - t;
	}
	n = (double)CR_BATCH * CR_ROUNDS;
	ts /= n;
	to /= n;
	th /= n;
	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		ncpu = 1;
	printf("per %zu-byte datagram (%zu bytes of file): seal %.0f ns, "
	    "open %.0f ns, SHA-256 %.0f ns\n", (size_t)CHAT_PEER_MTU, payload,
	    ts * 1e9, to * 1e9, th * 1e9);
	printf("receiver on one CPU, open + hash only: %.0f Mbit/s\n",
	    (double)payload * 8 / (to + th) / 1e6);
	printf("both ends on all %ld CPUs, seal + open + hash only: "
	    "%.0f Mbit/s\n", ncpu,
	    (double)payload * 8 * (double)ncpu / (ts + to + th) / 1e6);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "cryptorate: sealing, opening or hashing failed\n");
out:
	EVP_MD_CTX_free(md);
	free(sealed);
	return (rc);
}

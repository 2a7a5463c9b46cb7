/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for stund's rendezvous room table.  The input is a script:
 * three real client machines and the table on a fake network, where each
 * step starts, rebinds or moves a client, delivers, drops, corrupts or
 * re-sources a datagram in flight, injects raw bytes, or moves the clock.
 * After every step the table's invariants must hold: gauges match the
 * slots in use, rooms within their caps, and nothing sent to an
 * unverified source larger than the datagram that drew it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"
#include "stund/roomsint.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_PEERS	3
#define FZ_Q		32

struct fz_pkt {
	int		 to;		/* peer, or -1: the table */
	struct stun_addr from;
	size_t		 len;
	uint8_t		 buf[STUN_RDV_MSG_MAX];
};

static struct rooms		 R;
static struct rooms_out		 out;
static struct stun_rdv_client	 C[FZ_PEERS];
static struct stun_addr		 addr[FZ_PEERS], srv;
static struct fz_pkt		 q[FZ_Q];
static unsigned			 nq;
static uint64_t			 now;

static void
fz_addr(struct stun_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 192;
	a->ip[1] = 0;
	a->ip[2] = 2;
	a->ip[3] = last;
	a->port = port;
}

static void
fz_push(int to, const struct stun_addr *from, const uint8_t *buf,
    size_t len)
{
	if (nq >= FZ_Q || len > sizeof(q[0].buf))
		return;
	q[nq].to = to;
	q[nq].from = *from;
	q[nq].len = len;
	memcpy(q[nq].buf, buf, len);
	nq++;
}

/* Is a a source the table verified (a member's address)? */
static int
fz_verified(const struct stun_addr *a)
{
	unsigned	i;

	for (i = 0; i < R.mem_hi; i++)
		if (R.mem[i].used && stun_addr_equal(&R.mem[i].from, a))
			return (1);
	return (0);
}

static void
fz_check(void)
{
	unsigned	i, j, members = 0, rooms = 0;

	for (i = 0; i < R.c.max_members; i++) {
		if (!R.mem[i].used)
			continue;
		FUZZ_ASSERT(i < R.mem_hi);
		FUZZ_ASSERT(R.room[R.mem[i].room].used);
		FUZZ_ASSERT(R.mem[i].info.id != 0);
		FUZZ_ASSERT(R.mem[i].info.ncand <= STUN_RDV_MEMBER_CANDS);
		members++;
	}
	for (i = 0; i < R.c.max_rooms; i++) {
		if (!R.room[i].used)
			continue;
		FUZZ_ASSERT(i < R.room_hi);
		FUZZ_ASSERT(R.room[i].n >= 1 &&
		    R.room[i].n <= R.c.max_room_members);
		for (j = 0; j < R.room[i].n; j++)
			FUZZ_ASSERT(R.mem[R.room[i].mem[j]].used &&
			    R.mem[R.room[i].mem[j]].room == i);
		rooms++;
	}
	FUZZ_ASSERT(R.m.members == members && R.m.rooms == rooms);
	for (i = 0; i < R.pfx_hi; i++)
		FUZZ_ASSERT(R.pfx[i].rooms <= R.c.prefix_rooms &&
		    R.pfx[i].members <= R.c.prefix_members);
}

/* One datagram into the table from src; check and route what comes out. */
static void
fz_table(const uint8_t *buf, size_t len, const struct stun_addr *src)
{
	struct rooms_src	s;
	struct stun_msg		m;
	unsigned		i;
	int			j;

	if (stun_msg_decode(&m, buf, len) != 0)
		return;
	memset(&s, 0, sizeof(s));
	s.addr = *src;
	(void)rooms_input(&R, &m, &s, now, &out);
	for (i = 0; i < out.n; i++) {
		FUZZ_ASSERT(out.pkt[i].len <= STUN_RDV_MSG_MAX);
		/* Unverified sources draw no more than they sent. */
		if (stun_addr_equal(&out.pkt[i].to, src) && !fz_verified(src))
			FUZZ_ASSERT(out.pkt[i].len <= len);
		for (j = 0; j < FZ_PEERS; j++)
			if (stun_addr_equal(&out.pkt[i].to, &addr[j]))
				fz_push(j, &srv, out.pkt[i].buf,
				    out.pkt[i].len);
	}
	fz_check();
}

static void
fz_drain(int k)
{
	struct stun_rdv_action	a;
	int			n;

	for (n = 0; n < 64; n++) {
		stun_rdv_client_next(&C[k], &a);
		if (a.kind == STUN_RDV_A_WAIT)
			return;
		if (a.kind == STUN_RDV_A_SEND)
			fz_push(-1, &addr[k], a.buf, a.len);
	}
}

static void
fz_deliver(unsigned j, const struct stun_addr *from)
{
	struct fz_pkt	p = q[j];

	q[j] = q[--nq];
	if (p.to == -1)
		fz_table(p.buf, p.len, from != NULL ? from : &p.from);
	else
		(void)stun_rdv_client_input(&C[p.to], &srv, p.buf, p.len,
		    now);
}

static void
fz_setup(void)
{
	struct rooms_config	c;
	struct stun_rdv_config	rc;
	int			k;

	memset(&c, 0, sizeof(c));
	c.max_rooms = 3;
	c.max_members = 6;
	c.max_room_members = 3;
	c.prefix_rooms = 2;
	c.prefix_members = 2;
	c.rate_slots = 4;
	c.timeout_ms = 3000;
	c.keepalive_ms = 1000;
	memset(c.secret, 0x42, sizeof(c.secret));
	FUZZ_ASSERT(rooms_init(&R, &c) == 0);
	fz_addr(&srv, 250, 3478);
	for (k = 0; k < FZ_PEERS; k++) {
		memset(&rc, 0, sizeof(rc));
		rc.server = srv;
		memset(rc.room_key, k == 2 ? 0x22 : 0x11, sizeof(rc.room_key));
		memset(rc.token, 0x30 + k, sizeof(rc.token));
		rc.name[0] = (char)('a' + k);
		rc.ncand = 1;
		rc.cand[0].kind = STUN_RDV_CAND_HOST;
		fz_addr(&rc.cand[0].addr, (uint8_t)(10 + k), 4000);
		FUZZ_ASSERT(stun_rdv_client_init(&C[k], &rc) == 0);
		fz_addr(&addr[k], (uint8_t)(1 + k % 2), (uint16_t)(5000 + k));
	}
	nq = 0;
	now = 100000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_addr	spoof;
	size_t			off = 0, len;
	unsigned		j;
	uint8_t			op, arg;
	int			k;

	fz_setup();
	while (off + 2 <= size) {
		op = data[off] % 8;
		arg = data[off + 1];
		off += 2;
		k = arg % FZ_PEERS;
		j = nq > 0 ? arg % nq : 0;
		switch (op) {
		case 0:
			if (C[k].state == STUN_RDV_S_IDLE)
				(void)stun_rdv_client_start(&C[k], now);
			break;
		case 1:
			if (nq > 0)
				fz_deliver(j, NULL);
			break;
		case 2:
			if (nq > 0)
				q[j] = q[--nq];
			break;
		case 3:
			if (nq > 0) {
				fz_addr(&spoof, (uint8_t)(arg % 4 + 1),
				    (uint16_t)(6000 + arg));
				fz_deliver(j, &spoof);
			}
			break;
		case 4:
			now += (uint64_t)arg * 50;
			for (k = 0; k < FZ_PEERS; k++)
				stun_rdv_client_timer(&C[k], now);
			if (rooms_next(&R) != 0 && now >= rooms_next(&R)) {
				rooms_timer(&R, now, &out);
				fz_check();
			}
			break;
		case 5:
			len = arg;
			if (len > size - off)
				len = size - off;
			fz_addr(&spoof, 9, (uint16_t)(7000 + arg));
			fz_table(data + off, len, &spoof);
			off += len;
			break;
		case 6:
			if (arg & 0x80)
				(void)stun_rdv_client_leave(&C[k], now);
			else if (arg & 0x40)
				addr[k].port++;	/* the NAT rebinds */
			else {
				addr[k].port++;
				(void)stun_rdv_client_set_cands(&C[k],
				    C[k].c.cand, C[k].c.ncand, now);
			}
			break;
		case 7:
			if (nq > 0 && off < size) {
				q[j].buf[data[off] % q[j].len] ^=
				    (uint8_t)(1 << (arg & 7));
				off++;
				fz_deliver(j, NULL);
			}
			break;
		}
		for (k = 0; k < FZ_PEERS; k++)
			fz_drain(k);
	}
	rooms_free(&R);
	return (0);
}

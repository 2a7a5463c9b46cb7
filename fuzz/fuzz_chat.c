/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for p2pchat's state machines.  The first byte picks one,
 * the rest is a script.  reliable: two chat/reliable.c ends on a network
 * that delivers, drops, duplicates, reorders and corrupts frames, or
 * injects raw ones.  peer: two chat/peer.c peers with the same room
 * secret punching, shaking hands and talking over such a network.
 * relay: chat/relay.c (and the TURN client under it) against a server
 * the script plays: challenges, answers signed or not, errors, Data
 * indications, ChannelData, raw bytes, datagrams from strangers.  What
 * must hold: every message queued ends in exactly one DELIVERED or
 * UNDELIVERED, messages arrive intact and in order (once the network
 * tampered, at least never invented), a relay sends only to its server
 * and takes nothing from anyone else, and the end leaves nothing queued.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libstun/stun.h"
#include "libstun/turn.h"
#include "chat/crypto.h"
#include "chat/reliable.h"
#include "chat/peer.h"
#include "chat/relay.h"
#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_Q		48
#define FZ_MSGS		40
#define FZ_FRAME	(CHAT_PEER_MTU + 64)

struct fz_pkt {
	int		 to;
	size_t		 len;
	uint8_t		 buf[FZ_FRAME];
};

/* One end's sent messages and what became of them. */
struct fz_side {
	unsigned	 nsent;
	uint32_t	 id[FZ_MSGS];
	size_t		 len[FZ_MSGS];
	int		 done[FZ_MSGS];	/* reported DELIVERED/UNDELIVERED */
	int		 got;		/* last of the other's matched, +1 */
	struct stun_addr addr;
};

static struct fz_pkt	 q[FZ_Q];
static unsigned		 nq;
static struct fz_side	 S[2];
static uint64_t		 now;
static uint32_t		 rctr;
static int		 tampered;

static int
fz_rand(void *arg, uint8_t *buf, size_t len)
{
	uint32_t	x;

	(void)arg;
	while (len-- > 0) {
		x = ++rctr * 2654435761u;
		*buf++ = (uint8_t)(x >> 24 ^ x >> 11);
	}
	return (0);
}

/* Message k of side s: its bytes are a function of (s, k, i). */
static void
fz_msg(int s, unsigned k, uint8_t *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(s * 97 + k * 31 + i);
}

static void
fz_push(int to, const uint8_t *buf, size_t len)
{
	if (nq >= FZ_Q || len > FZ_FRAME)
		return;
	q[nq].to = to;
	q[nq].len = len;
	memcpy(q[nq].buf, buf, len);
	nq++;
}

static void
fz_reported(int s, uint32_t id)
{
	unsigned	k;

	for (k = 0; k < S[s].nsent; k++)
		if (S[s].id[k] == id) {
			FUZZ_ASSERT(!S[s].done[k]);
			S[s].done[k] = 1;
			return;
		}
	FUZZ_ASSERT(!"a report for a message never sent");
}

/* A message arrived at side s: one of the other side's, in order. */
static void
fz_arrived(int s, const uint8_t *buf, size_t len)
{
	struct fz_side	*o = &S[1 - s];
	uint8_t		 want[1024];
	unsigned	 k;

	for (k = (unsigned)S[s].got; k < o->nsent; k++) {
		if (o->len[k] != len)
			continue;
		fz_msg(1 - s, k, want, len);
		/* An empty message comes with no buffer. */
		if (len == 0 || memcmp(want, buf, len) == 0) {
			S[s].got = (int)k + 1;
			return;
		}
	}
	/* Raw frames below the sealing layer can make up messages. */
	FUZZ_ASSERT(tampered);
}

static void
fz_all_reported(void)
{
	unsigned	s, k;

	for (s = 0; s < 2; s++)
		for (k = 0; k < S[s].nsent; k++)
			FUZZ_ASSERT(S[s].done[k]);
}

/* ---------------------------------------------------------- reliable */

static struct chat_rel	 REL[2];

static void
fz_rel_drain(int s)
{
	struct chat_rel_action	a;
	unsigned		n;

	for (n = 0; n < 4096; n++) {
		(void)chat_rel_next(&REL[s], now, &a);
		if (a.kind == CHAT_REL_NONE)
			return;
		switch (a.kind) {
		case CHAT_REL_SEND:
			FUZZ_ASSERT(a.len <= REL[s].c.mtu);
			fz_push(1 - s, a.buf, a.len);
			break;
		case CHAT_REL_MESSAGE:
			fz_arrived(s, a.buf, a.len);
			break;
		case CHAT_REL_DELIVERED:
		case CHAT_REL_UNDELIVERED:
			fz_reported(s, a.id);
			break;
		}
	}
	FUZZ_ASSERT(!"chat_rel_next never ran dry");
}

static void
fz_rel_send(int s, size_t len)
{
	uint8_t		buf[1024];
	unsigned	k = S[s].nsent;

	if (k == FZ_MSGS)
		return;
	fz_msg(s, k, buf, len);
	if (chat_rel_send(&REL[s], buf, len, now, &S[s].id[k]) == 0) {
		S[s].len[k] = len;
		S[s].nsent++;
	}
}

static void
fz_reliable(const uint8_t *data, size_t size)
{
	struct chat_rel_config	c;
	struct fz_pkt		p;
	size_t			off = 0, len;
	uint8_t			op, arg;
	unsigned		j, i;
	int			s;

	memset(&c, 0, sizeof(c));
	c.mtu = 96;
	c.rto = 50;
	c.rto_max = 400;
	c.attempts = 6;
	c.timeout = 3000;
	c.max_msgs = 12;
	c.max_tx = 8192;
	c.max_rx = 4096;
	for (s = 0; s < 2; s++)
		FUZZ_ASSERT(chat_rel_init(&REL[s], &c) == 0);
	while (off + 2 <= size) {
		op = data[off] % 7;
		arg = data[off + 1];
		off += 2;
		s = arg & 1;
		j = nq > 0 ? arg % nq : 0;
		switch (op) {
		case 0:
			fz_rel_send(s, (size_t)(arg >> 1) * 7);
			break;
		case 1:
		case 2:
		case 3:
			if (nq == 0)
				break;
			p = q[j];
			if (op != 3)
				q[j] = q[--nq];
			if (op != 2)
				(void)chat_rel_input(&REL[p.to], p.buf, p.len,
				    now);
			break;
		case 4:
			if (nq == 0 || off >= size)
				break;
			p = q[j];
			q[j] = q[--nq];
			p.buf[data[off++] % p.len] ^= (uint8_t)(1 << (arg & 7));
			tampered = 1;
			(void)chat_rel_input(&REL[p.to], p.buf, p.len, now);
			break;
		case 5:
			now += (uint64_t)arg * 10;
			break;
		case 6:
			len = arg % 64;
			if (len > size - off)
				len = size - off;
			tampered = 1;
			(void)chat_rel_input(&REL[s], data + off, len, now);
			off += len;
			break;
		}
		fz_rel_drain(0);
		fz_rel_drain(1);
	}
	/*
	 * The network goes silent: whatever is left ends, reported, each
	 * message within its timeout once it reaches the window (12
	 * messages, 3 s each and the backoff ceiling: under 100 s).
	 */
	for (i = 0; i < 400 && (chat_rel_pending(&REL[0]) != 0 ||
	    chat_rel_pending(&REL[1]) != 0); i++) {
		now += 250;
		fz_rel_drain(0);
		fz_rel_drain(1);
		nq = 0;
	}
	FUZZ_ASSERT(chat_rel_pending(&REL[0]) == 0 &&
	    chat_rel_pending(&REL[1]) == 0);
	fz_all_reported();
	chat_rel_free(&REL[0]);
	chat_rel_free(&REL[1]);
}

/* -------------------------------------------------------------- peer */

static struct chat_peer	 PEER[2];

static void
fz_peer_drain(int s)
{
	struct chat_peer_action	a;
	unsigned		n;

	for (n = 0; n < 4096; n++) {
		chat_peer_next(&PEER[s], now, &a);
		switch (a.kind) {
		case CHAT_PEER_A_WAIT:
			return;
		case CHAT_PEER_A_SEND:
			FUZZ_ASSERT(a.len <= FZ_FRAME);
			if (stun_addr_equal(&a.to, &S[1 - s].addr))
				fz_push(1 - s, a.buf, a.len);
			break;
		case CHAT_PEER_A_MESSAGE:
			/* Sealed: tampering cannot make one up. */
			fz_arrived(s, a.buf, a.len);
			break;
		case CHAT_PEER_A_DELIVERED:
		case CHAT_PEER_A_UNDELIVERED:
			fz_reported(s, a.id);
			break;
		case CHAT_PEER_A_UP:
			FUZZ_ASSERT(PEER[s].state == CHAT_PEER_S_UP);
			break;
		}
	}
	FUZZ_ASSERT(!"chat_peer_next never ran dry");
}

static void
fz_peer_send(int s, size_t len)
{
	uint8_t		buf[1024];
	unsigned	k = S[s].nsent;

	if (k == FZ_MSGS || len == 0)
		return;
	fz_msg(s, k, buf, len);
	if (chat_peer_send(&PEER[s], buf, len, now, &S[s].id[k]) == 0) {
		S[s].len[k] = len;
		S[s].nsent++;
	}
}

static void
fz_peer_deliver(const struct fz_pkt *p)
{
	(void)chat_peer_input(&PEER[p->to], 0, &S[1 - p->to].addr, p->buf,
	    p->len, now);
}

static void
fz_peer(const uint8_t *data, size_t size)
{
	static const uint8_t	secret[CHAT_SECRET_LEN] = { 7, 7, 7 };
	struct chat_peer_config	c;
	struct stun_punch_cand	pc;
	struct fz_pkt		p;
	size_t			off = 0, len;
	uint8_t			op, arg;
	unsigned		j, i;
	int			s;

	FUZZ_ASSERT(stun_addr_parse("10.0.0.1", 1000, &S[0].addr) == 0);
	FUZZ_ASSERT(stun_addr_parse("10.0.0.2", 2000, &S[1].addr) == 0);
	for (s = 0; s < 2; s++) {
		memset(&c, 0, sizeof(c));
		c.secret = secret;
		c.self_id = (uint32_t)s + 1;
		c.peer_id = (uint32_t)(2 - s);
		c.self_name = s == 0 ? "alice" : "bob";
		c.peer_name = s == 0 ? "bob" : "alice";
		c.hs_timeout = 3000;
		c.rnd = fz_rand;
		FUZZ_ASSERT(chat_peer_init(&PEER[s], &c) == 0);
		memset(&pc, 0, sizeof(pc));
		pc.type = STUN_CAND_HOST;
		pc.addr = S[s].addr;
		FUZZ_ASSERT(chat_peer_add_local(&PEER[s], &pc) == 0);
		pc.addr = S[1 - s].addr;
		FUZZ_ASSERT(chat_peer_add_remote(&PEER[s], &pc) == 0);
		chat_peer_go(&PEER[s], now + 10);
	}
	while (off + 2 <= size) {
		op = data[off] % 7;
		arg = data[off + 1];
		off += 2;
		s = arg & 1;
		j = nq > 0 ? arg % nq : 0;
		switch (op) {
		case 0:
			fz_peer_send(s, (size_t)(arg >> 1) * 5 + 1);
			break;
		case 1:
		case 2:
		case 3:
			if (nq == 0)
				break;
			p = q[j];
			if (op != 3)
				q[j] = q[--nq];
			if (op != 2)
				fz_peer_deliver(&p);
			break;
		case 4:
			if (nq == 0 || off >= size)
				break;
			p = q[j];
			q[j] = q[--nq];
			p.buf[data[off++] % p.len] ^= (uint8_t)(1 << (arg & 7));
			fz_peer_deliver(&p);
			break;
		case 5:
			now += (uint64_t)arg * 20;
			chat_peer_timer(&PEER[0], now);
			chat_peer_timer(&PEER[1], now);
			break;
		case 6:
			len = arg % 96;
			if (len > size - off)
				len = size - off;
			memcpy(p.buf, data + off, len);
			p.len = len;
			p.to = s;
			off += len;
			fz_peer_deliver(&p);
			break;
		}
		fz_peer_drain(0);
		fz_peer_drain(1);
	}
	/* Let time pass, then close: everything queued is reported. */
	for (i = 0; i < 16; i++) {
		now += 1000;
		chat_peer_timer(&PEER[0], now);
		chat_peer_timer(&PEER[1], now);
		fz_peer_drain(0);
		fz_peer_drain(1);
		nq = 0;
	}
	chat_peer_close(&PEER[0], "end");
	chat_peer_close(&PEER[1], "end");
	fz_peer_drain(0);
	fz_peer_drain(1);
	FUZZ_ASSERT(chat_peer_pending(&PEER[0]) == 0 &&
	    chat_peer_pending(&PEER[1]) == 0);
	fz_all_reported();
	chat_peer_free(&PEER[0]);
	chat_peer_free(&PEER[1]);
}

/* ------------------------------------------------------------- relay */

#define FZ_REALM	"fuzz.test"

static struct chat_relay RL;
static struct stun_addr	 srv, peer, relayed;
static uint8_t		 last[STUN_TURN_MSG_MAX];	/* last request */
static size_t		 lastlen;
static int		 up;

static void
fz_relay_drain(void)
{
	struct chat_relay_action	a;
	struct stun_msg			m;
	unsigned			n;

	for (n = 0; n < 256; n++) {
		chat_relay_next(&RL, now, &a);
		switch (a.kind) {
		case CHAT_RELAY_A_WAIT:
			return;
		case CHAT_RELAY_A_SEND:
			/* Only ever to the TURN server. */
			FUZZ_ASSERT(stun_addr_equal(&a.to, &srv));
			FUZZ_ASSERT(a.len <= sizeof(last));
			if (stun_msg_decode(&m, a.buf, a.len) == 0) {
				if (m.cls == STUN_CLASS_REQUEST) {
					memcpy(last, a.buf, a.len);
					lastlen = a.len;
				}
			} else
				FUZZ_ASSERT(stun_chdata_decode(a.buf, a.len,
				    NULL, NULL, NULL) == 0);
			break;
		case CHAT_RELAY_A_UP:
			FUZZ_ASSERT(stun_addr_equal(&a.relayed, &relayed));
			up = 1;
			break;
		case CHAT_RELAY_A_DATA:
			FUZZ_ASSERT(up);
			break;
		}
	}
	FUZZ_ASSERT(!"chat_relay_next never ran dry");
}

/* The server's answer to the last request, of a kind the script picks. */
static void
fz_relay_answer(uint8_t kind, uint8_t x)
{
	struct stun_builder	b;
	struct stun_msg		req;
	uint8_t			key[STUN_KEY_MAX], out[1024];
	size_t			keylen;
	char			nonce[32];
	int			n, code;

	if (lastlen == 0 || stun_msg_decode(&req, last, lastlen) != 0)
		return;
	FUZZ_ASSERT(stun_key_long_term(STUN_PWALG_MD5, "alice", FZ_REALM,
	    "secret", key, &keylen) == 0);
	code = (kind & 3) == 0 ? 0 : (kind & 3) == 1 ? 401 : (kind & 3) == 2 ?
	    438 : 300 + x % 200;
	stun_build_reply(&b, out, sizeof(out), &req,
	    code == 0 ? STUN_CLASS_SUCCESS : STUN_CLASS_ERROR);
	if (code != 0)
		stun_build_error(&b, code, "");
	if (code == 401 || code == 438) {
		snprintf(nonce, sizeof(nonce), "fuzz-nonce-%u", x);
		stun_build_string(&b, STUN_ATTR_REALM, FZ_REALM);
		stun_build_string(&b, STUN_ATTR_NONCE, nonce);
	}
	if (code == 0 && req.method == STUN_METHOD_ALLOCATE &&
	    !(kind & 0x10)) {
		stun_build_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &srv);
	}
	if (code == 0 && (kind & 0x20))
		stun_build_u32(&b, STUN_ATTR_LIFETIME, (uint32_t)x * 10);
	if (code == 420) {
		uint16_t t = STUN_ATTR_REQUESTED_ADDRESS_FAMILY;

		stun_build_unknown(&b, &t, 1);
	}
	/* Signed with the right key, or not at all. */
	if ((kind & 0x40) && code != 401)
		stun_build_integrity(&b, key, keylen);
	if (kind & 0x80)
		stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) > 0)
		(void)chat_relay_input(&RL, &srv, out, (size_t)n, now);
}

static void
fz_relay(const uint8_t *data, size_t size)
{
	struct stun_turn_config	 tc;
	struct stun_builder	 b;
	struct stun_addr	 other;
	uint8_t			 tid[STUN_TID_LEN], buf[512];
	size_t			 off = 0, len;
	uint8_t			 op, arg, x;
	unsigned		 i;
	int			 n;

	FUZZ_ASSERT(stun_addr_parse("192.0.2.50", 3478, &srv) == 0);
	FUZZ_ASSERT(stun_addr_parse("198.51.100.7", 50000, &relayed) == 0);
	FUZZ_ASSERT(stun_addr_parse("203.0.113.9", 4000, &peer) == 0);
	FUZZ_ASSERT(stun_addr_parse("192.0.2.66", 3478, &other) == 0);
	lastlen = 0;
	up = 0;
	memset(&tc, 0, sizeof(tc));
	tc.server = srv;
	snprintf(tc.username, sizeof(tc.username), "alice");
	snprintf(tc.password, sizeof(tc.password), "secret");
	tc.family = (size > 0 && (data[0] & 0x80)) ? STUN_AF_INET6 :
	    STUN_AF_INET;
	tc.rnd = fz_rand;
	chat_relay_init(&RL, size > 0 && (data[0] & 0x40), 0);
	FUZZ_ASSERT(chat_relay_configure(&RL, &tc) == 0);
	(void)chat_relay_begin(&RL, now);
	fz_relay_drain();
	while (off + 3 <= size) {
		op = data[off] % 9;
		arg = data[off + 1];
		x = data[off + 2];
		off += 3;
		memset(buf, x, sizeof(buf));
		switch (op) {
		case 0:
			fz_relay_answer(arg, x);
			break;
		case 1:
			len = arg;
			if (len > size - off)
				len = size - off;
			(void)chat_relay_input(&RL, &srv, data + off, len,
			    now);
			off += len;
			break;
		case 2:
			memset(tid, arg, sizeof(tid));
			stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_DATA,
			    STUN_CLASS_INDICATION, tid);
			stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
			stun_build_attr(&b, STUN_ATTR_DATA, &x, arg % 2);
			if ((n = stun_build_finish(&b)) > 0)
				(void)chat_relay_input(&RL, &srv, buf,
				    (size_t)n, now);
			break;
		case 3:
			n = stun_chdata_encode(buf, sizeof(buf),
			    (uint16_t)(0x4000 + (arg & 3)), &x, 1, 0);
			if (n > 0)
				(void)chat_relay_input(&RL, &srv, buf,
				    (size_t)n, now);
			break;
		case 4:
			now += (uint64_t)arg * 100 + x;
			chat_relay_timer(&RL, now);
			break;
		case 5:
			(void)chat_relay_wrap(&RL, &peer, buf, arg, now);
			break;
		case 6:
			chat_relay_path(&RL, &peer, now);
			break;
		case 7:
			/* Someone else's datagram is never taken. */
			len = arg;
			if (len > size - off)
				len = size - off;
			FUZZ_ASSERT(chat_relay_input(&RL, &other, data + off,
			    len, now) == -1);
			off += len;
			break;
		case 8:
			(void)chat_relay_offered(&RL, &srv, "bob", "pw", now);
			break;
		}
		fz_relay_drain();
	}
	for (i = 0; i < 8; i++) {
		now += 60000;
		chat_relay_timer(&RL, now);
		fz_relay_drain();
	}
	chat_relay_leave(&RL, now);
	fz_relay_drain();
	chat_relay_clear(&RL);
	for (i = 0; i < sizeof(RL.cred.password); i++)
		FUZZ_ASSERT(RL.cred.password[i] == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);
	memset(S, 0, sizeof(S));
	nq = 0;
	now = 1000;
	rctr = 0;
	tampered = 0;
	switch (data[0] % 3) {
	case 0:
		fz_reliable(data + 1, size - 1);
		break;
	case 1:
		fz_peer(data + 1, size - 1);
		break;
	default:
		fz_relay(data, size);
		break;
	}
	return (0);
}

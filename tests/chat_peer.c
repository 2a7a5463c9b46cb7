/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_peer: two p2pchat peer machines (chat/peer.h) wired back to
 * back through a scripted network on a fake clock: punching, handshake,
 * messages both ways, loss, tampering, a wrong room secret, a peer that
 * vanishes, a retry, closing with messages queued, and the pair keys; and
 * the room layer (chat/room.h) turning member lists into peers.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "chat/crypto.h"
#include "chat/peer.h"
#include "chat/room.h"
#include "chat_suites.h"

#define NET_Q		1024
#define NET_LATENCY	5
#define NET_MSGS	64

struct pkt {
	uint64_t	 at;
	int		 to;
	unsigned	 sock;
	struct stun_addr from;
	uint8_t		 buf[CHAT_PEER_MTU + 64];
	size_t		 len;
};

struct side {
	struct chat_peer p;
	struct stun_addr addr;
	int		 path, up, failed;
	uint64_t	 up_at;
	int		 path_kind;
	char		 name[CHAT_NAME_MAX + 1];
	unsigned	 nmsg, ndeliv, nundeliv;
	uint32_t	 deliv[NET_MSGS], undeliv[NET_MSGS];
	char		 msg[NET_MSGS][64];
	const char	*undeliv_reason;
	unsigned	 sent_data;
	unsigned	 sent_checks;	/* Binding requests after 5 s */
};

struct net {
	struct side	 s[2];
	struct pkt	 q[NET_Q];
	unsigned	 nq;
	uint64_t	 now;
	unsigned	 drop_every;	/* drop every nth datagram (0: none) */
	unsigned	 count;
	int		 tamper;	/* flip a byte in each DATA packet */
	int		 dead[2];	/* side i receives and sends nothing */
	unsigned	 rctr;
	/* A TURN relay for side relay - 1 on its socket 1, at relay_addr. */
	int		 relay;
	struct stun_addr relay_addr;
	int		 no_direct;	/* drop what does not use the relay */
	int		 relay_down;	/* drop what uses the relay */
	uint8_t		 hello[CHAT_PEER_MTU];	/* side 1's first HELLO */
	size_t		 hellolen;
};

static struct net	n;

static const uint8_t	secret_a[CHAT_SECRET_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10
};
static const uint8_t	secret_b[CHAT_SECRET_LEN] = {
	0xf1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10
};

/* Deterministic randomness: a counter through a simple mixer. */
static int
rnd(void *arg, uint8_t *buf, size_t len)
{
	struct net	*w = arg;
	size_t		 i;
	uint32_t	 x;

	for (i = 0; i < len; i++) {
		x = ++w->rctr * 2654435761u;
		buf[i] = (uint8_t)(x >> 24 ^ x >> 11);
	}
	return (0);
}

static void
addr4(struct stun_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 10;
	a->ip[3] = last;
	a->port = port;
}

static void
net_init(const uint8_t *sec0, const uint8_t *sec1)
{
	struct chat_peer_config	 c;
	struct stun_punch_cand	 pc;
	int			 i;

	memset(&n, 0, sizeof(n));
	addr4(&n.s[0].addr, 1, 1000);
	addr4(&n.s[1].addr, 2, 2000);
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.secret = i == 0 ? sec0 : sec1;
		c.self_id = (uint32_t)i + 1;
		c.peer_id = (uint32_t)(2 - i);
		c.self_name = i == 0 ? "alice" : "bob";
		c.peer_name = i == 0 ? "bob?" : "alice?";
		c.rnd = rnd;
		c.rnd_arg = &n;
		ck_assert_int_eq(chat_peer_init(&n.s[i].p, &c), 0);
		memset(&pc, 0, sizeof(pc));
		pc.type = STUN_CAND_HOST;
		pc.addr = n.s[i].addr;
		ck_assert_int_eq(chat_peer_add_local(&n.s[i].p, &pc), 0);
		pc.addr = n.s[1 - i].addr;
		ck_assert_int_eq(chat_peer_add_remote(&n.s[i].p, &pc), 0);
	}
}

static void
net_free(void)
{
	chat_peer_free(&n.s[0].p);
	chat_peer_free(&n.s[1].p);
}

static void
net_send(int from, const struct chat_peer_action *a)
{
	struct pkt	*p;
	int		 to;

	unsigned	 sock = 0;
	int		 relayed;

	to = stun_addr_equal(&a->to, &n.s[0].addr) ? 0 :
	    stun_addr_equal(&a->to, &n.s[1].addr) ? 1 : -1;
	/* Through the relay: sent from its socket, or to its address. */
	relayed = n.relay == from + 1 && a->sock == 1;
	if (n.relay != 0 && stun_addr_equal(&a->to, &n.relay_addr)) {
		to = n.relay - 1;
		sock = 1;
		relayed = 1;
	}
	if (a->len > 0 && a->buf[0] == CHAT_PKT_DATA)
		n.s[from].sent_data++;
	if (from == 1 && n.hellolen == 0 && a->len <= sizeof(n.hello) &&
	    a->len > 0 && a->buf[0] == CHAT_PKT_HELLO) {
		memcpy(n.hello, a->buf, a->len);
		n.hellolen = a->len;
	}
	/* Checks, but not the consent checks on the path. */
	if (a->len >= 2 && a->buf[0] == 0x00 && a->buf[1] == 0x01 &&
	    n.now >= STUN_PUNCH_TIMEOUT &&
	    !(n.s[from].p.path.kind != CHAT_PATH_NONE &&
	    a->sock == n.s[from].p.path.sock &&
	    stun_addr_equal(&a->to, &n.s[from].p.path.addr)))
		n.s[from].sent_checks++;
	n.count++;
	if (to < 0 || n.dead[from] || n.dead[to] || n.nq == NET_Q ||
	    (n.no_direct && !relayed) || (n.relay_down && relayed) ||
	    (n.drop_every != 0 && n.count % n.drop_every == 0))
		return;
	ck_assert_uint_le(a->len, sizeof(p->buf));
	p = &n.q[n.nq++];
	p->at = n.now + NET_LATENCY;
	p->to = to;
	p->sock = sock;
	p->from = n.relay == from + 1 && a->sock == 1 ? n.relay_addr :
	    n.s[from].addr;
	memcpy(p->buf, a->buf, a->len);
	p->len = a->len;
	if (n.tamper && p->buf[0] == CHAT_PKT_DATA)
		p->buf[p->len - 1] ^= 0x40;
}

static uint64_t
drain(int i)
{
	struct chat_peer_action	 a;
	struct side		*s = &n.s[i];
	unsigned		 k;

	for (k = 0; k < 10000; k++) {
		chat_peer_next(&s->p, n.now, &a);
		switch (a.kind) {
		case CHAT_PEER_A_WAIT:
			return (a.wake);
		case CHAT_PEER_A_SEND:
			net_send(i, &a);
			break;
		case CHAT_PEER_A_PATH:
			s->path++;
			s->path_kind = s->p.path.kind;
			break;
		case CHAT_PEER_A_UP:
			s->up++;
			s->up_at = n.now;
			memcpy(s->name, s->p.name, sizeof(s->name));
			break;
		case CHAT_PEER_A_MESSAGE:
			ck_assert_uint_lt(s->nmsg, NET_MSGS);
			ck_assert_uint_lt(a.len, sizeof(s->msg[0]));
			memcpy(s->msg[s->nmsg], a.buf, a.len);
			s->msg[s->nmsg++][a.len] = '\0';
			break;
		case CHAT_PEER_A_DELIVERED:
			s->deliv[s->ndeliv++] = a.id;
			break;
		case CHAT_PEER_A_UNDELIVERED:
			s->undeliv_reason = a.reason;
			s->undeliv[s->nundeliv++] = a.id;
			break;
		case CHAT_PEER_A_FAILED:
			s->failed++;
			break;
		}
	}
	ck_abort_msg("peer %d never waits", i);
	return (0);
}

/* Run the world until t (ms), one tick per millisecond. */
static void
run_until(uint64_t t)
{
	unsigned	k;
	int		i;

	for (; n.now <= t; n.now++) {
		for (k = 0; k < n.nq; ) {
			if (n.q[k].at > n.now) {
				k++;
				continue;
			}
			(void)chat_peer_input(&n.s[n.q[k].to].p, n.q[k].sock,
			    &n.q[k].from, n.q[k].buf, n.q[k].len, n.now);
			n.q[k] = n.q[--n.nq];
		}
		for (i = 0; i < 2; i++) {
			chat_peer_timer(&n.s[i].p, n.now);
			(void)drain(i);
		}
	}
}

/*
 * Side i gets a relayed address on its socket 1 and the other side learns
 * it as a relay candidate; with no_direct, only relayed packets pass.
 */
static void
net_relay(int i, int no_direct)
{
	struct stun_punch_cand	pc;

	n.relay = i + 1;
	addr4(&n.relay_addr, 99, 5000);
	n.no_direct = no_direct;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_RELAY;
	pc.addr = n.relay_addr;
	pc.sock = 1;
	ck_assert_int_eq(chat_peer_add_local(&n.s[i].p, &pc), 0);
	pc.sock = 0;
	ck_assert_int_eq(chat_peer_add_remote(&n.s[1 - i].p, &pc), 0);
}

/* Two peers, no direct way, 0's relay; both go at 10 ms. */
static void
net_start_relayed(void)
{
	net_init(secret_a, secret_a);
	net_relay(0, 1);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
}

static void
send_msg(int i, const char *text, uint32_t *id)
{
	ck_assert_int_eq(chat_peer_send(&n.s[i].p, (const uint8_t *)text,
	    strlen(text), n.now, id), 0);
}

static int
contains(const uint8_t *buf, size_t len, const char *s)
{
	size_t	l = strlen(s), i;

	for (i = 0; i + l <= len; i++)
		if (memcmp(buf + i, s, l) == 0)
			return (1);
	return (0);
}

START_TEST(peer_pair_keys_agree_and_differ)
{
	uint8_t	k1[32], k2[32], k3[32];
	char	a1[CHAT_PEER_UFRAG_LEN + 1], b1[CHAT_PEER_UFRAG_LEN + 1];
	char	a2[CHAT_PEER_UFRAG_LEN + 1], b2[CHAT_PEER_UFRAG_LEN + 1];

	ck_assert_int_eq(chat_peer_pair_keys(secret_a, 7, 9, k1, a1, b1), 0);
	ck_assert_int_eq(chat_peer_pair_keys(secret_a, 9, 7, k2, b2, a2), 0);
	ck_assert_mem_eq(k1, k2, 32);
	ck_assert_str_eq(a1, a2);
	ck_assert_str_eq(b1, b2);
	ck_assert_str_ne(a1, b1);
	ck_assert_uint_eq(strlen(a1), CHAT_PEER_UFRAG_LEN);
	ck_assert_int_eq(chat_peer_pair_keys(secret_b, 7, 9, k3, a2, b2), 0);
	ck_assert_int_ne(memcmp(k1, k3, 32), 0);
	ck_assert_int_eq(chat_peer_pair_keys(secret_a, 9, 8, k3, a2, b2), 0);
	ck_assert_int_ne(memcmp(k1, k3, 32), 0);
	ck_assert_int_eq(chat_peer_pair_keys(secret_a, 7, 7, k3, a2, b2),
	    STUN_ERR_INVALID);
}
END_TEST

START_TEST(peer_nothing_before_go)
{
	uint32_t	id;

	net_init(secret_a, secret_a);
	send_msg(0, "early", &id);
	run_until(3000);
	ck_assert_uint_eq(n.count, 0);
	ck_assert_int_eq(n.s[0].p.state, CHAT_PEER_S_WAITING);
	ck_assert_uint_eq(chat_peer_pending(&n.s[0].p), 1);
	chat_peer_go(&n.s[0].p, 3100);
	chat_peer_go(&n.s[1].p, 3100);
	run_until(5000);
	ck_assert_int_eq(n.s[0].up, 1);
	ck_assert_int_ge(n.s[0].up_at, 3100);
	ck_assert_uint_eq(n.s[1].nmsg, 1);
	ck_assert_str_eq(n.s[1].msg[0], "early");
	ck_assert_uint_eq(n.s[0].ndeliv, 1);
	ck_assert_uint_eq(n.s[0].deliv[0], id);
	net_free();
}
END_TEST

/* Side i starts over: a new peer object, same ids, a new key. */
static void
side_restart(int i)
{
	struct chat_peer_config	 c;
	struct stun_punch_cand	 pc;

	chat_peer_free(&n.s[i].p);
	memset(&c, 0, sizeof(c));
	c.secret = secret_a;
	c.self_id = (uint32_t)i + 1;
	c.peer_id = (uint32_t)(2 - i);
	c.self_name = i == 0 ? "alice" : "bob";
	c.peer_name = i == 0 ? "bob?" : "alice?";
	c.rnd = rnd;
	c.rnd_arg = &n;
	ck_assert_int_eq(chat_peer_init(&n.s[i].p, &c), 0);
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.addr = n.s[i].addr;
	ck_assert_int_eq(chat_peer_add_local(&n.s[i].p, &pc), 0);
	pc.addr = n.s[1 - i].addr;
	ck_assert_int_eq(chat_peer_add_remote(&n.s[i].p, &pc), 0);
	chat_peer_go(&n.s[i].p, n.now);
}

/*
 * Bob starts over (his process lost the session, same member id): alice
 * re-keys on his new HELLO, the message she had queued while he was
 * away ends UNDELIVERED ("the peer started over"), and messages flow
 * both ways on the new session.  Then bob's HELLO of the first session,
 * recorded, is played to alice: she answers on a new handshake that
 * nobody completes (bob's session ignores a re-key it did not ask for),
 * and the session goes on, nothing reset, messages delivered.
 */
START_TEST(peer_restart_rekeys_and_a_replay_does_not)
{
	struct pkt	*q;
	uint32_t	 id;
	uint64_t	 t;
	int		 i;

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	ck_assert_uint_gt(n.hellolen, 0);
	/* Bob is away, then starts over. */
	t = n.now;
	n.dead[1] = 1;
	send_msg(0, "while bob restarts", &id);
	run_until(t + 500);
	n.dead[1] = 0;
	side_restart(1);
	run_until(t + 3000);
	ck_assert_int_eq(n.s[0].up, 2);
	ck_assert_int_eq(n.s[1].up, 2);
	ck_assert_uint_eq(n.s[0].p.rekeys, 1);
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_uint_eq(n.s[0].undeliv[0], id);
	ck_assert_str_eq(n.s[0].undeliv_reason, "the peer started over");
	ck_assert_uint_eq(n.s[1].nmsg, 0);
	send_msg(0, "after", &id);
	send_msg(1, "after too", &id);
	run_until(t + 4000);
	ck_assert_uint_eq(n.s[0].ndeliv, 1);
	ck_assert_uint_eq(n.s[1].nmsg, 1);
	ck_assert_str_eq(n.s[1].msg[0], "after");
	ck_assert_uint_eq(n.s[0].nmsg, 1);
	ck_assert_str_eq(n.s[0].msg[0], "after too");
	/* The recording of bob's first HELLO, played to alice. */
	q = &n.q[n.nq++];
	memset(q, 0, sizeof(*q));
	q->at = n.now + 1;
	q->to = 0;
	q->from = n.s[1].addr;
	memcpy(q->buf, n.hello, n.hellolen);
	q->len = n.hellolen;
	t = n.now;
	send_msg(0, "during the replay", &id);
	send_msg(1, "during the replay too", &id);
	run_until(t + 100);
	ck_assert(n.s[0].p.rekeying);
	run_until(t + CHAT_PEER_HS_TIMEOUT + 500);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].up, 2);
		ck_assert_uint_eq(n.s[i].p.rekeys, i == 0 ? 1 : 0);
		ck_assert(!n.s[i].p.rekeying);
		ck_assert_uint_eq(n.s[i].ndeliv, 2);
		ck_assert_uint_eq(n.s[i].nmsg, 2);
	}
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_uint_eq(n.s[1].nundeliv, 0);
	ck_assert_str_eq(n.s[1].msg[1], "during the replay");
	ck_assert_int_eq(n.s[0].failed + n.s[1].failed, 0);
	net_free();
}
END_TEST

START_TEST(peer_handshake_and_messages_both_ways)
{
	char		 text[32];
	uint32_t	 ids[2][20];
	int		 i, k;

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 1);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_DIRECT);
		ck_assert_int_eq(n.s[i].up, 1);
		ck_assert_int_eq(n.s[i].p.state, CHAT_PEER_S_UP);
		ck_assert(n.s[i].p.verified);
		/*
		 * Go at 10 ms, 5 ms each way: checks, nomination, HELLO and
		 * FINISH in a few round trips, no retransmission timeout.
		 */
		ck_assert_uint_lt(n.s[i].up_at, 100);
	}
	/* The verified names come from the handshake, not the server. */
	ck_assert_str_eq(n.s[0].name, "bob");
	ck_assert_str_eq(n.s[1].name, "alice");
	ck_assert(stun_addr_equal(&n.s[0].p.path.addr, &n.s[1].addr));
	for (k = 0; k < 20; k++)
		for (i = 0; i < 2; i++) {
			snprintf(text, sizeof(text), "%s %d",
			    i == 0 ? "ping" : "pong", k);
			send_msg(i, text, &ids[i][k]);
		}
	run_until(3000);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(n.s[i].nmsg, 20);
		ck_assert_uint_eq(n.s[i].ndeliv, 20);
		ck_assert_uint_eq(n.s[i].nundeliv, 0);
		ck_assert_uint_eq(chat_peer_pending(&n.s[i].p), 0);
		for (k = 0; k < 20; k++) {
			snprintf(text, sizeof(text), "%s %d",
			    i == 1 ? "ping" : "pong", k);
			ck_assert_str_eq(n.s[i].msg[k], text);
		}
	}
	net_free();
}
END_TEST

START_TEST(peer_relay_path_when_direct_fails)
{
	char		 text[32];
	uint32_t	 id;
	int		 i, k;

	net_start_relayed();
	run_until(2000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 1);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
		ck_assert_int_eq(n.s[i].up, 1);
		ck_assert_int_eq(n.s[i].failed, 0);
	}
	/* Alice sends from the relay socket; bob answers the relay. */
	ck_assert_uint_eq(n.s[0].p.path.sock, 1);
	ck_assert_int_eq(n.s[0].p.path.local_type, STUN_CAND_RELAY);
	ck_assert(stun_addr_equal(&n.s[1].p.path.addr, &n.relay_addr));
	ck_assert_int_eq(n.s[1].p.path.remote_type, STUN_CAND_RELAY);
	for (k = 0; k < 10; k++)
		for (i = 0; i < 2; i++) {
			snprintf(text, sizeof(text), "relayed %d %d", i, k);
			send_msg(i, text, &id);
		}
	run_until(4000);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(n.s[i].nmsg, 10);
		ck_assert_uint_eq(n.s[i].ndeliv, 10);
		ck_assert_uint_eq(n.s[i].nundeliv, 0);
	}
	net_free();
}
END_TEST

START_TEST(peer_moves_from_relay_to_direct)
{
	uint32_t	id;
	int		i;

	net_init(secret_a, secret_a);
	net_relay(1, 1);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
	/* The direct way opens while the checks still run: it wins. */
	n.no_direct = 0;
	run_until(4000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 2);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_DIRECT);
		ck_assert_int_eq(n.s[i].up, 1);
		ck_assert_int_eq(n.s[i].failed, 0);
		ck_assert(stun_addr_equal(&n.s[i].p.path.addr,
		    &n.s[1 - i].addr));
	}
	send_msg(0, "direct now", &id);
	send_msg(1, "direct too", &id);
	run_until(5000);
	for (i = 0; i < 2; i++)
		ck_assert_uint_eq(n.s[i].ndeliv, 1);
	ck_assert_str_eq(n.s[1].msg[0], "direct now");
	net_free();
}
END_TEST

/*
 * The direct way opens at 40 s, long after the punch window: the pair
 * stays on the relay, messages flowing, until a recheck round (15 s,
 * then 30 s later) finds the direct path; messages then go direct.
 */
START_TEST(peer_moves_to_direct_after_punch_window)
{
	uint32_t	id;
	int		i;

	net_init(secret_a, secret_a);
	net_relay(1, 1);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(20000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 1);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
	}
	send_msg(0, "relayed", &id);
	run_until(39999);
	n.no_direct = 0;
	run_until(44000);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
	run_until(48000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 2);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_DIRECT);
		ck_assert_int_eq(n.s[i].up, 1);
		ck_assert_int_eq(n.s[i].failed, 0);
		ck_assert(stun_addr_equal(&n.s[i].p.path.addr,
		    &n.s[1 - i].addr));
	}
	/* Direct only from now on: the relay is cut off. */
	n.relay = 0;
	send_msg(0, "direct now", &id);
	send_msg(1, "direct too", &id);
	run_until(50000);
	ck_assert_uint_eq(n.s[0].ndeliv, 2);
	ck_assert_uint_eq(n.s[1].ndeliv, 1);
	ck_assert_uint_eq(n.s[1].nmsg, 2);
	ck_assert_str_eq(n.s[1].msg[0], "relayed");
	ck_assert_str_eq(n.s[1].msg[1], "direct now");
	ck_assert_str_eq(n.s[0].msg[0], "direct too");
	net_free();
}
END_TEST

/*
 * No direct way, ever: 5 minutes on the relay, messages still delivered,
 * and the rechecks (rounds at 3, 9, 21, 45, 93, 189 s) send at most 4
 * checks of the one direct pair each: 24 Binding requests a side after
 * the punch window, keepalives aside.
 */
START_TEST(peer_relay_keeps_working_with_bounded_checks)
{
	uint32_t	id;
	int		i;

	net_start_relayed();
	run_until(100000);
	send_msg(0, "at 100 s", &id);
	send_msg(1, "at 100 s too", &id);
	run_until(290000);
	send_msg(0, "at 290 s", &id);
	run_until(300000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(n.s[i].path, 1);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
		ck_assert_int_eq(n.s[i].failed, 0);
		ck_assert_uint_eq(n.s[i].nundeliv, 0);
		ck_assert_uint_eq(n.s[i].p.punch.rechecks, 6);
		ck_assert_uint_gt(n.s[i].sent_checks, 0);
		ck_assert_uint_le(n.s[i].sent_checks,
		    6 * STUN_PUNCH_RECHECK_SENDS);
	}
	ck_assert_uint_eq(n.s[0].ndeliv, 2);
	ck_assert_uint_eq(n.s[1].ndeliv, 1);
	ck_assert_str_eq(n.s[1].msg[1], "at 290 s");
	net_free();
}
END_TEST

/*
 * The relay's allocation is lost at 3 s, with a message in flight each
 * way, and made again on a new address at 6 s; the peer hears of it 50 ms
 * later.  Both find the new relayed path, and the two messages arrive
 * (retransmitted), none undelivered.  The peer may take the new relayed
 * address from our checks before the rendezvous names it (a path
 * change more), and reports it as relayed once it does.
 */
START_TEST(peer_relay_allocated_again_delivers_in_flight)
{
	struct stun_punch_cand	pc;
	uint32_t		id;
	int			i;

	net_start_relayed();
	run_until(3000);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
	n.relay_down = 1;
	send_msg(0, "in flight 0", &id);
	send_msg(1, "in flight 1", &id);
	run_until(6000);
	ck_assert_uint_eq(n.s[0].ndeliv + n.s[1].ndeliv, 0);
	addr4(&n.relay_addr, 98, 6000);
	n.relay_down = 0;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_RELAY;
	pc.addr = n.relay_addr;
	pc.sock = 1;
	ck_assert_int_eq(chat_peer_relay_moved(&n.s[0].p, 1, &pc, n.now), 0);
	run_until(6050);
	pc.sock = 0;
	ck_assert_int_eq(chat_peer_relay_moved(&n.s[1].p, 0, &pc, n.now), 0);
	run_until(12000);
	ck_assert_int_eq(n.s[0].path, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_int_ge(n.s[i].path, 2);
		ck_assert_int_le(n.s[i].path, 3);
		ck_assert_int_eq(n.s[i].path_kind, CHAT_PATH_RELAY);
		ck_assert_int_eq(n.s[i].failed, 0);
		ck_assert_uint_eq(n.s[i].ndeliv, 1);
		ck_assert_uint_eq(n.s[i].nundeliv, 0);
		ck_assert_uint_eq(n.s[i].nmsg, 1);
	}
	ck_assert(stun_addr_equal(&n.s[1].p.path.addr, &n.relay_addr));
	ck_assert_uint_eq(n.s[0].p.path.sock, 1);
	ck_assert_str_eq(n.s[1].msg[0], "in flight 0");
	ck_assert_str_eq(n.s[0].msg[0], "in flight 1");
	net_free();
}
END_TEST

/* The relay never comes back: the message is reported, not lost. */
START_TEST(peer_relay_lost_for_good_reports_undelivered)
{
	uint32_t	id;
	int		i;

	net_start_relayed();
	run_until(3000);
	n.relay_down = 1;
	send_msg(0, "never", &id);
	run_until(60000);
	ck_assert_uint_eq(n.s[0].ndeliv, 0);
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_uint_eq(n.s[0].undeliv[0], id);
	for (i = 0; i < 2; i++)
		ck_assert_uint_eq(chat_peer_pending(&n.s[i].p), 0);
	net_free();
}
END_TEST

START_TEST(peer_loss_still_delivers_in_order)
{
	char		 text[32];
	uint32_t	 id;
	int		 i, k;

	net_init(secret_a, secret_a);
	n.drop_every = 4;	/* 25 % of datagrams, both ways */
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(3000);
	ck_assert_int_eq(n.s[0].up, 1);
	ck_assert_int_eq(n.s[1].up, 1);
	for (k = 0; k < 30; k++)
		for (i = 0; i < 2; i++) {
			snprintf(text, sizeof(text), "m%d", k);
			send_msg(i, text, &id);
		}
	run_until(20000);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(n.s[i].nmsg, 30);
		ck_assert_uint_eq(n.s[i].ndeliv + n.s[i].nundeliv, 30);
		ck_assert_uint_eq(n.s[i].nundeliv, 0);
		for (k = 0; k < 30; k++) {
			snprintf(text, sizeof(text), "m%d", k);
			ck_assert_str_eq(n.s[i].msg[k], text);
		}
	}
	net_free();
}
END_TEST

START_TEST(peer_tampered_data_is_refused_and_reported)
{
	uint32_t	id;

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	ck_assert_int_eq(n.s[1].up, 1);
	n.tamper = 1;
	send_msg(0, "secret plans", &id);
	run_until(40000);
	/* Never accepted, and the sender is told. */
	ck_assert_uint_eq(n.s[1].nmsg, 0);
	ck_assert_uint_ge(n.s[1].p.dropped, 1);
	ck_assert_uint_eq(n.s[0].ndeliv, 0);
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_uint_eq(n.s[0].undeliv[0], id);
	ck_assert_uint_eq(chat_peer_pending(&n.s[0].p), 0);
	net_free();
}
END_TEST

START_TEST(peer_plaintext_never_on_the_wire)
{
	uint32_t	 id;
	unsigned	 k;

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	send_msg(0, "MARKER-attack-at-dawn", &id);
	/* Look at the queue right after the send. */
	n.now++;
	(void)drain(0);
	ck_assert_uint_gt(n.nq, 0);
	for (k = 0; k < n.nq; k++)
		ck_assert(!contains(n.q[k].buf, n.q[k].len, "MARKER"));
	net_free();
}
END_TEST

START_TEST(peer_wrong_secret_never_connects)
{
	uint32_t	id;

	net_init(secret_a, secret_b);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	send_msg(0, "hello?", &id);
	run_until(120000);
	/* The punch keys differ: no path, no handshake, no message. */
	ck_assert_int_eq(n.s[0].up, 0);
	ck_assert_int_eq(n.s[1].up, 0);
	ck_assert_int_eq(n.s[0].path, 0);
	/* The first round and every retry fail, then it stops. */
	ck_assert_int_eq(n.s[0].failed, 1 + CHAT_PEER_RETRIES);
	ck_assert_int_eq(n.s[0].p.state, CHAT_PEER_S_FAILED);
	ck_assert_uint_eq(n.s[0].p.retry_at, 0);
	ck_assert_uint_eq(n.s[1].nmsg, 0);
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_uint_eq(n.s[0].undeliv[0], id);
	ck_assert_int_eq(chat_peer_send(&n.s[0].p, (const uint8_t *)"x", 1,
	    n.now, &id), STUN_ERR_STATE);
	net_free();
}
END_TEST

START_TEST(peer_retries_when_the_other_starts_late)
{
	uint32_t	id;

	net_init(secret_a, secret_a);
	/*
	 * Bob heard of Alice late (a lost announcement): until then Alice's
	 * checks go nowhere, and she fails first.
	 */
	n.dead[1] = 1;
	chat_peer_go(&n.s[0].p, 10);
	send_msg(0, "lost", &id);
	run_until(6000);
	ck_assert_int_eq(n.s[0].failed, 1);
	ck_assert_uint_eq(n.s[0].nundeliv, 1);
	ck_assert_int_eq(chat_peer_send(&n.s[0].p, (const uint8_t *)"x", 1,
	    n.now, &id), STUN_ERR_STATE);
	n.dead[1] = 0;
	chat_peer_go(&n.s[1].p, 6500);
	run_until(9000);
	/* Alice's retry (or Bob's checks) brings the pair up. */
	ck_assert_int_eq(n.s[0].up, 1);
	ck_assert_int_eq(n.s[1].up, 1);
	ck_assert_int_eq(n.s[0].failed, 1);
	send_msg(0, "found", &id);
	run_until(10000);
	/* What was reported undelivered stays undelivered. */
	ck_assert_uint_eq(n.s[1].nmsg, 1);
	ck_assert_str_eq(n.s[1].msg[0], "found");
	ck_assert_uint_eq(n.s[0].ndeliv, 1);
	ck_assert_uint_eq(n.s[0].deliv[0], id);
	ck_assert_uint_ne(n.s[0].undeliv[0], id);
	net_free();
}
END_TEST

START_TEST(peer_vanished_peer_ends_undelivered)
{
	uint32_t	id1, id2;

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	ck_assert_int_eq(n.s[0].up, 1);
	n.dead[1] = 1;
	send_msg(0, "anyone?", &id1);
	send_msg(0, "hello?", &id2);
	run_until(60000);
	ck_assert_uint_eq(n.s[0].ndeliv, 0);
	ck_assert_uint_eq(n.s[0].nundeliv, 2);
	ck_assert_uint_eq(n.s[0].undeliv[0], id1);
	ck_assert_uint_eq(n.s[0].undeliv[1], id2);
	net_free();
}
END_TEST

START_TEST(peer_close_reports_every_queued_message)
{
	uint32_t	id[3];
	int		k;

	net_init(secret_a, secret_a);
	for (k = 0; k < 3; k++)
		send_msg(0, "queued", &id[k]);
	chat_peer_close(&n.s[0].p, "left");
	(void)drain(0);
	ck_assert_uint_eq(n.s[0].nundeliv, 3);
	for (k = 0; k < 3; k++)
		ck_assert_uint_eq(n.s[0].undeliv[k], id[k]);
	ck_assert_str_eq(n.s[0].undeliv_reason, "left");
	ck_assert_uint_eq(chat_peer_pending(&n.s[0].p), 0);
	/* And nothing more: no failure report, no second answer. */
	(void)drain(0);
	ck_assert_uint_eq(n.s[0].nundeliv, 3);
	ck_assert_int_eq(n.s[0].failed, 0);
	net_free();
}
END_TEST

START_TEST(peer_ignores_strangers)
{
	struct stun_addr	 x;
	uint8_t			 junk[64];

	net_init(secret_a, secret_a);
	chat_peer_go(&n.s[0].p, 10);
	chat_peer_go(&n.s[1].p, 10);
	run_until(1000);
	addr4(&x, 99, 9999);
	memset(junk, 0, sizeof(junk));
	junk[0] = CHAT_PKT_DATA;
	junk[1] = CHAT_VERSION;
	/* Chat packets from an unknown address belong to another peer. */
	ck_assert_int_eq(chat_peer_input(&n.s[0].p, 0, &x, junk,
	    sizeof(junk), n.now), STUN_ERR_NOT_STUN);
	/* From the peer's address but forged: refused and counted. */
	ck_assert_int_lt(chat_peer_input(&n.s[0].p, 0, &n.s[1].addr, junk,
	    sizeof(junk), n.now), 0);
	ck_assert_uint_ge(n.s[0].p.dropped, 1);
	/* A STUN check under another pair's key is not ours. */
	junk[0] = 0x00;
	ck_assert_int_eq(chat_peer_input(&n.s[0].p, 0, &x, junk, 20,
	    n.now), STUN_ERR_NOT_STUN);
	ck_assert_int_eq(n.s[0].p.state, CHAT_PEER_S_UP);
	net_free();
}
END_TEST

/* Room layer: the member list from the rendezvous becomes peers. */
static void
member(struct stun_rdv_member *m, uint32_t id, const char *name, uint8_t last)
{
	memset(m, 0, sizeof(*m));
	m->id = id;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->ncand = 1;
	m->cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&m->cand[0].addr, last, 4000);
}

/* Drain the room; count what came out. */
static void
room_drain(struct chat_room *r, uint64_t now, unsigned *members,
    unsigned *left, const char **reason, unsigned *undeliv)
{
	struct chat_room_action	a;
	unsigned		k;

	for (k = 0; k < 10000; k++) {
		chat_room_next(r, now, &a);
		switch (a.kind) {
		case CHAT_ROOM_A_WAIT:
			return;
		case CHAT_ROOM_A_MEMBER:
			(*members)++;
			break;
		case CHAT_ROOM_A_LEFT:
			(*left)++;
			*reason = a.reason;
			break;
		case CHAT_ROOM_A_PEER:
			if (a.pa.kind == CHAT_PEER_A_UNDELIVERED)
				(*undeliv)++;
			break;
		}
	}
	ck_abort_msg("the room never waits");
}

START_TEST(room_members_come_and_go)
{
	struct chat_room	 r;
	struct stun_rdv_member	 m[3];
	struct chat_peer	*p;
	const char		*why = NULL;
	unsigned		 nm = 0, nl = 0, nu = 0, i, live;
	uint32_t		 id;

	ck_assert_int_eq(chat_room_init(&r, secret_a, "alice"), 0);
	r.rnd = rnd;
	r.rnd_arg = &n;
	member(&m[0], 1, "alice", 1);	/* ourselves: never a peer */
	member(&m[1], 2, "bob", 2);
	member(&m[2], 3, "carol", 3);
	chat_room_members(&r, 1, m, 3, STUN_RDV_EV_JOIN, 3, 0);
	room_drain(&r, 0, &nm, &nl, &why, &nu);
	ck_assert_uint_eq(nm, 2);
	ck_assert_uint_eq(nl, 0);
	/* The same list again changes nothing. */
	chat_room_members(&r, 1, m, 3, STUN_RDV_EV_MOVE, 2, 10);
	room_drain(&r, 10, &nm, &nl, &why, &nu);
	ck_assert_uint_eq(nm, 2);
	/* Carol times out with a message queued to her. */
	for (i = 0, p = NULL; i < CHAT_ROOM_MAX_PEERS; i++)
		if (chat_room_peer(&r, i) != NULL &&
		    chat_room_peer(&r, i)->id == 3)
			p = chat_room_peer(&r, i);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(chat_peer_send(p, (const uint8_t *)"hi", 2, 20,
	    &id), 0);
	ck_assert_uint_eq(chat_room_pending(&r), 1);
	chat_room_members(&r, 1, m, 2, STUN_RDV_EV_TIMEOUT, 3, 30);
	room_drain(&r, 30, &nm, &nl, &why, &nu);
	ck_assert_uint_eq(nl, 1);
	ck_assert_str_eq(why, "timeout");
	ck_assert_uint_eq(nu, 1);
	ck_assert_uint_eq(chat_room_pending(&r), 0);
	for (i = 0, live = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		live += chat_room_peer(&r, i) != NULL;
	ck_assert_uint_eq(live, 1);
	/* Registered again under a new id: everyone leaves and returns. */
	chat_room_reset(&r, "we registered again");
	room_drain(&r, 40, &nm, &nl, &why, &nu);
	ck_assert_uint_eq(nl, 2);
	chat_room_members(&r, 9, m, 3, STUN_RDV_EV_JOIN, 9, 50);
	room_drain(&r, 50, &nm, &nl, &why, &nu);
	ck_assert_uint_eq(nm, 5);	/* alice (id 1) is someone else now */
	chat_room_free(&r);
}
END_TEST

/*
 * The Members indication naming bob was lost, his go was not: the room
 * says so (the caller asks for the list again) and bob, once listed,
 * punches at once instead of after the go fallback.  A go that comes
 * after the list replaces the fallback guess, even when it is later.
 */
START_TEST(room_go_before_members_starts_at_once)
{
	struct chat_room	 r;
	struct stun_rdv_member	 m[2];
	struct chat_peer	*p = NULL;
	unsigned		 i;

	ck_assert_int_eq(chat_room_init(&r, secret_a, "alice"), 0);
	r.rnd = rnd;
	r.rnd_arg = &n;
	member(&m[0], 2, "bob", 2);
	member(&m[1], 3, "carol", 3);
	ck_assert_int_eq(chat_room_go(&r, 2, 100), STUN_ERR_STATE);
	ck_assert_int_eq(chat_room_go(&r, 2, 150), STUN_ERR_STATE);
	chat_room_members(&r, 1, m, 2, STUN_RDV_EV_JOIN, 3, 4000);
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (chat_room_peer(&r, i) != NULL &&
		    chat_room_peer(&r, i)->id == 2)
			p = chat_room_peer(&r, i);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->go_at, 4000);
	ck_assert_uint_eq(r.nearly, 0);
	/* Carol had no go: the fallback. */
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if (chat_room_peer(&r, i) != NULL &&
		    chat_room_peer(&r, i)->id == 3)
			p = chat_room_peer(&r, i);
	ck_assert_uint_eq(p->id, 3);
	ck_assert_uint_eq(p->go_at, 4000 + CHAT_ROOM_GO_FALLBACK);
	/* Her go, later than the guess, replaces it; a second one does not. */
	ck_assert_int_eq(chat_room_go(&r, 3, 4000 + CHAT_ROOM_GO_FALLBACK +
	    300), 0);
	ck_assert_uint_eq(p->go_at, 4000 + CHAT_ROOM_GO_FALLBACK + 300);
	ck_assert_int_eq(chat_room_go(&r, 3, 9000), 0);
	ck_assert_uint_eq(p->go_at, 4000 + CHAT_ROOM_GO_FALLBACK + 300);
	/* Gos for strangers stay bounded. */
	for (i = 0; i < 100; i++)
		(void)chat_room_go(&r, 100 + i, 5000);
	ck_assert_uint_eq(r.nearly, CHAT_ROOM_MAX_PEERS);
	chat_room_free(&r);
}
END_TEST

START_TEST(room_late_local_candidate_reaches_every_peer)
{
	struct chat_room	 r;
	struct stun_rdv_member	 m[2];
	struct stun_punch_cand	 pc;
	struct chat_peer	*p;
	unsigned		 i, seen = 0;

	ck_assert_int_eq(chat_room_init(&r, secret_a, "alice"), 0);
	r.rnd = rnd;
	r.rnd_arg = &n;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	addr4(&pc.addr, 1, 4000);
	ck_assert_int_eq(chat_room_add_local(&r, &pc), 0);
	member(&m[0], 2, "bob", 2);
	member(&m[1], 3, "carol", 3);
	chat_room_members(&r, 1, m, 2, STUN_RDV_EV_JOIN, 3, 0);
	/* A relay allocated after the peers exist: each pairs it. */
	pc.type = STUN_CAND_RELAY;
	pc.sock = 1;
	addr4(&pc.addr, 99, 5000);
	ck_assert_int_eq(chat_room_add_local(&r, &pc), 0);
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = chat_room_peer(&r, i)) == NULL)
			continue;
		seen++;
		ck_assert_uint_eq(p->punch.nlocal, 2);
		ck_assert_int_eq(p->punch.local[1].type, STUN_CAND_RELAY);
		ck_assert_uint_eq(p->punch.local[1].sock, 1);
	}
	ck_assert_uint_eq(seen, 2);
	chat_room_free(&r);
}
END_TEST

/*
 * Relays allocated again: ours replaces our relay candidate at every
 * peer, and a member listed with a new relayed address replaces its old
 * one (pairs stay one per candidate, nothing added).
 */
START_TEST(room_relay_allocated_again_replaces_the_candidate)
{
	struct chat_room	 r;
	struct stun_rdv_member	 m[2];
	struct stun_punch_cand	 pc;
	struct stun_addr	 old;
	struct chat_peer	*p;
	unsigned		 i, k, seen = 0;

	ck_assert_int_eq(chat_room_init(&r, secret_a, "alice"), 0);
	r.rnd = rnd;
	r.rnd_arg = &n;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	addr4(&pc.addr, 1, 4000);
	ck_assert_int_eq(chat_room_add_local(&r, &pc), 0);
	pc.type = STUN_CAND_RELAY;
	pc.sock = 1;
	addr4(&pc.addr, 99, 5000);
	ck_assert_int_eq(chat_room_relay(&r, &pc, 0), 0);
	member(&m[0], 2, "bob", 2);
	member(&m[1], 3, "carol", 3);
	for (k = 0; k < 2; k++) {
		m[k].ncand = 2;
		m[k].cand[1].kind = STUN_RDV_CAND_RELAY;
		addr4(&m[k].cand[1].addr, (uint8_t)(90 + k), 7000);
	}
	chat_room_members(&r, 1, m, 2, STUN_RDV_EV_JOIN, 3, 0);
	old = m[0].cand[1].addr;
	/* Ours again, on a new port; bob's again, on a new address. */
	addr4(&pc.addr, 99, 5001);
	ck_assert_int_eq(chat_room_relay(&r, &pc, 100), 0);
	ck_assert_uint_eq(r.nlocal, 2);
	addr4(&m[0].cand[1].addr, 80, 7001);
	chat_room_members(&r, 1, m, 2, STUN_RDV_EV_MOVE, 2, 200);
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = chat_room_peer(&r, i)) == NULL)
			continue;
		seen++;
		ck_assert_uint_eq(p->punch.nlocal, 2);
		ck_assert_int_eq(p->punch.local[1].type, STUN_CAND_RELAY);
		ck_assert(stun_addr_equal(&p->punch.local[1].addr, &pc.addr));
		ck_assert_uint_eq(p->punch.nremote, 2);
		ck_assert_int_eq(p->punch.remote[1].type, STUN_CAND_RELAY);
		ck_assert(stun_addr_equal(&p->punch.remote[1].addr,
		    &m[p->id - 2].cand[1].addr));
		ck_assert(!stun_addr_equal(&p->punch.remote[1].addr, &old));
	}
	ck_assert_uint_eq(seen, 2);
	chat_room_free(&r);
}
END_TEST

START_TEST(room_strangers_are_unclaimed)
{
	struct chat_room	 r;
	struct stun_rdv_member	 m;
	struct stun_addr	 x;
	uint8_t			 pkt[40];

	ck_assert_int_eq(chat_room_init(&r, secret_a, "alice"), 0);
	r.rnd = rnd;
	r.rnd_arg = &n;
	member(&m, 2, "bob", 2);
	chat_room_members(&r, 1, &m, 1, STUN_RDV_EV_JOIN, 2, 0);
	addr4(&x, 77, 7777);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = CHAT_PKT_HELLO;
	pkt[1] = CHAT_VERSION;
	ck_assert_int_eq(chat_room_input(&r, 0, &x, pkt, sizeof(pkt), 5),
	    STUN_ERR_NOT_STUN);
	pkt[0] = 0xff;
	ck_assert_int_eq(chat_room_input(&r, 0, &m.cand[0].addr, pkt,
	    sizeof(pkt), 5), STUN_ERR_NOT_STUN);
	ck_assert_uint_eq(r.unclaimed, 2);
	chat_room_free(&r);
	ck_assert_int_eq(chat_room_init(&r, secret_a, ""), STUN_ERR_INVALID);
}
END_TEST

Suite	*suite_chat_peer(void);

Suite *
suite_chat_peer(void)
{
	Suite	*s = suite_create("chat_peer");
	TCase	*tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, peer_pair_keys_agree_and_differ);
	suite_add_tcase(s, tc);
	tc = tcase_create("connect");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, peer_nothing_before_go);
	tcase_add_test(tc, peer_handshake_and_messages_both_ways);
	tcase_add_test(tc, peer_restart_rekeys_and_a_replay_does_not);
	tcase_add_test(tc, peer_plaintext_never_on_the_wire);
	suite_add_tcase(s, tc);
	tc = tcase_create("relay");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, peer_relay_path_when_direct_fails);
	tcase_add_test(tc, peer_moves_from_relay_to_direct);
	tcase_add_test(tc, peer_moves_to_direct_after_punch_window);
	tcase_add_test(tc, peer_relay_keeps_working_with_bounded_checks);
	tcase_add_test(tc, peer_relay_allocated_again_delivers_in_flight);
	tcase_add_test(tc, peer_relay_lost_for_good_reports_undelivered);
	suite_add_tcase(s, tc);
	tc = tcase_create("adversity");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, peer_loss_still_delivers_in_order);
	tcase_add_test(tc, peer_tampered_data_is_refused_and_reported);
	tcase_add_test(tc, peer_wrong_secret_never_connects);
	tcase_add_test(tc, peer_vanished_peer_ends_undelivered);
	tcase_add_test(tc, peer_retries_when_the_other_starts_late);
	tcase_add_test(tc, peer_ignores_strangers);
	suite_add_tcase(s, tc);
	tc = tcase_create("room");
	tcase_add_test(tc, room_members_come_and_go);
	tcase_add_test(tc, room_strangers_are_unclaimed);
	tcase_add_test(tc, room_late_local_candidate_reaches_every_peer);
	tcase_add_test(tc, room_relay_allocated_again_replaces_the_candidate);
	tcase_add_test(tc, room_go_before_members_starts_at_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("close");
	tcase_add_test(tc, peer_close_reports_every_queued_message);
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_rooms: stund's room table, protocol version 2, on a fake clock
 * with real client machines over a simulated network: admission after a
 * cookie, stable ids across re-registration and timeouts, deltas, path
 * challenges, replays and forgeries refused, caps per source prefix,
 * byte budgets, answers to unverified sources never larger than their
 * request, Go timing, and the relay API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"
#include "stund/auth.h"
#include "stund/rooms.h"

Suite	*suite_rooms(void);

#define NP	20		/* peers a test may use */
#define NQ	512		/* datagrams in flight */

struct peer {
	struct stun_rdv_client	 rc;
	struct stun_addr	 addr;
	unsigned		 sock;		/* rooms_src.sock */
	unsigned		 wrong_sock;	/* sent it from another */
	uint32_t		 owd;		/* one-way delay, ms */
	int			 mute;		/* drops what it receives */
	unsigned		 joined, members, gos, servers, failed;
	uint32_t		 id;
	uint8_t			 last_event;
	uint32_t		 last_event_member;
	unsigned		 nmembers;
	uint64_t		 go_at;
	uint64_t		 bytes_in;	/* what it received */
	uint64_t		 ind_in;	/* indications it received */
};

struct flight {
	uint64_t		 at;
	int			 to;		/* peer, or -1: the server */
	struct stun_addr	 from;
	unsigned		 sock;
	size_t			 len;
	uint8_t			 buf[STUN_RDV_MSG_MAX];
};

static struct rooms	 R;
static struct rooms_out	*out;
/* The log events the table returned, by type, and the last one. */
static unsigned			 EVN[ROOMS_EV_TIMEOUT + 1];
static struct rooms_event	 EVLAST;

static void
count_events(void)
{
	unsigned	i;

	ck_assert_uint_le(out->nev, ROOMS_EV_MAX);
	for (i = 0; i < out->nev; i++) {
		ck_assert_int_ge(out->ev[i].type, ROOMS_EV_CREATE);
		ck_assert_int_le(out->ev[i].type, ROOMS_EV_TIMEOUT);
		EVN[out->ev[i].type]++;
		EVLAST = out->ev[i];
	}
}
static struct peer	*P;
static struct flight	*Q;
static unsigned		 nq;
static uint64_t		 now;
static struct stun_addr	 srv;
static const struct rooms_relay *in_relay;
static uint64_t		 unv_in, unv_out;	/* to unverified sources */
static uint8_t		 key_a[32], key_b[32];
/* Every datagram the table took, for replays. */
#define NLOG	256
static struct flight	*L;
static unsigned		 nlog;

static void
addr4(struct stun_addr *a, uint8_t b2, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 198;
	a->ip[1] = 51;
	a->ip[2] = b2;
	a->ip[3] = last;
	a->port = port;
}

static void
addr6(struct stun_addr *a, uint8_t net, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET6;
	a->ip[0] = 0x20;
	a->ip[1] = 0x01;
	a->ip[2] = 0x0d;
	a->ip[3] = 0xb8;
	a->ip[7] = net;
	a->ip[15] = last;
	a->port = port;
}

static void
setup_cfg(const struct rooms_config *c)
{
	in_relay = NULL;
	nq = 0;
	now = 1000;
	unv_in = unv_out = 0;
	ck_assert_int_eq(rooms_init(&R, c), 0);
	out = calloc(1, sizeof(*out));
	P = calloc(NP, sizeof(*P));
	Q = calloc(NQ, sizeof(*Q));
	L = calloc(NLOG, sizeof(*L));
	nlog = 0;
	ck_assert(out != NULL && P != NULL && Q != NULL && L != NULL);
	addr4(&srv, 100, 250, 3478);
	memset(key_a, 0xa1, sizeof(key_a));
	memset(key_b, 0xb2, sizeof(key_b));
}

static void
setup(void)
{
	memset(EVN, 0, sizeof(EVN));
	setup_cfg(NULL);
}

static void
teardown(void)
{
	rooms_free(&R);
	free(out);
	free(P);
	free(Q);
	free(L);
}

/* Peer i: a client of room key k at address a. */
static void
peer_init(int i, const uint8_t *k, const struct stun_addr *a,
    const char *name)
{
	struct stun_rdv_config	c;

	memset(&P[i], 0, sizeof(P[i]));
	memset(&c, 0, sizeof(c));
	c.server = srv;
	memcpy(c.room_key, k, 32);
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.ncand = 1;
	c.cand[0].kind = STUN_RDV_CAND_HOST;
	c.cand[0].addr = *a;
	c.cand[0].addr.ip[0] = 10;
	ck_assert_int_eq(stun_rdv_client_init(&P[i].rc, &c), 0);
	P[i].addr = *a;
	P[i].owd = 5;
}

static void
enqueue(int to, const struct stun_addr *from, unsigned sock,
    const uint8_t *buf, size_t len, uint32_t owd)
{
	ck_assert_uint_lt(nq, NQ);
	Q[nq].at = now + owd;
	Q[nq].to = to;
	Q[nq].from = *from;
	Q[nq].sock = sock;
	Q[nq].len = len;
	memcpy(Q[nq].buf, buf, len);
	nq++;
}

/* The table takes one datagram from src (on sock) now. */
static int
server_in(const uint8_t *buf, size_t len, const struct stun_addr *src,
    unsigned sock)
{
	struct rooms_src	s;
	struct stun_msg		m;
	unsigned		i;
	int			j, verified = 0, r;

	if (stun_msg_decode(&m, buf, len) != 0)
		return (0);
	if (nlog < NLOG) {
		L[nlog].from = *src;
		L[nlog].len = len;
		memcpy(L[nlog].buf, buf, len);
		nlog++;
	}
	memset(&s, 0, sizeof(s));
	s.addr = *src;
	s.sock = sock;
	s.relay = in_relay;
	r = rooms_input(&R, &m, &s, now, out);
	count_events();
	for (i = 0; i < out->n; i++) {
		for (j = 0; j < NP; j++)
			if (stun_addr_equal(&P[j].addr, &out->pkt[i].to))
				break;
		/* Count what goes back to the asker if it is no member. */
		if (stun_addr_equal(&out->pkt[i].to, src)) {
			verified = 0;
			for (int k = 0; k < NP; k++)
				if (P[k].id != 0 &&
				    stun_addr_equal(&P[k].addr, src))
					verified = 1;
			if (!verified &&
			    out->pkt[i].cls != STUN_CLASS_INDICATION)
				unv_out += out->pkt[i].len;
		}
		if (j < NP && out->pkt[i].sock != P[j].sock)
			P[j].wrong_sock++;
		if (j < NP)
			enqueue(j, &srv, out->pkt[i].sock, out->pkt[i].buf,
			    out->pkt[i].len, P[j].owd);
	}
	return (r);
}

static void	deliver(void);

/* Expire members; what the table sends is on its way. */
static void
rooms_timer_out(void)
{
	rooms_timer(&R, now, out);
	deliver();
}

/* Connection sock closed; what the table sends is on its way. */
static void
rooms_stream_gone_out(unsigned sock)
{
	rooms_stream_gone(&R, sock, now, out);
	deliver();
}

/* What the table returned, to the peers it names. */
static void
deliver(void)
{
	unsigned	i;
	int		j;

	count_events();
	for (i = 0; i < out->n; i++)
		for (j = 0; j < NP; j++)
			if (stun_addr_equal(&P[j].addr, &out->pkt[i].to))
				enqueue(j, &srv, out->pkt[i].sock,
				    out->pkt[i].buf, out->pkt[i].len,
				    P[j].owd);
}

/* Drain peer i's actions. */
static void
peer_drain(int i)
{
	struct stun_rdv_action	a;
	unsigned		k;

	for (k = 0; k < 64; k++) {
		stun_rdv_client_next(&P[i].rc, &a);
		switch (a.kind) {
		case STUN_RDV_A_WAIT:
			return;
		case STUN_RDV_A_SEND:
			enqueue(-1, &P[i].addr, P[i].sock, a.buf, a.len,
			    P[i].owd);
			break;
		case STUN_RDV_A_JOINED:
			P[i].joined++;
			P[i].id = a.member_id;
			break;
		case STUN_RDV_A_MEMBERS:
			P[i].members++;
			P[i].nmembers = a.nmembers;
			P[i].last_event = a.event;
			P[i].last_event_member = a.event_member;
			break;
		case STUN_RDV_A_GO:
			P[i].gos++;
			P[i].go_at = a.go_at;
			break;
		case STUN_RDV_A_SERVER:
			P[i].servers++;
			break;
		case STUN_RDV_A_FAILED:
			P[i].failed++;
			break;
		}
	}
}

/* Run the network and the timers until t. */
static void
run_until(uint64_t t)
{
	unsigned	i, k;
	int		j;

	for (;;) {
		for (j = 0; j < NP; j++)
			if (P[j].rc.state != 0 || P[j].joined)
				peer_drain(j);
		k = nq;
		for (i = 0; i < nq; i++)
			if (Q[i].at <= t && (k == nq || Q[i].at < Q[k].at))
				k = i;
		if (k == nq) {
			/* Timers in 10 ms steps up to t. */
			if (now >= t)
				break;
			now = now + 10 > t ? t : now + 10;
			if (rooms_next(&R) != 0 && now >= rooms_next(&R))
				rooms_timer_out();
			for (j = 0; j < NP; j++)
				if (P[j].rc.state != 0)
					stun_rdv_client_timer(&P[j].rc, now);
			continue;
		}
		if (Q[k].at > now)
			now = Q[k].at;
		if (Q[k].to == -1)
			(void)server_in(Q[k].buf, Q[k].len, &Q[k].from,
			    Q[k].sock);
		else if (!P[Q[k].to].mute) {
			P[Q[k].to].bytes_in += Q[k].len;
			if ((Q[k].buf[0] & 0x01) && !(Q[k].buf[1] & 0x10))
				P[Q[k].to].ind_in++;
			stun_rdv_client_input(&P[Q[k].to].rc, &srv, Q[k].buf,
			    Q[k].len, now);
		}
		Q[k] = Q[--nq];
		for (j = 0; j < NP; j++)
			if (P[j].rc.state != 0)
				stun_rdv_client_timer(&P[j].rc, now);
	}
}

static void
start(int i)
{
	ck_assert_int_eq(stun_rdv_client_start(&P[i].rc, now), 0);
}

START_TEST(rooms_two_members_meet_with_deltas)
{
	struct stun_addr	a;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	run_until(now + 200);
	ck_assert_uint_eq(P[0].joined, 1);
	start(1);
	run_until(now + 200);
	ck_assert_uint_eq(P[1].joined, 1);
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_uint_eq(P[1].nmembers, 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_JOIN);
	ck_assert_uint_eq(P[0].rc.members[0].id, P[1].id);
	/* bob's server-reflexive candidate is where the table saw him. */
	ck_assert(stun_addr_equal(&P[0].rc.members[0].cand[1].addr,
	    &P[1].addr));
	ck_assert_uint_eq(R.m.joins, 2);
	ck_assert_uint_eq(R.m.indications, 1);	/* one delta, to alice */
	ck_assert_uint_eq(R.m.cookies, 2);
	ck_assert_uint_eq(P[0].id, stun_rdv_member_id(P[0].rc.c.room, 16,
	    P[0].rc.c.token));
	/* Both measured their RTT: a Go each, for the same moment. */
	ck_assert_uint_eq(P[0].gos, 1);
	ck_assert_uint_eq(P[1].gos, 1);
	ck_assert_uint_eq(P[0].go_at, P[1].go_at);
	/* Other rooms stay apart. */
	addr4(&a, 100, 3, 4000);
	peer_init(2, key_b, &a, "carol");
	start(2);
	run_until(now + 200);
	ck_assert_uint_eq(P[2].nmembers, 0);
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_uint_eq(R.m.rooms, 2);
}
END_TEST

/* The kind of member id's candidate at address a in peer i's list. */
static int
listed_kind(int i, uint32_t id, const struct stun_addr *a)
{
	const struct stun_rdv_member	*m;
	unsigned			 k, c;

	for (k = 0; k < P[i].rc.nmembers; k++) {
		m = &P[i].rc.members[k];
		if (m->id != id)
			continue;
		for (c = 0; c < m->ncand; c++)
			if (stun_addr_equal(&m->cand[c].addr, a))
				return (m->cand[c].kind);
		return (0);
	}
	return (-1);
}

START_TEST(rooms_stream_member_is_a_tcp_mapping_and_leaves_on_close)
{
	struct stun_addr	a;
	unsigned		sock = ROOMS_SOCK_STREAM + 3;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");	/* UDP */
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");		/* TCP */
	P[1].sock = sock;
	addr4(&a, 100, 3, 4000);
	peer_init(2, key_a, &a, "carol");	/* UDP, with a TCP candidate */
	P[2].rc.c.cand[1].kind = STUN_RDV_CAND_TCP;
	P[2].rc.c.cand[1].addr = a;
	P[2].rc.c.cand[1].addr.port = 4443;
	P[2].rc.c.ncand = 2;
	start(0);
	start(1);
	start(2);
	run_until(now + 500);
	ck_assert_uint_eq(P[0].nmembers, 2);
	ck_assert_uint_eq(P[1].nmembers, 2);
	ck_assert_uint_eq(P[2].nmembers, 2);
	/* Everything for bob goes into his connection, nothing elsewhere. */
	ck_assert_uint_eq(P[0].wrong_sock + P[1].wrong_sock +
	    P[2].wrong_sock, 0);
	ck_assert_uint_ge(P[1].gos, 1);
	ck_assert(stun_addr_equal(&P[1].rc.mapped, &P[1].addr));
	/* alice knows no TCP kind: bob without his mapping, carol host. */
	ck_assert_int_eq(listed_kind(0, P[1].id, &P[1].addr), 0);
	ck_assert_int_eq(listed_kind(0, P[2].id, &P[2].addr),
	    STUN_RDV_CAND_SRFLX);
	/* carol declared one: bob's mapping is a TCP candidate for her. */
	ck_assert_int_eq(listed_kind(2, P[1].id, &P[1].addr),
	    STUN_RDV_CAND_TCP);
	ck_assert_uint_eq(rooms_stream_members(&R, sock), 1);
	ck_assert_uint_eq(rooms_stream_members(&R, sock + 1), 0);
	/* The connection closes: a leave, told at once. */
	P[1].mute = 1;
	P[1].rc.state = 0;
	rooms_stream_gone_out(sock);
	ck_assert_uint_eq(R.m.stream_closed, 1);
	ck_assert_uint_eq(R.m.leaves, 1);
	ck_assert_int_eq(EVLAST.type, ROOMS_EV_LEAVE);
	ck_assert_uint_eq(EVLAST.sock, sock);
	ck_assert_uint_eq(rooms_stream_members(&R, sock), 0);
	run_until(now + 100);
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_LEAVE);
	ck_assert_uint_eq(P[0].last_event_member, P[1].id);
	ck_assert_uint_eq(P[2].nmembers, 1);
	/* A UDP sock value is no stream: nothing happens. */
	rooms_stream_gone_out(0);
	ck_assert_uint_eq(R.m.members, 2);
}
END_TEST

START_TEST(rooms_nat_essentials_reach_members_that_send_theirs)
{
	static const struct stun_hardnat_ess	 seq = { STUN_NAT_APD,
		STUN_NAT_APD, STUN_NAT_PAT_SEQUENTIAL, 1, 0 };
	static const struct stun_hardnat_ess	 prc = { STUN_NAT_EI,
		STUN_NAT_APD, STUN_NAT_PAT_PRESERVE, 0, 0 };
	struct stun_hardnat_ess			 rnd = seq;
	struct stun_addr			 a;
	unsigned				 i;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	addr4(&a, 100, 3, 4000);
	peer_init(2, key_a, &a, "carol");	/* an older client */
	ck_assert_int_eq(stun_rdv_client_set_nat(&P[0].rc, &prc, now), 0);
	ck_assert_int_eq(stun_rdv_client_set_nat(&P[1].rc, &seq, now), 0);
	for (i = 0; i < 3; i++) {
		start((int)i);
		run_until(now + 200);
		ck_assert_uint_eq(P[i].joined, 1);
	}
	/* alice learnt bob's by the join delta. */
	ck_assert_uint_eq(P[0].rc.nmembers, 2);
	ck_assert_uint_eq(P[0].rc.members[0].id, P[1].id);
	ck_assert_int_eq(P[0].rc.members[0].has_nat, 1);
	ck_assert_int_eq(P[0].rc.members[0].nat.pattern,
	    STUN_NAT_PAT_SEQUENTIAL);
	ck_assert_int_eq(P[0].rc.members[0].nat.delta, 1);
	ck_assert_int_eq(P[0].rc.members[0].nat.mapping, STUN_NAT_APD);
	ck_assert_int_eq(P[0].rc.members[1].has_nat, 0);
	/* bob from the Register answer's list. */
	ck_assert_uint_eq(P[1].rc.members[0].id, P[0].id);
	ck_assert_int_eq(P[1].rc.members[0].has_nat, 1);
	ck_assert_int_eq(P[1].rc.members[0].nat.filtering, STUN_NAT_APD);
	/* carol sent none, so she gets none. */
	ck_assert_uint_eq(P[2].rc.nmembers, 2);
	ck_assert_int_eq(P[2].rc.members[0].has_nat, 0);
	ck_assert_int_eq(P[2].rc.members[1].has_nat, 0);
	/* A new verdict is a move the others see (moves: one per 2 s). */
	run_until(now + 2500);
	rnd.pattern = STUN_NAT_PAT_RANDOM;
	rnd.delta = 0;
	ck_assert_int_eq(stun_rdv_client_set_nat(&P[1].rc, &rnd, now), 0);
	run_until(now + 200);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_MOVE);
	ck_assert_int_eq(P[0].rc.members[0].nat.pattern, STUN_NAT_PAT_RANDOM);
	/* Essentials the wire cannot carry are refused. */
	rnd.delta = 3;
	ck_assert_int_eq(stun_rdv_client_set_nat(&P[1].rc, &rnd, now),
	    STUN_ERR_INVALID);
}
END_TEST

START_TEST(rooms_go_times_both_punches_together)
{
	struct stun_addr	a;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	P[0].owd = 10;
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	P[1].owd = 50;
	start(0);
	start(1);
	run_until(now + 2000);
	ck_assert_uint_ge(P[0].gos, 1);
	ck_assert_uint_ge(P[1].gos, 1);
	/* Both punch at the same instant despite 10 vs 50 ms paths. */
	ck_assert_uint_eq(P[0].go_at, P[1].go_at);
}
END_TEST

START_TEST(rooms_reregister_is_idempotent)
{
	struct stun_addr	a;
	uint64_t		ind;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 500);
	ind = R.m.indications;
	/* Same candidates again: same id, nobody told anything. */
	ck_assert_int_eq(stun_rdv_client_set_cands(&P[1].rc, P[1].rc.c.cand,
	    P[1].rc.c.ncand, now), 0);
	run_until(now + 500);
	ck_assert_uint_eq(P[1].joined, 1);
	ck_assert_uint_eq(R.m.rejoins, 1);
	ck_assert_uint_eq(R.m.indications, ind);
	ck_assert_uint_eq(R.m.members, 2);
	/* New candidates: one move delta with the new entry. */
	P[1].rc.c.cand[0].addr.port++;
	ck_assert_int_eq(stun_rdv_client_set_cands(&P[1].rc, P[1].rc.c.cand,
	    P[1].rc.c.ncand, now), 0);
	run_until(now + 500);
	ck_assert_uint_eq(R.m.indications, ind + 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_MOVE);
	ck_assert_uint_eq(P[0].rc.members[0].cand[0].addr.port, 4001);
	ck_assert_uint_eq(P[1].joined, 1);
}
END_TEST

START_TEST(rooms_leave_and_timeout_tell_the_others)
{
	struct stun_addr	a;
	int			i;

	for (i = 0; i < 3; i++) {
		addr4(&a, 100, (uint8_t)(1 + i), 4000);
		peer_init(i, key_a, &a, "m");
		start(i);
	}
	run_until(now + 500);
	ck_assert_uint_eq(P[0].nmembers, 2);
	/* The log hears of one room and three members. */
	ck_assert_uint_eq(EVN[ROOMS_EV_CREATE], 1);
	ck_assert_uint_eq(EVN[ROOMS_EV_JOIN], 3);
	ck_assert_int_eq(stun_rdv_client_leave(&P[2].rc, now), 0);
	run_until(now + 200);
	ck_assert_uint_eq(R.m.leaves, 1);
	ck_assert_uint_eq(EVN[ROOMS_EV_LEAVE], 1);
	ck_assert_int_eq(EVLAST.type, ROOMS_EV_LEAVE);
	ck_assert_uint_eq(EVLAST.member, P[2].id);
	ck_assert_uint_eq(EVLAST.members, 2);
	ck_assert_str_eq(EVLAST.name, "m");
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_LEAVE);
	ck_assert_uint_eq(P[0].last_event_member, P[2].id);
	/* bob stops hearing the server: timed out for alice. */
	P[1].mute = 1;
	P[1].rc.state = 0;	/* and stops talking */
	run_until(now + 31000);
	ck_assert_uint_eq(R.m.timeouts, 1);
	ck_assert_uint_eq(P[0].nmembers, 0);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_TIMEOUT);
	ck_assert_uint_ge(EVN[ROOMS_EV_TIMEOUT], 1);
	ck_assert_uint_eq(EVN[ROOMS_EV_TIMEOUT], R.m.timeouts);
}
END_TEST

START_TEST(rooms_paused_member_comes_back_with_its_id)
{
	struct stun_addr	a;
	struct stun_rdv_client	saved;
	uint32_t		id;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 500);
	id = P[1].id;
	/* bob sleeps 40 s (a laptop lid): timed out meanwhile. */
	saved = P[1].rc;
	P[1].rc.state = 0;
	P[1].mute = 1;
	run_until(now + 40000);
	ck_assert_uint_eq(R.m.timeouts, 1);
	ck_assert_uint_eq(P[0].nmembers, 0);
	P[1].rc = saved;
	P[1].mute = 0;
	run_until(now + 20000);
	/* Its keepalive got a 437, it registered again: the same id. */
	ck_assert_uint_ge(R.m.unknown_member, 1);
	ck_assert_uint_eq(P[1].rc.member_id, id);
	ck_assert_uint_eq(P[1].joined, 1);
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_JOIN);
	ck_assert_uint_eq(P[0].last_event_member, id);
}
END_TEST

START_TEST(rooms_server_restart_keeps_ids_and_the_room)
{
	struct stun_addr	a;
	uint32_t		ida, idb;
	unsigned		left;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 500);
	ida = P[0].id;
	idb = P[1].id;
	left = P[0].members;
	/* A new process: empty table, new secret. */
	rooms_free(&R);
	ck_assert_int_eq(rooms_init(&R, NULL), 0);
	run_until(now + 25000);
	ck_assert_uint_eq(R.m.members, 2);
	ck_assert_uint_eq(P[0].rc.member_id, ida);
	ck_assert_uint_eq(P[1].rc.member_id, idb);
	ck_assert_uint_eq(P[0].joined, 1);
	/* Nobody was ever shown without the other. */
	ck_assert_uint_eq(P[0].nmembers, 1);
	ck_assert_uint_eq(P[1].nmembers, 1);
	ck_assert_uint_gt(P[0].members, left);
	ck_assert_uint_eq(P[0].rc.stale_until[0], 0);
}
END_TEST

/* Capture the next request a peer sends (not delivered). */
static size_t
capture(int i, uint8_t *buf)
{
	struct stun_rdv_action	a;

	stun_rdv_client_next(&P[i].rc, &a);
	ck_assert_int_eq(a.kind, STUN_RDV_A_SEND);
	memcpy(buf, a.buf, a.len);
	return (a.len);
}

START_TEST(rooms_unverified_sources_draw_no_more_than_they_send)
{
	struct stun_addr	a, victim;
	uint8_t			buf[STUN_RDV_MSG_MAX];
	size_t			len;
	int			i;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	start(0);
	/* The first step answered to the victim's spoofed address. */
	len = capture(0, buf);
	addr4(&victim, 100, 66, 53);
	ck_assert_int_eq(server_in(buf, len, &victim, 0), 1);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_uint_le(out->pkt[0].len, len);
	/* The victim never echoes the cookie: no state, nothing more. */
	ck_assert_uint_eq(R.m.members, 0);
	nq = 0;
	/* A cookie made for alice's address, replayed from another. */
	ck_assert_int_eq(server_in(buf, len, &a, 0), 1);
	ck_assert_int_eq(stun_rdv_client_input(&P[0].rc, &srv,
	    out->pkt[0].buf, out->pkt[0].len, now), 0);
	nq = 0;
	len = capture(0, buf);
	ck_assert_int_eq(server_in(buf, len, &victim, 0), 1);
	ck_assert_uint_eq(R.m.bad_cookie, 1);
	ck_assert_uint_eq(R.m.members, 0);
	for (i = 0; i < (int)out->n; i++)
		ck_assert_uint_le(out->pkt[i].len, len);
	/* A flood of first steps: limited per prefix, each <= request. */
	for (i = 0; i < 100; i++) {
		unv_in += len;
		(void)server_in(buf, len, &victim, 0);
	}
	ck_assert_uint_gt(R.m.err_limited + R.m.rate_limited, 50);
	ck_assert_uint_le(unv_out, unv_in);
}
END_TEST

START_TEST(rooms_keepalive_from_new_port_is_challenged_first)
{
	struct stun_addr	a, old;
	uint64_t		ind;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 3000);
	ind = R.m.indications;
	/* bob's NAT gives him a new port. */
	old = P[1].addr;
	P[1].addr.port = 5555;
	run_until(now + 11000);
	ck_assert_uint_eq(R.m.challenges, 1);
	ck_assert_uint_eq(R.m.moves, 1);
	ck_assert_uint_eq(R.m.indications, ind + 1);
	ck_assert_int_eq(P[0].last_event, STUN_RDV_EV_MOVE);
	ck_assert(!stun_addr_equal(&P[0].rc.members[0].cand[1].addr, &old));
	ck_assert_uint_eq(P[0].rc.members[0].cand[1].addr.port, 5555);
	ck_assert_uint_eq(P[1].rc.mapped.port, 5555);
}
END_TEST

START_TEST(rooms_replays_and_forgeries_move_nothing)
{
	struct stun_addr	a, other;
	struct rooms_src	s;
	struct stun_msg		m;
	uint8_t			ka[STUN_RDV_MSG_MAX], bad[STUN_RDV_MSG_MAX];
	size_t			len;
	uint64_t		ind, rep;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 3000);
	/* Catch bob's next keepalive on the wire. */
	run_until(P[1].rc.next_ka - 1);
	stun_rdv_client_timer(&P[1].rc, P[1].rc.next_ka);
	len = capture(1, ka);
	ck_assert_int_eq(server_in(ka, len, &P[1].addr, 0), 1);
	nq = 0;
	ind = R.m.indications;
	rep = R.m.replays;
	/* Replayed from another address: a replay, no challenge, no move. */
	addr4(&other, 100, 99, 9999);
	ck_assert_int_eq(server_in(ka, len, &other, 0), 1);
	ck_assert_uint_eq(R.m.replays, rep + 1);
	ck_assert_uint_eq(out->n, 0);
	ck_assert_uint_eq(R.m.challenges, 0);
	/* A Leave with bob's routing key but no key of bob's: a 437. */
	memcpy(bad, ka, len);
	bad[len - 20] ^= 0x40;	/* inside the tag */
	/*
	 * Fix the fingerprint so only the seal is wrong: the layout is the
	 * untouched copy's (a wrong FINGERPRINT fails the decode).
	 */
	ck_assert_int_eq(stun_msg_decode(&m, bad, len), STUN_ERR_FINGERPRINT);
	ck_assert_int_eq(stun_msg_decode(&m, ka, len), 0);
	{
		struct stun_builder	b;
		unsigned		k;
		int			n;

		stun_build_init(&b, ka, sizeof(ka), STUN_RDV_LEAVE,
		    STUN_CLASS_REQUEST, m.tid);
		for (k = 0; k < m.nattrs; k++)
			if (m.attrs[k].type != STUN_ATTR_FINGERPRINT)
				stun_build_attr(&b, m.attrs[k].type,
				    bad + m.attrs[k].off, m.attrs[k].len);
		stun_build_fingerprint(&b);
		n = stun_build_finish(&b);
		ck_assert_int_gt(n, 0);
		len = (size_t)n;
	}
	ck_assert_int_eq(stun_msg_decode(&m, ka, len), 0);
	memset(&s, 0, sizeof(s));
	s.addr = other;
	ck_assert_int_eq(rooms_input(&R, &m, &s, now, out), 1);
	ck_assert_uint_eq(R.m.leaves, 0);
	ck_assert_uint_eq(R.m.members, 2);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_int_eq(out->pkt[0].code, STUN_RDV_ERR_UNKNOWN);
	ck_assert_uint_le(out->pkt[0].len, len);
	ck_assert_uint_eq(R.m.indications, ind);
}
END_TEST

/* A second step of an earlier session, replayed later, moves nothing. */
START_TEST(rooms_replayed_old_register_is_refused)
{
	struct stun_addr	a;
	struct stun_msg		m;
	struct flight		old;
	unsigned		i, n = 0, rep;
	uint64_t		ka;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 500);
	/* bob registers again (a new key share). */
	ck_assert_int_eq(stun_rdv_client_set_cands(&P[1].rc, P[1].rc.c.cand,
	    1, now), 0);
	run_until(now + 500);
	/* His first second step, replayed from his own address. */
	for (i = 0; i < nlog; i++) {
		if (!stun_addr_equal(&L[i].from, &P[1].addr) ||
		    stun_msg_decode(&m, L[i].buf, L[i].len) != 0 ||
		    m.method != STUN_RDV_REGISTER ||
		    stun_msg_find(&m, STUN_RDV_ATTR_COOKIE) == NULL)
			continue;
		if (n++ == 0)
			old = L[i];
	}
	ck_assert_uint_eq(n, 2);
	rep = R.m.replays;
	(void)server_in(old.buf, old.len, &old.from, 0);
	ck_assert_uint_eq(R.m.replays, rep + 1);
	/* bob's session still works: his keepalives get no 437. */
	ka = R.m.unknown_member;
	run_until(now + 25000);
	ck_assert_uint_eq(R.m.unknown_member, ka);
	ck_assert_uint_eq(R.m.members, 2);
}
END_TEST

START_TEST(rooms_one_prefix_cannot_take_every_room)
{
	struct rooms_config	c;
	struct stun_addr	a;
	uint8_t			k[32];
	int			i;

	teardown();
	memset(&c, 0, sizeof(c));
	c.prefix_rooms = 3;
	c.max_rooms = 8;
	c.rate_burst = 100;
	setup_cfg(&c);
	/* Five rooms from one /64, each from another host in it. */
	for (i = 0; i < 5; i++) {
		memset(k, 0x10 + i, sizeof(k));
		addr6(&a, 7, (uint8_t)(1 + i), 4000);
		peer_init(i, k, &a, "x");
		start(i);
	}
	run_until(now + 500);
	ck_assert_uint_eq(R.m.rooms, 3);
	ck_assert_uint_eq(R.m.refused_prefix, 2);
	ck_assert_uint_eq(P[3].failed, 1);
	ck_assert_int_eq(P[3].rc.code, STUN_RDV_ERR_FULL);
	/* Another /64 still gets a room. */
	memset(k, 0x77, sizeof(k));
	addr6(&a, 8, 1, 4000);
	peer_init(5, k, &a, "y");
	start(5);
	run_until(now + 500);
	ck_assert_uint_eq(P[5].joined, 1);
	ck_assert_uint_eq(R.m.rooms, 4);
}
END_TEST

START_TEST(rooms_members_per_prefix_capped)
{
	struct rooms_config	c;
	struct stun_addr	a;
	int			i;

	teardown();
	memset(&c, 0, sizeof(c));
	c.prefix_members = 2;
	c.rate_burst = 100;
	setup_cfg(&c);
	for (i = 0; i < 3; i++) {
		addr4(&a, 100, 1, (uint16_t)(4000 + i));
		peer_init(i, key_a, &a, "x");
		start(i);
	}
	run_until(now + 500);
	ck_assert_uint_eq(R.m.members, 2);
	ck_assert_uint_eq(R.m.refused_prefix, 1);
}
END_TEST

START_TEST(rooms_room_and_table_caps_refuse_with_508)
{
	struct rooms_config	c;
	struct stun_addr	a;
	int			i;

	teardown();
	memset(&c, 0, sizeof(c));
	c.max_room_members = 2;
	c.rate_burst = 100;
	setup_cfg(&c);
	for (i = 0; i < 3; i++) {
		addr4(&a, 100, (uint8_t)(1 + i), 4000);
		peer_init(i, key_a, &a, "x");
		start(i);
		run_until(now + 200);
	}
	ck_assert_uint_eq(R.m.refused_room_full, 1);
	ck_assert_uint_eq(P[2].failed, 1);
	ck_assert_int_eq(P[2].rc.code, STUN_RDV_ERR_FULL);
}
END_TEST

START_TEST(rooms_register_rate_limited_per_prefix)
{
	struct rooms_config	c;
	struct stun_addr	a;
	int			i;

	teardown();
	memset(&c, 0, sizeof(c));
	c.rate_burst = 2;
	c.rate_ms = 100000;
	setup_cfg(&c);
	for (i = 0; i < 4; i++) {
		addr6(&a, 9, (uint8_t)(1 + i), 4000);
		peer_init(i, key_a, &a, "x");
		start(i);
	}
	run_until(now + 300);
	ck_assert_uint_eq(R.m.members, 2);
	ck_assert_uint_ge(R.m.rate_limited, 2);
}
END_TEST

/* bob moves every few ms: his moves are limited, alice's budget holds. */
START_TEST(rooms_moves_are_limited_and_budgeted)
{
	struct stun_addr	a;
	uint64_t		t0, bytes0;
	int			i;

	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 3000);
	t0 = now;
	bytes0 = P[0].bytes_in;
	for (i = 0; i < 200; i++) {
		P[1].addr.port = (uint16_t)(6000 + i);
		/* A new candidate set too, so each register is a move. */
		P[1].rc.c.cand[0].addr.port = (uint16_t)(7000 + i);
		ck_assert_int_eq(stun_rdv_client_set_cands(&P[1].rc,
		    P[1].rc.c.cand, 1, now), 0);
		run_until(now + 50);
	}
	ck_assert_uint_gt(R.m.move_limited, 0);
	/* At most one move per move interval reached alice... */
	ck_assert_uint_le(R.m.moves, (now - t0) / 2000 + 1);
	/* ...and never more bytes than her budget allows. */
	ck_assert_uint_le(P[0].bytes_in - bytes0, 4096 + (now - t0) * 1024 /
	    1000 + 64 * 10);
}
END_TEST

START_TEST(rooms_relay_api_binds_credential_to_member)
{
	struct rooms_relay	rl;
	struct stun_addr	a, relayed, host;
	char			pw[32], pw2[32];
	uint64_t		gen;

	memset(&rl, 0, sizeof(rl));
	rl.wall = 1700000000;
	in_relay = &rl;
	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	addr4(&a, 100, 2, 4000);
	peer_init(1, key_a, &a, "bob");
	start(0);
	start(1);
	run_until(now + 500);
	ck_assert_uint_eq(R.m.relay_creds, 2);
	ck_assert_str_ne(P[0].rc.relay_user, "");
	ck_assert_int_eq(strncmp(P[0].rc.relay_user, "1700003600:rdv-", 15),
	    0);
	/* The password is ours, for that name. */
	ck_assert_int_eq(rooms_relay_password(&R, P[0].rc.relay_user, pw,
	    sizeof(pw)), 0);
	ck_assert_str_eq(pw, P[0].rc.relay_pass);
	ck_assert_int_eq(rooms_relay_password(&R, P[1].rc.relay_user, pw2,
	    sizeof(pw2)), 0);
	ck_assert_str_ne(pw, pw2);
	/* Admitted only from alice's own source. */
	ck_assert_int_eq(rooms_relay_admit(&R, P[0].rc.relay_user,
	    &P[0].addr), 1);
	ck_assert_int_eq(rooms_relay_admit(&R, P[0].rc.relay_user,
	    &P[1].addr), 0);
	ck_assert_int_eq(rooms_relay_admit(&R, "1:rdv-0000000000000000",
	    &P[0].addr), 0);
	/* Peers: bob's server-reflexive address, not his host candidate. */
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &P[1].addr), 1);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &P[0].addr), 0);
	host = P[1].rc.c.cand[0].addr;
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user, &host),
	    0);
	/* bob's relayed address once recorded. */
	addr4(&relayed, 100, 250, 50000);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &relayed), 0);
	ck_assert_int_eq(rooms_relay_set(&R, P[1].rc.relay_user, &relayed), 0);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &relayed), 1);
	/* bob leaves: the generation moves and he is no peer any more. */
	gen = rooms_relay_gen(&R);
	ck_assert_int_eq(stun_rdv_client_leave(&P[1].rc, now), 0);
	run_until(now + 200);
	ck_assert_uint_ne(rooms_relay_gen(&R), gen);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &relayed), 0);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, P[0].rc.relay_user,
	    &P[1].addr), 0);
	ck_assert_int_eq(rooms_relay_admit(&R, P[1].rc.relay_user,
	    &P[1].addr), 0);
	ck_assert_int_eq(rooms_relay_set(&R, P[1].rc.relay_user, &relayed),
	    -1);
}
END_TEST

START_TEST(rooms_relay_credential_under_a_rest_secret)
{
	struct rooms_relay	rl;
	struct stun_addr	a;
	char			pw[32];
	static const uint8_t	sec[] = "rest-secret";

	memset(&rl, 0, sizeof(rl));
	rl.wall = 1700000000;
	rl.lifetime = 600;
	rl.secret = sec;
	rl.secretlen = sizeof(sec) - 1;
	in_relay = &rl;
	addr4(&a, 100, 1, 4000);
	peer_init(0, key_a, &a, "alice");
	start(0);
	run_until(now + 300);
	ck_assert_int_eq(strncmp(P[0].rc.relay_user, "1700000600:rdv-", 15),
	    0);
	ck_assert_int_eq(auth_rest_password(sec, sizeof(sec) - 1,
	    P[0].rc.relay_user, pw, sizeof(pw)), 0);
	ck_assert_str_eq(pw, P[0].rc.relay_pass);
}
END_TEST

START_TEST(rooms_version_1_gets_a_small_error)
{
	struct stun_builder	b;
	struct stun_addr	a;
	uint8_t			buf[256], k[32];
	static const uint8_t	tid[12] = { 1 };
	int			n;

	memset(k, 1, sizeof(k));
	stun_build_init(&b, buf, sizeof(buf), STUN_RDV_REGISTER,
	    STUN_CLASS_REQUEST, tid);
	stun_build_attr(&b, STUN_RDV_ATTR_ROOM, k, 16);
	stun_build_attr(&b, STUN_RDV_ATTR_NONCE, k, 16);
	stun_build_integrity_sha256(&b, k, sizeof(k), 32);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	addr4(&a, 100, 1, 4000);
	ck_assert_int_eq(server_in(buf, (size_t)n, &a, 0), 1);
	ck_assert_uint_eq(R.m.v1_refused, 1);
	ck_assert_uint_eq(out->n, 1);
	ck_assert_int_eq(out->pkt[0].code, STUN_RDV_ERR_BAD);
	ck_assert_uint_le(out->pkt[0].len, (size_t)n);
}
END_TEST

Suite *
suite_rooms(void)
{
	Suite	*s = suite_create("rooms");
	TCase	*tc;

	tc = tcase_create("members");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_two_members_meet_with_deltas);
	tcase_add_test(tc,
	    rooms_stream_member_is_a_tcp_mapping_and_leaves_on_close);
	tcase_add_test(tc, rooms_nat_essentials_reach_members_that_send_theirs);
	tcase_add_test(tc, rooms_go_times_both_punches_together);
	tcase_add_test(tc, rooms_reregister_is_idempotent);
	tcase_add_test(tc, rooms_leave_and_timeout_tell_the_others);
	tcase_add_test(tc, rooms_paused_member_comes_back_with_its_id);
	tcase_add_test(tc, rooms_server_restart_keeps_ids_and_the_room);
	suite_add_tcase(s, tc);

	tc = tcase_create("attacks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    rooms_unverified_sources_draw_no_more_than_they_send);
	tcase_add_test(tc, rooms_keepalive_from_new_port_is_challenged_first);
	tcase_add_test(tc, rooms_replays_and_forgeries_move_nothing);
	tcase_add_test(tc, rooms_replayed_old_register_is_refused);
	tcase_add_test(tc, rooms_moves_are_limited_and_budgeted);
	tcase_add_test(tc, rooms_version_1_gets_a_small_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_one_prefix_cannot_take_every_room);
	tcase_add_test(tc, rooms_members_per_prefix_capped);
	tcase_add_test(tc, rooms_room_and_table_caps_refuse_with_508);
	tcase_add_test(tc, rooms_register_rate_limited_per_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("relay");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rooms_relay_api_binds_credential_to_member);
	tcase_add_test(tc, rooms_relay_credential_under_a_rest_secret);
	suite_add_tcase(s, tc);
	return (s);
}

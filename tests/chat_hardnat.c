/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_hardnat: one p2pchat peer machine (chat/peer.h) through the
 * hard-NAT phase on a fake clock: the extra sockets it asks for, the
 * probes it hands out (empty, to the peer's NAT only, within the caps),
 * what a probe that got through changes, and the pairs that need none.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/nat.h"
#include "chat/crypto.h"
#include "chat/peer.h"
#include "chat_suites.h"

#define HN_MAX	2048

static const uint8_t	secret[CHAT_SECRET_LEN] = { 7, 7, 7, 7 };

static const struct stun_hardnat_ess E_RAND = {
	STUN_NAT_APD, STUN_NAT_APD, STUN_NAT_PAT_RANDOM, 0, 0
};
static const struct stun_hardnat_ess E_PRC = {
	STUN_NAT_EI, STUN_NAT_APD, STUN_NAT_PAT_PRESERVE, 0, 0
};

static struct chat_peer	p;
static uint32_t		rctr;

/* What one drain saw. */
static struct {
	unsigned	 nempty;
	unsigned	 sock[HN_MAX];
	struct stun_addr to[HN_MAX];
	uint64_t	 at[HN_MAX];
	unsigned	 nopen, open_n;
	uint16_t	 open_port;
	unsigned	 nclose, keep;
	unsigned	 nchecks;	/* STUN sends */
	unsigned	 checks_from;	/* ... of them from sock check_sock */
	unsigned	 check_sock;
	struct stun_addr check_to;
	unsigned	 checks_to;	/* ... of them to check_to */
} w;

static int
rnd(void *arg, uint8_t *buf, size_t len)
{
	size_t		 i;
	uint32_t	 x;

	(void)arg;
	for (i = 0; i < len; i++) {
		x = ++rctr * 2654435761u;
		buf[i] = (uint8_t)(x >> 24 ^ x >> 11);
	}
	return (0);
}

static struct stun_addr
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct stun_addr	s;

	memset(&s, 0, sizeof(s));
	s.family = STUN_AF_INET;
	s.ip[0] = a;
	s.ip[1] = b;
	s.ip[2] = c;
	s.ip[3] = d;
	s.port = port;
	return (s);
}

/* A peer punching from 10 ms: our host, the peer's NAT mapping. */
static void
setup(const struct stun_hardnat_ess *self,
    const struct stun_hardnat_ess *peer, const struct stun_addr *peer_nat,
    int off)
{
	struct chat_peer_config	 c;
	struct stun_punch_cand	 pc;

	memset(&w, 0, sizeof(w));
	rctr = 0;
	memset(&c, 0, sizeof(c));
	c.secret = secret;
	c.self_id = 1;
	c.peer_id = 2;
	c.self_name = "alice";
	c.peer_name = "bob";
	c.rnd = rnd;
	c.no_hard_nat = off;
	ck_assert_int_eq(chat_peer_init(&p, &c), 0);
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.addr = addr(10, 0, 1, 100, 1000);
	ck_assert_int_eq(chat_peer_add_local(&p, &pc), 0);
	pc.type = STUN_CAND_SRFLX;
	pc.addr = *peer_nat;
	ck_assert_int_eq(chat_peer_add_remote(&p, &pc), 0);
	chat_peer_go(&p, 10);
	chat_peer_timer(&p, 10);
	chat_peer_nat(&p, self, peer, 10);
}

/* Run the peer from..to (ms), recording its actions; opened answers. */
static void
run(uint64_t from, uint64_t to, unsigned opened)
{
	struct chat_peer_action	 a;
	uint64_t		 now;
	unsigned		 k;

	for (now = from; now <= to; now++) {
		chat_peer_timer(&p, now);
		for (k = 0; k < 10000; k++) {
			chat_peer_next(&p, now, &a);
			if (a.kind == CHAT_PEER_A_WAIT)
				break;
			if (a.kind == CHAT_PEER_A_HN_OPEN) {
				w.nopen++;
				w.open_n = a.id;
				w.open_port = a.to.port;
				chat_peer_hn_opened(&p, CHAT_PEER_SOCK_EXTRA,
				    opened, now);
			} else if (a.kind == CHAT_PEER_A_HN_CLOSE) {
				w.nclose++;
				w.keep = a.sock;
			} else if (a.kind == CHAT_PEER_A_SEND &&
			    a.len == 0) {
				ck_assert_uint_lt(w.nempty, HN_MAX);
				w.sock[w.nempty] = a.sock;
				w.to[w.nempty] = a.to;
				w.at[w.nempty++] = now;
			} else if (a.kind == CHAT_PEER_A_SEND &&
			    a.buf[0] <= 3) {
				w.nchecks++;
				if (a.sock == w.check_sock)
					w.checks_from++;
				if (stun_addr_equal(&a.to, &w.check_to))
					w.checks_to++;
			}
		}
		ck_assert_uint_lt(k, 10000);
	}
}

START_TEST(hardnat_hard_side_opens_sockets_and_keeps_the_hit)
{
	struct stun_addr	 easy = addr(203, 0, 113, 3, 30015);
	struct stun_addr	 other = addr(198, 51, 100, 10, 30015);
	struct stun_addr	 local = addr(10, 0, 1, 100, 4005);
	uint8_t			 used[CHAT_PEER_SOCK_EXTRA + 8];
	unsigned		 i;

	setup(&E_RAND, &E_PRC, &easy, 0);
	ck_assert_int_eq(p.hn.p.kind, STUN_HARDNAT_BIRTHDAY);
	ck_assert_int_eq(p.hn.p.role, STUN_HARDNAT_HARD);
	/* Eight sockets of the 256 asked for: one probe from each. */
	run(10, 700, 8);
	ck_assert_uint_eq(w.nopen, 1);
	ck_assert_uint_eq(w.open_n, STUN_HARDNAT_MAX_SOCKS);
	ck_assert_uint_eq(w.open_port, 0);
	ck_assert_uint_eq(w.nempty, 8);
	memset(used, 0, sizeof(used));
	for (i = 0; i < w.nempty; i++) {
		ck_assert_uint_ge(w.sock[i], CHAT_PEER_SOCK_EXTRA);
		ck_assert_uint_lt(w.sock[i], CHAT_PEER_SOCK_EXTRA + 8);
		ck_assert_uint_eq(used[w.sock[i]], 0);
		used[w.sock[i]] = 1;
		ck_assert(stun_addr_equal(&w.to[i], &easy));
	}
	/* Not the peer's NAT, not one of the attempt's sockets: no hit. */
	ck_assert_int_eq(chat_peer_hn_input(&p, CHAT_PEER_SOCK_EXTRA + 3,
	    &other, &local, 700), STUN_ERR_NOT_STUN);
	ck_assert_int_eq(chat_peer_hn_input(&p, 1, &easy, &local, 700),
	    STUN_ERR_NOT_STUN);
	ck_assert_int_eq(chat_peer_hn_input(&p, CHAT_PEER_SOCK_EXTRA + 8,
	    &easy, &local, 700), STUN_ERR_NOT_STUN);
	ck_assert_int_eq(p.hn.found, 0);
	/* A probe of the easy side's got through on the fourth socket. */
	ck_assert_int_eq(chat_peer_hn_input(&p, CHAT_PEER_SOCK_EXTRA + 3,
	    &easy, &local, 701), 0);
	ck_assert_int_eq(p.hn.found, 1);
	w.check_sock = CHAT_PEER_SOCK_EXTRA + 3;
	w.check_to = easy;
	w.nempty = 0;
	run(701, 1200, 0);
	/* The others close; that one checks the easy side's mapping. */
	ck_assert_uint_eq(w.nclose, 1);
	ck_assert_uint_eq(w.keep, CHAT_PEER_SOCK_EXTRA + 3);
	ck_assert_uint_eq(w.nempty, 0);
	ck_assert_uint_gt(w.checks_from, 0);
	for (i = 0; i < p.punch.nlocal; i++)
		if (p.punch.local[i].sock == CHAT_PEER_SOCK_EXTRA + 3)
			break;
	ck_assert_uint_lt(i, p.punch.nlocal);
	ck_assert(stun_addr_equal(&p.punch.local[i].addr, &local));
	/* Over: nothing more is a hit. */
	ck_assert_int_eq(chat_peer_hn_input(&p, CHAT_PEER_SOCK_EXTRA + 4,
	    &easy, &local, 1200), STUN_ERR_NOT_STUN);
	chat_peer_free(&p);
}
END_TEST

START_TEST(hardnat_hard_side_without_sockets_probes_nothing)
{
	struct stun_addr	 easy = addr(203, 0, 113, 3, 30015);

	setup(&E_RAND, &E_PRC, &easy, 0);
	run(10, 4000, 0);
	ck_assert_uint_eq(w.nopen, 1);
	ck_assert_uint_eq(w.nempty, 0);
	ck_assert_uint_eq(w.nclose, 0);
	ck_assert_uint_eq(p.hn.probes, 0);
	chat_peer_free(&p);
}
END_TEST

START_TEST(hardnat_easy_side_probes_the_peer_nat_only)
{
	struct stun_addr	 hard = addr(203, 0, 113, 2, 40000);
	struct stun_addr	 hit = addr(203, 0, 113, 2, 5555);
	unsigned		 i;

	setup(&E_PRC, &E_RAND, &hard, 0);
	ck_assert_int_eq(p.hn.p.kind, STUN_HARDNAT_BIRTHDAY);
	ck_assert_int_eq(p.hn.p.role, STUN_HARDNAT_EASY);
	run(10, 4000, 0);
	/* No sockets; 256 probes from socket 0, after the mappings. */
	ck_assert_uint_eq(w.nopen, 0);
	ck_assert_uint_eq(w.nempty, STUN_HARDNAT_MAX_PROBES);
	for (i = 0; i < w.nempty; i++) {
		ck_assert_uint_eq(w.sock[i], 0);
		ck_assert_mem_eq(w.to[i].ip, hard.ip, 4);
		ck_assert_uint_ne(w.to[i].port, hard.port);
		ck_assert_uint_ge(w.at[i], 10 + STUN_HARDNAT_DURATION / 6);
		ck_assert_uint_le(w.at[i], 10 + STUN_HARDNAT_DURATION);
	}
	ck_assert_uint_eq(w.nclose, 0);
	chat_peer_free(&p);

	/* A probe of the hard side's came in: its mapping is checked. */
	setup(&E_PRC, &E_RAND, &hard, 0);
	run(10, 900, 0);
	ck_assert_uint_gt(w.nempty, 0);
	ck_assert_int_eq(chat_peer_hn_input(&p, 0, &hit, NULL, 901), 0);
	w.nempty = 0;
	w.check_to = hit;
	run(901, 1500, 0);
	ck_assert_uint_eq(w.nempty, 0);
	ck_assert_uint_gt(w.checks_to, 0);
	ck_assert_uint_eq(w.nclose, 0);
	for (i = 0; i < p.punch.nremote; i++)
		if (stun_addr_equal(&p.punch.remote[i].addr, &hit))
			break;
	ck_assert_uint_lt(i, p.punch.nremote);
	ck_assert_int_eq(p.punch.remote[i].type, STUN_CAND_PRFLX);
	chat_peer_free(&p);
}
END_TEST

START_TEST(hardnat_preserving_hard_side_binds_the_announced_port)
{
	struct stun_addr		 easy = addr(203, 0, 113, 3, 30015);
	struct stun_hardnat_ess		 pres = E_RAND;
	unsigned			 i;

	/* A reserved port announced: one socket on it, predicted. */
	pres.pattern = STUN_NAT_PAT_PRESERVE;
	pres.port = 40000;
	setup(&pres, &E_PRC, &easy, 0);
	ck_assert_int_eq(p.hn.p.kind, STUN_HARDNAT_PREDICT);
	run(10, 4000, 1);
	ck_assert_uint_eq(w.nopen, 1);
	ck_assert_uint_eq(w.open_n, 1);
	ck_assert_uint_eq(w.open_port, 40000);
	ck_assert_uint_eq(w.nempty, STUN_HARDNAT_DURATION / STUN_HARDNAT_ROUND);
	for (i = 0; i < w.nempty; i++) {
		ck_assert_uint_eq(w.sock[i], CHAT_PEER_SOCK_EXTRA);
		ck_assert(stun_addr_equal(&w.to[i], &easy));
	}
	/* Over without a hit: the socket closes, none kept. */
	ck_assert_uint_eq(w.nclose, 1);
	ck_assert_uint_eq(w.keep, 0);
	chat_peer_free(&p);
}
END_TEST

START_TEST(hardnat_two_hard_sides_and_off_probe_nothing)
{
	struct stun_addr	 nat = addr(203, 0, 113, 3, 30015);

	/* Two random symmetric NATs: the relay, at once. */
	setup(&E_RAND, &E_RAND, &nat, 0);
	ck_assert_int_eq(p.hn.p.kind, STUN_HARDNAT_RELAY);
	run(10, 4000, 8);
	ck_assert_uint_eq(w.nopen, 0);
	ck_assert_uint_eq(w.nempty, 0);
	ck_assert_uint_eq(p.hn.probes, 0);
	chat_peer_free(&p);
	/* --no-hard-nat: no plan at all. */
	setup(&E_RAND, &E_PRC, &nat, 1);
	run(10, 4000, 8);
	ck_assert_int_eq(p.hn_planned, 0);
	ck_assert_uint_eq(w.nopen, 0);
	ck_assert_uint_eq(w.nempty, 0);
	chat_peer_free(&p);
}
END_TEST

START_TEST(hardnat_plan_made_by_the_next_round)
{
	struct stun_addr	 nat = addr(203, 0, 113, 3, 30015);
	uint64_t		 now;

	/* Punching starts before either NAT test is over, and fails. */
	setup(NULL, NULL, &nat, 0);
	for (now = 11; now < 60000 && p.state != CHAT_PEER_S_FAILED; now++)
		run(now, now, 8);
	ck_assert_int_eq(p.state, CHAT_PEER_S_FAILED);
	/* The essentials come while the round is over: nothing yet. */
	chat_peer_nat(&p, &E_RAND, &E_PRC, now);
	ck_assert_int_eq(p.hn_planned, 0);
	/* The next round plans: alice opens her sockets and probes. */
	run(now, now + 3 * CHAT_PEER_RETRY, 8);
	ck_assert_int_eq(p.hn_planned, 1);
	ck_assert_int_eq(p.hn.p.kind, STUN_HARDNAT_BIRTHDAY);
	ck_assert_uint_eq(w.nopen, 1);
	ck_assert_uint_gt(w.nempty, 0);
	chat_peer_free(&p);
}
END_TEST

Suite *
suite_chat_hardnat(void)
{
	Suite	*s = suite_create("chat_hardnat");
	TCase	*tc = tcase_create("hardnat");

	tcase_add_test(tc, hardnat_hard_side_opens_sockets_and_keeps_the_hit);
	tcase_add_test(tc, hardnat_hard_side_without_sockets_probes_nothing);
	tcase_add_test(tc, hardnat_easy_side_probes_the_peer_nat_only);
	tcase_add_test(tc, hardnat_preserving_hard_side_binds_the_announced_port);
	tcase_add_test(tc, hardnat_two_hard_sides_and_off_probe_nothing);
	tcase_add_test(tc, hardnat_plan_made_by_the_next_round);
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests of stund's fleet code that needs no Redis: the records the
 * instances exchange (stund/clusterwire.c: round trips, and every
 * truncation and bad value refused) and the remote members of the room
 * table (stund/roomsfleet.c: put, delete, orphan timeout, the two halves
 * of a Go, the fleet events local changes report), and cookies good
 * across instances whose monotonic clocks differ.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "libstun/buf.h"
#include "stund/clusterwire.h"
#include "stund/roomsint.h"

static void
addr4(struct stun_addr *a, uint8_t d, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_AF_INET;
	a->ip[0] = 127;
	a->ip[3] = d;
	a->port = port;
}

static void
sample_join(struct cw_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = CW_JOIN;
	r->origin = 0x1122334455667788ULL;
	memset(r->room, 0xab, 16);
	r->roomlen = 16;
	r->member = 77;
	r->go_since = 1700000000123ULL;
	r->info.id = 77;
	strcpy(r->info.name, "zoë");
	r->info.ncand = 2;
	r->info.cand[0].kind = STUN_RDV_CAND_HOST;
	addr4(&r->info.cand[0].addr, 9, 4000);
	r->info.cand[1].kind = STUN_RDV_CAND_SRFLX;
	r->info.cand[1].addr.family = STUN_AF_INET6;
	r->info.cand[1].addr.ip[15] = 1;
	r->info.cand[1].addr.port = 5000;
	r->has_relayed = 1;
	addr4(&r->relayed, 3, 50000);
	r->info.has_nat = 1;
	r->info.nat.mapping = STUN_NAT_APD;
	r->info.nat.filtering = STUN_NAT_APD;
	r->info.nat.pattern = STUN_NAT_PAT_SEQUENTIAL;
	r->info.nat.delta = 1;
}

START_TEST(wire_round_trips)
{
	struct cw_rec	r, back;
	struct cw_inst	in, inb;
	uint8_t		buf[CW_MAX];
	int		n, t;
	static const uint8_t types[] = { CW_LEAVE, CW_TIMEOUT, CW_GO,
	    CW_DELAY };

	sample_join(&r);
	ck_assert_int_gt(n = cw_build(&r, buf, sizeof(buf)), 0);
	ck_assert_int_eq(cw_parse(buf, (size_t)n, &back), 0);
	ck_assert_uint_eq(back.type, CW_JOIN);
	ck_assert_uint_eq(back.origin, r.origin);
	ck_assert_uint_eq(back.go_since, r.go_since);
	ck_assert_mem_eq(back.room, r.room, 16);
	ck_assert_uint_eq(back.info.id, 77);
	ck_assert_str_eq(back.info.name, "zoë");
	ck_assert_uint_eq(back.info.ncand, 2);
	ck_assert(stun_addr_equal(&back.info.cand[1].addr,
	    &r.info.cand[1].addr));
	ck_assert_int_eq(back.has_relayed, 1);
	ck_assert(stun_addr_equal(&back.relayed, &r.relayed));
	/* The NAT essentials cross the fleet: a hard-NAT plan needs them. */
	ck_assert_int_eq(back.info.has_nat, 1);
	ck_assert_mem_eq(&back.info.nat, &r.info.nat, sizeof(r.info.nat));
	r.has_relayed = 0;
	r.info.has_nat = 0;
	ck_assert_int_gt(n = cw_build(&r, buf, sizeof(buf)), 0);
	ck_assert_int_eq(cw_parse(buf, (size_t)n, &back), 0);
	ck_assert_int_eq(back.has_relayed, 0);
	ck_assert_int_eq(back.info.has_nat, 0);
	for (t = 0; t < 4; t++) {
		r.type = types[t];
		r.peer = 99;
		r.value = 1234;
		ck_assert_int_gt(n = cw_build(&r, buf, sizeof(buf)), 0);
		ck_assert_int_eq(cw_parse(buf, (size_t)n, &back), 0);
		ck_assert_uint_eq(back.type, types[t]);
		if (types[t] == CW_GO || types[t] == CW_DELAY) {
			ck_assert_uint_eq(back.peer, 99);
			ck_assert_uint_eq(back.value, 1234);
		}
	}
	memset(&in, 0, sizeof(in));
	in.id = 42;
	addr4(&in.addr, 3, 3478);
	in.allocs = 2;
	in.max_allocs = 2;
	in.members = 5;
	in.pps = 100;
	ck_assert_int_gt(n = cw_build_inst(&in, buf, sizeof(buf)), 0);
	ck_assert_int_eq(cw_parse_inst(buf, (size_t)n, &inb), 0);
	ck_assert_int_eq(memcmp(&in.addr, &inb.addr, sizeof(in.addr)), 0);
	ck_assert_uint_eq(inb.max_allocs, 2);
	/* One record is not the other. */
	ck_assert_int_eq(cw_parse(buf, (size_t)n, &back), -1);
}
END_TEST

START_TEST(wire_refuses_truncations_and_bad_values)
{
	struct cw_rec	r, back;
	uint8_t		buf[CW_MAX + 4], bad[CW_MAX + 4];
	size_t		i, len;
	int		n;

	sample_join(&r);
	ck_assert_int_gt(n = cw_build(&r, buf, sizeof(buf)), 0);
	len = (size_t)n;
	for (i = 0; i < len; i++)
		ck_assert_int_eq(cw_parse(buf, i, &back), -1);
	/* A byte more. */
	buf[len] = 0;
	ck_assert_int_eq(cw_parse(buf, len + 1, &back), -1);
	/* Magic, version, type, zero origin, room length. */
	for (i = 0; i < 13; i++) {
		if (i >= 4 && i < 12)
			continue;
		memcpy(bad, buf, len);
		bad[i] ^= 0xff;
		ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	}
	memcpy(bad, buf, len);
	memset(bad + 4, 0, 8);
	ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	/* A control character in the name (right after its length). */
	memcpy(bad, buf, len);
	bad[4 + 8 + 1 + 16 + 4 + 8 + 1] = 0x07;
	ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	/*
	 * The relayed flag is 0 or 1 (its IPv4 address follows, then the
	 * NAT flag and 8 bytes of essentials), so is the NAT flag, and the
	 * essentials must be ones the rendezvous would take.
	 */
	memcpy(bad, buf, len);
	ck_assert_uint_eq(bad[len - 17], 1);
	bad[len - 17] = 2;
	ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	memcpy(bad, buf, len);
	ck_assert_uint_eq(bad[len - 9], 1);
	bad[len - 9] = 2;
	ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	memcpy(bad, buf, len);
	bad[len - 8] = 0xee;		/* no such mapping behaviour */
	ck_assert_int_eq(cw_parse(bad, len, &back), -1);
	/* Too many candidates, an unknown kind. */
	r.info.ncand = STUN_RDV_MEMBER_CANDS + 1;
	ck_assert_int_eq(cw_build(&r, buf, sizeof(buf)), -1);
	sample_join(&r);
	r.info.cand[0].kind = 9;
	ck_assert_int_gt(n = cw_build(&r, buf, sizeof(buf)), 0);
	ck_assert_int_eq(cw_parse(buf, (size_t)n, &back), -1);
	/* No room to build into. */
	sample_join(&r);
	ck_assert_int_eq(cw_build(&r, buf, 10), -1);
}
END_TEST

/* A room table in a fleet, with one local member set up by hand. */
static struct rooms	R;
static struct rooms_out	O;
static uint8_t		ROOM[16];

static struct rooms_member *
local_member(uint32_t id, uint16_t port, uint64_t now)
{
	struct rooms_room	*rm = &R.room[0];
	struct rooms_member	*mb;
	unsigned		 i, pi;

	for (i = 0; R.mem[i].used; i++)
		;
	mb = &R.mem[i];
	memset(mb, 0, sizeof(*mb));
	mb->used = 1;
	mb->room = 0;
	mb->info.id = id;
	strcpy(mb->info.name, "local");
	addr4(&mb->from, 1, port);
	mb->info.ncand = 1;
	mb->info.cand[0].kind = STUN_RDV_CAND_SRFLX;
	mb->info.cand[0].addr = mb->from;
	mb->budget = 4096;
	mb->budget_last = now;
	mb->last_seen = now;
	ck_assert_int_eq(rooms_pfx_get(&R, &mb->from, &pi), 0);
	mb->pfx = pi;
	if (!rm->used) {
		rm->used = 1;
		memcpy(rm->id, ROOM, sizeof(ROOM));
		rm->idlen = sizeof(ROOM);
		rm->pfx = pi;
		rooms_pfx_put(&R, pi, 1, 0);
		R.room_hi = 1;
		R.m.rooms++;
	}
	rooms_pfx_put(&R, pi, 0, 1);
	rm->mem[rm->n++] = i;
	rm->nlocal++;
	if (i + 1 > R.mem_hi)
		R.mem_hi = i + 1;
	R.m.members++;
	return (mb);
}

static void
remote_info(struct stun_rdv_member *m, uint32_t id, uint8_t d)
{
	memset(m, 0, sizeof(*m));
	m->id = id;
	strcpy(m->name, "far");
	m->ncand = 1;
	m->cand[0].kind = STUN_RDV_CAND_SRFLX;
	addr4(&m->cand[0].addr, d, 6000);
}

static void
fleet_setup(void)
{
	struct rooms_config	c;

	memset(&c, 0, sizeof(c));
	c.fleet = 1;
	c.timeout_ms = 30000;
	ck_assert_int_eq(rooms_init(&R, &c), 0);
	memset(ROOM, 0x3c, sizeof(ROOM));
	memset(&O, 0, sizeof(O));
}

static void
fleet_teardown(void)
{
	rooms_free(&R);
}

START_TEST(remote_members_come_and_go)
{
	struct stun_rdv_member	 info;
	struct rooms_member	*l;
	struct stun_addr	 relayed;
	uint64_t		 gen;
	uint8_t			 other[16];

	l = local_member(1, 40000, 1000);
	remote_info(&info, 2, 2);
	/* Joins: the local member is told. */
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1000, &O), 0);
	ck_assert_uint_eq(O.n, 1);
	ck_assert(stun_addr_equal(&O.pkt[0].to, &l->from));
	ck_assert_uint_eq(R.remote, 1);
	ck_assert_uint_eq(R.room[0].n, 2);
	/* Admitted for the relay from its server-reflexive address. */
	ck_assert_int_eq(rooms_relay_peer_ok(&R, "rdv-000000013c3c3c3c",
	    &info.cand[0].addr), 1);
	/* Its allocation on its owner's relay: a peer for our member. */
	relayed = info.cand[0].addr;
	relayed.port = 50000;
	ck_assert_int_eq(rooms_relay_peer_ok(&R, "rdv-000000013c3c3c3c",
	    &relayed), 0);
	gen = R.gen;
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info,
	    &relayed, 1050, &O), 0);
	ck_assert_uint_eq(O.n, 0);	/* members are not told */
	ck_assert_int_eq(rooms_relay_peer_ok(&R, "rdv-000000013c3c3c3c",
	    &relayed), 1);
	/* Gone: permissions are checked again. */
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1060, &O), 0);
	ck_assert_int_eq(rooms_relay_peer_ok(&R, "rdv-000000013c3c3c3c",
	    &relayed), 0);
	ck_assert_uint_gt(R.gen, gen);
	/* The same again: nothing to tell. */
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1100, &O), 0);
	ck_assert_uint_eq(O.n, 0);
	/* Moved: told again. */
	info.cand[0].addr.port = 6001;
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1200, &O), 0);
	ck_assert_uint_eq(O.n, 1);
	/* A room not followed, a local id, a bad name: refused. */
	memset(other, 0x11, sizeof(other));
	ck_assert_int_eq(rooms_fleet_put(&R, other, 16, 0xaa, 5, &info, NULL,
	    1300, &O), -1);
	remote_info(&info, 1, 2);
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1300, &O), -1);
	remote_info(&info, 3, 2);
	info.name[0] = '\n';
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1300, &O), -1);
	/* Only its owner removes it. */
	ck_assert_int_eq(rooms_fleet_del(&R, ROOM, 16, 0xbb, 2, 0, 1400, &O),
	    -1);
	ck_assert_int_eq(rooms_fleet_del(&R, ROOM, 16, 0xaa, 2, 0, 1400, &O),
	    0);
	ck_assert_uint_eq(O.n, 1);
	ck_assert_uint_eq(R.remote, 0);
	ck_assert_uint_eq(R.room[0].n, 1);
	/* No fleet event for a remote member's going. */
	ck_assert_uint_eq(O.nfl, 0);
}
END_TEST

START_TEST(orphans_time_out_unless_claimed)
{
	struct stun_rdv_member	info;
	uint64_t		owners[4];

	(void)local_member(1, 40000, 1000);
	remote_info(&info, 2, 2);
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1000, &O), 0);
	remote_info(&info, 3, 3);
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xcc, 5, &info, NULL,
	    1000, &O), 0);
	/* Both owners heard of lately: none offered for a liveness check. */
	ck_assert_uint_eq(rooms_fleet_owners(&R, owners, 4, 2000, 3000), 0);
	ck_assert_uint_eq(rooms_fleet_owners(&R, owners, 4, 5000, 3000), 2);
	/* 0xaa went; member 2 registers elsewhere (0xcc) in time. */
	rooms_fleet_orphan(&R, 0xaa, 5000);
	ck_assert_uint_eq(rooms_fleet_owners(&R, owners, 4, 9000, 3000), 1);
	ck_assert_uint_eq(owners[0], 0xcc);
	/* The local member's own timeout comes first: keep it alive. */
	R.mem[0].last_seen = 40000;
	ck_assert_uint_eq(rooms_next(&R), 35000);
	remote_info(&info, 2, 2);
	rooms_timer(&R, 34000, &O);
	ck_assert_uint_eq(R.remote, 2);
	/* Member 2 put again by a live owner: no longer orphaned. */
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xdd, 5, &info, NULL,
	    34000, &O), 0);
	/* Member 3's owner goes too, and it never comes back. */
	rooms_fleet_orphan(&R, 0xcc, 34000);
	rooms_timer(&R, 64001, &O);
	ck_assert_uint_eq(R.remote, 1);
	ck_assert_uint_eq(O.n, 1);	/* the local member is told */
	ck_assert_uint_eq(O.nfl, 0);
	ck_assert_uint_eq(R.mem[R.room[0].mem[1]].info.id, 2);
}
END_TEST

START_TEST(go_across_instances)
{
	struct stun_rdv_member	 info;
	struct rooms_member	*l;
	uint32_t		 d = 0;

	l = local_member(1, 40000, 1000);
	remote_info(&info, 2, 2);
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1000, &O), 0);
	/* No RTT yet: owed, and asked back at the first sample. */
	ck_assert_int_eq(rooms_fleet_go(&R, ROOM, 16, 1, 2, 100, 3, &d, 1000,
	    &O), 0);
	ck_assert_int_eq(l->owed, 1);
	l->rtt = 40;
	l->rtt_ok = 1;
	ck_assert_int_eq(rooms_fleet_go(&R, ROOM, 16, 1, 2, 100, 3, &d, 1000,
	    &O), 1);
	/*
	 * Both punch at now + 100/2 + 50: ours waits (100 - 40)/2 + 50 and
	 * 3 ms more, the time the other half takes to reach the peer.
	 */
	ck_assert_uint_eq(d, 50);
	ck_assert_uint_eq(O.n, 1);
	ck_assert_uint_eq(R.m.gos, 1);
	/* The other half, sent by the other instance's request. */
	ck_assert_int_eq(rooms_fleet_go_to(&R, ROOM, 16, 1, 2, 80, 1000, &O),
	    0);
	ck_assert_uint_eq(O.n, 1);
	ck_assert_int_eq(rooms_fleet_go_to(&R, ROOM, 16, 1, 2, 6000, 1000,
	    &O), -1);
	ck_assert_int_eq(rooms_fleet_go_to(&R, ROOM, 16, 2, 1, 80, 1000, &O),
	    -1);
}
END_TEST

START_TEST(local_changes_are_reported)
{
	struct stun_rdv_member	 info;
	struct rooms_member	*l;
	struct rooms_fleet_ev	 ev[4];
	unsigned		 cursor = 0;

	l = local_member(1, 40000, 1000);
	ck_assert_uint_eq(rooms_fleet_list(&R, &cursor, ev, 4), 1);
	ck_assert_int_eq(ev[0].type, ROOMS_FL_JOIN);
	ck_assert_uint_eq(ev[0].member, 1);
	remote_info(&info, 2, 2);
	ck_assert_int_eq(rooms_fleet_put(&R, ROOM, 16, 0xaa, 5, &info, NULL,
	    1000, &O), 0);
	/* The last local member leaves: LEAVE, CLOSE; the remote one goes. */
	O.n = O.nev = O.nfl = 0;
	rooms_remove(&R, &R.room[0], l, STUN_RDV_EV_LEAVE, 2000, &O);
	ck_assert_uint_eq(O.nfl, 2);
	ck_assert_int_eq(O.fl[0].type, ROOMS_FL_LEAVE);
	ck_assert_int_eq(O.fl[1].type, ROOMS_FL_CLOSE);
	ck_assert_uint_eq(R.remote, 0);
	ck_assert_uint_eq(R.m.rooms, 0);
	ck_assert_uint_eq(R.mem_hi, 0);
}
END_TEST

/*
 * Feed the client's datagram in *a to table t at now, its answer back to
 * the client.  Returns the kinds of the client's actions then (a bit per
 * kind); *a is the first datagram it sends, if any.
 */
static int
hop(struct stun_rdv_client *rc, struct stun_rdv_action *a, struct rooms *t,
    const struct stun_addr *src, const struct stun_addr *srv, uint64_t now)
{
	struct stun_rdv_action	 b;
	struct rooms_src	 s;
	struct stun_msg		 m;
	int			 kinds = 0, k;

	ck_assert_int_eq(a->kind, STUN_RDV_A_SEND);
	ck_assert_int_eq(stun_msg_decode(&m, a->buf, a->len), 0);
	memset(&s, 0, sizeof(s));
	s.addr = *src;
	memset(&O, 0, sizeof(O));
	ck_assert_int_eq(rooms_input(t, &m, &s, now, &O), 1);
	ck_assert_uint_eq(O.n, 1);
	ck_assert_int_eq(stun_rdv_client_input(rc, srv, O.pkt[0].buf,
	    O.pkt[0].len, 7000), 0);
	for (k = 0; k < 16; k++) {
		stun_rdv_client_next(rc, &b);
		if (b.kind == STUN_RDV_A_WAIT)
			break;
		if (b.kind == STUN_RDV_A_SEND && !(kinds & (1 << b.kind)))
			*a = b;
		kinds |= 1 << b.kind;
	}
	return (kinds);
}

/*
 * A cookie and key from one instance are good at another of the fleet
 * (same secret) whose monotonic clock is far from the first's: the
 * epochs are of the wall clock.  This is what a load balancer in front
 * of the fleet needs when the two steps of a Register land apart.
 */
START_TEST(epochs_agree_across_instances)
{
	const uint64_t		 wall = 1800000000000ULL, mono_b = 987654321;
	struct rooms_config	 c;
	struct rooms		 B;
	struct stun_rdv_config	 rcfg;
	struct stun_rdv_client	 rc;
	struct stun_rdv_action	 a;
	struct stun_addr	 srv, me;
	uint8_t			 secret[ROOMS_SECRET_LEN];

	memset(&c, 0, sizeof(c));
	c.fleet = 1;
	ck_assert_int_eq(rooms_init(&B, &c), 0);
	memset(secret, 0x42, sizeof(secret));
	rooms_fleet_set_secret(&R, secret);
	rooms_fleet_set_secret(&B, secret);
	rooms_fleet_clock(&R, (int64_t)(wall - 1000));
	rooms_fleet_clock(&B, (int64_t)(wall - mono_b));

	addr4(&srv, 200, 3478);
	addr4(&me, 9, 41000);
	memset(&rcfg, 0, sizeof(rcfg));
	rcfg.server = srv;
	memset(rcfg.room_key, 0x5e, sizeof(rcfg.room_key));
	strcpy(rcfg.name, "lb");
	rcfg.ncand = 1;
	rcfg.cand[0].kind = STUN_RDV_CAND_HOST;
	rcfg.cand[0].addr = me;
	ck_assert_int_eq(stun_rdv_client_init(&rc, &rcfg), 0);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 5000), 0);
	stun_rdv_client_next(&rc, &a);
	/* Step 1 at A: the cookie; step 2 at B: admitted. */
	ck_assert_int_eq(hop(&rc, &a, &R, &me, &srv, 1000),
	    1 << STUN_RDV_A_SEND);
	ck_assert(hop(&rc, &a, &B, &me, &srv, mono_b + 20) &
	    1 << STUN_RDV_A_JOINED);
	ck_assert_uint_eq(B.m.members, 1);
	/* Across an epoch boundary too: the cookie of the one before. */
	rooms_free(&B);
	ck_assert_int_eq(rooms_init(&B, &c), 0);
	rooms_fleet_set_secret(&B, secret);
	rooms_fleet_clock(&B, (int64_t)(wall - mono_b));
	ck_assert_int_eq(stun_rdv_client_init(&rc, &rcfg), 0);
	ck_assert_int_eq(stun_rdv_client_start(&rc, 6000), 0);
	stun_rdv_client_next(&rc, &a);
	ck_assert_int_eq(hop(&rc, &a, &R, &me, &srv, 1000),
	    1 << STUN_RDV_A_SEND);
	ck_assert(hop(&rc, &a, &B, &me, &srv, mono_b + 60000) &
	    1 << STUN_RDV_A_JOINED);
	rooms_free(&B);
}
END_TEST

static Suite *
fleet_suite(void)
{
	Suite	*s = suite_create("fleet");
	TCase	*tc;

	tc = tcase_create("wire");
	tcase_add_test(tc, wire_round_trips);
	tcase_add_test(tc, wire_refuses_truncations_and_bad_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("rooms");
	tcase_add_checked_fixture(tc, fleet_setup, fleet_teardown);
	tcase_add_test(tc, remote_members_come_and_go);
	tcase_add_test(tc, orphans_time_out_unless_claimed);
	tcase_add_test(tc, go_across_instances);
	tcase_add_test(tc, local_changes_are_reported);
	tcase_add_test(tc, epochs_agree_across_instances);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(fleet_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

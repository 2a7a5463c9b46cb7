/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_nat: the NAT classification machine on a fake clock against the
 * simulated path of natsim.c.  Every NAT type's observable behaviour,
 * retransmission, timeouts, ICMP errors, what could not be tested and why,
 * the classic tree and the lint are checked against the verdicts and times
 * the machine reports.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "natsim.h"
#include "suites.h"

static struct stun_nat	 nat;
static struct sim	 sim;
static uint32_t		 rndstate;

static void
config(struct stun_nat_config *c, int mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->server = sim.srv[0];
	c->rnd = natsim_rnd;
	c->rnd_arg = &rndstate;
	rndstate = 1;
}

static uint64_t
run_5780(void)
{
	struct stun_nat_config	 c;

	config(&c, STUN_NAT_MODE_5780);
	return (natsim_run(&sim, &nat, &c));
}

static const struct stun_nat_test *
find_test(const char *name, int round)
{
	unsigned	 i;

	for (i = 0; i < nat.ntests; i++)
		if (strcmp(nat.t[i].name, name) == 0 &&
		    nat.t[i].round == round)
			return (&nat.t[i]);
	ck_abort_msg("no test %s", name);
	return (NULL);
}

/* The socket a test of the plan for c sends from. */
static unsigned
find_sock(const char *name, int round, const struct stun_nat_config *c)
{
	ck_assert_int_eq(stun_nat_init(&nat, c), 0);
	return (find_test(name, round)->sock);
}

START_TEST(nat_open_is_open_and_fast)
{
	uint64_t	 ms;

	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	ms = run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_OPEN);
	ck_assert_int_eq(nat.r.nat, 0);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_EI);
	ck_assert_uint_eq(nat.r.filt_agree, 3);
	ck_assert_uint_eq(nat.r.filt_total, 3);
	ck_assert_int_eq(nat.r.hairpin, 1);
	ck_assert_int_eq(nat.r.port_preserve, 1);
	ck_assert(natsim_same(&nat.r.mapped, &nat.r.local));
	ck_assert(natsim_same(&nat.r.other, &sim.srv[3]));
	ck_assert_int_eq(nat.r.change_ok, 1);
	/* Everything answers: a few round trips, no timeouts. */
	ck_assert_uint_le(ms, 6 * 2 * SIM_LAT);
}
END_TEST

START_TEST(nat_full_cone)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_FULL_CONE);
	ck_assert_int_eq(nat.r.nat, 1);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_uint_eq(nat.r.map_agree, 3);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.hairpin, 0);
	ck_assert_int_eq(nat.r.pattern, STUN_NAT_PAT_PRESERVE);
	ck_assert_int_eq(nat.r.port_preserve, 1);
	ck_assert(natsim_same_ip(&nat.r.mapped, &sim.ext));
	ck_assert_int_eq(nat.r.cgnat, 0);
	ck_assert_int_eq(nat.r.double_nat, 0);
}
END_TEST

START_TEST(nat_restricted_cone)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_RESTRICTED);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_AD);
	ck_assert_uint_eq(nat.r.filt_agree, 3);
	ck_assert_int_eq(find_test("filtering-change-ip-port", 0)->state,
	    STUN_NAT_T_NOANSWER);
	ck_assert_int_eq(find_test("filtering-change-port", 0)->state,
	    STUN_NAT_T_OK);
}
END_TEST

START_TEST(nat_port_restricted_cone_within_timeout)
{
	uint64_t	 ms;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	ms = run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_PORT_RESTRICTED);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_APD);
	ck_assert_int_eq(nat.r.hairpin, 0);
	/* The negative tests end at 500 ms (sends at 0, 100, 300). */
	ck_assert_uint_eq(find_test("filtering-change-port", 0)->end_at,
	    1000 + 500);
	ck_assert_uint_eq(find_test("filtering-change-port", 0)->txn.sent, 3);
	/* The hairpin wait starts after one round trip. */
	ck_assert_uint_eq(ms, 2 * SIM_LAT + 500);
}
END_TEST

START_TEST(nat_symmetric_random)
{
	natsim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_APD);
	sim.alloc = STUN_NAT_PAT_RANDOM;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_APD);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_APD);
	ck_assert_int_eq(nat.r.pattern, STUN_NAT_PAT_RANDOM);
	ck_assert_int_eq(nat.r.port_preserve, 0);
}
END_TEST

START_TEST(nat_symmetric_sequential)
{
	natsim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_APD);
	sim.alloc = STUN_NAT_PAT_SEQUENTIAL;
	sim.delta = 2;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
	ck_assert_int_eq(nat.r.pattern, STUN_NAT_PAT_SEQUENTIAL);
	ck_assert_int_eq(nat.r.delta, 2);
}
END_TEST

START_TEST(nat_address_dependent_mapping)
{
	natsim_init(&sim, 1, STUN_NAT_AD, STUN_NAT_AD);
	run_5780();
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_AD);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
	ck_assert(natsim_same(&find_test("mapping-other-ip", 1)->mapped,
	    &find_test("mapping-other-ip-port", 1)->mapped));
}
END_TEST

START_TEST(nat_symmetric_firewall)
{
	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_APD);
	run_5780();
	ck_assert_int_eq(nat.r.nat, 0);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYM_FIREWALL);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_APD);
}
END_TEST

START_TEST(nat_blocked_after_timeout)
{
	struct stun_nat_config	 c;
	struct stun_nat_action	 a;
	uint64_t		 ms;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.dead = 1;
	config(&c, STUN_NAT_MODE_5780);
	/* The first actions: every independent test sends at once. */
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0), 0);
	stun_nat_next(&nat, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
	ck_assert_uint_eq(a.sock, 0);
	ck_assert(natsim_same(&a.to, &sim.srv[0]));
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0),
	    STUN_ERR_STATE);
	ms = run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
	ck_assert_int_eq(nat.r.server_ok, 0);
	ck_assert_int_eq(nat.r.has_mapped, 0);
	ck_assert_uint_eq(ms, 500);
	ck_assert_int_eq(find_test("mapping-other-ip", 0)->state,
	    STUN_NAT_T_SKIPPED);
	ck_assert_int_eq(find_test("hairpinning", 0)->state,
	    STUN_NAT_T_SKIPPED);
}
END_TEST

/* The exact schedule when nothing answers: sends at 0, 100, 300; 500. */
START_TEST(nat_schedule_exact)
{
	struct stun_nat_config	 c;
	struct stun_nat_action	 a;
	uint64_t		 now = 0, times[8];
	unsigned		 sends[8], k = 0, steps;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	ck_assert_uint_eq(nat.nsocks, 3 * 3 + 2);
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, now), 0);
	memset(sends, 0, sizeof(sends));
	for (steps = 0; steps < 16; steps++) {
		ck_assert_uint_lt(k, 8);
		times[k] = now;
		for (;;) {
			stun_nat_next(&nat, &a);
			if (a.kind != STUN_NAT_SEND)
				break;
			/* Only the independent first tests: 3 per round. */
			ck_assert(nat.t[a.test].role == STUN_NAT_R_MAP1 ||
			    nat.t[a.test].role == STUN_NAT_R_FILT2 ||
			    nat.t[a.test].role == STUN_NAT_R_FILT3);
			ck_assert_uint_eq(a.len, nat.t[a.test].reqlen);
			sends[k]++;
		}
		k++;
		if (a.kind == STUN_NAT_DONE)
			break;
		/* Too early: nothing changes. */
		stun_nat_timer(&nat, a.wake - 1);
		stun_nat_next(&nat, &a);
		ck_assert_int_eq(a.kind, STUN_NAT_WAIT);
		now = a.wake;
		stun_nat_timer(&nat, now);
	}
	ck_assert_uint_eq(k, 4);
	ck_assert_uint_eq(times[0], 0);
	ck_assert_uint_eq(sends[0], 9);
	ck_assert_uint_eq(times[1], 100);
	ck_assert_uint_eq(sends[1], 9);
	ck_assert_uint_eq(times[2], 300);
	ck_assert_uint_eq(sends[2], 9);
	ck_assert_uint_eq(times[3], 500);
	ck_assert_uint_eq(sends[3], 0);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
}
END_TEST

START_TEST(nat_hairpin)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.hairpin = 1;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_PORT_RESTRICTED);
	ck_assert_int_eq(nat.r.hairpin, 1);
}
END_TEST

START_TEST(nat_loss_is_retransmitted)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	sim.drop_first = 1;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_RESTRICTED);
	ck_assert_uint_eq(find_test("mapping-primary", 0)->txn.sent, 2);
	ck_assert_uint_eq(find_test("mapping-primary", 0)->end_at,
	    1000 + 100 + 2 * SIM_LAT);
}
END_TEST

START_TEST(nat_heavy_loss_times_out)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.drop_first = 3;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
}
END_TEST

START_TEST(nat_no_other_address)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = 1;
	run_5780();
	ck_assert_int_eq(nat.r.has_other, 0);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_int_eq(find_test("mapping-other-ip", 0)->state,
	    STUN_NAT_T_SKIPPED);

	/* A second server answers the mapping question. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);

	natsim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_EI);
	sim.no_other = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_DEP);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
}
END_TEST

START_TEST(nat_change_request_ignored)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.ignore_change = 1;
	run_5780();
	ck_assert_int_eq(nat.r.change_ok, 0);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(find_test("filtering-change-ip-port", 0)->state,
	    STUN_NAT_T_ERROR);
}
END_TEST

START_TEST(nat_cgnat)
{
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.ext = natsim_addr("100.64.7.1");
	run_5780();
	ck_assert_int_eq(nat.r.cgnat, 1);
	ck_assert_int_eq(nat.r.double_nat, 1);
}
END_TEST

START_TEST(nat_rounds_disagree)
{
	struct stun_nat_config	 c;

	/*
	 * Everything sent to round 2's change-port socket is lost, so that
	 * round alone looks address-and-port-dependent.
	 */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	config(&c, STUN_NAT_MODE_5780);
	c.rounds = 3;
	sim.blackhole = 1 + find_sock("filtering-change-port", 1, &c);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_AD);
	ck_assert_uint_eq(nat.r.filt_agree, 2);
	ck_assert_uint_eq(nat.r.filt_total, 3);
	ck_assert_uint_eq(nat.r.map_agree, 3);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_RESTRICTED);

	/* More rounds, all agreeing. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	config(&c, STUN_NAT_MODE_5780);
	c.rounds = 5;
	natsim_run(&sim, &nat, &c);
	ck_assert_uint_eq(nat.r.filt_total, 5);
	ck_assert_uint_eq(nat.r.filt_agree, 5);
}
END_TEST

START_TEST(nat_lifetime_bracketed)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.lifetime = 30000;
	config(&c, STUN_NAT_MODE_5780);
	c.flags = STUN_NAT_F_LIFETIME;
	c.lifetime_max = 121;
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.lifetime, 1);
	ck_assert_uint_lt(nat.r.lifetime_lo, 30);
	ck_assert_uint_ge(nat.r.lifetime_hi, 30);
	ck_assert_uint_le(nat.r.lifetime_hi, 40);

	/* A server without RESPONSE-PORT: not measured. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.no_response_port = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.flags = STUN_NAT_F_LIFETIME;
	c.lifetime_max = 20;
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.lifetime, -1);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_PORT_RESTRICTED);
}
END_TEST

static const struct {
	int	 nat, mapping, filtering, want;
} classic_cases[] = {
	{ 0, STUN_NAT_EI, STUN_NAT_EI, STUN_NAT_TYPE_OPEN },
	{ 0, STUN_NAT_EI, STUN_NAT_APD, STUN_NAT_TYPE_SYM_FIREWALL },
	{ 1, STUN_NAT_EI, STUN_NAT_EI, STUN_NAT_TYPE_FULL_CONE },
	{ 1, STUN_NAT_EI, STUN_NAT_AD, STUN_NAT_TYPE_RESTRICTED },
	{ 1, STUN_NAT_EI, STUN_NAT_APD, STUN_NAT_TYPE_PORT_RESTRICTED },
	{ 1, STUN_NAT_APD, STUN_NAT_APD, STUN_NAT_TYPE_SYMMETRIC },
	{ 1, STUN_NAT_AD, STUN_NAT_APD, STUN_NAT_TYPE_SYMMETRIC },
	/* The tree stops at test II: any NAT that lets it in is full cone. */
	{ 1, STUN_NAT_AD, STUN_NAT_EI, STUN_NAT_TYPE_FULL_CONE },
};

START_TEST(nat_classic_tree)
{
	struct stun_nat_config	 c;
	const struct stun_nat_test *t;

	natsim_init(&sim, classic_cases[_i].nat, classic_cases[_i].mapping,
	    classic_cases[_i].filtering);
	sim.legacy_only = 1;
	config(&c, STUN_NAT_MODE_CLASSIC);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.nat_type, classic_cases[_i].want);
	t = find_test("classic-test-i", 0);
	ck_assert(natsim_same_ip(&nat.r.mapped, sim.nat ? &sim.ext :
	    &sim.local[0]));
	ck_assert_int_eq(t->legacy, 1);
	ck_assert_int_eq(t->xor_mapped, 0);
	ck_assert_int_eq(t->has_other, 1);
	/* RFC 3489 requests carry no magic cookie. */
	ck_assert_uint_ne(t->cookie, STUN_MAGIC_COOKIE);
}
END_TEST

START_TEST(nat_classic_blocked)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.dead = 1;
	config(&c, STUN_NAT_MODE_CLASSIC);
	ck_assert_uint_eq(natsim_run(&sim, &nat, &c), 500);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
}
END_TEST

START_TEST(nat_lint_good_and_bad_server)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_uint_eq(nat.r.lint_fail, 0);
	ck_assert_int_eq(find_test("unknown-attribute", 0)->pass, 1);
	ck_assert_int_eq(find_test("unknown-attribute", 0)->code, 420);
	ck_assert_int_eq(find_test("other-address", 0)->pass, 1);
	ck_assert_int_eq(find_test("response-port", 0)->pass, 1);
	ck_assert_int_eq(find_test("bad-fingerprint", 0)->pass, 1);

	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.ignore_change = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("change-ip-port", 0)->pass, 0);
	ck_assert_int_eq(find_test("change-port", 0)->pass, 0);
	ck_assert_uint_ge(nat.r.lint_fail, 2);

	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.sloppy = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("bad-fingerprint", 0)->pass, 0);
	ck_assert_uint_eq(nat.r.lint_fail, 1);
}
END_TEST

/* RFC 5780 6: one address, 420 to CHANGE-REQUEST; no NAT in the way. */
START_TEST(nat_one_address_server_no_nat)
{
	const struct stun_nat_test	*t;

	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = sim.one_addr = 1;
	run_5780();
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_ANSWERING);
	ck_assert_int_eq(nat.r.server_addrs, 1);
	ck_assert_int_eq(nat.r.nat, 0);
	/* No translation: nothing to map, and not contradicted. */
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.mapping_why, STUN_NAT_WHY_NO_NAT);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(nat.r.filtering_why, STUN_NAT_WHY_ONE_ADDR);
	ck_assert_int_eq(nat.r.hairpin_why, STUN_NAT_WHY_NO_NAT);
	/* Open or a firewall that lets in only replies: cannot tell. */
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	t = find_test("filtering-change-port", 2);
	ck_assert_int_eq(t->state, STUN_NAT_T_ERROR);
	ck_assert_int_eq(t->code, 420);
	ck_assert_str_eq(stun_nat_why_text(nat.r.filtering_why),
	    "the server has one address");
}
END_TEST

START_TEST(nat_one_address_server_behind_nat)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.no_other = sim.one_addr = 1;
	run_5780();
	ck_assert_int_eq(nat.r.nat, 1);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(nat.r.mapping_why, STUN_NAT_WHY_ONE_ADDR);
	ck_assert_int_eq(nat.r.filtering_why, STUN_NAT_WHY_ONE_ADDR);
	ck_assert_int_eq(nat.r.server2, STUN_NAT_SRV_NONE);
	ck_assert_int_eq(nat.r.port_preserve, 1);

	/* A second server that answers measures the mapping. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.no_other = sim.one_addr = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.mapping_why, STUN_NAT_WHY_MEASURED);
	ck_assert_int_eq(nat.r.server2, STUN_NAT_SRV_ANSWERING);
	ck_assert_int_eq(nat.r.filtering_why, STUN_NAT_WHY_ONE_ADDR);

	/* One that stays silent is named as the reason. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.no_other = sim.one_addr = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = natsim_addr("198.51.100.9:3478");
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(nat.r.mapping_why, STUN_NAT_WHY_SERVER2);
	ck_assert_int_eq(nat.r.server2, STUN_NAT_SRV_SILENT);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_ANSWERING);
}
END_TEST

/* ICMP port unreachable: the server is not answering; UDP works. */
START_TEST(nat_closed_port_is_not_blocked)
{
	struct stun_nat_config	 c;
	const struct stun_nat_test *t;
	uint64_t		 ms;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.closed = 1;
	ms = run_5780();
	ck_assert_uint_eq(ms, 2 * SIM_LAT);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_UNREACH);
	ck_assert_int_ne(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_int_eq(nat.r.icmp, STUN_NAT_ICMP_PORT);
	ck_assert(natsim_same_ip(&nat.r.icmp_from, &sim.srv[0]));
	ck_assert_int_eq(nat.r.server_ok, 0);
	ck_assert_int_eq(nat.r.mapping_why, STUN_NAT_WHY_NO_SERVER);
	t = find_test("mapping-primary", 0);
	ck_assert_int_eq(t->state, STUN_NAT_T_UNREACH);
	ck_assert_uint_eq(t->txn.sent, 1);
	ck_assert_str_eq(t->note, "ICMP port unreachable from 198.51.100.1");
	ck_assert_str_eq(stun_nat_state_name(t->state), "unreachable");

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.closed = 1;
	config(&c, STUN_NAT_MODE_CLASSIC);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_UNREACH);
}
END_TEST

/* Blocked needs every server asked silent, not just the first. */
START_TEST(nat_blocked_needs_every_server_silent)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.dead = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_SILENT);
	ck_assert_int_eq(nat.r.server2, STUN_NAT_SRV_SILENT);

	/* The first server is gone, the second answers: UDP works. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	c.server = natsim_addr("198.51.100.9:3478");
	c.server2 = sim.srv[0];
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_SILENT);
	ck_assert_int_eq(nat.r.server2, STUN_NAT_SRV_ANSWERING);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_str_eq(stun_nat_server_name(nat.r.server), "silent");
}
END_TEST

/* Each send has its own id: the RTT is from the send that got the answer. */
START_TEST(nat_rtt_from_the_answered_send)
{
	const struct stun_nat_test *t;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	sim.drop_first = 1;
	sim.stamp = 1;
	run_5780();
	t = find_test("mapping-primary", 0);
	ck_assert_uint_eq(t->txn.sent, 2);
	ck_assert_uint_eq(t->answered, 2);
	ck_assert(memcmp(t->tids[0], t->tids[1], STUN_TID_LEN) != 0);
	ck_assert_uint_eq(t->rtt, 2 * SIM_LAT);
	ck_assert_uint_eq(t->rtt_us, 2 * SIM_LAT * 1000 + 245);

	/* Without stamps: whole milliseconds. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	run_5780();
	t = find_test("mapping-primary", 0);
	ck_assert_uint_eq(t->answered, 1);
	ck_assert_uint_eq(t->rtt_us, 2 * SIM_LAT * 1000);
}
END_TEST

/* An answer to the first send that arrives after the resend. */
START_TEST(nat_late_answer_matches_its_send)
{
	struct stun_nat_config	 c;
	struct stun_nat_action	 a, first;
	struct stun_builder	 b;
	struct stun_msg		 req;
	struct stun_addr	 mapped;
	uint8_t			 req1[STUN_NAT_REQ_MAX], ans[256];
	const struct stun_nat_test *t;
	int			 n;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0), 0);
	stun_nat_next(&nat, &first);
	ck_assert_int_eq(first.kind, STUN_NAT_SEND);
	ck_assert_uint_eq(first.xmit, 1);
	memcpy(req1, first.buf, first.len);
	stun_nat_sent(&nat, &first, 1000);
	do
		stun_nat_next(&nat, &a);
	while (a.kind == STUN_NAT_SEND);
	stun_nat_timer(&nat, 100);
	stun_nat_next(&nat, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
	ck_assert_int_eq(a.test, first.test);
	ck_assert_uint_eq(a.xmit, 2);
	ck_assert(memcmp(a.buf + 8, req1 + 8, 12) != 0);
	stun_nat_sent(&nat, &a, 100000);

	ck_assert_int_eq(stun_msg_decode(&req, req1, first.len), 0);
	mapped = natsim_addr("203.0.113.5:41000");
	stun_build_reply(&b, ans, sizeof(ans), &req, STUN_CLASS_SUCCESS);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	stun_nat_arrived(&nat, 130400);
	ck_assert_int_eq(stun_nat_input(&nat, first.sock, &sim.srv[0], ans,
	    (size_t)n, 130), 0);
	t = &nat.t[first.test];
	ck_assert_int_eq(t->state, STUN_NAT_T_OK);
	ck_assert_uint_eq(t->answered, 1);
	ck_assert_uint_eq(t->rtt, 130);
	ck_assert_uint_eq(t->rtt_us, 129400);
}
END_TEST

START_TEST(nat_icmp_input_checks_arguments)
{
	struct stun_nat_config	 c;
	struct stun_nat_icmp	 e;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	memset(&e, 0, sizeof(e));
	e.kind = STUN_NAT_ICMP_PORT;
	e.dst = sim.srv[0];
	ck_assert_int_eq(stun_nat_input_icmp(&nat, &e, 0), STUN_ERR_INVALID);
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0), 0);
	ck_assert_int_eq(stun_nat_input_icmp(&nat, NULL, 0), STUN_ERR_INVALID);
	e.kind = 9;
	ck_assert_int_eq(stun_nat_input_icmp(&nat, &e, 0), STUN_ERR_INVALID);
	e.kind = STUN_NAT_ICMP_HOST;
	e.sock = nat.nsocks;
	ck_assert_int_eq(stun_nat_input_icmp(&nat, &e, 0), STUN_ERR_INVALID);
	/* About another destination: nothing ends. */
	e.sock = 0;
	e.dst = sim.srv[1];
	ck_assert_int_eq(stun_nat_input_icmp(&nat, &e, 1), 0);
	ck_assert_int_eq(find_test("mapping-primary", 0)->state,
	    STUN_NAT_T_RUN);
	e.dst = sim.srv[0];
	ck_assert_int_eq(stun_nat_input_icmp(&nat, &e, 1), 0);
	ck_assert_int_eq(find_test("mapping-primary", 0)->state,
	    STUN_NAT_T_UNREACH);
	ck_assert_str_eq(find_test("mapping-primary", 0)->note,
	    "ICMP host unreachable");
	ck_assert_str_eq(stun_nat_why_text(99), "unknown");
	ck_assert_str_eq(stun_nat_server_name(STUN_NAT_SRV_UNREACH),
	    "unreachable");
}
END_TEST

/* A lint checks what the RFCs require of that kind of server. */
START_TEST(nat_lint_judges_by_server_kind)
{
	struct stun_nat_config	 c;
	const struct stun_nat_test *t;

	/* One address and 420 to CHANGE-REQUEST: conformant. */
	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = sim.one_addr = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.server_addrs, 1);
	ck_assert_uint_eq(nat.r.lint_fail, 0);
	ck_assert_uint_eq(nat.r.lint_warn, 0);
	t = find_test("change-ip-port", 0);
	ck_assert_int_eq(t->pass, STUN_NAT_LINT_PASS);
	ck_assert_ptr_nonnull(strstr(t->note, "420"));
	ck_assert_int_eq(find_test("other-address", 0)->pass,
	    STUN_NAT_LINT_PASS);
	ck_assert_int_eq(find_test("response-port-open", 0)->check, 0);
	ck_assert_uint_eq(nat.r.lint_pass + nat.r.lint_warn +
	    nat.r.lint_fail, nat.ntests - 1);

	/* One address that ignores CHANGE-REQUEST: both checks fail. */
	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("change-ip-port", 0)->pass,
	    STUN_NAT_LINT_FAIL);
	ck_assert_int_eq(find_test("change-port", 0)->pass,
	    STUN_NAT_LINT_FAIL);
	ck_assert_uint_eq(nat.r.lint_fail, 2);

	/* Two addresses behind a filtering NAT: silence is only a warning. */
	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.server_addrs, 2);
	ck_assert_int_eq(find_test("change-port", 0)->pass,
	    STUN_NAT_LINT_WARN);
	ck_assert_uint_eq(nat.r.lint_fail, 0);

	/* 420 that does not name the attribute. */
	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_unknown_list = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("unknown-attribute", 0)->pass,
	    STUN_NAT_LINT_FAIL);
	ck_assert_uint_eq(nat.r.lint_fail, 1);

	/* A closed port: every check fails, nothing is called blocked. */
	natsim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.closed = 1;
	config(&c, STUN_NAT_MODE_LINT);
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.server, STUN_NAT_SRV_UNREACH);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_uint_eq(nat.r.lint_pass, 0);
}
END_TEST

START_TEST(nat_input_ignores_junk)
{
	struct stun_nat_config	 c;
	struct stun_nat_action	 a;
	struct stun_builder	 b;
	uint8_t			 junk[64], buf[128];
	uint8_t			 tid[STUN_TID_LEN] = { 1, 2, 3 };
	struct stun_addr	 from;
	unsigned		 i;
	int			 n;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	from = sim.srv[0];
	ck_assert_int_eq(stun_nat_input(&nat, 0, &from, junk, sizeof(junk),
	    0), STUN_ERR_INVALID);	/* not started */
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0), 0);
	ck_assert_int_eq(stun_nat_input(&nat, nat.nsocks, &from, junk,
	    sizeof(junk), 0), STUN_ERR_INVALID);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37);
	for (i = 0; i <= sizeof(junk); i++)
		ck_assert_int_eq(stun_nat_input(&nat, 0, &from, junk, i, 1),
		    0);
	/* A well-formed answer with a stranger's transaction id. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, tid);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &from);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_nat_input(&nat, 0, &from, buf, (size_t)n, 1), 0);
	ck_assert_uint_eq(nat.ignored, sizeof(junk) + 2);
	for (i = 0; i < nat.ntests; i++)
		ck_assert_int_ne(nat.t[i].state, STUN_NAT_T_OK);
	stun_nat_next(&nat, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
}
END_TEST

/*
 * Every truncation and bit flip of a good answer to the first request:
 * the machine takes it or drops it, never misreads it as something else.
 */
START_TEST(nat_mutated_answers)
{
	static struct stun_nat	 base, m;
	struct stun_nat_config	 c;
	struct stun_nat_action	 a;
	struct stun_msg		 req;
	struct stun_builder	 b;
	struct stun_addr	 mapped;
	uint8_t			 ans[256], bad[256];
	const struct stun_nat_test *t;
	size_t			 len, i, bit;
	int			 n;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&base, &c), 0);
	ck_assert_int_eq(stun_nat_start(&base, sim.local, base.nsocks, 0), 0);
	stun_nat_next(&base, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
	ck_assert_int_eq(stun_msg_decode(&req, a.buf, a.len), 0);
	mapped = natsim_addr("203.0.113.5:41000");
	stun_build_reply(&b, ans, sizeof(ans), &req, STUN_CLASS_SUCCESS);
	stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	stun_build_addr(&b, STUN_ATTR_RESPONSE_ORIGIN, &sim.srv[0]);
	stun_build_addr(&b, STUN_ATTR_OTHER_ADDRESS, &sim.srv[3]);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	len = (size_t)n;

	/* The unmutated answer is taken. */
	m = base;
	ck_assert_int_eq(stun_nat_input(&m, a.sock, &sim.srv[0], ans, len,
	    5), 0);
	t = &m.t[a.test];
	ck_assert_int_eq(t->state, STUN_NAT_T_OK);
	ck_assert(natsim_same(&t->mapped, &mapped));

	for (i = 0; i < len; i++) {
		m = base;
		ck_assert_int_eq(stun_nat_input(&m, a.sock, &sim.srv[0], ans,
		    i, 5), 0);
		ck_assert_int_eq(m.t[a.test].state, STUN_NAT_T_RUN);
	}
	for (bit = 0; bit < len * 8; bit++) {
		memcpy(bad, ans, len);
		bad[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		m = base;
		ck_assert_int_eq(stun_nat_input(&m, a.sock, &sim.srv[0], bad,
		    len, 5), 0);
		/*
		 * FINGERPRINT (CRC-32) catches every single-bit error in what
		 * it covers; a flip in its own type hides it, and the rest of
		 * the answer is then intact.
		 */
		t = &m.t[a.test];
		if (t->state == STUN_NAT_T_RUN) {
			ck_assert_uint_eq(m.ignored, 1);
			continue;
		}
		ck_assert_msg(bit / 8 >= len - 8 && bit / 8 < len - 6,
		    "bit %zu taken", bit);
		ck_assert_int_eq(t->state, STUN_NAT_T_OK);
		ck_assert(natsim_same(&t->mapped, &mapped));
	}
}
END_TEST

START_TEST(nat_bad_config)
{
	struct stun_nat_config	 c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(stun_nat_init(&nat, &c), STUN_ERR_INVALID);
	config(&c, 9);
	ck_assert_int_eq(stun_nat_init(&nat, &c), STUN_ERR_INVALID);
	ck_assert_str_eq(stun_nat_type_name(STUN_NAT_TYPE_PORT_RESTRICTED),
	    "port-restricted-cone");
	ck_assert_str_eq(stun_nat_behaviour_name(STUN_NAT_APD),
	    "address-and-port-dependent");
	ck_assert_str_eq(stun_nat_type_name(99), "unknown");
}
END_TEST

START_TEST(nat_largest_plan_fits)
{
	struct stun_nat_config	 c;

	natsim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	sim.lifetime = 50000;
	config(&c, STUN_NAT_MODE_5780);
	c.rounds = 99;		/* capped */
	c.server2 = sim.srv[2];
	c.flags = STUN_NAT_F_LIFETIME;
	c.lifetime_max = 86400 * 10;	/* capped */
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	ck_assert_uint_eq(nat.c.rounds, STUN_NAT_MAX_ROUNDS);
	ck_assert_uint_le(nat.nsocks, STUN_NAT_MAX_SOCKS);
	ck_assert_uint_le(nat.ntests, STUN_NAT_MAX_TESTS);
	c.lifetime_max = 100;
	natsim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_RESTRICTED);
	ck_assert_uint_eq(nat.r.filt_agree, STUN_NAT_MAX_ROUNDS);
	ck_assert_int_eq(nat.r.lifetime, 1);
	ck_assert_uint_lt(nat.r.lifetime_lo, 50);
	ck_assert_uint_ge(nat.r.lifetime_hi, 50);
}
END_TEST

Suite *
suite_nat(void)
{
	Suite	*s = suite_create("nat");
	TCase	*tc;

	tc = tcase_create("rfc5780");
	tcase_add_test(tc, nat_open_is_open_and_fast);
	tcase_add_test(tc, nat_full_cone);
	tcase_add_test(tc, nat_restricted_cone);
	tcase_add_test(tc, nat_port_restricted_cone_within_timeout);
	tcase_add_test(tc, nat_symmetric_random);
	tcase_add_test(tc, nat_symmetric_sequential);
	tcase_add_test(tc, nat_address_dependent_mapping);
	tcase_add_test(tc, nat_symmetric_firewall);
	tcase_add_test(tc, nat_hairpin);
	tcase_add_test(tc, nat_cgnat);
	tcase_add_test(tc, nat_rounds_disagree);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_test(tc, nat_blocked_after_timeout);
	tcase_add_test(tc, nat_schedule_exact);
	tcase_add_test(tc, nat_loss_is_retransmitted);
	tcase_add_test(tc, nat_heavy_loss_times_out);
	tcase_add_test(tc, nat_no_other_address);
	tcase_add_test(tc, nat_change_request_ignored);
	tcase_add_test(tc, nat_input_ignores_junk);
	tcase_add_test(tc, nat_mutated_answers);
	tcase_add_test(tc, nat_bad_config);
	tcase_add_test(tc, nat_largest_plan_fits);
	tcase_add_test(tc, nat_closed_port_is_not_blocked);
	tcase_add_test(tc, nat_blocked_needs_every_server_silent);
	tcase_add_test(tc, nat_rtt_from_the_answered_send);
	tcase_add_test(tc, nat_late_answer_matches_its_send);
	tcase_add_test(tc, nat_icmp_input_checks_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("one-address");
	tcase_add_test(tc, nat_one_address_server_no_nat);
	tcase_add_test(tc, nat_one_address_server_behind_nat);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetime");
	tcase_add_test(tc, nat_lifetime_bracketed);
	suite_add_tcase(s, tc);

	tc = tcase_create("classic");
	tcase_add_loop_test(tc, nat_classic_tree, 0,
	    sizeof(classic_cases) / sizeof(classic_cases[0]));
	tcase_add_test(tc, nat_classic_blocked);
	suite_add_tcase(s, tc);

	tc = tcase_create("lint");
	tcase_add_test(tc, nat_lint_good_and_bad_server);
	tcase_add_test(tc, nat_lint_judges_by_server_kind);
	suite_add_tcase(s, tc);
	return (s);
}

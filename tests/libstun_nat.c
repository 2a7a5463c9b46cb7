/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_nat: the NAT classification machine on a fake clock against a
 * simulated path: a NAT model (mapping and filtering behaviour, port
 * allocation, hairpinning, binding lifetime, loss) in front of a simulated
 * RFC 5780 / RFC 3489 server on two addresses and two ports.  Every NAT
 * type's observable behaviour, retransmission, timeouts and the classic
 * tree are checked against the verdicts and times the machine reports.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/nat.h"
#include "suites.h"

#define SIM_MAPS	256
#define SIM_QUEUE	256
#define SIM_LAT		10	/* ms each way */

struct sim_pkt {
	uint64_t	at;
	unsigned	sock;
	struct stun_addr from;
	uint8_t		buf[512];
	size_t		len;
};

struct sim {
	/* NAT model. */
	int		nat;		/* translate at all */
	int		mapping;	/* STUN_NAT_EI / AD / APD */
	int		filtering;	/* EI / AD / APD (also without NAT) */
	int		alloc;		/* STUN_NAT_PAT_PRESERVE, ... */
	int		delta;
	int		hairpin;
	uint32_t	lifetime;	/* ms, 0: forever */
	struct stun_addr ext;		/* external IP (port unused) */
	/* Server model. */
	int		dead;		/* answers nothing */
	int		no_other;	/* no alternate address */
	int		ignore_change;
	int		legacy_only;	/* RFC 3489: no XOR, CHANGED-ADDRESS */
	int		no_response_port;
	int		sloppy;		/* answers a bad FINGERPRINT */
	unsigned	drop_first;	/* lose the first n requests of a tid */
	unsigned	blackhole;	/* socket + 1 that receives nothing */
	/* State. */
	struct stun_addr srv[4];	/* P1, P2 (port), A1 (ip), A2 */
	struct stun_addr local[STUN_NAT_MAX_SOCKS];
	struct {
		int		 used;
		unsigned	 sock;
		struct stun_addr key;	/* destination as the mapping sees it */
		uint16_t	 port;
		uint64_t	 last;
	} m[SIM_MAPS];
	struct {
		uint16_t	 port;
		struct stun_addr remote;
	} perm[SIM_MAPS];
	unsigned	nperm;
	uint16_t	next_port;
	uint32_t	rnd;
	struct sim_pkt	q[SIM_QUEUE];
	unsigned	nq;
	uint8_t		seen_tid[64][STUN_TID_LEN];
	unsigned	seen_cnt[64];
	unsigned	nseen;
	unsigned	sent;
};

static struct stun_addr
addr(const char *s)
{
	struct stun_addr	 a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(stun_addr_parse(s, 0, &a), 0);
	return (a);
}

static int
same(const struct stun_addr *a, const struct stun_addr *b)
{
	return (stun_addr_equal(a, b));
}

static int
same_ip(const struct stun_addr *a, const struct stun_addr *b)
{
	return (a->family == b->family && memcmp(a->ip, b->ip, 16) == 0);
}

/* Deterministic "random" bytes. */
static int
sim_rnd(void *arg, uint8_t *buf, size_t len)
{
	uint32_t	*s = arg;
	size_t		 i;

	for (i = 0; i < len; i++) {
		*s = *s * 1103515245 + 12345;
		buf[i] = (uint8_t)(*s >> 16);
	}
	return (0);
}

static void
sim_init(struct sim *s, int nat, int mapping, int filtering)
{
	unsigned	 i;
	char		 buf[32];

	memset(s, 0, sizeof(*s));
	s->nat = nat;
	s->mapping = mapping;
	s->filtering = filtering;
	s->alloc = STUN_NAT_PAT_PRESERVE;
	s->ext = addr("203.0.113.5");
	s->srv[0] = addr("198.51.100.1:3478");
	s->srv[1] = addr("198.51.100.1:3479");
	s->srv[2] = addr("198.51.100.2:3478");
	s->srv[3] = addr("198.51.100.2:3479");
	s->next_port = 40000;
	s->rnd = 7;
	for (i = 0; i < STUN_NAT_MAX_SOCKS; i++) {
		snprintf(buf, sizeof(buf), "%s:%u",
		    nat ? "10.0.1.100" : "203.0.113.130", 5000 + i);
		s->local[i] = addr(buf);
	}
}

static void
sim_queue(struct sim *s, uint64_t at, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len)
{
	struct sim_pkt	*p;

	ck_assert_uint_lt(s->nq, SIM_QUEUE);
	ck_assert_uint_le(len, sizeof(p->buf));
	p = &s->q[s->nq++];
	p->at = at;
	p->sock = sock;
	p->from = *from;
	memcpy(p->buf, buf, len);
	p->len = len;
}

/* The key a mapping is looked up by (RFC 4787 4.1). */
static struct stun_addr
sim_key(const struct sim *s, const struct stun_addr *dst)
{
	struct stun_addr	 k = *dst;

	if (s->mapping == STUN_NAT_EI)
		memset(&k, 0, sizeof(k));
	else if (s->mapping == STUN_NAT_AD)
		k.port = 0;
	return (k);
}

static int
sim_port_used(const struct sim *s, uint16_t port)
{
	unsigned	 i;

	for (i = 0; i < SIM_MAPS; i++)
		if (s->m[i].used && s->m[i].port == port)
			return (1);
	return (0);
}

static void
sim_expire(struct sim *s, uint64_t now)
{
	unsigned	 i, j;

	if (s->lifetime == 0)
		return;
	for (i = 0; i < SIM_MAPS; i++) {
		if (!s->m[i].used || now - s->m[i].last < s->lifetime)
			continue;
		s->m[i].used = 0;
		for (j = 0; j < s->nperm; j++)
			if (s->perm[j].port == s->m[i].port)
				s->perm[j].port = 0;
	}
}

/* Outbound: the external source of a packet from sock to dst. */
static struct stun_addr
sim_out(struct sim *s, unsigned sock, const struct stun_addr *dst,
    uint64_t now)
{
	struct stun_addr	 src = s->local[sock], key;
	unsigned		 i, f = SIM_MAPS;
	uint16_t		 port;

	if (s->nat) {
		key = sim_key(s, dst);
		for (i = 0; i < SIM_MAPS; i++) {
			if (s->m[i].used && s->m[i].sock == sock &&
			    same(&s->m[i].key, &key))
				break;
			if (!s->m[i].used && f == SIM_MAPS)
				f = i;
		}
		if (i == SIM_MAPS) {
			ck_assert_uint_lt(f, SIM_MAPS);
			i = f;
			port = s->local[sock].port;
			if (s->alloc == STUN_NAT_PAT_SEQUENTIAL) {
				s->next_port = (uint16_t)(s->next_port +
				    s->delta);
				port = s->next_port;
			} else if (s->alloc == STUN_NAT_PAT_RANDOM) {
				do {
					s->rnd = s->rnd * 1103515245 + 12345;
					port = (uint16_t)(1024 +
					    (s->rnd >> 8) % 60000);
				} while (sim_port_used(s, port));
			} else
				while (sim_port_used(s, port))
					port++;
			s->m[i].used = 1;
			s->m[i].sock = sock;
			s->m[i].key = key;
			s->m[i].port = port;
		}
		s->m[i].last = now;
		src = s->ext;
		src.port = s->m[i].port;
	}
	ck_assert_uint_lt(s->nperm, SIM_MAPS);
	s->perm[s->nperm].port = src.port;
	s->perm[s->nperm++].remote = *dst;
	return (src);
}

/* Inbound to external port from remote: the socket, or -1 if dropped. */
static int
sim_in(struct sim *s, uint16_t port, const struct stun_addr *remote,
    uint64_t now, int hairpin)
{
	unsigned	 i;
	int		 sock = -1, ok = 0;

	if (!s->nat) {
		for (i = 0; i < STUN_NAT_MAX_SOCKS; i++)
			if (s->local[i].port == port)
				sock = (int)i;
	} else {
		for (i = 0; i < SIM_MAPS; i++)
			if (s->m[i].used && s->m[i].port == port) {
				sock = (int)s->m[i].sock;
				s->m[i].last = now;
			}
	}
	if (sock < 0 || (unsigned)sock + 1 == s->blackhole)
		return (-1);
	if (s->filtering == STUN_NAT_EI || hairpin)
		return (sock);
	for (i = 0; i < s->nperm; i++) {
		if (s->perm[i].port != port)
			continue;
		if (s->filtering == STUN_NAT_AD &&
		    same_ip(&s->perm[i].remote, remote))
			ok = 1;
		if (s->filtering == STUN_NAT_APD &&
		    same(&s->perm[i].remote, remote))
			ok = 1;
	}
	return (ok ? sock : -1);
}

static unsigned
sim_seen(struct sim *s, const uint8_t *tid)
{
	unsigned	 i;

	for (i = 0; i < s->nseen; i++)
		if (memcmp(s->seen_tid[i], tid, STUN_TID_LEN) == 0)
			return (++s->seen_cnt[i]);
	ck_assert_uint_lt(s->nseen, 64);
	memcpy(s->seen_tid[s->nseen], tid, STUN_TID_LEN);
	s->seen_cnt[s->nseen++] = 1;
	return (1);
}

/* The server: answer req (arrived at srv[k] from src), through the NAT. */
static void
sim_server(struct sim *s, unsigned k, const struct stun_addr *src,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct stun_msg		 req;
	struct stun_builder	 b;
	struct stun_addr	 to = *src;
	uint8_t			 out[512];
	uint32_t		 change = 0;
	uint16_t		 rport;
	unsigned		 from = k;
	int			 n, sock;

	if (s->dead || stun_msg_decode(&req, buf, len) != 0 ||
	    req.cls != STUN_CLASS_REQUEST)
		return;
	if (sim_seen(s, req.tid) <= s->drop_first)
		return;
	if (!s->sloppy && req.fp >= 0 &&
	    stun_msg_check_fingerprint(&req) != 0)
		return;
	if (req.nunknown > 0 || (s->no_response_port &&
	    stun_msg_find(&req, STUN_ATTR_RESPONSE_PORT) != NULL)) {
		uint16_t rp = STUN_ATTR_RESPONSE_PORT;

		stun_build_reply(&b, out, sizeof(out), &req, STUN_CLASS_ERROR);
		stun_build_error(&b, 420, NULL);
		if (req.nunknown > 0)
			stun_build_unknown(&b, req.unknown, req.nunknown);
		else
			stun_build_unknown(&b, &rp, 1);
		goto send;
	}
	(void)stun_msg_get_u32(&req, STUN_ATTR_CHANGE_REQUEST, &change);
	if (!s->ignore_change && !s->no_other) {
		if (change & STUN_CHANGE_IP)
			from ^= 2;
		if (change & STUN_CHANGE_PORT)
			from ^= 1;
	}
	if (!s->no_response_port &&
	    stun_msg_get_response_port(&req, &rport) == 0)
		to.port = rport;
	stun_build_reply(&b, out, sizeof(out), &req, STUN_CLASS_SUCCESS);
	if (req.legacy || s->legacy_only) {
		stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, src);
		/* As Vovida's server: XORed with a cookie that is not one. */
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
		stun_build_addr(&b, STUN_ATTR_SOURCE_ADDRESS, &s->srv[from]);
		if (!s->no_other)
			stun_build_addr(&b, STUN_ATTR_CHANGED_ADDRESS,
			    &s->srv[k ^ 3]);
	} else {
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
		stun_build_addr(&b, STUN_ATTR_RESPONSE_ORIGIN, &s->srv[from]);
		if (!s->no_other)
			stun_build_addr(&b, STUN_ATTR_OTHER_ADDRESS,
			    &s->srv[k ^ 3]);
		stun_build_fingerprint(&b);
	}
send:
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	if (!same_ip(&to, s->nat ? &s->ext : &s->local[0]))
		return;
	if ((sock = sim_in(s, to.port, &s->srv[from], now, 0)) < 0)
		return;
	sim_queue(s, now + 2 * SIM_LAT, (unsigned)sock, &s->srv[from], out,
	    (size_t)n);
}

static void
sim_send(struct sim *s, const struct stun_nat_action *a, uint64_t now)
{
	struct stun_addr	 src;
	unsigned		 k;
	int			 sock;

	s->sent++;
	src = sim_out(s, a->sock, &a->to, now);
	for (k = 0; k < 4; k++)
		if (same(&a->to, &s->srv[k])) {
			sim_server(s, k, &src, a->buf, a->len, now);
			return;
		}
	/* Hairpin: to the NAT's own external address. */
	if (same_ip(&a->to, s->nat ? &s->ext : &s->local[0])) {
		if (s->nat && !s->hairpin)
			return;
		if ((sock = sim_in(s, a->to.port, &src, now, 1)) >= 0)
			sim_queue(s, now + SIM_LAT, (unsigned)sock, &src,
			    a->buf, a->len);
	}
}

/* Drive n to the end; returns the time it finished. */
static uint64_t
sim_run(struct sim *s, struct stun_nat *n, const struct stun_nat_config *c)
{
	struct stun_nat_action	 a;
	uint64_t		 now = 1000, next;
	unsigned		 steps, i;

	ck_assert_int_eq(stun_nat_init(n, c), 0);
	ck_assert_uint_le(n->nsocks, STUN_NAT_MAX_SOCKS);
	ck_assert_int_eq(stun_nat_start(n, s->local, n->nsocks, now), 0);
	for (steps = 0; steps < 100000; steps++) {
		sim_expire(s, now);
		for (;;) {
			stun_nat_next(n, &a);
			if (a.kind != STUN_NAT_SEND)
				break;
			ck_assert_uint_lt(a.sock, n->nsocks);
			sim_send(s, &a, now);
		}
		if (a.kind == STUN_NAT_DONE)
			return (now - 1000);
		ck_assert_int_eq(a.kind, STUN_NAT_WAIT);
		ck_assert_uint_ge(a.wake, now);
		next = a.wake;
		for (i = 0; i < s->nq; i++)
			if (s->q[i].at < next)
				next = s->q[i].at;
		now = next;
		sim_expire(s, now);
		for (i = 0; i < s->nq; ) {
			if (s->q[i].at <= now) {
				struct sim_pkt p = s->q[i];

				s->q[i] = s->q[--s->nq];
				ck_assert_int_eq(stun_nat_input(n, p.sock,
				    &p.from, p.buf, p.len, now), 0);
			} else
				i++;
		}
		if (now >= a.wake)
			stun_nat_timer(n, now);
	}
	ck_abort_msg("machine did not finish");
	return (0);
}

static struct stun_nat	 nat;
static struct sim	 sim;
static uint32_t		 rndstate;

static void
config(struct stun_nat_config *c, int mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->server = sim.srv[0];
	c->rnd = sim_rnd;
	c->rnd_arg = &rndstate;
	rndstate = 1;
}

static uint64_t
run_5780(void)
{
	struct stun_nat_config	 c;

	config(&c, STUN_NAT_MODE_5780);
	return (sim_run(&sim, &nat, &c));
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

	sim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	ms = run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_OPEN);
	ck_assert_int_eq(nat.r.nat, 0);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_EI);
	ck_assert_uint_eq(nat.r.filt_agree, 3);
	ck_assert_uint_eq(nat.r.filt_total, 3);
	ck_assert_int_eq(nat.r.hairpin, 1);
	ck_assert_int_eq(nat.r.port_preserve, 1);
	ck_assert(same(&nat.r.mapped, &nat.r.local));
	ck_assert(same(&nat.r.other, &sim.srv[3]));
	ck_assert_int_eq(nat.r.change_ok, 1);
	/* Everything answers: a few round trips, no timeouts. */
	ck_assert_uint_le(ms, 6 * 2 * SIM_LAT);
}
END_TEST

START_TEST(nat_full_cone)
{
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_FULL_CONE);
	ck_assert_int_eq(nat.r.nat, 1);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);
	ck_assert_uint_eq(nat.r.map_agree, 3);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_EI);
	ck_assert_int_eq(nat.r.hairpin, 0);
	ck_assert_int_eq(nat.r.pattern, STUN_NAT_PAT_PRESERVE);
	ck_assert_int_eq(nat.r.port_preserve, 1);
	ck_assert(same_ip(&nat.r.mapped, &sim.ext));
	ck_assert_int_eq(nat.r.cgnat, 0);
	ck_assert_int_eq(nat.r.double_nat, 0);
}
END_TEST

START_TEST(nat_restricted_cone)
{
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
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
	sim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_APD);
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
	sim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_APD);
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
	sim_init(&sim, 1, STUN_NAT_AD, STUN_NAT_AD);
	run_5780();
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_AD);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
	ck_assert(same(&find_test("mapping-other-ip", 1)->mapped,
	    &find_test("mapping-other-ip-port", 1)->mapped));
}
END_TEST

START_TEST(nat_symmetric_firewall)
{
	sim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_APD);
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.dead = 1;
	config(&c, STUN_NAT_MODE_5780);
	/* The first actions: every independent test sends at once. */
	ck_assert_int_eq(stun_nat_init(&nat, &c), 0);
	ck_assert_int_eq(stun_nat_start(&nat, sim.local, nat.nsocks, 0), 0);
	stun_nat_next(&nat, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
	ck_assert_uint_eq(a.sock, 0);
	ck_assert(same(&a.to, &sim.srv[0]));
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
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
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.hairpin = 1;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_PORT_RESTRICTED);
	ck_assert_int_eq(nat.r.hairpin, 1);
}
END_TEST

START_TEST(nat_loss_is_retransmitted)
{
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
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
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.drop_first = 3;
	run_5780();
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
}
END_TEST

START_TEST(nat_no_other_address)
{
	struct stun_nat_config	 c;

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = 1;
	run_5780();
	ck_assert_int_eq(nat.r.has_other, 0);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_UNKNOWN);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_UNKNOWN);
	ck_assert_int_eq(find_test("mapping-other-ip", 0)->state,
	    STUN_NAT_T_SKIPPED);

	/* A second server answers the mapping question. */
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.no_other = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_EI);

	sim_init(&sim, 1, STUN_NAT_APD, STUN_NAT_EI);
	sim.no_other = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.server2 = sim.srv[2];
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.mapping, STUN_NAT_DEP);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_SYMMETRIC);
}
END_TEST

START_TEST(nat_change_request_ignored)
{
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
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
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.ext = addr("100.64.7.1");
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
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	config(&c, STUN_NAT_MODE_5780);
	c.rounds = 3;
	sim.blackhole = 1 + find_sock("filtering-change-port", 1, &c);
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.filtering, STUN_NAT_AD);
	ck_assert_uint_eq(nat.r.filt_agree, 2);
	ck_assert_uint_eq(nat.r.filt_total, 3);
	ck_assert_uint_eq(nat.r.map_agree, 3);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_RESTRICTED);

	/* More rounds, all agreeing. */
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
	config(&c, STUN_NAT_MODE_5780);
	c.rounds = 5;
	sim_run(&sim, &nat, &c);
	ck_assert_uint_eq(nat.r.filt_total, 5);
	ck_assert_uint_eq(nat.r.filt_agree, 5);
}
END_TEST

START_TEST(nat_lifetime_bracketed)
{
	struct stun_nat_config	 c;

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.lifetime = 30000;
	config(&c, STUN_NAT_MODE_5780);
	c.flags = STUN_NAT_F_LIFETIME;
	c.lifetime_max = 121;
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.lifetime, 1);
	ck_assert_uint_lt(nat.r.lifetime_lo, 30);
	ck_assert_uint_ge(nat.r.lifetime_hi, 30);
	ck_assert_uint_le(nat.r.lifetime_hi, 40);

	/* A server without RESPONSE-PORT: not measured. */
	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_APD);
	sim.no_response_port = 1;
	config(&c, STUN_NAT_MODE_5780);
	c.flags = STUN_NAT_F_LIFETIME;
	c.lifetime_max = 20;
	sim_run(&sim, &nat, &c);
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

	sim_init(&sim, classic_cases[_i].nat, classic_cases[_i].mapping,
	    classic_cases[_i].filtering);
	sim.legacy_only = 1;
	config(&c, STUN_NAT_MODE_CLASSIC);
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(nat.r.nat_type, classic_cases[_i].want);
	t = find_test("classic-test-i", 0);
	ck_assert(same_ip(&nat.r.mapped, sim.nat ? &sim.ext : &sim.local[0]));
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	sim.dead = 1;
	config(&c, STUN_NAT_MODE_CLASSIC);
	ck_assert_uint_eq(sim_run(&sim, &nat, &c), 500);
	ck_assert_int_eq(nat.r.nat_type, STUN_NAT_TYPE_BLOCKED);
}
END_TEST

START_TEST(nat_lint_good_and_bad_server)
{
	struct stun_nat_config	 c;

	sim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_LINT);
	sim_run(&sim, &nat, &c);
	ck_assert_uint_eq(nat.r.lint_fail, 0);
	ck_assert_int_eq(find_test("unknown-attribute", 0)->pass, 1);
	ck_assert_int_eq(find_test("unknown-attribute", 0)->code, 420);
	ck_assert_int_eq(find_test("other-address", 0)->pass, 1);
	ck_assert_int_eq(find_test("response-port", 0)->pass, 1);
	ck_assert_int_eq(find_test("bad-fingerprint", 0)->pass, 1);

	sim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.ignore_change = 1;
	config(&c, STUN_NAT_MODE_LINT);
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("change-ip-port", 0)->pass, 0);
	ck_assert_int_eq(find_test("change-port", 0)->pass, 0);
	ck_assert_uint_ge(nat.r.lint_fail, 2);

	sim_init(&sim, 0, STUN_NAT_EI, STUN_NAT_EI);
	sim.sloppy = 1;
	config(&c, STUN_NAT_MODE_LINT);
	sim_run(&sim, &nat, &c);
	ck_assert_int_eq(find_test("bad-fingerprint", 0)->pass, 0);
	ck_assert_uint_eq(nat.r.lint_fail, 1);
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_EI);
	config(&c, STUN_NAT_MODE_5780);
	ck_assert_int_eq(stun_nat_init(&base, &c), 0);
	ck_assert_int_eq(stun_nat_start(&base, sim.local, base.nsocks, 0), 0);
	stun_nat_next(&base, &a);
	ck_assert_int_eq(a.kind, STUN_NAT_SEND);
	ck_assert_int_eq(stun_msg_decode(&req, a.buf, a.len), 0);
	mapped = addr("203.0.113.5:41000");
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
	ck_assert(same(&t->mapped, &mapped));

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
		ck_assert(same(&t->mapped, &mapped));
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

	sim_init(&sim, 1, STUN_NAT_EI, STUN_NAT_AD);
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
	sim_run(&sim, &nat, &c);
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
	suite_add_tcase(s, tc);
	return (s);
}

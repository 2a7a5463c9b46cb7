/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_punch: two hole-punching machines wired back to back through a
 * scripted network with simulated NATs (full cone, port-restricted cone,
 * symmetric, one shared NAT, no NAT, a relay) on a fake clock: which pair
 * is nominated and when, every candidate order, loss, peer-reflexive
 * learning, role conflicts, timeout, keepalive timing, path changes, and
 * the recheck rounds of a relayed path (moving to direct minutes later,
 * bounded traffic when it never can).
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/punch.h"
#include "suites.h"
#include "testutil.h"

#define NAT_NONE	0
#define NAT_FULL	1	/* endpoint-independent mapping and filter */
#define NAT_PRC		2	/* EIM, address-and-port-dependent filter */
#define NAT_SYM		3	/* APD mapping and filter */

#define MAXQ		512
#define MAXMAP		64
#define LATENCY		10

struct map {
	struct stun_addr inner, dest, pub;
	struct stun_addr sent[16];
	unsigned	 nsent;
};

struct nat {
	int		 type;
	struct stun_addr ip;		/* public address, port 0 */
	uint16_t	 next_port;
	struct map	 m[MAXMAP];
	unsigned	 nm;
};

struct host {
	struct stun_punch p;
	struct nat	*nat;
	int		 lan;
	unsigned	 nsock;
	struct stun_addr sock[2];
	int		 sock_public[2];	/* a relay: public, no NAT */
	/* Events. */
	int		 nominated, changed, failed;
	uint64_t	 nominated_at, changed_at, failed_at;
	int		 local_type, remote_type;
	struct stun_addr path;
	unsigned	 path_sock;
	unsigned	 sends, keepalives, checks;
	unsigned	 consents;	/* requests on the path once reported */
	uint64_t	 consent_last;
	int		 lost;
	uint64_t	 lost_at;
	uint64_t	 ka_at[8];
	uint64_t	 check_at[256];	/* requests, the first 256 */
	int		 first_local_type;
	uint64_t	 last_send;
};

struct qpkt {
	uint64_t	 at;
	int		 to;
	unsigned	 sock;
	struct stun_addr from;
	uint8_t		 buf[STUN_PUNCH_MSG_MAX];
	size_t		 len;
};

struct world {
	struct host	 h[2];
	struct nat	 nat[2];
	struct qpkt	 q[MAXQ];
	unsigned	 nq;
	unsigned	 drop_first[2];	/* drop the first n from each host */
	uint64_t	 block_direct_until;
	int		 drop_all;
	unsigned	 sent_from[2];
	unsigned	 loss;		/* percent of datagrams lost at random */
	uint32_t	 seed;		/* of the loss */
};

static struct world	w;

static int
fake_rnd(void *arg, uint8_t *buf, size_t len)
{
	unsigned	*c = arg;
	size_t		 i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((*c) * 17 + i);
	(*c)++;
	return (0);
}

static unsigned	rnd_ctr;

static struct map *
nat_map(struct nat *n, const struct stun_addr *inner,
    const struct stun_addr *dest)
{
	struct map	*m;
	unsigned	 i;

	for (i = 0; i < n->nm; i++) {
		m = &n->m[i];
		if (!stun_addr_equal(&m->inner, inner))
			continue;
		if (n->type != NAT_SYM || stun_addr_equal(&m->dest, dest))
			return (m);
	}
	ck_assert_uint_lt(n->nm, MAXMAP);
	m = &n->m[n->nm++];
	memset(m, 0, sizeof(*m));
	m->inner = *inner;
	m->dest = *dest;
	m->pub = n->ip;
	m->pub.port = n->next_port++;
	return (m);
}

static void
map_sent(struct map *m, const struct stun_addr *to)
{
	unsigned	i;

	for (i = 0; i < m->nsent; i++)
		if (stun_addr_equal(&m->sent[i], to))
			return;
	if (m->nsent < 16)
		m->sent[m->nsent++] = *to;
}

/* Which host and socket own the (inside) address a, on lan (-1: any). */
static int
find_inner(const struct stun_addr *a, int lan, int pub, unsigned *sock)
{
	unsigned	i, s;

	for (i = 0; i < 2; i++)
		for (s = 0; s < w.h[i].nsock; s++) {
			if (!stun_addr_equal(&w.h[i].sock[s], a))
				continue;
			if (pub && w.h[i].nat != NULL &&
			    !w.h[i].sock_public[s])
				continue;
			if (!pub && w.h[i].lan != lan)
				continue;
			*sock = s;
			return ((int)i);
		}
	return (-1);
}

static void
enqueue(int to, unsigned sock, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct qpkt	*q;

	ck_assert_uint_lt(w.nq, MAXQ);
	q = &w.q[w.nq++];
	q->at = now + LATENCY;
	q->to = to;
	q->sock = sock;
	q->from = *from;
	memcpy(q->buf, buf, len);
	q->len = len;
}

/* One draw of the scripted random loss (a fixed LCG: same seed, same run). */
static int
lossy(void)
{
	w.seed = w.seed * 1103515245U + 12345U;
	return ((w.seed >> 16) % 100 < w.loss);
}

/* Route one datagram through the NATs. */
static void
route(int hi, unsigned sock, const struct stun_addr *to, const uint8_t *buf,
    size_t len, uint64_t now)
{
	struct host	*h = &w.h[hi];
	struct stun_addr src = h->sock[sock];
	struct map	*m;
	unsigned	 ds = 0, i;
	int		 d;

	if (w.drop_all)
		return;
	if (w.drop_first[hi] > 0) {
		w.drop_first[hi]--;
		return;
	}
	if (w.loss > 0 && lossy())
		return;
	/* Same private network: straight there. */
	if (h->nat != NULL && !h->sock_public[sock] &&
	    (d = find_inner(to, h->lan, 0, &ds)) >= 0 && d != hi) {
		enqueue(d, ds, &src, buf, len, now);
		return;
	}
	/* Blocking direct paths leaves those through a relay open. */
	if (now < w.block_direct_until && !h->sock_public[sock] &&
	    !((d = find_inner(to, -1, 1, &ds)) >= 0 &&
	    w.h[d].sock_public[ds]))
		return;
	if (h->nat != NULL && !h->sock_public[sock]) {
		m = nat_map(h->nat, &src, to);
		map_sent(m, to);
		src = m->pub;
	}
	/* A public socket (no NAT, or a relay). */
	if ((d = find_inner(to, -1, 1, &ds)) >= 0) {
		enqueue(d, ds, &src, buf, len, now);
		return;
	}
	/* A NAT's public address: mapping and filter. */
	for (d = 0; d < 2; d++) {
		struct nat	*n = w.h[d].nat;

		if (n == NULL || d == hi)
			continue;
		for (i = 0; i < n->nm; i++) {
			m = &n->m[i];
			if (!stun_addr_equal(&m->pub, to))
				continue;
			if (n->type != NAT_FULL) {
				unsigned	k;

				for (k = 0; k < m->nsent; k++)
					if (stun_addr_equal(&m->sent[k], &src))
						break;
				if (k == m->nsent)
					return;		/* filtered */
			}
			(void)find_inner(&m->inner, w.h[d].lan, 0, &ds);
			enqueue(d, ds, &src, buf, len, now);
			return;
		}
	}
}

static void
drain(int hi, uint64_t now)
{
	struct host		*h = &w.h[hi];
	struct stun_punch_action a;
	struct stun_msg		 m;
	unsigned		 n;

	for (n = 0; n < 1000; n++) {
		stun_punch_next(&h->p, &a);
		if (a.kind == STUN_PUNCH_WAIT)
			break;
		switch (a.kind) {
		case STUN_PUNCH_SEND:
			ck_assert_uint_lt(a.sock, h->nsock);
			ck_assert_int_eq(stun_msg_decode(&m, a.buf, a.len), 0);
			ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
			if (m.cls == STUN_CLASS_INDICATION) {
				if (h->keepalives < 8)
					h->ka_at[h->keepalives] = now;
				h->keepalives++;
			} else
				ck_assert_int_eq(stun_msg_check_integrity(&m,
				    h->p.c.key, h->p.c.keylen), 0);
			if (m.cls == STUN_CLASS_REQUEST && h->nominated &&
			    a.sock == h->path_sock &&
			    stun_addr_equal(&a.to, &h->path)) {
				h->consents++;
				h->consent_last = now;
			} else if (m.cls == STUN_CLASS_REQUEST) {
				if (h->checks < 256)
					h->check_at[h->checks] = now;
				h->checks++;
			}
			h->sends++;
			h->last_send = now;
			route(hi, a.sock, &a.to, a.buf, a.len, now);
			break;
		case STUN_PUNCH_NOMINATED:
		case STUN_PUNCH_CHANGED:
			if (a.kind == STUN_PUNCH_NOMINATED) {
				ck_assert_int_eq(h->nominated, 0);
				h->nominated = 1;
				h->nominated_at = now;
				h->first_local_type = a.local_type;
			} else {
				h->changed++;
				h->changed_at = now;
			}
			h->local_type = a.local_type;
			h->remote_type = a.remote_type;
			h->path = a.to;
			h->path_sock = a.sock;
			break;
		case STUN_PUNCH_FAILED:
			if (h->lost)
				break;	/* rounds while a lost path is sought */
			ck_assert_int_eq(h->failed, 0);
			h->failed = 1;
			h->failed_at = now;
			break;
		case STUN_PUNCH_LOST:
			h->lost++;
			h->lost_at = now;
			break;
		}
	}
	ck_assert_uint_lt(n, 1000);
}

static void
run_continue(uint64_t start, uint64_t end)
{
	uint64_t		 now = start, t, wk;
	struct stun_punch_action a;
	unsigned		 i, steps;
	struct qpkt		 q;

	for (steps = 0; steps < 100000; steps++) {
		for (i = 0; i < 2; i++) {
			stun_punch_timer(&w.h[i].p, now);
			drain((int)i, now);
		}
		for (i = 0; i < w.nq; ) {
			if (w.q[i].at > now) {
				i++;
				continue;
			}
			q = w.q[i];
			w.q[i] = w.q[--w.nq];
			(void)stun_punch_input(&w.h[q.to].p, q.sock, &q.from,
			    q.buf, q.len, now);
			drain(q.to, now);
		}
		t = end;
		for (i = 0; i < w.nq; i++)
			if (w.q[i].at < t)
				t = w.q[i].at;
		for (i = 0; i < 2; i++) {
			stun_punch_next(&w.h[i].p, &a);
			ck_assert_int_eq(a.kind, STUN_PUNCH_WAIT);
			wk = a.wake;
			if (wk != 0 && wk < t)
				t = wk;
		}
		/* Work due now (a nomination an answer queued): again. */
		if (t < now)
			t = now;
		if (t >= end)
			break;
		now = t;
	}
	ck_assert_uint_lt(steps, 100000);
}

static void
run_until(uint64_t end)
{
	run_continue(0, end);
}

/* Set up host i with nat type natt ("lan" groups hosts behind one NAT). */
static void
host_setup(int i, int natt, const char *inner, const char *pubip, int lan,
    int controlling)
{
	struct stun_punch_config c;
	struct host		*h = &w.h[i];

	memset(&c, 0, sizeof(c));
	c.controlling = controlling;
	c.tiebreaker = controlling ? 1000 + (uint64_t)i : 10 + (uint64_t)i;
	strcpy(c.local_ufrag, i == 0 ? "alfa" : "brvo");
	strcpy(c.remote_ufrag, i == 0 ? "brvo" : "alfa");
	memcpy(c.key, "shared-pair-key-0123", 20);
	c.keylen = 20;
	c.rnd = fake_rnd;
	c.rnd_arg = &rnd_ctr;
	ck_assert_int_eq(stun_punch_init(&h->p, &c), 0);
	h->lan = lan;
	h->nsock = 1;
	h->sock[0] = test_addr(inner);
	if (natt != NAT_NONE) {
		h->nat = &w.nat[i];
		if (lan >= 0 && i == 1 && w.h[0].nat != NULL &&
		    w.h[0].lan == lan)
			h->nat = w.h[0].nat;	/* one NAT for both */
		else {
			h->nat->type = natt;
			h->nat->ip = test_addr(pubip);
			h->nat->next_port = (uint16_t)(40000 + 1000 * i);
		}
	}
}

/* Host and (through the NAT, as a STUN server saw it) srflx candidates. */
static void
host_cands(int i, struct stun_punch_cand *c, unsigned *n)
{
	struct host	*h = &w.h[i];
	struct stun_addr server = test_addr("203.0.113.77:3478");
	struct map	*m;

	memset(c, 0, 3 * sizeof(*c));
	c[0].type = STUN_CAND_HOST;
	c[0].addr = h->sock[0];
	c[0].priority = stun_punch_priority(STUN_CAND_HOST, 65535);
	*n = 1;
	if (h->nat != NULL) {
		m = nat_map(h->nat, &h->sock[0], &server);
		map_sent(m, &server);
		c[1].type = STUN_CAND_SRFLX;
		c[1].addr = m->pub;
		c[1].priority = stun_punch_priority(STUN_CAND_SRFLX, 65535);
		*n = 2;
	}
	if (h->nsock > 1) {
		c[*n].type = STUN_CAND_RELAY;
		c[*n].addr = h->sock[1];
		c[*n].sock = 1;
		c[*n].priority = stun_punch_priority(STUN_CAND_RELAY, 65535);
		(*n)++;
	}
}

/* Exchange candidates, remote ones in the order given by perm. */
static void
exchange(unsigned perm)
{
	struct stun_punch_cand	c[2][3];
	unsigned		n[2], i, k, order[3];

	host_cands(0, c[0], &n[0]);
	host_cands(1, c[1], &n[1]);
	for (i = 0; i < 2; i++)
		for (k = 0; k < n[i]; k++)
			ck_assert_int_eq(stun_punch_add_local(&w.h[i].p,
			    &c[i][k]), 0);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < n[1 - i]; k++)
			order[k] = k;
		/* perm picks one of the orders of up to 3 candidates. */
		if (n[1 - i] >= 2 && (perm & 1)) {
			order[0] = 1;
			order[1] = 0;
		}
		if (n[1 - i] == 3) {
			unsigned	r = (perm >> 1) % 3, t;

			t = order[r];
			order[r] = order[2];
			order[2] = t;
		}
		for (k = 0; k < n[1 - i]; k++)
			ck_assert_int_eq(stun_punch_add_remote(&w.h[i].p,
			    &c[1 - i][order[k]]), 0);
	}
}

static void
world_reset(void)
{
	memset(&w, 0, sizeof(w));
	rnd_ctr = 1;
}

static void
start_both(void)
{
	ck_assert_int_eq(stun_punch_start(&w.h[0].p, 0), 0);
	ck_assert_int_eq(stun_punch_start(&w.h[1].p, 0), 0);
	ck_assert_int_eq(stun_punch_start(&w.h[1].p, 0), STUN_ERR_STATE);
}

static void
assert_same_path(void)
{
	ck_assert_int_eq(w.h[0].nominated, 1);
	ck_assert_int_eq(w.h[1].nominated, 1);
	ck_assert_int_eq(w.h[0].failed + w.h[1].failed, 0);
}

/* The first check on the wire, field by field. */
START_TEST(punch_first_check_is_exact)
{
	struct stun_punch_action a;
	struct stun_msg		 m;
	char			 user[64];
	uint32_t		 prio;
	uint64_t		 tb;

	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 0);
	exchange(0);
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_int_eq(a.kind, STUN_PUNCH_WAIT);
	ck_assert_uint_eq(a.wake, 0);		/* not started */
	ck_assert_int_eq(stun_punch_start(&w.h[0].p, 1000), 0);
	stun_punch_timer(&w.h[0].p, 1000);
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_int_eq(a.kind, STUN_PUNCH_SEND);
	ck_assert_uint_eq(a.sock, 0);
	ck_assert_int_eq(stun_addr_equal(&a.to,
	    &w.h[1].sock[0]), 1);
	ck_assert_int_eq(stun_msg_decode(&m, a.buf, a.len), 0);
	ck_assert_int_eq(m.cls, STUN_CLASS_REQUEST);
	ck_assert_int_eq(stun_msg_get_string(&m, STUN_ATTR_USERNAME, user,
	    sizeof(user)), 0);
	ck_assert_str_eq(user, "brvo:alfa");
	ck_assert_int_eq(stun_msg_get_u32(&m, STUN_ATTR_PRIORITY, &prio), 0);
	ck_assert_uint_eq(prio, (110U << 24) | (65535U << 8) | 255U);
	ck_assert_int_eq(stun_msg_get_u64(&m, STUN_ATTR_ICE_CONTROLLING, &tb),
	    0);
	ck_assert_uint_eq(tb, 1000);
	ck_assert_ptr_null(stun_msg_find(&m, STUN_ATTR_USE_CANDIDATE));
	ck_assert_int_eq(stun_msg_check_integrity(&m,
	    (const uint8_t *)"shared-pair-key-0123", 20), 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&m), 0);
	/* Paced: nothing more until 1020, the retransmission at 1100. */
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_int_eq(a.kind, STUN_PUNCH_WAIT);
	ck_assert_uint_eq(a.wake, 1100);
	stun_punch_timer(&w.h[0].p, 1099);
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_int_eq(a.kind, STUN_PUNCH_WAIT);
	stun_punch_timer(&w.h[0].p, 1100);
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_int_eq(a.kind, STUN_PUNCH_SEND);
	stun_punch_next(&w.h[0].p, &a);
	ck_assert_uint_eq(a.wake, 1300);	/* backoff: 200 */
}
END_TEST

/* No NAT: the host pair, nominated at a time fixed by the latency. */
START_TEST(punch_open_hosts_nominate_host_pair)
{
	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 0);
	exchange(0);
	start_both();
	run_until(3000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].remote_type, STUN_CAND_HOST);
	ck_assert_int_eq(w.h[1].remote_type, STUN_CAND_HOST);
	/*
	 * t=0 both check; t=10 both answer; t=20 both succeed, A nominates
	 * (USE-CANDIDATE, paced at 20); t=30 B answers and nominates; t=40 A
	 * has the answer.
	 */
	ck_assert_uint_eq(w.h[1].nominated_at, 30);
	ck_assert_uint_eq(w.h[0].nominated_at, 40);
}
END_TEST

/* Two peers behind one NAT meet on their private addresses. */
START_TEST(punch_same_nat_uses_private_addresses)
{
	world_reset();
	host_setup(0, NAT_PRC, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_PRC, "10.0.0.2:6000", NULL, 1, 0);
	ck_assert_ptr_eq(w.h[0].nat, w.h[1].nat);
	exchange((unsigned)_i);
	start_both();
	run_until(3000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].remote_type, STUN_CAND_HOST);
	ck_assert_int_eq(stun_addr_equal(&w.h[0].path, &w.h[1].sock[0]), 1);
	ck_assert_int_eq(stun_addr_equal(&w.h[1].path, &w.h[0].sock[0]), 1);
}
END_TEST

/* Cone NATs of each kind: the server-reflexive pair, in any order. */
START_TEST(punch_cone_nats_meet_on_srflx)
{
	static const int	types[][2] = {
		{ NAT_FULL, NAT_FULL }, { NAT_FULL, NAT_PRC },
		{ NAT_PRC, NAT_FULL }, { NAT_PRC, NAT_PRC },
	};
	int			t = _i / 2;

	world_reset();
	host_setup(0, types[t][0], "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, types[t][1], "192.168.1.2:6000", "203.0.113.2", 2, 0);
	exchange((unsigned)(_i % 2));
	start_both();
	run_until(6000);
	assert_same_path();
	ck_assert_int_eq(stun_addr_equal(&w.h[0].path,
	    &w.nat[1].m[0].pub), 1);
	ck_assert_int_eq(stun_addr_equal(&w.h[1].path,
	    &w.nat[0].m[0].pub), 1);
	ck_assert_uint_lt(w.h[0].nominated_at, 1000);
}
END_TEST

/*
 * Symmetric behind full cone: A's checks reach B from a port B never
 * heard of; B learns it as peer-reflexive and both nominate it.
 */
START_TEST(punch_symmetric_to_full_cone_learns_prflx)
{
	world_reset();
	host_setup(0, NAT_SYM, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_FULL, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	exchange(0);
	start_both();
	run_until(6000);
	assert_same_path();
	ck_assert_int_eq(w.h[1].remote_type, STUN_CAND_PRFLX);
	ck_assert_uint_ne(w.h[1].path.port, w.nat[0].m[0].pub.port);
	ck_assert_int_eq(w.h[0].remote_type, STUN_CAND_SRFLX);
}
END_TEST

/* Symmetric against port-restricted: nothing works, failure at 5 s. */
START_TEST(punch_symmetric_to_port_restricted_fails_in_time)
{
	unsigned	sends;

	world_reset();
	host_setup(0, NAT_SYM, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_PRC, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	exchange(0);
	start_both();
	run_until(20000);
	ck_assert_int_eq(w.h[0].nominated + w.h[1].nominated, 0);
	ck_assert_int_eq(w.h[0].failed, 1);
	ck_assert_int_eq(w.h[1].failed, 1);
	ck_assert_uint_eq(w.h[0].failed_at, STUN_PUNCH_TIMEOUT);
	ck_assert_uint_eq(w.h[1].failed_at, STUN_PUNCH_TIMEOUT);
	/* Silence after failing. */
	ck_assert_uint_lt(w.h[0].last_send, STUN_PUNCH_TIMEOUT);
	sends = w.h[0].sends;
	run_until(40000);
	ck_assert_uint_eq(w.h[0].sends, sends);
}
END_TEST

/* With a relay candidate the same pair of NATs connects, over the relay. */
START_TEST(punch_symmetric_uses_relay_last)
{
	world_reset();
	host_setup(0, NAT_SYM, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_PRC, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	w.h[0].nsock = 2;
	w.h[0].sock[1] = test_addr("198.51.100.50:49152");
	w.h[0].sock_public[1] = 1;
	exchange((unsigned)_i);
	start_both();
	run_until(8000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	ck_assert_uint_eq(w.h[0].path_sock, 1);
	ck_assert_int_eq(stun_addr_equal(&w.h[1].path, &w.h[0].sock[1]), 1);
}
END_TEST

/* Punching failed; a relay added afterwards and a restart connect. */
START_TEST(punch_restart_with_relay_after_failure)
{
	struct stun_punch_cand	relay;

	world_reset();
	host_setup(0, NAT_SYM, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_PRC, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	exchange(0);
	start_both();
	run_until(6000);
	ck_assert_int_eq(w.h[0].failed, 1);
	ck_assert_int_eq(w.h[1].failed, 1);
	w.h[0].nsock = 2;
	w.h[0].sock[1] = test_addr("198.51.100.50:49152");
	w.h[0].sock_public[1] = 1;
	memset(&relay, 0, sizeof(relay));
	relay.type = STUN_CAND_RELAY;
	relay.addr = w.h[0].sock[1];
	relay.sock = 1;
	ck_assert_int_eq(stun_punch_add_local(&w.h[0].p, &relay), 0);
	ck_assert_int_eq(stun_punch_add_remote(&w.h[1].p, &relay), 0);
	ck_assert_int_eq(stun_punch_restart(&w.h[0].p, 6000), 0);
	ck_assert_int_eq(stun_punch_restart(&w.h[1].p, 6000), 0);
	w.h[0].failed = w.h[1].failed = 0;
	run_continue(6000, 12000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	ck_assert_uint_gt(w.h[0].nominated_at, 6000);
	ck_assert_uint_lt(w.h[0].nominated_at, 7000);
}
END_TEST

/* Direct blocked at first: relay nominated, then the direct pair wins. */
START_TEST(punch_better_pair_later_is_a_path_change)
{
	world_reset();
	host_setup(0, NAT_FULL, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_FULL, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	w.h[0].nsock = 2;
	w.h[0].sock[1] = test_addr("198.51.100.50:49152");
	w.h[0].sock_public[1] = 1;
	w.block_direct_until = 1500;
	exchange(0);
	start_both();
	run_until(8000);
	assert_same_path();
	ck_assert_uint_lt(w.h[0].nominated_at, 1500);
	ck_assert_int_eq(w.h[0].changed, 1);
	ck_assert_int_eq(w.h[1].changed, 1);
	ck_assert_uint_gt(w.h[0].changed_at, 1500);
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_HOST);
	ck_assert_uint_eq(w.h[0].path_sock, 0);
	ck_assert_int_eq(stun_addr_equal(&w.h[0].path, &w.nat[1].m[0].pub), 1);
}
END_TEST

/* Host 0 behind natt with a relayed address on its socket 1. */
static void
relayed_setup(int natt0, int natt1)
{
	world_reset();
	host_setup(0, natt0, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, natt1, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	w.h[0].nsock = 2;
	w.h[0].sock[1] = test_addr("198.51.100.50:49152");
	w.h[0].sock_public[1] = 1;
	exchange(0);
}

/*
 * Port-restricted NATs that let nothing through between them for 40 s,
 * far past the punch window: the pair talks over the relay, the rounds
 * at 3, 9 and 21 s find nothing, the one 24 s later (at 45 s) moves the
 * pair to the direct path, and the rechecks stop.
 */
START_TEST(punch_relayed_pair_moves_to_direct_later)
{
	int	i;

	relayed_setup(NAT_PRC, NAT_PRC);
	w.block_direct_until = 40000;
	start_both();
	run_until(120000);
	assert_same_path();
	for (i = 0; i < 2; i++) {
		ck_assert_uint_lt(w.h[i].nominated_at, 1000);
		ck_assert_int_eq(w.h[i].changed, 1);
		ck_assert_uint_ge(w.h[i].changed_at, w.h[i].nominated_at +
		    15 * STUN_PUNCH_RECHECK);
		ck_assert_uint_lt(w.h[i].changed_at, w.h[i].nominated_at +
		    15 * STUN_PUNCH_RECHECK + STUN_PUNCH_RECHECK_WINDOW);
		ck_assert_uint_eq(w.h[i].p.rechecks, 4);
		ck_assert_uint_eq(w.h[i].p.next_recheck, 0);
		ck_assert_int_eq(w.h[i].remote_type == STUN_CAND_RELAY, 0);
	}
	ck_assert_int_eq(w.h[0].first_local_type, STUN_CAND_RELAY);
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_HOST);
	ck_assert_uint_eq(w.h[0].path_sock, 0);
	ck_assert_int_eq(stun_addr_equal(&w.h[0].path, &w.nat[1].m[0].pub), 1);
	/* Direct: no more checks after the move, keepalives only. */
	ck_assert_uint_lt(w.h[0].check_at[w.h[0].checks - 1],
	    w.h[0].changed_at + STUN_PUNCH_RECHECK_WINDOW);
}
END_TEST

/*
 * Symmetric against port-restricted with a relay: no direct path, ever.
 * Over 5 minutes the path stays relayed, rounds come at 3, 9, 21, 45, 93
 * and 189 s after the nomination, every check lies inside a round, and
 * each round sends at most STUN_PUNCH_RECHECK_SENDS checks a direct pair.
 */
START_TEST(punch_relayed_rechecks_are_bounded)
{
	static const uint64_t	 at[] = { 3000, 9000, 21000, 45000, 93000,
	    189000 };
	struct host		*h;
	unsigned		 k, r, direct, inround;
	int			 i;

	relayed_setup(NAT_SYM, NAT_PRC);
	start_both();
	run_until(300000);
	assert_same_path();
	for (i = 0; i < 2; i++) {
		h = &w.h[i];
		ck_assert_int_eq(h->changed, 0);
		ck_assert_uint_eq(h->p.rechecks, 6);
		ck_assert_uint_eq(h->p.next_recheck, h->nominated_at + 381000);
		ck_assert_uint_eq(h->keepalives, (300000 - h->nominated_at) /
		    STUN_PUNCH_KEEPALIVE);
		for (direct = 0, k = 0; k < h->p.npairs; k++)
			if (h->p.local[h->p.pairs[k].local].type !=
			    STUN_CAND_RELAY &&
			    h->p.remote[h->p.pairs[k].remote].type !=
			    STUN_CAND_RELAY)
				direct++;
		ck_assert_uint_gt(direct, 0);
		ck_assert_uint_lt(h->checks, 256);
		for (inround = 0, k = 0; k < h->checks; k++) {
			if (h->check_at[k] < STUN_PUNCH_TIMEOUT)
				continue;
			for (r = 0; r < 6; r++)
				if (h->check_at[k] >= h->nominated_at + at[r] &&
				    h->check_at[k] < h->nominated_at + at[r] +
				    STUN_PUNCH_RECHECK_WINDOW)
					break;
			ck_assert_uint_lt(r, 6);
			inround++;
		}
		ck_assert_uint_gt(inround, 0);
		ck_assert_uint_le(inround,
		    6 * STUN_PUNCH_RECHECK_SENDS * direct);
	}
	/* Still on the relay. */
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	ck_assert_uint_eq(w.h[0].path_sock, 1);
}
END_TEST

/*
 * The relay's allocation is lost at 20 s and made again on a new address
 * at 21 s; the peer learns it (through the rendezvous) 50 ms later.  Both
 * machines lose the path, check again, and report the new relayed pair
 * as a path change within a second, without failing.
 */
START_TEST(punch_relay_moved_is_found_again)
{
	struct stun_punch_cand	relay;
	struct host		*h;
	int			i;

	relayed_setup(NAT_SYM, NAT_PRC);
	start_both();
	run_until(20000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	/* The old relayed address is gone: nothing reaches it. */
	w.h[0].sock[1] = test_addr("198.51.100.50:49999");
	memset(&relay, 0, sizeof(relay));
	relay.type = STUN_CAND_RELAY;
	relay.addr = w.h[0].sock[1];
	relay.sock = 1;
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[0].p, 1, &relay, 21000),
	    0);
	/* Nothing changed, or no relay on that side. */
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[0].p, 1, &relay, 21000),
	    0);
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[0].p, 0, &relay, 21000),
	    STUN_ERR_NOT_FOUND);
	relay.type = STUN_CAND_HOST;
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[0].p, 1, &relay, 21000),
	    STUN_ERR_INVALID);
	relay.type = STUN_CAND_RELAY;
	ck_assert_int_eq(w.h[0].p.nominated, -1);
	run_continue(21000, 21050);
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[1].p, 0, &relay, 21050),
	    0);
	run_continue(21050, 30000);
	for (i = 0; i < 2; i++) {
		h = &w.h[i];
		ck_assert_int_eq(h->changed, 1);
		ck_assert_uint_gt(h->changed_at, 21000);
		ck_assert_uint_lt(h->changed_at, 22000);
		ck_assert_int_eq(h->failed, 0);
	}
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	ck_assert_uint_eq(w.h[0].path_sock, 1);
	ck_assert_int_eq(w.h[1].remote_type, STUN_CAND_RELAY);
	ck_assert_int_eq(stun_addr_equal(&w.h[1].path, &relay.addr), 1);
	/*
	 * Relayed again: the rechecks start over from the new path (by 30 s
	 * its first round, 3 s after the change, has run; the next is 6 s
	 * after that).
	 */
	ck_assert_uint_eq(w.h[0].p.next_recheck, w.h[0].changed_at +
	    3 * STUN_PUNCH_RECHECK);
}
END_TEST

/*
 * The relay went away with its server: the relayed path stops answering
 * and is lost on both sides; then the relay is allocated again (a new
 * address) and each side is told, ours and the peer's.  The same pair,
 * through the new address, is the path again, and reported as a change,
 * so that what is sent goes to the new address.
 */
START_TEST(punch_relay_moved_after_loss_is_a_change)
{
	struct stun_punch_cand	relay;
	struct host		*h;
	int			i;

	relayed_setup(NAT_SYM, NAT_PRC);
	start_both();
	run_until(20000);
	assert_same_path();
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	/* Nothing reaches the old relayed address any more. */
	w.h[0].sock[1] = test_addr("198.51.100.50:49999");
	run_continue(20000, 32000);
	for (i = 0; i < 2; i++) {
		ck_assert_int_ge(w.h[i].lost, 1);
		ck_assert_int_eq(w.h[i].p.nominated, -1);
		ck_assert_int_eq(w.h[i].changed, 0);
	}
	memset(&relay, 0, sizeof(relay));
	relay.type = STUN_CAND_RELAY;
	relay.addr = w.h[0].sock[1];
	relay.sock = 1;
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[0].p, 1, &relay, 32000),
	    0);
	ck_assert_int_eq(stun_punch_relay_moved(&w.h[1].p, 0, &relay, 32000),
	    0);
	run_continue(32000, 50000);
	for (i = 0; i < 2; i++) {
		h = &w.h[i];
		ck_assert_int_eq(h->changed, 1);
		ck_assert_uint_gt(h->changed_at, 32000);
		ck_assert_int_ge(h->p.nominated, 0);
	}
	assert_same_path();
	ck_assert_int_eq(w.h[0].local_type, STUN_CAND_RELAY);
	ck_assert_uint_eq(w.h[0].path_sock, 1);
	ck_assert_int_eq(w.h[1].remote_type, STUN_CAND_RELAY);
	ck_assert_int_eq(stun_addr_equal(&w.h[1].path, &relay.addr), 1);
}
END_TEST

/* Lost checks are retransmitted: nominated, later than without loss. */
START_TEST(punch_survives_loss)
{
	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 0);
	exchange(0);
	w.drop_first[0] = (unsigned)_i + 1;
	w.drop_first[1] = (unsigned)_i;
	start_both();
	run_until(6000);
	assert_same_path();
	ck_assert_uint_gt(w.h[0].nominated_at, 40);
}
END_TEST

/*
 * The go reached one side late (or was lost and its fallback fired): the
 * early side's checks die in the late side's port-restricted NAT and back
 * off.  The late side's first check gets through, and must bring a check
 * back at once (RFC 8445 7.3.1.4), not at the next retransmission.
 */
START_TEST(punch_late_side_is_answered_at_once)
{
	uint64_t	late = 1000 + (uint64_t)_i * 150;

	world_reset();
	host_setup(0, NAT_PRC, "10.0.0.1:5000", "203.0.113.1", 1, _i % 2);
	host_setup(1, NAT_PRC, "192.168.1.2:6000", "203.0.113.2", 2,
	    !(_i % 2));
	exchange(0);
	ck_assert_int_eq(stun_punch_start(&w.h[0].p, 0), 0);
	ck_assert_int_eq(stun_punch_start(&w.h[1].p, late), 0);
	run_until(late + 6000);
	assert_same_path();
	ck_assert_uint_lt(w.h[0].nominated_at, late + 100);
	ck_assert_uint_lt(w.h[1].nominated_at, late + 100);
}
END_TEST

/*
 * 20% of datagrams lost at random in both directions, port-restricted
 * NATs on both sides, the second side starting up to 300 ms late: in
 * every seed both sides nominate the same pair within 2.5 s of the later
 * start, well inside the 5 s round.
 */
START_TEST(punch_random_loss_nominates_within_round)
{
	uint64_t	late = (uint64_t)(_i % 4) * 100;

	world_reset();
	w.loss = 20;
	w.seed = (uint32_t)_i * 2654435761U + 1;
	host_setup(0, NAT_PRC, "10.0.0.1:5000", "203.0.113.1", 1, 1);
	host_setup(1, NAT_PRC, "192.168.1.2:6000", "203.0.113.2", 2, 0);
	exchange((unsigned)_i % 2);
	ck_assert_int_eq(stun_punch_start(&w.h[0].p, 0), 0);
	ck_assert_int_eq(stun_punch_start(&w.h[1].p, late), 0);
	run_until(12000);
	assert_same_path();
	ck_assert_int_eq(stun_addr_equal(&w.h[0].path,
	    &w.nat[1].m[0].pub), 1);
	ck_assert_uint_lt(w.h[0].nominated_at, late + 2500);
	ck_assert_uint_lt(w.h[1].nominated_at, late + 2500);
}
END_TEST

START_TEST(punch_keepalive_every_15s)
{
	uint64_t	t0;

	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 0);
	exchange(0);
	start_both();
	run_until(50000);
	assert_same_path();
	t0 = w.h[0].nominated_at;
	ck_assert_uint_eq(w.h[0].keepalives, 3);
	ck_assert_uint_eq(w.h[0].ka_at[0], t0 + 15000);
	ck_assert_uint_eq(w.h[0].ka_at[1], t0 + 30000);
	ck_assert_uint_eq(w.h[0].ka_at[2], t0 + 45000);
	ck_assert_uint_eq(w.h[1].ka_at[0], w.h[1].nominated_at + 15000);
	/*
	 * After the checks end, keepalives and the consent checks, one a
	 * STUN_PUNCH_CONSENT, are all that is sent; consent holds.
	 */
	ck_assert_uint_eq(w.h[0].consents, (50000 - t0 - 1) /
	    STUN_PUNCH_CONSENT);
	ck_assert_uint_eq(w.h[0].consent_last, t0 + w.h[0].consents *
	    STUN_PUNCH_CONSENT);
	ck_assert_int_eq(w.h[0].lost + w.h[1].lost, 0);
}
END_TEST

START_TEST(punch_timeout_when_everything_is_lost)
{
	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 0);
	exchange(0);
	w.drop_all = 1;
	w.h[0].p.c.timeout = 2500;
	start_both();
	run_until(10000);
	ck_assert_int_eq(w.h[0].failed, 1);
	ck_assert_uint_eq(w.h[0].failed_at, 2500);
	ck_assert_uint_eq(w.h[1].failed_at, STUN_PUNCH_TIMEOUT);
	/* Checks at 0, 100, 300, 700, 1100, ..., 2300 (backoff cap 400). */
	ck_assert_uint_eq(w.h[0].sends, 8);
	ck_assert_uint_eq(w.h[0].last_send, 2300);
}
END_TEST

/* Both think they control: the tie-breaker settles it, one path. */
START_TEST(punch_role_conflict_resolves)
{
	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 1);
	host_setup(1, NAT_NONE, "198.51.100.2:6000", NULL, -1, 1);
	exchange(0);
	start_both();
	run_until(6000);
	assert_same_path();
	/* B's tie-breaker (1001) is larger: A gives way. */
	ck_assert_int_eq(w.h[0].p.c.controlling, 0);
	ck_assert_int_eq(w.h[1].p.c.controlling, 1);
}
END_TEST

START_TEST(punch_refuses_bad_checks)
{
	struct stun_punch	*p;
	struct stun_builder	 b;
	uint8_t			 buf[256], tid[STUN_TID_LEN];
	struct stun_addr	 from = test_addr("198.51.100.9:9999");
	int			 n;

	world_reset();
	host_setup(0, NAT_NONE, "198.51.100.1:5000", NULL, -1, 0);
	p = &w.h[0].p;
	memset(tid, 7, sizeof(tid));
	ck_assert_int_eq(stun_punch_input(p, 0, &from, (const uint8_t *)
	    "\xd2hello-world-this-is-chat", 24, 0), STUN_ERR_NOT_STUN);
	ck_assert_int_eq(stun_punch_start(p, 0), 0);
	/* Right user, wrong key. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, "alfa:brvo");
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 1);
	stun_build_integrity(&b, (const uint8_t *)"wrong", 5);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_punch_input(p, 0, &from, buf, (size_t)n, 0),
	    STUN_ERR_INTEGRITY);
	/* Right key, wrong user. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, "brvo:alfa");
	stun_build_u32(&b, STUN_ATTR_PRIORITY, 1);
	stun_build_integrity(&b, p->c.key, p->c.keylen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_punch_input(p, 0, &from, buf, (size_t)n, 0),
	    STUN_ERR_INTEGRITY);
	/* No fingerprint. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid);
	stun_build_string(&b, STUN_ATTR_USERNAME, "alfa:brvo");
	stun_build_integrity(&b, p->c.key, p->c.keylen);
	n = stun_build_finish(&b);
	ck_assert_int_lt(stun_punch_input(p, 0, &from, buf, (size_t)n, 0), 0);
	/* A response nobody asked for. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, tid);
	stun_build_integrity(&b, p->c.key, p->c.keylen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_eq(stun_punch_input(p, 0, &from, buf, (size_t)n, 0),
	    STUN_ERR_STATE);
	ck_assert_uint_eq(p->dropped, 4);
	ck_assert_uint_eq(p->nremote, 0);	/* nothing learnt */
	ck_assert_uint_eq(p->outlen, 0);	/* nothing answered */
}
END_TEST

START_TEST(punch_priorities_and_config)
{
	struct stun_punch_config c;
	struct stun_punch	 p;

	ck_assert_uint_eq(stun_punch_priority(STUN_CAND_HOST, 65535),
	    2130706431U);
	ck_assert_uint_eq(stun_punch_priority(STUN_CAND_RELAY, 0), 255);
	ck_assert_str_eq(stun_punch_cand_name(STUN_CAND_PRFLX), "prflx");
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(stun_punch_init(&p, &c), STUN_ERR_INVALID);
	strcpy(c.local_ufrag, "a:b");
	strcpy(c.remote_ufrag, "c");
	c.keylen = 4;
	ck_assert_int_eq(stun_punch_init(&p, &c), STUN_ERR_INVALID);
	strcpy(c.local_ufrag, "a");
	ck_assert_int_eq(stun_punch_init(&p, &c), 0);
	ck_assert_uint_ne(p.c.tiebreaker, 0);
}
END_TEST

Suite *
suite_punch(void)
{
	Suite	*s = suite_create("punch");
	TCase	*tc;

	tc = tcase_create("checks");
	tcase_add_test(tc, punch_first_check_is_exact);
	tcase_add_test(tc, punch_priorities_and_config);
	tcase_add_test(tc, punch_refuses_bad_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_test(tc, punch_open_hosts_nominate_host_pair);
	tcase_add_loop_test(tc, punch_same_nat_uses_private_addresses, 0, 2);
	tcase_add_loop_test(tc, punch_cone_nats_meet_on_srflx, 0, 8);
	tcase_add_test(tc, punch_symmetric_to_full_cone_learns_prflx);
	tcase_add_test(tc, punch_symmetric_to_port_restricted_fails_in_time);
	tcase_add_loop_test(tc, punch_symmetric_uses_relay_last, 0, 6);
	tcase_add_test(tc, punch_better_pair_later_is_a_path_change);
	tcase_add_test(tc, punch_restart_with_relay_after_failure);
	tcase_add_test(tc, punch_relayed_pair_moves_to_direct_later);
	tcase_add_test(tc, punch_relayed_rechecks_are_bounded);
	tcase_add_test(tc, punch_relay_moved_is_found_again);
	tcase_add_test(tc, punch_relay_moved_after_loss_is_a_change);
	tcase_add_test(tc, punch_role_conflict_resolves);
	suite_add_tcase(s, tc);

	tc = tcase_create("timing");
	tcase_add_loop_test(tc, punch_survives_loss, 0, 3);
	tcase_add_loop_test(tc, punch_late_side_is_answered_at_once, 0, 6);
	tcase_add_loop_test(tc, punch_random_loss_nominates_within_round, 0,
	    200);
	tcase_add_test(tc, punch_keepalive_every_15s);
	tcase_add_test(tc, punch_timeout_when_everything_is_lost);
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The simulated path for the NAT machine's tests (natsim.h): packets cross
 * a model NAT to a model server and back on a fake clock, with loss, ICMP
 * errors and microsecond stamps when a test asks for them.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "natsim.h"

struct stun_addr
natsim_addr(const char *s)
{
	struct stun_addr	 a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(stun_addr_parse(s, 0, &a), 0);
	return (a);
}

int
natsim_same(const struct stun_addr *a, const struct stun_addr *b)
{
	return (stun_addr_equal(a, b));
}

int
natsim_same_ip(const struct stun_addr *a, const struct stun_addr *b)
{
	return (a->family == b->family && memcmp(a->ip, b->ip, 16) == 0);
}

/* Deterministic "random" bytes. */
int
natsim_rnd(void *arg, uint8_t *buf, size_t len)
{
	uint32_t	*s = arg;
	size_t		 i;

	for (i = 0; i < len; i++) {
		*s = *s * 1103515245 + 12345;
		buf[i] = (uint8_t)(*s >> 16);
	}
	return (0);
}

void
natsim_init(struct sim *s, int nat, int mapping, int filtering)
{
	unsigned	 i;
	char		 buf[32];

	memset(s, 0, sizeof(*s));
	s->nat = nat;
	s->mapping = mapping;
	s->filtering = filtering;
	s->alloc = STUN_NAT_PAT_PRESERVE;
	s->ext = natsim_addr("203.0.113.5");
	s->srv[0] = natsim_addr("198.51.100.1:3478");
	s->srv[1] = natsim_addr("198.51.100.1:3479");
	s->srv[2] = natsim_addr("198.51.100.2:3478");
	s->srv[3] = natsim_addr("198.51.100.2:3479");
	s->next_port = 40000;
	s->rnd = 7;
	for (i = 0; i < STUN_NAT_MAX_SOCKS; i++) {
		snprintf(buf, sizeof(buf), "%s:%u",
		    nat ? "10.0.1.100" : "203.0.113.130", 5000 + i);
		s->local[i] = natsim_addr(buf);
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
	memset(p, 0, sizeof(*p));
	p->at = at;
	p->sock = sock;
	p->from = *from;
	if (len > 0)
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
			    natsim_same(&s->m[i].key, &key))
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
		    natsim_same_ip(&s->perm[i].remote, remote))
			ok = 1;
		if (s->filtering == STUN_NAT_APD &&
		    natsim_same(&s->perm[i].remote, remote))
			ok = 1;
	}
	return (ok ? sock : -1);
}

/*
 * How many times socket sock has sent to "to" (a test's sends: each has
 * its own transaction id, so the id cannot tell a resend).
 */
static unsigned
sim_seen(struct sim *s, unsigned sock, const struct stun_addr *to)
{
	unsigned	 i;

	for (i = 0; i < s->nseen; i++)
		if (s->seen[i].sock == sock && natsim_same(&s->seen[i].to, to))
			return (++s->seen[i].cnt);
	ck_assert_uint_lt(s->nseen, SIM_MAPS);
	s->seen[s->nseen].sock = sock;
	s->seen[s->nseen].to = *to;
	s->seen[s->nseen++].cnt = 1;
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
	uint8_t			 out[512], copy[512];
	uint32_t		 change = 0;
	uint16_t		 rport;
	unsigned		 from = k;
	int			 n, sock, rc;

	if (s->dead)
		return;
	rc = stun_msg_decode(&req, buf, len);
	/* A sloppy server never looks at FINGERPRINT: read without it. */
	if (rc == STUN_ERR_FINGERPRINT && s->sloppy && len >= 28 &&
	    len <= sizeof(copy)) {
		memcpy(copy, buf, len - 8);
		copy[2] = (uint8_t)((len - 28) >> 8);
		copy[3] = (uint8_t)(len - 28);
		rc = stun_msg_decode(&req, copy, len - 8);
	}
	if (rc != 0 || req.cls != STUN_CLASS_REQUEST)
		return;
	if (!s->sloppy && req.fp >= 0 &&
	    stun_msg_check_fingerprint(&req) != 0)
		return;
	if (req.nunknown > 0 || (s->no_response_port &&
	    stun_msg_find(&req, STUN_ATTR_RESPONSE_PORT) != NULL) ||
	    (s->one_addr &&
	    stun_msg_find(&req, STUN_ATTR_CHANGE_REQUEST) != NULL)) {
		uint16_t rp = STUN_ATTR_RESPONSE_PORT;
		uint16_t cr = STUN_ATTR_CHANGE_REQUEST;

		stun_build_reply(&b, out, sizeof(out), &req, STUN_CLASS_ERROR);
		stun_build_error(&b, 420, NULL);
		if (s->no_unknown_list)
			;
		else if (req.nunknown > 0)
			stun_build_unknown(&b, req.unknown, req.nunknown);
		else if (s->one_addr &&
		    stun_msg_find(&req, STUN_ATTR_CHANGE_REQUEST) != NULL)
			stun_build_unknown(&b, &cr, 1);
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
	if (!natsim_same_ip(&to, s->nat ? &s->ext : &s->local[0]))
		return;
	if ((sock = sim_in(s, to.port, &s->srv[from], now, 0)) < 0)
		return;
	sim_queue(s, now + 2 * SIM_LAT, (unsigned)sock, &s->srv[from], out,
	    (size_t)n);
}

/* A closed port: ICMP port unreachable from the server's host. */
static void
sim_icmp(struct sim *s, const struct stun_nat_action *a, uint64_t now)
{
	struct stun_addr	 host = a->to;

	host.port = 0;
	sim_queue(s, now + 2 * SIM_LAT, a->sock, &host, NULL, 0);
	s->q[s->nq - 1].icmp = STUN_NAT_ICMP_PORT;
	s->q[s->nq - 1].dst = a->to;
}

static void
sim_send(struct sim *s, const struct stun_nat_action *a, uint64_t now)
{
	struct stun_addr	 src;
	unsigned		 k;
	int			 sock;

	s->sent++;
	if (sim_seen(s, a->sock, &a->to) <= s->drop_first)
		return;
	src = sim_out(s, a->sock, &a->to, now);
	for (k = 0; k < 4; k++)
		if (natsim_same(&a->to, &s->srv[k])) {
			if (s->closed)
				sim_icmp(s, a, now);
			else
				sim_server(s, k, &src, a->buf, a->len, now);
			return;
		}
	/* Hairpin: to the NAT's own external address. */
	if (natsim_same_ip(&a->to, s->nat ? &s->ext : &s->local[0])) {
		if (s->nat && !s->hairpin)
			return;
		if ((sock = sim_in(s, a->to.port, &src, now, 1)) >= 0)
			sim_queue(s, now + SIM_LAT, (unsigned)sock, &src,
			    a->buf, a->len);
	}
}

uint64_t
natsim_run(struct sim *s, struct stun_nat *n, const struct stun_nat_config *c)
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
			/* Sent 5 us into the millisecond. */
			if (s->stamp)
				stun_nat_sent(n, &a, now * 1000 + 5);
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
				if (p.icmp != 0) {
					struct stun_nat_icmp e;

					e.sock = p.sock;
					e.kind = p.icmp;
					e.dst = p.dst;
					e.from = p.from;
					ck_assert_int_eq(stun_nat_input_icmp(n,
					    &e, now), 0);
					continue;
				}
				/* Arrived 250 us into the millisecond. */
				if (s->stamp)
					stun_nat_arrived(n, now * 1000 + 250);
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

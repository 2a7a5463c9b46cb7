/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The simulated path the NAT machine's tests run on (tests/natsim.c): a NAT
 * model (mapping and filtering behaviour, port allocation, hairpinning,
 * binding lifetime, loss) in front of a simulated RFC 5780 / RFC 3489
 * server on two addresses and two ports, or a misbehaving one.
 */
#ifndef TESTS_NATSIM_H
#define TESTS_NATSIM_H

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/nat.h"

#define SIM_MAPS	256
#define SIM_QUEUE	256
#define SIM_LAT		10	/* ms each way */

struct sim_pkt {
	uint64_t	at;
	int		icmp;		/* STUN_NAT_ICMP_*, 0: a datagram */
	struct stun_addr dst;		/* ICMP: where the datagram went */
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
	unsigned	drop_first;	/* lose the first n sends of a test */
	unsigned	blackhole;	/* socket + 1 that receives nothing */
	int		one_addr;	/* RFC 5780 6: 420 to CHANGE-REQUEST */
	int		closed;		/* ICMP port unreachable for all */
	int		no_unknown_list; /* 420 without UNKNOWN-ATTRIBUTES */
	int		stamp;		/* feed microsecond send, arrival */
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
	struct {
		unsigned	 sock;
		struct stun_addr to;
		unsigned	 cnt;
	} seen[SIM_MAPS];
	unsigned	nseen;
	unsigned	sent;
};

/* An address from text; fails the test on a typo. */
struct stun_addr natsim_addr(const char *s);
/* Same family, address and port (natsim_same) or address only. */
int	natsim_same(const struct stun_addr *a, const struct stun_addr *b);
int	natsim_same_ip(const struct stun_addr *a, const struct stun_addr *b);
/* Deterministic "random" bytes from the state at arg (a uint32_t). */
int	natsim_rnd(void *arg, uint8_t *buf, size_t len);
/* A path with this NAT (nat 0: none) and a well-behaved server. */
void	natsim_init(struct sim *s, int nat, int mapping, int filtering);
/* Drive n, planned from c, to the end; returns how long it took (ms). */
uint64_t natsim_run(struct sim *s, struct stun_nat *n,
	    const struct stun_nat_config *c);

#endif

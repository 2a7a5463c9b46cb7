/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * NAT classification (RFC 5780 4, RFC 4787, RFC 3489 10.1) as an I/O-free
 * state machine.  The machine owns a small set of logical sockets (indices
 * 0..nsocks-1, all bound by the caller to the same local address) and hands
 * back actions: send these bytes from socket i to address A, wake me at T,
 * done.  The caller feeds it "datagram arrived on socket i from A" and
 * "timer", and may feed "ICMP error about a datagram socket i sent to A"
 * and precise send and arrival times.  Independent tests run in parallel
 * on separate sockets, so that a hole one test opens cannot change what
 * another observes.
 */
#ifndef LIBSTUN_NAT_H
#define LIBSTUN_NAT_H

#include <libstun/stun.h>
#include <libstun/txn.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STUN_NAT_MAX_SOCKS	32
#define STUN_NAT_MAX_TESTS	64
#define STUN_NAT_MAX_ROUNDS	5
#define STUN_NAT_REQ_MAX	(128)	/* our requests are small */
#define STUN_NAT_NAME_MAX	(32)
#define STUN_NAT_NOTE_MAX	(96)
#define STUN_NAT_MAX_SENDS	8	/* sends per test (txn.rc cap) */

/* Modes. */
#define STUN_NAT_MODE_5780	0	/* RFC 5780 mapping/filtering/hairpin */
#define STUN_NAT_MODE_CLASSIC	1	/* RFC 3489 decision tree */
#define STUN_NAT_MODE_LINT	2	/* server conformance */

/* Options (flags). */
#define STUN_NAT_F_LIFETIME	0x01	/* binding lifetime discovery */
#define STUN_NAT_F_NOPATTERN	0x02	/* skip the port allocation test */

/* Mapping and filtering behaviour (RFC 4787 4.1, 5). */
#define STUN_NAT_UNKNOWN	0
#define STUN_NAT_EI		1	/* endpoint-independent */
#define STUN_NAT_AD		2	/* address-dependent */
#define STUN_NAT_APD		3	/* address-and-port-dependent */
#define STUN_NAT_DEP		4	/* AD or APD, not told apart */

/* Classic names. */
#define STUN_NAT_TYPE_UNKNOWN		0
#define STUN_NAT_TYPE_OPEN		1
#define STUN_NAT_TYPE_FULL_CONE		2
#define STUN_NAT_TYPE_RESTRICTED	3
#define STUN_NAT_TYPE_PORT_RESTRICTED	4
#define STUN_NAT_TYPE_SYMMETRIC		5
#define STUN_NAT_TYPE_SYM_FIREWALL	6
#define STUN_NAT_TYPE_BLOCKED		7

/* Port allocation pattern. */
#define STUN_NAT_PAT_UNKNOWN	0
#define STUN_NAT_PAT_SAME	1	/* one mapping for all destinations */
#define STUN_NAT_PAT_PRESERVE	2	/* new mappings keep the local port */
#define STUN_NAT_PAT_SEQUENTIAL	3	/* next port = last + delta */
#define STUN_NAT_PAT_RANDOM	4

/* Test states (also the result of a finished test). */
#define STUN_NAT_T_PLANNED	0	/* waits for another test */
#define STUN_NAT_T_SCHED	1	/* starts at start_at */
#define STUN_NAT_T_RUN		2
#define STUN_NAT_T_OK		3	/* answered */
#define STUN_NAT_T_NOANSWER	4	/* timed out */
#define STUN_NAT_T_ERROR	5	/* error response or bad answer */
#define STUN_NAT_T_SKIPPED	6	/* a test it needs failed */
#define STUN_NAT_T_UNREACH	7	/* an ICMP error came back instead */

/* ICMP errors fed to stun_nat_input_icmp(). */
#define STUN_NAT_ICMP_PORT	1	/* port unreachable */
#define STUN_NAT_ICMP_HOST	2	/* host or network unreachable */
#define STUN_NAT_ICMP_PROHIBITED 3	/* administratively prohibited */

/* How the server (or the second server) responded as a whole. */
#define STUN_NAT_SRV_NONE	0	/* not asked (no second server) */
#define STUN_NAT_SRV_ANSWERING	1	/* at least one answer */
#define STUN_NAT_SRV_UNREACH	2	/* no answer, but ICMP errors */
#define STUN_NAT_SRV_SILENT	3	/* nothing at all came back */

/* Why a result is unknown, or only assumed (mapping_why, ...). */
#define STUN_NAT_WHY_MEASURED	0	/* it was measured */
#define STUN_NAT_WHY_NO_NAT	1	/* nothing translates: nothing to do */
#define STUN_NAT_WHY_ONE_ADDR	2	/* the server has one address */
#define STUN_NAT_WHY_NO_CHANGE	3	/* the server does not honour
					   CHANGE-REQUEST */
#define STUN_NAT_WHY_NO_ANSWER	4	/* the tests got no usable answer */
#define STUN_NAT_WHY_SERVER2	5	/* the second server did not answer */
#define STUN_NAT_WHY_NO_SERVER	6	/* the server did not answer */

/* Lint check results (stun_nat_test.pass). */
#define STUN_NAT_LINT_FAIL	0
#define STUN_NAT_LINT_PASS	1
#define STUN_NAT_LINT_WARN	(-1)

/* Test roles. */
#define STUN_NAT_R_MAP1		1	/* mapping I: primary */
#define STUN_NAT_R_MAP2		2	/* mapping II: other IP, primary port */
#define STUN_NAT_R_MAP3		3	/* mapping III: other IP and port */
#define STUN_NAT_R_MAPS2	4	/* mapping against the second server */
#define STUN_NAT_R_FILT2	5	/* filtering II: change IP and port */
#define STUN_NAT_R_FILT3	6	/* filtering III: change port */
#define STUN_NAT_R_HAIRPIN	7
#define STUN_NAT_R_PATTERN	8
#define STUN_NAT_R_LT_OPEN	9	/* lifetime: open a binding */
#define STUN_NAT_R_LT_PROBE	10	/* lifetime: answer to it later */
#define STUN_NAT_R_C1		11	/* RFC 3489 test I */
#define STUN_NAT_R_C2		12	/* test II (change IP and port) */
#define STUN_NAT_R_C3		13	/* test III (change port) */
#define STUN_NAT_R_C1B		14	/* test I to CHANGED-ADDRESS */
#define STUN_NAT_R_LINT		15

struct stun_nat_config {
	int		mode;		/* STUN_NAT_MODE_* */
	int		flags;		/* STUN_NAT_F_* */
	struct stun_addr server;	/* primary address and port */
	struct stun_addr server2;	/* family 0: none */
	struct stun_txn_params txn;	/* per request; zeros: 100 ms x 3 */
	unsigned	rounds;		/* repetitions (0: 3) */
	uint32_t	lifetime_max;	/* seconds (0: 300) */
	stun_random_fn	rnd;		/* NULL: RAND_bytes */
	void		*rnd_arg;
};

struct stun_nat_test {
	char		name[STUN_NAT_NAME_MAX];
	int		role;		/* STUN_NAT_R_* */
	int		round;
	int		state;		/* STUN_NAT_T_* */
	unsigned	sock;		/* sends from */
	unsigned	expect_sock;	/* answer expected on */
	int		dep;		/* test whose answer it needs, or -1 */
	uint64_t	after;		/* tests that must end first (bits) */
	uint32_t	delay;		/* ms after dep ends (lifetime) */
	uint32_t	change;		/* CHANGE-REQUEST flags */
	int		legacy;		/* RFC 3489 request */
	uint32_t	arg;		/* role-specific (lint kind, T) */
	struct stun_addr dst;
	uint64_t	start_at;
	uint64_t	end_at;
	struct stun_txn	txn;
	uint32_t	cookie;
	uint8_t		req[STUN_NAT_REQ_MAX];
	size_t		reqlen;
	/* What was observed. */
	uint32_t	rtt;		/* ms, last send to answer */
	unsigned	recv_sock;
	struct stun_addr from;		/* source of the answer */
	size_t		anslen;
	int		has_mapped, has_origin, has_other;
	struct stun_addr mapped, origin, other;
	int		code;		/* error code, 0 */
	int		fp;		/* 1 valid, 0 absent, -1 bad */
	int		xor_mapped;	/* mapped came from XOR-MAPPED */
	int		pass;		/* lint: 1 pass, 0 fail, -1 warn */
	char		note[STUN_NAT_NOTE_MAX];
	/*
	 * Each transmission is its own transaction with its own id, so an
	 * answer names the send it answers and its RTT is exact.
	 */
	unsigned	answered;	/* 1-based send that got it, 0 none */
	uint32_t	rtt_us;		/* microseconds, from that send */
	int		check;		/* lint: a check, not a helper */
	int		icmp;		/* STUN_NAT_ICMP_* when UNREACH */
	struct stun_addr icmp_from;	/* sender of the ICMP error */
	uint8_t		tids[STUN_NAT_MAX_SENDS][STUN_TID_LEN];
	uint64_t	sent_ms[STUN_NAT_MAX_SENDS];
	uint64_t	sent_us[STUN_NAT_MAX_SENDS];	/* 0: not stamped */
};

struct stun_nat_result {
	int		done;
	int		nat_type;	/* STUN_NAT_TYPE_* */
	int		nat;		/* 1 translated, 0 not, -1 unknown */
	int		mapping;	/* STUN_NAT_EI ... */
	int		filtering;
	int		hairpin;	/* 1, 0, -1 unknown */
	unsigned	map_agree, map_total;
	unsigned	filt_agree, filt_total;
	struct stun_addr local;
	struct stun_addr mapped;
	struct stun_addr other;
	int		has_mapped, has_other;
	int		port_preserve;	/* 1, 0, -1 unknown */
	int		pattern;	/* STUN_NAT_PAT_* */
	int		delta;		/* SEQUENTIAL */
	int		cgnat;		/* mapped or local in 100.64/10 */
	int		double_nat;	/* 1 likely, 0 no sign, -1 unknown */
	int		lifetime;	/* 1 measured, 0 not run, -1 failed */
	uint32_t	lifetime_lo;	/* s: alive at */
	uint32_t	lifetime_hi;	/* s: dead at (0: alive at max) */
	int		server_ok;	/* primary answered at all */
	int		change_ok;	/* server honoured CHANGE-REQUEST */
	unsigned	lint_pass, lint_fail, lint_warn;
	int		server;		/* STUN_NAT_SRV_*: the server */
	int		server2;	/* STUN_NAT_SRV_*: the second server */
	int		icmp;		/* STUN_NAT_ICMP_* seen, 0 none */
	struct stun_addr icmp_from;	/* who sent it */
	int		server_addrs;	/* 2, 1, or 0 when not known */
	int		mapping_why;	/* STUN_NAT_WHY_* */
	int		filtering_why;
	int		hairpin_why;
};

/* Actions. */
#define STUN_NAT_WAIT	0	/* call stun_nat_timer() at wake */
#define STUN_NAT_SEND	1	/* send buf from sock to to */
#define STUN_NAT_DONE	2	/* results are final */
struct stun_nat_action {
	int		 kind;
	unsigned	 sock;
	struct stun_addr to;
	const uint8_t	*buf;
	size_t		 len;
	uint64_t	 wake;
	int		 test;		/* index of the sending test */
	unsigned	 xmit;		/* SEND: 1 first, 2 first resend ... */
};

/* An ICMP error about a datagram the machine sent. */
struct stun_nat_icmp {
	unsigned	 sock;		/* the socket that sent it */
	int		 kind;		/* STUN_NAT_ICMP_* */
	struct stun_addr dst;		/* where it was sent */
	struct stun_addr from;		/* who sent it; family 0: unknown */
};

struct stun_nat {
	struct stun_nat_config c;
	unsigned	nsocks;
	struct stun_addr local[STUN_NAT_MAX_SOCKS];
	unsigned	ntests;
	struct stun_nat_test t[STUN_NAT_MAX_TESTS];
	int		outq[STUN_NAT_MAX_TESTS];
	unsigned	outlen;
	int		started;
	unsigned	ignored;	/* datagrams that matched nothing */
	struct stun_nat_result r;
	uint64_t	rx_us;		/* stun_nat_arrived(), 0: none */
};

/*
 * Plan the tests for c (copied).  Returns 0 or STUN_ERR_INVALID; on
 * success n->nsocks says how many sockets the caller must bind, all on one
 * local address of the server's family.
 */
STUN_API int stun_nat_init(struct stun_nat *n,
    const struct stun_nat_config *c);
/*
 * Start at now.  local[i] is the address socket i is bound to.  Returns 0,
 * STUN_ERR_STATE when already started, or STUN_ERR_INVALID when nlocal is
 * below n->nsocks.  A test whose request cannot be built (no random bytes)
 * ends as STUN_NAT_T_ERROR; start still returns 0.  Then call
 * stun_nat_next() until it says WAIT.
 */
STUN_API int stun_nat_start(struct stun_nat *n,
    const struct stun_addr *local, unsigned nlocal, uint64_t now);
/*
 * A datagram arrived on socket sock from from.  Anything that is not an
 * answer to one of our tests (or our own hairpinned request) is ignored.
 * Returns 0, or STUN_ERR_INVALID for a bad socket index or a machine that
 * was not started.
 */
STUN_API int stun_nat_input(struct stun_nat *n, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now);
/*
 * An ICMP error came back (IP_RECVERR, or ECONNREFUSED on a connected
 * socket): every running test that sent from e->sock to e->dst ends as
 * STUN_NAT_T_UNREACH.  Returns 0, or STUN_ERR_INVALID for a bad socket,
 * kind or a machine that was not started.
 */
STUN_API int stun_nat_input_icmp(struct stun_nat *n,
    const struct stun_nat_icmp *e, uint64_t now);
/*
 * Precise round-trip times, optional: stun_nat_sent() right after sending
 * the bytes of SEND action a, stun_nat_arrived() right before handing a
 * datagram to stun_nat_input(); us is microseconds on one monotonic clock
 * (not 0).  Without them a test's rtt_us is its RTT in whole milliseconds
 * times 1000.
 */
STUN_API void stun_nat_sent(struct stun_nat *n,
    const struct stun_nat_action *a, uint64_t us);
STUN_API void stun_nat_arrived(struct stun_nat *n, uint64_t us);
/* Timer: retransmit, time out, start scheduled tests. */
STUN_API void stun_nat_timer(struct stun_nat *n, uint64_t now);
/* Next action; SEND actions are handed out once each. */
STUN_API void stun_nat_next(struct stun_nat *n, struct stun_nat_action *a);

/* Names for reports ("endpoint-independent", "port-restricted-cone"). */
STUN_API const char *stun_nat_behaviour_name(int b);
STUN_API const char *stun_nat_type_name(int type);
STUN_API const char *stun_nat_pattern_name(int pat);
STUN_API const char *stun_nat_state_name(int state);
/* "the server has one address", ...; "" for STUN_NAT_WHY_MEASURED. */
STUN_API const char *stun_nat_why_text(int why);
/* "answering", "unreachable", "silent"; "none" for STUN_NAT_SRV_NONE. */
STUN_API const char *stun_nat_server_name(int state);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_NAT_H */

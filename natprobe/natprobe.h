/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe: what one run knows (options, resolved addresses, the machine,
 * TCP results) and the functions its three files share.
 */
#ifndef NATPROBE_NATPROBE_H
#define NATPROBE_NATPROBE_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>
#include <libstun/txn.h>
#include <libstun/nat.h>

#define NATPROBE_PORT		3478
#define NATPROBE_HOST_MAX	256

struct probe_opts {
	int		 family;	/* 0, 4 or 6 */
	int		 json;
	int		 verbose;
	int		 classic;
	int		 tcp;
	int		 lifetime;
	int		 lint;
	uint32_t	 lifetime_max;	/* s */
	uint32_t	 timeout;	/* ms: no answer after this */
	unsigned	 rounds;
	const char	*server;	/* as given */
	const char	*server2;
	const char	*source;
};

/* One TCP Binding (--tcp, --lint). */
struct probe_tcp {
	char		 name[32];
	int		 ok;		/* 1 answered, 0 not run, -1 failed */
	uint32_t	 rtt_us;
	struct stun_addr local;
	struct stun_addr dst;
	struct stun_addr mapped;
	int		 connected;	/* the TCP connection was made */
	int		 refused;	/* ... or refused (the host is up) */
	char		 note[96];
};
#define PROBE_TCP_MAX	4

/* What TCP showed when UDP got nothing back at all. */
#define PROBE_BT_NONE		0
#define PROBE_BT_ANSWERS	1	/* STUN over TCP answered */
#define PROBE_BT_CONNECTS	2	/* connected, no STUN answer */
#define PROBE_BT_REFUSED	3	/* refused: the host is up */
#define PROBE_BT_SILENT		4	/* nothing */

/* How sure "UDP is blocked" is. */
#define PROBE_SURE_NONE		0
#define PROBE_SURE_LOW		1	/* one silent server: may be down */
#define PROBE_SURE_MEDIUM	2	/* two silent, or the host is up */
#define PROBE_SURE_HIGH		3	/* the server answers over TCP */
#define PROBE_HOPS	5

struct probe {
	struct probe_opts o;
	char		 host[NATPROBE_HOST_MAX];
	uint16_t	 port;
	int		 port_given;
	char		 host2[NATPROBE_HOST_MAX];
	uint16_t	 port2;
	int		 port2_given;
	struct stun_addr server;
	struct stun_addr server2;
	struct stun_addr local;		/* source address of every socket */
	struct stun_nat	 nat;
	uint64_t	 t0, t1;	/* monotonic ms: start, end */
	int		 tty;		/* progress on stderr */
	struct probe_tcp tcp[PROBE_TCP_MAX];
	unsigned	 ntcp;
	int		 tcp_mapping;	/* STUN_NAT_* for --tcp */
	/* The routers up to the server (TTL 1..PROBE_HOPS), from ICMP. */
	struct stun_addr hop[PROBE_HOPS];
	int		 hop_state[PROBE_HOPS];	/* 0 none, 1 router, 2 server */
	int		 path_done;
	int		 private_hops;	/* routers with private addresses */
	char		 err[256];	/* one-line reason on failure */
	unsigned	 requests;	/* UDP requests sent, on failure */
	int		 blocked_tcp;	/* PROBE_BT_*: TCP, when UDP is silent */
	int		 certainty;	/* PROBE_SURE_*: of "UDP blocked" */
	uint8_t		 shown[STUN_NAT_MAX_TESTS];	/* -v: logged */
};


/* probe.c: 0 when the probe ran, -1 with p->err set. */
int	 probe_run(struct probe *p);

/* One lint check as both outputs print and count it. */
#define REPORT_PASS	0
#define REPORT_WARN	1
#define REPORT_FAIL	2
struct report_check {
	const char	*name;
	int		 result;	/* REPORT_* */
	char		 reason[160];
	size_t		 bytes_in, bytes_out;	/* 0: no answer */
};

/* report.c: the human report, and the words both outputs share. */
void	 report_text(const struct probe *p);
void	 report_progress(struct probe *p, int final);
/* Lint: 1 when a check failed, else 0. */
int	 report_lint_failed(const struct probe *p);
unsigned report_checks(const struct probe *p, struct report_check *c,
	    unsigned cap, unsigned count[3]);
/* "UDP is probably blocked (...)" for p->certainty. */
const char *report_blocked(const struct probe *p);
/* "port-restricted-cone", "no NAT (open, or ...)". */
const char *report_verdict(const struct probe *p, char *buf, size_t cap);
/* What the verdict means for peer-to-peer. */
const char *report_p2p(const struct probe *p);
/* TCP hole punching from --tcp: the sentence; *word "possible",
   "unlikely" or NULL (not measured). */
const char *report_tcp_punch(const struct probe *p, const char **word);
/* Why "mapping", "filtering" or "hairpinning" was not measured, or NULL. */
const char *report_not_tested(const struct probe *p, const char *what,
	    char *buf, size_t cap);
/* "192.0.2.1:3478", or "-" for no address. */
const char *report_addr(const struct stun_addr *a, char *buf, size_t cap);
/* An address without its port ("192.0.2.1", "2001:db8::1"). */
const char *report_ip(const struct stun_addr *a, char *buf, size_t cap);
/* A round-trip time: "<0.1 ms", "0.4 ms" below 10 ms, else whole ms. */
const char *report_rtt(uint32_t us, char *buf, size_t cap);

/* report_json.c: the --json object. */
void	 report_json(const struct probe *p);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe: what one run knows (options, resolved addresses, the machine,
 * TCP results) and the functions its three files share.
 */
#ifndef NATPROBE_NATPROBE_H
#define NATPROBE_NATPROBE_H

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
	uint32_t	 rtt;
	struct stun_addr local;
	struct stun_addr dst;
	struct stun_addr mapped;
	char		 note[96];
};
#define PROBE_TCP_MAX	4
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
	uint8_t		 shown[STUN_NAT_MAX_TESTS];	/* -v: logged */
};

/* natprobe.c */
int	 probe_split_hostport(const char *s, char *host, size_t cap,
	    uint16_t *port, int *given);

/* probe.c: 0 when the probe ran, -1 with p->err set. */
int	 probe_run(struct probe *p);

/* report.c */
void	 report_text(const struct probe *p);
void	 report_json(const struct probe *p);
void	 report_progress(struct probe *p, int final);

#endif

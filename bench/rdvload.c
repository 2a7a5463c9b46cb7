/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * rdvload: many rendezvous members in one process, for bench/fleet.sh.
 * Each member is libstun's client machine on its own loopback UDP socket;
 * members of a room are spread over the servers given (one server: every
 * room on it; two: each pair split across them).  It reports joins a
 * second, register-to-joined, joined-to-meeting-the-room and
 * joined-to-Go latencies, then holds the members (keepalives flowing)
 * for the RSS and Redis readings, and leaves.  Loopback targets only.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/stun.h"
#include "bench/benchlib.h"

#define RL_MAX_SERVERS	8

struct member {
	struct stun_rdv_client	 rc;
	int			 fd;
	uint64_t		 start, joined, met, go;	/* ns */
	uint64_t		 wake;			/* ms */
};

static struct member	*mem;
static unsigned		 nmem, per_room = 2, nsrv;
static struct stun_addr	 srv[RL_MAX_SERVERS];
static unsigned		 njoined, nmet, ngo, nfailed;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rdvload [-n members] [-r per-room] "
	    "[-R starts-per-second] [-d hold-seconds] [-T timeout-seconds] "
	    "[-k room-seed] server[,server...]\n");
	exit(2);
}

static uint64_t
now_ms(void)
{
	return (bench_now() / 1000000);
}

static void
pump(struct member *m, uint64_t now)
{
	struct stun_rdv_action	a;
	struct sockaddr_storage	ss;
	socklen_t		sl;
	unsigned		i;

	for (i = 0; i < 64; i++) {
		stun_rdv_client_next(&m->rc, &a);
		switch (a.kind) {
		case STUN_RDV_A_WAIT:
			m->wake = a.wake;
			return;
		case STUN_RDV_A_SEND:
			if ((sl = sock_from_stun(&a.to, &ss)) != 0)
				(void)sendto(m->fd, a.buf, a.len, MSG_DONTWAIT,
				    (struct sockaddr *)&ss, sl);
			break;
		case STUN_RDV_A_JOINED:
			if (m->joined == 0) {
				m->joined = bench_now();
				njoined++;
			}
			break;
		case STUN_RDV_A_MEMBERS:
			if (m->met == 0 && a.nmembers + 1 >= per_room) {
				m->met = bench_now();
				nmet++;
			}
			break;
		case STUN_RDV_A_GO:
			if (m->go == 0) {
				m->go = bench_now();
				ngo++;
			}
			break;
		case STUN_RDV_A_FAILED:
			nfailed++;
			m->wake = 0;
			return;
		default:
			break;
		}
	}
	(void)now;
}

static int
member_start(unsigned i, int ep, uint32_t seed, uint64_t now)
{
	struct stun_rdv_config	 c;
	struct member		*m = &mem[i];
	struct epoll_event	 ev;
	struct stun_addr	 any;
	unsigned		 room = i / per_room, k;

	memset(&c, 0, sizeof(c));
	c.server = srv[(i % per_room) % nsrv];
	for (k = 0; k < STUN_RDV_KEY_LEN; k++)
		c.room_key[k] = (uint8_t)((room * 2654435761u + seed) >>
		    (8 * (k % 4))) ^ (uint8_t)k ^ 0x5a;
	snprintf(c.name, sizeof(c.name), "m%u", i);
	c.txn.rto = 250;
	c.txn.rc = 6;
	c.txn.rm = 8;
	memset(&any, 0, sizeof(any));
	any.family = STUN_AF_INET;
	/* An address each: stund limits answers per source address. */
	any.ip[0] = 127;
	any.ip[1] = (uint8_t)(1 + i / 62500);
	any.ip[2] = (uint8_t)(i / 250 % 250);
	any.ip[3] = (uint8_t)(i % 250 + 1);
	if ((m->fd = sock_bind(&any, SOCK_DGRAM, 0)) == -1)
		return (-1);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = i;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m->fd, &ev) == -1 ||
	    stun_rdv_client_init(&m->rc, &c) != 0)
		return (-1);
	m->start = bench_now();
	if (stun_rdv_client_start(&m->rc, now) != 0)
		return (-1);
	pump(m, now);
	return (0);
}

static int
cmp64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* p50 and p99 of v[n] (ns), sorted here, in ms. */
static void
report(const char *what, uint64_t *v, unsigned n)
{
	if (n == 0) {
		printf(" %s_p50_ms=- %s_p99_ms=-", what, what);
		return;
	}
	qsort(v, n, sizeof(v[0]), cmp64);
	printf(" %s_p50_ms=%.2f %s_p99_ms=%.2f", what,
	    (double)v[n / 2] / 1e6, what, (double)v[(n * 99) / 100] / 1e6);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 evs[256];
	uint64_t		*vj, *vm, *vg;
	unsigned		 nj = 0, nm = 0, ng = 0;
	struct stun_addr	 from;
	struct sockaddr_storage	 ss;
	struct rlimit		 rl;
	socklen_t		 sl;
	uint8_t			 buf[2048];
	char			*list, *p;
	uint64_t		 t0, tlast = 0, now, deadline, hold_end = 0;
	unsigned		 started = 0, i, k;
	double			 rate = 1000, hold = 0, tmo = 60;
	uint32_t		 seed = 1;
	ssize_t			 n;
	int			 ch, ep, nev, printed = 0;

	nmem = 100;
	while ((ch = getopt(argc, argv, "d:k:n:R:r:T:")) != -1) {
		switch (ch) {
		case 'd':
			hold = atof(optarg);
			break;
		case 'k':
			seed = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			nmem = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			rate = atof(optarg);
			break;
		case 'r':
			per_room = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			tmo = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || nmem == 0 || nmem > 200000 ||
	    per_room < 2 || per_room > STUN_RDV_MAX_MEMBERS || rate <= 0 ||
	    hold < 0 || tmo <= 0)
		usage();
	if ((list = strdup(argv[optind])) == NULL)
		return (3);
	for (p = strtok(list, ","); p != NULL; p = strtok(NULL, ",")) {
		if (nsrv == RL_MAX_SERVERS ||
		    stun_addr_parse(p, 3478, &srv[nsrv]) != 0 ||
		    srv[nsrv].family != STUN_AF_INET || srv[nsrv].ip[0] != 127)
			usage();	/* loopback only */
		nsrv++;
	}
	free(list);
	rl.rlim_cur = rl.rlim_max = nmem + 64;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if ((mem = calloc(nmem, sizeof(*mem))) == NULL ||
	    (ep = epoll_create1(0)) == -1 ||
	    (vj = calloc(nmem, sizeof(*vj))) == NULL ||
	    (vm = calloc(nmem, sizeof(*vm))) == NULL ||
	    (vg = calloc(nmem, sizeof(*vg))) == NULL) {
		fprintf(stderr, "rdvload: out of memory\n");
		return (3);
	}
	t0 = bench_now();
	deadline = now_ms() + (uint64_t)(tmo * 1000);
	for (;;) {
		now = now_ms();
		/* Start members at the rate asked for. */
		while (started < nmem && (double)(bench_now() - t0) / 1e9 *
		    rate >= started) {
			if (member_start(started, ep, seed, now) == -1) {
				fprintf(stderr, "rdvload: member %u: %s\n",
				    started, strerror(errno));
				return (3);
			}
			started++;
		}
		nev = epoll_wait(ep, evs, 256, 2);
		now = now_ms();
		for (k = 0; k < (unsigned)(nev > 0 ? nev : 0); k++) {
			i = evs[k].data.u32;
			for (;;) {
				sl = sizeof(ss);
				n = recvfrom(mem[i].fd, buf, sizeof(buf),
				    MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
				if (n <= 0)
					break;
				if (sock_to_stun((struct sockaddr *)&ss,
				    &from) == 0)
					(void)stun_rdv_client_input(&mem[i].rc,
					    &from, buf, (size_t)n, now);
			}
			pump(&mem[i], now);
		}
		if (now - tlast >= 2 || nev == 0) {
			tlast = now;
			for (i = 0; i < started; i++)
				if (mem[i].wake != 0 && mem[i].wake <= now) {
					stun_rdv_client_timer(&mem[i].rc, now);
					pump(&mem[i], now);
				}
		}
		if (!printed && started == nmem &&
		    (nmet + nfailed >= nmem || now >= deadline)) {
			for (i = 0; i < nmem; i++) {
				if (mem[i].joined != 0)
					vj[nj++] = mem[i].joined -
					    mem[i].start;
				if (mem[i].met != 0 && mem[i].joined != 0)
					vm[nm++] = mem[i].met -
					    mem[i].joined;
				if (mem[i].go != 0 && mem[i].joined != 0)
					vg[ng++] = mem[i].go -
					    mem[i].joined;
			}
			printf("members=%u servers=%u per_room=%u joined=%u "
			    "met=%u go=%u failed=%u seconds=%.3f "
			    "joins_per_s=%.0f", nmem, nsrv, per_room, njoined,
			    nmet, ngo, nfailed, (double)(bench_now() - t0) /
			    1e9, njoined / ((double)(bench_now() - t0) / 1e9));
			report("join", vj, nj);
			report("meet", vm, nm);
			report("go", vg, ng);
			printf("\nready\n");
			fflush(stdout);
			printed = 1;
			hold_end = now + (uint64_t)(hold * 1000);
		}
		if (printed && now >= hold_end)
			break;
	}
	/* Leave, so the servers' tables and Redis empty again. */
	for (i = 0; i < nmem; i++)
		if (stun_rdv_client_leave(&mem[i].rc, now_ms()) == 0)
			pump(&mem[i], now_ms());
	return (nmet == nmem ? 0 : 1);
}

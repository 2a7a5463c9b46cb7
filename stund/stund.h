/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's shared context: the current config snapshot, the worker threads
 * with their sockets and counters, TCP/TLS and metrics state.  Each
 * program file owns one part: listen.c sockets and the self-test, worker.c
 * UDP, tcp.c streams, route.c what a packet is handed to, relayio.c and
 * rdvio.c the relay and the rendezvous, metrics.c the HTTP endpoint,
 * stund.c the rest.
 */
#ifndef STUND_STUND_H
#define STUND_STUND_H

#include <sys/types.h>
#include <sys/queue.h>

#include <pthread.h>
#include <stdint.h>

#include <libstun/stun.h>
#include <libstun/server.h>

#include "conf.h"
#include "counters.h"
#include "route.h"

struct event_base;
struct event;
struct evconnlistener;
struct bufferevent;
struct evhttp;
struct ratelimit;
struct relayio;
struct relay_quota;
struct cluster;
struct rooms;
struct rooms_out;
struct rooms_metrics;

/*
 * Sockets by index: the 2x2 set of the primary family (STUN_SRV_* 0-3),
 * then the set of primary6 (4-7) when stund serves both families.
 */
#define STUND_NSOCK		(2 * STUN_SRV_NSOCK)
#define STUND_SET_BASE(s)	((s) & ~(STUN_SRV_NSOCK - 1))

#define WORKER_BATCH	32
#define WORKER_BUFSZ	2048	/* larger datagrams: dropped */

struct worker {
	int			 id;
	struct stund		*sd;
	pthread_t		 thread;
	int			 started;
	struct event_base	*base;
	int			 fd[STUND_NSOCK];	/* -1: unused */
	struct event		*ev[STUND_NSOCK];
	struct event		*stop_ev;
	struct ratelimit	*rl;
	unsigned		 rl_rate, rl_burst;
	struct counters		 cnt;
	uint64_t		 busy_gen;	/* conf generation in use; 0 idle */
	uint64_t		 log_sec;	/* drop lines: second */
	unsigned		 log_n;		/* ... and count */
	void			*io;	/* worker.c batch buffers */
	struct relayio		*rio;	/* TURN table; NULL: off */
};

struct tcp_conn {
	TAILQ_ENTRY(tcp_conn)	 entry;
	struct stund		*sd;
	struct bufferevent	*bev;
	int			 sock;	/* listener's STUN_SRV_* */
	int			 tls;
	int			 reading;	/* inside tcp_read() */
	int			 proxy;		/* PROXY header still to come */
	int			 handshake;	/* TLS, not done yet */
	uint64_t		 deadline;	/* ms; 0: none (tcp.c) */
	/*
	 * Its rendezvous stream value (rooms_src.sock, from rdvio.c, 0:
	 * none yet), and whether a member registered through it (its idle
	 * timeout is then at least member-timeout).
	 */
	unsigned		 rdv_sock;
	int			 rdv_member;
	struct stun_addr	 peer;
	struct stun_addr	 local;
};
TAILQ_HEAD(tcp_conns, tcp_conn);

struct tcp_lslot {
	struct stund		*sd;
	int			 sock;
	int			 tls;
	int			 proxy;		/* PROXY v2 header first */
};

struct stund {
	/*
	 * The config snapshot, immutable once published.  SIGHUP (main
	 * thread) stores a new one atomically and bumps conf_gen; workers
	 * load it without a lock (stund_conf()).  A replaced snapshot waits
	 * in retired[] until no worker is in a batch that began before the
	 * swap (worker.busy_gen), and is freed at a later reload or exit.
	 */
	struct conf		*conf;
	uint64_t		 conf_gen;	/* starts at 1 */
#define STUND_RETIRED	8
	struct conf		*retired[STUND_RETIRED];
	uint64_t		 retired_gen[STUND_RETIRED];
	struct conf		 cli;		/* command line */
	/* Who to run as (stund.c): looked up before binding. */
	uid_t			 uid;
	gid_t			 gid;
	int			 drop;		/* 1: switch to uid:gid */
	int			 pid_fd;	/* locked pid file; -1 none */
	char			 conf_pidfile[CONF_PATH_MAX];
	const char		*conf_file;	/* NULL: none */
	char			*conf_path;	/* realpath() of -c */

	/*
	 * The addresses clients are told (external-ip, else the bound
	 * ones) and the RFC 5780 verdict; the bound addresses.  Both are
	 * fixed after start.
	 */
	struct stun_server_conf	 srv;
	struct stun_addr	 bound[STUND_NSOCK];
	int			 nsock;		/* 1 or 4 */
	/* The IPv6 set of a dual-stack server (primary6), sockets 4-7. */
	struct stun_server_conf	 srv6;
	int			 nsock6;	/* 0, 1 or 4 */
	char			 alt_why[256];	/* why 4 did not bind */
	uint64_t		 seed;

	unsigned		 nworkers;
	struct worker		*workers;	/* [0]: main thread */
	struct event_base	*base;		/* == workers[0].base */
	struct event		*sig_hup, *sig_term, *sig_int;

	/* TCP and TLS (main thread only). */
	int			 tcp_fd[STUND_NSOCK];
	int			 tls_fd[STUND_NSOCK];
	struct evconnlistener	*tcp_lev[STUND_NSOCK];
	struct evconnlistener	*tls_lev[STUND_NSOCK];
	struct tcp_lslot	 tcp_slot[STUND_NSOCK];
	struct tcp_lslot	 tls_slot[STUND_NSOCK];
	struct event		*accept_pause;
	struct event		*trim_ev;	/* malloc_trim, tcp.c */
	struct event		*tcp_sweep;	/* deadlines, tcp.c */
	void			*ssl_ctx;	/* SSL_CTX * */
	struct tcp_conns	 conns;
	unsigned		 nconns;
	uint64_t		 conns_total;
	struct counters		 tcp_cnt;

	/* The route's tables, filled once by route_init(). */
	struct route_table	 route_udp;
	struct route_table	 route_stream;

	/* TURN: allocation counts shared by the workers. */
	struct relay_quota	*relay_quota;

	/* Metrics. */
	int			 metrics_fd;
	struct evhttp		*http;

	/*
	 * Rendezvous (rdvio.c): one room table for every worker, since
	 * SO_REUSEPORT spreads a room's members over them.  The traffic is
	 * rare, so one mutex guards the table and its output buffer; the
	 * Binding path never takes it.
	 */
	pthread_mutex_t		 rdv_lock;
	struct rooms		*rooms;		/* NULL: off */
	struct rooms_out	*rdv_out;	/* under rdv_lock */
	struct event		*rdv_timer;	/* expiry, main base */
	uint64_t		 rdv_send_errors; /* relaxed atomic */
	/*
	 * Stream members (rdvio.c, under rdv_lock): the connection of each
	 * rendezvous stream value, and what worker threads made for them,
	 * sent from the main thread (rdv_q_ev).
	 */
	struct tcp_conn		**rdv_conns;
	unsigned		 rdv_nconns;
	struct rdvio_q		*rdv_q;
	struct event		*rdv_q_ev;
	/*
	 * The room table as the relay sees it (rdvio.c): rooms_relay_gen()
	 * copied into an atomic after each call, and the hooks that bind
	 * rendezvous credentials to their rooms (NULL: no rendezvous).
	 */
	uint64_t		 rdv_gen;
	struct relay_rdv	 rdv_hooks;
	const struct relay_rdv	*rdv_relay;

	/* The fleet's Redis (cluster.c, main thread); NULL: alone. */
	struct cluster		*cluster;
};

/* A worker's snapshot for one batch: see struct stund. */
static inline const struct conf *
stund_conf_enter(struct stund *sd, struct worker *w, uint64_t *gen)
{
	*gen = __atomic_load_n(&sd->conf_gen, __ATOMIC_SEQ_CST);
	__atomic_store_n(&w->busy_gen, *gen, __ATOMIC_SEQ_CST);
	return (__atomic_load_n(&sd->conf, __ATOMIC_SEQ_CST));
}

static inline void
stund_conf_leave(struct worker *w)
{
	__atomic_store_n(&w->busy_gen, 0, __ATOMIC_RELEASE);
}

/* listen.c */
int	listen_udp(struct stund *, struct worker *, int);
int	listen_bind_all(struct stund *, char *, size_t);
void	listen_print(struct stund *);
/* RFC 5780 self-test of one set (STUND_SET_BASE 0 or 4). */
int	listen_selftest(struct stund *, int, char *, size_t);
/*
 * The advertised addresses against the bound ones: -1 with the mismatch
 * (a private address without external-ip, a private external-ip, ...).
 */
int	listen_adv_check(struct stund *, char *, size_t);

/* worker.c */
int	worker_init(struct worker *);
int	worker_start(struct worker *);
void	worker_stop(struct worker *);
void	worker_free(struct worker *);

/* tcp.c */
int	tcp_init(struct stund *, char *, size_t);
void	tcp_flush(struct tcp_conn *);
/*
 * Queue bytes for a client (an answer, or data the relay forwards): from
 * tcp_read() they leave with the batch, from elsewhere libevent writes
 * them.  Returns 0, or -1 when the client has left too much unread.
 */
int	tcp_send(struct tcp_conn *, const uint8_t *, size_t);
int	tcp_tls_load(struct stund *, const struct conf *, char *, size_t);
/* A rendezvous member registered through c: keep it while it is one. */
void	tcp_keep_member(struct tcp_conn *);
void	tcp_free(struct stund *);

/* metrics.c */
int	metrics_bind(struct stund *, char *, size_t);
int	metrics_init(struct stund *, char *, size_t);
void	metrics_free(struct stund *);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The libevent side of stund's rendezvous: the one room table (rooms.c)
 * under its mutex, the TURN credential a Register answer may carry and
 * the hooks through which the relay binds it to its member, the expiry
 * timer on the main thread, and sending what the table returns.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "auth.h"
#include "cluster.h"
#include "evlog.h"
#include "rdvio.h"
#include "relayio.h"
#include "rooms.h"
#include "route.h"
#include "stund.h"

#define RDVIO_IDLE_MS	1000	/* room timer: longest sleep */
#define RDVIO_MIN_MS	10	/* ... and shortest */

static void	rdvio_gen(struct stund *);

#define RDVIO_QMAX	256		/* stream messages waiting */
#define RDVIO_CONNS_MAX	(1u << 21)	/* stream values (> tcp-max) */

/*
 * What a worker thread made for stream members: their connections are
 * the main thread's, so the messages wait here (under rdv_lock) until
 * rdvio_q_run() sends them at the next turn of the main loop; while any
 * wait, the main thread's own queue up behind them.
 */
struct rdvio_q {
	unsigned	 n;
	struct rooms_pkt pkt[RDVIO_QMAX];
};

/* The connection of stream value sock, or NULL; under rdv_lock. */
static struct tcp_conn *
rdvio_conn(const struct stund *sd, unsigned sock)
{
	unsigned	i;

	if (!ROOMS_SOCK_IS_STREAM(sock))
		return (NULL);
	i = sock - ROOMS_SOCK_STREAM;
	return (i < sd->rdv_nconns ? sd->rdv_conns[i] : NULL);
}

/*
 * The stream value of c, given at its first rendezvous message and kept
 * until it closes (rdvio_stream_gone()).  0 when out of memory.  Under
 * rdv_lock.
 */
static unsigned
rdvio_conn_value(struct stund *sd, struct tcp_conn *c)
{
	struct tcp_conn	**n;
	unsigned	  i, want;

	if (c->rdv_sock != 0)
		return (c->rdv_sock);
	for (i = 0; i < sd->rdv_nconns; i++)
		if (sd->rdv_conns[i] == NULL)
			break;
	if (i == sd->rdv_nconns) {
		want = sd->rdv_nconns == 0 ? 64 : 2 * sd->rdv_nconns;
		if (want > RDVIO_CONNS_MAX || (n = realloc(sd->rdv_conns,
		    want * sizeof(*n))) == NULL)
			return (0);
		memset(n + sd->rdv_nconns, 0,
		    (want - sd->rdv_nconns) * sizeof(*n));
		sd->rdv_conns = n;
		sd->rdv_nconns = want;
	}
	sd->rdv_conns[i] = c;
	c->rdv_sock = ROOMS_SOCK_STREAM + i;
	return (c->rdv_sock);
}

/*
 * One message of the room table: into its member's connection (stream
 * values; from a worker thread through the queue), else from w's socket
 * of the index its member registered on (every worker's socket of one
 * index is bound to the same address).  0 or -1.
 */
static int
rdvio_send_one(struct worker *w, const struct rooms_pkt *p)
{
	struct stund		*sd = w->sd;
	struct tcp_conn		*c;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;

	if (ROOMS_SOCK_IS_STREAM(p->sock)) {
		/* Behind what waits, in order: a member applies deltas so. */
		if (w != &sd->workers[0] || sd->rdv_q->n > 0) {
			if (sd->rdv_q->n == RDVIO_QMAX)
				return (-1);
			sd->rdv_q->pkt[sd->rdv_q->n++] = *p;
			event_active(sd->rdv_q_ev, 0, 0);
			return (1);
		}
		if ((c = rdvio_conn(sd, p->sock)) == NULL)
			return (-1);
		return (tcp_send(c, p->buf, p->len));
	}
	if (p->sock >= STUND_NSOCK || w->fd[p->sock] == -1 ||
	    (salen = sock_from_stun(&p->to, &sa)) == 0 ||
	    sendto(w->fd[p->sock], p->buf, p->len, MSG_DONTWAIT,
	    (struct sockaddr *)&sa, salen) == -1)
		return (-1);
	return (0);
}

/* Count one message of the table as sent (0) or lost (-1). */
static void
rdvio_count(struct worker *w, const struct rooms_pkt *p, int rc)
{
	struct counters	*cnt;

	cnt = ROOMS_SOCK_IS_STREAM(p->sock) ? &w->sd->tcp_cnt : &w->cnt;
	if (rc == -1) {
		CNT_ADD(&cnt->drops[DROP_SEND], 1);
		CNT_ADD(&w->sd->rdv_send_errors, 1);
	} else if (rc == 0)
		counters_count_out(cnt, CNT_METH_OTHER, p->cls, p->code,
		    p->len);
}

/* Send what the table returned; the caller holds rdv_lock. */
static void
rdvio_send(struct worker *w, const struct rooms_out *o)
{
	unsigned	i;

	for (i = 0; i < o->n; i++)
		rdvio_count(w, &o->pkt[i], rdvio_send_one(w, &o->pkt[i]));
}

/* The main thread sends what workers queued for stream members. */
static void
rdvio_q_run(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;
	unsigned	 i, n;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&sd->rdv_lock);
	n = sd->rdv_q->n;
	sd->rdv_q->n = 0;	/* so that rdvio_send_one() sends now */
	for (i = 0; i < n; i++)
		rdvio_count(&sd->workers[0], &sd->rdv_q->pkt[i],
		    rdvio_send_one(&sd->workers[0], &sd->rdv_q->pkt[i]));
	pthread_mutex_unlock(&sd->rdv_lock);
}

/* Forget what waits for stream value sock; under rdv_lock. */
static void
rdvio_q_purge(struct stund *sd, unsigned sock)
{
	unsigned	i, k = 0;

	for (i = 0; i < sd->rdv_q->n; i++)
		if (sd->rdv_q->pkt[i].sock != sock) {
			if (k != i)
				sd->rdv_q->pkt[k] = sd->rdv_q->pkt[i];
			k++;
		}
	sd->rdv_q->n = k;
}

const char *
rdvio_proto(struct stund *sd, unsigned sock)
{
	const struct tcp_conn	*c;

	if (!ROOMS_SOCK_IS_STREAM(sock))
		return ("udp");
	c = rdvio_conn(sd, sock);
	return (c != NULL && c->tls ? "tls" : "tcp");
}

void
rdvio_stream_gone(struct tcp_conn *c)
{
	struct stund	*sd = c->sd;

	if (sd->rooms == NULL || c->rdv_sock == 0)
		return;
	pthread_mutex_lock(&sd->rdv_lock);
	/* Nothing more into c: its members' own messages are dropped. */
	rooms_stream_gone(sd->rooms, c->rdv_sock, clock_ms(), sd->rdv_out);
	rdvio_gen(sd);
	evlog_rooms(sd, sd->rdv_out);
	sd->rdv_conns[c->rdv_sock - ROOMS_SOCK_STREAM] = NULL;
	rdvio_q_purge(sd, c->rdv_sock);
	rdvio_send(&sd->workers[0], sd->rdv_out);
	cluster_take(sd->cluster, sd->rdv_out);
	pthread_mutex_unlock(&sd->rdv_lock);
	c->rdv_sock = 0;
}

/*
 * The relay a Register answer hands a credential for: ours, when TURN
 * takes rendezvous credentials (auth_rdv_on()).  Its password is keyed by
 * the rendezvous secret, never by a REST secret: the relay binds it to
 * the member (the hooks below).
 */
static const struct rooms_relay *
rdvio_relay(const struct route *rt, struct rooms_relay *rl)
{
	const struct conf	*c = rt->c;

	if (rt->w->rio == NULL || !relayio_enabled(c) || !c->auth->rdv ||
	    rt->sd->rdv_relay == NULL)
		return (NULL);
	memset(rl, 0, sizeof(*rl));
	rl->lifetime = c->rdv_relay_life;
	rl->wall = (int64_t)time(NULL);
	return (rl);
}

/* The generation the relay compares its checks with; under rdv_lock. */
static void
rdvio_gen(struct stund *sd)
{
	__atomic_store_n(&sd->rdv_gen, rooms_relay_gen(sd->rooms),
	    __ATOMIC_RELEASE);
}

/*
 * The relay's hooks (struct relay_rdv_ops): the room table's relay API
 * under rdv_lock, called by the workers' relay tables on Allocate, on
 * requests, and when the generation moved; never per relayed datagram.
 */
static int
rdvio_relay_password(void *arg, const char *user, char *pw, size_t cap)
{
	struct stund	*sd = arg;
	int		 rc;

	pthread_mutex_lock(&sd->rdv_lock);
	rc = rooms_relay_password(sd->rooms, user, pw, cap);
	pthread_mutex_unlock(&sd->rdv_lock);
	return (rc);
}

static int
rdvio_relay_admit(void *arg, const char *user, const struct stun_addr *src)
{
	struct stund	*sd = arg;
	int		 rc;

	pthread_mutex_lock(&sd->rdv_lock);
	rc = rooms_relay_admit(sd->rooms, user, src);
	pthread_mutex_unlock(&sd->rdv_lock);
	return (rc);
}

static int
rdvio_relay_peer_ok(void *arg, const char *user, const struct stun_addr *peer)
{
	struct stund	*sd = arg;
	int		 rc;

	pthread_mutex_lock(&sd->rdv_lock);
	rc = rooms_relay_peer_ok(sd->rooms, user, peer);
	pthread_mutex_unlock(&sd->rdv_lock);
	return (rc);
}

static int
rdvio_relay_set(void *arg, const char *user, const struct stun_addr *relayed)
{
	struct stund	*sd = arg;
	int		 rc;

	pthread_mutex_lock(&sd->rdv_lock);
	rc = rooms_relay_set(sd->rooms, user, relayed);
	pthread_mutex_unlock(&sd->rdv_lock);
	return (rc);
}

static int
rdvio_relay_recheck(void *arg, const char *user, const struct stun_addr *src,
    const struct stun_addr *peers, unsigned n, uint8_t *ok, uint64_t *gen)
{
	struct stund	*sd = arg;
	unsigned	 i;
	int		 alive;

	pthread_mutex_lock(&sd->rdv_lock);
	alive = rooms_relay_admit(sd->rooms, user, src);
	for (i = 0; i < n; i++)
		ok[i] = alive && rooms_relay_peer_ok(sd->rooms, user,
		    &peers[i]);
	*gen = rooms_relay_gen(sd->rooms);
	pthread_mutex_unlock(&sd->rdv_lock);
	return (alive);
}

static const struct relay_rdv_ops rdvio_relay_ops = {
	rdvio_relay_password, rdvio_relay_admit, rdvio_relay_peer_ok,
	rdvio_relay_set, rdvio_relay_recheck
};

void
rdvio_input(const struct route *rt, const struct route_pkt *pkt)
{
	struct stund		*sd = rt->sd;
	struct tcp_conn		*c = rt->conn;
	struct rooms_src	 src;
	struct rooms_relay	 rl;

	src.addr = pkt->in.src;
	src.sock = (unsigned)pkt->in.sock;
	src.relay = rdvio_relay(rt, &rl);
	pthread_mutex_lock(&sd->rdv_lock);
	/* A stream is answered, and told, through its connection. */
	if (c != NULL && (src.sock = rdvio_conn_value(sd, c)) == 0) {
		pthread_mutex_unlock(&sd->rdv_lock);
		CNT_ADD(&sd->tcp_cnt.drops[DROP_SEND], 1);
		return;
	}
	rooms_input(sd->rooms, pkt->m, &src, pkt->now, sd->rdv_out);
	rdvio_gen(sd);
	rdvio_send(rt->w, sd->rdv_out);
	evlog_rooms(sd, sd->rdv_out);
	cluster_take(sd->cluster, sd->rdv_out);
	if (c != NULL && !c->rdv_member &&
	    pkt->m->method == STUN_RDV_REGISTER &&
	    rooms_stream_members(sd->rooms, src.sock) > 0)
		tcp_keep_member(c);
	pthread_mutex_unlock(&sd->rdv_lock);
}

/* Expire silent members; datagrams leave from worker 0 (this thread). */
static void
rdvio_timer(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;
	struct timeval	 tv;
	uint64_t	 now, next, ms = RDVIO_IDLE_MS;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&sd->rdv_lock);
	now = clock_ms();
	rooms_timer(sd->rooms, now, sd->rdv_out);
	rdvio_gen(sd);
	rdvio_send(&sd->workers[0], sd->rdv_out);
	evlog_rooms(sd, sd->rdv_out);
	cluster_take(sd->cluster, sd->rdv_out);
	next = rooms_next(sd->rooms);
	pthread_mutex_unlock(&sd->rdv_lock);
	if (next != 0)
		ms = next > now ? next - now : 0;
	if (ms > RDVIO_IDLE_MS)
		ms = RDVIO_IDLE_MS;
	if (ms < RDVIO_MIN_MS)
		ms = RDVIO_MIN_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(sd->rdv_timer, &tv);
}

/*
 * The room table's configuration from stund's, at start and on SIGHUP
 * (rdvio_reload: the limits and timers apply live; the table sizes and
 * the secret are marked restart in conftab.c).
 */
static void
rdvio_config(const struct conf *c, struct rooms_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->max_rooms = c->room_max;
	rc->max_room_members = c->room_members;
	rc->max_members = c->member_max;
	rc->keepalive_ms = c->keepalive * 1000;
	rc->timeout_ms = c->member_timeout * 1000;
	rc->rate_burst = c->register_burst;
	rc->rate_ms = 60000 / c->register_rate;
	if (rc->rate_ms == 0)
		rc->rate_ms = 1;
	rc->prefix_rooms = c->room_prefix_max;
	rc->prefix_members = c->member_prefix_max;
}

void
rdvio_reload(struct stund *sd)
{
	struct rooms_config	rc;
	int			r;

	if (sd->rooms == NULL)
		return;
	rdvio_config(sd->conf, &rc);
	pthread_mutex_lock(&sd->rdv_lock);
	r = rooms_reconfigure(sd->rooms, &rc);
	pthread_mutex_unlock(&sd->rdv_lock);
	if (r == -1)
		log_warnx("reload: rendezvous limits out of range; keeping "
		    "the running ones");
}

int
rdvio_init(struct stund *sd, char *err, size_t errlen)
{
	const struct conf	*c = sd->conf;
	struct rooms_config	 rc;
	struct timeval		 tv = { 1, 0 };

	if (!c->rendezvous)
		return (0);
	rdvio_config(c, &rc);
	/*
	 * Servers sharing the secret accept each other's cookies; without a
	 * file rooms_init() draws one for this process.
	 */
	if (c->rdv_secret_file[0] != '\0' && auth_read_key(c->rdv_secret_file,
	    rc.secret, sizeof(rc.secret), err, errlen) == -1)
		return (-1);
	if (pthread_mutex_init(&sd->rdv_lock, NULL) != 0) {
		OPENSSL_cleanse(&rc, sizeof(rc));
		snprintf(err, errlen, "rendezvous: cannot create a mutex");
		return (-1);
	}
	if ((sd->rooms = calloc(1, sizeof(*sd->rooms))) == NULL ||
	    (sd->rdv_out = calloc(1, sizeof(*sd->rdv_out))) == NULL ||
	    (sd->rdv_q = calloc(1, sizeof(*sd->rdv_q))) == NULL ||
	    rooms_init(sd->rooms, &rc) == -1) {
		OPENSSL_cleanse(&rc, sizeof(rc));
		free(sd->rooms);
		free(sd->rdv_out);
		free(sd->rdv_q);
		sd->rooms = NULL;
		sd->rdv_out = NULL;
		sd->rdv_q = NULL;
		pthread_mutex_destroy(&sd->rdv_lock);
		snprintf(err, errlen, "rendezvous: cannot allocate the room "
		    "table");
		return (-1);
	}
	OPENSSL_cleanse(&rc, sizeof(rc));
	rdvio_gen(sd);
	sd->rdv_hooks.ops = &rdvio_relay_ops;
	sd->rdv_hooks.arg = sd;
	sd->rdv_hooks.gen = &sd->rdv_gen;
	sd->rdv_relay = &sd->rdv_hooks;
	if ((sd->rdv_q_ev = event_new(sd->base, -1, 0, rdvio_q_run,
	    sd)) == NULL) {
		snprintf(err, errlen, "rendezvous: cannot add an event");
		return (-1);
	}
	if ((sd->rdv_timer = evtimer_new(sd->base, rdvio_timer,
	    sd)) == NULL || evtimer_add(sd->rdv_timer, &tv) == -1) {
		snprintf(err, errlen, "rendezvous: cannot add the timer");
		return (-1);
	}
	return (0);
}

void
rdvio_free(struct stund *sd)
{
	if (sd->rdv_timer != NULL)
		event_free(sd->rdv_timer);
	sd->rdv_timer = NULL;
	if (sd->rdv_q_ev != NULL)
		event_free(sd->rdv_q_ev);
	sd->rdv_q_ev = NULL;
	if (sd->rooms == NULL)
		return;
	sd->rdv_relay = NULL;
	rooms_free(sd->rooms);
	free(sd->rooms);
	free(sd->rdv_out);
	free(sd->rdv_q);
	free(sd->rdv_conns);
	sd->rooms = NULL;
	sd->rdv_out = NULL;
	sd->rdv_q = NULL;
	sd->rdv_conns = NULL;
	sd->rdv_nconns = 0;
	pthread_mutex_destroy(&sd->rdv_lock);
}

int
rdvio_metrics(struct stund *sd, struct rooms_metrics *m)
{
	memset(m, 0, sizeof(*m));
	if (sd->rooms == NULL)
		return (-1);
	pthread_mutex_lock(&sd->rdv_lock);
	*m = sd->rooms->m;
	pthread_mutex_unlock(&sd->rdv_lock);
	return (0);
}

/*
 * Fleet glue (cluster.c): what the room table returned for a call made on
 * the main thread on behalf of another instance, sent from worker 0's
 * sockets and logged.  The caller holds rdv_lock.
 */
void
rdvio_fleet_send(struct stund *sd, const struct rooms_out *o)
{
	rdvio_send(&sd->workers[0], o);
	evlog_rooms(sd, o);
}

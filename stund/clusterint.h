/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Internal to stund's fleet code: the connection state shared by
 * cluster.c (connections, secret, registry, metrics, the event queue)
 * and clusterroom.c (the rooms followed through Redis).
 */
#ifndef STUND_CLUSTERINT_H
#define STUND_CLUSTERINT_H

#include <pthread.h>
#include <stdint.h>

#include "cluster.h"
#include "clusterwire.h"
#include "rooms.h"

struct redisAsyncContext;
struct event;
struct event_base;

#define CL_QUEUE	4096	/* fleet events waiting for the main thread */
#define CL_HASH		1024	/* room hash buckets */
#define CL_INST_MAX	256	/* instances tracked */
#define CL_BUF_MAX	64	/* messages held while a snapshot is read */
#define CL_PREFIX	"stunkit:"

struct cl_msg {
	struct cl_msg	*next;
	struct cw_rec	 rec;
};

/* A room with local members: its channel followed, its hash read. */
struct cl_room {
	struct cl_room	*next;		/* hash chain */
	uint8_t		 id[STUN_RDV_ROOM_MAX];
	size_t		 idlen;
	char		 key[80];	/* stunkit:r:{hex} */
	char		 chan[96];	/* stunkit:DB:c:{hex} */
	int		 subscribed;	/* on this sub connection */
	int		 snapping;	/* subscribed, hash being read */
	int		 confirmed;	/* Redis confirmed the subscription */
	unsigned	 nbuf;
	struct cl_msg	*buf, **buf_tail;	/* held meanwhile */
};

struct cl_inst {
	struct cw_inst	 in;
	int		 live;
};

struct cl_metrics {
	uint64_t	connected;	/* gauge */
	uint64_t	instances;	/* gauge: live, this one included */
	uint64_t	rooms;		/* gauge: followed */
	uint64_t	commands;
	uint64_t	bytes_out;
	uint64_t	messages;	/* channel messages received */
	uint64_t	bytes_in;
	uint64_t	errors;		/* error replies, bad records */
	uint64_t	disconnects;
	uint64_t	connects;
	uint64_t	queue_drops;
	uint64_t	redirects;	/* relaxed atomic */
	uint64_t	instance_gone;
	uint64_t	rtt_ms;		/* gauge: last PING */
	uint64_t	snapshots;
};

struct cluster {
	struct stund		*sd;
	struct event_base	*base;
	/* Where: an address resolved at start, never again. */
	char			 host[64];
	int			 port;
	int			 db;
	char			 password[256];
	/* This connection's instance id: new at each (re)connection. */
	uint64_t		 id;
	struct redisAsyncContext *cmd, *sub;
	int			 cmd_up, sub_up;
	int			 ready;		/* cmd up, secret settled */
	uint64_t		 connect_at;	/* monotonic ms; 0: idle */
	uint64_t		 retry_at;
	uint32_t		 backoff;
	uint64_t		 down_since;	/* 0: up */
	uint64_t		 ready_at;
	uint64_t		 ping_at;	/* outstanding PING sent at */
	uint64_t		 reg_at, refresh_at;
	uint64_t		 pkts, pkts_at;
	uint32_t		 pps;
	struct event		*tick, *wake;
	/* The queue, under sd->rdv_lock. */
	struct rooms_fleet_ev	*q;
	unsigned		 qhead, qn;
	int			 qlost;
	/* The rooms followed; instances seen. */
	struct cl_room		*room[CL_HASH];
	unsigned		 nrooms;
	struct cl_inst		 inst[CL_INST_MAX];
	unsigned		 ninst;
	uint64_t		 gone[CL_INST_MAX];	/* to clear */
	unsigned		 ngone;
	/* The redirect target per family, for the workers. */
	pthread_mutex_t		 alt_lock;
	struct stun_addr	 alt4, alt6;
	int			 has_alt4, has_alt6;
	struct rooms_out	*out;		/* under sd->rdv_lock */
	struct cl_metrics	 m;
};

/* cluster.c */
int	cl_send(struct cluster *, struct redisAsyncContext *,
	    void (*)(struct redisAsyncContext *, void *, void *), void *,
	    int, const char **, const size_t *);
void	cl_out(struct cluster *);
int	cl_inst_dead(const struct cluster *, uint64_t);
/* clusterroom.c */
struct cl_room *cl_room_find(struct cluster *, const uint8_t *, size_t);
void	cl_room_open(struct cluster *, const uint8_t *, size_t);
void	cl_room_close(struct cluster *, const uint8_t *, size_t);
void	cl_room_subscribe_all(struct cluster *);
void	cl_room_lost_sub(struct cluster *);
void	cl_room_refresh(struct cluster *);
void	cl_room_free_all(struct cluster *);
int	cl_room_snapping(const struct cluster *);
void	cl_publish(struct cluster *, const struct rooms_fleet_ev *);
void	cl_republish(struct cluster *);

#endif

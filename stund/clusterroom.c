/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The rooms an instance follows through Redis: while a room has local
 * members its channel is subscribed and its hash read once (messages
 * that come meanwhile wait), local changes are written to the hash and
 * published, and what other instances publish reaches the room table:
 * members in and out, and the two halves of a Go across instances.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "common/clock.h"
#include "common/log.h"
#include "clusterint.h"
#include "stund.h"

#define CL_ROOM_TTL	"600000" /* ms a room hash outlives its refresh */

static unsigned
cl_room_hash(const uint8_t *id, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ id[i]) * 16777619u;
	return (h % CL_HASH);
}

static void
cl_room_names(const struct cluster *cl, const uint8_t *id, size_t len,
    char *key, size_t keylen, char *chan, size_t chanlen)
{
	char	hex[2 * STUN_RDV_ROOM_MAX + 1];

	cw_hex(id, len, hex);
	/* {hex}: a Redis Cluster hash tag, a room's keys on one shard. */
	snprintf(key, keylen, CL_PREFIX "r:{%s}", hex);
	snprintf(chan, chanlen, CL_PREFIX "%d:c:{%s}", cl->db, hex);
}

struct cl_room *
cl_room_find(struct cluster *cl, const uint8_t *id, size_t len)
{
	struct cl_room	*cr;

	if (len == 0 || len > STUN_RDV_ROOM_MAX)
		return (NULL);
	for (cr = cl->room[cl_room_hash(id, len)]; cr != NULL; cr = cr->next)
		if (cr->idlen == len && memcmp(cr->id, id, len) == 0)
			return (cr);
	return (NULL);
}

static struct cl_room *
cl_room_by_chan(struct cluster *cl, const char *chan, size_t len)
{
	struct cl_room	*cr;
	unsigned	 i;

	/* Channel names end in the room's hex id: only a scan of one chain. */
	for (i = 0; i < CL_HASH; i++)
		for (cr = cl->room[i]; cr != NULL; cr = cr->next)
			if (strlen(cr->chan) == len &&
			    memcmp(cr->chan, chan, len) == 0)
				return (cr);
	return (NULL);
}

static void
cl_buf_free(struct cl_room *cr)
{
	struct cl_msg	*m;

	while ((m = cr->buf) != NULL) {
		cr->buf = m->next;
		free(m);
	}
	cr->buf_tail = &cr->buf;
	cr->nbuf = 0;
}

/* A record of another instance for the room table; under rdv_lock. */
static void
cl_apply(struct cluster *cl, const struct cw_rec *rec, uint64_t now)
{
	struct rooms	*r = cl->sd->rooms;
	struct cw_rec	 d;
	uint8_t		 buf[CW_MAX];
	const char	*argv[3];
	size_t		 len[3];
	char		 key[80], chan[96];
	uint32_t	 delay = 0;
	int		 n;

	switch (rec->type) {
	case CW_JOIN:
		(void)rooms_fleet_put(r, rec->room, rec->roomlen, rec->origin,
		    rec->go_since, &rec->info,
		    rec->has_relayed ? &rec->relayed : NULL, now, cl->out);
		break;
	case CW_LEAVE:
	case CW_TIMEOUT:
		(void)rooms_fleet_del(r, rec->room, rec->roomlen, rec->origin,
		    rec->member, rec->type == CW_TIMEOUT, now, cl->out);
		break;
	case CW_GO:
		if (rooms_fleet_go(r, rec->room, rec->roomlen, rec->member,
		    rec->peer, rec->value, (uint32_t)cl->m.rtt_ms, &delay, now,
		    cl->out) != 1)
			break;
		/* The other half, for the peer's instance to send. */
		memset(&d, 0, sizeof(d));
		d.type = CW_DELAY;
		d.origin = cl->id;
		memcpy(d.room, rec->room, rec->roomlen);
		d.roomlen = rec->roomlen;
		d.member = rec->peer;
		d.peer = rec->member;
		d.value = delay;
		if ((n = cw_build(&d, buf, sizeof(buf))) < 0)
			break;
		cl_room_names(cl, rec->room, rec->roomlen, key, sizeof(key),
		    chan, sizeof(chan));
		argv[0] = "PUBLISH"; len[0] = 7;
		argv[1] = chan; len[1] = strlen(chan);
		argv[2] = (const char *)buf; len[2] = (size_t)n;
		(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
		break;
	case CW_DELAY:
		(void)rooms_fleet_go_to(r, rec->room, rec->roomlen, rec->member,
		    rec->peer, rec->value, now, cl->out);
		break;
	default:
		return;
	}
	cl_out(cl);
}

/* The room's hash: every member registered elsewhere, then what waited. */
struct cl_snap {
	uint8_t	 id[STUN_RDV_ROOM_MAX];
	size_t	 idlen;
};

static void
cl_snap_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	struct cl_snap	*sn = priv;
	redisReply	*reply = r, *v;
	struct cl_room	*cr;
	struct cl_msg	*m;
	struct cw_rec	 rec;
	uint32_t	 keep[STUN_RDV_MAX_MEMBERS];
	const char	*argv[3];
	size_t		 len[3], i;
	unsigned	 nkeep = 0, k;
	uint64_t	 now = clock_ms();

	if (reply == NULL || (cr = cl_room_find(cl, sn->id,
	    sn->idlen)) == NULL || !cr->snapping) {
		free(sn);
		return;
	}
	free(sn);
	if (reply->type != REDIS_REPLY_ARRAY) {
		cl->m.errors++;
		return;
	}
	cl->m.snapshots++;
	pthread_mutex_lock(&cl->sd->rdv_lock);
	for (i = 0; i + 1 < reply->elements; i += 2) {
		v = reply->element[i + 1];
		if (v->type != REDIS_REPLY_STRING ||
		    reply->element[i]->type != REDIS_REPLY_STRING)
			continue;
		cl->m.bytes_in += v->len;
		if (cw_parse((const uint8_t *)v->str, v->len, &rec) != 0 ||
		    rec.type != CW_JOIN || rec.roomlen != cr->idlen ||
		    memcmp(rec.room, cr->id, cr->idlen) != 0) {
			cl->m.errors++;
			continue;
		}
		if (rec.origin == cl->id)
			continue;
		if (cl_inst_dead(cl, rec.origin)) {
			/* Left by an instance that died: clear it. */
			argv[0] = "HDEL"; len[0] = 4;
			argv[1] = cr->key; len[1] = strlen(cr->key);
			argv[2] = reply->element[i]->str;
			len[2] = reply->element[i]->len;
			(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
			continue;
		}
		cl_apply(cl, &rec, now);
		if (nkeep < STUN_RDV_MAX_MEMBERS)
			keep[nkeep++] = rec.member;
	}
	for (k = 0; k < 16; k++) {
		if (!rooms_fleet_sync(cl->sd->rooms, cr->id, cr->idlen, keep,
		    nkeep, now, cl->out)) {
			cl_out(cl);
			break;
		}
		cl_out(cl);
	}
	cr->snapping = 0;
	while ((m = cr->buf) != NULL) {
		cr->buf = m->next;
		cl_apply(cl, &m->rec, now);
		free(m);
	}
	cr->buf_tail = &cr->buf;
	cr->nbuf = 0;
	pthread_mutex_unlock(&cl->sd->rdv_lock);
}

static void
cl_snapshot(struct cluster *cl, struct cl_room *cr)
{
	struct cl_snap	*sn;
	const char	*argv[2];
	size_t		 len[2];

	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return;
	memcpy(sn->id, cr->id, cr->idlen);
	sn->idlen = cr->idlen;
	argv[0] = "HGETALL"; len[0] = 7;
	argv[1] = cr->key; len[1] = strlen(cr->key);
	if (cl_send(cl, cl->cmd, cl_snap_cb, sn, 2, argv, len) == -1)
		free(sn);
}

/* A message on a room channel, or a (un)subscription's confirmation. */
static void
cl_sub_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	redisReply	*reply = r, *kind, *chan, *data;
	struct cl_room	*cr;
	struct cl_msg	*m;
	struct cw_rec	 rec;

	(void)priv;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != 3)
		return;
	kind = reply->element[0];
	chan = reply->element[1];
	data = reply->element[2];
	if (kind->type != REDIS_REPLY_STRING ||
	    chan->type != REDIS_REPLY_STRING ||
	    (cr = cl_room_by_chan(cl, chan->str, chan->len)) == NULL)
		return;
	if (strcmp(kind->str, "subscribe") == 0) {
		cr->confirmed = 1;
		if (cl->ready)
			cl_snapshot(cl, cr);
		return;
	}
	if (strcmp(kind->str, "message") != 0 ||
	    data->type != REDIS_REPLY_STRING)
		return;
	cl->m.messages++;
	cl->m.bytes_in += data->len;
	if (cw_parse((const uint8_t *)data->str, data->len, &rec) != 0 ||
	    rec.roomlen != cr->idlen ||
	    memcmp(rec.room, cr->id, cr->idlen) != 0) {
		cl->m.errors++;
		return;
	}
	if (rec.origin == cl->id)
		return;
	if (cr->snapping) {
		if (cr->nbuf >= CL_BUF_MAX ||
		    (m = calloc(1, sizeof(*m))) == NULL) {
			cl->m.errors++;
			return;
		}
		m->rec = rec;
		*cr->buf_tail = m;
		cr->buf_tail = &m->next;
		cr->nbuf++;
		return;
	}
	pthread_mutex_lock(&cl->sd->rdv_lock);
	cl_apply(cl, &rec, clock_ms());
	pthread_mutex_unlock(&cl->sd->rdv_lock);
}

static void
cl_subscribe(struct cluster *cl, struct cl_room *cr)
{
	const char	*argv[2];
	size_t		 len[2];

	if (!cl->sub_up || cr->subscribed)
		return;
	argv[0] = "SUBSCRIBE"; len[0] = 9;
	argv[1] = cr->chan; len[1] = strlen(cr->chan);
	if (cl_send(cl, cl->sub, cl_sub_cb, NULL, 2, argv, len) == 0) {
		cr->subscribed = 1;
		cr->snapping = 1;
	}
}

void
cl_room_open(struct cluster *cl, const uint8_t *id, size_t len)
{
	struct cl_room	*cr;
	unsigned	 h;

	if (len == 0 || len > STUN_RDV_ROOM_MAX ||
	    cl_room_find(cl, id, len) != NULL)
		return;
	if ((cr = calloc(1, sizeof(*cr))) == NULL) {
		cl->m.errors++;
		return;
	}
	memcpy(cr->id, id, len);
	cr->idlen = len;
	cr->buf_tail = &cr->buf;
	cl_room_names(cl, id, len, cr->key, sizeof(cr->key), cr->chan,
	    sizeof(cr->chan));
	h = cl_room_hash(id, len);
	cr->next = cl->room[h];
	cl->room[h] = cr;
	cl->nrooms++;
	cl->m.rooms = cl->nrooms;
	cl_subscribe(cl, cr);
}

void
cl_room_close(struct cluster *cl, const uint8_t *id, size_t len)
{
	struct cl_room	**pp, *cr;
	const char	 *argv[2];
	size_t		  n[2];

	if (len == 0 || len > STUN_RDV_ROOM_MAX)
		return;
	for (pp = &cl->room[cl_room_hash(id, len)]; (cr = *pp) != NULL;
	    pp = &cr->next)
		if (cr->idlen == len && memcmp(cr->id, id, len) == 0)
			break;
	if (cr == NULL)
		return;
	if (cr->subscribed && cl->sub_up) {
		argv[0] = "UNSUBSCRIBE"; n[0] = 11;
		argv[1] = cr->chan; n[1] = strlen(cr->chan);
		(void)cl_send(cl, cl->sub, NULL, NULL, 2, argv, n);
	}
	*pp = cr->next;
	cl_buf_free(cr);
	free(cr);
	cl->nrooms--;
	cl->m.rooms = cl->nrooms;
}

void
cl_room_subscribe_all(struct cluster *cl)
{
	struct cl_room	*cr;
	unsigned	 i;

	for (i = 0; i < CL_HASH; i++)
		for (cr = cl->room[i]; cr != NULL; cr = cr->next)
			cl_subscribe(cl, cr);
}

void
cl_room_lost_sub(struct cluster *cl)
{
	struct cl_room	*cr;
	unsigned	 i;

	for (i = 0; i < CL_HASH; i++)
		for (cr = cl->room[i]; cr != NULL; cr = cr->next) {
			cr->subscribed = 0;
			cr->confirmed = 0;
			cr->snapping = 0;
			cl_buf_free(cr);
		}
}

/* Keep the hashes of our rooms alive; snapshot those subscribed early. */
void
cl_room_refresh(struct cluster *cl)
{
	struct cl_room	*cr;
	const char	*argv[3];
	size_t		 len[3];
	unsigned	 i;

	for (i = 0; i < CL_HASH; i++)
		for (cr = cl->room[i]; cr != NULL; cr = cr->next) {
			argv[0] = "PEXPIRE"; len[0] = 7;
			argv[1] = cr->key; len[1] = strlen(cr->key);
			argv[2] = CL_ROOM_TTL; len[2] = strlen(CL_ROOM_TTL);
			(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
			/* Subscribed before the secret was settled. */
			if (cr->confirmed && cr->snapping)
				cl_snapshot(cl, cr);
		}
}

/* Is a room's hash still being read? */
int
cl_room_snapping(const struct cluster *cl)
{
	const struct cl_room	*cr;
	unsigned		 i;

	for (i = 0; i < CL_HASH; i++)
		for (cr = cl->room[i]; cr != NULL; cr = cr->next)
			if (cr->snapping)
				return (1);
	return (0);
}

void
cl_room_free_all(struct cluster *cl)
{
	struct cl_room	*cr;
	unsigned	 i;

	for (i = 0; i < CL_HASH; i++)
		while ((cr = cl->room[i]) != NULL) {
			cl->room[i] = cr->next;
			cl_buf_free(cr);
			free(cr);
		}
	cl->nrooms = 0;
}

/* A local change for the other instances: hash and channel. */
void
cl_publish(struct cluster *cl, const struct rooms_fleet_ev *ev)
{
	struct cw_rec	 rec;
	uint8_t		 buf[CW_MAX];
	char		 key[80], chan[96], field[9];
	const char	*argv[4];
	size_t		 len[4];
	int		 n;

	memset(&rec, 0, sizeof(rec));
	rec.origin = cl->id;
	memcpy(rec.room, ev->room, ev->roomlen);
	rec.roomlen = ev->roomlen;
	rec.member = ev->member;
	switch (ev->type) {
	case ROOMS_FL_JOIN:
		rec.type = CW_JOIN;
		rec.go_since = ev->go_since;
		rec.info = ev->info;
		rec.has_relayed = ev->has_relayed;
		rec.relayed = ev->relayed;
		break;
	case ROOMS_FL_LEAVE:
		rec.type = CW_LEAVE;
		break;
	case ROOMS_FL_TIMEOUT:
		rec.type = CW_TIMEOUT;
		break;
	case ROOMS_FL_GO:
		/* For the instance of peer: its member, ours, our RTT. */
		rec.type = CW_GO;
		rec.member = ev->peer;
		rec.peer = ev->member;
		rec.value = ev->rtt;
		break;
	default:
		return;
	}
	if ((n = cw_build(&rec, buf, sizeof(buf))) < 0) {
		cl->m.errors++;
		return;
	}
	cl_room_names(cl, ev->room, ev->roomlen, key, sizeof(key), chan,
	    sizeof(chan));
	snprintf(field, sizeof(field), "%08" PRIx32, ev->member);
	if (rec.type == CW_JOIN) {
		argv[0] = "HSET"; len[0] = 4;
		argv[1] = key; len[1] = strlen(key);
		argv[2] = field; len[2] = 8;
		argv[3] = (const char *)buf; len[3] = (size_t)n;
		(void)cl_send(cl, cl->cmd, NULL, NULL, 4, argv, len);
		argv[0] = "PEXPIRE"; len[0] = 7;
		argv[2] = CL_ROOM_TTL; len[2] = strlen(CL_ROOM_TTL);
		(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
	} else if (rec.type == CW_LEAVE || rec.type == CW_TIMEOUT) {
		argv[0] = "HDEL"; len[0] = 4;
		argv[1] = key; len[1] = strlen(key);
		argv[2] = field; len[2] = 8;
		(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
	}
	argv[0] = "PUBLISH"; len[0] = 7;
	argv[1] = chan; len[1] = strlen(chan);
	argv[2] = (const char *)buf; len[2] = (size_t)n;
	(void)cl_send(cl, cl->cmd, NULL, NULL, 3, argv, len);
}

/* Every local member again, after a (re)connection. */
void
cl_republish(struct cluster *cl)
{
	struct rooms_fleet_ev	 ev[32];
	unsigned		 cursor = 0, n, i, rounds;

	if (cl->sd->rooms == NULL)
		return;
	for (rounds = 0; rounds < 1000000; rounds++) {
		pthread_mutex_lock(&cl->sd->rdv_lock);
		n = rooms_fleet_list(cl->sd->rooms, &cursor, ev, 32);
		pthread_mutex_unlock(&cl->sd->rdv_lock);
		for (i = 0; i < n; i++)
			cl_publish(cl, &ev[i]);
		if (n < 32)
			break;
	}
}

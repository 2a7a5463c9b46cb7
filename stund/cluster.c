/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's connection to the fleet's Redis: two asynchronous hiredis
 * connections on the main event loop (commands, and the channels of the
 * rooms followed), reconnection with backoff, the shared rendezvous
 * secret, the registry of live instances and their load, the queue that
 * carries the room table's fleet events from any thread to the main one,
 * and the metrics.  Nothing here ever blocks a packet.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/clock.h"
#include "common/log.h"
#include "auth.h"
#include "clusterint.h"
#include "rdvio.h"
#include "relay.h"
#include "stund.h"

#define CL_TICK_MS	200
#define CL_REG_MS	1000	/* registry refresh */
#define CL_INST_TTL	"3000"	/* ms an instance key lives unrefreshed */
#define CL_REFRESH_MS	120000	/* room hash TTL refresh */
#define CL_CONNECT_MS	3000	/* connect and PING timeout */
#define CL_BACKOFF_MIN	250
#define CL_BACKOFF_MAX	4000
#define CL_NEW_OWNER_MS	3000	/* an owner seen so recently is alive */

static void	cl_down(struct cluster *, const char *);

/* The host once, at start: no name is looked up on the event loop. */
static int
cl_resolve(struct cluster *cl, const char *name, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cluster: %s: %s", name,
		    gai_strerror(rc));
		return (-1);
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, cl->host,
	    sizeof(cl->host), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		snprintf(err, errlen, "cluster: %s: no address", name);
		return (-1);
	}
	return (0);
}

/* "redis://HOST[:PORT][/DB]": 0, or -1 with a message. */
static int
cl_parse_url(struct cluster *cl, const char *url, char *err, size_t errlen)
{
	char		 host[256], *p, *end;
	const char	*s;
	size_t		 n;
	long		 v;

	cl->port = 6379;
	cl->db = 0;
	if (strncmp(url, "rediss://", 9) == 0) {
#ifdef HAVE_HIREDIS_SSL
		snprintf(err, errlen, "cluster: TLS to Redis is not "
		    "supported yet: use redis:// over a private network");
#else
		snprintf(err, errlen, "cluster: this stund was built with a "
		    "hiredis without TLS: rediss:// cannot be used");
#endif
		return (-1);
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "cluster: %s: not a redis:// URL", url);
		return (-1);
	}
	s = url + 8;
	if (strchr(s, '@') != NULL) {
		snprintf(err, errlen, "cluster: no password in the URL: use "
		    "cluster-password-file or STUND_REDIS_PASSWORD");
		return (-1);
	}
	n = strcspn(s, "/");
	if (n == 0 || n >= sizeof(host)) {
		snprintf(err, errlen, "cluster: %s: no host", url);
		return (-1);
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (s[n] == '/' && s[n + 1] != '\0') {
		errno = 0;
		v = strtol(s + n + 1, &end, 10);
		if (errno != 0 || *end != '\0' || v < 0 || v > 65535) {
			snprintf(err, errlen, "cluster: %s: bad database", url);
			return (-1);
		}
		cl->db = (int)v;
	}
	p = host;
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL) {
			snprintf(err, errlen, "cluster: %s: bad host", url);
			return (-1);
		}
		*end = '\0';
		p = host + 1;
		end++;
	} else if ((end = strrchr(host, ':')) != NULL &&
	    strchr(host, ':') != end)
		end = NULL;	/* a bare IPv6 address: no port */
	else if (end == NULL)
		end = host + strlen(host);
	if (end != NULL && *end == ':') {
		*end++ = '\0';
		errno = 0;
		v = strtol(end, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 65535) {
			snprintf(err, errlen, "cluster: %s: bad port", url);
			return (-1);
		}
		cl->port = (int)v;
	}
	return (cl_resolve(cl, p, err, errlen));
}

/* The password: cluster-password-file, else STUND_REDIS_PASSWORD. */
static int
cl_password(struct cluster *cl, const struct conf *c, char *err,
    size_t errlen)
{
	const char	*env;
	char		*text = NULL;
	size_t		 len = 0;

	if (c->cluster_password_file[0] != '\0') {
		if (conf_read_file(c->cluster_password_file,
		    sizeof(cl->password), &text, &len, err, errlen) == -1)
			return (-1);
		while (len > 0 && (text[len - 1] == '\n' ||
		    text[len - 1] == '\r'))
			len--;
		if (len == 0 || len >= sizeof(cl->password) ||
		    memchr(text, '\0', len) != NULL) {
			OPENSSL_cleanse(text, len);
			free(text);
			snprintf(err, errlen, "cluster: %s: not one line of "
			    "password", c->cluster_password_file);
			return (-1);
		}
		memcpy(cl->password, text, len);
		cl->password[len] = '\0';
		OPENSSL_cleanse(text, len);
		free(text);
	} else if ((env = getenv("STUND_REDIS_PASSWORD")) != NULL &&
	    env[0] != '\0') {
		if (strlen(env) >= sizeof(cl->password)) {
			snprintf(err, errlen, "cluster: STUND_REDIS_PASSWORD "
			    "is too long");
			return (-1);
		}
		snprintf(cl->password, sizeof(cl->password), "%s", env);
	}
	return (0);
}

/* A command as arguments, counted (RESP bytes).  0 or -1. */
int
cl_send(struct cluster *cl, redisAsyncContext *ac,
    void (*cb)(redisAsyncContext *, void *, void *), void *priv, int argc,
    const char **argv, const size_t *len)
{
	uint64_t	bytes = 16;
	int		i;

	if (ac == NULL)
		return (-1);
	for (i = 0; i < argc; i++)
		bytes += len[i] + 8;
	if (redisAsyncCommandArgv(ac, cb, priv, argc, argv, len) != REDIS_OK) {
		cl->m.errors++;
		return (-1);
	}
	cl->m.commands++;
	cl->m.bytes_out += bytes;
	return (0);
}

/* What the table returned for a fleet call: out, and new fleet events. */
void
cl_out(struct cluster *cl)
{
	rdvio_fleet_send(cl->sd, cl->out);
	cluster_take(cl, cl->out);
}

static uint64_t
cl_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
cl_reply_ok(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	redisReply	*reply = r;

	(void)priv;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
		cl->m.errors++;
		log_warnx("cluster: Redis: %.*s", (int)reply->len, reply->str);
	}
}

/* The instance registry: who is live and how loaded; redirect targets. */
static void
cl_alt_pick(struct cluster *cl)
{
	const struct cw_inst	*in, *b4 = NULL, *b6 = NULL, **b;
	unsigned		 i;

	for (i = 0; i < cl->ninst; i++) {
		in = &cl->inst[i].in;
		if (!cl->inst[i].live || in->id == cl->id ||
		    in->max_allocs == 0 || in->allocs >= in->max_allocs)
			continue;
		b = in->addr.family == STUN_AF_INET6 ? &b6 : &b4;
		/* Least loaded: the lowest allocations / cap. */
		if (*b == NULL || (uint64_t)in->allocs * (*b)->max_allocs <
		    (uint64_t)(*b)->allocs * in->max_allocs)
			*b = in;
	}
	pthread_mutex_lock(&cl->alt_lock);
	cl->has_alt4 = b4 != NULL;
	if (b4 != NULL)
		cl->alt4 = b4->addr;
	cl->has_alt6 = b6 != NULL;
	if (b6 != NULL)
		cl->alt6 = b6->addr;
	pthread_mutex_unlock(&cl->alt_lock);
}

static int
cl_inst_live(const struct cluster *cl, uint64_t id)
{
	unsigned	i;

	for (i = 0; i < cl->ninst; i++)
		if (cl->inst[i].in.id == id && cl->inst[i].live)
			return (1);
	return (0);
}

int
cl_inst_dead(const struct cluster *cl, uint64_t id)
{
	unsigned	i;

	for (i = 0; i < cl->ngone; i++)
		if (cl->gone[i] == id)
			return (1);
	return (0);
}

/*
 * Owners of remote members that the registry no longer lists: their
 * instance died or lost Redis.  One first heard of lately is spared: its
 * registry entry may be younger than the list just read.
 */
static void
cl_owners_check(struct cluster *cl)
{
	uint64_t	 owners[CL_INST_MAX];
	unsigned	 n, i;
	uint64_t	 now = clock_ms();

	/*
	 * Not right after (re)connecting: the others' members come back by
	 * snapshot and republication under their new ids meanwhile.
	 */
	if (cl->sd->rooms == NULL || now - cl->ready_at < CL_NEW_OWNER_MS ||
	    cl_room_snapping(cl))
		return;
	pthread_mutex_lock(&cl->sd->rdv_lock);
	n = rooms_fleet_owners(cl->sd->rooms, owners, CL_INST_MAX, now,
	    CL_NEW_OWNER_MS);
	for (i = 0; i < n; i++) {
		if (cl_inst_live(cl, owners[i]))
			continue;
		log_info("cluster: instance %016" PRIx64 " is gone: its "
		    "members time out unless they come back", owners[i]);
		cl->m.instance_gone++;
		if (cl->ngone < CL_INST_MAX)
			cl->gone[cl->ngone++] = owners[i];
		else {
			memmove(cl->gone, cl->gone + 1,
			    (CL_INST_MAX - 1) * sizeof(cl->gone[0]));
			cl->gone[CL_INST_MAX - 1] = owners[i];
		}
		rooms_fleet_orphan(cl->sd->rooms, owners[i], now);
	}
	pthread_mutex_unlock(&cl->sd->rdv_lock);
}

struct cl_ids {
	unsigned	 n;
	uint64_t	 id[CL_INST_MAX];
};

static void
cl_mget_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	redisReply	*reply = r, *e;
	struct cl_ids	*ids = priv;
	struct cw_inst	 in;
	const char	*argv[3];
	size_t		 len[3];
	char		 hex[17];
	unsigned	 i, n = 0;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != ids->n) {
		if (reply != NULL)
			cl->m.errors++;
		free(ids);
		return;
	}
	for (i = 0; i < reply->elements && n < CL_INST_MAX; i++) {
		e = reply->element[i];
		if (e->type == REDIS_REPLY_STRING) {
			cl->m.bytes_in += e->len;
			if (cw_parse_inst((const uint8_t *)e->str, e->len,
			    &in) == 0 && in.id == ids->id[i]) {
				cl->inst[n].in = in;
				cl->inst[n].live = 1;
				n++;
				continue;
			}
			cl->m.errors++;
		}
		/* Expired: out of the set too. */
		snprintf(hex, sizeof(hex), "%016" PRIx64, ids->id[i]);
		argv[0] = "SREM"; len[0] = 4;
		argv[1] = CL_PREFIX "instances"; len[1] = strlen(argv[1]);
		argv[2] = hex; len[2] = 16;
		(void)cl_send(cl, cl->cmd, cl_reply_ok, NULL, 3, argv, len);
	}
	cl->ninst = n;
	cl->m.instances = n;
	free(ids);
	cl_alt_pick(cl);
	cl_owners_check(cl);
}

static void
cl_smembers_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	redisReply	*reply = r, *e;
	struct cl_ids	*ids;
	const char	*argv[1 + CL_INST_MAX];
	size_t		 len[1 + CL_INST_MAX];
	char		 keys[CL_INST_MAX][32];
	unsigned	 i;
	char		*end;

	(void)priv;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		return;
	if ((ids = calloc(1, sizeof(*ids))) == NULL)
		return;
	argv[0] = "MGET";
	len[0] = 4;
	for (i = 0; i < reply->elements && ids->n < CL_INST_MAX; i++) {
		e = reply->element[i];
		if (e->type != REDIS_REPLY_STRING || e->len != 16)
			continue;
		ids->id[ids->n] = strtoull(e->str, &end, 16);
		if (end != e->str + 16 || ids->id[ids->n] == 0)
			continue;
		snprintf(keys[ids->n], sizeof(keys[0]), CL_PREFIX "i:%.16s",
		    e->str);
		argv[1 + ids->n] = keys[ids->n];
		len[1 + ids->n] = strlen(keys[ids->n]);
		ids->n++;
	}
	if (ids->n == 0 || cl_send(cl, cl->cmd, cl_mget_cb, ids,
	    (int)(1 + ids->n), argv, len) == -1)
		free(ids);
}

static void
cl_ping_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	uint64_t	 now = clock_ms();

	(void)priv;
	if (r == NULL || cl->ping_at == 0)
		return;
	cl->m.rtt_ms = now - cl->ping_at;
	cl->ping_at = 0;
}

/* This instance's load, the packets a second since the last call. */
static void
cl_load(struct cluster *cl, struct cw_inst *in, uint64_t now)
{
	struct stund	*sd = cl->sd;
	uint64_t	 pkts = 0;
	unsigned	 w, i, k;

	memset(in, 0, sizeof(*in));
	in->id = cl->id;
	in->addr = sd->srv.local[STUN_SRV_PP];
	if (in->addr.port == 0)
		in->addr.port = sd->bound[STUN_SRV_PP].port;
	if (sd->relay_quota != NULL && sd->workers[0].rio != NULL) {
		in->allocs = __atomic_load_n(&sd->relay_quota->total,
		    __ATOMIC_RELAXED);
		in->max_allocs = sd->relay_quota->max_total;
		if (in->max_allocs == 0)
			in->max_allocs = UINT32_MAX;
	}
	if (sd->rooms != NULL)
		in->members = (uint32_t)__atomic_load_n(&sd->rooms->m.members,
		    __ATOMIC_RELAXED);
	for (w = 0; w < sd->nworkers; w++)
		for (i = 0; i < CNT_NMETH; i++)
			for (k = 0; k < 4; k++)
				pkts += CNT_GET(&sd->workers[w].cnt.in_pkts[i][k]);
	if (cl->pkts_at != 0 && now > cl->pkts_at)
		cl->pps = (uint32_t)((pkts - cl->pkts) * 1000 /
		    (now - cl->pkts_at));
	cl->pkts = pkts;
	cl->pkts_at = now;
	in->pps = cl->pps;
}

static void
cl_register(struct cluster *cl, uint64_t now)
{
	struct cw_inst	 in;
	uint8_t		 rec[64];
	char		 key[32], hex[17];
	const char	*argv[5];
	size_t		 len[5];
	int		 n;

	cl_load(cl, &in, now);
	if ((n = cw_build_inst(&in, rec, sizeof(rec))) < 0)
		return;
	snprintf(hex, sizeof(hex), "%016" PRIx64, cl->id);
	snprintf(key, sizeof(key), CL_PREFIX "i:%s", hex);
	argv[0] = "SET"; len[0] = 3;
	argv[1] = key; len[1] = strlen(key);
	argv[2] = (const char *)rec; len[2] = (size_t)n;
	argv[3] = "PX"; len[3] = 2;
	argv[4] = CL_INST_TTL; len[4] = strlen(CL_INST_TTL);
	(void)cl_send(cl, cl->cmd, cl_reply_ok, NULL, 5, argv, len);
	argv[0] = "SADD"; len[0] = 4;
	argv[1] = CL_PREFIX "instances"; len[1] = strlen(argv[1]);
	argv[2] = hex; len[2] = 16;
	(void)cl_send(cl, cl->cmd, cl_reply_ok, NULL, 3, argv, len);
	if (cl->ping_at == 0) {
		argv[0] = "PING"; len[0] = 4;
		if (cl_send(cl, cl->cmd, cl_ping_cb, NULL, 1, argv, len) == 0)
			cl->ping_at = now;
	}
	argv[0] = "SMEMBERS"; len[0] = 8;
	argv[1] = CL_PREFIX "instances"; len[1] = strlen(argv[1]);
	(void)cl_send(cl, cl->cmd, cl_smembers_cb, NULL, 2, argv, len);
}

/* The fleet's secret: ours when we are first (SET NX), else theirs. */
static void
cl_secret_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct cluster	*cl = ac->data;
	redisReply	*reply = r;
	struct rooms	*rooms = cl->sd->rooms;
	uint64_t	 now = clock_ms();

	(void)priv;
	if (reply == NULL)
		return;
	if (rooms != NULL) {
		if (reply->type != REDIS_REPLY_STRING ||
		    reply->len != ROOMS_SECRET_LEN) {
			cl->m.errors++;
			cl_down(cl, "no rendezvous secret in Redis");
			return;
		}
		pthread_mutex_lock(&cl->sd->rdv_lock);
		if (CRYPTO_memcmp(rooms->c.secret, reply->str,
		    ROOMS_SECRET_LEN) != 0) {
			rooms_fleet_set_secret(rooms,
			    (const uint8_t *)reply->str);
			log_info("cluster: the fleet's rendezvous secret "
			    "replaces ours");
		}
		pthread_mutex_unlock(&cl->sd->rdv_lock);
	}
	cl->ready = 1;
	cl->ready_at = now;
	cl->backoff = 0;
	if (cl->down_since != 0)
		log_info("cluster: Redis %s:%d is back after %" PRIu64
		    " ms; instance %016" PRIx64, cl->host, cl->port,
		    now - cl->down_since, cl->id);
	else
		log_info("cluster: connected to Redis %s:%d db %d as "
		    "instance %016" PRIx64, cl->host, cl->port, cl->db,
		    cl->id);
	cl->down_since = 0;
	cl_register(cl, now);
	cl->reg_at = now + CL_REG_MS;
	cl_republish(cl);
	cl_room_refresh(cl);
	cl->refresh_at = now + CL_REFRESH_MS;
}

static void
cl_auth(struct cluster *cl, redisAsyncContext *ac)
{
	const char	*argv[2];
	size_t		 len[2];

	if (cl->password[0] == '\0')
		return;
	argv[0] = "AUTH"; len[0] = 4;
	argv[1] = cl->password; len[1] = strlen(cl->password);
	(void)cl_send(cl, ac, cl_reply_ok, NULL, 2, argv, len);
}

static void
cl_cmd_start(struct cluster *cl)
{
	const char	*argv[4];
	size_t		 len[4];
	char		 db[16];
	uint8_t		 secret[ROOMS_SECRET_LEN];

	cl_auth(cl, cl->cmd);
	snprintf(db, sizeof(db), "%d", cl->db);
	argv[0] = "SELECT"; len[0] = 6;
	argv[1] = db; len[1] = strlen(db);
	(void)cl_send(cl, cl->cmd, cl_reply_ok, NULL, 2, argv, len);
	if (cl->sd->rooms != NULL) {
		pthread_mutex_lock(&cl->sd->rdv_lock);
		memcpy(secret, cl->sd->rooms->c.secret, sizeof(secret));
		pthread_mutex_unlock(&cl->sd->rdv_lock);
		argv[0] = "SET"; len[0] = 3;
		argv[1] = CL_PREFIX "secret"; len[1] = strlen(argv[1]);
		argv[2] = (const char *)secret; len[2] = sizeof(secret);
		argv[3] = "NX"; len[3] = 2;
		(void)cl_send(cl, cl->cmd, cl_reply_ok, NULL, 4, argv, len);
		OPENSSL_cleanse(secret, sizeof(secret));
		argv[0] = "GET"; len[0] = 3;
		(void)cl_send(cl, cl->cmd, cl_secret_cb, NULL, 2, argv, len);
	} else {
		argv[0] = "PING"; len[0] = 4;
		(void)cl_send(cl, cl->cmd, cl_secret_cb, NULL, 1, argv, len);
	}
}

static void
cl_connect_cb(const redisAsyncContext *ac, int status)
{
	struct cluster	*cl = ac->data;

	if (status != REDIS_OK) {
		if (ac == cl->cmd)
			cl->cmd = NULL;
		if (ac == cl->sub)
			cl->sub = NULL;
		cl_down(cl, ac->errstr[0] != '\0' ? ac->errstr :
		    "cannot connect");
		return;
	}
	if (ac == cl->cmd) {
		cl->cmd_up = 1;
		cl_cmd_start(cl);
	} else if (ac == cl->sub) {
		cl->sub_up = 1;
		cl_auth(cl, cl->sub);
		cl_room_subscribe_all(cl);
	}
	if (cl->cmd_up && cl->sub_up)
		cl->m.connected = 1;
}

static void
cl_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct cluster	*cl = ac->data;

	(void)status;
	if (ac == cl->cmd)
		cl->cmd = NULL;
	else if (ac == cl->sub)
		cl->sub = NULL;
	else
		return;		/* freed by us */
	cl_down(cl, ac->errstr[0] != '\0' ? ac->errstr : "connection lost");
}

static redisAsyncContext *
cl_open(struct cluster *cl)
{
	redisAsyncContext	*ac;

	if ((ac = redisAsyncConnect(cl->host, cl->port)) == NULL)
		return (NULL);
	if (ac->err != 0 || redisLibeventAttach(ac, cl->base) != REDIS_OK) {
		redisAsyncFree(ac);
		return (NULL);
	}
	ac->data = cl;
	redisAsyncSetConnectCallback(ac, cl_connect_cb);
	redisAsyncSetDisconnectCallback(ac, cl_disconnect_cb);
	return (ac);
}

static void
cl_connect(struct cluster *cl, uint64_t now)
{
	uint8_t	id[8];
	int	i;

	/* A new id for each session: what the last one left expires. */
	do {
		if (RAND_bytes(id, sizeof(id)) != 1)
			return;
		for (cl->id = 0, i = 0; i < 8; i++)
			cl->id = cl->id << 8 | id[i];
	} while (cl->id == 0);
	cl->connect_at = now;
	cl->cmd_up = cl->sub_up = 0;
	cl->ping_at = 0;
	if ((cl->cmd = cl_open(cl)) == NULL ||
	    (cl->sub = cl_open(cl)) == NULL) {
		cl_down(cl, "cannot make a connection");
		return;
	}
	cl->m.connects++;
}

/*
 * Redis is gone (or a connection, or an answer): close both, keep
 * serving, try again with backoff.  Remote members stay until Redis has
 * been away for a member timeout.
 */
static void
cl_down(struct cluster *cl, const char *why)
{
	redisAsyncContext	*ac;
	uint64_t		 now = clock_ms();

	if (cl->connect_at == 0)
		return;		/* already down */
	cl->connect_at = 0;
	cl->ready = 0;
	cl->cmd_up = cl->sub_up = 0;
	cl->m.connected = 0;
	cl->ping_at = 0;
	cl_room_lost_sub(cl);
	if ((ac = cl->cmd) != NULL) {
		cl->cmd = NULL;
		redisAsyncFree(ac);
	}
	if ((ac = cl->sub) != NULL) {
		cl->sub = NULL;
		redisAsyncFree(ac);
	}
	if (cl->down_since == 0) {
		cl->down_since = now;
		cl->m.disconnects++;
		log_warnx("cluster: Redis %s:%d unreachable (%s): serving "
		    "local rooms, retrying", cl->host, cl->port, why);
	}
	cl->backoff = cl->backoff == 0 ? CL_BACKOFF_MIN :
	    cl->backoff * 2 > CL_BACKOFF_MAX ? CL_BACKOFF_MAX :
	    cl->backoff * 2;
	cl->retry_at = now + cl->backoff;
}

void
cluster_take(struct cluster *cl, const struct rooms_out *out)
{
	unsigned	i;

	if (cl == NULL || out->nfl == 0)
		return;
	for (i = 0; i < out->nfl; i++) {
		if (cl->qn >= CL_QUEUE) {
			cl->qlost = 1;
			cl->m.queue_drops++;
			continue;
		}
		cl->q[(cl->qhead + cl->qn) % CL_QUEUE] = out->fl[i];
		cl->qn++;
	}
	event_active(cl->wake, EV_READ, 0);
}

/* The queued fleet events, on the main thread. */
static void
cl_drain(struct cluster *cl)
{
	struct rooms_fleet_ev	 batch[64];
	unsigned		 n, i, rounds;
	int			 lost;

	for (rounds = 0; rounds < CL_QUEUE / 64 + 1; rounds++) {
		pthread_mutex_lock(&cl->sd->rdv_lock);
		for (n = 0; n < 64 && cl->qn > 0; n++) {
			batch[n] = cl->q[cl->qhead];
			cl->qhead = (cl->qhead + 1) % CL_QUEUE;
			cl->qn--;
		}
		lost = cl->qlost || cl->sd->rooms->fl_overflow != 0;
		cl->qlost = 0;
		cl->sd->rooms->fl_overflow = 0;
		pthread_mutex_unlock(&cl->sd->rdv_lock);
		for (i = 0; i < n; i++) {
			if (batch[i].type == ROOMS_FL_OPEN)
				cl_room_open(cl, batch[i].room,
				    batch[i].roomlen);
			else if (batch[i].type == ROOMS_FL_CLOSE)
				cl_room_close(cl, batch[i].room,
				    batch[i].roomlen);
			else if (cl->ready)
				cl_publish(cl, &batch[i]);
		}
		if (lost && cl->connect_at != 0) {
			/* Events were lost: start a new session afresh. */
			log_warnx("cluster: fleet events lost; reconnecting");
			cl_down(cl, "event queue overflow");
		}
		if (n < 64)
			break;
	}
}

static void
cl_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cl_drain(arg);
}

static void
cl_tick(evutil_socket_t fd, short what, void *arg)
{
	struct cluster	*cl = arg;
	struct stund	*sd = cl->sd;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	if (sd->rooms != NULL) {
		pthread_mutex_lock(&sd->rdv_lock);
		rooms_fleet_clock(sd->rooms, (int64_t)(cl_wall_ms() - now));
		pthread_mutex_unlock(&sd->rdv_lock);
	}
	if (cl->connect_at == 0 && now >= cl->retry_at)
		cl_connect(cl, now);
	else if (cl->connect_at != 0 && !cl->ready &&
	    now - cl->connect_at > CL_CONNECT_MS)
		cl_down(cl, "no answer to connect");
	else if (cl->ping_at != 0 && now - cl->ping_at > CL_CONNECT_MS)
		cl_down(cl, "no answer to PING");
	if (cl->ready && now >= cl->reg_at) {
		cl_register(cl, now);
		cl->reg_at = now + CL_REG_MS;
	}
	if (cl->ready && now >= cl->refresh_at) {
		cl_room_refresh(cl);
		cl->refresh_at = now + CL_REFRESH_MS;
	}
	cl_drain(cl);
}

int
cluster_init(struct stund *sd, char *err, size_t errlen)
{
	const struct conf	*c = sd->conf;
	struct cluster		*cl;
	struct timeval		 tv = { 0, CL_TICK_MS * 1000 };

	if (c->cluster[0] == '\0')
		return (0);
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->q = calloc(CL_QUEUE, sizeof(*cl->q))) == NULL ||
	    (cl->out = calloc(1, sizeof(*cl->out))) == NULL) {
		if (cl != NULL)
			free(cl->q);
		free(cl);
		snprintf(err, errlen, "cluster: out of memory");
		return (-1);
	}
	cl->sd = sd;
	cl->base = sd->base;
	if (pthread_mutex_init(&cl->alt_lock, NULL) != 0) {
		free(cl->q);
		free(cl->out);
		free(cl);
		snprintf(err, errlen, "cluster: cannot create a mutex");
		return (-1);
	}
	sd->cluster = cl;
	if (cl_parse_url(cl, c->cluster, err, errlen) == -1 ||
	    cl_password(cl, c, err, errlen) == -1)
		return (-1);
	if ((cl->tick = event_new(sd->base, -1, EV_PERSIST, cl_tick,
	    cl)) == NULL || (cl->wake = event_new(sd->base, -1, 0, cl_wake,
	    cl)) == NULL || evtimer_add(cl->tick, &tv) == -1) {
		snprintf(err, errlen, "cluster: cannot add the timer");
		return (-1);
	}
	if (sd->rooms != NULL) {
		pthread_mutex_lock(&sd->rdv_lock);
		sd->rooms->c.fleet = 1;
		rooms_fleet_clock(sd->rooms,
		    (int64_t)(cl_wall_ms() - clock_ms()));
		pthread_mutex_unlock(&sd->rdv_lock);
	}
	cl_connect(cl, clock_ms());
	return (0);
}

void
cluster_free(struct stund *sd)
{
	struct cluster		*cl = sd->cluster;
	redisAsyncContext	*ac;

	if (cl == NULL)
		return;
	cl->connect_at = 0;	/* no more cl_down() work */
	if ((ac = cl->cmd) != NULL) {
		cl->cmd = NULL;
		redisAsyncFree(ac);
	}
	if ((ac = cl->sub) != NULL) {
		cl->sub = NULL;
		redisAsyncFree(ac);
	}
	cl_room_free_all(cl);
	if (cl->tick != NULL)
		event_free(cl->tick);
	if (cl->wake != NULL)
		event_free(cl->wake);
	pthread_mutex_destroy(&cl->alt_lock);
	OPENSSL_cleanse(cl->password, sizeof(cl->password));
	free(cl->q);
	free(cl->out);
	free(cl);
	sd->cluster = NULL;
}

int
cluster_alternate(struct cluster *cl, uint8_t family, struct stun_addr *alt)
{
	int	ok;

	if (cl == NULL)
		return (-1);
	pthread_mutex_lock(&cl->alt_lock);
	if (family == STUN_AF_INET6) {
		ok = cl->has_alt6;
		*alt = cl->alt6;
	} else {
		ok = cl->has_alt4;
		*alt = cl->alt4;
	}
	pthread_mutex_unlock(&cl->alt_lock);
	if (!ok)
		return (-1);
	__atomic_fetch_add(&cl->m.redirects, 1, __ATOMIC_RELAXED);
	return (0);
}

void
cluster_metrics(struct stund *sd, struct evbuffer *b)
{
	static const struct {
		const char	*name, *type, *help;
		size_t		 off;
	} f[] = {
#define M(x)	offsetof(struct cl_metrics, x)
	{ "stund_cluster_connected", "gauge",
	  "1 while both Redis connections are up.", M(connected) },
	{ "stund_cluster_instances", "gauge",
	  "Live instances in the registry, this one included.",
	  M(instances) },
	{ "stund_cluster_rooms", "gauge",
	  "Rooms followed through Redis (with local members).", M(rooms) },
	{ "stund_cluster_commands_total", "counter",
	  "Redis commands sent.", M(commands) },
	{ "stund_cluster_sent_bytes_total", "counter",
	  "Bytes of Redis commands sent.", M(bytes_out) },
	{ "stund_cluster_messages_total", "counter",
	  "Room channel messages received.", M(messages) },
	{ "stund_cluster_received_bytes_total", "counter",
	  "Bytes of records received from Redis.", M(bytes_in) },
	{ "stund_cluster_errors_total", "counter",
	  "Redis error replies and malformed records.", M(errors) },
	{ "stund_cluster_disconnects_total", "counter",
	  "Times Redis became unreachable.", M(disconnects) },
	{ "stund_cluster_connects_total", "counter",
	  "Connection attempts to Redis.", M(connects) },
	{ "stund_cluster_queue_drops_total", "counter",
	  "Fleet events lost to a full queue.", M(queue_drops) },
	{ "stund_cluster_redirects_total", "counter",
	  "Allocates answered 300 ALTERNATE-SERVER.", M(redirects) },
	{ "stund_cluster_instances_gone_total", "counter",
	  "Instances seen to leave the registry.", M(instance_gone) },
	{ "stund_cluster_snapshots_total", "counter",
	  "Room hashes read.", M(snapshots) },
	{ "stund_cluster_redis_rtt_ms", "gauge",
	  "The last PING round trip to Redis, ms.", M(rtt_ms) },
#undef M
	};
	struct cluster	*cl = sd->cluster;
	uint64_t	 v;
	size_t		 i;

	evbuffer_add_printf(b, "# HELP stund_cluster_enabled 1 when "
	    "--cluster is set.\n# TYPE stund_cluster_enabled gauge\n"
	    "stund_cluster_enabled %d\n", cl != NULL);
	if (cl == NULL)
		return;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = __atomic_load_n((uint64_t *)((char *)&cl->m + f[i].off),
		    __ATOMIC_RELAXED);
		evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
		    f[i].name, f[i].help, f[i].name, f[i].type, f[i].name,
		    (unsigned long long)v);
	}
	v = 0;
	if (sd->rooms != NULL) {
		pthread_mutex_lock(&sd->rdv_lock);
		v = sd->rooms->remote;
		pthread_mutex_unlock(&sd->rdv_lock);
	}
	evbuffer_add_printf(b, "# HELP stund_cluster_remote_members Members "
	    "of followed rooms registered on other instances.\n"
	    "# TYPE stund_cluster_remote_members gauge\n"
	    "stund_cluster_remote_members %llu\n", (unsigned long long)v);
}

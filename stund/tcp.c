/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * STUN over TCP and TLS (RFC 8489 6.2.2): connections stay open for any
 * number of requests until the client closes them or they sit idle.
 * Frames are cut with stun_frame_len() from a bounded input buffer and
 * handed to the route; every write into a connection goes through
 * tcp_send(), and a client that does not read its answers is closed.
 * Runs in the main thread, which also owns the config, so it reads
 * sd->conf unlocked.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "proxy.h"
#include "rdvio.h"
#include "relayio.h"
#include "route.h"
#include "stund.h"

#define TCP_FRAME_MAX	(4096)		/* largest request we read */
#define TCP_READ_MAX	(8192)		/* input high watermark */
#define TCP_OUT_MAX	(65536)		/* unread after a read: close */
#define TCP_SEND_MAX	(256 * 1024)	/* unread: drop what comes */

/*
 * A second after the last connection went (and none came back), give the
 * heap the connections grew back to the system: glibc keeps freed memory
 * otherwise, and RSS would stay at the high-water mark of a burst.
 */
static void
tcp_trim(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;

	(void)fd;
	(void)what;
#ifdef HAVE_MALLOC_TRIM
	if (sd->nconns == 0)
		(void)malloc_trim(0);
#else
	(void)sd;
#endif
}

static void
tcp_close(struct tcp_conn *c)
{
	struct stund	*sd = c->sd;

	relayio_stream_gone(c);
	rdvio_stream_gone(c);
	TAILQ_REMOVE(&sd->conns, c, entry);
	sd->nconns--;
	bufferevent_free(c->bev);
	free(c);
	if (sd->nconns == 0 && sd->trim_ev != NULL &&
	    !evtimer_pending(sd->trim_ev, NULL)) {
		static const struct timeval second = { 1, 0 };

		(void)evtimer_add(sd->trim_ev, &second);
	}
}

/*
 * Admission and deadlines, so that one source cannot take the connection
 * table and a client cannot hold a slot by trickling bytes: at most
 * tcp-source-max connections from one source (IPv4 address, IPv6 /64),
 * the last tcp-reserved slots (at most a quarter of tcp-max) only for
 * sources that hold none, a TLS handshake done within
 * tcp-handshake-timeout, and a request whole within tcp-request-timeout
 * of its first byte.  A sweep each second closes what is late.  Refusals
 * count as drops tcp_source (tcp_cap when the table is full), closings
 * as tcp_deadline.
 */
#define TCP_SWEEP_MS	1000

/* Same source: the IPv4 address, or the IPv6 /64. */
static int
tcp_same_source(const struct stun_addr *a, const struct stun_addr *b)
{
	if (a->family != b->family)
		return (0);
	return (memcmp(a->ip, b->ip, a->family == STUN_AF_INET ? 4 : 8) == 0);
}

/*
 * 0 when a connection from peer may join (self: the connection itself,
 * already counted, once a PROXY header named its client; else NULL),
 * else its DROP_* reason.
 */
static int
tcp_admit(const struct stund *sd, const struct stun_addr *peer,
    const struct tcp_conn *self)
{
	const struct conf	*cf = sd->conf;
	const struct tcp_conn	*c;
	unsigned		 n = 0, others, reserved;

	others = sd->nconns - (self != NULL ? 1 : 0);
	if (others >= cf->tcp_max)
		return (DROP_TCP_CAP);
	/* One pass over at most tcp-max connections. */
	TAILQ_FOREACH(c, &sd->conns, entry)
		if (c != self && !c->proxy &&
		    tcp_same_source(&c->peer, peer) &&
		    ++n >= cf->tcp_source_max)
			return (DROP_TCP_SOURCE);
	reserved = cf->tcp_max / 4;
	if (cf->tcp_reserved < reserved)
		reserved = cf->tcp_reserved;
	if (n > 0 && cf->tcp_max - others <= reserved)
		return (DROP_TCP_SOURCE);
	return (0);
}

/*
 * Behind PROXY the client is known once the header is in: its cap then.
 * 0, or -1 when c was closed.
 */
static int
tcp_admit_proxied(struct tcp_conn *c)
{
	int	drop;

	if ((drop = tcp_admit(c->sd, &c->peer, c)) == 0)
		return (0);
	CNT_ADD(&c->sd->tcp_cnt.drops[drop], 1);
	tcp_close(c);
	return (-1);
}

/* A new connection: a TLS handshake must end in time. */
static void
tcp_deadline_start(struct tcp_conn *c, uint64_t now)
{
	c->handshake = c->tls;
	c->deadline = c->tls ?
	    now + (uint64_t)c->sd->conf->tcp_handshake * 1000 : 0;
}

/* The handshake is done (or a frame was whole): no deadline. */
static void
tcp_deadline_clear(struct tcp_conn *c)
{
	c->handshake = 0;
	c->deadline = 0;
}

/* After a read: bytes left over begin a request, which gets a deadline. */
static void
tcp_deadline_read(struct tcp_conn *c, size_t left, uint64_t now)
{
	c->handshake = 0;
	if (left == 0)
		c->deadline = 0;
	else if (c->deadline == 0)
		c->deadline = now + (uint64_t)c->sd->conf->tcp_request * 1000;
}

static void
tcp_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;
	struct tcp_conn	*c, *next;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&sd->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->deadline != 0 && now >= c->deadline) {
			CNT_ADD(&sd->tcp_cnt.drops[DROP_TCP_DEADLINE], 1);
			tcp_close(c);
		}
	}
}

static int
tcp_sweep_init(struct stund *sd)
{
	struct timeval	tv = { TCP_SWEEP_MS / 1000, 0 };

	sd->tcp_sweep = event_new(sd->base, -1, EV_PERSIST, tcp_sweep, sd);
	if (sd->tcp_sweep == NULL || event_add(sd->tcp_sweep, &tv) != 0)
		return (-1);
	return (0);
}

static void
tcp_sweep_free(struct stund *sd)
{
	if (sd->tcp_sweep != NULL)
		event_free(sd->tcp_sweep);
	sd->tcp_sweep = NULL;
}
/* End of admission and deadlines. */

/*
 * Plain TCP writes its answers at once, from the read callback, and asks
 * libevent for EV_WRITE only while the kernel cannot take them all.  (A
 * bufferevent with EV_WRITE enabled adds and removes the write event, two
 * epoll_ctl calls and an extra loop turn, for every batch of answers.)
 * TLS leaves writing to its bufferevent.
 */
void
tcp_flush(struct tcp_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (c->tls || evbuffer_get_length(out) == 0)
		return;
	/*
	 * A socket bufferevent freezes the start of its output so that only
	 * it drains it; its own write callback thaws it the same way.
	 */
	evbuffer_unfreeze(out, 1);
	(void)evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	/* Left over, or an error: libevent writes the rest or reports it. */
	if (evbuffer_get_length(out) != 0)
		bufferevent_enable(c->bev, EV_WRITE);
}

static void
tcp_free_record(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

/*
 * TLS: each message in a chain of its own, which the TLS bufferevent
 * writes with one SSL_write, so each message is one TLS record.  A stream
 * may carry any number of messages per record, but some clients (coturn's
 * turnutils_uclient among them) take each record read for one message
 * and lose the rest of it.  0 or -1.
 */
static int
tcp_send_record(struct evbuffer *out, const uint8_t *buf, size_t len)
{
	uint8_t	*copy;

	if ((copy = malloc(len)) == NULL)
		return (-1);
	memcpy(copy, buf, len);
	if (evbuffer_add_reference(out, copy, len, tcp_free_record,
	    NULL) != 0) {
		free(copy);
		return (-1);
	}
	return (0);
}

int
tcp_send(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 have = evbuffer_get_length(out);

	if (have > TCP_SEND_MAX || len > TCP_SEND_MAX - have)
		return (-1);
	if (c->tls ? tcp_send_record(out, buf, len) != 0 :
	    bufferevent_write(c->bev, buf, len) != 0)
		return (-1);
	/* Outside tcp_read(), nothing calls tcp_flush(): libevent writes. */
	if (!c->reading)
		bufferevent_enable(c->bev, EV_WRITE);
	return (0);
}

/* The output drained: plain TCP goes back to writing from tcp_flush(). */
static void
tcp_written(struct bufferevent *bev, void *arg)
{
	struct tcp_conn	*c = arg;

	if (!c->tls)
		bufferevent_disable(bev, EV_WRITE);
}

/* One frame, STUN or ChannelData, through the route; the answer back. */
static void
tcp_frame(struct tcp_conn *c, const struct route *rt, const uint8_t *p,
    size_t len, uint64_t now)
{
	struct route_pkt	 pkt;
	struct stun_msg		 m;
	uint8_t			 buf[STUN_SRV_MIN_CAP];

	tcp_deadline_clear(c);
	memset(&pkt.in, 0, sizeof(pkt.in));
	/* One TLS port per address: no RFC 5780 over TLS. */
	pkt.in.sock = c->tls ? STUND_SET_BASE(c->sock) + STUN_SRV_PP :
	    c->sock;
	pkt.in.stream = 1;
	pkt.in.src = c->peer;
	pkt.buf = p;
	pkt.len = len;
	pkt.now = now;
	pkt.m = &m;
	memset(&pkt.out, 0, sizeof(pkt.out));
	pkt.out.buf = buf;
	pkt.out.cap = sizeof(buf);
	if (route_packet(rt, &pkt) == ROUTE_SEND)
		(void)tcp_send(c, pkt.out.buf, pkt.out.len);
}

/* The route for c's frames: the main thread's snapshot, worker 0. */
static void
tcp_route(struct tcp_conn *c, struct route *rt, struct stun_server_conf *sc)
{
	struct stund	*sd = c->sd;

	*sc = STUND_SET_BASE(c->sock) != 0 ? sd->srv6 : sd->srv;
	sc->software = sd->conf->software[0] != '\0' ? sd->conf->software :
	    NULL;
	if (c->tls) {
		sc->two_addr = 0;
		sc->local[STUN_SRV_PP] = c->local;
	}
	memset(rt, 0, sizeof(*rt));
	rt->t = &sd->route_stream;
	rt->sd = sd;
	rt->w = &sd->workers[0];
	rt->cnt = &sd->tcp_cnt;
	rt->c = sd->conf;
	rt->sc = rt->sc6 = sc;
	rt->conn = c;
}

static void	tcp_read(struct bufferevent *, void *);
static void	tcp_written(struct bufferevent *, void *);
static void	tcp_event(struct bufferevent *, short, void *);

/* Callbacks, watermark and idle timeout of a connection's bufferevent. */
static void
tcp_bev_setup(struct tcp_conn *c, unsigned timeout)
{
	struct timeval	 tv;

	bufferevent_setcb(c->bev, tcp_read, tcp_written, tcp_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, TCP_READ_MAX);
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/*
 * A rendezvous member keeps its connection open, idle between keepalives:
 * the idle timeout becomes at least member-timeout, after which the room
 * table has expired a silent member anyway.  A connection without a
 * member keeps tcp-idle.
 */
void
tcp_keep_member(struct tcp_conn *c)
{
	const struct conf	*cf = c->sd->conf;
	unsigned		 t = cf->tcp_idle;

	c->rdv_member = 1;
	if (t < cf->member_timeout)
		t = cf->member_timeout;
	if (!c->proxy)
		tcp_bev_setup(c, t);
}

/*
 * The PROXY v2 header of a connection from a load balancer: the client
 * it names becomes c->peer for answers, TURN and the log.  TLS starts
 * after it, over the bytes that follow.  Returns 1 when the header is
 * in, 0 to wait for more, -1 when c was closed.
 */
static int
tcp_proxy(struct tcp_conn *c)
{
	struct stund		*sd = c->sd;
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct bufferevent	*tls;
	struct proxy_hdr	 h;
	const uint8_t		*p;
	size_t			 n, want;
	char			 a[64];
	int			 r;
	SSL			*ssl;

	n = evbuffer_get_length(in);
	want = n < PROXY_HDR_MAX ? n : PROXY_HDR_MAX;
	if ((p = evbuffer_pullup(in, (ssize_t)want)) == NULL)
		goto close;
	if ((r = proxy_v2_decode(p, want, &h)) == 0)
		return (0);
	if (r < 0) {
		if (log_getlevel() >= LOG_LEVEL_DEBUG &&
		    stun_addr_format(&c->peer, a, sizeof(a)) == 0)
			log_debug("tcp: %s: no valid PROXY v2 header", a);
		goto close;
	}
	evbuffer_drain(in, (size_t)r);
	if (h.has_addr)
		c->peer = h.src;
	c->proxy = 0;
	if (tcp_admit_proxied(c) != 0)
		return (-1);
	if (!c->tls) {
		tcp_bev_setup(c, sd->conf->tcp_idle);
		return (1);
	}
	if ((ssl = SSL_new(sd->ssl_ctx)) == NULL ||
	    (tls = bufferevent_openssl_filter_new(sd->base, c->bev, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto close;
	c->bev = tls;
	tcp_bev_setup(c, sd->conf->tcp_idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* The ClientHello may have come with the header: read it now. */
	if (evbuffer_get_length(in) != 0)
		bufferevent_trigger(bufferevent_get_underlying(tls), EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	return (0);
close:
	CNT_ADD(&sd->tcp_cnt.drops[DROP_PROXY], 1);
	tcp_close(c);
	return (-1);
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn		*c = arg;
	struct evbuffer		*input = bufferevent_get_input(bev);
	struct stun_server_conf	 sc;
	struct route		 rt;
	const uint8_t		*p;
	uint64_t		 now = clock_ms();
	size_t			 n, want;
	int			 r;

	/* Plain TCP keeps its bufferevent; TLS goes on in a new one. */
	if (c->proxy && tcp_proxy(c) != 1)
		return;
	tcp_route(c, &rt, &sc);
	c->reading = 1;
	/* Each round drains at least 4 bytes: bounded by the buffer. */
	while ((n = evbuffer_get_length(input)) > 0) {
		want = n < TCP_FRAME_MAX ? n : TCP_FRAME_MAX;
		if ((p = evbuffer_pullup(input, (ssize_t)want)) == NULL)
			goto close;
		r = stun_frame_len(p, want, TCP_FRAME_MAX, NULL);
		if (r == STUN_ERR_NEED_MORE) {
			if (n >= TCP_FRAME_MAX)
				goto bad;
			break;
		}
		if (r <= 0)
			goto bad;
		tcp_frame(c, &rt, p, (size_t)r, now);
		evbuffer_drain(input, (size_t)r);
	}
	c->reading = 0;
	tcp_deadline_read(c, evbuffer_get_length(input), now);
	/* What the relay queued for peers, then the answers. */
	relayio_flush(&c->sd->workers[0]);
	tcp_flush(c);
	if (evbuffer_get_length(bufferevent_get_output(bev)) > TCP_OUT_MAX) {
		CNT_ADD(&c->sd->tcp_cnt.drops[DROP_TCP_OUTPUT], 1);
		goto close;
	}
	return;
bad:
	CNT_ADD(&c->sd->tcp_cnt.drops[DROP_TCP_FRAME], 1);
close:
	tcp_close(c);
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn	*c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		tcp_close(c);
	else if (what & BEV_EVENT_CONNECTED)
		tcp_deadline_clear(c);	/* the TLS handshake is done */
}

static void
tcp_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct tcp_lslot	*ls = arg;
	struct stund		*sd = ls->sd;
	struct tcp_conn		*c = NULL;
	struct stun_addr	 peer;
	SSL			*ssl;
	int			 drop = DROP_TCP_CAP, one = 1;

	(void)lev;
	(void)salen;
	/* Behind PROXY, the load balancer's address: the total cap only. */
	if (sock_to_stun(sa, &peer) == -1 ||
	    (drop = ls->proxy ? (sd->nconns >= sd->conf->tcp_max ?
	    DROP_TCP_CAP : 0) : tcp_admit(sd, &peer, NULL)) != 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		CNT_ADD(&sd->tcp_cnt.drops[drop != 0 ? drop : DROP_TCP_CAP],
		    1);
		close(fd);
		return;
	}
	c->peer = peer;
	if (sock_local(fd, &c->local) == -1) {
		free(c);
		close(fd);
		return;
	}
	/*
	 * Answers and relayed data are small writes that must leave at
	 * once: Nagle would hold one until the client's delayed ACK, which
	 * a TURN client sending at a steady pace gives only with its next
	 * packet.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->sd = sd;
	c->sock = ls->sock;
	c->tls = ls->tls;
	tcp_deadline_start(c, clock_ms());
	c->proxy = ls->proxy;
	/* Behind PROXY, TLS begins after the header (tcp_proxy()). */
	if (ls->tls && !ls->proxy) {
		if ((ssl = SSL_new(sd->ssl_ctx)) == NULL) {
			free(c);
			close(fd);
			return;
		}
		c->bev = bufferevent_openssl_socket_new(sd->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		c->bev = bufferevent_socket_new(sd->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		close(fd);
		return;
	}
	/* The header has its own deadline, proxy-timeout. */
	tcp_bev_setup(c, c->proxy ? sd->conf->proxy_timeout :
	    sd->conf->tcp_idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* A new bufferevent has EV_WRITE on; plain TCP uses tcp_flush(). */
	if (!ls->tls || ls->proxy)
		bufferevent_disable(c->bev, EV_WRITE);
	TAILQ_INSERT_TAIL(&sd->conns, c, entry);
	sd->nconns++;
	sd->conns_total++;
}

static void
tcp_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct stund	*sd = arg;
	int		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < STUND_NSOCK; i++) {
		if (sd->tcp_lev[i] != NULL)
			evconnlistener_enable(sd->tcp_lev[i]);
		if (sd->tls_lev[i] != NULL)
			evconnlistener_enable(sd->tls_lev[i]);
	}
}

/* Out of descriptors: stop accepting for a second (tmux server.c). */
static void
tcp_accept_error(struct evconnlistener *lev, void *arg)
{
	struct stund	*sd = arg;
	struct timeval	 tv = { 1, 0 };
	int		 i;

	(void)lev;
	if (errno != EMFILE && errno != ENFILE)
		return;
	log_warnx("out of file descriptors: not accepting for 1 s");
	for (i = 0; i < STUND_NSOCK; i++) {
		if (sd->tcp_lev[i] != NULL)
			evconnlistener_disable(sd->tcp_lev[i]);
		if (sd->tls_lev[i] != NULL)
			evconnlistener_disable(sd->tls_lev[i]);
	}
	evtimer_add(sd->accept_pause, &tv);
}

int
tcp_tls_load(struct stund *sd, const struct conf *c, char *err,
    size_t errlen)
{
	SSL_CTX		*ctx;
	unsigned long	 e, last = 0;
	char		 why[256];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, c->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	if (sd->ssl_ctx != NULL)
		SSL_CTX_free(sd->ssl_ctx);	/* SSLs hold a ref */
	sd->ssl_ctx = ctx;
	return (0);
fail:
	/* The last error names the file's problem; reasons may be NULL. */
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (access(c->cert, R_OK) == -1)
		snprintf(err, errlen, "tls: cert %s: %s", c->cert,
		    strerror(errno));
	else if (access(c->key, R_OK) == -1)
		snprintf(err, errlen, "tls: key %s: %s", c->key,
		    strerror(errno));
	else {
		if (last != 0)
			ERR_error_string_n(last, why, sizeof(why));
		snprintf(err, errlen, "tls: cert %s, key %s: %s (want a PEM "
		    "certificate chain and its private key)", c->cert, c->key,
		    last != 0 ? why : "cannot load");
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (-1);
}

static struct evconnlistener *
tcp_listener(struct stund *sd, int fd, struct tcp_lslot *ls)
{
	struct evconnlistener	*lev;

	lev = evconnlistener_new(sd->base, tcp_accept, ls,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (lev != NULL)
		evconnlistener_set_error_cb(lev, tcp_accept_error);
	return (lev);
}

int
tcp_init(struct stund *sd, char *err, size_t errlen)
{
	int	 i;

	TAILQ_INIT(&sd->conns);
	sd->accept_pause = evtimer_new(sd->base, tcp_accept_resume, sd);
	if (sd->accept_pause == NULL)
		goto fail;
	if ((sd->trim_ev = evtimer_new(sd->base, tcp_trim, sd)) == NULL)
		goto fail;
	if (tcp_sweep_init(sd) != 0)
		goto fail;
	for (i = 0; i < STUND_NSOCK; i++) {
		sd->tcp_slot[i].sd = sd;
		sd->tcp_slot[i].sock = i;
		sd->tcp_slot[i].tls = 0;
		sd->tcp_slot[i].proxy = sd->conf->proxy_tcp;
		sd->tls_slot[i] = sd->tcp_slot[i];
		sd->tls_slot[i].tls = 1;
		sd->tls_slot[i].proxy = sd->conf->proxy_tls;
		if (sd->tcp_fd[i] != -1) {
			sd->tcp_lev[i] = tcp_listener(sd, sd->tcp_fd[i],
			    &sd->tcp_slot[i]);
			if (sd->tcp_lev[i] == NULL)
				goto fail;
			sd->tcp_fd[i] = -1;	/* the listener owns it */
		}
		if (sd->tls_fd[i] != -1) {
			sd->tls_lev[i] = tcp_listener(sd, sd->tls_fd[i],
			    &sd->tls_slot[i]);
			if (sd->tls_lev[i] == NULL)
				goto fail;
			sd->tls_fd[i] = -1;
		}
	}
	return (0);
fail:
	snprintf(err, errlen, "cannot set up tcp listeners");
	return (-1);
}

void
tcp_free(struct stund *sd)
{
	struct tcp_conn	*c;
	int		 i;

	while ((c = TAILQ_FIRST(&sd->conns)) != NULL)
		tcp_close(c);
	for (i = 0; i < STUND_NSOCK; i++) {
		if (sd->tcp_lev[i] != NULL)
			evconnlistener_free(sd->tcp_lev[i]);
		if (sd->tls_lev[i] != NULL)
			evconnlistener_free(sd->tls_lev[i]);
		sd->tcp_lev[i] = sd->tls_lev[i] = NULL;
		if (sd->tcp_fd[i] != -1)
			close(sd->tcp_fd[i]);
		if (sd->tls_fd[i] != -1)
			close(sd->tls_fd[i]);
		sd->tcp_fd[i] = sd->tls_fd[i] = -1;
	}
	if (sd->accept_pause != NULL)
		event_free(sd->accept_pause);
	sd->accept_pause = NULL;
	if (sd->trim_ev != NULL)
		event_free(sd->trim_ev);
	sd->trim_ev = NULL;
	tcp_sweep_free(sd);
	if (sd->ssl_ctx != NULL)
		SSL_CTX_free(sd->ssl_ctx);
	sd->ssl_ctx = NULL;
}

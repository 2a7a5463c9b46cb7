/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's connections to its servers over TCP and TLS, beside the UDP
 * socket: a libevent bufferevent per server (OpenSSL's for TLS, the
 * certificate checked against the system's store or --ca, and the name
 * against the server's), frames reassembled by libstun's stream reader
 * and handed to the router as if they were datagrams from the server.
 * Left to choose, a server is tried over UDP, then TCP, then TLS, each for
 * a bounded time, until one answers.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "chat/ctx.h"
#include "chat/srv.h"
#include "chat/tcppunch.h"
#include "chat/udpback.h"

#define SRV_RX_MAX	16384	/* bytes reassembled: a frame is smaller */
#define SRV_PEND	8	/* sends kept for a stream not up yet */
#define SRV_PEND_MAX	2048
#define SRV_TIDS	8	/* requests remembered per connection */

struct srv_pend {
	size_t		 len;
	uint8_t		 buf[SRV_PEND_MAX];
};

struct chat_srv {
	struct chat_ctx	*ctx;
	int		 role;		/* CHAT_SRV_RDV, CHAT_SRV_RELAY */
	struct stun_addr addr;		/* as the machines know it */
	char		 host[256];
	int		 mode;		/* CHAT_SRV_* */
	int		 cur;		/* the transport in use */
	uint16_t	 tls_port;
	int		 heard;		/* cur answered */
	int		 said;		/* the transport last heard (AUTO:
					   none yet) */
	uint64_t	 step_at;	/* AUTO: give cur up then (0: idle) */
	struct bufferevent *bev;
	int		 up;		/* bev connected */
	uint64_t	 retry_at;
	uint32_t	 backoff;
	struct stun_stream rx;
	uint8_t		 rxbuf[SRV_RX_MAX];
	struct srv_pend	 pend[SRV_PEND];
	unsigned	 npend;
	/* Requests written on this connection, not to be written again. */
	uint8_t		 tids[SRV_TIDS][STUN_TID_LEN];
	unsigned	 ntids;		/* how many are valid */
	unsigned	 tidnext;	/* the slot written next */
	/* AUTO, on a stream: is UDP back?  The stream left, kept until. */
	struct chat_udpb ub;
	uint64_t	 linger_until;
	int		 left;		/* the stream's transport, left */
};

struct chat_srvs {
	struct chat_srv	 s[CHAT_SRV_MAX];
	unsigned	 n;
	SSL_CTX		*tls;
};

static const char *
srv_name(int t)
{
	return (t == CHAT_SRV_TCP ? "tcp" : t == CHAT_SRV_TLS ? "tls" : "udp");
}

static struct chat_srvs *
srv_all(struct chat_ctx *ctx)
{
	if (ctx->srvs == NULL)
		ctx->srvs = calloc(1, sizeof(*ctx->srvs));
	return (ctx->srvs);
}

/* The server at a in role, else in the other role (role -1: any). */
static struct chat_srv *
srv_find(struct chat_ctx *ctx, int role, const struct stun_addr *a)
{
	struct chat_srv	*other = NULL;
	unsigned	 i;

	if (ctx->srvs == NULL)
		return (NULL);
	for (i = 0; i < ctx->srvs->n; i++) {
		if (!stun_addr_equal(&ctx->srvs->s[i].addr, a))
			continue;
		if (ctx->srvs->s[i].role == role)
			return (&ctx->srvs->s[i]);
		if (other == NULL)
			other = &ctx->srvs->s[i];
	}
	return (other);
}

static void
srv_label(const struct chat_srv *s, char *buf, size_t len)
{
	if (stun_addr_format(&s->addr, buf, len) != 0)
		snprintf(buf, len, "%.48s", s->host);
}

int
chat_srv_add(struct chat_ctx *ctx, int role, const struct stun_addr *addr,
    const char *host, int mode, uint16_t tls_port)
{
	struct chat_srvs	*all;
	struct chat_srv		*s;

	if ((all = srv_all(ctx)) == NULL)
		return (-1);
	if ((s = srv_find(ctx, role, addr)) != NULL && s->role == role)
		return (0);
	/* --relay alone: UDP or TCP on the rendezvous server's choice. */
	if (s != NULL && mode == CHAT_SRV_AUTO)
		return (0);
	if (all->n == CHAT_SRV_MAX)
		return (-1);
	s = &all->s[all->n++];
	s->ctx = ctx;
	s->role = role;
	s->addr = *addr;
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->mode = mode;
	s->cur = mode == CHAT_SRV_AUTO ? CHAT_SRV_UDP : mode;
	s->tls_port = tls_port;
	s->backoff = CHAT_SRV_RETRY;
	stun_stream_init(&s->rx, s->rxbuf, sizeof(s->rxbuf));
	chat_udpb_init(&s->ub, ctx->udp_probe_ms);
	return (0);
}

int
chat_srv_tls_init(struct chat_ctx *ctx, const char *cafile)
{
	struct chat_srvs	*all;
	SSL_CTX			*tls;

	if ((all = srv_all(ctx)) == NULL ||
	    (tls = SSL_CTX_new(TLS_client_method())) == NULL)
		return (-1);
	(void)SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
	if ((cafile != NULL ? SSL_CTX_load_verify_locations(tls, cafile,
	    NULL) : SSL_CTX_set_default_verify_paths(tls)) != 1) {
		SSL_CTX_free(tls);
		return (-1);
	}
	all->tls = tls;
	return (0);
}

/*
 * Close s's stream.  With reset, one given up while p2pchat runs, the
 * close is a reset: nothing is left to say on it, and a normal close by
 * us would hold its address pair in TIME_WAIT for a minute, during which
 * a connection again from the same port (the one TCP hole punching
 * listens on) fails.  At exit (reset 0) the last words are let out.
 */
static void
srv_close(struct chat_srv *s, int reset)
{
	struct linger	lg = { 1, 0 };
	evutil_socket_t	fd;

	if (reset && s->bev != NULL &&
	    (fd = bufferevent_getfd(s->bev)) != -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = NULL;
	s->up = 0;
	s->ntids = 0;
	s->tidnext = 0;
	s->linger_until = 0;
	stun_stream_init(&s->rx, s->rxbuf, sizeof(s->rxbuf));
}

/*
 * The transaction id of buf when it is a STUN request, else NULL.  The
 * machines retransmit on the schedule of a datagram; over a stream a
 * request already written is not written again (RFC 8489 6.2.2): the
 * connection either delivers it or dies, and a new one takes it again.
 */
static const uint8_t *
srv_request_tid(const uint8_t *buf, size_t len)
{
	uint16_t	method;
	uint8_t		cls;

	if (!stun_msg_is_stun(buf, len) ||
	    stun_msg_peek(buf, len, &method, &cls) != STUN_FRAME_STUN ||
	    cls != STUN_CLASS_REQUEST)
		return (NULL);
	return (buf + 8);
}

static int
srv_tid_written(const struct chat_srv *s, const uint8_t *tid)
{
	unsigned	i;

	for (i = 0; i < s->ntids; i++)
		if (memcmp(s->tids[i], tid, STUN_TID_LEN) == 0)
			return (1);
	return (0);
}

/* A frame out: ChannelData padded to 4 bytes, as streams want it. */
static void
srv_write(struct chat_srv *s, const uint8_t *buf, size_t len)
{
	static const uint8_t	 zero[4];
	struct evbuffer		*out = bufferevent_get_output(s->bev);
	const uint8_t		*tid = srv_request_tid(buf, len);
	size_t			 pad = 0;

	if (tid != NULL && srv_tid_written(s, tid))
		return;
	if (evbuffer_get_length(out) + len + 3 > CHAT_SRV_OUT_MAX) {
		/* Like a datagram lost: the machines send again. */
		log_debug("server stream full: %zu bytes dropped", len);
		return;
	}
	if (tid != NULL) {
		memcpy(s->tids[s->tidnext], tid, STUN_TID_LEN);
		s->tidnext = (s->tidnext + 1) % SRV_TIDS;
		if (s->ntids < SRV_TIDS)
			s->ntids++;
	}
	if (len > 0 && buf[0] >= 0x40 && buf[0] <= 0x7f)
		pad = (4 - len % 4) % 4;
	(void)bufferevent_write(s->bev, buf, len);
	if (pad > 0)
		(void)bufferevent_write(s->bev, zero, pad);
}

static void
srv_pend_flush(struct chat_srv *s)
{
	unsigned	i;

	for (i = 0; i < s->npend; i++)
		srv_write(s, s->pend[i].buf, s->pend[i].len);
	s->npend = 0;
}

static void
srv_pend_add(struct chat_srv *s, const uint8_t *buf, size_t len)
{
	if (len > SRV_PEND_MAX)
		return;
	if (s->npend == SRV_PEND) {
		memmove(&s->pend[0], &s->pend[1],
		    (SRV_PEND - 1) * sizeof(s->pend[0]));
		s->npend--;
	}
	memcpy(s->pend[s->npend].buf, buf, len);
	s->pend[s->npend++].len = len;
}

static void
srv_heard(struct chat_srv *s)
{
	char	buf[64];

	if (s->heard)
		return;
	s->heard = 1;
	s->step_at = 0;
	s->backoff = CHAT_SRV_RETRY;
	srv_label(s, buf, sizeof(buf));
	log_info("server %s answers over %s", buf, srv_name(s->cur));
	/*
	 * The rendezvous, left to choose and on a stream: ask over UDP now
	 * and then.  (A relay of its own stays where its allocation is.)
	 */
	if (s->mode == CHAT_SRV_AUTO && s->role == CHAT_SRV_RDV &&
	    s->cur != CHAT_SRV_UDP)
		chat_udpb_arm(&s->ub, clock_ms());
	else
		chat_udpb_stop(&s->ub);
	if (s->said != CHAT_SRV_AUTO && s->said != s->cur)
		chat_server_transport(s->ctx, s->role, &s->addr,
		    srv_name(s->said), srv_name(s->cur));
	s->said = s->cur;
}

/* ms to wait for an answer over t, left to choose. */
static uint32_t
srv_wait(int t)
{
	return (t == CHAT_SRV_UDP ? CHAT_SRV_UDP_WAIT : t == CHAT_SRV_TCP ?
	    CHAT_SRV_TCP_WAIT : CHAT_SRV_TLS_WAIT);
}

/*
 * The next frame on a stream: STUN_ERR_NEED_MORE until in holds a whole
 * one, else its length (frame points into rx until the next call) or a
 * STUN_ERR_* that condemns the stream.  Bytes move from in to rx only as
 * far as rx has room, so a stream costs its reassembly buffer and no more.
 */
int
chat_stream_next(struct evbuffer *in, struct stun_stream *rx,
    const uint8_t **frame)
{
	uint8_t		tmp[4096];
	ev_ssize_t	k;
	size_t		room, took;
	int		n;

	for (;;) {
		if ((n = stun_stream_pull(rx, frame, NULL)) !=
		    STUN_ERR_NEED_MORE)
			return (n);
		room = rx->cap - rx->len;
		if (room > sizeof(tmp))
			room = sizeof(tmp);
		if (room == 0 || (k = evbuffer_copyout(in, tmp, room)) <= 0)
			return (STUN_ERR_NEED_MORE);
		took = stun_stream_push(rx, tmp, (size_t)k);
		(void)evbuffer_drain(in, took);
		if (took == 0)
			return (STUN_ERR_NEED_MORE);
	}
}

static void
srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct chat_srv	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const uint8_t	*frame;
	int		 n;

	/* An input may close the stream: s->bev says so. */
	while (s->bev != NULL &&
	    (n = chat_stream_next(in, &s->rx, &frame)) != STUN_ERR_NEED_MORE) {
		if (n < 0) {
			log_warnx("server stream: %s: closing",
			    stun_strerror(n));
			srv_close(s, 1);
			break;
		}
		/* A stream left for UDP says nothing of UDP. */
		if (s->cur != CHAT_SRV_UDP)
			srv_heard(s);
		chat_server_input(s->ctx, &s->addr, frame, (size_t)n,
		    clock_ms());
	}
	chat_poke(s->ctx);
}

static void
srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct chat_srv	*s = arg;
	unsigned long	 e;
	const char	*why;
	char		 buf[64];
	int		 was = s->heard;

	(void)bev;
	srv_label(s, buf, sizeof(buf));
	/* The stream left for UDP: nothing lives on it any more. */
	if (s->cur == CHAT_SRV_UDP) {
		log_debug("server %s: the old stream is gone", buf);
		srv_close(s, 1);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		log_debug("server %s: %s connected", buf, srv_name(s->cur));
		s->up = 1;
		srv_pend_flush(s);
		return;
	}
	/* A certificate refused is worth a line; the rest is the ladder's. */
	if (s->cur == CHAT_SRV_TLS &&
	    (e = bufferevent_get_openssl_error(s->bev)) != 0 &&
	    (why = ERR_reason_error_string(e)) != NULL)
		log_warnx("server %s: TLS: %s", buf, why);
	else
		log_info("server %s: %s connection %s", buf,
		    srv_name(s->cur), (what & BEV_EVENT_EOF) ? "closed" :
		    "failed");
	srv_close(s, 1);
	/* Left to choose: the next send waits for an answer, or moves on. */
	s->heard = 0;
	chat_udpb_stop(&s->ub);
	s->retry_at = clock_ms() + s->backoff;
	if (s->backoff < CHAT_SRV_RETRY_MAX)
		s->backoff *= 2;
	/* What lived on a connection that worked died with it: look now. */
	if (was)
		chat_server_dropped(s->ctx, &s->addr, clock_ms());
	chat_poke(s->ctx);
}

static int
srv_ip_literal(const char *host)
{
	struct in6_addr	a;

	return (inet_pton(AF_INET, host, &a) == 1 ||
	    inet_pton(AF_INET6, host, &a) == 1);
}

/* Connect over cur (TCP or TLS): 0, or -1. */
static int
srv_connect(struct chat_srv *s)
{
	struct chat_srvs	*all = s->ctx->srvs;
	struct sockaddr_storage	 ss;
	struct stun_addr	 to = s->addr;
	SSL			*ssl = NULL;
	socklen_t		 sl;
	char			 buf[64];
	int			 fd = -1;

	srv_close(s, 1);
	if (s->cur == CHAT_SRV_TLS) {
		if (s->tls_port != 0)
			to.port = s->tls_port;
		if (all->tls == NULL || (ssl = SSL_new(all->tls)) == NULL)
			return (-1);
		if (srv_ip_literal(s->host)) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    s->host) != 1)
				goto fail;
		} else if (SSL_set1_host(ssl, s->host) != 1 ||
		    SSL_set_tlsext_host_name(ssl, s->host) != 1)
			goto fail;
	}
	/* The rendezvous: from the port peers punch TCP to (tcppunch.c). */
	if (s->role == CHAT_SRV_RDV)
		fd = chat_tcp_srv_socket(s->ctx, &to);
	if (s->cur == CHAT_SRV_TLS)
		s->bev = bufferevent_openssl_socket_new(s->ctx->base, fd, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	else
		s->bev = bufferevent_socket_new(s->ctx->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	ssl = NULL;	/* the bufferevent's, even on failure */
	if (s->bev == NULL) {
		if (fd != -1)
			close(fd);
		return (-1);
	}
	bufferevent_setcb(s->bev, srv_read_cb, NULL, srv_event_cb, s);
	if (bufferevent_enable(s->bev, EV_READ | EV_WRITE) != 0)
		goto fail;
	sl = sock_from_stun(&to, &ss);
	srv_label(s, buf, sizeof(buf));
	log_debug("server %s: connecting over %s to port %u", buf,
	    srv_name(s->cur), to.port);
	if (bufferevent_socket_connect(s->bev, (struct sockaddr *)&ss,
	    (int)sl) != 0) {
		/* The event callback may have run: bev may be gone. */
		srv_close(s, 1);
		return (-1);
	}
	return (0);
 fail:
	if (ssl != NULL)
		SSL_free(ssl);
	srv_close(s, 1);
	return (-1);
}

/* The next transport to try, AUTO only. */
static void
srv_step(struct chat_srv *s, uint64_t now)
{
	char	buf[64];
	int	from = s->cur;

	srv_close(s, 1);
	s->heard = 0;
	chat_udpb_stop(&s->ub);
	if (s->cur == CHAT_SRV_UDP)
		s->cur = CHAT_SRV_TCP;
	else if (s->cur == CHAT_SRV_TCP && s->tls_port != 0 &&
	    s->ctx->srvs->tls != NULL)
		s->cur = CHAT_SRV_TLS;
	else
		s->cur = CHAT_SRV_UDP;
	srv_label(s, buf, sizeof(buf));
	log_info("server %s: no answer over %s; trying %s", buf,
	    srv_name(from), srv_name(s->cur));
	/* What was sent goes again over the new one, and waits as long. */
	s->step_at = s->npend > 0 ? now + srv_wait(s->cur) : 0;
	s->retry_at = 0;
	s->backoff = CHAT_SRV_RETRY;
	if (s->cur != CHAT_SRV_UDP && srv_connect(s) != 0)
		s->retry_at = now + CHAT_SRV_RETRY;
}

/*
 * A TURN allocation made over s's stream lives and dies with it (and the
 * rendezvous server ends the one it offered once the member moves): the
 * relay, on UDP too from then on, must allocate anew.  That is cheap
 * while no peer's path goes through it, and breaks the relayed paths
 * otherwise: s stays on the stream while one does.
 */
static int
srv_holds_relay(struct chat_srv *s)
{
	const struct chat_relay	*rl = &s->ctx->relay;

	return (srv_find(s->ctx, CHAT_SRV_RELAY, &s->addr) == s &&
	    stun_addr_equal(&rl->server, &s->addr) &&
	    rl->state != CHAT_RELAY_S_IDLE &&
	    rl->state != CHAT_RELAY_S_FAILED &&
	    rl->state != CHAT_RELAY_S_CLOSED && chat_relay_busy(s->ctx));
}

/* A probe due: out of the UDP socket, to the server as the machines know it. */
static void
srv_probe(struct chat_srv *s, uint64_t now)
{
	struct sockaddr_storage	ss;
	uint8_t			buf[CHAT_UDPB_MSG];
	socklen_t		sl;
	char			lbl[64];
	int			n;

	n = chat_udpb_probe(&s->ub, now, srv_holds_relay(s), NULL, NULL, buf,
	    sizeof(buf));
	if (n <= 0)
		return;
	srv_label(s, lbl, sizeof(lbl));
	log_debug("server %s: asking over udp (probe %u)", lbl, s->ub.probes);
	sl = sock_from_stun(&s->addr, &ss);
	if (sendto(s->ctx->fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
	    sl) == -1)
		log_debug("server %s: udp probe: %s", lbl, strerror(errno));
}

/*
 * UDP answers again: the machines' sends take it from now on, and they
 * are told to register again, which moves the membership to our UDP
 * address.  The stream stays open (its answers still count) until that
 * registration is through (chat_srv_settled()), so that the server never
 * sees us leave.  The relay sharing the stream follows: its refresh over
 * UDP is refused, and it allocates anew over UDP.
 */
static void
srv_back(struct chat_srv *s, uint64_t now)
{
	char	buf[64];
	int	from = s->cur;

	/* A relayed path came up since the probe: later. */
	if (srv_holds_relay(s)) {
		chat_udpb_arm(&s->ub, now);
		return;
	}
	srv_label(s, buf, sizeof(buf));
	log_info("server %s: udp answers again; leaving %s", buf,
	    srv_name(from));
	s->left = from;
	s->cur = CHAT_SRV_UDP;
	s->heard = 1;
	s->npend = 0;
	s->step_at = 0;
	s->retry_at = 0;
	s->backoff = CHAT_SRV_RETRY;
	if (s->bev != NULL)
		s->linger_until = now + CHAT_SRV_LINGER;
	s->said = CHAT_SRV_UDP;
	chat_server_transport(s->ctx, s->role, &s->addr, srv_name(from),
	    srv_name(s->cur));
	chat_server_dropped(s->ctx, &s->addr, now);
}

/*
 * Back to UDP, and no registration got through there: UDP carries the
 * probe, not the rest (a firewall that drops the larger datagrams, say).
 * The stream was kept, and the membership with it: return to it and
 * register there again, so that the peers see nothing.  The probes go on
 * from the wait reached, not from the first.
 */
static void
srv_unback(struct chat_srv *s, uint64_t now)
{
	char	buf[64];

	srv_label(s, buf, sizeof(buf));
	log_info("server %s: no registration over udp; back to %s", buf,
	    srv_name(s->left));
	s->cur = s->left;
	s->linger_until = 0;
	s->npend = 0;
	s->step_at = 0;
	s->heard = 0;
	srv_heard(s);		/* the transport event, the next probe */
	chat_server_dropped(s->ctx, &s->addr, now);
}

int
chat_srv_udp_input(struct chat_ctx *ctx, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct chat_srv	*s;
	unsigned	 i;

	if (ctx->srvs == NULL)
		return (0);
	for (i = 0; i < ctx->srvs->n; i++) {
		s = &ctx->srvs->s[i];
		if (s->cur != CHAT_SRV_UDP && stun_addr_equal(&s->addr, from) &&
		    chat_udpb_input(&s->ub, buf, len, now)) {
			srv_back(s, now);
			return (1);
		}
	}
	return (0);
}

void
chat_srv_settled(struct chat_ctx *ctx, int role, const struct stun_addr *a)
{
	struct chat_srv	*s;
	char		 buf[64];

	if ((s = srv_find(ctx, role, a)) == NULL || s->cur != CHAT_SRV_UDP ||
	    s->bev == NULL)
		return;
	srv_label(s, buf, sizeof(buf));
	log_debug("server %s: registered over udp; closing the stream", buf);
	srv_close(s, 1);
	/*
	 * The relay's allocation ended with the stream: a refresh over UDP
	 * now, refused, has it allocate anew there.  The move's own check
	 * may be less than CHAT_RELAY_CHECK_MIN old; this one cannot wait.
	 */
	if (stun_addr_equal(&ctx->relay.server, &s->addr)) {
		ctx->relay.check_at = 0;
		chat_relay_check(&ctx->relay, clock_ms());
	}
}

int
chat_srv_send(struct chat_ctx *ctx, int role, const struct stun_addr *to,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct chat_srv	*s;

	if ((s = srv_find(ctx, role, to)) == NULL)
		return (0);
	if (s->mode == CHAT_SRV_AUTO && !s->heard && s->step_at == 0)
		s->step_at = now + srv_wait(s->cur);
	/*
	 * Moving back to UDP, not registered there yet: the relay's
	 * allocation lives on the stream until then, so its requests stay
	 * there.
	 */
	if (s->cur == CHAT_SRV_UDP && role == CHAT_SRV_RELAY &&
	    s->linger_until != 0 && s->up) {
		srv_write(s, buf, len);
		return (1);
	}
	if (s->cur == CHAT_SRV_UDP) {
		if (s->mode == CHAT_SRV_AUTO && !s->heard)
			srv_pend_add(s, buf, len);
		return (0);
	}
	if (s->up) {
		srv_write(s, buf, len);
		return (1);
	}
	srv_pend_add(s, buf, len);
	if (s->bev == NULL && now >= s->retry_at && srv_connect(s) != 0) {
		s->retry_at = now + s->backoff;
		if (s->backoff < CHAT_SRV_RETRY_MAX)
			s->backoff *= 2;
	}
	return (1);
}

void
chat_srv_heard(struct chat_ctx *ctx, const struct stun_addr *from)
{
	unsigned	i;

	if (ctx->srvs == NULL)
		return;
	for (i = 0; i < ctx->srvs->n; i++)
		if (stun_addr_equal(&ctx->srvs->s[i].addr, from) &&
		    ctx->srvs->s[i].cur == CHAT_SRV_UDP) {
			ctx->srvs->s[i].npend = 0;
			srv_heard(&ctx->srvs->s[i]);
		}
}

int
chat_srv_lost(struct chat_ctx *ctx, int role, const struct stun_addr *a)
{
	struct chat_srv	*s;

	if ((s = srv_find(ctx, role, a)) == NULL || s->mode != CHAT_SRV_AUTO ||
	    !s->heard)
		return (0);
	if (s->cur == CHAT_SRV_UDP && s->linger_until != 0 && s->up) {
		srv_unback(s, clock_ms());
		return (1);
	}
	s->heard = 0;
	s->step_at = 0;		/* the next send waits for an answer */
	chat_udpb_stop(&s->ub);
	return (0);
}

static void
srv_wake(uint64_t *wake, uint64_t at)
{
	if (at != 0 && (*wake == 0 || at < *wake))
		*wake = at;
}

void
chat_srv_timer(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct chat_srv	*s;
	unsigned	 i;

	*wake = 0;
	if (ctx->srvs == NULL)
		return;
	for (i = 0; i < ctx->srvs->n; i++) {
		s = &ctx->srvs->s[i];
		if (s->mode == CHAT_SRV_AUTO && !s->heard && s->step_at != 0 &&
		    now >= s->step_at)
			srv_step(s, now);
		/* Left for UDP and never settled: back to it, or let it go. */
		if (s->cur == CHAT_SRV_UDP && s->bev != NULL &&
		    s->linger_until != 0 && now >= s->linger_until) {
			if (s->up)
				srv_unback(s, now);
			else {
				log_debug("server: the old stream closed "
				    "unsettled");
				srv_close(s, 1);
			}
		}
		if (s->cur != CHAT_SRV_UDP && s->heard)
			srv_probe(s, now);
		/* Sends waiting for a connection: connect again. */
		if (s->cur != CHAT_SRV_UDP && s->bev == NULL &&
		    s->npend > 0 && now >= s->retry_at &&
		    srv_connect(s) != 0) {
			s->retry_at = now + s->backoff;
			if (s->backoff < CHAT_SRV_RETRY_MAX)
				s->backoff *= 2;
		}
		if (s->mode == CHAT_SRV_AUTO && !s->heard && s->step_at != 0 &&
		    (*wake == 0 || s->step_at < *wake))
			*wake = s->step_at;
		if (s->cur != CHAT_SRV_UDP && s->bev == NULL &&
		    s->npend > 0 && (*wake == 0 || s->retry_at < *wake))
			*wake = s->retry_at > now ? s->retry_at : now + 1;
		if (s->cur != CHAT_SRV_UDP && s->heard)
			srv_wake(wake, chat_udpb_wake(&s->ub));
		if (s->cur == CHAT_SRV_UDP && s->bev != NULL)
			srv_wake(wake, s->linger_until);
	}
}

const char *
chat_srv_transport(struct chat_ctx *ctx, int role, const struct stun_addr *a)
{
	struct chat_srv	*s;

	return ((s = srv_find(ctx, role, a)) == NULL ? "udp" :
	    srv_name(s->cur));
}

void
chat_srv_free(struct chat_ctx *ctx)
{
	unsigned	i;

	if (ctx->srvs == NULL)
		return;
	for (i = 0; i < ctx->srvs->n; i++)
		srv_close(&ctx->srvs->s[i], 0);
	if (ctx->srvs->tls != NULL)
		SSL_CTX_free(ctx->srvs->tls);
	free(ctx->srvs);
	ctx->srvs = NULL;
}

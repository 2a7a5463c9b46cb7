/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The events of p2pchat's web front end: each is kept, numbered, so that
 * a page loaded (or reconnected) later replays them and builds the same
 * picture, and is sent to every open event stream (Server-Sent Events in
 * a chunked reply of libevent's HTTP server).  What is kept is bounded:
 * the conversation goes first, the room and our registration stay.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "chat/p2pchat.h"
#include "chat/web.h"

#define WEB_KEEP_MAX		4096		/* events kept */
#define WEB_KEEP_BYTES		(4 << 20)	/* and their bytes */
#define WEB_STREAMS_MAX		8		/* open event streams */
#define WEB_STREAM_BUF		(8 << 20)	/* unsent bytes: a stuck page */
#define WEB_STREAM_WRITE_S	30		/* s to take what is sent */
#define WEB_PING_S		15		/* a comment on idle streams */
#define WEB_RETRY_MS		2000		/* the browser reconnects */
#define WEB_FLUSH_TRIES		50		/* of 20 ms each, at the end */

struct web_kept {
	TAILQ_ENTRY(web_kept) link;
	uint64_t	 seq;
	int		 kind;
	size_t		 len;
	char		 data[];	/* "id: N\ndata: {...}\n\n" */
};

struct web_stream {
	TAILQ_ENTRY(web_stream) link;
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
};

static struct {
	TAILQ_HEAD(, web_kept)	 kept;
	unsigned		 nkept;
	size_t			 bytes;
	uint64_t		 seq;
	TAILQ_HEAD(, web_stream) streams;
	unsigned		 nstreams;
	struct event		*ev_ping;
	struct evbuffer		*out;		/* for every stream */
	struct evbuffer		*tmp;
} wev;

/* The conversation may be forgotten first; the room and our id never. */
static int
web_ev_rank(int kind)
{
	switch (kind) {
	case EV_ROOM:
	case EV_REGISTERED:
		return (2);
	case EV_MESSAGE:
	case EV_SENT:
	case EV_DELIVERED:
	case EV_UNDELIVERED:
	case EV_ERROR:
		return (0);
	}
	return (1);
}

static void
web_ev_forget(struct web_kept *k)
{
	TAILQ_REMOVE(&wev.kept, k, link);
	wev.nkept--;
	wev.bytes -= k->len;
	free(k);
}

/* Over a bound: the oldest of the lowest rank goes. */
static void
web_ev_trim(void)
{
	struct web_kept	*k;
	int		 rank;

	while (wev.nkept > WEB_KEEP_MAX || wev.bytes > WEB_KEEP_BYTES) {
		for (rank = 0; rank < 2; rank++) {
			TAILQ_FOREACH(k, &wev.kept, link)
				if (web_ev_rank(k->kind) == rank)
					break;
			if (k != NULL)
				break;
		}
		if (k == NULL)
			return;
		web_ev_forget(k);
	}
}

static void
web_ev_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct web_stream	*s = arg;

	(void)evcon;
	/*
	 * The page went away mid-stream: libevent let go of the reply
	 * (still ours to free); when we close the connection, it frees it.
	 */
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	TAILQ_REMOVE(&wev.streams, s, link);
	wev.nstreams--;
	free(s);
}

/* Bytes written to s but not yet taken by the page. */
static size_t
web_ev_backlog(struct web_stream *s)
{
	struct bufferevent	*bev;

	bev = evhttp_connection_get_bufferevent(s->evcon);
	return (bev == NULL ? 0 : evbuffer_get_length(
	    bufferevent_get_output(bev)));
}

/*
 * Send what wev.out holds to every stream (emptying it).  A page that
 * does not read is dropped rather than buffered for without bound; the
 * browser reconnects and replays what it missed.
 */
static void
web_ev_send_all(void)
{
	struct web_stream	*s, *next;
	size_t			 len = evbuffer_get_length(wev.out);
	const unsigned char	*p;

	if (len == 0 || (p = evbuffer_pullup(wev.out, -1)) == NULL)
		goto out;
	for (s = TAILQ_FIRST(&wev.streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (web_ev_backlog(s) > WEB_STREAM_BUF) {
			log_warnx("web: a page does not read its events: "
			    "dropped");
			/* Calls web_ev_close_cb(), which frees s. */
			evhttp_connection_free(s->evcon);
			continue;
		}
		/* A chunk is moved out of its buffer: a copy for each. */
		if (evbuffer_add(wev.tmp, p, len) == 0)
			evhttp_send_reply_chunk(s->req, wev.tmp);
		evbuffer_drain(wev.tmp, evbuffer_get_length(wev.tmp));
	}
 out:
	evbuffer_drain(wev.out, len);
}

void
web_ev_add(int kind, const char *json, size_t len)
{
	struct web_kept	*k;
	char		 head[40];
	int		 hl;

	while (len > 0 && json[len - 1] == '\n')
		len--;
	hl = snprintf(head, sizeof(head), "id: %" PRIu64 "\ndata: ",
	    wev.seq + 1);
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return;
	if ((k = malloc(sizeof(*k) + (size_t)hl + len + 2)) == NULL) {
		log_warnx("web: out of memory: an event is not shown");
		return;
	}
	k->seq = ++wev.seq;
	k->kind = kind;
	memcpy(k->data, head, (size_t)hl);
	memcpy(k->data + hl, json, len);
	memcpy(k->data + hl + len, "\n\n", 2);
	k->len = (size_t)hl + len + 2;
	TAILQ_INSERT_TAIL(&wev.kept, k, link);
	wev.nkept++;
	wev.bytes += k->len;
	if (evbuffer_add(wev.out, k->data, k->len) == 0)
		web_ev_send_all();
	web_ev_trim();
}

static void
web_ev_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (evbuffer_add(wev.out, ": ping\n\n", 8) == 0)
		web_ev_send_all();
}

int
web_ev_stream(struct evhttp_request *req, uint64_t last, uint64_t ms)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct web_stream	*s;
	struct web_kept		*k;
	struct bufferevent	*bev;
	struct evbuffer		*b;
	struct timeval		 wr = { WEB_STREAM_WRITE_S, 0 };

	if (wev.nstreams == WEB_STREAMS_MAX ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return (-1);
	if ((b = evbuffer_new()) == NULL) {
		free(s);
		return (-1);
	}
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	/* Numbers from another run of p2pchat on this port: all again. */
	if (last > wev.seq)
		last = 0;
	/* When it is (the events' "ms"), the past, then "ready". */
	evbuffer_add_printf(b, "retry: %d\n\nevent: hello\ndata: "
	    "{\"ms\":%" PRIu64 "}\n\n", WEB_RETRY_MS, ms);
	TAILQ_FOREACH(k, &wev.kept, link)
		if (k->seq > last)
			evbuffer_add(b, k->data, k->len);
	evbuffer_add_printf(b, "event: ready\ndata: {}\n\n");
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	/* A stream reads nothing more: only a page that stops taking. */
	if ((bev = evhttp_connection_get_bufferevent(s->evcon)) != NULL)
		bufferevent_set_timeouts(bev, NULL, &wr);
	evhttp_connection_set_closecb(s->evcon, web_ev_close_cb, s);
	TAILQ_INSERT_TAIL(&wev.streams, s, link);
	wev.nstreams++;
	return (0);
}

/* Write what a connection still holds, bounded in time (at the end). */
static void
web_ev_flush(struct evhttp_connection *evcon)
{
	struct bufferevent	*bev;
	struct evbuffer		*out;
	struct pollfd		 pfd;
	int			 i;

	if ((bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	out = bufferevent_get_output(bev);
	pfd.fd = bufferevent_getfd(bev);
	pfd.events = POLLOUT;
	/* The bufferevent keeps its output's front to itself: lift that. */
	evbuffer_unfreeze(out, 1);
	for (i = 0; i < WEB_FLUSH_TRIES && pfd.fd != -1 &&
	    evbuffer_get_length(out) > 0; i++) {
		if (evbuffer_write(out, pfd.fd) == -1 && errno != EAGAIN &&
		    errno != EINTR)
			break;
		if (evbuffer_get_length(out) > 0)
			(void)poll(&pfd, 1, 20);
	}
	evbuffer_freeze(out, 1);
}

void
web_ev_end(const char *json, size_t len)
{
	struct web_stream	*s;

	while (len > 0 && json[len - 1] == '\n')
		len--;
	evbuffer_add_printf(wev.out, "event: end\ndata: ");
	if (json != NULL)
		evbuffer_add(wev.out, json, len);
	else
		evbuffer_add_printf(wev.out, "{}");
	evbuffer_add(wev.out, "\n\n", 2);
	web_ev_send_all();
	while ((s = TAILQ_FIRST(&wev.streams)) != NULL) {
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_send_reply_end(s->req);
		web_ev_flush(s->evcon);
		TAILQ_REMOVE(&wev.streams, s, link);
		wev.nstreams--;
		free(s);
	}
}

int
web_ev_init(struct event_base *base)
{
	struct timeval	tv = { WEB_PING_S, 0 };

	TAILQ_INIT(&wev.kept);
	TAILQ_INIT(&wev.streams);
	if ((wev.out = evbuffer_new()) == NULL ||
	    (wev.tmp = evbuffer_new()) == NULL ||
	    (wev.ev_ping = event_new(base, -1, EV_PERSIST, web_ev_ping_cb,
	    NULL)) == NULL || event_add(wev.ev_ping, &tv) != 0)
		return (-1);
	return (0);
}

void
web_ev_free(void)
{
	struct web_kept	*k;

	while ((k = TAILQ_FIRST(&wev.kept)) != NULL)
		web_ev_forget(k);
	if (wev.ev_ping != NULL)
		event_free(wev.ev_ping);
	if (wev.out != NULL)
		evbuffer_free(wev.out);
	if (wev.tmp != NULL)
		evbuffer_free(wev.tmp);
	wev.ev_ping = NULL;
	wev.out = wev.tmp = NULL;
}

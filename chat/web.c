/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's web front end (--web): a page served from this process by
 * libevent's HTTP server, on loopback unless told otherwise.  The page
 * gets the same events as --batch prints (webev.c streams them) and acts
 * by POST: send a line, create or join a room, quit.  Every request must
 * carry the random token of the URL printed at start-up (in a cookie after
 * the first load), name us in its Host header, and, when it changes
 * anything or opens the event stream, come from the page's own origin.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/cli.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "chat/reliable.h"
#include "chat/p2pchat.h"
#include "chat/web.h"

#define WEB_HEADERS_MAX	8192		/* bytes of a request's headers */
#define WEB_TIMEOUT_S	10		/* to send a request */
#define WEB_CODE_MAX	256		/* bytes of a room code posted */

#define WEB_SEE_OTHER	303		/* HTTP status codes libevent lacks */
#define WEB_FORBIDDEN	403
#define WEB_CONFLICT	409

/*
 * Never cached, never framed, no inline script: the page runs only the
 * files built into p2pchat, and talks only to p2pchat.
 */
#define WEB_CSP		"default-src 'none'; script-src 'self'; " \
	"style-src 'self'; connect-src 'self'; img-src 'self' data:; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* One web front end per process, as there is one terminal. */
static struct {
	struct chat_ctx		*ctx;
	struct evhttp		*http;
	struct stun_addr	 bound;
	char			 token[WEB_TOKEN_LEN + 1];
	char			 cookie[WEB_COOKIE_MAX];	/* its name */
	uint64_t		 t0;
	uint64_t		 last_ms;	/* of the last event */
} web;

int
web_configure(const char *arg)
{
	return (web_listen_parse(arg, &web.bound));
}

static void
web_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
	evhttp_add_header(h, "Content-Security-Policy", WEB_CSP);
}

/* A short answer in plain text: why, for the page or for curl. */
static void
web_reply(struct evhttp_request *req, int code, const char *phrase,
    const char *text)
{
	struct evbuffer	*b;

	web_headers(req, "text/plain; charset=utf-8");
	if (text == NULL || (b = evbuffer_new()) == NULL) {
		evhttp_send_reply(req, code, phrase, NULL);
		return;
	}
	evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, phrase, b);
	evbuffer_free(b);
}

static void
web_refuse(struct evhttp_request *req, const char *why)
{
	const char	*host = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Host");

	log_debug("web: %s (Host %s)", why,
	    host != NULL ? cli_quote(host) : "none");
	web_reply(req, WEB_FORBIDDEN, "Forbidden", why);
}

static void
web_asset(struct evhttp_request *req, const char *path)
{
	const struct web_asset	*a;
	struct evbuffer		*b;

	for (a = web_assets; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			break;
	if (a->path == NULL) {
		web_reply(req, HTTP_NOTFOUND, "Not Found", "no such page");
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		web_reply(req, HTTP_INTERNAL, "Internal Server Error", NULL);
		return;
	}
	web_headers(req, a->type);
	evbuffer_add_reference(b, a->data, a->len, NULL, NULL);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/*
 * The first load carries the token in the query: it moves to a cookie
 * that no other site can make the browser send (SameSite=Strict) and no
 * script can read (HttpOnly), and the address bar loses it.
 */
static int
web_query_token(struct evhttp_request *req)
{
	struct evkeyvalq	 q;
	const char		*query, *t;
	int			 ok = 0;

	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return (0);
	t = evhttp_find_header(&q, "token");
	ok = web_token_eq(t, web.token);
	evhttp_clear_headers(&q);
	return (ok);
}

static void
web_welcome(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	char			 c[WEB_COOKIE_MAX + WEB_TOKEN_LEN + 64];

	snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=Strict",
	    web.cookie, web.token);
	evhttp_add_header(h, "Set-Cookie", c);
	evhttp_add_header(h, "Location", "/");
	web_reply(req, WEB_SEE_OTHER, "See Other", "to /");
}

/* The request's body as a string: NULL when it holds a NUL or no memory. */
static char *
web_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	char		*s;

	*len = evbuffer_get_length(in);
	if ((s = malloc(*len + 1)) == NULL)
		return (NULL);
	if (evbuffer_copyout(in, s, *len) != (ev_ssize_t)*len ||
	    memchr(s, '\0', *len) != NULL) {
		free(s);
		return (NULL);
	}
	s[*len] = '\0';
	return (s);
}

static void
web_post_send(struct evhttp_request *req)
{
	struct chat_self	 self;
	char			*text;
	size_t			 len;
	int			 r;

	chat_self(web.ctx, &self);
	if (self.code[0] == '\0') {
		web_reply(req, WEB_CONFLICT, "Conflict",
		    "create or join a room first");
		return;
	}
	if (self.quitting) {
		web_reply(req, WEB_CONFLICT, "Conflict",
		    "leaving the room: not sent");
		return;
	}
	if ((text = web_body(req, &len)) == NULL || len == 0) {
		web_reply(req, HTTP_BADREQUEST, "Bad Request",
		    "an empty message, or one with a NUL byte: not sent");
		free(text);
		return;
	}
	r = chat_send_line(web.ctx, (const uint8_t *)text, len);
	free(text);
	chat_poke(web.ctx);
	if (r == CHAT_LINE_TAKEN)
		web_reply(req, HTTP_NOCONTENT, "No Content", NULL);
	else if (r == CHAT_LINE_BUSY)
		web_reply(req, HTTP_SERVUNAVAIL, "Busy", "the peers are busy: "
		    "not sent yet, send it again in a moment");
	else
		web_reply(req, HTTP_SERVUNAVAIL, "Busy", "nobody is in the "
		    "room yet and many lines wait for them: not sent");
}

static void
web_post_room(struct evhttp_request *req)
{
	struct chat_self	 self;
	char			*code, *p, err[128];
	size_t			 len;

	chat_self(web.ctx, &self);
	if (self.code[0] != '\0') {
		web_reply(req, WEB_CONFLICT, "Conflict", "already in a room");
		return;
	}
	if ((code = web_body(req, &len)) == NULL || len > WEB_CODE_MAX) {
		web_reply(req, HTTP_BADREQUEST, "Bad Request",
		    "not a valid room code");
		free(code);
		return;
	}
	for (p = code + len; p > code && (p[-1] == ' ' || p[-1] == '\n' ||
	    p[-1] == '\r' || p[-1] == '\t'); p--)
		p[-1] = '\0';
	for (p = code; *p == ' ' || *p == '\t'; p++)
		;
	if (chat_enter(web.ctx, *p == '\0' ? NULL : p, err,
	    sizeof(err)) != 0)
		web_reply(req, HTTP_BADREQUEST, "Bad Request", err);
	else
		web_reply(req, HTTP_NOCONTENT, "No Content", NULL);
	OPENSSL_cleanse(code, len);
	free(code);
}

static void
web_get_events(struct evhttp_request *req)
{
	const char	*id;
	uint64_t	 last = 0;
	char		*end;

	id = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Last-Event-ID");
	if (id != NULL && *id >= '0' && *id <= '9') {
		errno = 0;
		last = strtoull(id, &end, 10);
		if (errno != 0 || *end != '\0')
			last = 0;
	}
	web_headers(req, NULL);
	if (web_ev_stream(req, last, clock_ms() - web.t0) != 0)
		web_reply(req, HTTP_SERVUNAVAIL, "Busy",
		    "too many pages open");
}

/*
 * Every request: Host first (a name DNS could rebind to us is refused
 * whatever else it carries), then the token, then the Origin of anything
 * that acts or listens.  No CORS header is ever sent.
 */
static void
web_request_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const char		*host, *origin, *site, *path;
	char			 got[WEB_TOKEN_LEN + 1];
	int			 post, authed, listens;

	(void)arg;
	host = evhttp_find_header(in, "Host");
	origin = evhttp_find_header(in, "Origin");
	site = evhttp_find_header(in, "Sec-Fetch-Site");
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	if (path == NULL)
		path = "/";
	if (!web_host_ok(host, &web.bound)) {
		web_refuse(req, "refused: the Host header does not name this "
		    "server by its address");
		return;
	}
	authed = web_cookie_get(evhttp_find_header(in, "Cookie"), web.cookie,
	    got, sizeof(got)) == 0 && web_token_eq(got, web.token);
	OPENSSL_cleanse(got, sizeof(got));
	if (!authed && !post && strcmp(path, "/") == 0 &&
	    web_query_token(req)) {
		web_welcome(req);
		return;
	}
	if (!authed) {
		web_refuse(req, "refused: no token; open the address that "
		    "p2pchat printed");
		return;
	}
	/* What acts must say where it comes from; the stream may. */
	listens = strcmp(path, "/events") == 0;
	if ((post || (listens && origin != NULL)) &&
	    !web_origin_ok(origin, host)) {
		web_refuse(req, "refused: not from this page (Origin)");
		return;
	}
	if ((post || listens) && site != NULL &&
	    strcmp(site, "same-origin") != 0) {
		web_refuse(req, "refused: not from this page "
		    "(Sec-Fetch-Site)");
		return;
	}
	if (post && strcmp(path, "/send") == 0)
		web_post_send(req);
	else if (post && strcmp(path, "/room") == 0)
		web_post_room(req);
	else if (post && strcmp(path, "/quit") == 0) {
		chat_quit(web.ctx);
		chat_poke(web.ctx);
		web_reply(req, HTTP_NOCONTENT, "No Content", NULL);
	} else if (post)
		web_reply(req, HTTP_NOTFOUND, "Not Found", "no such action");
	else if (listens)
		web_get_events(req);
	else
		web_asset(req, strcmp(path, "/") == 0 ? "/index.html" : path);
}

static void
web_event(const struct chat_event *e)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	web.last_ms = e->ms;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		log_warnx("web: out of memory: an event is not shown");
		return;
	}
	chat_event_json(f, e);
	if (fclose(f) == 0)
		web_ev_add(e->kind, buf, len);
	else
		log_warnx("web: out of memory: an event is not shown");
	free(buf);
}

/* The address to print: a wildcard is reached on loopback. */
static void
web_url(char *out, size_t cap)
{
	struct stun_addr	a = web.bound;
	char			addr[64];

	if (stun_addr_class(&a) == STUN_ADDR_UNSPEC)
		(void)stun_addr_parse(a.family == STUN_AF_INET6 ? "[::1]" :
		    "127.0.0.1", web.bound.port, &a);
	if (stun_addr_format(&a, addr, sizeof(addr)) != 0)
		addr[0] = '\0';
	snprintf(out, cap, "http://%s/?token=%s", addr, web.token);
}

/* Listen, or say why not and exit: this is still start-up. */
static int
web_start(struct chat_ctx *ctx, struct event_base *base)
{
	uint8_t			 rnd[WEB_TOKEN_LEN / 2];
	char			 where[64], url[160];
	struct stun_addr	 local;
	size_t			 i;
	int			 fd;

	web.ctx = ctx;
	web.t0 = clock_ms();
	if (stun_addr_format(&web.bound, where, sizeof(where)) != 0)
		where[0] = '\0';
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatalx("--web: no random bytes for the access token");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(web.token + 2 * i, 3, "%02x", rnd[i]);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if ((fd = sock_bind(&web.bound, SOCK_STREAM, 0)) == -1)
		fatal("--web %s", where);
	if (sock_local(fd, &local) == -1)
		fatal("--web %s: getsockname", where);
	web.bound.port = local.port;
	snprintf(web.cookie, sizeof(web.cookie), "p2pchat_%u",
	    (unsigned)web.bound.port);
	if ((web.http = evhttp_new(base)) == NULL ||
	    evhttp_accept_socket_with_handle(web.http, fd) == NULL ||
	    web_ev_init(base) != 0)
		fatalx("--web %s: cannot set up the HTTP server", where);
	evhttp_set_timeout(web.http, WEB_TIMEOUT_S);
	evhttp_set_max_headers_size(web.http, WEB_HEADERS_MAX);
	evhttp_set_max_body_size(web.http, CHAT_REL_MSG_MAX);
	evhttp_set_allowed_methods(web.http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(web.http, web_request_cb, NULL);
	web_url(url, sizeof(url));
	printf("p2pchat: the chat is at %s\n", url);
	fflush(stdout);
	return (0);
}

static void
web_stop(void)
{
	struct chat_self	 self;
	struct chat_event	 e;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*f;

	chat_self(web.ctx, &self);
	memset(&e, 0, sizeof(e));
	e.kind = EV_ERROR;
	e.reason = self.err;
	e.ms = web.last_ms;
	if (self.err != NULL && (f = open_memstream(&buf, &len)) != NULL) {
		chat_event_json(f, &e);
		if (fclose(f) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	web_ev_end(buf, buf != NULL ? len : 0);
	free(buf);
	if (web.http != NULL)
		evhttp_free(web.http);
	web.http = NULL;
	web_ev_free();
	OPENSSL_cleanse(web.token, sizeof(web.token));
}

const struct chat_fe chat_fe_web = {
	.start = web_start,
	.stop = web_stop,
	.event = web_event,
	.input = NULL,
	.read = NULL,
};

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's web front end (--web), shared by its files: web.c (the HTTP
 * server and the front end), webev.c (the events kept for the pages and
 * the streams that carry them), webreq.c (the checks every request goes
 * through, without I/O) and the assets built into the program.
 */
#ifndef CHAT_WEB_H
#define CHAT_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define WEB_TOKEN_LEN	32		/* hex digits of the access token */
#define WEB_COOKIE_MAX	32		/* bytes of the cookie's name */

/* A file of the page, built into the program (webassets.c). */
struct web_asset {
	const char	*path;		/* "/app.js" */
	const char	*type;		/* Content-Type */
	const unsigned char *data;
	size_t		 len;
};
extern const struct web_asset web_assets[];	/* ends with a NULL path */

/* web.c: where --web listens, from its argument: 0, or -1. */
int	web_configure(const char *arg);

/* webreq.c */
/*
 * --web [ADDR:]PORT: ADDR an IP address (IPv6 in brackets) or localhost,
 * 127.0.0.1 when absent; PORT 0 to 65535 (0: any).  0, or -1.
 */
int	web_listen_parse(const char *arg, struct stun_addr *out);
/*
 * Does a Host header name this server in a way DNS cannot rebind: our
 * port (80 when absent), and our address as an IP literal (any IP literal
 * when we listen on the wildcard) or "localhost" when we listen on
 * loopback or the wildcard?  NULL is refused.
 */
int	web_host_ok(const char *host, const struct stun_addr *bound);
/*
 * Is origin (an Origin header) the page's own, "http://" and the Host
 * header already accepted?  NULL and "null" are refused.
 */
int	web_origin_ok(const char *origin, const char *host);
/*
 * The value of cookie name in a Cookie header, NUL-terminated into out
 * (cap bytes): 0, or -1 when absent or too long.
 */
int	web_cookie_get(const char *header, const char *name, char *out,
	    size_t cap);
/* Is s exactly the token (constant time)?  NULL is not. */
int	web_token_eq(const char *s, const char *token);

/* webev.c: the events kept for pages that load later, and the streams. */
struct evhttp_request;
struct event_base;
/* Set up (base for the keepalive timer): 0, or -1. */
int	web_ev_init(struct event_base *);
/*
 * Keep an event, as the JSON object chat_event_json() wrote (len bytes
 * with its newline), and send it to every stream.  kind: EV_*.
 */
void	web_ev_add(int kind, const char *json, size_t len);
/*
 * Answer req with an event stream: every event kept after last (the
 * Last-Event-ID the browser sent again, 0: all), then each new one.
 * 0, or -1 when there are too many streams (the caller answers).
 */
int	web_ev_stream(struct evhttp_request *req, uint64_t last, uint64_t ms);
/*
 * The end: a last "end" event (json NULL: no reason) to every stream,
 * each closed; what is left to write is flushed, bounded.
 */
void	web_ev_end(const char *json, size_t len);
void	web_ev_free(void);

#endif /* CHAT_WEB_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The checks every request to p2pchat's web front end goes through,
 * without I/O: where --web listens, whether the Host header names us (DNS
 * rebinding), whether the Origin is the page's own, and the access token
 * in a cookie.  Header values are untrusted text: each is read with its
 * length bounded, never trusted to be short.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/hostport.h"
#include "libstun/stun.h"
#include "chat/web.h"

#define WEB_HOST_MAX	256	/* bytes of a host name in a Host header */
#define WEB_ARG_MAX	128	/* bytes of the --web argument */

/* A decimal port, 0 to 65535, all of s[0..len): 0, or -1. */
static int
web_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

int
web_listen_parse(const char *arg, struct stun_addr *out)
{
	char		 host[WEB_ARG_MAX];
	const char	*colon;
	uint16_t	 port;
	size_t		 n;

	memset(out, 0, sizeof(*out));
	n = strlen(arg);
	if (n == 0 || n >= sizeof(host))
		return (-1);
	if ((colon = strrchr(arg, ':')) == NULL) {
		if (web_port(arg, n, &port) != 0)
			return (-1);
		(void)stun_addr_parse("127.0.0.1", port, out);
		return (0);
	}
	if (web_port(colon + 1, n - (size_t)(colon + 1 - arg), &port) != 0)
		return (-1);
	n = (size_t)(colon - arg);
	memcpy(host, arg, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return (stun_addr_parse("127.0.0.1", port, out) == 0 ? 0 : -1);
	/* An IPv6 address needs its brackets before the port. */
	if (strchr(host, ':') != NULL && host[0] != '[')
		return (-1);
	if (stun_addr_parse(host, port, out) != 0 || out->port != port) {
		memset(out, 0, sizeof(*out));
		return (-1);
	}
	return (0);
}

int
web_host_ok(const char *host, const struct stun_addr *bound)
{
	char			 name[WEB_HOST_MAX];
	struct stun_addr	 a;
	uint16_t		 port;
	int			 cls;

	if (host == NULL || strnlen(host, sizeof(name)) == sizeof(name) ||
	    hostport_split(host, name, sizeof(name), &port) != 0)
		return (0);
	if (port == 0)
		port = 80;
	if (port != bound->port)
		return (0);
	cls = stun_addr_class(bound);
	if (strcasecmp(name, "localhost") == 0)
		return (cls == STUN_ADDR_LOOPBACK || cls == STUN_ADDR_UNSPEC);
	/* hostport_split() took the brackets off: parse without a port. */
	if (stun_addr_parse(name, 0, &a) != 0 || a.port != 0 ||
	    (host[0] == '[') != (a.family == STUN_AF_INET6))
		return (0);
	if (cls == STUN_ADDR_UNSPEC)
		return (1);
	a.port = bound->port;
	return (stun_addr_equal(&a, bound));
}

int
web_origin_ok(const char *origin, const char *host)
{
	static const char	scheme[] = "http://";
	size_t			n = sizeof(scheme) - 1;

	if (origin == NULL || host == NULL ||
	    strncasecmp(origin, scheme, n) != 0)
		return (0);
	return (strcasecmp(origin + n, host) == 0);
}

int
web_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
	const char	*p, *end, *v;
	size_t		 nl = strlen(name), vl;

	if (header == NULL || cap == 0)
		return (-1);
	/* "a=b; c=d" (RFC 6265 5.4), read pair by pair. */
	for (p = header; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) <= nl || strncmp(p, name, nl) != 0 ||
		    p[nl] != '=')
			continue;
		v = p + nl + 1;
		vl = (size_t)(end - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= cap)
			return (-1);
		memcpy(out, v, vl);
		out[vl] = '\0';
		return (0);
	}
	return (-1);
}

int
web_token_eq(const char *s, const char *token)
{
	size_t	n = strlen(token);

	if (s == NULL || strnlen(s, n + 1) != n)
		return (0);
	return (CRYPTO_memcmp(s, token, n) == 0);
}

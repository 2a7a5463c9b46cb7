/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's addresses: the rendezvous server and the TURN relay from the
 * command line (resolved once at start-up) and the host candidates of
 * this machine.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/hostport.h"
#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/turn.h"
#include "chat/p2pchat.h"

#define CHAT_PORT		3478
#define CHAT_TLS_PORT		5349	/* turns: */
#define CHAT_HOST_MAX		256

/*
 * Append host's addresses, with port, to all[*n..cap): IPv4 first (that
 * is where the NATs are), then IPv6.  0, or -2 when the name does not
 * resolve (err says why).
 */
static int
hostaddr_lookup(const char *host, uint16_t port, struct stun_addr *all,
    unsigned cap, unsigned *n, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 r, pass;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return (-2);
	}
	for (pass = 0; pass < 2; pass++)
		for (ai = res; ai != NULL && *n < cap; ai = ai->ai_next) {
			if ((ai->ai_family == AF_INET) != (pass == 0))
				continue;
			if (sock_to_stun(ai->ai_addr, &all[*n]) == 0)
				all[(*n)++].port = port;
		}
	freeaddrinfo(res);
	return (0);
}

/* "host", "host:port", "[v6]" or "[v6]:port"; getaddrinfo at start-up. */
int
chat_resolve(const char *s, struct stun_addr *out, char *err, size_t errlen)
{
	struct stun_addr all[8];
	char		 host[CHAT_HOST_MAX];
	unsigned	 n = 0;
	uint16_t	 port;

	if (hostport_split(s, host, sizeof(host), &port) != 0)
		return (-1);
	if (port == 0)
		port = CHAT_PORT;
	if (hostaddr_lookup(host, port, all, 8, &n, err, errlen) != 0)
		return (-2);
	if (n == 0) {
		snprintf(err, errlen, "%s: no address", host);
		return (-2);
	}
	*out = all[0];
	return (0);
}

/*
 * The next item of a comma list at *p: its host and port (0 when none),
 * *p moved past it.  1 for an item, 0 at the end, -1 for a malformed one.
 */
static int
hostaddr_next(const char **p, char *host, size_t hostlen, uint16_t *port)
{
	char	 one[CHAT_HOST_MAX];
	size_t	 len;

	if (**p == '\0')
		return (0);
	len = strcspn(*p, ",");
	if (len == 0 || len >= sizeof(one))
		return (-1);
	memcpy(one, *p, len);
	one[len] = '\0';
	*p += len + ((*p)[len] == ',');
	return (hostport_split(one, host, hostlen, port) != 0 ? -1 : 1);
}

/*
 * A fleet: "a,b,c", each host[:port]; a name stands for every address
 * it has.  In order, without repeats, of the first address's family
 * (IPv4 first: one socket talks to all of them).  0, -1 for a malformed
 * one, -2 when none resolves (err says which).
 */
int
chat_resolve_servers(const char *arg, struct stun_addr *out, unsigned max,
    unsigned *n, char *err, size_t errlen)
{
	struct stun_addr all[4 * STUN_RDV_MAX_SERVERS];
	char		 host[CHAT_HOST_MAX];
	const char	*p = arg;
	unsigned	 nall = 0, i, k;
	uint16_t	 port;
	uint8_t		 fam = 0;
	int		 r;

	*n = 0;
	err[0] = '\0';
	while ((r = hostaddr_next(&p, host, sizeof(host), &port)) != 0) {
		if (r < 0)
			return (-1);
		if (port == 0)
			port = CHAT_PORT;
		/* A name that does not resolve is skipped; err keeps why. */
		(void)hostaddr_lookup(host, port, all,
		    sizeof(all) / sizeof(all[0]), &nall, err, errlen);
	}
	for (i = 0; i < nall; i++)
		if (fam == 0 || (all[i].family == STUN_AF_INET &&
		    fam != STUN_AF_INET))
			fam = all[i].family;
	for (i = 0; i < nall && *n < max; i++) {
		if (all[i].family != fam)
			continue;
		for (k = 0; k < *n && !stun_addr_equal(&out[k], &all[i]); k++)
			;
		if (k == *n)
			out[(*n)++] = all[i];
	}
	if (*n == 0) {
		if (nall == 0 && err[0] == '\0')
			snprintf(err, errlen, "%s: no address", arg);
		return (-2);
	}
	return (0);
}

/*
 * Host candidates: every address of the server's family on an interface
 * that is up, loopback only when the server is on loopback too.
 */
unsigned
chat_host_cands(const struct stun_addr *server, uint16_t port,
    struct stun_rdv_cand *out, unsigned max)
{
	struct ifaddrs	 *ifa, *i;
	struct stun_addr  a;
	int		  srv_lo, cls;
	unsigned	  n = 0, k, dup;

	srv_lo = stun_addr_class(server) == STUN_ADDR_LOOPBACK;
	if (getifaddrs(&ifa) != 0)
		return (0);
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		if (i->ifa_addr == NULL || sock_to_stun(i->ifa_addr, &a) != 0 ||
		    a.family != server->family)
			continue;
		cls = stun_addr_class(&a);
		if ((cls == STUN_ADDR_LOOPBACK && !srv_lo) ||
		    cls == STUN_ADDR_LINKLOCAL || cls == STUN_ADDR_UNSPEC ||
		    cls == STUN_ADDR_MULTICAST)
			continue;
		a.port = port;
		for (k = 0, dup = 0; k < n; k++)
			dup |= stun_addr_equal(&out[k].addr, &a);
		if (dup)
			continue;
		/* The loopback address first when the server is there. */
		if (cls == STUN_ADDR_LOOPBACK && n > 0) {
			out[n] = out[0];
			out[0].addr = a;
		} else
			out[n].addr = a;
		out[n].kind = STUN_RDV_CAND_HOST;
		out[0].kind = STUN_RDV_CAND_HOST;
		n++;
	}
	freeifaddrs(ifa);
	return (n);
}

/*
 * "turn:USER:PASS@HOST[:PORT][?transport=udp|tcp]" or
 * "turns:USER:PASS@HOST[:PORT][?transport=tcp]", as WebRTC writes the
 * server (RFC 7065), with the credential before the '@': the password
 * may hold ':' and '@'.  turn: defaults to port 3478, turns: to 5349.
 */
int
chat_relay_uri(const char *arg, struct stun_turn_config *c, int *tls,
    int *transport, char *host, size_t hostlen, char *err, size_t errlen)
{
	const char	*s, *at, *colon, *q;
	char		 hp[CHAT_HOST_MAX];
	size_t		 ulen, plen, hlen;
	uint16_t	 port;
	unsigned	 n = 0;
	int		 r;

	memset(c, 0, sizeof(*c));
	*tls = 0;
	*transport = 0;
	if (strncmp(arg, "turn:", 5) == 0)
		s = arg + 5;
	else if (strncmp(arg, "turns:", 6) == 0) {
		s = arg + 6;
		*tls = 1;
	} else
		return (-1);
	if ((at = strrchr(s, '@')) == NULL ||
	    (colon = strchr(s, ':')) == NULL || colon > at)
		return (-1);
	ulen = (size_t)(colon - s);
	plen = (size_t)(at - colon - 1);
	if (ulen == 0 || ulen >= sizeof(c->username) ||
	    plen >= sizeof(c->password))
		return (-1);
	if ((q = strchr(at + 1, '?')) != NULL) {
		if (strcmp(q, "?transport=udp") == 0 && !*tls)
			*transport = 1;
		else if (strcmp(q, "?transport=tcp") == 0)
			*transport = 2;
		else
			return (-1);
		hlen = (size_t)(q - at - 1);
	} else
		hlen = strlen(at + 1);
	if (hlen == 0 || hlen >= sizeof(hp))
		return (-1);
	memcpy(hp, at + 1, hlen);
	hp[hlen] = '\0';
	if (hostport_split(hp, host, hostlen, &port) != 0)
		return (-1);
	if (port == 0)
		port = *tls ? CHAT_TLS_PORT : CHAT_PORT;
	memcpy(c->username, s, ulen);
	memcpy(c->password, colon + 1, plen);
	if ((r = hostaddr_lookup(host, port, &c->server, 1, &n, err,
	    errlen)) != 0 || n == 0) {
		if (r == 0)
			snprintf(err, errlen, "%s: no address", host);
		OPENSSL_cleanse(c, sizeof(*c));
		return (-2);
	}
	return (0);
}

int
chat_relay_arg(const char *arg, struct stun_turn_config *c, char *err,
    size_t errlen)
{
	char	host[CHAT_HOST_MAX];
	int	tls, transport;

	return (chat_relay_uri(arg, c, &tls, &transport, host, sizeof(host),
	    err, errlen));
}

int
chat_server_host(const char *arg, const struct stun_addr *addr, char *host,
    size_t hostlen)
{
	struct stun_addr all[8];
	char		 h[CHAT_HOST_MAX], err[8];
	const char	*p = arg;
	unsigned	 n, i;
	uint16_t	 port;
	int		 r;

	while ((r = hostaddr_next(&p, h, sizeof(h), &port)) != 0) {
		if (r < 0)
			return (-1);
		n = 0;
		if (hostaddr_lookup(h, addr->port, all, 8, &n, err,
		    sizeof(err)) != 0)
			continue;
		for (i = 0; i < n; i++)
			if (stun_addr_equal(&all[i], addr)) {
				snprintf(host, hostlen, "%s", h);
				return (0);
			}
	}
	return (-1);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund configuration: setting options through the table of conftab.c
 * (from the config file's lines or the command line), merging, the final
 * checks, the reload policy, and the one bounded file reader.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"

#define CONF_SECRET_ENV	"STUND_STATIC_AUTH_SECRET"

/* A flag offset of 0 means none: offset 0 holds the set marks. */
_Static_assert(offsetof(struct conf, set) == 0, "flag 0 means none");

const struct conf_opt *
conf_find(const char *name)
{
	const struct conf_opt	*o;

	for (o = conftab; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return (o);
	return (NULL);
}

static void
conf_mark(struct conf *c, const struct conf_opt *o)
{
	size_t	 i = (size_t)(o - conftab);

	c->set[i / 64] |= (uint64_t)1 << (i % 64);
}

static int
conf_marked(const struct conf *c, const struct conf_opt *o)
{
	size_t	 i = (size_t)(o - conftab);

	return ((c->set[i / 64] & ((uint64_t)1 << (i % 64))) != 0);
}

static int
conf_isset(const struct conf *c, const char *name)
{
	const struct conf_opt	*o;

	return ((o = conf_find(name)) != NULL && conf_marked(c, o));
}

/* The bytes of an option's field. */
static size_t
conf_size(const struct conf_opt *o)
{
	switch (o->type) {
	case CONF_T_IP:
	case CONF_T_HOSTPORT:
		return (sizeof(struct stun_addr));
	case CONF_T_PORT:
		return (sizeof(uint16_t));
	case CONF_T_UINT:
		return (sizeof(unsigned));
	case CONF_T_U64:
		return (sizeof(uint64_t));
	case CONF_T_STR:
		return (o->size);
	case CONF_T_BOOL:
	case CONF_T_LEVEL:
		return (sizeof(int));
	case CONF_T_RANGE:
		return (sizeof(struct conf_ports));
	case CONF_T_ACL:
		return (sizeof(struct relay_acl));
	}
	return (0);
}

void
conf_init(struct conf *c)
{
	const struct conf_opt	*o;
	char			 err[256];

	memset(c, 0, sizeof(*c));
	/* A default that does not parse is a bug; check_stund tries all. */
	for (o = conftab; o->name != NULL; o++)
		if (o->dflt != NULL)
			(void)conf_set(c, o->name, o->dflt, err, sizeof(err));
	memset(c->set, 0, sizeof(c->set));
	for (o = conftab; o->name != NULL; o++)
		if (o->flag != 0)
			*(int *)((unsigned char *)c + o->flag) = 0;
}

int
conf_parse_ip(const char *s, struct stun_addr *a)
{
	char	 tmp[64];
	size_t	 n;

	memset(a, 0, sizeof(*a));
	n = strlen(s);
	if (n >= sizeof(tmp))
		return (-1);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = '\0';
	} else
		memcpy(tmp, s, n + 1);
	if (inet_pton(AF_INET, tmp, a->ip) == 1) {
		a->family = STUN_AF_INET;
		return (0);
	}
	if (inet_pton(AF_INET6, tmp, a->ip) == 1) {
		a->family = STUN_AF_INET6;
		return (0);
	}
	return (-1);
}

static int
conf_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return (-1);
	*out = (unsigned)v;
	return (0);
}

int
conf_parse_hostport(const char *s, struct stun_addr *a)
{
	char		 host[64];
	const char	*colon;
	unsigned	 port;
	size_t		 n;

	memset(a, 0, sizeof(*a));
	if ((colon = strrchr(s, ':')) == NULL) {
		if (conf_parse_uint(s, 0, 65535, &port) != 0)
			return (-1);
		a->family = STUN_AF_INET;
		a->ip[0] = 127;
		a->ip[3] = 1;
		a->port = (uint16_t)port;
		return (0);
	}
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(host))
		return (-1);
	/* A bare IPv6 address has several colons and no brackets. */
	if (s[0] != '[' && memchr(s, ':', n) != NULL)
		return (-1);
	memcpy(host, s, n);
	host[n] = '\0';
	if (conf_parse_uint(colon + 1, 0, 65535, &port) != 0)
		return (-1);
	if (conf_parse_ip(host, a) != 0)
		return (-1);
	a->port = (uint16_t)port;
	return (0);
}

static int
conf_parse_level(const char *s)
{
	static const char *names[] = { "err", "warn", "info", "debug" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return ((int)i);
	return (-1);
}

/* relay-ports: "LO-HI" with 1 <= LO <= HI <= 65535.  0 or -1. */
static int
conf_parse_range(const char *s, struct conf_ports *r)
{
	char		 tmp[16];
	char		*dash;
	unsigned	 lo, hi;

	if (strlen(s) >= sizeof(tmp))
		return (-1);
	memcpy(tmp, s, strlen(s) + 1);
	if ((dash = strchr(tmp, '-')) == NULL)
		return (-1);
	*dash++ = '\0';
	if (conf_parse_uint(tmp, 1, 65535, &lo) != 0 ||
	    conf_parse_uint(dash, 1, 65535, &hi) != 0 || lo > hi)
		return (-1);
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return (0);
}

int
conf_set(struct conf *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct conf_opt	*o;
	unsigned char		*base = (unsigned char *)c;
	struct stun_addr	 a;
	struct conf_ports	 r;
	unsigned		 u;
	unsigned long long	 ull;
	char			*end;
	size_t			 n;
	int			 lvl;

	if ((o = conf_find(name)) == NULL) {
		snprintf(err, errlen, "unknown keyword '%s'", name);
		return (-1);
	}
	if (o->type != CONF_T_BOOL && value == NULL) {
		snprintf(err, errlen, "%s: value missing", name);
		return (-1);
	}
	switch (o->type) {
	case CONF_T_IP:
		if (conf_parse_ip(value, &a) != 0)
			goto bad;
		memcpy(base + o->off, &a, sizeof(a));
		break;
	case CONF_T_HOSTPORT:
		if (conf_parse_hostport(value, &a) != 0)
			goto bad;
		memcpy(base + o->off, &a, sizeof(a));
		break;
	case CONF_T_PORT:
		if (conf_parse_uint(value, 0, 65535, &u) != 0)
			goto bad;
		*(uint16_t *)(base + o->off) = (uint16_t)u;
		break;
	case CONF_T_UINT:
		if (conf_parse_uint(value, o->min, o->max, &u) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number "
			    "from %u to %u", name, value, o->min, o->max);
			return (-1);
		}
		*(unsigned *)(base + o->off) = u;
		break;
	case CONF_T_STR:
		n = strlen(value);
		if (n >= o->size) {
			snprintf(err, errlen, "%s: '%.24s...' is too long (at "
			    "most %zu bytes)", name, value, o->size - 1);
			return (-1);
		}
		memcpy(base + o->off, value, n + 1);
		break;
	case CONF_T_BOOL:
		if (value == NULL || strcmp(value, "yes") == 0)
			*(int *)(base + o->off) = 1;
		else if (strcmp(value, "no") == 0)
			*(int *)(base + o->off) = 0;
		else
			goto bad;
		break;
	case CONF_T_LEVEL:
		if ((lvl = conf_parse_level(value)) == -1)
			goto bad;
		*(int *)(base + o->off) = lvl;
		break;
	case CONF_T_U64:
		if (*value < '0' || *value > '9')
			goto bad;
		ull = strtoull(value, &end, 10);
		if (*end != '\0' || ull == ULLONG_MAX)
			goto bad;
		*(uint64_t *)(base + o->off) = (uint64_t)ull;
		break;
	case CONF_T_RANGE:
		if (conf_parse_range(value, &r) != 0) {
			snprintf(err, errlen, "%s: '%s' is not LO-HI with "
			    "1 <= LO <= HI <= 65535", name, value);
			return (-1);
		}
		memcpy(base + o->off, &r, sizeof(r));
		break;
	case CONF_T_ACL:
		if (relaypol_acl_add((struct relay_acl *)(void *)
		    (base + o->off), (int)o->min, value) != 0) {
			snprintf(err, errlen, "%s: '%s' is not an address "
			    "range, or more than %d were given", name, value,
			    RELAY_ACL_MAX);
			return (-1);
		}
		break;
	}
	if (o->flag != 0)
		*(int *)(base + o->flag) = 1;
	conf_mark(c, o);
	return (0);
bad:
	snprintf(err, errlen, "%s: invalid value '%s'", name, value);
	return (-1);
}

/*
 * Splits one line into keyword and value.  Returns 0 (with *kw NULL for
 * a blank line) or -1 with a message.
 */
static int
conf_split(char *line, char **kw, char **val, char *err, size_t errlen)
{
	char	*p = line, *q;

	*kw = *val = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return (0);
	*kw = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
		p++;
	if (*p == '#' || *p == '\0') {
		*p = '\0';
		return (0);
	}
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return (0);
	if (*p == '"') {
		*val = ++p;
		if ((q = strchr(p, '"')) == NULL) {
			snprintf(err, errlen, "unterminated quote");
			return (-1);
		}
		*q++ = '\0';
		p = q;
	} else {
		*val = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != '#') {
		snprintf(err, errlen, "trailing text after value");
		return (-1);
	}
	return (0);
}

int
conf_parse(struct conf *c, const char *text, size_t len, const char *fname,
    char *err, size_t errlen)
{
	char		 line[CONF_LINE_MAX], msg[256];
	char		*kw, *val;
	size_t		 off = 0, n, lineno = 0;
	const char	*nl;

	if (len > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: file too large", fname);
		return (-1);
	}
	while (off < len) {
		lineno++;
		nl = memchr(text + off, '\n', len - off);
		n = (nl != NULL) ? (size_t)(nl - (text + off)) : len - off;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%zu: line too long", fname,
			    lineno);
			return (-1);
		}
		if (memchr(text + off, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%zu: NUL byte", fname,
			    lineno);
			return (-1);
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		off += n + (nl != NULL ? 1 : 0);
		if (conf_split(line, &kw, &val, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%zu: %s", fname, lineno, msg);
			return (-1);
		}
		if (kw == NULL)
			continue;
		if (conf_set(c, kw, val, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%zu: %s", fname, lineno, msg);
			return (-1);
		}
	}
	return (0);
}

static void
conf_merge_acl(struct conf *dst, const struct conf *src, int deny)
{
	const struct relay_cidr	*from = deny ? src->acl.deny :
				    src->acl.allow;
	struct relay_cidr	*to = deny ? dst->acl.deny : dst->acl.allow;
	unsigned		*n = deny ? &dst->acl.ndeny : &dst->acl.nallow;
	unsigned		 k, nsrc = deny ? src->acl.ndeny :
				    src->acl.nallow;

	for (k = 0; k < nsrc && *n < RELAY_ACL_MAX; k++)
		to[(*n)++] = from[k];
}

void
conf_merge(struct conf *dst, const struct conf *src)
{
	const struct conf_opt	*o;
	unsigned char		*d = (unsigned char *)dst;
	const unsigned char	*s = (const unsigned char *)src;

	for (o = conftab; o->name != NULL; o++) {
		if (!conf_marked(src, o))
			continue;
		/* Lists add up: the file's, then the command line's. */
		if (o->type == CONF_T_ACL)
			conf_merge_acl(dst, src, (int)o->min);
		else
			memcpy(d + o->off, s + o->off, conf_size(o));
		if (o->flag != 0)
			memcpy(d + o->flag, s + o->flag, sizeof(int));
		conf_mark(dst, o);
	}
}

/* 0.0.0.0 or ::? */
static int
conf_wildcard(const struct stun_addr *a)
{
	static const uint8_t	 any[16];

	return (memcmp(a->ip, any, a->family == STUN_AF_INET ? 4 : 16) == 0);
}

/*
 * The TURN REST secret, kept out of argv: from static-auth-secret-file
 * (its one line, read at every load, so SIGHUP takes a new one) or, when
 * neither that nor static-auth-secret is given, from the environment.
 */
static int
conf_secret(struct conf *c, char *err, size_t errlen)
{
	const char	*env;
	char		*text;
	size_t		 len, n;
	int		 rv = -1;

	if (c->auth_secret_file[0] == '\0') {
		if (c->auth_secret[0] == '\0' &&
		    (env = getenv(CONF_SECRET_ENV)) != NULL && *env != '\0') {
			if (strlen(env) > AUTH_MAX_SECRET) {
				snprintf(err, errlen, "$%s: longer than %d "
				    "bytes", CONF_SECRET_ENV, AUTH_MAX_SECRET);
				return (-1);
			}
			memcpy(c->auth_secret, env, strlen(env) + 1);
		}
		return (0);
	}
	if (c->auth_secret[0] != '\0') {
		snprintf(err, errlen, "give static-auth-secret or "
		    "static-auth-secret-file, not both");
		return (-1);
	}
	if (conf_read_file(c->auth_secret_file, AUTH_MAX_SECRET + 2, &text,
	    &len, err, errlen) == -1)
		return (-1);
	n = len;
	if (n > 0 && text[n - 1] == '\n')
		n--;
	if (n > 0 && text[n - 1] == '\r')
		n--;
	if (n == 0 || n > AUTH_MAX_SECRET || memchr(text, '\n', n) != NULL ||
	    memchr(text, '\0', n) != NULL)
		snprintf(err, errlen, "%s: not one line of 1 to %d bytes",
		    c->auth_secret_file, AUTH_MAX_SECRET);
	else {
		memcpy(c->auth_secret, text, n);
		c->auth_secret[n] = '\0';
		rv = 0;
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return (rv);
}

/*
 * external-ip: "PUBLIC" or "PUBLIC/PRIVATE", where PRIVATE must be the
 * bound address it stands for (bound, the primary or the alternate).
 */
static int
conf_finish_ext(const char *name, const char *text,
    const struct stun_addr *bound, struct conf_ext *e, char *err,
    size_t errlen)
{
	char		 tmp[CONF_EXT_MAX], b[64];
	char		*slash;

	memset(e, 0, sizeof(*e));
	if (text[0] == '\0')
		return (0);
	snprintf(tmp, sizeof(tmp), "%s", text);
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	if (conf_parse_ip(tmp, &e->pub) != 0 || conf_wildcard(&e->pub)) {
		snprintf(err, errlen, "%s: '%s' is not an address; give "
		    "PUBLIC or PUBLIC/PRIVATE, e.g. 203.0.113.7/10.0.0.7",
		    name, tmp);
		return (-1);
	}
	if (slash != NULL) {
		if (conf_parse_ip(slash, &e->priv) != 0) {
			snprintf(err, errlen, "%s: '%s' is not an address",
			    name, slash);
			return (-1);
		}
		e->has_priv = 1;
		if (bound != NULL && !stun_addr_equal(&e->priv, bound)) {
			if (stun_addr_format(bound, b, sizeof(b)) != 0)
				snprintf(b, sizeof(b), "?");
			snprintf(err, errlen, "%s: the private part %s is not "
			    "the address it stands for, %s", name, slash, b);
			return (-1);
		}
	}
	if (bound != NULL && e->pub.family != bound->family) {
		snprintf(err, errlen, "%s: %s is not of the family of the "
		    "address it stands for", name, tmp);
		return (-1);
	}
	e->set = 1;
	return (0);
}

/* The operator options: formats, lists and advertised addresses. */
static int
conf_finish_ops(struct conf *c, char *err, size_t errlen)
{
	char	 tmp[sizeof(c->proxy_protocol)];
	char	*p, *w;

	if (strcmp(c->log_format, "text") == 0)
		c->log_json = 0;
	else if (strcmp(c->log_format, "json") == 0)
		c->log_json = 1;
	else {
		snprintf(err, errlen, "log-format: '%s' is neither text nor "
		    "json", c->log_format);
		return (-1);
	}
	c->proxy_tcp = c->proxy_tls = 0;
	snprintf(tmp, sizeof(tmp), "%s", c->proxy_protocol);
	for (p = tmp; (w = strsep(&p, ",")) != NULL;) {
		if (strcmp(w, "tcp") == 0)
			c->proxy_tcp = 1;
		else if (strcmp(w, "tls") == 0)
			c->proxy_tls = 1;
		else if (strcmp(w, "no") != 0 ||
		    strcmp(c->proxy_protocol, "no") != 0) {
			snprintf(err, errlen, "proxy-protocol: '%s' is not "
			    "tcp, tls, tcp,tls or no", c->proxy_protocol);
			return (-1);
		}
	}
	if (c->proxy_tcp && c->no_tcp) {
		snprintf(err, errlen, "proxy-protocol: tcp is given but "
		    "no-tcp turns plain TCP off");
		return (-1);
	}
	if (c->proxy_tls && !c->has_tls) {
		snprintf(err, errlen, "proxy-protocol: tls is given but TLS "
		    "is off (give cert and key)");
		return (-1);
	}
	if (c->no_udp && c->no_tcp && !c->has_tls) {
		snprintf(err, errlen, "no-udp and no-tcp leave nothing to "
		    "serve without TLS");
		return (-1);
	}
	if (c->has_primary6 && (c->primary6.family != STUN_AF_INET6 ||
	    c->primary.family != STUN_AF_INET)) {
		snprintf(err, errlen, "primary6 is an IPv6 address beside an "
		    "IPv4 primary (dual stack)");
		return (-1);
	}
	if (c->has_alternate6 && (!c->has_primary6 ||
	    c->alternate6.family != STUN_AF_INET6 ||
	    stun_addr_equal(&c->alternate6, &c->primary6))) {
		snprintf(err, errlen, "alternate6 needs primary6 and is "
		    "another IPv6 address");
		return (-1);
	}
	if (conf_finish_ext("external-ip", c->ext_ip, &c->primary, &c->ext,
	    err, errlen) == -1)
		return (-1);
	if (c->alt_ext_ip[0] != '\0' && !c->has_alternate) {
		snprintf(err, errlen, "alt-external-ip needs an alternate "
		    "address");
		return (-1);
	}
	if (conf_finish_ext("alt-external-ip", c->alt_ext_ip,
	    c->has_alternate ? &c->alternate : NULL, &c->alt_ext, err,
	    errlen) == -1)
		return (-1);
	if (c->ext.set && c->alt_ext.set &&
	    stun_addr_equal(&c->ext.pub, &c->alt_ext.pub)) {
		snprintf(err, errlen, "external-ip and alt-external-ip name "
		    "one public address: RFC 5780 needs two");
		return (-1);
	}
	if (c->has_alternate && c->ext.set != c->alt_ext.set) {
		snprintf(err, errlen, "behind 1:1 NAT both addresses need "
		    "one: give external-ip and alt-external-ip");
		return (-1);
	}
	return (0);
}

int
conf_finish(struct conf *c, char *err, size_t errlen)
{
	if (!conf_isset(c, "primary")) {
		snprintf(err, errlen, "no primary address: use --primary "
		    "or 'primary' in the config file");
		return (-1);
	}
	if (!conf_isset(c, "alt-port"))
		c->alt_port = (c->port == 0 || c->port == 65535) ? 0 :
		    (uint16_t)(c->port + 1);
	if (c->has_alternate) {
		if (c->alternate.family != c->primary.family) {
			snprintf(err, errlen, "primary and alternate "
			    "addresses must be of the same family");
			return (-1);
		}
		if (stun_addr_equal(&c->primary, &c->alternate)) {
			snprintf(err, errlen, "alternate address equals "
			    "the primary address");
			return (-1);
		}
		if (c->port != 0 && c->port == c->alt_port) {
			snprintf(err, errlen, "port and alt-port are equal");
			return (-1);
		}
	}
	c->has_tls = c->has_tls || c->cert[0] != '\0';
	if (c->has_tls && (c->cert[0] == '\0' || c->key[0] == '\0')) {
		snprintf(err, errlen, "tls needs both cert and key");
		return (-1);
	}
	if (c->has_tls && !conf_isset(c, "tls-port"))
		c->tls_port = CONF_TLS_PORT;
	if (c->burst == 0)
		c->burst = 1;
	if (conf_secret(c, err, errlen) == -1)
		return (-1);
	/* TURN clients are told the relayed address: a real one. */
	if (c->turn && (c->user_file[0] != '\0' || c->auth_secret[0] != '\0') &&
	    conf_wildcard(c->has_relay_ip ? &c->relay_ip : &c->primary)) {
		snprintf(err, errlen, "turn: relay-ip must be given when the "
		    "primary address is a wildcard");
		return (-1);
	}
	if (c->rendezvous && c->member_timeout <= c->keepalive) {
		snprintf(err, errlen, "member-timeout (%u s) must be longer "
		    "than keepalive (%u s)", c->member_timeout, c->keepalive);
		return (-1);
	}
	return (conf_finish_ops(c, err, errlen));
}

/* Do a and b hold the same value for o (and the same flag)? */
static int
conf_same(const struct conf *a, const struct conf *b,
    const struct conf_opt *o)
{
	const unsigned char	*pa = (const unsigned char *)a;
	const unsigned char	*pb = (const unsigned char *)b;
	int			 fa, fb;

	if (o->flag != 0) {
		memcpy(&fa, pa + o->flag, sizeof(fa));
		memcpy(&fb, pb + o->flag, sizeof(fb));
		if (fa != fb)
			return (0);
		if (!fa)
			return (1);
	}
	switch (o->type) {
	case CONF_T_IP:
	case CONF_T_HOSTPORT:
		return (stun_addr_equal((const struct stun_addr *)(const void *)
		    (pa + o->off), (const struct stun_addr *)(const void *)
		    (pb + o->off)));
	case CONF_T_STR:
		return (strcmp((const char *)pa + o->off,
		    (const char *)pb + o->off) == 0);
	default:
		return (memcmp(pa + o->off, pb + o->off, conf_size(o)) == 0);
	}
}

const struct conf_opt *
conf_restart_next(const struct conf *a, const struct conf *b, size_t *i)
{
	const struct conf_opt	*o;

	for (o = conftab + *i; o->name != NULL; o++) {
		if (o->restart != NULL && !conf_same(a, b, o)) {
			*i = (size_t)(o - conftab) + 1;
			return (o);
		}
	}
	*i = (size_t)(o - conftab);
	return (NULL);
}

int
conf_needs_restart(const struct conf *a, const struct conf *b)
{
	size_t	 i = 0;

	if (conf_restart_next(a, b, &i) != NULL)
		return (1);
	/* The relay tables exist only when TURN had credentials at start. */
	return ((a->auth == NULL) != (b->auth == NULL));
}

void
conf_keep_fixed(struct conf *n, const struct conf *o)
{
	const struct conf_opt	*t;
	unsigned char		*d = (unsigned char *)n;
	const unsigned char	*s = (const unsigned char *)o;

	for (t = conftab; t->name != NULL; t++) {
		if (t->restart == NULL)
			continue;
		memcpy(d + t->off, s + t->off, conf_size(t));
		if (t->flag != 0)
			memcpy(d + t->flag, s + t->flag, sizeof(int));
	}
}

int
conf_read_file(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errlen)
{
	char	*buf = NULL, *nb;
	size_t	 cap = 0, off = 0;
	ssize_t	 n;
	int	 fd;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	for (;;) {
		if (off == cap) {
			/* One byte past max tells a file that is too large. */
			if (cap > max)
				break;
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + off, cap - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off > max) {
		snprintf(err, errlen, "%s: file too large", path);
		goto fail;
	}
	close(fd);
	*out = buf;
	*len = off;
	return (0);
fail:
	close(fd);
	free(buf);
	return (-1);
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	if (c->auth != NULL) {
		auth_free(c->auth);
		free(c->auth);
	}
	free(c);
}

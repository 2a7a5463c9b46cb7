/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund configuration: an option table shared by the config file and the
 * command line, a bounded line parser, merging and the final checks.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstun/rdv.h>

#include "conf.h"

enum conf_type {
	CT_IP, CT_PORT, CT_UINT, CT_STR, CT_BOOL, CT_LEVEL, CT_HOSTPORT,
	CT_U64, CT_ACL
};

struct conf_opt {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* field in struct conf */
	size_t		 size;		/* CT_STR: field size */
	unsigned	 min, max;	/* CT_UINT */
	size_t		 flag;		/* has_* field or NOFLAG */
};

#define NOFLAG	((size_t)-1)
#define F(x)	offsetof(struct conf, x)

static const struct conf_opt conf_opts[] = {
	{ "primary", CT_IP, F(primary), 0, 0, 0, NOFLAG },
	{ "alternate", CT_IP, F(alternate), 0, 0, 0, F(has_alternate) },
	{ "port", CT_PORT, F(port), 0, 0, 0, NOFLAG },
	{ "alt-port", CT_PORT, F(alt_port), 0, 0, 0, NOFLAG },
	{ "tls-port", CT_PORT, F(tls_port), 0, 0, 0, NOFLAG },
	{ "cert", CT_STR, F(cert), sizeof(((struct conf *)0)->cert), 0, 0,
	    NOFLAG },
	{ "key", CT_STR, F(key), sizeof(((struct conf *)0)->key), 0, 0,
	    NOFLAG },
	{ "foreground", CT_BOOL, F(foreground), 0, 0, 0, NOFLAG },
	{ "user", CT_STR, F(user), sizeof(((struct conf *)0)->user), 0, 0,
	    NOFLAG },
	{ "metrics", CT_HOSTPORT, F(metrics), 0, 0, 0, F(has_metrics) },
	{ "log-level", CT_LEVEL, F(log_level), 0, 0, 0, NOFLAG },
	{ "syslog", CT_BOOL, F(syslog), 0, 0, 0, NOFLAG },
	{ "workers", CT_UINT, F(workers), 0, 1, CONF_MAX_WORKERS, NOFLAG },
	{ "software", CT_STR, F(software),
	    sizeof(((struct conf *)0)->software), 0, 0, NOFLAG },
	{ "tcp-idle", CT_UINT, F(tcp_idle), 0, 1, 86400, NOFLAG },
	{ "tcp-max", CT_UINT, F(tcp_max), 0, 1, 1000000, NOFLAG },
	{ "rate", CT_UINT, F(rate), 0, 0, 1000000, NOFLAG },
	{ "burst", CT_UINT, F(burst), 0, 1, 1000000, NOFLAG },
	{ "table", CT_UINT, F(table), 0, 64, 1U << 22, NOFLAG },
	{ "udp-buffer", CT_UINT, F(udp_buffer), 0, 0, CONF_MAX_UDP_BUFFER,
	    NOFLAG },
	{ "rendezvous", CT_BOOL, F(rendezvous), 0, 0, 0, NOFLAG },
	{ "room-max", CT_UINT, F(room_max), 0, 1, 1000000, NOFLAG },
	{ "room-members", CT_UINT, F(room_members), 0, 2,
	    STUN_RDV_MAX_MEMBERS, NOFLAG },
	{ "member-max", CT_UINT, F(member_max), 0, 2, 1000000, NOFLAG },
	{ "keepalive", CT_UINT, F(keepalive), 0, 1, 3600, NOFLAG },
	{ "member-timeout", CT_UINT, F(member_timeout), 0, 2, 86400,
	    NOFLAG },
	{ "register-rate", CT_UINT, F(register_rate), 0, 1, 60000, NOFLAG },
	{ "register-burst", CT_UINT, F(register_burst), 0, 1, 1000,
	    NOFLAG },
	{ "room-prefix-max", CT_UINT, F(room_prefix_max), 0, 1, 1000000,
	    NOFLAG },
	{ "member-prefix-max", CT_UINT, F(member_prefix_max), 0, 1, 1000000,
	    NOFLAG },
	{ "rendezvous-secret-file", CT_STR, F(rdv_secret_file),
	    sizeof(((struct conf *)0)->rdv_secret_file), 0, 0, NOFLAG },
	{ "rendezvous-relay", CT_BOOL, F(rdv_relay), 0, 0, 0, NOFLAG },
	{ "rendezvous-relay-lifetime", CT_UINT, F(rdv_relay_life), 0, 60,
	    604800, NOFLAG },
	{ "turn", CT_BOOL, F(turn), 0, 0, 0, NOFLAG },
	{ "realm", CT_STR, F(realm), sizeof(((struct conf *)0)->realm), 0, 0,
	    NOFLAG },
	{ "user-file", CT_STR, F(user_file),
	    sizeof(((struct conf *)0)->user_file), 0, 0, NOFLAG },
	{ "static-auth-secret", CT_STR, F(auth_secret),
	    sizeof(((struct conf *)0)->auth_secret), 0, 0, NOFLAG },
	{ "relay-ports", CT_STR, F(relay_ports),
	    sizeof(((struct conf *)0)->relay_ports), 0, 0, NOFLAG },
	{ "relay-ip", CT_IP, F(relay_ip), 0, 0, 0, F(has_relay_ip) },
	/* min selects the list: 0 allow, 1 deny. */
	{ "allow-peer", CT_ACL, F(acl), 0, 0, 0, NOFLAG },
	{ "deny-peer", CT_ACL, F(acl), 0, 1, 0, NOFLAG },
	{ "max-allocations", CT_UINT, F(max_allocations), 0, 1, 1000000,
	    NOFLAG },
	{ "user-quota", CT_UINT, F(user_quota), 0, 0, 1000000, NOFLAG },
	{ "max-alloc-time", CT_UINT, F(max_alloc_time), 0, 0, 31536000,
	    NOFLAG },
	{ "max-alloc-bytes", CT_U64, F(max_alloc_bytes), 0, 0, 0, NOFLAG },
};
#define CONF_NOPTS	(sizeof(conf_opts) / sizeof(conf_opts[0]))

static const struct conf_opt *
conf_find(const char *name, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < CONF_NOPTS; i++) {
		if (strcmp(conf_opts[i].name, name) == 0) {
			*idx = i;
			return (&conf_opts[i]);
		}
	}
	return (NULL);
}

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = CONF_DEFAULT_PORT;
	c->log_level = 2;	/* LOG_LEVEL_INFO */
	c->workers = 1;
	c->tcp_idle = CONF_DEFAULT_IDLE;
	c->tcp_max = CONF_DEFAULT_TCP_MAX;
	c->rate = CONF_DEFAULT_RATE;
	c->burst = CONF_DEFAULT_BURST;
	c->table = CONF_DEFAULT_TABLE;
	c->udp_buffer = CONF_DEFAULT_UDP_BUFFER;
	c->rendezvous = 1;
	c->room_max = CONF_DEFAULT_ROOM_MAX;
	c->room_members = CONF_DEFAULT_ROOM_MEMBERS;
	c->member_max = CONF_DEFAULT_MEMBER_MAX;
	c->keepalive = CONF_DEFAULT_KEEPALIVE;
	c->member_timeout = CONF_DEFAULT_MEMBER_TIMEOUT;
	c->register_rate = CONF_DEFAULT_REG_RATE;
	c->register_burst = CONF_DEFAULT_REG_BURST;
	c->room_prefix_max = CONF_DEFAULT_ROOM_PREFIX_MAX;
	c->member_prefix_max = CONF_DEFAULT_MEMBER_PREFIX_MAX;
	c->rdv_relay = 1;
	c->rdv_relay_life = CONF_DEFAULT_RDV_RELAY_LIFE;
	c->turn = 1;
	snprintf(c->realm, sizeof(c->realm), "%s", CONF_DEFAULT_REALM);
	snprintf(c->relay_ports, sizeof(c->relay_ports), "%s",
	    CONF_DEFAULT_RELAY_PORTS);
	c->max_allocations = CONF_DEFAULT_MAX_ALLOCS;
}

int
conf_takes_value(const char *name)
{
	const struct conf_opt	*o;
	size_t			 i;

	if ((o = conf_find(name, &i)) == NULL)
		return (-1);
	return (o->type != CT_BOOL);
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

int
conf_set(struct conf *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	const struct conf_opt	*o;
	unsigned char		*base = (unsigned char *)c;
	struct stun_addr	 a;
	unsigned		 u;
	unsigned long long	 ull;
	char			*end;
	size_t			 idx, n;
	int			 lvl;

	if ((o = conf_find(name, &idx)) == NULL) {
		snprintf(err, errlen, "unknown keyword '%s'", name);
		return (-1);
	}
	if (o->type != CT_BOOL && value == NULL) {
		snprintf(err, errlen, "%s: value missing", name);
		return (-1);
	}
	switch (o->type) {
	case CT_IP:
		if (conf_parse_ip(value, &a) != 0)
			goto bad;
		memcpy(base + o->off, &a, sizeof(a));
		break;
	case CT_HOSTPORT:
		if (conf_parse_hostport(value, &a) != 0)
			goto bad;
		memcpy(base + o->off, &a, sizeof(a));
		break;
	case CT_PORT:
		if (conf_parse_uint(value, 0, 65535, &u) != 0)
			goto bad;
		*(uint16_t *)(base + o->off) = (uint16_t)u;
		break;
	case CT_UINT:
		if (conf_parse_uint(value, o->min, o->max, &u) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number "
			    "from %u to %u", name, value, o->min, o->max);
			return (-1);
		}
		*(unsigned *)(base + o->off) = u;
		break;
	case CT_STR:
		n = strlen(value);
		if (n >= o->size) {
			snprintf(err, errlen, "%s: value too long", name);
			return (-1);
		}
		memcpy(base + o->off, value, n + 1);
		break;
	case CT_BOOL:
		if (value == NULL || strcmp(value, "yes") == 0)
			*(int *)(base + o->off) = 1;
		else if (strcmp(value, "no") == 0)
			*(int *)(base + o->off) = 0;
		else
			goto bad;
		break;
	case CT_LEVEL:
		if ((lvl = conf_parse_level(value)) == -1)
			goto bad;
		*(int *)(base + o->off) = lvl;
		break;
	case CT_U64:
		if (*value < '0' || *value > '9')
			goto bad;
		ull = strtoull(value, &end, 10);
		if (*end != '\0' || ull == ULLONG_MAX)
			goto bad;
		*(uint64_t *)(base + o->off) = (uint64_t)ull;
		break;
	case CT_ACL:
		if (relay_acl_add(&c->acl, (int)o->min, value) != 0) {
			snprintf(err, errlen, "%s: '%s' is not an address "
			    "range, or more than %d were given", name, value,
			    RELAY_ACL_MAX);
			return (-1);
		}
		break;
	}
	if (o->flag != NOFLAG)
		*(int *)(base + o->flag) = 1;
	c->set |= (uint64_t)1 << idx;
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
		if (conf_takes_value(kw) == 1 && val == NULL) {
			snprintf(err, errlen, "%s:%zu: %s: value missing",
			    fname, lineno, kw);
			return (-1);
		}
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
	size_t			 i, sz;

	for (i = 0; i < CONF_NOPTS; i++) {
		if ((src->set & ((uint64_t)1 << i)) == 0)
			continue;
		o = &conf_opts[i];
		switch (o->type) {
		case CT_IP:
		case CT_HOSTPORT:
			sz = sizeof(struct stun_addr);
			break;
		case CT_PORT:
			sz = sizeof(uint16_t);
			break;
		case CT_UINT:
			sz = sizeof(unsigned);
			break;
		case CT_STR:
			sz = o->size;
			break;
		case CT_U64:
			sz = sizeof(uint64_t);
			break;
		case CT_ACL:
			/* Lists add up: the file's, then the command line's. */
			conf_merge_acl(dst, src, (int)o->min);
			dst->set |= (uint64_t)1 << i;
			continue;
		default:
			sz = sizeof(int);
			break;
		}
		memcpy(d + o->off, s + o->off, sz);
		if (o->flag != NOFLAG)
			memcpy(d + o->flag, s + o->flag, sizeof(int));
		dst->set |= (uint64_t)1 << i;
	}
}

static int
conf_isset(const struct conf *c, const char *name)
{
	size_t	 i;

	if (conf_find(name, &i) == NULL)
		return (0);
	return ((c->set & ((uint64_t)1 << i)) != 0);
}

/* relay-ports "LO-HI" into relay_lo and relay_hi. */
static int
conf_relay_ports(struct conf *c, char *err, size_t errlen)
{
	char		 tmp[sizeof(c->relay_ports)];
	char		*dash;
	unsigned	 lo, hi;

	memcpy(tmp, c->relay_ports, sizeof(tmp));
	if ((dash = strchr(tmp, '-')) == NULL)
		goto bad;
	*dash++ = '\0';
	if (conf_parse_uint(tmp, 1, 65535, &lo) != 0 ||
	    conf_parse_uint(dash, 1, 65535, &hi) != 0 || lo > hi)
		goto bad;
	c->relay_lo = (uint16_t)lo;
	c->relay_hi = (uint16_t)hi;
	return (0);
bad:
	snprintf(err, errlen, "relay-ports: '%s' is not LO-HI with "
	    "1 <= LO <= HI <= 65535", c->relay_ports);
	return (-1);
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
	c->has_tls = conf_isset(c, "tls-port") || c->cert[0] != '\0';
	if (c->has_tls && (c->cert[0] == '\0' || c->key[0] == '\0')) {
		snprintf(err, errlen, "tls needs both cert and key");
		return (-1);
	}
	if (c->has_tls && !conf_isset(c, "tls-port"))
		c->tls_port = CONF_DEFAULT_TLS_PORT;
	if (c->burst == 0)
		c->burst = 1;
	if (conf_relay_ports(c, err, errlen) == -1)
		return (-1);
	if (c->rendezvous && c->member_timeout <= c->keepalive) {
		snprintf(err, errlen, "member-timeout (%u s) must be longer "
		    "than keepalive (%u s)", c->member_timeout, c->keepalive);
		return (-1);
	}
	return (0);
}

int
conf_needs_restart(const struct conf *a, const struct conf *b)
{
	if (!stun_addr_equal(&a->primary, &b->primary) ||
	    a->has_alternate != b->has_alternate ||
	    (a->has_alternate &&
	    !stun_addr_equal(&a->alternate, &b->alternate)))
		return (1);
	if (a->port != b->port || a->alt_port != b->alt_port ||
	    a->tls_port != b->tls_port || a->has_tls != b->has_tls ||
	    a->workers != b->workers ||
	    a->table != b->table || a->udp_buffer != b->udp_buffer)
		return (1);
	/* The room table is sized and configured once, at start. */
	if (a->rendezvous != b->rendezvous || a->room_max != b->room_max ||
	    a->room_members != b->room_members ||
	    a->member_max != b->member_max || a->keepalive != b->keepalive ||
	    a->member_timeout != b->member_timeout ||
	    a->register_rate != b->register_rate ||
	    a->register_burst != b->register_burst ||
	    a->room_prefix_max != b->room_prefix_max ||
	    a->member_prefix_max != b->member_prefix_max ||
	    strcmp(a->rdv_secret_file, b->rdv_secret_file) != 0)
		return (1);
	/* The relay tables and their sockets are made once, at start. */
	if (a->turn != b->turn || a->max_allocations != b->max_allocations ||
	    a->relay_lo != b->relay_lo || a->relay_hi != b->relay_hi ||
	    a->has_relay_ip != b->has_relay_ip ||
	    (a->has_relay_ip && !stun_addr_equal(&a->relay_ip, &b->relay_ip)) ||
	    ((a->auth == NULL) != (b->auth == NULL)))
		return (1);
	if (strcmp(a->user, b->user) != 0 || a->has_metrics != b->has_metrics ||
	    (a->has_metrics && !stun_addr_equal(&a->metrics, &b->metrics)))
		return (1);
	return (0);
}

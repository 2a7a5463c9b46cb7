/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund configuration: one flat struct that is filled from the config file
 * and the command line through the option table (conftab.c), checked once,
 * and then never written again (SIGHUP builds a new one).  Parsing works
 * on text in memory; conf_read_file() is the one place that reads a file.
 */
#ifndef STUND_CONF_H
#define STUND_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <libstun/stun.h>

#include "relay.h"

#define CONF_PATH_MAX		(1024)
#define CONF_NAME_MAX		(64)
#define CONF_LINE_MAX		(1024)
#define CONF_FILE_MAX		(65536)	/* largest config file */
#define CONF_MAX_WORKERS	(64)
#define CONF_MAX_UDP_BUFFER	(256U * 1024 * 1024)
#define CONF_TLS_PORT		(5349)	/* tls-port when cert is given */

/* Which options were given: one bit per conftab row (checked there). */
#define CONF_SET_WORDS		(2)
#define CONF_MAX_OPTS		(64 * CONF_SET_WORDS)

#define CONF_EXT_MAX		(96)	/* "PUBLIC/PRIVATE" text */

/* An advertised address: what clients are told instead of the bound one. */
struct conf_ext {
	int			set;
	struct stun_addr	pub;	/* port 0 */
	struct stun_addr	priv;	/* the bound address it stands for */
	int			has_priv;
};

/* A port range, "LO-HI". */
struct conf_ports {
	uint16_t		lo, hi;
};

struct conf {
	uint64_t		set[CONF_SET_WORDS];	/* by conftab row */

	struct stun_addr	primary;
	struct stun_addr	alternate;
	int			has_alternate;
	/* Dual stack: a second pair of the other family. */
	struct stun_addr	primary6, alternate6;
	int			has_primary6, has_alternate6;
	uint16_t		port;
	uint16_t		alt_port;
	uint16_t		tls_port;
	int			has_tls;	/* tls-port or cert given */
	char			cert[CONF_PATH_MAX];
	char			key[CONF_PATH_MAX];
	int			foreground;
	char			user[CONF_NAME_MAX];
	struct stun_addr	metrics;
	int			has_metrics;
	int			log_level;
	int			syslog;
	unsigned		workers;
	char			software[STUN_MAX_STRING_SEND + 1];
	unsigned		tcp_idle;
	unsigned		tcp_max;
	unsigned		tcp_source_max;	/* per IPv4 or IPv6 /64 */
	unsigned		tcp_reserved;	/* slots for new sources */
	unsigned		tcp_handshake;	/* s, TLS handshake deadline */
	unsigned		tcp_request;	/* s, a begun request's deadline */
	unsigned		rate;
	unsigned		burst;
	unsigned		table;
	unsigned		udp_buffer;	/* SO_RCVBUF; 0: default */
	int			rendezvous;	/* serve the extension */
	unsigned		room_max;
	unsigned		room_members;
	unsigned		member_max;
	unsigned		keepalive;	/* s, told to clients */
	unsigned		member_timeout;	/* s */
	unsigned		register_rate;	/* per minute per source */
	unsigned		register_burst;
	unsigned		room_prefix_max; /* per IPv4 or IPv6 /64 */
	unsigned		member_prefix_max;
	char			rdv_secret_file[CONF_PATH_MAX]; /* "": random */
	int			rdv_relay;	/* Register hands out TURN creds */
	unsigned		rdv_relay_life;	/* s */
	/* A fleet sharing one Redis (cluster.c). */
	char			cluster[CONF_PATH_MAX];	/* redis://...; "": alone */
	char			cluster_password_file[CONF_PATH_MAX];
	int			cluster_redirect;	/* 300 when full */
	int			turn;		/* given credentials */
	char			realm[STUN_MAX_STRING_SEND + 1];
	char			user_file[CONF_PATH_MAX];
	char			auth_secret[AUTH_MAX_SECRET + 1];
	char			auth_secret_file[CONF_PATH_MAX];
	struct conf_ports	relay_ports;
	struct stun_addr	relay_ip;
	int			has_relay_ip;
	unsigned		max_allocations;
	unsigned		user_quota;	/* 0: none */
	unsigned		max_alloc_time;	/* s; 0: none */
	uint64_t		max_alloc_bytes; /* 0: none */
	unsigned		source_quota;	/* per source; 0: none */
	uint64_t		max_alloc_rate;	/* bytes/s each way; 0: none */
	unsigned		rdv_relay_share; /* % of max-allocations */
	uint64_t		rdv_relay_rate;	/* bytes/s each way; 0: none */
	uint64_t		rdv_relay_bytes; /* 0: none */
	unsigned		relay_coalesce;	/* us; 0: off */
	struct relay_acl	acl;		/* allow-peer, deny-peer */
	/* Operations. */
	char			group[CONF_NAME_MAX];
	char			pidfile[CONF_PATH_MAX];
	char			log_file[CONF_PATH_MAX];
	char			log_format[8];	/* "text" or "json" */
	int			log_json;	/* by conf_finish() */
	unsigned		log_rate;	/* event lines a second */
	int			no_udp, no_tcp;
	/* Advertised addresses (1:1 NAT): PUBLIC[/PRIVATE] as given. */
	char			ext_ip[CONF_EXT_MAX];
	char			alt_ext_ip[CONF_EXT_MAX];
	struct conf_ext		ext, alt_ext;	/* by conf_finish() */
	/* PROXY protocol v2 in front of these stream listeners. */
	char			proxy_protocol[16];	/* "tcp,tls", "no" */
	int			proxy_tcp, proxy_tls;	/* by conf_finish() */
	unsigned		proxy_timeout;	/* s for the header */
	struct auth		*auth;	/* by auth_load() */
};

enum conf_type {
	CONF_T_IP,		/* "192.0.2.1", "2001:db8::1", "[::1]" */
	CONF_T_HOSTPORT,	/* "ADDR:PORT", "[V6]:PORT" or "PORT" */
	CONF_T_PORT,		/* uint16_t */
	CONF_T_UINT,		/* unsigned from min to max */
	CONF_T_U64,		/* uint64_t */
	CONF_T_STR,		/* char[size] */
	CONF_T_BOOL,		/* int: "yes", "no", or no value for yes */
	CONF_T_LEVEL,		/* int: "err", "warn", "info", "debug" */
	CONF_T_RANGE,		/* struct conf_ports: "LO-HI" */
	CONF_T_ACL		/* struct relay_acl: min 0 allow, 1 deny */
};

/*
 * One option: "name value" in the config file, --name value on the
 * command line.  conftab[] holds them all and ends with a NULL name.
 */
struct conf_opt {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;	/* its field in struct conf */
	size_t		 size;	/* CONF_T_STR: the field's size */
	unsigned	 min, max;	/* CONF_T_UINT bounds; ACL: list */
	size_t		 flag;	/* an int set to 1 when given; 0: none */
	const char	*dflt;	/* the default, as text; NULL: zero or empty */
	const char	*restart;	/* NULL: SIGHUP applies it; or why */
	const char	*arg;	/* the value's name for --help; NULL: a bool */
	const char	*help;	/* one line for --help */
};
extern const struct conf_opt conftab[];

/* The row of an option, or NULL. */
const struct conf_opt *conf_find(const char *name);
/* Defaults from the table, nothing marked as given. */
void	conf_init(struct conf *c);
/*
 * Set one option by its long name ("primary", "port", ...) from text.
 * Returns 0, or -1 with a one-line message naming the option and the
 * value (no file or line) in err.
 */
int	conf_set(struct conf *c, const char *name, const char *value,
	    char *err, size_t errlen);
/*
 * Parse a config file's text.  Lines are "keyword value" or "keyword";
 * '#' starts a comment; values may be double-quoted.  Returns 0, or -1
 * with "file:line: message" in err.
 */
int	conf_parse(struct conf *c, const char *text, size_t len,
	    const char *fname, char *err, size_t errlen);
/* Copy every option set in src over dst (command line over file). */
void	conf_merge(struct conf *dst, const struct conf *src);
/*
 * Fill dependent defaults (alt-port = port + 1) and check consistency.
 * Returns 0, or -1 with a message in err.
 */
int	conf_finish(struct conf *c, char *err, size_t errlen);
/*
 * The reload policy of the table's restart column.  conf_restart_next()
 * returns the next row, from index *i on, whose value differs between a
 * and b although SIGHUP cannot apply it, and moves *i past it; NULL when
 * there is none.  conf_needs_restart() is 1 when there is one, or when
 * TURN would be turned on or off by credentials that came or went.
 * conf_keep_fixed() copies every such option's running value from o
 * into n.
 */
const struct conf_opt *conf_restart_next(const struct conf *a,
	    const struct conf *b, size_t *i);
int	conf_needs_restart(const struct conf *a, const struct conf *b);
void	conf_keep_fixed(struct conf *n, const struct conf *o);
/*
 * Read a config or users file whole, at most max bytes, into *out (to
 * free(3)) and *len: the only file reading of libstund.  Returns 0, or -1
 * with "path: reason" in err.
 */
int	conf_read_file(const char *path, size_t max, char **out, size_t *len,
	    char *err, size_t errlen);
/* Free a snapshot from malloc(3) and the credentials it owns. */
void	conf_free(struct conf *c);
/* "127.0.0.1", "::1", "[::1]" -> address (port 0). 0 or -1. */
int	conf_parse_ip(const char *s, struct stun_addr *a);
/* "ADDR:PORT", "[V6]:PORT" or "PORT" (on 127.0.0.1). 0 or -1. */
int	conf_parse_hostport(const char *s, struct stun_addr *a);

#endif

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund configuration: one flat struct that is filled from the config file
 * and the command line, checked once, and then never written again (SIGHUP
 * builds a new one).  Parsing works on text in memory and does no I/O.
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

#define CONF_DEFAULT_PORT	(3478)
#define CONF_DEFAULT_TLS_PORT	(5349)
#define CONF_DEFAULT_IDLE	(300)	/* s; RFC 8489 6.2.2 */
#define CONF_DEFAULT_RATE	(100)	/* packets/s per source */
#define CONF_DEFAULT_BURST	(200)
#define CONF_DEFAULT_TCP_MAX	(1024)	/* connections */
#define CONF_DEFAULT_TABLE	(65536)	/* limiter slots/worker */
#define CONF_DEFAULT_UDP_BUFFER	(4U * 1024 * 1024)	/* bytes */
#define CONF_MAX_UDP_BUFFER	(256U * 1024 * 1024)
/* Rendezvous extension (doc/rendezvous.md), see stund.conf(5). */
#define CONF_DEFAULT_ROOM_MAX	(1024)
#define CONF_DEFAULT_ROOM_MEMBERS (8)
#define CONF_DEFAULT_MEMBER_MAX	(4096)
#define CONF_DEFAULT_KEEPALIVE	(10)	/* s */
#define CONF_DEFAULT_MEMBER_TIMEOUT (30)	/* s */
#define CONF_DEFAULT_REG_RATE	(60)	/* Registers/min per source */
#define CONF_DEFAULT_REG_BURST	(10)
#define CONF_DEFAULT_RDV_RELAY_LIFE (3600)	/* s, relay credentials */
#define CONF_DEFAULT_ROOM_PREFIX_MAX (64)	/* rooms per source prefix */
#define CONF_DEFAULT_MEMBER_PREFIX_MAX (64)	/* members per prefix */
/* TURN relay (RFC 8656), see stund.conf(5). */
#define CONF_DEFAULT_REALM	"stunkit"
#define CONF_DEFAULT_RELAY_PORTS "49152-65535"
#define CONF_DEFAULT_MAX_ALLOCS	(1024)

struct conf {
	uint64_t		set;		/* CONF_F_* bits given */

	struct stun_addr	primary;
	struct stun_addr	alternate;
	int			has_alternate;
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
	int			rdv_relay;	/* Register hands out TURN creds */
	unsigned		rdv_relay_life;	/* s */
	unsigned		room_prefix_max; /* per IPv4 or IPv6 /64 */
	unsigned		member_prefix_max;
	char			rdv_secret_file[CONF_PATH_MAX]; /* "": random */
	int			turn;		/* given credentials */
	char			realm[STUN_MAX_STRING_SEND + 1];
	char			user_file[CONF_PATH_MAX];
	char			auth_secret[AUTH_MAX_SECRET + 1];
	char			relay_ports[32];	/* "LO-HI" */
	uint16_t		relay_lo, relay_hi;
	struct stun_addr	relay_ip;
	int			has_relay_ip;
	unsigned		max_allocations;
	unsigned		user_quota;	/* 0: none */
	unsigned		max_alloc_time;	/* s; 0: none */
	uint64_t		max_alloc_bytes; /* 0: none */
	struct relay_acl	acl;		/* allow-peer, deny-peer */
	struct auth		*auth;	/* by relayio_conf() */
};

/* Defaults, nothing marked as set. */
void	conf_init(struct conf *c);
/*
 * Set one option by its long name ("primary", "port", ...) from text.
 * Returns 0, or -1 with a message (no file or line) in err.
 */
int	conf_set(struct conf *c, const char *name, const char *value,
	    char *err, size_t errlen);
/* 1 when name is a known option that takes a value, 0 for a flag, -1. */
int	conf_takes_value(const char *name);
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
/* Options SIGHUP cannot change (sockets, user): 1 when they differ. */
int	conf_needs_restart(const struct conf *a, const struct conf *b);
/* "127.0.0.1", "::1", "[::1]" -> address (port 0). 0 or -1. */
int	conf_parse_ip(const char *s, struct stun_addr *a);
/* "ADDR:PORT", "[V6]:PORT" or "PORT" (on 127.0.0.1). 0 or -1. */
int	conf_parse_hostport(const char *s, struct stun_addr *a);

#endif

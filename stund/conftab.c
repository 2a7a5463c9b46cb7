/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Every stund option, one row each: its name in the config file and on
 * the command line, its type, bounds and default, whether SIGHUP applies
 * it (and if not, why a restart is needed), and its line of --help.  The
 * parser, getopt, --help, the reload policy and the manual pages' option
 * lists all follow this table; adding an option is one row here plus the
 * field and the code that uses it.
 */
#include <stddef.h>

#include <libstun/rdv.h>

#include "conf.h"

#define F(x)	offsetof(struct conf, x)
#define S(x)	sizeof(((struct conf *)0)->x)

/* Why an option needs a restart. */
#define R_SOCKETS	"the sockets are bound once, at start"
#define R_START		"it is applied once, at start"
#define R_PRIVS		"privileges are dropped once, after binding"
#define R_WORKERS	"the worker threads and their tables are made once"
#define R_ROOMS		"the room table is made once, at start"
#define R_ROOMSIZE	"the room table is allocated once, at its size"
#define R_RDVSECRET	"cookies, server keys and relay credentials " \
			"handed out hang on it; it is read once, at start"
#define R_RELAY		"the relay tables and their sockets are made once"

const struct conf_opt conftab[] = {
	{ .name = "primary", .type = CONF_T_IP, .off = F(primary),
	  .restart = R_SOCKETS, .arg = "addr",
	  .help = "the first address to listen on; required" },
	{ .name = "alternate", .type = CONF_T_IP, .off = F(alternate),
	  .flag = F(has_alternate), .restart = R_SOCKETS, .arg = "addr",
	  .help = "a second address of the same family: RFC 5780" },
	{ .name = "port", .type = CONF_T_PORT, .off = F(port),
	  .dflt = "3478", .restart = R_SOCKETS, .arg = "n",
	  .help = "the primary port; 0 lets the kernel pick one" },
	{ .name = "alt-port", .type = CONF_T_PORT, .off = F(alt_port),
	  .restart = R_SOCKETS, .arg = "n",
	  .help = "the second port, by default port + 1" },
	{ .name = "tls-port", .type = CONF_T_PORT, .off = F(tls_port),
	  .flag = F(has_tls), .restart = R_SOCKETS, .arg = "n",
	  .help = "STUN over TLS on this port, 5349 when cert is given" },
	{ .name = "cert", .type = CONF_T_STR, .off = F(cert), .size = S(cert),
	  .arg = "file",
	  .help = "the TLS certificate chain in PEM; turns TLS on" },
	{ .name = "key", .type = CONF_T_STR, .off = F(key), .size = S(key),
	  .arg = "file",
	  .help = "the TLS private key in PEM" },
	{ .name = "foreground", .type = CONF_T_BOOL, .off = F(foreground),
	  .restart = R_START,
	  .help = "stay in the foreground and log to standard error" },
	{ .name = "user", .type = CONF_T_STR, .off = F(user), .size = S(user),
	  .restart = R_PRIVS, .arg = "name",
	  .help = "switch to this user after binding" },
	{ .name = "metrics", .type = CONF_T_HOSTPORT, .off = F(metrics),
	  .flag = F(has_metrics), .restart = R_PRIVS, .arg = "addr:port",
	  .help = "serve Prometheus metrics here; a bare port is 127.0.0.1" },
	{ .name = "log-level", .type = CONF_T_LEVEL, .off = F(log_level),
	  .dflt = "info", .arg = "level",
	  .help = "how much to log: err, warn, info or debug" },
	{ .name = "syslog", .type = CONF_T_BOOL, .off = F(syslog),
	  .restart = R_START,
	  .help = "log to syslog even in the foreground" },
	{ .name = "workers", .type = CONF_T_UINT, .off = F(workers),
	  .min = 1, .max = CONF_MAX_WORKERS, .dflt = "1",
	  .restart = R_WORKERS, .arg = "n",
	  .help = "UDP worker threads" },
	{ .name = "software", .type = CONF_T_STR, .off = F(software),
	  .size = S(software), .arg = "text",
	  .help = "send a SOFTWARE attribute with this text" },
	{ .name = "tcp-idle", .type = CONF_T_UINT, .off = F(tcp_idle),
	  .min = 1, .max = 86400, .dflt = "300", .arg = "seconds",
	  .help = "close TCP and TLS connections idle this long" },
	{ .name = "tcp-max", .type = CONF_T_UINT, .off = F(tcp_max),
	  .min = 1, .max = 1000000, .dflt = "1024", .arg = "n",
	  .help = "the most TCP and TLS connections at once" },
	{ .name = "rate", .type = CONF_T_UINT, .off = F(rate),
	  .min = 0, .max = 1000000, .dflt = "100", .arg = "pps",
	  .help = "answers a second to one source (IPv6: a /64); 0: no limit" },
	{ .name = "burst", .type = CONF_T_UINT, .off = F(burst),
	  .min = 1, .max = 1000000, .dflt = "200", .arg = "n",
	  .help = "the token bucket depth of that limit" },
	{ .name = "table", .type = CONF_T_UINT, .off = F(table),
	  .min = 64, .max = 1U << 22, .dflt = "65536",
	  .restart = R_WORKERS, .arg = "n",
	  .help = "rate-limiter entries per worker" },
	{ .name = "udp-buffer", .type = CONF_T_UINT, .off = F(udp_buffer),
	  .min = 0, .max = CONF_MAX_UDP_BUFFER, .dflt = "4194304",
	  .restart = R_SOCKETS, .arg = "bytes",
	  .help = "receive buffer of each UDP socket; 0: the system's" },
	{ .name = "rendezvous", .type = CONF_T_BOOL, .off = F(rendezvous),
	  .dflt = "yes", .restart = R_ROOMS,
	  .help = "serve the rendezvous of p2pchat(1) over UDP" },
	{ .name = "room-max", .type = CONF_T_UINT, .off = F(room_max),
	  .min = 1, .max = 1000000, .dflt = "1024", .restart = R_ROOMSIZE,
	  .arg = "n",
	  .help = "the most rendezvous rooms" },
	{ .name = "room-members", .type = CONF_T_UINT, .off = F(room_members),
	  .min = 2, .max = STUN_RDV_MAX_MEMBERS, .dflt = "8", .arg = "n",
	  .help = "the most members in one room" },
	{ .name = "member-max", .type = CONF_T_UINT, .off = F(member_max),
	  .min = 2, .max = 1000000, .dflt = "4096", .restart = R_ROOMSIZE,
	  .arg = "n",
	  .help = "the most members in all rooms together" },
	{ .name = "keepalive", .type = CONF_T_UINT, .off = F(keepalive),
	  .min = 1, .max = 3600, .dflt = "10", .arg = "seconds",
	  .help = "the keepalive interval told to members" },
	{ .name = "member-timeout", .type = CONF_T_UINT,
	  .off = F(member_timeout), .min = 2, .max = 86400, .dflt = "30",
	  .arg = "seconds",
	  .help = "remove a member not heard from for this long" },
	{ .name = "register-rate", .type = CONF_T_UINT,
	  .off = F(register_rate), .min = 1, .max = 60000, .dflt = "60",
	  .arg = "n",
	  .help = "Registers a minute from one source prefix after its burst" },
	{ .name = "register-burst", .type = CONF_T_UINT,
	  .off = F(register_burst), .min = 1, .max = 1000, .dflt = "10",
	  .arg = "n",
	  .help = "Registers one source prefix may send at once" },
	{ .name = "room-prefix-max", .type = CONF_T_UINT,
	  .off = F(room_prefix_max), .min = 1, .max = 1000000, .dflt = "64",
	  .arg = "n",
	  .help = "rooms one source prefix (IPv4 address, IPv6 /64) may hold" },
	{ .name = "member-prefix-max", .type = CONF_T_UINT,
	  .off = F(member_prefix_max), .min = 1, .max = 1000000, .dflt = "64",
	  .arg = "n",
	  .help = "members one source prefix may hold" },
	{ .name = "rendezvous-secret-file", .type = CONF_T_STR,
	  .off = F(rdv_secret_file), .size = S(rdv_secret_file),
	  .restart = R_RDVSECRET, .arg = "file",
	  .help = "the rendezvous secret, 64 hex digits; else a random one" },
	{ .name = "rendezvous-relay", .type = CONF_T_BOOL, .off = F(rdv_relay),
	  .dflt = "yes",
	  .help = "hand members a TURN REST credential for our relay" },
	{ .name = "rendezvous-relay-lifetime", .type = CONF_T_UINT,
	  .off = F(rdv_relay_life), .min = 60, .max = 604800, .dflt = "3600",
	  .arg = "seconds",
	  .help = "how long such a credential is good for" },
	{ .name = "turn", .type = CONF_T_BOOL, .off = F(turn), .dflt = "yes",
	  .restart = R_RELAY,
	  .help = "serve TURN when a users file or a secret is given" },
	{ .name = "realm", .type = CONF_T_STR, .off = F(realm),
	  .size = S(realm),
	  .dflt = "stunkit", .arg = "text",
	  .help = "the realm of the long-term credentials" },
	{ .name = "user-file", .type = CONF_T_STR, .off = F(user_file),
	  .size = S(user_file), .arg = "file",
	  .help = "TURN users, one name:password a line" },
	{ .name = "static-auth-secret", .type = CONF_T_STR,
	  .off = F(auth_secret), .size = S(auth_secret), .arg = "secret",
	  .help = "accept TURN REST credentials made with this secret" },
	{ .name = "relay-ports", .type = CONF_T_RANGE, .off = F(relay_ports),
	  .dflt = "49152-65535", .restart = R_RELAY, .arg = "lo-hi",
	  .help = "the UDP ports of relayed addresses" },
	{ .name = "relay-ip", .type = CONF_T_IP, .off = F(relay_ip),
	  .flag = F(has_relay_ip), .restart = R_RELAY, .arg = "addr",
	  .help = "the address relay sockets bind to, by default primary" },
	/* min selects the list: 0 allow, 1 deny. */
	{ .name = "allow-peer", .type = CONF_T_ACL, .off = F(acl), .min = 0,
	  .arg = "cidr",
	  .help = "relay to this range although the peer policy refuses it" },
	{ .name = "deny-peer", .type = CONF_T_ACL, .off = F(acl), .min = 1,
	  .arg = "cidr",
	  .help = "never relay to this range" },
	{ .name = "max-allocations", .type = CONF_T_UINT,
	  .off = F(max_allocations), .min = 1, .max = 1000000, .dflt = "1024",
	  .restart = R_RELAY, .arg = "n",
	  .help = "TURN allocations in all" },
	{ .name = "user-quota", .type = CONF_T_UINT, .off = F(user_quota),
	  .min = 0, .max = 1000000, .dflt = "0", .arg = "n",
	  .help = "allocations one user may hold; 0: no limit" },
	{ .name = "max-alloc-time", .type = CONF_T_UINT,
	  .off = F(max_alloc_time), .min = 0, .max = 31536000, .dflt = "0",
	  .arg = "seconds",
	  .help = "end an allocation this long after it was made; 0: never" },
	{ .name = "max-alloc-bytes", .type = CONF_T_U64,
	  .off = F(max_alloc_bytes), .dflt = "0", .arg = "n",
	  .help = "end an allocation after relaying this much; 0: never" },
	{ .name = NULL }
};

/* The set marks of struct conf hold one bit per row. */
_Static_assert(sizeof(conftab) / sizeof(conftab[0]) - 1 <= CONF_MAX_OPTS,
    "conftab has more rows than struct conf can mark: raise CONF_SET_WORDS");

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's start-up: the command line, the room code, the server and
 * relay addresses, then the socket, the rendezvous configuration and the
 * room built from them.  Whatever refuses to start says so in one line.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/cli.h"
#include "common/log.h"
#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/turn.h"
#include "chat/crypto.h"
#include "chat/end.h"
#include "chat/room.h"
#include "chat/p2pchat.h"
#include "chat/relay.h"
#include "chat/ctx.h"
#include "chat/srv.h"
#include "chat/tcppunch.h"
#include "chat/web.h"
#include "chat/xfer.h"

#define CHAT_CODE_ENV	"P2PCHAT_CODE"
#define CHAT_CODE_IN	256	/* bytes of a code line read */
#define CHAT_RELAY_ENV	"P2PCHAT_RELAY"
#define CHAT_RELAY_IN	1280	/* turn:, user and password, host:port */
/* For tests: the first wait, in ms, before a UDP probe (chat/udpback.h). */
#define CHAT_PROBE_ENV	"P2PCHAT_UDP_PROBE_MS"
#define CHAT_SOCK_BUF	(4 * 1024 * 1024)	/* socket buffers, bytes */

#define CHAT_SYNOPSIS	"p2pchat --server host[:port] [--name name] " \
	"[--join | --code-file file] [options] [code]"
#define CHAT_ABOUT	"End-to-end encrypted chat from peer to peer " \
	"through NATs.  Without a code,\ncreates a room; the code can also " \
	"come from $" CHAT_CODE_ENV "."

static const struct cli_opt chat_optab[] = {
	{ "server", 's', 's', "HOST[:PORT][,...]",
	    "the rendezvous server, a stund (port 3478 unless given); "
	    "several, or a name with several addresses, are tried in turn" },
	{ "name", 'n', 'n', "NAME",
	    "the name others see (default: $USER, else $LOGNAME)" },
	{ "join", 'j', 'j', NULL, "join a room whose code is asked for on "
	    "the terminal (unless $" CHAT_CODE_ENV " or --code-file gives "
	    "it)" },
	{ "code-file", 0, 'c', "FILE", "read the room code from the first "
	    "line of FILE ('-': standard input, the rest are messages)" },
	{ "batch", 0, 'b', NULL, "messages from standard input, events as "
	    "JSON lines on standard output" },
	{ "web", 0, 'w', "[ADDR:]PORT", "serve the chat as a web page on "
	    "ADDR (default 127.0.0.1): open the URL it prints" },
	{ "port", 0, 'p', "PORT", "the local UDP port (default: any)" },
	{ "linger", 0, 'l', "SECONDS", "how long to wait for "
	    "acknowledgements when leaving (default 10)" },
	{ "transport", 0, 'T', "auto|udp|tcp|tls", "how to reach the "
	    "rendezvous server (default auto: UDP, then TCP, then TLS)" },
	{ "tls-port", 0, 'P', "PORT", "the rendezvous server's TLS port "
	    "(default 443; 0: no TLS)" },
	{ "ca", 0, 'C', "FILE", "trust the TLS certificates of FILE (PEM) "
	    "instead of the system's" },
	{ "relay", 0, 'r', "turn[s]:USER:PASS@HOST[:PORT][?transport=T]",
	    "use this TURN server when no direct path works (the password "
	    "is better kept in --relay-file or $" CHAT_RELAY_ENV ")" },
	{ "relay-file", 0, 'R', "FILE", "read the --relay value from the "
	    "first line of FILE" },
	{ "force-relay", 0, 'f', NULL, "relayed paths only" },
	{ "send", 0, 'S', "PATH", "offer the file PATH to every peer that "
	    "joins" },
	{ "accept-dir", 0, 'A', "DIR", "accept the files offered into DIR "
	    "(a partial one resumes)" },
	{ "no-relay", 0, 'N', NULL, "do not use the relay the server offers" },
	{ "no-hard-nat", 0, 'H', NULL, "no port prediction towards a peer "
	    "behind a symmetric NAT" },
	{ "verbose", 'v', 'v', NULL, "log what is sent and received on "
	    "standard error" },
	{ "help", 'h', 'h', NULL, "print this help and exit" },
	{ "version", 0, 'V', NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/* The code read from a file, stdin or the terminal, or copied from argv. */
static char	chat_code_in[CHAT_CODE_IN];
/* The --relay value, from argv (then wiped), a file or the environment. */
static char	chat_relay_in[CHAT_RELAY_IN];

static int
chat_name_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > CHAT_NAME_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (1);
}

/*
 * The first line of fd into buf, a byte at a time so that what follows
 * on stdin stays there for the messages.  0, or -1 (errno set; EINVAL for
 * a line too long or empty).
 */
static int
chat_line(int fd, char *buf, size_t cap)
{
	size_t	n = 0;
	ssize_t	r;
	char	c;

	for (;;) {
		if ((r = read(fd, &c, 1)) == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0 || c == '\n')
			break;
		if (n == cap - 1) {
			errno = EINVAL;
			return (-1);
		}
		buf[n++] = c;
	}
	while (n > 0 && (buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (n == 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

static int
chat_code_line(int fd)
{
	return (chat_line(fd, chat_code_in, sizeof(chat_code_in)));
}

/*
 * Where the room code comes from, first found first: the argument (wiped
 * from argv, so that ps shows it no longer), --code-file, the environment,
 * the terminal with --join.  Sets ctx->code_arg to it, or leaves it NULL
 * to create a room.  0, or the exit status after one line on stderr.
 */
static int
chat_code_source(struct chat_ctx *ctx, char *arg, const char *file,
    int join, const char **how)
{
	const char	*env = getenv(CHAT_CODE_ENV);
	int		 fd, rv;

	*how = NULL;		/* the argument: shown when wrong */
	if (arg != NULL) {
		snprintf(chat_code_in, sizeof(chat_code_in), "%s", arg);
		OPENSSL_cleanse(arg, strlen(arg));
	} else if (file != NULL) {
		*how = strcmp(file, "-") == 0 ? "standard input" :
		    "--code-file";
		if (strcmp(file, "-") == 0) {
			if (isatty(STDIN_FILENO))
				fputs("room code: ", stderr);
			rv = chat_code_line(STDIN_FILENO);
		} else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
			rv = -1;
		else {
			rv = chat_code_line(fd);
			close(fd);
		}
		if (rv != 0) {
			fprintf(stderr, "p2pchat: --code-file %s: %s\n",
			    cli_quote(file), errno == EINVAL ?
			    "no room code on the first line" :
			    strerror(errno));
			return (1);
		}
	} else if (env != NULL && *env != '\0') {
		*how = "$" CHAT_CODE_ENV;
		snprintf(chat_code_in, sizeof(chat_code_in), "%s", env);
		(void)unsetenv(CHAT_CODE_ENV);
	} else if (join) {
		*how = "the terminal";
		if (!isatty(STDIN_FILENO))
			cli_usage("--join asks for the code on a terminal: "
			    "give --code-file or $%s instead", CHAT_CODE_ENV);
		fputs("room code: ", stderr);
		if (chat_code_line(STDIN_FILENO) != 0) {
			fprintf(stderr, "p2pchat: no room code given\n");
			return (1);
		}
	} else
		return (0);
	ctx->code_arg = chat_code_in;
	return (0);
}

/* The room code, given or made: 0, or the exit status. */
static int
chat_code(struct chat_ctx *ctx, const char *how)
{
	int	rv = 0;

	if (ctx->code_arg == NULL && ctx->web_arg != NULL)
		return (0);	/* the web page creates or joins the room */
	if (ctx->code_arg == NULL) {
		if (chat_code_make(NULL, NULL, ctx->secret, ctx->code,
		    sizeof(ctx->code)) != 0) {
			fprintf(stderr, "p2pchat: no random bytes for a room "
			    "code\n");
			rv = 1;
		}
		return (rv);
	}
	if (chat_code_parse(ctx->code_arg, ctx->secret) != 0) {
		if (how == NULL)
			fprintf(stderr, "p2pchat: %s: not a valid room code "
			    "(mistyped?)\n", cli_quote(ctx->code_arg));
		else
			fprintf(stderr, "p2pchat: the room code from %s is "
			    "not valid (mistyped?)\n", how);
		rv = 1;
	} else
		(void)chat_code_format(ctx->secret, ctx->code,
		    sizeof(ctx->code));
	OPENSSL_cleanse(chat_code_in, sizeof(chat_code_in));
	ctx->code_arg = ctx->code;
	return (rv);
}

/*
 * Where the --relay value comes from: the option (copied, then wiped from
 * argv so that ps shows it no longer), --relay-file, or the environment
 * (then unset), unless --no-relay.  0, or the exit status.
 */
static int
chat_relay_source(struct chat_ctx *ctx, char *arg, const char *file,
    int no_relay)
{
	const char	*env = getenv(CHAT_RELAY_ENV);
	int		 fd, rv;

	if (arg != NULL) {
		snprintf(chat_relay_in, sizeof(chat_relay_in), "%s", arg);
		OPENSSL_cleanse(arg, strlen(arg));
	} else if (file != NULL) {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
			rv = -1;
		else {
			rv = chat_line(fd, chat_relay_in,
			    sizeof(chat_relay_in));
			close(fd);
		}
		if (rv != 0) {
			fprintf(stderr, "p2pchat: --relay-file %s: %s\n",
			    cli_quote(file), errno == EINVAL ?
			    "no turn: line first" : strerror(errno));
			return (1);
		}
	} else if (env != NULL && *env != '\0' && !no_relay)
		snprintf(chat_relay_in, sizeof(chat_relay_in), "%s", env);
	else
		return (0);
	if (env != NULL)
		(void)unsetenv(CHAT_RELAY_ENV);
	ctx->relay_arg = chat_relay_in;
	return (0);
}

/* --relay into the relay machine: 0, or the exit status. */
static int
chat_relay_opt(struct chat_ctx *ctx)
{
	struct stun_turn_config	tc;
	char			host[256];
	int			rv, tls, transport, mode;

	rv = chat_relay_uri(ctx->relay_arg, &tc, &tls, &transport, host,
	    sizeof(host), ctx->err, sizeof(ctx->err));
	if (rv == -1) {
		OPENSSL_cleanse(&tc, sizeof(tc));
		/* The value holds a password: not shown. */
		cli_usage("--relay: expected turn:user:pass@host[:port]"
		    "[?transport=udp|tcp] or turns:user:pass@host[:port]");
	}
	/* turn: alone: UDP, then TCP; turns: TLS on the port given. */
	mode = tls ? CHAT_SRV_TLS : transport == 1 ? CHAT_SRV_UDP :
	    transport == 2 ? CHAT_SRV_TCP : CHAT_SRV_AUTO;
	if (rv != 0)
		fprintf(stderr, "p2pchat: --relay: %s\n", ctx->err);
	else if (chat_srv_add(ctx, CHAT_SRV_RELAY, &tc.server, host, mode,
	    tls ? tc.server.port : 0) != 0) {
		fprintf(stderr, "p2pchat: --relay: too many servers\n");
		rv = 1;
	} else if ((rv = chat_relay_configure(&ctx->relay, &tc)) != 0) {
		fprintf(stderr, "p2pchat: --relay: %s\n", stun_strerror(rv));
		rv = -1;
	}
	OPENSSL_cleanse(&tc, sizeof(tc));
	OPENSSL_cleanse(chat_relay_in, sizeof(chat_relay_in));
	ctx->relay_arg = NULL;
	return (rv == 0 ? 0 : rv == -1 ? 2 : 1);
}

/*
 * --web: the page takes the place of the terminal, and may create or
 * join the room itself (chat_enter()).  Usage errors exit 2.
 */
static void
chat_web_opts(struct chat_ctx *ctx, int batch)
{
	if (ctx->web_arg == NULL)
		return;
	if (batch)
		cli_usage("--web and --batch exclude each other");
	if (web_configure(ctx->web_arg) != 0)
		cli_usage("--web '%s': expected [ADDR:]PORT, ADDR an IP "
		    "address or localhost", cli_quote(ctx->web_arg));
}

int
chat_enter(struct chat_ctx *ctx, const char *code, char *err, size_t errlen)
{
	int	rv = -1;

	if (ctx->code[0] != '\0') {
		snprintf(err, errlen, "already in room %s", ctx->code);
		return (-1);
	}
	if (code == NULL) {
		if (chat_code_make(NULL, NULL, ctx->secret, ctx->code,
		    sizeof(ctx->code)) != 0) {
			snprintf(err, errlen, "no random bytes for a room "
			    "code");
			goto out;
		}
	} else if (chat_code_parse(code, ctx->secret) != 0) {
		snprintf(err, errlen, "not a valid room code (mistyped?)");
		goto out;
	} else
		(void)chat_code_format(ctx->secret, ctx->code,
		    sizeof(ctx->code));
	ctx->code_arg = code == NULL ? NULL : ctx->code;
	if (chat_setup_room(ctx) != 0) {
		snprintf(err, errlen, "%s", ctx->err);
		goto out;
	}
	chat_begin(ctx);
	chat_poke(ctx);
	rv = 0;
 out:
	if (rv != 0) {
		ctx->code[0] = '\0';
		OPENSSL_cleanse(ctx->secret, sizeof(ctx->secret));
	}
	return (rv);
}

int
chat_opts(struct chat_ctx *ctx, int argc, char *argv[], int *batch)
{
	const char	*file = NULL, *how = NULL, *relay_file = NULL;
	const char	*send = NULL, *accept_dir = NULL;
	const char	*transport = NULL, *env;
	char		*relay = NULL, host[256];
	int		 ch, verbose = 0, rv, no_relay = 0, join = 0;
	unsigned	 i;

	*batch = 0;
	ctx->tls_port = 443;
	ctx->linger = CHAT_END_LINGER;
	cli_init("p2pchat");
	while ((ch = cli_getopt(argc, argv, chat_optab)) != -1) {
		switch (ch) {
		case 's':
			ctx->server_arg = optarg;
			break;
		case 'n':
			ctx->name = optarg;
			break;
		case 'j':
			join = 1;
			break;
		case 'c':
			file = optarg;
			break;
		case 'b':
			*batch = 1;
			break;
		case 'r':
			relay = optarg;
			break;
		case 'R':
			relay_file = optarg;
			break;
		case 'f':
			ctx->force_relay = 1;
			break;
		case 'S':
			send = optarg;
			break;
		case 'A':
			accept_dir = optarg;
			break;
		case 'w':
			ctx->web_arg = optarg;
			break;
		case 'N':
			no_relay = 1;
			break;
		case 'H':
			ctx->no_hard_nat = 1;
			break;
		case 'T':
			transport = optarg;
			break;
		case 'P':
			ctx->tls_port = (uint16_t)cli_num("tls-port", optarg, 0,
			    65535);
			break;
		case 'C':
			ctx->ca_file = optarg;
			break;
		case 'p':
			ctx->port = (uint16_t)cli_num("port", optarg, 0, 65535);
			break;
		case 'l':
			ctx->linger = (unsigned)cli_num("linger", optarg, 0,
			    3600);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			cli_help(CHAT_SYNOPSIS, CHAT_ABOUT, chat_optab);
		case 'V':
			cli_version(PACKAGE_VERSION);
		default:
			cli_usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		cli_usage("one room code only, not also '%s'",
		    cli_quote(argv[1]));
	if (argc == 1 && file != NULL)
		cli_usage("the room code is given twice: as an argument and "
		    "with --code-file");
	if (ctx->server_arg == NULL)
		cli_usage("no --server given (the rendezvous server, "
		    "host[:port])");
	if (transport == NULL || strcmp(transport, "auto") == 0)
		ctx->transport = CHAT_SRV_AUTO;
	else if (strcmp(transport, "udp") == 0)
		ctx->transport = CHAT_SRV_UDP;
	else if (strcmp(transport, "tcp") == 0)
		ctx->transport = CHAT_SRV_TCP;
	else if (strcmp(transport, "tls") == 0)
		ctx->transport = CHAT_SRV_TLS;
	else
		cli_usage("--transport '%s': expected auto, udp, tcp or tls",
		    cli_quote(transport));
	if (ctx->transport == CHAT_SRV_TLS && ctx->tls_port == 0)
		cli_usage("--transport tls and --tls-port 0 exclude each "
		    "other");
	if (no_relay && ctx->force_relay)
		cli_usage("--no-relay and --force-relay exclude each other");
	if (relay != NULL && relay_file != NULL)
		cli_usage("--relay and --relay-file exclude each other");
	if (no_relay && (relay != NULL || relay_file != NULL))
		cli_usage("--no-relay and --relay%s exclude each other",
		    relay_file != NULL ? "-file" : "");
	if ((env = getenv(CHAT_PROBE_ENV)) != NULL)
		ctx->udp_probe_ms = (uint32_t)cli_num("$" CHAT_PROBE_ENV, env,
		    100, 3600000);
	if (ctx->name == NULL && (ctx->name = getenv("USER")) == NULL &&
	    (ctx->name = getenv("LOGNAME")) == NULL)
		cli_usage("no --name given, and neither $USER nor $LOGNAME "
		    "is set");
	if (!chat_name_ok(ctx->name))
		cli_usage("name '%s': 1 to %d bytes without control "
		    "characters", cli_quote(ctx->name), CHAT_NAME_MAX);
	chat_web_opts(ctx, *batch);
	if ((rv = chat_xfer_opts(ctx, send, accept_dir)) != 0)
		return (rv);
	chat_relay_init(&ctx->relay, ctx->force_relay, no_relay);
	chat_end_init(&ctx->end, ctx->linger);
	log_init("p2pchat", 0, verbose > 0 ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if ((rv = chat_relay_source(ctx, relay, relay_file, no_relay)) != 0)
		return (rv);
	if ((rv = chat_code_source(ctx, argc == 1 ? argv[0] : NULL, file,
	    join, &how)) != 0 || (rv = chat_code(ctx, how)) != 0)
		return (rv);
	if (!isatty(STDIN_FILENO))
		*batch = 1;
	if ((rv = chat_resolve_servers(ctx->server_arg, ctx->servers,
	    STUN_RDV_MAX_SERVERS, &ctx->nservers, ctx->err,
	    sizeof(ctx->err))) == 0)
		ctx->server = ctx->servers[0];
	if (rv != 0) {
		if (rv == -1)
			cli_usage("--server '%s': not host[:port] with a port "
			    "from 1 to 65535", cli_quote(ctx->server_arg));
		fprintf(stderr, "p2pchat: %s\n", ctx->err);
		return (1);
	}
	if (chat_srv_tls_init(ctx, ctx->ca_file) != 0) {
		fprintf(stderr, "p2pchat: --ca %s: no certificate loaded\n",
		    ctx->ca_file != NULL ? cli_quote(ctx->ca_file) :
		    "(the system's)");
		return (1);
	}
	for (i = 0; i < ctx->nservers; i++) {
		if (chat_server_host(ctx->server_arg, &ctx->servers[i], host,
		    sizeof(host)) != 0)
			(void)stun_addr_format(&ctx->servers[i], host,
			    sizeof(host));
		(void)chat_srv_add(ctx, CHAT_SRV_RDV, &ctx->servers[i], host,
		    ctx->transport, ctx->tls_port);
	}
	if (ctx->relay_arg != NULL)
		return (chat_relay_opt(ctx));
	return (0);
}

int
chat_setup(struct chat_ctx *ctx)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_addr	 any, local;
	int			 bufsz = CHAT_SOCK_BUF;

	memset(&any, 0, sizeof(any));
	any.family = ctx->server.family;
	any.port = ctx->port;
	if ((ctx->fd = sock_bind(&any, SOCK_DGRAM, 0)) == -1 ||
	    sock_local(ctx->fd, &local) == -1) {
		snprintf(ctx->err, sizeof(ctx->err), "socket: %s",
		    strerror(errno));
		return (-1);
	}
	ctx->port = local.port;
	/* A window of file data in flight: room for it (best effort). */
	(void)setsockopt(ctx->fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
	    sizeof(bufsz));
	(void)setsockopt(ctx->fd, SOL_SOCKET, SO_SNDBUF, &bufsz,
	    sizeof(bufsz));
	memset(rc, 0, sizeof(*rc));
	rc->server = ctx->server;
	/* A fleet: the others in turn when the one in use falls silent. */
	for (rc->nmore = 0; rc->nmore + 1 < ctx->nservers; rc->nmore++)
		rc->more[rc->nmore] = ctx->servers[rc->nmore + 1];
	/* Sends at 0, 0.25, 0.75, 1.75, 3.75, 7.75 s; no answer at 9.75 s. */
	rc->txn.rto = 250;
	rc->txn.rc = 6;
	rc->txn.rm = 8;
	snprintf(rc->name, sizeof(rc->name), "%s", ctx->name);
	/* Relay only: the peer learns no address of ours from us. */
	if (!ctx->force_relay)
		rc->ncand = chat_host_cands(&ctx->server, ctx->port, rc->cand,
		    STUN_RDV_MAX_CANDS);
	ctx->local = local;
	/* Over TCP to the server: TCP to the peers too (tcppunch.c). */
	if (ctx->transport == CHAT_SRV_TCP || ctx->transport == CHAT_SRV_TLS)
		(void)chat_tcp_listen(ctx);
	log_debug("socket port %u, %u host candidates", ctx->port, rc->ncand);
	return (ctx->code[0] != '\0' ? chat_setup_room(ctx) : 0);
}

int
chat_setup_room(struct chat_ctx *ctx)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_punch_cand	 pc;
	uint8_t			 roomid[CHAT_ROOMID_LEN];

	if (chat_room_key(ctx->secret, rc->room_key) != 0 ||
	    chat_room_id(ctx->secret, roomid) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot derive the room");
		return (-1);
	}
	memcpy(rc->room, roomid, sizeof(roomid));
	rc->roomlen = sizeof(roomid);
	if (chat_room_init(&ctx->room, ctx->secret, ctx->name) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot set up the room");
		return (-1);
	}
	ctx->room.no_hard_nat = ctx->no_hard_nat;
	/*
	 * One socket bound to the wildcard: one local candidate is enough,
	 * the kernel picks the source address for each remote one.
	 */
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.sock = CHAT_SOCK_MAIN;
	pc.addr = rc->ncand > 0 ? rc->cand[0].addr : ctx->local;
	if (!ctx->force_relay)
		(void)chat_room_add_local(&ctx->room, &pc);
	return (0);
}


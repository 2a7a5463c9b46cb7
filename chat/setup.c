/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's start-up: the command line, the room code, the server and
 * relay addresses, then the socket, the rendezvous configuration and the
 * room built from them.  Whatever refuses to start says so in one line.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

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

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: p2pchat --server host[:port] --name name [--batch]"
	    " [--port port]\n"
	    "\t[--linger seconds] [--relay turn:user:pass@host[:port]]"
	    " [--force-relay]\n\t[--no-relay] [-v] [code]\n");
	exit(2);
}

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

int
chat_opts(struct chat_ctx *ctx, int argc, char *argv[], int *batch)
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "batch",	no_argument,		NULL, 'b' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "linger",	required_argument,	NULL, 'l' },
		{ "relay",	required_argument,	NULL, 'r' },
		{ "force-relay", no_argument,		NULL, 'f' },
		{ "no-relay",	no_argument,		NULL, 'N' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct stun_turn_config	 tc;
	char			*end;
	unsigned long		 v;
	int			 ch, verbose = 0, rv, no_relay = 0;

	*batch = 0;
	ctx->linger = CHAT_END_LINGER;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctx->server_arg = optarg;
			break;
		case 'n':
			ctx->name = optarg;
			break;
		case 'b':
			*batch = 1;
			break;
		case 'r':
			ctx->relay_arg = optarg;
			break;
		case 'f':
			ctx->force_relay = 1;
			break;
		case 'N':
			no_relay = 1;
			break;
		case 'p':
		case 'l':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || v > (ch == 'p' ? 65535 : 3600))
				usage();
			if (ch == 'p')
				ctx->port = (uint16_t)v;
			else
				ctx->linger = (unsigned)v;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || ctx->server_arg == NULL || ctx->name == NULL)
		usage();
	ctx->code_arg = argc == 1 ? argv[0] : NULL;
	if (no_relay && (ctx->force_relay || ctx->relay_arg != NULL))
		usage();
	chat_relay_init(&ctx->relay, ctx->force_relay, no_relay);
	chat_end_init(&ctx->end, ctx->linger);
	log_init("p2pchat", 0, verbose > 0 ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if (!chat_name_ok(ctx->name)) {
		fprintf(stderr, "p2pchat: %s: a name is 1 to %d bytes without "
		    "control characters\n", ctx->name, CHAT_NAME_MAX);
		return (2);
	}
	if (!isatty(STDIN_FILENO))
		*batch = 1;
	if (ctx->code_arg != NULL) {
		if (chat_code_parse(ctx->code_arg, ctx->secret) != 0) {
			fprintf(stderr, "p2pchat: %s: not a valid room code "
			    "(mistyped?)\n", ctx->code_arg);
			return (1);
		}
		(void)chat_code_format(ctx->secret, ctx->code,
		    sizeof(ctx->code));
	} else if (chat_code_make(NULL, NULL, ctx->secret, ctx->code,
	    sizeof(ctx->code)) != 0) {
		fprintf(stderr, "p2pchat: no random bytes for a room code\n");
		return (1);
	}
	if ((rv = chat_resolve(ctx->server_arg, &ctx->server, ctx->err,
	    sizeof(ctx->err))) != 0) {
		if (rv == -1)
			fprintf(stderr, "p2pchat: %s: bad server address or "
			    "port\n", ctx->server_arg);
		else
			fprintf(stderr, "p2pchat: %s\n", ctx->err);
		return (rv == -1 ? 2 : 1);
	}
	if (ctx->relay_arg != NULL) {
		rv = chat_relay_arg(ctx->relay_arg, &tc, ctx->err,
		    sizeof(ctx->err));
		if (rv == -1)
			fprintf(stderr, "p2pchat: --relay: expected "
			    "turn:user:pass@host[:port]\n");
		else if (rv != 0)
			fprintf(stderr, "p2pchat: --relay: %s\n", ctx->err);
		else if ((rv = chat_relay_configure(&ctx->relay, &tc)) != 0) {
			fprintf(stderr, "p2pchat: --relay: %s\n",
			    stun_strerror(rv));
			rv = -1;
		}
		OPENSSL_cleanse(&tc, sizeof(tc));
		if (rv != 0)
			return (rv == -1 ? 2 : 1);
	}
	return (0);
}

int
chat_setup(struct chat_ctx *ctx)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_punch_cand	 pc;
	struct stun_addr	 any, local;
	uint8_t			 roomid[CHAT_ROOMID_LEN];

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
	memset(rc, 0, sizeof(*rc));
	rc->server = ctx->server;
	/* Sends at 0, 0.25, 0.75, 1.75, 3.75, 7.75 s; no answer at 9.75 s. */
	rc->txn.rto = 250;
	rc->txn.rc = 6;
	rc->txn.rm = 8;
	if (chat_room_key(ctx->secret, rc->room_key) != 0 ||
	    chat_room_id(ctx->secret, roomid) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot derive the room");
		return (-1);
	}
	memcpy(rc->room, roomid, sizeof(roomid));
	rc->roomlen = sizeof(roomid);
	snprintf(rc->name, sizeof(rc->name), "%s", ctx->name);
	/* Relay only: the peer learns no address of ours from us. */
	if (!ctx->force_relay)
		rc->ncand = chat_host_cands(&ctx->server, ctx->port, rc->cand,
		    STUN_RDV_MAX_CANDS);
	if (chat_room_init(&ctx->room, ctx->secret, ctx->name) != 0) {
		snprintf(ctx->err, sizeof(ctx->err), "cannot set up the room");
		return (-1);
	}
	/*
	 * One socket bound to the wildcard: one local candidate is enough,
	 * the kernel picks the source address for each remote one.
	 */
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_HOST;
	pc.sock = CHAT_SOCK_MAIN;
	pc.addr = rc->ncand > 0 ? rc->cand[0].addr : local;
	if (!ctx->force_relay)
		(void)chat_room_add_local(&ctx->room, &pc);
	log_debug("socket port %u, %u host candidates", ctx->port, rc->ncand);
	return (0);
}


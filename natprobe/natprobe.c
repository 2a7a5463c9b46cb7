/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe: what NAT am I behind, and will peer-to-peer work from here?
 * This file parses the command line (one option table, common/cli.c's
 * convention); probe.c runs the tests and report.c prints what they found.
 */
#include "config.h"

#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/hostport.h"
#include "common/log.h"
#include "natprobe.h"

#define NATPROBE_SYNOPSIS	"natprobe [options] server[:port][,...]"
#define NATPROBE_SERVERS	8	/* a fleet, tried in order */
#define NATPROBE_ABOUT		"What NAT is in front of this host, and " \
	"will peer-to-peer work from here?"

static const struct cli_opt natprobe_opts[] = {
	{ "ipv4", '4', '4', NULL, "use IPv4 only" },
	{ "ipv6", '6', '6', NULL, "use IPv6 only" },
	{ "json", 0, 'j', NULL, "print one JSON object instead of the report" },
	{ "verbose", 'v', 'v', NULL,
	    "also list every test with its round-trip time; twice: debug log" },
	{ "classic", 0, 'c', NULL,
	    "run the RFC 3489 tests instead (for servers that know no other)" },
	{ "lint", 0, 'l', NULL,
	    "check the server's conformance instead; exit 1 if a check fails" },
	{ "tcp", 0, 't', NULL, "also measure how the NAT maps TCP" },
	{ "lifetime", 0, 'L', NULL,
	    "also measure how long an idle binding lives (takes minutes)" },
	{ "lifetime-max", 0, 'M', "SEC",
	    "longest idle time tried, 1 to 86400 (default 300)" },
	{ "timeout", 0, 'T', "MS",
	    "wait this long for each answer, 50 to 60000 (default 500)" },
	{ "rounds", 0, 'r', "N",
	    "repeat the mapping and filtering tests, 1 to 5 (default 3)" },
	{ "second-server", 0, 's', "HOST[:PORT]",
	    "a second server, to test the mapping when the first has one "
	    "address" },
	{ "source", 0, 'S', "ADDR", "send from this local address" },
	{ "help", 'h', 'h', NULL, "print this help and exit" },
	{ "version", 0, 'V', NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/*
 * "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal, split
 * by common/hostport.c; port 3478 when none is given.  A bad form is a
 * usage error that names the value.
 */
static void
natprobe_server(const char *opt, const char *s, char *host, size_t cap,
    uint16_t *port, int *given)
{
	if (hostport_split(s, host, cap, port) != 0)
		cli_usage("%s'%s': not host[:port] with a port from 1 to "
		    "65535", opt, cli_quote(s));
	*given = *port != 0;
	if (!*given)
		*port = NATPROBE_PORT;
}

int
main(int argc, char *argv[])
{
	struct probe	*p;
	struct probe_opts o;
	const char	*srv[NATPROBE_SERVERS];
	char		*list, *cur, *s;
	unsigned	 nsrv, i;
	int		 ch, rv = -1, status = 0;

	cli_init("natprobe");
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "natprobe: out of memory\n");
		return (1);
	}
	p->o.timeout = 500;
	p->o.lifetime_max = 300;
	p->o.rounds = 3;
	while ((ch = cli_getopt(argc, argv, natprobe_opts)) != -1) {
		switch (ch) {
		case '4':
		case '6':
			p->o.family = ch - '0';
			break;
		case 'v':
			p->o.verbose++;
			break;
		case 'j':
			p->o.json = 1;
			break;
		case 'c':
			p->o.classic = 1;
			break;
		case 't':
			p->o.tcp = 1;
			break;
		case 'L':
			p->o.lifetime = 1;
			break;
		case 'M':
			p->o.lifetime_max = (uint32_t)cli_num("lifetime-max",
			    optarg, 1, 86400);
			break;
		case 'T':
			p->o.timeout = (uint32_t)cli_num("timeout", optarg,
			    50, 60000);
			break;
		case 'r':
			p->o.rounds = (unsigned)cli_num("rounds", optarg, 1,
			    STUN_NAT_MAX_ROUNDS);
			break;
		case 's':
			p->o.server2 = optarg;
			break;
		case 'S':
			p->o.source = optarg;
			break;
		case 'l':
			p->o.lint = 1;
			break;
		case 'h':
			cli_help(NATPROBE_SYNOPSIS, NATPROBE_ABOUT,
			    natprobe_opts);
		case 'V':
			cli_version(PACKAGE_VERSION);
		default:
			cli_usage("unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		cli_usage("no server given");
	if (argc > 1)
		cli_usage("one server only, not also '%s'",
		    cli_quote(argv[1]));
	if (p->o.classic && p->o.lint)
		cli_usage("--classic and --lint exclude each other");
	/* A fleet: "a,b,c", each checked now, tried in this order. */
	if ((list = strdup(argv[0])) == NULL) {
		fprintf(stderr, "natprobe: out of memory\n");
		return (1);
	}
	for (nsrv = 0, cur = list; (s = strsep(&cur, ",")) != NULL; ) {
		if (nsrv == NATPROBE_SERVERS)
			cli_usage("at most %d servers", NATPROBE_SERVERS);
		natprobe_server("", s, p->host, sizeof(p->host), &p->port,
		    &p->port_given);
		srv[nsrv++] = s;
	}
	if (nsrv == 0)
		cli_usage("no server given");
	if (p->o.server2 != NULL)
		natprobe_server("--second-server ", p->o.server2, p->host2,
		    sizeof(p->host2), &p->port2, &p->port2_given);
	log_init("natprobe", 0, p->o.verbose > 1 ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	o = p->o;
	for (i = 0; i < nsrv; i++) {
		/* Each try from scratch; the next only if this one is silent. */
		memset(p, 0, sizeof(*p));
		p->o = o;
		p->o.server = srv[i];
		natprobe_server("", srv[i], p->host, sizeof(p->host),
		    &p->port, &p->port_given);
		if (p->o.server2 != NULL)
			natprobe_server("--second-server ", p->o.server2,
			    p->host2, sizeof(p->host2), &p->port2,
			    &p->port2_given);
		p->tty = !p->o.json && isatty(STDERR_FILENO);
		rv = probe_run(p);
		if (rv == 0 || p->nat.r.server_ok || i + 1 == nsrv)
			break;
		fprintf(stderr, "natprobe: %s; trying %s\n", p->err,
		    srv[i + 1]);
	}
	if (rv == 0 || p->nat.r.done) {
		if (p->o.json)
			report_json(p);
		else if (rv == 0)
			report_text(p);
	}
	if (rv != 0) {
		fprintf(stderr, "natprobe: %s\n", p->err);
		status = 1;
	} else if (p->o.lint && report_lint_failed(p))
		status = 1;
	free(p);
	free(list);
	return (status);
}

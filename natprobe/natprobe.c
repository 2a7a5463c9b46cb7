/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe: what NAT am I behind, and will peer-to-peer work from here?
 * This file parses the command line; probe.c runs the tests and report.c
 * prints what they found.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hostport.h"
#include "common/log.h"
#include "natprobe.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: natprobe [-46v] [--json] [--classic | --lint] [--tcp]\n"
	    "\t[--lifetime [--lifetime-max sec]] [--timeout ms]"
	    " [--rounds n]\n"
	    "\t[--second-server host[:port]] [--source addr]"
	    " server[:port]\n");
	exit(2);
}

static int
parse_num(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char		*end;
	unsigned long	 v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/*
 * "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal, split
 * by common/hostport.c; port 3478 when none is given.  Returns 0, or -1
 * for a bad port or form.
 */
int
probe_split_hostport(const char *s, char *host, size_t cap, uint16_t *port,
    int *given)
{
	int	r;

	r = hostport_split(s, host, cap, port);
	*given = r == 0 && *port != 0;
	if (!*given)
		*port = NATPROBE_PORT;
	return (r);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json",		no_argument,		NULL, 'j' },
		{ "classic",		no_argument,		NULL, 'c' },
		{ "tcp",		no_argument,		NULL, 't' },
		{ "lifetime",		no_argument,		NULL, 'L' },
		{ "lifetime-max",	required_argument,	NULL, 'M' },
		{ "timeout",		required_argument,	NULL, 'T' },
		{ "rounds",		required_argument,	NULL, 'r' },
		{ "second-server",	required_argument,	NULL, 's' },
		{ "source",		required_argument,	NULL, 'S' },
		{ "lint",		no_argument,		NULL, 'l' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	struct probe	*p;
	unsigned long	 v;
	int		 ch, rv;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "natprobe: out of memory\n");
		return (1);
	}
	p->o.timeout = 500;
	p->o.lifetime_max = 300;
	p->o.rounds = 3;
	while ((ch = getopt_long(argc, argv, "46v", longopts, NULL)) != -1) {
		switch (ch) {
		case '4':
			p->o.family = 4;
			break;
		case '6':
			p->o.family = 6;
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
			if (parse_num(optarg, 1, 86400, &v) != 0)
				usage();
			p->o.lifetime_max = (uint32_t)v;
			break;
		case 'T':
			if (parse_num(optarg, 50, 60000, &v) != 0)
				usage();
			p->o.timeout = (uint32_t)v;
			break;
		case 'r':
			if (parse_num(optarg, 1, STUN_NAT_MAX_ROUNDS, &v) != 0)
				usage();
			p->o.rounds = (unsigned)v;
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
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (p->o.classic && p->o.lint))
		usage();
	p->o.server = argv[0];
	if (probe_split_hostport(p->o.server, p->host, sizeof(p->host),
	    &p->port, &p->port_given) != 0) {
		fprintf(stderr, "natprobe: %s: bad server address or port\n",
		    p->o.server);
		usage();
	}
	if (p->o.server2 != NULL && probe_split_hostport(p->o.server2,
	    p->host2, sizeof(p->host2), &p->port2, &p->port2_given) != 0) {
		fprintf(stderr, "natprobe: %s: bad server address or port\n",
		    p->o.server2);
		usage();
	}
	log_init("natprobe", 0, p->o.verbose > 1 ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	p->tty = !p->o.json && isatty(STDERR_FILENO);

	rv = probe_run(p);
	if (rv == 0 || p->nat.r.done) {
		if (p->o.json)
			report_json(p);
		else if (rv == 0)
			report_text(p);
	}
	if (rv != 0) {
		fprintf(stderr, "natprobe: %s\n", p->err);
		free(p);
		return (1);
	}
	free(p);
	return (0);
}

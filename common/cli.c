/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The command-line convention (cli.h): getopt_long() over one option
 * table, the help text and the version from it, and usage errors that
 * say which option or value was wrong in one line.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

#define CLI_MAX_OPTS	64
#define CLI_WIDTH	79	/* help lines end before column 80 */
#define CLI_LEFT_MAX	24	/* longer options put their help below */

static const char	*cli_prog = "?";

void
cli_init(const char *prog)
{
	cli_prog = prog;
}

const char *
cli_quote(const char *s)
{
	static char	 buf[80];
	size_t		 i;

	for (i = 0; s[i] != '\0' && i < sizeof(buf) - 4; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0')
		strcpy(buf + i, "...");
	return (buf);
}

void
cli_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see %s --help\n", cli_prog);
	exit(2);
}

/* The option whose ch is ch, or NULL. */
static const struct cli_opt *
cli_find(const struct cli_opt *opts, int ch)
{
	for (; opts->name != NULL; opts++)
		if (opts->ch == ch)
			return (opts);
	return (NULL);
}

int
cli_getopt(int argc, char *argv[], const struct cli_opt *opts)
{
	static struct option	 lo[CLI_MAX_OPTS + 1];
	static char		 so[2 * CLI_MAX_OPTS + 2];
	static const struct cli_opt *built;
	const struct cli_opt	*o;
	size_t			 n = 0, k = 0;
	int			 ch;

	if (built != opts) {
		memset(lo, 0, sizeof(lo));
		so[k++] = ':';		/* ':' for a missing argument */
		for (o = opts; o->name != NULL && n < CLI_MAX_OPTS; o++, n++) {
			lo[n].name = o->name;
			lo[n].has_arg = o->arg != NULL ? required_argument :
			    no_argument;
			lo[n].val = o->ch;
			if (o->letter != 0) {
				so[k++] = (char)o->letter;
				if (o->arg != NULL)
					so[k++] = ':';
			}
		}
		so[k] = '\0';
		built = opts;
	}
	opterr = 0;
	ch = getopt_long(argc, argv, so, lo, NULL);
	if (ch == ':') {
		o = cli_find(opts, optopt);
		if (o != NULL)
			cli_usage("--%s needs a value (%s)", o->name, o->arg);
		cli_usage("%s needs a value", argv[optind - 1]);
	}
	if (ch == '?') {
		o = optopt != 0 ? cli_find(opts, optopt) : NULL;
		if (o != NULL)
			cli_usage("--%s takes no value", o->name);
		if (optopt != 0 && isprint(optopt))
			cli_usage("unknown option -%c", optopt);
		cli_usage("unknown option %s", cli_quote(argv[optind - 1]));
	}
	return (ch);
}

/* The option as the help shows it: "-t, --timeout MS". */
static void
cli_left(const struct cli_opt *o, char *buf, size_t cap)
{
	snprintf(buf, cap, "%c%c%c --%s%s%s", o->letter != 0 ? '-' : ' ',
	    o->letter != 0 ? o->letter : ' ', o->letter != 0 ? ',' : ' ',
	    o->name, o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
}

void
cli_help(const char *synopsis, const char *about, const struct cli_opt *opts)
{
	const struct cli_opt	*o;
	const char		*h;
	char			 left[64];
	size_t			 w = 0, l, col, n;

	printf("usage: %s\n%s\n\n", synopsis, about);
	for (o = opts; o->name != NULL; o++) {
		cli_left(o, left, sizeof(left));
		if ((l = strlen(left)) > w && l <= CLI_LEFT_MAX)
			w = l;
	}
	for (o = opts; o->name != NULL; o++) {
		cli_left(o, left, sizeof(left));
		printf("  %-*s ", (int)w, left);
		col = 3 + w;
		if (strlen(left) > w) {
			printf("\n%*s", (int)(3 + w), "");
			col = 3 + w;
		}
		/* The help, word by word, wrapped before column 80. */
		for (h = o->help; *h != '\0'; h += n) {
			while (*h == ' ')
				h++;
			n = strcspn(h, " ");
			if (col + 1 + n > CLI_WIDTH && col > 3 + w) {
				printf("\n%*s", (int)(3 + w), "");
				col = 3 + w;
			}
			printf(" %.*s", (int)n, h);
			col += 1 + n;
		}
		putchar('\n');
	}
	exit(0);
}

void
cli_version(const char *version)
{
	printf("%s %s\n", cli_prog, version);
	exit(0);
}

unsigned long
cli_num(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	if (*s == '\0' || !isdigit((unsigned char)*s) ||
	    (v = strtoul(s, &end, 10), errno != 0) || *end != '\0' ||
	    v < min || v > max)
		cli_usage("--%s: bad value '%s' (a number from %lu to %lu)",
		    opt, cli_quote(s), min, max);
	return (v);
}

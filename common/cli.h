/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The command-line convention every program follows, from one table of
 * options: -h/--help prints an explaining line per option on stdout and
 * exits 0, --version prints the package version and exits 0, and a usage
 * error is one line on stderr that names the bad option or value, with
 * exit status 2.
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <stdio.h>

/* One option: a row of the program's table, ended by a NULL name. */
struct cli_opt {
	const char	*name;		/* long name, without "--" */
	int		 letter;	/* short option, or 0 for none */
	int		 ch;		/* what cli_getopt() returns for it */
	const char	*arg;		/* argument name ("MS"), NULL: none */
	const char	*help;		/* one line */
};

/* The program's name for messages ("natprobe"); call first. */
void	cli_init(const char *prog);
/*
 * getopt_long() over the table: the next option's ch, with its argument
 * in optarg, or -1 after the last option (optind is then the first
 * operand).  An unknown option or a missing argument is a usage error.
 */
int	cli_getopt(int argc, char *argv[], const struct cli_opt *opts);
/*
 * -h/--help: "usage: SYNOPSIS", the about line, then each option with its
 * help, on stdout; exits 0.
 */
void	cli_help(const char *synopsis, const char *about,
	    const struct cli_opt *opts) __attribute__((noreturn));
/* --version: "PROG VERSION" on stdout; exits 0. */
void	cli_version(const char *version) __attribute__((noreturn));
/*
 * s made safe to print in one line (no control characters, at most 76
 * bytes, "..." after a cut), in a static buffer.
 */
const char *cli_quote(const char *s);
/* A usage error: "PROG: MESSAGE; see PROG --help" on stderr; exits 2. */
void	cli_usage(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
/*
 * The decimal value s of option opt, from min to max; anything else is a
 * usage error that names opt, s and the range.
 */
unsigned long cli_num(const char *opt, const char *s, unsigned long min,
	    unsigned long max);

#endif /* COMMON_CLI_H */

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund: a STUN server on one address, or on two addresses x two ports for
 * RFC 5780 NAT discovery.  This file owns start-up (options, config,
 * binding, the self-test, daemonising, dropping privileges), the signals
 * (SIGHUP reloads, SIGTERM stops) and shutdown.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <openssl/rand.h>

#include "common/log.h"
#include "auth.h"
#include "ratelimit.h"
#include "rdvio.h"
#include "relayio.h"
#include "stund.h"

/* getopt's view of conftab, then --version and --help; zeroed past. */
static struct option stund_longopts[CONF_MAX_OPTS + 3];

static void
stund_getopt_init(void)
{
	const struct conf_opt	*o;
	struct option		*l = stund_longopts;

	for (o = conftab; o->name != NULL; o++, l++) {
		l->name = o->name;
		l->has_arg = o->type == CONF_T_BOOL ? optional_argument :
		    required_argument;
	}
	l->name = "version";
	l->val = 'V';
	l++;
	l->name = "help";
	l->val = 'h';
}

static void
stund_help_line(const char *opt, const char *help, const char *note)
{
	printf("  %-30s %s%s\n", opt, help, note);
}

/* One line per option, from the table; to stdout, exit 0. */
static void __attribute__((noreturn))
stund_help(void)
{
	const struct conf_opt	*o;
	char			 opt[64], note[64];

	printf("usage: stund [-c file] [--option value ...]\n");
	stund_help_line("-c file", "read the options from this file; the "
	    "command line wins", "");
	for (o = conftab; o->name != NULL; o++) {
		if (o->arg == NULL)
			snprintf(opt, sizeof(opt), "--%s[=yes|no]", o->name);
		else
			snprintf(opt, sizeof(opt), "--%s %s", o->name, o->arg);
		if (o->dflt != NULL)
			snprintf(note, sizeof(note), " (default %s%s)", o->dflt,
			    o->restart != NULL ? "; restart" : "");
		else
			snprintf(note, sizeof(note), "%s", o->restart != NULL ?
			    " (restart)" : "");
		stund_help_line(opt, o->help, note);
	}
	stund_help_line("--version", "print the version and exit", "");
	stund_help_line("-h, --help", "print this help and exit", "");
	printf("SIGHUP applies every option but those marked restart.\n");
	exit(0);
}

/* A usage error: one line, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
stund_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "stund: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* A new snapshot: defaults, then the file, then the command line. */
static struct conf *
stund_load(struct stund *sd, char *err, size_t errlen)
{
	struct conf	*c;
	char		*text;
	size_t		 len;

	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	conf_init(c);
	if (sd->conf_file != NULL) {
		if (conf_read_file(sd->conf_file, CONF_FILE_MAX, &text, &len,
		    err, errlen) == -1)
			goto fail;
		if (conf_parse(c, text, len, sd->conf_file, err,
		    errlen) == -1) {
			free(text);
			goto fail;
		}
		free(text);
	}
	conf_merge(c, &sd->cli);
	if (conf_finish(c, err, errlen) == -1)
		goto fail;
	/* TURN credentials: the users file is read now, every reload. */
	if (auth_load(c, sd->conf, err, errlen) == -1)
		goto fail;
	return (c);
fail:
	conf_free(c);
	return (NULL);
}

/*
 * Frees the retired snapshots no worker can still hold: a worker is idle
 * (busy_gen 0) or began its batch at or after the swap that retired it.
 * Worker 0 is this thread, so it is never inside a batch here.
 */
static void
stund_reap(struct stund *sd)
{
	uint64_t	 b;
	unsigned	 i, k;

	for (k = 0; k < STUND_RETIRED; k++) {
		if (sd->retired[k] == NULL)
			continue;
		for (i = 0; i < sd->nworkers; i++) {
			b = __atomic_load_n(&sd->workers[i].busy_gen,
			    __ATOMIC_SEQ_CST);
			if (b != 0 && b < sd->retired_gen[k])
				break;
		}
		if (i < sd->nworkers)
			continue;
		conf_free(sd->retired[k]);
		sd->retired[k] = NULL;
	}
}

static int
stund_retire_slot(struct stund *sd)
{
	int	 k;

	for (k = 0; k < STUND_RETIRED; k++)
		if (sd->retired[k] == NULL)
			return (k);
	return (-1);
}

static void
stund_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct stund		*sd = arg;
	const struct conf_opt	*o;
	struct conf		*n, *old;
	char			 err[512];
	uint64_t		 gen;
	size_t			 i;
	int			 slot;

	(void)sig;
	(void)what;
	if ((n = stund_load(sd, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the old config: %s", err);
		return;
	}
	for (i = 0; (o = conf_restart_next(sd->conf, n, &i)) != NULL;)
		log_warnx("reload: %s needs a restart (%s); keeping the "
		    "running value", o->name, o->restart);
	if ((sd->conf->auth == NULL) != (n->auth == NULL))
		log_warnx("reload: turning TURN %s needs a restart",
		    n->auth != NULL ? "on" : "off");
	conf_keep_fixed(n, sd->conf);
	if (n->has_tls && tcp_tls_load(sd, n, err, sizeof(err)) == -1)
		log_warnx("reload: keeping the old certificate: %s", err);
	stund_reap(sd);
	if ((slot = stund_retire_slot(sd)) == -1) {
		/* A worker stuck in one batch across 8 reloads: keep it. */
		log_warnx("reload: old configurations still in use; "
		    "keeping the current one");
		conf_free(n);
		return;
	}
	old = sd->conf;
	__atomic_store_n(&sd->conf, n, __ATOMIC_SEQ_CST);
	gen = __atomic_add_fetch(&sd->conf_gen, 1, __ATOMIC_SEQ_CST);
	sd->retired[slot] = old;
	sd->retired_gen[slot] = gen;
	stund_reap(sd);
	relayio_reload(sd);
	rdvio_reload(sd);
	log_setlevel(n->log_level);
	log_info("configuration reloaded");
}

static void
stund_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct stund	*sd = arg;

	(void)what;
	log_info("signal %d: exiting", (int)sig);
	event_base_loopbreak(sd->base);
}

static void
stund_event_log(int severity, const char *msg)
{
	(void)severity;
	log_debug("libevent: %s", msg);
}

/* openssh uidswap.c: drop for good, then prove root cannot come back. */
static void
stund_drop(const char *user)
{
	struct passwd	*pw;
	gid_t		 gid;
	uid_t		 uid;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user %s", user);
	gid = pw->pw_gid;
	uid = pw->pw_uid;
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_NO_NEW_PRIVS)
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl");
#endif
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("privilege drop failed: root can be regained");
	log_info("running as %s", user);
}

static void
stund_selftest(struct stund *sd)
{
	char	 why[256];
	int	 i;

	if (!sd->conf->has_alternate) {
		if (sd->conf->foreground)
			fprintf(stderr, "stund: rfc5780 self-test skipped: "
			    "no alternate address; running as a "
			    "single-address server\n");
		return;
	}
	if (sd->alt_why[0] != '\0')
		snprintf(why, sizeof(why), "%s", sd->alt_why);
	else if (listen_selftest(sd, why, sizeof(why)) == 0) {
		sd->srv.two_addr = 1;
		if (sd->conf->foreground)
			fprintf(stderr, "stund: rfc5780 self-test passed: "
			    "all four sockets answer; other-address "
			    "advertised\n");
		else
			log_info("rfc5780 self-test passed: other-address "
			    "advertised");
		return;
	}
	if (sd->conf->foreground)
		fprintf(stderr, "stund: rfc5780 self-test failed: %s; running "
		    "as a single-address server\n", why);
	else
		log_warnx("rfc5780 self-test failed: %s; running as a "
		    "single-address server", why);
	/* Only (IP1,P1) serves now; close the rest. */
	for (i = 1; i < STUN_SRV_NSOCK; i++) {
		if (sd->workers[0].fd[i] != -1)
			close(sd->workers[0].fd[i]);
		sd->workers[0].fd[i] = -1;
		if (sd->tcp_fd[i] != -1)
			close(sd->tcp_fd[i]);
		sd->tcp_fd[i] = -1;
		if (sd->tls_fd[i] != -1)
			close(sd->tls_fd[i]);
		sd->tls_fd[i] = -1;
	}
	sd->nsock = 1;
}

static void
stund_args(struct stund *sd, int argc, char **argv)
{
	char	 err[256];
	int	 ch, idx;

	stund_getopt_init();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:h", stund_longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 0:
			if (conf_set(&sd->cli, stund_longopts[idx].name, optarg,
			    err, sizeof(err)) == -1)
				stund_usage("--%s", err);
			break;
		case 'c':
			/* Absolute, so SIGHUP finds it after daemon(3). */
			free(sd->conf_path);
			if ((sd->conf_path = realpath(optarg, NULL)) == NULL) {
				fprintf(stderr, "stund: %s: %s\n", optarg,
				    strerror(errno));
				exit(1);
			}
			sd->conf_file = sd->conf_path;
			break;
		case 'V':
			printf("stund (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			exit(0);
		case 'h':
			stund_help();
		case ':':
			stund_usage("%s: value missing", argv[optind - 1]);
		default:
			if (optopt != 0 && optopt != 'V' && optopt != 'h')
				stund_usage("-%c: unknown option; see stund "
				    "--help", optopt);
			stund_usage("%s: unknown option; see stund --help",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		stund_usage("%s: unexpected argument; options start with "
		    "--", argv[optind]);
}

/* Room for tcp-max connections: raise the soft descriptor limit. */
static void
stund_nofile(const struct conf *c)
{
	struct rlimit	 rl;
	rlim_t		 want;

	want = (rlim_t)c->tcp_max + 64 + 8 * (rlim_t)c->workers;
	/* A relay socket per TURN allocation. */
	if (relayio_enabled(c))
		want += (rlim_t)c->max_allocations;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit");
	if (rl.rlim_cur < want)
		log_warnx("descriptor limit %llu is below tcp-max %u",
		    (unsigned long long)rl.rlim_cur, c->tcp_max);
}

static void
stund_setup(struct stund *sd)
{
	struct conf	*c = sd->conf;
	char		 err[512];
	unsigned	 i;

	if ((sd->workers = calloc(c->workers, sizeof(*sd->workers))) == NULL)
		fatal("calloc");
	sd->nworkers = c->workers;
	for (i = 0; i < sd->nworkers; i++) {
		sd->workers[i].id = (int)i;
		sd->workers[i].sd = sd;
		memset(sd->workers[i].fd, -1, sizeof(sd->workers[i].fd));
	}
	memset(sd->tcp_fd, -1, sizeof(sd->tcp_fd));
	memset(sd->tls_fd, -1, sizeof(sd->tls_fd));
	sd->metrics_fd = -1;
	stund_nofile(c);
	if (listen_bind_all(sd, err, sizeof(err)) == -1)
		fatalx("%s", err);
	listen_print(sd);
	stund_selftest(sd);
	for (i = 1; i < sd->nworkers; i++)
		if (listen_udp(sd, &sd->workers[i], 1) == -1)
			fatal("worker %u: bind", i);
	if (c->has_tls && tcp_tls_load(sd, c, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (metrics_bind(sd, err, sizeof(err)) == -1)
		fatalx("%s", err);
	fflush(stderr);
}

static void
stund_run(struct stund *sd)
{
	char		 err[512];
	unsigned	 i;

	if ((sd->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	sd->workers[0].base = sd->base;
	if (relayio_global_init(sd, err, sizeof(err)) == -1)
		fatalx("%s", err);
	for (i = 0; i < sd->nworkers; i++) {
		if (worker_init(&sd->workers[i]) == -1)
			fatalx("worker %u: cannot start", i);
		if (relayio_init(&sd->workers[i], err, sizeof(err)) == -1)
			fatalx("worker %u: %s", i, err);
	}
	if (tcp_init(sd, err, sizeof(err)) == -1 ||
	    metrics_init(sd, err, sizeof(err)) == -1 ||
	    rdvio_init(sd, err, sizeof(err)) == -1)
		fatalx("%s", err);
	route_init(sd);
	sd->sig_hup = evsignal_new(sd->base, SIGHUP, stund_sighup, sd);
	sd->sig_term = evsignal_new(sd->base, SIGTERM, stund_sigterm, sd);
	sd->sig_int = evsignal_new(sd->base, SIGINT, stund_sigterm, sd);
	if (sd->sig_hup == NULL || sd->sig_term == NULL ||
	    sd->sig_int == NULL || evsignal_add(sd->sig_hup, NULL) == -1 ||
	    evsignal_add(sd->sig_term, NULL) == -1 ||
	    evsignal_add(sd->sig_int, NULL) == -1)
		fatalx("cannot set up signals");
	for (i = 1; i < sd->nworkers; i++)
		if (worker_start(&sd->workers[i]) == -1)
			fatalx("worker %u: cannot start a thread", i);
	log_info("started: %u worker%s, rfc5780 %s, rendezvous %s, turn %s",
	    sd->nworkers, sd->nworkers == 1 ? "" : "s",
	    sd->srv.two_addr ? "on" : "off", sd->rooms != NULL ? "on" : "off",
	    sd->workers[0].rio != NULL ? "on" : "off");
	event_base_dispatch(sd->base);

	for (i = 1; i < sd->nworkers; i++)
		worker_stop(&sd->workers[i]);
	tcp_free(sd);
	metrics_free(sd);
	rdvio_free(sd);
	event_free(sd->sig_hup);
	event_free(sd->sig_term);
	event_free(sd->sig_int);
	for (i = 0; i < sd->nworkers; i++) {
		relayio_free(&sd->workers[i]);
		worker_free(&sd->workers[i]);
		if (i != 0 && sd->workers[i].base != NULL)
			event_base_free(sd->workers[i].base);
	}
	event_base_free(sd->base);
	relayio_global_free(sd);
}

int
main(int argc, char **argv)
{
	struct stund	 sd;
	char		 err[512];
	int		 i;

	memset(&sd, 0, sizeof(sd));
	conf_init(&sd.cli);
	stund_args(&sd, argc, argv);
	log_init("stund", 0, LOG_LEVEL_INFO);
	if ((sd.conf = stund_load(&sd, err, sizeof(err))) == NULL) {
		fprintf(stderr, "stund: %s\n", err);
		exit(1);
	}
	log_setlevel(sd.conf->log_level);
	sd.conf_gen = 1;
	if (RAND_bytes((unsigned char *)&sd.seed, sizeof(sd.seed)) != 1)
		fatalx("no random bytes");
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no thread support");
	event_set_log_callback(stund_event_log);

	stund_setup(&sd);
	if (!sd.conf->foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("stund", 1, sd.conf->log_level);
	} else if (sd.conf->syslog)
		log_init("stund", 1, sd.conf->log_level);
	if (sd.conf->user[0] != '\0')
		stund_drop(sd.conf->user);
	stund_run(&sd);

	/* Every worker has stopped. */
	for (i = 0; i < STUND_RETIRED; i++)
		conf_free(sd.retired[i]);
	free(sd.workers);
	conf_free(sd.conf);
	free(sd.conf_path);
	log_info("stopped");
	return (0);
}

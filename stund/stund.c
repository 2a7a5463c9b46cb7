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

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
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

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "auth.h"
#include "cluster.h"
#include "hostaddr.h"
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

/* A start-up failure, before detaching: one line, exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
stund_die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "stund: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* A start-up warning, to the log: standard error until stund detaches. */
static void __attribute__((format(printf, 1, 2)))
stund_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

/* Take the pid file's lock, or say who holds it. */
static void
stund_pidfile_open(struct stund *sd)
{
	const char	*path = sd->conf->pidfile;
	char		 pid[32];
	ssize_t		 n;

	sd->pid_fd = -1;
	if (path[0] == '\0')
		return;
	if ((sd->pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		stund_die("pidfile: %s: %s", path, strerror(errno));
	if (flock(sd->pid_fd, LOCK_EX | LOCK_NB) == -1) {
		n = read(sd->pid_fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		stund_die("pidfile: %s is locked by a running stund (pid %s): "
		    "stop it first, or give another pidfile", path,
		    pid[0] != '\0' ? pid : "?");
	}
}

/* After daemon(3): the pid that runs from now on. */
static void
stund_pidfile_write(struct stund *sd)
{
	char	 buf[32];
	int	 n;

	if (sd->pid_fd == -1)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(sd->pid_fd, 0) == -1 ||
	    pwrite(sd->pid_fd, buf, (size_t)n, 0) != n)
		log_warn("pidfile: %s", sd->conf->pidfile);
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
	/* The host's own addresses, which the relay refuses as peers. */
	hostaddr_load(c);
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
	/* logrotate(8) moved the file: a new one, before anything is said. */
	if (sd->conf->log_file[0] != '\0' &&
	    log_set_file(sd->conf->log_file) == -1)
		log_warn("reload: cannot reopen log file %s",
		    sd->conf->log_file);
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
	log_set_event_rate(n->log_rate);
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

/* The user and group to run as, looked up before anything binds. */
static void
stund_lookup_user(struct stund *sd)
{
	const struct conf	*c = sd->conf;
	struct passwd		*pw;
	struct group		*gr;

	if (c->user[0] == '\0') {
		if (c->group[0] != '\0')
			stund_die("group %s is given without user: name the "
			    "user to run as too", c->group);
		if (geteuid() == 0)
			stund_warn("running as root: set user (--user) so "
			    "that stund drops privileges after binding");
		return;
	}
	if ((pw = getpwnam(c->user)) == NULL)
		stund_die("user: no such user '%s' (create it, or name "
		    "another with --user)", c->user);
	sd->uid = pw->pw_uid;
	sd->gid = pw->pw_gid;
	if (c->group[0] != '\0') {
		if ((gr = getgrnam(c->group)) == NULL)
			stund_die("group: no such group '%s' (create it, or "
			    "name another with --group)", c->group);
		sd->gid = gr->gr_gid;
	}
	if (geteuid() != 0 && sd->uid != geteuid())
		stund_die("user: switching to %s needs root (started as uid "
		    "%u)", c->user, (unsigned)geteuid());
	sd->drop = geteuid() == 0;
}

/*
 * Could uid:gid read (or, with want W_OK, write) path?  By the mode
 * bits, the way the kernel would decide it once privileges are dropped.
 */
static int
stund_user_can(const struct stund *sd, const char *path, int want)
{
	struct stat	 st;
	mode_t		 u = want == W_OK ? S_IWUSR : S_IRUSR;
	mode_t		 g = want == W_OK ? S_IWGRP : S_IRGRP;
	mode_t		 o = want == W_OK ? S_IWOTH : S_IROTH;

	if (stat(path, &st) == -1)
		return (0);
	if (sd->uid == 0)
		return (1);
	if (st.st_uid == sd->uid)
		return ((st.st_mode & u) != 0);
	if (st.st_gid == sd->gid)
		return ((st.st_mode & g) != 0);
	return ((st.st_mode & o) != 0);
}

/* A file stund must read now: name it and the fix when it cannot. */
static void
stund_check_readable(const char *what, const char *path)
{
	int	 fd;

	if (path == NULL || path[0] == '\0')
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		stund_die("%s: %s: %s", what, path, strerror(errno));
	close(fd);
}

/* SIGHUP re-reads these as the unprivileged user: say so if it cannot. */
static void
stund_check_reload(const struct stund *sd, const char *what,
    const char *path)
{
	if (!sd->drop || path == NULL || path[0] == '\0' ||
	    stund_user_can(sd, path, R_OK))
		return;
	stund_warn("%s %s is not readable by user %s: SIGHUP will not be "
	    "able to re-read it (chgrp it to the group stund runs as and "
	    "chmod g+r)", what, path, sd->conf->user);
}

/*
 * Every check that can fail before binding: the user and group, the
 * files to read, the log file and the pid file.  Failures exit 1 with
 * the reason on standard error, before stund detaches.
 */
static void
stund_precheck(struct stund *sd)
{
	const struct conf	*c = sd->conf;
	char			 dir[CONF_PATH_MAX], *slash;
	int			 fd;

	stund_lookup_user(sd);
	if (c->has_tls) {
		stund_check_readable("tls: cert", c->cert);
		stund_check_readable("tls: key", c->key);
	}
	stund_check_reload(sd, "config file", sd->conf_file);
	stund_check_reload(sd, "user-file", c->user_file);
	stund_check_reload(sd, "static-auth-secret-file", c->auth_secret_file);
	if (c->has_tls) {
		stund_check_reload(sd, "cert", c->cert);
		stund_check_reload(sd, "key", c->key);
	}
	if (c->log_file[0] != '\0') {
		if ((fd = open(c->log_file, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0640)) == -1)
			stund_die("log-file: %s: %s", c->log_file,
			    strerror(errno));
		if (sd->drop && fchown(fd, sd->uid, sd->gid) == -1)
			stund_warn("log-file: cannot give %s to user %s: %s",
			    c->log_file, c->user, strerror(errno));
		close(fd);
		snprintf(dir, sizeof(dir), "%s", c->log_file);
		if ((slash = strrchr(dir, '/')) != NULL)
			*(slash == dir ? slash + 1 : slash) = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		if (sd->drop && !stund_user_can(sd, dir, W_OK))
			stund_warn("log-file: user %s cannot create files in "
			    "%s: after logrotate moves %s, SIGHUP cannot open "
			    "a new one (use copytruncate, or give the "
			    "directory to the user)", c->user, dir,
			    c->log_file);
	}
	stund_pidfile_open(sd);
}

/* openssh uidswap.c: drop for good, then prove root cannot come back. */
static void
stund_drop(struct stund *sd)
{
	gid_t		 gid = sd->gid;
	uid_t		 uid = sd->uid;

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
	log_info("running as %s", sd->conf->user);
}

/* The advertised addresses: said, and checked against the bound ones. */
static void
stund_adv_selftest(struct stund *sd)
{
	char	 why[512], a[64], b[64];
	int	 i;

	if (listen_adv_check(sd, why, sizeof(why)) == -1) {
		if (sd->conf->foreground)
			log_console("advertised-address check failed: %s",
			    why);
		else
			log_warnx("advertised-address check failed: %s", why);
		return;
	}
	if (!sd->conf->ext.set)
		return;
	for (i = 0; i < sd->nsock; i += 2) {
		if (stun_addr_format(&sd->srv.local[i], a, sizeof(a)) != 0 ||
		    stun_addr_format(&sd->bound[i], b, sizeof(b)) != 0)
			continue;
		if (sd->conf->foreground)
			log_console("advertising %s for %s", a, b);
		else
			log_info("advertising %s for %s", a, b);
	}
}

/* The same for the IPv6 set of a dual-stack server (sockets 4-7). */
static void
stund_selftest6(struct stund *sd)
{
	char	 why[256];
	int	 i;

	if (!sd->conf->has_alternate6)
		return;
	if (sd->conf->no_udp)
		snprintf(why, sizeof(why), "no-udp: RFC 5780 needs UDP");
	else if (listen_selftest(sd, STUN_SRV_NSOCK, why, sizeof(why)) == 0) {
		sd->srv6.two_addr = 1;
		if (sd->conf->foreground)
			log_console("rfc5780 self-test of the ipv6 set passed: "
			    "other-address advertised");
		else
			log_info("rfc5780 self-test of the ipv6 set passed");
		return;
	}
	if (sd->conf->foreground)
		log_console("rfc5780 self-test of the ipv6 set failed: %s; "
		    "one ipv6 address served", why);
	else
		log_warnx("rfc5780 self-test of the ipv6 set failed: %s; "
		    "one ipv6 address served", why);
	for (i = STUN_SRV_NSOCK + 1; i < STUND_NSOCK; i++) {
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
	sd->nsock6 = 1;
}

static void
stund_selftest(struct stund *sd)
{
	char	 why[256];
	int	 i;

	stund_adv_selftest(sd);
	stund_selftest6(sd);
	if (!sd->conf->has_alternate) {
		if (sd->conf->foreground)
			log_console("rfc5780 self-test skipped: no alternate "
			    "address; running as a single-address server");
		return;
	}
	if (sd->alt_why[0] != '\0')
		snprintf(why, sizeof(why), "%s", sd->alt_why);
	else if (sd->conf->no_udp)
		snprintf(why, sizeof(why), "no-udp: RFC 5780 needs UDP");
	else if (listen_selftest(sd, 0, why, sizeof(why)) == 0) {
		sd->srv.two_addr = 1;
		if (sd->conf->foreground)
			log_console("rfc5780 self-test passed: all four "
			    "sockets answer; other-address advertised");
		else
			log_info("rfc5780 self-test passed: other-address "
			    "advertised");
		return;
	}
	if (sd->conf->foreground)
		log_console("rfc5780 self-test failed: %s; running as a "
		    "single-address server", why);
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
			/* Out of ps(1) now that it is copied. */
			if (strcmp(stund_longopts[idx].name,
			    "static-auth-secret") == 0)
				OPENSSL_cleanse(optarg, strlen(optarg));
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
		log_warnx("descriptor limit %llu is below the %llu that "
		    "tcp-max %u and max-allocations %u need",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)want,
		    c->tcp_max, relayio_enabled(c) ? c->max_allocations : 0);
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
	    rdvio_init(sd, err, sizeof(err)) == -1 ||
	    cluster_init(sd, err, sizeof(err)) == -1)
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
	cluster_free(sd);
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

	log_set_json(sd.conf->log_json);
	log_set_stamps(1);
	log_set_event_rate(sd.conf->log_rate);
	stund_precheck(&sd);
	stund_setup(&sd);
	if (!sd.conf->foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		if (sd.conf->log_file[0] == '\0')
			log_init("stund", 1, sd.conf->log_level);
	} else if (sd.conf->syslog && sd.conf->log_file[0] == '\0')
		log_init("stund", 1, sd.conf->log_level);
	if (sd.conf->log_file[0] != '\0' &&
	    log_set_file(sd.conf->log_file) == -1)
		fatal("log-file %s", sd.conf->log_file);
	stund_pidfile_write(&sd);
	if (sd.drop)
		stund_drop(&sd);
	stund_run(&sd);

	/* Every worker has stopped. */
	for (i = 0; i < STUND_RETIRED; i++)
		conf_free(sd.retired[i]);
	free(sd.workers);
	snprintf(sd.conf_pidfile, sizeof(sd.conf_pidfile), "%s",
	    sd.conf->pidfile);
	conf_free(sd.conf);
	free(sd.conf_path);
	if (sd.pid_fd != -1) {
		/* After the drop this may fail; the lock is gone either way. */
		(void)unlink(sd.conf_pidfile);
		close(sd.pid_fd);
	}
	log_info("stopped");
	return (0);
}

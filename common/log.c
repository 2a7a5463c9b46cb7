/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Logging for the programs: stderr or syslog, a level threshold, and an
 * escape helper so that wire strings never reach a terminal raw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char	*log_prog = "stunkit";
static int		 log_syslog;
static int		 log_level = LOG_LEVEL_INFO;

void
log_init(const char *progname, int to_syslog, int level)
{
	log_prog = progname;
	log_syslog = to_syslog;
	log_level = level;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Threads log while SIGHUP may change the level: atomic access. */
void
log_setlevel(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int
log_getlevel(void)
{
	return (__atomic_load_n(&log_level, __ATOMIC_RELAXED));
}

int
log_level_parse(const char *name)
{
	static const char *names[] = { "err", "warn", "info", "debug" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return ((int)i);
	return (-1);
}

static void
log_vwrite(int level, const char *fmt, va_list ap, const char *suffix)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char	 buf[1024];

	if (level > log_getlevel())
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_syslog) {
		if (suffix != NULL)
			syslog(prio[level], "%s: %s", buf, suffix);
		else
			syslog(prio[level], "%s", buf);
	} else {
		if (suffix != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_prog, buf, suffix);
		else
			fprintf(stderr, "%s: %s\n", log_prog, buf);
		fflush(stderr);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

char *
log_escape(const void *in, size_t len, char *out, size_t cap)
{
	const unsigned char	*p = in;
	size_t			 i, o = 0;

	if (cap == 0)
		return (out);
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			if (cap - o < 2)
				break;
			out[o++] = (char)p[i];
		} else {
			if (cap - o < 5)
				break;
			snprintf(out + o, 5, "\\%03o", p[i]);
			o += 4;
		}
	}
	out[o] = '\0';
	return (out);
}

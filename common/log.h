/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Logging for the programs, after OpenNTPD's log.h: to stderr or syslog,
 * with levels; fatal() and fatalx() exit.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>

#define LOG_LEVEL_ERR	0
#define LOG_LEVEL_WARN	1
#define LOG_LEVEL_INFO	2
#define LOG_LEVEL_DEBUG	3

/* to_syslog: 1 for syslog(3), 0 for stderr.  level: LOG_LEVEL_*. */
void	log_init(const char *progname, int to_syslog, int level);
void	log_setlevel(int level);
int	log_getlevel(void);
/* "err", "warn", "info", "debug" -> level; -1 when unknown. */
int	log_level_parse(const char *name);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * Copy untrusted bytes into out as printable text (\ooo for the rest),
 * always NUL-terminated; returns out.
 */
char	*log_escape(const void *in, size_t len, char *out, size_t cap);

#endif

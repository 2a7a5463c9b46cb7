/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Logging for the programs, after OpenNTPD's log.h: to stderr (or a file
 * put in its place) or syslog, with levels, optional timestamps and JSON
 * lines; fatal() and fatalx() exit.  Events (log_ev_*) are key=value lines
 * that a peer can cause, so they pass a per-second limit.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
/* Always to standard error whatever the level, stamped like the log. */
void	log_console(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Stamp lines to stderr with the UTC time (ISO 8601, milliseconds). */
void	log_set_stamps(int on);
/* One JSON object a line instead of text: {"ts", "level", "msg"|"event"}. */
void	log_set_json(int on);
/*
 * Put the file at path (appended to, created 0640) in the place of
 * standard error, so that the log and any stray message go there; again
 * after a rename by logrotate(8).  0, or -1 with errno set.
 */
int	log_set_file(const char *path);
/* At most per_sec event lines a second; 0: no limit. */
void	log_set_event_rate(unsigned per_sec);
/* Event lines suppressed by that limit since start. */
uint64_t log_ev_suppressed(void);

/*
 * One event line: log_ev_begin(), fields, log_ev_emit().  Text lines read
 * "event=NAME key=value ...": a value that is empty or holds a space or
 * '=' is quoted, and bytes outside printable ASCII, '"' and '\\' are
 * written as \ooo (logfmt).  JSON lines carry the same keys.  Emitted at
 * info, within the event limit: when lines were suppressed, the next line
 * that passes is preceded by "event=log-suppressed count=N".
 */
#define LOG_EV_MAX	1024
struct log_ev {
	char		 buf[LOG_EV_MAX];
	size_t		 len;
	int		 json;
	const char	*name;
};
void	log_ev_begin(struct log_ev *ev, const char *name);
void	log_ev_str(struct log_ev *ev, const char *key, const char *val);
/* Untrusted bytes of a given length (escaped as above, or JSON). */
void	log_ev_bytes(struct log_ev *ev, const char *key, const void *val,
	    size_t len);
void	log_ev_u64(struct log_ev *ev, const char *key, uint64_t val);
void	log_ev_emit(struct log_ev *ev);

/*
 * Copy untrusted bytes into out as printable text (\ooo for the rest),
 * always NUL-terminated; returns out.
 */
char	*log_escape(const void *in, size_t len, char *out, size_t cap);

#endif

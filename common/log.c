/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Logging for the programs: stderr (or a file in its place) or syslog, a
 * level threshold, timestamps, JSON lines, rate-limited key=value events,
 * and an escape helper so that wire strings never reach a terminal raw.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"

static const char	*log_prog = "stunkit";
static int		 log_syslog;
static int		 log_level = LOG_LEVEL_INFO;
static int		 log_stamps;
static int		 log_json;

/* The event limit: a window of one second, shared by every thread. */
static pthread_mutex_t	 log_ev_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned		 log_ev_rate;		/* 0: no limit */
static time_t		 log_ev_sec;
static unsigned		 log_ev_n;		/* lines in this second */
static uint64_t		 log_ev_held;		/* suppressed, not yet said */
static uint64_t		 log_ev_total;		/* suppressed since start */

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

void
log_set_stamps(int on)
{
	log_stamps = on;
}

void
log_set_json(int on)
{
	log_json = on;
}

int
log_set_file(const char *path)
{
	int	 fd, saved;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return (-1);
	fflush(stderr);
	if (fd != STDERR_FILENO && dup2(fd, STDERR_FILENO) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	if (fd != STDERR_FILENO)
		close(fd);
	log_syslog = 0;
	return (0);
}

void
log_set_event_rate(unsigned per_sec)
{
	pthread_mutex_lock(&log_ev_lock);
	log_ev_rate = per_sec;
	pthread_mutex_unlock(&log_ev_lock);
}

uint64_t
log_ev_suppressed(void)
{
	uint64_t	 n;

	pthread_mutex_lock(&log_ev_lock);
	n = log_ev_total;
	pthread_mutex_unlock(&log_ev_lock);
	return (n);
}

static const char *
log_level_name(int level)
{
	static const char *names[] = { "err", "warn", "info", "debug" };

	return (level >= 0 && level <= LOG_LEVEL_DEBUG ? names[level] : "?");
}

/* "2026-01-02T03:04:05.678Z" */
static void
log_stamp(char *out, size_t cap)
{
	struct timeval	 tv;
	struct tm	 tm;

	gettimeofday(&tv, NULL);
	if (gmtime_r(&tv.tv_sec, &tm) == NULL) {
		snprintf(out, cap, "-");
		return;
	}
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

/* Append a JSON string of untrusted bytes to buf[*off..cap). */
static void
log_json_str(char *buf, size_t cap, size_t *off, const void *s, size_t len)
{
	const uint8_t	*p = s;
	size_t		 i = 0, n, o = *off;
	char		 esc[8];

	if (cap - o < 3)
		return;
	buf[o++] = '"';
	while (i < len) {
		n = 1;
		if (p[i] == '"' || p[i] == '\\')
			snprintf(esc, sizeof(esc), "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
		else if (p[i] < 0x80)
			snprintf(esc, sizeof(esc), "%c", p[i]);
		else if ((n = json_utf8_len(p + i, len - i)) != 0) {
			if (n > cap - o - 2)
				break;
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
			continue;
		} else {
			n = 1;
			snprintf(esc, sizeof(esc), "\\ufffd");
		}
		if (strlen(esc) > cap - o - 2)
			break;
		memcpy(buf + o, esc, strlen(esc));
		o += strlen(esc);
		i += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	*off = o;
}

/* One finished line (no newline) to syslog or standard error. */
static void
log_put(int level, const char *line)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char	 ts[64];

	if (log_syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	if (log_json)
		fprintf(stderr, "%s\n", line);
	else if (log_stamps) {
		log_stamp(ts, sizeof(ts));
		fprintf(stderr, "%s %s: %s\n", ts, log_prog, line);
	} else
		fprintf(stderr, "%s: %s\n", log_prog, line);
	fflush(stderr);
}

/* {"ts":"...","level":"info","prog":"stund", then the caller's fields. */
static size_t
log_json_head(char *buf, size_t cap, int level)
{
	char	 ts[64];
	int	 n;

	log_stamp(ts, sizeof(ts));
	n = snprintf(buf, cap, "{\"ts\":\"%s\",\"level\":\"%s\","
	    "\"prog\":\"%s\"", ts, log_level_name(level), log_prog);
	return (n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n);
}

static void
log_vwrite(int level, const char *fmt, va_list ap, const char *suffix)
{
	char	 buf[1024], line[1280];
	size_t	 off;
	int	 n;

	if (level > log_getlevel())
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (suffix != NULL && n >= 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", suffix);
	if (log_json) {
		off = log_json_head(line, sizeof(line), level);
		if (sizeof(line) - off > 8) {
			memcpy(line + off, ",\"msg\":", 7);
			off += 7;
			log_json_str(line, sizeof(line) - 1, &off, buf,
			    strlen(buf));
			line[off++] = '}';
			line[off] = '\0';
		}
		log_put(level, line);
	} else
		log_put(level, buf);
}

/*
 * May an event line go out now?  When lines were held back and a new
 * second began, *said gets how many, to be told first.
 */
static int
log_ev_allow(uint64_t *said)
{
	time_t	 now = time(NULL);
	int	 ok;

	*said = 0;
	pthread_mutex_lock(&log_ev_lock);
	if (now != log_ev_sec) {
		log_ev_sec = now;
		log_ev_n = 0;
	}
	ok = log_ev_rate == 0 || log_ev_n < log_ev_rate;
	if (ok) {
		log_ev_n++;
		*said = log_ev_held;
		log_ev_held = 0;
	} else {
		log_ev_held++;
		log_ev_total++;
	}
	pthread_mutex_unlock(&log_ev_lock);
	return (ok);
}

void
log_ev_begin(struct log_ev *ev, const char *name)
{
	ev->json = log_json;
	ev->name = name;
	ev->len = 0;
	ev->buf[0] = '\0';
}

/* Append text to the line, cut at the end of the buffer. */
static void
log_ev_cat(struct log_ev *ev, const char *s)
{
	size_t	 n = strlen(s);

	if (n > sizeof(ev->buf) - 1 - ev->len)
		n = sizeof(ev->buf) - 1 - ev->len;
	memcpy(ev->buf + ev->len, s, n);
	ev->len += n;
	ev->buf[ev->len] = '\0';
}

static void
log_ev_key(struct log_ev *ev, const char *key)
{
	if (ev->json) {
		log_ev_cat(ev, ",\"");
		log_ev_cat(ev, key);
		log_ev_cat(ev, "\":");
	} else {
		log_ev_cat(ev, " ");
		log_ev_cat(ev, key);
		log_ev_cat(ev, "=");
	}
}

void
log_ev_bytes(struct log_ev *ev, const char *key, const void *val,
    size_t len)
{
	const unsigned char	*p = val;
	char			 o[8];
	size_t			 i;
	int			 quote = len == 0;

	log_ev_key(ev, key);
	if (ev->json) {
		log_json_str(ev->buf, sizeof(ev->buf) - 1, &ev->len, val,
		    len);
		return;
	}
	for (i = 0; i < len; i++)
		if (p[i] == ' ' || p[i] == '=')
			quote = 1;
	if (quote)
		log_ev_cat(ev, "\"");
	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\')
			snprintf(o, sizeof(o), "%c", p[i]);
		else
			snprintf(o, sizeof(o), "\\%03o", p[i]);
		log_ev_cat(ev, o);
	}
	if (quote)
		log_ev_cat(ev, "\"");
}

void
log_ev_str(struct log_ev *ev, const char *key, const char *val)
{
	log_ev_bytes(ev, key, val, strlen(val));
}

void
log_ev_u64(struct log_ev *ev, const char *key, uint64_t val)
{
	char	 n[24];

	log_ev_key(ev, key);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)val);
	log_ev_cat(ev, n);
}

static void
log_ev_line(const char *name, const char *fields, int json)
{
	char	 line[LOG_EV_MAX + 256];
	size_t	 off;

	if (json) {
		off = log_json_head(line, sizeof(line), LOG_LEVEL_INFO);
		snprintf(line + off, sizeof(line) - off, ",\"event\":\"%s\"%s}",
		    name, fields);
	} else
		snprintf(line, sizeof(line), "event=%s%s", name, fields);
	log_put(LOG_LEVEL_INFO, line);
}

void
log_ev_emit(struct log_ev *ev)
{
	char		 n[64];
	uint64_t	 said;

	if (LOG_LEVEL_INFO > log_getlevel() || !log_ev_allow(&said))
		return;
	if (said != 0) {
		snprintf(n, sizeof(n), ev->json ? ",\"count\":%llu" :
		    " count=%llu", (unsigned long long)said);
		log_ev_line("log-suppressed", n, ev->json);
	}
	log_ev_line(ev->name, ev->buf, ev->json);
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
log_console(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024], ts[64], line[1280];
	size_t	 off;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_json && (off = log_json_head(line, sizeof(line),
	    LOG_LEVEL_INFO)) < sizeof(line) - 16) {
		memcpy(line + off, ",\"msg\":", 7);
		off += 7;
		log_json_str(line, sizeof(line) - 1, &off, buf, strlen(buf));
		line[off++] = '}';
		line[off] = '\0';
		fprintf(stderr, "%s\n", line);
	} else if (log_stamps) {
		log_stamp(ts, sizeof(ts));
		fprintf(stderr, "%s %s: %s\n", ts, log_prog, buf);
	} else
		fprintf(stderr, "%s: %s\n", log_prog, buf);
	fflush(stderr);
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

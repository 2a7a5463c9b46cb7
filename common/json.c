/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * A small JSON writer (see json.h): string escaping with UTF-8 validation
 * and the fields of one object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"

size_t
json_utf8_len(const uint8_t *p, size_t len)
{
	size_t	 n, i;
	uint32_t cp;

	if (len == 0)
		return (0);
	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (0);
	if (n > len)
		return (0);
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

void
json_write_str(FILE *f, const void *s, size_t len)
{
	const uint8_t	*p = s;
	size_t		 i = 0, n;

	putc('"', f);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			putc('\\', f);
			putc(p[i], f);
			i++;
		} else if (p[i] == '\n') {
			fputs("\\n", f);
			i++;
		} else if (p[i] == '\t') {
			fputs("\\t", f);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
			i++;
		} else if ((n = json_utf8_len(p + i, len - i)) == 0) {
			fputs("\\ufffd", f);
			i++;
		} else {
			fwrite(p + i, 1, n, f);
			i += n;
		}
	}
	putc('"', f);
}

void
json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->n = 0;
	putc('{', f);
}

void
json_end(struct json *j)
{
	fputs("}\n", j->f);
	fflush(j->f);
}

void
json_key(struct json *j, const char *key)
{
	if (j->n++ > 0)
		putc(',', j->f);
	json_write_str(j->f, key, strlen(key));
	putc(':', j->f);
}

void
json_str(struct json *j, const char *key, const char *s)
{
	if (s == NULL) {
		json_null(j, key);
		return;
	}
	json_strn(j, key, s, strlen(s));
}

void
json_strn(struct json *j, const char *key, const void *s, size_t len)
{
	json_key(j, key);
	json_write_str(j->f, s, len);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void
json_bool(struct json *j, const char *key, int v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

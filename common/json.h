/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * A small JSON writer for the programs' machine-readable output: one object
 * of string, integer, boolean and null fields, written straight to a
 * stdio stream.  Strings may be untrusted bytes: valid UTF-8 passes
 * through, control characters are escaped and invalid bytes become U+FFFD,
 * so the output is always valid JSON.
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE	*f;
	int	 n;		/* fields written so far */
};

/* Length of the valid UTF-8 sequence (RFC 3629) at p[0..len), or 0. */
size_t	json_utf8_len(const uint8_t *p, size_t len);
/* Write s[0..len) as a quoted JSON string. */
void	json_write_str(FILE *f, const void *s, size_t len);
/* "{" and, by json_end(), "}\n" with a flush. */
void	json_begin(struct json *j, FILE *f);
void	json_end(struct json *j);
/* One "key": value field each; s NULL writes null. */
void	json_str(struct json *j, const char *key, const char *s);
void	json_strn(struct json *j, const char *key, const void *s, size_t len);
void	json_int(struct json *j, const char *key, int64_t v);
void	json_bool(struct json *j, const char *key, int v);
void	json_null(struct json *j, const char *key);
/* A field whose value the caller writes next (nested object or array). */
void	json_key(struct json *j, const char *key);

#endif

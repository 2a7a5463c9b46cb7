/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * HOST[:PORT] from the command line, split without resolving: the one
 * copy natprobe and p2pchat share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostport.h"

/* A decimal port, 1 to 65535: 0, or -1. */
static int
hostport_port(const char *s, uint16_t *port)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

int
hostport_split(const char *s, char *host, size_t cap, uint16_t *port)
{
	const char	*colon, *end;
	size_t		 hl;

	*port = 0;
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return (-1);
		hl = (size_t)(end - s - 1);
		if (end[1] == ':') {
			if (hostport_port(end + 2, port) != 0)
				return (-1);
		} else if (end[1] != '\0')
			return (-1);
		s++;
	} else {
		colon = strrchr(s, ':');
		hl = strlen(s);
		/* One ':' separates the port; more make an IPv6 literal. */
		if (colon != NULL && strchr(s, ':') == colon) {
			if (hostport_port(colon + 1, port) != 0)
				return (-1);
			hl = (size_t)(colon - s);
		}
	}
	if (hl == 0 || hl >= cap)
		return (-1);
	memcpy(host, s, hl);
	host[hl] = '\0';
	return (0);
}

/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * HOST[:PORT] on the command line, as natprobe and p2pchat take a server:
 * split only, the caller resolves.
 */
#ifndef COMMON_HOSTPORT_H
#define COMMON_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Split "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal
 * (more than one ':') into host, NUL-terminated in fewer than cap bytes,
 * and *port: 1 to 65535, or 0 when none is given.  Returns 0, or -1 for a
 * bad form or port or an empty or too long host.
 */
int	hostport_split(const char *s, char *host, size_t cap,
	    uint16_t *port);

#endif /* COMMON_HOSTPORT_H */
